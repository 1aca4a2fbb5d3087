//! S3 resources: the bucket and its settings — policy, default encryption, public access block,
//! versioning, ownership controls, lifecycle and access logging — each its own resource, as in
//! pulumi-aws, with the bucket name as id; and the account's public access block (S3 Control).

pub mod account_public_access_block;
pub mod bucket;
pub mod bucket_policy;
pub mod lifecycle_configuration;
pub mod logging;
pub mod ownership_controls;
pub mod public_access_block;
pub mod server_side_encryption;
pub mod setting;
pub mod versioning;

use crate::resource::{Checker, Field};

/// What the `bucket` input of a bucket's sub-resource asks for.
pub const BUCKET_HINT: &str = "the bucket's name";

/// Checks S3's naming rules; the reason when `name` breaks one.
pub fn bucket_name_error(name: &str) -> Option<String> {
    let hint =
        "bucket names are 3-63 lowercase letters, digits, hyphens and dots, start and end with a letter or digit";
    if name.len() < 3 || name.len() > 63 {
        return Some(format!("{name:?} is {} characters; {hint}", name.len()));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Some(format!("{name:?} contains {bad:?}; {hint}"));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Some(format!("{name:?} must start and end with a letter or digit"));
    }
    if name.contains("..") {
        return Some(format!("{name:?} contains `..`, which S3 does not allow"));
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(format!("{name:?} looks like an IP address, which S3 does not allow"));
    }
    if name.starts_with("xn--")
        || name.starts_with("sthree-")
        || name.ends_with("-s3alias")
        || name.ends_with("--ol-s3")
    {
        return Some(format!("{name:?} uses a prefix or suffix S3 reserves"));
    }
    None
}

/// The bucket name under `key` follows S3's rules.
pub fn check_bucket_name(c: &mut Checker<'_>, key: &str) {
    if let Field::Known(name) = c.string(key) {
        if let Some(reason) = bucket_name_error(&name) {
            c.fail(key, reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bucket_name_error;

    #[test]
    fn bucket_names() {
        assert_eq!(bucket_name_error("tap-us-east-1-secure-bucket-1a2b3c4"), None);
        assert_eq!(bucket_name_error("my.bucket.name"), None);
        for (bad, needle) in [
            ("ab", "3-63"),
            (&"a".repeat(64), "3-63"),
            ("My-Bucket", "contains 'M'"),
            ("bucket_name", "contains '_'"),
            ("-bucket", "start and end"),
            ("a..b", "`..`"),
            ("192.168.1.1", "IP address"),
        ] {
            let e = bucket_name_error(bad).unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }
}
