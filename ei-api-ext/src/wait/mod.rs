//! Following a run to its outcome: deadlines, progress and cancellation.
//!
//! One way in: [`RunRequest::follow`] starts a run and follows it,
//! [`PipelineHandle::follow`] re-attaches to a run by its id, and
//! [`PipelineHandle::follow_latest`] follows the pipeline's current run (or
//! its last one). Each gives a [`Follow`]: await it for the outcome, read it
//! for [`ProgressEvent`]s, or both (see [`Follow`]).
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
//! let report = pipeline.run().follow(WaitOptions::timeout(Duration::from_secs(3600))).await?;
//! match report.outcome {
//!     Outcome::Succeeded { run } => println!("run {} succeeded", run.id),
//!     other => println!("run ended {}", other.name()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Caveats
//! - The deadline is absolute: a read in flight when it comes is cut off
//!   there. With [`WaitOptions::stop_on_timeout`] the run is then stopped
//!   and the stop confirmed within [`STOP_ALLOWANCE`] after the deadline.
//! - A read that fails in a way that may pass (a timeout, a lost
//!   connection, a 5xx, throttling) is tried again, with backoff, for as
//!   long as the deadline allows; only a refusal (a 4xx), or failures that
//!   outlast the deadline, end the wait. One exception: when a wait that
//!   has no view of its run yet (`follow`, `follow_latest`) reaches no
//!   server at its first read (after that read's retries), the address is
//!   wrong or the server is down, and the wait ends at once.
//! - Dropping the [`Follow`] stops the reads and never the run.
//!
//! # Errors
//! The run call's errors, a refusal while reading, or
//! [`ErrorKind::RunNotFound`](crate::ErrorKind) when a run re-attached to
//! by id (or the latest, when there is none) is not the pipeline's current
//! or last run.

mod follow;
mod outcome;
mod progress;
mod schedule;

pub use follow::{Follow, FollowEvents, FollowOutcome};
pub use outcome::{Outcome, StepStatus, WaitReport};
pub use progress::ProgressEvent;
pub use schedule::{
    AdaptiveSchedule, FixedSchedule, PollSchedule, ELAPSED_FRACTION, MAX_POLL_DELAY, MIN_POLL_DELAY,
};

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ei_api::types::{OrganizationPipeline, OrganizationPipelineRun};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{Error, ErrorKind, FailureClass, Operation};
use crate::ids::RunId;
use crate::instant::after;
use crate::pipeline::{PipelineHandle, RunRequest};
use follow::EventQueue;
use outcome::finished_outcome;
use progress::{ProgressSink, ProgressTracker};

/// How long after the deadline stopping the run (and reading it to confirm)
/// may take with [`WaitOptions::stop_on_timeout`]: a stop and a read answer
/// in well under a second; ten seconds covers a slow day, and bounds a
/// server that stalls.
pub const STOP_ALLOWANCE: Duration = Duration::from_secs(10);

/// How soon to read again while the run is missing from the view (neither
/// current nor last, nothing newer shown): often enough to see it when the
/// view catches up. It counts as gone once it has been missing for the
/// client's [`view_lag_grace`](crate::ClientBuilder::view_lag_grace).
const MISSING_REREAD: Duration = Duration::from_secs(1);

/// The first pause after a read that failed and may succeed later; it
/// doubles with each failure in a row up to [`MAX_FAILED_READ_PAUSE`].
const FIRST_FAILED_READ_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between reads while reads keep failing: a server that
/// comes back is seen within half a minute.
const MAX_FAILED_READ_PAUSE: Duration = Duration::from_secs(30);

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

    /// At the deadline, stop the run (and confirm with a final read, both
    /// within [`STOP_ALLOWANCE`]) instead of leaving it running, which is
    /// the default.
    pub fn stop_on_timeout(mut self, stop: bool) -> Self {
        self.stop_on_timeout = stop;
        self
    }

    /// Poll on this schedule instead of the [`AdaptiveSchedule`]: any
    /// [`PollSchedule`], a closure `FnMut(Duration, &OrganizationPipelineRun)
    /// -> Duration` among them.
    pub fn schedule(mut self, schedule: impl PollSchedule + 'static) -> Self {
        self.schedule = Box::new(schedule);
        self
    }

    fn deadline_from(&self, start: Instant) -> Option<Instant> {
        match self.deadline {
            Deadline::After(timeout) => Some(after(start, timeout)),
            Deadline::At(deadline) => Some(deadline),
            Deadline::Never => None,
        }
    }
}

