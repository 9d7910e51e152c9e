//! The vendor's typed models (`ei_api::types`), built from a pipeline's
//! configuration and its runs at one instant.

use crate::built::built;
use crate::clock::Clock;
use crate::config::{PipelineSpec, StepSpec};
use crate::files::FilesPage;
use crate::jobs::{self, RunJobs, StepJobs};
use crate::lifecycle::{Phase, Progress, Run};
use ei_api::enums::{
    OrganizationCreateProjectCategory, OrganizationCreateProjectUploadType,
    OrganizationPipelineRunStepCategory, OrganizationPipelineRunStepUploadType,
    OrganizationPipelineStepCategory, OrganizationPipelineStepUploadType,
    OrganizationPipelineWhenToEmail, OrganizationUpdatePipelineBodyWhenToEmail,
    TransformationJobOperatesOnEnum, TransformationJobStatusEnum,
};
use ei_api::types::{
    OrganizationCreateProject, OrganizationCreateProjectTransformationSummary,
    OrganizationCreateProjectWithFiles, OrganizationPipeline, OrganizationPipelineRun,
    OrganizationPipelineRunStep, OrganizationPipelineStep, OrganizationUpdatePipelineBody,
};
use ei_api::SecretString;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

/// The size the fake gives each file a job downloads (for
/// `totalDownloadFileSize`): about one short sensor recording.
const BYTES_PER_FILE: u64 = 48 * 1024;

/// The `transformationParallel` every job reports: a plausible value; the
/// fake's timing does not depend on it.
const TRANSFORMATION_PARALLEL: i64 = 4;

/// The description every pipeline configured in code has.
const PIPELINE_DESCRIPTION: &str = "A pipeline of ei-fake-studio";

/// A run and its jobs' ids.
pub(crate) type RunWithJobs<'a> = (&'a Run, &'a RunJobs);

/// A run with the pipeline's configuration as it was when the run started
/// (a run goes on with the definition it started with).
pub(crate) type RunOf<'a> = (&'a PipelineSpec, RunWithJobs<'a>);

/// The runs of a pipeline that its answers show.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Runs<'a> {
    /// The run in progress (`currentRun`).
    pub(crate) current: Option<RunOf<'a>>,
    /// The most recent run that is over (`lastRun`).
    pub(crate) last: Option<RunOf<'a>>,
}

/// A pipeline as `getOrganizationPipeline` and `listOrganizationPipelines` show it.
///
/// Its definition (name, description, schedule, steps, notifications) is
/// the one held, `definition`; its runs are shown as the configuration they
/// started with runs them.
pub(crate) fn pipeline(
    clock: &Clock,
    pipeline_id: i64,
    definition: &OrganizationUpdatePipelineBody,
    runs: Runs<'_>,
    start_error: Option<&str>,
    now: Instant,
) -> OrganizationPipeline {
    built(
        OrganizationPipeline::builder()
            .created(clock.epoch())
            .current_run(runs.current.map(|(spec, current)| run(clock, spec, current, now)))
            .description(definition.description.clone())
            .email_recipient_uids(definition.email_recipient_uids.clone())
            .id(pipeline_id)
            .interval_str(definition.interval_str.clone())
            .last_run(runs.last.map(|(spec, last)| run(clock, spec, last, now)))
            .last_run_start_error(start_error.map(str::to_owned))
            .name(definition.name.clone())
            .notification_webhook(definition.notification_webhook.clone())
            .steps(definition.steps.clone())
            .when_to_email(OrganizationPipelineWhenToEmail::from(
                definition.when_to_email.as_str(),
            )),
    )
}

/// The definition a pipeline configured in code starts with: its name and
/// steps, the fake's description, no schedule, no one emailed.
pub(crate) fn definition(spec: &PipelineSpec) -> OrganizationUpdatePipelineBody {
    built(
        OrganizationUpdatePipelineBody::builder()
            .description(PIPELINE_DESCRIPTION)
            .email_recipient_uids(Vec::<i64>::new())
            .name(spec.name.clone())
            .steps(spec.steps.iter().map(pipeline_step).collect::<Vec<_>>())
            .when_to_email(OrganizationUpdatePipelineBodyWhenToEmail::Never),
    )
}

