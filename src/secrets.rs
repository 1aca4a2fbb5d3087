//! Secrets kept out of every text tap writes. Check messages name a secret property and say
//! `[secret]` for its value (the checker redacts what it knows is secret); as a backstop, every
//! secret string any request brought is remembered for the life of the process, and every text
//! leaving it — gRPC error messages, check failures, engine log lines, tracing on stderr — is
//! scrubbed of it, in the forms it takes in AWS requests and error texts too (URL-encoded,
//! JSON-escaped).
//!
//! Only strings of at least `MIN_LEN` characters are scrubbed by the backstop: a shorter one
//! (or a number, or a flag) would erase innocent text everywhere; messages about those name the
//! property instead (the checker's own redaction covers their check messages).

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::RwLock;

use crate::value::{PropertyMap, Value};

/// What stands in a message for a secret value.
pub const REDACTED: &str = "[secret]";

const MIN_LEN: usize = 4;

/// Every form of every secret a provider has seen, longest first (so a longer secret is not left
/// half scrubbed by a shorter one inside it), indexed by their first two bytes.
#[derive(Default)]
pub struct Secrets(RwLock<Known>);

#[derive(Default)]
struct Known {
    forms: Vec<String>,
    /// A bit per two-byte prefix that some form starts with (empty while there is none).
    starts: Vec<u64>,
    /// The forms (indices into `forms`) starting with each such prefix.
    by_start: std::collections::HashMap<u16, Vec<usize>>,
}

fn start_of(bytes: &[u8]) -> u16 {
    u16::from_le_bytes([bytes[0], bytes[1]])
}

impl Known {
    fn index(&mut self) {
        self.starts = vec![0; (usize::from(u16::MAX) + 1) / 64];
        self.by_start.clear();
        for (i, f) in self.forms.iter().enumerate() {
            let key = start_of(f.as_bytes());
            self.starts[usize::from(key) / 64] |= 1 << (key % 64);
            self.by_start.entry(key).or_default().push(i);
        }
    }

    /// The forms `text` holds, longest first: one pass over `text`, whatever the number of
    /// secrets (tracing at debug runs every line through here). Found in the text as given, so
    /// a form that would only appear once another is replaced (a piece of `[secret]`) is not
    /// replaced inside the marker, as a scan of the half-replaced text per secret would.
    fn found_in(&self, text: &str) -> Vec<&str> {
        if self.forms.is_empty() {
            return Vec::new();
        }
        let mut found = BTreeSet::new();
        let bytes = text.as_bytes();
        for at in 0..bytes.len().saturating_sub(1) {
            let key = start_of(&bytes[at..]);
            if self.starts[usize::from(key) / 64] & (1 << (key % 64)) == 0 {
                continue;
            }
            for &i in &self.by_start[&key] {
                if bytes[at..].starts_with(self.forms[i].as_bytes()) {
                    found.insert(i);
                }
            }
        }
        found.into_iter().map(|i| self.forms[i].as_str()).collect()
    }
}

/// Every provider's secrets, for tracing (which has no provider to ask). The engine runs one
/// provider per process, so this is that provider's set; in-process tests run many.
static GLOBAL: std::sync::LazyLock<Secrets> = std::sync::LazyLock::new(Secrets::default);

tokio::task_local! {
    /// The secrets of the provider serving the current request.
    static CURRENT: std::sync::Arc<Secrets>;
}

impl Secrets {
    fn add(&self, forms: &BTreeSet<String>) {
        let mut known = self.0.write().unwrap_or_else(|p| p.into_inner());
        let before = known.forms.len();
        for f in forms {
            // Every form is at least MIN_LEN characters long; the index needs two bytes.
            if f.len() >= 2 && !known.forms.contains(f) {
                known.forms.push(f.clone());
            }
        }
        if known.forms.len() != before {
            known.forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            known.index();
        }
    }

    fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let known = self.0.read().unwrap_or_else(|p| p.into_inner());
        match redact(text, known.found_in(text)) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(s) => Cow::Owned(s),
        }
    }
}

