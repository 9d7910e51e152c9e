//! The retry rules: Retry-After, the attempt limit, the budget, the deadline.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::{Client, ErrorKind, RetryPolicy};
use ei_fake_studio::{Fault, Operation, When};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn retry_after_in_seconds_is_honoured() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::status(429).retry_after("7"));
    let started = Instant::now();
    pipeline(&studio, PIPELINE).get().await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(7) && waited < Duration::from_secs(8), "{waited:?}");
    assert_eq!(studio.requests().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_is_honoured() {
    let studio = studio().await;
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(6));
    studio.inject(Operation::Get, When::Nth(1), Fault::status(429).retry_after(date));
    let started = Instant::now();
    pipeline(&studio, PIPELINE).get().await.unwrap();
    let waited = started.elapsed();
    // An HTTP date has whole seconds.
    assert!(waited >= Duration::from_secs(4) && waited <= Duration::from_secs(6), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn a_long_retry_after_is_capped() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::status(429).retry_after("86400"));
    let policy = RetryPolicy::default().with_max_retry_after(Duration::from_secs(3));
    let started = Instant::now();
    client(&studio, policy).pipeline(ORG, PIPELINE).get().await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(3) && waited < Duration::from_secs(4), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn never_sleeps_past_the_callers_deadline() {
    let studio = studio().await;
    studio.inject(Operation::Run, When::Always, Fault::status(429).retry_after("10"));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(5);
    let error = pipeline(&studio, PIPELINE).run().deadline(deadline).send().await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::RateLimited { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "gave up at once, not after sleeping");
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_the_maximum_attempts() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::status(503));
    let policy = RetryPolicy::default().with_max_attempts(3);
    let error = client(&studio, policy).pipeline(ORG, PIPELINE).get().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(studio.requests().len(), 3);
}

#[tokio::test(start_paused = true)]
async fn default_policy_gives_up_within_about_thirty_seconds() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::status(500));
    let started = Instant::now();
    pipeline(&studio, PIPELINE).get().await.unwrap_err();
    assert!(started.elapsed() <= Duration::from_secs(30), "{:?}", started.elapsed());
}

/// A client of `studio` whose retry budget holds `tokens`.
fn client_with_budget(studio: &ei_fake_studio::FakeStudio, tokens: u32) -> Client {
    Client::builder().api_key(KEY).base_url(studio.base_url()).retry_budget(tokens).build().unwrap()
}

#[tokio::test(start_paused = true)]
async fn an_empty_budget_stops_retries_across_the_client() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::status(503));
    // Two retries' worth of tokens, shared by every call of this client.
    let client = client_with_budget(&studio, 10);
    let handle = client.pipeline(ORG, PIPELINE);
    handle.get().await.unwrap_err();
    handle.get().await.unwrap_err();
    // 1 + 2 retries, then 1 attempt with no budget left.
    assert_eq!(studio.requests().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_flaky_server_that_still_answers_does_not_drain_the_budget() {
    let studio = studio().await;
    // Room for two retries at a time; every call needs one.
    let client = client_with_budget(&studio, 10);
    let handle = client.pipeline(ORG, PIPELINE);
    for call in 0..50 {
        studio.inject(Operation::Get, When::Nth(1), Fault::status(503));
        handle.get().await.unwrap_or_else(|error| panic!("call {call}: {error}"));
    }
    assert_eq!(studio.requests().len(), 100, "each call: one failure, one retry");
}

#[tokio::test(start_paused = true)]
async fn no_retries_with_the_none_policy() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::status(503));
    client(&studio, RetryPolicy::none()).pipeline(ORG, PIPELINE).get().await.unwrap_err();
    assert_eq!(studio.requests().len(), 1);
}
