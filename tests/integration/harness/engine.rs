//! A stand-in for the Pulumi engine: drives the built `pulumi-resource-tap` binary only over gRPC,
//! the way the real engine does (PROTOCOL.md §2, §8). It launches the plugin with an engine
//! address, reads the port, runs Handshake → CheckConfig → Configure, keeps state between runs,
//! and for each registration runs Check → Diff → Create / Update / replace, with preview passing
//! unknowns along; resources no longer registered are deleted at the end, dependents first.
//! It also serves the Engine (Log) and ResourceMonitor services, so that a Construct's child
//! registrations run through the same steps on the same provider.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex as StdMutex};

use tap::proto::pulumirpc as rpc;
use tap::proto::pulumirpc::engine_server::{Engine as EngineService, EngineServer};
use tap::proto::pulumirpc::resource_monitor_server::{ResourceMonitor, ResourceMonitorServer};
use tap::proto::pulumirpc::resource_provider_client::ResourceProviderClient;
use tap::value::{decode_struct, encode_struct, PropertyMap, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Mutex;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

pub const STACK: &str = "test";
pub const PROJECT: &str = "tap-tests";

/// What a step did to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Same,
    Update,
    Replace,
    Delete,
    Read,
    Import,
}

#[derive(Debug, Clone)]
pub struct StateResource {
    pub urn: String,
    pub r#type: String,
    pub name: String,
    pub custom: bool,
    pub id: String,
    pub inputs: PropertyMap,
    pub outputs: PropertyMap,
    pub dependencies: Vec<String>,
    pub parent: String,
    pub delete_before_replace: bool,
    /// A partial creation whose state may be behind AWS: read before the next update.
    pub refresh_before_update: bool,
}

/// One registration's span, for timelines.
#[derive(Debug, Clone)]
pub struct Timing {
    pub urn: String,
    pub r#type: String,
    pub start: std::time::Instant,
    pub end: std::time::Instant,
    pub dependencies: Vec<String>,
}

/// A resource the program registers.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub r#type: String,
    pub name: String,
    pub inputs: PropertyMap,
    pub dependencies: Vec<String>,
    pub parent: String,
    pub delete_before_replace: bool,
    pub ignore_changes: Vec<String>,
    pub timeout_seconds: f64,
    /// Replace it whatever the diff says (`pulumi up --replace`).
    pub replace: bool,
}

impl Registration {
    pub fn new(r#type: &str, name: &str, inputs: PropertyMap) -> Registration {
        Registration { r#type: r#type.into(), name: name.into(), inputs, ..Default::default() }
    }

    pub fn depends_on(mut self, urns: &[&str]) -> Registration {
        self.dependencies.extend(urns.iter().map(|u| u.to_string()));
        self
    }
}

#[derive(Debug, Clone)]
pub struct Registered {
    pub urn: String,
    /// Empty in preview for a resource to be created.
    pub id: String,
    pub outputs: PropertyMap,
    pub op: Op,
    /// The detailed diff the provider reported (property → kind), when it diffed.
    pub detailed_diff: BTreeMap<String, i32>,
    /// Whether the provider asked for the old one to be deleted first.
    pub delete_before_replace: bool,
}

impl Registered {
    pub fn out(&self, key: &str) -> Value {
        self.outputs.get(key).cloned().unwrap_or(Value::Null)
    }

    /// The id as a value for another resource's input (unknown in preview).
    pub fn id_value(&self) -> Value {
        if self.id.is_empty() {
            Value::Unknown(tap::value::Unknown::Any)
        } else {
            Value::str(&self.id)
        }
    }
}

#[derive(Debug)]
pub enum EngineError {
    /// Check rejected the inputs.
    CheckFailed(Vec<rpc::CheckFailure>),
    Rpc(Status),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::CheckFailed(list) => {
                for c in list {
                    writeln!(f, "property {} has a problem: {}", c.property, c.reason)?;
                }
                Ok(())
            }
            EngineError::Rpc(s) => write!(f, "{:?}: {}", s.code(), s.message()),
        }
    }
}

impl From<Status> for EngineError {
    fn from(s: Status) -> Self {
        EngineError::Rpc(s)
    }
}

pub type EResult<T> = Result<T, EngineError>;

/// The launched provider process and its client.
pub struct ProviderProcess {
    pub client: ResourceProviderClient<Channel>,
    pub port: u16,
    pub child: tokio::process::Child,
}

/// The plugin binary a launch runs: this build's, or TAP_PROVIDER_BINARY (`make bench` measures
/// the release binary that ships with a harness built as the tests build it).
pub fn provider_binary() -> std::path::PathBuf {
    std::env::var_os("TAP_PROVIDER_BINARY")
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_pulumi-resource-tap").into())
}

