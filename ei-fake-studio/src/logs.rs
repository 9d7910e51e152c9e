//! What the jobs log, and the part of it `getOrganizationJobsLogs` returns.
//!
//! Each job logs a line when it starts and, once over, what became of it: a
//! failed job logs its step's failure lines ([`StepSpec::failure_log`], or
//! by default the hostile lines of [`default_failure_log`]).

use crate::built::built;
use crate::clock::Clock;
use crate::config::{LogLine, StepSpec};
use crate::files;
use crate::jobs::{JobAt, JobKind, Outcome};
use ei_api::enums::JobLogItemLogLevel;
use ei_api::types::JobLogItem;
use tokio::time::Instant;

/// The most lines an answer carries: the vendor returns only the last 1,000
/// (`LogStdoutResponse.totalCount`).
const MAX_LOG_LINES: usize = 1_000;

/// The length of the very long line in the default failure log: a block that
/// dumps its whole input on one line.
const LONG_LINE_BYTES: usize = 100 * 1024;

/// What the very long line repeats: a sensor sample's values.
const LONG_LINE_PATTERN: &str = "0.125,-0.5,9.81,";

/// Which lines of a job's log to return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogsQuery {
    /// `limit`: at most this many of the last lines (and at most [`MAX_LOG_LINES`]).
    pub(crate) limit: Option<usize>,
    /// `logLevel`: only lines of this level or a more severe one.
    pub(crate) level: Option<JobLogItemLogLevel>,
}

/// The lines returned and how many lines the query matched in all (`totalCount`).
#[derive(Clone, Debug)]
pub(crate) struct Logs {
    /// The last lines that match, oldest first.
    pub(crate) lines: Vec<JobLogItem>,
    /// How many lines match.
    pub(crate) total: i64,
}

/// The log of `job` (of `step`) that `query` asks for.
pub(crate) fn read(clock: &Clock, job: &JobAt, step: &StepSpec, query: &LogsQuery) -> Logs {
    let threshold = query.level.as_ref().map_or(0, |level| severity(Some(level)));
    let mut matching: Vec<(Instant, LogLine)> = lines(job, step)
        .into_iter()
        .filter(|(_, line)| severity(line.level.as_ref()) >= threshold)
        .collect();
    let total = i64::try_from(matching.len()).expect("fewer than 2^63 lines");
    let shown = query.limit.unwrap_or(MAX_LOG_LINES).min(MAX_LOG_LINES).min(matching.len());
    let lines = matching
        .drain(matching.len() - shown..)
        .map(|(at, line)| {
            built(
                JobLogItem::builder().created(clock.date(at)).data(line.text).log_level(line.level),
            )
        })
        .collect();
    Logs { lines, total }
}

/// How severe a line is, for the `logLevel` filter: a line without a level
/// counts as `info`, and a level the document does not list as `debug`.
fn severity(level: Option<&JobLogItemLogLevel>) -> u8 {
    match level {
        Some(JobLogItemLogLevel::Error) => 3,
        Some(JobLogItemLogLevel::Warn) => 2,
        Some(JobLogItemLogLevel::Info) | None => 1,
        Some(JobLogItemLogLevel::Debug | JobLogItemLogLevel::Unknown(_)) => 0,
    }
}

/// Every line `job` has logged, oldest first, with when.
fn lines(job: &JobAt, step: &StepSpec) -> Vec<(Instant, LogLine)> {
    let info = |text: String| LogLine { level: Some(JobLogItemLogLevel::Info), text };
    let error = |text: &str| LogLine { level: Some(JobLogItemLogLevel::Error), text: text.into() };
    let first = match job.kind {
        JobKind::Upload => info(format!("Uploading the transformed files into {}", target(step))),
        JobKind::File(index) => info(format!("Transforming {}", files::file_name(index))),
    };
    let mut lines = vec![(job.started, first)];
    let Some(ended) = job.ended else { return lines };
    let last = match (job.outcome, job.kind) {
        (Outcome::Running, _) => Vec::new(),
        (Outcome::Succeeded, JobKind::Upload) => vec![info("Uploaded every file".into())],
        (Outcome::Succeeded, JobKind::File(index)) => {
            vec![info(format!("Transformed {}", files::file_name(index)))]
        }
        (Outcome::Failed, _) => {
            step.failure_log.clone().unwrap_or_else(|| default_failure_log(step))
        }
        (Outcome::Cancelled, JobKind::Upload) => {
            vec![error("Nothing uploaded: the transformation did not succeed")]
        }
        (Outcome::Cancelled, JobKind::File(_)) => {
            vec![error("Cancelled: the pipeline was stopped")]
        }
    };
    lines.extend(last.into_iter().map(|line| (ended, line)));
    lines
}

