//! Following a run to its outcome, as `run --wait` and `wait` do: progress
//! on stderr (live bars on a terminal, plain lines otherwise), the outcome on
//! stdout, and Ctrl-C ending the wait (never the run) with exit 130.

use ei_api_ext::diagnose::DiagnosisOptions;
use ei_api_ext::wait::{
    AdaptiveSchedule, Follow, Outcome, PollSchedule, ProgressEvent, WaitOptions,
};
use ei_api_ext::{PipelineHandle, RunId};
use serde_json::{json, Value};

use crate::args::FollowArgs;
use crate::exit::{Action, Exit, Failure};
use crate::explain::{diagnosis_document, diagnosis_lines};
use crate::interrupt::Interrupt;
use crate::outcome::{outcome_document, outcome_lines, wait_command};
use crate::output::Output;
use crate::progress::{Display, Reporter, LIVE_MAX_POLL_DELAY};

/// How a wait is shown: where, for which pipeline, and how a failure is
/// explained.
#[derive(Clone, Debug)]
pub struct Shown {
    /// The pipeline followed.
    pub pipeline: i64,
    /// One JSON document on stdout instead of sentences.
    pub json: bool,
    /// Live bars or plain lines.
    pub display: Display,
    /// How a failed run is explained; `None` with `--no-diagnosis`.
    pub diagnosis: Option<DiagnosisOptions>,
}

impl Shown {
    /// How `pipeline`'s wait is shown on `output`, given `--json` and `args`.
    pub fn new(pipeline: i64, json: bool, args: &FollowArgs, output: &Output) -> Self {
        let display = Display::choose(json, output);
        Self { pipeline, json, display, diagnosis: args.diagnosis() }
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

/// A run followed to its end: how the program should end, and what it prints.
#[derive(Debug)]
pub struct Followed {
    /// The exit for the outcome.
    pub exit: Exit,
    /// The `--json` document of the outcome (with its diagnosis).
    pub document: Value,
    /// The lines a person reads instead.
    pub lines: Vec<String>,
    /// The output to print them with (masking the run's project keys too).
    pub output: Output,
}

impl Followed {
    /// Prints the outcome as `--json` says; returns the exit.
    pub fn print(self, json: bool) -> Exit {
        if json {
            self.output.print_json(&self.document);
        } else {
            for line in &self.lines {
                self.output.line(line);
            }
        }
        self.exit
    }
}

/// Follows `follow` (of a run of `handle`'s pipeline) to its outcome as
/// `shown` says, and prints it (see [`follow_to_end`]).
pub async fn follow(
    following: Follow,
    handle: &PipelineHandle,
    shown: Shown,
    known_run: Option<RunId>,
    action: Action,
    output: &Output,
) -> Result<Exit, Failure> {
    let json = shown.json;
    let ended = follow_to_end(following, handle, shown, known_run, action, output).await?;
    Ok(match ended {
        Ended::Followed(followed) => followed.print(json),
        Ended::Interrupted(exit) => exit,
    })
}

/// How a wait ended.
#[derive(Debug)]
pub enum Ended {
    /// The run was followed to its outcome.
    Followed(Followed),
    /// Ctrl-C ended the wait (its message printed): exit 130.
    Interrupted(Exit),
}

/// Follows `follow` (of a run of `handle`'s pipeline) to its outcome as
/// `shown` says, and explains a failed run; `known_run` is the run when the
/// command knows it before the first event (`wait --run`), and `action` what
/// a failure is reported as.
pub async fn follow_to_end(
    mut follow: Follow,
    handle: &PipelineHandle,
    shown: Shown,
    known_run: Option<RunId>,
    action: Action,
    output: &Output,
) -> Result<Ended, Failure> {
    let mut interrupt = Interrupt::listen().await;
    let what = format!("pipeline {}", shown.pipeline);
    let mut reporter = Reporter::new(shown.display, &what, output.clone());
    let mut run = known_run;
    loop {
        tokio::select! {
            biased;
            () = interrupt.received() => {
                reporter.clear();
                return Ok(Ended::Interrupted(interrupted(run, &shown, output)));
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
    // A transformation's log may echo the project keys its step carries.
    let output = output.with_project_keys(report.run());
    let diagnosis = match (&report.outcome, &shown.diagnosis) {
        (Outcome::Failed { run, .. }, Some(options)) => {
            output.note_line(&format!(
                "reading why {} failed (its failed files and their logs; at most {}, \
                 --diagnosis-timeout; --no-diagnosis skips it)",
                RunId::new(run.id),
                humantime::format_duration(options.deadline)
            ));
            // The outcome is known: Ctrl-C now skips only the explanation.
            tokio::select! {
                biased;
                () = interrupt.received() => {
                    output.note_line("Ctrl-C: the explanation is skipped");
                    None
                }
                diagnosis = handle.diagnose(run, options.clone()) => Some(diagnosis),
            }
        }
        _ => None,
    };
    let mut document = outcome_document(&report.outcome)?;
    if let Outcome::Failed { .. } = report.outcome {
        document["diagnosis"] = diagnosis.as_ref().map_or(Value::Null, diagnosis_document);
    }
    let mut lines = outcome_lines(&report, shown.pipeline);
    lines.extend(
        diagnosis
            .iter()
            .flat_map(|diagnosis| diagnosis_lines(diagnosis, shown.pipeline, output.redactor())),
    );
    let exit = Exit::for_outcome(&report.outcome);
    Ok(Ended::Followed(Followed { exit, document, lines, output }))
}

/// What Ctrl-C prints: the run and how to follow it again; on stdout with
/// `--json`, the document `{"outcome": "interrupted", "runId": ...}`.
fn interrupted(run: Option<RunId>, shown: &Shown, output: &Output) -> Exit {
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
    output.note_line(&format!("interrupted: stopped waiting; {what}"));
    if shown.json {
        output.print_json(&json!({ "outcome": "interrupted", "runId": run.map(RunId::get) }));
    }
    Exit::Interrupted
}
