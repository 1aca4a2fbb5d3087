//! Components (Construct, PROTOCOL.md §8): the engine's monitor, the child graph helper, and
//! `tap:index:SecureRegion`.

pub mod graph;
pub mod monitor;
pub mod secure_region;

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::proto::pulumirpc as rpc;
use monitor::Monitor;

/// Registers the component itself with the request's options and returns the monitor its
/// children are registered through.
pub async fn register_component(req: &rpc::ConstructRequest) -> Result<Monitor> {
    let client = Monitor::connect(&req.monitor_endpoint).await?;
    let timeouts = req.custom_timeouts.as_ref().map(|t| rpc::register_resource_request::CustomTimeouts {
        create: t.create.clone(),
        update: t.update.clone(),
        delete: t.delete.clone(),
        read: t.read.clone(),
    });
    let component = rpc::RegisterResourceRequest {
        r#type: req.r#type.clone(),
        name: req.name.clone(),
        parent: req.parent.clone(),
        custom: false,
        remote: false,
        object: req.inputs.clone(),
        protect: req.protect,
        dependencies: req.dependencies.clone(),
        property_dependencies: req
            .input_dependencies
            .iter()
            .map(|(k, v)| (k.clone(), rpc::register_resource_request::PropertyDependencies { urns: v.urns.clone() }))
            .collect(),
        providers: req.providers.clone(),
        aliases: req.aliases.clone(),
        alias_specs: true,
        delete_before_replace: req.delete_before_replace.unwrap_or(false),
        delete_before_replace_defined: req.delete_before_replace.is_some(),
        retain_on_delete: req.retain_on_delete,
        deleted_with: req.deleted_with.clone(),
        custom_timeouts: timeouts.clone(),
        ignore_changes: req.ignore_changes.clone(),
        replace_on_changes: req.replace_on_changes.clone(),
        additional_secret_outputs: req.additional_secret_outputs.clone(),
        accept_secrets: true,
        accept_resources: true,
        supports_partial_values: true,
        supports_result_reporting: true,
        ..Default::default()
    };
    let registered = client
        .clone()
        .register_resource(component)
        .await
        .map_err(|s| Error::Internal(format!("registering the component: {}", s.message())))?
        .into_inner();
    Ok(Monitor::new(client, registered.urn, req.name.clone(), timeouts))
}

/// The response Construct returns: the component's URN and outputs with their dependencies.
pub fn response(
    urn: String,
    state: &crate::value::PropertyMap,
    deps: BTreeMap<String, Vec<String>>,
) -> rpc::ConstructResponse {
    rpc::ConstructResponse {
        urn,
        state: Some(crate::value::encode_struct(state)),
        state_dependencies: deps
            .into_iter()
            .map(|(k, urns)| (k, rpc::construct_response::PropertyDependencies { urns }))
            .collect(),
    }
}
