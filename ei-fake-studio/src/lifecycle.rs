//! How a run moves through time: its steps run one after another, and each
//! step's state at any instant is computed from the run's start, so nothing
//! needs to tick in the background.

use crate::config::{ProgressShape, StepSpec};
use std::time::Duration;
use tokio::time::Instant;

/// A run of a pipeline: when each step runs, and when and how the run ends.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    /// The run's id.
    pub(crate) id: i64,
    /// The id of the first step's transformation job; the others follow.
    pub(crate) first_job_id: i64,
    /// When the run was created (its first step starts then).
    pub(crate) started: Instant,
    /// When each step would start, in order (a step ends where the next starts).
    step_starts: Vec<Instant>,
    /// When each step would end, in order.
    step_ends: Vec<Instant>,
    /// When the run ends: the last step ends, a step fails, or it is stopped.
    end: Instant,
    /// The step the run fails at, if it fails.
    failed_step: Option<usize>,
}

/// Where a step's transformation job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Not started yet (or never: a step after a failure).
    Waiting,
    /// Running.
    Started,
    /// Ended successfully.
    Finished,
    /// Ended in failure (its own, or a stop while it ran).
    Failed,
}

/// A step's state at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StepState {
    /// Where the step's job is.
    pub(crate) phase: Phase,
    /// The job's progress.
    pub(crate) progress: Progress,
}

/// A transformation job's progress (its `transformationSummary`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Progress {
    /// How long the step has run, frozen once it is over (`totalTimeSpentSeconds`).
    pub(crate) time_spent: Duration,
    /// Files started (`startedCount`).
    pub(crate) started: u32,
    /// Files finished (`finishedCount`).
    pub(crate) finished: u32,
    /// Files finished successfully (`succeededCount`): the finished ones
    /// less those that fail ([`StepSpec::failures_among_first`]).
    pub(crate) succeeded: u32,
    /// Files the step processes (`totalFileCount`), known once it starts.
    pub(crate) total: u32,
}

impl Run {
    /// A run of `steps` created at `now`.
    pub(crate) fn start(id: i64, first_job_id: i64, steps: &[StepSpec], now: Instant) -> Self {
        let mut step_starts = Vec::with_capacity(steps.len());
        let mut step_ends = Vec::with_capacity(steps.len());
        let mut at = now;
        for step in steps {
            step_starts.push(at);
            at += step.duration;
            step_ends.push(at);
        }
        let failed_step = steps.iter().position(|step| step.fails);
        let last = failed_step.or(steps.len().checked_sub(1));
        let end = last.map_or(now, |index| step_ends[index]);
        Self { id, first_job_id, started: now, step_starts, step_ends, end, failed_step }
    }

    /// When the run ends (or ended).
    pub(crate) fn end(&self) -> Instant {
        self.end
    }

    /// When the step at `index` starts (or would, had the run gone on).
    pub(crate) fn step_start(&self, index: usize) -> Instant {
        self.step_starts[index]
    }

    /// Whether the run is over at `now`.
    pub(crate) fn is_over(&self, now: Instant) -> bool {
        now >= self.end
    }

    /// Stops the run at `now`: the step running then fails and the run ends.
    /// Returns false (and changes nothing) if the run is already over.
    pub(crate) fn stop(&mut self, now: Instant) -> bool {
        if self.is_over(now) {
            return false;
        }
        // A run that is not over has a step running: the last one started.
        let running = self.step_starts.iter().rposition(|start| *start <= now);
        self.failed_step = running;
        self.end = now;
        true
    }

    /// The state at `now` of the step at `index`, described by `step`, its
    /// counts moving in `shape`. Without `progress_counts`, a running step
    /// reports no counts.
    pub(crate) fn step_state(
        &self,
        index: usize,
        step: &StepSpec,
        now: Instant,
        progress_counts: bool,
        shape: ProgressShape,
    ) -> StepState {
        let waiting = StepState { phase: Phase::Waiting, progress: Progress::default() };
        let start = self.step_starts[index];
        if self.failed_step.is_some_and(|failed| index > failed) || now < start {
            return waiting;
        }
        let fails_here = self.failed_step == Some(index);
        let over_at = if fails_here { self.end } else { self.step_ends[index] };
        let (phase, elapsed) = match (now >= over_at, fails_here) {
            (true, true) => (Phase::Failed, over_at - start),
            (true, false) => (Phase::Finished, over_at - start),
            (false, _) => (Phase::Started, now - start),
        };
        let progress = if phase == Phase::Started && !progress_counts {
            Progress::default()
        } else {
            let FileCounts { started, finished, total } =
                shape_counts(shape, step.files, elapsed, step.duration);
            let succeeded = finished - step.failures_among_first(finished);
            Progress { time_spent: elapsed, started, finished, succeeded, total }
        };
        StepState { phase, progress }
    }
}

