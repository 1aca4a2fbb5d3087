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

use super::{filter, is_not_found};
use crate::error::{aws, Error, Result};
use crate::resource::{deleted, Checker, Ctx, Resource};

pub struct RouteTableAssociation;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableAssociationInputs {
    pub subnet_id: String,
    pub route_table_id: String,
    pub region: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableAssociationOutputs {
    pub subnet_id: String,
    pub route_table_id: String,
    pub region: String,
    /// The association's current AWS id.
    #[serde(default)]
    pub association_id: String,
}

#[async_trait]
impl Resource for RouteTableAssociation {
    const TOKEN: &'static str = "tap:ec2:RouteTableAssociation";
    const REPLACE_ON: &'static [&'static str] = &["subnetId"];
    type Inputs = RouteTableAssociationInputs;
    type Outputs = RouteTableAssociationOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        c.required_string("subnetId", "the id of the subnet, such as subnet-0123456789abcdef0");
        c.required_string("routeTableId", "the id of the route table, such as rtb-0123456789abcdef0");
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: RouteTableAssociationInputs,
    ) -> Result<(String, RouteTableAssociationOutputs)> {
        let out = ctx
            .clients
            .ec2
            .associate_route_table()
            .subnet_id(&inputs.subnet_id)
            .route_table_id(&inputs.route_table_id)
            .send()
            .await
            .map_err(aws("AssociateRouteTable"))?;
        let id = out.association_id().unwrap_or_default().to_string();
        let outputs = RouteTableAssociationOutputs {
            subnet_id: inputs.subnet_id,
            route_table_id: inputs.route_table_id,
            region: inputs.region,
            association_id: id.clone(),
        };
        Ok((id, outputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<RouteTableAssociationOutputs>> {
        find(ctx, id, ctx.prior("subnetId")).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: RouteTableAssociationOutputs,
        news: RouteTableAssociationInputs,
    ) -> Result<RouteTableAssociationOutputs> {
        let current = find(ctx, id, Some(&olds.subnet_id)).await?.ok_or_else(|| {
            Error::Internal(format!("the association of subnet {} is gone; run pulumi refresh", olds.subnet_id))
        })?;
        if current.route_table_id == news.route_table_id {
            return Ok(current);
        }
        let out = ctx
            .clients
            .ec2
            .replace_route_table_association()
            .association_id(&current.association_id)
            .route_table_id(&news.route_table_id)
            .send()
            .await
            .map_err(aws("ReplaceRouteTableAssociation"))?;
        Ok(RouteTableAssociationOutputs {
            subnet_id: current.subnet_id,
            route_table_id: news.route_table_id,
            region: news.region,
            association_id: out.new_association_id().unwrap_or(&current.association_id).to_string(),
        })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: RouteTableAssociationOutputs) -> Result<()> {
        let Some(current) = find(ctx, id, Some(&olds.subnet_id)).await? else {
            return Ok(());
        };
        let result = ctx
            .clients
            .ec2
            .disassociate_route_table()
            .association_id(&current.association_id)
            .send()
            .await
            .map_err(aws("DisassociateRouteTable"));
        deleted(result, is_not_found)
    }
}

/// The association: by the subnet when known (it survives re-association), else by id (import).
async fn find(ctx: &Ctx, id: &str, subnet: Option<&str>) -> Result<Option<RouteTableAssociationOutputs>> {
    let request = ctx.clients.ec2.describe_route_tables();
    let request = match subnet {
        Some(s) if !s.is_empty() => request.filters(filter("association.subnet-id", s)),
        _ => request.filters(filter("association.route-table-association-id", id)),
    };
    let out = request.send().await.map_err(aws("DescribeRouteTables"))?;
    for table in out.route_tables() {
        for a in table.associations() {
            let matches = match subnet {
                Some(s) if !s.is_empty() => a.subnet_id() == Some(s),
                _ => a.route_table_association_id() == Some(id),
            };
            if matches && !a.main().unwrap_or(false) {
                return Ok(Some(RouteTableAssociationOutputs {
                    subnet_id: a.subnet_id().unwrap_or_default().to_string(),
                    route_table_id: table.route_table_id().unwrap_or_default().to_string(),
                    region: ctx.region().to_string(),
                    association_id: a.route_table_association_id().unwrap_or_default().to_string(),
                }));
            }
        }
    }
    Ok(None)
}
