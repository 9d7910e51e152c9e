//! What a corrected document adds to the one generated before it: schemas,
//! properties, enum values and operations. `cargo xtask generate` prints
//! them so that a person decides, for each new property, whether it is a
//! secret (and so belongs in the `project-keys-are-secrets` correction).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The HTTP methods an OpenAPI path item may hold an operation under.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One thing a document has that the previous one did not.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Addition {
    /// A schema under `components.schemas`.
    Schema(String),
    /// A property, at a dotted location (`OrganizationPipelineRun.steps[].name`).
    Property(String),
    /// A value of the enum at a location.
    EnumValue {
        /// Where the enum is.
        location: String,
        /// The new value.
        value: String,
    },
    /// An operation: its `operationId`, method and path.
    Operation {
        /// The `operationId` (empty if it has none).
        id: String,
        /// The HTTP method, upper case.
        method: String,
        /// The path template.
        path: String,
    },
}

impl fmt::Display for Addition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addition::Schema(name) => write!(f, "schema {name}"),
            Addition::Property(location) => write!(f, "property {location}"),
            Addition::EnumValue { location, value } => {
                write!(f, "enum value {location}: {value:?}")
            }
            Addition::Operation { id, method, path } => {
                write!(f, "operation {id} ({method} {path})")
            }
        }
    }
}

/// Everything `current` adds to `previous`, sorted: schemas, then
/// properties, enum values and operations.
pub fn between(previous: &Value, current: &Value) -> Vec<Addition> {
    let mut additions = Vec::new();
    let (old, new) = (Facts::of(previous), Facts::of(current));
    additions.extend(new.schemas.difference(&old.schemas).cloned().map(Addition::Schema));
    additions.extend(new.properties.difference(&old.properties).cloned().map(Addition::Property));
    for (location, values) in &new.enums {
        let known = old.enums.get(location);
        for value in values.iter().filter(|value| known.is_none_or(|known| !known.contains(*value)))
        {
            additions
                .push(Addition::EnumValue { location: location.clone(), value: value.clone() });
        }
    }
    additions.extend(new.operations.difference(&old.operations).map(|(method, path, id)| {
        Addition::Operation { id: id.clone(), method: method.to_uppercase(), path: path.clone() }
    }));
    additions.sort();
    additions
}

/// What a document declares, as far as additions go.
#[derive(Default)]
struct Facts {
    schemas: BTreeSet<String>,
    properties: BTreeSet<String>,
    /// Each enum's values (`enum`, or the `x-ei-known-values` of an open one), by location.
    enums: BTreeMap<String, Vec<String>>,
    /// `(method, path, operationId)`.
    operations: BTreeSet<(String, String, String)>,
}

impl Facts {
    fn of(document: &Value) -> Facts {
        let mut facts = Facts::default();
        if let Some(schemas) = document.pointer("/components/schemas").and_then(Value::as_object) {
            for (name, schema) in schemas {
                facts.schemas.insert(name.clone());
                facts.visit(schema, name);
            }
        }
        let paths = document.get("paths").and_then(Value::as_object).into_iter().flatten();
        for (path, item) in paths {
            for method in METHODS {
                let Some(operation) = item.get(*method) else { continue };
                let id = operation.get("operationId").and_then(Value::as_str).unwrap_or_default();
                facts.operations.insert((method.to_string(), path.clone(), id.to_owned()));
                let parameters = operation.get("parameters").and_then(Value::as_array);
                for parameter in parameters.into_iter().flatten() {
                    let name = parameter.get("name").and_then(Value::as_str).unwrap_or_default();
                    if let Some(schema) = parameter.get("schema") {
                        facts.visit(schema, &format!("{id}({name})"));
                    }
                }
            }
        }
        facts
    }

    /// Records the properties and enums of `schema`, at `location`, and of
    /// the schemas inside it (`allOf` parts, array items, property schemas).
    fn visit(&mut self, schema: &Value, location: &str) {
        for key in ["enum", super::enums::KNOWN_VALUES] {
            if let Some(values) = schema.get(key).and_then(Value::as_array) {
                let values = values.iter().map(|value| match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                });
                self.enums.entry(location.to_owned()).or_default().extend(values);
            }
        }
        let parts = schema.get("allOf").and_then(Value::as_array).into_iter().flatten();
        for part in parts {
            self.visit(part, location);
        }
        if let Some(items) = schema.get("items") {
            self.visit(items, &format!("{location}[]"));
        }
        let properties = schema.get("properties").and_then(Value::as_object).into_iter().flatten();
        for (name, property) in properties {
            let location = format!("{location}.{name}");
            self.properties.insert(location.clone());
            self.visit(property, &location);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(run_properties: Value, statuses: Value, paths: Value) -> Value {
        json!({
            "paths": paths,
            "components": { "schemas": {
                "Run": { "type": "object", "properties": run_properties },
                "Status": { "type": "string", "x-ei-known-values": statuses },
            }}
        })
    }

    #[test]
    fn names_each_new_property_enum_value_operation_and_schema_and_nothing_else() {
        let get = json!({ "get": { "operationId": "getRun" } });
        let previous = document(
            json!({ "id": { "type": "integer" } }),
            json!(["waiting", "failed"]),
            json!({ "/runs/{id}": get }),
        );
        let mut current = document(
            json!({
                "id": { "type": "integer" },
                "note": { "type": "string" },
                "steps": { "type": "array", "items": { "properties": { "token": {} } } },
            }),
            json!(["waiting", "paused", "failed"]),
            json!({ "/runs/{id}": get, "/runs/{id}/pause": { "post": { "operationId": "pauseRun" } } }),
        );
        current["components"]["schemas"]["Pause"] = json!({ "type": "object" });

        let shown: Vec<String> =
            between(&previous, &current).iter().map(ToString::to_string).collect();

        assert_eq!(
            shown,
            [
                "schema Pause",
                "property Run.note",
                "property Run.steps",
                "property Run.steps[].token",
                "enum value Status: \"paused\"",
                "operation pauseRun (POST /runs/{id}/pause)",
            ]
        );
        assert!(between(&current, &current).is_empty());
    }

    #[test]
    fn an_enum_of_a_new_property_shows_its_values() {
        let previous = document(json!({}), json!([]), json!({}));
        let current =
            document(json!({ "kind": { "type": "string", "enum": ["a"] } }), json!([]), json!({}));

        let shown: Vec<String> =
            between(&previous, &current).iter().map(ToString::to_string).collect();

        assert_eq!(shown, ["property Run.kind", "enum value Run.kind: \"a\""]);
    }
}
