//! `demo`: no credentials, no network, exit 0, "succeeded".

use crate::harness::{bare_cli, run};

#[test]
fn demo_runs_the_sample_pipeline_to_success_without_credentials() {
    let outcome = run(bare_cli(), &["demo"]).expect_code(0);
    assert!(outcome.stdout.contains("succeeded"), "{}", outcome.stdout);
    for step in ["Fetch from bucket", "Clean and label", "Import into project"] {
        assert!(outcome.stderr.contains(&format!("{step}: finished")), "{}", outcome.stderr);
    }
    assert!(outcome.stderr.contains("HTTP 503"), "it announces its fault: {}", outcome.stderr);
    assert!(outcome.stderr.contains("retried it"), "and shows it absorbed: {}", outcome.stderr);
}
