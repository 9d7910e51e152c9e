//! One organization: listing its pipelines.

use ei_api::types::OrganizationPipeline;

use super::Client;
use super::PipelineHandle;
use crate::definition::{self, Applied, DefinitionError, PipelineDefinition, Plan};
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

    /// The organization's archived pipelines (`listArchivedOrganizationPipelines`).
    pub async fn archived_pipelines(&self) -> Result<Vec<OrganizationPipeline>, Error> {
        operations::list_archived(self.client.caller(), self.organization).await
    }

    /// What applying `desired` would change: the pipeline of its `id`, else
    /// the one of its `name`, else a new one (see [`definition`]).
    pub async fn plan(&self, desired: PipelineDefinition) -> Result<Plan, DefinitionError> {
        definition::plan(self.client.caller(), self.organization, desired).await
    }

    /// Carries out `plan`: writes nothing when nothing differs; refuses,
    /// writing nothing, when the pipeline changed since the plan or has a
    /// run in progress, or a `${NAME}` secret's variable is not set.
    pub async fn apply(&self, plan: &Plan) -> Result<Applied, DefinitionError> {
        definition::apply(self.client.caller(), plan).await
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
