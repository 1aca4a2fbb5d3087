//! `tap:kms:Alias`: a friendly name for a KMS key.
//!
//! AWS APIs: CreateAlias, ListAliases (read), UpdateAlias (retarget in place), DeleteAlias,
//! TagResource / UntagResource / ListResourceTags on the target key. Id: the alias name.
//! Replaced when name or region change.
//!
//! Aliases take no tags, so tap's marker for an alias is a tag on the key it names
//! (`tap:alias-<16 hex of the marker>` = the alias name): an existing alias is tap's own (an
//! earlier attempt's) exactly when its key carries that tag.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::tags_of;
use crate::error::{aws, Error, Result, Service::Kms};
use crate::resource::{deleted, Checker, Created, Ctx, Field, Resource};

pub struct Alias;

/// A friendly name for a KMS key. Retargeting it to another key happens in place; renaming it
/// replaces it. Import with the alias name, or `<alias name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct AliasInputs {
    /// The alias, `alias/<name>` (not in `alias/aws/`, which AWS reserves).
    #[field(replace, identity, required = "an alias such as alias/my-key")]
    pub name: String,
    /// The key's id or ARN.
    #[field(required = "the key's id or ARN", compare = comparable_key)]
    pub target_key_id: String,
    #[field(region)]
    pub region: String,
}

/// The alias as KMS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct AliasOutputs {
    #[serde(flatten)]
    pub inputs: AliasInputs,
    /// The alias's ARN.
    #[field(from = "name, region")]
    #[serde(default)]
    pub arn: String,
    /// The ARN of the key the alias names.
    #[field(from = "targetKeyId, region")]
    #[serde(default)]
    pub target_key_arn: String,
}

/// Checks an alias name; the reason when it is not one.
pub fn validate_name(name: &str) -> std::result::Result<(), String> {
    let Some(rest) = name.strip_prefix("alias/") else {
        return Err(format!("{name:?} must start with `alias/`, e.g. alias/my-key"));
    };
    if name.starts_with("alias/aws/") {
        return Err(format!("{name:?} is in `alias/aws/`, which AWS reserves for its own keys"));
    }
    if rest.is_empty() || name.len() > 256 {
        return Err("must be `alias/` followed by 1 to 250 characters".into());
    }
    if let Some(bad) = rest.chars().find(|c| !(c.is_ascii_alphanumeric() || "/_-".contains(*c))) {
        return Err(format!("{name:?} contains {bad:?}; use letters, digits, /, _ and -"));
    }
    Ok(())
}

/// A key id from a key id or a key ARN (`arn:<partition>:kms:…:key/<id>`).
fn key_id_of(v: &str) -> &str {
    v.rsplit_once(":key/").map(|(_, id)| id).unwrap_or(v)
}

/// A key id and the key's ARN name the same key.
fn comparable_key(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::String(v) => serde_json::Value::String(key_id_of(&v).to_string()),
        other => other,
    }
}

/// The tag, on the alias's key, that marks the alias as tap's for this URN.
fn alias_tag(ctx: &Ctx) -> String {
    format!("tap:alias-{}", &ctx.marker()[..16])
}

async fn tag_key(ctx: &Ctx, key: &str, alias: &str) -> Result<()> {
    let tag = aws_sdk_kms::types::Tag::builder()
        .tag_key(alias_tag(ctx))
        .tag_value(alias)
        .build()
        .map_err(|e| Error::Internal(e.to_string()))?;
    ctx.clients.kms.tag_resource().key_id(key).tags(tag).send().await.map_err(aws(Kms, "TagResource"))?;
    Ok(())
}

/// Removes the alias's tag from a key it no longer names (a key pending deletion keeps it).
async fn untag_key(ctx: &Ctx, key: &str) -> Result<()> {
    let result = ctx.clients.kms.untag_resource().key_id(key).tag_keys(alias_tag(ctx)).send().await;
    deleted(result.map_err(aws(Kms, "UntagResource")), |e| e.is_gone() || e.is_code(&["KMSInvalidStateException"]))
}

