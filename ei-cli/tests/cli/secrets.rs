//! Secrets: the steps' project keys and the caller's own key are never
//! printed, in any mode.

use std::time::Duration;

use ei_api_ext::enums::JobLogItemLogLevel;
use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::harness::{run, Studio, API_KEY, ORG};

pub(crate) const PROJECT_API_KEY: &str = "ei_project_api_key_SECRET_0001";
pub(crate) const PROJECT_HMAC_KEY: &str = "hmac_SECRET_0002";

/// A pipeline whose two steps carry [`PROJECT_API_KEY`] and [`PROJECT_HMAC_KEY`].
pub(crate) fn keyed_pipeline() -> PipelineSpec {
    PipelineSpec::new(ORG, 1, "Keyed")
        .step(
            StepSpec::new("Import")
                .duration(Duration::from_millis(600))
                .project_id(3)
                .project_keys(PROJECT_API_KEY, PROJECT_HMAC_KEY),
        )
        .step(
            StepSpec::new("Also import")
                .duration(Duration::from_millis(600))
                .project_id(4)
                .project_keys(PROJECT_API_KEY, PROJECT_HMAC_KEY),
        )
}

#[test]
fn secrets_are_never_printed() {
    let studio = Studio::start([keyed_pipeline()]);
    let commands: [&[&str]; 8] = [
        &["run", "1", "--wait", "--json"],
        &["run", "1", "--wait"],
        &["status", "1", "--json"],
        &["status", "1"],
        &["list", "--json"],
        &["list"],
        &["run", "1", "--json"],
        &["stop", "1"],
    ];
    let mut outcomes = Vec::new();
    for args in commands {
        let outcome = run(studio.cli(), args);
        assert!(outcome.code == 0, "{args:?}: {}", outcome.stderr);
        outcomes.push(outcome);
    }
    // Errors too: a broken answer quotes the body, a refusal the server's words.
    studio.inject(Operation::Get, When::Always, Fault::truncated_json());
    outcomes.push(run(studio.cli(), &["status", "1"]).expect_code(4));
    let mut with_key_flag = crate::harness::bare_cli();
    with_key_flag.args(["--api-key", API_KEY, "--base-url", "http://127.0.0.1:9/v1"]);
    outcomes.push(run(with_key_flag, &["--org", "1", "list"]).expect_code(4));

    for outcome in &outcomes {
        for secret in [PROJECT_API_KEY, PROJECT_HMAC_KEY, "SECRET", API_KEY] {
            outcome.assert_hides(secret);
        }
    }
    // The JSON keeps the properties, with their values redacted.
    let status = outcomes[2].json();
    assert_eq!(status["steps"][0]["projectApiKey"], "<redacted>");
    assert_eq!(status["steps"][0]["projectHmacKey"], "<redacted>");
    let waited = outcomes[0].json();
    assert_eq!(waited["pipelineRun"]["steps"][1]["projectApiKey"], "<redacted>");
    let started = outcomes[6].json();
    assert_eq!(started["pipelineRun"]["steps"][0]["projectHmacKey"], "<redacted>");
}

/// A project HMAC key as the API hands them out: hexadecimal, no `ei_`
/// prefix, so only the run's own keys can mask it.
const HEX_HMAC_KEY: &str = "9c2f7a41e8b35d06f1c4a97e2b58d3c0a6f19e47b2d8c5a03e7f1b94d6c2a85e";

#[test]
fn a_project_key_across_the_cut_of_a_log_line_is_never_shown_in_part() {
    let echoed = format!("{} HMAC={HEX_HMAC_KEY}", "x".repeat(174));
    let step = StepSpec::new("Sign")
        .duration(Duration::from_millis(500))
        .files(4)
        .failing_files(2)
        .project_keys("ei_project_key_of_the_signing_step_0001", HEX_HMAC_KEY)
        .failure_log([(Some(JobLogItemLogLevel::Error), echoed)]);
    let studio = Studio::start([PipelineSpec::new(ORG, 6, "Signs").step(step)]);
    let waited = run(studio.cli(), &["run", "6", "--wait"]).expect_code(1);
    let logs = run(studio.cli(), &["logs", "6"]).expect_code(0);
    let start = &HEX_HMAC_KEY[..12];
    for (command, outcome) in [("run --wait", &waited), ("logs", &logs)] {
        assert!(
            !outcome.stdout.contains(start),
            "{command} shows the key's start:\n{}",
            outcome.stdout
        );
    }
}
