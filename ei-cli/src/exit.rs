//! Exit codes: which failure or outcome ends the program with which code.
//!
//! Every error is mapped here, explicitly, so that a script can tell "the run
//! failed" from "the API said no" from "the network is down" by the code alone.

use std::fmt;

use ei_api_ext::definition::DefinitionError;
use ei_api_ext::wait::Outcome;
use ei_api_ext::{
    CertificateProblem, ConfigError, Error, ErrorKind, FailureClass, Operation, Setting,
    SettingSource, TransportKind, ENV_API_ENDPOINT, ENV_API_KEY, ENV_JWT, ENV_JWT_TRANSPORT,
};

use crate::output::Output;
use crate::settings::ENV_ORGANIZATION_ID;

/// How the program ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exit {
    /// 0: success; with `--wait`, the run succeeded.
    Success,
    /// 1: the run failed (a step failed, or the run was stopped).
    RunFailed,
    /// 1: `diff` found a definition that differs from the server's.
    Differs,
    /// 2: usage or configuration error, including a network setup the
    /// connection fails on (a server certificate not trusted, proxy
    /// credentials refused).
    Usage,
    /// 3: the API refused the request (400, 401, 403, 404, other 4xx,
    /// `success: false`), or the run asked for does not exist.
    Refused,
    /// 4: a transport failure or an invalid response, after retries.
    Unavailable,
    /// 5: the wait (`run --wait`, `wait`) timed out.
    TimedOut,
    /// 6: the run's outcome could not be determined.
    Undetermined,
    /// 70: a bug in `ei-pipeline`.
    Internal,
    /// 130: interrupted (Ctrl-C) while waiting.
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::RunFailed | Exit::Differs => 1,
            Exit::Usage => 2,
            Exit::Refused => 3,
            Exit::Unavailable => 4,
            Exit::TimedOut => 5,
            Exit::Undetermined => 6,
            Exit::Internal => 70,
            Exit::Interrupted => 130,
        }
    }

    /// The exit for how a wait ended.
    pub fn for_outcome(outcome: &Outcome) -> Self {
        match outcome {
            Outcome::Succeeded => Exit::Success,
            Outcome::Failed => Exit::RunFailed,
            Outcome::TimedOut { .. } => Exit::TimedOut,
            Outcome::Unrecognized | Outcome::Replaced { .. } => Exit::Undetermined,
            // An outcome this version does not know: nothing proves success.
            _ => Exit::Undetermined,
        }
    }

    /// How much worse this end is than another, for [`Exit::most_severe`]:
    /// the tool could not do its job (interrupted, a bug, a usage error,
    /// refused, no answer), then no outcome (undetermined, timed out), then
    /// a failed run or a difference, then success.
    fn severity(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::RunFailed | Exit::Differs => 1,
            Exit::TimedOut => 2,
            Exit::Undetermined => 3,
            Exit::Unavailable => 4,
            Exit::Refused => 5,
            Exit::Usage => 6,
            Exit::Internal => 7,
            Exit::Interrupted => 8,
        }
    }

    /// The exit of several pipelines' ends (`run A B C`, `wait A B C`): the
    /// most severe of `exits` (130, 70, 2, 3, 4, 6, 5, 1, 0 in that order);
    /// success when there are none.
    pub fn most_severe(exits: impl IntoIterator<Item = Exit>) -> Exit {
        exits.into_iter().max_by_key(|exit| exit.severity()).unwrap_or(Exit::Success)
    }

    /// The exit for an error from the API client: from its
    /// [`FailureClass`], the one judgement of what a failure means.
    pub fn for_error(error: &Error) -> Self {
        match error.class() {
            FailureClass::Refused => Exit::Refused,
            // A certificate not trusted, proxy credentials refused: a
            // setting to change, not an outage to wait out.
            FailureClass::NetworkSetup => Exit::Usage,
            FailureClass::Local => match error.kind() {
                ErrorKind::Configuration(_) => Exit::Usage,
                // The run asked for does not exist, as a pipeline that
                // does not exist is refused (404).
                ErrorKind::RunNotFound { .. } => Exit::Refused,
                ErrorKind::DeadlineBeforeSighting { .. } => Exit::TimedOut,
                // The run may or may not have started, or was never seen
                // again: its outcome is unknown.
                _ => Exit::Undetermined,
            },
            // Throttled, never sent, transient, ambiguous (after the
            // retries), an answer the API never gives, or a class this
            // version does not know: no answer to act on.
            _ => Exit::Unavailable,
        }
    }
}

