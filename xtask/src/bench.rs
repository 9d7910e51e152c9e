//! `cargo xtask bench`: build the `ei-bench` binaries in release mode, install
//! the vendor's clients into `.bench/`, run every benchmark and write
//! `BENCHMARKS.md`.
//!
//! Each benchmark binary prints a markdown fragment; this command adds the
//! machine, the headings and how long each part took. Figures are ratios
//! against a baseline measured in the same run, so they compare across
//! machines better than absolute times do.

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The vendor's Python client and the version compared against.
const PYTHON_PACKAGE: &str = "edgeimpulse-api==1.96.3";
/// The vendor's Node.js client and the version compared against.
const NODE_PACKAGE: &str = "edge-impulse-api@1.95.13";
/// Where the vendor clients are installed (gitignored).
const BENCH_DIR: &str = ".bench";
/// The other engineer's waiter benchmark, run when it exists.
const WAITER_EXAMPLE: &str = "ei-api-ext/examples/waiter_schedules.rs";

/// One benchmark binary of `ei-bench`, its arguments, and the section it fills.
struct Section {
    binary: &'static str,
    args: &'static [&'static str],
    heading: &'static str,
    intro: &'static str,
}

const SECTIONS: &[Section] = &[
    Section {
        binary: "decode",
        args: &[],
        heading: "Decoding",
        intro: "Decoding answers from bytes: the generated types against `serde_json::Value` and \
                `serde::de::IgnoredAny` (parse and discard: the floor). Median ns per decode over \
                201 samples of about 2 ms each. Goal: typed within 2x IgnoredAny.",
    },
    Section {
        binary: "overhead",
        args: &[],
        heading: "Per-call overhead",
        intro: "`ei-api-ext` against hand-written `reqwest` calls (same headers: `x-api-key`, \
                `accept: application/json`, `api-version`; same client settings; decoding into \
                the same generated types), sequential, on one fixed-answer loopback server: \
                `get` against one hand-written GET, the run call (`RunRequest::send`) against \
                one hand-written POST. The run call makes one request when all goes well (it \
                reads the pipeline only after an ambiguous failure), so both rows show the \
                SDK's per-call overhead; the server counts the requests. Goal: within 10%.",
    },
    Section {
        binary: "vendor_compare",
        args: &[],
        heading: "Against the vendor's clients",
        intro: "The same sequential run calls from our SDK and the vendor's official clients, \
                each in its own process, against the same fixed-answer loopback server; each \
                client makes one request per run call (the server counts them). \
                Goal: at least 3x their calls per second at a fraction of their memory.",
    },
    Section {
        binary: "vendor_compare",
        args: &["--network"],
        heading: "Against the vendor's clients, 20 ms per answer",
        intro: "The same comparison with the server holding each answer 20 ms, a round trip \
                like a real network's: the time on the wire dominates each call, as against \
                the real Studio, and the clients' own costs come on top. \
                Goal: at least their calls per second.",
    },
    Section {
        binary: "hostile",
        args: &[],
        heading: "Against a hostile server",
        intro: "The release `ei-pipeline` binary against each misbehaviour of the fake Studio \
                (redirects, an endless body, a 1 GiB answer, a trickle, hostile text), the same \
                command against a polite server as the baseline. Peak RSS is the child's \
                `VmHWM`, sampled every 2 ms. Goals: the documented exit code, nothing sent to \
                another origin, peak RSS bounded by the 8 MiB answer cap (under 64 MiB).",
    },
    Section {
        binary: "scale",
        args: &[],
        heading: "Scale",
        intro: "1,000 concurrent run-and-wait tasks on one client against the fake Studio, on \
                the real clock (1,000 pipelines, runs of 2 to 5 s), the client in a process of \
                its own; connections are counted by a TCP proxy in front of the fake. \
                Goal: all succeed, under 100 MiB peak RSS.",
    },
];

/// Where cargo puts release binaries for this workspace.
fn release_dir(root: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() { target } else { root.join(target) };
    target.join("release")
}

