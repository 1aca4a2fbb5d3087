//! `tap:ec2:Vpc`: an Amazon VPC.
//!
//! AWS APIs: CreateVpc (tags at creation), DescribeVpcs (wait until `available`, read),
//! DescribeVpcAttribute / ModifyVpcAttribute (DNS), DescribeSecurityGroups, DescribeRouteTables and
//! DescribeNetworkAcls (the default group, main route table and default network ACL), CreateTags / DeleteTags, DeleteVpc.
//! Id: the VPC id (`vpc-…`). Replaced when cidrBlock, instanceTenancy or region change.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Tenancy, VpcAttributeName, VpcState};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{adopt, filter, from_tags, mark, tag_spec, update_tags};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{deleted, id_from, still_there, Checker, Created, Ctx, Resource};
use crate::resources::tags::{self, Tags};

pub struct Vpc;

/// An Amazon VPC. Changing cidrBlock or instanceTenancy replaces it; DNS attributes and tags
/// update in place. Import with the VPC id, or `<vpc id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct VpcInputs {
    /// The IPv4 block, /16 to /28, e.g. `10.0.0.0/16`.
    #[field(replace, required = "an IPv4 block from /16 to /28, such as 10.0.0.0/16")]
    pub cidr_block: String,
    /// Whether the Amazon DNS server resolves in the VPC (default true).
    #[field(default = true)]
    pub enable_dns_support: bool,
    /// Whether instances get public DNS hostnames (default false).
    #[field(default = false)]
    pub enable_dns_hostnames: bool,
    /// `default` or `dedicated` (default `default`).
    #[field(replace, default = "default")]
    pub instance_tenancy: String,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The VPC as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct VpcOutputs {
    #[serde(flatten)]
    pub inputs: VpcInputs,
    /// The VPC's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The id of the security group AWS created with the VPC.
    #[serde(default)]
    pub default_security_group_id: String,
    /// The id of the VPC's main route table.
    #[serde(default)]
    pub main_route_table_id: String,
    /// The id of the network ACL AWS created with the VPC.
    #[serde(default)]
    pub default_network_acl_id: String,
}

