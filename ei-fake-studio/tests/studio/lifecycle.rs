//! How runs move through time, and how the pipeline shows them.

use crate::support::{job, statuses, steps, Client};
use ei_fake_studio::{FakeStudio, Operation, PipelineSpec, ProgressShape, StepSpec};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const ORGANIZATION: i64 = 1;
const PIPELINE: i64 = 7;
const SECOND: Duration = Duration::from_secs(1);

/// Two steps: 10 s over 100 files, then 20 s over 40 files.
fn two_steps() -> PipelineSpec {
    PipelineSpec::new(ORGANIZATION, PIPELINE, "Two steps")
        .step(StepSpec::new("Fetch").duration(10 * SECOND).files(100).project_id(42))
        .step(StepSpec::new("Clean").duration(20 * SECOND).files(40))
}

async fn studio_with(pipeline: PipelineSpec) -> (FakeStudio, Client) {
    let studio = FakeStudio::builder().pipeline(pipeline).start().await;
    let client = Client::new(&studio);
    (studio, client)
}

async fn pipeline(client: &Client) -> Value {
    let answer = client.get(ORGANIZATION, PIPELINE).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["pipeline"].clone()
}

fn summary(step: &Value) -> Value {
    job(step)["transformationSummary"].clone()
}

#[tokio::test(start_paused = true)]
async fn a_new_run_starts_its_first_step_and_queues_the_others() {
    let (_studio, client) = studio_with(two_steps()).await;
    let answer = client.run(ORGANIZATION, PIPELINE).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["success"], true);
    let run = &answer.body["pipelineRun"];
    assert!(run["id"].as_i64().unwrap() > 1 << 32, "run ids exceed 32 bits");
    assert!(run.get("finished").is_none());
    assert_eq!(statuses(run), ["started", "waiting"]);
    let first = job(&steps(run)[0]);
    assert_eq!(first["inProgress"], true);
    assert_eq!(first["transformJobStatus"], "started");
    assert_eq!(first["uploadJobStatus"], "started");
    assert_eq!(first["uploadType"], "project");
    assert_eq!(job(&steps(run)[1])["inProgress"], false);
    assert_eq!(job(&steps(run)[1])["uploadType"], "dataset");
}

#[tokio::test(start_paused = true)]
async fn steps_run_in_order_and_their_counts_grow_linearly() {
    let (_studio, client) = studio_with(two_steps()).await;
    client.run(ORGANIZATION, PIPELINE).await;

    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let run = pipeline(&client).await["currentRun"].clone();
    assert_eq!(statuses(&run), ["started", "waiting"]);
    let expected = json!({"startedCount": 25, "finishedCount": 25, "succeededCount": 25,
                          "totalFileCount": 100, "totalTimeSpentSeconds": 2});
    assert_eq!(summary(&steps(&run)[0]), expected);
    assert_eq!(summary(&steps(&run)[1])["totalFileCount"], 0, "a waiting step has no files yet");

    tokio::time::sleep(Duration::from_millis(5_000)).await;
    let run = pipeline(&client).await["currentRun"].clone();
    assert_eq!(summary(&steps(&run)[0])["finishedCount"], 75);

    tokio::time::sleep(Duration::from_millis(7_500)).await;
    let run = pipeline(&client).await["currentRun"].clone();
    assert_eq!(statuses(&run), ["finished", "started"]);
    assert_eq!(summary(&steps(&run)[0])["succeededCount"], 100);
    assert_eq!(job(&steps(&run)[0])["inProgress"], false);
    assert_eq!(summary(&steps(&run)[1])["finishedCount"], 10, "5 s of 20 s over 40 files");
}

