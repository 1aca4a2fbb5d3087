//! `tap:apigateway:Method` and `tap:apigateway:MethodResponse`: a method of a REST API resource,
//! and a response it declares.
//!
//! AWS APIs: PutMethod, GetMethod, UpdateMethod (authorization, API key), DeleteMethod;
//! PutMethodResponse (read back from GetMethod), DeleteMethodResponse. Ids: `agm-<api>-<resource>-<method>`
//! and `agmr-<api>-<resource>-<method>-<status>`. A method is unique by its API, resource and HTTP
//! method (so a repeated create finds the earlier one, and a replacement deletes first).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigateway::types::Op;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{check_http_method, check_status_code, id_parts, patch, settle_delete};
use crate::error::{aws, Error, Result, Service::ApiGateway};
use crate::resource::{deleted, found, Checker, Created, Ctx, Resource};

pub struct Method;

/// A method of a REST API resource (GET on `/`, …): who may call it. Authorization and the API
/// key requirement update in place; the API, resource or HTTP method replace it. Import with
/// `agm-<api id>-<resource id>-<method>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct MethodInputs {
    /// The REST API's id.
    #[field(replace, identity, required = "the REST API's id")]
    pub rest_api: String,
    /// The resource's id (the API's rootResourceId for `/`).
    #[field(replace, identity, required = "the id of a resource of the API, such as its rootResourceId")]
    pub resource_id: String,
    /// GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY.
    #[field(replace, identity, required = "an HTTP method such as GET")]
    pub http_method: String,
    /// NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS (default NONE).
    #[field(default = "NONE")]
    pub authorization: String,
    /// Whether callers must send an API key (default false).
    #[field(default = false)]
    pub api_key_required: bool,
    #[field(region)]
    pub region: String,
}

/// The method as API Gateway reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct MethodOutputs {
    #[serde(flatten)]
    pub inputs: MethodInputs,
}

fn method_id(i: &MethodInputs) -> String {
    format!("agm-{}-{}-{}", i.rest_api, i.resource_id, i.http_method)
}

async fn read_method(ctx: &Ctx, api: &str, resource: &str, method: &str) -> Result<Option<MethodOutputs>> {
    let got = ctx.clients.apigateway.get_method().rest_api_id(api).resource_id(resource).http_method(method).send();
    let Some(m) = found(got.await.map_err(aws(ApiGateway, "GetMethod")), Error::is_gone)? else { return Ok(None) };
    Ok(Some(MethodOutputs {
        inputs: MethodInputs {
            rest_api: api.to_string(),
            resource_id: resource.to_string(),
            http_method: m.http_method().unwrap_or(method).to_string(),
            authorization: m.authorization_type().unwrap_or("NONE").to_string(),
            api_key_required: m.api_key_required().unwrap_or(false),
            region: ctx.region().to_string(),
        },
    }))
}

/// The patch operations of UpdateMethod from `old` to `new`.
fn method_patch(old: &MethodInputs, new: &MethodInputs) -> Vec<aws_sdk_apigateway::types::PatchOperation> {
    let mut ops = Vec::new();
    if old.authorization != new.authorization {
        ops.push(patch(Op::Replace, "/authorizationType", Some(new.authorization.clone())));
    }
    if old.api_key_required != new.api_key_required {
        ops.push(patch(Op::Replace, "/apiKeyRequired", Some(new.api_key_required.to_string())));
    }
    ops
}

#[async_trait]
impl Resource for Method {
    const TOKEN: &'static str = "tap:apigateway:Method";
    type Inputs = MethodInputs;
    type State = MethodOutputs;
    /// Untagged: the API, resource and HTTP method are the identity.
    const MARKED: bool = false;

    fn replace_conflicts(&self, _name: &str, olds: &MethodOutputs, news: &MethodInputs) -> bool {
        method_id(&olds.inputs) == method_id(news)
    }

