//! IAM resources (global: no region): roles, their inline policies and managed-policy
//! attachments, the account password policy.

pub mod account_password_policy;
pub mod role;
pub mod role_policy;
pub mod role_policy_attachment;

use crate::resources::tags::Tags;

pub fn to_tags(tags: &Tags) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter().filter_map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build().ok()).collect()
}
