//! Calling each operation of the client with arguments named as the
//! document names its parameters.
//!
//! This is the one place where document names meet Rust builder methods,
//! and it is checked from both sides: [`INVOKERS`] must list exactly the
//! document's operations, and an invoker must read exactly the parameters
//! the document declares for its operation ([`Arguments`] records what it
//! reads), so a parameter added, renamed or retyped on either side fails.

use ei_api::types::{GenericApiResponse, OrganizationUpdatePipelineBody};
use ei_api::{Client, Error, Operation, ResponseValue};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

use crate::document::DeclaredOperation;

/// The values to call an operation with, by the document's parameter names,
/// and the request body, if any.
#[derive(Debug)]
pub struct Arguments {
    declared: BTreeSet<String>,
    declares_body: bool,
    values: BTreeMap<String, Value>,
    body: Option<Value>,
    read: Mutex<BTreeMap<String, &'static str>>,
    problems: Mutex<Vec<String>>,
}

impl Arguments {
    /// Arguments for `operation`, without a body: `values` must use its
    /// parameter names.
    pub fn new(operation: &DeclaredOperation, values: BTreeMap<String, Value>) -> Arguments {
        Arguments {
            declared: operation.parameters.iter().map(|p| p.name.clone()).collect(),
            declares_body: operation.body.is_some(),
            values,
            body: None,
            read: Mutex::default(),
            problems: Mutex::default(),
        }
    }

    /// These arguments with `body` as the request body.
    pub fn with_body(self, body: Option<Value>) -> Arguments {
        Arguments { body, ..self }
    }

    /// The values given, by parameter name.
    pub fn values(&self) -> &BTreeMap<String, Value> {
        &self.values
    }

    /// The request body given, as JSON.
    pub fn body_value(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// The request body as the client's type `T`, if one was given (a body
    /// the type does not take is a problem, and none).
    pub fn body<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        if !self.declares_body {
            self.problem("the invoker reads a body, which the document does not declare".into());
        }
        let value = self.body.as_ref()?;
        serde_json::from_value(value.clone()).map_or_else(
            |error| {
                self.problem(format!(
                    "the body {value} does not decode as the client's type: {error}"
                ));
                None
            },
            Some,
        )
    }

    /// The value of parameter `name` as an `i64`, if given.
    pub fn integer(&self, name: &str) -> Option<i64> {
        self.get(name, "integer")?.as_i64().or_else(|| {
            self.problem(format!(
                "{name} is read as a 64-bit integer but is {:?}",
                self.values[name]
            ));
            None
        })
    }

    /// The value of parameter `name` as a `bool`, if given.
    pub fn boolean(&self, name: &str) -> Option<bool> {
        self.get(name, "boolean")?.as_bool().or_else(|| {
            self.problem(format!("{name} is read as a boolean but is {:?}", self.values[name]));
            None
        })
    }

    /// The value of parameter `name` as a string, if given.
    pub fn string(&self, name: &str) -> Option<String> {
        self.get(name, "string")?.as_str().map(str::to_owned).or_else(|| {
            self.problem(format!("{name} is read as a string but is {:?}", self.values[name]));
            None
        })
    }

    /// What went wrong between the invoker and the document: parameters it
    /// reads that the document does not declare, parameters the document
    /// declares that it never reads, values of another type.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.problems.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let read = self.read.lock().unwrap_or_else(PoisonError::into_inner);
        for name in &self.declared {
            if !read.contains_key(name) {
                problems.push(format!("the invoker never reads declared parameter {name}"));
            }
        }
        problems
    }

    fn get(&self, name: &str, as_type: &'static str) -> Option<&Value> {
        self.read.lock().unwrap_or_else(PoisonError::into_inner).insert(name.to_owned(), as_type);
        if !self.declared.contains(name) {
            self.problem(format!(
                "the invoker reads parameter {name}, which the document does not declare"
            ));
        }
        self.values.get(name)
    }

    fn problem(&self, problem: String) {
        self.problems.lock().unwrap_or_else(PoisonError::into_inner).push(problem);
    }
}

/// How a call ended.
#[derive(Debug)]
pub enum Outcome {
    /// A success response decoded; here re-encoded as JSON.
    Decoded {
        /// The status.
        status: u16,
        /// The decoded body, re-encoded.
        body: Value,
    },
    /// The client returned an error.
    Refused(Refusal),
}

/// The `ei_api::Error` variant a call returned, with what the suite needs.
#[derive(Debug)]
pub enum Refusal {
    /// `InvalidRequest`: refused before sending.
    InvalidRequest(String),
    /// `CommunicationError`.
    Communication(String),
    /// `ErrorResponse`: a declared error status whose body decoded.
    ErrorResponse {
        /// The status.
        status: u16,
        /// The decoded body, re-encoded.
        body: Value,
    },
    /// `ResponseBodyError`.
    ResponseBody(String),
    /// `InvalidResponsePayload`: a declared status whose body did not decode.
    InvalidResponsePayload(String),
    /// `UnexpectedResponse`: a status the document does not declare.
    UnexpectedResponse(u16),
    /// Any other variant.
    Other(String),
}

