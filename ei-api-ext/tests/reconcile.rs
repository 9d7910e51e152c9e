//! The run call never starts a pipeline twice, in one request when all goes
//! well: under every fault that may or may not have started the run, with a
//! pipeline view that lags the writes by less than the grace period, and
//! against a server that refuses a run while one is going as well as one
//! that accepts it, exactly one run starts and the caller gets its id.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::{Client, ErrorKind, PipelineHandle, RetryPolicy};
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};

const SECOND: Duration = Duration::from_secs(1);

/// View lags within the default grace period (5 s).
const LAGS: [Duration; 3] = [Duration::ZERO, Duration::from_millis(1_500), Duration::from_secs(4)];

/// A studio whose pipeline view lags `lag`, with pipeline 9 (a one-minute
/// run) refusing or (`accept`) accepting a run while one is going.
async fn lagging_studio(lag: Duration, accept: bool) -> FakeStudio {
    let pipeline = PipelineSpec::new(ORG.get(), PIPELINE.get(), "Import")
        .step(StepSpec::new("Fetch").duration(60 * SECOND).files(40));
    let pipeline = if accept { pipeline.accept_runs_while_running() } else { pipeline };
    FakeStudio::builder().api_key(KEY).view_lag(lag).pipeline(pipeline).start().await
}

fn run_calls(studio: &FakeStudio) -> usize {
    studio.requests().iter().filter(|request| request.operation == Some(Operation::Run)).count()
}

/// Under `fault` on the first run call, for every lag and both behaviours:
/// exactly one run, and the caller holds its id.
async fn exactly_one_run_despite(fault: Fault) {
    for lag in LAGS {
        for accept in [false, true] {
            let case = format!("{fault:?}, lag {lag:?}, accept {accept}");
            let studio = lagging_studio(lag, accept).await;
            studio.inject(Operation::Run, When::Nth(1), fault.clone());
            let handle = pipeline(&studio, PIPELINE);
            let run = handle.run().send().await.unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1, "{case}");
            tokio::time::sleep(lag).await;
            let current = handle.get().await.unwrap().current_run.expect("a run is going");
            assert_eq!(current.id, run.id, "{case}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn the_happy_path_is_one_request() {
    let studio = studio().await;
    let run = pipeline(&studio, PIPELINE).run().send().await.unwrap();
    assert_eq!(studio.requests().len(), 1, "one POST, no read before or after");
    assert!(studio.run_finished_at(run.id).is_some(), "the run the answer names exists");
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
async fn timeout_after_the_run_was_created_adopts_it() {
    exactly_one_run_despite(Fault::delay(60 * SECOND)).await;
}

#[tokio::test(start_paused = true)]
async fn ambiguous_5xx_without_a_run_is_sent_again_once_nothing_shows() {
    for status in [500, 502, 504] {
        exactly_one_run_despite(Fault::status(status)).await;
    }
    exactly_one_run_despite(Fault::status(502).body("text/html", "<html>Bad Gateway</html>")).await;
}

#[tokio::test(start_paused = true)]
async fn answers_without_effect_are_sent_again() {
    exactly_one_run_despite(Fault::status(429).retry_after("1")).await;
    exactly_one_run_despite(Fault::status(503)).await;
    exactly_one_run_despite(Fault::close_before_answer()).await;
    exactly_one_run_despite(Fault::endless_body()).await;
}

#[tokio::test(start_paused = true)]
async fn an_adopted_run_is_not_asked_for_again() {
    for fault in [Fault::delay(60 * SECOND), Fault::close_after_action()] {
        let studio = lagging_studio(2 * SECOND, true).await;
        studio.inject(Operation::Run, When::Nth(1), fault);
        pipeline(&studio, PIPELINE).run().send().await.unwrap();
        assert_eq!(run_calls(&studio), 1, "the run that appeared was adopted, not started again");
    }
}

#[tokio::test(start_paused = true)]
async fn a_short_run_that_finished_before_the_reread_is_adopted() {
    let short = PipelineSpec::new(ORG.get(), PIPELINE.get(), "Short")
        .step(StepSpec::new("Blink").duration(SECOND / 2).files(1));
    let studio = FakeStudio::builder().api_key(KEY).view_lag(SECOND).pipeline(short).start().await;
    // The run starts at once; its answer comes 60 s later, after the 5 s
    // attempt timeout, when the run is long over.
    studio.inject(Operation::Run, When::Nth(1), Fault::delay(60 * SECOND));
    let handle = pipeline(&studio, PIPELINE);
    let run = handle.run().send().await.unwrap();
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
    let last = handle.get().await.unwrap().last_run.expect("the run is over");
    assert_eq!(last.id, run.id);
    assert!(run.finished.is_some(), "adopted as the view shows it: finished");
}

#[tokio::test(start_paused = true)]
async fn an_older_run_by_someone_else_is_never_adopted() {
    // Going: our lost attempt was refused, and the refusal stands.
    let studio = lagging_studio(SECOND, false).await;
    let theirs = studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    tokio::time::sleep(10 * SECOND).await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let error = pipeline(&studio, PIPELINE).run().send().await.unwrap_err();
    assert!(error.is_already_running(), "{error:?}");
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);

    // Over: our attempt was lost before it arrived; the retry's run is ours.
    let studio = lagging_studio(SECOND, false).await;
    let theirs_over = studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    tokio::time::sleep(90 * SECOND).await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_before_answer());
    let ours = pipeline(&studio, PIPELINE).run().send().await.unwrap();
    assert_ne!(ours.id, theirs_over);
    assert_ne!(ours.id, theirs);
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 2);
}

