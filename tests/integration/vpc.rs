//! tap:ec2:Vpc's lifecycle against moto, through the stand-in engine over gRPC.

use aws_sdk_ec2::types::{AttributeBooleanValue, VpcAttributeName};
use tap::value::{PropertyMap, Unknown, Value};

use crate::harness::proxy::closed_port_url;
use crate::harness::{props, provider_config, tags, unique, Engine, EngineError, Op, Registration, Rig};

const VPC: &str = "tap:ec2:Vpc";

fn inputs(cidr: &str, name: &str, extra: &[(&str, Value)]) -> PropertyMap {
    let mut p = props([("cidrBlock", Value::str(cidr)), ("tags", tags(&[("Name", name)]))]);
    for (k, v) in extra {
        p.insert(k.to_string(), v.clone());
    }
    p
}

async fn dns(rig: &Rig, id: &str, attribute: VpcAttributeName) -> bool {
    let out = rig
        .aws()
        .await
        .ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(attribute.clone())
        .send()
        .await
        .expect("attr");
    let v = match attribute {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support(),
        _ => out.enable_dns_hostnames(),
    };
    v.and_then(|v| v.value()).expect("value")
}

async fn vpc_exists(rig: &Rig, id: &str) -> bool {
    match rig.aws().await.ec2.describe_vpcs().vpc_ids(id).send().await {
        Ok(out) => !out.vpcs().is_empty(),
        Err(_) => false,
    }
}

#[tokio::test]
async fn vpc_create_noop_update_replace_and_destroy() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("vpc");
    let dns_on = [("enableDnsHostnames", Value::Bool(true))];

    // Create: tags at creation, DNS attributes set, computed outputs filled.
    let run = rig.engine.run(false).await;
    let vpc =
        run.register(Registration::new(VPC, "main", inputs("10.0.0.0/16", &name, &dns_on))).await.expect("create");
    run.finish().await.expect("finish");
    assert_eq!(vpc.op, Op::Create);
    assert!(vpc.id.starts_with("vpc-"));
    let aws = rig.aws().await;
    let described = aws.ec2.describe_vpcs().vpc_ids(&vpc.id).send().await.expect("describe");
    let v = &described.vpcs()[0];
    assert_eq!(v.cidr_block(), Some("10.0.0.0/16"));
    assert!(v.tags().iter().any(|t| t.key() == Some("Name") && t.value() == Some(name.as_str())));
    assert!(dns(&rig, &vpc.id, VpcAttributeName::EnableDnsSupport).await);
    assert!(dns(&rig, &vpc.id, VpcAttributeName::EnableDnsHostnames).await);
    assert!(matches!(vpc.out("defaultSecurityGroupId"), Value::String(s) if s.starts_with("sg-")));
    assert!(matches!(vpc.out("mainRouteTableId"), Value::String(s) if s.starts_with("rtb-")));
    assert_eq!(vpc.out("arn"), Value::str(format!("arn:aws:ec2:us-east-1:123456789012:vpc/{}", vpc.id)));
    assert_eq!(vpc.out("region"), Value::str("us-east-1"));

    // A second run with no changes: DIFF_NONE, no mutating call.
    rig.proxy.reset();
    let run = rig.engine.run(false).await;
    let same = run.register(Registration::new(VPC, "main", inputs("10.0.0.0/16", &name, &dns_on))).await.expect("same");
    run.finish().await.expect("finish");
    assert_eq!(same.op, Op::Same);
    assert!(same.detailed_diff.is_empty());
    assert_eq!(rig.proxy.calls(), vec![], "a no-op run makes no AWS call at all");

    // Tags and DNS change in place.
    rig.proxy.reset();
    let changed = inputs(
        "10.0.0.0/16",
        &name,
        &[("enableDnsHostnames", Value::Bool(false)), ("tags", tags(&[("Name", &name), ("Team", "platform")]))],
    );
    let run = rig.engine.run(false).await;
    let updated = run.register(Registration::new(VPC, "main", changed)).await.expect("update");
    run.finish().await.expect("finish");
    assert_eq!(updated.op, Op::Update);
    assert_eq!(updated.id, vpc.id);
    assert_eq!(updated.detailed_diff.keys().collect::<Vec<_>>(), ["enableDnsHostnames", "tags"]);
    assert!(!dns(&rig, &vpc.id, VpcAttributeName::EnableDnsHostnames).await);
    let described = aws.ec2.describe_vpcs().vpc_ids(&vpc.id).send().await.expect("describe");
    assert!(described.vpcs()[0].tags().iter().any(|t| t.key() == Some("Team") && t.value() == Some("platform")));
    let ops: Vec<String> = rig.proxy.mutating().into_iter().map(|c| c.operation).collect();
    assert_eq!(ops, ["ModifyVpcAttribute", "CreateTags"]);

    // A CIDR change replaces: new VPC first, then the old one is deleted.
    let run = rig.engine.run(false).await;
    let replaced =
        run.register(Registration::new(VPC, "main", inputs("10.1.0.0/16", &name, &[]))).await.expect("replace");
    let steps = run.finish().await.expect("finish");
    assert_eq!(replaced.op, Op::Replace);
    assert_ne!(replaced.id, vpc.id);
    assert_eq!(replaced.detailed_diff.get("cidrBlock"), Some(&5), "UPDATE_REPLACE");
    assert_eq!(steps, [(replaced.urn.clone(), Op::Delete)]);
    assert!(!vpc_exists(&rig, &vpc.id).await, "the old VPC is gone");
    assert!(vpc_exists(&rig, &replaced.id).await);

    // Destroy removes it; deleting again is fine.
    rig.engine.destroy().await.expect("destroy");
    assert!(!vpc_exists(&rig, &replaced.id).await);
    let gone = crate::harness::engine::StateResource {
        urn: replaced.urn.clone(),
        r#type: VPC.into(),
        name: "main".into(),
        custom: true,
        id: replaced.id.clone(),
        inputs: PropertyMap::new(),
        outputs: replaced.outputs.clone(),
        dependencies: vec![],
        parent: String::new(),
        delete_before_replace: false,
        refresh_before_update: false,
    };
    let mut client = rig.engine.client();
    client
        .delete(tap::proto::pulumirpc::DeleteRequest {
            id: gone.id.clone(),
            urn: gone.urn.clone(),
            properties: Some(tap::value::encode_struct(&gone.outputs)),
            r#type: VPC.into(),
            ..Default::default()
        })
        .await
        .expect("deleting an already deleted VPC succeeds");
}