fn output_of(command: &mut Command) -> Result<String> {
    let output = command.output().with_context(|| format!("could not start {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn machine() -> String {
    let cores = output_of(&mut Command::new("nproc")).map_or_else(
        |_| std::thread::available_parallelism().map_or(0, |n| n.get()).to_string(),
        |text| text.trim().to_owned(),
    );
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc = output_of(Command::new("rustc").arg("--version"))
        .map_or_else(|_| "unknown".into(), |text| text.trim().to_owned());
    format!("- cores (`nproc`): {cores}\n- CPU: {cpu}\n- {rustc}\n")
}

/// Installs the vendor's Python client; returns the venv's python.
fn install_python(bench: &Path) -> Result<PathBuf> {
    let venv = bench.join("py");
    let python = venv.join("bin/python");
    let installed = Command::new(&python)
        .args(["-c", "import edgeimpulse_api"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        output_of(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        output_of(Command::new(venv.join("bin/pip")).args(["install", "-q", PYTHON_PACKAGE]))?;
    }
    Ok(python)
}

/// Installs the vendor's Node.js client; returns its `node_modules`.
fn install_node(bench: &Path) -> Result<PathBuf> {
    let prefix = bench.join("node");
    let modules = prefix.join("node_modules");
    if !modules.join("edge-impulse-api/package.json").exists() {
        output_of(
            Command::new("npm")
                .args(["install", "--silent", "--prefix"])
                .arg(&prefix)
                .arg(NODE_PACKAGE),
        )?;
    }
    Ok(modules)
}

/// The heading and introduction of the build benchmark's section.
const BUILD_HEADING: &str = "What depending on ei-api-ext costs a build";
const BUILD_INTRO: &str = "A small program that runs, follows and diagnoses a pipeline through \
    `ei-api-ext`, against a bare one making a single POST with reqwest (json, rustls), serde_json \
    and tokio, both with this workspace's `Cargo.lock`, each built cold (`cargo build --release`, \
    a fresh target directory of its own, stripped), one after the other. \
    Goals: at most 1.25x the build time and the crates, 1.2x the size.";

/// `cargo xtask bench build`: the build benchmark alone, its section on stdout.
pub fn build_only() -> Result<()> {
    let section = crate::build_cost::section(&crate::workspace::root())?;
    println!("## {BUILD_HEADING}\n\n{BUILD_INTRO}\n\n{section}");
    Ok(())
}

pub fn run() -> Result<()> {
    let root = crate::workspace::root();
    let started = Instant::now();
    eprintln!("xtask bench: building ei-bench and ei-cli (release)");
    let status = crate::workspace::cargo()
        .args(["build", "--release", "-p", "ei-bench", "-p", "ei-cli", "--bins"])
        .status()
        .context("could not start cargo build")?;
    if !status.success() {
        bail!("building ei-bench failed ({status})");
    }
    let binaries = release_dir(&root);

    let bench = root.join(BENCH_DIR);
    std::fs::create_dir_all(&bench).context("creating .bench/")?;
    let mut vendor_env: Vec<(&str, PathBuf)> = Vec::new();
    let mut notes = String::new();
    eprintln!("xtask bench: installing {PYTHON_PACKAGE} and {NODE_PACKAGE} into {BENCH_DIR}/");
    match install_python(&bench) {
        Ok(python) => vendor_env.push(("EI_BENCH_PYTHON", python)),
        Err(error) => writeln!(notes, "- {PYTHON_PACKAGE} could not be installed: {error:#}")?,
    }
    match install_node(&bench) {
        Ok(modules) => vendor_env.push(("EI_BENCH_NODE_PATH", modules)),
        Err(error) => writeln!(notes, "- {NODE_PACKAGE} could not be installed: {error:#}")?,
    }

    let mut report = String::from(
        "# Benchmarks\n\nWritten by `cargo xtask bench` (do not edit by hand). Ratios compare \
         figures measured in the same run.\n\n## Machine\n\n",
    );
    report.push_str(&machine());
    for section in SECTIONS {
        eprintln!("xtask bench: running {} {}", section.binary, section.args.join(" "));
        let section_started = Instant::now();
        let mut command = Command::new(binaries.join(section.binary));
        command.args(section.args).current_dir(&root).envs(vendor_env.iter().map(|(k, v)| (*k, v)));
        let body = output_of(&mut command)?;
        let seconds = section_started.elapsed().as_secs_f64();
        write!(report, "\n## {}\n\n{}\n\n{}", section.heading, section.intro, body)?;
        if section.binary == "vendor_compare" {
            report.push_str(&notes);
        }
        writeln!(report, "- took {seconds:.1} s")?;
    }

    report.push_str(&format!("\n## {BUILD_HEADING}\n\n{BUILD_INTRO}\n\n"));
    let build_started = Instant::now();
    report.push_str(&crate::build_cost::section(&root)?);
    writeln!(report, "- took {:.1} s", build_started.elapsed().as_secs_f64())?;

    // ---- Waiter schedules: another engineer's benchmark binary, run when it
    // exists, its stdout (a markdown table) appended as it is. ----
    report.push_str("\n## Waiter schedules\n\n");
    if root.join(WAITER_EXAMPLE).exists() {
        eprintln!("xtask bench: running the waiter_schedules example");
        let body = output_of(crate::workspace::cargo().args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "ei-api-ext",
            "--example",
            "waiter_schedules",
        ]))?;
        report.push_str(&body);
    } else {
        writeln!(report, "Not run: `{WAITER_EXAMPLE}` does not exist yet.")?;
    }

    writeln!(
        report,
        "\n---\n\n`cargo xtask bench` took {:.0} s (build included).",
        started.elapsed().as_secs_f64()
    )?;
    std::fs::write(root.join("BENCHMARKS.md"), report).context("writing BENCHMARKS.md")?;
    eprintln!("xtask bench: wrote BENCHMARKS.md in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
