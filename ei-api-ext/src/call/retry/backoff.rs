//! Exponential backoff with full jitter: a random wait between zero and an
//! exponentially growing cap, so that clients that failed together do not
//! retry together.

use std::time::Duration;

/// The wait after `attempts_made` failed attempts: uniform in
/// `[0, min(max, initial * 2^(attempts_made - 1))]`.
pub(super) fn full_jitter(initial: Duration, max: Duration, attempts_made: u32) -> Duration {
    let doublings = attempts_made.saturating_sub(1).min(u32::BITS - 1);
    let ceiling = initial.saturating_mul(1u32 << doublings).min(max);
    // `mul_f64` would panic when the product rounds past `Duration::MAX`.
    Duration::try_from_secs_f64(ceiling.as_secs_f64() * fastrand::f64()).unwrap_or(ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_the_growing_cap() {
        let initial = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for attempts in 1..40 {
            let cap = (initial * 2u32.pow((attempts - 1).min(20))).min(max);
            for _ in 0..100 {
                assert!(full_jitter(initial, max, attempts) <= cap);
            }
        }
    }

    #[test]
    fn the_longest_backoff_does_not_overflow() {
        // It panicked (a jitter rounded past `Duration::MAX`): returning is the test.
        for _ in 0..1_000 {
            let _ = full_jitter(Duration::MAX, Duration::MAX, 64);
        }
    }

    #[test]
    fn is_spread_out_not_constant() {
        let samples: Vec<Duration> = (0..50)
            .map(|_| full_jitter(Duration::from_secs(1), Duration::from_secs(1), 1))
            .collect();
        let distinct: std::collections::HashSet<_> = samples.iter().collect();
        assert!(distinct.len() > 40);
    }
}
