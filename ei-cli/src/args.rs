//! The command line: global options, the commands and their options.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use ei_api_ext::diagnose::{DiagnosisOptions, LogLevel};
use ei_api_ext::redact::Redactor;
use ei_api_ext::{ENV_API_KEY, ENV_JWT, ENV_JWT_TRANSPORT};

use crate::paint::ColorWhen;
use crate::profile::ENV_PROFILE;
use crate::settings::{DEFAULT_WAIT_TIMEOUT, ENV_ORGANIZATION_ID};

/// The exit codes, as `--help` shows them.
const EXIT_CODES_HELP: &str = "\
Exit codes:
  0    success (with run --wait or wait: the run succeeded; with stop: also when the
       pipeline was not running, so there was nothing to stop; with diff: nothing differs)
  1    the run failed (a step failed, or the run was stopped); with diff: a file differs
  2    usage or configuration error (bad arguments, no credential, no organization, a bad
       setting or profile; a bad definition file, a ${NAME} secret whose variable is not
       set), or a network setting to change: a server certificate not trusted (unknown CA,
       another host, expired), proxy credentials refused (407); not retried
  3    the API refused the request (400, 401, 403, 404, other 4xx whatever the body,
       success: false, \"already running\", a stop refused while the pipeline still runs),
       or the run asked for does not exist (a pipeline with no run, a --run it does not
       show); apply or delete refused a pipeline changed since the plan or with a run in
       progress
  4    no usable answer, after retries (5xx, 429, no connection or a lost one, a failing
       proxy, a redirect, an answer too large or unreadable); with logs, a log that could
       not be read
  5    the wait (run --wait, wait) timed out, also when the server stalls
  6    the run's outcome could not be determined (a run call whose answer was lost and
       that the pipeline's view could not settle; a status this version does not know;
       a newer run replaced it, or it vanished, before it was seen to finish)
  70   internal error (a bug in ei-pipeline)
  130  interrupted (Ctrl-C) while waiting; the run goes on, and the message names the
       wait command that follows it again; run without --wait starts no more runs and
       says which may have started
With several pipelines (run A B C, wait A B C), the exit is the most severe of theirs, in
this order: 130, 70, 2, 3, 4, 6, 5, 1, 0 (the tool could not do its job, then no outcome,
then a timeout, then a failed run).

Credentials: an API key (EI_API_KEY or --api-key), or else a JWT (EI_JWT or --jwt) sent in
the x-jwt-token header or, with EI_JWT_TRANSPORT=cookie, in the jwt cookie. Prefer the
environment variables: command lines are visible to other users of the machine.
Secrets (the API key, the JWT, projectApiKey, projectHmacKey) are never printed.

