//! Showing a wait's progress on stderr: live bars on a terminal (indicatif),
//! one plain line per event anywhere else (CI logs, `--json`). Both say a
//! step as every other output does ([`step_summary`]).
//!
//! The live display shows what the server said and nothing more: a step
//! gets a bar only once its job reports file counts, and keeps the counts
//! it ended with (a step stopped at 126 of 500 files shows 126/500); a step
//! without counts shows a spinner and its state. So that nothing looks
//! frozen while a person watches, the live display reads the run at least
//! every [`LIVE_MAX_POLL_DELAY`]; plain and JSON output keep the adaptive
//! schedule's economy.

use std::time::Duration;

use ei_api_ext::run::Step;
use ei_api_ext::wait::ProgressEvent;
use ei_api_ext::PipelineId;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;

use crate::output::{self, Output};
use crate::render::run::{name_width, step_label, step_summary};
use crate::text;

/// How the spinners and elapsed times are refreshed.
const TICK: Duration = Duration::from_millis(120);

/// The longest the live display lets pass between two reads of the run:
/// counts that change every two seconds look alive, and a person watching
/// costs at most one read per two seconds.
pub const LIVE_MAX_POLL_DELAY: Duration = Duration::from_secs(2);

/// The step names the "following run" line shows; the rest are counted, so
/// that a pipeline of a thousand steps still starts with one short line.
const FIRST_LINE_NAMES_SHOWN: usize = 8;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    /// Redrawn bars, for a person watching a terminal.
    Live,
    /// One line per event, for logs.
    Plain,
}

impl ProgressMode {
    /// Live bars when stderr is a terminal and the output is not JSON; plain
    /// lines otherwise (which `--quiet` leaves out), and whenever diagnostic
    /// log lines share stderr (bars would overwrite them).
    pub fn choose(json: bool, output: &Output) -> Self {
        if !json
            && !output.is_quiet()
            && output::stderr_is_terminal()
            && output.log_lines().is_none()
        {
            ProgressMode::Live
        } else {
            ProgressMode::Plain
        }
    }
}

/// Where the progress of the runs one command follows is shown: their
/// reporters share one live display, or write plain lines that name their
/// pipeline when there are several.
#[derive(Debug)]
pub struct ProgressDisplay {
    /// The live display every reporter draws on, in live mode.
    live: Option<MultiProgress>,
    /// Several runs are shown: each line names its pipeline.
    several: bool,
}

impl ProgressDisplay {
    /// The display of `runs` runs followed together, as `mode` says, on stderr.
    pub fn new(mode: ProgressMode, runs: usize) -> Self {
        let live = match mode {
            ProgressMode::Live => {
                Some(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
            }
            ProgressMode::Plain => None,
        };
        Self { live, several: runs > 1 }
    }

    /// The reporter of a run of `pipeline`.
    pub fn reporter(&self, pipeline: PipelineId, output: Output) -> Reporter {
        let live = self.live.as_ref().map(|multi| Live::new(multi.clone(), pipeline, self.several));
        Reporter {
            output,
            pipeline,
            several: self.several,
            display: self.live.clone(),
            started: Instant::now(),
            steps: 0,
            shown: Default::default(),
            live,
        }
    }
}

/// Turns a wait's progress events into what the user sees.
#[derive(Debug)]
pub struct Reporter {
    output: Output,
    pipeline: PipelineId,
    /// One of several runs shown together: its lines name its pipeline.
    several: bool,
    /// The live display, also after this run's bars ended: the bars of
    /// others may still be drawn on it.
    display: Option<MultiProgress>,
    started: Instant,
    /// How many steps the run has (for `step 2/3`).
    steps: usize,
    /// The last plain line shown of each step (by number), so that an event
    /// that changes nothing a person reads is not shown twice.
    shown: std::collections::HashMap<usize, String>,
    live: Option<Live>,
}

/// The bars of one run in a live display.
#[derive(Debug)]
struct Live {
    multi: MultiProgress,
    pipeline: PipelineId,
    /// One of several runs shown together: its first bar names its pipeline.
    several: bool,
    overall: ProgressBar,
    steps: Vec<ProgressBar>,
}

impl Reporter {
    /// Shows one event.
    pub fn event(&mut self, event: &ProgressEvent) {
        if let ProgressEvent::RunStarted { steps, .. } = event {
            self.steps = steps.len();
        }
        match &mut self.live {
            Some(live) => live.event(event, self.steps, &self.output),
            None => {
                let Some(text) = plain_line(event, self.pipeline, self.steps) else { return };
                if let Some(step) = event.step() {
                    if self.shown.get(&step.number) == Some(&text) {
                        return;
                    }
                    self.shown.insert(step.number, text.clone());
                }
                let elapsed = self.started.elapsed().as_secs_f64();
                // The first line names the pipeline already.
                let whose = match event {
                    ProgressEvent::RunStarted { .. } => String::new(),
                    _ if self.several => format!("pipeline {}: ", self.pipeline.get()),
                    _ => String::new(),
                };
                self.output.note_line(&format!("[{elapsed:.1}s] {whose}{text}"));
            }
        }
    }

