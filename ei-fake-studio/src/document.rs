//! The corrected OpenAPI document, read to walk a response body alongside
//! its schema: what lets answers use the vendor's date format and lets faults
//! alter any answer in terms of the document (its optional properties, its
//! enums) rather than of one response shape.

use serde_json::{Map, Value};
use std::sync::OnceLock;

/// Where `$ref`s to the document's schemas point.
const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// The document's schemas by name, parsed once per process.
fn schemas() -> &'static Map<String, Value> {
    static SCHEMAS: OnceLock<Map<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let mut document: Value =
            serde_json::from_str(ei_api::CORRECTED_OPENAPI_JSON).expect("ei-api embeds valid JSON");
        match document["components"]["schemas"].take() {
            Value::Object(schemas) => schemas,
            _ => panic!("the corrected document has components.schemas"),
        }
    })
}

/// A property of an object schema, as the walk shows it to a visitor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Property<'a> {
    /// The property's name.
    pub(crate) name: &'a str,
    /// The property's schema, with `$ref` and single-`allOf` wrappers resolved.
    pub(crate) schema: &'a Value,
    /// Whether the property may be absent (it is not `required`).
    pub(crate) optional: bool,
}

/// What [`visit_objects`] calls on each object: the object, and the
/// properties its schema defines.
pub(crate) type Visitor<'v> = dyn FnMut(&mut Map<String, Value>, &[Property<'_>]) + 'v;

/// Calls `visit` on every JSON object in `value` that the schema `schema_name`
/// describes with properties, depth first, parent before children, with the
/// properties its schema defines. Free-form objects (maps) are not visited.
pub(crate) fn visit_objects(value: &mut Value, schema_name: &str, visit: &mut Visitor<'_>) {
    let schema = &schemas()[schema_name];
    walk(value, schema, visit);
}

fn walk(value: &mut Value, schema: &Value, visit: &mut Visitor<'_>) {
    let schema = resolve(schema);
    match value {
        Value::Object(object) => {
            let mut properties = Vec::new();
            collect_properties(schema, &mut properties);
            if properties.is_empty() {
                return;
            }
            visit(object, &properties);
            for property in &properties {
                if let Some(child) = object.get_mut(property.name) {
                    walk(child, property.schema, visit);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    walk(item, item_schema, visit);
                }
            }
        }
        _ => {}
    }
}

/// Follows `$ref`s and the `allOf: [one]` wrappers the corrections put around
/// nullable references.
fn resolve(mut schema: &Value) -> &Value {
    loop {
        if let Some(Value::String(reference)) = schema.get("$ref") {
            let name = reference.strip_prefix(SCHEMA_REF_PREFIX).expect("a local schema reference");
            schema = &schemas()[name];
        } else if let Some(Value::Array(parts)) =
            schema.get("allOf").filter(|_| !has_properties(schema))
        {
            match parts.as_slice() {
                [only] => schema = only,
                _ => return schema,
            }
        } else {
            return schema;
        }
    }
}

fn has_properties(schema: &Value) -> bool {
    schema.get("properties").is_some()
}

/// The properties of an object schema, including those of its `allOf` parts
/// (how the responses extend `GenericApiResponse`).
fn collect_properties<'a>(schema: &'a Value, into: &mut Vec<Property<'a>>) {
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            collect_properties(resolve(part), into);
        }
    }
    let Some(Value::Object(properties)) = schema.get("properties") else { return };
    let required = schema.get("required").and_then(Value::as_array);
    for (name, property_schema) in properties {
        let is_required = required.is_some_and(|names| names.iter().any(|n| n == name.as_str()));
        into.push(Property { name, schema: resolve(property_schema), optional: !is_required });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn visits_nested_objects_through_refs_and_all_of() {
        let mut body = json!({
            "success": true,
            "pipelineRun": {"id": 1, "created": "x", "steps": [{"name": "a", "parameters": {"k": "v"}}]}
        });
        let mut seen = Vec::new();
        visit_objects(&mut body, "RunOrganizationPipelineResponse", &mut |object, properties| {
            let optional = properties.iter().filter(|p| p.optional).count();
            seen.push((object.len(), properties.len(), optional));
        });
        // The response (success, error, pipelineRun), the run, its one step;
        // the step's free-form `parameters` map is not visited.
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0], (2, 3, 1));
        assert_eq!(seen[1].1, 7);
    }
}
