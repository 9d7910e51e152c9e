//! A step's files and their jobs' logs, read by one routine for two uses:
//! why a run failed ([`PipelineHandle::diagnose`](crate::PipelineHandle::diagnose):
//! each failed step's failed files and the last error lines of their jobs'
//! logs, or the upload's when the upload is what failed), and a step's logs
//! on demand ([`PipelineHandle::step_logs`](crate::PipelineHandle::step_logs)).
//! Neither the vendor's bindings nor its tools connect a pipeline run to
//! these logs.
//!
//! Every request goes through the client's one retry loop with the
//! reading's deadline, and everything is bounded: the steps, the files
//! listed, the logs read, the lines per log, and the deadline. What could
//! not be read, or not in time, is said in [`StepLogs::missing`]; what was
//! read by then stands. Log lines come oldest first (by `created`, whatever
//! order the server sends them in), their text exactly as the server sent it
//! (it is written by the transformation block's own code): show it escaped
//! and redacted.
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
//! if report.outcome == Outcome::Failed {
//!     let diagnosis = pipeline.diagnose(&report.run, DiagnosisOptions::default()).await;
//!     for step in &diagnosis.steps {
//!         let failed = step.step.files.map_or(0, |files| files.failed);
//!         println!("step {} \"{}\": {failed} files failed", step.step.number, step.step.name);
//!         for file in &step.files {
//!             for line in file.log.iter().flat_map(|log| &log.lines) {
//!                 println!("  {}: {}", file.name, line.text);
//!             }
//!         }
//!     }
//! #   assert_eq!(diagnosis.steps[0].step.files.map(|files| files.failed), Some(2));
//! }
//! # Ok(())
//! # }
//! ```

use std::time::Duration;

use chrono::{DateTime, Utc};
use ei_api::types::GetOrganizationJobsLogsLogLevel;
use serde::Serialize;
use tokio::time::Instant;

use crate::error::Error;
use crate::ids::RunId;
use crate::instant::add_capped;
use crate::operations::{self, PipelineCalls};
use crate::run::{Run, Step};

/// At most this many failed steps are explained: a run stops at its first
/// failed step; a few more cover a server that reports otherwise.
const MAX_STEPS: usize = 4;

/// What [`PipelineHandle::diagnose`](crate::PipelineHandle::diagnose)
/// reads, and how long it may take.
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

/// What [`PipelineHandle::step_logs`](crate::PipelineHandle::step_logs)
/// reads of a step: its failed files (or, when none failed, its first
/// files), each one's job log, and its upload's log.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LogOptions {
    /// Files listed, each with its job's log.
    pub files: u32,
    /// Last lines read of each log (the server keeps the last 1,000).
    pub lines: u32,
    /// Only lines at this level and above; every line when `None`.
    pub level: Option<LogLevel>,
}

impl Default for LogOptions {
    /// Five files, the last fifty lines of each log, every level.
    fn default() -> Self {
        Self { files: 5, lines: 50, level: None }
    }
}

impl LogOptions {
    /// List this many files, each with its log.
    pub fn files(mut self, files: u32) -> Self {
        self.files = files;
        self
    }

    /// Read this many last lines of each log.
    pub fn lines(mut self, lines: u32) -> Self {
        self.lines = lines;
        self
    }

    /// Read only lines at `level` and above.
    pub fn level(mut self, level: LogLevel) -> Self {
        self.level = Some(level);
        self
    }
}

/// A log level, lowest last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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

/// Which of a step's files were listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FileSelection {
    /// The files that failed.
    Failed,
    /// Every file (none failed).
    All,
}

/// Which lines of each log a reading takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lines {
    /// Lines at this level and above; every line when `None`.
    AtLeast(Option<LogLevel>),
    /// The error lines or, when a log has none, its last lines of any level.
    ErrorsElseAny,
}

/// What one reading of a step takes: the one routine's knobs.
#[derive(Clone, Copy, Debug)]
struct Reading {
    files: u32,
    logs: u32,
    lines: u32,
    which: Lines,
    /// Whether every file is listed when none failed (else none are).
    every_file_when_none_failed: bool,
    /// Whether the upload's log is read only when the upload failed.
    upload_only_when_it_failed: bool,
}

