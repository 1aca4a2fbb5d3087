//! `tap:ec2:VpcEndpoint`: a VPC endpoint (Interface, Gateway or GatewayLoadBalancer).
//!
//! AWS APIs: DescribeVpcEndpoints (the client-token lookup before creating, the wait until
//! `available`, read), CreateVpcEndpoint (ClientToken and tags at creation), ModifyVpcEndpoint
//! (subnets, security groups, policy and private DNS in place), CreateTags / DeleteTags,
//! DeleteVpcEndpoints (then a wait until it is gone). Id: the endpoint id (`vpce-…`). Replaced
//! when vpcId, serviceName, vpcEndpointType or region change.
//!
//! A retried create never makes two endpoints: the client token is derived from the resource's
//! URN and its replace-on inputs, sent as ClientToken and as the `tap:client-token` tag, and an
//! endpoint with that tag is adopted instead of creating another (moto ignores ClientToken).

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, Tag, VpcEndpointType};
use serde::{Deserialize, Serialize};

use super::{filter, from_tags, is_not_found, update_tags, Tags, CLIENT_TOKEN_TAG};
use crate::error::{aws, Error, Result};
use crate::resource::{Checker, Ctx, Field, Resource};
use crate::resources::policy;
use crate::value::Value;

pub struct VpcEndpoint;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcEndpointInputs {
    pub vpc_id: String,
    /// e.g. `com.amazonaws.us-east-1.execute-api`.
    pub service_name: String,
    pub vpc_endpoint_type: String,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    pub private_dns_enabled: bool,
    /// A JSON policy document; AWS's full-access default when absent.
    #[serde(default)]
    pub policy: Option<String>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcEndpointOutputs {
    pub vpc_id: String,
    pub service_name: String,
    pub vpc_endpoint_type: String,
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    pub private_dns_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
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

/// The CreateVpcEndpoint request tap sends (kept separate so a unit test can read it).
pub fn create_request(
    client: &aws_sdk_ec2::Client,
    inputs: &VpcEndpointInputs,
    token: &str,
) -> aws_sdk_ec2::operation::create_vpc_endpoint::builders::CreateVpcEndpointFluentBuilder {
    let interface = inputs.vpc_endpoint_type == "Interface";
    let mut tags: Vec<Tag> = inputs.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    tags.push(Tag::builder().key(CLIENT_TOKEN_TAG).value(token).build());
    client
        .create_vpc_endpoint()
        .vpc_id(&inputs.vpc_id)
        .service_name(&inputs.service_name)
        .vpc_endpoint_type(VpcEndpointType::from(inputs.vpc_endpoint_type.as_str()))
        .set_subnet_ids((!inputs.subnet_ids.is_empty()).then(|| inputs.subnet_ids.clone()))
        .set_security_group_ids((!inputs.security_group_ids.is_empty()).then(|| inputs.security_group_ids.clone()))
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

#[async_trait]
impl Resource for VpcEndpoint {
    const TOKEN: &'static str = "tap:ec2:VpcEndpoint";
    const REPLACE_ON: &'static [&'static str] = &["vpcId", "serviceName", "vpcEndpointType"];
    const AWS_DEFAULTS: &'static [&'static str] = &["policy"];
    type Inputs = VpcEndpointInputs;
    type Outputs = VpcEndpointOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        c.required_string("vpcId", "the id of the VPC, such as vpc-0123456789abcdef0");
        let region = c.string("region").known();
        if let Field::Known(service) =
            c.required_string("serviceName", "a service such as com.amazonaws.us-east-1.execute-api")
        {
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
        let kind = c.one_of("vpcEndpointType", &TYPES, Some("Gateway")).known();
        let subnets = c.string_list("subnetIds");
        let groups = c.string_list("securityGroupIds");
        c.default("privateDnsEnabled", Value::Bool(false));
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
        }
        policy::check(c, "policy", false);
        c.tags();
    }

