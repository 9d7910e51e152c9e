//! `ei-pipeline`: parses the command line, sets up the output (what it
//! masks) and the diagnostic output, and dispatches the command.

use clap::Parser;
use ei_cli::output::Output;

fn main() -> std::process::ExitCode {
    let cli = ei_cli::args::Cli::parse();
    let output = Output::new(cli.global.redactor());
    ei_cli::exit::install_panic_hook(output.clone());
    let exit = match ei_cli::logging::install(&cli.global, output.clone()) {
        Ok(output) => ei_cli::commands::dispatch(cli, &output),
        Err(failure) => ei_cli::commands::report(Err(failure), &output),
    };
    exit.into()
}