impl Exit {
    /// The exit for a definition that could not be planned or applied: a
    /// call's failure as [`Exit::for_error`] says; a definition the API does
    /// not take, a secret's variable not set or a name two pipelines share
    /// is a usage error (2); a pipeline changed since the plan or with a run
    /// in progress is refused (3).
    pub fn for_definition_error(error: &DefinitionError) -> Self {
        match error {
            DefinitionError::Api(error) => Exit::for_error(error),
            DefinitionError::Invalid(_)
            | DefinitionError::MissingVariables(_)
            | DefinitionError::SharedName { .. } => Exit::Usage,
            // Changed since the plan, a run in progress, or one this
            // version does not know: the write was not made.
            _ => Exit::Refused,
        }
    }
}

impl Failure {
    /// The failure of a definition's plan or apply, for `file`.
    pub fn of_definition(file: &str, error: &DefinitionError) -> Self {
        Self::new(Exit::for_definition_error(error), format!("{file}: {error}"))
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

/// A command that could not do its job: the exit code and what to tell the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// How the program ends.
    pub exit: Exit,
    /// The message for stderr (without the `error: ` prefix).
    pub message: String,
}

impl Failure {
    /// A failure with this exit and message.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self { exit, message: message.into() }
    }

    /// A usage or configuration error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// A bug (exit 70).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Exit::Internal, message)
    }
}

impl From<serde_json::Error> for Failure {
    /// A document of ours that could not be encoded as JSON: a bug (exit 70).
    fn from(error: serde_json::Error) -> Self {
        Self::internal(format!("could not encode the answer as JSON: {error}"))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a command was doing when a call failed, in its user's words: the
/// start of every error message, and what the hints may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `run PIPELINE`.
    Run {
        /// The pipeline.
        pipeline: i64,
    },
    /// `wait PIPELINE [--run RUN]`.
    Wait {
        /// The pipeline.
        pipeline: i64,
        /// The run, when one was named.
        run: Option<i64>,
    },
    /// `status PIPELINE`.
    Status {
        /// The pipeline.
        pipeline: i64,
    },
    /// `stop PIPELINE`.
    Stop {
        /// The pipeline.
        pipeline: i64,
    },
    /// `list`.
    List,
    /// `logs PIPELINE [--run RUN]`.
    Logs {
        /// The pipeline.
        pipeline: i64,
        /// The run, when one was named.
        run: Option<i64>,
    },
}

impl Action {
    /// The pipeline the command is about, if one.
    fn pipeline(self) -> Option<i64> {
        match self {
            Action::Run { pipeline }
            | Action::Wait { pipeline, .. }
            | Action::Status { pipeline }
            | Action::Stop { pipeline }
            | Action::Logs { pipeline, .. } => Some(pipeline),
            Action::List => None,
        }
    }

    /// The run the command names, if one (`wait --run`, `logs --run`).
    pub fn run(self) -> Option<i64> {
        match self {
            Action::Wait { run, .. } | Action::Logs { run, .. } => run,
            _ => None,
        }
    }

    /// The operation the command is, when a call of another is part of it
    /// (the reads behind `run --wait`).
    fn own_operation(self) -> Operation {
        match self {
            Action::Run { .. } => Operation::Run,
            Action::Wait { .. } | Action::Status { .. } => Operation::Get,
            Action::Stop { .. } => Operation::Stop,
            Action::Logs { .. } => Operation::JobLogs,
            Action::List => Operation::List,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Run { pipeline } => write!(f, "run pipeline {pipeline}"),
            Action::Wait { pipeline, run: Some(run) } => {
                write!(f, "wait for run {run} of pipeline {pipeline}")
            }
            Action::Wait { pipeline, run: None } => write!(f, "wait for pipeline {pipeline}"),
            Action::Status { pipeline } => write!(f, "read pipeline {pipeline}"),
            Action::Stop { pipeline } => write!(f, "stop pipeline {pipeline}"),
            Action::List => f.write_str("list the pipelines"),
            Action::Logs { pipeline, run: Some(run) } => {
                write!(f, "show the logs of run {run} of pipeline {pipeline}")
            }
            Action::Logs { pipeline, run: None } => {
                write!(f, "show the logs of pipeline {pipeline}")
            }
        }
    }
}

/// What a call of `operation` was doing, in a person's words.
fn doing(operation: Operation) -> &'static str {
    match operation {
        Operation::Run => "starting a run",
        Operation::Get => "reading the pipeline",
        Operation::Stop => "stopping its run",
        Operation::List => "listing the pipelines",
        Operation::TransformationJobStatus => "reading a step's files",
        Operation::JobLogs => "reading a job's log",
        _ => "calling the API",
    }
}

