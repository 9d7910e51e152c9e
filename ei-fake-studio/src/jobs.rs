//! The jobs of a run besides its steps' transformation jobs: each step's
//! upload job and the job of each of its files. Their ids, which job an id
//! names, and where each job is at an instant (`getOrganizationJobStatus`).

use crate::built::built;
use crate::clock::Clock;
use crate::config::{PipelineSpec, ProgressShape, StepSpec};
use crate::files::{self, FileState};
use crate::lifecycle::{Phase, Run, StepState};
use ei_api::types::Job;
use std::collections::{BTreeMap, HashMap};
use tokio::time::Instant;

/// The first of these jobs' ids: well above the run ids (from 2^32) and the
/// transformation job ids (from 2^40), so that a client that mixes them up
/// shows the mistake, and below 2^53, so that a JavaScript client reads it.
const FIRST_JOB_ID: i64 = 1 << 48;

/// The `category` and `categoryKey` of a file's job.
const FILE_JOB_CATEGORY: (&str, &str) = ("Transforming a file", "transformation-file");

/// The `category` and `categoryKey` of a step's upload job.
const UPLOAD_JOB_CATEGORY: (&str, &str) = ("Uploading transformed files", "transformation-upload");

/// The ids of one step's jobs: a block of consecutive ids, the upload job's
/// first, then one per file in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StepJobs {
    first: i64,
}

impl StepJobs {
    /// The upload job's id (`uploadJobId`).
    pub(crate) fn upload(self) -> i64 {
        self.first
    }

    /// The id of the job of the file at `index` (`transformationJobId`).
    pub(crate) fn file(self, index: u32) -> i64 {
        self.first + 1 + i64::from(index)
    }
}

/// A run's organization and its steps' job ids.
#[derive(Clone, Debug)]
pub(crate) struct RunJobs {
    /// The pipeline's organization.
    pub(crate) organization_id: i64,
    /// Each step's job ids, in order.
    pub(crate) steps: Vec<StepJobs>,
}

/// Which of a step's jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobKind {
    /// The upload job.
    Upload,
    /// The job of the file at this index.
    File(u32),
}

/// The job an id names: a job of a step of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JobRef {
    /// The run.
    pub(crate) run: i64,
    /// The step's index.
    pub(crate) step: usize,
    /// Which of its jobs.
    pub(crate) kind: JobKind,
}

/// Every run's job ids, and the way back from an id to its job.
#[derive(Debug)]
pub(crate) struct Jobs {
    next_id: i64,
    runs: HashMap<i64, RunJobs>,
    /// Each step's block of ids, by its first id: (run, step index, files).
    blocks: BTreeMap<i64, (i64, usize, u32)>,
    /// Each step's transformation job, by its id (`createProjectId`): (run, step index).
    transformations: HashMap<i64, (i64, usize)>,
}

impl Jobs {
    /// No jobs yet.
    pub(crate) fn new() -> Self {
        Self {
            next_id: FIRST_JOB_ID,
            runs: HashMap::new(),
            blocks: BTreeMap::new(),
            transformations: HashMap::new(),
        }
    }

    /// Gives ids to the jobs of a new run of `spec`, whose steps'
    /// transformation jobs are numbered from `first_transformation_id`.
    pub(crate) fn register(
        &mut self,
        run_id: i64,
        spec: &PipelineSpec,
        first_transformation_id: i64,
    ) {
        let mut steps = Vec::with_capacity(spec.steps.len());
        for (index, (step, transformation_id)) in
            spec.steps.iter().zip(first_transformation_id..).enumerate()
        {
            let first = self.next_id;
            self.next_id += 1 + i64::from(step.files);
            self.blocks.insert(first, (run_id, index, step.files));
            self.transformations.insert(transformation_id, (run_id, index));
            steps.push(StepJobs { first });
        }
        let jobs = RunJobs { organization_id: spec.organization_id, steps };
        self.runs.insert(run_id, jobs);
    }

    /// The job ids of a registered run.
    ///
    /// # Panics
    ///
    /// If the run was never registered (every run is, as it starts).
    pub(crate) fn of_run(&self, run_id: i64) -> &RunJobs {
        &self.runs[&run_id]
    }

    /// The run and step index of a transformation job (`createProjectId`).
    pub(crate) fn transformation(&self, id: i64) -> Option<(i64, usize)> {
        self.transformations.get(&id).copied()
    }

    /// The job `id` names, if it names one.
    pub(crate) fn find(&self, id: i64) -> Option<JobRef> {
        let (first, &(run, step, files)) = self.blocks.range(..=id).next_back()?;
        let kind = match id - first {
            0 => JobKind::Upload,
            offset => JobKind::File(u32::try_from(offset - 1).ok().filter(|index| *index < files)?),
        };
        Some(JobRef { run, step, kind })
    }
}

/// Whether the step in `state` failed in its upload: it fails of its own
/// (not stopped) with every file transformed.
pub(crate) fn upload_fails_of_its_own(step: &StepSpec, state: &StepState) -> bool {
    state.phase == Phase::Failed && step.fails && state.progress.succeeded == state.progress.total
}

