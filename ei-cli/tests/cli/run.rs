//! `run`, with and without `--wait`: JSON shapes, outcomes and the faults
//! the client must ride out.

use std::time::Duration;

use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::harness::{quick_pipeline, run, Studio, ORG};

#[test]
fn run_without_wait_prints_the_started_run() {
    let studio = Studio::quick();
    let outcome = run(studio.cli(), &["run", "1", "--json"]).expect_code(0);
    let document = outcome.json();
    let keys: Vec<&String> = document.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["pipelineRun"]);
    assert!(document["pipelineRun"]["id"].as_i64().expect("an id") > 1 << 32);
    assert_eq!(document["pipelineRun"]["steps"].as_array().expect("steps").len(), 2);
    assert_eq!(studio.runs_started(1), 1);
    assert_eq!(studio.run_queries(), [None]);

    // Human output, once that run is over; --ignore-last-successful-run is sent.
    std::thread::sleep(Duration::from_millis(1_200));
    let outcome = run(studio.cli(), &["run", "1", "--ignore-last-successful-run"]).expect_code(0);
    assert!(outcome.stdout.starts_with("started run "), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("ei-pipeline wait 1 --run"), "{}", outcome.stdout);
    assert_eq!(studio.runs_started(1), 2);
    assert_eq!(studio.run_queries()[1].as_deref(), Some("ignoreLastSuccessfulRun=true"));
}

#[test]
fn run_wait_follows_the_run_to_success() {
    let studio = Studio::quick();
    let outcome = run(studio.cli(), &["run", "1", "--wait", "--json"]).expect_code(0);
    let document = outcome.json();
    assert_eq!(document["outcome"], "succeeded");
    assert!(document["pipelineRun"]["finished"].is_string());
    let keys: Vec<&String> = document.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["outcome", "pipelineRun", "run"]);
    assert_eq!(document["run"]["state"], "succeeded");
    // Without a terminal, one plain line per event on stderr.
    let stderr = &outcome.stderr;
    for line in [
        "following run ",
        " of pipeline 1: 2 steps: Fetch, Clean",
        "step 1/2 Fetch: running",
        "step 1/2 Fetch: succeeded, 10/10 files",
        "step 2/2 Clean: succeeded, 20/20 files",
        " succeeded",
    ] {
        assert!(stderr.contains(line), "no {line:?} in:\n{stderr}");
    }

    // Human output.
    let outcome = run(studio.cli(), &["run", "1", "--wait"]).expect_code(0);
    let first = outcome.stdout.lines().next().expect("a line");
    assert!(first.contains("of pipeline 1 succeeded in"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("1. Fetch  succeeded, 10/10 files"), "{}", outcome.stdout);
}

