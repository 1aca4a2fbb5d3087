//! `tap:s3:BucketServerSideEncryptionConfiguration`: a bucket's default encryption.
//!
//! AWS APIs: PutBucketEncryption (create and update), GetBucketEncryption,
//! DeleteBucketEncryption. Id: the bucket name. Replaced when bucket or region change.

use async_trait::async_trait;
use aws_sdk_s3::types::{
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use serde::{Deserialize, Serialize};

use super::{check_bucket_ref, is_no_bucket};
use crate::error::{aws, Error, Result};
use crate::resource::{deleted, Checker, Ctx, Resource};
use crate::value::Value;

pub struct BucketServerSideEncryptionConfiguration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ByDefault {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub sse_algorithm: String,
    /// The KMS key (id or ARN) for `aws:kms`; AWS's managed key when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub apply_server_side_encryption_by_default: ByDefault,
    #[serde(default)]
    pub bucket_key_enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionArgs {
    pub bucket: String,
    pub rules: Vec<Rule>,
    pub region: String,
}

const ALGORITHMS: [&str; 3] = ["AES256", "aws:kms", "aws:kms:dsse"];

#[async_trait]
impl Resource for BucketServerSideEncryptionConfiguration {
    const TOKEN: &'static str = "tap:s3:BucketServerSideEncryptionConfiguration";
    const REPLACE_ON: &'static [&'static str] = &["bucket"];
    type Inputs = EncryptionArgs;
    type Outputs = EncryptionArgs;

    fn check(&self, c: &mut Checker<'_>) {
        check_bucket_ref(c);
        let Some(rules) = c.object_list("rules") else { return };
        if rules.is_empty() {
            c.fail("rules", "give one rule, e.g. {applyServerSideEncryptionByDefault: {sseAlgorithm: \"aws:kms\", kmsMasterKeyId: <key arn>}, bucketKeyEnabled: true}");
        }
        let mut normalized = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            for k in rule
                .keys()
                .filter(|k| !["applyServerSideEncryptionByDefault", "bucketKeyEnabled"].contains(&k.as_str()))
            {
                c.fail(
                    "rules",
                    format!("rule {i} has {k:?}; a rule has applyServerSideEncryptionByDefault and bucketKeyEnabled"),
                );
            }
            let mut rule = rule.clone();
            match rule.get("applyServerSideEncryptionByDefault") {
                Some(Value::Object(by_default)) => match by_default.get("sseAlgorithm") {
                    Some(Value::String(a)) if ALGORITHMS.contains(&a.as_str()) => {
                        if a == "AES256" && matches!(by_default.get("kmsMasterKeyId"), Some(Value::String(_))) {
                            c.fail("rules", format!("rule {i}: kmsMasterKeyId is only for aws:kms and aws:kms:dsse"));
                        }
                    }
                    Some(v) if v.contains_unknowns() => {}
                    _ => c.fail("rules", format!("rule {i}: sseAlgorithm must be one of {}", ALGORITHMS.join(", "))),
                },
                Some(v) if v.contains_unknowns() => {}
                _ => c.fail("rules", format!("rule {i} needs applyServerSideEncryptionByDefault with an sseAlgorithm")),
            }
            match rule.get("bucketKeyEnabled") {
                None => {
                    rule.insert("bucketKeyEnabled".into(), Value::Bool(false));
                }
                Some(Value::Bool(_)) => {}
                Some(v) if v.contains_unknowns() => {}
                Some(_) => c.fail("rules", format!("rule {i}: bucketKeyEnabled must be true or false")),
            }
            normalized.push(Value::Object(rule));
        }
        if !c.news.get("rules").is_some_and(Value::contains_secrets) {
            c.news.insert("rules".into(), Value::Array(normalized));
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: EncryptionArgs) -> Result<(String, EncryptionArgs)> {
        put(ctx, &inputs).await?;
        Ok((inputs.bucket.clone(), inputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<EncryptionArgs>> {
        match ctx.clients.s3.get_bucket_encryption().bucket(id).send().await.map_err(aws("GetBucketEncryption")) {
            Ok(out) => Ok(out.server_side_encryption_configuration().map(|c| EncryptionArgs {
                bucket: id.to_string(),
                rules: c
                    .rules()
                    .iter()
                    .map(|r| Rule {
                        apply_server_side_encryption_by_default: ByDefault {
                            sse_algorithm: r
                                .apply_server_side_encryption_by_default()
                                .map(|d| d.sse_algorithm().as_str().to_string())
                                .unwrap_or_default(),
                            kms_master_key_id: r
                                .apply_server_side_encryption_by_default()
                                .and_then(|d| d.kms_master_key_id())
                                .map(str::to_string),
                        },
                        bucket_key_enabled: r.bucket_key_enabled().unwrap_or(false),
                    })
                    .collect(),
                region: ctx.region().to_string(),
            })),
            Err(e) if is_no_bucket(&e) || e.is_code(&["ServerSideEncryptionConfigurationNotFoundError"]) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        _olds: EncryptionArgs,
        news: EncryptionArgs,
    ) -> Result<EncryptionArgs> {
        put(ctx, &news).await?;
        Ok(news)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: EncryptionArgs) -> Result<()> {
        deleted(
            ctx.clients.s3.delete_bucket_encryption().bucket(id).send().await.map_err(aws("DeleteBucketEncryption")),
            is_no_bucket,
        )
    }
}

async fn put(ctx: &Ctx, args: &EncryptionArgs) -> Result<()> {
    let mut rules = Vec::new();
    for r in &args.rules {
        let by_default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::from(r.apply_server_side_encryption_by_default.sse_algorithm.as_str()))
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
        .map_err(aws("PutBucketEncryption"))?;
    Ok(())
}
