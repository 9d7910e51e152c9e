//! `--github-reports`: on GitHub Actions the job summary is appended to
//! `$GITHUB_STEP_SUMMARY` and an `::error` workflow command printed per
//! failed step, through the binary, read back: why a run failed, safe
//! whatever the server sends (no markup from a server text, no second
//! workflow command, no secret), stdout unchanged, and nothing elsewhere.

use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ei_fake_studio::{PipelineSpec, StepSpec};

use crate::harness::{
    quick_pipeline, read_stderr_until, run, spawn, Outcome, Studio, API_KEY, ORG,
};
use crate::junit::{failing_pipeline, PROJECT_KEY};

/// What a job summary file holds before the binary appends to it: an
/// earlier step's summary.
const EARLIER: &str = "## An earlier step\n\nits summary\n";

/// The binary as GitHub's runner starts it, its job summary file `summary`
/// (which holds [`EARLIER`]).
fn on_github(studio: &Studio, summary: &Path) -> Command {
    std::fs::write(summary, EARLIER).expect("writes the earlier summary");
    let mut command = studio.cli();
    command.env("GITHUB_ACTIONS", "true").env("GITHUB_STEP_SUMMARY", summary);
    command
}

/// What the binary appended to the job summary file, which kept what it held.
#[track_caller]
fn appended(summary: &Path) -> String {
    let text = std::fs::read_to_string(summary).expect("the summary is UTF-8");
    let added = text.strip_prefix(EARLIER).unwrap_or_else(|| panic!("the file kept: {text}"));
    for secret in [API_KEY, PROJECT_KEY] {
        assert!(!added.contains(secret), "the summary shows {secret}:\n{added}");
    }
    let controls: Vec<char> = added.chars().filter(|c| c.is_control() && *c != '\n').collect();
    assert!(controls.is_empty(), "the summary carries {controls:?}");
    added.to_owned()
}

/// The lines a runner takes as workflow commands: those that start with
/// `::` once trimmed.
fn workflow_commands(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|line| line.starts_with("::")).collect()
}

/// The characters of `line` that could make Markdown markup, its
/// backslash-escaped ones apart.
fn unescaped_markup(line: &str) -> String {
    let mut markup = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            c if "`*_[]<>()#!|~&:@.$".contains(c) => markup.push(c),
            _ => {}
        }
    }
    markup
}

