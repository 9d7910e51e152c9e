//! The reconcile rule that makes the run call safe to retry.
//!
//! Before the first attempt the pipeline is read; after an attempt that may
//! or may not have reached the server, it is read again. A run that was not
//! there before (a new `currentRun`, or a `lastRun` newer than anything seen
//! before, when the run was short) is the one this call started: it is
//! adopted instead of starting another.

use std::future::Future;

use ei_api::types::{
    OrganizationPipeline, OrganizationPipelineRun, RunOrganizationPipelineResponse,
};
use reqwest::StatusCode;
use tokio::time::Instant;
use tracing::Instrument;

use crate::attempt::RawResult;
use crate::client::call_span;
use crate::error::{Error, ErrorKind, Operation, TransportKind};
use crate::pipeline::PipelineHandle;

/// The runs a pipeline showed before the run call.
#[derive(Clone, Copy, Debug)]
struct RunsBefore {
    newest_id: Option<i64>,
}

impl RunsBefore {
    fn of(pipeline: &OrganizationPipeline) -> Self {
        let ids = [&pipeline.current_run, &pipeline.last_run];
        Self { newest_id: ids.into_iter().flatten().map(|run| run.id).max() }
    }

    /// The run that appeared since, if any (run ids only grow).
    fn appeared_in(self, pipeline: OrganizationPipeline) -> Option<OrganizationPipelineRun> {
        let is_new = |run: &OrganizationPipelineRun| self.newest_id.is_none_or(|id| run.id > id);
        let OrganizationPipeline { current_run, last_run, .. } = pipeline;
        current_run.filter(is_new).or_else(|| last_run.filter(is_new))
    }
}

/// Whether a failed run attempt provably did not start a run.
fn had_no_effect(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Transport { kind, .. } => *kind == TransportKind::Connect,
        ErrorKind::RateLimited { .. } => true,
        _ => error.status() == Some(StatusCode::SERVICE_UNAVAILABLE),
    }
}

/// Starts a run with the reconcile rule; `request` makes one attempt.
pub(crate) async fn start_run<F, Fut>(
    handle: &PipelineHandle,
    deadline: Option<Instant>,
    mut request: F,
) -> Result<OrganizationPipelineRun, Error>
where
    F: FnMut(ei_api::Client) -> Fut,
    Fut: Future<Output = RawResult<RunOrganizationPipelineResponse>>,
{
    let target = handle.target(Operation::Run);
    let client = handle.client();
    async move {
        let before = RunsBefore::of(&handle.get_before(deadline).await?);
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match client.attempt(target, &mut request, attempts).await {
                Ok(response) => {
                    client.note_success();
                    return Ok(response.pipeline_run);
                }
                Err(error) => error,
            };
            if !error.is_retryable() {
                return Err(error);
            }
            if !had_no_effect(&error) {
                let now = match handle.get_before(deadline).await {
                    Ok(pipeline) => pipeline,
                    Err(_) => {
                        return Err(Error::new(
                            target,
                            ErrorKind::RunOutcomeUnknown(Box::new(error)),
                        ))
                    }
                };
                if let Some(run) = before.appeared_in(now) {
                    tracing::info!(run = run.id, %error, "adopted the run the lost answer started");
                    return Ok(run);
                }
            }
            match client.retry_delay(attempts, &error, started, deadline) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(error),
            }
        }
    }
    .instrument(call_span(&target))
    .await
}
