//! The generated client reads every operation the studio serves.

use ei_api::{Credentials, RequestContext};
use ei_fake_studio::FakeStudio;

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
