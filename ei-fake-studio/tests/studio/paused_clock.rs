//! Tokio's paused clock drives the studio: long runs take no real time.

use crate::support::{statuses, Client};
use ei_fake_studio::{FakeStudio, PipelineSpec, StepSpec};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3_600);
/// A poll a minute: 120 polls over real HTTP, well under a second even in a
/// debug build on a busy machine.
const POLL_INTERVAL: Duration = Duration::from_secs(60);

#[tokio::test(start_paused = true)]
async fn a_two_hour_run_takes_under_a_second_of_wall_time() {
    let wall = std::time::Instant::now();
    let pipeline = PipelineSpec::new(1, 1, "Two hours")
        .step(StepSpec::new("Import").duration(HOUR / 2).files(10_000))
        .step(StepSpec::new("Transform").duration(HOUR).files(10_000))
        .step(StepSpec::new("Export").duration(HOUR / 2).files(10_000));
    let studio = FakeStudio::builder().pipeline(pipeline).start().await;
    let client = Client::new(&studio);
    let started = tokio::time::Instant::now();
    let run_id = client.run(1, 1).await.body["pipelineRun"]["id"].clone();

    let mut polls = 0;
    let last_run = loop {
        tokio::time::sleep(POLL_INTERVAL).await;
        polls += 1;
        let pipeline = client.pipeline().await;
        if pipeline.get("currentRun").is_none() {
            break pipeline["lastRun"].clone();
        }
    };

    assert_eq!(last_run["id"], run_id);
    assert_eq!(statuses(&last_run), ["finished", "finished", "finished"]);
    assert_eq!(polls, 2 * HOUR.as_secs() / POLL_INTERVAL.as_secs());
    assert!(started.elapsed() >= 2 * HOUR);
    let created = chrono::DateTime::parse_from_rfc3339(last_run["created"].as_str().unwrap());
    let finished = chrono::DateTime::parse_from_rfc3339(last_run["finished"].as_str().unwrap());
    assert_eq!(finished.unwrap() - created.unwrap(), chrono::Duration::hours(2));
    let wall = wall.elapsed();
    assert!(wall < Duration::from_secs(1), "two hours took {wall:?} of wall time");
}
