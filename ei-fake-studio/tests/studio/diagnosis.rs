//! Diagnosing a run: a step's transformation job with its files, a page at a
//! time, and the status and logs of each file's job and of the upload job.

use crate::support::{Answer, Client};
use ei_api::enums::JobLogItemLogLevel;
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, ProgressShape, StepSpec, When};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const ORGANIZATION: i64 = 1;
const PIPELINE: i64 = 7;
const SECOND: Duration = Duration::from_secs(1);
/// The project key the failing step carries, which its jobs' logs echo.
const PROJECT_KEY: &str = "ei_project_key_of_the_clean_step";

/// Three steps of 10 s: 20 files that succeed; 25 files of which 5 fail;
/// one that never starts.
fn diagnosed() -> PipelineSpec {
    PipelineSpec::new(ORGANIZATION, PIPELINE, "Diagnosed")
        .step(StepSpec::new("Fetch").duration(10 * SECOND).files(20).project_id(42))
        .step(
            StepSpec::new("Clean")
                .duration(10 * SECOND)
                .files(25)
                .failing_files(5)
                .project_keys(PROJECT_KEY, "hmac_of_the_clean_step"),
        )
        .step(StepSpec::new("Never").duration(10 * SECOND).files(5))
}

async fn studio_with(pipeline: PipelineSpec) -> (FakeStudio, Client) {
    let studio = FakeStudio::builder().pipeline(pipeline).start().await;
    let client = Client::new(&studio);
    (studio, client)
}

/// Starts a run and returns its id and its steps' transformation job ids.
async fn run(client: &Client) -> (i64, Vec<i64>) {
    let answer = client.run(ORGANIZATION, PIPELINE).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let run = &answer.body["pipelineRun"];
    let steps = run["steps"].as_array().expect("steps");
    let ids = steps.iter().map(|step| step["transformationJob"]["id"].as_i64().unwrap()).collect();
    (run["id"].as_i64().unwrap(), ids)
}

/// The transformation job `id` with the files `query` asks for.
async fn transformation_job(client: &Client, id: i64, query: &str) -> Value {
    let answer = client.transformation_job(ORGANIZATION, id, query).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    assert_eq!(answer.body["success"], true);
    answer.body["status"].clone()
}

/// The files of `selection` (every one, in pages of 1,000) and their count.
async fn selected(client: &Client, id: i64, selection: &str) -> (Vec<Value>, i64) {
    let query = format!("transformLimit=1000&transformOffset=0&selection={selection}");
    let job = transformation_job(client, id, &query).await;
    (job["files"].as_array().unwrap().clone(), job["fileCountForFilter"].as_i64().unwrap())
}

fn job_ids(files: &[Value]) -> Vec<i64> {
    files.iter().map(|file| file["transformationJobId"].as_i64().expect("a job id")).collect()
}

async fn job(client: &Client, id: i64) -> Value {
    let answer = client.job_status(ORGANIZATION, id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["job"].clone()
}

async fn logs(client: &Client, id: i64, query: &str) -> Value {
    let answer = client.job_logs(ORGANIZATION, id, query).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    answer.body
}

fn texts(logs: &Value) -> Vec<String> {
    let lines = logs["stdout"].as_array().expect("lines");
    lines.iter().map(|line| line["data"].as_str().unwrap().to_owned()).collect()
}

fn assert_refused(answer: Answer, status: StatusCode, says: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body["success"], false);
    let error = answer.body["error"].as_str().expect("an error text");
    assert!(error.contains(says), "{error:?} does not say {says:?}");
}

