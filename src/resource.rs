//! The resource seam: the typed trait every resource file implements, and the erased form the
//! provider dispatches to. Resource code sees typed inputs and outputs only; converting to and
//! from wire values, region defaults, the structural diff and "a created id is never lost" live
//! here and in `provider`, once.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::log::Logger;
use crate::schema;
use crate::validate;
use crate::value::{PropertyMap, Value};

/// One AWS resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The Pulumi type token, e.g. `tap:ec2:Vpc`.
    const TOKEN: &'static str;
    /// Whether the resource lives in a region (and so has the `region` input).
    const REGIONAL: bool = true;
    /// Inputs whose change replaces the resource (`region` is added for regional resources).
    const REPLACE_ON: &'static [&'static str];
    /// Optional inputs AWS fills when they are left out (an availability zone, a default policy):
    /// leaving one out is not a change.
    const AWS_DEFAULTS: &'static [&'static str] = &[];
    /// Whether a replacement must delete the old resource first (its name is unique).
    const DELETE_BEFORE_REPLACE: bool = false;

    type Inputs: DeserializeOwned + Send + Sync;
    /// Every input as AWS reports it now, plus what AWS computes.
    type Outputs: Serialize + DeserializeOwned + Send + Sync;

    /// Validates the program's inputs (which may hold unknowns in preview) and fills defaults.
    /// Pure: no AWS call.
    fn check(&self, c: &mut Checker<'_>);

    /// The form in which a property is compared by diff (e.g. a policy parsed from its JSON text).
    fn normalize(&self, _key: &str, value: serde_json::Value) -> serde_json::Value {
        value
    }

    async fn create(&self, ctx: &Ctx, inputs: Self::Inputs) -> Result<(String, Self::Outputs)>;
    /// The resource's current state, or `None` when it no longer exists.
    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<Self::Outputs>>;
    async fn update(&self, ctx: &Ctx, id: &str, olds: Self::Outputs, news: Self::Inputs) -> Result<Self::Outputs>;
    /// Idempotent: a resource that is already gone is deleted.
    async fn delete(&self, ctx: &Ctx, id: &str, olds: Self::Outputs) -> Result<()>;
}

/// What a resource's work needs: its region's clients, a place to report progress, its deadline,
/// and the cell where a created id is recorded before anything else can fail.
pub struct Ctx {
    pub clients: Arc<Clients>,
    pub urn: String,
    logger: Logger,
    deadline: Instant,
    created: Mutex<Option<(String, serde_json::Value)>>,
    /// The resource's last known state (plain JSON; null on create and import).
    prior: serde_json::Value,
}

impl Ctx {
    pub fn new(clients: Arc<Clients>, urn: String, logger: Logger, timeout: Duration) -> Ctx {
        Ctx {
            clients,
            urn,
            logger,
            deadline: Instant::now() + timeout,
            created: Mutex::new(None),
            prior: serde_json::Value::Null,
        }
    }

    /// Gives the operation the resource's last known state.
    pub fn with_prior(mut self, state: &PropertyMap) -> Ctx {
        self.prior = to_json(state);
        self
    }

    /// A flag from the last known state (false when unknown).
    pub fn prior_bool(&self, key: &str) -> bool {
        self.prior.get(key).and_then(|v| v.as_bool()).unwrap_or(false)
    }

    /// A number from the last known state.
    pub fn prior_i64(&self, key: &str) -> Option<i64> {
        self.prior.get(key).and_then(|v| v.as_i64())
    }

    /// A string from the last known state (None on import).
    pub fn prior(&self, key: &str) -> Option<&str> {
        self.prior.get(key).and_then(|v| v.as_str()).filter(|s| !s.is_empty())
    }

