//! The region's storage: the bucket (autonamed, globally unique), its TLS-only policy, its
//! default SSE-KMS encryption with the region's key, and its public access block.

use std::sync::Arc;

use serde_json::json;

use super::keys::Keys;
use super::Region;
use crate::component::graph::{ready, Args, Child, Graph, Pending, Val};
use crate::resources::s3::{
    bucket::Bucket, bucket_policy::BucketPolicy, public_access_block::BucketPublicAccessBlock,
    server_side_encryption::BucketServerSideEncryptionConfiguration,
};
use crate::value::Value;

pub struct Storage {
    pub bucket: Pending,
}

/// A name part from the component name that S3 accepts (lowercase letters, digits, hyphens).
fn s3_safe(prefix: &str) -> String {
    let lowered: String = prefix
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' })
        .collect();
    lowered.trim_matches('-').to_string()
}

pub fn bucket_args(r: &Region) -> Args<Bucket> {
    // `<prefix>-secure-bucket-<7 hex>`, lowercase, within S3's 63 characters.
    let tail = "-secure-bucket-";
    let head: String = s3_safe(&r.prefix).chars().take(63 - 7 - tail.len()).collect();
    Args::new()
        .known("bucketPrefix", Value::str(format!("{}{tail}", head.trim_end_matches('-'))))
        .set("forceDestroy", r.settings.force_destroy.clone())
        .set("region", r.val())
        .set("tags", r.tags("secure-bucket", &[("Purpose", Val::str("Secure data storage with KMS encryption"))]))
}

pub fn policy_args(r: &Region, bucket: &Child) -> Args<BucketPolicy> {
    let name = bucket.id();
    let policy = name.map(|n| {
        let arn = r.arn("s3", "", "", n.to_json().as_str().unwrap_or_default());
        Value::String(
            json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureConnections", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                   "Resource": [arn.clone(), format!("{arn}/*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
            .to_string(),
        )
    });
    Args::new().set("bucket", name).set("policy", policy).set("region", r.val())
}

pub fn encryption_args(r: &Region, bucket: &Child, key: &Child) -> Args<BucketServerSideEncryptionConfiguration> {
    let rules = key.out("arn").map(|arn| {
        Value::from_json(&json!([{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": arn.to_json()}, "bucketKeyEnabled": true}]))
    });
    Args::new().set("bucket", bucket.id()).set("rules", rules).set("region", r.val())
}

pub fn public_access_block_args(r: &Region, bucket: &Child) -> Args<BucketPublicAccessBlock> {
    Args::new()
        .set("bucket", bucket.id())
        .known("blockPublicAcls", Value::Bool(true))
        .known("blockPublicPolicy", Value::Bool(true))
        .known("ignorePublicAcls", Value::Bool(true))
        .known("restrictPublicBuckets", Value::Bool(true))
        .set("region", r.val())
}

pub fn build(g: &Graph, r: &Arc<Region>, keys: &Keys) -> Storage {
    let bucket = {
        let r = r.clone();
        g.child("secure-bucket", async move { Ok(bucket_args(&r)) })
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
    {
        let (r, bucket) = (r.clone(), bucket.clone());
        g.child("secure-bucket-public-access-block", async move {
            Ok(public_access_block_args(&r, &ready(&bucket).await?))
        });
    }
    Storage { bucket }
}

#[cfg(test)]
mod tests {
    #[test]
    fn s3_names_from_component_names() {
        assert_eq!(super::s3_safe("My_Stack-us-east-1"), "my-stack-us-east-1");
    }
}
