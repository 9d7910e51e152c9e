//! The studio's state: its pipelines and their runs, and what the API's
//! operations do to them.

use crate::clock::Clock;
use crate::config::{PipelineSpec, StepSpec};
use crate::definition;
use crate::files::{self, FilesQuery};
use crate::jobs::{self, JobAt, Jobs};
use crate::lifecycle::Run;
use crate::logs::{self, Logs, LogsQuery};
use crate::model::{self, RunOf, Runs};
use ei_api::types::{
    Job, OrganizationCreateProjectWithFiles, OrganizationPipeline, OrganizationPipelineRun,
    OrganizationUpdatePipelineBody,
};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use tokio::time::Instant;

/// The first run id a studio hands out: above 2^32, so that a client that
/// keeps ids in 32 bits shows the mistake.
const FIRST_RUN_ID: i64 = (1 << 32) + 1;

/// The first transformation job id: well away from the run ids, so that a
/// client that mixes the two up shows the mistake.
const FIRST_JOB_ID: i64 = 1 << 40;

/// What the vendor's server answers (HTTP 200, `success: false`) to a run
/// request while a run is in progress.
pub(crate) const ALREADY_RUNNING: &str = "Pipeline is already running";

/// What the fake answers to a stop request when no run is in progress.
pub(crate) const NOT_RUNNING: &str = "Pipeline is not running";

/// Why an operation did nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The organization or pipeline does not exist (HTTP 404).
    NotFound(String),
    /// The server declined, vendor style: HTTP 200 with `success: false`.
    Declined(String),
}

/// A pipeline: its definition, how its next run runs, and its runs.
#[derive(Debug)]
struct Pipeline {
    /// The configuration its next run starts with.
    spec: PipelineSpec,
    /// What get and list show of it, as configured or last written.
    definition: OrganizationUpdatePipelineBody,
    /// Every run started, oldest first (the last one in progress or over).
    runs: Vec<i64>,
    /// Why the latest attempt to run failed to start, if one did.
    last_start_error: Option<String>,
}

/// All the state of one studio.
#[derive(Debug)]
pub(crate) struct State {
    clock: Clock,
    /// Pipelines by (organization id, pipeline id).
    pipelines: BTreeMap<(i64, i64), Pipeline>,
    /// Every run ever started, by id, with the configuration it started with.
    runs: HashMap<i64, (Run, PipelineSpec)>,
    /// How many definitions were written through the API (created, updated,
    /// deleted).
    definition_writes: usize,
    /// The ids of every run's upload and file jobs.
    jobs: Jobs,
    next_run_id: i64,
    next_job_id: i64,
    /// How far the pipeline view (get, list) lags behind the writes.
    view_lag: Duration,
}

impl State {
    /// A studio holding `pipelines`, whose dates start at `clock`'s epoch
    /// and whose pipeline view lags `view_lag` behind its writes.
    pub(crate) fn new(
        clock: Clock,
        pipelines: impl IntoIterator<Item = PipelineSpec>,
        view_lag: Duration,
    ) -> Self {
        let pipelines = pipelines
            .into_iter()
            .map(|spec| {
                let key = (spec.organization_id, spec.pipeline_id);
                let definition = model::definition(&spec);
                (key, Pipeline { spec, definition, runs: Vec::new(), last_start_error: None })
            })
            .collect();
        Self {
            clock,
            pipelines,
            runs: HashMap::new(),
            definition_writes: 0,
            jobs: Jobs::new(),
            next_run_id: FIRST_RUN_ID,
            next_job_id: FIRST_JOB_ID,
            view_lag,
        }
    }

    /// The studio's clock.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Starts a run of a pipeline (`runOrganizationPipeline`).
    pub(crate) fn run(
        &mut self,
        organization_id: i64,
        pipeline_id: i64,
        now: Instant,
    ) -> Result<OrganizationPipelineRun, Refusal> {
        let run_id = self.start_run(organization_id, pipeline_id, now)?;
        let (spec, run) = self.run_of(run_id);
        Ok(model::run(&self.clock, spec, run, now))
    }

