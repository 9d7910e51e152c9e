//! What a test can see of the studio from the side, and what it can do there.

use crate::support::Client;
use ei_api::{API_KEY_HEADER, JWT_COOKIE, JWT_HEADER};
use ei_fake_studio::{CredentialKind, FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};
use reqwest::{Method, StatusCode};
use std::time::Duration;
use tokio::time::Instant;

const SECRET_KEY: &str = "ei_secret_value_0123";
const SECRET_JWT: &str = "secret.jwt.value";

#[tokio::test]
async fn requests_are_recorded_with_the_kind_of_credential_but_never_its_value() {
    let studio = FakeStudio::builder().api_key(SECRET_KEY).jwt(SECRET_JWT).start().await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", studio.base_url());
    http.post(url(&format!("{}?ignoreLastSuccessfulRun=true", Operation::Run.path([1, 1]))))
        .header(API_KEY_HEADER, SECRET_KEY)
        .send()
        .await
        .unwrap();
    http.get(url(&Operation::Get.path([1, 1])))
        .header(JWT_HEADER, SECRET_JWT)
        .send()
        .await
        .unwrap();
    let cookie = format!("{JWT_COOKIE}={SECRET_JWT}");
    http.get(url(&format!("{}?projectId=1", Operation::List.path([1]))))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    http.post(url(&Operation::Stop.path([1, 1]))).send().await.unwrap();
    http.get(url("/elsewhere")).header(API_KEY_HEADER, "wrong").send().await.unwrap();

    let requests = studio.requests();
    let seen: Vec<_> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.query.as_deref(), r.credential, r.operation))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "POST",
                Some("ignoreLastSuccessfulRun=true"),
                CredentialKind::ApiKey,
                Some(Operation::Run)
            ),
            ("GET", None, CredentialKind::JwtHeader, Some(Operation::Get)),
            ("GET", Some("projectId=1"), CredentialKind::JwtCookie, Some(Operation::List)),
            ("POST", None, CredentialKind::None, Some(Operation::Stop)),
            ("GET", None, CredentialKind::ApiKey, None),
        ]
    );
    assert_eq!(requests[0].path, "/v1/api/organizations/1/pipelines/1/run");
    assert_eq!(requests[4].path, "/v1/elsewhere");
    assert!(requests.windows(2).all(|pair| pair[0].received <= pair[1].received));
    let printed = format!("{requests:?}");
    assert!(!printed.contains(SECRET_KEY) && !printed.contains(SECRET_JWT), "{printed}");
}

#[tokio::test(start_paused = true)]
async fn runs_started_counts_only_the_runs_that_actually_started() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    studio.inject(Operation::Run, When::Nth(1), Fault::status(503));
    studio.inject(Operation::Run, When::Nth(2), Fault::close_before_answer());
    studio.inject(Operation::Run, When::Nth(3), Fault::success_false("Busy"));
    client.run(1, 1).await;
    let _ = client.request(Method::POST, &Operation::Run.path([1, 1])).send().await;
    client.run(1, 1).await;
    assert_eq!(studio.runs_started(1, 1), 0);

    assert_eq!(client.run(1, 1).await.body["success"], true);
    assert_eq!(client.run(1, 1).await.body["success"], false, "already running");
    assert_eq!(studio.runs_started(1, 1), 1);
    assert_eq!(studio.runs_started(1, 2), 0, "an unknown pipeline");
}

#[tokio::test(start_paused = true)]
async fn run_finished_at_tells_when_a_run_ends_and_follows_a_stop() {
    let pipeline = PipelineSpec::new(1, 1, "Hour")
        .step(StepSpec::new("a").duration(Duration::from_secs(1_200)))
        .step(StepSpec::new("b").duration(Duration::from_secs(2_400)));
    let studio = FakeStudio::builder().pipeline(pipeline).start().await;
    let client = Client::new(&studio);
    let started = Instant::now();
    let run_id = client.run(1, 1).await.body["pipelineRun"]["id"].as_i64().unwrap();
    assert_eq!(studio.run_finished_at(run_id), Some(started + Duration::from_secs(3_600)));
    assert_eq!(studio.run_finished_at(run_id + 1), None);

    tokio::time::sleep(Duration::from_secs(100)).await;
    client.stop(1, 1).await;
    assert_eq!(studio.run_finished_at(run_id), Some(started + Duration::from_secs(100)));
}

#[tokio::test(start_paused = true)]
async fn a_run_started_from_the_side_replaces_ours_as_the_current_run() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    let ours = client.run(1, 1).await.body["pipelineRun"]["id"].as_i64().unwrap();
    assert_eq!(studio.start_run(1, 1), None, "ours is still running");

    tokio::time::sleep(Duration::from_secs(60)).await;
    let theirs = studio.start_run(1, 1).expect("the pipeline is idle");
    assert!(theirs > ours);
    let shown = client.pipeline().await;
    assert_eq!(shown["currentRun"]["id"], theirs);
    assert_eq!(shown["lastRun"]["id"], ours);
    assert_eq!(studio.runs_started(1, 1), 2);
    assert_eq!(studio.start_run(1, 99), None, "an unknown pipeline");
}

#[tokio::test]
async fn many_studios_run_at_once_with_their_own_state() {
    let studios = [FakeStudio::start().await, FakeStudio::start().await, FakeStudio::start().await];
    let ports: std::collections::HashSet<_> = studios.iter().map(|s| s.address().port()).collect();
    assert_eq!(ports.len(), studios.len());
    let client = Client::new(&studios[0]);
    client.run(1, 1).await;
    assert_eq!(studios.iter().map(|s| s.runs_started(1, 1)).collect::<Vec<_>>(), [1, 0, 0]);
    assert!(studios[1].requests().is_empty());
    assert!(studios[0].base_url().starts_with("http://127.0.0.1:"));
    assert!(studios[0].base_url().ends_with("/v1"));
}

#[tokio::test]
async fn dropping_a_studio_shuts_its_server_down() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    assert_eq!(client.get(1, 1).await.status, StatusCode::OK);
    let address = studio.address();
    drop(studio);
    let refused = async {
        while tokio::net::TcpStream::connect(address).await.is_ok() {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), refused).await.expect("the port closes");
}

#[test]
fn a_studio_can_be_dropped_outside_a_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let studio = runtime.block_on(FakeStudio::start());
    drop(studio);
    let after_runtime = runtime.block_on(FakeStudio::start());
    drop(runtime);
    drop(after_runtime);
}
