//! Several pipelines in one command (`run A B C`, `wait A B C`): followed
//! together, one outcome each in the order given, the most severe exit.

use std::io::{BufRead, Read};
use std::process::Command;
use std::time::Duration;

use ei_fake_studio::{Fault, Operation, PipelineSpec, StepSpec, When};

use crate::deadlines::failing_pipeline;
use crate::harness::{quick_pipeline, read_stderr_until, run, spawn, Studio, ORG};
use crate::untrusted_answers::{assert_terminal_safe, hostile_name};

/// Sends Ctrl-C to `child` once the studio has been asked for `calls` run
/// calls (and a moment for the last to be in flight); how it ended, its
/// stdout and its stderr.
fn interrupted_once_asked(
    studio: &Studio,
    mut child: std::process::Child,
    calls: usize,
) -> (std::process::ExitStatus, String, String) {
    let asked = std::time::Instant::now();
    while studio.calls(Operation::Run) < calls {
        assert!(asked.elapsed() < Duration::from_secs(10), "run call {calls} never came");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().expect("the child ends");
    let mut stderr = String::new();
    child.stderr.take().expect("piped").read_to_string(&mut stderr).expect("reads stderr");
    let mut stdout = String::new();
    child.stdout.take().expect("piped").read_to_string(&mut stdout).expect("reads stdout");
    (status, stdout, stderr)
}

/// A pipeline that runs longer than any test waits.
fn slow_pipeline(id: i64) -> PipelineSpec {
    PipelineSpec::new(ORG, id, "Slow")
        .step(StepSpec::new("Crunch").duration(Duration::from_secs(60)))
}

/// The `pipeline` ids of a `{"pipelines": [...]}` document, and each outcome.
fn outcomes(document: &serde_json::Value) -> Vec<(i64, String)> {
    let entries = document["pipelines"].as_array().expect("a pipelines array");
    entries
        .iter()
        .map(|entry| {
            let pipeline = entry["pipeline"].as_i64().expect("a pipeline id");
            (pipeline, entry["outcome"].as_str().expect("an outcome").to_owned())
        })
        .collect()
}

#[test]
fn three_pipelines_one_failing_exit_1_with_an_outcome_each() {
    let studio = Studio::start([quick_pipeline(1), failing_pipeline(7), quick_pipeline(3)]);
    let junit = tempfile::NamedTempFile::new().expect("a temporary file");
    let junit_path = junit.path().to_str().expect("a UTF-8 path");
    let args = ["run", "1", "7", "3", "--wait", "--json", "--junit", junit_path];
    let outcome = run(studio.cli(), &args).expect_code(1);
    let document = outcome.json();
    assert_eq!(
        outcomes(&document),
        [(1, "succeeded".into()), (7, "failed".into()), (3, "succeeded".into())]
    );
    let failed = &document["pipelines"][1];
    assert_eq!(failed["run"]["steps"][0]["files"]["failed"], 4, "{failed}");
    assert!(failed["diagnosis"]["steps"].is_array(), "the failed run is explained: {failed}");
    for id in [1, 7, 3] {
        assert_eq!(studio.runs_started(id), 1, "pipeline {id}");
    }
    // Followed together: the progress lines of each name their pipeline.
    for line in ["pipeline 7: step 1/1 Clean: failed", "pipeline 3: step 2/2 Clean: succeeded"] {
        assert!(outcome.stderr.contains(line), "no {line:?} in:\n{}", outcome.stderr);
    }
    let report = std::fs::read_to_string(junit.path()).expect("the JUnit report");
    assert_eq!(report.matches("<testsuite ").count(), 3, "a suite per run:\n{report}");

    // In words: a headline per pipeline, in the order given.
    std::thread::sleep(Duration::from_millis(200));
    let outcome = run(studio.cli(), &["run", "1", "7", "3", "--wait"]).expect_code(1);
    let headlines: Vec<&str> =
        outcome.stdout.lines().filter(|line| line.starts_with("run ")).collect();
    assert_eq!(headlines.len(), 3, "{}", outcome.stdout);
    for (headline, (pipeline, end)) in
        headlines.iter().zip([(1, "succeeded"), (7, "failed"), (3, "succeeded")])
    {
        assert!(headline.contains(&format!("of pipeline {pipeline} {end}")), "{headline}");
    }
}

#[test]
fn the_most_severe_exit_wins_and_every_other_outcome_is_still_printed() {
    let studio = Studio::start([quick_pipeline(1), failing_pipeline(7)]);
    studio.start_run(1);
    studio.start_run(7);
    // 999 does not exist (3) beside a success (0) and a failure (1): exit 3.
    let outcome = run(studio.cli(), &["wait", "1", "999", "7", "--json"]).expect_code(3);
    let document = outcome.json();
    assert_eq!(
        outcomes(&document),
        [(1, "succeeded".into()), (999, "error".into()), (7, "failed".into())]
    );
    let error = document["pipelines"][1]["error"].as_str().expect("the error");
    assert!(error.contains("999"), "{error}");
    assert!(outcome.stderr.contains("error: ") && outcome.stderr.contains("999"));
}

#[test]
fn a_timeout_and_its_stop_apply_to_every_pipeline() {
    let studio = Studio::start([slow_pipeline(3), slow_pipeline(4)]);
    let args = ["run", "3", "4", "--wait", "--timeout", "2s", "--stop-on-timeout", "--json"];
    let started = std::time::Instant::now();
    let outcome = run(studio.cli(), &args).expect_code(5);
    assert!(started.elapsed() < Duration::from_secs(10), "one deadline for both");
    let document = outcome.json();
    assert_eq!(outcomes(&document), [(3, "timed_out".into()), (4, "timed_out".into())]);
    for entry in document["pipelines"].as_array().expect("pipelines") {
        assert_eq!(entry["stop"], "confirmed", "{entry}");
    }
    for id in [3, 4] {
        let status = run(studio.cli(), &["status", &id.to_string(), "--json"]).expect_code(0);
        assert!(status.json()["currentRun"].is_null(), "pipeline {id} was stopped");
    }
}

#[test]
fn ctrl_c_ends_every_wait_and_no_run() {
    let studio = Studio::start([slow_pipeline(5), slow_pipeline(6)]);
    let junit = tempfile::NamedTempFile::new().expect("a temporary file");
    let junit_path = junit.path().to_str().expect("a UTF-8 path");
    let args = ["run", "5", "6", "--wait", "--json", "--junit", junit_path];
    let mut child = spawn(studio.cli(), &args);
    // Both runs are followed before the Ctrl-C.
    let (mut lines, mut stderr) = read_stderr_until(&mut child, "following run ");
    loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).expect("reads stderr") > 0, "{lines:?}");
        let second = line.contains("following run ");
        lines.push(line);
        if second {
            break;
        }
    }
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().expect("the child ends");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("reads stderr");
    let mut stdout = String::new();
    child.stdout.take().expect("piped").read_to_string(&mut stdout).expect("reads stdout");
    assert_eq!(status.code(), Some(130), "{}{rest}", lines.concat());
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(outcomes(&document), [(5, "interrupted".into()), (6, "interrupted".into())]);
    crate::junit_schema::validated(junit.path());
    let report = std::fs::read_to_string(junit.path()).expect("the JUnit report");
    assert_eq!(report.matches("<property name=\"outcome\" value=\"interrupted\"/>").count(), 2);
    for entry in document["pipelines"].as_array().expect("pipelines") {
        let run = entry["runId"].as_i64().unwrap_or_else(|| panic!("no runId in {entry}"));
        let property = format!("<property name=\"runId\" value=\"{run}\"/>");
        assert!(report.contains(&property), "no {property} in:\n{report}");
    }
    for id in [5, 6] {
        let status = run(studio.cli(), &["status", &id.to_string(), "--json"]).expect_code(0);
        assert!(status.json()["currentRun"].is_object(), "pipeline {id}'s run goes on");
        assert_eq!(studio.runs_started(id), 1);
    }
}

