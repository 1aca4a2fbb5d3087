//! `tap:apigateway:Stage` and `tap:apigateway:MethodSettings`: a named stage serving a
//! deployment (tracing, access logs), and the logging and metrics of its methods.
//!
//! AWS APIs: CreateStage (tags with tap's marker, tracing), GetStage, UpdateStage (patch
//! operations: deployment, description, tracing, access log destination and format, method
//! settings), TagResource / UntagResource, DeleteStage. Ids: `ags-<api>-<stage>` and
//! `<api>/<stage>/<method path>`.

use async_trait::async_trait;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{id_parts, patch, stage_arn, update_tags};
use crate::error::{aws, Error, Result, Service::ApiGateway};
use crate::resource::{deleted, found, still_there, Checker, Created, Ctx, Field, Resource, MARKER_TAG};
use crate::resources::tags::{self, Tags};

pub struct Stage;

/// Where a stage writes its access log: one line per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:apigateway:StageAccessLogSettings")]
pub struct AccessLogSettings {
    /// The ARN of the log group (or Firehose stream) the lines go to.
    #[field(required = "the ARN of a CloudWatch Logs group")]
    pub destination_arn: String,
    /// The line's format, with `$context` variables (JSON, CLF, XML or CSV).
    #[field(required = "a format such as {\"requestId\":\"$context.requestId\"}")]
    pub format: String,
}

/// A stage of a REST API: the deployment it serves, X-Ray tracing and access logging. Everything
/// but the API and the stage name updates in place. Import with `ags-<api id>-<stage name>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct StageInputs {
    /// The REST API's id.
    #[field(replace, identity, required = "the REST API's id")]
    pub rest_api: String,
    /// The stage's name (letters, digits, `-` and `_`, up to 128).
    #[field(replace, identity, required = "a stage name such as prod")]
    pub stage_name: String,
    /// The deployment it serves (its id, or the Deployment's `<api>/<id>`).
    #[field(required = "the id of a deployment of the API")]
    pub deployment: String,
    /// What the stage is for.
    #[field(default = "")]
    #[serde(default)]
    pub description: String,
    /// Whether requests are traced with X-Ray (default false).
    #[field(default = false)]
    #[serde(default)]
    pub xray_tracing_enabled: bool,
    /// Access logging (none when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLogSettings>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The stage as API Gateway reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct StageOutputs {
    #[serde(flatten)]
    pub inputs: StageInputs,
    /// The stage's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
}

fn stage_id(api: &str, stage: &str) -> String {
    format!("ags-{api}-{stage}")
}

async fn read_stage(ctx: &Ctx, api: &str, stage: &str) -> Result<Option<(StageOutputs, Option<String>)>> {
    let got = ctx.clients.apigateway.get_stage().rest_api_id(api).stage_name(stage).send().await;
    let Some(s) = found(got.map_err(aws(ApiGateway, "GetStage")), Error::is_gone)? else { return Ok(None) };
    let all_tags = s.tags().cloned().unwrap_or_default();
    let marker = all_tags.get(MARKER_TAG).cloned();
    let access = s.access_log_settings().and_then(|a| {
        Some(AccessLogSettings { destination_arn: a.destination_arn()?.to_string(), format: a.format()?.to_string() })
    });
    let state = StageOutputs {
        inputs: StageInputs {
            rest_api: api.to_string(),
            stage_name: s.stage_name().unwrap_or(stage).to_string(),
            deployment: s.deployment_id().unwrap_or_default().to_string(),
            description: s.description().unwrap_or_default().to_string(),
            xray_tracing_enabled: s.tracing_enabled(),
            access_log_settings: access,
            region: ctx.region().to_string(),
            tags: tags::user(all_tags),
        },
        arn: stage_arn(ctx.clients.partition(), ctx.region(), api, stage),
    };
    Ok(Some((state, marker)))
}

/// The patch operations that bring a stage's settings from `old` to `new` (tags apart).
pub fn stage_patch(old: &StageInputs, new: &StageInputs) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    if old.deployment != new.deployment {
        ops.push(patch(Op::Replace, "/deploymentId", Some(new.deployment.clone())));
    }
    if old.description != new.description {
        ops.push(patch(Op::Replace, "/description", Some(new.description.clone())));
    }
    if old.xray_tracing_enabled != new.xray_tracing_enabled {
        ops.push(patch(Op::Replace, "/tracingEnabled", Some(new.xray_tracing_enabled.to_string())));
    }
    match (&old.access_log_settings, &new.access_log_settings) {
        (a, Some(b)) if a.as_ref() != Some(b) => {
            ops.push(patch(Op::Replace, "/accessLogSettings/destinationArn", Some(b.destination_arn.clone())));
            ops.push(patch(Op::Replace, "/accessLogSettings/format", Some(b.format.clone())));
        }
        (Some(_), None) => ops.push(patch(Op::Remove, "/accessLogSettings", None)),
        _ => {}
    }
    ops
}

