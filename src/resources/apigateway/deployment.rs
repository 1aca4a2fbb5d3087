//! `tap:apigateway:Deployment`: a snapshot of a REST API that stages serve.
//!
//! AWS APIs: CreateDeployment, GetDeployments (read, and an earlier attempt's deployment),
//! UpdateDeployment (description), DeleteDeployment. Id: the deployment id. Replaced when restApi
//! or triggers change (a new snapshot). Deployments take no tags: tap's marker is the end of the
//! description (`[tap:<marker>]`), which reads leave out.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigateway::types::Op;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::patch;
use crate::error::{aws, Error, Result, Service::ApiGateway};
use crate::resource::{deleted, found, id_from, Checker, Created, Ctx, Field, Resource};

pub struct Deployment;

/// A deployment of a REST API: what its stages serve. Change `triggers` (for example to a digest
/// of the methods) to deploy again; the description updates in place. Import with
/// `<api id>/<deployment id>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentInputs {
    /// The REST API's id.
    #[field(replace, identity, required = "the REST API's id")]
    pub rest_api: String,
    /// What the deployment is (up to 900 characters: tap adds its marker).
    #[field(default = "")]
    #[serde(default)]
    pub description: String,
    /// Any change deploys again (a replacement).
    #[field(replace, default = BTreeMap::new())]
    #[serde(default)]
    pub triggers: BTreeMap<String, String>,
    #[field(region)]
    pub region: String,
}

/// The deployment as API Gateway reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentOutputs {
    #[serde(flatten)]
    pub inputs: DeploymentInputs,
    /// When it was made (RFC 3339).
    #[serde(default)]
    pub created_date: String,
}

/// UpdateDeployment's change of the description (the marker stays).
fn description_patch(marker: &str, description: &str) -> aws_sdk_apigateway::types::PatchOperation {
    patch(Op::Replace, "/description", Some(marked(marker, description)))
}

/// The description tap sends: the user's, then its marker.
fn marked(marker: &str, description: &str) -> String {
    let tag = format!("[tap:{marker}]");
    if description.is_empty() {
        tag
    } else {
        format!("{description} {tag}")
    }
}

/// The user's description and whether it carries `marker`'s tag.
fn unmarked<'a>(description: &'a str, marker: &str) -> (&'a str, bool) {
    let tag = format!("[tap:{marker}]");
    match description.strip_suffix(&tag) {
        Some(rest) => (rest.trim_end(), true),
        None => {
            // Another URN's marker is not the user's text either.
            let start = description.rfind("[tap:").filter(|_| description.ends_with(']'));
            (start.map(|i| description[..i].trim_end()).unwrap_or(description), false)
        }
    }
}

fn outputs_of(
    ctx: &Ctx,
    api: &str,
    (description, created): (Option<&str>, Option<&aws_smithy_types::DateTime>),
    triggers: BTreeMap<String, String>,
) -> DeploymentOutputs {
    let (description, _) = unmarked(description.unwrap_or_default(), ctx.marker());
    DeploymentOutputs {
        inputs: DeploymentInputs {
            rest_api: api.to_string(),
            description: description.to_string(),
            triggers,
            region: ctx.region().to_string(),
        },
        created_date: created.map(|t| t.to_string()).unwrap_or_default(),
    }
}

