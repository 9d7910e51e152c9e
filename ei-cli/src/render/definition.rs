//! Pipeline definitions in words and as files: the YAML `export` writes,
//! and what `diff` and `apply` say a plan changes. Secrets show only as
//! placeholders or as "a secret", never their value.

use ei_api_ext::definition::{
    Applied, Change, FieldChange, FieldValue, PipelineDefinition, Plan, SecretSource,
};
use serde_json::{json, Value};

use crate::text;

/// How much of a value a change line shows.
const VALUE_SHOWN_CHARS: usize = 200;

/// A definition as the YAML file `export` writes: the definition (secrets
/// as `${NAME}`), each secret's line saying which variable to set.
pub fn yaml(definition: &PipelineDefinition) -> Result<String, String> {
    let body = serde_norway::to_string(definition)
        .map_err(|error| format!("could not write the definition as YAML: {error}"))?;
    let mut lines =
        vec!["# A pipeline definition for `ei-pipeline diff` and `ei-pipeline apply`.".to_owned()];
    for line in body.lines() {
        let secret = ["projectApiKey:", "projectHmacKey:"]
            .iter()
            .any(|key| line.trim_start().trim_start_matches("- ").starts_with(key));
        let variable = line
            .split_once(':')
            .map(|(_, value)| value.trim().trim_matches(['\'', '"']))
            .and_then(SecretSource::variable_of);
        match (secret, variable) {
            (true, Some(variable)) => {
                lines.push(format!("{line}  # secret: set the environment variable {variable}"))
            }
            _ => lines.push(line.to_owned()),
        }
    }
    Ok(lines.join("\n") + "\n")
}

/// The file name `export` gives a definition: its id and its name, made
/// safe for a file name (`12-nightly-import.yaml`).
pub fn file_name(definition: &PipelineDefinition) -> String {
    let slug: String = definition
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    let slug: Vec<&str> = slug.split('-').filter(|part| !part.is_empty()).collect();
    let slug = slug.join("-").chars().take(60).collect::<String>();
    let id = definition.id.map_or_else(|| "new".to_owned(), |id| id.get().to_string());
    if slug.is_empty() {
        format!("{id}.yaml")
    } else {
        format!("{id}-{slug}.yaml")
    }
}

/// What a plan changes, one line per field under a line naming the file.
pub fn plan_lines(file: &str, plan: &Plan) -> Vec<String> {
    match &plan.change {
        Change::Create => {
            vec![format!("{file}: creates pipeline '{}'", text::name(&plan.desired.name))]
        }
        Change::NoChange { pipeline } => vec![format!("{file}: {pipeline}: no change")],
        Change::Update { pipeline, fields } => {
            let mut lines =
                vec![format!("{file}: {pipeline}: {}", text::count(fields.len(), "change"))];
            lines.extend(fields.iter().map(|field| format!("  {}", field_line(field))));
            lines
        }
    }
}

/// One field's change: `intervalStr: "2h" -> "1d"`, `steps[1].projectApiKey: a secret, changed`.
pub fn field_line(field: &FieldChange) -> String {
    let path = text::name(&field.path);
    match (&field.before, &field.after) {
        (FieldValue::Secret, FieldValue::Secret) => format!("{path}: a secret, changed"),
        (FieldValue::Absent, FieldValue::Secret) => format!("{path}: a secret, set"),
        (FieldValue::Secret, FieldValue::Absent) => format!("{path}: a secret, removed"),
        (before, after) => format!("{path}: {} -> {}", shown(before), shown(after)),
    }
}

fn shown(value: &FieldValue) -> String {
    match value {
        FieldValue::Absent => "(absent)".to_owned(),
        FieldValue::Secret => "(a secret)".to_owned(),
        FieldValue::Value(value) => {
            let text = value.to_string();
            let cut: String = text.chars().take(VALUE_SHOWN_CHARS).collect();
            let cut = if cut.len() < text.len() { format!("{cut}...") } else { cut };
            text::message(&cut).into_owned()
        }
    }
}

/// What `apply` did with a file, in words.
pub fn applied_line(file: &str, plan: &Plan, applied: Option<Applied>) -> String {
    match (applied, &plan.change) {
        (Some(Applied::Created(id)), _) => format!("{file}: created {id}"),
        (Some(Applied::Updated(id)), Change::Update { fields, .. }) => {
            let paths: Vec<String> =
                fields.iter().map(|f| text::name(&f.path).into_owned()).collect();
            format!("{file}: updated {id} ({})", paths.join(", "))
        }
        (Some(Applied::Updated(id)), _) => format!("{file}: updated {id}"),
        (Some(Applied::Unchanged(id)), _) => format!("{file}: {id}: no change"),
        (None, _) => format!("{} (dry run: nothing written)", plan_lines(file, plan).join("\n")),
    }
}

/// What `apply --json` says of a file: `{"file", "action", "pipeline", "changes"}`,
/// `action` one of created, updated, unchanged, or with `--dry-run`
/// would_create, would_update, unchanged.
pub fn applied_json(file: &str, plan: &Plan, applied: Option<Applied>) -> Value {
    let (action, pipeline) = match (applied, &plan.change) {
        (Some(Applied::Created(id)), _) => ("created", Some(id)),
        (Some(Applied::Updated(id)), _) => ("updated", Some(id)),
        (Some(Applied::Unchanged(id)), _) => ("unchanged", Some(id)),
        (None, Change::NoChange { pipeline }) => ("unchanged", Some(*pipeline)),
        (None, Change::Create) => ("would_create", None),
        (None, Change::Update { pipeline, .. }) => ("would_update", Some(*pipeline)),
    };
    let changes: Vec<Value> = match &plan.change {
        Change::Update { fields, .. } => fields
            .iter()
            .map(|field| json!({ "path": field.path, "before": value_json(&field.before), "after": value_json(&field.after) }))
            .collect(),
        _ => Vec::new(),
    };
    json!({ "file": file, "action": action, "pipeline": pipeline.map(|id| id.get()), "changes": changes })
}

fn value_json(value: &FieldValue) -> Value {
    match value {
        FieldValue::Absent => Value::Null,
        FieldValue::Secret => json!({ "secret": true }),
        FieldValue::Value(value) => value.clone(),
    }
}
