//! `tap:s3:AccountPublicAccessBlock`: S3 Block Public Access for the whole account (S3.1), which
//! every bucket's own setting is overridden by. An account setting: one owner.
//!
//! AWS APIs (S3 Control): GetPublicAccessBlock, PutPublicAccessBlock (create and update; it writes
//! the whole setting, so it is safe to repeat), DeletePublicAccessBlock. Id: the account id.
//! Global. On delete the account returns to what it had before tap took charge: that
//! configuration again, or none.

use async_trait::async_trait;
use aws_sdk_s3control::types::PublicAccessBlockConfiguration;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::public_access_block::PublicAccessFlags;
use crate::error::{aws, Error, Result, Service::S3Control};
use crate::resource::{deleted, found, Checker, Created, Ctx, Field, Resource};

pub struct AccountPublicAccessBlock;

/// S3 Block Public Access for the account: it applies to every bucket, whatever the bucket's own
/// setting says. One per account: give it to one program. The four flags update in place;
/// destroying it sets back what the account had before. Import with the account id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct AccountPublicAccessBlockInputs {
    /// The account (12 digits); the account of the provider's credentials when absent, and the only
    /// one S3 lets it set.
    #[field(replace, aws_default, identity)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(flatten)]
    pub flags: PublicAccessFlags,
}

/// The account's setting, and what it was before.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct AccountPublicAccessBlockOutputs {
    #[serde(flatten)]
    pub inputs: AccountPublicAccessBlockInputs,
    /// What the account had before tap took charge (absent: no configuration), set back on delete.
    #[field(private)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PublicAccessFlags>,
}

/// Whether `id` can be an AWS account id.
fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The account's configuration (`None`: it has none).
async fn get(ctx: &Ctx, account: &str) -> Result<Option<PublicAccessFlags>> {
    let out = ctx.clients.s3control.get_public_access_block().account_id(account).send().await;
    let Some(out) = found(out.map_err(aws(S3Control, "GetPublicAccessBlock")), Error::is_gone)? else {
        return Ok(None);
    };
    Ok(out.public_access_block_configuration().map(PublicAccessFlags::from))
}

async fn put(ctx: &Ctx, account: &str, f: PublicAccessFlags) -> Result<()> {
    let config = PublicAccessBlockConfiguration::from(f);
    let out = ctx
        .clients
        .s3control
        .put_public_access_block()
        .account_id(account)
        .public_access_block_configuration(config)
        .send()
        .await;
    out.map_err(aws(S3Control, "PutPublicAccessBlock"))?;
    Ok(())
}

/// The account to set: the caller's, which `accountId` must name if given.
async fn account(ctx: &Ctx, inputs: &AccountPublicAccessBlockInputs) -> Result<String> {
    let mine = ctx.clients.account_id().await?;
    match &inputs.account_id {
        Some(asked) if *asked != mine => Err(Error::input(
            "accountId",
            format!(
                "is {asked}, but the provider's credentials are for account {mine}, the only one S3 lets them set: \
                 leave accountId out, or configure the provider with credentials of {asked}"
            ),
        )),
        _ => Ok(mine),
    }
}

#[async_trait]
impl Resource for AccountPublicAccessBlock {
    const TOKEN: &'static str = "tap:s3:AccountPublicAccessBlock";
    const REGIONAL: bool = false;
    type Inputs = AccountPublicAccessBlockInputs;
    type State = AccountPublicAccessBlockOutputs;
    /// A setting, not a thing: nothing to mark.
    const MARKED: bool = false;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(id) = c.string("accountId") {
            if !is_account_id(&id) {
                c.fail("accountId", format!("{id:?} is not an account id (12 digits, such as 123456789012)"));
            }
        }
    }

    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &AccountPublicAccessBlockInputs,
    ) -> Result<Created<AccountPublicAccessBlockOutputs>> {
        let account = account(ctx, inputs).await?;
        let previous = get(ctx, &account).await?;
        put(ctx, &account, inputs.flags).await?;
        let inputs = AccountPublicAccessBlockInputs { account_id: Some(account.clone()), flags: inputs.flags };
        Ok(Created { id: account, state: AccountPublicAccessBlockOutputs { inputs, previous } })
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: Option<AccountPublicAccessBlockOutputs>,
    ) -> Result<Option<AccountPublicAccessBlockOutputs>> {
        Ok(get(ctx, id).await?.map(|flags| AccountPublicAccessBlockOutputs {
            inputs: AccountPublicAccessBlockInputs { account_id: Some(id.to_string()), flags },
            previous: prior.and_then(|p| p.previous),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: AccountPublicAccessBlockOutputs,
        news: AccountPublicAccessBlockInputs,
    ) -> Result<AccountPublicAccessBlockOutputs> {
        put(ctx, id, news.flags).await?;
        let inputs = AccountPublicAccessBlockInputs { account_id: Some(id.to_string()), flags: news.flags };
        Ok(AccountPublicAccessBlockOutputs { inputs, previous: olds.previous })
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: AccountPublicAccessBlockOutputs) -> Result<()> {
        if let Some(previous) = olds.previous {
            return put(ctx, id, previous).await;
        }
        let out = ctx.clients.s3control.delete_public_access_block().account_id(id).send().await;
        deleted(out.map_err(aws(S3Control, "DeletePublicAccessBlock")), Error::is_gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901"));
        assert!(!is_account_id("12345678901a"));
        assert!(!is_account_id("arn:aws:iam::123456789012:root"));
    }
}
