//! The resource seam: the typed trait every resource file implements, and the erased form the
//! provider dispatches to. Resource code sees typed inputs and state only; wire values, region
//! defaults, the declared check and diff, and "a created id is never lost" live here, once.

pub mod check;
pub mod diff;
pub mod fields;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use backon::BackoffBuilder;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

pub use check::{Checker, Failure, Field};
pub use diff::{Change, DiffOutcome};
use fields::{Declared, FieldSpec};

use crate::aws::Clients;
use crate::error::{Error, Result};
use crate::log::Logger;
use crate::validate;
use crate::value::{PropertyMap, Value};

/// One AWS resource type.
///
/// Creating is two steps so that recording cannot be skipped: `create` makes the one AWS call
/// that brings the resource into being and returns its id at once; the framework records it, and
/// any failure of `finish` (waits, attributes, rules) becomes a partial creation with that id.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The Pulumi type token, e.g. `tap:ec2:Vpc`.
    const TOKEN: &'static str;
    /// Whether the resource lives in a region (its inputs then declare `#[field(region)]`).
    const REGIONAL: bool = true;
    /// Whether a replacement must delete the old resource first (its name is unique).
    const DELETE_BEFORE_REPLACE: bool = false;

    /// What the program gives; the struct's doc comment is the resource's description.
    type Inputs: Declared + DeserializeOwned + Serialize + Send + Sync;
    /// The state: the inputs as AWS reports them now (flattened in), plus what AWS computes.
    type State: Declared + DeserializeOwned + Serialize + Send + Sync;

    /// The resource's own rules, after the declarations were applied. Pure: no AWS call.
    fn check(&self, _c: &mut Checker<'_>) {}

    /// The one AWS call that makes the resource, and what is known of it then.
    async fn create(&self, ctx: &Ctx, inputs: &Self::Inputs) -> Result<Created<Self::State>>;

    /// Everything after that call (waits, attributes, rules), updating `state` as it goes.
    async fn finish(&self, _ctx: &Ctx, _id: &str, _inputs: &Self::Inputs, _state: &mut Self::State) -> Result<()> {
        Ok(())
    }

    /// The resource's current state, or `None` when it no longer exists. `prior` is the last
    /// recorded state (`None` on import).
    async fn read(&self, ctx: &Ctx, id: &str, prior: Option<Self::State>) -> Result<Option<Self::State>>;

    async fn update(&self, ctx: &Ctx, id: &str, olds: Self::State, news: Self::Inputs) -> Result<Self::State>;

    /// Idempotent: a resource that is already gone is deleted.
    async fn delete(&self, ctx: &Ctx, id: &str, olds: Self::State) -> Result<()>;
}

/// A resource AWS has just made: its id and its state so far.
pub struct Created<S> {
    pub id: String,
    pub state: S,
}

/// The id in AWS's answer to `operation`; an answer without one is an error.
pub fn id_from(operation: &'static str, id: Option<&str>) -> Result<String> {
    match id {
        Some(id) if !id.is_empty() => Ok(id.to_string()),
        _ => Err(Error::Internal(format!(
            "{operation} succeeded but AWS's answer carried no id, so tap cannot track what it made; \
             look for it in the AWS console and import it"
        ))),
    }
}

/// Re-reads after an update: a resource that vanished meanwhile is an error that says so.
pub fn still_there<T>(what: &str, id: &str, found: Option<T>) -> Result<T> {
    found.ok_or_else(|| Error::Internal(format!("{what} {id} vanished during the update; run pulumi refresh")))
}

/// What a resource's work needs: its region's clients, a place to report progress, its deadline,
/// and the cell where a created id is recorded before anything else can fail.
pub struct Ctx {
    pub clients: Arc<Clients>,
    pub urn: String,
    logger: Logger,
    deadline: Instant,
    created: Mutex<Option<(String, serde_json::Value)>>,
}

impl Ctx {
    pub fn new(clients: Arc<Clients>, urn: String, logger: Logger, timeout: Duration) -> Ctx {
        Ctx { clients, urn, logger, deadline: Instant::now() + timeout, created: Mutex::new(None) }
    }

    pub fn region(&self) -> &str {
        &self.clients.region
    }

    /// A user-facing status line on the resource's row (transient).
    pub fn progress(&self, message: impl Into<String>) {
        self.logger.status(&self.urn, message.into());
    }

    fn record<S: Serialize>(&self, id: &str, state: &S) {
        let json = serde_json::to_value(state).unwrap_or(serde_json::Value::Null);
        *self.created.lock().unwrap_or_else(|p| p.into_inner()) = Some((id.to_string(), json));
    }

    /// The id and state recorded by a create that did not finish (cancelled or timed out).
    pub fn take_created(&self) -> Option<(String, serde_json::Value)> {
        self.created.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn delays(&self, first: Duration, max: Duration) -> impl Iterator<Item = Duration> {
        backon::ExponentialBuilder::default()
            .with_min_delay(first)
            .with_max_delay(max)
            .with_factor(2.0)
            .without_max_times()
            .build()
    }

    /// Polls `probe` until it yields a value, backing off up to 5 s between attempts, until the
    /// deadline. Used for "wait until usable" and for eventual consistency.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut probe: F) -> Result<T>
    where
        F: FnMut() -> Fut + Send,
        Fut: Future<Output = Result<Option<T>>> + Send,
        T: Send,
    {
        let started = Instant::now();
        let mut delays = self.delays(Duration::from_millis(100), Duration::from_secs(5));
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
            let delay = delays.next().unwrap_or(Duration::from_secs(5));
            tokio::time::sleep(delay.min(self.deadline - now)).await;
        }
    }

