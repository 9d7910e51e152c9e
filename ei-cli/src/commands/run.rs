//! `run`: starts a run of each pipeline named, and with `--wait` follows
//! them to their outcomes with live progress. `demo` goes through here too.

use ei_api_ext::{PipelineHandle, PipelineId, RunId};
use serde_json::json;

use crate::args::{GlobalArgs, RunArgs};
use crate::commands::follow::{follow, FollowSettings, PipelineWait};
use crate::exit::{Action, Exit, Failure};
use crate::interrupt::Interrupt;
use crate::output::Output;
use crate::render::outcome::wait_command;
use crate::text;

/// Starts a run of each pipeline; with `--wait`, follows them together to
/// their outcomes. A pipeline that is already running is the API's refusal
/// (exit 3), with the hint to follow the run going with `wait`.
pub async fn run(global: &GlobalArgs, args: &RunArgs, output: &Output) -> Result<Exit, Failure> {
    if !args.wait && args.follow.given() {
        return Err(Failure::usage(
            "--timeout, --stop-on-timeout, --no-diagnosis, the --diagnosis-* options, --junit and \
             --github-reports need --wait",
        ));
    }
    let pipelines = crate::commands::distinct_pipelines(&args.pipelines)?;
    let organization = crate::commands::organization(global)?;
    let handles: Vec<_> = pipelines.iter().map(|&id| organization.pipeline(id)).collect();
    if !args.wait {
        return start(&handles, args, output).await;
    }
    let settings = FollowSettings::new(args.json, &args.follow, output);
    settings.reports.check()?;
    let waits = handles
        .into_iter()
        .map(|handle| {
            let following = request(&handle, args).follow(settings.wait_options(&args.follow));
            let action = Action::Run { pipeline: handle.pipeline().get() };
            PipelineWait { following, handle, action }
        })
        .collect();
    follow(waits, &settings, output).await
}

/// The run call of `handle`'s pipeline, as `args` ask.
fn request(handle: &PipelineHandle, args: &RunArgs) -> ei_api_ext::RunRequest {
    let request = handle.run();
    if args.ignore_last_successful_run {
        request.ignore_last_successful_run(true)
    } else {
        request
    }
}

/// Starts a run of each of `handles`' pipelines, one after the other, and
/// says what started. One pipeline's failure is the command's; with several,
/// each failure is an `error:` line and the exit is the most severe. Ctrl-C
/// starts no more (exit 130), and says which run may have started.
async fn start(
    handles: &[PipelineHandle],
    args: &RunArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    let mut exits = Vec::with_capacity(handles.len());
    let mut documents = Vec::with_capacity(handles.len());
    let mut interrupt = Interrupt::listen().await;
    for (place, handle) in handles.iter().enumerate() {
        let pipeline = handle.pipeline();
        let action = Action::Run { pipeline: pipeline.get() };
        let call = request(handle, args);
        let send = call.send();
        let started = tokio::select! {
            biased;
            () = interrupt.received() => {
                let message = say_interrupted(&handles[place..], output);
                if handles.len() == 1 {
                    return Ok(Exit::Interrupted);
                }
                for (handle, error) in handles[place..].iter().zip(message) {
                    documents.push(json!({ "pipeline": handle.pipeline(), "error": error }));
                }
                exits.push(Exit::Interrupted);
                break;
            }
            started = send => started,
        };
        let run = match started {
            Ok(run) => run,
            Err(error) if handles.len() > 1 => {
                let failure = Failure::during(action, error);
                output.error_line(&format!("error: {}", failure.message));
                documents.push(json!({ "pipeline": pipeline, "error": failure.message }));
                exits.push(failure.exit);
                continue;
            }
            Err(error) => return Err(Failure::during(action, error)),
        };
        if args.json {
            documents.push(json!({ "pipeline": pipeline, "pipelineRun": run }));
        } else {
            output.line(&started_line(pipeline, &run));
        }
        exits.push(Exit::Success);
    }
    if args.json {
        match documents.as_mut_slice() {
            [one] => {
                let run = one["pipelineRun"].take();
                output.print_json(&json!({ "pipelineRun": run }))?;
            }
            _ => output.print_json(&json!({ "pipelines": documents }))?,
        }
    }
    Ok(Exit::most_severe(exits))
}

/// Says on stderr that Ctrl-C stopped the starts before `left`'s: the
/// first one's run may or may not have started, the others' did not; what
/// each of them ended as.
fn say_interrupted(left: &[PipelineHandle], output: &Output) -> Vec<String> {
    left.iter()
        .enumerate()
        .map(|(place, handle)| {
            let pipeline = handle.pipeline().get();
            let message = if place == 0 {
                format!(
                    "interrupted (Ctrl-C): the run of pipeline {pipeline} may or may not have \
                     started; check with: ei-pipeline status {pipeline}"
                )
            } else {
                format!("interrupted (Ctrl-C): the run of pipeline {pipeline} was not started")
            };
            output.note_line(&message);
            message
        })
        .collect()
}

/// `started run 5 of pipeline 9 (3 steps); follow it with: ...`.
fn started_line(pipeline: PipelineId, run: &ei_api_ext::models::OrganizationPipelineRun) -> String {
    format!(
        "started run {} of pipeline {} ({}); follow it with: {}",
        run.id,
        pipeline.get(),
        text::count(run.steps.len(), "step"),
        wait_command(pipeline, RunId::new(run.id)),
    )
}
