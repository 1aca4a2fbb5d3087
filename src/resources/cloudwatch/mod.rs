//! CloudWatch Logs resources.

pub mod log_group;