/// A run as the run call and the pipeline's `currentRun`/`lastRun` show it.
pub(crate) fn run(
    clock: &Clock,
    spec: &PipelineSpec,
    (run, jobs): RunWithJobs<'_>,
    now: Instant,
) -> OrganizationPipelineRun {
    let steps = spec.steps.iter().enumerate();
    built(
        OrganizationPipelineRun::builder()
            .created(clock.date(run.started))
            .finished(run.is_over(now).then(|| clock.date(run.end())))
            .id(run.id)
            .steps(
                steps
                    .map(|(index, step)| run_step(clock, spec, (run, jobs), index, step, now))
                    .collect::<Vec<_>>(),
            ),
    )
}

fn pipeline_step(step: &StepSpec) -> OrganizationPipelineStep {
    let (api_key, hmac_key) = project_keys(step);
    built(
        OrganizationPipelineStep::builder()
            .category(OrganizationPipelineStepCategory::Training)
            .name(step.name.clone())
            .project_api_key(api_key)
            .project_hmac_key(hmac_key)
            .project_id(step.project_id)
            .transformation_parallel(TRANSFORMATION_PARALLEL)
            .upload_type(OrganizationPipelineStepUploadType::from(upload_type(step))),
    )
}

fn run_step(
    clock: &Clock,
    spec: &PipelineSpec,
    (run, jobs): RunWithJobs<'_>,
    index: usize,
    step: &StepSpec,
    now: Instant,
) -> OrganizationPipelineRunStep {
    let (api_key, hmac_key) = project_keys(step);
    built(
        OrganizationPipelineRunStep::builder()
            .category(OrganizationPipelineRunStepCategory::Training)
            .name(step.name.clone())
            .project_api_key(api_key)
            .project_hmac_key(hmac_key)
            .project_id(step.project_id)
            .transformation_job(job(clock, spec, run, jobs.steps[index], index, step, now))
            .upload_type(OrganizationPipelineRunStepUploadType::from(upload_type(step))),
    )
}

/// The transformation job of the step at `index` of `run`, whose other
/// jobs' ids are `ids`.
fn job(
    clock: &Clock,
    spec: &PipelineSpec,
    run: &Run,
    ids: StepJobs,
    index: usize,
    step: &StepSpec,
    now: Instant,
) -> OrganizationCreateProject {
    let state = run.step_state(index, step, now, spec.progress_counts, spec.progress_shape);
    let status = match state.phase {
        Phase::Waiting => TransformationJobStatusEnum::Waiting,
        Phase::Started => TransformationJobStatusEnum::Started,
        Phase::Finished => TransformationJobStatusEnum::Finished,
        Phase::Failed => TransformationJobStatusEnum::Failed,
    };
    // A failed upload fails the step after every file was transformed.
    let transform_status = if jobs::upload_fails_of_its_own(step, &state) {
        TransformationJobStatusEnum::Finished
    } else {
        status.clone()
    };
    let Progress { time_spent, started, finished, succeeded, total } = state.progress;
    let step_number = i64::try_from(index).expect("fewer than 2^63 steps");
    let download_bytes = u64::from(total) * BYTES_PER_FILE;
    let summary = OrganizationCreateProjectTransformationSummary::builder()
        .finished_count(finished)
        .started_count(started)
        .succeeded_count(succeeded)
        .total_file_count(total)
        .total_time_spent_seconds(seconds(time_spent));
    built(
        OrganizationCreateProject::builder()
            .category(OrganizationCreateProjectCategory::Training)
            .created(clock.date(run.started))
            .id(run.first_job_id + step_number)
            .in_progress(state.phase == Phase::Started)
            .name(format!("{}: {}", spec.name, step.name))
            .operates_on(TransformationJobOperatesOnEnum::File)
            .organization_id(spec.organization_id)
            .pipeline_id(spec.pipeline_id)
            .pipeline_name(spec.name.clone())
            .pipeline_run_id(run.id)
            .pipeline_step(step_number)
            .project_id(step.project_id)
            .status(status.clone())
            .total_download_file_count(total)
            .total_download_file_size(download_bytes)
            .total_download_file_size_string(size_string(download_bytes))
            .total_time_spent_seconds(seconds(time_spent))
            .total_time_spent_string(duration_string(time_spent))
            .total_upload_file_count(succeeded)
            .transform_job_status(transform_status)
            .transformation_parallel(TRANSFORMATION_PARALLEL)
            .transformation_summary(summary)
            .upload_job_files_uploaded(i64::from(succeeded))
            .upload_job_id((state.phase != Phase::Waiting).then(|| ids.upload()))
            .upload_job_status(status)
            .upload_type(OrganizationCreateProjectUploadType::from(upload_type(step))),
    )
}

