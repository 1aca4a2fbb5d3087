//! The lifecycle every resource goes through, as one table-driven form each resource's test fills
//! in: create, a no-op up with no AWS call, in-place updates (with the exact mutating calls),
//! a replacement, drift seen by refresh and repaired by up, import by id and `id@region`, the
//! resource gone behind the engine's back, and delete twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tap::aws::Clients;
use tap::value::{PropertyMap, Value};

use super::engine::{Deployment, Registered};
use super::moto::Moto;
use super::program::{delete_again, mutations, no_mutations, read, reg};
use super::{Op, Registration, Rig};

/// What the resource under test needs, registered before it in every run (a VPC, a bucket), by
/// name.
pub type Needs = BTreeMap<String, Registered>;

/// Registers the resource's prerequisites in a run.
pub type Setup = fn(Deployment, String) -> BoxFuture<'static, (Deployment, Needs)>;

/// An out-of-band change to the resource (by id), made with direct AWS clients.
pub type Change = fn(Arc<Clients>, String) -> BoxFuture<'static, ()>;

pub struct Step {
    /// What the step is (for messages).
    pub what: &'static str,
    /// The resource's inputs, from its prerequisites and the test's unique name.
    pub inputs: fn(&Needs, &str) -> PropertyMap,
    /// What the engine does with the resource on this up.
    pub op: Op,
    /// The mutating AWS calls this up makes, when they are known exactly (as the counting proxy
    /// names them; `{id}` stands for the resource's id).
    pub calls: Option<&'static [&'static str]>,
}

pub struct Drift {
    pub change: Change,
    /// The output the change shows in after refresh.
    pub key: &'static str,
}

pub struct Lifecycle {
    pub token: &'static str,
    pub region: &'static str,
    pub setup: Option<Setup>,
    /// The first step creates; each later one updates or replaces.
    pub steps: Vec<Step>,
    pub drift: Option<Drift>,
    /// The inputs an import by id must read back as the last step gave them.
    pub import: &'static [&'static str],
    /// For a resource AWS made with another and cannot delete (a VPC's default security group
    /// or network ACL): delete leaves it, and this makes it gone for real (deletes its owner).
    pub kept: Option<Change>,
}

async fn run_step(rig: &Rig, l: &Lifecycle, name: &str, step: &Step) -> (Registered, Needs) {
    let d = rig.engine.run(false).await;
    let (d, needs) = match l.setup {
        Some(setup) => setup(d, name.to_string()).await,
        None => (d, Needs::new()),
    };
    let res = reg(&d, l.token, name, (step.inputs)(&needs, name)).await;
    d.finish().await.expect("finish");
    (res, needs)
}

/// Runs the whole lifecycle against moto and destroys everything at the end.
pub async fn run(l: Lifecycle) {
    run_with(l, None).await;
}

/// Runs the lifecycle once to see which mutating calls it makes, then again for each of them
/// with that call's first answer lost (moto carries the call out; the provider never hears):
/// the step that lost it still ends as it should, the same up again changes nothing, exactly one
/// resource exists, and destroy leaves nothing. Once the answer is lost and the step settled, the
/// rest of the lifecycle is the clean run's, already proved: the run goes straight to destroy.
pub async fn each_answer_lost(make: fn() -> Lifecycle) {
    let ops = run_with(make(), None).await;
    for op in ops {
        run_with(make(), Some(&op)).await;
    }
}

/// The live resources carrying the resource's marker.
async fn marked(rig: &Rig, urn: &str, token: &str) -> Option<Vec<String>> {
    let marker = tap::testing::marker_of(&rig.engine.provider_id, urn);
    let carrier = super::inventory::carrier(token)?;
    Some(super::inventory::Inventory::take(&*rig.aws().await).await.carrying(carrier, &marker))
}

/// Whether `token`'s state is one per account and region of a moto (so its lifecycle needs a
/// moto of its own).
fn isolated(token: &str) -> bool {
    matches!(token, "tap:apigateway:Account" | "tap:ec2:EbsEncryptionByDefault" | "tap:s3:AccountPublicAccessBlock")
}

/// The rig a lifecycle runs on (and the moto of its own it may need, kept alive with it).
pub async fn rig_for(l: &Lifecycle) -> (Rig, Option<Moto>) {
    if isolated(l.token) {
        let moto = Moto::start();
        (Rig::on(moto.url(), l.region).await, Some(moto))
    } else {
        (Rig::new(l.region).await, None)
    }
}

