//! `tap:s3:BucketPublicAccessBlock`: a bucket's public access block.
//!
//! AWS APIs: PutPublicAccessBlock (create and update), GetPublicAccessBlock,
//! DeletePublicAccessBlock. Id: the bucket name. Replaced when bucket or region change.

use async_trait::async_trait;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde::{Deserialize, Serialize};

use super::{check_bucket_ref, is_no_bucket};
use crate::error::{aws, Result};
use crate::resource::{deleted, Checker, Ctx, Resource};
use crate::value::Value;

pub struct BucketPublicAccessBlock;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicAccessBlockArgs {
    pub bucket: String,
    pub block_public_acls: bool,
    pub block_public_policy: bool,
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
    pub region: String,
}

const FLAGS: [&str; 4] = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

#[async_trait]
impl Resource for BucketPublicAccessBlock {
    const TOKEN: &'static str = "tap:s3:BucketPublicAccessBlock";
    const REPLACE_ON: &'static [&'static str] = &["bucket"];
    type Inputs = PublicAccessBlockArgs;
    type Outputs = PublicAccessBlockArgs;

    fn check(&self, c: &mut Checker<'_>) {
        check_bucket_ref(c);
        for flag in FLAGS {
            c.default(flag, Value::Bool(false));
            c.bool(flag);
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: PublicAccessBlockArgs) -> Result<(String, PublicAccessBlockArgs)> {
        put(ctx, &inputs).await?;
        Ok((inputs.bucket.clone(), inputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<PublicAccessBlockArgs>> {
        match ctx.clients.s3.get_public_access_block().bucket(id).send().await.map_err(aws("GetPublicAccessBlock")) {
            Ok(out) => Ok(out.public_access_block_configuration().map(|c| PublicAccessBlockArgs {
                bucket: id.to_string(),
                block_public_acls: c.block_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                region: ctx.region().to_string(),
            })),
            Err(e) if is_no_bucket(&e) || e.is_code(&["NoSuchPublicAccessBlockConfiguration"]) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        _olds: PublicAccessBlockArgs,
        news: PublicAccessBlockArgs,
    ) -> Result<PublicAccessBlockArgs> {
        put(ctx, &news).await?;
        Ok(news)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: PublicAccessBlockArgs) -> Result<()> {
        deleted(
            ctx.clients.s3.delete_public_access_block().bucket(id).send().await.map_err(aws("DeletePublicAccessBlock")),
            is_no_bucket,
        )
    }
}

async fn put(ctx: &Ctx, args: &PublicAccessBlockArgs) -> Result<()> {
    let config = PublicAccessBlockConfiguration::builder()
        .block_public_acls(args.block_public_acls)
        .block_public_policy(args.block_public_policy)
        .ignore_public_acls(args.ignore_public_acls)
        .restrict_public_buckets(args.restrict_public_buckets)
        .build();
    ctx.clients
        .s3
        .put_public_access_block()
        .bucket(&args.bucket)
        .public_access_block_configuration(config)
        .send()
        .await
        .map_err(aws("PutPublicAccessBlock"))?;
    Ok(())
}
