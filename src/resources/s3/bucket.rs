//! `tap:s3:Bucket`: an S3 bucket in its region.
//!
//! AWS APIs: CreateBucket (with the region's location constraint), PutBucketTagging /
//! DeleteBucketTagging / GetBucketTagging, HeadBucket (wait until it exists, read),
//! ListObjectVersions and DeleteObjects (forceDestroy empties every version and delete marker),
//! DeleteBucket. Id: the bucket name. Replaced when bucket or region change. Autonamed
//! `<resource name>-<7 hex>` (or `<bucketPrefix><7 hex>`) when no name is given.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier, Tag, Tagging};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::check_bucket_name;
use crate::error::{aws, Error, Result, Service::S3};
use crate::resource::{Checker, Created, Ctx, Resource, MARKER_TAG};
use crate::resources::tags::{self, Tags};

pub struct Bucket;

/// The autoname's prefix from a resource name: S3 names are lowercase letters, digits and
/// hyphens, so `My_Stack-us-east-1` gives `my-stack-us-east-1-`.
pub fn autoname_prefix(name: &str) -> String {
    let lowered: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' })
        .collect();
    format!("{}-", lowered.trim_matches('-'))
}

/// An S3 bucket in its region. Tags and forceDestroy update in place; renaming it replaces it.
/// Import with the bucket name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct BucketInputs {
    /// The bucket's name, globally unique (autonamed `<resource name>-<7 hex>`, in S3's
    /// characters, when neither it nor bucketPrefix is given).
    #[field(replace, identity)]
    pub bucket: String,
    /// A prefix for the autoname.
    #[field(identity)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_prefix: Option<String>,
    /// The autoname's prefix when neither bucket nor bucketPrefix is given and the stack configures no
    /// autonaming: a component's own default for its child (not in the schema).
    #[field(private)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoname_prefix: Option<String>,
    /// Whether destroy first deletes every object version in the bucket (default false).
    #[field(default = false)]
    #[serde(default)]
    pub force_destroy: bool,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The bucket as S3 reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct BucketOutputs {
    #[serde(flatten)]
    pub inputs: BucketInputs,
    /// The bucket's ARN.
    #[field(from = "bucket")]
    #[serde(default)]
    pub arn: String,
    /// `<bucket>.s3.amazonaws.com`.
    #[field(from = "bucket")]
    #[serde(default)]
    pub bucket_domain_name: String,
    /// `<bucket>.s3.<region>.amazonaws.com`.
    #[field(from = "bucket, region")]
    #[serde(default)]
    pub bucket_regional_domain_name: String,
}

