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

const BINARY: &str = env!("CARGO_BIN_EXE_pulumi-resource-tap");
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
    runtime.block_on(run());
}

async fn run() {
    let mut r = Report::default();
    r.md.push("| figure | measured | target | |".into());
    r.md.push("|---|---|---|---|".into());
    let mut sections = Vec::new();

    startup(&mut r).await;
    size(&mut r);
    sections.push(calls_and_memory(&mut r).await);
    sections.push(deploy_time(&mut r).await);
    scale(&mut r).await;
    cli_up(&mut r).await;
    build(&mut r);

    let machine = format!(
        "{} cores, rustc {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        command_output("rustc", &["--version"])
    );
    let mut md = vec![
        "# tap benchmarks".to_string(),
        String::new(),
        format!("Written by `make bench` (benches/tap.rs) on {machine}; release build; AWS is moto on loopback."),
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
    let mut child = tokio::process::Command::new(BINARY)
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

/// 1. exec → port printed; exec → first GetSchema answered.
async fn startup(r: &mut Report) {
    let runs = 25;
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
    r.row(
        "start-up: exec → port printed",
        format!("{pm:.1} ms [{plo:.1}–{phi:.1}], {runs} runs"),
        "≤ 15 ms",
        Some(pm <= 15.0),
    );
    r.row(
        "start-up: exec → first GetSchema answered",
        format!("{sm:.1} ms [{slo:.1}–{shi:.1}], {runs} runs"),
        "≤ 15 ms",
        Some(sm <= 15.0),
    );
    r.json.insert("startup_port_ms".into(), json!({"median": pm, "min": plo, "max": phi, "runs": runs}));
    r.json.insert("startup_schema_ms".into(), json!({"median": sm, "min": slo, "max": shi, "runs": runs}));
}

/// 3. Stripped binary and release tarball.
fn size(r: &mut Report) {
    let binary = std::fs::metadata(BINARY).map(|m| m.len()).unwrap_or(0);
    let dist = std::env::temp_dir().join(unique("bench-dist"));
    let out = std::process::Command::new("bash")
        .arg(Path::new(ROOT).join("scripts/dist.sh"))
        .arg(BINARY)
        .arg(&dist)
        .output()
        .expect("dist.sh");
    let tarball = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let tar = std::fs::metadata(&tarball).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_dir_all(&dist);
    let mb = |b: u64| b as f64 / 1_000_000.0;
    r.row("size: stripped binary", format!("{:.1} MB", mb(binary)), "≤ 30 MB", Some(mb(binary) <= 30.0));
    r.row("size: release tarball", format!("{:.1} MB", mb(tar)), "≤ 12 MB", Some(mb(tar) <= 12.0));
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
        "≤ 25 MB",
        Some(idle <= 25.0),
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

/// The longest dependency chain of a timeline, in round trips of `DELAY`, and the chain itself.
fn critical_path(timeline: &[Timing], construct_start: Instant) -> (f64, Vec<String>) {
    let mut order: Vec<&Timing> = timeline.iter().collect();
    order.sort_by_key(|t| t.start);
    let mut best: BTreeMap<&str, (f64, Vec<String>)> = BTreeMap::new();
    let lead = order.first().map(|t| t.start.duration_since(construct_start)).unwrap_or_default();
    let rt = |d: Duration| (d.as_secs_f64() / DELAY.as_secs_f64()).round();
    for t in &order {
        let own = rt(t.end.duration_since(t.start));
        let (prev, mut chain) = t
            .dependencies
            .iter()
            .filter_map(|d| best.get(d.as_str()).cloned())
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap_or((rt(lead), vec![format!("lookups ({:.0} RT)", rt(lead))]));
        chain.push(format!("{} ({own:.0} RT)", t.urn.rsplit("::").next().unwrap_or_default()));
        best.insert(&t.urn, (prev + own, chain));
    }
    best.into_values().max_by(|a, b| a.0.total_cmp(&b.0)).unwrap_or_default()
}

/// 5. Deploy time against the critical path, with 50 ms added to every AWS call.
async fn deploy_time(r: &mut Report) -> String {
    let proxy = CountingProxy::start(moto::moto().url(), DELAY).await;
    let engine = Engine::start(provider_config("us-east-1", &proxy.url())).await;
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
    for run in 0..3 {
        let single = vec![(format!("{base}-one-{run}"), instance_inputs("us-west-2", 0, false))];
        let started = Instant::now();
        proxy.reset();
        let (wall, timeline, _) = up(&engine, false, &single).await;
        moto_one.push(latency(&proxy));
        let path = critical_path(&timeline, started);
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
        engine.destroy().await.expect("destroy");
        let program: Vec<(String, PropertyMap)> = ["us-east-1", "us-west-2", "eu-central-1"]
            .iter()
            .enumerate()
            .map(|(i, region)| (format!("{base}-three-{run}-{i}"), instance_inputs(region, i, false)))
            .collect();
        proxy.reset();
        let (wall3, _, _) = up(&engine, false, &program).await;
        moto_three.push(latency(&proxy));
        three.push(wall3);
        engine.destroy().await.expect("destroy");
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
        "deploy: three regions ÷ one region",
        format!("{tm:.2} [{tlo:.2}–{thi:.2}] (moto's mean answer time per call: {m1:.1} ms for one region, {m3:.1} ms for three)"),
        "≤ 1.1",
        Some(tm <= 1.1),
    );
    r.json.insert("moto_mean_call_ms".into(), json!({"one_region": m1, "three_regions": m3}));
    r.json.insert("deploy_one_region_ms".into(), json!({"median": om, "min": olo, "max": ohi}));
    r.json.insert(
        "deploy_ratio_to_critical_path".into(),
        json!({"median": rm, "min": rlo, "max": rhi, "critical_path_round_trips": last_path.0}),
    );
    r.json.insert("deploy_three_over_one".into(), json!({"median": tm, "min": tlo, "max": thi}));

    let mut s = vec!["## Deploy timeline (one region, 50 ms per AWS call)".to_string(), String::new()];
    s.push(format!("Critical path ({:.0} round trips): {}.", last_path.0, last_path.1.join(" → ")));
    s.push(String::new());
    s.push("| child | start ms | end ms | round trips |".into());
    s.push("|---|---|---|---|".into());
    last_timeline.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (name, start, end) in &last_timeline {
        s.push(format!("| {name} | {start:.0} | {end:.0} | {:.0} |", (end - start) / ms(DELAY)));
    }
    s.join("\n")
}

/// 6. Seventeen regions in one program.
async fn scale(r: &mut Report) {
    let proxy = CountingProxy::start(moto::moto().url(), DELAY).await;
    let engine = Engine::start(provider_config("us-east-1", &proxy.url())).await;
    let pid = engine.provider.as_ref().expect("a launched provider").child.id().expect("pid");
    let base = unique("scale");
    let single = vec![(format!("{base}-one"), instance_inputs("us-west-2", 0, false))];
    let (one, _, _) = up(&engine, false, &single).await;
    engine.destroy().await.expect("destroy");
    let program: Vec<(String, PropertyMap)> = SEVENTEEN
        .iter()
        .enumerate()
        .map(|(i, region)| (format!("{base}-{i}"), instance_inputs(region, i, false)))
        .collect();
    let (all, _, _) = up(&engine, false, &program).await;
    let rss = vm_hwm_mb(pid);
    engine.destroy().await.expect("destroy");
    let ratio = all.as_secs_f64() / one.as_secs_f64();
    r.row(
        "scale: 17 regions ÷ one region (wall time)",
        format!("{ratio:.2} ({:.1} s vs {:.1} s)", all.as_secs_f64(), one.as_secs_f64()),
        "report",
        None,
    );
    r.row("scale: peak RSS with 17 regions", format!("{rss:.1} MB"), "report", None);
    r.json.insert("scale_17_over_1".into(), json!(ratio));
    r.json.insert("scale_17_rss_mb".into(), json!(rss));
}

/// The real CLI's `pulumi up` of the YAML example, end to end (CLI and language-host start-up
/// included), with the same 50 ms per call.
async fn cli_up(r: &mut Report) {
    let pulumi = Path::new(ROOT).join("bin/pulumi");
    if !pulumi.exists() {
        r.row(
            "real CLI: pulumi up of the YAML example (50 ms per call)",
            "not measured: run `make pulumi` first".into(),
            "report",
            None,
        );
        return;
    }
    let proxy = CountingProxy::start(moto::moto().url(), DELAY).await;
    let dir = std::env::temp_dir().join(unique("bench-cli"));
    let program = dir.join("program");
    std::fs::create_dir_all(&program).expect("dir");
    std::fs::copy(Path::new(ROOT).join("examples/yaml/Pulumi.yaml"), program.join("Pulumi.yaml")).expect("copy");
    let plugin_dir = Path::new(BINARY).parent().expect("dir").to_path_buf();
    let path = std::env::join_paths(
        [Path::new(ROOT).join("bin"), plugin_dir]
            .into_iter()
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let run = |args: Vec<String>| {
        let mut cmd = tokio::process::Command::new(&pulumi);
        cmd.args(args)
            .current_dir(&program)
            .env("PATH", &path)
            .env("PULUMI_HOME", dir.join("home"))
            .env("PULUMI_BACKEND_URL", format!("file://{}", dir.join("state").display()))
            .env("PULUMI_CONFIG_PASSPHRASE", "bench")
            .env("PULUMI_SKIP_UPDATE_CHECK", "true")
            .env("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    std::fs::create_dir_all(dir.join("state")).expect("state");
    for args in [vec!["stack", "init", "bench"], vec!["config", "set", "tap:region", "us-east-1"]] {
        run(args.into_iter().map(String::from).collect()).status().await.expect("pulumi");
    }
    run(vec!["config".into(), "set".into(), "tap:endpoint".into(), proxy.url()]).status().await.expect("pulumi");
    let t = Instant::now();
    let ok = run(["up", "--yes", "--skip-preview", "--non-interactive"].map(String::from).to_vec())
        .status()
        .await
        .map(|s| s.success())
        .unwrap_or(false);
    let up = t.elapsed();
    run(["destroy", "--yes", "--non-interactive"].map(String::from).to_vec()).status().await.expect("destroy");
    let _ = std::fs::remove_dir_all(&dir);
    let value =
        if ok { format!("{:.1} s (64 resources, three regions)", up.as_secs_f64()) } else { "the up failed".into() };
    r.row("real CLI: pulumi up of the YAML example (50 ms per call)", value, "report", None);
    r.json.insert("cli_up_s".into(), json!(up.as_secs_f64()));
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
}
