//! `tap:apigateway:Integration` and `tap:apigateway:IntegrationResponse`: what a method calls
//! (a MOCK answer, an HTTP backend, an AWS service) and how its answer becomes the response.
//!
//! AWS APIs: PutIntegration / PutIntegrationResponse (each writes the whole thing: create and
//! update, safe to repeat), GetIntegration (both are read from it), DeleteIntegration /
//! DeleteIntegrationResponse. Ids: `agi-<api>-<resource>-<method>` and
//! `agir-<api>-<resource>-<method>-<status>`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigateway::types::IntegrationType;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{check_http_method, check_status_code, id_parts, settle_delete};
use crate::error::{aws, Error, Result, Service::ApiGateway};
use crate::resource::{found, Checker, Created, Ctx, Field, Resource};

pub struct Integration;

/// What a method calls. Everything but the method's key updates in place (the whole integration
/// is written again). Import with `agi-<api id>-<resource id>-<method>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationInputs {
    /// The REST API's id.
    #[field(replace, identity, required = "the REST API's id")]
    pub rest_api: String,
    /// The resource's id.
    #[field(replace, identity, required = "the id of a resource of the API")]
    pub resource_id: String,
    /// The method's HTTP method.
    #[field(replace, identity, required = "an HTTP method such as GET")]
    pub http_method: String,
    /// MOCK, HTTP, HTTP_PROXY, AWS or AWS_PROXY.
    #[field(required = "MOCK, HTTP, HTTP_PROXY, AWS or AWS_PROXY")]
    #[serde(rename = "type")]
    pub integration_type: String,
    /// The backend's HTTP method (HTTP, AWS and their proxies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_http_method: Option<String>,
    /// The backend's URI (every type but MOCK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Mapping templates by content type (for MOCK, the status the answer has).
    #[field(default = BTreeMap::new())]
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
    #[field(region)]
    pub region: String,
}

/// The integration as API Gateway reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationOutputs {
    #[serde(flatten)]
    pub inputs: IntegrationInputs,
}

fn integration_id(i: &IntegrationInputs) -> String {
    format!("agi-{}-{}-{}", i.rest_api, i.resource_id, i.http_method)
}

fn map_of(m: Option<&std::collections::HashMap<String, String>>) -> BTreeMap<String, String> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
}

