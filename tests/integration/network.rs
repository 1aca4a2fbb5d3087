//! The network resources against moto, through the stand-in engine over gRPC: subnet, internet
//! gateway, route table and association, security group, VPC endpoint, and the seed's network.

use tap::value::{PropertyMap, Value};

use crate::harness::engine::Deployment;
use crate::harness::program::*;
use crate::harness::proxy::closed_port_url;
use crate::harness::{props, provider_config, tags, unique, Engine, EngineError, Op, Registration, Rig};

#[tokio::test]
async fn subnet_lifecycle_create_noop_update_replace_drift_gone_import_delete_twice() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("subnet");
    let subnet_inputs = |cidr: &str, public: bool, extra_tag: bool| {
        let mut t = vec![("Name", name.as_str()), ("Tier", "Private")];
        if extra_tag {
            t.push(("Team", "net"));
        }
        props([
            ("cidrBlock", s(cidr)),
            ("availabilityZone", s("us-east-1a")),
            ("mapPublicIpOnLaunch", Value::Bool(public)),
            ("tags", tags(&t)),
        ])
    };
    let program = |cidr: &'static str, public: bool, extra: bool| {
        let name = name.clone();
        let inputs = subnet_inputs(cidr, public, extra);
        move |d: Deployment| async move {
            let v = vpc(&d, &name, "10.0.0.0/16").await;
            let mut i = inputs;
            i.insert("vpcId".into(), s(&v.id));
            let sn = reg(&d, "tap:ec2:Subnet", "subnet", i).await;
            (d, vec![("vpc", v), ("subnet", sn)])
        }
    };

    let (r, _) = up(&rig, program("10.0.1.0/24", false, false)).await;
    let sn = r["subnet"].clone();
    assert!(sn.id.starts_with("subnet-"));
    let aws = rig.aws().await;
    let got = aws.ec2.describe_subnets().subnet_ids(&sn.id).send().await.expect("describe");
    let g = &got.subnets()[0];
    assert_eq!(g.cidr_block(), Some("10.0.1.0/24"));
    assert_eq!(g.availability_zone(), Some("us-east-1a"));
    assert_eq!(g.vpc_id(), Some(r["vpc"].id.as_str()));
    assert_eq!(g.map_public_ip_on_launch(), Some(false));
    assert!(g.tags().iter().any(|t| t.key() == Some("Tier") && t.value() == Some("Private")));

    rig.proxy.reset();
    let (r2, _) = up(&rig, program("10.0.1.0/24", false, false)).await;
    assert!(all(&r2, Op::Same), "{:?}", ops(&r2));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program("10.0.1.0/24", true, true)).await;
    assert_eq!(r3["subnet"].op, Op::Update);
    assert_eq!(r3["subnet"].id, sn.id);
    assert_eq!(mutations(&rig), ["ModifySubnetAttribute", "CreateTags"]);
    let got = aws.ec2.describe_subnets().subnet_ids(&sn.id).send().await.expect("describe");
    assert_eq!(got.subnets()[0].map_public_ip_on_launch(), Some(true));

    let (r4, deleted) = up(&rig, program("10.0.2.0/24", true, true)).await;
    assert_eq!(r4["subnet"].op, Op::Replace);
    assert_eq!(deleted, [(sn.urn.clone(), Op::Delete)]);
    assert!(read(&rig, "tap:ec2:Subnet", &sn.id).await.is_none(), "the old subnet is gone");
    let sn = r4["subnet"].clone();

    // Drift: public IPs turned off by hand; refresh sees it and the next up repairs it.
    aws.ec2
        .modify_subnet_attribute()
        .subnet_id(&sn.id)
        .map_public_ip_on_launch(aws_sdk_ec2::types::AttributeBooleanValue::builder().value(false).build())
        .send()
        .await
        .expect("modify");
    rig.engine.refresh().await.expect("refresh");
    let state = rig.engine.resource(&sn.urn).await.expect("state");
    assert_eq!(state.outputs["mapPublicIpOnLaunch"], Value::Bool(false));
    let (r5, _) = up(&rig, program("10.0.2.0/24", true, true)).await;
    assert_eq!(r5["subnet"].op, Op::Update);
    assert_eq!(r5["subnet"].out("mapPublicIpOnLaunch"), Value::Bool(true));

    // Import by id (and by id@region) reads every input.
    let imported = read(&rig, "tap:ec2:Subnet", &sn.id).await.expect("import");
    assert_eq!(imported["cidrBlock"], s("10.0.2.0/24"));
    assert_eq!(imported["availabilityZone"], s("us-east-1a"));
    assert!(read(&rig, "tap:ec2:Subnet", &format!("{}@us-east-1", sn.id)).await.is_some());

    // Gone: deleted by hand, refresh drops it; the destroy, and a second delete, are fine.
    aws.ec2.delete_subnet().subnet_id(&sn.id).send().await.expect("delete by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert!(steps.contains(&(sn.urn.clone(), Op::Delete)), "{steps:?}");
    rig.engine.destroy().await.expect("destroy");
    delete_again(&rig, "tap:ec2:Subnet", &sn).await;
}

#[tokio::test]
async fn internet_gateway_lifecycle_reattaches_in_place_when_vpc_changes() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("igw");
    let program = |target: &'static str, team: bool| {
        let name = name.clone();
        move |d: Deployment| async move {
            let a = vpc(&d, &format!("{name}-a"), "10.0.0.0/16").await;
            let b = vpc(&d, &format!("{name}-b"), "10.1.0.0/16").await;
            let vpc_id = if target == "a" { a.id.clone() } else { b.id.clone() };
            let mut t = vec![("Name", name.as_str())];
            if team {
                t.push(("Team", "net"));
            }
            let igw =
                reg(&d, "tap:ec2:InternetGateway", "igw", props([("vpcId", s(&vpc_id)), ("tags", tags(&t))])).await;
            (d, vec![("a", a), ("b", b), ("igw", igw)])
        }
    };
    let (r, _) = up(&rig, program("a", false)).await;
    let igw = r["igw"].clone();
    let aws = rig.aws().await;
    let attached = |id: String| {
        let aws = aws.clone();
        async move {
            let out = aws.ec2.describe_internet_gateways().internet_gateway_ids(id).send().await.expect("describe");
            out.internet_gateways()[0]
                .attachments()
                .iter()
                .filter_map(|a| a.vpc_id().map(str::to_string))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(attached(igw.id.clone()).await, [r["a"].id.clone()]);

    rig.proxy.reset();
    let (r2, _) = up(&rig, program("a", false)).await;
    assert!(all(&r2, Op::Same));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program("b", true)).await;
    assert_eq!(r3["igw"].op, Op::Update);
    assert_eq!(r3["igw"].id, igw.id);
    assert_eq!(mutations(&rig), ["DetachInternetGateway", "AttachInternetGateway", "CreateTags"]);
    assert_eq!(attached(igw.id.clone()).await, [r["b"].id.clone()]);

    // Drift: detached by hand; refresh shows no vpcId; the next up re-attaches.
    aws.ec2.detach_internet_gateway().internet_gateway_id(&igw.id).vpc_id(&r["b"].id).send().await.expect("detach");
    rig.engine.refresh().await.expect("refresh");
    assert!(!rig.engine.resource(&igw.urn).await.expect("state").outputs.contains_key("vpcId"));
    let (r4, _) = up(&rig, program("b", true)).await;
    assert_eq!(r4["igw"].op, Op::Update);
    assert_eq!(attached(igw.id.clone()).await, [r["b"].id.clone()]);

    let imported = read(&rig, "tap:ec2:InternetGateway", &igw.id).await.expect("import");
    assert_eq!(imported["vpcId"], s(&r["b"].id));

    // Destroy detaches before deleting; a second delete is fine; then it is gone.
    rig.engine.destroy().await.expect("destroy");
    assert!(read(&rig, "tap:ec2:InternetGateway", &igw.id).await.is_none());
    delete_again(&rig, "tap:ec2:InternetGateway", &igw).await;
}

