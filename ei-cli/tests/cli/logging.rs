//! Diagnostic output (`-v`, `RUST_LOG`, `--log-format json`): what each
//! level shows on stderr, that stdout stays one JSON document, and that the
//! most verbose level, through every hostile fault, shows no secret, no
//! character that drives a terminal and no line past the bound.

use std::process::Command;
use std::time::Duration;

use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};
use serde_json::Value;

use crate::harness::{quick_pipeline, run, Outcome, Studio, API_KEY, JWT, ORG};
use crate::secrets::{keyed_pipeline, PROJECT_API_KEY, PROJECT_HMAC_KEY};
use crate::untrusted_answers::{assert_terminal_safe, hostile_name, jwt_cli};

/// The longest log line the CLI writes, as its README and `--help` promise.
const LOG_LINE_MAX_CHARS: usize = 2_000;

/// The studio of the retry tests: pipeline 1's first run call is throttled
/// for a second, and the wait's first read fails with a 503.
fn throttled_studio() -> Studio {
    let studio = Studio::quick();
    studio.inject(Operation::Run, When::Nth(1), Fault::status(429).retry_after("1"));
    studio.inject(Operation::Get, When::Nth(1), Fault::status(503));
    studio
}

/// The line of `stderr` that contains every one of `parts`.
#[track_caller]
fn line_with<'a>(stderr: &'a str, parts: &[&str]) -> &'a str {
    let found = stderr.lines().find(|line| parts.iter().all(|part| line.contains(part)));
    found.unwrap_or_else(|| panic!("no line with {parts:?} in:\n{stderr}"))
}

/// The lines of `stderr` the subscriber wrote (text format): they name a
/// target of the SDK or of the HTTP stack.
fn log_lines(stderr: &str) -> Vec<&str> {
    let targets = ["ei_api_ext::", "reqwest::", "hyper_util::"];
    stderr.lines().filter(|line| targets.iter().any(|target| line.contains(target))).collect()
}

