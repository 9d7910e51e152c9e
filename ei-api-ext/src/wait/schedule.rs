//! When to read the pipeline next: the time-only rule, and the adaptive
//! schedule that improves on it where a step's file counts earn trust.

use std::collections::VecDeque;
use std::time::Duration;

use crate::run::Run;

/// Decides the wait before the next poll.
pub trait PollSchedule: Send {
    /// The delay before the next poll, given the time since the wait began
    /// and the run as just seen.
    fn next_delay(&mut self, elapsed: Duration, run: &Run) -> Duration;
}

/// Any closure of the elapsed time and the run as just seen is a schedule,
/// so a caller can adapt one: `move |elapsed, run| adaptive.next_delay(elapsed, run).min(cap)`.
impl<F> PollSchedule for F
where
    F: FnMut(Duration, &Run) -> Duration + Send,
{
    fn next_delay(&mut self, elapsed: Duration, run: &Run) -> Duration {
        self(elapsed, run)
    }
}

/// Never poll sooner than this: the first seconds of a run are polled
/// every second, as often as the vendor's SDK polls.
const MIN_POLL_DELAY: Duration = Duration::from_secs(1);
/// Never wait longer than this between polls, whatever the prediction.
const MAX_POLL_DELAY: Duration = Duration::from_secs(600);
/// The time-only rule waits this fraction of the time elapsed: the end
/// then falls, on average, half of it (4%) of the run's length before it is
/// seen, with polls growing only logarithmically with the run's length.
const ELAPSED_FRACTION: f64 = 0.08;
/// Windows in which the count moved that must agree on a rate before a
/// prediction is made: one window cannot show that a rate holds.
const TRUST_MOVES: usize = 2;
/// A prediction sleeps at most this many times as long as the sightings
/// that agree on its rate span: a rate is not extrapolated far past the
/// stretch it was seen to hold over.
const EXTRAPOLATION: u32 = 2;
/// Poll this fraction of the predicted remaining time early: a little early
/// costs one short extra poll, late costs detection latency.
const PREDICTION_EARLY_FRACTION: f64 = 0.05;
/// A prediction is confirmed when every rate the counts seen since it allow
/// is within this fraction of the rate it assumed. A count hides up to one
/// file at each end, so this also asks for a gain of at least 1 / 0.2 = 5
/// files: fewer could not tell the rate to within the fraction.
const CONFIRMATION_TOLERANCE: f64 = 0.2;
/// A confirmed prediction sleeps past the time-only rule's next instant by
/// at most this fraction of the time elapsed (and never past
/// [`MAX_POLL_DELAY`]): what bounds the lateness when a step ends sooner
/// than its confirmed counts foretold.
const CONFIRMED_REACH: f64 = 0.25;
/// Sightings of the running step kept for its rate: with polls a few
/// percent of the elapsed time apart they reach back over a tenfold stretch
/// of the wait, and they bound the schedule's memory and work per poll.
const SIGHTINGS_KEPT: usize = 32;
/// A poll this close before one of the time-only rule's instants counts as
/// made at it: durations are rounded to whole nanoseconds and timers to
/// milliseconds, so a poll aimed at an instant may land a hair before it.
const INSTANT_SLACK: Duration = Duration::from_millis(1);