#[async_trait]
impl Resource for Vpc {
    const TOKEN: &'static str = "tap:ec2:Vpc";
    type Inputs = VpcInputs;
    type State = VpcOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        c.cidr("cidrBlock", 16, 28);
        c.one_of("instanceTenancy", &["default", "dedicated"]);
        tags::check(c, "tags", 1);
    }

    async fn find(&self, ctx: &Ctx, _inputs: &VpcInputs, fresh: bool) -> Result<Option<Created<VpcOutputs>>> {
        adopt(ctx, fresh, |id| async move { read_vpc(ctx, &id, None).await }).await
    }

    async fn create(&self, ctx: &Ctx, inputs: &VpcInputs) -> Result<Created<VpcOutputs>> {
        let created = ctx
            .clients
            .ec2
            .create_vpc()
            .cidr_block(&inputs.cidr_block)
            .instance_tenancy(Tenancy::from(inputs.instance_tenancy.as_str()))
            .set_tag_specifications(tag_spec(ctx, ResourceType::Vpc, &inputs.tags))
            .customize()
            .config_override(crate::aws::once::ec2())
            .send()
            .await
            .map_err(aws(Ec2, "CreateVpc"))?;
        let id = id_from("CreateVpc", created.vpc().and_then(|v| v.vpc_id()))?;
        // What exists now: AWS's DNS defaults (support on, hostnames off).
        let state = VpcOutputs {
            inputs: VpcInputs { enable_dns_support: true, enable_dns_hostnames: false, ..inputs.clone() },
            arn: String::new(),
            default_security_group_id: String::new(),
            main_route_table_id: String::new(),
            default_network_acl_id: String::new(),
        };
        Ok(Created { id, state })
    }

    async fn finish(&self, ctx: &Ctx, id: &str, inputs: &VpcInputs, state: &mut VpcOutputs) -> Result<()> {
        let vpc = ctx
            .wait_for(&format!("VPC {id} to become available"), || async {
                Ok(describe_vpc(ctx, id).await?.filter(|v| v.state() == Some(&VpcState::Available)))
            })
            .await?;
        // AWS's defaults are DNS support on, hostnames off: change only what differs (support
        // first: hostnames need it), while the VPC's default group, table and ACL are read. The
        // attributes are then what was set: no read-back.
        let attributes = async {
            if !inputs.enable_dns_support {
                set_attribute(ctx, id, VpcAttributeName::EnableDnsSupport, false).await?;
            }
            if inputs.enable_dns_hostnames {
                set_attribute(ctx, id, VpcAttributeName::EnableDnsHostnames, true).await?;
            }
            Ok(())
        };
        let dns = Some((inputs.enable_dns_support, inputs.enable_dns_hostnames));
        let ((), outputs) = tokio::try_join!(attributes, outputs_of(ctx, id, &vpc, None, dns))?;
        *state = outputs;
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: Option<VpcOutputs>) -> Result<Option<VpcOutputs>> {
        read_vpc(ctx, id, prior.as_ref()).await
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: VpcOutputs, news: VpcInputs) -> Result<VpcOutputs> {
        if olds.inputs.enable_dns_support != news.enable_dns_support {
            set_attribute(ctx, id, VpcAttributeName::EnableDnsSupport, news.enable_dns_support).await?;
        }
        if olds.inputs.enable_dns_hostnames != news.enable_dns_hostnames {
            set_attribute(ctx, id, VpcAttributeName::EnableDnsHostnames, news.enable_dns_hostnames).await?;
        }
        update_tags(&ctx.clients.ec2, id, &olds.inputs.tags, &news.tags).await?;
        still_there("VPC", id, read_vpc(ctx, id, Some(&olds)).await?)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &VpcOutputs) -> Result<()> {
        mark(ctx, id).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: VpcOutputs) -> Result<()> {
        let ec2 = &ctx.clients.ec2;
        let result = ctx
            .retry_while(&format!("deleting VPC {id} (something in it still exists)"), Error::is_in_use, || async {
                ec2.delete_vpc().vpc_id(id).send().await.map_err(aws(Ec2, "DeleteVpc"))
            })
            .await;
        deleted(result, Error::is_gone)
    }
}

async fn set_attribute(ctx: &Ctx, id: &str, attribute: VpcAttributeName, value: bool) -> Result<()> {
    let v = AttributeBooleanValue::builder().value(value).build();
    let request = ctx.clients.ec2.modify_vpc_attribute().vpc_id(id);
    let request = match attribute {
        VpcAttributeName::EnableDnsSupport => request.enable_dns_support(v),
        _ => request.enable_dns_hostnames(v),
    };
    request.send().await.map_err(aws(Ec2, "ModifyVpcAttribute"))?;
    Ok(())
}

async fn dns_attribute(ctx: &Ctx, id: &str, attribute: VpcAttributeName) -> Result<bool> {
    let out = ctx
        .clients
        .ec2
        .describe_vpc_attribute()
        .vpc_id(id)
        .attribute(attribute.clone())
        .send()
        .await
        .map_err(aws(Ec2, "DescribeVpcAttribute"))?;
    let value = match attribute {
        VpcAttributeName::EnableDnsSupport => out.enable_dns_support(),
        _ => out.enable_dns_hostnames(),
    };
    Ok(value.and_then(|v| v.value()).unwrap_or(false))
}

async fn describe_vpc(ctx: &Ctx, id: &str) -> Result<Option<aws_sdk_ec2::types::Vpc>> {
    let found = crate::resource::found(
        ctx.clients.ec2.describe_vpcs().vpc_ids(id).send().await.map_err(aws(Ec2, "DescribeVpcs")),
        Error::is_gone,
    )?;
    Ok(found.and_then(|out| out.vpcs().first().cloned()))
}

async fn read_vpc(ctx: &Ctx, id: &str, known: Option<&VpcOutputs>) -> Result<Option<VpcOutputs>> {
    match describe_vpc(ctx, id).await? {
        Some(vpc) => Ok(Some(outputs_of(ctx, id, &vpc, known, None).await?)),
        None => Ok(None),
    }
}

