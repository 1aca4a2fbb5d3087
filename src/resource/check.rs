//! Check: the program's inputs conformed to their declarations (defaults, required fields, types,
//! nested object types), then the resource's own rules through typed getters. Messages name the
//! property and what a valid value looks like; a secret value is shown as `[secret]`.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;

use super::fields::{FieldSpec, ObjectType, Shape};
use crate::validate::{self, Cidr};
use crate::value::{OutputValue, PropertyMap, Unknown, Value};

/// A field of the program's inputs as check sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    Absent,
    Unknown,
    Known(T),
}

impl<T> Field<T> {
    pub fn known(self) -> Option<T> {
        match self {
            Field::Known(v) => Some(v),
            _ => None,
        }
    }
}

/// A check failure: the top-level property and what a valid value looks like.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub property: String,
    pub reason: String,
}

pub use crate::secrets::REDACTED;

/// Why an input that shows in plaintext anyway (in an id, a resource name, the number of
/// resources) cannot be given as a secret.
pub const IN_PLAINTEXT: &str =
    "is a secret, but Pulumi keeps it in plaintext anyway: it becomes part of a resource id \
     or name (or decides how many resources there are), which are never encrypted; give it as a plain value";

/// The engine's autonaming configuration for one resource (Check's `autonaming`, sent when the
/// stack configures `pulumi:autonaming`).
#[derive(Debug, Clone, PartialEq)]
pub enum Autonaming {
    /// Use this name for a resource the program does not name (an existing one keeps its name).
    Propose(String),
    /// Use exactly this name for a resource the program does not name.
    Enforce(String),
    /// No automatic names: the program must name the resource.
    Disable,
}

/// The program's inputs under validation.
pub struct Checker<'a> {
    pub news: PropertyMap,
    olds: &'a PropertyMap,
    /// The resource's name in the program (autonaming starts from it).
    name: &'a str,
    random_seed: &'a [u8],
    autonaming: Option<Autonaming>,
    failures: Vec<Failure>,
    /// Properties that already failed: later getters report them as unknown, not again.
    failed: BTreeSet<String>,
}

impl<'a> Checker<'a> {
    pub fn new(news: PropertyMap, olds: &'a PropertyMap, name: &'a str, random_seed: &'a [u8]) -> Checker<'a> {
        Checker { news, olds, name, random_seed, autonaming: None, failures: Vec::new(), failed: BTreeSet::new() }
    }

    /// With the engine's autonaming configuration for the resource.
    pub fn with_autonaming(mut self, autonaming: Option<Autonaming>) -> Checker<'a> {
        self.autonaming = autonaming;
        self
    }

    pub fn name(&self) -> &str {
        self.name
    }

    pub fn finish(self) -> (PropertyMap, Vec<Failure>) {
        (self.news, self.failures)
    }

    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// Records a failure of `property`. The reason never shows a secret: any secret input's
    /// value, or a piece of it (a CIDR's address), reads `[secret]`.
    pub fn fail(&mut self, property: &str, reason: impl Into<String>) {
        let reason = self.redacted(reason.into());
        self.failed.insert(property.to_string());
        self.failures.push(Failure { property: property.into(), reason });
    }

    fn redacted(&self, reason: String) -> String {
        let mut secrets: Vec<String> = self
            .news
            .values()
            .flat_map(crate::secrets::secret_strings)
            .flat_map(|s| crate::secrets::pieces(&s))
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        crate::secrets::redact(&reason, secrets.iter().map(String::as_str)).into_owned()
    }

    /// Applies the declarations: defaults for what is absent, a failure for an absent required
    /// field, and each value conformed to its type (numbers and flags given as text are read,
    /// secrets and output values kept as they came).
    pub fn conform(&mut self, fields: &[FieldSpec]) {
        for f in fields.iter().filter(|f| !f.private) {
            match self.news.remove(f.name) {
                None | Some(Value::Null) => {
                    if let Some(default) = f.default {
                        self.news.insert(f.name.to_string(), default());
                    } else if let Some(hint) = f.required {
                        self.fail(f.name, required_message(hint));
                    }
                }
                Some(v) if f.identity && v.contains_secrets() => {
                    self.news.insert(f.name.to_string(), v);
                    self.fail(f.name, IN_PLAINTEXT);
                }
                Some(v) => {
                    let conformed = conform(&v, &(f.shape)(), &Rules::of(f), &Place::top(f.name), false);
                    match conformed {
                        Ok(c) => {
                            self.news.insert(f.name.to_string(), c);
                        }
                        Err(reason) => {
                            self.news.insert(f.name.to_string(), v);
                            self.fail(f.name, reason);
                        }
                    }
                }
            }
        }
    }