async fn update_stage(ctx: &Ctx, api: &str, stage: &str, ops: Vec<PatchOperation>) -> Result<()> {
    if ops.is_empty() {
        return Ok(());
    }
    let request = ctx.clients.apigateway.update_stage().rest_api_id(api).stage_name(stage);
    request.set_patch_operations(Some(ops)).send().await.map_err(aws(ApiGateway, "UpdateStage"))?;
    Ok(())
}

#[async_trait]
impl Resource for Stage {
    const TOKEN: &'static str = "tap:apigateway:Stage";
    type Inputs = StageInputs;
    type State = StageOutputs;

    /// An API holds one stage of a name.
    fn replace_conflicts(&self, _name: &str, olds: &StageOutputs, news: &StageInputs) -> bool {
        olds.inputs.rest_api == news.rest_api && olds.inputs.stage_name == news.stage_name
    }

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(name) = c.string("stageName") {
            let ok = (1..=128).contains(&name.len())
                && name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
            if !ok {
                c.fail("stageName", "must be 1-128 letters, digits, - and _");
            }
        }
        // The Deployment's id is `<api>/<deployment id>`; the stage takes the deployment id.
        if let Field::Known(d) = c.string("deployment") {
            if let Some((_, id)) = d.rsplit_once('/') {
                c.set("deployment", crate::value::Value::str(id));
            }
        }
        tags::check(c, "tags", 1);
    }

    /// The stage an earlier attempt made (its answer lost): this name, carrying this URN's marker.
    async fn find(&self, ctx: &Ctx, inputs: &StageInputs, _fresh: bool) -> Result<Option<Created<StageOutputs>>> {
        let id = stage_id(&inputs.rest_api, &inputs.stage_name);
        match read_stage(ctx, &inputs.rest_api, &inputs.stage_name).await? {
            Some((state, Some(marker))) if marker == ctx.marker() && !ctx.is_seen(&id) => {
                Ok(Some(Created { id, state }))
            }
            _ => Ok(None),
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: &StageInputs) -> Result<Created<StageOutputs>> {
        ctx.clients
            .apigateway
            .create_stage()
            .rest_api_id(&inputs.rest_api)
            .stage_name(&inputs.stage_name)
            .deployment_id(&inputs.deployment)
            .description(&inputs.description)
            .tracing_enabled(inputs.xray_tracing_enabled)
            .set_tags(Some(ctx.marked(&inputs.tags).into_iter().collect()))
            .customize()
            .config_override(crate::aws::once::apigateway())
            .send()
            .await
            .map_err(aws(ApiGateway, "CreateStage"))?;
        let state = StageOutputs {
            inputs: StageInputs { access_log_settings: None, ..inputs.clone() },
            arn: stage_arn(ctx.clients.partition(), ctx.region(), &inputs.rest_api, &inputs.stage_name),
        };
        Ok(Created { id: stage_id(&inputs.rest_api, &inputs.stage_name), state })
    }

    async fn finish(&self, ctx: &Ctx, _id: &str, inputs: &StageInputs, state: &mut StageOutputs) -> Result<()> {
        update_stage(ctx, &inputs.rest_api, &inputs.stage_name, stage_patch(&state.inputs, inputs)).await?;
        state.inputs.access_log_settings = inputs.access_log_settings.clone();
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<StageOutputs>) -> Result<Option<StageOutputs>> {
        let Some(p) = id_parts(id, "ags", 2) else { return Ok(None) };
        Ok(read_stage(ctx, p[0], p[1]).await?.map(|(state, _)| state))
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: StageOutputs, news: StageInputs) -> Result<StageOutputs> {
        update_stage(ctx, &news.rest_api, &news.stage_name, stage_patch(&olds.inputs, &news)).await?;
        update_tags(ctx, &olds.arn, &olds.inputs.tags, &news.tags).await?;
        let mut state = still_there("stage", id, self.read(ctx, id, None).await?)?;
        state.inputs.tags = news.tags;
        Ok(state)
    }

    /// moto has no TagResource for API Gateway (the test proxy answers it): see RestApi's.
    async fn mark(&self, ctx: &Ctx, _id: &str, state: &StageOutputs) -> Result<()> {
        let marker = ctx.marked(&Tags::new()).into_iter().collect();
        let request = ctx.clients.apigateway.tag_resource().resource_arn(&state.arn).set_tags(Some(marker));
        request.send().await.map_err(aws(ApiGateway, "TagResource"))?;
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, _id: &str, olds: StageOutputs) -> Result<()> {
        let i = &olds.inputs;
        let sent =
            ctx.clients.apigateway.delete_stage().rest_api_id(&i.rest_api).stage_name(&i.stage_name).send().await;
        deleted(sent.map_err(aws(ApiGateway, "DeleteStage")), Error::is_gone)
    }
}

