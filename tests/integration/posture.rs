//! The security baseline, checked as a posture scanner checks it: after the seed's three-region
//! deployment, every control on everything SecureRegion creates or owns is read back through
//! the AWS APIs (moto), and a table of control × region × resource with pass or fail is
//! printed. A control moto cannot show is a named gap in the table, never a silent pass. Its own
//! moto: the account's and regions' settings are global to one.

use std::net::Ipv4Addr;

use serde_json::Value as Json;
use tap::aws::Clients;
use tap::testing::{admits, AclRule};
use tap::value::{PropertyMap, Value};

use crate::harness::engine::Registration;
use crate::harness::moto::Moto;
use crate::harness::program::reg;
use crate::harness::{aws_at, props, unique, url_decode, Rig};
use crate::secure_region::{account_block, out_str, run, three_regions, Instance};

/// One row of the scan.
struct Row {
    control: &'static str,
    region: &'static str,
    resource: String,
    outcome: Result<(), String>,
}

#[derive(Default)]
struct Scan(Vec<Row>);

impl Scan {
    fn check(&mut self, control: &'static str, region: &'static str, resource: &str, outcome: Result<(), String>) {
        self.0.push(Row { control, region, resource: resource.to_string(), outcome });
    }

    fn pass_if(
        &mut self,
        control: &'static str,
        region: &'static str,
        resource: &str,
        ok: bool,
        why: impl Into<String>,
    ) {
        self.check(control, region, resource, if ok { Ok(()) } else { Err(why.into()) });
    }

    fn report(&self) -> String {
        let mut lines = vec![format!("{:<38} {:<13} {:<60} result", "control", "region", "resource")];
        for r in &self.0 {
            let result = match &r.outcome {
                Ok(()) => "PASS".to_string(),
                Err(why) => format!("FAIL: {why}"),
            };
            lines.push(format!("{:<38} {:<13} {:<60} {result}", r.control, r.region, r.resource));
        }
        lines.join("\n")
    }

    fn failures(&self) -> usize {
        self.0.iter().filter(|r| r.outcome.is_err()).count()
    }
}

fn json(text: &str) -> Json {
    serde_json::from_str(&url_decode(text)).unwrap_or(Json::Null)
}

fn statements(doc: &Json) -> Vec<Json> {
    match &doc["Statement"] {
        Json::Array(list) => list.clone(),
        one @ Json::Object(_) => vec![one.clone()],
        _ => vec![],
    }
}

/// A statement that admits anyone (`"*"` or `{"AWS": "*"}`).
fn anyone(statement: &Json) -> bool {
    statement["Principal"] == "*" || statement["Principal"]["AWS"] == "*"
}

/// The keys of a statement's conditions, whatever the operators.
fn condition_keys(statement: &Json) -> Vec<String> {
    let Json::Object(ops) = &statement["Condition"] else { return vec![] };
    ops.values().filter_map(Json::as_object).flat_map(|m| m.keys().cloned()).collect()
}

