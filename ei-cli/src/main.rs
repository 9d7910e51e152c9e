//! `ei-pipeline`: parses the command line and dispatches it.

use clap::Parser;

fn main() -> std::process::ExitCode {
    ei_cli::exit::install_panic_hook();
    let cli = ei_cli::args::Cli::parse();
    ei_cli::commands::dispatch(cli).into()
}
