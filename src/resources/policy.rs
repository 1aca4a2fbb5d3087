//! Policy documents (IAM, KMS, S3, VPC endpoint, API Gateway): JSON strings, as in pulumi-aws.
//! Check requires a JSON object with `Version` and `Statement`; diff compares them semantically.

use serde_json::Value as Json;

use crate::resource::{Checker, Field};

/// Validates the policy under `key`. `required`: absent is a failure.
pub fn check(c: &mut Checker<'_>, key: &str, required: bool) -> Field<String> {
    let hint = r#"a JSON policy document such as {"Version":"2012-10-17","Statement":[...]}"#;
    let f = if required { c.required_string(key, hint) } else { c.string(key) };
    if let Field::Known(text) = &f {
        if let Err(reason) = validate(text) {
            c.fail(key, reason);
        }
    }
    f
}

pub fn validate(text: &str) -> Result<Json, String> {
    let doc: Json =
        serde_json::from_str(text).map_err(|e| format!("is not valid JSON ({e}): give a JSON policy document"))?;
    let Some(obj) = doc.as_object() else {
        return Err("must be a JSON object with Version and Statement".into());
    };
    if !obj.contains_key("Version") {
        return Err(r#"has no "Version": policies need "Version": "2012-10-17""#.into());
    }
    match obj.get("Statement") {
        Some(Json::Array(list)) if !list.is_empty() => Ok(doc),
        Some(Json::Object(_)) => Ok(doc),
        _ => Err(r#"needs a "Statement": one statement object or a non-empty list of them"#.into()),
    }
}

/// The comparable form of a policy: parsed, URL-decoded when AWS returned it encoded (IAM), with
/// one-element lists read as their element and lists of strings sorted (their order means
/// nothing). Text that is not JSON compares as itself.
pub fn normalize(value: Json) -> Json {
    match value {
        Json::String(text) => {
            let decoded =
                if text.trim_start().starts_with('%') || text.contains("%22") { url_decode(&text) } else { text };
            match serde_json::from_str::<Json>(&decoded) {
                Ok(doc) => canonical(doc),
                Err(_) => Json::String(decoded),
            }
        }
        other => other,
    }
}

fn canonical(v: Json) -> Json {
    match v {
        Json::Array(items) => {
            let mut items: Vec<Json> = items.into_iter().map(canonical).collect();
            if items.len() == 1 {
                return items.remove(0);
            }
            if items.iter().all(Json::is_string) {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                items.dedup();
            }
            Json::Array(items)
        }
        Json::Object(map) => Json::Object(map.into_iter().map(|(k, v)| (k, canonical(v))).collect()),
        other => other,
    }
}

/// Decodes `%XX` escapes (and `+` as space, as IAM's form encoding does).
pub fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A policy as compact JSON text (what tap sends to AWS and keeps in state).
pub fn compact(text: &str) -> String {
    serde_json::from_str::<Json>(text).map(|v| v.to_string()).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn semantic_equality_ignores_order_spacing_and_encoding() {
        let a = json!(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["b","a"],"Resource":"*"}]}"#);
        let b = json!("{ \"Statement\": {\"Resource\": [\"*\"], \"Action\": [\"a\", \"b\"], \"Effect\": \"Allow\"},\n \"Version\": \"2012-10-17\" }");
        assert_eq!(normalize(a.clone()), normalize(b));
        let encoded = json!("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22b%22%2C%22a%22%5D%2C%22Resource%22%3A%22%2A%22%7D%5D%7D");
        assert_eq!(normalize(a.clone()), normalize(encoded));
        let c = json!(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["a","b"],"Resource":"*"}]}"#);
        assert_ne!(normalize(a), normalize(c));
    }

    #[test]
    fn validation_explains_what_is_missing() {
        assert!(validate("{").unwrap_err().contains("not valid JSON"));
        assert!(validate("[]").unwrap_err().contains("JSON object"));
        assert!(validate(r#"{"Statement":[{}]}"#).unwrap_err().contains("Version"));
        assert!(validate(r#"{"Version":"2012-10-17"}"#).unwrap_err().contains("Statement"));
        assert!(validate(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}"#).is_ok());
    }
}
