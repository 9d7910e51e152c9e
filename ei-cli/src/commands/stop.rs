//! `stop`: stops a pipeline's current run.

use ei_api_ext::PipelineId;

use crate::args::{GlobalArgs, StopArgs};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;

/// Stops the pipeline's current run (the API marks it failed). A pipeline
/// that is not running is the API's refusal (exit 3, with its words).
pub async fn stop(global: &GlobalArgs, args: &StopArgs, output: &Output) -> Result<Exit, Failure> {
    let handle = crate::commands::organization(global)?.pipeline(PipelineId::new(args.pipeline));
    let action = Action::Stop { pipeline: args.pipeline };
    handle.stop().await.map_err(|error| Failure::during(action, error))?;
    output.line(&format!(
        "stopped the current run of pipeline {}; check it with: ei-pipeline status {}",
        args.pipeline, args.pipeline
    ));
    Ok(Exit::Success)
}
