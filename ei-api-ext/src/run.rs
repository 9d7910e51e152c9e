//! The run model: what a read of a pipeline says of its runs, stated once
//! in one vocabulary that following, reconciling, diagnosing and every
//! output of `ei-pipeline` consume.
//!
//! | word | a run | a step |
//! |---|---|---|
//! | `waiting` | | no transformation job yet, or one created and not started |
//! | `running` | not finished | its job started, or is in progress |
//! | `succeeded` | finished, and no step failed | its job finished |
//! | `failed` | finished, and a step failed (a stopped run counts: the API marks it failed) | its job failed |
//! | `unrecognized` | finished, with a step in a state this version does not know | its job's status is one the API's document does not list |
//!
//! Steps are numbered from 1, in the run's order, everywhere: in this
//! model, in `ei-pipeline`'s lines and in its JSON. A step's files are
//! counted as the server reports them: `done` of `total`, of which
//! `succeeded` and `failed` (done less succeeded).
//!
//! Names are the server's (untrusted text: see [`crate::untrusted`]), with
//! the project keys the run's steps carry masked in them.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use ei_fake_studio::{FakeStudio, PipelineSpec, StepSpec};
//! # let studio = FakeStudio::builder()
//! #     .pipeline(PipelineSpec::new(1, 1, "Nightly").step(StepSpec::new("Fetch").files(10))
//! #         .step(StepSpec::new("Clean").files(50).failing_files(3)))
//! #     .start().await;
//! # let client = ei_api_ext::Client::builder()
//! #     .api_key(FakeStudio::DEFAULT_API_KEY).base_url(studio.base_url()).build()?;
//! use std::time::Duration;
//! use ei_api_ext::run::{RunState, StepState};
//! use ei_api_ext::wait::WaitOptions;
//! use ei_api_ext::{OrganizationId, PipelineId};
//!
//! let pipeline = client.pipeline(OrganizationId::new(1), PipelineId::new(1));
//! pipeline.run().follow(WaitOptions::timeout(Duration::from_secs(3600))).await?;
//! let run = pipeline.runs().await?.last.expect("it ran");
//! assert_eq!(run.state, RunState::Failed);
//! let clean = &run.steps[1];
//! assert_eq!((clean.number, clean.name.as_str(), clean.state), (2, "Clean", StepState::Failed));
//! assert_eq!(clean.files.map(|files| (files.failed, files.total)), Some((3, 50)));
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ei_api::enums::TransformationJobStatusEnum as JobStatus;
use ei_api::types::{
    OrganizationCreateProject, OrganizationPipeline, OrganizationPipelineRun,
    OrganizationPipelineRunStep,
};
use serde::Serialize;

use crate::ids::RunId;
use crate::redact::Redactor;

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunState {
    /// Not finished yet.
    Running,
    /// Finished, and no step failed.
    Succeeded,
    /// Finished, and a step failed (a stopped run counts).
    Failed,
    /// Finished, with a step whose status this version does not know, and
    /// none failed: reported, not guessed.
    Unrecognized,
}

impl RunState {
    /// Its word: `running`, `succeeded`, `failed` or `unrecognized`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Unrecognized => "unrecognized",
        }
    }
}

impl fmt::Display for RunState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a step stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepState {
    /// No transformation job yet, or one created and not started.
    Waiting,
    /// Its job started, or is in progress.
    Running,
    /// Its job finished.
    Succeeded,
    /// Its job failed.
    Failed,
    /// Its job's status is one the API's document does not list
    /// ([`Step::status`] gives it).
    Unrecognized,
}

impl StepState {
    /// Its word: `waiting`, `running`, `succeeded`, `failed` or `unrecognized`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::Running => "running",
            StepState::Succeeded => "succeeded",
            StepState::Failed => "failed",
            StepState::Unrecognized => "unrecognized",
        }
    }
}

