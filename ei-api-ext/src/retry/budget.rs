//! The client-wide retry budget: a token bucket that retries draw from and
//! successes refill, so a failing server cannot cause a retry storm however
//! many calls are in flight.

use std::sync::atomic::{AtomicU32, Ordering};

/// Enough for a hundred ordinary retries before any success; a server that
/// fails that much is down, not flaky.
pub(super) const DEFAULT_CAPACITY: u32 = 500;
/// What one retry costs.
pub const RETRY_COST: u32 = 5;
/// A timeout costs double: timeouts are expensive for both sides.
pub(super) const TIMEOUT_RETRY_COST: u32 = 10;
/// What one successful call gives back.
const SUCCESS_REFILL: u32 = 1;

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

    /// Gives back tokens after a success.
    pub(crate) fn refill(&self) {
        let _ = self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
            Some((tokens + SUCCESS_REFILL).min(self.capacity))
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
            budget.refill();
        }
        assert_eq!(budget.available(), 10, "capped at capacity");
    }
}