/// Launches the plugin as the engine does: engine address as the last argument, port on the
/// first stdout line.
pub async fn launch(args: &[&str], engine_address: Option<&str>) -> ProviderProcess {
    let mut cmd = tokio::process::Command::new(provider_binary());
    cmd.args(args);
    if let Some(address) = engine_address {
        cmd.arg(address);
    }
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // Shortened for tests that inject faults by the hundred; a bench sets its own.
        .env(
            "TAP_RETRY_BACKOFF_MS",
            std::env::var("TAP_RETRY_BACKOFF_MS").unwrap_or_else(|_| super::TEST_BACKOFF_MS.to_string()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    // A bench reads the provider's diagnostics (TAP_LOG) from a file.
    match std::env::var_os("TAP_PROVIDER_STDERR") {
        Some(path) => cmd.stderr(std::fs::File::create(path).expect("the provider's stderr file")),
        None => cmd.stderr(Stdio::inherit()),
    };
    let mut child = cmd.spawn().expect("launch pulumi-resource-tap");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).await.expect("read port line");
    let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("first stdout line is not a port: {line:?}"));
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect to the provider");
    let client = ResourceProviderClient::new(channel).max_decoding_message_size(64 << 20);
    ProviderProcess { client, port, child }
}

/// Everything the engine keeps between runs and shares with its monitor.
struct Core {
    /// The provider's client (replaced when the provider is started again).
    provider: StdMutex<ResourceProviderClient<Channel>>,
    state: Mutex<Vec<StateResource>>,
    /// The run in progress (for registrations arriving through the monitor).
    run: Mutex<Option<Arc<RunState>>>,
    logs: StdMutex<Vec<rpc::LogRequest>>,
    /// Every RegisterResource the monitor received, as sent.
    registrations: StdMutex<Vec<rpc::RegisterResourceRequest>>,
}

impl Core {
    fn client(&self) -> ResourceProviderClient<Channel> {
        self.provider.lock().expect("provider").clone()
    }
}

#[derive(Default)]
struct RunState {
    preview: bool,
    registered: StdMutex<BTreeSet<String>>,
    /// What each custom registration did, in completion order.
    steps: StdMutex<Vec<(String, Op)>>,
    /// When each custom registration started and ended, with its dependencies.
    timeline: StdMutex<Vec<Timing>>,
    new_state: StdMutex<Vec<StateResource>>,
    replaced: StdMutex<Vec<StateResource>>,
}

pub struct Engine {
    core: Arc<Core>,
    /// The launched plugin process (`None` when the provider is served in this process).
    pub provider: Option<ProviderProcess>,
    pub address: String,
    pub config: PropertyMap,
    /// The provider resource's id, as the engine keeps it for the life of a stack: each engine
    /// here is its own stack (markers, which include it, never match another test's).
    pub provider_id: String,
    /// Inputs every component Construct gets unless it gives them (a rig on the shared moto
    /// leaves the region's settings to no component).
    pub component_defaults: PropertyMap,
    /// Stops an in-process provider when the engine is dropped.
    _stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Engine {
    /// Starts the engine's services, launches the provider as the engine does (a process that
    /// prints its port), and configures it with `config`.
    pub async fn start(config: PropertyMap) -> Engine {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind engine");
        let address = format!("127.0.0.1:{}", listener.local_addr().expect("addr").port());
        let provider = launch(&[], Some(&address)).await;
        let client = provider.client.clone();
        Engine::serve(listener, address, client, Some(provider), None, config).await
    }

    /// As `start`, but the provider is served in this process (`tap::serve`): for the tests that
    /// are about what it does with AWS, not about how it is launched.
    pub async fn in_process(config: PropertyMap) -> Engine {
        super::test_environment();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind engine");
        let address = format!("127.0.0.1:{}", listener.local_addr().expect("addr").port());
        let (client, stop) = serve_in_process(&address).await;
        Engine::serve(listener, address, client, None, Some(stop), config).await
    }

    async fn serve(
        listener: tokio::net::TcpListener,
        address: String,
        client: ResourceProviderClient<Channel>,
        provider: Option<ProviderProcess>,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        config: PropertyMap,
    ) -> Engine {
        let core = Arc::new(Core {
            provider: StdMutex::new(client),
            state: Mutex::new(Vec::new()),
            run: Mutex::new(None),
            logs: StdMutex::new(Vec::new()),
            registrations: StdMutex::new(Vec::new()),
        });
        let services = Services { core: core.clone() };
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(EngineServer::new(services.clone()))
                .add_service(ResourceMonitorServer::new(services))
                .serve_with_incoming(tap::no_delay(listener)),
        );
        let provider_id = super::unique("provider");
        let mut engine = Engine {
            core,
            provider,
            address,
            config: PropertyMap::new(),
            provider_id,
            component_defaults: PropertyMap::new(),
            _stop: stop,
        };
        engine.configure(config).await.expect("configure the provider");
        engine
    }

