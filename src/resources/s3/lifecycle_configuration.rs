//! `tap:s3:BucketLifecycleConfiguration`: when a bucket's objects, noncurrent versions and
//! unfinished uploads are removed.
//!
//! AWS APIs: PutBucketLifecycleConfiguration (the whole set of rules), GetBucketLifecycleConfiguration,
//! DeleteBucketLifecycle. Id: the bucket name.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration,
    LifecycleRule as AwsRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::setting::{none_when, BucketSetting};
use super::BUCKET_HINT;
use crate::error::{aws, Error, Result, Service::S3};
use crate::resource::{Checker, Ctx, Field};

pub struct Lifecycle;

/// Which objects a rule applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:LifecycleRuleFilter")]
pub struct RuleFilter {
    /// Keys starting with this (default: every key).
    #[field(default = "")]
    #[serde(default)]
    pub prefix: String,
}

/// When current objects expire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:LifecycleRuleExpiration")]
pub struct Expiration {
    /// Days after creation.
    #[field(required = "a number of days, such as 365")]
    pub days: i64,
}

/// When noncurrent versions are removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:LifecycleRuleNoncurrentVersionExpiration")]
pub struct NoncurrentExpiration {
    /// Days after a version stops being current.
    #[field(required = "a number of days, such as 90")]
    pub noncurrent_days: i64,
}

/// When unfinished multipart uploads are aborted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:LifecycleRuleAbortIncompleteMultipartUpload")]
pub struct AbortUploads {
    /// Days after the upload started.
    #[field(required = "a number of days, such as 7")]
    pub days_after_initiation: i64,
}

/// A lifecycle rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:LifecycleRule")]
pub struct Rule {
    /// The rule's name, unique in the bucket (up to 255 characters).
    #[field(required = "a name such as expire-noncurrent")]
    pub id: String,
    /// `Enabled` or `Disabled`.
    #[field(required = "Enabled or Disabled")]
    pub status: String,
    /// Which objects (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<RuleFilter>,
    /// When current objects expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<Expiration>,
    /// When noncurrent versions are removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentExpiration>,
    /// When unfinished multipart uploads are aborted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload: Option<AbortUploads>,
}

/// A bucket's lifecycle rules (all of them: S3 holds one set). The rules update in place. Import
/// with the bucket name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct LifecycleArgs {
    /// The bucket's name.
    #[field(replace, identity, required = BUCKET_HINT)]
    pub bucket: String,
    /// The rules (1 to 1,000).
    #[field(
        required = "at least one rule, such as {id, status: Enabled, noncurrentVersionExpiration: {noncurrentDays: 90}}"
    )]
    pub rules: Vec<Rule>,
    #[field(region)]
    pub region: String,
}

fn aws_rule(r: &Rule) -> Result<AwsRule> {
    let prefix = r.filter.as_ref().map(|f| f.prefix.clone()).unwrap_or_default();
    AwsRule::builder()
        .id(&r.id)
        .status(ExpirationStatus::from(r.status.as_str()))
        .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
        .set_expiration(r.expiration.as_ref().map(|e| LifecycleExpiration::builder().days(e.days as i32).build()))
        .set_noncurrent_version_expiration(
            r.noncurrent_version_expiration
                .as_ref()
                .map(|n| NoncurrentVersionExpiration::builder().noncurrent_days(n.noncurrent_days as i32).build()),
        )
        .set_abort_incomplete_multipart_upload(r.abort_incomplete_multipart_upload.as_ref().map(|a| {
            AbortIncompleteMultipartUpload::builder().days_after_initiation(a.days_after_initiation as i32).build()
        }))
        .build()
        .map_err(|e| Error::Internal(e.to_string()))
}