#[test]
fn several_runs_without_wait_start_each_once() {
    let studio = Studio::start([quick_pipeline(1), quick_pipeline(3)]);
    let outcome = run(studio.cli(), &["run", "1", "3", "--json"]).expect_code(0);
    let document = outcome.json();
    let entries = document["pipelines"].as_array().expect("pipelines");
    assert_eq!(entries.len(), 2);
    for (entry, id) in entries.iter().zip([1, 3]) {
        assert_eq!(entry["pipeline"], id);
        assert!(entry["pipelineRun"]["id"].is_i64(), "{entry}");
        assert_eq!(studio.runs_started(id), 1);
    }
}

#[test]
fn a_pipeline_named_twice_or_a_run_of_several_is_a_usage_error() {
    let studio = Studio::start([quick_pipeline(1), quick_pipeline(3)]);
    let outcome = run(studio.cli(), &["run", "1", "1", "--wait"]).expect_code(2);
    assert!(outcome.stderr.contains("pipeline 1 is named twice"), "{}", outcome.stderr);
    assert_eq!(studio.runs_started(1), 0);
    let outcome = run(studio.cli(), &["wait", "1", "3", "--run", "5"]).expect_code(2);
    assert!(outcome.stderr.contains("--run"), "{}", outcome.stderr);
    assert_eq!(studio.requests_received(), 0, "nothing was sent");
}

