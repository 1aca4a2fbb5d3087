//! `tap:ec2:RouteTable`: a route table of a VPC with its routes to gateways.
//!
//! AWS APIs: CreateRouteTable (tags at creation), CreateRoute / ReplaceRoute / DeleteRoute,
//! DescribeRouteTables, CreateTags / DeleteTags, DeleteRouteTable. Id: the route table id
//! (`rtb-…`). Routes are updated in place by difference; the VPC's local route is never touched.
//! Replaced when vpcId or region change.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{adopt, from_tags, mark, tag_spec, update_tags};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{deleted, found, id_from, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::tags::{self, Tags};
use crate::validate;

pub struct RouteTable;

/// A route to a gateway.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:ec2:RouteTableRoute")]
pub struct Route {
    /// The destination IPv4 block, e.g. `0.0.0.0/0`.
    #[field(required = "a destination such as 0.0.0.0/0")]
    pub cidr_block: String,
    /// The internet gateway (or virtual private gateway) the traffic goes to.
    #[field(required = "a gateway such as igw-0123456789abcdef0")]
    pub gateway_id: String,
}

/// A route table of a VPC. Its routes update in place by difference (the VPC's local route is
/// never touched); changing vpcId replaces it. Import with the route table id, or
/// `<rtb id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableInputs {
    /// The VPC the table belongs to.
    #[field(replace, required = "the id of the VPC, such as vpc-0123456789abcdef0")]
    pub vpc_id: String,
    /// Routes to gateways, one per destination.
    #[field(default = Vec::new(), compare = set)]
    #[serde(default)]
    pub routes: Vec<Route>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The route table as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableOutputs {
    #[serde(flatten)]
    pub inputs: RouteTableInputs,
    /// The route table's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The account that owns the table.
    #[serde(default)]
    pub owner_id: String,
}

