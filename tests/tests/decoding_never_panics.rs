//! Arbitrary bytes and arbitrary JSON never make decoding panic, for every
//! response type of the document; and a valid body with one value replaced
//! by arbitrary JSON decodes exactly when the document accepts it (save
//! serde's one leniency: an object's fields given as an array, in order).

use ei_api::schema::reference_name;
use ei_conformance_tests::document::Document;
use ei_conformance_tests::instances::{generate, Fill, Instance};
use ei_conformance_tests::json_schema::Judge;
use ei_conformance_tests::operations::{Outcome, Refusal};
use ei_conformance_tests::rust_types::{rust_type_of, RustType};
use ei_conformance_tests::served::{call_answered_with, statuses_for, Canned};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// A response schema of the document, with its Rust type, judge and a
/// valid instance.
struct ResponseBody {
    what: String,
    rust: &'static RustType,
    judge: Judge,
    instance: Instance,
}

/// Every distinct response schema of the document.
fn response_bodies() -> &'static [ResponseBody] {
    static BODIES: OnceLock<Vec<ResponseBody>> = OnceLock::new();
    BODIES.get_or_init(|| {
        let document = Document::get();
        let mut seen = BTreeSet::new();
        let mut bodies = Vec::new();
        for operation in document.operations() {
            for response in &operation.responses {
                let Some(schema) = &response.json_schema else { continue };
                let component = reference_name(schema).unwrap_or_else(|| {
                    panic!(
                        "{} {}: an inline response schema has no Rust type",
                        operation.id, response.status
                    )
                });
                if !seen.insert(component.to_owned()) {
                    continue;
                }
                let rust = rust_type_of(component)
                    .unwrap_or_else(|| panic!("no Rust type is listed for {component}"));
                bodies.push(ResponseBody {
                    what: component.to_owned(),
                    rust,
                    judge: Judge::new(document, schema),
                    instance: generate(document, schema, Fill::Everything),
                });
            }
        }
        assert!(!bodies.is_empty(), "the document declares no JSON response");
        bodies
    })
}

/// Every property name the document uses, so that arbitrary objects look
/// like the API's often enough to go deep.
fn property_names() -> Vec<String> {
    let mut names = BTreeSet::new();
    collect_property_names(Document::get().raw(), &mut names);
    names.into_iter().collect()
}

fn collect_property_names(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Object(properties)) = object.get("properties") {
                names.extend(properties.keys().cloned());
            }
            object.values().for_each(|value| collect_property_names(value, names));
        }
        Value::Array(items) => items.iter().for_each(|item| collect_property_names(item, names)),
        _ => {}
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON numbers are finite", |n| n.is_finite()).prop_map(Value::from),
        any::<i32>().prop_map(|n| Value::from(f64::from(n))),
        ".{0,24}".prop_map(Value::from),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})"
            .prop_map(Value::from),
    ];
    let keys = prop_oneof![select(property_names()), ".{0,12}"];
    leaf.prop_recursive(5, 96, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..10)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_make_decoding_any_response_type_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        for body in response_bodies() {
            let _ = (body.rust.decode)(&bytes);
        }
    }

    #[test]
    fn arbitrary_json_never_makes_decoding_any_response_type_panic(value in arbitrary_json()) {
        let bytes = serde_json::to_vec(&value).expect("JSON serializes");
        for body in response_bodies() {
            let _ = (body.rust.decode)(&bytes);
        }
    }

    #[test]
    fn a_valid_body_with_one_value_replaced_decodes_exactly_when_the_document_accepts_it(
        which in any::<prop::sample::Index>(),
        slot in any::<prop::sample::Index>(),
        replacement in arbitrary_json(),
    ) {
        let body = which.get(response_bodies());
        let slot = slot.get(&body.instance.slots);
        let mut value = body.instance.value.clone();
        let was_object = value.pointer(&slot.pointer).is_some_and(Value::is_object);
        // serde's derived structs also read an array of their fields, in
        // order: a leniency the document does not have. There, only what the
        // document accepts must decode.
        let lenient = was_object && replacement.is_array();
        *value.pointer_mut(&slot.pointer).expect("the slot is in the instance") = replacement;
        let bytes = serde_json::to_vec(&value).expect("JSON serializes");
        let decoded = (body.rust.decode)(&bytes);
        let accepted = body.judge.verdict(&value);
        if lenient {
            prop_assert!(
                accepted.is_err() || decoded.is_ok(),
                "{} with {} replaced: the document accepts it, decoding says {:?}",
                body.what, slot.pointer, decoded.err().map(|e| e.to_string())
            );
            return Ok(());
        }
        prop_assert_eq!(
            decoded.is_ok(),
            accepted.is_ok(),
            "{} with {} replaced: decoding says {:?}, the document says {:?}",
            body.what, slot.pointer, decoded.err().map(|e| e.to_string()), accepted.err()
        );
    }
}

proptest! {
    // Each case is a round trip through httpmock, so fewer of them.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_served_to_the_client_are_decoded_or_a_typed_error_never_a_panic(
        operation in any::<prop::sample::Index>(),
        response in any::<prop::sample::Index>(),
        bytes in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let document = Document::get();
        let operation = operation.get(&document.operations()).clone();
        let response = response.get(&operation.responses).clone();
        let status = statuses_for(response.status, false)[0];
        let canned = Canned { status, content_type: "application/json", body: bytes };
        let outcome = runtime().block_on(async {
            let server = httpmock::MockServer::start_async().await;
            call_answered_with(document, &server, &operation, &canned).await
        });
        let typed = matches!(
            outcome,
            Ok(Outcome::Decoded { .. })
                | Ok(Outcome::Refused(Refusal::ErrorResponse { .. }))
                | Ok(Outcome::Refused(Refusal::InvalidResponsePayload(_)))
        );
        prop_assert!(typed, "{} {}: {:?}", operation.id, status, outcome);
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().expect("a tokio runtime"))
}
