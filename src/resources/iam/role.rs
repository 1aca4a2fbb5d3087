//! `tap:iam:Role`: an IAM role.
//!
//! AWS APIs: CreateRole (trust policy and tags at creation), GetRole, UpdateAssumeRolePolicy,
//! UpdateRole (description, max session duration), TagRole / UntagRole, DeleteRole. Id: the role
//! name. Global. Replaced when name or path change. Autonamed `<resource name>-<7 hex>` (≤ 64)
//! when no name is given. AWS returns the trust policy URL-encoded; it is decoded before it is
//! compared.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::to_tags;
use crate::error::{aws, Error, Result, Service::Iam};
use crate::resource::{deleted, found, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::policy::{self, PolicyDocument};
use crate::resources::tags::{self, TagChange, Tags};

pub struct Role;

/// An IAM role. Its trust policy, description, session duration and tags update in place;
/// changing name or path replaces it. Import with the role name.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RoleInputs {
    /// The role's name, 1-64 letters, digits or `+=,.@_-` (autonamed `<resource name>-<7 hex>`
    /// when neither it nor namePrefix is given).
    #[field(replace, identity)]
    pub name: String,
    /// A prefix for the autoname.
    #[field(identity)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    /// The autoname's prefix when neither name nor namePrefix is given and the stack configures no
    /// autonaming: a component's own default for its child (not in the schema).
    #[field(private)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoname_prefix: Option<String>,
    /// The trust policy (JSON): who may assume the role.
    #[field(required = "a trust policy (JSON) naming who may assume the role", compare = policy)]
    pub assume_role_policy: String,
    /// What the role is for (up to 1000 characters).
    #[field(default = "")]
    #[serde(default)]
    pub description: String,
    /// The longest session, in seconds, 3600-43200 (default 3600).
    #[field(default = 3600)]
    pub max_session_duration: i64,
    /// The role's path, starting and ending with `/` (default `/`).
    #[field(replace, default = "/")]
    pub path: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The role as IAM reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RoleOutputs {
    #[serde(flatten)]
    pub inputs: RoleInputs,
    /// The role's ARN.
    #[field(from = "name, path")]
    #[serde(default)]
    pub arn: String,
    /// The role's stable unique id.
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
    type Inputs = RoleInputs;
    type State = RoleOutputs;
    /// Autonamed from the engine's random seed, new on every run.
    const RENAMED: &'static [&'static str] = &["name"];

    fn check(&self, c: &mut Checker<'_>) {
        let prefix = c.string("autonamePrefix").known().unwrap_or_else(|| format!("{}-", c.name()));
        if let Field::Known(name) = c.autoname("name", "namePrefix", 64, &prefix) {
            if !valid_name(&name) {
                c.fail("name", format!("{name:?} must be 1 to 64 letters, digits or +=,.@_-"));
            }
        }
        policy::check(c, "assumeRolePolicy");
        if let Field::Known(d) = c.string("description") {
            if d.chars().count() > 1000 {
                c.fail("description", "is longer than 1000 characters");
            }
        }
        c.in_range("maxSessionDuration", 3600, 43200);
        if let Field::Known(p) = c.string("path") {
            if !p.starts_with('/') || !p.ends_with('/') || p.len() > 512 {
                c.fail("path", format!("{p:?} must start and end with `/`, e.g. /service-role/"));
            }
        }
        tags::check(c, "tags", 1);
    }

    /// IAM holds one role of a name: a replacement keeping a name the program gave deletes the
    /// old one first (an autoname is new for the replacement).
    fn replace_conflicts(&self, name: &str, olds: &RoleOutputs, news: &RoleInputs) -> bool {
        let prefix =
            news.name_prefix.clone().or_else(|| news.autoname_prefix.clone()).unwrap_or_else(|| format!("{name}-"));
        olds.inputs.name == news.name && !crate::resource::check::autonamed(&news.name, &prefix, 64)
    }

    /// The role of this name when it carries the marker; else, for a role named from a random
    /// suffix (new on every run), the marked role among those with the same prefix.
    async fn find(&self, ctx: &Ctx, inputs: &RoleInputs, _fresh: bool) -> Result<Option<Created<RoleOutputs>>> {
        if let Some(state) = read_role(ctx, &inputs.name).await? {
            if marked(ctx, &inputs.name).await? && !ctx.is_seen(&inputs.name) {
                return Ok(Some(Created { id: inputs.name.clone(), state }));
            }
            return Err(Error::Taken(format!(
                "the IAM role {} already exists and was not made by tap for this resource: import it \
                 (pulumi import tap:iam:Role <name> {}) or choose another name",
                inputs.name, inputs.name
            )));
        }
        let prefix = match &inputs.name_prefix {
            Some(p) => p.clone(),
            None => inputs.name.chars().take(inputs.name.chars().count().saturating_sub(7)).collect(),
        };
        let mut pages = ctx.clients.iam.list_roles().path_prefix(&inputs.path).into_paginator().send();
        while let Some(page) = pages.next().await {
            for role in page.map_err(aws(Iam, "ListRoles"))?.roles() {
                let name = role.role_name();
                if name.starts_with(&prefix) && !ctx.is_seen(name) && marked(ctx, name).await? {
                    if let Some(state) = read_role(ctx, name).await? {
                        return Ok(Some(Created { id: name.to_string(), state }));
                    }
                }
            }
        }
        Ok(None)
    }

    async fn create(&self, ctx: &Ctx, inputs: &RoleInputs) -> Result<Created<RoleOutputs>> {
        let created = ctx
            .clients
            .iam
            .create_role()
            .role_name(&inputs.name)
            .assume_role_policy_document(policy::compact(&inputs.assume_role_policy))
            .description(&inputs.description)
            .max_session_duration(inputs.max_session_duration as i32)
            .path(&inputs.path)
            .set_tags(Some(to_tags(&ctx.marked(&inputs.tags))))
            .customize()
            .config_override(crate::aws::once::iam())
            .send()
            .await
            .map_err(aws(Iam, "CreateRole"))?;
        let state = match created.role() {
            Some(r) => outputs_of(r, inputs.name_prefix.clone(), inputs.tags.clone()),
            None => RoleOutputs { inputs: inputs.clone(), arn: String::new(), unique_id: String::new() },
        };
        Ok(Created { id: inputs.name.clone(), state })
    }

    async fn finish(&self, ctx: &Ctx, id: &str, inputs: &RoleInputs, state: &mut RoleOutputs) -> Result<()> {
        if state.arn.is_empty() {
            *state = still_there("role", id, read_role(ctx, id).await?)?;
            state.inputs.name_prefix = inputs.name_prefix.clone();
            state.inputs.autoname_prefix = inputs.autoname_prefix.clone();
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: Option<RoleOutputs>) -> Result<Option<RoleOutputs>> {
        let mut found = read_role(ctx, id).await?;
        if let (Some(r), Some(prior)) = (&mut found, prior) {
            r.inputs.name_prefix = prior.inputs.name_prefix;
            r.inputs.autoname_prefix = prior.inputs.autoname_prefix;
        }
        Ok(found)
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: RoleOutputs, news: RoleInputs) -> Result<RoleOutputs> {
        let iam = &ctx.clients.iam;
        if !PolicyDocument::same(Some(&olds.inputs.assume_role_policy), Some(&news.assume_role_policy)) {
            iam.update_assume_role_policy()
                .role_name(id)
                .policy_document(policy::compact(&news.assume_role_policy))
                .send()
                .await
                .map_err(aws(Iam, "UpdateAssumeRolePolicy"))?;
        }
        if olds.inputs.description != news.description || olds.inputs.max_session_duration != news.max_session_duration
        {
            iam.update_role()
                .role_name(id)
                .description(&news.description)
                .max_session_duration(news.max_session_duration as i32)
                .send()
                .await
                .map_err(aws(Iam, "UpdateRole"))?;
        }
        TagChange::between(&olds.inputs.tags, &news.tags)
            .apply(
                |keys| async move {
                    iam.untag_role()
                        .role_name(id)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .map_err(aws(Iam, "UntagRole"))?;
                    Ok(())
                },
                |set| async move {
                    iam.tag_role()
                        .role_name(id)
                        .set_tags(Some(to_tags(&set)))
                        .send()
                        .await
                        .map_err(aws(Iam, "TagRole"))?;
                    Ok(())
                },
            )
            .await?;
        let mut state = still_there("role", id, read_role(ctx, id).await?)?;
        state.inputs.name_prefix = news.name_prefix;
        state.inputs.autoname_prefix = news.autoname_prefix;
        Ok(state)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &RoleOutputs) -> Result<()> {
        let marker = to_tags(&ctx.marked(&Tags::new()));
        ctx.clients.iam.tag_role().role_name(id).set_tags(Some(marker)).send().await.map_err(aws(Iam, "TagRole"))?;
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: RoleOutputs) -> Result<()> {
        let iam = &ctx.clients.iam;
        // Attachments are deleted first (they depend on the role), but IAM may still report them
        // for a moment.
        let result = ctx
            .retry_while(
                &format!("deleting role {id} (policies are still attached to it)"),
                Error::is_in_use,
                || async { iam.delete_role().role_name(id).send().await.map_err(aws(Iam, "DeleteRole")) },
            )
            .await;
        deleted(result, Error::is_gone)
    }
}

fn outputs_of(r: &aws_sdk_iam::types::Role, name_prefix: Option<String>, tags: Tags) -> RoleOutputs {
    RoleOutputs {
        inputs: RoleInputs {
            name: r.role_name().to_string(),
            name_prefix,
            autoname_prefix: None,
            assume_role_policy: r.assume_role_policy_document().map(policy::compact).unwrap_or_default(),
            description: r.description().unwrap_or_default().to_string(),
            max_session_duration: r.max_session_duration().map(i64::from).unwrap_or(3600),
            path: r.path().to_string(),
            tags,
        },
        arn: r.arn().to_string(),
        unique_id: r.role_id().to_string(),
    }
}

/// Whether the role carries this URN's marker.
async fn marked(ctx: &Ctx, name: &str) -> Result<bool> {
    let tags = ctx.clients.iam.list_role_tags().role_name(name).send().await.map_err(aws(Iam, "ListRoleTags"))?;
    Ok(tags.tags().iter().any(|t| t.key() == crate::resource::MARKER_TAG && t.value() == ctx.marker()))
}

async fn read_role(ctx: &Ctx, name: &str) -> Result<Option<RoleOutputs>> {
    let out =
        found(ctx.clients.iam.get_role().role_name(name).send().await.map_err(aws(Iam, "GetRole")), Error::is_gone)?;
    Ok(out.and_then(|o| {
        o.role().map(|r| {
            let tags = tags::user(r.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())));
            outputs_of(r, None, tags)
        })
    }))
}
