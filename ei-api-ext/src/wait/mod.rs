//! Following a run to its outcome: deadlines, progress and cancellation.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let studio = ei_fake_studio::FakeStudio::start().await;
//! use std::time::Duration;
//! use ei_api_ext::wait::{Outcome, WaitOptions};
//! use ei_api_ext::{Client, OrganizationId, PipelineId};
//!
//! let client = Client::builder()
//!     .api_key(ei_fake_studio::FakeStudio::DEFAULT_API_KEY)
//!     .base_url(studio.base_url())
//!     .build()?;
//! let pipeline = client.pipeline(OrganizationId::new(1), PipelineId::new(1));
//! let report = pipeline.run().wait(WaitOptions::timeout(Duration::from_secs(3600))).await?;
//! match report.outcome {
//!     Outcome::Succeeded { run } => println!("run {} succeeded", run.id),
//!     other => println!("run ended {}", other.name()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Caveats
//! - Dropping the future stops the polling and never the run.
//! - A transient failure while polling is retried under the client's
//!   [`RetryPolicy`](crate::RetryPolicy); only one that outlasts it ends the
//!   wait, with that error.
//!
//! # Errors
//! The run call's errors, a persistent polling error, or
//! [`ErrorKind::RunNotFound`](crate::ErrorKind) when a run
//! re-attached to by id is not the pipeline's current or last run.

mod outcome;
mod progress;
mod schedule;

pub use outcome::{Outcome, StepStatus, WaitReport};
pub use progress::{ProgressEvent, ProgressStream};
pub use schedule::{
    AdaptiveSchedule, FixedSchedule, PollSchedule, ELAPSED_FRACTION, MAX_POLL_DELAY, MIN_POLL_DELAY,
};

use std::fmt;
use std::future::Future;
use std::time::Duration;

use ei_api::types::{OrganizationPipeline, OrganizationPipelineRun};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{Error, ErrorKind, Operation};
use crate::ids::RunId;
use crate::pipeline::{PipelineHandle, RunRequest};
use outcome::finished_outcome;
use progress::{ProgressSink, ProgressTracker};

/// How soon to read again while the run is missing from the view (neither
/// current nor last, nothing newer shown): often enough to see it when the
/// view catches up. It counts as gone once it has been missing for the
/// client's [`view_lag_grace`](crate::ClientBuilder::view_lag_grace).
const MISSING_REREAD: Duration = Duration::from_secs(1);

/// How long to wait, and what to do at the deadline. There is no default:
/// choose [`WaitOptions::timeout`], [`WaitOptions::until`] or, explicitly,
/// [`WaitOptions::no_deadline`].
pub struct WaitOptions {
    deadline: Deadline,
    stop_on_timeout: bool,
    schedule: Box<dyn PollSchedule>,
}

#[derive(Clone, Copy, Debug)]
enum Deadline {
    After(Duration),
    At(Instant),
    Never,
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("deadline", &self.deadline)
            .field("stop_on_timeout", &self.stop_on_timeout)
            .finish_non_exhaustive()
    }
}

impl WaitOptions {
    /// Give up waiting this long after the wait begins.
    pub fn timeout(timeout: Duration) -> Self {
        Self::with_deadline(Deadline::After(timeout))
    }

    /// Give up waiting at this instant.
    pub fn until(deadline: Instant) -> Self {
        Self::with_deadline(Deadline::At(deadline))
    }

    /// Wait as long as the run takes.
    pub fn no_deadline() -> Self {
        Self::with_deadline(Deadline::Never)
    }

    fn with_deadline(deadline: Deadline) -> Self {
        Self { deadline, stop_on_timeout: false, schedule: Box::new(AdaptiveSchedule::new()) }
    }

    /// At the deadline, stop the run (and confirm with a final read)
    /// instead of leaving it running, which is the default.
    pub fn stop_on_timeout(mut self, stop: bool) -> Self {
        self.stop_on_timeout = stop;
        self
    }

