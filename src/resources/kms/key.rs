//! `tap:kms:Key`: a customer managed KMS key.
//!
//! AWS APIs: CreateKey (policy and tags at creation), EnableKeyRotation / DisableKeyRotation,
//! DescribeKey, GetKeyRotationStatus, GetKeyPolicy / PutKeyPolicy, ListResourceTags,
//! TagResource / UntagResource, UpdateKeyDescription, ScheduleKeyDeletion. Id: the key id.
//! Replaced when keyUsage or region change. Delete schedules deletion after
//! deletionWindowInDays; a key pending deletion reads as gone.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_kms::types::{KeyState, KeyUsageType};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{tags_of, to_tags};
use crate::error::{aws, Error, Result, Service::Kms, Service::Tagging};
use crate::resource::{found, id_from, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::policy::{self, PolicyDocument};
use crate::resources::tags::{self, TagChange, Tags};

pub struct Key;

/// A customer managed KMS key. Its description, policy, rotation, deletion window and tags
/// update in place; changing keyUsage replaces it. Deleting it schedules its deletion after
/// deletionWindowInDays. Import with the key id, or `<key id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct KeyInputs {
    /// What the key is for (up to 8192 characters).
    #[field(default = "")]
    #[serde(default)]
    pub description: String,
    /// Whether KMS rotates the key material every year (default false).
    #[field(default = false)]
    pub enable_key_rotation: bool,
    /// Days, 7-30, between deleting the resource and KMS destroying the key (default 30).
    #[field(default = 30)]
    pub deletion_window_in_days: i64,
    /// The key policy (JSON); AWS's default policy when absent.
    #[field(aws_default, compare = policy)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC` or `KEY_AGREEMENT` (default `ENCRYPT_DECRYPT`).
    #[field(replace, default = "ENCRYPT_DECRYPT")]
    pub key_usage: String,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The key as KMS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct KeyOutputs {
    #[serde(flatten)]
    pub inputs: KeyInputs,
    /// The key's id.
    #[serde(default)]
    pub key_id: String,
    /// The key's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
}

const USAGES: [&str; 4] = ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"];

/// The deletion window rule, shared with SecureRegion's `kmsDeletionWindowInDays`.
pub fn check_deletion_window(c: &mut Checker<'_>, key: &str) {
    c.in_range(key, 7, 30);
}

/// KMS rejects a policy naming an IAM principal it cannot see yet (IAM is eventually consistent).
fn is_new_principal(e: &Error) -> bool {
    matches!(e, Error::Aws { code, message, .. } if code == "MalformedPolicyDocumentException" && message.contains("principal"))
}

#[async_trait]
impl Resource for Key {
    const TOKEN: &'static str = "tap:kms:Key";
    type Inputs = KeyInputs;
    type State = KeyOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(d) = c.string("description") {
            if d.chars().count() > 8192 {
                c.fail("description", "is longer than 8192 characters");
            }
        }
        check_deletion_window(c, "deletionWindowInDays");
        policy::check(c, "policy");
        c.one_of("keyUsage", &USAGES);
        tags::check(c, "tags", 1);
    }

    /// KMS cannot be asked for a key by tag: the Resource Groups Tagging API is.
    async fn find(&self, ctx: &Ctx, _inputs: &KeyInputs, _fresh: bool) -> Result<Option<Created<KeyOutputs>>> {
        let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder()
            .key(crate::resource::MARKER_TAG)
            .values(ctx.marker())
            .build();
        let mut pages = ctx
            .clients
            .tagging
            .get_resources()
            .resource_type_filters("kms:key")
            .tag_filters(filter)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(aws(Tagging, "GetResources"))?;
            for arn in page.resource_tag_mapping_list().iter().filter_map(|m| m.resource_arn()) {
                let id = arn.rsplit('/').next().unwrap_or(arn).to_string();
                if ctx.is_seen(&id) {
                    continue;
                }
                if let Some(state) = read_key(ctx, &id).await? {
                    return Ok(Some(Created { id, state }));
                }
            }
        }
        Ok(None)
    }

    async fn create(&self, ctx: &Ctx, inputs: &KeyInputs) -> Result<Created<KeyOutputs>> {
        let kms = &ctx.clients.kms;
        let created = ctx
            .retry_for(
                "creating the KMS key (its policy names a principal IAM has not published yet)",
                Duration::from_secs(120),
                is_new_principal,
                || async {
                    kms.create_key()
                        .description(&inputs.description)
                        .key_usage(KeyUsageType::from(inputs.key_usage.as_str()))
                        .set_policy(inputs.policy.as_deref().map(policy::compact))
                        .set_tags(Some(to_tags(&ctx.marked(&inputs.tags))))
                        .customize()
                        .config_override(crate::aws::once::kms())
                        .send()
                        .await
                        .map_err(aws(Kms, "CreateKey"))
                },
            )
            .await?;
        let meta = created.key_metadata();
        let id = id_from("CreateKey", meta.map(|m| m.key_id()))?;
        let state = KeyOutputs {
            // CreateKey's metadata and the inputs are the whole state: no read-back needed.
            inputs: KeyInputs {
                enable_key_rotation: false,
                policy: inputs.policy.as_deref().map(policy::compact),
                ..inputs.clone()
            },
            key_id: id.clone(),
            arn: meta.and_then(|m| m.arn()).unwrap_or_default().to_string(),
        };
        Ok(Created { id, state })
    }

    async fn finish(&self, ctx: &Ctx, id: &str, inputs: &KeyInputs, state: &mut KeyOutputs) -> Result<()> {
        if inputs.enable_key_rotation {
            ctx.clients.kms.enable_key_rotation().key_id(id).send().await.map_err(aws(Kms, "EnableKeyRotation"))?;
            state.inputs.enable_key_rotation = true;
        }
        Ok(())
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: Option<KeyOutputs>) -> Result<Option<KeyOutputs>> {
        let mut found = read_key(ctx, id).await?;
        if let (Some(k), Some(prior)) = (&mut found, prior) {
            // KMS does not report the window: it exists only in tap's state.
            k.inputs.deletion_window_in_days = prior.inputs.deletion_window_in_days;
        }
        Ok(found)
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: KeyOutputs, news: KeyInputs) -> Result<KeyOutputs> {
        let kms = &ctx.clients.kms;
        if olds.inputs.description != news.description {
            kms.update_key_description()
                .key_id(id)
                .description(&news.description)
                .send()
                .await
                .map_err(aws(Kms, "UpdateKeyDescription"))?;
        }
        if let Some(new_policy) = &news.policy {
            if !PolicyDocument::same(Some(new_policy), olds.inputs.policy.as_deref()) {
                ctx.retry_for(
                    "updating the key policy (a principal IAM has not published yet)",
                    Duration::from_secs(120),
                    is_new_principal,
                    || async {
                        kms.put_key_policy()
                            .key_id(id)
                            .policy_name("default")
                            .policy(policy::compact(new_policy))
                            .send()
                            .await
                            .map_err(aws(Kms, "PutKeyPolicy"))
                    },
                )
                .await?;
            }
        }
        if olds.inputs.enable_key_rotation != news.enable_key_rotation {
            if news.enable_key_rotation {
                kms.enable_key_rotation().key_id(id).send().await.map_err(aws(Kms, "EnableKeyRotation"))?;
            } else {
                kms.disable_key_rotation().key_id(id).send().await.map_err(aws(Kms, "DisableKeyRotation"))?;
            }
        }
        TagChange::between(&olds.inputs.tags, &news.tags)
            .apply(
                |keys| async move {
                    kms.untag_resource()
                        .key_id(id)
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .map_err(aws(Kms, "UntagResource"))?;
                    Ok(())
                },
                |set| async move {
                    kms.tag_resource()
                        .key_id(id)
                        .set_tags(Some(to_tags(&set)))
                        .send()
                        .await
                        .map_err(aws(Kms, "TagResource"))?;
                    Ok(())
                },
            )
            .await?;
        let mut state = still_there("key", id, read_key(ctx, id).await?)?;
        state.inputs.deletion_window_in_days = news.deletion_window_in_days;
        Ok(state)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &KeyOutputs) -> Result<()> {
        let marker = to_tags(&ctx.marked(&Tags::new()));
        ctx.clients
            .kms
            .tag_resource()
            .key_id(id)
            .set_tags(Some(marker))
            .send()
            .await
            .map_err(aws(Kms, "TagResource"))?;
        Ok(())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: KeyOutputs) -> Result<()> {
        let result = ctx
            .clients
            .kms
            .schedule_key_deletion()
            .key_id(id)
            .pending_window_in_days(olds.inputs.deletion_window_in_days.clamp(7, 30) as i32)
            .send()
            .await
            .map_err(aws(Kms, "ScheduleKeyDeletion"));
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.is_gone() => Ok(()),
            // Already pending deletion: nothing left to do.
            Err(e) if e.is_code(&["KMSInvalidStateException"]) && read_key(ctx, id).await?.is_none() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

async fn read_key(ctx: &Ctx, id: &str) -> Result<Option<KeyOutputs>> {
    let kms = &ctx.clients.kms;
    let Some(described) =
        found(kms.describe_key().key_id(id).send().await.map_err(aws(Kms, "DescribeKey")), Error::is_gone)?
    else {
        return Ok(None);
    };
    let Some(meta) = described.key_metadata() else { return Ok(None) };
    if matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)) {
        return Ok(None);
    }
    let (rotation, policy, tags) = tokio::try_join!(
        async { kms.get_key_rotation_status().key_id(id).send().await.map_err(aws(Kms, "GetKeyRotationStatus")) },
        async { kms.get_key_policy().key_id(id).policy_name("default").send().await.map_err(aws(Kms, "GetKeyPolicy")) },
        async { kms.list_resource_tags().key_id(id).send().await.map_err(aws(Kms, "ListResourceTags")) },
    )?;
    Ok(Some(KeyOutputs {
        inputs: KeyInputs {
            description: meta.description().unwrap_or_default().to_string(),
            enable_key_rotation: rotation.key_rotation_enabled(),
            deletion_window_in_days: 30,
            policy: policy.policy().map(policy::compact),
            key_usage: meta.key_usage().map(|u| u.as_str().to_string()).unwrap_or_else(|| "ENCRYPT_DECRYPT".into()),
            region: ctx.region().to_string(),
            tags: tags::user(tags_of(tags.tags())),
        },
        key_id: meta.key_id().to_string(),
        arn: meta.arn().unwrap_or_default().to_string(),
    }))
}