/// Which run a wait follows.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// This one.
    Run(RunId),
    /// The pipeline's current run, or else its last one.
    Latest,
}

impl RunRequest {
    /// Starts the run and follows it to its outcome (see [`Follow`]).
    pub fn follow(self, options: WaitOptions) -> Follow {
        let queue = Arc::new(Mutex::new(EventQueue::default()));
        let sink = ProgressSink::new(Arc::clone(&queue));
        Follow::new(queue, async move {
            let start = Instant::now();
            let deadline = options.deadline_from(start);
            let request = match deadline {
                Some(deadline) => self.deadline(deadline),
                None => self,
            };
            // The deadline is absolute: it bounds the run call too.
            let run = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, request.send()).await {
                    Ok(run) => run?,
                    Err(_) => {
                        let kind = ErrorKind::DeadlineBeforeSighting { run: None };
                        return Err(Error::new(request.handle.target(Operation::Run), kind));
                    }
                },
                None => request.send().await?,
            };
            let handle = request.handle.clone();
            let wait = Wait::new(handle, Target::Run(RunId::new(run.id)), options, start, sink);
            wait.run(Some(run)).await
        })
    }
}

impl PipelineHandle {
    /// Follows a run that is already going (e.g. after a restart) to its
    /// outcome (see [`Follow`]).
    pub fn follow(&self, run: RunId, options: WaitOptions) -> Follow {
        self.follow_target(Target::Run(run), options)
    }

    /// Follows the pipeline's current run or, when none is going, its last
    /// one (whose outcome is then known at once); see [`Follow`].
    pub fn follow_latest(&self, options: WaitOptions) -> Follow {
        self.follow_target(Target::Latest, options)
    }

    fn follow_target(&self, target: Target, options: WaitOptions) -> Follow {
        let queue = Arc::new(Mutex::new(EventQueue::default()));
        let sink = ProgressSink::new(Arc::clone(&queue));
        let wait = Wait::new(self.clone(), target, options, Instant::now(), sink);
        Follow::new(queue, wait.run(None))
    }
}

/// Where a run stands in a view of its pipeline.
enum Sighting {
    Seen(OrganizationPipelineRun),
    Replaced(Option<RunId>),
    Missing,
}

fn sight(target: Target, pipeline: OrganizationPipeline) -> Sighting {
    let OrganizationPipeline { current_run, last_run, .. } = pipeline;
    let run = match target {
        Target::Latest => {
            return current_run.or(last_run).map_or(Sighting::Missing, Sighting::Seen);
        }
        Target::Run(run) => run,
    };
    let shown = [current_run, last_run];
    if let Some(found) = shown.iter().flatten().find(|candidate| candidate.id == run.get()) {
        return Sighting::Seen(found.clone());
    }
    match shown.iter().flatten().map(|candidate| candidate.id).max() {
        Some(newer) if newer > run.get() => Sighting::Replaced(Some(RunId::new(newer))),
        _ => Sighting::Missing,
    }
}

/// Why the next read comes when it does, for traces.
#[derive(Clone, Copy, Debug)]
enum ReadReason {
    /// The poll schedule asked for it.
    Schedule,
    /// The deadline comes first.
    Deadline,
    /// The last read failed and may succeed now.
    AfterFailure,
    /// The run is missing from the view, which may be lagging.
    Missing,
    /// Nothing is known of the run yet.
    First,
}

