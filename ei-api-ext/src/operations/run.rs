//! The reconcile rule that makes the run call safe to retry, in one round
//! trip when all goes well.
//!
//! Nothing is read before the run call. Only after an attempt that may or
//! may not have reached the server is the pipeline read, and a run the
//! server shows as created at or after the attempt was sent is the one this
//! call started. Times are judged by the server's own clock: the `Date` of
//! the read, less the time (on the local monotonic clock) between sending
//! the attempt and receiving the read, is a moment no later than the
//! attempt's arrival on the server's clock; a run created since is this
//! call's. The local wall clock is never compared with the server's.
//!
//! The server's `Date` and its runs' `created` are taken to come from
//! clocks that agree within [`CLOCK_TOLERANCE`], and that is checked: a
//! run created later than the read's `Date` allows means they do not, and
//! then nothing is concluded. A run created within that tolerance before
//! the attempt may be this call's on a skewed clock or someone else's: the
//! outcome is then unknown, never a guess (adopting it could report someone
//! else's run; sending again could start a second one or be refused).
//!
//! What this cannot tell apart, because `Date` has whole seconds: a run
//! someone else started up to about a second (plus the read's round trip)
//! before the attempt, or started while the reconcile reads, looks like
//! this call's and would be adopted. A run someone else started earlier is
//! never adopted.

use std::time::{Duration, SystemTime};

use ei_api::types::{
    OrganizationPipeline, OrganizationPipelineRun, RunOrganizationPipelineResponse,
};
use tokio::time::Instant;

use super::PipelineCalls;
use crate::call::{AfterFailure, Answered, Caller, FailedAttempt, Next};
use crate::error::{Error, ErrorKind, FailureClass, Operation};
use crate::instant::add_capped;
use crate::run::{PipelineRuns, Run};

/// How far the server's `Date` and the clock that stamps its runs'
/// `created` may disagree: hosts of one service keep time within
/// milliseconds when synchronised, and five seconds covers one that drifts.
const CLOCK_TOLERANCE: Duration = Duration::from_secs(5);

/// `Date` has whole seconds: the server's time was up to this much later.
const DATE_RESOLUTION: Duration = Duration::from_secs(1);

/// What the pipeline view shows of the run this call may have started.
#[derive(Debug)]
enum Sighting {
    /// A run created at or after the attempt: this call's.
    Ours(OrganizationPipelineRun),
    /// A run is going that was created before the attempt: someone else's.
    OtherGoing,
    /// No run this call could have started.
    Nothing,
}

/// Why the view could not settle whether a run started.
#[derive(Debug)]
enum Unsettled {
    /// The pipeline could not be read.
    Unreadable(Error),
    /// The server's answers carry no `Date`, so its clock is unknown.
    Undated,
    /// The server refused a run as one is going, yet its view shows none.
    RunningButNotShown,
    /// A run was created later than the server's `Date` allows: its clocks
    /// disagree, so neither can date the attempt.
    ClocksDisagree,
    /// A run was created just before the attempt, within the clocks'
    /// tolerance: this call's, or someone else's.
    TooClose,
    /// This call's run was found, but could not be made into an answer.
    Unadoptable(String),
}

/// The run call's [`AfterFailure`] hook: see the module documentation.
#[derive(Debug)]
pub(super) struct Reconcile<'a> {
    calls: &'a PipelineCalls,
    deadline: Option<Instant>,
    /// When the first attempt that may have reached the server was sent:
    /// a run created since may be this call's.
    first_ambiguous: Option<Instant>,
    /// The look at the view in progress, when one is.
    look: Option<Look>,
}

/// What becomes of a failure that needs no look at the view.
#[derive(Clone, Copy, Debug)]
enum NoLook {
    /// It had no effect: send again.
    Retry,
    /// It stands.
    Fail,
}

/// A look at the pipeline view for the run a failed attempt may have
/// started: one read each time the call's loop asks.
#[derive(Debug)]
struct Look {
    /// The class of the failure that led to it.
    class: FailureClass,
    /// When the attempt whose run is looked for was sent.
    sent: Instant,
    /// Read until then while the view may lag; at least once.
    until: Instant,
    /// The latest moment, on the server's clock, known to be no later than
    /// the attempt's arrival: each read gives one; the largest holds.
    not_after_arrival: Option<SystemTime>,
    /// Reads made so far.
    reads: u32,
}

impl<'a> Reconcile<'a> {
    pub(super) fn new(calls: &'a PipelineCalls, deadline: Option<Instant>) -> Self {
        Self { calls, deadline, first_ambiguous: None, look: None }
    }

    /// Starts a look after `error` of the attempt `attempt`, or says what
    /// becomes of the failure when none is needed.
    fn start_look(
        &mut self,
        caller: &Caller,
        error: &Error,
        attempt: FailedAttempt,
    ) -> Result<(), NoLook> {
        let class = error.class();
        if class.had_no_effect() {
            return Err(NoLook::Retry);
        }
        let (sent, grace) = match (class, self.first_ambiguous) {
            // It may have reached the server: look for its run, letting the
            // view catch up before concluding there is none.
            (FailureClass::Ambiguous, _) => {
                (*self.first_ambiguous.get_or_insert(attempt.sent), caller.view_lag_grace)
            }
            // A retry refused because a run is going, after an ambiguous
            // attempt: the run going may be this call's; one more read.
            (_, Some(first)) if error.is_already_running() => (first, Duration::ZERO),
            _ => return Err(NoLook::Fail),
        };
        let until = add_capped(Instant::now(), grace);
        let until = self.deadline.map_or(until, |deadline| until.min(deadline));
        self.look = Some(Look { class, sent, until, not_after_arrival: None, reads: 0 });
        Ok(())
    }

