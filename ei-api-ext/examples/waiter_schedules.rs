//! Benchmark: poll schedules for waiting on a run, in virtual time against
//! the fake Studio. Prints a markdown table.
//!
//! Run lengths are spread log-uniformly from 10 s to 2 h, on two workloads
//! (steps that report file counts, and steps that report none), for the
//! adaptive schedule and two baselines measured in the same run: a fixed
//! 1 s poll (the vendor's SDK) and the Smithy waiter schedule (minimum 2 s,
//! maximum 120 s, delay = random(min, min * 2^(n-1)) up to the cap).
//!
//! `cargo run --release -p ei-api-ext --example waiter_schedules`

use std::time::Duration;

use ei_api::types::OrganizationPipelineRun;
use ei_api_ext::wait::{AdaptiveSchedule, FixedSchedule, PollSchedule, WaitOptions};
use ei_api_ext::{Client, OrganizationId, PipelineId, RetryPolicy};
use ei_fake_studio::{FakeStudio, PipelineSpec, StepSpec};

/// Runs per workload and schedule: enough for a stable mean and p95.
const RUNS: usize = 60;
const SHORTEST_RUN: f64 = 10.0;
const LONGEST_RUN: f64 = 7200.0;
/// "Runs over ten minutes", where the poll-count goal is set.
const LONG_RUN: Duration = Duration::from_secs(600);
/// Each run's three steps take these shares of it, with these file counts.
const STEPS: [(&str, f64, u32); 3] =
    [("Fetch", 0.2, 50), ("Transform", 0.5, 200), ("Upload", 0.3, 100)];
const ORG: i64 = 1;
const KEY: &str = "ei_bench_key_0123456789";

/// The AWS SDK (Smithy) waiter schedule.
struct SmithySchedule {
    attempt: u32,
    rng: fastrand::Rng,
}

impl SmithySchedule {
    const MIN: Duration = Duration::from_secs(2);
    const MAX: Duration = Duration::from_secs(120);
}

impl PollSchedule for SmithySchedule {
    fn next_delay(&mut self, _: Duration, _: &OrganizationPipelineRun) -> Duration {
        self.attempt += 1;
        let ceiling = Self::MIN.saturating_mul(1 << (self.attempt - 1).min(16)).min(Self::MAX);
        let span = (ceiling - Self::MIN).as_secs_f64();
        Self::MIN + Duration::from_secs_f64(span * self.rng.f64())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Workload {
    Progress,
    NoProgress,
}

#[derive(Clone, Copy)]
enum Schedule {
    Adaptive,
    FixedOneSecond,
    Smithy,
}

impl Schedule {
    fn name(self) -> &'static str {
        match self {
            Schedule::Adaptive => "adaptive (ours)",
            Schedule::FixedOneSecond => "fixed 1 s (vendor SDK)",
            Schedule::Smithy => "Smithy waiter",
        }
    }

    fn options(self, seed: u64) -> WaitOptions {
        let options = WaitOptions::timeout(Duration::from_secs_f64(LONGEST_RUN * 2.0));
        match self {
            Schedule::Adaptive => options.schedule(AdaptiveSchedule::new()),
            Schedule::FixedOneSecond => options.schedule(FixedSchedule(Duration::from_secs(1))),
            Schedule::Smithy => {
                options.schedule(SmithySchedule { attempt: 0, rng: fastrand::Rng::with_seed(seed) })
            }
        }
    }
}

/// One wait's figures.
struct Sample {
    length: Duration,
    polls: u32,
    latency: Duration,
}

fn run_lengths() -> Vec<Duration> {
    (0..RUNS)
        .map(|i| {
            let position = (i as f64 + 0.5) / RUNS as f64;
            Duration::from_secs_f64(SHORTEST_RUN * (LONGEST_RUN / SHORTEST_RUN).powf(position))
        })
        .collect()
}

async fn measure(workload: Workload, schedule: Schedule) -> Vec<Sample> {
    let lengths = run_lengths();
    let mut builder = FakeStudio::builder().api_key(KEY);
    for (index, length) in lengths.iter().enumerate() {
        let mut spec = PipelineSpec::new(ORG, index as i64 + 1, format!("run {index}"));
        for (name, share, files) in STEPS {
            spec = spec.step(StepSpec::new(name).duration(length.mul_f64(share)).files(files));
        }
        if workload == Workload::NoProgress {
            spec = spec.without_progress_counts();
        }
        builder = builder.pipeline(spec);
    }
    let studio = builder.start().await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(studio.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a valid configuration");
    let waits = lengths.iter().enumerate().map(|(index, length)| {
        let handle = client.pipeline(OrganizationId::new(ORG), PipelineId::new(index as i64 + 1));
        let options = schedule.options(index as u64);
        let length = *length;
        tokio::spawn(async move {
            let report = handle.run().wait(options).await.expect("the wait ends");
            let returned = tokio::time::Instant::now();
            (length, report, returned)
        })
    });
    let mut samples = Vec::new();
    for wait in waits.collect::<Vec<_>>() {
        let (length, report, returned) = wait.await.expect("no panic");
        assert!(report.succeeded(), "{:?}", report.outcome);
        let finished = studio.run_finished_at(report.run().id).expect("the fake knows");
        samples.push(Sample { length, polls: report.polls, latency: returned - finished });
    }
    samples
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let values: Vec<f64> = values.collect();
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn p95(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values[((values.len() as f64 * 0.95).ceil() as usize).saturating_sub(1).min(values.len() - 1)]
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!(
        "{RUNS} runs per row, lengths log-uniform from {SHORTEST_RUN} s to {LONGEST_RUN} s, \
         three steps each; virtual time (tokio's paused clock) against ei-fake-studio.\n"
    );
    println!(
        "| workload | schedule | polls/run | polls/run (runs > 10 min) | latency mean | \
         latency p95 | latency / length, mean | latency / length, p95 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for workload in [Workload::NoProgress, Workload::Progress] {
        for schedule in [Schedule::Adaptive, Schedule::FixedOneSecond, Schedule::Smithy] {
            let samples = measure(workload, schedule).await;
            let long = samples.iter().filter(|s| s.length > LONG_RUN);
            let relative = |s: &Sample| s.latency.as_secs_f64() / s.length.as_secs_f64() * 100.0;
            println!(
                "| {} | {} | {:.1} | {:.1} | {:.2} s | {:.2} s | {:.2}% | {:.2}% |",
                match workload {
                    Workload::Progress => "file counts",
                    Workload::NoProgress => "no counts",
                },
                schedule.name(),
                mean(samples.iter().map(|s| s.polls as f64)),
                mean(long.map(|s| s.polls as f64)),
                mean(samples.iter().map(|s| s.latency.as_secs_f64())),
                p95(samples.iter().map(|s| s.latency.as_secs_f64())),
                mean(samples.iter().map(relative)),
                p95(samples.iter().map(relative)),
            );
        }
    }
}
