//! How tap reaches AWS: one `SdkConfig` (credential chain, retry and timeout policy, endpoint
//! override) and a cache of per-region clients built from it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider as TlsProvider};
use aws_smithy_runtime::client::retries::{RetryPartition, TokenBucket};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::{RuntimeComponents, RuntimeComponentsBuilder};
use aws_smithy_types::config_bag::ConfigBag;

use crate::error::{aws, Error, Result, Service};

#[cfg(test)]
pub mod fake;

/// The provider configuration (`tap:region`, `tap:profile`, `tap:endpoint`, `tap:maxRetries`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint: Option<String>,
    pub max_retries: Option<u32>,
}

/// Retries of a throttled or transiently failing call, when `tap:maxRetries` is not set.
pub const DEFAULT_MAX_RETRIES: u32 = 10;
/// The most `tap:maxRetries` may ask for (pulumi-aws's bound).
pub const MAX_RETRIES: u32 = 25;

/// The first retry's delay (doubling, with jitter, up to `MAX_BACKOFF`). `TAP_RETRY_BACKOFF_MS`
/// shortens it for tests that inject faults by the hundred.
pub fn first_backoff() -> Duration {
    std::env::var("TAP_RETRY_BACKOFF_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_millis(first_backoff_default_ms()))
}

/// The first retry's delay without `TAP_RETRY_BACKOFF_MS`, in ms.
pub const fn first_backoff_default_ms() -> u64 {
    500
}

pub const MAX_BACKOFF: Duration = Duration::from_secs(20);

/// How each call is retried: adaptive (backing off harder while AWS throttles), up to the
/// retries asked for, from a retry quota no burst of faults can drain (the operation's deadline
/// bounds the whole instead).
pub fn retry_config(retries: u32) -> RetryConfig {
    RetryConfig::adaptive()
        .with_max_attempts(retries + 1)
        .with_initial_backoff(first_backoff())
        .with_max_backoff(MAX_BACKOFF.min(first_backoff() * 40))
}

fn retry_partition() -> RetryPartition {
    RetryPartition::custom("tap").token_bucket(TokenBucket::unlimited()).build()
}

/// Every client tap uses, for one region.
#[derive(Clone, Debug)]
pub struct Clients {
    pub region: String,
    pub ec2: aws_sdk_ec2::Client,
    pub kms: aws_sdk_kms::Client,
    pub apigateway: aws_sdk_apigateway::Client,
    pub s3: aws_sdk_s3::Client,
    /// S3 Control (the account's public access block): it sends to `<account>.<endpoint host>`.
    pub s3control: aws_sdk_s3control::Client,
    pub iam: aws_sdk_iam::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub sts: aws_sdk_sts::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    /// Retries of a call that fails transiently (`tap:maxRetries`), for the calls tap repeats
    /// itself.
    pub retries: u32,
    /// The provider instance's id (from Configure): part of every marker.
    pub provider: String,
    account: tokio::sync::OnceCell<String>,
    /// EC2 resources of this region carrying tap's marker, read once (`ec2::marked`).
    pub ec2_markers: tokio::sync::OnceCell<Arc<HashMap<String, Vec<String>>>>,
    /// REST APIs of this region carrying tap's marker (marker → id and name), read once
    /// (`apigateway::rest_api::marked`).
    pub api_markers: tokio::sync::OnceCell<Arc<ApiIndex>>,
}

/// Marker → (id, name) of the region's marked REST APIs.
pub type ApiIndex = HashMap<String, Vec<(String, String)>>;

impl Clients {
    /// The account id (STS GetCallerIdentity, a read-only call), asked once per region.
    pub async fn account_id(&self) -> Result<String> {
        self.account
            .get_or_try_init(|| async {
                let me = self.sts.get_caller_identity().send().await.map_err(aws(Service::Sts, "GetCallerIdentity"))?;
                match me.account() {
                    Some(account) if !account.is_empty() => Ok(account.to_string()),
                    _ => Err(Error::Internal("GetCallerIdentity answered without an account id".into())),
                }
            })
            .await
            .cloned()
    }
}

impl Clients {
    /// The partition of this region (`aws`, `aws-us-gov`, `aws-cn`).
    pub fn partition(&self) -> &'static str {
        partition(&self.region)
    }

    /// The ARN of `resource` of `service` in this region and `account`.
    pub fn arn(&self, service: &str, account: &str, resource: &str) -> String {
        arn(self.partition(), service, &self.region, account, resource)
    }
}

