//! `tap:iam:RolePolicyAttachment`: attaches a managed policy to a role.
//!
//! AWS APIs: AttachRolePolicy, ListAttachedRolePolicies (read), DetachRolePolicy.
//! Id: `<role>/<policyArn>`. Global. Any change replaces it.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::is_not_found;
use crate::error::{aws, Result};
use crate::resource::{deleted, found, Checker, Ctx, Field, Resource};

pub struct RolePolicyAttachment;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyAttachmentInputs {
    /// The role's name.
    pub role: String,
    pub policy_arn: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyAttachmentOutputs {
    pub role: String,
    pub policy_arn: String,
}

/// Whether `arn` names an IAM managed policy.
pub fn is_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "aws" || (parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit())))
        && parts[5].starts_with("policy/")
        && parts[5].len() > "policy/".len()
}

#[async_trait]
impl Resource for RolePolicyAttachment {
    const TOKEN: &'static str = "tap:iam:RolePolicyAttachment";
    const REGIONAL: bool = false;
    const REPLACE_ON: &'static [&'static str] = &["role", "policyArn"];
    type Inputs = RolePolicyAttachmentInputs;
    type Outputs = RolePolicyAttachmentOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(role) = c.required_string("role", "the role's name") {
            if role.starts_with("arn:") || role.contains('/') {
                c.fail("role", format!("{role:?} looks like an ARN or path: give the role's name"));
            }
        }
        let hint =
            "a managed policy ARN such as arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";
        if let Field::Known(arn) = c.required_string("policyArn", hint) {
            if !is_policy_arn(&arn) {
                c.fail("policyArn", format!("{arn:?} is not a managed policy ARN: give {hint}"));
            }
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: RolePolicyAttachmentInputs,
    ) -> Result<(String, RolePolicyAttachmentOutputs)> {
        let iam = &ctx.clients.iam;
        // A role made a moment ago may not be visible yet.
        ctx.retry_for(
            "attaching the policy (the role is not visible yet)",
            std::time::Duration::from_secs(60),
            is_not_found,
            || async {
                iam.attach_role_policy()
                    .role_name(&inputs.role)
                    .policy_arn(&inputs.policy_arn)
                    .send()
                    .await
                    .map_err(aws("AttachRolePolicy"))
            },
        )
        .await?;
        let id = format!("{}/{}", inputs.role, inputs.policy_arn);
        Ok((id, RolePolicyAttachmentOutputs { role: inputs.role, policy_arn: inputs.policy_arn }))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<RolePolicyAttachmentOutputs>> {
        let Some((role, arn)) = id.split_once('/') else { return Ok(None) };
        let mut pages = ctx.clients.iam.list_attached_role_policies().role_name(role).into_paginator().send();
        while let Some(page) = pages.next().await {
            let Some(page) = found(page.map_err(aws("ListAttachedRolePolicies")), is_not_found)? else {
                return Ok(None);
            };
            if page.attached_policies().iter().any(|p| p.policy_arn() == Some(arn)) {
                return Ok(Some(RolePolicyAttachmentOutputs { role: role.to_string(), policy_arn: arn.to_string() }));
            }
        }
        Ok(None)
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _olds: RolePolicyAttachmentOutputs,
        news: RolePolicyAttachmentInputs,
    ) -> Result<RolePolicyAttachmentOutputs> {
        // Every input replaces, so an update only ever repairs a detached policy.
        if self.read(ctx, id).await?.is_none() {
            return Ok(self.create(ctx, news).await?.1);
        }
        Ok(RolePolicyAttachmentOutputs { role: news.role, policy_arn: news.policy_arn })
    }

    async fn delete(&self, ctx: &Ctx, _id: &str, olds: RolePolicyAttachmentOutputs) -> Result<()> {
        let result = ctx
            .clients
            .iam
            .detach_role_policy()
            .role_name(&olds.role)
            .policy_arn(&olds.policy_arn)
            .send()
            .await
            .map_err(aws("DetachRolePolicy"));
        deleted(result, is_not_found)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn policy_arns() {
        assert!(super::is_policy_arn("arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"));
        assert!(super::is_policy_arn("arn:aws:iam::123456789012:policy/mine"));
        assert!(!super::is_policy_arn("arn:aws:iam::aws:role/x"));
        assert!(!super::is_policy_arn("AmazonAPIGatewayPushToCloudWatchLogs"));
    }
}
