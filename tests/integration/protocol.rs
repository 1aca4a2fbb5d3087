//! The plugin as the engine launches and drives it: port line, Handshake, GetPluginInfo,
//! GetSchema, Attach, Cancel, timeouts, partial creations, signals, Construct.

use std::time::{Duration, Instant};

use tap::proto::pulumirpc as rpc;
use tap::value::{encode_struct, Value};
use tokio::io::AsyncReadExt;

use crate::harness::engine::{init_failed, launch};
use crate::harness::{moto, props, provider_config, unique, CountingProxy, Engine, Registration, Rig};

#[tokio::test]
async fn launch_prints_only_the_port_and_answers_handshake_plugin_info_and_schema() {
    let mut p = launch(&["--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:1"], Some("127.0.0.1:1")).await;
    let hs = p.client.handshake(rpc::ProviderHandshakeRequest::default()).await.expect("handshake").into_inner();
    assert!(hs.accept_secrets && hs.accept_resources && hs.accept_outputs);
    let info = p.client.get_plugin_info(()).await.expect("plugin info").into_inner();
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let schema = p.client.get_schema(rpc::GetSchemaRequest::default()).await.expect("schema").into_inner().schema;
    let on_disk = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.json")).expect("schema.json");
    assert_eq!(schema, on_disk);

    // SIGTERM ends it cleanly, and nothing but the port line was ever written to stdout.
    let pid = p.child.id().expect("pid");
    std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().expect("kill");
    let status = tokio::time::timeout(Duration::from_secs(10), p.child.wait()).await.expect("exits").expect("status");
    assert!(status.success(), "exit status {status:?}");
    let mut rest = String::new();
    if let Some(mut out) = p.child.stdout.take() {
        out.read_to_string(&mut rest).await.expect("stdout");
    }
    assert_eq!(rest, "", "stdout after the port line");
}

#[tokio::test]
async fn sigint_ends_the_plugin_cleanly() {
    let mut p = launch(&[], Some("127.0.0.1:1")).await;
    let pid = p.child.id().expect("pid");
    std::process::Command::new("kill").arg("-INT").arg(pid.to_string()).status().expect("kill");
    let status = tokio::time::timeout(Duration::from_secs(10), p.child.wait()).await.expect("exits").expect("status");
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn attach_mode_with_no_arguments_takes_the_engine_address_from_attach() {
    let mut p = launch(&[], None).await;
    p.client.handshake(rpc::ProviderHandshakeRequest::default()).await.expect("handshake");
    p.client.attach(rpc::PluginAttach { address: "127.0.0.1:1".into() }).await.expect("attach");
    let info = p.client.get_plugin_info(()).await.expect("plugin info").into_inner();
    assert_eq!(info.version, tap::VERSION);
}

#[tokio::test]
async fn check_config_names_each_bad_key() {
    let mut p = launch(&[], Some("127.0.0.1:1")).await;
    let news = props([
        ("region", Value::str("nowhere")),
        ("endpoint", Value::str("127.0.0.1:5000")),
        ("maxRetries", Value::Number(99.0)),
    ]);
    let resp = p
        .client
        .check_config(rpc::CheckRequest { news: Some(encode_struct(&news)), ..Default::default() })
        .await
        .expect("check config")
        .into_inner();
    let mut keys: Vec<String> = resp.failures.iter().map(|f| f.property.clone()).collect();
    keys.sort();
    assert_eq!(keys, ["endpoint", "maxRetries", "region"]);
}

#[tokio::test]
async fn configure_answers_every_capability() {
    let mut p = launch(&[], Some("127.0.0.1:1")).await;
    let args = provider_config("us-east-1", "http://127.0.0.1:1");
    let resp = p
        .client
        .configure(rpc::ConfigureRequest {
            args: Some(encode_struct(&args)),
            accept_secrets: true,
            ..Default::default()
        })
        .await
        .expect("configure")
        .into_inner();
    assert!(resp.accept_secrets && resp.accept_resources && resp.accept_outputs && resp.supports_preview);
}

#[tokio::test]
async fn construct_of_an_unknown_component_type_is_rejected() {
    let engine = Engine::start(provider_config("us-east-1", &crate::harness::proxy::closed_port_url())).await;
    let run = engine.run(true).await;
    let err = engine
        .construct(&run, "tap:index:Nope", "r", props([("region", Value::str("us-east-1"))]))
        .await
        .expect_err("unknown component");
    assert!(err.to_string().contains("does not implement the resource type tap:index:Nope"), "{err}");
}

#[tokio::test]
async fn unknown_resource_types_are_rejected() {
    let engine = Engine::start(provider_config("us-east-1", &crate::harness::proxy::closed_port_url())).await;
    let run = engine.run(true).await;
    let err = run.register(Registration::new("tap:ec2:Nope", "n", props([]))).await.expect_err("unknown type");
    assert!(err.to_string().contains("does not implement the resource type tap:ec2:Nope"), "{err}");
}

fn vpc_inputs(name: &str) -> tap::value::PropertyMap {
    props([("cidrBlock", Value::str("10.9.0.0/16")), ("tags", crate::harness::tags(&[("Name", name)]))])
}

#[tokio::test]
async fn cancel_aborts_an_in_flight_create() {
    let proxy = CountingProxy::start(moto::moto().url(), Duration::from_secs(30)).await;
    let engine = Engine::start(provider_config("us-east-1", &proxy.url())).await;
    let mut client = engine.client();
    let name = unique("cancel");
    let create = tokio::spawn(async move {
        let inputs = props([
            ("cidrBlock", Value::str("10.9.0.0/16")),
            ("enableDnsSupport", Value::Bool(true)),
            ("enableDnsHostnames", Value::Bool(false)),
            ("instanceTenancy", Value::str("default")),
            ("region", Value::str("us-east-1")),
            ("tags", crate::harness::tags(&[("Name", &name)])),
        ]);
        client
            .create(rpc::CreateRequest {
                urn: "urn:pulumi:test::tap-tests::tap:ec2:Vpc::cancelled".into(),
                properties: Some(encode_struct(&inputs)),
                r#type: "tap:ec2:Vpc".into(),
                name: "cancelled".into(),
                ..Default::default()
            })
            .await
    });
    // Wait until the create is blocked on AWS, then cancel.
    let started = Instant::now();
    while proxy.calls().is_empty() && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!proxy.calls().is_empty(), "the create never reached AWS");
    let cancelled_at = Instant::now();
    engine.client().cancel(()).await.expect("cancel is acknowledged");
    let status = create.await.expect("join").expect_err("the create is aborted");
    assert_eq!(status.code(), tonic::Code::Cancelled, "{status:?}");
    assert!(cancelled_at.elapsed() < Duration::from_secs(5), "abort took {:?}", cancelled_at.elapsed());
}

