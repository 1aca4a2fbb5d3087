//! API Gateway resources.

pub mod rest_api;
