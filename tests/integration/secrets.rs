//! Secrets stay secret: every input of every resource, and of SecureRegion, given as a secret in
//! turn. A valid value is created, updated, refreshed and imported, and after each the recorded
//! inputs and outputs mark it (and every output made from it) secret and hold no plaintext of
//! it; an invalid one fails Check with a message that names the property and not the value; an
//! input that ends up in an id or a resource name is refused as a secret. No engine log line
//! and no line tap's diagnostics write at `trace` holds a secret either.
//!
//! "Plaintext" is a secret string of 4 characters or more that the program did not also give as
//! a plain value somewhere (a tag value that is also the resource's name, an id that is also a
//! prerequisite's output): numbers and flags are checked by their marking only.
//!
//! Pulumi's import takes outputs from Read, which runs before any input is known, so an imported
//! resource's outputs are plain until the next refresh or update marks them from its inputs; the
//! import case checks the inputs it records and the outputs after that refresh.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex};

use tap::value::{PropertyMap, Value};

use crate::harness::engine::{input_errors, Deployment, EngineError, StateResource};
use crate::harness::lifecycle::{Lifecycle, Needs};
use crate::harness::program::s;
use crate::harness::{props, tags, unique, Registration, Rig, ACCOUNT};

fn secret(v: Value) -> Value {
    Value::Secret(Box::new(v))
}

/// Strings outside the secret parts of `v`.
fn plain_strings(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Secret(_) => {}
        Value::Output(o) if o.secret => {}
        Value::Output(o) => o.value.iter().for_each(|v| plain_strings(v, out)),
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| plain_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| plain_strings(v, out)),
        _ => {}
    }
}

/// Strings of 4 characters or more inside the secret parts of `v`.
fn secret_texts(v: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, secret: bool, out: &mut BTreeSet<String>) {
        match v {
            Value::Secret(inner) => walk(inner, true, out),
            Value::Output(o) => o.value.iter().for_each(|inner| walk(inner, secret || o.secret, out)),
            Value::String(s) if secret && s.chars().count() >= 4 => {
                out.insert(s.clone());
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, secret, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, secret, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(v, false, &mut out);
    out
}

/// The plain text a map shows (what `pulumi stack export` would print without `--show-secrets`).
fn shown(map: &PropertyMap) -> String {
    let mut strings = BTreeSet::new();
    map.values().for_each(|v| plain_strings(v, &mut strings));
    strings.into_iter().collect::<Vec<_>>().join("\n")
}

/// Tap's diagnostics as the binary writes them (`tap::diagnostics`), captured at `trace` for
/// this thread (the in-process provider runs on the test's current-thread runtime).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("captured").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        tracing::subscriber::set_default(tap::diagnostics("trace", move || writer.clone()))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("captured")).into_owned()
    }
}

/// What one case saw go wrong.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.0.push(what());
        }
    }

    /// None of `texts` (less those also given in plain), nor a part of one before or after a
    /// `/` (a CIDR's address), shows in `haystack`.
    fn no_plaintext(&mut self, texts: &BTreeSet<String>, allowed: &BTreeSet<String>, haystack: &str, where_: &str) {
        for t in texts.difference(allowed) {
            let parts = t.split('/').filter(|p| p.len() >= 6 && p != t && !allowed.contains(*p));
            for part in std::iter::once(t.as_str()).chain(parts) {
                self.check(!haystack.contains(part), || format!("{where_} shows the secret {part:?} (of {t:?})"));
            }
        }
    }
}