#[tokio::test(start_paused = true)]
async fn a_failed_steps_files_come_a_page_at_a_time_each_with_a_job_of_its_own() {
    let (_studio, client) = studio_with(diagnosed()).await;
    let (run_id, steps) = run(&client).await;
    tokio::time::sleep(30 * SECOND).await;

    let mut file_ids = Vec::new();
    let mut job_ids_seen = Vec::new();
    for (offset, expected) in [(0, 10), (10, 10), (20, 5), (25, 0), (1_000, 0)] {
        let query = format!("transformLimit=10&transformOffset={offset}");
        let job = transformation_job(&client, steps[1], &query).await;
        assert_eq!(job["fileCountForFilter"], 25);
        let files = job["files"].as_array().unwrap();
        assert_eq!(files.len(), expected, "offset {offset}");
        file_ids.extend(files.iter().map(|file| file["id"].as_i64().unwrap()));
        job_ids_seen.extend(job_ids(files));
    }
    assert_eq!(file_ids, (1..=25).collect::<Vec<i64>>(), "every file once, in order");

    let job = transformation_job(&client, steps[1], "transformLimit=1&transformOffset=0").await;
    assert_eq!((job["id"].as_i64(), job["status"].as_str()), (Some(steps[1]), Some("failed")));
    assert_eq!(
        (job["pipelineRunId"].as_i64(), job["pipelineStep"].as_i64()),
        (Some(run_id), Some(1))
    );
    let (first_step_files, _) = selected(&client, steps[0], "all").await;
    let mut every_id: BTreeSet<i64> = job_ids_seen.iter().copied().collect();
    every_id.extend(job_ids(&first_step_files));
    every_id.insert(job["uploadJobId"].as_i64().expect("an upload job"));
    assert_eq!(every_id.len(), 25 + 20 + 1, "job ids never repeat");
    for other in [run_id, steps[0], steps[1], steps[2]] {
        assert!(!every_id.contains(&other), "job id {other} is also a run or step job id");
    }

    let never = transformation_job(&client, steps[2], "transformLimit=10&transformOffset=0").await;
    assert_eq!(
        (never["status"].as_str(), never["fileCountForFilter"].as_i64()),
        (Some("waiting"), Some(0))
    );
    assert!(never.get("uploadJobId").is_none(), "a step that never started has no upload job");

    let capped =
        transformation_job(&client, steps[1], "transformLimit=9999999&transformOffset=0").await;
    assert_eq!(capped["files"].as_array().unwrap().len(), 25, "a huge limit is no problem");
}

#[tokio::test(start_paused = true)]
async fn a_page_holds_at_most_1000_files_however_many_are_asked_for() {
    let pipeline = PipelineSpec::new(ORGANIZATION, PIPELINE, "Big")
        .step(StepSpec::new("Fetch").duration(10 * SECOND).files(1_500));
    let (_studio, client) = studio_with(pipeline).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(11 * SECOND).await;
    for (offset, expected) in [(0, 1_000), (1_000, 500)] {
        let query = format!("transformLimit=5000&transformOffset={offset}");
        let job = transformation_job(&client, steps[0], &query).await;
        assert_eq!(job["files"].as_array().unwrap().len(), expected, "offset {offset}");
        assert_eq!(job["fileCountForFilter"], 1_500);
    }
}

#[tokio::test(start_paused = true)]
async fn the_files_show_the_real_progress_even_without_progress_counts() {
    let pipeline = PipelineSpec::new(ORGANIZATION, PIPELINE, "Quiet")
        .step(StepSpec::new("Fetch").duration(10 * SECOND).files(10))
        .without_progress_counts();
    let (_studio, client) = studio_with(pipeline).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(5 * SECOND).await;
    let query = "transformLimit=100&transformOffset=0&selection=created";
    let job = transformation_job(&client, steps[0], query).await;
    assert_eq!(job["transformationSummary"]["finishedCount"], 0, "no counts");
    assert_eq!(job["fileCountForFilter"], 5, "but the files are there");
}