/// Call settings for one call that must not be sent twice by the SDK itself (a create that
/// AWS does not deduplicate): tap looks for what it made before sending it again.
macro_rules! once {
    ($($name:ident => $sdk:ident),*) => {
        pub mod once {
            $(pub fn $name() -> $sdk::config::Builder {
                $sdk::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
            })*
        }
    };
}

once!(ec2 => aws_sdk_ec2, kms => aws_sdk_kms, iam => aws_sdk_iam, logs => aws_sdk_cloudwatchlogs, s3 => aws_sdk_s3, apigateway => aws_sdk_apigateway);

/// The partition a region belongs to: ARNs and service domains differ between them.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

/// `arn:<partition>:<service>:<region>:<account>:<resource>` (region and account may be empty,
/// as for S3 buckets and IAM).
pub fn arn(partition: &str, service: &str, region: &str, account: &str, resource: &str) -> String {
    format!("arn:{partition}:{service}:{region}:{account}:{resource}")
}

/// The DNS suffix of a region's service endpoints and service principals.
pub fn dns_suffix(region: &str) -> &'static str {
    if partition(region) == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// The HTTP client for every AWS call: hyper with rustls on ring (no C toolchain needed), with
/// the system's resolver except for names under a loopback address (`LoopbackNames`), and at
/// most `max_calls_in_flight()` calls in flight at once (`InFlight`).
pub fn http_client() -> SharedHttpClient {
    let hyper = aws_smithy_http_client::Builder::new()
        .tls_provider(TlsProvider::Rustls(CryptoMode::Ring))
        .build_with_resolver(LoopbackNames);
    SharedHttpClient::new(InFlight::new(hyper, max_calls_in_flight()))
}

/// How many AWS calls one provider process has in flight at most, when
/// `TAP_MAX_AWS_CALLS_IN_FLIGHT` does not say. The seventeen regions' bench (every call 1 s)
/// peaked at 60.0 MB with 256 and 58.6 MB with 192, its up no slower (bench/REPORT.md).
pub const DEFAULT_MAX_CALLS_IN_FLIGHT: usize = 192;

/// `TAP_MAX_AWS_CALLS_IN_FLIGHT`, else `DEFAULT_MAX_CALLS_IN_FLIGHT`.
pub fn max_calls_in_flight() -> usize {
    bound_from_env("TAP_MAX_AWS_CALLS_IN_FLIGHT", DEFAULT_MAX_CALLS_IN_FLIGHT)
}

/// A bound the environment variable `name` sets (a positive whole number), else `default`.
pub fn bound_from_env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse::<usize>().ok()).filter(|n| *n > 0).unwrap_or(default)
}

/// An HTTP client that lets at most `permits` calls through at once; the others wait their
/// turn, first come first served. Each call in flight holds an HTTP/1 connection with its
/// buffers and the SDK's request state (about 70 KB), so a refresh of seventeen regions that
/// sends every Read at once held 850 of them: the bound keeps the process's memory in proportion
/// to it. Waiting counts against the call's attempt timeout like a slow answer.
#[derive(Debug)]
pub struct InFlight {
    inner: SharedHttpClient,
    permits: Arc<tokio::sync::Semaphore>,
}

impl InFlight {
    pub fn new(inner: SharedHttpClient, permits: usize) -> InFlight {
        InFlight { inner, permits: Arc::new(tokio::sync::Semaphore::new(permits)) }
    }
}

impl HttpClient for InFlight {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(InFlightConnector {
            inner: self.inner.http_connector(settings, components),
            permits: self.permits.clone(),
        })
    }

    fn validate_base_client_config(
        &self,
        components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        HttpClient::validate_base_client_config(&self.inner, components, cfg)
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        HttpClient::validate_final_config(&self.inner, components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[derive(Debug)]
struct InFlightConnector {
    inner: SharedHttpConnector,
    permits: Arc<tokio::sync::Semaphore>,
}

impl HttpConnector for InFlightConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (inner, permits) = (self.inner.clone(), self.permits.clone());
        HttpConnectorFuture::new(async move {
            // The semaphore is never closed; the permit goes back when the answer's head is in
            // (or the call is dropped: a timeout, a cancel).
            let _permit = permits.acquire_owned().await.map_err(|e| ConnectorError::other(e.into(), None))?;
            inner.call(request).await
        })
    }
}

/// The system's resolver, except that a name made of labels in front of a loopback IPv4 address
/// (`123456789012.127.0.0.1`) is that address. S3 Control puts the account id in front of the
/// endpoint's host, so with an endpoint override on loopback (moto, LocalStack) its requests go to
/// a name no DNS answers; nothing else resolves differently, and nothing leaves loopback this way.
#[derive(Debug, Clone)]
pub struct LoopbackNames;

