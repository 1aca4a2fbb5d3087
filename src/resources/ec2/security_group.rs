//! `tap:ec2:SecurityGroup`: a VPC security group with CIDR ingress and egress rules.
//!
//! AWS APIs: CreateSecurityGroup (tags at creation), RevokeSecurityGroupEgress (AWS's default
//! allow-all egress is always removed, so egress is exactly what is given),
//! AuthorizeSecurityGroupIngress / -Egress, RevokeSecurityGroupIngress / -Egress (rules are updated
//! in place by difference), UpdateSecurityGroupRuleDescriptionsIngress / -Egress (a rule that only
//! changes its description, as the default egress does when the program gives it one), DescribeSecurityGroups, CreateTags / DeleteTags, DeleteSecurityGroup.
//! Id: the group id (`sg-…`). Replaced when vpcId, name, description or region change. Autonamed
//! `<resource name>-<7 hex>` (or `<namePrefix><7 hex>`) when no name is given.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use aws_sdk_ec2::types::{IpPermission, IpRange, ResourceType};
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::{adopt, from_tags, mark, tag_spec, update_tags};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::check::autonamed;
use crate::resource::{deleted, found, id_from, still_there, Checker, Created, Ctx, Field, Resource};
use crate::resources::tags::{self, Tags};
use crate::validate;

pub struct SecurityGroup;

/// A security group rule for IPv4 blocks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
#[field(token = "tap:ec2:SecurityGroupRule")]
pub struct Rule {
    /// `tcp`, `udp`, `icmp`, `-1` (every protocol) or an IP protocol number.
    #[field(required = "tcp, udp, icmp, -1 (all) or a protocol number", numbers_as_text)]
    pub protocol: String,
    /// The first port (for icmp, the type; 0 for protocol -1).
    #[field(required = "a whole number (0 for protocol -1)")]
    pub from_port: i64,
    /// The last port (for icmp, the code; 0 for protocol -1).
    #[field(required = "a whole number (0 for protocol -1)")]
    pub to_port: i64,
    /// The IPv4 blocks the rule applies to.
    #[field(required = "at least one block, such as 10.0.0.0/16")]
    #[serde(default)]
    pub cidr_blocks: Vec<String>,
    /// What the rule is for (up to 255 characters).
    #[field(default = "")]
    #[serde(default)]
    pub description: String,
}

/// A VPC security group with IPv4 ingress and egress rules. Rules and tags update in place by
/// difference; changing vpcId, name or description replaces it. AWS's default allow-all egress
/// rule is always removed, so egress is exactly what is given. Import with the group id, or
/// `<sg id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupInputs {
    /// The VPC the group belongs to.
    #[field(replace, required = "the id of the VPC, such as vpc-0123456789abcdef0")]
    pub vpc_id: String,
    /// The group's name (autonamed `<resource name>-<7 hex>` when neither it nor namePrefix is given).
    #[field(replace)]
    pub name: String,
    /// A prefix for the autoname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_prefix: Option<String>,
    /// The group's description, 1-255 ASCII characters (default `Managed by Pulumi`).
    #[field(replace, default = "Managed by Pulumi")]
    pub description: String,
    /// Inbound rules.
    #[field(default = Vec::new(), compare = comparable_rules)]
    #[serde(default)]
    pub ingress: Vec<Rule>,
    /// Outbound rules (exactly these: AWS's default allow-all egress is removed).
    #[field(default = Vec::new(), compare = comparable_rules)]
    #[serde(default)]
    pub egress: Vec<Rule>,
    /// Revoke every rule before deleting the group (for groups that reference each other).
    #[field(default = false)]
    #[serde(default)]
    pub revoke_rules_on_delete: bool,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The group as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct SecurityGroupOutputs {
    #[serde(flatten)]
    pub inputs: SecurityGroupInputs,
    /// The group's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The account that owns the group.
    #[serde(default)]
    pub owner_id: String,
}

/// The unit AWS authorizes and revokes: one protocol/port range for one block.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Atom {
    protocol: String,
    from: i64,
    to: i64,
    cidr: String,
    description: String,
}