    pub fn region(&self) -> &str {
        &self.clients.region
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// A user-facing status line on the resource's row (transient).
    pub fn progress(&self, message: impl Into<String>) {
        self.logger.status(&self.urn, message.into());
    }

    /// Records that the resource now exists, with what is known of it. From here on a failure
    /// becomes a partial creation that the engine stores, never a leaked resource.
    pub fn record_created<O: Serialize>(&self, id: &str, outputs: &O) {
        let json = serde_json::to_value(outputs).unwrap_or(serde_json::Value::Null);
        *self.created.lock().unwrap_or_else(|p| p.into_inner()) = Some((id.to_string(), json));
    }

    pub fn take_created(&self) -> Option<(String, serde_json::Value)> {
        self.created.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Polls `probe` until it yields a value, backing off up to 5 s between attempts, until the
    /// deadline. Used for "wait until usable" and for eventual consistency.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut probe: F) -> Result<T>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Result<Option<T>>> + Send,
        T: Send,
    {
        let mut delay = Duration::from_millis(100);
        let started = Instant::now();
        loop {
            if let Some(v) = probe().await? {
                return Ok(v);
            }
            let now = Instant::now();
            if now >= self.deadline {
                return Err(Error::Timeout { what: what.to_string(), seconds: started.elapsed().as_secs() });
            }
            if started.elapsed() > Duration::from_secs(2) {
                self.progress(format!("waiting for {what}"));
            }
            tokio::time::sleep(delay.min(self.deadline - now)).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// Runs `op` again while it fails with an error `retryable` accepts (a dependency still being
    /// torn down, an IAM principal not yet visible), with backoff, until the deadline; then fails
    /// with `explain` and the last error.
    pub async fn retry_while<T, F, Fut>(&self, what: &str, retryable: fn(&Error) -> bool, op: F) -> Result<T>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Result<T>> + Send,
        T: Send,
    {
        self.retry_for(what, self.deadline.saturating_duration_since(Instant::now()), retryable, op).await
    }

    /// `retry_while`, but for at most `max` (an eventual-consistency wait that must not last as
    /// long as the whole operation may).
    pub async fn retry_for<T, F, Fut>(
        &self,
        what: &str,
        max: Duration,
        retryable: fn(&Error) -> bool,
        mut op: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Result<T>> + Send,
        T: Send,
    {
        let deadline = self.deadline.min(Instant::now() + max);
        let mut delay = Duration::from_millis(250);
        loop {
            match op().await {
                Err(e) if retryable(&e) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(Error::StillInUse(format!("{what}: still failing when the deadline came: {e}")));
                    }
                    self.progress(format!("{what}: {e}; retrying"));
                    tokio::time::sleep(delay.min(deadline - now)).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
                other => return other,
            }
        }
    }
}

/// A delete's result, where `gone` says the resource no longer exists: deleting what is already
/// gone succeeds (deletes are idempotent).
pub fn deleted<T>(result: Result<T>, gone: impl Fn(&Error) -> bool) -> Result<()> {
    match result {
        Err(e) if gone(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// A read's result, where `gone` says the resource no longer exists: `None` then.
pub fn found<T>(result: Result<T>, gone: impl Fn(&Error) -> bool) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if gone(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

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

/// The program's inputs under validation. Getters look through secrets and output values, record
/// a failure for a value of the wrong type, and report unknowns as `Field::Unknown` so that
/// preview can validate what is known.
pub struct Checker<'a> {
    pub news: PropertyMap,
    pub olds: &'a PropertyMap,
    /// The resource's name in the program (autonaming starts from it).
    pub name: &'a str,
    pub random_seed: &'a [u8],
    pub failures: Vec<Failure>,
}

impl<'a> Checker<'a> {
    pub fn new(news: PropertyMap, olds: &'a PropertyMap, name: &'a str, random_seed: &'a [u8]) -> Checker<'a> {
        Checker { news, olds, name, random_seed, failures: Vec::new() }
    }

    pub fn fail(&mut self, property: &str, reason: impl Into<String>) {
        self.failures.push(Failure { property: property.into(), reason: reason.into() });
    }

    fn plain(&self, key: &str) -> Field<Value> {
        match self.news.get(key).map(Value::unwrap_plain) {
            None | Some(Value::Null) => Field::Absent,
            Some(v) if v.contains_unknowns() => Field::Unknown,
            Some(v) => Field::Known(v),
        }
    }

    /// Sets `key` to `value` when the program left it out.
    pub fn default(&mut self, key: &str, value: Value) {
        if matches!(self.news.get(key), None | Some(Value::Null)) {
            self.news.insert(key.to_string(), value);
        }
    }

    pub fn string(&mut self, key: &str) -> Field<String> {
        match self.plain(key) {
            Field::Known(Value::String(s)) => Field::Known(s),
            Field::Known(other) => {
                self.fail(key, format!("must be a string, not {}", describe(&other)));
                Field::Unknown
            }
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        }
    }

    /// A required string: absent is a failure that says what to give (`hint`).
    pub fn required_string(&mut self, key: &str, hint: &str) -> Field<String> {
        let f = self.string(key);
        if f == Field::Absent {
            self.fail(key, format!("is required: give {hint}"));
        }
        f
    }

    pub fn bool(&mut self, key: &str) -> Field<bool> {
        match self.plain(key) {
            Field::Known(Value::Bool(b)) => Field::Known(b),
            Field::Known(Value::String(s)) if s == "true" || s == "false" => {
                self.news.insert(key.to_string(), Value::Bool(s == "true"));
                Field::Known(s == "true")
            }
            Field::Known(other) => {
                self.fail(key, format!("must be true or false, not {}", describe(&other)));
                Field::Unknown
            }
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        }
    }

    pub fn integer(&mut self, key: &str) -> Field<i64> {
        match self.plain(key) {
            Field::Known(Value::Number(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => Field::Known(n as i64),
            Field::Known(Value::String(s)) if s.trim().parse::<i64>().is_ok() => {
                let n = s.trim().parse::<i64>().unwrap_or_default();
                self.news.insert(key.to_string(), Value::Number(n as f64));
                Field::Known(n)
            }
            Field::Known(other) => {
                self.fail(key, format!("must be a whole number, not {}", describe(&other)));
                Field::Unknown
            }
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        }
    }

    /// An integer in `min..=max`, defaulting to `default`.
    pub fn integer_in(&mut self, key: &str, min: i64, max: i64, default: Option<i64>) -> Field<i64> {
        if let Some(d) = default {
            self.default(key, Value::Number(d as f64));
        }
        let f = self.integer(key);
        if let Field::Known(n) = f {
            if n < min || n > max {
                self.fail(key, format!("must be between {min} and {max}, not {n}"));
            }
        }
        f
    }

    /// A map of strings (tags). Absent becomes `{}` so that diffs compare like with like.
    pub fn string_map(&mut self, key: &str) -> Field<BTreeMap<String, String>> {
        self.default(key, Value::Object(PropertyMap::new()));
        match self.news.get(key).cloned() {
            Some(Value::Object(map)) => {
                let mut out = BTreeMap::new();
                let mut unknown = false;
                for (k, v) in map {
                    match v.unwrap_plain() {
                        Value::String(s) => {
                            out.insert(k, s);
                        }
                        v if v.contains_unknowns() => unknown = true,
                        other => self.fail(key, format!("value of {k:?} must be a string, not {}", describe(&other))),
                    }
                }
                if unknown {
                    Field::Unknown
                } else {
                    Field::Known(out)
                }
            }
            Some(v) => match v.unwrap_plain() {
                v if v.contains_unknowns() => Field::Unknown,
                Value::Object(_) => {
                    // A secret or output-wrapped map: validate its plain form.
                    let inner = v.unwrap_plain();
                    let saved = self.news.insert(key.to_string(), inner);
                    let f = self.string_map(key);
                    if let Some(saved) = saved {
                        self.news.insert(key.to_string(), saved);
                    }
                    f
                }
                other => {
                    self.fail(key, format!("must be a map of strings, not {}", describe(&other)));
                    Field::Unknown
                }
            },
            None => Field::Absent,
        }
    }

    /// Tags: a map of strings, at most 50, keys 1-128 characters and not starting with `aws:`,
    /// values up to 256 characters.
    pub fn tags(&mut self) -> Field<BTreeMap<String, String>> {
        let f = self.string_map("tags");
        if let Field::Known(tags) = &f {
            let tags = tags.clone();
            if tags.len() > 50 {
                self.fail("tags", format!("has {} tags; AWS allows at most 50", tags.len()));
            }
            for (k, v) in &tags {
                if k.is_empty() || k.chars().count() > 128 {
                    self.fail("tags", format!("tag key {k:?} must be 1 to 128 characters"));
                }
                if k.to_ascii_lowercase().starts_with("aws:") {
                    self.fail("tags", format!("tag key {k:?} starts with `aws:`, which AWS reserves"));
                }
                if v.chars().count() > 256 {
                    self.fail("tags", format!("the value of tag {k:?} is longer than 256 characters"));
                }
            }
        }
        f
    }

    /// A string that must be one of `allowed`.
    pub fn one_of(&mut self, key: &str, allowed: &[&str], default: Option<&str>) -> Field<String> {
        if let Some(d) = default {
            self.default(key, Value::str(d));
        }
        let f = self.string(key);
        if let Field::Known(s) = &f {
            if !allowed.contains(&s.as_str()) {
                self.fail(key, format!("must be one of {}, not {s:?}", allowed.join(", ")));
            }
        }
        f
    }

    /// A list of strings (ids, CIDRs). Absent becomes `[]`.
    pub fn string_list(&mut self, key: &str) -> Field<Vec<String>> {
        self.default(key, Value::Array(Vec::new()));
        match self.plain(key) {
            Field::Known(Value::Array(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) => out.push(s),
                        other => {
                            self.fail(key, format!("must be a list of strings; found {}", describe(&other)));
                            return Field::Unknown;
                        }
                    }
                }
                Field::Known(out)
            }
            Field::Known(other) => {
                self.fail(key, format!("must be a list of strings, not {}", describe(&other)));
                Field::Unknown
            }
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        }
    }

    /// The list of objects under `key` (each as its plain property map), or `None` when unknown.
    pub fn object_list(&mut self, key: &str) -> Option<Vec<PropertyMap>> {
        self.default(key, Value::Array(Vec::new()));
        match self.news.get(key).map(Value::unwrap_plain) {
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::Object(map) => out.push(map),
                        v if v.contains_unknowns() => return None,
                        other => {
                            self.fail(key, format!("item {i} must be an object, not {}", describe(&other)));
                            return None;
                        }
                    }
                }
                Some(out)
            }
            Some(v) if v.contains_unknowns() => None,
            Some(other) => {
                self.fail(key, format!("must be a list of objects, not {}", describe(&other)));
                None
            }
            None => Some(Vec::new()),
        }
    }

    /// Names the resource when the program gave neither `key` nor `prefix_key`: the old name when
    /// there is one (so an update never renames), else `<prefix or resource name>-<7 hex>` from
    /// the engine's random seed. `max_len` bounds the whole name.
    pub fn autoname(&mut self, key: &str, prefix_key: &str, max_len: usize) -> Field<String> {
        let default_prefix = format!("{}-", self.name);
        self.autoname_from(key, prefix_key, max_len, &default_prefix)
    }

    /// `autoname` with the prefix used when the program gives no `prefix_key`.
    pub fn autoname_from(
        &mut self,
        key: &str,
        prefix_key: &str,
        max_len: usize,
        default_prefix: &str,
    ) -> Field<String> {
        match self.string(key) {
            Field::Absent => {}
            other => return other,
        }
        let prefix = match self.string(prefix_key) {
            Field::Known(p) => p,
            Field::Absent => default_prefix.to_string(),
            Field::Unknown => {
                self.news.insert(key.to_string(), Value::Unknown(crate::value::Unknown::Any));
                return Field::Unknown;
            }
        };
        if let Some(Value::String(old)) = self.olds.get(key).map(Value::unwrap_plain) {
            if old.starts_with(&prefix) {
                self.news.insert(key.to_string(), Value::str(&old));
                return Field::Known(old);
            }
        }
        let suffix = random_hex(self.random_seed, 7);
        let keep = max_len.saturating_sub(suffix.len());
        let prefix: String = prefix.chars().take(keep).collect();
        let name = format!("{prefix}{suffix}");
        self.news.insert(key.to_string(), Value::str(&name));
        Field::Known(name)
    }

    /// An IPv4 CIDR block whose prefix is within `min..=max`.
    pub fn cidr(&mut self, key: &str, min: u8, max: u8, required: bool) -> Field<validate::Cidr> {
        let hint = format!("an IPv4 block from /{min} to /{max}, such as 10.0.0.0/{min}");
        let f = if required { self.required_string(key, &hint) } else { self.string(key) };
        match f {
            Field::Known(s) => match validate::cidr(&s, min, max) {
                Ok(c) => Field::Known(c),
                Err(reason) => {
                    self.fail(key, reason);
                    Field::Unknown
                }
            },
            Field::Absent => Field::Absent,
            Field::Unknown => Field::Unknown,
        }
    }
}

/// `len` hex digits from the engine's random seed (or fresh randomness when there is none).
pub fn random_hex(seed: &[u8], len: usize) -> String {
    let bytes: Vec<u8> = if seed.is_empty() { (0..len).map(|_| rand::random::<u8>()).collect() } else { seed.to_vec() };
    bytes.iter().map(|b| format!("{b:02x}")).collect::<String>().chars().take(len).collect()
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
        _ => "a special value".into(),
    }
}

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
}

impl DiffOutcome {
    pub fn replaces(&self) -> Vec<String> {
        self.changes.iter().filter(|(_, (_, r))| *r).map(|(k, _)| k.clone()).collect()
    }
}

/// The erased resource the provider dispatches to: property maps in, property maps out.
#[async_trait]
pub trait DynResource: Send + Sync {
    fn token(&self) -> &'static str;
    fn regional(&self) -> bool;
    fn delete_before_replace(&self) -> bool;
    fn check(
        &self,
        olds: &PropertyMap,
        news: PropertyMap,
        name: &str,
        seed: &[u8],
        default_region: Option<&str>,
    ) -> (PropertyMap, Vec<Failure>);
    fn diff(&self, olds: &PropertyMap, news: &PropertyMap, ignore_changes: &[String]) -> DiffOutcome;
    async fn create(&self, ctx: &Ctx, inputs: &PropertyMap) -> Result<(String, PropertyMap)>;
    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<PropertyMap>>;
    async fn update(&self, ctx: &Ctx, id: &str, olds: &PropertyMap, news: &PropertyMap) -> Result<PropertyMap>;
    async fn delete(&self, ctx: &Ctx, id: &str, olds: &PropertyMap) -> Result<()>;
}

/// Plain JSON of a property map (secrets and output wrappers removed, references read as ids).
pub fn to_json(map: &PropertyMap) -> serde_json::Value {
    serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.unwrap_plain().to_json())).collect())
}

