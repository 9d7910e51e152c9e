//! The document's schemas, judged by a JSON Schema validator.
//!
//! OpenAPI 3.0 schema objects are an extended subset of JSON Schema draft 4:
//! `nullable` is theirs, `$ref`s point into `components`, and `x-` extensions
//! and a few annotations mean nothing to a validator. [`Judge`] translates a
//! schema (and every component it may reach) into plain draft 4 and asks
//! the `jsonschema` crate whether an instance is valid.

use crate::document::Document;
use ei_api::schema::SCHEMA_REF_PREFIX;
use serde_json::{json, Map, Value};

/// Decides whether values are valid for one schema of the document.
#[derive(Debug)]
pub struct Judge {
    validator: jsonschema::Validator,
}

impl Judge {
    /// A judge for `schema`, an OpenAPI schema object of `document`.
    pub fn new(document: &Document, schema: &Value) -> Judge {
        let components: Map<String, Value> = document
            .component_schemas()
            .into_iter()
            .map(|(name, schema)| (name, to_draft4(&schema)))
            .collect();
        let root = json!({
            "allOf": [to_draft4(schema)],
            "components": { "schemas": components },
        });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|error| panic!("the schema does not compile: {error}\n{root:#}"));
        Judge { validator }
    }

    /// `Ok` when `instance` is valid, else every reason it is not.
    pub fn verdict(&self, instance: &Value) -> Result<(), Vec<String>> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(instance)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Whether `instance` is valid.
    pub fn accepts(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }
}

/// Keywords of an OpenAPI schema object that are annotations or extensions,
/// not constraints.
const ANNOTATIONS: &[&str] =
    &["discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated"];

/// Translates one OpenAPI 3.0 schema object into JSON Schema draft 4.
///
/// One assumption is made here, and only here: an `integer` without a
/// `format` is a 64-bit signed integer. The document never bounds its
/// integers, and the vendor's API facts say ids need 64 bits, so the suite
/// judges integers outside that range invalid rather than expect the client
/// to decode arbitrarily large numbers.
pub fn to_draft4(schema: &Value) -> Value {
    let Some(object) = schema.as_object() else { return schema.clone() };
    let mut out = Map::new();
    for (keyword, value) in object {
        if keyword.starts_with("x-") || ANNOTATIONS.contains(&keyword.as_str()) {
            continue;
        }
        if keyword == "nullable" {
            continue;
        }
        let value = match keyword.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, property)| (name.clone(), to_draft4(property)))
                    .collect(),
            ),
            "items" | "not" => to_draft4(value),
            "additionalProperties" if value.is_object() => to_draft4(value),
            "allOf" | "anyOf" | "oneOf" => {
                Value::Array(value.as_array().into_iter().flatten().map(to_draft4).collect())
            }
            "$ref" => {
                let reference = value.as_str().unwrap_or_default();
                assert!(
                    reference.starts_with(SCHEMA_REF_PREFIX),
                    "the suite reads only local schema references, not {reference}"
                );
                value.clone()
            }
            _ => value.clone(),
        };
        out.insert(keyword.clone(), value);
    }
    if out.get("type") == Some(&json!("integer")) && !out.contains_key("format") {
        out.entry("minimum").or_insert(json!(i64::MIN));
        out.entry("maximum").or_insert(json!(i64::MAX));
    }
    let nullable = object.get("nullable") == Some(&Value::Bool(true));
    if !nullable {
        return Value::Object(out);
    }
    match out.get("type").and_then(Value::as_str).map(str::to_owned) {
        Some(kind) if !out.contains_key("$ref") => {
            out.insert("type".into(), json!([kind, "null"]));
            if let Some(Value::Array(values)) = out.get_mut("enum") {
                values.push(Value::Null);
            }
            Value::Object(out)
        }
        _ => json!({ "anyOf": [Value::Object(out), { "type": "null" }] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_types_also_accept_null() {
        let schema = to_draft4(&json!({"type": "string", "nullable": true, "enum": ["a"]}));
        assert_eq!(schema, json!({"type": ["string", "null"], "enum": ["a", null]}));
    }

    #[test]
    fn a_nullable_reference_becomes_any_of_the_reference_or_null() {
        let schema =
            to_draft4(&json!({"allOf": [{"$ref": "#/components/schemas/A"}], "nullable": true}));
        assert_eq!(
            schema,
            json!({"anyOf": [{"allOf": [{"$ref": "#/components/schemas/A"}]}, {"type": "null"}]})
        );
    }

    #[test]
    fn extensions_and_annotations_are_dropped_and_integers_get_64_bit_bounds() {
        let schema = to_draft4(&json!({"type": "integer", "x-ei-known-values": [], "example": 1}));
        assert_eq!(schema, json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}));
    }
}
