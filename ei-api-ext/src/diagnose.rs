//! Why a run failed: for each failed step, its transformation job, the
//! files that failed and the last lines their jobs logged, and the upload
//! job's log when the upload is what failed. Neither the vendor's bindings
//! nor its tools connect a failed pipeline run to these logs.
//!
//! Every request goes through the client's retry engine, and everything is
//! bounded: the steps, the files listed, the logs read, the lines per log,
//! and one deadline for the whole. Log text is untrusted (it is written by
//! the transformation block's own code): it is returned exactly as the
//! server sent it, to be shown escaped and redacted.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use ei_fake_studio::{FakeStudio, PipelineSpec, StepSpec};
//! # let studio = FakeStudio::builder()
//! #     .pipeline(PipelineSpec::new(1, 1, "Breaks").step(StepSpec::new("Clean").files(10).failing_files(2)))
//! #     .start().await;
//! use std::time::Duration;
//! use ei_api_ext::diagnose::DiagnosisOptions;
//! use ei_api_ext::wait::{Outcome, WaitOptions};
//! use ei_api_ext::{Client, OrganizationId, PipelineId};
//!
//! let client = Client::builder()
//!     .api_key(ei_fake_studio::FakeStudio::DEFAULT_API_KEY)
//!     .base_url(studio.base_url())
//!     .build()?;
//! let pipeline = client.pipeline(OrganizationId::new(1), PipelineId::new(1));
//! let report = pipeline.run().follow(WaitOptions::timeout(Duration::from_secs(600))).await?;
//! if let Outcome::Failed { run, .. } = &report.outcome {
//!     let diagnosis = pipeline.diagnose(run, DiagnosisOptions::default()).await;
//!     for step in &diagnosis.steps {
//!         println!("step {} failed: {} of its files", step.name, step.failed_files);
//!         for file in &step.files {
//!             for line in file.log.iter().flat_map(|log| &log.lines) {
//!                 println!("  {}: {}", file.name, line.text);
//!             }
//!         }
//!     }
//! #   assert_eq!(diagnosis.steps[0].failed_files, 2);
//! }
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use chrono::{DateTime, Utc};
use ei_api::enums::{JobLogItemLogLevel, TransformationJobStatusEnum as JobStatus};
use ei_api::types::{
    GetOrganizationJobsLogsLogLevel, OrganizationCreateProject, OrganizationPipelineRun,
};
use tokio::time::Instant;

use crate::call::Idempotent;
use crate::error::{CallTarget, Error, Operation};
use crate::ids::RunId;
use crate::instant::after;
use crate::pipeline::PipelineHandle;

/// At most this many failed steps are explained: a run stops at its first
/// failed step; a few more cover a server that reports otherwise.
const MAX_STEPS: usize = 4;

/// Limits on what a diagnosis reads, and how long it may take.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DiagnosisOptions {
    /// Failed files listed per step (one request; the total is always given).
    pub files: u32,
    /// Failed files whose job's log is read, per step.
    pub logs: u32,
    /// Last lines read of each log.
    pub lines: u32,
    /// How long the whole diagnosis may take, from its first request.
    pub deadline: Duration,
}

impl Default for DiagnosisOptions {
    /// Ten files, three logs of their last twenty lines, within thirty
    /// seconds: enough to see why, short enough for a CI log.
    fn default() -> Self {
        Self { files: 10, logs: 3, lines: 20, deadline: Duration::from_secs(30) }
    }
}

impl DiagnosisOptions {
    /// List this many failed files per step.
    pub fn files(mut self, files: u32) -> Self {
        self.files = files;
        self
    }

    /// Read the logs of this many failed files per step.
    pub fn logs(mut self, logs: u32) -> Self {
        self.logs = logs;
        self
    }

    /// Read this many last lines of each log.
    pub fn lines(mut self, lines: u32) -> Self {
        self.lines = lines;
        self
    }

    /// Take no longer than this in all.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }
}

/// Why a run failed, as far as the server could tell in time.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Diagnosis {
    /// The run.
    pub run: RunId,
    /// Each failed step, in order.
    pub steps: Vec<StepDiagnosis>,
}

/// One failed step.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StepDiagnosis {
    /// The step's position, from 0.
    pub index: usize,
    /// The step's name.
    pub name: String,
    /// Its transformation job's id, when it has one.
    pub transformation_job: Option<i64>,
    /// How many of its files failed (all of them, not only those listed).
    pub failed_files: i64,
    /// How many files it had.
    pub total_files: i64,
    /// The first failed files, with the logs of the first few.
    pub files: Vec<FailedFile>,
    /// The upload job's log, when the upload is what failed.
    pub upload: Option<JobLog>,
    /// What could not be read, and why (the rest of the diagnosis stands).
    pub missing: Vec<String>,
}

