//! How a run moves through time: its steps run one after another, and each
//! step's state at any instant is computed from the run's start, so nothing
//! needs to tick in the background.

use crate::config::StepSpec;
use crate::files;
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
    /// less those that fail ([`files::failures_among_first`]).
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

    /// The state at `now` of the step at `index`, described by `step`.
    /// Without `progress_counts`, a running step reports no counts.
    pub(crate) fn step_state(
        &self,
        index: usize,
        step: &StepSpec,
        now: Instant,
        progress_counts: bool,
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
            let (finished, started) = files_done(step.files, elapsed, step.duration);
            let succeeded = finished - files::failures_among_first(step, finished);
            Progress { time_spent: elapsed, started, finished, succeeded, total: step.files }
        };
        StepState { phase, progress }
    }
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

    #[test]
    fn steps_run_one_after_another() {
        let now = Instant::now();
        let steps = steps();
        let run = Run::start(1, 1, &steps, now);
        assert_eq!(run.end(), now + 30 * SECOND);
        let at = |seconds: u64, index: usize| {
            run.step_state(index, &steps[index], now + Duration::from_secs(seconds), true).phase
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
        let first = run.step_state(0, &steps[0], now + 60 * SECOND, true);
        assert_eq!(first.phase, Phase::Failed);
        assert_eq!(first.progress.succeeded, 50);
        assert_eq!(run.step_state(1, &steps[1], now + 60 * SECOND, true).phase, Phase::Waiting);
    }
}