    /// Prints a note on stderr; on a live display, with the bars cleared
    /// first and drawn again below it (a line written under them
    /// unannounced would be written over by their next redraw).
    pub fn note(&self, text: &str) {
        self.around_display(|| self.output.note_line(text));
    }

    /// Prints on stderr how the wait ended when stdout has nothing to say
    /// it (Ctrl-C), as [`Reporter::note`] does, and also with `--quiet`.
    pub fn end_note(&self, text: &str) {
        self.around_display(|| self.output.end_line(text));
    }

    /// Runs `print` with the live display's bars cleared, then drawn again.
    fn around_display(&self, print: impl FnOnce()) {
        match &self.display {
            Some(display) => display.suspend(print),
            None => print(),
        }
    }

    /// Says, when this run is one of several, that its wait ended in an
    /// error, at once: the error itself is printed when every wait has ended.
    pub fn note_error(&self) {
        if self.several {
            self.note(&format!(
                "pipeline {}: could not be followed further (the error is printed when every \
                 wait has ended)",
                self.pipeline.get()
            ));
        }
    }

    /// Ends the display, leaving the last state of the bars on screen.
    pub fn finish(&mut self) {
        if let Some(live) = self.live.take() {
            live.finish();
        }
    }

    /// Ends the display and removes the bars from the screen (on Ctrl-C,
    /// so that the message that follows stands alone on a clean screen).
    pub fn clear(&mut self) {
        if let Some(live) = self.live.take() {
            live.clear();
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.finish();
    }
}

/// [`step_summary`] as the live display shows it: its states painted when
/// stderr has colour.
fn painted_summary(step: &Step, output: &Output) -> String {
    output.painted_for_stderr(&step_summary(step))
}

/// `step 2/3 Clean`.
fn step_place(step: &Step, steps: usize) -> String {
    let total = if steps == 0 { "?".to_owned() } else { steps.to_string() };
    format!("step {}/{total} {}", step.number, text::name(&step.name))
}

/// The plain line for `event` of a run of `pipeline` with `steps` steps, or
/// `None` for an event this version does not know.
pub fn plain_line(event: &ProgressEvent, pipeline: PipelineId, steps: usize) -> Option<String> {
    Some(match event {
        ProgressEvent::RunStarted { run, steps } => {
            let mut names: Vec<_> = steps
                .iter()
                .take(FIRST_LINE_NAMES_SHOWN)
                .map(|step| text::name(&step.name))
                .collect();
            if steps.len() > FIRST_LINE_NAMES_SHOWN {
                names.push(format!("and {} more", steps.len() - FIRST_LINE_NAMES_SHOWN).into());
            }
            // Started now or long ago: the wait follows it from here.
            let count = text::count(steps.len(), "step");
            format!(
                "following run {} of pipeline {}: {count}: {}",
                run.get(),
                pipeline.get(),
                names.join(", ")
            )
        }
        ProgressEvent::StepStarted { step }
        | ProgressEvent::StepProgress { step }
        | ProgressEvent::StepFinished { step } => {
            format!("{}: {}", step_place(step, steps), step_summary(step))
        }
        ProgressEvent::RunFinished { run, state } => format!("run {} {state}", run.get()),
        ProgressEvent::Skipped { events } => {
            format!("({} not shown: the display fell behind)", text::count(events, "event"))
        }
        _ => return None,
    })
}

/// A style from a fixed template; the templates are tested, so this never
/// falls back in practice.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// The run's line: a spinner, the run, what is happening, the time.
const OVERALL_TEMPLATE: &str = "{spinner} {prefix} {wide_msg} {elapsed:>5}";
/// A step not started: its label and state.
const WAITING_TEMPLATE: &str = "  {prefix}  {msg}";
/// A step running without counts: a spinner and its state.
const SPINNING_TEMPLATE: &str = "  {prefix}  {spinner} {msg}  {elapsed}";
/// A step running with counts, or ended with them: a bar, its state and files.
const COUNTED_TEMPLATE: &str = "  {prefix}  [{bar:24}] {msg}  {elapsed}";
/// A step ended without counts: its state and how long it took.
const ENDED_TEMPLATE: &str = "  {prefix}  {msg}  {elapsed}";

/// The texts the live display shows for `event` (for the tests that feed it
/// hostile text).
#[cfg(test)]
pub(crate) fn live_texts(event: &ProgressEvent) -> Vec<String> {
    match event {
        ProgressEvent::RunStarted { steps, .. } => {
            let width = name_width(steps);
            steps.iter().map(|step| step_label(step, width)).collect()
        }
        ProgressEvent::StepStarted { step }
        | ProgressEvent::StepProgress { step }
        | ProgressEvent::StepFinished { step } => vec![step_summary(step)],
        _ => Vec::new(),
    }
}

impl Live {
    /// The bars of a run of `pipeline`, below those already on `multi`.
    fn new(multi: MultiProgress, pipeline: PipelineId, several: bool) -> Self {
        let overall = multi.add(ProgressBar::new_spinner());
        overall.set_style(style(OVERALL_TEMPLATE));
        overall.set_prefix(format!("pipeline {}", pipeline.get()));
        overall.set_message("starting");
        overall.enable_steady_tick(TICK);
        Self { multi, pipeline, several, overall, steps: Vec::new() }
    }

