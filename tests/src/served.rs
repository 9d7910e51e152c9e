//! Serving a response body with httpmock and taking it through the real
//! client, with a panic reported rather than unwound through the suite.

use crate::credentials::{offered_schemes, secret_for};
use crate::document::{DeclaredOperation, Document, StatusKey};
use crate::instances::Fill;
use crate::operations::{invoker, Arguments, Outcome};
use crate::request_cases::{body_for, ordinary_value};
use ei_api::{Client, RequestContext};
use httpmock::MockServer;
use std::collections::BTreeMap;

/// A canned HTTP response.
#[derive(Clone, Debug)]
pub struct Canned {
    /// The status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Canned {
    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Canned {
        Canned {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(body).expect("JSON serializes"),
        }
    }
}

/// A client of `server`, authenticated with the first credential the client
/// offers for the document's schemes.
pub fn client_of(document: &Document, base_url: &str) -> Client {
    let (scheme, make) = offered_schemes(document)
        .into_iter()
        .next()
        .expect("the client offers a credential for at least one of the document's schemes");
    let credentials = make(&secret_for(&scheme)).expect("a test credential is usable");
    Client::new(base_url, RequestContext::new(credentials))
}

/// Ordinary values for the required parameters of `operation`, and its
/// body's required properties when it has one.
pub fn ordinary_arguments(document: &Document, operation: &DeclaredOperation) -> Arguments {
    let values: BTreeMap<_, _> = operation
        .parameters
        .iter()
        .filter(|parameter| parameter.required)
        .map(|parameter| (parameter.name.clone(), ordinary_value(document, &parameter.schema)))
        .collect();
    Arguments::new(operation, values).with_body(body_for(document, operation, Fill::RequiredOnly))
}

/// Answers the next call with `canned`, calls `operation` through the
/// client, and returns how the call ended, or the panic's message if it
/// panicked.
pub async fn call_answered_with(
    document: &'static Document,
    server: &MockServer,
    operation: &DeclaredOperation,
    canned: &Canned,
) -> Result<Outcome, String> {
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(canned.status)
                .header("content-type", canned.content_type)
                .body(canned.body.clone());
        })
        .await;
    let invoke = invoker(&operation.id)
        .unwrap_or_else(|| panic!("no invoker for operation {}", operation.id));
    let client = client_of(document, &server.base_url());
    let arguments = ordinary_arguments(document, operation);
    let outcome = tokio::spawn(async move { invoke(&client, &arguments).await }).await;
    mock.delete_async().await;
    outcome.map_err(|error| match error.try_into_panic() {
        Ok(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|text| (*text).to_owned()))
            .unwrap_or_else(|| "a panic with no message".into()),
        Err(error) => format!("the call was cancelled: {error}"),
    })
}

/// Statuses to serve for a declared response key: one, or (when
/// `thorough`) several across its range.
pub fn statuses_for(key: StatusKey, thorough: bool) -> Vec<u16> {
    let statuses = match key {
        StatusKey::Code(code) => vec![code],
        StatusKey::Range(class) => {
            let base = class * 100;
            vec![base, base + 2, base + 4, base + 29, base + 99]
        }
        StatusKey::Default => vec![418, 599],
    };
    if thorough {
        statuses
    } else {
        statuses.into_iter().take(1).collect()
    }
}

/// Whether `operation` declares a response for `status`, and which.
pub fn declared_for(operation: &DeclaredOperation, status: u16) -> Option<StatusKey> {
    let keys: Vec<StatusKey> = operation.responses.iter().map(|response| response.status).collect();
    keys.iter()
        .find(|key| **key == StatusKey::Code(status))
        .or_else(|| keys.iter().find(|key| **key == StatusKey::Range(status / 100)))
        .or_else(|| keys.iter().find(|key| **key == StatusKey::Default))
        .copied()
}
