//! What a studio holds: the pipelines configured in code, and their steps.

use ei_api::enums::JobLogItemLogLevel;
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
///     .step(StepSpec::new("Clean").duration(Duration::from_secs(60)).files(120).failing_files(3));
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
    pub(crate) progress_shape: ProgressShape,
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
            progress_shape: ProgressShape::Steady,
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

    /// How every step's counts move while it runs ([`ProgressShape::Steady`]
    /// unless told). With [`PipelineSpec::without_progress_counts`] the
    /// shape shows only in the counts of a step that was stopped.
    pub fn progress_shape(mut self, shape: ProgressShape) -> Self {
        self.progress_shape = shape;
        self
    }
}

/// How a step's `transformationSummary` counts move between its start and
/// its end, as real transformation jobs move: each shape keeps
/// `finishedCount` from ever decreasing, `startedCount` between
/// `finishedCount` and `totalFileCount`, and every count at the step's file
/// count once its time is up (the step ends then, whatever the shape).
///
/// ```
/// use ei_fake_studio::{PipelineSpec, ProgressShape, StepSpec};
///
/// let import = PipelineSpec::new(1, 8, "Import with an upload tail")
///     .step(StepSpec::new("Import").files(500))
///     .progress_shape(ProgressShape::Tail);
/// # drop(import);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressShape {
    /// Files finish at a constant rate from the step's start to its end.
    #[default]
    Steady,
    /// The job queues for the first quarter of the step (every count 0,
    /// the total known), then files finish at a constant rate to the end.
    Queued,
    /// Slow at first, then faster: the files finished grow with the square
    /// of the time elapsed (a quarter of them at half time).
    Accelerating,
    /// Fast at first, then slower, the mirror image of
    /// [`ProgressShape::Accelerating`] (three quarters at half time).
    Decelerating,
    /// Steady, except that nothing moves from 30% to 60% of the step's time
    /// (files in progress stay started, none finishes).
    Stalling,
    /// Files finish in five equal batches, one at the end of each fifth of
    /// the step (the last as it ends), as parallel workers complete; the
    /// batch in flight counts as started.
    Batched,
    /// The job discovers its files as it goes: `totalFileCount` starts at a
    /// quarter of the step's files and grows steadily to all of them by
    /// half time, while files finish at a constant rate over the whole step.
    GrowingTotal,
    /// Every file is counted (started, finished, succeeded) at 70% of the
    /// step's time, and the job stays `started` for the rest, uploading its
    /// output.
    Tail,
    /// A pool that warms up slowly, then races: the rate files finish at
    /// grows as the cube of the time elapsed (one file in sixteen at half
    /// time).
    StronglyAccelerating,
    /// Steady, except for one to three stalls at random places, for random
    /// lengths (together at most 60% of the step's time); the draw depends
    /// on the step's duration and file count alone, so a step stalls the
    /// same way every run.
    RandomlyStalling,
}

impl ProgressShape {
    /// Every shape, [`ProgressShape::Steady`] first.
    pub const ALL: [ProgressShape; 10] = [
        ProgressShape::Steady,
        ProgressShape::Queued,
        ProgressShape::Accelerating,
        ProgressShape::Decelerating,
        ProgressShape::Stalling,
        ProgressShape::Batched,
        ProgressShape::GrowingTotal,
        ProgressShape::Tail,
        ProgressShape::StronglyAccelerating,
        ProgressShape::RandomlyStalling,
    ];
}

