//! Run and wait, under tokio's paused clock.

mod common;

use std::time::Duration;

use common::*;
use ei_api::enums::TransformationJobStatusEnum as JobStatus;
use ei_api_ext::wait::{FixedSchedule, Outcome, ProgressEvent, WaitOptions};
use ei_api_ext::{ErrorKind, RetryPolicy, RunId};
use ei_fake_studio::{Fault, Operation, When};

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn a_run_that_succeeds_reports_each_event_once_in_order() {
    let studio = studio().await;
    let (mut progress, wait) =
        pipeline(&studio, PIPELINE).run().wait_with_progress(WaitOptions::timeout(HOUR));
    let report = wait.await.unwrap();
    assert!(report.succeeded(), "{:?}", report.outcome);
    assert!(report.run().finished.is_some());

    let mut events = Vec::new();
    while let Some(event) = progress.next().await {
        events.push(event);
    }
    let run = RunId::new(report.run().id);
    assert_eq!(
        events.first(),
        Some(&ProgressEvent::RunStarted { run, steps: vec!["Fetch".into(), "Clean".into()] })
    );
    assert_eq!(events.last(), Some(&ProgressEvent::RunFinished { run }));
    let milestones: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            ProgressEvent::StepStarted { index, .. } => Some(("started", *index)),
            ProgressEvent::StepFinished { index, status, .. } => {
                assert_eq!(*status, JobStatus::Finished);
                Some(("finished", *index))
            }
            _ => None,
        })
        .collect();
    assert_eq!(milestones, [("started", 0), ("finished", 0), ("started", 1), ("finished", 1)]);
    let mut last_done = std::collections::HashMap::new();
    for event in &events {
        if let ProgressEvent::StepProgress { index, files_done, files_total, .. } = event {
            assert_eq!(*files_total, 40);
            let previous = last_done.insert(*index, *files_done);
            assert!(previous.is_none_or(|p| p < *files_done), "progress repeats or goes back");
        }
    }
    assert!(!last_done.is_empty(), "file progress was reported");
}

#[tokio::test(start_paused = true)]
async fn a_failed_step_is_named() {
    let studio = studio().await;
    let report = pipeline(&studio, FAILING).run().wait(WaitOptions::timeout(HOUR)).await.unwrap();
    match report.outcome {
        Outcome::Failed { failed_steps, run } => {
            assert_eq!(failed_steps.len(), 1);
            assert_eq!(failed_steps[0].name, "Explode");
            assert_eq!(failed_steps[0].index, 1);
            assert_eq!(failed_steps[0].status, JobStatus::Failed);
            assert!(run.finished.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_run_stopped_by_someone_else_ends_failed() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let stopper = handle.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        stopper.stop().await.unwrap();
    });
    let report = handle.run().wait(WaitOptions::timeout(HOUR)).await.unwrap();
    assert!(matches!(report.outcome, Outcome::Failed { .. }), "{:?}", report.outcome);
    assert!(report.elapsed < Duration::from_secs(20), "{:?}", report.elapsed);
}

#[tokio::test(start_paused = true)]
async fn at_the_deadline_the_run_is_left_running() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let report = handle.run().wait(WaitOptions::timeout(Duration::from_secs(15))).await.unwrap();
    match &report.outcome {
        Outcome::TimedOut { run, stopped } => {
            assert!(!stopped);
            assert!(run.finished.is_none());
        }
        other => panic!("{other:?}"),
    }
    assert!(report.elapsed >= Duration::from_secs(15) && report.elapsed < Duration::from_secs(16));
    assert!(report.polls > 0);
    assert!(handle.get().await.unwrap().current_run.is_some(), "still running");
}

