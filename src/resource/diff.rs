//! Diff from the declarations: each declared input compared in its declared form, replacing when
//! it is declared so; `ignoreChanges` paths (`tags.Team`, `ingress[0].description`,
//! `rules[*].bucketKeyEnabled`, `tags["a.b"]`) take the old value before anything is compared.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::fields::FieldSpec;
use crate::value::{PropertyMap, Value};

/// A property's change as diff reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Add,
    Delete,
    Update,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiffOutcome {
    /// Changed top-level properties, with whether the change replaces.
    pub changes: BTreeMap<String, (Change, bool)>,
    /// A replacement must delete the old resource first.
    pub delete_before_replace: bool,
}

impl DiffOutcome {
    pub fn replaces(&self) -> Vec<String> {
        self.changes.iter().filter(|(_, (_, r))| *r).map(|(k, _)| k.clone()).collect()
    }
}

/// Compares the old state with the checked new inputs, field by declared field.
pub fn diff(fields: &[FieldSpec], olds: &PropertyMap, news: &PropertyMap, ignore_changes: &[String]) -> DiffOutcome {
    let plain = |m: &PropertyMap| -> Json {
        Json::Object(
            m.iter()
                .filter(|(_, v)| **v != Value::Null)
                .map(|(k, v)| (k.clone(), v.unwrap_plain().to_json()))
                .collect(),
        )
    };
    let old = plain(olds);
    let mut new = plain(news);
    for path in ignore_changes {
        if let Some(path) = parse_path(path) {
            reset(&mut new, Some(&old), &path);
        }
    }
    let mut out = DiffOutcome::default();
    for f in fields.iter().filter(|f| !f.private) {
        let (o, n) = (old.get(f.name), new.get(f.name));
        let change = match (o, n) {
            (None, None) => continue,
            (Some(_), None) if f.aws_default => continue,
            (None, Some(_)) => Change::Add,
            (Some(_), None) => Change::Delete,
            (Some(o), Some(n)) => {
                let unknown = news.get(f.name).is_some_and(Value::contains_unknowns);
                if !unknown && f.compare.normalize(o.clone()) == f.compare.normalize(n.clone()) {
                    continue;
                }
                Change::Update
            }
        };
        out.changes.insert(f.name.to_string(), (change, f.replaces));
    }
    out
}

/// One step of a property path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Every,
}

/// Parses Pulumi's property paths: `a.b`, `a[0]`, `a["k.x"]`, `a[*]`, `a.*`.
fn parse_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut chars = path.chars().peekable();
    let mut key = String::new();
    let flush = |key: &mut String, steps: &mut Vec<Step>| {
        if !key.is_empty() {
            steps.push(if key == "*" { Step::Every } else { Step::Key(std::mem::take(key)) });
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '.' => flush(&mut key, &mut steps),
            '[' => {
                flush(&mut key, &mut steps);
                if chars.peek() == Some(&'"') {
                    chars.next();
                    let mut quoted = String::new();
                    loop {
                        match chars.next()? {
                            '\\' => quoted.push(chars.next()?),
                            '"' => break,
                            other => quoted.push(other),
                        }
                    }
                    steps.push(Step::Key(quoted));
                    if chars.next()? != ']' {
                        return None;
                    }
                } else {
                    let mut inner = String::new();
                    loop {
                        match chars.next()? {
                            ']' => break,
                            other => inner.push(other),
                        }
                    }
                    steps.push(if inner == "*" { Step::Every } else { Step::Index(inner.parse().ok()?) });
                }
            }
            other => key.push(other),
        }
    }
    flush(&mut key, &mut steps);
    (!steps.is_empty()).then_some(steps)
}

/// Makes `new` hold `old`'s value at `path` (or nothing, where `old` has nothing).
fn reset(new: &mut Json, old: Option<&Json>, path: &[Step]) {
    let Some((step, rest)) = path.split_first() else { return };
    match step {
        Step::Key(k) => {
            let Some(map) = new.as_object_mut() else { return };
            let old_child = old.and_then(|o| o.get(k));
            if rest.is_empty() {
                match old_child {
                    Some(v) => {
                        map.insert(k.clone(), v.clone());
                    }
                    None => {
                        map.remove(k);
                    }
                }
            } else if let Some(child) = map.get_mut(k) {
                reset(child, old_child, rest);
            }
        }
        Step::Index(i) => {
            let Some(items) = new.as_array_mut() else { return };
            let old_child = old.and_then(|o| o.get(*i));
            if rest.is_empty() {
                if let (Some(v), Some(slot)) = (old_child, items.get_mut(*i)) {
                    *slot = v.clone();
                }
            } else if let Some(child) = items.get_mut(*i) {
                reset(child, old_child, rest);
            }
        }
        Step::Every => match new {
            Json::Object(map) => {
                let keys: Vec<String> = map.keys().cloned().collect();
                let mut all = keys.clone();
                if rest.is_empty() {
                    all.extend(old.and_then(Json::as_object).into_iter().flat_map(|m| m.keys().cloned()));
                }
                for k in all {
                    let step = [Step::Key(k)];
                    let full: Vec<Step> = step.iter().cloned().chain(rest.iter().cloned()).collect();
                    reset(new, old, &full);
                }
            }
            Json::Array(items) => {
                for i in 0..items.len() {
                    let full: Vec<Step> = std::iter::once(Step::Index(i)).chain(rest.iter().cloned()).collect();
                    reset(new, old, &full);
                }
            }
            _ => {}
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_parse_keys_indexes_quotes_and_wildcards() {
        assert_eq!(parse_path("tags"), Some(vec![Step::Key("tags".into())]));
        assert_eq!(parse_path(r#"tags["a.b"]"#), Some(vec![Step::Key("tags".into()), Step::Key("a.b".into())]));
        assert_eq!(
            parse_path("ingress[0].description"),
            Some(vec![Step::Key("ingress".into()), Step::Index(0), Step::Key("description".into())])
        );
        assert_eq!(
            parse_path("rules[*].bucketKeyEnabled"),
            Some(vec![Step::Key("rules".into()), Step::Every, Step::Key("bucketKeyEnabled".into())])
        );
        assert_eq!(parse_path("tags.*"), Some(vec![Step::Key("tags".into()), Step::Every]));
        assert_eq!(parse_path("a[x]"), None);
        assert_eq!(parse_path(""), None);
    }

    #[test]
    fn reset_takes_the_old_value_at_the_path() {
        let old = json!({"tags": {"Team": "a", "Name": "n"}, "ingress": [{"description": "x", "port": 1}]});
        let mut new =
            json!({"tags": {"Team": "b", "Name": "n", "New": "y"}, "ingress": [{"description": "z", "port": 1}]});
        reset(&mut new, Some(&old), &parse_path("tags.Team").expect("path"));
        reset(&mut new, Some(&old), &parse_path("tags.New").expect("path"));
        reset(&mut new, Some(&old), &parse_path("ingress[*].description").expect("path"));
        assert_eq!(new, json!({"tags": {"Team": "a", "Name": "n"}, "ingress": [{"description": "x", "port": 1}]}));
        let mut every = json!({"tags": {"Team": "b", "Other": "c"}});
        reset(&mut every, Some(&old), &parse_path("tags.*").expect("path"));
        assert_eq!(every, json!({"tags": {"Team": "a", "Name": "n"}}));
    }
}
