//! The engine's ResourceMonitor, as one component instance uses it (PROTOCOL.md §8).

use std::collections::BTreeMap;

use tonic::transport::Channel;

use super::graph::Child;
use crate::error::{Error, Result};
use crate::proto::pulumirpc as rpc;
use crate::proto::pulumirpc::resource_monitor_client::ResourceMonitorClient;
use crate::value::{self, PropertyMap};

#[derive(Clone)]
pub struct Monitor {
    client: ResourceMonitorClient<Channel>,
    /// The component's URN: every child's parent.
    pub parent: String,
    /// The component's name: every child's name starts with it.
    pub name: String,
    pub custom_timeouts: Option<rpc::register_resource_request::CustomTimeouts>,
}

impl Monitor {
    pub async fn connect(endpoint: &str) -> Result<ResourceMonitorClient<Channel>> {
        let url = if endpoint.contains("://") { endpoint.to_string() } else { format!("http://{endpoint}") };
        let channel = tonic::transport::Endpoint::from_shared(url)
            .map_err(|e| Error::InvalidRequest(format!("monitor endpoint {endpoint}: {e}")))?
            .connect()
            .await
            .map_err(|e| Error::Internal(format!("cannot reach the engine's resource monitor at {endpoint}: {e}")))?;
        Ok(ResourceMonitorClient::new(channel)
            .max_decoding_message_size(crate::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(crate::MAX_MESSAGE_SIZE))
    }

    pub fn new(
        client: ResourceMonitorClient<Channel>,
        parent: String,
        name: String,
        custom_timeouts: Option<rpc::register_resource_request::CustomTimeouts>,
    ) -> Monitor {
        Monitor { client, parent, name, custom_timeouts }
    }

    /// Registers `name` as a custom resource of this provider, parented to the component.
    pub async fn register(
        &self,
        token: &str,
        name: &str,
        object: PropertyMap,
        dependencies: Vec<String>,
        property_dependencies: BTreeMap<String, Vec<String>>,
    ) -> Result<Child> {
        let request = rpc::RegisterResourceRequest {
            r#type: token.to_string(),
            name: name.to_string(),
            parent: self.parent.clone(),
            custom: true,
            object: Some(value::encode_struct(&object)),
            dependencies,
            property_dependencies: property_dependencies
                .into_iter()
                .map(|(k, urns)| (k, rpc::register_resource_request::PropertyDependencies { urns }))
                .collect(),
            version: crate::VERSION.to_string(),
            plugin_download_url: crate::PLUGIN_DOWNLOAD_URL.to_string(),
            accept_secrets: true,
            accept_resources: true,
            supports_partial_values: true,
            supports_result_reporting: true,
            custom_timeouts: self.custom_timeouts.clone(),
            ..Default::default()
        };
        let failed = |message: String| Error::Child { name: name.to_string(), token: token.to_string(), message };
        let response = self
            .client
            .clone()
            .register_resource(request)
            .await
            .map_err(|s| failed(s.message().to_string()))?
            .into_inner();
        if response.result == rpc::Result::Fail as i32 {
            return Err(failed("its error is shown above".into()));
        }
        Ok(Child { urn: response.urn, id: response.id, outputs: value::decode_struct(response.object.as_ref())? })
    }

    pub async fn register_outputs(&self, outputs: &PropertyMap) -> Result<()> {
        self.client
            .clone()
            .register_resource_outputs(rpc::RegisterResourceOutputsRequest {
                urn: self.parent.clone(),
                outputs: Some(value::encode_struct(outputs)),
            })
            .await
            .map_err(|s| Error::Internal(format!("registering the component's outputs: {}", s.message())))?;
        Ok(())
    }
}
