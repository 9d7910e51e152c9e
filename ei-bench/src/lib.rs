//! Shared pieces of the `ei-bench` binaries: the payloads, a fixed-answer
//! server (on the fake Studio's loopback server), timing statistics and
//! peak memory (`VmHWM`).
//!
//! Each binary prints a markdown fragment to stdout; `cargo xtask bench`
//! builds them in release mode, runs them and assembles `BENCHMARKS.md`.
#![deny(missing_docs)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ei_api::API_KEY_HEADER;
use ei_fake_studio::loopback::LoopbackServer;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

/// The seed example of a run answer (`RunOrganizationPipelineResponse`).
pub const SEED_RUN_RESPONSE: &[u8] =
    include_bytes!("../../ei-api/tests/fixtures/seed-run-response.json");

/// The API key the fixed-answer server expects.
pub const API_KEY: &str = "ei_bench_key";
/// The organization every benchmark call addresses.
pub const ORGANIZATION_ID: i64 = 1;
/// The pipeline every benchmark call addresses (on the fixed-answer server).
pub const PIPELINE_ID: i64 = 1;
/// The `api-version` header the generated client sends.
pub const API_VERSION: &str = "1.0.0";
/// Steps in the synthetic long run.
pub const LONG_RUN_STEPS: usize = 200;
/// Pipelines in the synthetic list answer.
pub const LIST_PIPELINES: usize = 100;
/// How long the fixed-answer server holds each answer when it stands in for
/// a real network: 20 ms is about a round trip to a cloud region on the same
/// continent, so the time on the wire dominates each call as it does against
/// the real Studio, and what is left to compare is each client's own cost.
/// Tokio's timer has millisecond granularity: a hold lasts 20 to 21 ms.
pub const NETWORK_ROUND_TRIP: Duration = Duration::from_millis(20);

/// The seed answer, parsed.
pub fn seed() -> Value {
    serde_json::from_slice(SEED_RUN_RESPONSE).expect("the seed fixture is JSON")
}

/// The seed's `pipelineRun`.
pub fn seed_run() -> Value {
    seed()["pipelineRun"].clone()
}

/// A run answer like the seed, with `steps` copies of its step (distinct
/// names and ids).
pub fn long_run_response(steps: usize) -> Vec<u8> {
    let mut answer = seed();
    let step = answer["pipelineRun"]["steps"][0].clone();
    let steps: Vec<Value> = (0..steps)
        .map(|index| {
            let mut step = step.clone();
            step["name"] = json!(format!("step {index}"));
            step["transformationJob"]["id"] = json!(index);
            step["transformationJob"]["pipelineStep"] = json!(index);
            step
        })
        .collect();
    answer["pipelineRun"]["steps"] = Value::Array(steps);
    serde_json::to_vec(&answer).expect("a Value serializes")
}

/// One pipeline (`OrganizationPipeline`) built from the seed's run: the
/// run is both its `currentRun` and `lastRun`; its steps are the run's steps
/// without their jobs.
pub fn pipeline(id: i64) -> Value {
    let run = seed_run();
    let steps: Vec<Value> = run["steps"]
        .as_array()
        .expect("the seed run has steps")
        .iter()
        .map(|step| {
            let mut step = step.clone();
            step.as_object_mut().expect("a step is an object").remove("transformationJob");
            step
        })
        .collect();
    json!({
        "id": id,
        "name": format!("pipeline {id}"),
        "description": "a benchmark pipeline",
        "created": "2023-11-07T05:31:56Z",
        "emailRecipientUids": [123],
        "whenToEmail": "always",
        "intervalStr": "1d",
        "steps": steps,
        "currentRun": run,
        "lastRun": run,
    })
}

/// A list answer (`ListOrganizationPipelinesResponse`) of `count` pipelines.
pub fn list_response(count: usize) -> Vec<u8> {
    let pipelines: Vec<Value> = (1..=count as i64).map(pipeline).collect();
    serde_json::to_vec(&json!({ "success": true, "pipelines": pipelines }))
        .expect("a Value serializes")
}

/// A get answer (`GetOrganizationPipelinesResponse`) for pipeline `id`.
pub fn get_response(id: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({ "success": true, "pipeline": pipeline(id) }))
        .expect("a Value serializes")
}

/// A fixed-answer server on an ephemeral port of 127.0.0.1, on a runtime of
/// its own (one worker thread, so the clients measured keep the rest of the
/// machine), counting the requests it answers.
///
/// It answers every authorized `POST .../run` with the seed run answer and
/// every other authorized request with the [`get_response`] of
/// [`PIPELINE_ID`]. The get answer's runs have the seed's id, which the run
/// answer repeats, so a read after a run call sees that run, as against a
/// real Studio. The server lives as long as this value.
#[derive(Debug)]
pub struct FixedServer {
    // Dropped before the runtime it runs on.
    _server: LoopbackServer,
    _runtime: tokio::runtime::Runtime,
    base_url: String,
    requests: Arc<AtomicU64>,
}

impl FixedServer {
    /// Starts the server. With a `hold`, every answer is sent that long after
    /// its request arrived (a tokio sleep, so held answers do not hold up one
    /// another).
    pub fn spawn(hold: Option<Duration>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime builds");
        let requests = Arc::new(AtomicU64::new(0));
        let server = runtime.block_on(serve(hold, Arc::clone(&requests)));
        let base_url = base_url(server.address());
        Self { _server: server, _runtime: runtime, base_url, requests }
    }

    /// The server's base URL, with `/v1`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// How many requests the server has answered so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Starts the fixed answers on a loopback server of the current runtime.
async fn serve(hold: Option<Duration>, requests: Arc<AtomicU64>) -> LoopbackServer {
    let run = Bytes::from_static(SEED_RUN_RESPONSE);
    let get = Bytes::from(get_response(PIPELINE_ID));
    let server = LoopbackServer::start(0, move |request: Request<Incoming>| {
        requests.fetch_add(1, Ordering::SeqCst);
        let answer = fixed_answer(&request, &run, &get);
        async move {
            if let Some(hold) = hold {
                tokio::time::sleep(hold).await;
            }
            Ok::<_, Infallible>(answer)
        }
    });
    server.await.expect("bind 127.0.0.1:0")
}

fn fixed_answer(request: &Request<Incoming>, run: &Bytes, get: &Bytes) -> Response<Full<Bytes>> {
    let authorized = request
        .headers()
        .get(API_KEY_HEADER)
        .is_some_and(|key| key.as_bytes() == API_KEY.as_bytes());
    let (status, body) = if !authorized {
        (StatusCode::UNAUTHORIZED, Bytes::from_static(br#"{"success":false,"error":"no key"}"#))
    } else if request.method() == Method::POST && request.uri().path().ends_with("/run") {
        (StatusCode::OK, run.clone())
    } else {
        (StatusCode::OK, get.clone())
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, "application/json".parse().expect("valid"));
    response
}

/// The base URL (with `/v1`) of a server at `address`.
fn base_url(address: SocketAddr) -> String {
    format!("http://{address}/v1")
}

/// This process's peak resident set size in KiB (`VmHWM` in
/// `/proc/self/status`), or `None` where there is no such file.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The median of `samples` (sorted in place); zero when empty.
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// KiB in a MiB.
pub const KIB_PER_MIB: f64 = 1024.0;

/// `kib` as MiB with one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / KIB_PER_MIB)
}
