//! tap: a native Pulumi resource provider that builds a locked-down AWS region.
//!
//! `serve` is the whole provider behind a listener; `main` only binds, prints the port and calls
//! it. Tests reach the provider the way the engine does (gRPC), plus the value codec, the protos
//! and the AWS client setup they use to check what happened.

pub mod aws;
mod component;
mod config;
mod error;
mod log;
mod provider;
mod resource;
mod resources;
mod schema;
mod secrets;
mod validate;
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

pub use log::diagnostics;
pub use provider::{no_delay, serve};

/// The schema the code declares, as schema.json holds it (`make schema` writes it).
pub fn schema() -> String {
    schema::render()
}

/// What the tests need of the internals: reproducing an earlier, interrupted create.
#[doc(hidden)]
pub mod testing {
    pub use crate::resource::{marker_of, MARKER_TAG};
    pub use crate::resources::ec2::default_network_acl::{admits, AclRule};
    pub use crate::resources::ec2::vpc_endpoint::{client_token, create_request, VpcEndpointInputs};

    /// The outputs of `token` computed from inputs, with those inputs (`#[field(from = …)]`).
    pub fn derived_outputs(token: &str) -> Vec<(&'static str, &'static [&'static str])> {
        let registry = crate::resources::Registry::new();
        let fields = registry.get(token).map(|r| r.state_fields()).unwrap_or_default();
        fields.into_iter().filter(|f| !f.from.is_empty()).map(|f| (f.name, f.from)).collect()
    }

    /// The inputs of `token` that become part of its id or name, which cannot be secret.
    pub fn identity_inputs(token: &str) -> Vec<&'static str> {
        let registry = crate::resources::Registry::new();
        let fields = registry.get(token).map(|r| r.input_fields()).unwrap_or_default();
        fields.into_iter().filter(|f| f.identity).map(|f| f.name).collect()
    }
}

/// The engine allows 400 MiB messages; tonic's default is 4 MiB.
pub const MAX_MESSAGE_SIZE: usize = 400 * 1024 * 1024;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The plugin server the package names (schema `pluginDownloadURL`; empty: none), baked in at
/// build time from src/metadata.json or TAP_PLUGIN_DOWNLOAD_URL (build.rs). The component's
/// children are registered with it and VERSION, as the generated SDKs register the component,
/// so the engine gives both the same provider.
pub const PLUGIN_DOWNLOAD_URL: &str = env!("TAP_PLUGIN_DOWNLOAD_URL");
