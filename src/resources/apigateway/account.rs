//! `tap:apigateway:Account`: API Gateway's settings for the account in one region — the role it
//! writes CloudWatch logs with. One per account and region.
//!
//! AWS APIs: GetAccount, UpdateAccount (`/cloudwatchRoleArn`; retried while IAM has not yet
//! made a new role usable). Id: `api-gateway-account`. On delete the role that was set before
//! tap took charge is set again (none: the setting is cleared).

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_apigateway::types::Op;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::patch;
use crate::error::{aws, Result, Service::ApiGateway};
use crate::resource::{Checker, Created, Ctx, Field, Resource};

pub struct Account;

pub const ID: &str = "api-gateway-account";

/// API Gateway's account settings in a region: the role it logs to CloudWatch with (needed by
/// every stage that logs). One per account and region: give it to one program. The role updates
/// in place; destroying it sets back the role that was there before.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct AccountInputs {
    /// The ARN of a role API Gateway may assume to write logs (trusting apigateway.amazonaws.com).
    #[field(required = "the ARN of a role that apigateway.amazonaws.com may assume")]
    pub cloudwatch_role_arn: String,
    #[field(region)]
    pub region: String,
}

/// The settings as API Gateway reports them, and what they were before.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct AccountOutputs {
    #[serde(flatten)]
    pub inputs: AccountInputs,
    /// The role that was set before tap took charge (empty: none); set again on delete.
    #[serde(default)]
    pub previous_cloudwatch_role_arn: String,
}

/// The role API Gateway logs with in this region now (empty: none).
pub async fn current_role(ctx: &Ctx) -> Result<String> {
    let out = ctx.clients.apigateway.get_account().send().await.map_err(aws(ApiGateway, "GetAccount"))?;
    Ok(out.cloudwatch_role_arn().unwrap_or_default().to_string())
}

/// Sets the role (empty: clears it). `patient`: a role made a moment ago is refused until IAM has
/// it everywhere, so that refusal is retried for a while.
async fn set_role(ctx: &Ctx, arn: &str, patient: bool) -> Result<()> {
    let api = &ctx.clients.apigateway;
    // An empty value clears the setting.
    let value = Some(arn.to_string());
    let send = || async {
        api.update_account()
            .patch_operations(patch(Op::Replace, "/cloudwatchRoleArn", value.clone()))
            .send()
            .await
            .map_err(aws(ApiGateway, "UpdateAccount"))
    };
    if patient {
        let why = "setting API Gateway's CloudWatch role (IAM has not made the role usable yet)";
        ctx.retry_for(why, Duration::from_secs(90), |e| e.is_code(&["BadRequestException"]), send).await?;
    } else {
        send().await?;
    }
    Ok(())
}

#[async_trait]
impl Resource for Account {
    const TOKEN: &'static str = "tap:apigateway:Account";
    type Inputs = AccountInputs;
    type State = AccountOutputs;
    /// A setting, not a thing: nothing to mark.
    const MARKED: bool = false;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(arn) = c.string("cloudwatchRoleArn") {
            if !(arn.starts_with("arn:") && arn.contains(":iam::") && arn.contains(":role/")) {
                c.fail(
                    "cloudwatchRoleArn",
                    "must be a role ARN, such as arn:aws:iam::123456789012:role/api-gateway-logs",
                );
            }
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: &AccountInputs) -> Result<Created<AccountOutputs>> {
        let before = current_role(ctx).await?;
        // Set by an earlier attempt of this create (its answer lost): what was there before is
        // not known any more, so delete clears the setting.
        let previous = if before == inputs.cloudwatch_role_arn { String::new() } else { before };
        set_role(ctx, &inputs.cloudwatch_role_arn, true).await?;
        Ok(Created {
            id: ID.to_string(),
            state: AccountOutputs { inputs: inputs.clone(), previous_cloudwatch_role_arn: previous },
        })
    }

    async fn read(&self, ctx: &Ctx, _id: &str, prior: Option<AccountOutputs>) -> Result<Option<AccountOutputs>> {
        let role = current_role(ctx).await?;
        // No role: API Gateway's settings are as they are without tap.
        if role.is_empty() {
            return Ok(None);
        }
        Ok(Some(AccountOutputs {
            inputs: AccountInputs { cloudwatch_role_arn: role, region: ctx.region().to_string() },
            previous_cloudwatch_role_arn: prior.map(|p| p.previous_cloudwatch_role_arn).unwrap_or_default(),
        }))
    }

    async fn update(&self, ctx: &Ctx, _id: &str, olds: AccountOutputs, news: AccountInputs) -> Result<AccountOutputs> {
        set_role(ctx, &news.cloudwatch_role_arn, true).await?;
        Ok(AccountOutputs { inputs: news, previous_cloudwatch_role_arn: olds.previous_cloudwatch_role_arn })
    }

    /// Sets back the role that was there before (none: clears it), unless someone else has set
    /// another one since.
    async fn delete(&self, ctx: &Ctx, _id: &str, olds: AccountOutputs) -> Result<()> {
        let now = current_role(ctx).await?;
        if now != olds.inputs.cloudwatch_role_arn {
            return Ok(());
        }
        match set_role(ctx, &olds.previous_cloudwatch_role_arn, false).await {
            // The role that was there before is gone: clear the setting rather than fail.
            Err(e) if e.is_code(&["BadRequestException"]) => set_role(ctx, "", false).await,
            other => other,
        }
    }
}
