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
async fn every_diagnosis_answer_conforms_to_the_document() {
    let step = |name: &str| StepSpec::new(name).duration(10 * SECOND).files(6);
    let studio = FakeStudio::builder()
        .pipeline(
            PipelineSpec::new(1, 1, "Fails")
                .step(step("a").project_id(3))
                .step(step("b").failing_files(2).project_keys("ei_key", "hmac"))
                .step(step("c")),
        )
        .pipeline(PipelineSpec::new(1, 2, "Upload fails").step(step("a").upload_fails()))
        .pipeline(PipelineSpec::new(1, 3, "Stopped").step(step("a")).without_progress_counts())
        .start()
        .await;
    let client = Client::new(&studio);
    let mut steps = Vec::new();
    for pipeline in [1, 2, 3] {
        let run = client.run(1, pipeline).await.body;
        for step in run["pipelineRun"]["steps"].as_array().unwrap() {
            steps.push(step["transformationJob"]["id"].as_i64().unwrap());
        }
    }
    let mut judged = 0;
    for at in 0..6 {
        if at == 1 {
            client.stop(1, 3).await;
        }
        let mut jobs = Vec::new();
        for &step in &steps {
            for selection in ["all", "created", "in-progress", "failed"] {
                let query = format!("transformLimit=4&transformOffset=1&selection={selection}");
                let body = client.transformation_job(1, step, &query).await.body;
                assert_conforms(&body, "OrganizationCreateProjectStatusResponse");
                let files = body["status"]["files"].as_array().unwrap();
                jobs.extend(files.iter().filter_map(|file| file["transformationJobId"].as_i64()));
                jobs.extend(body["status"]["uploadJobId"].as_i64());
                judged += 1;
            }
        }
        for job in jobs {
            assert_conforms(&client.job_status(1, job).await.body, "GetJobResponse");
            for query in ["", "limit=3&logLevel=warn"] {
                assert_conforms(&client.job_logs(1, job, query).await.body, "LogStdoutResponse");
            }
            judged += 3;
        }
        tokio::time::sleep(7 * SECOND).await;
    }
    assert!(judged > 300, "only {judged} answers judged");
    let refused = [
        client.transformation_job(1, 99, "transformLimit=1&transformOffset=0").await,
        client.transformation_job(1, steps[0], "transformLimit=x&transformOffset=0").await,
        client.job_status(1, 99).await,
        client.job_logs(1, 99, "").await,
        client.job_logs(1, 99, "logLevel=loud").await,
    ];
    for answer in refused {
        assert!(answer.status.is_client_error());
        assert_conforms(&answer.body, "GenericApiResponse");
    }
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
    let run = run.unwrap().into_inner().pipeline_run;
    let run_id = run.id;
    let pipeline =
        client.get_organization_pipeline().organization_id(1).pipeline_id(1).send().await;
    assert_eq!(pipeline.unwrap().pipeline.current_run.as_ref().unwrap().id, run_id);
    let list = client.list_organization_pipelines().organization_id(1).project_id(1).send().await;
    assert_eq!(list.unwrap().pipelines.len(), 1);
    let stop = client.stop_organization_pipeline().organization_id(1).pipeline_id(1).send().await;
    assert!(stop.unwrap().success);

    let step_job = run.steps[0].transformation_job.as_ref().unwrap().id;
    let status = client
        .get_organization_create_project_status()
        .organization_id(1)
        .create_project_id(step_job)
        .transform_limit(10)
        .transform_offset(0)
        .selection("all")
        .send()
        .await;
    let status = status.unwrap().into_inner().status.unwrap();
    let upload_job = status.upload_job_id.unwrap();
    let job = client.get_organization_job_status().organization_id(1).job_id(upload_job).send();
    assert_eq!(job.await.unwrap().job.id, upload_job);
    let logs = client
        .get_organization_jobs_logs()
        .organization_id(1)
        .job_id(upload_job)
        .limit(10)
        .log_level(ei_api::types::GetOrganizationJobsLogsLogLevel::Error)
        .send()
        .await;
    let logs = logs.unwrap();
    assert_eq!(logs.total_count, i64::try_from(logs.stdout.len()).unwrap());
}
