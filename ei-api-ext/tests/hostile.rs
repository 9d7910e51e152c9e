//! A hostile or broken server, through the SDK: redirects are never
//! followed (so no credential leaves its origin), answers are read up to a
//! cap, a trickle is bounded by the attempt timeout, and the server's text
//! never reaches an error message raw.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::untrusted::is_hazardous;
use ei_api_ext::{Client, Error, ErrorKind, RetryPolicy, TransportKind};
use ei_fake_studio::{FakeStudio, Fault, Operation, When};

/// A JWT the test studios accept, long and distinctive so a leak shows.
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.e30.jwt_test_signature_0123456789";

/// The three credential kinds, each as a client of `studio`.
fn clients_with_every_credential(studio: &FakeStudio) -> Vec<(&'static str, Client)> {
    let builder =
        || Client::builder().base_url(studio.base_url()).retry_policy(RetryPolicy::none());
    vec![
        (KEY, builder().api_key(KEY).build().unwrap()),
        (JWT, builder().jwt_header(JWT).build().unwrap()),
        (JWT, builder().jwt_cookie(JWT).build().unwrap()),
    ]
}

/// Calls every operation once; returns the errors.
async fn every_operation(client: &Client) -> Vec<Error> {
    let handle = client.pipeline(ORG, PIPELINE);
    vec![
        handle.run().send().await.unwrap_err(),
        handle.get().await.unwrap_err(),
        handle.stop().await.unwrap_err(),
        client.organization(ORG).pipelines().list().await.unwrap_err(),
    ]
}

#[tokio::test]
async fn a_redirect_is_never_followed_with_any_credential_to_any_target() {
    let studio = studio_builder().jwt(JWT).start().await;
    let elsewhere = FakeStudio::builder().api_key(KEY).jwt(JWT).start().await;
    let other_port = elsewhere.base_url().trim_end_matches("/v1").to_owned();
    let other_host = other_port.replace("127.0.0.1", "localhost");
    let targets = [
        (301, format!("{other_port}/v1/api/organizations/3/pipelines/9"), other_port.clone()),
        (302, format!("{other_host}/v1/api/organizations/3/pipelines/9/stop"), other_host.clone()),
        (307, "https://evil.example/v1/steal".to_owned(), "https://evil.example".to_owned()),
        (308, "/v1/relative/elsewhere".to_owned(), studio.base_url().replace("/v1", "")),
    ];
    for (status, location, origin) in targets {
        for operation in [Operation::Run, Operation::Get, Operation::Stop, Operation::List] {
            studio.inject(operation, When::Always, Fault::redirect(status, &location));
        }
        for (secret, client) in clients_with_every_credential(&studio) {
            for error in every_operation(&client).await {
                let message = error.to_string();
                let ErrorKind::InvalidResponse { status: Some(seen), problem, .. } = error.kind()
                else {
                    panic!("{status}: {error:?}")
                };
                assert_eq!(seen.as_u16(), status);
                assert!(problem.contains(&format!("redirected to {origin}")), "{problem}");
                assert!(!message.contains(secret), "{message}");
                assert!(!error.is_retryable(), "a redirect is not retried: {message}");
            }
        }
    }
    assert_eq!(elsewhere.requests().len(), 0, "nothing reached the other origin");
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 0);
}

#[tokio::test]
async fn an_endless_answer_stops_at_the_cap_with_a_clear_error() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::endless_body());
    let client = client(&studio, RetryPolicy::none());
    let error = client.pipeline(ORG, PIPELINE).get().await.unwrap_err();
    let ErrorKind::InvalidResponse { excerpt, problem, .. } = error.kind() else {
        panic!("{error:?}")
    };
    assert!(problem.contains("larger than the limit of 8388608 bytes"), "{problem}");
    assert!(excerpt.starts_with(r#"{"success":false,"error":"AAAA"#), "{excerpt}");
    assert!(excerpt.chars().count() < 200, "the excerpt is from the first bytes only");
}

#[tokio::test]
async fn a_declared_gigabyte_fails_before_it_is_read() {
    let studio = studio().await;
    studio.inject(Operation::List, When::Always, Fault::declared_body(1 << 30));
    let client = client(&studio, RetryPolicy::none());
    let error = client.organization(ORG).pipelines().list().await.unwrap_err();
    assert!(error.to_string().contains("declares 1073741824 bytes"), "{error}");
}

#[tokio::test]
async fn the_answer_limit_is_set_on_the_builder() {
    let studio = studio().await;
    let small = Client::builder()
        .api_key(KEY)
        .base_url(studio.base_url())
        .max_answer_bytes(256)
        .build()
        .unwrap();
    let error = small.pipeline(ORG, PIPELINE).get().await.unwrap_err();
    assert!(error.to_string().contains("larger than the limit of 256 bytes"), "{error}");
    assert!(client(&studio, RetryPolicy::none()).pipeline(ORG, PIPELINE).get().await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn a_trickled_answer_is_cut_off_by_the_attempt_timeout() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::drip(Duration::from_secs(1)));
    let client = client(&studio, RetryPolicy::default());
    let started = tokio::time::Instant::now();
    let error = client.pipeline(ORG, PIPELINE).get().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Transport { kind: TransportKind::Timeout, .. }),
        "{error:?}"
    );
    // The policy's 30 s, and at most one attempt timeout (5 s) past it.
    assert!(started.elapsed() <= Duration::from_secs(35), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_servers_words_reach_an_error_message_escaped_and_shortened() {
    let studio = studio().await;
    let hostile = format!("\u{1b}]0;pwned\u{7}\u{1b}[2J\rno\u{202e}{}", "x".repeat(70_000));
    studio.inject(Operation::Stop, When::Always, Fault::success_false(&hostile));
    let error = client(&studio, RetryPolicy::none()).pipeline(ORG, PIPELINE).stop().await;
    let error = error.unwrap_err();
    assert_eq!(error.server_message(), Some(hostile.as_str()), "kept exactly as sent");
    let message = error.to_string();
    assert!(!message.chars().any(is_hazardous), "{message:?}");
    assert!(message.contains("\\u{1b}]0;pwned\\u{7}"), "{message}");
    assert!(message.len() < 1_000, "{} bytes", message.len());
}
