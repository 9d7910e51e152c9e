//! `list`: the organization's pipelines.

use ei_api_ext::ProjectId;

use crate::args::{GlobalArgs, ListArgs};
use crate::commands::Connection;
use crate::describe;
use crate::exit::{Action, Exit, Failure};
use crate::output::{to_json, Output};

/// Prints the organization's pipelines (only those attached to `--project`,
/// if given): the API's array with `--json`, otherwise a table of id, name
/// and state.
pub async fn list(global: &GlobalArgs, args: &ListArgs, output: &Output) -> Result<Exit, Failure> {
    let connection = Connection::from_args(global)?;
    let mut request = connection.client.organization(connection.organization).pipelines();
    if let Some(project) = args.project {
        request = request.project(ProjectId::new(project));
    }
    let pipelines = request.list().await.map_err(|error| Failure::during(Action::List, error))?;
    if args.json {
        output.print_json(&to_json(&pipelines)?);
    } else {
        for line in describe::pipeline_table(&pipelines) {
            output.line(&line);
        }
    }
    Ok(Exit::Success)
}
