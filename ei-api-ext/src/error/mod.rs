//! The one error type: what went wrong, and in which call.

use http::StatusCode;
use std::fmt;
use std::time::Duration;

mod config;

pub use config::{ConfigError, Setting, SettingSource};

use crate::ids::{OrganizationId, PipelineId};
use crate::redact::Redactor;
use crate::untrusted::for_display;

/// An operation of the API, as errors and traces name it.
pub use ei_api::Operation;

/// Which call failed: the operation and the ids it was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
///
/// [`Error::class`] says what a failure means for the call (did the server
/// act? may the call be sent again?); everything else that depends on it
/// ([`Error::is_retryable`], whether a run call may be re-sent, the cost of
/// a retry, `ei-pipeline`'s exit code) is derived from that one decision.
#[derive(Debug)]
pub struct Error {
    target: Option<CallTarget>,
    kind: ErrorKind,
    /// The server's `Retry-After`, on any answer that had one.
    retry_after: Option<Duration>,
}

/// What went wrong. `Debug` and `Display` mask the secrets the server's
/// words may quote; [`Error::server_message`] gives them as sent.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A non-2xx answer the other kinds do not name, or `success: false` in a
    /// 200: the API refused the request (a 4xx, `success: false`), or the
    /// server failed (a 5xx) or answered a status outside HTTP's classes.
    #[error("{} (HTTP {status}){}", refusal_summary(*.status), quoted_server_message(.message))]
    ApiRefused {
        /// The HTTP status (200 when the refusal came as `success: false`).
        status: StatusCode,
        /// The server's `error` text.
        message: Option<String>,
    },
    /// The credentials were missing, wrong or not allowed (401, 403).
    #[error("unauthorized (HTTP {status}){}", quoted_server_message(.message))]
    Unauthorized {
        /// 401 or 403.
        status: StatusCode,
        /// The server's `error` text.
        message: Option<String>,
    },
    /// The organization or pipeline does not exist, or is not visible to these credentials.
    #[error("not found (HTTP 404){}", quoted_server_message(.message))]
    NotFound {
        /// The server's `error` text.
        message: Option<String>,
    },
    /// Too many requests (429), after the retries the policy allowed.
    #[error("rate limited (HTTP 429){}{}", describe_retry_after(.retry_after), quoted_server_message(.message))]
    RateLimited {
        /// How long the server asked to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
        /// The server's `error` text.
        message: Option<String>,
    },
    /// The request or its answer was lost in transit.
    #[error("transport failure: {kind}")]
    Transport {
        /// The cause, as far as the HTTP stack tells.
        kind: TransportKind,
        /// What the HTTP stack reported (its type is not part of this
        /// crate's API; `Display` and `source()` tell the story).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An answer arrived that is not what the document describes.
    #[error(
        "invalid response{}: {}{}",
        describe_status(.status),
        for_display(problem, SERVER_TEXT_SHOWN_CHARS),
        quoted_body_excerpt(excerpt)
    )]
    InvalidResponse {
        /// The HTTP status, when there was one.
        status: Option<StatusCode>,
        /// The start of the body, with secrets redacted (as sent: shown
        /// escaped by `Display`).
        excerpt: String,
        /// Why it could not be used (the decode error, a redirect, a size),
        /// with any secret it quotes masked.
        problem: String,
    },
    /// The run call failed in a way that may or may not have started a run,
    /// and what the server shows could not settle it. The failure that made
    /// it ambiguous is the [`source`](std::error::Error::source).
    #[error(
        "the run may or may not have started ({reason}); check the pipeline before running it again"
    )]
    RunOutcomeUnknown {
        /// Why the server's view could not settle it.
        reason: String,
        /// The failure that left the outcome open.
        #[source]
        cause: Box<Error>,
    },
    /// The run waited on is neither the pipeline's current nor its last run
    /// (or, following the latest run, the pipeline has none).
    #[error("{}", describe_missing_run(.run))]
    RunNotFound {
        /// The run looked for; `None` when following the latest run.
        run: Option<crate::ids::RunId>,
    },
    /// The wait's deadline came before the run was ever seen: the run call
    /// was not answered in time, or every read was slow or failing; nothing
    /// is known of its state.
    #[error("the deadline came before {}", describe_unseen_run(.run))]
    DeadlineBeforeSighting {
        /// The run waited on; `None` when following the latest run.
        run: Option<crate::ids::RunId>,
    },
    /// The caller's deadline came before the call was answered (an attempt
    /// in flight is cut off at it).
    #[error("the deadline came before the server answered")]
    DeadlinePassed,
    /// A setting is missing or malformed.
    #[error(transparent)]
    Configuration(#[from] ConfigError),
}

