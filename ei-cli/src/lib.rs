//! `ei-pipeline`: run, follow, stop and list Edge Impulse organization
//! pipelines from a shell or a CI job.
//!
//! The binary (`src/main.rs`) only parses the command line ([`args`]) and
//! hands it to [`commands::dispatch`]. Everything it prints goes through
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
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
pub mod commands;
pub mod describe;
pub mod exit;
pub mod explain;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod hostile_text;
pub mod interrupt;
pub mod logging;
pub mod outcome;
pub mod output;
pub mod progress;