impl fmt::Display for StepState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step's files, as its job counts them (when it reports a total).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FileCounts {
    /// Files processed so far, whatever their result (`finishedCount`).
    pub done: i64,
    /// Of those, the files that succeeded (`succeededCount`).
    pub succeeded: i64,
    /// Of those, the files that failed: done less succeeded, never below 0.
    pub failed: i64,
    /// Files in all (`totalFileCount`).
    pub total: i64,
}

/// One step of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Step {
    /// Its place in the run, from 1.
    pub number: usize,
    /// Its name, as the server sent it, with the run's project keys masked.
    pub name: String,
    /// Where it stands.
    pub state: StepState,
    /// Its job's status as the server spelled it (`finished`, `started`,
    /// ...), when it has a job: the word behind an `unrecognized` state.
    pub status: Option<String>,
    /// Its files, when its job reports a total.
    pub files: Option<FileCounts>,
    /// Its transformation job, when it has one.
    pub transformation_job: Option<i64>,
    /// Its upload job, when it has one.
    pub upload_job: Option<i64>,
    /// Whether the upload is what failed: every file was transformed, and
    /// the upload of the results failed.
    pub upload_failed: bool,
    /// Whether its job is still at work (a step can be counted done and
    /// still be uploading).
    #[serde(skip)]
    in_progress: bool,
}

impl Step {
    fn new(number: usize, step: &OrganizationPipelineRunStep, keys: &Redactor) -> Self {
        let name = keys.text(&step.name).into_owned();
        let Some(job) = &step.transformation_job else {
            return Self {
                number,
                name,
                state: StepState::Waiting,
                status: None,
                files: None,
                transformation_job: None,
                upload_job: None,
                upload_failed: false,
                in_progress: false,
            };
        };
        let summary = &job.transformation_summary;
        let files = (summary.total_file_count > 0).then(|| FileCounts {
            done: summary.finished_count,
            succeeded: summary.succeeded_count,
            failed: summary.finished_count.saturating_sub(summary.succeeded_count).max(0),
            total: summary.total_file_count,
        });
        Self {
            number,
            name,
            state: step_state(job),
            status: Some(job.status.as_str().to_owned()),
            files,
            transformation_job: Some(job.id),
            upload_job: job.upload_job_id,
            upload_failed: job.upload_job_status == JobStatus::Failed
                && job.transform_job_status != JobStatus::Failed,
            in_progress: job.in_progress,
        }
    }

    /// Whether the step has begun: it is running, or over.
    pub fn has_begun(&self) -> bool {
        self.state != StepState::Waiting
    }

    /// Whether the step is over: it succeeded or failed, or its status is
    /// unrecognized and its job no longer in progress.
    pub fn is_over(&self) -> bool {
        match self.state {
            StepState::Succeeded | StepState::Failed => true,
            StepState::Unrecognized => !self.in_progress,
            StepState::Waiting | StepState::Running => false,
        }
    }
}

/// The state of a step whose transformation job is `job`.
fn step_state(job: &OrganizationCreateProject) -> StepState {
    match &job.status {
        JobStatus::Finished => StepState::Succeeded,
        JobStatus::Failed => StepState::Failed,
        JobStatus::Started => StepState::Running,
        JobStatus::Waiting | JobStatus::Created if job.in_progress => StepState::Running,
        JobStatus::Waiting | JobStatus::Created => StepState::Waiting,
        _ => StepState::Unrecognized,
    }
}

/// A run of a pipeline, as one read of the pipeline showed it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Run {
    /// Its id.
    pub id: RunId,
    /// Where it stands.
    pub state: RunState,
    /// When the server created it (its clock).
    pub created: DateTime<Utc>,
    /// When it finished (the server's clock), once it has.
    pub finished: Option<DateTime<Utc>>,
    /// Its steps, in order.
    pub steps: Vec<Step>,
    /// The run as the API sent it.
    #[serde(skip)]
    raw: OrganizationPipelineRun,
}