#[tokio::test]
async fn internet_gateway_region_change_replaces_it() {
    let rig = Rig::new("us-east-1").await;
    let program = |region: &'static str| {
        move |d: Deployment| async move {
            let igw = reg(&d, "tap:ec2:InternetGateway", "igw", props([("region", s(region))])).await;
            (d, vec![("igw", igw)])
        }
    };
    let (r, _) = up(&rig, program("us-east-1")).await;
    let (r2, deleted) = up(&rig, program("us-west-2")).await;
    assert_eq!(r2["igw"].op, Op::Replace);
    assert_eq!(r2["igw"].out("region"), s("us-west-2"));
    assert_eq!(deleted.len(), 1);
    assert!(read(&rig, "tap:ec2:InternetGateway", &r["igw"].id).await.is_none());
    rig.engine.destroy().await.expect("destroy");
}

#[tokio::test]
async fn route_table_routes_update_by_difference_and_local_route_is_untouched() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("rt");
    // variant 0: default route to igw1; 1: + 10.20.0.0/16 via igw1; 2: default route moved to igw2,
    // 10.20.0.0/16 removed.
    let program = |variant: u8, vpc_cidr: &'static str| {
        let name = name.clone();
        move |d: Deployment| async move {
            let v = vpc(&d, &name, vpc_cidr).await;
            let igw1 = reg(&d, "tap:ec2:InternetGateway", "igw1", props([("vpcId", s(&v.id))])).await;
            let igw2 = reg(&d, "tap:ec2:InternetGateway", "igw2", props([])).await;
            let route = |cidr: &str, gw: &str| obj(&[("cidrBlock", s(cidr)), ("gatewayId", s(gw))]);
            let routes = match variant {
                0 => vec![route("0.0.0.0/0", &igw1.id)],
                1 => vec![route("0.0.0.0/0", &igw1.id), route("10.20.0.0/16", &igw1.id)],
                _ => vec![route("0.0.0.0/0", &igw2.id)],
            };
            let rt = reg(
                &d,
                "tap:ec2:RouteTable",
                "rt",
                props([("vpcId", s(&v.id)), ("routes", Value::Array(routes)), ("tags", tags(&[("Name", &name)]))]),
            )
            .await;
            (d, vec![("vpc", v), ("igw1", igw1), ("igw2", igw2), ("rt", rt)])
        }
    };
    let aws = rig.aws().await;
    let routes_of = |id: String| {
        let aws = aws.clone();
        async move {
            let out = aws.ec2.describe_route_tables().route_table_ids(id).send().await.expect("describe");
            let mut routes: Vec<(String, String)> = out.route_tables()[0]
                .routes()
                .iter()
                .map(|r| {
                    (r.destination_cidr_block().unwrap_or_default().into(), r.gateway_id().unwrap_or_default().into())
                })
                .collect();
            routes.sort();
            routes
        }
    };
    let (r, _) = up(&rig, program(0, "10.0.0.0/16")).await;
    let rt = r["rt"].clone();
    let (igw1, igw2) = (r["igw1"].id.clone(), r["igw2"].id.clone());
    assert_eq!(
        routes_of(rt.id.clone()).await,
        [("0.0.0.0/0".into(), igw1.clone()), ("10.0.0.0/16".into(), "local".into())]
    );

    rig.proxy.reset();
    let (r2, _) = up(&rig, program(0, "10.0.0.0/16")).await;
    assert!(all(&r2, Op::Same));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program(1, "10.0.0.0/16")).await;
    assert_eq!(r3["rt"].op, Op::Update);
    assert_eq!(mutations(&rig), ["CreateRoute"]);

    rig.proxy.reset();
    let (r4, _) = up(&rig, program(2, "10.0.0.0/16")).await;
    assert_eq!(r4["rt"].op, Op::Update);
    assert_eq!(mutations(&rig), ["DeleteRoute", "ReplaceRoute"]);
    assert_eq!(
        routes_of(rt.id.clone()).await,
        [("0.0.0.0/0".into(), igw2.clone()), ("10.0.0.0/16".into(), "local".into())]
    );

    // Drift: the default route deleted by hand; refresh shows it; up puts it back.
    aws.ec2
        .delete_route()
        .route_table_id(&rt.id)
        .destination_cidr_block("0.0.0.0/0")
        .send()
        .await
        .expect("delete route");
    rig.engine.refresh().await.expect("refresh");
    assert_eq!(rig.engine.resource(&rt.urn).await.expect("state").outputs["routes"], Value::Array(vec![]));
    let (r5, _) = up(&rig, program(2, "10.0.0.0/16")).await;
    assert_eq!(r5["rt"].op, Op::Update);
    assert_eq!(
        routes_of(rt.id.clone()).await,
        [("0.0.0.0/0".into(), igw2.clone()), ("10.0.0.0/16".into(), "local".into())]
    );

    let imported = read(&rig, "tap:ec2:RouteTable", &rt.id).await.expect("import");
    assert_eq!(imported["routes"], Value::Array(vec![obj(&[("cidrBlock", s("0.0.0.0/0")), ("gatewayId", s(&igw2))])]));

    // A new VPC replaces the route table (and the VPC).
    let (r6, _) = up(&rig, program(0, "10.1.0.0/16")).await;
    assert_eq!(r6["rt"].op, Op::Replace);
    assert!(read(&rig, "tap:ec2:RouteTable", &rt.id).await.is_none());

    rig.engine.destroy().await.expect("destroy");
    delete_again(&rig, "tap:ec2:RouteTable", &r6["rt"]).await;
}

