//! The adaptive schedule's guarantee over random progress curves, not named
//! shapes: for every curve it sees the run's end no later than the
//! time-only rule does (a schedule's instants are exact here: polls take no
//! time), except when the end falls inside a sleep past the rule's next
//! instant, granted only on counts that moved at least 5 files since an
//! earlier poll of the same step, and then at most 25% of the time elapsed when that sleep
//! began (and at most 10 minutes) after the end; and it never polls more.
//!
//! Each curve is a run of random steps, each with random segments (queues,
//! stalls, bursts, rates that grow or shrink by powers up to the cube),
//! totals that grow, counts that end before the job does and jobs that end
//! before their counts do, gaps with no step running, runs from seconds to
//! hours. The schedule is driven directly in virtual time: each poll shows
//! the run as it stands at the instant the schedule chose.
//!
//! A failure prints the curve's seed; `SCHEDULE_CURVE_SEED=<seed> cargo
//! test -p ei-api-ext --test schedule_property` replays that curve alone.

use std::time::Duration;

use ei_api_ext::run::{Run, StepState};
use ei_api_ext::wait::{AdaptiveSchedule, PollSchedule};
use serde_json::json;

/// Curves per test run.
const CURVES: u64 = 6_000;
const SHORTEST_RUN: f64 = 5.0;
const LONGEST_RUN: f64 = 6.0 * 3_600.0;
/// The guarantee's bound past the end, when a step ends sooner than its
/// confirmed counts foretold: this share of the time elapsed when the
/// sleep began...
const CONFIRMED_REACH: f64 = 0.25;
/// ...and at most this.
const LONGEST_SLEEP: Duration = Duration::from_secs(600);
/// A sleep past the rule's next instant needs counts that moved this many
/// files since an earlier poll: fewer cannot confirm a rate to within 20%.
const CONFIRMING_GAIN: i64 = 5;

/// How the share of a segment's files finished grows over the segment
/// (both from 0 to 1).
#[derive(Clone, Copy, Debug)]
enum Segment {
    /// Nothing moves: the job queues, or stalls.
    Still,
    /// Every file finishes at once, this far into the segment.
    Burst(f64),
    /// The share finished grows as this power of the time (above 1, a rate
    /// that grows, up to the cube; below 1, one that shrinks).
    Power(f64),
    /// The mirror image: fast, then slowing as this power.
    Slowing(f64),
}

impl Segment {
    fn random(rng: &mut fastrand::Rng) -> Self {
        match rng.u8(0..4) {
            0 => Segment::Still,
            1 => Segment::Burst(rng.f64()),
            2 => Segment::Power(1.0 + 3.0 * rng.f64()),
            _ => Segment::Slowing(1.0 + 3.0 * rng.f64()),
        }
    }

    fn share(self, x: f64) -> f64 {
        match self {
            Segment::Still => 0.0,
            Segment::Burst(at) => f64::from(u8::from(x >= at)),
            Segment::Power(power) => x.powf(power),
            Segment::Slowing(power) => 1.0 - (1.0 - x).powf(power),
        }
    }
}

/// One step of a curve.
#[derive(Clone, Debug)]
struct CurveStep {
    /// When it starts and ends, in seconds from the run's start.
    start: f64,
    end: f64,
    /// Its file count, or `None` when it reports none.
    files: Option<i64>,
    /// (share of the step's time, share of its files, how they move).
    segments: Vec<(f64, f64, Segment)>,
    /// The share of its time by which its counts are complete (below 1:
    /// the job runs on, uploading).
    counted_by: f64,
    /// The share of its files counted when its time is up (below 1: the
    /// job ends before its counts do).
    counted_at_end: f64,
    /// The share of its files its total shows at its start, and the share
    /// of its time by which the total has grown to all of them.
    total_from: f64,
    total_grown_by: f64,
}

impl CurveStep {
    /// (done, total) at `x`, the share of the step's time elapsed (0..1).
    fn counts(&self, x: f64, files: i64) -> (i64, i64) {
        let counting = (x / self.counted_by).min(1.0);
        let mut share = 0.0;
        let mut from = 0.0;
        for &(time, files_share, segment) in &self.segments {
            if counting >= from + time {
                share += files_share;
            } else {
                share += files_share * segment.share(((counting - from) / time).max(0.0));
                break;
            }
            from += time;
        }
        let files_f = files as f64;
        let grown = (x / self.total_grown_by).min(1.0);
        let total = (files_f * (self.total_from + (1.0 - self.total_from) * grown)).ceil() as i64;
        let done = (files_f * share.min(1.0) * self.counted_at_end).floor() as i64;
        (done.min(total), total.max(1))
    }
}

