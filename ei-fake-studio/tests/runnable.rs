//! The `ei-fake-studio` binary, run as a user runs it: it prints where it
//! listens and the key to use, serves the samples and the faults asked for,
//! and exits 0 when told to stop.
#![cfg(unix)]

use ei_api::API_KEY_HEADER;
use ei_fake_studio::Operation;
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long the binary may take to start listening or to stop: far more
/// than it needs, on a loaded machine too.
const PATIENCE: Duration = Duration::from_secs(30);

/// How often to look whether the binary has exited.
const EXIT_POLL: Duration = Duration::from_millis(20);

/// How many sample pipelines the binary serves (its banner lists them).
const SAMPLES: usize = 14;

/// A running binary, killed if a test ends before it exits.
struct Running {
    child: Child,
    base_url: String,
    api_key: String,
    organization: String,
    banner: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts the binary with `args` and reads its banner up to the last
    /// export line.
    fn start(args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ei-fake-studio"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (lines, banner) = mpsc::channel();
        // Reads on a thread, so that a binary that prints nothing fails the
        // test after PATIENCE instead of hanging it.
        thread::spawn(move || {
            let mut banner = String::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                banner.push_str(&line);
                banner.push('\n');
                if line.starts_with("export EI_ORGANIZATION_ID=") {
                    break;
                }
            }
            let _ = lines.send(banner);
        });
        let banner = banner.recv_timeout(PATIENCE).expect("the banner within PATIENCE");
        let export = |name: &str| {
            let prefix = format!("export {name}=");
            let line = banner.lines().find(|line| line.starts_with(&prefix));
            line.unwrap_or_else(|| panic!("no {name} in\n{banner}"))[prefix.len()..].to_owned()
        };
        Running {
            base_url: export("EI_API_ENDPOINT"),
            api_key: export("EI_API_KEY"),
            organization: export("EI_ORGANIZATION_ID"),
            banner,
            child,
        }
    }

    /// Lists the organization's pipelines with `api_key`.
    async fn list(&self, api_key: &str) -> (StatusCode, Value) {
        let url = format!("{}{}", self.base_url, Operation::List.path([&self.organization]));
        let response = reqwest::Client::new()
            .get(url)
            .header(API_KEY_HEADER, api_key)
            .send()
            .await
            .expect("the fake answers");
        (response.status(), response.json().await.expect("a JSON body"))
    }

    /// Sends `signal` (`INT`, `TERM`) and waits for the binary to exit.
    fn stop_with(&mut self, signal: &str) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args([&format!("-{signal}"), &pid]).status();
        assert!(sent.expect("kill runs").success(), "kill -{signal} {pid}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child can be waited for") {
                return status;
            }
            assert!(Instant::now() < deadline, "still running {PATIENCE:?} after SIGINT");
            thread::sleep(EXIT_POLL);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_printed_url_and_key_reach_the_samples_and_sigint_stops_it_with_status_0() {
    let mut fake = Running::start(&["--port", "0"]);
    assert!(fake.base_url.starts_with("http://127.0.0.1:"), "{}", fake.base_url);
    assert!(!fake.base_url.ends_with(":0/v1"), "port 0 is replaced by the port bound");
    assert_eq!(fake.organization, "1");

    let (status, body) = fake.list(&fake.api_key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pipelines = body["pipelines"].as_array().expect("a list of pipelines");
    assert_eq!(pipelines.len(), SAMPLES);
    for pipeline in pipelines {
        let name = pipeline["name"].as_str().expect("a name");
        let row = format!("{}  {name}  ", pipeline["id"]);
        let listed = fake.banner.lines().any(|line| line.trim_start().starts_with(&row));
        assert!(listed, "{row:?} is not in the banner\n{}", fake.banner);
    }
    assert_eq!(fake.list("ei_not_the_key").await.0, StatusCode::UNAUTHORIZED);

    assert_eq!(fake.stop_with("INT").code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn flags_choose_the_key_and_the_faults_and_sigterm_stops_it_with_status_0() {
    let mut fake = Running::start(&[
        "--api-key",
        "ei_chosen",
        "--fault",
        "list=status:503,retry-after=7@nth:2",
    ]);
    assert_eq!(fake.api_key, "ei_chosen");
    assert!(fake.banner.contains("--fault list=status:503,retry-after=7@nth:2"));

    assert_eq!(fake.list("ei_chosen").await.0, StatusCode::OK);
    let (status, body) = fake.list("ei_chosen").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["success"], false);
    assert_eq!(fake.list("ei_chosen").await.0, StatusCode::OK);

    assert_eq!(fake.stop_with("TERM").code(), Some(0));
}

#[test]
fn a_bad_flag_exits_2_with_a_message_and_no_panic() {
    let output = Command::new(env!("CARGO_BIN_EXE_ei-fake-studio"))
        .args(["--fault", "get=status:503@nth:0"])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--fault get=status:503@nth:0: nth: `0` is not a number of calls"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_bad_flag_is_echoed_with_its_control_characters_escaped() {
    let output = Command::new(env!("CARGO_BIN_EXE_ei-fake-studio"))
        .args(["--shape", "\u{1b}[2Jwobbly"])
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--shape \\u{1b}[2Jwobbly: not a shape"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn a_taken_port_exits_1_with_a_message_and_no_panic() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ei-fake-studio"))
        .args(["--port", &port])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn help_exits_0_and_documents_every_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_ei-fake-studio")).arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in ["--port", "--api-key", "--view-lag", "--shape", "--fault"] {
        assert!(help.contains(flag), "{flag} is not in --help");
    }
}
