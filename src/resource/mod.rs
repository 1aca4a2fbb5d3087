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

    /// Whether the resource carries tap's marker (a tag, or for an alias a tag on its key), so
    /// that an earlier attempt's resource is found again and the state records it.
    const MARKED: bool = true;

    /// Replace-on inputs that an earlier attempt's resource may have with another value: names
    /// generated from the engine's random seed, which is new on every run (only where both are
    /// such names, of the same prefix).
    const RENAMED: &'static [&'static str] = &[];

    /// What the program gives; the struct's doc comment is the resource's description.
    type Inputs: Declared + DeserializeOwned + Serialize + Clone + Send + Sync;
    /// The state: the inputs as AWS reports them now (flattened in), plus what AWS computes.
    type State: Declared + DeserializeOwned + Serialize + Clone + Send + Sync;

    /// The resource's own rules, after the declarations were applied. Pure: no AWS call.
    fn check(&self, _c: &mut Checker<'_>) {}

    /// Whether replacing `olds` with `news` must delete the old one first, because AWS cannot
    /// hold both at once (the same name, the same CIDR in the VPC, one per bucket, …). `name` is
    /// the resource's name in the program (an autoname starts from it, and a replacement gets a
    /// new one).
    fn replace_conflicts(&self, _name: &str, _olds: &Self::State, _news: &Self::Inputs) -> bool {
        false
    }

    /// The resource an earlier attempt made for this URN (a lost answer, a killed run), found by
    /// tap's marker (`ctx.marker()`) and never one of `ctx.seen` (the resource a replacement
    /// replaces). `fresh`: the attempt may be seconds old, so cached indexes must not be used.
    async fn find(&self, _ctx: &Ctx, _inputs: &Self::Inputs, _fresh: bool) -> Result<Option<Created<Self::State>>> {
        Ok(None)
    }

    /// The one AWS call that makes the resource, with tap's marker, and what is known of it then.
    /// The call is sent without the SDK's own retries unless AWS deduplicates it: the framework
    /// looks for what it made (`find`) before sending it again.
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

    /// Adds tap's marker to a resource that lacks it (imported, or made by tap 0.1.0).
    async fn mark(&self, _ctx: &Ctx, _id: &str, _state: &Self::State) -> Result<()> {
        Ok(())
    }
}

/// The tag that marks a resource as tap's for one URN of one stack; its value is the SHA-256
/// of the provider instance's id and the URN (`marker_of`).
pub const MARKER_TAG: &str = "tap:urn";

/// The state key recording which marker the resource carries in AWS: the digest, `""` when it
/// is not marked yet (imported: marked on its next update); absent in state written by tap 0.1.0
/// (marked on the next up).
pub const MARKER_KEY: &str = "__tapMarker";

/// The marker of `urn` under the provider instance `provider` (its id, a UUID the engine keeps
/// for the life of the stack). The URN alone would not do: two stacks of the same name and
/// project (two people's `dev`) in one account have the same URNs. A digest, since a URN may be
/// longer than a tag value may be.
pub fn marker_of(provider: &str, urn: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, format!("{provider}\n{urn}").as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
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
    marker: String,
    /// Whether a create call is in flight (cancellation waits for it: its result is recorded).
    creating: std::sync::atomic::AtomicBool,
    /// Ids this process has seen for the URN (in Diff, Read, Update, Delete): never adopted.
    seen: Vec<String>,
    cancel: Option<tokio::sync::watch::Receiver<bool>>,
}

impl Ctx {
    pub fn new(clients: Arc<Clients>, urn: String, logger: Logger, timeout: Duration) -> Ctx {
        Ctx {
            marker: marker_of(&clients.provider, &urn),
            clients,
            urn,
            logger,
            deadline: Instant::now() + timeout,
            created: Mutex::new(None),
            creating: std::sync::atomic::AtomicBool::new(false),
            seen: Vec::new(),
            cancel: None,
        }
    }

    /// The ids of this URN a create must not adopt.
    pub fn with_seen(mut self, seen: Vec<String>) -> Ctx {
        self.seen = seen;
        self
    }

    /// Cancellation: the operation stops at its next safe point (never inside an AWS call).
    pub fn with_cancel(mut self, cancel: tokio::sync::watch::Receiver<bool>) -> Ctx {
        self.cancel = Some(cancel);
        self
    }

    /// tap's marker for this URN (the value of `MARKER_TAG`).
    pub fn marker(&self) -> &str {
        &self.marker
    }

    /// Whether `id` is one this process already knows for the URN (the resource a replacement
    /// replaces): such a resource is never adopted as an earlier attempt's.
    pub fn is_seen(&self, id: &str) -> bool {
        self.seen.iter().any(|s| s == id)
    }

    /// The user's tags plus tap's marker: what a create sends.
    pub fn marked(&self, tags: &crate::resources::tags::Tags) -> crate::resources::tags::Tags {
        let mut all = tags.clone();
        all.insert(MARKER_TAG.to_string(), self.marker.clone());
        all
    }