fn atoms(rules: &[Rule]) -> BTreeSet<Atom> {
    rules
        .iter()
        .flat_map(|r| {
            r.cidr_blocks.iter().map(|c| Atom {
                protocol: r.protocol.clone(),
                from: r.from_port,
                to: r.to_port,
                cidr: c.clone(),
                description: r.description.clone(),
            })
        })
        .collect()
}

/// Rules in their canonical order, with each rule's blocks sorted.
fn canonical(mut rules: Vec<Rule>) -> Vec<Rule> {
    for r in &mut rules {
        r.cidr_blocks.sort();
        r.cidr_blocks.dedup();
    }
    rules.sort();
    rules
}

/// Regroups atoms into rules (one per protocol, ports and description).
fn rules_of(atoms: impl IntoIterator<Item = Atom>) -> Vec<Rule> {
    let mut grouped: BTreeMap<(String, i64, i64, String), Vec<String>> = BTreeMap::new();
    for a in atoms {
        grouped.entry((a.protocol, a.from, a.to, a.description)).or_default().push(a.cidr);
    }
    canonical(
        grouped
            .into_iter()
            .map(|((protocol, from_port, to_port, description), cidr_blocks)| Rule {
                protocol,
                from_port,
                to_port,
                cidr_blocks,
                description,
            })
            .collect(),
    )
}

/// `tcp`/`udp`/`icmp`/`-1` for the protocols AWS names, else the number.
pub(super) fn canonical_protocol(p: &str) -> Option<String> {
    let p = p.trim().to_ascii_lowercase();
    let named = match p.as_str() {
        "tcp" | "6" => "tcp",
        "udp" | "17" => "udp",
        "icmp" | "1" => "icmp",
        "-1" | "all" => "-1",
        other => return other.parse::<u8>().ok().map(|n| n.to_string()),
    };
    Some(named.to_string())
}

/// Rules compare as the sets of (protocol, ports, block, description) they allow.
pub(super) fn comparable_rules(value: serde_json::Value) -> serde_json::Value {
    match serde_json::from_value::<Vec<Rule>>(value.clone()) {
        Ok(rules) => serde_json::to_value(rules_of(atoms(&rules))).unwrap_or(value),
        Err(_) => value,
    }
}

/// Validates the rules under `key` and keeps them in canonical form (protocols by name, blocks
/// sorted, rules sorted).
pub(super) fn check_rules(c: &mut Checker<'_>, key: &str) {
    let Field::Known(rules) = c.get::<Vec<Rule>>(key) else { return };
    let mut out = Vec::new();
    // AWS keeps one rule, with one description, per protocol, ports and block.
    let mut seen: BTreeMap<(String, i64, i64, String), (usize, String)> = BTreeMap::new();
    for (i, rule) in rules.into_iter().enumerate() {
        let at = format!("{key}[{i}]");
        let Some(protocol) = canonical_protocol(&rule.protocol) else {
            c.fail(key, format!("{at}: protocol must be tcp, udp, icmp, -1 (all) or a protocol number 0-255"));
            continue;
        };
        let (from, to) = (rule.from_port, rule.to_port);
        let ports = |r: std::ops::RangeInclusive<i64>| r.contains(&from) && r.contains(&to);
        let problem = match protocol.as_str() {
            "tcp" | "udp" if !ports(0..=65535) => Some(format!("ports must be between 0 and 65535, not {from}-{to}")),
            "tcp" | "udp" if from > to => Some(format!("fromPort {from} is greater than toPort {to}")),
            "icmp" if !ports(-1..=255) => {
                Some("for icmp, fromPort is the type and toPort the code, each -1 to 255".into())
            }
            "-1" if from != 0 || to != 0 => Some("protocol -1 covers every port; give fromPort 0 and toPort 0".into()),
            _ => None,
        };
        if let Some(problem) = problem {
            c.fail(key, format!("{at}: {problem}"));
        }
        if rule.cidr_blocks.is_empty() {
            c.fail(key, format!("{at}: give at least one block in cidrBlocks, such as 10.0.0.0/16"));
        }
        for cidr in &rule.cidr_blocks {
            if let Err(reason) = validate::cidr(cidr, 0, 32) {
                let reason =
                    if c.is_secret(key) { "is not an IPv4 block (the value is secret)".into() } else { reason };
                c.fail(key, format!("{at}: cidrBlocks {reason}"));
            }
        }
        if rule.description.len() > 255 {
            c.fail(key, format!("{at}: description is longer than 255 characters"));
        }
        for cidr in &rule.cidr_blocks {
            let rule_key = (protocol.clone(), from, to, cidr.clone());
            match seen.get(&rule_key) {
                Some((j, description)) if *description != rule.description => c.fail(
                    key,
                    format!(
                        "{at}: {protocol} {from}-{to} from {cidr} is already {key}[{j}] with the description \
                         {description:?}; AWS keeps one rule (and one description) per protocol, ports and block: \
                         give both the same description or drop one"
                    ),
                ),
                Some(_) => {}
                None => {
                    seen.insert(rule_key, (i, rule.description.clone()));
                }
            }
        }
        out.push(Rule { protocol, ..rule });
    }
    let json = serde_json::to_value(canonical(out)).unwrap_or_default();
    c.set(key, crate::value::Value::from_json(&json));
}