Corporate networks: https goes through the proxy in HTTPS_PROXY (credentials as
http://USER:PASSWORD@HOST:PORT, never printed) unless NO_PROXY names the host; a plain-http
base URL never goes through a proxy. A private certificate authority (a TLS-inspecting
proxy's): SSL_CERT_FILE or SSL_CERT_DIR, with the public CAs too, on Linux; the system's
trust store on macOS and Windows. See docs/corporate-networks.md.";

/// `ei-pipeline`: run, follow, stop, list and define Edge Impulse organization pipelines.
#[derive(Debug, Parser)]
#[command(name = "ei-pipeline", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, before or after the command's name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The API's base URL, with its /v1 prefix.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "EI_API_ENDPOINT",
        hide_env_values = true,
        default_value = ei_api::DEFAULT_BASE_URL
    )]
    pub base_url: String,
    /// The API key (an organization or project key).
    #[arg(long, global = true, value_name = "KEY", env = ENV_API_KEY, hide_env_values = true)]
    pub api_key: Option<Secret>,
    /// A JWT, used when no API key is given.
    #[arg(long, global = true, value_name = "TOKEN", env = ENV_JWT, hide_env_values = true)]
    pub jwt: Option<Secret>,
    /// Where the JWT travels: the x-jwt-token header, or the jwt cookie.
    #[arg(
        long,
        global = true,
        value_name = "WHERE",
        env = ENV_JWT_TRANSPORT,
        hide_env_values = true,
        value_enum,
        default_value_t = JwtTransport::Header
    )]
    pub jwt_transport: JwtTransport,
    /// Allow a plain-http base URL to a host that is not loopback, sending the credentials
    /// in clear (for a proxy on a trusted network; never across the internet).
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,
    /// The organization's id.
    #[arg(long, global = true, value_name = "ID", env = ENV_ORGANIZATION_ID, hide_env_values = true)]
    pub org: Option<String>,
    /// The profile to use from the profiles file (EI_PIPELINE_CONFIG, or else
    /// ei-pipeline/config.toml in the platform's config directory) [default: the profile
    /// `default`, if the file has one]. It gives the base URL, the organization and where
    /// the credential comes from; a flag or an environment variable wins over it.
    #[arg(long, global = true, value_name = "NAME", env = ENV_PROFILE, hide_env_values = true)]
    pub profile: Option<String>,
    /// Diagnostic output on stderr (repeatable): -v each call, retry and its delay; -vv every
    /// attempt with its status and every poll with its delay and reason; -vvv the HTTP stack
    /// too. RUST_LOG (standard filter syntax, e.g. RUST_LOG=ei_api_ext=debug), when set,
    /// takes precedence.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// How stderr is written: text, or one JSON object per line, the command's own progress,
    /// notes and errors too (for CI systems that collect structured logs); -v or RUST_LOG add
    /// diagnostic events to them.
    #[arg(long, global = true, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Only errors (with their hints) and outcomes: no progress, no notes; run --wait and wait
    /// print one line per pipeline (--json its document). RUST_LOG still applies.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// When to colour states and failures in text lines (JSON never is).
    #[arg(long, global = true, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a run of a pipeline (or of each of several), and optionally wait for it to finish.
    Run(RunArgs),
    /// Follow a pipeline's current run (or the one given, or else its last) to its outcome,
    /// as `run --wait` does: after a timeout, a Ctrl-C, or from another shell; several
    /// pipelines' runs together.
    Wait(WaitArgs),
    /// Show a pipeline: its current run, with each step's status and files, and its last run.
    Status(StatusArgs),
    /// Stop the pipeline's current run (the run is marked failed); a pipeline that is not
    /// running has nothing to stop, and exits 0 saying so.
    Stop(StopArgs),
    /// Show the logs of a run's steps: the jobs of each step's failed files (or, when none
    /// failed, its first files) and of its upload.
    Logs(LogsArgs),
    /// List the organization's pipelines.
    List(ListArgs),
    /// Write pipelines' definitions as YAML files, one per pipeline, secrets as ${NAME}
    /// placeholders.
    Export(ExportArgs),
    /// Show how definition files differ from the pipelines on the server (exit 0: no
    /// difference, 1: a difference).
    Diff(DiffArgs),
    /// Create or update pipelines from definition files; writes nothing when nothing differs.
    Apply(ApplyArgs),
    /// Delete a pipeline (refused while a run of it is in progress).
    Delete(DeleteArgs),
    /// Run two sample pipelines against a built-in fake Studio on a loopback port, as
    /// `run --wait` would: one succeeds though a read fails on the way, one fails and explains
    /// why. No credentials, no network, about fifteen seconds (--base-url, --api-key, --jwt and
    /// --org are ignored; -v and --log-format apply).
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Print the completion script for a shell on stdout, e.g. `ei-pipeline completions bash >
    /// ~/.local/share/bash-completion/completions/ei-pipeline`.
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout; ei-cli/man/ei-pipeline.1 is this output.
    #[command(hide = true)]
    Man,
}

/// `completions`' options.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// How many pipelines one command may name. Each pipeline followed holds a
/// connection of its own while its reads are in flight: 100 stays well within
/// the 256 open files a Mac allows a process by default (400 ran out of them,
/// and some runs did not start), and is as many reads at once as one command
/// should put on Studio.
pub const MAX_PIPELINES: usize = 100;