    /// Whether a create call is in flight now.
    pub fn creating(&self) -> bool {
        self.creating.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| *c.borrow())
    }

    /// A safe point: fails with `Cancelled` once the engine asked to cancel.
    pub fn checkpoint(&self) -> Result<()> {
        if self.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Sleeps `delay` (not past the deadline), waking early, with `Cancelled`, on cancellation.
    async fn pause(&self, delay: Duration) -> Result<()> {
        let delay = delay.min(self.deadline.saturating_duration_since(Instant::now()));
        match self.cancel.clone() {
            Some(mut cancel) => tokio::select! {
                _ = tokio::time::sleep(delay) => Ok(()),
                _ = cancel.wait_for(|c| *c) => Err(Error::Cancelled),
            },
            None => {
                tokio::time::sleep(delay).await;
                Ok(())
            }
        }
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
            self.pause(delays.next().unwrap_or(Duration::from_secs(5))).await?;
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
                    self.pause(delay.min(deadline - now)).await?;
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
    /// `outputs` recording that the resource carries `marker` (for resources that carry one).
    fn marked(&self, outputs: PropertyMap, marker: &str) -> PropertyMap;
    fn description(&self) -> &'static str;
    fn input_fields(&self) -> Vec<FieldSpec>;
    fn state_fields(&self) -> Vec<FieldSpec>;
    /// `check_named` with no autonaming configuration (the unit tests' way in).
    #[cfg(test)]
    fn check(
        &self,
        olds: &PropertyMap,
        news: PropertyMap,
        name: &str,
        seed: &[u8],
        default_region: Option<&str>,
    ) -> (PropertyMap, Vec<Failure>) {
        self.check_named(olds, news, name, seed, default_region, None)
    }
    /// `check`, under the stack's autonaming configuration (when the engine sends one).
    fn check_named(
        &self,
        olds: &PropertyMap,
        news: PropertyMap,
        name: &str,
        seed: &[u8],
        default_region: Option<&str>,
        autonaming: Option<check::Autonaming>,
    ) -> (PropertyMap, Vec<Failure>);
    /// `marker`: the resource's marker (`marker_of`), to see state that lacks it; `old_inputs`:
    /// what Check returned last time (empty when the engine does not say).
    fn diff(
        &self,
        marker: &str,
        name: &str,
        olds: &PropertyMap,
        old_inputs: &PropertyMap,
        news: &PropertyMap,
        ignore_changes: &[String],
    ) -> DiffOutcome;
    async fn create(&self, ctx: &Ctx, inputs: &PropertyMap) -> Result<(String, PropertyMap)>;
    async fn read(&self, ctx: &Ctx, id: &str, prior: &PropertyMap) -> Result<Option<PropertyMap>>;
    async fn update(&self, ctx: &Ctx, id: &str, olds: &PropertyMap, news: &PropertyMap) -> Result<PropertyMap>;
    async fn delete(&self, ctx: &Ctx, id: &str, olds: &PropertyMap) -> Result<()>;
}

/// Makes the resource: adopting what an earlier attempt made, or sending the create call
/// (again after a transient failure, but only once no earlier attempt's resource is found).
/// Returns whether it was adopted.
async fn create_once<R: Resource>(r: &R, ctx: &Ctx, inputs: &R::Inputs) -> Result<(Created<R::State>, bool)> {
    if let Some(found) = adoptable(r, ctx, inputs, false).await? {
        return Ok((found, true));
    }
    let mut attempts = 0;
    let mut delays = ctx.delays(crate::aws::first_backoff(), crate::aws::MAX_BACKOFF);
    loop {
        ctx.checkpoint()?;
        ctx.creating.store(true, std::sync::atomic::Ordering::SeqCst);
        let result = r.create(ctx, inputs).await;
        ctx.creating.store(false, std::sync::atomic::Ordering::SeqCst);
        match result {
            Ok(created) => return Ok((created, false)),
            Err(e) if e.is_transient() && attempts < ctx.clients.retries && Instant::now() < ctx.deadline => {
                attempts += 1;
                // Unless throttled, AWS may have carried it out before the answer was lost.
                if !e.is_throttled() {
                    if let Some(found) = adoptable(r, ctx, inputs, true).await? {
                        return Ok((found, true));
                    }
                }
                ctx.progress(format!("{e}; trying again"));
                ctx.pause(delays.next().unwrap_or(crate::aws::MAX_BACKOFF)).await?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// An earlier attempt's resource, unless a replace-on input differs (then it is not this create's,
/// whatever its marker says). Names a resource generates anew on every run (`R::RENAMED`) may.
async fn adoptable<R: Resource>(
    r: &R,
    ctx: &Ctx,
    inputs: &R::Inputs,
    fresh: bool,
) -> Result<Option<Created<R::State>>> {
    let Some(found) = r.find(ctx, inputs, fresh).await? else { return Ok(None) };
    let outcome = diff::diff(&R::Inputs::fields(), &untyped(&found.state)?, &untyped(inputs)?, &[]);
    let (state, wanted) = (untyped(&found.state)?, untyped(inputs)?);
    let regenerated = |k: &str| {
        let stem = |m: &PropertyMap| match m.get(k).map(Value::unwrap_plain) {
            Some(Value::String(v)) => check::autoname_stem(&v).map(str::to_string),
            _ => None,
        };
        R::RENAMED.contains(&k) && stem(&state).is_some() && stem(&state) == stem(&wanted)
    };
    let differs: Vec<String> = outcome.replaces().into_iter().filter(|k| !regenerated(k)).collect();
    if differs.is_empty() {
        Ok(Some(found))
    } else {
        tracing::warn!(urn = %ctx.urn, id = %found.id, ?differs, "a marked resource differs in replace-on inputs; not adopted");
        Ok(None)
    }
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

    fn marked(&self, mut outputs: PropertyMap, marker: &str) -> PropertyMap {
        if R::MARKED {
            outputs.insert(MARKER_KEY.into(), Value::str(marker));
        }
        outputs
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

    fn check_named(
        &self,
        olds: &PropertyMap,
        news: PropertyMap,
        name: &str,
        seed: &[u8],
        default_region: Option<&str>,
        autonaming: Option<check::Autonaming>,
    ) -> (PropertyMap, Vec<Failure>) {
        let mut c = Checker::new(news, olds, name, seed).with_autonaming(autonaming);
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

    fn diff(
        &self,
        marker: &str,
        name: &str,
        olds: &PropertyMap,
        old_inputs: &PropertyMap,
        news: &PropertyMap,
        ignore_changes: &[String],
    ) -> DiffOutcome {
        let mut out = diff::diff(&R::Inputs::fields(), olds, news, ignore_changes);
        // A resource adopted from an interrupted run keeps the name that run generated, while
        // the inputs keep the one Check generated in the run that adopted it (and Check keeps
        // it since): that is no change of name.
        for key in R::RENAMED {
            if old_inputs.get(*key).is_some() && old_inputs.get(*key) == news.get(*key) {
                out.changes.remove(*key);
            }
        }
        // State from tap 0.1.0 (no marker) or for another URN (renamed): the tags change.
        let recorded = olds.get(MARKER_KEY);
        let stale = recorded.is_none() || recorded.is_some_and(|m| *m != Value::str("") && *m != Value::str(marker));
        if R::MARKED && stale && !out.changes.contains_key("tags") {
            out.changes.insert("tags".into(), (Change::Update, false));
        }
        if let (Ok(olds), Ok(news)) =
            (typed::<R::State>(R::TOKEN, "state", olds), typed::<R::Inputs>(R::TOKEN, "inputs", news))
        {
            out.delete_before_replace = R::DELETE_BEFORE_REPLACE || self.replace_conflicts(name, &olds, &news);
        }
        out
    }

    async fn create(&self, ctx: &Ctx, inputs: &PropertyMap) -> Result<(String, PropertyMap)> {
        let inputs = typed::<R::Inputs>(R::TOKEN, "inputs", inputs)?;
        let (Created { id, mut state }, adopted) = create_once(self, ctx, &inputs).await?;
        let id = id_from("the create call", Some(&id))?;
        ctx.record(&id, &state);
        let rest = match ctx.checkpoint() {
            Err(e) => Err(e),
            Ok(()) if adopted => {
                ctx.progress(format!("{id} was made by an earlier attempt: bringing it to the inputs"));
                match Resource::update(self, ctx, &id, state.clone(), inputs.clone()).await {
                    // Marked again: an S3 that ignores tags at creation (moto) may not have it.
                    Ok(s) => Resource::mark(self, ctx, &id, &s).await.map(|()| state = s),
                    Err(e) => Err(e),
                }
            }
            Ok(()) => Resource::finish(self, ctx, &id, &inputs, &mut state).await,
        };
        let outputs = self.marked(untyped(&state)?, ctx.marker());
        match rest {
            Ok(()) => Ok((id, outputs)),
            Err(e) => Err(Error::PartialCreate { id, outputs, inputs: None, message: e.to_string() }),
        }
    }

    async fn read(&self, ctx: &Ctx, id: &str, prior: &PropertyMap) -> Result<Option<PropertyMap>> {
        let typed_prior = if prior.is_empty() {
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
        let Some(state) = Resource::read(self, ctx, id, typed_prior).await? else { return Ok(None) };
        // Refresh keeps what the state says of the marker; an import has not marked it yet.
        let marker = match prior.get(MARKER_KEY) {
            Some(Value::String(m)) => m.clone(),
            _ if prior.is_empty() => String::new(),
            _ => return Ok(Some(untyped(&state)?)),
        };
        Ok(Some(self.marked(untyped(&state)?, &marker)))
    }

    async fn update(&self, ctx: &Ctx, id: &str, olds: &PropertyMap, news: &PropertyMap) -> Result<PropertyMap> {
        let unmarked = R::MARKED && olds.get(MARKER_KEY) != Some(&Value::str(ctx.marker()));
        let olds = typed::<R::State>(R::TOKEN, "state", olds)?;
        let news = typed::<R::Inputs>(R::TOKEN, "inputs", news)?;
        let state = Resource::update(self, ctx, id, olds, news).await?;
        if unmarked {
            Resource::mark(self, ctx, id, &state).await?;
        }
        Ok(self.marked(untyped(&state)?, ctx.marker()))
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
