//! The region's private REST API: reachable only through the execute-api interface endpoint,
//! with a policy that admits calls from that endpoint alone; a health method (`GET /`, a MOCK
//! answer) deployed to a stage that traces with X-Ray, logs every request in JSON to the
//! encrypted API log group, and logs execution (INFO) with metrics to its own encrypted group;
//! and, on the instance that manages the region's settings, API Gateway's CloudWatch role.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::iam::Iam;
use super::keys::{encrypted_log_group, Keys};
use super::network::Network;
use super::Region;
use crate::component::graph::{ready, Args, Child, Graph, Pending, Val};
use crate::error::{Error, Result};
use crate::resources::apigateway::{
    account::Account,
    deployment::Deployment,
    integration::{Integration, IntegrationResponse},
    method::{Method, MethodResponse},
    rest_api::RestApi,
    stage::{MethodSettings, Stage},
};
use crate::resources::cloudwatch::log_group::LogGroup;
use crate::value::Value;

/// The stage the health method is deployed to.
pub const STAGE: &str = "prod";

pub struct Api {
    pub rest_api: Pending,
    pub stage: Pending,
}

/// The group API Gateway writes a stage's execution logs to (it makes it itself, unencrypted
/// and kept forever, unless it exists first).
pub fn execution_log_group_name(api_id: &str) -> String {
    format!("API-Gateway-Execution-Logs_{api_id}/{STAGE}")
}

/// The execution log groups of this region's stages named `STAGE`, for the key policy (the API's
/// id is not known when the key is made).
pub fn execution_log_group_pattern(r: &Region) -> String {
    r.arn("logs", &r.name, &r.account, &format!("log-group:{}", execution_log_group_name("*")))
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

/// `GET /` of the API (unsigned: its callers are inside the VPC, admitted by the policy).
pub fn health_method_args(r: &Region, api: &Child) -> Args<Method> {
    Args::new()
        .set("restApi", api.id())
        .set("resourceId", api.out("rootResourceId"))
        .known("httpMethod", Value::str("GET"))
        .known("authorization", Value::str("NONE"))
        .set("region", r.val())
}

fn json_map(pairs: &[(&str, serde_json::Value)]) -> Value {
    Value::from_json(&serde_json::Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()))
}

