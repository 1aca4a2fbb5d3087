//! Every resource tap implements, by token.

pub mod apigateway;
pub mod cloudwatch;
pub mod ec2;
pub mod iam;
pub mod kms;
pub mod policy;
pub mod s3;

use std::collections::BTreeMap;

use crate::resource::DynResource;

/// Tags as the program gives them.
pub type Tags = BTreeMap<String, String>;

/// What to set (new or changed values) and what to remove to bring tags from `old` to `new`.
pub fn tag_diff(old: &Tags, new: &Tags) -> (Tags, Vec<String>) {
    let set = new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let removed = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    (set, removed)
}

/// Dispatch from a type token to its resource.
pub struct Registry {
    resources: BTreeMap<&'static str, Box<dyn DynResource>>,
}

impl Registry {
    pub fn new() -> Registry {
        let all: Vec<Box<dyn DynResource>> = vec![
            Box::new(ec2::vpc::Vpc),
            Box::new(ec2::subnet::Subnet),
            Box::new(ec2::internet_gateway::InternetGateway),
            Box::new(ec2::route_table::RouteTable),
            Box::new(ec2::route_table_association::RouteTableAssociation),
            Box::new(ec2::security_group::SecurityGroup),
            Box::new(ec2::vpc_endpoint::VpcEndpoint),
            Box::new(kms::key::Key),
            Box::new(kms::alias::Alias),
            Box::new(iam::role::Role),
            Box::new(iam::role_policy_attachment::RolePolicyAttachment),
            Box::new(iam::account_password_policy::AccountPasswordPolicy),
            Box::new(apigateway::rest_api::RestApi),
            Box::new(cloudwatch::log_group::LogGroup),
            Box::new(s3::bucket::Bucket),
            Box::new(s3::bucket_policy::BucketPolicy),
            Box::new(s3::server_side_encryption::BucketServerSideEncryptionConfiguration),
            Box::new(s3::public_access_block::BucketPublicAccessBlock),
        ];
        Registry { resources: all.into_iter().map(|r| (r.token(), r)).collect() }
    }

    pub fn get(&self, token: &str) -> Option<&dyn DynResource> {
        self.resources.get(token).map(|r| r.as_ref())
    }

    pub fn tokens(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.resources.keys().copied()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn every_implemented_token_is_in_the_schema_and_every_schema_resource_is_implemented() {
        let implemented: BTreeSet<&str> = super::Registry::new().tokens().collect();
        let in_schema: BTreeSet<&str> =
            crate::schema::resources().iter().filter(|(_, t)| !t.is_component).map(|(k, _)| k.as_str()).collect();
        assert_eq!(implemented, in_schema);
    }

    #[test]
    fn regional_resources_have_a_region_input_and_output() {
        let registry = super::Registry::new();
        for token in registry.tokens() {
            let r = registry.get(token).expect("registered");
            let inputs = crate::schema::input_keys(token);
            assert_eq!(inputs.contains("region"), r.regional(), "{token}: region input iff regional");
        }
    }
}
