//! `tap:s3:BucketPublicAccessBlock`: a bucket's public access block.
//!
//! AWS APIs: PutPublicAccessBlock (create and update), GetPublicAccessBlock,
//! DeletePublicAccessBlock. Id: the bucket name. Replaced when bucket or region change.

use async_trait::async_trait;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{check_bucket_name, BUCKET_HINT};
use crate::error::{aws, Error, Result, Service::S3};
use crate::resource::{deleted, Checker, Created, Ctx, Resource};

pub struct BucketPublicAccessBlock;

/// A bucket's public access block. The four flags update in place; changing bucket replaces it.
/// Import with the bucket name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct PublicAccessBlockArgs {
    /// The bucket's name.
    #[field(replace, identity, required = BUCKET_HINT)]
    pub bucket: String,
    /// Reject requests that grant public access through ACLs (default false).
    #[field(default = false)]
    pub block_public_acls: bool,
    /// Reject bucket policies that grant public access (default false).
    #[field(default = false)]
    pub block_public_policy: bool,
    /// Ignore ACLs that grant public access (default false).
    #[field(default = false)]
    pub ignore_public_acls: bool,
    /// Allow only AWS services and the account itself under a public policy (default false).
    #[field(default = false)]
    pub restrict_public_buckets: bool,
    #[field(region)]
    pub region: String,
}

#[async_trait]
impl Resource for BucketPublicAccessBlock {
    const TOKEN: &'static str = "tap:s3:BucketPublicAccessBlock";
    type Inputs = PublicAccessBlockArgs;
    type State = PublicAccessBlockArgs;
    /// Untagged, and its create is safe to repeat: no marker.
    const MARKED: bool = false;

    /// One per bucket: a replacement on the same bucket deletes the old one first (else the
    /// old one's delete would remove the new one).
    fn replace_conflicts(&self, _name: &str, olds: &Self::State, news: &Self::Inputs) -> bool {
        olds.bucket == news.bucket
    }

    fn check(&self, c: &mut Checker<'_>) {
        check_bucket_name(c, "bucket");
    }

    async fn create(&self, ctx: &Ctx, inputs: &PublicAccessBlockArgs) -> Result<Created<PublicAccessBlockArgs>> {
        put(ctx, inputs).await?;
        Ok(Created { id: inputs.bucket.clone(), state: inputs.clone() })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<PublicAccessBlockArgs>,
    ) -> Result<Option<PublicAccessBlockArgs>> {
        match ctx.clients.s3.get_public_access_block().bucket(id).send().await.map_err(aws(S3, "GetPublicAccessBlock"))
        {
            Ok(out) => Ok(out.public_access_block_configuration().map(|c| PublicAccessBlockArgs {
                bucket: id.to_string(),
                block_public_acls: c.block_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                region: ctx.region().to_string(),
            })),
            Err(e) if e.is_gone() || e.is_code(&["NoSuchPublicAccessBlockConfiguration"]) => Ok(None),
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
            ctx.clients
                .s3
                .delete_public_access_block()
                .bucket(id)
                .send()
                .await
                .map_err(aws(S3, "DeletePublicAccessBlock")),
            Error::is_gone,
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
        .map_err(aws(S3, "PutPublicAccessBlock"))?;
    Ok(())
}
