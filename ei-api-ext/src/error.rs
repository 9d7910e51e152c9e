//! The one error type: what went wrong, and in which call.

use reqwest::StatusCode;
use std::fmt;
use std::time::Duration;

use crate::config::ConfigError;
use crate::ids::{OrganizationId, PipelineId};
use crate::untrusted::for_display;

/// An operation of the API, as errors and traces name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `runOrganizationPipeline`.
    Run,
    /// `getOrganizationPipeline`.
    Get,
    /// `stopOrganizationPipeline`.
    Stop,
    /// `listOrganizationPipelines`.
    List,
}

impl Operation {
    /// The document's `operationId`.
    pub fn operation_id(self) -> &'static str {
        match self {
            Operation::Run => "runOrganizationPipeline",
            Operation::Get => "getOrganizationPipeline",
            Operation::Stop => "stopOrganizationPipeline",
            Operation::List => "listOrganizationPipelines",
        }
    }

    /// Whether repeating the call can change nothing a first call did not.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Operation::Run)
    }
}

/// Which call failed: the operation and the ids it was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTarget {
    /// The operation.
    pub operation: Operation,
    /// The organization.
    pub organization: OrganizationId,
    /// The pipeline, for operations on one pipeline.
    pub pipeline: Option<PipelineId>,
}

impl fmt::Display for CallTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.operation.operation_id(), self.organization)?;
        if let Some(pipeline) = self.pipeline {
            write!(f, ", {pipeline}")?;
        }
        f.write_str(")")
    }
}

/// Everything that can go wrong, with the call it happened in.
#[derive(Debug)]
pub struct Error {
    target: Option<CallTarget>,
    kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API refused the request: a non-2xx answer, or `success: false` in a 200.
    #[error("the API refused the request (HTTP {status}){}", server_words(.message))]
    ApiRefused {
        /// The HTTP status (200 when the refusal came as `success: false`).
        status: StatusCode,
        /// The server's `error` text.
        message: Option<String>,
    },
    /// The credentials were missing, wrong or not allowed (401, 403).
    #[error("unauthorized (HTTP {status}){}", server_words(.message))]
    Unauthorized {
        /// 401 or 403.
        status: StatusCode,
        /// The server's `error` text.
        message: Option<String>,
    },
    /// The organization or pipeline does not exist, or is not visible to these credentials.
    #[error("not found (HTTP 404){}", server_words(.message))]
    NotFound {
        /// The server's `error` text.
        message: Option<String>,
    },
    /// Too many requests (429), after the retries the policy allowed.
    #[error("rate limited (HTTP 429){}{}", retry_after_words(.retry_after), server_words(.message))]
    RateLimited {
        /// How long the server asked to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
        /// The server's `error` text.
        message: Option<String>,
    },
    /// The request or its answer was lost in transit.
    #[error("transport failure ({kind}): {source}")]
    Transport {
        /// Connect, timeout or connection lost.
        kind: TransportKind,
        /// What reqwest reported.
        #[source]
        source: reqwest::Error,
    },
    /// An answer arrived that is not what the document describes.
    #[error(
        "invalid response{}: {}{}",
        status_words(.status),
        for_display(problem, SERVER_TEXT_SHOWN_CHARS),
        excerpt_words(excerpt)
    )]
    InvalidResponse {
        /// The HTTP status, when there was one.
        status: Option<StatusCode>,
        /// The start of the body, with secrets redacted (as sent: shown
        /// escaped by `Display`).
        excerpt: String,
        /// Why it could not be used (the decode error, a redirect, a size).
        problem: String,
    },
    /// The run call failed in a way that may or may not have started a run,
    /// and the pipeline could not be read to find out.
    #[error(
        "the run may or may not have started: {0}; check the pipeline before running it again"
    )]
    RunOutcomeUnknown(Box<Error>),
    /// The run waited on is neither the pipeline's current nor its last run.
    #[error("{run} is neither the pipeline's current run nor its last")]
    RunNotFound {
        /// The run looked for.
        run: crate::ids::RunId,
    },
    /// A setting is missing or malformed.
    #[error(transparent)]
    Configuration(#[from] ConfigError),
}

