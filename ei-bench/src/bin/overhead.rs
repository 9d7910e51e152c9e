//! Per-call overhead of `ei-api-ext` against hand-written `reqwest` calls of
//! the same requests, on the same fixed-answer loopback server.
//!
//! - get: `PipelineHandle::get` against one hand-written GET (the SDK's own
//!   per-call cost: retry loop, tracing span, error mapping).
//! - run: `RunRequest::send` against one hand-written POST. The run call
//!   makes one request when all goes well (it reads the pipeline only after
//!   an ambiguous failure, which this server never gives), so this ratio is
//!   its per-call cost, as for get: retry loop, tracing span, error mapping.
//!
//! Both sides use the SDK's reqwest settings and decode into the same
//! generated types. Calls alternate in rounds so drift hits both alike.

use std::time::{Duration, Instant};

use ei_api::types::{GetOrganizationPipelinesResponse, RunOrganizationPipelineResponse};
use ei_api_ext::{Client, OrganizationId, PipelineId};
use ei_bench::{median, FixedServer, API_KEY, API_VERSION, ORGANIZATION_ID, PIPELINE_ID};
use reqwest::header::ACCEPT;

/// Calls before timing, to open the connection and warm up.
const WARMUP_CALLS: usize = 200;
/// Rounds; each makes [`CALLS_PER_ROUND`] calls per side.
const ROUNDS: usize = 40;
/// Calls per side per round.
const CALLS_PER_ROUND: usize = 100;
/// The SDK should cost at most this fraction more than hand-written calls.
const GOAL_OVERHEAD: f64 = 0.10;
/// The SDK's `User-Agent`, sent by the hand-written client too.
const USER_AGENT: &str = "ei-api-ext/0.1.0";

/// One side of a comparison: latencies of every timed call, and the time
/// spent in them.
#[derive(Default)]
struct Side {
    latencies: Vec<Duration>,
    total: Duration,
}

impl Side {
    fn calls_per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.total.as_secs_f64()
    }
}

/// Hand-written calls with the SDK's headers and reqwest settings.
struct Manual {
    http: reqwest::Client,
    pipeline_url: String,
    run_url: String,
}

impl Manual {
    fn new(base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            // The SDK's default connect and attempt timeouts.
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("a reqwest client builds");
        let pipeline_url =
            format!("{base_url}/api/organizations/{ORGANIZATION_ID}/pipelines/{PIPELINE_ID}");
        let run_url = format!("{pipeline_url}/run");
        Self { http, pipeline_url, run_url }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> bytes::Bytes {
        let response = request
            .header(ACCEPT, "application/json")
            .header("api-version", API_VERSION)
            .header("x-api-key", API_KEY)
            .send()
            .await
            .expect("the loopback server answers");
        assert!(response.status().is_success(), "unexpected status {}", response.status());
        response.bytes().await.expect("the body arrives")
    }

    async fn get(&self) -> i64 {
        let body = self.send(self.http.get(&self.pipeline_url)).await;
        let answer: GetOrganizationPipelinesResponse =
            serde_json::from_slice(&body).expect("the get answer decodes");
        answer.pipeline.id
    }

    async fn run(&self) -> i64 {
        let body = self.send(self.http.post(&self.run_url)).await;
        let answer: RunOrganizationPipelineResponse =
            serde_json::from_slice(&body).expect("the run answer decodes");
        assert!(answer.success);
        answer.pipeline_run.id
    }
}

async fn timed<F: std::future::Future<Output = i64>>(side: &mut Side, call: F) {
    let started = Instant::now();
    std::hint::black_box(call.await);
    let elapsed = started.elapsed();
    side.latencies.push(elapsed);
    side.total += elapsed;
}

fn row(name: &str, sdk: &mut Side, manual: &mut Side) -> f64 {
    let (sdk_median, manual_median) = (median(&mut sdk.latencies), median(&mut manual.latencies));
    let latency_ratio = sdk_median.as_secs_f64() / manual_median.as_secs_f64();
    let rate_ratio = sdk.calls_per_second() / manual.calls_per_second();
    println!(
        "| {name} | {:.1} | {:.1} | {latency_ratio:.2}x | {:.0} | {:.0} | {rate_ratio:.2}x |",
        sdk_median.as_secs_f64() * 1e6,
        manual_median.as_secs_f64() * 1e6,
        sdk.calls_per_second(),
        manual.calls_per_second(),
    );
    latency_ratio
}

fn main() {
    // The server gets its own thread; the clients share one current-thread
    // runtime, as a CLI making sequential calls would.
    let server = FixedServer::spawn(None);
    let base_url = server.base_url();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime builds");
    runtime.block_on(async {
        let client = Client::builder().api_key(API_KEY).base_url(base_url).build().expect("build");
        let pipeline =
            client.pipeline(OrganizationId::new(ORGANIZATION_ID), PipelineId::new(PIPELINE_ID));
        let manual = Manual::new(base_url);
        for _ in 0..WARMUP_CALLS {
            pipeline.get().await.expect("get");
            pipeline.run().send().await.expect("run");
            manual.get().await;
            manual.run().await;
        }
        let [mut sdk_get, mut manual_get, mut sdk_run, mut manual_run] =
            std::array::from_fn(|_| Side::default());
        let mut sdk_run_requests = 0;
        for _ in 0..ROUNDS {
            for _ in 0..CALLS_PER_ROUND {
                timed(&mut sdk_get, async { pipeline.get().await.expect("get").id }).await;
            }
            for _ in 0..CALLS_PER_ROUND {
                timed(&mut manual_get, manual.get()).await;
            }
            let before = server.requests();
            for _ in 0..CALLS_PER_ROUND {
                timed(&mut sdk_run, async { pipeline.run().send().await.expect("run").id }).await;
            }
            sdk_run_requests += server.requests() - before;
            for _ in 0..CALLS_PER_ROUND {
                timed(&mut manual_run, manual.run()).await;
            }
        }
        println!(
            "| call | SDK median µs | hand-written median µs | latency ratio | SDK calls/s | \
             hand-written calls/s | calls/s ratio |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let get = row("get (GET pipeline)", &mut sdk_get, &mut manual_get);
        let run = row("run (POST run)", &mut sdk_run, &mut manual_run);
        println!();
        let verdict = |ratio: f64| if ratio - 1.0 <= GOAL_OVERHEAD { "met" } else { "missed" };
        println!(
            "- get: SDK median latency {:+.1}% vs hand-written, goal within {:.0}%: {}",
            (get - 1.0) * 100.0,
            GOAL_OVERHEAD * 100.0,
            verdict(get)
        );
        println!(
            "- run: SDK median latency {:+.1}% vs one hand-written POST, goal within {:.0}%: {}",
            (run - 1.0) * 100.0,
            GOAL_OVERHEAD * 100.0,
            verdict(run)
        );
        println!(
            "- run: the SDK sent {:.2} requests per run call ({sdk_run_requests} for {} calls)",
            sdk_run_requests as f64 / sdk_run.latencies.len() as f64,
            sdk_run.latencies.len()
        );
        println!(
            "- {} timed calls per side, in {ROUNDS} alternating rounds of {CALLS_PER_ROUND}, \
             after {WARMUP_CALLS} warm-up calls each",
            ROUNDS * CALLS_PER_ROUND
        );
    });
}
