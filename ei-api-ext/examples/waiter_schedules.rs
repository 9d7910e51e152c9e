//! Benchmark: poll schedules for waiting on a run, in virtual time against
//! the fake Studio. Prints a markdown table: a row per baseline, then a row
//! per workload for the adaptive schedule, its goals marked met or missed.
//!
//! Run lengths are spread log-uniformly from 10 s to 2 h. The workloads are
//! steps that report no counts, and steps whose counts move in each of the
//! fake's progress shapes. Each is measured for the adaptive schedule, and
//! three baselines are measured in the same run: the time-only rule it
//! falls back to, a fixed 1 s poll (the vendor's SDK) and the Smithy waiter
//! schedule (minimum 2 s, maximum 120 s, delay = random(min, min * 2^(n-1))
//! up to the cap). The baselines ignore counts and the runs end at the same
//! instants whatever their shape, so each is measured once.
//!
//! `cargo run --release -p ei-api-ext --example waiter_schedules`

use std::time::Duration;

use ei_api_ext::run::Run;
use ei_api_ext::wait::{AdaptiveSchedule, PollSchedule, WaitOptions};
use ei_api_ext::{Client, OrganizationId, PipelineId, RetryPolicy};
use ei_fake_studio::{FakeStudio, PipelineSpec, ProgressShape, StepSpec};

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

/// Goal: the p95 of latency / length, in percent, on any workload.
const P95_GOAL_PERCENT: f64 = 8.0;
/// "No more than the time-only rule's, within a few percent": this fraction.
const WITHIN_A_FEW_PERCENT: f64 = 0.05;
/// Goal on steady and decelerating counts: at most this share of the
/// time-only rule's mean latency.
const INFORMATIVE_LATENCY_SHARE: f64 = 0.5;
/// Goal without counts: mean latency / length "about 4%", in percent.
const NO_COUNTS_MEAN_PERCENT: std::ops::RangeInclusive<f64> = 3.0..=5.0;
/// Goal without counts: at least this many times fewer polls than the
/// fixed 1 s poll on runs over ten minutes.
const FEWER_POLLS_THAN_FIXED: f64 = 30.0;
/// Goal with steady counts: "far lower latency" than Smithy's, an order of
/// magnitude.
const LOWER_LATENCY_THAN_SMITHY: f64 = 10.0;

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
    fn next_delay(&mut self, _: Duration, _: &Run) -> Duration {
        self.attempt += 1;
        let ceiling = Self::MIN.saturating_mul(1 << (self.attempt - 1).min(16)).min(Self::MAX);
        let span = (ceiling - Self::MIN).as_secs_f64();
        Self::MIN + Duration::from_secs_f64(span * self.rng.f64())
    }
}

/// How the runs' steps report progress.
#[derive(Clone, Copy, PartialEq)]
enum Workload {
    NoCounts,
    Counts(ProgressShape),
}

/// Every workload: no counts, then counts in each of the fake's shapes.
fn workloads() -> impl Iterator<Item = Workload> {
    std::iter::once(Workload::NoCounts).chain(ProgressShape::ALL.map(Workload::Counts))
}

impl Workload {
    fn name(self) -> String {
        match self {
            Workload::NoCounts => "no counts".to_owned(),
            Workload::Counts(shape) => format!("counts: {shape:?}"),
        }
    }

    fn pipeline(self, index: usize, length: Duration) -> PipelineSpec {
        let mut spec = PipelineSpec::new(ORG, index as i64 + 1, format!("run {index}"));
        for (name, share, files) in STEPS {
            spec = spec.step(StepSpec::new(name).duration(length.mul_f64(share)).files(files));
        }
        match self {
            Workload::NoCounts => spec.without_progress_counts(),
            Workload::Counts(shape) => spec.progress_shape(shape),
        }
    }
}

#[derive(Clone, Copy)]
enum Schedule {
    Adaptive,
    TimeOnly,
    FixedOneSecond,
    Smithy,
}