/// How a job is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It runs.
    Running,
    /// It finished successfully.
    Succeeded,
    /// It failed of its own: the block failed on the file, or the upload failed.
    Failed,
    /// It ended without doing its work: stopped, or (an upload) nothing to upload.
    Cancelled,
}

/// A job at an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct JobAt {
    /// Its id.
    pub(crate) id: i64,
    /// Which of its step's jobs it is.
    pub(crate) kind: JobKind,
    /// How it is doing.
    pub(crate) outcome: Outcome,
    /// When it was created (and started).
    pub(crate) started: Instant,
    /// When it ended, if it is over.
    pub(crate) ended: Option<Instant>,
}

/// The job `kind` of the step at `index` of `run` at `now`, if it exists by
/// then: an upload job once its step starts, a file's job once its file is
/// picked up, its files moving in `shape`.
pub(crate) fn job_at(
    run: &Run,
    index: usize,
    step: &StepSpec,
    ids: StepJobs,
    kind: JobKind,
    shape: ProgressShape,
    now: Instant,
) -> Option<JobAt> {
    let state = run.step_state(index, step, now, true, shape);
    let step_start = run.step_start(index);
    let (id, outcome, started, ended) = match kind {
        JobKind::Upload => {
            let outcome = match state.phase {
                Phase::Waiting => return None,
                Phase::Started => Outcome::Running,
                Phase::Finished => Outcome::Succeeded,
                Phase::Failed if upload_fails_of_its_own(step, &state) => Outcome::Failed,
                Phase::Failed => Outcome::Cancelled,
            };
            let ended =
                (outcome != Outcome::Running).then(|| step_start + state.progress.time_spent);
            (ids.upload(), outcome, step_start, ended)
        }
        JobKind::File(file) => {
            let outcome = match files::file_state(step, &state, file) {
                FileState::Waiting => return None,
                FileState::Running => Outcome::Running,
                FileState::Succeeded => Outcome::Succeeded,
                FileState::Failed => Outcome::Failed,
                FileState::Cancelled => Outcome::Cancelled,
            };
            let (from, to) = files::file_window(step, file);
            let ended = match outcome {
                Outcome::Running => None,
                // A stop ends the run, and the files running then, at once.
                Outcome::Cancelled => Some(run.end()),
                Outcome::Succeeded | Outcome::Failed => Some(step_start + to),
            };
            // A file the stop caught is one it had begun by then, whatever
            // its planned start (its shape may have picked it up early).
            let started = ended.map_or(step_start + from, |ended| (step_start + from).min(ended));
            (ids.file(file), outcome, started, ended)
        }
    };
    Some(JobAt { id, kind, outcome, started, ended })
}

/// A job as `getOrganizationJobStatus` shows it.
pub(crate) fn model(clock: &Clock, job: &JobAt, transformation_id: i64) -> Job {
    let ((category, category_key), key, about) = match job.kind {
        JobKind::Upload => {
            (UPLOAD_JOB_CATEGORY, format!("transformation-{transformation_id}-upload"), None)
        }
        JobKind::File(index) => (
            FILE_JOB_CATEGORY,
            format!("transformation-{transformation_id}-file-{}", u64::from(index) + 1),
            Some(files::file_name(index)),
        ),
    };
    built(
        Job::builder()
            .additional_info(about)
            .category(category)
            .category_key(category_key)
            .compute_time(job.ended.map(|ended| (ended - job.started).as_secs_f64()))
            .created(clock.date(job.started))
            .finished(job.ended.map(|ended| clock.date(ended)))
            .finished_successful(job.ended.map(|_| job.outcome == Outcome::Succeeded))
            .id(job.id)
            .job_notification_uids(Vec::<i64>::new())
            .key(key)
            .started(clock.date(job.started)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_leads_back_to_its_job_and_no_other_id_does() {
        let spec = PipelineSpec::new(1, 2, "p")
            .step(StepSpec::new("a").files(2))
            .step(StepSpec::new("b").files(0));
        let mut jobs = Jobs::new();
        jobs.register(7, &spec, 100);
        jobs.register(8, &spec, 102);
        let first = jobs.of_run(7).steps[0];
        assert_eq!(first.upload(), FIRST_JOB_ID);
        assert_eq!(
            jobs.find(first.file(1)),
            Some(JobRef { run: 7, step: 0, kind: JobKind::File(1) })
        );
        let empty = jobs.of_run(7).steps[1];
        assert_eq!(empty.upload(), first.file(1) + 1);
        assert_eq!(
            jobs.find(empty.upload()),
            Some(JobRef { run: 7, step: 1, kind: JobKind::Upload })
        );
        assert_eq!(jobs.find(jobs.of_run(8).steps[0].upload()).map(|job| job.run), Some(8));
        assert_eq!(jobs.find(FIRST_JOB_ID - 1), None);
        assert_eq!(jobs.find(jobs.of_run(8).steps[1].upload() + 1), None);
        assert_eq!(jobs.transformation(103), Some((8, 1)));
        assert_eq!(jobs.transformation(104), None);
    }
}
