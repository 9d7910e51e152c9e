//! What the command writes on stderr, through the real binary: every line a
//! JSON object within its bound under `--log-format json`, whatever happens
//! (Ctrl-C, a failed run, timeouts, a redirect); no part of a secret where a
//! line is cut; the exit codes of a missing run, a failing server and a
//! refusal.

use std::time::Duration;

use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};
use serde_json::Value;

use crate::harness::{quick_pipeline, run, Outcome, Studio, API_KEY, ORG};
use crate::untrusted_answers::jwt_cli;

/// The longest line on stderr, as the README and `--help` promise.
const LOG_LINE_MAX_CHARS: usize = 2_000;

/// The signature of the harness's JWT: the part of it that is the secret.
const JWT_SIGNATURE: &str = "cli_test_jwt_signature";

/// The 64 hex digits of the harness's API key start with these: a fragment
/// no output may show.
const API_KEY_DIGITS: &str = "ca11e4a91e";

/// Asserts that every line on stderr is one JSON object within the bound.
#[track_caller]
fn assert_every_stderr_line_is_a_json_object(outcome: &Outcome) {
    assert!(!outcome.stderr.is_empty(), "stderr is empty");
    for line in outcome.stderr.lines() {
        let chars = line.chars().count();
        assert!(chars <= LOG_LINE_MAX_CHARS, "a line of {chars} characters: {line:.300}");
        let parsed = serde_json::from_str::<Value>(line);
        assert!(
            parsed.is_ok_and(|event| event.is_object()),
            "not a JSON object: {line:.300}\nstderr:\n{}",
            outcome.stderr
        );
    }
}

#[test]
fn a_credential_echoed_across_the_cut_of_a_refusal_shows_no_part_of_it() {
    // A run going, so that the stop is sent and refused.
    let pipeline = PipelineSpec::new(ORG, 1, "Going")
        .step(StepSpec::new("Long").duration(Duration::from_secs(60)).files(2));
    let studio = Studio::start([pipeline]);
    studio.start_run(1);
    // A refusal whose words quote the caller's JWT where the error's 300
    // characters of the server's words end: the cut keeps its first 50
    // characters, the masking (done after the cut) no longer finds it whole.
    let refusal = format!("{} {}", "p".repeat(249), crate::harness::JWT);
    studio.inject(Operation::Stop, When::Always, Fault::success_false(&refusal));
    let outcome = run(jwt_cli(&studio, false), &["-v", "--log-format", "json", "stop", "1"]);
    let outcome = outcome.expect_code(3);
    assert_every_stderr_line_is_a_json_object(&outcome);
    outcome.assert_hides(JWT_SIGNATURE);
}

#[test]
fn an_api_key_echoed_across_the_cut_of_a_step_name_shows_no_part_of_it() {
    // A step named so that its 80 shown characters end 27 hex digits into
    // the caller's key: fewer than the 32 a key-shaped word needs to be
    // masked, and no longer the whole secret the output masks by value.
    let name = format!("{}{API_KEY} tail", "s".repeat(50));
    let pipeline = PipelineSpec::new(ORG, 4, "Echoing")
        .step(StepSpec::new(name).duration(Duration::from_millis(300)).files(2));
    let studio = Studio::start([pipeline]);
    let args = ["-v", "--log-format", "json", "run", "4", "--wait"];
    let outcome = run(studio.cli(), &args).expect_code(0);
    assert_every_stderr_line_is_a_json_object(&outcome);
    outcome.assert_hides(API_KEY_DIGITS);
}

#[test]
fn an_invalid_rust_log_under_log_format_json_is_reported_as_json() {
    let studio = Studio::quick();
    let mut command = studio.cli();
    command.env("RUST_LOG", "ei_api_ext=loudest");
    let outcome = run(command, &["-v", "--log-format", "json", "list"]).expect_code(2);
    assert_every_stderr_line_is_a_json_object(&outcome);
}