#[tokio::test]
async fn vpc_refresh_sees_out_of_band_changes_and_the_next_up_repairs_them() {
    let rig = Rig::new("us-west-2").await;
    let name = unique("drift");
    let run = rig.engine.run(false).await;
    let vpc = run.register(Registration::new(VPC, "drift", inputs("10.2.0.0/16", &name, &[]))).await.expect("create");
    run.finish().await.expect("finish");

    // Someone turns DNS hostnames on and adds a tag by hand.
    let aws = rig.aws().await;
    aws.ec2
        .modify_vpc_attribute()
        .vpc_id(&vpc.id)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .expect("modify");
    aws.ec2
        .create_tags()
        .resources(&vpc.id)
        .tags(aws_sdk_ec2::types::Tag::builder().key("Owner").value("someone").build())
        .send()
        .await
        .expect("tag");

    let steps = rig.engine.refresh().await.expect("refresh");
    assert_eq!(steps, [(vpc.urn.clone(), Op::Read)]);
    let state = rig.engine.resource(&vpc.urn).await.expect("in state");
    assert_eq!(state.outputs["enableDnsHostnames"], Value::Bool(true));
    assert_eq!(state.outputs["tags"], tags(&[("Name", &name), ("Owner", "someone")]));

    // The program still says hostnames off and only the Name tag: the next up repairs both.
    let run = rig.engine.run(false).await;
    let repaired = run.register(Registration::new(VPC, "drift", inputs("10.2.0.0/16", &name, &[]))).await.expect("up");
    run.finish().await.expect("finish");
    assert_eq!(repaired.op, Op::Update);
    assert!(!dns(&rig, &vpc.id, VpcAttributeName::EnableDnsHostnames).await);
    assert_eq!(repaired.out("tags"), tags(&[("Name", &name)]));
    rig.engine.destroy().await.expect("destroy");
}

#[tokio::test]
async fn vpc_deleted_out_of_band_is_reported_gone_by_refresh() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("gone");
    let run = rig.engine.run(false).await;
    let vpc = run.register(Registration::new(VPC, "gone", inputs("10.3.0.0/16", &name, &[]))).await.expect("create");
    run.finish().await.expect("finish");
    rig.aws().await.ec2.delete_vpc().vpc_id(&vpc.id).send().await.expect("delete by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert_eq!(steps, [(vpc.urn.clone(), Op::Delete)]);
    assert!(rig.engine.state().await.is_empty());
}

