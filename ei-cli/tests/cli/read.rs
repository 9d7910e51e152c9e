//! `status`, `list` and `stop`: JSON shapes and human output.

use std::time::Duration;

use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::harness::{quick_pipeline, run, Studio, ORG};

fn long_pipeline(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Long haul")
        .step(StepSpec::new("Download").duration(Duration::from_secs(20)).files(50))
        .step(StepSpec::new("Upload").duration(Duration::from_secs(20)).files(50).project_id(9))
}

#[test]
fn status_shows_the_current_run_and_its_steps() {
    let studio = Studio::start([long_pipeline(7)]);
    let never = run(studio.cli(), &["status", "7"]).expect_code(0);
    assert!(never.stdout.contains("pipeline 7: Long haul"), "{}", never.stdout);
    assert!(never.stdout.contains("current run: none"), "{}", never.stdout);
    assert!(never.stdout.contains("last run: none"), "{}", never.stdout);

    let run_id = studio.start_run(7);
    let status = run(studio.cli(), &["status", "7"]).expect_code(0);
    let stdout = &status.stdout;
    assert!(stdout.contains(&format!("current run: run {run_id} running")), "{stdout}");
    assert!(stdout.contains("1. Download  running"), "{stdout}");
    assert!(stdout.contains("/50 files"), "{stdout}");
    assert!(stdout.contains("2. Upload    waiting"), "{stdout}");

    let document = run(studio.cli(), &["status", "7", "--json"]).expect_code(0).json();
    assert_eq!(document["id"], 7);
    assert_eq!(document["name"], "Long haul");
    assert_eq!(document["currentRun"]["id"], run_id);
    assert!(document.get("success").is_none(), "the pipeline object, not the response");
}

#[test]
fn stop_stops_the_current_run_and_status_shows_it_failed() {
    let studio = Studio::start([long_pipeline(8)]);
    let run_id = studio.start_run(8);
    let stopped = run(studio.cli(), &["stop", "8"]).expect_code(0);
    assert!(stopped.stdout.contains("stopped the current run of pipeline 8"), "{}", stopped.stdout);

    let status = run(studio.cli(), &["status", "8"]).expect_code(0);
    assert!(status.stdout.contains("current run: none"), "{}", status.stdout);
    assert!(status.stdout.contains(&format!("last run: run {run_id} failed")), "{}", status.stdout);

    // Nothing to stop: exit 0, saying so, in words and in JSON.
    let idle = run(studio.cli(), &["stop", "8"]).expect_code(0);
    assert_eq!(idle.stdout.trim(), "pipeline 8 is not running; nothing to stop");
    let idle = run(studio.cli(), &["stop", "8", "--json"]).expect_code(0).json();
    assert_eq!(idle, serde_json::json!({"stopped": false, "pipelineId": 8, "runId": null}));
    assert_eq!(studio.calls(Operation::Stop), 1, "no stop is sent for a pipeline not running");
}

#[test]
fn stop_json_names_the_run_it_stopped() {
    let studio = Studio::start([long_pipeline(8)]);
    let run_id = studio.start_run(8);
    let stopped = run(studio.cli(), &["stop", "8", "--json"]).expect_code(0).json();
    assert_eq!(stopped, serde_json::json!({"stopped": true, "pipelineId": 8, "runId": run_id}));
}

#[test]
fn a_stop_refused_because_the_run_just_ended_is_nothing_to_stop_whatever_its_words() {
    // The run ends between the read and the stop (the read's answer comes
    // late, after the run's only step is over); the API refuses the stop in
    // words no version of this tool knows, and a read after shows the
    // pipeline idle.
    let short = PipelineSpec::new(ORG, 9, "Short")
        .step(StepSpec::new("Only").duration(Duration::from_millis(500)).files(2));
    let studio = Studio::start([short, long_pipeline(8)]);
    studio.start_run(9);
    studio.inject(Operation::Get, When::Nth(1), Fault::delay(Duration::from_millis(1_500)));
    studio.inject(Operation::Stop, When::Nth(1), Fault::success_false("Nein"));
    let outcome = run(studio.cli(), &["stop", "9"]).expect_code(0);
    assert!(outcome.stdout.contains("is not running; nothing to stop"), "{}", outcome.stdout);
    assert_eq!(studio.calls(Operation::Stop), 1, "the stop was sent, and refused");

    // While the run goes on, the same refusal is one (exit 3, its words).
    studio.start_run(8);
    studio.inject(Operation::Stop, When::Nth(1), Fault::success_false("Nein"));
    let refused = run(studio.cli(), &["stop", "8"]).expect_code(3);
    assert!(refused.stderr.contains("Nein"), "{}", refused.stderr);
}

#[test]
fn list_prints_the_pipelines_and_filters_by_project() {
    let studio = Studio::start([quick_pipeline(1), long_pipeline(7)]);
    studio.start_run(7);
    let document = run(studio.cli(), &["list", "--json"]).expect_code(0).json();
    let pipelines = document.as_array().expect("an array of pipelines");
    let ids: Vec<i64> = pipelines.iter().map(|pipeline| pipeline["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 7]);

    let filtered = run(studio.cli(), &["list", "--project", "9", "--json"]).expect_code(0).json();
    assert_eq!(filtered.as_array().expect("an array").len(), 1);
    assert_eq!(filtered[0]["id"], 7);

    let table = run(studio.cli(), &["list"]).expect_code(0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", table.stdout);
    assert!(lines[0].starts_with("ID  NAME"), "{}", table.stdout);
    assert!(
        lines[1].contains("Quick import") && lines[1].contains("never run"),
        "{}",
        table.stdout
    );
    assert!(lines[2].contains("Long haul") && lines[2].contains("running run"), "{}", table.stdout);

    let none = run(studio.cli(), &["list", "--project", "12345"]).expect_code(0);
    assert_eq!(none.stdout.trim(), "no pipelines");
}

#[test]
fn global_options_work_after_the_command_and_without_the_environment() {
    let studio = Studio::quick();
    let base_url = studio.base_url();
    let args = [
        "status",
        "1",
        "--json",
        "--base-url",
        &base_url,
        "--api-key",
        crate::harness::API_KEY,
        "--org",
        "1",
    ];
    let outcome = run(crate::harness::bare_cli(), &args).expect_code(0);
    assert_eq!(outcome.json()["id"], 1);
    outcome.assert_hides(crate::harness::API_KEY);
}
