//! `ei-pipeline`: parses the command line, sets up the diagnostic output
//! and dispatches the command.

use clap::Parser;

fn main() -> std::process::ExitCode {
    ei_cli::exit::install_panic_hook();
    let cli = ei_cli::args::Cli::parse();
    let exit = match ei_cli::logging::install(&cli.global) {
        Ok(()) => ei_cli::commands::dispatch(cli),
        Err(failure) => ei_cli::commands::report(Err(failure)),
    };
    exit.into()
}
