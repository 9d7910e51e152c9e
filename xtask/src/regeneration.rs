//! `cargo xtask regeneration`: proof that the workspace regenerates without
//! an edit by hand when the vendor's document grows as vendors' documents
//! do. In a copy of the workspace, the vendor document gains an optional
//! property on the run, a value of the job status enum and an operation;
//! `generate` must name exactly those three, and the copy must then pass
//! `cargo check --workspace --all-targets` (every crate, test, benchmark and
//! example). It shares this workspace's target directory, so only the
//! workspace's own crates are checked again (under their copy's paths, so
//! the workspace's own artifacts are left alone). The copy stays in the
//! target directory, at the same path each time, so that a second run checks
//! only what changed.

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

use crate::checked_in::Mode;
use crate::generate::{self, additions::Addition};
use crate::workspace;

/// The vendor document, relative to a workspace root.
const VENDOR_DOCUMENT: &str = "openapi/edge-impulse.yaml";
/// What the copy leaves out: build output and history.
const NOT_COPIED: &[&str] = &["target", ".git"];

/// The property added to the run, and its Rust field.
const NEW_PROPERTY: (&str, &str) = ("vendorAddedNote", "vendor_added_note");
/// The enum given a value, and the value.
const NEW_ENUM_VALUE: (&str, &str) = ("TransformationJobStatusEnum", "cancelling");
/// The operation added (a copy of the stop operation under another path),
/// and its client method.
const NEW_OPERATION: (&str, &str) =
    ("archiveOrganizationPipeline", "archive_organization_pipeline");
const STOP_PATH: &str = "/api/organizations/{organizationId}/pipelines/{pipelineId}/stop";
const NEW_PATH: &str = "/api/organizations/{organizationId}/pipelines/{pipelineId}/archive";

pub fn run() -> Result<()> {
    let root = workspace::root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    // Always the same place, so that a second run finds its crates checked.
    let copy = target.join("regeneration-workspace");
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(&root, &copy).context("cannot copy the workspace")?;
    let result = prove(&copy, &target);
    if result.is_err() {
        eprintln!("xtask regeneration: the regenerated copy is in {}", copy.display());
    }
    result
}

fn prove(copy: &Path, target: &Path) -> Result<()> {
    let vendor_path = copy.join(VENDOR_DOCUMENT);
    let mut vendor: Value = serde_yaml::from_str(&std::fs::read_to_string(&vendor_path)?)
        .with_context(|| format!("{VENDOR_DOCUMENT} is not valid YAML"))?;
    grow(&mut vendor)?;
    std::fs::write(&vendor_path, serde_yaml::to_string(&vendor)?)?;

    eprintln!("xtask regeneration: generating the copy from a vendor document that grew");
    let added = generate::generate(copy, Mode::Write)?;
    let expected = [
        Addition::Property(format!("OrganizationPipelineRun.{}", NEW_PROPERTY.0)),
        Addition::EnumValue {
            location: NEW_ENUM_VALUE.0.to_owned(),
            value: NEW_ENUM_VALUE.1.to_owned(),
        },
        Addition::Operation {
            id: NEW_OPERATION.0.to_owned(),
            method: "POST".to_owned(),
            path: NEW_PATH.to_owned(),
        },
    ];
    ensure!(
        added == expected,
        "generate printed {added:?} as the additions, expected {expected:?}"
    );
    let client = std::fs::read_to_string(copy.join("ei-api/src/generated/client.rs"))?;
    for generated in [NEW_PROPERTY.1, NEW_OPERATION.1] {
        ensure!(client.contains(generated), "the regenerated client has no `{generated}`");
    }

    let shown = "cargo check --workspace --all-targets --locked";
    eprintln!("xtask regeneration: {shown} in the copy");
    let status = workspace::cargo()
        .current_dir(copy)
        .args(["check", "--workspace", "--all-targets", "--locked"])
        .env("CARGO_TARGET_DIR", target)
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("the regenerated workspace does not build: `{shown}` failed ({status})");
    }
    eprintln!(
        "xtask regeneration: a new optional property, enum value and operation regenerate and \
         build with no edit by hand"
    );
    Ok(())
}

/// Adds to the vendor document what vendors add: an optional property to
/// the run, a value to the job status enum, an operation.
fn grow(vendor: &mut Value) -> Result<()> {
    let schemas = vendor.pointer_mut("/components/schemas").context("no components.schemas")?;
    let run_properties = schemas
        .pointer_mut("/OrganizationPipelineRun/properties")
        .and_then(Value::as_object_mut)
        .context("no OrganizationPipelineRun.properties")?;
    run_properties.insert(
        NEW_PROPERTY.0.to_owned(),
        json!({ "type": "string", "description": "A note the vendor added." }),
    );
    schemas
        .pointer_mut(&format!("/{}/enum", NEW_ENUM_VALUE.0))
        .and_then(Value::as_array_mut)
        .with_context(|| format!("{} has no enum", NEW_ENUM_VALUE.0))?
        .push(json!(NEW_ENUM_VALUE.1));
    let paths = vendor.get_mut("paths").and_then(Value::as_object_mut).context("no paths")?;
    let mut operation = paths.get(STOP_PATH).cloned().context("no stop operation")?;
    operation["post"]["operationId"] = json!(NEW_OPERATION.0);
    operation["post"]["summary"] = json!("Archive a pipeline");
    paths.insert(NEW_PATH.to_owned(), operation);
    Ok(())
}

/// Copies the directory tree at `from` to `to`, but for [`NOT_COPIED`] at its top.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if from == workspace::root() && NOT_COPIED.iter().any(|skipped| name == *skipped) {
            continue;
        }
        let (source, destination) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_tree(&source, &destination)?;
        } else {
            std::fs::copy(&source, &destination)
                .with_context(|| format!("cannot copy {}", source.display()))?;
        }
    }
    Ok(())
}
