//! [`FakeStudio`], the handle a test holds: it starts the server, scripts
//! faults, starts runs from the side and shows what happened.

use crate::api::Api;
use crate::auth::Credentials;
use crate::clock::Clock;
use crate::config::{PipelineSpec, StepSpec};
use crate::fault::{Fault, When};
use crate::loopback::LoopbackServer;
use crate::record::RecordedRequest;
use crate::server;
use crate::state::State;
use ei_api::types::OrganizationUpdatePipelineBody;
use ei_api::Operation;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The default pipeline's steps: (name, duration, files, project). About ten
/// seconds in all: long enough to watch progress in a demo, short enough to
/// wait for in a test on the real clock.
const DEFAULT_STEPS: [(&str, Duration, u32, Option<i64>); 3] = [
    ("Fetch from bucket", Duration::from_millis(3_000), 120, None),
    ("Clean and label", Duration::from_millis(4_000), 120, None),
    (
        "Import into project",
        Duration::from_millis(3_500),
        118,
        Some(FakeStudio::DEFAULT_PROJECT_ID),
    ),
];

/// A fake Edge Impulse Studio: a real HTTP server on 127.0.0.1 that serves the
/// organization pipelines API from state configured in code.
///
/// Dropping it shuts the server down. See the [crate documentation](crate)
/// for what it serves.
#[derive(Debug)]
pub struct FakeStudio {
    api: Arc<Api>,
    server: LoopbackServer,
    base_url: String,
}

/// Configures a [`FakeStudio`]; made by [`FakeStudio::builder`].
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `start` is awaited"]
pub struct FakeStudioBuilder {
    credentials: Credentials,
    pipelines: Vec<PipelineSpec>,
    view_lag: Duration,
    /// The port of 127.0.0.1 to listen on; 0 for an ephemeral one.
    port: u16,
}

impl FakeStudio {
    /// The API key a studio accepts when no credential is configured.
    pub const DEFAULT_API_KEY: &'static str = "ei_fake_studio_key";
    /// The organization of the default pipeline.
    pub const DEFAULT_ORGANIZATION_ID: i64 = 1;
    /// The id of the default pipeline.
    pub const DEFAULT_PIPELINE_ID: i64 = 1;
    /// The project the default pipeline's last step imports into.
    pub const DEFAULT_PROJECT_ID: i64 = 1;

    /// Starts a studio with the defaults: it accepts the API key
    /// [`DEFAULT_API_KEY`](Self::DEFAULT_API_KEY), and organization
    /// [`DEFAULT_ORGANIZATION_ID`](Self::DEFAULT_ORGANIZATION_ID) has one
    /// pipeline, [`DEFAULT_PIPELINE_ID`](Self::DEFAULT_PIPELINE_ID), of three
    /// steps (3 s, 4 s and 3.5 s over about 120 files each) that succeeds.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if no ephemeral port of 127.0.0.1 can be
    /// bound.
    pub async fn start() -> FakeStudio {
        Self::builder().start().await
    }

    /// A builder for a studio with other credentials or pipelines.
    pub fn builder() -> FakeStudioBuilder {
        FakeStudioBuilder::default()
    }

    /// The API's base URL, `http://127.0.0.1:PORT/v1`, which the operations'
    /// paths follow (`/api/organizations/...`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.server.address()
    }

    /// Makes the calls of `operation` that `when` picks misbehave as `fault`
    /// says. When several injected faults pick a call, the one injected last
    /// applies. Every call counts, whatever its credentials, and a fault that
    /// answers in place of the operation does so before they are checked.
    ///
    /// # Panics
    ///
    /// On `When::Nth(0)` (calls are counted from 1).
    pub fn inject(&self, operation: Operation, when: When, fault: Fault) {
        self.api.faults().inject(operation, when, fault, Instant::now());
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.api.requests()
    }

    /// How many runs of a pipeline actually started (through the API or
    /// [`start_run`](Self::start_run)); 0 for an unknown pipeline.
    pub fn runs_started(&self, organization_id: i64, pipeline_id: i64) -> usize {
        self.api.state().runs_started(organization_id, pipeline_id)
    }

    /// When a run finished or, if it is in progress, will finish unless it is
    /// stopped (tokio time); `None` for an unknown run.
    pub fn run_finished_at(&self, run_id: i64) -> Option<Instant> {
        self.api.state().run_end(run_id)
    }

    /// How many pipeline definitions were written through the API: each
    /// create, update and delete that succeeded (not
    /// [`edit_pipeline`](Self::edit_pipeline)).
    pub fn definition_writes(&self) -> usize {
        self.api.state().definition_writes()
    }

    /// A pipeline's definition as the studio holds it, project keys in clear;
    /// `None` for an unknown pipeline.
    pub fn pipeline_definition(
        &self,
        organization_id: i64,
        pipeline_id: i64,
    ) -> Option<OrganizationUpdatePipelineBody> {
        self.api.state().definition(organization_id, pipeline_id)
    }

    /// Changes a pipeline's definition as another writer would (a colleague
    /// in the web page, say), for instance between a client's plan and its
    /// write; its next run runs the result. Returns whether the pipeline
    /// exists. Not counted in [`definition_writes`](Self::definition_writes).
    pub fn edit_pipeline(
        &self,
        organization_id: i64,
        pipeline_id: i64,
        edit: impl FnOnce(&mut OrganizationUpdatePipelineBody),
    ) -> bool {
        self.api.state().edit(organization_id, pipeline_id, edit).is_ok()
    }

    /// Starts a run as if someone else did (a schedule, a colleague) and
    /// returns its id; `None` if the pipeline does not exist, is running, or
    /// has a start error.
    pub fn start_run(&self, organization_id: i64, pipeline_id: i64) -> Option<i64> {
        self.api.state().start_run(organization_id, pipeline_id, Instant::now()).ok()
    }
}

