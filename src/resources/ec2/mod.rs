//! EC2 resources, and what they share: tags at creation and after, filters.

pub mod internet_gateway;
pub mod route_table;
pub mod route_table_association;
pub mod security_group;
pub mod subnet;
pub mod vpc;
pub mod vpc_endpoint;

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use crate::error::{aws, Result, Service::Ec2};
use crate::resources::tags::{TagChange, Tags};

/// The tag that carries a VPC endpoint's client token (tap's, not the user's).
pub const CLIENT_TOKEN_TAG: &str = "tap:client-token";

/// Tags to attach at creation.
pub fn tag_spec(resource_type: ResourceType, tags: &Tags) -> Option<Vec<TagSpecification>> {
    if tags.is_empty() {
        return None;
    }
    Some(vec![TagSpecification::builder().resource_type(resource_type).set_tags(Some(to_tags(tags))).build()])
}

pub fn to_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The user's tags (AWS's own `aws:` tags and tap's are not the user's to manage).
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
