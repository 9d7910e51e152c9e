//! The API's operations, each written once: the request the generated
//! client builds, the ids it names, and the one retry loop it goes through
//! with the caller's deadline. The run call, which is not idempotent, has
//! its reconcile hook beside it ([`run`]); the writes of definitions
//! (create, update, delete) are sent again only when an attempt provably
//! did nothing.

mod run;

use std::sync::Arc;

use ei_api::types::{
    GetOrganizationPipelinesResponse, LogStdoutResponse,
    OrganizationCreateProjectWithFilesFilesItem, OrganizationPipeline, OrganizationPipelineRun,
    OrganizationUpdatePipelineBody,
};
use tokio::time::Instant;

use crate::call::{Answered, Caller, Idempotent, RawResult, WriteOnce};
use crate::error::{CallTarget, Error, Operation};
use crate::ids::{OrganizationId, PipelineId, ProjectId};

/// Which of a transformation job's files to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileSelection {
    /// Every file.
    All,
    /// The files that failed.
    Failed,
}

/// A page of a transformation job's files: how many the selection holds in
/// all, and the first of them.
#[derive(Debug, Default)]
pub(crate) struct FilesPage {
    pub(crate) total: i64,
    pub(crate) files: Vec<OrganizationCreateProjectWithFilesFilesItem>,
}

/// The organization's pipelines (`listOrganizationPipelines`), those of
/// `project` only when given.
pub(crate) async fn list(
    caller: &Caller,
    organization: OrganizationId,
    project: Option<ProjectId>,
) -> Result<Vec<OrganizationPipeline>, Error> {
    let target = CallTarget { operation: Operation::List, organization, pipeline: None };
    let project = project.map(ProjectId::get);
    let request = move |raw: ei_api::Client| async move {
        let request = raw.list_organization_pipelines().organization_id(organization.get());
        match project {
            Some(project) => request.project_id(project).send().await,
            None => request.send().await,
        }
    };
    Ok(caller.call(target, None, request, &mut Idempotent).await?.value.pipelines)
}

/// The organization's archived pipelines (`listArchivedOrganizationPipelines`).
pub(crate) async fn list_archived(
    caller: &Caller,
    organization: OrganizationId,
) -> Result<Vec<OrganizationPipeline>, Error> {
    let target = CallTarget { operation: Operation::ListArchived, organization, pipeline: None };
    let request = move |raw: ei_api::Client| async move {
        raw.list_archived_organization_pipelines().organization_id(organization.get()).send().await
    };
    Ok(caller.call(target, None, request, &mut Idempotent).await?.value.pipelines)
}

/// Creates a pipeline from `definition` (`createOrganizationPipeline`) and
/// returns its id; never sent twice unless the first attempt provably did
/// nothing.
pub(crate) async fn create(
    caller: &Caller,
    organization: OrganizationId,
    definition: OrganizationUpdatePipelineBody,
) -> Result<PipelineId, Error> {
    let target = CallTarget { operation: Operation::Create, organization, pipeline: None };
    let request = move |raw: ei_api::Client| {
        let definition = definition.clone();
        async move {
            raw.create_organization_pipeline()
                .organization_id(organization.get())
                .body(definition)
                .send()
                .await
        }
    };
    let answered = caller.call(target, None, request, &mut WriteOnce).await?;
    Ok(PipelineId::new(answered.value.id))
}

/// One pipeline's operations: the caller, and the ids every request names.
#[derive(Clone, Debug)]
pub(crate) struct PipelineCalls {
    caller: Arc<Caller>,
    organization: OrganizationId,
    pipeline: PipelineId,
}

impl PipelineCalls {
    pub(crate) fn new(
        caller: Arc<Caller>,
        organization: OrganizationId,
        pipeline: PipelineId,
    ) -> Self {
        Self { caller, organization, pipeline }
    }

    /// What every call of this client goes through.
    pub(crate) fn caller(&self) -> &Caller {
        &self.caller
    }

    /// How errors and traces name `operation` on this pipeline.
    pub(crate) fn target(&self, operation: Operation) -> CallTarget {
        CallTarget { operation, organization: self.organization, pipeline: Some(self.pipeline) }
    }

