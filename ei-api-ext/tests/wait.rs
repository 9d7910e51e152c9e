//! Run and wait, under tokio's paused clock.

mod common;

use std::time::Duration;

use common::*;
use std::future::IntoFuture;

use ei_api_ext::run::{Run, RunState, StepState};
use ei_api_ext::wait::{Outcome, ProgressEvent, Stop, WaitOptions};
use ei_api_ext::{ErrorKind, RetryPolicy, RunId};
use ei_fake_studio::{Fault, Operation, When};

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn a_run_that_succeeds_reports_each_event_once_in_order() {
    let studio = studio().await;
    let mut follow = pipeline(&studio, PIPELINE).run().follow(WaitOptions::timeout(HOUR));
    let mut events = Vec::new();
    while let Some(event) = follow.next().await {
        events.push(event);
    }
    let report = follow.await.unwrap();
    assert!(report.succeeded(), "{:?}", report.outcome);
    assert!(report.run.finished.is_some());

    let run = report.run.id;
    let Some(ProgressEvent::RunStarted { run: started, steps }) = events.first() else {
        panic!("{events:?}")
    };
    assert_eq!(*started, run);
    let names: Vec<&str> = steps.iter().map(|step| step.name.as_str()).collect();
    assert_eq!(names, ["Fetch", "Clean"]);
    assert_eq!(
        events.last(),
        Some(&ProgressEvent::RunFinished { run, state: RunState::Succeeded })
    );
    let milestones: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            ProgressEvent::StepStarted { step } => Some(("started", step.number)),
            ProgressEvent::StepFinished { step } => {
                assert_eq!(step.state, StepState::Succeeded);
                Some(("finished", step.number))
            }
            _ => None,
        })
        .collect();
    assert_eq!(milestones, [("started", 1), ("finished", 1), ("started", 2), ("finished", 2)]);
    let mut last_done = std::collections::HashMap::new();
    for event in &events {
        if let ProgressEvent::StepProgress { step } = event {
            let files = step.files.expect("counts");
            assert_eq!(files.total, 40);
            let previous = last_done.insert(step.number, files.done);
            assert!(previous.is_none_or(|p| p < files.done), "progress repeats or goes back");
        }
    }
    assert!(!last_done.is_empty(), "file progress was reported");
}

#[tokio::test(start_paused = true)]
async fn a_failed_step_is_named() {
    let studio = studio().await;
    let report = pipeline(&studio, FAILING).run().follow(WaitOptions::timeout(HOUR)).await.unwrap();
    assert_eq!(report.outcome, Outcome::Failed, "{report:?}");
    let failed: Vec<_> = report.run.failed_steps().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].name.as_str(), failed[0].number), ("Explode", 2));
    assert_eq!(failed[0].state, StepState::Failed);
    assert!(report.run.finished.is_some());
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
    let report = handle.run().follow(WaitOptions::timeout(HOUR)).await.unwrap();
    assert_eq!(report.outcome, Outcome::Failed, "{report:?}");
    assert!(report.elapsed < Duration::from_secs(20), "{:?}", report.elapsed);
}

#[tokio::test(start_paused = true)]
async fn at_the_deadline_the_run_is_left_running() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let report = handle.run().follow(WaitOptions::timeout(Duration::from_secs(15))).await.unwrap();
    assert_eq!(report.outcome, Outcome::TimedOut { stop: Stop::NotAsked }, "{report:?}");
    assert!(report.run.finished.is_none());
    assert!(report.elapsed >= Duration::from_secs(15) && report.elapsed < Duration::from_secs(16));
    assert!(report.polls > 0);
    assert!(handle.get().await.unwrap().current_run.is_some(), "still running");
}

#[tokio::test(start_paused = true)]
async fn at_the_deadline_stop_on_timeout_stops_and_confirms() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let options = WaitOptions::timeout(Duration::from_secs(15)).stop_on_timeout(true);
    let report = handle.run().follow(options).await.unwrap();
    assert_eq!(report.outcome, Outcome::TimedOut { stop: Stop::Confirmed }, "{report:?}");
    assert!(report.run.finished.is_some());
    assert!(handle.get().await.unwrap().current_run.is_none(), "stopped");
}

#[tokio::test(start_paused = true)]
async fn transient_faults_while_polling_do_not_end_the_wait() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Nth(3), Fault::status(503));
    studio.inject(Operation::Get, When::Nth(5), Fault::close_before_answer());
    studio.inject(Operation::Get, When::Nth(7), Fault::status(502).body("text/html", "<html/>"));
    let report =
        pipeline(&studio, PIPELINE).run().follow(WaitOptions::timeout(HOUR)).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.outcome);
}

