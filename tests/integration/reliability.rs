//! Nothing lost, nothing doubled: the three-region deployment through throttling, 5xx, resets and
//! lost answers; a create cancelled in flight; replacements while the old resource carries the
//! same marker; replacements AWS cannot hold side by side; state from tap 0.1.0 without markers;
//! zones that stay put; names someone else took. (Each mutating call with its first answer lost
//! is in lifecycle.rs; the real CLI killed mid-way is in cli.rs.)

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tap::value::{PropertyMap, Value};

use crate::harness::engine::{init_failed, Deployment, Registered, StateResource};
use crate::harness::inventory::{self, Inventory};
use crate::harness::program::{s, vpc};
use crate::harness::proxy::Faults;
use crate::harness::{props, tags, unique, EngineError, Op, Registration, Rig};

const COMPONENT: &str = "tap:index:SecureRegion";

/// Three instances, as the seed deploys them (the account's password policy aside: the
/// per-call suite covers it, and it is account-wide).
fn three_regions(base: &str) -> Vec<(String, PropertyMap)> {
    let common = |region: &str, cidr: &str| {
        props([
            ("region", s(region)),
            ("cidrBlock", s(cidr)),
            ("kmsDeletionWindowInDays", Value::Number(7.0)),
            ("tags", tags(&[("Project", "tap")])),
        ])
    };
    vec![
        (format!("{base}-east"), common("us-east-1", "10.0.0.0/16")),
        (format!("{base}-west"), common("us-west-2", "10.1.0.0/16")),
        (format!("{base}-central"), common("eu-central-1", "10.2.0.0/16")),
    ]
}

/// One run of the program: every instance constructed concurrently.
async fn up(rig: &Rig, instances: &[(String, PropertyMap)]) -> Result<Vec<(String, Op)>, String> {
    let d = rig.engine.run(false).await;
    let results = futures_util::future::join_all(
        instances.iter().map(|(name, inputs)| rig.engine.construct(&d, COMPONENT, name, inputs.clone())),
    )
    .await;
    let steps = d.steps();
    d.finish().await.map_err(|e| e.to_string())?;
    for r in results {
        r.map_err(|e| e.to_string())?;
    }
    Ok(steps)
}

fn region_of(r: &StateResource) -> String {
    match r.outputs.get("region").map(Value::unwrap_plain) {
        Some(Value::String(region)) => region,
        _ => "us-east-1".to_string(),
    }
}