/// Runs `fut` (one request) with `secrets` as the provider's: what it remembers goes there, and
/// what it scrubs is scrubbed of them.
pub async fn scoped<F: std::future::Future>(secrets: std::sync::Arc<Secrets>, fut: F) -> F::Output {
    CURRENT.scope(secrets, fut).await
}

/// The plain strings inside the secret parts of `value` (object keys included: a secret map's
/// keys are as secret as its values).
pub fn secret_strings(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect(value, false, true, &mut out);
    out
}

fn collect(value: &Value, secret: bool, keys: bool, out: &mut BTreeSet<String>) {
    match value {
        Value::Secret(inner) => collect(inner, true, keys, out),
        Value::Output(o) => {
            if let Some(v) = &o.value {
                collect(v, secret || o.secret, keys, out);
            }
        }
        Value::String(s) if secret => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, secret, keys, out)),
        Value::Object(map) => {
            for (k, v) in map {
                if secret && keys {
                    out.insert(k.clone());
                }
                collect(v, secret, keys, out);
            }
        }
        _ => {}
    }
}

/// Remembers the secret strings of a request's properties (a secret map's values, not its
/// keys: those are words like `Name` or `Owner` that every message may hold, and a message
/// about them names the property), for the provider serving the request and for tracing.
pub fn remember(map: &PropertyMap) {
    let mut found = BTreeSet::new();
    for v in map.values() {
        collect(v, false, false, &mut found);
    }
    let forms: BTreeSet<String> =
        found.iter().filter(|s| s.chars().count() >= MIN_LEN).flat_map(|s| forms(s)).collect();
    if forms.is_empty() {
        return;
    }
    GLOBAL.add(&forms);
    let _ = CURRENT.try_with(|current| current.add(&forms));
}

/// A secret as it may appear in text: itself, URL-encoded (AWS query requests, SigV4), JSON- or
/// Debug-escaped (JSON bodies, `{:?}`).
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    const QUERY: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    out.push(percent_encoding::utf8_percent_encode(secret, QUERY).to_string());
    out.push(percent_encoding::utf8_percent_encode(secret, QUERY).to_string().replace("%20", "+"));
    let json = serde_json::to_string(secret).unwrap_or_default();
    out.push(json.trim_matches('"').to_string());
    let debug = format!("{secret:?}");
    out.push(debug.trim_matches('"').to_string());
    out.sort();
    out.dedup();
    out
}

/// `text` without any secret the provider serving this request has seen (outside a request:
/// any provider's).
pub fn scrub(text: &str) -> Cow<'_, str> {
    CURRENT.try_with(|current| current.scrub(text).into_owned().into()).unwrap_or_else(|_| GLOBAL.scrub(text))
}

/// `text` without any secret any provider in this process has seen (for tracing).
pub fn scrub_all(text: &str) -> Cow<'_, str> {
    GLOBAL.scrub(text)
}

/// `text` with each of `secrets` (longest first, as given) replaced by `[secret]`.
pub fn redact<'t, 's>(text: &'t str, secrets: impl IntoIterator<Item = &'s str>) -> Cow<'t, str> {
    let mut out = Cow::Borrowed(text);
    for s in secrets {
        if !s.is_empty() && out.contains(s) {
            out = Cow::Owned(out.replace(s, REDACTED));
        }
    }
    out
}

/// The pieces of a secret that a message may show apart from the whole (a CIDR's address, a
/// name's parts): the whole first, then each piece between separators, longest first, pieces
/// shorter than 3 characters left (they would erase innocent text).
pub fn pieces(secret: &str) -> Vec<String> {
    let mut out: Vec<String> = secret
        .split(['/', ',', ' ', '"', ':', '=', ';', '\'', '\n'])
        .filter(|p| p.chars().count() >= 3)
        .map(str::to_string)
        .collect();
    out.push(secret.to_string());
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out.dedup();
    out
}

/// A tracing writer that scrubs each formatted event before it reaches `inner`.
pub struct Scrubbing<W>(pub W);

