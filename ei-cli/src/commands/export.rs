//! `export`: pipelines' definitions as YAML files.

use ei_api_ext::definition::PipelineDefinition;
use ei_api_ext::PipelineId;

use crate::args::{ExportArgs, GlobalArgs};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;
use crate::render::definition::{file_name, yaml};

/// Writes each pipeline's definition (`--all`: every pipeline, archived ones
/// too) as YAML: one file per pipeline in `-o DIR`, or one YAML stream on
/// stdout. Secrets become `${NAME}` placeholders; their values are never
/// written.
pub async fn export(
    global: &GlobalArgs,
    args: &ExportArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let organization = crate::commands::organization(global)?;
    let archived =
        organization.archived_pipelines().await.map_err(|e| Failure::during(Action::List, e))?;
    let pipelines = if args.all {
        let mut all =
            organization.pipelines().list().await.map_err(|e| Failure::during(Action::List, e))?;
        all.extend(archived.iter().cloned());
        all
    } else {
        let mut read = Vec::with_capacity(args.pipelines.len());
        for &id in &args.pipelines {
            let handle = organization.pipeline(PipelineId::new(id));
            let action = Action::Status { pipeline: id };
            read.push(handle.get().await.map_err(|error| Failure::during(action, error))?);
        }
        read
    };
    if let Some(directory) = &args.output_dir {
        std::fs::create_dir_all(directory).map_err(|error| {
            Failure::usage(format!("cannot create {}: {error}", directory.display()))
        })?;
    }
    let mut stream = Vec::new();
    for pipeline in &pipelines {
        let is_archived = archived.iter().any(|a| a.id == pipeline.id);
        let definition = PipelineDefinition::from_pipeline(pipeline, is_archived).for_export();
        let text = yaml(&definition).map_err(Failure::internal)?;
        match &args.output_dir {
            Some(directory) => {
                let path = directory.join(file_name(&definition));
                std::fs::write(&path, text).map_err(|error| {
                    Failure::usage(format!("cannot write {}: {error}", path.display()))
                })?;
                output.line(&format!("wrote {}", path.display()));
            }
            None => stream.push(text),
        }
    }
    if !stream.is_empty() {
        output.line(stream.join("---\n").trim_end());
    }
    Ok(Exit::Success)
}
