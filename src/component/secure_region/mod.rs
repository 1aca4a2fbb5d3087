//! `tap:index:SecureRegion`: Construct builds one locked-down region (SEED.md §1 with the
//! differences of §2) from tap's own resources, registered through the engine's monitor.
//!
//! One file per concern: `inputs` (the interface and its validation), `network` (VPC, gateway,
//! subnets, routes, security groups, network ACL, endpoint), `flow_logs` (the VPC's flow log, its
//! log group, role and policy), `keys` (KMS key, alias, log group), `iam` (role,
//! attachment, password policy), `api` (the private REST API), `storage` (the bucket and its
//! settings) and `outputs`. Independent branches are registered concurrently; each child waits
//! only for the outputs it needs. Inputs are validated before anything is registered; the only
//! AWS calls Construct makes itself are read-only (DescribeAvailabilityZones, GetCallerIdentity).

mod api;
mod flow_logs;
mod iam;
pub mod inputs;
mod keys;
mod network;
pub mod outputs;
mod owners;
mod storage;

use std::sync::Arc;

use inputs::Settings;

use crate::aws::Clients;
use crate::component::graph::{Graph, Val};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::proto::pulumirpc as rpc;
use crate::value::{self, PropertyMap, Unknown, Value};

pub const TOKEN: &str = "tap:index:SecureRegion";

pub use owners::release_claims;

/// What every concern needs to know about the region being built.
pub struct Region {
    pub settings: Settings,
    /// The region's name, e.g. `us-east-1`.
    pub name: String,
    /// `<component name>-<region>`: the start of every child's Name tag and AWS name.
    pub prefix: String,
    pub account: String,
    pub partition: &'static str,
    pub zones: Vec<String>,
    /// The region's clients, for the few read-only calls Construct makes itself.
    pub clients: Arc<Clients>,
    /// Whether this is a preview (no resource is made).
    pub preview: bool,
}

impl Region {
    /// The region as a child's `region` input.
    pub fn val(&self) -> Val {
        Val::str(&self.name)
    }

    /// An ARN in this region's partition.
    pub fn arn(&self, service: &str, region: &str, account: &str, resource: &str) -> String {
        crate::aws::arn(self.partition, service, region, account, resource)
    }

    /// A child's tags: the user's, then Environment and Name, then the child's own.
    pub fn tags(&self, suffix: &str, extra: &[(&str, Val)]) -> Val {
        let s = &self.settings;
        let mut parts: Vec<&Val> = vec![&s.tags, &s.environment];
        parts.extend(extra.iter().map(|(_, v)| v));
        let name = format!("{}-{suffix}", self.prefix);
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
            v.value = Value::Unknown(Unknown::Object);
        }
        v
    }
}

/// The URN a child of the component will have (the parent's type chain, then the child's).
fn child_urn(component: &str, token: &str, name: &str) -> String {
    let parts: Vec<&str> = component.splitn(4, "::").collect();
    match parts.as_slice() {
        [stack, project, chain, _] => format!("{stack}::{project}::{chain}${token}::{name}"),
        _ => format!("{component}${token}::{name}"),
    }
}

