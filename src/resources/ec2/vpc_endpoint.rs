//! `tap:ec2:VpcEndpoint`: a VPC endpoint (Interface, Gateway or GatewayLoadBalancer).
//!
//! AWS APIs: DescribeVpcEndpoints (the client-token lookup before creating, the wait until
//! `available`, read), CreateVpcEndpoint (ClientToken and tags at creation), ModifyVpcEndpoint
//! (subnets, security groups, route tables, policy and private DNS in place), CreateTags / DeleteTags,
//! DeleteVpcEndpoints (then a wait until it is gone). Id: the endpoint id (`vpce-…`). Replaced
//! when vpcId, serviceName, vpcEndpointType or region change.
//!
//! A retried create never makes two endpoints: the endpoint carries tap's marker from its
//! creation and is found by it; the client token (from the URN and the replace-on inputs) is
//! sent too, as ClientToken (AWS deduplicates with it; moto ignores it) and as the
//! `tap:client-token` tag.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, Tag, VpcEndpointType};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{adopt, from_tags, mark, update_tags, CLIENT_TOKEN_TAG};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{id_from, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::policy::{self, PolicyDocument};
use crate::resources::tags::{self, Tags};

pub struct VpcEndpoint;

/// A VPC endpoint. Subnets, security groups, route tables, the policy, private DNS and tags
/// update in place;
/// changing vpcId, serviceName or vpcEndpointType replaces it. Import with the endpoint id, or
/// `<vpce id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct VpcEndpointInputs {
    /// The VPC the endpoint belongs to.
    #[field(replace, required = "the id of the VPC, such as vpc-0123456789abcdef0")]
    pub vpc_id: String,
    /// The service, e.g. `com.amazonaws.us-east-1.execute-api`.
    #[field(replace, required = "a service such as com.amazonaws.us-east-1.execute-api")]
    pub service_name: String,
    /// `Interface`, `Gateway` or `GatewayLoadBalancer` (default `Gateway`).
    #[field(replace, default = "Gateway")]
    pub vpc_endpoint_type: String,
    /// The subnets an Interface endpoint has network interfaces in.
    #[field(default = Vec::new(), compare = set)]
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// The security groups of an Interface endpoint's network interfaces.
    #[field(default = Vec::new(), compare = set)]
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// The route tables a Gateway endpoint adds its route (the service's prefix list) to.
    #[field(default = Vec::new(), compare = set)]
    #[serde(default)]
    pub route_table_ids: Vec<String>,
    /// Whether an Interface endpoint answers for the service's public DNS name in the VPC (default false).
    #[field(default = false)]
    pub private_dns_enabled: bool,
    /// The endpoint policy (JSON); AWS's full-access default when absent.
    #[field(aws_default, compare = policy)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The endpoint as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct VpcEndpointOutputs {
    #[serde(flatten)]
    pub inputs: VpcEndpointInputs,
    /// The endpoint's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The endpoint's state, e.g. `available`.
    #[serde(default)]
    pub state: String,
    /// The network interfaces of an Interface endpoint.
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
    /// The account that owns the endpoint.
    #[serde(default)]
    pub owner_id: String,
}

const TYPES: [&str; 3] = ["Interface", "Gateway", "GatewayLoadBalancer"];

