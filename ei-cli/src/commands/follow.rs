//! Following a run to its outcome, as `run --wait` and `wait` do: progress
//! on stderr (live bars on a terminal, plain lines otherwise), the outcome on
//! stdout, and Ctrl-C ending the wait (never the run) with exit 130.

use ei_api_ext::diagnose::DiagnosisOptions;
use ei_api_ext::run::Run;
use ei_api_ext::wait::{
    AdaptiveSchedule, Follow, Outcome, PollSchedule, ProgressEvent, WaitOptions,
};
use ei_api_ext::{PipelineHandle, PipelineId, RunId};
use serde::Serialize;

use crate::args::FollowArgs;
use crate::commands::reports::Reports;
use crate::exit::{Action, Exit, Failure};
use crate::interrupt::Interrupt;
use crate::output::Output;
use crate::render::outcome::{
    headline, outcome_lines, wait_command, FollowedRun, OutcomeDocument, PipelineEnd,
};
use crate::render::progress::{ProgressDisplay, ProgressMode, Reporter, LIVE_MAX_POLL_DELAY};

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
        /// The run followed, when it was known.
        run: Option<RunId>,
    },
}

/// A wait that failed before its outcome was known, and the run it was
/// following then (which goes on, and can be followed again).
#[derive(Debug)]
pub struct WaitFailure {
    /// What went wrong, its message naming the run when known.
    pub failure: Failure,
    /// The run followed, when it was known.
    pub run: Option<RunId>,
}

impl From<WaitFailure> for Failure {
    fn from(wait: WaitFailure) -> Self {
        wait.failure
    }
}

/// One pipeline's wait, as `run --wait` and `wait` start it.
#[derive(Debug)]
pub struct PipelineWait {
    /// The run, followed.
    pub following: Follow,
    /// Its pipeline.
    pub handle: PipelineHandle,
    /// What a failure is reported as.
    pub action: Action,
}

/// Follows every wait of `waits` together, as `settings` say (one deadline
/// and one retry budget: their handles share a client), then prints their
/// outcomes in the order given and writes the reports (also after a Ctrl-C
/// or an error). One wait prints as it always has and returns its failure;
/// several print one outcome each (a failure as an `error:` line, and with
/// `--json` one document of them all) and exit as the most severe says.
pub async fn follow(
    waits: Vec<PipelineWait>,
    settings: &FollowSettings,
    output: &Output,
) -> Result<Exit, Failure> {
    let display = ProgressDisplay::new(settings.mode, waits.len());
    let ends = futures_util::future::join_all(waits.into_iter().map(|wait| {
        let reporter = display.reporter(wait.handle.pipeline(), output.clone());
        async move {
            let pipeline = wait.handle.pipeline();
            let end =
                follow_to_end(wait.following, &wait.handle, settings, reporter, wait.action).await;
            (pipeline, end)
        }
    }))
    .await;
    if let [(pipeline, _)] = ends.as_slice() {
        let pipeline = *pipeline;
        let Some((_, end)) = ends.into_iter().next() else { unreachable!("one wait") };
        return print_one(pipeline, end, settings, output);
    }
    print_several(ends, settings, output)
}

/// Prints how one wait ended, writes the reports; its exit, or its failure.
fn print_one(
    pipeline: PipelineId,
    end: Result<WaitEnd, WaitFailure>,
    settings: &FollowSettings,
    output: &Output,
) -> Result<Exit, Failure> {
    let (end, result) = match end {
        Ok(WaitEnd::Finished(followed)) => {
            let exit = print(&followed, settings.json, output);
            (PipelineEnd::Followed(followed), exit)
        }
        Ok(WaitEnd::Interrupted { run }) => {
            print_interrupted(run, settings.json, output)?;
            (interrupted_end(pipeline, run), Ok(Exit::Interrupted))
        }
        Err(WaitFailure { failure, run }) => (error_end(pipeline, run, &failure), Err(failure)),
    };
    match result {
        Ok(exit) => Ok(settings.reports.write(&[end], exit, output)),
        Err(failure) => {
            settings.reports.write(&[end], failure.exit, output);
            Err(failure)
        }
    }
}

