//! `wait`: follows a pipeline's run to its outcome, as `run --wait` does,
//! without starting one: after a timeout or a Ctrl-C, or from another shell.

use ei_api_ext::{PipelineId, RunId};

use crate::args::{GlobalArgs, WaitArgs};
use crate::commands::follow::{follow, Shown};
use crate::commands::Connection;
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;

/// Follows `--run`, or else the pipeline's current run, or else its last
/// one (whose outcome is then printed at once), with the same outputs and
/// exit codes as `run --wait`.
pub async fn wait(global: &GlobalArgs, args: &WaitArgs, output: &Output) -> Result<Exit, Failure> {
    let connection = Connection::from_args(global)?;
    let handle =
        connection.client.pipeline(connection.organization, PipelineId::new(args.pipeline));
    let shown = Shown::new(args.pipeline, args.json, &args.follow, output);
    let options = shown.options(&args.follow);
    let run = args.run.map(RunId::new);
    let following = match run {
        Some(run) => handle.follow(run, options),
        None => handle.follow_latest(options),
    };
    let action = Action::Wait { pipeline: args.pipeline, run: args.run };
    follow(following, &handle, shown, run, action, output).await
}