impl ReadReason {
    fn as_str(self) -> &'static str {
        match self {
            ReadReason::Schedule => "schedule",
            ReadReason::Deadline => "deadline",
            ReadReason::AfterFailure => "after a failed read",
            ReadReason::Missing => "run missing from the view",
            ReadReason::First => "first read",
        }
    }
}

/// One wait in progress.
struct Wait {
    handle: PipelineHandle,
    target: Target,
    options: WaitOptions,
    start: Instant,
    deadline: Option<Instant>,
    sink: Option<ProgressSink>,
    tracker: Option<ProgressTracker>,
    polls: u32,
}

impl Wait {
    fn new(
        handle: PipelineHandle,
        target: Target,
        options: WaitOptions,
        start: Instant,
        sink: ProgressSink,
    ) -> Self {
        let deadline = options.deadline_from(start);
        Self { handle, target, options, start, deadline, sink: Some(sink), tracker: None, polls: 0 }
    }

    fn report(&self, outcome: Outcome) -> WaitReport {
        WaitReport { outcome, elapsed: self.start.elapsed(), polls: self.polls }
    }

    fn observe(&mut self, run: &OrganizationPipelineRun) {
        if let Target::Latest = self.target {
            // From the first sighting on, follow that run.
            self.target = Target::Run(RunId::new(run.id));
        }
        let tracker = match (&mut self.tracker, self.sink.take()) {
            (Some(tracker), _) => tracker,
            (None, sink) => {
                self.tracker.insert(ProgressTracker::new(sink.unwrap_or_default(), run))
            }
        };
        tracker.observe(run);
    }

