//! `tap:apigateway:RestApi`: a REST API (EDGE, REGIONAL or PRIVATE).
//!
//! AWS APIs: CreateRestApi (endpoint configuration, policy and tags at creation), GetRestApi,
//! UpdateRestApi (patch operations: name, description, policy, endpoint type and VPC endpoint
//! ids, all in place), TagResource / UntagResource, DeleteRestApi (retried through API Gateway's
//! one-deletion-per-30-s account limit). Id: the REST API id. Replaced only when region changes.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigateway::types::{EndpointConfiguration as AwsEndpointConfiguration, EndpointType, Op, PatchOperation};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::error::{aws, Error, Result, Service::ApiGateway};
use crate::resource::{found, id_from, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::policy::{self, PolicyDocument};
use crate::resources::tags::{self, Tags};

pub struct RestApi;

/// Where a REST API is reachable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:apigateway:RestApiEndpointConfiguration")]
pub struct EndpointConfiguration {
    /// `EDGE`, `REGIONAL` or `PRIVATE` (one string).
    #[field(required = "EDGE, REGIONAL or PRIVATE", expect = "one string (EDGE, REGIONAL or PRIVATE)")]
    pub types: String,
    /// The VPC endpoints a PRIVATE API is reachable through.
    #[field(default = Vec::new())]
    #[serde(default)]
    pub vpc_endpoint_ids: Vec<String>,
}

impl EndpointConfiguration {
    fn edge() -> EndpointConfiguration {
        EndpointConfiguration { types: "EDGE".into(), vpc_endpoint_ids: Vec::new() }
    }
}

/// The VPC endpoint ids of a configuration compare as a set.
fn comparable_configuration(mut value: serde_json::Value) -> serde_json::Value {
    if let Some(ids) = value.get_mut("vpcEndpointIds").and_then(|ids| ids.as_array_mut()) {
        ids.sort_by_key(|i| i.to_string());
    }
    value
}

/// A REST API. Everything updates in place (patch operations); only a region change replaces it.
/// Import with the REST API id, or `<id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RestApiInputs {
    /// The API's name, 1-1024 characters.
    #[field(required = "the API's name")]
    pub name: String,
    /// What the API is for.
    #[field(default = "")]
    #[serde(default)]
    pub description: String,
    /// Where the API is reachable (default EDGE).
    #[field(default = EndpointConfiguration::edge(), compare = comparable_configuration)]
    pub endpoint_configuration: EndpointConfiguration,
    /// The resource policy (JSON).
    #[field(compare = policy)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The API as API Gateway reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct RestApiOutputs {
    #[serde(flatten)]
    pub inputs: RestApiInputs,
    /// The id of the API's root resource (`/`).
    #[serde(default)]
    pub root_resource_id: String,
    /// The API's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The ARN prefix for invoking the API (`arn:aws:execute-api:<region>:<account>:<id>`).
    #[field(from = "region")]
    #[serde(default)]
    pub execution_arn: String,
}

const TYPES: [&str; 3] = ["EDGE", "REGIONAL", "PRIVATE"];

fn check_endpoint_configuration(c: &mut Checker<'_>, has_policy: bool) {
    let key = "endpointConfiguration";
    let Field::Known(config) = c.get::<EndpointConfiguration>(key) else { return };
    if !TYPES.contains(&config.types.as_str()) {
        c.fail(key, format!("types must be one of EDGE, REGIONAL or PRIVATE (one string), not {:?}", config.types));
        return;
    }
    let (kind, ids) = (&config.types, &config.vpc_endpoint_ids);
    if kind != "PRIVATE" && !ids.is_empty() {
        c.fail(key, format!("vpcEndpointIds are only for PRIVATE APIs, not {kind}"));
    }
    if kind == "PRIVATE" && ids.is_empty() && !has_policy {
        c.fail(key, "a PRIVATE API needs vpcEndpointIds or a policy that lets a VPC endpoint in; give either");
    }
    for id in ids.iter().filter(|id| !id.starts_with("vpce-")) {
        c.fail(key, format!("vpcEndpointIds: {id:?} is not a VPC endpoint id (vpce-…)"));
    }
}