/// The recorded resource under test: `key` and everything made from it secret, no plaintext.
fn verify_state(
    f: &mut Findings,
    when: &str,
    token: &str,
    key: &str,
    r: &StateResource,
    texts: &BTreeSet<String>,
    allowed: &BTreeSet<String>,
) {
    let t = format!("{token} {key} ({when})");
    if let Some(v) = r.inputs.get(key) {
        f.check(v.contains_secrets(), || format!("{t}: the recorded input is not secret: {v:?}"));
    }
    if let Some(v) = r.outputs.get(key) {
        f.check(v.contains_secrets(), || format!("{t}: the output is not secret: {v:?}"));
    }
    for (output, from) in tap::testing::derived_outputs(token) {
        if from.contains(&key) {
            if let Some(v) = r.outputs.get(output) {
                f.check(v.contains_secrets(), || format!("{t}: {output}, made from {key}, is not secret: {v:?}"));
            }
        }
    }
    f.no_plaintext(texts, allowed, &shown(&r.inputs), &format!("{t}: the recorded inputs"));
    f.no_plaintext(texts, allowed, &shown(&r.outputs), &format!("{t}: the outputs"));
}

/// The inputs of `step` of `l`, with its prerequisites registered in `d`.
async fn inputs_of(l: &Lifecycle, step: usize, d: Deployment, name: &str) -> (Deployment, Needs, PropertyMap) {
    let (d, needs) = match l.setup {
        Some(setup) => setup(d, name.to_string()).await,
        None => (d, Needs::new()),
    };
    let inputs = (l.steps[step].inputs)(&needs, name);
    (d, needs, inputs)
}

/// A value of the wrong shape for `v`, carrying `text`.
fn wrong_shape(v: &Value, text: &str) -> Value {
    match v.unwrap_plain() {
        Value::String(_) => Value::Array(vec![Value::str(text)]),
        _ => Value::str(text),
    }
}

