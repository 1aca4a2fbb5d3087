//! Every resource tap implements, by token.

pub mod ec2;

use std::collections::BTreeMap;

use crate::resource::DynResource;

/// Dispatch from a type token to its resource.
pub struct Registry {
    resources: BTreeMap<&'static str, Box<dyn DynResource>>,
}

impl Registry {
    pub fn new() -> Registry {
        let all: Vec<Box<dyn DynResource>> = vec![Box::new(ec2::vpc::Vpc)];
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
