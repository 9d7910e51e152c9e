//! Named profiles: a profiles file (`EI_PIPELINE_CONFIG`) selecting a fake
//! Studio's base URL, organization and key; flags and variables winning over
//! it; and every bad file, name or key refused with exit 2, saying what and
//! where, never showing the key.

use std::path::{Path, PathBuf};
use std::process::Command;

use ei_fake_studio::{Fault, Operation, When};

use crate::harness::{bare_cli, run, Outcome, Studio, API_KEY, JWT};

/// A base URL where nothing answers: a profile pointing there fails unless
/// something wins over it.
const DEAD_BASE_URL: &str = "http://127.0.0.1:9/v1";

/// A profiles file holding `contents`, in a folder of its own.
struct Profiles {
    directory: tempfile::TempDir,
}

impl Profiles {
    fn new(contents: &str) -> Self {
        let directory = tempfile::tempdir().expect("a temp dir");
        std::fs::write(directory.path().join("config.toml"), contents).expect("writes");
        Self { directory }
    }

    fn path(&self) -> PathBuf {
        self.directory.path().join("config.toml")
    }

    /// A file beside the profiles file holding `contents`, with this mode.
    fn key_file(&self, name: &str, contents: &[u8], mode: u32) -> PathBuf {
        let path = self.directory.path().join(name);
        std::fs::write(&path, contents).expect("writes");
        set_mode(&path, mode);
        path
    }

