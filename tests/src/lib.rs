//! The spec-conformance suite for `ei-api`: the client and the corrected
//! OpenAPI document must agree, in both directions, and every expectation is
//! read from the document rather than written down by hand.
//!
//! - Requests: each request the client sends is recorded on the wire
//!   ([`wire`]) and checked against the document ([`request_rules`]).
//! - Responses: bodies built from the document's schemas ([`instances`]) are
//!   served to the real client ([`served`]), and it must accept exactly what
//!   the document accepts ([`json_schema`]).
//! - Types: each component schema agrees with its Rust type's `schemars`
//!   schema ([`schema_agreement`], over the list in [`rust_types`]).
//!
//! - The fake Studio: its raw answers, in every state, are valid for the
//!   document (`tests/fake_studio_answers_conform.rs`).
//!
//! The integration tests in `tests/` drive these; `cargo xtask conformance`
//! also runs the suite's requests against Stoplight Prism (`prism mock`),
//! and drives the fake Studio through `prism proxy --errors`.
//!
//! Run with `cargo test -p ei-conformance-tests` (the Prism tests are ignored
//! there; `cargo xtask conformance` runs it). To see a disagreement caught,
//! point `EI_CONFORMANCE_DOCUMENT` at an edited copy of
//! `ei-api/openapi/edge-impulse.corrected.json`: every test, and Prism,
//! then judge the client against that copy.

pub mod credentials;
pub mod document;
pub mod instances;
pub mod json_schema;
pub mod operations;
pub mod request_cases;
pub mod request_rules;
pub mod rust_types;
pub mod schema_agreement;
pub mod served;
pub mod wire;
