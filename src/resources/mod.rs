//! Every resource tap implements, by token, and the helpers they share (tags, policies).

pub mod apigateway;
pub mod cloudwatch;
pub mod ec2;
pub mod iam;
pub mod kms;
pub mod policy;
pub mod s3;
pub mod tags;

use std::collections::BTreeMap;

use crate::resource::DynResource;

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
            Box::new(ec2::default_security_group::DefaultSecurityGroup),
            Box::new(ec2::default_network_acl::DefaultNetworkAcl),
            Box::new(ec2::flow_log::FlowLog),
            Box::new(ec2::ebs_encryption_by_default::EbsEncryptionByDefault),
            Box::new(kms::key::Key),
            Box::new(kms::alias::Alias),
            Box::new(iam::role::Role),
            Box::new(iam::role_policy::RolePolicy),
            Box::new(iam::role_policy_attachment::RolePolicyAttachment),
            Box::new(iam::account_password_policy::AccountPasswordPolicy),
            Box::new(apigateway::rest_api::RestApi),
            Box::new(apigateway::method::Method),
            Box::new(apigateway::method::MethodResponse),
            Box::new(apigateway::integration::Integration),
            Box::new(apigateway::integration::IntegrationResponse),
            Box::new(apigateway::deployment::Deployment),
            Box::new(apigateway::stage::Stage),
            Box::new(apigateway::stage::MethodSettings),
            Box::new(apigateway::account::Account),
            Box::new(cloudwatch::log_group::LogGroup),
            Box::new(s3::bucket::Bucket),
            Box::new(s3::bucket_policy::BucketPolicy::new()),
            Box::new(s3::server_side_encryption::BucketServerSideEncryptionConfiguration::new()),
            Box::new(s3::public_access_block::BucketPublicAccessBlock::new()),
            Box::new(s3::account_public_access_block::AccountPublicAccessBlock),
            Box::new(s3::setting::Setting::<s3::versioning::Versioning>::new()),
            Box::new(s3::setting::Setting::<s3::ownership_controls::Ownership>::new()),
            Box::new(s3::setting::Setting::<s3::lifecycle_configuration::Lifecycle>::new()),
            Box::new(s3::setting::Setting::<s3::logging::Logging>::new()),
        ];
        Registry { resources: all.into_iter().map(|r| (r.token(), r)).collect() }
    }

    pub fn get(&self, token: &str) -> Option<&dyn DynResource> {
        self.resources.get(token).map(|r| r.as_ref())
    }

    pub fn all(&self) -> impl Iterator<Item = &dyn DynResource> + '_ {
        self.resources.values().map(|r| r.as_ref())
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
    fn regional_resources_declare_region_and_global_ones_do_not() {
        let registry = super::Registry::new();
        for r in registry.all() {
            let has_region = r.input_fields().iter().any(|f| f.name == "region");
            assert_eq!(has_region, r.regional(), "{}: region input iff regional", r.token());
        }
    }

    #[test]
    fn every_state_embeds_the_inputs_and_names_are_unique() {
        for r in super::Registry::new().all() {
            let inputs: Vec<&str> = r.input_fields().iter().map(|f| f.name).collect();
            let state: Vec<&str> = r.state_fields().iter().map(|f| f.name).collect();
            let unique: BTreeSet<&str> = state.iter().copied().collect();
            assert_eq!(unique.len(), state.len(), "{}: a field declared twice: {state:?}", r.token());
            for i in &inputs {
                assert!(state.contains(i), "{}: the state does not embed input {i}", r.token());
            }
        }
    }
}