#[test]
fn a_failed_run_appends_a_summary_saying_why_and_annotates_its_failed_step() {
    let studio = Studio::start([failing_pipeline(2)]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let outcome = run(on_github(&studio, &summary), &["run", "2", "--wait"]).expect_code(1);
    outcome.assert_hides(PROJECT_KEY);
    let added = appended(&summary);

    assert!(added.starts_with("### pipeline 2 run "), "{added}");
    assert!(added.contains(": failed\n"), "{added}");
    let rows: Vec<&str> = added.lines().filter(|line| line.starts_with("| ")).collect();
    assert_eq!(rows[0], "| Step | State |");
    assert_eq!(rows[2], "| 1\\. Fetch | succeeded, 4/4 files |");
    let failed = rows[3];
    assert!(failed.starts_with("| 2\\. Clean \\<b\\>\\&amp;\\</b\\> \\]\\]\\>"), "{failed}");
    assert!(failed.ends_with("| failed, 40/40 files, 3 failed |"), "{failed}");
    // Outside the code block, a server text makes no markup: only the
    // table's bars and the heading's hashes are left unescaped.
    for line in added.lines().filter(|line| !line.starts_with("    ")) {
        let markup = unescaped_markup(line);
        let allowed = if line.starts_with("| ") { "|-" } else { "#" };
        assert!(markup.chars().all(|c| allowed.contains(c)), "markup {markup:?} in {line}");
    }
    let diagnosis: Vec<&str> = added.lines().filter(|line| line.starts_with("    ")).collect();
    let diagnosis = diagnosis.join("\n");
    assert!(diagnosis.contains("failed: 3 of 40 files failed"), "{diagnosis}");
    assert!(diagnosis.contains("[error] ValueError: bad label <redacted>"), "{diagnosis}");
    assert!(diagnosis.contains("\\u{1b}[2J"), "control characters escaped as elsewhere");

    let commands = workflow_commands(&outcome.stderr);
    assert_eq!(commands.len(), 1, "one per failed step:\n{}", outcome.stderr);
    let command = commands[0];
    assert!(command.starts_with("::error title=pipeline 2 run "), "{command}");
    assert!(command.contains("::step 2 \"Clean <b>&amp;</b>"), "{command}");
    assert!(command.contains("failed, 3 of 40 files; "), "{command}");
    assert!(
        command.ends_with("ValueError: bad label <redacted>"),
        "the last error line: {command}"
    );
    assert!(command.contains("100%25"), "percent-encoded: {command}");
    assert!(workflow_commands(&outcome.stdout).is_empty(), "{}", outcome.stdout);
}

#[test]
fn with_json_stdout_stays_one_document_and_the_reports_are_written() {
    let studio = Studio::start([failing_pipeline(2)]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let outcome =
        run(on_github(&studio, &summary), &["run", "2", "--wait", "--json"]).expect_code(1);
    assert_eq!(outcome.json()["outcome"], "failed");
    assert!(appended(&summary).contains("3 of 40 files failed"));
    assert_eq!(workflow_commands(&outcome.stderr).len(), 1, "{}", outcome.stderr);
}

#[test]
fn a_succeeded_run_is_summarized_without_annotations() {
    let studio = Studio::quick();
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let outcome = run(on_github(&studio, &summary), &["run", "1", "--wait"]).expect_code(0);
    let added = appended(&summary);
    assert!(added.contains(": succeeded\n"), "{added}");
    assert!(added.contains("| 2\\. Clean | succeeded, 20/20 files |"), "{added}");
    assert!(workflow_commands(&outcome.stderr).is_empty(), "{}", outcome.stderr);
}

#[test]
fn a_timed_out_wait_is_summarized_and_annotated_once() {
    let pipeline = PipelineSpec::new(ORG, 5, "Slow")
        .step(StepSpec::new("Crawl").duration(Duration::from_secs(60)).files(5));
    let studio = Studio::start([pipeline]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let args = ["wait", "5", "--timeout", "2s"];
    studio.start_run(5);
    let outcome = run(on_github(&studio, &summary), &args).expect_code(5);
    assert!(appended(&summary).contains(": timed\\_out\n"));
    let commands = workflow_commands(&outcome.stderr);
    assert_eq!(commands.len(), 1, "{}", outcome.stderr);
    assert!(commands[0].contains("timed out after"), "{}", commands[0]);
}

#[test]
fn nothing_is_written_off_github_actions_or_when_turned_off() {
    let studio = Studio::start([failing_pipeline(2)]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let mut off_github = on_github(&studio, &summary);
    off_github.env_remove("GITHUB_ACTIONS");
    let mut not_true = on_github(&studio, &summary);
    not_true.env("GITHUB_ACTIONS", "1");
    let turned_off = on_github(&studio, &summary);
    let cases: [(Command, &[&str]); 3] = [
        (off_github, &["run", "2", "--wait"]),
        (not_true, &["run", "2", "--wait"]),
        (turned_off, &["run", "2", "--wait", "--github-reports", "never"]),
    ];
    for (command, args) in cases {
        let outcome: Outcome = run(command, args).expect_code(1);
        assert_eq!(std::fs::read_to_string(&summary).unwrap(), EARLIER, "{args:?}");
        assert!(workflow_commands(&outcome.stderr).is_empty(), "{}", outcome.stderr);
    }
}

#[test]
fn a_summary_that_cannot_be_written_turns_a_success_into_exit_2() {
    let studio = Studio::quick();
    let directory = tempfile::tempdir().expect("a temp dir");
    let mut command = studio.cli();
    // A directory where the file should be.
    command.env("GITHUB_ACTIONS", "true").env("GITHUB_STEP_SUMMARY", directory.path());
    let outcome = run(command, &["run", "1", "--wait"]).expect_code(2);
    assert!(outcome.stderr.contains("could not write the job summary"), "{}", outcome.stderr);
}

#[test]
fn always_without_a_summary_file_is_a_usage_error_before_any_run() {
    let studio = Studio::start([quick_pipeline(1)]);
    let outcome =
        run(studio.cli(), &["run", "1", "--wait", "--github-reports", "always"]).expect_code(2);
    assert!(outcome.stderr.contains("GITHUB_STEP_SUMMARY is not set"), "{}", outcome.stderr);
    assert_eq!(studio.runs_started(1), 0);
}

#[test]
fn with_json_log_lines_every_stderr_line_stays_json_and_the_summary_is_written() {
    let studio = Studio::start([failing_pipeline(2)]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let args = ["-v", "--log-format", "json", "run", "2", "--wait"];
    let outcome = run(on_github(&studio, &summary), &args).expect_code(1);
    for line in outcome.stderr.lines() {
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(line);
        assert!(parsed.is_ok(), "not JSON: {line}");
    }
    assert!(appended(&summary).contains("3 of 40 files failed"));
}

#[test]
fn a_wait_that_fails_is_summarized_and_annotated_with_its_error() {
    let studio = Studio::quick();
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let outcome = run(on_github(&studio, &summary), &["wait", "999"]).expect_code(3);
    let added = appended(&summary);
    assert!(added.starts_with("### pipeline 999\\: error\n"), "{added}");
    let commands = workflow_commands(&outcome.stderr);
    assert_eq!(commands.len(), 1, "{}", outcome.stderr);
    let command = commands[0];
    assert!(command.starts_with("::error title=pipeline 999::error: wait for pipeline 999"));
    assert!(command.contains("not found (HTTP 404)"), "{command}");
    assert!(command.contains("%0A  hint: "), "its lines in one command: {command}");
}

#[test]
fn ctrl_c_reports_that_the_wait_was_interrupted() {
    let pipeline = PipelineSpec::new(ORG, 5, "Patient")
        .step(StepSpec::new("Wait for it").duration(Duration::from_secs(30)));
    let studio = Studio::start([pipeline]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let mut child = spawn(on_github(&studio, &summary), &["run", "5", "--wait"]);
    let (_, mut rest) = read_stderr_until(&mut child, ": 1 step: Wait for it");
    let sent =
        Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success());
    let status = child.wait().expect("the child ends");
    let mut stderr = String::new();
    rest.read_to_string(&mut stderr).expect("reads stderr");
    assert_eq!(status.code(), Some(130));
    let added = appended(&summary);
    assert!(added.starts_with("### pipeline 5 run "), "{added}");
    assert!(added.contains("\\: interrupted\n"), "{added}");
    let commands = workflow_commands(&stderr);
    assert_eq!(commands.len(), 1, "{stderr}");
    assert!(commands[0].contains("::interrupted: interrupted (Ctrl-C)"), "{}", commands[0]);
}

#[test]
fn several_pipelines_have_a_section_each_and_the_failed_one_its_annotation() {
    let studio = Studio::start([quick_pipeline(1), failing_pipeline(2)]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let args = ["run", "1", "2", "--wait", "--json"];
    let outcome = run(on_github(&studio, &summary), &args).expect_code(1);
    assert_eq!(outcome.json()["pipelines"].as_array().map(Vec::len), Some(2));
    let added = appended(&summary);
    let headings: Vec<&str> = added.lines().filter(|line| line.starts_with("### ")).collect();
    assert_eq!(headings.len(), 2, "{added}");
    assert!(headings[0].starts_with("### pipeline 1 run ") && headings[0].ends_with("succeeded"));
    assert!(headings[1].starts_with("### pipeline 2 run ") && headings[1].ends_with("failed"));
    let commands = workflow_commands(&outcome.stderr);
    assert_eq!(commands.len(), 1, "{}", outcome.stderr);
    assert!(commands[0].starts_with("::error title=pipeline 2 run "), "{}", commands[0]);
}

#[test]
fn server_text_never_reads_as_a_workflow_command() {
    // A step name, a log line and a pipeline name that a runner would take
    // for commands: hide ours (`::stop-commands::`), forge one (`##[error]`).
    use ei_api_ext::enums::JobLogItemLogLevel;
    let log = vec![
        (Some(JobLogItemLogLevel::Error), "::stop-commands::hide-the-rest".to_owned()),
        (Some(JobLogItemLogLevel::Error), "  ::error title=forged::forged".to_owned()),
        (Some(JobLogItemLogLevel::Error), "boom ##[error]forged too".to_owned()),
    ];
    let step = StepSpec::new("::add-mask::step")
        .duration(Duration::from_millis(300))
        .files(4)
        .failing_files(2)
        .failure_log(log);
    let pipeline = PipelineSpec::new(ORG, 8, "::warning::pipeline").step(step);
    let studio = Studio::start([pipeline]);
    let directory = tempfile::tempdir().expect("a temp dir");
    let summary = directory.path().join("summary.md");
    let outcome = run(on_github(&studio, &summary), &["-v", "run", "8", "--wait"]).expect_code(1);
    assert!(outcome.stdout.contains("stop-commands::hide-the-rest"), "{}", outcome.stdout);
    assert!(workflow_commands(&outcome.stdout).is_empty(), "{}", outcome.stdout);
    let commands = workflow_commands(&outcome.stderr);
    assert_eq!(commands.len(), 1, "ours alone:\n{}", outcome.stderr);
    assert!(commands[0].starts_with("::error title=pipeline 8 run "), "{}", commands[0]);
    for text in [&outcome.stdout, &outcome.stderr] {
        assert!(!text.contains("##["), "{text}");
    }
}