#[async_trait]
impl Resource for Alias {
    const TOKEN: &'static str = "tap:kms:Alias";
    type Inputs = AliasInputs;
    type State = AliasOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(name) = c.string("name") {
            if let Err(reason) = validate_name(&name) {
                c.fail("name", reason);
            }
        }
    }

    /// A region holds one alias of a name: a replacement keeping it deletes the old first.
    fn replace_conflicts(&self, _name: &str, olds: &AliasOutputs, news: &AliasInputs) -> bool {
        olds.inputs.name == news.name && olds.inputs.region == news.region
    }

    async fn find(&self, ctx: &Ctx, inputs: &AliasInputs, _fresh: bool) -> Result<Option<Created<AliasOutputs>>> {
        let Some(state) = read_alias(ctx, &inputs.name).await? else { return Ok(None) };
        let key = &state.inputs.target_key_id;
        let tags =
            ctx.clients.kms.list_resource_tags().key_id(key).send().await.map_err(aws(Kms, "ListResourceTags"))?;
        let ours = tags_of(tags.tags()).iter().any(|(k, v)| *k == alias_tag(ctx) && *v == inputs.name);
        if !ours || ctx.is_seen(&inputs.name) {
            let region = ctx.region();
            return Err(Error::Taken(format!(
                "the KMS alias {} already exists in {region} and was not made by tap for this resource: import it \
                 (pulumi import tap:kms:Alias <name> {}@{region}) or choose another name (for a SecureRegion, another \
                 component name)",
                inputs.name, inputs.name
            )));
        }
        Ok(Some(Created { id: inputs.name.clone(), state }))
    }

    async fn create(&self, ctx: &Ctx, inputs: &AliasInputs) -> Result<Created<AliasOutputs>> {
        // The alias's ARN is derived (no ListAliases read-back): the account is asked first.
        let account = ctx.clients.account_id().await?;
        // The marker first: an alias that exists is then always recognised as tap's.
        tag_key(ctx, &inputs.target_key_id, &inputs.name).await?;
        ctx.clients
            .kms
            .create_alias()
            .alias_name(&inputs.name)
            .target_key_id(&inputs.target_key_id)
            .customize()
            .config_override(crate::aws::once::kms())
            .send()
            .await
            .map_err(aws(Kms, "CreateAlias"))?;
        let key_id = key_id_of(&inputs.target_key_id).to_string();
        let state = AliasOutputs {
            arn: ctx.clients.arn("kms", &account, &inputs.name),
            target_key_arn: ctx.clients.arn("kms", &account, &format!("key/{key_id}")),
            inputs: AliasInputs { target_key_id: key_id, ..inputs.clone() },
        };
        Ok(Created { id: inputs.name.clone(), state })
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<AliasOutputs>) -> Result<Option<AliasOutputs>> {
        read_alias(ctx, id).await
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: AliasOutputs, news: AliasInputs) -> Result<AliasOutputs> {
        if key_id_of(&olds.inputs.target_key_id) != key_id_of(&news.target_key_id) {
            tag_key(ctx, &news.target_key_id, id).await?;
            ctx.clients
                .kms
                .update_alias()
                .alias_name(id)
                .target_key_id(&news.target_key_id)
                .send()
                .await
                .map_err(aws(Kms, "UpdateAlias"))?;
            untag_key(ctx, &olds.inputs.target_key_id).await?;
        }
        Ok(read_alias(ctx, id).await?.unwrap_or(olds))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: AliasOutputs) -> Result<()> {
        deleted(
            ctx.clients.kms.delete_alias().alias_name(id).send().await.map_err(aws(Kms, "DeleteAlias")),
            Error::is_gone,
        )?;
        untag_key(ctx, &olds.inputs.target_key_id).await
    }

    async fn mark(&self, ctx: &Ctx, id: &str, state: &AliasOutputs) -> Result<()> {
        tag_key(ctx, &state.inputs.target_key_id, id).await
    }
}

async fn read_alias(ctx: &Ctx, name: &str) -> Result<Option<AliasOutputs>> {
    let mut pages = ctx.clients.kms.list_aliases().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws(Kms, "ListAliases"))?;
        if let Some(a) = page.aliases().iter().find(|a| a.alias_name() == Some(name)) {
            let target = a.target_key_id().unwrap_or_default().to_string();
            let arn = a.alias_arn().unwrap_or_default().to_string();
            let target_key_arn =
                arn.split_once(":alias/").map(|(base, _)| format!("{base}:key/{target}")).unwrap_or_default();
            return Ok(Some(AliasOutputs {
                inputs: AliasInputs { name: name.to_string(), target_key_id: target, region: ctx.region().to_string() },
                arn,
                target_key_arn,
            }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names() {
        assert!(validate_name("alias/tap-us-east-1-secure-key").is_ok());
        assert!(validate_name("tap-key").unwrap_err().contains("must start with `alias/`"));
        assert!(validate_name("alias/aws/s3").unwrap_err().contains("reserves"));
        assert!(validate_name("alias/").is_err());
        assert!(validate_name("alias/a b").unwrap_err().contains("contains ' '"));
        assert_eq!(key_id_of("arn:aws:kms:us-east-1:123456789012:key/abc"), "abc");
        assert_eq!(key_id_of("abc"), "abc");
    }
}
