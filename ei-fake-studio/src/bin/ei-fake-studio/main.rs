//! `ei-fake-studio`: serves the fake Studio with sample pipelines on a port
//! of 127.0.0.1 until stopped, for trying `ei-pipeline` (or any client)
//! without an Edge Impulse account. `ei-fake-studio --help` lists the flags.

mod banner;
mod duration;
mod fault_flag;
mod flags;
mod samples;
mod shutdown;

use banner::Banner;
use ei_fake_studio::FakeStudio;
use flags::{Command, Options};
use shutdown::Shutdown;
use std::process::ExitCode;

/// The exit status for a command line that cannot be followed.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    match flags::parse(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            print!("{}", flags::help());
            ExitCode::SUCCESS
        }
        Ok(Command::Serve(options)) => match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime.block_on(serve(options)),
            Err(error) => fail(&format!("cannot start the async runtime: {error}")),
        },
        Err(error) => {
            eprintln!(
                "ei-fake-studio: {}\nTry `ei-fake-studio --help`.",
                printable(&error.to_string())
            );
            ExitCode::from(USAGE_ERROR)
        }
    }
}

/// Serves until SIGINT or SIGTERM, then stops and exits 0.
async fn serve(options: Options) -> ExitCode {
    // Before anything is printed, so that whoever reads the base URL may stop it at once.
    let shutdown = match Shutdown::listen() {
        Ok(shutdown) => shutdown,
        Err(error) => return fail(&format!("cannot listen for Ctrl-C and SIGTERM: {error}")),
    };
    let samples = samples::samples(options.shape);
    let builder = FakeStudio::builder()
        .port(options.port)
        .api_key(&options.api_key)
        .view_lag(options.view_lag);
    let builder =
        samples.iter().fold(builder, |builder, sample| builder.pipeline(sample.spec.clone()));
    let studio = match builder.try_start().await {
        Ok(studio) => studio,
        Err(error) => {
            return fail(&format!("cannot listen on 127.0.0.1:{}: {error}", options.port))
        }
    };
    for fault in &options.faults {
        studio.inject(fault.operation, fault.when, fault.fault.clone());
    }
    let banner = Banner {
        base_url: studio.base_url(),
        api_key: &options.api_key,
        view_lag: options.view_lag,
        samples: &samples,
        faults: &options.faults,
    };
    print!("{}", banner.render());
    shutdown.requested().await;
    drop(studio);
    eprintln!("ei-fake-studio: stopped");
    ExitCode::SUCCESS
}

/// `text` with its control characters escaped (`\u{1b}`), so that an
/// argument echoed back cannot drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

fn fail(message: &str) -> ExitCode {
    eprintln!("ei-fake-studio: {message}");
    ExitCode::FAILURE
}
