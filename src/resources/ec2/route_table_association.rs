//! `tap:ec2:RouteTableAssociation`: associates a subnet with a route table.
//!
//! AWS APIs: AssociateRouteTable, DescribeRouteTables (by association id or subnet),
//! ReplaceRouteTableAssociation (routeTableId changes in place), DisassociateRouteTable.
//! Id: the association id at creation (`rtbassoc-…`). Replaced when subnetId or region change.
//!
//! ReplaceRouteTableAssociation gives the association a new id, and a Pulumi id cannot change, so
//! the current association is found by the subnet (a subnet has one route table association) and
//! kept in the `associationId` output.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::filter;
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{deleted, id_from, Created, Ctx, Resource};

pub struct RouteTableAssociation;

/// Associates a subnet with a route table. Changing routeTableId re-associates the subnet in
/// place; changing subnetId replaces the association. Import with the association id, or
/// `<rtbassoc id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableAssociationInputs {
    /// The subnet to associate.
    #[field(replace, required = "the id of the subnet, such as subnet-0123456789abcdef0")]
    pub subnet_id: String,
    /// The route table the subnet uses.
    #[field(required = "the id of the route table, such as rtb-0123456789abcdef0")]
    pub route_table_id: String,
    #[field(region)]
    pub region: String,
}

/// The association as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableAssociationOutputs {
    #[serde(flatten)]
    pub inputs: RouteTableAssociationInputs,
    /// The association's current AWS id (it changes when the subnet is re-associated).
    #[serde(default)]
    pub association_id: String,
}

#[async_trait]
impl Resource for RouteTableAssociation {
    const TOKEN: &'static str = "tap:ec2:RouteTableAssociation";
    type Inputs = RouteTableAssociationInputs;
    type State = RouteTableAssociationOutputs;
    /// Associations take no tags: the subnet is the identity (it has one association).
    const MARKED: bool = false;

    fn replace_conflicts(
        &self,
        _name: &str,
        olds: &RouteTableAssociationOutputs,
        news: &RouteTableAssociationInputs,
    ) -> bool {
        olds.inputs.subnet_id == news.subnet_id
    }

    /// The subnet's association with this route table, when an earlier attempt made it.
    async fn find(
        &self,
        ctx: &Ctx,
        inputs: &RouteTableAssociationInputs,
        _fresh: bool,
    ) -> Result<Option<Created<RouteTableAssociationOutputs>>> {
        let current = locate(ctx, "", Some(&inputs.subnet_id)).await?;
        Ok(current
            .filter(|a| a.inputs.route_table_id == inputs.route_table_id && !ctx.is_seen(&a.association_id))
            .map(|state| Created { id: state.association_id.clone(), state }))
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &RouteTableAssociationInputs,
    ) -> Result<Created<RouteTableAssociationOutputs>> {
        let out = ctx
            .clients
            .ec2
            .associate_route_table()
            .subnet_id(&inputs.subnet_id)
            .route_table_id(&inputs.route_table_id)
            .customize()
            .config_override(crate::aws::once::ec2())
            .send()
            .await
            .map_err(aws(Ec2, "AssociateRouteTable"))?;
        let id = id_from("AssociateRouteTable", out.association_id())?;
        let state = RouteTableAssociationOutputs { inputs: inputs.clone(), association_id: id.clone() };
        Ok(Created { id, state })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: Option<RouteTableAssociationOutputs>,
    ) -> Result<Option<RouteTableAssociationOutputs>> {
        locate(ctx, id, prior.as_ref().map(|p| p.inputs.subnet_id.as_str())).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: RouteTableAssociationOutputs,
        news: RouteTableAssociationInputs,
    ) -> Result<RouteTableAssociationOutputs> {
        let current = locate(ctx, id, Some(&olds.inputs.subnet_id)).await?.ok_or_else(|| {
            Error::Internal(format!("the association of subnet {} is gone; run pulumi refresh", olds.inputs.subnet_id))
        })?;
        if current.inputs.route_table_id == news.route_table_id {
            return Ok(current);
        }
        let replaced = ctx
            .clients
            .ec2
            .replace_route_table_association()
            .association_id(&current.association_id)
            .route_table_id(&news.route_table_id)
            .send()
            .await
            .map_err(aws(Ec2, "ReplaceRouteTableAssociation"));
        match replaced {
            Ok(out) => Ok(RouteTableAssociationOutputs {
                association_id: out.new_association_id().unwrap_or(&current.association_id).to_string(),
                inputs: RouteTableAssociationInputs { subnet_id: current.inputs.subnet_id, ..news },
            }),
            // A repeat of a call that was carried out (its answer lost): the association has
            // its new id, and the subnet already uses the new table.
            Err(e) if e.is_gone() => {
                let now = locate(ctx, id, Some(&current.inputs.subnet_id)).await?;
                now.filter(|a| a.inputs.route_table_id == news.route_table_id).ok_or(e)
            }
            Err(e) => Err(e),
        }
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: RouteTableAssociationOutputs) -> Result<()> {
        let Some(current) = locate(ctx, id, Some(&olds.inputs.subnet_id)).await? else {
            return Ok(());
        };
        let result = ctx
            .clients
            .ec2
            .disassociate_route_table()
            .association_id(&current.association_id)
            .send()
            .await
            .map_err(aws(Ec2, "DisassociateRouteTable"));
        deleted(result, Error::is_gone)
    }
}

/// The association: by the subnet when known (it survives re-association), else by id (import).
async fn locate(ctx: &Ctx, id: &str, subnet: Option<&str>) -> Result<Option<RouteTableAssociationOutputs>> {
    let subnet = subnet.filter(|s| !s.is_empty());
    let request = ctx.clients.ec2.describe_route_tables();
    let request = match subnet {
        Some(s) => request.filters(filter("association.subnet-id", s)),
        None => request.filters(filter("association.route-table-association-id", id)),
    };
    let out = request.send().await.map_err(aws(Ec2, "DescribeRouteTables"))?;
    for table in out.route_tables() {
        for a in table.associations() {
            let matches = match subnet {
                Some(s) => a.subnet_id() == Some(s),
                None => a.route_table_association_id() == Some(id),
            };
            if matches && !a.main().unwrap_or(false) {
                return Ok(Some(RouteTableAssociationOutputs {
                    inputs: RouteTableAssociationInputs {
                        subnet_id: a.subnet_id().unwrap_or_default().to_string(),
                        route_table_id: table.route_table_id().unwrap_or_default().to_string(),
                        region: ctx.region().to_string(),
                    },
                    association_id: a.route_table_association_id().unwrap_or_default().to_string(),
                }));
            }
        }
    }
    Ok(None)
}