#[test]
fn vv_shows_each_attempt_with_its_status_and_each_retry_with_its_delay_and_reason() {
    let studio = throttled_studio();
    let outcome = run(studio.cli(), &["-vv", "run", "1", "--wait"]).expect_code(0);
    let stderr = &outcome.stderr;
    let run_call = r#"ei.call{operation="runOrganizationPipeline" organization=1 pipeline=1}"#;
    line_with(stderr, &[run_call, "ei.attempt{attempt=1 status=429}", "DEBUG", "attempt failed"]);
    line_with(
        stderr,
        &[run_call, "INFO", "retrying attempt=1 delay_ms=1000", r#"reason="retry-after""#],
    );
    line_with(stderr, &[run_call, "ei.attempt{attempt=2 status=200}", "attempt succeeded"]);
    line_with(stderr, &[run_call, "call succeeded attempts=2"]);

    let read = r#"ei.call{operation="getOrganizationPipeline" organization=1 pipeline=1}"#;
    line_with(stderr, &["ei.wait{run=", "next poll poll=1 delay_ms=", r#"reason="schedule""#]);
    line_with(stderr, &[read, "ei.attempt{attempt=1 status=503}", "attempt failed", "HTTP 503"]);
    line_with(stderr, &[read, "retrying attempt=1 delay_ms=", r#"reason="backoff""#]);
    line_with(stderr, &[read, "ei.attempt{attempt=2 status=200}", "attempt succeeded"]);

    // Each log line is timed from the start, in seconds.
    let lines = log_lines(stderr);
    assert!(lines.len() >= 8, "{stderr}");
    for line in lines {
        let (time, _) = line.trim_start().split_once("s ").expect("a timestamp");
        assert!(time.parse::<f64>().is_ok_and(|seconds| seconds < 60.0), "{line}");
    }
    assert_eq!(studio.runs_started(1), 1);
    assert!(outcome.stdout.contains("succeeded"), "stdout keeps the result: {}", outcome.stdout);
}

#[test]
fn v_shows_calls_and_retries_without_attempts_and_nothing_shows_without_it() {
    let studio = throttled_studio();
    let outcome = run(studio.cli(), &["run", "1", "--wait", "--verbose"]).expect_code(0);
    let stderr = &outcome.stderr;
    line_with(stderr, &["runOrganizationPipeline", "retrying attempt=1", "retry-after"]);
    line_with(stderr, &["getOrganizationPipeline", "retrying attempt=1", "backoff"]);
    line_with(stderr, &["runOrganizationPipeline", "call succeeded attempts=2"]);
    for hidden in ["DEBUG", "ei.attempt", "next poll", "reqwest::"] {
        assert!(!stderr.contains(hidden), "-v shows {hidden:?}:\n{stderr}");
    }

    let studio = throttled_studio();
    let quiet = run(studio.cli(), &["run", "1", "--wait"]).expect_code(0);
    assert_eq!(log_lines(&quiet.stderr), Vec::<&str>::new(), "{}", quiet.stderr);
    assert!(!quiet.stderr.contains("retrying"), "{}", quiet.stderr);
}

#[test]
fn vvv_shows_the_http_stack_and_rust_log_takes_precedence() {
    let studio = Studio::quick();
    let outcome = run(studio.cli(), &["status", "1", "-vvv"]).expect_code(0);
    line_with(&outcome.stderr, &["DEBUG", "hyper_util::", "connect"]);
    line_with(&outcome.stderr, &["DEBUG", "ei_api_ext::call::attempt", "attempt succeeded"]);

    let mut command = studio.cli();
    command.env("RUST_LOG", "ei_api_ext::call=info");
    let outcome = run(command, &["status", "1", "-vvv"]).expect_code(0);
    line_with(&outcome.stderr, &["INFO", "ei_api_ext::call", "call succeeded attempts=1"]);
    let lines = log_lines(&outcome.stderr);
    assert!(lines.iter().all(|line| line.contains("ei_api_ext::call")), "{lines:#?}");
}

#[test]
fn json_stdout_parses_with_logging_at_its_most_verbose() {
    let studio = throttled_studio();
    let commands: [&[&str]; 4] = [
        &["-vvv", "run", "1", "--wait", "--json"],
        &["status", "1", "--json", "-vvv"],
        &["list", "--json", "-vvv", "--log-format", "json"],
        &["run", "1", "--json"],
    ];
    for args in commands {
        for rust_log in [None, Some("trace")] {
            let mut command = studio.cli();
            if let Some(filter) = rust_log {
                command.env("RUST_LOG", filter);
            }
            let outcome = run(command, args).expect_code(0);
            assert!(outcome.json().is_object() || outcome.json().is_array(), "{args:?}");
            if rust_log.is_some() || args.contains(&"-vvv") {
                assert!(outcome.stderr.contains("DEBUG"), "{args:?} logs:\n{}", outcome.stderr);
            }
            if args.contains(&"run") && !args.contains(&"--wait") {
                // A run without --wait goes on; let it end before the next one starts.
                std::thread::sleep(Duration::from_millis(1_200));
            }
        }
    }
}

#[test]
fn log_format_json_writes_one_object_per_line_with_the_retry_in_fields() {
    let studio = throttled_studio();
    let args = ["-vv", "--log-format", "json", "run", "1", "--wait", "--json"];
    let outcome = run(studio.cli(), &args).expect_code(0);
    assert_eq!(outcome.json()["outcome"], "succeeded");
    // Every line on stderr, the command's own progress included, is a JSON object.
    let mut events = Vec::new();
    for line in outcome.stderr.lines() {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {line}\n{}", outcome.stderr));
        assert!(event["timestamp"].is_string() && event["level"].is_string(), "{line}");
        events.push(event);
    }
    let progress = events.iter().find(|event| event["target"] == "ei_pipeline");
    let progress = progress.unwrap_or_else(|| panic!("no progress line in {events:#?}"));
    assert_eq!(progress["level"], "INFO");
    assert!(progress["fields"]["message"].as_str().is_some_and(|m| m.contains("following")));
    let retry = events
        .iter()
        .find(|event| event["fields"]["reason"] == "retry-after")
        .unwrap_or_else(|| panic!("no retry in {events:#?}"));
    assert_eq!(retry["level"], "INFO");
    assert_eq!(retry["fields"]["message"], "retrying");
    assert_eq!(retry["fields"]["delay_ms"], 1000);
    assert_eq!(retry["span"]["operation"], "runOrganizationPipeline");
    let throttled = events
        .iter()
        .find(|event| event["span"]["status"] == 429)
        .unwrap_or_else(|| panic!("no throttled attempt in {events:#?}"));
    assert_eq!(throttled["fields"]["message"], "attempt failed");
    assert_eq!(throttled["span"]["attempt"], 1);
    let poll = events.iter().find(|event| event["fields"]["message"] == "next poll");
    assert!(poll.is_some_and(|poll| poll["fields"]["reason"].is_string()), "{events:#?}");
}

#[test]
fn an_invalid_rust_log_or_log_format_exits_2_before_any_call() {
    let studio = Studio::quick();
    let mut command = studio.cli();
    command.env("RUST_LOG", "ei_api_ext=loudest");
    let outcome = run(command, &["list"]).expect_code(2);
    assert!(outcome.stderr.starts_with("error: invalid RUST_LOG: "), "{}", outcome.stderr);
    assert!(outcome.stdout.is_empty());
    let outcome = run(studio.cli(), &["list", "--log-format", "yaml"]).expect_code(2);
    assert!(outcome.stderr.contains("--log-format"), "{}", outcome.stderr);
    assert_eq!(studio.requests_received(), 0);
}

/// Asserts that `outcome` shows neither `credential` (the one it was given)
/// nor the API key (anything shaped like one is masked) nor a project key,
/// not even in part.
#[track_caller]
fn assert_no_secret(outcome: &Outcome, credential: &str) {
    let fragments = ["caller_key", "SECRET"];
    let secrets = [credential, API_KEY, PROJECT_API_KEY, PROJECT_HMAC_KEY];
    for secret in secrets.into_iter().chain(fragments) {
        outcome.assert_hides(secret);
    }
}

/// Asserts that every line on stderr is within the bound, and (with
/// `json_lines`) a JSON object.
#[track_caller]
fn assert_bounded(outcome: &Outcome, json_lines: bool) {
    for line in outcome.stderr.lines() {
        let chars = line.chars().count();
        assert!(chars <= LOG_LINE_MAX_CHARS, "a line of {chars} characters: {line:.300}");
        if json_lines {
            let parsed = serde_json::from_str::<Value>(line);
            assert!(parsed.is_ok_and(|event| event.is_object()), "not a JSON object: {line:.300}");
        }
    }
}

/// Every hostile fault of the fake, each with the operation it is injected
/// into and the command that meets it, for a caller using `credential`.
fn hostile_faults(credential: &str) -> Vec<(Operation, Fault, &'static str)> {
    // A proxy's error page quoting the credential, the API key and the
    // project keys, wrapped in escape sequences.
    let page = format!(
        "<html>\u{1b}[2J\u{1b}]0;pwned\u{7}{credential} {API_KEY} {{\"projectApiKey\": \
         \"{PROJECT_API_KEY}\", \"projectHmacKey\": \"{PROJECT_HMAC_KEY}\"}}\r\u{202e}{}</html>",
        "x".repeat(70_000)
    );
    // A refusal's words are quoted as the server sent them (key-shaped words
    // and secret properties are masked only in quoted bodies): this one
    // quotes the caller's own credential.
    let refusal = format!("{credential} {}", hostile_name("Refused"));
    vec![
        (Operation::Run, Fault::redirect(307, "http://203.0.113.7/v1/steal"), "run 1 --wait"),
        (Operation::Get, Fault::endless_body(), "status 1"),
        (Operation::List, Fault::declared_body(1 << 30), "list"),
        (Operation::Get, Fault::drip(Duration::from_micros(200)), "status 1 --json"),
        (Operation::Get, Fault::hostile_text(), "run 7 --wait"),
        (Operation::List, Fault::hostile_text(), "list"),
        (Operation::Run, Fault::hostile_text(), "run 7 --json"),
        (Operation::Run, Fault::undated(), "run 1 --wait"),
        (Operation::Run, Fault::status(503).body("text/html", page.clone()), "run 2 --wait"),
        (Operation::Get, Fault::status(502).body("text/html", page.clone()), "status 1"),
        (Operation::List, Fault::status(401).body("text/html", page), "list"),
        (Operation::Run, Fault::close_after_action(), "run 1 --wait --json"),
        (Operation::Get, Fault::truncated_json(), "status 1"),
        (Operation::Stop, Fault::success_false(&refusal), "stop 1"),
        (Operation::Get, Fault::malformed_json(), "status 7"),
        (Operation::Get, Fault::close_before_answer(), "status 1"),
        (Operation::Get, Fault::unlisted_enum_values(), "status 1 --json"),
        (Operation::Get, Fault::unknown_properties(), "status 7"),
        (Operation::List, Fault::nulls(), "list --json"),
    ]
}

/// One of the most verbose settings.
struct Verbose {
    /// The flags it adds to the command line.
    flags: &'static [&'static str],
    /// Whether it sets `RUST_LOG=trace`.
    trace: bool,
    /// Its credential: the API key, or a JWT in the header or (`Some(true)`)
    /// the cookie.
    jwt_cookie: Option<bool>,
    /// Whether its log lines are JSON.
    json_lines: bool,
}

/// `-vvv` in text with the API key, and `RUST_LOG=trace` in JSON and in
/// text with a JWT in the header or the cookie.
const MOST_VERBOSE: [Verbose; 3] = [
    Verbose { flags: &["-vvv"], trace: false, jwt_cookie: None, json_lines: false },
    Verbose {
        flags: &["--log-format", "json"],
        trace: true,
        jwt_cookie: Some(false),
        json_lines: true,
    },
    Verbose { flags: &[], trace: true, jwt_cookie: Some(true), json_lines: false },
];

impl Verbose {
    /// The binary for `studio`, with this setting's credential and `RUST_LOG`.
    fn command(&self, studio: &Studio) -> Command {
        let mut command = match self.jwt_cookie {
            None => studio.cli(),
            Some(cookie) => jwt_cli(studio, cookie),
        };
        if self.trace {
            command.env("RUST_LOG", "trace");
        }
        command
    }

    /// The credential the command is given.
    fn credential(&self) -> &'static str {
        if self.jwt_cookie.is_some() {
            JWT
        } else {
            API_KEY
        }
    }
}

#[test]
fn the_most_verbose_log_through_every_hostile_fault_shows_no_secret_hazard_or_long_line() {
    let hostile = PipelineSpec::new(ORG, 7, hostile_name("Hostile"))
        .step(StepSpec::new(hostile_name("Fetch")).duration(Duration::from_millis(200)).files(3))
        .step(
            StepSpec::new(hostile_name("Keyed"))
                .duration(Duration::from_millis(200))
                .project_id(5)
                .project_keys(PROJECT_API_KEY, PROJECT_HMAC_KEY),
        );
    let studio = Studio::start([keyed_pipeline(), hostile, quick_pipeline(2)]);
    for verbose in MOST_VERBOSE {
        for (operation, fault, args) in hostile_faults(verbose.credential()) {
            studio.inject(operation, When::Nth(1), fault);
            let args: Vec<&str> = verbose.flags.iter().copied().chain(args.split(' ')).collect();
            let outcome = run(verbose.command(&studio), &args);
            assert!(outcome.stderr.contains("ei_api_ext::"), "{args:?} logged nothing");
            assert_no_secret(&outcome, verbose.credential());
            assert_terminal_safe(&outcome);
            assert_bounded(&outcome, verbose.json_lines);
            // Let a started run end before the next one.
            if args.contains(&"run") && !args.contains(&"--wait") {
                std::thread::sleep(Duration::from_millis(600));
            }
        }
    }
}