#[async_trait]
impl Resource for RouteTable {
    const TOKEN: &'static str = "tap:ec2:RouteTable";
    type Inputs = RouteTableInputs;
    type State = RouteTableOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        tags::check(c, "tags", 1);
        let Field::Known(routes) = c.get::<Vec<Route>>("routes") else { return };
        let mut seen = BTreeSet::new();
        for (i, route) in routes.iter().enumerate() {
            let cidr = &route.cidr_block;
            if let Err(reason) = validate::cidr(cidr, 0, 32) {
                c.fail("routes", format!("route {i}: cidrBlock {reason}"));
            } else if !seen.insert(cidr.clone()) {
                c.fail("routes", format!("route {i}: a second route to {cidr}; give each destination once"));
            }
            if route.gateway_id.is_empty() {
                c.fail("routes", format!("route {i} needs a gatewayId such as igw-0123456789abcdef0"));
            }
        }
    }

    async fn find(
        &self,
        ctx: &Ctx,
        _inputs: &RouteTableInputs,
        fresh: bool,
    ) -> Result<Option<Created<RouteTableOutputs>>> {
        adopt(ctx, fresh, |id| async move { read_table(ctx, &id).await }).await
    }

    async fn create(&self, ctx: &Ctx, inputs: &RouteTableInputs) -> Result<Created<RouteTableOutputs>> {
        let created = ctx
            .clients
            .ec2
            .create_route_table()
            .vpc_id(&inputs.vpc_id)
            .set_tag_specifications(tag_spec(ctx, ResourceType::RouteTable, &inputs.tags))
            .customize()
            .config_override(crate::aws::once::ec2())
            .send()
            .await
            .map_err(aws(Ec2, "CreateRouteTable"))?;
        let table = created.route_table();
        let id = id_from("CreateRouteTable", table.and_then(|t| t.route_table_id()))?;
        let owner = table.and_then(|t| t.owner_id()).unwrap_or_default().to_string();
        let state = RouteTableOutputs {
            inputs: RouteTableInputs { routes: Vec::new(), ..inputs.clone() },
            arn: ctx.clients.arn("ec2", &owner, &format!("route-table/{id}")),
            owner_id: owner,
        };
        Ok(Created { id, state })
    }

    async fn finish(
        &self,
        ctx: &Ctx,
        id: &str,
        inputs: &RouteTableInputs,
        state: &mut RouteTableOutputs,
    ) -> Result<()> {
        // Routes to different destinations are independent: create them together.
        let results =
            futures_util::future::join_all(inputs.routes.iter().map(|route| create_route(ctx, id, route))).await;
        let mut failure = None;
        for (route, result) in inputs.routes.iter().zip(results) {
            match result {
                Ok(()) => state.inputs.routes.push(route.clone()),
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        state.inputs.routes.sort();
        failure.map_or(Ok(()), Err)
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<RouteTableOutputs>) -> Result<Option<RouteTableOutputs>> {
        read_table(ctx, id).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: RouteTableOutputs,
        news: RouteTableInputs,
    ) -> Result<RouteTableOutputs> {
        let ec2 = &ctx.clients.ec2;
        let old: BTreeMap<&str, &str> =
            olds.inputs.routes.iter().map(|r| (r.cidr_block.as_str(), r.gateway_id.as_str())).collect();
        let new: BTreeMap<&str, &str> =
            news.routes.iter().map(|r| (r.cidr_block.as_str(), r.gateway_id.as_str())).collect();
        for cidr in old.keys().filter(|c| !new.contains_key(*c)) {
            let result = ec2.delete_route().route_table_id(id).destination_cidr_block(*cidr).send().await;
            deleted(result.map_err(aws(Ec2, "DeleteRoute")), Error::is_gone)?;
        }
        for route in &news.routes {
            match old.get(route.cidr_block.as_str()) {
                None => create_route(ctx, id, route).await?,
                Some(gateway) if *gateway != route.gateway_id => replace_route(ctx, id, route).await?,
                Some(_) => {}
            }
        }
        update_tags(ec2, id, &olds.inputs.tags, &news.tags).await?;
        still_there("route table", id, read_table(ctx, id).await?)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &RouteTableOutputs) -> Result<()> {
        mark(ctx, id).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: RouteTableOutputs) -> Result<()> {
        let ec2 = &ctx.clients.ec2;
        let result = ctx
            .retry_while(
                &format!("deleting route table {id} (subnets are still associated with it)"),
                Error::is_in_use,
                || async {
                    ec2.delete_route_table().route_table_id(id).send().await.map_err(aws(Ec2, "DeleteRouteTable"))
                },
            )
            .await;
        deleted(result, Error::is_gone)
    }
}

async fn replace_route(ctx: &Ctx, id: &str, route: &Route) -> Result<()> {
    let request = ctx.clients.ec2.replace_route().route_table_id(id).destination_cidr_block(&route.cidr_block);
    request.gateway_id(&route.gateway_id).send().await.map_err(aws(Ec2, "ReplaceRoute"))?;
    Ok(())
}

async fn create_route(ctx: &Ctx, id: &str, route: &Route) -> Result<()> {
    let ec2 = &ctx.clients.ec2;
    let created = ec2
        .create_route()
        .route_table_id(id)
        .destination_cidr_block(&route.cidr_block)
        .gateway_id(&route.gateway_id)
        .send()
        .await
        .map_err(aws(Ec2, "CreateRoute"));
    match created {
        Ok(_) => Ok(()),
        // A repeat of a call that was carried out (its answer lost), or a route someone else
        // made: either way the destination now goes where the program says.
        Err(e) if e.is_code(&["RouteAlreadyExists"]) => {
            let current = read_table(ctx, id).await?;
            if current.is_some_and(|t| t.inputs.routes.contains(route)) {
                return Ok(());
            }
            replace_route(ctx, id, route).await
        }
        Err(e) => Err(e),
    }
}

async fn read_table(ctx: &Ctx, id: &str) -> Result<Option<RouteTableOutputs>> {
    let Some(out) = found(
        ctx.clients
            .ec2
            .describe_route_tables()
            .route_table_ids(id)
            .send()
            .await
            .map_err(aws(Ec2, "DescribeRouteTables")),
        Error::is_gone,
    )?
    else {
        return Ok(None);
    };
    Ok(out.route_tables().first().map(|t| {
        let owner = t.owner_id().unwrap_or_default().to_string();
        let mut routes: Vec<Route> = t
            .routes()
            .iter()
            .filter_map(|r| {
                let gateway = r.gateway_id().filter(|g| *g != "local")?;
                // The local route belongs to the VPC, not to the program; a gateway endpoint's
                // route (to a prefix list, no CIDR) belongs to the endpoint.
                Some(Route { cidr_block: r.destination_cidr_block()?.to_string(), gateway_id: gateway.to_string() })
            })
            .collect();
        routes.sort();
        RouteTableOutputs {
            inputs: RouteTableInputs {
                vpc_id: t.vpc_id().unwrap_or_default().to_string(),
                routes,
                region: ctx.region().to_string(),
                tags: from_tags(t.tags()),
            },
            arn: ctx.clients.arn("ec2", &owner, &format!("route-table/{id}")),
            owner_id: owner,
        }
    }))
}