impl fmt::Debug for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |message: &Option<String>| {
            message.as_deref().map(|text| Redactor::new().text(text).into_owned())
        };
        match self {
            ErrorKind::ApiRefused { status, message } => f
                .debug_struct("ApiRefused")
                .field("status", status)
                .field("message", &masked(message))
                .finish(),
            ErrorKind::Unauthorized { status, message } => f
                .debug_struct("Unauthorized")
                .field("status", status)
                .field("message", &masked(message))
                .finish(),
            ErrorKind::NotFound { message } => {
                f.debug_struct("NotFound").field("message", &masked(message)).finish()
            }
            ErrorKind::RateLimited { retry_after, message } => f
                .debug_struct("RateLimited")
                .field("retry_after", retry_after)
                .field("message", &masked(message))
                .finish(),
            ErrorKind::Transport { kind, source } => {
                f.debug_struct("Transport").field("kind", kind).field("source", source).finish()
            }
            ErrorKind::InvalidResponse { status, excerpt, problem } => f
                .debug_struct("InvalidResponse")
                .field("status", status)
                .field("excerpt", excerpt)
                .field("problem", problem)
                .finish(),
            ErrorKind::RunOutcomeUnknown { reason, cause } => f
                .debug_struct("RunOutcomeUnknown")
                .field("reason", reason)
                .field("cause", cause)
                .finish(),
            ErrorKind::RunNotFound { run } => {
                f.debug_struct("RunNotFound").field("run", run).finish()
            }
            ErrorKind::DeadlineBeforeSighting { run } => {
                f.debug_struct("DeadlineBeforeSighting").field("run", run).finish()
            }
            ErrorKind::DeadlinePassed => f.write_str("DeadlinePassed"),
            ErrorKind::Configuration(error) => f.debug_tuple("Configuration").field(error).finish(),
        }
    }
}

/// What a failure means for the call that met it, decided once for every
/// error (see [`Error::class`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureClass {
    /// The server asked to slow down (429) and did nothing; send again
    /// after its `Retry-After`.
    Throttled {
        /// How long the server asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// No connection could be made: the request never left.
    NeverSent,
    /// No connection could be made as this machine is set up: the server's
    /// certificate is not accepted, the TLS handshake cannot succeed, or
    /// the proxy refused its credentials.
    /// The request never left, and will meet the same refusal until the
    /// trust store or the proxy settings change: not retried.
    NetworkSetup,
    /// The server answered that it did nothing, for now (503, 408); send
    /// again later.
    Transient {
        /// How long the server asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The request may or may not have been acted on: a timeout or a
    /// connection lost after sending, a 500, 502 or 504, a 2xx answer that
    /// could not be read. A read may be sent again; a run call must first
    /// find out.
    Ambiguous,
    /// The server decided (4xx other than 408 and 429, whatever the body,
    /// or `success: false`): the same request will get the same answer.
    Refused,
    /// An answer the API never gives: a redirect, an informational status.
    Invalid,
    /// Not an answer of the server: a setting, a request that could not be
    /// built, a run outcome that could not be settled, a run never found.
    Local,
}

impl FailureClass {
    /// Whether sending the same request again could succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            FailureClass::Throttled { .. }
                | FailureClass::NeverSent
                | FailureClass::Transient { .. }
                | FailureClass::Ambiguous
        )
    }

    /// Whether the request provably had no effect, so that even a call that
    /// is not idempotent (the run) may be sent again as it is.
    pub fn had_no_effect(self) -> bool {
        matches!(
            self,
            FailureClass::Throttled { .. }
                | FailureClass::NeverSent
                | FailureClass::NetworkSetup
                | FailureClass::Transient { .. }
        )
    }

    /// How long the server asked to wait before the next attempt.
    pub fn retry_after(self) -> Option<Duration> {
        match self {
            FailureClass::Throttled { retry_after } | FailureClass::Transient { retry_after } => {
                retry_after
            }
            _ => None,
        }
    }
}

