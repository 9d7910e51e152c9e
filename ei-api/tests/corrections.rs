//! Each correction in `openapi/corrections.yaml`, proved on the generated client.

use ei_api::enums::{
    JobLogItemLogLevel, OrganizationDatasetTypeEnum, OrganizationPipelineRunStepCategory,
    TransformationJobStatusEnum,
};
use ei_api::types::{
    GenericApiResponse, GetJobResponse, GetOrganizationPipelinesResponse, LogStdoutResponse,
    OrganizationCreateProjectStatusResponse, OrganizationPipelineRunStep,
    RunOrganizationPipelineResponse,
};
use ei_api::{Client, Credentials, RequestContext, ServerFailure};
use httpmock::prelude::*;
use serde_json::{json, Value};

const SEED_RUN_RESPONSE: &str = include_str!("fixtures/seed-run-response.json");

#[test]
fn seed_example_decodes_and_reencodes_to_the_same_json() {
    let input: Value = serde_json::from_str(SEED_RUN_RESPONSE).unwrap();
    let decoded: RunOrganizationPipelineResponse = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(serde_json::to_value(&decoded).unwrap(), input);
}

/// run-step-phantom-status: the vendor's example steps have no `status`.
#[test]
fn run_step_without_status_decodes() {
    let step: OrganizationPipelineRunStep = serde_json::from_value(json!({"name": "s"})).unwrap();
    assert_eq!(step.name, "s");
}

/// category-validation and open-enums.
#[test]
fn unlisted_enum_values_decode_and_stay_visible() {
    let mut seed: Value = serde_json::from_str(SEED_RUN_RESPONSE).unwrap();
    let step = &mut seed["pipelineRun"]["steps"][0];
    step["category"] = json!("validation");
    step["transformationJob"]["status"] = json!("paused");
    step["transformationJob"]["category"] = json!("holdout");
    let decoded: RunOrganizationPipelineResponse = serde_json::from_value(seed.clone()).unwrap();
    let step = &decoded.pipeline_run.steps[0];
    assert_eq!(step.category, Some(OrganizationPipelineRunStepCategory::Validation));
    let job = step.transformation_job.as_ref().unwrap();
    assert_eq!(job.status, TransformationJobStatusEnum::Unknown("paused".into()));
    assert!(!job.status.is_known());
    assert_eq!(job.category.as_str(), "holdout");
    assert_eq!(serde_json::to_value(&decoded).unwrap(), seed, "unknown values re-encode unchanged");
}

/// open-enums on the diagnosis answers: a log level or dataset type the
/// document does not list still decodes.
#[test]
fn unlisted_log_levels_and_dataset_types_decode() {
    let logs: LogStdoutResponse = serde_json::from_value(json!({
        "success": true, "totalCount": 2,
        "stdout": [
            {"created": "2024-01-01T00:00:00Z", "data": "a", "logLevel": "trace"},
            {"created": "2024-01-01T00:00:01Z", "data": "b", "logLevel": "warn"}
        ]
    }))
    .unwrap();
    assert_eq!(logs.stdout[0].log_level, Some(JobLogItemLogLevel::Unknown("trace".into())));
    assert_eq!(logs.stdout[1].log_level, Some(JobLogItemLogLevel::Warn));

    let mut status = transformation_job_status();
    status["status"]["files"][0]["sourceDatasetType"] = json!("tabular");
    let decoded: OrganizationCreateProjectStatusResponse = serde_json::from_value(status).unwrap();
    let file = &decoded.status.unwrap().files[0];
    assert_eq!(file.source_dataset_type, OrganizationDatasetTypeEnum::Unknown("tabular".into()));
}

/// A transformation job status answer with one file, every required property set.
fn transformation_job_status() -> Value {
    let mut job = serde_json::from_str::<Value>(SEED_RUN_RESPONSE).unwrap()["pipelineRun"]["steps"]
        [0]["transformationJob"]
        .take();
    job["files"] = json!([{
        "id": 1, "fileName": "a.json", "bucketPath": "in/a.json", "transformationJobId": 9,
        "transformationJobStatus": "failed", "linkToDataItem": "/data/1", "lengthString": "",
        "sourceDatasetType": "files"
    }]);
    job["fileCountForFilter"] = json!(1);
    json!({"success": true, "status": job})
}

