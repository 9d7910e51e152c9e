//! `cargo xtask public-api [--check]`: the public API of each published
//! library, as `cargo-public-api` lists it, kept in `public-api/<crate>.txt`
//! so that a change to it shows in review and `--check` fails on it.
//!
//! `cargo-public-api` reads rustdoc's JSON output, which only nightly rustdoc
//! emits unless `RUSTC_BOOTSTRAP=1` unlocks it on stable; this command sets
//! it for its own build. The tool is installed, pinned, under `target/` the
//! first time, and only reads the JSON built here (`--rustdoc-json`): it
//! never looks for a nightly toolchain.

use anyhow::{bail, ensure, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::checked_in::{self, Mode};

/// The tool that lists a crate's public API from its rustdoc JSON.
const TOOL: &str = "cargo-public-api";
/// Pinned: each release of [`TOOL`] reads one rustdoc JSON format.
const TOOL_VERSION: &str = "0.52.0";

/// The rustdoc JSON format [`TOOL_VERSION`] reads (its `rustdoc-types`
/// 0.57.3); rustc 1.95's rustdoc writes it. The tool does not check the
/// format itself, so a newer one could be misread rather than refused.
const FORMAT_VERSION: u64 = 57;

/// `cargo install` builds the tool without optimizations and without debug
/// information: that took 57 s of CPU time against 3 min 18 s for a release
/// build (1 min 28 s with debug information), measured here on 2 shared cores, and
/// listing a crate still takes under a second.
const INSTALL_PROFILE: &str = "--debug";
/// Set for `cargo install`: no debug information, as [`INSTALL_PROFILE`] says.
const NO_DEBUG_INFORMATION: (&str, &str) = ("CARGO_PROFILE_DEV_DEBUG", "0");

/// Where the tool is installed, relative to the workspace root.
const TOOL_ROOT: &str = "target/cargo-public-api";

/// The target directory of the rustdoc JSON build, relative to the workspace
/// root. Not `target/` itself: cargo fingerprints `RUSTC_BOOTSTRAP`, so
/// sharing it would rebuild every dependency here and again in the next
/// `cargo clippy`, `doc` or `test`.
const JSON_TARGET: &str = "target/public-api";

/// The published crate that has no listing: it is the `ei-pipeline` binary
/// only, and its interface is the command line (pinned by the help
/// snapshots in `ei-cli/tests/cli/snapshots`).
const BINARY_ONLY: &str = "ei-cli";

/// The published libraries, whose API is listed.
fn libraries() -> impl Iterator<Item = &'static str> {
    crate::workspace::PUBLISHED.iter().copied().filter(|krate| *krate != BINARY_ONLY)
}

/// Where the listings are, relative to the workspace root.
const LISTINGS: &str = "public-api";

/// Left out of the listings: blanket impls (`From<T> for T`, `Into`, `Any`,
/// `Borrow`, ... for every type) follow from the other lines and would
/// nearly double the listing (4,945 lines against 2,562 for `ei-api`). Auto traits (`Send`, `Sync`, `Unpin`, ...) stay:
/// losing one breaks callers.
const OMIT: &str = "blanket-impls";

/// The only field read from rustdoc's JSON here; the tool reads the rest.
#[derive(Deserialize)]
struct RustdocJson {
    format_version: u64,
}

/// Writes the listings (`Mode::Write`), or fails with a diff when the
/// checked-in ones differ from the API built now (`Mode::Check`).
pub fn run(mode: Mode) -> Result<()> {
    let root = crate::workspace::root();
    let tool = install(&root)?;
    build_json(&root)?;
    let mut outputs = Vec::new();
    for krate in libraries() {
        let json = json_path(&root, krate);
        check_format(&json)?;
        outputs.push((format!("{LISTINGS}/{krate}.txt"), list(&root, &tool, &json)?));
    }

    let differences = checked_in::settle(&root, &outputs, mode)?;
    for difference in &differences {
        eprintln!(
            "{} differs from the public API built now:\n{}",
            difference.path, difference.diff
        );
    }
    if !differences.is_empty() {
        let paths: Vec<&str> = differences.iter().map(|d| d.path.as_str()).collect();
        bail!(
            "the public API changed ({}); if that is intended, run `cargo xtask public-api` and \
             commit {LISTINGS}/",
            paths.join(", ")
        );
    }
    match mode {
        Mode::Write => {
            let paths: Vec<&str> = outputs.iter().map(|(path, _)| path.as_str()).collect();
            eprintln!("wrote {}", paths.join(", "));
        }
        // One line when nothing changed: CI output shows what changed, not what did not.
        Mode::Check => eprintln!(
            "xtask public-api: the public API of {} matches {LISTINGS}/ ({TOOL} {TOOL_VERSION})",
            libraries().collect::<Vec<_>>().join(", ")
        ),
    }
    Ok(())
}

