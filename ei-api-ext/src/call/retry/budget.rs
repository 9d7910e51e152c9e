//! The client-wide retry budget: a token bucket that retries draw from and
//! successes refill, so a failing server cannot cause a retry storm however
//! many calls are in flight, while a flaky server that still answers does
//! not drain it: a call that succeeds gives back what its retries took.

use std::sync::atomic::{AtomicU32, Ordering};

/// The default size of a client's retry budget, in tokens: enough for a
/// hundred ordinary retries before any success; a server that fails that
/// much is down, not flaky.
pub(crate) const DEFAULT_CAPACITY: u32 = 500;
/// What one retry costs.
pub(crate) const RETRY_COST: u32 = 5;
/// A retry after an ambiguous failure (a timeout, a lost connection, a 5xx)
/// costs double: the server may have done the work already.
pub(crate) const AMBIGUOUS_RETRY_COST: u32 = 10;
/// What a call that succeeded at once gives back: a little, so that a
/// client that once met an outage recovers its budget as it works.
const FIRST_TRY_REFILL: u32 = 1;

/// A token bucket shared by every call of one client.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    capacity: u32,
    tokens: AtomicU32,
}

impl RetryBudget {
    pub(crate) fn new(capacity: u32) -> Self {
        Self { capacity, tokens: AtomicU32::new(capacity) }
    }

    /// Takes `cost` tokens for a retry; `false` (and nothing taken) when the
    /// budget cannot afford it.
    pub(crate) fn try_withdraw(&self, cost: u32) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| tokens.checked_sub(cost))
            .is_ok()
    }

    /// Gives back tokens after a call that succeeded having taken `taken`
    /// for its retries: all of them, or [`FIRST_TRY_REFILL`] when it took none.
    pub(crate) fn refund(&self, taken: u32) {
        let refill = if taken == 0 { FIRST_TRY_REFILL } else { taken };
        let _ = self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
            Some(tokens.saturating_add(refill).min(self.capacity))
        });
    }

    /// The tokens left.
    pub(crate) fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_dry_then_refills_on_success() {
        let budget = RetryBudget::new(10);
        assert!(budget.try_withdraw(RETRY_COST));
        assert!(budget.try_withdraw(RETRY_COST));
        assert!(!budget.try_withdraw(RETRY_COST), "empty");
        assert_eq!(budget.available(), 0);
        for _ in 0..20 {
            budget.refund(0);
        }
        assert_eq!(budget.available(), 10, "capped at capacity");
    }

    #[test]
    fn a_flaky_server_that_answers_does_not_drain_it() {
        let budget = RetryBudget::new(50);
        for _ in 0..1_000 {
            // Every call needs one retry, then succeeds.
            assert!(budget.try_withdraw(AMBIGUOUS_RETRY_COST));
            budget.refund(AMBIGUOUS_RETRY_COST);
        }
        assert_eq!(budget.available(), 50);
    }
}
