//! The API as the fake serves it: each request, from its route through
//! faults and authentication to the operation and its answer.

use crate::answer::{Answer, DateHeader};
use crate::auth::Credentials;
use crate::built::built;
use crate::definition;
use crate::fault::{self, Outcome, Schedule};
use crate::files::{FilesQuery, Selection};
use crate::logs::LogsQuery;
use crate::record::RecordedRequest;
use crate::route::{Route, Target};
use crate::state::{Refusal, State};
use ei_api::enums::JobLogItemLogLevel;
use ei_api::types::{
    EntityCreatedResponse, GenericApiResponse, GetJobResponse, GetOrganizationJobsLogsLogLevel,
    GetOrganizationPipelinesResponse, ListOrganizationPipelinesResponse, LogStdoutResponse,
    OrganizationCreateProjectStatusResponse, RunOrganizationPipelineResponse,
};
use hyper::header::{HeaderMap, HeaderValue, DATE};
use hyper::{Method, StatusCode};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::time::Instant;

/// The run operation's optional query parameter (a boolean).
const IGNORE_LAST_SUCCESSFUL_RUN: &str = "ignoreLastSuccessfulRun";

/// The list operations' optional query parameter (an integer).
const PROJECT_ID: &str = "projectId";

/// The transformation job status's required page size (an integer).
const TRANSFORM_LIMIT: &str = "transformLimit";

/// The transformation job status's required page offset (an integer).
const TRANSFORM_OFFSET: &str = "transformOffset";

/// The transformation job status's optional file selection.
const SELECTION: &str = "selection";

/// The logs' optional line limit (an integer).
const LIMIT: &str = "limit";

/// The logs' optional level filter.
const LOG_LEVEL: &str = "logLevel";

/// A request, as much of it as the API reads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Request<'a> {
    /// The method.
    pub(crate) method: &'a Method,
    /// The path.
    pub(crate) path: &'a str,
    /// The query string, if any.
    pub(crate) query: Option<&'a str>,
    /// The headers.
    pub(crate) headers: &'a HeaderMap,
    /// The body (empty when there is none).
    pub(crate) body: &'a [u8],
}

/// Everything one studio serves from: its credentials, state, faults and record.
#[derive(Debug)]
pub(crate) struct Api {
    credentials: Credentials,
    state: Mutex<State>,
    faults: Mutex<Schedule>,
    requests: Mutex<Vec<RecordedRequest>>,
}

