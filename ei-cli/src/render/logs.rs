//! A step's files and logs in words: why a failed run failed (after its
//! outcome) and what `logs` prints. Each server text is masked, then
//! escaped and cut, like every other; `--json` prints the SDK's types as
//! they serialize (the texts whole; secrets masked where it is printed).

use ei_api_ext::diagnose::{
    Diagnosis, FileLog, FileSelection, JobLog, LogLevel, LogLine, StepLogs,
};
use ei_api_ext::redact::Redactor;
use ei_api_ext::run::Step;
use ei_api_ext::untrusted::for_display;
use ei_api_ext::{PipelineId, RunId};
use serde::Serialize;

use crate::render::run::step_summary;
use crate::text;

/// How much of one log line is shown: enough for a traceback's line, not
/// enough for one line to flood a CI log.
const LOG_LINE_SHOWN_CHARS: usize = 200;

/// The command that shows all of a step's logs.
pub fn logs_command(pipeline: PipelineId, run: RunId, step: &Step) -> String {
    format!("ei-pipeline logs {} --run {} --step {}", pipeline.get(), run.get(), step.number)
}

/// The lines a diagnosis prints after a failed outcome; `redactor` masks
/// each log line before it is cut.
pub fn diagnosis_lines(
    diagnosis: &Diagnosis,
    pipeline: PipelineId,
    redactor: &Redactor,
) -> Vec<String> {
    let run = diagnosis.run_id;
    diagnosis
        .steps
        .iter()
        .flat_map(|logs| step_diagnosis_lines(logs, pipeline, run, redactor))
        .collect()
}

/// Why one failed step of run `run` failed: its failed files, their last
/// error lines, and the command that shows the rest; `redactor` masks each
/// log line before it is cut.
pub fn step_diagnosis_lines(
    logs: &StepLogs,
    pipeline: PipelineId,
    run: RunId,
    redactor: &Redactor,
) -> Vec<String> {
    let step = &logs.step;
    let files = match step.files {
        Some(files) if files.failed > 0 => {
            format!("{} of {} failed", files.failed, text::count(files.total, "file"))
        }
        _ if step.upload_failed => "its upload failed".to_owned(),
        _ => "no file failed".to_owned(),
    };
    let mut lines =
        vec![format!("why step {} \"{}\" failed: {files}", step.number, text::name(&step.name))];
    lines.extend(file_and_upload_lines(logs, redactor));
    let unlisted = logs.selected_files.saturating_sub(logs.files.len() as i64);
    if unlisted > 0 {
        let files = if unlisted == 1 { "file" } else { "files" };
        lines.push(format!(
            "  and {unlisted} more failed {files}; their logs: {}",
            logs_command(pipeline, run, step)
        ));
    }
    lines.extend(missing_lines(logs));
    lines
}

/// The last line of the first log read of a failed step, with whose log it
/// is: `data.csv: [error] ValueError: ...` (masked, escaped and cut).
pub fn last_error_line(logs: &StepLogs, redactor: &Redactor) -> Option<String> {
    let file = logs.files.iter().find_map(|file| {
        let line = file.log.as_ref()?.lines.last()?;
        Some(format!("{}: {}", text::name(&file.name), log_line(line, redactor)))
    });
    file.or_else(|| {
        let line = logs.upload.as_ref()?.lines.last()?;
        Some(format!("the upload: {}", log_line(line, redactor)))
    })
}

/// What `logs` prints of one step: a heading, then each file and its log,
/// the upload's log, and what could not be read.
pub fn step_logs_lines(
    logs: &StepLogs,
    pipeline: PipelineId,
    run: RunId,
    redactor: &Redactor,
) -> Vec<String> {
    let step = &logs.step;
    let selected = match logs.selection {
        FileSelection::Failed => format!("{} failed", text::count(logs.selected_files, "file")),
        _ => format!("{} (none failed)", text::count(logs.selected_files, "file")),
    };
    let mut lines = vec![format!(
        "run {} of pipeline {}, step {} \"{}\" ({}): {selected}",
        run.get(),
        pipeline.get(),
        step.number,
        text::name(&step.name),
        step_summary(step)
    )];
    lines.extend(file_and_upload_lines(logs, redactor));
    lines.extend(missing_lines(logs));
    lines
}

/// Each file listed, with its log when read, then the upload's log.
fn file_and_upload_lines(logs: &StepLogs, redactor: &Redactor) -> Vec<String> {
    let mut lines = Vec::new();
    for file in &logs.files {
        lines.extend(file_lines(file, redactor));
    }
    if let Some(upload) = &logs.upload {
        let what = if logs.step.upload_failed { "the upload failed" } else { "the upload" };
        lines.push(format!("  {what} (job {}); {}:", upload.job_id, log_heading(upload)));
        lines.extend(log_lines(upload, redactor));
    }
    lines
}

fn missing_lines(logs: &StepLogs) -> impl Iterator<Item = String> + '_ {
    logs.missing.iter().map(|missing| format!("  not read: {}", text::message(missing)))
}

fn file_lines(file: &FileLog, redactor: &Redactor) -> Vec<String> {
    let name = text::name(&file.name);
    match (&file.log, file.job_id) {
        (Some(log), _) => {
            let mut lines = vec![format!("  {name} (job {}), {}:", log.job_id, log_heading(log))];
            lines.extend(log_lines(log, redactor));
            lines
        }
        (None, Some(job)) => vec![format!("  {name} (job {job})")],
        (None, None) => vec![format!("  {name}")],
    }
}

/// What the lines shown of `log` are: `its last error lines`, `its last
/// lines at warn level and above (12 of 300)`.
fn log_heading(log: &JobLog) -> String {
    let which = match log.level {
        Some(LogLevel::Error) => "error lines".to_owned(),
        Some(level) => format!("lines at {} level and above", level_word(level)),
        None => "lines".to_owned(),
    };
    let shown = log.lines.len() as i64;
    if shown > 0 && shown < log.total_lines {
        format!("its last {which} ({shown} of {})", log.total_lines)
    } else {
        format!("its last {which}")
    }
}

fn level_word(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        _ => "debug",
    }
}

/// One line per log line, indented, with its level; its text masked by
/// `redactor`, then escaped and cut (masking first, so that no cut leaves
/// part of a secret unmasked).
fn log_lines(log: &JobLog, redactor: &Redactor) -> Vec<String> {
    if log.lines.is_empty() {
        return vec![match log.level {
            Some(level) => format!("    (no lines at {} level or above)", level_word(level)),
            None => "    (the log is empty)".to_owned(),
        }];
    }
    log.lines.iter().map(|line| format!("    {}", log_line(line, redactor))).collect()
}

/// `[error] text`, the text masked, escaped and cut.
fn log_line(line: &LogLine, redactor: &Redactor) -> String {
    let level = line.level.as_deref().unwrap_or("-");
    let text = redactor.text(&line.text);
    format!("[{}] {}", text::name(level), for_display(&text, LOG_LINE_SHOWN_CHARS))
}

/// What `logs --json` prints: the run's id and each step's files and logs.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogsDocument<'a> {
    /// The run.
    pub run_id: RunId,
    /// Each step shown.
    pub steps: &'a [StepLogs],
}
