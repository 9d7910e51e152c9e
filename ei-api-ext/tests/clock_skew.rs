//! A server whose clock is wrong (its `Date` header far behind, or seconds
//! ahead of the runs it creates) never makes the run call adopt a run it did
//! not start, start a second run, or refuse falsely.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::ErrorKind;
use ei_api_ext::RetryPolicy;
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};

const SECOND: Duration = Duration::from_secs(1);
const DAY_SECONDS: i64 = 86_400;

/// Makes every answer of `studio` carry a `Date` `seconds` off its clock.
fn skew_every_date(studio: &FakeStudio, seconds: i64) {
    for operation in [Operation::Get, Operation::Run, Operation::Stop, Operation::List] {
        studio.inject(operation, When::Always, Fault::skewed_date(seconds));
    }
}

#[tokio::test(start_paused = true)]
async fn a_server_clock_far_behind_never_adopts_a_run_started_long_before() {
    let studio = studio().await;
    let theirs = studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    tokio::time::sleep(2 * 60 * SECOND).await;
    assert!(studio.run_finished_at(theirs).is_some(), "their one-minute run is over");
    // Every answer's Date is a day behind, and the first run call never
    // reaches the server (nothing starts).
    skew_every_date(&studio, -DAY_SECONDS);
    studio.inject(Operation::Run, When::Nth(1), Fault::close_before_answer());
    let result = client(&studio, RetryPolicy::default()).pipeline(ORG, PIPELINE).run().send().await;
    match result {
        Ok(run) => assert_ne!(run.id, theirs, "adopted a run started two minutes before the call"),
        Err(error) => {
            assert!(matches!(error.kind(), ErrorKind::RunOutcomeUnknown { .. }), "{error:?}")
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_server_clock_seconds_ahead_neither_starts_a_second_run_nor_refuses_falsely() {
    let mut problems = Vec::new();
    for accept in [false, true] {
        let spec = PipelineSpec::new(ORG.get(), PIPELINE.get(), "Import")
            .step(StepSpec::new("Fetch").duration(60 * SECOND).files(40));
        let spec = if accept { spec.accept_runs_while_running() } else { spec };
        let studio = FakeStudio::builder().api_key(KEY).pipeline(spec).start().await;
        // Every answer's Date is two seconds ahead, and the first run call
        // takes effect with its answer lost.
        skew_every_date(&studio, 2);
        studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
        let result =
            client(&studio, RetryPolicy::default()).pipeline(ORG, PIPELINE).run().send().await;
        let runs = studio.runs_started(ORG.get(), PIPELINE.get());
        let settled = match &result {
            Ok(_) => runs == 1,
            Err(error) => matches!(error.kind(), ErrorKind::RunOutcomeUnknown { .. }) && runs == 1,
        };
        if !settled {
            problems.push(format!("accept {accept}: {runs} runs started, {result:?}"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