    /// Sets `key` to `value` when the program left it out.
    pub fn default(&mut self, key: &str, value: Value) {
        if matches!(self.news.get(key), None | Some(Value::Null)) {
            self.news.insert(key.to_string(), value);
        }
    }

    /// Replaces `key`'s value with a canonical form of it, secret when the given value was.
    pub fn set(&mut self, key: &str, value: Value) {
        let secret = self.is_secret(key);
        self.news.insert(key.to_string(), if secret { Value::Secret(Box::new(value)) } else { value });
    }

    pub fn is_secret(&self, key: &str) -> bool {
        self.news.get(key).is_some_and(Value::contains_secrets)
    }

    /// `value` as a message may show it: `[secret]` when `key`'s value is secret.
    pub fn shown(&self, key: &str, value: &str) -> String {
        if self.is_secret(key) {
            REDACTED.to_string()
        } else {
            format!("{value:?}")
        }
    }

    /// The plain value: absent, unknown (also after a failure), or known.
    pub fn value(&self, key: &str) -> Field<Value> {
        if self.failed.contains(key) {
            return Field::Unknown;
        }
        match self.news.get(key).map(Value::unwrap_plain) {
            None | Some(Value::Null) => Field::Absent,
            Some(v) if v.contains_unknowns() => Field::Unknown,
            Some(v) => Field::Known(v),
        }
    }

    /// The value read as `T` (after `conform` it has `T`'s shape).
    pub fn get<T: DeserializeOwned>(&mut self, key: &str) -> Field<T> {
        match self.value(key) {
            Field::Known(v) => match serde_json::from_value::<T>(v.to_json()) {
                Ok(t) => Field::Known(t),
                Err(e) => {
                    let reason = if self.is_secret(key) { "has the wrong shape".to_string() } else { e.to_string() };
                    self.fail(key, reason);
                    Field::Unknown
                }
            },
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        }
    }

    pub fn string(&mut self, key: &str) -> Field<String> {
        match self.value(key) {
            Field::Known(Value::String(s)) => Field::Known(s),
            Field::Known(other) => {
                let shown = self.describe(key, &other);
                self.fail(key, format!("must be a string, not {shown}"));
                Field::Unknown
            }
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        }
    }

    pub fn bool(&mut self, key: &str) -> Field<bool> {
        self.get(key)
    }

    pub fn integer(&mut self, key: &str) -> Field<i64> {
        self.get(key)
    }

    fn describe(&self, key: &str, v: &Value) -> String {
        describe(v, self.is_secret(key))
    }

    /// A string that must be one of `allowed`.
    pub fn one_of(&mut self, key: &str, allowed: &[&str]) -> Field<String> {
        let f = self.string(key);
        if let Field::Known(s) = &f {
            if !allowed.contains(&s.as_str()) {
                let shown = self.shown(key, s);
                self.fail(key, format!("must be one of {}, not {shown}", allowed.join(", ")));
            }
        }
        f
    }

    /// An integer in `min..=max`.
    pub fn in_range(&mut self, key: &str, min: i64, max: i64) -> Field<i64> {
        let f = self.integer(key);
        if let Field::Known(n) = f {
            if n < min || n > max {
                let shown = if self.is_secret(key) { REDACTED.to_string() } else { n.to_string() };
                self.fail(key, format!("must be between {min} and {max}, not {shown}"));
            }
        }
        f
    }

    /// An IPv4 CIDR block whose prefix is within `min..=max`.
    pub fn cidr(&mut self, key: &str, min: u8, max: u8) -> Field<Cidr> {
        match self.string(key) {
            Field::Known(s) => match validate::cidr(&s, min, max) {
                Ok(c) => Field::Known(c),
                Err(reason) => {
                    let reason = if self.is_secret(key) { reason.replace(&format!("{s:?}"), REDACTED) } else { reason };
                    self.fail(key, reason);
                    Field::Unknown
                }
            },
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        }
    }