/// What `run --json` prints, as `run --help` shows it.
const RUN_JSON_HELP: &str = "\
JSON (--json), one document on stdout, secrets redacted:
  run                 {\"pipelineRun\": PIPELINE_RUN}; with several pipelines {\"pipelines\":
                      [{\"pipeline\": PIPELINE_ID, \"pipelineRun\": PIPELINE_RUN}, or with
                      \"error\": MESSAGE when it did not start]}
  run --wait          {\"outcome\": OUTCOME, \"run\": RUN, \"pipelineRun\": PIPELINE_RUN, ...}
                      where OUTCOME is
    succeeded         exit 0
    failed            exit 1, with \"diagnosis\": {\"runId\", \"steps\": [{\"step\": STEP,
                      \"selection\", \"selectedFiles\", \"files\": [{\"name\", \"bucketPath\", \"jobId\",
                      \"status\", \"log\": LOG|null}], \"upload\": LOG|null, \"missing\": [what could
                      not be read, and why]}]}, or null with --no-diagnosis; LOG is {\"jobId\",
                      \"level\", \"totalLines\", \"lines\": [{\"created\", \"level\", \"text\"}]}
    timed_out         exit 5, with \"stop\": \"not_asked\", \"confirmed\", \"acknowledged\" (accepted,
                      not confirmed in time) or \"not_sent\" (with \"stopProblem\")
    unrecognized      exit 6: finished, but a step's state is one this version does not know
    replaced          exit 6: a newer run took its place before it was seen to finish,
                      with \"replacedBy\": RUN_ID|null
  Ctrl-C (--wait)     {\"outcome\": \"interrupted\", \"runId\": RUN_ID|null}, exit 130; the run goes on
  several pipelines   {\"pipelines\": [{\"pipeline\": PIPELINE_ID, ...}]}: one entry per pipeline, in
                      the order given, each the document above, or {\"outcome\": \"error\",
                      \"runId\": RUN_ID|null, \"error\": MESSAGE} when it failed
RUN is the run in this tool's words: {\"id\", \"state\", \"created\", \"finished\", \"steps\": [STEP]},
STEP is {\"number\" (from 1, as on the screen), \"name\", \"state\", \"status\" (the job's, as the
API spells it), \"files\": {\"done\", \"succeeded\", \"failed\", \"total\"}|null,
\"transformationJob\", \"uploadJob\", \"uploadFailed\"}; states are waiting, running, succeeded,
failed, unrecognized. PIPELINE_RUN is the API's pipelineRun object, as it spells it. On an error
stdout stays empty and the message goes to stderr; with several pipelines, one pipeline's error
is its entry (and an error: line on stderr), and stdout stays empty only when the command
itself is wrong (a usage error, found before anything is sent).";

/// `run`'s options.
#[derive(Debug, Args)]
#[command(after_help = RUN_JSON_HELP)]
pub struct RunArgs {
    /// The pipeline's id; with several (at most 100), each starts, and with --wait they are
    /// followed together (one deadline, one retry budget).
    #[arg(value_name = "PIPELINE_ID", required = true, num_args = 1..)]
    pub pipelines: Vec<i64>,
    /// Re-run from scratch: do not give the steps the time of the last successful run.
    #[arg(long)]
    pub ignore_last_successful_run: bool,
    /// Wait for the run (each run) to finish, showing its progress on stderr. Exits 0 only if
    /// it (every one) succeeded. The options below, from --timeout to --github-reports, need it.
    #[arg(long)]
    pub wait: bool,
    /// How long to wait, and what then.
    #[command(flatten)]
    pub follow: FollowArgs,
    /// Print one JSON document on stdout (see below); progress goes to stderr as plain lines.
    #[arg(long)]
    pub json: bool,
}

/// `wait`'s options.
#[derive(Debug, Args)]
#[command(after_help = WAIT_JSON_HELP)]
pub struct WaitArgs {
    /// The pipeline's id; several (at most 100) are followed together (one deadline, one
    /// retry budget).
    #[arg(value_name = "PIPELINE_ID", required = true, num_args = 1..)]
    pub pipelines: Vec<i64>,
    /// The run to follow [default: the pipeline's current run, or else its last]; only with
    /// one pipeline.
    #[arg(long, value_name = "RUN_ID")]
    pub run: Option<i64>,
    /// How long to wait, and what then.
    #[command(flatten)]
    pub follow: FollowArgs,
    /// Print one JSON document on stdout (as `run --wait --json` does); progress goes to
    /// stderr as plain lines.
    #[arg(long)]
    pub json: bool,
}

/// How long a wait lasts, and what happens then (`run --wait`, `wait`).
#[derive(Debug, Args)]
pub struct FollowArgs {
    /// How long to wait, e.g. 90s, 15m, 2h [default: 2h]. The run goes on after the
    /// timeout unless --stop-on-timeout is given; exits 5.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Stop the run when the timeout comes.
    #[arg(long)]
    pub stop_on_timeout: bool,
    /// Do not explain a failed run. By default its failed steps are shown with their failed
    /// files and the last error lines of their jobs' logs (reading them takes at most 30s;
    /// Ctrl-C while they are read skips them, and the outcome's exit code stands).
    #[arg(long)]
    pub no_diagnosis: bool,
    /// Explain a failed run with the logs of this many failed files per step [default: 3].
    #[arg(long, value_name = "N", conflicts_with = "no_diagnosis")]
    pub diagnosis_logs: Option<u32>,
    /// Show this many last lines of each of those logs [default: 20].
    #[arg(long, value_name = "N", conflicts_with = "no_diagnosis")]
    pub diagnosis_lines: Option<u32>,
    /// Explaining a failed run takes at most this long [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration,
          conflicts_with = "no_diagnosis")]
    pub diagnosis_timeout: Option<Duration>,
    /// Write a JUnit XML report to FILE when the wait ends (also on a timeout, Ctrl-C or an
    /// error): a test suite per pipeline run, a test case per step, a failed step as a
    /// failure carrying why (its failed files and their last error lines). Written whole or
    /// not at all (a temporary file renamed over FILE).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Report to GitHub Actions when the wait ends (also on a timeout, Ctrl-C or an error):
    /// append a Markdown job summary (each run, its steps, why it failed) to the file
    /// $GITHUB_STEP_SUMMARY names, and print an ::error annotation per failed step on stderr,
    /// where the runner reads it too (stdout stays the outcome).
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = GithubReports::Auto)]
    pub github_reports: GithubReports,
}