#[test]
fn a_pipeline_whose_wait_fails_after_its_run_started_names_that_run() {
    let studio = Studio::start([slow_pipeline(1), slow_pipeline(3)]);
    // Both runs start, then every read is refused (the key lost its rights).
    studio.inject(Operation::Get, When::Always, Fault::status(403));
    let junit = tempfile::NamedTempFile::new().expect("a temporary file");
    let junit_path = junit.path().to_str().expect("a UTF-8 path");
    let args = ["run", "1", "3", "--wait", "--json", "--junit", junit_path];
    let outcome = run(studio.cli(), &args).expect_code(3);
    let document = outcome.json();
    assert_eq!(outcomes(&document), [(1, "error".into()), (3, "error".into())]);
    let report = std::fs::read_to_string(junit.path()).expect("the JUnit report");
    for (entry, id) in document["pipelines"].as_array().expect("pipelines").iter().zip([1, 3]) {
        assert_eq!(studio.runs_started(id), 1);
        // The run goes on: a script must be able to follow it again.
        let run = entry["runId"].as_i64().unwrap_or_else(|| panic!("no runId in {entry}"));
        let property = format!("<property name=\"runId\" value=\"{run}\"/>");
        assert!(report.contains(&property), "no {property} in:\n{report}");
    }
    crate::junit_schema::validated(junit.path());
}

/// `program args` with at most `limit` open files, as on a Mac (256 by default).
fn with_open_files_limit(command: &Command, limit: u32, args: &[String]) -> Command {
    let mut limited = Command::new("sh");
    limited
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(command.get_program())
        .args(args)
        .stdin(std::process::Stdio::null());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => limited.env(name, value),
            None => limited.env_remove(name),
        };
    }
    limited
}

#[test]
fn as_many_pipelines_as_allowed_are_followed_within_a_small_open_files_limit() {
    // Each pipeline followed holds a connection: the cap keeps them within
    // 256 open files. 400 pipelines ran out of them and started only some runs.
    let ids: Vec<i64> = (1..=100).collect();
    let studio = Studio::start(ids.iter().map(|&id| quick_pipeline(id)));
    let mut args = vec!["run".to_owned()];
    args.extend(ids.iter().map(i64::to_string));
    args.extend(["--wait".to_owned(), "--json".to_owned()]);
    let outcome = run(with_open_files_limit(&studio.cli(), 256, &args), &[]).expect_code(0);
    let document = outcome.json();
    let ends = outcomes(&document);
    assert_eq!(ends.len(), 100);
    for ((pipeline, end), id) in ends.into_iter().zip(ids) {
        assert_eq!((pipeline, end.as_str()), (id, "succeeded"));
        assert_eq!(studio.runs_started(id), 1, "pipeline {id}");
    }
}

#[test]
fn more_pipelines_than_allowed_is_a_usage_error_before_anything_is_sent() {
    let studio = Studio::quick();
    let ids: Vec<String> = (1..=101).map(|id| id.to_string()).collect();
    for command in ["run", "wait"] {
        let mut args = vec![command];
        args.extend(ids.iter().map(String::as_str));
        let outcome = run(studio.cli(), &args).expect_code(2);
        assert!(outcome.stderr.contains("at most 100 pipelines"), "{}", outcome.stderr);
    }
    assert_eq!(studio.requests_received(), 0, "nothing was sent");
}