/// How a request was lost in transit: the cause the HTTP stack reported,
/// as far as it tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The host name could not be resolved (DNS): the request was never sent.
    NameNotResolved,
    /// The host refused the connection (nothing listens on that port): the
    /// request was never sent.
    ConnectionRefused,
    /// The connection was reset or closed while it was being made (before
    /// the TLS handshake ended): the request was never sent.
    ConnectionReset,
    /// Connecting took longer than the connect timeout: the request was
    /// never sent.
    ConnectTimeout,
    /// No connection could be made for another reason (an unreachable
    /// network, ...): the request was never sent.
    Connect,
    /// The server's certificate was not accepted: the request was never sent.
    Certificate(CertificateProblem),
    /// The TLS handshake failed for a reason other than the certificate
    /// (the server does not speak TLS, or no version or cipher both
    /// sides know): the request was never sent.
    Tls,
    /// The proxy (`HTTPS_PROXY`) asked for credentials, or refused those
    /// given (HTTP 407): the request was never sent.
    ProxyAuthentication,
    /// The proxy could not be reached, or would not open a tunnel to the
    /// server: the request was never sent.
    Proxy,
    /// The attempt took longer than its timeout.
    Timeout,
    /// The connection broke after the request may have been sent.
    ConnectionLost,
}

impl TransportKind {
    /// Whether the connection failed on how this machine or its network is
    /// set up (a certificate the client does not accept, a TLS handshake
    /// that cannot succeed, a proxy that wants other credentials), which
    /// no retry mends.
    fn needs_setup(self) -> bool {
        matches!(
            self,
            TransportKind::Certificate(_) | TransportKind::Tls | TransportKind::ProxyAuthentication
        )
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::NameNotResolved => "the host name could not be resolved (DNS)",
            TransportKind::ConnectionRefused => "connection refused",
            TransportKind::ConnectionReset => "the connection was reset while connecting",
            TransportKind::ConnectTimeout => "connecting timed out",
            TransportKind::Connect => "could not connect",
            TransportKind::Certificate(problem) => return write!(f, "{problem}"),
            TransportKind::Tls => "the TLS handshake failed",
            TransportKind::ProxyAuthentication => {
                "the proxy asked for credentials or refused those given (HTTP 407)"
            }
            TransportKind::Proxy => "the proxy could not be reached or would not open a tunnel",
            TransportKind::Timeout => "timed out",
            TransportKind::ConnectionLost => "connection lost",
        })
    }
}

/// Why the server's certificate was not accepted, as the TLS stack tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// Issued by a certificate authority the client does not trust: a
    /// private CA (a TLS-inspecting proxy's), or a self-signed certificate.
    UnknownIssuer,
    /// Valid, but for another host name than the base URL's.
    WrongHost,
    /// Expired.
    Expired,
    /// Not valid yet (or this machine's clock is behind).
    NotYetValid,
    /// Revoked by its issuer.
    Revoked,
    /// Invalid for another reason (a bad signature, a certificate not meant
    /// for a server, an encoding the TLS stack cannot read).
    Invalid,
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertificateProblem::UnknownIssuer => {
                "the server's certificate is not trusted (issued by an unknown certificate \
                 authority, or self-signed)"
            }
            CertificateProblem::WrongHost => "the server's certificate is for another host",
            CertificateProblem::Expired => "the server's certificate has expired",
            CertificateProblem::NotYetValid => "the server's certificate is not valid yet",
            CertificateProblem::Revoked => "the server's certificate is revoked",
            CertificateProblem::Invalid => "the server's certificate is invalid",
        })
    }
}

