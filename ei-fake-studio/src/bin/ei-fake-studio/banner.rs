//! What the binary prints once it listens: where, with which key, the
//! sample pipelines, the faults, and the lines that point ei-pipeline at it.

use crate::fault_flag::FaultFlag;
use crate::samples::{Sample, ORGANIZATION_ID};
use std::fmt::Write;
use std::time::Duration;

/// The seconds in a minute, to show a length as minutes and seconds.
const SECONDS_PER_MINUTE: u64 = 60;

/// What the studio at `base_url` serves, as printed on stdout.
#[derive(Debug)]
pub struct Banner<'a> {
    /// The base URL, with its `/v1`.
    pub base_url: &'a str,
    /// The key it accepts.
    pub api_key: &'a str,
    /// How far the pipeline view lags.
    pub view_lag: Duration,
    /// The pipelines.
    pub samples: &'a [Sample],
    /// The faults injected.
    pub faults: &'a [FaultFlag],
}

impl Banner<'_> {
    /// The text to print.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "ei-fake-studio: a fake Edge Impulse Studio (Ctrl-C to stop)\n");
        let _ = writeln!(out, "  base URL         {}", self.base_url);
        let _ = writeln!(out, "  API key          {} (the fake's own, not a secret)", self.api_key);
        let _ = writeln!(out, "  organization id  {ORGANIZATION_ID}");
        if !self.view_lag.is_zero() {
            let _ = writeln!(out, "  view lag         {} (--view-lag)", length(self.view_lag));
        }
        let _ = writeln!(out, "\nPipelines (runs move on the real clock):");
        let rows: Vec<_> = self
            .samples
            .iter()
            .map(|sample| (sample, format!("{} steps, {}", sample.steps, length(sample.length))))
            .collect();
        let id_width =
            rows.iter().map(|(sample, _)| sample.id.to_string().len()).max().unwrap_or(0);
        let name_width = rows.iter().map(|(sample, _)| sample.name.len()).max().unwrap_or(0);
        let steps_width = rows.iter().map(|(_, steps)| steps.len()).max().unwrap_or(0);
        for (sample, steps) in rows {
            let _ = writeln!(
                out,
                "  {:>id_width$}  {:<name_width$}  {steps:<steps_width$}  {}",
                sample.id, sample.name, sample.shows
            );
        }
        if self.faults.is_empty() {
            let _ = writeln!(out, "\nFaults: none (--fault OPERATION=FAULT[@WHEN], see --help)");
        } else {
            let _ = writeln!(out, "\nFaults:");
            for fault in self.faults {
                let _ = writeln!(out, "  --fault {}", fault.text);
            }
        }
        let _ = writeln!(out, "\nTo point ei-pipeline at it, paste into another terminal:\n");
        let _ = writeln!(out, "export EI_API_ENDPOINT={}", shell_word(self.base_url));
        let _ = writeln!(out, "export EI_API_KEY={}", shell_word(self.api_key));
        let _ = writeln!(out, "export EI_ORGANIZATION_ID={ORGANIZATION_ID}");
        out
    }
}

/// A length as `10.5 s` or `2 min 30 s`.
fn length(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < SECONDS_PER_MINUTE {
        return format!("{} s", duration.as_secs_f64());
    }
    match seconds % SECONDS_PER_MINUTE {
        0 => format!("{} min", seconds / SECONDS_PER_MINUTE),
        rest => format!("{} min {rest} s", seconds / SECONDS_PER_MINUTE),
    }
}

/// `text` as one word for a POSIX shell: as is when nothing in it is
/// special, otherwise in single quotes.
fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault_flag;
    use crate::samples::{samples, DEFAULT_SHAPE};

    #[test]
    fn the_banner_shows_every_pipeline_every_fault_and_three_exports() {
        let samples = samples(DEFAULT_SHAPE);
        let faults = [fault_flag::parse("get=status:503@nth:3").unwrap()];
        let banner = Banner {
            base_url: "http://127.0.0.1:8080/v1",
            api_key: "ei_fake_studio_key",
            view_lag: Duration::from_secs(2),
            samples: &samples,
            faults: &faults,
        }
        .render();
        for sample in &samples {
            assert!(
                banner.contains(&sample.name) && banner.contains(&sample.shows),
                "{}",
                sample.name
            );
        }
        assert!(banner.contains("  --fault get=status:503@nth:3\n"));
        assert!(banner.contains("  view lag         2 s"));
        assert!(banner.contains("   1  Nightly import"), "ids are right-aligned under 12");
        assert!(banner.contains("3 steps, 10.5 s"));
        assert!(banner.contains("3 steps, 2 min 30 s"));
        let exports: Vec<_> = banner.lines().filter(|line| line.starts_with("export ")).collect();
        assert_eq!(
            exports,
            [
                "export EI_API_ENDPOINT=http://127.0.0.1:8080/v1",
                "export EI_API_KEY=ei_fake_studio_key",
                "export EI_ORGANIZATION_ID=1",
            ]
        );
    }

    #[test]
    fn a_key_with_shell_characters_is_quoted_to_paste_as_is() {
        assert_eq!(shell_word("ei_abc-123"), "ei_abc-123");
        assert_eq!(shell_word("a$b"), "'a$b'");
        assert_eq!(shell_word("it's;rm"), r"'it'\''s;rm'");
    }

    #[test]
    fn lengths_read_in_seconds_or_minutes() {
        assert_eq!(length(Duration::from_millis(10_500)), "10.5 s");
        assert_eq!(length(Duration::from_secs(8)), "8 s");
        assert_eq!(length(Duration::from_secs(120)), "2 min");
        assert_eq!(length(Duration::from_secs(150)), "2 min 30 s");
    }
}