#[test]
fn hostile_text_in_one_pipeline_reaches_no_terminal_and_no_report_of_the_others() {
    let hostile = PipelineSpec::new(ORG, 7, hostile_name("Hostile"))
        .step(StepSpec::new(hostile_name("Fail")).duration(Duration::from_millis(300)).fails());
    let studio = Studio::start([quick_pipeline(1), hostile]);
    let junit = tempfile::NamedTempFile::new().expect("a temporary file");
    let junit_path = junit.path().to_str().expect("a UTF-8 path");
    for json in [false, true] {
        let mut args = vec!["run", "1", "7", "--wait", "--junit", junit_path];
        args.extend(json.then_some("--json"));
        let outcome = run(studio.cli(), &args).expect_code(1);
        assert_terminal_safe(&outcome);
        let report = std::fs::read_to_string(junit.path()).expect("the JUnit report");
        let raw: Vec<char> =
            report.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\t')).collect();
        assert!(raw.is_empty(), "the report carries {raw:?}");
        crate::junit_schema::validated(junit.path());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn one_pipeline_already_running_is_refused_and_the_others_run() {
    let studio = Studio::start([quick_pipeline(1), slow_pipeline(7), quick_pipeline(3)]);
    let going = studio.start_run(7);
    let outcome = run(studio.cli(), &["run", "1", "7", "3", "--wait", "--json"]).expect_code(3);
    let document = outcome.json();
    assert_eq!(
        outcomes(&document),
        [(1, "succeeded".into()), (7, "error".into()), (3, "succeeded".into())]
    );
    assert!(outcome.stderr.contains("ei-pipeline wait 7"), "the hint: {}", outcome.stderr);
    assert_eq!([1, 7, 3].map(|id| studio.runs_started(id)), [1, 1, 1], "run {going} stands");
}

#[test]
fn a_lost_run_answer_for_one_pipeline_starts_no_run_twice() {
    let studio = Studio::start([quick_pipeline(1), quick_pipeline(3)]);
    // The first run call takes effect but its answer never arrives; the
    // second is cut before it takes effect.
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    studio.inject(Operation::Run, When::Nth(2), Fault::close_before_answer());
    let outcome = run(studio.cli(), &["run", "1", "3", "--wait", "--json"]).expect_code(0);
    assert_eq!(outcomes(&outcome.json()), [(1, "succeeded".into()), (3, "succeeded".into())]);
    assert_eq!([1, 3].map(|id| studio.runs_started(id)), [1, 1]);
}

#[test]
fn ctrl_c_while_one_is_explained_and_another_followed() {
    let studio = Studio::start([failing_pipeline(7), slow_pipeline(5)]);
    // Every log read stalls: the explanation runs until its deadline.
    studio.inject(Operation::JobLogs, When::Always, Fault::delay(Duration::from_secs(3_600)));
    let args = ["run", "7", "5", "--wait", "--json", "--diagnosis-timeout", "60s"];
    let mut child = spawn(studio.cli(), &args);
    let (_, mut stderr) = read_stderr_until(&mut child, "reading why");
    let interrupted = std::time::Instant::now();
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(sent.success());
    let status = child.wait().expect("the child ends");
    assert!(interrupted.elapsed() < Duration::from_secs(5), "Ctrl-C ends it at once");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("reads stderr");
    let mut stdout = String::new();
    child.stdout.take().expect("piped").read_to_string(&mut stdout).expect("reads stdout");
    assert_eq!(status.code(), Some(130), "{rest}");
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(outcomes(&document), [(7, "failed".into()), (5, "interrupted".into())]);
    assert!(document["pipelines"][1]["runId"].is_i64(), "{document}");
    assert_eq!([7, 5].map(|id| studio.runs_started(id)), [1, 1]);
}

/// What `ei-pipeline args` writes on a terminal of 100 columns (through
/// `script`), in bytes as they reach it.
#[cfg(target_os = "linux")]
fn on_a_terminal(command: &Command, args: &str) -> String {
    let transcript = tempfile::NamedTempFile::new().expect("a temporary file");
    let program = command.get_program().to_str().expect("a UTF-8 path");
    let mut script = Command::new("script");
    let line = format!("stty cols 100 rows 40; {program} {args}");
    script.args(["-qfec", &line]).arg(transcript.path()).stdin(std::process::Stdio::null());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => script.env(name, value),
            None => script.env_remove(name),
        };
    }
    // `script` copies the session to its stdout too.
    let status = script.stdout(std::process::Stdio::null()).status().unwrap_or_else(|error| {
        panic!("this test needs `script` on the PATH (util-linux; Debian's bsdutils): {error}")
    });
    assert!(status.code().is_some(), "{status}");
    String::from_utf8_lossy(&std::fs::read(transcript.path()).expect("the transcript")).into_owned()
}