/// Prints how several waits ended, in the order given (a failure as an
/// `error:` line on stderr; with `--json` one document of them all), writes
/// the reports; the most severe exit of theirs.
fn print_several(
    ends: Vec<(PipelineId, Result<WaitEnd, WaitFailure>)>,
    settings: &FollowSettings,
    output: &Output,
) -> Result<Exit, Failure> {
    let mut exits = Vec::with_capacity(ends.len());
    let mut reported = Vec::with_capacity(ends.len());
    for (pipeline, end) in ends {
        reported.push(match end {
            Ok(WaitEnd::Finished(followed)) => {
                exits.push(Exit::for_outcome(&followed.report.outcome));
                PipelineEnd::Followed(followed)
            }
            Ok(WaitEnd::Interrupted { run }) => {
                exits.push(Exit::Interrupted);
                interrupted_end(pipeline, run)
            }
            Err(WaitFailure { failure, run }) => {
                output.error_line(&format!("error: {}", failure.message));
                exits.push(failure.exit);
                error_end(pipeline, run, &failure)
            }
        });
    }
    // A transformation's log may echo the project keys its step carries.
    let output = reported.iter().fold(output.clone(), |output, end| match end {
        PipelineEnd::Followed(followed) => output.with_project_keys(followed.report.run.raw()),
        PipelineEnd::Unfinished { .. } => output,
    });
    if settings.json {
        let pipelines = reported.iter().map(PipelineDocument::of).collect();
        output.print_json(&SeveralDocument { pipelines })?;
    } else {
        for end in &reported {
            if let PipelineEnd::Followed(followed) = end {
                for line in shown_outcome(followed, &output) {
                    output.line(&line);
                }
            }
        }
    }
    let exit = Exit::most_severe(exits);
    Ok(settings.reports.write(&reported, exit, &output))
}

/// With `--json`, what one wait that Ctrl-C ended prints on stdout:
/// `{"outcome": "interrupted", "runId": RUN_ID|null}`.
pub fn print_interrupted(run: Option<RunId>, json: bool, output: &Output) -> Result<(), Failure> {
    if json {
        output.print_json(&Unfinished { outcome: "interrupted", run_id: run, error: None })?;
    }
    Ok(())
}

/// The end of a wait that Ctrl-C ended.
fn interrupted_end(pipeline: PipelineId, run: Option<RunId>) -> PipelineEnd {
    let message = "interrupted (Ctrl-C) while waiting; the run goes on".to_owned();
    PipelineEnd::Unfinished { pipeline, run, outcome: "interrupted", message }
}

/// The end of a wait of `run` (when known) that `failure` ended.
fn error_end(pipeline: PipelineId, run: Option<RunId>, failure: &Failure) -> PipelineEnd {
    let message = failure.message.clone();
    PipelineEnd::Unfinished { pipeline, run, outcome: "error", message }
}

/// What `--json` prints for several waits: one entry per pipeline.
#[derive(Debug, Serialize)]
struct SeveralDocument<'a> {
    pipelines: Vec<PipelineDocument<'a>>,
}

/// One pipeline's entry in [`SeveralDocument`]: its id, and how its wait
/// ended as one wait's document says it.
#[derive(Debug, Serialize)]
struct PipelineDocument<'a> {
    pipeline: PipelineId,
    #[serde(flatten)]
    end: EndDocument<'a>,
}

