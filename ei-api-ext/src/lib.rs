//! Run Edge Impulse organization pipelines and wait for them.
//!
//! `ei-api-ext` is the crate to depend on. It wraps the generated client
//! (`ei-api`) with:
//!
//! - one obvious way to call each operation, with typed ids
//!   ([`Client::pipeline`], [`Client::organization`]);
//! - one error type, [`Error`], that tells the server's refusal, a missing
//!   pipeline, rate limiting, transport failures and unreadable answers apart;
//! - retries with full-jitter backoff, `Retry-After` and a client-wide budget
//!   ([`RetryPolicy`]), and a run call that does not start a pipeline twice
//!   while the server's view lags no longer than
//!   [`view_lag_grace`](ClientBuilder::view_lag_grace) (see [`RunRequest::send`]);
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
#![deny(missing_docs)]

/// The README's example, compiled by `cargo test --doc` so that it stays
/// true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

mod attempt;
mod call;
mod client;
mod config;
pub mod diagnose;
mod error;
mod ids;
mod instant;
mod organization;
mod pipeline;
mod reconcile;
pub mod redact;
pub mod retry;
pub mod untrusted;
pub mod wait;

pub use client::Client;
pub use config::{
    ClientBuilder, ConfigError, Setting, SettingSource, DEFAULT_ATTEMPT_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_VIEW_LAG_GRACE, ENV_API_ENDPOINT, ENV_API_KEY, ENV_JWT,
    ENV_JWT_TRANSPORT,
};
pub use error::{CallTarget, Error, ErrorKind, FailureClass, Operation, TransportKind};
pub use ids::{OrganizationId, PipelineId, ProjectId, RunId};
pub use organization::{ListPipelines, OrganizationHandle};
pub use pipeline::{PipelineHandle, RunRequest};
pub use retry::RetryPolicy;

/// The generated models (`ei_api::types`), returned as they are.
pub use ei_api::types as models;
pub use ei_api::{enums, SecretString};
/// The HTTP status type [`Error::status`] returns.
pub use http::StatusCode;
