//! `tap:ec2:FlowLog`: a VPC flow log, delivered to CloudWatch Logs (through a role) or S3.
//!
//! AWS APIs: CreateFlowLogs (tags, with tap's marker, at creation; a client token), DescribeFlowLogs
//! (read, and an earlier attempt's flow log by the VPC and the marker), CreateTags / DeleteTags,
//! DeleteFlowLogs. Id: the flow log id (`fl-…`). Replaced when anything but tags changes.

use async_trait::async_trait;
use aws_sdk_ec2::types::{FlowLogsResourceType, LogDestinationType, ResourceType, TrafficType};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{filter, from_tags, mark, tag_spec, update_tags};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{id_from, still_there, Checker, Created, Ctx, Field, Resource, MARKER_TAG};
use crate::resources::tags::{self, Tags};

pub struct FlowLog;

/// A flow log of a VPC: which traffic (accepted, rejected or all) is recorded, where to. Every
/// input but tags replaces it. Import with the flow log id, or `<fl id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct FlowLogInputs {
    /// The VPC whose traffic is logged.
    #[field(replace, required = "the id of the VPC, such as vpc-0123456789abcdef0")]
    pub vpc_id: String,
    /// `ACCEPT`, `REJECT` or `ALL`.
    #[field(replace, required = "ACCEPT, REJECT or ALL")]
    pub traffic_type: String,
    /// `cloud-watch-logs` (default) or `s3`.
    #[field(replace, default = "cloud-watch-logs")]
    pub log_destination_type: String,
    /// The ARN of the log group (cloud-watch-logs) or bucket (s3) the records go to.
    #[field(replace, required = "the ARN of a log group or bucket")]
    pub log_destination: String,
    /// The role that delivers to CloudWatch Logs (required for cloud-watch-logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[field(replace)]
    pub iam_role_arn: Option<String>,
    /// Seconds over which packets are aggregated into a record: 60 or 600 (default 600).
    #[field(replace, default = 600)]
    pub max_aggregation_interval: i64,
    /// The record format (AWS's default format when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[field(replace)]
    pub log_format: Option<String>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The flow log as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct FlowLogOutputs {
    #[serde(flatten)]
    pub inputs: FlowLogInputs,
    /// The flow log's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
}

