//! One model of a run, shown alike everywhere: a failed run and a running
//! run rendered through every output (`run --wait`'s progress, outcome and
//! diagnosis, `status`, `logs`, `wait`, `list`, in words and in JSON) say
//! the same state, the same step number and the same file counts.

use std::time::Duration;

use ei_fake_studio::{PipelineSpec, StepSpec};
use serde_json::Value;

use crate::harness::{run, Studio, ORG};

/// The phrase every human output uses for the failed step.
const FAILED_STEP: &str = "failed, 50/50 files, 3 failed";

fn breaks(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Breaks")
        .step(StepSpec::new("Fetch").duration(Duration::from_millis(300)).files(10))
        .step(
            StepSpec::new("Clean").duration(Duration::from_millis(600)).files(50).failing_files(3),
        )
        .step(StepSpec::new("Upload").duration(Duration::from_millis(300)).files(5))
}

fn crawls(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Crawls")
        .step(StepSpec::new("Crawl").duration(Duration::from_secs(120)).files(1_000))
        .step(StepSpec::new("Index").duration(Duration::from_secs(10)).files(10))
}

#[track_caller]
fn assert_has(text: &str, expected: &str) {
    assert!(text.contains(expected), "no {expected:?} in:\n{text}");
}

#[test]
fn a_failed_run_reads_the_same_in_every_output() {
    let studio = Studio::start([breaks(2)]);
    let waited = run(studio.cli(), &["run", "2", "--wait"]).expect_code(1);
    let status = run(studio.cli(), &["status", "2"]).expect_code(0);
    let logs = run(studio.cli(), &["logs", "2"]).expect_code(0);
    let humans = [
        ("progress", &waited.stderr, format!("step 2/3 Clean: {FAILED_STEP}")),
        ("outcome", &waited.stdout, format!("  2. Clean   {FAILED_STEP}")),
        ("headline", &waited.stdout, "step 2 \"Clean\" failed, 3 of 50 files".to_owned()),
        ("diagnosis", &waited.stdout, "why step 2 \"Clean\" failed: 3 of 50 files failed".into()),
        ("status", &status.stdout, format!("  2. Clean   {FAILED_STEP}")),
        ("status's reason", &status.stdout, "why: step 2 \"Clean\" failed, 3 of 50 files".into()),
        ("logs", &logs.stdout, format!("step 2 \"Clean\" ({FAILED_STEP}): 3 files failed")),
    ];
    for (output, text, expected) in humans {
        assert!(text.contains(&expected), "{output}: no {expected:?} in:\n{text}");
    }
    // No other word for the state, no other numbering.
    for text in [&waited.stdout, &waited.stderr, &status.stdout, &logs.stdout] {
        assert!(!text.contains("finished  "), "{text}");
        assert!(!text.contains("step 1 \"Clean\""), "{text}");
    }

    let outcome = run(studio.cli(), &["wait", "2", "--json"]).expect_code(1).json();
    let status = run(studio.cli(), &["status", "2", "--json"]).expect_code(0).json();
    let logs = run(studio.cli(), &["logs", "2", "--json"]).expect_code(0).json();
    let step = outcome["run"]["steps"][1].clone();
    assert_eq!(step["number"], 2);
    assert_eq!(step["name"], "Clean");
    assert_eq!(step["state"], "failed");
    assert_eq!(
        step["files"],
        serde_json::json!({"done": 50, "succeeded": 47, "failed": 3, "total": 50})
    );
    assert_eq!(outcome["run"]["state"], "failed");
    let shown: [(&str, &Value); 3] = [
        ("status", &status["runs"]["last"]["steps"][1]),
        ("logs", &logs["steps"][1]["step"]),
        ("diagnosis", &outcome["diagnosis"]["steps"][0]["step"]),
    ];
    for (output, other) in shown {
        assert_eq!(other, &step, "{output} says the step otherwise");
    }
    assert_eq!(status["runs"]["last"]["state"], "failed");
    assert_eq!(outcome["diagnosis"]["steps"][0]["selectedFiles"], 3);
}

#[test]
fn a_running_run_reads_the_same_in_every_output() {
    let studio = Studio::start([crawls(3)]);
    let run_id = studio.start_run(3);
    let status = run(studio.cli(), &["status", "3"]).expect_code(0);
    let list = run(studio.cli(), &["list"]).expect_code(0);
    let waited = run(studio.cli(), &["wait", "3", "--timeout", "1s"]).expect_code(5);
    assert_has(&status.stdout, &format!("current run: run {run_id} running"));
    assert_has(&status.stdout, "  1. Crawl  running, ");
    assert_has(&status.stdout, "  2. Index  waiting");
    assert_has(&list.stdout, &format!("running run {run_id} (step 1/2)"));
    assert_has(&waited.stderr, &format!("following run {run_id} of pipeline 3: 2 steps"));
    assert_has(&waited.stderr, "step 1/2 Crawl: running, ");
    assert_has(&waited.stdout, &format!("run {run_id} of pipeline 3 timed out"));
    assert_has(&waited.stdout, "  1. Crawl  running, ");
    assert_has(&waited.stdout, "  2. Index  waiting");

    let outcome =
        run(studio.cli(), &["wait", "3", "--timeout", "1s", "--json"]).expect_code(5).json();
    let status = run(studio.cli(), &["status", "3", "--json"]).expect_code(0).json();
    for (output, run) in [("wait", &outcome["run"]), ("status", &status["runs"]["current"])] {
        assert_eq!(run["id"], run_id, "{output}");
        assert_eq!(run["state"], "running", "{output}");
        let states: Vec<&Value> =
            run["steps"].as_array().expect("steps").iter().map(|s| &s["state"]).collect();
        assert_eq!(states, ["running", "waiting"], "{output}");
        assert_eq!(run["steps"][0]["number"], 1, "{output}");
        assert_eq!(run["steps"][0]["files"]["total"], 1_000, "{output}");
    }
}