    /// Names the resource when the program gave neither `key` nor `prefix_key` (it may give one,
    /// not both): the old name when there is one (so an update never renames), else
    /// `<prefix>-<7 hex>` from the engine's random seed, `prefix` being `prefix_key`'s value or
    /// `default_prefix`. `max_len` bounds the whole name. The stack's autonaming configuration,
    /// when the engine sends one, decides instead for a resource the program names in neither
    /// way: the proposed name (an existing resource keeps its own), exactly the enforced one, or
    /// none (the name is then required).
    pub fn autoname(&mut self, key: &str, prefix_key: &str, max_len: usize, default_prefix: &str) -> Field<String> {
        let given = |c: &Self, k: &str| !matches!(c.news.get(k), None | Some(Value::Null));
        if given(self, key) && given(self, prefix_key) {
            self.fail(prefix_key, format!("give {key} or {prefix_key}, not both"));
        }
        match self.string(key) {
            Field::Absent => {}
            other => return other,
        }
        if !given(self, prefix_key) {
            if let Some(named) = self.configured_name(key, prefix_key, max_len) {
                return named;
            }
        }
        let prefix = match self.string(prefix_key) {
            Field::Known(p) => p,
            Field::Absent => default_prefix.to_string(),
            Field::Unknown => {
                self.news.insert(key.to_string(), Value::Unknown(Unknown::Any));
                return Field::Unknown;
            }
        };
        let suffix = random_hex(self.random_seed, 7);
        let prefix: String = prefix.chars().take(max_len.saturating_sub(suffix.len())).collect();
        if let Some(Value::String(old)) = self.olds.get(key).map(Value::unwrap_plain) {
            if old.starts_with(&prefix) {
                self.keep_old_name(key, prefix_key, &old);
                return Field::Known(old);
            }
        }
        let name = format!("{prefix}{suffix}");
        self.news.insert(key.to_string(), Value::str(&name));
        Field::Known(name)
    }

    /// Keeps the resource's name, and the prefix it was made from when the program no longer
    /// gives one (a prefix only shapes a new name: dropping it changes nothing).
    fn keep_old_name(&mut self, key: &str, prefix_key: &str, old: &str) {
        self.news.insert(key.to_string(), Value::str(old));
        if matches!(self.news.get(prefix_key), None | Some(Value::Null)) {
            if let Some(p) = self.olds.get(prefix_key).filter(|p| !matches!(p, Value::Null)) {
                self.news.insert(prefix_key.to_string(), p.clone());
            }
        }
    }

    /// The name the stack's autonaming configuration gives `key` (`None`: it has none, or only
    /// proposes a name that does not fit, and tap names the resource itself).
    fn configured_name(&mut self, key: &str, prefix_key: &str, max_len: usize) -> Option<Field<String>> {
        let old = match self.olds.get(key).map(Value::unwrap_plain) {
            Some(Value::String(old)) => Some(old),
            _ => None,
        };
        let name = match self.autonaming.clone()? {
            Autonaming::Disable => {
                self.fail(
                    key,
                    format!(
                        "is required: this stack turns autonaming off (pulumi:autonaming mode: disabled); give {key} or {prefix_key}"
                    ),
                );
                return Some(Field::Unknown);
            }
            Autonaming::Propose(_) if old.is_some() => {
                let old = old?;
                self.keep_old_name(key, prefix_key, &old);
                return Some(Field::Known(old));
            }
            Autonaming::Propose(proposed) if proposed.chars().count() <= max_len => proposed,
            Autonaming::Propose(_) => return None,
            Autonaming::Enforce(name) if name.chars().count() > max_len => {
                self.fail(
                    key,
                    format!(
                        "the stack's autonaming gives {name:?}, longer than the {max_len} characters {key} may have"
                    ),
                );
                return Some(Field::Unknown);
            }
            Autonaming::Enforce(name) => name,
        };
        self.news.insert(key.to_string(), Value::str(&name));
        Some(Field::Known(name))
    }

