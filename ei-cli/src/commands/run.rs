//! `run`: starts a run, and with `--wait` follows it to its outcome with
//! live progress. `demo` goes through here too.

use std::time::Duration;

use ei_api_ext::models::OrganizationPipelineRun;
use ei_api_ext::wait::{Outcome, ProgressEvent, StepStatus, WaitOptions, WaitReport};
use ei_api_ext::{PipelineId, RunId, RunRequest};
use serde_json::{json, Value};

use crate::args::{GlobalArgs, RunArgs};
use crate::commands::Connection;
use crate::describe;
use crate::exit::{Exit, Failure};
use crate::interrupt::Interrupt;
use crate::output;
use crate::progress::{Display, Reporter};

/// Starts a run of the pipeline; with `--wait`, follows it (see [`follow`]).
pub async fn run(global: &GlobalArgs, args: &RunArgs) -> Result<Exit, Failure> {
    let connection = Connection::from_args(global)?;
    let handle =
        connection.client.pipeline(connection.organization, PipelineId::new(args.pipeline));
    let mut request = handle.run();
    if args.ignore_last_successful_run {
        request = request.ignore_last_successful_run(true);
    }
    if !args.wait {
        let run = request.send().await?;
        if args.json {
            output::print_json(&json!({ "pipelineRun": output::to_redacted_json(&run)? }));
        } else {
            output::line(&format!(
                "started run {} of pipeline {} ({}); check it with: ei-pipeline status {}",
                run.id,
                args.pipeline,
                describe::count(run.steps.len(), "step"),
                args.pipeline
            ));
        }
        return Ok(Exit::Success);
    }
    let options = WaitOptions::timeout(args.wait_timeout()).stop_on_timeout(args.stop_on_timeout);
    follow(request, options, args.pipeline, args.json).await
}

/// Starts the run `request` describes and waits for its outcome, showing
/// progress on stderr (live bars on a terminal, plain lines otherwise).
/// Ctrl-C ends the wait (not the run) with exit 130.
///
/// Prints the outcome on stdout: a sentence, or with `json` the document
/// `{"outcome": ..., "pipelineRun": ...}` (see [`outcome_document`]).
pub async fn follow(
    request: RunRequest,
    options: WaitOptions,
    pipeline: i64,
    json: bool,
) -> Result<Exit, Failure> {
    let mut interrupt = Interrupt::listen().await;
    let mut reporter = Reporter::new(Display::choose(json), &format!("pipeline {pipeline}"));
    let mut follow = request.follow(options);
    let mut run: Option<RunId> = None;
    loop {
        tokio::select! {
            biased;
            () = interrupt.received() => {
                reporter.finish();
                return Ok(interrupted(run, pipeline, json));
            }
            event = follow.next() => match event {
                Some(event) => {
                    if let ProgressEvent::RunStarted { run: started, .. } = &event {
                        run = Some(*started);
                    }
                    reporter.event(&event);
                }
                None => break,
            },
        }
    }
    let result = follow.await;
    reporter.finish();
    match result {
        Ok(report) => {
            let exit = Exit::for_outcome(&report.outcome);
            if json {
                output::print_json(&outcome_document(&report.outcome)?);
            } else {
                for line in outcome_lines(&report, pipeline) {
                    output::line(&line);
                }
            }
            Ok(exit)
        }
        Err(error) => {
            let mut failure = Failure::from(error);
            if let Some(run) = run {
                failure.message.push_str(&format!(
                    "\n  {run} was started and goes on; check it with: ei-pipeline status {pipeline}"
                ));
            }
            Err(failure)
        }
    }
}

/// What Ctrl-C prints: the run and how to check it again; on stdout with
/// `--json`, the document `{"outcome": "interrupted", "runId": ...}`.
fn interrupted(run: Option<RunId>, pipeline: i64, json: bool) -> Exit {
    let what = match run {
        Some(run) => format!("{run} goes on"),
        None => "the run may or may not have started".to_owned(),
    };
    output::error_line(&format!(
        "interrupted: stopped waiting; {what}. Check it with: ei-pipeline status {pipeline}"
    ));
    if json {
        output::print_json(&json!({
            "outcome": "interrupted",
            "runId": run.map(RunId::get),
        }));
    }
    Exit::Interrupted
}

