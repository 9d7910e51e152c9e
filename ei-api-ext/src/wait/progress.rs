//! Progress events: what changed in a run between two polls, each event
//! once and in order.

use std::sync::{Arc, Mutex, PoisonError};

use ei_api::enums::TransformationJobStatusEnum as JobStatus;
use ei_api::types::{OrganizationCreateProject, OrganizationPipelineRun};

use crate::ids::RunId;
use crate::redact::Redactor;
use crate::wait::follow::EventQueue;

/// Something that happened to a run being waited on. Step names are as the
/// server sent them (untrusted text: see [`crate::untrusted`]), except that
/// the project keys the run's steps carry are masked in them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// The wait began following this run.
    RunStarted {
        /// The run.
        run: RunId,
        /// Its steps' names, in order.
        steps: Vec<String>,
    },
    /// A step's job started.
    StepStarted {
        /// The step's position, from 0.
        index: usize,
        /// The step's name.
        name: String,
    },
    /// A step's job processed more files.
    StepProgress {
        /// The step's position, from 0.
        index: usize,
        /// The step's name.
        name: String,
        /// Files finished so far.
        files_done: i64,
        /// Files in all.
        files_total: i64,
    },
    /// A step's job ended (`finished`, `failed`, or a status the document does not list).
    StepFinished {
        /// The step's position, from 0.
        index: usize,
        /// The step's name.
        name: String,
        /// The job's final status.
        status: JobStatus,
    },
    /// The run finished.
    RunFinished {
        /// The run.
        run: RunId,
    },
    /// This many events were dropped because they were not read in time
    /// (the queue is bounded); the next events are the latest.
    Skipped {
        /// How many.
        events: u64,
    },
}

/// Where a wait sends its events; a no-op when nobody listens.
#[derive(Debug, Default)]
pub(crate) struct ProgressSink {
    queue: Option<Arc<Mutex<EventQueue>>>,
}

impl ProgressSink {
    /// A sink that queues events in `queue`.
    pub(crate) fn new(queue: Arc<Mutex<EventQueue>>) -> Self {
        Self { queue: Some(queue) }
    }

    fn send(&self, event: ProgressEvent) {
        if let Some(queue) = &self.queue {
            queue.lock().unwrap_or_else(PoisonError::into_inner).push(event);
        }
    }
}

/// What has been reported of one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct StepReported {
    started: bool,
    files: Option<(i64, i64)>,
    finished: bool,
}

/// Turns successive views of a run into events, never repeating one.
#[derive(Debug)]
pub(crate) struct ProgressTracker {
    sink: ProgressSink,
    /// Masks the run's project keys in the step names sent (the keys are
    /// the run's from its start).
    keys: Redactor,
    steps: Vec<StepReported>,
    finished: bool,
}

impl ProgressTracker {
    pub(crate) fn new(sink: ProgressSink, run: &OrganizationPipelineRun) -> Self {
        let keys = Redactor::new().with_project_keys(run);
        sink.send(ProgressEvent::RunStarted {
            run: RunId::new(run.id),
            steps: run.steps.iter().map(|step| keys.text(&step.name).into_owned()).collect(),
        });
        Self { sink, keys, steps: Vec::new(), finished: false }
    }

    /// Reports what changed since the last view.
    pub(crate) fn observe(&mut self, run: &OrganizationPipelineRun) {
        if self.steps.len() < run.steps.len() {
            self.steps.resize(run.steps.len(), StepReported::default());
        }
        let keys = &self.keys;
        for (index, step) in run.steps.iter().enumerate() {
            let Some(job) = &step.transformation_job else { continue };
            let reported = &mut self.steps[index];
            let name = || keys.text(&step.name).into_owned();
            let ended = is_ended(&job.status, job);
            if !reported.started && (ended || is_running(job)) {
                reported.started = true;
                self.sink.send(ProgressEvent::StepStarted { index, name: name() });
            }
            let summary = &job.transformation_summary;
            let files = (summary.finished_count, summary.total_file_count);
            if reported.started
                && files.1 > 0
                && reported.files != Some(files)
                && !reported.finished
            {
                reported.files = Some(files);
                self.sink.send(ProgressEvent::StepProgress {
                    index,
                    name: name(),
                    files_done: files.0,
                    files_total: files.1,
                });
            }
            if ended && !reported.finished {
                reported.finished = true;
                self.sink.send(ProgressEvent::StepFinished {
                    index,
                    name: name(),
                    status: job.status.clone(),
                });
            }
        }
        if run.finished.is_some() && !self.finished {
            self.finished = true;
            self.sink.send(ProgressEvent::RunFinished { run: RunId::new(run.id) });
        }
    }
}

fn is_running(job: &OrganizationCreateProject) -> bool {
    job.status == JobStatus::Started || job.in_progress
}

/// Whether a job is over: `finished`, `failed`, or an unlisted status on a
/// job no longer in progress.
fn is_ended(status: &JobStatus, job: &OrganizationCreateProject) -> bool {
    match status {
        JobStatus::Finished | JobStatus::Failed => true,
        JobStatus::Unknown(_) => !job.in_progress,
        _ => false,
    }
}
