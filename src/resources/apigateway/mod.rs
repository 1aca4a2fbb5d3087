//! API Gateway resources: the REST API, its methods and integrations with their responses, a
//! deployment, a stage with its method settings, and the region's API Gateway account.

pub mod account;
pub mod deployment;
pub mod integration;
pub mod method;
pub mod rest_api;
pub mod stage;

use aws_sdk_apigateway::types::{Op, PatchOperation};

use crate::error::{aws, Result, Service::ApiGateway};
use crate::resource::{Checker, Ctx, Field};
use crate::resources::tags::{TagChange, Tags};

/// The HTTP methods a REST API method may have.
pub const HTTP_METHODS: [&str; 8] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"];

/// The method under `key` is one API Gateway knows.
pub fn check_http_method(c: &mut Checker<'_>, key: &str) {
    if let Field::Known(m) = c.string(key) {
        if !HTTP_METHODS.contains(&m.as_str()) {
            c.fail(key, format!("must be one of {} (upper case)", HTTP_METHODS.join(", ")));
        }
    }
}

/// The status code under `key` is three digits, 100-599.
pub fn check_status_code(c: &mut Checker<'_>, key: &str) {
    if let Field::Known(code) = c.string(key) {
        if !(code.len() == 3 && code.parse::<u16>().is_ok_and(|n| (100..600).contains(&n))) {
            c.fail(key, format!("{code:?} is not an HTTP status code: give three digits such as 200"));
        }
    }
}

/// `op` on `path` (with `value`): one change of an UpdateX call.
pub fn patch(op: Op, path: &str, value: Option<String>) -> PatchOperation {
    PatchOperation::builder().op(op).path(path).set_value(value).build()
}

/// The pieces of an id `<prefix>-<a>-<b>-…` (API Gateway ids have no hyphens).
pub fn id_parts<'a>(id: &'a str, prefix: &str, count: usize) -> Option<Vec<&'a str>> {
    let rest = id.strip_prefix(prefix)?.strip_prefix('-')?;
    let parts: Vec<&str> = rest.splitn(count, '-').collect();
    (parts.len() == count && parts.iter().all(|p| !p.is_empty())).then_some(parts)
}

/// Brings the tags of the API Gateway resource `arn` from `old` to `new` (TagResource is
/// synchronous: afterwards the tags are `new`).
pub async fn update_tags(ctx: &Ctx, arn: &str, old: &Tags, new: &Tags) -> Result<()> {
    let api = &ctx.clients.apigateway;
    TagChange::between(old, new)
        .apply(
            |keys| async move {
                let request = api.untag_resource().resource_arn(arn).set_tag_keys(Some(keys));
                request.send().await.map_err(aws(ApiGateway, "UntagResource"))?;
                Ok(())
            },
            |set| async move {
                let request = api.tag_resource().resource_arn(arn).set_tags(Some(set.into_iter().collect()));
                request.send().await.map_err(aws(ApiGateway, "TagResource"))?;
                Ok(())
            },
        )
        .await
}

/// A delete's outcome: done when it succeeded, when the thing was already gone, or when it
/// failed otherwise but `gone` now says it is (a repeated delete that some endpoints, moto
/// among them, answer with a 500).
pub async fn settle_delete<T>(result: Result<T>, gone: impl std::future::Future<Output = Result<bool>>) -> Result<()> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.is_gone() => Ok(()),
        Err(e) => match gone.await {
            Ok(true) => Ok(()),
            _ => Err(e),
        },
    }
}

/// The ARN of a stage, for tagging.
pub fn stage_arn(partition: &str, region: &str, api: &str, stage: &str) -> String {
    format!("arn:{partition}:apigateway:{region}::/restapis/{api}/stages/{stage}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_split_into_their_parts() {
        assert_eq!(super::id_parts("agm-a1-r2-GET", "agm", 3), Some(vec!["a1", "r2", "GET"]));
        assert_eq!(super::id_parts("agmr-a1-r2-GET-200", "agmr", 4), Some(vec!["a1", "r2", "GET", "200"]));
        assert_eq!(super::id_parts("agm-a1-r2", "agm", 3), None);
        assert_eq!(super::id_parts("agi-a1-r2-GET", "agm", 3), None);
    }
}