    fn check(&self, c: &mut Checker<'_>) {
        check_http_method(c, "httpMethod");
        c.one_of("authorization", &["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]);
    }

    /// The method an earlier attempt made (PutMethod's answer lost): it is unique by its key.
    async fn find(&self, ctx: &Ctx, inputs: &MethodInputs, _fresh: bool) -> Result<Option<Created<MethodOutputs>>> {
        let id = method_id(inputs);
        if ctx.is_seen(&id) {
            return Ok(None);
        }
        let found = read_method(ctx, &inputs.rest_api, &inputs.resource_id, &inputs.http_method).await?;
        Ok(found.map(|state| Created { id, state }))
    }

    async fn create(&self, ctx: &Ctx, inputs: &MethodInputs) -> Result<Created<MethodOutputs>> {
        ctx.clients
            .apigateway
            .put_method()
            .rest_api_id(&inputs.rest_api)
            .resource_id(&inputs.resource_id)
            .http_method(&inputs.http_method)
            .authorization_type(&inputs.authorization)
            .api_key_required(inputs.api_key_required)
            .customize()
            .config_override(crate::aws::once::apigateway())
            .send()
            .await
            .map_err(aws(ApiGateway, "PutMethod"))?;
        Ok(Created { id: method_id(inputs), state: MethodOutputs { inputs: inputs.clone() } })
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<MethodOutputs>) -> Result<Option<MethodOutputs>> {
        let Some(p) = id_parts(id, "agm", 3) else { return Ok(None) };
        read_method(ctx, p[0], p[1], p[2]).await
    }

    /// moto has no UpdateMethod (HTTP 500): `tests::method_updates_patch_what_changed` reads the
    /// request tap sends.
    async fn update(&self, ctx: &Ctx, _id: &str, olds: MethodOutputs, news: MethodInputs) -> Result<MethodOutputs> {
        let ops = method_patch(&olds.inputs, &news);
        if !ops.is_empty() {
            ctx.clients
                .apigateway
                .update_method()
                .rest_api_id(&news.rest_api)
                .resource_id(&news.resource_id)
                .http_method(&news.http_method)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(aws(ApiGateway, "UpdateMethod"))?;
        }
        Ok(MethodOutputs { inputs: news })
    }

    async fn delete(&self, ctx: &Ctx, _id: &str, olds: MethodOutputs) -> Result<()> {
        let i = &olds.inputs;
        let sent = ctx.clients.apigateway.delete_method().rest_api_id(&i.rest_api).resource_id(&i.resource_id);
        deleted(sent.http_method(&i.http_method).send().await.map_err(aws(ApiGateway, "DeleteMethod")), Error::is_gone)
    }
}

pub struct MethodResponse;

/// A response a method declares (its status code and response models). Every input replaces it.
/// Import with `agmr-<api id>-<resource id>-<method>-<status>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponseInputs {
    /// The REST API's id.
    #[field(replace, identity, required = "the REST API's id")]
    pub rest_api: String,
    /// The resource's id.
    #[field(replace, identity, required = "the id of a resource of the API")]
    pub resource_id: String,
    /// The method's HTTP method.
    #[field(replace, identity, required = "an HTTP method such as GET")]
    pub http_method: String,
    /// The status code, such as `200`.
    #[field(replace, identity, required = "an HTTP status code such as 200", numbers_as_text)]
    pub status_code: String,
    /// Models by content type (default none).
    #[field(replace, default = BTreeMap::new())]
    #[serde(default)]
    pub response_models: BTreeMap<String, String>,
    #[field(region)]
    pub region: String,
}

/// The method response as API Gateway reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponseOutputs {
    #[serde(flatten)]
    pub inputs: MethodResponseInputs,
}

fn response_id(i: &MethodResponseInputs) -> String {
    format!("agmr-{}-{}-{}-{}", i.rest_api, i.resource_id, i.http_method, i.status_code)
}

/// The response, as the method lists it (GetMethod answers 404 for a missing method; moto answers
/// GetMethodResponse for a missing response with a 500).
async fn read_response(ctx: &Ctx, p: &[&str]) -> Result<Option<MethodResponseOutputs>> {
    let got = ctx.clients.apigateway.get_method().rest_api_id(p[0]).resource_id(p[1]).http_method(p[2]).send();
    let Some(m) = found(got.await.map_err(aws(ApiGateway, "GetMethod")), Error::is_gone)? else { return Ok(None) };
    let Some(r) = m.method_responses().and_then(|all| all.get(p[3])) else { return Ok(None) };
    let models = r.response_models().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
    Ok(Some(MethodResponseOutputs {
        inputs: MethodResponseInputs {
            rest_api: p[0].to_string(),
            resource_id: p[1].to_string(),
            http_method: p[2].to_string(),
            status_code: r.status_code().unwrap_or(p[3]).to_string(),
            response_models: models.unwrap_or_default(),
            region: ctx.region().to_string(),
        },
    }))
}

#[async_trait]
impl Resource for MethodResponse {
    const TOKEN: &'static str = "tap:apigateway:MethodResponse";
    type Inputs = MethodResponseInputs;
    type State = MethodResponseOutputs;
    /// Untagged: the method and status code are the identity.
    const MARKED: bool = false;

    fn replace_conflicts(&self, _name: &str, olds: &MethodResponseOutputs, news: &MethodResponseInputs) -> bool {
        response_id(&olds.inputs) == response_id(news)
    }

    fn check(&self, c: &mut Checker<'_>) {
        check_http_method(c, "httpMethod");
        check_status_code(c, "statusCode");
    }

