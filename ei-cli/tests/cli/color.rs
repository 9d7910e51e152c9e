//! `--color`: states and failures painted on request, never in JSON, never
//! into a pipe by default or with `NO_COLOR`, and never an escape of the
//! server's.

use std::time::Duration;

use ei_fake_studio::{PipelineSpec, StepSpec};

use crate::harness::{quick_pipeline, run, Studio, ORG};

const ESC: char = '\u{1b}';
const GREEN: &str = "\u{1b}[32m";
const RED_BOLD: &str = "\u{1b}[1m\u{1b}[31m";
const RESET: &str = "\u{1b}[0m";

/// A step name that would turn the terminal red, were it written raw.
const HOSTILE_NAME: &str = "\u{1b}[31mEvil";

/// Pipeline 1 succeeds; pipeline 2's step, named [`HOSTILE_NAME`], fails.
fn studio() -> Studio {
    Studio::start([
        quick_pipeline(1),
        PipelineSpec::new(ORG, 2, "Hostile").step(
            StepSpec::new(HOSTILE_NAME).duration(Duration::from_millis(300)).files(3).fails(),
        ),
    ])
}

/// `text` without the SGR sequences this program paints with.
fn unpainted(text: &str) -> String {
    [RED_BOLD, GREEN, RESET, "\u{1b}[36m", "\u{1b}[33m", "\u{1b}[2m"]
        .iter()
        .fold(text.to_owned(), |text, sgr| text.replace(sgr, ""))
}

#[test]
fn color_always_paints_states_and_failures_and_only_ours() {
    let studio = studio();
    let outcome = run(studio.cli(), &["--color", "always", "run", "1", "--wait"]).expect_code(0);
    assert!(outcome.stdout.contains(&format!("{GREEN}succeeded{RESET}")), "{:?}", outcome.stdout);
    assert!(
        outcome.stderr.contains(&format!("Fetch: {GREEN}succeeded{RESET}")),
        "{:?}",
        outcome.stderr
    );

    let outcome = run(studio.cli(), &["run", "2", "--wait", "--color=always"]).expect_code(1);
    for stream in [&outcome.stdout, &outcome.stderr] {
        assert!(stream.contains(&format!("{RED_BOLD}failed{RESET}")), "{stream:?}");
        // The server's escape is shown escaped, and no ESC is left but ours.
        assert!(stream.contains("\\u{1b}[31mEvil"), "{stream:?}");
        assert!(!unpainted(stream).contains(ESC), "an escape of the server's: {stream:?}");
    }

    let error = run(studio.cli(), &["--color", "always", "status", "999"]).expect_code(3);
    assert!(error.stderr.starts_with(&format!("{RED_BOLD}error:{RESET} ")), "{:?}", error.stderr);
}

#[test]
fn json_and_pipes_get_no_colour() {
    let studio = studio();
    let json = run(studio.cli(), &["--color", "always", "run", "2", "--wait", "--json"]);
    let json = json.expect_code(1);
    assert!(!json.stdout.contains(ESC), "{:?}", json.stdout);
    assert_eq!(json.json()["outcome"], "failed");
    // --log-format json: every stderr line stays a JSON object, unpainted.
    let lines =
        run(studio.cli(), &["--color", "always", "--log-format", "json", "run", "1", "--wait"]);
    let lines = lines.expect_code(0);
    assert!(!lines.stderr.contains(ESC), "{:?}", lines.stderr);
    assert!(lines.stdout.contains(GREEN), "stdout's text lines still are: {:?}", lines.stdout);

    // The tests' streams are pipes: auto (the default) paints nothing...
    for args in [&["run", "2", "--wait"][..], &["--color", "auto", "run", "2", "--wait"]] {
        let outcome = run(studio.cli(), args).expect_code(1);
        assert!(!outcome.stdout.contains(ESC) && !outcome.stderr.contains(ESC), "{outcome:?}");
    }
    // ...unless CLICOLOR_FORCE asks, which NO_COLOR overrides; never does.
    let mut forced = studio.cli();
    forced.env("CLICOLOR_FORCE", "1");
    let outcome = run(forced, &["run", "2", "--wait"]).expect_code(1);
    assert!(outcome.stdout.contains(RED_BOLD), "{:?}", outcome.stdout);
    let mut no_color = studio.cli();
    no_color.env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1");
    let outcome = run(no_color, &["--color", "auto", "run", "2", "--wait"]).expect_code(1);
    assert!(!outcome.stdout.contains(ESC) && !outcome.stderr.contains(ESC), "{outcome:?}");
    let mut empty = studio.cli();
    empty.env("CLICOLOR_FORCE", "1").env("NO_COLOR", "");
    let outcome = run(empty, &["run", "2", "--wait"]).expect_code(1);
    assert!(
        outcome.stdout.contains(RED_BOLD),
        "an empty NO_COLOR is not set: {:?}",
        outcome.stdout
    );
    let mut never = studio.cli();
    never.env("CLICOLOR_FORCE", "1");
    let outcome = run(never, &["--color", "never", "run", "2", "--wait"]).expect_code(1);
    assert!(!outcome.stdout.contains(ESC) && !outcome.stderr.contains(ESC), "{outcome:?}");
    // --color always overrides NO_COLOR (a flag on the command line is the user's choice).
    let mut always = studio.cli();
    always.env("NO_COLOR", "1");
    let outcome = run(always, &["--color", "always", "run", "1", "--wait"]).expect_code(0);
    assert!(outcome.stdout.contains(GREEN), "{:?}", outcome.stdout);
}