/// The network controls of one region: EC2.2, EC2.6, EC2.15, EC2.21, private routing, the
/// endpoint trust boundary.
async fn network(scan: &mut Scan, aws: &Clients, i: &Instance, state: &PropertyMap) {
    let (region, ec2) = (i.region, &aws.ec2);
    let vpc = out_str(state, "vpcId");
    let asked_for_internet = i.inputs.get("routeToInternetGateway").map(Value::unwrap_plain) == Some(Value::Bool(true));

    // EC2.2: the VPC's default security group allows nothing.
    let groups = ec2
        .describe_security_groups()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
        .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values("default").build())
        .send()
        .await
        .expect("default group");
    let default = &groups.security_groups()[0];
    let rules = default.ip_permissions().len() + default.ip_permissions_egress().len();
    scan.pass_if(
        "EC2.2 default SG allows nothing",
        region,
        default.group_id().unwrap_or_default(),
        rules == 0,
        format!("{rules} rules"),
    );

    // EC2.6: a flow log of ALL traffic, active, into an existing KMS-encrypted group.
    let logs = ec2
        .describe_flow_logs()
        .filter(aws_sdk_ec2::types::Filter::builder().name("resource-id").values(&vpc).build())
        .send()
        .await
        .expect("flow logs");
    let flow = logs.flow_logs().iter().find(|l| l.traffic_type().map(|t| t.as_str()) == Some("ALL"));
    let outcome = match flow {
        None => Err(format!("no flow log of ALL traffic ({} flow logs)", logs.flow_logs().len())),
        Some(l) => {
            let group = l.log_group_name().map(str::to_string).or_else(|| {
                l.log_destination()
                    .and_then(|d| d.split(":log-group:").nth(1))
                    .map(|g| g.trim_end_matches(":*").to_string())
            });
            let group = group.unwrap_or_default();
            let found = aws.logs.describe_log_groups().log_group_name_prefix(&group).send().await.expect("groups");
            match found.log_groups().iter().find(|g| g.log_group_name() == Some(group.as_str())) {
                None => Err(format!("its log group {group} does not exist")),
                Some(g) if g.kms_key_id().is_none() => Err(format!("its log group {group} is not KMS-encrypted")),
                Some(_) if l.deliver_logs_permission_arn().is_none() => Err("no delivery role".into()),
                Some(_) => Ok(()),
            }
        }
    };
    scan.check("EC2.6 VPC flow logging", region, &vpc, outcome);

    // EC2.15 and private routing, per subnet.
    let subnets = ec2
        .describe_subnets()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .expect("subnets");
    for subnet in subnets.subnets() {
        let id = subnet.subnet_id().unwrap_or_default();
        scan.pass_if(
            "EC2.15 no public IPs on launch",
            region,
            id,
            subnet.map_public_ip_on_launch() == Some(false),
            "MapPublicIpOnLaunch",
        );
        let tables = ec2
            .describe_route_tables()
            .filters(aws_sdk_ec2::types::Filter::builder().name("association.subnet-id").values(id).build())
            .send()
            .await
            .expect("tables");
        let to_internet = tables.route_tables().iter().flat_map(|t| t.routes()).any(|r| {
            r.destination_cidr_block() == Some("0.0.0.0/0") && r.gateway_id().is_some_and(|g| g.starts_with("igw-"))
        });
        scan.pass_if(
            "private subnet: no internet route",
            region,
            id,
            to_internet == asked_for_internet,
            if asked_for_internet {
                "the asked-for route is missing"
            } else {
                "routes 0.0.0.0/0 to an internet gateway"
            },
        );
    }

    let described = ec2.describe_vpcs().vpc_ids(&vpc).send().await.expect("vpc");
    let block = described.vpcs()[0].cidr_block().unwrap_or_default().to_string();
    let vpc_block: Ipv4Addr = block.split('/').next().unwrap_or_default().parse().expect("the VPC's block");

    // EC2.21: every ACL of the VPC keeps the internet from 22 and 3389, and has no allow-all
    // from 0.0.0.0/0 (evaluated as AWS evaluates entries: the lowest match decides).
    let acls = ec2
        .describe_network_acls()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .expect("acls");
    for acl in acls.network_acls() {
        let ingress: Vec<AclRule> = acl
            .entries()
            .iter()
            .filter(|e| e.egress() == Some(false) && e.cidr_block().is_some())
            .map(|e| AclRule {
                rule_no: e.rule_number().map(i64::from).unwrap_or_default(),
                action: e.rule_action().map(|a| a.as_str().to_string()).unwrap_or_default(),
                protocol: match e.protocol().unwrap_or("-1") {
                    "6" => "tcp".to_string(),
                    "17" => "udp".to_string(),
                    "1" => "icmp".to_string(),
                    other => other.to_string(),
                },
                cidr_block: e.cidr_block().unwrap_or_default().to_string(),
                from_port: e.port_range().and_then(|p| p.from()).map(i64::from).unwrap_or(0),
                to_port: e.port_range().and_then(|p| p.to()).map(i64::from).unwrap_or(0),
                icmp_type: 0,
                icmp_code: 0,
            })
            .collect();
        let internet = Ipv4Addr::new(198, 51, 100, 23);
        let open: Vec<String> = [("tcp", 22), ("tcp", 3389), ("udp", 3389), ("tcp", 80), ("tcp", 443)]
            .iter()
            .filter(|(p, port)| admits(&ingress, p, *port, internet))
            .map(|(p, port)| format!("{p}/{port}"))
            .collect();
        let allow_all =
            ingress.iter().any(|r| r.cidr_block == "0.0.0.0/0" && r.protocol == "-1" && r.action == "allow");
        let id = acl.network_acl_id().unwrap_or_default();
        let outcome = match (open.is_empty(), allow_all) {
            (true, false) => Ok(()),
            _ => Err(format!("open from the internet: {open:?}; allow-all entry: {allow_all}")),
        };
        scan.check("EC2.21 NACL: no 22/3389/allow-all", region, id, outcome);
        // The region keeps working: the endpoint from inside, and replies from outside.
        let [a, b, ..] = vpc_block.octets();
        let inside = Ipv4Addr::new(a, b, 1, 20);
        let ok = admits(&ingress, "tcp", 443, inside) && admits(&ingress, "tcp", 40000, internet);
        scan.pass_if("NACL keeps the endpoint working", region, id, ok, "HTTPS from inside or replies are blocked");
    }

    // The endpoints' trust boundary: Principal * only with an account condition.
    for key in ["vpcEndpointId", "s3VpcEndpointId"] {
        let endpoint = out_str(state, key);
        let found = ec2.describe_vpc_endpoints().vpc_endpoint_ids(&endpoint).send().await.expect("endpoint");
        let doc = json(found.vpc_endpoints()[0].policy_document().unwrap_or_default());
        let unbounded: Vec<Json> = statements(&doc)
            .into_iter()
            .filter(|s| anyone(s) && s["Effect"] == "Allow")
            .filter(|s| {
                !condition_keys(s).iter().any(|k| ["aws:ResourceAccount", "aws:PrincipalAccount"].contains(&k.as_str()))
            })
            .collect();
        scan.pass_if(
            "endpoint trust boundary",
            region,
            &endpoint,
            unbounded.is_empty() && !statements(&doc).is_empty(),
            format!("statements for anyone without an account condition: {unbounded:?}"),
        );
    }

    // S3 without the internet: the route table sends S3's prefix list to the gateway endpoint.
    let s3_endpoint = out_str(state, "s3VpcEndpointId");
    let table = out_str(state, "routeTableId");
    let tables = ec2.describe_route_tables().route_table_ids(&table).send().await.expect("route table");
    let routed = tables.route_tables()[0]
        .routes()
        .iter()
        .any(|r| r.gateway_id() == Some(s3_endpoint.as_str()) && r.destination_prefix_list_id().is_some());
    scan.pass_if("S3 reached through a gateway endpoint", region, &s3_endpoint, routed, "no prefix-list route to it");
}

