//! The one reading of OpenAPI 3.0 schema objects the workspace has (feature
//! `schema`, for tests and the fake Studio): a [`View`] of a schema with its
//! `$ref`s followed and its `allOf` parts merged (which also sees through
//! the single-`allOf` wrappers the corrections put around nullable
//! references), and [`visit_objects`], which walks a JSON body alongside
//! its schema.
//!
//! It reads any dialect that spells schemas this way: the corrected
//! document's ([`CorrectedSchemas`], whose views are built once per
//! process), another document's, or the schemas `schemars` derives for the
//! Rust types ([`Definitions`] says where `$ref`s point).
//!
//! # Panics
//!
//! The schemas are trusted input: a `$ref` to a schema that is not there, or
//! references that nest deeper than [`MAX_REFERENCE_DEPTH`] (a cycle),
//! panic with the reason.

use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

/// Where `$ref`s to component schemas point.
pub const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// How deep references and `allOf` parts may nest in one [`View`]: far more
/// than any document has (the corrected one nests four deep), few enough to
/// stop a reference cycle at once.
pub const MAX_REFERENCE_DEPTH: usize = 64;

/// Where the schemas a `$ref` names live.
pub trait Definitions {
    /// The schema of component `name`.
    fn definition(&self, name: &str) -> Option<&Value>;

    /// A view of `schema` built earlier, if these definitions keep them
    /// ([`View::cached`] reads it; none by default).
    fn cached_view(&self, _schema: &Value) -> Option<&View<'_>> {
        None
    }
}

impl Definitions for Map<String, Value> {
    fn definition(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl Definitions for BTreeMap<String, Value> {
    fn definition(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// The component schemas of the corrected document
/// ([`CORRECTED_OPENAPI_JSON`](crate::CORRECTED_OPENAPI_JSON)), parsed once
/// per process, with a [`View`] of every schema they hold built once too:
/// what walking many bodies (the fake Studio's answers) asks for.
#[derive(Debug)]
pub struct CorrectedSchemas {
    schemas: &'static Map<String, Value>,
    /// Each schema's view, by the schema's address: the schemas live as
    /// long as the process and never move, so an address names one schema.
    views: HashMap<usize, View<'static>>,
}

impl CorrectedSchemas {
    /// The corrected document's schemas and their views.
    ///
    /// # Panics
    ///
    /// Never in practice: the embedded document is read by this crate's
    /// tests (as [`View::of`] otherwise).
    pub fn get() -> &'static CorrectedSchemas {
        static SCHEMAS: OnceLock<Map<String, Value>> = OnceLock::new();
        static CORRECTED: OnceLock<CorrectedSchemas> = OnceLock::new();
        CORRECTED.get_or_init(|| {
            let schemas = SCHEMAS.get_or_init(|| {
                let mut document: Value = serde_json::from_str(crate::CORRECTED_OPENAPI_JSON)
                    .expect("ei-api embeds its document as JSON");
                match document["components"]["schemas"].take() {
                    Value::Object(schemas) => schemas,
                    _ => panic!("the corrected document has components.schemas"),
                }
            });
            let mut views = HashMap::new();
            for schema in schemas.values() {
                view_all(schemas, schema, &mut views);
            }
            CorrectedSchemas { schemas, views }
        })
    }

    /// The schema of component `name`.
    pub fn schema(&self, name: &str) -> Option<&'static Value> {
        self.schemas.get(name)
    }
}

impl Definitions for CorrectedSchemas {
    fn definition(&self, name: &str) -> Option<&Value> {
        self.schema(name)
    }

    fn cached_view(&self, schema: &Value) -> Option<&View<'_>> {
        self.views.get(&address(schema))
    }
}

/// Where `schema` is in memory: its identity among schemas that never move.
fn address(schema: &Value) -> usize {
    std::ptr::from_ref(schema) as usize
}

/// Adds the view of `schema`, and of every schema inside it, to `views`.
fn view_all(
    schemas: &'static Map<String, Value>,
    schema: &'static Value,
    views: &mut HashMap<usize, View<'static>>,
) {
    if views.contains_key(&address(schema)) {
        return;
    }
    views.insert(address(schema), View::of(schemas, schema));
    let properties = schema.get("properties").and_then(Value::as_object);
    let parts = schema.get("allOf").and_then(Value::as_array);
    let inner = properties.into_iter().flat_map(|properties| properties.values());
    let inner = inner.chain(parts.into_iter().flatten());
    let inner = inner.chain(schema.get("items"));
    let inner = inner.chain(schema.get("additionalProperties").filter(|more| more.is_object()));
    for inner in inner {
        view_all(schemas, inner, views);
    }
}

/// What an object schema says about properties it does not list; `S` is
/// how the schema of the others is held (borrowed in a [`View`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Additional<S> {
    /// Anything goes (absent, or `true`).
    Any,
    /// No other property is allowed (`false`).
    Forbidden,
    /// Other properties must match this schema.
    Schema(S),
}