#[tokio::test(start_paused = true)]
async fn failures_that_outlast_the_deadline_end_the_wait_with_the_last_error() {
    let studio = studio().await;
    let handle =
        client(&studio, RetryPolicy::default().with_max_attempts(2)).pipeline(ORG, PIPELINE);
    let run = handle.run().send().await.unwrap();
    studio.inject(Operation::Get, When::Always, Fault::status(500));
    let started = tokio::time::Instant::now();
    let deadline = Duration::from_secs(120);
    let error = handle.follow(RunId::new(run.id), WaitOptions::timeout(deadline)).await;
    let error = error.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(started.elapsed() >= deadline, "tried until the deadline: {:?}", started.elapsed());
    assert!(started.elapsed() <= deadline + Duration::from_secs(1), "{:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_refusal_while_reading_ends_the_wait_at_once() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let run = handle.run().send().await.unwrap();
    studio.inject(Operation::Get, When::Always, Fault::status(403));
    let error = handle.follow(RunId::new(run.id), WaitOptions::timeout(HOUR)).await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Unauthorized { .. }), "{error:?}");
    assert_eq!(studio.requests().len(), 2, "the run call, one read");
}

#[tokio::test]
async fn a_wait_whose_first_read_reaches_no_server_ends_at_once_not_at_its_deadline() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = ei_api_ext::Client::builder()
        .api_key(KEY)
        .base_url(format!("http://{address}/v1"))
        .retry_policy(RetryPolicy::default().with_max_attempts(2))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client.pipeline(ORG, PIPELINE).follow(RunId::new(7), WaitOptions::timeout(HOUR));
    let error = error.await.unwrap_err();
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Transport { kind: ei_api_ext::TransportKind::ConnectionRefused, .. }
        ),
        "{error:?}"
    );
    // The read's own retries, not the hour.
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn reattaching_by_run_id_follows_the_run_to_its_end() {
    let studio = studio().await;
    let run = studio.start_run(ORG.get(), PIPELINE.get()).expect("the run starts");
    let handle = pipeline(&studio, PIPELINE);
    let report = handle.follow(RunId::new(run), WaitOptions::no_deadline()).await.unwrap();
    assert!(report.succeeded());
    assert_eq!(report.run.id, RunId::new(run));
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
    let report = handle.follow(RunId::new(first.id), WaitOptions::timeout(HOUR)).await;
    let error = report.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::RunNotFound { .. }), "{error:?}");

    // Seen once, then ended and replaced between two polls.
    let third = handle.run().send().await.unwrap();
    let waiter = handle.clone();
    let options = WaitOptions::timeout(HOUR).schedule(|_, _: &Run| Duration::from_secs(100));
    let wait = tokio::spawn(waiter.follow(RunId::new(third.id), options).into_future());
    tokio::time::sleep(Duration::from_secs(1)).await;
    handle.stop().await.unwrap();
    let newest = studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    handle.stop().await.unwrap();
    let report = wait.await.unwrap().unwrap();
    assert_eq!(report.outcome, Outcome::Replaced { by: Some(RunId::new(newest)) });
    assert_eq!(report.run.id, RunId::new(third.id));
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
    let report = pipeline(&studio, PIPELINE).run().follow(WaitOptions::timeout(3 * HOUR)).await;
    let report = report.unwrap();
    assert!(report.succeeded());
    assert!(report.polls < 200, "{} polls", report.polls);
    let late = report.elapsed.saturating_sub(2 * HOUR);
    assert!(late < Duration::from_secs(60), "noticed {late:?} late");
}

#[tokio::test(start_paused = true)]
async fn a_view_that_lags_within_the_grace_does_not_lose_the_run() {
    let studio = studio_builder().view_lag(Duration::from_secs(4)).start().await;
    let report =
        pipeline(&studio, PIPELINE).run().follow(WaitOptions::timeout(HOUR)).await.unwrap();
    assert!(report.succeeded(), "{:?}", report.outcome);
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
}

#[tokio::test(start_paused = true)]
async fn following_the_latest_run_finds_the_current_one_or_the_last() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let error = handle.follow_latest(WaitOptions::timeout(HOUR)).await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::RunNotFound { .. }), "never run: {error:?}");
    // A deadline within the view's grace: the reads showed no run, and say so.
    let short = WaitOptions::timeout(Duration::from_secs(2));
    let error = handle.follow_latest(short).await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::RunNotFound { .. }), "never run: {error:?}");
    let going = studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    let report = handle.follow_latest(WaitOptions::timeout(HOUR)).await.unwrap();
    assert_eq!(report.run.id, RunId::new(going));
    assert!(report.succeeded());
    let again = handle.follow_latest(WaitOptions::timeout(HOUR)).await.unwrap();
    assert_eq!(again.run.id, RunId::new(going), "over: its outcome, at once");
    assert_eq!(again.polls, 1);
}

