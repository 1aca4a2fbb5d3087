//! `tap:s3:BucketPolicy`: a bucket's policy.
//!
//! AWS APIs: PutBucketPolicy (create and update), GetBucketPolicy, DeleteBucketPolicy.
//! Id: the bucket name. Replaced when bucket or region change.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{check_bucket_name, BUCKET_HINT};
use crate::error::{aws, Error, Result, Service::S3};
use crate::resource::{deleted, Checker, Created, Ctx, Resource};
use crate::resources::policy;

pub struct BucketPolicy;

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
impl Resource for BucketPolicy {
    const TOKEN: &'static str = "tap:s3:BucketPolicy";
    type Inputs = BucketPolicyArgs;
    type State = BucketPolicyArgs;
    /// Untagged, and its create is safe to repeat: no marker.
    const MARKED: bool = false;

    /// One per bucket: a replacement on the same bucket deletes the old one first (else the
    /// old one's delete would remove the new one).
    fn replace_conflicts(&self, _name: &str, olds: &Self::State, news: &Self::Inputs) -> bool {
        olds.bucket == news.bucket
    }

    fn check(&self, c: &mut Checker<'_>) {
        check_bucket_name(c, "bucket");
        policy::check(c, "policy");
    }

    async fn create(&self, ctx: &Ctx, inputs: &BucketPolicyArgs) -> Result<Created<BucketPolicyArgs>> {
        put(ctx, inputs).await?;
        Ok(Created { id: inputs.bucket.clone(), state: inputs.clone() })
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<BucketPolicyArgs>) -> Result<Option<BucketPolicyArgs>> {
        match ctx.clients.s3.get_bucket_policy().bucket(id).send().await.map_err(aws(S3, "GetBucketPolicy")) {
            Ok(out) => Ok(Some(BucketPolicyArgs {
                bucket: id.to_string(),
                policy: policy::compact(out.policy().unwrap_or_default()),
                region: ctx.region().to_string(),
            })),
            Err(e) if e.is_gone() || e.is_code(&["NoSuchBucketPolicy"]) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        _olds: BucketPolicyArgs,
        news: BucketPolicyArgs,
    ) -> Result<BucketPolicyArgs> {
        put(ctx, &news).await?;
        Ok(news)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: BucketPolicyArgs) -> Result<()> {
        deleted(
            ctx.clients.s3.delete_bucket_policy().bucket(id).send().await.map_err(aws(S3, "DeleteBucketPolicy")),
            Error::is_gone,
        )
    }
}

async fn put(ctx: &Ctx, args: &BucketPolicyArgs) -> Result<()> {
    ctx.clients
        .s3
        .put_bucket_policy()
        .bucket(&args.bucket)
        .policy(policy::compact(&args.policy))
        .send()
        .await
        .map_err(aws(S3, "PutBucketPolicy"))?;
    Ok(())
}