pub struct MethodSettings;

/// The settings of a stage's methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:apigateway:MethodSettingsSettings")]
pub struct Settings {
    /// Whether CloudWatch metrics are sent (default false).
    #[field(default = false)]
    #[serde(default)]
    pub metrics_enabled: bool,
    /// Execution logging: OFF, ERROR or INFO (default OFF).
    #[field(default = "OFF")]
    #[serde(default)]
    pub logging_level: String,
    /// Whether whole requests and responses are logged (default false: they may hold secrets).
    #[field(default = false)]
    #[serde(default)]
    pub data_trace_enabled: bool,
}

impl Settings {
    fn is_default(&self) -> bool {
        !self.metrics_enabled && self.logging_level == "OFF" && !self.data_trace_enabled
    }
}

/// Logging and metrics for the methods of a stage (`*/*`: all of them). Settings update in place.
/// Import with `<api id>/<stage name>/<method path>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct MethodSettingsInputs {
    /// The REST API's id.
    #[field(replace, identity, required = "the REST API's id")]
    pub rest_api: String,
    /// The stage's name.
    #[field(replace, identity, required = "the stage's name")]
    pub stage_name: String,
    /// `<resource path>/<method>` without the leading `/`, or `*/*` for every method.
    #[field(replace, identity, required = "*/* (every method) or a resource path and method such as users/GET")]
    pub method_path: String,
    /// The settings.
    #[field(required = "the settings, such as {metricsEnabled: true, loggingLevel: INFO}")]
    pub settings: Settings,
    #[field(region)]
    pub region: String,
}

/// The method settings as API Gateway reports them.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct MethodSettingsOutputs {
    #[serde(flatten)]
    pub inputs: MethodSettingsInputs,
}

fn settings_patch(path: &str, s: &Settings) -> Vec<PatchOperation> {
    vec![
        patch(Op::Replace, &format!("/{path}/metrics/enabled"), Some(s.metrics_enabled.to_string())),
        patch(Op::Replace, &format!("/{path}/logging/loglevel"), Some(s.logging_level.clone())),
        patch(Op::Replace, &format!("/{path}/logging/dataTrace"), Some(s.data_trace_enabled.to_string())),
    ]
}

/// What a stage has without method settings at `path`, then their removal.
fn removal_patch(path: &str) -> Vec<PatchOperation> {
    let off = Settings { metrics_enabled: false, logging_level: "OFF".into(), data_trace_enabled: false };
    let mut ops = settings_patch(path, &off);
    ops.push(patch(Op::Remove, &format!("/{path}"), None));
    ops
}

fn settings_id(i: &MethodSettingsInputs) -> String {
    format!("{}/{}/{}", i.rest_api, i.stage_name, i.method_path)
}

#[async_trait]
impl Resource for MethodSettings {
    const TOKEN: &'static str = "tap:apigateway:MethodSettings";
    type Inputs = MethodSettingsInputs;
    type State = MethodSettingsOutputs;
    /// Untagged: the stage and method path are the identity, and writing them is safe to repeat.
    const MARKED: bool = false;