/// For every marked resource in `state`: the live resources in moto that carry its marker.
async fn census(rig: &Rig, state: &[StateResource]) -> Vec<(String, Vec<String>)> {
    let mut regions: HashMap<String, Inventory> = HashMap::new();
    let mut out = Vec::new();
    for r in state.iter().filter(|r| r.custom) {
        let Some(carrier) = inventory::carrier(&r.r#type) else { continue };
        let region = region_of(r);
        if !regions.contains_key(&region) {
            let taken = Inventory::take(&*crate::harness::aws(&region).await).await;
            regions.insert(region.clone(), taken);
        }
        let inventory = &regions[&region];
        let marker = tap::testing::marker_of(&rig.engine.provider_id, &r.urn);
        let live = inventory.carrying(carrier, &marker);
        out.push((r.urn.clone(), live));
    }
    out
}

/// `destroy_through_faults`: the faults stay on for the destroy too (the adaptive client-side
/// rate limit makes that the slow part, so one seed does it).
async fn converges_through_faults(seed: u64, destroy_through_faults: bool) {
    let rig = Rig::patient("us-east-1").await;
    let instances = three_regions(&unique(&format!("faults{seed}")));
    rig.proxy.inject(Faults::mix(seed));
    let started = Instant::now();
    up(&rig, &instances).await.unwrap_or_else(|e| panic!("seed {seed}: the deployment did not converge: {e}"));
    let took = started.elapsed();
    assert!(rig.proxy.injected() > 20, "seed {seed}: only {} faults were injected", rig.proxy.injected());

    let state = rig.engine.state().await;
    assert_eq!(
        state.iter().filter(|r| r.custom).count(),
        3 * crate::secure_region::PER_REGION_CHILDREN,
        "seed {seed}: every child is in the state"
    );
    for (urn, live) in census(&rig, &state).await {
        assert_eq!(live.len(), 1, "seed {seed}: exactly one resource for {urn}, found {live:?}");
    }

    // Nothing to do: not one mutating call, faults or not.
    rig.proxy.reset();
    let steps = up(&rig, &instances).await.unwrap_or_else(|e| panic!("seed {seed}: no-op up: {e}"));
    assert!(steps.iter().all(|(_, op)| *op == Op::Same), "seed {seed}: {steps:?}");
    let mutating: Vec<String> = rig.proxy.mutating().into_iter().map(|c| c.operation).collect();
    assert!(mutating.is_empty(), "seed {seed}: the no-op up made mutating calls: {mutating:?}");

    if !destroy_through_faults {
        rig.proxy.stop_failing();
    }
    rig.engine.destroy_concurrently().await.unwrap_or_else(|e| panic!("seed {seed}: destroy: {e}"));
    for (urn, live) in census(&rig, &state).await {
        assert!(live.is_empty(), "seed {seed}: destroy left {live:?} of {urn}");
    }
    eprintln!("seed {seed}: converged in {took:?} through {} injected faults", rig.proxy.injected());
}

#[tokio::test]
async fn three_regions_converge_through_throttling_5xx_resets_and_lost_answers_seed_1() {
    converges_through_faults(1, true).await;
}

#[tokio::test]
async fn three_regions_converge_through_throttling_5xx_resets_and_lost_answers_seed_7() {
    converges_through_faults(7, false).await;
}

#[tokio::test]
async fn three_regions_converge_through_throttling_5xx_resets_and_lost_answers_seed_42() {
    converges_through_faults(42, false).await;
}

fn vpc_inputs(name: &str) -> PropertyMap {
    props([("cidrBlock", s("10.7.0.0/16")), ("tags", tags(&[("Name", name)]))])
}

#[tokio::test]
async fn a_create_cancelled_in_flight_is_recorded_and_the_next_up_finishes_it() {
    let mut rig = Rig::new("us-east-1").await;
    let name = unique("cancelled");
    rig.proxy.delay_operation("CreateVpc", Duration::from_secs(2));
    let mut inputs = vpc_inputs(&name);
    inputs.insert("enableDnsHostnames".into(), Value::Bool(true));
    let d = rig.engine.run(false).await;
    let register = d.register(Registration::new("tap:ec2:Vpc", "cancelled", inputs.clone()));
    let cancel = async {
        let started = Instant::now();
        while !rig.proxy.calls().iter().any(|c| c.operation == "CreateVpc") {
            assert!(started.elapsed() < Duration::from_secs(10), "CreateVpc never reached AWS");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        rig.engine.client().cancel(()).await.expect("cancel is acknowledged");
    };
    let (registered, ()) = tokio::join!(register, cancel);
    let Err(EngineError::Rpc(status)) = registered else { panic!("the create was not cut short: {registered:?}") };
    let failed = init_failed(&status).unwrap_or_else(|| panic!("not a partial creation: {status:?}"));
    assert!(failed.id.starts_with("vpc-"), "the VPC the call made is recorded: {failed:?}");
    assert!(failed.refresh_before_update, "its state is read again before it is updated");
    d.finish().await.expect("finish");
    let stored = rig.engine.state().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, failed.id);

    // A cancelled provider is done; the engine starts another for the next run.
    rig.engine.restart().await;
    let d = rig.engine.run(false).await;
    let vpc = d.register(Registration::new("tap:ec2:Vpc", "cancelled", inputs)).await.expect("next up");
    d.finish().await.expect("finish");
    assert_eq!(vpc.op, Op::Update, "the recorded VPC is finished in place");
    assert_eq!(vpc.id, failed.id);
    assert_eq!(vpc.out("enableDnsHostnames"), Value::Bool(true));
    let marker = tap::testing::marker_of(&rig.engine.provider_id, &vpc.urn);
    assert_eq!(
        Inventory::take(&*rig.aws().await).await.marked(&marker),
        std::slice::from_ref(&vpc.id),
        "exactly one VPC"
    );
    rig.engine.destroy().await.expect("destroy");
}

#[tokio::test]
async fn a_forced_replacement_makes_a_new_resource_though_the_old_one_carries_the_same_marker() {
    let rig = Rig::new("us-west-2").await;
    let name = unique("replace");
    let d = rig.engine.run(false).await;
    let old = vpc(&d, &name, "10.0.0.0/16").await;
    d.finish().await.expect("finish");

    // `pulumi up --replace`: the old VPC (same URN, same marker) must not be adopted.
    let d = rig.engine.run(false).await;
    let mut reg = Registration::new(
        "tap:ec2:Vpc",
        &name,
        props([("cidrBlock", s("10.0.0.0/16")), ("tags", tags(&[("Name", &name)]))]),
    );
    reg.replace = true;
    let new = d.register(reg).await.expect("replace");
    let deleted = d.finish().await.expect("finish");
    assert_eq!(new.op, Op::Replace);
    assert_ne!(new.id, old.id, "a new VPC, not the old one adopted");
    assert_eq!(deleted, [(old.urn.clone(), Op::Delete)]);
    let marker = tap::testing::marker_of(&rig.engine.provider_id, &new.urn);
    assert_eq!(Inventory::take(&*rig.aws().await).await.marked(&marker), std::slice::from_ref(&new.id));
    rig.engine.destroy().await.expect("destroy");
}

#[tokio::test]
async fn replacements_aws_cannot_hold_side_by_side_delete_the_old_one_first() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("dbr");
    let role_name = format!("{name}-role");
    let bucket = format!("{name}-bucket");
    let names = Names { name, role: role_name, bucket };
    let run = |second: bool| {
        let (rig, names) = (&rig, &names);
        async move {
            let d = rig.engine.run(false).await;
            let made = if second {
                dbr_program(&d, names, "us-east-1b", "second", "/other/", "us-west-2", true).await
            } else {
                dbr_program(&d, names, "us-east-1a", "first", "/", "us-east-1", false).await
            };
            d.finish().await.expect("finish");
            made
        }
    };
    let before = run(false).await;
    let after = run(true).await;
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(new.op, Op::Replace, "{}", new.urn);
        assert!(new.delete_before_replace, "{}: the old one goes first", new.urn);
        // A role's and a bucket's id is its name, which is kept; the others get new ids.
        let named = new.urn.ends_with("-role") || new.urn.ends_with("-bucket");
        assert_eq!(new.id == old.id, named, "{}: {} then {}", new.urn, old.id, new.id);
    }
    assert_eq!(after[1].out("description"), s("second"));
    assert_eq!(after[2].out("path"), s("/other/"));
    assert_eq!(after[3].out("region"), s("us-west-2"));
    rig.engine.destroy().await.expect("destroy");
}