    fn event(&mut self, event: &ProgressEvent, steps: usize, output: &Output) {
        match event {
            ProgressEvent::RunStarted { run, steps } => {
                let whose = if self.several {
                    format!("pipeline {} ", self.pipeline.get())
                } else {
                    String::new()
                };
                self.overall.set_prefix(format!("{whose}run {}", run.get()));
                self.overall.set_message(text::count(steps.len(), "step"));
                let width = name_width(steps);
                for step in steps {
                    // Below this run's last bar: another run's bars may follow.
                    let last = self.steps.last().unwrap_or(&self.overall);
                    let bar = self.multi.insert_after(last, ProgressBar::new(0));
                    bar.set_style(style(WAITING_TEMPLATE));
                    bar.set_prefix(output.redactor().text(&step_label(step, width)).into_owned());
                    bar.set_message(painted_summary(step, output));
                    self.steps.push(bar);
                }
            }
            ProgressEvent::StepStarted { step } => {
                if let Some(bar) = self.bar(step) {
                    bar.set_style(style(SPINNING_TEMPLATE));
                    bar.reset_elapsed();
                    bar.enable_steady_tick(TICK);
                    bar.set_message(painted_summary(step, output));
                }
                let place = step_place(step, steps);
                self.overall.set_message(output.redactor().text(&place).into_owned());
            }
            ProgressEvent::StepProgress { step } => {
                if let (Some(bar), Some(files)) = (self.bar(step), step.files) {
                    bar.set_style(style(COUNTED_TEMPLATE).progress_chars("=> "));
                    bar.set_length(u64::try_from(files.total).unwrap_or(0));
                    bar.set_position(u64::try_from(files.done).unwrap_or(0));
                    bar.set_message(painted_summary(step, output));
                }
            }
            ProgressEvent::StepFinished { step } => {
                if let Some(bar) = self.bar(step) {
                    if bar.length().unwrap_or(0) == 0 {
                        bar.set_style(style(ENDED_TEMPLATE));
                    }
                    bar.disable_steady_tick();
                    // Abandon, not finish: finishing would fill the bar, and
                    // a step stopped at 126 of 500 files must say 126/500.
                    bar.abandon_with_message(painted_summary(step, output));
                }
            }
            ProgressEvent::RunFinished { state, .. } => {
                self.overall.set_message(output.painted_for_stderr(state.as_str()));
            }
            _ => {}
        }
    }