#[tokio::test(start_paused = true)]
async fn a_run_in_progress_is_the_current_run_and_a_finished_one_the_last_run() {
    let (_studio, client) = studio_with(two_steps()).await;
    let run_id = client.run(ORGANIZATION, PIPELINE).await.body["pipelineRun"]["id"].clone();

    let during = pipeline(&client).await;
    assert_eq!(during["currentRun"]["id"], run_id);
    assert!(during.get("lastRun").is_none());

    tokio::time::sleep(30 * SECOND).await;
    let after = pipeline(&client).await;
    assert!(after.get("currentRun").is_none());
    let last = &after["lastRun"];
    assert_eq!(last["id"], run_id);
    assert_eq!(statuses(last), ["finished", "finished"]);
    let created = chrono::DateTime::parse_from_rfc3339(last["created"].as_str().unwrap()).unwrap();
    let finished =
        chrono::DateTime::parse_from_rfc3339(last["finished"].as_str().unwrap()).unwrap();
    assert_eq!(finished - created, chrono::Duration::seconds(30));
}

#[tokio::test(start_paused = true)]
async fn while_a_newer_run_is_in_progress_the_last_run_is_the_one_before() {
    let (_studio, client) = studio_with(two_steps()).await;
    let first = client.run(ORGANIZATION, PIPELINE).await.body["pipelineRun"]["id"].clone();
    tokio::time::sleep(30 * SECOND).await;
    let second = client.run(ORGANIZATION, PIPELINE).await.body["pipelineRun"]["id"].clone();
    assert!(second.as_i64() > first.as_i64(), "run ids increase");
    let shown = pipeline(&client).await;
    assert_eq!(shown["currentRun"]["id"], second);
    assert_eq!(shown["lastRun"]["id"], first);
}

#[tokio::test(start_paused = true)]
async fn a_failing_step_fails_the_run_and_the_steps_after_it_never_start() {
    let pipeline_spec = PipelineSpec::new(ORGANIZATION, PIPELINE, "Fails in the middle")
        .step(StepSpec::new("Fetch").duration(10 * SECOND).files(10))
        .step(StepSpec::new("Clean").duration(10 * SECOND).files(10).fails())
        .step(StepSpec::new("Import").duration(10 * SECOND).files(10));
    let (studio, client) = studio_with(pipeline_spec).await;
    let run_id = client.run(ORGANIZATION, PIPELINE).await.body["pipelineRun"]["id"].as_i64();

    tokio::time::sleep(15 * SECOND).await;
    assert_eq!(
        statuses(&pipeline(&client).await["currentRun"]),
        ["finished", "started", "waiting"]
    );

    tokio::time::sleep(5 * SECOND).await;
    let shown = pipeline(&client).await;
    assert!(shown.get("currentRun").is_none(), "the run ends when a step fails");
    let last = &shown["lastRun"];
    assert!(last["finished"].is_string());
    assert_eq!(statuses(last), ["finished", "failed", "waiting"]);
    let failed = job(&steps(last)[1]);
    assert_eq!(
        (&failed["transformJobStatus"], &failed["uploadJobStatus"]),
        (&json!("failed"), &json!("failed"))
    );
    assert_eq!(failed["transformationSummary"]["finishedCount"], 10);
    assert_eq!(failed["transformationSummary"]["succeededCount"], 0);

    tokio::time::sleep(60 * SECOND).await;
    assert_eq!(statuses(&pipeline(&client).await["lastRun"])[2], "waiting", "never starts");
    let finished_at = studio.run_finished_at(run_id.unwrap()).unwrap();
    assert!(finished_at < tokio::time::Instant::now());
}

#[tokio::test(start_paused = true)]
async fn stop_fails_the_running_step_and_finishes_the_run() {
    let (_studio, client) = studio_with(two_steps()).await;
    client.run(ORGANIZATION, PIPELINE).await;
    tokio::time::sleep(4 * SECOND).await;

    let answer = client.stop(ORGANIZATION, PIPELINE).await;
    assert_eq!((answer.status, answer.body), (StatusCode::OK, json!({"success": true})));

    let shown = pipeline(&client).await;
    assert!(shown.get("currentRun").is_none());
    let last = &shown["lastRun"];
    assert!(last["finished"].is_string());
    assert_eq!(statuses(last), ["failed", "waiting"]);
    let stopped = summary(&steps(last)[0]);
    assert_eq!(stopped["finishedCount"], 40, "counts stop where the stop found them");
    assert_eq!(stopped["succeededCount"], 40);

    tokio::time::sleep(60 * SECOND).await;
    assert_eq!(summary(&steps(&pipeline(&client).await["lastRun"])[0]), stopped);
}

