//! How faults distort a normal answer, in terms of the corrected document:
//! values its enums do not list, properties it does not define, and `null`
//! for the optional properties the answer leaves out.

use crate::answer::Answer;
use crate::document::{self, Property};
use serde_json::{json, Value};

/// The unlisted value each kind of enum property gets. Job statuses are left
/// alone, so that a run stays readable.
const UNLISTED_VALUES: [(&str, &str); 4] = [
    ("category", "holdout"),
    ("uploadType", "archive"),
    ("operatesOn", "cluster"),
    ("whenToEmail", "weekly"),
];

/// The name of the property [`unknown_properties`] adds; the document defines
/// no property of that name anywhere.
const UNKNOWN_PROPERTY: &str = "fakeStudioExtension";

/// Gives every enum property of [`UNLISTED_VALUES`] in `answer` its unlisted value.
pub(crate) fn unlisted_enum_values(answer: &mut Answer) {
    document::visit_objects(&mut answer.body, answer.schema, &mut |object, properties| {
        for property in properties.iter().filter(|property| is_enum(property)) {
            let unlisted = UNLISTED_VALUES.iter().find(|(name, _)| *name == property.name);
            if let (Some((_, unlisted)), Some(value)) = (unlisted, object.get_mut(property.name)) {
                *value = Value::from(*unlisted);
            }
        }
    });
}

fn is_enum(property: &Property<'_>) -> bool {
    property.schema.get("x-ei-known-values").is_some()
}

/// Adds [`UNKNOWN_PROPERTY`], itself a nested object, to every object the
/// document describes in `answer`.
pub(crate) fn unknown_properties(answer: &mut Answer) {
    document::visit_objects(&mut answer.body, answer.schema, &mut |object, _| {
        let extension =
            json!({"addedIn": "a later API version", "details": {"flags": [1, "two", null]}});
        object.insert(UNKNOWN_PROPERTY.to_owned(), extension);
    });
}

/// Sets every optional property `answer` leaves out to `null`.
pub(crate) fn nulls(answer: &mut Answer) {
    document::visit_objects(&mut answer.body, answer.schema, &mut |object, properties| {
        for property in properties.iter().filter(|property| property.optional) {
            object.entry(property.name).or_insert(Value::Null);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ei_api::types::GenericApiResponse;
    use hyper::StatusCode;

    #[test]
    fn a_generic_answer_gets_a_null_error_and_an_extension() {
        let mut answer =
            Answer::new(StatusCode::OK, &GenericApiResponse { success: true, error: None });
        nulls(&mut answer);
        unknown_properties(&mut answer);
        assert_eq!(answer.body["error"], Value::Null);
        assert!(answer.body.get("error").is_some());
        assert!(answer.body[UNKNOWN_PROPERTY]["details"].is_object());
    }
}