    async fn reconfigure(&self) {
        let args = Some(encode_struct(&self.config));
        let request = rpc::ConfigureRequest {
            args,
            id: Some(self.provider_id.clone()),
            accept_secrets: true,
            accept_resources: true,
            sends_old_inputs: true,
            sends_old_inputs_to_delete: true,
            ..Default::default()
        };
        self.client().configure(request).await.expect("configure again");
    }

    pub fn client(&self) -> ResourceProviderClient<Channel> {
        self.core.client()
    }

    /// A new in-process provider for the same stack (its id, config and state), as after the
    /// provider was cancelled or killed and the engine starts it again on the next run.
    pub async fn restart(&mut self) {
        let (client, stop) = serve_in_process(&self.address).await;
        *self.core.provider.lock().expect("provider") = client;
        self._stop = Some(stop);
        let config = std::mem::take(&mut self.config);
        self.configure(config).await.expect("configure the new provider");
    }

    /// Changes the stored state (to stand in for state an older tap wrote).
    pub async fn edit_state(&self, edit: impl FnOnce(&mut Vec<StateResource>)) {
        edit(&mut *self.core.state.lock().await);
    }

    /// Handshake → CheckConfig → Configure, as on every run.
    pub async fn configure(&mut self, config: PropertyMap) -> EResult<()> {
        let mut client = self.client();
        client
            .handshake(rpc::ProviderHandshakeRequest {
                engine_address: self.address.clone(),
                configure_with_urn: true,
                supports_refresh_before_update: true,
                ..Default::default()
            })
            .await?;
        let checked = client
            .check_config(rpc::CheckRequest {
                urn: format!("urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:tap::default"),
                olds: Some(encode_struct(&self.config)),
                news: Some(encode_struct(&config)),
                name: "default".into(),
                r#type: "pulumi:providers:tap".into(),
                ..Default::default()
            })
            .await?
            .into_inner();
        if !checked.failures.is_empty() {
            return Err(EngineError::CheckFailed(checked.failures));
        }
        client
            .configure(rpc::ConfigureRequest {
                args: checked.inputs.clone(),
                id: Some(self.provider_id.clone()),
                accept_secrets: true,
                accept_resources: true,
                sends_old_inputs: true,
                sends_old_inputs_to_delete: true,
                ..Default::default()
            })
            .await?;
        self.config = decode_struct(checked.inputs.as_ref()).expect("config");
        Ok(())
    }

    /// Starts a run (`pulumi up`, or `pulumi preview` when `preview`). The real engine starts a
    /// provider process per run; this one keeps its provider but configures it again, which
    /// drops what it cached (its AWS clients and what they read).
    pub async fn run(&self, preview: bool) -> Deployment {
        self.reconfigure().await;
        let run = Arc::new(RunState { preview, ..Default::default() });
        *self.core.run.lock().await = Some(run.clone());
        Deployment { core: self.core.clone(), run }
    }

    pub async fn state(&self) -> Vec<StateResource> {
        self.core.state.lock().await.clone()
    }

    pub async fn resource(&self, urn: &str) -> Option<StateResource> {
        self.core.state.lock().await.iter().find(|r| r.urn == urn).cloned()
    }

    pub fn logs(&self) -> Vec<rpc::LogRequest> {
        self.core.logs.lock().expect("logs").clone()
    }

    /// Every registration the monitor received so far (components and children).
    pub fn registrations(&self) -> Vec<rpc::RegisterResourceRequest> {
        self.core.registrations.lock().expect("registrations").clone()
    }

    /// `pulumi refresh`: Read every custom resource; gone ones leave the state.
    pub async fn refresh(&self) -> EResult<Vec<(String, Op)>> {
        self.refresh_with(false).await
    }

    /// `pulumi refresh` as the real engine schedules it: every Read at once (refresh steps have
    /// no dependencies). The tests keep `refresh`'s one at a time, which makes the order of the
    /// calls a fault lands on repeatable; a bench uses this one.
    pub async fn refresh_concurrently(&self) -> EResult<Vec<(String, Op)>> {
        self.refresh_with(true).await
    }

