//! A canned AWS for unit tests of requests moto cannot serve or cannot shape: a loopback HTTP
//! server that answers each JSON-protocol call with what `answer` returns for its target
//! (`X-Amz-Target`) and body, and records the calls. The clients are tap's (`super::loader`):
//! its HTTP client, retries and timeouts.

use std::sync::{Arc, Mutex};

use aws_config::Region;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::{Aws, Clients};

/// One call the fake received: its target and JSON body.
#[derive(Debug, Clone)]
pub struct Call {
    pub target: String,
    pub body: String,
}

pub struct Fake {
    /// What a provider configured against the fake holds.
    pub aws: Arc<Aws>,
    pub clients: Arc<Clients>,
    calls: Arc<Mutex<Vec<Call>>>,
    stalls: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The next answer to `target` stops half way through its body and never goes on (a
    /// connection that stalls under load).
    pub fn stall_next_answer_of(&self, target: &str) {
        self.stalls.lock().unwrap_or_else(|p| p.into_inner()).push(target.to_string());
    }
}

/// Clients for `region` whose every call is answered by `answer(target, body)` (a JSON body).
pub async fn aws(region: &str, answer: fn(&str, &str) -> String) -> Fake {
    aws_with_retries(region, super::DEFAULT_MAX_RETRIES, answer).await
}

/// `aws`, with `retries` retries of a failed call instead of tap's default.
pub async fn aws_with_retries(region: &str, retries: u32, answer: fn(&str, &str) -> String) -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
    let stalls: Arc<Mutex<Vec<String>>> = Arc::default();
    let (recorded, stalling) = (calls.clone(), stalls.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (recorded, stalling) = (recorded.clone(), stalling.clone());
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
                    let stall = {
                        let mut stalls = stalling.lock().unwrap_or_else(|p| p.into_inner());
                        let at = stalls.iter().position(|t| *t == target);
                        at.map(|i| stalls.remove(i)).is_some()
                    };
                    recorded.lock().unwrap_or_else(|p| p.into_inner()).push(Call { target, body });
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{reply}",
                        reply.len()
                    );
                    let sent = response.as_bytes();
                    let sent = if stall { &sent[..sent.len() - reply.len() / 2] } else { sent };
                    if write.write_all(sent).await.is_err() {
                        return;
                    }
                    if stall {
                        let _ = write.flush().await;
                        std::future::pending::<()>().await;
                    }
                }
            });
        }
    });
    let config = super::loader(retries)
        .region(Region::new(region.to_string()))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_sts::config::Credentials::new("testing", "testing", None, None, "fake"))
        .load()
        .await;
    let aws = Arc::new(Aws::from_config(config));
    Fake { clients: aws.clients(region), aws, calls, stalls }
}

#[cfg(test)]
mod tests {
    /// Under load an answer can stop coming half way through (the SDK's stalled-stream
    /// protection gives up on it after its grace period): tap's clients retry the call like a
    /// dropped connection, and the caller sees only the answer that came whole.
    #[tokio::test]
    async fn an_answer_that_stalls_half_way_through_is_retried() {
        let fake = super::aws("us-east-1", whole_key).await;
        fake.stall_next_answer_of("TrentService.DescribeKey");
        let started = std::time::Instant::now();
        let answer = fake.clients.kms.describe_key().key_id("key-1").send().await.expect("retried after the stall");
        let metadata = answer.key_metadata().expect("metadata");
        assert_eq!((metadata.key_id(), metadata.description()), ("key-1", Some("whole")));
        let calls: Vec<String> = fake.calls().into_iter().map(|c| c.target).collect();
        assert_eq!(calls, ["TrentService.DescribeKey", "TrentService.DescribeKey"], "the stalled call, then its retry");
        // The stall is seen as one (a few seconds), not by the 60 s attempt timeout.
        let waited = started.elapsed();
        assert!(waited < std::time::Duration::from_secs(30), "the stall was noticed after {waited:?}");
    }

    /// What makes the retry above: the stalled-stream protection ends the attempt with
    /// ThroughputBelowMinimum (the bench's "minimum throughput" error), and with no retries
    /// that is the caller's error.
    #[tokio::test]
    async fn with_no_retries_a_stalled_answer_fails_as_below_minimum_throughput() {
        let fake = super::aws_with_retries("us-east-1", 0, whole_key).await;
        fake.stall_next_answer_of("TrentService.DescribeKey");
        let failed = fake.clients.kms.describe_key().key_id("key-1").send().await.expect_err("no retry");
        let failed = format!("{failed:?}");
        assert!(failed.contains("ThroughputBelowMinimum"), "{failed}");
        assert_eq!(fake.calls().len(), 1);
    }

    fn whole_key(_: &str, _: &str) -> String {
        r#"{"KeyMetadata":{"KeyId":"key-1","Description":"whole"}}"#.into()
    }
}
