//! Every response schema of every operation, filled from the document and
//! varied, is served by httpmock and decoded by the real client. The client
//! must accept exactly what the document accepts: a body the document
//! allows decodes (and re-encodes to the same data); one it does not allow
//! is a typed error, never a panic.

use ei_conformance_tests::document::Document;
use ei_conformance_tests::instances::{as_the_schema_sees_it, variants, Family, Variant};
use ei_conformance_tests::json_schema::Judge;
use ei_conformance_tests::operations::{Outcome, Refusal};
use ei_conformance_tests::served::{call_answered_with, declared_for, statuses_for, Canned};
use httpmock::MockServer;
use serde_json::Value;

/// The vendor's own example of a run response, from its API reference.
const SEED_RUN_RESPONSE: &str = include_str!("../../ei-api/tests/fixtures/seed-run-response.json");

/// Families with at most this many variants per schema are served at every
/// status of a declared range; larger ones at its first status only.
const THOROUGH_UP_TO: usize = 12;

/// Whether `outcome` is what the document says serving `body` at `status`
/// should give.
fn judge_outcome(
    document: &Document,
    schema: &Value,
    status: u16,
    body: &Value,
    outcome: Result<Outcome, String>,
) -> Result<(), String> {
    let outcome = outcome.map_err(|panic| format!("the client panicked: {panic}"))?;
    let accepted = Judge::new(document, schema).verdict(body);
    let expected = || as_the_schema_sees_it(document, schema, body);
    let same_data = |decoded: &Value| {
        let decoded = as_the_schema_sees_it(document, schema, decoded);
        if decoded == expected() {
            Ok(())
        } else {
            Err(format!(
                "decoded to different data:\n  sent    {}\n  decoded {decoded}",
                expected()
            ))
        }
    };
    match (accepted, outcome) {
        (Ok(()), Outcome::Decoded { status: got, body: decoded })
            if (200..300).contains(&status) =>
        {
            assert_eq!(got, status);
            same_data(&decoded)
        }
        (Ok(()), Outcome::Refused(Refusal::ErrorResponse { status: got, body: decoded }))
            if !(200..300).contains(&status) =>
        {
            assert_eq!(got, status);
            same_data(&decoded)
        }
        (Ok(()), outcome) => Err(format!("the document accepts it, the client gave {outcome:?}")),
        (Err(_), Outcome::Refused(Refusal::InvalidResponsePayload(_))) => Ok(()),
        (Err(reasons), outcome) => Err(format!(
            "the document refuses it ({}), the client gave {outcome:?}",
            reasons.join("; ")
        )),
    }
}

/// Serves every variant of `family` for every response schema of every
/// operation and checks each outcome.
async fn serve_family(family: Family) {
    let document = Document::get();
    let server = MockServer::start_async().await;
    let mut failures = Vec::new();
    let mut served = 0;
    for operation in document.operations() {
        for response in &operation.responses {
            let Some(schema) = &response.json_schema else { continue };
            let judge = Judge::new(document, schema);
            let variants = variants(document, schema, family);
            let thorough = variants.len() <= THOROUGH_UP_TO;
            for Variant { change, value } in &variants {
                let what = format!("{} {} with {change}", operation.id, response.status);
                if judge.accepts(value) != family.document_accepts() {
                    failures.push(format!(
                        "{what}: the generator built a body the document {} ({family:?})",
                        if family.document_accepts() { "refuses" } else { "accepts" }
                    ));
                    continue;
                }
                for status in statuses_for(response.status, thorough) {
                    served += 1;
                    let canned = Canned::json(status, value);
                    let outcome = call_answered_with(document, &server, &operation, &canned).await;
                    if let Err(failure) = judge_outcome(document, schema, status, value, outcome) {
                        failures.push(format!("{what} at {status}: {failure}"));
                    }
                }
            }
        }
    }
    eprintln!("{family:?}: served {served} bodies");
    assert!(served > 0, "{family:?}: the document gave nothing to serve");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}

#[tokio::test]
async fn bodies_with_every_property_decode_to_the_same_data() {
    serve_family(Family::EveryProperty).await;
}

#[tokio::test]
async fn bodies_with_only_the_required_properties_decode_to_the_same_data() {
    serve_family(Family::RequiredOnly).await;
}

#[tokio::test]
async fn null_wherever_the_document_allows_it_decodes_as_absent() {
    serve_family(Family::NullWhereNullable).await;
}

