//! A redirect never carries the credential away: the client that
//! `http_client_builder` makes answers a 3xx with the 3xx, while the
//! generated `Client::new` (reqwest's default policy) follows it with the
//! key, as its documentation warns.

use httpmock::prelude::*;

use ei_api::{http_client_builder, Client, Credentials, RequestContext, API_KEY_HEADER};

/// The key the client sends, and the elsewhere must never see.
const KEY: &str = "ei_redirect_test_key";

/// A server whose pipeline read redirects (307) to `elsewhere`, which
/// answers anything, and the mock on `elsewhere` that counts what reached it.
async fn redirecting_to(elsewhere: &MockServer) -> (MockServer, httpmock::Mock<'_>) {
    let origin = MockServer::start_async().await;
    let location = elsewhere.url("/api/organizations/1/pipelines/2");
    origin
        .mock_async(|when, then| {
            when.method(GET).path("/api/organizations/1/pipelines/2");
            then.status(307).header("location", location);
        })
        .await;
    let reached = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    (origin, reached)
}

fn context() -> RequestContext {
    RequestContext::new(Credentials::api_key(KEY).expect("a key"))
}

#[tokio::test]
async fn the_recommended_client_never_follows_a_redirect() {
    let elsewhere = MockServer::start_async().await;
    let (origin, reached) = redirecting_to(&elsewhere).await;
    let http = http_client_builder().build().expect("a client");
    let client = Client::new_with_client(&origin.base_url(), http, context());
    let answer = client.get_organization_pipeline().organization_id(1).pipeline_id(2).send().await;
    let error = answer.expect_err("a 307 is not an answer");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(307), "{error:?}");
    assert_eq!(reached.calls_async().await, 0, "the redirect was followed");
}

#[tokio::test]
async fn the_generated_default_client_would_carry_the_key_away() {
    let elsewhere = MockServer::start_async().await;
    let (origin, reached) = redirecting_to(&elsewhere).await;
    reached.delete_async().await;
    let with_key = elsewhere
        .mock_async(|when, then| {
            when.header(API_KEY_HEADER, KEY);
            then.status(500);
        })
        .await;
    let client = Client::new(&origin.base_url(), context());
    let _ = client.get_organization_pipeline().organization_id(1).pipeline_id(2).send().await;
    assert_eq!(with_key.calls_async().await, 1, "why http_client_builder exists");
}
