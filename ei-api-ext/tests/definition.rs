//! Pipelines as code through the SDK, against the fake Studio: plan and
//! apply, secrets from the environment and carried over, refusals that
//! write nothing.

use ei_api_ext::definition::{
    Applied, Change, DefinitionError, FieldValue, PipelineDefinition, SecretSource,
};
use ei_api_ext::{Client, OrganizationId, PipelineId, RetryPolicy};
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};
use serde_json::json;
use std::time::Duration;

const ORG: OrganizationId = OrganizationId::new(1);
const PIPELINE: PipelineId = PipelineId::new(1);
const API_KEY: &str = "ei_step_api_key_0123456789";
const HMAC_KEY: &str = "step_hmac_key_abcdef";

async fn studio() -> FakeStudio {
    FakeStudio::builder()
        .pipeline(
            PipelineSpec::new(1, 1, "Nightly import")
                .step(StepSpec::new("Fetch"))
                .step(StepSpec::new("Import").project_id(5).project_keys(API_KEY, HMAC_KEY)),
        )
        .start()
        .await
}

fn client(studio: &FakeStudio) -> Client {
    Client::builder()
        .api_key(FakeStudio::DEFAULT_API_KEY)
        .base_url(studio.base_url())
        .retry_policy(
            RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

/// What `export` writes for a pipeline: its definition with placeholders.
async fn exported(client: &Client, pipeline: PipelineId) -> PipelineDefinition {
    let read = client.pipeline(ORG, pipeline).get().await.unwrap();
    PipelineDefinition::from_pipeline(&read, false).for_export()
}

fn assert_no_secret(text: &str) {
    assert!(!text.contains(API_KEY) && !text.contains(HMAC_KEY), "a secret shows: {text}");
}

#[tokio::test]
async fn an_exported_definition_plans_no_change_and_applies_without_writing() {
    let studio = studio().await;
    let client = client(&studio);
    let definition = exported(&client, PIPELINE).await;
    let text = serde_json::to_string(&definition).unwrap();
    assert_no_secret(&text);
    assert!(text.contains("${EI_PIPELINE_1_STEP_2_PROJECT_API_KEY}"), "{text}");
    let plan = client.organization(ORG).plan(definition).await.unwrap();
    assert_eq!(plan.change, Change::NoChange { pipeline: PIPELINE });
    assert_eq!(client.organization(ORG).apply(&plan).await.unwrap(), Applied::Unchanged(PIPELINE));
    assert_eq!(studio.definition_writes(), 0);
    assert_no_secret(&format!("{plan:?}"));
}

#[tokio::test]
async fn a_changed_schedule_and_parameter_update_once_and_keep_the_servers_keys() {
    let studio = studio().await;
    let client = client(&studio);
    let mut definition = exported(&client, PIPELINE).await;
    definition.interval_str = Some("1d".into());
    definition.steps[0].properties.insert("parameters".into(), json!({ "rate": "16000" }));
    // A step that leaves its keys out keeps the server's.
    definition.steps[1].project_api_key = None;
    definition.steps[1].project_hmac_key = None;
    let plan = client.organization(ORG).plan(definition.clone()).await.unwrap();
    let Change::Update { pipeline, fields } = &plan.change else { panic!("{plan:?}") };
    assert_eq!(*pipeline, PIPELINE);
    let paths: Vec<&str> = fields.iter().map(|field| field.path.as_str()).collect();
    assert_eq!(paths, ["intervalStr", "steps[0].parameters"]);
    assert_eq!(fields[0].after, FieldValue::Value(json!("1d")));
    assert_eq!(client.organization(ORG).apply(&plan).await.unwrap(), Applied::Updated(PIPELINE));
    assert_eq!(studio.definition_writes(), 1);
    let held = studio.pipeline_definition(1, 1).unwrap();
    assert_eq!(held.interval_str.as_deref(), Some("1d"));
    assert_eq!(held.steps[1].project_api_key.as_ref().map(|k| k.expose()), Some(API_KEY));
    assert_eq!(held.steps[1].project_hmac_key.as_ref().map(|k| k.expose()), Some(HMAC_KEY));
    let again = client.organization(ORG).plan(definition).await.unwrap();
    assert_eq!(again.change, Change::NoChange { pipeline: PIPELINE });
    client.organization(ORG).apply(&again).await.unwrap();
    assert_eq!(studio.definition_writes(), 1);
}

fn new_definition(variable: &str) -> PipelineDefinition {
    serde_json::from_value(json!({
        "name": "Weekly export",
        "intervalStr": "2h",
        "steps": [{ "name": "Upload", "projectId": 9, "uploadType": "project",
                    "projectApiKey": format!("${{{variable}}}") }],
        "whenToEmail": "never"
    }))
    .unwrap()
}

#[tokio::test]
async fn a_new_definition_is_created_once_with_its_secret_from_the_environment() {
    let studio = studio().await;
    let client = client(&studio);
    std::env::set_var("EI_TEST_DEFINITION_CREATE_KEY", "ei_from_the_environment");
    let plan = client.organization(ORG).plan(new_definition("EI_TEST_DEFINITION_CREATE_KEY")).await;
    let plan = plan.unwrap();
    assert_eq!(plan.change, Change::Create);
    let Applied::Created(id) = client.organization(ORG).apply(&plan).await.unwrap() else {
        panic!("not created")
    };
    assert_eq!(studio.definition_writes(), 1);
    let held = studio.pipeline_definition(1, id.get()).unwrap();
    assert_eq!(held.steps[0].project_api_key.as_ref().unwrap().expose(), "ei_from_the_environment");
    // Matched by name the second time: nothing to do.
    let again =
        client.organization(ORG).plan(new_definition("EI_TEST_DEFINITION_CREATE_KEY")).await;
    assert_eq!(again.unwrap().change, Change::NoChange { pipeline: id });
}

#[tokio::test]
async fn a_missing_variable_writes_nothing_and_says_which() {
    let studio = studio().await;
    let client = client(&studio);
    let plan = client.organization(ORG).plan(new_definition("EI_TEST_DEFINITION_UNSET")).await;
    let error = client.organization(ORG).apply(&plan.unwrap()).await.unwrap_err();
    assert!(
        matches!(&error, DefinitionError::MissingVariables(names) if names == &["EI_TEST_DEFINITION_UNSET"])
    );
    assert!(error.to_string().contains("EI_TEST_DEFINITION_UNSET"), "{error}");
    assert_eq!(studio.definition_writes(), 0);
    assert!(studio.requests().iter().all(|r| r.operation != Some(Operation::Create)));
}

#[tokio::test]
async fn a_change_between_plan_and_apply_is_refused_naming_the_fields() {
    let studio = studio().await;
    let client = client(&studio);
    let mut definition = exported(&client, PIPELINE).await;
    definition.interval_str = Some("1d".into());
    let plan = client.organization(ORG).plan(definition).await.unwrap();
    studio.edit_pipeline(1, 1, |held| {
        held.description = "changed by a colleague".into();
        held.steps[1].project_api_key = Some(ei_api_ext::SecretString::new("ei_rotated"));
    });
    let error = client.organization(ORG).apply(&plan).await.unwrap_err();
    let DefinitionError::ChangedSincePlan { fields, .. } = &error else { panic!("{error:?}") };
    assert_eq!(fields, &["description", "steps[1].projectApiKey"]);
    assert_eq!(studio.definition_writes(), 0);
    assert!(!error.to_string().contains("ei_rotated"));
}

#[tokio::test]
async fn a_pipeline_with_a_run_in_progress_is_not_updated_or_deleted() {
    let studio = studio().await;
    let client = client(&studio);
    let mut definition = exported(&client, PIPELINE).await;
    definition.description = "new".into();
    let plan = client.organization(ORG).plan(definition).await.unwrap();
    studio.start_run(1, 1).expect("a run starts");
    let error = client.organization(ORG).apply(&plan).await.unwrap_err();
    assert!(matches!(error, DefinitionError::RunInProgress { .. }), "{error:?}");
    assert!(error.to_string().contains("run in progress"));
    let error = client.pipeline(ORG, PIPELINE).delete().await.unwrap_err();
    assert!(matches!(error, DefinitionError::RunInProgress { .. }), "{error:?}");
    assert_eq!(studio.definition_writes(), 0);
}

#[tokio::test]
async fn a_name_two_pipelines_share_is_refused() {
    let studio = FakeStudio::builder()
        .pipeline(PipelineSpec::new(1, 1, "Same"))
        .pipeline(PipelineSpec::new(1, 2, "Same"))
        .start()
        .await;
    let client = client(&studio);
    let mut definition = exported(&client, PIPELINE).await;
    definition.id = None;
    let error = client.organization(ORG).plan(definition).await.unwrap_err();
    assert!(
        matches!(&error, DefinitionError::SharedName { pipelines, .. } if pipelines.len() == 2)
    );
}

#[tokio::test]
async fn a_create_whose_answer_is_lost_is_not_sent_again_but_a_503_is() {
    let studio = studio().await;
    let client = client(&studio);
    std::env::set_var("EI_TEST_DEFINITION_RETRY_KEY", "ei_retry");
    let plan = client.organization(ORG).plan(new_definition("EI_TEST_DEFINITION_RETRY_KEY")).await;
    let plan = plan.unwrap();
    studio.inject(Operation::Create, When::Nth(1), Fault::close_after_action());
    client.organization(ORG).apply(&plan).await.unwrap_err();
    let creates =
        || studio.requests().iter().filter(|r| r.operation == Some(Operation::Create)).count();
    assert_eq!((creates(), studio.definition_writes()), (1, 1));
    studio.inject(Operation::Create, When::Nth(1), Fault::status(503));
    client.organization(ORG).apply(&plan).await.unwrap();
    assert_eq!((creates(), studio.definition_writes()), (3, 2));
}

#[test]
fn a_file_with_a_secret_in_clear_or_an_unknown_step_property_is_refused() {
    let clear: PipelineDefinition = serde_json::from_value(json!({
        "name": "p", "whenToEmail": "never",
        "steps": [{ "name": "s", "projectApiKey": API_KEY }]
    }))
    .unwrap();
    let error = clear.validate().unwrap_err();
    assert_eq!(error.property, "steps[0].projectApiKey");
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{clear:?}"));
    assert!(serde_json::to_string(&clear).is_err());
    let typo: PipelineDefinition = serde_json::from_value(json!({
        "name": "p", "whenToEmail": "never", "steps": [{ "name": "s", "parametrs": {} }]
    }))
    .unwrap();
    assert_eq!(typo.validate().unwrap_err().property, "steps[0].parametrs");
    let unknown = serde_json::from_value::<PipelineDefinition>(json!({
        "name": "p", "whenToEmail": "never", "schedule": "1d"
    }));
    assert!(unknown.unwrap_err().to_string().contains("schedule"));
    assert!(matches!(SecretSource::variable_of("${EI_KEY}"), Some("EI_KEY")));
}

mod export_then_apply {
    //! For any definition the fake accepts: export, then apply, writes nothing.

    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), "[a-z ]{1,12}", "\\PC{1,8}"]
    }

    fn step() -> impl Strategy<Value = Value> {
        (
            "[A-Za-z][A-Za-z ]{0,10}",
            proptest::option::of(1i64..1000),
            proptest::option::of(prop_oneof![
                Just("training"),
                Just("validation"),
                Just("testing"),
                Just("split")
            ]),
            proptest::collection::btree_map("[a-z]{1,6}", text(), 0..3),
            text(),
            proptest::option::of(("ei_[a-f0-9]{8}", "[a-f0-9]{8}")),
        )
            .prop_map(|(name, block, category, parameters, filter, keys)| {
                let mut step = json!({ "name": name, "filter": filter, "parameters": parameters });
                if let Some(block) = block {
                    step["transformationBlockId"] = json!(block);
                }
                if let Some(category) = category {
                    step["category"] = json!(category);
                }
                if let Some((api, hmac)) = keys {
                    step["projectApiKey"] = json!(api);
                    step["projectHmacKey"] = json!(hmac);
                }
                step
            })
    }

    fn definition() -> impl Strategy<Value = Value> {
        (
            text(),
            text(),
            proptest::option::of(prop_oneof![Just("15m"), Just("2h"), Just("1d"), Just("30d")]),
            proptest::collection::vec(step(), 0..4),
            proptest::collection::vec(0i64..5, 0..4),
            proptest::option::of(prop_oneof![Just(""), Just("https://example.com/hook")]),
            prop_oneof![Just("always"), Just("on_new_data"), Just("never")],
        )
            .prop_map(|(name, description, interval, steps, uids, webhook, when)| {
                let mut definition = json!({
                    "name": name, "description": description, "steps": steps,
                    "emailRecipientUids": uids, "whenToEmail": when,
                });
                if let Some(interval) = interval {
                    definition["intervalStr"] = json!(interval);
                }
                if let Some(webhook) = webhook {
                    definition["notificationWebhook"] = json!(webhook);
                }
                definition
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn export_then_apply_writes_nothing(body in definition()) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let studio = studio().await;
                let raw = ei_api::Client::new(
                    studio.base_url(),
                    ei_api::RequestContext::new(
                        ei_api::Credentials::api_key(FakeStudio::DEFAULT_API_KEY).unwrap(),
                    ),
                );
                let body: ei_api::types::OrganizationUpdatePipelineBody =
                    serde_json::from_value(body).unwrap();
                let created =
                    raw.create_organization_pipeline().organization_id(1).body(body).send().await;
                let id = PipelineId::new(created.unwrap().id);
                let client = client(&studio);
                let file = serde_json::to_string(&exported(&client, id).await).unwrap();
                let read: PipelineDefinition = serde_json::from_str(&file).unwrap();
                read.validate().unwrap();
                let plan = client.organization(ORG).plan(read).await.unwrap();
                prop_assert_eq!(&plan.change, &Change::NoChange { pipeline: id });
                client.organization(ORG).apply(&plan).await.unwrap();
                prop_assert_eq!(studio.definition_writes(), 1);
                Ok(())
            })?;
        }
    }
}

/// A plan's `change` is a public field: a caller who turns a create into an
/// update (a plan made from no read) gets an error, not a panic, and
/// nothing is written.
#[tokio::test]
async fn a_plan_changed_by_its_caller_into_an_update_is_refused_without_a_panic() {
    let studio = studio().await;
    let client = client(&studio);
    let mut plan =
        client.organization(ORG).plan(new_definition("EI_TEST_UNSET_KEY")).await.unwrap();
    assert_eq!(plan.change, Change::Create);
    plan.change = Change::Update { pipeline: PIPELINE, fields: Vec::new() };
    let error = client.organization(ORG).apply(&plan).await.unwrap_err();
    assert!(matches!(error, DefinitionError::Invalid(_)), "{error:?}");
    assert_eq!(studio.definition_writes(), 0);
}