    async fn refresh_with(&self, concurrently: bool) -> EResult<Vec<(String, Op)>> {
        let mut state = self.core.state.lock().await;
        let client = self.client();
        let mut prefetched = if concurrently {
            futures_util::future::join_all(state.iter().filter(|r| r.custom).map(|r| {
                let mut client = client.clone();
                async move { read_again(&mut client, r).await }
            }))
            .await
            .into_iter()
            .map(Some)
            .collect::<Vec<_>>()
        } else {
            Vec::new()
        }
        .into_iter();
        let mut client = client;
        let mut steps = Vec::new();
        let mut kept = Vec::new();
        for mut r in state.drain(..) {
            if !r.custom {
                kept.push(r);
                continue;
            }
            let read = match prefetched.next().flatten() {
                Some(read) => read?,
                None => read_again(&mut client, &r).await?,
            };
            if read.id.is_empty() {
                steps.push((r.urn.clone(), Op::Delete));
                continue;
            }
            r.outputs = decode_struct(read.properties.as_ref()).expect("outputs");
            r.inputs = decode_struct(read.inputs.as_ref()).expect("inputs");
            r.id = read.id;
            steps.push((r.urn.clone(), Op::Read));
            kept.push(r);
        }
        *state = kept;
        Ok(steps)
    }

    /// `pulumi destroy`: Delete every custom resource, the last registered first, one at a time
    /// (the in-process flows register their prerequisites without naming them as dependencies).
    pub async fn destroy(&self) -> EResult<()> {
        self.destroy_with(false).await
    }

    /// `pulumi destroy` as the engine schedules it: every resource nothing left in the state
    /// depends on (or has as its parent) is deleted at once, wave after wave; so a dependency a
    /// component does not declare between its children shows. A failed delete keeps its
    /// resource, and what still depends on it, in the state.
    pub async fn destroy_concurrently(&self) -> EResult<()> {
        self.destroy_with(true).await
    }

    async fn destroy_with(&self, concurrently: bool) -> EResult<()> {
        let mut state = self.core.state.lock().await;
        let client = self.client();
        let mut remaining: Vec<(usize, StateResource)> = std::mem::take(&mut *state).into_iter().enumerate().collect();
        while !remaining.is_empty() {
            let needed: std::collections::HashSet<&str> = remaining
                .iter()
                .flat_map(|(_, r)| r.dependencies.iter().chain(std::iter::once(&r.parent)))
                .map(String::as_str)
                .collect();
            let ready: Vec<bool> = remaining.iter().map(|(_, r)| !needed.contains(r.urn.as_str())).collect();
            // One at a time, or a cycle (which cannot be registered): the last resource goes first.
            let ready = if concurrently && ready.contains(&true) {
                ready
            } else {
                (0..remaining.len()).map(|i| i + 1 == remaining.len()).collect()
            };
            let (wave, rest): (Vec<_>, Vec<_>) = remaining.into_iter().zip(ready).partition(|(_, ready)| *ready);
            remaining = rest.into_iter().map(|(r, _)| r).collect();
            let deletes = wave.into_iter().map(|((i, r), _)| {
                let mut client = client.clone();
                async move {
                    let result = if r.custom { delete(&mut client, &r).await } else { Ok(()) };
                    (i, r, result)
                }
            });
            let mut failure = None;
            for (i, r, result) in futures_util::future::join_all(deletes).await {
                if let Err(e) = result {
                    remaining.push((i, r));
                    failure.get_or_insert(e);
                }
            }
            if let Some(e) = failure {
                remaining.sort_by_key(|(i, _)| *i);
                *state = remaining.into_iter().map(|(_, r)| r).collect();
                return Err(e);
            }
        }
        Ok(())
    }

