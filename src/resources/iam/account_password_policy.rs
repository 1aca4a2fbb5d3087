//! `tap:iam:AccountPasswordPolicy`: the account's IAM password policy (a singleton).
//!
//! AWS APIs: UpdateAccountPasswordPolicy (create and update), GetAccountPasswordPolicy,
//! DeleteAccountPasswordPolicy. Id: `iam-account-password-policy`. Global. Updated in place.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::is_not_found;
use crate::error::{aws, Result};
use crate::resource::{deleted, found, Checker, Ctx, Resource};
use crate::value::Value;

pub struct AccountPasswordPolicy;

pub const ID: &str = "iam-account-password-policy";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicy {
    pub minimum_password_length: i64,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    pub hard_expiry: bool,
    /// Absent: passwords may be reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<i64>,
    /// Absent: passwords never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicyOutputs {
    #[serde(flatten)]
    pub policy: PasswordPolicy,
    /// Whether passwords expire (maxPasswordAge is set).
    #[serde(default)]
    pub expire_passwords: bool,
}

const FLAGS: [&str; 6] = [
    "requireSymbols",
    "requireNumbers",
    "requireUppercaseCharacters",
    "requireLowercaseCharacters",
    "allowUsersToChangePassword",
    "hardExpiry",
];

/// Validates and defaults the nine fields; shared with SecureRegion's `passwordPolicy` input.
pub fn check_fields(c: &mut Checker<'_>) {
    c.integer_in("minimumPasswordLength", 6, 128, Some(6));
    for flag in FLAGS {
        c.default(flag, Value::Bool(false));
        c.bool(flag);
    }
    c.integer_in("passwordReusePrevention", 1, 24, None);
    c.integer_in("maxPasswordAge", 1, 1095, None);
}

#[async_trait]
impl Resource for AccountPasswordPolicy {
    const TOKEN: &'static str = "tap:iam:AccountPasswordPolicy";
    const REGIONAL: bool = false;
    const REPLACE_ON: &'static [&'static str] = &[];
    type Inputs = PasswordPolicy;
    type Outputs = PasswordPolicyOutputs;

    fn check(&self, c: &mut Checker<'_>) {
        check_fields(c);
    }

    async fn create(&self, ctx: &Ctx, inputs: PasswordPolicy) -> Result<(String, PasswordPolicyOutputs)> {
        apply(ctx, &inputs).await?;
        Ok((
            ID.to_string(),
            read_policy(ctx).await?.unwrap_or(PasswordPolicyOutputs {
                expire_passwords: inputs.max_password_age.is_some(),
                policy: inputs,
            }),
        ))
    }

    async fn read(&self, ctx: &Ctx, _id: &str) -> Result<Option<PasswordPolicyOutputs>> {
        read_policy(ctx).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        olds: PasswordPolicyOutputs,
        news: PasswordPolicy,
    ) -> Result<PasswordPolicyOutputs> {
        if olds.policy != news {
            apply(ctx, &news).await?;
        }
        Ok(read_policy(ctx)
            .await?
            .unwrap_or(PasswordPolicyOutputs { expire_passwords: news.max_password_age.is_some(), policy: news }))
    }

    async fn delete(&self, ctx: &Ctx, _id: &str, _olds: PasswordPolicyOutputs) -> Result<()> {
        deleted(
            ctx.clients.iam.delete_account_password_policy().send().await.map_err(aws("DeleteAccountPasswordPolicy")),
            is_not_found,
        )
    }
}

async fn apply(ctx: &Ctx, p: &PasswordPolicy) -> Result<()> {
    ctx.clients
        .iam
        .update_account_password_policy()
        .minimum_password_length(p.minimum_password_length as i32)
        .require_symbols(p.require_symbols)
        .require_numbers(p.require_numbers)
        .require_uppercase_characters(p.require_uppercase_characters)
        .require_lowercase_characters(p.require_lowercase_characters)
        .allow_users_to_change_password(p.allow_users_to_change_password)
        .hard_expiry(p.hard_expiry)
        .set_password_reuse_prevention(p.password_reuse_prevention.map(|n| n as i32))
        .set_max_password_age(p.max_password_age.map(|n| n as i32))
        .send()
        .await
        .map_err(aws("UpdateAccountPasswordPolicy"))?;
    Ok(())
}

async fn read_policy(ctx: &Ctx) -> Result<Option<PasswordPolicyOutputs>> {
    let Some(out) = found(
        ctx.clients.iam.get_account_password_policy().send().await.map_err(aws("GetAccountPasswordPolicy")),
        is_not_found,
    )?
    else {
        return Ok(None);
    };
    Ok(out.password_policy().map(|p| PasswordPolicyOutputs {
        policy: PasswordPolicy {
            minimum_password_length: p.minimum_password_length().map(i64::from).unwrap_or(6),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase_characters: p.require_uppercase_characters(),
            require_lowercase_characters: p.require_lowercase_characters(),
            allow_users_to_change_password: p.allow_users_to_change_password(),
            hard_expiry: p.hard_expiry().unwrap_or(false),
            password_reuse_prevention: p.password_reuse_prevention().map(i64::from).filter(|n| *n > 0),
            max_password_age: p.max_password_age().map(i64::from).filter(|n| *n > 0),
        },
        expire_passwords: p.expire_passwords(),
    }))
}
