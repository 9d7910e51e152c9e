//! `list`: the organization's pipelines.

use ei_api_ext::ProjectId;

use crate::args::{GlobalArgs, ListArgs};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;
use crate::render::run::pipeline_table;

/// Prints the organization's pipelines (only those attached to `--project`,
/// if given): the API's array with `--json`, otherwise a table of id, name
/// and state.
pub async fn list(global: &GlobalArgs, args: &ListArgs, output: &Output) -> Result<Exit, Failure> {
    let mut request = crate::commands::organization(global)?.pipelines();
    if let Some(project) = args.project {
        request = request.project(ProjectId::new(project));
    }
    let pipelines = request.list().await.map_err(|error| Failure::during(Action::List, error))?;
    if args.json {
        output.print_json(&pipelines)?;
    } else {
        for line in pipeline_table(&pipelines) {
            output.line(&line);
        }
    }
    Ok(Exit::Success)
}
