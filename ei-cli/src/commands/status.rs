//! `status`: a pipeline, its current run and its last run.

use ei_api_ext::PipelineId;

use crate::args::{GlobalArgs, StatusArgs};
use crate::commands::Connection;
use crate::describe;
use crate::exit::{Action, Exit, Failure};
use crate::output::{to_json, Output};

/// Prints the pipeline: as the API's `pipeline` object with `--json`,
/// otherwise its name, current run (with each step's status and files) and
/// last run with its outcome.
pub async fn status(
    global: &GlobalArgs,
    args: &StatusArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let connection = Connection::from_args(global)?;
    let handle =
        connection.client.pipeline(connection.organization, PipelineId::new(args.pipeline));
    let action = Action::Status { pipeline: args.pipeline };
    let pipeline = handle.get().await.map_err(|error| Failure::during(action, error))?;
    if args.json {
        output.print_json(&to_json(&pipeline)?);
    } else {
        for line in describe::pipeline_status(&pipeline) {
            output.line(&line);
        }
    }
    Ok(Exit::Success)
}
