//! Project automation: `cargo xtask <command>`.
//!
//! - `generate [--check]`: apply `openapi/corrections.yaml` to the vendor
//!   document and regenerate the raw client in `ei-api/src/generated/`.
//! - `public-api [--check]`: list the public API of the published libraries
//!   in `public-api/`.
//! - `validate-spec`: both documents through `openapi-spec-validator`.
//! - `layers`: each crate's modules keep to the layers its docs list.
//! - `regeneration`: a vendor document that grew regenerates and builds.
//! - `conformance`: the conformance suite against Stoplight Prism.
//! - `bench`: run the benchmarks and write `BENCHMARKS.md`.
//! - `ci`: every check CI runs, in order.

mod bench;
mod build_cost;
mod checked_in;
mod ci;
mod conformance;
mod generate;
mod layers;
mod public_api;
mod regeneration;
mod spec_validator;
mod workspace;

use checked_in::Mode;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  generate [--check]   regenerate ei-api from openapi/ (--check: fail if the checked-in code is stale)
  public-api [--check] list the public API of ei-api, ei-api-ext, ei-fake-studio in public-api/
                       (--check: fail, with a diff, if it differs from the checked-in listing)
  validate-spec        check the vendor and corrected documents with openapi-spec-validator
  layers               check that each crate's modules keep to the layers its docs list
  regeneration         in a copy of the workspace, add a property, an enum value and an operation
                       to the vendor document, regenerate, and check that it builds
  conformance          run the conformance suite against Stoplight Prism (needs Node.js)
  bench                run the benchmarks (release) and write BENCHMARKS.md
  bench build          only the build benchmark, its section printed on stdout
  ci                   run every check: fmt, generate --check, validate-spec, layers, clippy,
                       regeneration, public-api --check, doc, tests, publish --dry-run, conformance";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["generate"] => generate::run(Mode::Write),
        ["generate", "--check"] => generate::run(Mode::Check),
        ["conformance"] => conformance::run(),
        ["bench"] => bench::run(),
        ["bench", "build"] => bench::build_only(),
        ["public-api"] => public_api::run(Mode::Write),
        ["public-api", "--check"] => public_api::run(Mode::Check),
        ["validate-spec"] => spec_validator::run(),
        ["layers"] => layers::run(),
        ["regeneration"] => regeneration::run(),
        ["ci"] => ci::run(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