/// The loopback address `name` ends in, after at least one label.
pub fn loopback_suffix(name: &str) -> Option<std::net::IpAddr> {
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() <= 4 || labels[..labels.len() - 4].iter().any(|l| l.is_empty()) {
        return None;
    }
    let ip: std::net::Ipv4Addr = labels[labels.len() - 4..].join(".").parse().ok()?;
    ip.is_loopback().then_some(std::net::IpAddr::V4(ip))
}

impl ResolveDns for LoopbackNames {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        if let Some(ip) = loopback_suffix(name) {
            return DnsFuture::ready(Ok(vec![ip]));
        }
        DnsFuture::new(async move {
            let addrs = tokio::net::lookup_host((name, 0)).await.map_err(ResolveDnsError::new)?;
            Ok(addrs.map(|a| a.ip()).collect())
        })
    }
}

/// How tap calls AWS, whoever the endpoint: its HTTP client, `retries` retries of a throttled
/// or transiently failing call (a dropped connection, a stalled answer, a 5xx), and its
/// timeouts. The unit tests' canned AWS (`fake`) is called the same way.
pub fn loader(retries: u32) -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .retry_config(retry_config(retries))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(60))
                // Every retry included; the resource operation's own deadline bounds the rest.
                .operation_timeout(Duration::from_secs(600))
                .build(),
        )
}

#[derive(Debug)]
pub struct Aws {
    config: SdkConfig,
    default_region: Option<String>,
    retries: u32,
    provider: String,
    clients: Mutex<HashMap<String, Arc<Clients>>>,
}

impl Aws {
    /// `provider`: the provider instance's id (Configure's `id`).
    pub async fn load(settings: &AwsSettings, provider: &str) -> Aws {
        let mut loader = loader(settings.max_retries.unwrap_or(DEFAULT_MAX_RETRIES));
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &settings.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let mut aws = Aws::from_config(loader.load().await);
        aws.retries = settings.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        aws.provider = provider.to_string();
        aws
    }

