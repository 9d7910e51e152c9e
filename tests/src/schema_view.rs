//! One flat view of an OpenAPI schema object: `$ref`s followed and `allOf`
//! merged, so that readers see an object's properties and required set in
//! one place whether the schema spells them directly or by composition.
//!
//! It serves both dialects the suite reads: the document's schemas and the
//! ones `schemars` derives for the Rust types (both are OpenAPI 3.0 style).

use crate::document::{Document, SCHEMA_REF_PREFIX};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Where the schemas a `$ref` names live.
pub trait Definitions {
    /// The schema of component `name`.
    fn definition(&self, name: &str) -> Option<&Value>;
}

impl Definitions for Document {
    fn definition(&self, name: &str) -> Option<&Value> {
        self.raw().get("components")?.get("schemas")?.get(name)
    }
}

impl Definitions for BTreeMap<String, Value> {
    fn definition(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl Definitions for serde_json::Map<String, Value> {
    fn definition(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// What an object says about properties it does not list.
#[derive(Clone, Debug, PartialEq)]
pub enum Additional {
    /// Anything goes (absent, or `true`).
    Any,
    /// No other property is allowed (`false`).
    Forbidden,
    /// Other properties must match this schema.
    Schema(Value),
}

/// A schema with references followed and `allOf` merged.
#[derive(Clone, Debug)]
pub struct View {
    /// `type`, or `object` when only properties are given.
    pub kind: Option<String>,
    /// `format`.
    pub format: Option<String>,
    /// Whether `null` is allowed.
    pub nullable: bool,
    /// The declared properties and their (unresolved) schemas.
    pub properties: BTreeMap<String, Value>,
    /// The required property names.
    pub required: BTreeSet<String>,
    /// The schema of array items.
    pub items: Option<Value>,
    /// What other properties may be.
    pub additional: Additional,
    /// `enum`: the only values allowed.
    pub enumeration: Option<Vec<Value>>,
    /// `x-ei-known-values`: the values the document lists for an open enum,
    /// which allows others too.
    pub known_values: Option<Vec<Value>>,
}

/// The component a schema names, when it is nothing but a reference to one
/// (`{$ref}`, or `{allOf: [{$ref}]}` possibly with `nullable` and notes).
pub fn reference_name(schema: &Value) -> Option<&str> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.strip_prefix(SCHEMA_REF_PREFIX);
    }
    let parts = schema.get("allOf")?.as_array()?;
    let constrains = ["type", "properties", "items", "required", "enum"];
    if parts.len() == 1 && !constrains.iter().any(|keyword| schema.get(keyword).is_some()) {
        return reference_name(&parts[0]);
    }
    None
}

impl View {
    /// The flat view of `schema`, resolving references in `definitions`.
    pub fn of(definitions: &dyn Definitions, schema: &Value) -> View {
        View::build(definitions, schema, 0)
    }

    /// Whether this is an object schema.
    pub fn is_object(&self) -> bool {
        self.kind.as_deref() == Some("object")
    }

    fn build(definitions: &dyn Definitions, schema: &Value, depth: usize) -> View {
        assert!(depth < 64, "schema references nest too deep (a cycle?)");
        let own_nullable = schema.get("nullable") == Some(&Value::Bool(true));
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference
                .strip_prefix(SCHEMA_REF_PREFIX)
                .unwrap_or_else(|| panic!("not a component schema reference: {reference}"));
            let target = definitions
                .definition(name)
                .unwrap_or_else(|| panic!("no component schema named {name}"));
            let mut view = View::build(definitions, target, depth + 1);
            view.nullable |= own_nullable;
            return view;
        }
        let mut view = View {
            kind: schema.get("type").and_then(Value::as_str).map(str::to_owned),
            format: schema.get("format").and_then(Value::as_str).map(str::to_owned),
            nullable: own_nullable,
            properties: schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| properties.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            required: schema
                .get("required")
                .and_then(Value::as_array)
                .map(|names| names.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            items: schema.get("items").cloned(),
            additional: match schema.get("additionalProperties") {
                None | Some(Value::Bool(true)) => Additional::Any,
                Some(Value::Bool(false)) => Additional::Forbidden,
                Some(other) => Additional::Schema(other.clone()),
            },
            enumeration: schema.get("enum").and_then(Value::as_array).cloned(),
            known_values: schema.get("x-ei-known-values").and_then(Value::as_array).cloned(),
        };
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let parts: Vec<View> =
                parts.iter().map(|part| View::build(definitions, part, depth + 1)).collect();
            view.nullable |= !parts.is_empty() && parts.iter().all(|part| part.nullable);
            for part in parts {
                view.kind = view.kind.or(part.kind);
                view.format = view.format.or(part.format);
                view.properties.extend(part.properties);
                view.required.extend(part.required);
                view.items = view.items.or(part.items);
                if view.additional == Additional::Any {
                    view.additional = part.additional;
                }
                view.enumeration = view.enumeration.or(part.enumeration);
                view.known_values = view.known_values.or(part.known_values);
            }
        }
        if view.kind.is_none() && !view.properties.is_empty() {
            view.kind = Some("object".into());
        }
        view
    }
}
