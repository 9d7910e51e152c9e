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
//! 1. `text`, `settings`, `profile`, `paint`: text safe to show a person, the settings read
//!    beyond the SDK's, the named profiles that hold them, and colour for a terminal
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
mod paint;
mod profile;
mod render;
mod settings;
mod text;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use crate::args::{Cli, GlobalArgs, Secret};
use crate::exit::Failure;
use crate::output::Output;

fn main() -> std::process::ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches)
        .unwrap_or_else(|error| error.format(&mut Cli::command()).exit());
    let base_url_given = matches.value_source("base_url") != Some(ValueSource::DefaultValue);
    // Before the output is made: its redactor masks the profile's key too.
    let profile = apply_profile(&mut cli, base_url_given);
    let logging = logging::Logging::from_args(&cli.global);
    let output = Output::new(cli.global.redactor())
        .quiet(cli.global.quiet)
        .colored(output::Colors::choose(cli.global.color));
    let output = logging.output(output);
    exit::install_panic_hook(output.clone());
    let exit = match logging.install(&output).and(profile) {
        Ok(()) => commands::dispatch(cli, &output),
        Err(failure) => commands::report(Err(failure), &output),
    };
    exit.into()
}

/// Fills the global options the command line and the environment left out
/// from the selected profile ([`profile`]); exit 2 when it cannot be used.
/// The demo ignores these options, and so the profile.
fn apply_profile(cli: &mut Cli, base_url_given: bool) -> Result<(), Failure> {
    // Commands that talk to no Studio read no profile: a broken profiles
    // file must not stop a shell's completions or the man page.
    if matches!(cli.command, args::Command::Completions(_) | args::Command::Man) {
        return Ok(());
    }
    #[cfg(feature = "demo")]
    if matches!(cli.command, args::Command::Demo(_)) {
        return Ok(());
    }
    let global: &mut GlobalArgs = &mut cli.global;
    let Some(profile) = profile::select(global.profile.as_deref()).map_err(usage)? else {
        return Ok(());
    };
    let given = profile::Given {
        base_url: base_url_given,
        organization: global.org.as_deref().is_some_and(|org| !org.trim().is_empty()),
        credential: [&global.api_key, &global.jwt]
            .into_iter()
            .flatten()
            .any(|secret| !secret.expose().trim().is_empty()),
    };
    let filled = profile.fill(given, |name| std::env::var_os(name)).map_err(usage)?;
    let secret = |secret: ei_api_ext::SecretString| Secret::from(secret.expose().to_owned());
    if let Some(base_url) = filled.base_url {
        global.base_url = base_url;
    }
    if let Some(organization) = filled.organization_id {
        global.org = Some(organization);
    }
    if let Some(key) = filled.api_key {
        global.api_key = Some(secret(key));
    }
    if let Some(jwt) = filled.jwt {
        global.jwt = Some(secret(jwt));
    }
    Ok(())
}

/// A profile that cannot be used: a usage error (exit 2).
fn usage(error: profile::ProfileError) -> Failure {
    Failure::usage(error.to_string())
}
