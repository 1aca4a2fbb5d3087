//! `tap:iam:RolePolicy`: an inline policy of a role.
//!
//! AWS APIs: PutRolePolicy (create and update: it writes the whole policy, so repeating it is
//! harmless), GetRolePolicy (read), ListRolePolicies (an earlier attempt's autonamed policy),
//! DeleteRolePolicy. Id: `<role>:<name>`. Global. Replaced when role or name change. Autonamed
//! `<resource name>-<7 hex>` (or `<namePrefix><7 hex>`) when no name is given.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::error::{aws, Error, Result, Service::Iam};
use crate::resource::check::autoname_stem;
use crate::resource::{deleted, found, Checker, Created, Ctx, Field, Resource};
use crate::resources::policy::{self, PolicyDocument};

pub struct RolePolicy;

/// An inline policy of an IAM role: what the role may do, kept with it. The policy updates in
/// place; changing role or name replaces it. Import with `<role name>:<policy name>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyInputs {
    /// The role's name.
    #[field(replace, identity, required = "the role's name")]
    pub role: String,
    /// The policy's name, 1-128 of letters, digits and `+=,.@_-` (autonamed `<resource name>-<7 hex>`
    /// when neither it nor namePrefix is given).
    #[field(replace, identity)]
    pub name: String,
    /// A prefix for the autoname.
    #[field(identity)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    /// The policy document (JSON).
    #[field(required = "a JSON policy document such as {\"Version\":\"2012-10-17\",\"Statement\":[...]}", compare = policy)]
    pub policy: String,
}

/// The inline policy as IAM reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyOutputs {
    #[serde(flatten)]
    pub inputs: RolePolicyInputs,
}

fn valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

fn id_of(inputs: &RolePolicyInputs) -> String {
    format!("{}:{}", inputs.role, inputs.name)
}

