//! Everything the studio sends conforms to the corrected document, and the
//! generated client reads it.

use crate::support::{is_rfc3339_with_milliseconds, nonconformities, Client};
use ei_api::{Credentials, RequestContext};
use ei_fake_studio::{FakeStudio, PipelineSpec, StepSpec};
use reqwest::Method;
use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

fn assert_conforms(body: &serde_json::Value, schema: &str) {
    let problems = nonconformities(body, schema);
    assert!(problems.is_empty(), "{schema}: {problems:#?}\n{body:#}");
}

#[tokio::test(start_paused = true)]
async fn every_answer_of_a_run_conforms_to_the_document() {
    let studio = FakeStudio::builder()
        .pipeline(
            PipelineSpec::new(1, 1, "All states")
                .step(StepSpec::new("a").duration(10 * SECOND).files(7).project_id(3))
                .step(StepSpec::new("b").duration(10 * SECOND).files(0).project_keys("k", "h"))
                .step(StepSpec::new("c").duration(10 * SECOND).fails())
                .step(StepSpec::new("d")),
        )
        .pipeline(PipelineSpec::new(1, 2, "Refuses").start_error("No data source configured"))
        .start()
        .await;
    let client = Client::new(&studio);

    assert_conforms(&client.run(1, 1).await.body, "RunOrganizationPipelineResponse");
    for _ in 0..8 {
        assert_conforms(&client.get(1, 1).await.body, "GetOrganizationPipelinesResponse");
        assert_conforms(&client.list(1).await.body, "ListOrganizationPipelinesResponse");
        tokio::time::sleep(5 * SECOND).await;
    }
    assert_conforms(&client.run(1, 1).await.body, "RunOrganizationPipelineResponse");
    assert_conforms(&client.stop(1, 1).await.body, "GenericApiResponse");
    assert_conforms(&client.get(1, 1).await.body, "GetOrganizationPipelinesResponse");
    assert_conforms(&client.stop(1, 1).await.body, "GenericApiResponse");
    assert_conforms(&client.run(1, 2).await.body, "GenericApiResponse");
    assert_conforms(&client.get(1, 2).await.body, "GetOrganizationPipelinesResponse");
    assert_conforms(&client.get(1, 3).await.body, "GenericApiResponse");
    let bad = client.request(Method::GET, "/api/organizations/x/pipelines");
    assert_conforms(&client.send(bad).await.body, "GenericApiResponse");
    let anonymous = Client::with_api_key(&studio, "ei_nobody");
    assert_conforms(&anonymous.get(1, 1).await.body, "GenericApiResponse");
}

#[tokio::test(start_paused = true)]
async fn dates_count_from_a_fixed_epoch_in_milliseconds() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    assert_eq!(client.pipeline().await["created"], "2024-06-03T08:00:00.000Z");
    tokio::time::sleep(Duration::from_millis(1_250)).await;
    let run = client.run(1, 1).await.body["pipelineRun"].clone();
    assert_eq!(run["created"], "2024-06-03T08:00:01.250Z");
    tokio::time::sleep(60 * SECOND).await;
    let finished = client.pipeline().await["lastRun"]["finished"].clone();
    assert!(is_rfc3339_with_milliseconds(finished.as_str().unwrap()), "{finished}");
}

#[tokio::test(start_paused = true)]
async fn the_generated_client_reads_every_operation() {
    let studio = FakeStudio::start().await;
    let credentials = Credentials::api_key(FakeStudio::DEFAULT_API_KEY).unwrap();
    let client = ei_api::Client::new(studio.base_url(), RequestContext::new(credentials));

    let run = client.run_organization_pipeline().organization_id(1).pipeline_id(1).send().await;
    let run_id = run.unwrap().pipeline_run.id;
    let pipeline =
        client.get_organization_pipeline().organization_id(1).pipeline_id(1).send().await;
    assert_eq!(pipeline.unwrap().pipeline.current_run.as_ref().unwrap().id, run_id);
    let list = client.list_organization_pipelines().organization_id(1).project_id(1).send().await;
    assert_eq!(list.unwrap().pipelines.len(), 1);
    let stop = client.stop_organization_pipeline().organization_id(1).pipeline_id(1).send().await;
    assert!(stop.unwrap().success);
}
