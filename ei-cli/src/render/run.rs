//! A pipeline and its runs in words (`status`, `list`, and the steps under
//! an outcome) and in JSON, from the run model: one phrase per step,
//! `2. Clean  failed, 50/50 files, 3 failed`, wherever a step is shown.
//! Only names, ids, states and counts are shown, never a secret.

use std::borrow::Cow;

use ei_api_ext::models::OrganizationPipeline;
use ei_api_ext::run::{PipelineRuns, Run, RunState, Step, StepState};
use serde::Serialize;

use crate::text;

/// A step's state and files: `running, 30/120 files`; `failed, 50/50 files,
/// 3 failed`; `unrecognized (paused)`; `waiting`.
pub fn step_summary(step: &Step) -> String {
    let mut summary = match (step.state, &step.status) {
        (StepState::Unrecognized, Some(status)) => format!("unrecognized ({})", text::name(status)),
        (state, _) => state.as_str().to_owned(),
    };
    if let Some(files) = step.files {
        summary.push_str(&format!(", {}/{}", files.done, text::count(files.total, "file")));
        if files.failed > 0 {
            summary.push_str(&format!(", {} failed", files.failed));
        }
    }
    summary
}

/// `2. Clean`, the name padded to `width` characters.
pub fn step_label(step: &Step, width: usize) -> String {
    format!("{}. {:<width$}", step.number, text::name(&step.name))
}

/// The width of the widest step name of `steps`, as shown.
pub fn name_width(steps: &[Step]) -> usize {
    steps.iter().map(|step| text::name(&step.name).chars().count()).max().unwrap_or(0)
}

/// One line per step, indented: `  2. Clean  failed, 50/50 files, 3 failed`.
pub fn step_lines(run: &Run) -> Vec<String> {
    let width = name_width(&run.steps);
    run.steps
        .iter()
        .map(|step| format!("  {}  {}", step_label(step, width), step_summary(step)))
        .collect()
}

/// Why a failed run failed, in one line: `step 2 "Clean" failed, 3 of 50
/// files`; `None` unless it failed.
pub fn failure_reason(run: &Run) -> Option<String> {
    if run.state != RunState::Failed {
        return None;
    }
    let reasons: Vec<String> = run.failed_steps().map(step_failure_reason).collect();
    Some(if reasons.is_empty() { "it was stopped".to_owned() } else { reasons.join("; ") })
}

/// Why a failed step failed, in one line: `step 2 "Clean" failed, 3 of 50
/// files`.
pub fn step_failure_reason(step: &Step) -> String {
    let place = format!("step {} \"{}\" failed", step.number, text::name(&step.name));
    match step.files {
        _ if step.upload_failed => format!("{place} in its upload"),
        Some(files) if files.failed > 0 => {
            format!("{place}, {} of {}", files.failed, text::count(files.total, "file"))
        }
        _ => place,
    }
}

/// `run 42 failed (created ..., finished ...)`.
pub fn run_heading(run: &Run) -> String {
    let created = run.created.format("%Y-%m-%d %H:%M:%S UTC");
    match run.finished {
        Some(finished) => format!(
            "run {} {} (created {created}, finished {})",
            run.id.get(),
            run.state,
            finished.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        None => format!("run {} {} (created {created})", run.id.get(), run.state),
    }
}

/// What `status` prints: the name, the current run with its steps, the last
/// run with its steps (and, when it failed, why in one line, and the
/// command that shows its logs).
pub fn pipeline_status(pipeline: &OrganizationPipeline) -> Vec<String> {
    let runs = PipelineRuns::of(pipeline);
    let mut lines = vec![format!("pipeline {}: {}", pipeline.id, text::name(&pipeline.name))];
    for (which, run) in [("current run", &runs.current), ("last run", &runs.last)] {
        let Some(run) = run else {
            lines.push(format!("{which}: none"));
            continue;
        };
        lines.push(format!("{which}: {}", run_heading(run)));
        lines.extend(step_lines(run));
        if let Some(reason) = failure_reason(run) {
            lines.push(format!(
                "  why: {reason}; its logs: ei-pipeline logs {} --run {}",
                pipeline.id,
                run.id.get()
            ));
        }
    }
    if let Some(error) = &pipeline.last_run_start_error {
        lines.push(format!("last start error: {}", text::message(error)));
    }
    if let Some(next) = pipeline.next_run {
        lines.push(format!("next scheduled run: {}", next.format("%Y-%m-%d %H:%M:%S UTC")));
    }
    lines
}

/// What `status --json` prints: the pipeline as the API sent it, and
/// `runs`, its current and last runs in the run model's words (`{"current":
/// RUN|null, "last": RUN|null}`, each as `run --wait --json`'s `run`).
#[derive(Debug, Serialize)]
pub struct StatusDocument<'a> {
    /// The pipeline, as the API sent it.
    #[serde(flatten)]
    pub pipeline: &'a OrganizationPipeline,
    /// Its runs, in the run model's words.
    pub runs: RunsDocument,
}

