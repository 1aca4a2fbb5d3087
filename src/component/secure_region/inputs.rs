//! SecureRegion's inputs: their declaration (the schema's interface of the component) and their
//! validation, which applies the same rules the children's checks apply (retention, deletion
//! window, tags, the password policy's ranges), so each rule lives once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::component::graph::Val;
use crate::resource::fields::Declared;
use crate::resource::{Checker, Field};
use crate::resources::cloudwatch::log_group;
use crate::resources::ec2::subnet::zone_in_region;
use crate::resources::iam::account_password_policy;
use crate::resources::kms::key;
use crate::resources::tags::{self, Tags};
use crate::validate::{self, Cidr};
use crate::value::{PropertyMap, Value};

/// A complete, locked-down AWS region: VPC with DNS, internet gateway, private subnets, route
/// table, restrictive security group, closed default security group and network ACL, flow logs,
/// KMS key with rotation and alias, IAM role for API Gateway logging, execute-api interface
/// endpoint, a PRIVATE REST API reachable only through it (a health method on a logged, traced
/// stage), KMS-encrypted log groups, an S3 gateway endpoint, an encrypted, versioned, HTTPS-only
/// S3 bucket with access logging, the region's settings (API Gateway's CloudWatch role, EBS
/// encryption by default) and optionally the account's (S3 Block Public Access, the IAM password
/// policy).
///
/// {{% examples %}}
/// ## Example Usage
/// {{% example %}}
/// ### Two regions, us-east-1's owning the account's settings
///
/// ```typescript
/// import * as tap from "@tap/pulumi-tap";
///
/// const east = new tap.SecureRegion("east", { region: "us-east-1", passwordPolicy: {}, manageAccountSettings: true });
/// const west = new tap.SecureRegion("west", { region: "us-west-2", cidrBlock: "10.1.0.0/16" });
/// export const eastVpcId = east.vpcId;
/// ```
/// ```python
/// import pulumi
/// import pulumi_tap as tap
///
/// east = tap.SecureRegion("east", region="us-east-1", password_policy={}, manage_account_settings=True)
/// west = tap.SecureRegion("west", region="us-west-2", cidr_block="10.1.0.0/16")
/// pulumi.export("eastVpcId", east.vpc_id)
/// ```
/// ```go
/// east, err := tap.NewSecureRegion(ctx, "east", &tap.SecureRegionArgs{
///     Region:                pulumi.String("us-east-1"),
///     PasswordPolicy:        &tap.PasswordPolicyArgs{},
///     ManageAccountSettings: pulumi.Bool(true),
/// })
/// if err != nil {
///     return err
/// }
/// _, err = tap.NewSecureRegion(ctx, "west", &tap.SecureRegionArgs{
///     Region:    pulumi.String("us-west-2"),
///     CidrBlock: pulumi.String("10.1.0.0/16"),
/// })
/// if err != nil {
///     return err
/// }
/// ctx.Export("eastVpcId", east.VpcId)
/// ```
/// ```csharp
/// using Pulumi;
/// using Tap = Pulumi.Tap;
///
/// return await Deployment.RunAsync(() =>
/// {
///     var east = new Tap.SecureRegion("east", new() { Region = "us-east-1", PasswordPolicy = new Tap.Inputs.PasswordPolicyArgs(), ManageAccountSettings = true });
///     var west = new Tap.SecureRegion("west", new() { Region = "us-west-2", CidrBlock = "10.1.0.0/16" });
///     return new Dictionary<string, object?> { ["eastVpcId"] = east.VpcId };
/// });
/// ```
/// ```yaml
/// resources:
///   east:
///     type: tap:index:SecureRegion
///     properties: { region: us-east-1, passwordPolicy: {}, manageAccountSettings: true }
///   west:
///     type: tap:index:SecureRegion
///     properties: { region: us-west-2, cidrBlock: 10.1.0.0/16 }
/// outputs:
///   eastVpcId: ${east.vpcId}
/// ```
/// {{% /example %}}
/// {{% /examples %}}
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct SecureRegionArgs {
    /// The AWS region to build, e.g. `us-east-1`.
    #[field(identity, required = "an AWS region such as us-east-1")]
    pub region: String,
    /// The VPC's IPv4 block, /16 to /22, with room for 1 + availabilityZoneCount /24s (default
    /// `10.0.0.0/16`).
    #[field(default = "10.0.0.0/16")]
    pub cidr_block: String,
    /// How many availability zones get a private subnet, 1-6 (default 2, or as many as
    /// availabilityZones names): the region's first N available zones, except that subnets that
    /// exist keep their zones.
    #[field(plain, identity)]
    pub availability_zone_count: Option<i64>,
    /// The zones the subnets are in, in order (pins them; changing one replaces that subnet).
    /// Without it, an existing subnet keeps its zone even if the region's list changes.
    #[field(plain)]
    pub availability_zones: Option<Vec<String>>,
    /// The block SSH is allowed from; must lie inside cidrBlock (default: the first /24 of
    /// cidrBlock).
    pub admin_cidr_block: Option<String>,
    /// Whether the route table sends 0.0.0.0/0 to the internet gateway (default false: the
    /// subnets are private by routing too); the gateway is created and attached either way.
    #[field(default = false)]
    pub route_to_internet_gateway: bool,
    /// Whether the VPC's traffic (ALL) is recorded by a flow log into its own KMS-encrypted log
    /// group, delivered by a role of its own (default true; EC2.6).
    #[field(default = true)]
    pub enable_flow_logs: bool,
    /// Whether this instance manages its region's settings: API Gateway's CloudWatch role and EBS
    /// encryption by default (each one per account and region, restored on destroy). Default true; with several instances in one
    /// region, give it to one (the others check that a role is set).
    #[field(default = true)]
    pub manage_region_settings: bool,
    /// Whether this instance manages the account's settings: S3 Block Public Access for the whole
    /// account (S3.1), restored on destroy. One instance per account (default false; the examples
    /// give it to us-east-1's).
    #[field(default = false)]
    pub manage_account_settings: bool,
    /// The `Environment` tag on every child (default `Production`).
    #[field(default = "Production")]
    pub environment: String,
    /// Tags merged under the per-child tags of every taggable child.
    #[field(default = Tags::new())]
    pub tags: Tags,
    /// Retention of the API Gateway log group: one of CloudWatch's allowed values (default 90).
    #[field(default = 90)]
    pub log_retention_in_days: i64,
    /// Days the KMS key waits before deletion once scheduled, 7-30 (default 30).
    #[field(default = 30)]
    pub kms_deletion_window_in_days: i64,
    /// Whether destroying the bucket first deletes every object version in it (default true).
    #[field(default = true)]
    pub bucket_force_destroy: bool,
    /// When given, this instance manages the account's IAM password policy (one instance per
    /// account).
    pub password_policy: Option<PasswordPolicy>,
}