#[tokio::test(start_paused = true)]
async fn a_retry_refused_because_our_run_is_going_adopts_it() {
    // The view lags 3 s, longer than this client's 1 s grace: the reads
    // after the lost answer see nothing, and the call is sent again. That
    // retry is refused (the run is going) and its refusal arrives 3 s
    // later; the one more read then shows the run, created after the first
    // attempt was sent: it is this call's. Backoffs of at most 200 ms keep
    // the reads and the retry inside the view's lag, whatever their jitter.
    let studio = lagging_studio(3 * SECOND, false).await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    studio.inject(Operation::Run, When::Nth(2), Fault::delay(3 * SECOND));
    let short_backoffs =
        RetryPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_millis(200));
    let client = Client::builder()
        .api_key(KEY)
        .base_url(studio.base_url())
        .retry_policy(short_backoffs)
        .view_lag_grace(SECOND)
        .build()
        .unwrap();
    let handle: PipelineHandle = client.pipeline(ORG, PIPELINE);
    let run = handle.run().send().await.unwrap();
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
    assert_eq!(run_calls(&studio), 2);
    assert_eq!(handle.get().await.unwrap().current_run.unwrap().id, run.id);
}

#[tokio::test(start_paused = true)]
async fn a_refusal_while_the_view_shows_nothing_says_the_outcome_is_unknown() {
    // The view lags longer than the call's whole retry window (30 s, whatever
    // its jittered backoffs): the last read, after the refusal, shows nothing.
    let studio = lagging_studio(120 * SECOND, false).await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let error = pipeline(&studio, PIPELINE).run().send().await.unwrap_err();
    let ErrorKind::RunOutcomeUnknown { reason, .. } = error.kind() else { panic!("{error:?}") };
    assert!(reason.contains("shows none"), "{reason}");
    let source = std::error::Error::source(&error).expect("the refusal is the source");
    assert!(source.to_string().contains("already running"), "{source}");
}

#[tokio::test(start_paused = true)]
async fn an_unreadable_pipeline_after_a_lost_answer_says_the_outcome_is_unknown() {
    let studio = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    studio.inject(Operation::Get, When::Always, Fault::status(500));
    let error = pipeline(&studio, PIPELINE).run().send().await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::RunOutcomeUnknown { .. }), "{error:?}");
    let shown = error.to_string();
    assert!(shown.contains("may or may not have started"), "{shown}");
    assert!(shown.contains("could not be read") && shown.contains("HTTP 500"), "{shown}");
    let cause = std::error::Error::source(&error).expect("the lost answer is the source");
    assert!(cause.to_string().contains("connection lost"), "{cause}");
    assert!(!shown.contains("connection lost"), "the source is not repeated: {shown}");
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
}

#[tokio::test(start_paused = true)]
async fn a_server_without_a_clock_leaves_the_outcome_unknown() {
    let studio = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    studio.inject(Operation::Get, When::Always, Fault::undated());
    let error = pipeline(&studio, PIPELINE).run().send().await.unwrap_err();
    let ErrorKind::RunOutcomeUnknown { reason, .. } = error.kind() else { panic!("{error:?}") };
    assert!(reason.contains("no Date"), "{reason}");
}

#[tokio::test(start_paused = true)]
async fn without_retries_an_ambiguous_failure_is_still_reconciled() {
    let studio = lagging_studio(2 * SECOND, false).await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let client = client(&studio, RetryPolicy::none());
    let run = client.pipeline(ORG, PIPELINE).run().send().await.unwrap();
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
    assert!(run.id > 0);
}

#[tokio::test(start_paused = true)]
async fn a_run_started_just_before_a_lost_attempt_leaves_the_outcome_unknown() {
    // Someone else's run started 2 s before the attempt, within the clocks'
    // tolerance: it may be this call's on a skewed clock, so nothing is guessed.
    let studio = lagging_studio(Duration::ZERO, false).await;
    studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    tokio::time::sleep(2 * SECOND).await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let error = pipeline(&studio, PIPELINE).run().send().await.unwrap_err();
    let ErrorKind::RunOutcomeUnknown { reason, .. } = error.kind() else { panic!("{error:?}") };
    assert!(reason.contains("just before the attempt"), "{reason}");
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
}