    /// The bar of `step`.
    fn bar(&self, step: &Step) -> Option<&ProgressBar> {
        self.steps.get(step.number.checked_sub(1)?)
    }

    fn finish(self) {
        for bar in self.steps.iter().filter(|bar| !bar.is_finished()) {
            bar.abandon();
        }
        self.overall.abandon();
    }

    fn clear(self) {
        for bar in &self.steps {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{run_model, StepOf};
    use ei_api_ext::run::Run;
    use indicatif::InMemoryTerm;

    const PIPELINE: PipelineId = PipelineId::new(7);

    fn started(run: &Run) -> ProgressEvent {
        ProgressEvent::RunStarted { run: run.id, steps: run.steps.clone() }
    }

    #[test]
    fn templates_are_valid() {
        for template in [
            OVERALL_TEMPLATE,
            WAITING_TEMPLATE,
            SPINNING_TEMPLATE,
            COUNTED_TEMPLATE,
            ENDED_TEMPLATE,
        ] {
            ProgressStyle::with_template(template).unwrap();
        }
    }

    #[test]
    fn plain_lines_name_the_step_its_state_and_its_counts() {
        let run = run_model(
            9,
            false,
            &[("Fetch", "finished", 10, 10, 10), ("Clean", "started", 3, 2, 10)],
        );
        assert_eq!(
            plain_line(&started(&run), PIPELINE, 2).unwrap(),
            "following run 9 of pipeline 7: 2 steps: Fetch, Clean"
        );
        let progress = ProgressEvent::StepProgress { step: run.steps[1].clone() };
        assert_eq!(
            plain_line(&progress, PIPELINE, 2).unwrap(),
            "step 2/2 Clean: running, 3/10 files, 1 failed"
        );
        let finished = ProgressEvent::StepFinished { step: run.steps[0].clone() };
        assert_eq!(
            plain_line(&finished, PIPELINE, 2).unwrap(),
            "step 1/2 Fetch: succeeded, 10/10 files"
        );
    }

    #[test]
    fn a_run_of_many_steps_starts_with_a_short_line() {
        let names: Vec<String> = (1..=1_000).map(|n| format!("Step {n}")).collect();
        let steps: Vec<_> = names.iter().map(|name| (name.as_str(), "waiting", 0, 0, 0)).collect();
        let run = run_model(9, false, &steps);
        let line = plain_line(&started(&run), PIPELINE, steps.len()).unwrap();
        assert!(line.ends_with("Step 7, Step 8, and 992 more"), "{line}");
        assert!(line.starts_with("following run 9 of pipeline 7: 1000 steps: Step 1, "), "{line}");
    }

    /// Draws the latest state of `reporter`'s display now, on the test's
    /// thread: once the rate limit has let some draws through again, every
    /// bar ticks (the steady ticks' thread may not run in time on a loaded
    /// machine).
    fn draw_now(reporter: &Reporter) {
        std::thread::sleep(Duration::from_millis(50));
        if let Some(live) = &reporter.live {
            live.overall.tick();
            live.steps.iter().for_each(ProgressBar::tick);
        }
    }

    /// What a live display on a 100-column terminal shows after `events`.
    fn screen_after(events: &[ProgressEvent], end: impl FnOnce(&mut Reporter)) -> String {
        let term = InMemoryTerm::new(20, 100);
        // As often as the target allows, so that no state is skipped.
        let target = ProgressDrawTarget::term_like_with_hz(Box::new(term.clone()), u8::MAX);
        let output = Output::new(ei_api_ext::redact::Redactor::new());
        let display =
            ProgressDisplay { live: Some(MultiProgress::with_draw_target(target)), several: false };
        let mut reporter = display.reporter(PIPELINE, output);
        for event in events {
            reporter.event(event);
        }
        draw_now(&reporter);
        end(&mut reporter);
        term.contents()
    }

    /// The events of a run whose steps went through `views` (each a list of
    /// `(name, status, done, succeeded, total)`), as the wait reports them.
    fn events_of(views: &[&[StepOf<'_>]]) -> Vec<ProgressEvent> {
        let runs: Vec<Run> = views.iter().map(|steps| run_model(42, false, steps)).collect();
        let mut events = vec![started(&runs[0])];
        for run in &runs {
            for step in &run.steps {
                if step.has_begun() {
                    events.push(ProgressEvent::StepStarted { step: step.clone() });
                }
                if step.files.is_some() {
                    events.push(ProgressEvent::StepProgress { step: step.clone() });
                }
                if step.is_over() {
                    events.push(ProgressEvent::StepFinished { step: step.clone() });
                }
            }
        }
        events
    }

    #[test]
    fn a_stopped_step_keeps_the_count_it_reached() {
        let events = events_of(&[&[("Import", "failed", 126, 120, 500)]]);
        let screen = screen_after(&events, Reporter::finish);
        assert!(screen.contains("126/500 files, 6 failed"), "{screen}");
        assert!(!screen.contains("500/500"), "{screen}");
        assert!(screen.contains("failed"), "{screen}");
    }

    #[test]
    fn a_step_without_counts_shows_its_state_not_a_bar() {
        let running = screen_after(&events_of(&[&[("Import", "started", 0, 0, 0)]]), |_| {});
        assert!(running.contains("running") && !running.contains("0/0"), "{running}");
        assert!(!running.contains('['), "no bar: {running}");
        let done =
            screen_after(&events_of(&[&[("Import", "finished", 0, 0, 0)]]), Reporter::finish);
        assert!(done.contains("succeeded") && !done.contains("0/0"), "{done}");
    }

    #[test]
    fn several_runs_share_one_live_display_each_under_its_pipeline() {
        let term = InMemoryTerm::new(20, 100);
        let target = ProgressDrawTarget::term_like_with_hz(Box::new(term.clone()), u8::MAX);
        let output = Output::new(ei_api_ext::redact::Redactor::new());
        let display =
            ProgressDisplay { live: Some(MultiProgress::with_draw_target(target)), several: true };
        let mut first = display.reporter(PipelineId::new(7), output.clone());
        let mut second = display.reporter(PipelineId::new(8), output);
        // The second run starts first: each run's steps still follow its own line.
        let fetch = run_model(80, false, &[("Fetch", "started", 0, 0, 0)]);
        second.event(&started(&fetch));
        let import = run_model(70, false, &[("Import", "started", 0, 0, 0)]);
        first.event(&started(&import));
        draw_now(&first);
        let screen = term.contents();
        let rows: Vec<&str> = screen.lines().filter(|row| !row.trim().is_empty()).collect();
        assert_eq!(rows.len(), 4, "{screen}");
        assert!(rows[0].contains("pipeline 7 run 70"), "{screen}");
        assert!(rows[1].contains("1. Import"), "{screen}");
        assert!(rows[2].contains("pipeline 8 run 80"), "{screen}");
        assert!(rows[3].contains("1. Fetch"), "{screen}");
    }

    #[test]
    fn a_counted_step_shows_its_bar() {
        let events =
            events_of(&[&[("Import", "started", 30, 30, 120), ("Upload", "waiting", 0, 0, 0)]]);
        let screen = screen_after(&events, |_| {});
        assert!(screen.contains("30/120 files") && screen.contains('['), "{screen}");
        assert!(screen.contains("2. Upload") && screen.contains("waiting"), "{screen}");
    }

    #[test]
    fn clearing_leaves_a_clean_screen() {
        let events =
            events_of(&[&[("Import", "started", 30, 30, 120), ("Upload", "waiting", 0, 0, 0)]]);
        let screen = screen_after(&events, Reporter::clear);
        assert_eq!(screen.trim(), "", "{screen:?}");
    }
}