    fn replace_conflicts(&self, _name: &str, olds: &MethodSettingsOutputs, news: &MethodSettingsInputs) -> bool {
        settings_id(&olds.inputs) == settings_id(news)
    }

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(path) = c.string("methodPath") {
            if path.starts_with('/') || path.split('/').count() < 2 {
                c.fail("methodPath", "give `*/*` or `<resource path>/<method>` without a leading /, such as users/GET");
            }
        }
        c.nested("settings", |c| {
            c.one_of("loggingLevel", &["OFF", "ERROR", "INFO"]);
        });
        if let Field::Known(s) = c.get::<Settings>("settings") {
            if s.is_default() {
                c.fail("settings", "turns nothing on (metrics off, logging OFF, no data trace): that is what a stage has without method settings; leave the resource out");
            }
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: &MethodSettingsInputs) -> Result<Created<MethodSettingsOutputs>> {
        update_stage(ctx, &inputs.rest_api, &inputs.stage_name, settings_patch(&inputs.method_path, &inputs.settings))
            .await?;
        Ok(Created { id: settings_id(inputs), state: MethodSettingsOutputs { inputs: inputs.clone() } })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<MethodSettingsOutputs>,
    ) -> Result<Option<MethodSettingsOutputs>> {
        let mut parts = id.splitn(3, '/');
        let (Some(api), Some(stage), Some(path)) = (parts.next(), parts.next(), parts.next()) else { return Ok(None) };
        let got = ctx.clients.apigateway.get_stage().rest_api_id(api).stage_name(stage).send().await;
        let Some(s) = found(got.map_err(aws(ApiGateway, "GetStage")), Error::is_gone)? else { return Ok(None) };
        let Some(m) = s.method_settings().and_then(|all| all.get(path)) else { return Ok(None) };
        let settings = Settings {
            metrics_enabled: m.metrics_enabled(),
            logging_level: m.logging_level().unwrap_or("OFF").to_string(),
            data_trace_enabled: m.data_trace_enabled(),
        };
        // Settings that turn nothing on are what a stage has without them.
        if settings.is_default() {
            return Ok(None);
        }
        Ok(Some(MethodSettingsOutputs {
            inputs: MethodSettingsInputs {
                rest_api: api.to_string(),
                stage_name: stage.to_string(),
                method_path: path.to_string(),
                settings,
                region: ctx.region().to_string(),
            },
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        _olds: MethodSettingsOutputs,
        news: MethodSettingsInputs,
    ) -> Result<MethodSettingsOutputs> {
        update_stage(ctx, &news.rest_api, &news.stage_name, settings_patch(&news.method_path, &news.settings)).await?;
        Ok(MethodSettingsOutputs { inputs: news })
    }

    /// Removes the method's settings; they are also set to what a stage has without them, which
    /// is the same thing (moto ignores the removal).
    async fn delete(&self, ctx: &Ctx, _id: &str, olds: MethodSettingsOutputs) -> Result<()> {
        let i = &olds.inputs;
        deleted(update_stage(ctx, &i.rest_api, &i.stage_name, removal_patch(&i.method_path)).await, Error::is_gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(access: Option<(&str, &str)>) -> StageInputs {
        StageInputs {
            rest_api: "a".into(),
            stage_name: "prod".into(),
            deployment: "d1".into(),
            description: String::new(),
            xray_tracing_enabled: false,
            access_log_settings: access.map(|(d, f)| AccessLogSettings { destination_arn: d.into(), format: f.into() }),
            region: "us-east-1".into(),
            tags: Tags::new(),
        }
    }

    fn ops(o: &[PatchOperation]) -> Vec<(String, String, Option<String>)> {
        o.iter()
            .map(|p| {
                (
                    p.op().map(|o| o.as_str().to_string()).unwrap_or_default(),
                    p.path().unwrap_or_default().to_string(),
                    p.value().map(str::to_string),
                )
            })
            .collect()
    }

    #[test]
    fn stage_patches_change_only_what_differs() {
        let old = inputs(None);
        assert!(stage_patch(&old, &old).is_empty());
        let new = StageInputs { deployment: "d2".into(), xray_tracing_enabled: true, ..inputs(Some(("arn:x", "{}"))) };
        assert_eq!(
            ops(&stage_patch(&old, &new)),
            [
                ("replace".to_string(), "/deploymentId".to_string(), Some("d2".to_string())),
                ("replace".into(), "/tracingEnabled".into(), Some("true".into())),
                ("replace".into(), "/accessLogSettings/destinationArn".into(), Some("arn:x".into())),
                ("replace".into(), "/accessLogSettings/format".into(), Some("{}".into())),
            ]
        );
        assert_eq!(ops(&stage_patch(&new, &inputs(None)))[2], ("remove".into(), "/accessLogSettings".into(), None));
    }

    /// moto ignores the removal of method settings: the request AWS honours is sent too.
    #[test]
    fn method_settings_patches_and_their_removal() {
        let s = Settings { metrics_enabled: true, logging_level: "INFO".into(), data_trace_enabled: false };
        assert_eq!(
            ops(&settings_patch("*/*", &s)),
            [
                ("replace".to_string(), "/*/*/metrics/enabled".to_string(), Some("true".to_string())),
                ("replace".into(), "/*/*/logging/loglevel".into(), Some("INFO".into())),
                ("replace".into(), "/*/*/logging/dataTrace".into(), Some("false".into())),
            ]
        );
        let removal = ops(&removal_patch("*/*"));
        assert_eq!(removal.last(), Some(&("remove".to_string(), "/*/*".to_string(), None)));
        assert_eq!(removal[1], ("replace".to_string(), "/*/*/logging/loglevel".to_string(), Some("OFF".to_string())));
    }
}
