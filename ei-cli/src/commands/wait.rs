//! `wait`: follows a pipeline's run to its outcome, as `run --wait` does,
//! without starting one: after a timeout or a Ctrl-C, or from another shell.

use ei_api_ext::{PipelineId, RunId};

use crate::args::{GlobalArgs, WaitArgs};
use crate::commands::follow::{follow, FollowSettings};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;

/// Follows `--run`, or else the pipeline's current run, or else its last
/// one (whose outcome is then printed at once), with the same outputs and
/// exit codes as `run --wait`.
pub async fn wait(global: &GlobalArgs, args: &WaitArgs, output: &Output) -> Result<Exit, Failure> {
    let handle = crate::commands::organization(global)?.pipeline(PipelineId::new(args.pipeline));
    let settings = FollowSettings::new(args.json, &args.follow, output);
    settings.reports.check()?;
    let options = settings.wait_options(&args.follow);
    let following = match args.run {
        Some(run) => handle.follow(RunId::new(run), options),
        None => handle.follow_latest(options),
    };
    let action = Action::Wait { pipeline: args.pipeline, run: args.run };
    follow(following, &handle, &settings, action, output).await
}
