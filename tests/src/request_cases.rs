//! The calls the suite makes: every operation with its required parameters,
//! with all of them, and with each parameter at each edge value its schema
//! allows, all read from the document; an operation with a body sends one
//! generated from the body's schema (every property with every parameter,
//! the required ones otherwise).

use crate::document::{is_json, DeclaredOperation, Document};
use crate::instances::{generate, Fill, EDGE_INTEGERS};
use crate::json_schema::Judge;
use crate::operations::Arguments;
use ei_api::schema::View;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One call to make.
#[derive(Clone, Debug)]
pub struct RequestCase {
    /// The operation.
    pub operation: DeclaredOperation,
    /// The parameter values, by the document's names.
    pub values: BTreeMap<String, Value>,
    /// The request body, when the operation declares one.
    pub body: Option<Value>,
    /// What the case is, for messages.
    pub description: String,
}

/// Values at the edges of what `schema` allows (for integers, of 64 bits),
/// less any the schema refuses (a `minimum`, say).
pub fn edge_values(document: &Document, schema: &Value) -> Vec<Value> {
    let judge = Judge::new(document, schema);
    let mut values = candidates(document, schema);
    values.retain(|value| judge.accepts(value));
    assert!(!values.is_empty(), "the schema {schema} allows none of the edge values tried");
    values
}

fn candidates(document: &Document, schema: &Value) -> Vec<Value> {
    let view = View::of(document, schema);
    if let Some(values) = view.enumeration {
        return values.iter().filter(|value| !value.is_null()).cloned().collect();
    }
    match view.kind {
        Some("integer") => {
            let mut values: Vec<Value> = EDGE_INTEGERS.iter().map(|n| json!(n)).collect();
            values.push(json!(1));
            values
        }
        Some("number") => vec![json!(0.0), json!(-1.5), json!(1e300)],
        Some("boolean") => vec![json!(true), json!(false)],
        Some("string") => match view.known_values {
            Some(known) => known.to_vec(),
            None => vec![json!("plain"), json!("with space/and?&=#%+"), json!("ünïcødé ✓")],
        },
        other => panic!("no edge values for a parameter of type {other:?}"),
    }
}

/// An ordinary value for `schema`.
pub fn ordinary_value(document: &Document, schema: &Value) -> Value {
    let edges = edge_values(document, schema);
    let view = View::of(document, schema);
    match view.kind {
        Some("integer") => json!(1),
        _ => edges.into_iter().next().unwrap_or(Value::Null),
    }
}

impl RequestCase {
    /// The arguments to call the client with.
    pub fn arguments(&self) -> Arguments {
        Arguments::new(&self.operation, self.values.clone()).with_body(self.body.clone())
    }
}

/// A body for `operation`, filled as `fill` says from the schema of its
/// JSON body, when it declares one.
pub fn body_for(document: &Document, operation: &DeclaredOperation, fill: Fill) -> Option<Value> {
    let body = operation.body.as_ref()?;
    let schema =
        body.content.iter().find(|(media, _)| is_json(media)).and_then(|(_, s)| s.as_ref());
    let schema =
        schema.unwrap_or_else(|| panic!("{} has a body with no JSON schema", operation.id));
    Some(generate(document, schema, fill).value)
}

/// Every call to make for `operation`.
pub fn cases_for(document: &Document, operation: &DeclaredOperation) -> Vec<RequestCase> {
    let ordinary = |required_only: bool| -> BTreeMap<String, Value> {
        operation
            .parameters
            .iter()
            .filter(|parameter| parameter.required || !required_only)
            .map(|parameter| (parameter.name.clone(), ordinary_value(document, &parameter.schema)))
            .collect()
    };
    let case = |values: BTreeMap<String, Value>, fill: Fill, description: String| RequestCase {
        operation: operation.clone(),
        values,
        body: body_for(document, operation, fill),
        description,
    };
    let mut cases = vec![
        case(ordinary(true), Fill::RequiredOnly, "required parameters only".into()),
        case(ordinary(false), Fill::Everything, "every parameter".into()),
    ];
    for parameter in &operation.parameters {
        for value in edge_values(document, &parameter.schema) {
            let mut values = ordinary(true);
            let description = format!("{} = {value}", parameter.name);
            values.insert(parameter.name.clone(), value);
            cases.push(case(values, Fill::RequiredOnly, description));
        }
    }
    cases
}

/// Every call to make, for every operation.
pub fn all_cases(document: &Document) -> Vec<RequestCase> {
    document.operations().iter().flat_map(|operation| cases_for(document, operation)).collect()
}