    /// Reads the pipeline once: what it shows of the run looked for.
    async fn read(&mut self, caller: &Caller) -> Result<Sighting, Unsettled> {
        let Some(look) = self.look.as_mut() else { return Err(Unsettled::Undated) };
        look.reads += 1;
        let target = self.calls.target(Operation::Get);
        let mut request = self.calls.get_request();
        let read = caller.attempt(target, &mut request, look.reads, self.deadline).await;
        let answered = read.map_err(Unsettled::Unreadable)?;
        let date = answered.server_date().ok_or(Unsettled::Undated)?;
        let Answered { value, received, .. } = answered;
        let bound = date.checked_sub(received.saturating_duration_since(look.sent));
        look.not_after_arrival = look.not_after_arrival.max(bound);
        sight(value.pipeline, date, look.not_after_arrival)
    }

    /// The failure, now known to leave the run's outcome open.
    fn unknown(&self, error: Error, unsettled: Unsettled) -> Error {
        let reason = match &unsettled {
            Unsettled::Unreadable(read) => format!("the pipeline could not be read: {read}"),
            Unsettled::Undated => {
                "the server's answers carry no Date, so its clock cannot date the runs".to_owned()
            }
            Unsettled::RunningButNotShown => {
                "the server says a run is going, but the pipeline shows none yet".to_owned()
            }
            Unsettled::ClocksDisagree => {
                "the server's Date and the creation times of its runs disagree".to_owned()
            }
            Unsettled::Unadoptable(why) => format!("its run could not be adopted: {why}"),
            Unsettled::TooClose => format!(
                "a run was created just before the attempt (within {}s): it may be this call's or \
                 someone else's",
                CLOCK_TOLERANCE.as_secs()
            ),
        };
        let kind = ErrorKind::RunOutcomeUnknown { reason, cause: Box::new(error) };
        Error::new(self.calls.target(Operation::Run), kind)
    }
}

impl AfterFailure<RunOrganizationPipelineResponse> for Reconcile<'_> {
    async fn after_failure(
        &mut self,
        caller: &Caller,
        error: Error,
        attempt: FailedAttempt,
    ) -> Next<RunOrganizationPipelineResponse> {
        if attempt.asked == 0 {
            match self.start_look(caller, &error, attempt) {
                Ok(()) => {}
                Err(NoLook::Retry) => return Next::Retry(error),
                Err(NoLook::Fail) => return Next::Fail(error),
            }
        }
        let sighting = self.read(caller).await;
        let Some(look) = self.look.as_ref() else { return Next::Fail(error) };
        let lagging = Instant::now() < look.until;
        let ambiguous = look.class == FailureClass::Ambiguous;
        match sighting {
            Ok(Sighting::Ours(run)) => {
                self.look = None;
                match adopted(run, Instant::now()) {
                    Ok(answered) => Next::Found(answered),
                    Err(why) => Next::Fail(self.unknown(error, Unsettled::Unadoptable(why))),
                }
            }
            // The view may lag, or the read failed and may pass: look again.
            Ok(Sighting::Nothing | Sighting::OtherGoing) if lagging => Next::AskAgain(error),
            Err(Unsettled::Unreadable(read)) if lagging && read.is_retryable() => {
                Next::AskAgain(error)
            }
            // Nothing of this call's shows: sending again is safe (and a
            // refusal says a run is going, but not this call's: it stands).
            Ok(Sighting::Nothing | Sighting::OtherGoing) if ambiguous => Next::Retry(error),
            Ok(Sighting::OtherGoing) => Next::Fail(error),
            // Refused as running, yet no run shows: the view lags still.
            Ok(Sighting::Nothing) => Next::Fail(self.unknown(error, Unsettled::RunningButNotShown)),
            Err(unsettled) => Next::Fail(self.unknown(error, unsettled)),
        }
    }
}

/// Where the run created at or after `not_before` (server clock) stands in
/// `pipeline`'s view, read at `read_date`; the earliest such run is this
/// call's. Unsettled when the clocks disagree or a run is too close to tell.
fn sight(
    pipeline: OrganizationPipeline,
    read_date: SystemTime,
    not_before: Option<SystemTime>,
) -> Result<Sighting, Unsettled> {
    let runs = PipelineRuns::of(&pipeline);
    let created = |run: &Run| SystemTime::from(run.created);
    let latest_possible = read_date + DATE_RESOLUTION + CLOCK_TOLERANCE;
    if runs.iter().any(|run| created(run) > latest_possible) {
        return Err(Unsettled::ClocksDisagree);
    }
    let Some(not_before) = not_before else { return Ok(Sighting::Nothing) };
    if let Some(ours) =
        runs.iter().filter(|run| created(run) >= not_before).min_by_key(|run| run.created)
    {
        return Ok(Sighting::Ours(ours.raw().clone()));
    }
    let too_close = not_before.checked_sub(CLOCK_TOLERANCE).unwrap_or(SystemTime::UNIX_EPOCH);
    if runs.iter().any(|run| created(run) >= too_close) {
        return Err(Unsettled::TooClose);
    }
    Ok(if runs.current.is_some() { Sighting::OtherGoing } else { Sighting::Nothing })
}

/// The answer the lost attempt would have given, built through the
/// generated builder (a property the vendor adds needs no edit here).
fn adopted(
    run: OrganizationPipelineRun,
    received: Instant,
) -> Result<Answered<RunOrganizationPipelineResponse>, String> {
    let id = run.id;
    let value = RunOrganizationPipelineResponse::builder()
        .success(true)
        .pipeline_run(run)
        .try_into()
        .map_err(|error: ei_api::types::error::ConversionError| error.to_string())?;
    tracing::info!(run = id, "adopted the run the lost answer started");
    Ok(Answered { value, date: None, received })
}
