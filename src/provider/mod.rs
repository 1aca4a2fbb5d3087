//! The ResourceProvider service: the only code that knows tonic and the wire. It decodes requests,
//! dispatches by token, and owns what every resource shares: preview, secrets, timeouts,
//! cancellation, partial creations and the mapping of errors to statuses.

mod status;

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::{watch, Semaphore};
use tonic::{Request, Response, Status};

use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::log::Logger;
use crate::proto::pulumirpc as rpc;
use crate::proto::pulumirpc::resource_provider_server::{ResourceProvider, ResourceProviderServer};
use crate::resource::{Change, Ctx, DynResource, Failure};
use crate::resources::Registry;
use crate::value::{self, PropertyMap, Unknown, Value};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// How long a cancelled or timed-out create waits for its create call in flight.
const GRACE: Duration = Duration::from_secs(30);
/// Global resources (IAM) still need a region to sign requests with.
const GLOBAL_REGION: &str = "us-east-1";

/// How many Reads one provider process runs at once, when `TAP_MAX_READS_IN_FLIGHT` does not
/// say: half the default bound on AWS calls (`aws::DEFAULT_MAX_CALLS_IN_FLIGHT`), as a Read
/// makes 1.2 calls on average and at most five at once (a VPC's). A refresh that sends every Read
/// at once (`--parallel` far above the CLI's default of 4 × cores) otherwise builds all their
/// AWS requests, which then wait for a connection with their whole state held: the Reads beyond
/// the bound wait before that, holding only their request.
pub const DEFAULT_MAX_READS_IN_FLIGHT: usize = crate::aws::DEFAULT_MAX_CALLS_IN_FLIGHT / 2;

/// `TAP_MAX_READS_IN_FLIGHT`, else `DEFAULT_MAX_READS_IN_FLIGHT`.
pub fn max_reads_in_flight() -> usize {
    crate::aws::bound_from_env("TAP_MAX_READS_IN_FLIGHT", DEFAULT_MAX_READS_IN_FLIGHT)
}