/// The autoname prefix of a group called `name` in the program: `<name>-`, or `tap-<name>-` for a
/// name starting `sg` (AWS reserves `sg-` for group ids).
fn group_prefix(name: &str) -> String {
    let prefix = format!("{name}-");
    if prefix.starts_with("sg-") {
        format!("tap-{prefix}")
    } else {
        prefix
    }
}

#[async_trait]
impl Resource for SecurityGroup {
    const TOKEN: &'static str = "tap:ec2:SecurityGroup";
    type Inputs = SecurityGroupInputs;
    type State = SecurityGroupOutputs;
    /// Autonamed from the engine's random seed, new on every run.
    const RENAMED: &'static [&'static str] = &["name"];

    fn check(&self, c: &mut Checker<'_>) {
        let prefix = group_prefix(c.name());
        if let Field::Known(name) = c.autoname("name", "namePrefix", 255, &prefix) {
            if name.starts_with("sg-") {
                c.fail("name", format!("{name:?} starts with `sg-`, which AWS reserves for group ids"));
            }
            if name.len() > 255 {
                c.fail("name", "is longer than 255 characters");
            }
        }
        if let Field::Known(d) = c.string("description") {
            if d.is_empty() || d.len() > 255 || !d.is_ascii() {
                c.fail("description", "must be 1 to 255 ASCII characters");
            }
        }
        check_rules(c, "ingress");
        check_rules(c, "egress");
        tags::check(c, "tags", 1);
    }

    /// A VPC holds one group of a name: a replacement keeping a name the program gave deletes
    /// the old one first (an autoname is new for the replacement).
    fn replace_conflicts(&self, name: &str, olds: &SecurityGroupOutputs, news: &SecurityGroupInputs) -> bool {
        olds.inputs.vpc_id == news.vpc_id
            && olds.inputs.name == news.name
            && !autonamed(&news.name, &news.name_prefix.clone().unwrap_or_else(|| group_prefix(name)), 255)
    }

    async fn find(
        &self,
        ctx: &Ctx,
        _inputs: &SecurityGroupInputs,
        fresh: bool,
    ) -> Result<Option<Created<SecurityGroupOutputs>>> {
        adopt(ctx, fresh, |id| async move { read_group(ctx, &id).await }).await
    }

    async fn create(&self, ctx: &Ctx, inputs: &SecurityGroupInputs) -> Result<Created<SecurityGroupOutputs>> {
        // The ARN needs the account when AWS's answer has none: asked before the group exists.
        let account = ctx.clients.account_id().await?;
        let created = ctx
            .clients
            .ec2
            .create_security_group()
            .group_name(&inputs.name)
            .description(&inputs.description)
            .vpc_id(&inputs.vpc_id)
            .set_tag_specifications(tag_spec(ctx, ResourceType::SecurityGroup, &inputs.tags))
            .customize()
            .config_override(crate::aws::once::ec2())
            .send()
            .await
            .map_err(aws(Ec2, "CreateSecurityGroup"))?;
        let id = id_from("CreateSecurityGroup", created.group_id())?;
        let arn = match created.security_group_arn() {
            Some(arn) => arn.to_string(),
            None => ctx.clients.arn("ec2", &account, &format!("security-group/{id}")),
        };
        // arn:<partition>:ec2:<region>:<owner>:security-group/<id>
        let owner_id = arn.split(':').nth(4).unwrap_or_default().to_string();
        let all_traffic = Rule {
            protocol: "-1".into(),
            from_port: 0,
            to_port: 0,
            cidr_blocks: vec!["0.0.0.0/0".into()],
            description: String::new(),
        };
        let state = SecurityGroupOutputs {
            inputs: SecurityGroupInputs { ingress: Vec::new(), egress: vec![all_traffic], ..inputs.clone() },
            arn,
            owner_id,
        };
        Ok(Created { id, state })
    }

    async fn finish(
        &self,
        ctx: &Ctx,
        id: &str,
        inputs: &SecurityGroupInputs,
        state: &mut SecurityGroupOutputs,
    ) -> Result<()> {
        // Ingress, and egress (AWS's own allow-all egress replaced, so that egress is exactly
        // what the program gives), are independent: change them together.
        let (default_egress, wanted_egress) = (atoms(&state.inputs.egress), atoms(&inputs.egress));
        let revoked: BTreeSet<Atom> = default_egress.difference(&wanted_egress).cloned().collect();
        let authorized: BTreeSet<Atom> = wanted_egress.difference(&default_egress).cloned().collect();
        let egress = replace_rules(ctx, id, Direction::Egress, &revoked, &authorized);
        let wanted_ingress = atoms(&inputs.ingress);
        let ingress = change(ctx, id, Direction::Ingress, Action::Authorize, &wanted_ingress);
        let (egress, ingress) = tokio::join!(egress, ingress);
        if ingress.is_ok() {
            state.inputs.ingress = rules_of(atoms(&inputs.ingress));
        }
        if egress.is_ok() {
            state.inputs.egress = rules_of(atoms(&inputs.egress));
        }
        ingress?;
        egress
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: Option<SecurityGroupOutputs>,
    ) -> Result<Option<SecurityGroupOutputs>> {
        let mut found = read_group(ctx, id).await?;
        if let (Some(g), Some(prior)) = (&mut found, prior) {
            g.inputs.name_prefix = prior.inputs.name_prefix;
            g.inputs.revoke_rules_on_delete = prior.inputs.revoke_rules_on_delete;
        }
        Ok(found)
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        olds: SecurityGroupOutputs,
        news: SecurityGroupInputs,
    ) -> Result<SecurityGroupOutputs> {
        change_rules(ctx, id, [&olds.inputs.ingress, &olds.inputs.egress], [&news.ingress, &news.egress]).await?;
        update_tags(&ctx.clients.ec2, id, &olds.inputs.tags, &news.tags).await?;
        let mut state = still_there("security group", id, read_group(ctx, id).await?)?;
        state.inputs.name_prefix = news.name_prefix;
        state.inputs.revoke_rules_on_delete = news.revoke_rules_on_delete;
        Ok(state)
    }

    async fn mark(&self, ctx: &Ctx, id: &str, _state: &SecurityGroupOutputs) -> Result<()> {
        mark(ctx, id).await
    }

    async fn delete(&self, ctx: &Ctx, id: &str, olds: SecurityGroupOutputs) -> Result<()> {
        if olds.inputs.revoke_rules_on_delete {
            if let Some(current) = read_group(ctx, id).await? {
                change(ctx, id, Direction::Ingress, Action::Revoke, &atoms(&current.inputs.ingress)).await?;
                change(ctx, id, Direction::Egress, Action::Revoke, &atoms(&current.inputs.egress)).await?;
            }
        }
        let ec2 = &ctx.clients.ec2;
        let result = ctx
            .retry_while(
                &format!("deleting security group {id} (network interfaces or other groups still use it)"),
                Error::is_in_use,
                || async {
                    ec2.delete_security_group().group_id(id).send().await.map_err(aws(Ec2, "DeleteSecurityGroup"))
                },
            )
            .await;
        deleted(result, Error::is_gone)
    }
}

