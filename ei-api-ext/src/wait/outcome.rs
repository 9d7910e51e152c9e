//! How a wait ended, and how a finished run's result is read.

use std::time::Duration;

use ei_api::enums::TransformationJobStatusEnum as JobStatus;
use ei_api::types::OrganizationPipelineRun;

use crate::ids::RunId;

/// What a wait found.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WaitReport {
    /// How the wait ended.
    pub outcome: Outcome,
    /// How long the wait took.
    pub elapsed: Duration,
    /// How many times the pipeline was read.
    pub polls: u32,
}

impl WaitReport {
    /// A report of `outcome`, after `elapsed` and `polls` reads (for code
    /// that shows or tests outcomes).
    pub fn new(outcome: Outcome, elapsed: Duration, polls: u32) -> Self {
        Self { outcome, elapsed, polls }
    }

    /// The run as last seen.
    pub fn run(&self) -> &OrganizationPipelineRun {
        self.outcome.run()
    }

    /// The run's id.
    pub fn run_id(&self) -> RunId {
        RunId::new(self.run().id)
    }

    /// Whether the run finished and succeeded.
    pub fn succeeded(&self) -> bool {
        matches!(self.outcome, Outcome::Succeeded { .. })
    }
}

/// How a wait ended. Each outcome carries the run as last seen.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The run finished and no step failed.
    Succeeded {
        /// The finished run.
        run: OrganizationPipelineRun,
    },
    /// The run finished and at least one step failed (a stopped run counts).
    Failed {
        /// The finished run.
        run: OrganizationPipelineRun,
        /// The steps whose job failed.
        failed_steps: Vec<StepStatus>,
    },
    /// The run finished, none of its steps failed, but some step's status is
    /// a value the document does not list: reported, not guessed.
    Unrecognized {
        /// The finished run.
        run: OrganizationPipelineRun,
        /// The steps with an unlisted status.
        steps: Vec<StepStatus>,
    },
    /// The deadline came first.
    TimedOut {
        /// The run as last seen (after the stop, when `stopped`).
        run: OrganizationPipelineRun,
        /// Whether the run was stopped (`stop_on_timeout`) and seen stopped.
        stopped: bool,
    },
    /// The run can no longer be found: a newer run took its place before
    /// this one was seen to finish.
    Replaced {
        /// The run as last seen.
        run: OrganizationPipelineRun,
        /// The run now shown, if any.
        by: Option<RunId>,
    },
}

impl Outcome {
    /// The run as last seen.
    pub fn run(&self) -> &OrganizationPipelineRun {
        match self {
            Outcome::Succeeded { run }
            | Outcome::Failed { run, .. }
            | Outcome::Unrecognized { run, .. }
            | Outcome::TimedOut { run, .. }
            | Outcome::Replaced { run, .. } => run,
        }
    }

    /// A short name: `succeeded`, `failed`, `unrecognized`, `timed_out`, `replaced`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Succeeded { .. } => "succeeded",
            Outcome::Failed { .. } => "failed",
            Outcome::Unrecognized { .. } => "unrecognized",
            Outcome::TimedOut { .. } => "timed_out",
            Outcome::Replaced { .. } => "replaced",
        }
    }
}

/// One step and its job's status.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StepStatus {
    /// The step's position in the run, from 0.
    pub index: usize,
    /// The step's name.
    pub name: String,
    /// Its transformation job's status.
    pub status: JobStatus,
}

impl StepStatus {
    /// Step `index` (from 0), named `name`, whose job's status is `status`.
    pub fn new(index: usize, name: impl Into<String>, status: JobStatus) -> Self {
        Self { index, name: name.into(), status }
    }
}

/// The outcome of a run whose `finished` is set; `None` while it runs.
pub(crate) fn finished_outcome(run: &OrganizationPipelineRun) -> Option<Outcome> {
    run.finished?;
    let statuses = run.steps.iter().enumerate().filter_map(|(index, step)| {
        let job = step.transformation_job.as_ref()?;
        Some(StepStatus { index, name: step.name.clone(), status: job.status.clone() })
    });
    let (failed, unknown): (Vec<_>, Vec<_>) = statuses
        .filter(|step| step.status == JobStatus::Failed || !step.status.is_known())
        .partition(|step| step.status == JobStatus::Failed);
    let run = run.clone();
    Some(if !failed.is_empty() {
        Outcome::Failed { run, failed_steps: failed }
    } else if !unknown.is_empty() {
        Outcome::Unrecognized { run, steps: unknown }
    } else {
        Outcome::Succeeded { run }
    })
}