#[async_trait]
impl Resource for Deployment {
    const TOKEN: &'static str = "tap:apigateway:Deployment";
    type Inputs = DeploymentInputs;
    type State = DeploymentOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(d) = c.string("description") {
            if d.chars().count() > 900 {
                c.fail("description", "is longer than 900 characters (tap adds its 70-character marker)");
            }
        }
    }

    /// The deployment an earlier attempt made (its answer lost): the API's with this URN's marker.
    async fn find(
        &self,
        ctx: &Ctx,
        inputs: &DeploymentInputs,
        _fresh: bool,
    ) -> Result<Option<Created<DeploymentOutputs>>> {
        let mut pages = ctx.clients.apigateway.get_deployments().rest_api_id(&inputs.rest_api).into_paginator().send();
        while let Some(page) = pages.next().await {
            let Some(page) = found(page.map_err(aws(ApiGateway, "GetDeployments")), Error::is_gone)? else {
                return Ok(None);
            };
            for d in page.items() {
                let ours = unmarked(d.description().unwrap_or_default(), ctx.marker()).1;
                let Some(id) = d.id().map(|id| format!("{}/{id}", inputs.rest_api)) else { continue };
                if ours && !ctx.is_seen(&id) {
                    let state =
                        outputs_of(ctx, &inputs.rest_api, (d.description(), d.created_date()), inputs.triggers.clone());
                    return Ok(Some(Created { state, id }));
                }
            }
        }
        Ok(None)
    }

    async fn create(&self, ctx: &Ctx, inputs: &DeploymentInputs) -> Result<Created<DeploymentOutputs>> {
        let out = ctx
            .clients
            .apigateway
            .create_deployment()
            .rest_api_id(&inputs.rest_api)
            .description(marked(ctx.marker(), &inputs.description))
            .customize()
            .config_override(crate::aws::once::apigateway())
            .send()
            .await
            .map_err(aws(ApiGateway, "CreateDeployment"))?;
        let id = format!("{}/{}", inputs.rest_api, id_from("CreateDeployment", out.id())?);
        let created_date = out.created_date().map(|t| t.to_string()).unwrap_or_default();
        Ok(Created { id, state: DeploymentOutputs { inputs: inputs.clone(), created_date } })
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: Option<DeploymentOutputs>) -> Result<Option<DeploymentOutputs>> {
        let Some((api, deployment)) = id.split_once('/') else { return Ok(None) };
        // From the API's list (moto answers GetDeployment of a deleted deployment with a 500).
        let mut pages = ctx.clients.apigateway.get_deployments().rest_api_id(api).into_paginator().send();
        while let Some(page) = pages.next().await {
            let Some(page) = found(page.map_err(aws(ApiGateway, "GetDeployments")), Error::is_gone)? else {
                return Ok(None);
            };
            if let Some(d) = page.items().iter().find(|d| d.id() == Some(deployment)) {
                // Triggers live only in the program and its state.
                let triggers = prior.map(|p| p.inputs.triggers).unwrap_or_default();
                return Ok(Some(outputs_of(ctx, api, (d.description(), d.created_date()), triggers)));
            }
        }
        Ok(None)
    }

    /// moto has no UpdateDeployment (HTTP 500): `tests::description_patch_keeps_the_marker`
    /// reads the request tap sends.
    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: DeploymentOutputs,
        news: DeploymentInputs,
    ) -> Result<DeploymentOutputs> {
        let (api, deployment) = id.split_once('/').unwrap_or((id, id));
        if olds.inputs.description != news.description {
            ctx.clients
                .apigateway
                .update_deployment()
                .rest_api_id(api)
                .deployment_id(deployment)
                .patch_operations(description_patch(ctx.marker(), &news.description))
                .send()
                .await
                .map_err(aws(ApiGateway, "UpdateDeployment"))?;
        }
        Ok(DeploymentOutputs { inputs: news, created_date: olds.created_date })
    }

    /// Writes the description again with the marker, unless it carries it already.
    async fn mark(&self, ctx: &Ctx, id: &str, state: &DeploymentOutputs) -> Result<()> {
        let (api, deployment) = id.split_once('/').unwrap_or((id, id));
        let mut pages = ctx.clients.apigateway.get_deployments().rest_api_id(api).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(aws(ApiGateway, "GetDeployments"))?;
            if let Some(d) = page.items().iter().find(|d| d.id() == Some(deployment)) {
                if unmarked(d.description().unwrap_or_default(), ctx.marker()).1 {
                    return Ok(());
                }
            }
        }
        let request = ctx.clients.apigateway.update_deployment().rest_api_id(api).deployment_id(deployment);
        let request = request.patch_operations(description_patch(ctx.marker(), &state.inputs.description));
        request.send().await.map_err(aws(ApiGateway, "UpdateDeployment"))?;
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: DeploymentOutputs) -> Result<()> {
        let Some((api, deployment)) = id.split_once('/') else { return Ok(()) };
        let sent = ctx.clients.apigateway.delete_deployment().rest_api_id(api).deployment_id(deployment).send().await;
        deleted(sent.map_err(aws(ApiGateway, "DeleteDeployment")), Error::is_gone)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn description_patch_keeps_the_marker() {
        let p = super::description_patch("m1", "new words");
        assert_eq!((p.path(), p.value()), (Some("/description"), Some("new words [tap:m1]")));
        assert_eq!(super::unmarked(p.value().unwrap_or_default(), "m1"), ("new words", true));
    }

    #[test]
    fn the_marker_is_the_end_of_the_description() {
        let m = "0123456789abcdef0123";
        assert_eq!(super::unmarked("health [tap:0123456789abcdef0123]", m), ("health", true));
        assert_eq!(super::unmarked("[tap:0123456789abcdef0123]", m), ("", true));
        assert_eq!(super::unmarked("health [tap:ffffffffffffffff]", m), ("health", false));
        assert_eq!(super::unmarked("health", m), ("health", false));
    }
}
