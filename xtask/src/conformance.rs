//! `cargo xtask conformance`: the conformance suite against Stoplight Prism,
//! an independent validator of the corrected OpenAPI document.
//!
//! For each [`Stage`] it starts Prism (installed from `xtask/prism/` with
//! `npm ci` when needed) on a free loopback port, runs the stage's Rust
//! test with the Prism URL in `EI_PRISM_URL`, and then reads Prism's log:
//! the one request marked as the canary must show violations (proof that
//! Prism validates and that the log is read right), and no other request
//! may show any. Prism is stopped when the stage ends, however it ends.
//!
//! The `prism-mock` stage runs `prism mock`, which answers from the document
//! itself. The `prism-proxy` stage first starts the fake Studio (the
//! `fake_studio_server` example of `ei-conformance-tests`) and runs
//! `prism proxy --errors` in front of it, so that Prism judges the fake's
//! real answers too (a response violation becomes an error answer); the
//! fake is stopped with Prism.

use anyhow::{bail, ensure, Context, Result};
use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The variable the Rust test reads Prism's URL from.
const PRISM_URL: &str = "EI_PRISM_URL";

/// The variable naming a document to judge against instead of the corrected one.
const DOCUMENT_OVERRIDE: &str = "EI_CONFORMANCE_DOCUMENT";

/// The path segment of the request the test sends to break the rules on
/// purpose (`CANARY` in `tests/tests/prism_finds_no_violation.rs`).
const CANARY: &str = "conformance-canary";

/// Where Prism's entry point is, below `xtask/prism/`.
const PRISM_CLI: &str = "node_modules/@stoplight/prism-cli/dist/index.js";

/// The line Prism logs once it accepts requests.
const READY: &str = "Prism is listening on";

/// How long Prism may take to start.
const STARTUP: Duration = Duration::from_secs(90);

/// How Prism stands in front of the client.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// `prism mock`: Prism answers from the document itself.
    Mock,
    /// `prism proxy --errors` in front of the fake Studio.
    Proxy,
}

/// One run of a Rust test against Prism.
#[derive(Debug)]
struct Stage {
    /// For messages and the log file name.
    name: &'static str,
    /// How Prism runs.
    mode: Mode,
    /// The integration test (in `ei-conformance-tests`) to run, ignored tests included.
    test: &'static str,
}

/// The stages, in order.
const STAGES: &[Stage] = &[
    Stage { name: "prism-mock", mode: Mode::Mock, test: "prism_finds_no_violation" },
    Stage { name: "prism-proxy", mode: Mode::Proxy, test: "prism_proxy_finds_no_violation" },
];

/// The example of `ei-conformance-tests` that serves the fake Studio.
const FAKE_STUDIO: &str = "fake_studio_server";

/// How long the fake Studio may take to start once built.
const FAKE_STARTUP: Duration = Duration::from_secs(30);

impl Mode {
    /// Prism's command line after the script, for a server on `port` (in
    /// front of `upstream`, the fake Studio's base URL, when proxying).
    fn arguments(self, document: &Path, port: u16, upstream: Option<&str>) -> Vec<String> {
        let mut arguments: Vec<String> = match self {
            Mode::Mock => vec!["mock".into(), "--seed".into(), "conformance".into()],
            Mode::Proxy => vec!["proxy".into(), "--errors".into()],
        };
        arguments.extend([
            "--host".into(),
            "127.0.0.1".into(),
            "--port".into(),
            port.to_string(),
            "--multiprocess".into(),
            "false".into(),
        ]);
        arguments.push(document.display().to_string());
        // The base URL keeps the fake's `/v1`: Prism matches the request's
        // path (`/api/...`, as in the mock stage) against the document's
        // paths and forwards it to the upstream URL followed by that path.
        arguments.extend(upstream.map(str::to_owned));
        arguments
    }
}

