//! What moto holds for a marker: every live resource that carries tap's marker tag for one URN
//! (or, for an alias, whose key carries its alias tag), read directly, not through the provider.
//! "Exactly one of each" and "destroy leaves nothing" are counted with it.

use std::collections::HashMap;

use tap::aws::Clients;
use tap::testing::MARKER_TAG;

/// Where a resource of `token` carries its marker: a tag on itself, a tag on its key (an alias),
/// or nowhere (`None`: a resource with no tags of its own, singular under its parent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Carrier {
    Tag,
    KeyTag,
}

pub fn carrier(token: &str) -> Option<Carrier> {
    match token {
        "tap:kms:Alias" => Some(Carrier::KeyTag),
        "tap:ec2:RouteTableAssociation"
        | "tap:ec2:DefaultSecurityGroup"
        | "tap:ec2:DefaultNetworkAcl"
        | "tap:iam:RolePolicy"
        | "tap:apigateway:Method"
        | "tap:apigateway:MethodResponse"
        | "tap:apigateway:Integration"
        | "tap:apigateway:IntegrationResponse"
        | "tap:apigateway:MethodSettings"
        | "tap:apigateway:Account"
        | "tap:ec2:EbsEncryptionByDefault"
        | "tap:iam:RolePolicyAttachment"
        | "tap:iam:AccountPasswordPolicy"
        | "tap:s3:BucketPolicy"
        | "tap:s3:BucketServerSideEncryptionConfiguration"
        | "tap:s3:BucketPublicAccessBlock"
        | "tap:s3:AccountPublicAccessBlock"
        | "tap:s3:BucketVersioning"
        | "tap:s3:BucketOwnershipControls"
        | "tap:s3:BucketLifecycleConfiguration"
        | "tap:s3:BucketLogging" => None,
        _ => Some(Carrier::Tag),
    }
}

/// Every live marked resource of one region (and IAM's global roles), read once, every page:
/// counting the resources of a whole deployment reads AWS once, not once per URN.
pub struct Inventory {
    /// marker → ids
    by_marker: HashMap<String, Vec<String>>,
    /// (alias tag key, alias name) for every alias whose key carries an alias tag
    aliases: Vec<(String, String)>,
}

impl Inventory {
    pub async fn take(aws: &Clients) -> Inventory {
        let mut by_marker: HashMap<String, Vec<String>> = HashMap::new();
        let mut found = |marker: &str, id: String| by_marker.entry(marker.to_string()).or_default().push(id);
        // EC2: every type at once; each is looked at, since moto keeps the tags of deleted resources.
        let key = aws_sdk_ec2::types::Filter::builder().name("key").values(MARKER_TAG).build();
        let mut ec2_tags = Vec::new();
        let mut pages = aws.ec2.describe_tags().filters(key).max_results(1000).into_paginator().send();
        while let Some(page) = pages.next().await {
            ec2_tags.extend(page.expect("DescribeTags").tags().iter().cloned());
        }
        for t in &ec2_tags {
            let id = t.resource_id().unwrap_or_default().to_string();
            if live_ec2(aws, &id).await {
                found(t.value().unwrap_or_default(), id);
            }
        }
        // KMS keys, log groups and buckets, through the tagging API (keys pending deletion are gone).
        let mappings = tagged_resources(aws).await;
        for m in &mappings {
            let arn = m.resource_arn().unwrap_or_default().to_string();
            let marker = m.tags().iter().find(|t| t.key() == MARKER_TAG).map(|t| t.value().to_string());
            let Some(marker) = marker else { continue };
            if arn.contains(":ec2:") {
                continue; // counted above, by id
            }
            if arn.contains(":kms:") {
                let key = arn.rsplit('/').next().unwrap_or_default();
                let d = aws.kms.describe_key().key_id(key).send().await.expect("DescribeKey");
                if d.key_metadata().and_then(|k| k.key_state()).is_some_and(|s| s.as_str() == "PendingDeletion") {
                    continue;
                }
            }
            if arn.contains(":s3:")
                && aws.s3.head_bucket().bucket(arn.rsplit(':').next().unwrap_or_default()).send().await.is_err()
            {
                continue;
            }
            if arn.contains(":logs:") {
                let name = arn.split(":log-group:").nth(1).unwrap_or_default().trim_end_matches(":*");
                let groups = aws.logs.describe_log_groups().log_group_name_prefix(name).send().await.expect("groups");
                if !groups.log_groups().iter().any(|g| g.log_group_name() == Some(name)) {
                    continue;
                }
            }
            found(&marker, arn);
        }
        // REST APIs carry their tags in GetRestApis.
        let mut apis = Vec::new();
        let mut pages = aws.apigateway.get_rest_apis().limit(500).into_paginator().send();
        while let Some(page) = pages.next().await {
            apis.extend(page.expect("GetRestApis").items().iter().cloned());
        }
        for api in &apis {
            let id = api.id().unwrap_or_default().to_string();
            if let Some(marker) = api.tags().and_then(|t| t.get(MARKER_TAG)) {
                found(marker, id.clone());
            }
            // Its stages carry tags; its deployments carry the marker at the end of the description.
            // An API deleted since it was listed (another test's) has none.
            let Ok(stages) = aws.apigateway.get_stages().rest_api_id(&id).send().await else { continue };
            for stage in stages.item() {
                if let Some(marker) = stage.tags().and_then(|t| t.get(MARKER_TAG)) {
                    found(marker, format!("ags-{id}-{}", stage.stage_name().unwrap_or_default()));
                }
            }
            let Ok(deployments) = aws.apigateway.get_deployments().rest_api_id(&id).send().await else { continue };
            for d in deployments.items() {
                let description = d.description().unwrap_or_default();
                let marker = description.rsplit_once("[tap:").and_then(|(_, m)| m.strip_suffix(']'));
                if let Some(marker) = marker {
                    found(marker, format!("{id}/{}", d.id().unwrap_or_default()));
                }
            }
        }
        // IAM roles (global).
        let mut roles = Vec::new();
        let mut pages = aws.iam.list_roles().max_items(1000).into_paginator().send();
        while let Some(page) = pages.next().await {
            roles.extend(page.expect("ListRoles").roles().iter().cloned());
        }
        for role in &roles {
            let Ok(tags) = aws.iam.list_role_tags().role_name(role.role_name()).send().await else { continue };
            if let Some(t) = tags.tags().iter().find(|t| t.key() == MARKER_TAG) {
                found(t.value(), role.role_name().to_string());
            }
        }
        // Aliases carry their marker on their key, as a tag named after the marker.
        let mut aliases = Vec::new();
        let mut listed = Vec::new();
        let mut pages = aws.kms.list_aliases().limit(1000).into_paginator().send();
        while let Some(page) = pages.next().await {
            listed.extend(page.expect("ListAliases").aliases().iter().cloned());
        }
        for a in &listed {
            let (Some(key), Some(name)) = (a.target_key_id(), a.alias_name()) else { continue };
            let Ok(tags) = aws.kms.list_resource_tags().key_id(key).send().await else { continue };
            for t in tags.tags().iter().filter(|t| t.tag_key().starts_with("tap:alias-") && t.tag_value() == name) {
                aliases.push((t.tag_key().to_string(), name.to_string()));
            }
        }
        Inventory { by_marker, aliases }
    }