impl Additional<&Value> {
    /// The same, holding a copy of the schema.
    pub fn cloned(self) -> Additional<Value> {
        match self {
            Additional::Any => Additional::Any,
            Additional::Forbidden => Additional::Forbidden,
            Additional::Schema(schema) => Additional::Schema(schema.clone()),
        }
    }
}

/// A schema with its references followed and its `allOf` parts merged, so
/// that an object's properties and required set are in one place whether
/// the schema spells them directly or by composition. It borrows the
/// schemas it was read from.
#[derive(Clone, Debug)]
pub struct View<'a> {
    /// `type`, or `object` when only properties are given.
    pub kind: Option<&'a str>,
    /// `format`.
    pub format: Option<&'a str>,
    /// Whether `null` is allowed.
    pub nullable: bool,
    /// The declared properties and their schemas (references not followed).
    pub properties: BTreeMap<&'a str, &'a Value>,
    /// The required property names.
    pub required: BTreeSet<&'a str>,
    /// The schema of array items.
    pub items: Option<&'a Value>,
    /// What other properties may be.
    pub additional: Additional<&'a Value>,
    /// `enum`: the only values allowed.
    pub enumeration: Option<&'a [Value]>,
    /// `x-ei-known-values`: the values the document lists for an open enum,
    /// which allows others too.
    pub known_values: Option<&'a [Value]>,
}

/// A property of an object schema, as [`View::property_views`] shows it.
#[derive(Clone, Debug)]
pub struct Property<'a> {
    /// The property's name.
    pub name: &'a str,
    /// Its schema's view.
    pub view: Cow<'a, View<'a>>,
    /// Whether the object must have it.
    pub required: bool,
}

impl<'a> View<'a> {
    /// The view of `schema`, resolving references in `definitions`.
    ///
    /// # Panics
    ///
    /// On a reference to a schema `definitions` does not have, or one that
    /// nests deeper than [`MAX_REFERENCE_DEPTH`].
    pub fn of(definitions: &'a dyn Definitions, schema: &'a Value) -> View<'a> {
        View::build(definitions, schema, 0)
    }

    /// The view of `schema` that `definitions` keep, or else a new one
    /// ([`View::of`]).
    pub fn cached(definitions: &'a dyn Definitions, schema: &'a Value) -> Cow<'a, View<'a>> {
        match definitions.cached_view(schema) {
            Some(view) => Cow::Borrowed(view),
            None => Cow::Owned(View::of(definitions, schema)),
        }
    }

    /// Whether this is an object schema.
    pub fn is_object(&self) -> bool {
        self.kind == Some("object")
    }

    /// Each declared property with its view and whether it is required, in
    /// name order.
    pub fn property_views(
        &self,
        definitions: &'a dyn Definitions,
    ) -> impl Iterator<Item = Property<'a>> + '_ {
        self.properties.iter().map(move |(&name, &schema)| Property {
            name,
            view: View::cached(definitions, schema),
            required: self.required.contains(name),
        })
    }

    fn build(definitions: &'a dyn Definitions, schema: &'a Value, depth: usize) -> View<'a> {
        assert!(depth < MAX_REFERENCE_DEPTH, "schema references nest too deep (a cycle?)");
        let own_nullable = schema.get("nullable") == Some(&Value::Bool(true));
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let mut view = View::build(definitions, referenced(definitions, reference), depth + 1);
            view.nullable |= own_nullable;
            return view;
        }
        let names = |keyword| schema.get(keyword).and_then(Value::as_array);
        let mut view = View {
            kind: schema.get("type").and_then(Value::as_str),
            format: schema.get("format").and_then(Value::as_str),
            nullable: own_nullable,
            properties: schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| properties.iter().map(|(k, v)| (k.as_str(), v)).collect())
                .unwrap_or_default(),
            required: names("required")
                .map(|names| names.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default(),
            items: schema.get("items"),
            additional: match schema.get("additionalProperties") {
                None | Some(Value::Bool(true)) => Additional::Any,
                Some(Value::Bool(false)) => Additional::Forbidden,
                Some(other) => Additional::Schema(other),
            },
            enumeration: names("enum").map(Vec::as_slice),
            known_values: names("x-ei-known-values").map(Vec::as_slice),
        };
        if let Some(parts) = names("allOf") {
            let parts: Vec<View<'a>> =
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
            view.kind = Some("object");
        }
        view
    }
}

