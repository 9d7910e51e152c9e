//! Showing a wait's progress on stderr: live bars on a terminal (indicatif),
//! one plain line per event anywhere else (CI logs, `--json`).
//!
//! The live display shows what the server said and nothing more: a step
//! gets a bar only once its job reports file counts, and keeps the counts
//! it ended with (a step stopped at 126 of 500 files shows 126/500); a step
//! without counts shows a spinner and its state. So that nothing looks
//! frozen while a person watches, the live display reads the run at least
//! every [`LIVE_MAX_POLL_DELAY`]; plain and JSON output keep the adaptive
//! schedule's economy.

use std::time::Duration;

use ei_api_ext::wait::ProgressEvent;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;

use crate::describe;
use crate::output::{self, Output};

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
pub enum Display {
    /// Redrawn bars, for a person watching a terminal.
    Live,
    /// One line per event, for logs.
    Plain,
}

impl Display {
    /// Live bars when stderr is a terminal and the output is not JSON; plain lines otherwise,
    /// and whenever diagnostic log lines share stderr (bars would overwrite them).
    pub fn choose(json: bool, output: &Output) -> Self {
        if !json && output::stderr_is_terminal() && output.log_lines().is_none() {
            Display::Live
        } else {
            Display::Plain
        }
    }
}

/// Turns a wait's progress events into what the user sees.
#[derive(Debug)]
pub struct Reporter {
    output: Output,
    started: Instant,
    steps: Vec<String>,
    live: Option<Live>,
}

/// The bars of a live display.
#[derive(Debug)]
struct Live {
    multi: MultiProgress,
    overall: ProgressBar,
    steps: Vec<ProgressBar>,
}

impl Reporter {
    /// A reporter showing progress as `display` says, on stderr; `what`
    /// names what is being followed (`pipeline 7`).
    pub fn new(display: Display, what: &str, output: Output) -> Self {
        match display {
            Display::Live => Self::live(ProgressDrawTarget::stderr(), what, output),
            Display::Plain => {
                output.note_line(&format!("[0.0s] following {what}"));
                Self { output, started: Instant::now(), steps: Vec::new(), live: None }
            }
        }
    }

    /// A live reporter drawing on `target`.
    fn live(target: ProgressDrawTarget, what: &str, output: Output) -> Self {
        let live = Some(Live::new(target, what));
        Self { output, started: Instant::now(), steps: Vec::new(), live }
    }

