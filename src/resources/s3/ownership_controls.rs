//! `tap:s3:BucketOwnershipControls`: who owns the objects written to a bucket (and whether ACLs
//! count at all).
//!
//! AWS APIs: PutBucketOwnershipControls, GetBucketOwnershipControls,
//! DeleteBucketOwnershipControls. Id: the bucket name.

use async_trait::async_trait;
use aws_sdk_s3::types::{ObjectOwnership, OwnershipControls, OwnershipControlsRule};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::setting::{none_when, BucketSetting};
use super::BUCKET_HINT;
use crate::error::{aws, Error, Result, Service::S3};
use crate::resource::{Checker, Ctx};

pub struct Ownership;

/// The ownership rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:OwnershipControlsRule")]
pub struct OwnershipRule {
    /// `BucketOwnerEnforced` (ACLs off: the bucket owner owns everything), `BucketOwnerPreferred`
    /// or `ObjectWriter`.
    #[field(required = "BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter")]
    pub object_ownership: String,
}

/// A bucket's ownership controls. The rule updates in place. Import with the bucket name, or
/// `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct OwnershipArgs {
    /// The bucket's name.
    #[field(replace, identity, required = BUCKET_HINT)]
    pub bucket: String,
    /// The rule.
    #[field(required = "{objectOwnership: BucketOwnerEnforced}")]
    pub rule: OwnershipRule,
    #[field(region)]
    pub region: String,
}

#[async_trait]
impl BucketSetting for Ownership {
    const TOKEN: &'static str = "tap:s3:BucketOwnershipControls";
    type Args = OwnershipArgs;

    fn bucket(args: &OwnershipArgs) -> &str {
        &args.bucket
    }

    fn check(c: &mut Checker<'_>) {
        c.nested("rule", |c| {
            c.one_of("objectOwnership", &["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]);
        });
    }

    async fn put(ctx: &Ctx, args: &OwnershipArgs) -> Result<()> {
        let rule = OwnershipControlsRule::builder()
            .object_ownership(ObjectOwnership::from(args.rule.object_ownership.as_str()))
            .build()
            .map_err(|e| Error::Internal(e.to_string()))?;
        let controls = OwnershipControls::builder().rules(rule).build().map_err(|e| Error::Internal(e.to_string()))?;
        let request = ctx.clients.s3.put_bucket_ownership_controls().bucket(&args.bucket).ownership_controls(controls);
        request.send().await.map_err(aws(S3, "PutBucketOwnershipControls"))?;
        Ok(())
    }

    async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<OwnershipArgs>> {
        let out = ctx.clients.s3.get_bucket_ownership_controls().bucket(bucket).send().await;
        let out = none_when(out.map_err(aws(S3, "GetBucketOwnershipControls")), &["OwnershipControlsNotFoundError"])?;
        let rule = out.as_ref().and_then(|o| o.ownership_controls()).and_then(|c| c.rules().first());
        Ok(rule.map(|r| OwnershipArgs {
            bucket: bucket.to_string(),
            rule: OwnershipRule { object_ownership: r.object_ownership().as_str().to_string() },
            region: ctx.region().to_string(),
        }))
    }

    async fn remove(ctx: &Ctx, bucket: &str) -> Result<()> {
        let out = ctx.clients.s3.delete_bucket_ownership_controls().bucket(bucket).send().await;
        none_when(out.map_err(aws(S3, "DeleteBucketOwnershipControls")), &["OwnershipControlsNotFoundError"])?;
        Ok(())
    }
}
