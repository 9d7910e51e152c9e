//! Property tests: any text the server could send (any Unicode, any control
//! character, up to a mebibyte) through every human output path (`list`,
//! `status`, the outcome lines, the plain and live progress, errors) never
//! panics and never yields a character that drives a terminal, and colour
//! adds only its own escape sequences.

use std::time::Duration;

use ei_api_ext::models::{OrganizationPipeline, OrganizationPipelineRun};
use ei_api_ext::redact::Redactor;
use ei_api_ext::run::{PipelineRuns, Run};
use ei_api_ext::untrusted::is_hazardous;
use ei_api_ext::wait::{Outcome, ProgressEvent, WaitReport};
use ei_api_ext::PipelineId;
use proptest::prelude::*;
use serde_json::json;

use crate::output::Output;
use crate::paint;
use crate::render::outcome::{outcome_lines, FollowedRun};
use crate::render::{progress, run as render_run};

/// Characters chosen to hurt: C0 and C1 controls, DEL, bidirectional
/// overrides and isolates, invisible separators.
const HAZARDS: &[char] = &[
    '\u{0}', '\u{7}', '\u{8}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{9d}',
    '\u{200b}', '\u{200e}', '\u{2028}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{feff}',
];

/// The longest text generated: a mebibyte of characters.
const LONGEST_TEXT: usize = 1 << 20;

/// Any text: arbitrary Unicode, dense hazards, or a long run of them.
fn server_text() -> impl Strategy<Value = String> {
    let hazard = proptest::sample::select(HAZARDS);
    let mixed = prop_oneof![any::<char>(), hazard.clone()];
    prop_oneof![
        4 => any::<String>(),
        4 => proptest::collection::vec(mixed, 0..300).prop_map(String::from_iter),
        1 => (proptest::collection::vec(hazard, 1..8), 0..LONGEST_TEXT)
            .prop_map(|(unit, len)| { unit.iter().cycle().take(len).collect::<String>() }),
    ]
}

/// A run (the seed's) whose step name and job status are `texts[0]` and
/// `texts[1]`, with a second, plain step that failed.
fn run(texts: &[String; 3], finished: bool) -> OrganizationPipelineRun {
    let [name, status, _] = texts;
    let mut run = crate::fixtures::seed_run();
    let mut plain = run["steps"][0].clone();
    plain["transformationJob"]["status"] = json!("failed");
    let step = &mut run["steps"][0];
    step["name"] = json!(name);
    step["transformationJob"]["name"] = json!(name);
    step["transformationJob"]["status"] = json!(status);
    run["steps"].as_array_mut().expect("steps").push(plain);
    if !finished {
        run["finished"] = serde_json::Value::Null;
    }
    serde_json::from_value(run).expect("a run")
}

fn pipeline(texts: &[String; 3]) -> OrganizationPipeline {
    let [name, _, error] = texts;
    let (current, last) = (run(texts, false), run(texts, true));
    serde_json::from_value(json!({
        "id": 7, "name": name, "description": name, "created": "2024-06-03T08:00:00.000Z",
        "steps": [{"name": name}], "emailRecipientUids": [], "whenToEmail": "never",
        "lastRunStartError": error, "currentRun": current, "lastRun": last,
    }))
    .expect("a pipeline")
}

/// Every line a person would see for `texts`.
fn everything_shown(texts: &[String; 3]) -> Vec<String> {
    let pipeline = pipeline(texts);
    let runs = PipelineRuns::of(&pipeline);
    let (going, run): (Run, Run) =
        (runs.current.expect("a current run"), runs.last.expect("a last run"));
    let mut lines = render_run::pipeline_table(std::slice::from_ref(&pipeline));
    lines.extend(render_run::pipeline_status(&pipeline));
    for outcome in [Outcome::Failed, Outcome::Unrecognized, Outcome::Succeeded] {
        let report = WaitReport::new(outcome, run.clone(), Duration::from_secs(3), 2);
        let followed = FollowedRun { pipeline: PipelineId::new(7), report, diagnosis: None };
        lines.extend(outcome_lines(&followed, &Redactor::new()));
    }
    let mut events = vec![ProgressEvent::RunStarted { run: going.id, steps: going.steps.clone() }];
    for step in going.steps.iter().chain(&run.steps) {
        events.push(ProgressEvent::StepStarted { step: step.clone() });
        events.push(ProgressEvent::StepProgress { step: step.clone() });
        events.push(ProgressEvent::StepFinished { step: step.clone() });
    }
    for event in &events {
        lines.extend(progress::plain_line(event, PipelineId::new(7), going.steps.len()));
        lines.extend(progress::live_texts(event));
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn no_server_text_reaches_a_terminal_raw(texts in [server_text(), server_text(), server_text()]) {
        for line in everything_shown(&texts) {
            prop_assert!(!line.chars().any(is_hazardous), "{line:?}");
            prop_assert!(line.chars().count() < 2_000, "a line of {} bytes", line.len());
            // Colour adds our SGR sequences and nothing else.
            let painted = paint::states(&line);
            prop_assert_eq!(anstream::adapter::strip_str(&painted).to_string(), line);
        }
        // The last defence, for whatever text reaches `output` (errors too).
        let written = Output::new(Redactor::new()).terminal_safe(&format!("error: {}\n  hint: {}", texts[0], texts[1]));
        prop_assert!(!written.chars().any(|c| is_hazardous(c) && c != '\n'), "{written:?}");
    }
}