/// The VPC's state from its description, its DNS attributes and (unless `known` has them: they
/// never change) its default security group and main route table, read together.
/// The VPC's outputs from its description; `known`: ids read before (they never change);
/// `dns`: the DNS attributes (support, hostnames) when just set, else they are read.
async fn outputs_of(
    ctx: &Ctx,
    id: &str,
    vpc: &aws_sdk_ec2::types::Vpc,
    known: Option<&VpcOutputs>,
    dns: Option<(bool, bool)>,
) -> Result<VpcOutputs> {
    let ec2 = &ctx.clients.ec2;
    let known_group = known.map(|k| k.default_security_group_id.clone()).filter(|s| !s.is_empty());
    let known_table = known.map(|k| k.main_route_table_id.clone()).filter(|s| !s.is_empty());
    let known_acl = known.map(|k| k.default_network_acl_id.clone()).filter(|s| !s.is_empty());
    let (dns_support, dns_hostnames, default_security_group_id, main_route_table_id, default_network_acl_id) = tokio::try_join!(
        async {
            match dns {
                Some((support, _)) => Ok(support),
                None => dns_attribute(ctx, id, VpcAttributeName::EnableDnsSupport).await,
            }
        },
        async {
            match dns {
                Some((_, hostnames)) => Ok(hostnames),
                None => dns_attribute(ctx, id, VpcAttributeName::EnableDnsHostnames).await,
            }
        },
        async {
            if let Some(known) = known_group {
                return Ok(known);
            }
            let out = ec2
                .describe_security_groups()
                .filters(filter("vpc-id", id))
                .filters(filter("group-name", "default"))
                .send()
                .await
                .map_err(aws(Ec2, "DescribeSecurityGroups"))?;
            Ok::<_, Error>(out.security_groups().first().and_then(|g| g.group_id()).unwrap_or_default().to_string())
        },
        async {
            if let Some(known) = known_table {
                return Ok(known);
            }
            let out = ec2
                .describe_route_tables()
                .filters(filter("vpc-id", id))
                .filters(filter("association.main", "true"))
                .send()
                .await
                .map_err(aws(Ec2, "DescribeRouteTables"))?;
            Ok(out.route_tables().first().and_then(|t| t.route_table_id()).unwrap_or_default().to_string())
        },
        async {
            if let Some(known) = known_acl {
                return Ok(known);
            }
            let out = ec2
                .describe_network_acls()
                .filters(filter("vpc-id", id))
                .filters(filter("default", "true"))
                .send()
                .await
                .map_err(aws(Ec2, "DescribeNetworkAcls"))?;
            Ok(out.network_acls().first().and_then(|a| a.network_acl_id()).unwrap_or_default().to_string())
        },
    )?;
    let account = vpc.owner_id().unwrap_or_default();
    Ok(VpcOutputs {
        inputs: VpcInputs {
            cidr_block: vpc.cidr_block().unwrap_or_default().to_string(),
            enable_dns_support: dns_support,
            enable_dns_hostnames: dns_hostnames,
            instance_tenancy: vpc
                .instance_tenancy()
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| "default".into()),
            region: ctx.region().to_string(),
            tags: from_tags(vpc.tags()),
        },
        arn: ctx.clients.arn("ec2", account, &format!("vpc/{id}")),
        default_security_group_id,
        main_route_table_id,
        default_network_acl_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use crate::value::{PropertyMap, Value};

    const URN: &str = "urn:pulumi:test::tap-tests::tap:ec2:Vpc::v";

    /// Inputs as checked, as a state that carries this URN's marker.
    fn marked(inputs: PropertyMap) -> PropertyMap {
        Vpc.marked(inputs, &crate::resource::marker_of("", URN))
    }

    fn check(news: &[(&str, Value)]) -> (PropertyMap, Vec<crate::resource::Failure>) {
        let news = news.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        DynResource::check(&Vpc, &PropertyMap::new(), news, "v", &[], Some("us-east-1"))
    }

    #[test]
    fn check_fills_defaults() {
        let (inputs, failures) = check(&[("cidrBlock", Value::str("10.0.0.0/16"))]);
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(inputs["enableDnsSupport"], Value::Bool(true));
        assert_eq!(inputs["enableDnsHostnames"], Value::Bool(false));
        assert_eq!(inputs["instanceTenancy"], Value::str("default"));
        assert_eq!(inputs["region"], Value::str("us-east-1"));
        assert_eq!(inputs["tags"], Value::Object(PropertyMap::new()));
    }

    #[test]
    fn check_rejects_bad_inputs_naming_the_property() {
        for (key, value) in [
            ("cidrBlock", Value::str("10.0.0.0/8")),
            ("cidrBlock", Value::str("banana")),
            ("enableDnsSupport", Value::str("yes")),
            ("instanceTenancy", Value::str("host")),
            ("region", Value::str("us-nowhere-1")),
            ("tags", Value::str("x")),
        ] {
            let mut news = vec![("cidrBlock", Value::str("10.0.0.0/16"))];
            news.retain(|(k, _)| *k != key);
            news.push((key, value.clone()));
            let (_, failures) = check(&news);
            assert!(failures.iter().any(|f| f.property == key), "{key}={value:?}: {failures:?}");
        }
        let (_, failures) = check(&[]);
        assert_eq!(failures[0].property, "cidrBlock");
        assert!(failures[0].reason.contains("required"));
    }

    #[test]
    fn check_accepts_unknowns_in_preview() {
        let (_, failures) = check(&[("cidrBlock", Value::Unknown(crate::value::Unknown::Any))]);
        assert!(failures.is_empty(), "{failures:?}");
    }

    /// Diff as the engine asks it for this URN (no old inputs).
    fn diff(olds: &PropertyMap, news: &PropertyMap, ignore: &[String]) -> crate::resource::DiffOutcome {
        DynResource::diff(&Vpc, &crate::resource::marker_of("", URN), "v", olds, &PropertyMap::new(), news, ignore)
    }

    #[test]
    fn diff_replaces_on_cidr_and_updates_dns_in_place() {
        let olds = marked(check(&[("cidrBlock", Value::str("10.0.0.0/16"))]).0);
        let mut news = olds.clone();
        news.insert("enableDnsHostnames".into(), Value::Bool(true));
        let d = diff(&olds, &news, &[]);
        assert_eq!(d.changes.len(), 1);
        assert!(d.replaces().is_empty());
        news.insert("cidrBlock".into(), Value::str("10.1.0.0/16"));
        assert_eq!(diff(&olds, &news, &[]).replaces(), vec!["cidrBlock".to_string()]);
        assert!(diff(&olds, &olds, &[]).changes.is_empty());
    }

    #[test]
    fn diff_ignores_nested_paths() {
        let mut olds = marked(check(&[("cidrBlock", Value::str("10.0.0.0/16"))]).0);
        olds.insert("tags".into(), Value::Object([("Team".to_string(), Value::str("a"))].into_iter().collect()));
        let mut news = olds.clone();
        news.insert(
            "tags".into(),
            Value::Object(
                [("Team".to_string(), Value::str("b")), ("Owner".to_string(), Value::str("me"))].into_iter().collect(),
            ),
        );
        assert_eq!(diff(&olds, &news, &["tags.Team".into()]).changes.len(), 1, "Owner is new");
        let ignored = ["tags.Team".to_string(), r#"tags["Owner"]"#.to_string()];
        assert!(diff(&olds, &news, &ignored).changes.is_empty());
    }

    #[test]
    fn state_without_a_marker_is_brought_up_to_date_in_place() {
        let inputs = check(&[("cidrBlock", Value::str("10.0.0.0/16"))]).0;
        let d = diff(&inputs, &inputs, &[]);
        assert_eq!(d.changes.keys().collect::<Vec<_>>(), ["tags"], "state from tap 0.1.0 gets its marker");
        assert!(d.replaces().is_empty());
        let imported = Vpc.marked(inputs.clone(), "");
        assert!(diff(&imported, &inputs, &[]).changes.is_empty(), "an import diffs clean");
        let renamed = Vpc.marked(inputs.clone(), &crate::resource::marker_of("", "urn:other"));
        assert!(diff(&renamed, &inputs, &[]).changes.contains_key("tags"));
    }
}
