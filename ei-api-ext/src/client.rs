//! The client, and the idempotent retry loop every call but `run` uses.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use ei_api::{ApiResponse, RequestContext};
use tokio::time::Instant;
use tracing::Instrument;

use crate::attempt::RawResult;
use crate::config::ClientBuilder;
use crate::error::{CallTarget, Error};
use crate::ids::{OrganizationId, PipelineId};
use crate::organization::OrganizationHandle;
use crate::pipeline::PipelineHandle;
use crate::retry::{retry_cost, RetryBudget, RetryPolicy};

/// The Edge Impulse pipelines client. Cheap to clone: clones share the
/// connection pool and the retry budget.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let studio = ei_fake_studio::FakeStudio::start().await;
/// use ei_api_ext::{Client, OrganizationId, PipelineId};
///
/// let client = Client::builder()
///     .api_key(ei_fake_studio::FakeStudio::DEFAULT_API_KEY)
///     .base_url(studio.base_url())
///     .build()?;
/// let pipeline = client.pipeline(OrganizationId::new(1), PipelineId::new(1)).get().await?;
/// println!("{} has {} steps", pipeline.name, pipeline.steps.len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// The settings every attempt's context starts from (credentials, answer limit).
    context: RequestContext,
    retry_policy: RetryPolicy,
    retry_budget: RetryBudget,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", self.inner.context.credentials())
            .field("retry_policy", &self.inner.retry_policy)
            .field("retry_budget_available", &self.inner.retry_budget.available())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment: `EI_API_KEY` (or `EI_JWT`
    /// and `EI_JWT_TRANSPORT`) and `EI_API_ENDPOINT`.
    pub fn from_env() -> Result<Self, crate::ConfigError> {
        Self::builder().from_env().build()
    }

    pub(crate) fn from_parts(
        http: reqwest::Client,
        base_url: String,
        context: RequestContext,
        retry_policy: RetryPolicy,
    ) -> Self {
        let retry_budget = retry_policy.new_budget();
        Self { inner: Arc::new(Inner { http, base_url, context, retry_policy, retry_budget }) }
    }

    /// Operations on one pipeline.
    pub fn pipeline(&self, organization: OrganizationId, pipeline: PipelineId) -> PipelineHandle {
        PipelineHandle::new(self.clone(), organization, pipeline)
    }

    /// Operations on one organization.
    pub fn organization(&self, organization: OrganizationId) -> OrganizationHandle {
        OrganizationHandle::new(self.clone(), organization)
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry_policy
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// A fresh context for one attempt: the client's settings, and a slot
    /// of its own for the response head.
    pub(crate) fn new_context(&self) -> RequestContext {
        self.inner.context.fresh()
    }

    pub(crate) fn note_success(&self) {
        self.inner.retry_budget.refill();
    }

    /// The wait before retrying after `error`, or `None` to give up: the
    /// policy says stop, the deadline is too close, or the client-wide
    /// budget is spent.
    pub(crate) fn retry_delay(
        &self,
        attempts_made: u32,
        error: &Error,
        started: Instant,
        deadline: Option<Instant>,
    ) -> Option<std::time::Duration> {
        let (delay, reason) =
            self.inner.retry_policy.next_delay(attempts_made, error, started, deadline)?;
        if !self.inner.retry_budget.try_withdraw(retry_cost(error)) {
            tracing::warn!(%error, "not retrying: the client's retry budget is spent");
            return None;
        }
        tracing::info!(
            delay_ms = delay.as_millis() as u64,
            reason = reason.as_str(),
            %error,
            "retrying"
        );
        Some(delay)
    }

    /// Runs an idempotent call with retries.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        target: CallTarget,
        deadline: Option<Instant>,
        mut request: F,
    ) -> Result<T, Error>
    where
        T: ApiResponse,
        F: FnMut(ei_api::Client) -> Fut,
        Fut: Future<Output = RawResult<T>>,
    {
        debug_assert!(target.operation.is_idempotent());
        let span = call_span(&target);
        async move {
            let started = Instant::now();
            let mut attempts = 0;
            loop {
                attempts += 1;
                let error = match self.attempt(target, &mut request, attempts).await {
                    Ok(value) => {
                        self.note_success();
                        return Ok(value);
                    }
                    Err(error) => error,
                };
                if !error.is_retryable() {
                    return Err(error);
                }
                match self.retry_delay(attempts, &error, started, deadline) {
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => return Err(error),
                }
            }
        }
        .instrument(span)
        .await
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