/// A random run: its steps, back to back or with gaps, and its end.
#[derive(Clone, Debug)]
struct Curve {
    steps: Vec<CurveStep>,
    end: f64,
}

/// Random weights summing to 1.
fn shares(rng: &mut fastrand::Rng, count: usize) -> Vec<f64> {
    let weights: Vec<f64> = (0..count).map(|_| 0.05 + rng.f64()).collect();
    let sum: f64 = weights.iter().sum();
    weights.into_iter().map(|weight| weight / sum).collect()
}

fn log_uniform(rng: &mut fastrand::Rng, low: f64, high: f64) -> f64 {
    low * (high / low).powf(rng.f64())
}

impl Curve {
    fn random(seed: u64) -> Self {
        let rng = &mut fastrand::Rng::with_seed(seed);
        let length = log_uniform(rng, SHORTEST_RUN, LONGEST_RUN);
        let count = rng.usize(1..=6);
        // Each step has a share of the run, and may be preceded by a gap.
        let parts = shares(rng, count * 2);
        let mut at = 0.0;
        let mut steps = Vec::with_capacity(count);
        for pair in parts.chunks(2) {
            if rng.u8(0..5) == 0 {
                at += pair[0] * length;
            }
            let start = at;
            at += pair[1] * length;
            let segment_count = rng.usize(1..=6);
            let times = shares(rng, segment_count);
            let mut moving: Vec<Segment> =
                (0..segment_count).map(|_| Segment::random(rng)).collect();
            if moving.iter().all(|segment| matches!(segment, Segment::Still)) {
                moving[rng.usize(0..segment_count)] = Segment::Power(1.0 + 3.0 * rng.f64());
            }
            let weights = shares(rng, segment_count);
            let file_weights: Vec<f64> = moving
                .iter()
                .zip(&weights)
                .map(
                    |(segment, weight)| {
                        if matches!(segment, Segment::Still) {
                            0.0
                        } else {
                            *weight
                        }
                    },
                )
                .collect();
            let moved: f64 = file_weights.iter().sum();
            let segments = times
                .into_iter()
                .zip(file_weights.into_iter().map(|weight| weight / moved))
                .zip(moving)
                .map(|((time, files), segment)| (time, files, segment))
                .collect();
            let files = (rng.u8(0..8) != 0).then(|| log_uniform(rng, 1.0, 20_000.0) as i64);
            let (counted_by, counted_at_end) = match rng.u8(0..4) {
                0 => (0.5 + 0.5 * rng.f64(), 1.0),
                1 => (1.0, 0.3 + 0.7 * rng.f64()),
                _ => (1.0, 1.0),
            };
            let (total_from, total_grown_by) =
                if rng.u8(0..5) == 0 { (0.1 + 0.9 * rng.f64(), rng.f64()) } else { (1.0, 1.0) };
            steps.push(CurveStep {
                start,
                end: at,
                files,
                segments,
                counted_by,
                counted_at_end,
                total_from,
                total_grown_by: total_grown_by.max(1e-3),
            });
        }
        Curve { steps, end: at }
    }

    /// A run of this curve's steps, every one waiting.
    fn template(&self) -> Run {
        let steps: Vec<_> = (0..self.steps.len())
            .map(|index| {
                json!({
                    "name": format!("step {index}"),
                    "transformationJob": {
                        "id": index, "organizationId": 1, "name": "job",
                        "created": "2024-06-03T08:00:00.000Z", "category": "training",
                        "operatesOn": "file", "status": "waiting",
                        "transformJobStatus": "waiting", "uploadJobStatus": "waiting",
                        "inProgress": false, "totalDownloadFileCount": 1,
                        "totalDownloadFileSize": 0, "totalDownloadFileSizeString": "0 bytes",
                        "totalUploadFileCount": 0, "transformationParallel": 1,
                        "totalTimeSpentSeconds": 0, "totalTimeSpentString": "0s",
                        "uploadType": "dataset",
                        "transformationSummary": {
                            "startedCount": 0, "finishedCount": 0, "succeededCount": 0,
                            "totalFileCount": 1, "totalTimeSpentSeconds": 0
                        }
                    }
                })
            })
            .collect();
        let raw = json!({ "id": 1, "created": "2024-06-03T08:00:00.000Z", "steps": steps });
        Run::new(serde_json::from_value(raw).expect("a run"))
    }