/// The tool's executable, installed first unless this version is there.
fn install(root: &Path) -> Result<PathBuf> {
    let tool_root = root.join(TOOL_ROOT);
    let tool = tool_root.join("bin").join(TOOL);
    let wanted = format!("{TOOL} {TOOL_VERSION}");
    let installed = Command::new(&tool).arg("--version").output().ok().and_then(|output| {
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    });
    if installed.as_deref() == Some(wanted.as_str()) {
        return Ok(tool);
    }
    eprintln!("xtask public-api: installing {wanted} into {TOOL_ROOT} (a few minutes, once)");
    let status = crate::workspace::cargo()
        .args(["install", "--quiet", "--locked", INSTALL_PROFILE, "--force", "--root"])
        .arg(&tool_root)
        .args([TOOL, "--version", TOOL_VERSION])
        .env(NO_DEBUG_INFORMATION.0, NO_DEBUG_INFORMATION.1)
        .status()
        .context("could not start `cargo install`")?;
    ensure!(status.success(), "`cargo install {TOOL}` failed ({status})");
    Ok(tool)
}

/// Builds the rustdoc JSON of every crate of [`libraries`], in [`JSON_TARGET`].
fn build_json(root: &Path) -> Result<()> {
    let mut command = crate::workspace::cargo();
    command.args(["doc", "--quiet", "--no-deps", "--lib"]);
    for krate in libraries() {
        command.args(["--package", krate]);
    }
    let status = command
        .env("CARGO_TARGET_DIR", root.join(JSON_TARGET))
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTDOCFLAGS", "-Z unstable-options --output-format json")
        // It would take precedence over RUSTDOCFLAGS.
        .env_remove("CARGO_ENCODED_RUSTDOCFLAGS")
        .status()
        .context("could not start `cargo doc`")?;
    ensure!(status.success(), "building the rustdoc JSON with `cargo doc` failed ({status})");
    Ok(())
}

fn json_path(root: &Path, krate: &str) -> PathBuf {
    root.join(JSON_TARGET).join("doc").join(format!("{}.json", krate.replace('-', "_")))
}

/// Fails, naming what to update, when rustdoc wrote a format the tool does
/// not read.
fn check_format(json: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(json).with_context(|| format!("cannot read {}", json.display()))?;
    let found: RustdocJson = serde_json::from_str(&text)
        .with_context(|| format!("{} is not rustdoc JSON", json.display()))?;
    if found.format_version != FORMAT_VERSION {
        bail!(
            "{} is rustdoc JSON format {}, but {TOOL} {TOOL_VERSION} reads format {FORMAT_VERSION} \
             (rustc 1.95's): set TOOL_VERSION and FORMAT_VERSION in xtask/src/public_api.rs to the \
             {TOOL} release that reads format {} (see the compatibility table in its README)",
            json.display(),
            found.format_version,
            found.format_version
        );
    }
    Ok(())
}

/// The tool's listing of the crate whose rustdoc JSON is `json`.
fn list(root: &Path, tool: &Path, json: &Path) -> Result<String> {
    let output = Command::new(tool)
        .arg("--rustdoc-json")
        .arg(json)
        .args(["--omit", OMIT, "--color", "never"])
        .current_dir(root)
        .output()
        .with_context(|| format!("could not start {}", tool.display()))?;
    if !output.status.success() {
        bail!(
            "{TOOL} failed on {} ({}):\n{}",
            json.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout).with_context(|| format!("{TOOL} wrote invalid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_format_of(test: &str, json: &str) -> Result<()> {
        let path = std::env::temp_dir()
            .join(format!("xtask-public-api-{}-{test}.json", std::process::id()));
        std::fs::write(&path, json).unwrap();
        let result = check_format(&path);
        std::fs::remove_file(&path).unwrap();
        result
    }

    #[test]
    fn the_format_the_tool_reads_passes() {
        let json = format!(r#"{{"root": 0, "index": {{}}, "format_version": {FORMAT_VERSION}}}"#);

        check_format_of("same", &json).unwrap();
    }

    #[test]
    fn another_format_is_refused_naming_what_to_update() {
        let json = format!(r#"{{"format_version": {}}}"#, FORMAT_VERSION + 1);

        let error = check_format_of("newer", &json).unwrap_err().to_string();

        assert!(error.contains(&format!("format {}", FORMAT_VERSION + 1)), "{error}");
        assert!(error.contains("TOOL_VERSION and FORMAT_VERSION in xtask/src/public_api.rs"));
    }

    #[test]
    fn a_file_that_is_not_rustdoc_json_is_refused() {
        let error = check_format_of("not-json", "<html>").unwrap_err().to_string();

        assert!(error.contains("is not rustdoc JSON"), "{error}");
    }
}
