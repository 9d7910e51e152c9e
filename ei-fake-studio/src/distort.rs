//! How faults distort a normal answer, in terms of the corrected document:
//! values its enums do not list, properties it does not define, and `null`
//! for the optional properties the answer leaves out.

use crate::answer::Answer;
use ei_api::schema::{CorrectedSchemas, View};
use serde_json::{json, Value};

/// The unlisted value each kind of enum property gets. Job statuses are left
/// alone, so that a run stays readable.
const UNLISTED_VALUES: [(&str, &str); 4] = [
    ("category", "holdout"),
    ("uploadType", "archive"),
    ("operatesOn", "cluster"),
    ("whenToEmail", "weekly"),
];

/// What [`hostile_text`] puts before every text: clear the screen, retitle
/// the window (OSC 0, ended by a bell), and an 8-bit CSI.
pub(crate) const HOSTILE_PREFIX: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m";
/// What [`hostile_text`] puts after every text: a carriage return that
/// would let the next text overwrite the line, a NUL, and a right-to-left
/// override that would reverse what follows.
pub(crate) const HOSTILE_SUFFIX: &str = "\r\u{0}\u{202e}";
/// How long [`hostile_text`] makes every `name`: past the 65,535 that
/// `format!` accepts as a width or precision.
pub(crate) const HOSTILE_NAME_CHARS: usize = 70_000;

/// The name of the property [`unknown_properties`] adds; the document defines
/// no property of that name anywhere.
const UNKNOWN_PROPERTY: &str = "fakeStudioExtension";

/// Gives every enum property of [`UNLISTED_VALUES`] in `answer` its unlisted value.
pub(crate) fn unlisted_enum_values(answer: &mut Answer) {
    answer.visit_objects(&mut |object, view| {
        let properties = view.property_views(CorrectedSchemas::get());
        for property in properties.filter(|property| is_enum(&property.view)) {
            let unlisted = UNLISTED_VALUES.iter().find(|(name, _)| *name == property.name);
            if let (Some((_, unlisted)), Some(value)) = (unlisted, object.get_mut(property.name)) {
                *value = Value::from(*unlisted);
            }
        }
    });
}

fn is_enum(view: &View<'_>) -> bool {
    view.known_values.is_some()
}

/// Adds [`UNKNOWN_PROPERTY`], itself a nested object, to every object the
/// document describes in `answer`.
pub(crate) fn unknown_properties(answer: &mut Answer) {
    answer.visit_objects(&mut |object, _| {
        let extension =
            json!({"addedIn": "a later API version", "details": {"flags": [1, "two", null]}});
        object.insert(UNKNOWN_PROPERTY.to_owned(), extension);
    });
}

/// Sets every optional property `answer` leaves out to `null`.
pub(crate) fn nulls(answer: &mut Answer) {
    answer.visit_objects(&mut |object, view| {
        for name in view.properties.keys().filter(|name| !view.required.contains(*name)) {
            object.entry(*name).or_insert(Value::Null);
        }
    });
}

/// Wraps every text property of `answer` (a string that is neither a date
/// nor an enum value) in [`HOSTILE_PREFIX`] and [`HOSTILE_SUFFIX`], and pads
/// every `name` to [`HOSTILE_NAME_CHARS`] characters.
pub(crate) fn hostile_text(answer: &mut Answer) {
    answer.visit_objects(&mut |object, view| {
        let properties = view.property_views(CorrectedSchemas::get());
        for property in properties.filter(|property| is_text(&property.view)) {
            let Some(Value::String(text)) = object.get_mut(property.name) else { continue };
            let mut hostile = format!("{HOSTILE_PREFIX}{text}{HOSTILE_SUFFIX}");
            if property.name == "name" {
                let padding = HOSTILE_NAME_CHARS.saturating_sub(hostile.chars().count());
                hostile.extend(std::iter::repeat_n('x', padding));
            }
            *text = hostile;
        }
    });
}

fn is_text(view: &View<'_>) -> bool {
    view.kind == Some("string") && view.format.is_none() && !is_enum(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::built::built;
    use ei_api::types::GenericApiResponse;
    use hyper::StatusCode;

    #[test]
    fn a_generic_answer_gets_a_null_error_and_an_extension() {
        let generic = built::<GenericApiResponse>(GenericApiResponse::builder().success(true));
        let mut answer = Answer::new(StatusCode::OK, &generic);
        nulls(&mut answer);
        unknown_properties(&mut answer);
        assert_eq!(answer.body["error"], Value::Null);
        assert!(answer.body.get("error").is_some());
        assert!(answer.body[UNKNOWN_PROPERTY]["details"].is_object());
    }

    #[test]
    fn hostile_text_reaches_names_and_messages_but_not_dates() {
        let mut answer = Answer::failure(StatusCode::OK, "Pipeline is already running");
        hostile_text(&mut answer);
        let error = answer.body["error"].as_str().unwrap();
        assert!(error.starts_with(HOSTILE_PREFIX) && error.ends_with(HOSTILE_SUFFIX), "{error:?}");
        assert_eq!(answer.body["success"], false);
    }
}
