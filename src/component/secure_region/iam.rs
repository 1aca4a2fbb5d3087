//! The region's IAM: the API Gateway logging role (trusting API Gateway for this account only),
//! its managed-policy attachment, and (on the one instance given it) the account password policy.

use std::sync::Arc;

use serde_json::json;

use super::Region;
use crate::component::graph::{ready, Args, Child, Graph, Pending, Val};
use crate::error::Error;
use crate::resources::iam::{
    account_password_policy::AccountPasswordPolicy, role::Role, role_policy_attachment::RolePolicyAttachment,
};
use crate::value::Value;

/// The password policy's child name: fixed, so two instances given `passwordPolicy` collide.
pub const PASSWORD_POLICY_NAME: &str = "account-password-policy";

pub struct Iam {
    pub role: Pending,
    /// The role's permission to write logs.
    pub attachment: Pending,
}

pub fn role_args(r: &Region) -> Args<Role> {
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": r.account}}}]
    });
    // Autonamed `<prefix>-apigateway-role-<7 hex>` within IAM's 64 characters (SEED.md §2),
    // unless the stack's autonaming configuration names it.
    let tail = "-apigateway-role-";
    let head: String = r.prefix.chars().take(64 - 7 - tail.len()).collect();
    Args::new()
        .known("autonamePrefix", Value::str(format!("{head}{tail}")))
        .known("assumeRolePolicy", Value::str(trust.to_string()))
        .known("description", Value::str(format!("IAM role for API Gateway with least privilege access in {}", r.name)))
        .set("tags", r.tags("apigateway-role", &[("Purpose", Val::str("API Gateway CloudWatch Logs Access"))]))
}

pub fn attachment_args(r: &Region, role: &Child) -> Args<RolePolicyAttachment> {
    let policy = r.arn("iam", "", "aws", "policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs");
    Args::new().set("role", role.id()).known("policyArn", Value::str(policy))
}

/// The account password policy from the component's `passwordPolicy` (its fields, defaulted).
pub fn password_policy_args(fields: &Val) -> Result<Args<AccountPasswordPolicy>, Error> {
    let Value::Object(map) = &fields.value else {
        return Err(Error::input("passwordPolicy", "must be known when the program runs"));
    };
    Ok(map.iter().fold(Args::new(), |args, (k, v)| {
        args.set(k, Val { value: v.clone(), secret: fields.secret, deps: fields.deps.clone() })
    }))
}

pub fn build(g: &Graph, r: &Arc<Region>) -> Iam {
    let role = {
        let r = r.clone();
        g.child("apigateway-role", async move { Ok(role_args(&r)) })
    };
    let attachment = {
        let (r, role) = (r.clone(), role.clone());
        g.child("apigateway-logs-policy", async move { Ok(attachment_args(&r, &ready(&role).await?)) })
    };
    if let Some(fields) = r.settings.password_policy.clone() {
        g.named(PASSWORD_POLICY_NAME, async move { password_policy_args(&fields) });
    }
    Iam { role, attachment }
}
