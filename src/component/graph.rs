//! The child graph of a component: values that carry secretness and the URNs they depend on,
//! typed arguments for each child resource, and registration once a child's inputs are ready
//! (shared futures, so independent branches run concurrently and each child waits only for what
//! it needs).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::{BoxFuture, FutureExt, Shared};

use super::monitor::Monitor;
use crate::error::{Error, Result};
use crate::resource::fields::Declared;
use crate::resource::Resource;
use crate::value::{PropertyMap, Unknown, Value};

/// A value on its way into a child's inputs: plain (possibly unknown in preview), whether it is
/// secret, and the URNs it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    pub value: Value,
    pub secret: bool,
    pub deps: BTreeSet<String>,
}

impl Val {
    pub fn known(value: Value) -> Val {
        Val { value, secret: false, deps: BTreeSet::new() }
    }

    pub fn str(s: impl Into<String>) -> Val {
        Val::known(Value::String(s.into()))
    }

    /// A component input as Construct received it: output values and secrets are unwrapped into
    /// the flags, `inputDependencies` added.
    pub fn input(raw: Option<&Value>, input_deps: &[String]) -> Val {
        let mut deps: BTreeSet<String> = input_deps.iter().cloned().collect();
        collect_deps(raw, &mut deps);
        let value = raw.map(Value::unwrap_plain).unwrap_or(Value::Null);
        Val { value, secret: raw.is_some_and(Value::contains_secrets), deps }
    }

    pub fn is_unknown(&self) -> bool {
        self.value.contains_unknowns()
    }

    pub fn is_null(&self) -> bool {
        self.value == Value::Null
    }

    /// Derives a value, keeping secretness and dependencies (unknown stays unknown).
    pub fn map(&self, f: impl FnOnce(&Value) -> Value) -> Val {
        let value = if self.is_unknown() { Value::Unknown(Unknown::Any) } else { f(&self.value) };
        Val { value, secret: self.secret, deps: self.deps.clone() }
    }

    /// Combines several values into one (a list, a policy text): secret if any is, depending on
    /// all, unknown if any is.
    pub fn combine(parts: &[&Val], f: impl FnOnce(&[&Value]) -> Value) -> Val {
        let values: Vec<&Value> = parts.iter().map(|p| &p.value).collect();
        let unknown = values.iter().any(|v| v.contains_unknowns());
        Val {
            value: if unknown { Value::Unknown(Unknown::Any) } else { f(&values) },
            secret: parts.iter().any(|p| p.secret),
            deps: parts.iter().flat_map(|p| p.deps.iter().cloned()).collect(),
        }
    }

    /// A list of values.
    pub fn list(items: &[Val]) -> Val {
        let refs: Vec<&Val> = items.iter().collect();
        Val::combine(&refs, |v| Value::Array(v.iter().map(|x| (*x).clone()).collect()))
    }

    /// The wire form: wrapped as a secret when it is one.
    pub fn wire(&self) -> Value {
        if self.secret {
            Value::Secret(Box::new(self.value.clone()))
        } else {
            self.value.clone()
        }
    }
}

fn collect_deps(v: Option<&Value>, deps: &mut BTreeSet<String>) {
    match v {
        Some(Value::Output(o)) => {
            deps.extend(o.dependencies.iter().cloned());
            collect_deps(o.value.as_deref(), deps);
        }
        Some(Value::Secret(inner)) => collect_deps(Some(inner), deps),
        Some(Value::Array(items)) => items.iter().for_each(|i| collect_deps(Some(i), deps)),
        Some(Value::Object(map)) => map.values().for_each(|i| collect_deps(Some(i), deps)),
        Some(Value::Resource(r)) => {
            deps.insert(r.urn.clone());
        }
        _ => {}
    }
}

/// A child's inputs, each with its secretness and dependencies; every key must be one of
/// `R`'s declared inputs.
pub struct Args<R: Resource> {
    values: BTreeMap<String, Val>,
    undeclared: Vec<String>,
    resource: PhantomData<R>,
}

impl<R: Resource> Default for Args<R> {
    fn default() -> Self {
        Args { values: BTreeMap::new(), undeclared: Vec::new(), resource: PhantomData }
    }
}

impl<R: Resource> Args<R> {
    pub fn new() -> Args<R> {
        Args::default()
    }

    pub fn set(mut self, key: &str, v: Val) -> Args<R> {
        if !R::Inputs::fields().iter().any(|f| f.name == key) {
            self.undeclared.push(key.to_string());
        }
        if !v.is_null() {
            self.values.insert(key.to_string(), v);
        }
        self
    }

    pub fn known(self, key: &str, v: Value) -> Args<R> {
        self.set(key, Val::known(v))
    }

    /// Keys given that `R` does not declare (a programming error the tests catch).
    pub fn undeclared(&self) -> &[String] {
        &self.undeclared
    }

    pub fn object(&self) -> PropertyMap {
        self.values.iter().map(|(k, v)| (k.clone(), v.wire())).collect()
    }

    pub fn property_dependencies(&self) -> BTreeMap<String, Vec<String>> {
        self.values.iter().map(|(k, v)| (k.clone(), v.deps.iter().cloned().collect())).collect()
    }