/// The account password policy a SecureRegion manages. Every field defaults to the seed's value.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:index:PasswordPolicy")]
pub struct PasswordPolicy {
    /// Minimum password length, 6-128 (default 14).
    #[field(default = 14)]
    pub minimum_password_length: i64,
    /// Require at least one symbol (default true).
    #[field(default = true)]
    pub require_symbols: bool,
    /// Require at least one number (default true).
    #[field(default = true)]
    pub require_numbers: bool,
    /// Require at least one uppercase letter (default true).
    #[field(default = true)]
    pub require_uppercase_characters: bool,
    /// Require at least one lowercase letter (default true).
    #[field(default = true)]
    pub require_lowercase_characters: bool,
    /// Let IAM users change their own password (default true).
    #[field(default = true)]
    pub allow_users_to_change_password: bool,
    /// Stop users from setting a new password after theirs expired (default true).
    #[field(default = true)]
    pub hard_expiry: bool,
    /// How many previous passwords cannot be reused, 1-24 (default 5).
    #[field(default = 5)]
    pub password_reuse_prevention: i64,
    /// Days a password stays valid, 1-1095 (default 90).
    #[field(default = 90)]
    pub max_password_age: i64,
}

/// The tags tap adds to a child at most (Environment, Name, Purpose, RetentionPeriod).
const CHILD_TAGS: usize = 4;

