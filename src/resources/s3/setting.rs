//! What every per-bucket setting resource shares (versioning, ownership controls, lifecycle,
//! logging, public access block, policy, default encryption): the bucket name is the id, one per bucket, a create and an
//! update write the whole setting (safe to repeat), a read is `None` when the bucket has none,
//! and a delete returns the bucket to having none.

use std::marker::PhantomData;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::check_bucket_name;
use crate::error::{aws, Result, Service::S3};
use crate::resource::fields::Declared;
use crate::resource::{Checker, Created, Ctx, Resource};

/// A setting of one bucket, as AWS holds it.
#[async_trait]
pub trait BucketSetting: Send + Sync + 'static {
    const TOKEN: &'static str;
    /// The setting's inputs (and state): `bucket`, the setting, `region`.
    type Args: Declared + DeserializeOwned + Serialize + Clone + Send + Sync;

    fn bucket(args: &Self::Args) -> &str;

    /// The setting's own rules, beyond the bucket name's.
    fn check(_c: &mut Checker<'_>) {}

    /// Writes the whole setting.
    async fn put(ctx: &Ctx, args: &Self::Args) -> Result<()>;

    /// The setting the bucket has (`None`: none, or no bucket).
    async fn get(ctx: &Ctx, bucket: &str) -> Result<Option<Self::Args>>;

    /// Returns the bucket to having none (what S3 cannot remove, such as versioning, it turns off).
    async fn remove(ctx: &Ctx, bucket: &str) -> Result<()>;
}

/// The resource of a bucket setting.
pub struct Setting<S>(PhantomData<S>);

impl<S> Setting<S> {
    pub fn new() -> Setting<S> {
        Setting(PhantomData)
    }
}

#[async_trait]
impl<S: BucketSetting> Resource for Setting<S> {
    const TOKEN: &'static str = S::TOKEN;
    type Inputs = S::Args;
    type State = S::Args;
    /// Untagged, and its create is safe to repeat: no marker.
    const MARKED: bool = false;

    /// One per bucket: a replacement on the same bucket deletes the old one first (else the old
    /// one's delete would remove the new one).
    fn replace_conflicts(&self, _name: &str, olds: &S::Args, news: &S::Args) -> bool {
        S::bucket(olds) == S::bucket(news)
    }

    fn check(&self, c: &mut Checker<'_>) {
        check_bucket_name(c, "bucket");
        S::check(c);
    }

    async fn create(&self, ctx: &Ctx, inputs: &S::Args) -> Result<Created<S::Args>> {
        S::put(ctx, inputs).await?;
        Ok(Created { id: S::bucket(inputs).to_string(), state: inputs.clone() })
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<S::Args>) -> Result<Option<S::Args>> {
        match S::get(ctx, id).await {
            Err(e) if e.is_gone() => Ok(None),
            // A bucket deleted behind tap's back may be answered oddly (moto's versioning of a
            // deleted bucket does not parse): gone if the bucket is.
            Err(e) => match ctx.clients.s3.head_bucket().bucket(id).send().await.map_err(aws(S3, "HeadBucket")) {
                Err(head) if head.is_gone() => Ok(None),
                _ => Err(e),
            },
            ok => ok,
        }
    }

    async fn update(&self, ctx: &Ctx, _id: &str, _olds: S::Args, news: S::Args) -> Result<S::Args> {
        S::put(ctx, &news).await?;
        Ok(news)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: S::Args) -> Result<()> {
        match S::remove(ctx, id).await {
            Err(e) if e.is_gone() => Ok(()),
            other => other,
        }
    }
}

/// `None` for the codes S3 answers a bucket without the setting with.
pub fn none_when<T>(result: Result<T>, codes: &[&str]) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_gone() || e.is_code(codes) => Ok(None),
        Err(e) => Err(e),
    }
}
