//! One call: attempts until one succeeds, or the failure's class, the
//! policy, the deadline or the client-wide budget says stop. This is the one
//! retry loop of the crate; what a failed attempt means beyond its class (a
//! lost run answer must be looked for before the run call is sent again) is
//! the caller's [`AfterFailure`] hook.

use std::future::Future;

use ei_api::ApiResponse;
use tokio::time::Instant;
use tracing::Instrument;

use crate::attempt::{Answered, RawResult};
use crate::client::Client;
use crate::error::{CallTarget, Error};
use crate::ids::PipelineId;
use crate::retry::retry_cost;

/// One attempt that failed, as the hook sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FailedAttempt {
    /// When the attempt was sent (the local monotonic clock).
    pub(crate) sent: Instant,
}

/// What becomes of a failed attempt.
#[derive(Debug)]
pub(crate) enum Next<T> {
    /// Send the call again, if the retry rules allow, or fail with this error.
    Retry(Error),
    /// Fail with this error now.
    Fail(Error),
    /// The call's effect was found; this is its answer.
    Found(Answered<T>),
}

/// What a call makes of a failed attempt before the retry rules apply.
pub(crate) trait AfterFailure<T> {
    /// Decides what becomes of `error`, from `attempt`.
    fn after_failure(
        &mut self,
        error: Error,
        attempt: FailedAttempt,
    ) -> impl Future<Output = Next<T>> + Send;
}

/// The hook of a call that may simply be sent again (every operation but
/// run): retry what may succeed later, fail on the rest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Idempotent;

impl<T: Send> AfterFailure<T> for Idempotent {
    async fn after_failure(&mut self, error: Error, _: FailedAttempt) -> Next<T> {
        if error.is_retryable() {
            Next::Retry(error)
        } else {
            Next::Fail(error)
        }
    }
}

impl Client {
    /// Calls `target` with `request` (one attempt per call of it) until an
    /// attempt succeeds or it is time to give up; `hook` judges each
    /// failure first. No retry sleeps past `deadline`.
    pub(crate) async fn call<T, F, Fut, H>(
        &self,
        target: CallTarget,
        deadline: Option<Instant>,
        mut request: F,
        hook: &mut H,
    ) -> Result<Answered<T>, Error>
    where
        T: ApiResponse,
        F: FnMut(ei_api::Client) -> Fut,
        Fut: Future<Output = RawResult<T>>,
        H: AfterFailure<T>,
    {
        let span = call_span(&target);
        let started = Instant::now();
        let mut attempts = 0;
        // What this call's retries took from the budget, given back on success.
        let mut taken = 0;
        let outcome = async {
            loop {
                attempts += 1;
                let sent = Instant::now();
                let error = match self.attempt(target, &mut request, attempts).await {
                    Ok(answered) => return Ok(answered),
                    Err(error) => error,
                };
                let error = match hook.after_failure(error, FailedAttempt { sent }).await {
                    Next::Found(answered) => return Ok(answered),
                    Next::Fail(error) => return Err(error),
                    Next::Retry(error) => error,
                };
                let class = error.class();
                if !class.is_retryable() {
                    return Err(error);
                }
                let policy = self.retry_policy();
                let Some((delay, reason)) = policy.next_delay(attempts, class, started, deadline)
                else {
                    return Err(error);
                };
                let cost = retry_cost(class);
                if !self.retry_budget().try_withdraw(cost) {
                    tracing::warn!(%error, "not retrying: the client's retry budget is spent");
                    return Err(error);
                }
                taken += cost;
                tracing::info!(
                    attempt = attempts,
                    delay_ms = delay.as_millis() as u64,
                    reason = reason.as_str(),
                    class = ?class,
                    %error,
                    "retrying"
                );
                tokio::time::sleep(delay).await;
            }
        }
        .instrument(span.clone())
        .await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match &outcome {
            Ok(_) => {
                self.retry_budget().refund(taken);
                tracing::info!(parent: &span, attempts, elapsed_ms, "call succeeded");
            }
            Err(error) => {
                tracing::info!(parent: &span, attempts, elapsed_ms, %error, "call failed")
            }
        }
        outcome
    }
}

/// The span around one call, with its operation and ids.
pub(crate) fn call_span(target: &CallTarget) -> tracing::Span {
    tracing::info_span!(
        "ei.call",
        operation = target.operation.operation_id(),
        organization = target.organization.get(),
        pipeline = target.pipeline.map(PipelineId::get),
    )
}