/// A file whose transformation failed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FailedFile {
    /// The file's name, as the server sent it.
    pub name: String,
    /// Where it is in its bucket.
    pub bucket_path: String,
    /// The job that transformed it, when it got one.
    pub job: Option<i64>,
    /// That job's status.
    pub status: JobStatus,
    /// The last lines its job logged, when they were read.
    pub log: Option<JobLog>,
}

/// The last lines of a job's log.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct JobLog {
    /// The job.
    pub job: i64,
    /// Whether these are its error lines (else, it logged none at error
    /// level and these are its last lines of any level).
    pub errors_only: bool,
    /// How many lines it logged at that level (the server keeps the last 1,000).
    pub total_lines: i64,
    /// The last lines, oldest first, as the server sent them.
    pub lines: Vec<LogLine>,
}

/// One line of a job's log, as the server sent it (untrusted text).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogLine {
    /// When it was logged.
    pub created: DateTime<Utc>,
    /// Its level, when it has one.
    pub level: Option<JobLogItemLogLevel>,
    /// Its text.
    pub text: String,
}

/// The level of the lines [`PipelineHandle::job_log`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// Information, warnings and errors.
    Info,
    /// Everything.
    Debug,
}

impl LogLevel {
    fn parameter(self) -> GetOrganizationJobsLogsLogLevel {
        match self {
            LogLevel::Error => GetOrganizationJobsLogsLogLevel::Error,
            LogLevel::Warn => GetOrganizationJobsLogsLogLevel::Warn,
            LogLevel::Info => GetOrganizationJobsLogsLogLevel::Info,
            LogLevel::Debug => GetOrganizationJobsLogsLogLevel::Debug,
        }
    }
}

/// Which of a transformation job's files to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileSelection {
    /// Every file.
    All,
    /// The files that failed.
    Failed,
}

impl FileSelection {
    fn parameter(self) -> &'static str {
        match self {
            FileSelection::All => "all",
            FileSelection::Failed => "failed",
        }
    }
}

/// A page of a transformation job's files.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct JobFiles {
    /// How many files the selection holds in all.
    pub total: i64,
    /// The files of this page.
    pub files: Vec<FailedFile>,
}

/// What a step's `missing` says of what its deadline left unread.
const OUT_OF_TIME: &str = "the diagnosis ran out of time (its deadline came first)";