#[tokio::test]
async fn route_table_association_reassociates_in_place_and_replaces_on_subnet_change() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("rta");
    let program = |table: &'static str, subnet: &'static str| {
        let name = name.clone();
        move |d: Deployment| async move {
            let v = vpc(&d, &name, "10.0.0.0/16").await;
            let s1 =
                reg(&d, "tap:ec2:Subnet", "s1", props([("vpcId", s(&v.id)), ("cidrBlock", s("10.0.1.0/24"))])).await;
            let s2 =
                reg(&d, "tap:ec2:Subnet", "s2", props([("vpcId", s(&v.id)), ("cidrBlock", s("10.0.2.0/24"))])).await;
            let t1 = reg(&d, "tap:ec2:RouteTable", "t1", props([("vpcId", s(&v.id))])).await;
            let t2 = reg(&d, "tap:ec2:RouteTable", "t2", props([("vpcId", s(&v.id))])).await;
            let rt = if table == "t1" { &t1.id } else { &t2.id };
            let sn = if subnet == "s1" { &s1.id } else { &s2.id };
            let a =
                reg(&d, "tap:ec2:RouteTableAssociation", "a", props([("subnetId", s(sn)), ("routeTableId", s(rt))]))
                    .await;
            (d, vec![("s1", s1), ("s2", s2), ("t1", t1), ("t2", t2), ("a", a)])
        }
    };
    let aws = rig.aws().await;
    let table_of = |subnet: String| {
        let aws = aws.clone();
        async move {
            let out = aws
                .ec2
                .describe_route_tables()
                .filters(aws_sdk_ec2::types::Filter::builder().name("association.subnet-id").values(subnet).build())
                .send()
                .await
                .expect("describe");
            out.route_tables().iter().filter_map(|t| t.route_table_id().map(str::to_string)).collect::<Vec<_>>()
        }
    };
    let (r, _) = up(&rig, program("t1", "s1")).await;
    let a = r["a"].clone();
    assert!(a.id.starts_with("rtbassoc-"));
    assert_eq!(table_of(r["s1"].id.clone()).await, [r["t1"].id.clone()]);

    rig.proxy.reset();
    let (r2, _) = up(&rig, program("t1", "s1")).await;
    assert!(all(&r2, Op::Same));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program("t2", "s1")).await;
    assert_eq!(r3["a"].op, Op::Update);
    assert_eq!(r3["a"].id, a.id, "the Pulumi id stays");
    assert_eq!(mutations(&rig), ["ReplaceRouteTableAssociation"]);
    assert_eq!(table_of(r["s1"].id.clone()).await, [r["t2"].id.clone()]);
    // Refresh still finds it (by its subnet), and a second run is a no-op.
    let steps = rig.engine.refresh().await.expect("refresh");
    assert!(steps.contains(&(a.urn.clone(), Op::Read)), "{steps:?}");
    let (r4, _) = up(&rig, program("t2", "s1")).await;
    assert!(all(&r4, Op::Same), "{:?}", ops(&r4));

    let (r5, deleted) = up(&rig, program("t2", "s2")).await;
    assert_eq!(r5["a"].op, Op::Replace);
    assert_eq!(deleted, [(a.urn.clone(), Op::Delete)]);
    assert!(table_of(r["s1"].id.clone()).await.is_empty(), "the old association is gone");
    assert_eq!(table_of(r["s2"].id.clone()).await, [r["t2"].id.clone()]);

    let imported = read(&rig, "tap:ec2:RouteTableAssociation", &r5["a"].id).await.expect("import");
    assert_eq!(imported["subnetId"], s(&r["s2"].id));

    // Gone: disassociated by hand.
    aws.ec2.disassociate_route_table().association_id(&r5["a"].id).send().await.expect("disassociate");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert!(steps.contains(&(r5["a"].urn.clone(), Op::Delete)), "{steps:?}");
    rig.engine.destroy().await.expect("destroy");
    delete_again(&rig, "tap:ec2:RouteTableAssociation", &r5["a"]).await;
}

fn rule(protocol: &str, from: i64, to: i64, cidrs: &[&str], description: &str) -> Value {
    obj(&[
        ("protocol", s(protocol)),
        ("fromPort", Value::Number(from as f64)),
        ("toPort", Value::Number(to as f64)),
        ("cidrBlocks", list(cidrs)),
        ("description", s(description)),
    ])
}

fn seed_ingress(vpc_cidr: &str, admin: &str) -> Value {
    Value::Array(vec![
        rule("tcp", 443, 443, &[vpc_cidr], "HTTPS from VPC CIDR for API Gateway access"),
        rule("tcp", 22, 22, &[admin], "SSH from admin subnet only"),
    ])
}

fn seed_egress() -> Value {
    Value::Array(vec![rule("-1", 0, 0, &["0.0.0.0/0"], "All outbound traffic allowed")])
}

const SG_DESCRIPTION: &str = "Secure security group with restricted access for API Gateway and admin access";

/// (protocol, from, to, cidr, description) of every rule AWS has, sorted.
async fn aws_rules(
    rig: &Rig,
    id: &str,
) -> (Vec<(String, i32, i32, String, String)>, Vec<(String, i32, i32, String, String)>) {
    let out = rig.aws().await.ec2.describe_security_groups().group_ids(id).send().await.expect("describe");
    let g = &out.security_groups()[0];
    let flat = |perms: &[aws_sdk_ec2::types::IpPermission]| {
        let mut v: Vec<_> = perms
            .iter()
            .flat_map(|p| {
                p.ip_ranges().iter().map(move |r| {
                    (
                        p.ip_protocol().unwrap_or_default().to_string(),
                        p.from_port().unwrap_or(0),
                        p.to_port().unwrap_or(0),
                        r.cidr_ip().unwrap_or_default().to_string(),
                        r.description().unwrap_or_default().to_string(),
                    )
                })
            })
            .collect();
        v.sort();
        v
    };
    (flat(g.ip_permissions()), flat(g.ip_permissions_egress()))
}

