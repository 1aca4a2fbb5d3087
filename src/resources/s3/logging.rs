//! `tap:s3:BucketLogging`: server access logs of a bucket, written to another bucket.
//!
//! AWS APIs: PutBucketLogging (with a target, and with none to stop), GetBucketLogging. Id: the
//! bucket name. The target bucket must admit `logging.s3.amazonaws.com` (a bucket policy) and
//! use SSE-S3.

use async_trait::async_trait;
use aws_sdk_s3::types::{BucketLoggingStatus, LoggingEnabled};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::setting::BucketSetting;
use super::{bucket_name_error, BUCKET_HINT};
use crate::error::{aws, Error, Result, Service::S3};
use crate::resource::{Checker, Ctx, Field};

pub struct Logging;

/// A bucket's server access logging. Target and prefix update in place. Import with the bucket
/// name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct LoggingArgs {
    /// The bucket whose requests are logged.
    #[field(replace, identity, required = BUCKET_HINT)]
    pub bucket: String,
    /// The bucket the logs go to (another one, in the same region and account).
    #[field(required = "the name of the bucket the logs go to")]
    pub target_bucket: String,
    /// The start of every log object's key, such as `logs/` (default none).
    #[field(default = "")]
    #[serde(default)]
    pub target_prefix: String,
    #[field(region)]
    pub region: String,
}

async fn put_status(ctx: &Ctx, bucket: &str, target: Option<(&str, &str)>) -> Result<()> {
    let enabled = match target {
        Some((target, prefix)) => Some(
            LoggingEnabled::builder()
                .target_bucket(target)
                .target_prefix(prefix)
                .build()
                .map_err(|e| Error::Internal(e.to_string()))?,
        ),
        None => None,
    };
    let status = BucketLoggingStatus::builder().set_logging_enabled(enabled).build();
    let request = ctx.clients.s3.put_bucket_logging().bucket(bucket).bucket_logging_status(status);
    request.send().await.map_err(aws(S3, "PutBucketLogging"))?;
    Ok(())
}

#[async_trait]
impl BucketSetting for Logging {
    const TOKEN: &'static str = "tap:s3:BucketLogging";
    type Args = LoggingArgs;

    fn bucket(args: &LoggingArgs) -> &str {
        &args.bucket
    }

    fn check(c: &mut Checker<'_>) {
        if let Field::Known(target) = c.string("targetBucket") {
            if let Some(reason) = bucket_name_error(&target) {
                c.fail("targetBucket", reason);
            } else if matches!(c.string("bucket"), Field::Known(b) if b == target) {
                c.fail(
                    "targetBucket",
                    "is the logged bucket itself: its own logs would log themselves; give another bucket",
                );
            }
        }
    }

    async fn put(ctx: &Ctx, args: &LoggingArgs) -> Result<()> {
        put_status(ctx, &args.bucket, Some((&args.target_bucket, &args.target_prefix))).await
    }

    async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<LoggingArgs>> {
        let out =
            ctx.clients.s3.get_bucket_logging().bucket(bucket).send().await.map_err(aws(S3, "GetBucketLogging"))?;
        Ok(out.logging_enabled().map(|l| LoggingArgs {
            bucket: bucket.to_string(),
            target_bucket: l.target_bucket().to_string(),
            target_prefix: l.target_prefix().to_string(),
            region: ctx.region().to_string(),
        }))
    }

    async fn remove(ctx: &Ctx, bucket: &str) -> Result<()> {
        put_status(ctx, bucket, None).await
    }
}
