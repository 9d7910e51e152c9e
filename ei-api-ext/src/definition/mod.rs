//! Pipelines as code: a pipeline's definition as a value with serde, built
//! from what the server holds or from a file, normalised so that two
//! definitions that mean the same compare equal;
//! [`OrganizationHandle::plan`](crate::OrganizationHandle::plan) compares one
//! with the server, [`OrganizationHandle::apply`](crate::OrganizationHandle::apply)
//! carries the [`Plan`] out.
//!
//! The definition uses the API's own property names (`intervalStr`,
//! `whenToEmail`, `steps`, ...), its `id` when it names a pipeline, and none
//! of the properties the server owns (`created`, `nextRun`, runs).
//!
//! # Secrets
//!
//! A step's `projectApiKey` and `projectHmacKey` are [`SecretSource`]s:
//! `${NAME}`, read from the environment variable `NAME` when applying (a
//! variable that is not set is an error before anything is written); a
//! value read from the server, kept in memory only and never serialized;
//! or absent, which keeps the value the server holds for the step of that
//! name (the update sends the whole definition, so the client carries the
//! server's value over, in memory). A literal value in a file is refused.
//!
//! # Normal form
//!
//! `null`, `""`, `[]` and `{}` mean the same as an absent property;
//! `emailRecipientUids` is a set (sorted, without repeats); `archived:
//! false` is the same as no `archived`.

mod apply;
mod plan;
mod secret;

pub use apply::Applied;
pub(crate) use apply::{apply, delete};
pub(crate) use plan::plan;
pub use plan::{Change, FieldChange, FieldValue, Plan};
pub use secret::SecretSource;

use std::collections::BTreeMap;

use ei_api::types::OrganizationPipeline;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::ids::PipelineId;
use crate::untrusted::for_display;

/// How much of a name from the server an error shows.
const NAME_SHOWN: usize = 200;

/// Why a definition could not be planned or applied. Nothing was written,
/// unless the error is [`DefinitionError::Api`] from the write itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DefinitionError {
    /// The definition is not one the API takes.
    #[error("invalid definition: {0}")]
    Invalid(#[from] InvalidDefinition),
    /// A call failed.
    #[error(transparent)]
    Api(#[from] Error),
    /// Environment variables that `${NAME}` secrets name are not set.
    #[error("environment variable{} {} not set (the definition's secrets name {}); nothing was written", if .0.len() == 1 { "" } else { "s" }, .0.join(", "), if .0.len() == 1 { "it" } else { "them" })]
    MissingVariables(Vec<String>),
    /// The pipeline changed since the plan was made (someone else wrote it).
    #[error("{pipeline} changed since the plan ({}); nothing was written: plan again", .fields.join(", "))]
    ChangedSincePlan {
        /// The pipeline.
        pipeline: PipelineId,
        /// The fields that changed.
        fields: Vec<String>,
    },
    /// The pipeline has a run in progress, and is not changed under it.
    #[error("{pipeline} has a run in progress; nothing was written: wait for it to end (or stop it) and try again")]
    RunInProgress {
        /// The pipeline.
        pipeline: PipelineId,
    },
    /// A definition without an `id` names pipelines that share its name.
    #[error("{} pipelines are named '{}' ({}); nothing was written: give the definition an id", .pipelines.len(), for_display(.name, NAME_SHOWN), .pipelines.iter().map(|p| p.get().to_string()).collect::<Vec<_>>().join(", "))]
    SharedName {
        /// The name.
        name: String,
        /// The pipelines that have it.
        pipelines: Vec<PipelineId>,
    },
}

/// The properties of a step the API defines, besides its `name` and its
/// two secrets (which have fields of their own).
pub const STEP_PROPERTIES: &[&str] = &[
    "filter",
    "pathFilters",
    "uploadType",
    "projectId",
    "newProjectName",
    "transformationBlockId",
    "builtinTransformationBlock",
    "category",
    "outputDatasetName",
    "outputDatasetBucketId",
    "outputDatasetBucketPath",
    "outputPathInDataset",
    "outputDatasetPathRule",
    "label",
    "transformationParallel",
    "extraCliArguments",
    "parameters",
];

/// A pipeline's definition: what create and update send, and its `id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineDefinition {
    /// The pipeline this defines; without it, the pipeline of this `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<PipelineId>,
    /// `name`.
    pub name: String,
    /// `description`.
    #[serde(default)]
    pub description: String,
    /// `intervalStr`: the schedule ("15m", "2h", "1d"); none runs only when started.
    #[serde(rename = "intervalStr", default, skip_serializing_if = "Option::is_none")]
    pub interval_str: Option<String>,
    /// `steps`, in order.
    #[serde(default)]
    pub steps: Vec<StepDefinition>,
    /// `dataset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// `projectId`.
    #[serde(rename = "projectId", default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
    /// `emailRecipientUids`.
    #[serde(rename = "emailRecipientUids", default)]
    pub email_recipient_uids: Vec<i64>,
    /// `notificationWebhook`.
    #[serde(rename = "notificationWebhook", default, skip_serializing_if = "Option::is_none")]
    pub notification_webhook: Option<String>,
    /// `whenToEmail`: `always`, `on_new_data` or `never`.
    #[serde(rename = "whenToEmail")]
    pub when_to_email: String,
    /// `archived`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub archived: bool,
}

