//! `tap:iam:AccountPasswordPolicy`: the account's IAM password policy (a singleton).
//!
//! AWS APIs: UpdateAccountPasswordPolicy (create and update), GetAccountPasswordPolicy,
//! DeleteAccountPasswordPolicy. Id: `iam-account-password-policy`. Global. Updated in place.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::error::{aws, Error, Result, Service::Iam};
use crate::resource::{deleted, found, Checker, Created, Ctx, Resource};

pub struct AccountPasswordPolicy;

pub const ID: &str = "iam-account-password-policy";

/// The account's IAM password policy (one per account). Every field updates in place; deleting
/// it returns the account to IAM's default. Import with `iam-account-password-policy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicyInputs {
    /// Minimum password length, 6-128 (default 6).
    #[field(default = 6)]
    pub minimum_password_length: i64,
    /// Require at least one symbol (default false).
    #[field(default = false)]
    pub require_symbols: bool,
    /// Require at least one number (default false).
    #[field(default = false)]
    pub require_numbers: bool,
    /// Require at least one uppercase letter (default false).
    #[field(default = false)]
    pub require_uppercase_characters: bool,
    /// Require at least one lowercase letter (default false).
    #[field(default = false)]
    pub require_lowercase_characters: bool,
    /// Let IAM users change their own password (default false).
    #[field(default = false)]
    pub allow_users_to_change_password: bool,
    /// Stop users from setting a new password after theirs expired (default false).
    #[field(default = false)]
    pub hard_expiry: bool,
    /// How many previous passwords cannot be reused, 1-24; absent: passwords may be reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_reuse_prevention: Option<i64>,
    /// Days a password stays valid, 1-1095; absent: passwords never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_password_age: Option<i64>,
}

/// The policy as IAM reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicyOutputs {
    #[serde(flatten)]
    pub policy: PasswordPolicyInputs,
    /// Whether passwords expire (maxPasswordAge is set).
    #[field(from = "maxPasswordAge")]
    #[serde(default)]
    pub expire_passwords: bool,
}

/// The ranges IAM allows; shared with SecureRegion's `passwordPolicy` input.
pub fn check_fields(c: &mut Checker<'_>) {
    c.in_range("minimumPasswordLength", 6, 128);
    c.in_range("passwordReusePrevention", 1, 24);
    c.in_range("maxPasswordAge", 1, 1095);
}

#[async_trait]
impl Resource for AccountPasswordPolicy {
    const TOKEN: &'static str = "tap:iam:AccountPasswordPolicy";
    const REGIONAL: bool = false;
    type Inputs = PasswordPolicyInputs;
    type State = PasswordPolicyOutputs;
    /// Untagged, and its create is safe to repeat: no marker.
    const MARKED: bool = false;

    fn check(&self, c: &mut Checker<'_>) {
        check_fields(c);
    }

    async fn create(&self, ctx: &Ctx, inputs: &PasswordPolicyInputs) -> Result<Created<PasswordPolicyOutputs>> {
        apply(ctx, inputs).await?;
        let state =
            PasswordPolicyOutputs { expire_passwords: inputs.max_password_age.is_some(), policy: inputs.clone() };
        Ok(Created { id: ID.to_string(), state })
    }

    async fn finish(
        &self,
        ctx: &Ctx,
        _id: &str,
        _inputs: &PasswordPolicyInputs,
        state: &mut PasswordPolicyOutputs,
    ) -> Result<()> {
        if let Some(current) = read_policy(ctx).await? {
            *state = current;
        }
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        _id: &str,
        _prior: Option<PasswordPolicyOutputs>,
    ) -> Result<Option<PasswordPolicyOutputs>> {
        read_policy(ctx).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        olds: PasswordPolicyOutputs,
        news: PasswordPolicyInputs,
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
            ctx.clients
                .iam
                .delete_account_password_policy()
                .send()
                .await
                .map_err(aws(Iam, "DeleteAccountPasswordPolicy")),
            Error::is_gone,
        )
    }
}

async fn apply(ctx: &Ctx, p: &PasswordPolicyInputs) -> Result<()> {
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
        .map_err(aws(Iam, "UpdateAccountPasswordPolicy"))?;
    Ok(())
}

async fn read_policy(ctx: &Ctx) -> Result<Option<PasswordPolicyOutputs>> {
    let Some(out) = found(
        ctx.clients.iam.get_account_password_policy().send().await.map_err(aws(Iam, "GetAccountPasswordPolicy")),
        Error::is_gone,
    )?
    else {
        return Ok(None);
    };
    Ok(out.password_policy().map(|p| PasswordPolicyOutputs {
        policy: PasswordPolicyInputs {
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
