//! The region's storage: the bucket (autonamed, globally unique), its TLS-only policy, its
//! default SSE-KMS encryption with the region's key, its public access block, versioning,
//! enforced ownership, lifecycle and access logging; and the region's access-log bucket, locked
//! down the same way (SSE-S3, which log delivery needs; a policy admitting only S3's logging
//! service for the secure bucket); and, on the instance that manages the account's settings, S3
//! Block Public Access for the whole account.

use std::sync::Arc;

use serde_json::json;

use super::keys::Keys;
use super::Region;
use crate::component::graph::{ready, Args, Child, Graph, Pending, Val};
use crate::resources::s3::{
    account_public_access_block::AccountPublicAccessBlock, bucket::Bucket, bucket_policy::BucketPolicy,
    lifecycle_configuration::Lifecycle, logging::Logging, ownership_controls::Ownership,
    public_access_block::BucketPublicAccessBlock, server_side_encryption::BucketServerSideEncryptionConfiguration,
    setting::Setting, versioning::Versioning,
};
use crate::value::Value;

pub struct Storage {
    pub bucket: Pending,
    /// The bucket the secure bucket's access logs go to.
    pub logs: Pending,
}

/// `<prefix>-<tail>` in S3's characters, the prefix cut so that the name fits S3's 63 characters.
fn bucket_prefix(r: &Region, tail: &str) -> String {
    let safe = crate::resources::s3::bucket::autoname_prefix(&r.prefix);
    let head: String = safe.trim_end_matches('-').chars().take(63 - 7 - tail.len()).collect();
    format!("{}{tail}", head.trim_end_matches('-'))
}

/// Autonamed `<prefix>-secure-bucket-<7 hex>` (SEED.md §2), unless the stack's autonaming
/// configuration names it (the prefix is only the component's default).
pub fn bucket_args(r: &Region) -> Args<Bucket> {
    Args::new()
        .known("autonamePrefix", Value::str(bucket_prefix(r, "-secure-bucket-")))
        .set("forceDestroy", r.settings.force_destroy.clone())
        .set("region", r.val())
        .set("tags", r.tags("secure-bucket", &[("Purpose", Val::str("Secure data storage with KMS encryption"))]))
}

/// The region's bucket for the secure bucket's server access logs (it does not log itself:
/// its logs would log themselves).
pub fn log_bucket_args(r: &Region) -> Args<Bucket> {
    Args::new()
        .known("autonamePrefix", Value::str(bucket_prefix(r, "-access-logs-")))
        .set("forceDestroy", r.settings.force_destroy.clone())
        .set("region", r.val())
        .set("tags", r.tags("access-logs", &[("Purpose", Val::str("S3 server access logs"))]))
}