#[tokio::test(start_paused = true)]
async fn stop_with_nothing_running_is_refused_with_a_message() {
    let (_studio, client) = studio_with(two_steps()).await;
    let answer = client.stop(ORGANIZATION, PIPELINE).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"success": false, "error": "Pipeline is not running"}));
}

#[tokio::test(start_paused = true)]
async fn a_second_run_while_one_is_in_progress_is_refused_vendor_style() {
    let (studio, client) = studio_with(two_steps()).await;
    client.run(ORGANIZATION, PIPELINE).await;
    let answer = client.run(ORGANIZATION, PIPELINE).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, json!({"success": false, "error": "Pipeline is already running"}));
    assert_eq!(studio.runs_started(ORGANIZATION, PIPELINE), 1);
}

#[tokio::test(start_paused = true)]
async fn a_start_error_refuses_the_run_and_shows_as_last_run_start_error() {
    let pipeline_spec = two_steps().start_error("No data source configured");
    let (studio, client) = studio_with(pipeline_spec).await;
    assert!(pipeline(&client).await.get("lastRunStartError").is_none());

    let answer = client.run(ORGANIZATION, PIPELINE).await;
    assert_eq!(answer.body, json!({"success": false, "error": "No data source configured"}));
    let shown = pipeline(&client).await;
    assert_eq!(shown["lastRunStartError"], "No data source configured");
    assert!(shown.get("currentRun").is_none() && shown.get("lastRun").is_none());
    assert_eq!(studio.runs_started(ORGANIZATION, PIPELINE), 0);
}

#[tokio::test(start_paused = true)]
async fn without_progress_counts_every_count_stays_zero_until_the_step_is_over() {
    let (_studio, client) = studio_with(two_steps().without_progress_counts()).await;
    client.run(ORGANIZATION, PIPELINE).await;
    tokio::time::sleep(9 * SECOND).await;
    let run = pipeline(&client).await["currentRun"].clone();
    assert_eq!(statuses(&run), ["started", "waiting"]);
    let zero = json!({"startedCount": 0, "finishedCount": 0, "succeededCount": 0,
                      "totalFileCount": 0, "totalTimeSpentSeconds": 0});
    assert_eq!(summary(&steps(&run)[0]), zero);

    tokio::time::sleep(2 * SECOND).await;
    let run = pipeline(&client).await["currentRun"].clone();
    assert_eq!(summary(&steps(&run)[0])["finishedCount"], 100, "a finished step shows its counts");
    assert_eq!(summary(&steps(&run)[1]), zero);
}

#[tokio::test(start_paused = true)]
async fn a_pipeline_with_a_tail_shows_every_file_counted_while_its_step_still_runs() {
    let (_studio, client) = studio_with(two_steps().progress_shape(ProgressShape::Tail)).await;
    client.run(ORGANIZATION, PIPELINE).await;
    tokio::time::sleep(8 * SECOND).await;
    let run = pipeline(&client).await["currentRun"].clone();
    assert_eq!(statuses(&run), ["started", "waiting"], "7 s of 10 s counted every file");
    assert_eq!(job(&steps(&run)[0])["inProgress"], true);
    let expected = json!({"startedCount": 100, "finishedCount": 100, "succeededCount": 100,
                          "totalFileCount": 100, "totalTimeSpentSeconds": 8});
    assert_eq!(summary(&steps(&run)[0]), expected);
}

#[tokio::test(start_paused = true)]
async fn a_pipeline_with_a_growing_total_discovers_its_files_over_the_first_half_of_a_step() {
    let (_studio, client) =
        studio_with(two_steps().progress_shape(ProgressShape::GrowingTotal)).await;
    client.run(ORGANIZATION, PIPELINE).await;
    let mut totals = Vec::new();
    for _ in 0..3 {
        let run = pipeline(&client).await["currentRun"].clone();
        totals.push(summary(&steps(&run)[0])["totalFileCount"].as_i64().unwrap());
        tokio::time::sleep(2_500 * Duration::from_millis(1)).await;
    }
    assert_eq!(totals, [25, 63, 100], "a quarter known at first, all by 5 s of 10 s");
}

