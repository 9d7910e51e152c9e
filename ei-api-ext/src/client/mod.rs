//! What users hold: the client, which carries the connection and the
//! settings every call shares (the `call` layer's `Caller`), and the handles
//! it opens on the API's resources, whose methods are every operation a user
//! makes (each a thin face on the layer that does the work).

mod builder;
mod organization;
mod pipeline;

pub use builder::{ClientBuilder, ENV_API_ENDPOINT, ENV_API_KEY, ENV_JWT, ENV_JWT_TRANSPORT};
pub use organization::{ListPipelines, OrganizationHandle};
pub use pipeline::{PipelineHandle, RunRequest};

use std::fmt;
use std::sync::Arc;

use crate::call::Caller;
use crate::ids::{OrganizationId, PipelineId};

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
    caller: Arc<Caller>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let caller = &self.caller;
        f.debug_struct("Client")
            .field("base_url", &caller.base_url)
            .field("credentials", caller.context.credentials())
            .field("retry_policy", &caller.retry_policy)
            .field("retry_budget_available", &caller.retry_budget.available())
            .field("view_lag_grace", &caller.view_lag_grace)
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

    fn new(caller: Caller) -> Self {
        Self { caller: Arc::new(caller) }
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
        &self.caller.base_url
    }

    /// What every call of this client goes through.
    pub(crate) fn caller(&self) -> &Arc<Caller> {
        &self.caller
    }
}
