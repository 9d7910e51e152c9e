//! Which operation a request's method and path are for, and the ids its
//! path carries. The methods and paths are the document's, from
//! [`Operation`]; this module only names what each path id means.

use ei_api::Operation;
use hyper::Method;

/// Where the operations' paths start: the server's `/v1` (the document's
/// paths follow).
const SERVER_PREFIX: &str = "/v1";

/// The path parameter naming the organization.
const ORGANIZATION_ID: &str = "organizationId";

/// The path parameter naming the pipeline.
const PIPELINE_ID: &str = "pipelineId";

/// The path parameter naming a step's transformation job.
const CREATE_PROJECT_ID: &str = "createProjectId";

/// The path parameter naming a job.
const JOB_ID: &str = "jobId";

/// A request to an operation the fake serves, with the values its path
/// gives the operation's parameters, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    operation: Operation,
    /// Each path parameter's name and value, in the path's order.
    values: Vec<(&'static str, &'a str)>,
}

/// What a request is for: the operation and the ids its path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target<Id = i64> {
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
    /// Create a pipeline.
    Create {
        /// `organizationId`.
        organization: Id,
    },
    /// Replace a pipeline's definition.
    Update {
        /// `organizationId`.
        organization: Id,
        /// `pipelineId`.
        pipeline: Id,
    },
    /// Delete a pipeline.
    Delete {
        /// `organizationId`.
        organization: Id,
        /// `pipelineId`.
        pipeline: Id,
    },
    /// List an organization's archived pipelines.
    ListArchived {
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

impl<'a> Route<'a> {
    /// The operation a request with `method` and `path` is for, if the fake
    /// serves it. Where two paths match, the one with fewer parameters wins
    /// (`/pipelines/archived` is the archived list, not pipeline `archived`).
    pub(crate) fn parse(method: &Method, path: &'a str) -> Option<Self> {
        let path = path.strip_prefix(SERVER_PREFIX)?;
        let routes = Operation::ALL.iter().filter(|operation| operation.method() == method);
        routes
            .filter_map(|&operation| {
                let values = operation.match_path(path)?;
                Target::of(operation, &values)?;
                Some(Self { operation, values })
            })
            .min_by_key(|route| route.values.len())
    }

    /// The operation requested.
    pub(crate) fn operation(&self) -> Operation {
        self.operation
    }

    /// What the request is for, its ids as integers, or why they are not.
    pub(crate) fn target(&self) -> Result<Target, String> {
        let ids = self
            .values
            .iter()
            .map(|&(name, raw)| Ok((name, id(name, raw)?)))
            .collect::<Result<Vec<_>, String>>()?;
        Target::of(self.operation, &ids)
            .ok_or_else(|| format!("{} is not served", self.operation.operation_id()))
    }
}

impl<Id: Copy> Target<Id> {
    /// The target of `operation` whose path parameters have `values` (by
    /// name), if the fake serves the operation.
    fn of(operation: Operation, values: &[(&str, Id)]) -> Option<Self> {
        let value = |name| values.iter().find(|(given, _)| *given == name).map(|(_, id)| *id);
        let organization = value(ORGANIZATION_ID)?;
        Some(match operation {
            Operation::Run => Target::Run { organization, pipeline: value(PIPELINE_ID)? },
            Operation::Get => Target::Get { organization, pipeline: value(PIPELINE_ID)? },
            Operation::Stop => Target::Stop { organization, pipeline: value(PIPELINE_ID)? },
            Operation::List => Target::List { organization },
            Operation::Create => Target::Create { organization },
            Operation::Update => Target::Update { organization, pipeline: value(PIPELINE_ID)? },
            Operation::Delete => Target::Delete { organization, pipeline: value(PIPELINE_ID)? },
            Operation::ListArchived => Target::ListArchived { organization },
            Operation::TransformationJobStatus => Target::TransformationJobStatus {
                organization,
                transformation_job: value(CREATE_PROJECT_ID)?,
            },
            Operation::JobStatus => Target::JobStatus { organization, job: value(JOB_ID)? },
            Operation::JobLogs => Target::JobLogs { organization, job: value(JOB_ID)? },
            _ => return None,
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
    fn the_fake_serves_every_operation_at_its_method_and_path() {
        for &operation in Operation::ALL {
            let path = format!("{SERVER_PREFIX}{}", operation.path_template());
            let route = Route::parse(&operation.method(), &path);
            assert_eq!(route.map(|route| route.operation()), Some(operation), "{path}");
        }
    }

    #[test]
    fn paths_map_to_operations_and_their_ids() {
        let target = |method, path| Route::parse(&method, path).map(|route| route.target());
        assert_eq!(
            target(Method::GET, "/v1/api/organizations/1/pipelines/2"),
            Some(Ok(Target::Get { organization: 1, pipeline: 2 }))
        );
        assert_eq!(
            target(Method::GET, "/v1/api/organizations/1/create-project/3"),
            Some(Ok(Target::TransformationJobStatus { organization: 1, transformation_job: 3 }))
        );
        assert_eq!(
            target(Method::GET, "/v1/api/organizations/1/jobs/4/stdout"),
            Some(Ok(Target::JobLogs { organization: 1, job: 4 }))
        );
        assert_eq!(
            target(Method::GET, "/v1/api/organizations/1/pipelines/archived"),
            Some(Ok(Target::ListArchived { organization: 1 }))
        );
        assert_eq!(
            target(Method::POST, "/v1/api/organizations/1/pipelines/2"),
            Some(Ok(Target::Update { organization: 1, pipeline: 2 }))
        );
        assert_eq!(
            target(Method::DELETE, "/v1/api/organizations/1/pipelines/2"),
            Some(Ok(Target::Delete { organization: 1, pipeline: 2 }))
        );
        assert_eq!(target(Method::POST, "/v1/api/organizations/1/jobs/2/status"), None);
        assert_eq!(target(Method::GET, "/v1/api/organizations/1/jobs/2"), None);
        assert_eq!(target(Method::GET, "/v1/api/organizations/1/pipelines/2/run"), None);
        assert_eq!(target(Method::GET, "/api/organizations/1/pipelines"), None);
    }

    #[test]
    fn ids_must_be_64_bit_integers() {
        let target = |organization| {
            let path = format!("/v1/api/organizations/{organization}/pipelines");
            Route::parse(&Method::GET, &path).map(|route| route.target())
        };
        assert_eq!(
            target("9007199254740993"),
            Some(Ok(Target::List { organization: 9_007_199_254_740_993 }))
        );
        let refused = target("abc").and_then(Result::err);
        assert_eq!(refused.as_deref(), Some("organizationId must be a 64-bit integer, not 'abc'"));
        assert!(target("9223372036854775808").is_some_and(|target| target.is_err()));
    }
}
