//! `logs`: the logs of a run's steps, on demand: for each step, the jobs of
//! its failed files (or, when none failed, of its first files) and of its
//! upload, read by the SDK's one routine
//! ([`PipelineHandle::step_logs`](ei_api_ext::PipelineHandle::step_logs)).

use std::time::Duration;

use ei_api_ext::diagnose::{LogOptions, StepLogs};
use ei_api_ext::{PipelineId, RunId};
use tokio::time::Instant;

use crate::args::{GlobalArgs, LogsArgs};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;
use crate::render::logs::{step_logs_lines, LogsDocument};
use crate::text;

/// The longest `--timeout` honoured: a day is far past any need, and keeps
/// the deadline's arithmetic clear of overflow.
const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// Prints the logs of `--run` (or the current run, or else the last) of the
/// pipeline: every step's, or `--step`'s. Exits 4 when a list or a log could
/// not be read (what was read is printed all the same).
pub async fn logs(global: &GlobalArgs, args: &LogsArgs, output: &Output) -> Result<Exit, Failure> {
    let pipeline = PipelineId::new(args.pipeline);
    let handle = crate::commands::organization(global)?.pipeline(pipeline);
    let action = Action::Logs { pipeline: args.pipeline, run: args.run };
    let runs = handle.runs().await.map_err(|error| Failure::during(action, error))?;
    let found = match args.run {
        Some(run) => runs.get(RunId::new(run)),
        None => runs.latest(),
    };
    let Some(run) = found else {
        let which = args.run.map_or("has no run".to_owned(), |id| {
            format!("shows no run {id}: neither its current run nor its last")
        });
        return Err(Failure::new(Exit::Refused, format!("pipeline {} {which}", args.pipeline)));
    };
    if let Some(step) = args.step.filter(|step| *step == 0 || *step > run.steps.len()) {
        return Err(Failure::usage(format!(
            "--step {step}: run {} has {}",
            run.id.get(),
            text::count(run.steps.len(), "step")
        )));
    }
    let deadline = Instant::now() + args.timeout.min(MAX_TIMEOUT);
    let mut options = LogOptions::default().files(args.files).lines(args.limit);
    if let Some(level) = args.level {
        options = options.level(level.into());
    }
    let chosen =
        run.steps.iter().filter(|step| args.step.is_none_or(|chosen| chosen == step.number));
    let mut steps: Vec<StepLogs> = Vec::new();
    for step in chosen.filter(|step| step.transformation_job.is_some()) {
        steps.push(handle.step_logs(step, &options, deadline).await);
    }
    let output = output.with_project_keys(run.raw());
    if args.json {
        output.print_json(&LogsDocument { run_id: run.id, steps: &steps })?;
    } else {
        for logs in &steps {
            for line in step_logs_lines(logs, pipeline, run.id, output.redactor()) {
                output.line(&line);
            }
        }
    }
    // What was read is shown either way; a script learns from the code
    // that something could not be.
    if steps.iter().any(|logs| !logs.is_complete()) {
        return Ok(Exit::Unavailable);
    }
    Ok(Exit::Success)
}