/// Why a run failed, as far as the server could tell in time.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Diagnosis {
    /// The run.
    pub run_id: RunId,
    /// Each failed step, in order.
    pub steps: Vec<StepLogs>,
}

/// One step's files and logs, as read.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StepLogs {
    /// The step, as the run showed it (its state and file counts).
    pub step: Step,
    /// Which files were listed.
    pub selection: FileSelection,
    /// How many files the selection holds in all (not only those listed).
    pub selected_files: i64,
    /// The first files of the selection, with the logs that were read.
    pub files: Vec<FileLog>,
    /// The upload job's log, when it was read.
    pub upload: Option<JobLog>,
    /// What could not be read, and why (the rest stands).
    pub missing: Vec<String>,
}

/// One of a step's files, with its job's log when it was read.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FileLog {
    /// The file's name, as the server sent it.
    pub name: String,
    /// Where it is in its bucket.
    pub bucket_path: String,
    /// The job that transformed it, when it got one.
    pub job_id: Option<i64>,
    /// That job's status, as the server spelled it.
    pub status: String,
    /// The last lines its job logged, when they were read.
    pub log: Option<JobLog>,
}

/// The last lines of a job's log.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobLog {
    /// The job.
    pub job_id: i64,
    /// The lowest level of the lines read; `None` when every level was.
    pub level: Option<LogLevel>,
    /// How many lines it logged at that level (the server keeps the last 1,000).
    pub total_lines: i64,
    /// The last lines, oldest first, as the server sent them.
    pub lines: Vec<LogLine>,
}

/// One line of a job's log, as the server sent it (untrusted text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LogLine {
    /// When it was logged.
    pub created: DateTime<Utc>,
    /// Its level, as the server spelled it, when it has one.
    pub level: Option<String>,
    /// Its text.
    pub text: String,
}

/// What a step's `missing` says of what the deadline left unread.
const OUT_OF_TIME: &str = "ran out of time (the deadline came first)";

/// Why a run failed: each failed step of `run` read as a diagnosis reads it
/// (see [`PipelineHandle::diagnose`](crate::PipelineHandle::diagnose)).
pub(crate) async fn diagnose(
    calls: &PipelineCalls,
    run: &Run,
    options: &DiagnosisOptions,
) -> Diagnosis {
    let deadline = add_capped(Instant::now(), options.deadline);
    let reading = Reading {
        files: options.files,
        logs: options.logs,
        lines: options.lines,
        which: Lines::ErrorsElseAny,
        every_file_when_none_failed: false,
        upload_only_when_it_failed: true,
    };
    let mut steps = Vec::new();
    for step in run.failed_steps().take(MAX_STEPS) {
        steps.push(read_step(calls, step, reading, deadline).await);
    }
    Diagnosis { run_id: run.id, steps }
}

/// `step`'s files and logs as `options` asks, by `deadline` (see
/// [`PipelineHandle::step_logs`](crate::PipelineHandle::step_logs)).
pub(crate) async fn step_logs(
    calls: &PipelineCalls,
    step: &Step,
    options: &LogOptions,
    deadline: Instant,
) -> StepLogs {
    let reading = Reading {
        files: options.files,
        logs: options.files,
        lines: options.lines,
        which: Lines::AtLeast(options.level),
        every_file_when_none_failed: true,
        upload_only_when_it_failed: false,
    };
    read_step(calls, step, reading, deadline).await
}

