//! `demo`: `run --wait` against a fake Studio on a loopback port, so that
//! anyone can see the tool work with no credentials and no network.

use std::time::Duration;

use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};

use crate::args::{FollowArgs, GlobalArgs, JwtTransport, RunArgs, Secret};
use crate::exit::{Exit, Failure};
use crate::logging::LogFormat;
use crate::output::Output;

/// The demo's organization.
pub const ORGANIZATION_ID: i64 = 1;
/// The demo's pipeline.
pub const PIPELINE_ID: i64 = 1;
/// How long the demo waits at most: the sample takes about ten seconds.
const DEMO_TIMEOUT: Duration = Duration::from_secs(60);
/// Which read of the pipeline the fake answers with a 503: the first is the
/// run call's own check and the second the first poll, so the third falls
/// while the first step runs.
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

/// Starts the fake with [`sample_pipeline`] and one transient 503 on a read
/// of the pipeline, then runs it exactly as `run --wait` does (the same
/// code, a client built from options pointing at the fake); ignores the
/// global options.
pub async fn demo(output: &Output) -> Result<Exit, Failure> {
    let studio = FakeStudio::builder().pipeline(sample_pipeline()).start().await;
    studio.inject(Operation::Get, When::Nth(FAULTY_GET), Fault::status(503));
    output.error_line(&format!(
        "demo: a fake Studio at {} runs pipeline {PIPELINE_ID} \"Nightly import\" (3 steps, about \
         10 s); one read of it will fail with HTTP 503, and the retries absorb it",
        studio.base_url()
    ));
    let global = GlobalArgs {
        base_url: studio.base_url().to_owned(),
        api_key: Some(Secret::from(FakeStudio::DEFAULT_API_KEY.to_owned())),
        jwt: None,
        jwt_transport: JwtTransport::Header,
        allow_insecure_http: false,
        org: Some(ORGANIZATION_ID.to_string()),
        // The diagnostic output is set up before any command runs.
        verbose: 0,
        log_format: LogFormat::Text,
    };
    let args = RunArgs {
        pipeline: PIPELINE_ID,
        ignore_last_successful_run: false,
        wait: true,
        follow: FollowArgs { timeout: Some(DEMO_TIMEOUT), stop_on_timeout: true },
        json: false,
    };
    let exit = super::run::run(&global, &args, output).await?;
    let reads = studio.requests().iter().filter(|r| r.operation == Some(Operation::Get)).count();
    if reads >= FAULTY_GET {
        output.error_line(&format!(
            "demo: the fake answered read {FAULTY_GET} of {reads} with HTTP 503; the client \
             retried it and followed the run to its end"
        ));
    }
    if exit == Exit::Success {
        output.error_line("demo: done; point ei-pipeline at Studio with EI_API_KEY and --org");
    }
    Ok(exit)
}
