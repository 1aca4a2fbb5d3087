//! `tap:ec2:DefaultSecurityGroup`: takes charge of the security group AWS made with a VPC and
//! keeps exactly the given rules on it (none by default), as pulumi-aws's DefaultSecurityGroup.
//!
//! AWS APIs: DescribeSecurityGroups (`vpc-id` and `group-name=default`), Revoke/Authorize
//! SecurityGroupIngress / -Egress, CreateTags / DeleteTags. Id: the group id (`sg-…`). Replaced
//! when vpcId or region change. AWS cannot delete a default group: delete leaves it (with the
//! rules it has then) and it goes with its VPC.

use async_trait::async_trait;
use aws_sdk_ec2::types::IpPermission;
use serde::{Deserialize, Serialize};
use tap_macros::Fields;

use super::security_group::{change_rules, check_rules, comparable_rules, rules_from, Rule};
use super::{filter, from_tags, update_tags};
use crate::error::{aws, Error, Result, Service::Ec2};
use crate::resource::{found, id_from, still_there, Checker, Created, Ctx, Resource};
use crate::resources::tags::{self, Tags};

pub struct DefaultSecurityGroup;

/// The default security group of a VPC, with exactly the given rules: none unless given, so
/// nothing can use it to reach or leave the VPC (AWS's self-referencing ingress and allow-all
/// egress are revoked). Destroying it leaves the group as it is; it goes with its VPC. Import with
/// the group id, or `<sg id>@<region>`.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct DefaultSecurityGroupInputs {
    /// The VPC whose default group this is.
    #[field(replace, required = "the id of the VPC, such as vpc-0123456789abcdef0")]
    pub vpc_id: String,
    /// Inbound rules (default none).
    #[field(default = Vec::new(), compare = comparable_rules)]
    #[serde(default)]
    pub ingress: Vec<Rule>,
    /// Outbound rules (default none).
    #[field(default = Vec::new(), compare = comparable_rules)]
    #[serde(default)]
    pub egress: Vec<Rule>,
    #[field(region)]
    pub region: String,
    #[field(tags)]
    #[serde(default)]
    pub tags: Tags,
}

/// The default group as AWS reports it.
#[derive(Debug, Clone, Serialize, Deserialize, Fields)]
#[serde(rename_all = "camelCase")]
pub struct DefaultSecurityGroupOutputs {
    #[serde(flatten)]
    pub inputs: DefaultSecurityGroupInputs,
    /// The group's ARN.
    #[field(from = "region")]
    #[serde(default)]
    pub arn: String,
    /// The group's name (`default`).
    #[serde(default)]
    pub name: String,
    /// The account that owns the group.
    #[serde(default)]
    pub owner_id: String,
    /// How many rules AWS holds that tap cannot express (other groups, IPv6 blocks, prefix
    /// lists): every create and update revokes them, so above zero after a refresh means they
    /// were added since.
    #[serde(default)]
    pub other_rules: i64,
}

#[async_trait]
impl Resource for DefaultSecurityGroup {
    const TOKEN: &'static str = "tap:ec2:DefaultSecurityGroup";
    type Inputs = DefaultSecurityGroupInputs;
    type State = DefaultSecurityGroupOutputs;
    /// Nothing is created: the VPC is the identity (it has one default group).
    const MARKED: bool = false;

    fn check(&self, c: &mut Checker<'_>) {
        check_rules(c, "ingress");
        check_rules(c, "egress");
        tags::check(c, "tags", 0);
    }

    /// Finds the VPC's default group; what AWS holds on it is the state `finish` starts from.
    async fn create(
        &self,
        ctx: &Ctx,
        inputs: &DefaultSecurityGroupInputs,
    ) -> Result<Created<DefaultSecurityGroupOutputs>> {
        let out = ctx
            .clients
            .ec2
            .describe_security_groups()
            .filters(filter("vpc-id", &inputs.vpc_id))
            .filters(filter("group-name", "default"))
            .send()
            .await
            .map_err(aws(Ec2, "DescribeSecurityGroups"))?;
        let group = out.security_groups().first().ok_or_else(|| {
            Error::InvalidRequest(format!(
                "vpcId: VPC {} has no default security group (is it a VPC of region {}?)",
                inputs.vpc_id,
                ctx.region()
            ))
        })?;
        let id = id_from("DescribeSecurityGroups", group.group_id())?;
        Ok(Created { state: outputs_of(ctx, &id, group), id })
    }

    async fn finish(
        &self,
        ctx: &Ctx,
        id: &str,
        inputs: &DefaultSecurityGroupInputs,
        state: &mut DefaultSecurityGroupOutputs,
    ) -> Result<()> {
        *state = converge(ctx, id, state.clone(), inputs).await?;
        Ok(())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _prior: Option<DefaultSecurityGroupOutputs>,
    ) -> Result<Option<DefaultSecurityGroupOutputs>> {
        read_group(ctx, id).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _olds: DefaultSecurityGroupOutputs,
        news: DefaultSecurityGroupInputs,
    ) -> Result<DefaultSecurityGroupOutputs> {
        // From what AWS holds now, not what was recorded: the group may have been changed.
        let current = still_there("default security group", id, read_group(ctx, id).await?)?;
        converge(ctx, id, current, &news).await
    }

