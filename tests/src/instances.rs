//! Response bodies built from the document's schemas, and the families of
//! variations the suite serves to the client.
//!
//! [`generate`] fills a schema (every property, or only the required ones)
//! and records a [`Slot`] for each value it placed, with what the schema
//! says about it. The families in [`Family`] then edit those slots: nulls
//! where nullable, values an open enum does not list, integers at the edges
//! of 64 bits, a required property removed, a value of the wrong type. Each
//! family says whether the document should accept what it builds; the
//! suite checks that against a JSON Schema validator too, so a generator
//! bug cannot pass for a client bug.

use crate::document::Document;
use chrono::{DateTime, SecondsFormat};
use ei_api::schema::{Additional, View};
use serde_json::{json, Map, Value};

/// How much of a schema to fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// Every property the schema declares, at every depth.
    Everything,
    /// Only the required properties, at every depth.
    RequiredOnly,
}

/// What the schema says a placed value is.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `integer`.
    Integer,
    /// `number`.
    Number,
    /// `boolean`.
    Boolean,
    /// A `string` with no format the suite knows.
    String,
    /// A `string` with format `date-time`.
    DateTime,
    /// A `string` that lists known values and allows others.
    OpenEnum,
    /// A value that must be one of these.
    ClosedEnum(Vec<Value>),
    /// An `array`.
    Array,
    /// An `object`, with what it says about other properties.
    Object(Additional<Value>),
    /// No constraint at all.
    Any,
}

/// One value [`generate`] placed.
#[derive(Clone, Debug)]
pub struct Slot {
    /// Its JSON pointer in the instance.
    pub pointer: String,
    /// What the schema says it is.
    pub kind: Kind,
    /// Whether `null` is allowed there.
    pub nullable: bool,
    /// Whether it is a property its object requires (`None` when it is not a
    /// property: the root, an array item, a map value).
    pub required: Option<bool>,
}

/// An instance and the slots it is made of.
#[derive(Clone, Debug)]
pub struct Instance {
    /// The JSON value.
    pub value: Value,
    /// Every value placed, parents before children.
    pub slots: Vec<Slot>,
}

/// The date-time every generated instance starts with.
pub const PLAIN_DATE_TIME: &str = "2024-01-02T03:04:05Z";

/// Integers at the edges of what the suite takes an integer to be (64-bit
/// signed; see `json_schema::to_draft4`): beyond 2^53, the largest and
/// smallest, zero and minus one.
pub const EDGE_INTEGERS: &[i64] = &[(1 << 53) + 1, -((1 << 53) + 1), i64::MAX, i64::MIN, 0, -1];

/// Date-times with fractional seconds and offsets, lower-case separators
/// and a leap second: all RFC 3339.
pub const EDGE_DATE_TIMES: &[&str] = &[
    "2024-02-29T23:59:59.123456789+05:30",
    "2023-11-07T05:31:56.5-08:00",
    "1970-01-01T00:00:00.000Z",
    "2024-06-30T12:00:00+00:00",
    "2024-06-30T12:00:00.1-00:30",
    "2024-06-30t12:00:00z",
    "2016-12-31T23:59:60Z",
];

/// A string no enum of the document lists.
pub const UNLISTED_VALUE: &str = "a-value-the-document-does-not-list";

/// The name of a property no object of the document declares.
pub const UNKNOWN_PROPERTY: &str = "aPropertyTheDocumentDoesNotDeclare";

/// Fills `schema` of `document`.
pub fn generate(document: &Document, schema: &Value, fill: Fill) -> Instance {
    let mut slots = Vec::new();
    let value = place(document, schema, fill, String::new(), None, &mut slots, 0);
    Instance { value, slots }
}