/// The UpdateRestApi patch operations that bring `olds` to `news`.
pub fn patch_operations(olds: &RestApiOutputs, news: &RestApiInputs) -> Vec<PatchOperation> {
    let op = |op: Op, path: &str, value: Option<&str>| {
        PatchOperation::builder().op(op).path(path).set_value(value.map(str::to_string)).build()
    };
    let olds = &olds.inputs;
    let mut ops = Vec::new();
    if olds.name != news.name {
        ops.push(op(Op::Replace, "/name", Some(&news.name)));
    }
    if olds.description != news.description {
        ops.push(op(Op::Replace, "/description", Some(&news.description)));
    }
    if !PolicyDocument::same(olds.policy.as_deref(), news.policy.as_deref()) {
        ops.push(op(Op::Replace, "/policy", Some(&news.policy.as_deref().map(policy::compact).unwrap_or_default())));
    }
    let (old, new) = (&olds.endpoint_configuration, &news.endpoint_configuration);
    if old.types != new.types {
        ops.push(op(Op::Replace, &format!("/endpointConfiguration/types/{}", old.types), Some(&new.types)));
    }
    let (old_ids, new_ids): (BTreeSet<&String>, BTreeSet<&String>) =
        (old.vpc_endpoint_ids.iter().collect(), new.vpc_endpoint_ids.iter().collect());
    for id in new_ids.difference(&old_ids) {
        ops.push(op(Op::Add, "/endpointConfiguration/vpcEndpointIds", Some(id)));
    }
    for id in old_ids.difference(&new_ids) {
        ops.push(op(Op::Remove, "/endpointConfiguration/vpcEndpointIds", Some(id)));
    }
    ops
}

fn api_arn(partition: &str, region: &str, id: &str) -> String {
    crate::aws::arn(partition, "apigateway", region, "", &format!("/restapis/{id}"))
}

/// API Gateway hands policies back with their quotes escaped.
fn unescape_policy(p: &str) -> String {
    let text = if p.contains("\\\"") { p.replace("\\\"", "\"").replace("\\\\", "\\") } else { p.to_string() };
    policy::compact(&text)
}

