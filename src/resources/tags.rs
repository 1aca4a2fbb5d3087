//! Tags: the map every taggable resource takes, the rule AWS applies to it, and the difference
//! between two tag sets that each service's tag calls apply.

use std::collections::BTreeMap;
use std::future::Future;

use crate::error::Result;
use crate::resource::{Checker, Field};

/// Tags as the program gives them.
pub type Tags = BTreeMap<String, String>;

/// AWS's limit on tags per resource.
pub const MAX_TAGS: usize = 50;

/// What to set (new or changed values) and what to remove to bring tags from `old` to `new`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagChange {
    pub set: Tags,
    pub removed: Vec<String>,
}

impl TagChange {
    pub fn between(old: &Tags, new: &Tags) -> TagChange {
        TagChange {
            set: new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            removed: old.keys().filter(|k| !new.contains_key(*k)).cloned().collect(),
        }
    }

    /// Applies the change with a service's own calls: `untag` removes keys, `tag` sets values,
    /// each called only when there is something to do.
    pub async fn apply<U, T>(self, untag: impl FnOnce(Vec<String>) -> U, tag: impl FnOnce(Tags) -> T) -> Result<()>
    where
        U: Future<Output = Result<()>>,
        T: Future<Output = Result<()>>,
    {
        if !self.removed.is_empty() {
            untag(self.removed).await?;
        }
        if !self.set.is_empty() {
            tag(self.set).await?;
        }
        Ok(())
    }
}

/// The user's tags of a resource's tags: AWS's own (`aws:`) and tap's (`tap:`, its marker) are
/// not the user's to manage, and never show in inputs, outputs or diffs.
pub fn user(tags: impl IntoIterator<Item = (String, String)>) -> Tags {
    tags.into_iter().filter(|(k, _)| !k.starts_with("aws:") && !k.starts_with("tap:")).collect()
}

/// AWS's rule for the tags under `key`: at most 50 with the `reserved` ones tap adds itself
/// (its marker, the component's Name, …), keys of 1-128 characters not starting with `aws:` or
/// tap's `tap:`, values of up to 256 characters.
pub fn check(c: &mut Checker<'_>, key: &str, reserved: usize) -> Field<Tags> {
    let f = c.get::<Tags>(key);
    if let Field::Known(tags) = &f {
        let secret = c.is_secret(key);
        let name = |k: &str| if secret { crate::resource::check::REDACTED.to_string() } else { format!("{k:?}") };
        if tags.len() + reserved > MAX_TAGS {
            let room = MAX_TAGS.saturating_sub(reserved);
            c.fail(
                key,
                format!(
                    "has {} tags; AWS allows {MAX_TAGS} per resource and tap adds {reserved}, so give at most {room}",
                    tags.len()
                ),
            );
        }
        for (k, v) in tags {
            if k.is_empty() || k.chars().count() > 128 {
                c.fail(key, format!("tag key {} must be 1 to 128 characters", name(k)));
            }
            if k.to_ascii_lowercase().starts_with("aws:") {
                c.fail(key, format!("tag key {} starts with `aws:`, which AWS reserves", name(k)));
            }
            if k.starts_with("tap:") {
                c.fail(key, format!("tag key {} starts with `tap:`, which tap reserves for its own tags", name(k)));
            }
            if v.chars().count() > 256 {
                c.fail(key, format!("the value of tag {} is longer than 256 characters", name(k)));
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn change_sets_what_differs_and_removes_what_is_gone() {
        let change = TagChange::between(&tags(&[("a", "1"), ("b", "2")]), &tags(&[("b", "3"), ("c", "4")]));
        assert_eq!(change.set, tags(&[("b", "3"), ("c", "4")]));
        assert_eq!(change.removed, vec!["a".to_string()]);
        assert_eq!(TagChange::between(&tags(&[("a", "1")]), &tags(&[("a", "1")])), TagChange::default());
    }
}