/// The health method's MOCK integration: API Gateway answers 200 itself.
pub fn health_integration_args(r: &Region, method: &Child) -> Args<Integration> {
    Args::new()
        .set("restApi", method.out("restApi"))
        .set("resourceId", method.out("resourceId"))
        .set("httpMethod", method.out("httpMethod"))
        .known("type", Value::str("MOCK"))
        .known("requestTemplates", json_map(&[("application/json", json!(r#"{"statusCode": 200}"#))]))
        .set("region", r.val())
}

pub fn health_response_args(r: &Region, method: &Child) -> Args<MethodResponse> {
    Args::new()
        .set("restApi", method.out("restApi"))
        .set("resourceId", method.out("resourceId"))
        .set("httpMethod", method.out("httpMethod"))
        .known("statusCode", Value::str("200"))
        .set("region", r.val())
}

pub fn health_integration_response_args(
    r: &Region,
    integration: &Child,
    response: &Child,
) -> Args<IntegrationResponse> {
    Args::new()
        .set("restApi", integration.out("restApi"))
        .set("resourceId", integration.out("resourceId"))
        .set("httpMethod", integration.out("httpMethod"))
        .set("statusCode", response.out("statusCode"))
        .known("responseTemplates", json_map(&[("application/json", json!(r#"{"status": "ok"}"#))]))
        .set("region", r.val())
}

/// A short digest of `text`, for deployment triggers.
fn digest(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A digest of what the deployment serves: a change to the health method deploys again.
fn served() -> String {
    digest(&json!({"GET /": {"integration": "MOCK 200", "response": {"status": "ok"}}}).to_string())
}

/// A deployment of what the API serves; a new policy (a new endpoint) takes effect only once
/// deployed, so it deploys again too.
pub fn deployment_args(r: &Region, integration_response: &Child, api: &Child) -> Args<Deployment> {
    let triggers = api.out("policy").map(|policy| {
        let policy = digest(policy.to_json().as_str().unwrap_or_default());
        json_map(&[("served", json!(served())), ("policy", json!(policy))])
    });
    Args::new()
        .set("restApi", integration_response.out("restApi"))
        .known("description", Value::str(format!("SecureRegion health check in {}", r.name)))
        .set("triggers", triggers)
        .set("region", r.val())
}

pub fn execution_log_group_args(r: &Region, key: &Child, api: &Child) -> Args<LogGroup> {
    let name = api.id().map(|id| Value::String(execution_log_group_name(id.to_json().as_str().unwrap_or_default())));
    encrypted_log_group(r, key, name, "api-exec-logs", "API Gateway Execution Logs")
}

pub fn account_args(r: &Region, role: &Child) -> Args<Account> {
    Args::new().set("cloudwatchRoleArn", role.out("arn")).set("region", r.val())
}

/// One line per request, in JSON.
pub fn access_log_format() -> String {
    json!({
        "requestId": "$context.requestId", "extendedRequestId": "$context.extendedRequestId",
        "ip": "$context.identity.sourceIp", "vpceId": "$context.identity.vpceId", "caller": "$context.identity.caller",
        "user": "$context.identity.user", "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath", "status": "$context.status", "protocol": "$context.protocol",
        "responseLength": "$context.responseLength", "integrationError": "$context.integration.error"
    })
    .to_string()
}

pub fn stage_args(r: &Region, deployment: &Child, access_logs: &Child) -> Args<Stage> {
    let settings = access_logs
        .out("arn")
        .map(|arn| Value::from_json(&json!({"destinationArn": arn.to_json(), "format": access_log_format()})));
    Args::new()
        .set("restApi", deployment.out("restApi"))
        .known("stageName", Value::str(STAGE))
        .set("deployment", deployment.id())
        .known("description", Value::str(format!("Private API stage in {}", r.name)))
        .known("xrayTracingEnabled", Value::Bool(true))
        .set("accessLogSettings", settings)
        .set("region", r.val())
        .set("tags", r.tags("api-stage", &[("Purpose", Val::str("Private API stage with logging and tracing"))]))
}

pub fn method_settings_args(r: &Region, stage: &Child) -> Args<MethodSettings> {
    Args::new()
        .set("restApi", stage.out("restApi"))
        .set("stageName", stage.out("stageName"))
        .known("methodPath", Value::str("*/*"))
        .known(
            "settings",
            Value::from_json(&json!({"metricsEnabled": true, "loggingLevel": "INFO", "dataTraceEnabled": false})),
        )
        .set("region", r.val())
}

/// For an instance that does not manage the region's settings: a CloudWatch role must be set
/// before its stage logs (the managing instance may be setting it in this very run: waited for).
async fn require_cloudwatch_role(r: &Region) -> Result<()> {
    for _ in 0..15 {
        let out = r
            .clients
            .apigateway
            .get_account()
            .send()
            .await
            .map_err(crate::error::aws(crate::error::Service::ApiGateway, "GetAccount"))?;
        if out.cloudwatch_role_arn().is_some_and(|a| !a.is_empty()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Err(Error::input(
        "manageRegionSettings",
        format!(
            "is false, and API Gateway in {} has no CloudWatch role, so the stage cannot log: give \
             manageRegionSettings: true to one SecureRegion in {}, or set the role (tap:apigateway:Account)",
            r.name, r.name
        ),
    ))
}

pub fn build(g: &Graph, r: &Arc<Region>, network: &Network, keys: &Keys, iam: &Iam) -> Api {
    let rest_api = {
        let (r, endpoint) = (r.clone(), network.endpoint.clone());
        g.child("private-api", async move { Ok(rest_api_args(&r, &ready(&endpoint).await?)) })
    };
    let method = {
        let (r, api) = (r.clone(), rest_api.clone());
        g.child("api-health", async move { Ok(health_method_args(&r, &ready(&api).await?)) })
    };
    let integration = {
        let (r, method) = (r.clone(), method.clone());
        g.child("api-health-integration", async move { Ok(health_integration_args(&r, &ready(&method).await?)) })
    };
    let response = {
        let (r, method) = (r.clone(), method.clone());
        g.child("api-health-response", async move { Ok(health_response_args(&r, &ready(&method).await?)) })
    };
    let integration_response = {
        let (r, integration, response) = (r.clone(), integration.clone(), response.clone());
        g.child("api-health-integration-response", async move {
            Ok(health_integration_response_args(&r, &ready(&integration).await?, &ready(&response).await?))
        })
    };
    let deployment = {
        let (r, ir, api) = (r.clone(), integration_response.clone(), rest_api.clone());
        g.child("api-deployment", async move { Ok(deployment_args(&r, &ready(&ir).await?, &ready(&api).await?)) })
    };
    let exec_logs = {
        let (r, key, api) = (r.clone(), keys.key.clone(), rest_api.clone());
        g.child(
            "api-exec-logs",
            async move { Ok(execution_log_group_args(&r, &ready(&key).await?, &ready(&api).await?)) },
        )
    };
    let account = match r.settings.manage_region_settings.value {
        Value::Bool(false) => None,
        _ => {
            let (r, role, attachment) = (r.clone(), iam.role.clone(), iam.attachment.clone());
            // A fixed name per region: two owners under different provider instances collide on
            // its URN (one provider refuses the second owner itself: `owners`).
            Some(g.named(&format!("api-gateway-account-{}", r.name), async move {
                let role = ready(&role).await?;
                // The role can write logs before API Gateway is told to use it.
                ready(&attachment).await?;
                Ok(account_args(&r, &role))
            }))
        }
    };
    let stage = {
        let (r, deployment, access, exec) = (r.clone(), deployment.clone(), keys.log_group.clone(), exec_logs.clone());
        g.child("api-stage", async move {
            let (deployment, access) = (ready(&deployment).await?, ready(&access).await?);
            // API Gateway would make the execution log group itself (unencrypted) otherwise.
            ready(&exec).await?;
            match &account {
                Some(account) => drop(ready(account).await?),
                None if !r.preview => require_cloudwatch_role(&r).await?,
                None => {}
            }
            Ok(stage_args(&r, &deployment, &access))
        })
    };
    {
        let (r, stage) = (r.clone(), stage.clone());
        g.child("api-stage-settings", async move { Ok(method_settings_args(&r, &ready(&stage).await?)) });
    }
    Api { rest_api, stage }
}