#[async_trait]
impl Resource for RestApi {
    const TOKEN: &'static str = "tap:apigateway:RestApi";
    type Inputs = RestApiInputs;
    type State = RestApiOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(name) = c.string("name") {
            if name.is_empty() || name.len() > 1024 {
                c.fail("name", "must be 1 to 1024 characters");
            }
        }
        let has_policy = !matches!(policy::check(c, "policy"), Field::Absent);
        check_endpoint_configuration(c, has_policy);
        tags::check(c, "tags", 1);
    }

    /// The marked API of this name: from the region's index read once per run (Construct reads
    /// it while it looks the region up), or read again when the attempt may be seconds old.
    async fn find(&self, ctx: &Ctx, inputs: &RestApiInputs, fresh: bool) -> Result<Option<Created<RestApiOutputs>>> {
        let index = if fresh {
            Arc::new(read_markers(&ctx.clients).await?)
        } else {
            ctx.clients
                .api_markers
                .get_or_try_init(|| async { read_markers(&ctx.clients).await.map(Arc::new) })
                .await?
                .clone()
        };
        for (id, name) in index.get(ctx.marker()).into_iter().flatten() {
            if name != &inputs.name || ctx.is_seen(id) {
                continue;
            }
            if let Some(state) = read_api(ctx, id).await? {
                return Ok(Some(Created { id: id.to_string(), state }));
            }
        }
        Ok(None)
    }

    async fn create(&self, ctx: &Ctx, inputs: &RestApiInputs) -> Result<Created<RestApiOutputs>> {
        // The execution ARN needs the account: asked before the API exists.
        let account = ctx.clients.account_id().await?;
        let config = AwsEndpointConfiguration::builder()
            .types(EndpointType::from(inputs.endpoint_configuration.types.as_str()))
            .set_vpc_endpoint_ids(
                Some(inputs.endpoint_configuration.vpc_endpoint_ids.clone()).filter(|v| !v.is_empty()),
            )
            .build();
        let created = ctx
            .clients
            .apigateway
            .create_rest_api()
            .name(&inputs.name)
            .description(&inputs.description)
            .endpoint_configuration(config)
            .set_policy(inputs.policy.as_deref().map(policy::compact))
            .set_tags(Some(ctx.marked(&inputs.tags).into_iter().collect()))
            .customize()
            .config_override(crate::aws::once::apigateway())
            .send()
            .await
            .map_err(aws(ApiGateway, "CreateRestApi"))?;
        let id = id_from("CreateRestApi", created.id())?;
        let state = RestApiOutputs {
            inputs: RestApiInputs {
                name: created.name().unwrap_or(&inputs.name).to_string(),
                description: created.description().unwrap_or_default().to_string(),
                policy: created.policy().map(unescape_policy).or(inputs.policy.as_deref().map(policy::compact)),
                ..inputs.clone()
            },
            root_resource_id: created.root_resource_id().unwrap_or_default().to_string(),
            arn: api_arn(ctx.clients.partition(), &inputs.region, &id),
            execution_arn: ctx.clients.arn("execute-api", &account, &id),
        };
        Ok(Created { id, state })
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<RestApiOutputs>) -> Result<Option<RestApiOutputs>> {
        read_api(ctx, id).await
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: RestApiOutputs, news: RestApiInputs) -> Result<RestApiOutputs> {
        let api = &ctx.clients.apigateway;
        let ops = patch_operations(&olds, &news);
        if !ops.is_empty() {
            api.update_rest_api()
                .rest_api_id(id)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(aws(ApiGateway, "UpdateRestApi"))?;
        }
        let arn = api_arn(ctx.clients.partition(), ctx.region(), id);
        super::update_tags(ctx, &arn, &olds.inputs.tags, &news.tags).await?;
        let mut state = still_there("REST API", id, read_api(ctx, id).await?)?;
        // TagResource is synchronous: the tags are what was just set.
        state.inputs.tags = news.tags;
        Ok(state)
    }

    /// moto has no TagResource for REST APIs (it answers an HTML 404): against moto, marking an
    /// imported API fails; `tests::tag_update_requests_moto_cannot_serve` reads the request.
    async fn mark(&self, ctx: &Ctx, id: &str, _state: &RestApiOutputs) -> Result<()> {
        let arn = api_arn(ctx.clients.partition(), ctx.region(), id);
        let marker = ctx.marked(&Tags::new()).into_iter().collect();
        let request = ctx.clients.apigateway.tag_resource().resource_arn(arn).set_tags(Some(marker));
        request.send().await.map_err(aws(ApiGateway, "TagResource"))?;
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: RestApiOutputs) -> Result<()> {
        let api = &ctx.clients.apigateway;
        // DeleteRestApi is limited to one call per 30 s per account.
        let result = ctx
            .retry_while(
                &format!("deleting REST API {id} (API Gateway's deletion rate limit)"),
                |e| e.is_code(&["TooManyRequestsException"]),
                || async {
                    api.delete_rest_api().rest_api_id(id).send().await.map_err(aws(ApiGateway, "DeleteRestApi"))
                },
            )
            .await;
        super::settle_delete(result, async { Ok(read_api(ctx, id).await?.is_none()) }).await
    }
}