/// When the GitHub Actions reports (job summary, annotations) are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum GithubReports {
    /// When GITHUB_ACTIONS is `true` (GitHub's runners set it).
    #[default]
    Auto,
    /// Everywhere; GITHUB_STEP_SUMMARY must be set.
    Always,
    /// Never.
    Never,
}

impl FollowArgs {
    /// How long the wait lasts.
    pub fn wait_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_WAIT_TIMEOUT)
    }

    /// Whether any option of a wait was given.
    pub fn given(&self) -> bool {
        self.timeout.is_some()
            || self.stop_on_timeout
            || self.no_diagnosis
            || self.diagnosis_logs.is_some()
            || self.diagnosis_lines.is_some()
            || self.diagnosis_timeout.is_some()
            || self.junit.is_some()
            || self.github_reports != GithubReports::Auto
    }

    /// How a failed run is explained, unless `--no-diagnosis`.
    pub fn diagnosis(&self) -> Option<DiagnosisOptions> {
        if self.no_diagnosis {
            return None;
        }
        let mut options = DiagnosisOptions::default();
        if let Some(logs) = self.diagnosis_logs {
            let files = options.files.max(logs);
            options = options.logs(logs).files(files);
        }
        if let Some(lines) = self.diagnosis_lines {
            options = options.lines(lines);
        }
        if let Some(timeout) = self.diagnosis_timeout {
            options = options.deadline(timeout);
        }
        Some(options)
    }
}

