//! Which SecureRegion owns each one-per-scope setting, per provider instance and run of the
//! program (Configure starts a run): a region's settings (API Gateway's CloudWatch role, EBS
//! encryption by default) and the account's (S3 Block Public Access). Two owners in one stack
//! would undo each other's work, so the second is refused with the owner's name. Across provider
//! instances, the fixed child names make the engine refuse the duplicate URN instead.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::Region;
use crate::error::{Error, Result};

fn owners() -> &'static Mutex<HashMap<(String, String), String>> {
    static OWNERS: OnceLock<Mutex<HashMap<(String, String), String>>> = OnceLock::new();
    OWNERS.get_or_init(Mutex::default)
}

/// Claims `scope` for the component `urn` under the provider instance `provider`: the owner's
/// name when another component has it.
fn claim(provider: &str, scope: String, urn: &str) -> std::result::Result<(), String> {
    let mut owners = owners().lock().unwrap_or_else(|e| e.into_inner());
    let owner = owners.entry((provider.to_string(), scope)).or_insert_with(|| urn.to_string());
    match owner == urn {
        true => Ok(()),
        false => Err(owner.rsplit("::").next().unwrap_or(owner).to_string()),
    }
}

/// Claims `r`'s region settings for the component `urn`.
pub fn claim_region_settings(provider: &str, r: &Region, urn: &str) -> Result<()> {
    claim(provider, format!("region {}", r.name), urn).map_err(|owner| {
        Error::input(
            "manageRegionSettings",
            format!(
                "{owner} already manages the settings of {} in this stack (API Gateway's CloudWatch role and EBS \
                 encryption by default are one per region): set manageRegionSettings: false on every other \
                 SecureRegion in {}",
                r.name, r.name
            ),
        )
    })
}

/// Claims the account's settings for the component `urn`.
pub fn claim_account_settings(provider: &str, urn: &str) -> Result<()> {
    claim(provider, "account".to_string(), urn).map_err(|owner| {
        Error::input(
            "manageAccountSettings",
            format!(
                "{owner} already manages the account's settings in this stack (S3 Block Public Access is one per \
                 account): give manageAccountSettings: true to one SecureRegion only"
            ),
        )
    })
}

/// Ends the claims of the provider instance `provider` (its program runs again).
pub fn release_claims(provider: &str) {
    owners().lock().unwrap_or_else(|e| e.into_inner()).retain(|(p, _), _| p != provider);
}