#[cfg(target_os = "linux")]
#[test]
fn a_note_on_a_live_display_of_several_starts_a_line_of_its_own() {
    let studio = Studio::start([failing_pipeline(7), slow_pipeline(5)]);
    // Pipeline 7's failure is explained while pipeline 5's bars are drawn.
    studio.inject(Operation::JobLogs, When::Always, Fault::delay(Duration::from_millis(2500)));
    let screen = on_a_terminal(&studio.cli(), "run 7 5 --wait --timeout 5s");
    assert!(screen.contains("pipeline 5 run "), "a live display:\n{screen}");
    let note = screen.find("reading why run ").expect("the note");
    // The display clears its bars before the note and draws them again below
    // it. Written under them unannounced, the next redraw (counting lines
    // up from where it left the cursor) wrote over the note and left
    // pipeline 5's bars twice on the screen.
    let before = &screen[..note];
    assert!(
        follows_an_erased_line(before),
        "the note follows {:?}",
        &before[before.len().saturating_sub(120)..]
    );
}

/// Whether what `before` leaves the cursor at, past its last cursor moves, is
/// a line it ended or erased.
#[cfg(target_os = "linux")]
fn follows_an_erased_line(mut before: &str) -> bool {
    loop {
        if before.ends_with('\n') || before.ends_with("\x1b[2K") {
            return true;
        }
        if let Some(rest) = before.strip_suffix('\r') {
            before = rest;
            continue;
        }
        // A cursor move, `ESC [ digits letter`.
        let Some(start) = before.rfind("\x1b[") else { return false };
        let sequence = &before[start + 2..];
        let (digits, last) = sequence.split_at(sequence.len().saturating_sub(1));
        let moves = matches!(last, "A" | "B" | "C" | "D" | "G");
        if !moves || !digits.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
        before = &before[..start];
    }
}

