//! Property values as Pulumi sends them, decoded from `google.protobuf.Struct` into a model that keeps
//! every special shape (secrets, the typed unknown sentinels, resource references, output values,
//! assets and archives), and encoded back without loss (PROTOCOL.md §4).

use std::collections::BTreeMap;

use prost_types::value::Kind;

/// A property value the engine sent that tap cannot read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid request: {0}")]
pub struct DecodeError(String);

impl DecodeError {
    pub fn message(&self) -> &str {
        &self.0
    }
}

/// The key whose value marks a special object.
pub const SIG_KEY: &str = "4dabf18193072939515e22adb298388d";
const SIG_SECRET: &str = "1b47061264138c4ac30d75fd1eb44270";
const SIG_RESOURCE: &str = "5cf8f73096256a8f31e491e813e4eb8e";
const SIG_OUTPUT: &str = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const SIG_ASSET: &str = "c44067f5952c0a294b673a41bacd8c17";
const SIG_ARCHIVE: &str = "0def7320c3a5731c473e5ecbe6d01bc7";

/// A property map: top-level keys to values, ordered so that encodings are stable.
pub type PropertyMap = BTreeMap<String, Value>;

/// Which unknown sentinel a value was (the engine distinguishes them by type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unknown {
    Any,
    Bool,
    Number,
    Array,
    Object,
    Asset,
    Archive,
}

impl Unknown {
    const ALL: [Unknown; 7] = [
        Unknown::Any,
        Unknown::Bool,
        Unknown::Number,
        Unknown::Array,
        Unknown::Object,
        Unknown::Asset,
        Unknown::Archive,
    ];

    pub fn sentinel(self) -> &'static str {
        match self {
            Unknown::Any => "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
            Unknown::Bool => "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
            Unknown::Number => "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
            Unknown::Array => "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
            Unknown::Object => "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
            Unknown::Asset => "030794c1-ac77-496b-92df-f27374a8bd58",
            Unknown::Archive => "e48ece36-62e2-4504-bad9-02848725956a",
        }
    }

    fn from_sentinel(s: &str) -> Option<Unknown> {
        Unknown::ALL.into_iter().find(|u| u.sentinel() == s)
    }
}

/// One property value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(PropertyMap),
    /// A value the engine must keep encrypted.
    Secret(Box<Value>),
    /// A value not known yet (preview).
    Unknown(Unknown),
    /// A reference to another resource.
    Resource(ResourceRef),
    /// An output value: possibly unknown, possibly secret, with the URNs it depends on.
    Output(OutputValue),
    /// An asset or archive, kept as its fields (everything but the signature).
    Asset(PropertyMap),
    Archive(PropertyMap),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceRef {
    pub urn: String,
    /// `None`: no id key (component); `Some("")`: id unknown.
    pub id: Option<Box<Value>>,
    pub package_version: Option<String>,
    /// Keys other than the documented ones, kept so that a round trip is lossless.
    pub extra: PropertyMap,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputValue {
    /// `None` = unknown.
    pub value: Option<Box<Value>>,
    pub secret: bool,
    pub dependencies: Vec<String>,
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// True if this value or anything inside it is unknown.
    pub fn contains_unknowns(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::Output(o) => o.value.as_ref().is_none_or(|v| v.contains_unknowns()),
            Value::Secret(v) => v.contains_unknowns(),
            Value::Array(items) => items.iter().any(Value::contains_unknowns),
            Value::Object(map) => map.values().any(Value::contains_unknowns),
            Value::Resource(r) => r.id.as_ref().is_some_and(|id| id.contains_unknowns()),
            _ => false,
        }
    }

    /// True if this value or anything inside it is secret.
    pub fn contains_secrets(&self) -> bool {
        match self {
            Value::Secret(_) => true,
            Value::Output(o) => o.secret || o.value.as_ref().is_some_and(|v| v.contains_secrets()),
            Value::Array(items) => items.iter().any(Value::contains_secrets),
            Value::Object(map) => map.values().any(Value::contains_secrets),
            _ => false,
        }
    }

    /// The plain value underneath secrets and known output values; unknowns stay unknown, and a
    /// resource reference becomes its id (or URN for a component), as pulumi-aws reads references.
    pub fn unwrap_plain(&self) -> Value {
        match self {
            Value::Secret(v) => v.unwrap_plain(),
            Value::Output(o) => match &o.value {
                Some(v) => v.unwrap_plain(),
                None => Value::Unknown(Unknown::Any),
            },
            Value::Array(items) => Value::Array(items.iter().map(Value::unwrap_plain).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), v.unwrap_plain())).collect()),
            Value::Resource(r) => match &r.id {
                Some(id) => match id.unwrap_plain() {
                    Value::String(s) if s.is_empty() => Value::Unknown(Unknown::Any),
                    other => other,
                },
                None => Value::String(r.urn.clone()),
            },
            other => other.clone(),
        }
    }

    /// This value as JSON, for values that hold neither unknowns nor special objects (call
    /// `unwrap_plain` first). Unknowns become their sentinel strings.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
            Value::Object(map) => {
                serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Unknown(u) => serde_json::Value::String(u.sentinel().to_string()),
            other => other.unwrap_plain().to_json(),
        }
    }

    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => Value::Array(items.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(map) => {
                Value::Object(map.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }
}

/// Whole numbers become JSON integers so that serde can read them into integer fields.
fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// Decodes a Struct (absent = empty).
pub fn decode_struct(s: Option<&prost_types::Struct>) -> Result<PropertyMap, DecodeError> {
    let mut map = PropertyMap::new();
    if let Some(s) = s {
        for (k, v) in &s.fields {
            map.insert(k.clone(), decode(v)?);
        }
    }
    Ok(map)
}

pub fn encode_struct(map: &PropertyMap) -> prost_types::Struct {
    prost_types::Struct { fields: map.iter().map(|(k, v)| (k.clone(), encode(v))).collect() }
}

pub fn decode(v: &prost_types::Value) -> Result<Value, DecodeError> {
    Ok(match &v.kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        Some(Kind::NumberValue(n)) => Value::Number(*n),
        Some(Kind::StringValue(s)) => match Unknown::from_sentinel(s) {
            Some(u) => Value::Unknown(u),
            None => Value::String(s.clone()),
        },
        Some(Kind::ListValue(l)) => Value::Array(l.values.iter().map(decode).collect::<Result<_, _>>()?),
        Some(Kind::StructValue(s)) => decode_object(s)?,
    })
}

