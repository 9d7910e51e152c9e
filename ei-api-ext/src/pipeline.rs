//! Operations on one pipeline: get, stop, and the run request.

use ei_api::types::{
    GetOrganizationPipelinesResponse, OrganizationPipeline, OrganizationPipelineRun,
};
use tokio::time::Instant;

use crate::attempt::Answered;
use crate::call::Idempotent;
use crate::client::Client;
use crate::error::{CallTarget, Error, Operation};
use crate::ids::{OrganizationId, PipelineId};
use crate::reconcile::Reconcile;

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
        Ok(self.get_answered(deadline).await?.value.pipeline)
    }

    /// The whole answer of [`PipelineHandle::get`], with what its head says
    /// of the server's clock.
    pub(crate) async fn get_answered(
        &self,
        deadline: Option<Instant>,
    ) -> Result<Answered<GetOrganizationPipelinesResponse>, Error> {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        let request = move |raw: ei_api::Client| async move {
            raw.get_organization_pipeline()
                .organization_id(organization)
                .pipeline_id(pipeline)
                .send()
                .await
        };
        self.client.call(self.target(Operation::Get), deadline, request, &mut Idempotent).await
    }

    /// Stops the running run and marks it failed (`stopOrganizationPipeline`).
    pub async fn stop(&self) -> Result<(), Error> {
        self.stop_before(None).await
    }

    /// [`PipelineHandle::stop`], retrying no later than `deadline`.
    pub(crate) async fn stop_before(&self, deadline: Option<Instant>) -> Result<(), Error> {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        let request = move |raw: ei_api::Client| async move {
            raw.stop_organization_pipeline()
                .organization_id(organization)
                .pipeline_id(pipeline)
                .send()
                .await
        };
        self.client.call(self.target(Operation::Stop), deadline, request, &mut Idempotent).await?;
        Ok(())
    }

    /// A request to start a run (`runOrganizationPipeline`).
    pub fn run(&self) -> RunRequest {
        RunRequest { handle: self.clone(), ignore_last_successful_run: None, deadline: None }
    }
}

/// A request to start a run. Send it with [`RunRequest::send`], or start
/// and follow it with [`RunRequest::follow`].
#[derive(Clone, Debug)]
#[must_use = "call .send() or .follow() to start the run"]
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

    /// Starts the run and returns it: one request when all goes well.
    ///
    /// The run call is not idempotent and the API takes no idempotency key,
    /// so it is sent again as it is only when the attempt provably had no
    /// effect (no connection, 429, 503). After an ambiguous failure (a
    /// timeout or a reset after sending, 500, 502, 504, an answer that could
    /// not be read) the pipeline is read to find the run this call started:
    /// one the server shows as created at or after the attempt was sent,
    /// judged by the server's own clock (its `Date`, less the time since the
    /// attempt on the local monotonic clock; never the local wall clock). It is
    /// re-read for up to [`ClientBuilder::view_lag_grace`](crate::ClientBuilder::view_lag_grace)
    /// while the view may lag; a run found is adopted and returned, and only
    /// when none shows is the call sent again. A retry refused because a run
    /// is going leads to one more read, and the run is adopted when it is
    /// this call's. When nothing settles it the error is
    /// [`ErrorKind::RunOutcomeUnknown`](crate::ErrorKind::RunOutcomeUnknown),
    /// never a guess.
    ///
    /// # Caveats
    /// - The server's `Date` has whole seconds: a run someone else started up
    ///   to about a second (plus the read's round trip) before the attempt,
    ///   or while the reconcile reads, cannot be told from this call's and
    ///   would be adopted. One started within five seconds before the attempt
    ///   leaves the outcome unknown (`RunOutcomeUnknown`); one started earlier
    ///   is never adopted.
    /// - The server's `Date` and its runs' `created` are taken to agree within
    ///   five seconds; a run created later than the `Date` allows shows they do
    ///   not, and the outcome is then unknown.
    /// - A view that lags longer than the grace period can make the call
    ///   send again: a server that accepts a run while one is going then
    ///   starts a second one (one that refuses leads to the adoption above).
    ///   So can a server that accepts one and acts on a run call only after
    ///   the client gave up waiting for it (the API takes no idempotency key).
    /// - A refusal is recognised as "already running" by those words in the
    ///   server's message.
    pub async fn send(&self) -> Result<OrganizationPipelineRun, Error> {
        let ignore = self.ignore_last_successful_run;
        let (organization, pipeline) = (self.handle.organization.get(), self.handle.pipeline.get());
        let request = move |raw: ei_api::Client| async move {
            let request =
                raw.run_organization_pipeline().organization_id(organization).pipeline_id(pipeline);
            match ignore {
                Some(ignore) => request.ignore_last_successful_run(ignore).send().await,
                None => request.send().await,
            }
        };
        let mut reconcile = Reconcile::new(&self.handle, self.deadline);
        let target = self.handle.target(Operation::Run);
        let answered = self.handle.client.call(target, self.deadline, request, &mut reconcile);
        Ok(answered.await?.value.pipeline_run)
    }
}
