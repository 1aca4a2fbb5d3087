//! `tap:ec2:EbsEncryptionByDefault`: every new EBS volume of the region is encrypted (with AWS's
//! managed key `aws/ebs` unless the region's default key was changed). A per-region account
//! setting: one owner.
//!
//! AWS APIs: GetEbsEncryptionByDefault, EnableEbsEncryptionByDefault,
//! DisableEbsEncryptionByDefault (both idempotent). Id: `ebs-encryption-by-default`. On delete
//! the setting returns to what it was before tap took charge.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::error::{aws, Result, Service::Ec2};
use crate::resource::{Checker, Created, Ctx, Field, Resource};

pub struct EbsEncryptionByDefault;

pub const ID: &str = "ebs-encryption-by-default";

/// EBS encryption by default in a region (EC2.7): new volumes and snapshot copies are encrypted.
/// One per account and region: give it to one program. Destroying it sets back what was there.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct EbsEncryptionInputs {
    /// Must be true (false is what a region has without this resource: leave it out).
    #[field(default = true)]
    pub enabled: bool,
    #[field(region)]
    pub region: String,
}

/// The setting, and what it was before.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct EbsEncryptionOutputs {
    #[serde(flatten)]
    pub inputs: EbsEncryptionInputs,
    /// Whether it was on before tap took charge (kept on delete if so).
    #[serde(default)]
    pub previously_enabled: bool,
}

async fn enabled(ctx: &Ctx) -> Result<bool> {
    let out = ctx.clients.ec2.get_ebs_encryption_by_default().send().await;
    Ok(out.map_err(aws(Ec2, "GetEbsEncryptionByDefault"))?.ebs_encryption_by_default().unwrap_or(false))
}

async fn enable(ctx: &Ctx) -> Result<()> {
    let out = ctx.clients.ec2.enable_ebs_encryption_by_default().send().await;
    out.map_err(aws(Ec2, "EnableEbsEncryptionByDefault"))?;
    Ok(())
}

#[async_trait]
impl Resource for EbsEncryptionByDefault {
    const TOKEN: &'static str = "tap:ec2:EbsEncryptionByDefault";
    type Inputs = EbsEncryptionInputs;
    type State = EbsEncryptionOutputs;
    /// A setting, not a thing: nothing to mark.
    const MARKED: bool = false;

    fn check(&self, c: &mut Checker<'_>) {
        if let Field::Known(false) = c.get::<bool>("enabled") {
            c.fail("enabled", "false is what a region has without this resource: leave the resource out instead");
        }
    }

    async fn create(&self, ctx: &Ctx, inputs: &EbsEncryptionInputs) -> Result<Created<EbsEncryptionOutputs>> {
        let previously_enabled = enabled(ctx).await?;
        enable(ctx).await?;
        Ok(Created { id: ID.to_string(), state: EbsEncryptionOutputs { inputs: inputs.clone(), previously_enabled } })
    }

    /// Off: the region is as it is without the resource.
    async fn read(
        &self,
        ctx: &Ctx,
        _id: &str,
        prior: Option<EbsEncryptionOutputs>,
    ) -> Result<Option<EbsEncryptionOutputs>> {
        if !enabled(ctx).await? {
            return Ok(None);
        }
        Ok(Some(EbsEncryptionOutputs {
            inputs: EbsEncryptionInputs { enabled: true, region: ctx.region().to_string() },
            previously_enabled: prior.map(|p| p.previously_enabled).unwrap_or(false),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _id: &str,
        olds: EbsEncryptionOutputs,
        news: EbsEncryptionInputs,
    ) -> Result<EbsEncryptionOutputs> {
        enable(ctx).await?;
        Ok(EbsEncryptionOutputs { inputs: news, previously_enabled: olds.previously_enabled })
    }

    async fn delete(&self, ctx: &Ctx, _id: &str, olds: EbsEncryptionOutputs) -> Result<()> {
        if olds.previously_enabled {
            return Ok(());
        }
        let out = ctx.clients.ec2.disable_ebs_encryption_by_default().send().await;
        out.map_err(aws(Ec2, "DisableEbsEncryptionByDefault"))?;
        Ok(())
    }
}