/// How much of a text the server sent an error message shows: enough for
/// any real message, not enough for a hostile one to flood a log.
const SERVER_TEXT_SHOWN_CHARS: usize = 300;

/// The server's words, as an error message shows them: secrets masked (a
/// server may quote a request or a pipeline), escaped and shortened.
fn quoted_server_message(message: &Option<String>) -> String {
    let Some(text) = message.as_deref() else { return String::new() };
    format!(": {}", for_display(&Redactor::new().text(text), SERVER_TEXT_SHOWN_CHARS))
}

/// What an answer with `status` says, in the words of its [`FailureClass`]:
/// only a refusal is called one.
fn refusal_summary(status: StatusCode) -> &'static str {
    if status.is_success() {
        return "the API refused the request";
    }
    match Error::class_of_status(status, None) {
        FailureClass::Refused => "the API refused the request",
        FailureClass::Invalid => "the server answered with a status the API never gives",
        _ => "the server failed to answer",
    }
}

/// Which run was not found, as an error message says it.
fn describe_missing_run(run: &Option<crate::ids::RunId>) -> String {
    match run {
        Some(run) => format!("{run} is neither the pipeline's current run nor its last"),
        None => "the pipeline has no run, current or last".to_owned(),
    }
}

/// What the deadline came before: the run named, or any run.
fn describe_unseen_run(run: &Option<crate::ids::RunId>) -> String {
    run.map_or_else(
        || "the run could be seen (it may or may not have started)".to_owned(),
        |run| format!("{run} could be read"),
    )
}

/// The start of a body the client could not read, escaped and shortened.
fn quoted_body_excerpt(excerpt: &str) -> String {
    if excerpt.is_empty() {
        return String::new();
    }
    format!("; body starts: \"{}\"", for_display(excerpt, SERVER_TEXT_SHOWN_CHARS))
}

/// The server's `Retry-After`, when it sent one.
fn describe_retry_after(retry_after: &Option<Duration>) -> String {
    retry_after.map(|delay| format!(", retry after {delay:?}")).unwrap_or_default()
}

/// The HTTP status, when there was one.
fn describe_status(status: &Option<StatusCode>) -> String {
    status.map(|status| format!(" (HTTP {status})")).unwrap_or_default()
}

impl Error {
    pub(crate) fn new(target: CallTarget, kind: ErrorKind) -> Self {
        Self { target: Some(target), kind, retry_after: None }
    }