#[tokio::test]
async fn security_group_rules_update_by_difference_and_default_egress_is_removed() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("sg");
    let program = |ingress: Value, description: &'static str, team: bool| {
        let name = name.clone();
        move |d: Deployment| async move {
            let v = vpc(&d, &name, "10.0.0.0/16").await;
            let mut t = vec![("Name", name.as_str()), ("Purpose", "API Gateway and Admin Access")];
            if team {
                t.push(("Team", "sec"));
            }
            let sg = reg(
                &d,
                "tap:ec2:SecurityGroup",
                "sg",
                props([
                    ("vpcId", s(&v.id)),
                    ("description", s(description)),
                    ("ingress", ingress),
                    ("egress", seed_egress()),
                    ("tags", tags(&t)),
                ]),
            )
            .await;
            (d, vec![("vpc", v), ("sg", sg)])
        }
    };
    let (r, _) = up(&rig, program(seed_ingress("10.0.0.0/16", "10.0.0.0/24"), SG_DESCRIPTION, false)).await;
    let sg = r["sg"].clone();
    assert!(matches!(sg.out("name"), Value::String(n) if n.starts_with("tap-sg-")), "autonamed, and not `sg-…`");
    let (ingress, egress) = aws_rules(&rig, &sg.id).await;
    assert_eq!(
        ingress,
        [
            ("tcp".into(), 22, 22, "10.0.0.0/24".into(), "SSH from admin subnet only".into()),
            ("tcp".into(), 443, 443, "10.0.0.0/16".into(), "HTTPS from VPC CIDR for API Gateway access".into()),
        ]
    );
    assert_eq!(
        egress,
        [("-1".into(), 0, 0, "0.0.0.0/0".into(), "All outbound traffic allowed".into())],
        "exactly the given egress"
    );
    let described = rig.aws().await.ec2.describe_security_groups().group_ids(&sg.id).send().await.expect("describe");
    assert_eq!(described.security_groups()[0].description(), Some(SG_DESCRIPTION));

    rig.proxy.reset();
    let (r2, _) = up(&rig, program(seed_ingress("10.0.0.0/16", "10.0.0.0/24"), SG_DESCRIPTION, false)).await;
    assert!(all(&r2, Op::Same), "{:?}", ops(&r2));
    no_mutations(&rig);

    // One rule changes its block, one is added; tags change: only those are revoked/authorized.
    rig.proxy.reset();
    let ingress = Value::Array(vec![
        rule("tcp", 443, 443, &["10.0.0.0/16"], "HTTPS from VPC CIDR for API Gateway access"),
        rule("tcp", 22, 22, &["10.0.5.0/24"], "SSH from admin subnet only"),
        rule("udp", 53, 53, &["10.0.0.0/16"], "DNS"),
    ]);
    let (r3, _) = up(&rig, program(ingress.clone(), SG_DESCRIPTION, true)).await;
    assert_eq!(r3["sg"].op, Op::Update);
    assert_eq!(mutations(&rig), ["RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress", "CreateTags"]);
    let (ingress_now, _) = aws_rules(&rig, &sg.id).await;
    assert_eq!(ingress_now.len(), 3);
    assert!(ingress_now.contains(&("udp".into(), 53, 53, "10.0.0.0/16".into(), "DNS".into())));

    // Drift: a rule added by hand shows in refresh and is revoked by the next up.
    rig.aws()
        .await
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg.id)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(3389)
                .to_port(3389)
                .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .expect("authorize by hand");
    rig.engine.refresh().await.expect("refresh");
    let state = rig.engine.resource(&sg.urn).await.expect("state");
    let Value::Array(rules) = &state.outputs["ingress"] else { panic!("ingress") };
    assert_eq!(rules.len(), 4, "the hand-made rule is in the state");
    rig.proxy.reset();
    let (r4, _) = up(&rig, program(ingress.clone(), SG_DESCRIPTION, true)).await;
    assert_eq!(r4["sg"].op, Op::Update);
    assert_eq!(mutations(&rig), ["RevokeSecurityGroupIngress"]);
    assert_eq!(aws_rules(&rig, &sg.id).await.0.len(), 3);

    // A rule that only changes its description keeps its place: one call, no revoke.
    rig.proxy.reset();
    let ingress = Value::Array(vec![
        rule("tcp", 443, 443, &["10.0.0.0/16"], "HTTPS from VPC CIDR for API Gateway access"),
        rule("tcp", 22, 22, &["10.0.5.0/24"], "SSH from admin subnet only"),
        rule("udp", 53, 53, &["10.0.0.0/16"], "DNS to the resolver"),
    ]);
    let (r_described, _) = up(&rig, program(ingress.clone(), SG_DESCRIPTION, true)).await;
    assert_eq!(r_described["sg"].op, Op::Update);
    assert_eq!(mutations(&rig), ["UpdateSecurityGroupRuleDescriptionsIngress"]);
    let (ingress_now, _) = aws_rules(&rig, &sg.id).await;
    assert!(ingress_now.contains(&("udp".into(), 53, 53, "10.0.0.0/16".into(), "DNS to the resolver".into())));
    assert_eq!(ingress_now.len(), 3);

    let imported = read(&rig, "tap:ec2:SecurityGroup", &sg.id).await.expect("import");
    assert_eq!(imported["description"], s(SG_DESCRIPTION));

    // A description change replaces the group (with a new generated name, so no collision).
    let (r5, deleted) = up(&rig, program(ingress, "Another description", true)).await;
    assert_eq!(r5["sg"].op, Op::Replace);
    assert_ne!(r5["sg"].out("name"), sg.out("name"));
    assert_eq!(deleted, [(sg.urn.clone(), Op::Delete)]);
    assert!(read(&rig, "tap:ec2:SecurityGroup", &sg.id).await.is_none());

    rig.engine.destroy().await.expect("destroy");
    delete_again(&rig, "tap:ec2:SecurityGroup", &r5["sg"]).await;
}

fn endpoint_policy() -> Value {
    s(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["execute-api:Invoke"],"Resource":"*"}]}"#,
    )
}

