//! `status`: a pipeline, its current run and its last run.

use ei_api_ext::PipelineId;

use crate::args::{GlobalArgs, StatusArgs};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;
use crate::render::run::{pipeline_status, StatusDocument};

/// Prints the pipeline: with `--json`, its runs in the run model's words
/// and the pipeline as the API sent it; otherwise its name, its current and
/// last runs with each step, and why the last one failed when it did.
pub async fn status(
    global: &GlobalArgs,
    args: &StatusArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let handle = crate::commands::organization(global)?.pipeline(PipelineId::new(args.pipeline));
    let action = Action::Status { pipeline: args.pipeline };
    let pipeline = handle.get().await.map_err(|error| Failure::during(action, error))?;
    if args.json {
        output.print_json(&StatusDocument::of(&pipeline))?;
    } else {
        for line in pipeline_status(&pipeline) {
            output.line(&line);
        }
    }
    Ok(Exit::Success)
}
