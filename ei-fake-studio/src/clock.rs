//! Time: every instant is a `tokio::time::Instant`, and wall-clock dates are
//! derived from it, so a paused tokio clock controls everything the fake shows.

use chrono::{DateTime, TimeZone, Utc};
use tokio::time::Instant;

/// The wall-clock date of the moment a studio starts: a fixed date, so that
/// responses are reproducible and no date depends on the machine's clock.
/// (2024-06-03T08:00:00Z, a Monday morning.)
const EPOCH_UNIX_SECONDS: i64 = 1_717_401_600;

/// Maps tokio instants to the wall-clock dates the fake reports.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    /// The instant the studio started, shown as the epoch date.
    origin: Instant,
}

impl Clock {
    /// A clock whose epoch date is now.
    pub(crate) fn starting_now() -> Self {
        Self { origin: Instant::now() }
    }

    /// `instant` as an HTTP date (RFC 9110 `IMF-fixdate`, whole seconds), for
    /// the `Date` header: the fake's own clock, not the machine's.
    /// With `skew_seconds`, the date of a clock that much ahead of the
    /// studio's (behind when negative), as a misconfigured server's.
    pub(crate) fn http_date(&self, instant: Instant, skew_seconds: i64) -> String {
        let date = self.date(instant) + chrono::Duration::seconds(skew_seconds);
        date.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
    }

    /// The epoch date: when the studio started.
    pub(crate) fn epoch(&self) -> DateTime<Utc> {
        self.date(self.origin)
    }

    /// The wall-clock date of `instant`: the epoch plus the tokio time elapsed
    /// since the studio started.
    pub(crate) fn date(&self, instant: Instant) -> DateTime<Utc> {
        let epoch = Utc.timestamp_opt(EPOCH_UNIX_SECONDS, 0).single().expect("a valid date");
        let elapsed = instant.saturating_duration_since(self.origin);
        let elapsed =
            chrono::Duration::from_std(elapsed).expect("a studio runs for less than 292 years");
        epoch + elapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn dates_advance_with_tokio_time() {
        let clock = Clock::starting_now();
        let start = clock.date(Instant::now());
        tokio::time::advance(Duration::from_millis(1_500)).await;
        assert_eq!(clock.date(Instant::now()) - start, chrono::Duration::milliseconds(1_500));
        assert_eq!(start.to_rfc3339(), "2024-06-03T08:00:00+00:00");
        assert_eq!(clock.http_date(Instant::now(), 0), "Mon, 03 Jun 2024 08:00:01 GMT");
    }
}
