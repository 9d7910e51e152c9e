//! Operations on one organization: listing its pipelines.

use ei_api::types::OrganizationPipeline;

use crate::call::Idempotent;
use crate::client::Client;
use crate::error::{CallTarget, Error, Operation};
use crate::ids::{OrganizationId, ProjectId};

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
        let organization = self.handle.organization;
        let target = CallTarget { operation: Operation::List, organization, pipeline: None };
        let project = self.project.map(ProjectId::get);
        let response = self
            .handle
            .client
            .call(
                target,
                None,
                move |raw| async move {
                    let request =
                        raw.list_organization_pipelines().organization_id(organization.get());
                    match project {
                        Some(project) => request.project_id(project).send().await,
                        None => request.send().await,
                    }
                },
                &mut Idempotent,
            )
            .await?;
        Ok(response.value.pipelines)
    }
}
