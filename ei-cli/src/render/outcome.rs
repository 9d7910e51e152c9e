//! What a followed run prints when the wait is over: a headline, the run's
//! steps and, for a failed run, why; or one JSON document.

use ei_api_ext::diagnose::{Diagnosis, StepLogs};
use ei_api_ext::models::OrganizationPipelineRun;
use ei_api_ext::redact::Redactor;
use ei_api_ext::run::{Run, Step};
use ei_api_ext::wait::{Outcome, Stop, WaitReport};
use ei_api_ext::{PipelineId, RunId};
use serde::Serialize;

use crate::render::logs::{diagnosis_lines, last_error_line};
use crate::render::run::{failure_reason, step_failure_reason, step_lines, step_summary};
use crate::text;

/// A run followed to its end: which pipeline, how the wait ended, and why
/// it failed when it did and that was read.
#[derive(Clone, Debug)]
pub struct FollowedRun {
    /// The pipeline.
    pub pipeline: PipelineId,
    /// How the wait ended, with the run as last seen.
    pub report: WaitReport,
    /// Why the run failed, when it did and the diagnosis was read.
    pub diagnosis: Option<Diagnosis>,
}

/// How the wait for one pipeline ended, as the reports (`--junit`, the
/// GitHub job summary) tell it: followed to an outcome, or not.
#[derive(Clone, Debug)]
pub enum PipelineEnd {
    /// The run was followed to its outcome (succeeded, failed, timed out...).
    Followed(Box<FollowedRun>),
    /// The wait ended before the outcome was known: Ctrl-C, or an error.
    Unfinished {
        /// The pipeline.
        pipeline: PipelineId,
        /// The run followed, when it was known.
        run: Option<RunId>,
        /// `interrupted`, or `error`.
        outcome: &'static str,
        /// What happened, in a sentence (an error's message).
        message: String,
    },
}

/// The command that follows run `run` of `pipeline` again.
pub fn wait_command(pipeline: PipelineId, run: RunId) -> String {
    format!("ei-pipeline wait {} --run {}", pipeline.get(), run.get())
}

/// The first line of a followed run's outcome: what happened, in a sentence.
pub fn headline(followed: &FollowedRun) -> String {
    let FollowedRun { pipeline, report, .. } = followed;
    let run = &report.run;
    let elapsed = text::duration(report.elapsed);
    let took = match run.length() {
        Some(length) => format!("in {}", text::duration(length)),
        None => format!("(followed for {elapsed})"),
    };
    let subject = format!("run {} of pipeline {}", run.id.get(), pipeline.get());
    let check = format!("check it with: ei-pipeline status {}", pipeline.get());
    let follow_again = format!("follow it again with: {}", wait_command(*pipeline, run.id));
    match &report.outcome {
        Outcome::Succeeded => format!("{subject} succeeded {took}"),
        Outcome::Failed => format!(
            "{subject} failed {took}: {}",
            failure_reason(run).unwrap_or_else(|| "it was stopped".to_owned())
        ),
        Outcome::Unrecognized => {
            let steps: Vec<String> = run
                .unrecognized_steps()
                .map(|step| {
                    format!(
                        "step {} \"{}\" ({})",
                        step.number,
                        text::name(&step.name),
                        step_summary(step)
                    )
                })
                .collect();
            format!(
                "{subject} finished {took}, but with a state this version does not know: {}; its \
                 outcome is undetermined",
                steps.join(", ")
            )
        }
        Outcome::TimedOut { stop } => match stop {
            Stop::NotAsked => {
                format!("{subject} timed out after {elapsed}; the run goes on; {follow_again}")
            }
            Stop::Confirmed => format!("{subject} timed out after {elapsed} and was stopped"),
            Stop::Acknowledged => format!(
                "{subject} timed out after {elapsed}; the server accepted the stop, and no read \
                 confirmed it in time; {check}"
            ),
            Stop::NotSent { reason } => format!(
                "{subject} timed out after {elapsed}; the stop could not be sent ({}), so the run \
                 may go on; {check}",
                text::message(reason)
            ),
            _ => format!("{subject} timed out after {elapsed}; {check}"),
        },
        Outcome::Replaced { by } => {
            let by = by.map(|by| format!(" by run {}", by.get())).unwrap_or_default();
            format!("{subject} was replaced{by} before it was seen to finish; {check}")
        }
        other => format!("{subject} ended {}; {check}", other.name()),
    }
}