/// A queued step waits this share of its time before its first file moves:
/// long enough that a rate measured from the step's start is a third too slow.
const QUEUED_SHARE: f64 = 0.25;

/// A stalling step stops moving at this share of its time...
const STALL_START_SHARE: f64 = 0.3;
/// ...for this share of it: long enough to outlast several polls of any
/// schedule, and to follow a rate already learnt.
const STALL_SHARE: f64 = 0.3;

/// A batched step finishes its files in this many equal batches: few enough
/// that the count sits still for a fifth of the step between jumps.
const BATCHES: u128 = 5;

/// A step with a growing total knows this share of its files when it
/// starts...
const GROWING_INITIAL_SHARE: f64 = 0.25;
/// ...and discovers the rest steadily until this share of its time: at
/// twice the rate files finish, so the count never passes the total.
const GROWING_DISCOVERY_SHARE: f64 = 0.5;

/// A step with a tail has counted every file at this share of its time, and
/// spends the rest uploading its output.
const TAIL_COUNTED_SHARE: f64 = 0.7;

/// A step's file counts at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileCounts {
    started: u32,
    finished: u32,
    total: u32,
}

/// The counts of a step over `files` after `elapsed` of `duration`, moving
/// in `shape`; every count is `files` once the time is up.
fn shape_counts(
    shape: ProgressShape,
    files: u32,
    elapsed: Duration,
    duration: Duration,
) -> FileCounts {
    if elapsed >= duration {
        return FileCounts { started: files, finished: files, total: files };
    }
    // From here on 0 <= elapsed < duration, so `duration` is not zero.
    let share = elapsed.as_secs_f64() / duration.as_secs_f64();
    let linear = |elapsed: Duration, duration: Duration| {
        let (finished, started) = files_done(files, elapsed, duration);
        FileCounts { started, finished, total: files }
    };
    match shape {
        ProgressShape::Steady => linear(elapsed, duration),
        ProgressShape::Queued => {
            let queued = duration.mul_f64(QUEUED_SHARE);
            linear(elapsed.saturating_sub(queued), duration - queued)
        }
        ProgressShape::Accelerating => linear(elapsed.mul_f64(share), duration),
        ProgressShape::Decelerating => linear(elapsed.mul_f64(2.0 - share), duration),
        ProgressShape::Stalling => {
            let stall_start = duration.mul_f64(STALL_START_SHARE);
            let stall = duration.mul_f64(STALL_SHARE);
            let moving = if elapsed < stall_start {
                elapsed
            } else {
                stall_start.max(elapsed.saturating_sub(stall))
            };
            linear(moving, duration - stall)
        }
        ProgressShape::Batched => {
            let batches_done = elapsed.as_nanos() * BATCHES / duration.as_nanos();
            let files_after = |batches: u128| {
                let count = (u128::from(files) * batches).div_ceil(BATCHES);
                u32::try_from(count).expect("at most `files`")
            };
            FileCounts {
                started: files_after(batches_done + 1),
                finished: files_after(batches_done),
                total: files,
            }
        }
        ProgressShape::GrowingTotal => {
            let known = (f64::from(files) * GROWING_INITIAL_SHARE) as u32;
            let discovery = duration.mul_f64(GROWING_DISCOVERY_SHARE);
            let (_, discovered) = files_done(files - known, elapsed, discovery);
            let total = known + discovered;
            let counts = linear(elapsed, duration);
            FileCounts {
                started: counts.started.min(total),
                finished: counts.finished.min(total),
                total,
            }
        }
        ProgressShape::Tail => linear(elapsed, duration.mul_f64(TAIL_COUNTED_SHARE)),
        ProgressShape::StronglyAccelerating => linear(elapsed.mul_f64(share.powi(3)), duration),
        ProgressShape::RandomlyStalling => {
            let stalls = random_stalls(files, duration);
            let stalled: Duration = stalls.iter().map(|&(_, length)| length).sum();
            linear(moving_time(elapsed, &stalls), duration - stalled)
        }
    }
}

/// A randomly stalling step stalls at most this many times...
const MOST_STALLS: u64 = 3;
/// ...for at most this share of its time in all.
const MOST_STALLED_SHARE: f64 = 0.6;