/// The `--json` document for an outcome: `outcome` (`succeeded`, `failed`,
/// `unrecognized`, `timed_out`, `replaced`) and `pipelineRun` (the run as
/// last seen, secrets redacted), plus per outcome: `failedSteps` (failed),
/// `unrecognizedSteps` (unrecognized: steps whose status the document does
/// not list), `stopped` (timed out: whether `--stop-on-timeout` stopped
/// it), `replacedBy` (replaced: the newer run's id, or null).
pub fn outcome_document(outcome: &Outcome) -> Result<Value, Failure> {
    let mut document = json!({
        "outcome": outcome.name(),
        "pipelineRun": output::to_redacted_json(outcome.run())?,
    });
    match outcome {
        Outcome::Failed { failed_steps, .. } => {
            document["failedSteps"] = steps_document(failed_steps);
        }
        Outcome::Unrecognized { steps, .. } => {
            document["unrecognizedSteps"] = steps_document(steps);
        }
        Outcome::TimedOut { stopped, .. } => document["stopped"] = json!(stopped),
        Outcome::Replaced { by, .. } => document["replacedBy"] = json!(by.map(RunId::get)),
        _ => {}
    }
    Ok(document)
}

fn steps_document(steps: &[StepStatus]) -> Value {
    steps
        .iter()
        .map(|step| json!({ "index": step.index, "name": step.name, "status": step.status }))
        .collect()
}

/// `step 2 "Clean" (failed)`, for each step.
fn steps_words(steps: &[StepStatus]) -> String {
    let words: Vec<String> = steps
        .iter()
        .map(|step| {
            let (name, status) = (describe::name(&step.name), describe::name(step.status.as_str()));
            format!("step {} \"{name}\" ({status})", step.index + 1)
        })
        .collect();
    words.join(", ")
}

/// A duration as a person reads it: `3.2s`, `15m 3s`.
fn duration_words(duration: Duration) -> String {
    if duration < Duration::from_secs(60) {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        humantime::format_duration(Duration::from_secs(duration.as_secs())).to_string()
    }
}

