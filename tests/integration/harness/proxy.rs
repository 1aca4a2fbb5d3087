//! A loopback proxy between the provider and moto that records every AWS call by service and
//! operation and marks the mutating ones, so tests can assert "no mutating call".

use std::convert::Infallible;
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

#[derive(Clone)]
pub struct CountingProxy {
    pub port: u16,
    calls: Arc<Mutex<Vec<Call>>>,
    failing: Arc<Mutex<Vec<String>>>,
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
        let failing = Arc::new(Mutex::new(Vec::new()));
        let fail = failing.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let client = client.clone();
                let recorded = recorded.clone();
                let upstream = upstream.clone();
                let fail = fail.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        forward(req, client.clone(), recorded.clone(), fail.clone(), upstream.clone(), delay)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        CountingProxy { port, calls, failing }
    }

    /// From now on, answer `operation` (e.g. `ModifyVpcAttribute`) with a non-retryable EC2-style
    /// error instead of forwarding it.
    pub fn fail_operation(&self, operation: &str) {
        self.failing.lock().expect("failing").push(operation.to_string());
    }

    pub fn stop_failing(&self) {
        self.failing.lock().expect("failing").clear();
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

async fn forward(
    req: Request<Incoming>,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    calls: Arc<Mutex<Vec<Call>>>,
    failing: Arc<Mutex<Vec<String>>>,
    upstream: String,
    delay: Duration,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let call = classify(&parts, &body);
    let fail = failing.lock().expect("failing").contains(&call.operation);
    let emulate = is_apigateway_tagging(&call, parts.uri.path());
    let index = {
        let mut recorded = calls.lock().expect("calls");
        recorded.push(call.clone());
        recorded.len() - 1
    };
    if emulate {
        return Ok(Response::builder().status(204).body(Full::new(Bytes::new())).expect("204"));
    }
    if fail {
        let xml = "<Response><Errors><Error><Code>InjectedFailure</Code><Message>injected by the test proxy</Message></Error></Errors><RequestID>injected</RequestID></Response>";
        return Ok(Response::builder().status(400).body(Full::new(Bytes::from(xml))).expect("400"));
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
        let what = if service == "s3" { sub.to_string() } else { path.to_string() };
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
