//! `tap:ec2:Subnet`: a subnet of a VPC in one availability zone.
//!
//! AWS APIs: CreateSubnet (tags at creation), DescribeSubnets (wait until `available`, read),
//! ModifySubnetAttribute (mapPublicIpOnLaunch), CreateTags / DeleteTags, DeleteSubnet.
//! Id: the subnet id (`subnet-…`). Replaced when vpcId, cidrBlock, availabilityZone or region
//! change. AWS checks that the block lies inside the VPC's.

use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, SubnetState};
use serde::{Deserialize, Serialize};

use super::{from_tags, is_in_use, is_not_found, tag_spec, update_tags, Tags};
use crate::error::{aws, Error, Result};
use crate::resource::{deleted, Checker, Ctx, Field, Resource};
use crate::value::Value;

pub struct Subnet;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubnetInputs {
    pub vpc_id: String,
    /// The IPv4 block, /16 to /28, inside the VPC's.
    pub cidr_block: String,
    /// The zone, e.g. `us-east-1a`; AWS picks one when absent.
    #[serde(default)]
    pub availability_zone: Option<String>,
    pub map_public_ip_on_launch: bool,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubnetOutputs {
    pub vpc_id: String,
    pub cidr_block: String,
    pub availability_zone: String,
    pub map_public_ip_on_launch: bool,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub arn: String,
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
    const REPLACE_ON: &'static [&'static str] = &["vpcId", "cidrBlock", "availabilityZone"];
    const AWS_DEFAULTS: &'static [&'static str] = &["availabilityZone"];
    type Inputs = SubnetInputs;
    type Outputs = SubnetOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        c.required_string("vpcId", "the id of the VPC, such as vpc-0123456789abcdef0");
        c.cidr("cidrBlock", 16, 28, true);
        let region = c.string("region").known();
        if let (Field::Known(zone), Some(region)) = (c.string("availabilityZone"), region) {
            if !zone_in_region(&zone, &region) {
                c.fail("availabilityZone", format!("{zone:?} is not a zone of {region}: use one such as {region}a"));
            }
        }
        c.default("mapPublicIpOnLaunch", Value::Bool(false));
        c.bool("mapPublicIpOnLaunch");
        c.tags();
    }

    async fn create(&self, ctx: &Ctx, inputs: SubnetInputs) -> Result<(String, SubnetOutputs)> {
        let ec2 = &ctx.clients.ec2;
        let created = ec2
            .create_subnet()
            .vpc_id(&inputs.vpc_id)
            .cidr_block(&inputs.cidr_block)
            .set_availability_zone(inputs.availability_zone.clone())
            .set_tag_specifications(tag_spec(ResourceType::Subnet, &inputs.tags).map(|t| vec![t]))
            .send()
            .await
            .map_err(aws("CreateSubnet"))?;
        let subnet = created.subnet();
        let id = subnet.and_then(|s| s.subnet_id()).unwrap_or_default().to_string();
        let state = SubnetOutputs {
            vpc_id: inputs.vpc_id.clone(),
            cidr_block: inputs.cidr_block.clone(),
            availability_zone: subnet.and_then(|s| s.availability_zone()).unwrap_or_default().to_string(),
            map_public_ip_on_launch: false,
            region: inputs.region.clone(),
            tags: inputs.tags.clone(),
            arn: subnet.and_then(|s| s.subnet_arn()).unwrap_or_default().to_string(),
            availability_zone_id: String::new(),
        };
        ctx.record_created(&id, &state);

        let subnet = ctx
            .wait_for(&format!("subnet {id} to become available"), || async {
                Ok(describe_subnet(ctx, &id).await?.filter(|s| s.state() == Some(&SubnetState::Available)))
            })
            .await?;
        let mut outputs = outputs_of(ctx, &id, &subnet);
        if inputs.map_public_ip_on_launch {
            set_map_public_ip(ctx, &id, true).await?;
            outputs.map_public_ip_on_launch = true;
        }
        Ok((id, outputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<SubnetOutputs>> {
        read_subnet(ctx, id).await
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: SubnetOutputs, news: SubnetInputs) -> Result<SubnetOutputs> {
        if olds.map_public_ip_on_launch != news.map_public_ip_on_launch {
            set_map_public_ip(ctx, id, news.map_public_ip_on_launch).await?;
        }
        update_tags(&ctx.clients.ec2, id, &olds.tags, &news.tags).await?;
        read_subnet(ctx, id).await?.ok_or_else(|| Error::Internal(format!("subnet {id} vanished during the update")))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: SubnetOutputs) -> Result<()> {
        let ec2 = &ctx.clients.ec2;
        let result = ctx
            .retry_while(&format!("deleting subnet {id} (network interfaces still use it)"), is_in_use, || async {
                ec2.delete_subnet().subnet_id(id).send().await.map_err(aws("DeleteSubnet"))
            })
            .await;
        deleted(result, is_not_found)
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
        .map_err(aws("ModifySubnetAttribute"))?;
    Ok(())
}

async fn describe_subnet(ctx: &Ctx, id: &str) -> Result<Option<aws_sdk_ec2::types::Subnet>> {
    match ctx.clients.ec2.describe_subnets().subnet_ids(id).send().await.map_err(aws("DescribeSubnets")) {
        Ok(out) => Ok(out.subnets().first().cloned()),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn read_subnet(ctx: &Ctx, id: &str) -> Result<Option<SubnetOutputs>> {
    Ok(describe_subnet(ctx, id).await?.map(|s| outputs_of(ctx, id, &s)))
}

fn outputs_of(ctx: &Ctx, id: &str, s: &aws_sdk_ec2::types::Subnet) -> SubnetOutputs {
    SubnetOutputs {
        vpc_id: s.vpc_id().unwrap_or_default().to_string(),
        cidr_block: s.cidr_block().unwrap_or_default().to_string(),
        availability_zone: s.availability_zone().unwrap_or_default().to_string(),
        map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
        region: ctx.region().to_string(),
        tags: from_tags(s.tags()),
        arn: s.subnet_arn().map(str::to_string).unwrap_or_else(|| {
            format!("arn:aws:ec2:{}:{}:subnet/{id}", ctx.region(), s.owner_id().unwrap_or_default())
        }),
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
