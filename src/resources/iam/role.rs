//! `tap:iam:Role`: an IAM role.
//!
//! AWS APIs: CreateRole (trust policy and tags at creation), GetRole, UpdateAssumeRolePolicy,
//! UpdateRole (description, max session duration), TagRole / UntagRole, DeleteRole. Id: the role
//! name. Global. Replaced when name or path change. Autonamed `<resource name>-<7 hex>` (≤ 64)
//! when no name is given. AWS returns the trust policy URL-encoded; it is decoded before it is
//! compared.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::is_not_found;
use crate::error::{aws, Error, Result};
use crate::resource::{deleted, Checker, Ctx, Field, Resource};
use crate::resources::policy;
use crate::resources::Tags;
use crate::value::Value;

pub struct Role;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleInputs {
    pub name: String,
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// The trust policy (JSON).
    pub assume_role_policy: String,
    #[serde(default)]
    pub description: String,
    pub max_session_duration: i64,
    pub path: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleOutputs {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    pub assume_role_policy: String,
    #[serde(default)]
    pub description: String,
    pub max_session_duration: i64,
    pub path: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub unique_id: String,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

#[async_trait]
impl Resource for Role {
    const TOKEN: &'static str = "tap:iam:Role";
    const REGIONAL: bool = false;
    const REPLACE_ON: &'static [&'static str] = &["name", "path"];
    type Inputs = RoleInputs;
    type Outputs = RoleOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if c.news.contains_key("name") && c.news.contains_key("namePrefix") {
            c.fail("namePrefix", "give name or namePrefix, not both");
        }
        if let Field::Known(name) = c.autoname("name", "namePrefix", 64) {
            if !valid_name(&name) {
                c.fail("name", format!("{name:?} must be 1 to 64 letters, digits or +=,.@_-"));
            }
        }
        policy::check(c, "assumeRolePolicy", true);
        c.default("description", Value::str(""));
        if let Field::Known(d) = c.string("description") {
            if d.chars().count() > 1000 {
                c.fail("description", "is longer than 1000 characters");
            }
        }
        c.integer_in("maxSessionDuration", 3600, 43200, Some(3600));
        c.default("path", Value::str("/"));
        if let Field::Known(p) = c.string("path") {
            if !p.starts_with('/') || !p.ends_with('/') || p.len() > 512 {
                c.fail("path", format!("{p:?} must start and end with `/`, e.g. /service-role/"));
            }
        }
        c.tags();
    }

    fn normalize(&self, key: &str, value: serde_json::Value) -> serde_json::Value {
        if key == "assumeRolePolicy" {
            policy::normalize(value)
        } else {
            value
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: RoleInputs) -> Result<(String, RoleOutputs)> {
        let tags: Vec<aws_sdk_iam::types::Tag> = inputs
            .tags
            .iter()
            .filter_map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build().ok())
            .collect();
        let created = ctx
            .clients
            .iam
            .create_role()
            .role_name(&inputs.name)
            .assume_role_policy_document(policy::compact(&inputs.assume_role_policy))
            .description(&inputs.description)
            .max_session_duration(inputs.max_session_duration as i32)
            .path(&inputs.path)
            .set_tags(Some(tags).filter(|t| !t.is_empty()))
            .send()
            .await
            .map_err(aws("CreateRole"))?;
        let name = inputs.name.clone();
        let mut outputs = match created.role() {
            Some(r) => outputs_of(r),
            None => read_role(ctx, &name).await?.ok_or_else(|| Error::Internal(format!("role {name} vanished")))?,
        };
        outputs.name_prefix = inputs.name_prefix;
        outputs.tags = inputs.tags;
        Ok((name, outputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<RoleOutputs>> {
        let mut found = read_role(ctx, id).await?;
        if let Some(r) = &mut found {
            r.name_prefix = ctx.prior("namePrefix").map(str::to_string);
        }
        Ok(found)
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: RoleOutputs, news: RoleInputs) -> Result<RoleOutputs> {
        let iam = &ctx.clients.iam;
        let trust_changed = policy::normalize(serde_json::Value::String(olds.assume_role_policy.clone()))
            != policy::normalize(serde_json::Value::String(news.assume_role_policy.clone()));
        if trust_changed {
            iam.update_assume_role_policy()
                .role_name(id)
                .policy_document(policy::compact(&news.assume_role_policy))
                .send()
                .await
                .map_err(aws("UpdateAssumeRolePolicy"))?;
        }
        if olds.description != news.description || olds.max_session_duration != news.max_session_duration {
            iam.update_role()
                .role_name(id)
                .description(&news.description)
                .max_session_duration(news.max_session_duration as i32)
                .send()
                .await
                .map_err(aws("UpdateRole"))?;
        }
        let (changed, removed) = crate::resources::tag_diff(&olds.tags, &news.tags);
        if !removed.is_empty() {
            iam.untag_role().role_name(id).set_tag_keys(Some(removed)).send().await.map_err(aws("UntagRole"))?;
        }
        let changed: Vec<aws_sdk_iam::types::Tag> = changed
            .iter()
            .filter_map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build().ok())
            .collect();
        if !changed.is_empty() {
            iam.tag_role().role_name(id).set_tags(Some(changed)).send().await.map_err(aws("TagRole"))?;
        }
        let mut outputs = read_role(ctx, id)
            .await?
            .ok_or_else(|| Error::Internal(format!("role {id} vanished during the update")))?;
        outputs.name_prefix = news.name_prefix;
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: RoleOutputs) -> Result<()> {
        let iam = &ctx.clients.iam;
        // Attachments are deleted first (they depend on the role), but IAM may still report them
        // for a moment.
        let result = ctx
            .retry_while(
                &format!("deleting role {id} (policies are still attached to it)"),
                |e| e.is_code(&["DeleteConflict"]),
                || async { iam.delete_role().role_name(id).send().await.map_err(aws("DeleteRole")) },
            )
            .await;
        deleted(result, is_not_found)
    }
}

fn outputs_of(r: &aws_sdk_iam::types::Role) -> RoleOutputs {
    RoleOutputs {
        name: r.role_name().to_string(),
        name_prefix: None,
        assume_role_policy: r
            .assume_role_policy_document()
            .map(|p| policy::compact(&policy::url_decode(p)))
            .unwrap_or_default(),
        description: r.description().unwrap_or_default().to_string(),
        max_session_duration: r.max_session_duration().map(i64::from).unwrap_or(3600),
        path: r.path().to_string(),
        tags: r.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
        arn: r.arn().to_string(),
        unique_id: r.role_id().to_string(),
    }
}

async fn read_role(ctx: &Ctx, name: &str) -> Result<Option<RoleOutputs>> {
    match ctx.clients.iam.get_role().role_name(name).send().await.map_err(aws("GetRole")) {
        Ok(out) => Ok(out.role().map(outputs_of)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}