/// The component's inputs after validation, with defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub region: String,
    pub cidr: Val,
    pub zone_count: usize,
    /// The zones the program pinned, if it did.
    pub zones: Option<Vec<String>>,
    /// The program gave the zones as a secret: each subnet's zone is one.
    pub zones_secret: bool,
    pub admin_cidr: Val,
    pub route_to_igw: Val,
    pub flow_logs: Val,
    pub manage_region_settings: Val,
    pub manage_account_settings: Val,
    pub environment: Val,
    pub tags: Val,
    pub log_retention: Val,
    pub kms_window: Val,
    pub force_destroy: Val,
    /// The password policy's fields, when this instance manages it.
    pub password_policy: Option<Val>,
}

/// Validates the inputs (known parts only, in preview), naming the input on each failure.
pub fn validate(
    inputs: &PropertyMap,
    deps: &BTreeMap<String, Vec<String>>,
) -> std::result::Result<Settings, Vec<(String, String)>> {
    let fields = SecureRegionArgs::fields();
    let olds = PropertyMap::new();
    let mut c = Checker::new(inputs.clone(), &olds, "", &[]);
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    for key in inputs.keys().filter(|k| !names.contains(&k.as_str())) {
        c.fail(key, format!("is not an input of SecureRegion; the inputs are {}", names.join(", ")));
    }
    c.conform(&fields);

    let region = match c.value("region") {
        Field::Known(Value::String(r)) => {
            if let Err(reason) = validate::region(&r) {
                c.fail("region", reason);
            }
            r
        }
        Field::Unknown if !c.failures().iter().any(|f| f.property == "region") => {
            c.fail("region", "must be known when the program runs (it picks the region to build); pass a plain string");
            String::new()
        }
        _ => String::new(),
    };
    let zones = match c.get::<Vec<String>>("availabilityZones") {
        Field::Known(zones) => {
            if zones.is_empty() || zones.len() > 6 {
                c.fail("availabilityZones", format!("names {} zones; give 1 to 6", zones.len()));
            }
            for z in zones.iter().filter(|z| !zone_in_region(z, &region)) {
                c.fail("availabilityZones", format!("{z:?} is not a zone of {region}: use one such as {region}a"));
            }
            let mut unique = zones.clone();
            unique.sort();
            unique.dedup();
            if unique.len() != zones.len() {
                c.fail("availabilityZones", "names a zone twice: each subnet needs its own zone");
            }
            Some(zones)
        }
        Field::Unknown if !c.failures().iter().any(|f| f.property == "availabilityZones") => {
            c.fail("availabilityZones", "must be known when the program runs (it is a plain input)");
            None
        }
        _ => None,
    };
    let zone_count = match c.value("availabilityZoneCount") {
        Field::Unknown if !c.failures().iter().any(|f| f.property == "availabilityZoneCount") => {
            c.fail("availabilityZoneCount", "must be known when the program runs (it is a plain input)");
            2
        }
        Field::Absent => zones.as_ref().map_or(2, Vec::len),
        _ => match c.in_range("availabilityZoneCount", 1, 6) {
            Field::Known(n) if (1..=6).contains(&n) => {
                if let Some(z) = zones.as_ref().filter(|z| z.len() != n as usize) {
                    c.fail(
                        "availabilityZoneCount",
                        format!("is {n}, but availabilityZones names {} zones: give one of the two", z.len()),
                    );
                }
                n as usize
            }
            _ => 2,
        },
    };
    let vpc_block = match c.cidr("cidrBlock", 16, 22) {
        Field::Known(block) => {
            let room = validate::size(block) / 256;
            if room < 1 + zone_count as u64 {
                c.fail(
                    "cidrBlock",
                    format!(
                        "{block} holds {room} /24 blocks; {zone_count} zones need {} (the admin block and one per zone): use a larger block such as /{}",
                        1 + zone_count,
                        if zone_count < 4 { 22 } else { 21 }
                    ),
                );
                None
            } else {
                Some(block)
            }
        }
        _ => None,
    };
    if let Field::Known(admin) = c.cidr("adminCidrBlock", 0, 32) {
        if let Some(block) = vpc_block {
            if !block.contains(&admin) {
                let shown = c.shown("adminCidrBlock", &admin.to_string());
                let example = validate::subnet(block, 24, 0).map(|c| c.to_string()).unwrap_or_default();
                c.fail(
                    "adminCidrBlock",
                    format!(
                        "{} is not inside cidrBlock {block}: give a block within the VPC, such as {example}",
                        shown.trim_matches('"')
                    ),
                );
            }
        }
    }
    tags::check(&mut c, "tags", CHILD_TAGS);
    log_group::check_retention(&mut c, "logRetentionInDays");
    key::check_deletion_window(&mut c, "kmsDeletionWindowInDays");
    c.nested("passwordPolicy", account_password_policy::check_fields);

    let zones_secret = c.is_secret("availabilityZones");
    let (news, failures) = c.finish();
    if !failures.is_empty() {
        return Err(failures.into_iter().map(|f| (f.property, f.reason)).collect());
    }
    let get = |key: &str| Val::input(news.get(key), deps.get(key).map(Vec::as_slice).unwrap_or_default());
    let cidr = get("cidrBlock");
    let admin_cidr = get("adminCidrBlock");
    let admin_cidr = if admin_cidr.is_null() {
        cidr.map(|v| first_24(v).map(Value::String).unwrap_or(Value::Null))
    } else {
        admin_cidr
    };
    let password_policy = Some(get("passwordPolicy")).filter(|p| !p.is_null());
    Ok(Settings {
        region,
        cidr,
        zone_count,
        zones,
        zones_secret,
        admin_cidr,
        route_to_igw: get("routeToInternetGateway"),
        flow_logs: get("enableFlowLogs"),
        manage_region_settings: get("manageRegionSettings"),
        manage_account_settings: get("manageAccountSettings"),
        environment: get("environment"),
        tags: get("tags"),
        log_retention: get("logRetentionInDays"),
        kms_window: get("kmsDeletionWindowInDays"),
        force_destroy: get("bucketForceDestroy"),
        password_policy,
    })
}

