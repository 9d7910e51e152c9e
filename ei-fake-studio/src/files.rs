//! The files of a step's transformation job: which of them fail, where each
//! one is at an instant, and the page of them that
//! `getOrganizationCreateProjectStatus` lists.
//!
//! A step processes its files in order, each by a job of its own, one after
//! another over the step's duration (the lifecycle's counts say how many are
//! started and finished); file `i` runs over the `i`-th equal share of it.

use crate::built::built;
use crate::config::StepSpec;
use crate::lifecycle::{Phase, StepState};
use ei_api::enums::{OrganizationDatasetTypeEnum, TransformationJobStatusEnum};
use ei_api::types::OrganizationCreateProjectWithFilesFilesItem;
use std::str::FromStr;
use std::time::Duration;

/// The most files one page lists, however many are asked for: a bound on the
/// answer's size (the vendor documents no limit of its own).
const MAX_FILES_PER_PAGE: usize = 1_000;

/// The `lengthString` of a file once transformed: a short sensor recording,
/// as the model's file size suggests.
const FILE_LENGTH: &str = "5s";

/// Where one file of a step is at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileState {
    /// Not picked up yet: it has no job of its own.
    Waiting,
    /// Its job runs.
    Running,
    /// Its job finished successfully.
    Succeeded,
    /// Its job failed: the block failed on it.
    Failed,
    /// Its job was cancelled by a stop while it ran.
    Cancelled,
}

impl FileState {
    /// Whether the file's job exists (it has been picked up).
    pub(crate) fn has_job(self) -> bool {
        self != FileState::Waiting
    }

    /// The file's `transformationJobStatus`.
    pub(crate) fn status(self) -> TransformationJobStatusEnum {
        match self {
            FileState::Waiting => TransformationJobStatusEnum::Waiting,
            FileState::Running => TransformationJobStatusEnum::Started,
            FileState::Succeeded => TransformationJobStatusEnum::Finished,
            FileState::Failed | FileState::Cancelled => TransformationJobStatusEnum::Failed,
        }
    }
}

/// The state of the file at `index` of `step`, whose state is `state`
/// (with its real counts, whether or not the pipeline reports them).
pub(crate) fn file_state(step: &StepSpec, state: &StepState, index: u32) -> FileState {
    let progress = state.progress;
    if index < progress.finished {
        let fails = step.failures_among_first(index + 1) > step.failures_among_first(index);
        if fails {
            FileState::Failed
        } else {
            FileState::Succeeded
        }
    } else if index < progress.started {
        // Only a stop ends a step with files still running.
        if state.phase == Phase::Failed {
            FileState::Cancelled
        } else {
            FileState::Running
        }
    } else {
        FileState::Waiting
    }
}

/// When the job of the file at `index` starts and, unless a stop cuts it
/// short, ends: the file's share of the step's time, counted from its start.
pub(crate) fn file_window(step: &StepSpec, index: u32) -> (Duration, Duration) {
    let share = |files: u32| {
        let nanos = step.duration.as_nanos() * u128::from(files) / u128::from(step.files.max(1));
        Duration::from_nanos(u64::try_from(nanos).expect("a step lasts under 584 years"))
    };
    (share(index), share(index + 1))
}

/// The name of the file at `index` (which is also its path below the step's
/// input folder).
pub(crate) fn file_name(index: u32) -> String {
    format!("sample-{:05}.json", u64::from(index) + 1)
}

/// Which files a transformation job status lists (its `selection`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Selection {
    /// `all` (the default): every file.
    All,
    /// `created`: the files transformed successfully (their output created).
    Created,
    /// `in-progress`: the files not done yet, waiting or running.
    InProgress,
    /// `failed`: the files whose job failed or was cancelled.
    Failed,
}

impl Selection {
    /// Whether a file in `state` is selected.
    fn selects(self, state: FileState) -> bool {
        match self {
            Selection::All => true,
            Selection::Created => state == FileState::Succeeded,
            Selection::InProgress => matches!(state, FileState::Waiting | FileState::Running),
            Selection::Failed => matches!(state, FileState::Failed | FileState::Cancelled),
        }
    }
}

impl FromStr for Selection {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "all" => Ok(Selection::All),
            "created" => Ok(Selection::Created),
            "in-progress" => Ok(Selection::InProgress),
            "failed" => Ok(Selection::Failed),
            other => Err(format!(
                "selection must be 'all', 'created', 'in-progress' or 'failed', not '{other}'"
            )),
        }
    }
}