/// The files and logs read of `step` of a failed run, when they were.
pub fn step_logs<'a>(followed: &'a FollowedRun, step: &Step) -> Option<&'a StepLogs> {
    let diagnosis = followed.diagnosis.as_ref()?;
    diagnosis.steps.iter().find(|logs| logs.step.number == step.number)
}

/// Why a failed step of `followed` failed, in one line, as the reports
/// say it: `step 2 "Clean" failed, 3 of 50 files; data.csv: [error] ...`
/// (with the last error line of its logs when they were read; `redactor`
/// masks it).
pub fn failed_step_line(followed: &FollowedRun, step: &Step, redactor: &Redactor) -> String {
    let mut line = step_failure_reason(step);
    if let Some(last) = step_logs(followed, step).and_then(|logs| last_error_line(logs, redactor)) {
        line.push_str("; ");
        line.push_str(&last);
    }
    line
}

/// What a followed run prints without `--json`: the headline, the run's
/// steps, and why it failed; `redactor` masks each log line before it is cut.
pub fn outcome_lines(followed: &FollowedRun, redactor: &Redactor) -> Vec<String> {
    let mut lines = vec![headline(followed)];
    lines.extend(step_lines(&followed.report.run));
    if let Some(diagnosis) = &followed.diagnosis {
        lines.extend(diagnosis_lines(diagnosis, followed.pipeline, redactor));
    }
    lines
}

/// What a followed run prints with `--json`: `outcome` (`succeeded`,
/// `failed`, `unrecognized`, `timed_out`, `replaced`), `run` (the run model:
/// its state, each step's state and files), `pipelineRun` (the run as the
/// API sent it, secrets masked where it is printed), and per outcome `stop`
/// (timed out: `not_asked`, `confirmed`, `acknowledged` or `not_sent`, with
/// `stopProblem`), `replacedBy` (replaced: the newer run's id, or null) and
/// `diagnosis` (failed: why, or null when it was not read).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeDocument<'a> {
    /// How the wait ended.
    pub outcome: &'static str,
    /// The run, in the run model's words.
    pub run: &'a Run,
    /// The run, as the API sent it.
    pub pipeline_run: &'a OrganizationPipelineRun,
    /// What became of a run that timed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<&'static str>,
    /// Why the stop could not be sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_problem: Option<&'a str>,
    /// The run that replaced this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<Option<RunId>>,
    /// Why a failed run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Option<&'a Diagnosis>>,
}