/// The idempotency token of one resource's creation: the same for a retried create, different
/// for a replacement (which changes a replace-on input).
pub fn client_token(urn: &str, inputs: &VpcEndpointInputs) -> String {
    let material =
        format!("{urn}\n{}\n{}\n{}\n{}", inputs.region, inputs.vpc_id, inputs.service_name, inputs.vpc_endpoint_type);
    let digest = ring::digest::digest(&ring::digest::SHA256, material.as_bytes());
    digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The CreateVpcEndpoint request tap sends, with tap's marker (kept separate so a unit test can
/// read it).
pub fn create_request(
    client: &aws_sdk_ec2::Client,
    inputs: &VpcEndpointInputs,
    token: &str,
    marker: &str,
) -> aws_sdk_ec2::operation::create_vpc_endpoint::builders::CreateVpcEndpointFluentBuilder {
    let interface = inputs.vpc_endpoint_type == "Interface";
    let mut tags: Vec<Tag> = inputs.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    tags.push(Tag::builder().key(CLIENT_TOKEN_TAG).value(token).build());
    tags.push(Tag::builder().key(crate::resource::MARKER_TAG).value(marker).build());
    client
        .create_vpc_endpoint()
        .vpc_id(&inputs.vpc_id)
        .service_name(&inputs.service_name)
        .vpc_endpoint_type(VpcEndpointType::from(inputs.vpc_endpoint_type.as_str()))
        .set_subnet_ids((!inputs.subnet_ids.is_empty()).then(|| inputs.subnet_ids.clone()))
        .set_security_group_ids((!inputs.security_group_ids.is_empty()).then(|| inputs.security_group_ids.clone()))
        .set_route_table_ids((!inputs.route_table_ids.is_empty()).then(|| inputs.route_table_ids.clone()))
        .set_private_dns_enabled(interface.then_some(inputs.private_dns_enabled))
        .set_policy_document(inputs.policy.as_deref().map(policy::compact))
        .client_token(token)
        .tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(ResourceType::VpcEndpoint)
                .set_tags(Some(tags))
                .build(),
        )
}

fn is_gone_state(state: &str) -> bool {
    ["deleted", "deleting", "failed", "rejected", "expired"].iter().any(|s| s.eq_ignore_ascii_case(state))
}

/// What ModifyVpcEndpoint must change to bring an endpoint from `olds` to `news`.
#[derive(Debug, Default, PartialEq)]
struct Modification {
    add_subnets: Vec<String>,
    remove_subnets: Vec<String>,
    add_groups: Vec<String>,
    remove_groups: Vec<String>,
    add_tables: Vec<String>,
    remove_tables: Vec<String>,
    policy: Option<String>,
    private_dns: Option<bool>,
}

impl Modification {
    fn between(olds: &VpcEndpointInputs, news: &VpcEndpointInputs) -> Modification {
        let diff = |old: &[String], new: &[String]| {
            let (old, new): (BTreeSet<&String>, BTreeSet<&String>) = (old.iter().collect(), new.iter().collect());
            let added: Vec<String> = new.difference(&old).map(|s| s.to_string()).collect();
            let removed: Vec<String> = old.difference(&new).map(|s| s.to_string()).collect();
            (added, removed)
        };
        let (add_subnets, remove_subnets) = diff(&olds.subnet_ids, &news.subnet_ids);
        let (add_groups, remove_groups) = diff(&olds.security_group_ids, &news.security_group_ids);
        let (add_tables, remove_tables) = diff(&olds.route_table_ids, &news.route_table_ids);
        let policy = news
            .policy
            .as_deref()
            .filter(|p| !PolicyDocument::same(Some(p), olds.policy.as_deref()))
            .map(policy::compact);
        let private_dns = (olds.private_dns_enabled != news.private_dns_enabled
            && news.vpc_endpoint_type == "Interface")
            .then_some(news.private_dns_enabled);
        Modification {
            add_subnets,
            remove_subnets,
            add_groups,
            remove_groups,
            add_tables,
            remove_tables,
            policy,
            private_dns,
        }
    }

    fn is_empty(&self) -> bool {
        *self == Modification::default()
    }
}

