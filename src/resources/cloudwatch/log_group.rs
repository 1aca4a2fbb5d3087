//! `tap:cloudwatch:LogGroup`: a CloudWatch Logs log group.
//!
//! AWS APIs: CreateLogGroup (KMS key and tags at creation), PutRetentionPolicy /
//! DeleteRetentionPolicy, AssociateKmsKey / DisassociateKmsKey (the key changes in place),
//! DescribeLogGroups, ListTagsForResource / TagResource / UntagResource, DeleteLogGroup.
//! Id: the log group name. Replaced when name or region change. A group encrypted with a KMS key
//! needs the key's policy to allow `logs.<region>.amazonaws.com`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::{aws, Error, Result};
use crate::resource::{deleted, Checker, Ctx, Field, Resource};
use crate::resources::{tag_diff, Tags};

pub struct LogGroup;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroupInputs {
    pub name: String,
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// Days to keep events; absent: forever.
    #[serde(default)]
    pub retention_in_days: Option<i64>,
    /// The ARN of the KMS key that encrypts the group.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroupOutputs {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub arn: String,
}

/// The retention periods CloudWatch Logs accepts.
pub const RETENTION_DAYS: [i64; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

pub fn retention_error(days: i64) -> Option<String> {
    (!RETENTION_DAYS.contains(&days)).then(|| {
        let allowed: Vec<String> = RETENTION_DAYS.iter().map(i64::to_string).collect();
        format!("{days} is not a retention CloudWatch Logs allows; use one of {}", allowed.join(", "))
    })
}

fn is_not_found(e: &Error) -> bool {
    e.is_code(&["ResourceNotFoundException"])
}

/// The request that changes a group's KMS key (moto does not implement these calls: a unit test
/// reads them).
pub enum KmsChange {
    Associate(Box<aws_sdk_cloudwatchlogs::operation::associate_kms_key::builders::AssociateKmsKeyFluentBuilder>),
    Disassociate(
        Box<aws_sdk_cloudwatchlogs::operation::disassociate_kms_key::builders::DisassociateKmsKeyFluentBuilder>,
    ),
}

pub fn kms_change(client: &aws_sdk_cloudwatchlogs::Client, name: &str, key: Option<&str>) -> KmsChange {
    match key {
        Some(key) => KmsChange::Associate(Box::new(client.associate_kms_key().log_group_name(name).kms_key_id(key))),
        None => KmsChange::Disassociate(Box::new(client.disassociate_kms_key().log_group_name(name))),
    }
}

#[async_trait]
impl Resource for LogGroup {
    const TOKEN: &'static str = "tap:cloudwatch:LogGroup";
    const REPLACE_ON: &'static [&'static str] = &["name"];
    type Inputs = LogGroupInputs;
    type Outputs = LogGroupOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if c.news.contains_key("name") && c.news.contains_key("namePrefix") {
            c.fail("namePrefix", "give name or namePrefix, not both");
        }
        if let Field::Known(name) = c.autoname("name", "namePrefix", 512) {
            if name.is_empty()
                || name.len() > 512
                || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || "_-/.#".contains(ch))
            {
                c.fail("name", format!("{name:?} must be 1 to 512 letters, digits or _-/.#"));
            }
        }
        if let Field::Known(days) = c.integer("retentionInDays") {
            if let Some(reason) = retention_error(days) {
                c.fail("retentionInDays", reason);
            }
        }
        if let Field::Known(key) = c.string("kmsKeyId") {
            if !key.starts_with("arn:") || !key.contains(":kms:") {
                c.fail(
                    "kmsKeyId",
                    format!(
                        "{key:?} is not a KMS key ARN: CloudWatch Logs needs the key's full ARN (arn:aws:kms:…:key/…)"
                    ),
                );
            }
        }
        c.tags();
    }

    async fn create(&self, ctx: &Ctx, inputs: LogGroupInputs) -> Result<(String, LogGroupOutputs)> {
        let logs = &ctx.clients.logs;
        logs.create_log_group()
            .log_group_name(&inputs.name)
            .set_kms_key_id(inputs.kms_key_id.clone())
            .set_tags(
                Some(inputs.tags.clone().into_iter().collect())
                    .filter(|t: &std::collections::HashMap<_, _>| !t.is_empty()),
            )
            .send()
            .await
            .map_err(aws("CreateLogGroup"))?;
        let name = inputs.name.clone();
        let account = ctx.clients.account_id().await?;
        let mut state = LogGroupOutputs {
            name: name.clone(),
            name_prefix: inputs.name_prefix.clone(),
            retention_in_days: None,
            kms_key_id: inputs.kms_key_id.clone(),
            region: inputs.region.clone(),
            tags: inputs.tags.clone(),
            arn: format!("arn:aws:logs:{}:{account}:log-group:{name}", inputs.region),
        };
        ctx.record_created(&name, &state);
        if let Some(days) = inputs.retention_in_days {
            logs.put_retention_policy()
                .log_group_name(&name)
                .retention_in_days(days as i32)
                .send()
                .await
                .map_err(aws("PutRetentionPolicy"))?;
            state.retention_in_days = Some(days);
        }
        Ok((name, state))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<LogGroupOutputs>> {
        let mut found = read_group(ctx, id).await?;
        if let Some(g) = &mut found {
            g.name_prefix = ctx.prior("namePrefix").map(str::to_string);
        }
        Ok(found)
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: LogGroupOutputs,
        news: LogGroupInputs,
    ) -> Result<LogGroupOutputs> {
        let logs = &ctx.clients.logs;
        if olds.retention_in_days != news.retention_in_days {
            match news.retention_in_days {
                Some(days) => {
                    logs.put_retention_policy()
                        .log_group_name(id)
                        .retention_in_days(days as i32)
                        .send()
                        .await
                        .map_err(aws("PutRetentionPolicy"))?;
                }
                None => {
                    logs.delete_retention_policy()
                        .log_group_name(id)
                        .send()
                        .await
                        .map_err(aws("DeleteRetentionPolicy"))?;
                }
            }
        }
        if olds.kms_key_id != news.kms_key_id {
            match kms_change(logs, id, news.kms_key_id.as_deref()) {
                KmsChange::Associate(request) => request.send().await.map(|_| ()).map_err(aws("AssociateKmsKey"))?,
                KmsChange::Disassociate(request) => {
                    request.send().await.map(|_| ()).map_err(aws("DisassociateKmsKey"))?
                }
            }
        }
        let arn = olds.arn.clone();
        let (set, removed) = tag_diff(&olds.tags, &news.tags);
        if !removed.is_empty() {
            logs.untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(aws("UntagResource"))?;
        }
        if !set.is_empty() {
            logs.tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(aws("TagResource"))?;
        }
        let mut outputs = read_group(ctx, id)
            .await?
            .ok_or_else(|| Error::Internal(format!("log group {id} vanished during the update")))?;
        outputs.name_prefix = news.name_prefix;
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: LogGroupOutputs) -> Result<()> {
        deleted(
            ctx.clients.logs.delete_log_group().log_group_name(id).send().await.map_err(aws("DeleteLogGroup")),
            is_not_found,
        )
    }
}