/// Each input of `l`'s first step as a secret in turn, then as an invalid secret.
async fn each_input_secret(make: fn() -> Lifecycle) -> Vec<String> {
    let l = make();
    let token = l.token;
    let (rig, _moto) = crate::harness::lifecycle::rig_for(&l).await;
    let identity = tap::testing::identity_inputs(token);
    let mut f = Findings::default();
    let keys: Vec<String> = {
        let d = rig.engine.run(true).await;
        let (d, _, inputs) = inputs_of(&l, 0, d, &unique("keys")).await;
        d.finish().await.expect("finish");
        let mut keys: Vec<String> = inputs.keys().cloned().collect();
        // A regional resource's region, which the lifecycles leave to the provider.
        let regional = tap::testing::derived_outputs(token).iter().any(|(_, from)| from.contains(&"region"));
        if regional && !keys.iter().any(|k| k == "region") {
            keys.push("region".into());
        }
        keys
    };
    for key in &keys {
        let name = unique(&format!("sec-{}", token.rsplit(':').next().unwrap_or("r").to_lowercase()));
        let d = rig.engine.run(false).await;
        let (d, needs, mut inputs) = inputs_of(&l, 0, d, &name).await;
        let given = inputs.get(key).cloned().unwrap_or_else(|| s(l.region));
        inputs.insert(key.clone(), secret(given.unwrap_plain()));
        let texts = secret_texts(&inputs[key]);
        // What the program (or a prerequisite) shows in plain anyway.
        let mut allowed: BTreeSet<String> = BTreeSet::new();
        inputs.iter().filter(|(k, _)| *k != key).for_each(|(_, v)| plain_strings(v, &mut allowed));
        for r in needs.values() {
            allowed.insert(r.id.clone());
            allowed.insert(r.urn.clone());
            r.outputs.values().for_each(|v| plain_strings(v, &mut allowed));
        }
        allowed.insert(name.clone());
        let created = d.register(Registration::new(token, &name, inputs.clone())).await;
        d.finish().await.expect("finish");
        let t = format!("{token} {key}");
        if identity.contains(&key.as_str()) {
            match created {
                Err(EngineError::CheckFailed(list)) => {
                    f.check(list.iter().any(|c| c.property == *key && c.reason.contains("plaintext")), || {
                        format!("{t}: refused, but not for being an identity: {list:?}")
                    });
                    let reasons: String = list.iter().map(|c| c.reason.clone()).collect::<Vec<_>>().join("\n");
                    f.no_plaintext(&texts, &allowed, &reasons, &format!("{t}: the check failure"));
                }
                other => f.0.push(format!("{t}: a secret identity was not refused: {:?}", other.map(|r| r.id))),
            }
            rig.engine.destroy().await.expect("destroy");
            continue;
        }
        let created = match created {
            Ok(r) => r,
            Err(e) => {
                f.0.push(format!("{t}: a valid secret failed: {e}"));
                rig.engine.destroy().await.expect("destroy");
                continue;
            }
        };
        let state = |state: Vec<StateResource>, urn: &str| state.into_iter().find(|r| r.urn == urn);
        let Some(r) = state(rig.engine.state().await, &created.urn) else { panic!("{t}: not recorded") };
        verify_state(&mut f, "create", token, key, &r, &texts, &allowed);

        // An update (or the lifecycle's next step) with the input still secret.
        if l.steps.len() > 1 {
            let d = rig.engine.run(false).await;
            let (d, _, mut next) = inputs_of(&l, 1, d, &name).await;
            let v = next.get(key).cloned().unwrap_or_else(|| given.clone());
            next.insert(key.clone(), secret(v.unwrap_plain()));
            let texts = texts.union(&next.get(key).map(secret_texts).unwrap_or_default()).cloned().collect();
            match d.register(Registration::new(token, &name, next)).await {
                Ok(updated) => {
                    d.finish().await.expect("finish");
                    let r = state(rig.engine.state().await, &updated.urn).expect("recorded");
                    verify_state(&mut f, "update", token, key, &r, &texts, &allowed);
                }
                Err(e) => f.0.push(format!("{t}: the update failed: {e}")),
            }
        }

        // Refresh reads it again from AWS.
        rig.engine.refresh().await.expect("refresh");
        let r = state(rig.engine.state().await, &created.urn).expect("recorded");
        verify_state(&mut f, "refresh", token, key, &r, &texts, &allowed);

        // Import by id with the program's (secret) inputs, then the refresh that marks outputs.
        // An association is imported by its current association id (an update replaces it).
        // Inputs AWS does not report (a key's deletion window, a bucket's forceDestroy) cannot
        // match on import: they are left out of it, and when the secret is one of them there is
        // nothing to import it into.
        let imported_name = format!("{name}-imported");
        let import_id = match r.outputs.get("associationId").map(Value::unwrap_plain) {
            Some(Value::String(a)) => a,
            _ => r.id.clone(),
        };
        let mut desired = r.inputs.clone();
        let mut attempt = rig.engine.import(token, &imported_name, &import_id, desired.clone()).await;
        if let Err(EngineError::Rpc(status)) = &attempt {
            let unreported: Vec<String> = status
                .message()
                .split_once("do not match the existing resource: ")
                .and_then(|(_, list)| serde_json::from_str::<Vec<String>>(list).ok())
                .unwrap_or_default();
            if !unreported.is_empty() {
                unreported.iter().for_each(|k| {
                    desired.remove(k);
                });
                attempt = rig.engine.import(token, &imported_name, &import_id, desired.clone()).await;
            }
        }
        match attempt {
            Ok(_) if !desired.contains_key(key) => {}
            Ok(imported) => {
                let i = state(rig.engine.state().await, &imported.urn).expect("imported");
                if let Some(v) = i.inputs.get(key) {
                    f.check(v.contains_secrets(), || format!("{t}: the import records the input plain: {v:?}"));
                }
                rig.engine.refresh().await.expect("refresh after import");
                let i = state(rig.engine.state().await, &imported.urn).expect("imported");
                allowed.insert(imported_name);
                verify_state(&mut f, "import, then refresh", token, key, &i, &texts, &allowed);
            }
            Err(e) => f.0.push(format!("{t}: import failed: {e}")),
        }

        // Preview of a change with the secret and an unknown side by side.
        let d = rig.engine.run(true).await;
        let (d, _, mut preview) = inputs_of(&l, 0, d, &name).await;
        preview.insert(key.clone(), secret(given.unwrap_plain()));
        if let Some(other) = preview.keys().find(|k| *k != key && !identity.contains(&k.as_str())).cloned() {
            preview.insert(other, Value::Unknown(tap::value::Unknown::Any));
        }
        match d.register(Registration::new(token, &name, preview)).await {
            Ok(p) => {
                if let Some(v) = p.outputs.get(key) {
                    f.check(v.contains_secrets(), || format!("{t}: preview shows the input plain: {v:?}"));
                }
            }
            Err(e) => f.0.push(format!("{t}: preview with a secret and an unknown failed: {e}")),
        }
        d.finish().await.expect("finish");
        rig.engine.destroy().await.expect("destroy");

        // Invalid: a secret of the wrong shape fails Check without showing it.
        let bad = format!("bad-{}", unique("v"));
        let d = rig.engine.run(true).await;
        let (d, _, mut invalid) = inputs_of(&l, 0, d, &name).await;
        invalid.insert(key.clone(), secret(wrong_shape(&given, &bad)));
        let outcome = d.register(Registration::new(token, &name, invalid)).await;
        d.finish().await.expect("finish");
        let message = match outcome {
            Err(EngineError::CheckFailed(list)) => {
                f.check(list.iter().any(|c| c.property == *key), || {
                    format!("{t}: the failure does not name it: {list:?}")
                });
                list.iter().map(|c| c.reason.clone()).collect::<Vec<_>>().join("\n")
            }
            Err(e) => e.to_string(),
            Ok(_) => String::new(),
        };
        f.check(!message.contains(&bad), || format!("{t}: the failure shows the invalid secret: {message}"));
    }
    // Nothing the provider sent to the engine's log shows a secret.
    let logs: String = rig.engine.logs().into_iter().map(|l| l.message).collect::<Vec<_>>().join("\n");
    f.check(!logs.contains("bad-"), || format!("{token}: an engine log line shows an invalid secret: {logs}"));
    f.0
}