/// The default schedule: the time-only rule, improved where the running
/// step's file counts have earned trust.
///
/// **Guarantee.** When polls take no time and the wait begins with the run,
/// no poll comes later than the time-only rule's next instant unless the
/// counts seen since the previous prediction confirmed it, and none comes
/// before the time-only rule would have made as many polls: so the end of
/// a run is seen no later than the time-only rule sees it, except when a
/// step ends sooner than its confirmed counts foretold, and then at most
/// 25% of the time elapsed (and at most 10 minutes) after it; and it never
/// takes more polls than the time-only rule.
///
/// No schedule that ever sleeps past the time-only rule's next instant can
/// promise more: a step may end the moment after its counts confirmed a
/// rate. `tests/schedule_property.rs` checks the guarantee over thousands
/// of random progress curves.
///
/// The time-only rule polls every second for the first 13 s, then waits 8%
/// of the time elapsed, at most 10 minutes: the delay in noticing the end is a small,
/// fixed share of the run's length whatever that length is, and polls grow
/// only with its logarithm. It polls at the instants that rule reaches when
/// polls take no time, so that after a poll made for a prediction it goes
/// on at the rule's own instants. [`AdaptiveSchedule::time_only`] follows
/// that rule alone.
///
/// When the running step reports file counts, the schedule predicts when it
/// will end, once the counts have shown a consistent rate:
///
/// - It learns the rate from recent sightings of the step: the longest run
///   of latest sightings that one rate explains (a count is rounded down,
///   so each allows a range of rates). An older sighting that only a slower
///   rate explains (the job queued, started slowly or stalled before)
///   ends the run of sightings, so it never slows the estimate.
/// - It predicts once the count has moved in at least two of those
///   windows, and errs early: it takes the fastest rate the sightings allow
///   (and, when they show a rate that falls, the fastest they show), aims a
///   little before the predicted end, and never further than twice the
///   span of the sightings it trusts.
/// - A prediction may bring a poll forward, never before the time-only
///   rule's instant for as many polls (so it never polls more), and only
///   for the last step, whose end is the run's end.
/// - A prediction may put a poll off past the time-only rule's next
///   instant only when it is confirmed: every rate the counts seen since
///   the previous prediction allow is within 20% of the rate that one
///   assumed (while too few files have moved to tell, that prediction
///   stands). It then sleeps to one of the rule's instants, at most 25% of
///   the time elapsed ahead.
/// - The counts say nothing when no step is running, the step reports no
///   total, its total changed (learning starts again with the new total),
///   every file is counted while the job still runs (it is uploading, or
///   finishing in some way the counts do not show), or a count is
///   impossible (negative, past the total, or lower than before).
#[derive(Clone, Debug)]
pub struct AdaptiveSchedule {
    reads_counts: bool,
    watched: Option<StepWatch>,
    /// The time-only rule's instant for the poll last made (its first poll
    /// at zero): no poll comes before the rule's instant for the next.
    time_only_instant: Duration,
}

impl Default for AdaptiveSchedule {
    fn default() -> Self {
        Self::new()
    }
}

impl AdaptiveSchedule {
    /// A fresh schedule.
    pub fn new() -> Self {
        Self { reads_counts: true, watched: None, time_only_instant: Duration::ZERO }
    }

    /// A schedule that ignores file counts and always follows the
    /// time-only rule (the adaptive schedule's fallback, and its baseline).
    pub fn time_only() -> Self {
        Self { reads_counts: false, ..Self::new() }
    }

    /// The running step's predicted end, when its counts have earned
    /// trust; records this sighting either way.
    fn predict(&mut self, elapsed: Duration, run: &Run) -> Option<Prediction> {
        let Some(sighting) = StepSighting::of(run, elapsed) else {
            self.watched = None;
            return None;
        };
        let mut watch = match self.watched.take() {
            Some(watch) if watch.continues_with(&sighting) => watch,
            _ => StepWatch::new(&sighting),
        };
        watch.record(sighting.at, sighting.done);
        let confirmed = watch.assumed.is_some_and(|assumed| assumed.confirmed_by(&sighting));
        let undecided = watch.assumed.is_some_and(|assumed| assumed.undecided_by(&sighting));
        let rate = watch.trusted_rate();
        // An assumption stands while too few files have moved to tell;
        // once confirmed or contradicted, the latest prediction's replaces it.
        if confirmed || !undecided {
            watch.assumed = rate.map(|rate| Assumption {
                at: sighting.at,
                done: sighting.done,
                rate: rate.fastest,
            });
        }
        self.watched = Some(watch);
        rate.map(|rate| Prediction {
            sleep: rate.sleep_until_end(sighting),
            last_step: sighting.index + 1 == run.steps.len(),
            confirmed,
        })
    }
}

