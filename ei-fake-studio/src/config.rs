//! What a studio holds: the pipelines configured in code, and their steps.

use std::time::Duration;

/// How long a step runs when [`StepSpec::duration`] is not called: long
/// enough to be seen running by a client polling every few hundred
/// milliseconds, short enough for a test on the real clock.
const DEFAULT_STEP_DURATION: Duration = Duration::from_secs(1);

/// How many files a step processes when [`StepSpec::files`] is not called: a
/// handful, so that the counts visibly grow.
const DEFAULT_STEP_FILES: u32 = 10;

/// A pipeline of an organization, as the fake runs it.
///
/// ```
/// use ei_fake_studio::{PipelineSpec, StepSpec};
/// use std::time::Duration;
///
/// let nightly = PipelineSpec::new(1, 7, "Nightly import")
///     .step(StepSpec::new("Fetch").duration(Duration::from_secs(30)).files(120).project_id(42))
///     .step(StepSpec::new("Clean").duration(Duration::from_secs(60)).files(120).fails());
/// # drop(nightly);
/// ```
#[derive(Clone, Debug)]
pub struct PipelineSpec {
    pub(crate) organization_id: i64,
    pub(crate) pipeline_id: i64,
    pub(crate) name: String,
    pub(crate) steps: Vec<StepSpec>,
    pub(crate) start_error: Option<String>,
    pub(crate) progress_counts: bool,
    pub(crate) runs_while_running: bool,
}

impl PipelineSpec {
    /// A pipeline with no steps (a run of it finishes as soon as it starts).
    pub fn new(organization_id: i64, pipeline_id: i64, name: impl Into<String>) -> Self {
        Self {
            organization_id,
            pipeline_id,
            name: name.into(),
            steps: Vec::new(),
            start_error: None,
            progress_counts: true,
            runs_while_running: false,
        }
    }

    /// Adds a step; steps run one after another, in the order added.
    pub fn step(mut self, step: StepSpec) -> Self {
        self.steps.push(step);
        self
    }

    /// Makes every attempt to run the pipeline fail to start: the run call
    /// answers `{"success":false,"error":message}` and the pipeline's
    /// `lastRunStartError` becomes `message`.
    pub fn start_error(mut self, message: impl Into<String>) -> Self {
        self.start_error = Some(message.into());
        self
    }

    /// Accepts a run while one is going, instead of refusing it
    /// (`"Pipeline is already running"`, the default): the run going is
    /// stopped and the new one takes its place. With this, a client that
    /// re-sends a run call whose answer was lost starts a second run.
    pub fn accept_runs_while_running(mut self) -> Self {
        self.runs_while_running = true;
        self
    }

    /// Reports no progress: every `transformationSummary` count stays 0 until
    /// its step is over (for measuring waits that see no progress).
    pub fn without_progress_counts(mut self) -> Self {
        self.progress_counts = false;
        self
    }
}

/// One step of a [`PipelineSpec`]: a transformation job that runs for a set
/// time over a set number of files.
#[derive(Clone, Debug)]
pub struct StepSpec {
    pub(crate) name: String,
    pub(crate) duration: Duration,
    pub(crate) files: u32,
    pub(crate) project_id: Option<i64>,
    pub(crate) fails: bool,
    pub(crate) project_keys: Option<ProjectKeys>,
}

/// The secrets a step that imports into a project carries.
#[derive(Clone, Debug)]
pub(crate) struct ProjectKeys {
    pub(crate) api_key: String,
    pub(crate) hmac_key: String,
}

impl StepSpec {
    /// A step that runs for one second over ten files and succeeds.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            duration: DEFAULT_STEP_DURATION,
            files: DEFAULT_STEP_FILES,
            project_id: None,
            fails: false,
            project_keys: None,
        }
    }

    /// How long the step runs (tokio time).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// How many files the step processes.
    pub fn files(mut self, files: u32) -> Self {
        self.files = files;
        self
    }

    /// The project the step imports into: its `uploadType` becomes `project`
    /// (otherwise `dataset`), and listing pipelines with `?projectId=` finds it.
    pub fn project_id(mut self, project_id: i64) -> Self {
        self.project_id = Some(project_id);
        self
    }

    /// Makes the step fail when its time is up: every one of its files fails
    /// (`succeededCount` stays 0), its job ends `failed`, the run finishes
    /// there and the steps after it never start.
    pub fn fails(mut self) -> Self {
        self.fails = true;
        self
    }

    /// The project keys the step carries (`projectApiKey`, `projectHmacKey`),
    /// which the server sends back in the pipeline's steps and run steps:
    /// secrets that a client must never print.
    pub fn project_keys(mut self, api_key: impl Into<String>, hmac_key: impl Into<String>) -> Self {
        self.project_keys =
            Some(ProjectKeys { api_key: api_key.into(), hmac_key: hmac_key.into() });
        self
    }
}
