//! A loopback proxy between the provider and moto that records every AWS call by service and
//! operation and marks the mutating ones, so tests can assert "no mutating call"; and injects
//! faults: an operation that always fails, a deterministic mix of throttling, 5xx, reset
//! connections and lost answers (a mutating call carried out by moto whose answer never
//! arrives), the first answer of one operation lost, a delay on one operation, and a hook run
//! when the n-th mutating call arrives (to kill the provider there).

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub service: String,
    pub region: String,
    pub operation: String,
    pub mutating: bool,
    /// How long moto took to answer (without the added delay), in ms.
    pub upstream_ms: f64,
}

/// The faults the proxy injects, each a percentage of calls. Which call gets which fault is a
/// hash of (seed, operation, the request, how many times that request came before): the same
/// for a given seed whatever the concurrency.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub seed: u64,
    pub throttle: u64,
    pub server_error: u64,
    pub reset: u64,
    /// Of mutating calls: forwarded to moto, then the connection is reset.
    pub lose_answer: u64,
}

impl Faults {
    /// The mix the reliability issue measured: 20 % throttled, 5 % 5xx, 2 % resets, 5 % of
    /// mutating calls' answers lost.
    pub fn mix(seed: u64) -> Faults {
        Faults { seed, throttle: 20, server_error: 5, reset: 2, lose_answer: 5 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    Throttle,
    ServerError,
    Reset,
    LoseAnswer,
}

type Hook = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Plan {
    /// Operation → the error code it is answered with.
    failing: HashMap<String, String>,
    faults: Option<Faults>,
    attempts: HashMap<(String, u64), u64>,
    lose_first: Vec<String>,
    delays: HashMap<String, Duration>,
    /// Replaces the delay the proxy was started with (a bench's teardown runs without it).
    base_delay: Option<Duration>,
    /// Every forwarded answer leaves no sooner than this after its call arrived.
    floor: Option<Duration>,
    mutating_seen: usize,
    hooks: Vec<(usize, Hook)>,
    injected: usize,
    rewrites: HashMap<String, fn(&str) -> String>,
}

#[derive(Clone)]
pub struct CountingProxy {
    pub port: u16,
    calls: Arc<Mutex<Vec<Call>>>,
    plan: Arc<Mutex<Plan>>,
}

/// moto routes API Gateway's TagResource / UntagResource (`/tags/<arn>`) to an HTML 404; the
/// proxy answers them as AWS does (204, nothing stored) so programs that retag a REST API can run.
/// What tap sends there is covered by a unit test.
fn is_apigateway_tagging(call: &Call, path: &str) -> bool {
    call.service == "apigateway" && path.starts_with("/tags/")
}

impl CountingProxy {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:port`) adding `delay` to every call.
    pub async fn start(upstream: String, delay: Duration) -> CountingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let recorded = calls.clone();
        let plan: Arc<Mutex<Plan>> = Arc::default();
        let shared = plan.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let client = client.clone();
                let recorded = recorded.clone();
                let upstream = upstream.clone();
                let plan = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        forward(req, client.clone(), recorded.clone(), plan.clone(), upstream.clone(), delay)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        CountingProxy { port, calls, plan }
    }

    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().expect("plan")
    }

    /// From now on, answer `operation` (e.g. `ModifyVpcAttribute`) with a non-retryable EC2-style
    /// error instead of forwarding it.
    pub fn fail_operation(&self, operation: &str) {
        self.fail_operation_with(operation, "InjectedFailure");
    }

    /// From now on, answer `operation` with the EC2-style error `code` (one AWS gives and moto
    /// does not) instead of forwarding it.
    pub fn fail_operation_with(&self, operation: &str, code: &str) {
        self.plan().failing.insert(operation.to_string(), code.to_string());
    }

    pub fn stop_failing(&self) {
        let mut plan = self.plan();
        plan.failing.clear();
        plan.faults = None;
        plan.lose_first.clear();
        plan.delays.clear();
    }

    /// Injects `faults` from now on.
    pub fn inject(&self, faults: Faults) {
        self.plan().faults = Some(faults);
    }

    /// The next call of `operation` is carried out by moto, but its answer is lost.
    pub fn lose_first_answer(&self, operation: &str) {
        self.plan().lose_first.push(operation.to_string());
    }

    /// Whether an answer `lose_first_answer` asked to lose is still to be lost.
    pub fn losing(&self) -> bool {
        !self.plan().lose_first.is_empty()
    }

    /// From now on, `delay` on every call instead of the one the proxy was started with (`None`:
    /// that one again).
    pub fn set_delay(&self, delay: Option<Duration>) {
        self.plan().base_delay = delay;
    }

    /// From now on (`None`: no longer), every answer moto gives leaves the proxy no sooner than
    /// `floor` after its call arrived: moto's own answer time is inside the latency instead of
    /// added to it (an AWS that takes `floor` for every call), as long as moto answers within it.
    pub fn answer_after(&self, floor: Option<Duration>) {
        self.plan().floor = floor;
    }

    /// The floor `answer_after` set.
    pub fn floor(&self) -> Option<Duration> {
        self.plan().floor
    }

    /// Holds every call of `operation` for `delay` before forwarding it.
    pub fn delay_operation(&self, operation: &str, delay: Duration) {
        self.plan().delays.insert(operation.to_string(), delay);
    }

    /// Runs `hook` when the `n`-th mutating call (counted from now, 1-based) arrives, before it is
    /// forwarded (so moto carries it out, whatever the hook does to the caller).
    pub fn on_mutating_call(&self, n: usize, hook: impl FnOnce() + Send + 'static) {
        let mut plan = self.plan();
        let at = plan.mutating_seen + n;
        plan.hooks.push((at, Box::new(hook)));
    }

    /// Answers `operation` with moto's answer passed through `rewrite` (to stand in for an AWS
    /// that answers differently from before).
    pub fn rewrite(&self, operation: &str, rewrite: fn(&str) -> String) {
        self.plan().rewrites.insert(operation.to_string(), rewrite);
    }

    /// How many faults the proxy injected so far.
    pub fn injected(&self) -> usize {
        self.plan().injected
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls").clone()
    }

    pub fn mutating(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.mutating).collect()
    }

    pub fn reset(&self) {
        self.calls.lock().expect("calls").clear();
    }
}

/// A closed loopback port: a provider pointed here cannot make any AWS call.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// What a call meets, decided before it is forwarded.
fn decide(plan: &mut Plan, call: &Call, parts: &hyper::http::request::Parts, body: &[u8]) -> Option<Fault> {
    if let Some(i) = plan.lose_first.iter().position(|op| *op == call.operation) {
        plan.lose_first.remove(i);
        return Some(Fault::LoseAnswer);
    }
    let faults = plan.faults?;
    let mut request = DefaultHasher::new();
    (parts.method.as_str(), parts.uri.path(), parts.uri.query(), body).hash(&mut request);
    let key = (call.operation.clone(), request.finish());
    let attempt = plan.attempts.entry(key.clone()).or_insert(0);
    let mut h = DefaultHasher::new();
    (faults.seed, &key, *attempt).hash(&mut h);
    *attempt += 1;
    let roll = h.finish() % 100;
    let bands = [
        (faults.throttle, Fault::Throttle),
        (faults.server_error, Fault::ServerError),
        (faults.reset, Fault::Reset),
        (if call.mutating { faults.lose_answer } else { 0 }, Fault::LoseAnswer),
    ];
    let mut edge = 0;
    for (share, fault) in bands {
        edge += share;
        if roll < edge {
            return Some(fault);
        }
    }
    None
}

/// The error answer of `fault` in the protocol of `service`.
fn error_answer(service: &str, fault: Fault) -> Response<Full<Bytes>> {
    let throttled = fault == Fault::Throttle;
    let (status, content_type, body): (u16, &str, String) = match service {
        "ec2" => {
            let code = if throttled { "RequestLimitExceeded" } else { "InternalError" };
            let xml = format!("<Response><Errors><Error><Code>{code}</Code><Message>injected</Message></Error></Errors><RequestID>injected</RequestID></Response>");
            (if throttled { 503 } else { 500 }, "text/xml", xml)
        }
        "iam" | "sts" => {
            let code = if throttled { "Throttling" } else { "ServiceFailure" };
            let xml = format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message></Error><RequestId>injected</RequestId></ErrorResponse>");
            (if throttled { 400 } else { 500 }, "text/xml", xml)
        }
        "s3" => {
            let code = if throttled { "SlowDown" } else { "InternalError" };
            (
                if throttled { 503 } else { 500 },
                "application/xml",
                format!("<Error><Code>{code}</Code><Message>injected</Message></Error>"),
            )
        }
        "apigateway" => {
            let body = r#"{"message":"injected"}"#.to_string();
            (if throttled { 429 } else { 500 }, "application/json", body)
        }
        _ => {
            let code = if throttled { "ThrottlingException" } else { "InternalFailure" };
            (
                if throttled { 400 } else { 500 },
                "application/x-amz-json-1.1",
                format!(r#"{{"__type":"{code}","message":"injected"}}"#),
            )
        }
    };
    let mut response = Response::builder().status(status).header("content-type", content_type);
    if service == "apigateway" {
        response =
            response.header("x-amzn-errortype", if throttled { "TooManyRequestsException" } else { "InternalFailure" });
    }
    response.body(Full::new(Bytes::from(body))).expect("error answer")
}

/// A reset connection: the service fails, and hyper closes the connection without an answer.
#[derive(Debug)]
struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by the test proxy")
    }
}

impl std::error::Error for ResetConnection {}

async fn forward(
    req: Request<Incoming>,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    calls: Arc<Mutex<Vec<Call>>>,
    plan: Arc<Mutex<Plan>>,
    upstream: String,
    delay: Duration,
) -> Result<Response<Full<Bytes>>, ResetConnection> {
    let arrived = tokio::time::Instant::now();
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let call = classify(&parts, &body);
    let emulate = is_apigateway_tagging(&call, parts.uri.path());
    let (fail, fault, delay, hooks) = {
        let mut plan = plan.lock().expect("plan");
        let fail = plan.failing.get(&call.operation).cloned();
        let fault = if emulate { None } else { decide(&mut plan, &call, &parts, &body) };
        if fault.is_some() {
            plan.injected += 1;
        }
        let mut hooks = Vec::new();
        if call.mutating {
            plan.mutating_seen += 1;
            let seen = plan.mutating_seen;
            let (due, rest): (Vec<_>, Vec<_>) =
                std::mem::take(&mut plan.hooks).into_iter().partition(|(at, _)| *at == seen);
            plan.hooks = rest;
            hooks = due;
        }
        let delay = plan.base_delay.unwrap_or(delay) + plan.delays.get(&call.operation).copied().unwrap_or_default();
        (fail, fault, delay, hooks)
    };
    for (_, hook) in hooks {
        hook();
    }
    let index = {
        let mut recorded = calls.lock().expect("calls");
        recorded.push(call.clone());
        recorded.len() - 1
    };
    if emulate {
        return Ok(Response::builder().status(204).body(Full::new(Bytes::new())).expect("204"));
    }
    if let Some(code) = fail {
        let xml = format!("<Response><Errors><Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error></Errors><RequestID>injected</RequestID></Response>");
        return Ok(Response::builder().status(400).body(Full::new(Bytes::from(xml))).expect("400"));
    }
    match fault {
        Some(Fault::Throttle | Fault::ServerError) => return Ok(error_answer(&call.service, fault.expect("fault"))),
        Some(Fault::Reset) => return Err(ResetConnection),
        _ => {}
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let uri = format!("{upstream}{}", parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut out = Request::builder().method(parts.method.clone()).uri(uri);
    for (k, v) in &parts.headers {
        out = out.header(k, v);
    }
    let started = std::time::Instant::now();
    let response = client.request(out.body(Full::new(body)).expect("request")).await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            return Ok(Response::builder().status(502).body(Full::new(Bytes::from(e.to_string()))).expect("502"));
        }
    };
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    // The same call, unless a reset cleared the log meanwhile.
    if let Some(recorded) = calls.lock().expect("calls").get_mut(index).filter(|c| **c == call) {
        recorded.upstream_ms = started.elapsed().as_secs_f64() * 1000.0;
    }
    if fault == Some(Fault::LoseAnswer) {
        return Err(ResetConnection);
    }
    let (rewrite, floor) = {
        let plan = plan.lock().expect("plan");
        (plan.rewrites.get(&call.operation).copied(), plan.floor)
    };
    if let Some(floor) = floor {
        tokio::time::sleep_until(arrived + floor).await;
    }
    let body = match rewrite {
        Some(rewrite) => {
            let mut parts = parts;
            let text = rewrite(&String::from_utf8_lossy(&body));
            parts.headers.remove("content-length");
            return Ok(Response::from_parts(parts, Full::new(Bytes::from(text))));
        }
        None => body,
    };
    Ok(Response::from_parts(parts, Full::new(body)))
}

fn classify(parts: &hyper::http::request::Parts, body: &[u8]) -> Call {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    // Credential=AKID/date/region/service/aws4_request
    let auth = header("authorization");
    let scope: Vec<&str> = auth.split("Credential=").nth(1).unwrap_or_default().split('/').collect();
    let region = scope.get(2).copied().unwrap_or_default().to_string();
    let service = scope.get(3).copied().unwrap_or_default().to_string();
    let target = header("x-amz-target");
    let method = parts.method.as_str().to_string();
    let (operation, mutating) = if let Some((_, op)) = target.split_once('.') {
        (op.to_string(), is_mutating_name(op))
    } else if let Some(action) = form_action(body) {
        let mutating = is_mutating_name(&action);
        (action, mutating)
    } else {
        let path = parts.uri.path();
        let sub = parts
            .uri
            .query()
            .unwrap_or_default()
            .split('&')
            .next()
            .unwrap_or_default()
            .split('=')
            .next()
            .unwrap_or_default();
        // S3 Control signs as `s3`; its paths name the operation.
        let what = if service == "s3" && !path.starts_with("/v20180820/") { sub.to_string() } else { path.to_string() };
        (format!("{method} {what}"), !matches!(method.as_str(), "GET" | "HEAD"))
    };
    Call { service, region, operation, mutating, upstream_ms: 0.0 }
}

fn form_action(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| pair.strip_prefix("Action=").map(str::to_string))
}

fn is_mutating_name(op: &str) -> bool {
    !["Describe", "Get", "List", "Head"].iter().any(|p| op.starts_with(p))
}
