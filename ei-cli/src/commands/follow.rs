//! Following a run to its outcome, as `run --wait` and `wait` do: progress
//! on stderr (live bars on a terminal, plain lines otherwise), the outcome on
//! stdout, and Ctrl-C ending the wait (never the run) with exit 130.

use ei_api_ext::diagnose::DiagnosisOptions;
use ei_api_ext::run::Run;
use ei_api_ext::wait::{
    AdaptiveSchedule, Follow, Outcome, PollSchedule, ProgressEvent, WaitOptions,
};
use ei_api_ext::{PipelineHandle, RunId};
use serde_json::json;

use crate::args::FollowArgs;
use crate::commands::reports::Reports;
use crate::exit::{Action, Exit, Failure};
use crate::interrupt::Interrupt;
use crate::output::Output;
use crate::render::outcome::{
    outcome_lines, wait_command, FollowedRun, OutcomeDocument, PipelineEnd,
};
use crate::render::progress::{ProgressMode, Reporter, LIVE_MAX_POLL_DELAY};

/// How a wait is followed and shown: JSON or words, live or plain, and how
/// a failed run is explained.
#[derive(Clone, Debug)]
pub struct FollowSettings {
    /// One JSON document on stdout instead of sentences.
    pub json: bool,
    /// Live bars or plain lines.
    pub mode: ProgressMode,
    /// How a failed run is explained; `None` with `--no-diagnosis`.
    pub diagnosis: Option<DiagnosisOptions>,
    /// The reports written when the wait ends.
    pub reports: Reports,
}

impl FollowSettings {
    /// The settings `--json` and `args` give, shown on `output`.
    pub fn new(json: bool, args: &FollowArgs, output: &Output) -> Self {
        Self {
            json,
            mode: ProgressMode::choose(json, output),
            diagnosis: args.diagnosis(),
            reports: Reports::new(args, |name| std::env::var_os(name)),
        }
    }

    /// The wait's options: `args`' deadline and stop, and for a person
    /// watching live, a read at least every [`LIVE_MAX_POLL_DELAY`] so that
    /// nothing looks frozen (plain and JSON output keep the adaptive
    /// schedule's economy).
    pub fn wait_options(&self, args: &FollowArgs) -> WaitOptions {
        let options =
            WaitOptions::timeout(args.wait_timeout()).stop_on_timeout(args.stop_on_timeout);
        match self.mode {
            ProgressMode::Live => {
                let mut adaptive = AdaptiveSchedule::new();
                options.schedule(move |elapsed, run: &Run| {
                    adaptive.next_delay(elapsed, run).min(LIVE_MAX_POLL_DELAY)
                })
            }
            ProgressMode::Plain => options,
        }
    }
}

/// How a wait ended.
#[derive(Debug)]
pub enum WaitEnd {
    /// The run was followed to its outcome.
    Finished(Box<FollowedRun>),
    /// Ctrl-C ended the wait (its message printed): exit 130.
    Interrupted {
        /// The exit.
        exit: Exit,
        /// The run followed, when it was known.
        run: Option<RunId>,
    },
}

/// Follows `following` (a run of `handle`'s pipeline) to its outcome as
/// `settings` say and prints it, then writes the reports (also after a
/// Ctrl-C or an error); the exit for it.
pub async fn follow(
    following: Follow,
    handle: &PipelineHandle,
    settings: &FollowSettings,
    action: Action,
    output: &Output,
) -> Result<Exit, Failure> {
    let pipeline = handle.pipeline();
    let (end, result) = match follow_to_end(following, handle, settings, action, output).await {
        Ok(WaitEnd::Finished(followed)) => {
            let exit = print(&followed, settings.json, output);
            (PipelineEnd::Followed(followed), exit)
        }
        Ok(WaitEnd::Interrupted { exit, run }) => {
            let message = "interrupted (Ctrl-C) while waiting; the run goes on".to_owned();
            (PipelineEnd::Unfinished { pipeline, run, outcome: "interrupted", message }, Ok(exit))
        }
        Err(failure) => {
            let message = failure.message.clone();
            let end = PipelineEnd::Unfinished { pipeline, run: None, outcome: "error", message };
            (end, Err(failure))
        }
    };
    match result {
        Ok(exit) => Ok(settings.reports.write(&[end], exit, output)),
        Err(failure) => {
            settings.reports.write(&[end], failure.exit, output);
            Err(failure)
        }
    }
}

