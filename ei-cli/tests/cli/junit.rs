//! `--junit FILE`: the report CI systems show, through the binary, validated
//! against the Jenkins JUnit schema and read back: a suite per run, a case
//! per step, a failed step's failure carrying why; safe whatever the server
//! sends; written on every outcome.

use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ei_api_ext::enums::JobLogItemLogLevel;
use ei_fake_studio::{PipelineSpec, StepSpec};
use serde_json::Value;

use crate::harness::{quick_pipeline, read_stderr_until, run, spawn, Studio, API_KEY, ORG};
use crate::junit_schema::{children, validated};

/// The key the failing step carries, which its log echoes.
pub const PROJECT_KEY: &str = "ei_project_key_echoed_in_a_junit_report_01";

/// A step name and log line as hostile as a server can send: markup, XML's
/// own delimiters, characters XML 1.0 forbids, a terminal escape, workflow
/// command syntax, and the caller's key.
pub fn hostile_text(plain: &str) -> String {
    format!(
        "{plain} <b>&amp;</b> ]]> \"q\" 'a' \u{0}\u{1b}[2J\u{7}\u{fffe} ::error::x %0A 100% \r\nnext \
         line {API_KEY}"
    )
}

/// Pipeline 2: its second step fails 3 of its 40 files, whose log echoes
/// the step's project key and the caller's key among hostile lines.
pub fn failing_pipeline(id: i64) -> PipelineSpec {
    let log = vec![
        (Some(JobLogItemLogLevel::Info), format!("using {PROJECT_KEY}")),
        (Some(JobLogItemLogLevel::Error), hostile_text("Traceback")),
        (Some(JobLogItemLogLevel::Error), format!("ValueError: bad label {PROJECT_KEY}")),
    ];
    PipelineSpec::new(ORG, id, hostile_text("Labels"))
        .step(StepSpec::new("Fetch").duration(Duration::from_millis(300)).files(4))
        .step(
            StepSpec::new(hostile_text("Clean"))
                .duration(Duration::from_millis(600))
                .files(40)
                .failing_files(3)
                .project_keys(PROJECT_KEY, "hmac_key_of_the_junit_step_0001")
                .failure_log(log),
        )
}

/// Asserts the file's bytes: no secret, no character XML forbids, nothing
/// left beside it (the temporary file was renamed).
#[track_caller]
fn assert_safe_file(path: &Path) {
    let text = std::fs::read_to_string(path).expect("the report is UTF-8");
    for secret in [API_KEY, PROJECT_KEY] {
        assert!(!text.contains(secret), "the report shows {secret}:\n{text}");
    }
    let forbidden: Vec<char> = text
        .chars()
        .filter(|c| (c.is_control() && !matches!(c, '\n' | '\t')) || *c == '\u{fffe}')
        .collect();
    assert!(forbidden.is_empty(), "the report carries {forbidden:?}");
    let directory = path.parent().expect("a directory");
    let names: Vec<String> = std::fs::read_dir(directory)
        .expect("lists")
        .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "only the report is left: {names:?}");
}

fn attr<'a>(element: &'a Value, name: &str) -> &'a str {
    element["attrs"][name].as_str().unwrap_or_else(|| panic!("no {name} in {element}"))
}

fn suites(report: &Value) -> Vec<&Value> {
    assert_eq!(report["tag"], "testsuites");
    children(report, "testsuite").collect()
}