/// One step of a [`PipelineSpec`]: a transformation job that runs for a set
/// time over a set number of files, each file transformed by a job of its
/// own, and an upload job that stores the results.
///
/// A failing step can be diagnosed: its failed files, their jobs' statuses
/// and logs. By default a failed job's log is what a careless block writes:
/// terminal escape sequences, carriage returns, a bell, a 100 KiB line, and
/// an API key echoed in clear (the step's [`project_keys`](Self::project_keys)
/// one if it has them); a client must show it safely.
///
/// ```
/// use ei_api::enums::JobLogItemLogLevel;
/// use ei_fake_studio::StepSpec;
///
/// let flaky = StepSpec::new("Clean").files(50).failing_files(2).failure_log([
///     (Some(JobLogItemLogLevel::Error), "ValueError: sample rate is 0"),
/// ]);
/// let cannot_store = StepSpec::new("Import").project_id(42).upload_fails();
/// # drop((flaky, cannot_store));
/// ```
#[derive(Clone, Debug)]
pub struct StepSpec {
    pub(crate) name: String,
    pub(crate) duration: Duration,
    pub(crate) files: u32,
    pub(crate) project_id: Option<i64>,
    pub(crate) fails: bool,
    /// When the step fails, how many of its files fail (`None`: every one).
    pub(crate) failed_files: Option<u32>,
    /// The lines a failed job logs (`None`: the hostile default).
    pub(crate) failure_log: Option<Vec<LogLine>>,
    pub(crate) project_keys: Option<ProjectKeys>,
}

/// A line a job logs: its level, if it has one, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogLine {
    pub(crate) level: Option<JobLogItemLogLevel>,
    pub(crate) text: String,
}

/// The secrets a step that imports into a project carries.
#[derive(Clone, Debug)]
pub(crate) struct ProjectKeys {
    pub(crate) api_key: String,
    pub(crate) hmac_key: String,
}

impl StepSpec {
    /// The API key a failed job's default log echoes when its step carries no
    /// [`project_keys`](Self::project_keys): shaped like a real one (`ei_`
    /// and 64 hexadecimal digits), so that a client's redaction must catch it.
    pub const ECHOED_API_KEY: &'static str =
        "ei_9f3c51d2a8b74e06c1f5d3a79b2e48c0d6a1f7e3b5c9d2a4e8f0b6c3d7a1e5f9";

    /// How many of the first `count` files a step processes fail: none unless
    /// the step fails, and then its failed files spread evenly through all of
    /// its files (file `i` fails when this count grows from `i` to `i + 1`).
    pub(crate) fn failures_among_first(&self, count: u32) -> u32 {
        if !self.fails || self.files == 0 {
            return 0;
        }
        let failing = self.failed_files.unwrap_or(self.files).min(self.files);
        let among = u64::from(count.min(self.files)) * u64::from(failing) / u64::from(self.files);
        u32::try_from(among).expect("at most `files`")
    }

    /// A step that runs for one second over ten files and succeeds.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            duration: DEFAULT_STEP_DURATION,
            files: DEFAULT_STEP_FILES,
            project_id: None,
            fails: false,
            failed_files: None,
            failure_log: None,
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
        self.failed_files = None;
        self
    }

    /// Makes the step fail as [`fails`](Self::fails) does, but with only
    /// `count` of its files failing (at most all of them), spread evenly
    /// through them in the order they are processed; the others succeed.
    /// With 0, every file is transformed and the upload fails, as
    /// [`upload_fails`](Self::upload_fails) says.
    pub fn failing_files(mut self, count: u32) -> Self {
        self.fails = true;
        self.failed_files = Some(count);
        self
    }

    /// Makes the step fail in its upload: every file is transformed
    /// (`transformJobStatus` ends `finished`), then the upload job fails
    /// (`uploadJobStatus` and `status` end `failed`) and the run finishes there.
    pub fn upload_fails(self) -> Self {
        self.failing_files(0)
    }

    /// The lines each failed job of the step logs after its first (which says
    /// what the job does): each failed file's job or, when the upload fails,
    /// the upload job. A line is a level (`None` for raw output without one)
    /// and its text, sent as is.
    pub fn failure_log<Text: Into<String>>(
        mut self,
        lines: impl IntoIterator<Item = (Option<JobLogItemLogLevel>, Text)>,
    ) -> Self {
        let lines = lines.into_iter().map(|(level, text)| LogLine { level, text: text.into() });
        self.failure_log = Some(lines.collect());
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
