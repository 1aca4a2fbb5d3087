//! KMS resources: customer managed keys and their aliases.

pub mod alias;
pub mod key;

use crate::resources::tags::Tags;

pub fn to_tags(tags: &Tags) -> Vec<aws_sdk_kms::types::Tag> {
    tags.iter().filter_map(|(k, v)| aws_sdk_kms::types::Tag::builder().tag_key(k).tag_value(v).build().ok()).collect()
}

/// A key's tags as pairs (tap's and the user's).
pub fn tags_of(tags: &[aws_sdk_kms::types::Tag]) -> Vec<(String, String)> {
    tags.iter().map(|t| (t.tag_key().to_string(), t.tag_value().to_string())).collect()
}