/// Keys, logs and IAM of one region: KMS.4, log groups encrypted, trust policies with
/// confused-deputy conditions.
async fn keys_logs_iam(scan: &mut Scan, aws: &Clients, i: &Instance, state: &PropertyMap) {
    let region = i.region;
    let key = out_str(state, "kmsKeyId");
    let rotation = aws.kms.get_key_rotation_status().key_id(&key).send().await.expect("rotation");
    scan.pass_if("KMS.4 key rotation", region, &key, rotation.key_rotation_enabled(), "rotation off");

    let prefix = format!("{}-{region}", i.name);
    let groups = aws.logs.describe_log_groups().send().await.expect("groups");
    let ours: Vec<_> =
        groups.log_groups().iter().filter(|g| g.log_group_name().is_some_and(|n| n.contains(&prefix))).collect();
    scan.pass_if("CloudWatch log groups: some", region, &prefix, ours.len() >= 2, format!("{} groups", ours.len()));
    for g in ours {
        let name = g.log_group_name().unwrap_or_default();
        scan.pass_if("CloudWatch log group KMS-encrypted", region, name, g.kms_key_id().is_some(), "no kmsKeyId");
    }

    let roles = aws.iam.list_roles().send().await.expect("roles");
    // Role names shorten the prefix to fit IAM's 64 characters.
    let head: String = prefix.chars().take(30).collect();
    let ours: Vec<_> = roles.roles().iter().filter(|r| r.role_name().starts_with(&head)).collect();
    scan.pass_if("IAM roles: some", region, &prefix, ours.len() >= 2, format!("{} roles", ours.len()));
    for role in ours {
        let trust = json(role.assume_role_policy_document().unwrap_or_default());
        let service_statements: Vec<Json> =
            statements(&trust).into_iter().filter(|s| s["Principal"]["Service"].is_string()).collect();
        let deputy = service_statements.iter().all(|s| {
            let keys = condition_keys(s);
            keys.iter().any(|k| k == "aws:SourceAccount" || k == "aws:SourceArn")
        });
        scan.pass_if(
            "IAM trust: confused-deputy condition",
            region,
            role.role_name(),
            deputy && !service_statements.is_empty(),
            format!("{service_statements:?}"),
        );
    }
}

