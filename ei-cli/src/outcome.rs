//! What a finished wait prints: a sentence and the run's steps for a
//! person, or one JSON document for a program.

use std::time::Duration;

use ei_api_ext::models::OrganizationPipelineRun;
use ei_api_ext::wait::{Outcome, StepStatus, WaitReport};
use ei_api_ext::RunId;
use serde_json::{json, Value};

use crate::describe;
use crate::exit::Failure;
use crate::output::to_json;

/// The `--json` document for an outcome: `outcome` (`succeeded`, `failed`,
/// `unrecognized`, `timed_out`, `replaced`) and `pipelineRun` (the run as
/// last seen, secrets redacted), plus per outcome: `failedSteps` (failed),
/// `unrecognizedSteps` (unrecognized: steps whose status the document does
/// not list), `stopped` (timed out: whether `--stop-on-timeout` stopped
/// it), `replacedBy` (replaced: the newer run's id, or null).
pub fn outcome_document(outcome: &Outcome) -> Result<Value, Failure> {
    let mut document = json!({
        "outcome": outcome.name(),
        "pipelineRun": to_json(outcome.run())?,
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

/// How long a finished run took by the server's clock (`created` to
/// `finished`), which a wait that followed it from the middle (or after its
/// end) cannot tell; `None` when the server does not say, or says it ended
/// before it began.
fn run_length(run: &OrganizationPipelineRun) -> Option<Duration> {
    (run.finished? - run.created).to_std().ok()
}

/// What a finished wait prints without `--json`: a sentence, then the run's
/// steps. A run that goes on is named with the command that follows it again.
pub fn outcome_lines(report: &WaitReport, pipeline: i64) -> Vec<String> {
    let run: &OrganizationPipelineRun = report.run();
    let elapsed = duration_words(report.elapsed);
    let took = match run_length(run) {
        Some(length) => format!("in {}", duration_words(length)),
        None => format!("(followed for {elapsed})"),
    };
    let subject = format!("run {} of pipeline {pipeline}", run.id);
    let check = format!("check it with: ei-pipeline status {pipeline}");
    let follow_again = format!("follow it again with: {}", wait_command(pipeline, run.id));
    let headline = match &report.outcome {
        Outcome::Succeeded { .. } => format!("{subject} succeeded {took}"),
        Outcome::Failed { failed_steps, .. } => {
            format!("{subject} failed {took}: {}", steps_words(failed_steps))
        }
        Outcome::Unrecognized { steps, .. } => format!(
            "{subject} finished {took}, but with a status this version does not know: {}; its \
             outcome is undetermined",
            steps_words(steps)
        ),
        Outcome::TimedOut { stopped: true, .. } => {
            format!("{subject} timed out after {elapsed} and was stopped")
        }
        Outcome::TimedOut { stopped: false, .. } => {
            format!("{subject} timed out after {elapsed}; the run goes on; {follow_again}")
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

/// The command that follows run `run` of `pipeline` again.
pub fn wait_command(pipeline: i64, run: i64) -> String {
    format!("ei-pipeline wait {pipeline} --run {run}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

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
        StepStatus::new(0, "Import", status.into())
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
            let mut document = outcome_document(&outcome).unwrap();
            ei_api_ext::redact::Redactor::new().json(&mut document);
            assert_eq!(document["outcome"], name);
            assert_eq!(document["pipelineRun"]["id"], 4_294_967_297_i64);
            let masked = &document["pipelineRun"]["steps"][0]["projectApiKey"];
            assert_eq!(masked, ei_api_ext::redact::MASK);
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
        let report = |outcome| WaitReport::new(outcome, Duration::from_millis(3_250), 4);
        let run = run_with_secret();
        let lines = outcome_lines(&report(Outcome::Succeeded { run: run.clone() }), 7);
        // The run's own length (created to finished: 10 s), not the wait's.
        assert_eq!(lines[0], "run 4294967297 of pipeline 7 succeeded in 10.0s");
        let failed = Outcome::Failed { run: run.clone(), failed_steps: vec![step("failed")] };
        let lines = outcome_lines(&report(failed), 7);
        assert!(lines[0].contains("failed in 10.0s: step 1 \"Import\" (failed)"), "{lines:?}");
        let unknown = Outcome::Unrecognized { run: run.clone(), steps: vec![step("paused")] };
        let lines = outcome_lines(&report(unknown), 7);
        assert!(lines[0].contains("(paused)") && lines[0].contains("undetermined"), "{lines:?}");
        let timed_out = Outcome::TimedOut { run: run.clone(), stopped: false };
        let lines = outcome_lines(&report(timed_out), 7);
        let again = "the run goes on; follow it again with: ei-pipeline wait 7 --run 4294967297";
        assert!(lines[0].contains(again), "{lines:?}");
        let replaced = Outcome::Replaced { run, by: Some(RunId::new(9)) };
        let lines = outcome_lines(&report(replaced), 7);
        assert!(lines[0].contains("was replaced by run 9"), "{lines:?}");
    }

    #[test]
    fn a_run_whose_length_the_server_does_not_tell_says_how_long_it_was_followed() {
        let report = |run| WaitReport::new(Outcome::Succeeded { run }, Duration::from_secs(4), 2);
        let mut unfinished = run_with_secret();
        unfinished.finished = None;
        let mut backwards = run_with_secret();
        backwards.finished = Some(backwards.created - Duration::from_secs(1));
        for run in [unfinished, backwards] {
            let lines = outcome_lines(&report(run), 7);
            assert!(lines[0].ends_with("succeeded (followed for 4.0s)"), "{lines:?}");
        }
    }

    #[test]
    fn hostile_run_dates_give_a_headline_that_neither_panics_nor_runs_backwards() {
        let report = |run| WaitReport::new(Outcome::Succeeded { run }, Duration::from_secs(4), 2);
        let dated = |created: &str, finished: &str| -> OrganizationPipelineRun {
            serde_json::from_value(json!({
                "id": 9, "created": created, "finished": finished, "steps": []
            }))
            .expect("a run")
        };
        let cases = [
            ("+262142-12-31T23:59:59Z", "-262143-01-01T00:00:00Z", "(followed for 4.0s)"),
            ("-262143-01-01T00:00:00Z", "+262142-12-31T23:59:59Z", "succeeded in "),
            ("2024-06-03T08:00:00Z", "9999-12-31T23:59:59.999999999Z", "succeeded in "),
            ("2024-06-03T08:00:00Z", "2024-06-03T08:00:00Z", "succeeded in 0.0s"),
            ("2024-06-03T08:00:00Z", "2024-06-03T07:59:59.999Z", "(followed for 4.0s)"),
            ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z", "succeeded in "),
        ];
        for (created, finished, expected) in cases {
            let lines = outcome_lines(&report(dated(created, finished)), 7);
            assert!(lines[0].contains(expected), "{created} to {finished}: {lines:?}");
        }
    }

    #[test]
    fn every_outcome_reads_as_checked_in() {
        let report = |outcome| WaitReport::new(outcome, Duration::from_millis(903_400), 31);
        let run = run_with_secret();
        let outcomes = [
            Outcome::Succeeded { run: run.clone() },
            Outcome::Failed { run: run.clone(), failed_steps: vec![step("failed")] },
            Outcome::Unrecognized { run: run.clone(), steps: vec![step("paused")] },
            Outcome::TimedOut { run: run.clone(), stopped: true },
            Outcome::TimedOut { run: run.clone(), stopped: false },
            Outcome::Replaced { run: run.clone(), by: Some(RunId::new(4_294_967_298)) },
            Outcome::Replaced { run, by: None },
        ];
        let shown: Vec<String> = outcomes
            .into_iter()
            .map(|outcome| outcome_lines(&report(outcome), 7).join("\n"))
            .collect();
        insta::assert_snapshot!(shown.join("\n\n"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(Duration::from_millis(10_940)), "10.9s");
        assert_eq!(duration_words(Duration::from_millis(903_400)), "15m 3s");
    }
}