    fn normalize(&self, key: &str, value: serde_json::Value) -> serde_json::Value {
        match (key, value) {
            ("policy", v) => policy::normalize(v),
            ("subnetIds" | "securityGroupIds", serde_json::Value::Array(mut ids)) => {
                ids.sort_by_key(|v| v.to_string());
                serde_json::Value::Array(ids)
            }
            (_, v) => v,
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: VpcEndpointInputs) -> Result<(String, VpcEndpointOutputs)> {
        let ec2 = &ctx.clients.ec2;
        let token = client_token(&ctx.urn, &inputs);
        // An earlier attempt may have created it already: adopt that one.
        let existing = ec2
            .describe_vpc_endpoints()
            .filters(filter(&format!("tag:{CLIENT_TOKEN_TAG}"), &token))
            .send()
            .await
            .map_err(aws("DescribeVpcEndpoints"))?;
        let adopted = existing
            .vpc_endpoints()
            .iter()
            .find(|e| !e.state().is_some_and(|s| is_gone_state(s.as_str())))
            .and_then(|e| e.vpc_endpoint_id())
            .map(str::to_string);
        let id = match &adopted {
            Some(id) => {
                ctx.progress(format!("adopting VPC endpoint {id} from an earlier attempt"));
                id.clone()
            }
            None => {
                let created = create_request(ec2, &inputs, &token).send().await.map_err(aws("CreateVpcEndpoint"))?;
                created.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()).unwrap_or_default().to_string()
            }
        };
        ctx.record_created(
            &id,
            &serde_json::json!({
                "vpcId": inputs.vpc_id, "serviceName": inputs.service_name,
                "vpcEndpointType": inputs.vpc_endpoint_type, "region": inputs.region,
                "privateDnsEnabled": inputs.private_dns_enabled,
            }),
        );
        let endpoint = wait_available(ctx, &id).await?;
        let current =
            outputs_of(ctx, &id, &endpoint).ok_or_else(|| Error::Internal(format!("endpoint {id} vanished")))?;
        let outputs = match adopted {
            // What an earlier attempt made may differ from the inputs now.
            Some(_) => self.update(ctx, &id, current, inputs).await?,
            None => current,
        };
        Ok((id, outputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<VpcEndpointOutputs>> {
        read_endpoint(ctx, id).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: VpcEndpointOutputs,
        news: VpcEndpointInputs,
    ) -> Result<VpcEndpointOutputs> {
        let diff = |old: &[String], new: &[String]| {
            let (old, new): (BTreeSet<&String>, BTreeSet<&String>) = (old.iter().collect(), new.iter().collect());
            let added: Vec<String> = new.difference(&old).map(|s| s.to_string()).collect();
            let removed: Vec<String> = old.difference(&new).map(|s| s.to_string()).collect();
            (added, removed)
        };
        let (add_subnets, remove_subnets) = diff(&olds.subnet_ids, &news.subnet_ids);
        let (add_groups, remove_groups) = diff(&olds.security_group_ids, &news.security_group_ids);
        let new_policy = news.policy.as_deref().filter(|p| {
            policy::normalize(serde_json::Value::String(p.to_string()))
                != policy::normalize(serde_json::Value::String(olds.policy.clone().unwrap_or_default()))
        });
        let dns = (olds.private_dns_enabled != news.private_dns_enabled && news.vpc_endpoint_type == "Interface")
            .then_some(news.private_dns_enabled);
        let changed = !add_subnets.is_empty()
            || !remove_subnets.is_empty()
            || !add_groups.is_empty()
            || !remove_groups.is_empty()
            || new_policy.is_some()
            || dns.is_some();
        if changed {
            ctx.clients
                .ec2
                .modify_vpc_endpoint()
                .vpc_endpoint_id(id)
                .set_add_subnet_ids((!add_subnets.is_empty()).then_some(add_subnets))
                .set_remove_subnet_ids((!remove_subnets.is_empty()).then_some(remove_subnets))
                .set_add_security_group_ids((!add_groups.is_empty()).then_some(add_groups))
                .set_remove_security_group_ids((!remove_groups.is_empty()).then_some(remove_groups))
                .set_policy_document(new_policy.map(policy::compact))
                .set_private_dns_enabled(dns)
                .send()
                .await
                .map_err(aws("ModifyVpcEndpoint"))?;
            wait_available(ctx, id).await?;
        }
        update_tags(&ctx.clients.ec2, id, &olds.tags, &news.tags).await?;
        read_endpoint(ctx, id)
            .await?
            .ok_or_else(|| Error::Internal(format!("endpoint {id} vanished during the update")))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: VpcEndpointOutputs) -> Result<()> {
        let out = match ctx
            .clients
            .ec2
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send()
            .await
            .map_err(aws("DeleteVpcEndpoints"))
        {
            Ok(out) => out,
            Err(e) if is_not_found(&e) => return Ok(()),
            Err(e) => return Err(e),
        };
        if let Some(failure) = out.unsuccessful().iter().find_map(|u| u.error()) {
            let code = failure.code().unwrap_or_default();
            if !code.ends_with("NotFound") {
                return Err(Error::Aws {
                    operation: "DeleteVpcEndpoints",
                    code: code.to_string(),
                    message: format!("{code}: {}", failure.message().unwrap_or_default()),
                });
            }
        }
        // Its network interfaces hold the subnets and security group until it is gone.
        ctx.wait_for(&format!("VPC endpoint {id} to be deleted"), || async {
            Ok(read_endpoint(ctx, id).await?.is_none().then_some(()))
        })
        .await
    }
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
                operation: "CreateVpcEndpoint",
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
    match ctx
        .clients
        .ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await
        .map_err(aws("DescribeVpcEndpoints"))
    {
        Ok(out) => Ok(out.vpc_endpoints().first().cloned()),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn read_endpoint(ctx: &Ctx, id: &str) -> Result<Option<VpcEndpointOutputs>> {
    Ok(describe_endpoint(ctx, id).await?.and_then(|e| outputs_of(ctx, id, &e)))
}

/// The endpoint's outputs; `None` when it is deleted (moto keeps deleted endpoints listed).
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
    Some(VpcEndpointOutputs {
        vpc_id: e.vpc_id().unwrap_or_default().to_string(),
        service_name: e.service_name().unwrap_or_default().to_string(),
        vpc_endpoint_type: e.vpc_endpoint_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
        subnet_ids,
        security_group_ids,
        private_dns_enabled: e.private_dns_enabled().unwrap_or(false),
        policy: e.policy_document().map(policy::compact),
        region: ctx.region().to_string(),
        tags: from_tags(e.tags()),
        arn: format!("arn:aws:ec2:{}:{owner}:vpc-endpoint/{id}", ctx.region()),
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

    fn inputs() -> VpcEndpointInputs {
        VpcEndpointInputs {
            vpc_id: "vpc-1".into(),
            service_name: "com.amazonaws.us-east-1.execute-api".into(),
            vpc_endpoint_type: "Interface".into(),
            subnet_ids: vec!["subnet-1".into()],
            security_group_ids: vec!["sg-1".into()],
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
        let request = create_request(&client, &inputs(), "tok");
        let input = request.as_input();
        assert_eq!(input.get_client_token().as_deref(), Some("tok"));
        assert_eq!(input.get_private_dns_enabled(), &Some(false), "PrivateDnsEnabled=false is sent explicitly");
        assert_eq!(input.get_policy_document().as_deref(), Some(r#"{"Statement":[],"Version":"2012-10-17"}"#));
        let tags = input.get_tag_specifications().as_ref().expect("tags")[0].tags();
        assert!(tags.iter().any(|t| t.key() == Some(CLIENT_TOKEN_TAG) && t.value() == Some("tok")));
        assert!(tags.iter().any(|t| t.key() == Some("Name")));
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
    }
}