/// Prints a followed run as `--json` says; the exit for its outcome.
pub fn print(followed: &FollowedRun, json: bool, output: &Output) -> Result<Exit, Failure> {
    // A transformation's log may echo the project keys its step carries.
    let output = output.with_project_keys(followed.report.run.raw());
    if json {
        output.print_json(&OutcomeDocument::of(followed))?;
    } else {
        for line in outcome_lines(followed, output.redactor()) {
            output.line(&line);
        }
    }
    Ok(Exit::for_outcome(&followed.report.outcome))
}

/// Follows `following` (a run of `handle`'s pipeline) to its outcome as
/// `settings` say, and explains a failed run; `action` is what a failure is
/// reported as.
pub async fn follow_to_end(
    mut following: Follow,
    handle: &PipelineHandle,
    settings: &FollowSettings,
    action: Action,
    output: &Output,
) -> Result<WaitEnd, Failure> {
    let pipeline = handle.pipeline();
    let mut interrupt = Interrupt::listen().await;
    let mut reporter = Reporter::new(settings.mode, pipeline, output.clone());
    let mut run = action.run().map(RunId::new);
    loop {
        tokio::select! {
            biased;
            () = interrupt.received() => {
                reporter.clear();
                let exit = interrupted(run, handle, settings, output)?;
                return Ok(WaitEnd::Interrupted { exit, run });
            }
            event = following.next() => match event {
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
    let result = following.await;
    reporter.finish();
    let report = result.map_err(|error| {
        let mut failure = Failure::during(action, error);
        if let Some(run) = run {
            failure.message.push_str(&format!(
                "\n  run {} goes on; follow it again with: {}",
                run.get(),
                wait_command(pipeline, run)
            ));
        }
        failure
    })?;
    let diagnosis = match (&report.outcome, &settings.diagnosis) {
        (Outcome::Failed, Some(options)) => {
            output.note_line(&format!(
                "reading why run {} failed (its failed files and their logs; at most {}, \
                 --diagnosis-timeout; --no-diagnosis skips it)",
                report.run.id.get(),
                humantime::format_duration(options.deadline)
            ));
            // The outcome is known: Ctrl-C now skips only the explanation.
            tokio::select! {
                biased;
                () = interrupt.received() => {
                    output.note_line("Ctrl-C: the explanation is skipped");
                    None
                }
                diagnosis = handle.diagnose(&report.run, options.clone()) => Some(diagnosis),
            }
        }
        _ => None,
    };
    Ok(WaitEnd::Finished(Box::new(FollowedRun { pipeline, report, diagnosis })))
}

/// What Ctrl-C prints: the run and how to follow it again; on stdout with
/// `--json`, the document `{"outcome": "interrupted", "runId": ...}`.
fn interrupted(
    run: Option<RunId>,
    handle: &PipelineHandle,
    settings: &FollowSettings,
    output: &Output,
) -> Result<Exit, Failure> {
    let pipeline = handle.pipeline();
    let what = match run {
        Some(run) => format!(
            "run {} goes on. Follow it again with: {}",
            run.get(),
            wait_command(pipeline, run)
        ),
        None => format!(
            "the run may or may not have started. Check with: ei-pipeline wait {}",
            pipeline.get()
        ),
    };
    output.note_line(&format!("interrupted: stopped waiting; {what}"));
    if settings.json {
        output.print_json(&json!({ "outcome": "interrupted", "runId": run }))?;
    }
    Ok(Exit::Interrupted)
}
