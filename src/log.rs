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
        let message = crate::secrets::scrub(&message).into_owned();
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

/// The subscriber for tap's diagnostics: `filter` (comma-separated directives, a level such as
/// `warn` or a target's level such as `tap=debug`; an unreadable one means `warn`) over every
/// event, formatted to `writer` with every secret scrubbed. The AWS SDK never logs at trace here,
/// whatever the filter: at trace it prints request bodies, which carry inputs in forms no
/// scrubbing can be sure to catch.
pub fn diagnostics<W>(filter: &str, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::Layer;
    // `Targets` reads the directives tap's users write without the regex engine `EnvFilter`
    // brings into the binary.
    let filter: tracing_subscriber::filter::Targets = filter
        .parse()
        .unwrap_or_else(|_| tracing_subscriber::filter::Targets::new().with_default(tracing::Level::WARN));
    let no_bodies = tracing_subscriber::filter::filter_fn(|meta| {
        !(*meta.level() == tracing::Level::TRACE
            && ["aws_smithy", "aws_sigv4", "aws_sdk", "aws_config", "hyper", "h2"]
                .iter()
                .any(|t| meta.target().starts_with(t)))
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(crate::secrets::ScrubbingMakeWriter(writer))
        .with_ansi(false)
        .with_filter(filter)
        .with_filter(no_bodies);
    tracing_subscriber::registry().with(layer)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("captured").extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What each TAP_LOG value lets through of four events.
    fn seen(filter: &str) -> Vec<&'static str> {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing::subscriber::with_default(super::diagnostics(filter, move || writer.clone()), || {
            tracing::debug!(target: "tap::aws", "tap-debug");
            tracing::warn!(target: "tap::aws", "tap-warn");
            tracing::info!(target: "aws_smithy_runtime", "sdk-info");
            tracing::trace!(target: "aws_smithy_runtime", "sdk-trace");
        });
        let text = String::from_utf8_lossy(&captured.0.lock().expect("captured")).into_owned();
        ["tap-debug", "tap-warn", "sdk-info", "sdk-trace"].into_iter().filter(|m| text.contains(m)).collect()
    }

    #[test]
    fn tap_log_takes_levels_and_per_target_levels() {
        assert_eq!(seen("warn"), ["tap-warn"]);
        assert_eq!(seen("tap=debug,warn"), ["tap-debug", "tap-warn"]);
        assert_eq!(seen("debug"), ["tap-debug", "tap-warn", "sdk-info"]);
        assert_eq!(seen("off"), Vec::<&str>::new());
        // The SDK's trace (request bodies) never, whatever is asked.
        assert_eq!(seen("trace"), ["tap-debug", "tap-warn", "sdk-info"]);
        // A value tap cannot read is `warn`, not silence.
        assert_eq!(seen("tap=loud"), ["tap-warn"]);
    }
}
