//! Carrying a plan out: re-read, refuse what changed or runs, resolve the
//! secrets, then write the whole definition once.

use std::sync::Arc;

use ei_api::types::OrganizationUpdatePipelineBody;
use serde_json::{json, Map, Value};

use super::plan::{self, Change, Plan};
use super::{DefinitionError, InvalidDefinition, PipelineDefinition};
use crate::call::Caller;
use crate::ids::PipelineId;
use crate::operations::{self, PipelineCalls};

/// What applying a plan did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// A pipeline was created, with this id.
    Created(PipelineId),
    /// The pipeline's definition was replaced.
    Updated(PipelineId),
    /// Nothing differed: nothing was written.
    Unchanged(PipelineId),
}

/// Carries `plan` out. Before an update the pipeline is read again: it is
/// refused, with nothing written, when the pipeline changed since the plan
/// (naming the fields) or has a run in progress. Every `${NAME}` secret is
/// read before anything is written; a variable that is not set is an error.
pub(crate) async fn apply(caller: &Arc<Caller>, plan: &Plan) -> Result<Applied, DefinitionError> {
    match &plan.change {
        Change::NoChange { pipeline } => Ok(Applied::Unchanged(*pipeline)),
        Change::Create => {
            let body = body(&plan.desired, None)?;
            Ok(Applied::Created(operations::create(caller, plan.organization, body).await?))
        }
        Change::Update { pipeline, .. } => {
            // `change` is a public field: an update a caller made of a
            // create has no read to compare with.
            let Some(planned) = plan.current.as_ref() else {
                return Err(InvalidDefinition {
                    property: "change".into(),
                    problem: "an update is applied from the plan `plan` made of it (this one was made from no read of the pipeline)".into(),
                }
                .into());
            };
            let calls = PipelineCalls::new(Arc::clone(caller), plan.organization, *pipeline);
            let fresh = calls.get(None).await?.value.pipeline;
            if fresh.current_run.is_some() {
                return Err(DefinitionError::RunInProgress { pipeline: *pipeline });
            }
            let archived = operations::list_archived(caller, plan.organization).await?;
            let is_archived = archived.iter().any(|p| p.id == pipeline.get());
            let now = PipelineDefinition::from_pipeline(&fresh, is_archived);
            let fields = changed_fields(planned, &now);
            if !fields.is_empty() {
                return Err(DefinitionError::ChangedSincePlan { pipeline: *pipeline, fields });
            }
            calls.update(body(&plan.desired, Some(&now))?).await?;
            Ok(Applied::Updated(*pipeline))
        }
    }
}

/// Deletes a pipeline, refused while a run of it is in progress.
pub(crate) async fn delete(
    calls: &PipelineCalls,
    pipeline: PipelineId,
) -> Result<(), DefinitionError> {
    if calls.get(None).await?.value.pipeline.current_run.is_some() {
        return Err(DefinitionError::RunInProgress { pipeline });
    }
    Ok(calls.delete().await?)
}

/// The fields of `before` that `after` no longer has as they were, secrets
/// included (by path only).
fn changed_fields(before: &PipelineDefinition, after: &PipelineDefinition) -> Vec<String> {
    let mut fields: Vec<String> =
        plan::differences(before, after).into_iter().map(|change| change.path).collect();
    for index in 0..before.steps.len().max(after.steps.len()) {
        let (b, a) = (before.steps.get(index), after.steps.get(index));
        for (position, property) in ["projectApiKey", "projectHmacKey"].into_iter().enumerate() {
            let secret = |step: Option<&super::StepDefinition>| {
                step.and_then(|step| step.secrets()[position].1.clone())
            };
            let path = format!("steps[{index}].{property}");
            if secret(b) != secret(a) && !fields.contains(&path) {
                fields.push(path);
            }
        }
    }
    fields
}

/// The body to send for `desired`: each secret from its variable, from the
/// file's value, or carried over from `current`'s step of the same name.
fn body(
    desired: &PipelineDefinition,
    current: Option<&PipelineDefinition>,
) -> Result<OrganizationUpdatePipelineBody, DefinitionError> {
    let mut missing = Vec::new();
    let mut steps = Vec::with_capacity(desired.steps.len());
    for step in &desired.steps {
        let held = current.and_then(|c| c.steps.iter().find(|held| held.name == step.name));
        let mut properties: Map<String, Value> = step.properties.clone().into_iter().collect();
        properties.insert("name".into(), Value::String(step.name.clone()));
        for (position, (property, wanted)) in step.secrets().into_iter().enumerate() {
            let source =
                wanted.clone().or_else(|| held.and_then(|h| h.secrets()[position].1.clone()));
            match source.map(|source| source.resolve()) {
                Some(Ok(value)) => {
                    properties.insert(property.into(), Value::String(value.expose().to_owned()));
                }
                Some(Err(variable)) => missing.push(variable),
                None => {}
            }
        }
        steps.push(Value::Object(properties));
    }
    if !missing.is_empty() {
        missing.sort();
        missing.dedup();
        return Err(DefinitionError::MissingVariables(missing));
    }
    let mut body = json!({
        "name": desired.name,
        "description": desired.description,
        "steps": steps,
        "emailRecipientUids": desired.email_recipient_uids,
        "whenToEmail": desired.when_to_email,
    });
    let optional = [
        ("intervalStr", desired.interval_str.clone().map(Value::from)),
        ("dataset", desired.dataset.clone().map(Value::from)),
        ("projectId", desired.project_id.map(Value::from)),
        ("notificationWebhook", desired.notification_webhook.clone().map(Value::from)),
        ("archived", Some(Value::Bool(desired.archived))),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            body[name] = value;
        }
    }
    serde_json::from_value(body).map_err(|error| {
        DefinitionError::Invalid(super::InvalidDefinition {
            property: "steps".into(),
            problem: format!("a step property has a value of the wrong type: {error}"),
        })
    })
}