    /// Poll on this schedule instead of the [`AdaptiveSchedule`].
    pub fn schedule(mut self, schedule: impl PollSchedule + 'static) -> Self {
        self.schedule = Box::new(schedule);
        self
    }

    fn deadline_from(&self, start: Instant) -> Option<Instant> {
        match self.deadline {
            Deadline::After(timeout) => Some(start + timeout),
            Deadline::At(deadline) => Some(deadline),
            Deadline::Never => None,
        }
    }
}

impl RunRequest {
    /// Starts the run and waits for its outcome.
    pub async fn wait(self, options: WaitOptions) -> Result<WaitReport, Error> {
        self.start_and_follow(options, ProgressSink::default()).await
    }

    /// Like [`RunRequest::wait`], with a stream of progress events.
    pub fn wait_with_progress(
        self,
        options: WaitOptions,
    ) -> (ProgressStream, impl Future<Output = Result<WaitReport, Error>> + Send) {
        let (sink, stream) = ProgressStream::channel();
        (stream, self.start_and_follow(options, sink))
    }

    async fn start_and_follow(
        self,
        options: WaitOptions,
        sink: ProgressSink,
    ) -> Result<WaitReport, Error> {
        let start = Instant::now();
        let request = match options.deadline_from(start) {
            Some(deadline) => self.deadline(deadline),
            None => self,
        };
        let run = request.send().await?;
        Follow::new(&request.handle, RunId::new(run.id), options, start, sink).run(Some(run)).await
    }
}

impl PipelineHandle {
    /// Waits for a run that is already going, e.g. after a restart.
    pub async fn wait_for(&self, run: RunId, options: WaitOptions) -> Result<WaitReport, Error> {
        Follow::new(self, run, options, Instant::now(), ProgressSink::default()).run(None).await
    }

    /// Like [`PipelineHandle::wait_for`], with a stream of progress events.
    pub fn wait_for_with_progress(
        &self,
        run: RunId,
        options: WaitOptions,
    ) -> (ProgressStream, impl Future<Output = Result<WaitReport, Error>> + Send + '_) {
        let (sink, stream) = ProgressStream::channel();
        (stream, Follow::new(self, run, options, Instant::now(), sink).run(None))
    }
}

/// Where a run stands in a view of its pipeline.
enum Sighting {
    Seen(OrganizationPipelineRun),
    Replaced(Option<RunId>),
    Missing,
}

fn sight(run: RunId, pipeline: OrganizationPipeline) -> Sighting {
    let OrganizationPipeline { current_run, last_run, .. } = pipeline;
    let shown = [current_run, last_run];
    if let Some(found) = shown.iter().flatten().find(|candidate| candidate.id == run.get()) {
        return Sighting::Seen(found.clone());
    }
    match shown.iter().flatten().map(|candidate| candidate.id).max() {
        Some(newer) if newer > run.get() => Sighting::Replaced(Some(RunId::new(newer))),
        _ => Sighting::Missing,
    }
}

/// One wait in progress.
struct Follow<'a> {
    handle: &'a PipelineHandle,
    run: RunId,
    options: WaitOptions,
    start: Instant,
    deadline: Option<Instant>,
    sink: Option<ProgressSink>,
    tracker: Option<ProgressTracker>,
    polls: u32,
}

impl<'a> Follow<'a> {
    fn new(
        handle: &'a PipelineHandle,
        run: RunId,
        options: WaitOptions,
        start: Instant,
        sink: ProgressSink,
    ) -> Self {
        let deadline = options.deadline_from(start);
        Self { handle, run, options, start, deadline, sink: Some(sink), tracker: None, polls: 0 }
    }

    fn report(&self, outcome: Outcome) -> WaitReport {
        WaitReport { outcome, elapsed: self.start.elapsed(), polls: self.polls }
    }

