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
    (&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], &[]),
    (&["xtask", "public-api", "--check"], &[]),
    (&["doc", "--workspace", "--no-deps"], &[DENY_DOC_WARNINGS]),
    (&["test", "--workspace"], &[]),
    (PUBLISH_DRY_RUN, &[]),
    (&["xtask", "conformance"], &[]),
];

pub fn run() -> Result<()> {
    for (args, environment) in CHECKS {
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
