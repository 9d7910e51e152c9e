//! Exit codes: which failure or outcome ends the program with which code.
//!
//! Every error is mapped here, explicitly, so that a script can tell "the run
//! failed" from "the API said no" from "the network is down" by the code alone.

use std::fmt;

use ei_api_ext::wait::Outcome;
use ei_api_ext::{
    ConfigError, Error, ErrorKind, FailureClass, Setting, ENV_API_ENDPOINT, ENV_API_KEY, ENV_JWT,
    ENV_JWT_TRANSPORT,
};

/// How the program ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exit {
    /// 0: success; with `--wait`, the run succeeded.
    Success,
    /// 1: the run failed (a step failed, or the run was stopped).
    RunFailed,
    /// 2: usage or configuration error.
    Usage,
    /// 3: the API refused the request (401, 403, 404, other 4xx, `success: false`).
    Refused,
    /// 4: a transport failure or an invalid response, after retries.
    Unavailable,
    /// 5: `--wait` timed out.
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
            Exit::RunFailed => 1,
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
            Outcome::Succeeded { .. } => Exit::Success,
            Outcome::Failed { .. } => Exit::RunFailed,
            Outcome::TimedOut { .. } => Exit::TimedOut,
            Outcome::Unrecognized { .. } | Outcome::Replaced { .. } => Exit::Undetermined,
            // An outcome this version does not know: nothing proves success.
            _ => Exit::Undetermined,
        }
    }

    /// The exit for an error from the API client: from its
    /// [`FailureClass`], the one judgement of what a failure means.
    pub fn for_error(error: &Error) -> Self {
        match error.class() {
            FailureClass::Refused => Exit::Refused,
            FailureClass::Local => match error.kind() {
                ErrorKind::Configuration(_) => Exit::Usage,
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

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let exit = Exit::for_error(&error);
        let mut message = error_chain(&error);
        if let Some(hint) = hint(&error) {
            message.push_str("\n  hint: ");
            message.push_str(hint);
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
        Self::usage(format!("invalid {setting}{origin}: {problem}"))
    }
}

/// The error and its sources, each once: `a: b: c`.
fn error_chain(error: &Error) -> String {
    let mut message = error.to_string();
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

/// What the user can do about `error`, when there is something.
fn hint(error: &Error) -> Option<&'static str> {
    match error.kind() {
        ErrorKind::Unauthorized { .. } => Some(
            "check the API key (--api-key or EI_API_KEY) and that it may use this organization",
        ),
        ErrorKind::NotFound { .. } => {
            Some("check the organization id (--org or EI_ORGANIZATION_ID) and the pipeline id")
        }
        ErrorKind::RunOutcomeUnknown { .. } | ErrorKind::RunNotFound { .. } => {
            Some("run `ei-pipeline status <PIPELINE_ID>` before starting the pipeline again")
        }
        ErrorKind::Transport { .. } => {
            Some("check the base URL (--base-url or EI_API_ENDPOINT) and the network")
        }
        _ => None,
    }
}

/// Makes a panic (a bug) print one short line and exit 70, instead of
/// Rust's default message and code 101.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|at| format!(" at {}:{}", at.file(), at.line()))
            .unwrap_or_default();
        crate::output::error_line(&format!(
            "error: internal error{location}; this is a bug in ei-pipeline, please report it"
        ));
        std::process::exit(i32::from(Exit::Internal.code()));
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct() {
        let all = [
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
        let codes: std::collections::HashSet<u8> = all.iter().map(|exit| exit.code()).collect();
        assert_eq!(codes.len(), all.len());
    }

    #[test]
    fn configuration_errors_are_usage_errors() {
        let error = ei_api_ext::Client::builder().base_url("nope").api_key("k").build();
        let failure = Failure::from(Error::from(error.unwrap_err()));
        assert_eq!(failure.exit, Exit::Usage);
    }
}
