//! The reports a wait leaves behind for a CI system, whatever its outcome:
//! the JUnit XML file (`--junit FILE`), and on GitHub Actions the job
//! summary and the `::error` annotations (`--github-reports`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::args::{FollowArgs, GithubReports};
use crate::exit::{Exit, Failure};
use crate::output::{append_to_file, write_file_atomically, Output};
use crate::render::github::{error_annotations, job_summary};
use crate::render::junit::junit_report;
use crate::render::outcome::PipelineEnd;
use crate::settings::{ENV_GITHUB_ACTIONS, ENV_GITHUB_STEP_SUMMARY};

/// Where the reports go.
#[derive(Clone, Debug, Default)]
pub struct Reports {
    /// The JUnit XML file, when `--junit` names one.
    pub junit: Option<PathBuf>,
    /// The GitHub Actions reports, when they are on.
    pub github: Option<GithubTarget>,
}

/// Where the GitHub Actions reports go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubTarget {
    /// The job summary file (`$GITHUB_STEP_SUMMARY`), when it is set.
    pub summary: Option<PathBuf>,
    /// Whether `--github-reports always` asked for them (then the summary
    /// file must be set).
    pub required: bool,
}

impl Reports {
    /// The reports `args` ask for, `environment` reading a variable (the
    /// process's: [`std::env::var_os`]).
    pub fn new(args: &FollowArgs, environment: impl Fn(&str) -> Option<OsString>) -> Self {
        let on_github = environment(ENV_GITHUB_ACTIONS).is_some_and(|value| value == "true");
        let github = match args.github_reports {
            GithubReports::Never => None,
            GithubReports::Auto if !on_github => None,
            when => Some(GithubTarget {
                summary: environment(ENV_GITHUB_STEP_SUMMARY)
                    .filter(|path| !path.is_empty())
                    .map(PathBuf::from),
                required: when == GithubReports::Always,
            }),
        };
        Self { junit: args.junit.clone(), github }
    }

    /// A usage error (exit 2), before anything starts, when a report could
    /// not be written where it is asked for: its directory does not exist,
    /// or `--github-reports always` has no job summary file to write.
    pub fn check(&self) -> Result<(), Failure> {
        if let Some(path) = &self.junit {
            directory_exists(path, &format!("--junit {}", path.display()))?;
        }
        if let Some(github) = &self.github {
            match &github.summary {
                Some(path) => directory_exists(path, ENV_GITHUB_STEP_SUMMARY)?,
                None if github.required => {
                    return Err(Failure::usage(format!(
                        "--github-reports always: {ENV_GITHUB_STEP_SUMMARY} is not set, so there \
                         is no job summary file to append to"
                    )));
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Writes the reports of `ends`; `exit` is the outcome's. A report
    /// that could not be written is said on stderr, and a success becomes
    /// exit 2 (the CI job would miss it); another outcome's exit stands.
    pub fn write(&self, ends: &[PipelineEnd], exit: Exit, output: &Output) -> Exit {
        let mut written = Ok(());
        if let Some(path) = &self.junit {
            let result = write_file_atomically(path, &junit_report(ends, output));
            written = written.and(not_written(result, "the JUnit report", path, output));
        }
        if let Some(github) = &self.github {
            for command in error_annotations(ends, output) {
                if !output.workflow_command(&command) {
                    break;
                }
            }
            match &github.summary {
                Some(path) => {
                    let result = append_to_file(path, &job_summary(ends, output));
                    written = written.and(not_written(result, "the job summary", path, output));
                }
                None => output.note_line(&format!(
                    "{ENV_GITHUB_STEP_SUMMARY} is not set: no GitHub job summary is written"
                )),
            }
        }
        match written {
            Err(()) if exit == Exit::Success => Exit::Usage,
            _ => exit,
        }
    }
}

/// A usage error saying `what` when `path`'s directory does not exist.
fn directory_exists(path: &Path, what: &str) -> Result<(), Failure> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if directory.is_dir() {
        Ok(())
    } else {
        Err(Failure::usage(format!("{what}: the directory {} does not exist", directory.display())))
    }
}

/// `result` of writing `what` to `path`, its error said on stderr.
fn not_written(
    result: std::io::Result<()>,
    what: &str,
    path: &Path,
    output: &Output,
) -> Result<(), ()> {
    result.map_err(|error| {
        output.error_line(&format!("error: could not write {what} to {}: {error}", path.display()));
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn reports(flags: &[&str], variables: &[(&str, &str)]) -> Reports {
        #[derive(Parser)]
        struct Command {
            #[command(flatten)]
            follow: FollowArgs,
        }
        let args = Command::parse_from(std::iter::once("test").chain(flags.iter().copied()));
        Reports::new(&args.follow, |name| {
            variables.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).into())
        })
    }

    #[test]
    fn github_reports_are_on_where_github_actions_says_so_unless_turned_off() {
        let summary = Some(PathBuf::from("/tmp/summary.md"));
        let github = [("GITHUB_ACTIONS", "true"), ("GITHUB_STEP_SUMMARY", "/tmp/summary.md")];
        let on = Some(GithubTarget { summary: summary.clone(), required: false });
        assert_eq!(reports(&[], &github).github, on);
        assert_eq!(reports(&[], &github[1..]).github, None, "not on GitHub Actions");
        assert_eq!(reports(&[], &[("GITHUB_ACTIONS", "false")]).github, None);
        assert_eq!(reports(&["--github-reports", "never"], &github).github, None);
        let always = reports(&["--github-reports", "always"], &github[1..]);
        assert_eq!(always.github, Some(GithubTarget { summary, required: true }));
        let unset = reports(&["--github-reports", "always"], &[("GITHUB_STEP_SUMMARY", "")]);
        assert!(unset.check().is_err(), "always needs a summary file");
        let auto = reports(&[], &github[..1]);
        assert_eq!(auto.github, Some(GithubTarget { summary: None, required: false }));
        assert!(auto.check().is_ok(), "annotations only, where the runner sets no file");
    }
}
