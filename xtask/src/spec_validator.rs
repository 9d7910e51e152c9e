//! `cargo xtask validate-spec`: the vendor document and the corrected one
//! must both be valid OpenAPI 3.0, as `openapi-spec-validator` judges it.
//!
//! The validator is installed, pinned, into a virtual environment under
//! `target/` the first time.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// The validator, pinned so that a new release cannot change the verdict.
const VALIDATOR: &str = "openapi-spec-validator==0.7.1";

/// The documents checked, relative to the workspace root.
const DOCUMENTS: &[&str] =
    &["openapi/edge-impulse.yaml", "ei-api/openapi/edge-impulse.corrected.json"];

pub fn run() -> Result<()> {
    let root = crate::workspace::root();
    let venv = root.join("target/openapi-spec-validator");
    let validator = venv.join("bin/openapi-spec-validator");
    if !validator.exists() {
        eprintln!("xtask validate-spec: installing {VALIDATOR} into {}", venv.display());
        checked(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv")?;
        checked(
            Command::new(venv.join("bin/pip")).args(["install", "--quiet", VALIDATOR]),
            "pip install",
        )?;
    }
    for document in DOCUMENTS {
        checked(Command::new(&validator).arg(root.join(document)), document)?;
    }
    Ok(())
}

fn checked(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .status()
        .with_context(|| format!("could not start {what} (is Python 3 installed?)"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