    /// The binary reading these profiles, and no other setting.
    fn cli(&self) -> Command {
        let mut command = bare_cli();
        command.env("EI_PIPELINE_CONFIG", self.path());
        command
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A profile for `studio`, its key in the variable `EI_STAGING_KEY`.
fn staging(studio: &Studio) -> String {
    format!(
        "[profiles.staging]\nbase_url = \"{}\"\norganization_id = 1\napi_key_env = \"EI_STAGING_KEY\"\n",
        studio.base_url()
    )
}

/// Asserts a usage error (exit 2) whose message says `expected`, and no key.
#[track_caller]
fn refused(outcome: Outcome, expected: &[&str]) -> String {
    let outcome = outcome.expect_code(2);
    assert!(outcome.stdout.is_empty(), "stdout: {}", outcome.stdout);
    for words in expected {
        assert!(outcome.stderr.contains(words), "{words:?} not in:\n{}", outcome.stderr);
    }
    outcome.assert_hides(API_KEY);
    outcome.assert_hides(JWT);
    outcome.stderr
}

#[test]
fn a_profile_gives_the_base_url_the_organization_and_the_key() {
    let studio = Studio::quick();
    let profiles = Profiles::new(&staging(&studio));
    let mut cli = profiles.cli();
    cli.env("EI_STAGING_KEY", API_KEY);
    let listed = run(cli, &["--profile", "staging", "list", "--json"]).expect_code(0);
    assert_eq!(listed.json()[0]["id"], 1, "{}", listed.stdout);
    listed.assert_hides(API_KEY);

    // EI_PROFILE selects it as --profile does.
    let mut cli = profiles.cli();
    cli.env("EI_STAGING_KEY", API_KEY).env("EI_PROFILE", "staging");
    let status = run(cli, &["status", "1"]).expect_code(0);
    assert!(status.stdout.contains("Quick import"), "{}", status.stdout);
    status.assert_hides(API_KEY);
}

#[test]
fn without_a_profile_named_the_default_one_applies_and_otherwise_none() {
    let studio = Studio::quick();
    let profiles = Profiles::new(&staging(&studio).replace("staging", "default"));
    let mut cli = profiles.cli();
    cli.env("EI_STAGING_KEY", API_KEY);
    run(cli, &["list"]).expect_code(0);
    // An empty EI_PROFILE (a CI job's `EI_PROFILE=$MAYBE`) names none.
    let mut cli = profiles.cli();
    cli.env("EI_STAGING_KEY", API_KEY).env("EI_PROFILE", "");
    run(cli, &["list"]).expect_code(0);

    // A file without a `default` profile gives nothing: the settings missing are named.
    let profiles = Profiles::new(&staging(&studio));
    refused(run(profiles.cli(), &["list"]), &["no credentials", "--profile NAME"]);
}

#[test]
fn a_key_file_is_read_only_when_private_to_its_owner() {
    let studio = Studio::quick();
    let profiles = Profiles::new(&format!(
        "[profiles.staging]\nbase_url = \"{}\"\norganization_id = 1\napi_key_file = \"staging.key\"\n",
        studio.base_url()
    ));
    // Relative to the profiles file's folder; one trailing newline dropped.
    let key = profiles.key_file("staging.key", format!("{API_KEY}\n").as_bytes(), 0o644);
    let shown = key.display().to_string();
    refused(
        run(profiles.cli(), &["--profile", "staging", "list"]),
        &[&shown, "mode 644", &format!("chmod 600 {shown}")],
    );
    set_mode(&key, 0o640);
    refused(run(profiles.cli(), &["--profile", "staging", "list"]), &["mode 640", "chmod 600"]);

    set_mode(&key, 0o600);
    let listed = run(profiles.cli(), &["--profile", "staging", "list"]).expect_code(0);
    listed.assert_hides(API_KEY);
}

#[test]
fn a_jwt_file_works_as_a_key_file_does() {
    let studio = Studio::quick();
    let profiles = Profiles::new(&format!(
        "[profiles.staging]\nbase_url = \"{}\"\norganization_id = 1\njwt_file = \"jwt\"\n",
        studio.base_url()
    ));
    profiles.key_file("jwt", JWT.as_bytes(), 0o600);
    let listed = run(profiles.cli(), &["--profile", "staging", "list", "--json"]).expect_code(0);
    listed.assert_hides(JWT);
}

#[test]
fn flags_and_variables_win_over_the_profile() {
    let studio = Studio::quick();
    // Every value of this profile is wrong for the studio.
    let profiles = Profiles::new(&format!(
        "[profiles.elsewhere]\nbase_url = \"{DEAD_BASE_URL}\"\norganization_id = 999\napi_key_env = \"EI_ELSEWHERE_KEY\"\n"
    ));
    let cli = || {
        let mut cli = profiles.cli();
        cli.env("EI_ELSEWHERE_KEY", "ei_wrong_key_for_this_studio").env("EI_PROFILE", "elsewhere");
        cli
    };
    // As it is, the profile goes nowhere.
    run(cli(), &["list"]).expect_code(4);

    // --base-url wins; then the organization is the profile's, which the studio does not know.
    let base_url = studio.base_url();
    let flags = ["--base-url", base_url.as_str()];
    let refused_org = run(cli(), &[&flags[..], &["list"]].concat());
    assert_eq!(refused_org.code, 3, "{}", refused_org.stderr);

    // --org and --api-key win too: the studio answers.
    let all_flags = [&flags[..], &["--org", "1", "--api-key", API_KEY, "list"]].concat();
    run(cli(), &all_flags).expect_code(0).assert_hides(API_KEY);

    // So do the variables.
    let mut variables = cli();
    variables
        .env("EI_API_ENDPOINT", studio.base_url())
        .env("EI_ORGANIZATION_ID", "1")
        .env("EI_API_KEY", API_KEY);
    run(variables, &["list"]).expect_code(0).assert_hides(API_KEY);

    // A JWT given wins over the profile's API key as well; the profile's
    // variable is then not even read.
    let mut jwt = cli();
    jwt.env_remove("EI_ELSEWHERE_KEY").env("EI_JWT", JWT);
    run(jwt, &[&flags[..], &["--org", "1", "list"]].concat()).expect_code(0).assert_hides(JWT);
}

#[test]
fn a_profile_that_does_not_exist_is_refused_naming_those_that_do() {
    let studio = Studio::quick();
    let profiles =
        Profiles::new(&format!("{}\n[profiles.prod]\norganization_id = 2\n", staging(&studio)));
    let shown = profiles.path().display().to_string();
    refused(
        run(profiles.cli(), &["--profile", "staging2", "list"]),
        &["no profile `staging2`", &shown, "`prod`, `staging`"],
    );
    // A hostile name reaches the terminal escaped.
    let stderr = refused(run(profiles.cli(), &["--profile", "\u{1b}[2Jgone", "list"]), &[]);
    assert!(stderr.contains("\\u{1b}[2Jgone"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");

    // No file at all: said, with where it was looked for, escaped.
    let mut cli = bare_cli();
    let missing = profiles.directory.path().join("missing\u{1b}[2J.toml");
    cli.env("EI_PIPELINE_CONFIG", &missing);
    let stderr = refused(
        run(cli, &["--profile", "staging", "list"]),
        &["there is no profiles file", "missing\\u{1b}[2J.toml", "named by EI_PIPELINE_CONFIG"],
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn an_unknown_key_is_refused_with_its_line_and_column() {
    // A key written where its variable's name belongs is the likeliest mistake.
    let profiles = Profiles::new(&format!(
        "[profiles.staging]\norganization_id = 1\napi_key = \"{API_KEY}\"\n"
    ));
    let shown = profiles.path().display().to_string();
    refused(
        run(profiles.cli(), &["--profile", "staging", "list"]),
        &[&format!("{shown}:3:1: "), "unknown field `api_key`", "never holds a credential"],
    );
    // Even with no profile asked for, a broken file is said, not skipped.
    let profiles = Profiles::new("[profile.staging]\norganization_id = 1\n");
    refused(run(profiles.cli(), &["list"]), &[":1:2: ", "unknown field `profile`"]);
    // Two sources for one key.
    let profiles = Profiles::new("[profiles.staging]\napi_key_env = \"K\"\napi_key_file = \"k\"\n");
    refused(run(profiles.cli(), &["--profile", "staging", "list"]), &[":3:16: ", "not both"]);
    // Not UTF-8.
    let directory = tempfile::tempdir().expect("a temp dir");
    let path = directory.path().join("config.toml");
    std::fs::write(&path, b"[profiles.staging]\norganization_id = \"\xff\"\n").expect("writes");
    let mut cli = bare_cli();
    cli.env("EI_PIPELINE_CONFIG", &path);
    refused(run(cli, &["list"]), &[":2:20: not UTF-8"]);
}

#[test]
fn a_variable_the_profile_names_must_be_set() {
    let studio = Studio::quick();
    let profiles = Profiles::new(&staging(&studio));
    refused(
        run(profiles.cli(), &["--profile", "staging", "list"]),
        &["EI_STAGING_KEY, which profile `staging` names for its API key, is not set"],
    );
    let mut cli = profiles.cli();
    cli.env("EI_STAGING_KEY", " ");
    refused(run(cli, &["--profile", "staging", "list"]), &["EI_STAGING_KEY", "is empty"]);
}

#[test]
fn a_key_file_that_never_ends_or_is_too_large_is_refused_at_once() {
    let profiles = Profiles::new(
        "[profiles.zero]\norganization_id = 1\napi_key_file = \"/dev/zero\"\n\
         [profiles.large]\norganization_id = 1\napi_key_file = \"large.key\"\n\
         [profiles.empty]\norganization_id = 1\napi_key_file = \"empty.key\"\n\
         [profiles.lines]\norganization_id = 1\napi_key_file = \"lines.key\"\n",
    );
    let started = std::time::Instant::now();
    refused(
        run(profiles.cli(), &["--profile", "zero", "list"]),
        &["/dev/zero is not a regular file"],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    let mut large = API_KEY.repeat(2000).into_bytes();
    large.push(b'\n');
    profiles.key_file("large.key", &large, 0o600);
    refused(
        run(profiles.cli(), &["--profile", "large", "list"]),
        &["large.key is larger than 65536 bytes"],
    );

    profiles.key_file("empty.key", b"\n", 0o600);
    refused(run(profiles.cli(), &["--profile", "empty", "list"]), &["empty.key is empty"]);

    profiles.key_file("lines.key", format!("{API_KEY}\n{API_KEY}\n").as_bytes(), 0o600);
    refused(
        run(profiles.cli(), &["--profile", "lines", "list"]),
        &["lines.key holds a control character"],
    );
}

#[test]
fn a_fifo_as_profiles_file_is_refused_without_waiting_for_a_writer() {
    let directory = tempfile::tempdir().expect("a temp dir");
    let fifo = directory.path().join("config.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let mut cli = bare_cli();
    cli.env("EI_PIPELINE_CONFIG", &fifo);
    refused(run(cli, &["list"]), &["config.toml is not a regular file"]);
}

#[test]
fn a_server_that_echoes_the_profiles_key_never_gets_it_shown() {
    // Not shaped like Studio's keys: only the profile's key, given to the
    // output's redactor, masks it.
    const KEY: &str = "profile-file-secret-0042";
    let studio = Studio::quick();
    let profiles = Profiles::new(&format!(
        "[profiles.default]\nbase_url = \"{}\"\norganization_id = 1\napi_key_file = \"key\"\n",
        studio.base_url()
    ));
    profiles.key_file("key", format!("{KEY}\n").as_bytes(), 0o600);
    let echo = format!("Invalid API key {KEY}");
    studio.inject(Operation::List, When::Always, Fault::success_false(&echo));
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["-vv", "list"],
        &["-v", "--log-format", "json", "list"],
    ] {
        let outcome = run(profiles.cli(), args).expect_code(3);
        assert!(outcome.stderr.contains("Invalid API key"), "{args:?}: {}", outcome.stderr);
        outcome.assert_hides(KEY);
    }
}
