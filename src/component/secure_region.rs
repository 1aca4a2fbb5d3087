//! `tap:index:SecureRegion`: Construct builds one locked-down region (SEED.md §1 with the
//! differences of §2) from tap's own resources, registered through the engine's monitor.
//!
//! Independent branches are registered concurrently; each child waits only for the outputs it
//! needs (shared futures): network (VPC → gateway, subnets, security group → route table,
//! associations, endpoint), KMS (key → alias, log group), IAM (role → attachment), S3 (bucket →
//! policy, encryption, public access block), the REST API (after the endpoint) and the password
//! policy. Inputs are validated before anything is registered; the only AWS calls Construct makes
//! itself are read-only (DescribeAvailabilityZones, GetCallerIdentity).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::{BoxFuture, FutureExt, Shared};
use serde_json::json;

use super::{Args, Child, Monitor, Val};
use crate::aws::Clients;
use crate::error::{aws, Error, Result};
use crate::proto::pulumirpc as rpc;
use crate::resources::cloudwatch::log_group::retention_error;
use crate::validate::{self, Cidr};
use crate::value::{self, PropertyMap, Value};

pub const TOKEN: &str = "tap:index:SecureRegion";
/// The password policy's child name: fixed, so two instances given `passwordPolicy` collide.
pub const PASSWORD_POLICY_NAME: &str = "account-password-policy";
pub const LOGS_POLICY_ARN: &str = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

/// The component's inputs after validation, with defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub region: String,
    pub cidr: Val,
    pub zone_count: usize,
    pub admin_cidr: Val,
    pub route_to_igw: Val,
    pub environment: Val,
    pub tags: Val,
    pub log_retention: Val,
    pub kms_window: Val,
    pub force_destroy: Val,
    /// The password policy's fields, when this instance manages it.
    pub password_policy: Option<Val>,
}

/// The seed's password policy (SEED.md §1), the default of each field.
const PASSWORD_DEFAULTS: [(&str, PasswordDefault); 9] = [
    ("minimumPasswordLength", PasswordDefault::Number(14)),
    ("requireSymbols", PasswordDefault::Flag(true)),
    ("requireNumbers", PasswordDefault::Flag(true)),
    ("requireUppercaseCharacters", PasswordDefault::Flag(true)),
    ("requireLowercaseCharacters", PasswordDefault::Flag(true)),
    ("allowUsersToChangePassword", PasswordDefault::Flag(true)),
    ("hardExpiry", PasswordDefault::Flag(true)),
    ("passwordReusePrevention", PasswordDefault::Number(5)),
    ("maxPasswordAge", PasswordDefault::Number(90)),
];

#[derive(Clone, Copy)]
enum PasswordDefault {
    Number(i64),
    Flag(bool),
}

