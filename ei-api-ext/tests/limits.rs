//! The longest limits a careless caller can give (`Duration::MAX`
//! timeouts, deadlines and delays, an endless `Retry-After`) neither panic
//! nor overflow, and a stalled answer never outlasts the caller's deadline.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::diagnose::DiagnosisOptions;
use ei_api_ext::run::Run;
use ei_api_ext::wait::{Outcome, WaitOptions};
use ei_api_ext::{Client, ErrorKind, RetryPolicy};
use ei_fake_studio::{Fault, Operation, When};
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);
const HOUR: Duration = Duration::from_secs(3_600);

/// Whether `result` is a task that panicked, with the panic's message.
fn panic_message(result: &Result<impl Sized, tokio::task::JoinError>) -> Option<String> {
    match result {
        Err(error) if error.is_panic() => Some(error.to_string()),
        _ => None,
    }
}

#[tokio::test(start_paused = true)]
async fn a_wait_with_the_longest_timeout_follows_the_run_instead_of_panicking() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let followed =
        tokio::spawn(async move { handle.run().follow(WaitOptions::timeout(Duration::MAX)).await })
            .await;
    assert_eq!(panic_message(&followed), None, "the wait panicked");
    let report = followed.unwrap().expect("the run is followed");
    assert!(report.succeeded(), "{report:?}");
}

#[tokio::test(start_paused = true)]
async fn a_retry_policy_without_a_time_limit_retries_instead_of_panicking() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::status(503));
    let client = client(&studio, RetryPolicy::default().with_max_elapsed(Duration::MAX));
    let handle = client.pipeline(ORG, PIPELINE);
    let read = tokio::spawn(async move { handle.get().await }).await;
    assert_eq!(panic_message(&read), None, "the call panicked");
    read.unwrap().expect("the 503 is retried and the second read succeeds");
}

#[tokio::test(start_paused = true)]
async fn a_servers_endless_retry_after_gives_up_instead_of_panicking() {
    let studio = studio().await;
    let endless = u64::MAX.to_string();
    studio.inject(Operation::Get, When::Always, Fault::status(429).retry_after(endless));
    let policy = RetryPolicy::default().with_max_retry_after(Duration::MAX);
    let handle = client(&studio, policy).pipeline(ORG, PIPELINE);
    let read = tokio::spawn(async move { handle.get().await }).await;
    assert_eq!(panic_message(&read), None, "the call panicked");
    let error = read.unwrap().expect_err("the server never stops throttling");
    assert!(matches!(error.kind(), ErrorKind::RateLimited { .. }), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn an_endless_view_lag_grace_still_adopts_the_run_a_lost_answer_started() {
    let studio = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let client = Client::builder()
        .api_key(KEY)
        .base_url(studio.base_url())
        .view_lag_grace(Duration::MAX)
        .build()
        .unwrap();
    let handle = client.pipeline(ORG, PIPELINE);
    let sent = tokio::spawn(async move { handle.run().send().await }).await;
    assert_eq!(panic_message(&sent), None, "the run call panicked");
    sent.unwrap().expect("the run that appeared is adopted");
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
}

#[tokio::test(start_paused = true)]
async fn a_diagnosis_without_a_time_limit_explains_instead_of_panicking() {
    let studio = studio().await;
    let handle = pipeline(&studio, FAILING);
    let report = handle.run().follow(WaitOptions::timeout(HOUR)).await.unwrap();
    assert_eq!(report.outcome, Outcome::Failed, "{report:?}");
    let run = report.run;
    let options = DiagnosisOptions::default().deadline(Duration::MAX);
    let diagnosed = tokio::spawn(async move { handle.diagnose(&run, options).await }).await;
    assert_eq!(panic_message(&diagnosed), None, "the diagnosis panicked");
    assert_eq!(diagnosed.unwrap().steps.len(), 1, "the failed step is explained");
}

#[tokio::test(start_paused = true)]
async fn a_schedule_that_never_polls_again_waits_for_the_deadline_instead_of_panicking() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let options = WaitOptions::timeout(30 * SECOND).schedule(|_, _: &Run| Duration::MAX);
    let followed = tokio::spawn(async move { handle.run().follow(options).await }).await;
    assert_eq!(panic_message(&followed), None, "the wait panicked");
    let report = followed.unwrap().expect("the deadline ends the wait");
    assert!(matches!(report.outcome, Outcome::TimedOut { .. }), "{report:?}");
}

#[tokio::test(start_paused = true)]
async fn a_stalled_run_answer_ends_the_wait_at_its_deadline() {
    let studio = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::delay(HOUR));
    // The client's defaults: a 30 s attempt timeout.
    let client = Client::builder().api_key(KEY).base_url(studio.base_url()).build().unwrap();
    let deadline = 5 * SECOND;
    let started = Instant::now();
    let result = client.pipeline(ORG, PIPELINE).run().follow(WaitOptions::timeout(deadline)).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed <= deadline + Duration::from_millis(100),
        "the wait ended {elapsed:?} after it began, past its {deadline:?} deadline: {result:?}"
    );
}
