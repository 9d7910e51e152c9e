//! Showing a wait's progress on stderr: live bars on a terminal (indicatif),
//! one plain line per event anywhere else (CI logs, `--json`).

use std::time::Duration;

use ei_api_ext::wait::ProgressEvent;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;

use crate::{describe, output};

/// How the overall line's spinner and elapsed time are refreshed.
const TICK: Duration = Duration::from_millis(120);

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
    pub fn choose(json: bool) -> Self {
        if !json && output::stderr_is_terminal() && !output::stderr_carries_log() {
            Display::Live
        } else {
            Display::Plain
        }
    }
}

/// Turns a wait's progress events into what the user sees.
#[derive(Debug)]
pub struct Reporter {
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
    /// A reporter showing progress as `display` says; `what` names what is
    /// being started (`pipeline 7`).
    pub fn new(display: Display, what: &str) -> Self {
        let live = (display == Display::Live).then(|| Live::new(what));
        if live.is_none() {
            output::error_line(&format!("[0.0s] starting a run of {what}"));
        }
        Self { started: Instant::now(), steps: Vec::new(), live }
    }

    /// Shows one event.
    pub fn event(&mut self, event: &ProgressEvent) {
        if let ProgressEvent::RunStarted { steps, .. } = event {
            self.steps = steps.clone();
        }
        match &mut self.live {
            Some(live) => live.event(event, &self.steps),
            None => {
                if let Some(text) = plain_line(event, &self.steps) {
                    let elapsed = self.started.elapsed().as_secs_f64();
                    output::error_line(&format!("[{elapsed:.1}s] {text}"));
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
            let names: Vec<_> = steps.iter().map(|name| describe::name(name)).collect();
            format!("{run} started: {}: {}", describe::count(steps.len(), "step"), names.join(", "))
        }
        ProgressEvent::StepStarted { index, name } => {
            format!("{}: started", step_label(*index, name, steps))
        }
        ProgressEvent::StepProgress { index, name, files_done, files_total } => {
            format!("{}: {files_done}/{files_total} files", step_label(*index, name, steps))
        }
        ProgressEvent::StepFinished { index, name, status } => {
            format!("{}: {}", step_label(*index, name, steps), describe::name(status.as_str()))
        }
        ProgressEvent::RunFinished { run } => format!("{run} finished"),
        _ => return None,
    })
}

/// A style from a fixed template; the templates are tested, so this never
/// falls back in practice.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn overall_style() -> ProgressStyle {
    style("{spinner} {prefix} {wide_msg} {elapsed:>5}")
}

fn waiting_style() -> ProgressStyle {
    style("  {prefix}  {msg}")
}

fn running_style() -> ProgressStyle {
    style("  {prefix}  {msg:<9} [{bar:24}] {pos}/{len} files  {elapsed}").progress_chars("=> ")
}

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
    fn new(what: &str) -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new_spinner());
        overall.set_style(overall_style());
        overall.set_prefix(what.to_owned());
        overall.set_message("starting");
        overall.enable_steady_tick(TICK);
        Self { multi, overall, steps: Vec::new() }
    }

    fn event(&mut self, event: &ProgressEvent, names: &[String]) {
        match event {
            ProgressEvent::RunStarted { run, steps } => {
                self.overall.set_prefix(run.to_string());
                self.overall.set_message(describe::count(steps.len(), "step"));
                for prefix in step_prefixes(steps) {
                    let bar = self.multi.add(ProgressBar::new(0));
                    bar.set_style(waiting_style());
                    bar.set_prefix(output::scrub(&prefix));
                    bar.set_message("waiting");
                    self.steps.push(bar);
                }
            }
            ProgressEvent::StepStarted { index, name } => {
                if let Some(bar) = self.steps.get(*index) {
                    bar.set_style(running_style());
                    bar.reset_elapsed();
                    bar.enable_steady_tick(TICK);
                    bar.set_message("started");
                }
                self.overall.set_message(output::scrub(&step_label(*index, name, names)));
            }
            ProgressEvent::StepProgress { index, files_done, files_total, .. } => {
                if let Some(bar) = self.steps.get(*index) {
                    bar.set_length(u64::try_from(*files_total).unwrap_or(0));
                    bar.set_position(u64::try_from(*files_done).unwrap_or(0));
                }
            }
            ProgressEvent::StepFinished { index, status, .. } => {
                if let Some(bar) = self.steps.get(*index) {
                    if bar.length() == Some(0) {
                        bar.set_style(waiting_style());
                    }
                    bar.finish_with_message(describe::name(status.as_str()).into_owned());
                }
            }
            ProgressEvent::RunFinished { .. } => {
                self.overall.set_message("finished");
            }
            _ => {}
        }
    }

    fn finish(self) {
        for bar in &self.steps {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
        self.overall.abandon();
        drop(self.multi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ei_api::enums::TransformationJobStatusEnum;
    use ei_api_ext::RunId;

    #[test]
    fn templates_are_valid() {
        for template in [
            "{spinner} {prefix} {wide_msg} {elapsed:>5}",
            "  {prefix}  {msg}",
            "  {prefix}  {msg:<9} [{bar:24}] {pos}/{len} files  {elapsed}",
        ] {
            ProgressStyle::with_template(template).unwrap();
        }
    }

    #[test]
    fn plain_lines_name_the_step_and_its_counts() {
        let steps = vec!["Fetch".to_owned(), "Clean".to_owned()];
        let started = ProgressEvent::RunStarted { run: RunId::new(9), steps: steps.clone() };
        assert_eq!(plain_line(&started, &steps).unwrap(), "run 9 started: 2 steps: Fetch, Clean");
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
}
