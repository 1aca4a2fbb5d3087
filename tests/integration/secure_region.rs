//! tap:index:SecureRegion through the stand-in engine: Construct calls back into the engine's
//! monitor, and every child runs through Check → Diff → Create/Update on the same provider.

use std::collections::BTreeMap;
use std::time::Duration;

use tap::proto::pulumirpc as rpc;
use tap::value::{decode_struct, PropertyMap, Unknown, Value};

use crate::harness::engine::{stack_urn, Deployment, EngineError};
use crate::harness::program::{obj, s};
use crate::harness::{props, tags, unique, Op, Rig, ACCOUNT};

pub const COMPONENT: &str = "tap:index:SecureRegion";

#[derive(Clone)]
pub struct Instance {
    pub name: String,
    pub region: &'static str,
    pub inputs: PropertyMap,
}

pub fn three_regions(base: &str, retention: f64, extra_tag: bool, west_cidr: &str) -> Vec<Instance> {
    let mut user_tags = vec![("Project", "tap")];
    if extra_tag {
        user_tags.push(("CostCenter", "42"));
    }
    let common = |region: &str| {
        props([
            ("region", s(region)),
            ("logRetentionInDays", Value::Number(retention)),
            ("tags", tags(&user_tags)),
            ("kmsDeletionWindowInDays", Value::Number(7.0)),
        ])
    };
    let mut east = common("us-east-1");
    east.insert("passwordPolicy".into(), obj(&[]));
    let mut west = common("us-west-2");
    west.insert("cidrBlock".into(), s(west_cidr));
    let mut central = common("eu-central-1");
    central.insert("cidrBlock".into(), s("10.2.0.0/16"));
    central.insert("availabilityZoneCount".into(), Value::Number(3.0));
    // The seed's internet route, asked for in one region (the others are private by routing).
    central.insert("routeToInternetGateway".into(), Value::Bool(true));
    vec![
        Instance { name: format!("{base}-east"), region: "us-east-1", inputs: east },
        Instance { name: format!("{base}-west"), region: "us-west-2", inputs: west },
        Instance { name: format!("{base}-central"), region: "eu-central-1", inputs: central },
    ]
}

/// One run of the program: every instance constructed concurrently, as a program would.
pub async fn run(
    rig: &Rig,
    preview: bool,
    instances: &[Instance],
) -> (Vec<PropertyMap>, Vec<(String, Op)>, Vec<(String, Op)>) {
    let d = rig.engine.run(preview).await;
    let responses = futures_util::future::join_all(
        instances.iter().map(|i| rig.engine.construct(&d, COMPONENT, &i.name, i.inputs.clone())),
    )
    .await;
    let mut states = Vec::new();
    for (i, r) in instances.iter().zip(responses) {
        let r = r.unwrap_or_else(|e| panic!("construct {}: {e}", i.name));
        assert_eq!(r.urn, format!("urn:pulumi:test::tap-tests::{COMPONENT}::{}", i.name));
        states.push(decode_struct(r.state.as_ref()).expect("state"));
    }
    let steps = d.steps();
    let deleted = d.finish().await.expect("finish");
    (states, steps, deleted)
}

fn child_name(urn: &str) -> &str {
    urn.rsplit("::").next().unwrap_or_default()
}

fn ops_by_child(steps: &[(String, Op)]) -> BTreeMap<String, Op> {
    steps.iter().map(|(urn, op)| (child_name(urn).to_string(), *op)).collect()
}

pub fn out_str(state: &PropertyMap, key: &str) -> String {
    match state.get(key).map(Value::unwrap_plain) {
        Some(Value::String(v)) => v,
        other => panic!("output {key} is not a string: {other:?}"),
    }
}

fn tag<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>, key: &str) -> Option<String> {
    tags.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
}

