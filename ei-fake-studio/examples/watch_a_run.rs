//! Runs the default pipeline of a fake Studio on the real clock (about ten
//! seconds) and prints each step's progress as the generated client sees it,
//! through an injected gateway error.
//!
//! ```text
//! cargo run -p ei-fake-studio --example watch_a_run
//! ```

use ei_api::types::OrganizationPipelineRun;
use ei_api::{Client, Credentials, RequestContext};
use ei_fake_studio::{FakeStudio, Fault, Operation, When};
use std::time::Duration;

/// How often the example asks for the pipeline: often enough to see the
/// counts grow within a three-second step.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let studio = FakeStudio::start().await;
    println!("fake Studio at {}", studio.base_url());
    let gateway_error = Fault::status(502).body("text/html", "<h1>502 Bad Gateway</h1>");
    studio.inject(Operation::Get, When::Nth(4), gateway_error.retry_after("1"));

    let credentials = Credentials::api_key(FakeStudio::DEFAULT_API_KEY)?;
    let client = Client::new(studio.base_url(), RequestContext::new(credentials));
    let (organization, pipeline) =
        (FakeStudio::DEFAULT_ORGANIZATION_ID, FakeStudio::DEFAULT_PIPELINE_ID);
    let run = client
        .run_organization_pipeline()
        .organization_id(organization)
        .pipeline_id(pipeline)
        .send()
        .await?;
    let run_id = run.pipeline_run.id;
    println!("run {run_id} started");

    loop {
        tokio::time::sleep(POLL_INTERVAL).await;
        let answer = client
            .get_organization_pipeline()
            .organization_id(organization)
            .pipeline_id(pipeline)
            .send()
            .await;
        let pipeline = match answer {
            Ok(answer) => answer.into_inner().pipeline,
            Err(error) => {
                println!("  (this poll failed: {error})");
                continue;
            }
        };
        match (pipeline.current_run, pipeline.last_run) {
            (Some(current), _) => println!("  {}", progress(&current)),
            (None, Some(last)) if last.id == run_id => {
                println!("  {}", progress(&last));
                let finished = last.finished.map(|date| date.to_rfc3339()).unwrap_or_default();
                println!("run {run_id} finished at {finished}");
                return Ok(());
            }
            _ => println!("  (run {run_id} is not shown yet)"),
        }
    }
}

/// One line: each step's job status and finished files.
fn progress(run: &OrganizationPipelineRun) -> String {
    let steps: Vec<String> = run
        .steps
        .iter()
        .filter_map(|step| {
            let job = step.transformation_job.as_ref()?;
            let summary = &job.transformation_summary;
            Some(format!(
                "{}: {} {}/{}",
                step.name, job.status, summary.finished_count, summary.total_file_count
            ))
        })
        .collect();
    steps.join(" | ")
}