#[test]
fn a_failed_run_is_a_suite_whose_failed_step_carries_why() {
    let studio = Studio::start([failing_pipeline(2)]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let path = directory.path().join("report.xml");
    let path_arg = path.to_str().expect("a UTF-8 path");
    let outcome = run(studio.cli(), &["run", "2", "--wait", "--junit", path_arg]).expect_code(1);
    outcome.assert_hides(PROJECT_KEY);
    assert_safe_file(&path);
    let report = validated(&path);
    assert_eq!((attr(&report, "tests"), attr(&report, "failures")), ("2", "1"));
    let suites = suites(&report);
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert!(attr(suite, "name").starts_with("pipeline 2 run "), "{suite}");
    assert_eq!(
        (attr(suite, "tests"), attr(suite, "failures"), attr(suite, "errors")),
        ("2", "1", "0")
    );
    let properties: Vec<(&str, &str)> = children(suite, "properties")
        .flat_map(|properties| children(properties, "property"))
        .map(|property| (attr(property, "name"), attr(property, "value")))
        .collect();
    assert!(properties.contains(&("pipelineId", "2")), "{properties:?}");
    assert!(properties.contains(&("outcome", "failed")), "{properties:?}");

    let cases: Vec<&Value> = children(suite, "testcase").collect();
    assert_eq!(attr(cases[0], "name"), "1. Fetch");
    assert_eq!(children(cases[0], "failure").count(), 0, "Fetch passed");
    let name = attr(cases[1], "name");
    assert!(name.starts_with("2. Clean <b>&amp;</b> ]]> \"q\" 'a' \\u{0}\\u{1b}[2J"), "{name}");
    let failure = children(cases[1], "failure").next().expect("a failure");
    let message = attr(failure, "message");
    assert!(message.contains("failed, 3 of 40 files"), "{message}");
    assert!(message.contains("ValueError: bad label <redacted>"), "the last error line: {message}");
    let body = failure["text"].as_str().expect("a body");
    assert!(body.contains("3 of 40 files failed"), "{body}");
    assert!(body.contains("[error] Traceback <b>&amp;</b> ]]>"), "the log, unescaped: {body}");
    assert!(body.contains("\\u{1b}[2J"), "control characters escaped as elsewhere: {body}");
    let out = children(suite, "system-out").next().expect("the outcome as printed");
    assert!(out["text"].as_str().unwrap().contains("failed in"), "{out}");
}

#[test]
fn a_succeeded_run_is_a_suite_without_failures() {
    let studio = Studio::quick();
    let directory = tempfile::tempdir().expect("a temp dir");
    let path = directory.path().join("ok.xml");
    let args = ["run", "1", "--wait", "--json", "--junit", path.to_str().unwrap()];
    let outcome = run(studio.cli(), &args).expect_code(0);
    assert_eq!(outcome.json()["outcome"], "succeeded", "stdout stays one JSON document");
    assert_safe_file(&path);
    let report = validated(&path);
    let suite = suites(&report)[0];
    assert_eq!(
        (attr(suite, "tests"), attr(suite, "failures"), attr(suite, "errors")),
        ("2", "0", "0")
    );
}

#[test]
fn a_timed_out_wait_writes_its_report_with_the_running_step_as_an_error() {
    let pipeline = PipelineSpec::new(ORG, 5, "Slow")
        .step(StepSpec::new("Crawl").duration(Duration::from_secs(60)).files(5))
        .step(StepSpec::new("After"));
    let studio = Studio::start([pipeline]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let path = directory.path().join("timeout.xml");
    let args = ["run", "5", "--wait", "--timeout", "2s", "--junit", path.to_str().unwrap()];
    run(studio.cli(), &args).expect_code(5);
    let report = validated(&path);
    let suite = suites(&report)[0];
    let cases: Vec<&Value> = children(suite, "testcase").collect();
    let error = children(cases[0], "error").next().expect("the running step is an error");
    assert_eq!(attr(error, "type"), "timed_out");
    assert!(children(cases[1], "skipped").next().is_some(), "the step after never started");
}

#[test]
fn ctrl_c_writes_the_report_saying_the_wait_was_interrupted() {
    let pipeline = PipelineSpec::new(ORG, 5, "Patient")
        .step(StepSpec::new("Wait for it").duration(Duration::from_secs(30)));
    let studio = Studio::start([pipeline]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let path = directory.path().join("interrupted.xml");
    let mut child = spawn(studio.cli(), &["run", "5", "--wait", "--junit", path.to_str().unwrap()]);
    let _ = read_stderr_until(&mut child, ": 1 step: Wait for it");
    let sent =
        Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success());
    let status = child.wait().expect("the child ends");
    let mut stdout = String::new();
    child.stdout.take().expect("piped").read_to_string(&mut stdout).expect("reads stdout");
    assert_eq!(status.code(), Some(130));
    let report = validated(&path);
    let suite = suites(&report)[0];
    let case = children(suite, "testcase").next().expect("a case");
    let error = children(case, "error").next().expect("an error");
    assert_eq!(attr(error, "type"), "interrupted");
}

#[test]
fn a_junit_file_in_a_directory_that_does_not_exist_is_a_usage_error_before_any_run() {
    let studio = Studio::start([quick_pipeline(1)]);
    let outcome = run(studio.cli(), &["run", "1", "--wait", "--junit", "/nonexistent/dir/r.xml"])
        .expect_code(2);
    assert!(outcome.stderr.contains("does not exist"), "{}", outcome.stderr);
    assert_eq!(studio.runs_started(1), 0);
}