impl Outcome {
    fn of<T: Serialize>(result: Result<ResponseValue<T>, Error<GenericApiResponse>>) -> Outcome {
        match result {
            Ok(response) => Outcome::Decoded {
                status: response.status().as_u16(),
                body: reencode(&response.into_inner()),
            },
            Err(error) => Outcome::Refused(match error {
                Error::InvalidRequest(message) => Refusal::InvalidRequest(message),
                Error::CommunicationError(error) => Refusal::Communication(error.to_string()),
                Error::ErrorResponse(response) => Refusal::ErrorResponse {
                    status: response.status().as_u16(),
                    body: reencode(&response.into_inner()),
                },
                Error::ResponseBodyError(error) => Refusal::ResponseBody(error.to_string()),
                Error::InvalidResponsePayload(_, error) => {
                    Refusal::InvalidResponsePayload(error.to_string())
                }
                Error::UnexpectedResponse(response) => {
                    Refusal::UnexpectedResponse(response.status().as_u16())
                }
                other => Refusal::Other(other.to_string()),
            }),
        }
    }
}

fn reencode<T: Serialize>(body: &T) -> Value {
    serde_json::to_value(body).expect("a decoded body re-encodes")
}

/// A future that calls one operation.
pub type Call<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// Calls one operation of `client` with `arguments`.
pub type Invoker = for<'a> fn(&'a Client, &'a Arguments) -> Call<'a>;

/// The client's operations.
pub const INVOKERS: &[(Operation, Invoker)] = &[
    (Operation::List, list_organization_pipelines),
    (Operation::Get, get_organization_pipeline),
    (Operation::Run, run_organization_pipeline),
    (Operation::Stop, stop_organization_pipeline),
    (Operation::Create, create_organization_pipeline),
    (Operation::Update, update_organization_pipeline),
    (Operation::Delete, delete_organization_pipeline),
    (Operation::ListArchived, list_archived_organization_pipelines),
    (Operation::TransformationJobStatus, get_organization_create_project_status),
    (Operation::JobStatus, get_organization_job_status),
    (Operation::JobLogs, get_organization_jobs_logs),
];

/// The invoker for the operation whose `operationId` is `operation_id`.
pub fn invoker(operation_id: &str) -> Option<Invoker> {
    INVOKERS
        .iter()
        .find(|(operation, _)| operation.operation_id() == operation_id)
        .map(|(_, invoker)| *invoker)
}

fn list_organization_pipelines<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.list_organization_pipelines();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("projectId") {
        call = call.project_id(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn get_organization_pipeline<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.get_organization_pipeline();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("pipelineId") {
        call = call.pipeline_id(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn run_organization_pipeline<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.run_organization_pipeline();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("pipelineId") {
        call = call.pipeline_id(value);
    }
    if let Some(value) = arguments.boolean("ignoreLastSuccessfulRun") {
        call = call.ignore_last_successful_run(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn stop_organization_pipeline<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.stop_organization_pipeline();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("pipelineId") {
        call = call.pipeline_id(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn create_organization_pipeline<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.create_organization_pipeline();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(body) = arguments.body::<OrganizationUpdatePipelineBody>() {
        call = call.body(body);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn update_organization_pipeline<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.update_organization_pipeline();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("pipelineId") {
        call = call.pipeline_id(value);
    }
    if let Some(body) = arguments.body::<OrganizationUpdatePipelineBody>() {
        call = call.body(body);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn delete_organization_pipeline<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.delete_organization_pipeline();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("pipelineId") {
        call = call.pipeline_id(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn list_archived_organization_pipelines<'a>(
    client: &'a Client,
    arguments: &'a Arguments,
) -> Call<'a> {
    let mut call = client.list_archived_organization_pipelines();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("projectId") {
        call = call.project_id(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn get_organization_create_project_status<'a>(
    client: &'a Client,
    arguments: &'a Arguments,
) -> Call<'a> {
    let mut call = client.get_organization_create_project_status();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("createProjectId") {
        call = call.create_project_id(value);
    }
    if let Some(value) = arguments.integer("transformLimit") {
        call = call.transform_limit(value);
    }
    if let Some(value) = arguments.integer("transformOffset") {
        call = call.transform_offset(value);
    }
    if let Some(value) = arguments.string("selection") {
        call = call.selection(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn get_organization_job_status<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.get_organization_job_status();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("jobId") {
        call = call.job_id(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}

fn get_organization_jobs_logs<'a>(client: &'a Client, arguments: &'a Arguments) -> Call<'a> {
    let mut call = client.get_organization_jobs_logs();
    if let Some(value) = arguments.integer("organizationId") {
        call = call.organization_id(value);
    }
    if let Some(value) = arguments.integer("jobId") {
        call = call.job_id(value);
    }
    if let Some(value) = arguments.integer("limit") {
        call = call.limit(value);
    }
    if let Some(value) = arguments.string("logLevel") {
        call = call.log_level(value);
    }
    Box::pin(async move { Outcome::of(call.send().await) })
}