fn decode_object(s: &prost_types::Struct) -> Result<Value, DecodeError> {
    let mut map = decode_struct(Some(s))?;
    let Some(sig) = map.remove(SIG_KEY) else {
        return Ok(Value::Object(map));
    };
    let sig = match sig {
        Value::String(sig) => sig,
        other => return Err(DecodeError(format!("a special value's signature is not a string: {other:?}"))),
    };
    Ok(match sig.as_str() {
        SIG_SECRET => Value::Secret(Box::new(map.remove("value").unwrap_or(Value::Null))),
        SIG_RESOURCE => {
            let urn = match map.remove("urn") {
                Some(Value::String(u)) => u,
                _ => return Err(DecodeError("a resource reference has no urn".into())),
            };
            let id = map.remove("id").map(Box::new);
            let package_version = match map.remove("packageVersion") {
                Some(Value::String(v)) => Some(v),
                _ => None,
            };
            Value::Resource(ResourceRef { urn, id, package_version, extra: map })
        }
        SIG_OUTPUT => {
            let value = map.remove("value").map(Box::new);
            let secret = matches!(map.remove("secret"), Some(Value::Bool(true)));
            let dependencies = match map.remove("dependencies") {
                Some(Value::Array(items)) => items
                    .into_iter()
                    .filter_map(|d| match d {
                        Value::String(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Value::Output(OutputValue { value, secret, dependencies })
        }
        SIG_ASSET => Value::Asset(map),
        SIG_ARCHIVE => Value::Archive(map),
        other => return Err(DecodeError(format!("unrecognised special value signature {other}"))),
    })
}

pub fn encode(v: &Value) -> prost_types::Value {
    let kind = match v {
        Value::Null => Kind::NullValue(0),
        Value::Bool(b) => Kind::BoolValue(*b),
        Value::Number(n) => Kind::NumberValue(*n),
        Value::String(s) => Kind::StringValue(s.clone()),
        Value::Unknown(u) => Kind::StringValue(u.sentinel().to_string()),
        Value::Array(items) => Kind::ListValue(prost_types::ListValue { values: items.iter().map(encode).collect() }),
        Value::Object(map) => Kind::StructValue(encode_struct(map)),
        Value::Secret(inner) => special(SIG_SECRET, [("value", Some(encode(inner)))]),
        Value::Resource(r) => {
            let mut map = r.extra.clone();
            map.insert("urn".into(), Value::String(r.urn.clone()));
            if let Some(id) = &r.id {
                map.insert("id".into(), (**id).clone());
            }
            if let Some(pv) = &r.package_version {
                map.insert("packageVersion".into(), Value::String(pv.clone()));
            }
            with_sig(SIG_RESOURCE, map)
        }
        Value::Output(o) => {
            let mut map = PropertyMap::new();
            if let Some(value) = &o.value {
                map.insert("value".into(), (**value).clone());
            }
            if o.secret {
                map.insert("secret".into(), Value::Bool(true));
            }
            if !o.dependencies.is_empty() {
                map.insert(
                    "dependencies".into(),
                    Value::Array(o.dependencies.iter().cloned().map(Value::String).collect()),
                );
            }
            with_sig(SIG_OUTPUT, map)
        }
        Value::Asset(map) => with_sig(SIG_ASSET, map.clone()),
        Value::Archive(map) => with_sig(SIG_ARCHIVE, map.clone()),
    };
    prost_types::Value { kind: Some(kind) }
}

fn with_sig(sig: &str, map: PropertyMap) -> Kind {
    let mut s = encode_struct(&map);
    s.fields.insert(SIG_KEY.into(), prost_types::Value { kind: Some(Kind::StringValue(sig.into())) });
    Kind::StructValue(s)
}

fn special<const N: usize>(sig: &str, fields: [(&str, Option<prost_types::Value>); N]) -> Kind {
    let mut s = prost_types::Struct::default();
    s.fields.insert(SIG_KEY.into(), prost_types::Value { kind: Some(Kind::StringValue(sig.into())) });
    for (k, v) in fields.into_iter() {
        if let Some(v) = v {
            s.fields.insert(k.into(), v);
        }
    }
    Kind::StructValue(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn round_trip(v: &Value) -> Value {
        decode(&encode(v)).expect("decodes")
    }

    #[test]
    fn every_shape_round_trips_losslessly() {
        let table = vec![
            ("null", Value::Null),
            ("bool", Value::Bool(true)),
            ("number", Value::Number(42.5)),
            ("string", Value::str("hello")),
            ("array", Value::Array(vec![Value::Number(1.0), Value::str("x")])),
            ("object", obj(&[("a", Value::Bool(false)), ("b", Value::Array(vec![]))])),
            ("secret", Value::Secret(Box::new(Value::str("s3cret")))),
            ("nested secret", obj(&[("k", Value::Secret(Box::new(obj(&[("x", Value::Number(1.0))]))))])),
            ("unknown any", Value::Unknown(Unknown::Any)),
            ("unknown bool", Value::Unknown(Unknown::Bool)),
            ("unknown number", Value::Unknown(Unknown::Number)),
            ("unknown array", Value::Unknown(Unknown::Array)),
            ("unknown object", Value::Unknown(Unknown::Object)),
            ("unknown asset", Value::Unknown(Unknown::Asset)),
            ("unknown archive", Value::Unknown(Unknown::Archive)),
            (
                "custom resource ref",
                Value::Resource(ResourceRef {
                    urn: "urn:pulumi:s::p::tap:ec2:Vpc::v".into(),
                    id: Some(Box::new(Value::str("vpc-1"))),
                    package_version: Some("0.1.0".into()),
                    extra: PropertyMap::new(),
                }),
            ),
            (
                "component ref with unknown id and extra keys",
                Value::Resource(ResourceRef {
                    urn: "urn:pulumi:s::p::tap:index:SecureRegion::r".into(),
                    id: Some(Box::new(Value::str(""))),
                    package_version: None,
                    extra: [("name".to_string(), Value::str("r"))].into_iter().collect(),
                }),
            ),
            (
                "known secret output with deps",
                Value::Output(OutputValue {
                    value: Some(Box::new(Value::str("v"))),
                    secret: true,
                    dependencies: vec!["urn:a".into(), "urn:b".into()],
                }),
            ),
            ("unknown output", Value::Output(OutputValue { value: None, secret: false, dependencies: vec![] })),
            (
                "asset",
                Value::Asset(
                    [("hash".to_string(), Value::str("abc")), ("text".to_string(), Value::str("hi"))]
                        .into_iter()
                        .collect(),
                ),
            ),
            ("archive", Value::Archive([("path".to_string(), Value::str("./dir"))].into_iter().collect())),
        ];
        for (name, v) in table {
            assert_eq!(round_trip(&v), v, "{name}");
            let map: PropertyMap = [("p".to_string(), v.clone())].into_iter().collect();
            assert_eq!(decode_struct(Some(&encode_struct(&map))).expect("struct"), map, "{name} in a struct");
        }
    }

    #[test]
    fn unknown_signature_is_an_error() {
        let mut s = prost_types::Struct::default();
        s.fields.insert(SIG_KEY.into(), prost_types::Value { kind: Some(Kind::StringValue("nope".into())) });
        let v = prost_types::Value { kind: Some(Kind::StructValue(s)) };
        assert!(decode(&v).is_err());
    }

    #[test]
    fn secrets_and_unknowns_are_found_anywhere() {
        let v = obj(&[("a", Value::Array(vec![Value::Secret(Box::new(Value::Null))]))]);
        assert!(v.contains_secrets());
        assert!(!v.contains_unknowns());
        let u = obj(&[("a", Value::Output(OutputValue { value: None, secret: false, dependencies: vec![] }))]);
        assert!(u.contains_unknowns());
    }

    #[test]
    fn unwrap_plain_reads_through_secrets_outputs_and_references() {
        let v = obj(&[
            ("s", Value::Secret(Box::new(Value::str("x")))),
            (
                "o",
                Value::Output(OutputValue {
                    value: Some(Box::new(Value::Number(3.0))),
                    secret: true,
                    dependencies: vec![],
                }),
            ),
            (
                "r",
                Value::Resource(ResourceRef {
                    urn: "u".into(),
                    id: Some(Box::new(Value::str("id-1"))),
                    package_version: None,
                    extra: PropertyMap::new(),
                }),
            ),
        ]);
        assert_eq!(
            v.unwrap_plain(),
            obj(&[("s", Value::str("x")), ("o", Value::Number(3.0)), ("r", Value::str("id-1"))])
        );
        assert_eq!(v.unwrap_plain().to_json(), serde_json::json!({"s": "x", "o": 3, "r": "id-1"}));
    }
}