#[test]
fn a_failed_run_exits_1() {
    let failing = PipelineSpec::new(ORG, 2, "Breaks")
        .step(StepSpec::new("Fetch").duration(Duration::from_millis(300)))
        .step(StepSpec::new("Transform").duration(Duration::from_millis(300)).fails())
        .step(StepSpec::new("Never runs").duration(Duration::from_millis(300)));
    let studio = Studio::start([failing]);
    let outcome = run(studio.cli(), &["run", "2", "--wait", "--json"]).expect_code(1);
    let document = outcome.json();
    assert_eq!(document["outcome"], "failed");
    let step = &document["run"]["steps"][1];
    assert_eq!(
        (&step["number"], &step["name"], &step["state"]),
        (&2.into(), &"Transform".into(), &"failed".into())
    );
    assert_eq!(document["run"]["state"], "failed");
    assert!(outcome.stderr.contains("step 2/3 Transform: failed"), "{}", outcome.stderr);

    let outcome = run(studio.cli(), &["run", "2", "--wait"]).expect_code(1);
    assert!(outcome.stdout.contains("failed in"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("step 2 \"Transform\" failed"), "{}", outcome.stdout);
}

fn slow_pipeline(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Slow")
        .step(StepSpec::new("Crawl").duration(Duration::from_secs(30)).files(100))
}

#[test]
fn a_timeout_exits_5_and_leaves_the_run_going() {
    let studio = Studio::start([slow_pipeline(3)]);
    let outcome =
        run(studio.cli(), &["run", "3", "--wait", "--timeout", "1s", "--json"]).expect_code(5);
    let document = outcome.json();
    assert_eq!(document["outcome"], "timed_out");
    assert_eq!(document["stop"], "not_asked");
    assert!(document["pipelineRun"]["finished"].is_null());

    let status = run(studio.cli(), &["status", "3", "--json"]).expect_code(0).json();
    assert!(status["currentRun"].is_object(), "the run goes on: {status}");
}

#[test]
fn a_timeout_with_stop_on_timeout_stops_the_run() {
    let studio = Studio::start([slow_pipeline(4)]);
    let outcome =
        run(studio.cli(), &["run", "4", "--wait", "--timeout", "1s", "--stop-on-timeout"])
            .expect_code(5);
    assert!(outcome.stdout.contains("timed out after"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("was stopped"), "{}", outcome.stdout);

    let status = run(studio.cli(), &["status", "4", "--json"]).expect_code(0).json();
    assert!(status.get("currentRun").is_none_or(|run| run.is_null()), "{status}");
    assert!(status["lastRun"]["finished"].is_string(), "{status}");
}

#[test]
fn a_lost_run_answer_is_followed_without_starting_a_second_run() {
    let studio = Studio::quick();
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let outcome = run(studio.cli(), &["run", "1", "--wait", "--json"]).expect_code(0);
    assert_eq!(outcome.json()["outcome"], "succeeded");
    assert_eq!(studio.runs_started(1), 1, "exactly one run");
    assert_eq!(studio.calls(Operation::Run), 1, "the run call was not blindly repeated");
}

#[test]
fn a_429_with_retry_after_is_waited_out() {
    let studio = Studio::quick();
    studio.inject(Operation::Run, When::Nth(1), Fault::status(429).retry_after("1"));
    studio.inject(Operation::Get, When::Nth(3), Fault::status(429).retry_after("1"));
    let started = std::time::Instant::now();
    let outcome = run(studio.cli(), &["run", "1", "--wait", "--json"]).expect_code(0);
    assert_eq!(outcome.json()["outcome"], "succeeded");
    assert_eq!(studio.runs_started(1), 1);
    assert_eq!(studio.calls(Operation::Run), 2, "the 429 was retried");
    assert!(started.elapsed() >= Duration::from_secs(2), "both Retry-After waits were honoured");
}

#[test]
fn unlisted_enum_values_are_passed_through() {
    let studio = Studio::start([quick_pipeline(1)
        .step(StepSpec::new("Import").duration(Duration::from_millis(200)).project_id(5))]);
    studio.inject(Operation::Get, When::Always, Fault::unlisted_enum_values());
    studio.inject(Operation::Run, When::Always, Fault::unlisted_enum_values());
    studio.inject(Operation::List, When::Always, Fault::unlisted_enum_values());
    let outcome = run(studio.cli(), &["run", "1", "--wait", "--json"]).expect_code(0);
    let document = outcome.json();
    assert_eq!(document["outcome"], "succeeded");
    assert_eq!(document["pipelineRun"]["steps"][2]["uploadType"], "archive");

    let status = run(studio.cli(), &["status", "1", "--json"]).expect_code(0).json();
    assert_eq!(status["whenToEmail"], "weekly");
    assert_eq!(status["steps"][0]["category"], "holdout");
    let status = run(studio.cli(), &["status", "1"]).expect_code(0);
    assert!(status.stdout.contains("last run: run "), "{}", status.stdout);

    let list = run(studio.cli(), &["list", "--json"]).expect_code(0).json();
    assert_eq!(list[0]["whenToEmail"], "weekly");
}
