//! The commands, and what they share: the runtime, and the connection made
//! from the global options.

pub mod apply;
pub mod completions;
pub mod definition_file;
pub mod delete;
#[cfg(feature = "demo")]
pub mod demo;
pub mod diff;
pub mod export;
pub mod follow;
pub mod list;
pub mod logs;
pub mod reports;
pub mod run;
pub mod status;
pub mod stop;
pub mod wait;

use std::time::Duration;

use ei_api_ext::{Client, OrganizationHandle, OrganizationId, PipelineId, ENV_API_KEY, ENV_JWT};

use crate::args::{Cli, Command, GlobalArgs, JwtTransport, Secret, MAX_PIPELINES};
use crate::exit::{Exit, Failure};
use crate::output::Output;
use crate::settings::ENV_ORGANIZATION_ID;
use crate::text;

/// How long the runtime's shutdown may wait for stray tasks (a DNS lookup,
/// the demo's server) once the command is over.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

/// Runs the command `cli` names and returns how the program should end,
/// having printed the result or the error.
pub fn dispatch(cli: Cli, output: &Output) -> Exit {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            let failure = Failure::internal(format!("could not start the runtime: {error}"));
            return report(Err(failure), output);
        }
    };
    let Cli { global, command } = cli;
    let result = runtime.block_on(async move {
        match command {
            Command::Run(args) => run::run(&global, &args, output).await,
            Command::Wait(args) => wait::wait(&global, &args, output).await,
            Command::Status(args) => status::status(&global, &args, output).await,
            Command::Stop(args) => stop::stop(&global, &args, output).await,
            Command::List(args) => list::list(&global, &args, output).await,
            Command::Logs(args) => logs::logs(&global, &args, output).await,
            Command::Export(args) => export::export(&global, &args, output).await,
            Command::Diff(args) => diff::diff(&global, &args, output).await,
            Command::Apply(args) => apply::apply(&global, &args, output).await,
            Command::Delete(args) => delete::delete(&global, &args, output).await,
            #[cfg(feature = "demo")]
            Command::Demo(args) => demo::demo(&args, output).await,
            Command::Completions(args) => completions::completions(&args, output),
            Command::Man => completions::man(output),
        }
    });
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    report(result, output)
}

/// Prints a failure on stderr; returns the exit either way.
pub fn report(result: Result<Exit, Failure>, output: &Output) -> Exit {
    match result {
        Ok(exit) => exit,
        Err(failure) => {
            output.error_line(&format!("error: {}", failure.message));
            failure.exit
        }
    }
}

/// The pipelines a command names, each once, in the order given: a
/// pipeline named twice is a usage error (its run would be started or
/// followed twice), and so are more than [`MAX_PIPELINES`].
pub fn distinct_pipelines(ids: &[i64]) -> Result<Vec<PipelineId>, Failure> {
    if ids.len() > MAX_PIPELINES {
        return Err(Failure::usage(format!(
            "at most {MAX_PIPELINES} pipelines in one command ({} given): each is followed on \
             a connection of its own; split them over several commands",
            ids.len()
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    if let Some(twice) = ids.iter().find(|id| !seen.insert(**id)) {
        return Err(Failure::usage(format!("pipeline {twice} is named twice")));
    }
    Ok(ids.iter().copied().map(PipelineId::new).collect())
}

/// The organization the command is about, with a client for it, from the
/// global options: exit 2 without a credential (naming `EI_API_KEY` and
/// `EI_JWT`), without an organization, or with a malformed setting.
pub fn organization(global: &GlobalArgs) -> Result<OrganizationHandle, Failure> {
    let present = |secret: &Option<Secret>| {
        secret.clone().filter(|secret| !secret.expose().trim().is_empty())
    };
    let builder = Client::builder()
        .base_url(&global.base_url)
        .allow_insecure_http(global.allow_insecure_http);
    let builder = match (present(&global.api_key), present(&global.jwt)) {
        (Some(key), _) => builder.api_key(key.expose()),
        (None, Some(jwt)) => match global.jwt_transport {
            JwtTransport::Header => builder.jwt_header(jwt.expose()),
            JwtTransport::Cookie => builder.jwt_cookie(jwt.expose()),
        },
        (None, None) => {
            return Err(Failure::usage(format!(
                "no credentials: set {ENV_API_KEY} (or {ENV_JWT}; or pass --api-key KEY; the \
                 environment variables keep secrets out of the process list), or use a profile \
                 that names one (--profile NAME)"
            )))
        }
    };
    let organization = organization_id(global.org.as_deref())?;
    let client = builder.build().map_err(Failure::from)?;
    Ok(client.organization(organization))
}

/// The organization `--org` or `EI_ORGANIZATION_ID` gives; exit 2, naming
/// where a bad one came from, when it is missing or not a 64-bit integer.
fn organization_id(raw: Option<&str>) -> Result<OrganizationId, Failure> {
    let Some(raw) = raw.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return Err(Failure::usage(format!(
            "no organization: set {ENV_ORGANIZATION_ID}, pass --org ID, or use a profile that \
             names one (--profile NAME)"
        )));
    };
    raw.parse().map(OrganizationId::new).map_err(|_| {
        // clap takes --org over the variable: a value that is the variable's
        // came from it, or from both alike.
        let from_variable =
            std::env::var(ENV_ORGANIZATION_ID).is_ok_and(|value| value.trim() == raw);
        let origin = if from_variable { ENV_ORGANIZATION_ID } else { "--org" };
        Failure::usage(format!(
            "invalid organization id `{}` (from {origin}): it must be a whole number",
            text::message(raw)
        ))
    })
}
