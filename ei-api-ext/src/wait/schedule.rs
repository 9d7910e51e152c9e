//! When to read the pipeline next: the time-only rule, and the adaptive
//! schedule that improves on it where a step's file counts earn trust.

use std::collections::VecDeque;
use std::time::Duration;

use ei_api::enums::TransformationJobStatusEnum as JobStatus;
use ei_api::types::OrganizationPipelineRun;

/// Decides the wait before the next poll.
pub trait PollSchedule: Send {
    /// The delay before the next poll, given the time since the wait began
    /// and the run as just seen.
    fn next_delay(&mut self, elapsed: Duration, run: &OrganizationPipelineRun) -> Duration;
}

/// Polls at a fixed interval (the vendor's own SDK polls every second).
#[derive(Clone, Copy, Debug)]
pub struct FixedSchedule(pub Duration);

impl PollSchedule for FixedSchedule {
    fn next_delay(&mut self, _: Duration, _: &OrganizationPipelineRun) -> Duration {
        self.0
    }
}

/// Never poll sooner than this: the first seconds of a run are polled
/// every second, as often as the vendor's SDK polls.
pub const MIN_POLL_DELAY: Duration = Duration::from_secs(1);
/// Never wait longer than this between polls, whatever the prediction.
pub const MAX_POLL_DELAY: Duration = Duration::from_secs(600);
/// The time-only rule waits this fraction of the time elapsed: the end
/// then falls, on average, half of it (4%) of the run's length before it is
/// seen, with polls growing only logarithmically with the run's length.
pub const ELAPSED_FRACTION: f64 = 0.08;
/// A window for the rate reaches back until the count has moved at least
/// this many files: a count hides up to one file, so a window's rate is
/// then known to within a quarter.
const MIN_WINDOW_FILES: i64 = 4;
/// Successive windows whose rates must agree before a prediction is
/// trusted: two, because one window cannot show that the rate holds, and
/// every further one delays trust by a window's worth of files.
const TRUST_WINDOWS: usize = 2;
/// How far apart, as a fraction, two windows' ranges of rates may lie and
/// still agree: real jobs are never quite steady, and a rate that drifts by
/// this much between windows still predicts within a few percent of the
/// run when the prediction is renewed at every poll.
const RATE_TOLERANCE: f64 = 0.25;
/// A trusted prediction may sleep at most this many times the time-only
/// delay: long enough to skip most of a long steady step's polls, short
/// enough that a rate that suddenly speeds up is noticed within a third of
/// the time elapsed.
const TRUSTED_REACH: f64 = 4.0;
/// Poll this fraction of the predicted remaining time early: a little early
/// costs one short extra poll, late costs detection latency.
const PREDICTION_EARLY_FRACTION: f64 = 0.05;
/// Sightings of the running step kept for its rate: enough for
/// [`TRUST_WINDOWS`] windows once polls are a few percent of the elapsed
/// time apart, and a fixed bound on the schedule's memory.
const SIGHTINGS_KEPT: usize = 32;

/// The default schedule: the time-only rule, improved where the running
/// step's file counts have earned trust.
///
/// The time-only rule polls every second at first ([`MIN_POLL_DELAY`]) and
/// then waits a fixed fraction ([`ELAPSED_FRACTION`]) of the time the wait
/// has taken so far, up to [`MAX_POLL_DELAY`]: the delay in noticing the end
/// is a small, fixed share of the run's length whatever that length is, and
/// polls grow only with its logarithm. [`AdaptiveSchedule::time_only`]
/// follows that rule alone.
///
/// When the running step reports file counts, the schedule predicts when it
/// will end, but only once the counts have shown a consistent rate:
///
/// - It learns the rate from recent movement only: from windows that end at
///   the latest sighting and reach back just far enough for the count to
///   have moved four files. A queue, a slow start or a stall before those
///   windows does not count against the rate.
/// - It trusts a rate only when the two latest windows agree: each allows a
///   range of rates (a count is rounded down, so it may hide up to one
///   file), and the ranges, widened by a quarter, must overlap. Until then
///   it follows the time-only rule exactly, so it is never worse than that
///   rule for want of trust.
/// - A trusted prediction takes the fastest rate either window allows and
///   counts from the first sighting of the current count, so it errs early:
///   a poll that comes early costs one request, one that comes late costs
///   latency in proportion to the error. It polls a little before the
///   predicted end, and never sleeps longer than four times the time-only
///   delay, which bounds the damage when the rate changes after trust was
///   given.
/// - The counts say nothing, and the time-only rule applies, when no step
///   is running, the step reports no total, its total changed (learning
///   starts again with the new total), every file is counted while the job
///   still runs (it is uploading, or finishing in some way the counts do
///   not show), or a count is impossible (negative, past the total, or
///   lower than before).
#[derive(Clone, Debug)]
pub struct AdaptiveSchedule {
    reads_counts: bool,
    watched: Option<StepWatch>,
}

impl Default for AdaptiveSchedule {
    fn default() -> Self {
        Self::new()
    }
}

impl AdaptiveSchedule {
    /// A fresh schedule.
    pub fn new() -> Self {
        Self { reads_counts: true, watched: None }
    }

    /// A schedule that ignores file counts and always follows the
    /// time-only rule (the adaptive schedule's fallback, and its baseline).
    pub fn time_only() -> Self {
        Self { reads_counts: false, watched: None }
    }

