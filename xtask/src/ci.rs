//! `cargo xtask ci`: every check, in the order that fails fastest.

use anyhow::{bail, Context, Result};

/// Warnings in documentation (broken links, bad markup) fail the `doc` check.
const DENY_DOC_WARNINGS: (&str, &str) = ("RUSTDOCFLAGS", "-D warnings");

/// Every published crate packaged as crates.io would take it, then built
/// alone from its package, with the siblings it depends on resolved from
/// their packages rather than from crates.io (cargo 1.90 or later): a file
/// left out of a package, a path dependency without a version, or a feature
/// that only a sibling turned on fails here. `--allow-dirty`: like every
/// other check, it judges the working tree, committed or not.
const PUBLISH_DRY_RUN: &[&str] = &["publish", "--dry-run", "--workspace", "--allow-dirty"];

/// A cargo invocation, run from the workspace root, and the environment
/// variables it needs.
type Check = (&'static [&'static str], &'static [(&'static str, &'static str)]);

/// The checks, in the order that fails fastest.
const CHECKS: &[Check] = &[
    (&["fmt", "--all", "--check"], &[]),
    (&["xtask", "generate", "--check"], &[]),
    (&["xtask", "validate-spec"], &[]),
    (&["xtask", "layers"], &[]),
    (&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[]),
    // After clippy, which leaves every dependency checked in the shared target directory.
    (&["xtask", "regeneration"], &[]),
    (&["xtask", "public-api", "--check"], &[]),
    (&["doc", "--workspace", "--no-deps"], &[DENY_DOC_WARNINGS]),
    (&["test", "--workspace"], &[]),
    (PUBLISH_DRY_RUN, &[]),
    (&["xtask", "conformance"], &[]),
];

pub fn run() -> Result<()> {
    for (args, environment) in CHECKS {
        if *args == PUBLISH_DRY_RUN {
            forget_extracted_packages()?;
        }
        let shown = args.join(" ");
        eprintln!("xtask ci: cargo {shown}");
        let status = crate::workspace::cargo()
            .args(*args)
            .envs(environment.iter().copied())
            .status()
            .with_context(|| format!("could not start `cargo {shown}`"))?;
        if !status.success() {
            bail!("`cargo {shown}` failed ({status})");
        }
    }
    eprintln!("xtask ci: all checks passed");
    Ok(())
}

/// Removes what an earlier `publish --dry-run` unpacked of this workspace's
/// packages into cargo's registry sources. Cargo unpacks each package of its
/// local overlay registry there, into a folder named by the overlay's path
/// (the same for every run from the same checkout), and reuses a folder it
/// finds, so a later dry run verified `ei-cli` against the `ei-api-ext` of an
/// earlier one. Only folders without a downloaded `.crate` beside them in
/// the registry cache are removed: those came from an overlay, not crates.io.
fn forget_extracted_packages() -> Result<()> {
    let cargo_home = match std::env::var_os("CARGO_HOME") {
        Some(home) => std::path::PathBuf::from(home),
        None => match std::env::var_os("HOME") {
            Some(home) => std::path::PathBuf::from(home).join(".cargo"),
            None => return Ok(()),
        },
    };
    let sources = cargo_home.join("registry").join("src");
    let Ok(registries) = std::fs::read_dir(&sources) else { return Ok(()) };
    for registry in registries.flatten() {
        let cache = cargo_home.join("registry").join("cache").join(registry.file_name());
        let Ok(packages) = std::fs::read_dir(registry.path()) else { continue };
        for package in packages.flatten() {
            let name = package.file_name().to_string_lossy().into_owned();
            let ours = crate::workspace::PUBLISHED.iter().any(|krate| {
                name.strip_prefix(krate)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
            });
            if ours && !cache.join(format!("{name}.crate")).exists() {
                std::fs::remove_dir_all(package.path())
                    .with_context(|| format!("could not remove {}", package.path().display()))?;
            }
        }
    }
    Ok(())
}
