//! The Pulumi package schema, generated from the declarations: every resource's inputs and state,
//! the component's interface, the provider's config, and the object types they use, with the
//! package metadata from `src/metadata.json`. `make schema` writes it to schema.json
//! (`pulumi-resource-tap --schema`); a test fails when the committed file differs, so GetSchema
//! serves the committed file and never generates at run time.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use crate::component::secure_region::{self, inputs::SecureRegionArgs, outputs::SecureRegionOutputs};
use crate::config::ProviderConfig;
use crate::resource::fields::{Declared, FieldSpec, ObjectType, Shape};
use crate::resources::Registry;

const METADATA: &str = include_str!("metadata.json");

/// schema.json, which a test proves is what the code declares (so the binary needs no generator
/// at run time).
pub const TEXT: &str = include_str!("../schema.json");

/// The schema as GetSchema returns it: schema.json, unless this binary was built for another
/// plugin server than src/metadata.json names (TAP_PLUGIN_DOWNLOAD_URL, `make dist
/// PLUGIN_DOWNLOAD_URL=...`), whose schema then names that one.
pub fn served() -> std::borrow::Cow<'static, str> {
    if committed_download_url() == crate::PLUGIN_DOWNLOAD_URL {
        TEXT.into()
    } else {
        render().into()
    }
}

/// src/metadata.json's pluginDownloadURL ("" when it names none).
fn committed_download_url() -> String {
    let metadata: Json = serde_json::from_str(METADATA).unwrap_or_default();
    metadata["pluginDownloadURL"].as_str().unwrap_or_default().to_string()
}

/// The schema as schema.json holds it: two-space indentation and a final newline.
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&generate()).unwrap_or_default();
    text.push('\n');
    text
}

pub fn generate() -> Json {
    let mut doc: Map<String, Json> = serde_json::from_str(METADATA).unwrap_or_default();
    let provider_description = doc.remove("providerDescription").unwrap_or(Json::Null);
    doc.insert("version".into(), json!(crate::VERSION));
    doc.remove("pluginDownloadURL");
    if !crate::PLUGIN_DOWNLOAD_URL.is_empty() {
        doc.insert("pluginDownloadURL".into(), json!(crate::PLUGIN_DOWNLOAD_URL));
    }
    let mut types = BTreeMap::new();
    let config = properties(&ProviderConfig::fields(), &mut types);
    doc.insert("config".into(), json!({ "variables": config }));
    doc.insert("provider".into(), json!({ "description": provider_description, "inputProperties": config }));

    let mut resources = Map::new();
    for r in Registry::new().all() {
        let inputs = r.input_fields();
        let state = r.state_fields();
        resources.insert(r.token().to_string(), resource(r.description(), &inputs, &state, false, &mut types));
    }
    resources.insert(
        secure_region::TOKEN.to_string(),
        resource(SecureRegionArgs::DOC, &SecureRegionArgs::fields(), &SecureRegionOutputs::fields(), true, &mut types),
    );
    doc.insert("resources".into(), Json::Object(resources));
    doc.insert("types".into(), Json::Object(types.into_iter().collect()));
    Json::Object(doc)
}

fn resource(
    description: &str,
    inputs: &[FieldSpec],
    outputs: &[FieldSpec],
    component: bool,
    types: &mut BTreeMap<String, Json>,
) -> Json {
    let public = |fields: &[FieldSpec]| -> Vec<FieldSpec> { fields.iter().filter(|f| !f.private).copied().collect() };
    let (inputs, outputs) = (public(inputs), public(outputs));
    let mut spec = Map::new();
    if component {
        spec.insert("isComponent".into(), json!(true));
    }
    spec.insert("description".into(), json!(description));
    spec.insert("inputProperties".into(), properties(&inputs, types));
    let required_inputs: Vec<&str> = inputs.iter().filter(|f| f.required.is_some()).map(|f| f.name).collect();
    if !required_inputs.is_empty() {
        spec.insert("requiredInputs".into(), json!(required_inputs));
    }
    spec.insert("properties".into(), properties(&outputs, types));
    let required: Vec<&str> = outputs.iter().filter(|f| !f.optional).map(|f| f.name).collect();
    spec.insert("required".into(), json!(required));
    Json::Object(spec)
}

fn properties(fields: &[FieldSpec], types: &mut BTreeMap<String, Json>) -> Json {
    Json::Object(fields.iter().filter(|f| !f.private).map(|f| (f.name.to_string(), property(f, types))).collect())
}

