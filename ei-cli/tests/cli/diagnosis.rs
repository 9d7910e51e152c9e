//! Why did it fail, through the binary: a failed run ends with its failed
//! files and the last error lines of their logs, in words and in JSON,
//! bounded, safe, and never late; `logs` shows a run's logs on demand.

use std::time::{Duration, Instant};

use ei_api_ext::enums::JobLogItemLogLevel;
use ei_api_ext::untrusted::is_hazardous;
use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::harness::{run, Outcome, Studio, ORG};

/// The key a failing step carries, which its log echoes.
const PROJECT_KEY: &str = "ei_project_key_echoed_by_a_block_0001";

/// A pipeline `id` whose second step fails as `step` says.
fn failing(id: i64, step: StepSpec) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Breaks")
        .step(StepSpec::new("Fetch").duration(Duration::from_millis(300)).files(4))
        .step(step.duration(Duration::from_millis(600)))
}

/// A failed file's log: progress with a carriage return, an echoed key, and
/// an error line that would clear the screen.
fn hostile_log() -> Vec<(Option<JobLogItemLogLevel>, String)> {
    vec![
        (Some(JobLogItemLogLevel::Info), "loading\r 50%\r100%".to_owned()),
        (None, format!("using key {PROJECT_KEY}")),
        (Some(JobLogItemLogLevel::Error), "\u{1b}[2JTraceback: boom".to_owned()),
        (Some(JobLogItemLogLevel::Error), format!("ValueError {}", "x".repeat(100_000))),
    ]
}

fn cleaning(files: u32, failing: u32) -> StepSpec {
    StepSpec::new("Clean")
        .files(files)
        .failing_files(failing)
        .project_keys(PROJECT_KEY, "hmac_key_of_the_step_0001")
        .failure_log(hostile_log())
}

/// Asserts that neither stream has a hazardous character or the echoed
/// key, and (`--json` apart, which keeps texts whole) no line too long.
#[track_caller]
fn assert_safe(outcome: &Outcome, json: bool) {
    for text in [&outcome.stdout, &outcome.stderr] {
        assert!(!text.chars().any(|c| is_hazardous(c) && c != '\n'), "{text}");
        assert!(!text.contains(PROJECT_KEY), "{text}");
    }
    let human = if json { &outcome.stderr } else { &outcome.stdout };
    assert!(human.lines().all(|line| line.chars().count() < 2_000), "a line too long");
}

#[test]
fn a_failed_run_ends_with_its_failed_files_and_their_error_lines() {
    let studio = Studio::start([failing(2, cleaning(40, 3))]);
    let outcome = run(studio.cli(), &["run", "2", "--wait"]).expect_code(1);
    assert_safe(&outcome, false);
    let stdout = &outcome.stdout;
    assert!(stdout.contains("why step 2 \"Clean\" failed: 3 of 40 files failed"), "{stdout}");
    assert!(stdout.contains("its last error lines:"), "{stdout}");
    assert!(stdout.contains("[error] \\u{1b}[2JTraceback: boom"), "escaped: {stdout}");
    assert!(stdout.contains("[error] ValueError xxx"), "{stdout}");

    let outcome = run(studio.cli(), &["run", "2", "--wait", "--json"]).expect_code(1);
    assert_safe(&outcome, true);
    let document = outcome.json();
    let step = &document["diagnosis"]["steps"][0];
    assert_eq!((&step["step"]["number"], &step["step"]["name"]), (&2.into(), &"Clean".into()));
    assert_eq!(step["step"]["files"]["failed"], 3);
    assert_eq!(step["step"]["files"]["total"], 40);
    assert_eq!(step["selectedFiles"], 3);
    let lines = step["files"][0]["log"]["lines"].as_array().expect("the log's lines");
    assert_eq!(lines[0]["text"], "\u{1b}[2JTraceback: boom", "JSON keeps the text whole");
    assert_eq!(lines[1]["text"].as_str().map(str::len), Some(11 + 100_000));

    let outcome = run(studio.cli(), &["run", "2", "--wait", "--json", "--no-diagnosis"]);
    assert_eq!(outcome.expect_code(1).json()["diagnosis"], serde_json::Value::Null);
}