#[tokio::test]
async fn vpc_endpoint_updates_subnets_policy_and_tags_in_place_and_replaces_on_service_change() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("vpce");
    let program = |both_subnets: bool, policy: Value, service: &'static str| {
        let name = name.clone();
        move |d: Deployment| async move {
            let v = vpc(&d, &name, "10.0.0.0/16").await;
            let s1 = reg(
                &d,
                "tap:ec2:Subnet",
                "s1",
                props([("vpcId", s(&v.id)), ("cidrBlock", s("10.0.1.0/24")), ("availabilityZone", s("us-east-1a"))]),
            )
            .await;
            let s2 = reg(
                &d,
                "tap:ec2:Subnet",
                "s2",
                props([("vpcId", s(&v.id)), ("cidrBlock", s("10.0.2.0/24")), ("availabilityZone", s("us-east-1b"))]),
            )
            .await;
            let sg = reg(
                &d,
                "tap:ec2:SecurityGroup",
                "sg",
                props([("vpcId", s(&v.id)), ("ingress", seed_ingress("10.0.0.0/16", "10.0.0.0/24"))]),
            )
            .await;
            let subnets = if both_subnets { list(&[&s1.id, &s2.id]) } else { list(&[&s1.id]) };
            let e = reg(
                &d,
                "tap:ec2:VpcEndpoint",
                "e",
                props([
                    ("vpcId", s(&v.id)),
                    ("serviceName", s(service)),
                    ("vpcEndpointType", s("Interface")),
                    ("subnetIds", subnets),
                    ("securityGroupIds", list(&[&sg.id])),
                    ("privateDnsEnabled", Value::Bool(true)),
                    ("policy", policy),
                    ("tags", tags(&[("Name", &name)])),
                ]),
            )
            .await;
            (d, vec![("vpc", v), ("s1", s1), ("s2", s2), ("sg", sg), ("e", e)])
        }
    };
    let (r, _) = up(&rig, program(true, endpoint_policy(), "com.amazonaws.us-east-1.execute-api")).await;
    let e = r["e"].clone();
    assert!(e.id.starts_with("vpce-"));
    let aws = rig.aws().await;
    let describe = |id: String| {
        let aws = aws.clone();
        async move {
            aws.ec2.describe_vpc_endpoints().vpc_endpoint_ids(id).send().await.expect("describe").vpc_endpoints()[0]
                .clone()
        }
    };
    let got = describe(e.id.clone()).await;
    assert_eq!(got.service_name(), Some("com.amazonaws.us-east-1.execute-api"));
    assert_eq!(got.vpc_endpoint_type().map(|t| t.as_str()), Some("Interface"));
    let mut subnets = got.subnet_ids().to_vec();
    subnets.sort();
    let mut want = vec![r["s1"].id.clone(), r["s2"].id.clone()];
    want.sort();
    assert_eq!(subnets, want);
    assert_eq!(got.groups()[0].group_id(), Some(r["sg"].id.as_str()));
    assert_eq!(got.private_dns_enabled(), Some(true));
    let policy: serde_json::Value = serde_json::from_str(got.policy_document().expect("policy")).expect("json");
    assert_eq!(policy["Statement"][0]["Action"], serde_json::json!(["execute-api:Invoke"]));
    assert_eq!(e.out("tags"), tags(&[("Name", &name)]), "the client-token tag is tap's, not the user's");

    rig.proxy.reset();
    let (r2, _) = up(&rig, program(true, endpoint_policy(), "com.amazonaws.us-east-1.execute-api")).await;
    assert!(all(&r2, Op::Same), "{:?} {:?} {:?}", ops(&r2), r2["sg"].detailed_diff, r2["e"].detailed_diff);
    no_mutations(&rig);

    // The same policy written differently is not a change.
    let respaced = s("{ \"Statement\": [ { \"Resource\": \"*\", \"Action\": \"execute-api:Invoke\", \"Principal\": \"*\", \"Effect\": \"Allow\" } ], \"Version\": \"2012-10-17\" }");
    rig.proxy.reset();
    let (r3, _) = up(&rig, program(true, respaced, "com.amazonaws.us-east-1.execute-api")).await;
    assert_eq!(r3["e"].op, Op::Same);
    no_mutations(&rig);

    let deny = s(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#,
    );
    rig.proxy.reset();
    let (r4, _) = up(&rig, program(false, deny, "com.amazonaws.us-east-1.execute-api")).await;
    assert_eq!(r4["e"].op, Op::Update);
    assert_eq!(r4["e"].id, e.id);
    assert_eq!(mutations(&rig), ["ModifyVpcEndpoint"]);
    let got = describe(e.id.clone()).await;
    assert_eq!(got.subnet_ids(), [r["s1"].id.clone()]);
    assert!(got.policy_document().expect("policy").contains("Deny"));

    // Drift: the policy put back by hand; refresh sees it; up repairs it.
    aws.ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&e.id)
        .policy_document(endpoint_policy().to_json().as_str().expect("text"))
        .send()
        .await
        .expect("modify by hand");
    rig.engine.refresh().await.expect("refresh");
    let deny_again = s(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#,
    );
    let (r5, _) = up(&rig, program(false, deny_again.clone(), "com.amazonaws.us-east-1.execute-api")).await;
    assert_eq!(r5["e"].op, Op::Update);
    assert!(describe(e.id.clone()).await.policy_document().expect("policy").contains("Deny"));

    let imported = read(&rig, "tap:ec2:VpcEndpoint", &e.id).await.expect("import");
    assert_eq!(imported["serviceName"], s("com.amazonaws.us-east-1.execute-api"));

    // Another service replaces the endpoint; the old one is deleted (moto lists it as `deleted`).
    let (r6, deleted) = up(&rig, program(false, deny_again, "com.amazonaws.us-east-1.sqs")).await;
    assert_eq!(r6["e"].op, Op::Replace);
    assert_eq!(deleted, [(e.urn.clone(), Op::Delete)]);
    assert!(read(&rig, "tap:ec2:VpcEndpoint", &e.id).await.is_none());

    // Gone: deleted by hand.
    aws.ec2.delete_vpc_endpoints().vpc_endpoint_ids(&r6["e"].id).send().await.expect("delete by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert!(steps.contains(&(r6["e"].urn.clone(), Op::Delete)), "{steps:?}");
    rig.engine.destroy().await.expect("destroy");
    delete_again(&rig, "tap:ec2:VpcEndpoint", &r6["e"]).await;
}

