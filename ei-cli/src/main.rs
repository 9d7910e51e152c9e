//! `ei-pipeline`: run, follow, stop and list Edge Impulse organization
//! pipelines from a shell or a CI job.
//!
//! `main` parses the command line ([`args`]), makes the [`output`] that
//! masks the credentials given there, sets up the diagnostic output
//! ([`logging`]) and hands the command to [`commands::dispatch`]. Everything it prints goes through
//! [`output`] (JSON documents with secrets redacted, and plain text with the
//! caller's key scrubbed); how a failure or an outcome becomes an exit code
//! is decided in one place, [`exit`]; live progress is drawn by [`progress`];
//! diagnostic output (`--verbose`, `RUST_LOG`) is set up by [`logging`].
//!
//! Exit codes (see [`exit::Exit`]):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success; with `--wait`, the run succeeded |
//! | 1 | the run failed (a step failed, or the run was stopped) |
//! | 2 | usage or configuration error (bad arguments, no API key, no organization) |
//! | 3 | the API refused the request (400, 401, 403, 404, other 4xx whatever the body, `success: false`) |
//! | 4 | no usable answer, after retries (5xx, 429, lost connection, a redirect, an answer too large or unreadable) |
//! | 5 | `--wait` timed out |
//! | 6 | the run's outcome could not be determined (a lost run answer the pipeline's view could not settle, an unlisted status, the run was replaced or vanished) |
//! | 70 | internal error (a bug in `ei-pipeline`) |
//! | 130 | interrupted (Ctrl-C) while waiting; the run goes on |
//!
//! The `demo` command and its fake Studio are the default feature `demo`;
//! `cargo install --no-default-features ei-cli` leaves them out.
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod commands;
mod describe;
mod exit;
mod explain;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod hostile_text;
mod interrupt;
mod logging;
mod outcome;
mod output;
mod progress;

use clap::Parser;

use crate::output::Output;

fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    let output = Output::new(cli.global.redactor());
    exit::install_panic_hook(output.clone());
    let exit = match logging::install(&cli.global, output.clone()) {
        Ok(output) => commands::dispatch(cli, &output),
        Err(failure) => commands::report(Err(failure), &output),
    };
    exit.into()
}
