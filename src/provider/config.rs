//! Provider configuration: CheckConfig's validation, DiffConfig, and reading Configure's args.

use crate::aws::AwsSettings;
use crate::resource::{Checker, Failure, Field};
use crate::validate;
use crate::value::PropertyMap;

const KEYS: [&str; 4] = ["region", "profile", "endpoint", "maxRetries"];

/// Validates the provider's config, naming the key on each failure. `version` (the engine's pin)
/// and engine-owned `__` keys pass through untouched.
pub fn check(news: PropertyMap) -> (PropertyMap, Vec<Failure>) {
    let olds = PropertyMap::new();
    let mut c = Checker::new(news, &olds, "", &[]);
    read(&mut c);
    let unknown: Vec<String> = c
        .news
        .keys()
        .filter(|k| !KEYS.contains(&k.as_str()) && k.as_str() != "version" && !k.starts_with("__"))
        .cloned()
        .collect();
    for key in unknown {
        c.fail(&key, format!("is not a tap configuration key; the keys are {}", KEYS.join(", ")));
    }
    (c.news, c.failures)
}

/// Reads the settings from (checked) config args.
pub fn settings(args: PropertyMap) -> (AwsSettings, Vec<Failure>) {
    let olds = PropertyMap::new();
    let mut c = Checker::new(args, &olds, "", &[]);
    let settings = read(&mut c);
    (settings, c.failures)
}

fn read(c: &mut Checker<'_>) -> AwsSettings {
    let region = c.string("region").known();
    if let Some(r) = &region {
        if let Err(reason) = validate::region(r) {
            c.fail("region", reason);
        }
    }
    let profile = c.string("profile").known();
    let endpoint = c.string("endpoint").known();
    if let Some(e) = &endpoint {
        if !(e.starts_with("http://") || e.starts_with("https://")) || e.len() <= "https://".len() {
            c.fail("endpoint", format!("{e:?} is not a URL: write it like http://127.0.0.1:5000"));
        }
    }
    let max_retries = match c.integer("maxRetries") {
        Field::Known(n) if (1..=20).contains(&n) => Some(n as u32),
        Field::Known(n) => {
            c.fail("maxRetries", format!("must be between 1 and 20 attempts, not {n}"));
            None
        }
        _ => None,
    };
    AwsSettings { region, profile, endpoint, max_retries }
}

/// The config keys whose values differ (provider resources are updated in place, never replaced).
pub fn diff(olds: &PropertyMap, news: &PropertyMap) -> Vec<String> {
    KEYS.iter()
        .filter(|k| olds.get(**k).map(|v| v.unwrap_plain()) != news.get(**k).map(|v| v.unwrap_plain()))
        .map(|k| k.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn map(pairs: &[(&str, Value)]) -> PropertyMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn good_config_passes_and_keeps_version() {
        let (out, failures) = check(map(&[
            ("region", Value::str("eu-central-1")),
            ("endpoint", Value::str("http://127.0.0.1:5000")),
            ("maxRetries", Value::str("5")),
            ("version", Value::str("0.1.0")),
        ]));
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(out.get("version"), Some(&Value::str("0.1.0")));
        let (s, f) = settings(out);
        assert!(f.is_empty());
        assert_eq!(s.max_retries, Some(5));
        assert_eq!(s.region.as_deref(), Some("eu-central-1"));
    }

    #[test]
    fn each_bad_value_names_its_key() {
        for (key, value) in [
            ("region", Value::str("moon-1")),
            ("endpoint", Value::str("localhost:5000")),
            ("maxRetries", Value::Number(0.0)),
            ("maxRetries", Value::str("many")),
            ("regoin", Value::str("us-east-1")),
        ] {
            let (_, failures) = check(map(&[(key, value.clone())]));
            assert_eq!(failures.len(), 1, "{key}={value:?}: {failures:?}");
            assert_eq!(failures[0].property, key);
        }
    }

    #[test]
    fn diff_lists_changed_keys() {
        let a = map(&[("region", Value::str("us-east-1"))]);
        let b =
            map(&[("region", Value::Secret(Box::new(Value::str("us-east-1")))), ("maxRetries", Value::Number(2.0))]);
        assert_eq!(diff(&a, &b), vec!["maxRetries".to_string()]);
    }
}
