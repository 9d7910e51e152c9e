//! Run Edge Impulse organization pipelines, follow them, and explain why
//! one failed.
//!
//! `ei-api-ext` is the crate to depend on. It wraps the generated client
//! (`ei-api`) with:
//!
//! - one obvious way to call each operation, with typed ids
//!   ([`Client::pipeline`], [`Client::organization`]);
//! - one error type, [`Error`], whose [`FailureClass`] decides everything
//!   that depends on a failure (may it be retried? did the server act?);
//! - one retry loop for every request, with full-jitter backoff,
//!   `Retry-After`, the caller's deadline and a client-wide budget
//!   ([`RetryPolicy`]), and a run call that does not start a pipeline twice
//!   while the server's view lags no longer than
//!   [`view_lag_grace`](ClientBuilder::view_lag_grace) (see [`RunRequest::send`]);
//! - one model of a run ([`run`]): its state, each step's state and file
//!   counts, in one vocabulary that following ([`wait`]), diagnosis
//!   ([`diagnose`]) and `ei-pipeline`'s outputs all use;
//! - pipelines as code ([`definition`]): a pipeline's definition as data,
//!   planned against the server ([`OrganizationHandle::plan`]) and applied
//!   ([`OrganizationHandle::apply`]) with its secrets from the environment;
//! - the generated models, re-exported as [`models`] and [`enums`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let studio = ei_fake_studio::FakeStudio::start().await;
//! # std::env::set_var("EI_API_KEY", ei_fake_studio::FakeStudio::DEFAULT_API_KEY);
//! # std::env::set_var("EI_API_ENDPOINT", studio.base_url());
//! use ei_api_ext::{Client, OrganizationId, PipelineId};
//!
//! let client = Client::from_env()?;
//! let pipeline = client.pipeline(OrganizationId::new(1), PipelineId::new(1));
//! let run = pipeline.run().ignore_last_successful_run(true).send().await?;
//! println!("started run {}", run.id);
//! # Ok(())
//! # }
//! ```
//!
//! # Layers
//!
//! Each module uses only modules of its own layer or below (`cargo xtask
//! layers` checks it, and that no module imports one that imports it back):
//!
//! 1. `ids`, `error`, `redact`, `untrusted`, `instant`: ids, errors and text safe to show
//! 2. `run`: the run model
//! 3. `call`: the call and its retries
//! 4. `operations`: each API operation, once
//! 5. `wait`, `diagnose`, `definition`: following a run, explaining one,
//!    defining pipelines as code
//! 6. `client`: the client and the handles users hold (every user-facing method)
#![deny(missing_docs)]

/// The README's example, compiled by `cargo test --doc` so that it stays
/// true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

mod call;
mod client;
pub mod definition;
pub mod diagnose;
mod error;
mod ids;
mod instant;
mod operations;
pub mod redact;
pub mod run;
pub mod untrusted;
pub mod wait;

pub use call::retry::RetryPolicy;
pub use client::{
    Client, ClientBuilder, ListPipelines, OrganizationHandle, PipelineHandle, RunRequest,
    ENV_API_ENDPOINT, ENV_API_KEY, ENV_JWT, ENV_JWT_TRANSPORT,
};
pub use error::{
    CallTarget, CertificateProblem, ConfigError, Error, ErrorKind, FailureClass, Operation,
    Setting, SettingSource, TransportKind,
};
pub use ids::{OrganizationId, PipelineId, ProjectId, RunId};

/// The generated models (`ei_api::types`), returned as they are.
pub use ei_api::types as models;
pub use ei_api::{enums, SecretString};
/// The HTTP status type [`Error::status`] returns.
pub use http::StatusCode;