#[async_trait]
impl Resource for Bucket {
    const TOKEN: &'static str = "tap:s3:Bucket";
    type Inputs = BucketInputs;
    type State = BucketOutputs;
    /// Autonamed from the engine's random seed, new on every run.
    const RENAMED: &'static [&'static str] = &["bucket"];

    fn check(&self, c: &mut Checker<'_>) {
        let prefix = c.string("autonamePrefix").known().unwrap_or_else(|| autoname_prefix(c.name()));
        c.autoname("bucket", "bucketPrefix", 63, &prefix);
        check_bucket_name(c, "bucket");
        tags::check(c, "tags", 1);
    }

    /// Bucket names are global: a replacement keeping a name the program gave deletes the old
    /// one first (an autoname is new for the replacement).
    fn replace_conflicts(&self, name: &str, olds: &BucketOutputs, news: &BucketInputs) -> bool {
        let prefix = news
            .bucket_prefix
            .clone()
            .or_else(|| news.autoname_prefix.clone())
            .unwrap_or_else(|| autoname_prefix(name));
        olds.inputs.bucket == news.bucket && !crate::resource::check::autonamed(&news.bucket, &prefix, 63)
    }

    /// The bucket of this name when it carries the marker; else, for a name with a random
    /// suffix (new on every run), the marked bucket of this region among those with the prefix.
    async fn find(&self, ctx: &Ctx, inputs: &BucketInputs, fresh: bool) -> Result<Option<Created<BucketOutputs>>> {
        if read_bucket(ctx, &inputs.bucket).await?.is_some() {
            // `fresh`: a CreateBucket for exactly this name (random per run) was sent moments ago and
            // its answer lost; an S3 that ignores tags at creation (moto) has not marked it yet.
            let ours = marked(ctx, &inputs.bucket).await? || (fresh && untagged(ctx, &inputs.bucket).await?);
            if ours && !ctx.is_seen(&inputs.bucket) {
                return Ok(Some(Created { id: inputs.bucket.clone(), state: read_and_keep(ctx, inputs).await? }));
            }
            return Err(Error::Taken(format!(
                "the bucket {} already exists and was not made by tap for this resource: import it \
                 (pulumi import tap:s3:Bucket <name> {}@{}) or choose another name",
                inputs.bucket, inputs.bucket, inputs.region
            )));
        }
        let prefix = match &inputs.bucket_prefix {
            Some(p) => p.clone(),
            None => inputs.bucket.chars().take(inputs.bucket.chars().count().saturating_sub(7)).collect(),
        };
        let mut pages = ctx.clients.s3.list_buckets().prefix(&prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            for bucket in page.map_err(aws(S3, "ListBuckets"))?.buckets() {
                let Some(name) = bucket.name().filter(|n| n.starts_with(&prefix) && !ctx.is_seen(n)) else { continue };
                if bucket.bucket_region().is_some_and(|r| r != inputs.region) || !marked(ctx, name).await? {
                    continue;
                }
                let inputs = BucketInputs { bucket: name.to_string(), ..inputs.clone() };
                return Ok(Some(Created { id: name.to_string(), state: read_and_keep(ctx, &inputs).await? }));
            }
        }
        Ok(None)
    }

    /// CreateBucket carries the tags (with tap's marker) in its configuration, so the marker
    /// exists exactly when the bucket does; moto ignores them there (a gap
    /// `tests::create_bucket_sends_the_marker_with_the_bucket` names), so finish puts them too.
    async fn create(&self, ctx: &Ctx, inputs: &BucketInputs) -> Result<Created<BucketOutputs>> {
        create_request(&ctx.clients.s3, inputs, &ctx.marked(&inputs.tags))
            .customize()
            .config_override(crate::aws::once::s3())
            .send()
            .await
            .map_err(aws(S3, "CreateBucket"))?;
        let state = outputs(ctx, BucketInputs { tags: Tags::new(), ..inputs.clone() });
        Ok(Created { id: inputs.bucket.clone(), state })
    }

    async fn finish(&self, ctx: &Ctx, id: &str, inputs: &BucketInputs, state: &mut BucketOutputs) -> Result<()> {
        // A bucket made a moment ago may not be visible to the next call yet.
        ctx.retry_for("tagging the new bucket (not visible yet)", Duration::from_secs(60), Error::is_gone, || {
            put_tags(ctx, id, &inputs.tags)
        })
        .await?;
        state.inputs.tags = inputs.tags.clone();
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: Option<BucketOutputs>) -> Result<Option<BucketOutputs>> {
        let mut found = read_bucket(ctx, id).await?;
        if let (Some(b), Some(prior)) = (&mut found, prior) {
            // Neither is stored in S3: they exist only in tap's state.
            b.inputs.bucket_prefix = prior.inputs.bucket_prefix;
            b.inputs.autoname_prefix = prior.inputs.autoname_prefix;
            b.inputs.force_destroy = prior.inputs.force_destroy;
        }
        Ok(found)
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: BucketOutputs, news: BucketInputs) -> Result<BucketOutputs> {
        if olds.inputs.tags != news.tags {
            put_tags(ctx, id, &news.tags).await?;
        }
        Ok(outputs(ctx, BucketInputs { bucket: id.to_string(), ..news }))
    }

    async fn mark(&self, ctx: &Ctx, id: &str, state: &BucketOutputs) -> Result<()> {
        put_tags(ctx, id, &state.inputs.tags).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: BucketOutputs) -> Result<()> {
        if olds.inputs.force_destroy {
            empty(ctx, id).await?;
        }
        match ctx.clients.s3.delete_bucket().bucket(id).send().await.map_err(aws(S3, "DeleteBucket")) {
            Ok(_) => Ok(()),
            Err(e) if e.is_gone() => Ok(()),
            Err(e) if e.is_in_use() => Err(Error::StillInUse(format!(
                "bucket {id} is not empty: empty it first, or set forceDestroy: true to let tap delete every object version"
            ))),
            Err(e) => Err(e),
        }
    }
}

fn outputs(ctx: &Ctx, inputs: BucketInputs) -> BucketOutputs {
    let name = inputs.bucket.clone();
    let region = inputs.region.clone();
    let suffix = crate::aws::dns_suffix(&region);
    BucketOutputs {
        arn: crate::aws::arn(ctx.clients.partition(), "s3", "", "", &name),
        bucket_domain_name: format!("{name}.s3.{suffix}"),
        bucket_regional_domain_name: format!("{name}.s3.{region}.{suffix}"),
        inputs,
    }
}

