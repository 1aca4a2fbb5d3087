//! `tap:ec2:Subnet`: a subnet of a VPC in one availability zone.
//!
//! AWS APIs: CreateSubnet (tags at creation), DescribeSubnets (wait until `available`, read),
//! ModifySubnetAttribute (mapPublicIpOnLaunch), CreateTags / DeleteTags, DeleteSubnet.
//! Id: the subnet id (`subnet-…`). Replaced when vpcId, cidrBlock, availabilityZone or region
//! change. AWS checks that the block lies inside the VPC's.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, SubnetState};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{adopt, from_tags, mark, tag_spec, update_tags};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{deleted, found, id_from, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::tags::{self, Tags};

pub struct Subnet;

/// A subnet of a VPC in one availability zone. Changing vpcId, cidrBlock or availabilityZone
/// replaces it; mapPublicIpOnLaunch and tags update in place. Import with the subnet id, or
/// `<subnet id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct SubnetInputs {
    /// The VPC the subnet belongs to.
    #[field(replace, required = "the id of the VPC, such as vpc-0123456789abcdef0")]
    pub vpc_id: String,
    /// The IPv4 block, /16 to /28, inside the VPC's.
    #[field(replace, required = "an IPv4 block from /16 to /28, such as 10.0.1.0/24")]
    pub cidr_block: String,
    /// The zone, e.g. `us-east-1a`; AWS picks one when absent.
    #[field(replace, aws_default)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    /// Whether instances launched in the subnet get a public IPv4 address (default false).
    #[field(default = false)]
    pub map_public_ip_on_launch: bool,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The subnet as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct SubnetOutputs {
    #[serde(flatten)]
    pub inputs: SubnetInputs,
    /// The subnet's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The zone's id (the same physical zone in every account), e.g. `use1-az1`.
    #[field(from = "availabilityZone, region")]
    #[serde(default)]
    pub availability_zone_id: String,
}

/// Whether `zone` names an availability zone (or local zone) of `region`.
pub fn zone_in_region(zone: &str, region: &str) -> bool {
    match zone.strip_prefix(region) {
        Some(rest) => {
            (rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase()))
                || (rest.starts_with('-')
                    && rest.len() > 2
                    && rest.chars().last().is_some_and(|c| c.is_ascii_lowercase()))
        }
        None => false,
    }
}