#[tokio::test]
async fn a_create_past_its_timeout_fails_with_deadline_exceeded() {
    let rig = Rig::with_delay("us-east-1", Duration::from_secs(30)).await;
    let run = rig.engine.run(false).await;
    let mut reg = Registration::new("tap:ec2:Vpc", "slow", vpc_inputs(&unique("slow")));
    reg.timeout_seconds = 1.0;
    let started = Instant::now();
    let err = run.register(reg).await.expect_err("times out");
    assert!(matches!(&err, crate::harness::EngineError::Rpc(s) if s.code() == tonic::Code::DeadlineExceeded), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_failure_after_the_vpc_exists_is_a_partial_creation_that_the_next_up_completes() {
    let rig = Rig::new("us-east-1").await;
    rig.proxy.fail_operation("ModifyVpcAttribute");
    let name = unique("partial");
    let mut inputs = vpc_inputs(&name);
    inputs.insert("enableDnsHostnames".into(), Value::Bool(true));
    let run = rig.engine.run(false).await;
    let err = run.register(Registration::new("tap:ec2:Vpc", "partial", inputs.clone())).await.expect_err("fails");
    let crate::harness::EngineError::Rpc(status) = &err else { panic!("{err}") };
    let failed = init_failed(status).expect("ErrorResourceInitFailed detail");
    assert!(failed.id.starts_with("vpc-"), "{failed:?}");
    assert!(failed.reasons[0].contains("InjectedFailure"), "{:?}", failed.reasons);
    run.finish().await.expect("finish");
    let stored = rig.engine.state().await;
    assert_eq!(stored.len(), 1, "the partially created VPC is in the state");
    assert_eq!(stored[0].id, failed.id);

    // The next up finds the VPC and finishes the job in place.
    rig.proxy.stop_failing();
    let run = rig.engine.run(false).await;
    let vpc = run.register(Registration::new("tap:ec2:Vpc", "partial", inputs)).await.expect("second up");
    assert_eq!(vpc.op, crate::harness::Op::Update);
    assert_eq!(vpc.id, failed.id);
    assert_eq!(vpc.out("enableDnsHostnames"), Value::Bool(true));
    run.finish().await.expect("finish");
    rig.engine.destroy().await.expect("destroy");
}