/// The one routine: `step`'s failed files (or every file, when none failed
/// and `reading` asks), the logs of the first of them, and its upload's log;
/// what could not be read by `deadline`, said.
async fn read_step(
    calls: &PipelineCalls,
    step: &Step,
    reading: Reading,
    deadline: Instant,
) -> StepLogs {
    let mut logs = StepLogs {
        step: step.clone(),
        selection: FileSelection::Failed,
        selected_files: 0,
        files: Vec::new(),
        upload: None,
        missing: Vec::new(),
    };
    let Some(job) = step.transformation_job else { return logs };
    let mut page =
        list_files(calls, job, FileSelection::Failed, reading, deadline, &mut logs).await;
    let none_failed = page.as_ref().is_some_and(|page| page.total == 0);
    if none_failed && reading.every_file_when_none_failed && !step.upload_failed {
        logs.selection = FileSelection::All;
        page = list_files(calls, job, FileSelection::All, reading, deadline, &mut logs).await;
    }
    let page = page.unwrap_or_default();
    logs.selected_files = page.total;
    for (index, file) in page.files.into_iter().enumerate() {
        let mut shown = FileLog {
            name: file.file_name,
            bucket_path: file.bucket_path,
            job_id: file.transformation_job_id,
            status: file.transformation_job_status.as_str().to_owned(),
            log: None,
        };
        if let Some(id) = shown.job_id.filter(|_| index < reading.logs as usize) {
            match read_log(calls, id, reading, deadline).await {
                Ok(log) => shown.log = Some(log),
                Err(why) => logs.missing.push(format!("the log of {}: {why}", shown.name)),
            }
        }
        logs.files.push(shown);
    }
    let upload =
        step.upload_job.filter(|_| step.upload_failed || !reading.upload_only_when_it_failed);
    if let Some(id) = upload {
        match read_log(calls, id, reading, deadline).await {
            Ok(log) => logs.upload = Some(log),
            Err(why) => logs.missing.push(format!("the upload's log: {why}")),
        }
    }
    logs
}

/// The first files of `job` in `selection`, or `None`, with why, noted in
/// `logs`.
async fn list_files(
    calls: &PipelineCalls,
    job: i64,
    selection: FileSelection,
    reading: Reading,
    deadline: Instant,
    logs: &mut StepLogs,
) -> Option<operations::FilesPage> {
    let wanted = match selection {
        FileSelection::Failed => operations::FileSelection::Failed,
        FileSelection::All => operations::FileSelection::All,
    };
    match calls.job_files(job, wanted, reading.files, deadline).await {
        Ok(page) => Some(page),
        Err(error) => {
            logs.missing.push(format!("the list of files: {}", why(&error)));
            None
        }
    }
}

/// The log of job `job`, as `reading` asks.
async fn read_log(
    calls: &PipelineCalls,
    job: i64,
    reading: Reading,
    deadline: Instant,
) -> Result<JobLog, String> {
    let level = match reading.which {
        Lines::AtLeast(level) => level,
        Lines::ErrorsElseAny => Some(LogLevel::Error),
    };
    let log = job_log(calls, job, level, reading.lines, deadline).await.map_err(|e| why(&e))?;
    if reading.which == Lines::ErrorsElseAny && log.lines.is_empty() {
        return job_log(calls, job, None, reading.lines, deadline).await.map_err(|e| why(&e));
    }
    Ok(log)
}

/// The last `lines` lines of job `job`'s log at `level` and above, oldest first.
async fn job_log(
    calls: &PipelineCalls,
    job: i64,
    level: Option<LogLevel>,
    lines: u32,
    deadline: Instant,
) -> Result<JobLog, Error> {
    let answer = calls.job_log(job, level.map(LogLevel::parameter), lines, deadline).await?;
    let mut log = answer.stdout;
    // Oldest first, as a person reads a log, whatever order the server sent.
    log.sort_by_key(|line| line.created);
    let kept = log.len().saturating_sub(lines as usize);
    let lines = log
        .into_iter()
        .skip(kept)
        .map(|line| LogLine {
            created: line.created,
            level: line.log_level.map(|level| level.as_str().to_owned()),
            text: line.data,
        })
        .collect();
    Ok(JobLog { job_id: job, level, total_lines: answer.total_count, lines })
}

/// Why a read gave nothing, in words.
fn why(error: &Error) -> String {
    match error.kind() {
        crate::ErrorKind::DeadlinePassed => OUT_OF_TIME.to_owned(),
        _ => error.to_string(),
    }
}

impl StepLogs {
    /// Whether everything asked for was read.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}
