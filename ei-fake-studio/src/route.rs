//! The API's operations, and which request path and method is which.

use hyper::Method;

/// An operation of the API, for scripting faults per operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `runOrganizationPipeline`: `POST /api/organizations/{organizationId}/pipelines/{pipelineId}/run`.
    Run,
    /// `getOrganizationPipeline`: `GET /api/organizations/{organizationId}/pipelines/{pipelineId}`.
    Get,
    /// `stopOrganizationPipeline`: `POST /api/organizations/{organizationId}/pipelines/{pipelineId}/stop`.
    Stop,
    /// `listOrganizationPipelines`: `GET /api/organizations/{organizationId}/pipelines`.
    List,
    /// `getOrganizationCreateProjectStatus`: `GET /api/organizations/{organizationId}/create-project/{createProjectId}`.
    TransformationJobStatus,
    /// `getOrganizationJobStatus`: `GET /api/organizations/{organizationId}/jobs/{jobId}/status`.
    JobStatus,
    /// `getOrganizationJobsLogs`: `GET /api/organizations/{organizationId}/jobs/{jobId}/stdout`.
    JobLogs,
}

/// Where the operations' paths start (the server's `/v1` and the API's common part).
const PATH_PREFIX: &str = "/v1/api/organizations/";

/// A request to an operation, with its path ids: as written in the path
/// (`Route<&str>`), then as integers once checked (`Route<i64>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route<Id> {
    /// Run a pipeline.
    Run {
        /// `organizationId`.
        organization: Id,
        /// `pipelineId`.
        pipeline: Id,
    },
    /// Get a pipeline.
    Get {
        /// `organizationId`.
        organization: Id,
        /// `pipelineId`.
        pipeline: Id,
    },
    /// Stop a pipeline's run.
    Stop {
        /// `organizationId`.
        organization: Id,
        /// `pipelineId`.
        pipeline: Id,
    },
    /// List an organization's pipelines.
    List {
        /// `organizationId`.
        organization: Id,
    },
    /// A step's transformation job, with its files.
    TransformationJobStatus {
        /// `organizationId`.
        organization: Id,
        /// `createProjectId`.
        transformation_job: Id,
    },
    /// A job's status.
    JobStatus {
        /// `organizationId`.
        organization: Id,
        /// `jobId`.
        job: Id,
    },
    /// A job's logs.
    JobLogs {
        /// `organizationId`.
        organization: Id,
        /// `jobId`.
        job: Id,
    },
}

impl<Id> Route<Id> {
    /// The operation requested.
    pub(crate) fn operation(&self) -> Operation {
        match self {
            Route::Run { .. } => Operation::Run,
            Route::Get { .. } => Operation::Get,
            Route::Stop { .. } => Operation::Stop,
            Route::List { .. } => Operation::List,
            Route::TransformationJobStatus { .. } => Operation::TransformationJobStatus,
            Route::JobStatus { .. } => Operation::JobStatus,
            Route::JobLogs { .. } => Operation::JobLogs,
        }
    }
}

impl<'a> Route<&'a str> {
    /// The operation a request with `method` and `path` is for, if any.
    pub(crate) fn parse(method: &Method, path: &'a str) -> Option<Self> {
        let segments: Vec<&str> = path.strip_prefix(PATH_PREFIX)?.split('/').collect();
        let route = match (method, segments.as_slice()) {
            (&Method::GET, &[organization, "pipelines"]) => Route::List { organization },
            (&Method::GET, &[organization, "pipelines", pipeline]) => {
                Route::Get { organization, pipeline }
            }
            (&Method::POST, &[organization, "pipelines", pipeline, "run"]) => {
                Route::Run { organization, pipeline }
            }
            (&Method::POST, &[organization, "pipelines", pipeline, "stop"]) => {
                Route::Stop { organization, pipeline }
            }
            (&Method::GET, &[organization, "create-project", transformation_job]) => {
                Route::TransformationJobStatus { organization, transformation_job }
            }
            (&Method::GET, &[organization, "jobs", job, "status"]) => {
                Route::JobStatus { organization, job }
            }
            (&Method::GET, &[organization, "jobs", job, "stdout"]) => {
                Route::JobLogs { organization, job }
            }
            _ => return None,
        };
        Some(route)
    }