/// Validates the inputs (known parts only, in preview), naming the input on each failure.
pub fn validate(
    inputs: &PropertyMap,
    deps: &BTreeMap<String, Vec<String>>,
) -> std::result::Result<Settings, Vec<(String, String)>> {
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut fail = |p: &str, r: String| failures.push((p.to_string(), r));
    let get = |key: &str| Val::input(inputs.get(key), deps.get(key).map(Vec::as_slice).unwrap_or_default());
    let with_default = |key: &str, d: Value| {
        let v = get(key);
        if v.is_null() {
            Val { value: d, ..v }
        } else {
            v
        }
    };
    let known = [
        "region",
        "cidrBlock",
        "availabilityZoneCount",
        "adminCidrBlock",
        "routeToInternetGateway",
        "environment",
        "tags",
        "logRetentionInDays",
        "kmsDeletionWindowInDays",
        "bucketForceDestroy",
        "passwordPolicy",
    ];
    for key in inputs.keys().filter(|k| !known.contains(&k.as_str())) {
        fail(key, format!("is not an input of SecureRegion; the inputs are {}", known.join(", ")));
    }

    let region = get("region");
    let region = match &region.value {
        Value::String(r) => {
            if let Err(reason) = validate::region(r) {
                fail("region", reason);
            }
            r.clone()
        }
        Value::Null => {
            fail("region", "is required: give an AWS region such as us-east-1".into());
            String::new()
        }
        v if v.contains_unknowns() => {
            fail(
                "region",
                "must be known when the program runs (it picks the region to build); pass a plain string".into(),
            );
            String::new()
        }
        other => {
            fail("region", format!("must be a string such as us-east-1, not {other:?}"));
            String::new()
        }
    };

    let zone_count = match get("availabilityZoneCount").value {
        Value::Null => 2,
        Value::Number(n) if n.fract() == 0.0 && (1.0..=6.0).contains(&n) => n as usize,
        Value::Number(n) => {
            fail("availabilityZoneCount", format!("must be a whole number from 1 to 6, not {n}"));
            2
        }
        v if v.contains_unknowns() => {
            fail("availabilityZoneCount", "must be known when the program runs (it is a plain input)".into());
            2
        }
        other => {
            fail("availabilityZoneCount", format!("must be a whole number from 1 to 6, not {other:?}"));
            2
        }
    };

    let cidr = with_default("cidrBlock", Value::str("10.0.0.0/16"));
    let mut vpc_block: Option<Cidr> = None;
    match &cidr.value {
        Value::String(s) => match validate::cidr(s, 16, 22) {
            Ok(block) => {
                let room = block.size() / 256;
                if room < 1 + zone_count as u64 {
                    fail(
                        "cidrBlock",
                        format!("{s} holds {room} /24 blocks; {zone_count} zones need {} (the admin block and one per zone): use a larger block such as /{}", 1 + zone_count, if zone_count < 4 { 22 } else { 21 }),
                    );
                } else {
                    vpc_block = Some(block);
                }
            }
            Err(reason) => fail("cidrBlock", reason),
        },
        v if v.contains_unknowns() => {}
        other => fail("cidrBlock", format!("must be an IPv4 block such as 10.0.0.0/16, not {other:?}")),
    }

    let admin_cidr = get("adminCidrBlock");
    let admin_cidr = if admin_cidr.is_null() {
        cidr.map(|v| first_24(v).map(Value::String).unwrap_or(Value::Null))
    } else {
        admin_cidr
    };
    if let (Value::String(a), true) = (&admin_cidr.value, !get("adminCidrBlock").is_null()) {
        match validate::cidr(a, 0, 32) {
            Ok(admin) => {
                if let Some(block) = vpc_block {
                    if !block.contains(admin) {
                        fail(
                            "adminCidrBlock",
                            format!(
                                "{a} is not inside cidrBlock {block}: give a block within the VPC, such as {}",
                                block.subnet(24, 0).map(|c| c.to_string()).unwrap_or_default()
                            ),
                        );
                    }
                }
            }
            Err(reason) => fail("adminCidrBlock", reason),
        }
    }

    let route_to_igw = with_default("routeToInternetGateway", Value::Bool(true));
    if !matches!(route_to_igw.value, Value::Bool(_)) && !route_to_igw.is_unknown() {
        fail("routeToInternetGateway", "must be true or false".into());
    }
    let environment = with_default("environment", Value::str("Production"));
    if !matches!(environment.value, Value::String(_)) && !environment.is_unknown() {
        fail("environment", "must be a string (the Environment tag's value)".into());
    }
    let tags = with_default("tags", Value::Object(PropertyMap::new()));
    match &tags.value {
        Value::Object(map) => {
            for (k, v) in map {
                if !matches!(v, Value::String(_)) && !v.contains_unknowns() {
                    fail("tags", format!("the value of tag {k:?} must be a string"));
                }
                if k.to_ascii_lowercase().starts_with("aws:") {
                    fail("tags", format!("tag key {k:?} starts with `aws:`, which AWS reserves"));
                }
            }
        }
        v if v.contains_unknowns() => {}
        _ => fail("tags", "must be a map of strings".into()),
    }
    let log_retention = with_default("logRetentionInDays", Value::Number(90.0));
    match &log_retention.value {
        Value::Number(n) if n.fract() == 0.0 => {
            if let Some(reason) = retention_error(*n as i64) {
                fail("logRetentionInDays", reason);
            }
        }
        v if v.contains_unknowns() => {}
        other => fail("logRetentionInDays", format!("must be a whole number of days, not {other:?}")),
    }
    let kms_window = with_default("kmsDeletionWindowInDays", Value::Number(30.0));
    match &kms_window.value {
        Value::Number(n) if n.fract() == 0.0 && (7.0..=30.0).contains(n) => {}
        v if v.contains_unknowns() => {}
        other => fail("kmsDeletionWindowInDays", format!("must be a whole number from 7 to 30, not {other:?}")),
    }
    let force_destroy = with_default("bucketForceDestroy", Value::Bool(true));
    if !matches!(force_destroy.value, Value::Bool(_)) && !force_destroy.is_unknown() {
        fail("bucketForceDestroy", "must be true or false".into());
    }

    let password_policy = {
        let raw = get("passwordPolicy");
        match &raw.value {
            Value::Null => None,
            Value::Object(given) => {
                let mut fields = PropertyMap::new();
                for key in given.keys().filter(|k| !PASSWORD_DEFAULTS.iter().any(|(f, _)| f == k)) {
                    fail(
                        "passwordPolicy",
                        format!("has {key:?}; its fields are {}", PASSWORD_DEFAULTS.map(|(f, _)| f).join(", ")),
                    );
                }
                for (field, default) in PASSWORD_DEFAULTS {
                    let v = given.get(field).cloned().unwrap_or(match default {
                        PasswordDefault::Number(n) => Value::Number(n as f64),
                        PasswordDefault::Flag(b) => Value::Bool(b),
                    });
                    let range = match field {
                        "minimumPasswordLength" => Some((6.0, 128.0)),
                        "passwordReusePrevention" => Some((1.0, 24.0)),
                        "maxPasswordAge" => Some((1.0, 1095.0)),
                        _ => None,
                    };
                    match (&v, range) {
                        (Value::Number(n), Some((lo, hi))) if n.fract() != 0.0 || *n < lo || *n > hi => {
                            fail("passwordPolicy", format!("{field} must be a whole number from {lo} to {hi}, not {n}"))
                        }
                        (Value::Number(_), Some(_)) | (Value::Bool(_), None) => {}
                        (v, _) if v.contains_unknowns() => {}
                        (other, _) => fail("passwordPolicy", format!("{field} has the wrong type: {other:?}")),
                    }
                    fields.insert(field.to_string(), v);
                }
                Some(Val { value: Value::Object(fields), ..raw })
            }
            v if v.contains_unknowns() => Some(raw.clone()),
            _ => {
                fail("passwordPolicy", "must be an object with the password policy's fields".into());
                None
            }
        }
    };

    if failures.is_empty() {
        Ok(Settings {
            region,
            cidr,
            zone_count,
            admin_cidr,
            route_to_igw,
            environment,
            tags,
            log_retention,
            kms_window,
            force_destroy,
            password_policy,
        })
    } else {
        Err(failures)
    }
}

