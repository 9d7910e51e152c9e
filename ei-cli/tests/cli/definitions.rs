//! Pipelines as code through the binary: export, diff, apply, delete and
//! list --archived against the fake Studio, counting its writes, and never
//! showing a secret.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ei_fake_studio::{Fault, Operation, When};

use crate::harness::{run, spawn, Outcome, Studio};
use crate::secrets::{keyed_pipeline, PROJECT_API_KEY, PROJECT_HMAC_KEY};

/// A fresh directory for one test's files.
fn directory(name: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("ei-cli-definitions-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).expect("a temporary directory");
    path
}

fn path_text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The CLI with the variables an export of [`keyed_pipeline`] names set to
/// the keys it holds, as a CI job would set them.
fn cli_with_keys(studio: &Studio) -> std::process::Command {
    let mut cli = studio.cli();
    for step in [1, 2] {
        cli.env(format!("EI_PIPELINE_1_STEP_{step}_PROJECT_API_KEY"), PROJECT_API_KEY);
        cli.env(format!("EI_PIPELINE_1_STEP_{step}_PROJECT_HMAC_KEY"), PROJECT_HMAC_KEY);
    }
    cli
}

fn hides_secrets(outcome: &Outcome) {
    for secret in [PROJECT_API_KEY, PROJECT_HMAC_KEY, "SECRET"] {
        outcome.assert_hides(secret);
    }
}

/// Exports pipeline 1 of `studio` into `dir` and returns the file's path.
fn export(studio: &Studio, dir: &Path) -> PathBuf {
    let outcome = run(studio.cli(), &["export", "1", "-o", path_text(dir)]).expect_code(0);
    hides_secrets(&outcome);
    let file = dir.join("1-keyed.yaml");
    assert!(outcome.stdout.contains("1-keyed.yaml"), "{}", outcome.stdout);
    file
}

#[test]
fn an_export_diffs_as_nothing_and_applies_without_a_write() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("export");
    let file = export(&studio, &dir);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("${EI_PIPELINE_1_STEP_1_PROJECT_API_KEY}"), "{text}");
    assert!(
        text.contains(
            "# secret: set the environment variable EI_PIPELINE_1_STEP_2_PROJECT_HMAC_KEY"
        ),
        "{text}"
    );
    for absent in ["created", "nextRun", "currentRun", "lastRun"] {
        assert!(!text.contains(absent), "{absent} in {text}");
    }
    let diff = run(studio.cli(), &["diff", path_text(&file)]).expect_code(0);
    assert!(diff.stdout.contains("no change"), "{}", diff.stdout);
    let apply = run(studio.cli(), &["apply", path_text(&file)]).expect_code(0);
    hides_secrets(&apply);
    assert_eq!(studio.definition_writes(), 0);
    // On stdout too, as one stream.
    let streamed = run(studio.cli(), &["export", "--all"]).expect_code(0);
    hides_secrets(&streamed);
    assert!(streamed.stdout.contains("name: Keyed"), "{}", streamed.stdout);
}

#[test]
fn a_changed_schedule_and_parameter_diff_as_exit_1_and_apply_once() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("change");
    let file = export(&studio, &dir);
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen("description:", "intervalStr: 1d\ndescription:", 1);
    let text =
        text.replacen("- name: Import\n", "- name: Import\n  parameters:\n    rate: '16000'\n", 1);
    std::fs::write(&file, text).unwrap();
    let diff = run(studio.cli(), &["diff", path_text(&file)]).expect_code(1);
    assert!(diff.stdout.contains("intervalStr: (absent) -> \"1d\""), "{}", diff.stdout);
    assert!(diff.stdout.contains("steps[0].parameters"), "{}", diff.stdout);
    let dry = run(studio.cli(), &["apply", "--dry-run", path_text(&file)]).expect_code(0);
    assert!(dry.stdout.contains("nothing written"), "{}", dry.stdout);
    assert_eq!(studio.definition_writes(), 0);
    // A write needs every key the file names: without them, nothing is written.
    let unset = run(studio.cli(), &["apply", path_text(&file)]).expect_code(2);
    assert!(unset.stderr.contains("EI_PIPELINE_1_STEP_1_PROJECT_API_KEY"), "{}", unset.stderr);
    assert_eq!(studio.definition_writes(), 0);
    let apply = run(cli_with_keys(&studio), &["apply", "--json", path_text(&file)]).expect_code(0);
    hides_secrets(&apply);
    assert_eq!(apply.json()[0]["action"], "updated");
    assert_eq!(apply.json()[0]["changes"][0]["path"], "intervalStr");
    assert_eq!(studio.definition_writes(), 1);
    let held = studio.definition(1).unwrap();
    assert_eq!(held.interval_str.as_deref(), Some("1d"));
    assert_eq!(held.steps[0].project_api_key.as_ref().map(|k| k.expose()), Some(PROJECT_API_KEY));
    run(cli_with_keys(&studio), &["apply", path_text(&file)]).expect_code(0);
    run(studio.cli(), &["apply", path_text(&file)]).expect_code(0);
    assert_eq!(studio.definition_writes(), 1);
    run(studio.cli(), &["diff", path_text(&file)]).expect_code(0);
}