    /// Shows one event.
    pub fn event(&mut self, event: &ProgressEvent) {
        if let ProgressEvent::RunStarted { steps, .. } = event {
            self.steps = steps.clone();
        }
        match &mut self.live {
            Some(live) => live.event(event, &self.steps, &self.output),
            None => {
                if let Some(text) = plain_line(event, &self.steps) {
                    let elapsed = self.started.elapsed().as_secs_f64();
                    self.output.note_line(&format!("[{elapsed:.1}s] {text}"));
                }
            }
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

/// `step 2/3 Clean`.
fn step_label(index: usize, name: &str, steps: &[String]) -> String {
    let total = if steps.is_empty() { "?".to_owned() } else { steps.len().to_string() };
    format!("step {}/{total} {}", index + 1, describe::name(name))
}

/// The plain line for `event`, or `None` for an event this version does not know.
pub fn plain_line(event: &ProgressEvent, steps: &[String]) -> Option<String> {
    Some(match event {
        ProgressEvent::RunStarted { run, steps } => {
            let mut names: Vec<_> = steps
                .iter()
                .take(FIRST_LINE_NAMES_SHOWN)
                .map(|name| describe::name(name))
                .collect();
            if steps.len() > FIRST_LINE_NAMES_SHOWN {
                names.push(format!("and {} more", steps.len() - FIRST_LINE_NAMES_SHOWN).into());
            }
            // Started now or long ago: the wait follows it from here.
            let count = describe::count(steps.len(), "step");
            format!("following {run}: {count}: {}", names.join(", "))
        }
        ProgressEvent::StepStarted { index, name } => {
            format!("{}: running", step_label(*index, name, steps))
        }
        ProgressEvent::StepProgress { index, name, files_done, files_total } => {
            format!("{}: {files_done}/{files_total} files", step_label(*index, name, steps))
        }
        ProgressEvent::StepFinished { index, name, status } => {
            format!("{}: {}", step_label(*index, name, steps), describe::name(status.as_str()))
        }
        ProgressEvent::RunFinished { run } => format!("{run} finished"),
        ProgressEvent::Skipped { events } => {
            format!("({} not shown: the display fell behind)", describe::count(events, "event"))
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
/// A step not started: its name and `waiting`.
const WAITING_TEMPLATE: &str = "  {prefix}  {msg}";
/// A step running without counts: a spinner and its state.
const SPINNING_TEMPLATE: &str = "  {prefix}  {spinner} {msg:<9} {elapsed}";
/// A step running with counts, or ended with them: a bar and the counts.
const COUNTED_TEMPLATE: &str = "  {prefix}  {msg:<9} [{bar:24}] {pos}/{len} files  {elapsed}";
/// A step ended without counts: its state and how long it took.
const ENDED_TEMPLATE: &str = "  {prefix}  {msg:<9} {elapsed}";

/// Each step's label in the live display, `1. Fetch`, names padded to one width.
fn step_prefixes(steps: &[String]) -> Vec<String> {
    let names: Vec<_> = steps.iter().map(|name| describe::name(name)).collect();
    let width = names.iter().map(|name| name.chars().count()).max().unwrap_or(0);
    names.iter().enumerate().map(|(index, name)| format!("{}. {name:<width$}", index + 1)).collect()
}

/// The texts the live display shows for `event` (for the tests that feed it
/// hostile text).
#[cfg(test)]
pub(crate) fn live_texts(event: &ProgressEvent, steps: &[String]) -> Vec<String> {
    match event {
        ProgressEvent::RunStarted { steps, .. } => step_prefixes(steps),
        ProgressEvent::StepStarted { index, name } => vec![step_label(*index, name, steps)],
        ProgressEvent::StepFinished { status, .. } => vec![describe::name(status.as_str()).into()],
        _ => Vec::new(),
    }
}

impl Live {
    fn new(target: ProgressDrawTarget, what: &str) -> Self {
        let multi = MultiProgress::with_draw_target(target);
        let overall = multi.add(ProgressBar::new_spinner());
        overall.set_style(style(OVERALL_TEMPLATE));
        overall.set_prefix(what.to_owned());
        overall.set_message("starting");
        overall.enable_steady_tick(TICK);
        Self { multi, overall, steps: Vec::new() }
    }

    fn event(&mut self, event: &ProgressEvent, names: &[String], output: &Output) {
        match event {
            ProgressEvent::RunStarted { run, steps } => {
                self.overall.set_prefix(run.to_string());
                self.overall.set_message(describe::count(steps.len(), "step"));
                for prefix in step_prefixes(steps) {
                    let bar = self.multi.add(ProgressBar::new(0));
                    bar.set_style(style(WAITING_TEMPLATE));
                    bar.set_prefix(output.redactor().text(&prefix).into_owned());
                    bar.set_message("waiting");
                    self.steps.push(bar);
                }
            }
            ProgressEvent::StepStarted { index, name } => {
                if let Some(bar) = self.steps.get(*index) {
                    bar.set_style(style(SPINNING_TEMPLATE));
                    bar.reset_elapsed();
                    bar.enable_steady_tick(TICK);
                    bar.set_message("running");
                }
                let label = step_label(*index, name, names);
                self.overall.set_message(output.redactor().text(&label).into_owned());
            }
            ProgressEvent::StepProgress { index, files_done, files_total, .. } => {
                if let Some(bar) = self.steps.get(*index).filter(|_| *files_total > 0) {
                    bar.set_style(style(COUNTED_TEMPLATE).progress_chars("=> "));
                    bar.set_length(u64::try_from(*files_total).unwrap_or(0));
                    bar.set_position(u64::try_from(*files_done).unwrap_or(0));
                }
            }
            ProgressEvent::StepFinished { index, status, .. } => {
                if let Some(bar) = self.steps.get(*index) {
                    if bar.length().unwrap_or(0) == 0 {
                        bar.set_style(style(ENDED_TEMPLATE));
                    }
                    bar.disable_steady_tick();
                    // Abandon, not finish: finishing would fill the bar, and
                    // a step stopped at 126 of 500 files must say 126/500.
                    bar.abandon_with_message(describe::name(status.as_str()).into_owned());
                }
            }
            ProgressEvent::RunFinished { .. } => self.overall.set_message("finished"),
            _ => {}
        }
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
    use ei_api::enums::TransformationJobStatusEnum;
    use ei_api_ext::RunId;
    use indicatif::InMemoryTerm;

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
    fn plain_lines_name_the_step_and_its_counts() {
        let steps = vec!["Fetch".to_owned(), "Clean".to_owned()];
        let started = ProgressEvent::RunStarted { run: RunId::new(9), steps: steps.clone() };
        assert_eq!(plain_line(&started, &steps).unwrap(), "following run 9: 2 steps: Fetch, Clean");
        let progress = ProgressEvent::StepProgress {
            index: 1,
            name: "Clean".to_owned(),
            files_done: 3,
            files_total: 10,
        };
        assert_eq!(plain_line(&progress, &steps).unwrap(), "step 2/2 Clean: 3/10 files");
        let finished = ProgressEvent::StepFinished {
            index: 0,
            name: "Fetch".to_owned(),
            status: TransformationJobStatusEnum::Finished,
        };
        assert_eq!(plain_line(&finished, &steps).unwrap(), "step 1/2 Fetch: finished");
    }

    #[test]
    fn a_run_of_many_steps_starts_with_a_short_line() {
        let steps: Vec<String> = (1..=1_000).map(|n| format!("Step {n}")).collect();
        let started = ProgressEvent::RunStarted { run: RunId::new(9), steps: steps.clone() };
        let line = plain_line(&started, &steps).unwrap();
        assert!(line.ends_with("Step 7, Step 8, and 992 more"), "{line}");
        assert!(line.starts_with("following run 9: 1000 steps: Step 1, "), "{line}");
    }

    /// What a live display on a 100-column terminal shows after `events`.
    fn screen_after(events: &[ProgressEvent], end: impl FnOnce(&mut Reporter)) -> String {
        let term = InMemoryTerm::new(20, 100);
        // As often as the target allows, so that no state is skipped.
        let target = ProgressDrawTarget::term_like_with_hz(Box::new(term.clone()), u8::MAX);
        let output = Output::new(ei_api_ext::redact::Redactor::new());
        let mut reporter = Reporter::live(target, "pipeline 7", output);
        for event in events {
            reporter.event(event);
        }
        // Redraws are rate-limited; the steady ticks draw the latest state.
        std::thread::sleep(3 * TICK);
        end(&mut reporter);
        term.contents()
    }

    fn run_of(steps: &[&str]) -> Vec<ProgressEvent> {
        let steps = steps.iter().map(|name| (*name).to_owned()).collect();
        vec![ProgressEvent::RunStarted { run: RunId::new(42), steps }]
    }

    fn step(index: usize) -> [ProgressEvent; 1] {
        [ProgressEvent::StepStarted { index, name: "Import".to_owned() }]
    }

    fn counts(index: usize, done: i64, total: i64) -> ProgressEvent {
        ProgressEvent::StepProgress {
            index,
            name: "Import".into(),
            files_done: done,
            files_total: total,
        }
    }

    fn ended(index: usize, status: &str) -> ProgressEvent {
        ProgressEvent::StepFinished { index, name: "Import".into(), status: status.into() }
    }

    #[test]
    fn a_stopped_step_keeps_the_count_it_reached() {
        let mut events = run_of(&["Import"]);
        events.extend(step(0));
        events.extend([counts(0, 126, 500), ended(0, "failed")]);
        let screen = screen_after(&events, Reporter::finish);
        assert!(screen.contains("126/500 files"), "{screen}");
        assert!(!screen.contains("500/500"), "{screen}");
        assert!(screen.contains("failed"), "{screen}");
    }

    #[test]
    fn a_step_without_counts_shows_its_state_not_a_bar() {
        let mut events = run_of(&["Import"]);
        events.extend(step(0));
        let running = screen_after(&events, |_| {});
        assert!(running.contains("running") && !running.contains("0/0"), "{running}");
        assert!(!running.contains('['), "no bar: {running}");
        events.push(ended(0, "finished"));
        let done = screen_after(&events, Reporter::finish);
        assert!(done.contains("finished") && !done.contains("0/0"), "{done}");
    }

    #[test]
    fn a_counted_step_shows_its_bar() {
        let mut events = run_of(&["Import", "Upload"]);
        events.extend(step(0));
        events.push(counts(0, 30, 120));
        let screen = screen_after(&events, |_| {});
        assert!(screen.contains("30/120 files") && screen.contains('['), "{screen}");
        assert!(screen.contains("2. Upload") && screen.contains("waiting"), "{screen}");
    }

    #[test]
    fn clearing_leaves_a_clean_screen() {
        let mut events = run_of(&["Import", "Upload"]);
        events.extend(step(0));
        events.push(counts(0, 30, 120));
        let screen = screen_after(&events, Reporter::clear);
        assert_eq!(screen.trim(), "", "{screen:?}");
    }
}
