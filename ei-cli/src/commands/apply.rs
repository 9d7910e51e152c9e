//! `apply`: create or update pipelines from definition files.

use ei_api_ext::definition::{Change, Plan};

use crate::args::{ApplyArgs, GlobalArgs};
use crate::commands::definition_file;
use crate::exit::{Exit, Failure};
use crate::output::Output;
use crate::render::definition::{applied_json, applied_line};
use crate::text;

/// Reads every file first (a bad one stops everything before any write),
/// plans each against the server (two files for one pipeline stop
/// everything too), then applies each in order (nothing with
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
    one_file_per_pipeline(&plans)?;
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

/// Refuses (exit 2, before any write) two files that are the same
/// pipeline: the same pipeline to update, or two creates of one name.
/// Applied in turn, the second would meet the first's write (refused as
/// changed since the plan after the first was written), or make a second
/// pipeline of the name.
fn one_file_per_pipeline(plans: &[(String, Plan)]) -> Result<(), Failure> {
    for (index, (file, plan)) in plans.iter().enumerate() {
        for (other_file, other) in &plans[..index] {
            let same = match (&plan.change, &other.change) {
                (Change::Create, Change::Create) => plan.desired.name == other.desired.name,
                (Change::Create, _) | (_, Change::Create) => false,
                (
                    Change::Update { pipeline, .. } | Change::NoChange { pipeline },
                    Change::Update { pipeline: theirs, .. } | Change::NoChange { pipeline: theirs },
                ) => pipeline == theirs,
            };
            if same {
                return Err(Failure::usage(format!(
                    "{} and {} define the same pipeline ('{}'); nothing was written: keep one file per pipeline",
                    text::message(other_file),
                    text::message(file),
                    text::name(&plan.desired.name)
                )));
            }
        }
    }
    Ok(())
}
