//! Following a run to its outcome: deadlines, progress and cancellation.
//!
//! One way in: [`RunRequest::follow`](crate::RunRequest::follow) starts a
//! run and follows it, [`PipelineHandle::follow`](crate::PipelineHandle::follow)
//! re-attaches to a run by its id, and
//! [`PipelineHandle::follow_latest`](crate::PipelineHandle::follow_latest)
//! follows the pipeline's current run (or its last one). Each gives a
//! [`Follow`]: await it for the outcome, read it for [`ProgressEvent`]s, or
//! both (see [`Follow`]).
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
//!     Outcome::Succeeded => println!("{} succeeded", report.run.id),
//!     other => println!("{} ended {}", report.run.id, other.name()),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Deadlines
//! - The deadline is absolute: a read in flight when it comes is cut off
//!   there.
//! - With [`WaitOptions::stop_on_timeout`], the run is then stopped: the
//!   stop is sent (and retried) for at most 5 s after the deadline, and once
//!   the server accepts it a read confirms it within 1.5 s more; when that
//!   read does not come in time, the outcome says the stop was accepted but
//!   not confirmed ([`Stop::Acknowledged`]).
//!
//! # Caveats
//! - Each poll is one call: its attempts are the client's
//!   [`RetryPolicy`](crate::RetryPolicy)'s. A poll that still fails in a way
//!   that may pass (a timeout, a lost connection, a 5xx, throttling) is
//!   followed by the next on the time-only rule's schedule, for as long as
//!   the deadline allows; only a refusal (a 4xx) ends the wait. One
//!   exception: when a wait that has no view of its run yet (`follow`,
//!   `follow_latest`) reaches no server at its first poll, the address is
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
pub use outcome::{Outcome, Stop, WaitReport};
pub use progress::ProgressEvent;
pub use schedule::{AdaptiveSchedule, PollSchedule};

use std::fmt;
use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{Error, ErrorKind, FailureClass, Operation};
use crate::ids::RunId;
use crate::instant::add_capped;
use crate::operations::PipelineCalls;
use crate::run::{PipelineRuns, Run};
use follow::EventSink;
use progress::ProgressTracker;
use schedule::time_only_delay;

/// How long sending the stop may take after the deadline, with its retries.
const STOP_SEND_ALLOWANCE: Duration = Duration::from_secs(5);
/// How long the read that confirms an accepted stop may take: a read answers
/// in well under a second, and the stop is known accepted either way.
const STOP_CONFIRM_ALLOWANCE: Duration = Duration::from_millis(1_500);

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

    /// At the deadline, stop the run (see [Deadlines](self#deadlines))
    /// instead of leaving it running, which is the default.
    pub fn stop_on_timeout(mut self, stop: bool) -> Self {
        self.stop_on_timeout = stop;
        self
    }

    /// Poll on this schedule instead of the [`AdaptiveSchedule`]: any
    /// [`PollSchedule`], a closure `FnMut(Duration, &Run) -> Duration`
    /// among them.
    pub fn schedule(mut self, schedule: impl PollSchedule + 'static) -> Self {
        self.schedule = Box::new(schedule);
        self
    }

    fn deadline_from(&self, start: Instant) -> Option<Instant> {
        match self.deadline {
            Deadline::After(timeout) => Some(add_capped(start, timeout)),
            Deadline::At(deadline) => Some(deadline),
            Deadline::Never => None,
        }
    }
}

/// Which run of a pipeline a wait follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WhichRun {
    /// The run going, or else the last one.
    Latest,
    /// This run.
    Id(RunId),
}

/// Where the run a wait follows stands in one read of its pipeline.
enum Lookup {
    /// The read shows it.
    Found(Run),
    /// The read does not show it, but a newer run: it was replaced.
    Replaced(RunId),
    /// The read shows no such run (and no newer one).
    Missing,
}

impl WhichRun {
    /// Where this run stands in `runs`.
    fn look_up(self, runs: PipelineRuns) -> Lookup {
        let found = match self {
            WhichRun::Latest => runs.latest().cloned(),
            WhichRun::Id(id) => runs.get(id).cloned(),
        };
        if let Some(run) = found {
            return Lookup::Found(run);
        }
        match (self, runs.iter().map(|run| run.id).max()) {
            (WhichRun::Id(id), Some(newer)) if newer > id => Lookup::Replaced(newer),
            _ => Lookup::Missing,
        }
    }
}

