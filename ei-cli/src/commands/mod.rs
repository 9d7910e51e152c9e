//! The commands, and what they share: the runtime, and the connection made
//! from the global options.

pub mod demo;
pub mod list;
pub mod run;
pub mod status;
pub mod stop;

use std::time::Duration;

use ei_api_ext::{Client, OrganizationId};

use crate::args::{ApiKey, Cli, Command, GlobalArgs};
use crate::exit::{Exit, Failure};
use crate::output;

/// How long the runtime's shutdown may wait for stray tasks (a DNS lookup,
/// the demo's server) once the command is over.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

/// Runs the command `cli` names and returns how the program should end,
/// having printed the result or the error.
pub fn dispatch(cli: Cli) -> Exit {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            return report(Err(Failure::internal(format!("could not start the runtime: {error}"))))
        }
    };
    let Cli { global, command } = cli;
    let result = runtime.block_on(async move {
        match command {
            Command::Run(args) => run::run(&global, &args).await,
            Command::Status(args) => status::status(&global, &args).await,
            Command::Stop(args) => stop::stop(&global, &args).await,
            Command::List(args) => list::list(&global, &args).await,
            Command::Demo => demo::demo().await,
        }
    });
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    report(result)
}

/// Prints a failure on stderr; returns the exit either way.
fn report(result: Result<Exit, Failure>) -> Exit {
    match result {
        Ok(exit) => exit,
        Err(failure) => {
            output::error_line(&format!("error: {}", failure.message));
            failure.exit
        }
    }
}

/// A client and the organization the command is about, from the global options.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The client.
    pub client: Client,
    /// The organization.
    pub organization: OrganizationId,
}

impl Connection {
    /// Checks the global options and builds the client: exit 2 without an
    /// API key (naming `EI_API_KEY`), without an organization, or with a
    /// malformed setting.
    pub fn from_args(global: &GlobalArgs) -> Result<Self, Failure> {
        let key =
            match &global.api_key {
                Some(key) if !key.expose().trim().is_empty() => key,
                _ => return Err(Failure::usage(
                    "no API key: set EI_API_KEY (or pass --api-key KEY; the environment variable \
                     keeps the key out of the process list)",
                )),
            };
        output::register_secret(key.expose());
        let Some(organization) = global.org else {
            return Err(Failure::usage("no organization: set EI_ORGANIZATION_ID or pass --org ID"));
        };
        let client = build_client(&global.base_url, key)?;
        Ok(Self { client, organization: OrganizationId::new(organization) })
    }
}

/// A client for `base_url` with `key`; configuration errors exit 2 and name
/// the option and variable the setting comes from.
fn build_client(base_url: &str, key: &ApiKey) -> Result<Client, Failure> {
    Client::builder().api_key(key.expose()).base_url(base_url).build().map_err(|error| {
        let origin = match error.setting {
            "API key" => " (--api-key or EI_API_KEY)",
            "base URL" => " (--base-url or EI_API_ENDPOINT)",
            _ => "",
        };
        Failure::usage(format!("invalid {}{origin}: {}", error.setting, error.problem))
    })
}
