//! The region's network: VPC, internet gateway, one private subnet per zone, the route table and
//! its associations, the restrictive security group, the execute-api interface endpoint, and the
//! S3 gateway endpoint on the route table (the private subnets reach S3 without the internet).

use std::sync::Arc;

use serde_json::json;

use super::inputs::nth_24;
use super::Region;
use crate::component::graph::{ready, Args, Child, Graph, Pending, Val};
use crate::resources::ec2::{
    default_network_acl::DefaultNetworkAcl, default_security_group::DefaultSecurityGroup,
    ebs_encryption_by_default::EbsEncryptionByDefault, internet_gateway::InternetGateway, route_table::RouteTable,
    route_table_association::RouteTableAssociation, security_group::SecurityGroup, subnet::Subnet, vpc::Vpc,
    vpc_endpoint::VpcEndpoint,
};
use crate::value::Value;

pub struct Network {
    pub vpc: Pending,
    pub igw: Pending,
    pub subnets: Vec<Pending>,
    pub route_table: Pending,
    pub security_group: Pending,
    pub endpoint: Pending,
    pub s3_endpoint: Pending,
}

pub fn vpc_args(r: &Region) -> Args<Vpc> {
    Args::new()
        .set("cidrBlock", r.settings.cidr.clone())
        .known("enableDnsSupport", Value::Bool(true))
        .known("enableDnsHostnames", Value::Bool(true))
        .set("region", r.val())
        .set("tags", r.tags("vpc", &[]))
}

pub fn igw_args(r: &Region, vpc: &Child) -> Args<InternetGateway> {
    Args::new().set("vpcId", vpc.id()).set("region", r.val()).set("tags", r.tags("igw", &[]))
}

pub fn subnet_suffix(i: usize) -> String {
    format!("private-subnet-{}", (b'a' + i as u8) as char)
}

pub fn subnet_args(r: &Region, vpc: &Child, i: usize, zone: &str) -> Args<Subnet> {
    Args::new()
        .set("vpcId", vpc.id())
        .set("cidrBlock", nth_24(&r.settings.cidr, i as u32 + 1))
        .set("availabilityZone", Val { secret: r.settings.zones_secret, ..Val::str(zone) })
        .known("mapPublicIpOnLaunch", Value::Bool(false))
        .set("region", r.val())
        .set("tags", r.tags(&subnet_suffix(i), &[("Tier", Val::str("Private"))]))
}

/// The route table; `igw` is given when the seed's route to the internet gateway is wanted.
pub fn route_table_args(r: &Region, vpc: &Child, igw: Option<&Child>) -> Args<RouteTable> {
    let routes = match igw {
        None => Val::known(Value::Array(vec![])),
        Some(igw) => {
            let route = Val::combine(&[&igw.id(), &r.settings.route_to_igw], |v| {
                Value::from_json(&json!({"cidrBlock": "0.0.0.0/0", "gatewayId": v[0].to_json()}))
            });
            route.map(|r| Value::Array(vec![r.clone()]))
        }
    };
    Args::new().set("vpcId", vpc.id()).set("routes", routes).set("region", r.val()).set("tags", r.tags("rt", &[]))
}

pub fn association_args(r: &Region, subnet: &Child, table: &Child) -> Args<RouteTableAssociation> {
    Args::new().set("subnetId", subnet.id()).set("routeTableId", table.id()).set("region", r.val())
}

pub fn security_group_args(r: &Region, vpc: &Child) -> Args<SecurityGroup> {
    let s = &r.settings;
    let rule = |protocol: &str, port: i64, cidr: &Value, description: &str| json!({"protocol": protocol, "fromPort": port, "toPort": port, "cidrBlocks": [cidr.to_json()], "description": description});
    let ingress = Val::combine(&[&s.cidr, &s.admin_cidr], |v| {
        Value::from_json(&json!([
            rule("tcp", 443, v[0], "HTTPS from VPC CIDR for API Gateway access"),
            rule("tcp", 22, v[1], "SSH from admin subnet only"),
        ]))
    });
    let egress = Value::from_json(&json!([rule("-1", 0, &Value::str("0.0.0.0/0"), "All outbound traffic allowed")]));
    Args::new()
        .set("vpcId", vpc.id())
        .known(
            "description",
            Value::str("Secure security group with restricted access for API Gateway and admin access"),
        )
        .set("ingress", ingress)
        .known("egress", egress)
        .set("region", r.val())
        .set("tags", r.tags("sg", &[("Purpose", Val::str("API Gateway and Admin Access"))]))
}

/// The VPC's default security group, emptied: nothing placed in it by default can send or
/// receive (CIS / EC2.2).
pub fn default_security_group_args(r: &Region, vpc: &Child) -> Args<DefaultSecurityGroup> {
    Args::new()
        .set("vpcId", vpc.id())
        .known("ingress", Value::Array(vec![]))
        .known("egress", Value::Array(vec![]))
        .set("region", r.val())
        .set("tags", r.tags("default-sg", &[("Purpose", Val::str("Unused: no rules"))]))
}