/// How a wait begins: by starting a run, or by finding one.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Start {
    /// Start a run (`ignoreLastSuccessfulRun` as given) and follow it.
    Run { ignore_last_successful_run: Option<bool> },
    /// Follow this run of the pipeline.
    Find(WhichRun),
}

/// Follows a run of `calls`' pipeline, begun as `start` says.
pub(crate) fn follow(calls: PipelineCalls, start: Start, options: WaitOptions) -> Follow {
    Follow::new(move |sink| async move {
        let begun = Instant::now();
        let deadline = options.deadline_from(begun);
        let (which, first) = match start {
            Start::Find(which) => (which, None),
            Start::Run { ignore_last_successful_run } => {
                // The deadline is absolute: it bounds the run call too.
                let run =
                    calls.run(ignore_last_successful_run, deadline).await.map_err(|error| {
                        match error.kind() {
                            ErrorKind::DeadlinePassed => Error::new(
                                calls.target(Operation::Run),
                                ErrorKind::DeadlineBeforeSighting { run: None },
                            ),
                            _ => error,
                        }
                    })?;
                let run = Run::new(run);
                (WhichRun::Id(run.id), Some(run))
            }
        };
        let span = match which {
            WhichRun::Id(run) => tracing::info_span!("ei.wait", run = run.get()),
            _ => tracing::info_span!("ei.wait", run = "latest"),
        };
        let wait = Wait { calls, which, options, begun, deadline, sink, tracker: None, polls: 0 };
        wait.follow(first).instrument(span).await
    })
}

/// Why the next read comes when it does, for traces.
#[derive(Clone, Copy, Debug)]
enum ReadReason {
    /// The poll schedule asked for it.
    Schedule,
    /// The deadline comes first.
    Deadline,
    /// The last poll failed; the time-only rule says when to try again.
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
    calls: PipelineCalls,
    which: WhichRun,
    options: WaitOptions,
    begun: Instant,
    deadline: Option<Instant>,
    sink: EventSink,
    tracker: Option<ProgressTracker>,
    polls: u32,
}

/// What the wait knows when it reads again.
#[derive(Default)]
struct Known {
    /// The run as last seen.
    last_seen: Option<Run>,
    /// Since when the run is missing from the view.
    missing_since: Option<Instant>,
    /// The last poll's failure, when it failed.
    failure: Option<Error>,
}

impl Wait {
    fn report(&self, outcome: Outcome, run: Run) -> WaitReport {
        WaitReport { outcome, run, elapsed: self.begun.elapsed(), polls: self.polls }
    }

    fn observe(&mut self, run: &Run) {
        // From the first sighting on, follow that run.
        self.which = WhichRun::Id(run.id);
        match &mut self.tracker {
            Some(tracker) => tracker.observe(run),
            None => {
                let mut tracker = ProgressTracker::new(self.sink.clone(), run);
                tracker.observe(run);
                self.tracker = Some(tracker);
            }
        }
    }

    /// When to read next, and why.
    fn next_read(&mut self, known: &Known) -> (Instant, ReadReason) {
        let elapsed = self.begun.elapsed();
        let (delay, reason) = if known.failure.is_some() {
            (time_only_delay(elapsed), ReadReason::AfterFailure)
        } else if known.missing_since.is_some() {
            (MISSING_REREAD, ReadReason::Missing)
        } else if let Some(run) = &known.last_seen {
            (self.options.schedule.next_delay(elapsed, run), ReadReason::Schedule)
        } else {
            (Duration::ZERO, ReadReason::First)
        };
        let wake = add_capped(Instant::now(), delay);
        match self.deadline {
            Some(deadline) if wake >= deadline => (deadline, ReadReason::Deadline),
            _ => (wake, reason),
        }
    }