    pub fn carrying(&self, carrier: Carrier, marker: &str) -> Vec<String> {
        match carrier {
            Carrier::Tag => self.marked(marker),
            Carrier::KeyTag => self.marked_aliases(marker),
        }
    }

    /// Every marker found (an alias's as the 16 hex digits its key's tag is named after).
    pub fn markers(&self) -> impl Iterator<Item = String> + '_ {
        let aliases = self.aliases.iter().map(|(key, _)| key.trim_start_matches("tap:alias-").to_string());
        self.by_marker.keys().cloned().chain(aliases)
    }

    pub fn marked(&self, marker: &str) -> Vec<String> {
        self.by_marker.get(marker).cloned().unwrap_or_default()
    }

    pub fn marked_aliases(&self, marker: &str) -> Vec<String> {
        let tag = format!("tap:alias-{}", &marker[..16]);
        self.aliases.iter().filter(|(key, _)| *key == tag).map(|(_, name)| name.clone()).collect()
    }
}

/// Every resource carrying a marker tag, through the tagging API, listed whole. moto pages
/// GetResources from a generator it keeps between requests over its live collections: a
/// resource another test makes or deletes meanwhile can end that generator with a 500, and the
/// same request sent again (as the SDK retries it) then gets an empty last page, the rest of the
/// listing silently missing. So no retries inside the SDK: a failed page starts the listing again.
async fn tagged_resources(aws: &Clients) -> Vec<aws_sdk_resourcegroupstagging::types::ResourceTagMapping> {
    let config =
        aws.tagging.config().to_builder().retry_config(aws_smithy_types::retry::RetryConfig::disabled()).build();
    let tagging = aws_sdk_resourcegroupstagging::Client::from_conf(config);
    let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder().key(MARKER_TAG).build();
    'listing: for attempt in 1.. {
        let mut mappings = Vec::new();
        let mut pages = tagging.get_resources().tag_filters(filter.clone()).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => mappings.extend(page.resource_tag_mapping_list().iter().cloned()),
                Err(e) if attempt < 20 => {
                    eprintln!("GetResources failed ({e:?}): listing again");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue 'listing;
                }
                Err(e) => panic!("GetResources: {e:?}"),
            }
        }
        return mappings;
    }
    unreachable!()
}

/// Whether an EC2 resource exists (moto keeps the tags of deleted resources, and lists deleted
/// endpoints with state `deleted`).
async fn live_ec2(aws: &Clients, id: &str) -> bool {
    let ec2 = &aws.ec2;
    match id.split('-').next().unwrap_or_default() {
        "vpc" => ec2.describe_vpcs().vpc_ids(id).send().await.is_ok_and(|o| !o.vpcs().is_empty()),
        "subnet" => ec2.describe_subnets().subnet_ids(id).send().await.is_ok_and(|o| !o.subnets().is_empty()),
        "igw" => ec2
            .describe_internet_gateways()
            .internet_gateway_ids(id)
            .send()
            .await
            .is_ok_and(|o| !o.internet_gateways().is_empty()),
        "rtb" => {
            ec2.describe_route_tables().route_table_ids(id).send().await.is_ok_and(|o| !o.route_tables().is_empty())
        }
        "sg" => {
            ec2.describe_security_groups().group_ids(id).send().await.is_ok_and(|o| !o.security_groups().is_empty())
        }
        "vpce" => ec2.describe_vpc_endpoints().vpc_endpoint_ids(id).send().await.is_ok_and(|o| {
            o.vpc_endpoints().first().and_then(|e| e.state()).is_some_and(|s| {
                matches!(s.as_str().to_lowercase().as_str(), "available" | "pending" | "pendingacceptance")
            })
        }),
        "fl" => ec2.describe_flow_logs().flow_log_ids(id).send().await.is_ok_and(|o| !o.flow_logs().is_empty()),
        _ => true,
    }
}
