//! The reports a wait leaves behind for a CI system, whatever its outcome:
//! the JUnit XML file (`--junit FILE`).

use std::path::Path;

use crate::exit::{Exit, Failure};
use crate::output::{write_file_atomically, Output};
use crate::render::junit::junit_report;
use crate::render::outcome::PipelineEnd;

/// Where the reports go.
#[derive(Clone, Debug, Default)]
pub struct Reports {
    /// The JUnit XML file, when `--junit` names one.
    pub junit: Option<std::path::PathBuf>,
}

impl Reports {
    /// A usage error (exit 2), before anything starts, when a report could
    /// not be written where it is asked for: its directory does not exist.
    pub fn check(&self) -> Result<(), Failure> {
        let Some(path) = &self.junit else { return Ok(()) };
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if directory.is_dir() {
            Ok(())
        } else {
            Err(Failure::usage(format!(
                "--junit {}: the directory {} does not exist",
                path.display(),
                directory.display()
            )))
        }
    }

    /// Writes the reports of `ends`; `exit` is the outcome's. A report
    /// that could not be written is said on stderr, and a success becomes
    /// exit 2 (the CI job would miss it); another outcome's exit stands.
    pub fn write(&self, ends: &[PipelineEnd], exit: Exit, output: &Output) -> Exit {
        let Some(path) = &self.junit else { return exit };
        match write_file_atomically(path, &junit_report(ends, output)) {
            Ok(()) => exit,
            Err(error) => {
                output.error_line(&format!(
                    "error: could not write the JUnit report to {}: {error}",
                    path.display()
                ));
                if exit == Exit::Success {
                    Exit::Usage
                } else {
                    exit
                }
            }
        }
    }
}
