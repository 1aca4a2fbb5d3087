//! `tap:ec2:InternetGateway`: an internet gateway, attached to a VPC when `vpcId` is given.
//!
//! AWS APIs: CreateInternetGateway (tags at creation), AttachInternetGateway /
//! DetachInternetGateway, DescribeInternetGateways, CreateTags / DeleteTags,
//! DeleteInternetGateway. Id: the gateway id (`igw-…`). Changing vpcId detaches and re-attaches in
//! place; only a region change replaces it. Delete detaches first.

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{adopt, from_tags, mark, tag_spec, update_tags};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{deleted, found, id_from, still_there, Checker, Created, Ctx, Resource};
use crate::resources::tags::{self, Tags};

pub struct InternetGateway;

/// An internet gateway. Changing vpcId detaches it and attaches it to the new VPC in place.
/// Import with the gateway id, or `<igw id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct InternetGatewayInputs {
    /// The VPC to attach the gateway to; detached when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The gateway as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct InternetGatewayOutputs {
    #[serde(flatten)]
    pub inputs: InternetGatewayInputs,
    /// The gateway's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The account that owns the gateway.
    #[serde(default)]
    pub owner_id: String,
}

#[async_trait]
impl Resource for InternetGateway {
    const TOKEN: &'static str = "tap:ec2:InternetGateway";
    type Inputs = InternetGatewayInputs;
    type State = InternetGatewayOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        tags::check(c, "tags", 1);
    }

    async fn find(
        &self,
        ctx: &Ctx,
        _inputs: &InternetGatewayInputs,
        fresh: bool,
    ) -> Result<Option<Created<InternetGatewayOutputs>>> {
        adopt(ctx, fresh, |id| async move { read_gateway(ctx, &id).await }).await
    }

    async fn create(&self, ctx: &Ctx, inputs: &InternetGatewayInputs) -> Result<Created<InternetGatewayOutputs>> {
        let created = ctx
            .clients
            .ec2
            .create_internet_gateway()
            .set_tag_specifications(tag_spec(ctx, ResourceType::InternetGateway, &inputs.tags))
            .customize()
            .config_override(crate::aws::once::ec2())
            .send()
            .await
            .map_err(aws(Ec2, "CreateInternetGateway"))?;
        let gateway = created.internet_gateway();
        let id = id_from("CreateInternetGateway", gateway.and_then(|g| g.internet_gateway_id()))?;
        let owner = gateway.and_then(|g| g.owner_id()).unwrap_or_default().to_string();
        let state = InternetGatewayOutputs {
            inputs: InternetGatewayInputs { vpc_id: None, ..inputs.clone() },
            arn: ctx.clients.arn("ec2", &owner, &format!("internet-gateway/{id}")),
            owner_id: owner,
        };
        Ok(Created { id, state })
    }

    async fn finish(
        &self,
        ctx: &Ctx,
        id: &str,
        inputs: &InternetGatewayInputs,
        state: &mut InternetGatewayOutputs,
    ) -> Result<()> {
        if let Some(vpc) = &inputs.vpc_id {
            attach(ctx, id, vpc).await?;
            state.inputs.vpc_id = Some(vpc.clone());
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<InternetGatewayOutputs>,
    ) -> Result<Option<InternetGatewayOutputs>> {
        read_gateway(ctx, id).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: InternetGatewayOutputs,
        news: InternetGatewayInputs,
    ) -> Result<InternetGatewayOutputs> {
        if olds.inputs.vpc_id != news.vpc_id {
            if let Some(old) = &olds.inputs.vpc_id {
                detach(ctx, id, old).await?;
            }
            if let Some(new) = &news.vpc_id {
                attach(ctx, id, new).await?;
            }
        }
        update_tags(&ctx.clients.ec2, id, &olds.inputs.tags, &news.tags).await?;
        still_there("gateway", id, read_gateway(ctx, id).await?)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &InternetGatewayOutputs) -> Result<()> {
        mark(ctx, id).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: InternetGatewayOutputs) -> Result<()> {
        let Some(current) = read_gateway(ctx, id).await? else {
            return Ok(());
        };
        if let Some(vpc) = &current.inputs.vpc_id {
            detach(ctx, id, vpc).await?;
        }
        let ec2 = &ctx.clients.ec2;
        let result = ctx
            .retry_while(&format!("deleting internet gateway {id}"), Error::is_in_use, || async {
                ec2.delete_internet_gateway()
                    .internet_gateway_id(id)
                    .send()
                    .await
                    .map_err(aws(Ec2, "DeleteInternetGateway"))
            })
            .await;
        deleted(result, Error::is_gone)
    }
}

async fn attach(ctx: &Ctx, id: &str, vpc: &str) -> Result<()> {
    let ec2 = &ctx.clients.ec2;
    // A gateway made a moment ago may not be visible to the next call yet.
    let result = ctx
        .retry_while(
            &format!("attaching internet gateway {id} to {vpc}"),
            |e| e.is_code(&["InvalidInternetGatewayID.NotFound"]),
            || async {
                ec2.attach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(aws(Ec2, "AttachInternetGateway"))
            },
        )
        .await;
    match result {
        Ok(_) => Ok(()),
        // A repeat of an attach that was carried out (its answer lost): done if it is this VPC.
        Err(e) if e.is_code(&["Resource.AlreadyAssociated"]) => {
            let attached = read_gateway(ctx, id).await?.and_then(|g| g.inputs.vpc_id);
            if attached.as_deref() == Some(vpc) {
                Ok(())
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

async fn detach(ctx: &Ctx, id: &str, vpc: &str) -> Result<()> {
    let ec2 = &ctx.clients.ec2;
    let result = ctx
        .retry_while(
            &format!("detaching internet gateway {id} from {vpc} (public addresses still mapped)"),
            Error::is_in_use,
            || async {
                ec2.detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await
                    .map_err(aws(Ec2, "DetachInternetGateway"))
            },
        )
        .await;
    deleted(result, |e| e.is_gone() || e.is_code(&["Gateway.NotAttached"]))
}

async fn read_gateway(ctx: &Ctx, id: &str) -> Result<Option<InternetGatewayOutputs>> {
    let Some(out) = found(
        ctx.clients
            .ec2
            .describe_internet_gateways()
            .internet_gateway_ids(id)
            .send()
            .await
            .map_err(aws(Ec2, "DescribeInternetGateways")),
        Error::is_gone,
    )?
    else {
        return Ok(None);
    };
    Ok(out.internet_gateways().first().map(|g| {
        let owner = g.owner_id().unwrap_or_default().to_string();
        InternetGatewayOutputs {
            inputs: InternetGatewayInputs {
                vpc_id: g.attachments().iter().find_map(|a| a.vpc_id()).map(str::to_string),
                region: ctx.region().to_string(),
                tags: from_tags(g.tags()),
            },
            arn: ctx.clients.arn("ec2", &owner, &format!("internet-gateway/{id}")),
            owner_id: owner,
        }
    }))
}