async fn read_api(ctx: &Ctx, id: &str) -> Result<Option<RestApiOutputs>> {
    let Some(out) = found(
        ctx.clients.apigateway.get_rest_api().rest_api_id(id).send().await.map_err(aws(ApiGateway, "GetRestApi")),
        Error::is_gone,
    )?
    else {
        return Ok(None);
    };
    let account = ctx.clients.account_id().await?;
    let config = out.endpoint_configuration();
    let mut ids = config.map(|c| c.vpc_endpoint_ids().to_vec()).unwrap_or_default();
    ids.sort();
    Ok(Some(RestApiOutputs {
        inputs: RestApiInputs {
            name: out.name().unwrap_or_default().to_string(),
            description: out.description().unwrap_or_default().to_string(),
            endpoint_configuration: EndpointConfiguration {
                types: config
                    .and_then(|c| c.types().first())
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_else(|| "EDGE".into()),
                vpc_endpoint_ids: ids,
            },
            policy: out.policy().map(unescape_policy),
            region: ctx.region().to_string(),
            tags: tags::user(out.tags().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone()))),
        },
        root_resource_id: out.root_resource_id().unwrap_or_default().to_string(),
        arn: api_arn(ctx.clients.partition(), ctx.region(), id),
        execution_arn: ctx.clients.arn("execute-api", &account, id),
    }))
}

/// Reads the region's marked REST APIs into `clients.api_markers` (Construct starts it early).
pub async fn prefetch_markers(clients: Arc<crate::aws::Clients>) {
    let _ = clients.api_markers.get_or_try_init(|| async { read_markers(&clients).await.map(Arc::new) }).await;
}

