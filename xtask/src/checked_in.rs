//! Files a command generates and keeps in the repository: `--check`
//! regenerates them and compares them with what is checked in.

use anyhow::{Context, Result};
use std::path::Path;

/// Whether to write the generated files or compare them with what is
/// checked in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write the generated files.
    Write,
    /// Compare them with what is checked in, without writing.
    Check,
}

/// The diff lines shown per differing file; enough to see what moved.
const DIFF_LINES_SHOWN: usize = 40;

/// A checked-in file that differs from what was generated.
pub struct Difference {
    /// The file, relative to the workspace root.
    pub path: String,
    /// A unified diff from the checked-in content to the generated one, cut
    /// after [`DIFF_LINES_SHOWN`] lines.
    pub diff: String,
}

/// Writes each `(path relative to root, content)` (`Mode::Write`), or
/// returns those whose checked-in content differs (`Mode::Check`; a missing
/// file counts as empty). Writing returns no difference.
pub fn settle<P: AsRef<str>>(
    root: &Path,
    outputs: &[(P, String)],
    mode: Mode,
) -> Result<Vec<Difference>> {
    let mut differences = Vec::new();
    for (relative, content) in outputs {
        let relative = relative.as_ref();
        let path = root.join(relative);
        match mode {
            Mode::Write => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, content)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Mode::Check => {
                let current = std::fs::read_to_string(&path).unwrap_or_default();
                if current != *content {
                    differences.push(Difference {
                        path: relative.to_owned(),
                        diff: short_diff(&current, content),
                    });
                }
            }
        }
    }
    Ok(differences)
}

fn short_diff(current: &str, expected: &str) -> String {
    let diff = similar::TextDiff::from_lines(current, expected);
    let unified =
        diff.unified_diff().context_radius(2).header("checked in", "generated").to_string();
    let mut lines: Vec<&str> = unified.lines().take(DIFF_LINES_SHOWN + 1).collect();
    if lines.len() > DIFF_LINES_SHOWN {
        lines.truncate(DIFF_LINES_SHOWN);
        lines.push("... (diff truncated)");
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temporary directory, named after
    /// the test so that tests running in parallel do not share it.
    fn scratch(test: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("xtask-checked-in-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn check_reports_a_changed_file_with_its_diff_and_leaves_it_alone() {
        let root = scratch("changed");
        std::fs::write(root.join("listing.txt"), "pub fn a()\n").unwrap();
        let outputs = [("listing.txt", "pub fn a()\npub fn b()\n".to_owned())];

        let differences = settle(&root, &outputs, Mode::Check).unwrap();

        assert_eq!(differences.len(), 1);
        assert_eq!(differences[0].path, "listing.txt");
        assert!(differences[0].diff.contains("\n+pub fn b()"), "{}", differences[0].diff);
        assert_eq!(std::fs::read_to_string(root.join("listing.txt")).unwrap(), "pub fn a()\n");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn check_finds_no_difference_once_written() {
        let root = scratch("written");
        let outputs = [("nested/listing.txt", "pub fn a()\n".to_owned())];

        assert!(settle(&root, &outputs, Mode::Write).unwrap().is_empty());

        assert!(settle(&root, &outputs, Mode::Check).unwrap().is_empty());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn check_counts_a_missing_file_as_empty() {
        let root = scratch("missing");
        let outputs = [("listing.txt", "pub fn a()\n".to_owned())];

        let differences = settle(&root, &outputs, Mode::Check).unwrap();

        assert_eq!(differences.len(), 1);
        assert!(differences[0].diff.contains("\n+pub fn a()"), "{}", differences[0].diff);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_long_diff_is_cut_with_a_note() {
        let generated: String = (0..100).map(|line| format!("pub fn f{line}()\n")).collect();

        let diff = short_diff("", &generated);

        assert_eq!(diff.lines().count(), DIFF_LINES_SHOWN + 1);
        assert!(diff.ends_with("... (diff truncated)"), "{diff}");
    }
}
