//! KMS resources: customer managed keys and their aliases.

pub mod alias;
pub mod key;

use std::collections::BTreeMap;

use crate::error::Error;

/// KMS's "does not exist" errors.
pub fn is_not_found(e: &Error) -> bool {
    e.is_code(&["NotFoundException"])
}

pub fn to_tags(tags: &BTreeMap<String, String>) -> Vec<aws_sdk_kms::types::Tag> {
    tags.iter().filter_map(|(k, v)| aws_sdk_kms::types::Tag::builder().tag_key(k).tag_value(v).build().ok()).collect()
}
