//! Retries as small named parts: the policy (how many, how long), the
//! backoff (full jitter), the budget (a client-wide token bucket) and
//! `Retry-After` parsing. Which failures may be retried at all is decided
//! once, by [`crate::Error::class`]; the one retry loop that applies them to
//! every call is `Caller::call` (in `call/mod.rs`).

mod backoff;
mod budget;
mod retry_after;

pub(crate) use budget::{RetryBudget, DEFAULT_CAPACITY as DEFAULT_RETRY_BUDGET};
pub(crate) use retry_after::parse_retry_after;

use std::time::Duration;
use tokio::time::Instant;

use crate::error::FailureClass;
use crate::instant::add_capped;

/// Five attempts ride out a blip of a few seconds without hammering a
/// server that is down.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The first retry comes quickly: most transient failures are momentary.
const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(250);
/// No single backoff sleep is longer than this.
const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A `Retry-After` longer than this is cut to it, so a confused server
/// cannot park a caller for an hour.
const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(20);
/// The default policy gives up within this long of the first attempt.
const DEFAULT_MAX_ELAPSED: Duration = Duration::from_secs(30);

/// How failed calls are retried. Cheap to clone.
///
/// The default: at most 5 attempts, within 30 s of the first; full-jitter
/// backoff from 250 ms, doubling up to 8 s; a server's `Retry-After`
/// honoured up to 20 s. Every retry also draws on the client's retry budget
/// ([`ClientBuilder::retry_budget`](crate::ClientBuilder::retry_budget)).
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            max_elapsed: DEFAULT_MAX_ELAPSED,
        }
    }
}

/// Why the next attempt waits as long as it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DelayReason {
    /// Exponential backoff with full jitter.
    Backoff,
    /// The server's `Retry-After`.
    RetryAfter,
}

impl DelayReason {
    /// A short name for traces.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DelayReason::Backoff => "backoff",
            DelayReason::RetryAfter => "retry-after",
        }
    }
}

impl RetryPolicy {
    /// Never retry: every call makes exactly one attempt.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// At most this many attempts per call, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry; it doubles each retry, up to `max`.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The longest `Retry-After` honoured as sent; longer ones are cut to it.
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Give up once this long has passed since the first attempt.
    pub fn with_max_elapsed(mut self, max: Duration) -> Self {
        self.max_elapsed = max;
        self
    }

    /// The wait before attempt `attempts_made + 1` after a failure of
    /// `class`, or `None` when the call should give up: attempts or time
    /// used up, or the wait would end past `deadline`.
    pub(crate) fn next_delay(
        &self,
        attempts_made: u32,
        class: FailureClass,
        started: Instant,
        deadline: Option<Instant>,
    ) -> Option<(Duration, DelayReason)> {
        if attempts_made >= self.max_attempts {
            return None;
        }
        let (delay, reason) = match class.retry_after() {
            Some(retry_after) => (retry_after.min(self.max_retry_after), DelayReason::RetryAfter),
            None => (
                backoff::full_jitter(self.initial_backoff, self.max_backoff, attempts_made),
                DelayReason::Backoff,
            ),
        };
        (add_capped(Instant::now(), delay) < self.give_up_at(started, deadline))
            .then_some((delay, reason))
    }
}

impl RetryPolicy {
    /// The wait before the hook of a failed attempt is asked again, for
    /// the `asked`th time (a lagging view read once more): the backoff of a
    /// retry, or `None` when the wait would end past `deadline` or the
    /// policy's time.
    pub(crate) fn next_look(
        &self,
        asked: u32,
        started: Instant,
        deadline: Option<Instant>,
    ) -> Option<Duration> {
        let delay = backoff::full_jitter(self.initial_backoff, self.max_backoff, asked);
        (add_capped(Instant::now(), delay) < self.give_up_at(started, deadline)).then_some(delay)
    }

    /// When a call that started at `started` gives up: the policy's time,
    /// or `deadline` when sooner.
    fn give_up_at(&self, started: Instant, deadline: Option<Instant>) -> Instant {
        let policy_deadline = add_capped(started, self.max_elapsed);
        deadline.map_or(policy_deadline, |deadline| deadline.min(policy_deadline))
    }
}

/// The budget a retry after a failure of `class` costs.
pub(crate) fn retry_cost(class: FailureClass) -> u32 {
    match class {
        FailureClass::Ambiguous => budget::AMBIGUOUS_RETRY_COST,
        _ => budget::RETRY_COST,
    }
}