/// The first port of the ephemeral range the default ACL admits back from anywhere: Linux's
/// (32768-60999) and Windows' (49152-65535) together, above 22 and 3389.
pub const EPHEMERAL_FROM: i64 = 32768;

/// The default network ACL's entries (stateless, so return traffic has its own): inbound, all
/// traffic from inside the VPC (the endpoint, SSH from the admin block, replies between
/// subnets) and TCP replies to the ephemeral ports from anywhere (the internet route when asked
/// for, AWS services); outbound, everything (the security groups restrict it). Nothing from
/// outside reaches 22, 3389 or any port below the ephemeral range.
pub fn default_acl_ingress(vpc_cidr: &Value) -> Value {
    Value::from_json(&json!([
        acl_allow(100, "-1", &vpc_cidr.to_json(), 0, 0),
        acl_allow(200, "tcp", &json!("0.0.0.0/0"), EPHEMERAL_FROM, 65535)
    ]))
}

/// See `default_acl_ingress`.
pub fn default_acl_egress() -> Value {
    Value::from_json(&json!([acl_allow(100, "-1", &json!("0.0.0.0/0"), 0, 0)]))
}

fn acl_allow(no: i64, protocol: &str, cidr: &serde_json::Value, from: i64, to: i64) -> serde_json::Value {
    json!({"ruleNo": no, "action": "allow", "protocol": protocol, "cidrBlock": cidr, "fromPort": from, "toPort": to})
}

pub fn default_acl_args(r: &Region, vpc: &Child) -> Args<DefaultNetworkAcl> {
    Args::new()
        .set("defaultNetworkAclId", vpc.out("defaultNetworkAclId"))
        .set("ingress", r.settings.cidr.map(default_acl_ingress))
        .known("egress", default_acl_egress())
        .set("region", r.val())
        .set("tags", r.tags("default-nacl", &[]))
}

/// EBS encryption by default for the region (EC2.7), with the key the region uses for it
/// (AWS's `aws/ebs`): making the component's key the default would break every new volume once
/// that key is replaced or destroyed.
pub fn ebs_encryption_args(r: &Region) -> Args<EbsEncryptionByDefault> {
    Args::new().known("enabled", Value::Bool(true)).set("region", r.val())
}

/// The interface endpoint service of `service` in `region` (China's names start with `cn.`).
pub fn endpoint_service(region: &str, service: &str) -> String {
    let base = format!("com.amazonaws.{region}.{service}");
    if crate::aws::partition(region) == "aws-cn" {
        format!("cn.{base}")
    } else {
        base
    }
}

/// Invoking APIs of this account only (the trust boundary): any caller inside the VPC (the
/// health method is called unsigned, so a condition on the caller's account would lock it
/// out), but no API of another account, through this endpoint.
pub fn endpoint_policy(r: &Region) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "InvokeThisAccountsApisOnly", "Effect": "Allow", "Principal": "*", "Action": ["execute-api:Invoke"],
        "Resource": r.arn("execute-api", &r.name, &r.account, "*"),
        "Condition": {"StringEquals": {"aws:ResourceAccount": r.account}}}]})
}

pub fn endpoint_args(r: &Region, vpc: &Child, sg: &Child, subnets: &[Child]) -> Args<VpcEndpoint> {
    let subnet_ids: Vec<Val> = subnets.iter().map(Child::id).collect();
    let policy = endpoint_policy(r);
    Args::new()
        .set("vpcId", vpc.id())
        .known("serviceName", Value::str(endpoint_service(&r.name, "execute-api")))
        .known("vpcEndpointType", Value::str("Interface"))
        .set("subnetIds", Val::list(&subnet_ids))
        .set("securityGroupIds", sg.id().map(|id| Value::Array(vec![id.clone()])))
        .known("privateDnsEnabled", Value::Bool(true))
        .known("policy", Value::str(policy.to_string()))
        .set("region", r.val())
        .set("tags", r.tags("apigw-vpce", &[("Purpose", Val::str("Private API Gateway Access"))]))
}

/// The S3 gateway endpoint's policy: any caller in the VPC, this account's buckets only (data
/// cannot be copied out to another account's bucket through it).
pub fn s3_endpoint_policy(r: &Region) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "ThisAccountsBucketsOnly", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceAccount": r.account}}}]})
}

/// S3 for the private subnets without the internet: a Gateway endpoint routed to from the
/// route table.
pub fn s3_endpoint_args(r: &Region, vpc: &Child, table: &Child) -> Args<VpcEndpoint> {
    Args::new()
        .set("vpcId", vpc.id())
        .known("serviceName", Value::str(endpoint_service(&r.name, "s3")))
        .known("vpcEndpointType", Value::str("Gateway"))
        .set("routeTableIds", table.id().map(|id| Value::Array(vec![id.clone()])))
        .known("policy", Value::str(s3_endpoint_policy(r).to_string()))
        .set("region", r.val())
        .set("tags", r.tags("s3-vpce", &[("Purpose", Val::str("Private S3 access"))]))
}

