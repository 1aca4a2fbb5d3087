//! The VPC's flow logs: every packet's record (ALL traffic) into a KMS-encrypted log group of
//! its own, delivered by a role that only the flow-logs service of this account and region may
//! assume and that may only write to that group.

use std::sync::Arc;

use serde_json::json;

use super::network::Network;
use super::Region;
use crate::component::graph::{ready, Args, Child, Graph, Pending, Val};
use crate::resources::cloudwatch::log_group::LogGroup;
use crate::resources::ec2::flow_log::FlowLog;
use crate::resources::iam::{role::Role, role_policy::RolePolicy};
use crate::value::Value;

pub struct FlowLogs {
    pub log_group: Pending,
    pub flow_log: Pending,
}

/// `/aws/vpc/flow-logs/<prefix>`, named before it exists (the key policy names it).
pub fn log_group_name(r: &Region) -> String {
    format!("/aws/vpc/flow-logs/{}", r.prefix)
}

pub fn log_group_arn(r: &Region) -> String {
    r.arn("logs", &r.name, &r.account, &format!("log-group:{}", log_group_name(r)))
}

pub fn log_group_args(r: &Region, key: &Child) -> Args<LogGroup> {
    super::keys::encrypted_log_group(r, key, Val::str(log_group_name(r)), "flow-logs", "VPC Flow Logs")
}

/// Trusts vpc-flow-logs.amazonaws.com for this account's flow logs in this region only (the
/// flow log's own id does not exist yet, hence `vpc-flow-log/*`).
pub fn role_args(r: &Region) -> Args<Role> {
    let source = r.arn("ec2", &r.name, &r.account, "vpc-flow-log/*");
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": r.account}, "ArnLike": {"aws:SourceArn": source}}}]
    });
    // Autonamed `<prefix>-flow-logs-role-<7 hex>`, unless the stack's autonaming configuration
    // names it.
    let tail = "-flow-logs-role-";
    let head: String = r.prefix.chars().take(64 - 7 - tail.len()).collect();
    Args::new()
        .known("autonamePrefix", Value::str(format!("{head}{tail}")))
        .known("assumeRolePolicy", Value::str(trust.to_string()))
        .known("description", Value::str(format!("Delivers the VPC flow logs of {} to their log group", r.name)))
        .set("tags", r.tags("flow-logs-role", &[("Purpose", Val::str("VPC Flow Logs delivery"))]))
}

/// Writing to the flow-log group and nothing else (the group exists before the flow log).
pub fn policy_args(r: &Region, role: &Child) -> Args<RolePolicy> {
    let group = log_group_arn(r);
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DeliverFlowLogs", "Effect": "Allow",
                       "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                       "Resource": [group.clone(), format!("{group}:*")]}]
    });
    Args::new()
        .set("role", role.id())
        .known("name", Value::str("flow-logs-delivery"))
        .known("policy", Value::str(policy.to_string()))
}

pub fn flow_log_args(r: &Region, vpc: &Child, group: &Child, role: &Child) -> Args<FlowLog> {
    Args::new()
        .set("vpcId", vpc.id())
        .known("trafficType", Value::str("ALL"))
        .known("logDestinationType", Value::str("cloud-watch-logs"))
        .set("logDestination", group.out("arn"))
        .set("iamRoleArn", role.out("arn"))
        .set("region", r.val())
        .set("tags", r.tags("flow-log", &[("Purpose", Val::str("VPC Flow Logs"))]))
}

pub fn build(g: &Graph, r: &Arc<Region>, network: &Network, key: &Pending) -> FlowLogs {
    let log_group = {
        let (r, key) = (r.clone(), key.clone());
        g.child("flow-logs", async move { Ok(log_group_args(&r, &ready(&key).await?)) })
    };
    let role = {
        let r = r.clone();
        g.child("flow-logs-role", async move { Ok(role_args(&r)) })
    };
    let policy = {
        let (r, role) = (r.clone(), role.clone());
        g.child("flow-logs-policy", async move { Ok(policy_args(&r, &ready(&role).await?)) })
    };
    let flow_log = {
        let (r, vpc, group) = (r.clone(), network.vpc.clone(), log_group.clone());
        g.child("flow-log", async move {
            let (vpc, group, role) = (ready(&vpc).await?, ready(&group).await?, ready(&role).await?);
            // Delivery needs the role's permissions in place.
            ready(&policy).await?;
            Ok(flow_log_args(&r, &vpc, &group, &role))
        })
    };
    FlowLogs { log_group, flow_log }
}
