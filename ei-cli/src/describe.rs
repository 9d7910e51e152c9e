//! Human-readable descriptions of pipelines, runs and steps: concise, one
//! fact per line, and never a secret (only names, ids, statuses and counts
//! are shown).
//!
//! Every text the server controls (names, statuses, messages) is shown
//! through [`name`] or [`message`]: its control characters escaped and a
//! long one cut, so that it can neither take over a terminal nor break the
//! layout. `--json` keeps the texts whole.

use std::borrow::Cow;

use ei_api::enums::TransformationJobStatusEnum as JobStatus;
use ei_api_ext::models::{
    OrganizationPipeline, OrganizationPipelineRun, OrganizationPipelineRunStep,
};
use ei_api_ext::untrusted::for_display;

/// How much of a name (a pipeline's, a step's, a status) is shown: longer
/// ones are cut, so that one name cannot push a table off the screen.
pub const NAME_SHOWN_CHARS: usize = 80;
/// How much of a message from the server (a start error) is shown.
pub const MESSAGE_SHOWN_CHARS: usize = 300;

/// A name from the server, safe to show: escaped, and cut after
/// [`NAME_SHOWN_CHARS`] characters.
pub fn name(text: &str) -> Cow<'_, str> {
    for_display(text, NAME_SHOWN_CHARS)
}

/// A message from the server, safe to show: escaped, and cut after
/// [`MESSAGE_SHOWN_CHARS`] characters.
pub fn message(text: &str) -> Cow<'_, str> {
    for_display(text, MESSAGE_SHOWN_CHARS)
}

/// `1 step`, `3 steps`; a count from the server shown as it came, even a
/// negative one.
pub fn count(n: impl std::fmt::Display, noun: &str) -> String {
    let n = n.to_string();
    if n == "1" {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What a run's steps say about it, read the way `run --wait` reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Not finished yet.
    Running,
    /// Finished, and no step failed.
    Succeeded,
    /// Finished, and a step failed (or the run was stopped).
    Failed,
    /// Finished, with a step status this version does not know.
    Unrecognized,
}

impl RunState {
    /// The state of `run`.
    pub fn of(run: &OrganizationPipelineRun) -> Self {
        if run.finished.is_none() {
            return RunState::Running;
        }
        let statuses = || run.steps.iter().filter_map(|step| step.transformation_job.as_ref());
        if statuses().any(|job| job.status == JobStatus::Failed) {
            RunState::Failed
        } else if statuses().any(|job| !job.status.is_known()) {
            RunState::Unrecognized
        } else {
            RunState::Succeeded
        }
    }

    /// A short word: `running`, `succeeded`, `failed`, `unrecognized`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Unrecognized => "unrecognized",
        }
    }
}

/// A step's status word: its job's status, or `waiting` before it has a job.
pub fn step_status(step: &OrganizationPipelineRunStep) -> String {
    match &step.transformation_job {
        Some(job) => name(job.status.as_str()).into_owned(),
        None => "waiting".to_owned(),
    }
}

/// A step's files as `done/total files`, when its job knows the total.
pub fn step_files(step: &OrganizationPipelineRunStep) -> Option<String> {
    let summary = &step.transformation_job.as_ref()?.transformation_summary;
    (summary.total_file_count > 0)
        .then(|| format!("{}/{} files", summary.finished_count, summary.total_file_count))
}

/// One line per step, indented: `  1. Fetch   finished  10/10 files`.
pub fn step_lines(run: &OrganizationPipelineRun) -> Vec<String> {
    let names: Vec<Cow<'_, str>> = run.steps.iter().map(|step| name(&step.name)).collect();
    let width = names.iter().map(|name| name.chars().count()).max().unwrap_or(0);
    run.steps
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(index, (step, name))| {
            let files = step_files(step).unwrap_or_default();
            let line = format!("  {}. {name:<width$}  {:<9} {files}", index + 1, step_status(step));
            line.trim_end().to_owned()
        })
        .collect()
}