#[async_trait]
impl Resource for VpcEndpoint {
    const TOKEN: &'static str = "tap:ec2:VpcEndpoint";
    type Inputs = VpcEndpointInputs;
    type State = VpcEndpointOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        let region = c.string("region").known();
        if let Field::Known(service) = c.string("serviceName") {
            if let (Some(rest), Some(region)) = (service.strip_prefix("com.amazonaws."), &region) {
                let service_region = rest.split('.').next().unwrap_or_default();
                if service_region != region {
                    c.fail(
                        "serviceName",
                        format!("{service:?} is a service of {service_region}, but the endpoint is in {region}: use com.amazonaws.{region}.<service>"),
                    );
                }
            } else if service.trim().is_empty() || service.contains(char::is_whitespace) {
                c.fail("serviceName", "must be a service name such as com.amazonaws.us-east-1.execute-api");
            }
        }
        let kind = c.one_of("vpcEndpointType", &TYPES).known();
        let subnets = c.get::<Vec<String>>("subnetIds");
        let groups = c.get::<Vec<String>>("securityGroupIds");
        let tables = c.get::<Vec<String>>("routeTableIds");
        let private_dns = c.bool("privateDnsEnabled");
        if kind.as_deref() == Some("Gateway") {
            if private_dns == Field::Known(true) {
                c.fail(
                    "privateDnsEnabled",
                    "only Interface endpoints have private DNS; set vpcEndpointType to Interface",
                );
            }
            if matches!(&groups, Field::Known(g) if !g.is_empty()) {
                c.fail("securityGroupIds", "only Interface endpoints take security groups");
            }
            if matches!(&subnets, Field::Known(s) if !s.is_empty()) {
                c.fail(
                    "subnetIds",
                    "Gateway endpoints are not placed in subnets; they are routed to through route tables",
                );
            }
        } else if kind.is_some() && matches!(&tables, Field::Known(t) if !t.is_empty()) {
            c.fail("routeTableIds", "only Gateway endpoints are routed to through route tables");
        }
        policy::check(c, "policy");
        tags::check(c, "tags", 2);
    }

    /// Two endpoints with private DNS for one service cannot share a VPC: a replacement keeping
    /// them deletes the old first.
    fn replace_conflicts(&self, _name: &str, olds: &VpcEndpointOutputs, news: &VpcEndpointInputs) -> bool {
        let old = &olds.inputs;
        old.private_dns_enabled
            && news.private_dns_enabled
            && old.vpc_id == news.vpc_id
            && old.service_name == news.service_name
    }

    async fn find(
        &self,
        ctx: &Ctx,
        _inputs: &VpcEndpointInputs,
        fresh: bool,
    ) -> Result<Option<Created<VpcEndpointOutputs>>> {
        adopt(ctx, fresh, |id| async move { read_endpoint(ctx, &id).await }).await
    }

    async fn create(&self, ctx: &Ctx, inputs: &VpcEndpointInputs) -> Result<Created<VpcEndpointOutputs>> {
        let token = client_token(&ctx.urn, inputs);
        let created = create_request(&ctx.clients.ec2, inputs, &token, ctx.marker())
            .customize()
            .config_override(crate::aws::once::ec2())
            .send()
            .await
            .map_err(aws(Ec2, "CreateVpcEndpoint"))?;
        let id = id_from("CreateVpcEndpoint", created.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()))?;
        let state = VpcEndpointOutputs {
            inputs: VpcEndpointInputs {
                subnet_ids: Vec::new(),
                security_group_ids: Vec::new(),
                route_table_ids: Vec::new(),
                policy: None,
                tags: Tags::new(),
                ..inputs.clone()
            },
            arn: String::new(),
            state: String::new(),
            network_interface_ids: Vec::new(),
            owner_id: String::new(),
        };
        Ok(Created { id, state })
    }

    async fn finish(
        &self,
        ctx: &Ctx,
        id: &str,
        _inputs: &VpcEndpointInputs,
        state: &mut VpcEndpointOutputs,
    ) -> Result<()> {
        let endpoint = wait_available(ctx, id).await?;
        *state = outputs_of(ctx, id, &endpoint).ok_or_else(|| Error::Internal(format!("endpoint {id} vanished")))?;
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<VpcEndpointOutputs>,
    ) -> Result<Option<VpcEndpointOutputs>> {
        read_endpoint(ctx, id).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: VpcEndpointOutputs,
        news: VpcEndpointInputs,
    ) -> Result<VpcEndpointOutputs> {
        let m = Modification::between(&olds.inputs, &news);
        if !m.is_empty() {
            let some = |v: Vec<String>| (!v.is_empty()).then_some(v);
            ctx.clients
                .ec2
                .modify_vpc_endpoint()
                .vpc_endpoint_id(id)
                .set_add_subnet_ids(some(m.add_subnets))
                .set_remove_subnet_ids(some(m.remove_subnets))
                .set_add_security_group_ids(some(m.add_groups))
                .set_remove_security_group_ids(some(m.remove_groups))
                .set_add_route_table_ids(some(m.add_tables))
                .set_remove_route_table_ids(some(m.remove_tables))
                .set_policy_document(m.policy)
                .set_private_dns_enabled(m.private_dns)
                .send()
                .await
                .map_err(aws(Ec2, "ModifyVpcEndpoint"))?;
            wait_available(ctx, id).await?;
        }
        update_tags(&ctx.clients.ec2, id, &olds.inputs.tags, &news.tags).await?;
        still_there("endpoint", id, read_endpoint(ctx, id).await?)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &VpcEndpointOutputs) -> Result<()> {
        mark(ctx, id).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: VpcEndpointOutputs) -> Result<()> {
        let out = ctx.clients.ec2.delete_vpc_endpoints().vpc_endpoint_ids(id).send().await;
        let failure = match out.map_err(aws(Ec2, "DeleteVpcEndpoints")) {
            Err(e) if e.aws_code().is_some_and(endpoint_gone) => return Ok(()),
            Err(e) => Some(e),
            Ok(out) => out.unsuccessful().iter().find_map(|u| u.error()).and_then(|failure| {
                let code = failure.code().unwrap_or_default();
                (!endpoint_gone(code)).then(|| Error::Aws {
                    service: Ec2,
                    operation: "DeleteVpcEndpoints",
                    fault: crate::error::Fault::Refused,
                    code: code.to_string(),
                    message: format!("{code}: {}", failure.message().unwrap_or_default()),
                })
            }),
        };
        if let Some(e) = failure {
            // Refused, but deleted already (a repeated delete: moto then fails on the routes of a
            // deleted Gateway endpoint), it is done; otherwise the refusal stands.
            return match read_endpoint(ctx, id).await? {
                None => Ok(()),
                Some(_) => Err(e),
            };
        }
        // Its network interfaces hold the subnets and security group until it is gone.
        ctx.wait_for(&format!("VPC endpoint {id} to be deleted"), || async {
            Ok(read_endpoint(ctx, id).await?.is_none().then_some(()))
        })
        .await
    }
}