#[tokio::test]
async fn vpc_endpoint_retried_create_adopts_the_first_moto_ignores_client_token() {
    // moto ignores ClientToken, so the adoption is proven through the token tag: an endpoint left
    // by an earlier attempt (same URN, same inputs) is found and adopted, not duplicated.
    let rig = Rig::new("us-east-1").await;
    let name = unique("vpce-retry");
    let d = rig.engine.run(false).await;
    let v = vpc(&d, &name, "10.0.0.0/16").await;
    d.finish().await.expect("finish");
    let inputs = tap::testing::VpcEndpointInputs {
        vpc_id: v.id.clone(),
        service_name: "com.amazonaws.us-east-1.s3".into(),
        vpc_endpoint_type: "Gateway".into(),
        subnet_ids: vec![],
        security_group_ids: vec![],
        route_table_ids: vec![],
        private_dns_enabled: false,
        policy: None,
        region: "us-east-1".into(),
        tags: [("Name".to_string(), name.clone())].into_iter().collect(),
    };
    let urn = "urn:pulumi:test::tap-tests::tap:ec2:VpcEndpoint::retry";
    let token = tap::testing::client_token(urn, &inputs);
    let aws = rig.aws().await;
    let earlier =
        tap::testing::create_request(&aws.ec2, &inputs, &token, &tap::testing::marker_of(&rig.engine.provider_id, urn))
            .send()
            .await
            .expect("earlier attempt");
    let earlier_id = earlier.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()).expect("id").to_string();

    rig.proxy.reset();
    let d = rig.engine.run(false).await;
    let v2 = vpc(&d, &name, "10.0.0.0/16").await;
    let e = reg(
        &d,
        "tap:ec2:VpcEndpoint",
        "retry",
        props([
            ("vpcId", s(&v2.id)),
            ("serviceName", s("com.amazonaws.us-east-1.s3")),
            ("tags", tags(&[("Name", &name)])),
        ]),
    )
    .await;
    d.finish().await.expect("finish");
    assert_eq!(e.id, earlier_id, "the earlier endpoint was adopted");
    assert!(!mutations(&rig).contains(&"CreateVpcEndpoint".to_string()), "{:?}", mutations(&rig));
    let listed = aws
        .ec2
        .describe_vpc_endpoints()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&v.id).build())
        .send()
        .await
        .expect("list");
    let live: Vec<_> = listed
        .vpc_endpoints()
        .iter()
        .filter(|e| e.state().map(|s| s.as_str().to_lowercase()) != Some("deleted".into()))
        .collect();
    assert_eq!(live.len(), 1, "exactly one endpoint");
    rig.engine.destroy().await.expect("destroy");
}