fn hash_map(m: &BTreeMap<String, String>) -> Option<std::collections::HashMap<String, String>> {
    (!m.is_empty()).then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

async fn put_integration(ctx: &Ctx, i: &IntegrationInputs) -> Result<()> {
    ctx.clients
        .apigateway
        .put_integration()
        .rest_api_id(&i.rest_api)
        .resource_id(&i.resource_id)
        .http_method(&i.http_method)
        .r#type(IntegrationType::from(i.integration_type.as_str()))
        .set_integration_http_method(i.integration_http_method.clone())
        .set_uri(i.uri.clone())
        .set_request_templates(hash_map(&i.request_templates))
        .send()
        .await
        .map_err(aws(ApiGateway, "PutIntegration"))?;
    Ok(())
}

#[async_trait]
impl Resource for Integration {
    const TOKEN: &'static str = "tap:apigateway:Integration";
    type Inputs = IntegrationInputs;
    type State = IntegrationOutputs;
    /// Untagged, and its create is safe to repeat (it writes the whole integration): no marker.
    const MARKED: bool = false;

    fn replace_conflicts(&self, _name: &str, olds: &IntegrationOutputs, news: &IntegrationInputs) -> bool {
        integration_id(&olds.inputs) == integration_id(news)
    }

    fn check(&self, c: &mut Checker<'_>) {
        check_http_method(c, "httpMethod");
        let kind = c.one_of("type", &["MOCK", "HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY"]);
        if let Field::Known(kind) = kind {
            if kind != "MOCK" && matches!(c.string("uri"), Field::Absent) {
                c.fail("uri", format!("is required for type {kind}: give the backend's URI"));
            }
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: &IntegrationInputs) -> Result<Created<IntegrationOutputs>> {
        put_integration(ctx, inputs).await?;
        Ok(Created { id: integration_id(inputs), state: IntegrationOutputs { inputs: inputs.clone() } })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<IntegrationOutputs>,
    ) -> Result<Option<IntegrationOutputs>> {
        let Some(p) = id_parts(id, "agi", 3) else { return Ok(None) };
        let got = ctx.clients.apigateway.get_integration().rest_api_id(p[0]).resource_id(p[1]).http_method(p[2]);
        let Some(out) = found(got.send().await.map_err(aws(ApiGateway, "GetIntegration")), Error::is_gone)? else {
            return Ok(None);
        };
        // moto answers for a deleted integration with an empty one.
        if out.r#type().is_none() {
            return Ok(None);
        }
        Ok(Some(IntegrationOutputs {
            inputs: IntegrationInputs {
                rest_api: p[0].to_string(),
                resource_id: p[1].to_string(),
                http_method: p[2].to_string(),
                integration_type: out.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                integration_http_method: out.http_method().map(str::to_string),
                uri: out.uri().map(str::to_string).filter(|u| !u.is_empty()),
                request_templates: map_of(out.request_templates()),
                region: ctx.region().to_string(),
            },
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        _olds: IntegrationOutputs,
        news: IntegrationInputs,
    ) -> Result<IntegrationOutputs> {
        put_integration(ctx, &news).await?;
        Ok(IntegrationOutputs { inputs: news })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: IntegrationOutputs) -> Result<()> {
        let i = &olds.inputs;
        let sent = ctx.clients.apigateway.delete_integration().rest_api_id(&i.rest_api).resource_id(&i.resource_id);
        let sent = sent.http_method(&i.http_method).send().await.map_err(aws(ApiGateway, "DeleteIntegration"));
        settle_delete(sent, async { Ok(self.read(ctx, id, None).await?.is_none()) }).await
    }
}

pub struct IntegrationResponse;

/// How an integration's answer becomes a method response: the status code it maps to and the
/// templates that shape the body. Templates and the selection pattern update in place. Import
/// with `agir-<api id>-<resource id>-<method>-<status>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponseInputs {
    /// The REST API's id.
    #[field(replace, identity, required = "the REST API's id")]
    pub rest_api: String,
    /// The resource's id.
    #[field(replace, identity, required = "the id of a resource of the API")]
    pub resource_id: String,
    /// The method's HTTP method.
    #[field(replace, identity, required = "an HTTP method such as GET")]
    pub http_method: String,
    /// The method response's status code, such as `200`.
    #[field(replace, identity, required = "an HTTP status code such as 200", numbers_as_text)]
    pub status_code: String,
    /// Which backend answers map here (a regular expression; the default response when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    /// Response templates by content type.
    #[field(default = BTreeMap::new())]
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
    #[field(region)]
    pub region: String,
}

/// The integration response as API Gateway reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponseOutputs {
    #[serde(flatten)]
    pub inputs: IntegrationResponseInputs,
}

fn integration_response_id(i: &IntegrationResponseInputs) -> String {
    format!("agir-{}-{}-{}-{}", i.rest_api, i.resource_id, i.http_method, i.status_code)
}

async fn put_integration_response(ctx: &Ctx, i: &IntegrationResponseInputs) -> Result<()> {
    ctx.clients
        .apigateway
        .put_integration_response()
        .rest_api_id(&i.rest_api)
        .resource_id(&i.resource_id)
        .http_method(&i.http_method)
        .status_code(&i.status_code)
        .set_selection_pattern(i.selection_pattern.clone())
        .set_response_templates(hash_map(&i.response_templates))
        .send()
        .await
        .map_err(aws(ApiGateway, "PutIntegrationResponse"))?;
    Ok(())
}

#[async_trait]
impl Resource for IntegrationResponse {
    const TOKEN: &'static str = "tap:apigateway:IntegrationResponse";
    type Inputs = IntegrationResponseInputs;
    type State = IntegrationResponseOutputs;
    /// Untagged, and its create is safe to repeat: no marker.
    const MARKED: bool = false;

    fn replace_conflicts(
        &self,
        _name: &str,
        olds: &IntegrationResponseOutputs,
        news: &IntegrationResponseInputs,
    ) -> bool {
        integration_response_id(&olds.inputs) == integration_response_id(news)
    }

    fn check(&self, c: &mut Checker<'_>) {
        check_http_method(c, "httpMethod");
        check_status_code(c, "statusCode");
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &IntegrationResponseInputs,
    ) -> Result<Created<IntegrationResponseOutputs>> {
        put_integration_response(ctx, inputs).await?;
        Ok(Created {
            id: integration_response_id(inputs),
            state: IntegrationResponseOutputs { inputs: inputs.clone() },
        })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<IntegrationResponseOutputs>,
    ) -> Result<Option<IntegrationResponseOutputs>> {
        let Some(p) = id_parts(id, "agir", 4) else { return Ok(None) };
        // As the integration lists it (moto fails GetIntegrationResponse for a missing one).
        let api = &ctx.clients.apigateway;
        let got = api.get_integration().rest_api_id(p[0]).resource_id(p[1]).http_method(p[2]).send().await;
        let Some(integration) = found(got.map_err(aws(ApiGateway, "GetIntegration")), Error::is_gone)? else {
            return Ok(None);
        };
        let Some(out) = integration.integration_responses().and_then(|all| all.get(p[3])) else { return Ok(None) };
        Ok(Some(IntegrationResponseOutputs {
            inputs: IntegrationResponseInputs {
                rest_api: p[0].to_string(),
                resource_id: p[1].to_string(),
                http_method: p[2].to_string(),
                status_code: out.status_code().unwrap_or(p[3]).to_string(),
                selection_pattern: out.selection_pattern().map(str::to_string).filter(|s| !s.is_empty()),
                response_templates: map_of(out.response_templates()),
                region: ctx.region().to_string(),
            },
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        _olds: IntegrationResponseOutputs,
        news: IntegrationResponseInputs,
    ) -> Result<IntegrationResponseOutputs> {
        put_integration_response(ctx, &news).await?;
        Ok(IntegrationResponseOutputs { inputs: news })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: IntegrationResponseOutputs) -> Result<()> {
        let i = &olds.inputs;
        let api = &ctx.clients.apigateway;
        let sent = api.delete_integration_response().rest_api_id(&i.rest_api).resource_id(&i.resource_id);
        let sent = sent.http_method(&i.http_method).status_code(&i.status_code).send().await;
        let sent = sent.map_err(aws(ApiGateway, "DeleteIntegrationResponse"));
        settle_delete(sent, async { Ok(self.read(ctx, id, None).await?.is_none()) }).await
    }
}