impl PollSchedule for AdaptiveSchedule {
    fn next_delay(&mut self, elapsed: Duration, run: &Run) -> Duration {
        let next_instant = time_only_next_poll(elapsed);
        let earliest = time_only_next_poll(self.time_only_instant);
        self.time_only_instant = earliest;
        let prediction = if self.reads_counts { self.predict(elapsed, run) } else { None };
        let poll_at = match prediction {
            Some(prediction) => prediction.poll_at(elapsed, next_instant, earliest),
            None => next_instant,
        };
        poll_at.saturating_sub(elapsed).clamp(MIN_POLL_DELAY, MAX_POLL_DELAY)
    }
}

/// The time-only rule's delay at `elapsed`: until its next instant, but
/// never shorter than [`MIN_POLL_DELAY`].
pub(crate) fn time_only_delay(elapsed: Duration) -> Duration {
    time_only_next_poll(elapsed).saturating_sub(elapsed).clamp(MIN_POLL_DELAY, MAX_POLL_DELAY)
}

/// The first instant (time since the wait began) after `elapsed` at which
/// the time-only rule polls, when polls take no time: every
/// [`MIN_POLL_DELAY`] while [`ELAPSED_FRACTION`] of the elapsed time is
/// shorter, then each that fraction after the one before, then every
/// [`MAX_POLL_DELAY`] once the fraction is longer.
fn time_only_next_poll(elapsed: Duration) -> Duration {
    let now = elapsed.saturating_add(INSTANT_SLACK).as_secs_f64();
    let (min, max) = (MIN_POLL_DELAY.as_secs_f64(), MAX_POLL_DELAY.as_secs_f64());
    let growth = 1.0 + ELAPSED_FRACTION;
    // The first instant from which the fraction is longer than `min`.
    let growing_from = ((1.0 / ELAPSED_FRACTION).floor() + 1.0) * min;
    // The first instant from which the fraction is as long as `max`.
    let capped_steps = ((max / (ELAPSED_FRACTION * growing_from)).ln() / growth.ln()).ceil();
    let capped_from = growing_from * growth.powf(capped_steps);
    let next = if now < growing_from {
        ((now / min).floor() + 1.0) * min
    } else if now < capped_from {
        let steps = ((now / growing_from).ln() / growth.ln()).floor() + 1.0;
        let next = growing_from * growth.powf(steps);
        // Rounding may land the instant on or just before `now`.
        if next > now {
            next
        } else {
            next * growth
        }
    } else {
        capped_from + max * (((now - capped_from) / max).floor() + 1.0)
    };
    Duration::try_from_secs_f64(next).unwrap_or(Duration::MAX)
}

/// The last of the time-only rule's instants from `first` (one of them) on
/// that is no later than `limit`; `first` when none is.
fn last_time_only_instant(first: Duration, limit: Duration) -> Duration {
    let mut instant = first;
    loop {
        let next = time_only_next_poll(instant);
        if next > limit || next <= instant {
            return instant;
        }
        instant = next;
    }
}

/// A sleep towards the running step's predicted end.
#[derive(Clone, Copy, Debug)]
struct Prediction {
    sleep: Duration,
    /// Whether the step is the run's last, whose end is the run's end.
    last_step: bool,
    /// Whether the counts seen since the previous prediction confirmed it.
    confirmed: bool,
}

impl Prediction {
    /// When to poll, made at `elapsed`, given the time-only rule's next
    /// instant and its instant for the next poll counted from the first
    /// (`earliest`, no later than `next_instant`).
    fn poll_at(self, elapsed: Duration, next_instant: Duration, earliest: Duration) -> Duration {
        let predicted = elapsed.saturating_add(self.sleep);
        if predicted > next_instant {
            if !self.confirmed {
                return next_instant;
            }
            let reach = elapsed.mul_f64(CONFIRMED_REACH).min(MAX_POLL_DELAY);
            return last_time_only_instant(
                next_instant,
                predicted.min(elapsed.saturating_add(reach)),
            );
        }
        if !self.last_step {
            return next_instant;
        }
        let early = predicted.max(earliest).max(elapsed.saturating_add(MIN_POLL_DELAY));
        // A poll within a second of the rule's instant would leave the next
        // one too close to it: poll at the instant.
        if early.saturating_add(MIN_POLL_DELAY) > next_instant {
            next_instant
        } else {
            early
        }
    }
}

