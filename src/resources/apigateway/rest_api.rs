//! `tap:apigateway:RestApi`: a REST API (EDGE, REGIONAL or PRIVATE).
//!
//! AWS APIs: CreateRestApi (endpoint configuration, policy and tags at creation), GetRestApi,
//! UpdateRestApi (patch operations: name, description, policy, endpoint type and VPC endpoint
//! ids, all in place), TagResource / UntagResource, DeleteRestApi (retried through API Gateway's
//! one-deletion-per-30-s account limit). Id: the REST API id. Replaced only when region changes.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_apigateway::types::{EndpointConfiguration as AwsEndpointConfiguration, EndpointType, Op, PatchOperation};
use serde::{Deserialize, Serialize};

use crate::error::{aws, Error, Result};
use crate::resource::{found, Checker, Ctx, Field, Resource};
use crate::resources::{policy, tag_diff, Tags};
use crate::value::Value;

pub struct RestApi;

/// Where the API is reachable: one type, and for PRIVATE the VPC endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    /// `EDGE`, `REGIONAL` or `PRIVATE`.
    pub types: String,
    #[serde(default)]
    pub vpc_endpoint_ids: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApiInputs {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub endpoint_configuration: EndpointConfiguration,
    #[serde(default)]
    pub policy: Option<String>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApiOutputs {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub endpoint_configuration: EndpointConfiguration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub root_resource_id: String,
    #[serde(default)]
    pub arn: String,
    #[serde(default)]
    pub execution_arn: String,
}

const TYPES: [&str; 3] = ["EDGE", "REGIONAL", "PRIVATE"];

fn check_endpoint_configuration(c: &mut Checker<'_>, has_policy: bool) {
    let key = "endpointConfiguration";
    c.default(key, Value::Object([("types".to_string(), Value::str("EDGE"))].into_iter().collect()));
    let config = match c.news.get(key).map(Value::unwrap_plain) {
        Some(Value::Object(map)) => map,
        Some(v) if v.contains_unknowns() => return,
        _ => {
            c.fail(key, r#"must be an object such as {types: "PRIVATE", vpcEndpointIds: ["vpce-…"]}"#);
            return;
        }
    };
    for k in config.keys().filter(|k| !["types", "vpcEndpointIds"].contains(&k.as_str())) {
        c.fail(key, format!("has {k:?}; it takes types and vpcEndpointIds"));
    }
    let kind = match config.get("types") {
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => Some(t.clone()),
        Some(Value::String(t)) => {
            c.fail(key, format!("types must be one of EDGE, REGIONAL or PRIVATE (one string), not {t:?}"));
            None
        }
        Some(Value::Array(_)) => {
            c.fail(key, "types is one string (EDGE, REGIONAL or PRIVATE), not a list");
            None
        }
        Some(v) if v.contains_unknowns() => None,
        _ => {
            c.fail(key, "types is required: EDGE, REGIONAL or PRIVATE");
            None
        }
    };
    let ids = match config.get("vpcEndpointIds") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) if items.iter().all(|i| matches!(i, Value::String(_))) => {
            Some(items.iter().filter_map(|i| if let Value::String(s) = i { Some(s.clone()) } else { None }).collect())
        }
        Some(v) if v.contains_unknowns() => None,
        Some(_) => {
            c.fail(key, "vpcEndpointIds must be a list of VPC endpoint ids");
            None
        }
    };
    if let (Some(kind), Some(ids)) = (&kind, &ids) {
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
    // Keep the program's representation but make the list explicit, so diffs compare like with like.
    if let (Some(Value::Object(mut map)), true) = (c.news.get(key).cloned(), ids.is_some()) {
        map.entry("vpcEndpointIds".into()).or_insert(Value::Array(Vec::new()));
        c.news.insert(key.into(), Value::Object(map));
    }
}

/// The UpdateRestApi patch operations that bring `olds` to `news`.
pub fn patch_operations(olds: &RestApiOutputs, news: &RestApiInputs) -> Vec<PatchOperation> {
    let op = |op: Op, path: &str, value: Option<&str>| {
        PatchOperation::builder().op(op).path(path).set_value(value.map(str::to_string)).build()
    };
    let mut ops = Vec::new();
    if olds.name != news.name {
        ops.push(op(Op::Replace, "/name", Some(&news.name)));
    }
    if olds.description != news.description {
        ops.push(op(Op::Replace, "/description", Some(&news.description)));
    }
    let same_policy = |a: &Option<String>, b: &Option<String>| {
        let n = |p: &Option<String>| policy::normalize(serde_json::Value::String(p.clone().unwrap_or_default()));
        n(a) == n(b)
    };
    if !same_policy(&olds.policy, &news.policy) {
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

fn arn(region: &str, id: &str) -> String {
    format!("arn:aws:apigateway:{region}::/restapis/{id}")
}

/// API Gateway hands policies back with their quotes escaped.
fn unescape_policy(p: &str) -> String {
    let text = if p.contains("\\\"") { p.replace("\\\"", "\"").replace("\\\\", "\\") } else { p.to_string() };
    policy::compact(&text)
}

#[async_trait]
impl Resource for RestApi {
    const TOKEN: &'static str = "tap:apigateway:RestApi";
    const REPLACE_ON: &'static [&'static str] = &[];
    type Inputs = RestApiInputs;
    type Outputs = RestApiOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(name) = c.required_string("name", "the API's name") {
            if name.is_empty() || name.len() > 1024 {
                c.fail("name", "must be 1 to 1024 characters");
            }
        }
        c.default("description", Value::str(""));
        c.string("description");
        let has_policy = !matches!(policy::check(c, "policy", false), Field::Absent);
        check_endpoint_configuration(c, has_policy);
        c.tags();
    }

    fn normalize(&self, key: &str, value: serde_json::Value) -> serde_json::Value {
        match key {
            "policy" => policy::normalize(value),
            "endpointConfiguration" => {
                let mut v = value;
                if let Some(ids) = v.get_mut("vpcEndpointIds").and_then(|ids| ids.as_array_mut()) {
                    ids.sort_by_key(|i| i.to_string());
                }
                v
            }
            _ => value,
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: RestApiInputs) -> Result<(String, RestApiOutputs)> {
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
            .set_tags(
                Some(inputs.tags.clone().into_iter().collect())
                    .filter(|t: &std::collections::HashMap<_, _>| !t.is_empty()),
            )
            .send()
            .await
            .map_err(aws("CreateRestApi"))?;
        let id = created.id().unwrap_or_default().to_string();
        let account = ctx.clients.account_id().await.unwrap_or_default();
        let outputs = RestApiOutputs {
            name: created.name().unwrap_or(&inputs.name).to_string(),
            description: created.description().unwrap_or_default().to_string(),
            endpoint_configuration: inputs.endpoint_configuration.clone(),
            policy: created.policy().map(unescape_policy).or(inputs.policy.as_deref().map(policy::compact)),
            region: inputs.region.clone(),
            tags: inputs.tags.clone(),
            root_resource_id: created.root_resource_id().unwrap_or_default().to_string(),
            arn: arn(&inputs.region, &id),
            execution_arn: format!("arn:aws:execute-api:{}:{account}:{id}", inputs.region),
        };
        Ok((id, outputs))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<RestApiOutputs>> {
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
                .map_err(aws("UpdateRestApi"))?;
        }
        let (set, removed) = tag_diff(&olds.tags, &news.tags);
        if !removed.is_empty() {
            api.untag_resource()
                .resource_arn(arn(ctx.region(), id))
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(aws("UntagResource"))?;
        }
        if !set.is_empty() {
            api.tag_resource()
                .resource_arn(arn(ctx.region(), id))
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(aws("TagResource"))?;
        }
        let mut outputs = read_api(ctx, id)
            .await?
            .ok_or_else(|| Error::Internal(format!("REST API {id} vanished during the update")))?;
        // TagResource is synchronous: the tags are what was just set.
        outputs.tags = news.tags;
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: RestApiOutputs) -> Result<()> {
        let api = &ctx.clients.apigateway;
        // DeleteRestApi is limited to one call per 30 s per account.
        let result = ctx
            .retry_while(
                &format!("deleting REST API {id} (API Gateway's deletion rate limit)"),
                |e| e.is_code(&["TooManyRequestsException"]),
                || async { api.delete_rest_api().rest_api_id(id).send().await.map_err(aws("DeleteRestApi")) },
            )
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.is_code(&["NotFoundException"]) => Ok(()),
            // Some endpoints (moto) fail oddly for an API that is already gone: check before failing.
            Err(e) => match read_api(ctx, id).await {
                Ok(None) => Ok(()),
                _ => Err(e),
            },
        }
    }
}

async fn read_api(ctx: &Ctx, id: &str) -> Result<Option<RestApiOutputs>> {
    let Some(out) =
        found(ctx.clients.apigateway.get_rest_api().rest_api_id(id).send().await.map_err(aws("GetRestApi")), |e| {
            e.is_code(&["NotFoundException"])
        })?
    else {
        return Ok(None);
    };
    let account = ctx.clients.account_id().await?;
    let config = out.endpoint_configuration();
    let mut ids = config.map(|c| c.vpc_endpoint_ids().to_vec()).unwrap_or_default();
    ids.sort();
    Ok(Some(RestApiOutputs {
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
        tags: out.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default(),
        root_resource_id: out.root_resource_id().unwrap_or_default().to_string(),
        arn: arn(ctx.region(), id),
        execution_arn: format!("arn:aws:execute-api:{}:{account}:{id}", ctx.region()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use crate::value::PropertyMap;

    fn outputs(types: &str, ids: &[&str]) -> RestApiOutputs {
        RestApiOutputs {
            name: "api".into(),
            description: "d".into(),
            endpoint_configuration: EndpointConfiguration {
                types: types.into(),
                vpc_endpoint_ids: ids.iter().map(|s| s.to_string()).collect(),
            },
            policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#.into()),
            region: "us-east-1".into(),
            tags: [("a".to_string(), "1".to_string())].into_iter().collect(),
            root_resource_id: "r".into(),
            arn: String::new(),
            execution_arn: String::new(),
        }
    }

    fn inputs_of(o: &RestApiOutputs) -> RestApiInputs {
        RestApiInputs {
            name: o.name.clone(),
            description: o.description.clone(),
            endpoint_configuration: o.endpoint_configuration.clone(),
            policy: o.policy.clone(),
            region: o.region.clone(),
            tags: o.tags.clone(),
        }
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
        let (set, removed) = tag_diff(&olds.tags, &news.tags);
        let tag = client.tag_resource().resource_arn(arn("us-east-1", "abc")).set_tags(Some(set.into_iter().collect()));
        assert_eq!(tag.get_resource_arn().as_deref(), Some("arn:aws:apigateway:us-east-1::/restapis/abc"));
        assert_eq!(tag.get_tags().as_ref().and_then(|t| t.get("b")).map(String::as_str), Some("2"));
        let untag = client.untag_resource().resource_arn(arn("us-east-1", "abc")).set_tag_keys(Some(removed));
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
