//! Every resource tap implements, by token.

pub mod ec2;
pub mod policy;

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
