//! `logs`: the logs of a run's steps, on demand: for each step, the jobs of
//! its failed files (or, when none failed, of its first files) and of its
//! upload.

use std::time::Duration;

use ei_api_ext::diagnose::{FileSelection, JobFiles, JobLog, LogLevel};
use ei_api_ext::models::{OrganizationPipelineRun, OrganizationPipelineRunStep};
use ei_api_ext::redact::Redactor;
use ei_api_ext::{PipelineHandle, PipelineId};
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::args::{GlobalArgs, LevelArg, LogsArgs};
use crate::commands::Connection;
use crate::describe;
use crate::exit::{Action, Exit, Failure};
use crate::explain::{file_document, log_document, log_lines};
use crate::output::Output;

/// The longest `--timeout` honoured: a day is far past any need, and keeps
/// the deadline's arithmetic clear of overflow.
const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// One step's files and upload, with their logs.
struct StepLogs<'a> {
    index: usize,
    step: &'a OrganizationPipelineRunStep,
    /// Which files were listed: the failed ones, or all of them.
    selection: FileSelection,
    files: JobFiles,
    upload: Option<JobLog>,
    /// What could not be read, and why.
    missing: Vec<String>,
}

/// Prints the logs of `--run` (or the current run, or else the last) of the
/// pipeline: every step's, or `--step`'s. Exits 4 when a list or a log could
/// not be read (what was read is printed all the same).
pub async fn logs(global: &GlobalArgs, args: &LogsArgs, output: &Output) -> Result<Exit, Failure> {
    let connection = Connection::from_args(global)?;
    let handle =
        connection.client.pipeline(connection.organization, PipelineId::new(args.pipeline));
    let action = Action::Logs { pipeline: args.pipeline, run: args.run };
    let failed = |error| Failure::during(action, error);
    let pipeline = handle.get().await.map_err(failed)?;
    let runs = [pipeline.current_run, pipeline.last_run];
    let run = match args.run {
        Some(id) => runs.into_iter().flatten().find(|run| run.id == id),
        None => runs.into_iter().flatten().next(),
    };
    let Some(run) = run else {
        let which = args.run.map_or("has no run".to_owned(), |id| {
            format!("shows no run {id}: neither its current run nor its last")
        });
        return Err(Failure::new(Exit::Refused, format!("pipeline {} {which}", args.pipeline)));
    };
    if let Some(step) = args.step.filter(|step| *step == 0 || *step > run.steps.len()) {
        return Err(Failure::usage(format!(
            "--step {step}: run {} has {}",
            run.id,
            describe::count(run.steps.len(), "step")
        )));
    }
    let deadline = Instant::now() + args.timeout.min(MAX_TIMEOUT);
    let mut steps = Vec::new();
    for (index, step) in run.steps.iter().enumerate() {
        if args.step.is_some_and(|chosen| chosen != index + 1) {
            continue;
        }
        if let Some(logs) = step_logs(&handle, index, step, args, deadline).await {
            steps.push(logs);
        }
    }
    let output = output.with_project_keys(&run);
    if args.json {
        let steps: Vec<Value> = steps.iter().map(step_document).collect();
        output.print_json(&json!({ "runId": run.id, "steps": steps }));
    } else {
        for line in steps.iter().flat_map(|logs| step_lines(logs, &run, args, output.redactor())) {
            output.line(&line);
        }
    }
    // What was read is shown either way; a script learns from the code
    // that something could not be.
    if steps.iter().any(|logs| !logs.missing.is_empty()) {
        return Ok(Exit::Unavailable);
    }
    Ok(Exit::Success)
}

