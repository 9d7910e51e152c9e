//! Operations on one pipeline: get, stop, and the run request.

use ei_api::types::{OrganizationPipeline, OrganizationPipelineRun};
use tokio::time::Instant;

use crate::client::Client;
use crate::error::{CallTarget, Error, Operation};
use crate::ids::{OrganizationId, PipelineId};

/// One pipeline, from [`Client::pipeline`].
#[derive(Clone, Debug)]
pub struct PipelineHandle {
    client: Client,
    organization: OrganizationId,
    pipeline: PipelineId,
}

impl PipelineHandle {
    pub(crate) fn new(client: Client, organization: OrganizationId, pipeline: PipelineId) -> Self {
        Self { client, organization, pipeline }
    }

    /// The client this handle calls through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The organization.
    pub fn organization(&self) -> OrganizationId {
        self.organization
    }

    /// The pipeline.
    pub fn pipeline(&self) -> PipelineId {
        self.pipeline
    }

    pub(crate) fn target(&self, operation: Operation) -> CallTarget {
        CallTarget { operation, organization: self.organization, pipeline: Some(self.pipeline) }
    }

    /// The pipeline, with its `currentRun` and `lastRun` (`getOrganizationPipeline`).
    pub async fn get(&self) -> Result<OrganizationPipeline, Error> {
        self.get_before(None).await
    }

    /// [`PipelineHandle::get`], retrying no later than `deadline`.
    pub(crate) async fn get_before(
        &self,
        deadline: Option<Instant>,
    ) -> Result<OrganizationPipeline, Error> {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        let response = self
            .client
            .call(self.target(Operation::Get), deadline, move |raw| async move {
                raw.get_organization_pipeline()
                    .organization_id(organization)
                    .pipeline_id(pipeline)
                    .send()
                    .await
            })
            .await?;
        Ok(response.pipeline)
    }

    /// Stops the running run and marks it failed (`stopOrganizationPipeline`).
    pub async fn stop(&self) -> Result<(), Error> {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        self.client
            .call(self.target(Operation::Stop), None, move |raw| async move {
                raw.stop_organization_pipeline()
                    .organization_id(organization)
                    .pipeline_id(pipeline)
                    .send()
                    .await
            })
            .await?;
        Ok(())
    }

    /// A request to start a run (`runOrganizationPipeline`).
    pub fn run(&self) -> RunRequest {
        RunRequest { handle: self.clone(), ignore_last_successful_run: None, deadline: None }
    }
}

/// A request to start a run. Send it with [`RunRequest::send`], or start
/// and follow it with [`RunRequest::wait`].
#[derive(Clone, Debug)]
#[must_use = "call .send() or .wait() to start the run"]
pub struct RunRequest {
    pub(crate) handle: PipelineHandle,
    ignore_last_successful_run: Option<bool>,
    deadline: Option<Instant>,
}

impl RunRequest {
    /// Do not set `EI_LAST_SUCCESSFUL_RUN`: re-run the pipeline from scratch.
    pub fn ignore_last_successful_run(mut self, ignore: bool) -> Self {
        self.ignore_last_successful_run = Some(ignore);
        self
    }

    /// Give up retrying (and sleeping before a retry) at this instant.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Starts the run and returns it.
    ///
    /// The run call is not idempotent and the API takes no idempotency key,
    /// so it is retried only when the attempt provably had no effect (no
    /// connection, 429, 503). After an ambiguous failure (a timeout or reset
    /// after sending, 500, 502, 504, an unreadable answer) the pipeline is
    /// read and compared with what it showed before the first attempt: a run
    /// that appeared is adopted and returned; only when none did is the call
    /// retried. A pipeline started twice by one call cannot happen.
    pub async fn send(&self) -> Result<OrganizationPipelineRun, Error> {
        let ignore = self.ignore_last_successful_run;
        let (organization, pipeline) = (self.handle.organization.get(), self.handle.pipeline.get());
        crate::reconcile::start_run(&self.handle, self.deadline, move |raw| async move {
            let request =
                raw.run_organization_pipeline().organization_id(organization).pipeline_id(pipeline);
            match ignore {
                Some(ignore) => request.ignore_last_successful_run(ignore).send().await,
                None => request.send().await,
            }
        })
        .await
    }
}
