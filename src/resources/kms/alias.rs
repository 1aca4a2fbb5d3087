//! `tap:kms:Alias`: a friendly name for a KMS key.
//!
//! AWS APIs: CreateAlias, ListAliases (read), UpdateAlias (retarget in place), DeleteAlias.
//! Id: the alias name. Replaced when name or region change.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::error::{aws, Error, Result, Service::Kms};
use crate::resource::{deleted, Checker, Created, Ctx, Field, Resource};

pub struct Alias;

/// A friendly name for a KMS key. Retargeting it to another key happens in place; renaming it
/// replaces it. Import with the alias name, or `<alias name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct AliasInputs {
    /// The alias, `alias/<name>` (not in `alias/aws/`, which AWS reserves).
    #[field(replace, required = "an alias such as alias/my-key")]
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
    #[serde(default)]
    pub arn: String,
    /// The ARN of the key the alias names.
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

    async fn create(&self, ctx: &Ctx, inputs: &AliasInputs) -> Result<Created<AliasOutputs>> {
        // The alias's ARN is derived (no ListAliases read-back): the account is asked first.
        let account = ctx.clients.account_id().await?;
        ctx.clients
            .kms
            .create_alias()
            .alias_name(&inputs.name)
            .target_key_id(&inputs.target_key_id)
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
            ctx.clients
                .kms
                .update_alias()
                .alias_name(id)
                .target_key_id(&news.target_key_id)
                .send()
                .await
                .map_err(aws(Kms, "UpdateAlias"))?;
        }
        Ok(read_alias(ctx, id).await?.unwrap_or(olds))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: AliasOutputs) -> Result<()> {
        deleted(
            ctx.clients.kms.delete_alias().alias_name(id).send().await.map_err(aws(Kms, "DeleteAlias")),
            Error::is_gone,
        )
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
