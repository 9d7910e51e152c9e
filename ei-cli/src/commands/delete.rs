//! `delete`: deletes a pipeline.

use ei_api_ext::PipelineId;

use crate::args::{DeleteArgs, GlobalArgs};
use crate::exit::{Exit, Failure};
use crate::output::Output;

/// Deletes the pipeline, only with `--yes`; refused while a run of it is in
/// progress.
pub async fn delete(
    global: &GlobalArgs,
    args: &DeleteArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    if !args.yes {
        return Err(Failure::usage(format!(
            "deleting pipeline {} cannot be undone: add --yes to confirm",
            args.pipeline
        )));
    }
    let handle = crate::commands::organization(global)?.pipeline(PipelineId::new(args.pipeline));
    let file = format!("pipeline {}", args.pipeline);
    handle.delete().await.map_err(|error| Failure::of_definition(&file, &error))?;
    output.line(&format!("deleted pipeline {}", args.pipeline));
    Ok(Exit::Success)
}