    fn observe(&mut self, run: &OrganizationPipelineRun) {
        let tracker = match (&mut self.tracker, self.sink.take()) {
            (Some(tracker), _) => tracker,
            (None, sink) => {
                self.tracker.insert(ProgressTracker::new(sink.unwrap_or_default(), run))
            }
        };
        tracker.observe(run);
    }

    async fn run(self, first_view: Option<OrganizationPipelineRun>) -> Result<WaitReport, Error> {
        let span = tracing::info_span!("ei.wait", run = self.run.get());
        self.follow(first_view).instrument(span).await
    }

    async fn follow(
        mut self,
        first_view: Option<OrganizationPipelineRun>,
    ) -> Result<WaitReport, Error> {
        if let Some(run) = &first_view {
            self.observe(run);
        }
        let mut last_seen = first_view;
        let mut missing_since: Option<Instant> = None;
        loop {
            if let Some(outcome) = last_seen.as_ref().and_then(finished_outcome) {
                return Ok(self.report(outcome));
            }
            let delay = match &last_seen {
                Some(run) => self.options.schedule.next_delay(self.start.elapsed(), run),
                None if missing_since.is_some() => MISSING_REREAD,
                None => Duration::ZERO,
            };
            let wake = Instant::now() + delay;
            let at_deadline = self.deadline.is_some_and(|deadline| wake >= deadline);
            let wake = if at_deadline { self.deadline.unwrap_or(wake) } else { wake };
            tokio::time::sleep_until(wake).await;

            self.polls += 1;
            let polled = self.handle.get_before(self.deadline).await;
            let sighting = match polled {
                Ok(pipeline) => sight(self.run, pipeline),
                Err(error) => match (&last_seen, at_deadline) {
                    (Some(run), true) => return self.timed_out(run.clone()).await,
                    _ => return Err(error),
                },
            };
            match sighting {
                Sighting::Seen(run) => {
                    missing_since = None;
                    self.observe(&run);
                    last_seen = Some(run);
                }
                Sighting::Replaced(by) => return self.gone(last_seen, by),
                Sighting::Missing => {
                    let since = *missing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.handle.client().view_lag_grace() {
                        return self.gone(last_seen, None);
                    }
                }
            }
            if at_deadline {
                if let Some(outcome) = last_seen.as_ref().and_then(finished_outcome) {
                    return Ok(self.report(outcome));
                }
                if let Some(run) = last_seen {
                    return self.timed_out(run).await;
                }
                return Err(self.not_found());
            }
        }
    }

    fn not_found(&self) -> Error {
        Error::new(self.handle.target(Operation::Get), ErrorKind::RunNotFound { run: self.run })
    }

    fn gone(
        &self,
        last_seen: Option<OrganizationPipelineRun>,
        by: Option<RunId>,
    ) -> Result<WaitReport, Error> {
        match last_seen {
            Some(run) => Ok(self.report(Outcome::Replaced { run, by })),
            None => Err(self.not_found()),
        }
    }

    async fn timed_out(&mut self, run: OrganizationPipelineRun) -> Result<WaitReport, Error> {
        if !self.options.stop_on_timeout {
            return Ok(self.report(Outcome::TimedOut { run, stopped: false }));
        }
        if let Err(error) = self.handle.stop().await {
            tracing::warn!(%error, "the deadline passed and the run could not be stopped");
            return Ok(self.report(Outcome::TimedOut { run, stopped: false }));
        }
        self.polls += 1;
        let confirmed = match self.handle.get().await.map(|pipeline| sight(self.run, pipeline)) {
            Ok(Sighting::Seen(seen)) if seen.finished.is_some() => Some(seen),
            _ => None,
        };
        let stopped = confirmed.is_some();
        let run = confirmed.unwrap_or(run);
        self.observe(&run);
        Ok(self.report(Outcome::TimedOut { run, stopped }))
    }
}
