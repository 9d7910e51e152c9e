//! What people read, checked in: every command's `--help`. A change to any
//! of it shows in review as a change to `tests/cli/snapshots/`.

use crate::harness::{bare_cli, run};

#[test]
fn every_commands_help_is_as_checked_in() {
    let commands: [&[&str]; 13] = [
        &["--help"],
        &["run", "--help"],
        &["wait", "--help"],
        &["status", "--help"],
        &["stop", "--help"],
        &["list", "--help"],
        &["logs", "--help"],
        &["export", "--help"],
        &["diff", "--help"],
        &["apply", "--help"],
        &["delete", "--help"],
        &["demo", "--help"],
        &["--version"],
    ];
    for args in commands {
        let mut command = bare_cli();
        // Help wraps at the terminal's width; with none, clap's default.
        command.env_remove("COLUMNS");
        let outcome = run(command, args).expect_code(0);
        let name = format!("help_{}", args.join("_").trim_start_matches('-').replace("--", ""));
        insta::assert_snapshot!(name, outcome.stdout);
    }
}