    /// Runs `rules` on the object under `key` as if its fields were top-level inputs; their
    /// failures are reported on `key`, naming the field.
    pub fn nested(&mut self, key: &str, rules: impl FnOnce(&mut Checker<'_>)) {
        let Field::Known(Value::Object(map)) = self.value(key) else { return };
        let secret = self.is_secret(key);
        let olds = PropertyMap::new();
        let mut inner = Checker::new(
            map.into_iter().map(|(k, v)| (k, if secret { Value::Secret(Box::new(v)) } else { v })).collect(),
            &olds,
            self.name,
            self.random_seed,
        );
        rules(&mut inner);
        for f in inner.failures {
            self.fail(key, format!("{} {}", f.property, f.reason));
        }
    }
}

fn required_message(hint: &str) -> String {
    if hint.is_empty() {
        "is required".to_string()
    } else {
        format!("is required: give {hint}")
    }
}

/// Whether `value` is an autoname `prefix` + 7 hex digits (a replacement gets another one), the
/// prefix cut to fit `max_len` as [`Checker::autoname`] cuts it.
pub fn autonamed(value: &str, prefix: &str, max_len: usize) -> bool {
    let cut: String = prefix.chars().take(max_len.saturating_sub(7)).collect();
    autoname_stem(value) == Some(cut.as_str())
}

/// The prefix of what looks like an autoname (anything + 7 lowercase hex digits).
pub fn autoname_stem(value: &str) -> Option<&str> {
    let cut = value.len().checked_sub(7)?;
    let (stem, rest) = (value.get(..cut)?, value.get(cut..)?);
    rest.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)).then_some(stem)
}

/// `len` hex digits from the engine's random seed (or fresh randomness when there is none).
pub fn random_hex(seed: &[u8], len: usize) -> String {
    let bytes: Vec<u8> = if seed.is_empty() { (0..len).map(|_| rand::random::<u8>()).collect() } else { seed.to_vec() };
    bytes.iter().map(|b| format!("{b:02x}")).collect::<String>().chars().take(len).collect()
}

/// A value as a message shows it.
pub fn describe(v: &Value, secret: bool) -> String {
    if secret {
        return REDACTED.to_string();
    }
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
        Value::Secret(_) => REDACTED.into(),
        _ => "a special value".into(),
    }
}

/// Where a value sits, for messages: top level (the failure names the property) or nested.
struct Place {
    path: String,
    top: bool,
}

impl Place {
    fn top(name: &str) -> Place {
        Place { path: name.to_string(), top: true }
    }

    fn child(&self, path: String) -> Place {
        Place { path, top: false }
    }

    fn prefix(&self) -> String {
        if self.top {
            String::new()
        } else {
            format!("{} ", self.path)
        }
    }
}

fn plural(shape: &Shape) -> String {
    match shape {
        Shape::String => "strings".into(),
        Shape::Integer => "whole numbers".into(),
        Shape::Number => "numbers".into(),
        Shape::Boolean => "flags".into(),
        Shape::Any => "values".into(),
        Shape::Array(_) => "lists".into(),
        Shape::Map(_) => "maps".into(),
        Shape::Object(_) => "objects".into(),
    }
}

fn type_name(t: &ObjectType) -> &'static str {
    t.token.rsplit(':').next().unwrap_or(t.token)
}

/// What a field's declaration says about reading its values.
#[derive(Clone, Copy, Default)]
struct Rules {
    numbers_as_text: bool,
    expect: Option<&'static str>,
}

impl Rules {
    fn of(f: &FieldSpec) -> Rules {
        Rules { numbers_as_text: f.numbers_as_text, expect: f.expect }
    }
}

