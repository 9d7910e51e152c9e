//! One pipeline: every operation a user makes on it, in one place. Each
//! method is a thin face on the layer that does the work (the operations,
//! following, diagnosis).

use ei_api::types::{OrganizationPipeline, OrganizationPipelineRun};
use tokio::time::Instant;

use super::Client;
use crate::definition::{self, DefinitionError};
use crate::diagnose::{self, Diagnosis, DiagnosisOptions, LogOptions, StepLogs};
use crate::error::Error;
use crate::ids::{OrganizationId, PipelineId, RunId};
use crate::operations::PipelineCalls;
use crate::run::{PipelineRuns, Run, Step};
use crate::wait::{self, Follow, Start, WaitOptions, WhichRun};

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

    fn calls(&self) -> PipelineCalls {
        PipelineCalls::new(self.client.caller().clone(), self.organization, self.pipeline)
    }

    /// The organization.
    pub fn organization(&self) -> OrganizationId {
        self.organization
    }

    /// The pipeline.
    pub fn pipeline(&self) -> PipelineId {
        self.pipeline
    }

    /// The pipeline, with its `currentRun` and `lastRun` (`getOrganizationPipeline`);
    /// [`PipelineRuns::of`] states its runs in the run model's words.
    pub async fn get(&self) -> Result<OrganizationPipeline, Error> {
        Ok(self.calls().get(None).await?.value.pipeline)
    }

    /// The runs the pipeline shows (its current and last run), in the run
    /// model's words: [`PipelineHandle::get`], read with [`PipelineRuns::of`].
    pub async fn runs(&self) -> Result<PipelineRuns, Error> {
        Ok(PipelineRuns::of(&self.get().await?))
    }

    /// Stops the running run and marks it failed (`stopOrganizationPipeline`).
    pub async fn stop(&self) -> Result<(), Error> {
        self.calls().stop(None).await
    }

    /// Deletes the pipeline (`deleteOrganizationPipeline`), refused with
    /// nothing written while a run of it is in progress; never sent twice
    /// unless the first attempt provably did nothing.
    pub async fn delete(&self) -> Result<(), DefinitionError> {
        definition::delete(&self.calls(), self.pipeline).await
    }

    /// A request to start a run (`runOrganizationPipeline`).
    pub fn run(&self) -> RunRequest {
        RunRequest { handle: self.clone(), ignore_last_successful_run: None, deadline: None }
    }

    /// Follows a run that is already going (e.g. after a restart) to its
    /// outcome (see [`Follow`]).
    pub fn follow(&self, run: RunId, options: WaitOptions) -> Follow {
        wait::follow(self.calls(), Start::Find(WhichRun::Id(run)), options)
    }

    /// Follows the pipeline's current run or, when none is going, its last
    /// one (whose outcome is then known at once); see [`Follow`].
    pub fn follow_latest(&self, options: WaitOptions) -> Follow {
        wait::follow(self.calls(), Start::Find(WhichRun::Latest), options)
    }

    /// Explains why `run` failed: each failed step's failed files and the
    /// last error lines of their jobs' logs, or of the upload's when the
    /// upload is what failed (see [`diagnose`](crate::diagnose)). Never
    /// fails: what could not be read is said in each step's
    /// [`missing`](StepLogs::missing).
    pub async fn diagnose(&self, run: &Run, options: DiagnosisOptions) -> Diagnosis {
        diagnose::diagnose(&self.calls(), run, &options).await
    }

    /// A step's files (its failed ones, or when none failed its first ones),
    /// the last lines of their jobs' logs and of its upload's, read by
    /// `deadline` (see [`diagnose`](crate::diagnose)). Never fails: what
    /// could not be read is said in [`StepLogs::missing`].
    pub async fn step_logs(
        &self,
        step: &Step,
        options: &LogOptions,
        deadline: Instant,
    ) -> StepLogs {
        diagnose::step_logs(&self.calls(), step, options, deadline).await
    }
}

/// A request to start a run. Send it with [`RunRequest::send`], or start
/// and follow it with [`RunRequest::follow`].
#[derive(Clone, Debug)]
#[must_use = "call .send() or .follow() to start the run"]
pub struct RunRequest {
    handle: PipelineHandle,
    ignore_last_successful_run: Option<bool>,
    deadline: Option<Instant>,
}

impl RunRequest {
    /// Do not set `EI_LAST_SUCCESSFUL_RUN`: re-run the pipeline from scratch.
    pub fn ignore_last_successful_run(mut self, ignore: bool) -> Self {
        self.ignore_last_successful_run = Some(ignore);
        self
    }

    /// Give up at this instant: an attempt in flight is cut off, and no
    /// retry sleeps past it.
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
        self.handle.calls().run(self.ignore_last_successful_run, self.deadline).await
    }

    /// Starts the run and follows it to its outcome (see [`Follow`]); the
    /// wait's deadline bounds the run call too.
    pub fn follow(self, options: WaitOptions) -> Follow {
        let start = Start::Run { ignore_last_successful_run: self.ignore_last_successful_run };
        wait::follow(self.handle.calls(), start, options)
    }
}
