//! When to read the pipeline next.
//!
//! The adaptive schedule polls quickly at first and then at a fixed
//! fraction of the time the run has taken so far, so the expected delay in
//! noticing the end is a small, fixed share of the run's length whatever
//! that length is. When the running step reports file counts, it predicts
//! when that step will end from the rate the counts grow at, and polls just
//! before then, however long that is.

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
/// Without progress counts, wait this fraction of the time elapsed: the end
/// then falls, on average, half of it (4%) of the run's length before it is
/// seen, with polls growing only logarithmically with the run's length.
pub const ELAPSED_FRACTION: f64 = 0.08;
/// Poll this fraction of the predicted remaining time early: a little early
/// costs one short extra poll, late costs detection latency.
const PREDICTION_EARLY_FRACTION: f64 = 0.05;

/// The default schedule: see the module documentation.
#[derive(Clone, Debug, Default)]
pub struct AdaptiveSchedule {
    watched: Option<StepWatch>,
}

/// Two sightings of the running step's file count, for its rate.
#[derive(Clone, Copy, Debug)]
struct StepWatch {
    index: usize,
    first: (Duration, i64),
    last: (Duration, i64),
}

impl AdaptiveSchedule {
    /// A fresh schedule.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time until the running step is predicted to end, when its counts
    /// have grown since it was first seen.
    fn predicted_step_end(
        &mut self,
        elapsed: Duration,
        run: &OrganizationPipelineRun,
    ) -> Option<Duration> {
        let (index, job) = run.steps.iter().enumerate().find_map(|(index, step)| {
            let job = step.transformation_job.as_ref()?;
            (job.status == JobStatus::Started).then_some((index, job))
        })?;
        let summary = &job.transformation_summary;
        let (done, total) = (summary.finished_count, summary.total_file_count);
        if total <= 0 {
            self.watched = None;
            return None;
        }
        let watch = match self.watched {
            Some(watch) if watch.index == index => StepWatch { last: (elapsed, done), ..watch },
            _ => StepWatch { index, first: (elapsed, done), last: (elapsed, done) },
        };
        self.watched = Some(watch);
        let files = watch.last.1 - watch.first.1;
        let seconds = (watch.last.0 - watch.first.0).as_secs_f64();
        if files <= 0 || seconds <= 0.0 {
            return None;
        }
        // One more file than seen may have finished within the window: the
        // faster rate errs early.
        let fastest_rate = (files + 1) as f64 / seconds;
        let remaining = (total - done).max(0) as f64 / fastest_rate;
        Some(Duration::from_secs_f64(remaining * (1.0 - PREDICTION_EARLY_FRACTION)))
    }
}

impl PollSchedule for AdaptiveSchedule {
    fn next_delay(&mut self, elapsed: Duration, run: &OrganizationPipelineRun) -> Duration {
        let by_elapsed = elapsed.mul_f64(ELAPSED_FRACTION);
        let delay = self.predicted_step_end(elapsed, run).unwrap_or(by_elapsed);
        delay.clamp(MIN_POLL_DELAY, MAX_POLL_DELAY)
    }
}