/// One step of a [`PipelineDefinition`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepDefinition {
    /// `name`.
    pub name: String,
    /// `projectApiKey`.
    #[serde(rename = "projectApiKey", default, skip_serializing_if = "Option::is_none")]
    pub project_api_key: Option<SecretSource>,
    /// `projectHmacKey`.
    #[serde(rename = "projectHmacKey", default, skip_serializing_if = "Option::is_none")]
    pub project_hmac_key: Option<SecretSource>,
    /// Every other property, by the API's names ([`STEP_PROPERTIES`]).
    #[serde(flatten)]
    pub properties: BTreeMap<String, Value>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// What is wrong with a definition: the property and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{property}: {problem}")]
pub struct InvalidDefinition {
    /// Where, such as `steps[1].parametrs`.
    pub property: String,
    /// What is wrong.
    pub problem: String,
}

impl PipelineDefinition {
    /// The definition of a pipeline the server holds, normalised, its
    /// secrets kept in memory ([`SecretSource::Held`]); `archived` as given
    /// (the pipeline's answer does not carry it).
    pub fn from_pipeline(pipeline: &OrganizationPipeline, archived: bool) -> Self {
        let steps = pipeline.steps.iter().map(|step| {
            let mut properties = match serde_json::to_value(step) {
                Ok(Value::Object(properties)) => properties,
                _ => Map::new(),
            };
            for owned in ["name", "projectApiKey", "projectHmacKey"] {
                properties.remove(owned);
            }
            StepDefinition {
                name: step.name.clone(),
                project_api_key: step.project_api_key.clone().map(SecretSource::Held),
                project_hmac_key: step.project_hmac_key.clone().map(SecretSource::Held),
                properties: properties.into_iter().collect(),
            }
        });
        PipelineDefinition {
            id: Some(PipelineId::new(pipeline.id)),
            name: pipeline.name.clone(),
            description: pipeline.description.clone(),
            interval_str: pipeline.interval_str.clone(),
            steps: steps.collect(),
            dataset: None,
            project_id: None,
            email_recipient_uids: pipeline.email_recipient_uids.clone(),
            notification_webhook: pipeline.notification_webhook.clone(),
            when_to_email: pipeline.when_to_email.as_str().to_owned(),
            archived,
        }
        .normalised()
    }

    /// This definition as a file should hold it: each secret held replaced
    /// by a `${NAME}` placeholder ([`secret_variable`](Self::secret_variable)),
    /// so that no value is ever written.
    pub fn for_export(mut self) -> Self {
        let id = self.id;
        for (index, step) in self.steps.iter_mut().enumerate() {
            for (property, secret) in [
                ("projectApiKey", &mut step.project_api_key),
                ("projectHmacKey", &mut step.project_hmac_key),
            ] {
                if let Some(SecretSource::Held(_)) = secret {
                    *secret = Some(SecretSource::Env(Self::secret_variable(id, index, property)));
                }
            }
        }
        self
    }