#[tokio::test]
async fn network_bad_inputs_are_rejected_by_check_with_no_aws_call() {
    let engine = Engine::start(provider_config("us-east-1", &closed_port_url())).await;
    let vpc_id = s("vpc-0123456789abcdef0");
    let table: Vec<(&str, PropertyMap, &str)> = vec![
        ("tap:ec2:Subnet", props([("vpcId", vpc_id.clone()), ("cidrBlock", s("10.0.0.0/30"))]), "cidrBlock"),
        (
            "tap:ec2:Subnet",
            props([("vpcId", vpc_id.clone()), ("cidrBlock", s("10.0.1.0/24")), ("availabilityZone", s("eu-west-1a"))]),
            "availabilityZone",
        ),
        ("tap:ec2:Subnet", props([("cidrBlock", s("10.0.1.0/24"))]), "vpcId"),
        ("tap:ec2:InternetGateway", props([("vpcId", Value::Number(3.0))]), "vpcId"),
        ("tap:ec2:InternetGateway", props([("tags", obj(&[("aws:x", s("y"))]))]), "tags"),
        (
            "tap:ec2:RouteTable",
            props([
                ("vpcId", vpc_id.clone()),
                ("routes", Value::Array(vec![obj(&[("cidrBlock", s("0.0.0.0/99")), ("gatewayId", s("igw-1"))])])),
            ]),
            "routes",
        ),
        (
            "tap:ec2:RouteTable",
            props([("vpcId", vpc_id.clone()), ("routes", Value::Array(vec![obj(&[("cidrBlock", s("0.0.0.0/0"))])]))]),
            "routes",
        ),
        ("tap:ec2:RouteTableAssociation", props([("subnetId", s("subnet-1"))]), "routeTableId"),
        (
            "tap:ec2:SecurityGroup",
            props([
                ("vpcId", vpc_id.clone()),
                ("ingress", Value::Array(vec![rule("tcp", 100, 20, &["10.0.0.0/16"], "")])),
            ]),
            "ingress",
        ),
        (
            "tap:ec2:SecurityGroup",
            props([
                ("vpcId", vpc_id.clone()),
                ("egress", Value::Array(vec![rule("tcp", 0, 70000, &["10.0.0.0/16"], "")])),
            ]),
            "egress",
        ),
        (
            "tap:ec2:SecurityGroup",
            props([
                ("vpcId", vpc_id.clone()),
                ("ingress", Value::Array(vec![rule("ipv9", 1, 1, &["10.0.0.0/16"], "")])),
            ]),
            "ingress",
        ),
        (
            "tap:ec2:SecurityGroup",
            props([
                ("vpcId", vpc_id.clone()),
                ("ingress", Value::Array(vec![rule("tcp", 22, 22, &["10.0.0.0/33"], "")])),
            ]),
            "ingress",
        ),
        ("tap:ec2:SecurityGroup", props([("vpcId", vpc_id.clone()), ("name", s("sg-nope"))]), "name"),
        (
            "tap:ec2:VpcEndpoint",
            props([("vpcId", vpc_id.clone()), ("serviceName", s("com.amazonaws.us-west-2.execute-api"))]),
            "serviceName",
        ),
        (
            "tap:ec2:VpcEndpoint",
            props([
                ("vpcId", vpc_id.clone()),
                ("serviceName", s("com.amazonaws.us-east-1.execute-api")),
                ("vpcEndpointType", s("Interface")),
                ("policy", s(r#"{"Statement":[{}]}"#)),
            ]),
            "policy",
        ),
        (
            "tap:ec2:VpcEndpoint",
            props([
                ("vpcId", vpc_id.clone()),
                ("serviceName", s("com.amazonaws.us-east-1.execute-api")),
                ("vpcEndpointType", s("Tunnel")),
            ]),
            "vpcEndpointType",
        ),
    ];
    for (t, inputs, property) in table {
        let d = engine.run(false).await;
        let err = d.register(Registration::new(t, "bad", inputs.clone())).await.expect_err(t);
        let EngineError::CheckFailed(failures) = &err else { panic!("{t} {inputs:?}: not a check failure: {err}") };
        assert!(
            failures.iter().any(|f| f.property == property),
            "{t} {inputs:?}: expected a failure on {property}, got {failures:?}"
        );
    }
}

#[tokio::test]
async fn seed_network_for_one_region_is_built_checked_and_removed_completely() {
    let rig = Rig::new("eu-central-1").await;
    let prefix = unique("seed-eu-central-1");
    let zones = rig.aws().await.ec2.describe_availability_zones().send().await.expect("zones");
    let zones: Vec<String> =
        zones.availability_zones().iter().filter_map(|z| z.zone_name().map(str::to_string)).take(2).collect();
    let base = |suffix: &str, extra: &[(&str, &str)]| {
        let name = format!("{prefix}-{suffix}");
        let mut t = vec![("Environment", "Production"), ("Name", name.as_str())];
        t.extend_from_slice(extra);
        tags(&t)
    };
    let d = rig.engine.run(false).await;
    let v = reg(
        &d,
        "tap:ec2:Vpc",
        "vpc",
        props([
            ("cidrBlock", s("10.0.0.0/16")),
            ("enableDnsSupport", Value::Bool(true)),
            ("enableDnsHostnames", Value::Bool(true)),
            ("tags", base("vpc", &[])),
        ]),
    )
    .await;
    let igw = reg(&d, "tap:ec2:InternetGateway", "igw", props([("vpcId", s(&v.id)), ("tags", base("igw", &[]))])).await;
    let mut subnets = Vec::new();
    for (i, (suffix, zone)) in ["private-subnet-a", "private-subnet-b"].iter().zip(&zones).enumerate() {
        subnets.push(
            reg(
                &d,
                "tap:ec2:Subnet",
                suffix,
                props([
                    ("vpcId", s(&v.id)),
                    ("cidrBlock", s(&format!("10.0.{}.0/24", i + 1))),
                    ("availabilityZone", s(zone)),
                    ("mapPublicIpOnLaunch", Value::Bool(false)),
                    ("tags", base(suffix, &[("Tier", "Private")])),
                ]),
            )
            .await,
        );
    }
    let rt = reg(
        &d,
        "tap:ec2:RouteTable",
        "rt",
        props([
            ("vpcId", s(&v.id)),
            ("routes", Value::Array(vec![obj(&[("cidrBlock", s("0.0.0.0/0")), ("gatewayId", s(&igw.id))])])),
            ("tags", base("rt", &[])),
        ]),
    )
    .await;
    for (i, sn) in subnets.iter().enumerate() {
        reg(
            &d,
            "tap:ec2:RouteTableAssociation",
            &format!("rta-{i}"),
            props([("subnetId", s(&sn.id)), ("routeTableId", s(&rt.id))]),
        )
        .await;
    }
    let sg = reg(
        &d,
        "tap:ec2:SecurityGroup",
        "sg",
        props([
            ("vpcId", s(&v.id)),
            ("description", s(SG_DESCRIPTION)),
            ("ingress", seed_ingress("10.0.0.0/16", "10.0.0.0/24")),
            ("egress", seed_egress()),
            ("tags", base("sg", &[("Purpose", "API Gateway and Admin Access")])),
        ]),
    )
    .await;
    let e = reg(
        &d,
        "tap:ec2:VpcEndpoint",
        "apigw-vpce",
        props([
            ("vpcId", s(&v.id)),
            ("serviceName", s("com.amazonaws.eu-central-1.execute-api")),
            ("vpcEndpointType", s("Interface")),
            ("subnetIds", list(&[&subnets[0].id, &subnets[1].id])),
            ("securityGroupIds", list(&[&sg.id])),
            ("privateDnsEnabled", Value::Bool(true)),
            ("policy", endpoint_policy()),
            ("tags", base("apigw-vpce", &[("Purpose", "Private API Gateway Access")])),
        ]),
    )
    .await;
    d.finish().await.expect("finish");

    // Every property, through the AWS APIs.
    let aws = rig.aws().await;
    let ec2 = &aws.ec2;
    let vpcs = ec2.describe_vpcs().vpc_ids(&v.id).send().await.expect("vpc");
    assert_eq!(vpcs.vpcs()[0].cidr_block(), Some("10.0.0.0/16"));
    for attr in [
        aws_sdk_ec2::types::VpcAttributeName::EnableDnsSupport,
        aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames,
    ] {
        let out = ec2.describe_vpc_attribute().vpc_id(&v.id).attribute(attr.clone()).send().await.expect("attr");
        let value = out.enable_dns_support().or(out.enable_dns_hostnames()).and_then(|b| b.value());
        assert_eq!(value, Some(true), "{attr:?}");
    }
    let name_tag = |t: &[aws_sdk_ec2::types::Tag]| {
        t.iter().find(|t| t.key() == Some("Name")).and_then(|t| t.value().map(str::to_string))
    };
    assert_eq!(name_tag(vpcs.vpcs()[0].tags()), Some(format!("{prefix}-vpc")));
    let igws = ec2.describe_internet_gateways().internet_gateway_ids(&igw.id).send().await.expect("igw");
    assert_eq!(igws.internet_gateways()[0].attachments()[0].vpc_id(), Some(v.id.as_str()));
    for (i, sn) in subnets.iter().enumerate() {
        let got = ec2.describe_subnets().subnet_ids(&sn.id).send().await.expect("subnet");
        let g = &got.subnets()[0];
        assert_eq!(g.cidr_block(), Some(format!("10.0.{}.0/24", i + 1).as_str()));
        assert_eq!(g.availability_zone(), Some(zones[i].as_str()));
        assert_eq!(g.map_public_ip_on_launch(), Some(false));
        assert!(g.tags().iter().any(|t| t.key() == Some("Tier") && t.value() == Some("Private")));
    }
    let tables = ec2.describe_route_tables().route_table_ids(&rt.id).send().await.expect("rt");
    let table = &tables.route_tables()[0];
    assert!(table
        .routes()
        .iter()
        .any(|r| r.destination_cidr_block() == Some("0.0.0.0/0") && r.gateway_id() == Some(igw.id.as_str())));
    let mut associated: Vec<String> =
        table.associations().iter().filter_map(|a| a.subnet_id().map(str::to_string)).collect();
    associated.sort();
    let mut want: Vec<String> = subnets.iter().map(|s| s.id.clone()).collect();
    want.sort();
    assert_eq!(associated, want);
    let (ingress, egress) = aws_rules(&rig, &sg.id).await;
    assert_eq!(ingress.len(), 2);
    assert_eq!(egress, [("-1".into(), 0, 0, "0.0.0.0/0".into(), "All outbound traffic allowed".into())]);
    let endpoint = ec2.describe_vpc_endpoints().vpc_endpoint_ids(&e.id).send().await.expect("vpce");
    let ep = &endpoint.vpc_endpoints()[0];
    assert_eq!(ep.service_name(), Some("com.amazonaws.eu-central-1.execute-api"));
    assert_eq!(ep.private_dns_enabled(), Some(true));
    assert_eq!(ep.groups()[0].group_id(), Some(sg.id.as_str()));
    assert_eq!(ep.subnet_ids().len(), 2);
    assert!(ep.tags().iter().any(|t| t.key() == Some("Purpose") && t.value() == Some("Private API Gateway Access")));

    // Delete it all: nothing of it is left.
    rig.engine.destroy().await.expect("destroy");
    assert!(ec2.describe_vpcs().vpc_ids(&v.id).send().await.map(|o| o.vpcs().is_empty()).unwrap_or(true));
    assert!(ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&igw.id)
        .send()
        .await
        .map(|o| o.internet_gateways().is_empty())
        .unwrap_or(true));
    assert!(ec2
        .describe_security_groups()
        .group_ids(&sg.id)
        .send()
        .await
        .map(|o| o.security_groups().is_empty())
        .unwrap_or(true));
    let left = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&e.id)
        .send()
        .await
        .map(|o| o.vpc_endpoints().to_vec())
        .unwrap_or_default();
    assert!(
        left.iter().all(|e| e.state().map(|s| s.as_str().eq_ignore_ascii_case("deleted")).unwrap_or(true)),
        "{left:?}"
    );
    for sn in &subnets {
        assert!(ec2.describe_subnets().subnet_ids(&sn.id).send().await.map(|o| o.subnets().is_empty()).unwrap_or(true));
    }
}

