//! Progress events: what changed in a run between two polls, each event
//! once and in order, stated in the run model's words.

use crate::ids::RunId;
use crate::run::{FileCounts, Run, RunState, Step};
use crate::wait::follow::EventSink;

/// Something that happened to a run being waited on. Steps are the run
/// model's ([`Step`]): numbered from 1, their names the server's with the
/// run's project keys masked (untrusted text: see [`crate::untrusted`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// The wait began following this run (as first seen: started now, or
    /// met mid-way).
    RunStarted {
        /// Its id.
        run: RunId,
        /// Its steps, as first seen.
        steps: Vec<Step>,
    },
    /// A step began: its job started (or is over already).
    StepStarted {
        /// The step, as seen.
        step: Step,
    },
    /// A step's job processed more files ([`Step::files`]).
    StepProgress {
        /// The step, as seen.
        step: Step,
    },
    /// A step ended: its state is `succeeded`, `failed`, or `unrecognized`.
    StepFinished {
        /// The step, as seen.
        step: Step,
    },
    /// The run finished.
    RunFinished {
        /// Its id.
        run: RunId,
        /// How it ended.
        state: RunState,
    },
    /// This many events were dropped because they were not read in time
    /// (the queue is bounded); the next events are the latest.
    Skipped {
        /// How many.
        events: u64,
    },
}

impl ProgressEvent {
    /// The step a step event is about.
    pub fn step(&self) -> Option<&Step> {
        match self {
            ProgressEvent::StepStarted { step }
            | ProgressEvent::StepProgress { step }
            | ProgressEvent::StepFinished { step } => Some(step),
            _ => None,
        }
    }
}

/// What has been reported of one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct StepReported {
    began: bool,
    files: Option<FileCounts>,
    ended: bool,
}

/// Turns successive views of a run into events, never repeating one.
#[derive(Debug)]
pub(crate) struct ProgressTracker {
    sink: EventSink,
    steps: Vec<StepReported>,
    finished: bool,
}

impl ProgressTracker {
    /// Starts tracking `run`, first seen now.
    pub(crate) fn new(sink: EventSink, run: &Run) -> Self {
        sink.send(ProgressEvent::RunStarted { run: run.id, steps: run.steps.clone() });
        Self { sink, steps: Vec::new(), finished: false }
    }

    /// Reports what changed since the last view.
    pub(crate) fn observe(&mut self, run: &Run) {
        if self.steps.len() < run.steps.len() {
            self.steps.resize(run.steps.len(), StepReported::default());
        }
        for (step, reported) in run.steps.iter().zip(&mut self.steps) {
            if !reported.began && step.has_begun() {
                reported.began = true;
                self.sink.send(ProgressEvent::StepStarted { step: step.clone() });
            }
            if reported.began
                && !reported.ended
                && step.files.is_some()
                && reported.files != step.files
            {
                reported.files = step.files;
                self.sink.send(ProgressEvent::StepProgress { step: step.clone() });
            }
            if step.is_over() && !reported.ended {
                reported.ended = true;
                self.sink.send(ProgressEvent::StepFinished { step: step.clone() });
            }
        }
        if run.is_finished() && !self.finished {
            self.finished = true;
            self.sink.send(ProgressEvent::RunFinished { run: run.id, state: run.state });
        }
    }
}