pub fn run() -> Result<()> {
    let root = crate::workspace::root();
    let prism_dir = root.join("xtask/prism");
    // The suite judges against EI_CONFORMANCE_DOCUMENT when it is set (a
    // scratch copy, to try a deliberate disagreement); so does Prism then.
    let document = std::env::var_os(DOCUMENT_OVERRIDE)
        .map_or_else(|| root.join("ei-api/openapi/edge-impulse.corrected.json"), PathBuf::from);
    if std::env::var_os(DOCUMENT_OVERRIDE).is_some() {
        eprintln!(
            "xtask conformance: judging against {} ({DOCUMENT_OVERRIDE})",
            document.display()
        );
    }
    let logs = target_dir(&root).join("conformance");
    fs::create_dir_all(&logs).with_context(|| format!("could not create {}", logs.display()))?;

    let started = Instant::now();
    install_prism(&prism_dir)?;
    eprintln!("xtask conformance: Prism ready to start after {:.1?}", started.elapsed());
    for stage in STAGES {
        let stage_started = Instant::now();
        run_stage(&root, &prism_dir, &document, &logs, stage)?;
        eprintln!("xtask conformance: {} passed in {:.1?}", stage.name, stage_started.elapsed());
    }
    eprintln!("xtask conformance: all stages passed in {:.1?}", started.elapsed());
    Ok(())
}