#[tokio::test]
async fn properties_the_document_does_not_declare_are_ignored() {
    serve_family(Family::UnknownProperties).await;
}

#[tokio::test]
async fn enum_values_the_document_does_not_list_decode_and_reencode_unchanged() {
    serve_family(Family::UnlistedOpenEnumValues).await;
}

#[tokio::test]
async fn integers_beyond_2_pow_53_and_at_the_64_bit_edges_decode_exactly() {
    serve_family(Family::EdgeIntegers).await;
}

#[tokio::test]
async fn date_times_with_fractional_seconds_and_offsets_decode_to_the_same_instant() {
    serve_family(Family::EdgeDateTimes).await;
}

#[tokio::test]
async fn a_missing_required_property_is_a_typed_error() {
    serve_family(Family::MissingRequired).await;
}

#[tokio::test]
async fn a_value_the_schema_does_not_allow_is_a_typed_error() {
    serve_family(Family::WrongType).await;
}

#[tokio::test]
async fn the_vendors_seed_example_decodes_through_the_client_wherever_the_document_allows_it() {
    let document = Document::get();
    let server = MockServer::start_async().await;
    let seed: Value = serde_json::from_str(SEED_RUN_RESPONSE).expect("the seed is JSON");
    let mut fitting = 0;
    let mut failures = Vec::new();
    for operation in document.operations() {
        for response in &operation.responses {
            let Some(schema) = &response.json_schema else { continue };
            if !Judge::new(document, schema).accepts(&seed) {
                continue;
            }
            fitting += 1;
            for status in statuses_for(response.status, true) {
                let outcome =
                    call_answered_with(document, &server, &operation, &Canned::json(status, &seed))
                        .await;
                if let Err(failure) = judge_outcome(document, schema, status, &seed, outcome) {
                    failures.push(format!("{} {status}: {failure}", operation.id));
                }
            }
        }
    }
    assert!(fitting > 0, "no response schema of the document accepts the vendor's seed example");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Bodies that are not what any schema describes: not JSON, empty, HTML from
/// a proxy, JSON of the wrong shape.
fn foreign_bodies(status: u16) -> Vec<Canned> {
    let text = |content_type, body: &str| Canned { status, content_type, body: body.into() };
    vec![
        text("text/plain", "not json"),
        text("application/json", ""),
        text("text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        text("application/json", "null"),
        text("application/json", "[]"),
        text("application/json", "\"success\""),
        text("application/json", "{\"success\": true"),
        text("application/json", "\u{feff}{\"success\": true}"),
    ]
}

#[tokio::test]
async fn bodies_that_are_not_the_documents_json_are_typed_errors_never_panics() {
    let document = Document::get();
    let server = MockServer::start_async().await;
    let mut failures = Vec::new();
    let mut served = 0;
    for operation in document.operations() {
        let mut statuses: Vec<u16> = operation
            .responses
            .iter()
            .flat_map(|response| statuses_for(response.status, false))
            .collect();
        statuses.push(502);
        statuses.retain(|status| declared_for(&operation, *status).is_some());
        for status in statuses {
            for canned in foreign_bodies(status) {
                served += 1;
                let outcome = call_answered_with(document, &server, &operation, &canned).await;
                if !matches!(outcome, Ok(Outcome::Refused(Refusal::InvalidResponsePayload(_)))) {
                    failures.push(format!(
                        "{} {status} {} {:?}: {outcome:?}",
                        operation.id,
                        canned.content_type,
                        String::from_utf8_lossy(&canned.body)
                    ));
                }
            }
        }
    }
    assert!(served > 0, "no operation declares a status to serve");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn statuses_the_document_does_not_declare_are_unexpected_responses() {
    let document = Document::get();
    let server = MockServer::start_async().await;
    let mut failures = Vec::new();
    let mut served = 0;
    for operation in document.operations() {
        for status in [201, 204, 302, 304] {
            if declared_for(&operation, status).is_some() {
                continue;
            }
            served += 1;
            let canned = Canned::json(status, &serde_json::json!({"success": true}));
            let outcome = call_answered_with(document, &server, &operation, &canned).await;
            if !matches!(outcome, Ok(Outcome::Refused(Refusal::UnexpectedResponse(got))) if got == status)
            {
                failures.push(format!("{} {status}: {outcome:?}", operation.id));
            }
        }
    }
    assert!(served > 0, "the document declares every status tried: this test checks nothing");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