/// Serves the provider on `listener` until `shutdown` resolves. RPCs are served concurrently.
pub async fn serve(
    listener: tokio::net::TcpListener,
    engine_address: Option<String>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::result::Result<(), tonic::transport::Error> {
    let provider = Provider::new(engine_address.as_deref());
    let service = ResourceProviderServer::new(provider)
        .max_decoding_message_size(crate::MAX_MESSAGE_SIZE)
        .max_encoding_message_size(crate::MAX_MESSAGE_SIZE);
    tonic::transport::Server::builder()
        .add_service(service)
        .serve_with_incoming_shutdown(no_delay(listener), shutdown)
        .await
}

/// Accepted connections with Nagle's algorithm off: small gRPC messages otherwise wait ~40 ms for
/// the peer's delayed ACK, on every call.
pub fn no_delay(
    listener: tokio::net::TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    use tokio_stream::StreamExt;
    tokio_stream::wrappers::TcpListenerStream::new(listener).map(|conn| {
        let stream = conn?;
        stream.set_nodelay(true)?;
        Ok(stream)
    })
}

pub struct Provider {
    logger: Logger,
    aws: RwLock<Option<Arc<Aws>>>,
    cancel: watch::Sender<bool>,
    registry: Registry,
    /// Every id this process has seen per URN (Diff, Read, Update, Delete): a create never
    /// adopts one of them as an earlier attempt's resource, so a replacement makes a new one.
    seen: Mutex<HashMap<String, BTreeSet<String>>>,
    /// The secrets the engine has sent: no message leaves with one in it.
    secrets: Arc<crate::secrets::Secrets>,
    /// A turn for each Read that may make its AWS calls now; the others wait for one, first come
    /// first served, under their timeout and the provider's cancellation.
    reads: Semaphore,
}

impl Provider {
    pub fn new(engine_address: Option<&str>) -> Provider {
        let logger = Logger::default();
        if let Some(address) = engine_address {
            logger.connect(address);
        }
        Provider {
            logger,
            aws: RwLock::new(None),
            cancel: watch::channel(false).0,
            registry: Registry::new(),
            seen: Mutex::new(HashMap::new()),
            secrets: Arc::default(),
            reads: Semaphore::new(max_reads_in_flight()),
        }
    }

    fn aws(&self) -> Result<Arc<Aws>> {
        self.aws
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| Error::Config("the provider was not configured before use".into()))
    }

    fn default_region(&self) -> Option<String> {
        self.aws.read().unwrap_or_else(|p| p.into_inner()).as_ref().and_then(|a| a.default_region().map(str::to_string))
    }

    fn resource(&self, token: &str) -> Result<&dyn DynResource> {
        self.registry.get(token).ok_or_else(|| Error::UnknownType(token.to_string()))
    }

    /// The region a resource works in: `id@region`, else its state's or inputs' `region`, else
    /// the provider's.
    fn region_for(&self, res: &dyn DynResource, explicit: Option<&str>, maps: &[&PropertyMap]) -> Result<String> {
        if !res.regional() {
            return Ok(self.default_region().unwrap_or_else(|| GLOBAL_REGION.to_string()));
        }
        let from_state = maps.iter().find_map(|m| match m.get("region").map(Value::unwrap_plain) {
            Some(Value::String(r)) if !r.is_empty() => Some(r),
            _ => None,
        });
        self.aws()?.resolve_region(explicit.map(str::to_string).or(from_state).as_deref())
    }

    fn ctx(&self, urn: &str, region: &str, timeout: Duration) -> Result<Ctx> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner()).get(urn).cloned().unwrap_or_default();
        Ok(Ctx::new(self.aws()?.clients(region), urn.to_string(), self.logger.clone(), timeout)
            .with_seen(seen.into_iter().collect())
            .with_cancel(self.cancel.subscribe()))
    }

    /// Serves one request with this provider's secrets: what it remembers, what it scrubs.
    async fn scoped<T>(&self, request: impl Future<Output = T>) -> T {
        crate::secrets::scoped(self.secrets.clone(), request).await
    }

    fn see(&self, urn: &str, id: &str) {
        if !id.is_empty() {
            self.seen
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(urn.to_string())
                .or_default()
                .insert(id.to_string());
        }
    }

    /// Runs one operation under its timeout and the provider's cancellation. Both stop it at
    /// its next safe point; only a create call in flight (whose result must be recorded) is
    /// waited for, up to `GRACE`; anything else is dropped at once.
    async fn run<T>(&self, ctx: &Ctx, what: &str, timeout: Duration, op: impl Future<Output = Result<T>>) -> Result<T> {
        let mut cancel = self.cancel.subscribe();
        if *cancel.borrow() {
            return Err(Error::Cancelled);
        }
        tokio::pin!(op);
        // The operation's own waits stop at the deadline with a precise message; this is the
        // backstop for a call that hangs.
        let backstop = tokio::time::sleep(timeout + Duration::from_secs(2));
        let stopped = tokio::select! {
            r = &mut op => return r,
            _ = backstop => Error::Timeout { what: what.to_string(), seconds: timeout.as_secs() },
            _ = cancel.wait_for(|c| *c) => Error::Cancelled,
        };
        if !ctx.creating() {
            return Err(stopped);
        }
        tracing::info!(urn = %ctx.urn, "letting the create call in flight finish, so that what it made is recorded");
        tokio::time::timeout(GRACE, &mut op).await.unwrap_or(Err(stopped))
    }
}

fn timeout_of(seconds: f64, default: Duration) -> Duration {
    if seconds > 0.0 && seconds.is_finite() {
        Duration::from_secs_f64(seconds)
    } else {
        default
    }
}

/// A request's properties; their secrets are remembered, so no text tap writes shows them.
fn decode(s: Option<&prost_types::Struct>) -> Result<PropertyMap> {
    let map = value::decode_struct(s)?;
    crate::secrets::remember(&map);
    Ok(map)
}

fn encode(map: &PropertyMap) -> Option<prost_types::Struct> {
    Some(value::encode_struct(map))
}

