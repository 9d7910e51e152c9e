//! A fake Edge Impulse Studio: a stateful, fault-injecting stand-in for the
//! organization pipelines API, for tests, demos and benchmarks (in the manner
//! of wiremock or LocalStack).
//!
//! [`FakeStudio::start`] runs a real HTTP/1.1 server on an ephemeral port of
//! 127.0.0.1; any number can run at once, and dropping one shuts it down.
//! Its answers are the vendor's typed models ([`ei_api::types`]) serialized,
//! so they have the vendor's shapes and property names and conform to the
//! corrected OpenAPI document, except where a [`Fault`] breaks them on purpose.
//!
//! # What it serves
//!
//! Under [`FakeStudio::base_url`] (`http://127.0.0.1:PORT/v1`):
//!
//! | operation | request | answer |
//! |---|---|---|
//! | [`Operation::Run`] | `POST /api/organizations/{organizationId}/pipelines/{pipelineId}/run` (query `ignoreLastSuccessfulRun`, optional boolean) | `RunOrganizationPipelineResponse` |
//! | [`Operation::Get`] | `GET /api/organizations/{organizationId}/pipelines/{pipelineId}` | `GetOrganizationPipelinesResponse` |
//! | [`Operation::Stop`] | `POST /api/organizations/{organizationId}/pipelines/{pipelineId}/stop` | `GenericApiResponse` |
//! | [`Operation::List`] | `GET /api/organizations/{organizationId}/pipelines` (query `projectId`, optional integer: pipelines with a step attached to that project) | `ListOrganizationPipelinesResponse` |
//!
//! Every answer is `application/json`, and every failure is
//! `{"success":false,"error":"..."}`:
//!
//! - 401 unless the request carries an accepted credential: an API key in
//!   `x-api-key`, or a JWT in `x-jwt-token` or in the `jwt` cookie
//!   ([`FakeStudioBuilder::api_key`], [`FakeStudioBuilder::jwt`]);
//! - 400 for an id (or `projectId`) that is not a 64-bit integer, or an
//!   `ignoreLastSuccessfulRun` that is not `true` or `false`;
//! - 404 for an unknown organization, pipeline or path;
//! - 200 with `success: false`, the vendor's refusal, to run a pipeline that
//!   is running (`"Pipeline is already running"`) or has a start error, and
//!   to stop a pipeline that is not running.
//!
//! # How a run moves
//!
//! A pipeline's steps ([`StepSpec`]) run one after another for their
//! configured durations. Each step's `transformationJob` is `waiting`, then
//! `started` (`inProgress: true`), then `finished` or `failed`; `status`,
//! `transformJobStatus` and `uploadJobStatus` always agree. Its
//! `transformationSummary` counts `startedCount`, `finishedCount` and
//! `succeededCount` grow from 0 to the step's file count (`totalFileCount`,
//! known once the step starts) while it runs: linearly by default, or in
//! the shape real jobs take, chosen per pipeline
//! ([`PipelineSpec::progress_shape`], [`ProgressShape`]): queued before the
//! first file moves, accelerating, decelerating, stalling, in batches, with
//! a total that grows, or with every file counted while the job still
//! uploads its output. Whatever the shape, `finishedCount` never decreases,
//! no count passes `totalFileCount`, and the step ends when its duration is
//! up. A pipeline may report no progress at all
//! ([`PipelineSpec::without_progress_counts`]).
//! A failing step ([`StepSpec::fails`]) ends `failed` with no file succeeded,
//! and the steps after it never start. The run's `finished` is set when its
//! last step ends, a step fails, or it is stopped (which fails the running
//! step). While a run is in progress it is the pipeline's `currentRun`; once
//! over it is the `lastRun`, and `currentRun` is absent. Run ids are unique
//! and increasing within a studio, and start above 2^32.
//!
//! Steps may carry project keys ([`StepSpec::project_keys`]); the answers
//! include them, as the vendor's do, so that a test can check that a client
//! never prints them.
//!
//! # Time
//!
//! All time is tokio time ([`tokio::time::Instant`]): a run's state is
//! computed from its start whenever a request arrives, and nothing ticks in
//! the background. Under a paused clock (`#[tokio::test(start_paused = true)]`)
//! a two-hour pipeline runs in milliseconds. Dates in answers are a fixed
//! epoch (2024-06-03T08:00:00.000Z, the moment the studio started) plus the
//! tokio time elapsed since, in RFC 3339 with milliseconds.
//!
//! # Faults and observation
//!
//! [`FakeStudio::inject`] scripts a [`Fault`] for some calls ([`When`]) of an
//! operation: HTTP errors with any body and `Retry-After`, delays, closed
//! connections before or after the call takes effect, broken JSON, vendor
//! refusals, and answers with unlisted enum values, unknown properties or
//! nulls. [`FakeStudio::requests`], [`FakeStudio::runs_started`] and
//! [`FakeStudio::run_finished_at`] show what happened, and
//! [`FakeStudio::start_run`] starts a run from the side.
//!
//! # Example
//!
//! A run of the default pipeline, watched through the generated client on a
//! paused clock:
//!
//! ```
//! use ei_api::enums::TransformationJobStatusEnum;
//! use ei_api::{Client, Credentials, RequestContext};
//! use ei_fake_studio::FakeStudio;
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let studio = FakeStudio::start().await;
//! let credentials = Credentials::api_key(FakeStudio::DEFAULT_API_KEY)?;
//! let client = Client::new(studio.base_url(), RequestContext::new(credentials));
//!
//! let run = client.run_organization_pipeline().organization_id(1).pipeline_id(1).send().await?;
//! let run_id = run.pipeline_run.id;
//!
//! // The clock is paused: this sleep takes no real time.
//! tokio::time::sleep(Duration::from_secs(60)).await;
//! let pipeline = client.get_organization_pipeline().organization_id(1).pipeline_id(1).send().await?;
//! let last_run = pipeline.pipeline.last_run.as_ref().expect("the run is over");
//! assert_eq!(last_run.id, run_id);
//! assert!(pipeline.pipeline.current_run.is_none());
//! for step in &last_run.steps {
//!     let job = step.transformation_job.as_ref().expect("every run step has a job");
//!     assert_eq!(job.status, TransformationJobStatusEnum::Finished);
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod answer;
mod api;
mod auth;
mod clock;
mod config;
mod distort;
mod document;
mod fault;
mod lifecycle;
mod model;
mod record;
mod route;
mod server;
mod state;
mod studio;

pub use auth::CredentialKind;
pub use config::{PipelineSpec, ProgressShape, StepSpec};
pub use fault::{Fault, When};
pub use record::RecordedRequest;
pub use route::Operation;
pub use studio::{FakeStudio, FakeStudioBuilder};
