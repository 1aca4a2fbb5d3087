//! Policy documents (IAM, KMS, S3, VPC endpoint, API Gateway): JSON strings, as in pulumi-aws.
//! Check requires a JSON object with `Version` and `Statement`; two documents are equal when they
//! mean the same: statement order, `"*"` vs `{"AWS": "*"}`, an account id vs its root ARN, one
//! value vs a one-element list, and IAM's URL encoding do not matter.

use serde_json::Value as Json;

use crate::resource::{Checker, Field};

/// A parsed policy document, compared by meaning.
#[derive(Debug, Clone)]
pub struct PolicyDocument {
    doc: Json,
}

impl PolicyDocument {
    /// Parses `text` (URL-decoded first when AWS returned it encoded) and checks its shape.
    pub fn parse(text: &str) -> Result<PolicyDocument, String> {
        let doc: Json = serde_json::from_str(&decoded(text))
            .map_err(|e| format!("is not valid JSON ({e}): give a JSON policy document"))?;
        let Some(obj) = doc.as_object() else {
            return Err("must be a JSON object with Version and Statement".into());
        };
        if !obj.contains_key("Version") {
            return Err(r#"has no "Version": policies need "Version": "2012-10-17""#.into());
        }
        match obj.get("Statement") {
            Some(Json::Array(list)) if !list.is_empty() => Ok(PolicyDocument { doc }),
            Some(Json::Object(_)) => Ok(PolicyDocument { doc }),
            _ => Err(r#"needs a "Statement": one statement object or a non-empty list of them"#.into()),
        }
    }

    /// Whether `a` and `b` (policy texts, either possibly absent) mean the same.
    pub fn same(a: Option<&str>, b: Option<&str>) -> bool {
        let form = |t: Option<&str>| comparable(Json::String(t.unwrap_or_default().to_string()));
        form(a) == form(b)
    }
}

impl PartialEq for PolicyDocument {
    fn eq(&self, other: &Self) -> bool {
        canonical(self.doc.clone(), None) == canonical(other.doc.clone(), None)
    }
}

/// What a required policy input asks for.
pub const HINT: &str = r#"a JSON policy document such as {"Version":"2012-10-17","Statement":[...]}"#;

/// Validates the policy under `key` (whether it is required is declared on the field).
pub fn check(c: &mut Checker<'_>, key: &str) -> Field<String> {
    let f = c.string(key);
    if let Field::Known(text) = &f {
        if let Err(reason) = PolicyDocument::parse(text) {
            c.fail(key, reason);
        }
    }
    f
}

/// A policy value in the form in which equal meanings are equal JSON (text that is not JSON
/// compares as itself).
pub fn comparable(value: Json) -> Json {
    match value {
        Json::String(text) => {
            let text = decoded(&text);
            match serde_json::from_str::<Json>(&text) {
                Ok(doc) => canonical(doc, None),
                Err(_) => Json::String(text),
            }
        }
        other => other,
    }
}

/// A policy as compact JSON text (text that is not JSON is kept as it is).
pub fn compact(text: &str) -> String {
    serde_json::from_str::<Json>(&decoded(text)).map(|v| v.to_string()).unwrap_or_else(|_| text.to_string())
}

/// IAM returns documents URL-encoded (`%7B%22Version…`, spaces as `+`).
fn decoded(text: &str) -> String {
    if text.trim_start().starts_with('%') || text.contains("%22") {
        percent_encoding::percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
    } else {
        text.to_string()
    }
}

/// `arn:<partition>:iam::<account>:root` and a bare account id name the same principal.
fn account_of(principal: &str) -> Option<&str> {
    let account = match principal.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "iam", "", account, "root"] => account,
        _ => principal,
    };
    (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())).then_some(account)
}

fn canonical(v: Json, key: Option<&str>) -> Json {
    match v {
        Json::Array(items) => {
            let mut items: Vec<Json> = items.into_iter().map(|i| canonical(i, key)).collect();
            items.sort_by_key(|a| a.to_string());
            items.dedup();
            if items.len() == 1 {
                return items.remove(0);
            }
            Json::Array(items)
        }
        Json::Object(map) => Json::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("Principal" | "NotPrincipal", Json::String(s)) if s == "*" => {
                            serde_json::json!({ "AWS": "*" })
                        }
                        (_, v) => v,
                    };
                    let v = canonical(v, Some(&k));
                    (k, v)
                })
                .collect(),
        ),
        Json::String(s) if key == Some("AWS") => match account_of(&s) {
            Some(account) => Json::String(account.to_string()),
            None => Json::String(s),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn same(a: &str, b: &str) -> bool {
        PolicyDocument::same(Some(a), Some(b))
    }

    #[test]
    fn equal_meanings_compare_equal() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["b","a"],"Resource":"*"}]}"#;
        let b = "{ \"Statement\": {\"Resource\": [\"*\"], \"Action\": [\"a\", \"b\"], \"Effect\": \"Allow\"},\n \"Version\": \"2012-10-17\" }";
        assert!(same(a, b), "spacing, key order, one value vs a one-element list");
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22b%22%2C%22a%22%5D%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        assert!(same(a, encoded), "IAM's URL encoding");
        let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["a","b"],"Resource":"*"}]}"#;
        assert!(!same(a, deny));
    }

    #[test]
    fn statement_order_principals_and_accounts() {
        let s1 = json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"});
        let s2 = json!({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "kms:*", "Resource": "*"});
        let s1b = json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject"], "Resource": "*"});
        let s2b = json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"});
        let a = json!({"Version": "2012-10-17", "Statement": [s1, s2]}).to_string();
        let b = json!({"Version": "2012-10-17", "Statement": [s2b, s1b]}).to_string();
        assert!(same(&a, &b));
        let gov = json!({"Version": "2012-10-17", "Statement": [{"Principal": {"AWS": "arn:aws-us-gov:iam::123456789012:root"}}]});
        let bare = json!({"Version": "2012-10-17", "Statement": [{"Principal": {"AWS": "123456789012"}}]});
        assert!(same(&gov.to_string(), &bare.to_string()), "any partition's root ARN");
        let other =
            json!({"Version": "2012-10-17", "Statement": [{"Principal": {"AWS": "arn:aws:iam::123456789012:role/x"}}]});
        assert!(!same(&other.to_string(), &bare.to_string()), "a role is not the account");
    }

    #[test]
    fn validation_explains_what_is_missing() {
        assert!(PolicyDocument::parse("{").unwrap_err().contains("not valid JSON"));
        assert!(PolicyDocument::parse("[]").unwrap_err().contains("JSON object"));
        assert!(PolicyDocument::parse(r#"{"Statement":[{}]}"#).unwrap_err().contains("Version"));
        assert!(PolicyDocument::parse(r#"{"Version":"2012-10-17"}"#).unwrap_err().contains("Statement"));
        let text = r#"{ "Version":"2012-10-17", "Statement":[{"Effect":"Allow"}] }"#;
        assert!(PolicyDocument::parse(text).is_ok());
        assert_eq!(compact(text), r#"{"Statement":[{"Effect":"Allow"}],"Version":"2012-10-17"}"#);
    }
}