impl<'a> OutcomeDocument<'a> {
    /// The document of `followed`.
    pub fn of(followed: &'a FollowedRun) -> Self {
        let report = &followed.report;
        let (stop, stop_problem) = match &report.outcome {
            Outcome::TimedOut { stop: Stop::NotSent { reason } } => {
                (Some("not_sent"), Some(reason.as_str()))
            }
            Outcome::TimedOut { stop } => (Some(stop.name()), None),
            _ => (None, None),
        };
        Self {
            outcome: report.outcome.name(),
            run: &report.run,
            pipeline_run: report.run.raw(),
            stop,
            stop_problem,
            replaced_by: match report.outcome {
                Outcome::Replaced { by } => Some(by),
                _ => None,
            },
            diagnosis: (report.outcome == Outcome::Failed).then_some(followed.diagnosis.as_ref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use serde_json::json;

    fn run_with_secret(status: &str) -> Run {
        let mut run = crate::fixtures::seed_run();
        run["id"] = json!(4_294_967_297_i64);
        run["created"] = json!("2024-06-03T08:00:00.000Z");
        run["finished"] = json!("2024-06-03T08:00:10.000Z");
        run["steps"][0]["name"] = json!("Import");
        run["steps"][0]["projectApiKey"] = json!("ei_secret_key_0001");
        run["steps"][0]["transformationJob"]["status"] = json!(status);
        Run::new(serde_json::from_value(run).expect("a run"))
    }

    fn followed(outcome: Outcome, status: &str) -> FollowedRun {
        let report =
            WaitReport::new(outcome, run_with_secret(status), Duration::from_millis(903_400), 31);
        FollowedRun { pipeline: PipelineId::new(7), report, diagnosis: None }
    }

    #[test]
    fn every_outcome_has_its_document() {
        let cases = [
            (followed(Outcome::Succeeded, "finished"), "succeeded", None),
            (followed(Outcome::Failed, "failed"), "failed", Some(("diagnosis", json!(null)))),
            (followed(Outcome::Unrecognized, "paused"), "unrecognized", None),
            (
                followed(Outcome::TimedOut { stop: Stop::Confirmed }, "failed"),
                "timed_out",
                Some(("stop", json!("confirmed"))),
            ),
            (
                followed(Outcome::Replaced { by: Some(RunId::new(5)) }, "finished"),
                "replaced",
                Some(("replacedBy", json!(5))),
            ),
            (
                followed(Outcome::Replaced { by: None }, "finished"),
                "replaced",
                Some(("replacedBy", json!(null))),
            ),
        ];
        for (followed, name, extra) in cases {
            let mut document = serde_json::to_value(OutcomeDocument::of(&followed)).unwrap();
            ei_api_ext::redact::Redactor::new().json(&mut document);
            assert_eq!(document["outcome"], name);
            assert_eq!(document["run"]["id"], 4_294_967_297_i64);
            assert_eq!(document["run"]["steps"][0]["number"], 1);
            assert_eq!(document["pipelineRun"]["id"], 4_294_967_297_i64);
            let masked = &document["pipelineRun"]["steps"][0]["projectApiKey"];
            assert_eq!(masked, ei_api_ext::redact::MASK);
            let expected_keys = 3 + usize::from(extra.is_some());
            assert_eq!(document.as_object().unwrap().len(), expected_keys, "{document}");
            if let Some((key, value)) = extra {
                assert_eq!(document[key], value, "{name}");
            }
        }
    }

    #[test]
    fn every_outcome_reads_as_checked_in() {
        let outcomes = [
            followed(Outcome::Succeeded, "finished"),
            followed(Outcome::Failed, "failed"),
            followed(Outcome::Unrecognized, "paused"),
            followed(Outcome::TimedOut { stop: Stop::Confirmed }, "failed"),
            followed(Outcome::TimedOut { stop: Stop::Acknowledged }, "started"),
            followed(
                Outcome::TimedOut { stop: Stop::NotSent { reason: "HTTP 502".into() } },
                "started",
            ),
            followed(Outcome::TimedOut { stop: Stop::NotAsked }, "started"),
            followed(Outcome::Replaced { by: Some(RunId::new(4_294_967_298)) }, "finished"),
            followed(Outcome::Replaced { by: None }, "finished"),
        ];
        let shown: Vec<String> = outcomes
            .iter()
            .map(|followed| outcome_lines(followed, &Redactor::new()).join("\n"))
            .collect();
        insta::assert_snapshot!(shown.join("\n\n"));
    }

    #[test]
    fn a_run_whose_length_the_server_does_not_tell_says_how_long_it_was_followed() {
        let mut run = crate::fixtures::seed_run();
        run["finished"] = json!(null);
        let unfinished = Run::new(serde_json::from_value(run.clone()).unwrap());
        run["created"] = json!("2024-06-03T08:00:00Z");
        run["finished"] = json!("2024-06-03T07:59:59Z");
        let backwards = Run::new(serde_json::from_value(run).unwrap());
        for run in [unfinished, backwards] {
            let report = WaitReport::new(Outcome::Succeeded, run, Duration::from_secs(4), 2);
            let followed = FollowedRun { pipeline: PipelineId::new(7), report, diagnosis: None };
            assert!(headline(&followed).ends_with("succeeded (followed for 4.0s)"));
        }
    }

    #[test]
    fn hostile_run_dates_give_a_headline_that_neither_panics_nor_runs_backwards() {
        let cases = [
            ("+262142-12-31T23:59:59Z", "-262143-01-01T00:00:00Z", "(followed for 4.0s)"),
            ("-262143-01-01T00:00:00Z", "+262142-12-31T23:59:59Z", "succeeded in "),
            ("2024-06-03T08:00:00Z", "9999-12-31T23:59:59.999999999Z", "succeeded in "),
            ("2024-06-03T08:00:00Z", "2024-06-03T08:00:00Z", "succeeded in 0.0s"),
            ("2024-06-03T08:00:00Z", "2024-06-03T07:59:59.999Z", "(followed for 4.0s)"),
            ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z", "succeeded in "),
        ];
        for (created, finished, expected) in cases {
            let raw = json!({ "id": 9, "created": created, "finished": finished, "steps": [] });
            let run = Run::new(serde_json::from_value(raw).expect("a run"));
            let report = WaitReport::new(Outcome::Succeeded, run, Duration::from_secs(4), 2);
            let followed = FollowedRun { pipeline: PipelineId::new(7), report, diagnosis: None };
            let line = headline(&followed);
            assert!(line.contains(expected), "{created} to {finished}: {line}");
        }
    }
}
