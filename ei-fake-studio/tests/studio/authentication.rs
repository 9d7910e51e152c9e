//! Who may call, and what a request that names nothing real gets.

use crate::support::Client;
use ei_api::{API_KEY_HEADER, JWT_COOKIE, JWT_HEADER};
use ei_fake_studio::{FakeStudio, Operation, PipelineSpec, StepSpec};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const API_KEY: &str = "ei_test_key";
const JWT: &str = "header.payload.signature";

async fn studio() -> FakeStudio {
    FakeStudio::builder()
        .api_key(API_KEY)
        .api_key("ei_second_key")
        .jwt(JWT)
        .pipeline(PipelineSpec::new(1, 7, "Nightly import").step(StepSpec::new("Fetch")))
        .start()
        .await
}

/// The status and JSON body of a get of pipeline 7 sent with `header`.
async fn get_with(studio: &FakeStudio, header: Option<(&str, &str)>) -> (StatusCode, Value) {
    let mut request =
        reqwest::Client::new().get(format!("{}{}", studio.base_url(), Operation::Get.path([1, 7])));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    assert_eq!(response.headers()["content-type"], "application/json");
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn each_kind_of_credential_is_accepted() {
    let studio = studio().await;
    let cookies = format!("theme=dark; {JWT_COOKIE}={JWT}");
    for header in [
        (API_KEY_HEADER, API_KEY),
        (API_KEY_HEADER, "ei_second_key"),
        (JWT_HEADER, JWT),
        ("cookie", cookies.as_str()),
    ] {
        let (status, body) = get_with(&studio, Some(header)).await;
        assert_eq!(status, StatusCode::OK, "{header:?}");
        assert_eq!(body["pipeline"]["id"], 7);
    }
}

#[tokio::test]
async fn a_wrong_or_missing_credential_is_refused_with_401() {
    let studio = studio().await;
    let forged = format!("{JWT_COOKIE}=forged");
    for header in [
        None,
        Some((API_KEY_HEADER, "ei_wrong")),
        Some((API_KEY_HEADER, JWT)),
        Some((JWT_HEADER, API_KEY)),
        Some(("cookie", forged.as_str())),
        Some(("authorization", "Bearer header.payload.signature")),
    ] {
        let (status, body) = get_with(&studio, header).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header:?}");
        assert_eq!(body["success"], false);
        assert!(body["error"].is_string());
    }
}

#[tokio::test]
async fn a_studio_with_no_credential_configured_accepts_the_default_key() {
    let pipeline = PipelineSpec::new(1, 7, "Nightly import");
    let studio = FakeStudio::builder().pipeline(pipeline).start().await;
    let (status, _) = get_with(&studio, Some((API_KEY_HEADER, FakeStudio::DEFAULT_API_KEY))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_organization_or_pipeline_is_404() {
    let studio = studio().await;
    let client = Client::with_api_key(&studio, API_KEY);
    for (method, path) in [
        (Method::GET, Operation::Get.path([1, 8])),
        (Method::GET, Operation::Get.path([2, 7])),
        (Method::POST, Operation::Run.path([1, 8])),
        (Method::POST, Operation::Stop.path([1, 8])),
        (Method::GET, Operation::List.path([2])),
        (Method::GET, "/api/organizations/1/projects".to_owned()),
        (Method::DELETE, Operation::Delete.path([1, 8])),
        (Method::PATCH, Operation::Get.path([1, 7])),
    ] {
        let answer = client.send(client.request(method.clone(), &path)).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(answer.body["success"], false);
        assert!(answer.body["error"].is_string());
    }
}

#[tokio::test]
async fn ids_that_are_not_64_bit_integers_are_400() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    for (method, path) in [
        (Method::GET, "/api/organizations/one/pipelines/1"),
        (Method::GET, "/api/organizations/1/pipelines/1.5"),
        (Method::POST, "/api/organizations/1/pipelines/9223372036854775808/run"),
        (Method::POST, "/api/organizations/-x/pipelines/1/stop"),
        (Method::GET, "/api/organizations/1e3/pipelines"),
        (Method::GET, "/api/organizations/1/pipelines?projectId=abc"),
        (Method::POST, "/api/organizations/1/pipelines/1/run?ignoreLastSuccessfulRun=maybe"),
    ] {
        let answer = client.send(client.request(method.clone(), path)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{method} {path}");
        assert_eq!(answer.body["success"], false);
    }
    assert_eq!(studio.runs_started(1, 1), 0);
    let path = format!("{}?ignoreLastSuccessfulRun=true", Operation::Run.path([1, 1]));
    let run = client.request(Method::POST, &path);
    assert_eq!(client.send(run).await.body["success"], true);
}
