//! `-q/--quiet`: only errors (with their hints) and the outcome's one line.

use std::process::Command;
use std::time::{Duration, Instant};

use ei_fake_studio::{PipelineSpec, StepSpec};

use crate::harness::{bare_cli, quick_pipeline, run, spawn, Studio, ORG};

/// Pipeline 1 succeeds, pipeline 2's second step fails.
fn studio() -> Studio {
    Studio::start([
        quick_pipeline(1),
        PipelineSpec::new(ORG, 2, "Refresh")
            .step(StepSpec::new("Fetch").duration(Duration::from_millis(300)).files(4))
            .step(StepSpec::new("Clean").duration(Duration::from_millis(300)).files(5).fails()),
    ])
}

#[test]
fn a_quiet_wait_prints_only_its_outcome_line() {
    let studio = studio();
    // Without -q: progress on stderr, and the steps under the outcome.
    let loud = run(studio.cli(), &["run", "1", "--wait"]).expect_code(0);
    assert!(loud.stderr.contains("step 1/2 Fetch: running"), "{}", loud.stderr);
    assert!(loud.stdout.lines().count() > 1, "{}", loud.stdout);

    let quiet = run(studio.cli(), &["run", "1", "--wait", "-q"]).expect_code(0);
    assert_eq!(quiet.stderr, "", "nothing on stderr");
    let lines: Vec<&str> = quiet.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line:\n{}", quiet.stdout);
    assert!(lines[0].starts_with("run ") && lines[0].contains(" of pipeline 1 succeeded in "));

    // A failed run: its one line says why; the explanation and steps are left out.
    let failed = run(studio.cli(), &["run", "2", "--wait", "--quiet"]).expect_code(1);
    assert_eq!(failed.stderr, "", "nothing on stderr");
    let lines: Vec<&str> = failed.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line:\n{}", failed.stdout);
    assert!(
        lines[0].contains(" failed in ")
            && lines[0].contains("step 2 \"Clean\" failed, 5 of 5 files"),
        "{}",
        lines[0]
    );

    // Several pipelines: one line each, in the order given.
    let several = run(studio.cli(), &["run", "1", "2", "--wait", "-q"]).expect_code(1);
    assert_eq!(several.stderr, "", "nothing on stderr");
    let lines: Vec<&str> = several.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line each:\n{}", several.stdout);
    assert!(lines[0].contains(" of pipeline 1 succeeded in "), "{}", lines[0]);
    assert!(lines[1].contains(" of pipeline 2 failed in "), "{}", lines[1]);

    // --json keeps its document, without progress.
    let json = run(studio.cli(), &["run", "1", "--wait", "--json", "-q"]).expect_code(0);
    assert_eq!(json.stderr, "");
    assert_eq!(json.json()["outcome"], "succeeded");
}

#[test]
fn a_quiet_error_keeps_its_hint_and_quiet_conflicts_with_verbose() {
    let studio = studio();
    let missing = run(studio.cli(), &["-q", "status", "999"]).expect_code(3);
    assert_eq!(missing.stdout, "");
    assert!(missing.stderr.starts_with("error: "), "{}", missing.stderr);
    assert!(missing.stderr.contains("\n  hint: "), "the hint is kept: {}", missing.stderr);

    let both = run(bare_cli(), &["-q", "-v", "list"]).expect_code(2);
    assert!(
        both.stderr.contains("'--quiet' cannot be used with '--verbose...'"),
        "{}",
        both.stderr
    );
}

#[test]
fn a_quiet_wait_ended_by_ctrl_c_still_says_how_it_ended() {
    let studio = Studio::start([PipelineSpec::new(ORG, 5, "Patient")
        .step(StepSpec::new("Wait for it").duration(Duration::from_secs(30)))]);
    let child = spawn(studio.cli(), &["run", "5", "--wait", "-q"]);
    // Nothing on stderr tells when the wait began: the run's start does,
    // and the wait listens for Ctrl-C well within a second of it.
    let started = Instant::now();
    while studio.runs_started(5) == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "the run never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_secs(1));
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().expect("the child ends");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(output.stdout.is_empty(), "{:?}", String::from_utf8_lossy(&output.stdout));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line:\n{stderr}");
    assert!(lines[0].starts_with("interrupted: stopped waiting; run "), "{stderr}");
    assert!(lines[0].contains("ei-pipeline wait 5 --run "), "{stderr}");
}