/// Where a step's results go, in words.
fn target(step: &StepSpec) -> String {
    match step.project_id {
        Some(project) => format!("project {project}"),
        None => "the output dataset".to_owned(),
    }
}

/// What a failed job logs unless its step says otherwise: a careless
/// block's output, with a progress bar redrawn by carriage returns, terminal
/// colour codes, a bell, a 100 KiB line, and the API key it was given,
/// echoed in clear (the step's project key if it has one, else
/// [`StepSpec::ECHOED_API_KEY`]).
fn default_failure_log(step: &StepSpec) -> Vec<LogLine> {
    let key = step.project_keys.as_ref().map_or(StepSpec::ECHOED_API_KEY, |keys| &keys.api_key);
    let line = |level, text: String| LogLine { level, text };
    let long_line: String = LONG_LINE_PATTERN.chars().cycle().take(LONG_LINE_BYTES).collect();
    vec![
        line(Some(JobLogItemLogLevel::Info), "Reading input\r 10%\r 45%\r100%".into()),
        line(Some(JobLogItemLogLevel::Debug), format!("Connecting with x-api-key: {key}")),
        line(None, "\u{1b}[1;31mTraceback (most recent call last):\u{1b}[0m".into()),
        line(None, "  File \"/app/transform.py\", line 42, in transform".into()),
        line(Some(JobLogItemLogLevel::Warn), "\u{7}The input does not parse; it was:".into()),
        line(Some(JobLogItemLogLevel::Warn), long_line),
        line(
            Some(JobLogItemLogLevel::Error),
            "ValueError: could not parse the sample: unexpected end of data".into(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn failed_file() -> (Clock, JobAt) {
        let clock = Clock::starting_now();
        let started = Instant::now();
        let ended = Some(started + Duration::from_secs(1));
        let job = JobAt { id: 1, kind: JobKind::File(0), outcome: Outcome::Failed, started, ended };
        (clock, job)
    }

    #[tokio::test]
    async fn the_default_failure_log_is_hostile() {
        let step = StepSpec::new("s").fails();
        let (clock, job) = failed_file();
        let all = read(&clock, &job, &step, &LogsQuery { limit: None, level: None });
        let text: Vec<&str> = all.lines.iter().map(|line| line.data.as_str()).collect();
        assert!(text.iter().any(|line| line.contains('\u{1b}')));
        assert!(text.iter().any(|line| line.contains('\r')));
        assert!(text.iter().any(|line| line.contains('\u{7}')));
        assert!(text.iter().any(|line| line.len() == LONG_LINE_BYTES));
        assert!(text.iter().any(|line| line.contains(StepSpec::ECHOED_API_KEY)));
        let with_keys = StepSpec::new("s").project_keys("ei_the_project_key", "hmac").fails();
        let echoed = default_failure_log(&with_keys);
        assert!(echoed.iter().any(|line| line.text.contains("ei_the_project_key")));
    }

    #[tokio::test]
    async fn a_level_keeps_that_level_and_more_severe_ones_and_a_limit_the_last_lines() {
        let step = StepSpec::new("s").fails();
        let (clock, job) = failed_file();
        let warn = LogsQuery { limit: None, level: Some(JobLogItemLogLevel::Warn) };
        let warnings = read(&clock, &job, &step, &warn);
        assert_eq!(warnings.total, 3);
        assert!(warnings.lines.iter().all(|line| severity(line.log_level.as_ref()) >= 2));
        let last = read(&clock, &job, &step, &LogsQuery { limit: Some(1), level: None });
        assert_eq!(last.total, 8);
        assert_eq!(last.lines.len(), 1);
        assert!(last.lines[0].data.starts_with("ValueError"));
    }
}
