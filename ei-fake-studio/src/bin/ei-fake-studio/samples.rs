//! The sample pipelines the binary serves: one per progress shape, one that
//! reports no counts, one that fails with failed files, one whose upload
//! fails and one that runs for minutes. Each is described from the same data
//! it is built from.

use ei_fake_studio::{FakeStudio, PipelineSpec, ProgressShape, StepSpec};
use std::time::Duration;

/// The organization that owns every sample.
pub const ORGANIZATION_ID: i64 = FakeStudio::DEFAULT_ORGANIZATION_ID;

/// The project the samples' import steps import into (`list --project`).
const PROJECT_ID: i64 = FakeStudio::DEFAULT_PROJECT_ID;

/// The progress shapes, by the name `--shape` gives them, with what each
/// looks like.
pub static SHAPES: [(&str, ProgressShape, &str); 10] = [
    ("steady", ProgressShape::Steady, "files finish at a constant rate"),
    ("queued", ProgressShape::Queued, "nothing moves for the first quarter of each step"),
    ("accelerating", ProgressShape::Accelerating, "slow at first, then faster"),
    ("decelerating", ProgressShape::Decelerating, "fast at first, then slower"),
    ("stalling", ProgressShape::Stalling, "nothing moves from 30% to 60% of each step"),
    ("batched", ProgressShape::Batched, "files finish in five batches"),
    ("growing-total", ProgressShape::GrowingTotal, "the total grows over the first half"),
    ("tail", ProgressShape::Tail, "every file counted at 70%, then the job uploads"),
    (
        "strongly-accelerating",
        ProgressShape::StronglyAccelerating,
        "slow to warm up, then racing: the rate grows as the cube of the time",
    ),
    ("randomly-stalling", ProgressShape::RandomlyStalling, "one to three stalls of random length"),
];

/// The shapes whose pipelines come before the others (2 to 8); the shapes
/// added since come after them, so that every pipeline keeps its id.
const SHAPES_BEFORE_OTHERS: usize = 8;

/// The shape of pipeline 1 unless `--shape` says otherwise.
pub const DEFAULT_SHAPE: ProgressShape = ProgressShape::Steady;

/// How a step ends.
#[derive(Clone, Copy, Debug)]
enum Ending {
    /// Every file is transformed and uploaded.
    Succeeds,
    /// This many of its files fail, and so does the step.
    FailingFiles(u32),
    /// Every file is transformed, then the upload fails.
    UploadFails,
}

/// A step of a sample, as data.
#[derive(Clone, Copy, Debug)]
struct Step {
    name: &'static str,
    duration: Duration,
    files: u32,
    /// Whether it imports into [`PROJECT_ID`].
    imports: bool,
    ending: Ending,
}

impl Step {
    const fn new(name: &'static str, millis: u64, files: u32) -> Self {
        let duration = Duration::from_millis(millis);
        Self { name, duration, files, imports: false, ending: Ending::Succeeds }
    }

    const fn importing(self) -> Self {
        Self { imports: true, ..self }
    }

    const fn ending(self, ending: Ending) -> Self {
        Self { ending, ..self }
    }

    /// Whether the run ends with this step, failed.
    fn fails(self) -> bool {
        !matches!(self.ending, Ending::Succeeds)
    }

    fn spec(self) -> StepSpec {
        let step = StepSpec::new(self.name).duration(self.duration).files(self.files);
        let step = if self.imports { step.project_id(PROJECT_ID) } else { step };
        match self.ending {
            Ending::Succeeds => step,
            Ending::FailingFiles(count) => step.failing_files(count),
            Ending::UploadFails => step.upload_fails(),
        }
    }
}

/// Pipeline 1: about ten seconds, long enough to watch.
const NIGHTLY_IMPORT: [Step; 3] = [
    Step::new("Fetch from bucket", 3_000, 120),
    Step::new("Clean and label", 4_000, 120),
    Step::new("Import into project", 3_500, 118).importing(),
];