    async fn find(
        &self,
        ctx: &Ctx,
        inputs: &MethodResponseInputs,
        _fresh: bool,
    ) -> Result<Option<Created<MethodResponseOutputs>>> {
        let id = response_id(inputs);
        if ctx.is_seen(&id) {
            return Ok(None);
        }
        let p = [&inputs.rest_api, &inputs.resource_id, &inputs.http_method, &inputs.status_code].map(String::as_str);
        Ok(read_response(ctx, &p).await?.map(|state| Created { id, state }))
    }

    async fn create(&self, ctx: &Ctx, inputs: &MethodResponseInputs) -> Result<Created<MethodResponseOutputs>> {
        let models = (!inputs.response_models.is_empty())
            .then(|| inputs.response_models.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        ctx.clients
            .apigateway
            .put_method_response()
            .rest_api_id(&inputs.rest_api)
            .resource_id(&inputs.resource_id)
            .http_method(&inputs.http_method)
            .status_code(&inputs.status_code)
            .set_response_models(models)
            .customize()
            .config_override(crate::aws::once::apigateway())
            .send()
            .await
            .map_err(aws(ApiGateway, "PutMethodResponse"))?;
        Ok(Created { id: response_id(inputs), state: MethodResponseOutputs { inputs: inputs.clone() } })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<MethodResponseOutputs>,
    ) -> Result<Option<MethodResponseOutputs>> {
        let Some(p) = id_parts(id, "agmr", 4) else { return Ok(None) };
        read_response(ctx, &p).await
    }

    /// Every input replaces: an update only ever repairs a response that went missing.
    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _olds: MethodResponseOutputs,
        news: MethodResponseInputs,
    ) -> Result<MethodResponseOutputs> {
        if self.read(ctx, id, None).await?.is_none() {
            self.create(ctx, &news).await?;
        }
        Ok(MethodResponseOutputs { inputs: news })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: MethodResponseOutputs) -> Result<()> {
        let i = &olds.inputs;
        let sent = ctx.clients.apigateway.delete_method_response().rest_api_id(&i.rest_api).resource_id(&i.resource_id);
        let sent = sent.http_method(&i.http_method).status_code(&i.status_code).send().await;
        let sent = sent.map_err(aws(ApiGateway, "DeleteMethodResponse"));
        settle_delete(sent, async { Ok(self.read(ctx, id, None).await?.is_none()) }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use crate::value::{PropertyMap, Value};

    #[test]
    fn method_updates_patch_what_changed() {
        let old = MethodInputs {
            rest_api: "a".into(),
            resource_id: "r".into(),
            http_method: "GET".into(),
            authorization: "NONE".into(),
            api_key_required: false,
            region: "us-east-1".into(),
        };
        assert!(method_patch(&old, &old).is_empty());
        let new = MethodInputs { authorization: "AWS_IAM".into(), api_key_required: true, ..old.clone() };
        let ops: Vec<(String, String)> = method_patch(&old, &new)
            .iter()
            .map(|p| (p.path().unwrap_or_default().to_string(), p.value().unwrap_or_default().to_string()))
            .collect();
        assert_eq!(ops, [("/authorizationType".into(), "AWS_IAM".into()), ("/apiKeyRequired".into(), "true".into())]);
    }

    #[test]
    fn check_names_bad_methods_and_status_codes() {
        let news = |pairs: &[(&str, Value)]| -> PropertyMap {
            let mut m: PropertyMap =
                [("restApi", Value::str("a")), ("resourceId", Value::str("r"))].map(|(k, v)| (k.to_string(), v)).into();
            m.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
            m
        };
        let (_, f) = DynResource::check(
            &Method,
            &PropertyMap::new(),
            news(&[("httpMethod", Value::str("get"))]),
            "m",
            &[1; 32],
            Some("us-east-1"),
        );
        assert!(f.iter().any(|f| f.property == "httpMethod" && f.reason.contains("upper case")), "{f:?}");
        let (_, f) = DynResource::check(
            &Method,
            &PropertyMap::new(),
            news(&[("httpMethod", Value::str("GET")), ("authorization", Value::str("OPEN"))]),
            "m",
            &[1; 32],
            Some("us-east-1"),
        );
        assert!(f.iter().any(|f| f.property == "authorization"), "{f:?}");
        let (checked, f) = DynResource::check(
            &MethodResponse,
            &PropertyMap::new(),
            news(&[("httpMethod", Value::str("GET")), ("statusCode", Value::Number(200.0))]),
            "m",
            &[1; 32],
            Some("us-east-1"),
        );
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(checked.get("statusCode"), Some(&Value::str("200")), "a number is taken as its digits");
        let (_, f) = DynResource::check(
            &MethodResponse,
            &PropertyMap::new(),
            news(&[("httpMethod", Value::str("GET")), ("statusCode", Value::str("2000"))]),
            "m",
            &[1; 32],
            Some("us-east-1"),
        );
        assert!(f.iter().any(|f| f.property == "statusCode" && f.reason.contains("three digits")), "{f:?}");
    }
}
