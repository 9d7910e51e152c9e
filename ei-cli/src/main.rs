//! `ei-pipeline`: run, follow, stop and list Edge Impulse organization
//! pipelines from a shell or a CI job.
//!
//! `main` parses the command line ([`args`]), makes the [`output`] that
//! masks the credentials given there, sets up the diagnostic output
//! ([`logging`]) and hands the command to [`commands::dispatch`]. The
//! commands call the SDK and only format: every output is built from the
//! SDK's model of a run by [`render`], and printed through [`output`] (JSON
//! documents with secrets redacted, and plain text with the caller's key
//! scrubbed); how a failure or an outcome becomes an exit code is decided in
//! one place, [`exit`].
//!
//! # Layers
//!
//! Each module uses only modules of its own layer or below (`cargo xtask
//! layers` checks it, and that no module imports one that imports it back):
//!
//! 1. `text`, `settings`: text safe to show a person, and the settings read beyond the SDK's
//! 2. `output`: where every line goes, masked and escaped
//! 3. `render`: the run model in words, in JSON and in the CI reports (JUnit, GitHub Actions)
//! 4. `exit`: exit codes, and what a failure says
//! 5. `args`, `logging`, `interrupt`: the command line, diagnostic output, Ctrl-C
//! 6. `commands`: the commands
//!
//! Exit codes are [`exit::Exit`]'s; `--help` lists them.
//!
//! The `demo` command and its fake Studio are the default feature `demo`;
//! `cargo install --no-default-features ei-cli` leaves them out.
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod commands;
mod exit;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod hostile_text;
mod interrupt;
mod logging;
mod output;
mod render;
mod settings;
mod text;

use clap::Parser;

use crate::output::Output;

fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    let logging = logging::Logging::from_args(&cli.global);
    let output = logging.output(Output::new(cli.global.redactor()));
    exit::install_panic_hook(output.clone());
    let exit = match logging.install(&output) {
        Ok(()) => commands::dispatch(cli, &output),
        Err(failure) => commands::report(Err(failure), &output),
    };
    exit.into()
}