fn place(
    document: &Document,
    schema: &Value,
    fill: Fill,
    pointer: String,
    required: Option<bool>,
    slots: &mut Vec<Slot>,
    depth: usize,
) -> Value {
    assert!(depth < 32, "schemas nest too deep at {pointer} (a recursive schema?)");
    let view = View::of(document, schema);
    let index = slots.len();
    slots.push(Slot {
        pointer: pointer.clone(),
        kind: Kind::Any,
        nullable: view.nullable,
        required,
    });
    let (kind, value) = if let Some(values) = view.enumeration {
        let first = values.iter().find(|value| !value.is_null()).cloned().unwrap_or(Value::Null);
        (Kind::ClosedEnum(values.to_vec()), first)
    } else {
        match view.kind {
            Some("integer") => (Kind::Integer, json!(1)),
            Some("number") => (Kind::Number, json!(1.5)),
            Some("boolean") => (Kind::Boolean, json!(true)),
            Some("string") if view.format == Some("date-time") => {
                (Kind::DateTime, json!(PLAIN_DATE_TIME))
            }
            Some("string") => match view.known_values.and_then(|known| known.first()) {
                Some(first) => (Kind::OpenEnum, first.clone()),
                None if view.known_values.is_some() => (Kind::OpenEnum, json!("")),
                None => (Kind::String, json!("text")),
            },
            Some("array") => {
                let any = json!({});
                let items = view.items.unwrap_or(&any);
                let item =
                    place(document, items, fill, format!("{pointer}/0"), None, slots, depth + 1);
                (Kind::Array, json!([item]))
            }
            Some("object") => {
                let mut object = Map::new();
                for (&name, &property) in &view.properties {
                    let is_required = view.required.contains(name);
                    if is_required || fill == Fill::Everything {
                        let child = format!("{pointer}/{}", escape(name));
                        let value = place(
                            document,
                            property,
                            fill,
                            child,
                            Some(is_required),
                            slots,
                            depth + 1,
                        );
                        object.insert(name.to_owned(), value);
                    }
                }
                let free_form = view.properties.is_empty();
                match view.additional {
                    Additional::Schema(values) if fill == Fill::Everything => {
                        let child = format!("{pointer}/{}", escape("key"));
                        let value = place(document, values, fill, child, None, slots, depth + 1);
                        object.insert("key".into(), value);
                    }
                    Additional::Any if free_form && fill == Fill::Everything => {
                        object.insert("anything".into(), json!({"goes": [1, "two", null]}));
                    }
                    _ => {}
                }
                (Kind::Object(view.additional.cloned()), Value::Object(object))
            }
            _ => (Kind::Any, json!({"any": "value"})),
        }
    };
    slots[index].kind = kind;
    value
}

/// Escapes a property name for a JSON pointer.
pub fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// A family of variations built from the generated instances of a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Every property, plain values.
    EveryProperty,
    /// Only the required properties.
    RequiredOnly,
    /// `null` in every place that allows it.
    NullWhereNullable,
    /// An undeclared property in every object that allows one.
    UnknownProperties,
    /// A value no open enum lists, in every open enum.
    UnlistedOpenEnumValues,
    /// Every integer set to each of [`EDGE_INTEGERS`].
    EdgeIntegers,
    /// Every date-time set to each of [`EDGE_DATE_TIMES`].
    EdgeDateTimes,
    /// One required property left out, for each required property.
    MissingRequired,
    /// One value the schema does not allow (another type, `null` where not
    /// nullable, a value a closed enum does not list), for each value.
    WrongType,
}

impl Family {
    /// Every family.
    pub const ALL: &'static [Family] = &[
        Family::EveryProperty,
        Family::RequiredOnly,
        Family::NullWhereNullable,
        Family::UnknownProperties,
        Family::UnlistedOpenEnumValues,
        Family::EdgeIntegers,
        Family::EdgeDateTimes,
        Family::MissingRequired,
        Family::WrongType,
    ];

    /// Whether the document accepts what this family builds.
    pub fn document_accepts(self) -> bool {
        !matches!(self, Family::MissingRequired | Family::WrongType)
    }
}

