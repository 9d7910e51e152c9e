//! `apply`: create or update pipelines from definition files.

use crate::args::{ApplyArgs, GlobalArgs};
use crate::commands::definition_file;
use crate::exit::{Exit, Failure};
use crate::output::Output;
use crate::render::definition::{applied_json, applied_line};

/// Reads every file first (a bad one stops everything before any write),
/// plans each against the server, then applies each in order (nothing with
/// `--dry-run`), printing what it did per file, as JSON with `--json`.
pub async fn apply(
    global: &GlobalArgs,
    args: &ApplyArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let organization = crate::commands::organization(global)?;
    let mut definitions = Vec::with_capacity(args.files.len());
    for path in &args.files {
        definitions.push((path.display().to_string(), definition_file::read(path)?));
    }
    let mut plans = Vec::with_capacity(definitions.len());
    for (file, desired) in definitions {
        let plan = organization
            .plan(desired)
            .await
            .map_err(|error| Failure::of_definition(&file, &error))?;
        plans.push((file, plan));
    }
    let mut done = Vec::with_capacity(plans.len());
    for (file, plan) in &plans {
        let applied = if args.dry_run {
            None
        } else {
            let applied = organization.apply(plan).await;
            Some(applied.map_err(|error| Failure::of_definition(file, &error))?)
        };
        if args.json {
            done.push(applied_json(file, plan, applied));
        } else {
            output.line(&applied_line(file, plan, applied));
        }
    }
    if args.json {
        output.print_json(&done)?;
    }
    Ok(Exit::Success)
}