/// The API: APIGateway.1 (execution logging), .3 (X-Ray), .9 (access logging), its execution
/// log group made first and encrypted, and API Gateway's CloudWatch role set for the region.
async fn api(scan: &mut Scan, aws: &Clients, i: &Instance, state: &PropertyMap) {
    let region = i.region;
    let api = out_str(state, "restApiId");
    let stage_name = out_str(state, "apiStageName");
    let stage = aws.apigateway.get_stage().rest_api_id(&api).stage_name(&stage_name).send().await.expect("stage");
    let at = format!("{api}/{stage_name}");
    let level = stage.method_settings().and_then(|m| m.get("*/*")).and_then(|s| s.logging_level()).map(str::to_string);
    scan.pass_if(
        "APIGateway.1 execution logging",
        region,
        &at,
        matches!(level.as_deref(), Some("ERROR" | "INFO")),
        format!("*/* logging level {level:?}"),
    );
    scan.pass_if("APIGateway.3 X-Ray tracing", region, &at, stage.tracing_enabled(), "tracing off");
    let destination = stage.access_log_settings().and_then(|a| a.destination_arn()).unwrap_or_default().to_string();
    let json_format =
        stage.access_log_settings().and_then(|a| a.format()).is_some_and(|f| serde_json::from_str::<Json>(f).is_ok());
    scan.pass_if(
        "APIGateway.9 access logging (JSON)",
        region,
        &at,
        destination == out_str(state, "logGroupArn") && json_format,
        format!("destination {destination:?}, JSON format {json_format}"),
    );
    let exec = format!("API-Gateway-Execution-Logs_{api}/{stage_name}");
    let groups = aws.logs.describe_log_groups().log_group_name_prefix(&exec).send().await.expect("groups");
    let encrypted =
        groups.log_groups().iter().any(|g| g.log_group_name() == Some(exec.as_str()) && g.kms_key_id().is_some());
    scan.pass_if("execution log group KMS-encrypted", region, &exec, encrypted, "missing or unencrypted");
    let ebs = aws.ec2.get_ebs_encryption_by_default().send().await.expect("ebs");
    let on = ebs.ebs_encryption_by_default() == Some(true);
    scan.pass_if("EC2.7 EBS encryption by default", region, "ebs-encryption-by-default", on, "off");
    let account = aws.apigateway.get_account().send().await.expect("account");
    let role = account.cloudwatch_role_arn().unwrap_or_default();
    scan.pass_if(
        "API Gateway CloudWatch role set",
        region,
        "api-gateway-account",
        role == out_str(state, "apiGatewayRoleArn"),
        format!("role {role:?}"),
    );
}

