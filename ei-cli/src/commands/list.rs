//! `list`: the organization's pipelines.

use ei_api_ext::ProjectId;

use crate::args::{GlobalArgs, ListArgs};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;
use crate::render::run::pipeline_table;

/// Prints the organization's pipelines (only those attached to `--project`,
/// if given; the archived ones with `--archived`): the API's array with
/// `--json`, otherwise a table of id, name and state.
pub async fn list(global: &GlobalArgs, args: &ListArgs, output: &Output) -> Result<Exit, Failure> {
    let organization = crate::commands::organization(global)?;
    let pipelines = if args.archived {
        organization.archived_pipelines().await
    } else {
        let mut request = organization.pipelines();
        if let Some(project) = args.project {
            request = request.project(ProjectId::new(project));
        }
        request.list().await
    };
    let pipelines = pipelines.map_err(|error| Failure::during(Action::List, error))?;
    if args.json {
        output.print_json(&pipelines)?;
    } else {
        for line in pipeline_table(&pipelines) {
            output.line(&line);
        }
    }
    Ok(Exit::Success)
}