/// The logs of step `index`, if it has a transformation job yet: at most
/// `--files` files (whatever the server lists), each read stopped at
/// `deadline` (what was read by then stands; what was not, or failed, is
/// said missing).
async fn step_logs<'a>(
    handle: &PipelineHandle,
    index: usize,
    step: &'a OrganizationPipelineRunStep,
    args: &LogsArgs,
    deadline: Instant,
) -> Option<StepLogs<'a>> {
    let job = step.transformation_job.as_ref()?;
    let level = args.level.map(LogLevel::from);
    let list = |selection| by(deadline, handle.job_files(job.id, selection, args.files, deadline));
    let mut missing = Vec::new();
    let mut selection = FileSelection::Failed;
    let mut files = list(selection).await.unwrap_or_else(|why| why.noted(&mut missing));
    if files.total == 0 && missing.is_empty() {
        selection = FileSelection::All;
        files = list(selection).await.unwrap_or_else(|why| why.noted(&mut missing));
    }
    for file in &mut files.files {
        let Some(id) = file.job else { continue };
        match by(deadline, handle.job_log(id, level, args.limit, Some(deadline))).await {
            Ok(log) => file.log = Some(log),
            Err(why) => missing.push(format!("the log of {}: {}", file.name, why.words())),
        }
    }
    let upload = match job.upload_job_id {
        Some(id) => match by(deadline, handle.job_log(id, level, args.limit, Some(deadline))).await
        {
            Ok(log) => Some(log),
            Err(why) => {
                missing.push(format!("the upload's log: {}", why.words()));
                None
            }
        },
        None => None,
    };
    Some(StepLogs { index, step, selection, files, upload, missing })
}

/// Why a read gave nothing.
enum Missing {
    /// It failed.
    Failed(ei_api_ext::Error),
    /// The deadline came first.
    OutOfTime,
}

impl Missing {
    fn words(&self) -> String {
        match self {
            Missing::Failed(error) => error.to_string(),
            Missing::OutOfTime => "not read before --timeout".to_owned(),
        }
    }

    /// No files, and a note in `missing` of why.
    fn noted(self, missing: &mut Vec<String>) -> JobFiles {
        missing.push(format!("the list of files: {}", self.words()));
        JobFiles::default()
    }
}

/// `read`'s result, stopped at `deadline`.
async fn by<T>(
    deadline: Instant,
    read: impl std::future::Future<Output = Result<T, ei_api_ext::Error>>,
) -> Result<T, Missing> {
    match tokio::time::timeout_at(deadline, read).await {
        Ok(result) => result.map_err(Missing::Failed),
        Err(_) => Err(Missing::OutOfTime),
    }
}

fn step_lines(
    logs: &StepLogs<'_>,
    run: &OrganizationPipelineRun,
    args: &LogsArgs,
    redactor: &Redactor,
) -> Vec<String> {
    let pipeline = args.pipeline;
    let status = describe::step_status(logs.step);
    let files = match logs.selection {
        FileSelection::Failed => {
            format!("{} failed", describe::count(logs.files.total, "file"))
        }
        _ => format!("{} (none failed)", describe::count(logs.files.total, "file")),
    };
    let mut lines = vec![format!(
        "run {} of pipeline {pipeline}, step {} \"{}\" ({status}): {files}",
        run.id,
        logs.index + 1,
        describe::name(&logs.step.name)
    )];
    for file in &logs.files.files {
        let job = file.job.map(|job| format!(" (job {job})")).unwrap_or_default();
        lines.push(format!("  {}{job}:", describe::name(&file.name)));
        lines.extend(file.log.iter().flat_map(|log| indented(log, args.level, redactor)));
    }
    if let Some(upload) = &logs.upload {
        lines.push(format!("  upload (job {}):", upload.job));
        lines.extend(indented(upload, args.level, redactor));
    }
    for missing in &logs.missing {
        lines.push(format!("  not read: {}", describe::message(missing)));
    }
    lines
}

/// A log's lines, indented and masked; a note first when it kept fewer
/// than it had, or instead when `--level` left none.
fn indented(log: &JobLog, level: Option<LevelArg>, redactor: &Redactor) -> Vec<String> {
    if let Some(level) = level.filter(|_| log.lines.is_empty()) {
        return vec![format!("    (no lines at {} level or above)", level.name())];
    }
    let mut lines = log_lines(log, redactor);
    if !log.lines.is_empty() && (log.lines.len() as i64) < log.total_lines {
        lines.insert(0, format!("    (the last {} of {} lines)", log.lines.len(), log.total_lines));
    }
    lines
}

fn step_document(logs: &StepLogs<'_>) -> Value {
    let selection = match logs.selection {
        FileSelection::Failed => "failed",
        _ => "all",
    };
    json!({
        "index": logs.index,
        "name": logs.step.name,
        "status": logs.step.transformation_job.as_ref().map(|job| job.status.as_str()),
        "transformationJobId": logs.step.transformation_job.as_ref().map(|job| job.id),
        "selection": selection,
        "totalFiles": logs.files.total,
        "files": logs.files.files.iter().map(file_document).collect::<Vec<_>>(),
        "upload": logs.upload.as_ref().map(log_document),
        "missing": logs.missing,
    })
}
