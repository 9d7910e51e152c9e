//! Why did it fail: a failed run's failed files and their jobs' last
//! lines, bounded in every way, through the same retry engine.

mod common;

use std::time::Duration;

use common::*;
use ei_api_ext::diagnose::{DiagnosisOptions, LogLevel, StepLogs};
use ei_api_ext::enums::JobLogItemLogLevel;
use ei_api_ext::run::{Run, StepState};
use ei_api_ext::wait::{Outcome, WaitOptions};
use ei_api_ext::PipelineHandle;
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};

const HOUR: Duration = Duration::from_secs(3600);

/// A studio whose pipeline 9 fails at its second step, `step`.
async fn failing_studio(step: StepSpec) -> FakeStudio {
    FakeStudio::builder()
        .api_key(KEY)
        .pipeline(
            PipelineSpec::new(ORG.get(), PIPELINE.get(), "Breaks")
                .step(StepSpec::new("Fetch").duration(Duration::from_secs(5)).files(10))
                .step(step.duration(Duration::from_secs(20))),
        )
        .start()
        .await
}

/// Runs pipeline 9 to its failure; the failed run.
async fn failed_run(handle: &PipelineHandle) -> Run {
    let report = handle.run().follow(WaitOptions::timeout(HOUR)).await.unwrap();
    assert_eq!(report.outcome, Outcome::Failed, "{report:?}");
    report.run
}

/// A step's failed and total files, as its counts say.
fn failed_of(step: &StepLogs) -> (i64, i64) {
    let files = step.step.files.expect("counts");
    (files.failed, files.total)
}

fn requests_of(studio: &FakeStudio, operation: Operation) -> usize {
    studio.requests().iter().filter(|request| request.operation == Some(operation)).count()
}

#[tokio::test(start_paused = true)]
async fn a_failed_step_explains_itself_with_its_files_and_their_error_lines() {
    let hostile = format!("\u{1b}[31mboom\r {}", StepSpec::ECHOED_API_KEY);
    let log = [(None, "loading".to_owned()), (Some(JobLogItemLogLevel::Error), hostile.clone())];
    let step = StepSpec::new("Clean").files(40).failing_files(5).failure_log(log);
    let studio = failing_studio(step).await;
    let handle = pipeline(&studio, PIPELINE);
    let run = failed_run(&handle).await;
    let diagnosis = handle.diagnose(&run, DiagnosisOptions::default()).await;
    assert_eq!(diagnosis.steps.len(), 1);
    let step = &diagnosis.steps[0];
    assert_eq!((step.step.number, step.step.name.as_str()), (2, "Clean"));
    assert_eq!(step.step.state, StepState::Failed);
    assert_eq!(failed_of(step), (5, 40));
    assert_eq!(step.selected_files, 5, "the listing agrees with the counts");
    assert_eq!(step.files.len(), 5);
    assert!(step.missing.is_empty(), "{:?}", step.missing);
    let logged: Vec<_> = step.files.iter().filter(|file| file.log.is_some()).collect();
    assert_eq!(logged.len(), 3, "the default reads three logs");
    for file in logged {
        let log = file.log.as_ref().unwrap();
        assert!(log.level == Some(LogLevel::Error) && !log.lines.is_empty(), "{log:?}");
        assert!(log.lines.len() <= 20);
    }
    // The text is as the server sent it: its escapes and its secrets intact.
    let lines = &step.files[0].log.as_ref().unwrap().lines;
    assert_eq!(lines.last().map(|line| &line.text), Some(&hostile), "{lines:?}");
    assert!(step.upload.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_failed_upload_explains_itself_with_the_uploads_log() {
    let studio = failing_studio(StepSpec::new("Import").files(8).upload_fails()).await;
    let handle = pipeline(&studio, PIPELINE);
    let run = failed_run(&handle).await;
    let diagnosis = handle.diagnose(&run, DiagnosisOptions::default()).await;
    let step = &diagnosis.steps[0];
    assert_eq!(failed_of(step).0, 0, "every file was transformed");
    assert!(step.step.upload_failed);
    let upload = step.upload.as_ref().expect("the upload's log");
    assert!(!upload.lines.is_empty());
}

#[tokio::test(start_paused = true)]
async fn thousands_of_failed_files_cost_a_bounded_diagnosis() {
    let studio = failing_studio(StepSpec::new("Clean").files(5_000).failing_files(4_000)).await;
    let handle = pipeline(&studio, PIPELINE);
    let run = failed_run(&handle).await;
    let before = studio.requests().len();
    let options = DiagnosisOptions::default().files(7).logs(2).lines(5);
    let diagnosis = handle.diagnose(&run, options).await;
    let step = &diagnosis.steps[0];
    assert_eq!(failed_of(step).0, 4_000);
    assert_eq!(step.selected_files, 4_000);
    assert_eq!(step.files.len(), 7);
    let read_logs: Vec<_> = step.files.iter().filter_map(|file| file.log.as_ref()).collect();
    assert_eq!(read_logs.len(), 2);
    assert!(read_logs.iter().all(|log| log.lines.len() <= 5));
    // One page of files, and one or two reads per log (errors, then all).
    let requests = studio.requests().len() - before;
    assert!(requests <= 1 + 2 * 2, "{requests} requests");
}

#[tokio::test(start_paused = true)]
async fn logs_that_cannot_be_read_are_said_missing_and_the_rest_stands() {
    let studio = failing_studio(StepSpec::new("Clean").files(10).failing_files(2)).await;
    let handle = pipeline(&studio, PIPELINE);
    let run = failed_run(&handle).await;
    studio.inject(Operation::JobLogs, When::Always, Fault::status(404));
    let diagnosis = handle.diagnose(&run, DiagnosisOptions::default()).await;
    let step = &diagnosis.steps[0];
    assert_eq!(step.files.len(), 2, "the files are still listed");
    assert!(step.files.iter().all(|file| file.log.is_none()));
    assert_eq!(step.missing.len(), 2, "{:?}", step.missing);
    assert!(step.missing[0].contains("not found"), "{:?}", step.missing);

    studio.inject(Operation::TransformationJobStatus, When::Always, Fault::status(500));
    let diagnosis = handle.diagnose(&run, DiagnosisOptions::default()).await;
    assert!(diagnosis.steps[0].missing[0].contains("the list of files"), "{diagnosis:?}");
}

#[tokio::test(start_paused = true)]
async fn the_diagnosis_never_outlasts_its_deadline() {
    let studio = failing_studio(StepSpec::new("Clean").files(10).failing_files(2)).await;
    let handle = pipeline(&studio, PIPELINE);
    let run = failed_run(&handle).await;
    studio.inject(Operation::JobLogs, When::Always, Fault::delay(HOUR));
    let started = tokio::time::Instant::now();
    let options = DiagnosisOptions::default().deadline(Duration::from_secs(8));
    let diagnosis = handle.diagnose(&run, options).await;
    assert!(started.elapsed() <= Duration::from_secs(8), "{:?}", started.elapsed());
    assert_eq!(diagnosis.steps[0].files.len(), 2, "what was read in time stays");
    assert!(!diagnosis.steps[0].missing.is_empty());
    assert_eq!(requests_of(&studio, Operation::TransformationJobStatus), 1);
}