#[async_trait]
impl Resource for RolePolicy {
    const TOKEN: &'static str = "tap:iam:RolePolicy";
    const REGIONAL: bool = false;
    type Inputs = RolePolicyInputs;
    type State = RolePolicyOutputs;
    /// Untagged: the role and name are the identity.
    const MARKED: bool = false;
    /// Autonamed from the engine's random seed, new on every run.
    const RENAMED: &'static [&'static str] = &["name"];

    /// Deleting the old policy would delete the new one when both have the same role and name.
    fn replace_conflicts(&self, _name: &str, olds: &RolePolicyOutputs, news: &RolePolicyInputs) -> bool {
        olds.inputs.role == news.role && olds.inputs.name == news.name
    }

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(role) = c.string("role") {
            if role.starts_with("arn:") || role.contains('/') {
                c.fail("role", format!("{role:?} looks like an ARN or path: give the role's name"));
            }
        }
        let prefix = format!("{}-", c.name());
        if let Field::Known(name) = c.autoname("name", "namePrefix", 128, &prefix) {
            if !valid_name(&name) {
                c.fail("name", format!("{name:?} must be 1-128 letters, digits and +=,.@_-"));
            }
        }
        policy::check(c, "policy");
    }

    /// An earlier attempt's policy of the same autoname prefix (its name came from another
    /// run's seed), not one this process has seen; a given name is found by `create` itself.
    async fn find(
        &self,
        ctx: &Ctx,
        inputs: &RolePolicyInputs,
        _fresh: bool,
    ) -> Result<Option<Created<RolePolicyOutputs>>> {
        let Some(stem) = autoname_stem(&inputs.name) else { return Ok(None) };
        let mut pages = ctx.clients.iam.list_role_policies().role_name(&inputs.role).into_paginator().send();
        while let Some(page) = pages.next().await {
            let Some(page) = found(page.map_err(aws(Iam, "ListRolePolicies")), Error::is_gone)? else {
                return Ok(None);
            };
            for name in page.policy_names() {
                let candidate = RolePolicyInputs { name: name.clone(), ..inputs.clone() };
                let id = id_of(&candidate);
                if name != &inputs.name && autoname_stem(name) == Some(stem) && !ctx.is_seen(&id) {
                    if let Some(state) = self.read(ctx, &id, None).await? {
                        return Ok(Some(Created { id, state }));
                    }
                }
            }
        }
        Ok(None)
    }

    async fn create(&self, ctx: &Ctx, inputs: &RolePolicyInputs) -> Result<Created<RolePolicyOutputs>> {
        put(ctx, inputs).await?;
        Ok(Created { id: id_of(inputs), state: RolePolicyOutputs { inputs: inputs.clone() } })
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: Option<RolePolicyOutputs>) -> Result<Option<RolePolicyOutputs>> {
        let Some((role, name)) = id.split_once(':') else { return Ok(None) };
        let got = ctx.clients.iam.get_role_policy().role_name(role).policy_name(name).send().await;
        let Some(out) = found(got.map_err(aws(Iam, "GetRolePolicy")), Error::is_gone)? else { return Ok(None) };
        let inputs = RolePolicyInputs {
            role: role.to_string(),
            name: name.to_string(),
            name_prefix: prior.and_then(|p| p.inputs.name_prefix),
            policy: policy::compact(out.policy_document()),
        };
        Ok(Some(RolePolicyOutputs { inputs }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        olds: RolePolicyOutputs,
        news: RolePolicyInputs,
    ) -> Result<RolePolicyOutputs> {
        if !PolicyDocument::same(Some(&olds.inputs.policy), Some(&news.policy)) {
            put(ctx, &news).await?;
        }
        Ok(RolePolicyOutputs { inputs: news })
    }

    async fn delete(&self, ctx: &Ctx, _id: &str, olds: RolePolicyOutputs) -> Result<()> {
        let result = ctx
            .clients
            .iam
            .delete_role_policy()
            .role_name(&olds.inputs.role)
            .policy_name(&olds.inputs.name)
            .send()
            .await
            .map_err(aws(Iam, "DeleteRolePolicy"));
        deleted(result, Error::is_gone)
    }
}

async fn put(ctx: &Ctx, inputs: &RolePolicyInputs) -> Result<()> {
    let iam = &ctx.clients.iam;
    // A role made a moment ago may not be visible yet.
    ctx.retry_for(
        "writing the role's policy (the role is not visible yet)",
        Duration::from_secs(60),
        Error::is_gone,
        || async {
            iam.put_role_policy()
                .role_name(&inputs.role)
                .policy_name(&inputs.name)
                .policy_document(policy::compact(&inputs.policy))
                .send()
                .await
                .map_err(aws(Iam, "PutRolePolicy"))
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use crate::value::{PropertyMap, Value};

    fn check(pairs: &[(&str, Value)]) -> (PropertyMap, Vec<crate::resource::Failure>) {
        let news: PropertyMap = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        DynResource::check(&RolePolicy, &PropertyMap::new(), news, "delivery", &[3; 32], None)
    }

    const DOC: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}"#;

    #[test]
    fn check_autonames_and_names_bad_inputs() {
        let (news, failures) = check(&[("role", Value::str("r")), ("policy", Value::str(DOC))]);
        assert!(failures.is_empty(), "{failures:?}");
        let Some(Value::String(name)) = news.get("name") else { panic!("autonamed: {news:?}") };
        assert!(autoname_stem(name) == Some("delivery-"), "{name}");
        for (pairs, property, says) in [
            (
                vec![("role", Value::str("arn:aws:iam::1:role/r")), ("policy", Value::str(DOC))],
                "role",
                "give the role's name",
            ),
            (
                vec![("role", Value::str("r")), ("name", Value::str("a b")), ("policy", Value::str(DOC))],
                "name",
                "letters, digits",
            ),
            (vec![("role", Value::str("r")), ("policy", Value::str("{"))], "policy", "not valid JSON"),
            (vec![("role", Value::str("r"))], "policy", "is required"),
        ] {
            let (_, failures) = check(&pairs);
            assert!(
                failures.iter().any(|f| f.property == property && f.reason.contains(says)),
                "{property}: {failures:?}"
            );
        }
    }
}