/// `run 42 (created ..., finished ...)`.
pub fn run_heading(run: &OrganizationPipelineRun) -> String {
    let created = run.created.format("%Y-%m-%d %H:%M:%S UTC");
    match run.finished {
        Some(finished) => format!(
            "run {} {} (created {created}, finished {})",
            run.id,
            RunState::of(run).as_str(),
            finished.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        None => format!("run {} running (created {created})", run.id),
    }
}

/// What `status` prints: the name, the current run with its steps, the last
/// run and its outcome.
pub fn pipeline_status(pipeline: &OrganizationPipeline) -> Vec<String> {
    let mut lines = vec![format!("pipeline {}: {}", pipeline.id, name(&pipeline.name))];
    match &pipeline.current_run {
        Some(run) => {
            lines.push(format!("current run: {}", run_heading(run)));
            lines.extend(step_lines(run));
        }
        None => lines.push("current run: none".to_owned()),
    }
    match &pipeline.last_run {
        Some(run) => {
            lines.push(format!("last run: {}", run_heading(run)));
            lines.extend(step_lines(run));
        }
        None => lines.push("last run: none".to_owned()),
    }
    if let Some(error) = &pipeline.last_run_start_error {
        lines.push(format!("last start error: {}", message(error)));
    }
    if let Some(next) = pipeline.next_run {
        lines.push(format!("next scheduled run: {}", next.format("%Y-%m-%d %H:%M:%S UTC")));
    }
    lines
}

/// A pipeline's state in a word or three: `running run 42 (step 2/3)`,
/// `last run 41 succeeded`, `never run`.
pub fn pipeline_state(pipeline: &OrganizationPipeline) -> String {
    if let Some(run) = &pipeline.current_run {
        let done = run.steps.iter().take_while(|step| step_status(step) == "finished").count();
        let step = (done + 1).min(run.steps.len());
        return format!("running run {} (step {step}/{})", run.id, run.steps.len());
    }
    match &pipeline.last_run {
        Some(run) => format!("last run {} {}", run.id, RunState::of(run).as_str()),
        None => "never run".to_owned(),
    }
}

/// What `list` prints: a header and one aligned line per pipeline.
pub fn pipeline_table(pipelines: &[OrganizationPipeline]) -> Vec<String> {
    if pipelines.is_empty() {
        return vec!["no pipelines".to_owned()];
    }
    let ids: Vec<String> = pipelines.iter().map(|pipeline| pipeline.id.to_string()).collect();
    let id_width = ids.iter().map(String::len).max().unwrap_or(0).max("ID".len());
    let names: Vec<Cow<'_, str>> = pipelines.iter().map(|pipeline| name(&pipeline.name)).collect();
    let name_width =
        names.iter().map(|name| name.chars().count()).max().unwrap_or(0).max("NAME".len());
    let mut lines = vec![format!("{:<id_width$}  {:<name_width$}  STATE", "ID", "NAME")];
    for ((id, name), pipeline) in ids.iter().zip(&names).zip(pipelines) {
        lines.push(format!("{id:<id_width$}  {name:<name_width$}  {}", pipeline_state(pipeline)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_count_is_shown_as_it_came() {
        assert_eq!(count(1_usize, "step"), "1 step");
        assert_eq!(count(0_i64, "file"), "0 files");
        // A negative count from a hostile server is not wrapped to a huge one.
        assert_eq!(count(-3_i64, "file"), "-3 files");
    }

    /// A pipeline as `get` and `list` show it: `current` is a run (the
    /// seed's, with two steps) at its second step, `last` one that succeeded.
    fn pipeline(id: i64, name: &str, current: bool, last: bool) -> OrganizationPipeline {
        let mut finished = crate::fixtures::seed_run();
        let mut second = finished["steps"][0].clone();
        finished["id"] = json!(41);
        finished["steps"][0]["name"] = json!("Fetch from bucket");
        finished["steps"][0]["transformationJob"]["status"] = json!("finished");
        second["name"] = json!("Import into project");
        second["transformationJob"]["status"] = json!("finished");
        second["transformationJob"]["transformationSummary"]["finishedCount"] = json!(118);
        second["transformationJob"]["transformationSummary"]["totalFileCount"] = json!(118);
        finished["steps"].as_array_mut().expect("steps").push(second);
        let mut going = finished.clone();
        going["id"] = json!(42);
        going["finished"] = serde_json::Value::Null;
        going["steps"][1]["transformationJob"]["status"] = json!("started");
        going["steps"][1]["transformationJob"]["transformationSummary"]["finishedCount"] =
            json!(37);
        serde_json::from_value(json!({
            "id": id, "name": name, "description": "", "created": "2024-06-03T08:00:00.000Z",
            "steps": [{"name": "Import"}], "emailRecipientUids": [], "whenToEmail": "never",
            "currentRun": current.then_some(going), "lastRun": last.then_some(finished),
            "lastRunStartError": (id == 3).then_some("The pipeline has no steps"),
        }))
        .expect("a pipeline")
    }

    #[test]
    fn list_shows_a_table_of_pipelines() {
        let pipelines = [
            pipeline(1, "Nightly import", true, true),
            pipeline(22, "Weekly export", false, true),
            pipeline(3, "Never run", false, false),
        ];
        insta::assert_snapshot!(pipeline_table(&pipelines).join("\n"));
        insta::assert_snapshot!("empty_list", pipeline_table(&[]).join("\n"));
    }

    #[test]
    fn status_shows_the_current_and_last_runs() {
        insta::assert_snapshot!(
            pipeline_status(&pipeline(1, "Nightly import", true, true)).join("\n")
        );
        insta::assert_snapshot!(
            "status_never_run",
            pipeline_status(&pipeline(3, "Never run", false, false)).join("\n")
        );
    }
}
