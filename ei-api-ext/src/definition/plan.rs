//! Comparing a desired definition with what the server holds: a typed
//! change, field by field.

use std::sync::Arc;

use serde_json::Value;

use super::{DefinitionError, PipelineDefinition, SecretSource, StepDefinition};
use crate::call::Caller;
use crate::ids::{OrganizationId, PipelineId};
use crate::operations::{self, PipelineCalls};

/// What applying a definition would do, and from what it was planned.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The organization.
    pub organization: OrganizationId,
    /// The definition wanted (normalised).
    pub desired: PipelineDefinition,
    /// What applying it changes.
    pub change: Change,
    /// The definition the server held when planned (its secrets in memory).
    pub(crate) current: Option<PipelineDefinition>,
}

/// What applying a definition changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// No pipeline has it: one is created.
    Create,
    /// The pipeline differs in these fields: its whole definition is sent.
    Update {
        /// The pipeline.
        pipeline: PipelineId,
        /// What differs, by path in alphabetical order (steps by index).
        fields: Vec<FieldChange>,
    },
    /// The pipeline already is as defined: nothing is written.
    NoChange {
        /// The pipeline.
        pipeline: PipelineId,
    },
}

/// One field that differs.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    /// Where, such as `intervalStr` or `steps[1].parameters.rate`.
    pub path: String,
    /// What the server holds.
    pub before: FieldValue,
    /// What the definition wants.
    pub after: FieldValue,
}

/// A field's value as a change shows it: a secret never shows its value.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// Not set.
    Absent,
    /// A value (never a secret's).
    Value(Value),
    /// A secret is set (its value is not shown).
    Secret,
}

impl Plan {
    /// The pipeline this plan is about, unless it creates one.
    pub fn pipeline(&self) -> Option<PipelineId> {
        match &self.change {
            Change::Create => None,
            Change::Update { pipeline, .. } | Change::NoChange { pipeline } => Some(*pipeline),
        }
    }
}

/// Plans `desired` against what the server holds: the pipeline of its `id`,
/// or else the one of its `name` (refused when several share it), or none.
pub(crate) async fn plan(
    caller: &Arc<Caller>,
    organization: OrganizationId,
    desired: PipelineDefinition,
) -> Result<Plan, DefinitionError> {
    desired.validate()?;
    let desired = desired.normalised();
    let current = read(caller, organization, &desired).await?;
    let change = match &current {
        None => Change::Create,
        Some(current) => {
            let pipeline = current.id.expect("a definition read has its id");
            let fields = differences(current, &desired);
            if fields.is_empty() {
                Change::NoChange { pipeline }
            } else {
                Change::Update { pipeline, fields }
            }
        }
    };
    Ok(Plan { organization, desired, change, current })
}

/// The definition the server holds for `desired`, if a pipeline has it.
async fn read(
    caller: &Arc<Caller>,
    organization: OrganizationId,
    desired: &PipelineDefinition,
) -> Result<Option<PipelineDefinition>, DefinitionError> {
    let archived = operations::list_archived(caller, organization).await?;
    if let Some(id) = desired.id {
        let calls = PipelineCalls::new(Arc::clone(caller), organization, id);
        let pipeline = calls.get(None).await?.value.pipeline;
        let is_archived = archived.iter().any(|p| p.id == id.get());
        return Ok(Some(PipelineDefinition::from_pipeline(&pipeline, is_archived)));
    }
    let active = operations::list(caller, organization, None).await?;
    let named: Vec<_> = active
        .iter()
        .map(|p| (p, false))
        .chain(archived.iter().map(|p| (p, true)))
        .filter(|(p, _)| p.name == desired.name)
        .collect();
    match named.as_slice() {
        [] => Ok(None),
        [(pipeline, is_archived)] => {
            Ok(Some(PipelineDefinition::from_pipeline(pipeline, *is_archived)))
        }
        several => Err(DefinitionError::SharedName {
            name: desired.name.clone(),
            pipelines: several.iter().map(|(p, _)| PipelineId::new(p.id)).collect(),
        }),
    }
}