    /// The route with its ids as integers, or why they are not.
    pub(crate) fn ids(self) -> Result<Route<i64>, String> {
        let organization_id = |raw| id("organizationId", raw);
        let pipeline_id = |raw| id("pipelineId", raw);
        let job_id = |raw| id("jobId", raw);
        Ok(match self {
            Route::Run { organization, pipeline } => Route::Run {
                organization: organization_id(organization)?,
                pipeline: pipeline_id(pipeline)?,
            },
            Route::Get { organization, pipeline } => Route::Get {
                organization: organization_id(organization)?,
                pipeline: pipeline_id(pipeline)?,
            },
            Route::Stop { organization, pipeline } => Route::Stop {
                organization: organization_id(organization)?,
                pipeline: pipeline_id(pipeline)?,
            },
            Route::List { organization } => {
                Route::List { organization: organization_id(organization)? }
            }
            Route::TransformationJobStatus { organization, transformation_job } => {
                Route::TransformationJobStatus {
                    organization: organization_id(organization)?,
                    transformation_job: id("createProjectId", transformation_job)?,
                }
            }
            Route::JobStatus { organization, job } => {
                Route::JobStatus { organization: organization_id(organization)?, job: job_id(job)? }
            }
            Route::JobLogs { organization, job } => {
                Route::JobLogs { organization: organization_id(organization)?, job: job_id(job)? }
            }
        })
    }
}

/// A path id as an integer (64-bit, as the API's ids are).
fn id(name: &str, raw: &str) -> Result<i64, String> {
    raw.parse().map_err(|_| format!("{name} must be a 64-bit integer, not '{raw}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_operations() {
        let parse = |method, path| Route::parse(&method, path).map(|route| route.operation());
        assert_eq!(parse(Method::GET, "/v1/api/organizations/1/pipelines"), Some(Operation::List));
        assert_eq!(parse(Method::GET, "/v1/api/organizations/1/pipelines/2"), Some(Operation::Get));
        assert_eq!(
            parse(Method::POST, "/v1/api/organizations/1/pipelines/2/run"),
            Some(Operation::Run)
        );
        assert_eq!(
            parse(Method::POST, "/v1/api/organizations/1/pipelines/2/stop"),
            Some(Operation::Stop)
        );
        assert_eq!(
            parse(Method::GET, "/v1/api/organizations/1/create-project/2"),
            Some(Operation::TransformationJobStatus)
        );
        assert_eq!(
            parse(Method::GET, "/v1/api/organizations/1/jobs/2/status"),
            Some(Operation::JobStatus)
        );
        assert_eq!(
            parse(Method::GET, "/v1/api/organizations/1/jobs/2/stdout"),
            Some(Operation::JobLogs)
        );
        assert_eq!(parse(Method::POST, "/v1/api/organizations/1/jobs/2/status"), None);
        assert_eq!(parse(Method::GET, "/v1/api/organizations/1/jobs/2"), None);
        assert_eq!(parse(Method::GET, "/v1/api/organizations/1/pipelines/2/run"), None);
        assert_eq!(parse(Method::GET, "/api/organizations/1/pipelines"), None);
    }

    #[test]
    fn ids_must_be_64_bit_integers() {
        let route = |organization| Route::List { organization }.ids();
        assert_eq!(
            route("9007199254740993"),
            Ok(Route::List { organization: 9_007_199_254_740_993 })
        );
        assert!(route("abc").is_err());
        assert!(route("9223372036854775808").is_err());
    }
}
