//! `make bench`: tap's speed and thrift, measured on the release build against moto, written to
//! bench/REPORT.md and bench/results.json. Medians and ranges over repeated runs; nothing here
//! fails the test suite. The rig (moto, counting proxy, stand-in engine) is the test suite's own.

#[path = "../tests/integration/harness/mod.rs"]
#[allow(unused_imports)]
mod harness;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::json;
use tap::proto::pulumirpc as rpc;
use tap::value::{PropertyMap, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use harness::engine::{Engine, Timing};
use harness::proxy::CountingProxy;
use harness::{moto, props, provider_config, unique};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DELAY: Duration = Duration::from_millis(50);
const COMPONENT: &str = "tap:index:SecureRegion";
/// Commercial regions moto serves, for the scale run.
const SEVENTEEN: [&str; 17] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "sa-east-1",
];

#[derive(Default)]
struct Report {
    json: serde_json::Map<String, serde_json::Value>,
    md: Vec<String>,
}

impl Report {
    fn row(&mut self, figure: &str, value: String, target: &str, met: Option<bool>) {
        let verdict = match met {
            Some(true) => "met",
            Some(false) => "missed",
            None => "—",
        };
        self.md.push(format!("| {figure} | {value} | {target} | {verdict} |"));
    }
}

fn stats(samples: &mut [f64]) -> (f64, f64, f64) {
    samples.sort_by(|a, b| a.total_cmp(b));
    let median = samples[samples.len() / 2];
    (median, samples[0], samples[samples.len() - 1])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo test --all-targets` runs bench targets too, without `--bench`: measuring a debug
    // build there would only cost time and overwrite the report with the wrong figures.
    if !std::env::args().any(|a| a == "--bench") {
        println!("benchmarks run with `make bench` (cargo bench)");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    if std::env::args().any(|a| a == "--probe") {
        runtime.block_on(probe());
        return;
    }
    runtime.block_on(run());
}

/// For scripts/size-profiles.sh: start-up and idle memory of the binary TAP_PROVIDER_BINARY
/// names, as one JSON line on stdout.
async fn probe() {
    let (port, _) = startup_samples(25).await;
    let idle = idle_rss().await;
    println!("{}", json!({"startup_port_ms": port, "rss_idle_mb": idle}));
}

async fn run() {
    let mut r = Report::default();
    r.md.push("| figure | measured | target | |".into());
    r.md.push("|---|---|---|---|".into());
    let mut sections = Vec::new();

    // TAP_BENCH_ONLY=<part of a section's name>: only that section, printed, nothing written.
    let only = std::env::var("TAP_BENCH_ONLY").ok().filter(|s| !s.is_empty());
    // A section that panics is reported as failed; the others' figures are still written.
    macro_rules! guarded {
        ($name:expr, $run:expr) => {{
            if only.as_deref().is_some_and(|o| !$name.contains(o)) {
                None
            } else {
                let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe($run)).await;
                if outcome.is_err() {
                    r.row(&format!("{} (failed: see the bench's output)", $name), "—".into(), "—", Some(false));
                }
                outcome.ok()
            }
        }};
    }
    guarded!("start-up", startup(&mut r));
    guarded!("size", async { size(&mut r) });
    sections.extend(guarded!("AWS calls and memory", calls_and_memory(&mut r)));
    sections.extend(guarded!("deploy time", deploy_time(&mut r)));
    guarded!("scale", scale(&mut r));
    guarded!("under faults", under_faults(&mut r));
    guarded!("the real CLI", cli_runs(&mut r));
    guarded!("build", async { build(&mut r) });
    if only.is_some() {
        println!("{}", r.md.join("\n"));
        println!("{}", serde_json::to_string_pretty(&r.json).expect("json"));
        return;
    }

    let machine = format!(
        "{} cores, rustc {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        command_output("rustc", &["--version"])
    );
    let mut md = vec![
        "# tap benchmarks".to_string(),
        String::new(),
        format!("Written by `make bench` (benches/tap.rs) on {machine}; the release binary that ships, driven by the harness as the tests build it; AWS is moto on loopback."),
        "Medians over repeated runs, with [min–max]. Machine-readable figures: results.json.".into(),
        String::new(),
        "## Figures against targets".into(),
        String::new(),
    ];
    md.extend(r.md);
    for s in sections {
        md.push(String::new());
        md.push(s);
    }
    for measured_apart in ["bench/size-profiles.md", "bench/demo-timing.md"] {
        if let Ok(text) = std::fs::read_to_string(Path::new(ROOT).join(measured_apart)) {
            md.push(String::new());
            md.push(text.trim_end().to_string());
        }
    }
    md.push(String::new());
    md.push(std::fs::read_to_string(Path::new(ROOT).join("bench/NOTES.md")).unwrap_or_default());
    std::fs::create_dir_all(Path::new(ROOT).join("bench")).expect("bench dir");
    std::fs::write(Path::new(ROOT).join("bench/REPORT.md"), md.join("\n")).expect("report");
    std::fs::write(
        Path::new(ROOT).join("bench/results.json"),
        serde_json::to_string_pretty(&r.json).expect("json") + "\n",
    )
    .expect("json");
    println!("wrote bench/REPORT.md and bench/results.json");
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

async fn spawn_plugin() -> (tokio::process::Child, u16) {
    let mut child = tokio::process::Command::new(harness::engine::provider_binary())
        .arg("127.0.0.1:1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).await.expect("port");
    (child, line.trim().parse().expect("port number"))
}

/// exec → port printed and exec → first GetSchema answered, `runs` times each: medians and ranges.
async fn startup_samples(runs: usize) -> (serde_json::Value, serde_json::Value) {
    let mut port = Vec::new();
    let mut schema = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let (child, _) = spawn_plugin().await;
        port.push(ms(t.elapsed()));
        drop(child);
        let t = Instant::now();
        let (child, p) = spawn_plugin().await;
        let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{p}"))
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
        let mut client = rpc::resource_provider_client::ResourceProviderClient::new(channel);
        client.get_schema(rpc::GetSchemaRequest::default()).await.expect("schema");
        schema.push(ms(t.elapsed()));
        drop(child);
    }
    let (pm, plo, phi) = stats(&mut port);
    let (sm, slo, shi) = stats(&mut schema);
    (
        json!({"median": pm, "min": plo, "max": phi, "runs": runs}),
        json!({"median": sm, "min": slo, "max": shi, "runs": runs}),
    )
}

/// 1. exec → port printed; exec → first GetSchema answered.
async fn startup(r: &mut Report) {
    let runs = 25;
    let (port, schema) = startup_samples(runs).await;
    let f = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    let (pm, plo, phi) = (f(&port, "median"), f(&port, "min"), f(&port, "max"));
    let (sm, slo, shi) = (f(&schema, "median"), f(&schema, "min"), f(&schema, "max"));
    r.row(
        "start-up: exec → port printed",
        format!("{pm:.1} ms [{plo:.1}–{phi:.1}], {runs} runs"),
        "≤ 3 ms",
        Some(pm <= 3.0),
    );
    r.row(
        "start-up: exec → first GetSchema answered",
        format!("{sm:.1} ms [{slo:.1}–{shi:.1}], {runs} runs"),
        "≤ 15 ms",
        Some(sm <= 15.0),
    );
    r.json.insert("startup_port_ms".into(), port);
    r.json.insert("startup_schema_ms".into(), schema);
}

/// 3. Stripped binary and release tarball.
fn size(r: &mut Report) {
    let shipped = harness::engine::provider_binary();
    let binary = std::fs::metadata(&shipped).map(|m| m.len()).unwrap_or(0);
    let dist = std::env::temp_dir().join(unique("bench-dist"));
    let out = std::process::Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/dist.sh"))
        .arg(&shipped)
        .arg(&dist)
        .output()
        .expect("dist.sh");
    let tarball = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let tar = std::fs::metadata(&tarball).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dist);
    let mb = |b: u64| b as f64 / 1_000_000.0;
    r.row("size: stripped binary", format!("{:.1} MB", mb(binary)), "≤ 12 MB", Some(mb(binary) <= 12.0));
    r.row("size: release tarball", format!("{:.1} MB", mb(tar)), "≤ 5 MB", Some(mb(tar) <= 5.0));
    r.json.insert("binary_bytes".into(), json!(binary));
    r.json.insert("tarball_bytes".into(), json!(tar));
}

fn vm_hwm_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn instance_inputs(region: &str, i: usize, password_policy: bool) -> PropertyMap {
    let mut p = props([
        ("region", Value::str(region)),
        ("cidrBlock", Value::str(format!("10.{i}.0.0/16"))),
        ("kmsDeletionWindowInDays", Value::Number(7.0)),
    ]);
    if region == "eu-central-1" {
        p.insert("availabilityZoneCount".into(), Value::Number(3.0));
    }
    if password_policy {
        p.insert("passwordPolicy".into(), Value::Object(PropertyMap::new()));
    }
    p
}

/// One run of a program of SecureRegions, each constructed concurrently. Returns the wall time of
/// the slowest Construct and the timeline.
async fn up(engine: &Engine, preview: bool, names: &[(String, PropertyMap)]) -> (Duration, Vec<Timing>, Vec<Duration>) {
    let d = engine.run(preview).await;
    let started = Instant::now();
    let deployment = &d;
    let durations = futures_util::future::join_all(names.iter().map(|(n, inputs)| async move {
        let t = Instant::now();
        engine
            .construct(deployment, COMPONENT, n, inputs.clone())
            .await
            .unwrap_or_else(|e| panic!("construct {n}: {e}"));
        t.elapsed()
    }))
    .await;
    let wall = started.elapsed();
    let timeline = d.timeline();
    d.finish().await.expect("finish");
    (wall, timeline, durations)
}

fn by_operation(proxy: &CountingProxy) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for c in proxy.calls() {
        *m.entry(format!("{}:{}", c.service, c.operation.split(" /").next().unwrap_or_default())).or_insert(0) += 1;
    }
    m
}

/// Peak RSS of a launched provider after Handshake + Configure + GetSchema.
async fn idle_rss() -> f64 {
    let engine = Engine::start(provider_config("us-east-1", &moto::moto().url())).await;
    let pid = engine.provider.as_ref().expect("a launched provider").child.id().expect("pid");
    engine.client().get_schema(rpc::GetSchemaRequest::default()).await.expect("schema");
    vm_hwm_mb(pid)
}

/// 2 and 4. Memory, and AWS calls per phase of the three-region program.
async fn calls_and_memory(r: &mut Report) -> String {
    let proxy = CountingProxy::start(moto::moto().url(), Duration::ZERO).await;
    let engine = Engine::start(provider_config("us-east-1", &proxy.url())).await;
    let pid = engine.provider.as_ref().expect("a launched provider").child.id().expect("pid");
    engine.client().get_schema(rpc::GetSchemaRequest::default()).await.expect("schema");
    let idle = vm_hwm_mb(pid);
    r.row(
        "memory: peak RSS after Handshake + Configure + GetSchema",
        format!("{idle:.1} MB"),
        "≤ 15 MB",
        Some(idle <= 15.0),
    );

    let base = unique("calls");
    let program: Vec<(String, PropertyMap)> = ["us-east-1", "us-west-2", "eu-central-1"]
        .iter()
        .enumerate()
        .map(|(i, region)| (format!("{base}-{i}"), instance_inputs(region, i, i == 0)))
        .collect();
    let mut phases = Vec::new();
    let mut phase = |name: &str, proxy: &CountingProxy| {
        let calls = proxy.calls();
        let mutating = calls.iter().filter(|c| c.mutating).count();
        phases.push((name.to_string(), calls.len(), mutating, by_operation(proxy)));
        proxy.reset();
    };
    proxy.reset();
    up(&engine, true, &program).await;
    phase("preview", &proxy);
    let (_, timeline, _) = up(&engine, false, &program).await;
    let per_region: BTreeMap<String, usize> = proxy.calls().iter().fold(BTreeMap::new(), |mut m, c| {
        *m.entry(if c.region.is_empty() { "global".to_string() } else { c.region.clone() }).or_insert(0) += 1;
        m
    });
    phase("first up", &proxy);
    let during_up = vm_hwm_mb(pid);
    up(&engine, false, &program).await;
    phase("no-op up", &proxy);
    engine.refresh().await.expect("refresh");
    phase("refresh", &proxy);

    // Per resource type: one Read each, counted alone.
    let mut per_type: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for res in engine.state().await.into_iter().filter(|s| s.custom) {
        proxy.reset();
        engine
            .client()
            .read(rpc::ReadRequest {
                id: res.id.clone(),
                urn: res.urn.clone(),
                properties: Some(tap::value::encode_struct(&res.outputs)),
                inputs: Some(tap::value::encode_struct(&res.inputs)),
                r#type: res.r#type.clone(),
                name: res.name.clone(),
                ..Default::default()
            })
            .await
            .expect("read");
        let e = per_type.entry(res.r#type.clone()).or_insert((0, 0));
        e.0 += 1;
        e.1 += proxy.calls().len();
    }
    proxy.reset();
    engine.destroy().await.expect("destroy");
    phase("destroy", &proxy);

    r.row(
        "memory: peak RSS during a three-region up",
        format!("{during_up:.1} MB"),
        "≤ 60 MB",
        Some(during_up <= 60.0),
    );
    r.json.insert("rss_idle_mb".into(), json!(idle));
    r.json.insert("rss_three_region_up_mb".into(), json!(during_up));
    let resources: usize = per_type.values().map(|(n, _)| n).sum();
    let refresh_calls: usize = per_type.values().map(|(_, c)| c).sum();
    let avg = refresh_calls as f64 / resources.max(1) as f64;
    for (name, total, mutating, _) in &phases {
        let target = match name.as_str() {
            "preview" | "no-op up" => Some("0 mutating"),
            _ => None,
        };
        r.row(
            &format!("AWS calls: {name} (three regions)"),
            format!("{total} calls, {mutating} mutating"),
            target.unwrap_or("report"),
            target.map(|_| *mutating == 0),
        );
    }
    r.row(
        "AWS calls: refresh, per resource on average",
        format!("{avg:.2} ({refresh_calls} calls / {resources} resources)"),
        "≤ 2",
        Some(avg <= 2.0),
    );
    r.json.insert(
        "calls".into(),
        json!(phases
            .iter()
            .map(|(n, t, m, ops)| (n.clone(), json!({"total": t, "mutating": m, "by_operation": ops})))
            .collect::<serde_json::Map<_, _>>()),
    );
    r.json.insert("first_up_calls_per_region".into(), json!(per_region));
    r.json.insert(
        "refresh_calls_per_type".into(),
        json!(per_type
            .iter()
            .map(|(t, (n, c))| (t.clone(), json!(*c as f64 / *n as f64)))
            .collect::<serde_json::Map<_, _>>()),
    );

    let mut s = vec!["## AWS calls".to_string(), String::new()];
    s.push(format!(
        "First up, calls per region: {}.",
        per_region.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
    ));
    s.push(String::new());
    s.push("Refresh: AWS calls for one Read of each resource type (each listed call is needed to see drift):".into());
    s.push(String::new());
    s.push("| type | calls per Read |".into());
    s.push("|---|---|".into());
    for (t, (n, c)) in &per_type {
        s.push(format!("| {t} | {:.1} |", *c as f64 / *n as f64));
    }
    s.push(String::new());
    for (name, total, mutating, ops) in &phases {
        s.push(format!(
            "{name}: {total} calls ({mutating} mutating): {}",
            ops.iter().map(|(k, v)| format!("{k}×{v}")).collect::<Vec<_>>().join(", ")
        ));
        s.push(String::new());
    }
    let _ = timeline;
    s.join("\n")
}

/// One link of a critical path: a child (`None`: Construct's own lookups) and its round trips.
#[derive(Clone, Default)]
struct Link {
    urn: Option<String>,
    round_trips: f64,
}

impl Link {
    fn name(&self) -> String {
        match &self.urn {
            Some(urn) => urn.rsplit("::").next().unwrap_or_default().to_string(),
            None => "lookups".into(),
        }
    }
}

/// The longest dependency chain of a timeline (only the children `keep` admits), in round trips
/// of `DELAY` by time, and the chain itself.
fn critical_path(timeline: &[Timing], construct_start: Instant, keep: impl Fn(&str) -> bool) -> (f64, Vec<Link>) {
    let rt = |d: Duration| (d.as_secs_f64() / DELAY.as_secs_f64()).round();
    let lead = timeline.iter().filter(|t| keep(&t.urn)).map(|t| t.start).min();
    let lead = rt(lead.map(|l| l.duration_since(construct_start)).unwrap_or_default());
    longest_chain(timeline, keep, lead, |t| rt(t.end.duration_since(t.start)))
}

/// The dependency chain with the most AWS round trips in the provider's log (a chain by time
/// can be longer only because moto answered one of its calls slowly).
fn critical_path_logged(
    timeline: &[Timing],
    keep: impl Fn(&str) -> bool,
    calls: &[(f64, String, String)],
    lead_ms: f64,
) -> (f64, Vec<Link>) {
    let trips = |urn: Option<String>| link_trips(&Link { urn, round_trips: 0.0 }, calls, lead_ms).len() as f64;
    longest_chain(timeline, keep, trips(None), |t| trips(Some(t.urn.clone())))
}

/// The chain of `timeline` (only the children `keep` admits) whose links weigh most, each child
/// weighing `own`, after Construct's lookups weighing `lead`.
fn longest_chain(
    timeline: &[Timing],
    keep: impl Fn(&str) -> bool,
    lead: f64,
    own: impl Fn(&Timing) -> f64,
) -> (f64, Vec<Link>) {
    let mut order: Vec<&Timing> = timeline.iter().filter(|t| keep(&t.urn)).collect();
    order.sort_by_key(|t| t.start);
    let mut best: BTreeMap<&str, (f64, Vec<Link>)> = BTreeMap::new();
    for t in &order {
        let own = own(t);
        let (prev, mut chain) = t
            .dependencies
            .iter()
            .filter_map(|d| best.get(d.as_str()).cloned())
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap_or((lead, vec![Link { urn: None, round_trips: lead }]));
        chain.push(Link { urn: Some(t.urn.clone()), round_trips: own });
        best.insert(&t.urn, (prev + own, chain));
    }
    best.into_values().max_by(|a, b| a.0.total_cmp(&b.0)).unwrap_or_default()
}

/// The seed's resource set (SEED.md §1): what SecureRegion made before the security baseline
/// added flow logs, the stage and its logging, the default group and ACL, the S3 endpoint, the
/// log bucket and the bucket's other settings.
fn in_seed(urn: &str) -> bool {
    let name = urn.rsplit("::").next().unwrap_or_default();
    const SEED: [&str; 13] = [
        "-vpc",
        "-igw",
        "-rt",
        "-sg",
        "-kms",
        "-kms-alias",
        "-apigateway-role",
        "-apigateway-logs-policy",
        "-apigw-vpce",
        "-private-api",
        "-apigw-logs",
        "-secure-bucket",
        "-secure-bucket-policy",
    ];
    SEED.iter().any(|s| name.ends_with(s))
        || ["-private-subnet-", "-rta-"].iter().any(|s| name.rsplit_once(s).is_some_and(|(_, tail)| tail.len() <= 2))
        || name.ends_with("-secure-bucket-encryption")
        || name.ends_with("-secure-bucket-public-access-block")
        || name == "account-password-policy"
}

/// The AWS calls the provider began (its diagnostics with TAP_LOG, one line per attempt), as
/// (ms after `origin`, URN or "" for Construct's own, "Service.Operation").
fn calls_from_log(log: &str, origin: std::time::SystemTime) -> Vec<(f64, String, String)> {
    let seconds_of_day = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64() % 86_400.0).unwrap_or_default()
    };
    let origin = seconds_of_day(origin);
    let field = |line: &str, key: &str| -> Option<String> {
        let rest = &line[line.find(key)? + key.len()..];
        let end = rest.find([' ', '}', ',']).unwrap_or(rest.len());
        Some(rest[..end].trim_matches('"').to_string())
    };
    log.lines()
        .filter(|l| l.contains("beginning attempt #"))
        .filter_map(|l| {
            let clock = l.split_whitespace().next()?.split('T').nth(1)?.trim_end_matches('Z');
            let mut hms = clock.split(':').map(|p| p.parse::<f64>().unwrap_or_default());
            let at = hms.next()? * 3600.0 + hms.next()? * 60.0 + hms.next()?;
            let urn = field(l, "create{urn=").unwrap_or_default();
            let op = format!("{}.{}", field(l, "rpc.service=")?, field(l, "rpc.method=")?);
            Some(((at - origin) * 1000.0, urn, op))
        })
        .collect()
}

/// A link's calls as round trips: calls begun within half a `DELAY` of each other are one.
fn round_trips(calls: &[(f64, String)]) -> Vec<Vec<String>> {
    let mut trips: Vec<(f64, Vec<String>)> = Vec::new();
    for (at, op) in calls {
        match trips.last_mut() {
            Some((first, ops)) if at - *first < ms(DELAY) / 2.0 => ops.push(op.clone()),
            _ => trips.push((*at, vec![op.clone()])),
        }
    }
    trips.into_iter().map(|(_, ops)| ops).collect()
}

/// The round trips one link of a critical path made, from the provider's log.
fn link_trips(link: &Link, calls: &[(f64, String, String)], lead_ms: f64) -> Vec<Vec<String>> {
    let mine: Vec<(f64, String)> = calls
        .iter()
        .filter(|(at, urn, _)| match &link.urn {
            Some(u) => urn == u,
            None => urn.is_empty() && (0.0..=lead_ms).contains(at),
        })
        .map(|(at, _, op)| (*at, op.clone()))
        .collect();
    round_trips(&mine)
}

/// The AWS round trips along a critical path, counted from the provider's log (a link's time ÷
/// 50 ms also counts moto's own answer time, which grows with load).
fn logged_round_trips(path: &(f64, Vec<Link>), calls: &[(f64, String, String)], lead_ms: f64) -> usize {
    path.1.iter().map(|link| link_trips(link, calls, lead_ms).len()).sum()
}

/// The critical path as a table: each link with the calls of each of its round trips.
fn path_table(title: &str, path: &(f64, Vec<Link>), calls: &[(f64, String, String)], lead_ms: f64) -> Vec<String> {
    let mut s = vec![
        format!(
            "{title}: {} AWS round trips in the provider's log (the dependency chain with the most):",
            logged_round_trips(path, calls, lead_ms),
        ),
        String::new(),
    ];
    s.push("| link | round trips | AWS calls per round trip (∥ at once, → after) |".into());
    s.push("|---|---|---|".into());
    for link in &path.1 {
        let trips = link_trips(link, calls, lead_ms).into_iter().map(|ops| ops.join(" ∥ ")).collect::<Vec<_>>();
        s.push(format!("| {} | {:.0} | {} |", link.name(), link.round_trips, trips.join(" → ")));
    }
    s
}

/// 5. Deploy time against the critical path, with 50 ms added to every AWS call.
async fn deploy_time(r: &mut Report) -> String {
    let proxy = CountingProxy::start(moto::moto().url(), DELAY).await;
    // Each AWS call the provider begins, with the URN it is for: which calls each round trip is.
    let log_path = std::env::temp_dir().join(unique("bench-provider-log"));
    std::env::set_var("TAP_PROVIDER_STDERR", &log_path);
    std::env::set_var(
        "TAP_LOG",
        "warn,tap::provider=info,aws_sdk=debug,aws_smithy_runtime::client::orchestrator=debug",
    );
    let engine = Engine::start(provider_config("us-east-1", &proxy.url())).await;
    std::env::remove_var("TAP_PROVIDER_STDERR");
    std::env::remove_var("TAP_LOG");
    let base = unique("cp");
    let mut one = Vec::new();
    let mut three = Vec::new();
    let mut moto_one = Vec::new();
    let mut moto_three = Vec::new();
    let latency = |proxy: &CountingProxy| {
        let calls = proxy.calls();
        calls.iter().map(|c| c.upstream_ms).sum::<f64>() / calls.len().max(1) as f64
    };
    let mut last_timeline = Vec::new();
    let mut last_path = (0.0, Vec::new());
    let mut seed_path = (0.0, Vec::new());
    let mut last_run = Vec::new();
    let mut calls = Vec::new();
    let mut lead_ms = 0.0;
    for run in 0..3 {
        let single = vec![(format!("{base}-one-{run}"), instance_inputs("us-west-2", 0, false))];
        let (started, origin) = (Instant::now(), std::time::SystemTime::now());
        proxy.reset();
        let (wall, timeline, _) = up(&engine, false, &single).await;
        moto_one.push(latency(&proxy));
        let path = critical_path(&timeline, started, |_| true);
        seed_path = critical_path(&timeline, started, in_seed);
        calls = calls_from_log(&std::fs::read_to_string(&log_path).unwrap_or_default(), origin);
        lead_ms = timeline.iter().map(|t| ms(t.start.duration_since(started))).fold(f64::INFINITY, f64::min);
        one.push((wall, path.0));
        last_timeline = timeline
            .iter()
            .map(|t| {
                (
                    t.urn.rsplit("::").next().unwrap_or_default().to_string(),
                    ms(t.start.duration_since(started)),
                    ms(t.end.duration_since(started)),
                )
            })
            .collect::<Vec<_>>();
        last_path = path;
        last_run = timeline;
        teardown(&engine, &proxy).await;
        let program: Vec<(String, PropertyMap)> = ["us-east-1", "us-west-2", "eu-central-1"]
            .iter()
            .enumerate()
            .map(|(i, region)| (format!("{base}-three-{run}-{i}"), instance_inputs(region, i, false)))
            .collect();
        proxy.reset();
        let (wall3, _, _) = up(&engine, false, &program).await;
        moto_three.push(latency(&proxy));
        three.push(wall3);
        teardown(&engine, &proxy).await;
    }
    let mut ratios: Vec<f64> = one.iter().map(|(w, cp)| w.as_secs_f64() / (cp * DELAY.as_secs_f64())).collect();
    let mut one_ms: Vec<f64> = one.iter().map(|(w, _)| ms(*w)).collect();
    let mut three_ratio: Vec<f64> =
        three.iter().zip(&one).map(|(t, (o, _))| t.as_secs_f64() / o.as_secs_f64()).collect();
    let (rm, rlo, rhi) = stats(&mut ratios);
    let (om, olo, ohi) = stats(&mut one_ms);
    let (tm, tlo, thi) = stats(&mut three_ratio);
    r.row(
        "deploy: one region ÷ (critical-path round trips × 50 ms)",
        format!(
            "{rm:.2} [{rlo:.2}–{rhi:.2}] (one region {om:.0} ms [{olo:.0}–{ohi:.0}], critical path {:.0} RT)",
            last_path.0
        ),
        "≤ 1.25",
        Some(rm <= 1.25),
    );
    let (m1, _, _) = stats(&mut moto_one);
    let (m3, _, _) = stats(&mut moto_three);
    r.row(
        "deploy: three regions ÷ one region, 50 ms added to moto's own answer time (the target's row is under scale)",
        format!("{tm:.2} [{tlo:.2}–{thi:.2}] (moto's mean answer time per call: {m1:.1} ms for one region, {m3:.1} ms for three)"),
        "report",
        None,
    );
    r.json.insert("moto_mean_call_ms".into(), json!({"one_region": m1, "three_regions": m3}));
    r.json.insert("deploy_one_region_ms".into(), json!({"median": om, "min": olo, "max": ohi}));
    r.json.insert(
        "deploy_ratio_to_critical_path".into(),
        json!({"median": rm, "min": rlo, "max": rhi, "critical_path_round_trips": last_path.0}),
    );
    r.json.insert("deploy_three_over_one".into(), json!({"median": tm, "min": tlo, "max": thi}));

    // Counted on the chain with the most round trips in the log; the chain that took longest (by
    // time, moto's own answer time included) is named beside.
    let seed_logged = critical_path_logged(&last_run, in_seed, &calls, lead_ms);
    let all_logged = critical_path_logged(&last_run, |_| true, &calls, lead_ms);
    let (seed_trips, all_trips) = (seed_logged.0 as usize, all_logged.0 as usize);
    r.row(
        "critical path: the seed's resource set, one region (AWS round trips in the provider's log)",
        format!("{seed_trips} round trips (the chain that took longest: {:.0} × 50 ms)", seed_path.0),
        "≤ 10",
        Some(seed_trips <= 10),
    );
    r.row(
        "critical path: all of SecureRegion (with the security baseline's additions), one region",
        format!("{all_trips} round trips (the chain that took longest: {:.0} × 50 ms)", last_path.0),
        "report",
        None,
    );
    r.json.insert("critical_path_seed_round_trips".into(), json!(seed_trips));
    r.json.insert("critical_path_all_round_trips".into(), json!(all_trips));
    r.json.insert("critical_path_seed_time_over_delay".into(), json!(seed_path.0));
    r.json.insert("critical_path_all_time_over_delay".into(), json!(last_path.0));
    let _ = std::fs::remove_file(&log_path);

    let mut s = vec!["## Deploy timeline (one region, 50 ms per AWS call)".to_string(), String::new()];
    s.extend(path_table("Critical path of the seed's resource set", &seed_logged, &calls, lead_ms));
    s.push(String::new());
    s.extend(path_table("Critical path of all of SecureRegion", &all_logged, &calls, lead_ms));
    s.push(String::new());
    s.push("| child | start ms | end ms | round trips |".into());
    s.push("|---|---|---|---|".into());
    last_timeline.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (name, start, end) in &last_timeline {
        s.push(format!("| {name} | {start:.0} | {end:.0} | {:.0} |", (end - start) / ms(DELAY)));
    }
    s.join("\n")
}

/// The provider process's CPU time so far (user + system), in ms.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let hz = command_output("getconf", &["CLK_TCK"]).parse::<f64>().unwrap_or(100.0);
    (ticks(11) + ticks(12)) * 1000.0 / hz
}

/// Wall time and the provider's CPU time of one phase.
struct Phase {
    wall: Duration,
    cpu_ms: f64,
}

async fn measured<F: std::future::Future>(pid: u32, f: F) -> (Phase, F::Output) {
    let cpu = cpu_ms(pid);
    let t = Instant::now();
    let out = f.await;
    (Phase { wall: t.elapsed(), cpu_ms: cpu_ms(pid) - cpu }, out)
}

/// Destroy, which no figure measures, without the proxy's added latency (seventeen regions'
/// buckets emptied at 250 ms a call would take most of the bench's time), then the latency back.
async fn teardown(engine: &Engine, proxy: &CountingProxy) {
    let floor = proxy.floor();
    proxy.set_delay(Some(Duration::ZERO));
    proxy.answer_after(None);
    engine.destroy().await.expect("destroy");
    proxy.reset();
    proxy.set_delay(None);
    proxy.answer_after(floor);
}

/// moto's answer times over a phase's calls: the mean, and the share of calls answered later
/// than `within`.
struct MotoTime {
    mean_ms: f64,
    late_share: f64,
}

impl MotoTime {
    /// Over the calls the proxy saw since its last reset (which this does).
    fn taken(proxy: &CountingProxy, within: Duration) -> MotoTime {
        let calls = proxy.calls();
        proxy.reset();
        let n = calls.len().max(1) as f64;
        MotoTime {
            mean_ms: calls.iter().map(|c| c.upstream_ms).sum::<f64>() / n,
            late_share: calls.iter().filter(|c| c.upstream_ms > ms(within)).count() as f64 / n,
        }
    }
}

/// Preview, up, refresh and destroy of `program`: each phase's wall and CPU time and moto's
/// answer times, and how many custom resources the up created.
async fn cycle(
    engine: &Engine,
    proxy: &CountingProxy,
    pid: u32,
    program: &[(String, PropertyMap)],
    within: Duration,
) -> ([(Phase, MotoTime); 3], usize) {
    proxy.reset();
    let (preview, _) = measured(pid, up(engine, true, program)).await;
    let preview = (preview, MotoTime::taken(proxy, within));
    let (deploy, _) = measured(pid, up(engine, false, program)).await;
    let deploy = (deploy, MotoTime::taken(proxy, within));
    let resources = engine.state().await.iter().filter(|s| s.custom).count();
    let (refresh, _) = measured(pid, async { engine.refresh_concurrently().await.expect("refresh") }).await;
    let refresh = (refresh, MotoTime::taken(proxy, within));
    teardown(engine, proxy).await;
    ([preview, deploy, refresh], resources)
}

/// Seventeen regions in one program, and the seed's three, against one, against an AWS that
/// takes `LATENCY` for every call: the proxy answers each call that long after it arrived, moto's
/// own answer time inside it (moto's grows with concurrency, and added on top it would be most of
/// what is measured), so the ratio is tap's: its scheduling, its CPU and its memory. The share of
/// calls moto answered later than that, which do stretch a round trip, is reported beside.
async fn scale(r: &mut Report) {
    const LATENCY: Duration = Duration::from_millis(1000);
    const THREE: [&str; 3] = ["us-east-1", "us-west-2", "eu-central-1"];
    let proxy = CountingProxy::start(moto::moto().url(), Duration::ZERO).await;
    proxy.answer_after(Some(LATENCY));
    let engine = Engine::start(provider_config("us-east-1", &proxy.url())).await;
    let pid = engine.provider.as_ref().expect("a launched provider").child.id().expect("pid");
    let base = unique("scale");
    // Per (regions, phase): (ratio to one region, wall s), tap's CPU per resource, and moto's
    // mean answer time and late share (%).
    type Key = (usize, &'static str);
    let mut rows: BTreeMap<Key, Vec<(f64, f64)>> = BTreeMap::new();
    let mut cpu_per_resource: BTreeMap<Key, Vec<f64>> = BTreeMap::new();
    let mut moto: BTreeMap<Key, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for run in 0..3 {
        let single = vec![(format!("{base}-one-{run}"), instance_inputs("us-west-2", 0, false))];
        let (one, _) = cycle(&engine, &proxy, pid, &single, LATENCY).await;
        for regions in [&THREE[..], &SEVENTEEN[..]] {
            let n = regions.len();
            let program: Vec<(String, PropertyMap)> = regions
                .iter()
                .enumerate()
                .map(|(i, region)| (format!("{base}-{run}-{n}-{i}"), instance_inputs(region, i, false)))
                .collect();
            let (all, resources) = cycle(&engine, &proxy, pid, &program, LATENCY).await;
            for (phase, ((one, _), (all, moto_time))) in
                ["preview", "up", "refresh"].into_iter().zip(one.iter().zip(&all))
            {
                rows.entry((n, phase))
                    .or_default()
                    .push((all.wall.as_secs_f64() / one.wall.as_secs_f64(), all.wall.as_secs_f64()));
                cpu_per_resource.entry((n, phase)).or_default().push(all.cpu_ms / resources.max(1) as f64);
                let (mean, late) = moto.entry((n, phase)).or_default();
                mean.push(moto_time.mean_ms);
                late.push(moto_time.late_share * 100.0);
            }
        }
    }
    let rss = vm_hwm_mb(pid);
    let mut json_rows = serde_json::Map::new();
    for ((n, phase), samples) in rows.iter_mut() {
        let mut ratios: Vec<f64> = samples.iter().map(|(ratio, _)| *ratio).collect();
        let mut walls: Vec<f64> = samples.iter().map(|(_, wall)| *wall).collect();
        let (m, lo, hi) = stats(&mut ratios);
        let (w, _, _) = stats(&mut walls);
        let (cpu, cpu_lo, cpu_hi) = stats(cpu_per_resource.get_mut(&(*n, *phase)).expect("cpu"));
        let (moto_means, moto_lates) = moto.get_mut(&(*n, *phase)).expect("moto");
        let ((moto_mean, _, _), (late, _, _)) = (stats(moto_means), stats(moto_lates));
        let limit = match (*n, *phase) {
            (17, "up") => Some(1.3),
            (3, "up") => Some(1.1),
            _ => None,
        };
        let named = if *n == 3 { "three regions".to_string() } else { format!("{n} regions") };
        r.row(
            &format!("scale: {phase}, {named} ÷ one region (wall time, every AWS call {} ms)", LATENCY.as_millis()),
            format!(
                "{m:.2} [{lo:.2}–{hi:.2}] ({named} in {w:.1} s; moto answered {late:.1} % of their calls later than {} ms, mean {moto_mean:.0} ms)",
                LATENCY.as_millis()
            ),
            &limit.map_or("report".to_string(), |l| format!("≤ {l}")),
            limit.map(|l| m <= l),
        );
        if *n == 17 {
            r.row(
                &format!("scale: tap's CPU time per resource, {phase} of 17 regions"),
                format!("{cpu:.2} ms [{cpu_lo:.2}–{cpu_hi:.2}]"),
                "report",
                None,
            );
        }
        json_rows.insert(
            format!("{phase}_{n}"),
            json!({"ratio": {"median": m, "min": lo, "max": hi}, "wall_s": w, "cpu_ms_per_resource": cpu, "moto_mean_call_ms": moto_mean, "moto_late_percent": late}),
        );
    }
    r.row("scale: peak RSS with 17 regions", format!("{rss:.1} MB"), "≤ 60 MB", Some(rss <= 60.0));
    r.json.insert(
        "scale".into(),
        json!({"latency_ms": LATENCY.as_millis() as u64, "phases": json_rows, "rss_17_mb": rss}),
    );
}

/// The three-region deploy through the reliability suite's fault mix (throttling, 5xx,
/// connection resets, answers lost after the call succeeded), with tap's production retries and
/// backoff and 50 ms per call, beside the same deploy without faults.
async fn under_faults(r: &mut Report) {
    std::env::set_var("TAP_RETRY_BACKOFF_MS", tap::aws::first_backoff_default_ms().to_string());
    let proxy = CountingProxy::start(moto::moto().url(), DELAY).await;
    // Retried as in production (the harness's own provider config allows one retry).
    let mut config = provider_config("us-east-1", &proxy.url());
    config.insert("maxRetries".into(), Value::Number(f64::from(tap::aws::DEFAULT_MAX_RETRIES)));
    let engine = Engine::start(config).await;
    std::env::remove_var("TAP_RETRY_BACKOFF_MS");
    let base = unique("faults");
    let program = |run: &str| -> Vec<(String, PropertyMap)> {
        ["us-east-1", "us-west-2", "eu-central-1"]
            .iter()
            .enumerate()
            .map(|(i, region)| (format!("{base}-{run}-{i}"), instance_inputs(region, i, false)))
            .collect()
    };
    proxy.reset();
    let (clean, _, _) = up(&engine, false, &program("clean")).await;
    let clean_calls = proxy.calls().len();
    teardown(&engine, &proxy).await;
    let seed = 7;
    proxy.reset();
    proxy.inject(harness::proxy::Faults::mix(seed));
    let (faulty, _, _) = up(&engine, false, &program("faults")).await;
    let (faulty_calls, injected) = (proxy.calls().len(), proxy.injected());
    proxy.stop_failing();
    teardown(&engine, &proxy).await;
    r.row(
        "under faults: three-region up through the fault mix (seed 7), 50 ms per call",
        format!(
            "{:.1} s, {faulty_calls} AWS calls ({injected} faults injected) vs {:.1} s, {clean_calls} calls clean",
            faulty.as_secs_f64(),
            clean.as_secs_f64()
        ),
        "report",
        None,
    );
    r.json.insert(
        "under_faults".into(),
        json!({"seed": seed, "wall_s": faulty.as_secs_f64(), "calls": faulty_calls, "injected": injected,
               "clean_wall_s": clean.as_secs_f64(), "clean_calls": clean_calls}),
    );
}

/// The real CLI's `pulumi preview` and `pulumi up` of the YAML and TypeScript examples (three
/// regions), end to end (CLI and language-host start-up included), with 50 ms per AWS call;
/// beside them the same three regions through the stand-in engine, which is tap's own share.
async fn cli_runs(r: &mut Report) {
    if !Path::new(ROOT).join("bin/pulumi").exists() {
        r.row(
            "real CLI: preview and up of the examples",
            "not measured: run `make pulumi` first".into(),
            "report",
            None,
        );
        return;
    }
    // tap alone: the same program through the stand-in engine.
    let proxy = CountingProxy::start(moto::moto().url(), DELAY).await;
    let engine = Engine::start(provider_config("us-east-1", &proxy.url())).await;
    let base = unique("cli-tap");
    let program: Vec<(String, PropertyMap)> = ["us-east-1", "us-west-2", "eu-central-1"]
        .iter()
        .enumerate()
        .map(|(i, region)| (format!("{base}-{i}"), instance_inputs(region, i, i == 0)))
        .collect();
    let (tap_preview, _, _) = up(&engine, true, &program).await;
    let (tap_up, _, _) = up(&engine, false, &program).await;
    teardown(&engine, &proxy).await;
    drop(engine);

    let mut json_rows = serde_json::Map::new();
    for (language, script) in [("YAML", None), ("TypeScript", Some("scripts/ts-example.sh"))] {
        let dir = std::env::temp_dir().join(unique("bench-cli"));
        let program = dir.join("program");
        std::fs::create_dir_all(dir.join("state")).expect("state");
        match script {
            None => {
                std::fs::create_dir_all(&program).expect("dir");
                std::fs::copy(Path::new(ROOT).join("examples/yaml/Pulumi.yaml"), program.join("Pulumi.yaml"))
                    .expect("copy");
            }
            Some(script) => {
                let ok = std::process::Command::new("bash")
                    .arg(Path::new(ROOT).join(script))
                    .arg(&program)
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
                if !ok {
                    r.row(&format!("real CLI: {language} example"), format!("{script} failed"), "report", None);
                    continue;
                }
            }
        }
        let proxy = CountingProxy::start(moto::moto().url(), DELAY).await;
        let cli = Cli { dir: dir.clone(), program };
        cli.run(&["stack", "init", "bench"]).await;
        cli.run(&["config", "set", "tap:region", "us-east-1"]).await;
        cli.run(&["config", "set", "tap:endpoint", &proxy.url()]).await;
        let t = Instant::now();
        let previewed = cli.run(&["preview", "--non-interactive"]).await;
        let preview = t.elapsed();
        let t = Instant::now();
        let deployed = cli.run(&["up", "--yes", "--skip-preview", "--non-interactive"]).await;
        let deploy = t.elapsed();
        cli.run(&["destroy", "--yes", "--non-interactive"]).await;
        let _ = std::fs::remove_dir_all(&dir);
        for (phase, ok, wall, tap) in [("preview", previewed, preview, tap_preview), ("up", deployed, deploy, tap_up)] {
            let share = 1.0 - tap.as_secs_f64() / wall.as_secs_f64();
            let value = if ok {
                format!(
                    "{:.1} s; engine and language host {:.0} % (tap alone, through the stand-in engine: {:.1} s)",
                    wall.as_secs_f64(),
                    100.0 * share,
                    tap.as_secs_f64()
                )
            } else {
                "failed".into()
            };
            r.row(
                &format!("real CLI: pulumi {phase} of the {language} example (50 ms per AWS call)"),
                value,
                "report",
                None,
            );
            json_rows.insert(
                format!("{}_{phase}", language.to_lowercase()),
                json!({"ok": ok, "wall_s": wall.as_secs_f64(), "tap_alone_s": tap.as_secs_f64(), "engine_share": share}),
            );
        }
    }
    r.json.insert("cli".into(), serde_json::Value::Object(json_rows));
}

/// One Pulumi workspace for the real CLI: its own home and state, the built CLI and hosts, the
/// measured binary as the plugin.
struct Cli {
    dir: std::path::PathBuf,
    program: std::path::PathBuf,
}

impl Cli {
    async fn run(&self, args: &[&str]) -> bool {
        let plugin_dir = harness::engine::provider_binary().parent().expect("dir").to_path_buf();
        let path = std::env::join_paths(
            [Path::new(ROOT).join("bin"), plugin_dir]
                .into_iter()
                .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
        )
        .expect("PATH");
        tokio::process::Command::new(Path::new(ROOT).join("bin/pulumi"))
            .args(args)
            .current_dir(&self.program)
            .env("PATH", &path)
            .env("PULUMI_HOME", self.dir.join("home"))
            .env("PULUMI_BACKEND_URL", format!("file://{}", self.dir.join("state").display()))
            .env("PULUMI_CONFIG_PASSPHRASE", "bench")
            .env("PULUMI_SKIP_UPDATE_CHECK", "true")
            .env("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .is_ok_and(|s| s.success())
    }
}

/// 7. The edit-build loop: rebuild after touching one resource file (debug, as tests build).
fn build(r: &mut Report) {
    let file = Path::new(ROOT).join("src/resources/ec2/subnet.rs");
    let _ = std::process::Command::new("touch").arg(&file).status();
    let t = Instant::now();
    let ok = std::process::Command::new("cargo")
        .args(["build", "--quiet"])
        .current_dir(ROOT)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let rebuild = t.elapsed().as_secs_f64();
    r.row(
        "build: debug rebuild after touching one resource file",
        if ok { format!("{rebuild:.1} s") } else { "failed".into() },
        "report",
        None,
    );
    r.json.insert("rebuild_one_file_s".into(), json!(rebuild));
    demo(r);
}

/// The newcomer's first command, as scripts/demo-timing.sh last measured it (a cold run needs
/// every cache empty, so it is not rerun here).
fn demo(r: &mut Report) {
    let path = Path::new(ROOT).join("bench/demo-timing.json");
    let Some(timing) = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    else {
        r.row(
            "demo: `make demo` (run scripts/demo-timing.sh)",
            "not measured".into(),
            "≤ 600 s cold, ≤ 30 s again",
            None,
        );
        return;
    };
    let (cold, second) =
        (timing["cold_s"].as_f64().unwrap_or(f64::NAN), timing["second_s"].as_f64().unwrap_or(f64::NAN));
    let when = timing["measured"].as_str().unwrap_or("?");
    r.row(
        &format!("demo: `make demo` on a fresh clone, every cache empty (scripts/demo-timing.sh, {when})"),
        format!("{cold:.0} s (builds done at {} s)", timing["cold_builds_done_s"]),
        "≤ 600 s",
        Some(cold <= 600.0),
    );
    r.row(
        &format!("demo: `make demo` a second time ({when})"),
        format!("{second:.0} s"),
        "≤ 30 s",
        Some(second <= 30.0),
    );
    r.json.insert("demo".into(), timing);
}