/// `npm ci` in `xtask/prism/` unless its `node_modules` matches the lockfile.
fn install_prism(prism_dir: &Path) -> Result<()> {
    let node = Command::new("node").arg("--version").output();
    ensure!(
        node.as_ref().is_ok_and(|output| output.status.success()),
        "Node.js is needed to run Prism and `node --version` failed: install a Node.js that \
         the engines field of xtask/prism/package.json accepts"
    );
    let lockfile = prism_dir.join("package-lock.json");
    let installed = prism_dir.join("node_modules/.package-lock.json");
    let modified = |path: &Path| fs::metadata(path).and_then(|metadata| metadata.modified()).ok();
    let fresh = matches!(
        (modified(&installed), modified(&lockfile)),
        (Some(installed), Some(lockfile)) if installed >= lockfile
    ) && prism_dir.join(PRISM_CLI).exists();
    if fresh {
        return Ok(());
    }
    eprintln!("xtask conformance: npm ci in {}", prism_dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(prism_dir)
        .status()
        .context("could not start `npm ci` (is npm installed?)")?;
    ensure!(status.success(), "`npm ci` in {} failed ({status})", prism_dir.display());
    Ok(())
}

fn run_stage(
    root: &Path,
    prism_dir: &Path,
    document: &Path,
    logs: &Path,
    stage: &Stage,
) -> Result<()> {
    let log_path = logs.join(format!("{}.log", stage.name));
    // Declared before Prism, so dropped after it, whatever happens.
    let fake = match stage.mode {
        Mode::Mock => None,
        Mode::Proxy => Some(FakeStudio::start(root, logs, stage.name)?),
    };
    let upstream = fake.as_ref().map(|fake| fake.base_url.as_str());
    if let Some(upstream) = upstream {
        eprintln!("xtask conformance: {} proxies to the fake Studio at {upstream}", stage.name);
    }
    let prism = Prism::start(prism_dir, document, stage.mode, upstream, &log_path)?;
    eprintln!(
        "xtask conformance: {} listening at {} (log: {})",
        stage.name,
        prism.url,
        log_path.display()
    );

    let status = crate::workspace::cargo()
        .args(["test", "--package", "ei-conformance-tests", "--test", stage.test])
        .args(["--", "--ignored"])
        .env(PRISM_URL, &prism.url)
        .status()
        .context("could not start `cargo test`")?;
    // Stop Prism before reading its log, so that every line is flushed.
    drop(prism);
    drop(fake);
    let log = fs::read_to_string(&log_path)
        .with_context(|| format!("could not read Prism's log {}", log_path.display()))?;
    let findings = read_log(&log);
    if !status.success() {
        let log_says = match &findings {
            Ok(()) => "no violation besides the canary's".to_owned(),
            Err(error) => format!("{error:#}"),
        };
        bail!(
            "{}: `cargo test --test {}` failed ({status}); Prism's log ({}) shows {log_says}",
            stage.name,
            stage.test,
            log_path.display()
        );
    }
    findings.with_context(|| format!("{}: Prism's log {}", stage.name, log_path.display()))
}

/// A running Prism, stopped when dropped.
#[derive(Debug)]
struct Prism {
    child: Child,
    url: String,
}

impl Prism {
    fn start(
        prism_dir: &Path,
        document: &Path,
        mode: Mode,
        upstream: Option<&str>,
        log_path: &Path,
    ) -> Result<Prism> {
        let mut last_failure = None;
        // A free port can be taken between choosing it and Prism binding it: try again.
        for _ in 0..3 {
            let port = free_port()?;
            let log = File::create(log_path)
                .with_context(|| format!("could not create {}", log_path.display()))?;
            let child = Command::new("node")
                .arg(prism_dir.join(PRISM_CLI))
                .args(mode.arguments(document, port, upstream))
                .env("NO_COLOR", "1")
                .env("SCARF_ANALYTICS", "false")
                .stdin(Stdio::null())
                .stdout(log.try_clone().context("could not share the log file")?)
                .stderr(log)
                .current_dir(prism_dir)
                .spawn()
                .context("could not start Prism with `node`")?;
            let mut prism = Prism { child, url: format!("http://127.0.0.1:{port}") };
            match prism.wait_until_ready(log_path) {
                Ok(()) => return Ok(prism),
                Err(failure) => last_failure = Some(failure),
            }
        }
        Err(last_failure.expect("at least one attempt"))
    }

    fn wait_until_ready(&mut self, log_path: &Path) -> Result<()> {
        let deadline = Instant::now() + STARTUP;
        loop {
            let log = fs::read_to_string(log_path).unwrap_or_default();
            if log.contains(READY) {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait().context("could not watch Prism")? {
                bail!("Prism exited ({status}) before it was ready:\n{}", tail(&log));
            }
            if Instant::now() > deadline {
                bail!("Prism was not ready after {STARTUP:?}:\n{}", tail(&log));
            }
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        // It may have exited already; either way it is gone afterwards.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running fake Studio (the `fake_studio_server` example), stopped when dropped.
#[derive(Debug)]
struct FakeStudio {
    child: Child,
    base_url: String,
}

impl FakeStudio {
    /// Builds the example, starts it and waits for the base URL it writes.
    fn start(root: &Path, logs: &Path, stage: &str) -> Result<FakeStudio> {
        let status = crate::workspace::cargo()
            .args(["build", "--package", "ei-conformance-tests", "--example", FAKE_STUDIO])
            .status()
            .context("could not start `cargo build` for the fake Studio")?;
        ensure!(status.success(), "building the {FAKE_STUDIO} example failed ({status})");
        let binary = target_dir(root)
            .join("debug/examples")
            .join(format!("{FAKE_STUDIO}{}", std::env::consts::EXE_SUFFIX));
        let url_file = logs.join(format!("{stage}.fake-studio-url"));
        let _ = fs::remove_file(&url_file);
        let log_path = logs.join(format!("{stage}.fake-studio.log"));
        let log = File::create(&log_path)
            .with_context(|| format!("could not create {}", log_path.display()))?;
        let child = Command::new(&binary)
            .arg(&url_file)
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("could not share the log file")?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("could not start {}", binary.display()))?;
        let mut fake = FakeStudio { child, base_url: String::new() };
        let deadline = Instant::now() + FAKE_STARTUP;
        loop {
            if let Ok(url) = fs::read_to_string(&url_file) {
                fake.base_url = url.trim().to_owned();
                return Ok(fake);
            }
            if let Some(status) = fake.child.try_wait().context("could not watch the fake")? {
                let log = fs::read_to_string(&log_path).unwrap_or_default();
                bail!("the fake Studio exited ({status}) before it was ready:\n{}", tail(&log));
            }
            ensure!(
                Instant::now() < deadline,
                "the fake Studio was not ready after {FAKE_STARTUP:?}"
            );
            sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for FakeStudio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Checks Prism's log: the canary's request shows violations, and no other does.
fn read_log(log: &str) -> Result<()> {
    let log = strip_ansi(log);
    let mut requests: Vec<(String, Vec<String>)> = Vec::new();
    let mut before_first = Vec::new();
    for line in log.lines() {
        if line.contains("[HTTP SERVER]") && line.contains("Request received") {
            let target = line
                .split_whitespace()
                .find(|word| word.starts_with('/'))
                .unwrap_or_default()
                .to_owned();
            requests.push((target, Vec::new()));
        } else if is_finding(line) {
            match requests.last_mut() {
                Some((_, findings)) => findings.push(line.trim().to_owned()),
                None => before_first.push(line.trim().to_owned()),
            }
        }
    }
    ensure!(
        before_first.is_empty(),
        "Prism reported problems at startup:\n{}",
        before_first.join("\n")
    );
    let (canaries, others): (Vec<_>, Vec<_>) =
        requests.iter().partition(|(target, _)| target.contains(CANARY));
    ensure!(!canaries.is_empty(), "the log shows no canary request, so it cannot be trusted");
    for (target, findings) in &canaries {
        ensure!(!findings.is_empty(), "the canary request {target} shows no violation in the log");
    }
    let violations: Vec<String> = others
        .iter()
        .filter(|(_, findings)| !findings.is_empty())
        .map(|(target, findings)| format!("{target}:\n  {}", findings.join("\n  ")))
        .collect();
    ensure!(
        violations.is_empty(),
        "Prism found violations in {} of {} requests:\n{}",
        violations.len(),
        others.len(),
        violations.join("\n")
    );
    let requests = |count: usize| if count == 1 { "request" } else { "requests" };
    eprintln!(
        "xtask conformance: Prism's log shows no violation in {} {}, and violations in the \
         canary's {}, as it must",
        others.len(),
        requests(others.len()),
        requests(canaries.len())
    );
    Ok(())
}

/// A log line that reports a problem: an error, a warning or a violation.
fn is_finding(line: &str) -> bool {
    ["✖", "⚠", "Violation:", " error ", " warning ", " fatal "]
        .iter()
        .any(|mark| line.contains(mark))
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip `ESC [ ... letter`.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("could not bind a loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLEAN: &str = "\
[1] › [CLI] ▶  start     Prism is listening on http://127.0.0.1:4010
[2] › [HTTP SERVER] get /api/organizations/conformance-canary/pipelines ℹ  info      Request received
[2] ›     [VALIDATOR] ✖  error     Violation: request.path.organizationid must be integer
[3] › [HTTP SERVER] post /api/organizations/1/pipelines/2/run ℹ  info      Request received
[3] ›     [VALIDATOR] ✔  success   The request passed the validation rules.
";

    #[test]
    fn a_log_with_only_the_canarys_violation_passes() {
        read_log(CLEAN).unwrap();
    }

    #[test]
    fn a_violation_in_any_other_request_fails() {
        let log = format!(
            "{CLEAN}[4] › [HTTP SERVER] get /api/organizations/1/pipelines ℹ  info      Request received\n\
             \u{1b}[31m[4] ›     [VALIDATOR] ⚠  warning   Request did not pass the validation rules\u{1b}[0m\n"
        );
        let error = read_log(&log).unwrap_err().to_string();
        assert!(error.contains("/api/organizations/1/pipelines"), "{error}");
    }

    #[test]
    fn a_log_without_the_canary_or_with_a_silent_canary_fails() {
        let without = CLEAN.replace("conformance-canary", "1");
        assert!(read_log(&without).is_err());
        let silent: String =
            CLEAN.lines().filter(|line| !line.contains("Violation")).collect::<Vec<_>>().join("\n");
        assert!(read_log(&silent).unwrap_err().to_string().contains("no violation"));
    }
}