/// How one wait ended, as JSON.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum EndDocument<'a> {
    Followed(OutcomeDocument<'a>),
    Unfinished(Unfinished<'a>),
}

/// A wait that ended before its outcome was known: `interrupted` (with the
/// run, when known) or `error` (with its message).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Unfinished<'a> {
    outcome: &'static str,
    run_id: Option<RunId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl<'a> PipelineDocument<'a> {
    fn of(end: &'a PipelineEnd) -> Self {
        match end {
            PipelineEnd::Followed(followed) => Self {
                pipeline: followed.pipeline,
                end: EndDocument::Followed(OutcomeDocument::of(followed)),
            },
            PipelineEnd::Unfinished { pipeline, run, outcome, message } => Self {
                pipeline: *pipeline,
                end: EndDocument::Unfinished(Unfinished {
                    outcome,
                    run_id: *run,
                    error: (*outcome == "error").then_some(message.as_str()),
                }),
            },
        }
    }
}

/// Prints a followed run as `--json` says (with `--quiet`, only its
/// headline); the exit for its outcome.
pub fn print(followed: &FollowedRun, json: bool, output: &Output) -> Result<Exit, Failure> {
    // A transformation's log may echo the project keys its step carries.
    let output = output.with_project_keys(followed.report.run.raw());
    if json {
        output.print_json(&OutcomeDocument::of(followed))?;
    } else {
        for line in shown_outcome(followed, &output) {
            output.line(&line);
        }
    }
    Ok(Exit::for_outcome(&followed.report.outcome))
}

/// The lines of a followed run's outcome: all of them, or with `--quiet`
/// only its headline.
fn shown_outcome(followed: &FollowedRun, output: &Output) -> Vec<String> {
    if output.is_quiet() {
        vec![headline(followed)]
    } else {
        outcome_lines(followed, output.redactor())
    }
}

/// Follows `following` (a run of `handle`'s pipeline) to its outcome as
/// `settings` say, its progress and notes shown by `reporter`, and explains a failed
/// run; `action` is what a failure is reported as, with the run it was
/// following.
pub async fn follow_to_end(
    mut following: Follow,
    handle: &PipelineHandle,
    settings: &FollowSettings,
    mut reporter: Reporter,
    action: Action,
) -> Result<WaitEnd, WaitFailure> {
    let pipeline = handle.pipeline();
    let mut interrupt = Interrupt::listen().await;
    let mut run = action.run().map(RunId::new);
    loop {
        tokio::select! {
            biased;
            () = interrupt.received() => {
                reporter.clear();
                say_interrupted(run, pipeline, &reporter);
                return Ok(WaitEnd::Interrupted { run });
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
    if result.is_err() {
        reporter.note_error();
    }
    let report = result.map_err(|error| {
        let mut failure = Failure::during(action, error);
        if let Some(run) = run {
            failure.message.push_str(&format!(
                "\n  run {} goes on; follow it again with: {}",
                run.get(),
                wait_command(pipeline, run)
            ));
        }
        WaitFailure { failure, run }
    })?;
    let diagnosis = match (&report.outcome, &settings.diagnosis) {
        (Outcome::Failed, Some(options)) => {
            reporter.note(&format!(
                "reading why run {} failed (its failed files and their logs; at most {}, \
                 --diagnosis-timeout; --no-diagnosis skips it)",
                report.run.id.get(),
                humantime::format_duration(options.deadline)
            ));
            // The outcome is known: Ctrl-C now skips only the explanation.
            tokio::select! {
                biased;
                () = interrupt.received() => {
                    reporter.note("Ctrl-C: the explanation is skipped");
                    None
                }
                diagnosis = handle.diagnose(&report.run, options.clone()) => Some(diagnosis),
            }
        }
        _ => None,
    };
    Ok(WaitEnd::Finished(Box::new(FollowedRun { pipeline, report, diagnosis })))
}

/// What Ctrl-C prints on stderr, by `reporter`: the run and how to follow it again.
fn say_interrupted(run: Option<RunId>, pipeline: PipelineId, reporter: &Reporter) {
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
    reporter.end_note(&format!("interrupted: stopped waiting; {what}"));
}