struct Names {
    name: String,
    role: String,
    bucket: String,
}

/// A VPC and five resources AWS cannot hold twice when only the given values change.
async fn dbr_program(
    d: &Deployment,
    names: &Names,
    zone: &str,
    description: &str,
    path: &str,
    region: &str,
    replace_endpoint: bool,
) -> Vec<Registered> {
    let Names { name, role: role_name, bucket } = names;
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    });
    let v = vpc(d, name, "10.0.0.0/16").await;
    let reg = |t: &str, n: &str, p: PropertyMap| Registration::new(t, &format!("{name}-{n}"), p);
    // The same block in another zone: a subnet cannot share it with the old one.
    let subnet = props([("vpcId", s(&v.id)), ("cidrBlock", s("10.0.1.0/24")), ("availabilityZone", s(zone))]);
    let subnet = d.register(reg("tap:ec2:Subnet", "subnet", subnet)).await.expect("subnet");
    // A name the program gives, kept: one group of a name per VPC.
    let sg = props([("vpcId", s(&v.id)), ("name", s(&format!("{name}-sg"))), ("description", s(description))]);
    let sg = d.register(reg("tap:ec2:SecurityGroup", "sg", sg)).await.expect("sg");
    // A role name is global.
    let role = props([("name", s(role_name)), ("assumeRolePolicy", s(&trust.to_string())), ("path", s(path))]);
    let role = d.register(reg("tap:iam:Role", "role", role)).await.expect("role");
    // A bucket name is global, whatever its region.
    let b = props([("bucket", s(bucket)), ("region", s(region))]);
    let b = d.register(reg("tap:s3:Bucket", "bucket", b)).await.expect("bucket");
    // Private DNS for one service, twice in a VPC: not allowed.
    let mut e = reg(
        "tap:ec2:VpcEndpoint",
        "vpce",
        props([
            ("vpcId", s(&v.id)),
            ("serviceName", s("com.amazonaws.us-east-1.execute-api")),
            ("vpcEndpointType", s("Interface")),
            ("subnetIds", Value::Array(vec![s(&subnet.id)])),
            ("privateDnsEnabled", Value::Bool(true)),
        ]),
    );
    e.replace = replace_endpoint;
    let e = d.register(e).await.expect("endpoint");
    vec![subnet, sg, role, b, e]
}