pub fn build(g: &Graph, r: &Arc<Region>) -> Network {
    let vpc = {
        let r = r.clone();
        g.child("vpc", async move { Ok(vpc_args(&r)) })
    };
    let igw = {
        let (r, vpc) = (r.clone(), vpc.clone());
        g.child("igw", async move { Ok(igw_args(&r, &ready(&vpc).await?)) })
    };
    let subnets: Vec<Pending> = r
        .zones
        .iter()
        .enumerate()
        .map(|(i, zone)| {
            let (r, vpc, zone) = (r.clone(), vpc.clone(), zone.clone());
            g.child(&subnet_suffix(i), async move { Ok(subnet_args(&r, &ready(&vpc).await?, i, &zone)) })
        })
        .collect();
    let route_table = {
        let (r, vpc, igw) = (r.clone(), vpc.clone(), igw.clone());
        g.child("rt", async move {
            let vpc = ready(&vpc).await?;
            let igw = match r.settings.route_to_igw.value {
                Value::Bool(false) => None,
                _ => Some(ready(&igw).await?),
            };
            Ok(route_table_args(&r, &vpc, igw.as_ref()))
        })
    };
    let security_group = {
        let (r, vpc) = (r.clone(), vpc.clone());
        g.child("sg", async move { Ok(security_group_args(&r, &ready(&vpc).await?)) })
    };
    {
        let (r, vpc) = (r.clone(), vpc.clone());
        g.child("default-sg", async move { Ok(default_security_group_args(&r, &ready(&vpc).await?)) });
    }
    {
        let (r, vpc) = (r.clone(), vpc.clone());
        g.child("default-nacl", async move { Ok(default_acl_args(&r, &ready(&vpc).await?)) });
    }
    if r.settings.manage_region_settings.value != Value::Bool(false) {
        let r = r.clone();
        // A fixed name per region, as API Gateway's account has.
        g.named(&format!("ebs-encryption-by-default-{}", r.name), async move { Ok(ebs_encryption_args(&r)) });
    }
    let endpoint = {
        let (r, vpc, sg, subnets) = (r.clone(), vpc.clone(), security_group.clone(), subnets.clone());
        g.child("apigw-vpce", async move {
            let (vpc, sg) = (ready(&vpc).await?, ready(&sg).await?);
            let mut ready_subnets = Vec::new();
            for subnet in &subnets {
                ready_subnets.push(ready(subnet).await?);
            }
            Ok(endpoint_args(&r, &vpc, &sg, &ready_subnets))
        })
    };
    for (i, subnet) in subnets.iter().enumerate() {
        let (r, subnet, table) = (r.clone(), subnet.clone(), route_table.clone());
        g.child(
            &format!("rta-{i}"),
            async move { Ok(association_args(&r, &ready(&subnet).await?, &ready(&table).await?)) },
        );
    }
    let s3_endpoint = {
        let (r, vpc, table) = (r.clone(), vpc.clone(), route_table.clone());
        g.child("s3-vpce", async move { Ok(s3_endpoint_args(&r, &ready(&vpc).await?, &ready(&table).await?)) })
    };
    Network { vpc, igw, subnets, route_table, security_group, endpoint, s3_endpoint }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::resources::ec2::default_network_acl::{admits, AclRule};

    fn rules(v: Value) -> Vec<AclRule> {
        serde_json::from_value(v.to_json()).expect("entries")
    }

    /// ACLs are stateless: each flow the region needs is checked both ways.
    #[test]
    fn the_default_acl_lets_the_region_work_and_keeps_the_internet_out() {
        let ingress = rules(default_acl_ingress(&Value::str("10.0.0.0/16")));
        let egress = rules(default_acl_egress());
        let (inside, admin, internet) =
            (Ipv4Addr::new(10, 0, 1, 20), Ipv4Addr::new(10, 0, 0, 9), Ipv4Addr::new(203, 0, 113, 7));
        // The endpoint called from inside the VPC, and its reply to the caller's ephemeral port.
        assert!(admits(&ingress, "tcp", 443, inside));
        assert!(admits(&egress, "tcp", 40000, inside));
        // SSH from the admin block (inside the VPC).
        assert!(admits(&ingress, "tcp", 22, admin));
        // HTTPS out (AWS services, the internet route when asked for) and the replies back.
        assert!(admits(&egress, "tcp", 443, internet));
        for port in [EPHEMERAL_FROM, 49152, 60999, 65535] {
            assert!(admits(&ingress, "tcp", port, internet), "reply to {port}");
        }
        // Nothing from outside reaches an admin port or a service.
        for port in [22, 3389, 80, 443, 1024, 8080, EPHEMERAL_FROM - 1] {
            assert!(!admits(&ingress, "tcp", port, internet), "tcp {port} from the internet");
        }
        assert!(!admits(&ingress, "udp", 40000, internet));
        assert!(!admits(&ingress, "icmp", 0, internet));
        assert!(!ingress.iter().any(|r| r.cidr_block == "0.0.0.0/0" && r.protocol == "-1"), "no allow-all inbound");
    }
}