/// The secure bucket: S3.5 (TLS only), S3.8 (public access blocked), S3.17 (SSE-KMS).
async fn storage(scan: &mut Scan, aws: &Clients, i: &Instance, state: &PropertyMap) {
    let (region, s3) = (i.region, &aws.s3);
    let bucket = out_str(state, "bucketName");
    let policy = s3.get_bucket_policy().bucket(&bucket).send().await.expect("policy");
    let doc = json(policy.policy().unwrap_or_default());
    let tls = statements(&doc)
        .iter()
        .any(|s| s["Effect"] == "Deny" && s["Condition"]["Bool"]["aws:SecureTransport"] == "false" && anyone(s));
    scan.pass_if("S3.5 TLS only", region, &bucket, tls, "no deny of aws:SecureTransport false");
    let block = s3.get_public_access_block().bucket(&bucket).send().await.expect("public access block");
    let c = block.public_access_block_configuration().expect("configuration");
    let all = [c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()]
        .iter()
        .all(|f| *f == Some(true));
    scan.pass_if("S3.8 public access blocked", region, &bucket, all, format!("{c:?}"));
    let enc = s3.get_bucket_encryption().bucket(&bucket).send().await.expect("encryption");
    let kms = enc.server_side_encryption_configuration().is_some_and(|c| {
        c.rules().iter().any(|r| {
            r.apply_server_side_encryption_by_default().is_some_and(|d| d.sse_algorithm().as_str() == "aws:kms")
        })
    });
    scan.pass_if("S3.17 SSE-KMS by default", region, &bucket, kms, "not aws:kms");

    // S3.9: access logging into the region's log bucket (which does not log itself).
    let logs = out_str(state, "accessLogBucketName");
    let logging = s3.get_bucket_logging().bucket(&bucket).send().await.expect("logging");
    let target = logging.logging_enabled().map(|l| l.target_bucket().to_string());
    scan.pass_if(
        "S3.9 access logging",
        region,
        &bucket,
        target.as_deref() == Some(logs.as_str()),
        format!("{target:?}"),
    );
    // The log bucket: TLS only, public access blocked, SSE-S3 (log delivery needs it), and a
    // policy admitting only S3's logging service, for this account and the secure bucket.
    let policy = s3.get_bucket_policy().bucket(&logs).send().await.expect("policy");
    let doc = json(policy.policy().unwrap_or_default());
    let tls = statements(&doc)
        .iter()
        .any(|s| s["Effect"] == "Deny" && s["Condition"]["Bool"]["aws:SecureTransport"] == "false");
    scan.pass_if("S3.5 TLS only", region, &logs, tls, "no deny of aws:SecureTransport false");
    let allows: Vec<Json> = statements(&doc).into_iter().filter(|s| s["Effect"] == "Allow").collect();
    let scoped = !allows.is_empty()
        && allows.iter().all(|s| {
            let keys = condition_keys(s);
            s["Principal"]["Service"] == "logging.s3.amazonaws.com"
                && keys.iter().any(|k| k == "aws:SourceAccount")
                && keys.iter().any(|k| k == "aws:SourceArn")
        });
    scan.pass_if("log bucket admits only S3 logging", region, &logs, scoped, format!("{allows:?}"));
    let block = s3.get_public_access_block().bucket(&logs).send().await.expect("public access block");
    let c = block.public_access_block_configuration().expect("configuration");
    let all = [c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()]
        .iter()
        .all(|f| *f == Some(true));
    scan.pass_if("S3.8 public access blocked", region, &logs, all, format!("{c:?}"));
    let enc = s3.get_bucket_encryption().bucket(&logs).send().await.expect("encryption");
    let sse_s3 = enc.server_side_encryption_configuration().is_some_and(|c| {
        c.rules().iter().any(|r| {
            r.apply_server_side_encryption_by_default().is_some_and(|d| d.sse_algorithm().as_str() == "AES256")
        })
    });
    scan.pass_if("log bucket SSE-S3", region, &logs, sse_s3, "not AES256");
    for b in [&bucket, &logs] {
        // S3.14: versioning (read from the raw answer: moto's does not parse, see BucketVersioning).
        let versioning = s3.get_bucket_versioning().bucket(b.as_str()).send().await;
        let enabled = match versioning {
            Ok(v) => v.status().map(|s| s.as_str() == "Enabled").unwrap_or(false),
            Err(aws_sdk_s3::error::SdkError::ServiceError(e)) => {
                String::from_utf8_lossy(e.raw().body().bytes().unwrap_or_default()).contains("<Status>Enabled</Status>")
            }
            Err(_) => false,
        };
        scan.pass_if("S3.14 versioning", region, b, enabled, "not Enabled");
        let ownership = s3.get_bucket_ownership_controls().bucket(b.as_str()).send().await.expect("ownership");
        let enforced = ownership
            .ownership_controls()
            .is_some_and(|c| c.rules().iter().any(|r| r.object_ownership().as_str() == "BucketOwnerEnforced"));
        scan.pass_if("ownership BucketOwnerEnforced", region, b, enforced, "ACLs still count");
        let lifecycle = s3.get_bucket_lifecycle_configuration().bucket(b.as_str()).send().await.expect("lifecycle");
        let noncurrent = lifecycle.rules().iter().any(|r| r.noncurrent_version_expiration().is_some());
        scan.pass_if("lifecycle: noncurrent versions expire", region, b, noncurrent, "no noncurrent rule");
    }
}