#[tokio::test]
async fn state_from_tap_0_1_0_without_markers_gets_them_on_the_next_up_without_a_replacement() {
    let rig = Rig::new("eu-central-1").await;
    let instance = vec![(
        unique("upgrade"),
        props([("region", s("eu-central-1")), ("kmsDeletionWindowInDays", Value::Number(7.0))]),
    )];
    up(&rig, &instance).await.expect("first up");

    // tap 0.1.0 marked nothing: no marker in the state, none on the resources.
    let state = rig.engine.state().await;
    for r in state.iter().filter(|r| r.custom) {
        let aws = crate::harness::aws(&region_of(r)).await;
        unmark(&aws, r).await;
    }
    rig.engine
        .edit_state(|state| {
            for r in state.iter_mut() {
                r.outputs.remove("__tapMarker");
            }
        })
        .await;
    for (urn, live) in census(&rig, &state).await {
        // moto gaps: moto has no UntagResource for API Gateway (it answers an HTML 404) and no
        // UpdateDeployment, so the REST API, its stage and its deployment keep their markers.
        let kept = ["tap:apigateway:RestApi", "tap:apigateway:Stage", "tap:apigateway:Deployment"];
        let expected = if kept.contains(&token_of(&urn)) { 1 } else { 0 };
        assert_eq!(live.len(), expected, "{urn} is unmarked: {live:?}");
    }

    rig.proxy.reset();
    let steps = up(&rig, &instance).await.expect("the upgrade's first up");
    for (urn, op) in &steps {
        let token = token_of(urn);
        let marked = token != COMPONENT && inventory::carrier(token).is_some();
        assert_eq!(*op, if marked { Op::Update } else { Op::Same }, "{urn}");
    }
    for (urn, live) in census(&rig, &state).await {
        assert_eq!(live.len(), 1, "{urn} is marked again: {live:?}");
    }
    let steps = up(&rig, &instance).await.expect("no-op up");
    assert!(steps.iter().all(|(_, op)| *op == Op::Same), "{steps:?}");
    rig.engine.destroy().await.expect("destroy");
}

/// The type token of a URN (`…::parent$tap:ec2:Vpc::name` → `tap:ec2:Vpc`).
fn token_of(urn: &str) -> &str {
    urn.split("::").nth(2).and_then(|t| t.rsplit('$').next()).unwrap_or_default()
}

/// Removes tap's marker from a resource, as tap 0.1.0 left it.
async fn unmark(aws: &tap::aws::Clients, r: &StateResource) {
    let key = tap::testing::MARKER_TAG;
    let id = r.id.as_str();
    match r.r#type.as_str() {
        t if t.starts_with("tap:ec2:") && t != "tap:ec2:RouteTableAssociation" => {
            let tag = aws_sdk_ec2::types::Tag::builder().key(key).build();
            aws.ec2.delete_tags().resources(id).tags(tag).send().await.expect("untag");
        }
        "tap:kms:Key" => {
            aws.kms.untag_resource().key_id(id).tag_keys(key).send().await.expect("untag");
        }
        "tap:kms:Alias" => {
            let target = r.outputs.get("targetKeyId").map(Value::unwrap_plain);
            let Some(Value::String(target)) = target else { panic!("alias target") };
            let tags = aws.kms.list_resource_tags().key_id(&target).send().await.expect("tags");
            let keys: Vec<String> =
                tags.tags().iter().map(|t| t.tag_key().to_string()).filter(|k| k.starts_with("tap:alias-")).collect();
            aws.kms.untag_resource().key_id(&target).set_tag_keys(Some(keys)).send().await.expect("untag");
        }
        "tap:iam:Role" => {
            aws.iam.untag_role().role_name(id).tag_keys(key).send().await.expect("untag");
        }
        "tap:cloudwatch:LogGroup" => {
            let arn = r.outputs.get("arn").map(Value::unwrap_plain);
            let Some(Value::String(arn)) = arn else { panic!("log group arn") };
            aws.logs.untag_resource().resource_arn(arn).tag_keys(key).send().await.expect("untag");
        }
        "tap:s3:Bucket" => {
            let tags = aws.s3.get_bucket_tagging().bucket(id).send().await.expect("tags");
            let kept: Vec<_> = tags.tag_set().iter().filter(|t| t.key() != key).cloned().collect();
            let tagging = aws_sdk_s3::types::Tagging::builder().set_tag_set(Some(kept)).build().expect("tagging");
            aws.s3.put_bucket_tagging().bucket(id).tagging(tagging).send().await.expect("retag");
        }
        _ => {}
    }
}