    async fn run(self, first_view: Option<OrganizationPipelineRun>) -> Result<WaitReport, Error> {
        let span = match self.target {
            Target::Run(run) => tracing::info_span!("ei.wait", run = run.get()),
            Target::Latest => tracing::info_span!("ei.wait", run = "latest"),
        };
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
        let mut failed_reads = 0;
        // The latest failed read, reported if the deadline comes before the
        // run was ever seen.
        let mut last_error: Option<Error> = None;
        loop {
            if let Some(outcome) = last_seen.as_ref().and_then(finished_outcome) {
                return Ok(self.report(outcome));
            }
            let (delay, reason) = if failed_reads > 0 {
                (failed_read_pause(failed_reads), ReadReason::AfterFailure)
            } else if missing_since.is_some() {
                (MISSING_REREAD, ReadReason::Missing)
            } else if let Some(run) = &last_seen {
                (self.options.schedule.next_delay(self.start.elapsed(), run), ReadReason::Schedule)
            } else {
                (Duration::ZERO, ReadReason::First)
            };
            let wake = after(Instant::now(), delay);
            let (wake, reason) = match self.deadline {
                Some(deadline) if wake >= deadline => (deadline, ReadReason::Deadline),
                _ => (wake, reason),
            };
            tracing::debug!(
                poll = self.polls + 1,
                delay_ms = wake.saturating_duration_since(Instant::now()).as_millis() as u64,
                reason = reason.as_str(),
                "next poll"
            );
            tokio::time::sleep_until(wake).await;

            self.polls += 1;
            let read = self.handle.get_before(self.deadline);
            let read = match self.deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, read).await.ok(),
                None => Some(read.await),
            };
            let sighting = match read {
                // The deadline came while the read was in flight.
                None => {
                    return self.at_deadline(last_seen, last_error, missing_since.is_some()).await
                }
                Some(Ok(pipeline)) => {
                    failed_reads = 0;
                    sight(self.target, pipeline)
                }
                // The server never reached, at the first read of a wait that
                // has no view of its run: a wrong address or a server that is
                // down, not a blip (the read's own retries are spent); end now
                // rather than at a deadline hours away.
                Some(Err(error))
                    if self.polls == 1
                        && last_seen.is_none()
                        && error.class() == FailureClass::NeverSent =>
                {
                    return Err(error)
                }
                Some(Err(error)) if error.is_retryable() => {
                    failed_reads += 1;
                    tracing::info!(%error, failed_reads, "a read failed; trying again");
                    last_error = Some(error);
                    if self.deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                        return self
                            .at_deadline(last_seen, last_error, missing_since.is_some())
                            .await;
                    }
                    continue;
                }
                Some(Err(error)) => return Err(error),
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
            if self.deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                if let Some(outcome) = last_seen.as_ref().and_then(finished_outcome) {
                    return Ok(self.report(outcome));
                }
                return self.at_deadline(last_seen, last_error, missing_since.is_some()).await;
            }
        }
    }

    /// The run followed, when known.
    fn run_id(&self) -> Option<RunId> {
        match self.target {
            Target::Run(run) => Some(run),
            Target::Latest => None,
        }
    }

    fn not_found(&self) -> Error {
        let kind = ErrorKind::RunNotFound { run: self.run_id() };
        Error::new(self.handle.target(Operation::Get), kind)
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

    /// The deadline has come: the run as last seen timed out (stopped first,
    /// when asked, within [`STOP_ALLOWANCE`]); a run never seen is an error:
    /// that it is not there (`shown_missing`: a read showed no such run),
    /// the last failed read's, or that the deadline came first.
    async fn at_deadline(
        &mut self,
        last_seen: Option<OrganizationPipelineRun>,
        last_error: Option<Error>,
        shown_missing: bool,
    ) -> Result<WaitReport, Error> {
        let Some(run) = last_seen else {
            // The server answered, and showed no such run: say so, rather
            // than that nothing is known.
            if shown_missing {
                return Err(self.not_found());
            }
            let unseen = || {
                let kind = ErrorKind::DeadlineBeforeSighting { run: self.run_id() };
                Error::new(self.handle.target(Operation::Get), kind)
            };
            return Err(last_error.unwrap_or_else(unseen));
        };
        if !self.options.stop_on_timeout {
            return Ok(self.report(Outcome::TimedOut { run, stopped: false }));
        }
        let allowance = Instant::now() + STOP_ALLOWANCE;
        let stopped = tokio::time::timeout_at(allowance, self.stop_and_confirm(allowance)).await;
        let confirmed = match stopped {
            Ok(Ok(confirmed)) => confirmed,
            Ok(Err(error)) => {
                tracing::warn!(%error, "the deadline passed and the run could not be stopped");
                None
            }
            Err(_) => {
                tracing::warn!("the deadline passed and stopping the run took too long");
                None
            }
        };
        let stopped = confirmed.is_some();
        let run = confirmed.unwrap_or(run);
        self.observe(&run);
        Ok(self.report(Outcome::TimedOut { run, stopped }))
    }

    /// Stops the run and reads it back: the run, when it shows finished.
    async fn stop_and_confirm(
        &mut self,
        allowance: Instant,
    ) -> Result<Option<OrganizationPipelineRun>, Error> {
        self.handle.stop_before(Some(allowance)).await?;
        self.polls += 1;
        let pipeline = self.handle.get_before(Some(allowance)).await?;
        Ok(match sight(self.target, pipeline) {
            Sighting::Seen(seen) if seen.finished.is_some() => Some(seen),
            _ => None,
        })
    }
}

/// The pause before the next read after `failures` failed reads in a row.
fn failed_read_pause(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_FAILED_READ_PAUSE.saturating_mul(1 << doublings).min(MAX_FAILED_READ_PAUSE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_reads_back_off_to_a_bound() {
        assert_eq!(failed_read_pause(1), FIRST_FAILED_READ_PAUSE);
        assert_eq!(failed_read_pause(2), 2 * FIRST_FAILED_READ_PAUSE);
        assert_eq!(failed_read_pause(50), MAX_FAILED_READ_PAUSE);
    }
}