/// Locks `mutex`, whose data stays consistent even if a holder panicked
/// (every change under the locks is a single step).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Api {
    /// An API accepting `credentials`, over `state`.
    pub(crate) fn new(credentials: Credentials, state: State) -> Self {
        Self {
            credentials,
            state: Mutex::new(state),
            faults: Mutex::default(),
            requests: Mutex::default(),
        }
    }

    /// The studio's state.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// The studio's faults.
    pub(crate) fn faults(&self) -> MutexGuard<'_, Schedule> {
        lock(&self.faults)
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// Records `request`, then answers it (or not, if a fault says so).
    pub(crate) async fn handle(&self, request: Request<'_>) -> Outcome {
        let received = Instant::now();
        let presented = self.credentials.check(request.headers);
        let route = Route::parse(request.method, request.path);
        lock(&self.requests).push(RecordedRequest {
            method: request.method.to_string(),
            path: request.path.to_owned(),
            query: request.query.map(str::to_owned),
            credential: presented.kind,
            operation: route.as_ref().map(Route::operation),
            received,
        });
        let Some(route) = route else {
            let message = format!("Cannot {} {}", request.method, request.path);
            return self
                .dated(Outcome::Send(Answer::failure(StatusCode::NOT_FOUND, message).into()));
        };
        let fault = self.faults().call(route.operation(), received);
        let outcome = fault::answer(fault, || {
            if !presented.accepted {
                return Answer::failure(StatusCode::UNAUTHORIZED, "Invalid or missing credentials");
            }
            self.perform(&route, request.query, request.body)
        })
        .await;
        self.dated(outcome)
    }

    /// `outcome` with a `Date` header from the studio's clock (not the
    /// machine's), as every answer of a real server has one.
    fn dated(&self, outcome: Outcome) -> Outcome {
        match outcome {
            Outcome::Send(mut reply) if reply.date != DateHeader::Absent => {
                let skew = match reply.date {
                    DateHeader::Skewed(seconds) => seconds,
                    DateHeader::Studio | DateHeader::Absent => 0,
                };
                let date = self.state().clock().http_date(Instant::now(), skew);
                if let Ok(date) = HeaderValue::from_str(&date) {
                    reply.headers.insert(DATE, date);
                }
                Outcome::Send(reply)
            }
            other => other,
        }
    }

    /// Performs an authenticated request's operation. The state is locked
    /// only to change it and read the models, not to encode them.
    fn perform(&self, route: &Route<'_>, query: Option<&str>, body: &[u8]) -> Answer {
        let bad_request = |message| Answer::failure(StatusCode::BAD_REQUEST, message);
        let target = match route.target() {
            Ok(target) => target,
            Err(message) => return bad_request(message),
        };
        let now = Instant::now();
        let answer = match target {
            Target::Run { organization, pipeline } => {
                if let Err(message) = query_value::<bool>(query, IGNORE_LAST_SUCCESSFUL_RUN) {
                    return bad_request(message);
                }
                let run = self.state().run(organization, pipeline, now);
                run.map(|pipeline_run| {
                    Answer::ok(&built::<RunOrganizationPipelineResponse>(
                        RunOrganizationPipelineResponse::builder()
                            .pipeline_run(pipeline_run)
                            .success(true),
                    ))
                })
            }
            Target::Get { organization, pipeline } => {
                let pipeline = self.state().pipeline(organization, pipeline, now);
                pipeline.map(|pipeline| {
                    Answer::ok(&built::<GetOrganizationPipelinesResponse>(
                        GetOrganizationPipelinesResponse::builder()
                            .pipeline(pipeline)
                            .success(true),
                    ))
                })
            }
            Target::Stop { organization, pipeline } => {
                let stopped = self.state().stop(organization, pipeline, now);
                stopped.map(|()| {
                    Answer::ok(&built::<GenericApiResponse>(
                        GenericApiResponse::builder().success(true),
                    ))
                })
            }
            Target::List { organization } | Target::ListArchived { organization } => {
                let project_id = match query_value::<i64>(query, PROJECT_ID) {
                    Ok(project_id) => project_id,
                    Err(message) => return bad_request(message),
                };
                let archived = matches!(target, Target::ListArchived { .. });
                let pipelines = self.state().pipelines(organization, project_id, archived, now);
                pipelines.map(|pipelines| {
                    Answer::ok(&built::<ListOrganizationPipelinesResponse>(
                        ListOrganizationPipelinesResponse::builder()
                            .pipelines(pipelines)
                            .success(true),
                    ))
                })
            }
            Target::Create { organization } => {
                let definition = match definition::read(body) {
                    Ok(definition) => definition,
                    Err(message) => return bad_request(message),
                };
                let created = self.state().create(organization, definition);
                created.map(|id| {
                    Answer::ok(&built::<EntityCreatedResponse>(
                        EntityCreatedResponse::builder().id(id).success(true),
                    ))
                })
            }
            Target::Update { organization, pipeline } => {
                let definition = match definition::read(body) {
                    Ok(definition) => definition,
                    Err(message) => return bad_request(message),
                };
                let updated = self.state().update(organization, pipeline, definition);
                updated.map(|()| {
                    Answer::ok(&built::<GenericApiResponse>(
                        GenericApiResponse::builder().success(true),
                    ))
                })
            }
            Target::Delete { organization, pipeline } => {
                let deleted = self.state().delete(organization, pipeline);
                deleted.map(|()| {
                    Answer::ok(&built::<GenericApiResponse>(
                        GenericApiResponse::builder().success(true),
                    ))
                })
            }
            Target::TransformationJobStatus { organization, transformation_job } => {
                let query = match files_query(query) {
                    Ok(query) => query,
                    Err(message) => return bad_request(message),
                };
                let job =
                    self.state().transformation_job(organization, transformation_job, &query, now);
                job.map(|job| {
                    Answer::ok(&built::<OrganizationCreateProjectStatusResponse>(
                        OrganizationCreateProjectStatusResponse::builder()
                            .status(job)
                            .success(true),
                    ))
                })
            }
            Target::JobStatus { organization, job } => {
                let job = self.state().job(organization, job, now);
                job.map(|job| {
                    Answer::ok(&built::<GetJobResponse>(
                        GetJobResponse::builder().job(job).success(true),
                    ))
                })
            }
            Target::JobLogs { organization, job } => {
                let query = match logs_query(query) {
                    Ok(query) => query,
                    Err(message) => return bad_request(message),
                };
                let logs = self.state().job_logs(organization, job, &query, now);
                logs.map(|logs| {
                    Answer::ok(&built::<LogStdoutResponse>(
                        LogStdoutResponse::builder()
                            .stdout(logs.lines)
                            .success(true)
                            .total_count(logs.total),
                    ))
                })
            }
        };
        answer.unwrap_or_else(|refusal| match refusal {
            Refusal::NotFound(message) => Answer::failure(StatusCode::NOT_FOUND, message),
            Refusal::Declined(message) => Answer::failure(StatusCode::OK, message),
        })
    }
}

/// What a transformation job status request asks for, or why it is unusable.
fn files_query(query: Option<&str>) -> Result<FilesQuery, String> {
    let required = |name| {
        query_value::<usize>(query, name)?
            .ok_or_else(|| format!("{name} is required (a non-negative integer)"))
    };
    let selection = query_value::<Selection>(query, SELECTION)?;
    Ok(FilesQuery {
        limit: required(TRANSFORM_LIMIT)?,
        offset: required(TRANSFORM_OFFSET)?,
        selection: selection.unwrap_or(Selection::All),
    })
}

/// What a logs request asks for, or why it is unusable. The level is one
/// the document lists for the parameter, read as the level of a line.
fn logs_query(query: Option<&str>) -> Result<LogsQuery, String> {
    let level = query_value::<GetOrganizationJobsLogsLogLevel>(query, LOG_LEVEL)?;
    Ok(LogsQuery {
        limit: query_value::<usize>(query, LIMIT)?,
        level: level.map(|level| JobLogItemLogLevel::from(level.to_string())),
    })
}

/// The value of the query parameter `name`, if present, or why it is unusable.
fn query_value<T: std::str::FromStr>(query: Option<&str>, name: &str) -> Result<Option<T>, String> {
    let raw = query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='));
    raw.map(|raw| raw.parse().map_err(|_| format!("{name} has an unusable value '{raw}'")))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_found_and_checked() {
        let query = Some("a=1&projectId=42&ignoreLastSuccessfulRun=true");
        assert_eq!(query_value::<i64>(query, PROJECT_ID), Ok(Some(42)));
        assert_eq!(query_value::<bool>(query, IGNORE_LAST_SUCCESSFUL_RUN), Ok(Some(true)));
        assert_eq!(query_value::<i64>(None, PROJECT_ID), Ok(None));
        assert!(query_value::<i64>(Some("projectId=x"), PROJECT_ID).is_err());
        assert_eq!(query_value::<i64>(Some("projectIds=1"), PROJECT_ID), Ok(None));
    }
}