impl Run {
    /// The model of `raw`.
    pub fn new(raw: OrganizationPipelineRun) -> Self {
        let keys = Redactor::new().with_project_keys(&raw);
        let steps: Vec<Step> = raw
            .steps
            .iter()
            .enumerate()
            .map(|(index, step)| Step::new(index + 1, step, &keys))
            .collect();
        let state = match raw.finished {
            None => RunState::Running,
            Some(_) if steps.iter().any(|step| step.state == StepState::Failed) => RunState::Failed,
            Some(_) if steps.iter().any(|step| step.state == StepState::Unrecognized) => {
                RunState::Unrecognized
            }
            Some(_) => RunState::Succeeded,
        };
        Self {
            id: RunId::new(raw.id),
            state,
            created: raw.created,
            finished: raw.finished,
            steps,
            raw,
        }
    }

    /// The run as the API sent it (its secrets are [`SecretString`](crate::SecretString)s).
    pub fn raw(&self) -> &OrganizationPipelineRun {
        &self.raw
    }

    /// Whether it finished.
    pub fn is_finished(&self) -> bool {
        self.state != RunState::Running
    }

    /// The steps that failed.
    pub fn failed_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|step| step.state == StepState::Failed)
    }

    /// The steps whose status this version does not know.
    pub fn unrecognized_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|step| step.state == StepState::Unrecognized)
    }

    /// The first step at work, if any.
    pub fn running_step(&self) -> Option<&Step> {
        self.steps.iter().find(|step| step.state == StepState::Running)
    }

    /// How long it took by the server's clock (`created` to `finished`);
    /// `None` while it runs, or when the server says it ended before it began.
    pub fn length(&self) -> Option<Duration> {
        (self.finished? - self.created).to_std().ok()
    }
}

/// The runs one read of a pipeline shows: the one going, and the last one.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PipelineRuns {
    /// The run going (`currentRun`).
    pub current: Option<Run>,
    /// The last run that ended (`lastRun`).
    pub last: Option<Run>,
}

impl PipelineRuns {
    /// The runs `pipeline` shows.
    pub fn of(pipeline: &OrganizationPipeline) -> Self {
        Self {
            current: pipeline.current_run.clone().map(Run::new),
            last: pipeline.last_run.clone().map(Run::new),
        }
    }

    /// The runs shown: the current one first.
    pub fn iter(&self) -> impl Iterator<Item = &Run> {
        self.current.iter().chain(&self.last)
    }

    /// The run going, or else the last one.
    pub fn latest(&self) -> Option<&Run> {
        self.current.as_ref().or(self.last.as_ref())
    }