/// `v` in `shape`'s form, or what is wrong with it. Secrets and known output values are
/// conformed inside their wrappers; unknowns and resource references pass.
fn conform(v: &Value, shape: &Shape, rules: &Rules, at: &Place, secret: bool) -> Result<Value, String> {
    match v {
        Value::Secret(inner) => {
            return Ok(Value::Secret(Box::new(conform(inner, shape, rules, at, true)?)));
        }
        Value::Output(o) => {
            return match &o.value {
                None => Ok(v.clone()),
                Some(inner) => {
                    let c = conform(inner, shape, rules, at, secret || o.secret)?;
                    Ok(Value::Output(OutputValue { value: Some(Box::new(c)), ..o.clone() }))
                }
            };
        }
        Value::Unknown(_) | Value::Resource(_) => return Ok(v.clone()),
        _ => {}
    }
    let prefix = at.prefix();
    let shown = || describe(v, secret);
    if let Some(expect) = rules.expect {
        let fits = matches!(
            (shape, v),
            (Shape::String, Value::String(_))
                | (Shape::Boolean, Value::Bool(_) | Value::String(_))
                | (Shape::Integer | Shape::Number, Value::Number(_) | Value::String(_))
                | (Shape::Array(_), Value::Array(_))
                | (Shape::Map(_) | Shape::Object(_), Value::Object(_))
                | (Shape::Any, _)
        );
        if !fits {
            return Err(format!("{prefix}must be {expect}, not {}", shown()));
        }
    }
    let numbers_as_text = rules.numbers_as_text;
    match shape {
        Shape::Any => Ok(v.clone()),
        Shape::String => match v {
            Value::String(_) => Ok(v.clone()),
            Value::Number(n) if numbers_as_text && n.fract() == 0.0 => Ok(Value::String((*n as i64).to_string())),
            _ => Err(format!("{prefix}must be a string, not {}", shown())),
        },
        Shape::Boolean => match v {
            Value::Bool(_) => Ok(v.clone()),
            Value::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(format!("{prefix}must be true or false, not {}", shown())),
        },
        Shape::Integer => match v {
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(v.clone()),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                Ok(Value::Number(s.trim().parse::<i64>().unwrap_or_default() as f64))
            }
            _ => Err(format!("{prefix}must be a whole number, not {}", shown())),
        },
        Shape::Number => match v {
            Value::Number(_) => Ok(v.clone()),
            Value::String(s) if s.trim().parse::<f64>().is_ok() => {
                Ok(Value::Number(s.trim().parse::<f64>().unwrap_or_default()))
            }
            _ => Err(format!("{prefix}must be a number, not {}", shown())),
        },
        Shape::Array(item) => match v {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, it)| match item.as_ref() {
                    Shape::Object(_) => {
                        conform(it, item, &Rules::default(), &at.child(format!("{}[{i}]", at.path)), secret)
                    }
                    _ => conform(it, item, &Rules::default(), &Place::top(&at.path), secret)
                        .map_err(|r| format!("{prefix}must be a list of {}; item {i} {r}", plural(item))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            _ => Err(format!("{prefix}must be a list of {}, not {}", plural(item), shown())),
        },
        Shape::Map(item) => match v {
            Value::Object(map) => map
                .iter()
                .map(|(k, it)| {
                    conform(it, item, &Rules::default(), &Place::top(k), secret).map(|c| (k.clone(), c)).map_err(|r| {
                        format!("{prefix}value of {} {r}", if secret { REDACTED.into() } else { format!("{k:?}") })
                    })
                })
                .collect::<Result<PropertyMap, _>>()
                .map(Value::Object),
            _ => Err(format!("{prefix}must be a map of {}, not {}", plural(item), shown())),
        },
        Shape::Object(t) => match v {
            Value::Object(map) => conform_object(map, t, at, secret),
            _ => {
                let names: Vec<&str> = (t.fields)().iter().map(|f| f.name).collect();
                Err(format!("{prefix}must be an object with {}, not {}", names.join(", "), shown()))
            }
        },
    }
}