impl FakeStudioBuilder {
    /// Accepts `key` in the `x-api-key` header (call it again for more keys).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials.api_keys.push(key.into());
        self
    }

    /// Accepts `token` in the `x-jwt-token` header or the `jwt` cookie (call
    /// it again for more tokens).
    pub fn jwt(mut self, token: impl Into<String>) -> Self {
        self.credentials.jwts.push(token.into());
        self
    }

    /// Makes the pipeline view (`getOrganizationPipeline`,
    /// `listOrganizationPipelines`) lag `lag` behind the writes, as a read
    /// replica or a cache does: a run started or stopped shows there only
    /// `lag` later, and the runs shown are as they were `lag` ago. The run
    /// and stop calls act on the current state. No lag by default.
    pub fn view_lag(mut self, lag: Duration) -> Self {
        self.view_lag = lag;
        self
    }

    /// Adds a pipeline.
    ///
    /// # Panics
    ///
    /// If a pipeline with the same organization and pipeline ids was added.
    pub fn pipeline(mut self, pipeline: PipelineSpec) -> Self {
        let key = (pipeline.organization_id, pipeline.pipeline_id);
        let taken = self.pipelines.iter().any(|p| (p.organization_id, p.pipeline_id) == key);
        assert!(!taken, "pipeline {} of organization {} is configured twice", key.1, key.0);
        self.pipelines.push(pipeline);
        self
    }

    /// Listens on `port` of 127.0.0.1 instead of an ephemeral port (0, the
    /// default, picks a free one). Only the loopback interface is ever
    /// bound: the studio speaks plain HTTP and accepts a well-known key, so
    /// it must not be reachable from other machines.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Starts the studio. With no credential configured it accepts
    /// [`FakeStudio::DEFAULT_API_KEY`]; with no pipeline it has the default
    /// one (see [`FakeStudio::start`]).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if the port cannot be bound (see
    /// [`try_start`](Self::try_start) for an error instead).
    pub async fn start(self) -> FakeStudio {
        self.try_start().await.expect("ei-fake-studio binds a port of 127.0.0.1")
    }

    /// Starts the studio as [`start`](Self::start) does, or says why the
    /// port could not be bound (taken by another server, or reserved).
    ///
    /// # Errors
    ///
    /// The error binding the port of 127.0.0.1.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn try_start(mut self) -> std::io::Result<FakeStudio> {
        if self.credentials.api_keys.is_empty() && self.credentials.jwts.is_empty() {
            self.credentials.api_keys.push(FakeStudio::DEFAULT_API_KEY.to_owned());
        }
        if self.pipelines.is_empty() {
            self.pipelines.push(default_pipeline());
        }
        let state = State::new(Clock::starting_now(), self.pipelines, self.view_lag);
        let api = Arc::new(Api::new(self.credentials, state));
        let server = server::start(Arc::clone(&api), self.port).await?;
        let base_url = format!("http://{}/v1", server.address());
        Ok(FakeStudio { api, server, base_url })
    }
}

fn default_pipeline() -> PipelineSpec {
    let pipeline = PipelineSpec::new(
        FakeStudio::DEFAULT_ORGANIZATION_ID,
        FakeStudio::DEFAULT_PIPELINE_ID,
        "Nightly import",
    );
    DEFAULT_STEPS.iter().fold(pipeline, |pipeline, &(name, duration, files, project)| {
        let step = StepSpec::new(name).duration(duration).files(files);
        pipeline.step(match project {
            Some(project_id) => step.project_id(project_id),
            None => step,
        })
    })
}