    /// Starts a run of a pipeline and returns its id.
    pub(crate) fn start_run(
        &mut self,
        organization_id: i64,
        pipeline_id: i64,
        now: Instant,
    ) -> Result<i64, Refusal> {
        let pipeline = self
            .pipelines
            .get_mut(&(organization_id, pipeline_id))
            .ok_or_else(|| pipeline_not_found(organization_id, pipeline_id))?;
        if let Some(error) = &pipeline.spec.start_error {
            pipeline.last_start_error = Some(error.clone());
            return Err(Refusal::Declined(error.clone()));
        }
        let going = pipeline.runs.last().copied().filter(|id| !self.runs[id].0.is_over(now));
        if let Some(going) = going {
            if !pipeline.spec.runs_while_running {
                return Err(Refusal::Declined(ALREADY_RUNNING.to_owned()));
            }
            // The new run takes the place of the one going, which is stopped.
            self.runs.get_mut(&going).map(|(run, _)| run.stop(now));
        }
        let run_id = self.next_run_id;
        self.next_run_id += 1;
        let first_job_id = self.next_job_id;
        self.next_job_id +=
            i64::try_from(pipeline.spec.steps.len()).expect("fewer than 2^63 steps");
        let run = Run::start(run_id, first_job_id, &pipeline.spec.steps, now);
        self.runs.insert(run_id, (run, pipeline.spec.clone()));
        self.jobs.register(run_id, &pipeline.spec, first_job_id);
        pipeline.runs.push(run_id);
        Ok(run_id)
    }

    /// Stops the run in progress of a pipeline (`stopOrganizationPipeline`).
    pub(crate) fn stop(
        &mut self,
        organization_id: i64,
        pipeline_id: i64,
        now: Instant,
    ) -> Result<(), Refusal> {
        let pipeline = self
            .pipelines
            .get(&(organization_id, pipeline_id))
            .ok_or_else(|| pipeline_not_found(organization_id, pipeline_id))?;
        let latest = pipeline.runs.last().and_then(|id| self.runs.get_mut(id));
        if latest.is_some_and(|(run, _)| run.stop(now)) {
            Ok(())
        } else {
            Err(Refusal::Declined(NOT_RUNNING.to_owned()))
        }
    }

    /// A pipeline (`getOrganizationPipeline`).
    pub(crate) fn pipeline(
        &self,
        organization_id: i64,
        pipeline_id: i64,
        now: Instant,
    ) -> Result<OrganizationPipeline, Refusal> {
        let pipeline = self
            .pipelines
            .get(&(organization_id, pipeline_id))
            .ok_or_else(|| pipeline_not_found(organization_id, pipeline_id))?;
        Ok(self.pipeline_model(pipeline, now))
    }

    /// The pipelines of an organization that are archived (`archived`) or
    /// not, only those with a step attached to `project_id` if it is given
    /// (`listArchivedOrganizationPipelines`, `listOrganizationPipelines`).
    pub(crate) fn pipelines(
        &self,
        organization_id: i64,
        project_id: Option<i64>,
        archived: bool,
        now: Instant,
    ) -> Result<Vec<OrganizationPipeline>, Refusal> {
        let mut organization = self
            .pipelines
            .range((organization_id, i64::MIN)..=(organization_id, i64::MAX))
            .map(|(_, pipeline)| pipeline)
            .peekable();
        if organization.peek().is_none() {
            return Err(organization_not_found(organization_id));
        }
        let attached = |pipeline: &&Pipeline| {
            project_id.is_none_or(|project| {
                pipeline.definition.steps.iter().any(|step| step.project_id == Some(project))
            })
        };
        let listed = |pipeline: &&Pipeline| is_archived(&pipeline.definition) == archived;
        Ok(organization
            .filter(attached)
            .filter(listed)
            .map(|pipeline| self.pipeline_model(pipeline, now))
            .collect())
    }