impl Schedule {
    fn name(self) -> &'static str {
        match self {
            Schedule::Adaptive => "adaptive (ours)",
            Schedule::TimeOnly => "time-only rule",
            Schedule::FixedOneSecond => "fixed 1 s (vendor SDK)",
            Schedule::Smithy => "Smithy waiter",
        }
    }

    fn options(self, seed: u64) -> WaitOptions {
        let options = WaitOptions::timeout(Duration::from_secs_f64(LONGEST_RUN * 2.0));
        match self {
            Schedule::Adaptive => options.schedule(AdaptiveSchedule::new()),
            Schedule::TimeOnly => options.schedule(AdaptiveSchedule::time_only()),
            Schedule::FixedOneSecond => {
                options.schedule(|_: Duration, _: &Run| Duration::from_secs(1))
            }
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

/// One row's figures.
struct Summary {
    polls: f64,
    long_run_polls: f64,
    latency_mean: f64,
    latency_p95: f64,
    relative_mean: f64,
    relative_p95: f64,
}

impl Summary {
    fn of(samples: &[Sample]) -> Self {
        let long = samples.iter().filter(|s| s.length > LONG_RUN);
        let relative = |s: &Sample| s.latency.as_secs_f64() / s.length.as_secs_f64() * 100.0;
        Self {
            polls: mean(samples.iter().map(|s| f64::from(s.polls))),
            long_run_polls: mean(long.map(|s| f64::from(s.polls))),
            latency_mean: mean(samples.iter().map(|s| s.latency.as_secs_f64())),
            latency_p95: p95(samples.iter().map(|s| s.latency.as_secs_f64())),
            relative_mean: mean(samples.iter().map(relative)),
            relative_p95: p95(samples.iter().map(relative)),
        }
    }
}

/// The baselines' figures.
struct Baselines {
    time_only: Summary,
    fixed: Summary,
    smithy: Summary,
}

impl Baselines {
    /// The adaptive schedule's goals on `workload`, each met or missed.
    fn goals(&self, workload: Workload, adaptive: &Summary) -> String {
        let Baselines { time_only, fixed, smithy } = self;
        let slack = 1.0 + WITHIN_A_FEW_PERCENT;
        let mut goals = vec![
            (
                format!("p95 ≤ {P95_GOAL_PERCENT}% of length"),
                adaptive.relative_p95 <= P95_GOAL_PERCENT,
            ),
            ("polls ≤ time-only".to_owned(), adaptive.polls <= time_only.polls * slack),
            (
                "mean ≤ time-only".to_owned(),
                adaptive.latency_mean <= time_only.latency_mean * slack,
            ),
        ];
        let steady = Workload::Counts(ProgressShape::Steady);
        if [steady, Workload::Counts(ProgressShape::Decelerating)].contains(&workload) {
            goals.push((
                format!("mean ≤ {INFORMATIVE_LATENCY_SHARE}x time-only"),
                adaptive.latency_mean <= time_only.latency_mean * INFORMATIVE_LATENCY_SHARE,
            ));
        }
        if workload == steady {
            goals.push(("fewer polls than Smithy".to_owned(), adaptive.polls < smithy.polls));
            goals.push((
                format!("mean ≤ Smithy's / {LOWER_LATENCY_THAN_SMITHY}"),
                adaptive.latency_mean <= smithy.latency_mean / LOWER_LATENCY_THAN_SMITHY,
            ));
        }
        if workload == Workload::NoCounts {
            let (low, high) = NO_COUNTS_MEAN_PERCENT.clone().into_inner();
            goals.push((
                format!("mean {low}-{high}% of length"),
                NO_COUNTS_MEAN_PERCENT.contains(&adaptive.relative_mean),
            ));
            goals.push((
                format!("≥ {FEWER_POLLS_THAN_FIXED}x fewer polls than 1 s (> 10 min)"),
                fixed.long_run_polls / adaptive.long_run_polls >= FEWER_POLLS_THAN_FIXED,
            ));
        }
        goals
            .into_iter()
            .map(|(goal, met)| format!("{goal}: {}", if met { "met" } else { "**missed**" }))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn run_lengths() -> Vec<Duration> {
    (0..RUNS)
        .map(|i| {
            let position = (i as f64 + 0.5) / RUNS as f64;
            Duration::from_secs_f64(SHORTEST_RUN * (LONGEST_RUN / SHORTEST_RUN).powf(position))
        })
        .collect()
}

async fn measure(workload: Workload, schedule: Schedule) -> Summary {
    let lengths = run_lengths();
    let mut builder = FakeStudio::builder().api_key(KEY);
    for (index, length) in lengths.iter().enumerate() {
        builder = builder.pipeline(workload.pipeline(index, *length));
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
            let report = handle.run().follow(options).await.expect("the wait ends");
            let returned = tokio::time::Instant::now();
            (length, report, returned)
        })
    });
    let mut samples = Vec::new();
    for wait in waits.collect::<Vec<_>>() {
        let (length, report, returned) = wait.await.expect("no panic");
        assert!(report.succeeded(), "{:?}", report.outcome);
        let finished = studio.run_finished_at(report.run.id.get()).expect("the fake knows");
        samples.push(Sample { length, polls: report.polls, latency: returned - finished });
    }
    Summary::of(&samples)
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

fn row(name: &str, schedule: Schedule, summary: &Summary, goals: &str) {
    println!(
        "| {name} | {} | {:.1} | {:.1} | {:.2} s | {:.2} s | {:.2}% | {:.2}% | {goals} |",
        schedule.name(),
        summary.polls,
        summary.long_run_polls,
        summary.latency_mean,
        summary.latency_p95,
        summary.relative_mean,
        summary.relative_p95,
    );
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!(
        "{RUNS} runs per row, lengths log-uniform from {SHORTEST_RUN} s to {LONGEST_RUN} s, \
         three steps each; virtual time (tokio's paused clock) against ei-fake-studio. The \
         baselines ignore counts, and the runs end at the same instants whatever their shape: \
         each is measured once.\n"
    );
    println!(
        "| workload | schedule | polls/run | polls/run (runs > 10 min) | latency mean | \
         latency p95 | latency / length, mean | latency / length, p95 | goals |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---|");
    let baselines = Baselines {
        time_only: measure(Workload::NoCounts, Schedule::TimeOnly).await,
        fixed: measure(Workload::NoCounts, Schedule::FixedOneSecond).await,
        smithy: measure(Workload::NoCounts, Schedule::Smithy).await,
    };
    row("any", Schedule::TimeOnly, &baselines.time_only, "baseline");
    row("any", Schedule::FixedOneSecond, &baselines.fixed, "baseline");
    row("any", Schedule::Smithy, &baselines.smithy, "baseline");
    for workload in workloads() {
        let adaptive = measure(workload, Schedule::Adaptive).await;
        let goals = baselines.goals(workload, &adaptive);
        row(&workload.name(), Schedule::Adaptive, &adaptive, &goals);
    }
}
