//! `diff`: how definition files differ from the server.

use ei_api_ext::definition::Change;

use crate::args::{DiffArgs, GlobalArgs};
use crate::commands::definition_file;
use crate::exit::{Exit, Failure};
use crate::output::Output;
use crate::render::definition::plan_lines;

/// Prints, per file, what differs from the pipeline on the server, field by
/// field (secrets as set, changed or removed, never their values); exit 0
/// when nothing differs, 1 when something does, as `diff` does.
pub async fn diff(global: &GlobalArgs, args: &DiffArgs, output: &Output) -> Result<Exit, Failure> {
    let organization = crate::commands::organization(global)?;
    let mut differs = false;
    for path in &args.files {
        let file = path.display().to_string();
        let desired = definition_file::read(path)?;
        let plan = organization
            .plan(desired)
            .await
            .map_err(|error| Failure::of_definition(&file, &error))?;
        differs |= !matches!(plan.change, Change::NoChange { .. });
        for line in plan_lines(&file, &plan) {
            output.line(&line);
        }
    }
    Ok(if differs { Exit::Differs } else { Exit::Success })
}