/// The zones of the subnets: those the program pins; else, for each subnet, the zone it already
/// has (found by its marker: Construct gets no prior state, and zones must not move because
/// DescribeAvailabilityZones answers differently now), then the region's first available zones
/// not yet used. Read-only, so also in preview.
async fn zones(clients: &Clients, settings: &Settings, component: &str, name: &str) -> Result<Vec<String>> {
    if let Some(pinned) = &settings.zones {
        return Ok(pinned.clone());
    }
    let count = settings.zone_count;
    let markers: Vec<String> = (0..count)
        .map(|i| {
            let child = format!("{name}-{}", network::subnet_suffix(i));
            crate::resource::marker_of(&clients.provider, &child_urn(component, "tap:ec2:Subnet", &child))
        })
        .collect();
    let (listed, existing) = tokio::try_join!(
        async {
            clients
                .ec2
                .describe_availability_zones()
                .filters(crate::resources::ec2::filter("state", "available"))
                .send()
                .await
                .map_err(aws(Ec2, "DescribeAvailabilityZones"))
        },
        async {
            let filter = aws_sdk_ec2::types::Filter::builder()
                .name(format!("tag:{}", crate::resource::MARKER_TAG))
                .set_values(Some(markers.clone()))
                .build();
            clients.ec2.describe_subnets().filters(filter).send().await.map_err(aws(Ec2, "DescribeSubnets"))
        },
    )?;
    let mut kept: Vec<Option<String>> = markers
        .iter()
        .map(|m| {
            existing
                .subnets()
                .iter()
                .find(|s| s.tags().iter().any(|t| t.key() == Some(crate::resource::MARKER_TAG) && t.value() == Some(m)))
                .and_then(|s| s.availability_zone().map(str::to_string))
        })
        .collect();
    let zones: Vec<String> =
        listed.availability_zones().iter().filter_map(|z| z.zone_name().map(str::to_string)).collect();
    let taken: Vec<String> = kept.iter().flatten().cloned().collect();
    let mut free = zones.iter().filter(|z| !taken.contains(z));
    for slot in kept.iter_mut().filter(|z| z.is_none()) {
        *slot = free.next().cloned();
    }
    if kept.iter().any(Option::is_none) {
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
    Ok(kept.into_iter().flatten().collect())
}

/// Construct for SecureRegion: validate, register the component, build, return its outputs.
pub async fn construct(
    req: rpc::ConstructRequest,
    clients_for: impl Fn(&str) -> Result<Arc<Clients>>,
) -> Result<rpc::ConstructResponse> {
    let raw = value::decode_struct(req.inputs.as_ref())?;
    crate::secrets::remember(&raw);
    let input_deps = req.input_dependencies.iter().map(|(k, v)| (k.clone(), v.urns.clone())).collect();
    let settings = inputs::validate(&raw, &input_deps).map_err(Error::InvalidInputs)?;
    let clients = clients_for(&settings.region)?;
    // Every create looks for an earlier attempt's resource by its marker: read them early (a
    // preview creates nothing).
    if !req.dry_run {
        tokio::spawn(crate::resources::ec2::prefetch_markers(clients.clone()));
        tokio::spawn(crate::resources::apigateway::rest_api::prefetch_markers(clients.clone()));
    }
    let monitor = super::register_component(&req).await?;
    let urn = monitor.parent.clone();
    let (zones, account) = tokio::try_join!(zones(&clients, &settings, &urn, &monitor.name), clients.account_id())?;
    let region = Arc::new(Region {
        name: settings.region.clone(),
        prefix: format!("{}-{}", monitor.name, settings.region),
        partition: clients.partition(),
        settings,
        account,
        zones,
        clients: clients.clone(),
        preview: req.dry_run,
    });
    if region.settings.manage_region_settings.value == Value::Bool(true) {
        owners::claim_region_settings(&clients.provider, &region, &urn)?;
    }
    if region.settings.manage_account_settings.value == Value::Bool(true) {
        owners::claim_account_settings(&clients.provider, &urn)?;
    }
    let graph = Graph::new(monitor);
    let network = network::build(&graph, &region);
    let keys = keys::build(&graph, &region);
    let iam = iam::build(&graph, &region);
    let api = api::build(&graph, &region, &network, &keys, &iam);
    let storage = storage::build(&graph, &region, &keys);
    let flow_logs = match region.settings.flow_logs.value {
        Value::Bool(false) => None,
        _ => Some(flow_logs::build(&graph, &region, &network, &keys.key)),
    };
    graph.join().await?;
    let (state, deps) = outputs::collect(&network, &keys, &iam, &api, &storage, flow_logs.as_ref())?;
    graph.monitor().register_outputs(&state).await?;
    Ok(super::response(urn, &state, deps))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::component::graph::Child;

    /// A region as Construct would plan it, from inputs.
    pub fn region(pairs: &[(&str, Value)]) -> Region {
        let raw: PropertyMap = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let settings = inputs::validate(&raw, &Default::default()).expect("valid inputs");
        Region {
            name: settings.region.clone(),
            prefix: format!("r-{}", settings.region),
            partition: crate::aws::partition(&settings.region),
            settings,
            account: "123456789012".into(),
            zones: vec!["us-east-1a".into(), "us-east-1b".into()],
            // Never called: these tests build arguments only.
            clients: crate::aws::Aws::from_config(
                aws_config::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build(),
            )
            .clients("us-east-1"),
            preview: false,
        }
    }

    /// A registered child with an id and outputs, for building the children that need it.
    pub fn child(id: &str, outputs: &[(&str, &str)]) -> Child {
        Child {
            urn: format!("urn:{id}"),
            id: id.into(),
            outputs: outputs.iter().map(|(k, v)| (k.to_string(), Value::str(*v))).collect(),
        }
    }

    #[test]
    fn tags_merge_user_tags_under_the_child_tags() {
        let r = region(&[
            ("region", Value::str("us-east-1")),
            (
                "tags",
                Value::Secret(Box::new(Value::Object(
                    [("Team".to_string(), Value::str("a")), ("Name".to_string(), Value::str("mine"))]
                        .into_iter()
                        .collect(),
                ))),
            ),
        ]);
        let t = r.tags("vpc", &[("Purpose", Val::str("p"))]);
        assert!(t.secret, "a secret tag keeps every child's tags secret");
        let Value::Object(map) = t.value else { panic!() };
        assert_eq!(map["Name"], Value::str("r-us-east-1-vpc"));
        assert_eq!(map["Team"], Value::str("a"));
        assert_eq!(map["Environment"], Value::str("Production"));
        assert_eq!(map["Purpose"], Value::str("p"));
    }
}

#[cfg(test)]
mod args_tests {
    use super::tests::{child, region};
    use super::*;
    use crate::resource::fields::Declared;

    /// Every child's arguments, built as Construct builds them, name only inputs their resource
    /// declares (a typo would otherwise reach the engine as an input the resource ignores).
    #[test]
    fn every_child_argument_is_a_declared_input_of_its_resource() {
        let r = region(&[("region", Value::str("us-east-1")), ("passwordPolicy", Value::Object(PropertyMap::new()))]);
        let (vpc, igw, sg) = (child("vpc-1", &[]), child("igw-1", &[]), child("sg-1", &[]));
        let (subnet, table, endpoint) = (child("subnet-1", &[]), child("rtb-1", &[]), child("vpce-1", &[]));
        let key = child("key-1", &[("arn", "arn:aws:kms:us-east-1:123456789012:key/key-1")]);
        let (role, bucket) = (child("role-1", &[]), child("bucket-1", &[]));
        let undeclared: Vec<(&str, Vec<String>)> = vec![
            ("vpc", network::vpc_args(&r).undeclared().to_vec()),
            ("igw", network::igw_args(&r, &vpc).undeclared().to_vec()),
            ("subnet", network::subnet_args(&r, &vpc, 0, "us-east-1a").undeclared().to_vec()),
            ("rt", network::route_table_args(&r, &vpc, Some(&igw)).undeclared().to_vec()),
            ("rta", network::association_args(&r, &subnet, &table).undeclared().to_vec()),
            ("sg", network::security_group_args(&r, &vpc).undeclared().to_vec()),
            ("vpce", network::endpoint_args(&r, &vpc, &sg, std::slice::from_ref(&subnet)).undeclared().to_vec()),
            ("s3 vpce", network::s3_endpoint_args(&r, &vpc, &table).undeclared().to_vec()),
            ("kms", keys::key_args(&r).undeclared().to_vec()),
            ("alias", keys::alias_args(&r, &key).undeclared().to_vec()),
            ("logs", keys::log_group_args(&r, &key).undeclared().to_vec()),
            ("role", iam::role_args(&r).undeclared().to_vec()),
            ("attachment", iam::attachment_args(&r, &role).undeclared().to_vec()),
            (
                "password policy",
                iam::password_policy_args(r.settings.password_policy.as_ref().expect("given"))
                    .expect("known")
                    .undeclared()
                    .to_vec(),
            ),
            ("api", api::rest_api_args(&r, &endpoint).undeclared().to_vec()),
            ("bucket", storage::bucket_args(&r).undeclared().to_vec()),
            ("policy", storage::policy_args(&r, &bucket).undeclared().to_vec()),
            ("encryption", storage::encryption_args(&r, &bucket, &key).undeclared().to_vec()),
            ("pab", storage::public_access_block_args(&r, &bucket).undeclared().to_vec()),
            ("account pab", storage::account_public_access_block_args().undeclared().to_vec()),
            ("default sg", network::default_security_group_args(&r, &vpc).undeclared().to_vec()),
            ("default acl", network::default_acl_args(&r, &vpc).undeclared().to_vec()),
            ("flow logs", flow_logs::log_group_args(&r, &key).undeclared().to_vec()),
            ("flow logs role", flow_logs::role_args(&r).undeclared().to_vec()),
            ("flow logs policy", flow_logs::policy_args(&r, &role).undeclared().to_vec()),
            ("flow log", flow_logs::flow_log_args(&r, &vpc, &key, &role).undeclared().to_vec()),
            ("health", api::health_method_args(&r, &role).undeclared().to_vec()),
            ("integration", api::health_integration_args(&r, &role).undeclared().to_vec()),
            ("method response", api::health_response_args(&r, &role).undeclared().to_vec()),
            ("integration response", api::health_integration_response_args(&r, &role, &role).undeclared().to_vec()),
            ("deployment", api::deployment_args(&r, &role, &role).undeclared().to_vec()),
            ("exec logs", api::execution_log_group_args(&r, &key, &role).undeclared().to_vec()),
            ("account", api::account_args(&r, &role).undeclared().to_vec()),
            ("stage", api::stage_args(&r, &role, &role).undeclared().to_vec()),
            ("method settings", api::method_settings_args(&r, &role).undeclared().to_vec()),
            ("log bucket", storage::log_bucket_args(&r).undeclared().to_vec()),
            ("ebs", network::ebs_encryption_args(&r).undeclared().to_vec()),
            ("log bucket policy", storage::log_bucket_policy_args(&r, &bucket, &bucket).undeclared().to_vec()),
            ("log encryption", storage::log_encryption_args(&r, &bucket).undeclared().to_vec()),
            ("versioning", storage::versioning_args(&r, &bucket).undeclared().to_vec()),
            ("ownership", storage::ownership_args(&r, &bucket).undeclared().to_vec()),
            ("lifecycle", storage::lifecycle_args(&r, &bucket, 30, Some(365)).undeclared().to_vec()),
            ("logging", storage::logging_args(&r, &bucket, &bucket).undeclared().to_vec()),
        ];
        let wrong: Vec<_> = undeclared.into_iter().filter(|(_, keys)| !keys.is_empty()).collect();
        assert!(wrong.is_empty(), "arguments their resources do not declare: {wrong:?}");
    }

    #[test]
    fn the_component_outputs_are_declared() {
        let names: Vec<&str> = outputs::SecureRegionOutputs::fields().iter().map(|f| f.name).collect();
        assert!(names.contains(&"vpcId") && names.contains(&"flowLogId") && names.len() == 20, "{names:?}");
    }

    #[test]
    fn arns_and_services_follow_the_partition() {
        let r = region(&[("region", Value::str("us-gov-west-1"))]);
        let role = child("role-1", &[]);
        let attachment = iam::attachment_args(&r, &role).object();
        assert_eq!(
            attachment["policyArn"],
            Value::str("arn:aws-us-gov:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
        );
        assert_eq!(network::endpoint_service("cn-north-1", "execute-api"), "cn.com.amazonaws.cn-north-1.execute-api");
        let policy = keys::key_args(&r).object()["policy"].clone();
        let Value::String(text) = policy else { panic!() };
        assert!(text.contains("arn:aws-us-gov:iam::123456789012:root"), "{text}");
        assert!(text.contains("arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:"), "{text}");
    }
}
