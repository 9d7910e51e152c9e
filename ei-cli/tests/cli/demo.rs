//! `demo`: no credentials, no network, exit 0, "succeeded".

use crate::harness::{bare_cli, run};

#[test]
fn demo_runs_the_sample_pipeline_to_success_without_credentials() {
    let outcome = run(bare_cli(), &["demo"]).expect_code(0);
    assert!(outcome.stdout.contains("succeeded"), "{}", outcome.stdout);
    let failed = "why step 2 \"Normalise labels\" failed: 3 of 40 files failed";
    assert!(outcome.stdout.contains(failed), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("[error] "), "the last error lines: {}", outcome.stdout);
    for step in ["Fetch from bucket", "Clean and label", "Import into project"] {
        assert!(outcome.stderr.contains(&format!("{step}: succeeded")), "{}", outcome.stderr);
    }
    assert!(outcome.stderr.contains("HTTP 503"), "it announces its fault: {}", outcome.stderr);
    assert!(outcome.stderr.contains("retried it"), "and shows it absorbed: {}", outcome.stderr);
}

#[test]
fn demo_json_shows_the_failed_run_explained() {
    let outcome = run(bare_cli(), &["demo", "--json"]).expect_code(0);
    let document = outcome.json();
    assert_eq!(document["succeeded"]["outcome"], "succeeded");
    assert_eq!(document["failed"]["outcome"], "failed");
    let step = &document["failed"]["diagnosis"]["steps"][0];
    assert_eq!(step["step"]["files"]["failed"], 3);
    assert!(step["files"][0]["log"]["lines"].as_array().is_some_and(|lines| !lines.is_empty()));
}