/// optional-properties-accept-null on the diagnosis answers.
#[test]
fn null_optional_properties_of_the_diagnosis_answers_decode() {
    let mut status = transformation_job_status();
    status["status"]["files"][0]["transformationJobId"] = Value::Null;
    status["status"]["uploadJobId"] = Value::Null;
    let decoded: OrganizationCreateProjectStatusResponse = serde_json::from_value(status).unwrap();
    let job = decoded.status.unwrap();
    assert!(job.files[0].transformation_job_id.is_none() && job.upload_job_id.is_none());
    let none: OrganizationCreateProjectStatusResponse =
        serde_json::from_value(json!({"success": true, "status": null, "error": null})).unwrap();
    assert!(none.status.is_none());

    let job: GetJobResponse = serde_json::from_value(json!({
        "success": true,
        "job": {
            "id": 1, "category": "c", "categoryKey": "k", "key": "x",
            "created": "2024-01-01T00:00:00Z", "jobNotificationUids": [],
            "started": null, "finished": null, "finishedSuccessful": null,
            "additionalInfo": null, "computeTime": null, "createdByUser": null,
            "categoryCount": null, "metadata": null
        }
    }))
    .unwrap();
    assert!(job.job.finished.is_none() && job.job.metadata.is_none());

    let logs: LogStdoutResponse = serde_json::from_value(json!({
        "success": true, "totalCount": 1,
        "stdout": [{"created": "2024-01-01T00:00:00Z", "data": "a", "logLevel": null}]
    }))
    .unwrap();
    assert!(logs.stdout[0].log_level.is_none());
}

/// optional-properties-accept-null: every optional property may be `null`.
#[test]
fn null_optional_properties_decode() {
    let mut seed: Value = serde_json::from_str(SEED_RUN_RESPONSE).unwrap();
    null_every_optional(&mut seed["pipelineRun"]["steps"][0]);
    null_every_optional(&mut seed["pipelineRun"]["steps"][0]["transformationJob"]);
    for key in ["finished", "itemCountBefore", "itemCountAfter", "itemCountImportIntoProjectFailed"]
    {
        seed["pipelineRun"][key] = Value::Null;
    }
    seed["error"] = Value::Null;
    let decoded: RunOrganizationPipelineResponse = serde_json::from_value(seed).unwrap();
    let run = decoded.pipeline_run;
    assert!(run.finished.is_none());
    assert!(run.steps[0].parameters.is_none());
    assert!(run.steps[0].builtin_transformation_block.is_none());

    let pipeline = json!({
        "success": true, "error": null,
        "pipeline": {
            "id": 1, "name": "p", "description": "", "steps": [{"name": "s", "pathFilters": null,
            "outputDatasetPathRule": null, "parameters": null}],
            "created": "2024-01-01T00:00:00Z", "emailRecipientUids": [], "whenToEmail": "never",
            "intervalStr": null, "nextRun": null, "currentRun": null, "lastRun": null,
            "feedingIntoDataset": null, "feedingIntoProject": null, "lastRunStartError": null,
            "notificationWebhook": null
        }
    });
    let decoded: GetOrganizationPipelinesResponse = serde_json::from_value(pipeline).unwrap();
    assert!(decoded.pipeline.current_run.is_none());
}

/// Replaces every property the schema does not require with `null`.
fn null_every_optional(object: &mut Value) {
    const REQUIRED: &[&str] = &[
        "name",
        "id",
        "organizationId",
        "uploadType",
        "status",
        "transformJobStatus",
        "uploadJobStatus",
        "category",
        "created",
        "totalDownloadFileCount",
        "totalDownloadFileSize",
        "totalDownloadFileSizeString",
        "totalUploadFileCount",
        "transformationParallel",
        "transformationSummary",
        "inProgress",
        "operatesOn",
        "totalTimeSpentSeconds",
        "totalTimeSpentString",
    ];
    for (key, value) in object.as_object_mut().unwrap() {
        let is_job_field = key == "transformationJob";
        if !REQUIRED.contains(&key.as_str()) && !is_job_field {
            *value = Value::Null;
        }
    }
}

/// project-keys-are-secrets.
#[test]
fn project_keys_never_show_in_debug() {
    let step: OrganizationPipelineRunStep = serde_json::from_value(json!({
        "name": "s", "projectApiKey": "ei_leaky_api_key", "projectHmacKey": "leaky_hmac"
    }))
    .unwrap();
    let shown = format!("{step:?}");
    assert!(!shown.contains("leaky"), "{shown}");
    assert_eq!(step.project_api_key.unwrap().expose(), "ei_leaky_api_key");
}

