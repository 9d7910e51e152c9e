//! Durations on the command line: a whole number and a unit, `250ms`, `2s`,
//! `5m` or `1h`.

use std::time::Duration;

/// The longest duration a flag takes: a week is longer than anyone keeps a
/// fake running, and every deadline computed from it stays far inside what
/// the clock can represent.
pub const MAX: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The units, with the milliseconds in one of each, as `--help` lists them.
pub const UNITS: [(&str, u64); 4] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)];

/// Reads `text` as a duration, or says why it is not one.
pub fn parse(text: &str) -> Result<Duration, String> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let unit_millis = UNITS.iter().find(|(name, _)| *name == unit).map(|&(_, millis)| millis);
    let Some(unit_millis) = unit_millis.filter(|_| !number.is_empty()) else {
        return Err(format!(
            "`{text}` is not a duration (a whole number and ms, s, m or h: 250ms, 2s, 5m)"
        ));
    };
    // Only digits: a number that does not parse is too large for a u64.
    number
        .parse::<u64>()
        .ok()
        .and_then(|number| number.checked_mul(unit_millis))
        .map(Duration::from_millis)
        .filter(|duration| *duration <= MAX)
        .ok_or_else(|| format!("`{text}` is longer than the longest duration taken, a week"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_is_read() {
        assert_eq!(parse("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3_600)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn a_week_is_the_longest_duration_taken() {
        assert_eq!(parse("168h"), Ok(MAX));
        assert!(parse("169h").unwrap_err().contains("longer than"));
        assert!(parse("18446744073709551615h").unwrap_err().contains("longer than"));
        assert!(parse("99999999999999999999999s").unwrap_err().contains("longer than"));
    }

    #[test]
    fn text_that_is_not_a_number_and_a_unit_is_refused() {
        for text in ["", "2", "s", "2 s", "-2s", "1.5s", "2sec", "2S", "+2s"] {
            assert!(parse(text).unwrap_err().contains("not a duration"), "{text:?} was read");
        }
    }
}
