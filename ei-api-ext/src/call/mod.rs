//! One call: attempts until one succeeds, or the failure's class, the
//! policy, the caller's deadline or the client-wide budget says stop. This
//! is the one retry loop of the crate: every request goes through it, and
//! nothing else sleeps between attempts or re-reads. What a failed attempt
//! means beyond its class (a lost run answer must be looked for before the
//! run call is sent again) is the caller's [`AfterFailure`] hook, which the
//! loop may ask again, after the policy's delay, without sending.
//!
//! The caller's deadline is absolute: an attempt in flight is cut off at it
//! ([`ErrorKind::DeadlinePassed`]), and no retry sleeps past it.

mod attempt;
pub(crate) mod retry;
mod transport;

use std::future::Future;
use std::time::Duration;

use ei_api::{ApiResponse, RequestContext};
use tokio::time::Instant;
use tracing::Instrument;

pub(crate) use attempt::{Answered, RawResult};
use retry::{retry_cost, RetryBudget, RetryPolicy};

use crate::error::{CallTarget, Error, ErrorKind};
use crate::ids::PipelineId;

/// What every call of one client shares: the connection pool, the base
/// URL, the credentials, the retry policy and budget.
#[derive(Debug)]
pub(crate) struct Caller {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// The settings every attempt's context starts from (credentials, answer limit).
    pub(crate) context: RequestContext,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) retry_budget: RetryBudget,
    /// How long the pipeline view may lag behind a write.
    pub(crate) view_lag_grace: Duration,
}

/// One attempt that failed, as the hook sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FailedAttempt {
    /// When the attempt was sent (the local monotonic clock).
    pub(crate) sent: Instant,
    /// How many times the hook was already asked about this attempt.
    pub(crate) asked: u32,
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
    /// Ask the hook again after the policy's next delay, without sending
    /// (a view that may lag is read once more); fail with this error when
    /// the deadline or the policy's time comes first.
    AskAgain(Error),
}

/// What a call makes of a failed attempt before the retry rules apply.
pub(crate) trait AfterFailure<T> {
    /// Decides what becomes of `error`, from `attempt`.
    fn after_failure(
        &mut self,
        caller: &Caller,
        error: Error,
        attempt: FailedAttempt,
    ) -> impl Future<Output = Next<T>> + Send;
}

/// The hook of a call that may simply be sent again (every operation but
/// run): retry what may succeed later, fail on the rest.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Idempotent;

impl<T: Send> AfterFailure<T> for Idempotent {
    async fn after_failure(&mut self, _: &Caller, error: Error, _: FailedAttempt) -> Next<T> {
        if error.is_retryable() {
            Next::Retry(error)
        } else {
            Next::Fail(error)
        }
    }
}

/// The hook of a write that must not be repeated blindly (create, update,
/// delete): sent again only when the failure proves the server did nothing
/// (429, 503, 408, no connection); any other failure, an ambiguous one
/// included, ends the call, so that a create whose answer was lost never
/// makes a second pipeline and an update never overwrites what another
/// writer did in between.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WriteOnce;

impl<T: Send> AfterFailure<T> for WriteOnce {
    async fn after_failure(&mut self, _: &Caller, error: Error, _: FailedAttempt) -> Next<T> {
        if error.class().had_no_effect() {
            Next::Retry(error)
        } else {
            Next::Fail(error)
        }
    }
}

impl Caller {
    /// Calls `target` with `request` (one attempt per call of it) until an
    /// attempt succeeds or it is time to give up; `hook` judges each
    /// failure first. Nothing runs past `deadline`.
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
                let mut error = match self.attempt(target, &mut request, attempts, deadline).await {
                    Ok(answered) => return Ok(answered),
                    Err(error) => error,
                };
                let mut asked = 0;
                let next = loop {
                    let attempt = FailedAttempt { sent, asked };
                    match hook.after_failure(self, error, attempt).await {
                        Next::AskAgain(again) => {
                            asked += 1;
                            let policy = &self.retry_policy;
                            let Some(delay) = policy.next_look(asked, started, deadline) else {
                                break Next::Fail(again);
                            };
                            tracing::debug!(
                                asked,
                                delay_ms = delay.as_millis() as u64,
                                "looking again"
                            );
                            tokio::time::sleep(delay).await;
                            error = again;
                        }
                        next => break next,
                    }
                };
                let error = match next {
                    Next::Found(answered) => return Ok(answered),
                    Next::Fail(error) => return Err(error),
                    Next::Retry(error) | Next::AskAgain(error) => error,
                };
                let class = error.class();
                if !class.is_retryable() {
                    return Err(error);
                }
                let Some((delay, reason)) =
                    self.retry_policy.next_delay(attempts, class, started, deadline)
                else {
                    return Err(error);
                };
                let cost = retry_cost(class);
                if !self.retry_budget.try_withdraw(cost) {
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
                self.retry_budget.refund(taken);
                tracing::info!(parent: &span, attempts, elapsed_ms, "call succeeded");
            }
            Err(error) => {
                tracing::info!(parent: &span, attempts, elapsed_ms, %error, "call failed")
            }
        }
        outcome
    }

    /// Makes attempt number `attempt` of `target`, cut off at `deadline`.
    pub(crate) async fn attempt<T, F, Fut>(
        &self,
        target: CallTarget,
        request: &mut F,
        attempt: u32,
        deadline: Option<Instant>,
    ) -> Result<Answered<T>, Error>
    where
        T: ApiResponse,
        F: FnMut(ei_api::Client) -> Fut,
        Fut: Future<Output = RawResult<T>>,
    {
        let attempt = attempt::send(self, target, request, attempt);
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, attempt)
                .await
                .unwrap_or_else(|_| Err(Error::new(target, ErrorKind::DeadlinePassed))),
            None => attempt.await,
        }
    }
}

/// The span around one call, with its operation and ids.
fn call_span(target: &CallTarget) -> tracing::Span {
    tracing::info_span!(
        "ei.call",
        operation = target.operation.operation_id(),
        organization = target.organization.get(),
        pipeline = target.pipeline.map(PipelineId::get),
    )
}
