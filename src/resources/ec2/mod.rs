//! EC2 resources, and what they share: tags at creation and after, filters.

pub mod default_network_acl;
pub mod default_security_group;
pub mod ebs_encryption_by_default;
pub mod flow_log;
pub mod internet_gateway;
pub mod route_table;
pub mod route_table_association;
pub mod security_group;
pub mod subnet;
pub mod vpc;
pub mod vpc_endpoint;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use crate::error::{aws, Result, Service::Ec2};
use crate::resource::{Ctx, MARKER_TAG};
use crate::resources::tags::{self, TagChange, Tags};

/// The tag that carries a VPC endpoint's client token (tap's, not the user's).
pub const CLIENT_TOKEN_TAG: &str = "tap:client-token";

/// The user's tags and tap's marker, attached at creation (so the marker exists exactly when
/// the resource does).
pub fn tag_spec(ctx: &Ctx, resource_type: ResourceType, tags: &Tags) -> Option<Vec<TagSpecification>> {
    let tags = to_tags(&ctx.marked(tags));
    Some(vec![TagSpecification::builder().resource_type(resource_type).set_tags(Some(tags)).build()])
}

/// The ids of this region's EC2 resources that carry this URN's marker, without those this
/// process has seen (the resource a replacement replaces). All marked resources of the region
/// are read once per process (one DescribeTags, started early by Construct); `fresh` reads
/// this URN's again, for a create whose answer may have been lost a moment ago.
pub async fn marked(ctx: &Ctx, fresh: bool) -> Result<Vec<String>> {
    let ids = if fresh {
        let index = read_markers(ctx.clients.as_ref(), Some(ctx.marker())).await?;
        index.get(ctx.marker()).cloned().unwrap_or_default()
    } else {
        let index = ctx
            .clients
            .ec2_markers
            .get_or_try_init(|| async { read_markers(ctx.clients.as_ref(), None).await.map(Arc::new) })
            .await?;
        index.get(ctx.marker()).cloned().unwrap_or_default()
    };
    Ok(ids.into_iter().filter(|id| !ctx.is_seen(id)).collect())
}

/// Reads the marked EC2 resources of a region before the first create needs them.
pub async fn prefetch_markers(clients: Arc<crate::aws::Clients>) {
    let _ = clients.ec2_markers.get_or_try_init(|| async { read_markers(&clients, None).await.map(Arc::new) }).await;
}

async fn read_markers(clients: &crate::aws::Clients, marker: Option<&str>) -> Result<HashMap<String, Vec<String>>> {
    let mut request = clients.ec2.describe_tags().filters(filter("key", MARKER_TAG));
    if let Some(marker) = marker {
        request = request.filters(filter("value", marker));
    }
    let mut pages = request.into_paginator().send();
    let mut index: HashMap<String, Vec<String>> = HashMap::new();
    while let Some(page) = pages.next().await {
        for tag in page.map_err(aws(Ec2, "DescribeTags"))?.tags() {
            if let (Some(id), Some(value)) = (tag.resource_id(), tag.value()) {
                index.entry(value.to_string()).or_default().push(id.to_string());
            }
        }
    }
    Ok(index)
}

/// The first marked resource `read` finds (an earlier attempt's), as a created resource.
pub async fn adopt<S, F, Fut>(ctx: &Ctx, fresh: bool, read: F) -> Result<Option<crate::resource::Created<S>>>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<S>>>,
{
    for id in marked(ctx, fresh).await? {
        if let Some(state) = read(id.clone()).await? {
            return Ok(Some(crate::resource::Created { id, state }));
        }
    }
    Ok(None)
}

/// Adds the marker to a resource made before tap marked its resources (or imported).
pub async fn mark(ctx: &Ctx, id: &str) -> Result<()> {
    let marker = Tag::builder().key(MARKER_TAG).value(ctx.marker()).build();
    ctx.clients.ec2.create_tags().resources(id).tags(marker).send().await.map_err(aws(Ec2, "CreateTags"))?;
    Ok(())
}

pub fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The user's tags of an EC2 resource.
pub fn from_tags(all: &[Tag]) -> Tags {
    tags::user(all.iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string()))))
}

pub fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// Brings a resource's tags from `old` to `new` with the fewest calls.
pub async fn update_tags(client: &aws_sdk_ec2::Client, id: &str, old: &Tags, new: &Tags) -> Result<()> {
    TagChange::between(old, new)
        .apply(
            |keys| async move {
                let removed = keys.iter().map(|k| Tag::builder().key(k).build()).collect();
                client
                    .delete_tags()
                    .resources(id)
                    .set_tags(Some(removed))
                    .send()
                    .await
                    .map_err(aws(Ec2, "DeleteTags"))?;
                Ok(())
            },
            |set| async move {
                let request = client.create_tags().resources(id).set_tags(Some(to_tags(&set)));
                request.send().await.map_err(aws(Ec2, "CreateTags"))?;
                Ok(())
            },
        )
        .await
}