#[test]
fn an_answer_with_a_status_past_5xx_is_not_worded_as_a_refusal() {
    let studio = Studio::quick();
    studio.inject(Operation::Get, When::Always, Fault::status(600));
    let outcome = run(studio.cli(), &["status", "1"]);
    // The table gives "the API refused the request" to exit 3; an answer
    // the API never gives is exit 4, "no usable answer".
    assert_eq!(outcome.code, 4, "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("refused"), "exit 4 worded as a refusal:\n{}", outcome.stderr);
}

#[test]
fn wait_and_logs_on_a_pipeline_that_never_ran_exit_3_with_json_lines() {
    let studio = Studio::start([quick_pipeline(1)]);
    let logs = run(studio.cli(), &["logs", "1"]);
    assert_eq!(logs.code, 3, "logs:\n{}", logs.stderr);
    let wait = run(studio.cli(), &["-v", "--log-format", "json", "wait", "1", "--json"]);
    assert_eq!(wait.code, 3, "wait --json:\n{}", wait.stderr);
    assert_every_stderr_line_is_a_json_object(&wait);
    assert!(wait.stderr.contains("the pipeline has no run"), "{}", wait.stderr);
}

#[test]
fn wait_with_a_short_timeout_on_a_pipeline_that_never_ran_exits_3() {
    let studio = Studio::start([quick_pipeline(1)]);
    // The first read shows the pipeline has no run; the wait re-reads it for
    // the view's lag grace (5 s), and a deadline within that wins.
    let wait = run(studio.cli(), &["wait", "1", "--timeout", "2s"]);
    assert_eq!(wait.code, 3, "a pipeline with no run is exit 3:\n{}", wait.stderr);
    assert!(!wait.stderr.contains("may or may not have started"), "{}", wait.stderr);
}

/// A two-step pipeline whose second step fails 2 of its 10 files.
fn breaking(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Breaks")
        .step(StepSpec::new("Fetch").duration(Duration::from_millis(300)).files(4))
        .step(
            StepSpec::new("Clean").duration(Duration::from_millis(600)).files(10).failing_files(2),
        )
}

#[test]
fn logs_prints_what_it_read_and_exits_4_when_a_later_list_cannot_be_read() {
    let studio = Studio::start([breaking(8)]);
    run(studio.cli(), &["run", "8", "--wait", "--no-diagnosis"]).expect_code(1);
    // Step 1's lists (its failed files: none; then all of them) are read;
    // step 2's list is refused, as a job Studio no longer keeps is.
    studio.inject(Operation::TransformationJobStatus, When::Nth(3), Fault::status(404));
    let outcome = run(studio.cli(), &["logs", "8"]);
    // `logs` promises: exit 4 when a list or a log could not be read, what
    // was read printed all the same.
    assert!(
        outcome.stdout.contains("step 1 \"Fetch\""),
        "step 1's logs, read before the failure, are not shown:\nstdout:\n{}\nstderr:\n{}",
        outcome.stdout,
        outcome.stderr
    );
    assert_eq!(outcome.code, 4, "{}", outcome.stderr);
}

/// `-vv --log-format json` and `args`.
fn json_lines_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    ["-vv", "--log-format", "json"].into_iter().chain(args.iter().copied()).collect()
}

#[test]
fn ctrl_c_under_json_lines_writes_only_json_objects_on_stderr() {
    let pipeline = PipelineSpec::new(ORG, 5, crate::untrusted_answers::hostile_name("Patient"))
        .step(StepSpec::new("Wait for it").duration(Duration::from_secs(30)));
    let studio = Studio::start([pipeline]);
    let args = json_lines_args(&["run", "5", "--wait", "--json"]);
    let mut child = crate::harness::spawn(studio.cli(), &args);
    let (mut lines, mut stderr) = crate::harness::read_stderr_until(&mut child, "Wait for it");
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = child.wait().expect("the child ends");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("reads stderr");
    lines.push(rest);
    let mut stdout = String::new();
    let mut piped = child.stdout.take().expect("piped");
    std::io::Read::read_to_string(&mut piped, &mut stdout).expect("reads stdout");
    let outcome = Outcome { code: status.code().expect("exits"), stdout, stderr: lines.concat() };
    assert_eq!(outcome.code, 130, "{}", outcome.stderr);
    assert_eq!(outcome.json()["outcome"], "interrupted");
    assert_every_stderr_line_is_a_json_object(&outcome);
    assert!(outcome.stderr.contains("goes on"), "{}", outcome.stderr);
}