    /// Creates a pipeline in an organization from `definition`
    /// (`createOrganizationPipeline`) and returns its id: one above the
    /// organization's highest.
    pub(crate) fn create(
        &mut self,
        organization_id: i64,
        definition: OrganizationUpdatePipelineBody,
    ) -> Result<i64, Refusal> {
        let highest = self
            .pipelines
            .range((organization_id, i64::MIN)..=(organization_id, i64::MAX))
            .next_back()
            .map(|(&(_, id), _)| id)
            .ok_or_else(|| organization_not_found(organization_id))?;
        let pipeline_id = highest.checked_add(1).ok_or_else(|| {
            Refusal::Declined(format!("Organization {organization_id} has no pipeline id left"))
        })?;
        let spec =
            definition::respec(&PipelineSpec::new(organization_id, pipeline_id, ""), &definition);
        let pipeline = Pipeline { spec, definition, runs: Vec::new(), last_start_error: None };
        self.pipelines.insert((organization_id, pipeline_id), pipeline);
        self.definition_writes += 1;
        Ok(pipeline_id)
    }

    /// Replaces a pipeline's whole definition (`updateOrganizationPipeline`):
    /// what it leaves out is gone, project keys included. A run in progress
    /// goes on as it started; the next one runs the new definition.
    pub(crate) fn update(
        &mut self,
        organization_id: i64,
        pipeline_id: i64,
        definition: OrganizationUpdatePipelineBody,
    ) -> Result<(), Refusal> {
        let pipeline = self.pipeline_mut(organization_id, pipeline_id)?;
        pipeline.spec = definition::respec(&pipeline.spec, &definition);
        pipeline.definition = definition;
        self.definition_writes += 1;
        Ok(())
    }

    /// Changes a pipeline's definition from the side, as another writer
    /// would, without counting it as a write through the API.
    pub(crate) fn edit(
        &mut self,
        organization_id: i64,
        pipeline_id: i64,
        edit: impl FnOnce(&mut OrganizationUpdatePipelineBody),
    ) -> Result<(), Refusal> {
        let pipeline = self.pipeline_mut(organization_id, pipeline_id)?;
        edit(&mut pipeline.definition);
        pipeline.spec = definition::respec(&pipeline.spec, &pipeline.definition);
        Ok(())
    }

    /// Deletes a pipeline (`deleteOrganizationPipeline`); a run in progress
    /// goes on (its jobs stay readable).
    pub(crate) fn delete(&mut self, organization_id: i64, pipeline_id: i64) -> Result<(), Refusal> {
        self.pipelines
            .remove(&(organization_id, pipeline_id))
            .ok_or_else(|| pipeline_not_found(organization_id, pipeline_id))?;
        self.definition_writes += 1;
        Ok(())
    }

    /// A pipeline's definition as held, secrets included.
    pub(crate) fn definition(
        &self,
        organization_id: i64,
        pipeline_id: i64,
    ) -> Option<OrganizationUpdatePipelineBody> {
        self.pipelines.get(&(organization_id, pipeline_id)).map(|p| p.definition.clone())
    }

    /// How many definitions were written through the API.
    pub(crate) fn definition_writes(&self) -> usize {
        self.definition_writes
    }

    fn pipeline_mut(
        &mut self,
        organization_id: i64,
        pipeline_id: i64,
    ) -> Result<&mut Pipeline, Refusal> {
        self.pipelines
            .get_mut(&(organization_id, pipeline_id))
            .ok_or_else(|| pipeline_not_found(organization_id, pipeline_id))
    }

    /// How many runs of a pipeline started (0 for an unknown pipeline).
    pub(crate) fn runs_started(&self, organization_id: i64, pipeline_id: i64) -> usize {
        self.pipelines.get(&(organization_id, pipeline_id)).map_or(0, |p| p.runs.len())
    }

    /// When a run ended or will end.
    pub(crate) fn run_end(&self, run_id: i64) -> Option<Instant> {
        self.runs.get(&run_id).map(|(run, _)| run.end())
    }

    /// A step's transformation job with a page of its files
    /// (`getOrganizationCreateProjectStatus`).
    pub(crate) fn transformation_job(
        &self,
        organization_id: i64,
        transformation_job_id: i64,
        query: &FilesQuery,
        now: Instant,
    ) -> Result<OrganizationCreateProjectWithFiles, Refusal> {
        let not_found =
            || Refusal::NotFound(format!("Transformation job {transformation_job_id} not found"));
        let (run_id, index) =
            self.jobs.transformation(transformation_job_id).ok_or_else(not_found)?;
        let (spec, (run, jobs)) = self.run_of(run_id);
        if jobs.organization_id != organization_id {
            return Err(not_found());
        }
        let step = &spec.steps[index];
        let state = run.step_state(index, step, now, true, spec.progress_shape);
        let page = files::page(step, &state, |file| jobs.steps[index].file(file), query);
        Ok(model::job_with_files(&self.clock, spec, (run, jobs), index, now, page))
    }

