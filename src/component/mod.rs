//! Component plumbing for Construct (PROTOCOL.md §8): values that carry secretness and the URNs
//! they depend on, and the engine's ResourceMonitor, through which children are registered.

pub mod secure_region;

use std::collections::{BTreeMap, BTreeSet};

use tonic::transport::Channel;

use crate::error::{Error, Result};
use crate::proto::pulumirpc as rpc;
use crate::proto::pulumirpc::resource_monitor_client::ResourceMonitorClient;
use crate::value::{self, PropertyMap, Unknown, Value};

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

    pub fn unknown() -> Val {
        Val::known(Value::Unknown(Unknown::Any))
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

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
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

/// A child's inputs, each with its secretness and dependencies.
#[derive(Debug, Clone, Default)]
pub struct Args(pub BTreeMap<String, Val>);

impl Args {
    pub fn new() -> Args {
        Args::default()
    }

    pub fn set(mut self, key: &str, v: Val) -> Args {
        if !v.is_null() {
            self.0.insert(key.to_string(), v);
        }
        self
    }

    pub fn known(self, key: &str, v: Value) -> Args {
        self.set(key, Val::known(v))
    }

    fn object(&self) -> PropertyMap {
        self.0.iter().map(|(k, v)| (k.clone(), v.wire())).collect()
    }

    fn property_dependencies(&self) -> BTreeMap<String, rpc::register_resource_request::PropertyDependencies> {
        self.0
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    rpc::register_resource_request::PropertyDependencies { urns: v.deps.iter().cloned().collect() },
                )
            })
            .collect()
    }

    fn dependencies(&self) -> Vec<String> {
        self.0.values().flat_map(|v| v.deps.iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect()
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

/// The engine's ResourceMonitor, as one component instance uses it.
#[derive(Clone)]
pub struct Monitor {
    client: ResourceMonitorClient<Channel>,
    /// The component's URN: every child's parent.
    pub parent: String,
    /// The component's name: every child's name starts with it.
    pub name: String,
    pub custom_timeouts: Option<rpc::register_resource_request::CustomTimeouts>,
}

impl Monitor {
    pub async fn connect(endpoint: &str) -> Result<ResourceMonitorClient<Channel>> {
        let url = if endpoint.contains("://") { endpoint.to_string() } else { format!("http://{endpoint}") };
        let channel = tonic::transport::Endpoint::from_shared(url)
            .map_err(|e| Error::InvalidRequest(format!("monitor endpoint {endpoint}: {e}")))?
            .connect()
            .await
            .map_err(|e| Error::Internal(format!("cannot reach the engine's resource monitor at {endpoint}: {e}")))?;
        Ok(ResourceMonitorClient::new(channel)
            .max_decoding_message_size(crate::MAX_MESSAGE_SIZE)
            .max_encoding_message_size(crate::MAX_MESSAGE_SIZE))
    }

    pub fn new(
        client: ResourceMonitorClient<Channel>,
        parent: String,
        name: String,
        custom_timeouts: Option<rpc::register_resource_request::CustomTimeouts>,
    ) -> Monitor {
        Monitor { client, parent, name, custom_timeouts }
    }

    /// Registers `<component name>-<suffix>` (or exactly `fixed_name`) as a custom resource of
    /// this provider, parented to the component.
    pub async fn register(&self, token: &str, suffix: &str, args: Args) -> Result<Child> {
        let name = format!("{}-{suffix}", self.name);
        self.register_named(token, &name, args).await
    }

    pub async fn register_named(&self, token: &str, name: &str, args: Args) -> Result<Child> {
        let request = rpc::RegisterResourceRequest {
            r#type: token.to_string(),
            name: name.to_string(),
            parent: self.parent.clone(),
            custom: true,
            object: Some(value::encode_struct(&args.object())),
            dependencies: args.dependencies(),
            property_dependencies: args.property_dependencies().into_iter().collect(),
            version: crate::VERSION.to_string(),
            accept_secrets: true,
            accept_resources: true,
            supports_partial_values: true,
            supports_result_reporting: true,
            custom_timeouts: self.custom_timeouts.clone(),
            ..Default::default()
        };
        let response = self
            .client
            .clone()
            .register_resource(request)
            .await
            .map_err(|s| Error::Child {
                name: name.to_string(),
                token: token.to_string(),
                message: s.message().to_string(),
            })?
            .into_inner();
        if response.result == rpc::Result::Fail as i32 {
            return Err(Error::Child {
                name: name.to_string(),
                token: token.to_string(),
                message: "its error is shown above".into(),
            });
        }
        Ok(Child { urn: response.urn, id: response.id, outputs: value::decode_struct(response.object.as_ref())? })
    }

    pub async fn register_outputs(&self, outputs: &PropertyMap) -> Result<()> {
        self.client
            .clone()
            .register_resource_outputs(rpc::RegisterResourceOutputsRequest {
                urn: self.parent.clone(),
                outputs: Some(value::encode_struct(outputs)),
            })
            .await
            .map_err(|s| Error::Internal(format!("registering the component's outputs: {}", s.message())))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let both =
            Val::combine(&[&v, &Val::str("y")], |vals| Value::Array(vals.iter().map(|v| (*v).clone()).collect()));
        assert!(both.secret && both.deps.contains("urn:a"));
    }

    #[test]
    fn child_args_carry_property_dependencies() {
        let args = Args::new()
            .set(
                "vpcId",
                Val { value: Value::str("vpc-1"), secret: false, deps: ["urn:vpc".to_string()].into_iter().collect() },
            )
            .known("cidrBlock", Value::str("10.0.1.0/24"));
        assert_eq!(args.dependencies(), vec!["urn:vpc".to_string()]);
        assert_eq!(args.property_dependencies()["vpcId"].urns, vec!["urn:vpc".to_string()]);
        assert!(args.property_dependencies()["cidrBlock"].urns.is_empty());
    }
}
