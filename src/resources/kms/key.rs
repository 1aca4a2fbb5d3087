//! `tap:kms:Key`: a customer managed KMS key.
//!
//! AWS APIs: CreateKey (policy and tags at creation), EnableKeyRotation / DisableKeyRotation,
//! DescribeKey, GetKeyRotationStatus, GetKeyPolicy / PutKeyPolicy, ListResourceTags,
//! TagResource / UntagResource, UpdateKeyDescription, ScheduleKeyDeletion. Id: the key id.
//! Replaced when keyUsage or region change. Delete schedules deletion after
//! deletionWindowInDays; a key pending deletion reads as gone.

use async_trait::async_trait;
use aws_sdk_kms::types::{KeyState, KeyUsageType};
use serde::{Deserialize, Serialize};

use super::{is_not_found, to_tags};
use crate::error::{aws, Error, Result};
use crate::resource::{found, Checker, Ctx, Resource};
use crate::resources::policy;
use crate::resources::Tags;
use crate::value::Value;

pub struct Key;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInputs {
    #[serde(default)]
    pub description: String,
    pub enable_key_rotation: bool,
    pub deletion_window_in_days: i64,
    /// The key policy (JSON); AWS's default policy when absent.
    #[serde(default)]
    pub policy: Option<String>,
    pub key_usage: String,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyOutputs {
    #[serde(default)]
    pub description: String,
    pub enable_key_rotation: bool,
    pub deletion_window_in_days: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    pub key_usage: String,
    pub region: String,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub key_id: String,
    #[serde(default)]
    pub arn: String,
}

const USAGES: [&str; 4] = ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"];

/// KMS rejects a policy naming an IAM principal it cannot see yet (IAM is eventually consistent).
fn is_new_principal(e: &Error) -> bool {
    matches!(e, Error::Aws { code, message, .. } if code == "MalformedPolicyDocumentException" && message.contains("principal"))
}

#[async_trait]
impl Resource for Key {
    const TOKEN: &'static str = "tap:kms:Key";
    const REPLACE_ON: &'static [&'static str] = &["keyUsage"];
    const AWS_DEFAULTS: &'static [&'static str] = &["policy"];
    type Inputs = KeyInputs;
    type Outputs = KeyOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        c.default("description", Value::str(""));
        if let crate::resource::Field::Known(d) = c.string("description") {
            if d.chars().count() > 8192 {
                c.fail("description", "is longer than 8192 characters");
            }
        }
        c.default("enableKeyRotation", Value::Bool(false));
        c.bool("enableKeyRotation");
        c.integer_in("deletionWindowInDays", 7, 30, Some(30));
        policy::check(c, "policy", false);
        c.one_of("keyUsage", &USAGES, Some("ENCRYPT_DECRYPT"));
        c.tags();
    }

    fn normalize(&self, key: &str, value: serde_json::Value) -> serde_json::Value {
        if key == "policy" {
            policy::normalize(value)
        } else {
            value
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: KeyInputs) -> Result<(String, KeyOutputs)> {
        let kms = &ctx.clients.kms;
        let created = ctx
            .retry_for(
                "creating the KMS key (its policy names a principal IAM has not published yet)",
                std::time::Duration::from_secs(120),
                is_new_principal,
                || async {
                    kms.create_key()
                        .description(&inputs.description)
                        .key_usage(KeyUsageType::from(inputs.key_usage.as_str()))
                        .set_policy(inputs.policy.as_deref().map(policy::compact))
                        .set_tags(Some(to_tags(&inputs.tags)).filter(|t| !t.is_empty()))
                        .send()
                        .await
                        .map_err(aws("CreateKey"))
                },
            )
            .await?;
        let meta = created.key_metadata();
        let id = meta.map(|m| m.key_id().to_string()).unwrap_or_default();
        let mut state = KeyOutputs {
            description: inputs.description.clone(),
            enable_key_rotation: false,
            deletion_window_in_days: inputs.deletion_window_in_days,
            policy: inputs.policy.clone(),
            key_usage: inputs.key_usage.clone(),
            region: inputs.region.clone(),
            tags: inputs.tags.clone(),
            key_id: id.clone(),
            arn: meta.and_then(|m| m.arn()).unwrap_or_default().to_string(),
        };
        ctx.record_created(&id, &state);
        if inputs.enable_key_rotation {
            kms.enable_key_rotation().key_id(&id).send().await.map_err(aws("EnableKeyRotation"))?;
            state.enable_key_rotation = true;
        }
        // CreateKey's metadata and the inputs are the whole state: no read-back needed.
        state.policy = inputs.policy.as_deref().map(policy::compact);
        Ok((id, state))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<KeyOutputs>> {
        let mut found = read_key(ctx, id).await?;
        if let (Some(k), Some(window)) = (&mut found, ctx.prior_i64("deletionWindowInDays")) {
            k.deletion_window_in_days = window;
        }
        Ok(found)
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: KeyOutputs, news: KeyInputs) -> Result<KeyOutputs> {
        let kms = &ctx.clients.kms;
        if olds.description != news.description {
            kms.update_key_description()
                .key_id(id)
                .description(&news.description)
                .send()
                .await
                .map_err(aws("UpdateKeyDescription"))?;
        }
        if let Some(new_policy) = &news.policy {
            let same = policy::normalize(serde_json::Value::String(new_policy.clone()))
                == policy::normalize(serde_json::Value::String(olds.policy.clone().unwrap_or_default()));
            if !same {
                ctx.retry_for(
                    "updating the key policy (a principal IAM has not published yet)",
                    std::time::Duration::from_secs(120),
                    is_new_principal,
                    || async {
                        kms.put_key_policy()
                            .key_id(id)
                            .policy_name("default")
                            .policy(policy::compact(new_policy))
                            .send()
                            .await
                            .map_err(aws("PutKeyPolicy"))
                    },
                )
                .await?;
            }
        }
        if olds.enable_key_rotation != news.enable_key_rotation {
            if news.enable_key_rotation {
                kms.enable_key_rotation().key_id(id).send().await.map_err(aws("EnableKeyRotation"))?;
            } else {
                kms.disable_key_rotation().key_id(id).send().await.map_err(aws("DisableKeyRotation"))?;
            }
        }
        let (changed, removed) = crate::resources::tag_diff(&olds.tags, &news.tags);
        if !removed.is_empty() {
            kms.untag_resource().key_id(id).set_tag_keys(Some(removed)).send().await.map_err(aws("UntagResource"))?;
        }
        if !changed.is_empty() {
            kms.tag_resource().key_id(id).set_tags(Some(to_tags(&changed))).send().await.map_err(aws("TagResource"))?;
        }
        let mut outputs =
            read_key(ctx, id).await?.ok_or_else(|| Error::Internal(format!("key {id} vanished during the update")))?;
        outputs.deletion_window_in_days = news.deletion_window_in_days;
        Ok(outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: KeyOutputs) -> Result<()> {
        let result = ctx
            .clients
            .kms
            .schedule_key_deletion()
            .key_id(id)
            .pending_window_in_days(olds.deletion_window_in_days.clamp(7, 30) as i32)
            .send()
            .await
            .map_err(aws("ScheduleKeyDeletion"));
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_not_found(&e) => Ok(()),
            // Already pending deletion: nothing left to do.
            Err(e) if e.is_code(&["KMSInvalidStateException"]) && read_key(ctx, id).await?.is_none() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

async fn read_key(ctx: &Ctx, id: &str) -> Result<Option<KeyOutputs>> {
    let kms = &ctx.clients.kms;
    let Some(described) = found(kms.describe_key().key_id(id).send().await.map_err(aws("DescribeKey")), is_not_found)?
    else {
        return Ok(None);
    };
    let Some(meta) = described.key_metadata() else { return Ok(None) };
    if matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)) {
        return Ok(None);
    }
    let (rotation, policy, tags) = tokio::try_join!(
        async { kms.get_key_rotation_status().key_id(id).send().await.map_err(aws("GetKeyRotationStatus")) },
        async { kms.get_key_policy().key_id(id).policy_name("default").send().await.map_err(aws("GetKeyPolicy")) },
        async { kms.list_resource_tags().key_id(id).send().await.map_err(aws("ListResourceTags")) },
    )?;
    Ok(Some(KeyOutputs {
        description: meta.description().unwrap_or_default().to_string(),
        enable_key_rotation: rotation.key_rotation_enabled(),
        deletion_window_in_days: 30,
        policy: policy.policy().map(policy::compact),
        key_usage: meta.key_usage().map(|u| u.as_str().to_string()).unwrap_or_else(|| "ENCRYPT_DECRYPT".into()),
        region: ctx.region().to_string(),
        tags: tags.tags().iter().map(|t| (t.tag_key().to_string(), t.tag_value().to_string())).collect(),
        key_id: meta.key_id().to_string(),
        arn: meta.arn().unwrap_or_default().to_string(),
    }))
}