    pub fn dependencies(&self) -> Vec<String> {
        self.values.values().flat_map(|v| v.deps.iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect()
    }
}

/// A registered child: its URN, id and outputs (unknown in preview until created).
#[derive(Debug, Clone)]
pub struct Child {
    pub urn: String,
    pub id: String,
    pub outputs: PropertyMap,
}

impl Child {
    /// An output as a value for another child's inputs (or the component's outputs).
    pub fn out(&self, key: &str) -> Val {
        let raw = self.outputs.get(key);
        let value = match raw.map(Value::unwrap_plain) {
            None | Some(Value::Null) => Value::Unknown(Unknown::Any),
            Some(v) => v,
        };
        Val { value, secret: raw.is_some_and(Value::contains_secrets), deps: [self.urn.clone()].into_iter().collect() }
    }

    pub fn id(&self) -> Val {
        let value = if self.id.is_empty() { Value::Unknown(Unknown::Any) } else { Value::String(self.id.clone()) };
        Val { value, secret: false, deps: [self.urn.clone()].into_iter().collect() }
    }
}

type Registration = Shared<BoxFuture<'static, std::result::Result<Child, Arc<Error>>>>;

/// A child being registered; awaited by the children that need it. The graph drives every
/// registration to its end (`Graph::join`), so a child nobody awaits is still registered.
#[derive(Clone)]
pub struct Pending(Registration);

/// The child once registered.
pub async fn ready(p: &Pending) -> Result<Child> {
    p.0.clone().await.map_err(|e| (*e).clone())
}

/// The child when its registration has finished (after `join`).
pub fn done(p: &Pending) -> Result<Child> {
    p.0.peek().and_then(|r| r.as_ref().ok()).cloned().ok_or_else(|| Error::Internal("a child did not finish".into()))
}

/// Registers the children of one component instance.
#[derive(Clone)]
pub struct Graph {
    monitor: Monitor,
    pending: Arc<std::sync::Mutex<Vec<Registration>>>,
}

impl Graph {
    pub fn new(monitor: Monitor) -> Graph {
        Graph { monitor, pending: Arc::default() }
    }

    /// Registers `<component name>-<suffix>` as an `R` once `args` are ready.
    pub fn child<R: Resource>(
        &self,
        suffix: &str,
        args: impl Future<Output = Result<Args<R>>> + Send + 'static,
    ) -> Pending {
        let name = format!("{}-{suffix}", self.monitor.name);
        self.named(&name, args)
    }

    /// Registers exactly `name` (an account singleton) as an `R` once `args` are ready.
    pub fn named<R: Resource>(
        &self,
        name: &str,
        args: impl Future<Output = Result<Args<R>>> + Send + 'static,
    ) -> Pending {
        let (monitor, name) = (self.monitor.clone(), name.to_string());
        let pending = async move {
            let args = args.await?;
            if !args.undeclared().is_empty() {
                return Err(Error::Internal(format!(
                    "{name}: {} has no input {}",
                    R::TOKEN,
                    args.undeclared().join(", ")
                )));
            }
            monitor.register(R::TOKEN, &name, args.object(), args.dependencies(), args.property_dependencies()).await
        }
        .map(|r| r.map_err(Arc::new))
        .boxed()
        .shared();
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).push(pending.clone());
        Pending(pending)
    }

    /// Waits for every child; the first failure (in registration order) fails the component.
    pub async fn join(&self) -> Result<()> {
        let all: Vec<Registration> = self.pending.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let results = futures_util::future::join_all(all).await;
        match results.into_iter().find_map(|r| r.err()) {
            Some(e) => Err((*e).clone()),
            None => Ok(()),
        }
    }

    pub fn monitor(&self) -> &Monitor {
        &self.monitor
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::ec2::vpc::Vpc;
    use crate::value::OutputValue;

    #[test]
    fn inputs_keep_secretness_and_dependencies() {
        let raw = Value::Output(OutputValue {
            value: Some(Box::new(Value::str("x"))),
            secret: true,
            dependencies: vec!["urn:a".into()],
        });
        let v = Val::input(Some(&raw), &["urn:b".to_string()]);
        assert_eq!(v.value, Value::str("x"));
        assert!(v.secret);
        assert_eq!(v.deps.len(), 2);
        assert_eq!(v.wire(), Value::Secret(Box::new(Value::str("x"))));
        let unknown =
            Val::input(Some(&Value::Output(OutputValue { value: None, secret: false, dependencies: vec![] })), &[]);
        assert!(unknown.is_unknown());
        assert!(unknown.map(|_| Value::str("y")).is_unknown());
        let both = Val::list(&[v, Val::str("y")]);
        assert!(both.secret && both.deps.contains("urn:a"));
    }

    #[test]
    fn child_args_carry_property_dependencies() {
        let args = Args::<Vpc>::new()
            .set(
                "tags",
                Val { value: Value::str("vpc-1"), secret: false, deps: ["urn:vpc".to_string()].into_iter().collect() },
            )
            .known("cidrBlock", Value::str("10.0.1.0/24"));
        assert_eq!(args.dependencies(), vec!["urn:vpc".to_string()]);
        assert_eq!(args.property_dependencies()["tags"], vec!["urn:vpc".to_string()]);
        assert!(args.property_dependencies()["cidrBlock"].is_empty());
        assert!(args.undeclared().is_empty());
    }

    #[test]
    fn an_argument_the_resource_does_not_declare_is_caught() {
        let args = Args::<Vpc>::new().known("cidrBlok", Value::str("10.0.0.0/16"));
        assert_eq!(args.undeclared(), ["cidrBlok".to_string()]);
    }
}