/// A studio whose pipeline 9 reads stall from the `nth` read on, for an hour.
async fn studio_stalling_from_read(nth: usize) -> ei_fake_studio::FakeStudio {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Nth(nth), Fault::delay(HOUR));
    studio
}

#[tokio::test(start_paused = true)]
async fn a_read_stalled_at_the_deadline_ends_the_wait_at_the_deadline() {
    let studio = studio_stalling_from_read(2).await;
    let started = tokio::time::Instant::now();
    let options =
        WaitOptions::timeout(Duration::from_secs(12)).schedule(|_, _: &Run| Duration::from_secs(5));
    let report = pipeline(&studio, PIPELINE).run().follow(options).await.unwrap();
    assert_eq!(report.outcome, Outcome::TimedOut { stop: Stop::NotAsked }, "{report:?}");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(12), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(12_100), "cut off at the deadline: {elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn a_read_stalled_at_the_deadline_still_lets_stop_on_timeout_stop_the_run() {
    let studio = studio_stalling_from_read(2).await;
    let handle = pipeline(&studio, PIPELINE);
    let started = tokio::time::Instant::now();
    let options = WaitOptions::timeout(Duration::from_secs(12))
        .schedule(|_, _: &Run| Duration::from_secs(5))
        .stop_on_timeout(true);
    let report = handle.run().follow(options).await.unwrap();
    assert_eq!(report.outcome, Outcome::TimedOut { stop: Stop::Confirmed }, "{report:?}");
    assert!(started.elapsed() < Duration::from_secs(13), "{:?}", started.elapsed());
    assert!(handle.get().await.unwrap().current_run.is_none(), "the run was stopped");
}

#[tokio::test(start_paused = true)]
async fn the_deadline_bounds_the_whole_wait_including_the_stop() {
    let studio = studio().await;
    let started = tokio::time::Instant::now();
    // Every read but the first stalls, and so does the stop.
    studio.inject(Operation::Get, When::Always, Fault::delay(HOUR));
    studio.inject(Operation::Get, When::Nth(1), Fault::delay(Duration::ZERO));
    studio.inject(Operation::Stop, When::Always, Fault::delay(HOUR));
    let deadline = Duration::from_secs(30);
    let options = WaitOptions::timeout(deadline).stop_on_timeout(true);
    let report = pipeline(&studio, PIPELINE).run().follow(options).await.unwrap();
    let Outcome::TimedOut { stop: Stop::NotSent { reason } } = &report.outcome else {
        panic!("{report:?}")
    };
    assert!(reason.contains("stopOrganizationPipeline"), "{reason}");
    // The stop's own allowance after the deadline, and no more.
    let elapsed = started.elapsed();
    assert!(elapsed <= deadline + Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn one_stalled_read_in_a_long_wait_is_survived() {
    let studio = studio_stalling_from_read(3).await;
    studio.inject(Operation::Get, When::Nth(4), Fault::delay(Duration::ZERO));
    // The client's own defaults: a 30 s attempt timeout and a 30 s retry window.
    let client =
        ei_api_ext::Client::builder().api_key(KEY).base_url(studio.base_url()).build().unwrap();
    let report = client.pipeline(ORG, PIPELINE).run().follow(WaitOptions::timeout(HOUR)).await;
    let report = report.unwrap();
    assert!(report.succeeded(), "{:?}", report.outcome);
}

#[tokio::test(start_paused = true)]
async fn every_way_of_consuming_a_follow_completes() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let options = || WaitOptions::timeout(HOUR);

    // Only the events: the stream ends when the run does.
    let mut follow = handle.run().follow(options());
    let mut last = None;
    while let Some(event) = follow.next().await {
        last = Some(event);
    }
    assert!(matches!(last, Some(ProgressEvent::RunFinished { .. })), "{last:?}");

    // Both at once, the events read in another task.
    let (mut events, outcome) = handle.run().follow(options()).split();
    let reader = tokio::spawn(async move {
        let mut count = 0;
        while events.next().await.is_some() {
            count += 1;
        }
        count
    });
    assert!(outcome.await.unwrap().succeeded());
    assert!(reader.await.unwrap() >= 4, "run and step events were read");

    // The events dropped part-way: the outcome still comes.
    let (mut events, outcome) = handle.run().follow(options()).split();
    events.next().await.expect("a first event");
    drop(events);
    assert!(outcome.await.unwrap().succeeded());

    // The outcome dropped: the events still end.
    let (mut events, outcome) = handle.run().follow(options()).split();
    drop(outcome);
    let mut count = 0;
    while events.next().await.is_some() {
        count += 1;
    }
    assert!(count >= 4);

    // Nothing consumed: dropping it stops following, and the run goes on.
    drop(handle.follow(RunId::new(1), options()));
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 4);
}

