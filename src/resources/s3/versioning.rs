//! `tap:s3:BucketVersioning`: whether a bucket keeps every version of its objects.
//!
//! AWS APIs: PutBucketVersioning, GetBucketVersioning. Id: the bucket name. Versioning once on can
//! only be suspended: delete suspends it.

use async_trait::async_trait;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration as AwsVersioning};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::setting::BucketSetting;
use super::BUCKET_HINT;
use crate::error::{aws, Result, Service::S3};
use crate::resource::{Checker, Ctx};

pub struct Versioning;

/// Whether versioning is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:VersioningConfiguration")]
pub struct VersioningConfiguration {
    /// `Enabled` or `Suspended`.
    #[field(required = "Enabled or Suspended")]
    pub status: String,
}

/// A bucket's versioning: every overwritten or deleted object stays as a noncurrent version (a
/// lifecycle rule can expire them). Import with the bucket name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct VersioningArgs {
    /// The bucket's name.
    #[field(replace, identity, required = BUCKET_HINT)]
    pub bucket: String,
    /// The versioning state.
    #[field(required = "{status: Enabled}")]
    pub versioning_configuration: VersioningConfiguration,
    #[field(region)]
    pub region: String,
}

/// The `<Status>` of a versioning answer's XML.
fn status_in(xml: &str) -> Option<String> {
    let start = xml.find("<Status>")? + "<Status>".len();
    let len = xml[start..].find("</Status>")?;
    Some(xml[start..start + len].trim().to_string()).filter(|s| s == "Enabled" || s == "Suspended")
}

async fn put_status(ctx: &Ctx, bucket: &str, status: &str) -> Result<()> {
    let config = AwsVersioning::builder().status(BucketVersioningStatus::from(status)).build();
    let request = ctx.clients.s3.put_bucket_versioning().bucket(bucket).versioning_configuration(config);
    request.send().await.map_err(aws(S3, "PutBucketVersioning"))?;
    Ok(())
}

#[async_trait]
impl BucketSetting for Versioning {
    const TOKEN: &'static str = "tap:s3:BucketVersioning";
    type Args = VersioningArgs;

    fn bucket(args: &VersioningArgs) -> &str {
        &args.bucket
    }

    fn check(c: &mut Checker<'_>) {
        c.nested("versioningConfiguration", |c| {
            c.one_of("status", &["Enabled", "Suspended"]);
        });
    }

    async fn put(ctx: &Ctx, args: &VersioningArgs) -> Result<()> {
        put_status(ctx, &args.bucket, &args.versioning_configuration.status).await
    }

    /// A bucket that never had versioning has none (S3 answers no status).
    async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<VersioningArgs>> {
        let status = match ctx.clients.s3.get_bucket_versioning().bucket(bucket).send().await {
            Ok(out) => out.status().map(|s| s.as_str().to_string()),
            // An answer the SDK cannot parse (moto wraps it in a GetBucketVersioningResponse root)
            // is read for its Status element.
            Err(aws_sdk_s3::error::SdkError::ServiceError(e))
                if e.err().meta().code().is_none() && e.raw().status().is_success() =>
            {
                let body = String::from_utf8_lossy(e.raw().body().bytes().unwrap_or_default()).to_string();
                status_in(&body)
            }
            Err(e) => return Err(aws(S3, "GetBucketVersioning")(e)),
        };
        Ok(status.map(|status| VersioningArgs {
            bucket: bucket.to_string(),
            versioning_configuration: VersioningConfiguration { status },
            region: ctx.region().to_string(),
        }))
    }

    async fn remove(ctx: &Ctx, bucket: &str) -> Result<()> {
        put_status(ctx, bucket, "Suspended").await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_wrapped_answer_is_read_for_its_status() {
        let moto = r#"<?xml version="1.0"?><GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></GetBucketVersioningResponse>"#;
        assert_eq!(super::status_in(moto).as_deref(), Some("Enabled"));
        assert_eq!(super::status_in("<VersioningConfiguration/>"), None);
    }
}