fn block_of(v: &Value) -> Option<Cidr> {
    match v {
        Value::String(s) => validate::cidr(s, 0, 32).ok(),
        _ => None,
    }
}

fn first_24(v: &Value) -> Option<String> {
    block_of(v).and_then(|c| validate::subnet(c, 24, 0)).map(|c| c.to_string())
}

/// The `index`-th /24 of the VPC block (subnet i gets the (i+1)-th).
pub fn nth_24(cidr: &Val, index: u32) -> Val {
    cidr.map(|v| {
        block_of(v)
            .and_then(|c| validate::subnet(c, 24, index))
            .map(|c| Value::String(c.to_string()))
            .unwrap_or(Value::Null)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn check(pairs: &[(&str, Value)]) -> std::result::Result<Settings, Vec<(String, String)>> {
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
            (
                vec![
                    ("region", Value::str("us-east-1")),
                    ("tags", Value::Object((0..47).map(|i| (format!("k{i}"), Value::str("v"))).collect())),
                ],
                "tags",
            ),
            (vec![("region", Value::str("us-east-1")), ("regoin", Value::str("x"))], "regoin"),
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
    fn a_secret_admin_block_is_not_shown_in_the_message() {
        let failures = check(&[
            ("region", Value::str("us-east-1")),
            ("adminCidrBlock", Value::Secret(Box::new(Value::str("192.168.7.0/24")))),
        ])
        .expect_err("outside the VPC");
        assert!(failures[0].1.contains("[secret]") && !failures[0].1.contains("192.168.7"), "{failures:?}");
    }
}