#[tokio::test]
async fn posture_every_control_passes_on_what_secure_region_creates() {
    let moto = Moto::start();
    let rig = Rig::on(moto.url(), "us-east-1").await;
    let mut program = three_regions(&unique("scan"), 90.0, false, "10.1.0.0/16");
    // The seed's layout: us-east-1's instance owns the account's settings.
    program[0].inputs.insert("manageAccountSettings".into(), Value::Bool(true));
    let (states, _, _) = run(&rig, false, &program).await;

    let mut scan = Scan::default();
    for (instance, state) in program.iter().zip(&states) {
        let aws = aws_at(&moto.url(), instance.region).await;
        network(&mut scan, &aws, instance, state).await;
        keys_logs_iam(&mut scan, &aws, instance, state).await;
        api(&mut scan, &aws, instance, state).await;
        storage(&mut scan, &aws, instance, state).await;
    }
    account(&mut scan, &*aws_at(&moto.url(), "us-east-1").await).await;
    let report = scan.report();
    println!("{report}");
    assert_eq!(scan.failures(), 0, "controls failed:\n{report}");

    rig.engine.destroy_concurrently().await.expect("destroy");
    // API Gateway's role is set back to what it was before (none).
    for instance in &program {
        let aws = aws_at(&moto.url(), instance.region).await;
        let account = aws.apigateway.get_account().send().await.expect("account");
        let role = account.cloudwatch_role_arn().unwrap_or_default().to_string();
        assert!(role.is_empty(), "{}: API Gateway's role after destroy: {role}", instance.region);
        let ebs = aws.ec2.get_ebs_encryption_by_default().send().await.expect("ebs");
        assert_eq!(
            ebs.ebs_encryption_by_default(),
            Some(false),
            "{}: EBS default encryption is back off",
            instance.region
        );
    }
    let east = aws_at(&moto.url(), "us-east-1").await;
    assert_eq!(account_block(&east).await, None, "the account's public access block is gone again (none before)");
}

/// S3.1: the account blocks public access, all four ways (one row for the account).
async fn account(scan: &mut Scan, aws: &Clients) {
    let block = account_block(aws).await;
    let all = block.is_some_and(|b| b.iter().all(|f| *f == Some(true)));
    scan.pass_if(
        "S3.1 account public access blocked",
        "account",
        "account-public-access-block",
        all,
        format!("{block:?}"),
    );
}

