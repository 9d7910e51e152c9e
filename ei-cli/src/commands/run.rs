//! `run`: starts a run, and with `--wait` follows it to its outcome with
//! live progress. `demo` goes through here too.

use ei_api_ext::PipelineId;
use serde_json::json;

use crate::args::{GlobalArgs, RunArgs};
use crate::commands::follow::{follow, Shown};
use crate::commands::Connection;
use crate::describe;
use crate::exit::{Action, Exit, Failure};
use crate::outcome::wait_command;
use crate::output::{to_json, Output};

/// Starts a run of the pipeline; with `--wait`, follows it to its outcome.
/// A pipeline that is already running is the API's refusal (exit 3), with
/// the hint to follow the run going with `wait`.
pub async fn run(global: &GlobalArgs, args: &RunArgs, output: &Output) -> Result<Exit, Failure> {
    if !args.wait && args.follow.given() {
        return Err(Failure::usage(
            "--timeout, --stop-on-timeout, --no-diagnosis and the --diagnosis-* options need --wait",
        ));
    }
    let connection = Connection::from_args(global)?;
    let handle =
        connection.client.pipeline(connection.organization, PipelineId::new(args.pipeline));
    let action = Action::Run { pipeline: args.pipeline };
    let mut request = handle.run();
    if args.ignore_last_successful_run {
        request = request.ignore_last_successful_run(true);
    }
    if !args.wait {
        let run = request.send().await.map_err(|error| Failure::during(action, error))?;
        if args.json {
            output.print_json(&json!({ "pipelineRun": to_json(&run)? }));
        } else {
            output.line(&format!(
                "started run {} of pipeline {} ({}); follow it with: {}",
                run.id,
                args.pipeline,
                describe::count(run.steps.len(), "step"),
                wait_command(args.pipeline, run.id),
            ));
        }
        return Ok(Exit::Success);
    }
    let shown = Shown::new(args.pipeline, args.json, &args.follow, output);
    let following = request.follow(shown.options(&args.follow));
    follow(following, &handle, shown, None, action, output).await
}
