//! One organization: listing its pipelines.

use ei_api::types::OrganizationPipeline;

use super::Client;
use super::PipelineHandle;
use crate::error::Error;
use crate::ids::{OrganizationId, PipelineId, ProjectId};
use crate::operations;

/// One organization, from [`Client::organization`].
#[derive(Clone, Debug)]
pub struct OrganizationHandle {
    client: Client,
    organization: OrganizationId,
}

impl OrganizationHandle {
    pub(crate) fn new(client: Client, organization: OrganizationId) -> Self {
        Self { client, organization }
    }

    /// One of its pipelines (as [`Client::pipeline`]).
    pub fn pipeline(&self, pipeline: PipelineId) -> PipelineHandle {
        self.client.pipeline(self.organization, pipeline)
    }

    /// The organization's pipelines; narrow with [`ListPipelines::project`].
    pub fn pipelines(&self) -> ListPipelines {
        ListPipelines { handle: self.clone(), project: None }
    }
}

/// A request for the organization's pipelines (`listOrganizationPipelines`).
#[derive(Clone, Debug)]
#[must_use = "call .list() to send the request"]
pub struct ListPipelines {
    handle: OrganizationHandle,
    project: Option<ProjectId>,
}

impl ListPipelines {
    /// Only the pipelines attached to this project.
    pub fn project(mut self, project: ProjectId) -> Self {
        self.project = Some(project);
        self
    }

    /// Sends the request, with retries.
    pub async fn list(self) -> Result<Vec<OrganizationPipeline>, Error> {
        let caller = self.handle.client.caller();
        operations::list(caller, self.handle.organization, self.project).await
    }
}