fn property(f: &FieldSpec, types: &mut BTreeMap<String, Json>) -> Json {
    let mut p = match type_of(&(f.shape)(), types) {
        Json::Object(map) => map,
        _ => Map::new(),
    };
    p.insert("description".into(), json!(f.doc));
    if f.replaces {
        p.insert("replaceOnChanges".into(), json!(true));
    }
    if f.plain {
        p.insert("plain".into(), json!(true));
    }
    if f.secret {
        p.insert("secret".into(), json!(true));
    }
    Json::Object(p)
}

fn type_of(shape: &Shape, types: &mut BTreeMap<String, Json>) -> Json {
    match shape {
        Shape::String => json!({"type": "string"}),
        Shape::Integer => json!({"type": "integer"}),
        Shape::Number => json!({"type": "number"}),
        Shape::Boolean => json!({"type": "boolean"}),
        Shape::Any => json!({"$ref": "pulumi.json#/Any"}),
        Shape::Array(item) => json!({"type": "array", "items": type_of(item, types)}),
        Shape::Map(item) => json!({"type": "object", "additionalProperties": type_of(item, types)}),
        Shape::Object(t) => {
            object_type(t, types);
            json!({"$ref": format!("#/types/{}", t.token)})
        }
    }
}

fn object_type(t: &ObjectType, types: &mut BTreeMap<String, Json>) {
    if types.contains_key(t.token) {
        return;
    }
    // Claimed before its fields are visited, so a type that contains itself terminates.
    types.insert(t.token.to_string(), Json::Null);
    let fields = (t.fields)();
    let mut spec = Map::new();
    spec.insert("type".into(), json!("object"));
    spec.insert("description".into(), json!(t.doc));
    spec.insert("properties".into(), properties(&fields, types));
    let required: Vec<&str> = fields.iter().filter(|f| f.required.is_some()).map(|f| f.name).collect();
    if !required.is_empty() {
        spec.insert("required".into(), json!(required));
    }
    types.insert(t.token.to_string(), Json::Object(spec));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// schema.json is what the code declares. Regenerate it with `make schema`.
    #[test]
    fn committed_schema_json_is_what_the_declarations_generate() {
        assert!(TEXT == render(), "schema.json differs from what the code declares: run `make schema`");
    }

    #[test]
    fn the_served_schema_names_the_plugin_server_the_children_are_registered_with() {
        let served: Json = serde_json::from_str(&served()).expect("schema JSON");
        assert_eq!(served["pluginDownloadURL"].as_str().unwrap_or_default(), crate::PLUGIN_DOWNLOAD_URL);
        assert_eq!(served["version"], crate::VERSION);
    }

    #[test]
    fn schema_version_matches_the_crate_and_lists_the_component() {
        let json = generate();
        assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(json["resources"]["tap:index:SecureRegion"]["isComponent"], true);
        assert_eq!(
            json["resources"]["tap:index:SecureRegion"]["inputProperties"]["availabilityZoneCount"]["plain"],
            true
        );
    }

    #[test]
    fn every_replacing_input_says_so_in_the_schema() {
        let json = generate();
        let vpc = &json["resources"]["tap:ec2:Vpc"]["inputProperties"];
        assert_eq!(vpc["cidrBlock"]["replaceOnChanges"], true);
        assert_eq!(vpc["region"]["replaceOnChanges"], true);
        assert!(vpc["enableDnsSupport"].get("replaceOnChanges").is_none());
        for r in Registry::new().all() {
            for f in r.input_fields().iter().filter(|f| f.replaces) {
                let p = &json["resources"][r.token()]["inputProperties"][f.name];
                assert_eq!(p["replaceOnChanges"], true, "{}.{}", r.token(), f.name);
            }
        }
    }

    #[test]
    fn every_property_has_a_description_and_every_reference_resolves() {
        let json = generate();
        let mut missing = Vec::new();
        let mut refs = Vec::new();
        fn walk(v: &Json, refs: &mut Vec<String>) {
            match v {
                Json::Object(m) => {
                    if let Some(Json::String(r)) = m.get("$ref") {
                        refs.push(r.clone());
                    }
                    m.values().for_each(|v| walk(v, refs));
                }
                Json::Array(items) => items.iter().for_each(|v| walk(v, refs)),
                _ => {}
            }
        }
        walk(&json, &mut refs);
        for r in refs.iter().filter_map(|r| r.strip_prefix("#/types/")) {
            assert!(json["types"].get(r).is_some(), "unresolved type {r}");
        }
        let mut visit = |owner: &str, props: &Json| {
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
