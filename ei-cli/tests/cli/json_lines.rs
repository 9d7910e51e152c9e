//! `--log-format json`: every line on stderr is one JSON object that a log
//! collector reads as is, with or without `-v`.

use serde_json::Value;

use crate::harness::{run, Studio};

/// Each line of `stderr`, parsed; fails on a line that is not JSON or that
/// carries a Rust escape where JSON has its own.
#[track_caller]
fn json_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .map(|line| {
            assert!(!line.contains("\\u{"), "a Rust escape in a JSON line: {line}");
            serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"))
        })
        .collect()
}

#[test]
fn without_verbose_every_line_on_stderr_is_still_json() {
    let studio = Studio::quick();
    let outcome = run(studio.cli(), &["--log-format", "json", "run", "1", "--wait"]).expect_code(0);
    let lines = json_lines(&outcome.stderr);
    let messages: Vec<&str> =
        lines.iter().filter_map(|line| line["fields"]["message"].as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("] following run ")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("step 2/2 Clean: succeeded")), "{messages:?}");
    // Without -v, no diagnostic event joins them.
    assert!(lines.iter().all(|line| line["target"] == "ei_pipeline"), "{lines:?}");
}

#[test]
fn a_multi_line_error_keeps_its_line_break_as_a_json_escape() {
    let studio = Studio::quick();
    let outcome =
        run(studio.cli(), &["-vv", "--log-format", "json", "status", "999"]).expect_code(3);
    let lines = json_lines(&outcome.stderr);
    let error = lines.iter().find(|line| line["level"] == "ERROR").expect("an error line");
    let message = error["fields"]["message"].as_str().expect("its message");
    assert!(message.contains("organization 1\n  hint: check"), "{message}");
    assert!(lines.iter().any(|line| line["target"] == "ei_api_ext::call"), "-vv adds the calls");
}