fn failures(list: Vec<Failure>) -> Vec<rpc::CheckFailure> {
    let scrub = |r: &str| crate::secrets::scrub(r).into_owned();
    list.into_iter().map(|f| rpc::CheckFailure { reason: scrub(&f.reason), property: f.property }).collect()
}

/// Splits an import id `<id>@<region>`.
/// The stack's autonaming configuration as Check sends it.
fn autonaming(options: &rpc::check_request::AutonamingOptions) -> crate::resource::check::Autonaming {
    use crate::resource::check::Autonaming;
    use rpc::check_request::autonaming_options::Mode;
    match Mode::try_from(options.mode).unwrap_or(Mode::Propose) {
        Mode::Propose => Autonaming::Propose(options.proposed_name.clone()),
        Mode::Enforce => Autonaming::Enforce(options.proposed_name.clone()),
        Mode::Disable => Autonaming::Disable,
    }
}

fn split_id(id: &str) -> (&str, Option<&str>) {
    match id.rsplit_once('@') {
        Some((base, region)) if !base.is_empty() && crate::validate::region(region).is_ok() => (base, Some(region)),
        _ => (id, None),
    }
}

/// Outputs take the secretness of the same-named inputs (or old state), and an output computed
/// from inputs (`#[field(from = …)]`) that of each of them.
fn mark_secrets(res: &dyn DynResource, mut outputs: PropertyMap, sources: &[&PropertyMap]) -> PropertyMap {
    let secret = |key: &str| sources.iter().any(|s| s.get(key).is_some_and(Value::contains_secrets));
    let fields = res.state_fields();
    for (key, value) in outputs.iter_mut() {
        let derived = fields.iter().find(|f| f.name == key).map_or(&[][..], |f| f.from);
        if (secret(key) || derived.iter().any(|k| secret(k))) && !matches!(value, Value::Secret(_)) {
            *value = Value::Secret(Box::new(std::mem::replace(value, Value::Null)));
        }
    }
    outputs
}

