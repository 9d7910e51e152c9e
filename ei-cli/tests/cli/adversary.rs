//! An adversarial review, through the real binary: a careless caller and a
//! hostile environment or server against the README's promises. Each test
//! failed when it was written (the finding it proves is named above it) and
//! passes since the fix.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ei_api_ext::enums::JobLogItemLogLevel;
use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::harness::{read_stderr_until, run, spawn, Studio, API_KEY, JWT, ORG};
use crate::hostile::jwt_cli;

/// A duration of `u64::MAX` seconds, as `--timeout` takes it: valid for
/// humantime, and no limit at all in practice.
const ENDLESS: &str = "18446744073709551615s";

/// A quick pipeline whose one step fails with four of its eight files.
fn failing_pipeline(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Breaks")
        .step(StepSpec::new("Clean").duration(Duration::from_millis(500)).files(8).failing_files(4))
}

// --- Finding 1, through the binary: a timeout too long to add exits 70 ----------------

#[test]
fn the_longest_timeout_is_not_an_internal_error() {
    let studio = Studio::quick();
    let outcome = run(studio.cli(), &["run", "1", "--wait", "--timeout", ENDLESS]);
    assert!(
        [0, 2].contains(&outcome.code),
        "exit {} (0: followed to success, or 2: refused as usage)\nstderr:\n{}",
        outcome.code,
        outcome.stderr
    );
}

#[test]
fn the_longest_diagnosis_timeout_is_not_an_internal_error() {
    let studio = Studio::start([failing_pipeline(2)]);
    let outcome = run(studio.cli(), &["run", "2", "--wait", "--diagnosis-timeout", ENDLESS]);
    assert!(
        [1, 2].contains(&outcome.code),
        "exit {} (1: the run failed, explained, or 2: refused as usage)\nstderr:\n{}",
        outcome.code,
        outcome.stderr
    );
}

// --- Finding 2, through the binary: a stalled run answer outlives --timeout ----------

