//! A canned AWS for unit tests of requests moto cannot serve or cannot shape: a loopback HTTP
//! server that answers each JSON-protocol call with what `answer` returns for its target
//! (`X-Amz-Target`) and body, and records the calls.

use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::{Aws, Clients};

/// One call the fake received: its target and JSON body.
#[derive(Debug, Clone)]
pub struct Call {
    pub target: String,
    pub body: String,
}

pub struct Fake {
    pub clients: Arc<Clients>,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Fake {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Clients for `region` whose every call is answered by `answer(target, body)` (a JSON body).
pub async fn aws(region: &str, answer: fn(&str, &str) -> String) -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
    let recorded = calls.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let recorded = recorded.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                loop {
                    let (mut target, mut length) = (String::new(), 0usize);
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':') {
                            match name.to_ascii_lowercase().as_str() {
                                "x-amz-target" => target = value.trim().to_string(),
                                "content-length" => length = value.trim().parse().unwrap_or(0),
                                _ => {}
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    let body = String::from_utf8_lossy(&body).into_owned();
                    let reply = answer(&target, &body);
                    recorded.lock().unwrap_or_else(|p| p.into_inner()).push(Call { target, body });
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{reply}",
                        reply.len()
                    );
                    if write.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(super::http_client())
        .region(Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_sts::config::Credentials::new("testing", "testing", None, None, "fake"))
        .load()
        .await;
    Fake { clients: Aws::from_config(config).clients(region), calls }
}