/// Brings a group's `[ingress, egress]` rules from `old` to `new` by difference (revokes first).
pub(super) async fn change_rules(ctx: &Ctx, id: &str, old: [&[Rule]; 2], new: [&[Rule]; 2]) -> Result<()> {
    let [ingress, egress] = [Direction::Ingress, Direction::Egress].map(|direction| {
        let i = direction as usize;
        let (old, new) = (atoms(old[i]), atoms(new[i]));
        let removed: BTreeSet<Atom> = old.difference(&new).cloned().collect();
        let added: BTreeSet<Atom> = new.difference(&old).cloned().collect();
        async move { replace_rules(ctx, id, direction, &removed, &added).await }
    });
    tokio::try_join!(ingress, egress).map(|_| ())
}

/// Revokes `removed` and authorizes `added` in one direction, at once. A rule in both under
/// another description (AWS keys a rule by protocol, ports and block) keeps its place and takes
/// the new description: one call, where revoking and authorizing it again would be two in turn.
async fn replace_rules(
    ctx: &Ctx,
    id: &str,
    direction: Direction,
    removed: &BTreeSet<Atom>,
    added: &BTreeSet<Atom>,
) -> Result<()> {
    let key = |a: &Atom| (a.protocol.clone(), a.from, a.to, a.cidr.clone());
    let (removed_keys, added_keys): (BTreeSet<_>, BTreeSet<_>) =
        (removed.iter().map(key).collect(), added.iter().map(key).collect());
    let (redescribed, fresh): (BTreeSet<Atom>, BTreeSet<Atom>) =
        added.iter().cloned().partition(|a| removed_keys.contains(&key(a)));
    let gone: BTreeSet<Atom> = removed.iter().filter(|a| !added_keys.contains(&key(a))).cloned().collect();
    tokio::try_join!(
        change(ctx, id, direction, Action::Revoke, &gone),
        change(ctx, id, direction, Action::Authorize, &fresh),
        change(ctx, id, direction, Action::Describe, &redescribed),
    )
    .map(|_| ())
}