/// Sends a run call to a server that answers `status` with a failure body
/// saying `message`; returns the error and the response head seen.
async fn failed_run(status: u16, message: &str) -> (ei_api::Error<GenericApiResponse>, u16) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/organizations/1/pipelines/2/run");
            then.status(status).json_body(json!({"success": false, "error": message}));
        })
        .await;
    let context = RequestContext::new(Credentials::api_key("k").unwrap());
    let client = Client::new(&server.base_url(), context.clone());
    let error = client.run_organization_pipeline().organization_id(1).pipeline_id(2).send().await;
    (error.unwrap_err(), context.take_response_head().unwrap().status.as_u16())
}

/// error-responses: a 404's body decodes and carries the server's words.
#[tokio::test]
async fn not_found_surfaces_the_server_text() {
    let (error, status) = failed_run(404, "No such pipeline").await;
    assert_eq!(status, 404);
    assert!(matches!(error, ei_api::Error::ErrorResponse(_)));
    let failure = ServerFailure::from_error(&error).expect("a server failure");
    assert_eq!(failure.message.as_deref(), Some("No such pipeline"));
}

/// A 200 that says `success: false` surfaces the server's words too.
#[tokio::test]
async fn success_false_in_a_200_surfaces_the_server_text() {
    let (error, status) = failed_run(200, "Pipeline is already running").await;
    assert_eq!(status, 200);
    let failure = ServerFailure::from_error(&error).expect("a server failure");
    assert_eq!(failure.message.as_deref(), Some("Pipeline is already running"));
}

/// error-responses on the diagnosis operations: a 404 decodes and carries
/// the server's words, for each of them.
#[tokio::test]
async fn diagnosis_failures_surface_the_server_text() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(404).json_body(json!({"success": false, "error": "Job 9 not found"}));
        })
        .await;
    let client =
        Client::new(&server.base_url(), RequestContext::new(Credentials::api_key("k").unwrap()));
    let status = client.get_organization_job_status().organization_id(1).job_id(9).send().await;
    let logs = client.get_organization_jobs_logs().organization_id(1).job_id(9).send().await;
    let transformation = client
        .get_organization_create_project_status()
        .organization_id(1)
        .create_project_id(9)
        .transform_limit(20)
        .transform_offset(0)
        .send()
        .await;
    let messages = [
        ServerFailure::from_error(&status.unwrap_err()),
        ServerFailure::from_error(&logs.unwrap_err()),
        ServerFailure::from_error(&transformation.unwrap_err()),
    ];
    for failure in messages {
        assert_eq!(failure.expect("a server failure").message.as_deref(), Some("Job 9 not found"));
    }
}

/// A 200 that says `success: false` without the job surfaces the server text.
#[tokio::test]
async fn success_false_without_a_job_surfaces_the_server_text() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/organizations/1/jobs/9/status");
            then.status(200).json_body(json!({"success": false, "error": "No such job"}));
        })
        .await;
    let client =
        Client::new(&server.base_url(), RequestContext::new(Credentials::api_key("k").unwrap()));
    let error =
        client.get_organization_job_status().organization_id(1).job_id(9).send().await.unwrap_err();
    let failure = ServerFailure::from_error(&error).expect("a server failure");
    assert_eq!(failure.message.as_deref(), Some("No such job"));
}

#[tokio::test]
async fn each_credential_travels_in_its_own_place() {
    let server = MockServer::start_async().await;
    let cases = [
        (Credentials::api_key("key-1").unwrap(), "x-api-key", "key-1"),
        (Credentials::jwt_header("jwt-2").unwrap(), "x-jwt-token", "jwt-2"),
        (Credentials::jwt_cookie("jwt-3").unwrap(), "cookie", "jwt=jwt-3"),
    ];
    for (credentials, header, value) in cases {
        let mock = server
            .mock_async(|when, then| {
                when.method(POST)
                    .path("/api/organizations/1/pipelines/2/stop")
                    .header(header, value);
                then.status(200).json_body(json!({"success": true}));
            })
            .await;
        let client = Client::new(&server.base_url(), RequestContext::new(credentials));
        client.stop_organization_pipeline().organization_id(1).pipeline_id(2).send().await.unwrap();
        mock.assert_async().await;
    }
}