/// The captured diagnostics show none of the secrets the cases gave.
fn no_secret_in_diagnostics(captured: &Captured, secrets: &[&str]) -> Vec<String> {
    let text = captured.text();
    let mut problems = Vec::new();
    if text.is_empty() {
        problems.push("nothing was captured at trace: the capture does not work".to_string());
    }
    for s in secrets {
        if text.contains(s) {
            let line = text.lines().find(|l| l.contains(s)).unwrap_or_default();
            problems.push(format!("a diagnostic line shows {s:?}: {line}"));
        }
    }
    problems
}

#[tokio::test]
async fn every_input_of_every_resource_stays_secret() {
    let captured = Captured::default();
    let _guard = captured.install();
    let lifecycles: Vec<fn() -> Lifecycle> =
        crate::lifecycle::all().into_iter().filter(|make| make().token != "tap:iam:AccountPasswordPolicy").collect();
    let found = futures_util::future::join_all(lifecycles.into_iter().map(each_input_secret)).await;
    let mut problems: Vec<String> = found.into_iter().flatten().collect();
    problems.extend(no_secret_in_diagnostics(&captured, &["bad-"]));
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[tokio::test]
async fn every_input_of_the_account_password_policy_stays_secret() {
    let _account = ACCOUNT.lock().await;
    let make = crate::lifecycle::all().into_iter().find(|m| m().token == "tap:iam:AccountPasswordPolicy");
    let problems = each_input_secret(make.expect("the password policy's lifecycle")).await;
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

const COMPONENT: &str = "tap:index:SecureRegion";

/// A SecureRegion input, a valid secret value for it, and the children's inputs it must reach
/// as a secret.
struct ComponentCase {
    key: &'static str,
    value: Value,
    reaches: &'static [(&'static str, &'static str)],
}

fn component_cases() -> Vec<ComponentCase> {
    let case = |key, value, reaches| ComponentCase { key, value, reaches };
    vec![
        case(
            "cidrBlock",
            s("10.213.0.0/16"),
            &[("tap:ec2:Vpc", "cidrBlock"), ("tap:ec2:Subnet", "cidrBlock"), ("tap:ec2:SecurityGroup", "ingress")],
        ),
        case("adminCidrBlock", s("10.0.213.0/24"), &[("tap:ec2:SecurityGroup", "ingress")]),
        case(
            "availabilityZones",
            Value::Array(vec![s("us-west-2b"), s("us-west-2c")]),
            &[("tap:ec2:Subnet", "availabilityZone"), ("tap:ec2:Subnet", "availabilityZoneId")],
        ),
        case("routeToInternetGateway", Value::Bool(true), &[("tap:ec2:RouteTable", "routes")]),
        case("environment", s("Staging-sec-env"), &[("tap:ec2:Vpc", "tags"), ("tap:s3:Bucket", "tags")]),
        case("tags", tags(&[("Owner", "owner-sec-tag")]), &[("tap:ec2:Vpc", "tags"), ("tap:kms:Key", "tags")]),
        case(
            "logRetentionInDays",
            Value::Number(731.0),
            &[("tap:cloudwatch:LogGroup", "retentionInDays"), ("tap:cloudwatch:LogGroup", "tags")],
        ),
        case("kmsDeletionWindowInDays", Value::Number(23.0), &[("tap:kms:Key", "deletionWindowInDays")]),
        case("bucketForceDestroy", Value::Bool(true), &[("tap:s3:Bucket", "forceDestroy")]),
        case("enableFlowLogs", Value::Bool(true), &[]),
    ]
}

/// Constructs one SecureRegion per input, each with that input secret; refreshes; checks every
/// child, the component's outputs and every message; destroys.
async fn component_inputs_stay_secret(cases: Vec<ComponentCase>, region: &str) -> Vec<String> {
    let rig = Rig::new(region).await;
    let mut f = Findings::default();
    let base = unique("sr-sec");
    let instances: Vec<(String, PropertyMap, &ComponentCase)> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut inputs = props([("region", s(region)), ("kmsDeletionWindowInDays", Value::Number(7.0))]);
            inputs.insert(c.key.to_string(), secret(c.value.clone()));
            (format!("{base}-{i}"), inputs, c)
        })
        .collect();
    let d = rig.engine.run(false).await;
    let outputs = futures_util::future::join_all(
        instances.iter().map(|(name, inputs, _)| rig.engine.construct(&d, COMPONENT, name, inputs.clone())),
    )
    .await;
    d.finish().await.expect("finish");
    rig.engine.refresh().await.expect("refresh");
    let state = rig.engine.state().await;
    for ((name, inputs, c), out) in instances.iter().zip(outputs) {
        let texts = secret_texts(&inputs[c.key]);
        let allowed: BTreeSet<String> = [name.clone(), region.to_string()].into_iter().collect();
        match out {
            Ok(response) => {
                let outputs = tap::value::decode_struct(response.state.as_ref()).expect("outputs");
                f.no_plaintext(&texts, &allowed, &shown(&outputs), &format!("{}: the component's outputs", c.key));
            }
            Err(e) => {
                f.0.push(format!("{}: the component failed: {e}", c.key));
                continue;
            }
        }
        let parent = format!("::{name}");
        let children: Vec<&StateResource> = state.iter().filter(|r| r.custom && r.parent.ends_with(&parent)).collect();
        f.check(children.len() >= 19, || format!("{}: only {} children", c.key, children.len()));
        for child in &children {
            let t = format!("{} -> {} {}", c.key, child.r#type, child.name);
            f.no_plaintext(&texts, &allowed, &shown(&child.inputs), &format!("{t}: inputs"));
            f.no_plaintext(&texts, &allowed, &shown(&child.outputs), &format!("{t}: outputs"));
            for (token, key) in c.reaches.iter().filter(|(token, _)| *token == child.r#type) {
                let v = child.outputs.get(*key).or(child.inputs.get(*key));
                f.check(v.is_some_and(Value::contains_secrets), || format!("{t}: {token} {key} is not secret: {v:?}"));
            }
        }
    }
    let logs: String = rig.engine.logs().into_iter().map(|l| l.message).collect::<Vec<_>>().join("\n");
    for (_, inputs, c) in &instances {
        let texts = secret_texts(&inputs[c.key]);
        f.no_plaintext(&texts, &BTreeSet::new(), &logs, &format!("{}: the engine log", c.key));
    }
    rig.engine.destroy_concurrently().await.expect("destroy");
    f.0
}

/// Inputs that cannot be secret (they name children or pick how many there are) and invalid
/// secrets: the component fails with an input error that names the input, not the value.
async fn component_refusals(region: &str) -> Vec<String> {
    let rig = Rig::new(region).await;
    let mut f = Findings::default();
    let bad = format!("bad-{}", unique("c"));
    let cases: Vec<(&str, Value)> = vec![
        ("region", secret(s(region))),
        ("availabilityZoneCount", secret(Value::Number(2.0))),
        ("cidrBlock", secret(s(&bad))),
        ("cidrBlock", secret(s("10.213.0.300/16"))),
        ("adminCidrBlock", secret(s("10.99.1.0/24"))),
        ("availabilityZones", secret(Value::Array(vec![s(&format!("{bad}-zone"))]))),
        ("environment", secret(Value::Array(vec![s(&bad)]))),
        ("tags", secret(s(&bad))),
        ("logRetentionInDays", secret(s(&bad))),
        ("kmsDeletionWindowInDays", secret(Value::Number(91.0))),
        ("passwordPolicy", secret(s(&bad))),
    ];
    let d = rig.engine.run(true).await;
    for (i, (key, value)) in cases.iter().enumerate() {
        let mut inputs = props([("region", s(region))]);
        inputs.insert(key.to_string(), value.clone());
        let texts: BTreeSet<String> = secret_texts(value).into_iter().filter(|t| t != region).collect();
        let name = format!("{}-{i}", unique("sr-bad"));
        match rig.engine.construct(&d, COMPONENT, &name, inputs).await {
            Err(EngineError::Rpc(status)) => {
                let errors = input_errors(&status);
                f.check(errors.iter().any(|(p, _)| p == key), || format!("{key}: not named: {errors:?}"));
                let text = format!("{}\n{errors:?}", status.message());
                f.no_plaintext(&texts, &BTreeSet::new(), &text, &format!("{key}: the input error"));
            }
            other => f.0.push(format!("{key}: {value:?} was not refused: {:?}", other.map(|_| ()))),
        }
    }
    d.finish().await.expect("finish");
    f.check(rig.proxy.mutating().is_empty(), || format!("refusals made mutating calls: {:?}", rig.proxy.mutating()));
    f.0
}

#[tokio::test]
async fn every_input_of_secure_region_stays_secret() {
    let captured = Captured::default();
    let _guard = captured.install();
    let (kept, refused) =
        tokio::join!(component_inputs_stay_secret(component_cases(), "us-west-2"), component_refusals("us-west-2"));
    let mut problems: Vec<String> = kept.into_iter().chain(refused).collect();
    problems.extend(no_secret_in_diagnostics(&captured, &["10.213.", "10.0.213.", "sec-env", "sec-tag", "bad-"]));
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[tokio::test]
async fn the_password_policy_of_secure_region_stays_secret() {
    let _account = ACCOUNT.lock().await;
    let policy = tap::value::Value::Object(
        [("minimumPasswordLength".to_string(), Value::Number(17.0)), ("hardExpiry".to_string(), Value::Bool(false))]
            .into_iter()
            .collect(),
    );
    let case = ComponentCase {
        key: "passwordPolicy",
        value: policy,
        reaches: &[
            ("tap:iam:AccountPasswordPolicy", "minimumPasswordLength"),
            ("tap:iam:AccountPasswordPolicy", "hardExpiry"),
            ("tap:iam:AccountPasswordPolicy", "expirePasswords"),
        ],
    };
    let problems = component_inputs_stay_secret(vec![case], "us-east-1").await;
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
