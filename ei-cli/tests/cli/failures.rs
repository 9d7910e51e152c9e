//! Exit codes 2, 3 and 4: usage and configuration, the API's refusals, and
//! failures that outlast the retries.

use std::net::TcpListener;

use ei_fake_studio::{Fault, Operation, When};

use crate::harness::{bare_cli, run, Studio};

#[test]
fn a_missing_api_key_exits_2_naming_ei_api_key() {
    let studio = Studio::quick();
    let mut command = studio.cli();
    command.env_remove("EI_API_KEY");
    let outcome = run(command, &["status", "1"]).expect_code(2);
    assert!(outcome.stderr.contains("EI_API_KEY"), "{}", outcome.stderr);
    assert!(outcome.stdout.is_empty());

    let mut command = studio.cli();
    command.env("EI_API_KEY", "");
    let outcome = run(command, &["run", "1", "--wait"]).expect_code(2);
    assert!(outcome.stderr.contains("EI_API_KEY"), "{}", outcome.stderr);
    assert_eq!(studio.runs_started(1), 0);
}

#[test]
fn a_missing_organization_exits_2_naming_ei_organization_id() {
    let studio = Studio::quick();
    let mut command = studio.cli();
    command.env_remove("EI_ORGANIZATION_ID");
    let outcome = run(command, &["list"]).expect_code(2);
    assert!(outcome.stderr.contains("EI_ORGANIZATION_ID"), "{}", outcome.stderr);
}

#[test]
fn bad_usage_exits_2() {
    let cases: [&[&str]; 9] = [
        &[],
        &["bogus"],
        &["run"],
        &["run", "abc"],
        &["run", "1", "--timeout", "90s"],
        &["run", "1", "--wait", "--timeout", "soon"],
        &["status", "1", "--org", "x"],
        &["list", "--frobnicate"],
        &["stop"],
    ];
    for args in cases {
        let outcome = run(bare_cli(), args);
        assert_eq!(outcome.code, 2, "{args:?}: {}", outcome.stderr);
        assert!(!outcome.stderr.is_empty(), "{args:?} explains itself");
    }
    let bad_url =
        run(bare_cli(), &["--api-key", "ei_x_123456", "--org", "1", "--base-url", "nope", "list"]);
    let bad_url = bad_url.expect_code(2);
    assert!(bad_url.stderr.contains("EI_API_ENDPOINT"), "{}", bad_url.stderr);
    let help = run(bare_cli(), &["--help"]).expect_code(0);
    assert!(help.stdout.contains("Exit codes:"), "{}", help.stdout);
}

#[test]
fn not_found_exits_3_with_the_servers_words() {
    let studio = Studio::quick();
    let outcome = run(studio.cli(), &["status", "99"]).expect_code(3);
    assert!(
        outcome.stderr.contains("Pipeline 99 not found in organization 1"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("404"), "{}", outcome.stderr);

    let outcome = run(studio.cli(), &["run", "99", "--wait", "--json"]).expect_code(3);
    assert!(outcome.stdout.is_empty(), "no document on failure: {}", outcome.stdout);

    let outcome = run(studio.cli(), &["--org", "42", "list"]).expect_code(3);
    assert!(outcome.stderr.contains("Organization 42 not found"), "{}", outcome.stderr);
}

#[test]
fn refusals_exit_3() {
    let studio = Studio::quick();
    let mut wrong_key = studio.cli();
    wrong_key.env("EI_API_KEY", "ei_wrong_key_000000000000");
    let outcome = run(wrong_key, &["status", "1"]).expect_code(3);
    assert!(outcome.stderr.contains("401"), "{}", outcome.stderr);
    outcome.assert_hides("ei_wrong_key_000000000000");

    studio.inject(Operation::Run, When::Nth(1), Fault::success_false("Pipeline is disabled"));
    let outcome = run(studio.cli(), &["run", "1"]).expect_code(3);
    assert!(outcome.stderr.contains("Pipeline is disabled"), "{}", outcome.stderr);
}

#[test]
fn persistent_server_errors_exit_4_naming_the_status() {
    let studio = Studio::quick();
    studio.inject(Operation::Get, When::Always, Fault::status(503));
    let outcome = run(studio.cli(), &["status", "1"]).expect_code(4);
    assert!(outcome.stderr.contains("503"), "{}", outcome.stderr);

    studio.inject(Operation::List, When::Always, Fault::status(429).retry_after("1"));
    let outcome = run(studio.cli(), &["list"]).expect_code(4);
    assert!(outcome.stderr.contains("429"), "{}", outcome.stderr);
}

#[test]
fn invalid_responses_exit_4_naming_the_status() {
    let studio = Studio::quick();
    studio.inject(Operation::List, When::Always, Fault::malformed_json());
    let outcome = run(studio.cli(), &["list", "--json"]).expect_code(4);
    assert!(outcome.stderr.contains("invalid response"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("HTTP 200"), "{}", outcome.stderr);
    assert!(outcome.stdout.is_empty());
}

#[test]
fn an_unreachable_server_exits_4() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("an address").port()
    };
    let base_url = format!("http://127.0.0.1:{port}/v1");
    let args = ["--api-key", "ei_x_123456", "--org", "1", "--base-url", &base_url, "status", "1"];
    let outcome = run(bare_cli(), &args).expect_code(4);
    assert!(outcome.stderr.contains("transport failure"), "{}", outcome.stderr);
}

