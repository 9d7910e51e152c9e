//! `run`: starts a run, and with `--wait` follows it to its outcome with
//! live progress. `demo` goes through here too.

use ei_api_ext::{PipelineId, RunId};
use serde_json::json;

use crate::args::{GlobalArgs, RunArgs};
use crate::commands::follow::{follow, FollowSettings};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;
use crate::render::outcome::wait_command;
use crate::text;

/// Starts a run of the pipeline; with `--wait`, follows it to its outcome.
/// A pipeline that is already running is the API's refusal (exit 3), with
/// the hint to follow the run going with `wait`.
pub async fn run(global: &GlobalArgs, args: &RunArgs, output: &Output) -> Result<Exit, Failure> {
    if !args.wait && args.follow.given() {
        return Err(Failure::usage(
            "--timeout, --stop-on-timeout, --no-diagnosis, the --diagnosis-* options, --junit and \
             --github-reports need --wait",
        ));
    }
    let pipeline = PipelineId::new(args.pipeline);
    let handle = crate::commands::organization(global)?.pipeline(pipeline);
    let action = Action::Run { pipeline: args.pipeline };
    let mut request = handle.run();
    if args.ignore_last_successful_run {
        request = request.ignore_last_successful_run(true);
    }
    if !args.wait {
        let run = request.send().await.map_err(|error| Failure::during(action, error))?;
        if args.json {
            output.print_json(&json!({ "pipelineRun": run }))?;
        } else {
            output.line(&format!(
                "started run {} of pipeline {} ({}); follow it with: {}",
                run.id,
                args.pipeline,
                text::count(run.steps.len(), "step"),
                wait_command(pipeline, RunId::new(run.id)),
            ));
        }
        return Ok(Exit::Success);
    }
    let settings = FollowSettings::new(args.json, &args.follow, output);
    settings.reports.check()?;
    let following = request.follow(settings.wait_options(&args.follow));
    follow(following, &handle, &settings, action, output).await
}