    /// AWS cannot delete a VPC's default group: it stays as it is and goes with its VPC.
    async fn delete(&self, _ctx: &Ctx, _id: &str, _olds: DefaultSecurityGroupOutputs) -> Result<()> {
        Ok(())
    }
}

/// Brings the group from `current` to `wanted`: what tap cannot express is revoked, then the
/// rules change by difference, then the tags.
async fn converge(
    ctx: &Ctx,
    id: &str,
    current: DefaultSecurityGroupOutputs,
    wanted: &DefaultSecurityGroupInputs,
) -> Result<DefaultSecurityGroupOutputs> {
    if current.other_rules > 0 {
        revoke_other_rules(ctx, id).await?;
    }
    let (have, want) = (&current.inputs, wanted);
    change_rules(ctx, id, [&have.ingress, &have.egress], [&want.ingress, &want.egress]).await?;
    update_tags(&ctx.clients.ec2, id, &current.inputs.tags, &wanted.tags).await?;
    still_there("default security group", id, read_group(ctx, id).await?)
}

/// The parts of a permission tap does not manage: other groups, IPv6 blocks, prefix lists.
fn other_part(p: &IpPermission) -> Option<IpPermission> {
    let groups = p.user_id_group_pairs();
    let (v6, lists) = (p.ipv6_ranges(), p.prefix_list_ids());
    if groups.is_empty() && v6.is_empty() && lists.is_empty() {
        return None;
    }
    Some(
        IpPermission::builder()
            .set_ip_protocol(p.ip_protocol().map(str::to_string))
            .set_from_port(p.from_port())
            .set_to_port(p.to_port())
            .set_user_id_group_pairs((!groups.is_empty()).then(|| groups.to_vec()))
            .set_ipv6_ranges((!v6.is_empty()).then(|| v6.to_vec()))
            .set_prefix_list_ids((!lists.is_empty()).then(|| lists.to_vec()))
            .build(),
    )
}

fn count_other(perms: &[IpPermission]) -> i64 {
    perms
        .iter()
        .map(|p| (p.user_id_group_pairs().len() + p.ipv6_ranges().len() + p.prefix_list_ids().len()) as i64)
        .sum()
}

/// Revokes every rule tap cannot express (AWS's self-referencing ingress among them). A rule
/// already revoked (a repeated call) is done.
async fn revoke_other_rules(ctx: &Ctx, id: &str) -> Result<()> {
    let Some(out) = describe(ctx, id).await? else { return Ok(()) };
    let Some(group) = out.security_groups().first() else { return Ok(()) };
    let ec2 = &ctx.clients.ec2;
    let settled = |e: &Error| e.is_code(&["InvalidPermission.NotFound"]);
    let ingress: Vec<IpPermission> = group.ip_permissions().iter().filter_map(other_part).collect();
    let egress: Vec<IpPermission> = group.ip_permissions_egress().iter().filter_map(other_part).collect();
    if !ingress.is_empty() {
        let sent = ec2.revoke_security_group_ingress().group_id(id).set_ip_permissions(Some(ingress)).send().await;
        crate::resource::deleted(sent.map_err(aws(Ec2, "RevokeSecurityGroupIngress")), settled)?;
    }
    if !egress.is_empty() {
        let sent = ec2.revoke_security_group_egress().group_id(id).set_ip_permissions(Some(egress)).send().await;
        crate::resource::deleted(sent.map_err(aws(Ec2, "RevokeSecurityGroupEgress")), settled)?;
    }
    Ok(())
}

async fn describe(
    ctx: &Ctx,
    id: &str,
) -> Result<Option<aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput>> {
    found(
        ctx.clients
            .ec2
            .describe_security_groups()
            .group_ids(id)
            .send()
            .await
            .map_err(aws(Ec2, "DescribeSecurityGroups")),
        Error::is_gone,
    )
}

fn outputs_of(ctx: &Ctx, id: &str, g: &aws_sdk_ec2::types::SecurityGroup) -> DefaultSecurityGroupOutputs {
    let owner = g.owner_id().unwrap_or_default().to_string();
    DefaultSecurityGroupOutputs {
        inputs: DefaultSecurityGroupInputs {
            vpc_id: g.vpc_id().unwrap_or_default().to_string(),
            ingress: rules_from(g.ip_permissions()),
            egress: rules_from(g.ip_permissions_egress()),
            region: ctx.region().to_string(),
            tags: from_tags(g.tags()),
        },
        arn: g
            .security_group_arn()
            .map(str::to_string)
            .unwrap_or_else(|| ctx.clients.arn("ec2", &owner, &format!("security-group/{id}"))),
        name: g.group_name().unwrap_or_default().to_string(),
        other_rules: count_other(g.ip_permissions()) + count_other(g.ip_permissions_egress()),
        owner_id: owner,
    }
}

async fn read_group(ctx: &Ctx, id: &str) -> Result<Option<DefaultSecurityGroupOutputs>> {
    let Some(out) = describe(ctx, id).await? else { return Ok(None) };
    Ok(out.security_groups().first().map(|g| outputs_of(ctx, id, g)))
}