/// The transformation job of the step at `index` of `run` with a page of its
/// files, as `getOrganizationCreateProjectStatus` shows it: the job as
/// [`job`] builds it, with the page's properties added. The two schemas
/// share their other properties (a transformation summary has the same
/// shape in both), so the job goes over as JSON: a property the vendor adds
/// to both is carried over without an edit here.
pub(crate) fn job_with_files(
    clock: &Clock,
    spec: &PipelineSpec,
    (run, jobs): RunWithJobs<'_>,
    index: usize,
    now: Instant,
    page: FilesPage,
) -> OrganizationCreateProjectWithFiles {
    let step = &spec.steps[index];
    let job = job(clock, spec, run, jobs.steps[index], index, step, now);
    let (Ok(Value::Object(mut with_files)), Ok(files)) =
        (serde_json::to_value(job), serde_json::to_value(page.files))
    else {
        unreachable!("a model serializes to JSON, an object if it has properties")
    };
    with_files.insert("files".to_owned(), files);
    with_files.insert("fileCountForFilter".to_owned(), page.count_for_filter.into());
    serde_json::from_value(Value::Object(with_files)).unwrap_or_else(|error| {
        panic!("the fake built an incomplete OrganizationCreateProjectWithFiles: {error}")
    })
}

/// Where a step's output goes: into its project if it has one, else into a
/// dataset (the same value in the three enums that carry it).
fn upload_type(step: &StepSpec) -> &'static str {
    match step.project_id {
        Some(_) => "project",
        None => "dataset",
    }
}

fn project_keys(step: &StepSpec) -> (Option<SecretString>, Option<SecretString>) {
    match &step.project_keys {
        Some(keys) => (
            Some(SecretString::new(keys.api_key.clone())),
            Some(SecretString::new(keys.hmac_key.clone())),
        ),
        None => (None, None),
    }
}

fn seconds(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).expect("under 2^63 seconds")
}

/// A byte count as a person reads it (`"1.5 MB"`), in binary units.
fn size_string(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    const KIB: u64 = 1024;
    if bytes < KIB {
        return format!("{bytes} bytes");
    }
    let mut size = bytes as f64 / KIB as f64;
    let mut unit = 0;
    while size >= KIB as f64 && unit + 1 < UNITS.len() {
        size /= KIB as f64;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

/// A duration as a person reads it (`"1h 2m 3s"`).
fn duration_string(duration: Duration) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    let total = duration.as_secs();
    let (hours, minutes, secs) = (total / HOUR, total % HOUR / MINUTE, total % MINUTE);
    match (hours, minutes) {
        (0, 0) => format!("{secs}s"),
        (0, _) => format!("{minutes}m {secs}s"),
        _ => format!("{hours}h {minutes}m {secs}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn friendly_strings() {
        assert_eq!(size_string(500), "500 bytes");
        assert_eq!(size_string(120 * BYTES_PER_FILE), "5.6 MB");
        assert_eq!(duration_string(Duration::from_secs(42)), "42s");
        assert_eq!(duration_string(Duration::from_secs(3_723)), "1h 2m 3s");
    }
}
