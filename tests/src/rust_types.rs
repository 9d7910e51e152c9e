//! Which Rust type stands for each component schema of the document.
//!
//! The list is the only hand-written link between the two, and a test checks
//! it names exactly the document's components, so a component added to the
//! document (or removed) fails until the list follows.

use ei_api::{enums, types, SecretString};
use schemars::gen::{SchemaGenerator, SchemaSettings};
use schemars::schema::Schema;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A Rust type and what the suite needs of it, without naming it.
#[derive(Clone, Copy, Debug)]
pub struct RustType {
    /// The component schema of the document it stands for.
    pub component: &'static str,
    /// Its `schemars` schema name (the name its `$ref`s use).
    pub schema_name: fn() -> String,
    /// Its `schemars` schema, in full (not a `$ref`).
    pub schema: fn(&mut SchemaGenerator) -> Schema,
    /// Decodes JSON bytes into it and re-encodes the result.
    pub decode: fn(&[u8]) -> Result<Value, serde_json::Error>,
}

fn schema_name_of<T: JsonSchema>() -> String {
    T::schema_name()
}

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

fn decode_as<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let decoded: T = serde_json::from_slice(bytes)?;
    Ok(serde_json::to_value(decoded).expect("a decoded value re-encodes"))
}

macro_rules! rust_types {
    ($($component:literal => $rust:ty),* $(,)?) => {
        &[$(RustType {
            component: $component,
            schema_name: schema_name_of::<$rust>,
            schema: schema_of::<$rust>,
            decode: decode_as::<$rust>,
        }),*]
    };
}

/// Every component schema of the corrected document and its Rust type.
pub const RUST_TYPES: &[RustType] = rust_types![
    "CreatedUpdatedByUser" => types::CreatedUpdatedByUser,
    "EntityCreatedResponse" => types::EntityCreatedResponse,
    "GenericApiResponse" => types::GenericApiResponse,
    "GetJobResponse" => types::GetJobResponse,
    "GetOrganizationPipelinesResponse" => types::GetOrganizationPipelinesResponse,
    "Job" => types::Job,
    "JobLogItem" => types::JobLogItem,
    "JobLogItemLogLevel" => enums::JobLogItemLogLevel,
    "ListOrganizationPipelinesResponse" => types::ListOrganizationPipelinesResponse,
    "LogStdoutResponse" => types::LogStdoutResponse,
    "OrganizationCreateProject" => types::OrganizationCreateProject,
    "OrganizationCreateProjectCategory" => enums::OrganizationCreateProjectCategory,
    "OrganizationCreateProjectStatusResponse" => types::OrganizationCreateProjectStatusResponse,
    "OrganizationCreateProjectUploadType" => enums::OrganizationCreateProjectUploadType,
    "OrganizationCreateProjectWithFiles" => types::OrganizationCreateProjectWithFiles,
    "OrganizationDatasetTypeEnum" => enums::OrganizationDatasetTypeEnum,
    "OrganizationPipeline" => types::OrganizationPipeline,
    "OrganizationPipelineFeedingIntoDatasetDatasetType" =>
        enums::OrganizationPipelineFeedingIntoDatasetDatasetType,
    "OrganizationPipelineItemCount" => types::OrganizationPipelineItemCount,
    "OrganizationPipelineRun" => types::OrganizationPipelineRun,
    "OrganizationPipelineRunStep" => types::OrganizationPipelineRunStep,
    "OrganizationPipelineRunStepCategory" => enums::OrganizationPipelineRunStepCategory,
    "OrganizationPipelineRunStepUploadType" => enums::OrganizationPipelineRunStepUploadType,
    "OrganizationPipelineStep" => types::OrganizationPipelineStep,
    "OrganizationPipelineStepCategory" => enums::OrganizationPipelineStepCategory,
    "OrganizationPipelineStepOutputDatasetPathRule" =>
        enums::OrganizationPipelineStepOutputDatasetPathRule,
    "OrganizationPipelineStepUploadType" => enums::OrganizationPipelineStepUploadType,
    "OrganizationPipelineWhenToEmail" => enums::OrganizationPipelineWhenToEmail,
    "OrganizationUpdatePipelineBody" => types::OrganizationUpdatePipelineBody,
    "OrganizationUpdatePipelineBodyWhenToEmail" =>
        enums::OrganizationUpdatePipelineBodyWhenToEmail,
    "RunOrganizationPipelineResponse" => types::RunOrganizationPipelineResponse,
    "SecretString" => SecretString,
    "TransformationJobOperatesOnEnum" => enums::TransformationJobOperatesOnEnum,
    "TransformationJobStatusEnum" => enums::TransformationJobStatusEnum,
];

/// The Rust type of component `name`.
pub fn rust_type_of(component: &str) -> Option<&'static RustType> {
    RUST_TYPES.iter().find(|rust| rust.component == component)
}

/// A generator whose schemas read like OpenAPI 3.0 (`nullable`, references
/// under `#/components/schemas/`), as the document's do.
pub fn openapi_generator() -> SchemaGenerator {
    SchemaSettings::openapi3().into_generator()
}
