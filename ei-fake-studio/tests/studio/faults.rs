//! Every fault kind, observed through a reqwest client, and which calls a
//! fault picks.

use crate::support::{job, steps, Client};
use ei_api::enums::{OrganizationCreateProjectCategory, OrganizationPipelineWhenToEmail};
use ei_api::types::GetOrganizationPipelinesResponse;
use ei_fake_studio::{FakeStudio, Fault, Operation, When};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::error::Error as _;
use std::time::Duration;

const ORGANIZATION: i64 = FakeStudio::DEFAULT_ORGANIZATION_ID;
const PIPELINE: i64 = FakeStudio::DEFAULT_PIPELINE_ID;

async fn studio() -> (FakeStudio, Client) {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    (studio, client)
}

/// Sends a run request and returns what reqwest makes of it.
async fn try_run(client: &Client) -> Result<reqwest::Response, reqwest::Error> {
    client.request(Method::POST, &Operation::Run.path([ORGANIZATION, PIPELINE])).send().await
}

/// Whether reqwest saw the connection end before a complete response.
fn is_incomplete_message(error: &reqwest::Error) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_incomplete_message) {
            return true;
        }
        source = cause.source();
    }
    false
}

fn runs_started(studio: &FakeStudio) -> usize {
    studio.runs_started(ORGANIZATION, PIPELINE)
}

#[tokio::test]
async fn a_status_fault_answers_a_json_failure_and_starts_no_run() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::status(503));
    let answer = client.run(ORGANIZATION, PIPELINE).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.body["success"], false);
    assert!(answer.body["error"].as_str().unwrap().contains("503 Service Unavailable"));
    assert_eq!(runs_started(&studio), 0);
    assert_eq!(client.run(ORGANIZATION, PIPELINE).await.status, StatusCode::OK);
    assert_eq!(runs_started(&studio), 1);
}

#[tokio::test]
async fn a_status_fault_can_carry_an_html_body_and_a_retry_after() {
    let (studio, client) = studio().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    studio.inject(Operation::Get, When::Nth(1), Fault::status(502).body("text/html", page));
    studio.inject(Operation::Get, When::Nth(2), Fault::status(429).retry_after("5"));
    let http_date = "Wed, 21 Oct 2015 07:28:00 GMT";
    studio.inject(Operation::Get, When::Nth(3), Fault::status(503).retry_after(http_date));
    let get = || client.request(Method::GET, &Operation::Get.path([ORGANIZATION, PIPELINE])).send();

    let proxy = get().await.unwrap();
    assert_eq!(proxy.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(proxy.headers()["content-type"], "text/html");
    assert_eq!(proxy.text().await.unwrap(), page);

    let throttled = get().await.unwrap();
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.headers()["retry-after"], "5");
    assert_eq!(throttled.headers()["content-type"], "application/json");
    assert_eq!(throttled.json::<Value>().await.unwrap()["success"], false);

    assert_eq!(get().await.unwrap().headers()["retry-after"], http_date);
}

#[tokio::test(start_paused = true)]
async fn a_delay_fault_acts_at_once_and_answers_once_the_delay_is_over() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::delay(Duration::from_secs(30)));
    let sent = tokio::time::Instant::now();
    let call = tokio::spawn(async move { client.run(ORGANIZATION, PIPELINE).await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(runs_started(&studio), 1, "the run started before the answer");
    let answer = call.await.unwrap();
    assert!(sent.elapsed() >= Duration::from_secs(30));
    assert_eq!(answer.body["success"], true);
}

#[tokio::test]
async fn closing_before_answering_is_an_incomplete_message_and_starts_no_run() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_before_answer());
    let error = try_run(&client).await.expect_err("no answer");
    assert!(is_incomplete_message(&error), "{error:?}");
    assert_eq!(runs_started(&studio), 0);
    assert!(client.pipeline().await.get("currentRun").is_none());
}

#[tokio::test]
async fn closing_after_the_action_starts_the_run_but_loses_the_answer() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let error = try_run(&client).await.expect_err("no answer");
    assert!(is_incomplete_message(&error), "{error:?}");
    assert_eq!(runs_started(&studio), 1);
    assert!(client.pipeline().await["currentRun"]["id"].is_i64());
}

#[tokio::test]
async fn closing_after_a_stop_still_stops_the_run() {
    let (studio, client) = studio().await;
    client.run(ORGANIZATION, PIPELINE).await;
    studio.inject(Operation::Stop, When::Nth(1), Fault::close_after_action());
    let stop = client.request(Method::POST, &Operation::Stop.path([ORGANIZATION, PIPELINE]));
    let error = stop.send().await.expect_err("no answer");
    assert!(is_incomplete_message(&error), "{error:?}");
    let shown = client.pipeline().await;
    assert!(shown.get("currentRun").is_none());
    assert_eq!(job(&steps(&shown["lastRun"])[0])["status"], "failed");
}

#[tokio::test]
async fn malformed_json_is_not_json_and_starts_no_run() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::malformed_json());
    let response = try_run(&client).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(runs_started(&studio), 0);
}

#[tokio::test]
async fn truncated_json_ends_early_but_the_run_starts() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::truncated_json());
    let response = try_run(&client).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let error = serde_json::from_str::<Value>(&text).expect_err("cut short");
    assert!(error.is_eof(), "the JSON ends early: {error}");
    assert!(text.starts_with(r#"{"pipelineRun":{"#), "{text}");
    assert_eq!(runs_started(&studio), 1);
}

#[tokio::test]
async fn success_false_refuses_vendor_style_without_effect() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::success_false("Too many pipelines running"));
    let answer = client.run(ORGANIZATION, PIPELINE).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"success": false, "error": "Too many pipelines running"}));
    assert_eq!(runs_started(&studio), 0);
}

