//! SecureRegion's outputs: their declaration (the schema's interface) and their values, taken
//! from the registered children with the URNs they depend on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::api::Api;
use super::flow_logs::FlowLogs;
use super::iam::Iam;
use super::keys::Keys;
use super::network::Network;
use super::storage::Storage;
use crate::component::graph::{done, Child, Val};
use crate::error::Result;
use crate::value::PropertyMap;

/// What a SecureRegion made.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct SecureRegionOutputs {
    /// The VPC's id.
    pub vpc_id: String,
    /// The private subnets' ids, one per availability zone.
    pub subnet_ids: Vec<String>,
    /// The internet gateway's id.
    pub internet_gateway_id: String,
    /// The route table's id.
    pub route_table_id: String,
    /// The security group's id.
    pub security_group_id: String,
    /// The KMS key's id.
    pub kms_key_id: String,
    /// The KMS key's ARN.
    pub kms_key_arn: String,
    /// The KMS alias, `alias/<prefix>-secure-key`.
    pub kms_alias_name: String,
    /// The API Gateway logging role's ARN.
    pub api_gateway_role_arn: String,
    /// The execute-api interface endpoint's id.
    pub vpc_endpoint_id: String,
    /// The S3 gateway endpoint's id (on the route table; this account's buckets only).
    pub s3_vpc_endpoint_id: String,
    /// The private REST API's id.
    pub rest_api_id: String,
    /// The API's stage (`prod`), serving `GET /` (a health check) through the endpoint.
    pub api_stage_name: String,
    /// The log group's name, `/aws/apigateway/<prefix>`.
    pub log_group_name: String,
    /// The log group's ARN.
    pub log_group_arn: String,
    /// The bucket's name.
    pub bucket_name: String,
    /// The bucket's ARN.
    pub bucket_arn: String,
    /// The bucket the secure bucket's server access logs go to.
    pub access_log_bucket_name: String,
    /// The VPC flow log's id (absent when enableFlowLogs is false).
    pub flow_log_id: Option<String>,
    /// The flow logs' log group, `/aws/vpc/flow-logs/<prefix>` (absent when enableFlowLogs is
    /// false).
    pub flow_log_group_name: Option<String>,
}

/// The outputs (secret where their sources are) and each output's dependencies.
pub fn collect(
    network: &Network,
    keys: &Keys,
    iam: &Iam,
    api: &Api,
    storage: &Storage,
    flow_logs: Option<&FlowLogs>,
) -> Result<(PropertyMap, BTreeMap<String, Vec<String>>)> {
    let (vpc, igw, table, sg, endpoint) = (
        done(&network.vpc)?,
        done(&network.igw)?,
        done(&network.route_table)?,
        done(&network.security_group)?,
        done(&network.endpoint)?,
    );
    let subnets: Vec<Child> = network.subnets.iter().map(done).collect::<Result<_>>()?;
    let (key, alias, log_group) = (done(&keys.key)?, done(&keys.alias)?, done(&keys.log_group)?);
    let (role, rest_api, bucket) = (done(&iam.role)?, done(&api.rest_api)?, done(&storage.bucket)?);
    let subnet_ids: Vec<Val> = subnets.iter().map(Child::id).collect();
    let mut outputs: BTreeMap<&str, Val> = [
        ("vpcId", vpc.id()),
        ("subnetIds", Val::list(&subnet_ids)),
        ("internetGatewayId", igw.id()),
        ("routeTableId", table.id()),
        ("securityGroupId", sg.id()),
        ("kmsKeyId", key.id()),
        ("kmsKeyArn", key.out("arn")),
        ("kmsAliasName", alias.out("name")),
        ("apiGatewayRoleArn", role.out("arn")),
        ("vpcEndpointId", endpoint.id()),
        ("s3VpcEndpointId", done(&network.s3_endpoint)?.id()),
        ("restApiId", rest_api.id()),
        ("apiStageName", done(&api.stage)?.out("stageName")),
        ("logGroupName", log_group.out("name")),
        ("logGroupArn", log_group.out("arn")),
        ("bucketName", bucket.id()),
        ("bucketArn", bucket.out("arn")),
        ("accessLogBucketName", done(&storage.logs)?.id()),
    ]
    .into_iter()
    .collect();
    if let Some(f) = flow_logs {
        outputs.insert("flowLogId", done(&f.flow_log)?.id());
        outputs.insert("flowLogGroupName", done(&f.log_group)?.out("name"));
    }
    let state = outputs.iter().map(|(k, v)| (k.to_string(), v.wire())).collect();
    let deps = outputs.iter().map(|(k, v)| (k.to_string(), v.deps.iter().cloned().collect())).collect();
    Ok((state, deps))
}