/// The region's REST APIs carrying tap's marker: marker → (id, name).
async fn read_markers(clients: &crate::aws::Clients) -> Result<crate::aws::ApiIndex> {
    let mut index = crate::aws::ApiIndex::new();
    let mut pages = clients.apigateway.get_rest_apis().into_paginator().send();
    while let Some(page) = pages.next().await {
        for api in page.map_err(aws(ApiGateway, "GetRestApis"))?.items() {
            let marker = api.tags().and_then(|t| t.get(crate::resource::MARKER_TAG));
            if let (Some(marker), Some(id)) = (marker, api.id()) {
                index
                    .entry(marker.clone())
                    .or_default()
                    .push((id.to_string(), api.name().unwrap_or_default().to_string()));
            }
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use crate::resources::tags::TagChange;
    use crate::value::PropertyMap;
    use crate::value::Value;

    fn outputs(types: &str, ids: &[&str]) -> RestApiOutputs {
        RestApiOutputs {
            inputs: RestApiInputs {
                name: "api".into(),
                description: "d".into(),
                endpoint_configuration: EndpointConfiguration {
                    types: types.into(),
                    vpc_endpoint_ids: ids.iter().map(|s| s.to_string()).collect(),
                },
                policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#.into()),
                region: "us-east-1".into(),
                tags: [("a".to_string(), "1".to_string())].into_iter().collect(),
            },
            root_resource_id: "r".into(),
            arn: String::new(),
            execution_arn: String::new(),
        }
    }

    fn inputs_of(o: &RestApiOutputs) -> RestApiInputs {
        o.inputs.clone()
    }

    fn ops(o: &[PatchOperation]) -> Vec<(String, String, String)> {
        o.iter()
            .map(|p| {
                (
                    p.op().map(|o| o.as_str().to_string()).unwrap_or_default(),
                    p.path().unwrap_or_default().into(),
                    p.value().unwrap_or_default().into(),
                )
            })
            .collect()
    }

    #[test]
    fn endpoint_id_patch_adds_and_removes_ids_moto_ignores_it() {
        let olds = outputs("PRIVATE", &["vpce-old"]);
        let mut news = inputs_of(&olds);
        news.endpoint_configuration.vpc_endpoint_ids = vec!["vpce-new".into()];
        assert_eq!(
            ops(&patch_operations(&olds, &news)),
            [
                ("add".into(), "/endpointConfiguration/vpcEndpointIds".into(), "vpce-new".into()),
                ("remove".into(), "/endpointConfiguration/vpcEndpointIds".into(), "vpce-old".into()),
            ]
        );
    }

    #[test]
    fn description_policy_and_type_patches() {
        let olds = outputs("REGIONAL", &[]);
        let mut news = inputs_of(&olds);
        assert!(patch_operations(&olds, &news).is_empty());
        news.policy = Some(r#"{ "Statement": {"Effect": "Allow"}, "Version": "2012-10-17" }"#.into());
        assert!(patch_operations(&olds, &news).is_empty(), "the same policy written differently");
        news.description = "new".into();
        news.endpoint_configuration.types = "PRIVATE".into();
        news.policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny"}]}"#.into());
        let got = ops(&patch_operations(&olds, &news));
        assert_eq!(got[0], ("replace".into(), "/description".into(), "new".into()));
        assert_eq!(got[1].1, "/policy");
        assert!(got[1].2.contains("Deny"));
        assert_eq!(got[2], ("replace".into(), "/endpointConfiguration/types/REGIONAL".into(), "PRIVATE".into()));
    }

    #[test]
    fn tag_update_requests_moto_cannot_serve() {
        // moto has no TagResource/UntagResource for REST APIs: the requests are checked here.
        let config = aws_sdk_apigateway::Config::builder()
            .behavior_version(aws_sdk_apigateway::config::BehaviorVersion::latest())
            .region(aws_sdk_apigateway::config::Region::new("us-east-1"))
            .build();
        let client = aws_sdk_apigateway::Client::from_conf(config);
        let olds = outputs("PRIVATE", &["vpce-1"]);
        let mut news = inputs_of(&olds);
        news.tags = [("b".to_string(), "2".to_string())].into_iter().collect();
        let TagChange { set, removed } = TagChange::between(&olds.inputs.tags, &news.tags);
        let tag = client
            .tag_resource()
            .resource_arn(api_arn("aws", "us-east-1", "abc"))
            .set_tags(Some(set.into_iter().collect()));
        assert_eq!(tag.get_resource_arn().as_deref(), Some("arn:aws:apigateway:us-east-1::/restapis/abc"));
        assert_eq!(tag.get_tags().as_ref().and_then(|t| t.get("b")).map(String::as_str), Some("2"));
        let untag =
            client.untag_resource().resource_arn(api_arn("aws", "us-east-1", "abc")).set_tag_keys(Some(removed));
        assert_eq!(untag.get_tag_keys().as_deref(), Some(&["a".to_string()][..]));
    }

    #[test]
    fn check_endpoint_configuration_rules() {
        let check = |config: Value, policy: Option<&str>| {
            let mut news: PropertyMap =
                [("name".to_string(), Value::str("api")), ("endpointConfiguration".to_string(), config)]
                    .into_iter()
                    .collect();
            if let Some(p) = policy {
                news.insert("policy".into(), Value::str(p));
            }
            DynResource::check(&RestApi, &PropertyMap::new(), news, "api", &[], Some("us-east-1"))
        };
        let obj = |types: Value, ids: &[&str]| {
            Value::Object(
                [
                    ("types".to_string(), types),
                    ("vpcEndpointIds".to_string(), Value::Array(ids.iter().map(|i| Value::str(*i)).collect())),
                ]
                .into_iter()
                .collect(),
            )
        };
        assert!(check(obj(Value::str("PRIVATE"), &["vpce-1"]), None).1.is_empty());
        let (_, f) = check(obj(Value::str("PRIVATE"), &[]), None);
        assert!(f[0].reason.contains("needs vpcEndpointIds or a policy"), "{f:?}");
        assert!(check(obj(Value::str("PRIVATE"), &[]), Some(r#"{"Version":"2012-10-17","Statement":[{}]}"#))
            .1
            .is_empty());
        let (_, f) = check(obj(Value::Array(vec![Value::str("PRIVATE")]), &["vpce-1"]), None);
        assert!(f[0].reason.contains("one string"), "{f:?}");
        let (_, f) = check(obj(Value::str("EDGE"), &["vpce-1"]), None);
        assert!(f[0].reason.contains("only for PRIVATE"), "{f:?}");
        let (_, f) = check(obj(Value::str("PUBLIC"), &[]), None);
        assert_eq!(f[0].property, "endpointConfiguration");
    }
}
