//! Text generated from the command line's own definition ([`Cli`]): a
//! shell's completion script (`completions`) and the man page (`man`), so
//! that neither can drift from what the parser accepts.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::exit::{Exit, Failure};
use crate::output::Output;

/// The program's name, as the completion scripts complete it.
const PROGRAM: &str = "ei-pipeline";

/// Prints the completion script for `args`' shell on stdout.
pub fn completions(args: &CompletionsArgs, output: &Output) -> Result<Exit, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), PROGRAM, &mut script);
    output.print_generated(&script);
    Ok(Exit::Success)
}

/// Prints the man page, in roff, on stdout.
pub fn man(output: &Output) -> Result<Exit, Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|error| Failure::internal(format!("could not render the man page: {error}")))?;
    output.print_generated(&page);
    Ok(Exit::Success)
}