/// The schema a `$ref` points at.
fn referenced<'a>(definitions: &'a dyn Definitions, reference: &str) -> &'a Value {
    let name = reference
        .strip_prefix(SCHEMA_REF_PREFIX)
        .unwrap_or_else(|| panic!("not a component schema reference: {reference}"));
    definitions.definition(name).unwrap_or_else(|| panic!("no component schema named {name}"))
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

/// Calls `visit` on every JSON object in `value` that `schema` describes
/// with properties, depth first, parent before children, with the object's
/// [`View`] ([`View::cached`]). Free-form objects (maps) are not visited,
/// nor is what they hold.
///
/// # Panics
///
/// As [`View::of`].
pub fn visit_objects<'a>(
    definitions: &'a dyn Definitions,
    schema: &'a Value,
    value: &mut Value,
    visit: &mut dyn FnMut(&mut Map<String, Value>, &View<'a>),
) {
    let view = View::cached(definitions, schema);
    match value {
        Value::Object(object) if !view.properties.is_empty() => {
            visit(object, &view);
            for (name, property) in &view.properties {
                if let Some(child) = object.get_mut(*name) {
                    visit_objects(definitions, property, child, visit);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = view.items {
                for item in items {
                    visit_objects(definitions, item_schema, item, visit);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_view_follows_references_and_merges_all_of_parts() {
        let definitions: Map<String, Value> = serde_json::from_value(json!({
            "Base": {"type": "object", "required": ["success"], "properties": {
                "success": {"type": "boolean"}, "error": {"type": "string"}}},
            "Run": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "Answer": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object",
                "required": ["run"], "properties": {
                    "run": {"allOf": [{"$ref": "#/components/schemas/Run"}], "nullable": true}}}]}
        }))
        .unwrap();
        let answer = View::of(&definitions, &definitions["Answer"]);
        assert!(answer.is_object() && !answer.nullable);
        assert_eq!(
            answer.properties.keys().copied().collect::<Vec<_>>(),
            ["error", "run", "success"]
        );
        assert_eq!(answer.required.iter().copied().collect::<Vec<_>>(), ["run", "success"]);
        let run = View::of(&definitions, answer.properties["run"]);
        assert!(run.nullable && run.properties.contains_key("id"));
        assert_eq!(reference_name(answer.properties["run"]), Some("Run"));
        assert_eq!(reference_name(&definitions["Answer"]), None);
    }

    #[test]
    fn visits_nested_objects_of_the_corrected_document_but_not_maps() {
        let schemas = CorrectedSchemas::get();
        let mut body = json!({
            "success": true,
            "pipelineRun": {"id": 1, "created": "x", "steps": [{"name": "a", "parameters": {"k": "v"}}]}
        });
        let mut seen = Vec::new();
        let schema = schemas.schema("RunOrganizationPipelineResponse").unwrap();
        visit_objects(schemas, schema, &mut body, &mut |object, view| {
            let optional = view.properties.keys().filter(|name| !view.required.contains(*name));
            seen.push((object.len(), view.properties.len(), optional.count()));
        });
        // The response (success, error, pipelineRun), the run, its one step;
        // the step's free-form `parameters` map is not visited.
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0], (2, 3, 1));
        assert_eq!(seen[1].1, 7);
    }

    #[test]
    fn property_views_tell_dates_open_enums_and_optional_properties_apart() {
        let schemas = CorrectedSchemas::get();
        let pipeline = View::of(schemas, schemas.schema("OrganizationPipeline").unwrap());
        let properties: BTreeMap<&str, Property<'_>> =
            pipeline.property_views(schemas).map(|property| (property.name, property)).collect();
        let created = &properties["created"];
        assert!(created.required && created.view.format == Some("date-time"));
        let when_to_email = properties["whenToEmail"].view.known_values.unwrap_or_default();
        assert!(when_to_email.contains(&json!("always")), "{when_to_email:?}");
        let name = &properties["name"].view;
        assert!(name.kind == Some("string") && name.known_values.is_none());
        let current_run = &properties["currentRun"];
        assert!(!current_run.required && current_run.view.nullable && current_run.view.is_object());
    }

    #[test]
    fn the_corrected_schemas_keep_a_view_of_every_schema_they_hold() {
        let schemas = CorrectedSchemas::get();
        let run = schemas.schema("OrganizationPipelineRun").unwrap();
        let kept = View::cached(schemas, run);
        assert!(matches!(kept, Cow::Borrowed(_)));
        let fresh = View::of(schemas, run);
        assert_eq!(kept.properties, fresh.properties);
        assert_eq!(kept.required, fresh.required);
        for property in kept.property_views(schemas) {
            assert!(matches!(property.view, Cow::Borrowed(_)), "{}", property.name);
        }
        let elsewhere = json!({"type": "string"});
        assert!(matches!(View::cached(schemas, &elsewhere), Cow::Owned(_)));
    }
}