#[tokio::test(start_paused = true)]
async fn selection_lists_the_created_in_progress_or_failed_files_and_counts_them() {
    let (_studio, client) = studio_with(diagnosed()).await;
    let (_, steps) = run(&client).await;
    // Half-way through the failing step: 12 of its 25 files finished (2 of
    // them failed, every fifth one failing), the 13th running.
    tokio::time::sleep(15 * SECOND).await;
    let (all, all_count) = selected(&client, steps[1], "all").await;
    let (created, created_count) = selected(&client, steps[1], "created").await;
    let (in_progress, in_progress_count) = selected(&client, steps[1], "in-progress").await;
    let (failed, failed_count) = selected(&client, steps[1], "failed").await;
    assert_eq!((all_count, created_count, in_progress_count, failed_count), (25, 10, 13, 2));
    assert_eq!(all.len(), 25);
    assert!(created
        .iter()
        .all(|file| file["transformationJobStatus"] == "finished" && file["lengthString"] != ""));
    assert!(failed
        .iter()
        .all(|file| file["transformationJobStatus"] == "failed" && file["lengthString"] == ""));
    let file_ids =
        |files: &[Value]| files.iter().map(|f| f["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(file_ids(&failed), [5, 10]);
    let running: Vec<&Value> =
        in_progress.iter().filter(|file| file["transformationJobStatus"] == "started").collect();
    assert_eq!(running.len(), 1);
    assert!(running[0]["transformationJobId"].is_i64());
    let waiting = in_progress.iter().filter(|file| file["transformationJobStatus"] == "waiting");
    assert!(
        waiting.clone().count() == 12
            && waiting.into_iter().all(|file| file.get("transformationJobId").is_none())
    );

    tokio::time::sleep(10 * SECOND).await;
    let job = transformation_job(
        &client,
        steps[1],
        "transformLimit=0&transformOffset=0&selection=failed",
    )
    .await;
    assert_eq!(job["fileCountForFilter"], 5);
    assert!(job["files"].as_array().unwrap().is_empty(), "a limit of 0 lists nothing");
    let summary = &job["transformationSummary"];
    assert_eq!(
        (summary["finishedCount"].as_i64(), summary["succeededCount"].as_i64()),
        (Some(25), Some(20))
    );
    assert_eq!(selected(&client, steps[1], "created").await.1, 20);
    assert_eq!(selected(&client, steps[1], "in-progress").await.1, 0);
}

#[tokio::test(start_paused = true)]
async fn each_file_job_and_the_upload_job_has_a_status() {
    let (_studio, client) = studio_with(diagnosed()).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(15 * SECOND).await;
    let (running, _) = selected(&client, steps[1], "in-progress").await;
    let running_id = running[0]["transformationJobId"].as_i64().unwrap();
    let status = job(&client, running_id).await;
    assert_eq!(status["id"], running_id);
    assert!(status["started"].is_string() && status.get("finished").is_none());
    assert!(status.get("finishedSuccessful").is_none());
    assert_eq!(status["additionalInfo"], running[0]["fileName"]);

    tokio::time::sleep(10 * SECOND).await;
    let (failed, _) = selected(&client, steps[1], "failed").await;
    let failed_job = job(&client, failed[0]["transformationJobId"].as_i64().unwrap()).await;
    assert_eq!(failed_job["finishedSuccessful"], false);
    assert!(failed_job["finished"].as_str() > failed_job["started"].as_str());
    assert!(failed_job["computeTime"].as_f64().is_some_and(|seconds| seconds > 0.0));
    let (created, _) = selected(&client, steps[1], "created").await;
    let created_job = job(&client, created[0]["transformationJobId"].as_i64().unwrap()).await;
    assert_eq!(created_job["finishedSuccessful"], true);

    let failed_step =
        transformation_job(&client, steps[1], "transformLimit=0&transformOffset=0").await;
    let upload = job(&client, failed_step["uploadJobId"].as_i64().unwrap()).await;
    assert_eq!(upload["finishedSuccessful"], false);
    let upload_logs = texts(&logs(&client, upload["id"].as_i64().unwrap(), "").await);
    assert!(upload_logs.last().unwrap().contains("Nothing uploaded"), "{upload_logs:?}");
    let good_step =
        transformation_job(&client, steps[0], "transformLimit=0&transformOffset=0").await;
    let upload = job(&client, good_step["uploadJobId"].as_i64().unwrap()).await;
    assert_eq!(upload["finishedSuccessful"], true);
}

#[tokio::test(start_paused = true)]
async fn a_failed_file_jobs_default_log_is_hostile_and_echoes_the_steps_project_key() {
    let (_studio, client) = studio_with(diagnosed()).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(30 * SECOND).await;
    let (failed, _) = selected(&client, steps[1], "failed").await;
    let log = logs(&client, failed[0]["transformationJobId"].as_i64().unwrap(), "").await;
    let lines = texts(&log);
    assert_eq!(log["totalCount"].as_i64(), Some(lines.len() as i64));
    assert_eq!(lines[0], format!("Transforming {}", failed[0]["fileName"].as_str().unwrap()));
    assert!(lines.iter().any(|line| line.contains('\u{1b}')), "an escape sequence");
    assert!(lines.iter().any(|line| line.contains('\r')), "a carriage return");
    assert!(lines.iter().any(|line| line.contains('\u{7}')), "a bell");
    assert!(lines.iter().any(|line| line.len() >= 100 * 1024), "a 100 KiB line");
    assert!(lines.iter().any(|line| line.contains(PROJECT_KEY)), "the project key, echoed");
    let levels = log["stdout"].as_array().unwrap().iter();
    assert!(levels.clone().any(|line| line.get("logLevel").is_none()), "raw lines without a level");
    assert!(levels.into_iter().any(|line| line["logLevel"] == "error"));

    // Without project keys, an `ei_` key of the fake's own is echoed.
    let pipeline = PipelineSpec::new(ORGANIZATION, PIPELINE, "No keys")
        .step(StepSpec::new("Break").duration(SECOND).files(1).fails());
    let (_studio, client) = studio_with(pipeline).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(2 * SECOND).await;
    let (failed, _) = selected(&client, steps[0], "failed").await;
    let lines = texts(&logs(&client, failed[0]["transformationJobId"].as_i64().unwrap(), "").await);
    assert!(lines.iter().any(|line| line.contains(StepSpec::ECHOED_API_KEY)));
}

#[tokio::test(start_paused = true)]
async fn a_log_level_keeps_the_lines_of_that_level_or_a_more_severe_one() {
    use JobLogItemLogLevel::{Debug, Error, Info, Warn};
    let lines = [
        (Some(Debug), "d"),
        (Some(Info), "i"),
        (None, "raw"),
        (Some(Warn), "w"),
        (Some(Error), "e"),
    ];
    let pipeline = PipelineSpec::new(ORGANIZATION, PIPELINE, "Levels")
        .step(StepSpec::new("Break").duration(SECOND).files(1).fails().failure_log(lines));
    let (_studio, client) = studio_with(pipeline).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(2 * SECOND).await;
    let (failed, _) = selected(&client, steps[0], "failed").await;
    let id = failed[0]["transformationJobId"].as_i64().unwrap();
    let first = "Transforming sample-00001.json";
    for (query, expected) in [
        ("", vec![first, "d", "i", "raw", "w", "e"]),
        ("logLevel=debug", vec![first, "d", "i", "raw", "w", "e"]),
        ("logLevel=info", vec![first, "i", "raw", "w", "e"]),
        ("logLevel=warn", vec!["w", "e"]),
        ("logLevel=error", vec!["e"]),
    ] {
        let log = logs(&client, id, query).await;
        assert_eq!(texts(&log), expected, "{query}");
        assert_eq!(log["totalCount"].as_u64(), Some(expected.len() as u64), "{query}");
    }
}

#[tokio::test(start_paused = true)]
async fn only_the_last_1000_lines_are_sent_and_total_count_counts_them_all() {
    let many: Vec<(Option<JobLogItemLogLevel>, String)> =
        (1..=2_500).map(|n| (Some(JobLogItemLogLevel::Info), format!("line {n}"))).collect();
    let pipeline = PipelineSpec::new(ORGANIZATION, PIPELINE, "Chatty")
        .step(StepSpec::new("Break").duration(SECOND).files(1).fails().failure_log(many));
    let (_studio, client) = studio_with(pipeline).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(2 * SECOND).await;
    let (failed, _) = selected(&client, steps[0], "failed").await;
    let id = failed[0]["transformationJobId"].as_i64().unwrap();

    for query in ["", "limit=1000", "limit=5000", "limit=9223372036854775807"] {
        let log = logs(&client, id, query).await;
        let lines = texts(&log);
        assert_eq!(log["totalCount"], 2_501, "{query}: the first line and 2,500 more");
        assert_eq!(lines.len(), 1_000, "{query}");
        assert_eq!((lines[0].as_str(), lines[999].as_str()), ("line 1501", "line 2500"), "{query}");
    }
    let last_ten = texts(&logs(&client, id, "limit=10").await);
    assert_eq!(last_ten.first().map(String::as_str), Some("line 2491"));
    assert_eq!(last_ten.len(), 10);
    let none = logs(&client, id, "limit=0").await;
    assert_eq!((texts(&none).len(), none["totalCount"].as_i64()), (0, Some(2_501)));
}

#[tokio::test(start_paused = true)]
async fn an_upload_that_fails_fails_the_step_after_every_file_is_transformed() {
    let pipeline = PipelineSpec::new(ORGANIZATION, PIPELINE, "Cannot store")
        .step(StepSpec::new("Import").duration(10 * SECOND).files(8).project_id(42).upload_fails());
    let (_studio, client) = studio_with(pipeline).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(5 * SECOND).await;
    let running = transformation_job(&client, steps[0], "transformLimit=0&transformOffset=0").await;
    assert_eq!(running["uploadJobStatus"], "started");
    let upload_id = running["uploadJobId"].as_i64().unwrap();
    assert!(job(&client, upload_id).await.get("finished").is_none());

    tokio::time::sleep(10 * SECOND).await;
    let job_now = transformation_job(&client, steps[0], "transformLimit=0&transformOffset=0").await;
    let statuses =
        ["status", "transformJobStatus", "uploadJobStatus"].map(|name| job_now[name].clone());
    assert_eq!(statuses, ["failed", "finished", "failed"]);
    assert_eq!(selected(&client, steps[0], "created").await.1, 8);
    assert_eq!(selected(&client, steps[0], "failed").await.1, 0);
    assert_eq!(job(&client, upload_id).await["finishedSuccessful"], false);
    let upload_log = texts(&logs(&client, upload_id, "").await);
    assert_eq!(upload_log[0], "Uploading the transformed files into project 42");
    assert!(upload_log.iter().any(|line| line.contains(StepSpec::ECHOED_API_KEY)));
    let pipeline = client.get(ORGANIZATION, PIPELINE).await.body;
    assert!(pipeline["pipeline"].get("currentRun").is_none(), "the run ended there");
}

#[tokio::test(start_paused = true)]
async fn a_stop_fails_the_files_running_then_and_the_others_never_start() {
    let pipeline = PipelineSpec::new(ORGANIZATION, PIPELINE, "Stopped")
        .step(StepSpec::new("Slow").duration(10 * SECOND).files(10));
    let (_studio, client) = studio_with(pipeline).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    assert_eq!(client.stop(ORGANIZATION, PIPELINE).await.status, StatusCode::OK);
    tokio::time::sleep(60 * SECOND).await;

    let (failed, failed_count) = selected(&client, steps[0], "failed").await;
    assert_eq!((failed_count, failed[0]["id"].as_i64()), (1, Some(5)));
    assert_eq!(selected(&client, steps[0], "created").await.1, 4);
    let (in_progress, _) = selected(&client, steps[0], "in-progress").await;
    assert!(in_progress.iter().all(|file| file["transformationJobStatus"] == "waiting"));
    let cancelled = failed[0]["transformationJobId"].as_i64().unwrap();
    let status = job(&client, cancelled).await;
    assert_eq!(status["finishedSuccessful"], false);
    assert_eq!(status["finished"], "2024-06-03T08:00:04.500Z", "it ends with the stop");
    let lines = texts(&logs(&client, cancelled, "").await);
    assert!(lines.last().unwrap().contains("stopped"), "{lines:?}");
}

#[tokio::test(start_paused = true)]
async fn a_file_the_stop_caught_started_before_it_was_cancelled_in_every_shape() {
    for shape in ProgressShape::ALL {
        let pipeline = PipelineSpec::new(ORGANIZATION, PIPELINE, "Stopped")
            .step(StepSpec::new("Slow").duration(10 * SECOND).files(10))
            .progress_shape(shape);
        let (_studio, client) = studio_with(pipeline).await;
        let (_, steps) = run(&client).await;
        tokio::time::sleep(Duration::from_millis(6_500)).await;
        assert_eq!(client.stop(ORGANIZATION, PIPELINE).await.status, StatusCode::OK);
        tokio::time::sleep(60 * SECOND).await;
        let (failed, _) = selected(&client, steps[0], "failed").await;
        for file in &failed {
            let id = file["transformationJobId"].as_i64().expect("a job id");
            let status = job(&client, id).await;
            let (created, finished) = (status["created"].as_str(), status["finished"].as_str());
            assert!(created <= finished, "{shape:?}: {status}");
            let logged = logs(&client, id, "").await;
            let times: Vec<&str> = logged["stdout"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|line| line["created"].as_str().unwrap())
                .collect();
            assert!(times.is_sorted(), "{shape:?}: {logged}");
        }
    }
}

#[tokio::test(start_paused = true)]
async fn unknown_or_unborn_jobs_are_404_and_bad_queries_400_with_success_false() {
    let (_studio, client) = studio_with(diagnosed()).await;
    let (run_id, steps) = run(&client).await;
    tokio::time::sleep(SECOND).await;
    let running =
        transformation_job(&client, steps[0], "transformLimit=100&transformOffset=0").await;
    let files = running["files"].as_array().unwrap();
    let picked_up = job_ids(&files[..2]);
    let unborn = picked_up[1] + 5;

    let page = "transformLimit=10&transformOffset=0";
    assert_refused(
        client.transformation_job(ORGANIZATION, 424_242, page).await,
        StatusCode::NOT_FOUND,
        "not found",
    );
    assert_refused(
        client.transformation_job(ORGANIZATION, run_id, page).await,
        StatusCode::NOT_FOUND,
        "not found",
    );
    assert_refused(
        client.transformation_job(2, steps[0], page).await,
        StatusCode::NOT_FOUND,
        "not found",
    );
    for job in [424_242, run_id, steps[0], unborn] {
        assert_refused(
            client.job_status(ORGANIZATION, job).await,
            StatusCode::NOT_FOUND,
            "not found",
        );
        assert_refused(
            client.job_logs(ORGANIZATION, job, "").await,
            StatusCode::NOT_FOUND,
            "not found",
        );
    }
    assert_refused(client.job_status(2, picked_up[0]).await, StatusCode::NOT_FOUND, "not found");
    assert_eq!(client.job_status(ORGANIZATION, picked_up[0]).await.status, StatusCode::OK);

    for (query, says) in [
        ("transformOffset=0", "transformLimit"),
        ("transformLimit=10", "transformOffset"),
        ("transformLimit=-1&transformOffset=0", "transformLimit"),
        ("transformLimit=10&transformOffset=0&selection=running", "selection"),
    ] {
        let answer = client.transformation_job(ORGANIZATION, steps[0], query).await;
        assert_refused(answer, StatusCode::BAD_REQUEST, says);
    }
    for (query, says) in [("limit=-5", "limit"), ("logLevel=trace", "logLevel")] {
        let answer = client.job_logs(ORGANIZATION, picked_up[0], query).await;
        assert_refused(answer, StatusCode::BAD_REQUEST, says);
    }
}

#[tokio::test(start_paused = true)]
async fn faults_apply_to_the_diagnosis_operations_as_to_the_others() {
    let (studio, client) = studio_with(diagnosed()).await;
    let (_, steps) = run(&client).await;
    tokio::time::sleep(15 * SECOND).await;
    let (created, _) = selected(&client, steps[0], "created").await;
    let file_job = created[0]["transformationJobId"].as_i64().unwrap();
    let page = "transformLimit=5&transformOffset=0";

    studio.inject(Operation::JobLogs, When::Nth(1), Fault::status(503).retry_after("2"));
    let refused = client.job_logs(ORGANIZATION, file_job, "").await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(client.job_logs(ORGANIZATION, file_job, "").await.status, StatusCode::OK);

    studio.inject(Operation::JobStatus, When::Always, Fault::success_false("Not now"));
    let declined = client.job_status(ORGANIZATION, file_job).await;
    assert_eq!(
        (declined.status, declined.body["error"].as_str()),
        (StatusCode::OK, Some("Not now"))
    );
    assert_eq!(
        client.transformation_job(ORGANIZATION, steps[0], page).await.status,
        StatusCode::OK
    );
    assert_eq!(client.job_status(ORGANIZATION, file_job).await.body["success"], false, "always");

    studio.inject(Operation::TransformationJobStatus, When::Nth(1), Fault::unlisted_enum_values());
    let odd = transformation_job(&client, steps[0], page).await;
    assert_eq!(
        (odd["category"].as_str(), odd["operatesOn"].as_str()),
        (Some("holdout"), Some("cluster"))
    );
    studio.inject(Operation::TransformationJobStatus, When::Nth(1), Fault::nulls());
    let waiting_files = "transformLimit=5&transformOffset=20";
    let nulls = transformation_job(&client, steps[1], waiting_files).await;
    assert!(nulls.get("label").is_some_and(Value::is_null));
    assert!(nulls["files"][0].get("transformationJobId").is_some_and(Value::is_null));

    studio.inject(Operation::TransformationJobStatus, When::Nth(1), Fault::close_before_answer());
    let job = Operation::TransformationJobStatus.path([ORGANIZATION, steps[0]]);
    let path = format!("{job}?{page}");
    assert!(client.request(reqwest::Method::GET, &path).send().await.is_err());
    let recorded = studio.requests();
    let operations: Vec<_> = recorded.iter().filter_map(|request| request.operation).collect();
    for operation in [Operation::TransformationJobStatus, Operation::JobStatus, Operation::JobLogs]
    {
        assert!(operations.contains(&operation), "{operation:?} is recorded");
    }
}
