//! The hostile server: redirects, bodies too large to hold, a trickle, and
//! text made to take over a terminal, as a client receives them.

use crate::support::Client;
use ei_api::API_KEY_HEADER;
use ei_fake_studio::{FakeStudio, Fault, Operation, When};
use reqwest::header::{CONTENT_LENGTH, LOCATION};
use reqwest::{Method, StatusCode};
use std::time::Duration;

const ORGANIZATION: i64 = FakeStudio::DEFAULT_ORGANIZATION_ID;
const PIPELINE: i64 = FakeStudio::DEFAULT_PIPELINE_ID;

/// More than any client should ever hold of one answer.
const MORE_THAN_A_CLIENT_HOLDS: usize = 16 << 20;

#[tokio::test]
async fn a_redirect_names_its_target_and_starts_no_run() {
    let studio = FakeStudio::start().await;
    let target = "http://127.0.0.1:9/v1/api/organizations/1/pipelines/1/run";
    studio.inject(Operation::Run, When::Nth(1), Fault::redirect(307, target));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build();
    let response = http
        .unwrap()
        .post(format!("{}{}", studio.base_url(), Operation::Run.path([ORGANIZATION, PIPELINE])))
        .header(API_KEY_HEADER, FakeStudio::DEFAULT_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(response.headers()[LOCATION], target);
    assert_eq!(studio.runs_started(ORGANIZATION, PIPELINE), 0);
}

#[tokio::test]
async fn an_endless_body_keeps_coming() {
    let studio = FakeStudio::start().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::endless_body());
    let client = Client::new(&studio);
    let path = Operation::Get.path([ORGANIZATION, PIPELINE]);
    let mut response = client.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(CONTENT_LENGTH).is_none(), "chunked, with no length");
    let mut received = 0;
    while received < MORE_THAN_A_CLIENT_HOLDS {
        let chunk = response.chunk().await.unwrap().expect("the body never ends");
        if received == 0 {
            assert!(chunk.starts_with(br#"{"success":false,"error":""#));
        }
        received += chunk.len();
    }
}

#[tokio::test]
async fn a_declared_gigabyte_is_declared_and_sent() {
    let studio = FakeStudio::start().await;
    let gigabyte = 1u64 << 30;
    studio.inject(Operation::List, When::Nth(1), Fault::declared_body(gigabyte));
    let client = Client::new(&studio);
    let path = Operation::List.path([ORGANIZATION]);
    let mut response = client.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(response.headers()[CONTENT_LENGTH], gigabyte.to_string().as_str());
    let mut received = 0;
    while received < MORE_THAN_A_CLIENT_HOLDS {
        received += response.chunk().await.unwrap().expect("a gigabyte is more than this").len();
    }
}

#[tokio::test(start_paused = true)]
async fn a_dripped_answer_is_the_normal_answer_one_byte_at_a_time() {
    let studio = FakeStudio::start().await;
    let interval = Duration::from_millis(100);
    studio.inject(Operation::Run, When::Nth(1), Fault::drip(interval));
    let client = Client::new(&studio);
    let started = tokio::time::Instant::now();
    let answer = client.run(ORGANIZATION, PIPELINE).await;
    let length = serde_json::to_vec(&answer.body).unwrap().len();
    assert_eq!(answer.body["success"], true);
    assert!(started.elapsed() >= interval * u32::try_from(length).unwrap() / 2, "it trickled");
    assert_eq!(studio.runs_started(ORGANIZATION, PIPELINE), 1, "the call took effect");
}

#[tokio::test]
async fn hostile_text_wraps_names_and_pads_them_past_a_format_width() {
    let studio = FakeStudio::start().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::hostile_text());
    let pipeline = Client::new(&studio).pipeline().await;
    let name = pipeline["name"].as_str().unwrap();
    assert!(name.starts_with('\u{1b}') && name.contains("Nightly import\r\u{0}\u{202e}"));
    assert!(name.chars().count() > usize::from(u16::MAX), "{}", name.len());
    let step = pipeline["steps"][0]["name"].as_str().unwrap();
    assert!(step.contains("\u{7}") && step.contains("Fetch from bucket"));
    assert_eq!(pipeline["whenToEmail"], "never", "enum values stay as they are");
    assert!(pipeline["created"].as_str().unwrap().starts_with("2024-"), "dates too");
}