#[async_trait]
impl Resource for Subnet {
    const TOKEN: &'static str = "tap:ec2:Subnet";
    type Inputs = SubnetInputs;
    type State = SubnetOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        c.cidr("cidrBlock", 16, 28);
        if let (Field::Known(zone), Field::Known(region)) = (c.string("availabilityZone"), c.string("region")) {
            if !zone_in_region(&zone, &region) {
                c.fail("availabilityZone", format!("{zone:?} is not a zone of {region}: use one such as {region}a"));
            }
        }
        tags::check(c, "tags", 1);
    }

    /// Two subnets cannot hold the same block: a replacement keeping it deletes the old first.
    fn replace_conflicts(&self, _name: &str, olds: &SubnetOutputs, news: &SubnetInputs) -> bool {
        olds.inputs.vpc_id == news.vpc_id && olds.inputs.cidr_block == news.cidr_block
    }

    async fn find(&self, ctx: &Ctx, _inputs: &SubnetInputs, fresh: bool) -> Result<Option<Created<SubnetOutputs>>> {
        adopt(ctx, fresh, |id| async move { read_subnet(ctx, &id).await }).await
    }

    async fn create(&self, ctx: &Ctx, inputs: &SubnetInputs) -> Result<Created<SubnetOutputs>> {
        let created = ctx
            .clients
            .ec2
            .create_subnet()
            .vpc_id(&inputs.vpc_id)
            .cidr_block(&inputs.cidr_block)
            .set_availability_zone(inputs.availability_zone.clone())
            .set_tag_specifications(tag_spec(ctx, ResourceType::Subnet, &inputs.tags))
            .customize()
            .config_override(crate::aws::once::ec2())
            .send()
            .await
            .map_err(aws(Ec2, "CreateSubnet"))?;
        let subnet = created.subnet();
        let id = id_from("CreateSubnet", subnet.and_then(|s| s.subnet_id()))?;
        let state = SubnetOutputs {
            inputs: SubnetInputs {
                availability_zone: subnet.and_then(|s| s.availability_zone()).map(str::to_string),
                map_public_ip_on_launch: false,
                ..inputs.clone()
            },
            arn: subnet.and_then(|s| s.subnet_arn()).unwrap_or_default().to_string(),
            availability_zone_id: String::new(),
        };
        Ok(Created { id, state })
    }

    async fn finish(&self, ctx: &Ctx, id: &str, inputs: &SubnetInputs, state: &mut SubnetOutputs) -> Result<()> {
        let subnet = ctx
            .wait_for(&format!("subnet {id} to become available"), || async {
                Ok(describe_subnet(ctx, id).await?.filter(|s| s.state() == Some(&SubnetState::Available)))
            })
            .await?;
        *state = outputs_of(ctx, id, &subnet);
        if inputs.map_public_ip_on_launch {
            set_map_public_ip(ctx, id, true).await?;
            state.inputs.map_public_ip_on_launch = true;
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<SubnetOutputs>) -> Result<Option<SubnetOutputs>> {
        read_subnet(ctx, id).await
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: SubnetOutputs, news: SubnetInputs) -> Result<SubnetOutputs> {
        if olds.inputs.map_public_ip_on_launch != news.map_public_ip_on_launch {
            set_map_public_ip(ctx, id, news.map_public_ip_on_launch).await?;
        }
        update_tags(&ctx.clients.ec2, id, &olds.inputs.tags, &news.tags).await?;
        still_there("subnet", id, read_subnet(ctx, id).await?)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &SubnetOutputs) -> Result<()> {
        mark(ctx, id).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: SubnetOutputs) -> Result<()> {
        let ec2 = &ctx.clients.ec2;
        let result = ctx
            .retry_while(
                &format!("deleting subnet {id} (network interfaces still use it)"),
                Error::is_in_use,
                || async { ec2.delete_subnet().subnet_id(id).send().await.map_err(aws(Ec2, "DeleteSubnet")) },
            )
            .await;
        deleted(result, Error::is_gone)
    }
}

async fn set_map_public_ip(ctx: &Ctx, id: &str, value: bool) -> Result<()> {
    ctx.clients
        .ec2
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(value).build())
        .send()
        .await
        .map_err(aws(Ec2, "ModifySubnetAttribute"))?;
    Ok(())
}

async fn describe_subnet(ctx: &Ctx, id: &str) -> Result<Option<aws_sdk_ec2::types::Subnet>> {
    let out = found(
        ctx.clients.ec2.describe_subnets().subnet_ids(id).send().await.map_err(aws(Ec2, "DescribeSubnets")),
        Error::is_gone,
    )?;
    Ok(out.and_then(|o| o.subnets().first().cloned()))
}

async fn read_subnet(ctx: &Ctx, id: &str) -> Result<Option<SubnetOutputs>> {
    Ok(describe_subnet(ctx, id).await?.map(|s| outputs_of(ctx, id, &s)))
}

fn outputs_of(ctx: &Ctx, id: &str, s: &aws_sdk_ec2::types::Subnet) -> SubnetOutputs {
    SubnetOutputs {
        inputs: SubnetInputs {
            vpc_id: s.vpc_id().unwrap_or_default().to_string(),
            cidr_block: s.cidr_block().unwrap_or_default().to_string(),
            availability_zone: s.availability_zone().map(str::to_string),
            map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
            region: ctx.region().to_string(),
            tags: from_tags(s.tags()),
        },
        arn: s
            .subnet_arn()
            .map(str::to_string)
            .unwrap_or_else(|| ctx.clients.arn("ec2", s.owner_id().unwrap_or_default(), &format!("subnet/{id}"))),
        availability_zone_id: s.availability_zone_id().unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_must_belong_to_the_region() {
        assert!(zone_in_region("us-east-1a", "us-east-1"));
        assert!(zone_in_region("us-east-1-bos-1a", "us-east-1"));
        assert!(!zone_in_region("us-east-1", "us-east-1"));
        assert!(!zone_in_region("us-east-12a", "us-east-1"));
        assert!(!zone_in_region("eu-west-1a", "us-east-1"));
    }
}
