#![allow(dead_code)] // the rig serves every test module; not each uses all of it

//! The test rig: moto, the counting proxy, the stand-in engine, and direct AWS clients for
//! checking what the provider did.

pub mod engine;
pub mod inventory;
pub mod lifecycle;
pub mod moto;
pub mod program;
pub mod proxy;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use tap::aws::{Aws, Clients};
use tap::value::{PropertyMap, Value};

pub use engine::{props, Engine, EngineError, Op, Registration};
pub use proxy::CountingProxy;

/// An engine whose provider reaches moto through a counting proxy.
pub struct Rig {
    pub engine: Engine,
    pub proxy: CountingProxy,
    pub region: String,
    /// The moto the provider reaches (through the proxy).
    pub moto_url: String,
}

impl Rig {
    pub async fn new(region: &str) -> Rig {
        Rig::with_delay(region, Duration::ZERO).await
    }

    pub async fn with_delay(region: &str, delay: Duration) -> Rig {
        let proxy = CountingProxy::start(moto::moto().url(), delay).await;
        let mut engine = Engine::in_process(provider_config(region, &proxy.url())).await;
        shared_settings(&mut engine).await;
        Rig { engine, proxy, region: region.to_string(), moto_url: moto::moto().url() }
    }

    /// A rig on a moto of the test's own (account and region settings are global to a moto).
    pub async fn on(moto_url: String, region: &str) -> Rig {
        let proxy = CountingProxy::start(moto_url.clone(), Duration::ZERO).await;
        let engine = Engine::in_process(provider_config(region, &proxy.url())).await;
        Rig { engine, proxy, region: region.to_string(), moto_url }
    }

    /// A rig whose provider retries as in production (tap's default), for fault suites.
    pub async fn patient(region: &str) -> Rig {
        let proxy = CountingProxy::start(moto::moto().url(), Duration::ZERO).await;
        let mut config = provider_config(region, &proxy.url());
        config.insert("maxRetries".into(), Value::Number(10.0));
        let mut engine = Engine::in_process(config).await;
        shared_settings(&mut engine).await;
        Rig { engine, proxy, region: region.to_string(), moto_url: moto::moto().url() }
    }

    /// Direct clients to moto (not counted), for checking state and making out-of-band changes.
    pub async fn aws(&self) -> Arc<Clients> {
        aws_at(&self.moto_url, &self.region).await
    }
}

/// The regions' own settings (API Gateway's CloudWatch role, EBS encryption by default) are one
/// per region of a moto: on the shared moto no component manages them (tests running side by
/// side would undo each other's), and API Gateway has a role set once, so stages can log. The
/// flows about the settings (posture.rs, the Account and EBS lifecycles, the CLI's) run on a
/// moto of their own, or are the only ones managing them here (the CLI's YAML example).
async fn shared_settings(engine: &mut Engine) {
    engine.component_defaults.insert("manageRegionSettings".into(), Value::Bool(false));
    seed_shared_moto().await;
}

/// Sets API Gateway's CloudWatch role on the test's shared moto, once.
pub async fn seed_shared_moto() {
    moto::moto()
        .seeded
        .get_or_init(|| async {
            for region in ["us-east-1", "us-west-2", "eu-central-1"] {
                let op = aws_sdk_apigateway::types::PatchOperation::builder()
                    .op(aws_sdk_apigateway::types::Op::Replace)
                    .path("/cloudwatchRoleArn")
                    .value("arn:aws:iam::123456789012:role/shared-moto-apigateway-logs")
                    .build();
                let aws = aws(region).await;
                aws.apigateway.update_account().patch_operations(op).send().await.expect("seed API Gateway's role");
            }
        })
        .await;
}

pub fn provider_config(region: &str, endpoint: &str) -> PropertyMap {
    props([
        ("region", Value::str(region)),
        ("endpoint", Value::str(endpoint)),
        ("maxRetries", Value::Number(1.0)),
        ("version", Value::str(tap::VERSION)),
    ])
}

pub async fn aws(region: &str) -> Arc<Clients> {
    aws_at(&moto::moto().url(), region).await
}

/// Direct clients to the moto at `url`.
pub async fn aws_at(url: &str, region: &str) -> Arc<Clients> {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(tap::aws::http_client())
        .region(Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await;
    Aws::from_config(config).clients(region)
}

/// The first retry's delay in tests (AWS's own is 500 ms): faults are injected by the hundred.
pub const TEST_BACKOFF_MS: &str = "20";

/// The environment an in-process provider finds AWS credentials in (a launched one gets them from
/// `launch`). Set once, before the first in-process provider reads it.
pub fn test_environment() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("TAP_RETRY_BACKOFF_MS", TEST_BACKOFF_MS);
        std::env::remove_var("AWS_PROFILE");
        std::env::remove_var("AWS_ENDPOINT_URL");
    });
}

/// Held by tests that touch account-wide state (the IAM password policy).
pub static ACCOUNT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A name no other test (or earlier run against the same moto) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000)
        .unwrap_or(0);
    format!("{prefix}-{}-{t}-{n}", std::process::id())
}

pub fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), Value::str(*v))).collect())
}

/// An IAM policy document as IAM returns it, decoded (`%XX` escapes, `+` for space).
pub fn url_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// A policy document in a form where equal meanings compare equal for the checks tests make:
/// parsed, one-element lists read as their element, lists of strings sorted.
pub fn policy_form(text: &str) -> serde_json::Value {
    fn canonical(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Array(items) => {
                let mut items: Vec<serde_json::Value> = items.into_iter().map(canonical).collect();
                if items.len() == 1 {
                    return items.remove(0);
                }
                items.sort_by_key(|i| i.to_string());
                serde_json::Value::Array(items)
            }
            serde_json::Value::Object(map) => {
                serde_json::Value::Object(map.into_iter().map(|(k, v)| (k, canonical(v))).collect())
            }
            other => other,
        }
    }
    let text = if text.contains("%22") { url_decode(text) } else { text.to_string() };
    serde_json::from_str(&text).map(canonical).unwrap_or(serde_json::Value::String(text))
}
