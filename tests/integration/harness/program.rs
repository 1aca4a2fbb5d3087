//! Helpers for writing programs against the stand-in engine: value shorthands, one `pulumi up`,
//! reads and deletes as the engine sends them, and counting-proxy assertions.

use std::collections::BTreeMap;

use tap::value::{PropertyMap, Value};

use super::engine::{Deployment, Registered};
use super::{props, tags, Op, Registration, Rig};

pub fn s(v: &str) -> Value {
    Value::str(v)
}

pub fn list(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|i| Value::str(*i)).collect())
}

pub fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

pub async fn reg(d: &Deployment, t: &str, name: &str, inputs: PropertyMap) -> Registered {
    d.register(Registration::new(t, name, inputs)).await.unwrap_or_else(|e| panic!("{t} {name}: {e}"))
}

pub async fn vpc(d: &Deployment, name: &str, cidr: &str) -> Registered {
    reg(d, "tap:ec2:Vpc", name, props([("cidrBlock", s(cidr)), ("tags", tags(&[("Name", name)]))])).await
}

/// Runs `program` as one `pulumi up` and returns what it registered, by name.
pub async fn up<F, Fut>(rig: &Rig, program: F) -> (BTreeMap<String, Registered>, Vec<(String, Op)>)
where
    F: FnOnce(Deployment) -> Fut,
    Fut: std::future::Future<Output = (Deployment, Vec<(&'static str, Registered)>)>,
{
    let d = rig.engine.run(false).await;
    let (d, registered) = program(d).await;
    let deleted = d.finish().await.expect("finish");
    (registered.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), deleted)
}

pub fn ops(r: &BTreeMap<String, Registered>) -> BTreeMap<String, Op> {
    r.iter().map(|(k, v)| (k.clone(), v.op)).collect()
}

pub fn all(r: &BTreeMap<String, Registered>, op: Op) -> bool {
    r.values().all(|v| v.op == op)
}

/// Deletes an already deleted resource again: must succeed.
pub async fn delete_again(rig: &Rig, t: &str, r: &Registered) {
    rig.engine
        .client()
        .delete(tap::proto::pulumirpc::DeleteRequest {
            id: r.id.clone(),
            urn: r.urn.clone(),
            properties: Some(tap::value::encode_struct(&r.outputs)),
            r#type: t.into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("deleting {t} {} twice: {e}", r.id));
}

/// Reads a resource by id as import does; None when the provider reports it gone.
pub async fn read(rig: &Rig, t: &str, id: &str) -> Option<PropertyMap> {
    let resp = rig
        .engine
        .client()
        .read(tap::proto::pulumirpc::ReadRequest {
            id: id.into(),
            urn: format!("urn:pulumi:test::tap-tests::{t}::read"),
            r#type: t.into(),
            name: "read".into(),
            ..Default::default()
        })
        .await
        .expect("read")
        .into_inner();
    (!resp.id.is_empty()).then(|| tap::value::decode_struct(resp.properties.as_ref()).expect("props"))
}

pub fn no_mutations(rig: &Rig) {
    let calls = rig.proxy.calls();
    assert!(calls.is_empty(), "a run with no changes made AWS calls: {calls:?}");
}

pub fn mutations(rig: &Rig) -> Vec<String> {
    rig.proxy.mutating().into_iter().map(|c| c.operation).collect()
}
