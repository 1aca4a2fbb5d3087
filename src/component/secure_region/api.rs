//! The region's private REST API: reachable only through the execute-api interface endpoint,
//! with a policy that admits calls from that endpoint alone.

use std::sync::Arc;

use serde_json::json;

use super::network::Network;
use super::Region;
use crate::component::graph::{ready, Args, Child, Graph, Pending, Val};
use crate::resources::apigateway::rest_api::RestApi;
use crate::value::Value;

pub struct Api {
    pub rest_api: Pending,
}

pub fn rest_api_args(r: &Region, endpoint: &Child) -> Args<RestApi> {
    let vpce = endpoint.id();
    let invoke_any = r.arn("execute-api", "*", "*", "*");
    let policy = vpce.map(|id| {
        Value::String(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                   "Resource": invoke_any, "Condition": {"StringEquals": {"aws:SourceVpce": id.to_json()}}}]})
            .to_string(),
        )
    });
    let config = vpce.map(|id| Value::from_json(&json!({"types": "PRIVATE", "vpcEndpointIds": [id.to_json()]})));
    Args::new()
        .known("name", Value::str(format!("{}-private-api", r.prefix)))
        .known("description", Value::str(format!("Private API Gateway restricted to VPC endpoint in {}", r.name)))
        .set("endpointConfiguration", config)
        .set("policy", policy)
        .set("region", r.val())
        .set("tags", r.tags("private-api", &[("Purpose", Val::str("Secure Private API Gateway"))]))
}

pub fn build(g: &Graph, r: &Arc<Region>, network: &Network) -> Api {
    let (r, endpoint) = (r.clone(), network.endpoint.clone());
    let rest_api = g.child("private-api", async move { Ok(rest_api_args(&r, &ready(&endpoint).await?)) });
    Api { rest_api }
}