/// The stalls of a randomly stalling step over `files` for `duration`, in
/// order: how far into its moving time each comes, and how long it lasts.
fn random_stalls(files: u32, duration: Duration) -> Vec<(Duration, Duration)> {
    let key = (duration.as_nanos() as u64) ^ (u64::from(files) << 40);
    let count = 1 + (draw(key) * MOST_STALLS as f64) as u64;
    let lengths: Vec<Duration> = (1..=count)
        .map(|index| duration.mul_f64(MOST_STALLED_SHARE / count as f64 * draw(key + index)))
        .collect();
    let moving = duration - lengths.iter().sum::<Duration>();
    let mut places: Vec<Duration> =
        (1..=count).map(|index| moving.mul_f64(draw(key + MOST_STALLS + index))).collect();
    places.sort();
    places.into_iter().zip(lengths).collect()
}

/// The time a step with `stalls` has moved after `elapsed`.
fn moving_time(elapsed: Duration, stalls: &[(Duration, Duration)]) -> Duration {
    let mut moving = elapsed;
    let mut stalled_before = Duration::ZERO;
    for &(place, length) in stalls {
        let begins = place + stalled_before;
        if elapsed <= begins {
            break;
        }
        moving -= length.min(elapsed - begins);
        stalled_before += length;
    }
    moving
}

/// A number in [0, 1) that `key` decides: the same key, the same number,
/// and nearby keys far apart (SplitMix64's mixing).
fn draw(key: u64) -> f64 {
    let mut mixed = key.wrapping_add(0x9e37_79b9_7f4a_7c15);
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    mixed ^= mixed >> 31;
    (mixed >> 11) as f64 / (1_u64 << 53) as f64
}