    /// The time until the running step is predicted to end, when its
    /// counts have earned trust; records this sighting either way.
    fn trusted_prediction(
        &mut self,
        elapsed: Duration,
        run: &OrganizationPipelineRun,
    ) -> Option<Duration> {
        let Some(sighting) = StepSighting::of(run, elapsed) else {
            self.watched = None;
            return None;
        };
        let mut watch = match self.watched.take() {
            Some(watch) if watch.continues_with(&sighting) => watch,
            _ => StepWatch::new(&sighting),
        };
        watch.record(sighting.at, sighting.done);
        let prediction = watch.predicted_end(sighting.total).map(|end| end.saturating_sub(elapsed));
        self.watched = Some(watch);
        prediction
    }
}

impl PollSchedule for AdaptiveSchedule {
    fn next_delay(&mut self, elapsed: Duration, run: &OrganizationPipelineRun) -> Duration {
        let time_only = elapsed.mul_f64(ELAPSED_FRACTION);
        let prediction =
            if self.reads_counts { self.trusted_prediction(elapsed, run) } else { None };
        let delay = match prediction {
            Some(remaining) => remaining
                .mul_f64(1.0 - PREDICTION_EARLY_FRACTION)
                .min(time_only.mul_f64(TRUSTED_REACH)),
            None => time_only,
        };
        delay.clamp(MIN_POLL_DELAY, MAX_POLL_DELAY)
    }
}

/// The running step's counts at one sighting, when they can say something.
struct StepSighting {
    index: usize,
    at: Duration,
    done: i64,
    total: i64,
}

impl StepSighting {
    /// The first running step of `run`, seen `at`, if it reports a total
    /// and still has files to count.
    fn of(run: &OrganizationPipelineRun, at: Duration) -> Option<Self> {
        let (index, job) = run.steps.iter().enumerate().find_map(|(index, step)| {
            let job = step.transformation_job.as_ref()?;
            (job.status == JobStatus::Started).then_some((index, job))
        })?;
        let summary = &job.transformation_summary;
        let (done, total) = (summary.finished_count, summary.total_file_count);
        (total > 0 && (0..total).contains(&done)).then_some(Self { index, at, done, total })
    }
}

/// What has been seen of the running step with its current total.
#[derive(Clone, Debug)]
struct StepWatch {
    index: usize,
    total: i64,
    /// (when, files done), oldest first; each later and no lower than the last.
    sightings: VecDeque<(Duration, i64)>,
    /// When the latest count was first seen: the count reached it by then.
    count_first_seen: Duration,
}

/// The range of rates (files per second) one window allows.
#[derive(Clone, Copy, Debug)]
struct RateRange {
    slowest: f64,
    fastest: f64,
}

impl StepWatch {
    fn new(sighting: &StepSighting) -> Self {
        Self {
            index: sighting.index,
            total: sighting.total,
            sightings: VecDeque::with_capacity(SIGHTINGS_KEPT),
            count_first_seen: sighting.at,
        }
    }

    /// Whether `sighting` is of the same step, with the same total, later
    /// and with no fewer files done than the last one.
    fn continues_with(&self, sighting: &StepSighting) -> bool {
        let ordered = self
            .sightings
            .back()
            .is_none_or(|&(at, done)| at < sighting.at && done <= sighting.done);
        self.index == sighting.index && self.total == sighting.total && ordered
    }

    fn record(&mut self, at: Duration, done: i64) {
        if self.sightings.back().is_none_or(|&(_, last)| last < done) {
            self.count_first_seen = at;
        }
        if self.sightings.len() == SIGHTINGS_KEPT {
            self.sightings.pop_front();
        }
        self.sightings.push_back((at, done));
    }

    /// The ranges of rates of the [`TRUST_WINDOWS`] latest windows, the
    /// latest first, if the sightings kept reach back that far.
    fn windows(&self) -> Option<Vec<RateRange>> {
        let mut end = self.sightings.len().checked_sub(1)?;
        let mut ranges = Vec::with_capacity(TRUST_WINDOWS);
        for _ in 0..TRUST_WINDOWS {
            let (end_at, end_done) = self.sightings[end];
            let start = self
                .sightings
                .range(..end)
                .rposition(|&(_, done)| done <= end_done - MIN_WINDOW_FILES)?;
            let (start_at, start_done) = self.sightings[start];
            let seconds = (end_at - start_at).as_secs_f64();
            let files = (end_done - start_done) as f64;
            // Each count may hide up to one more file than it shows.
            ranges.push(RateRange {
                slowest: (files - 1.0) / seconds,
                fastest: (files + 1.0) / seconds,
            });
            end = start;
        }
        Some(ranges)
    }

    /// When (time since the wait began) the step is predicted to have done
    /// all `total` files, if its recent windows agree on a rate.
    fn predicted_end(&self, total: i64) -> Option<Duration> {
        let ranges = self.windows()?;
        let slowest_fastest =
            ranges.iter().map(|range| range.fastest).fold(f64::INFINITY, f64::min);
        let fastest_slowest = ranges.iter().map(|range| range.slowest).fold(0.0, f64::max);
        if fastest_slowest > slowest_fastest * (1.0 + RATE_TOLERANCE) {
            return None;
        }
        let fastest = ranges.iter().map(|range| range.fastest).fold(0.0, f64::max);
        let &(_, done) = self.sightings.back()?;
        let remaining = (total - done) as f64 / fastest;
        let remaining = Duration::try_from_secs_f64(remaining).unwrap_or(Duration::MAX);
        Some(self.count_first_seen.saturating_add(remaining))
    }
}