    /// Wraps a loaded configuration (tests build one with fixed credentials).
    pub fn from_config(config: SdkConfig) -> Aws {
        let default_region = config.region().map(|r| r.to_string());
        Aws {
            config,
            default_region,
            retries: DEFAULT_MAX_RETRIES,
            provider: String::new(),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The provider instance's id.
    pub fn provider(&self) -> String {
        self.provider.clone()
    }

    /// The region resources use when they do not name one.
    pub fn default_region(&self) -> Option<&str> {
        self.default_region.as_deref()
    }

    /// The region to work in: the given one, else the provider's.
    pub fn resolve_region(&self, region: Option<&str>) -> Result<String> {
        match region.filter(|r| !r.is_empty()).or(self.default_region()) {
            Some(r) => Ok(r.to_string()),
            None => Err(Error::Config(
                "no AWS region: set the provider's `region` (pulumi config set tap:region us-east-1) or AWS_REGION"
                    .into(),
            )),
        }
    }

    pub fn clients(&self, region: &str) -> Arc<Clients> {
        let mut cache = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        cache.entry(region.to_string()).or_insert_with(|| Arc::new(self.build(region))).clone()
    }

    fn build(&self, region: &str) -> Clients {
        let config = self.config.to_builder().region(Region::new(region.to_string())).build();
        // An overridden endpoint (moto, LocalStack) does not resolve bucket-name hosts.
        let path_style = config.endpoint_url().is_some();
        let partition = retry_partition();
        macro_rules! client {
            ($sdk:ident) => {
                $sdk::Client::from_conf($sdk::config::Builder::from(&config).retry_partition(partition.clone()).build())
            };
        }
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(path_style)
            .retry_partition(partition.clone())
            .build();
        Clients {
            region: region.to_string(),
            ec2: client!(aws_sdk_ec2),
            kms: client!(aws_sdk_kms),
            apigateway: client!(aws_sdk_apigateway),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            s3control: client!(aws_sdk_s3control),
            iam: client!(aws_sdk_iam),
            logs: client!(aws_sdk_cloudwatchlogs),
            sts: client!(aws_sdk_sts),
            tagging: client!(aws_sdk_resourcegroupstagging),
            retries: self.retries,
            provider: self.provider.clone(),
            account: tokio::sync::OnceCell::new(),
            ec2_markers: tokio::sync::OnceCell::new(),
            api_markers: tokio::sync::OnceCell::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `Slow` saw: how many calls it has at once, and the most it had.
    #[derive(Debug, Default)]
    struct Counting {
        now: std::sync::atomic::AtomicUsize,
        most: std::sync::atomic::AtomicUsize,
    }

    /// A connector that answers 200 after 20 ms.
    #[derive(Debug, Clone)]
    struct Slow(Arc<Counting>);

    impl HttpConnector for Slow {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            use std::sync::atomic::Ordering::SeqCst;
            let counts = self.0.clone();
            HttpConnectorFuture::new(async move {
                let now = counts.now.fetch_add(1, SeqCst) + 1;
                counts.most.fetch_max(now, SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                counts.now.fetch_sub(1, SeqCst);
                let status = aws_smithy_runtime_api::http::StatusCode::try_from(200).expect("200");
                Ok(aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
                    status,
                    aws_smithy_types::body::SdkBody::empty(),
                ))
            })
        }
    }

    #[tokio::test]
    async fn at_most_the_bound_of_calls_are_in_flight_and_every_call_is_answered() {
        let counts = Arc::new(Counting::default());
        let connector = InFlightConnector {
            inner: SharedHttpConnector::new(Slow(counts.clone())),
            permits: Arc::new(tokio::sync::Semaphore::new(3)),
        };
        let calls: Vec<_> = (0..10).map(|_| connector.call(HttpRequest::empty())).collect();
        let answers = futures_util::future::join_all(calls).await;
        assert!(answers.iter().all(|a| a.as_ref().is_ok_and(|r| r.status().as_u16() == 200)));
        assert_eq!(counts.most.load(std::sync::atomic::Ordering::SeqCst), 3, "the bound is reached and kept");
        assert_eq!(connector.permits.available_permits(), 3, "every permit is given back");
    }

    #[tokio::test]
    async fn a_call_dropped_while_waiting_or_in_flight_gives_its_turn_back() {
        let counts = Arc::new(Counting::default());
        let connector = InFlightConnector {
            inner: SharedHttpConnector::new(Slow(counts.clone())),
            permits: Arc::new(tokio::sync::Semaphore::new(1)),
        };
        let mut first = connector.call(HttpRequest::empty());
        let waiting = connector.call(HttpRequest::empty());
        // The first takes the permit and is dropped mid-call (a timeout), the second while it waits.
        assert!(futures_util::poll!(&mut first).is_pending());
        drop((first, waiting));
        assert_eq!(connector.permits.available_permits(), 1);
        assert!(connector.call(HttpRequest::empty()).await.is_ok());
    }

    #[test]
    fn the_bound_comes_from_the_environment_or_the_default() {
        // Only this test sets the variable.
        assert_eq!(max_calls_in_flight(), DEFAULT_MAX_CALLS_IN_FLIGHT);
        std::env::set_var("TAP_MAX_AWS_CALLS_IN_FLIGHT", "0");
        assert_eq!(max_calls_in_flight(), DEFAULT_MAX_CALLS_IN_FLIGHT, "zero would stop every call");
        std::env::set_var("TAP_MAX_AWS_CALLS_IN_FLIGHT", "12");
        assert_eq!(max_calls_in_flight(), 12);
        std::env::remove_var("TAP_MAX_AWS_CALLS_IN_FLIGHT");
    }

    #[test]
    fn arns_follow_the_region_partition() {
        assert_eq!(partition("eu-central-1"), "aws");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(
            arn(partition("cn-north-1"), "ec2", "cn-north-1", "1", "vpc/v"),
            "arn:aws-cn:ec2:cn-north-1:1:vpc/v"
        );
        assert_eq!(arn("aws", "s3", "", "", "b"), "arn:aws:s3:::b");
        assert_eq!(dns_suffix("cn-northwest-1"), "amazonaws.com.cn");
    }

    #[test]
    fn only_names_under_a_loopback_address_resolve_to_it() {
        let lo = Some(std::net::IpAddr::from([127, 0, 0, 1]));
        assert_eq!(loopback_suffix("123456789012.127.0.0.1"), lo);
        assert_eq!(loopback_suffix("a.b.127.0.0.1"), lo);
        assert_eq!(loopback_suffix("1.127.0.0.9"), Some(std::net::IpAddr::from([127, 0, 0, 9])));
        for other in
            ["127.0.0.1", ".127.0.0.1", "123456789012.10.0.0.1", "s3-control.us-east-1.amazonaws.com", "x.127.0.0"]
        {
            assert_eq!(loopback_suffix(other), None, "{other}");
        }
    }
}
