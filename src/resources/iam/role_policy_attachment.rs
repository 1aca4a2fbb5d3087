//! `tap:iam:RolePolicyAttachment`: attaches a managed policy to a role.
//!
//! AWS APIs: AttachRolePolicy, ListAttachedRolePolicies (read), DetachRolePolicy.
//! Id: `<role>/<policyArn>`. Global. Any change replaces it.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::error::{aws, Error, Result, Service::Iam};
use crate::resource::{deleted, found, Checker, Created, Ctx, Field, Resource};

pub struct RolePolicyAttachment;

/// Attaches a managed policy to a role. Any change replaces the attachment. Import with
/// `<role name>/<policy ARN>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyAttachmentInputs {
    /// The role's name.
    #[field(replace, identity, required = "the role's name")]
    pub role: String,
    /// The managed policy's ARN.
    #[field(
        replace,
        identity,
        required = "a managed policy ARN such as arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    )]
    pub policy_arn: String,
}

/// The attachment as IAM reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyAttachmentOutputs {
    #[serde(flatten)]
    pub inputs: RolePolicyAttachmentInputs,
}

/// Whether `arn` names an IAM managed policy (in any partition).
pub fn is_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && ["aws", "aws-us-gov", "aws-cn"].contains(&parts[1])
        && parts[2] == "iam"
        && parts[3].is_empty()
        && (parts[4] == "aws" || (parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit())))
        && parts[5].starts_with("policy/")
        && parts[5].len() > "policy/".len()
}

async fn attach(ctx: &Ctx, inputs: &RolePolicyAttachmentInputs) -> Result<()> {
    let iam = &ctx.clients.iam;
    // A role made a moment ago may not be visible yet.
    ctx.retry_for(
        "attaching the policy (the role is not visible yet)",
        Duration::from_secs(60),
        Error::is_gone,
        || async {
            iam.attach_role_policy()
                .role_name(&inputs.role)
                .policy_arn(&inputs.policy_arn)
                .send()
                .await
                .map_err(aws(Iam, "AttachRolePolicy"))
        },
    )
    .await?;
    Ok(())
}

#[async_trait]
impl Resource for RolePolicyAttachment {
    const TOKEN: &'static str = "tap:iam:RolePolicyAttachment";
    const REGIONAL: bool = false;
    type Inputs = RolePolicyAttachmentInputs;
    type State = RolePolicyAttachmentOutputs;
    /// Untagged, and its create is safe to repeat: no marker.
    const MARKED: bool = false;

    /// Deleting the old attachment would detach the new one when both name the same pair.
    fn replace_conflicts(&self, _name: &str, olds: &Self::State, news: &Self::Inputs) -> bool {
        olds.inputs.role == news.role && olds.inputs.policy_arn == news.policy_arn
    }

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(role) = c.string("role") {
            if role.starts_with("arn:") || role.contains('/') {
                c.fail("role", format!("{role:?} looks like an ARN or path: give the role's name"));
            }
        }
        if let Field::Known(arn) = c.string("policyArn") {
            if !is_policy_arn(&arn) {
                c.fail(
                    "policyArn",
                    format!("{arn:?} is not a managed policy ARN: give one such as arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
                );
            }
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &RolePolicyAttachmentInputs,
    ) -> Result<Created<RolePolicyAttachmentOutputs>> {
        attach(ctx, inputs).await?;
        let id = format!("{}/{}", inputs.role, inputs.policy_arn);
        Ok(Created { id, state: RolePolicyAttachmentOutputs { inputs: inputs.clone() } })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<RolePolicyAttachmentOutputs>,
    ) -> Result<Option<RolePolicyAttachmentOutputs>> {
        let Some((role, arn)) = id.split_once('/') else { return Ok(None) };
        let mut pages = ctx.clients.iam.list_attached_role_policies().role_name(role).into_paginator().send();
        while let Some(page) = pages.next().await {
            let Some(page) = found(page.map_err(aws(Iam, "ListAttachedRolePolicies")), Error::is_gone)? else {
                return Ok(None);
            };
            if page.attached_policies().iter().any(|p| p.policy_arn() == Some(arn)) {
                let inputs = RolePolicyAttachmentInputs { role: role.to_string(), policy_arn: arn.to_string() };
                return Ok(Some(RolePolicyAttachmentOutputs { inputs }));
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
        if self.read(ctx, id, None).await?.is_none() {
            attach(ctx, &news).await?;
        }
        Ok(RolePolicyAttachmentOutputs { inputs: news })
    }

    async fn delete(&self, ctx: &Ctx, _id: &str, olds: RolePolicyAttachmentOutputs) -> Result<()> {
        let result = ctx
            .clients
            .iam
            .detach_role_policy()
            .role_name(&olds.inputs.role)
            .policy_arn(&olds.inputs.policy_arn)
            .send()
            .await
            .map_err(aws(Iam, "DetachRolePolicy"));
        deleted(result, Error::is_gone)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn policy_arns() {
        assert!(super::is_policy_arn("arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"));
        assert!(super::is_policy_arn("arn:aws:iam::123456789012:policy/mine"));
        assert!(super::is_policy_arn(
            "arn:aws-us-gov:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
        ));
        assert!(!super::is_policy_arn("arn:aws:iam::aws:role/x"));
        assert!(!super::is_policy_arn("arn:awsfoo:iam::aws:policy/x"));
        assert!(!super::is_policy_arn("AmazonAPIGatewayPushToCloudWatchLogs"));
    }
}