/// One variation: a value and what was done to build it.
#[derive(Clone, Debug)]
pub struct Variant {
    /// What was changed, for messages.
    pub change: String,
    /// The body.
    pub value: Value,
}

/// The variations of `family` for `schema`.
pub fn variants(document: &Document, schema: &Value, family: Family) -> Vec<Variant> {
    let everything = generate(document, schema, Fill::Everything);
    let base = || everything.value.clone();
    let variant = |change: String, value: Value| Variant { change, value };
    match family {
        Family::EveryProperty => vec![variant("every property".into(), base())],
        Family::RequiredOnly => {
            vec![variant(
                "required properties only".into(),
                generate(document, schema, Fill::RequiredOnly).value,
            )]
        }
        Family::NullWhereNullable => {
            // Nulling a place hides the nullable places inside it, so there is
            // one variant per nesting level: each nullable place is null in
            // exactly one variant, inside parents that are not.
            let nullable: Vec<&Slot> = everything.slots.iter().filter(|s| s.nullable).collect();
            let level = |slot: &Slot| {
                nullable.iter().filter(|outer| is_inside(&slot.pointer, &outer.pointer)).count()
            };
            let Some(deepest) = nullable.iter().map(|slot| level(slot)).max() else {
                return Vec::new();
            };
            (0..=deepest)
                .filter_map(|depth| {
                    let mut value = base();
                    let mut changed = Vec::new();
                    for slot in nullable.iter().filter(|slot| level(slot) == depth) {
                        if let Some(place) = value.pointer_mut(&slot.pointer) {
                            *place = Value::Null;
                            changed.push(slot.pointer.clone());
                        }
                    }
                    (!changed.is_empty())
                        .then(|| variant(format!("null at {}", changed.join(", ")), value))
                })
                .collect()
        }
        Family::UnknownProperties => {
            let mut value = base();
            let mut changed = Vec::new();
            for slot in &everything.slots {
                let extra = match &slot.kind {
                    Kind::Object(Additional::Any) => json!({"nested": [1, null, "x"], "n": 1.5}),
                    Kind::Object(Additional::Schema(values)) => {
                        generate(document, values, Fill::Everything).value
                    }
                    _ => continue,
                };
                if let Some(Value::Object(object)) = value.pointer_mut(&slot.pointer) {
                    object.insert(UNKNOWN_PROPERTY.into(), extra);
                    changed.push(slot.pointer.clone());
                }
            }
            if changed.is_empty() {
                return Vec::new();
            }
            vec![variant(format!("{UNKNOWN_PROPERTY} in {}", changed.join(", ")), value)]
        }
        Family::UnlistedOpenEnumValues => {
            every_slot_set(&everything, |kind| *kind == Kind::OpenEnum, json!(UNLISTED_VALUE))
                .into_iter()
                .collect()
        }
        Family::EdgeIntegers => EDGE_INTEGERS
            .iter()
            .filter_map(|edge| {
                every_slot_set(&everything, |kind| *kind == Kind::Integer, json!(edge))
            })
            .collect(),
        Family::EdgeDateTimes => EDGE_DATE_TIMES
            .iter()
            .filter_map(|edge| {
                every_slot_set(&everything, |kind| *kind == Kind::DateTime, json!(edge))
            })
            .collect(),
        Family::MissingRequired => everything
            .slots
            .iter()
            .filter(|slot| slot.required == Some(true))
            .map(|slot| {
                let mut value = base();
                let (parent, name) = split_pointer(&slot.pointer);
                if let Some(Value::Object(object)) = value.pointer_mut(parent) {
                    object.remove(&unescape(name));
                }
                variant(format!("{} left out", slot.pointer), value)
            })
            .collect(),
        Family::WrongType => everything
            .slots
            .iter()
            .flat_map(|slot| {
                wrong_values(slot).into_iter().map(move |wrong| (slot.pointer.clone(), wrong))
            })
            .map(|(pointer, wrong)| {
                let mut value = base();
                let change = format!("{wrong} at {pointer:?}");
                match value.pointer_mut(&pointer) {
                    Some(place) => *place = wrong,
                    None => panic!("generated slot {pointer} is not in the instance"),
                }
                variant(change, value)
            })
            .collect(),
    }
}

