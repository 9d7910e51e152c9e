//! Where things live in the workspace.

use std::path::PathBuf;

/// The crates `cargo publish` packages.
pub const PUBLISHED: &[&str] = &["ei-api", "ei-api-ext", "ei-fake-studio", "ei-cli"];

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().expect("xtask lives one level below the workspace root").to_path_buf()
}

/// Cargo (the one running xtask, else `cargo` from the `PATH`), run from the
/// workspace root.
pub fn cargo() -> std::process::Command {
    let mut command =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}
