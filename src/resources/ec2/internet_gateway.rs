//! `tap:ec2:InternetGateway`: an internet gateway, attached to a VPC when `vpcId` is given.
//!
//! AWS APIs: CreateInternetGateway (tags at creation), AttachInternetGateway /
//! DetachInternetGateway, DescribeInternetGateways, CreateTags / DeleteTags,
//! DeleteInternetGateway. Id: the gateway id (`igw-…`). Changing vpcId detaches and re-attaches in
//! place; only a region change replaces it. Delete detaches first.

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use serde::{Deserialize, Serialize};

use super::{from_tags, is_in_use, is_not_found, tag_spec, update_tags, Tags};
use crate::error::{aws, Error, Result};
use crate::resource::{deleted, found, Checker, Ctx, Resource};

pub struct InternetGateway;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InternetGatewayInputs {
    /// The VPC to attach to; detached when absent.
    #[serde(default)]
    pub vpc_id: Option<String>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InternetGatewayOutputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub owner_id: String,
}

#[async_trait]
impl Resource for InternetGateway {
    const TOKEN: &'static str = "tap:ec2:InternetGateway";
    const REPLACE_ON: &'static [&'static str] = &[];
    type Inputs = InternetGatewayInputs;
    type Outputs = InternetGatewayOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        c.string("vpcId");
        c.tags();
    }

    async fn create(&self, ctx: &Ctx, inputs: InternetGatewayInputs) -> Result<(String, InternetGatewayOutputs)> {
        let created = ctx
            .clients
            .ec2
            .create_internet_gateway()
            .set_tag_specifications(tag_spec(ResourceType::InternetGateway, &inputs.tags).map(|t| vec![t]))
            .send()
            .await
            .map_err(aws("CreateInternetGateway"))?;
        let gateway = created.internet_gateway();
        let id = gateway.and_then(|g| g.internet_gateway_id()).unwrap_or_default().to_string();
        let owner = gateway.and_then(|g| g.owner_id()).unwrap_or_default().to_string();
        let mut outputs = InternetGatewayOutputs {
            vpc_id: None,
            region: inputs.region.clone(),
            tags: inputs.tags.clone(),
            arn: format!("arn:aws:ec2:{}:{owner}:internet-gateway/{id}", inputs.region),
            owner_id: owner,
        };
        ctx.record_created(&id, &outputs);
        if let Some(vpc) = &inputs.vpc_id {
            attach(ctx, &id, vpc).await?;
            outputs.vpc_id = Some(vpc.clone());
        }
        Ok((id, outputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<InternetGatewayOutputs>> {
        read_gateway(ctx, id).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: InternetGatewayOutputs,
        news: InternetGatewayInputs,
    ) -> Result<InternetGatewayOutputs> {
        if olds.vpc_id != news.vpc_id {
            if let Some(old) = &olds.vpc_id {
                detach(ctx, id, old).await?;
            }
            if let Some(new) = &news.vpc_id {
                attach(ctx, id, new).await?;
            }
        }
        update_tags(&ctx.clients.ec2, id, &olds.tags, &news.tags).await?;
        read_gateway(ctx, id).await?.ok_or_else(|| Error::Internal(format!("gateway {id} vanished during the update")))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: InternetGatewayOutputs) -> Result<()> {
        // Detach from whatever it is attached to now, not what the state last saw.
        let Some(current) = read_gateway(ctx, id).await? else {
            return Ok(());
        };
        if let Some(vpc) = &current.vpc_id {
            detach(ctx, id, vpc).await?;
        }
        let ec2 = &ctx.clients.ec2;
        let result = ctx
            .retry_while(&format!("deleting internet gateway {id}"), is_in_use, || async {
                ec2.delete_internet_gateway().internet_gateway_id(id).send().await.map_err(aws("DeleteInternetGateway"))
            })
            .await;
        deleted(result, is_not_found)
    }
}

async fn attach(ctx: &Ctx, id: &str, vpc: &str) -> Result<()> {
    let ec2 = &ctx.clients.ec2;
    // A gateway made a moment ago may not be visible to the attach call yet.
    ctx.retry_while(&format!("attaching internet gateway {id} to {vpc}"), is_not_found_gateway, || async {
        ec2.attach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(aws("AttachInternetGateway"))
    })
    .await?;
    Ok(())
}

fn is_not_found_gateway(e: &Error) -> bool {
    e.aws_code() == Some("InvalidInternetGatewayID.NotFound")
}

async fn detach(ctx: &Ctx, id: &str, vpc: &str) -> Result<()> {
    let ec2 = &ctx.clients.ec2;
    let result = ctx
        .retry_while(
            &format!("detaching internet gateway {id} from {vpc} (public addresses still mapped)"),
            is_in_use,
            || async {
                ec2.detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(aws("DetachInternetGateway"))
            },
        )
        .await;
    // Already detached, or the VPC is gone.
    deleted(result, |e| is_not_found(e) || e.aws_code() == Some("Gateway.NotAttached"))
}

async fn read_gateway(ctx: &Ctx, id: &str) -> Result<Option<InternetGatewayOutputs>> {
    let Some(out) = found(
        ctx.clients
            .ec2
            .describe_internet_gateways()
            .internet_gateway_ids(id)
            .send()
            .await
            .map_err(aws("DescribeInternetGateways")),
        is_not_found,
    )?
    else {
        return Ok(None);
    };
    Ok(out.internet_gateways().first().map(|g| {
        let owner = g.owner_id().unwrap_or_default().to_string();
        InternetGatewayOutputs {
            vpc_id: g.attachments().iter().find_map(|a| a.vpc_id()).map(str::to_string),
            region: ctx.region().to_string(),
            tags: from_tags(g.tags()),
            arn: format!("arn:aws:ec2:{}:{owner}:internet-gateway/{id}", ctx.region()),
            owner_id: owner,
        }
    }))
}