#[tokio::test(start_paused = true)]
async fn at_the_deadline_stop_on_timeout_stops_and_confirms() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let options = WaitOptions::timeout(Duration::from_secs(15)).stop_on_timeout(true);
    let report = handle.run().wait(options).await.unwrap();
    match &report.outcome {
        Outcome::TimedOut { run, stopped } => {
            assert!(stopped);
            assert!(run.finished.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert!(handle.get().await.unwrap().current_run.is_none(), "stopped");
}

#[tokio::test(start_paused = true)]
async fn transient_faults_while_polling_do_not_end_the_wait() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Nth(3), Fault::status(503));
    studio.inject(Operation::Get, When::Nth(5), Fault::close_before_answer());
    studio.inject(Operation::Get, When::Nth(7), Fault::status(502).body("text/html", "<html/>"));
    let report = pipeline(&studio, PIPELINE).run().wait(WaitOptions::timeout(HOUR)).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.outcome);
}

#[tokio::test(start_paused = true)]
async fn a_persistent_failure_ends_the_wait_with_the_last_error() {
    let studio = studio().await;
    let handle =
        client(&studio, RetryPolicy::default().with_max_attempts(2)).pipeline(ORG, PIPELINE);
    let run = handle.run().send().await.unwrap();
    studio.inject(Operation::Get, When::Always, Fault::status(500));
    let error = handle.wait_for(RunId::new(run.id), WaitOptions::timeout(HOUR)).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test(start_paused = true)]
async fn reattaching_by_run_id_follows_the_run_to_its_end() {
    let studio = studio().await;
    let run = studio.start_run(ORG.get(), PIPELINE.get()).expect("the run starts");
    let handle = pipeline(&studio, PIPELINE);
    let report = handle.wait_for(RunId::new(run), WaitOptions::no_deadline()).await.unwrap();
    assert!(report.succeeded());
    assert_eq!(report.run().id, run);
}

#[tokio::test(start_paused = true)]
async fn a_run_replaced_before_it_was_seen_to_finish_is_reported() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let first = handle.run().send().await.unwrap();
    // The first run ends, and a second one starts and ends, unseen.
    tokio::time::sleep(Duration::from_secs(61)).await;
    let second = studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    tokio::time::sleep(Duration::from_secs(61)).await;
    let report = handle.wait_for(RunId::new(first.id), WaitOptions::timeout(HOUR)).await;
    let error = report.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::RunNotFound { .. }), "{error:?}");

    // Seen once, then ended and replaced between two polls.
    let third = handle.run().send().await.unwrap();
    let waiter = handle.clone();
    let options = WaitOptions::timeout(HOUR).schedule(FixedSchedule(Duration::from_secs(100)));
    let wait = tokio::spawn(async move { waiter.wait_for(RunId::new(third.id), options).await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    handle.stop().await.unwrap();
    let newest = studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    handle.stop().await.unwrap();
    let report = wait.await.unwrap().unwrap();
    match report.outcome {
        Outcome::Replaced { run, by } => {
            assert_eq!(run.id, third.id);
            assert_eq!(by, Some(RunId::new(newest)));
        }
        other => panic!("{other:?}"),
    }
    assert!(newest > second);
}

#[tokio::test(start_paused = true)]
async fn a_two_hour_run_is_followed_with_few_polls() {
    let studio = ei_fake_studio::FakeStudio::builder()
        .api_key(KEY)
        .pipeline(
            ei_fake_studio::PipelineSpec::new(ORG.get(), PIPELINE.get(), "Long")
                .step(ei_fake_studio::StepSpec::new("Crunch").duration(2 * HOUR).files(1000)),
        )
        .start()
        .await;
    let report = pipeline(&studio, PIPELINE).run().wait(WaitOptions::timeout(3 * HOUR)).await;
    let report = report.unwrap();
    assert!(report.succeeded());
    assert!(report.polls < 200, "{} polls", report.polls);
    let late = report.elapsed.saturating_sub(2 * HOUR);
    assert!(late < Duration::from_secs(60), "noticed {late:?} late");
}

#[tokio::test(start_paused = true)]
async fn a_view_that_lags_within_the_grace_does_not_lose_the_run() {
    let studio = studio_builder().view_lag(Duration::from_secs(4)).start().await;
    let report = pipeline(&studio, PIPELINE).run().wait(WaitOptions::timeout(HOUR)).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.outcome);
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
}
