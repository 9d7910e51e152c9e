//! The binary against a hostile or broken server: redirects, answers too
//! large to hold, a trickle, and text made to take over a terminal. Each
//! ends with its documented exit code and a message naming what the server
//! did; no credential reaches another origin; no control character from the
//! server reaches the terminal.

use std::process::Command;
use std::time::Duration;

use ei_api_ext::untrusted::is_hazardous;
use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::harness::{quick_pipeline, run, Outcome, Studio, API_KEY, JWT, ORG};

/// A command of the binary for `studio` authenticated with a JWT, in the
/// header or (with `cookie`) the cookie.
pub(crate) fn jwt_cli(studio: &Studio, cookie: bool) -> Command {
    let mut command = studio.cli();
    command.env_remove("EI_API_KEY").env("EI_JWT", JWT);
    if cookie {
        command.env("EI_JWT_TRANSPORT", "cookie");
    }
    command
}

/// Asserts that neither stream carries a character that drives a terminal
/// (line breaks apart).
#[track_caller]
pub(crate) fn assert_terminal_safe(outcome: &Outcome) {
    for (stream, text) in [("stdout", &outcome.stdout), ("stderr", &outcome.stderr)] {
        let found: Vec<char> = text.chars().filter(|c| is_hazardous(*c) && *c != '\n').collect();
        assert!(found.is_empty(), "{stream} carries {found:?}:\n{text}");
    }
}

#[test]
fn a_redirect_is_never_followed_by_any_command_with_any_credential() {
    let studio = Studio::quick();
    let elsewhere = Studio::quick();
    let other_port = elsewhere.base_url().trim_end_matches("/v1").to_owned();
    let other_host = other_port.replace("127.0.0.1", "localhost");
    let targets = [
        (302, format!("{other_port}/v1/api/organizations/1/pipelines/1"), other_port.clone()),
        (307, format!("{other_host}/v1/api/organizations/1/pipelines"), other_host.clone()),
        (308, "http://203.0.113.7/v1/steal".to_owned(), "http://203.0.113.7".to_owned()),
    ];
    let commands: [&[&str]; 4] = [&["status", "1"], &["run", "1"], &["stop", "1"], &["list"]];
    for (status, location, origin) in targets {
        for operation in [Operation::Run, Operation::Get, Operation::Stop, Operation::List] {
            studio.inject(operation, When::Always, Fault::redirect(status, &location));
        }
        for args in commands {
            for command in [studio.cli(), jwt_cli(&studio, false), jwt_cli(&studio, true)] {
                let outcome = run(command, args).expect_code(4);
                let named = format!("HTTP {status}");
                assert!(outcome.stderr.contains(&named), "{args:?}: {}", outcome.stderr);
                let target = format!("redirected to {origin}");
                assert!(outcome.stderr.contains(&target), "{args:?}: {}", outcome.stderr);
                outcome.assert_hides(API_KEY);
                outcome.assert_hides(JWT);
            }
        }
    }
    assert_eq!(elsewhere.requests_received(), 0, "nothing reached the other origin");
    assert_eq!(studio.runs_started(1), 0);
}

#[test]
fn an_endless_answer_exits_4_saying_it_was_too_large() {
    let studio = Studio::quick();
    studio.inject(Operation::Get, When::Always, Fault::endless_body());
    let outcome = run(studio.cli(), &["status", "1"]).expect_code(4);
    assert!(
        outcome.stderr.contains("larger than the limit of 8388608 bytes"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stdout.is_empty());
}

#[test]
fn a_declared_gigabyte_exits_4_saying_what_it_declared() {
    let studio = Studio::quick();
    studio.inject(Operation::List, When::Always, Fault::declared_body(1 << 30));
    let outcome = run(studio.cli(), &["list"]).expect_code(4);
    assert!(outcome.stderr.contains("declares 1073741824 bytes"), "{}", outcome.stderr);
}

#[test]
fn a_trickled_answer_is_read_to_its_end() {
    let studio = Studio::quick();
    studio.inject(Operation::Get, When::Always, Fault::drip(Duration::from_millis(1)));
    let outcome = run(studio.cli(), &["status", "1", "--json"]).expect_code(0);
    assert_eq!(outcome.json()["name"], "Quick import");
}

/// A name longer than `format!` accepts as a width, wrapped in what would
/// clear the screen, retitle the window and reverse the line.
pub(crate) fn hostile_name(plain: &str) -> String {
    format!("\u{1b}[2J\u{1b}]0;pwned\u{7}{plain}\r\u{0}\u{202e}{}", "x".repeat(70_000))
}

#[test]
fn hostile_text_reaches_no_terminal_and_json_keeps_it_exactly() {
    let name = hostile_name("Hostile");
    let pipeline = PipelineSpec::new(ORG, 7, name.clone())
        .step(StepSpec::new(hostile_name("Fetch")).duration(Duration::from_millis(300)).files(3))
        .step(StepSpec::new(hostile_name("Fail")).duration(Duration::from_millis(300)).fails());
    // A run going, so that a stop is sent (and refused, in hostile words).
    let going = PipelineSpec::new(ORG, 8, hostile_name("Going"))
        .step(StepSpec::new(hostile_name("Long")).duration(Duration::from_secs(60)).files(3));
    let studio = Studio::start([quick_pipeline(1), pipeline, going]);
    studio.start_run(8);
    let refusal = hostile_name("Refused");
    studio.inject(Operation::Stop, When::Always, Fault::success_false(&refusal));
    for operation in [Operation::Get, Operation::List, Operation::Run] {
        studio.inject(operation, When::Always, Fault::hostile_text());
    }
    let cases: [(&[&str], i32); 9] = [
        (&["list"], 0),
        (&["status", "7"], 0),
        (&["status", "1"], 0),
        (&["run", "1", "--wait"], 0),
        (&["run", "7", "--wait"], 1),
        (&["stop", "7"], 0),
        (&["stop", "8"], 3),
        (&["status", "7", "--json"], 0),
        (&["list", "--json"], 0),
    ];
    for (args, code) in cases {
        let outcome = run(studio.cli(), args).expect_code(code);
        assert_terminal_safe(&outcome);
        let widest = outcome.stdout.lines().chain(outcome.stderr.lines()).map(str::len).max();
        if !args.contains(&"--json") {
            assert!(widest.unwrap_or(0) < 2_000, "{args:?}: a line of {widest:?} bytes");
        }
    }
    let exact = run(studio.cli(), &["status", "7", "--json"]).json();
    assert!(exact["name"].as_str().unwrap().contains(&name), "--json keeps the whole name");
}