fn every_slot_set(
    instance: &Instance,
    matches: impl Fn(&Kind) -> bool,
    to: Value,
) -> Option<Variant> {
    let mut value = instance.value.clone();
    let mut changed = Vec::new();
    for slot in instance.slots.iter().filter(|slot| matches(&slot.kind)) {
        if let Some(place) = value.pointer_mut(&slot.pointer) {
            *place = to.clone();
            changed.push(slot.pointer.clone());
        }
    }
    (!changed.is_empty())
        .then(|| Variant { change: format!("{to} at {}", changed.join(", ")), value })
}

/// Values of a type the schema does not allow at `slot`.
pub fn wrong_values(slot: &Slot) -> Vec<Value> {
    let mut wrong = match &slot.kind {
        Kind::Integer => vec![json!("1"), json!(1.5)],
        Kind::Number => vec![json!("1.5")],
        Kind::Boolean => vec![json!("true"), json!(1)],
        Kind::String | Kind::OpenEnum => vec![json!(7), json!(["text"])],
        Kind::DateTime => vec![json!(1_700_000_000), json!("yesterday")],
        Kind::ClosedEnum(_) => vec![json!(UNLISTED_VALUE), json!({})],
        Kind::Array => vec![json!({"0": 1})],
        Kind::Object(_) => vec![json!([]), json!("object")],
        Kind::Any => vec![],
    };
    if !slot.nullable && slot.kind != Kind::Any {
        wrong.push(Value::Null);
    }
    wrong
}

/// Whether the place at `pointer` is strictly inside the one at `outer`.
fn is_inside(pointer: &str, outer: &str) -> bool {
    pointer.len() > outer.len()
        && pointer.starts_with(outer)
        && pointer[outer.len()..].starts_with('/')
}

fn split_pointer(pointer: &str) -> (&str, &str) {
    pointer.rsplit_once('/').unwrap_or(("", pointer))
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// What a decoded-and-reencoded body should equal: `value` as the schema
/// sees it. Optional properties that are `null` become absent, properties the
/// schema does not declare are dropped (unless it declares what other
/// properties are, or none at all), and date-times become the same instant
/// in UTC.
pub fn as_the_schema_sees_it(document: &Document, schema: &Value, value: &Value) -> Value {
    let view = View::of(document, schema);
    match value {
        Value::Object(object) if view.is_object() => {
            let free_form = view.properties.is_empty();
            let mut out = Map::new();
            for (name, child) in object {
                if let Some(property) = view.properties.get(name.as_str()) {
                    if child.is_null() && !view.required.contains(name.as_str()) {
                        continue;
                    }
                    out.insert(name.clone(), as_the_schema_sees_it(document, property, child));
                } else if let Additional::Schema(values) = view.additional {
                    out.insert(name.clone(), as_the_schema_sees_it(document, values, child));
                } else if free_form {
                    out.insert(name.clone(), child.clone());
                }
            }
            Value::Object(out)
        }
        Value::Array(items) if view.kind == Some("array") => {
            let any = json!({});
            let schema = view.items.unwrap_or(&any);
            Value::Array(
                items.iter().map(|item| as_the_schema_sees_it(document, schema, item)).collect(),
            )
        }
        Value::String(text) if view.format == Some("date-time") => {
            match DateTime::parse_from_rfc3339(text) {
                Ok(instant) => json!(instant.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true)),
                Err(_) => value.clone(),
            }
        }
        _ => value.clone(),
    }
}
