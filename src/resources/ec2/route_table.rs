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

use super::{from_tags, is_in_use, is_not_found, tag_spec, update_tags, Tags};
use crate::error::{aws, Error, Result};
use crate::resource::{deleted, found, Checker, Ctx, Resource};
use crate::validate;
use crate::value::Value;

pub struct RouteTable;

/// One route: a destination block and the gateway it goes to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    pub cidr_block: String,
    pub gateway_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableInputs {
    pub vpc_id: String,
    #[serde(default)]
    pub routes: Vec<Route>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteTableOutputs {
    pub vpc_id: String,
    #[serde(default)]
    pub routes: Vec<Route>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub owner_id: String,
}

#[async_trait]
impl Resource for RouteTable {
    const TOKEN: &'static str = "tap:ec2:RouteTable";
    const REPLACE_ON: &'static [&'static str] = &["vpcId"];
    type Inputs = RouteTableInputs;
    type Outputs = RouteTableOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        c.required_string("vpcId", "the id of the VPC, such as vpc-0123456789abcdef0");
        c.tags();
        let Some(routes) = c.object_list("routes") else { return };
        let mut seen = BTreeSet::new();
        for (i, route) in routes.iter().enumerate() {
            for key in route.keys().filter(|k| !["cidrBlock", "gatewayId"].contains(&k.as_str())) {
                c.fail("routes", format!("route {i} has {key:?}; a route has cidrBlock and gatewayId"));
            }
            match route.get("cidrBlock") {
                Some(Value::String(cidr)) => {
                    if let Err(reason) = validate::cidr(cidr, 0, 32) {
                        c.fail("routes", format!("route {i}: cidrBlock {reason}"));
                    } else if !seen.insert(cidr.clone()) {
                        c.fail("routes", format!("route {i}: a second route to {cidr}; give each destination once"));
                    }
                }
                Some(v) if v.contains_unknowns() => {}
                _ => c.fail("routes", format!("route {i} needs a cidrBlock such as 0.0.0.0/0")),
            }
            match route.get("gatewayId") {
                Some(Value::String(g)) if !g.is_empty() => {}
                Some(v) if v.contains_unknowns() => {}
                _ => c.fail("routes", format!("route {i} needs a gatewayId such as igw-0123456789abcdef0")),
            }
        }
    }

    fn normalize(&self, key: &str, value: serde_json::Value) -> serde_json::Value {
        match (key, value) {
            ("routes", serde_json::Value::Array(mut routes)) => {
                routes.sort_by_key(|r| r.to_string());
                serde_json::Value::Array(routes)
            }
            (_, v) => v,
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: RouteTableInputs) -> Result<(String, RouteTableOutputs)> {
        let created = ctx
            .clients
            .ec2
            .create_route_table()
            .vpc_id(&inputs.vpc_id)
            .set_tag_specifications(tag_spec(ResourceType::RouteTable, &inputs.tags).map(|t| vec![t]))
            .send()
            .await
            .map_err(aws("CreateRouteTable"))?;
        let table = created.route_table();
        let id = table.and_then(|t| t.route_table_id()).unwrap_or_default().to_string();
        let owner = table.and_then(|t| t.owner_id()).unwrap_or_default().to_string();
        let mut state = RouteTableOutputs {
            vpc_id: inputs.vpc_id.clone(),
            routes: Vec::new(),
            region: inputs.region.clone(),
            tags: inputs.tags.clone(),
            arn: format!("arn:aws:ec2:{}:{owner}:route-table/{id}", inputs.region),
            owner_id: owner,
        };
        ctx.record_created(&id, &state);
        // Routes to different destinations are independent: create them together.
        let results =
            futures_util::future::join_all(inputs.routes.iter().map(|route| create_route(ctx, &id, route))).await;
        let mut failure = None;
        for (route, result) in inputs.routes.iter().zip(results) {
            match result {
                Ok(()) => state.routes.push(route.clone()),
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        state.routes.sort();
        ctx.record_created(&id, &state);
        match failure {
            Some(e) => Err(e),
            None => Ok((id, state)),
        }
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<RouteTableOutputs>> {
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
            olds.routes.iter().map(|r| (r.cidr_block.as_str(), r.gateway_id.as_str())).collect();
        let new: BTreeMap<&str, &str> =
            news.routes.iter().map(|r| (r.cidr_block.as_str(), r.gateway_id.as_str())).collect();
        for cidr in old.keys().filter(|c| !new.contains_key(*c)) {
            let result = ec2.delete_route().route_table_id(id).destination_cidr_block(*cidr).send().await;
            match result.map_err(aws("DeleteRoute")) {
                Err(e) if is_not_found(&e) => {}
                other => {
                    other?;
                }
            }
        }
        for route in &news.routes {
            match old.get(route.cidr_block.as_str()) {
                None => create_route(ctx, id, route).await?,
                Some(gateway) if *gateway != route.gateway_id => {
                    ec2.replace_route()
                        .route_table_id(id)
                        .destination_cidr_block(&route.cidr_block)
                        .gateway_id(&route.gateway_id)
                        .send()
                        .await
                        .map_err(aws("ReplaceRoute"))?;
                }
                Some(_) => {}
            }
        }
        update_tags(ec2, id, &olds.tags, &news.tags).await?;
        read_table(ctx, id)
            .await?
            .ok_or_else(|| Error::Internal(format!("route table {id} vanished during the update")))
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: RouteTableOutputs) -> Result<()> {
        let ec2 = &ctx.clients.ec2;
        let result = ctx
            .retry_while(
                &format!("deleting route table {id} (subnets are still associated with it)"),
                is_in_use,
                || async { ec2.delete_route_table().route_table_id(id).send().await.map_err(aws("DeleteRouteTable")) },
            )
            .await;
        deleted(result, is_not_found)
    }
}

async fn create_route(ctx: &Ctx, id: &str, route: &Route) -> Result<()> {
    ctx.clients
        .ec2
        .create_route()
        .route_table_id(id)
        .destination_cidr_block(&route.cidr_block)
        .gateway_id(&route.gateway_id)
        .send()
        .await
        .map_err(aws("CreateRoute"))?;
    Ok(())
}

async fn read_table(ctx: &Ctx, id: &str) -> Result<Option<RouteTableOutputs>> {
    let Some(out) = found(
        ctx.clients.ec2.describe_route_tables().route_table_ids(id).send().await.map_err(aws("DescribeRouteTables")),
        is_not_found,
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
                // The local route belongs to the VPC, not to the program.
                Some(Route { cidr_block: r.destination_cidr_block()?.to_string(), gateway_id: gateway.to_string() })
            })
            .collect();
        routes.sort();
        RouteTableOutputs {
            vpc_id: t.vpc_id().unwrap_or_default().to_string(),
            routes,
            region: ctx.region().to_string(),
            tags: from_tags(t.tags()),
            arn: format!("arn:aws:ec2:{}:{owner}:route-table/{id}", ctx.region()),
            owner_id: owner,
        }
    }))
}