fn from_json_object(json: serde_json::Value) -> PropertyMap {
    match Value::from_json(&json) {
        Value::Object(map) => map.into_iter().filter(|(_, v)| *v != Value::Null).collect(),
        _ => PropertyMap::new(),
    }
}

fn typed<T: DeserializeOwned>(token: &str, what: &str, map: &PropertyMap) -> Result<T> {
    serde_json::from_value(to_json(map)).map_err(|e| Error::InvalidRequest(format!("{token} {what}: {e}")))
}

fn untyped<T: Serialize>(v: &T) -> Result<PropertyMap> {
    serde_json::to_value(v).map(from_json_object).map_err(|e| Error::Internal(e.to_string()))
}

#[async_trait]
impl<R: Resource> DynResource for R {
    fn token(&self) -> &'static str {
        R::TOKEN
    }

    fn regional(&self) -> bool {
        R::REGIONAL
    }

    fn delete_before_replace(&self) -> bool {
        R::DELETE_BEFORE_REPLACE
    }

    fn check(
        &self,
        olds: &PropertyMap,
        news: PropertyMap,
        name: &str,
        seed: &[u8],
        default_region: Option<&str>,
    ) -> (PropertyMap, Vec<Failure>) {
        let mut c = Checker::new(news, olds, name, seed);
        if R::REGIONAL {
            if let Some(region) = default_region {
                c.default("region", Value::str(region));
            }
            match c.string("region") {
                Field::Known(r) => {
                    if let Err(reason) = validate::region(&r) {
                        c.fail("region", reason);
                    }
                }
                Field::Absent => c.fail(
                    "region",
                    "no region: set this resource's `region` or the provider's (pulumi config set tap:region us-east-1)",
                ),
                Field::Unknown => {}
            }
        }
        self.check(&mut c);
        (c.news, c.failures)
    }

    fn diff(&self, olds: &PropertyMap, news: &PropertyMap, ignore_changes: &[String]) -> DiffOutcome {
        let mut out = DiffOutcome::default();
        let keys = schema::input_keys(R::TOKEN);
        for key in keys.iter().map(String::as_str).chain(news.keys().map(String::as_str)) {
            if ignore_changes.iter().any(|i| i == key) || out.changes.contains_key(key) {
                continue;
            }
            let old = olds.get(key).map(Value::unwrap_plain).filter(|v| *v != Value::Null);
            let new = news.get(key).map(Value::unwrap_plain).filter(|v| *v != Value::Null);
            let change = match (&old, &new) {
                (None, None) => continue,
                (Some(_), None) if R::AWS_DEFAULTS.contains(&key) => continue,
                (None, Some(_)) => Change::Add,
                (Some(_), None) => Change::Delete,
                (Some(o), Some(n)) => {
                    if !n.contains_unknowns() && self.normalize(key, o.to_json()) == self.normalize(key, n.to_json()) {
                        continue;
                    }
                    Change::Update
                }
            };
            let replaces = R::REPLACE_ON.contains(&key) || (R::REGIONAL && key == "region");
            out.changes.insert(key.to_string(), (change, replaces));
        }
        out
    }

    async fn create(&self, ctx: &Ctx, inputs: &PropertyMap) -> Result<(String, PropertyMap)> {
        let inputs = typed::<R::Inputs>(R::TOKEN, "inputs", inputs)?;
        let (id, outputs) = Resource::create(self, ctx, inputs).await?;
        Ok((id, untyped(&outputs)?))
    }

    async fn read(&self, ctx: &Ctx, id: &str) -> Result<Option<PropertyMap>> {
        match Resource::read(self, ctx, id).await? {
            Some(outputs) => Ok(Some(untyped(&outputs)?)),
            None => Ok(None),
        }
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: &PropertyMap, news: &PropertyMap) -> Result<PropertyMap> {
        let olds = typed::<R::Outputs>(R::TOKEN, "state", olds)?;
        let news = typed::<R::Inputs>(R::TOKEN, "inputs", news)?;
        untyped(&Resource::update(self, ctx, id, olds, news).await?)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: &PropertyMap) -> Result<()> {
        let olds = typed::<R::Outputs>(R::TOKEN, "state", olds)?;
        Resource::delete(self, ctx, id, olds).await
    }
}
