//! The suite's requests sent to Stoplight Prism, an independent validator
//! of the corrected document: Prism must find no violation in any of them,
//! and the client must decode every answer Prism makes up from the
//! document (its static examples, its generated bodies, its error bodies).
//!
//! `cargo xtask conformance` starts Prism, runs this test with the Prism URL
//! in `EI_PRISM_URL`, and then reads Prism's log for violations too. Run on
//! its own, without that variable, the test fails and says so.

use ei_api::{Client, RequestContext};
use ei_conformance_tests::credentials::{offered_schemes, secret_for};
use ei_conformance_tests::document::Document;
use ei_conformance_tests::operations::{invoker, Outcome, Refusal};
use ei_conformance_tests::request_cases::{all_cases, RequestCase};
use ei_conformance_tests::served::ordinary_arguments;
use reqwest::header::{HeaderMap, HeaderValue};

/// The variable `cargo xtask conformance` passes Prism's URL in.
const PRISM_URL: &str = "EI_PRISM_URL";

/// The path segment that marks the one request meant to break the rules;
/// `cargo xtask conformance` expects Prism's log to report it, and nothing else.
const CANARY: &str = "conformance-canary";

/// Prism's response header listing the violations it found.
const VIOLATIONS_HEADER: &str = "sl-violations";

/// How many generated bodies to decode per operation and credential.
const DYNAMIC_ROUNDS: usize = 4;

fn prism_url() -> String {
    std::env::var(PRISM_URL).unwrap_or_else(|_| {
        panic!(
            "{PRISM_URL} is not set. This test needs Stoplight Prism serving the corrected \
             document: run `cargo xtask conformance`, which starts Prism, runs this test \
             against it and stops it"
        )
    })
}

/// A client of Prism whose every request also carries `prefer` (Prism's way
/// of choosing a response), keeping its context to read the response head.
fn client(
    url: &str,
    credentials: ei_api::Credentials,
    prefer: Option<&str>,
) -> (Client, RequestContext) {
    let mut headers = HeaderMap::new();
    if let Some(prefer) = prefer {
        headers.insert("prefer", HeaderValue::from_str(prefer).expect("a header value"));
    }
    let http = reqwest::Client::builder().default_headers(headers).build().expect("an HTTP client");
    let context = RequestContext::new(credentials);
    (Client::new_with_client(url, http, context.clone()), context)
}

/// Sends `case` with `prefer`, and says what is wrong with the exchange.
async fn exchange(
    url: &str,
    case: &RequestCase,
    scheme: &str,
    make: ei_conformance_tests::credentials::MakeCredential,
    prefer: Option<&str>,
) -> Vec<String> {
    let (client, context) = client(url, make(&secret_for(scheme)).expect("a credential"), prefer);
    let arguments = case.arguments();
    let invoke = invoker(&case.operation.id).expect("an invoker");
    let outcome = invoke(&client, &arguments).await;
    let name =
        format!("{} ({}) with {scheme}, prefer {prefer:?}", case.operation.id, case.description);
    let mut problems: Vec<String> =
        arguments.problems().into_iter().map(|problem| format!("{name}: {problem}")).collect();
    match context.take_response_head() {
        Some(head) => {
            if let Some(violations) = head.headers.get(VIOLATIONS_HEADER) {
                problems.push(format!("{name}: Prism reports {violations:?}"));
            }
            if matches!(head.status.as_u16(), 401 | 422) {
                problems.push(format!("{name}: Prism answered {}", head.status));
            }
        }
        None => problems.push(format!("{name}: no response ({outcome:?})")),
    }
    let wanted_status = prefer
        .and_then(|prefer| prefer.strip_prefix("code="))
        .and_then(|code| code.split(',').next())
        .and_then(|code| code.trim().parse::<u16>().ok())
        .unwrap_or(200);
    let as_expected = match &outcome {
        Outcome::Decoded { status, .. } => (200..300).contains(status) && *status == wanted_status,
        Outcome::Refused(Refusal::ErrorResponse { status, .. }) => *status == wanted_status,
        Outcome::Refused(_) => false,
    };
    if !as_expected {
        problems.push(format!("{name}: expected a decoded {wanted_status}, got {outcome:?}"));
    }
    problems
}

#[tokio::test]
#[ignore = "needs Stoplight Prism: run `cargo xtask conformance`"]
async fn prism_finds_no_violation_in_any_request_and_the_client_decodes_every_answer() {
    let url = prism_url();
    let document = Document::get();

    // First, proof that the server at the URL validates: a request with no
    // credential and a path value of the wrong type must be refused with
    // violations.
    let operation = &document.operations()[0];
    let canary_path = operation
        .path
        .split('/')
        .map(|segment| if segment.starts_with('{') { CANARY } else { segment })
        .collect::<Vec<_>>()
        .join("/");
    let canary = reqwest::Client::new()
        .request(operation.method.parse().expect("a method"), format!("{url}{canary_path}"))
        .send()
        .await
        .expect("the server at EI_PRISM_URL answers");
    assert!(
        matches!(canary.status().as_u16(), 401 | 422)
            && canary.headers().contains_key(VIOLATIONS_HEADER),
        "a request without credentials to {canary_path} got {} with no violations: is the server \
         at {url} Prism validating the corrected document?",
        canary.status()
    );

    let mut problems = Vec::new();
    let schemes = offered_schemes(document);
    assert!(!schemes.is_empty(), "the client offers no credential for the document's schemes");
    for case in all_cases(document) {
        for (scheme, make) in &schemes {
            problems.extend(exchange(&url, &case, scheme, *make, None).await);
        }
    }
    for operation in document.operations() {
        let arguments = ordinary_arguments(document, &operation);
        let ordinary = RequestCase {
            values: arguments.values().clone(),
            body: arguments.body_value().cloned(),
            operation: operation.clone(),
            description: "required parameters only".into(),
        };
        for (scheme, make) in &schemes {
            for _ in 0..DYNAMIC_ROUNDS {
                problems
                    .extend(exchange(&url, &ordinary, scheme, *make, Some("dynamic=true")).await);
            }
            for response in &operation.responses {
                let status = ei_conformance_tests::served::statuses_for(response.status, true);
                for status in status.into_iter().filter(|status| *status != 200) {
                    let prefer = format!("code={status}");
                    problems.extend(exchange(&url, &ordinary, scheme, *make, Some(&prefer)).await);
                }
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}
