//! A key the server quotes back, or hides in an answer the client cannot
//! read, never reaches `Debug` output or an error message; masking a huge
//! answer full of secret properties never outlasts the caller's deadline.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::wait::WaitOptions;
use ei_api_ext::{ErrorKind, RetryPolicy};
use ei_fake_studio::{Fault, Operation, When};

const SECOND: Duration = Duration::from_secs(1);

/// An API key shaped like a real one (`ei_` and 64 hexadecimal digits), as
/// a server might quote it back.
const QUOTED_KEY: &str = "ei_5e0c1f2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e";

#[tokio::test(start_paused = true)]
async fn a_key_the_server_quotes_never_reaches_debug_output() {
    let studio = studio().await;
    let body = format!(r#"{{"success":false,"error":"the API key {QUOTED_KEY} is not valid"}}"#);
    studio.inject(Operation::Get, When::Always, Fault::status(401).body("application/json", body));
    let error = pipeline(&studio, PIPELINE).get().await.unwrap_err();
    assert!(!error.to_string().contains(QUOTED_KEY), "Display masks it: {error}");
    let debug = format!("{error:?}");
    assert!(!debug.contains(QUOTED_KEY), "Debug shows the key: {debug}");
}

#[tokio::test(start_paused = true)]
async fn a_key_in_an_unreadable_answer_never_reaches_the_error_message() {
    let studio = studio().await;
    let body = format!(r#"{{"success":true,"pipeline":{{"id":"{QUOTED_KEY}"}}}}"#);
    studio.inject(Operation::Get, When::Always, Fault::status(200).body("application/json", body));
    let error = client(&studio, RetryPolicy::none()).pipeline(ORG, PIPELINE).get().await;
    let error = error.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::InvalidResponse { .. }), "{error:?}");
    let message = error.to_string();
    assert!(!message.contains(QUOTED_KEY), "the message shows the key: {message}");
}

/// An answer that is not the document's, within the 8 MiB limit, made of
/// many empty secret properties: masking each copies the rest of the text.
fn masked_many_times() -> String {
    let unit = r#""projectApiKey":"","#;
    let mut body = String::from("{");
    while body.len() + unit.len() < 7 << 20 {
        body.push_str(unit);
    }
    body
}

#[tokio::test]
async fn an_unreadable_answer_full_of_secret_properties_ends_the_wait_at_its_deadline() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    handle.run().send().await.unwrap();
    studio.inject(
        Operation::Get,
        When::Always,
        Fault::status(200).body("application/json", masked_many_times()),
    );
    let deadline = 2 * SECOND;
    let started = std::time::Instant::now();
    let result = handle.follow_latest(WaitOptions::timeout(deadline)).await;
    let elapsed = started.elapsed();
    // Generous: five times the deadline, for a slow, shared machine (the
    // masking took 41 s of a debug build on the 2-core review machine).
    assert!(elapsed < 5 * deadline, "a {deadline:?} wait took {elapsed:?}: {result:?}");
}