    async fn follow(mut self, first: Option<Run>) -> Result<WaitReport, Error> {
        let mut known = Known::default();
        if let Some(run) = first {
            self.observe(&run);
            known.last_seen = Some(run);
        }
        loop {
            if let Some(run) = &known.last_seen {
                if let Some(outcome) = Outcome::of_finished(run.state) {
                    return Ok(self.report(outcome, run.clone()));
                }
            }
            if self.deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return self.at_deadline(known).await;
            }
            let (wake, reason) = self.next_read(&known);
            tracing::debug!(
                poll = self.polls + 1,
                delay_ms = wake.saturating_duration_since(Instant::now()).as_millis() as u64,
                reason = reason.as_str(),
                "next poll"
            );
            tokio::time::sleep_until(wake).await;

            self.polls += 1;
            let pipeline = match self.calls.get(self.deadline).await {
                Ok(answered) => answered.value.pipeline,
                // The deadline came while the read was in flight.
                Err(error) if matches!(error.kind(), ErrorKind::DeadlinePassed) => {
                    return self.at_deadline(known).await
                }
                // The server never reached, at the first read of a wait that
                // has no view of its run: a wrong address or a server that is
                // down, not a blip (the read's own retries are spent); end now
                // rather than at a deadline hours away.
                Err(error)
                    if self.polls == 1
                        && known.last_seen.is_none()
                        && error.class() == FailureClass::NeverSent =>
                {
                    return Err(error)
                }
                Err(error) if error.is_retryable() => {
                    tracing::info!(%error, "a poll failed; the next follows the time-only rule");
                    known.failure = Some(error);
                    continue;
                }
                Err(error) => return Err(error),
            };
            known.failure = None;
            match self.which.look_up(PipelineRuns::of(&pipeline)) {
                Lookup::Found(run) => {
                    known.missing_since = None;
                    self.observe(&run);
                    known.last_seen = Some(run);
                }
                Lookup::Replaced(by) => return self.gone(known.last_seen, Some(by)),
                Lookup::Missing => {
                    let since = *known.missing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.calls.caller().view_lag_grace {
                        return self.gone(known.last_seen, None);
                    }
                }
            }
        }
    }

    /// The run followed, when known.
    fn run_id(&self) -> Option<RunId> {
        match self.which {
            WhichRun::Id(run) => Some(run),
            _ => None,
        }
    }

    fn not_found(&self) -> Error {
        let kind = ErrorKind::RunNotFound { run: self.run_id() };
        Error::new(self.calls.target(Operation::Get), kind)
    }

    fn gone(&self, last_seen: Option<Run>, by: Option<RunId>) -> Result<WaitReport, Error> {
        match last_seen {
            Some(run) => Ok(self.report(Outcome::Replaced { by }, run)),
            None => Err(self.not_found()),
        }
    }

    /// The deadline has come: the run as last seen timed out (stopped first,
    /// when asked); a run never seen is an error: that it is not there (a
    /// read showed no such run), the last failed poll's, or that the
    /// deadline came first.
    async fn at_deadline(&mut self, known: Known) -> Result<WaitReport, Error> {
        let Some(run) = known.last_seen else {
            // The server answered, and showed no such run: say so, rather
            // than that nothing is known.
            if known.missing_since.is_some() {
                return Err(self.not_found());
            }
            let unseen = || {
                let kind = ErrorKind::DeadlineBeforeSighting { run: self.run_id() };
                Error::new(self.calls.target(Operation::Get), kind)
            };
            return Err(known.failure.unwrap_or_else(unseen));
        };
        if !self.options.stop_on_timeout {
            return Ok(self.report(Outcome::TimedOut { stop: Stop::NotAsked }, run));
        }
        let (stop, run) = self.stop(run).await;
        self.observe(&run);
        Ok(self.report(Outcome::TimedOut { stop }, run))
    }

    /// Stops the run: the stop sent within its allowance, then confirmed by
    /// one read within its own; the run as last seen.
    async fn stop(&mut self, run: Run) -> (Stop, Run) {
        let sending = add_capped(Instant::now(), STOP_SEND_ALLOWANCE);
        if let Err(error) = self.calls.stop(Some(sending)).await {
            tracing::warn!(%error, "the deadline passed and the run could not be stopped");
            return (Stop::NotSent { reason: error.to_string() }, run);
        }
        let confirming = add_capped(Instant::now(), STOP_CONFIRM_ALLOWANCE);
        self.polls += 1;
        let read = self.calls.get(Some(confirming)).await;
        let seen = read
            .ok()
            .map(|answered| self.which.look_up(PipelineRuns::of(&answered.value.pipeline)));
        match seen {
            Some(Lookup::Found(stopped)) if stopped.is_finished() => (Stop::Confirmed, stopped),
            _ => {
                tracing::warn!("the stop was accepted; no read confirmed it in time");
                (Stop::Acknowledged, run)
            }
        }
    }
}