    /// An upload or file job's status (`getOrganizationJobStatus`).
    pub(crate) fn job(
        &self,
        organization_id: i64,
        job_id: i64,
        now: Instant,
    ) -> Result<Job, Refusal> {
        let (job, _, transformation_job_id) = self.job_at(organization_id, job_id, now)?;
        Ok(jobs::model(&self.clock, &job, transformation_job_id))
    }

    /// An upload or file job's logs (`getOrganizationJobsLogs`).
    pub(crate) fn job_logs(
        &self,
        organization_id: i64,
        job_id: i64,
        query: &LogsQuery,
        now: Instant,
    ) -> Result<Logs, Refusal> {
        let (job, step, _) = self.job_at(organization_id, job_id, now)?;
        Ok(logs::read(&self.clock, &job, step, query))
    }

    /// The upload or file job `job_id` names in the organization, as it is at
    /// `now`, with its step and the id of the step's transformation job. A
    /// job that does not exist yet (its step or file not started) is not found.
    fn job_at(
        &self,
        organization_id: i64,
        job_id: i64,
        now: Instant,
    ) -> Result<(JobAt, &StepSpec, i64), Refusal> {
        let not_found = || Refusal::NotFound(format!("Job {job_id} not found"));
        let job = self.jobs.find(job_id).ok_or_else(not_found)?;
        let (spec, (run, jobs)) = self.run_of(job.run);
        if jobs.organization_id != organization_id {
            return Err(not_found());
        }
        let step = &spec.steps[job.step];
        let ids = jobs.steps[job.step];
        let at = jobs::job_at(run, job.step, step, ids, job.kind, spec.progress_shape, now)
            .ok_or_else(not_found)?;
        let transformation_job_id =
            run.first_job_id + i64::try_from(job.step).expect("fewer than 2^63 steps");
        Ok((at, step, transformation_job_id))
    }

    /// A run that started, with the configuration it started with and its
    /// jobs' ids.
    fn run_of(&self, run_id: i64) -> RunOf<'_> {
        let (run, spec) = &self.runs[&run_id];
        (spec, (run, self.jobs.of_run(run_id)))
    }

    /// The pipeline as its view shows it at `now`: as it was `view_lag`
    /// earlier (runs started since are not there yet, and the runs that are
    /// show their state of then).
    fn pipeline_model(&self, pipeline: &Pipeline, now: Instant) -> OrganizationPipeline {
        // Before the first moment the view can show (only on a machine that
        // booted less than the lag ago), it shows no run at all.
        let view = now.checked_sub(self.view_lag);
        let seen = view.unwrap_or(now);
        let mut visible = pipeline
            .runs
            .iter()
            .map(|id| self.run_of(*id))
            .filter(|(_, (run, _))| view.is_some_and(|view| run.started <= view));
        let latest = visible.next_back();
        let previous = visible.next_back();
        let runs = match latest {
            Some(run) if !run.1 .0.is_over(seen) => Runs { current: Some(run), last: previous },
            _ => Runs { current: None, last: latest },
        };
        let start_error = pipeline.last_start_error.as_deref();
        let id = pipeline.spec.pipeline_id;
        model::pipeline(&self.clock, id, &pipeline.definition, runs, start_error, seen)
    }
}

/// Whether a definition says its pipeline is archived.
fn is_archived(definition: &OrganizationUpdatePipelineBody) -> bool {
    definition.archived == Some(true)
}

fn organization_not_found(organization_id: i64) -> Refusal {
    Refusal::NotFound(format!("Organization {organization_id} not found"))
}

fn pipeline_not_found(organization_id: i64, pipeline_id: i64) -> Refusal {
    Refusal::NotFound(format!("Pipeline {pipeline_id} not found in organization {organization_id}"))
}