/// Deny every request that is not over TLS.
fn deny_insecure(arn: &str) -> serde_json::Value {
    json!({"Sid": "DenyInsecureConnections", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
           "Resource": [arn, format!("{arn}/*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
}

fn bucket_arn(r: &Region, name: &Value) -> String {
    r.arn("s3", "", "", name.to_json().as_str().unwrap_or_default())
}

pub fn policy_args(r: &Region, bucket: &Child) -> Args<BucketPolicy> {
    let name = bucket.id();
    let policy = name.map(|n| {
        Value::String(json!({"Version": "2012-10-17", "Statement": [deny_insecure(&bucket_arn(r, n))]}).to_string())
    });
    Args::new().set("bucket", name).set("policy", policy).set("region", r.val())
}

/// TLS only, and writes by S3's logging service only for the secure bucket of this account.
pub fn log_bucket_policy_args(r: &Region, logs: &Child, source: &Child) -> Args<BucketPolicy> {
    let (name, account) = (logs.id(), r.account.clone());
    let policy = Val::combine(&[&name, &source.id()], |v| {
        let (arn, source) = (bucket_arn(r, v[0]), bucket_arn(r, v[1]));
        let write = json!({"Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                           "Action": "s3:PutObject", "Resource": format!("{arn}/*"),
                           "Condition": {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source}}});
        // `{"AWS": "*"}`, the same as `"*"`: moto's check of a log target reads every
        // statement's Principal as an object.
        let mut deny = deny_insecure(&arn);
        deny["Principal"] = json!({"AWS": "*"});
        Value::String(json!({"Version": "2012-10-17", "Statement": [deny, write]}).to_string())
    });
    Args::new().set("bucket", name).set("policy", policy).set("region", r.val())
}

pub fn encryption_args(r: &Region, bucket: &Child, key: &Child) -> Args<BucketServerSideEncryptionConfiguration> {
    let rules = key.out("arn").map(|arn| {
        Value::from_json(&json!([{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": arn.to_json()}, "bucketKeyEnabled": true}]))
    });
    Args::new().set("bucket", bucket.id()).set("rules", rules).set("region", r.val())
}

/// SSE-S3: server access logs can only be delivered to a bucket encrypted with S3's own keys.
pub fn log_encryption_args(r: &Region, logs: &Child) -> Args<BucketServerSideEncryptionConfiguration> {
    let rules = Value::from_json(&json!([{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]));
    Args::new().set("bucket", logs.id()).known("rules", rules).set("region", r.val())
}

/// All four switches of a public access block on.
fn block_all<R: crate::resource::Resource>(args: Args<R>) -> Args<R> {
    ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]
        .into_iter()
        .fold(args, |args, switch| args.known(switch, Value::Bool(true)))
}

pub fn public_access_block_args(r: &Region, bucket: &Child) -> Args<BucketPublicAccessBlock> {
    block_all(Args::new().set("bucket", bucket.id())).set("region", r.val())
}

/// The account's public access block's child name: fixed, so two instances given
/// manageAccountSettings collide.
pub const ACCOUNT_PUBLIC_ACCESS_BLOCK_NAME: &str = "account-public-access-block";

/// S3 Block Public Access for the whole account (S3.1), for the caller's account.
pub fn account_public_access_block_args() -> Args<AccountPublicAccessBlock> {
    block_all(Args::new())
}

pub fn versioning_args(r: &Region, bucket: &Child) -> Args<Setting<Versioning>> {
    Args::new()
        .set("bucket", bucket.id())
        .known("versioningConfiguration", Value::from_json(&json!({"status": "Enabled"})))
        .set("region", r.val())
}

/// ACLs off: the bucket owner owns every object (server access logs included).
pub fn ownership_args(r: &Region, bucket: &Child) -> Args<Setting<Ownership>> {
    Args::new()
        .set("bucket", bucket.id())
        .known("rule", Value::from_json(&json!({"objectOwnership": "BucketOwnerEnforced"})))
        .set("region", r.val())
}

/// Noncurrent versions go after `noncurrent_days`, unfinished uploads after 7 days, and (for the
/// log bucket) current objects after `expire_days`.
pub fn lifecycle_args(
    r: &Region,
    bucket: &Child,
    noncurrent_days: i64,
    expire_days: Option<i64>,
) -> Args<Setting<Lifecycle>> {
    let mut rule = json!({"id": "noncurrent-versions-and-uploads", "status": "Enabled", "filter": {"prefix": ""},
                          "noncurrentVersionExpiration": {"noncurrentDays": noncurrent_days},
                          "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}});
    if let Some(days) = expire_days {
        rule["expiration"] = json!({"days": days});
    }
    Args::new().set("bucket", bucket.id()).known("rules", Value::from_json(&json!([rule]))).set("region", r.val())
}

pub fn logging_args(r: &Region, bucket: &Child, logs: &Child) -> Args<Setting<Logging>> {
    Args::new()
        .set("bucket", bucket.id())
        .set("targetBucket", logs.id())
        .known("targetPrefix", Value::str("secure-bucket/"))
        .set("region", r.val())
}

/// The settings both buckets have: public access blocked, versioning, ownership enforced.
fn locked_down(g: &Graph, r: &Arc<Region>, bucket: &Pending, suffix: &str) {
    {
        let (r, bucket) = (r.clone(), bucket.clone());
        g.child(&format!("{suffix}-public-access-block"), async move {
            Ok(public_access_block_args(&r, &ready(&bucket).await?))
        });
    }
    {
        let (r, bucket) = (r.clone(), bucket.clone());
        g.child(&format!("{suffix}-versioning"), async move { Ok(versioning_args(&r, &ready(&bucket).await?)) });
    }
    {
        let (r, bucket) = (r.clone(), bucket.clone());
        g.child(&format!("{suffix}-ownership"), async move { Ok(ownership_args(&r, &ready(&bucket).await?)) });
    }
}

pub fn build(g: &Graph, r: &Arc<Region>, keys: &Keys) -> Storage {
    let bucket = {
        let r = r.clone();
        g.child("secure-bucket", async move { Ok(bucket_args(&r)) })
    };
    let logs = {
        let r = r.clone();
        g.child("access-logs", async move { Ok(log_bucket_args(&r)) })
    };
    {
        let (r, bucket) = (r.clone(), bucket.clone());
        g.child("secure-bucket-policy", async move { Ok(policy_args(&r, &ready(&bucket).await?)) });
    }
    {
        let (r, bucket, key) = (r.clone(), bucket.clone(), keys.key.clone());
        g.child("secure-bucket-encryption", async move {
            let (bucket, key) = (ready(&bucket).await?, ready(&key).await?);
            Ok(encryption_args(&r, &bucket, &key))
        });
    }
    locked_down(g, r, &bucket, "secure-bucket");
    locked_down(g, r, &logs, "access-logs");
    {
        let (r, bucket) = (r.clone(), bucket.clone());
        g.child("secure-bucket-lifecycle", async move { Ok(lifecycle_args(&r, &ready(&bucket).await?, 90, None)) });
    }
    {
        let (r, logs) = (r.clone(), logs.clone());
        g.child("access-logs-lifecycle", async move { Ok(lifecycle_args(&r, &ready(&logs).await?, 30, Some(365))) });
    }
    {
        let (r, logs) = (r.clone(), logs.clone());
        g.child("access-logs-encryption", async move { Ok(log_encryption_args(&r, &ready(&logs).await?)) });
    }
    let log_policy = {
        let (r, logs, bucket) = (r.clone(), logs.clone(), bucket.clone());
        g.child("access-logs-policy", async move {
            Ok(log_bucket_policy_args(&r, &ready(&logs).await?, &ready(&bucket).await?))
        })
    };
    {
        let (r, bucket, logs) = (r.clone(), bucket.clone(), logs.clone());
        g.child("secure-bucket-logging", async move {
            let (bucket, logs) = (ready(&bucket).await?, ready(&logs).await?);
            // S3 accepts a target only once its policy admits the logging service.
            ready(&log_policy).await?;
            Ok(logging_args(&r, &bucket, &logs))
        });
    }
    if r.settings.manage_account_settings.value == Value::Bool(true) {
        g.named(ACCOUNT_PUBLIC_ACCESS_BLOCK_NAME, async move { Ok(account_public_access_block_args()) });
    }
    Storage { bucket, logs }
}