/// The fields in which `desired` differs from `current` (both normalised).
/// A secret is compared by value where the desired one can be known now (a
/// value held, or an environment variable that is set); one left out keeps
/// the server's, and one whose variable is not set is not known to differ.
pub(crate) fn differences(
    current: &PipelineDefinition,
    desired: &PipelineDefinition,
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    compare("", &public_view(current), &public_view(desired), &mut changes);
    for (index, step) in desired.steps.iter().enumerate() {
        let held = current.steps.iter().find(|held| held.name == step.name);
        for (property, wanted) in step.secrets() {
            let before = held.and_then(|held| secret_of(held, property));
            let path = format!("steps[{index}].{property}");
            let (before_value, after_value) = match wanted {
                None => continue,
                Some(source) => match source.resolve() {
                    Ok(value) => (before.and_then(|b| b.resolve().ok()), value),
                    Err(_) => continue,
                },
            };
            if before_value.as_ref() != Some(&after_value) {
                let before = if before.is_some() { FieldValue::Secret } else { FieldValue::Absent };
                changes.push(FieldChange { path, before, after: FieldValue::Secret });
            }
        }
    }
    changes
}

fn secret_of<'a>(step: &'a StepDefinition, property: &str) -> Option<&'a SecretSource> {
    step.secrets().into_iter().find(|(name, _)| *name == property).and_then(|(_, s)| s.as_ref())
}

/// A definition as JSON as it can be compared: without its `id`, its
/// secrets, or `dataset` and `projectId`, which the API takes but never
/// returns (a pipeline's answer has no such property), so that they are
/// sent with every write but cannot differ.
pub(crate) fn public_view(definition: &PipelineDefinition) -> Value {
    let mut definition = definition.clone();
    definition.id = None;
    definition.dataset = None;
    definition.project_id = None;
    for step in &mut definition.steps {
        step.project_api_key = None;
        step.project_hmac_key = None;
    }
    serde_json::to_value(&definition).expect("a definition without secrets serializes")
}

fn compare(path: &str, before: &Value, after: &Value, changes: &mut Vec<FieldChange>) {
    let at = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match (before, after) {
        (Value::Object(before), Value::Object(after)) => {
            let keys: std::collections::BTreeSet<&String> =
                before.keys().chain(after.keys()).collect();
            for key in keys {
                let (b, a) = (before.get(key), after.get(key));
                match (b, a) {
                    (Some(b), Some(a)) => compare(&at(key), b, a, changes),
                    (b, a) => changes.push(FieldChange {
                        path: at(key),
                        before: b.cloned().map_or(FieldValue::Absent, FieldValue::Value),
                        after: a.cloned().map_or(FieldValue::Absent, FieldValue::Value),
                    }),
                }
            }
        }
        (Value::Array(b), Value::Array(a)) if path == "steps" => {
            for index in 0..b.len().max(a.len()) {
                let here = format!("steps[{index}]");
                match (b.get(index), a.get(index)) {
                    (Some(b), Some(a)) => compare(&here, b, a, changes),
                    (b, a) => changes.push(FieldChange {
                        path: here,
                        before: b.cloned().map_or(FieldValue::Absent, FieldValue::Value),
                        after: a.cloned().map_or(FieldValue::Absent, FieldValue::Value),
                    }),
                }
            }
        }
        (b, a) if b != a => changes.push(FieldChange {
            path: path.to_owned(),
            before: FieldValue::Value(b.clone()),
            after: FieldValue::Value(a.clone()),
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn write_only_properties_never_differ_and_others_do_by_path() {
        let read = |value: Value| serde_json::from_value::<PipelineDefinition>(value).unwrap();
        let current =
            read(json!({ "name": "p", "whenToEmail": "never", "steps": [{ "name": "s" }] }));
        let desired = read(json!({
            "name": "p", "whenToEmail": "always", "dataset": "raw", "projectId": 4,
            "steps": [{ "name": "s", "parameters": { "rate": "1" } }, { "name": "t" }]
        }));
        let paths: Vec<String> =
            differences(&current, &desired).into_iter().map(|change| change.path).collect();
        assert_eq!(paths, ["steps[0].parameters", "steps[1]", "whenToEmail"]);
    }
}
