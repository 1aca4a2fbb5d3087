//! User-facing messages: sent to the engine's Log service with the resource's URN, so they show on
//! the resource's row. Diagnostics go to tracing (stderr) instead.

use std::sync::{Arc, RwLock};

use tonic::transport::{Channel, Endpoint};

use crate::proto::pulumirpc::{engine_client::EngineClient, LogRequest, LogSeverity};

/// A handle to the engine's log; cheap to clone. Without an engine address, messages go to tracing.
#[derive(Clone, Default)]
pub struct Logger {
    engine: Arc<RwLock<Option<EngineClient<Channel>>>>,
}

impl Logger {
    /// Points the logger at the engine (`127.0.0.1:port` or a URL); connects on first use.
    pub fn connect(&self, address: &str) {
        if address.is_empty() {
            return;
        }
        let url = if address.contains("://") { address.to_string() } else { format!("http://{address}") };
        match Endpoint::from_shared(url) {
            Ok(endpoint) => {
                let client = EngineClient::new(endpoint.connect_lazy())
                    .max_decoding_message_size(crate::MAX_MESSAGE_SIZE)
                    .max_encoding_message_size(crate::MAX_MESSAGE_SIZE);
                *self.engine.write().unwrap_or_else(|p| p.into_inner()) = Some(client);
            }
            Err(e) => tracing::warn!(address, error = %e, "cannot use the engine address for logging"),
        }
    }

    fn send(&self, severity: LogSeverity, urn: &str, message: String, ephemeral: bool) {
        tracing::info!(urn, ephemeral, "{message}");
        let client = self.engine.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(mut client) = client {
            let request =
                LogRequest { severity: severity as i32, message, urn: urn.to_string(), stream_id: 0, ephemeral };
            tokio::spawn(async move {
                if let Err(e) = client.log(request).await {
                    tracing::debug!(error = %e, "engine log failed");
                }
            });
        }
    }

    /// A transient status line (progress while waiting on AWS).
    pub fn status(&self, urn: &str, message: String) {
        self.send(LogSeverity::Info, urn, message, true);
    }
}