#[tokio::test]
async fn unlisted_enum_values_replace_the_listed_ones_but_job_statuses_stay_readable() {
    let (studio, client) = studio().await;
    client.run(ORGANIZATION, PIPELINE).await;
    studio.inject(Operation::Get, When::Always, Fault::unlisted_enum_values());
    let answer = client.get(ORGANIZATION, PIPELINE).await;
    let pipeline = &answer.body["pipeline"];
    assert_eq!(pipeline["whenToEmail"], "weekly");
    assert_eq!(pipeline["steps"][0]["category"], "holdout");
    assert_eq!(pipeline["steps"][0]["uploadType"], "archive");
    let run_step = &steps(&pipeline["currentRun"])[0];
    assert_eq!(
        (&run_step["category"], &run_step["uploadType"]),
        (&json!("holdout"), &json!("archive"))
    );
    let job = job(run_step);
    assert_eq!(job["operatesOn"], "cluster");
    assert_eq!(job["category"], "holdout");
    assert_eq!(job["uploadType"], "archive");
    assert_eq!(job["status"], "started");

    let decoded: GetOrganizationPipelinesResponse = serde_json::from_value(answer.body).unwrap();
    assert_eq!(
        decoded.pipeline.when_to_email,
        OrganizationPipelineWhenToEmail::Unknown("weekly".into())
    );
    let job = decoded.pipeline.current_run.unwrap().steps[0].transformation_job.clone().unwrap();
    assert_eq!(job.category, OrganizationCreateProjectCategory::Unknown("holdout".into()));
}

#[tokio::test]
async fn unknown_properties_appear_at_every_depth_of_the_answer() {
    let (studio, client) = studio().await;
    client.run(ORGANIZATION, PIPELINE).await;
    studio.inject(Operation::Get, When::Always, Fault::unknown_properties());
    let answer = client.get(ORGANIZATION, PIPELINE).await;
    let body = &answer.body;
    let run_step = &steps(&body["pipeline"]["currentRun"])[0];
    for (depth, object) in [
        ("response", body),
        ("pipeline", &body["pipeline"]),
        ("pipeline step", &body["pipeline"]["steps"][0]),
        ("run", &body["pipeline"]["currentRun"]),
        ("run step", run_step),
        ("job", job(run_step)),
        ("summary", &job(run_step)["transformationSummary"]),
    ] {
        assert!(object.get("fakeStudioExtension").is_some_and(Value::is_object), "{depth}");
    }
    assert!(serde_json::from_value::<GetOrganizationPipelinesResponse>(answer.body).is_ok());
}

#[tokio::test]
async fn nulls_fill_every_optional_property_the_answer_leaves_out() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Run, When::Always, Fault::nulls());
    studio.inject(Operation::Get, When::Always, Fault::nulls());
    let run = client.run(ORGANIZATION, PIPELINE).await.body;
    assert_eq!(run["error"], Value::Null);
    assert!(run.get("error").is_some());
    assert_eq!(run["pipelineRun"]["finished"], Value::Null);
    assert!(run["pipelineRun"].get("finished").is_some());

    let body = client.get(ORGANIZATION, PIPELINE).await.body;
    let pipeline = &body["pipeline"];
    for property in ["lastRun", "nextRun", "intervalStr", "lastRunStartError", "feedingIntoDataset"]
    {
        assert!(pipeline.get(property).is_some_and(Value::is_null), "{property}");
    }
    let job = job(&steps(&pipeline["currentRun"])[0]);
    for property in ["label", "filterQuery", "createdByUser", "projectName", "projectId"] {
        assert!(job.get(property).is_some_and(Value::is_null), "{property}");
    }
    assert!(serde_json::from_value::<GetOrganizationPipelinesResponse>(body).is_ok());
}

#[tokio::test]
async fn the_nth_call_alone_gets_the_fault() {
    let (studio, client) = studio().await;
    client.list(ORGANIZATION).await;
    studio.inject(Operation::List, When::Nth(2), Fault::status(500));
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(client.list(ORGANIZATION).await.status.as_u16());
    }
    assert_eq!(seen, [200, 500, 200], "counted from the injection");
}

#[tokio::test]
async fn each_of_the_next_calls_gets_the_fault() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Get, When::Next(2), Fault::status(500));
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(client.get(ORGANIZATION, PIPELINE).await.status.as_u16());
    }
    assert_eq!(seen, [500, 500, 200]);
}

#[tokio::test(start_paused = true)]
async fn a_fault_for_a_duration_ends_with_tokio_time() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Get, When::For(Duration::from_secs(60)), Fault::status(503));
    assert_eq!(client.get(ORGANIZATION, PIPELINE).await.status, StatusCode::SERVICE_UNAVAILABLE);
    tokio::time::sleep(Duration::from_secs(59)).await;
    assert_eq!(client.get(ORGANIZATION, PIPELINE).await.status, StatusCode::SERVICE_UNAVAILABLE);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(client.get(ORGANIZATION, PIPELINE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_always_fault_applies_to_its_operation_only_and_a_later_fault_overrides_it() {
    let (studio, client) = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::status(500));
    studio.inject(Operation::Get, When::Nth(2), Fault::status(418));
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(client.get(ORGANIZATION, PIPELINE).await.status.as_u16());
    }
    assert_eq!(seen, [500, 418, 500]);
    assert_eq!(client.list(ORGANIZATION).await.status, StatusCode::OK);
}
