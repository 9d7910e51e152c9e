//! Diagnostic output: installs the tracing subscriber that shows the SDK's
//! spans and events (each call, attempt, retry and poll) on stderr, as
//! `--verbose` or `RUST_LOG` ask, through [`crate::output::LogWriter`].

use std::ffi::OsString;

use tracing_subscriber::EnvFilter;

use crate::args::{GlobalArgs, LogFormat};
use crate::exit::Failure;
use crate::output::{LogLines, Output};

/// The variable that chooses what is logged, in the standard filter syntax
/// (`RUST_LOG=ei_api_ext=debug`); when set and not empty it takes precedence
/// over `--verbose`.
pub const ENV_RUST_LOG: &str = "RUST_LOG";

/// What `-v`, `-vv` and `-vvv` (or more) log: the SDK's calls, retries,
/// adoptions and warnings; then every attempt with its status and every poll
/// with its delay and reason; then the HTTP stack (reqwest, hyper) too.
const VERBOSITY_FILTERS: [&str; 3] = ["ei_api_ext=info", "ei_api_ext=debug", "debug"];

/// What `-v`, `RUST_LOG` and `--log-format` ask for, read once.
#[derive(Debug)]
pub struct Logging {
    /// What to log: nothing (`None`), or a filter; an error when `RUST_LOG`
    /// is not a filter.
    filter: Result<Option<EnvFilter>, Failure>,
    lines: LogLines,
}

impl Logging {
    /// What the global options and the environment ask for.
    pub fn from_args(global: &GlobalArgs) -> Self {
        let lines = match global.log_format {
            LogFormat::Text => LogLines::Text,
            LogFormat::Json => LogLines::Json,
        };
        Self { filter: filter(std::env::var_os(ENV_RUST_LOG), global.verbose), lines }
    }

    /// `output`, knowing whether diagnostic lines will share stderr and how
    /// they are written: whenever `-v` or `RUST_LOG` asks for them, even if
    /// `RUST_LOG` proves invalid, so that the error saying so is written as
    /// the caller asked; and with `--log-format json` always, so that every
    /// line on stderr is one JSON object, whether or not diagnostic events
    /// join the command's own lines.
    pub fn output(&self, output: Output) -> Output {
        match (&self.filter, self.lines) {
            (Ok(None), LogLines::Text) => output,
            _ => output.with_log(self.lines),
        }
    }

    /// Installs the subscriber asked for, if any, writing through `output`
    /// (made by [`Self::output`]); a usage error (exit 2) naming `RUST_LOG`
    /// when it is not a valid filter.
    pub fn install(self, output: &Output) -> Result<(), Failure> {
        let Some(filter) = self.filter? else { return Ok(()) };
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_timer(output.clock())
            .with_ansi(false);
        let writer = output.log_writer(self.lines);
        let installed = match self.lines {
            LogLines::Text => builder.with_writer(writer).try_init(),
            LogLines::Json => builder.json().with_writer(writer).try_init(),
        };
        installed.map_err(|error| {
            Failure::internal(format!("could not install the diagnostic output: {error}"))
        })
    }
}

/// Whether a `RUST_LOG` value says nothing (and so is ignored).
fn blank(value: &OsString) -> bool {
    value.to_string_lossy().trim().is_empty()
}

/// The filter for `rust_log` (the variable's value, if set) and `verbose`
/// (how many `-v`): `RUST_LOG` first, unless empty; `None` when nothing is
/// to be logged.
fn filter(rust_log: Option<OsString>, verbose: u8) -> Result<Option<EnvFilter>, Failure> {
    if let Some(value) = rust_log.filter(|value| !blank(value)) {
        let value = value.to_str().ok_or_else(|| invalid_rust_log("it is not UTF-8"))?;
        return EnvFilter::builder()
            .parse(value)
            .map(Some)
            .map_err(|error| invalid_rust_log(&error.to_string()));
    }
    let Some(level) = usize::from(verbose).checked_sub(1) else {
        return Ok(None);
    };
    let directives = VERBOSITY_FILTERS[level.min(VERBOSITY_FILTERS.len() - 1)];
    Ok(Some(EnvFilter::new(directives)))
}

/// The usage error for a `RUST_LOG` that is not a filter.
fn invalid_rust_log(problem: &str) -> Failure {
    Failure::usage(format!(
        "invalid {ENV_RUST_LOG}: {problem}; it takes the standard filter syntax, e.g. \
         {ENV_RUST_LOG}=ei_api_ext=debug"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    fn directives(rust_log: Option<&str>, verbose: u8) -> Option<String> {
        filter(rust_log.map(OsString::from), verbose).expect("a filter").map(|f| f.to_string())
    }

    #[test]
    fn each_v_logs_more_and_nothing_is_logged_without_one() {
        assert_eq!(directives(None, 0), None);
        assert_eq!(directives(None, 1).as_deref(), Some("ei_api_ext=info"));
        assert_eq!(directives(None, 2).as_deref(), Some("ei_api_ext=debug"));
        assert_eq!(directives(None, 3).as_deref(), Some("debug"));
        assert_eq!(directives(None, 9).as_deref(), Some("debug"));
    }

    #[test]
    fn rust_log_takes_precedence_unless_empty() {
        assert_eq!(directives(Some("hyper=trace"), 1).as_deref(), Some("hyper=trace"));
        assert_eq!(directives(Some("warn"), 0).as_deref(), Some("warn"));
        assert_eq!(directives(Some(" "), 2).as_deref(), Some("ei_api_ext=debug"));
        assert_eq!(directives(Some(""), 0), None);
    }

    #[test]
    fn an_invalid_rust_log_is_a_usage_error_naming_it() {
        let failure = filter(Some(OsString::from("ei_api_ext=loudest")), 0).unwrap_err();
        assert_eq!(failure.exit, Exit::Usage);
        assert!(failure.message.starts_with("invalid RUST_LOG: "), "{}", failure.message);
    }
}
