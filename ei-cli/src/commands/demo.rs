//! `demo`: `run --wait` against a fake Studio on a loopback port, so that
//! anyone can see the tool work with no credentials and no network: a
//! pipeline that succeeds although one read fails on the way, then one that
//! fails and explains why.

use std::time::Duration;

use ei_api_ext::{Client, OrganizationId, PipelineId};
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};
use serde::Serialize;

use crate::args::{DemoArgs, FollowArgs, GithubReports};
use crate::commands::follow::{follow_to_end, print_interrupted, FollowSettings, WaitEnd};
use crate::exit::{Action, Exit, Failure};
use crate::output::Output;
use crate::render::outcome::{outcome_lines, FollowedRun, OutcomeDocument};
use crate::render::progress::ProgressDisplay;

/// The demo's organization.
pub const ORGANIZATION_ID: i64 = 1;
/// The pipeline that succeeds.
pub const PIPELINE_ID: i64 = 1;
/// The pipeline that fails in its second step, 3 of its 40 files failing.
pub const FAILING_PIPELINE_ID: i64 = 2;
/// How long the demo waits for each run at most: each takes seconds.
const DEMO_TIMEOUT: Duration = Duration::from_secs(60);
/// Which read of the pipeline the fake answers with a 503: the polls come
/// about a second apart at first, so the third falls while the first step
/// runs.
const FAULTY_GET: usize = 3;

/// The sample pipeline: three steps, about ten seconds in all.
pub fn sample_pipeline() -> PipelineSpec {
    PipelineSpec::new(ORGANIZATION_ID, PIPELINE_ID, "Nightly import")
        .step(StepSpec::new("Fetch from bucket").duration(Duration::from_secs(3)).files(120))
        .step(StepSpec::new("Clean and label").duration(Duration::from_secs(4)).files(120))
        .step(
            StepSpec::new("Import into project")
                .duration(Duration::from_millis(3_000))
                .files(118)
                .project_id(1),
        )
}

/// The failing sample: its second step fails 3 of its 40 files, whose jobs
/// log what real ones do, hostile text and an echoed key included.
pub fn failing_pipeline() -> PipelineSpec {
    PipelineSpec::new(ORGANIZATION_ID, FAILING_PIPELINE_ID, "Label cleanup")
        .step(StepSpec::new("Fetch labels").duration(Duration::from_secs(2)).files(40))
        .step(
            StepSpec::new("Normalise labels")
                .duration(Duration::from_secs(3))
                .files(40)
                .failing_files(3),
        )
}

/// Runs [`sample_pipeline`] (with one transient 503 on a read of it) and
/// then [`failing_pipeline`] against a fake Studio, exactly as `run --wait`
/// does (the same code, a client pointing at the fake); ignores the global
/// options. With `--json`, one document: `{"succeeded": OUTCOME,
/// "failed": OUTCOME}`, each as `run --wait --json` prints it. Exits 0 when
/// both ended as designed.
pub async fn demo(args: &DemoArgs, output: &Output) -> Result<Exit, Failure> {
    let studio = FakeStudio::builder()
        .pipeline(sample_pipeline())
        .pipeline(failing_pipeline())
        .start()
        .await;
    studio.inject(Operation::Get, When::Nth(FAULTY_GET), Fault::status(503));
    output.note_line(&format!(
        "demo: a fake Studio at {} runs pipeline {PIPELINE_ID} \"Nightly import\" (3 steps, about \
         10 s; one read of it will fail with HTTP 503, and the retries absorb it), then pipeline \
         {FAILING_PIPELINE_ID} \"Label cleanup\" (about 5 s; it fails, and explains why)",
        studio.base_url()
    ));
    let client = Client::builder()
        .api_key(FakeStudio::DEFAULT_API_KEY)
        .base_url(studio.base_url())
        .build()
        .map_err(Failure::from)?;
    let Some(succeeded) = run_to_end(&client, PIPELINE_ID, args.json, output).await? else {
        return Ok(Exit::Interrupted);
    };
    let reads = studio.requests().iter().filter(|r| r.operation == Some(Operation::Get)).count();
    if reads >= FAULTY_GET {
        output.note_line(&format!(
            "demo: the fake answered read {FAULTY_GET} of {reads} with HTTP 503; the client \
             retried it and followed the run to its end"
        ));
    }
    let Some(failed) = run_to_end(&client, FAILING_PIPELINE_ID, args.json, output).await? else {
        return Ok(Exit::Interrupted);
    };
    let exits = [&succeeded, &failed].map(|run| Exit::for_outcome(&run.report.outcome));
    // The failed run's logs may echo its project keys.
    let output = output.with_project_keys(failed.report.run.raw());
    if args.json {
        let document = DemoDocument {
            succeeded: OutcomeDocument::of(&succeeded),
            failed: OutcomeDocument::of(&failed),
        };
        output.print_json(&document)?;
    } else {
        for run in [&succeeded, &failed] {
            for line in outcome_lines(run, output.redactor()) {
                output.line(&line);
            }
        }
    }
    if exits != [Exit::Success, Exit::RunFailed] {
        return Ok(if exits[0] == Exit::Success { exits[1] } else { exits[0] });
    }
    output.note_line(
        "demo: done (pipeline 2 failed as designed; a real run that fails exits 1); point \
         ei-pipeline at Studio with EI_API_KEY and --org",
    );
    Ok(Exit::Success)
}

/// What `demo --json` prints: each run's outcome, as `run --wait --json`
/// prints it.
#[derive(Serialize)]
struct DemoDocument<'a> {
    succeeded: OutcomeDocument<'a>,
    failed: OutcomeDocument<'a>,
}

/// Starts `pipeline` and follows it to its end as `run --wait` does, its
/// outcome not printed yet; `None` on Ctrl-C.
async fn run_to_end(
    client: &Client,
    pipeline: i64,
    json: bool,
    output: &Output,
) -> Result<Option<FollowedRun>, Failure> {
    let handle = client.pipeline(OrganizationId::new(ORGANIZATION_ID), PipelineId::new(pipeline));
    let follow_args = FollowArgs {
        timeout: Some(DEMO_TIMEOUT),
        stop_on_timeout: true,
        no_diagnosis: false,
        diagnosis_logs: None,
        diagnosis_lines: None,
        diagnosis_timeout: None,
        junit: None,
        github_reports: GithubReports::Never,
    };
    let settings = FollowSettings::new(json, &follow_args, output);
    let following = handle.run().follow(settings.wait_options(&follow_args));
    let action = Action::Run { pipeline };
    let reporter =
        ProgressDisplay::new(settings.mode, 1).reporter(handle.pipeline(), output.clone());
    Ok(match follow_to_end(following, &handle, &settings, reporter, action).await? {
        WaitEnd::Finished(followed) => Some(*followed),
        WaitEnd::Interrupted { run } => {
            print_interrupted(run, json, output)?;
            None
        }
    })
}