#[test]
fn a_failed_run_its_diagnosis_logs_and_timeouts_under_json_lines_write_only_json_objects() {
    let hostile = crate::untrusted_answers::hostile_name;
    let failing = PipelineSpec::new(ORG, 6, hostile("Breaks"))
        .step(StepSpec::new(hostile("Fetch")).duration(Duration::from_millis(200)).files(3))
        .step(
            StepSpec::new(hostile("Clean"))
                .duration(Duration::from_millis(300))
                .files(5)
                .failing_files(2),
        );
    let slow = PipelineSpec::new(ORG, 9, hostile("Slow"))
        .step(StepSpec::new(hostile("Long")).duration(Duration::from_secs(20)));
    let studio = Studio::start([failing, slow]);
    let cases: [(&[&str], i32); 6] = [
        (&["run", "6", "--wait"], 1),
        (&["logs", "6"], 0),
        (&["logs", "6", "--level", "error", "--json"], 0),
        (&["wait", "6", "--json"], 1),
        (&["run", "9", "--wait", "--timeout", "1s", "--stop-on-timeout"], 5),
        (&["wait", "9", "--run", "1", "--timeout", "1s"], 3),
    ];
    for (args, code) in cases {
        let outcome = run(studio.cli(), &json_lines_args(args));
        assert_eq!(outcome.code, code, "{args:?}\n{}", outcome.stderr);
        assert_every_stderr_line_is_a_json_object(&outcome);
        outcome.assert_hides(API_KEY);
        if args.contains(&"--json") {
            assert!(outcome.json().is_object(), "{args:?}");
        }
    }
}

#[test]
fn demo_under_json_lines_writes_only_json_objects_on_stderr() {
    let outcome = run(crate::harness::bare_cli(), &json_lines_args(&["demo"])).expect_code(0);
    assert_every_stderr_line_is_a_json_object(&outcome);
    assert!(outcome.stderr.contains("\"target\":\"ei_pipeline\""), "{}", outcome.stderr);
}

#[test]
fn a_redirect_to_a_huge_host_is_cut_on_every_stderr_line() {
    // Labels of 60 letters: a host the URL parser takes, whatever its length.
    let host = vec!["a".repeat(60); 1_000].join(".");
    let location = format!("http://{host}/v1/steal");
    let studio = Studio::quick();
    for flags in [&[][..], &["-v"][..]] {
        studio.inject(Operation::Get, When::Nth(1), Fault::redirect(307, &location));
        let args: Vec<&str> = flags.iter().copied().chain(["status", "1"]).collect();
        let outcome = run(studio.cli(), &args);
        assert_eq!(outcome.code, 4, "{args:?}: {:.500}", outcome.stderr);
        for line in outcome.stderr.lines() {
            let chars = line.chars().count();
            assert!(chars <= LOG_LINE_MAX_CHARS, "{args:?}: a line of {chars} chars: {line:.300}");
        }
    }
}

#[test]
fn a_project_key_echoed_in_a_step_name_is_masked_in_the_progress_lines() {
    let hmac_key = crate::secrets::PROJECT_HMAC_KEY;
    // A step whose name quotes its own project HMAC key (a block's owner
    // pasting it, or a hostile server): the outcome lines mask it, as they
    // mask every key the run's steps carry.
    let pipeline = PipelineSpec::new(ORG, 3, "Keyed").step(
        StepSpec::new(format!("Import with {hmac_key}"))
            .duration(Duration::from_millis(300))
            .project_id(3)
            .project_keys(crate::secrets::PROJECT_API_KEY, hmac_key),
    );
    let studio = Studio::start([pipeline]);
    let outcome = run(studio.cli(), &json_lines_args(&["run", "3", "--wait"])).expect_code(0);
    assert!(!outcome.stdout.contains(hmac_key), "the outcome masks it: {}", outcome.stdout);
    assert_every_stderr_line_is_a_json_object(&outcome);
    outcome.assert_hides(hmac_key);
}

#[test]
fn exit_codes_for_missing_runs_server_failures_and_refusals_match_the_table() {
    let studio = Studio::start([quick_pipeline(1)]);
    // stop with no run going: nothing to stop, exit 0; with a run going and
    // the stop refused: exit 3.
    let stop = run(studio.cli(), &["stop", "1"]);
    assert_eq!(stop.code, 0, "stop:\n{}", stop.stderr);
    studio.start_run(1);
    studio.inject(Operation::Stop, When::Nth(1), Fault::success_false("Pipeline is disabled"));
    let stop = run(studio.cli(), &["stop", "1"]);
    assert_eq!(stop.code, 3, "stop:\n{}", stop.stderr);
    // A server that keeps failing: exit 4, worded as a failure, not a refusal.
    for status in [502, 503] {
        let studio = Studio::start([quick_pipeline(1)]);
        studio.inject(Operation::Get, When::Always, Fault::status(status));
        for args in [&["status", "1"][..], &["logs", "1"][..]] {
            let outcome = run(studio.cli(), &json_lines_args(args));
            assert_eq!(outcome.code, 4, "{status} {args:?}:\n{}", outcome.stderr);
            assert_every_stderr_line_is_a_json_object(&outcome);
            let error = outcome.stderr.lines().last().expect("an error line");
            assert!(error.contains("the server failed to answer"), "{error}");
            assert!(!error.contains("refused"), "{error}");
        }
    }
}
