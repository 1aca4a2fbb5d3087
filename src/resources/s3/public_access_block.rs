//! `tap:s3:BucketPublicAccessBlock`: a bucket's public access block.
//!
//! AWS APIs: PutPublicAccessBlock (create and update), GetPublicAccessBlock,
//! DeletePublicAccessBlock. Id: the bucket name. Replaced when bucket or region change.

use async_trait::async_trait;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::setting::{none_when, BucketSetting, Setting};
use super::BUCKET_HINT;
use crate::error::{aws, Result, Service::S3};
use crate::resource::Ctx;

pub struct PublicAccessBlock;

/// The resource.
pub type BucketPublicAccessBlock = Setting<PublicAccessBlock>;

/// What S3 answers for a bucket without one.
const NONE: &str = "NoSuchPublicAccessBlockConfiguration";

/// The four switches of a public access block, a bucket's or the account's.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:s3:PublicAccessBlockFlags")]
pub struct PublicAccessFlags {
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
}

/// Conversions between the flags and an SDK's configuration (S3's and S3 Control's are distinct
/// types of one shape).
macro_rules! configuration {
    ($config:ty) => {
        impl From<PublicAccessFlags> for $config {
            fn from(f: PublicAccessFlags) -> $config {
                <$config>::builder()
                    .block_public_acls(f.block_public_acls)
                    .block_public_policy(f.block_public_policy)
                    .ignore_public_acls(f.ignore_public_acls)
                    .restrict_public_buckets(f.restrict_public_buckets)
                    .build()
            }
        }

        impl From<&$config> for PublicAccessFlags {
            fn from(c: &$config) -> PublicAccessFlags {
                PublicAccessFlags {
                    block_public_acls: c.block_public_acls().unwrap_or(false),
                    block_public_policy: c.block_public_policy().unwrap_or(false),
                    ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                    restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                }
            }
        }
    };
}

configuration!(PublicAccessBlockConfiguration);
configuration!(aws_sdk_s3control::types::PublicAccessBlockConfiguration);

/// A bucket's public access block. The four flags update in place; changing bucket replaces it.
/// Import with the bucket name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct PublicAccessBlockArgs {
    /// The bucket's name.
    #[field(replace, identity, required = BUCKET_HINT)]
    pub bucket: String,
    #[serde(flatten)]
    pub flags: PublicAccessFlags,
    #[field(region)]
    pub region: String,
}

#[async_trait]
impl BucketSetting for PublicAccessBlock {
    const TOKEN: &'static str = "tap:s3:BucketPublicAccessBlock";
    type Args = PublicAccessBlockArgs;

    fn bucket(args: &PublicAccessBlockArgs) -> &str {
        &args.bucket
    }

    async fn put(ctx: &Ctx, args: &PublicAccessBlockArgs) -> Result<()> {
        let config = PublicAccessBlockConfiguration::from(args.flags);
        let request = ctx.clients.s3.put_public_access_block().bucket(&args.bucket);
        request.public_access_block_configuration(config).send().await.map_err(aws(S3, "PutPublicAccessBlock"))?;
        Ok(())
    }

    async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<PublicAccessBlockArgs>> {
        let out = ctx.clients.s3.get_public_access_block().bucket(bucket).send().await;
        let out = none_when(out.map_err(aws(S3, "GetPublicAccessBlock")), &[NONE])?;
        Ok(out.as_ref().and_then(|o| o.public_access_block_configuration()).map(|c| PublicAccessBlockArgs {
            bucket: bucket.to_string(),
            flags: c.into(),
            region: ctx.region().to_string(),
        }))
    }

    async fn remove(ctx: &Ctx, bucket: &str) -> Result<()> {
        let out = ctx.clients.s3.delete_public_access_block().bucket(bucket).send().await;
        none_when(out.map_err(aws(S3, "DeletePublicAccessBlock")), &[NONE])?;
        Ok(())
    }
}