#[derive(Clone, Copy)]
enum Direction {
    Ingress,
    Egress,
}

#[derive(Clone, Copy)]
enum Action {
    Authorize,
    Revoke,
    /// Gives existing rules the atoms' descriptions.
    Describe,
}

/// The IpPermissions for a set of atoms: one per protocol and port range.
fn permissions(atoms: &BTreeSet<Atom>, with_descriptions: bool) -> Vec<IpPermission> {
    let mut grouped: BTreeMap<(String, i64, i64), Vec<IpRange>> = BTreeMap::new();
    for a in atoms {
        let range = IpRange::builder()
            .cidr_ip(&a.cidr)
            .set_description((with_descriptions && !a.description.is_empty()).then(|| a.description.clone()))
            .build();
        grouped.entry((a.protocol.clone(), a.from, a.to)).or_default().push(range);
    }
    grouped
        .into_iter()
        .map(|((protocol, from, to), ranges)| {
            let all = protocol == "-1";
            IpPermission::builder()
                .ip_protocol(protocol)
                .set_from_port((!all).then_some(from as i32))
                .set_to_port((!all).then_some(to as i32))
                .set_ip_ranges(Some(ranges))
                .build()
        })
        .collect()
}

/// Authorizes, revokes or redescribes `atoms`. Revoking a rule that is already gone is done
/// (idempotent), and so is authorizing one that exists; a rule to redescribe that is gone (revoked
/// by hand since it was read) is authorized with its description. AWS fails a whole batch for one
/// such rule, so the batch is then applied rule by rule.
async fn change(ctx: &Ctx, id: &str, direction: Direction, action: Action, atoms: &BTreeSet<Atom>) -> Result<()> {
    let settled = |e: &Error| e.is_code(&["InvalidPermission.NotFound", "InvalidPermission.Duplicate"]);
    match send_change(ctx, id, direction, action, atoms).await {
        Err(e) if settled(&e) && atoms.len() > 1 => {
            for atom in atoms {
                Box::pin(change(ctx, id, direction, action, &BTreeSet::from([atom.clone()]))).await?;
            }
            Ok(())
        }
        Err(e) if settled(&e) && matches!(action, Action::Describe) => {
            Box::pin(change(ctx, id, direction, Action::Authorize, atoms)).await
        }
        Err(e) if settled(&e) => Ok(()),
        other => other,
    }
}