fn rule_of(r: &AwsRule) -> Rule {
    let prefix = r.filter().and_then(|f| f.prefix()).unwrap_or_default();
    Rule {
        id: r.id().unwrap_or_default().to_string(),
        status: r.status().as_str().to_string(),
        filter: Some(RuleFilter { prefix: prefix.to_string() }),
        expiration: r.expiration().and_then(|e| e.days()).map(|d| Expiration { days: i64::from(d) }),
        noncurrent_version_expiration: r
            .noncurrent_version_expiration()
            .and_then(|n| n.noncurrent_days())
            .map(|d| NoncurrentExpiration { noncurrent_days: i64::from(d) }),
        abort_incomplete_multipart_upload: r
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation())
            .map(|d| AbortUploads { days_after_initiation: i64::from(d) }),
    }
}

#[async_trait]
impl BucketSetting for Lifecycle {
    const TOKEN: &'static str = "tap:s3:BucketLifecycleConfiguration";
    type Args = LifecycleArgs;

    fn bucket(args: &LifecycleArgs) -> &str {
        &args.bucket
    }

    fn check(c: &mut Checker<'_>) {
        let Field::Known(rules) = c.get::<Vec<Rule>>("rules") else { return };
        if rules.is_empty() || rules.len() > 1000 {
            c.fail("rules", "give 1 to 1,000 rules");
        }
        let mut ids = BTreeSet::new();
        for (i, r) in rules.iter().enumerate() {
            let at = format!("rules[{i}]");
            if r.id.is_empty() || r.id.len() > 255 {
                c.fail("rules", format!("{at}: id must be 1-255 characters"));
            } else if !ids.insert(r.id.clone()) {
                c.fail("rules", format!("{at}: id {:?} is given twice; each rule needs its own", r.id));
            }
            if r.status != "Enabled" && r.status != "Disabled" {
                c.fail("rules", format!("{at}: status must be Enabled or Disabled"));
            }
            let days = [
                r.expiration.as_ref().map(|e| ("expiration.days", e.days)),
                r.noncurrent_version_expiration
                    .as_ref()
                    .map(|n| ("noncurrentVersionExpiration.noncurrentDays", n.noncurrent_days)),
                r.abort_incomplete_multipart_upload
                    .as_ref()
                    .map(|a| ("abortIncompleteMultipartUpload.daysAfterInitiation", a.days_after_initiation)),
            ];
            if days.iter().all(Option::is_none) {
                c.fail("rules", format!("{at}: does nothing; give expiration, noncurrentVersionExpiration or abortIncompleteMultipartUpload"));
            }
            for (name, d) in days.into_iter().flatten() {
                if d < 1 {
                    c.fail("rules", format!("{at}: {name} must be at least 1, not {d}"));
                }
            }
        }
    }

    async fn put(ctx: &Ctx, args: &LifecycleArgs) -> Result<()> {
        let rules = args.rules.iter().map(aws_rule).collect::<Result<Vec<_>>>()?;
        let config = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        let request = ctx.clients.s3.put_bucket_lifecycle_configuration().bucket(&args.bucket);
        request.lifecycle_configuration(config).send().await.map_err(aws(S3, "PutBucketLifecycleConfiguration"))?;
        Ok(())
    }

    async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<LifecycleArgs>> {
        let out = ctx.clients.s3.get_bucket_lifecycle_configuration().bucket(bucket).send().await;
        let out =
            none_when(out.map_err(aws(S3, "GetBucketLifecycleConfiguration")), &["NoSuchLifecycleConfiguration"])?;
        Ok(out.filter(|o| !o.rules().is_empty()).map(|o| LifecycleArgs {
            bucket: bucket.to_string(),
            rules: o.rules().iter().map(rule_of).collect(),
            region: ctx.region().to_string(),
        }))
    }

    async fn remove(ctx: &Ctx, bucket: &str) -> Result<()> {
        let out = ctx.clients.s3.delete_bucket_lifecycle().bucket(bucket).send().await;
        none_when(out.map_err(aws(S3, "DeleteBucketLifecycle")), &["NoSuchLifecycleConfiguration"])?;
        Ok(())
    }
}
