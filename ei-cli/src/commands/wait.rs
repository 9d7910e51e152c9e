//! `wait`: follows pipelines' runs to their outcomes, as `run --wait` does,
//! without starting them: after a timeout or a Ctrl-C, or from another shell.

use ei_api_ext::RunId;

use crate::args::{GlobalArgs, WaitArgs};
use crate::commands::follow::{follow, FollowSettings, PipelineWait};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;

/// Follows `--run` of the one pipeline, or else each pipeline's current
/// run, or else its last one (whose outcome is then known at once), with the
/// same outputs and exit codes as `run --wait`.
pub async fn wait(global: &GlobalArgs, args: &WaitArgs, output: &Output) -> Result<Exit, Failure> {
    let pipelines = crate::commands::distinct_pipelines(&args.pipelines)?;
    if args.run.is_some() && pipelines.len() > 1 {
        return Err(Failure::usage("--run names the run of one pipeline: give only one"));
    }
    let organization = crate::commands::organization(global)?;
    let settings = FollowSettings::new(args.json, &args.follow, output);
    settings.reports.check()?;
    let waits = pipelines
        .into_iter()
        .map(|pipeline| {
            let handle = organization.pipeline(pipeline);
            // Each its own: a schedule learns from its run's progress.
            let options = settings.wait_options(&args.follow);
            let following = match args.run {
                Some(run) => handle.follow(RunId::new(run), options),
                None => handle.follow_latest(options),
            };
            let action = Action::Wait { pipeline: pipeline.get(), run: args.run };
            PipelineWait { following, handle, action }
        })
        .collect();
    follow(waits, &settings, output).await
}