/// Whether a DeleteVpcEndpoints error says the endpoint itself does not exist (another missing
/// thing, such as a route, is a failure).
fn endpoint_gone(code: &str) -> bool {
    code.starts_with("InvalidVpcEndpoint") && code.ends_with("NotFound")
}

/// Waits until the endpoint is usable; returns its description.
async fn wait_available(ctx: &Ctx, id: &str) -> Result<aws_sdk_ec2::types::VpcEndpoint> {
    ctx.wait_for(&format!("VPC endpoint {id} to become available"), || async {
        let Some(endpoint) = describe_endpoint(ctx, id).await? else { return Ok(None) };
        // moto reports the state as an unmodelled string: compare without case.
        let state = endpoint.state().map(|s| s.as_str().to_string()).unwrap_or_default();
        if state.eq_ignore_ascii_case("available") || state.eq_ignore_ascii_case("pendingAcceptance") {
            Ok(Some(endpoint))
        } else if is_gone_state(&state) {
            Err(Error::Aws {
                service: Ec2,
                operation: "CreateVpcEndpoint",
                fault: crate::error::Fault::Refused,
                code: state.clone(),
                message: format!("endpoint {id} is {state}"),
            })
        } else {
            Ok(None)
        }
    })
    .await
}

async fn describe_endpoint(ctx: &Ctx, id: &str) -> Result<Option<aws_sdk_ec2::types::VpcEndpoint>> {
    let out = crate::resource::found(
        ctx.clients
            .ec2
            .describe_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send()
            .await
            .map_err(aws(Ec2, "DescribeVpcEndpoints")),
        Error::is_gone,
    )?;
    Ok(out.and_then(|o| o.vpc_endpoints().first().cloned()))
}