#[test]
fn a_failed_upload_shows_the_uploads_log() {
    let studio = Studio::start([failing(3, StepSpec::new("Import").files(5).upload_fails())]);
    let outcome = run(studio.cli(), &["run", "3", "--wait"]).expect_code(1);
    assert!(outcome.stdout.contains("failed: its upload failed"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("the upload failed (job "), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("its last error lines:"), "{}", outcome.stdout);
}

#[test]
fn thousands_of_failed_files_make_a_short_explanation() {
    let studio = Studio::start([failing(4, cleaning(5_000, 4_000))]);
    let outcome = run(studio.cli(), &["run", "4", "--wait", "--diagnosis-logs", "2"]);
    let outcome = outcome.expect_code(1);
    assert_safe(&outcome, false);
    assert!(outcome.stdout.contains("4000 of 5000 files failed"), "{}", outcome.stdout);
    assert!(
        outcome.stdout.contains("and 3990 more failed files; their logs: ei-pipeline logs 4 --run"),
        "{}",
        outcome.stdout
    );
    assert!(outcome.stdout.lines().count() < 40, "{}", outcome.stdout);
    let log_reads = studio.calls(Operation::JobLogs);
    assert!(log_reads <= 4, "two logs, an error read (and an all-level read) each: {log_reads}");
}

#[test]
fn logs_that_cannot_be_read_leave_the_outcome_and_say_why() {
    let studio = Studio::start([failing(5, cleaning(10, 2))]);
    studio.inject(Operation::JobLogs, When::Always, Fault::status(500));
    let outcome = run(studio.cli(), &["run", "5", "--wait"]).expect_code(1);
    assert!(outcome.stdout.contains("failed in"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("not read: the log of"), "{}", outcome.stdout);
}

#[test]
fn the_diagnosis_never_delays_the_exit_past_its_deadline() {
    let studio = Studio::start([failing(6, cleaning(10, 2))]);
    studio.inject(
        Operation::TransformationJobStatus,
        When::Always,
        Fault::delay(Duration::from_secs(3600)),
    );
    let started = Instant::now();
    let args = ["run", "6", "--wait", "--diagnosis-timeout", "2s"];
    let outcome = run(studio.cli(), &args).expect_code(1);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(8), "the run takes 1 s, the diagnosis 2 s: {elapsed:?}");
    assert!(outcome.stdout.contains("ran out of time"), "{}", outcome.stdout);
}

#[test]
fn logs_exits_4_when_a_log_could_not_be_read_and_shows_what_was() {
    let studio = Studio::start([failing(8, cleaning(10, 2))]);
    run(studio.cli(), &["run", "8", "--wait", "--no-diagnosis"]).expect_code(1);
    studio.inject(Operation::JobLogs, When::Always, Fault::status(503));
    let outcome = run(studio.cli(), &["logs", "8"]).expect_code(4);
    let heading = "step 2 \"Clean\" (failed, 10/10 files, 2 failed): 2 files failed";
    assert!(outcome.stdout.contains(heading), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("not read"), "{}", outcome.stdout);
    let outcome = run(studio.cli(), &["logs", "8", "--json"]).expect_code(4);
    let missing = outcome.json()["steps"][1]["missing"].as_array().expect("missing").len();
    assert_eq!(missing, 3, "each failed file's log, and the upload's: {}", outcome.stdout);
}

#[test]
fn logs_shows_a_runs_logs_on_demand() {
    let studio = Studio::start([failing(7, cleaning(10, 2))]);
    run(studio.cli(), &["run", "7", "--wait", "--no-diagnosis"]).expect_code(1);
    let outcome = run(studio.cli(), &["logs", "7"]).expect_code(0);
    assert_safe(&outcome, false);
    let first = "step 1 \"Fetch\" (succeeded, 4/4 files): 4 files (none failed)";
    assert!(outcome.stdout.contains(first), "{}", outcome.stdout);
    let second = "step 2 \"Clean\" (failed, 10/10 files, 2 failed): 2 files failed";
    assert!(outcome.stdout.contains(second), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("using key <redacted>"), "{}", outcome.stdout);

    let outcome = run(studio.cli(), &["logs", "7", "--step", "2", "--level", "error", "--json"]);
    let document = outcome.expect_code(0).json();
    let steps = document["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["selection"], "failed");
    let lines = steps[0]["files"][0]["log"]["lines"].as_array().expect("lines");
    assert!(lines.iter().all(|line| line["level"] == "error"), "{lines:?}");

    // The first step's files logged no errors: the filter, not the log, left nothing.
    let outcome = run(studio.cli(), &["logs", "7", "--step", "1", "--level", "error"]);
    let stdout = outcome.expect_code(0).stdout;
    assert!(stdout.contains("(no lines at error level or above)"), "{stdout}");
    assert!(!stdout.contains("the log is empty"), "{stdout}");

    let outcome = run(studio.cli(), &["logs", "7", "--step", "9"]).expect_code(2);
    assert!(outcome.stderr.contains("--step 9"), "{}", outcome.stderr);
    let outcome = run(studio.cli(), &["logs", "7", "--run", "12345"]).expect_code(3);
    assert!(outcome.stderr.contains("no run 12345"), "{}", outcome.stderr);
}