/// The rate a prediction assumed, and the count it was made at.
#[derive(Clone, Copy, Debug)]
struct Assumption {
    at: Duration,
    done: i64,
    /// Files per second.
    rate: f64,
}

impl Assumption {
    /// Whether every rate the counts from this prediction to `sighting`
    /// allow is within [`CONFIRMATION_TOLERANCE`] of the rate assumed.
    fn confirmed_by(self, sighting: &StepSighting) -> bool {
        let seen = RateRange::between((self.at, self.done), (sighting.at, sighting.done));
        let (low, high) = self.tolerated();
        seen.at_least >= low && seen.at_most <= high
    }

    /// Whether the counts from this prediction to `sighting` allow rates
    /// both within [`CONFIRMATION_TOLERANCE`] of the rate assumed and
    /// outside it: too few files have moved to tell.
    fn undecided_by(self, sighting: &StepSighting) -> bool {
        let seen = RateRange::between((self.at, self.done), (sighting.at, sighting.done));
        let (low, high) = self.tolerated();
        seen.at_most >= low && seen.at_least <= high
    }

    /// The rates within [`CONFIRMATION_TOLERANCE`] of the rate assumed.
    fn tolerated(self) -> (f64, f64) {
        let tolerance = self.rate * CONFIRMATION_TOLERANCE;
        (self.rate - tolerance, self.rate + tolerance)
    }
}

/// The running step's counts at one sighting, when they can say something.
#[derive(Clone, Copy, Debug)]
struct StepSighting {
    index: usize,
    at: Duration,
    done: i64,
    total: i64,
}

impl StepSighting {
    /// The first running step of `run`, seen `at`, if it reports a total
    /// and still has files to count.
    fn of(run: &Run, at: Duration) -> Option<Self> {
        let step = run.running_step()?;
        let files = step.files?;
        let (done, total) = (files.done, files.total);
        let index = step.number - 1;
        (total > 0 && (0..total).contains(&done)).then_some(Self { index, at, done, total })
    }
}

/// What has been seen of the running step with its current total.
#[derive(Clone, Debug)]
struct StepWatch {
    index: usize,
    total: i64,
    /// (when, files done), oldest first; each later and no lower than the one before.
    sightings: VecDeque<(Duration, i64)>,
    /// What the prediction at the last sighting assumed, if one was made.
    assumed: Option<Assumption>,
}

/// The rates (files per second) that the counts of two sightings allow.
#[derive(Clone, Copy, Debug)]
struct RateRange {
    /// Each count may hide up to one file: one fewer moved at the least...
    at_least: f64,
    /// ...and one more at the most.
    at_most: f64,
}

impl RateRange {
    fn between((from_at, from_done): (Duration, i64), (to_at, to_done): (Duration, i64)) -> Self {
        let seconds = (to_at - from_at).as_secs_f64();
        let files = (to_done - from_done) as f64;
        Self { at_least: (files - 1.0) / seconds, at_most: (files + 1.0) / seconds }
    }

    /// The rates both ranges allow (an empty range, `at_least > at_most`,
    /// when they share none).
    fn and(self, other: Self) -> Self {
        Self {
            at_least: self.at_least.max(other.at_least),
            at_most: self.at_most.min(other.at_most),
        }
    }
}

/// A rate the latest sightings agree on.
#[derive(Clone, Copy, Debug)]
struct TrustedRate {
    /// The fastest rate the sightings allow, files per second.
    fastest: f64,
    /// How long the sightings that agree on it span.
    span: Duration,
}

impl TrustedRate {
    /// The sleep before polling for the end of the step seen in `sighting`.
    fn sleep_until_end(self, sighting: StepSighting) -> Duration {
        let remaining = (sighting.total - sighting.done) as f64 / self.fastest;
        let early = Duration::try_from_secs_f64(remaining * (1.0 - PREDICTION_EARLY_FRACTION))
            .unwrap_or(Duration::MAX);
        early.min(self.span.saturating_mul(EXTRAPOLATION))
    }
}

