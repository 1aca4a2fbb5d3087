//! IAM resources (global: no region): roles, managed-policy attachments, the account password
//! policy.

pub mod account_password_policy;
pub mod role;
pub mod role_policy_attachment;

use crate::error::Error;

/// IAM's "does not exist" error.
pub fn is_not_found(e: &Error) -> bool {
    e.is_code(&["NoSuchEntity"])
}