const NEW_FILE: &str = "name: Weekly export
intervalStr: 2h
steps:
- name: Upload
  projectId: 9
  uploadType: project
  projectApiKey: ${EI_TEST_UPLOAD_KEY}
whenToEmail: never
";

#[test]
fn a_new_file_creates_once_with_its_secret_from_the_environment() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("create");
    let file = dir.join("weekly.yaml");
    std::fs::write(&file, NEW_FILE).unwrap();
    let mut cli = studio.cli();
    cli.env("EI_TEST_UPLOAD_KEY", "ei_upload_SECRET_from_env");
    let apply = run(cli, &["apply", path_text(&file)]).expect_code(0);
    hides_secrets(&apply);
    assert!(apply.stdout.contains("created pipeline 2"), "{}", apply.stdout);
    assert_eq!(studio.definition_writes(), 1);
    let held = studio.definition(2).unwrap();
    assert_eq!(
        held.steps[0].project_api_key.as_ref().unwrap().expose(),
        "ei_upload_SECRET_from_env"
    );
    let mut cli = studio.cli();
    cli.env("EI_TEST_UPLOAD_KEY", "ei_upload_SECRET_from_env");
    run(cli, &["apply", path_text(&file)]).expect_code(0);
    assert_eq!(studio.definition_writes(), 1);
}

#[test]
fn a_missing_variable_writes_nothing_and_names_it() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("missing");
    let file = dir.join("weekly.yaml");
    std::fs::write(&file, NEW_FILE).unwrap();
    let apply = run(studio.cli(), &["apply", path_text(&file)]).expect_code(2);
    assert!(apply.stderr.contains("EI_TEST_UPLOAD_KEY"), "{}", apply.stderr);
    assert_eq!(studio.definition_writes(), 0);
    assert_eq!(studio.calls(Operation::Create), 0);
}

#[test]
fn a_change_between_plan_and_apply_is_refused_naming_the_field() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("concurrent");
    let file = export(&studio, &dir);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("description:", "intervalStr: 1d\ndescription:", 1))
        .unwrap();
    // The plan's read is answered late; meanwhile a colleague edits.
    studio.inject(Operation::Get, When::Nth(1), Fault::delay(Duration::from_millis(1500)));
    let child = spawn(studio.cli(), &["apply", path_text(&file)]);
    std::thread::sleep(Duration::from_millis(500));
    studio.edit_pipeline(1, |held| held.description = "edited by a colleague".into());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("changed since the plan (description)"), "{stderr}");
    assert_eq!(studio.definition_writes(), 0);
}

#[test]
fn a_running_pipeline_is_not_updated_or_deleted_and_delete_needs_yes() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("running");
    let file = export(&studio, &dir);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("description:", "intervalStr: 1d\ndescription:", 1))
        .unwrap();
    studio.start_run(1);
    let apply = run(studio.cli(), &["apply", path_text(&file)]).expect_code(3);
    assert!(apply.stderr.contains("run in progress"), "{}", apply.stderr);
    run(studio.cli(), &["delete", "1"]).expect_code(2);
    run(studio.cli(), &["delete", "1", "--yes"]).expect_code(3);
    assert_eq!(studio.definition_writes(), 0);
}