#[test]
fn one_pipelines_project_keys_are_never_printed_with_the_others() {
    use crate::secrets::{keyed_pipeline, PROJECT_API_KEY, PROJECT_HMAC_KEY};
    let studio = Studio::start([keyed_pipeline(), quick_pipeline(3)]);
    let junit = tempfile::NamedTempFile::new().expect("a temporary file");
    let junit_path = junit.path().to_str().expect("a UTF-8 path");
    let commands: [&[&str]; 4] = [
        &["run", "3", "1", "--wait", "--junit", junit_path],
        &["run", "3", "1", "--wait", "--json"],
        &["run", "3", "1", "--json"],
        &["wait", "3", "1"],
    ];
    for args in commands {
        let outcome = run(studio.cli(), args);
        for secret in [PROJECT_API_KEY, PROJECT_HMAC_KEY, "SECRET"] {
            outcome.assert_hides(secret);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let report = std::fs::read_to_string(junit.path()).expect("the JUnit report");
    assert!(!report.contains("SECRET"), "{report}");
}

#[test]
fn ctrl_c_while_runs_are_started_says_which_started() {
    let studio = Studio::start([quick_pipeline(1), quick_pipeline(3), quick_pipeline(4)]);
    // The second run call gets no answer: Ctrl-C comes while it is asked for.
    studio.inject(Operation::Run, When::Nth(2), Fault::delay(Duration::from_secs(3_600)));
    let child = spawn(studio.cli(), &["run", "1", "3", "4", "--json"]);
    let (status, stdout, stderr) = interrupted_once_asked(&studio, child, 2);
    assert_eq!(status.code(), Some(130), "{status}: {stderr}");
    // Which run started is on stdout, and what may have started is said.
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let entries = document["pipelines"].as_array().expect("pipelines");
    assert_eq!(entries.len(), 3, "{document}");
    assert!(entries[0]["pipelineRun"]["id"].is_i64(), "{document}");
    let may = entries[1]["error"].as_str().expect("pipeline 3's error");
    assert!(may.contains("may or may not have started"), "{may}");
    let not = entries[2]["error"].as_str().expect("pipeline 4's error");
    assert!(not.contains("not started"), "{not}");
    assert_eq!([1, 4].map(|id| studio.runs_started(id)), [1, 0]);
    assert!(stderr.contains("ei-pipeline status 3"), "{stderr}");
}

#[test]
fn a_read_that_stalls_for_one_pipeline_ends_at_the_deadline_with_the_others_outcomes() {
    let studio = Studio::start([quick_pipeline(1), quick_pipeline(3)]);
    // One of the two pipelines' reads never gets an answer.
    studio.inject(Operation::Get, When::Nth(2), Fault::delay(Duration::from_secs(3_600)));
    let started = std::time::Instant::now();
    let args = ["run", "1", "3", "--wait", "--json", "--timeout", "4s"];
    let outcome = run(studio.cli(), &args).expect_code(5);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(8), "the deadline held: {elapsed:?}");
    let mut ends: Vec<String> = outcomes(&outcome.json()).into_iter().map(|(_, end)| end).collect();
    ends.sort();
    assert_eq!(ends, ["succeeded", "timed_out"]);
}

#[test]
fn several_runs_without_wait_one_failing_to_start_list_each_in_order() {
    let studio = Studio::start([quick_pipeline(1), quick_pipeline(3)]);
    let outcome = run(studio.cli(), &["run", "1", "999", "3", "--json"]).expect_code(3);
    let document = outcome.json();
    let entries = document["pipelines"].as_array().expect("pipelines");
    let ids: Vec<i64> = entries.iter().map(|entry| entry["pipeline"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 999, 3]);
    assert!(entries[0]["pipelineRun"]["id"].is_i64() && entries[2]["pipelineRun"]["id"].is_i64());
    let error = entries[1]["error"].as_str().expect("pipeline 999's error");
    assert!(error.contains("999") && entries[1].get("pipelineRun").is_none(), "{document}");
    assert!(outcome.stderr.contains("error: ") && outcome.stderr.contains("999"));
    assert_eq!([1, 3].map(|id| studio.runs_started(id)), [1, 1]);
}

#[test]
fn a_wait_ending_in_an_error_is_said_when_it_ends_not_only_after_the_others() {
    let studio = Studio::start([slow_pipeline(5)]);
    studio.start_run(5);
    // 999 does not exist: its wait ends at once, pipeline 5's at the deadline.
    let mut child = spawn(studio.cli(), &["wait", "999", "5", "--timeout", "4s"]);
    let asked = std::time::Instant::now();
    let (_, mut stderr) = read_stderr_until(&mut child, "pipeline 999: could not be followed");
    assert!(asked.elapsed() < Duration::from_secs(3), "said at once: {:?}", asked.elapsed());
    assert!(child.try_wait().expect("the child").is_none(), "said while pipeline 5 is followed");
    let status = child.wait().expect("the child ends");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("reads stderr");
    assert_eq!(status.code(), Some(3), "{rest}");
    assert!(rest.contains("error: wait for pipeline 999"), "the error itself at the end: {rest}");
}

#[test]
fn ctrl_c_while_one_run_is_started_says_it_may_have_started() {
    let studio = Studio::quick();
    studio.inject(Operation::Run, When::Always, Fault::delay(Duration::from_secs(3_600)));
    let child = spawn(studio.cli(), &["run", "1", "--json"]);
    let (status, stdout, stderr) = interrupted_once_asked(&studio, child, 1);
    assert_eq!(status.code(), Some(130), "{status}: {stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("may or may not have started; check with: ei-pipeline status 1"));
}