    /// `run` as it stands `at` seconds into it: whether it is over.
    fn show(&self, run: &mut Run, at: f64) -> bool {
        for (step, shown) in self.steps.iter().zip(&mut run.steps) {
            let counts = shown.files.as_mut().expect("the template counts files");
            if at >= step.end {
                shown.state = StepState::Succeeded;
            } else if at >= step.start {
                shown.state = StepState::Running;
                if let Some(files) = step.files {
                    let x = (at - step.start) / (step.end - step.start);
                    (counts.done, counts.total) = step.counts(x, files);
                }
            } else {
                shown.state = StepState::Waiting;
            }
        }
        for (step, shown) in self.steps.iter().zip(&mut run.steps) {
            if step.files.is_none() || shown.state != StepState::Running {
                // No counts: a step without them, or one not running.
                let counts = shown.files.as_mut().expect("counts");
                (counts.done, counts.total) = (0, 0);
            }
        }
        at >= self.end
    }
}

/// One poll: when, and the running step's (index, done, total) if it
/// reports counts.
#[derive(Clone, Copy, Debug)]
struct Poll {
    at: Duration,
    counts: Option<(usize, i64, i64)>,
}

/// The polls `schedule` makes of `curve`, from its start until it sees it over.
fn polls(curve: &Curve, mut schedule: AdaptiveSchedule) -> Vec<Poll> {
    let mut run = curve.template();
    let mut polls = Vec::new();
    let mut at = Duration::ZERO;
    loop {
        let over = curve.show(&mut run, at.as_secs_f64());
        let counts = run
            .running_step()
            .filter(|step| step.files.is_some_and(|files| files.total > 0))
            .map(|step| {
                let files = step.files.expect("counts");
                (step.number, files.done, files.total)
            });
        polls.push(Poll { at, counts });
        if over {
            return polls;
        }
        // A schedule that never ended its wait would fail here, not hang.
        assert!(polls.len() < 100_000, "{} polls", polls.len());
        at += schedule.next_delay(at, &run);
    }
}

/// What is wrong with the adaptive schedule on `curve`, if anything.
fn check(curve: &Curve) -> Result<(), String> {
    let idle = curve.template();
    let rule_delay = |at| AdaptiveSchedule::time_only().next_delay(at, &idle);
    let time_only = polls(curve, AdaptiveSchedule::time_only());
    let adaptive = polls(curve, AdaptiveSchedule::new());
    if adaptive.len() > time_only.len() {
        return Err(format!("{} polls, the time-only rule {}", adaptive.len(), time_only.len()));
    }
    for (index, pair) in adaptive.windows(2).enumerate() {
        let (before, after) = (pair[0], pair[1]);
        let rule = rule_delay(before.at);
        if after.at - before.at <= rule {
            continue;
        }
        // A sleep past the rule's next instant: only on confirming counts,
        // a gain since an earlier poll of the same step and total.
        let confirming = before.counts.is_some_and(|(step, to, total)| {
            adaptive[..index].iter().any(|earlier| {
                earlier.counts.is_some_and(|(same, from, same_total)| {
                    step == same && total == same_total && to - from >= CONFIRMING_GAIN
                })
            })
        });
        if !confirming {
            return Err(format!(
                "slept past the rule from {:?} without confirming counts",
                before.at
            ));
        }
    }
    let end = Duration::from_secs_f64(curve.end);
    let seen = adaptive.last().expect("polls").at;
    let rule_seen = time_only.last().expect("polls").at;
    if seen <= rule_seen {
        return Ok(());
    }
    // Later than the rule: only at the end of a sleep past its next instant
    // (a confirmed one, checked above), and within its reach of the end.
    let began = adaptive[adaptive.len() - 2].at;
    let rule = rule_delay(began);
    let reach = began.mul_f64(CONFIRMED_REACH).min(LONGEST_SLEEP);
    if seen - began <= rule || seen - end > reach {
        return Err(format!(
            "seen at {seen:?}, the rule at {rule_seen:?}, the end at {end:?}; \
             the last sleep from {began:?}, the rule's delay then {rule:?}"
        ));
    }
    Ok(())
}

#[test]
fn over_random_progress_the_adaptive_schedule_keeps_its_guarantee() {
    let seeds: Vec<u64> = match std::env::var("SCHEDULE_CURVE_SEED") {
        Ok(seed) => vec![seed.parse().expect("SCHEDULE_CURVE_SEED is a number")],
        Err(_) => {
            let base = fastrand::u64(..);
            (0..CURVES).map(|index| base.wrapping_add(index)).collect()
        }
    };
    let replaying = seeds.len() == 1;
    for seed in seeds {
        let curve = Curve::random(seed);
        if replaying {
            println!("{curve:#?}");
        }
        if let Err(failure) = check(&curve) {
            panic!("curve {seed} (SCHEDULE_CURVE_SEED={seed} replays it): {failure}");
        }
    }
}
