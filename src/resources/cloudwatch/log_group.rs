//! `tap:cloudwatch:LogGroup`: a CloudWatch Logs log group.
//!
//! AWS APIs: CreateLogGroup (KMS key and tags at creation), PutRetentionPolicy /
//! DeleteRetentionPolicy, AssociateKmsKey / DisassociateKmsKey (the key changes in place),
//! DescribeLogGroups, ListTagsForResource / TagResource / UntagResource, DeleteLogGroup.
//! Id: the log group name. Replaced when name or region change. A group encrypted with a KMS key
//! needs the key's policy to allow `logs.<region>.amazonaws.com`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::error::{aws, Error, Result, Service::Logs};
use crate::resource::{deleted, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::tags::{self, TagChange, Tags};

pub struct LogGroup;

/// A CloudWatch Logs log group. Retention, the KMS key and tags update in place; renaming it
/// replaces it. Import with the group name, or `<name>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct LogGroupInputs {
    /// The group's name, 1-512 letters, digits or `_-/.#` (autonamed `<resource name>-<7 hex>`
    /// when neither it nor namePrefix is given).
    #[field(replace, identity)]
    pub name: String,
    /// A prefix for the autoname.
    #[field(identity)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    /// Days to keep events, one of CloudWatch's allowed values; absent: forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i64>,
    /// The ARN of the KMS key that encrypts the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The group as CloudWatch Logs reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct LogGroupOutputs {
    #[serde(flatten)]
    pub inputs: LogGroupInputs,
    /// The group's ARN (without the trailing `:*`).
    #[field(from = "name, region")]
    #[serde(default)]
    pub arn: String,
}