    /// The environment variable an exported file names for `property` of
    /// the step at `index` (from 0) of pipeline `id`, such as
    /// `EI_PIPELINE_12_STEP_2_PROJECT_API_KEY`.
    pub fn secret_variable(id: Option<PipelineId>, index: usize, property: &str) -> String {
        let property = match property {
            "projectApiKey" => "PROJECT_API_KEY",
            "projectHmacKey" => "PROJECT_HMAC_KEY",
            other => other,
        };
        let pipeline = id.map_or_else(|| "NEW".to_owned(), |id| id.get().to_string());
        format!("EI_PIPELINE_{pipeline}_STEP_{}_{property}", index + 1)
    }

    /// This definition in normal form (see the [module](self) documentation).
    pub fn normalised(mut self) -> Self {
        for text in [&mut self.interval_str, &mut self.dataset, &mut self.notification_webhook] {
            if text.as_deref() == Some("") {
                *text = None;
            }
        }
        self.email_recipient_uids.sort_unstable();
        self.email_recipient_uids.dedup();
        for step in &mut self.steps {
            step.properties.retain(|_, value| !is_empty(value));
        }
        self
    }

    /// Checks what the document requires of a definition that serde cannot:
    /// `whenToEmail` one of its values, no step property the API does not
    /// define, no step without a name, no secret written in clear.
    pub fn validate(&self) -> Result<(), InvalidDefinition> {
        let invalid =
            |property: String, problem: String| Err(InvalidDefinition { property, problem });
        if !["always", "on_new_data", "never"].contains(&self.when_to_email.as_str()) {
            return invalid(
                "whenToEmail".into(),
                format!("'{}' is not always, on_new_data or never", self.when_to_email),
            );
        }
        for (index, step) in self.steps.iter().enumerate() {
            if step.name.is_empty() {
                return invalid(format!("steps[{index}].name"), "a step needs a name".into());
            }
            if let Some(unknown) =
                step.properties.keys().find(|key| !STEP_PROPERTIES.contains(&key.as_str()))
            {
                return invalid(
                    format!("steps[{index}].{unknown}"),
                    "not a property of a pipeline step".into(),
                );
            }
            for (property, secret) in step.secrets() {
                if let Some(SecretSource::Held(_)) = secret {
                    return invalid(
                        format!("steps[{index}].{property}"),
                        "a secret is written as ${NAME} (read from the environment variable NAME), never in clear".into(),
                    );
                }
            }
        }
        Ok(())
    }
}

impl StepDefinition {
    /// The step's secrets, by property name.
    pub fn secrets(&self) -> [(&'static str, &Option<SecretSource>); 2] {
        [("projectApiKey", &self.project_api_key), ("projectHmacKey", &self.project_hmac_key)]
    }
}

/// Whether `value` means the same as no value.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(properties) => properties.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn definition(value: Value) -> PipelineDefinition {
        serde_json::from_value::<PipelineDefinition>(value).unwrap().normalised()
    }

    #[test]
    fn empty_and_absent_mean_the_same_and_recipients_are_a_set() {
        let with_empties = definition(json!({
            "name": "p", "whenToEmail": "never", "intervalStr": "", "notificationWebhook": "",
            "emailRecipientUids": [2, 1, 2], "archived": false,
            "steps": [{ "name": "s", "filter": "", "parameters": {}, "pathFilters": [], "label": null }]
        }));
        let without = definition(json!({
            "name": "p", "whenToEmail": "never", "emailRecipientUids": [1, 2],
            "steps": [{ "name": "s" }]
        }));
        assert_eq!(with_empties, without);
        let other = definition(json!({
            "name": "p", "whenToEmail": "never", "emailRecipientUids": [1, 2],
            "steps": [{ "name": "s", "filter": "x" }]
        }));
        assert_ne!(other, without);
    }
}
