//! Whether each component schema of the document and the `schemars` schema
//! of its Rust type say the same: same type and format, same nullability,
//! same property names, same required set, same known enum values, same
//! items and additional properties, recursively; and where both refer to a
//! component, the Rust side refers to that component's Rust type.

use crate::document::Document;
use crate::rust_types::{openapi_generator, rust_type_of, RUST_TYPES};
use ei_api::schema::{reference_name, Additional, Definitions, View};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Formats the Rust side may add where the document gives none: the suite
/// takes an unformatted `integer` to be 64-bit (see `json_schema::to_draft4`),
/// and an unformatted `number` decodes into a 64-bit float, which holds every
/// number a JSON parser accepts (to 16 significant digits).
const REFINEMENTS: &[(&str, &str)] = &[("integer", "int64"), ("number", "double")];

/// Every way the Rust types and the document's components disagree, in words.
pub fn disagreements(document: &Document) -> Vec<String> {
    let mut generator = openapi_generator();
    let mut rust_components = BTreeMap::new();
    for rust in RUST_TYPES {
        let schema = (rust.schema)(&mut generator);
        rust_components
            .insert(rust.component, serde_json::to_value(schema).expect("a schema serializes"));
    }
    let rust_definitions: BTreeMap<String, Value> = generator
        .definitions()
        .iter()
        .map(|(name, schema)| {
            (name.clone(), serde_json::to_value(schema).expect("a schema serializes"))
        })
        .collect();
    let mut comparison = Comparison { document, rust: &rust_definitions, found: Vec::new() };
    for (name, schema) in document.component_schemas() {
        match rust_components.get(name.as_str()) {
            Some(rust) => comparison.compare(&schema, rust, &name, 0),
            None => comparison.found.push(format!("{name}: no Rust type is listed for it")),
        }
    }
    comparison.found
}

struct Comparison<'a> {
    document: &'a Document,
    rust: &'a BTreeMap<String, Value>,
    found: Vec<String>,
}

impl Comparison<'_> {
    fn differ(
        &mut self,
        at: &str,
        what: &str,
        document: impl std::fmt::Debug,
        rust: impl std::fmt::Debug,
    ) {
        self.found
            .push(format!("{at}: {what}: the document says {document:?}, the Rust type {rust:?}"));
    }

    fn compare(&mut self, document: &Value, rust: &Value, at: &str, depth: usize) {
        assert!(depth < 48, "{at}: schemas nest too deep (a cycle?)");
        let doc_view = View::of(self.document as &dyn Definitions, document);
        let rust_view = View::of(self.rust as &dyn Definitions, rust);
        if doc_view.nullable != rust_view.nullable {
            self.differ(at, "nullable", doc_view.nullable, rust_view.nullable);
        }
        if let (Some(doc_ref), Some(rust_ref)) = (reference_name(document), reference_name(rust)) {
            match rust_type_of(doc_ref) {
                Some(expected) if (expected.schema_name)() == rust_ref => {}
                Some(expected) => self.differ(
                    at,
                    "refers to",
                    format!("{doc_ref} (whose Rust type is {})", (expected.schema_name)()),
                    rust_ref,
                ),
                None => {
                    self.differ(at, "refers to a component with no Rust type", doc_ref, rust_ref)
                }
            }
            return;
        }
        if doc_view.kind != rust_view.kind {
            self.differ(at, "type", doc_view.kind, rust_view.kind);
            return;
        }
        let refined = rust_view.format.is_some_and(|format| {
            REFINEMENTS.contains(&(doc_view.kind.unwrap_or_default(), format))
        });
        if doc_view.format != rust_view.format && !(doc_view.format.is_none() && refined) {
            self.differ(at, "format", doc_view.format, rust_view.format);
        }
        if doc_view.known_values != rust_view.known_values {
            self.differ(at, "known values", doc_view.known_values, rust_view.known_values);
        }
        let without_null = |values: Option<&[Value]>| {
            values.map(|values| values.iter().filter(|v| !v.is_null()).cloned().collect::<Vec<_>>())
        };
        if without_null(doc_view.enumeration) != without_null(rust_view.enumeration) {
            self.differ(at, "enum", doc_view.enumeration, rust_view.enumeration);
        }
        let doc_names: BTreeSet<&str> = doc_view.properties.keys().copied().collect();
        let rust_names: BTreeSet<&str> = rust_view.properties.keys().copied().collect();
        if doc_names != rust_names {
            let missing: Vec<_> = doc_names.difference(&rust_names).collect();
            let extra: Vec<_> = rust_names.difference(&doc_names).collect();
            self.differ(
                at,
                "property names",
                format!("also {missing:?}"),
                format!("also {extra:?}"),
            );
        }
        if doc_view.required != rust_view.required {
            self.differ(at, "required", &doc_view.required, &rust_view.required);
        }
        for (name, property) in &doc_view.properties {
            if let Some(rust_property) = rust_view.properties.get(name) {
                self.compare(property, rust_property, &format!("{at}.{name}"), depth + 1);
            }
        }
        match (&doc_view.items, &rust_view.items) {
            (Some(doc_items), Some(rust_items)) => {
                self.compare(doc_items, rust_items, &format!("{at}[]"), depth + 1)
            }
            (None, None) => {}
            (doc_items, rust_items) => self.differ(at, "items", doc_items, rust_items),
        }
        match (doc_view.additional, rust_view.additional) {
            (Additional::Schema(doc_values), Additional::Schema(rust_values)) => {
                self.compare(doc_values, rust_values, &format!("{at}{{*}}"), depth + 1)
            }
            (doc_additional, rust_additional) if doc_additional != rust_additional => {
                self.differ(at, "additional properties", doc_additional, rust_additional)
            }
            _ => {}
        }
    }
}
