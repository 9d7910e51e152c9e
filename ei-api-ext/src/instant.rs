//! Instants a duration later, that never overflow: a caller may well pass
//! `Duration::MAX` to mean "no limit", and a server may send a `Retry-After`
//! of billions of seconds.

use std::time::Duration;

use tokio::time::Instant;

/// How far off "never" is: about thirty years, as tokio's own timers put it,
/// far past any wait and still an instant every platform can hold.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `duration` after `instant`, or [`FAR_FUTURE`] after it when that is sooner.
pub(crate) fn add_capped(instant: Instant, duration: Duration) -> Instant {
    instant + duration.min(FAR_FUTURE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_duration_is_a_far_future_not_an_overflow() {
        let now = Instant::now();
        assert_eq!(add_capped(now, Duration::MAX), now + FAR_FUTURE);
        assert_eq!(add_capped(now, Duration::from_secs(5)), now + Duration::from_secs(5));
    }
}
