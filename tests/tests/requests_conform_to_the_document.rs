//! Every request the client sends, for every operation, every parameter at
//! every edge value (and absent), and every credential, is recorded on the
//! wire and checked against the document's own rules.

use ei_api::{Client, RequestContext};
use ei_conformance_tests::credentials::{
    offered_for, offered_schemes, secret_for, NOT_OFFERED, OFFERED,
};
use ei_conformance_tests::document::{Document, Location, StatusKey};
use ei_conformance_tests::instances::{generate, Fill};
use ei_conformance_tests::operations::{invoker, Arguments, Outcome, Refusal, INVOKERS};
use ei_conformance_tests::request_cases::{all_cases, RequestCase};
use ei_conformance_tests::request_rules::{check, Checked};
use ei_conformance_tests::served::ordinary_arguments;
use ei_conformance_tests::wire::{RecordedRequest, Recorder};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// One call made through the client, and what arrived on the wire.
#[derive(Debug)]
struct Recording {
    case: RequestCase,
    scheme: String,
    secret: String,
    problems: Vec<String>,
    outcome: Outcome,
    requests: Vec<RecordedRequest>,
}

impl Recording {
    fn name(&self) -> String {
        format!("{} ({}) with {}", self.case.operation.id, self.case.description, self.scheme)
    }

    /// The one request the call sent, checked.
    fn checked(&self) -> Result<Checked, String> {
        match self.requests.as_slice() {
            [request] => Ok(check(Document::get(), request)),
            requests => Err(format!("{}: sent {} requests, not one", self.name(), requests.len())),
        }
    }
}

/// Every case with every credential the client offers, made once for all
/// the tests of this file.
fn recordings() -> &'static [Recording] {
    static RECORDINGS: OnceLock<Vec<Recording>> = OnceLock::new();
    RECORDINGS.get_or_init(|| {
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        runtime.block_on(record_every_case())
    })
}

async fn record_every_case() -> Vec<Recording> {
    let document = Document::get();
    let recorder = Recorder::start().await;
    let mut recordings = Vec::new();
    for case in all_cases(document) {
        let success = case
            .operation
            .responses
            .iter()
            .find(|response| matches!(response.status, StatusKey::Code(200..=299)))
            .and_then(|response| response.json_schema.as_ref())
            .map(|schema| generate(document, schema, Fill::Everything).value)
            .unwrap_or(json!({}));
        recorder.answer(200, &success);
        for (scheme, make) in offered_schemes(document) {
            let secret = secret_for(&scheme);
            let client = Client::new(
                recorder.base_url(),
                RequestContext::new(make(&secret).expect("a test credential is usable")),
            );
            let arguments = case.arguments();
            let invoke = invoker(&case.operation.id)
                .unwrap_or_else(|| panic!("no invoker for {}", case.operation.id));
            let outcome = invoke(&client, &arguments).await;
            recordings.push(Recording {
                case: case.clone(),
                scheme,
                secret,
                problems: arguments.problems(),
                outcome,
                requests: recorder.take(),
            });
        }
    }
    recordings
}