impl StepWatch {
    fn new(sighting: &StepSighting) -> Self {
        Self {
            index: sighting.index,
            total: sighting.total,
            sightings: VecDeque::with_capacity(SIGHTINGS_KEPT),
            assumed: None,
        }
    }

    /// Whether `sighting` is of the same step, with the same total, later
    /// and with no fewer files done than the last one.
    fn continues_with(&self, sighting: &StepSighting) -> bool {
        let in_order = self
            .sightings
            .back()
            .is_none_or(|&(at, done)| at < sighting.at && done <= sighting.done);
        self.index == sighting.index && self.total == sighting.total && in_order
    }

    fn record(&mut self, at: Duration, done: i64) {
        if self.sightings.len() == SIGHTINGS_KEPT {
            self.sightings.pop_front();
        }
        self.sightings.push_back((at, done));
    }

    /// The rate of the longest run of latest sightings that no speed-up
    /// contradicts, if the count moved in at least [`TRUST_MOVES`] of its
    /// windows.
    fn trusted_rate(&self) -> Option<TrustedRate> {
        let latest = *self.sightings.back()?;
        let mut agreed = RateRange { at_least: 0.0, at_most: f64::INFINITY };
        let (mut since, mut moves) = (latest.0, 0);
        for start in (0..self.sightings.len() - 1).rev() {
            let from = self.sightings[start];
            let from_start = self
                .sightings
                .range(start + 1..)
                .map(|&to| RateRange::between(from, to))
                .reduce(RateRange::and)?;
            // Only a slower rate explains the older sighting: the step has
            // sped up since, and what came before says nothing about now.
            if from_start.at_most < agreed.at_least {
                break;
            }
            agreed = agreed.and(from_start);
            since = from.0;
            moves += usize::from(from.1 < self.sightings[start + 1].1);
        }
        // When the rate has fallen, the fastest it showed still errs early.
        let fastest = agreed.at_most.max(agreed.at_least);
        let trusted = moves >= TRUST_MOVES && fastest > 0.0 && fastest.is_finite();
        trusted.then(|| TrustedRate { fastest, span: latest.0 - since })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A run whose steps' jobs have these statuses and counts (done, total).
    fn run(steps: &[(&str, i64, i64)]) -> Run {
        let steps: Vec<_> = steps
            .iter()
            .enumerate()
            .map(|(index, &(status, done, total))| {
                json!({
                    "name": format!("step {index}"),
                    "transformationJob": {
                        "id": index, "organizationId": 1, "name": "job",
                        "created": "2024-06-03T08:00:00.000Z", "category": "training",
                        "operatesOn": "file", "status": status, "transformJobStatus": status,
                        "uploadJobStatus": status, "inProgress": status == "started",
                        "totalDownloadFileCount": total, "totalDownloadFileSize": 0,
                        "totalDownloadFileSizeString": "0 bytes", "totalUploadFileCount": done,
                        "transformationParallel": 1, "totalTimeSpentSeconds": 0,
                        "totalTimeSpentString": "0s", "uploadType": "dataset",
                        "transformationSummary": {
                            "startedCount": done, "finishedCount": done, "succeededCount": done,
                            "totalFileCount": total, "totalTimeSpentSeconds": 0
                        }
                    }
                })
            })
            .collect();
        Run::new(
            serde_json::from_value(json!({
                "id": 1, "created": "2024-06-03T08:00:00.000Z", "steps": steps
            }))
            .expect("a run"),
        )
    }

    /// A one-step run, its job started with `done` of `total` files.
    fn running(done: i64, total: i64) -> Run {
        run(&[("started", done, total)])
    }

    fn seconds(seconds: f64) -> Duration {
        Duration::from_secs_f64(seconds)
    }

    /// The time-only rule's delay at `elapsed`, from its recursive definition
    /// (delay = the fraction of the elapsed time, clamped) walked from zero.
    fn recursive_time_only_delay(elapsed: Duration) -> Duration {
        let mut at = Duration::ZERO;
        loop {
            let step = at.mul_f64(ELAPSED_FRACTION).clamp(MIN_POLL_DELAY, MAX_POLL_DELAY);
            if at + step > elapsed + INSTANT_SLACK {
                return at + step - elapsed;
            }
            at += step;
        }
    }

    #[test]
    fn the_time_only_rule_polls_where_its_recursive_definition_does() {
        for elapsed in [0.0, 0.5, 1.0, 12.0, 12.9, 13.0, 14.04, 100.0, 3_600.0, 7_700.0, 9_000.0] {
            let expected = recursive_time_only_delay(seconds(elapsed));
            let delay = time_only_next_poll(seconds(elapsed)) - seconds(elapsed);
            let error = delay.abs_diff(expected);
            assert!(error < Duration::from_micros(10), "at {elapsed} s: {delay:?}, {expected:?}");
        }
    }

    #[test]
    fn the_time_only_schedule_returns_to_its_own_instants_after_a_poll_between_them() {
        let mut schedule = AdaptiveSchedule::time_only();
        // The rule polls at 96.15 s, 103.84 s and 112.15 s (13 s x 1.08^26..28).
        let between = seconds(98.0);
        let next = between + schedule.next_delay(between, &running(0, 0));
        assert!(next.abs_diff(seconds(103.84)) < seconds(0.01), "{next:?}");
        let after = next + schedule.next_delay(next, &running(0, 0));
        assert!(after.abs_diff(seconds(112.15)) < seconds(0.01), "{after:?}");
    }

    #[test]
    fn without_a_running_step_or_a_total_it_follows_the_time_only_rule() {
        let mut schedule = AdaptiveSchedule::new();
        let at = seconds(500.0);
        assert_eq!(schedule.next_delay(at, &run(&[("waiting", 0, 0)])), time_only_delay(at));
        assert_eq!(schedule.next_delay(at, &run(&[])), time_only_delay(at));
        assert_eq!(schedule.next_delay(at, &running(0, 0)), time_only_delay(at));
    }

    /// The instants `schedule` polls a one-step run at, from `start` until
    /// it sees the step over, when the step moves at `rate` files per
    /// second over `total` files.
    fn polls_of_a_steady_step(
        schedule: &mut AdaptiveSchedule,
        rate: f64,
        total: i64,
        start: Duration,
    ) -> Vec<Duration> {
        let end = start + seconds(total as f64 / rate);
        let mut polls = vec![start];
        let mut at = start;
        while at < end {
            let done = ((at - start).as_secs_f64() * rate) as i64;
            at += schedule.next_delay(at, &running(done, total));
            polls.push(at);
        }
        polls
    }

    #[test]
    fn a_steady_rate_earns_trust_and_then_predicts_the_end() {
        // 2,000 files at 2 a second from 100 s: the step ends at 1,100 s.
        let end = seconds(1_100.0);
        let polls =
            polls_of_a_steady_step(&mut AdaptiveSchedule::new(), 2.0, 2_000, seconds(100.0));
        let time_only =
            polls_of_a_steady_step(&mut AdaptiveSchedule::time_only(), 2.0, 2_000, seconds(100.0));
        let seen_over = *polls.last().expect("polls");
        assert!(seen_over - end <= MIN_POLL_DELAY, "seen {:?} after the end", seen_over - end);
        assert!(
            polls.len() * 3 < time_only.len() * 2,
            "{} polls, time-only {}",
            polls.len(),
            time_only.len()
        );
        let longest = polls.windows(2).map(|pair| pair[1] - pair[0]).max().expect("polls");
        let longest_time_only = time_only.windows(2).map(|pair| pair[1] - pair[0]).max();
        assert!(Some(longest) > longest_time_only, "trusted, it sleeps past the time-only delay");
    }

    #[test]
    fn a_single_slow_early_reading_does_not_send_it_past_the_time_only_delay() {
        let mut schedule = AdaptiveSchedule::new();
        assert_eq!(
            schedule.next_delay(seconds(13.0), &running(0, 100)),
            time_only_delay(seconds(13.0))
        );
        let at = seconds(30.0);
        assert_eq!(schedule.next_delay(at, &running(1, 100)), time_only_delay(at));
    }

    #[test]
    fn a_confirmed_sleep_ends_at_the_time_only_rule_s_last_instant_within_its_reach() {
        let mut schedule = AdaptiveSchedule::new();
        for (at, done) in [(100.0, 0), (104.0, 40), (108.0, 80)] {
            schedule.next_delay(seconds(at), &running(done, 10_000));
        }
        // 40 files in 4 s confirm the 10 a second assumed at 108 s. The
        // rate held for 12 s, so the sleep may reach 24 s (25% of the time
        // elapsed is 28 s; 10,000 files need 16 min): to 136 s, and the
        // rule's last instant before that is 13 s x 1.08^30 = 130.81 s.
        let delay = schedule.next_delay(seconds(112.0), &running(120, 10_000));
        assert!(delay.abs_diff(seconds(130.81 - 112.0)) < seconds(0.01), "{delay:?}");
        assert!(delay > time_only_delay(seconds(112.0)), "past the rule's next instant");
    }

    #[test]
    fn an_unconfirmed_prediction_never_sleeps_past_the_time_only_rule_s_next_instant() {
        // Trusted at 108 s, 10 a second; then 60 files in 4 s, not 40.
        let mut schedule = AdaptiveSchedule::new();
        for (at, done) in [(100.0, 0), (104.0, 40), (108.0, 80)] {
            schedule.next_delay(seconds(at), &running(done, 10_000));
        }
        let at = seconds(112.0);
        assert_eq!(schedule.next_delay(at, &running(140, 10_000)), time_only_delay(at));
        // Too few files to tell a rate to within 20%: 4 files in 2 s at a
        // 2 a second assumed.
        let mut schedule = AdaptiveSchedule::new();
        for (at, done) in [(100.0, 0), (102.0, 4), (104.0, 8)] {
            schedule.next_delay(seconds(at), &running(done, 10_000));
        }
        let at = seconds(106.0);
        assert_eq!(schedule.next_delay(at, &running(12, 10_000)), time_only_delay(at));
    }

    #[test]
    fn an_early_poll_never_comes_before_the_time_only_rule_s_instant_for_as_many_polls() {
        // A step of 10 files a second from 100 s, seen at three of the
        // rule's instants; it has 50 files left at the third, about 5 s.
        let total = |at: Duration| ((at.as_secs_f64() - 100.0) * 10.0) as i64 + 50;
        let sightings = |schedule: &mut AdaptiveSchedule, mut at: Duration| {
            // The third sighting is two of the rule's instants on: 8.31 s, 8.97 s.
            let end = total(at + seconds(8.31 + 8.97));
            for _ in 0..2 {
                at += schedule.next_delay(at, &running(total(at) - 50, end));
            }
            (at, schedule.next_delay(at, &running(end - 50, end)))
        };
        // Polled at every one of the rule's instants from the start, it has
        // made as many polls as the rule: it waits for the rule's next.
        let mut schedule = AdaptiveSchedule::new();
        let mut at = Duration::ZERO;
        while at < seconds(100.0) {
            at += schedule.next_delay(at, &running(0, 0));
        }
        let (third, delay) = sightings(&mut schedule, at);
        assert_eq!(delay, time_only_delay(third));
        // Following the run from 100 s only, it is polls ahead: it polls early.
        let (third, delay) = sightings(&mut AdaptiveSchedule::new(), at);
        assert!(delay < time_only_delay(third) - seconds(2.0), "{delay:?}");
    }

    #[test]
    fn a_rate_that_speeds_up_is_not_trusted() {
        let mut schedule = AdaptiveSchedule::new();
        for (at, done) in [(100.0, 0), (110.0, 10), (120.0, 20)] {
            schedule.next_delay(seconds(at), &running(done, 1_000));
        }
        // 60 files in the last 10 s: the 10 files per 10 s before say nothing.
        let at = seconds(130.0);
        assert_eq!(schedule.next_delay(at, &running(80, 1_000)), time_only_delay(at));
    }

    #[test]
    fn a_rate_that_falls_predicts_with_the_fastest_rate_it_showed() {
        let mut schedule = AdaptiveSchedule::new();
        for (at, done) in [(1_050.0, 0), (1_060.0, 100), (1_070.0, 150)] {
            schedule.next_delay(seconds(at), &running(done, 600));
        }
        // At least 99 files moved in the first 10 s, 9.9 a second; the last
        // 50 in 10 s say 5. 400 files left, at 9.9 a second, less 5%: a poll
        // at 1,118 s, before the rule's next instant (1,131.9 s).
        let delay = schedule.next_delay(seconds(1_080.0), &running(200, 600));
        assert!(delay.abs_diff(seconds(400.0 / 9.9 * 0.95)) < seconds(0.01), "{delay:?}");
    }

    #[test]
    fn every_file_counted_while_the_job_still_runs_falls_back_to_the_time_only_rule() {
        let mut schedule = AdaptiveSchedule::new();
        polls_of_a_steady_step(&mut schedule, 2.0, 200, seconds(20.0));
        let tail = seconds(150.0);
        assert_eq!(schedule.next_delay(tail, &running(200, 200)), time_only_delay(tail));
    }

    #[test]
    fn a_total_that_changes_falls_back_to_the_time_only_rule() {
        let mut schedule = AdaptiveSchedule::new();
        let mut at = seconds(100.0);
        for seen in 0..10 {
            let done = seen * 20;
            let delay = schedule.next_delay(at, &running(done, 500 + done));
            assert_eq!(delay, time_only_delay(at), "seen at {at:?}");
            at += delay;
        }
    }

    /// A schedule that has seen a step of 1,000 files move 40 files every
    /// 4 s from 100 s to 108 s: enough to trust the rate.
    fn trusting() -> AdaptiveSchedule {
        let mut schedule = AdaptiveSchedule::new();
        for (at, done) in [(100.0, 0), (104.0, 40), (108.0, 80)] {
            schedule.next_delay(seconds(at), &running(done, 1_000));
        }
        schedule
    }

    #[test]
    fn impossible_counts_fall_back_to_the_time_only_rule() {
        let at = seconds(112.0);
        assert_ne!(trusting().next_delay(at, &running(120, 1_000)), time_only_delay(at));
        for (done, total) in [(-1, 1_000), (1_001, 1_000), (70, 1_000), (5, -3)] {
            let delay = trusting().next_delay(at, &running(done, total));
            assert_eq!(delay, time_only_delay(at), "{done} of {total}");
        }
    }

    #[test]
    fn time_that_goes_backwards_starts_learning_again() {
        let at = seconds(50.0);
        assert_eq!(trusting().next_delay(at, &running(90, 1_000)), time_only_delay(at));
    }

    #[test]
    fn the_longest_elapsed_time_still_gives_a_delay_within_bounds() {
        let mut schedule = AdaptiveSchedule::new();
        for (at, done) in [(Duration::MAX - seconds(2.0), 0), (Duration::MAX - seconds(1.0), 50)] {
            let delay = schedule.next_delay(at, &running(done, 100));
            assert!((MIN_POLL_DELAY..=MAX_POLL_DELAY).contains(&delay), "{delay:?}");
        }
        let delay = schedule.next_delay(Duration::MAX, &running(99, 100));
        assert!((MIN_POLL_DELAY..=MAX_POLL_DELAY).contains(&delay), "{delay:?}");
    }

    #[test]
    fn before_the_last_step_a_prediction_never_polls_sooner_than_the_time_only_rule() {
        let mut schedule = AdaptiveSchedule::new();
        let steps = |done| run(&[("started", done, 100), ("waiting", 0, 0)]);
        for (at, done) in [(1_000.0, 0), (1_001.0, 20), (1_002.0, 40)] {
            schedule.next_delay(seconds(at), &steps(done));
        }
        // 40 files left at 20 a second: the step ends in about 2 s.
        let at = seconds(1_003.0);
        assert_eq!(schedule.next_delay(at, &steps(60)), time_only_delay(at));
        let mut last_step = AdaptiveSchedule::new();
        for (at, done) in [(1_000.0, 0), (1_001.0, 20), (1_002.0, 40)] {
            last_step.next_delay(seconds(at), &running(done, 100));
        }
        assert!(last_step.next_delay(at, &running(60, 100)) < seconds(2.0));
    }
}