#[tokio::test(start_paused = true)]
async fn run_ids_are_unique_and_increasing_across_pipelines() {
    let studio = FakeStudio::builder()
        .pipeline(PipelineSpec::new(1, 1, "a").step(StepSpec::new("s")))
        .pipeline(PipelineSpec::new(2, 1, "b").step(StepSpec::new("s")))
        .start()
        .await;
    let client = Client::new(&studio);
    let mut ids = Vec::new();
    for _ in 0..3 {
        for organization in [1, 2] {
            ids.push(client.run(organization, 1).await.body["pipelineRun"]["id"].as_i64().unwrap());
        }
        tokio::time::sleep(2 * SECOND).await;
    }
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
}

#[tokio::test(start_paused = true)]
async fn listing_filters_on_the_project_a_step_is_attached_to() {
    let studio = FakeStudio::builder()
        .pipeline(two_steps())
        .pipeline(
            PipelineSpec::new(ORGANIZATION, 8, "Other project")
                .step(StepSpec::new("s").project_id(43)),
        )
        .pipeline(
            PipelineSpec::new(2, 9, "Other organization").step(StepSpec::new("s").project_id(42)),
        )
        .start()
        .await;
    let client = Client::new(&studio);
    let ids = |answer: crate::support::Answer| -> Vec<i64> {
        assert_eq!(answer.status, StatusCode::OK);
        answer.body["pipelines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(client.list(ORGANIZATION).await), [PIPELINE, 8]);
    let filtered = client.call(Operation::List, [ORGANIZATION], "projectId=42").await;
    assert_eq!(ids(filtered), [PIPELINE]);
    let none = client.call(Operation::List, [ORGANIZATION], "projectId=99").await;
    assert_eq!(ids(none), Vec::<i64>::new());
}

#[tokio::test(start_paused = true)]
async fn steps_carry_their_project_keys_in_configuration_and_runs() {
    let pipeline_spec = PipelineSpec::new(ORGANIZATION, PIPELINE, "With keys").step(
        StepSpec::new("Import").project_id(42).project_keys("ei_project_secret", "hmac_secret"),
    );
    let (_studio, client) = studio_with(pipeline_spec).await;
    client.run(ORGANIZATION, PIPELINE).await;
    let shown = pipeline(&client).await;
    assert_eq!(shown["steps"][0]["projectApiKey"], "ei_project_secret");
    assert_eq!(shown["steps"][0]["projectHmacKey"], "hmac_secret");
    assert_eq!(shown["currentRun"]["steps"][0]["projectApiKey"], "ei_project_secret");
}

#[tokio::test]
async fn the_default_studio_runs_three_steps_in_about_ten_seconds() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    let run =
        client.run(FakeStudio::DEFAULT_ORGANIZATION_ID, FakeStudio::DEFAULT_PIPELINE_ID).await;
    let run_id = run.body["pipelineRun"]["id"].as_i64().unwrap();
    assert_eq!(statuses(&run.body["pipelineRun"]), ["started", "waiting", "waiting"]);
    let duration = studio.run_finished_at(run_id).unwrap() - tokio::time::Instant::now();
    assert!((9 * SECOND..=11 * SECOND).contains(&duration), "{duration:?}");
    let with_project = client.list(1).await.body["pipelines"][0]["steps"][2]["projectId"].clone();
    assert_eq!(with_project, FakeStudio::DEFAULT_PROJECT_ID);
}

#[tokio::test(start_paused = true)]
async fn dates_count_from_a_fixed_epoch_in_milliseconds() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    assert_eq!(client.pipeline().await["created"], "2024-06-03T08:00:00.000Z");
    tokio::time::sleep(Duration::from_millis(1_250)).await;
    let run = client.run(1, 1).await.body["pipelineRun"].clone();
    assert_eq!(run["created"], "2024-06-03T08:00:01.250Z");
}