/// The retention periods CloudWatch Logs accepts.
pub const RETENTION_DAYS: [i64; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

fn retention_error(days: i64) -> Option<String> {
    (!RETENTION_DAYS.contains(&days)).then(|| {
        let allowed: Vec<String> = RETENTION_DAYS.iter().map(i64::to_string).collect();
        format!("{days} is not a retention CloudWatch Logs allows; use one of {}", allowed.join(", "))
    })
}

/// The retention rule, shared with SecureRegion's `logRetentionInDays`.
pub fn check_retention(c: &mut Checker<'_>, key: &str) {
    if let Field::Known(days) = c.integer(key) {
        if let Some(reason) = retention_error(days) {
            let reason = if c.is_secret(key) { reason.replacen(&days.to_string(), "[secret]", 1) } else { reason };
            c.fail(key, reason);
        }
    }
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
    type Inputs = LogGroupInputs;
    type State = LogGroupOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        let prefix = format!("{}-", c.name());
        if let Field::Known(name) = c.autoname("name", "namePrefix", 512, &prefix) {
            if name.is_empty()
                || name.len() > 512
                || !name.chars().all(|ch| ch.is_ascii_alphanumeric() || "_-/.#".contains(ch))
            {
                c.fail("name", format!("{name:?} must be 1 to 512 letters, digits or _-/.#"));
            }
        }
        check_retention(c, "retentionInDays");
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
        tags::check(c, "tags", 1);
    }

    /// A region holds one group of a name: a replacement keeping it deletes the old first.
    fn replace_conflicts(&self, _name: &str, olds: &LogGroupOutputs, news: &LogGroupInputs) -> bool {
        olds.inputs.name == news.name && olds.inputs.region == news.region
    }

    /// The name is the identity: a group of that name is an earlier attempt's when it carries
    /// the marker, and someone else's otherwise.
    async fn find(&self, ctx: &Ctx, inputs: &LogGroupInputs, _fresh: bool) -> Result<Option<Created<LogGroupOutputs>>> {
        let Some((state, tags)) = read_group_and_tags(ctx, &inputs.name).await? else { return Ok(None) };
        if tags.get(crate::resource::MARKER_TAG).map(String::as_str) != Some(ctx.marker()) || ctx.is_seen(&inputs.name)
        {
            let region = ctx.region();
            return Err(Error::Taken(format!(
                "the log group {} already exists in {region} and was not made by tap for this resource: import it \
                 (pulumi import tap:cloudwatch:LogGroup <name> {}@{region}) or choose another name (for a SecureRegion, \
                 another component name)",
                inputs.name, inputs.name
            )));
        }
        Ok(Some(Created { id: inputs.name.clone(), state }))
    }

    async fn create(&self, ctx: &Ctx, inputs: &LogGroupInputs) -> Result<Created<LogGroupOutputs>> {
        // The group's ARN needs the account: asked before the group exists.
        let account = ctx.clients.account_id().await?;
        ctx.clients
            .logs
            .create_log_group()
            .log_group_name(&inputs.name)
            .set_kms_key_id(inputs.kms_key_id.clone())
            .set_tags(Some(ctx.marked(&inputs.tags).into_iter().collect()))
            .customize()
            .config_override(crate::aws::once::logs())
            .send()
            .await
            .map_err(aws(Logs, "CreateLogGroup"))?;
        let state = LogGroupOutputs {
            inputs: LogGroupInputs { retention_in_days: None, ..inputs.clone() },
            arn: ctx.clients.arn("logs", &account, &format!("log-group:{}", inputs.name)),
        };
        Ok(Created { id: inputs.name.clone(), state })
    }

    async fn finish(&self, ctx: &Ctx, id: &str, inputs: &LogGroupInputs, state: &mut LogGroupOutputs) -> Result<()> {
        if let Some(days) = inputs.retention_in_days {
            put_retention(ctx, id, days).await?;
            state.inputs.retention_in_days = Some(days);
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: Option<LogGroupOutputs>) -> Result<Option<LogGroupOutputs>> {
        let mut found = read_group(ctx, id).await?;
        if let (Some(g), Some(prior)) = (&mut found, prior) {
            g.inputs.name_prefix = prior.inputs.name_prefix;
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
        if olds.inputs.retention_in_days != news.retention_in_days {
            match news.retention_in_days {
                Some(days) => put_retention(ctx, id, days).await?,
                None => {
                    logs.delete_retention_policy()
                        .log_group_name(id)
                        .send()
                        .await
                        .map_err(aws(Logs, "DeleteRetentionPolicy"))?;
                }
            }
        }
        if olds.inputs.kms_key_id != news.kms_key_id {
            match kms_change(logs, id, news.kms_key_id.as_deref()) {
                KmsChange::Associate(request) => {
                    request.send().await.map(|_| ()).map_err(aws(Logs, "AssociateKmsKey"))?
                }
                KmsChange::Disassociate(request) => {
                    request.send().await.map(|_| ()).map_err(aws(Logs, "DisassociateKmsKey"))?
                }
            }
        }
        let arn = &olds.arn;
        TagChange::between(&olds.inputs.tags, &news.tags)
            .apply(
                |keys| async move {
                    logs.untag_resource()
                        .resource_arn(arn)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .map_err(aws(Logs, "UntagResource"))?;
                    Ok(())
                },
                |set| async move {
                    let set = Some(set.into_iter().collect());
                    logs.tag_resource()
                        .resource_arn(arn)
                        .set_tags(set)
                        .send()
                        .await
                        .map_err(aws(Logs, "TagResource"))?;
                    Ok(())
                },
            )
            .await?;
        let mut state = still_there("log group", id, read_group(ctx, id).await?)?;
        state.inputs.name_prefix = news.name_prefix;
        Ok(state)
    }

    async fn mark(&self, ctx: &Ctx, _id: &str, state: &LogGroupOutputs) -> Result<()> {
        let marker = Some(ctx.marked(&Tags::new()).into_iter().collect());
        let request = ctx.clients.logs.tag_resource().resource_arn(&state.arn).set_tags(marker);
        request.send().await.map_err(aws(Logs, "TagResource"))?;
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _olds: LogGroupOutputs) -> Result<()> {
        deleted(
            ctx.clients.logs.delete_log_group().log_group_name(id).send().await.map_err(aws(Logs, "DeleteLogGroup")),
            Error::is_gone,
        )
    }
}

async fn put_retention(ctx: &Ctx, name: &str, days: i64) -> Result<()> {
    ctx.clients
        .logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(days as i32)
        .send()
        .await
        .map_err(aws(Logs, "PutRetentionPolicy"))?;
    Ok(())
}

async fn read_group(ctx: &Ctx, name: &str) -> Result<Option<LogGroupOutputs>> {
    Ok(read_group_and_tags(ctx, name).await?.map(|(state, _)| state))
}

/// The group named exactly `name`, with all its tags: DescribeLogGroups matches by prefix, so
/// every page is read until it appears.
async fn read_group_and_tags(ctx: &Ctx, name: &str) -> Result<Option<(LogGroupOutputs, Tags)>> {
    let logs = &ctx.clients.logs;
    let mut pages = logs.describe_log_groups().log_group_name_prefix(name).into_paginator().send();
    let mut group = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws(Logs, "DescribeLogGroups"))?;
        if let Some(g) = page.log_groups().iter().find(|g| g.log_group_name() == Some(name)) {
            group = Some(g.clone());
            break;
        }
    }
    let Some(g) = group else { return Ok(None) };
    let arn = g.arn().unwrap_or_default().trim_end_matches(":*").to_string();
    let all: Tags =
        match logs.list_tags_for_resource().resource_arn(&arn).send().await.map_err(aws(Logs, "ListTagsForResource")) {
            Ok(t) => t.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default(),
            Err(e) if e.is_gone() => return Ok(None),
            Err(e) => return Err(e),
        };
    let state = LogGroupOutputs {
        inputs: LogGroupInputs {
            name: name.to_string(),
            name_prefix: None,
            retention_in_days: g.retention_in_days().map(i64::from),
            kms_key_id: g.kms_key_id().map(str::to_string),
            region: ctx.region().to_string(),
            tags: tags::user(all.clone()),
        },
        arn,
    };
    Ok(Some((state, all)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// DescribeLogGroups matches by prefix and pages its answer: the group is looked for on
    /// every page, not only the first.
    #[tokio::test]
    async fn read_finds_the_group_on_a_later_page() {
        let fake = crate::aws::fake::aws("us-east-1", |target, body| {
            let group = |name: &str| json!({"logGroupName": name, "arn": format!("arn:aws:logs:us-east-1:1:log-group:{name}:*"), "retentionInDays": 7});
            match target {
                "Logs_20140328.DescribeLogGroups" if !body.contains("nextToken") => {
                    json!({"logGroups": [group("/x-other")], "nextToken": "page-2"}).to_string()
                }
                "Logs_20140328.DescribeLogGroups" => json!({"logGroups": [group("/x")]}).to_string(),
                "Logs_20140328.ListTagsForResource" => json!({"tags": {"a": "b"}}).to_string(),
                _ => "{}".to_string(),
            }
        })
        .await;
        let ctx = Ctx::new(
            fake.clients.clone(),
            "urn".into(),
            crate::log::Logger::default(),
            std::time::Duration::from_secs(10),
        );
        let group = read_group(&ctx, "/x").await.expect("read").expect("found on the second page");
        assert_eq!(group.inputs.retention_in_days, Some(7));
        assert_eq!(group.arn, "arn:aws:logs:us-east-1:1:log-group:/x");
        let pages = fake.calls().iter().filter(|c| c.target.ends_with("DescribeLogGroups")).count();
        assert_eq!(pages, 2);
    }

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