impl Failure {
    /// The failure of `action` because of `error`: the command's words,
    /// what went wrong (each cause once), and what to do about it, naming
    /// only the ids the command used.
    pub fn during(action: Action, error: Error) -> Self {
        let exit = Exit::for_error(&error);
        let mut message = action.to_string();
        if let Some(target) = error.target().filter(|t| t.operation != action.own_operation()) {
            message.push_str(": ");
            message.push_str(doing(target.operation));
        }
        message.push_str(": ");
        message.push_str(&causes(&error));
        if let Some(hint) = hint(action, &error) {
            message.push_str("\n  hint: ");
            message.push_str(&hint);
        }
        Self { exit, message }
    }
}

impl From<ConfigError> for Failure {
    /// Exit 2, naming the option and the variable the setting comes from
    /// and, for plain http, the option that allows it.
    fn from(error: ConfigError) -> Self {
        let origin = match error.setting {
            Setting::ApiKey => format!(" (--api-key or {ENV_API_KEY})"),
            Setting::Jwt => format!(" (--jwt or {ENV_JWT})"),
            Setting::JwtTransport => format!(" (--jwt-transport or {ENV_JWT_TRANSPORT})"),
            Setting::BaseUrl | Setting::InsecureHttp => {
                format!(" (--base-url or {ENV_API_ENDPOINT})")
            }
            Setting::Proxy => match error.origin {
                SettingSource::Environment(variable) => format!(" ({variable})"),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let problem = match error.setting {
            Setting::InsecureHttp => "plain http to a host that is not loopback would send the \
                                      credentials in clear; use https, or pass \
                                      --allow-insecure-http"
                .to_owned(),
            _ => error.problem,
        };
        let setting = match error.setting {
            Setting::InsecureHttp => Setting::BaseUrl,
            setting => setting,
        };
        let mut message = format!("invalid {setting}{origin}: {problem}");
        if setting == Setting::HttpClient {
            let trust_store = TRUST_STORE_VARIABLES
                .iter()
                .filter(|variable| std::env::var_os(variable).is_some())
                .copied()
                .collect::<Vec<_>>();
            if !trust_store.is_empty() {
                message.push_str(&format!(
                    "\n  hint: {} is set: it must name readable PEM certificates, the public \
                     CAs with your own (they replace the system's store)",
                    trust_store.join(" and ")
                ));
            }
        }
        Self::usage(message)
    }
}

/// The variables that replace the system's trust store on Linux (read by
/// the TLS stack, `rustls-native-certs`, when the HTTP client is built).
const TRUST_STORE_VARIABLES: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// What went wrong and its causes, each once: `a: b: c` (the call it
/// happened in is said by the command's words instead).
fn causes(error: &Error) -> String {
    let mut message = error.kind().to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// What the user can do about `error` met while doing `action`, when there
/// is something; it names only the ids the command used.
fn hint(action: Action, error: &Error) -> Option<String> {
    let organization = error.target().map(|target| target.organization.get());
    let organization = organization.map(|id| format!("organization {id}")).unwrap_or_default();
    let check_base_url = "check the base URL (--base-url or EI_API_ENDPOINT): it ends with /v1";
    Some(match error.kind() {
        ErrorKind::Unauthorized { .. } => format!(
            "check the credential ({ENV_API_KEY}, --api-key or {ENV_JWT}) and that it may use \
             {organization}"
        ),
        // The API's own 404s say what is missing, in JSON; a bare one (an HTML
        // page, an unrouted path) means the request went to the wrong place.
        ErrorKind::NotFound { message }
            if message.as_deref().is_none_or(|message| message.starts_with("Cannot ")) =>
        {
            format!("the server answered without the API's words: {check_base_url}")
        }
        ErrorKind::NotFound { .. } => match action.pipeline() {
            Some(pipeline) => format!(
                "check {organization} (--org or {ENV_ORGANIZATION_ID}) and pipeline {pipeline}"
            ),
            None => format!("check {organization} (--org or {ENV_ORGANIZATION_ID})"),
        },
        _ if error.is_already_running() => match action.pipeline() {
            Some(pipeline) => format!(
                "a run of pipeline {pipeline} is going; follow it with: ei-pipeline wait {pipeline}"
            ),
            None => return None,
        },
        ErrorKind::RunOutcomeUnknown { .. } => format!(
            "see what runs with `ei-pipeline wait {}` (it follows the current run) before \
             starting the pipeline again",
            action.pipeline().unwrap_or_default()
        ),
        ErrorKind::DeadlineBeforeSighting { run: None } => format!(
            "if it started, `ei-pipeline wait {}` follows it",
            action.pipeline().unwrap_or_default()
        ),
        ErrorKind::RunNotFound { .. } => format!(
            "`ei-pipeline status {}` shows the pipeline's current and last runs",
            action.pipeline().unwrap_or_default()
        ),
        ErrorKind::Transport { kind, .. } => network_hint(*kind, check_base_url),
        _ => return None,
    })
}

/// What to do about a transport failure of `kind`: the base URL is named
/// only where it is the likely culprit (nothing listens there, its host
/// does not resolve); a proxy's credentials are named, never shown.
fn network_hint(kind: TransportKind, check_base_url: &str) -> String {
    const PROXY: &str = "HTTPS_PROXY (or https_proxy)";
    match kind {
        TransportKind::NameNotResolved | TransportKind::ConnectionRefused => {
            format!("{check_base_url}; behind a proxy, set {PROXY}")
        }
        TransportKind::Certificate(CertificateProblem::UnknownIssuer) => "for a private \
             certificate authority (a TLS-inspecting proxy's), point SSL_CERT_FILE (a PEM \
             bundle) or SSL_CERT_DIR at its certificate together with the public ones, which \
             they replace (on macOS and Windows, add it to the system's trust store instead)"
            .to_owned(),
        TransportKind::Certificate(CertificateProblem::WrongHost) => format!(
            "the certificate was issued for another host than the base URL's: check the host \
             in --base-url or {ENV_API_ENDPOINT}, and what answers for it"
        ),
        TransportKind::Certificate(CertificateProblem::Expired) => "its owner must renew it, \
             or this machine's clock is wrong"
            .to_owned(),
        TransportKind::Certificate(CertificateProblem::NotYetValid) => {
            "check this machine's clock".to_owned()
        }
        TransportKind::Certificate(_) => {
            "the server's certificate cannot be used: its owner must replace it".to_owned()
        }
        TransportKind::Tls => format!(
            "the server at the base URL does not speak TLS as expected: http rather than \
             https (--base-url or {ENV_API_ENDPOINT})? or a proxy that intercepts TLS?"
        ),
        TransportKind::ProxyAuthentication => format!(
            "give the proxy's credentials in {PROXY} as \
             http://USER:PASSWORD@HOST:PORT (percent-encoded)"
        ),
        TransportKind::Proxy => format!("check the proxy in {PROXY}, and NO_PROXY"),
        _ => format!("check the network, and the proxy in {PROXY} if one is needed"),
    }
}

/// Makes a panic (a bug) print one short line and exit 70, instead of
/// Rust's default message and code 101.
pub fn install_panic_hook(output: Output) {
    std::panic::set_hook(Box::new(move |info| {
        let location = info
            .location()
            .map(|at| format!(" at {}:{}", at.file(), at.line()))
            .unwrap_or_default();
        output.error_line(&format!(
            "error: internal error{location}; this is a bug in ei-pipeline, please report it"
        ));
        std::process::exit(i32::from(Exit::Internal.code()));
    }));
}

#[cfg(test)]
impl Exit {
    /// One exit of each code, for the tests that go through them all.
    pub(crate) const EACH_CODE: [Exit; 9] = [
        Exit::Success,
        Exit::RunFailed,
        Exit::Usage,
        Exit::Refused,
        Exit::Unavailable,
        Exit::TimedOut,
        Exit::Undetermined,
        Exit::Internal,
        Exit::Interrupted,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_ends_exit_as_the_most_severe_in_the_documented_order() {
        // The order --help gives: 130, 70, 2, 3, 4, 6, 5, 1, 0.
        let order = [
            Exit::Interrupted,
            Exit::Internal,
            Exit::Usage,
            Exit::Refused,
            Exit::Unavailable,
            Exit::Undetermined,
            Exit::TimedOut,
            Exit::RunFailed,
            Exit::Success,
        ];
        for (place, exit) in order.iter().enumerate() {
            let milder = order[place..].iter().rev().copied();
            assert_eq!(Exit::most_severe(milder.chain([*exit])), *exit);
            assert_eq!(Exit::most_severe(order[place..].iter().copied()), *exit);
        }
        assert_eq!(Exit::most_severe([]), Exit::Success);
    }

    #[test]
    fn codes_are_distinct() {
        let all = Exit::EACH_CODE;
        let codes: std::collections::HashSet<u8> = all.iter().map(|exit| exit.code()).collect();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn configuration_errors_are_usage_errors() {
        let error = ei_api_ext::Client::builder().base_url("nope").api_key("k").build();
        let failure = Failure::during(Action::List, Error::from(error.unwrap_err()));
        assert_eq!(failure.exit, Exit::Usage);
    }
}