/// How many of `files` are finished and started after `elapsed` of
/// `duration`: both grow linearly, finished rounded down and started up.
fn files_done(files: u32, elapsed: Duration, duration: Duration) -> (u32, u32) {
    if elapsed >= duration {
        return (files, files);
    }
    let scaled = u128::from(files) * elapsed.as_nanos();
    let total = duration.as_nanos();
    let finished = scaled / total;
    let started = scaled.div_ceil(total);
    let narrow = |count: u128| u32::try_from(count).expect("at most `files`");
    (narrow(finished), narrow(started))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn steps() -> Vec<StepSpec> {
        vec![
            StepSpec::new("a").duration(10 * SECOND).files(100),
            StepSpec::new("b").duration(20 * SECOND).files(10),
        ]
    }

    #[test]
    fn counts_grow_linearly_within_a_step() {
        assert_eq!(files_done(100, 2_500 * Duration::from_millis(1), 10 * SECOND), (25, 25));
        assert_eq!(files_done(10, 1_500 * Duration::from_millis(1), 10 * SECOND), (1, 2));
        assert_eq!(files_done(10, Duration::ZERO, Duration::ZERO), (10, 10));
    }

    /// A 100 s step over 200 files, in `shape`, `millis` into it.
    fn counts_at(shape: ProgressShape, millis: u64) -> FileCounts {
        shape_counts(shape, 200, Duration::from_millis(millis), 100 * SECOND)
    }

    #[test]
    fn every_shape_keeps_the_counts_in_order_never_decreasing_and_complete_at_the_end() {
        for shape in ProgressShape::ALL {
            for files in [1, 7, 200] {
                let duration = 100 * SECOND;
                let mut before = FileCounts { started: 0, finished: 0, total: 0 };
                for millis in (0..=100_000).step_by(100) {
                    let counts =
                        shape_counts(shape, files, Duration::from_millis(millis), duration);
                    let context = format!("{shape:?}, {files} files, {millis} ms: {counts:?}");
                    assert!(counts.finished <= counts.started, "{context}");
                    assert!(counts.started <= counts.total, "{context}");
                    assert!(counts.total <= files, "{context}");
                    assert!(counts.finished >= before.finished, "{context} after {before:?}");
                    assert!(counts.started >= before.started, "{context} after {before:?}");
                    assert!(counts.total >= before.total, "{context} after {before:?}");
                    before = counts;
                }
                let end = FileCounts { started: files, finished: files, total: files };
                assert_eq!(before, end, "{shape:?}, {files} files");
            }
        }
    }

    #[test]
    fn each_shape_moves_its_own_way() {
        let finished = |shape, millis| counts_at(shape, millis).finished;
        assert_eq!(finished(ProgressShape::Steady, 50_000), 100);
        assert_eq!(counts_at(ProgressShape::Queued, 24_000), counts_at(ProgressShape::Queued, 0));
        assert_eq!(counts_at(ProgressShape::Queued, 0).total, 200, "the total is known queued");
        assert_eq!(finished(ProgressShape::Queued, 62_500), 100, "steady after the queue");
        assert_eq!(finished(ProgressShape::Accelerating, 50_000), 50);
        assert_eq!(finished(ProgressShape::Decelerating, 50_000), 150);
        let stalled = counts_at(ProgressShape::Stalling, 30_000);
        assert_eq!(counts_at(ProgressShape::Stalling, 59_900), stalled);
        assert!(finished(ProgressShape::Stalling, 61_000) > stalled.finished);
        assert_eq!(finished(ProgressShape::Batched, 39_900), 40);
        assert_eq!(finished(ProgressShape::Batched, 40_000), 80);
        assert_eq!(counts_at(ProgressShape::Batched, 40_000).started, 120, "the batch in flight");
        assert_eq!(counts_at(ProgressShape::GrowingTotal, 0).total, 50);
        assert_eq!(counts_at(ProgressShape::GrowingTotal, 25_000).total, 125);
        assert_eq!(counts_at(ProgressShape::GrowingTotal, 50_000).total, 200);
        assert_eq!(finished(ProgressShape::GrowingTotal, 50_000), 100);
        assert_eq!(finished(ProgressShape::Tail, 35_000), 100);
        assert_eq!(finished(ProgressShape::Tail, 70_000), 200);
        assert_eq!(finished(ProgressShape::StronglyAccelerating, 50_000), 12, "200 / 16");
        assert_eq!(finished(ProgressShape::StronglyAccelerating, 90_000), 131, "200 x 0.9^4");
    }

    #[test]
    fn a_randomly_stalling_step_stalls_one_to_three_times_its_own_way() {
        let mut counts = [0; 3];
        for seconds in 10..210 {
            let duration = Duration::from_secs(seconds);
            let stalls = random_stalls(200, duration);
            counts[stalls.len() - 1] += 1;
            let stalled: Duration = stalls.iter().map(|&(_, length)| length).sum();
            assert!(stalled <= duration.mul_f64(MOST_STALLED_SHARE), "{stalls:?}");
            assert_eq!(stalls, random_stalls(200, duration), "the same step, the same stalls");
            // The count stands still through each stall.
            let mut before = Duration::ZERO;
            for (place, length) in stalls {
                let begins = place + before;
                let at = |offset: Duration| {
                    shape_counts(ProgressShape::RandomlyStalling, 200, begins + offset, duration)
                };
                assert_eq!(at(length / 2), at(Duration::ZERO), "{seconds} s");
                before += length;
            }
        }
        assert!(counts.iter().all(|&count| count > 30), "one, two or three stalls: {counts:?}");
    }

    #[test]
    fn a_tail_counts_every_file_while_the_step_is_still_started() {
        let now = Instant::now();
        let steps = [StepSpec::new("upload").duration(100 * SECOND).files(200)];
        let run = Run::start(1, 1, &steps, now);
        let state = run.step_state(0, &steps[0], now + 80 * SECOND, true, ProgressShape::Tail);
        assert_eq!(state.phase, Phase::Started);
        assert_eq!((state.progress.finished, state.progress.total), (200, 200));
    }

    #[test]
    fn steps_run_one_after_another() {
        let now = Instant::now();
        let steps = steps();
        let run = Run::start(1, 1, &steps, now);
        assert_eq!(run.end(), now + 30 * SECOND);
        let at = |seconds: u64, index: usize| {
            let at = now + Duration::from_secs(seconds);
            run.step_state(index, &steps[index], at, true, ProgressShape::Steady).phase
        };
        assert_eq!((at(0, 0), at(0, 1)), (Phase::Started, Phase::Waiting));
        assert_eq!((at(10, 0), at(10, 1)), (Phase::Finished, Phase::Started));
        assert_eq!((at(30, 0), at(30, 1)), (Phase::Finished, Phase::Finished));
    }

    #[test]
    fn a_stop_fails_the_running_step_and_freezes_its_counts() {
        let now = Instant::now();
        let steps = steps();
        let mut run = Run::start(1, 1, &steps, now);
        assert!(run.stop(now + 5 * SECOND));
        assert!(!run.stop(now + 6 * SECOND), "a run stops once");
        let first = run.step_state(0, &steps[0], now + 60 * SECOND, true, ProgressShape::Steady);
        assert_eq!(first.phase, Phase::Failed);
        assert_eq!(first.progress.succeeded, 50);
        let second = run.step_state(1, &steps[1], now + 60 * SECOND, true, ProgressShape::Steady);
        assert_eq!(second.phase, Phase::Waiting);
    }
}
