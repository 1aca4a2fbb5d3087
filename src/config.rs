//! Provider configuration: its declaration (the schema's config), CheckConfig's validation,
//! DiffConfig, and reading Configure's args.

use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use crate::aws::AwsSettings;
use crate::resource::fields::Declared;
use crate::resource::{Checker, Failure, Field};
use crate::validate;
use crate::value::PropertyMap;

/// How tap reaches AWS.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct ProviderConfig {
    /// The AWS region resources are created in when they do not set their own `region`. Defaults
    /// to the AWS_REGION environment variable.
    pub region: Option<String>,
    /// The AWS shared-config profile to take credentials and settings from.
    pub profile: Option<String>,
    /// One endpoint URL used for every AWS service instead of AWS's own (for moto or
    /// LocalStack). AWS_ENDPOINT_URL is honoured too.
    pub endpoint: Option<String>,
    /// How many times a throttled or transiently failing AWS call is retried, 0-25 (default 10);
    /// the operation's timeout bounds the whole.
    pub max_retries: Option<i64>,
}

/// Validates the provider's config, naming the key on each failure. `version` (the engine's pin)
/// and engine-owned `__` keys pass through untouched.
pub fn check(news: PropertyMap) -> (PropertyMap, Vec<Failure>) {
    let keys: Vec<&str> = ProviderConfig::fields().iter().map(|f| f.name).collect();
    let unknown: Vec<String> = news
        .keys()
        .filter(|k| !keys.contains(&k.as_str()) && k.as_str() != "version" && !k.starts_with("__"))
        .cloned()
        .collect();
    let olds = PropertyMap::new();
    let mut c = Checker::new(news, &olds, "", &[]);
    read(&mut c);
    for key in unknown {
        c.fail(&key, format!("is not a tap configuration key; the keys are {}", keys.join(", ")));
    }
    c.finish()
}

/// Reads the settings from (checked) config args.
pub fn settings(args: PropertyMap) -> (AwsSettings, Vec<Failure>) {
    let olds = PropertyMap::new();
    let mut c = Checker::new(args, &olds, "", &[]);
    let settings = read(&mut c);
    (settings, c.finish().1)
}

fn read(c: &mut Checker<'_>) -> AwsSettings {
    c.conform(&ProviderConfig::fields());
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
    let most = i64::from(crate::aws::MAX_RETRIES);
    let max_retries = match c.in_range("maxRetries", 0, most) {
        Field::Known(n) if (0..=most).contains(&n) => Some(n as u32),
        _ => None,
    };
    AwsSettings { region, profile, endpoint, max_retries }
}

/// The config keys whose values differ (provider resources are updated in place, never replaced).
pub fn diff(olds: &PropertyMap, news: &PropertyMap) -> Vec<String> {
    ProviderConfig::fields()
        .iter()
        .map(|f| f.name)
        .filter(|k| olds.get(*k).map(|v| v.unwrap_plain()) != news.get(*k).map(|v| v.unwrap_plain()))
        .map(str::to_string)
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
            ("maxRetries", Value::Number(-1.0)),
            ("maxRetries", Value::Number(26.0)),
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