/// What a finished wait prints without `--json`: a sentence, then the run's steps.
pub(crate) fn outcome_lines(report: &WaitReport, pipeline: i64) -> Vec<String> {
    let run: &OrganizationPipelineRun = report.run();
    let elapsed = duration_words(report.elapsed);
    let subject = format!("run {} of pipeline {pipeline}", run.id);
    let check = format!("check it with: ei-pipeline status {pipeline}");
    let headline = match &report.outcome {
        Outcome::Succeeded { .. } => format!("{subject} succeeded in {elapsed}"),
        Outcome::Failed { failed_steps, .. } => {
            format!("{subject} failed after {elapsed}: {}", steps_words(failed_steps))
        }
        Outcome::Unrecognized { steps, .. } => format!(
            "{subject} finished after {elapsed}, but with a status this version does not know: \
             {}; its outcome is undetermined",
            steps_words(steps)
        ),
        Outcome::TimedOut { stopped: true, .. } => {
            format!("{subject} timed out after {elapsed} and was stopped")
        }
        Outcome::TimedOut { stopped: false, .. } => {
            format!("{subject} timed out after {elapsed}; the run goes on; {check}")
        }
        Outcome::Replaced { by, .. } => {
            let by = by.map(|by| format!(" by {by}")).unwrap_or_default();
            format!("{subject} was replaced{by} before it was seen to finish; {check}")
        }
        other => format!("{subject} ended {}; {check}", other.name()),
    };
    let mut lines = vec![headline];
    lines.extend(describe::step_lines(run));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with_secret() -> OrganizationPipelineRun {
        serde_json::from_value(json!({
            "id": 4_294_967_297_i64,
            "created": "2024-06-03T08:00:00.000Z",
            "finished": "2024-06-03T08:00:10.000Z",
            "steps": [{ "name": "Import", "projectApiKey": "ei_secret_key_0001" }]
        }))
        .expect("a run")
    }

    fn step(status: &str) -> StepStatus {
        StepStatus { index: 0, name: "Import".to_owned(), status: status.into() }
    }

    #[test]
    fn every_outcome_has_its_document_and_exit() {
        let run = run_with_secret();
        let cases = [
            (Outcome::Succeeded { run: run.clone() }, "succeeded", Exit::Success, None),
            (
                Outcome::Failed { run: run.clone(), failed_steps: vec![step("failed")] },
                "failed",
                Exit::RunFailed,
                Some(("failedSteps", json!([{"index": 0, "name": "Import", "status": "failed"}]))),
            ),
            (
                Outcome::Unrecognized { run: run.clone(), steps: vec![step("paused")] },
                "unrecognized",
                Exit::Undetermined,
                Some((
                    "unrecognizedSteps",
                    json!([{"index": 0, "name": "Import", "status": "paused"}]),
                )),
            ),
            (
                Outcome::TimedOut { run: run.clone(), stopped: true },
                "timed_out",
                Exit::TimedOut,
                Some(("stopped", json!(true))),
            ),
            (
                Outcome::Replaced { run: run.clone(), by: Some(RunId::new(5)) },
                "replaced",
                Exit::Undetermined,
                Some(("replacedBy", json!(5))),
            ),
            (
                Outcome::Replaced { run, by: None },
                "replaced",
                Exit::Undetermined,
                Some(("replacedBy", Value::Null)),
            ),
        ];
        for (outcome, name, exit, extra) in cases {
            let document = outcome_document(&outcome).unwrap();
            assert_eq!(document["outcome"], name);
            assert_eq!(document["pipelineRun"]["id"], 4_294_967_297_i64);
            assert_eq!(document["pipelineRun"]["steps"][0]["projectApiKey"], output::REDACTED);
            assert_eq!(Exit::for_outcome(&outcome), exit, "{name}");
            let expected_keys = 2 + usize::from(extra.is_some());
            assert_eq!(document.as_object().unwrap().len(), expected_keys, "{document}");
            if let Some((key, value)) = extra {
                assert_eq!(document[key], value, "{name}");
            }
        }
    }

    #[test]
    fn human_outcomes_say_what_happened() {
        let report =
            |outcome| WaitReport { outcome, elapsed: Duration::from_millis(3_250), polls: 4 };
        let run = run_with_secret();
        let lines = outcome_lines(&report(Outcome::Succeeded { run: run.clone() }), 7);
        assert_eq!(lines[0], "run 4294967297 of pipeline 7 succeeded in 3.2s");
        let failed = Outcome::Failed { run: run.clone(), failed_steps: vec![step("failed")] };
        let lines = outcome_lines(&report(failed), 7);
        assert!(lines[0].contains("failed after 3.2s: step 1 \"Import\" (failed)"), "{lines:?}");
        let unknown = Outcome::Unrecognized { run: run.clone(), steps: vec![step("paused")] };
        let lines = outcome_lines(&report(unknown), 7);
        assert!(lines[0].contains("(paused)") && lines[0].contains("undetermined"), "{lines:?}");
        let timed_out = Outcome::TimedOut { run: run.clone(), stopped: false };
        let lines = outcome_lines(&report(timed_out), 7);
        assert!(lines[0].contains("the run goes on; check it with: ei-pipeline status 7"));
        let replaced = Outcome::Replaced { run, by: Some(RunId::new(9)) };
        let lines = outcome_lines(&report(replaced), 7);
        assert!(lines[0].contains("was replaced by run 9"), "{lines:?}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(Duration::from_millis(10_940)), "10.9s");
        assert_eq!(duration_words(Duration::from_millis(903_400)), "15m 3s");
    }
}