fn first_24(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => validate::cidr(s, 0, 32).ok().and_then(|c| c.subnet(24, 0)).map(|c| c.to_string()),
        _ => None,
    }
}

/// The `index`-th /24 of the VPC block (subnet i gets the (i+1)-th).
fn nth_24(cidr: &Val, index: u32) -> Val {
    cidr.map(|v| match v {
        Value::String(s) => validate::cidr(s, 0, 32)
            .ok()
            .and_then(|c| c.subnet(24, index))
            .map(|c| Value::String(c.to_string()))
            .unwrap_or(Value::Null),
        _ => Value::Null,
    })
}

/// The first `count` available zones of the region, in DescribeAvailabilityZones order.
pub async fn zones(clients: &Clients, count: usize) -> Result<Vec<String>> {
    let out = clients
        .ec2
        .describe_availability_zones()
        .filters(crate::resources::ec2::filter("state", "available"))
        .send()
        .await
        .map_err(aws("DescribeAvailabilityZones"))?;
    let zones: Vec<String> =
        out.availability_zones().iter().filter_map(|z| z.zone_name().map(str::to_string)).collect();
    if zones.len() < count {
        return Err(Error::InvalidInputs(vec![(
            "availabilityZoneCount".into(),
            format!(
                "{} has {} available zones ({}); ask for at most {}",
                clients.region,
                zones.len(),
                zones.join(", "),
                zones.len()
            ),
        )]));
    }
    Ok(zones.into_iter().take(count).collect())
}

/// Per-child tags: the user's, then Environment and Name, then the child's own.
fn child_tags(s: &Settings, prefix: &str, suffix: &str, extra: &[(&str, Val)]) -> Val {
    let mut parts: Vec<&Val> = vec![&s.tags, &s.environment];
    parts.extend(extra.iter().map(|(_, v)| v));
    let name = format!("{prefix}-{suffix}");
    let keys: Vec<&str> = extra.iter().map(|(k, _)| *k).collect();
    let mut v = Val::combine(&parts, |values| {
        let mut map = match values[0] {
            Value::Object(m) => m.clone(),
            _ => PropertyMap::new(),
        };
        map.insert("Environment".into(), values[1].clone());
        map.insert("Name".into(), Value::String(name));
        for (k, v) in keys.iter().zip(&values[2..]) {
            map.insert(k.to_string(), (*v).clone());
        }
        Value::Object(map)
    });
    // Tags stay known in preview when only the user's tags are: the SDK can show them.
    if v.is_unknown() && !s.tags.is_unknown() {
        v.value = Value::Unknown(crate::value::Unknown::Object);
    }
    v
}

fn text(v: &str) -> Val {
    Val::str(v)
}

/// A name part from the component name that S3 accepts (lowercase letters, digits, hyphens).
fn s3_safe(prefix: &str) -> String {
    let lowered: String = prefix
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' })
        .collect();
    lowered.trim_matches('-').to_string()
}

type Pending = Shared<BoxFuture<'static, std::result::Result<Child, Arc<Error>>>>;

/// Registers a child once the futures it needs are done.
fn child<F>(fut: F) -> Pending
where
    F: Future<Output = Result<Child>> + Send + 'static,
{
    fut.map(|r| r.map_err(Arc::new)).boxed().shared()
}

async fn ready(p: &Pending) -> Result<Child> {
    p.clone().await.map_err(|e| (*e).clone())
}