fn conform_object(map: &PropertyMap, t: &ObjectType, at: &Place, secret: bool) -> Result<Value, String> {
    let fields = (t.fields)();
    let declared: BTreeMap<&str, &FieldSpec> = fields.iter().map(|f| (f.name, f)).collect();
    let whose = at.path.clone();
    if let Some(k) = map.keys().find(|k| !declared.contains_key(k.as_str())) {
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        return Err(format!("{whose} has {k:?}; a {} has {}", type_name(t), names.join(", ")));
    }
    let mut out = PropertyMap::new();
    for f in &fields {
        let path = format!("{whose}.{}", f.name);
        match map.get(f.name) {
            None | Some(Value::Null) => {
                if let Some(default) = f.default {
                    out.insert(f.name.to_string(), default());
                } else if let Some(hint) = f.required {
                    return Err(format!("{path} {}", required_message(hint)));
                }
            }
            Some(v) => {
                let c = conform(v, &(f.shape)(), &Rules::of(f), &at.child(path), secret)?;
                out.insert(f.name.to_string(), c);
            }
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_comes_from_the_seed() {
        assert_eq!(random_hex(&[1, 2, 3, 4], 7), "0102030");
        assert_eq!(random_hex(&[], 7).len(), 7);
    }

    #[test]
    fn autonaming_configuration_names_what_the_program_does_not() {
        let olds = PropertyMap::new();
        let name = |news: &[(&str, &str)], olds: &PropertyMap, a: Option<Autonaming>| {
            let news: PropertyMap = news.iter().map(|(k, v)| (k.to_string(), Value::str(*v))).collect();
            let mut c = Checker::new(news, olds, "web", &[1, 2, 3, 4]).with_autonaming(a);
            let got = c.autoname("name", "namePrefix", 20, "web-");
            (got, c.failures().iter().map(|f| f.reason.clone()).collect::<Vec<_>>())
        };
        let propose = || Some(Autonaming::Propose("web-proposed".into()));
        assert_eq!(name(&[], &olds, propose()).0, Field::Known("web-proposed".into()));
        assert_eq!(
            name(&[("name", "mine")], &olds, propose()).0,
            Field::Known("mine".into()),
            "the program's own name wins"
        );
        let (prefixed, _) = name(&[("namePrefix", "p-")], &olds, propose());
        assert!(
            matches!(prefixed, Field::Known(n) if n.starts_with("p-") && n.len() == 9),
            "a prefix is the program's choice"
        );
        let existing: PropertyMap = [("name".to_string(), Value::str("web-0102030"))].into_iter().collect();
        let mut c = Checker::new(PropertyMap::new(), &existing, "web", &[9; 4]);
        assert_eq!(c.autoname("name", "namePrefix", 11, "web-longer-"), Field::Known("web-0102030".into()));
        assert_eq!(c.failures(), &[], "a name made from a prefix cut to fit is kept");
        // A program that gave the prefix the name would have had anyway, and no longer does.
        let prefixed: PropertyMap =
            [("name".to_string(), Value::str("web-0102030")), ("namePrefix".to_string(), Value::str("web-"))]
                .into_iter()
                .collect();
        let mut c = Checker::new(PropertyMap::new(), &prefixed, "web", &[9; 4]);
        c.autoname("name", "namePrefix", 20, "web-");
        assert_eq!(c.news.get("name"), Some(&Value::str("web-0102030")), "the name stays");
        assert_eq!(c.news.get("namePrefix"), Some(&Value::str("web-")), "and so does the prefix: no diff");
        assert_eq!(
            name(&[], &existing, propose()).0,
            Field::Known("web-0102030".into()),
            "an existing resource keeps its name"
        );
        let (long, _) = name(&[], &olds, Some(Autonaming::Propose("x".repeat(21))));
        assert!(matches!(long, Field::Known(n) if n.starts_with("web-")), "a proposal that does not fit is not used");
        let enforced = Some(Autonaming::Enforce("web".into()));
        assert_eq!(name(&[], &existing, enforced).0, Field::Known("web".into()));
        let (_, failures) = name(&[], &olds, Some(Autonaming::Enforce("x".repeat(21))));
        assert!(failures[0].contains("longer than the 20"), "{failures:?}");
        let (_, failures) = name(&[], &olds, Some(Autonaming::Disable));
        assert!(failures[0].contains("is required") && failures[0].contains("name or namePrefix"), "{failures:?}");
        assert_eq!(name(&[], &olds, None).0, Field::Known(format!("web-{}", random_hex(&[1, 2, 3, 4], 7))));
    }

    #[test]
    fn autoname_stems() {
        assert_eq!(autoname_stem("web-0102030"), Some("web-"));
        assert_eq!(autoname_stem("web-01020z0"), None);
        assert_eq!(autoname_stem("web-0A02030"), None);
        assert_eq!(autoname_stem("0102030"), Some(""));
        assert_eq!(autoname_stem("abc"), None);
        assert_eq!(autoname_stem("wéb-0102030"), Some("wéb-"));
        assert!(autonamed("web-0102030", "web-", 63) && !autonamed("web-0102030", "we", 63));
        assert!(autonamed("web-0102030", "web-long-", 11), "the prefix cut to fit");
    }

    #[test]
    fn a_failure_never_shows_a_secret_or_a_piece_of_it() {
        let secret = |s: &str| Value::Secret(Box::new(Value::str(s)));
        let olds = PropertyMap::new();
        let news: PropertyMap =
            [("cidrBlock".to_string(), secret("10.213.0.300/24")), ("other".to_string(), secret("zone-x-9"))]
                .into_iter()
                .collect();
        let mut c = Checker::new(news, &olds, "r", &[]);
        c.cidr("cidrBlock", 16, 28);
        c.fail("another", "mentions zone-x-9 and 10.213.0.300");
        let (_, failures) = c.finish();
        assert_eq!(failures.len(), 2, "{failures:?}");
        for f in &failures {
            assert!(!f.reason.contains("10.213") && !f.reason.contains("zone-x-9"), "{f:?}");
            assert!(f.reason.contains(REDACTED), "{f:?}");
        }
        assert_eq!(failures[0].property, "cidrBlock");
    }

    #[test]
    fn describe_redacts_secrets() {
        assert_eq!(describe(&Value::str("hunter2"), true), REDACTED);
        assert_eq!(describe(&Value::str("x"), false), "\"x\"");
    }
}
