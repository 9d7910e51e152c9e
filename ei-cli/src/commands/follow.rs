//! Following a run to its outcome, as `run --wait` and `wait` do: progress
//! on stderr (live bars on a terminal, plain lines otherwise), the outcome on
//! stdout, and Ctrl-C ending the wait (never the run) with exit 130.

use ei_api_ext::wait::{AdaptiveSchedule, Follow, PollSchedule, ProgressEvent, WaitOptions};
use ei_api_ext::RunId;
use serde_json::json;

use crate::args::FollowArgs;
use crate::exit::{Action, Exit, Failure};
use crate::interrupt::Interrupt;
use crate::outcome::{outcome_document, outcome_lines, wait_command};
use crate::output::Output;
use crate::progress::{Display, Reporter, LIVE_MAX_POLL_DELAY};

/// How a wait is shown: where, and for which pipeline.
#[derive(Clone, Copy, Debug)]
pub struct Shown {
    /// The pipeline followed.
    pub pipeline: i64,
    /// One JSON document on stdout instead of sentences.
    pub json: bool,
    /// Live bars or plain lines.
    pub display: Display,
}

impl Shown {
    /// How `pipeline`'s wait is shown on `output`, given `--json`.
    pub fn new(pipeline: i64, json: bool, output: &Output) -> Self {
        Self { pipeline, json, display: Display::choose(json, output) }
    }

    /// The wait's options: `args`' deadline and stop, and for a person
    /// watching live, a read at least every [`LIVE_MAX_POLL_DELAY`] so that
    /// nothing looks frozen (plain and JSON output keep the adaptive
    /// schedule's economy).
    pub fn options(&self, args: &FollowArgs) -> WaitOptions {
        let options =
            WaitOptions::timeout(args.wait_timeout()).stop_on_timeout(args.stop_on_timeout);
        match self.display {
            Display::Live => {
                let mut adaptive = AdaptiveSchedule::new();
                options.schedule(move |elapsed, run: &_| {
                    adaptive.next_delay(elapsed, run).min(LIVE_MAX_POLL_DELAY)
                })
            }
            Display::Plain => options,
        }
    }
}

/// Follows `follow` to its outcome as `shown` says; `known_run` is the run
/// when the command knows it before the first event (`wait --run`), and
/// `action` what a failure is reported as.
pub async fn follow(
    mut follow: Follow,
    shown: Shown,
    known_run: Option<RunId>,
    action: Action,
    output: &Output,
) -> Result<Exit, Failure> {
    let mut interrupt = Interrupt::listen().await;
    let what = format!("pipeline {}", shown.pipeline);
    let mut reporter = Reporter::new(shown.display, &what, output.clone());
    let mut run = known_run;
    loop {
        tokio::select! {
            biased;
            () = interrupt.received() => {
                reporter.clear();
                return Ok(interrupted(run, shown, output));
            }
            event = follow.next() => match event {
                Some(event) => {
                    if let ProgressEvent::RunStarted { run: started, .. } = &event {
                        run = Some(*started);
                    }
                    reporter.event(&event);
                }
                None => break,
            },
        }
    }
    let result = follow.await;
    reporter.finish();
    let report = result.map_err(|error| {
        let mut failure = Failure::during(action, error);
        if let Some(run) = run {
            failure.message.push_str(&format!(
                "\n  {run} goes on; follow it again with: {}",
                wait_command(shown.pipeline, run.get())
            ));
        }
        failure
    })?;
    if shown.json {
        output.print_json(&outcome_document(&report.outcome)?);
    } else {
        for line in outcome_lines(&report, shown.pipeline) {
            output.line(&line);
        }
    }
    Ok(Exit::for_outcome(&report.outcome))
}

/// What Ctrl-C prints: the run and how to follow it again; on stdout with
/// `--json`, the document `{"outcome": "interrupted", "runId": ...}`.
fn interrupted(run: Option<RunId>, shown: Shown, output: &Output) -> Exit {
    let what = match run {
        Some(run) => {
            format!(
                "{run} goes on. Follow it again with: {}",
                wait_command(shown.pipeline, run.get())
            )
        }
        None => format!(
            "the run may or may not have started. Check with: ei-pipeline wait {}",
            shown.pipeline
        ),
    };
    output.error_line(&format!("interrupted: stopped waiting; {what}"));
    if shown.json {
        output.print_json(&json!({ "outcome": "interrupted", "runId": run.map(RunId::get) }));
    }
    Exit::Interrupted
}