async fn send_change(ctx: &Ctx, id: &str, direction: Direction, action: Action, atoms: &BTreeSet<Atom>) -> Result<()> {
    if atoms.is_empty() {
        return Ok(());
    }
    let ec2 = &ctx.clients.ec2;
    let perms = Some(permissions(atoms, !matches!(action, Action::Revoke)));
    match (direction, action) {
        (Direction::Ingress, Action::Authorize) => {
            ec2.authorize_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(perms)
                .send()
                .await
                .map_err(aws(Ec2, "AuthorizeSecurityGroupIngress"))?;
        }
        (Direction::Egress, Action::Authorize) => {
            ec2.authorize_security_group_egress()
                .group_id(id)
                .set_ip_permissions(perms)
                .send()
                .await
                .map_err(aws(Ec2, "AuthorizeSecurityGroupEgress"))?;
        }
        (Direction::Ingress, Action::Revoke) => {
            ec2.revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(perms)
                .send()
                .await
                .map_err(aws(Ec2, "RevokeSecurityGroupIngress"))?;
        }
        (Direction::Egress, Action::Revoke) => {
            ec2.revoke_security_group_egress()
                .group_id(id)
                .set_ip_permissions(perms)
                .send()
                .await
                .map_err(aws(Ec2, "RevokeSecurityGroupEgress"))?;
        }
        (Direction::Ingress, Action::Describe) => {
            ec2.update_security_group_rule_descriptions_ingress()
                .group_id(id)
                .set_ip_permissions(perms)
                .send()
                .await
                .map_err(aws(Ec2, "UpdateSecurityGroupRuleDescriptionsIngress"))?;
        }
        (Direction::Egress, Action::Describe) => {
            ec2.update_security_group_rule_descriptions_egress()
                .group_id(id)
                .set_ip_permissions(perms)
                .send()
                .await
                .map_err(aws(Ec2, "UpdateSecurityGroupRuleDescriptionsEgress"))?;
        }
    }
    Ok(())
}

pub(super) fn rules_from(perms: &[IpPermission]) -> Vec<Rule> {
    let atoms = perms.iter().flat_map(|p| {
        let protocol = canonical_protocol(p.ip_protocol().unwrap_or("-1")).unwrap_or_else(|| "-1".into());
        let all = protocol == "-1";
        let from = if all { 0 } else { i64::from(p.from_port().unwrap_or(0)) };
        let to = if all { 0 } else { i64::from(p.to_port().unwrap_or(0)) };
        p.ip_ranges().iter().filter_map(move |r| {
            Some(Atom {
                protocol: protocol.clone(),
                from,
                to,
                cidr: r.cidr_ip()?.to_string(),
                description: r.description().unwrap_or_default().to_string(),
            })
        })
    });
    rules_of(atoms)
}

