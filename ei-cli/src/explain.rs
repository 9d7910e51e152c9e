//! What a failed run's diagnosis and a run's logs print: compact lines for
//! a person (each server text escaped and cut, like every other), or JSON
//! (the texts whole; secrets are masked where it is printed).

use ei_api_ext::diagnose::{Diagnosis, FailedFile, JobLog, LogLine, StepDiagnosis};
use ei_api_ext::redact::Redactor;
use ei_api_ext::untrusted::for_display;
use serde_json::{json, Value};

use crate::describe;

/// How much of one log line is shown: enough for a traceback's line, not
/// enough for one line to flood a CI log.
const LOG_LINE_SHOWN_CHARS: usize = 200;

/// The command that shows all of a step's logs.
fn logs_command(pipeline: i64, run: i64, step: usize) -> String {
    format!("ei-pipeline logs {pipeline} --run {run} --step {}", step + 1)
}

/// The lines a diagnosis prints after a failed outcome; `redactor` masks
/// each log line before it is cut.
pub fn diagnosis_lines(diagnosis: &Diagnosis, pipeline: i64, redactor: &Redactor) -> Vec<String> {
    let mut lines = Vec::new();
    for step in &diagnosis.steps {
        lines.extend(step_lines(step, pipeline, diagnosis.run.get(), redactor));
    }
    lines
}

fn step_lines(step: &StepDiagnosis, pipeline: i64, run: i64, redactor: &Redactor) -> Vec<String> {
    let name = describe::name(&step.name);
    let files = match step.failed_files {
        0 => "no file failed".to_owned(),
        failed => {
            format!("{failed} of {} failed", describe::count(step.total_files, "file"))
        }
    };
    let mut lines = vec![format!("why step {} \"{name}\" failed: {files}", step.index + 1)];
    for file in &step.files {
        lines.extend(file_lines(file, redactor));
    }
    let unlisted = step.failed_files.saturating_sub(step.files.len() as i64);
    if unlisted > 0 {
        let files = if unlisted == 1 { "file" } else { "files" };
        lines.push(format!(
            "  and {unlisted} more failed {files}; their logs: {}",
            logs_command(pipeline, run, step.index)
        ));
    }
    if let Some(upload) = &step.upload {
        lines.push(format!("  the upload failed; {}:", log_words(upload)));
        lines.extend(log_lines(upload, redactor));
    }
    for missing in &step.missing {
        lines.push(format!("  not read: {}", describe::message(missing)));
    }
    lines
}

fn file_lines(file: &FailedFile, redactor: &Redactor) -> Vec<String> {
    let name = describe::name(&file.name);
    let Some(log) = &file.log else { return vec![format!("  {name}")] };
    let mut lines = vec![format!("  {name} (job {}), {}:", log.job, log_words(log))];
    lines.extend(log_lines(log, redactor));
    lines
}

/// What the lines shown of `log` are.
fn log_words(log: &JobLog) -> String {
    let which = if log.errors_only { "error lines" } else { "lines (none at error level)" };
    format!("its last {which}")
}

/// One line per log line, indented, with its level; its text masked by
/// `redactor`, then escaped and cut (masking first, so that no cut leaves
/// part of a secret unmasked).
pub fn log_lines(log: &JobLog, redactor: &Redactor) -> Vec<String> {
    if log.lines.is_empty() {
        return vec!["    (the log is empty)".to_owned()];
    }
    log.lines.iter().map(|line| format!("    {}", log_line(line, redactor))).collect()
}

/// `[error] text`, the text masked, escaped and cut.
fn log_line(line: &LogLine, redactor: &Redactor) -> String {
    let level = line.level.as_ref().map_or("-", |level| level.as_str());
    let text = redactor.text(&line.text);
    format!("[{}] {}", describe::name(level), for_display(&text, LOG_LINE_SHOWN_CHARS))
}

/// A diagnosis as JSON (the `--json` outcome's `diagnosis`).
pub fn diagnosis_document(diagnosis: &Diagnosis) -> Value {
    json!({
        "runId": diagnosis.run.get(),
        "steps": diagnosis.steps.iter().map(step_document).collect::<Vec<_>>(),
    })
}

fn step_document(step: &StepDiagnosis) -> Value {
    json!({
        "index": step.index,
        "name": step.name,
        "transformationJobId": step.transformation_job,
        "failedFiles": step.failed_files,
        "totalFiles": step.total_files,
        "files": step.files.iter().map(file_document).collect::<Vec<_>>(),
        "upload": step.upload.as_ref().map(log_document),
        "missing": step.missing,
    })
}

/// A file (and its job's log, when read) as JSON.
pub fn file_document(file: &FailedFile) -> Value {
    json!({
        "name": file.name,
        "bucketPath": file.bucket_path,
        "jobId": file.job,
        "status": file.status,
        "log": file.log.as_ref().map(log_document),
    })
}

/// A job's log as JSON.
pub fn log_document(log: &JobLog) -> Value {
    let lines: Vec<Value> = log
        .lines
        .iter()
        .map(|line| json!({ "created": line.created, "level": line.level, "text": line.text }))
        .collect();
    json!({
        "jobId": log.job,
        "errorsOnly": log.errors_only,
        "totalLines": log.total_lines,
        "lines": lines,
    })
}