#[tokio::test]
async fn subnets_keep_their_zones_when_the_region_lists_its_zones_differently() {
    let rig = Rig::new("us-west-2").await;
    let name = unique("zones");
    let instance =
        vec![(name.clone(), props([("region", s("us-west-2")), ("kmsDeletionWindowInDays", Value::Number(7.0))]))];
    up(&rig, &instance).await.expect("first up");
    let zones_of = |state: &[StateResource]| -> Vec<Value> {
        let mut subnets: Vec<&StateResource> = state.iter().filter(|r| r.r#type == "tap:ec2:Subnet").collect();
        subnets.sort_by(|a, b| a.urn.cmp(&b.urn));
        subnets.iter().map(|r| r.outputs["availabilityZone"].clone()).collect()
    };
    let before = zones_of(&rig.engine.state().await);
    assert_eq!(before, [s("us-west-2a"), s("us-west-2b")]);

    // The region's first zone is impaired: DescribeAvailabilityZones no longer lists it.
    rig.proxy.rewrite("DescribeAvailabilityZones", |xml| {
        let start = xml.find("<item>").unwrap_or(0);
        let end = xml[start..].find("</item>").map(|e| start + e + "</item>".len()).unwrap_or(start);
        format!("{}{}", &xml[..start], &xml[end..])
    });
    let steps = up(&rig, &instance).await.expect("second up");
    assert!(steps.iter().all(|(_, op)| *op == Op::Same), "no subnet moves: {steps:?}");
    assert_eq!(zones_of(&rig.engine.state().await), before);

    // Pinned zones are what the program says (a change replaces that subnet).
    rig.proxy.stop_failing();
    let mut pinned = instance.clone();
    pinned[0].1.insert("availabilityZones".into(), Value::Array(vec![s("us-west-2a"), s("us-west-2c")]));
    let steps = up(&rig, &pinned).await.expect("pinned");
    // The moved subnet is replaced, its route table association with it, and the endpoint
    // follows it in place. The association and the endpoint both wait only for the subnet, so
    // the order they finish in is not fixed: compare by name.
    let mut changed: Vec<(&str, Op)> = steps
        .iter()
        .filter(|(_, op)| *op != Op::Same)
        .map(|(urn, op)| (urn.rsplit("::").next().unwrap(), *op))
        .collect();
    changed.sort_by_key(|(n, _)| *n);
    let at = |suffix: &str| format!("{name}-{suffix}");
    let expected = [(at("apigw-vpce"), Op::Update), (at("private-subnet-b"), Op::Replace), (at("rta-1"), Op::Replace)];
    let expected: Vec<(&str, Op)> = expected.iter().map(|(n, op)| (n.as_str(), *op)).collect();
    assert_eq!(changed, expected, "{steps:?}");
    assert_eq!(zones_of(&rig.engine.state().await), [s("us-west-2a"), s("us-west-2c")]);
    rig.engine.destroy_concurrently().await.expect("destroy");
}

#[tokio::test]
async fn a_log_group_or_alias_made_by_someone_else_is_reported_with_how_to_import_it() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("taken");
    let prefix = format!("{name}-us-east-1");
    let aws = rig.aws().await;
    aws.logs.create_log_group().log_group_name(format!("/aws/apigateway/{prefix}")).send().await.expect("theirs");
    let instance =
        vec![(name.clone(), props([("region", s("us-east-1")), ("kmsDeletionWindowInDays", Value::Number(7.0))]))];
    let err = up(&rig, &instance).await.expect_err("the name is taken");
    assert!(
        err.contains(&format!("/aws/apigateway/{prefix}"))
            && err.contains("us-east-1")
            && err.contains("pulumi import"),
        "{err}"
    );
    rig.engine.destroy().await.expect("destroy");

    let name = unique("taken");
    let prefix = format!("{name}-us-east-1");
    let key = aws.kms.create_key().send().await.expect("their key");
    let key = key.key_metadata().expect("meta").key_id().to_string();
    aws.kms
        .create_alias()
        .alias_name(format!("alias/{prefix}-secure-key"))
        .target_key_id(key)
        .send()
        .await
        .expect("theirs");
    let instance =
        vec![(name.clone(), props([("region", s("us-east-1")), ("kmsDeletionWindowInDays", Value::Number(7.0))]))];
    let err = up(&rig, &instance).await.expect_err("the alias is taken");
    assert!(err.contains(&format!("alias/{prefix}-secure-key")) && err.contains("pulumi import"), "{err}");
    rig.engine.destroy().await.expect("destroy");
}