async fn read_group(ctx: &Ctx, id: &str) -> Result<Option<SecurityGroupOutputs>> {
    let Some(out) = found(
        ctx.clients
            .ec2
            .describe_security_groups()
            .group_ids(id)
            .send()
            .await
            .map_err(aws(Ec2, "DescribeSecurityGroups")),
        Error::is_gone,
    )?
    else {
        return Ok(None);
    };
    Ok(out.security_groups().first().map(|g| {
        let owner = g.owner_id().unwrap_or_default().to_string();
        SecurityGroupOutputs {
            inputs: SecurityGroupInputs {
                vpc_id: g.vpc_id().unwrap_or_default().to_string(),
                name: g.group_name().unwrap_or_default().to_string(),
                name_prefix: None,
                description: g.description().unwrap_or_default().to_string(),
                ingress: rules_from(g.ip_permissions()),
                egress: rules_from(g.ip_permissions_egress()),
                revoke_rules_on_delete: false,
                region: ctx.region().to_string(),
                tags: from_tags(g.tags()),
            },
            arn: g
                .security_group_arn()
                .map(str::to_string)
                .unwrap_or_else(|| ctx.clients.arn("ec2", &owner, &format!("security-group/{id}"))),
            owner_id: owner,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DynResource;
    use crate::value::PropertyMap;
    use crate::value::Value;

    fn rule(protocol: &str, from: i64, to: i64, cidrs: &[&str], description: &str) -> Rule {
        Rule {
            protocol: protocol.into(),
            from_port: from,
            to_port: to,
            cidr_blocks: cidrs.iter().map(|c| c.to_string()).collect(),
            description: description.into(),
        }
    }

    #[test]
    fn rules_compare_as_sets_of_atoms() {
        let a = vec![rule("tcp", 443, 443, &["10.0.0.0/16", "10.1.0.0/16"], "https")];
        let b =
            vec![rule("tcp", 443, 443, &["10.1.0.0/16"], "https"), rule("tcp", 443, 443, &["10.0.0.0/16"], "https")];
        assert_eq!(rules_of(atoms(&a)), rules_of(atoms(&b)));
        let json = |r: &Vec<Rule>| serde_json::to_value(r).unwrap_or_default();
        assert_eq!(comparable_rules(json(&a)), comparable_rules(json(&b)));
    }

    #[test]
    fn permissions_group_ranges_and_drop_ports_for_all_traffic() {
        let set = atoms(&[rule("-1", 0, 0, &["0.0.0.0/0"], "all"), rule("tcp", 22, 22, &["10.0.0.0/24"], "ssh")]);
        let perms = permissions(&set, true);
        assert_eq!(perms.len(), 2);
        let all = perms.iter().find(|p| p.ip_protocol() == Some("-1")).expect("all");
        assert_eq!(all.from_port(), None);
        assert_eq!(all.ip_ranges()[0].description(), Some("all"));
        let revoke = permissions(&set, false);
        assert_eq!(revoke[0].ip_ranges()[0].description(), None);
    }

    fn check(news: Vec<(&str, Value)>) -> (PropertyMap, Vec<crate::resource::Failure>) {
        let news = news.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        DynResource::check(&SecurityGroup, &PropertyMap::new(), news, "web", &[1, 2, 3, 4], Some("us-east-1"))
    }

    fn rule_value(protocol: Value, from: f64, to: f64, cidrs: &[&str]) -> Value {
        Value::Array(vec![Value::Object(
            [
                ("protocol".to_string(), protocol),
                ("fromPort".to_string(), Value::Number(from)),
                ("toPort".to_string(), Value::Number(to)),
                ("cidrBlocks".to_string(), Value::Array(cidrs.iter().map(|c| Value::str(*c)).collect())),
            ]
            .into_iter()
            .collect(),
        )])
    }

    #[test]
    fn check_autonames_and_normalizes_protocols() {
        let (inputs, failures) = check(vec![
            ("vpcId", Value::str("vpc-1")),
            ("ingress", rule_value(Value::str("6"), 443.0, 443.0, &["10.0.0.0/16"])),
        ]);
        assert!(failures.is_empty(), "{failures:?}");
        assert_eq!(inputs["name"], Value::str("web-0102030"));
        assert_eq!(inputs["description"], Value::str("Managed by Pulumi"));
        let Value::Array(rules) = &inputs["ingress"] else { panic!() };
        let Value::Object(r) = &rules[0] else { panic!() };
        assert_eq!(r["protocol"], Value::str("tcp"));
        assert_eq!(r["description"], Value::str(""));
    }

    #[test]
    fn check_reuses_the_old_name() {
        let olds: PropertyMap = [("name".to_string(), Value::str("web-abcdef0"))].into_iter().collect();
        let news = [("vpcId".to_string(), Value::str("vpc-1"))].into_iter().collect();
        let (inputs, _) = DynResource::check(&SecurityGroup, &olds, news, "web", &[9; 32], Some("us-east-1"));
        assert_eq!(inputs["name"], Value::str("web-abcdef0"));
    }

    #[test]
    fn an_adopted_group_keeps_its_generated_name_without_a_diff() {
        // An interrupted run made `web-1111111`; the run that adopted it had generated
        // `web-2222222`, which Check keeps in the inputs from then on.
        let news = [("vpcId".to_string(), Value::str("vpc-1"))].into_iter().collect();
        let olds: PropertyMap = [("name".to_string(), Value::str("web-2222222"))].into_iter().collect();
        let (news, _) = DynResource::check(&SecurityGroup, &olds, news, "web", &[9; 32], Some("us-east-1"));
        let mut state = news.clone();
        state.insert("name".into(), Value::str("web-1111111"));
        let marker = crate::resource::marker_of("", "urn");
        state.insert(crate::resource::MARKER_KEY.into(), Value::str(&marker));
        let d = DynResource::diff(&SecurityGroup, &marker, "web", &state, &news, &news, &[]);
        assert!(d.changes.is_empty(), "{d:?}");
        // Without the old inputs (or with another name in them) it is a rename, which replaces.
        let d = DynResource::diff(&SecurityGroup, &marker, "web", &state, &PropertyMap::new(), &news, &[]);
        assert_eq!(d.replaces(), ["name"]);
    }

    #[test]
    fn check_rejects_bad_rules_naming_the_property() {
        for (ingress, needle) in [
            (rule_value(Value::str("tcp"), 0.0, 70000.0, &["10.0.0.0/16"]), "between 0 and 65535"),
            (rule_value(Value::str("tcp"), 443.0, 80.0, &["10.0.0.0/16"]), "greater than toPort"),
            (rule_value(Value::str("gre"), 0.0, 0.0, &["10.0.0.0/16"]), "protocol must be"),
            (rule_value(Value::str("-1"), 0.0, 65535.0, &["10.0.0.0/16"]), "fromPort 0 and toPort 0"),
            (rule_value(Value::str("tcp"), 22.0, 22.0, &["10.0.0.300/24"]), "not an IPv4 address"),
            (rule_value(Value::str("tcp"), 22.0, 22.0, &[]), "at least one block"),
        ] {
            let (_, failures) = check(vec![("vpcId", Value::str("vpc-1")), ("ingress", ingress)]);
            assert!(
                failures.iter().any(|f| f.property == "ingress" && f.reason.contains(needle)),
                "{needle}: {failures:?}"
            );
        }
        let two = |first: &str, second: &str| {
            Value::from_json(&serde_json::json!([
                {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.0.0.0/16"], "description": first},
                {"protocol": "TCP", "fromPort": 443, "toPort": 443, "cidrBlocks": ["10.1.0.0/16", "10.0.0.0/16"], "description": second},
            ]))
        };
        let (_, failures) = check(vec![("vpcId", Value::str("vpc-1")), ("egress", two("web", "api"))]);
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert_eq!(failures[0].property, "egress");
        assert!(
            failures[0].reason.starts_with(
                "egress[1]: tcp 443-443 from 10.0.0.0/16 is already egress[0] with the description \"web\""
            ),
            "{}",
            failures[0].reason
        );
        let (_, failures) = check(vec![("vpcId", Value::str("vpc-1")), ("egress", two("web", "web"))]);
        assert!(failures.is_empty(), "the same rule twice is one rule: {failures:?}");
        let (_, failures) = check(vec![("vpcId", Value::str("vpc-1")), ("name", Value::str("sg-web"))]);
        assert_eq!(failures[0].property, "name");
        let (_, failures) =
            check(vec![("vpcId", Value::str("vpc-1")), ("name", Value::str("a")), ("namePrefix", Value::str("b"))]);
        assert_eq!(failures[0].property, "namePrefix");
    }
}