/// The pipelines that show a progress shape: steps long enough (12 s and
/// 8 s) for a poll every second to see the shape.
const SHAPED: [Step; 2] =
    [Step::new("Transform", 12_000, 240), Step::new("Import into project", 8_000, 240).importing()];

/// The pipeline without progress counts.
const SILENT: [Step; 2] =
    [Step::new("Transform", 6_000, 60), Step::new("Import into project", 6_000, 60).importing()];

/// How many files of [`FAILING`]'s second step fail.
const FAILED_FILES: u32 = 3;

/// The pipeline that fails in its second step, some of its files failed.
const FAILING: [Step; 3] = [
    Step::new("Fetch from bucket", 3_000, 50),
    Step::new("Clean and label", 5_000, 50).ending(Ending::FailingFiles(FAILED_FILES)),
    Step::new("Import into project", 3_000, 50).importing(),
];

/// The pipeline whose upload fails.
const UPLOAD_FAILS: [Step; 2] = [
    Step::new("Transform", 4_000, 40),
    Step::new("Import into project", 4_000, 40).importing().ending(Ending::UploadFails),
];

/// The pipeline that runs for minutes (two and a half): long enough to try
/// `wait`, `--timeout` and Ctrl-C, short enough to see it end.
const LONG: [Step; 3] = [
    Step::new("Fetch from bucket", 30_000, 600),
    Step::new("Clean and label", 60_000, 600),
    Step::new("Import into project", 60_000, 600).importing(),
];

/// A sample pipeline: what it is, what it shows, and how the fake runs it.
#[derive(Debug)]
pub struct Sample {
    /// Its id in [`ORGANIZATION_ID`].
    pub id: i64,
    /// Its name.
    pub name: String,
    /// How many steps it has.
    pub steps: usize,
    /// How long a run of it takes: up to the end of the step that fails, if
    /// one does (the steps after it never start).
    pub length: Duration,
    /// What it shows.
    pub shows: String,
    /// The pipeline, for the studio.
    pub spec: PipelineSpec,
}

impl Sample {
    fn new(id: i64, name: String, steps: &[Step], shows: String) -> Self {
        let spec =
            steps.iter().fold(PipelineSpec::new(ORGANIZATION_ID, id, &name), |spec, step| {
                spec.step(step.spec())
            });
        let ran = match steps.iter().position(|step| step.fails()) {
            Some(failing) => &steps[..=failing],
            None => steps,
        };
        let length = ran.iter().map(|step| step.duration).sum();
        Self { id, name, steps: steps.len(), length, shows, spec }
    }

    fn shaped(self, shape: ProgressShape) -> Self {
        Self { spec: self.spec.progress_shape(shape), ..self }
    }
}

/// The name `--shape` gives `shape`.
pub fn shape_name(shape: ProgressShape) -> &'static str {
    SHAPES.iter().find(|(_, known, _)| *known == shape).map_or("unnamed", |(name, _, _)| name)
}

/// Every sample, by id: pipeline 1 moves in `shape`, then one per other
/// shape, then the others, then one per shape added since.
pub fn samples(shape: ProgressShape) -> Vec<Sample> {
    let nightly = Sample::new(
        1,
        "Nightly import".to_owned(),
        &NIGHTLY_IMPORT,
        format!("{} progress (--shape), like the demo", shape_name(shape)),
    )
    .shaped(shape);
    let mut samples = vec![nightly];
    let (first_shapes, later_shapes) = SHAPES.split_at(SHAPES_BEFORE_OTHERS);
    push_shaped(&mut samples, first_shapes);
    let id = next_id(&samples);
    let silent = Sample::new(
        id,
        "Sensor archive (no counts)".to_owned(),
        &SILENT,
        "reports no file counts: every count stays 0 until its step ends".to_owned(),
    );
    samples.push(Sample { spec: silent.spec.without_progress_counts(), ..silent });
    samples.push(Sample::new(
        next_id(&samples),
        "Label cleanup (failing files)".to_owned(),
        &FAILING,
        format!(
            "fails in step 2, {FAILED_FILES} of its files failed; their jobs log hostile text \
             (escapes, a 100 KiB line, an echoed API key)"
        ),
    ));
    samples.push(Sample::new(
        next_id(&samples),
        "Export to bucket (upload fails)".to_owned(),
        &UPLOAD_FAILS,
        "every file transformed, then the upload of step 2 fails".to_owned(),
    ));
    samples.push(Sample::new(
        next_id(&samples),
        "Full retrain (minutes)".to_owned(),
        &LONG,
        "runs for minutes: try wait, --timeout and Ctrl-C".to_owned(),
    ));
    push_shaped(&mut samples, later_shapes);
    samples
}