/// Which page of which files to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FilesQuery {
    /// `transformLimit`: at most this many files (and at most [`MAX_FILES_PER_PAGE`]).
    pub(crate) limit: usize,
    /// `transformOffset`: how many selected files to skip.
    pub(crate) offset: usize,
    /// `selection`.
    pub(crate) selection: Selection,
}

/// One page of a step's files and how many the selection holds in all
/// (`fileCountForFilter`).
#[derive(Clone, Debug)]
pub(crate) struct FilesPage {
    /// The files listed.
    pub(crate) files: Vec<OrganizationCreateProjectWithFilesFilesItem>,
    /// How many files the selection holds.
    pub(crate) count_for_filter: i64,
}

/// The page of `step`'s files that `query` asks for, where the step's state
/// is `state` and the job of the file at an index has the id `file_job` gives.
pub(crate) fn page(
    step: &StepSpec,
    state: &StepState,
    file_job: impl Fn(u32) -> i64,
    query: &FilesQuery,
) -> FilesPage {
    let selected = || {
        (0..state.progress.total)
            .map(|index| (index, file_state(step, state, index)))
            .filter(|(_, file)| query.selection.selects(*file))
    };
    let files = selected()
        .skip(query.offset)
        .take(query.limit.min(MAX_FILES_PER_PAGE))
        .map(|(index, file)| item(&file_job, index, file))
        .collect();
    let count = selected().count();
    FilesPage { files, count_for_filter: i64::try_from(count).expect("at most 2^32 files") }
}

/// The file at `index`, in `state`, as the API lists it.
fn item(
    file_job: &impl Fn(u32) -> i64,
    index: u32,
    state: FileState,
) -> OrganizationCreateProjectWithFilesFilesItem {
    let name = file_name(index);
    let id = i64::from(index) + 1;
    built(
        OrganizationCreateProjectWithFilesFilesItem::builder()
            .bucket_path(format!("input/{name}"))
            .file_name(name)
            .id(id)
            .length_string(if state == FileState::Succeeded { FILE_LENGTH } else { "" })
            .link_to_data_item(format!("/data/files/{id}"))
            .source_dataset_type(OrganizationDatasetTypeEnum::Files)
            .transformation_job_id(state.has_job().then(|| file_job(index)))
            .transformation_job_status(state.status()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Progress;

    fn state(phase: Phase, started: u32, finished: u32, total: u32) -> StepState {
        let progress =
            Progress { time_spent: Duration::ZERO, started, finished, succeeded: 0, total };
        StepState { phase, progress }
    }

    #[test]
    fn failures_spread_evenly_and_end_at_the_count_asked_for() {
        let step = StepSpec::new("s").files(10).failing_files(3);
        let failing: Vec<u32> = (0..10)
            .filter(|&index| {
                file_state(&step, &state(Phase::Failed, 10, 10, 10), index) == FileState::Failed
            })
            .collect();
        assert_eq!(failing, [3, 6, 9]);
        assert_eq!(StepSpec::new("s").files(10).fails().failures_among_first(10), 10);
        assert_eq!(StepSpec::new("s").files(10).failures_among_first(10), 0);
        assert_eq!(StepSpec::new("s").files(4).failing_files(9).failures_among_first(4), 4);
        assert_eq!(StepSpec::new("s").files(0).fails().failures_among_first(0), 0);
    }

    #[test]
    fn files_are_done_then_running_then_waiting_and_a_stop_cancels_the_running_ones() {
        let step = StepSpec::new("s").files(10);
        let running = state(Phase::Started, 6, 4, 10);
        let states: Vec<FileState> = (0..10).map(|i| file_state(&step, &running, i)).collect();
        assert_eq!(states[3], FileState::Succeeded);
        assert_eq!(
            (states[4], states[5], states[6]),
            (FileState::Running, FileState::Running, FileState::Waiting)
        );
        let stopped = state(Phase::Failed, 6, 4, 10);
        assert_eq!(file_state(&step, &stopped, 5), FileState::Cancelled);
        assert_eq!(file_state(&step, &stopped, 6), FileState::Waiting);
    }

    #[test]
    fn a_file_runs_over_its_share_of_the_step() {
        let step = StepSpec::new("s").files(4).duration(Duration::from_secs(8));
        assert_eq!(file_window(&step, 1), (Duration::from_secs(2), Duration::from_secs(4)));
        assert_eq!("in-progress".parse(), Ok(Selection::InProgress));
        assert!("running".parse::<Selection>().is_err());
    }
}
