//! `tap:ec2:DefaultNetworkAcl`: takes charge of the network ACL AWS made with a VPC and keeps
//! exactly the given entries on it, as pulumi-aws's DefaultNetworkAcl.
//!
//! AWS APIs: DescribeNetworkAcls, CreateNetworkAclEntry / ReplaceNetworkAclEntry /
//! DeleteNetworkAclEntry (entries change by rule number), CreateTags / DeleteTags. Id: the ACL id
//! (`acl-…`). Replaced when defaultNetworkAclId or region change. AWS cannot delete a default ACL:
//! delete leaves it (with the entries it has then) and it goes with its VPC.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_ec2::types::{IcmpTypeCode, NetworkAclEntry, PortRange, RuleAction};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::security_group::canonical_protocol;
use super::{from_tags, update_tags};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{found, id_from, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::tags::{self, Tags};
use crate::validate;

pub struct DefaultNetworkAcl;

/// AWS's own last entry of every ACL (deny everything else); it cannot be changed.
const CATCH_ALL: i64 = 32767;

/// One entry of a network ACL. ACLs are stateless: return traffic needs its own entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:ec2:NetworkAclRule")]
pub struct AclRule {
    /// The rule number, 1-32766: entries are evaluated from the lowest, the first match decides.
    #[field(required = "a whole number from 1 to 32766")]
    pub rule_no: i64,
    /// `allow` or `deny`.
    #[field(required = "allow or deny")]
    pub action: String,
    /// `tcp`, `udp`, `icmp`, `-1` (every protocol) or an IP protocol number.
    #[field(required = "tcp, udp, icmp, -1 (all) or a protocol number", numbers_as_text)]
    pub protocol: String,
    /// The IPv4 block the entry applies to.
    #[field(required = "an IPv4 block, such as 10.0.0.0/16")]
    pub cidr_block: String,
    /// The first port (tcp and udp; default 0).
    #[field(default = 0)]
    #[serde(default)]
    pub from_port: i64,
    /// The last port (tcp and udp; default 0).
    #[field(default = 0)]
    #[serde(default)]
    pub to_port: i64,
    /// The ICMP type (icmp; -1 for every type; default 0).
    #[field(default = 0)]
    #[serde(default)]
    pub icmp_type: i64,
    /// The ICMP code (icmp; -1 for every code; default 0).
    #[field(default = 0)]
    #[serde(default)]
    pub icmp_code: i64,
}

/// The default network ACL of a VPC, with exactly the given entries (none unless given: AWS's
/// last entry then denies everything). Subnets that are associated with no other ACL use it.
/// Destroying it leaves the ACL as it is; it goes with its VPC. Import with the ACL id, or
/// `<acl id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct DefaultNetworkAclInputs {
    /// The VPC's default ACL (the Vpc's `defaultNetworkAclId`).
    #[field(replace, required = "the id of a VPC's default network ACL, such as acl-0123456789abcdef0")]
    pub default_network_acl_id: String,
    /// Inbound entries.
    #[field(default = Vec::new(), compare = comparable_entries)]
    #[serde(default)]
    pub ingress: Vec<AclRule>,
    /// Outbound entries.
    #[field(default = Vec::new(), compare = comparable_entries)]
    #[serde(default)]
    pub egress: Vec<AclRule>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The default ACL as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct DefaultNetworkAclOutputs {
    #[serde(flatten)]
    pub inputs: DefaultNetworkAclInputs,
    /// The ACL's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The VPC the ACL belongs to.
    #[serde(default)]
    pub vpc_id: String,
    /// The account that owns the ACL.
    #[serde(default)]
    pub owner_id: String,
}

/// Entries compare by rule number, whatever order they are given in.
fn comparable_entries(value: serde_json::Value) -> serde_json::Value {
    match serde_json::from_value::<Vec<AclRule>>(value.clone()) {
        Ok(mut rules) => {
            rules.sort();
            serde_json::to_value(rules).unwrap_or(value)
        }
        Err(_) => value,
    }
}

/// Validates the entries under `key` and keeps them canonical (protocols by name, ports only
/// where they mean something, sorted by rule number).
fn check_entries(c: &mut Checker<'_>, key: &str) {
    let Field::Known(rules) = c.get::<Vec<AclRule>>(key) else { return };
    let mut numbers = BTreeSet::new();
    let mut out = Vec::new();
    for (i, rule) in rules.into_iter().enumerate() {
        let at = format!("{key}[{i}]");
        if !(1..CATCH_ALL).contains(&rule.rule_no) {
            c.fail(key, format!("{at}: ruleNo must be 1 to 32766 (32767 is AWS's own last entry)"));
        } else if !numbers.insert(rule.rule_no) {
            c.fail(key, format!("{at}: ruleNo {} is given twice; each entry needs its own number", rule.rule_no));
        }
        let action = rule.action.to_ascii_lowercase();
        if action != "allow" && action != "deny" {
            c.fail(key, format!("{at}: action must be allow or deny"));
        }
        let Some(protocol) = canonical_protocol(&rule.protocol) else {
            c.fail(key, format!("{at}: protocol must be tcp, udp, icmp, -1 (all) or a protocol number 0-255"));
            continue;
        };
        let (from, to) = (rule.from_port, rule.to_port);
        let ported = protocol == "tcp" || protocol == "udp";
        if ported && !((0..=65535).contains(&from) && (0..=65535).contains(&to) && from <= to) {
            c.fail(key, format!("{at}: ports must be 0-65535 with fromPort ≤ toPort, not {from}-{to}"));
        }
        let icmp = protocol == "icmp";
        if icmp && !((-1..=255).contains(&rule.icmp_type) && (-1..=255).contains(&rule.icmp_code)) {
            c.fail(key, format!("{at}: icmpType and icmpCode must be -1 (all) to 255"));
        }
        if let Err(reason) = validate::cidr(&rule.cidr_block, 0, 32) {
            let reason = if c.is_secret(key) { "is not an IPv4 block (the value is secret)".into() } else { reason };
            c.fail(key, format!("{at}: cidrBlock {reason}"));
        }
        out.push(AclRule {
            action,
            from_port: if ported { from } else { 0 },
            to_port: if ported { to } else { 0 },
            icmp_type: if icmp { rule.icmp_type } else { 0 },
            icmp_code: if icmp { rule.icmp_code } else { 0 },
            protocol,
            ..rule
        });
    }
    out.sort();
    c.set(key, crate::value::Value::from_json(&serde_json::to_value(out).unwrap_or_default()));
}

#[async_trait]
impl Resource for DefaultNetworkAcl {
    const TOKEN: &'static str = "tap:ec2:DefaultNetworkAcl";
    type Inputs = DefaultNetworkAclInputs;
    type State = DefaultNetworkAclOutputs;
    /// Nothing is created: the ACL id is the identity.
    const MARKED: bool = false;

    fn check(&self, c: &mut Checker<'_>) {
        check_entries(c, "ingress");
        check_entries(c, "egress");
        tags::check(c, "tags", 0);
    }

    /// Takes the VPC's default ACL as it is; `finish` brings its entries to the inputs.
    async fn create(&self, ctx: &Ctx, inputs: &DefaultNetworkAclInputs) -> Result<Created<DefaultNetworkAclOutputs>> {
        let id = &inputs.default_network_acl_id;
        let not_default = || {
            Error::InvalidRequest(format!(
                "defaultNetworkAclId: {id} is not the default network ACL of a VPC in {} (give the Vpc's defaultNetworkAclId)",
                ctx.region()
            ))
        };
        let acl = describe(ctx, id).await?.ok_or_else(not_default)?;
        if acl.is_default() != Some(true) {
            return Err(not_default());
        }
        let id = id_from("DescribeNetworkAcls", acl.network_acl_id())?;
        Ok(Created { state: outputs_of(ctx, &id, &acl), id })
    }

    async fn finish(
        &self,
        ctx: &Ctx,
        id: &str,
        inputs: &DefaultNetworkAclInputs,
        state: &mut DefaultNetworkAclOutputs,
    ) -> Result<()> {
        *state = converge(ctx, id, inputs).await?;
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<DefaultNetworkAclOutputs>,
    ) -> Result<Option<DefaultNetworkAclOutputs>> {
        Ok(describe(ctx, id).await?.map(|acl| outputs_of(ctx, id, &acl)))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _olds: DefaultNetworkAclOutputs,
        news: DefaultNetworkAclInputs,
    ) -> Result<DefaultNetworkAclOutputs> {
        // From what AWS holds now, not what was recorded: the ACL may have been changed.
        converge(ctx, id, &news).await
    }

    /// AWS cannot delete a VPC's default ACL: it stays as it is and goes with its VPC.
    async fn delete(&self, _ctx: &Ctx, _id: &str, _olds: DefaultNetworkAclOutputs) -> Result<()> {
        Ok(())
    }
}

/// Brings the ACL's entries from what AWS holds to `wanted` by rule number (changed entries are
/// replaced in place, so no moment lets more through than either side), then the tags. Entries
/// tap cannot express (IPv6) are replaced or deleted like any other.
async fn converge(ctx: &Ctx, id: &str, wanted: &DefaultNetworkAclInputs) -> Result<DefaultNetworkAclOutputs> {
    let acl = describe(ctx, id)
        .await?
        .ok_or_else(|| Error::Internal(format!("network ACL {id} is gone; run pulumi refresh")))?;
    for (egress, new) in [(false, &wanted.ingress), (true, &wanted.egress)] {
        let old: BTreeMap<i64, Option<AclRule>> = acl
            .entries()
            .iter()
            .filter(|e| e.egress() == Some(egress))
            .filter_map(|e| Some((i64::from(e.rule_number()?), rule_of(e))))
            .filter(|(n, _)| *n != CATCH_ALL)
            .collect();
        let new: BTreeMap<i64, &AclRule> = new.iter().map(|r| (r.rule_no, r)).collect();
        for (n, rule) in &new {
            match old.get(n) {
                Some(Some(have)) if have == *rule => {}
                Some(_) => set_entry(ctx, id, egress, rule, true).await?,
                None => set_entry(ctx, id, egress, rule, false).await?,
            }
        }
        for n in old.keys().filter(|n| !new.contains_key(n)) {
            let result = ctx
                .clients
                .ec2
                .delete_network_acl_entry()
                .network_acl_id(id)
                .rule_number(*n as i32)
                .egress(egress)
                .send()
                .await
                .map_err(aws(Ec2, "DeleteNetworkAclEntry"));
            match result {
                Err(e) if !e.is_code(&["InvalidNetworkAclEntry.NotFound"]) => {
                    // A repeat of a delete that was carried out (its answer lost) may fail
                    // otherwise too (moto answers 500): done if the entry is gone.
                    let now = describe(ctx, id).await?;
                    let still = now
                        .iter()
                        .flat_map(|a| a.entries())
                        .any(|en| en.egress() == Some(egress) && en.rule_number().map(i64::from) == Some(*n));
                    if still {
                        return Err(e);
                    }
                }
                _ => {}
            }
        }
    }
    update_tags(&ctx.clients.ec2, id, &from_tags(acl.tags()), &wanted.tags).await?;
    let acl = describe(ctx, id).await?;
    still_there("default network ACL", id, acl.map(|a| outputs_of(ctx, id, &a)))
}

/// Creates (or, `replace`, replaces) one entry. A create that finds the number taken (its own
/// earlier call, answer lost) replaces; a replace that finds it gone creates.
async fn set_entry(ctx: &Ctx, id: &str, egress: bool, rule: &AclRule, replace: bool) -> Result<()> {
    let ec2 = &ctx.clients.ec2;
    let ports = PortRange::builder().from(rule.from_port as i32).to(rule.to_port as i32).build();
    let icmp = IcmpTypeCode::builder().r#type(rule.icmp_type as i32).code(rule.icmp_code as i32).build();
    let (protocol, action) = (wire_protocol(&rule.protocol), RuleAction::from(rule.action.as_str()));
    let (ports, icmp, protocol, action) = (&ports, &icmp, &protocol, &action);
    // Create and replace take the same entry: one builder body for both.
    macro_rules! entry {
        ($request:expr, $operation:literal) => {
            $request
                .network_acl_id(id)
                .rule_number(rule.rule_no as i32)
                .egress(egress)
                .protocol(protocol.clone())
                .rule_action(action.clone())
                .cidr_block(&rule.cidr_block)
                .port_range(ports.clone())
                .icmp_type_code(icmp.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(aws(Ec2, $operation))
        };
    }
    let send = |replace: bool| async move {
        if replace {
            entry!(ec2.replace_network_acl_entry(), "ReplaceNetworkAclEntry")
        } else {
            entry!(ec2.create_network_acl_entry(), "CreateNetworkAclEntry")
        }
    };
    match send(replace).await {
        Err(e) if !replace && e.is_code(&["NetworkAclEntryAlreadyExists"]) => send(true).await,
        Err(e) if replace && e.is_code(&["InvalidNetworkAclEntry.NotFound"]) => send(false).await,
        other => other,
    }
}

/// AWS's protocol field: a number, `-1` for all.
fn wire_protocol(p: &str) -> String {
    match p {
        "tcp" => "6".into(),
        "udp" => "17".into(),
        "icmp" => "1".into(),
        other => other.into(),
    }
}

/// An IPv4 entry as a rule; `None` for one tap cannot express (IPv6).
fn rule_of(e: &NetworkAclEntry) -> Option<AclRule> {
    let protocol = canonical_protocol(e.protocol().unwrap_or("-1"))?;
    let ported = protocol == "tcp" || protocol == "udp";
    let icmp = protocol == "icmp";
    let ports = e.port_range();
    let codes = e.icmp_type_code();
    Some(AclRule {
        rule_no: i64::from(e.rule_number()?),
        action: e.rule_action()?.as_str().to_ascii_lowercase(),
        cidr_block: e.cidr_block()?.to_string(),
        from_port: if ported { ports.and_then(|p| p.from()).map(i64::from).unwrap_or(0) } else { 0 },
        to_port: if ported { ports.and_then(|p| p.to()).map(i64::from).unwrap_or(0) } else { 0 },
        icmp_type: if icmp { codes.and_then(|c| c.r#type()).map(i64::from).unwrap_or(0) } else { 0 },
        icmp_code: if icmp { codes.and_then(|c| c.code()).map(i64::from).unwrap_or(0) } else { 0 },
        protocol,
    })
}

async fn describe(ctx: &Ctx, id: &str) -> Result<Option<aws_sdk_ec2::types::NetworkAcl>> {
    let out = found(
        ctx.clients
            .ec2
            .describe_network_acls()
            .network_acl_ids(id)
            .send()
            .await
            .map_err(aws(Ec2, "DescribeNetworkAcls")),
        Error::is_gone,
    )?;
    Ok(out.and_then(|o| o.network_acls().first().cloned()))
}

fn outputs_of(ctx: &Ctx, id: &str, acl: &aws_sdk_ec2::types::NetworkAcl) -> DefaultNetworkAclOutputs {
    let owner = acl.owner_id().unwrap_or_default().to_string();
    let rules = |egress: bool| {
        let mut rules: Vec<AclRule> = acl
            .entries()
            .iter()
            .filter(|e| e.egress() == Some(egress) && e.rule_number() != Some(CATCH_ALL as i32))
            .map(|e| {
                // An entry tap cannot express still shows, so that it is seen and removed.
                rule_of(e).unwrap_or_else(|| AclRule {
                    rule_no: e.rule_number().map(i64::from).unwrap_or_default(),
                    action: e.rule_action().map(|a| a.as_str().to_string()).unwrap_or_default(),
                    protocol: e.protocol().unwrap_or_default().to_string(),
                    cidr_block: e.ipv6_cidr_block().unwrap_or_default().to_string(),
                    from_port: 0,
                    to_port: 0,
                    icmp_type: 0,
                    icmp_code: 0,
                })
            })
            .collect();
        rules.sort();
        rules
    };
    DefaultNetworkAclOutputs {
        inputs: DefaultNetworkAclInputs {
            default_network_acl_id: id.to_string(),
            ingress: rules(false),
            egress: rules(true),
            region: ctx.region().to_string(),
            tags: from_tags(acl.tags()),
        },
        arn: ctx.clients.arn("ec2", &owner, &format!("network-acl/{id}")),
        vpc_id: acl.vpc_id().unwrap_or_default().to_string(),
        owner_id: owner,
    }
}

/// What a stateless ACL decides for one packet: the lowest-numbered entry that matches it
/// (`protocol` by name, `port` for tcp and udp, `peer` the packet's other end), else AWS's
/// last entry (deny).
pub fn admits(rules: &[AclRule], protocol: &str, port: i64, peer: std::net::Ipv4Addr) -> bool {
    let mut sorted: Vec<&AclRule> = rules.iter().collect();
    sorted.sort_by_key(|r| r.rule_no);
    sorted
        .into_iter()
        .find(|r| {
            let block = validate::cidr(&r.cidr_block, 0, 32).map(|b| b.contains(&peer)).unwrap_or(false);
            let protocol_matches = r.protocol == "-1" || r.protocol == protocol;
            let ported = r.protocol == "tcp" || r.protocol == "udp";
            block && protocol_matches && (!ported || (r.from_port..=r.to_port).contains(&port))
        })
        .is_some_and(|r| r.action == "allow")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use crate::value::{PropertyMap, Value};

    fn entry(no: i64, action: &str, protocol: &str, cidr: &str, from: i64, to: i64) -> Value {
        Value::from_json(
            &serde_json::json!({"ruleNo": no, "action": action, "protocol": protocol, "cidrBlock": cidr, "fromPort": from, "toPort": to}),
        )
    }

    fn check(ingress: Vec<Value>) -> (PropertyMap, Vec<crate::resource::Failure>) {
        let news: PropertyMap =
            [("defaultNetworkAclId".to_string(), Value::str("acl-1")), ("ingress".to_string(), Value::Array(ingress))]
                .into_iter()
                .collect();
        DynResource::check(&DefaultNetworkAcl, &PropertyMap::new(), news, "acl", &[1; 32], Some("us-east-1"))
    }

    #[test]
    fn check_canonicalizes_entries() {
        let (news, failures) = check(vec![
            entry(200, "ALLOW", "6", "0.0.0.0/0", 1024, 2048),
            entry(100, "deny", "-1", "10.0.0.0/16", 5, 6),
        ]);
        assert!(failures.is_empty(), "{failures:?}");
        let rules: Vec<AclRule> = serde_json::from_value(news["ingress"].to_json()).expect("rules");
        assert_eq!(rules.iter().map(|r| r.rule_no).collect::<Vec<_>>(), [100, 200], "sorted by number");
        assert_eq!((rules[0].from_port, rules[0].to_port), (0, 0), "ports mean nothing for -1");
        assert_eq!((rules[1].protocol.as_str(), rules[1].action.as_str()), ("tcp", "allow"));
    }

    #[test]
    fn check_rejects_bad_entries_naming_the_property_and_the_fix() {
        for (bad, says) in [
            (entry(0, "allow", "tcp", "0.0.0.0/0", 1, 2), "ruleNo must be 1 to 32766"),
            (entry(32767, "allow", "tcp", "0.0.0.0/0", 1, 2), "32767 is AWS's own last entry"),
            (entry(10, "permit", "tcp", "0.0.0.0/0", 1, 2), "action must be allow or deny"),
            (entry(10, "allow", "gre2", "0.0.0.0/0", 1, 2), "protocol must be tcp, udp, icmp"),
            (entry(10, "allow", "tcp", "0.0.0.0/0", 9, 2), "fromPort ≤ toPort"),
            (entry(10, "allow", "udp", "0.0.0.0/0", 0, 70000), "ports must be 0-65535"),
            (entry(10, "allow", "tcp", "10.0.0.300/16", 1, 2), "cidrBlock"),
        ] {
            let (_, failures) = check(vec![bad]);
            assert_eq!(failures.len(), 1, "{says}: {failures:?}");
            assert_eq!(failures[0].property, "ingress");
            assert!(
                failures[0].reason.starts_with("ingress[0]: ") && failures[0].reason.contains(says),
                "{failures:?}"
            );
        }
        let (_, failures) =
            check(vec![entry(10, "allow", "tcp", "0.0.0.0/0", 1, 2), entry(10, "deny", "-1", "0.0.0.0/0", 0, 0)]);
        assert!(failures.iter().any(|f| f.reason.contains("ruleNo 10 is given twice")), "{failures:?}");
    }

    #[test]
    fn the_first_matching_entry_decides() {
        let rules: Vec<AclRule> = serde_json::from_value(
            Value::Array(vec![
                entry(100, "deny", "tcp", "0.0.0.0/0", 22, 22),
                entry(200, "allow", "-1", "0.0.0.0/0", 0, 0),
            ])
            .to_json(),
        )
        .expect("rules");
        let anyone = std::net::Ipv4Addr::new(198, 51, 100, 1);
        assert!(!admits(&rules, "tcp", 22, anyone));
        assert!(admits(&rules, "tcp", 23, anyone));
        assert!(!admits(&[], "tcp", 443, anyone), "no entry: AWS's last entry denies");
    }
}