#[tokio::test]
async fn deleting_a_vpc_still_in_use_retries_until_the_timeout_then_says_what_holds_it() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("in-use");
    let (r, _) = up(&rig, |d: Deployment| {
        let name = name.clone();
        async move {
            let v = vpc(&d, &name, "10.0.0.0/16").await;
            let sn =
                reg(&d, "tap:ec2:Subnet", "sn", props([("vpcId", s(&v.id)), ("cidrBlock", s("10.0.1.0/24"))])).await;
            (d, vec![("vpc", v), ("sn", sn)])
        }
    })
    .await;
    let v = &r["vpc"];
    let started = std::time::Instant::now();
    let err = rig
        .engine
        .client()
        .delete(tap::proto::pulumirpc::DeleteRequest {
            id: v.id.clone(),
            urn: v.urn.clone(),
            properties: Some(tap::value::encode_struct(&v.outputs)),
            r#type: "tap:ec2:Vpc".into(),
            timeout: 3.0,
            ..Default::default()
        })
        .await
        .expect_err("the subnet still uses the VPC");
    assert!(started.elapsed() >= std::time::Duration::from_secs(2), "it retried for a while: {:?}", started.elapsed());
    assert!(err.message().contains("still") && err.message().contains("DependencyViolation"), "{}", err.message());
    let retries = rig.proxy.calls().iter().filter(|c| c.operation == "DeleteVpc").count();
    assert!(retries >= 3, "DeleteVpc attempts: {retries}");
    assert!(
        rig.engine.logs().iter().any(|l| l.urn == v.urn && l.message.contains("retrying")),
        "progress reached the engine log"
    );
    rig.engine.destroy().await.expect("destroy in order works");
}

#[tokio::test]
async fn security_group_update_without_refresh_tolerates_rules_already_changed_by_hand() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("sg-stale");
    let program = |ingress: Value| {
        let name = name.clone();
        move |d: Deployment| async move {
            let v = vpc(&d, &name, "10.0.0.0/16").await;
            let sg = reg(&d, "tap:ec2:SecurityGroup", "web", props([("vpcId", s(&v.id)), ("ingress", ingress)])).await;
            (d, vec![("vpc", v), ("sg", sg)])
        }
    };
    let two = Value::Array(vec![
        rule("tcp", 443, 443, &["10.0.0.0/16"], "https"),
        rule("tcp", 22, 22, &["10.0.0.0/24"], "ssh"),
    ]);
    let (r, _) = up(&rig, program(two)).await;
    let sg = r["sg"].id.clone();
    // By hand, with no refresh: the ssh rule is revoked and the rule the program will add exists.
    let ec2 = rig.aws().await.ec2.clone();
    let perm = |port: i32, cidr: &str| {
        aws_sdk_ec2::types::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(port)
            .to_port(port)
            .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip(cidr).build())
            .build()
    };
    ec2.revoke_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(perm(22, "10.0.0.0/24"))
        .send()
        .await
        .expect("revoke by hand");
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(perm(8443, "10.0.0.0/16"))
        .send()
        .await
        .expect("authorize by hand");
    // The program drops ssh and adds 8443 and 9443: the stale revoke and the duplicate authorize
    // are settled rule by rule, and 9443 still goes in.
    let next = Value::Array(vec![
        rule("tcp", 443, 443, &["10.0.0.0/16"], "https"),
        rule("tcp", 8443, 8443, &["10.0.0.0/16"], ""),
        rule("tcp", 9443, 9443, &["10.0.0.0/16"], ""),
    ]);
    let (r2, _) = up(&rig, program(next)).await;
    assert_eq!(r2["sg"].op, Op::Update);
    let (ingress, _) = aws_rules(&rig, &sg).await;
    let ports: Vec<i32> = ingress.iter().map(|r| r.1).collect();
    assert_eq!(ports, [443, 8443, 9443], "{ingress:?}");
    // By hand, the https rule is revoked; the program then only changes its description: the rule
    // to redescribe is gone, so it is authorized again with the new description. moto gap: moto
    // answers UpdateSecurityGroupRuleDescriptionsIngress for a rule that does not exist with
    // success, where AWS answers InvalidPermission.NotFound, so the proxy gives AWS's answer.
    rig.proxy.fail_operation_with("UpdateSecurityGroupRuleDescriptionsIngress", "InvalidPermission.NotFound");
    ec2.revoke_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(perm(443, "10.0.0.0/16"))
        .send()
        .await
        .expect("revoke by hand");
    rig.proxy.reset();
    let redescribed = Value::Array(vec![
        rule("tcp", 443, 443, &["10.0.0.0/16"], "https from the VPC"),
        rule("tcp", 8443, 8443, &["10.0.0.0/16"], ""),
        rule("tcp", 9443, 9443, &["10.0.0.0/16"], ""),
    ]);
    let (r3, _) = up(&rig, program(redescribed)).await;
    rig.proxy.stop_failing();
    assert_eq!(r3["sg"].op, Op::Update);
    assert_eq!(mutations(&rig), ["UpdateSecurityGroupRuleDescriptionsIngress", "AuthorizeSecurityGroupIngress"]);
    let (ingress, _) = aws_rules(&rig, &sg).await;
    assert!(
        ingress.contains(&("tcp".into(), 443, 443, "10.0.0.0/16".into(), "https from the VPC".into())),
        "{ingress:?}"
    );
    rig.engine.destroy().await.expect("destroy");
}
