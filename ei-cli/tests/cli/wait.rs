//! `wait`: following a run again, with the outputs and exit codes of
//! `run --wait`, and the messages that point to it.

use std::time::Duration;

use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::harness::{quick_pipeline, run, Studio, ORG};

fn slow_pipeline(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Slow")
        .step(StepSpec::new("Crunch").duration(Duration::from_secs(30)))
}

#[test]
fn wait_follows_the_current_run_to_its_outcome() {
    let studio = Studio::quick();
    let run_id = studio.start_run(1);
    let outcome = run(studio.cli(), &["wait", "1", "--json"]).expect_code(0);
    let document = outcome.json();
    assert_eq!(document["outcome"], "succeeded");
    assert_eq!(document["pipelineRun"]["id"], run_id);
    assert!(outcome.stderr.contains("step 2/2 Clean: succeeded"), "{}", outcome.stderr);
    assert_eq!(studio.runs_started(1), 1, "wait starts nothing");

    // Over: the last run's outcome, at once, in words.
    let outcome = run(studio.cli(), &["wait", "1"]).expect_code(0);
    assert!(outcome.stdout.starts_with(&format!("run {run_id} of pipeline 1 succeeded")));
}

#[test]
fn wait_for_a_named_run_and_its_failure() {
    let failing = PipelineSpec::new(ORG, 2, "Breaks")
        .step(StepSpec::new("Fetch").duration(Duration::from_millis(300)).files(4))
        .step(StepSpec::new("Explode").duration(Duration::from_millis(300)).files(4).fails());
    let studio = Studio::start([quick_pipeline(1), failing]);
    let run_id = studio.start_run(2);
    let outcome =
        run(studio.cli(), &["wait", "2", "--run", &run_id.to_string(), "--json"]).expect_code(1);
    assert_eq!(outcome.json()["outcome"], "failed");
    let steps = &outcome.json()["run"]["steps"];
    assert_eq!((&steps[1]["name"], &steps[1]["state"]), (&"Explode".into(), &"failed".into()));

    let outcome = run(studio.cli(), &["wait", "2", "--run", "12345"]).expect_code(3);
    assert!(outcome.stderr.contains("wait for run 12345 of pipeline 2"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("ei-pipeline status 2"), "{}", outcome.stderr);
}

#[test]
fn a_timeout_names_the_command_that_follows_the_run_again() {
    let studio = Studio::start([slow_pipeline(3)]);
    let outcome = run(studio.cli(), &["run", "3", "--wait", "--timeout", "2s"]).expect_code(5);
    let again = "ei-pipeline wait 3 --run ";
    assert!(
        outcome.stdout.contains("timed out") && outcome.stdout.contains(again),
        "{}",
        outcome.stdout
    );
    let outcome = run(studio.cli(), &["wait", "3", "--timeout", "1s", "--json"]).expect_code(5);
    assert_eq!(outcome.json()["outcome"], "timed_out");
    assert_eq!(outcome.json()["stop"], "not_asked");
    let outcome =
        run(studio.cli(), &["wait", "3", "--timeout", "1s", "--stop-on-timeout", "--json"])
            .expect_code(5);
    assert_eq!(outcome.json()["stop"], "confirmed");
}

#[test]
fn run_wait_on_a_running_pipeline_says_so_and_names_wait() {
    let studio = Studio::start([slow_pipeline(3)]);
    studio.start_run(3);
    let outcome = run(studio.cli(), &["run", "3", "--wait"]).expect_code(3);
    assert!(outcome.stderr.contains("already running"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("follow it with: ei-pipeline wait 3"), "{}", outcome.stderr);
    assert_eq!(studio.runs_started(3), 1);
}

#[test]
fn the_cli_exits_5_at_its_timeout_even_when_the_server_stalls() {
    let studio = Studio::start([slow_pipeline(3)]);
    studio.start_run(3);
    studio.inject(Operation::Get, When::Always, Fault::delay(Duration::from_secs(3600)));
    let started = std::time::Instant::now();
    let outcome = run(studio.cli(), &["wait", "3", "--timeout", "2s"]).expect_code(5);
    // Never seen: the wait ends at its deadline, saying so.
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert!(outcome.stderr.contains("the deadline came before"), "{}", outcome.stderr);

    let studio = Studio::start([slow_pipeline(3)]);
    studio.inject(Operation::Get, When::Always, Fault::delay(Duration::from_secs(3600)));
    let started = std::time::Instant::now();
    let args = ["run", "3", "--wait", "--timeout", "5s", "--stop-on-timeout", "--json"];
    let outcome = run(studio.cli(), &args).expect_code(5);
    let elapsed = started.elapsed();
    // The stop is answered at once, and its confirming read (which stalls
    // too) is cut 1.5 s after it: the whole command ends within 7 s.
    assert!(elapsed < Duration::from_secs(7), "bounded by the allowance: {elapsed:?}");
    let document = outcome.json();
    assert_eq!(document["outcome"], "timed_out");
    assert_eq!(document["stop"], "acknowledged", "the stop was sent and accepted: {document}");
    assert_eq!(studio.calls(Operation::Stop), 1);
}
