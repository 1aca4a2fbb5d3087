//! `tap:s3:Bucket`: an S3 bucket in its region.
//!
//! AWS APIs: CreateBucket (with the region's location constraint), PutBucketTagging /
//! DeleteBucketTagging / GetBucketTagging, HeadBucket (wait until it exists, read),
//! ListObjectVersions and DeleteObjects (forceDestroy empties every version and delete marker),
//! DeleteBucket. Id: the bucket name. Replaced when bucket or region change. Autonamed
//! `<resource name>-<7 hex>` (or `<bucketPrefix><7 hex>`) when no name is given.

use async_trait::async_trait;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier, Tag, Tagging};
use serde::{Deserialize, Serialize};

use super::{bucket_name_error, is_no_bucket};
use crate::error::{aws, Error, Result};
use crate::resource::{Checker, Ctx, Field, Resource};
use crate::resources::Tags;
use crate::value::Value;

pub struct Bucket;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketInputs {
    pub bucket: String,
    #[serde(default)]
    pub bucket_prefix: Option<String>,
    pub force_destroy: bool,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketOutputs {
    pub bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_prefix: Option<String>,
    #[serde(default)]
    pub force_destroy: bool,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub bucket_domain_name: String,
    #[serde(default)]
    pub bucket_regional_domain_name: String,
}

#[async_trait]
impl Resource for Bucket {
    const TOKEN: &'static str = "tap:s3:Bucket";
    const REPLACE_ON: &'static [&'static str] = &["bucket"];
    type Inputs = BucketInputs;
    type Outputs = BucketOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if c.news.contains_key("bucket") && c.news.contains_key("bucketPrefix") {
            c.fail("bucketPrefix", "give bucket or bucketPrefix, not both");
        }
        // S3 names are lowercase: an autoname from a resource name must be too.
        let prefix = format!("{}-", c.name.to_ascii_lowercase());
        if let Field::Known(name) = c.autoname_from("bucket", "bucketPrefix", 63, &prefix) {
            if let Some(reason) = bucket_name_error(&name) {
                c.fail("bucket", reason);
            }
        }
        c.default("forceDestroy", Value::Bool(false));
        c.bool("forceDestroy");
        c.tags();
    }

    async fn create(&self, ctx: &Ctx, inputs: BucketInputs) -> Result<(String, BucketOutputs)> {
        let s3 = &ctx.clients.s3;
        // us-east-1 is the one region that takes no location constraint.
        let location = (inputs.region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(inputs.region.as_str()))
                .build()
        });
        s3.create_bucket()
            .bucket(&inputs.bucket)
            .set_create_bucket_configuration(location)
            .send()
            .await
            .map_err(aws("CreateBucket"))?;
        let name = inputs.bucket.clone();
        let mut state = outputs(&name, &inputs.region, Tags::new());
        state.bucket_prefix = inputs.bucket_prefix.clone();
        state.force_destroy = inputs.force_destroy;
        ctx.record_created(&name, &state);
        if !inputs.tags.is_empty() {
            // A bucket made a moment ago may not be visible to the next call yet.
            ctx.retry_for(
                "tagging the new bucket (not visible yet)",
                std::time::Duration::from_secs(60),
                is_no_bucket,
                || put_tags(ctx, &name, &inputs.tags),
            )
            .await?;
        }
        state.tags = inputs.tags;
        Ok((name, state))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<BucketOutputs>> {
        let mut found = read_bucket(ctx, id).await?;
        if let Some(b) = &mut found {
            b.bucket_prefix = ctx.prior("bucketPrefix").map(str::to_string);
            b.force_destroy = ctx.prior_bool("forceDestroy");
        }
        Ok(found)
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: BucketOutputs, news: BucketInputs) -> Result<BucketOutputs> {
        if olds.tags != news.tags {
            put_tags(ctx, id, &news.tags).await?;
        }
        let mut state = outputs(id, &news.region, news.tags);
        state.bucket_prefix = news.bucket_prefix;
        state.force_destroy = news.force_destroy;
        Ok(state)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: BucketOutputs) -> Result<()> {
        if olds.force_destroy {
            empty(ctx, id).await?;
        }
        match ctx.clients.s3.delete_bucket().bucket(id).send().await.map_err(aws("DeleteBucket")) {
            Ok(_) => Ok(()),
            Err(e) if is_no_bucket(&e) => Ok(()),
            Err(e) if e.is_code(&["BucketNotEmpty"]) => Err(Error::StillInUse(format!(
                "bucket {id} is not empty: empty it first, or set forceDestroy: true to let tap delete every object version"
            ))),
            Err(e) => Err(e),
        }
    }
}