/// The CreateBucket request: the region's location constraint (us-east-1 is the one region that
/// takes none) and the tags.
pub fn create_request(
    client: &aws_sdk_s3::Client,
    inputs: &BucketInputs,
    tags: &Tags,
) -> aws_sdk_s3::operation::create_bucket::builders::CreateBucketFluentBuilder {
    let config = CreateBucketConfiguration::builder()
        .set_location_constraint(
            (inputs.region != "us-east-1").then(|| BucketLocationConstraint::from(inputs.region.as_str())),
        )
        .set_tags(Some(to_tags(tags)))
        .build();
    client.create_bucket().bucket(&inputs.bucket).create_bucket_configuration(config)
}

fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect()
}

/// Whether the bucket carries this URN's marker.
async fn marked(ctx: &Ctx, name: &str) -> Result<bool> {
    match ctx.clients.s3.get_bucket_tagging().bucket(name).send().await.map_err(aws(S3, "GetBucketTagging")) {
        Ok(t) => Ok(t.tag_set().iter().any(|t| t.key() == MARKER_TAG && t.value() == ctx.marker())),
        Err(e) if e.is_gone() || e.is_code(&["NoSuchTagSet", "NoSuchTagSetError"]) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether the bucket has no tags at all (so no other owner's marker either).
async fn untagged(ctx: &Ctx, name: &str) -> Result<bool> {
    match ctx.clients.s3.get_bucket_tagging().bucket(name).send().await.map_err(aws(S3, "GetBucketTagging")) {
        Ok(t) => Ok(t.tag_set().is_empty()),
        Err(e) if e.is_code(&["NoSuchTagSet", "NoSuchTagSetError"]) => Ok(true),
        Err(e) => Err(e),
    }
}

/// An earlier attempt's bucket, with what S3 does not store taken from the inputs.
async fn read_and_keep(ctx: &Ctx, inputs: &BucketInputs) -> Result<BucketOutputs> {
    let mut state = read_bucket(ctx, &inputs.bucket)
        .await?
        .ok_or_else(|| Error::Internal(format!("bucket {} vanished while being adopted", inputs.bucket)))?;
    state.inputs.bucket_prefix = inputs.bucket_prefix.clone();
    state.inputs.autoname_prefix = inputs.autoname_prefix.clone();
    state.inputs.force_destroy = inputs.force_destroy;
    Ok(state)
}

/// S3 replaces the whole tag set at once: the user's tags go with tap's marker.
async fn put_tags(ctx: &Ctx, name: &str, tags: &Tags) -> Result<()> {
    let s3 = &ctx.clients.s3;
    let set = to_tags(&ctx.marked(tags));
    let tagging = Tagging::builder().set_tag_set(Some(set)).build().map_err(|e| Error::Internal(e.to_string()))?;
    s3.put_bucket_tagging().bucket(name).tagging(tagging).send().await.map_err(aws(S3, "PutBucketTagging"))?;
    Ok(())
}

async fn read_bucket(ctx: &Ctx, name: &str) -> Result<Option<BucketOutputs>> {
    let s3 = &ctx.clients.s3;
    match s3.head_bucket().bucket(name).send().await.map_err(aws(S3, "HeadBucket")) {
        Ok(_) => {}
        Err(e) if e.is_gone() => return Ok(None),
        Err(e) => return Err(e),
    }
    let tags = match s3.get_bucket_tagging().bucket(name).send().await.map_err(aws(S3, "GetBucketTagging")) {
        Ok(t) => tags::user(t.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string()))),
        Err(e) if e.is_code(&["NoSuchTagSet", "NoSuchTagSetError"]) => Tags::new(),
        Err(e) if e.is_gone() => return Ok(None),
        Err(e) => return Err(e),
    };
    let inputs = BucketInputs {
        bucket: name.to_string(),
        bucket_prefix: None,
        autoname_prefix: None,
        force_destroy: false,
        region: ctx.region().to_string(),
        tags,
    };
    Ok(Some(outputs(ctx, inputs)))
}

/// Deletes every object version and delete marker, 1000 at a time.
async fn empty(ctx: &Ctx, name: &str) -> Result<()> {
    let s3 = &ctx.clients.s3;
    loop {
        let listed = match s3.list_object_versions().bucket(name).send().await.map_err(aws(S3, "ListObjectVersions")) {
            Ok(l) => l,
            Err(e) if e.is_gone() => return Ok(()),
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
            let out = s3.delete_objects().bucket(name).delete(delete).send().await.map_err(aws(S3, "DeleteObjects"))?;
            if let Some(err) = out.errors().first() {
                return Err(Error::Aws {
                    service: S3,
                    operation: "DeleteObjects",
                    fault: crate::error::Fault::Refused,
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

#[cfg(test)]
mod tests {
    #[test]
    fn autonames_from_resource_names_are_s3_names() {
        assert_eq!(super::autoname_prefix("My_Stack-us-east-1-secure-bucket"), "my-stack-us-east-1-secure-bucket-");
        assert_eq!(super::autoname_prefix("_web."), "web-");
    }

    /// A component's default prefix names its child unless the stack configures autonaming; a
    /// program's own prefix wins over both.
    #[test]
    fn a_components_default_prefix_yields_to_the_stacks_autonaming() {
        use crate::resource::check::Autonaming;
        use crate::resource::DynResource;
        use crate::value::{PropertyMap, Value};
        let name = |extra: &[(&str, &str)], autonaming: Option<Autonaming>| {
            let mut news: PropertyMap = [("region", "us-east-1"), ("autonamePrefix", "east-us-east-1-secure-bucket-")]
                .iter()
                .chain(extra)
                .map(|(k, v)| (k.to_string(), Value::str(*v)))
                .collect();
            news.insert("tags".into(), Value::Object(PropertyMap::new()));
            let (checked, failures) =
                Bucket.check_named(&PropertyMap::new(), news, "east-secure-bucket", &[1, 2, 3, 4], None, autonaming);
            assert!(failures.is_empty(), "{failures:?}");
            checked["bucket"].to_json().as_str().unwrap_or_default().to_string()
        };
        assert_eq!(name(&[], None), "east-us-east-1-secure-bucket-0102030");
        assert_eq!(
            name(&[], Some(Autonaming::Propose("proj-east-secure-bucket-ab12".into()))),
            "proj-east-secure-bucket-ab12"
        );
        assert_eq!(name(&[], Some(Autonaming::Enforce("east-secure-bucket".into()))), "east-secure-bucket");
        assert_eq!(name(&[("bucketPrefix", "mine-")], Some(Autonaming::Propose("other".into()))), "mine-0102030");
    }

    use super::*;

    fn client() -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("eu-central-1"))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    fn inputs(region: &str) -> BucketInputs {
        BucketInputs {
            bucket: "logs-0102030".into(),
            bucket_prefix: None,
            autoname_prefix: None,
            force_destroy: false,
            region: region.into(),
            tags: [("Team".to_string(), "core".to_string())].into_iter().collect(),
        }
    }

    #[test]
    fn a_secret_bucket_name_is_refused_since_it_is_the_id() {
        use crate::resource::DynResource;
        use crate::value::{PropertyMap, Value};
        for key in ["bucket", "bucketPrefix"] {
            let news: PropertyMap =
                [(key.to_string(), Value::Secret(Box::new(Value::str("hidden-bucket-name"))))].into_iter().collect();
            let (_, failures) = DynResource::check(&Bucket, &PropertyMap::new(), news, "b", &[], Some("us-east-1"));
            assert_eq!(failures.len(), 1, "{failures:?}");
            assert_eq!(failures[0].property, key);
            assert!(failures[0].reason.contains("plaintext") && !failures[0].reason.contains("hidden"), "{failures:?}");
        }
    }

    /// The tags ride in CreateBucketConfiguration, so AWS makes the bucket and its marker in one
    /// call. moto ignores them there (it stores no tags from CreateBucket), which is why finish
    /// puts them as well and the lost-answer suite cannot see this request's tags: it is checked here.
    #[test]
    fn create_bucket_sends_the_marker_with_the_bucket() {
        let mut tags = inputs("eu-central-1").tags;
        tags.insert(MARKER_TAG.to_string(), "abc".to_string());
        let request = create_request(&client(), &inputs("eu-central-1"), &tags);
        let input = request.as_input();
        assert_eq!(input.get_bucket().as_deref(), Some("logs-0102030"));
        let config = input.get_create_bucket_configuration().as_ref().expect("configuration");
        assert_eq!(config.location_constraint().map(|c| c.as_str()), Some("eu-central-1"));
        let sent: Vec<(&str, &str)> = config.tags().iter().map(|t| (t.key(), t.value())).collect();
        assert_eq!(sent, [("Team", "core"), (MARKER_TAG, "abc")]);

        let request = create_request(&client(), &inputs("us-east-1"), &tags);
        let config = request.as_input().get_create_bucket_configuration().clone().expect("configuration");
        assert_eq!(config.location_constraint(), None, "us-east-1 takes no location constraint");
        assert_eq!(config.tags().len(), 2);
    }
}
