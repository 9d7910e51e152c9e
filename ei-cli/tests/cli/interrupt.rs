//! Ctrl-C while waiting: the wait ends with 130, the run goes on.

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::deadlines::failing_pipeline;
use crate::harness::{read_stderr_until, run, spawn, Studio, ORG};

#[test]
fn ctrl_c_stops_the_wait_not_the_run() {
    let pipeline = PipelineSpec::new(ORG, 5, "Patient")
        .step(StepSpec::new("Wait for it").duration(Duration::from_secs(30)));
    let studio = Studio::start([pipeline]);
    let mut child = spawn(studio.cli(), &["run", "5", "--wait", "--json"]);
    let (mut lines, mut stderr) = read_stderr_until(&mut child, ": 1 step: Wait for it");
    let sent =
        Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success());
    let status = child.wait().expect("the child ends");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("reads stderr");
    lines.push(rest);
    let stderr = lines.concat();
    let mut stdout = String::new();
    child.stdout.take().expect("piped").read_to_string(&mut stdout).expect("reads stdout");

    assert_eq!(status.code(), Some(130), "stderr:\n{stderr}");
    assert!(stderr.contains("ei-pipeline wait 5 --run"), "{stderr}");
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(document["outcome"], "interrupted");
    let run_id = document["runId"].as_i64().expect("the run id");
    assert!(stderr.contains(&format!("run {run_id} goes on")), "{stderr}");

    let status = run(studio.cli(), &["status", "5", "--json"]).expect_code(0).json();
    assert_eq!(status["currentRun"]["id"], run_id, "the run goes on");
    assert_eq!(studio.runs_started(5), 1);
}

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
