//! The corrections list (`openapi/corrections.yaml`) and how it is applied.
//!
//! A correction is either a JSON Patch (RFC 6902) whose `test` operations pin
//! the vendor text it corrects, or a named rule applied to the whole
//! document. Either way, a correction that no longer matches the document is
//! an error: when the vendor fixes an erratum, regeneration says which.

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// One entry of the corrections list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// A short, stable name.
    pub id: String,
    /// Why the vendor text is wrong or unusable, in one line.
    pub reason: String,
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
}

/// What a correction does.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// An RFC 6902 JSON Patch.
    Patch(json_patch::Patch),
    /// A named rule over the whole document.
    Rule(Rule),
}

/// The rules a correction may name.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// Every optional property also accepts `null`.
    OptionalPropertiesNullable,
    /// Every string enum, named or inline, becomes a named open enum: a
    /// string with `x-ei-known-values`, so unlisted values still decode.
    OpenEnums,
}

/// Parses the corrections list.
pub fn parse(text: &str) -> Result<Vec<Correction>> {
    serde_yaml::from_str(text).context("openapi/corrections.yaml is not a valid corrections list")
}

/// Applies every correction in order, returning a line per change made.
pub fn apply_all(document: &mut Value, corrections: &[Correction]) -> Result<Vec<String>> {
    let mut applied = Vec::new();
    for correction in corrections {
        let changes = apply(document, correction)
            .with_context(|| format!("correction `{}` no longer applies", correction.id))?;
        applied.push(format!("applied {}: {}", correction.id, correction.reason));
        applied.extend(changes.into_iter().map(|change| format!("  - {change}")));
    }
    Ok(applied)
}

fn apply(document: &mut Value, correction: &Correction) -> Result<Vec<String>> {
    let changes = match &correction.action {
        Action::Patch(patch) => {
            json_patch::patch(document, patch).map_err(|error| anyhow!("{error}"))?;
            Vec::new()
        }
        Action::Rule(Rule::OptionalPropertiesNullable) => optional_properties_nullable(document)?,
        Action::Rule(Rule::OpenEnums) => open_enums(document)?,
    };
    if matches!(correction.action, Action::Rule(_)) && changes.is_empty() {
        bail!("the rule changed nothing");
    }
    Ok(changes)
}

fn schemas_mut(document: &mut Value) -> Result<&mut Map<String, Value>> {
    document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| anyhow!("the document has no components.schemas"))
}

/// Called with an object schema and where it is.
type ObjectVisitor<'a> = dyn FnMut(&mut Map<String, Value>, &str) -> Result<()> + 'a;

/// Visits every object schema reachable inside `schema` (itself, `allOf`
/// parts, property schemas, array items), with a dotted location.
fn for_each_object_schema(
    schema: &mut Value,
    location: &str,
    visit: &mut ObjectVisitor<'_>,
) -> Result<()> {
    let Some(object) = schema.as_object_mut() else {
        return Ok(());
    };
    if let Some(Value::Array(parts)) = object.get_mut("allOf") {
        for part in parts.iter_mut() {
            for_each_object_schema(part, location, visit)?;
        }
    }
    if let Some(items) = object.get_mut("items") {
        for_each_object_schema(items, &format!("{location}[]"), visit)?;
    }
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            for_each_object_schema(property, &format!("{location}.{name}"), visit)?;
        }
    }
    if object.contains_key("properties") {
        visit(object, location)?;
    }
    Ok(())
}

fn optional_properties_nullable(document: &mut Value) -> Result<Vec<String>> {
    let mut changes = Vec::new();
    for (name, schema) in schemas_mut(document)?.iter_mut() {
        for_each_object_schema(schema, name, &mut |object, location| {
            let required: Vec<String> = object
                .get("required")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            let Some(Value::Object(properties)) = object.get_mut("properties") else {
                return Ok(());
            };
            for (property, schema) in properties.iter_mut() {
                if required.contains(property) || schema.get("nullable") == Some(&json!(true)) {
                    continue;
                }
                // OpenAPI 3.0 ignores siblings of `$ref`, so a nullable
                // reference is written as a one-part `allOf`.
                if let Some(reference) = schema.get("$ref").cloned() {
                    *schema = json!({ "allOf": [{ "$ref": reference }], "nullable": true });
                } else {
                    schema
                        .as_object_mut()
                        .ok_or_else(|| anyhow!("{location}.{property} is not a schema object"))?
                        .insert("nullable".into(), Value::Bool(true));
                }
                changes.push(format!("{location}.{property} accepts null"));
            }
            Ok(())
        })?;
    }
    Ok(changes)
}

fn is_string_enum(schema: &Value) -> bool {
    schema.get("type") == Some(&json!("string")) && schema.get("enum").is_some()
}

/// `someName` -> `SomeName`.
fn pascal_case(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn open_enums(document: &mut Value) -> Result<Vec<String>> {
    let mut changes = Vec::new();
    let mut hoisted: Vec<(String, Value)> = Vec::new();
    let schemas = schemas_mut(document)?;
    for (name, schema) in schemas.iter_mut() {
        hoist_inline_enums(schema, name, &mut hoisted)?;
    }
    for (name, schema) in hoisted {
        if schemas.contains_key(&name) {
            bail!("hoisting an inline enum would overwrite the schema `{name}`");
        }
        changes.push(format!("inline enum hoisted to components.schemas.{name}"));
        schemas.insert(name, schema);
    }
    for (name, schema) in schemas.iter_mut() {
        if !is_string_enum(schema) {
            continue;
        }
        let object = schema.as_object_mut().expect("a string enum is an object");
        let values = object.remove("enum").expect("checked above");
        object.insert("x-ei-known-values".into(), values);
        changes.push(format!("{name} is open: values it does not list decode as Unknown"));
    }
    Ok(changes)
}

/// Replaces every inline string enum below `schema` with a reference to a
/// new component named after its place (`Parent` + `Property`, `Item` for
/// array items), the name typify would have given it.
fn hoist_inline_enums(
    schema: &mut Value,
    type_name: &str,
    hoisted: &mut Vec<(String, Value)>,
) -> Result<()> {
    for_each_object_schema(schema, type_name, &mut |object, location| {
        let Some(Value::Object(properties)) = object.get_mut("properties") else {
            return Ok(());
        };
        for (property, property_schema) in properties.iter_mut() {
            if is_string_enum(property_schema) {
                let name = format!("{}{}", type_name_at(location), pascal_case(property));
                let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
                hoisted.push((name, std::mem::replace(property_schema, reference)));
            }
        }
        Ok(())
    })
}

/// The type name typify gives the schema at a dotted location:
/// `Pipeline.feedingIntoDataset` -> `PipelineFeedingIntoDataset`,
/// `Step.pathFilters[]` -> `StepPathFiltersItem`.
fn type_name_at(location: &str) -> String {
    location
        .split('.')
        .map(|part| match part.strip_suffix("[]") {
            Some(array) => pascal_case(array) + "Item",
            None => pascal_case(part),
        })
        .collect()
}
