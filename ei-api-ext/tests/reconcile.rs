//! The run call never starts a pipeline twice: every fault, one run.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::ErrorKind;
use ei_fake_studio::{Fault, Operation, When};

/// Runs `pipeline 9` with `fault` on the first run call and checks that
/// exactly one run exists and the caller got its id.
async fn exactly_one_run_despite(fault: Fault) {
    let studio = studio().await;
    studio.inject(Operation::Run, When::Nth(1), fault.clone());
    let handle = pipeline(&studio, PIPELINE);
    let run = handle.run().send().await.unwrap_or_else(|e| panic!("{fault:?}: {e}"));
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1, "{fault:?}");
    let current = handle.get().await.unwrap().current_run.expect("a run is going");
    assert_eq!(current.id, run.id, "{fault:?}");
}

#[tokio::test(start_paused = true)]
async fn lost_answer_after_run_created_starts_exactly_one_run() {
    exactly_one_run_despite(Fault::close_after_action()).await;
}

#[tokio::test(start_paused = true)]
async fn truncated_answer_after_run_created_starts_exactly_one_run() {
    exactly_one_run_despite(Fault::truncated_json()).await;
}

#[tokio::test(start_paused = true)]
async fn ambiguous_5xx_without_a_run_is_retried_once_reconciled() {
    for status in [500, 502, 504] {
        exactly_one_run_despite(Fault::status(status)).await;
    }
    exactly_one_run_despite(Fault::status(502).body("text/html", "<html>Bad Gateway</html>")).await;
}

#[tokio::test(start_paused = true)]
async fn answers_that_prove_no_effect_are_retried() {
    exactly_one_run_despite(Fault::status(429).retry_after("1")).await;
    exactly_one_run_despite(Fault::status(503)).await;
    exactly_one_run_despite(Fault::close_before_answer()).await;
}

#[tokio::test(start_paused = true)]
async fn timeout_after_the_run_was_created_adopts_it() {
    exactly_one_run_despite(Fault::delay(Duration::from_secs(60))).await;
}

#[tokio::test(start_paused = true)]
async fn an_adopted_run_is_not_asked_for_again() {
    for fault in [Fault::delay(Duration::from_secs(60)), Fault::close_after_action()] {
        let studio = studio().await;
        studio.inject(Operation::Run, When::Nth(1), fault);
        pipeline(&studio, PIPELINE).run().send().await.unwrap();
        let run_calls = studio
            .requests()
            .iter()
            .filter(|request| request.operation == Some(Operation::Run))
            .count();
        assert_eq!(run_calls, 1, "the run that appeared was adopted, not started again");
    }
}

#[tokio::test(start_paused = true)]
async fn a_running_pipeline_is_refused_not_adopted() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    handle.run().send().await.unwrap();
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let error = handle.run().send().await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::ApiRefused { .. }), "{error:?}");
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
}

#[tokio::test(start_paused = true)]
async fn unreadable_pipeline_after_a_lost_answer_says_the_outcome_is_unknown() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    // The snapshot before the run succeeds; every read after it fails.
    studio.inject(Operation::Get, When::For(Duration::from_secs(3600)), Fault::status(500));
    studio.inject(Operation::Get, When::Nth(1), Fault::delay(Duration::ZERO));
    let error = handle.run().send().await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::RunOutcomeUnknown(_)), "{error:?}");
    assert!(error.to_string().contains("may or may not have started"));
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
}
