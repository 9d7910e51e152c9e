//! Each error kind, from the fake Studio, with the call named in the message.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::{Client, ErrorKind, PipelineId, RetryPolicy, TransportKind};
use ei_fake_studio::{Fault, Operation, When};

#[tokio::test]
async fn wrong_key_is_unauthorized_and_names_the_call() {
    let studio = studio().await;
    let client = Client::builder().api_key("ei_wrong").base_url(studio.base_url()).build().unwrap();
    let error = client.pipeline(ORG, PIPELINE).get().await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Unauthorized { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("getOrganizationPipeline"), "{message}");
    assert!(message.contains("organization 3") && message.contains("pipeline 9"), "{message}");
    assert!(!message.contains("ei_wrong"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn unknown_pipeline_is_not_found_with_the_server_words() {
    let studio = studio().await;
    let error = pipeline(&studio, PipelineId::new(404)).get().await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::NotFound { .. }), "{error:?}");
    assert!(error.server_message().is_some());
}

#[tokio::test]
async fn success_false_in_a_200_is_a_refusal_with_the_server_words() {
    let studio = studio().await;
    studio.inject(Operation::Stop, When::Nth(1), Fault::success_false("Nothing to stop here"));
    let error = pipeline(&studio, PIPELINE).stop().await.unwrap_err();
    match error.kind() {
        ErrorKind::ApiRefused { status, message } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(message.as_deref(), Some("Nothing to stop here"));
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("stopOrganizationPipeline"));
}

#[tokio::test]
async fn a_400_is_refused_without_retrying() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::status(400));
    let error = pipeline(&studio, PIPELINE).get().await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::ApiRefused { .. }), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(studio.requests().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn persistent_429_is_rate_limited_with_retry_after() {
    let studio = studio().await;
    studio.inject(Operation::List, When::Always, Fault::status(429).retry_after("2"));
    let client = client(&studio, RetryPolicy::default().with_max_attempts(2));
    let error = client.organization(ORG).pipelines().list().await.unwrap_err();
    match error.kind() {
        ErrorKind::RateLimited { retry_after, .. } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(2)))
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("listOrganizationPipelines (organization 3)"));
}

#[tokio::test]
async fn closed_port_is_a_refused_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://{address}/v1"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.pipeline(ORG, PIPELINE).get().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Transport { kind: TransportKind::ConnectionRefused, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn slow_answer_is_a_timeout() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::delay(Duration::from_secs(60)));
    let error = client(&studio, RetryPolicy::none()).pipeline(ORG, PIPELINE).get().await;
    let error = error.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Transport { kind: TransportKind::Timeout, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn html_502_is_an_invalid_response_naming_the_status() {
    let studio = studio().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    studio.inject(Operation::Get, When::Always, Fault::status(502).body("text/html", page));
    let error = client(&studio, RetryPolicy::none()).pipeline(ORG, PIPELINE).get().await;
    let error = error.unwrap_err();
    match error.kind() {
        ErrorKind::InvalidResponse { status, excerpt, .. } => {
            assert_eq!(status.map(|s| s.as_u16()), Some(502));
            assert!(excerpt.contains("Bad Gateway"), "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("502"));
}

#[tokio::test]
async fn malformed_json_is_an_invalid_response_with_the_decode_error() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Always, Fault::malformed_json());
    let error = client(&studio, RetryPolicy::none()).pipeline(ORG, PIPELINE).get().await;
    match error.unwrap_err().kind() {
        ErrorKind::InvalidResponse { status, problem, .. } => {
            assert_eq!(status.map(|s| s.as_u16()), Some(200));
            assert!(!problem.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unlisted_enum_values_unknown_properties_and_nulls_decode() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    handle.run().send().await.unwrap();
    for fault in [Fault::unlisted_enum_values(), Fault::unknown_properties(), Fault::nulls()] {
        studio.inject(Operation::Get, When::Nth(1), fault);
        let pipeline = handle.get().await.unwrap();
        assert_eq!(pipeline.name, "Import");
    }
}
