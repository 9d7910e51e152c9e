//! `completions` and the man page: generated from the command line's own
//! definition, the bash script accepted by bash, the checked-in page current.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::harness::{bare_cli, run};

/// The man page as checked in, relative to the crate.
const MAN_PAGE: &str = "man/ei-pipeline.1";

#[test]
fn each_shell_gets_a_completion_script_naming_the_commands() {
    // A line each script is known to carry, with the program's name in it.
    for (shell, marker) in [
        ("bash", "-o bashdefault -o default ei-pipeline"),
        ("zsh", "#compdef ei-pipeline"),
        ("fish", "complete -c ei-pipeline"),
        ("powershell", "Register-ArgumentCompleter -Native -CommandName 'ei-pipeline'"),
        ("elvish", "set edit:completion:arg-completer[ei-pipeline]"),
    ] {
        let outcome = run(bare_cli(), &["completions", shell]).expect_code(0);
        assert!(outcome.stderr.is_empty(), "{shell}: {}", outcome.stderr);
        let script = &outcome.stdout;
        assert!(script.contains(marker), "{shell}: no {marker:?} in:\n{script:.600}");
        // Options as each shell spells them: `--junit`, or fish's `-l junit`.
        for word in ["run", "wait", "stop-on-timeout", "junit", "github-reports", "completions"] {
            assert!(script.contains(word), "{shell}: {word} is not completed");
        }
        assert!(!script.contains("\\u{"), "{shell}: the script was escaped as server text");
    }
    let outcome = run(bare_cli(), &["completions", "tcsh"]).expect_code(2);
    assert!(outcome.stderr.contains("invalid value 'tcsh'"), "{}", outcome.stderr);
}

#[test]
fn bash_accepts_the_bash_script() {
    let script = run(bare_cli(), &["completions", "bash"]).expect_code(0).stdout;
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("ei-pipeline.bash");
    std::fs::write(&path, &script).expect("the script is written");
    let checked =
        Command::new("bash").arg("-n").arg(&path).stdin(Stdio::null()).output().unwrap_or_else(
            |error| {
                panic!("this test needs bash on the PATH to check the script's syntax: {error}")
            },
        );
    assert!(
        checked.status.success(),
        "bash -n refused the script:\n{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    // And bash does parse: a script with a syntax error is refused.
    std::fs::write(&path, format!("{script}\nif then fi\n")).expect("written");
    let broken = Command::new("bash").arg("-n").arg(&path).output().expect("bash runs");
    assert!(!broken.status.success(), "bash -n accepts anything");
}

#[test]
fn the_checked_in_man_page_is_current() {
    let page = run(bare_cli(), &["man"]).expect_code(0).stdout;
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "not roff:\n{page:.300}");
    for part in [".TH ei-pipeline 1", "completions", "\\-\\-base\\-url", "Exit codes:"] {
        assert!(page.contains(part), "the page has no {part:?}");
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(MAN_PAGE);
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == page,
        "ei-cli/{MAN_PAGE} is not what `ei-pipeline man` prints now; regenerate it with:\n  \
         cargo run -p ei-cli -- man > ei-cli/{MAN_PAGE}"
    );
}

#[test]
fn completions_and_the_man_page_read_no_profile() {
    let dir = tempfile::tempdir().expect("a directory");
    let broken = dir.path().join("config.toml");
    std::fs::write(&broken, "[profiles.default\nbase_url = ").expect("the file is written");
    for args in [&["completions", "bash"][..], &["man"]] {
        let mut command = bare_cli();
        command.env("EI_PIPELINE_CONFIG", &broken).env("EI_PROFILE", "missing");
        run(command, args).expect_code(0);
    }
    // The same file stops a command that talks to Studio.
    let mut command = bare_cli();
    command.env("EI_PIPELINE_CONFIG", &broken);
    run(command, &["list"]).expect_code(2);
}
