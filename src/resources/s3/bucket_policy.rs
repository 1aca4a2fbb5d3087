//! `tap:s3:BucketPolicy`: a bucket's policy.
//!
//! AWS APIs: PutBucketPolicy (create and update), GetBucketPolicy, DeleteBucketPolicy.
//! Id: the bucket name. Replaced when bucket or region change.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::setting::{none_when, BucketSetting, Setting};
use super::BUCKET_HINT;
use crate::error::{aws, Result, Service::S3};
use crate::resource::{Checker, Ctx};
use crate::resources::policy;

pub struct Policy;

/// The resource.
pub type BucketPolicy = Setting<Policy>;

/// A bucket's policy. The policy updates in place; changing bucket replaces it. Import with the
/// bucket name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct BucketPolicyArgs {
    /// The bucket's name.
    #[field(replace, identity, required = BUCKET_HINT)]
    pub bucket: String,
    /// The policy (JSON).
    #[field(required = policy::HINT, compare = policy)]
    pub policy: String,
    #[field(region)]
    pub region: String,
}

#[async_trait]
impl BucketSetting for Policy {
    const TOKEN: &'static str = "tap:s3:BucketPolicy";
    type Args = BucketPolicyArgs;

    fn bucket(args: &BucketPolicyArgs) -> &str {
        &args.bucket
    }

    fn check(c: &mut Checker<'_>) {
        policy::check(c, "policy");
    }

    async fn put(ctx: &Ctx, args: &BucketPolicyArgs) -> Result<()> {
        let request = ctx.clients.s3.put_bucket_policy().bucket(&args.bucket).policy(policy::compact(&args.policy));
        request.send().await.map_err(aws(S3, "PutBucketPolicy"))?;
        Ok(())
    }

    async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<BucketPolicyArgs>> {
        let out = ctx.clients.s3.get_bucket_policy().bucket(bucket).send().await;
        let out = none_when(out.map_err(aws(S3, "GetBucketPolicy")), &["NoSuchBucketPolicy"])?;
        Ok(out.map(|o| BucketPolicyArgs {
            bucket: bucket.to_string(),
            policy: policy::compact(o.policy().unwrap_or_default()),
            region: ctx.region().to_string(),
        }))
    }

    async fn remove(ctx: &Ctx, bucket: &str) -> Result<()> {
        let out = ctx.clients.s3.delete_bucket_policy().bucket(bucket).send().await;
        none_when(out.map_err(aws(S3, "DeleteBucketPolicy")), &["NoSuchBucketPolicy"])?;
        Ok(())
    }
}
