//! EC2 resources, and what they share: tags and EC2's string error codes.

pub mod internet_gateway;
pub mod route_table;
pub mod route_table_association;
pub mod security_group;
pub mod subnet;
pub mod vpc;
pub mod vpc_endpoint;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use crate::error::{aws, Error, Result};

pub use crate::resources::Tags;

/// The tag that carries a VPC endpoint's client token (tap's, not the user's).
pub const CLIENT_TOKEN_TAG: &str = "tap:client-token";

/// Tags to attach at creation.
pub fn tag_spec(resource_type: ResourceType, tags: &Tags) -> Option<TagSpecification> {
    if tags.is_empty() {
        return None;
    }
    Some(TagSpecification::builder().resource_type(resource_type).set_tags(Some(to_tags(tags))).build())
}

fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The user's tags (AWS's own `aws:` tags are not the user's to manage).
pub fn from_tags(tags: &[Tag]) -> Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .filter(|(k, _)| !k.starts_with("aws:") && k != CLIENT_TOKEN_TAG)
        .collect()
}

pub fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// Brings a resource's tags from `old` to `new` with the fewest calls.
pub async fn update_tags(client: &aws_sdk_ec2::Client, id: &str, old: &Tags, new: &Tags) -> Result<()> {
    let removed: Vec<Tag> =
        old.keys().filter(|k| !new.contains_key(*k)).map(|k| Tag::builder().key(k).build()).collect();
    if !removed.is_empty() {
        client.delete_tags().resources(id).set_tags(Some(removed)).send().await.map_err(aws("DeleteTags"))?;
    }
    let changed: Tags =
        new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    if !changed.is_empty() {
        client.create_tags().resources(id).set_tags(Some(to_tags(&changed))).send().await.map_err(aws("CreateTags"))?;
    }
    Ok(())
}

/// Whether an EC2 error says the thing does not exist (`InvalidVpcID.NotFound`, …).
pub fn is_not_found(e: &Error) -> bool {
    e.aws_code().is_some_and(|c| c.ends_with(".NotFound") || c.ends_with("NotFound"))
}

/// Whether an EC2 error says something else still uses the thing.
pub fn is_in_use(e: &Error) -> bool {
    matches!(e.aws_code(), Some("DependencyViolation" | "InvalidGroup.InUse" | "ResourceInUse"))
}