    /// Runs `op` again while it fails with an error `retryable` accepts (a dependency still being
    /// torn down, an IAM principal not yet visible), with backoff, until the deadline; then fails
    /// saying what was awaited and the last error.
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
        let mut delays = self.delays(Duration::from_millis(250), Duration::from_secs(10));
        loop {
            match op().await {
                Err(e) if retryable(&e) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(Error::StillInUse(format!("{what}: still failing when the deadline came: {e}")));
                    }
                    self.progress(format!("{what}: {e}; retrying"));
                    let delay = delays.next().unwrap_or(Duration::from_secs(10));
                    tokio::time::sleep(delay.min(deadline - now)).await;
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

/// The erased resource the provider dispatches to: property maps in, property maps out.
#[async_trait]
pub trait DynResource: Send + Sync {
    fn token(&self) -> &'static str;
    fn regional(&self) -> bool;
    fn delete_before_replace(&self) -> bool;
    fn description(&self) -> &'static str;
    fn input_fields(&self) -> Vec<FieldSpec>;
    fn state_fields(&self) -> Vec<FieldSpec>;
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
    async fn read(&self, ctx: &Ctx, id: &str, prior: &PropertyMap) -> Result<Option<PropertyMap>>;
    async fn update(&self, ctx: &Ctx, id: &str, olds: &PropertyMap, news: &PropertyMap) -> Result<PropertyMap>;
    async fn delete(&self, ctx: &Ctx, id: &str, olds: &PropertyMap) -> Result<()>;
}

/// Plain JSON of a property map (secrets and output wrappers removed, references read as ids).
pub fn to_json(map: &PropertyMap) -> serde_json::Value {
    serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.unwrap_plain().to_json())).collect())
}

/// A property map from JSON, leaving out nulls (absent optional fields).
pub fn from_json_object(json: &serde_json::Value) -> PropertyMap {
    match Value::from_json(json) {
        Value::Object(map) => map.into_iter().filter(|(_, v)| *v != Value::Null).collect(),
        _ => PropertyMap::new(),
    }
}

fn typed<T: DeserializeOwned>(token: &str, what: &str, map: &PropertyMap) -> Result<T> {
    serde_json::from_value(to_json(map)).map_err(|e| Error::InvalidRequest(format!("{token} {what}: {e}")))
}

fn untyped<T: Serialize>(v: &T) -> Result<PropertyMap> {
    serde_json::to_value(v).map(|j| from_json_object(&j)).map_err(|e| Error::Internal(e.to_string()))
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

    fn description(&self) -> &'static str {
        <R::Inputs as Declared>::DOC
    }

    fn input_fields(&self) -> Vec<FieldSpec> {
        R::Inputs::fields()
    }

    fn state_fields(&self) -> Vec<FieldSpec> {
        R::State::fields()
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
        }
        c.conform(&R::Inputs::fields());
        if R::REGIONAL {
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
        Resource::check(self, &mut c);
        c.finish()
    }

    fn diff(&self, olds: &PropertyMap, news: &PropertyMap, ignore_changes: &[String]) -> DiffOutcome {
        diff::diff(&R::Inputs::fields(), olds, news, ignore_changes)
    }

    async fn create(&self, ctx: &Ctx, inputs: &PropertyMap) -> Result<(String, PropertyMap)> {
        let inputs = typed::<R::Inputs>(R::TOKEN, "inputs", inputs)?;
        let Created { id, mut state } = Resource::create(self, ctx, &inputs).await?;
        let id = id_from("the create call", Some(&id))?;
        ctx.record(&id, &state);
        match Resource::finish(self, ctx, &id, &inputs, &mut state).await {
            Ok(()) => Ok((id, untyped(&state)?)),
            Err(e) => Err(Error::PartialCreate { id, outputs: untyped(&state)?, inputs: None, message: e.to_string() }),
        }
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: &PropertyMap) -> Result<Option<PropertyMap>> {
        let prior = if prior.is_empty() {
            None
        } else {
            match typed::<R::State>(R::TOKEN, "state", prior) {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::warn!(token = R::TOKEN, error = %e, "the recorded state does not parse; reading without it");
                    None
                }
            }
        };
        match Resource::read(self, ctx, id, prior).await? {
            Some(state) => Ok(Some(untyped(&state)?)),
            None => Ok(None),
        }
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: &PropertyMap, news: &PropertyMap) -> Result<PropertyMap> {
        let olds = typed::<R::State>(R::TOKEN, "state", olds)?;
        let news = typed::<R::Inputs>(R::TOKEN, "inputs", news)?;
        untyped(&Resource::update(self, ctx, id, olds, news).await?)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: &PropertyMap) -> Result<()> {
        let olds = typed::<R::State>(R::TOKEN, "state", olds)?;
        Resource::delete(self, ctx, id, olds).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_without_an_id_is_an_error_not_an_empty_id() {
        assert_eq!(id_from("CreateVpc", Some("vpc-1")).expect("id"), "vpc-1");
        for missing in [None, Some("")] {
            let e = id_from("CreateVpc", missing).expect_err("no id");
            assert!(e.to_string().contains("CreateVpc") && e.to_string().contains("no id"), "{e}");
        }
    }
}
