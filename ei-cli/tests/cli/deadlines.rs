//! Deadlines through the real binary: the longest timeouts a careless caller
//! can give are not internal errors, and a stalled answer, slow logs or a
//! huge answer to mask never keep a command past its own deadline.

use std::time::{Duration, Instant};

use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::harness::{run, Studio, ORG};

/// A duration of `u64::MAX` seconds, as `--timeout` takes it: valid for
/// humantime, and no limit at all in practice.
const ENDLESS: &str = "18446744073709551615s";

/// A quick pipeline whose one step fails with four of its eight files.
pub(crate) fn failing_pipeline(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Breaks")
        .step(StepSpec::new("Clean").duration(Duration::from_millis(500)).files(8).failing_files(4))
}

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
