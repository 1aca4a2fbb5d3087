//! `tap:kms:Alias`: a friendly name for a KMS key.
//!
//! AWS APIs: CreateAlias, ListAliases (read), UpdateAlias (retarget in place), DeleteAlias.
//! Id: the alias name. Replaced when name or region change.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::is_not_found;
use crate::error::{aws, Result};
use crate::resource::{deleted, Checker, Ctx, Field, Resource};

pub struct Alias;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AliasInputs {
    /// `alias/<name>`.
    pub name: String,
    /// The key's id or ARN.
    pub target_key_id: String,
    pub region: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AliasOutputs {
    pub name: String,
    pub target_key_id: String,
    pub region: String,
    #[serde(default)]
    pub arn: String,
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

/// A key id from a key id or a key ARN (`arn:aws:kms:…:key/<id>`).
fn key_id_of(v: &str) -> &str {
    v.rsplit_once(":key/").map(|(_, id)| id).unwrap_or(v)
}

#[async_trait]
impl Resource for Alias {
    const TOKEN: &'static str = "tap:kms:Alias";
    const REPLACE_ON: &'static [&'static str] = &["name"];
    type Inputs = AliasInputs;
    type Outputs = AliasOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(name) = c.required_string("name", "an alias such as alias/my-key") {
            if let Err(reason) = validate_name(&name) {
                c.fail("name", reason);
            }
        }
        c.required_string("targetKeyId", "the key's id or ARN");
    }

    fn normalize(&self, key: &str, value: serde_json::Value) -> serde_json::Value {
        match (key, &value) {
            ("targetKeyId", serde_json::Value::String(v)) => serde_json::Value::String(key_id_of(v).to_string()),
            _ => value,
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: AliasInputs) -> Result<(String, AliasOutputs)> {
        ctx.clients
            .kms
            .create_alias()
            .alias_name(&inputs.name)
            .target_key_id(&inputs.target_key_id)
            .send()
            .await
            .map_err(aws("CreateAlias"))?;
        // The alias's ARN is derived, so no ListAliases read-back is needed.
        let account = ctx.clients.account_id().await?;
        let key_id = key_id_of(&inputs.target_key_id).to_string();
        let outputs = AliasOutputs {
            arn: format!("arn:aws:kms:{}:{account}:{}", inputs.region, inputs.name),
            target_key_arn: format!("arn:aws:kms:{}:{account}:key/{key_id}", inputs.region),
            name: inputs.name.clone(),
            target_key_id: key_id,
            region: inputs.region,
        };
        Ok((inputs.name, outputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<AliasOutputs>> {
        read_alias(ctx, id).await
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: AliasOutputs, news: AliasInputs) -> Result<AliasOutputs> {
        if key_id_of(&olds.target_key_id) != key_id_of(&news.target_key_id) {
            ctx.clients
                .kms
                .update_alias()
                .alias_name(id)
                .target_key_id(&news.target_key_id)
                .send()
                .await
                .map_err(aws("UpdateAlias"))?;
        }
        Ok(read_alias(ctx, id).await?.unwrap_or(olds))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: AliasOutputs) -> Result<()> {
        deleted(ctx.clients.kms.delete_alias().alias_name(id).send().await.map_err(aws("DeleteAlias")), |e| {
            is_not_found(e)
        })
    }
}

async fn read_alias(ctx: &Ctx, name: &str) -> Result<Option<AliasOutputs>> {
    let mut pages = ctx.clients.kms.list_aliases().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws("ListAliases"))?;
        if let Some(a) = page.aliases().iter().find(|a| a.alias_name() == Some(name)) {
            let target = a.target_key_id().unwrap_or_default().to_string();
            let arn = a.alias_arn().unwrap_or_default().to_string();
            let target_key_arn =
                arn.split_once(":alias/").map(|(base, _)| format!("{base}:key/{target}")).unwrap_or_default();
            return Ok(Some(AliasOutputs {
                name: name.to_string(),
                target_key_id: target,
                region: ctx.region().to_string(),
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