    /// `pulumi import`: Read with only the id, Check the desired inputs against what was read,
    /// and Diff: the import fails if the program's inputs differ from the resource.
    pub async fn import(&self, r#type: &str, name: &str, id: &str, desired: PropertyMap) -> EResult<Registered> {
        let urn = urn_of(r#type, name, "");
        let mut client = self.client();
        let read = client
            .read(rpc::ReadRequest {
                id: id.into(),
                urn: urn.clone(),
                name: name.into(),
                r#type: r#type.into(),
                ..Default::default()
            })
            .await?
            .into_inner();
        if read.id.is_empty() || read.properties.is_none() {
            return Err(EngineError::Rpc(Status::not_found(format!("resource '{id}' does not exist"))));
        }
        let checked = client
            .check(rpc::CheckRequest {
                urn: urn.clone(),
                olds: read.inputs.clone(),
                news: Some(encode_struct(&desired)),
                random_seed: vec![7; 32],
                name: name.into(),
                r#type: r#type.into(),
                ..Default::default()
            })
            .await?
            .into_inner();
        if !checked.failures.is_empty() {
            return Err(EngineError::CheckFailed(checked.failures));
        }
        let diff = client
            .diff(rpc::DiffRequest {
                id: read.id.clone(),
                urn: urn.clone(),
                olds: read.properties.clone(),
                news: checked.inputs.clone(),
                old_inputs: read.inputs.clone(),
                name: name.into(),
                r#type: r#type.into(),
                ..Default::default()
            })
            .await?
            .into_inner();
        if diff.changes == rpc::diff_response::DiffChanges::DiffSome as i32 {
            return Err(EngineError::Rpc(Status::failed_precondition(format!(
                "inputs to import do not match the existing resource: {:?}",
                diff.diffs
            ))));
        }
        let outputs = decode_struct(read.properties.as_ref()).expect("outputs");
        let resource = StateResource {
            urn: urn.clone(),
            r#type: r#type.into(),
            name: name.into(),
            custom: true,
            id: read.id.clone(),
            inputs: decode_struct(checked.inputs.as_ref()).expect("inputs"),
            outputs: outputs.clone(),
            dependencies: Vec::new(),
            parent: String::new(),
            delete_before_replace: false,
            refresh_before_update: false,
        };
        self.core.state.lock().await.push(resource);
        Ok(Registered {
            urn,
            id: read.id,
            outputs,
            op: Op::Import,
            detailed_diff: BTreeMap::new(),
            delete_before_replace: false,
        })
    }

    /// Calls Construct for a component, serving its child registrations through this engine.
    pub async fn construct(
        &self,
        deployment: &Deployment,
        r#type: &str,
        name: &str,
        inputs: PropertyMap,
    ) -> EResult<rpc::ConstructResponse> {
        self.construct_with(deployment, r#type, name, inputs, rpc::ConstructRequest::default()).await
    }

    /// Construct with the request's options (protect, dependencies, customTimeouts, providers …)
    /// taken from `options`.
    pub async fn construct_with(
        &self,
        deployment: &Deployment,
        r#type: &str,
        name: &str,
        inputs: PropertyMap,
        options: rpc::ConstructRequest,
    ) -> EResult<rpc::ConstructResponse> {
        let mut inputs = inputs;
        for (k, v) in &self.component_defaults {
            inputs.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let mut client = self.client();
        let response = client
            .construct(rpc::ConstructRequest {
                project: PROJECT.into(),
                stack: STACK.into(),
                dry_run: deployment.run.preview,
                parallel: 16,
                monitor_endpoint: self.address.clone(),
                r#type: r#type.into(),
                name: name.into(),
                parent: stack_urn(),
                inputs: Some(encode_struct(&inputs)),
                accepts_output_values: true,
                ..options
            })
            .await?
            .into_inner();
        Ok(response)
    }
}

pub fn stack_urn() -> String {
    format!("urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}")
}

/// URN = stack, project, the parent's type chain and the type, and the name.
fn urn_of(r#type: &str, name: &str, parent_type: &str) -> String {
    let chain =
        if parent_type.is_empty() { r#type.to_string() } else { format!("{parent_type}${type}", type = r#type) };
    format!("urn:pulumi:{STACK}::{PROJECT}::{chain}::{name}")
}

fn type_chain_of(urn: &str) -> String {
    urn.split("::").nth(2).unwrap_or_default().to_string()
}

/// A provider served in this process for the engine at `engine`: a client to it, and what stops it.
async fn serve_in_process(engine: &str) -> (ResourceProviderClient<Channel>, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind provider");
    let port = listener.local_addr().expect("addr").port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tap::serve(listener, Some(engine.to_string()), async {
        let _ = stopped.await;
    }));
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("endpoint")
        .connect()
        .await
        .expect("connect to the provider");
    (ResourceProviderClient::new(channel).max_decoding_message_size(64 << 20), stop)
}

/// Read of a recorded resource with its state and inputs, as refresh and refresh-before-update send it.
async fn read_again(client: &mut ResourceProviderClient<Channel>, r: &StateResource) -> EResult<rpc::ReadResponse> {
    let request = rpc::ReadRequest {
        id: r.id.clone(),
        urn: r.urn.clone(),
        properties: Some(encode_struct(&r.outputs)),
        inputs: Some(encode_struct(&r.inputs)),
        name: r.name.clone(),
        r#type: r.r#type.clone(),
        ..Default::default()
    };
    Ok(client.read(request).await?.into_inner())
}

/// How long the stand-in engine lets one Delete take (the real one sends a timeout only for
/// `customTimeouts`, and tap's default is 30 minutes): a resource deleted before one that still
/// needs it (a dependency Construct did not declare) retries "still in use" until this, and the
/// test fails in minutes rather than hangs for half an hour.
const DELETE_TIMEOUT_S: f64 = 300.0;

async fn delete(client: &mut ResourceProviderClient<Channel>, r: &StateResource) -> EResult<()> {
    client
        .delete(rpc::DeleteRequest {
            id: r.id.clone(),
            urn: r.urn.clone(),
            properties: Some(encode_struct(&r.outputs)),
            old_inputs: Some(encode_struct(&r.inputs)),
            name: r.name.clone(),
            r#type: r.r#type.clone(),
            timeout: DELETE_TIMEOUT_S,
            ..Default::default()
        })
        .await?;
    Ok(())
}

/// One run of a program.
pub struct Deployment {
    core: Arc<Core>,
    run: Arc<RunState>,
}

impl Deployment {
    pub fn preview(&self) -> bool {
        self.run.preview
    }

    /// When each custom resource registered so far started and ended.
    pub fn timeline(&self) -> Vec<Timing> {
        self.run.timeline.lock().expect("timeline").clone()
    }

    /// What each custom resource registered so far did (URN, step).
    pub fn steps(&self) -> Vec<(String, Op)> {
        self.run.steps.lock().expect("steps").clone()
    }

    /// Registers a custom resource: Check → Diff → Create / Update / replace.
    pub async fn register(&self, reg: Registration) -> EResult<Registered> {
        register_custom(&self.core, &self.run, reg).await
    }

    /// Ends the run: deletes replaced resources and those no longer registered (dependents
    /// first) and stores the new state. A preview changes nothing.
    pub async fn finish(self) -> EResult<Vec<(String, Op)>> {
        *self.core.run.lock().await = None;
        let mut steps = Vec::new();
        let mut state = self.core.state.lock().await;
        if self.run.preview {
            return Ok(steps);
        }
        let registered = self.run.registered.lock().expect("registered").clone();
        let mut client = self.core.client();
        let replaced: Vec<StateResource> = self.run.replaced.lock().expect("replaced").drain(..).collect();
        for r in replaced.iter().rev() {
            delete(&mut client, r).await?;
            steps.push((r.urn.clone(), Op::Delete));
        }
        let mut new_state: Vec<StateResource> = self.run.new_state.lock().expect("new state").drain(..).collect();
        for r in state.iter().rev().filter(|r| !registered.contains(&r.urn)) {
            if r.custom {
                if let Err(e) = delete(&mut client, r).await {
                    // Keep what could not be deleted.
                    new_state.push(r.clone());
                    *state = new_state;
                    return Err(e);
                }
            }
            steps.push((r.urn.clone(), Op::Delete));
        }
        *state = new_state;
        Ok(steps)
    }
}

async fn register_custom(core: &Core, run: &RunState, reg: Registration) -> EResult<Registered> {
    let start = std::time::Instant::now();
    let parent_type =
        if reg.parent.is_empty() || reg.parent == stack_urn() { String::new() } else { type_chain_of(&reg.parent) };
    let urn = urn_of(&reg.r#type, &reg.name, &parent_type);
    if !run.registered.lock().expect("registered").insert(urn.clone()) {
        return Err(EngineError::Rpc(Status::already_exists(format!(
            "Duplicate resource URN '{urn}'; try giving it a unique name"
        ))));
    }
    let old = core.state.lock().await.iter().find(|r| r.urn == urn).cloned();
    let mut client = core.client();

    let checker = client.clone();
    let check = |olds: PropertyMap| {
        let mut client = checker.clone();
        let reg = &reg;
        let urn = urn.clone();
        async move {
            let checked = client
                .check(rpc::CheckRequest {
                    urn,
                    olds: Some(encode_struct(&olds)),
                    news: Some(encode_struct(&reg.inputs)),
                    random_seed: rand_seed(),
                    name: reg.name.clone(),
                    r#type: reg.r#type.clone(),
                    ..Default::default()
                })
                .await?
                .into_inner();
            if !checked.failures.is_empty() {
                return Err(EngineError::CheckFailed(checked.failures));
            }
            Ok::<_, EngineError>(checked.inputs.unwrap_or_default())
        }
    };

    let mut new = StateResource {
        urn: urn.clone(),
        r#type: reg.r#type.clone(),
        name: reg.name.clone(),
        custom: true,
        id: String::new(),
        inputs: PropertyMap::new(),
        outputs: PropertyMap::new(),
        dependencies: reg.dependencies.clone(),
        parent: reg.parent.clone(),
        delete_before_replace: reg.delete_before_replace,
        refresh_before_update: false,
    };

    let mut dbr = false;
    // A partial creation asked to be read again before it is updated, as the engine does.
    let old = match old {
        Some(mut o) if o.refresh_before_update => {
            let read = read_again(&mut client, &o).await?;
            if !read.id.is_empty() {
                o.outputs = decode_struct(read.properties.as_ref()).expect("outputs");
            }
            o.refresh_before_update = false;
            Some(o)
        }
        other => other,
    };
    let (op, detailed_diff) = match &old {
        None => {
            let inputs = check(PropertyMap::new()).await?;
            create(&mut client, run, &reg, &urn, inputs, &mut new).await?;
            (Op::Create, BTreeMap::new())
        }
        Some(old) => {
            let inputs = check(old.inputs.clone()).await?;
            let diff = client
                .diff(rpc::DiffRequest {
                    id: old.id.clone(),
                    urn: urn.clone(),
                    olds: Some(encode_struct(&old.outputs)),
                    news: Some(inputs.clone()),
                    ignore_changes: reg.ignore_changes.clone(),
                    old_inputs: Some(encode_struct(&old.inputs)),
                    name: reg.name.clone(),
                    r#type: reg.r#type.clone(),
                })
                .await?
                .into_inner();
            let detailed: BTreeMap<String, i32> = diff.detailed_diff.iter().map(|(k, v)| (k.clone(), v.kind)).collect();
            let changed = match diff.changes {
                c if c == rpc::diff_response::DiffChanges::DiffSome as i32 => true,
                c if c == rpc::diff_response::DiffChanges::DiffNone as i32 => false,
                _ => decode_struct(Some(&inputs)).expect("inputs") != old.inputs,
            };
            let replace = reg.replace
                || (changed && (!diff.replaces.is_empty() || diff.detailed_diff.values().any(|d| d.kind % 2 == 1)));
            let changed = changed || reg.replace;
            dbr = diff.delete_before_replace;
            if !changed {
                new.id = old.id.clone();
                new.inputs = decode_struct(Some(&inputs)).expect("inputs");
                new.outputs = old.outputs.clone();
                (Op::Same, detailed)
            } else if replace {
                // Replacement: Check again with no olds, create the new one, delete the old one
                // at the end (or first, when deleteBeforeReplace).
                let inputs = check(PropertyMap::new()).await?;
                if !run.preview && (reg.delete_before_replace || diff.delete_before_replace) {
                    delete(&mut client, old).await?;
                } else if !run.preview {
                    run.replaced.lock().expect("replaced").push(old.clone());
                }
                create(&mut client, run, &reg, &urn, inputs, &mut new).await?;
                (Op::Replace, detailed)
            } else {
                let updated = client
                    .update(rpc::UpdateRequest {
                        id: old.id.clone(),
                        urn: urn.clone(),
                        olds: Some(encode_struct(&old.outputs)),
                        news: Some(inputs.clone()),
                        timeout: reg.timeout_seconds,
                        ignore_changes: reg.ignore_changes.clone(),
                        preview: run.preview,
                        old_inputs: Some(encode_struct(&old.inputs)),
                        name: reg.name.clone(),
                        r#type: reg.r#type.clone(),
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                new.id = old.id.clone();
                new.inputs = decode_struct(Some(&inputs)).expect("inputs");
                new.outputs = decode_struct(updated.properties.as_ref()).expect("outputs");
                (Op::Update, detailed)
            }
        }
    };
    run.steps.lock().expect("steps").push((urn.clone(), op));
    run.timeline.lock().expect("timeline").push(Timing {
        urn: urn.clone(),
        r#type: reg.r#type.clone(),
        start,
        end: std::time::Instant::now(),
        dependencies: reg.dependencies.clone(),
    });
    let registered = Registered {
        urn: urn.clone(),
        id: new.id.clone(),
        outputs: new.outputs.clone(),
        op,
        detailed_diff,
        delete_before_replace: dbr,
    };
    if !run.preview {
        run.new_state.lock().expect("new state").push(new);
    }
    Ok(registered)
}

async fn create(
    client: &mut ResourceProviderClient<Channel>,
    run: &RunState,
    reg: &Registration,
    urn: &str,
    inputs: prost_types::Struct,
    new: &mut StateResource,
) -> EResult<()> {
    let created = client
        .create(rpc::CreateRequest {
            urn: urn.into(),
            properties: Some(inputs.clone()),
            timeout: reg.timeout_seconds,
            preview: run.preview,
            name: reg.name.clone(),
            r#type: reg.r#type.clone(),
            ..Default::default()
        })
        .await;
    let created = match created {
        Ok(c) => c.into_inner(),
        Err(status) => {
            // A partial creation is stored (and updated next run), as the engine does.
            if let Some(failed) = init_failed(&status) {
                new.id = failed.id;
                new.refresh_before_update = failed.refresh_before_update;
                new.inputs = decode_struct(Some(&inputs)).expect("inputs");
                new.outputs = decode_struct(failed.properties.as_ref()).expect("outputs");
                run.new_state.lock().expect("new state").push(new.clone());
            }
            return Err(status.into());
        }
    };
    if !run.preview && created.id.is_empty() {
        return Err(EngineError::Rpc(Status::internal("provider did not return an ID from Create")));
    }
    new.id = created.id;
    new.inputs = decode_struct(Some(&inputs)).expect("inputs");
    new.outputs = decode_struct(created.properties.as_ref()).expect("outputs");
    Ok(())
}

/// The ErrorResourceInitFailed detail of a status, if it has one.
pub fn init_failed(status: &Status) -> Option<rpc::ErrorResourceInitFailed> {
    use prost::Message;
    let details = tap::proto::google::rpc::Status::decode(status.details()).ok()?;
    details
        .details
        .iter()
        .find(|a| a.type_url.ends_with("pulumirpc.ErrorResourceInitFailed"))
        .and_then(|a| rpc::ErrorResourceInitFailed::decode(a.value.as_slice()).ok())
}

/// The (property, reason) pairs of a status's InputPropertiesError detail.
pub fn input_errors(status: &Status) -> Vec<(String, String)> {
    use prost::Message;
    let Ok(details) = tap::proto::google::rpc::Status::decode(status.details()) else { return Vec::new() };
    details
        .details
        .iter()
        .filter(|a| a.type_url.ends_with("pulumirpc.InputPropertiesError"))
        .filter_map(|a| rpc::InputPropertiesError::decode(a.value.as_slice()).ok())
        .flat_map(|e| e.errors.into_iter().map(|p| (p.property_path, p.reason)))
        .collect()
}

fn rand_seed() -> Vec<u8> {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    (0..32).map(|i| (nanos >> (i % 16 * 8)) as u8 ^ i as u8).collect()
}

/// The Engine and ResourceMonitor services the provider calls back into.
#[derive(Clone)]
struct Services {
    core: Arc<Core>,
}

#[tonic::async_trait]
impl EngineService for Services {
    async fn log(&self, request: Request<rpc::LogRequest>) -> Result<Response<()>, Status> {
        self.core.logs.lock().expect("logs").push(request.into_inner());
        Ok(Response::new(()))
    }
}

#[tonic::async_trait]
impl ResourceMonitor for Services {
    async fn supports_feature(
        &self,
        _request: Request<rpc::SupportsFeatureRequest>,
    ) -> Result<Response<rpc::SupportsFeatureResponse>, Status> {
        Ok(Response::new(rpc::SupportsFeatureResponse { has_support: true }))
    }

    async fn register_resource(
        &self,
        request: Request<rpc::RegisterResourceRequest>,
    ) -> Result<Response<rpc::RegisterResourceResponse>, Status> {
        let req = request.into_inner();
        self.core.registrations.lock().expect("registrations").push(req.clone());
        let run =
            self.core.run.lock().await.clone().ok_or_else(|| Status::failed_precondition("no run in progress"))?;
        let inputs = decode_struct(req.object.as_ref()).map_err(|e| Status::invalid_argument(e.to_string()))?;
        if !req.custom {
            let parent_type = if req.parent.is_empty() || req.parent == stack_urn() {
                String::new()
            } else {
                type_chain_of(&req.parent)
            };
            let urn = urn_of(&req.r#type, &req.name, &parent_type);
            if !run.registered.lock().expect("registered").insert(urn.clone()) {
                return Err(Status::already_exists(format!(
                    "Duplicate resource URN '{urn}'; try giving it a unique name"
                )));
            }
            if !run.preview {
                run.new_state.lock().expect("new state").push(StateResource {
                    urn: urn.clone(),
                    r#type: req.r#type.clone(),
                    name: req.name.clone(),
                    custom: false,
                    id: String::new(),
                    inputs,
                    outputs: PropertyMap::new(),
                    dependencies: req.dependencies.clone(),
                    parent: req.parent.clone(),
                    delete_before_replace: false,
                    refresh_before_update: false,
                });
            }
            return Ok(Response::new(rpc::RegisterResourceResponse { urn, ..Default::default() }));
        }
        let reg = Registration {
            r#type: req.r#type,
            name: req.name,
            inputs,
            dependencies: req.dependencies,
            parent: req.parent,
            delete_before_replace: req.delete_before_replace,
            ignore_changes: req.ignore_changes,
            timeout_seconds: 0.0,
            replace: false,
        };
        match register_custom(&self.core, &run, reg).await {
            Ok(r) => Ok(Response::new(rpc::RegisterResourceResponse {
                urn: r.urn,
                id: r.id,
                object: Some(encode_struct(&r.outputs)),
                result: rpc::Result::Success as i32,
                ..Default::default()
            })),
            Err(EngineError::Rpc(s)) => Err(s),
            Err(e) => Err(Status::invalid_argument(e.to_string())),
        }
    }

    async fn register_resource_outputs(
        &self,
        request: Request<rpc::RegisterResourceOutputsRequest>,
    ) -> Result<Response<()>, Status> {
        let req = request.into_inner();
        let outputs = decode_struct(req.outputs.as_ref()).map_err(|e| Status::invalid_argument(e.to_string()))?;
        if let Some(run) = self.core.run.lock().await.clone() {
            if let Some(r) = run.new_state.lock().expect("new state").iter_mut().find(|r| r.urn == req.urn) {
                r.outputs = outputs;
            }
        }
        Ok(Response::new(()))
    }
}

/// Builds a property map from pairs.
pub fn props<const N: usize>(pairs: [(&str, Value); N]) -> PropertyMap {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