#[test]
fn a_stalled_run_answer_ends_run_wait_at_its_timeout() {
    let studio = Studio::quick();
    studio.inject(Operation::Run, When::Nth(1), Fault::delay(Duration::from_secs(3_600)));
    let started = Instant::now();
    let outcome = run(studio.cli(), &["run", "1", "--wait", "--timeout", "3s"]);
    let elapsed = started.elapsed();
    // The timeout, and a little for the process.
    let bound = Duration::from_secs(8);
    assert!(elapsed < bound, "exit {} after {elapsed:?}:\n{}", outcome.code, outcome.stderr);
    let outcome = outcome.expect_code(5);
    assert!(outcome.stderr.contains("may or may not have started"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("ei-pipeline wait 1"), "{}", outcome.stderr);
}

// --- Finding 7: an HTTP proxy from the environment receives the credential in clear ---

/// A plain-HTTP listener standing for a proxy on the network: it keeps
/// what each request's head says and answers 404.
fn listening_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = Arc::clone(&seen);
    std::thread::spawn(move || {
        for connection in listener.incoming() {
            let Ok(mut connection) = connection else { return };
            let _ = connection.set_read_timeout(Some(Duration::from_secs(5)));
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && connection.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            kept.lock().unwrap().push(String::from_utf8_lossy(&head).into_owned());
            let _ = connection.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    (address, seen)
}

#[test]
fn a_proxy_from_the_environment_never_receives_the_credential() {
    let studio = Studio::quick();
    let (proxy, seen) = listening_proxy();
    // A base URL with blanks around it is the same URL to the parser, and
    // must be to the proxy rule too.
    let mut spaced = studio.cli();
    spaced.env("EI_API_ENDPOINT", format!(" {} ", studio.base_url()));
    for command in [studio.cli(), jwt_cli(&studio, false), jwt_cli(&studio, true), spaced] {
        let mut command = command;
        command.env("HTTP_PROXY", &proxy).env_remove("NO_PROXY").env_remove("no_proxy");
        run(command, &["status", "1"]);
    }
    let seen = seen.lock().unwrap();
    let leaked: Vec<&String> =
        seen.iter().filter(|head| head.contains(API_KEY) || head.contains(JWT)).collect();
    assert!(leaked.is_empty(), "the proxy at {proxy} received the credential:\n{leaked:#?}");
}

// --- Finding 8: `logs` runs far past its own deadline ----------------------------------

#[test]
fn the_logs_command_ends_within_its_deadline() {
    let studio = Studio::start([failing_pipeline(3)]);
    run(studio.cli(), &["run", "3", "--wait", "--no-diagnosis"]).expect_code(1);
    // Each log read answers after 25 s: within the 30 s attempt timeout.
    studio.inject(Operation::JobLogs, When::Always, Fault::delay(Duration::from_secs(25)));
    let started = Instant::now();
    let outcome = run(studio.cli(), &["logs", "3", "--files", "4", "--timeout", "3s"]);
    let elapsed = started.elapsed();
    // The timeout, and a little for the process.
    let bound = Duration::from_secs(8);
    assert!(elapsed < bound, "logs took {elapsed:?} (exit {}):\n{}", outcome.code, outcome.stderr);
    // What was read is shown; that some was not, the exit code says.
    let outcome = outcome.expect_code(4);
    assert!(outcome.stdout.contains("ran out of time"), "{}", outcome.stdout);
}

// --- Finding 6, through the binary: --json masking takes quadratic time ---------------

#[test]
fn json_output_of_a_name_full_of_secret_properties_ends_promptly() {
    // 5.5 MiB of text: the answer escapes its quotes, and stays under 8 MiB.
    let unit = r#""projectApiKey":"","#;
    let name = unit.repeat((11 << 19) / unit.len());
    let studio = Studio::start([PipelineSpec::new(ORG, 5, name).step(StepSpec::new("Only"))]);
    let started = Instant::now();
    let outcome = run(studio.cli(), &["status", "5", "--json"]);
    let elapsed = started.elapsed();
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    // Reading and printing 7 MiB of JSON takes well under a second; ten is generous.
    assert!(elapsed < Duration::from_secs(10), "status --json took {elapsed:?}");
}

// --- Finding 9: a cut log line shows the start of a project key ----------------------

/// A project HMAC key as the API hands them out: hexadecimal, no `ei_`
/// prefix, so only the run's own keys can mask it.
const PROJECT_HMAC_KEY: &str = "9c2f7a41e8b35d06f1c4a97e2b58d3c0a6f19e47b2d8c5a03e7f1b94d6c2a85e";

#[test]
fn a_project_key_across_the_cut_of_a_log_line_is_never_shown_in_part() {
    let echoed = format!("{} HMAC={PROJECT_HMAC_KEY}", "x".repeat(174));
    let step = StepSpec::new("Sign")
        .duration(Duration::from_millis(500))
        .files(4)
        .failing_files(2)
        .project_keys("ei_project_key_of_the_signing_step_0001", PROJECT_HMAC_KEY)
        .failure_log([(Some(JobLogItemLogLevel::Error), echoed)]);
    let studio = Studio::start([PipelineSpec::new(ORG, 6, "Signs").step(step)]);
    let waited = run(studio.cli(), &["run", "6", "--wait"]).expect_code(1);
    let logs = run(studio.cli(), &["logs", "6"]).expect_code(0);
    let start = &PROJECT_HMAC_KEY[..12];
    for (command, outcome) in [("run --wait", &waited), ("logs", &logs)] {
        assert!(
            !outcome.stdout.contains(start),
            "{command} shows the key's start:\n{}",
            outcome.stdout
        );
    }
}

// --- Finding 10: Ctrl-C is ignored while a failed run is explained -------------------

#[test]
fn ctrl_c_while_a_failed_run_is_explained_ends_the_command_at_once() {
    let studio = Studio::start([failing_pipeline(7)]);
    // Every log read stalls: the explanation runs until its deadline.
    studio.inject(Operation::JobLogs, When::Always, Fault::delay(Duration::from_secs(3_600)));
    let args = ["run", "7", "--wait", "--diagnosis-timeout", "60s"];
    let mut child = spawn(studio.cli(), &args);
    let _ = read_stderr_until(&mut child, "reading why");
    let interrupted = Instant::now();
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().expect("the child ends");
    let elapsed = interrupted.elapsed();
    assert!(elapsed < Duration::from_secs(5), "Ctrl-C took {elapsed:?} to end it ({status})");
    // The run's outcome is known: its exit code stands.
    assert_eq!(status.code(), Some(1), "{status}");
}