fn outputs(name: &str, region: &str, tags: Tags) -> BucketOutputs {
    BucketOutputs {
        bucket: name.to_string(),
        bucket_prefix: None,
        force_destroy: false,
        region: region.to_string(),
        tags,
        arn: format!("arn:aws:s3:::{name}"),
        bucket_domain_name: format!("{name}.s3.amazonaws.com"),
        bucket_regional_domain_name: format!("{name}.s3.{region}.amazonaws.com"),
    }
}

/// S3 replaces the whole tag set at once; an empty set is a delete.
async fn put_tags(ctx: &Ctx, name: &str, tags: &Tags) -> Result<()> {
    let s3 = &ctx.clients.s3;
    if tags.is_empty() {
        s3.delete_bucket_tagging().bucket(name).send().await.map_err(aws("DeleteBucketTagging"))?;
        return Ok(());
    }
    let set: Vec<Tag> = tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect();
    let tagging = Tagging::builder().set_tag_set(Some(set)).build().map_err(|e| Error::Internal(e.to_string()))?;
    s3.put_bucket_tagging().bucket(name).tagging(tagging).send().await.map_err(aws("PutBucketTagging"))?;
    Ok(())
}

async fn read_bucket(ctx: &Ctx, name: &str) -> Result<Option<BucketOutputs>> {
    let s3 = &ctx.clients.s3;
    match s3.head_bucket().bucket(name).send().await.map_err(aws("HeadBucket")) {
        Ok(_) => {}
        Err(e) if is_no_bucket(&e) => return Ok(None),
        Err(e) => return Err(e),
    }
    let tags = match s3.get_bucket_tagging().bucket(name).send().await.map_err(aws("GetBucketTagging")) {
        Ok(t) => t.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect(),
        Err(e) if e.is_code(&["NoSuchTagSet", "NoSuchTagSetError"]) => Tags::new(),
        Err(e) if is_no_bucket(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(outputs(name, ctx.region(), tags)))
}

/// Deletes every object version and delete marker, 1000 at a time.
async fn empty(ctx: &Ctx, name: &str) -> Result<()> {
    let s3 = &ctx.clients.s3;
    loop {
        let listed = match s3.list_object_versions().bucket(name).send().await.map_err(aws("ListObjectVersions")) {
            Ok(l) => l,
            Err(e) if is_no_bucket(&e) => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut ids: Vec<ObjectIdentifier> = Vec::new();
        for v in listed.versions() {
            if let Some(key) = v.key() {
                ids.extend(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(v.version_id().map(str::to_string))
                        .build()
                        .ok(),
                );
            }
        }
        for m in listed.delete_markers() {
            if let Some(key) = m.key() {
                ids.extend(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(m.version_id().map(str::to_string))
                        .build()
                        .ok(),
                );
            }
        }
        if ids.is_empty() {
            return Ok(());
        }
        ctx.progress(format!("emptying bucket {name}: deleting {} object versions", ids.len()));
        for chunk in ids.chunks(1000) {
            let delete = Delete::builder()
                .set_objects(Some(chunk.to_vec()))
                .quiet(true)
                .build()
                .map_err(|e| Error::Internal(e.to_string()))?;
            let out = s3.delete_objects().bucket(name).delete(delete).send().await.map_err(aws("DeleteObjects"))?;
            if let Some(err) = out.errors().first() {
                return Err(Error::Aws {
                    operation: "DeleteObjects",
                    code: err.code().unwrap_or_default().to_string(),
                    message: format!(
                        "{}: {} ({})",
                        err.code().unwrap_or_default(),
                        err.message().unwrap_or_default(),
                        err.key().unwrap_or_default()
                    ),
                });
            }
        }
    }
}
