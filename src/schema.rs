//! schema.json, embedded at build time: returned by GetSchema and read for each resource's
//! input and output keys (which drive the structural diff and preview outputs).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub const SCHEMA: &str = include_str!("../schema.json");

#[derive(Debug, Default)]
pub struct TokenKeys {
    pub inputs: BTreeSet<String>,
    pub outputs: BTreeSet<String>,
    pub is_component: bool,
}

fn tokens() -> &'static BTreeMap<String, TokenKeys> {
    static TOKENS: OnceLock<BTreeMap<String, TokenKeys>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let json: serde_json::Value = serde_json::from_str(SCHEMA).unwrap_or_default();
        let keys = |v: &serde_json::Value| -> BTreeSet<String> {
            v.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default()
        };
        json["resources"]
            .as_object()
            .map(|resources| {
                resources
                    .iter()
                    .map(|(token, spec)| {
                        let keys = TokenKeys {
                            inputs: keys(&spec["inputProperties"]),
                            outputs: keys(&spec["properties"]),
                            is_component: spec["isComponent"].as_bool().unwrap_or(false),
                        };
                        (token.clone(), keys)
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Every resource token in the schema, with its keys.
pub fn resources() -> &'static BTreeMap<String, TokenKeys> {
    tokens()
}

pub fn input_keys(token: &str) -> BTreeSet<String> {
    tokens().get(token).map(|t| t.inputs.clone()).unwrap_or_default()
}

/// Outputs that are not inputs: what AWS computes.
pub fn computed_keys(token: &str) -> BTreeSet<String> {
    tokens().get(token).map(|t| t.outputs.difference(&t.inputs).cloned().collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_parses_and_version_matches_the_crate() {
        let json: serde_json::Value = serde_json::from_str(super::SCHEMA).expect("schema.json is JSON");
        assert_eq!(json["version"], env!("CARGO_PKG_VERSION"), "schema.json version must equal Cargo.toml's");
        assert!(super::resources().contains_key("tap:index:SecureRegion"));
    }

    #[test]
    fn every_property_has_a_description() {
        let json: serde_json::Value = serde_json::from_str(super::SCHEMA).expect("schema.json is JSON");
        let mut missing = Vec::new();
        let mut visit = |owner: &str, props: &serde_json::Value| {
            for (k, v) in props.as_object().into_iter().flatten() {
                if v["description"].as_str().is_none_or(str::is_empty) {
                    missing.push(format!("{owner}.{k}"));
                }
            }
        };
        for (token, spec) in json["resources"].as_object().expect("resources") {
            visit(token, &spec["inputProperties"]);
            visit(token, &spec["properties"]);
        }
        for (token, spec) in json["types"].as_object().expect("types") {
            visit(token, &spec["properties"]);
        }
        visit("provider", &json["provider"]["inputProperties"]);
        visit("config", &json["config"]["variables"]);
        assert!(missing.is_empty(), "properties without a description: {missing:?}");
    }
}