/// `run`, with the first answer of `lose` lost; returns the mutating calls the run made.
async fn run_with(l: Lifecycle, lose: Option<&str>) -> BTreeSet<String> {
    let (rig, _moto) = rig_for(&l).await;
    let name = super::unique(&l.token.rsplit(':').next().unwrap_or("r").to_ascii_lowercase());
    let t = l.token;
    let mut seen = BTreeSet::new();
    let lossy = lose.is_some();
    if let Some(op) = lose {
        rig.proxy.lose_first_answer(op);
    }
    let t_with = |what: &str| match lose {
        Some(op) => format!("{t} (the first answer of {op} lost): {what}"),
        None => format!("{t}: {what}"),
    };

    // Create.
    let first = &l.steps[0];
    // In a lossy run, whether the lost answer has been lost and its step settled.
    let settled = |rig: &Rig| lossy && !rig.proxy.losing();
    let (created, needs) = run_step(&rig, &l, &name, first).await;
    assert_eq!(created.op, Op::Create, "{}", t_with(first.what));
    assert!(!created.id.is_empty(), "{}", t_with("created without an id"));
    if let Some(live) = marked(&rig, &created.urn, t).await {
        assert_eq!(live.len(), 1, "{}", t_with(&format!("exactly one resource carries the marker: {live:?}")));
        assert!(live[0].contains(&created.id), "{}", t_with(&format!("the marked one is {live:?}")));
    }

    // The same inputs again: no change, no AWS call at all.
    seen.extend(mutations(&rig));
    rig.proxy.reset();
    let (same, _) = run_step(&rig, &l, &name, first).await;
    assert_eq!(same.op, Op::Same, "{}", t_with(&format!("a no-op up changed something: {:?}", same.detailed_diff)));
    if !lossy {
        no_mutations(&rig);
    }
    assert!(mutations(&rig).is_empty(), "{}", t_with("a no-op up makes no mutating call"));

    'lifecycle: {
        if settled(&rig) {
            break 'lifecycle;
        }

        // Updates and replacements, in order.
        let mut current = created.clone();
        let mut last = first;
        for step in &l.steps[1..] {
            seen.extend(mutations(&rig));
            rig.proxy.reset();
            let (r, _) = run_step(&rig, &l, &name, step).await;
            assert_eq!(r.op, step.op, "{}", t_with(&format!("{} ({:?})", step.what, r.detailed_diff)));
            match step.op {
                Op::Update => {
                    assert_eq!(r.id, current.id, "{}", t_with(&format!("{}: an update keeps the id", step.what)))
                }
                Op::Replace => {
                    assert_ne!(r.id, current.id, "{}", t_with(&format!("{}: a replacement has a new id", step.what)));
                    let left = read(&rig, t, &current.id).await;
                    if l.kept.is_some() {
                        assert!(left.is_some(), "{}", t_with("the replaced one is left as it is"));
                    } else {
                        assert!(left.is_none(), "{}", t_with("the replaced one is deleted"));
                    }
                }
                _ => {}
            }
            match step.calls {
                Some(calls) if !lossy => {
                    let want: Vec<String> = calls.iter().map(|c| c.replace("{id}", &r.id)).collect();
                    assert_eq!(mutations(&rig), want, "{}", t_with(step.what));
                }
                _ => {}
            }
            current = r;
            last = step;
            if settled(&rig) {
                seen.extend(mutations(&rig));
                let (again, _) = run_step(&rig, &l, &name, step).await;
                assert_eq!(
                    again.op,
                    Op::Same,
                    "{}",
                    t_with(&format!("{} again: {:?}", step.what, again.detailed_diff))
                );
                break 'lifecycle;
            }
        }
        seen.extend(mutations(&rig));

        // Drift: refresh sees it, the next up repairs it.
        if let Some(drift) = &l.drift {
            let before = current.out(drift.key);
            (drift.change)(rig.aws().await, current.id.clone()).await;
            rig.engine.refresh().await.expect("refresh");
            let state = rig.engine.resource(&current.urn).await.expect("still in state");
            assert_ne!(
                state.outputs.get(drift.key),
                Some(&before),
                "{t}: refresh did not see the change to {}",
                drift.key
            );
            let (repaired, _) = run_step(&rig, &l, &name, last).await;
            assert_eq!(repaired.op, Op::Update, "{t}: up after drift");
            assert_eq!(repaired.out(drift.key), before, "{t}: up repaired {}", drift.key);
            current = repaired;
        }

        // Import by id, and by id@region for regional resources.
        let imported = read(&rig, t, &current.id).await.unwrap_or_else(|| panic!("{t}: import by id found nothing"));
        let inputs = (last.inputs)(&needs, &name);
        for k in l.import {
            let want = inputs.get(*k).map(Value::unwrap_plain);
            assert_eq!(imported.get(*k).map(Value::unwrap_plain), want, "{t}: import reads {k} back");
        }
        if current.outputs.contains_key("region") {
            let at = format!("{}@{}", current.id, l.region);
            assert!(read(&rig, t, &at).await.is_some(), "{t}: import by {at}");
        }

        // Gone behind the engine's back: refresh drops it; deleting it again succeeds.
        match l.kept {
            Some(gone) => gone(rig.aws().await, current.id.clone()).await,
            None => delete_again(&rig, t, &current).await,
        }
        let steps = rig.engine.refresh().await.expect("refresh");
        assert!(
            steps.iter().any(|(urn, op)| *urn == current.urn && *op == Op::Delete),
            "{t}: refresh kept a gone resource"
        );
        delete_again(&rig, t, &current).await;
    }

    // The rest (its prerequisites) is destroyed, and nothing carrying the marker is left.
    seen.extend(mutations(&rig));
    rig.engine.destroy().await.expect("destroy");
    if let Some(live) = marked(&rig, &created.urn, t).await {
        assert!(live.is_empty(), "{}", t_with(&format!("left behind: {live:?}")));
    }
    seen
}

/// A prerequisite registration, for `Setup` functions.
pub async fn need(d: &Deployment, token: &str, name: &str, inputs: PropertyMap) -> Registered {
    d.register(Registration::new(token, name, inputs)).await.unwrap_or_else(|e| panic!("{token} {name}: {e}"))
}