    /// The request of `getOrganizationPipeline`.
    fn get_request(&self) -> impl FnMut(ei_api::Client) -> GetFuture + Send + 'static {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        move |raw: ei_api::Client| -> GetFuture {
            Box::pin(async move {
                raw.get_organization_pipeline()
                    .organization_id(organization)
                    .pipeline_id(pipeline)
                    .send()
                    .await
            })
        }
    }

    /// The pipeline, with its `currentRun` and `lastRun`
    /// (`getOrganizationPipeline`), and what the answer's head says of the
    /// server's clock.
    pub(crate) async fn get(
        &self,
        deadline: Option<Instant>,
    ) -> Result<Answered<GetOrganizationPipelinesResponse>, Error> {
        let target = self.target(Operation::Get);
        self.caller.call(target, deadline, self.get_request(), &mut Idempotent).await
    }

    /// Stops the running run and marks it failed (`stopOrganizationPipeline`).
    pub(crate) async fn stop(&self, deadline: Option<Instant>) -> Result<(), Error> {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        let request = move |raw: ei_api::Client| async move {
            raw.stop_organization_pipeline()
                .organization_id(organization)
                .pipeline_id(pipeline)
                .send()
                .await
        };
        let target = self.target(Operation::Stop);
        self.caller.call(target, deadline, request, &mut Idempotent).await?;
        Ok(())
    }

    /// Starts a run (`runOrganizationPipeline`); see
    /// [`RunRequest::send`](crate::RunRequest::send) for how a lost answer
    /// is settled.
    pub(crate) async fn run(
        &self,
        ignore_last_successful_run: Option<bool>,
        deadline: Option<Instant>,
    ) -> Result<OrganizationPipelineRun, Error> {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        let request = move |raw: ei_api::Client| async move {
            let request =
                raw.run_organization_pipeline().organization_id(organization).pipeline_id(pipeline);
            match ignore_last_successful_run {
                Some(ignore) => request.ignore_last_successful_run(ignore).send().await,
                None => request.send().await,
            }
        };
        let mut reconcile = run::Reconcile::new(self, deadline);
        let target = self.target(Operation::Run);
        let answered = self.caller.call(target, deadline, request, &mut reconcile).await?;
        Ok(answered.value.pipeline_run)
    }

    /// Replaces the pipeline's whole definition (`updateOrganizationPipeline`);
    /// never sent twice unless the first attempt provably did nothing.
    pub(crate) async fn update(
        &self,
        definition: OrganizationUpdatePipelineBody,
    ) -> Result<(), Error> {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        let request = move |raw: ei_api::Client| {
            let definition = definition.clone();
            async move {
                raw.update_organization_pipeline()
                    .organization_id(organization)
                    .pipeline_id(pipeline)
                    .body(definition)
                    .send()
                    .await
            }
        };
        let target = self.target(Operation::Update);
        self.caller.call(target, None, request, &mut WriteOnce).await?;
        Ok(())
    }

    /// Deletes the pipeline (`deleteOrganizationPipeline`); never sent twice
    /// unless the first attempt provably did nothing.
    pub(crate) async fn delete(&self) -> Result<(), Error> {
        let (organization, pipeline) = (self.organization.get(), self.pipeline.get());
        let request = move |raw: ei_api::Client| async move {
            raw.delete_organization_pipeline()
                .organization_id(organization)
                .pipeline_id(pipeline)
                .send()
                .await
        };
        let target = self.target(Operation::Delete);
        self.caller.call(target, None, request, &mut WriteOnce).await?;
        Ok(())
    }

    /// The first `limit` files of transformation job `job` that `selection`
    /// holds, with their number in all (`getOrganizationCreateProjectStatus`).
    pub(crate) async fn job_files(
        &self,
        job: i64,
        selection: FileSelection,
        limit: u32,
        deadline: Instant,
    ) -> Result<FilesPage, Error> {
        let organization = self.organization.get();
        let selection = match selection {
            FileSelection::All => "all",
            FileSelection::Failed => "failed",
        };
        let request = move |raw: ei_api::Client| async move {
            raw.get_organization_create_project_status()
                .organization_id(organization)
                .create_project_id(job)
                .selection(selection)
                .transform_limit(i64::from(limit))
                .transform_offset(0)
                .send()
                .await
        };
        let target = self.target(Operation::TransformationJobStatus);
        let answer = self.caller.call(target, Some(deadline), request, &mut Idempotent).await?;
        let page = answer.value.status.map(|status| FilesPage {
            total: status.file_count_for_filter,
            // A server may list more than asked: keep what was asked for.
            files: status.files.into_iter().take(limit as usize).collect(),
        });
        Ok(page.unwrap_or_default())
    }

    /// The last `lines` lines of job `job`'s log, at `level` and above
    /// (every level when `None`) (`getOrganizationJobsLogs`).
    pub(crate) async fn job_log(
        &self,
        job: i64,
        level: Option<ei_api::types::GetOrganizationJobsLogsLogLevel>,
        lines: u32,
        deadline: Instant,
    ) -> Result<LogStdoutResponse, Error> {
        let organization = self.organization.get();
        let request = move |raw: ei_api::Client| async move {
            let request = raw
                .get_organization_jobs_logs()
                .organization_id(organization)
                .job_id(job)
                .limit(i64::from(lines));
            match level {
                Some(level) => request.log_level(level).send().await,
                None => request.send().await,
            }
        };
        let target = self.target(Operation::JobLogs);
        Ok(self.caller.call(target, Some(deadline), request, &mut Idempotent).await?.value)
    }
}

/// What the request of `getOrganizationPipeline` returns.
type GetFuture = std::pin::Pin<
    Box<dyn std::future::Future<Output = RawResult<GetOrganizationPipelinesResponse>> + Send>,
>;
