//! `tap:s3:BucketPolicy`: a bucket's policy.
//!
//! AWS APIs: PutBucketPolicy (create and update), GetBucketPolicy, DeleteBucketPolicy.
//! Id: the bucket name. Replaced when bucket or region change.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{check_bucket_ref, is_no_bucket};
use crate::error::{aws, Result};
use crate::resource::{deleted, Checker, Ctx, Resource};
use crate::resources::policy;

pub struct BucketPolicy;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketPolicyArgs {
    pub bucket: String,
    pub policy: String,
    pub region: String,
}

#[async_trait]
impl Resource for BucketPolicy {
    const TOKEN: &'static str = "tap:s3:BucketPolicy";
    const REPLACE_ON: &'static [&'static str] = &["bucket"];
    type Inputs = BucketPolicyArgs;
    type Outputs = BucketPolicyArgs;

    fn check(&self, c: &mut Checker<'_>) {
        check_bucket_ref(c);
        policy::check(c, "policy", true);
    }

    fn normalize(&self, key: &str, value: serde_json::Value) -> serde_json::Value {
        if key == "policy" {
            policy::normalize(value)
        } else {
            value
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: BucketPolicyArgs) -> Result<(String, BucketPolicyArgs)> {
        put(ctx, &inputs).await?;
        Ok((inputs.bucket.clone(), inputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<BucketPolicyArgs>> {
        match ctx.clients.s3.get_bucket_policy().bucket(id).send().await.map_err(aws("GetBucketPolicy")) {
            Ok(out) => Ok(Some(BucketPolicyArgs {
                bucket: id.to_string(),
                policy: policy::compact(out.policy().unwrap_or_default()),
                region: ctx.region().to_string(),
            })),
            Err(e) if is_no_bucket(&e) || e.is_code(&["NoSuchBucketPolicy"]) => Ok(None),
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
        deleted(ctx.clients.s3.delete_bucket_policy().bucket(id).send().await.map_err(aws("DeleteBucketPolicy")), |e| {
            is_no_bucket(e)
        })
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
        .map_err(aws("PutBucketPolicy"))?;
    Ok(())
}