    /// Run `id`, when this read shows it (current or last).
    pub fn get(&self, id: RunId) -> Option<&Run> {
        self.iter().find(|run| run.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn job(status: &str, in_progress: bool, files: (i64, i64, i64)) -> Value {
        let (done, succeeded, total) = files;
        json!({
            "id": 70, "category": "training", "created": "2024-06-03T08:00:00Z",
            "inProgress": in_progress, "name": "job", "operatesOn": "file", "organizationId": 1,
            "status": status, "transformJobStatus": status, "uploadJobStatus": "waiting",
            "totalDownloadFileCount": total, "totalDownloadFileSize": 0,
            "totalDownloadFileSizeString": "0 bytes", "totalUploadFileCount": done,
            "transformationParallel": 1, "totalTimeSpentSeconds": 0,
            "totalTimeSpentString": "0s", "uploadType": "dataset",
            "transformationSummary": {"startedCount": done, "finishedCount": done,
                "succeededCount": succeeded, "totalFileCount": total, "totalTimeSpentSeconds": 1}
        })
    }

    fn run(id: i64, finished: bool, jobs: Vec<Option<Value>>) -> OrganizationPipelineRun {
        let steps: Vec<Value> = jobs
            .into_iter()
            .enumerate()
            .map(|(index, job)| match job {
                Some(job) => json!({"name": format!("step {index}"), "transformationJob": job}),
                None => json!({"name": format!("step {index}")}),
            })
            .collect();
        serde_json::from_value(json!({
            "id": id, "created": "2024-06-03T08:00:00Z",
            "finished": finished.then_some("2024-06-03T08:10:00Z"), "steps": steps
        }))
        .expect("a run")
    }

    #[test]
    fn each_job_status_has_one_word() {
        let cases = [
            ("waiting", false, StepState::Waiting),
            ("created", false, StepState::Waiting),
            ("created", true, StepState::Running),
            ("started", true, StepState::Running),
            ("finished", false, StepState::Succeeded),
            ("failed", false, StepState::Failed),
            ("paused", true, StepState::Unrecognized),
        ];
        for (status, in_progress, state) in cases {
            let model = Run::new(run(1, false, vec![Some(job(status, in_progress, (0, 0, 0)))]));
            assert_eq!(model.steps[0].state, state, "{status}");
            assert_eq!(model.steps[0].status.as_deref(), Some(status));
        }
        let waiting = Run::new(run(1, false, vec![None]));
        assert_eq!(
            (waiting.steps[0].state, waiting.steps[0].status.as_deref()),
            (StepState::Waiting, None)
        );
    }

    #[test]
    fn a_run_is_failed_before_unrecognized_before_succeeded() {
        let finished = |jobs| Run::new(run(1, true, jobs)).state;
        let ok = || Some(job("finished", false, (1, 1, 1)));
        assert_eq!(finished(vec![ok(), ok()]), RunState::Succeeded);
        assert_eq!(
            finished(vec![ok(), Some(job("paused", false, (0, 0, 0)))]),
            RunState::Unrecognized
        );
        let failed = Some(job("failed", false, (1, 0, 1)));
        assert_eq!(finished(vec![Some(job("paused", false, (0, 0, 0))), failed]), RunState::Failed);
        assert_eq!(Run::new(run(1, false, vec![ok()])).state, RunState::Running);
    }

    #[test]
    fn a_step_counts_its_failed_files_and_never_below_zero() {
        let model = Run::new(run(1, true, vec![Some(job("failed", false, (50, 47, 50)))]));
        let files = model.steps[0].files.expect("counts");
        assert_eq!((files.done, files.succeeded, files.failed, files.total), (50, 47, 3, 50));
        let odd = Run::new(run(1, true, vec![Some(job("finished", false, (3, 9, 10)))]));
        assert_eq!(odd.steps[0].files.expect("counts").failed, 0);
        let none = Run::new(run(1, true, vec![Some(job("finished", false, (0, 0, 0)))]));
        assert_eq!(none.steps[0].files, None, "no total, no counts");
    }

    #[test]
    fn steps_are_numbered_from_one_everywhere() {
        let model = Run::new(run(1, false, vec![None, None, None]));
        let numbers: Vec<usize> = model.steps.iter().map(|step| step.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        let json = serde_json::to_value(&model).expect("serializes");
        assert_eq!(json["steps"][1]["number"], 2);
        assert_eq!(json["steps"][1]["state"], "waiting");
    }

    #[test]
    fn a_step_name_never_shows_the_project_keys_of_the_run() {
        let mut raw = run(1, false, vec![None]);
        raw.steps[0].name = "import with ei_secret_project_key_0001".to_owned();
        raw.steps[0].project_api_key =
            Some(ei_api::SecretString::new("ei_secret_project_key_0001"));
        let model = Run::new(raw);
        assert_eq!(model.steps[0].name, "import with <redacted>");
    }

    #[test]
    fn a_read_finds_the_latest_run_or_one_by_id() {
        let pipeline = |current: Option<i64>, last: Option<i64>| PipelineRuns {
            current: current.map(|id| Run::new(run(id, false, vec![]))),
            last: last.map(|id| Run::new(run(id, true, vec![]))),
        };
        let id = |run: Option<&Run>| run.map(|run| run.id.get());
        assert_eq!(id(pipeline(Some(5), Some(4)).latest()), Some(5));
        assert_eq!(id(pipeline(None, Some(4)).latest()), Some(4));
        assert_eq!(id(pipeline(None, None).latest()), None);
        assert_eq!(id(pipeline(Some(5), Some(4)).get(RunId::new(4))), Some(4));
        assert_eq!(id(pipeline(Some(6), Some(5)).get(RunId::new(4))), None);
    }
}
