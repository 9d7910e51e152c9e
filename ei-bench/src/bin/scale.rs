//! 1,000 concurrent run-and-wait tasks on one client against the fake Studio,
//! on the real clock.
//!
//! This process runs the fake Studio (1,000 pipelines of one step each,
//! lasting 2 to 5 s) behind a small TCP proxy that counts the connections
//! the client opens, and starts itself again as the client (`scale client
//! BASE_URL`), so that the client's peak RSS (`VmHWM`) is its own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ei_api_ext::wait::WaitOptions;
use ei_api_ext::{Client, OrganizationId, PipelineId};
use ei_bench::{mib, peak_rss_kib, ORGANIZATION_ID};
use ei_fake_studio::{FakeStudio, PipelineSpec, StepSpec};
use tokio::net::{TcpListener, TcpStream};

/// Concurrent run-and-wait tasks, one per pipeline.
const TASKS: i64 = 1_000;
/// The shortest run.
const MIN_RUN: Duration = Duration::from_secs(2);
/// Runs last [`MIN_RUN`] plus up to this many steps of [`RUN_SPREAD_STEP`].
const RUN_SPREAD_STEPS: i64 = 31;
/// With 30 steps of 100 ms, runs last 2.0 to 5.0 s.
const RUN_SPREAD_STEP: Duration = Duration::from_millis(100);
/// Files each step transforms (for the progress counts).
const FILES_PER_STEP: u32 = 10;
/// How long each task may wait for its run.
const WAIT_TIMEOUT: Duration = Duration::from_secs(120);
/// The client's peak RSS goal.
const GOAL_PEAK_RSS_MIB: f64 = 100.0;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [mode, base_url] if mode == "client" => client(base_url),
        [] => server(),
        _ => {
            eprintln!("usage: scale [client BASE_URL]");
            std::process::exit(2);
        }
    }
}

/// The client side: prints `succeeded= failed= wall_ms= polls= peak_rss_kib=`.
fn client(base_url: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime builds");
    runtime.block_on(async {
        let client = Client::builder()
            .api_key(FakeStudio::DEFAULT_API_KEY)
            .base_url(base_url)
            .build()
            .expect("build");
        let started = Instant::now();
        let tasks: Vec<_> = (1..=TASKS)
            .map(|id| {
                let pipeline =
                    client.pipeline(OrganizationId::new(ORGANIZATION_ID), PipelineId::new(id));
                tokio::spawn(async move {
                    pipeline.run().follow(WaitOptions::timeout(WAIT_TIMEOUT)).await
                })
            })
            .collect();
        let (mut succeeded, mut failed, mut polls) = (0, 0, 0u64);
        for task in tasks {
            match task.await.expect("the task does not panic") {
                Ok(report) if report.succeeded() => {
                    succeeded += 1;
                    polls += u64::from(report.polls);
                }
                Ok(report) => {
                    failed += 1;
                    eprintln!("run ended {}", report.outcome.name());
                }
                Err(error) => {
                    failed += 1;
                    eprintln!("error: {error}");
                }
            }
        }
        let wall = started.elapsed();
        let peak = peak_rss_kib().unwrap_or_default();
        println!(
            "succeeded={succeeded} failed={failed} wall_ms={} polls={polls} peak_rss_kib={peak}",
            wall.as_millis()
        );
    });
}

/// Forwards every accepted connection to `target`, counting them.
async fn proxy(listener: TcpListener, target: std::net::SocketAddr, accepted: Arc<AtomicU64>) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else { continue };
        accepted.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            if let Ok(mut outbound) = TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

fn field<'a>(text: &'a str, name: &str) -> &'a str {
    text.split_whitespace()
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .unwrap_or("?")
}

/// The fake Studio, the counting proxy, and the report.
fn server() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime builds");
    let accepted = Arc::new(AtomicU64::new(0));
    let base_url = runtime.block_on(async {
        let mut builder = FakeStudio::builder();
        for id in 1..=TASKS {
            let duration = MIN_RUN + RUN_SPREAD_STEP * (id % RUN_SPREAD_STEPS) as u32;
            let step = StepSpec::new("transform").duration(duration).files(FILES_PER_STEP);
            builder = builder.pipeline(
                PipelineSpec::new(ORGANIZATION_ID, id, format!("pipeline {id}")).step(step),
            );
        }
        let studio = builder.start().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("an address");
        tokio::spawn(proxy(listener, studio.address(), Arc::clone(&accepted)));
        // The studio lives as long as this process.
        std::mem::forget(studio);
        format!("http://{address}/v1")
    });
    let own = std::env::current_exe().expect("own path");
    let output = std::process::Command::new(own)
        .args(["client", &base_url])
        .output()
        .expect("the client process starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        println!("the client process failed ({}): {}", output.status, stderr.trim());
        std::process::exit(1);
    }
    let succeeded: i64 = field(&stdout, "succeeded").parse().unwrap_or(-1);
    let peak_kib: u64 = field(&stdout, "peak_rss_kib").parse().unwrap_or(0);
    let wall_ms: f64 = field(&stdout, "wall_ms").parse().unwrap_or(f64::NAN);
    let polls: f64 = field(&stdout, "polls").parse().unwrap_or(f64::NAN);
    let connections = accepted.load(Ordering::Relaxed);
    println!("| measure | value |");
    println!("|---|---:|");
    println!("| tasks (distinct pipelines, one client) | {TASKS} |");
    println!("| runs succeeded | {succeeded} |");
    println!("| failed | {} |", field(&stdout, "failed"));
    println!("| wall time | {:.2} s |", wall_ms / 1e3);
    println!("| wall time / longest run (5.0 s) | {:.2}x |", wall_ms / 5e3);
    println!("| polls (after the run call), mean per task | {:.1} |", polls / TASKS as f64);
    println!("| TCP connections opened by the client | {connections} |");
    println!("| client peak RSS (VmHWM) | {} MiB |", mib(peak_kib));
    println!(
        "| fake Studio + proxy process peak RSS, for reference | {} MiB |",
        mib(peak_rss_kib().unwrap_or_default())
    );
    println!();
    let all = if succeeded == TASKS { "met" } else { "missed" };
    let memory =
        if peak_kib as f64 / ei_bench::KIB_PER_MIB < GOAL_PEAK_RSS_MIB { "met" } else { "missed" };
    println!("- all {TASKS} runs succeed: {all}");
    println!("- client peak RSS under {GOAL_PEAK_RSS_MIB} MiB: {memory}");
    if !stderr.trim().is_empty() {
        println!("- client errors: {}", stderr.lines().take(3).collect::<Vec<_>>().join("; "));
    }
}