/// The idempotency token of one flow log's creation: the same for a retried create, different
/// for a replacement (which changes an input).
fn client_token(marker: &str, inputs: &FlowLogInputs) -> String {
    let material = format!(
        "{marker}\n{}\n{}\n{}\n{}\n{:?}\n{}\n{:?}",
        inputs.vpc_id,
        inputs.traffic_type,
        inputs.log_destination_type,
        inputs.log_destination,
        inputs.iam_role_arn,
        inputs.max_aggregation_interval,
        inputs.log_format
    );
    let digest = ring::digest::digest(&ring::digest::SHA256, material.as_bytes());
    digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[async_trait]
impl Resource for FlowLog {
    const TOKEN: &'static str = "tap:ec2:FlowLog";
    type Inputs = FlowLogInputs;
    type State = FlowLogOutputs;

    /// AWS refuses a second flow log of the same VPC to the same destination: a replacement
    /// that keeps both deletes the old one first.
    fn replace_conflicts(&self, _name: &str, olds: &FlowLogOutputs, news: &FlowLogInputs) -> bool {
        olds.inputs.vpc_id == news.vpc_id && olds.inputs.log_destination == news.log_destination
    }

    fn check(&self, c: &mut Checker<'_>) {
        c.one_of("trafficType", &["ACCEPT", "REJECT", "ALL"]);
        let kind = c.one_of("logDestinationType", &["cloud-watch-logs", "s3"]);
        if let Field::Known(arn) = c.string("logDestination") {
            let service = match kind {
                Field::Known(ref k) if k == "s3" => "s3",
                _ => "logs",
            };
            if arn.split(':').nth(2) != Some(service) || !arn.starts_with("arn:") {
                c.fail(
                    "logDestination",
                    format!("must be the ARN of a {}", if service == "s3" { "bucket" } else { "log group" }),
                );
            }
        }
        let role = c.string("iamRoleArn");
        if let (Field::Known(k), Field::Absent) = (&kind, &role) {
            if k == "cloud-watch-logs" {
                c.fail("iamRoleArn", "is required to deliver to cloud-watch-logs: give the ARN of a role that vpc-flow-logs.amazonaws.com may assume");
            }
        }
        if let Field::Known(arn) = role {
            if !(arn.starts_with("arn:") && arn.contains(":iam::") && arn.contains(":role/")) {
                c.fail("iamRoleArn", "must be a role ARN, such as arn:aws:iam::123456789012:role/flow-logs");
            }
        }
        if let Field::Known(n) = c.get::<i64>("maxAggregationInterval") {
            if n != 60 && n != 600 {
                c.fail("maxAggregationInterval", format!("must be 60 or 600 (seconds), not {n}"));
            }
        }
        tags::check(c, "tags", 1);
    }

    /// An earlier attempt's flow log of this VPC carrying this URN's marker.
    async fn find(&self, ctx: &Ctx, inputs: &FlowLogInputs, _fresh: bool) -> Result<Option<Created<FlowLogOutputs>>> {
        let out = ctx
            .clients
            .ec2
            .describe_flow_logs()
            .filter(filter("resource-id", &inputs.vpc_id))
            .send()
            .await
            .map_err(aws(Ec2, "DescribeFlowLogs"))?;
        for log in out.flow_logs() {
            let marked = log.tags().iter().any(|t| t.key() == Some(MARKER_TAG) && t.value() == Some(ctx.marker()));
            let Some(id) = log.flow_log_id() else { continue };
            if marked && !ctx.is_seen(id) {
                let account = ctx.clients.account_id().await?;
                return Ok(Some(Created { id: id.to_string(), state: outputs_of(ctx, &account, log) }));
            }
        }
        Ok(None)
    }

    async fn create(&self, ctx: &Ctx, inputs: &FlowLogInputs) -> Result<Created<FlowLogOutputs>> {
        // The ARN needs the account: asked before the flow log exists.
        let account = ctx.clients.account_id().await?;
        let out = ctx
            .clients
            .ec2
            .create_flow_logs()
            .resource_ids(&inputs.vpc_id)
            .resource_type(FlowLogsResourceType::Vpc)
            .traffic_type(TrafficType::from(inputs.traffic_type.as_str()))
            .log_destination_type(LogDestinationType::from(inputs.log_destination_type.as_str()))
            .log_destination(&inputs.log_destination)
            .set_deliver_logs_permission_arn(inputs.iam_role_arn.clone())
            .max_aggregation_interval(inputs.max_aggregation_interval as i32)
            .set_log_format(inputs.log_format.clone())
            .set_tag_specifications(tag_spec(ctx, ResourceType::VpcFlowLog, &inputs.tags))
            .client_token(client_token(ctx.marker(), inputs))
            // AWS deduplicates by the token, moto does not: tap looks for its own before a repeat.
            .customize()
            .config_override(crate::aws::once::ec2())
            .send()
            .await
            .map_err(aws(Ec2, "CreateFlowLogs"))?;
        if let Some(failed) = out.unsuccessful().first() {
            let error = failed.error();
            let (code, message) = (error.and_then(|e| e.code()).unwrap_or("Unknown"), error.and_then(|e| e.message()));
            return Err(Error::InvalidRequest(format!(
                "CreateFlowLogs failed for {}: {code}: {}",
                inputs.vpc_id,
                message.unwrap_or_default()
            )));
        }
        let id = id_from("CreateFlowLogs", out.flow_log_ids().first().map(String::as_str))?;
        let arn = flow_log_arn(ctx, &account, &id);
        Ok(Created { state: FlowLogOutputs { inputs: inputs.clone(), arn }, id })
    }

    async fn read(&self, ctx: &Ctx, id: &str, _prior: Option<FlowLogOutputs>) -> Result<Option<FlowLogOutputs>> {
        read_flow_log(ctx, id).await
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: FlowLogOutputs, news: FlowLogInputs) -> Result<FlowLogOutputs> {
        update_tags(&ctx.clients.ec2, id, &olds.inputs.tags, &news.tags).await?;
        still_there("flow log", id, read_flow_log(ctx, id).await?)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &FlowLogOutputs) -> Result<()> {
        mark(ctx, id).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: FlowLogOutputs) -> Result<()> {
        let out = ctx.clients.ec2.delete_flow_logs().flow_log_ids(id).send().await.map_err(aws(Ec2, "DeleteFlowLogs"));
        let out = match out {
            Err(e) if e.is_gone() => return Ok(()),
            other => other?,
        };
        // A flow log that is already gone comes back as an unsuccessful item, not an error.
        match out.unsuccessful().first().and_then(|u| u.error()) {
            Some(e) if e.code().is_some_and(|c| c.ends_with(".NotFound")) => Ok(()),
            Some(e) => Err(Error::InvalidRequest(format!(
                "DeleteFlowLogs failed for {id}: {}: {}",
                e.code().unwrap_or("Unknown"),
                e.message().unwrap_or_default()
            ))),
            None => Ok(()),
        }
    }
}

fn flow_log_arn(ctx: &Ctx, account: &str, id: &str) -> String {
    ctx.clients.arn("ec2", account, &format!("vpc-flow-log/{id}"))
}

/// The format AWS gives a flow log created without one: the same as none.
const DEFAULT_FORMAT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

fn outputs_of(ctx: &Ctx, account: &str, log: &aws_sdk_ec2::types::FlowLog) -> FlowLogOutputs {
    let id = log.flow_log_id().unwrap_or_default();
    FlowLogOutputs {
        inputs: FlowLogInputs {
            vpc_id: log.resource_id().unwrap_or_default().to_string(),
            traffic_type: log.traffic_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
            log_destination_type: log
                .log_destination_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| "cloud-watch-logs".into()),
            log_destination: log.log_destination().map(str::to_string).unwrap_or_else(|| {
                ctx.clients.arn("logs", account, &format!("log-group:{}", log.log_group_name().unwrap_or_default()))
            }),
            iam_role_arn: log.deliver_logs_permission_arn().map(str::to_string),
            max_aggregation_interval: log.max_aggregation_interval().map(i64::from).unwrap_or(600),
            log_format: log.log_format().filter(|f| *f != DEFAULT_FORMAT).map(str::to_string),
            region: ctx.region().to_string(),
            tags: from_tags(log.tags()),
        },
        arn: flow_log_arn(ctx, account, id),
    }
}

async fn read_flow_log(ctx: &Ctx, id: &str) -> Result<Option<FlowLogOutputs>> {
    let out = ctx.clients.ec2.describe_flow_logs().flow_log_ids(id).send().await.map_err(aws(Ec2, "DescribeFlowLogs"));
    let out = match out {
        Err(e) if e.is_gone() => return Ok(None),
        other => other?,
    };
    let Some(log) = out.flow_logs().iter().find(|l| l.flow_log_id() == Some(id)) else { return Ok(None) };
    Ok(Some(outputs_of(ctx, &ctx.clients.account_id().await?, log)))
}