/// Checks every value of SEED.md §1/§2 for one instance through the AWS APIs.
pub async fn verify_region(
    instance: &Instance,
    state: &PropertyMap,
    cidr_second_octet: u8,
    zone_count: usize,
    retention: i32,
) {
    let region = instance.region;
    let prefix = format!("{}-{region}", instance.name);
    let aws = crate::harness::aws(region).await;
    let ec2 = &aws.ec2;
    let vpc_id = out_str(state, "vpcId");
    let vpc = ec2.describe_vpcs().vpc_ids(&vpc_id).send().await.expect("vpc");
    let v = &vpc.vpcs()[0];
    assert_eq!(v.cidr_block(), Some(format!("10.{cidr_second_octet}.0.0/16").as_str()), "{region} vpc cidr");
    let name_of = |t: &[aws_sdk_ec2::types::Tag]| tag(t.iter().filter_map(|t| Some((t.key()?, t.value()?))), "Name");
    assert_eq!(name_of(v.tags()), Some(format!("{prefix}-vpc")));
    assert_eq!(
        tag(v.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))), "Environment"),
        Some("Production".into())
    );
    if let Some(Value::Object(user_tags)) = instance.inputs.get("tags").map(Value::unwrap_plain) {
        for (k, want) in user_tags {
            let got = tag(v.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))), &k);
            assert_eq!(got.map(Value::String), Some(want), "user tag {k} is merged");
        }
    }
    for attr in [
        aws_sdk_ec2::types::VpcAttributeName::EnableDnsSupport,
        aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames,
    ] {
        let out = ec2.describe_vpc_attribute().vpc_id(&vpc_id).attribute(attr.clone()).send().await.expect("attr");
        assert_eq!(
            out.enable_dns_support().or(out.enable_dns_hostnames()).and_then(|b| b.value()),
            Some(true),
            "{region} {attr:?}"
        );
    }
    let igw_id = out_str(state, "internetGatewayId");
    let igw = ec2.describe_internet_gateways().internet_gateway_ids(&igw_id).send().await.expect("igw");
    assert_eq!(igw.internet_gateways()[0].attachments()[0].vpc_id(), Some(vpc_id.as_str()));
    // Subnets: the region's first N zones, the (i+1)-th /24.
    let zones = ec2.describe_availability_zones().send().await.expect("zones");
    let first: Vec<String> =
        zones.availability_zones().iter().filter_map(|z| z.zone_name().map(str::to_string)).take(zone_count).collect();
    let Some(Value::Array(subnet_ids)) = state.get("subnetIds").map(Value::unwrap_plain) else { panic!("subnetIds") };
    assert_eq!(subnet_ids.len(), zone_count);
    for (i, id) in subnet_ids.iter().enumerate() {
        let Value::String(id) = id else { panic!() };
        let got = ec2.describe_subnets().subnet_ids(id).send().await.expect("subnet");
        let sn = &got.subnets()[0];
        assert_eq!(sn.cidr_block(), Some(format!("10.{cidr_second_octet}.{}.0/24", i + 1).as_str()));
        assert_eq!(sn.availability_zone(), Some(first[i].as_str()));
        assert_eq!(sn.map_public_ip_on_launch(), Some(false));
        assert_eq!(name_of(sn.tags()), Some(format!("{prefix}-private-subnet-{}", (b'a' + i as u8) as char)));
        assert_eq!(tag(sn.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))), "Tier"), Some("Private".into()));
    }
    let rt_id = out_str(state, "routeTableId");
    let rts = ec2.describe_route_tables().route_table_ids(&rt_id).send().await.expect("rt");
    let rt = &rts.route_tables()[0];
    // Private by routing unless the program asks for the seed's internet route.
    let wants_route = instance.inputs.get("routeToInternetGateway").map(Value::unwrap_plain) == Some(Value::Bool(true));
    let internet: Vec<_> = rt.routes().iter().filter(|r| r.destination_cidr_block() == Some("0.0.0.0/0")).collect();
    if wants_route {
        assert!(internet.iter().any(|r| r.gateway_id() == Some(igw_id.as_str())), "{region}: the asked-for route");
    } else {
        assert!(internet.is_empty(), "{region}: no route to the internet unless asked: {internet:?}");
    }
    assert_eq!(rt.associations().iter().filter(|a| a.subnet_id().is_some()).count(), zone_count);
    // Security group rules and descriptions.
    let sg_id = out_str(state, "securityGroupId");
    let sgs = ec2.describe_security_groups().group_ids(&sg_id).send().await.expect("sg");
    let sg = &sgs.security_groups()[0];
    assert_eq!(sg.description(), Some("Secure security group with restricted access for API Gateway and admin access"));
    let rules: Vec<(String, i32, String, String)> = sg
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            p.ip_ranges().iter().map(move |r| {
                (
                    p.ip_protocol().unwrap_or_default().to_string(),
                    p.from_port().unwrap_or(0),
                    r.cidr_ip().unwrap_or_default().to_string(),
                    r.description().unwrap_or_default().to_string(),
                )
            })
        })
        .collect();
    assert!(
        rules.contains(&(
            "tcp".into(),
            443,
            format!("10.{cidr_second_octet}.0.0/16"),
            "HTTPS from VPC CIDR for API Gateway access".into()
        )),
        "{rules:?}"
    );
    assert!(
        rules.contains(&(
            "tcp".into(),
            22,
            format!("10.{cidr_second_octet}.0.0/24"),
            "SSH from admin subnet only".into()
        )),
        "{rules:?}"
    );
    let egress: Vec<_> = sg
        .ip_permissions_egress()
        .iter()
        .flat_map(|p| {
            p.ip_ranges().iter().map(move |r| {
                (
                    p.ip_protocol().map(str::to_string),
                    r.cidr_ip().map(str::to_string),
                    r.description().map(str::to_string),
                )
            })
        })
        .collect();
    assert_eq!(egress, [(Some("-1".into()), Some("0.0.0.0/0".into()), Some("All outbound traffic allowed".into()))]);
    assert_eq!(
        tag(sg.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))), "Purpose"),
        Some("API Gateway and Admin Access".into())
    );
    // KMS key, policy, alias.
    let key_id = out_str(state, "kmsKeyId");
    assert!(aws.kms.get_key_rotation_status().key_id(&key_id).send().await.expect("rotation").key_rotation_enabled());
    let policy = aws.kms.get_key_policy().key_id(&key_id).policy_name("default").send().await.expect("policy");
    let doc: serde_json::Value = serde_json::from_str(policy.policy().expect("policy")).expect("json");
    assert_eq!(doc["Id"], "key-policy-for-secure-infrastructure");
    assert_eq!(doc["Statement"][1]["Principal"]["Service"], format!("logs.{region}.amazonaws.com"));
    assert_eq!(
        doc["Statement"][1]["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"],
        serde_json::json!([
            format!("arn:aws:logs:{region}:123456789012:log-group:/aws/apigateway/{prefix}"),
            format!("arn:aws:logs:{region}:123456789012:log-group:API-Gateway-Execution-Logs_*/prod"),
            format!("arn:aws:logs:{region}:123456789012:log-group:/aws/vpc/flow-logs/{prefix}"),
        ]),
        "CloudWatch Logs may use the key for the API's (access, execution) and the flow logs' groups only"
    );
    let described = aws.kms.describe_key().key_id(&key_id).send().await.expect("key");
    assert_eq!(
        described.key_metadata().and_then(|m| m.description()),
        Some(format!("KMS Customer Managed Key for secure encryption in {region}").as_str())
    );
    assert_eq!(out_str(state, "kmsKeyArn"), described.key_metadata().and_then(|m| m.arn()).unwrap_or_default());
    let alias = out_str(state, "kmsAliasName");
    assert_eq!(alias, format!("alias/{prefix}-secure-key"));
    let aliases = aws.kms.list_aliases().key_id(&key_id).send().await.expect("aliases");
    assert_eq!(aliases.aliases()[0].alias_name(), Some(alias.as_str()));
    // Role, trust policy, attachment.
    let role_arn = out_str(state, "apiGatewayRoleArn");
    let role_name = role_arn.rsplit('/').next().unwrap_or_default().to_string();
    assert!(
        role_name.starts_with(&format!("{prefix}-apigateway-role-").chars().take(57).collect::<String>()),
        "{role_name}"
    );
    assert!(role_name.len() <= 64);
    let role = aws.iam.get_role().role_name(&role_name).send().await.expect("role");
    let trust = crate::harness::url_decode(role.role().expect("role").assume_role_policy_document().expect("trust"));
    let trust: serde_json::Value = serde_json::from_str(&trust).expect("json");
    assert_eq!(trust["Statement"][0]["Principal"]["Service"], "apigateway.amazonaws.com");
    assert_eq!(trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012");
    assert_eq!(
        role.role().and_then(|r| r.description()),
        Some(format!("IAM role for API Gateway with least privilege access in {region}").as_str())
    );
    let attached = aws.iam.list_attached_role_policies().role_name(&role_name).send().await.expect("attached");
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some("arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    );
    // Endpoint.
    let vpce_id = out_str(state, "vpcEndpointId");
    let endpoint = ec2.describe_vpc_endpoints().vpc_endpoint_ids(&vpce_id).send().await.expect("vpce");
    let e = &endpoint.vpc_endpoints()[0];
    assert_eq!(e.service_name(), Some(format!("com.amazonaws.{region}.execute-api").as_str()));
    assert_eq!(e.subnet_ids().len(), zone_count);
    assert_eq!(e.groups()[0].group_id(), Some(sg_id.as_str()));
    assert_eq!(e.private_dns_enabled(), Some(true));
    assert!(e.policy_document().is_some_and(|p| p.contains("execute-api:Invoke")));
    let s3_vpce = out_str(state, "s3VpcEndpointId");
    let endpoint = ec2.describe_vpc_endpoints().vpc_endpoint_ids(&s3_vpce).send().await.expect("s3 vpce");
    let e = &endpoint.vpc_endpoints()[0];
    assert_eq!(e.service_name(), Some(format!("com.amazonaws.{region}.s3").as_str()));
    assert_eq!(e.vpc_endpoint_type().map(|t| t.as_str()), Some("Gateway"));
    assert_eq!(e.route_table_ids(), [out_str(state, "routeTableId")]);
    assert!(e.policy_document().is_some_and(|p| p.contains("aws:ResourceAccount")));
    // REST API.
    let api = aws.apigateway.get_rest_api().rest_api_id(out_str(state, "restApiId")).send().await.expect("api");
    assert_eq!(api.name(), Some(format!("{prefix}-private-api").as_str()));
    assert_eq!(api.endpoint_configuration().map(|c| c.types()[0].as_str()), Some("PRIVATE"));
    assert_eq!(api.endpoint_configuration().map(|c| c.vpc_endpoint_ids().to_vec()), Some(vec![vpce_id.clone()]));
    let api_policy: serde_json::Value =
        serde_json::from_str(&api.policy().expect("policy").replace("\\\"", "\"")).expect("json");
    assert_eq!(api_policy["Statement"][0]["Condition"]["StringEquals"]["aws:SourceVpce"], vpce_id);
    // Log group.
    let log_group = out_str(state, "logGroupName");
    assert_eq!(log_group, format!("/aws/apigateway/{prefix}"));
    let groups = aws.logs.describe_log_groups().log_group_name_prefix(&log_group).send().await.expect("groups");
    let g = &groups.log_groups()[0];
    assert_eq!(g.retention_in_days(), Some(retention));
    assert_eq!(g.kms_key_id(), Some(out_str(state, "kmsKeyArn").as_str()));
    assert_eq!(out_str(state, "logGroupArn"), g.arn().unwrap_or_default().trim_end_matches(":*"));
    // Bucket.
    let bucket = out_str(state, "bucketName");
    assert!(
        bucket.starts_with(&prefix.to_lowercase().chars().take(41).collect::<String>()) && bucket.len() <= 63,
        "{bucket}"
    );
    assert_eq!(out_str(state, "bucketArn"), format!("arn:aws:s3:::{bucket}"));
    let enc = aws.s3.get_bucket_encryption().bucket(&bucket).send().await.expect("encryption");
    let rule = &enc.server_side_encryption_configuration().expect("config").rules()[0];
    assert_eq!(rule.apply_server_side_encryption_by_default().map(|d| d.sse_algorithm().as_str()), Some("aws:kms"));
    assert_eq!(
        rule.apply_server_side_encryption_by_default().and_then(|d| d.kms_master_key_id()),
        Some(out_str(state, "kmsKeyArn").as_str())
    );
    assert_eq!(rule.bucket_key_enabled(), Some(true));
    let bp = aws.s3.get_bucket_policy().bucket(&bucket).send().await.expect("policy");
    let bp: serde_json::Value = serde_json::from_str(bp.policy().expect("text")).expect("json");
    assert_eq!(bp["Statement"][0]["Sid"], "DenyInsecureConnections");
    assert_eq!(bp["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"], "false");
    let pab = aws.s3.get_public_access_block().bucket(&bucket).send().await.expect("pab");
    let c = pab.public_access_block_configuration().expect("config");
    assert_eq!(
        (c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()),
        (Some(true), Some(true), Some(true), Some(true))
    );
    if region != "us-east-1" {
        let location = aws.s3.get_bucket_location().bucket(&bucket).send().await.expect("location");
        assert_eq!(location.location_constraint().map(|l| l.as_str()), Some(region));
    }
}

pub async fn verify_password_policy() {
    let aws = crate::harness::aws("us-east-1").await;
    let got = aws.iam.get_account_password_policy().send().await.expect("password policy");
    let p = got.password_policy().expect("policy");
    assert_eq!(p.minimum_password_length(), Some(14));
    assert!(
        p.require_symbols()
            && p.require_numbers()
            && p.require_uppercase_characters()
            && p.require_lowercase_characters()
            && p.allow_users_to_change_password()
    );
    assert_eq!((p.hard_expiry(), p.password_reuse_prevention(), p.max_password_age()), (Some(true), Some(5), Some(90)));
}

/// The account's public access block as S3 Control reports it (`None`: none).
pub async fn account_block(aws: &tap::aws::Clients) -> Option<[Option<bool>; 4]> {
    use aws_sdk_s3control::error::ProvideErrorMetadata;
    let account = aws.account_id().await.expect("account");
    match aws.s3control.get_public_access_block().account_id(&account).send().await {
        Ok(out) => out.public_access_block_configuration().map(|c| {
            [c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()]
        }),
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => None,
        Err(e) => panic!("GetPublicAccessBlock: {e:?}"),
    }
}

/// Children of one instance with two zones (a third zone adds a subnet and an association) that
/// does not manage the region's settings (as on the shared moto).
pub const PER_REGION_CHILDREN: usize = 45;

/// The children of the region's settings (API Gateway's account, EBS encryption by default).
pub const REGION_SETTINGS_CHILDREN: usize = 2;

#[tokio::test]
async fn secure_region_three_regions_preview_up_noop_update_replace_drift_destroy() {
    let _account = ACCOUNT.lock().await;
    let rig = Rig::new("us-east-1").await;
    let base = unique("sr");

    // 1. Preview: the full tree, unknown ids, no mutating AWS call.
    let program = three_regions(&base, 90.0, false, "10.1.0.0/16");
    let (states, steps, _) = run(&rig, true, &program).await;
    let children: Vec<&String> = steps.iter().map(|(u, _)| u).collect();
    assert_eq!(
        children.len(),
        3 * PER_REGION_CHILDREN + 2 + 1,
        "children of three regions (3 zones in eu-central-1) and the password policy"
    );
    assert!(steps.iter().all(|(_, op)| *op == Op::Create));
    assert!(states.iter().all(|s| s.get("vpcId").is_some_and(Value::contains_unknowns)), "ids are unknown in preview");
    assert!(rig.proxy.mutating().is_empty(), "preview made mutating calls: {:?}", rig.proxy.mutating());
    let components: Vec<_> = rig.engine.registrations().into_iter().filter(|r| !r.custom).collect();
    assert_eq!(components.len(), 3);
    assert!(components.iter().all(|c| c.parent == stack_urn() && c.r#type == COMPONENT));

    // 2. Up: every value checked through the AWS APIs.
    rig.proxy.reset();
    let (states, steps, _) = run(&rig, false, &program).await;
    assert!(steps.iter().all(|(_, op)| *op == Op::Create), "{steps:?}");
    for ((instance, state), (octet, zones)) in program.iter().zip(&states).zip([(0u8, 2usize), (1, 2), (2, 3)]) {
        verify_region(instance, state, octet, zones, 90).await;
    }
    verify_password_policy().await;
    let children = rig.engine.registrations().into_iter().filter(|r| r.custom).collect::<Vec<_>>();
    assert!(
        children.iter().all(|c| c.version == tap::VERSION
            && c.plugin_download_url == tap::PLUGIN_DOWNLOAD_URL
            && c.parent.contains(COMPONENT)),
        "children are this plugin's (the version and plugin server the schema names, as the SDKs \
         register the component), parented to the component"
    );
    let sg_registration = children.iter().find(|c| c.r#type == "tap:ec2:SecurityGroup").expect("sg");
    assert!(
        sg_registration.property_dependencies.get("vpcId").is_some_and(|d| d.urns.iter().any(|u| u.ends_with("-vpc"))),
        "property dependencies are declared"
    );

    // 3. A second up with no changes: no updates, no mutating AWS call.
    rig.proxy.reset();
    let (_, steps, deleted) = run(&rig, false, &program).await;
    assert!(
        steps.iter().all(|(_, op)| *op == Op::Same),
        "{:?}",
        steps.iter().filter(|(_, op)| *op != Op::Same).collect::<Vec<_>>()
    );
    assert!(deleted.is_empty());
    assert!(rig.proxy.mutating().is_empty(), "{:?}", rig.proxy.mutating());

    // 4. Retention 90 → 180 and a tag added: in-place updates on the children concerned only.
    let program = three_regions(&base, 180.0, true, "10.1.0.0/16");
    rig.proxy.reset();
    let (_, steps, deleted) = run(&rig, false, &program).await;
    assert!(deleted.is_empty());
    let ops = ops_by_child(&steps);
    let untagged = [
        "rta-0",
        "rta-1",
        "rta-2",
        "kms-alias",
        "apigateway-logs-policy",
        "flow-logs-policy",
        "api-health",
        "api-health-integration",
        "api-health-response",
        "api-health-integration-response",
        "api-deployment",
        "api-account",
        "api-stage-settings",
        "secure-bucket-policy",
        "secure-bucket-encryption",
        "-public-access-block",
        "-versioning",
        "-ownership",
        "-lifecycle",
        "secure-bucket-logging",
        "ebs-encryption",
        "access-logs-encryption",
        "access-logs-policy",
    ];
    for (name, op) in &ops {
        if untagged.iter().any(|u| name.ends_with(u)) || name == "account-password-policy" {
            assert_eq!(*op, Op::Same, "{name}");
        } else {
            assert_eq!(*op, Op::Update, "{name}");
        }
    }
    let retention = crate::harness::aws("us-west-2")
        .await
        .logs
        .describe_log_groups()
        .log_group_name_prefix(format!("/aws/apigateway/{base}-west"))
        .send()
        .await
        .expect("groups");
    assert_eq!(retention.log_groups()[0].retention_in_days(), Some(180));
    assert!(
        rig.proxy.mutating().iter().all(|c| !c.operation.starts_with("Create") || c.operation == "CreateTags"),
        "{:?}",
        rig.proxy.mutating()
    );

    // 5. A new cidrBlock in us-west-2 replaces that region's network; its gateway is re-attached,
    // its REST API updated in place and deployed again; nothing else changes.
    let program = three_regions(&base, 180.0, true, "10.5.0.0/16");
    let (states, steps, deleted) = run(&rig, false, &program).await;
    let ops = ops_by_child(&steps);
    let west = format!("{base}-west-");
    for (name, op) in &ops {
        let expected = match name.strip_prefix(&west) {
            Some(
                "vpc" | "private-subnet-a" | "private-subnet-b" | "rt" | "rta-0" | "rta-1" | "sg" | "apigw-vpce"
                | "s3-vpce" | "default-sg" | "default-nacl" | "flow-log" | "api-deployment",
            ) => Op::Replace,
            // The new endpoint is in the API's policy, which takes effect once deployed again.
            Some("igw" | "private-api" | "api-stage") => Op::Update,
            _ => Op::Same,
        };
        assert_eq!(*op, expected, "{name}");
    }
    assert_eq!(deleted.len(), 13, "{deleted:?}");
    let west_state = &states[1];
    let west_aws = crate::harness::aws("us-west-2").await;
    let vpc = west_aws.ec2.describe_vpcs().vpc_ids(out_str(west_state, "vpcId")).send().await.expect("vpc");
    assert_eq!(vpc.vpcs()[0].cidr_block(), Some("10.5.0.0/16"));
    let igw = west_aws
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(out_str(west_state, "internetGatewayId"))
        .send()
        .await
        .expect("igw");
    assert_eq!(igw.internet_gateways()[0].attachments()[0].vpc_id(), Some(out_str(west_state, "vpcId").as_str()));
    let api =
        west_aws.apigateway.get_rest_api().rest_api_id(out_str(west_state, "restApiId")).send().await.expect("api");
    assert!(
        api.policy().is_some_and(|p| p.contains(&out_str(west_state, "vpcEndpointId"))),
        "the API's policy names the new endpoint"
    );

    // 6. Out-of-band changes show as drift on refresh; the next up repairs them.
    let east = crate::harness::aws("us-east-1").await;
    east.ec2
        .authorize_security_group_ingress()
        .group_id(out_str(&states[0], "securityGroupId"))
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8080)
                .to_port(8080)
                .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .expect("rule by hand");
    west_aws.kms.disable_key_rotation().key_id(out_str(west_state, "kmsKeyId")).send().await.expect("rotation by hand");
    let central = crate::harness::aws("eu-central-1").await;
    central
        .s3
        .delete_public_access_block()
        .bucket(out_str(&states[2], "bucketName"))
        .send()
        .await
        .expect("pab by hand");
    rig.engine.refresh().await.expect("refresh");
    let state = rig.engine.state().await;
    let find = |suffix: &str| state.iter().find(|r| r.urn.ends_with(suffix)).cloned();
    let Value::Array(rules) = find(&format!("{base}-east-sg")).expect("sg").outputs["ingress"].unwrap_plain() else {
        panic!()
    };
    assert_eq!(rules.len(), 3, "the hand-made rule shows");
    assert_eq!(find(&format!("{base}-west-kms")).expect("key").outputs["enableKeyRotation"], Value::Bool(false));
    assert!(
        find(&format!("{base}-central-secure-bucket-public-access-block")).is_none(),
        "the removed block is gone from the state"
    );
    let (_, steps, _) = run(&rig, false, &program).await;
    let ops = ops_by_child(&steps);
    assert_eq!(ops[&format!("{base}-east-sg")], Op::Update);
    assert_eq!(ops[&format!("{base}-west-kms")], Op::Update);
    assert_eq!(ops[&format!("{base}-central-secure-bucket-public-access-block")], Op::Create);
    assert!(east
        .ec2
        .describe_security_groups()
        .group_ids(out_str(&states[0], "securityGroupId"))
        .send()
        .await
        .expect("sg")
        .security_groups()[0]
        .ip_permissions()
        .iter()
        .all(|p| p.from_port() != Some(8080)));
    assert!(west_aws
        .kms
        .get_key_rotation_status()
        .key_id(out_str(west_state, "kmsKeyId"))
        .send()
        .await
        .expect("rotation")
        .key_rotation_enabled());
    assert!(central.s3.get_public_access_block().bucket(out_str(&states[2], "bucketName")).send().await.is_ok());

    // 7. Destroy: nothing left in any region but keys pending deletion.
    rig.engine.destroy_concurrently().await.expect("destroy");
    for (instance, state) in program.iter().zip(&states) {
        let aws = crate::harness::aws(instance.region).await;
        let prefix = format!("{}-{}", instance.name, instance.region);
        let named =
            |n: &str| aws_sdk_ec2::types::Filter::builder().name("tag:Name").values(format!("{prefix}-{n}")).build();
        assert!(
            aws.ec2.describe_vpcs().filters(named("vpc")).send().await.expect("vpcs").vpcs().is_empty(),
            "{prefix} vpc"
        );
        assert!(aws
            .ec2
            .describe_subnets()
            .filters(named("private-subnet-a"))
            .send()
            .await
            .expect("subnets")
            .subnets()
            .is_empty());
        assert!(aws
            .ec2
            .describe_internet_gateways()
            .filters(named("igw"))
            .send()
            .await
            .expect("igws")
            .internet_gateways()
            .is_empty());
        assert!(aws
            .ec2
            .describe_route_tables()
            .filters(named("rt"))
            .send()
            .await
            .expect("rts")
            .route_tables()
            .is_empty());
        assert!(aws
            .ec2
            .describe_security_groups()
            .filters(named("sg"))
            .send()
            .await
            .expect("sgs")
            .security_groups()
            .is_empty());
        let endpoints = aws.ec2.describe_vpc_endpoints().filters(named("apigw-vpce")).send().await.expect("vpces");
        assert!(endpoints
            .vpc_endpoints()
            .iter()
            .all(|e| e.state().is_some_and(|s| s.as_str().eq_ignore_ascii_case("deleted"))));
        let key = aws.kms.describe_key().key_id(out_str(state, "kmsKeyId")).send().await.expect("key");
        assert_eq!(
            key.key_metadata().and_then(|m| m.key_state()),
            Some(&aws_sdk_kms::types::KeyState::PendingDeletion)
        );
        assert!(aws
            .kms
            .list_aliases()
            .key_id(out_str(state, "kmsKeyId"))
            .send()
            .await
            .expect("aliases")
            .aliases()
            .is_empty());
        assert!(aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(format!("/aws/apigateway/{prefix}"))
            .send()
            .await
            .expect("groups")
            .log_groups()
            .is_empty());
        assert!(aws.apigateway.get_rest_api().rest_api_id(out_str(state, "restApiId")).send().await.is_err());
        assert!(aws.s3.head_bucket().bucket(out_str(state, "bucketName")).send().await.is_err());
        let role = out_str(state, "apiGatewayRoleArn");
        assert!(aws.iam.get_role().role_name(role.rsplit('/').next().unwrap_or_default()).send().await.is_err());
    }
    assert!(east.iam.get_account_password_policy().send().await.is_err());
    assert!(rig.engine.state().await.iter().all(|r| !r.custom));
}

#[tokio::test]
async fn secure_region_bad_inputs_fail_naming_the_input_before_any_mutating_call() {
    let rig = Rig::new("us-east-1").await;
    let cases: Vec<(PropertyMap, &str)> = vec![
        (props([("region", s("us-middle-9"))]), "region"),
        (props([("region", s("us-east-1")), ("cidrBlock", s("not-a-cidr"))]), "cidrBlock"),
        (props([("region", s("us-east-1")), ("cidrBlock", s("10.0.0.0/23"))]), "cidrBlock"),
        (
            props([
                ("region", s("us-east-1")),
                ("cidrBlock", s("10.0.0.0/22")),
                ("availabilityZoneCount", Value::Number(4.0)),
            ]),
            "cidrBlock",
        ),
        (props([("region", s("us-east-1")), ("adminCidrBlock", s("172.16.0.0/24"))]), "adminCidrBlock"),
        (props([("region", s("us-east-1")), ("availabilityZoneCount", Value::Number(0.0))]), "availabilityZoneCount"),
        (props([("region", s("us-east-1")), ("availabilityZoneCount", Value::Number(7.0))]), "availabilityZoneCount"),
        (props([("region", s("us-east-1")), ("logRetentionInDays", Value::Number(91.0))]), "logRetentionInDays"),
        (
            props([("region", s("us-east-1")), ("kmsDeletionWindowInDays", Value::Number(31.0))]),
            "kmsDeletionWindowInDays",
        ),
    ];
    for (inputs, property) in cases {
        let d = rig.engine.run(false).await;
        let err = rig.engine.construct(&d, COMPONENT, &unique("bad"), inputs.clone()).await.expect_err(property);
        let EngineError::Rpc(status) = &err else { panic!("{err}") };
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{inputs:?}");
        assert!(status.message().starts_with(&format!("{property}:")), "{inputs:?}: {}", status.message());
        let details = crate::harness::engine::input_errors(status);
        assert!(details.iter().any(|(p, _)| p == property), "{details:?}");
        d.finish().await.expect("finish");
    }
    assert!(rig.proxy.mutating().is_empty(), "{:?}", rig.proxy.mutating());
    assert!(rig.engine.registrations().is_empty(), "nothing was registered");
}

#[tokio::test]
async fn secure_region_more_zones_than_the_region_has_names_availability_zone_count() {
    let rig = Rig::new("us-east-1").await;
    let zones =
        crate::harness::aws("eu-central-1").await.ec2.describe_availability_zones().send().await.expect("zones");
    let count = zones.availability_zones().len();
    assert!(count < 6, "moto's eu-central-1 is expected to have fewer than six zones, has {count}");
    let d = rig.engine.run(false).await;
    let err = rig
        .engine
        .construct(
            &d,
            COMPONENT,
            &unique("zones"),
            props([
                ("region", s("eu-central-1")),
                ("cidrBlock", s("10.0.0.0/16")),
                ("availabilityZoneCount", Value::Number((count + 1) as f64)),
            ]),
        )
        .await
        .expect_err("too many zones");
    assert!(err.to_string().contains("availabilityZoneCount") && err.to_string().contains("available zones"), "{err}");
    assert!(rig.proxy.mutating().is_empty());
}

#[tokio::test]
async fn secure_region_preview_with_unknown_and_secret_inputs() {
    let rig = Rig::new("us-east-1").await;
    let d = rig.engine.run(true).await;
    let unknown = Value::Output(tap::value::OutputValue {
        value: None,
        secret: false,
        dependencies: vec!["urn:pulumi:test::tap-tests::x:y:Z::source".into()],
    });
    let secret_tags = Value::Output(tap::value::OutputValue {
        value: Some(Box::new(tags(&[("Owner", "secret-team")]))),
        secret: true,
        dependencies: vec!["urn:pulumi:test::tap-tests::x:y:Z::tagger".into()],
    });
    let name = unique("pv");
    let response = rig
        .engine
        .construct(
            &d,
            COMPONENT,
            &name,
            props([("region", s("us-west-2")), ("cidrBlock", unknown), ("tags", secret_tags)]),
        )
        .await
        .expect("preview");
    let state = decode_struct(response.state.as_ref()).expect("state");
    assert!(state["vpcId"].contains_unknowns());
    let children: Vec<_> = rig.engine.registrations().into_iter().filter(|r| r.custom).collect();
    assert_eq!(children.len(), PER_REGION_CHILDREN);
    for c in &children {
        let object = decode_struct(c.object.as_ref()).expect("object");
        if let Some(t) = object.get("tags") {
            assert!(matches!(t, Value::Secret(_)), "{} tags must stay secret: {t:?}", c.name);
            assert!(c.property_dependencies["tags"].urns.iter().any(|u| u.ends_with("tagger")), "{}", c.name);
        }
    }
    let vpc = children.iter().find(|c| c.r#type == "tap:ec2:Vpc").expect("vpc");
    assert_eq!(decode_struct(vpc.object.as_ref()).expect("o")["cidrBlock"], Value::Unknown(Unknown::Any));
    assert!(vpc.property_dependencies["cidrBlock"].urns.iter().any(|u| u.ends_with("source")));
    d.finish().await.expect("finish");
    assert!(rig.proxy.mutating().is_empty(), "{:?}", rig.proxy.mutating());
}

#[tokio::test]
async fn secure_region_passes_options_to_the_component_and_timeouts_to_children() {
    let rig = Rig::new("us-east-1").await;
    let d = rig.engine.run(true).await;
    let options = rpc::ConstructRequest {
        protect: Some(true),
        dependencies: vec!["urn:pulumi:test::tap-tests::x:y:Z::before".into()],
        providers: [("tap".to_string(), "urn:pulumi:test::tap-tests::pulumi:providers:tap::p::id-1".to_string())]
            .into_iter()
            .collect(),
        retain_on_delete: Some(true),
        delete_before_replace: Some(true),
        custom_timeouts: Some(rpc::construct_request::CustomTimeouts {
            create: "30m".into(),
            update: "20m".into(),
            delete: "10m".into(),
            read: String::new(),
        }),
        ..Default::default()
    };
    rig.engine
        .construct_with(&d, COMPONENT, &unique("opts"), props([("region", s("us-east-1"))]), options)
        .await
        .expect("preview");
    d.finish().await.expect("finish");
    let registrations = rig.engine.registrations();
    let component = registrations.iter().find(|r| !r.custom).expect("component");
    assert_eq!(component.protect, Some(true));
    assert_eq!(component.retain_on_delete, Some(true));
    assert!(component.delete_before_replace && component.delete_before_replace_defined);
    assert_eq!(component.dependencies, ["urn:pulumi:test::tap-tests::x:y:Z::before"]);
    assert_eq!(
        component.providers.get("tap").map(String::as_str),
        Some("urn:pulumi:test::tap-tests::pulumi:providers:tap::p::id-1")
    );
    for child in registrations.iter().filter(|r| r.custom) {
        assert_eq!(child.custom_timeouts.as_ref().map(|t| t.create.as_str()), Some("30m"), "{}", child.name);
    }
}

#[tokio::test]
async fn two_instances_with_password_policy_collide_on_the_urn() {
    let rig = Rig::new("us-east-1").await;
    let d = rig.engine.run(true).await;
    let policy = |region: &str| props([("region", s(region)), ("passwordPolicy", obj(&[]))]);
    let a = rig.engine.construct(&d, COMPONENT, &unique("pp-a"), policy("us-east-1")).await;
    let b = rig.engine.construct(&d, COMPONENT, &unique("pp-b"), policy("us-west-2")).await;
    let errors: Vec<String> = [a, b].into_iter().filter_map(|r| r.err()).map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("account-password-policy") && errors[0].contains("Duplicate resource URN"),
        "{}",
        errors[0]
    );
    d.finish().await.expect("finish");
}

#[tokio::test]
async fn a_failed_child_fails_construct_naming_the_child_and_the_aws_error() {
    let rig = Rig::new("us-east-1").await;
    rig.proxy.fail_operation("CreateInternetGateway");
    let name = unique("fail");
    let d = rig.engine.run(false).await;
    let err = tokio::time::timeout(
        Duration::from_secs(120),
        rig.engine.construct(&d, COMPONENT, &name, props([("region", s("us-east-1"))])),
    )
    .await
    .expect("construct ends")
    .expect_err("the gateway fails");
    let text = err.to_string();
    assert!(text.contains(&format!("{name}-igw")) && text.contains("InjectedFailure"), "{text}");
    // Everything that was created is in the state, so destroy cleans it up.
    d.finish().await.ok();
    rig.proxy.stop_failing();
    rig.engine.destroy().await.expect("destroy");
}

#[tokio::test]
async fn deployment_after_a_failed_child_is_consistent() {
    // The children that succeeded before a failure are kept (not leaked): a later up completes.
    let rig = Rig::new("eu-central-1").await;
    let name = unique("retry");
    rig.proxy.fail_operation("POST /restapis");
    let d = rig.engine.run(false).await;
    let _ = rig
        .engine
        .construct(&d, COMPONENT, &name, props([("region", s("eu-central-1"))]))
        .await
        .expect_err("the API fails");
    finish_keeping(d).await;
    rig.proxy.stop_failing();
    let d = rig.engine.run(false).await;
    rig.engine.construct(&d, COMPONENT, &name, props([("region", s("eu-central-1"))])).await.expect("second up");
    let steps = d.steps();
    assert!(steps.iter().any(|(u, op)| u.ends_with("-private-api") && *op == Op::Create));
    assert!(steps.iter().filter(|(u, _)| u.ends_with("-vpc")).all(|(_, op)| *op == Op::Same), "{steps:?}");
    d.finish().await.expect("finish");
    rig.engine.destroy().await.expect("destroy");
}

async fn finish_keeping(d: Deployment) {
    d.finish().await.expect("finish");
}
