//! A fake Studio in the test process and the real `ei-pipeline` binary as a
//! child process pointed at it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};
use serde_json::Value;

/// The organization every test pipeline belongs to.
pub const ORG: i64 = 1;

/// The API key the test studios accept: distinctive, so that a leak would
/// be found in any output, and shaped like Studio's (`ei_` and 64 hex
/// digits), so that a page quoting it is masked even where the binary was
/// given a JWT instead.
pub const API_KEY: &str = "ei_ca11e4a91e0000000000000000000000000000000000000000000000000000e1";

/// A JWT the test studios accept, as distinctive as [`API_KEY`].
pub const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.e30.cli_test_jwt_signature_0123456789";

/// The environment variables the binary reads; removed from every child so
/// that the developer's own settings never leak into a test.
/// GitHub Actions' own are among them: a test run on GitHub's runners must
/// not annotate the job or write its summary.
const ENV_VARS: [&str; 12] = [
    "EI_API_KEY",
    "EI_API_ENDPOINT",
    "EI_ORGANIZATION_ID",
    "EI_JWT",
    "EI_JWT_TRANSPORT",
    "EI_PROFILE",
    "RUST_LOG",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
];

/// The profiles file every child reads unless a test names another: one that
/// does not exist, so that the developer's own profiles never apply.
const NO_PROFILES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cli/no-profiles-here/config.toml");

/// A two-step pipeline that takes about a second.
pub fn quick_pipeline(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Quick import")
        .step(StepSpec::new("Fetch").duration(Duration::from_millis(500)).files(10))
        .step(StepSpec::new("Clean").duration(Duration::from_millis(500)).files(20))
}

/// A fake Studio running on its own runtime while the test thread runs the binary.
pub struct Studio {
    studio: Option<FakeStudio>,
    runtime: tokio::runtime::Runtime,
}

impl Studio {
    /// A studio with these pipelines, accepting [`API_KEY`].
    pub fn start(pipelines: impl IntoIterator<Item = PipelineSpec>) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let mut builder = FakeStudio::builder().api_key(API_KEY).jwt(JWT);
        for pipeline in pipelines {
            builder = builder.pipeline(pipeline);
        }
        let studio = runtime.block_on(builder.start());
        Self { studio: Some(studio), runtime }
    }

    /// A studio with [`quick_pipeline`] as pipeline 1.
    pub fn quick() -> Self {
        Self::start([quick_pipeline(1)])
    }

    fn studio(&self) -> &FakeStudio {
        self.studio.as_ref().expect("running")
    }

    /// The base URL.
    pub fn base_url(&self) -> String {
        self.studio().base_url().to_owned()
    }

    /// Scripts a fault.
    pub fn inject(&self, operation: Operation, when: When, fault: Fault) {
        let _guard = self.runtime.enter();
        self.studio().inject(operation, when, fault);
    }

    /// How many runs of pipeline `id` started.
    pub fn runs_started(&self, id: i64) -> usize {
        self.studio().runs_started(ORG, id)
    }

    /// Starts a run from the side, as a schedule would.
    pub fn start_run(&self, id: i64) -> i64 {
        let _guard = self.runtime.enter();
        self.studio().start_run(ORG, id).expect("the run starts")
    }

    /// How many requests for `operation` the studio received.
    pub fn calls(&self, operation: Operation) -> usize {
        let requests = self.studio().requests();
        requests.iter().filter(|request| request.operation == Some(operation)).count()
    }

    /// How many requests of any kind the studio received.
    /// How many definitions were written through the API.
    pub fn definition_writes(&self) -> usize {
        self.studio().definition_writes()
    }

    /// A pipeline's definition as held, secrets in clear.
    pub fn definition(&self, id: i64) -> Option<ei_api::types::OrganizationUpdatePipelineBody> {
        self.studio().pipeline_definition(ORG, id)
    }

    /// Changes a pipeline's definition from the side.
    pub fn edit_pipeline(
        &self,
        id: i64,
        edit: impl FnOnce(&mut ei_api::types::OrganizationUpdatePipelineBody),
    ) {
        assert!(self.studio().edit_pipeline(ORG, id, edit), "pipeline {id} exists");
    }

    pub fn requests_received(&self) -> usize {
        self.studio().requests().len()
    }

    /// The query strings of the run requests received.
    pub fn run_queries(&self) -> Vec<Option<String>> {
        self.studio()
            .requests()
            .into_iter()
            .filter(|request| request.operation == Some(Operation::Run))
            .map(|request| request.query)
            .collect()
    }

    /// The binary, configured through the environment for this studio.
    pub fn cli(&self) -> Command {
        let mut command = bare_cli();
        command
            .env("EI_API_KEY", API_KEY)
            .env("EI_API_ENDPOINT", self.base_url())
            .env("EI_ORGANIZATION_ID", ORG.to_string());
        command
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
        drop(self.studio.take());
    }
}

/// The binary with none of its environment variables set.
pub fn bare_cli() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ei-pipeline"));
    for variable in ENV_VARS {
        command.env_remove(variable);
    }
    command.env("EI_PIPELINE_CONFIG", NO_PROFILES);
    command.stdin(Stdio::null());
    command
}

/// What a run of the binary printed, and how it ended.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code.
    pub code: i32,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
}

impl Outcome {
    /// Asserts the exit code, showing the output if it differs.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// stdout as exactly one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!("stdout is not one JSON document ({error}):\n{}", self.stdout)
        })
    }

    /// Asserts that neither stream contains `secret`.
    #[track_caller]
    pub fn assert_hides(&self, secret: &str) {
        assert!(!self.stdout.contains(secret), "stdout shows {secret}:\n{}", self.stdout);
        assert!(!self.stderr.contains(secret), "stderr shows {secret}:\n{}", self.stderr);
    }
}

/// Runs `command` with `args` to the end.
pub fn run(mut command: Command, args: &[&str]) -> Outcome {
    let output = command.args(args).output().expect("the binary runs");
    Outcome {
        code: output.status.code().expect("the binary exits, not killed by a signal"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// A child started with `args`, its stdout and stderr piped.
pub fn spawn(mut command: Command, args: &[&str]) -> Child {
    command.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawns")
}

/// Reads the child's stderr until a line contains `needle`; returns the lines read.
pub fn read_stderr_until(
    child: &mut Child,
    needle: &str,
) -> (Vec<String>, BufReader<std::process::ChildStderr>) {
    let stderr = child.stderr.take().expect("piped stderr");
    let mut reader = BufReader::new(stderr);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).expect("reads stderr");
        assert!(read > 0, "stderr ended before {needle:?}: {lines:#?}");
        let found = line.contains(needle);
        lines.push(line);
        if found {
            return (lines, reader);
        }
    }
}