    /// This error, noting the server's `Retry-After`.
    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
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
            ErrorKind::RunOutcomeUnknown { cause, .. } => cause.status(),
            ErrorKind::Transport { .. }
            | ErrorKind::RunNotFound { .. }
            | ErrorKind::DeadlineBeforeSighting { .. }
            | ErrorKind::DeadlinePassed
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
            ErrorKind::RunOutcomeUnknown { cause, .. } => cause.server_message(),
            _ => None,
        }
    }

    /// What this failure means for the call: the one decision every other
    /// judgement about an error derives from. The status decides first: a
    /// 400, 401, 403 or 404 is a refusal whatever its body (an HTML page
    /// from a proxy included), a 503 says the server did nothing, a 502 may
    /// have been acted on.
    pub fn class(&self) -> FailureClass {
        let retry_after = self.retry_after;
        match &self.kind {
            ErrorKind::Configuration(_)
            | ErrorKind::RunOutcomeUnknown { .. }
            | ErrorKind::RunNotFound { .. }
            | ErrorKind::DeadlineBeforeSighting { .. }
            | ErrorKind::DeadlinePassed => FailureClass::Local,
            ErrorKind::Transport { kind, .. } if kind.needs_setup() => FailureClass::NetworkSetup,
            ErrorKind::Transport {
                kind: TransportKind::Timeout | TransportKind::ConnectionLost,
                ..
            } => FailureClass::Ambiguous,
            ErrorKind::Transport { .. } => FailureClass::NeverSent,
            ErrorKind::RateLimited { retry_after, .. } => {
                FailureClass::Throttled { retry_after: *retry_after }
            }
            ErrorKind::Unauthorized { .. } | ErrorKind::NotFound { .. } => FailureClass::Refused,
            ErrorKind::ApiRefused { status, .. } => match *status {
                status if status.is_success() => FailureClass::Refused,
                status => Self::class_of_status(status, retry_after),
            },
            ErrorKind::InvalidResponse { status: None, .. } => FailureClass::Ambiguous,
            ErrorKind::InvalidResponse { status: Some(status), .. } => match *status {
                status if status.is_success() => FailureClass::Ambiguous,
                status => Self::class_of_status(status, retry_after),
            },
        }
    }

    /// The class of an answer that is not a success, by its status alone.
    fn class_of_status(status: StatusCode, retry_after: Option<Duration>) -> FailureClass {
        match status {
            StatusCode::TOO_MANY_REQUESTS => FailureClass::Throttled { retry_after },
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => {
                FailureClass::Transient { retry_after }
            }
            status if status.is_server_error() => FailureClass::Ambiguous,
            status if status.is_client_error() => FailureClass::Refused,
            _ => FailureClass::Invalid,
        }
    }

    /// Whether the same call might succeed later (see [`FailureClass::is_retryable`]).
    pub fn is_retryable(&self) -> bool {
        self.class().is_retryable()
    }

    /// Whether the server refused a run because one is already going
    /// (`"Pipeline is already running"`, in a `success: false` answer).
    pub fn is_already_running(&self) -> bool {
        const ALREADY_RUNNING: &str = "already running";
        self.class() == FailureClass::Refused
            && self
                .server_message()
                .is_some_and(|message| message.to_ascii_lowercase().contains(ALREADY_RUNNING))
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
        Self { target: None, kind: ErrorKind::Configuration(error), retry_after: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: ErrorKind) -> Error {
        let target = CallTarget {
            operation: Operation::Run,
            organization: OrganizationId::new(1),
            pipeline: Some(PipelineId::new(2)),
        };
        Error::new(target, kind)
    }

    fn refused(status: u16, message: Option<&str>) -> Error {
        let status = StatusCode::from_u16(status).unwrap();
        error(ErrorKind::ApiRefused { status, message: message.map(str::to_owned) })
    }

    fn unreadable(status: Option<u16>) -> Error {
        let status = status.map(|status| StatusCode::from_u16(status).unwrap());
        error(ErrorKind::InvalidResponse {
            status,
            excerpt: "<html>".to_owned(),
            problem: "not JSON".to_owned(),
        })
    }

    #[test]
    fn the_status_decides_first_whatever_the_body() {
        for status in [400, 401, 403, 404, 409, 422] {
            assert_eq!(unreadable(Some(status)).class(), FailureClass::Refused, "{status}");
            assert_eq!(refused(status, None).class(), FailureClass::Refused, "{status}");
        }
        for status in [500, 502, 504] {
            assert_eq!(unreadable(Some(status)).class(), FailureClass::Ambiguous, "{status}");
        }
        for status in [503, 408] {
            let class = unreadable(Some(status)).class();
            assert_eq!(class, FailureClass::Transient { retry_after: None }, "{status}");
        }
        assert_eq!(unreadable(Some(302)).class(), FailureClass::Invalid);
        assert_eq!(unreadable(Some(200)).class(), FailureClass::Ambiguous, "a garbled 200");
        assert_eq!(refused(200, Some("no")).class(), FailureClass::Refused, "success: false");
    }

    #[test]
    fn everything_else_derives_from_the_class() {
        let throttled = unreadable(Some(429)).with_retry_after(Some(Duration::from_secs(3)));
        assert!(throttled.is_retryable() && throttled.class().had_no_effect());
        assert_eq!(throttled.class().retry_after(), Some(Duration::from_secs(3)));
        let ambiguous = unreadable(Some(502));
        assert!(ambiguous.is_retryable() && !ambiguous.class().had_no_effect());
        let refusal = refused(404, None);
        assert!(!refusal.is_retryable() && !refusal.class().had_no_effect());
    }

    fn lost(kind: TransportKind) -> Error {
        error(ErrorKind::Transport { kind, source: "the HTTP stack's words".into() })
    }

    #[test]
    fn a_transport_failure_is_classed_by_its_cause() {
        for problem in [CertificateProblem::UnknownIssuer, CertificateProblem::Expired] {
            let untrusted = lost(TransportKind::Certificate(problem));
            assert_eq!(untrusted.class(), FailureClass::NetworkSetup, "{problem:?}");
            assert!(!untrusted.is_retryable() && untrusted.class().had_no_effect());
        }
        for kind in [TransportKind::ProxyAuthentication, TransportKind::Tls] {
            assert_eq!(lost(kind).class(), FailureClass::NetworkSetup, "{kind:?}");
        }
        for kind in [
            TransportKind::NameNotResolved,
            TransportKind::ConnectionRefused,
            TransportKind::ConnectionReset,
            TransportKind::ConnectTimeout,
            TransportKind::Connect,
            TransportKind::Proxy,
        ] {
            assert_eq!(lost(kind).class(), FailureClass::NeverSent, "{kind:?}");
        }
        for kind in [TransportKind::Timeout, TransportKind::ConnectionLost] {
            assert_eq!(lost(kind).class(), FailureClass::Ambiguous, "{kind:?}");
        }
        let shown = lost(TransportKind::Certificate(CertificateProblem::WrongHost)).to_string();
        assert!(shown.ends_with("transport failure: the server's certificate is for another host"));
    }

    #[test]
    fn a_server_failure_is_not_worded_as_a_refusal() {
        let failure = refused(503, Some("overloaded")).to_string();
        assert!(failure.contains("): the server failed to answer (HTTP 503"), "{failure}");
        let refusal = refused(409, None).to_string();
        assert!(refusal.contains("): the API refused the request (HTTP 409"), "{refusal}");
        let odd = refused(600, None).to_string();
        assert!(odd.contains("): the server answered with a status the API never gives"), "{odd}");
    }

    #[test]
    fn an_already_running_refusal_is_recognised() {
        assert!(refused(200, Some("Pipeline is already running")).is_already_running());
        assert!(!refused(200, Some("Pipeline has no steps")).is_already_running());
        assert!(!refused(502, Some("already running")).is_already_running(), "not a refusal");
    }

    #[test]
    fn the_servers_words_are_shown_with_their_secrets_masked() {
        let words = r#"cannot run {"projectApiKey": "ei_0123456789abcdef0123456789abcdef"}"#;
        let shown = refused(400, Some(words)).to_string();
        assert!(!shown.contains("0123456789abcdef0123"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn display_does_not_repeat_what_source_gives() {
        let cause = refused(502, Some("bad gateway"));
        let unknown = error(ErrorKind::RunOutcomeUnknown {
            reason: "the pipeline could not be read".to_owned(),
            cause: Box::new(cause),
        });
        let shown = unknown.to_string();
        assert!(!shown.contains("bad gateway"), "{shown}");
        let source = std::error::Error::source(&unknown).expect("a source").to_string();
        assert!(source.contains("bad gateway"), "{source}");
    }
}