/// The input properties of a resource's state (what Read reports as inputs).
fn inputs_of(res: &dyn DynResource, outputs: &PropertyMap) -> PropertyMap {
    let keys: Vec<&str> = res.input_fields().iter().map(|f| f.name).collect();
    outputs.iter().filter(|(k, _)| keys.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Preview outputs: the inputs as given (unknowns stay unknown) over the old outputs, with every
/// computed output unknown unless the old state knows it.
fn preview_outputs(res: &dyn DynResource, olds: &PropertyMap, inputs: &PropertyMap) -> PropertyMap {
    let mut out = olds.clone();
    for (k, v) in inputs {
        out.insert(k.clone(), v.clone());
    }
    let input_keys: Vec<&str> = res.input_fields().iter().map(|f| f.name).collect();
    for f in res.state_fields().iter().filter(|f| !f.private && !input_keys.contains(&f.name)) {
        out.entry(f.name.to_string()).or_insert(Value::Unknown(Unknown::Any));
    }
    out
}

fn merge_json(inputs: &PropertyMap, partial: serde_json::Value) -> PropertyMap {
    let mut out: PropertyMap = inputs.iter().map(|(k, v)| (k.clone(), v.unwrap_plain())).collect();
    if let Value::Object(map) = Value::from_json(&partial) {
        out.extend(map.into_iter().filter(|(_, v)| *v != Value::Null));
    }
    out
}

type RpcResult<T> = std::result::Result<Response<T>, Status>;

#[tonic::async_trait]
impl ResourceProvider for Provider {
    async fn handshake(
        &self,
        request: Request<rpc::ProviderHandshakeRequest>,
    ) -> RpcResult<rpc::ProviderHandshakeResponse> {
        self.logger.connect(&request.get_ref().engine_address);
        Ok(Response::new(rpc::ProviderHandshakeResponse {
            accept_secrets: true,
            accept_resources: true,
            accept_outputs: true,
            supports_autonaming_configuration: true,
            accepts_byte_string: false,
            accepts_outputs_in_invoke: false,
            accepts_outputs_in_call: false,
            accepts_outputs_in_check: false,
        }))
    }

    async fn get_schema(&self, _request: Request<rpc::GetSchemaRequest>) -> RpcResult<rpc::GetSchemaResponse> {
        Ok(Response::new(rpc::GetSchemaResponse { schema: crate::schema::served().into_owned() }))
    }

    async fn check_config(&self, request: Request<rpc::CheckRequest>) -> RpcResult<rpc::CheckResponse> {
        self.scoped(async move {
            let news = decode(request.get_ref().news.as_ref())?;
            let (inputs, list) = crate::config::check(news);
            Ok(Response::new(rpc::CheckResponse { inputs: encode(&inputs), failures: failures(list) }))
        })
        .await
    }

    async fn diff_config(&self, request: Request<rpc::DiffRequest>) -> RpcResult<rpc::DiffResponse> {
        let req = request.into_inner();
        let olds = decode(req.olds.as_ref())?;
        let news = decode(req.news.as_ref())?;
        let changed = crate::config::diff(&olds, &news);
        let outcome = crate::resource::DiffOutcome {
            changes: changed.into_iter().map(|k| (k, (Change::Update, false))).collect(),
            delete_before_replace: false,
        };
        Ok(Response::new(diff_response(&outcome)))
    }

    async fn configure(&self, request: Request<rpc::ConfigureRequest>) -> RpcResult<rpc::ConfigureResponse> {
        self.scoped(async move {
            let args = decode(request.get_ref().args.as_ref())?;
            let (settings, list) = crate::config::settings(args);
            if let Some(f) = list.first() {
                return Err(Error::Config(format!("provider configuration `{}` {}", f.property, f.reason)).into());
            }
            let id = request.get_ref().id.as_deref().unwrap_or_default();
            // A new Configure is a new run of the program: claims of the last one are over.
            crate::component::secure_region::release_claims(id);
            let aws = Aws::load(&settings, id).await;
            *self.aws.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(aws));
            Ok(Response::new(rpc::ConfigureResponse {
                accept_secrets: true,
                supports_preview: true,
                accept_resources: true,
                accept_outputs: true,
                supports_autonaming_configuration: true,
            }))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(urn = %request.get_ref().urn))]
    async fn check(&self, request: Request<rpc::CheckRequest>) -> RpcResult<rpc::CheckResponse> {
        self.scoped(async move {
            let req = request.into_inner();
            let res = self.resource(&req.r#type)?;
            let olds = decode(req.olds.as_ref())?;
            let news = decode(req.news.as_ref())?;
            let region = self.default_region();
            let autonaming = req.autonaming.as_ref().map(autonaming);
            let (inputs, list) =
                res.check_named(&olds, news, &req.name, &req.random_seed, region.as_deref(), autonaming);
            Ok(Response::new(rpc::CheckResponse { inputs: encode(&inputs), failures: failures(list) }))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(urn = %request.get_ref().urn))]
    async fn diff(&self, request: Request<rpc::DiffRequest>) -> RpcResult<rpc::DiffResponse> {
        self.scoped(async move {
            let req = request.into_inner();
            let res = self.resource(&req.r#type)?;
            let olds = decode(req.olds.as_ref())?;
            let news = decode(req.news.as_ref())?;
            self.see(&req.urn, &req.id);
            let marker = crate::resource::marker_of(&self.aws()?.provider(), &req.urn);
            let old_inputs = decode(req.old_inputs.as_ref())?;
            let outcome = res.diff(&marker, &req.name, &olds, &old_inputs, &news, &req.ignore_changes);
            let mut response = diff_response(&outcome);
            response.delete_before_replace = outcome.delete_before_replace;
            Ok(Response::new(response))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(urn = %request.get_ref().urn))]
    async fn create(&self, request: Request<rpc::CreateRequest>) -> RpcResult<rpc::CreateResponse> {
        self.scoped(async move {
            let req = request.into_inner();
            let res = self.resource(&req.r#type)?;
            let inputs = decode(req.properties.as_ref())?;
            if req.preview {
                let outputs = mark_secrets(res, preview_outputs(res, &PropertyMap::new(), &inputs), &[&inputs]);
                return Ok(Response::new(rpc::CreateResponse {
                    id: String::new(),
                    properties: encode(&outputs),
                    refresh_before_update: false,
                }));
            }
            let region = self.region_for(res, None, &[&inputs])?;
            let timeout = timeout_of(req.timeout, DEFAULT_TIMEOUT);
            let ctx = self.ctx(&req.urn, &region, timeout)?;
            let result = self.run(&ctx, &format!("creating {}", req.urn), timeout, res.create(&ctx, &inputs)).await;
            match result {
                Ok((id, outputs)) => {
                    let outputs = mark_secrets(res, outputs, &[&inputs]);
                    Ok(Response::new(rpc::CreateResponse {
                        id,
                        properties: encode(&outputs),
                        refresh_before_update: false,
                    }))
                }
                Err(Error::PartialCreate { id, outputs, inputs: partial_inputs, message }) => {
                    let outputs = mark_secrets(res, outputs, &[&inputs]);
                    Err(Error::PartialCreate { id, outputs, inputs: partial_inputs, message }.into())
                }
                // Cancelled or timed out after AWS made it: what was recorded is reported.
                Err(err) => match ctx.take_created() {
                    Some((id, partial)) => {
                        let outputs = mark_secrets(res, merge_json(&inputs, partial), &[&inputs]);
                        Err(Error::PartialCreate { id, outputs, inputs: None, message: err.to_string() }.into())
                    }
                    None => Err(err.into()),
                },
            }
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(urn = %request.get_ref().urn))]
    async fn read(&self, request: Request<rpc::ReadRequest>) -> RpcResult<rpc::ReadResponse> {
        self.scoped(async move {
            let req = request.into_inner();
            let res = self.resource(&req.r#type)?;
            let state = decode(req.properties.as_ref())?;
            let old_inputs = decode(req.inputs.as_ref())?;
            let (id, explicit_region) = split_id(&req.id);
            let region = self.region_for(res, explicit_region, &[&state, &old_inputs])?;
            let timeout = timeout_of(req.timeout, DEFAULT_READ_TIMEOUT);
            let ctx = self.ctx(&req.urn, &region, timeout)?;
            self.see(&req.urn, id);
            let read = async {
                let _turn = self.reads.acquire().await.map_err(|_| Error::Cancelled)?;
                res.read(&ctx, id, &state).await
            };
            let found = self.run(&ctx, &format!("reading {}", req.urn), timeout, read).await?;
            let Some(outputs) = found else {
                return Ok(Response::new(rpc::ReadResponse::default()));
            };
            let outputs = mark_secrets(res, outputs, &[&state, &old_inputs]);
            let inputs = inputs_of(res, &outputs);
            Ok(Response::new(rpc::ReadResponse {
                id: id.to_string(),
                properties: encode(&outputs),
                inputs: encode(&inputs),
                refresh_before_update: false,
            }))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(urn = %request.get_ref().urn))]
    async fn update(&self, request: Request<rpc::UpdateRequest>) -> RpcResult<rpc::UpdateResponse> {
        self.scoped(async move {
            let req = request.into_inner();
            let res = self.resource(&req.r#type)?;
            let olds = decode(req.olds.as_ref())?;
            let news = decode(req.news.as_ref())?;
            if req.preview {
                let outputs = mark_secrets(res, preview_outputs(res, &olds, &news), &[&news]);
                return Ok(Response::new(rpc::UpdateResponse {
                    properties: encode(&outputs),
                    refresh_before_update: false,
                }));
            }
            let region = self.region_for(res, None, &[&olds, &news])?;
            let timeout = timeout_of(req.timeout, DEFAULT_TIMEOUT);
            self.see(&req.urn, &req.id);
            let ctx = self.ctx(&req.urn, &region, timeout)?;
            let outputs = self
                .run(&ctx, &format!("updating {}", req.urn), timeout, res.update(&ctx, &req.id, &olds, &news))
                .await?;
            let outputs = mark_secrets(res, outputs, &[&news]);
            Ok(Response::new(rpc::UpdateResponse { properties: encode(&outputs), refresh_before_update: false }))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(urn = %request.get_ref().urn))]
    async fn delete(&self, request: Request<rpc::DeleteRequest>) -> RpcResult<()> {
        self.scoped(async move {
            let req = request.into_inner();
            let res = self.resource(&req.r#type)?;
            let olds = decode(req.properties.as_ref())?;
            let old_inputs = decode(req.old_inputs.as_ref())?;
            let region = self.region_for(res, None, &[&olds, &old_inputs])?;
            let timeout = timeout_of(req.timeout, DEFAULT_TIMEOUT);
            self.see(&req.urn, &req.id);
            let ctx = self.ctx(&req.urn, &region, timeout)?;
            self.run(&ctx, &format!("deleting {}", req.urn), timeout, res.delete(&ctx, &req.id, &olds)).await?;
            Ok(Response::new(()))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(name = %request.get_ref().name))]
    async fn construct(&self, request: Request<rpc::ConstructRequest>) -> RpcResult<rpc::ConstructResponse> {
        self.scoped(async move {
            let req = request.into_inner();
            if req.r#type != crate::component::secure_region::TOKEN {
                return Err(Error::UnknownType(req.r#type).into());
            }
            let aws = self.aws()?;
            let clients_for = |region: &str| Ok(aws.clients(region));
            let mut cancel = self.cancel.subscribe();
            tokio::select! {
                r = crate::component::secure_region::construct(req, clients_for) => Ok(Response::new(r?)),
                _ = cancel.wait_for(|c| *c) => Err(Error::Cancelled.into()),
            }
        })
        .await
    }

    async fn cancel(&self, _request: Request<()>) -> RpcResult<()> {
        tracing::info!("cancel requested: aborting in-flight operations");
        self.cancel.send_replace(true);
        Ok(Response::new(()))
    }

    async fn get_plugin_info(&self, _request: Request<()>) -> RpcResult<rpc::PluginInfo> {
        Ok(Response::new(rpc::PluginInfo { version: crate::VERSION.to_string() }))
    }

    async fn attach(&self, request: Request<rpc::PluginAttach>) -> RpcResult<()> {
        self.logger.connect(&request.get_ref().address);
        Ok(Response::new(()))
    }
}

fn diff_response(outcome: &crate::resource::DiffOutcome) -> rpc::DiffResponse {
    use rpc::property_diff::Kind;
    let detailed_diff = outcome
        .changes
        .iter()
        .map(|(key, (change, replaces))| {
            let kind = match (change, replaces) {
                (Change::Add, false) => Kind::Add,
                (Change::Add, true) => Kind::AddReplace,
                (Change::Delete, false) => Kind::Delete,
                (Change::Delete, true) => Kind::DeleteReplace,
                (Change::Update, false) => Kind::Update,
                (Change::Update, true) => Kind::UpdateReplace,
            };
            (key.clone(), rpc::PropertyDiff { kind: kind as i32, input_diff: false })
        })
        .collect();
    let changes = if outcome.changes.is_empty() {
        rpc::diff_response::DiffChanges::DiffNone
    } else {
        rpc::diff_response::DiffChanges::DiffSome
    };
    rpc::DiffResponse {
        replaces: outcome.replaces(),
        stables: Vec::new(),
        delete_before_replace: false,
        changes: changes as i32,
        diffs: outcome.changes.keys().cloned().collect(),
        detailed_diff,
        has_detailed_diff: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_may_carry_a_region() {
        assert_eq!(split_id("vpc-123@eu-central-1"), ("vpc-123", Some("eu-central-1")));
        assert_eq!(split_id("vpc-123"), ("vpc-123", None));
        assert_eq!(split_id("name@example"), ("name@example", None));
    }

    #[test]
    fn every_output_is_made_from_inputs_the_resource_has() {
        for res in Registry::new().all() {
            let inputs: Vec<&str> = res.input_fields().iter().map(|f| f.name).collect();
            for f in res.state_fields() {
                for k in f.from {
                    assert!(inputs.contains(k), "{}: {} is made from {k}, which is not an input", res.token(), f.name);
                }
            }
        }
    }

    #[test]
    fn outputs_follow_input_secretness_and_what_they_are_made_from() {
        let registry = Registry::new();
        let vpc = registry.get("tap:ec2:Vpc").expect("vpc");
        let secret = |v: Value| Value::Secret(Box::new(v));
        let inputs: PropertyMap =
            [("tags".to_string(), secret(Value::Object(PropertyMap::new())))].into_iter().collect();
        let outputs: PropertyMap = [
            ("tags".to_string(), Value::Object(PropertyMap::new())),
            ("arn".to_string(), Value::str("a")),
            ("region".to_string(), Value::str("eu-west-1")),
        ]
        .into_iter()
        .collect();
        let marked = mark_secrets(vpc, outputs.clone(), &[&inputs]);
        assert!(matches!(marked["tags"], Value::Secret(_)));
        assert_eq!(marked["arn"], Value::str("a"));
        // The ARN is made from the region: a secret region makes it secret.
        let inputs: PropertyMap = [("region".to_string(), secret(Value::str("eu-west-1")))].into_iter().collect();
        let marked = mark_secrets(vpc, outputs, &[&inputs]);
        assert_eq!(marked["arn"], secret(Value::str("a")));
        assert_eq!(marked["region"], secret(Value::str("eu-west-1")));
        assert_eq!(marked["tags"], Value::Object(PropertyMap::new()));
    }

    /// Beyond `max_reads_in_flight()`, a Read waits for a turn before it builds or sends any AWS
    /// request, is answered once a turn is free, and a cancel stops its wait.
    #[tokio::test]
    async fn reads_beyond_the_bound_wait_for_a_turn_before_calling_aws() {
        let fake = crate::aws::fake::aws("us-east-1", |target, _| match target {
            "Logs_20140328.DescribeLogGroups" => {
                r#"{"logGroups":[{"logGroupName":"/x","arn":"arn:aws:logs:us-east-1:1:log-group:/x:*"}]}"#.into()
            }
            _ => r#"{"tags":{}}"#.into(),
        })
        .await;
        let provider = Provider::new(None);
        *provider.aws.write().unwrap_or_else(|p| p.into_inner()) = Some(fake.aws.clone());
        let request = || {
            Request::new(rpc::ReadRequest {
                id: "/x".into(),
                urn: "urn:pulumi:s::p::tap:cloudwatch:LogGroup::g".into(),
                r#type: "tap:cloudwatch:LogGroup".into(),
                ..Default::default()
            })
        };
        let turns = u32::try_from(max_reads_in_flight()).expect("a u32");
        let every_turn = provider.reads.acquire_many(turns).await.expect("every turn");
        let read = provider.read(request());
        tokio::pin!(read);
        let waited = tokio::time::timeout(Duration::from_millis(300), &mut read).await;
        assert!(waited.is_err(), "with no turn free the read waits");
        assert!(fake.calls().is_empty(), "and has sent nothing: {:?}", fake.calls());
        drop(every_turn);
        let answer = read.await.expect("answered once a turn is free").into_inner();
        assert_eq!(answer.id, "/x");
        let targets: Vec<String> = fake.calls().into_iter().map(|c| c.target).collect();
        assert_eq!(targets, ["Logs_20140328.DescribeLogGroups", "Logs_20140328.ListTagsForResource"]);

        let every_turn = provider.reads.acquire_many(turns).await.expect("every turn");
        let read = provider.read(request());
        tokio::pin!(read);
        assert!(tokio::time::timeout(Duration::from_millis(100), &mut read).await.is_err(), "waiting");
        provider.cancel(Request::new(())).await.expect("cancel");
        let status = read.await.expect_err("a cancelled wait ends the read");
        assert_eq!(status.code(), tonic::Code::Cancelled, "{status}");
        assert_eq!(fake.calls().len(), 2, "the cancelled read sent nothing");
        drop(every_turn);
    }
}