async fn read_group(ctx: &Ctx, name: &str) -> Result<Option<LogGroupOutputs>> {
    let logs = &ctx.clients.logs;
    let out = logs.describe_log_groups().log_group_name_prefix(name).send().await.map_err(aws("DescribeLogGroups"))?;
    let Some(g) = out.log_groups().iter().find(|g| g.log_group_name() == Some(name)) else {
        return Ok(None);
    };
    let arn = g.arn().unwrap_or_default().trim_end_matches(":*").to_string();
    let tags = match logs.list_tags_for_resource().resource_arn(&arn).send().await.map_err(aws("ListTagsForResource")) {
        Ok(t) => t.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default(),
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(LogGroupOutputs {
        name: name.to_string(),
        name_prefix: None,
        retention_in_days: g.retention_in_days().map(i64::from),
        kms_key_id: g.kms_key_id().map(str::to_string),
        region: ctx.region().to_string(),
        tags,
        arn,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_must_be_an_allowed_value_and_the_error_lists_them() {
        assert_eq!(retention_error(90), None);
        let e = retention_error(91).expect("91 is not allowed");
        assert!(e.contains("1, 3, 5, 7, 14, 30, 60, 90, 120"), "{e}");
    }

    #[test]
    fn kms_key_changes_associate_or_disassociate_moto_has_no_such_call() {
        let config = aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatchlogs::config::Region::new("us-east-1"))
            .build();
        let client = aws_sdk_cloudwatchlogs::Client::from_conf(config);
        let key = "arn:aws:kms:us-east-1:123456789012:key/abc";
        let KmsChange::Associate(associate) = kms_change(&client, "/aws/apigateway/x", Some(key)) else {
            panic!("associate")
        };
        assert_eq!(associate.get_kms_key_id().as_deref(), Some(key));
        assert_eq!(associate.get_log_group_name().as_deref(), Some("/aws/apigateway/x"));
        let KmsChange::Disassociate(disassociate) = kms_change(&client, "/aws/apigateway/x", None) else {
            panic!("disassociate")
        };
        assert_eq!(disassociate.get_log_group_name().as_deref(), Some("/aws/apigateway/x"));
    }
}
