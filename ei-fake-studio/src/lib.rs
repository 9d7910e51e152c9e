//! A fake Edge Impulse Studio: a stateful, fault-injecting stand-in for the
//! organization pipelines API and the operations that diagnose a run, for
//! tests, demos and benchmarks (in the manner of wiremock or LocalStack).
//!
//! [`FakeStudio::start`] runs a real HTTP/1.1 server on an ephemeral port of
//! 127.0.0.1 (or a port of your choice, [`FakeStudioBuilder::port`]); any
//! number can run at once, and dropping one shuts it down. The
//! `ei-fake-studio` binary serves sample pipelines until stopped
//! (`cargo run -p ei-fake-studio -- --help`).
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
//! | [`Operation::Create`] | `POST /api/organizations/{organizationId}/pipelines` (body `OrganizationUpdatePipelineBody`) | `EntityCreatedResponse` |
//! | [`Operation::Update`] | `POST /api/organizations/{organizationId}/pipelines/{pipelineId}` (body `OrganizationUpdatePipelineBody`) | `GenericApiResponse` |
//! | [`Operation::Delete`] | `DELETE /api/organizations/{organizationId}/pipelines/{pipelineId}` | `GenericApiResponse` |
//! | [`Operation::ListArchived`] | `GET /api/organizations/{organizationId}/pipelines/archived` (query `projectId`, as for the list) | `ListOrganizationPipelinesResponse` |
//! | [`Operation::TransformationJobStatus`] | `GET /api/organizations/{organizationId}/create-project/{createProjectId}` (query `transformLimit` and `transformOffset`, required non-negative integers; `selection`, optional: `all`, `created`, `in-progress` or `failed`) | `OrganizationCreateProjectStatusResponse` |
//! | [`Operation::JobStatus`] | `GET /api/organizations/{organizationId}/jobs/{jobId}/status` | `GetJobResponse` |
//! | [`Operation::JobLogs`] | `GET /api/organizations/{organizationId}/jobs/{jobId}/stdout` (query `limit`, optional non-negative integer; `logLevel`, optional: `error`, `warn`, `info` or `debug`) | `LogStdoutResponse` |
//!
//! Every answer is `application/json`, and every failure is
//! `{"success":false,"error":"..."}`:
//!
//! - 401 unless the request carries an accepted credential: an API key in
//!   `x-api-key`, or a JWT in `x-jwt-token` or in the `jwt` cookie
//!   ([`FakeStudioBuilder::api_key`], [`FakeStudioBuilder::jwt`]);
//! - 400 for an id (or `projectId`) that is not a 64-bit integer, an
//!   `ignoreLastSuccessfulRun` that is not `true` or `false`, a missing
//!   `transformLimit` or `transformOffset`, or a query value outside those
//!   listed above, and for a pipeline definition (create, update) that is
//!   not JSON, lacks a required property, has a value no enum of the
//!   document lists, or an `intervalStr` not of the form `15m`, `2h`, `1d`;
//! - 413 for a request body over 1 MiB;
//! - 404 for an unknown organization, pipeline, transformation job or path,
//!   and for a job that is unknown or does not exist yet (a file not picked
//!   up, a step not started);
//! - 200 with `success: false`, the vendor's refusal, to run a pipeline that
//!   is running (`"Pipeline is already running"`) or has a start error, and
//!   to stop a pipeline that is not running.
//!
//! # Definitions
//!
//! Each pipeline holds a definition (`OrganizationUpdatePipelineBody`): a
//! pipeline configured in code starts with its name and steps, the fake's
//! description, no schedule and `whenToEmail: never`. Get and list show it.
//! Create adds a pipeline (its id one above the organization's highest);
//! update replaces the whole definition, as the API's body says, so a step
//! sent without its `projectApiKey`/`projectHmacKey` loses them (the
//! harsher reading of what the document leaves open); `archived: true`
//! moves the pipeline from the list to the archived list; delete removes it.
//! The fake accepts an update or a delete while a run is in progress: the
//! run goes on with the definition it started with, the next run takes the
//! new one. [`FakeStudio::definition_writes`] counts the writes through the
//! API, [`FakeStudio::pipeline_definition`] shows what is held, and
//! [`FakeStudio::edit_pipeline`] changes it from the side, as another
//! writer would.
//!
//! # How a run moves
//!
//! A pipeline's steps ([`StepSpec`]) run one after another for their
//! configured durations. Each step's `transformationJob` is `waiting`, then
//! `started` (`inProgress: true`), then `finished` or `failed`; `status`,
//! `transformJobStatus` and `uploadJobStatus` agree, except when the upload
//! alone fails ([`StepSpec::upload_fails`]: `transformJobStatus` ends
//! `finished`). Its `transformationSummary` counts `startedCount`,
//! `finishedCount` and `succeededCount` grow from 0 to the step's file count
//! (`totalFileCount`, known once the step starts) while it runs: linearly by
//! default, or in the shape real jobs take, chosen per pipeline
//! ([`PipelineSpec::progress_shape`], [`ProgressShape`]): queued before the
//! first file moves, accelerating (or strongly: the rate growing as the
//! cube of the time), decelerating, stalling (or stalling one to three
//! times at random), in batches, with
//! a total that grows, or with every file counted while the job still
//! uploads its output. Whatever the shape, `finishedCount` never decreases,
//! no count passes `totalFileCount`, and the step ends when its duration is
//! up. A pipeline may report no progress at all
//! ([`PipelineSpec::without_progress_counts`]). A failing step
//! ([`StepSpec::fails`], [`StepSpec::failing_files`]) ends `failed`, its
//! failed files never counted as succeeded, and the steps after it never
//! start. The run's `finished` is set when its
//! last step ends, a step fails, or it is stopped (which fails the running
//! step). While a run is in progress it is the pipeline's `currentRun`; once
//! over it is the `lastRun`, and `currentRun` is absent. Run ids are unique
//! and increasing within a studio, and start above 2^32.
//!
//! Steps may carry project keys ([`StepSpec::project_keys`]); the answers
//! include them, as the vendor's do, so that a test can check that a client
//! never prints them.
//!
//! # Diagnosing a run
//!
//! A step's transformation job (its `id` is the `createProjectId`) lists its
//! files a page at a time (at most 1,000 a page): file `i` runs over the
//! `i`-th equal share of the step's time, by a job of its own whose id
//! (`transformationJobId`) it has once picked up. A file is `waiting`,
//! `started`, then `finished` or `failed` (a stop fails the files running
//! then). `selection` lists them all, or those `created` (transformed
//! successfully), `in-progress` (waiting or running) or `failed`, and
//! `fileCountForFilter` counts the selection; the real progress shows there
//! even without progress counts. Once the step starts it has an upload job
//! too (`uploadJobId`).
//!
//! Each of these jobs has a status (`getOrganizationJobStatus`) and a log
//! (`getOrganizationJobsLogs`): a line when it starts and, once over, what
//! became of it. A failed job logs its step's [`StepSpec::failure_log`],
//! hostile by default: terminal escape sequences, carriage returns, a bell,
//! a 100 KiB line and an API key echoed in clear ([`StepSpec::ECHOED_API_KEY`]
//! or the step's project key). `logLevel` keeps the lines of that level or a
//! more severe one (a line without a level counts as `info`); `totalCount`
//! counts them, and only the last `limit` of them, at most 1,000, are sent.
//! Job ids start at 2^48, apart from run ids (2^32) and transformation job
//! ids (2^40).
//!
//! # Time
//!
//! All time is tokio time ([`tokio::time::Instant`]): a run's state is
//! computed from its start whenever a request arrives, and nothing ticks in
//! the background. Under a paused clock (`#[tokio::test(start_paused = true)]`)
//! a two-hour pipeline runs in milliseconds. Dates in answers are a fixed
//! epoch (2024-06-03T08:00:00.000Z, the moment the studio started) plus the
//! tokio time elapsed since, in RFC 3339 with milliseconds, and every answer
//! carries a `Date` header from the same clock (whole seconds, as HTTP dates
//! are): a client can judge the server's times by the server's clock, and
//! never needs to compare it with its own.
//!
//! # Like a real service
//!
//! [`FakeStudioBuilder::view_lag`] makes the pipeline view lag the writes,
//! as a read replica or a cache does, and
//! [`PipelineSpec::accept_runs_while_running`] makes a pipeline start a run
//! while one is going (stopping that one) where the default refuses it.
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
//! # A server of your own
//!
//! With the `test-support` feature, `ei_fake_studio::loopback` serves a
//! handler of your own on 127.0.0.1 with the fake's own HTTP/1.1 server, for
//! tests and benchmarks that need one (a fixed answer, a recorder of
//! requests).
//!
//! # Layers
//!
//! Each module uses only modules of its own layer or below (`cargo xtask
//! layers` checks it, and that no module imports one that imports it back):
//!
//! 1. `clock`, `config`, `auth`, `payload`, `route`, `loopback`, `built`: time, configuration, credentials, bodies, paths, the listener, the vendor's models from their builders
//! 2. `lifecycle`, `files`, `jobs`: how a run, its files and their jobs move
//!    (each uses only those before it)
//! 3. `logs`, `model`, `definition`: the jobs' logs, the vendor's models at
//!    an instant, the definitions written (reading and checking one)
//! 4. `state`, `record`, `answer`: the studio's state, what it received, answers
//! 5. `distort`, `fault`: misbehaviour on demand
//! 6. `api`: the operations
//! 7. `server`: HTTP
//! 8. `studio`: the handle a test holds
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
mod built;
mod clock;
mod config;
mod definition;
mod distort;
mod fault;
mod files;
mod jobs;
mod lifecycle;
mod logs;
#[cfg(feature = "test-support")]
pub mod loopback;
#[cfg(not(feature = "test-support"))]
mod loopback;
mod model;
mod payload;
mod record;
mod route;
mod server;
mod state;
mod studio;

pub use auth::CredentialKind;
pub use config::{PipelineSpec, ProgressShape, StepSpec};
pub use ei_api::Operation;
pub use fault::{Fault, When};
pub use record::RecordedRequest;
pub use studio::{FakeStudio, FakeStudioBuilder};
