//! The client: the HTTP connection pool, the settings every call shares,
//! and the handles to the API's resources.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ei_api::RequestContext;

use crate::config::ClientBuilder;
use crate::ids::{OrganizationId, PipelineId};
use crate::organization::OrganizationHandle;
use crate::pipeline::PipelineHandle;
use crate::retry::{RetryBudget, RetryPolicy};

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
    view_lag_grace: Duration,
}

/// Everything a [`Client`] is made of, from [`ClientBuilder::build`].
pub(crate) struct Parts {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) context: RequestContext,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) retry_budget: u32,
    pub(crate) view_lag_grace: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", self.inner.context.credentials())
            .field("retry_policy", &self.inner.retry_policy)
            .field("retry_budget_available", &self.inner.retry_budget.available())
            .field("view_lag_grace", &self.inner.view_lag_grace)
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

    pub(crate) fn from_parts(parts: Parts) -> Self {
        let Parts { http, base_url, context, retry_policy, retry_budget, view_lag_grace } = parts;
        let retry_budget = RetryBudget::new(retry_budget);
        Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                context,
                retry_policy,
                retry_budget,
                view_lag_grace,
            }),
        }
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

    /// The client-wide retry budget.
    pub(crate) fn retry_budget(&self) -> &RetryBudget {
        &self.inner.retry_budget
    }

    /// How long the pipeline view may lag behind a write
    /// ([`ClientBuilder::view_lag_grace`]).
    pub fn view_lag_grace(&self) -> Duration {
        self.inner.view_lag_grace
    }
}
