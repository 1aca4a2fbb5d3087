//! tap: a native Pulumi resource provider that builds a locked-down AWS region.
//!
//! `serve` is the whole provider behind a listener; `main` only binds, prints the port and calls it.

pub mod aws;
pub mod component;
pub mod error;
pub mod log;
pub mod provider;
pub mod resource;
pub mod resources;
pub mod schema;
pub mod validate;
pub mod value;

/// Generated from proto/ by build.rs.
pub mod proto {
    pub mod pulumirpc {
        tonic::include_proto!("pulumirpc");
    }
    pub mod google {
        pub mod rpc {
            tonic::include_proto!("google.rpc");
        }
    }
}

pub use provider::serve;

/// The engine allows 400 MiB messages; tonic's default is 4 MiB.
pub const MAX_MESSAGE_SIZE: usize = 400 * 1024 * 1024;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