#[tokio::test(start_paused = true)]
async fn events_nobody_reads_are_kept_within_a_bound() {
    let many_steps = (0..2_000).fold(
        ei_fake_studio::PipelineSpec::new(ORG.get(), PIPELINE.get(), "Many"),
        |pipeline, index| {
            pipeline.step(
                ei_fake_studio::StepSpec::new(format!("step {index}"))
                    .duration(Duration::from_millis(10))
                    .files(1),
            )
        },
    );
    let studio =
        ei_fake_studio::FakeStudio::builder().api_key(KEY).pipeline(many_steps).start().await;
    let (mut events, outcome) =
        pipeline(&studio, PIPELINE).run().follow(WaitOptions::timeout(HOUR)).split();
    assert!(outcome.await.unwrap().succeeded());
    // Thousands of events happened; the queue kept the latest, and says so.
    let first = events.next().await;
    assert!(matches!(first, Some(ProgressEvent::Skipped { events }) if events > 0), "{first:?}");
    let mut kept = 0;
    while events.next().await.is_some() {
        kept += 1;
    }
    assert!(kept <= 1_024, "{kept}");
}

#[tokio::test(start_paused = true)]
async fn a_poll_against_a_read_that_keeps_failing_makes_at_most_the_policys_attempts() {
    const ATTEMPTS: u32 = 3;
    let studio = studio().await;
    // Retries come within 200 ms of each other; polls at least 1 s apart
    // (the time-only rule's shortest delay), so the reads group into polls.
    let policy = RetryPolicy::default()
        .with_max_attempts(ATTEMPTS)
        .with_backoff(Duration::from_millis(100), Duration::from_millis(200));
    let handle = client(&studio, policy).pipeline(ORG, PIPELINE);
    let run = handle.run().send().await.unwrap();
    studio.inject(Operation::Get, When::Always, Fault::status(503));
    let started = tokio::time::Instant::now();
    let deadline = Duration::from_secs(40);
    let error = handle.follow(RunId::new(run.id), WaitOptions::timeout(deadline)).await;
    assert_eq!(error.unwrap_err().status().map(|s| s.as_u16()), Some(503));
    let elapsed = started.elapsed();
    assert!(elapsed >= deadline && elapsed <= deadline + Duration::from_millis(10), "{elapsed:?}");

    let reads: Vec<_> = studio
        .requests()
        .into_iter()
        .filter(|request| request.operation == Some(Operation::Get))
        .map(|request| request.received)
        .collect();
    let mut polls: Vec<Vec<tokio::time::Instant>> = Vec::new();
    for read in reads {
        match polls.last_mut() {
            Some(poll) if read - *poll.last().unwrap() < Duration::from_millis(900) => {
                poll.push(read)
            }
            _ => polls.push(vec![read]),
        }
    }
    assert!(polls.len() >= 5, "the wait kept polling until its deadline: {}", polls.len());
    for poll in &polls {
        assert!(poll.len() <= ATTEMPTS as usize, "one poll made {} attempts", poll.len());
    }
    // Every poll but one cut at the deadline made all its attempts: the
    // policy's retries, and nothing around them.
    let full = polls.iter().filter(|poll| poll.len() == ATTEMPTS as usize).count();
    assert!(full >= polls.len() - 1, "{polls:?}");
}

#[tokio::test(start_paused = true)]
async fn stop_on_timeout_with_every_read_stalled_says_the_stop_was_accepted_within_its_bound() {
    let studio = studio_stalling_from_read(2).await;
    studio.inject(Operation::Get, When::Always, Fault::delay(HOUR));
    let handle = pipeline(&studio, PIPELINE);
    let started = tokio::time::Instant::now();
    let options = WaitOptions::timeout(Duration::from_secs(5)).stop_on_timeout(true);
    let report = handle.run().follow(options).await.unwrap();
    // The confirming read stalls too: the stop is known accepted, and said
    // so, within the confirmation's bound (1.5 s) after the deadline.
    assert_eq!(report.outcome, Outcome::TimedOut { stop: Stop::Acknowledged }, "{report:?}");
    assert!(started.elapsed() <= Duration::from_millis(6_600), "{:?}", started.elapsed());
    assert_eq!(
        studio.requests().iter().filter(|r| r.operation == Some(Operation::Stop)).count(),
        1,
        "the stop was sent once"
    );
}