async fn read_endpoint(ctx: &Ctx, id: &str) -> Result<Option<VpcEndpointOutputs>> {
    Ok(describe_endpoint(ctx, id).await?.and_then(|e| outputs_of(ctx, id, &e)))
}

/// The endpoint's state; `None` when it is deleted (moto keeps deleted endpoints listed).
fn outputs_of(ctx: &Ctx, id: &str, e: &aws_sdk_ec2::types::VpcEndpoint) -> Option<VpcEndpointOutputs> {
    let state = e.state().map(|s| s.as_str().to_string()).unwrap_or_default();
    if is_gone_state(&state) {
        return None;
    }
    let owner = e.owner_id().unwrap_or_default().to_string();
    let mut subnet_ids = e.subnet_ids().to_vec();
    subnet_ids.sort();
    let mut security_group_ids: Vec<String> =
        e.groups().iter().filter_map(|g| g.group_id().map(str::to_string)).collect();
    security_group_ids.sort();
    let kind = e.vpc_endpoint_type().map(|t| t.as_str().to_string()).unwrap_or_default();
    let interface = kind == "Interface";
    let mut route_table_ids = e.route_table_ids().to_vec();
    route_table_ids.sort();
    Some(VpcEndpointOutputs {
        inputs: VpcEndpointInputs {
            vpc_id: e.vpc_id().unwrap_or_default().to_string(),
            service_name: e.service_name().unwrap_or_default().to_string(),
            vpc_endpoint_type: kind,
            subnet_ids,
            security_group_ids,
            route_table_ids,
            // Only an Interface endpoint has private DNS (moto reports true for a Gateway one).
            private_dns_enabled: interface && e.private_dns_enabled().unwrap_or(false),
            policy: e.policy_document().map(policy::compact),
            region: ctx.region().to_string(),
            tags: from_tags(e.tags()),
        },
        arn: ctx.clients.arn("ec2", &owner, &format!("vpc-endpoint/{id}")),
        state,
        network_interface_ids: e.network_interface_ids().to_vec(),
        owner_id: owner,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use crate::value::PropertyMap;
    use crate::value::Value;

    fn inputs() -> VpcEndpointInputs {
        VpcEndpointInputs {
            vpc_id: "vpc-1".into(),
            service_name: "com.amazonaws.us-east-1.execute-api".into(),
            vpc_endpoint_type: "Interface".into(),
            subnet_ids: vec!["subnet-1".into()],
            security_group_ids: vec!["sg-1".into()],
            route_table_ids: Vec::new(),
            private_dns_enabled: false,
            policy: Some(r#"{"Version": "2012-10-17", "Statement": []}"#.into()),
            region: "us-east-1".into(),
            tags: [("Name".to_string(), "e".to_string())].into_iter().collect(),
        }
    }

    #[test]
    fn client_token_is_stable_for_a_retry_and_new_for_a_replacement() {
        let a = client_token("urn:x", &inputs());
        assert_eq!(a, client_token("urn:x", &inputs()));
        assert_eq!(a.len(), 32);
        let mut other = inputs();
        other.vpc_id = "vpc-2".into();
        assert_ne!(a, client_token("urn:x", &other));
        assert_ne!(a, client_token("urn:y", &inputs()));
    }

    #[test]
    fn create_request_carries_the_token_tags_and_private_dns_false_moto_ignores() {
        let config = aws_sdk_ec2::Config::builder()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .region(aws_sdk_ec2::config::Region::new("us-east-1"))
            .build();
        let client = aws_sdk_ec2::Client::from_conf(config);
        let request = create_request(&client, &inputs(), "tok", "marker");
        let input = request.as_input();
        assert_eq!(input.get_client_token().as_deref(), Some("tok"));
        assert_eq!(input.get_private_dns_enabled(), &Some(false), "PrivateDnsEnabled=false is sent explicitly");
        assert_eq!(input.get_policy_document().as_deref(), Some(r#"{"Statement":[],"Version":"2012-10-17"}"#));
        let tags = input.get_tag_specifications().as_ref().expect("tags")[0].tags();
        assert!(tags.iter().any(|t| t.key() == Some(CLIENT_TOKEN_TAG) && t.value() == Some("tok")));
        assert!(tags.iter().any(|t| t.key() == Some("Name")));
        assert!(tags.iter().any(|t| t.key() == Some(crate::resource::MARKER_TAG) && t.value() == Some("marker")));
    }

    #[test]
    fn check_rejects_a_service_of_another_region_and_gateway_only_mistakes() {
        let check = |pairs: Vec<(&str, Value)>| {
            let news: PropertyMap = pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            DynResource::check(&VpcEndpoint, &PropertyMap::new(), news, "e", &[], Some("us-east-1")).1
        };
        let f = check(vec![("vpcId", Value::str("vpc-1")), ("serviceName", Value::str("com.amazonaws.eu-west-1.s3"))]);
        assert_eq!(f[0].property, "serviceName");
        let f = check(vec![
            ("vpcId", Value::str("vpc-1")),
            ("serviceName", Value::str("com.amazonaws.us-east-1.s3")),
            ("privateDnsEnabled", Value::Bool(true)),
        ]);
        assert_eq!(f[0].property, "privateDnsEnabled");
        let f = check(vec![
            ("vpcId", Value::str("vpc-1")),
            ("serviceName", Value::str("com.amazonaws.us-east-1.execute-api")),
            ("vpcEndpointType", Value::str("Interface")),
            ("policy", Value::str("{not json")),
        ]);
        assert_eq!(f[0].property, "policy");
        let f = check(vec![
            ("vpcId", Value::str("vpc-1")),
            ("serviceName", Value::str("com.amazonaws.us-east-1.execute-api")),
            ("vpcEndpointType", Value::str("Interface")),
            ("routeTableIds", Value::Array(vec![Value::str("rtb-1")])),
        ]);
        assert_eq!(f[0].property, "routeTableIds");
    }

    #[test]
    fn only_the_endpoint_missing_is_a_deleted_endpoint() {
        assert!(endpoint_gone("InvalidVpcEndpointId.NotFound"));
        assert!(endpoint_gone("InvalidVpcEndpoint.NotFound"));
        assert!(!endpoint_gone("InvalidRoute.NotFound"));
        assert!(!endpoint_gone("InvalidRouteTableID.NotFound"));
    }

    /// The ModifyVpcEndpoint request for a Gateway endpoint moved between route tables (moto
    /// updates the list but not the routes, so the lifecycle cannot move one: see
    /// `vpc_gateway_endpoint` in the integration tests).
    #[test]
    fn route_tables_change_by_difference() {
        let (mut olds, mut news) = (inputs(), inputs());
        olds.route_table_ids = vec!["rtb-1".into(), "rtb-2".into()];
        news.route_table_ids = vec!["rtb-3".into(), "rtb-2".into()];
        let m = Modification::between(&olds, &news);
        assert_eq!((m.add_tables, m.remove_tables), (vec!["rtb-3".to_string()], vec!["rtb-1".to_string()]));
    }
}