/// A pipeline's current and last runs, in the run model's words.
#[derive(Debug, Serialize)]
pub struct RunsDocument {
    /// The run going.
    pub current: Option<Run>,
    /// The last run that ended.
    pub last: Option<Run>,
}

impl<'a> StatusDocument<'a> {
    /// The document of `pipeline`.
    pub fn of(pipeline: &'a OrganizationPipeline) -> Self {
        let PipelineRuns { current, last, .. } = PipelineRuns::of(pipeline);
        Self { pipeline, runs: RunsDocument { current, last } }
    }
}

/// A pipeline's state in a few words: `running run 42 (step 2/3)`,
/// `last run 41 succeeded`, `never run`.
pub fn pipeline_state(pipeline: &OrganizationPipeline) -> String {
    let runs = PipelineRuns::of(pipeline);
    if let Some(run) = &runs.current {
        let done = run.steps.iter().take_while(|step| step.is_over()).count();
        let step = (done + 1).min(run.steps.len());
        return format!("running run {} (step {step}/{})", run.id.get(), run.steps.len());
    }
    match &runs.last {
        Some(run) => format!("last run {} {}", run.id.get(), run.state),
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
    let names: Vec<Cow<'_, str>> =
        pipelines.iter().map(|pipeline| text::name(&pipeline.name)).collect();
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
        second["transformationJob"]["transformationSummary"]["succeededCount"] = json!(118);
        second["transformationJob"]["transformationSummary"]["totalFileCount"] = json!(118);
        finished["steps"].as_array_mut().expect("steps").push(second);
        let mut going = finished.clone();
        going["id"] = json!(42);
        going["finished"] = serde_json::Value::Null;
        going["steps"][1]["transformationJob"]["status"] = json!("started");
        going["steps"][1]["transformationJob"]["transformationSummary"]["finishedCount"] =
            json!(37);
        going["steps"][1]["transformationJob"]["transformationSummary"]["succeededCount"] =
            json!(35);
        let mut failed = finished.clone();
        failed["id"] = json!(40);
        failed["steps"][1]["transformationJob"]["status"] = json!("failed");
        failed["steps"][1]["transformationJob"]["transformationSummary"]["succeededCount"] =
            json!(115);
        let last = match id {
            4 => Some(failed),
            _ => last.then_some(finished),
        };
        serde_json::from_value(json!({
            "id": id, "name": name, "description": "", "created": "2024-06-03T08:00:00.000Z",
            "steps": [{"name": "Import"}], "emailRecipientUids": [], "whenToEmail": "never",
            "currentRun": current.then_some(going), "lastRun": last,
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
            pipeline(4, "Broken", false, true),
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

    #[test]
    fn status_of_a_pipeline_whose_last_run_failed_says_why_and_names_logs() {
        let lines = pipeline_status(&pipeline(4, "Broken", false, true));
        let why = lines.iter().find(|line| line.contains("why:")).expect("a reason");
        assert_eq!(
            why,
            "  why: step 2 \"Import into project\" failed, 3 of 118 files; its logs: \
             ei-pipeline logs 4 --run 40"
        );
        assert!(lines.contains(&"  2. Import into project  failed, 118/118 files, 3 failed".into()));
    }
}
