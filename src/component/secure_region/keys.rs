//! The region's keys and logs: the customer managed KMS key (rotation on, a policy that lets
//! CloudWatch Logs use it for the API's and the flow logs' groups only), its alias, and the API's
//! access log group.

use std::sync::Arc;

use serde_json::json;

use super::Region;
use crate::component::graph::{ready, Args, Child, Graph, Pending, Val};
use crate::resources::cloudwatch::log_group::LogGroup;
use crate::resources::kms::{alias::Alias, key::Key};
use crate::value::Value;

pub struct Keys {
    pub key: Pending,
    pub alias: Pending,
    pub log_group: Pending,
}

/// `/aws/apigateway/<prefix>`: the API's log group, named before it exists (the key policy
/// names it).
pub fn log_group_name(r: &Region) -> String {
    format!("/aws/apigateway/{}", r.prefix)
}

pub fn key_args(r: &Region) -> Args<Key> {
    let (region, account) = (&r.name, &r.account);
    // The groups the key encrypts: the API's access and execution logs, and the flow logs'.
    let log_group_arns = [
        r.arn("logs", region, account, &format!("log-group:{}", log_group_name(r))),
        super::api::execution_log_group_pattern(r),
        super::flow_logs::log_group_arn(r),
    ];
    let policy = json!({
        "Version": "2012-10-17",
        "Id": "key-policy-for-secure-infrastructure",
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": r.arn("iam", "", account, "root")}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Allow CloudWatch Logs Service", "Effect": "Allow",
             "Principal": {"Service": format!("logs.{region}.{}", crate::aws::dns_suffix(region))},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
             "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_group_arns}}}
        ]
    });
    Args::new()
        .known("description", Value::str(format!("KMS Customer Managed Key for secure encryption in {region}")))
        .known("enableKeyRotation", Value::Bool(true))
        .set("deletionWindowInDays", r.settings.kms_window.clone())
        .known("policy", Value::str(policy.to_string()))
        .set("region", r.val())
        .set("tags", r.tags("kms", &[("Purpose", Val::str("Secure encryption for infrastructure components"))]))
}

pub fn alias_args(r: &Region, key: &Child) -> Args<Alias> {
    Args::new()
        .known("name", Value::str(format!("alias/{}-secure-key", r.prefix)))
        .set("targetKeyId", key.id())
        .set("region", r.val())
}

pub fn log_group_args(r: &Region, key: &Child) -> Args<LogGroup> {
    encrypted_log_group(r, key, Val::str(log_group_name(r)), "apigw-logs", "API Gateway Access Logs")
}

/// A log group of the region: encrypted with its key, kept `logRetentionInDays` (and tagged so).
pub fn encrypted_log_group(r: &Region, key: &Child, name: Val, suffix: &str, purpose: &str) -> Args<LogGroup> {
    let retention = &r.settings.log_retention;
    let retention_tag = retention.map(|v| Value::String(format!("{}-days", v.to_json())));
    Args::new()
        .set("name", name)
        .set("retentionInDays", retention.clone())
        .set("kmsKeyId", key.out("arn"))
        .set("region", r.val())
        .set("tags", r.tags(suffix, &[("Purpose", Val::str(purpose)), ("RetentionPeriod", retention_tag)]))
}

pub fn build(g: &Graph, r: &Arc<Region>) -> Keys {
    let key = {
        let r = r.clone();
        g.child("kms", async move { Ok(key_args(&r)) })
    };
    let alias = {
        let (r, key) = (r.clone(), key.clone());
        g.child("kms-alias", async move { Ok(alias_args(&r, &ready(&key).await?)) })
    };
    let log_group = {
        let (r, key) = (r.clone(), key.clone());
        g.child("apigw-logs", async move { Ok(log_group_args(&r, &ready(&key).await?)) })
    };
    Keys { key, alias, log_group }
}