/// The account's settings have one owner (two in one stack is tap's error naming the input), are
/// set for the caller's account only, and return to what they were on destroy.
#[tokio::test]
async fn posture_account_settings_have_one_owner_and_are_restored() {
    let moto = Moto::start();
    let rig = Rig::on(moto.url(), "us-east-1").await;
    let base = unique("acct");
    let d = rig.engine.run(true).await;
    let mut failures = Vec::new();
    for (name, region) in [(format!("{base}-a"), "us-east-1"), (format!("{base}-b"), "us-west-2")] {
        let mut i = instance(&name, region, false);
        i.inputs.insert("manageAccountSettings".into(), Value::Bool(true));
        if let Err(e) = rig.engine.construct(&d, crate::secure_region::COMPONENT, &i.name, i.inputs).await {
            failures.push(e.to_string());
        }
    }
    d.finish().await.expect("finish");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("manageAccountSettings") && failures[0].contains("already manages the account's settings"),
        "{failures:?}"
    );

    // What the account had before tap comes back on destroy.
    let aws = aws_at(&moto.url(), "us-east-1").await;
    let before = aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder().block_public_acls(true).build();
    let account = aws.account_id().await.expect("account");
    let put = aws.s3control.put_public_access_block().account_id(&account);
    put.public_access_block_configuration(before).send().await.expect("the account's own setting");
    let all = props([
        ("blockPublicAcls", Value::Bool(true)),
        ("blockPublicPolicy", Value::Bool(true)),
        ("ignorePublicAcls", Value::Bool(true)),
        ("restrictPublicBuckets", Value::Bool(true)),
    ]);
    let d = rig.engine.run(false).await;
    let mut other = all.clone();
    other.insert("accountId".into(), Value::str("999999999999"));
    let refused = d.register(Registration::new(TOKEN, "elsewhere", other)).await.expect_err("another account");
    assert!(refused.to_string().contains("accountId") && refused.to_string().contains(&account), "{refused}");
    let block = reg(&d, TOKEN, "account", all).await;
    assert_eq!(block.id, account);
    let _ = d.finish().await;
    assert_eq!(account_block(&aws).await, Some([Some(true); 4]));
    rig.engine.destroy().await.expect("destroy");
    assert_eq!(
        account_block(&aws).await,
        Some([Some(true), Some(false), Some(false), Some(false)]),
        "destroy sets back what the account had"
    );
}

const TOKEN: &str = "tap:s3:AccountPublicAccessBlock";

fn instance(name: &str, region: &'static str, manage: bool) -> Instance {
    let inputs = [("region", Value::str(region)), ("manageRegionSettings", Value::Bool(manage))];
    Instance { name: name.to_string(), region, inputs: inputs.into_iter().map(|(k, v)| (k.to_string(), v)).collect() }
}

/// The region's settings have one owner: two in one stack is tap's error naming the input; an
/// instance that does not own them fails clearly when no role is set.
#[tokio::test]
async fn posture_region_settings_have_one_owner() {
    let moto = Moto::start();
    let rig = Rig::on(moto.url(), "us-west-2").await;
    let base = unique("own");
    let d = rig.engine.run(true).await;
    let two = [instance(&format!("{base}-a"), "us-west-2", true), instance(&format!("{base}-b"), "us-west-2", true)];
    let mut failures = Vec::new();
    for i in &two {
        if let Err(e) = rig.engine.construct(&d, crate::secure_region::COMPONENT, &i.name, i.inputs.clone()).await {
            failures.push(e.to_string());
        }
    }
    d.finish().await.expect("finish");
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("manageRegionSettings")
            && failures[0].contains("already manages the settings of us-west-2"),
        "{failures:?}"
    );

    // Alone, not managing, with no role set in the region: a clear failure before the stage.
    let d = rig.engine.run(false).await;
    let lone = instance(&format!("{base}-c"), "us-west-2", false);
    let outcome = rig.engine.construct(&d, crate::secure_region::COMPONENT, &lone.name, lone.inputs.clone()).await;
    let _ = d.finish().await;
    let message = outcome.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("manageRegionSettings") && message.contains("has no CloudWatch role"),
        "a non-managing instance without a role: {message}"
    );
    rig.engine.destroy_concurrently().await.expect("destroy");
}