/// `read`'s result, or why there is none: its error, or that `deadline`
/// came first.
async fn by<T>(
    deadline: Instant,
    read: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, String> {
    match tokio::time::timeout_at(deadline, read).await {
        Ok(result) => result.map_err(|error| error.to_string()),
        Err(_) => Err(OUT_OF_TIME.to_owned()),
    }
}

impl PipelineHandle {
    /// Explains why `run` failed (see the [module documentation](self)).
    /// Never fails: what could not be read is said in each step's
    /// [`missing`](StepDiagnosis::missing).
    pub async fn diagnose(
        &self,
        run: &OrganizationPipelineRun,
        options: DiagnosisOptions,
    ) -> Diagnosis {
        let deadline = after(Instant::now(), options.deadline);
        let failed = run.steps.iter().enumerate().filter_map(|(index, step)| {
            let job = step.transformation_job.as_ref()?;
            (job.status == JobStatus::Failed).then_some((index, step.name.clone(), job))
        });
        let mut steps = Vec::new();
        for (index, name, job) in failed.take(MAX_STEPS) {
            // Each read in `explain` stops at the deadline; a step met after
            // it starts none.
            let (files, upload, missing) = if Instant::now() < deadline {
                self.explain(job, &options, deadline).await
            } else {
                (None, None, vec![OUT_OF_TIME.to_owned()])
            };
            let total_files = job.transformation_summary.total_file_count;
            let (failed_files, files) =
                files.map_or((0, Vec::new()), |page| (page.total, page.files));
            steps.push(StepDiagnosis {
                index,
                name,
                transformation_job: Some(job.id),
                failed_files,
                total_files,
                files,
                upload,
                missing,
            });
        }
        Diagnosis { run: RunId::new(run.id), steps }
    }

    /// The failed files of `job` with their logs, and the upload's log when
    /// the upload is what failed; what could not be read (or not by
    /// `deadline`), said. Each read stops at the deadline, so what was read
    /// before it stands.
    async fn explain(
        &self,
        job: &OrganizationCreateProject,
        options: &DiagnosisOptions,
        deadline: Instant,
    ) -> (Option<JobFiles>, Option<JobLog>, Vec<String>) {
        let mut missing = Vec::new();
        let files = self.job_files(job.id, FileSelection::Failed, options.files, deadline);
        let files = match by(deadline, files).await {
            Ok(mut page) => {
                for file in page.files.iter_mut().take(options.logs as usize) {
                    let Some(id) = file.job else { continue };
                    match by(deadline, self.error_log(id, options.lines, deadline)).await {
                        Ok(log) => file.log = Some(log),
                        Err(why) => missing.push(format!("the log of {}: {why}", file.name)),
                    }
                }
                Some(page)
            }
            Err(why) => {
                missing.push(format!("the failed files: {why}"));
                None
            }
        };
        // The upload failed of its own when every file was transformed.
        let upload_failed = job.upload_job_status == JobStatus::Failed
            && job.transform_job_status != JobStatus::Failed;
        let upload = match job.upload_job_id.filter(|_| upload_failed) {
            Some(id) => match by(deadline, self.error_log(id, options.lines, deadline)).await {
                Ok(log) => Some(log),
                Err(why) => {
                    missing.push(format!("the upload's log: {why}"));
                    None
                }
            },
            None => None,
        };
        (files, upload, missing)
    }

    /// The last `lines` error lines of job `job`'s log or, when it logged
    /// none at error level, its last lines of any level.
    async fn error_log(&self, job: i64, lines: u32, deadline: Instant) -> Result<JobLog, Error> {
        let errors = self.job_log(job, Some(LogLevel::Error), lines, Some(deadline)).await?;
        if !errors.lines.is_empty() {
            return Ok(errors);
        }
        let mut any = self.job_log(job, None, lines, Some(deadline)).await?;
        any.errors_only = false;
        Ok(any)
    }

    /// A page of the files of transformation job `job` (`offset` 0, at most
    /// `limit` of them), with the total the selection holds
    /// (`getOrganizationCreateProjectStatus`).
    pub async fn job_files(
        &self,
        job: i64,
        selection: FileSelection,
        limit: u32,
        deadline: Instant,
    ) -> Result<JobFiles, Error> {
        let organization = self.organization().get();
        let request = move |raw: ei_api::Client| async move {
            raw.get_organization_create_project_status()
                .organization_id(organization)
                .create_project_id(job)
                .selection(selection.parameter())
                .transform_limit(i64::from(limit))
                .transform_offset(0)
                .send()
                .await
        };
        let target = self.diagnosis_target(Operation::TransformationJobStatus);
        let answer = self.client().call(target, Some(deadline), request, &mut Idempotent).await?;
        let status = answer.value.status;
        let (total, files) =
            status.map_or((0, Vec::new()), |status| (status.file_count_for_filter, status.files));
        // A server may list more than asked: keep what was asked for.
        let files = files
            .into_iter()
            .take(limit as usize)
            .map(|file| FailedFile {
                name: file.file_name,
                bucket_path: file.bucket_path,
                job: file.transformation_job_id,
                status: file.transformation_job_status,
                log: None,
            })
            .collect();
        Ok(JobFiles { total, files })
    }

    /// The last `lines` lines of job `job`'s log, at `level` and above
    /// (every level when `None`) (`getOrganizationJobsLogs`).
    pub async fn job_log(
        &self,
        job: i64,
        level: Option<LogLevel>,
        lines: u32,
        deadline: Option<Instant>,
    ) -> Result<JobLog, Error> {
        let organization = self.organization().get();
        let request = move |raw: ei_api::Client| async move {
            let request = raw
                .get_organization_jobs_logs()
                .organization_id(organization)
                .job_id(job)
                .limit(i64::from(lines));
            match level {
                Some(level) => request.log_level(level.parameter()).send().await,
                None => request.send().await,
            }
        };
        let target = self.diagnosis_target(Operation::JobLogs);
        let answer = self.client().call(target, deadline, request, &mut Idempotent).await?;
        let mut log = answer.value.stdout;
        // Oldest first, as a person reads a log (the API does not say its order).
        log.sort_by_key(|line| line.created);
        let lines = log
            .into_iter()
            .rev()
            .take(lines as usize)
            .rev()
            .map(|line| LogLine { created: line.created, level: line.log_level, text: line.data })
            .collect();
        Ok(JobLog {
            job,
            errors_only: level == Some(LogLevel::Error),
            total_lines: answer.value.total_count,
            lines,
        })
    }

    fn diagnosis_target(&self, operation: Operation) -> CallTarget {
        CallTarget { operation, organization: self.organization(), pipeline: Some(self.pipeline()) }
    }
}