/// What `wait --json` prints.
const WAIT_JSON_HELP: &str = "\
JSON (--json), one document on stdout, secrets redacted, as run --wait --json prints it:
  {\"outcome\": OUTCOME, \"run\": RUN, \"pipelineRun\": PIPELINE_RUN, ...}, and with several
  pipelines {\"pipelines\": [...]}, an entry each; see ei-pipeline run --help.
With neither --run nor a run going, the pipeline's last run is reported at once.";

/// `status`'s options.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The pipeline's id.
    #[arg(value_name = "PIPELINE_ID")]
    pub pipeline: i64,
    /// Print the pipeline object as JSON on stdout, as the API spells it, with "runs":
    /// {"current": RUN|null, "last": RUN|null}, RUN as in run --help.
    #[arg(long)]
    pub json: bool,
}

/// `stop`'s options.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// The pipeline's id.
    #[arg(value_name = "PIPELINE_ID")]
    pub pipeline: i64,
    /// Print one JSON document on stdout: {"stopped": true|false, "pipelineId", "runId":
    /// RUN_ID|null}; "stopped": false when the pipeline was not running (exit 0).
    #[arg(long)]
    pub json: bool,
}

/// `demo`'s options.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print one JSON document on stdout: {"succeeded": OUTCOME, "failed": OUTCOME}, each as
    /// run --wait --json prints it (the failed one with its diagnosis).
    #[arg(long)]
    pub json: bool,
}

/// `logs`'s options.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The pipeline's id.
    #[arg(value_name = "PIPELINE_ID")]
    pub pipeline: i64,
    /// The run [default: the pipeline's current run, or else its last].
    #[arg(long, value_name = "RUN_ID")]
    pub run: Option<i64>,
    /// Only this step (1 for the first) [default: every step].
    #[arg(long, value_name = "N")]
    pub step: Option<usize>,
    /// Only lines at this level and above [default: every level].
    #[arg(long, value_enum)]
    pub level: Option<LevelArg>,
    /// The last lines shown of each log (the server keeps the last 1,000).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: u32,
    /// The files of each step whose logs are shown.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub files: u32,
    /// Reading the logs takes at most this long; what was read by then is shown, and what
    /// was not is named (and the exit code is 4, as for any log that could not be read).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "60s")]
    pub timeout: Duration,
    /// Print one JSON document on stdout: {"runId", "steps": [{"step": STEP, "selection":
    /// "failed"|"all", "selectedFiles", "files": [{"name", "bucketPath", "jobId", "status",
    /// "log": LOG|null}], "upload": LOG|null, "missing": [what could not be read, and why]}]},
    /// STEP and LOG as in run --help (STEP's "number" is --step's).
    #[arg(long)]
    pub json: bool,
}

/// A log level, as `logs --level` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LevelArg {
    /// Errors.
    Error,
    /// Warnings and errors.
    Warn,
    /// Information, warnings and errors.
    Info,
    /// Everything.
    Debug,
}

impl LevelArg {
    /// The level as `--level` takes it (`warn`).
    pub fn name(self) -> String {
        use clap::ValueEnum;
        self.to_possible_value().map(|value| value.get_name().to_owned()).unwrap_or_default()
    }
}

impl From<LevelArg> for LogLevel {
    fn from(level: LevelArg) -> Self {
        match level {
            LevelArg::Error => LogLevel::Error,
            LevelArg::Warn => LogLevel::Warn,
            LevelArg::Info => LogLevel::Info,
            LevelArg::Debug => LogLevel::Debug,
        }
    }
}

/// `list`'s options.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the pipelines with a step attached to this project.
    #[arg(long, value_name = "ID")]
    pub project: Option<i64>,
    /// The archived pipelines instead.
    #[arg(long, conflicts_with = "project")]
    pub archived: bool,
    /// Print the array of pipelines as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

impl GlobalArgs {
    /// What every output masks: the API's secrets, and the credentials
    /// given here.
    pub fn redactor(&self) -> Redactor {
        let secrets = [&self.api_key, &self.jwt].into_iter().flatten();
        secrets.fold(Redactor::new(), |redactor, secret| redactor.with_secret(secret.expose()))
    }
}

/// How diagnostic lines are written on stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Plain text, one event per line, timed from the start.
    #[default]
    Text,
    /// One JSON object per line, for CI systems that collect structured logs.
    Json,
}

/// Where a JWT travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum JwtTransport {
    /// The `x-jwt-token` header.
    Header,
    /// The `jwt` cookie.
    Cookie,
}

