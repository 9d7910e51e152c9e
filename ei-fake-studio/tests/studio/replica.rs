//! What real services show a client that reconciles: a pipeline view that
//! lags the writes, a server that accepts a run while one is going, and a
//! `Date` header from the studio's own clock.

use crate::support::Client;
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};
use reqwest::header::DATE;
use reqwest::Method;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn pipeline(id: i64) -> PipelineSpec {
    PipelineSpec::new(1, id, "Lagging").step(StepSpec::new("Only").duration(10 * SECOND))
}

#[tokio::test(start_paused = true)]
async fn a_lagging_view_shows_a_new_run_only_after_the_lag() {
    let studio = FakeStudio::builder().view_lag(2 * SECOND).pipeline(pipeline(1)).start().await;
    let client = Client::new(&studio);
    let started = client.run(1, 1).await.body["pipelineRun"]["id"].clone();
    assert!(client.pipeline().await["currentRun"].is_null(), "not in the view yet");
    tokio::time::advance(SECOND + SECOND / 2).await;
    assert!(client.pipeline().await["currentRun"].is_null(), "still not, 1.5 s later");
    tokio::time::advance(SECOND).await;
    assert_eq!(client.pipeline().await["currentRun"]["id"], started, "there after the lag");
    // The run is over at 10 s, and the view says so 2 s later.
    tokio::time::advance(8 * SECOND).await;
    assert_eq!(client.pipeline().await["currentRun"]["id"], started);
    tokio::time::advance(2 * SECOND).await;
    let pipeline = client.pipeline().await;
    assert!(pipeline["currentRun"].is_null());
    assert_eq!(pipeline["lastRun"]["id"], started);
}

#[tokio::test(start_paused = true)]
async fn the_run_call_acts_on_the_current_state_not_the_lagging_view() {
    let studio = FakeStudio::builder().view_lag(5 * SECOND).pipeline(pipeline(1)).start().await;
    let client = Client::new(&studio);
    assert_eq!(client.run(1, 1).await.body["success"], true);
    let refused = client.run(1, 1).await;
    assert_eq!(refused.body["error"], "Pipeline is already running");
    assert_eq!(studio.runs_started(1, 1), 1);
}

#[tokio::test(start_paused = true)]
async fn a_pipeline_that_accepts_runs_while_running_starts_a_second_run() {
    let studio =
        FakeStudio::builder().pipeline(pipeline(1).accept_runs_while_running()).start().await;
    let client = Client::new(&studio);
    let first = client.run(1, 1).await.body["pipelineRun"]["id"].as_i64().unwrap();
    tokio::time::advance(SECOND).await;
    let second = client.run(1, 1).await.body["pipelineRun"]["id"].as_i64().unwrap();
    assert_ne!(first, second);
    assert_eq!(studio.runs_started(1, 1), 2);
    let pipeline = client.pipeline().await;
    assert_eq!(pipeline["currentRun"]["id"], second);
    assert_eq!(pipeline["lastRun"]["id"], first, "the first was stopped");
    assert_eq!(pipeline["lastRun"]["steps"][0]["transformationJob"]["status"], "failed");
}

#[tokio::test(start_paused = true)]
async fn every_answer_is_dated_by_the_studios_clock() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    tokio::time::advance(90 * SECOND).await;
    let path = Operation::Get.path([1, 1]);
    let response = client.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(response.headers()[DATE], "Mon, 03 Jun 2024 08:01:30 GMT");
    let missing = client.request(Method::GET, "/nowhere").send().await.unwrap();
    assert_eq!(missing.headers()[DATE], "Mon, 03 Jun 2024 08:01:30 GMT");
}

#[tokio::test]
async fn an_undated_answer_has_no_date_at_all() {
    let studio = FakeStudio::start().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::undated());
    let client = Client::new(&studio);
    let path = Operation::Get.path([1, 1]);
    let response = client.request(Method::GET, &path).send().await.unwrap();
    assert!(response.headers().get(DATE).is_none());
    assert_eq!(response.status(), 200);
    let response = client.request(Method::GET, &path).send().await.unwrap();
    assert!(response.headers().get(DATE).is_some());
}

#[tokio::test(start_paused = true)]
async fn a_skewed_date_is_that_far_off_the_studios_clock() {
    let studio = FakeStudio::start().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::skewed_date(-86_400));
    studio.inject(Operation::Get, When::Nth(2), Fault::skewed_date(2));
    let client = Client::new(&studio);
    let path = Operation::Get.path([1, 1]);
    let behind = client.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(behind.headers()[DATE], "Sun, 02 Jun 2024 08:00:00 GMT");
    assert_eq!(behind.status(), 200);
    let ahead = client.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(ahead.headers()[DATE], "Mon, 03 Jun 2024 08:00:02 GMT");
}