#[tokio::test]
async fn vpc_import_by_id_and_by_id_at_region() {
    // A VPC made outside Pulumi, in the provider's region and in another one.
    let home = crate::harness::aws("us-east-1").await;
    let away = crate::harness::aws("eu-central-1").await;
    let mut ids = Vec::new();
    for clients in [&home, &away] {
        let out = clients.ec2.create_vpc().cidr_block("10.4.0.0/16").send().await.expect("create by hand");
        ids.push(out.vpc().and_then(|v| v.vpc_id()).expect("id").to_string());
    }
    let rig = Rig::new("us-east-1").await;

    let here = rig
        .engine
        .import(VPC, "imported", &ids[0], props([("cidrBlock", Value::str("10.4.0.0/16")), ("tags", tags(&[]))]))
        .await
        .expect("import by id");
    assert_eq!(here.id, ids[0]);
    assert_eq!(here.out("region"), Value::str("us-east-1"));

    let there = rig
        .engine
        .import(
            VPC,
            "imported-away",
            &format!("{}@eu-central-1", ids[1]),
            props([("cidrBlock", Value::str("10.4.0.0/16")), ("region", Value::str("eu-central-1"))]),
        )
        .await
        .expect("import by id@region");
    assert_eq!(there.id, ids[1]);
    assert_eq!(there.out("region"), Value::str("eu-central-1"));

    // Importing with inputs that differ from the VPC fails (as `pulumi up` with `import` does).
    let err = rig
        .engine
        .import(VPC, "mismatch", &ids[0], props([("cidrBlock", Value::str("10.5.0.0/16"))]))
        .await
        .expect_err("cidr differs");
    assert!(err.to_string().contains("cidrBlock"), "{err}");

    // The imported resources are managed now: destroy deletes both.
    rig.engine.destroy().await.expect("destroy");
    assert!(home.ec2.describe_vpcs().vpc_ids(&ids[0]).send().await.map(|o| o.vpcs().is_empty()).unwrap_or(true));
    assert!(away.ec2.describe_vpcs().vpc_ids(&ids[1]).send().await.map(|o| o.vpcs().is_empty()).unwrap_or(true));
}

#[tokio::test]
async fn vpc_invalid_cidr_is_rejected_by_check_with_no_aws_call() {
    // The endpoint is a closed port: any AWS call would fail the run with a connection error.
    let engine = Engine::start(provider_config("us-east-1", &closed_port_url())).await;
    for (cidr, needle) in [
        ("10.0.0.0/8", "from /16 to /28"),
        ("10.0.0.0/29", "from /16 to /28"),
        ("10.0.0.1/16", "host bits"),
        ("not-a-cidr", "not an IPv4 CIDR block"),
    ] {
        let run = engine.run(false).await;
        let err = run.register(Registration::new(VPC, "bad", inputs(cidr, "bad", &[]))).await.expect_err(cidr);
        let EngineError::CheckFailed(failures) = &err else { panic!("{cidr}: not a check failure: {err}") };
        assert_eq!(failures[0].property, "cidrBlock", "{cidr}");
        assert!(failures[0].reason.contains(needle), "{cidr}: {}", failures[0].reason);
    }
    let run = engine.run(false).await;
    let err = run
        .register(Registration::new(
            VPC,
            "bad",
            props([("cidrBlock", Value::str("10.0.0.0/16")), ("enableDnsSupport", Value::Number(1.0))]),
        ))
        .await
        .expect_err("bool");
    assert!(err.to_string().contains("enableDnsSupport"), "{err}");
}

#[tokio::test]
async fn vpc_preview_with_an_unknown_input_makes_no_aws_call() {
    let engine = Engine::start(provider_config("us-east-1", &closed_port_url())).await;
    let run = engine.run(true).await;
    let vpc = run
        .register(Registration::new(
            VPC,
            "preview",
            props([("cidrBlock", Value::Unknown(Unknown::Any)), ("tags", tags(&[("Name", "preview")]))]),
        ))
        .await
        .expect("preview");
    assert_eq!(vpc.op, Op::Create);
    assert_eq!(vpc.id, "");
    assert_eq!(vpc.out("cidrBlock"), Value::Unknown(Unknown::Any));
    assert_eq!(vpc.out("arn"), Value::Unknown(Unknown::Any));
    assert_eq!(vpc.out("enableDnsSupport"), Value::Bool(true), "defaults are known in preview");
    run.finish().await.expect("finish");
    assert!(engine.state().await.is_empty(), "a preview stores nothing");
}

#[tokio::test]
async fn vpc_secret_tags_stay_secret_in_outputs() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("secret");
    let secret_tags = Value::Secret(Box::new(tags(&[("Name", &name)])));
    let run = rig.engine.run(false).await;
    let vpc = run
        .register(Registration::new(
            VPC,
            "secret",
            props([("cidrBlock", Value::str("10.6.0.0/16")), ("tags", secret_tags)]),
        ))
        .await
        .expect("create");
    run.finish().await.expect("finish");
    assert!(matches!(vpc.out("tags"), Value::Secret(_)), "{:?}", vpc.out("tags"));
    assert!(!matches!(vpc.out("cidrBlock"), Value::Secret(_)));
    rig.engine.destroy().await.expect("destroy");
}