#[test]
fn an_archived_pipeline_is_listed_as_such_and_a_deleted_one_is_gone() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("archive");
    let file = export(&studio, &dir);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}archived: true\n")).unwrap();
    run(cli_with_keys(&studio), &["apply", path_text(&file)]).expect_code(0);
    let archived = run(studio.cli(), &["list", "--archived", "--json"]).expect_code(0);
    assert_eq!(archived.json()[0]["id"], 1);
    hides_secrets(&archived);
    let listed = run(studio.cli(), &["list", "--json"]).expect_code(0);
    assert_eq!(listed.json().as_array().map(Vec::len), Some(0));
    run(studio.cli(), &["delete", "1", "--yes"]).expect_code(0);
    run(studio.cli(), &["status", "1"]).expect_code(3);
}

#[test]
fn a_bad_file_is_a_usage_error_naming_the_file() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("bad");
    let file = dir.join("bad.yaml");
    for (text, says) in [
        ("name: x\nwhenToEmail: never\nschedule: 1d\n", "schedule"),
        (
            "name: x\nwhenToEmail: never\nsteps:\n- name: s\n  projectApiKey: ei_SECRET_clear\n",
            "steps[0].projectApiKey",
        ),
        ("name: x\nwhenToEmail: sometimes\n", "whenToEmail"),
        (": : :", "not a pipeline definition"),
        // A key given twice in a step, or in its parameters, is not last-wins.
        (
            "name: x\nwhenToEmail: never\nsteps:\n- name: s\n  category: training\n  category: testing\n",
            "duplicate entry with key \"category\"",
        ),
        (
            "name: x\nwhenToEmail: never\nsteps:\n- name: s\n  parameters:\n    a: 1\n    a: 2\n",
            "duplicate entry with key \"a\"",
        ),
    ] {
        std::fs::write(&file, text).unwrap();
        let outcome = run(studio.cli(), &["diff", path_text(&file)]).expect_code(2);
        assert!(
            outcome.stderr.contains("bad.yaml") && outcome.stderr.contains(says),
            "{}",
            outcome.stderr
        );
        hides_secrets(&outcome);
    }
}

/// A pipe or a device reports a size of 0: the read itself is bounded, so
/// that `diff /dev/zero` or a pipe that never ends cannot take all memory.
#[cfg(unix)]
#[test]
fn a_file_that_does_not_end_is_refused_after_the_largest_definition() {
    use std::io::Write;
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("pipe");
    let fifo = dir.join("endless.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new().write(true).open(writer_path).unwrap();
        let line = format!("# {}\n", "x".repeat(1021));
        // 2 MiB of comments, twice the largest definition; the reader may
        // stop early (a broken pipe), which ends the writer.
        for _ in 0..2048 {
            if pipe.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    let outcome = run(studio.cli(), &["diff", path_text(&fifo)]).expect_code(2);
    writer.join().unwrap();
    assert!(outcome.stderr.contains("larger than a definition can be"), "{}", outcome.stderr);
}

/// Two files for one pipeline (the same id, or two new ones of one name)
/// are refused before anything is written: applied in turn, the first
/// would be written and the second refused, or two pipelines created.
#[test]
fn two_files_for_one_pipeline_are_refused_before_any_write() {
    let studio = Studio::start([keyed_pipeline()]);
    let dir = directory("same");
    for (first, second) in [
        ("id: 1\nname: a\nwhenToEmail: never\n", "id: 1\nname: b\nwhenToEmail: always\n"),
        ("name: twin\nwhenToEmail: never\n", "name: twin\nwhenToEmail: always\n"),
    ] {
        let (one, two) = (dir.join("one.yaml"), dir.join("two.yaml"));
        std::fs::write(&one, first).unwrap();
        std::fs::write(&two, second).unwrap();
        let outcome =
            run(studio.cli(), &["apply", path_text(&one), path_text(&two)]).expect_code(2);
        assert!(outcome.stderr.contains("define the same pipeline"), "{}", outcome.stderr);
        assert_eq!(studio.definition_writes(), 0, "{}", outcome.stdout);
    }
}
