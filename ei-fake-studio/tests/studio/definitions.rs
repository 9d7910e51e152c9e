//! Definitions: create, update as a whole replacement, archive, delete,
//! their validation and faults, the write count and edits from the side.

use crate::support::{Answer, Client};
use ei_fake_studio::{FakeStudio, Fault, Operation, When};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ORGANIZATION: i64 = FakeStudio::DEFAULT_ORGANIZATION_ID;

fn definition(name: &str) -> Value {
    json!({
        "name": name,
        "description": "made by a test",
        "intervalStr": "2h",
        "steps": [{ "name": "Import", "projectId": 5, "uploadType": "project",
                    "projectApiKey": "ei_secret_api", "projectHmacKey": "secret_hmac",
                    "parameters": { "rate": "16000" } }],
        "emailRecipientUids": [],
        "whenToEmail": "always"
    })
}

async fn write(client: &Client, operation: Operation, ids: &[i64], body: &Value) -> Answer {
    let path = operation.path(ids);
    client.send(client.request(operation.method(), &path).json(body)).await
}

async fn create(client: &Client, body: &Value) -> i64 {
    let answer = write(client, Operation::Create, &[ORGANIZATION], body).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    answer.body["id"].as_i64().expect("the new pipeline's id")
}

#[tokio::test]
async fn a_created_pipeline_is_listed_and_shows_its_definition() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    let id = create(&client, &definition("Made")).await;
    assert_eq!(id, FakeStudio::DEFAULT_PIPELINE_ID + 1);
    let pipeline = client.get(ORGANIZATION, id).await.body["pipeline"].clone();
    assert_eq!(pipeline["name"], "Made");
    assert_eq!(pipeline["intervalStr"], "2h");
    assert_eq!(pipeline["whenToEmail"], "always");
    assert_eq!(pipeline["steps"][0]["parameters"]["rate"], "16000");
    let listed = client.list(ORGANIZATION).await.body["pipelines"].as_array().unwrap().len();
    assert_eq!(listed, 2);
    assert_eq!(studio.definition_writes(), 1);
    // A run of it runs its step.
    let run = client.run(ORGANIZATION, id).await;
    assert_eq!(run.body["pipelineRun"]["steps"][0]["name"], "Import");
}

#[tokio::test]
async fn an_update_replaces_the_whole_definition_and_a_key_left_out_is_gone() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    let id = create(&client, &definition("Made")).await;
    let mut changed = definition("Renamed");
    let step = changed["steps"][0].as_object_mut().unwrap();
    step.remove("projectApiKey");
    step.remove("projectHmacKey");
    changed.as_object_mut().unwrap().remove("intervalStr");
    let answer = write(&client, Operation::Update, &[ORGANIZATION, id], &changed).await;
    assert_eq!((answer.status, &answer.body["success"]), (StatusCode::OK, &json!(true)));
    let held = studio.pipeline_definition(ORGANIZATION, id).unwrap();
    assert_eq!(held.name, "Renamed");
    assert_eq!(held.interval_str, None);
    assert!(held.steps[0].project_api_key.is_none() && held.steps[0].project_hmac_key.is_none());
    assert_eq!(studio.definition_writes(), 2);
}

#[tokio::test]
async fn archiving_moves_a_pipeline_to_the_archived_list_and_delete_removes_it() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    let id = create(&client, &definition("Made")).await;
    let mut archived = definition("Made");
    archived["archived"] = json!(true);
    write(&client, Operation::Update, &[ORGANIZATION, id], &archived).await;
    let listed = client.list(ORGANIZATION).await.body["pipelines"].clone();
    assert!(listed.as_array().unwrap().iter().all(|p| p["id"] != id));
    let archive = client.call(Operation::ListArchived, [ORGANIZATION], "").await;
    assert_eq!(archive.body["pipelines"][0]["id"], id);
    let deleted = client.call(Operation::Delete, [ORGANIZATION, id], "").await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(client.get(ORGANIZATION, id).await.status, StatusCode::NOT_FOUND);
    let again = client.call(Operation::Delete, [ORGANIZATION, id], "").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(studio.definition_writes(), 3);
}

#[tokio::test]
async fn a_definition_the_document_refuses_is_400_and_writes_nothing() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    let mut unlisted = definition("Bad");
    unlisted["steps"][0]["uploadType"] = json!("bucket");
    let mut no_name = definition("Bad");
    no_name.as_object_mut().unwrap().remove("name");
    let mut bad_schedule = definition("Bad");
    bad_schedule["intervalStr"] = json!("every day");
    for (body, says) in [
        (unlisted, "steps[0].uploadType cannot be 'bucket'"),
        (no_name, "name"),
        (bad_schedule, "intervalStr"),
        (json!([1, 2]), "invalid"),
    ] {
        let answer = write(&client, Operation::Create, &[ORGANIZATION], &body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer.body["success"], false);
        assert!(answer.body["error"].as_str().unwrap().contains(says), "{:?}", answer.body);
    }
    let oversized = "x".repeat(2 << 20);
    let request = client.request(Operation::Create.method(), &Operation::Create.path([1]));
    let answer = client.send(request.body(oversized)).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(studio.definition_writes(), 0);
}

#[tokio::test]
async fn faults_apply_to_writes_and_a_fault_before_the_write_writes_nothing() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    studio.inject(Operation::Create, When::Nth(1), Fault::status(503));
    let answer = write(&client, Operation::Create, &[ORGANIZATION], &definition("A")).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(studio.definition_writes(), 0);
    let id = create(&client, &definition("A")).await;
    studio.inject(Operation::Update, When::Nth(1), Fault::success_false("Not now"));
    let answer = write(&client, Operation::Update, &[ORGANIZATION, id], &definition("B")).await;
    assert_eq!(answer.body["success"], false);
    assert_eq!(studio.pipeline_definition(ORGANIZATION, id).unwrap().name, "A");
}

#[tokio::test]
async fn an_edit_from_the_side_shows_and_is_not_counted() {
    let studio = FakeStudio::start().await;
    let client = Client::new(&studio);
    let pipeline = FakeStudio::DEFAULT_PIPELINE_ID;
    assert!(studio.edit_pipeline(ORGANIZATION, pipeline, |definition| {
        definition.interval_str = Some("15m".into());
    }));
    assert!(!studio.edit_pipeline(ORGANIZATION, 99, |_| {}));
    let shown = client.get(ORGANIZATION, pipeline).await.body["pipeline"]["intervalStr"].clone();
    assert_eq!(shown, "15m");
    assert_eq!(studio.definition_writes(), 0);
}