/// Builds the region: every child registered, the component's outputs returned.
pub async fn build(
    monitor: Monitor,
    s: Settings,
    clients: Arc<Clients>,
) -> Result<(PropertyMap, BTreeMap<String, Vec<String>>)> {
    let region = s.region.clone();
    let prefix = format!("{}-{region}", monitor.name);
    let (zone_names, account) = tokio::try_join!(zones(&clients, s.zone_count), clients.account_id())?;
    let s = Arc::new(s);
    let m = monitor;
    let region_val = text(&region);

    // Network.
    let vpc = {
        let (m, s, prefix, region_val) = (m.clone(), s.clone(), prefix.clone(), region_val.clone());
        child(async move {
            let args = Args::new()
                .set("cidrBlock", s.cidr.clone())
                .known("enableDnsSupport", Value::Bool(true))
                .known("enableDnsHostnames", Value::Bool(true))
                .set("region", region_val)
                .set("tags", child_tags(&s, &prefix, "vpc", &[]));
            m.register("tap:ec2:Vpc", "vpc", args).await
        })
    };
    let igw = {
        let (m, s, prefix, region_val, vpc) = (m.clone(), s.clone(), prefix.clone(), region_val.clone(), vpc.clone());
        child(async move {
            let vpc = ready(&vpc).await?;
            let args = Args::new()
                .set("vpcId", vpc.id())
                .set("region", region_val)
                .set("tags", child_tags(&s, &prefix, "igw", &[]));
            m.register("tap:ec2:InternetGateway", "igw", args).await
        })
    };
    let subnets: Vec<Pending> = zone_names
        .iter()
        .enumerate()
        .map(|(i, zone)| {
            let (m, s, prefix, region_val, vpc, zone) =
                (m.clone(), s.clone(), prefix.clone(), region_val.clone(), vpc.clone(), zone.clone());
            child(async move {
                let vpc = ready(&vpc).await?;
                let suffix = format!("private-subnet-{}", (b'a' + i as u8) as char);
                let args = Args::new()
                    .set("vpcId", vpc.id())
                    .set("cidrBlock", nth_24(&s.cidr, i as u32 + 1))
                    .set("availabilityZone", text(&zone))
                    .known("mapPublicIpOnLaunch", Value::Bool(false))
                    .set("region", region_val)
                    .set("tags", child_tags(&s, &prefix, &suffix, &[("Tier", text("Private"))]));
                m.register("tap:ec2:Subnet", &suffix, args).await
            })
        })
        .collect();
    let route_table = {
        let (m, s, prefix, region_val, vpc, igw) =
            (m.clone(), s.clone(), prefix.clone(), region_val.clone(), vpc.clone(), igw.clone());
        child(async move {
            let vpc = ready(&vpc).await?;
            let routes = match s.route_to_igw.value {
                Value::Bool(false) => Val::known(Value::Array(vec![])),
                _ => {
                    let igw = ready(&igw).await?;
                    let gateway = igw.id();
                    let route = Val::combine(&[&gateway, &s.route_to_igw], |v| {
                        Value::Object(
                            [
                                ("cidrBlock".to_string(), Value::str("0.0.0.0/0")),
                                ("gatewayId".to_string(), v[0].clone()),
                            ]
                            .into_iter()
                            .collect(),
                        )
                    });
                    route.map(|r| Value::Array(vec![r.clone()]))
                }
            };
            let args = Args::new()
                .set("vpcId", vpc.id())
                .set("routes", routes)
                .set("region", region_val)
                .set("tags", child_tags(&s, &prefix, "rt", &[]));
            m.register("tap:ec2:RouteTable", "rt", args).await
        })
    };
    let associations: Vec<Pending> = subnets
        .iter()
        .enumerate()
        .map(|(i, subnet)| {
            let (m, region_val, subnet, route_table) =
                (m.clone(), region_val.clone(), subnet.clone(), route_table.clone());
            child(async move {
                let (subnet, table) = (ready(&subnet).await?, ready(&route_table).await?);
                let args =
                    Args::new().set("subnetId", subnet.id()).set("routeTableId", table.id()).set("region", region_val);
                m.register("tap:ec2:RouteTableAssociation", &format!("rta-{i}"), args).await
            })
        })
        .collect();
    let security_group = {
        let (m, s, prefix, region_val, vpc) = (m.clone(), s.clone(), prefix.clone(), region_val.clone(), vpc.clone());
        child(async move {
            let vpc = ready(&vpc).await?;
            let rule = |protocol: &str, port: i64, cidr: &Value, description: &str| json!({"protocol": protocol, "fromPort": port, "toPort": port, "cidrBlocks": [cidr.to_json()], "description": description});
            let ingress = Val::combine(&[&s.cidr, &s.admin_cidr], |v| {
                Value::from_json(&json!([
                    rule("tcp", 443, v[0], "HTTPS from VPC CIDR for API Gateway access"),
                    rule("tcp", 22, v[1], "SSH from admin subnet only"),
                ]))
            });
            let egress =
                Value::from_json(&json!([rule("-1", 0, &Value::str("0.0.0.0/0"), "All outbound traffic allowed")]));
            let args = Args::new()
                .set("vpcId", vpc.id())
                .known(
                    "description",
                    Value::str("Secure security group with restricted access for API Gateway and admin access"),
                )
                .set("ingress", ingress)
                .known("egress", egress)
                .set("region", region_val)
                .set("tags", child_tags(&s, &prefix, "sg", &[("Purpose", text("API Gateway and Admin Access"))]));
            m.register("tap:ec2:SecurityGroup", "sg", args).await
        })
    };
    let endpoint = {
        let (m, s, prefix, region, region_val, vpc, sg) = (
            m.clone(),
            s.clone(),
            prefix.clone(),
            region.clone(),
            region_val.clone(),
            vpc.clone(),
            security_group.clone(),
        );
        let subnets = subnets.clone();
        child(async move {
            let vpc = ready(&vpc).await?;
            let sg = ready(&sg).await?;
            let mut subnet_ids = Vec::new();
            for subnet in &subnets {
                subnet_ids.push(ready(subnet).await?.id());
            }
            let refs: Vec<&Val> = subnet_ids.iter().collect();
            let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["execute-api:Invoke"], "Resource": "*"}]});
            let args = Args::new()
                .set("vpcId", vpc.id())
                .known("serviceName", Value::str(format!("com.amazonaws.{region}.execute-api")))
                .known("vpcEndpointType", Value::str("Interface"))
                .set("subnetIds", Val::combine(&refs, |v| Value::Array(v.iter().map(|x| (*x).clone()).collect())))
                .set("securityGroupIds", sg.id().map(|id| Value::Array(vec![id.clone()])))
                .known("privateDnsEnabled", Value::Bool(true))
                .known("policy", Value::str(policy.to_string()))
                .set("region", region_val)
                .set("tags", child_tags(&s, &prefix, "apigw-vpce", &[("Purpose", text("Private API Gateway Access"))]));
            m.register("tap:ec2:VpcEndpoint", "apigw-vpce", args).await
        })
    };

    // KMS, logs.
    let log_group_name = format!("/aws/apigateway/{prefix}");
    let key = {
        let (m, s, prefix, region, region_val, account, log_group_name) = (
            m.clone(),
            s.clone(),
            prefix.clone(),
            region.clone(),
            region_val.clone(),
            account.clone(),
            log_group_name.clone(),
        );
        child(async move {
            let policy = json!({
                "Version": "2012-10-17",
                "Id": "key-policy-for-secure-infrastructure",
                "Statement": [
                    {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"},
                    {"Sid": "Allow CloudWatch Logs Service", "Effect": "Allow", "Principal": {"Service": format!("logs.{region}.amazonaws.com")},
                     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
                     "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": format!("arn:aws:logs:{region}:{account}:log-group:{log_group_name}")}}}
                ]
            });
            let args = Args::new()
                .known("description", Value::str(format!("KMS Customer Managed Key for secure encryption in {region}")))
                .known("enableKeyRotation", Value::Bool(true))
                .set("deletionWindowInDays", s.kms_window.clone())
                .known("policy", Value::str(policy.to_string()))
                .set("region", region_val)
                .set(
                    "tags",
                    child_tags(
                        &s,
                        &prefix,
                        "kms",
                        &[("Purpose", text("Secure encryption for infrastructure components"))],
                    ),
                );
            m.register("tap:kms:Key", "kms", args).await
        })
    };
    let alias = {
        let (m, prefix, region_val, key) = (m.clone(), prefix.clone(), region_val.clone(), key.clone());
        child(async move {
            let key = ready(&key).await?;
            let args = Args::new()
                .known("name", Value::str(format!("alias/{prefix}-secure-key")))
                .set("targetKeyId", key.id())
                .set("region", region_val);
            m.register("tap:kms:Alias", "kms-alias", args).await
        })
    };
    let log_group = {
        let (m, s, prefix, region_val, key, log_group_name) =
            (m.clone(), s.clone(), prefix.clone(), region_val.clone(), key.clone(), log_group_name.clone());
        child(async move {
            let key = ready(&key).await?;
            let retention_tag = s.log_retention.map(|v| Value::String(format!("{}-days", v.to_json())));
            let args = Args::new()
                .known("name", Value::str(&log_group_name))
                .set("retentionInDays", s.log_retention.clone())
                .set("kmsKeyId", key.out("arn"))
                .set("region", region_val)
                .set(
                    "tags",
                    child_tags(
                        &s,
                        &prefix,
                        "apigw-logs",
                        &[("Purpose", text("API Gateway Access Logs")), ("RetentionPeriod", retention_tag)],
                    ),
                );
            m.register("tap:cloudwatch:LogGroup", "apigw-logs", args).await
        })
    };

    // IAM.
    let role = {
        let (m, s, prefix, region, account) = (m.clone(), s.clone(), prefix.clone(), region.clone(), account.clone());
        child(async move {
            let trust = json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole",
                               "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]
            });
            // `<prefix>-apigateway-role-<7 hex>` within IAM's 64 characters.
            let tail = "-apigateway-role-";
            let head: String = prefix.chars().take(64 - 7 - tail.len()).collect();
            let args = Args::new()
                .known("namePrefix", Value::str(format!("{head}{tail}")))
                .known("assumeRolePolicy", Value::str(trust.to_string()))
                .known(
                    "description",
                    Value::str(format!("IAM role for API Gateway with least privilege access in {region}")),
                )
                .set(
                    "tags",
                    child_tags(
                        &s,
                        &prefix,
                        "apigateway-role",
                        &[("Purpose", text("API Gateway CloudWatch Logs Access"))],
                    ),
                );
            m.register("tap:iam:Role", "apigateway-role", args).await
        })
    };
    let attachment = {
        let (m, role) = (m.clone(), role.clone());
        child(async move {
            let role = ready(&role).await?;
            let args = Args::new().set("role", role.id()).known("policyArn", Value::str(LOGS_POLICY_ARN));
            m.register("tap:iam:RolePolicyAttachment", "apigateway-logs-policy", args).await
        })
    };

    // The private REST API, reachable only through the endpoint.
    let rest_api = {
        let (m, s, prefix, region, region_val, endpoint) =
            (m.clone(), s.clone(), prefix.clone(), region.clone(), region_val.clone(), endpoint.clone());
        child(async move {
            let endpoint = ready(&endpoint).await?;
            let vpce = endpoint.id();
            let policy = vpce.map(|id| {
                Value::String(
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                           "Resource": "arn:aws:execute-api:*:*:*", "Condition": {"StringEquals": {"aws:SourceVpce": id.to_json()}}}]})
                    .to_string(),
                )
            });
            let config =
                vpce.map(|id| Value::from_json(&json!({"types": "PRIVATE", "vpcEndpointIds": [id.to_json()]})));
            let args = Args::new()
                .known("name", Value::str(format!("{prefix}-private-api")))
                .known("description", Value::str(format!("Private API Gateway restricted to VPC endpoint in {region}")))
                .set("endpointConfiguration", config)
                .set("policy", policy)
                .set("region", region_val)
                .set(
                    "tags",
                    child_tags(&s, &prefix, "private-api", &[("Purpose", text("Secure Private API Gateway"))]),
                );
            m.register("tap:apigateway:RestApi", "private-api", args).await
        })
    };

    // S3.
    let bucket = {
        let (m, s, prefix, region_val) = (m.clone(), s.clone(), prefix.clone(), region_val.clone());
        child(async move {
            // `<prefix>-secure-bucket-<7 hex>`, lowercase, within S3's 63 characters.
            let tail = "-secure-bucket-";
            let head: String = s3_safe(&prefix).chars().take(63 - 7 - tail.len()).collect();
            let args = Args::new()
                .known("bucketPrefix", Value::str(format!("{}{tail}", head.trim_end_matches('-'))))
                .set("forceDestroy", s.force_destroy.clone())
                .set("region", region_val)
                .set(
                    "tags",
                    child_tags(
                        &s,
                        &prefix,
                        "secure-bucket",
                        &[("Purpose", text("Secure data storage with KMS encryption"))],
                    ),
                );
            m.register("tap:s3:Bucket", "secure-bucket", args).await
        })
    };
    let bucket_policy = {
        let (m, region_val, bucket) = (m.clone(), region_val.clone(), bucket.clone());
        child(async move {
            let bucket = ready(&bucket).await?;
            let name = bucket.id();
            let policy = name.map(|n| {
                let arn = format!("arn:aws:s3:::{}", n.to_json().as_str().unwrap_or_default());
                Value::String(
                    json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureConnections", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                           "Resource": [arn.clone(), format!("{arn}/*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
                    .to_string(),
                )
            });
            let args = Args::new().set("bucket", name).set("policy", policy).set("region", region_val);
            m.register("tap:s3:BucketPolicy", "secure-bucket-policy", args).await
        })
    };
    let encryption = {
        let (m, region_val, bucket, key) = (m.clone(), region_val.clone(), bucket.clone(), key.clone());
        child(async move {
            let (bucket, key) = (ready(&bucket).await?, ready(&key).await?);
            let rules = key.out("arn").map(|arn| {
                Value::from_json(&json!([{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": arn.to_json()}, "bucketKeyEnabled": true}]))
            });
            let args = Args::new().set("bucket", bucket.id()).set("rules", rules).set("region", region_val);
            m.register("tap:s3:BucketServerSideEncryptionConfiguration", "secure-bucket-encryption", args).await
        })
    };
    let public_access_block = {
        let (m, region_val, bucket) = (m.clone(), region_val.clone(), bucket.clone());
        child(async move {
            let bucket = ready(&bucket).await?;
            let args = Args::new()
                .set("bucket", bucket.id())
                .known("blockPublicAcls", Value::Bool(true))
                .known("blockPublicPolicy", Value::Bool(true))
                .known("ignorePublicAcls", Value::Bool(true))
                .known("restrictPublicBuckets", Value::Bool(true))
                .set("region", region_val);
            m.register("tap:s3:BucketPublicAccessBlock", "secure-bucket-public-access-block", args).await
        })
    };

    let password_policy = s.password_policy.clone().map(|fields| {
        let m = m.clone();
        child(async move {
            let mut args = Args::new();
            match &fields.value {
                Value::Object(map) => {
                    for (k, v) in map {
                        args = args.set(k, Val { value: v.clone(), secret: fields.secret, deps: fields.deps.clone() });
                    }
                }
                _ => return Err(Error::input("passwordPolicy", "must be known when the program runs")),
            }
            m.register_named("tap:iam:AccountPasswordPolicy", PASSWORD_POLICY_NAME, args).await
        })
    });

    // Everything registered; the first failure (by registration order) fails Construct.
    let mut all: Vec<&Pending> = vec![
        &vpc,
        &igw,
        &route_table,
        &security_group,
        &endpoint,
        &key,
        &alias,
        &log_group,
        &role,
        &attachment,
        &rest_api,
        &bucket,
        &bucket_policy,
        &encryption,
        &public_access_block,
    ];
    all.extend(subnets.iter());
    all.extend(associations.iter());
    all.extend(password_policy.iter());
    let results = futures_util::future::join_all(all.iter().map(|p| (*p).clone())).await;
    if let Some(Err(e)) = results.into_iter().find(|r| r.is_err()) {
        return Err((*e).clone());
    }
    let done = |p: &Pending| {
        p.peek().and_then(|r| r.as_ref().ok()).cloned().ok_or_else(|| Error::Internal("a child did not finish".into()))
    };
    let (vpc, igw, route_table, sg, endpoint, key, alias, log_group, role, rest_api, bucket) = (
        done(&vpc)?,
        done(&igw)?,
        done(&route_table)?,
        done(&security_group)?,
        done(&endpoint)?,
        done(&key)?,
        done(&alias)?,
        done(&log_group)?,
        done(&role)?,
        done(&rest_api)?,
        done(&bucket)?,
    );
    let subnet_children: Vec<Child> = subnets.iter().map(done).collect::<Result<_>>()?;

    let mut outputs: BTreeMap<String, Val> = BTreeMap::new();
    outputs.insert("vpcId".into(), vpc.id());
    let subnet_ids: Vec<Val> = subnet_children.iter().map(Child::id).collect();
    let refs: Vec<&Val> = subnet_ids.iter().collect();
    outputs.insert("subnetIds".into(), Val::combine(&refs, |v| Value::Array(v.iter().map(|x| (*x).clone()).collect())));
    outputs.insert("internetGatewayId".into(), igw.id());
    outputs.insert("routeTableId".into(), route_table.id());
    outputs.insert("securityGroupId".into(), sg.id());
    outputs.insert("kmsKeyId".into(), key.id());
    outputs.insert("kmsKeyArn".into(), key.out("arn"));
    outputs.insert("kmsAliasName".into(), alias.out("name"));
    outputs.insert("apiGatewayRoleArn".into(), role.out("arn"));
    outputs.insert("vpcEndpointId".into(), endpoint.id());
    outputs.insert("restApiId".into(), rest_api.id());
    outputs.insert("logGroupName".into(), log_group.out("name"));
    outputs.insert("logGroupArn".into(), log_group.out("arn"));
    outputs.insert("bucketName".into(), bucket.id());
    outputs.insert("bucketArn".into(), bucket.out("arn"));
    let state: PropertyMap = outputs.iter().map(|(k, v)| (k.clone(), v.wire())).collect();
    let deps = outputs.iter().map(|(k, v)| (k.clone(), v.deps.iter().cloned().collect())).collect();
    m.register_outputs(&state).await?;
    Ok((state, deps))
}

/// Construct for SecureRegion: validate, register the component, build, return its outputs.
pub async fn construct(
    req: rpc::ConstructRequest,
    clients_for: impl Fn(&str) -> Result<Arc<Clients>>,
) -> Result<rpc::ConstructResponse> {
    let inputs = value::decode_struct(req.inputs.as_ref())?;
    let input_deps: BTreeMap<String, Vec<String>> =
        req.input_dependencies.iter().map(|(k, v)| (k.clone(), v.urns.clone())).collect();
    let settings = validate(&inputs, &input_deps).map_err(Error::InvalidInputs)?;
    let clients = clients_for(&settings.region)?;

    let client = Monitor::connect(&req.monitor_endpoint).await?;
    let timeouts = req.custom_timeouts.as_ref().map(|t| rpc::register_resource_request::CustomTimeouts {
        create: t.create.clone(),
        update: t.update.clone(),
        delete: t.delete.clone(),
        read: t.read.clone(),
    });
    let component = rpc::RegisterResourceRequest {
        r#type: req.r#type.clone(),
        name: req.name.clone(),
        parent: req.parent.clone(),
        custom: false,
        remote: false,
        object: req.inputs.clone(),
        protect: req.protect,
        dependencies: req.dependencies.clone(),
        property_dependencies: req
            .input_dependencies
            .iter()
            .map(|(k, v)| (k.clone(), rpc::register_resource_request::PropertyDependencies { urns: v.urns.clone() }))
            .collect(),
        providers: req.providers.clone(),
        aliases: req.aliases.clone(),
        alias_specs: true,
        delete_before_replace: req.delete_before_replace.unwrap_or(false),
        delete_before_replace_defined: req.delete_before_replace.is_some(),
        retain_on_delete: req.retain_on_delete,
        deleted_with: req.deleted_with.clone(),
        custom_timeouts: timeouts.clone(),
        ignore_changes: req.ignore_changes.clone(),
        replace_on_changes: req.replace_on_changes.clone(),
        additional_secret_outputs: req.additional_secret_outputs.clone(),
        accept_secrets: true,
        accept_resources: true,
        supports_partial_values: true,
        supports_result_reporting: true,
        ..Default::default()
    };
    let registered = client
        .clone()
        .register_resource(component)
        .await
        .map_err(|s| Error::Internal(format!("registering the component: {}", s.message())))?
        .into_inner();
    let monitor = Monitor::new(client, registered.urn.clone(), req.name.clone(), timeouts);
    let (state, deps) = build(monitor, settings, clients).await?;
    Ok(rpc::ConstructResponse {
        urn: registered.urn,
        state: Some(value::encode_struct(&state)),
        state_dependencies: deps
            .into_iter()
            .map(|(k, urns)| (k, rpc::construct_response::PropertyDependencies { urns }))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pairs: &[(&str, Value)]) -> std::result::Result<Settings, Vec<(String, String)>> {
        let inputs: PropertyMap = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        validate(&inputs, &BTreeMap::new())
    }

    #[test]
    fn defaults_follow_the_seed() {
        let s = check(&[("region", Value::str("us-east-1"))]).expect("valid");
        assert_eq!(s.cidr.value, Value::str("10.0.0.0/16"));
        assert_eq!(s.admin_cidr.value, Value::str("10.0.0.0/24"));
        assert_eq!(s.zone_count, 2);
        assert_eq!(s.log_retention.value, Value::Number(90.0));
        assert_eq!(s.kms_window.value, Value::Number(30.0));
        assert_eq!(s.environment.value, Value::str("Production"));
        assert!(s.password_policy.is_none());
        assert_eq!(nth_24(&s.cidr, 2).value, Value::str("10.0.2.0/24"));
        let s = check(&[("region", Value::str("us-east-1")), ("passwordPolicy", Value::Object(PropertyMap::new()))])
            .expect("valid");
        let Value::Object(p) = s.password_policy.expect("policy").value else { panic!() };
        assert_eq!(p["minimumPasswordLength"], Value::Number(14.0));
        assert_eq!(p["hardExpiry"], Value::Bool(true));
    }

    #[test]
    fn each_bad_input_is_named() {
        for (pairs, property) in [
            (vec![("region", Value::str("mars-1"))], "region"),
            (vec![], "region"),
            (vec![("region", Value::str("us-east-1")), ("cidrBlock", Value::str("10.0.0.0/24"))], "cidrBlock"),
            (vec![("region", Value::str("us-east-1")), ("cidrBlock", Value::str("fd00::/48"))], "cidrBlock"),
            (
                vec![
                    ("region", Value::str("us-east-1")),
                    ("cidrBlock", Value::str("10.0.0.0/22")),
                    ("availabilityZoneCount", Value::Number(4.0)),
                ],
                "cidrBlock",
            ),
            (
                vec![("region", Value::str("us-east-1")), ("adminCidrBlock", Value::str("192.168.0.0/24"))],
                "adminCidrBlock",
            ),
            (
                vec![("region", Value::str("us-east-1")), ("availabilityZoneCount", Value::Number(7.0))],
                "availabilityZoneCount",
            ),
            (
                vec![("region", Value::str("us-east-1")), ("availabilityZoneCount", Value::Number(0.0))],
                "availabilityZoneCount",
            ),
            (
                vec![("region", Value::str("us-east-1")), ("logRetentionInDays", Value::Number(91.0))],
                "logRetentionInDays",
            ),
            (
                vec![("region", Value::str("us-east-1")), ("kmsDeletionWindowInDays", Value::Number(6.0))],
                "kmsDeletionWindowInDays",
            ),
            (
                vec![
                    ("region", Value::str("us-east-1")),
                    (
                        "passwordPolicy",
                        Value::Object(
                            [("minimumPasswordLength".to_string(), Value::Number(5.0))].into_iter().collect(),
                        ),
                    ),
                ],
                "passwordPolicy",
            ),
        ] {
            let failures = check(&pairs).err().unwrap_or_else(|| panic!("{pairs:?} accepted"));
            assert!(failures.iter().any(|(p, _)| p == property), "{pairs:?}: {failures:?}");
        }
        let failures = check(&[("region", Value::str("us-east-1")), ("logRetentionInDays", Value::Number(91.0))])
            .expect_err("fails");
        assert!(failures[0].1.contains("90, 120"), "the allowed values are listed: {}", failures[0].1);
    }

    #[test]
    fn unknown_inputs_pass_validation_in_preview() {
        let u = Value::Unknown(crate::value::Unknown::Any);
        let s = check(&[("region", Value::str("eu-central-1")), ("cidrBlock", u.clone()), ("tags", u)]).expect("valid");
        assert!(s.cidr.is_unknown());
        assert!(s.admin_cidr.is_unknown(), "derived from an unknown block");
        assert!(nth_24(&s.cidr, 1).is_unknown());
    }

    #[test]
    fn tags_merge_user_tags_under_the_child_tags() {
        let s = check(&[
            ("region", Value::str("us-east-1")),
            (
                "tags",
                Value::Secret(Box::new(Value::Object(
                    [("Team".to_string(), Value::str("a")), ("Name".to_string(), Value::str("mine"))]
                        .into_iter()
                        .collect(),
                ))),
            ),
        ])
        .expect("valid");
        let t = child_tags(&s, "r-us-east-1", "vpc", &[("Purpose", text("p"))]);
        assert!(t.secret, "a secret tag keeps every child's tags secret");
        let Value::Object(map) = t.value else { panic!() };
        assert_eq!(map["Name"], Value::str("r-us-east-1-vpc"));
        assert_eq!(map["Team"], Value::str("a"));
        assert_eq!(map["Environment"], Value::str("Production"));
        assert_eq!(map["Purpose"], Value::str("p"));
    }

    #[test]
    fn s3_names_from_component_names() {
        assert_eq!(s3_safe("My_Stack-us-east-1"), "my-stack-us-east-1");
    }
}