fn assert_none(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_operation_of_the_document_has_an_invoker_and_every_invoker_an_operation() {
    let document: BTreeSet<String> =
        Document::get().operations().into_iter().map(|operation| operation.id).collect();
    let invokers: BTreeSet<String> =
        INVOKERS.iter().map(|(operation, _)| operation.operation_id().to_owned()).collect();
    assert_eq!(document, invokers, "the document's operations and the suite's invokers differ");
}

#[test]
fn every_security_scheme_is_offered_by_the_client_or_named_as_not_offered() {
    let schemes = Document::get().security_schemes();
    let mut failures = Vec::new();
    for name in schemes.keys() {
        let offered = offered_for(name).is_some();
        let excused = NOT_OFFERED.iter().any(|(excused, _)| excused == name);
        if offered == excused {
            failures
                .push(format!("scheme {name}: offered {offered}, named as not offered {excused}"));
        }
    }
    for make in OFFERED {
        let name = make("probe").expect("a usable credential").scheme_name();
        if !schemes.contains_key(name) {
            failures.push(format!("the client offers scheme {name}, which the document lacks"));
        }
    }
    for (name, _) in NOT_OFFERED {
        if !schemes.contains_key(*name) {
            failures.push(format!("{name} is named as not offered but the document lacks it"));
        }
    }
    assert_none(failures);
}

#[test]
fn every_request_matches_its_operation_and_breaks_none_of_the_documents_rules() {
    let mut failures = Vec::new();
    for recording in recordings() {
        match recording.checked() {
            Ok(checked) => {
                for violation in &checked.violations {
                    failures.push(format!("{}: {violation}", recording.name()));
                }
                if checked.operation_id.as_deref() != Some(recording.case.operation.id.as_str()) {
                    failures.push(format!(
                        "{}: the request matches operation {:?}",
                        recording.name(),
                        checked.operation_id
                    ));
                }
            }
            Err(failure) => failures.push(failure),
        }
    }
    assert!(!recordings().is_empty(), "no request was made");
    assert_none(failures);
}

#[test]
fn every_parameter_arrives_with_the_value_it_was_given_and_absent_ones_stay_absent() {
    let mut failures = Vec::new();
    for recording in recordings() {
        for problem in &recording.problems {
            failures.push(format!("{}: {problem}", recording.name()));
        }
        let Ok(checked) = recording.checked() else { continue };
        for ((_, name), value) in &checked.parameters {
            match recording.case.values.get(name) {
                Some(given) if given == value => {}
                Some(given) => failures.push(format!(
                    "{}: {name} was given {given} and arrived as {value}",
                    recording.name()
                )),
                None => failures.push(format!(
                    "{}: {name} was not given but arrived as {value}",
                    recording.name()
                )),
            }
        }
        for name in recording.case.values.keys() {
            if !checked.parameters.keys().any(|(_, arrived)| arrived == name) {
                failures.push(format!("{}: {name} was given but never arrived", recording.name()));
            }
        }
    }
    assert_none(failures);
}

#[test]
fn every_credential_travels_as_the_scheme_it_claims_and_alone() {
    let mut failures = Vec::new();
    let mut schemes_seen = BTreeSet::new();
    for recording in recordings() {
        let Ok(checked) = recording.checked() else { continue };
        schemes_seen.insert(recording.scheme.clone());
        let expected = [(recording.scheme.clone(), recording.secret.clone())].into();
        if checked.credentials != expected {
            failures.push(format!(
                "{}: the request carries credentials {:?}, expected only {expected:?}",
                recording.name(),
                checked.credentials
            ));
        }
    }
    let offered: BTreeSet<String> =
        offered_schemes(Document::get()).into_iter().map(|(name, _)| name).collect();
    assert_eq!(schemes_seen, offered, "not every offered scheme was tried");
    assert_none(failures);
}

#[test]
fn every_call_answered_with_a_valid_body_decodes() {
    let mut failures = Vec::new();
    for recording in recordings() {
        if !matches!(recording.outcome, Outcome::Decoded { status: 200, .. }) {
            failures.push(format!("{}: {:?}", recording.name(), recording.outcome));
        }
    }
    assert_none(failures);
}

#[tokio::test]
async fn leaving_out_a_required_parameter_is_refused_before_anything_is_sent() {
    let document = Document::get();
    let recorder = Recorder::start().await;
    let client = ei_conformance_tests::served::client_of(document, recorder.base_url());
    let mut failures = Vec::new();
    let mut tried = 0;
    for operation in document.operations() {
        for required in operation.parameters.iter().filter(|parameter| parameter.required) {
            tried += 1;
            let ordinary = ordinary_arguments(document, &operation);
            let mut values = ordinary.values().clone();
            values.remove(&required.name);
            let arguments =
                Arguments::new(&operation, values).with_body(ordinary.body_value().cloned());
            let invoke = invoker(&operation.id).expect("an invoker");
            let outcome = invoke(&client, &arguments).await;
            if !matches!(outcome, Outcome::Refused(Refusal::InvalidRequest(_))) {
                failures.push(format!("{} without {}: {outcome:?}", operation.id, required.name));
            }
            let sent = recorder.take();
            if !sent.is_empty() {
                failures.push(format!("{} without {}: sent {sent:?}", operation.id, required.name));
            }
        }
    }
    assert!(tried > 0, "the document requires no parameter anywhere: nothing to leave out");
    assert_none(failures);
}

/// The rules must be able to fail: each way of breaking a conforming
/// request is caught.
#[test]
fn the_request_rules_catch_every_kind_of_breach() {
    let document = Document::get();
    let good = recordings()
        .iter()
        .find(|recording| {
            recording.case.description == "every parameter"
                && recording.case.operation.parameters.iter().any(|p| p.location == Location::Query)
        })
        .expect("a recorded call with a query parameter");
    let request = good.requests[0].clone();
    assert_eq!(check(document, &request).violations, Vec::<String>::new());
    let path_parameter = good
        .case
        .operation
        .parameters
        .iter()
        .find(|p| p.location == Location::Path)
        .expect("a path parameter");
    let query = request.query().expect("a query string").to_owned();
    let path = request.path().to_owned();
    let breaches: Vec<(&str, RecordedRequest)> = vec![
        ("another method", RecordedRequest { method: "PATCH".into(), ..request.clone() }),
        ("a renamed query parameter", {
            let (name, value) = query.split_once('=').expect("name=value");
            let target = format!("{path}?{name}Renamed={value}");
            RecordedRequest { target, ..request.clone() }
        }),
        ("a query value of the wrong type", {
            let (name, _) = query.split_once('=').expect("name=value");
            RecordedRequest { target: format!("{path}?{name}=maybe"), ..request.clone() }
        }),
        ("a path value of the wrong type", {
            let segment = format!("/{}/", good.case.values[&path_parameter.name]);
            let target = request.target.replacen(&segment, "/not-a-number/", 1);
            RecordedRequest { target, ..request.clone() }
        }),
        ("no credential", {
            let headers = request
                .headers
                .iter()
                .filter(|(_, value)| !value.contains(&good.secret))
                .cloned()
                .collect();
            RecordedRequest { headers, ..request.clone() }
        }),
        ("an undeclared header", {
            let mut headers = request.headers.clone();
            headers.push(("x-api-keys".into(), good.secret.clone()));
            RecordedRequest { headers, ..request.clone() }
        }),
        (
            "a body where none is defined",
            RecordedRequest { body: b"{}".to_vec(), ..request.clone() },
        ),
        ("another api-version", {
            let mut headers = request.headers.clone();
            for (name, value) in &mut headers {
                if name == "api-version" {
                    *value = "0.0.1".into();
                }
            }
            RecordedRequest { headers, ..request.clone() }
        }),
        ("an Accept no response has", {
            let mut headers = request.headers.clone();
            for (name, value) in &mut headers {
                if name == "accept" {
                    *value = "text/html".into();
                }
            }
            RecordedRequest { headers, ..request.clone() }
        }),
    ];
    let missed: Vec<&str> = breaches
        .iter()
        .filter(|(_, breach)| check(document, breach).violations.is_empty())
        .map(|(what, _)| *what)
        .collect();
    assert!(missed.is_empty(), "the rules let these through: {missed:?}");
}
