//! `stop`: stops a pipeline's current run. A pipeline that is not running
//! has nothing to stop, which is not an error: a CI clean-up step runs
//! `stop` whether or not the run it started is still going.

use ei_api_ext::run::PipelineRuns;
use ei_api_ext::{PipelineHandle, PipelineId, RunId};
use serde_json::json;

use crate::args::{GlobalArgs, StopArgs};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;

/// Stops the pipeline's current run (the API marks it failed). Whether
/// there is one is decided from the pipeline's state, read before the stop
/// and, when the API refuses it, again after: a pipeline not running then
/// exits 0 saying there was nothing to stop (`"stopped": false` with
/// `--json`), whatever words the refusal used; a refusal while a run still
/// goes is exit 3.
pub async fn stop(global: &GlobalArgs, args: &StopArgs, output: &Output) -> Result<Exit, Failure> {
    let handle = crate::commands::organization(global)?.pipeline(PipelineId::new(args.pipeline));
    let action = Action::Stop { pipeline: args.pipeline };
    let Some(run) = current_run(&handle, action).await? else {
        return print(args, None, output);
    };
    match handle.stop().await {
        Ok(()) => print(args, Some(run), output),
        Err(error) if Exit::for_error(&error) == Exit::Refused => {
            // The run may have ended between the read and the stop.
            match current_run(&handle, action).await {
                Ok(None) => print(args, None, output),
                _ => Err(Failure::during(action, error)),
            }
        }
        Err(error) => Err(Failure::during(action, error)),
    }
}

/// The pipeline's current run, as a read of it shows now.
async fn current_run(handle: &PipelineHandle, action: Action) -> Result<Option<RunId>, Failure> {
    let pipeline = handle.get().await.map_err(|error| Failure::during(action, error))?;
    Ok(PipelineRuns::of(&pipeline).current.map(|run| run.id))
}

/// What `stop` prints: the run stopped, or that nothing was running; with
/// `--json`, `{"stopped": bool, "pipelineId", "runId": RUN_ID|null}`.
fn print(args: &StopArgs, stopped: Option<RunId>, output: &Output) -> Result<Exit, Failure> {
    let pipeline = args.pipeline;
    if args.json {
        output.print_json(&json!({
            "stopped": stopped.is_some(),
            "pipelineId": pipeline,
            "runId": stopped,
        }))?;
    } else if let Some(run) = stopped {
        output.line(&format!(
            "stopped the current run of pipeline {pipeline} (run {}); check it with: ei-pipeline \
             status {pipeline}",
            run.get()
        ));
    } else {
        output.line(&format!("pipeline {pipeline} is not running; nothing to stop"));
    }
    Ok(Exit::Success)
}