/// A credential from the command line or the environment, kept out of `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself: for the client and the output's redactor only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_before_or_after_the_command() {
        let before = Cli::try_parse_from(["ei-pipeline", "--org", "3", "status", "7"]).unwrap();
        let after = Cli::try_parse_from(["ei-pipeline", "status", "7", "--org", "3"]).unwrap();
        assert_eq!(before.global.org.as_deref(), Some("3"));
        assert_eq!(after.global.org.as_deref(), Some("3"));
    }

    #[test]
    fn the_help_gives_the_order_several_pipelines_exit_in() {
        use crate::exit::Exit;
        let mut exits = Exit::EACH_CODE.to_vec();
        // Most severe first, as Exit::most_severe ranks them.
        exits.sort_by(|a, b| {
            if a == b {
                std::cmp::Ordering::Equal
            } else if Exit::most_severe([*a, *b]) == *a {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
        let order: Vec<String> = exits.iter().map(|exit| exit.code().to_string()).collect();
        let said = format!("this order: {} (", order.join(", "));
        assert!(EXIT_CODES_HELP.contains(&said), "not {said:?} in:\n{EXIT_CODES_HELP}");
    }

    #[test]
    fn run_and_wait_help_say_how_many_pipelines_they_take() {
        let limit = format!("at most {MAX_PIPELINES})");
        for command in ["run", "wait"] {
            let mut cli = Cli::command();
            let help = cli.find_subcommand_mut(command).expect(command).render_long_help();
            assert!(help.to_string().contains(&limit), "{command} --help:\n{help}");
        }
    }

    #[test]
    fn timeouts_read_humantime() {
        let cli =
            Cli::try_parse_from(["ei-pipeline", "run", "1", "--wait", "--timeout", "15m"]).unwrap();
        let Command::Run(run) = cli.command else { panic!("not run") };
        assert_eq!(run.follow.wait_timeout(), Duration::from_secs(900));
        let cli = Cli::try_parse_from(["ei-pipeline", "wait", "1", "--run", "9"]).unwrap();
        let Command::Wait(wait) = cli.command else { panic!("not wait") };
        assert_eq!(wait.follow.wait_timeout(), DEFAULT_WAIT_TIMEOUT);
        assert_eq!(wait.run, Some(9));
    }

    #[test]
    fn debug_hides_the_credentials() {
        let cli = Cli::try_parse_from([
            "ei-pipeline",
            "--api-key",
            "ei_topsecret",
            "--jwt",
            "jwt_topsecret",
            "list",
        ])
        .unwrap();
        assert!(!format!("{cli:?}").contains("topsecret"));
    }
}

/// Pipelines as code: what `export`, `diff` and `apply` say of secrets.
const DEFINITION_HELP: &str = "\
Definition files are YAML with the API's property names (intervalStr, whenToEmail, steps,
...) and the pipeline's id; a file without an id is the pipeline of its name (refused when
two share it). A step's projectApiKey and projectHmacKey are written as ${NAME}: apply reads
the environment variable NAME, and refuses, writing nothing, when one is not set; a step
that leaves them out keeps the server's. A pipeline with a run in progress is not updated.";

/// `export`.
#[derive(Debug, Args)]
#[command(after_help = DEFINITION_HELP)]
pub struct ExportArgs {
    /// The pipelines to export.
    #[arg(value_name = "PIPELINE_ID", required_unless_present = "all")]
    pub pipelines: Vec<i64>,
    /// Every pipeline of the organization (archived ones too).
    #[arg(long, conflicts_with = "pipelines")]
    pub all: bool,
    /// The directory to write the files in (created if missing); without it, the
    /// definitions go to stdout as one YAML stream.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: Option<std::path::PathBuf>,
}

/// `diff`.
#[derive(Debug, Args)]
#[command(after_help = DEFINITION_HELP)]
pub struct DiffArgs {
    /// The definition files.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,
}

/// `apply`.
#[derive(Debug, Args)]
#[command(after_help = DEFINITION_HELP)]
pub struct ApplyArgs {
    /// The definition files.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<std::path::PathBuf>,
    /// Say what would be done, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print what was done per file as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The pipeline.
    #[arg(value_name = "PIPELINE_ID")]
    pub pipeline: i64,
    /// Confirm the deletion (required).
    #[arg(long)]
    pub yes: bool,
}