/// A pipeline for each of `shapes` but the default one, after `samples`.
fn push_shaped(samples: &mut Vec<Sample>, shapes: &[(&str, ProgressShape, &str)]) {
    for &(name, shape, looks) in shapes.iter().filter(|(_, known, _)| *known != DEFAULT_SHAPE) {
        let id = next_id(samples);
        let sample =
            Sample::new(id, format!("Import ({name} progress)"), &SHAPED, looks.to_owned());
        samples.push(sample.shaped(shape));
    }
}

/// The id after the last sample's.
fn next_id(samples: &[Sample]) -> i64 {
    samples.last().map_or(1, |last| last.id + 1)
}

/// The shape `--shape` names, if it names one.
pub fn shape_named(name: &str) -> Option<ProgressShape> {
    SHAPES.iter().find(|(known, _, _)| *known == name).map(|&(_, shape, _)| shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_numbered_from_one_and_each_progress_shape_has_one() {
        let samples = samples(DEFAULT_SHAPE);
        let ids: Vec<i64> = samples.iter().map(|sample| sample.id).collect();
        let expected: Vec<i64> = (1..=ids.len() as i64).collect();
        assert_eq!(ids, expected);
        assert_eq!(samples[0].name, "Nightly import");
        for (name, _, _) in &SHAPES[1..] {
            let shown =
                samples.iter().filter(|sample| sample.name.contains(&format!("({name} progress)")));
            assert_eq!(shown.count(), 1, "{name}");
        }
    }

    #[test]
    fn pipeline_one_takes_about_ten_seconds_and_the_long_one_minutes() {
        let samples = samples(DEFAULT_SHAPE);
        assert_eq!(samples[0].length, Duration::from_millis(10_500));
        let longest = samples.iter().map(|sample| sample.length).max().unwrap();
        assert_eq!(longest, Duration::from_secs(150));
        assert!(samples.iter().all(|sample| sample.length >= Duration::from_secs(5)));
    }

    #[test]
    fn a_failing_pipeline_lasts_until_its_failing_step_ends() {
        let samples = samples(DEFAULT_SHAPE);
        let failing = samples.iter().find(|sample| sample.name.contains("failing files")).unwrap();
        assert_eq!((failing.steps, failing.length), (3, Duration::from_secs(8)));
        let upload = samples.iter().find(|sample| sample.name.contains("upload fails")).unwrap();
        assert_eq!((upload.steps, upload.length), (2, Duration::from_secs(8)));
    }

    #[test]
    fn pipeline_one_says_which_shape_it_moves_in() {
        let samples = samples(ProgressShape::Stalling);
        assert!(samples[0].shows.starts_with("stalling progress"), "{}", samples[0].shows);
        assert!(format!("{:?}", samples[0].spec).contains("Stalling"));
    }

    #[test]
    fn every_shape_has_a_name_and_each_name_one_shape() {
        for (name, shape, _) in &SHAPES {
            assert_eq!(shape_named(name), Some(*shape));
            assert_eq!(shape_name(*shape), *name);
        }
        for shape in ProgressShape::ALL {
            assert!(SHAPES.iter().any(|(_, named, _)| *named == shape), "{shape:?}");
        }
        assert_eq!(shape_named("Steady"), None);
    }
}
