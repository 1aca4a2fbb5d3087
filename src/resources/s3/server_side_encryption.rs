//! `tap:s3:BucketServerSideEncryptionConfiguration`: a bucket's default encryption.
//!
//! AWS APIs: PutBucketEncryption (create and update), GetBucketEncryption,
//! DeleteBucketEncryption. Id: the bucket name. Replaced when bucket or region change.

use async_trait::async_trait;
use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::setting::{none_when, BucketSetting, Setting};
use super::BUCKET_HINT;
use crate::error::{aws, Error, Result, Service::S3};
use crate::resource::{Checker, Ctx, Field};

pub struct Encryption;

/// The resource.
pub type BucketServerSideEncryptionConfiguration = Setting<Encryption>;

/// What S3 answers for a bucket without one.
const NONE: &str = "ServerSideEncryptionConfigurationNotFoundError";

/// How objects are encrypted when a request does not say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:SseByDefault")]
pub struct ByDefault {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    #[field(required = "AES256, aws:kms or aws:kms:dsse")]
    pub sse_algorithm: String,
    /// The KMS key (id or ARN) for `aws:kms`; AWS's managed key when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
}

/// A default-encryption rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:SseRule")]
pub struct Rule {
    /// The default encryption.
    #[field(required = "an object with an sseAlgorithm")]
    pub apply_server_side_encryption_by_default: ByDefault,
    /// Whether S3 uses a bucket key for SSE-KMS, cutting KMS calls (default false).
    #[field(default = false)]
    #[serde(default)]
    pub bucket_key_enabled: bool,
}

/// A bucket's default encryption. The rules update in place; changing bucket replaces it. Import
/// with the bucket name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionArgs {
    /// The bucket's name.
    #[field(replace, identity, required = BUCKET_HINT)]
    pub bucket: String,
    /// The default-encryption rule (S3 takes one).
    #[field(required = "one rule, e.g. {applyServerSideEncryptionByDefault: {sseAlgorithm: \"aws:kms\"}}")]
    pub rules: Vec<Rule>,
    #[field(region)]
    pub region: String,
}

const ALGORITHMS: [&str; 3] = ["AES256", "aws:kms", "aws:kms:dsse"];

#[async_trait]
impl BucketSetting for Encryption {
    const TOKEN: &'static str = "tap:s3:BucketServerSideEncryptionConfiguration";
    type Args = EncryptionArgs;

    fn bucket(args: &EncryptionArgs) -> &str {
        &args.bucket
    }

    fn check(c: &mut Checker<'_>) {
        let Field::Known(rules) = c.get::<Vec<Rule>>("rules") else { return };
        if rules.is_empty() {
            c.fail("rules", "give one rule, e.g. {applyServerSideEncryptionByDefault: {sseAlgorithm: \"aws:kms\", kmsMasterKeyId: <key arn>}, bucketKeyEnabled: true}");
        }
        for (i, rule) in rules.iter().enumerate() {
            let by_default = &rule.apply_server_side_encryption_by_default;
            if !ALGORITHMS.contains(&by_default.sse_algorithm.as_str()) {
                c.fail("rules", format!("rule {i}: sseAlgorithm must be one of {}", ALGORITHMS.join(", ")));
            } else if by_default.sse_algorithm == "AES256" && by_default.kms_master_key_id.is_some() {
                c.fail("rules", format!("rule {i}: kmsMasterKeyId is only for aws:kms and aws:kms:dsse"));
            }
        }
    }

    async fn put(ctx: &Ctx, args: &EncryptionArgs) -> Result<()> {
        let mut rules = Vec::new();
        for r in &args.rules {
            let by_default = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::from(
                    r.apply_server_side_encryption_by_default.sse_algorithm.as_str(),
                ))
                .set_kms_master_key_id(r.apply_server_side_encryption_by_default.kms_master_key_id.clone())
                .build()
                .map_err(|e| Error::Internal(e.to_string()))?;
            rules.push(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(by_default)
                    .bucket_key_enabled(r.bucket_key_enabled)
                    .build(),
            );
        }
        let config = ServerSideEncryptionConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        ctx.clients
            .s3
            .put_bucket_encryption()
            .bucket(&args.bucket)
            .server_side_encryption_configuration(config)
            .send()
            .await
            .map_err(aws(S3, "PutBucketEncryption"))?;
        Ok(())
    }

    async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<EncryptionArgs>> {
        let out = ctx.clients.s3.get_bucket_encryption().bucket(bucket).send().await;
        let out = none_when(out.map_err(aws(S3, "GetBucketEncryption")), &[NONE])?;
        Ok(out.as_ref().and_then(|o| o.server_side_encryption_configuration()).map(|c| EncryptionArgs {
            bucket: bucket.to_string(),
            rules: c
                .rules()
                .iter()
                .map(|r| {
                    let by_default = r.apply_server_side_encryption_by_default();
                    Rule {
                        apply_server_side_encryption_by_default: ByDefault {
                            sse_algorithm: by_default
                                .map(|d| d.sse_algorithm().as_str().to_string())
                                .unwrap_or_default(),
                            kms_master_key_id: by_default.and_then(|d| d.kms_master_key_id()).map(str::to_string),
                        },
                        bucket_key_enabled: r.bucket_key_enabled().unwrap_or(false),
                    }
                })
                .collect(),
            region: ctx.region().to_string(),
        }))
    }

    async fn remove(ctx: &Ctx, bucket: &str) -> Result<()> {
        let out = ctx.clients.s3.delete_bucket_encryption().bucket(bucket).send().await;
        none_when(out.map_err(aws(S3, "DeleteBucketEncryption")), &[NONE])?;
        Ok(())
    }
}