impl<W: std::io::Write> std::io::Write for Scrubbing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(scrub_all(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Makes `Scrubbing` writers from a tracing `MakeWriter`.
pub struct ScrubbingMakeWriter<M>(pub M);

impl<'a, M: tracing_subscriber::fmt::MakeWriter<'a>> tracing_subscriber::fmt::MakeWriter<'a>
    for ScrubbingMakeWriter<M>
{
    type Writer = Scrubbing<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Scrubbing(self.0.make_writer())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> Value {
        Value::Secret(Box::new(Value::str(s)))
    }

    #[test]
    fn the_secret_parts_of_a_value_are_found_also_inside_outputs_and_maps() {
        let tags = Value::Secret(Box::new(Value::Object(
            [("owner-key".to_string(), Value::str("owner-value"))].into_iter().collect(),
        )));
        let v = Value::Array(vec![Value::str("plain"), secret("one-secret"), tags]);
        let found: Vec<String> = secret_strings(&v).into_iter().collect();
        assert_eq!(found, ["one-secret", "owner-key", "owner-value"]);
        let out = Value::Output(crate::value::OutputValue {
            value: Some(Box::new(Value::str("in-an-output"))),
            secret: true,
            dependencies: vec![],
        });
        assert_eq!(secret_strings(&out).into_iter().collect::<Vec<_>>(), ["in-an-output"]);
    }

    #[test]
    fn remembered_secrets_are_scrubbed_in_every_form() {
        let map: PropertyMap = [
            ("cidr".to_string(), secret("10.201.7.0/24")),
            ("name".to_string(), secret("s3cr3t pass\"word")),
            ("short".to_string(), secret("abc")),
        ]
        .into_iter()
        .collect();
        remember(&map);
        let text =
            "CidrBlock=10.201.7.0%2F24 and 10.201.7.0/24, {\"p\":\"s3cr3t pass\\\"word\"}, s3cr3t+pass%22word, abc";
        let scrubbed = scrub(text);
        assert_eq!(scrubbed, "CidrBlock=[secret] and [secret], {\"p\":\"[secret]\"}, [secret], abc");
    }

    #[test]
    fn the_index_finds_what_a_scan_for_each_secret_finds() {
        // Secrets inside each other, sharing starts, multi-byte, at the text's edges; and many of
        // them, as a process that served many requests holds.
        let mut all: Vec<String> = ["key-1234", "key-12345678", "1234", "ünïcødé-sëcret", "ab\"cd", "zz-end"]
            .iter()
            .map(|s| s.to_string())
            .chain((0..500).map(|n| format!("generated-secret-{n:03}")))
            .collect();
        let secrets = Secrets::default();
        secrets.add(&all.iter().cloned().collect());
        all.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        for text in [
            "",
            "k",
            "key-12345678 and key-1234 and 1234",
            "1234key-1234ünïcødé-sëcret",
            "x ab\"cd generated-secret-042 generated-secret-4999 zz-end",
            "nothing secret at all, only generated-secre and key-123",
        ] {
            let naive = redact(text, all.iter().map(String::as_str));
            assert_eq!(secrets.scrub(text), naive, "{text:?}");
        }
    }

    #[test]
    fn pieces_cover_the_parts_a_message_may_show() {
        assert_eq!(pieces("10.201.7.300/24"), ["10.201.7.300/24", "10.201.7.300"]);
        assert_eq!(
            redact("\"10.201.7.300\" is not an address", pieces("10.201.7.300/24").iter().map(String::as_str)),
            "\"[secret]\" is not an address"
        );
    }

    #[test]
    fn the_tracing_writer_scrubs() {
        remember(&[("k".to_string(), secret("tracing-secret-1"))].into_iter().collect());
        let mut out = Vec::new();
        std::io::Write::write_all(&mut Scrubbing(&mut out), b"a tracing-secret-1 b").expect("write");
        assert_eq!(String::from_utf8(out).expect("utf8"), "a [secret] b");
    }
}