/// How a request was lost in transit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made: the request was never sent.
    Connect,
    /// The attempt took longer than its timeout.
    Timeout,
    /// The connection broke after the request may have been sent.
    ConnectionLost,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "could not connect",
            TransportKind::Timeout => "timed out",
            TransportKind::ConnectionLost => "connection lost",
        })
    }
}

/// How much of a text the server sent an error message shows: enough for
/// any real message, not enough for a hostile one to flood a log.
const SERVER_TEXT_SHOWN_CHARS: usize = 300;

fn server_words(message: &Option<String>) -> String {
    let shown = message.as_deref().map(|text| for_display(text, SERVER_TEXT_SHOWN_CHARS));
    shown.map(|text| format!(": {text}")).unwrap_or_default()
}

fn excerpt_words(excerpt: &str) -> String {
    if excerpt.is_empty() {
        return String::new();
    }
    format!("; body starts: \"{}\"", for_display(excerpt, SERVER_TEXT_SHOWN_CHARS))
}

fn retry_after_words(retry_after: &Option<Duration>) -> String {
    retry_after.map(|delay| format!(", retry after {delay:?}")).unwrap_or_default()
}

fn status_words(status: &Option<StatusCode>) -> String {
    status.map(|status| format!(" (HTTP {status})")).unwrap_or_default()
}

impl Error {
    pub(crate) fn new(target: CallTarget, kind: ErrorKind) -> Self {
        Self { target: Some(target), kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The call that failed; `None` for configuration errors.
    pub fn target(&self) -> Option<&CallTarget> {
        self.target.as_ref()
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.kind {
            ErrorKind::ApiRefused { status, .. } | ErrorKind::Unauthorized { status, .. } => {
                Some(*status)
            }
            ErrorKind::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            ErrorKind::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            ErrorKind::InvalidResponse { status, .. } => *status,
            ErrorKind::RunOutcomeUnknown(inner) => inner.status(),
            ErrorKind::Transport { .. }
            | ErrorKind::RunNotFound { .. }
            | ErrorKind::Configuration(_) => None,
        }
    }

    /// The server's own words, when it sent any.
    pub fn server_message(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::ApiRefused { message, .. }
            | ErrorKind::Unauthorized { message, .. }
            | ErrorKind::NotFound { message }
            | ErrorKind::RateLimited { message, .. } => message.as_deref(),
            ErrorKind::RunOutcomeUnknown(inner) => inner.server_message(),
            _ => None,
        }
    }

    /// Whether the same call might succeed later: transport failures,
    /// rate limiting, 5xx answers and unreadable answers.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ErrorKind::Transport { .. } | ErrorKind::RateLimited { .. } => true,
            // An unreadable 2xx or 5xx may be a glitch; a 3xx or 4xx that
            // is not what the document says will be the same next time.
            ErrorKind::InvalidResponse { status, .. } => {
                status.is_none_or(|status| status.is_success() || status.is_server_error())
            }
            ErrorKind::ApiRefused { status, .. } => {
                status.is_server_error() || *status == StatusCode::REQUEST_TIMEOUT
            }
            ErrorKind::RunOutcomeUnknown(_)
            | ErrorKind::Unauthorized { .. }
            | ErrorKind::NotFound { .. }
            | ErrorKind::RunNotFound { .. }
            | ErrorKind::Configuration(_) => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Some(target) => write!(f, "{target}: {}", self.kind),
            None => self.kind.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

impl From<ConfigError> for Error {
    fn from(error: ConfigError) -> Self {
        Self { target: None, kind: ErrorKind::Configuration(error) }
    }
}