#[test]
fn a_refusal_exits_3_with_its_hint_whatever_its_body() {
    let studio = Studio::quick();
    let page = "<html><body><h1>Not what the API sends</h1></body></html>";
    for (status, hint) in
        [(401, "check the credential"), (403, "check the credential"), (404, "hint"), (400, "")]
    {
        studio.inject(Operation::Get, When::Nth(1), Fault::status(status).body("text/html", page));
        let outcome = run(studio.cli(), &["status", "1"]).expect_code(3);
        assert!(outcome.stderr.contains(&format!("HTTP {status}")), "{}", outcome.stderr);
        assert!(outcome.stderr.contains(hint), "{status}: {}", outcome.stderr);
    }
    assert_eq!(studio.calls(Operation::Get), 4, "no refusal is retried");
}

#[test]
fn messages_point_the_right_way() {
    let studio = Studio::quick();
    // A base URL without /v1: the server's bare 404, not the API's.
    let mut command = studio.cli();
    command.env("EI_API_ENDPOINT", studio.base_url().trim_end_matches("/v1"));
    let outcome = run(command, &["status", "1"]).expect_code(3);
    assert!(outcome.stderr.contains("check the base URL"), "{}", outcome.stderr);

    // A pipeline that does not exist: the run is what failed.
    let outcome = run(studio.cli(), &["run", "999"]).expect_code(3);
    assert!(outcome.stderr.contains("error: run pipeline 999: not found"), "{}", outcome.stderr);
    assert!(outcome.stderr.contains("pipeline 999"), "{}", outcome.stderr);

    // An unknown organization: list names the organization, no pipeline.
    let mut command = studio.cli();
    command.env("EI_ORGANIZATION_ID", "77");
    let outcome = run(command, &["list"]).expect_code(3);
    assert!(outcome.stderr.contains("check organization 77"), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("pipeline "), "{}", outcome.stderr);

    // A malformed organization id names where it came from.
    let mut command = studio.cli();
    command.env("EI_ORGANIZATION_ID", "twelve");
    let outcome = run(command, &["list"]).expect_code(2);
    assert!(outcome.stderr.contains("(from EI_ORGANIZATION_ID)"), "{}", outcome.stderr);
    let outcome = run(studio.cli(), &["list", "--org", "x1"]).expect_code(2);
    assert!(outcome.stderr.contains("(from --org)"), "{}", outcome.stderr);

    // Plain http to another host names the option that allows it.
    let mut command = studio.cli();
    command.env("EI_API_ENDPOINT", "http://example.com/v1");
    let outcome = run(command, &["list"]).expect_code(2);
    assert!(outcome.stderr.contains("--allow-insecure-http"), "{}", outcome.stderr);
}

#[test]
fn a_wait_option_without_wait_is_a_usage_error_naming_the_wait_options() {
    let studio = Studio::quick();
    let options = [
        &["--timeout", "1m"][..],
        &["--stop-on-timeout"],
        &["--diagnosis-logs", "5"],
        &["--junit", "r.xml"],
        &["--github-reports", "never"],
    ];
    for option in options {
        let args: Vec<&str> = ["run", "1"].iter().chain(option).copied().collect();
        let outcome = run(studio.cli(), &args).expect_code(2);
        assert!(outcome.stderr.contains("--github-reports need --wait"), "{}", outcome.stderr);
    }
    assert_eq!(studio.calls(Operation::Run), 0, "a usage error starts nothing");
}
