//! How a wait ended.

use std::time::Duration;

use crate::ids::RunId;
use crate::run::{Run, RunState};

/// What a wait found: how it ended, and the run as last seen.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WaitReport {
    /// How the wait ended.
    pub outcome: Outcome,
    /// The run as last seen (after the stop, when one was confirmed).
    pub run: Run,
    /// How long the wait took.
    pub elapsed: Duration,
    /// How many times the pipeline was read.
    pub polls: u32,
}

impl WaitReport {
    /// A report of `outcome` for `run`, after `elapsed` and `polls` reads
    /// (for code that shows or tests outcomes).
    pub fn new(outcome: Outcome, run: Run, elapsed: Duration, polls: u32) -> Self {
        Self { outcome, run, elapsed, polls }
    }

    /// Whether the run finished and succeeded.
    pub fn succeeded(&self) -> bool {
        self.outcome == Outcome::Succeeded
    }
}

/// How a wait ended. A finished run's outcome is its
/// [`RunState`]; the run itself is in the [`WaitReport`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The run finished and no step failed.
    Succeeded,
    /// The run finished and at least one step failed (a stopped run counts):
    /// [`Run::failed_steps`] gives them.
    Failed,
    /// The run finished, none of its steps failed, but some step's status is
    /// a value the document does not list
    /// ([`Run::unrecognized_steps`]): reported, not guessed.
    Unrecognized,
    /// The deadline came first.
    TimedOut {
        /// What became of the run: left going, or stopped as asked.
        stop: Stop,
    },
    /// The run can no longer be found: a newer run took its place before
    /// this one was seen to finish.
    Replaced {
        /// The run now shown, if any.
        by: Option<RunId>,
    },
}

/// What became of a run whose wait timed out.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stop {
    /// No stop was asked for: the run goes on.
    NotAsked,
    /// The server accepted the stop, and a read then showed the run finished.
    Confirmed,
    /// The server accepted the stop; no read confirmed it in time (the API
    /// marks a stopped run failed once its steps have stopped).
    Acknowledged,
    /// The stop could not be sent, or the server refused it: the run may
    /// go on.
    NotSent {
        /// Why.
        reason: String,
    },
}

impl Stop {
    /// A short name: `not_asked`, `confirmed`, `acknowledged`, `not_sent`.
    pub fn name(&self) -> &'static str {
        match self {
            Stop::NotAsked => "not_asked",
            Stop::Confirmed => "confirmed",
            Stop::Acknowledged => "acknowledged",
            Stop::NotSent { .. } => "not_sent",
        }
    }
}

impl Outcome {
    /// The outcome of a run in `state`, when it is finished.
    pub(crate) fn of_finished(state: RunState) -> Option<Self> {
        match state {
            RunState::Running => None,
            RunState::Succeeded => Some(Outcome::Succeeded),
            RunState::Failed => Some(Outcome::Failed),
            RunState::Unrecognized => Some(Outcome::Unrecognized),
        }
    }

    /// A short name: `succeeded`, `failed`, `unrecognized`, `timed_out`, `replaced`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Unrecognized => "unrecognized",
            Outcome::TimedOut { .. } => "timed_out",
            Outcome::Replaced { .. } => "replaced",
        }
    }
}
