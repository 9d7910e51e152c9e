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

use ei_api::types::{OrganizationPipelineRun, RunOrganizationPipelineResponse};
use tokio::time::Instant;

use crate::attempt::Answered;
use crate::call::{AfterFailure, FailedAttempt, Next};
use crate::error::{Error, ErrorKind, FailureClass, Operation};
use crate::instant::after;
use crate::pipeline::PipelineHandle;

/// How far the server's `Date` and the clock that stamps its runs'
/// `created` may disagree: hosts of one service keep time within
/// milliseconds when synchronised, and five seconds covers one that drifts.
const CLOCK_TOLERANCE: Duration = Duration::from_secs(5);

/// `Date` has whole seconds: the server's time was up to this much later.
const DATE_RESOLUTION: Duration = Duration::from_secs(1);

/// The first pause between two reads of a lagging view; it doubles up to
/// the end of the grace period, so a view that lags a little is caught
/// early and one that lags long costs a handful of reads.
const FIRST_REREAD_PAUSE: Duration = Duration::from_millis(250);

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
}

/// The run call's [`AfterFailure`] hook: see the module documentation.
#[derive(Debug)]
pub(crate) struct Reconcile<'a> {
    handle: &'a PipelineHandle,
    deadline: Option<Instant>,
    /// When the first attempt that may have reached the server was sent:
    /// a run created since may be this call's.
    first_ambiguous: Option<Instant>,
}

impl<'a> Reconcile<'a> {
    pub(crate) fn new(handle: &'a PipelineHandle, deadline: Option<Instant>) -> Self {
        Self { handle, deadline, first_ambiguous: None }
    }

    /// Reads the pipeline until it shows a run this call started, or for as
    /// long as `grace` allows (at least once).
    async fn look_for_run(&self, sent: Instant, grace: Duration) -> Result<Sighting, Unsettled> {
        let give_up = after(Instant::now(), grace);
        let give_up = self.deadline.map_or(give_up, |deadline| give_up.min(deadline));
        let mut pause = FIRST_REREAD_PAUSE;
        // The latest moment, on the server's clock, known to be no later
        // than the attempt's arrival: each read gives one; the largest holds.
        let mut not_after_arrival: Option<SystemTime> = None;
        loop {
            let read = self.handle.get_answered(self.deadline).await;
            let answered = read.map_err(Unsettled::Unreadable)?;
            let date = answered.server_date().ok_or(Unsettled::Undated)?;
            let Answered { value, received, .. } = answered;
            let bound = date.checked_sub(received.saturating_duration_since(sent));
            not_after_arrival = not_after_arrival.max(bound);
            let sighting = sight(value.pipeline, date, not_after_arrival)?;
            let now = Instant::now();
            if matches!(sighting, Sighting::Ours(_)) || now >= give_up {
                return Ok(sighting);
            }
            tokio::time::sleep(pause.min(give_up - now)).await;
            pause *= 2;
        }
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
            Unsettled::TooClose => format!(
                "a run was created just before the attempt (within {}s): it may be this call's or \
                 someone else's",
                CLOCK_TOLERANCE.as_secs()
            ),
        };
        let kind = ErrorKind::RunOutcomeUnknown { reason, cause: Box::new(error) };
        Error::new(self.handle.target(Operation::Run), kind)
    }
}

/// Where the run created at or after `not_before` (server clock) stands in
/// `pipeline`'s view, read at `read_date`; the earliest such run is this
/// call's. Unsettled when the clocks disagree or a run is too close to tell.
fn sight(
    pipeline: ei_api::types::OrganizationPipeline,
    read_date: SystemTime,
    not_before: Option<SystemTime>,
) -> Result<Sighting, Unsettled> {
    let ei_api::types::OrganizationPipeline { current_run, last_run, .. } = pipeline;
    let runs = || [current_run.as_ref(), last_run.as_ref()].into_iter().flatten();
    let created = |run: &OrganizationPipelineRun| SystemTime::from(run.created);
    let latest_possible = read_date + DATE_RESOLUTION + CLOCK_TOLERANCE;
    if runs().any(|run| created(run) > latest_possible) {
        return Err(Unsettled::ClocksDisagree);
    }
    let Some(not_before) = not_before else { return Ok(Sighting::Nothing) };
    if let Some(ours) =
        runs().filter(|run| created(run) >= not_before).min_by_key(|run| run.created)
    {
        return Ok(Sighting::Ours(ours.clone()));
    }
    let too_close = not_before.checked_sub(CLOCK_TOLERANCE).unwrap_or(SystemTime::UNIX_EPOCH);
    if runs().any(|run| created(run) >= too_close) {
        return Err(Unsettled::TooClose);
    }
    Ok(if current_run.is_some() { Sighting::OtherGoing } else { Sighting::Nothing })
}

/// The answer the lost attempt would have given.
fn adopted(
    run: OrganizationPipelineRun,
    received: Instant,
) -> Answered<RunOrganizationPipelineResponse> {
    tracing::info!(run = run.id, "adopted the run the lost answer started");
    let value = RunOrganizationPipelineResponse { error: None, pipeline_run: run, success: true };
    Answered { value, date: None, received }
}

impl AfterFailure<RunOrganizationPipelineResponse> for Reconcile<'_> {
    async fn after_failure(
        &mut self,
        error: Error,
        attempt: FailedAttempt,
    ) -> Next<RunOrganizationPipelineResponse> {
        let class = error.class();
        if class.had_no_effect() {
            return Next::Retry(error);
        }
        let grace = self.handle.client().view_lag_grace();
        let (sent, grace) = match (class, self.first_ambiguous) {
            // It may have reached the server: look for its run, letting the
            // view catch up before concluding there is none.
            (FailureClass::Ambiguous, _) => {
                (*self.first_ambiguous.get_or_insert(attempt.sent), grace)
            }
            // A retry refused because a run is going, after an ambiguous
            // attempt: the run going may be this call's; one more read.
            (_, Some(first)) if error.is_already_running() => (first, Duration::ZERO),
            _ => return Next::Fail(error),
        };
        match self.look_for_run(sent, grace).await {
            Ok(Sighting::Ours(run)) => Next::Found(adopted(run, Instant::now())),
            // Nothing of this call's shows: sending again is safe (and a
            // refusal says a run is going, but not this call's: it stands).
            Ok(Sighting::Nothing | Sighting::OtherGoing) if class == FailureClass::Ambiguous => {
                Next::Retry(error)
            }
            Ok(Sighting::OtherGoing) => Next::Fail(error),
            // Refused as running, yet no run shows: the view lags still.
            Ok(Sighting::Nothing) => Next::Fail(self.unknown(error, Unsettled::RunningButNotShown)),
            Err(unsettled) => Next::Fail(self.unknown(error, unsettled)),
        }
    }
}
