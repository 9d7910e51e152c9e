//! `cargo xtask ci`: every check, in the order that fails fastest.

use anyhow::{bail, Context, Result};
use std::process::Command;

/// The checks, each a cargo invocation run from the workspace root.
const CHECKS: &[&[&str]] = &[
    &["fmt", "--all", "--check"],
    &["xtask", "generate", "--check"],
    &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
    &["test", "--workspace"],
    &["xtask", "conformance"],
];

pub fn run() -> Result<()> {
    let root = crate::workspace::root();
    for args in CHECKS {
        let shown = args.join(" ");
        eprintln!("xtask ci: cargo {shown}");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(*args)
            .current_dir(&root)
            .status()
            .with_context(|| format!("could not start `cargo {shown}`"))?;
        if !status.success() {
            bail!("`cargo {shown}` failed ({status})");
        }
    }
    eprintln!("xtask ci: all checks passed");
    Ok(())
}
