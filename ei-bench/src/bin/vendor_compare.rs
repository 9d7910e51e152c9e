//! Our SDK against the vendor's official clients (Python `edgeimpulse-api`,
//! Node.js `edge-impulse-api`), each making the same N sequential run calls
//! in a process of its own against the same fixed-answer loopback server.
//!
//! Each client reports its calls per second and its own peak RSS (`VmHWM`
//! from `/proc/self/status`, read at the end of the run). The vendor
//! clients are found through `EI_BENCH_PYTHON` (a Python with
//! `edgeimpulse-api` installed) and `EI_BENCH_NODE_PATH` (a `node_modules`
//! holding `edge-impulse-api`); `cargo xtask bench` installs both. A client
//! that is missing or fails is reported as such, with no figures.

use std::path::{Path, PathBuf};
use std::process::Command;

use ei_bench::{mib, API_KEY, ORGANIZATION_ID, PIPELINE_ID};

/// Timed sequential run calls per client.
const CALLS: u32 = 2_000;
/// Calls before timing (imports, connection, JIT).
const WARMUP_CALLS: u32 = 100;
/// Our calls per second should be at least this multiple of theirs.
const GOAL_SPEEDUP: f64 = 3.0;

/// What one client reported.
struct Measured {
    calls_per_sec: f64,
    peak_rss_kib: u64,
}

fn parse(stdout: &str) -> Option<Measured> {
    let field = |name: &str| {
        stdout.split_whitespace().find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
    };
    Some(Measured {
        calls_per_sec: field("calls_per_sec")?.parse().ok()?,
        peak_rss_kib: field("peak_rss_kib")?.parse().ok()?,
    })
}

fn run(mut command: Command, base_url: &str) -> Result<Measured, String> {
    let args = [
        base_url.to_owned(),
        API_KEY.to_owned(),
        ORGANIZATION_ID.to_string(),
        PIPELINE_ID.to_string(),
        CALLS.to_string(),
        WARMUP_CALLS.to_string(),
    ];
    let output = command.args(args).output().map_err(|error| format!("cannot start: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("").to_owned();
        return Err(format!("failed ({}): {last}", output.status));
    }
    parse(&stdout).ok_or_else(|| format!("unreadable output: {stdout}"))
}

fn vendor_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor")
}

fn main() {
    let (_server, base_url) = ei_bench::spawn_fixed_server();

    let ours = std::env::current_exe().expect("own path").with_file_name("sdk_sequential");
    let mut clients: Vec<(String, Result<Measured, String>)> = Vec::new();
    clients.push(("ei-api-ext (Rust, this SDK)".into(), run(Command::new(ours), &base_url)));

    let python = match std::env::var("EI_BENCH_PYTHON") {
        Ok(python) => {
            let mut command = Command::new(python);
            command.arg(vendor_dir().join("driver.py"));
            run(command, &base_url)
        }
        Err(_) => Err("not installed (EI_BENCH_PYTHON unset)".into()),
    };
    clients.push(("edgeimpulse-api 1.96.3 (Python)".into(), python));

    let node = match std::env::var("EI_BENCH_NODE_PATH") {
        Ok(node_path) => {
            let mut command = Command::new("node");
            command.env("NODE_PATH", node_path).arg(vendor_dir().join("driver.js"));
            run(command, &base_url)
        }
        Err(_) => Err("not installed (EI_BENCH_NODE_PATH unset)".into()),
    };
    clients.push(("edge-impulse-api 1.95.13 (Node.js)".into(), node));

    let Ok(baseline) = &clients[0].1 else {
        println!("our SDK's run failed: {:?}", clients[0].1.as_ref().err());
        std::process::exit(1);
    };
    let (base_rate, base_rss) = (baseline.calls_per_sec, baseline.peak_rss_kib as f64);
    println!(
        "| client | calls/s | ours / theirs calls/s | peak RSS MiB | theirs / ours peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|");
    let mut verdicts = Vec::new();
    for (name, measured) in &clients {
        match measured {
            Ok(m) => {
                let speedup = base_rate / m.calls_per_sec;
                let memory = m.peak_rss_kib as f64 / base_rss;
                println!(
                    "| {name} | {:.0} | {speedup:.2}x | {} | {memory:.1}x |",
                    m.calls_per_sec,
                    mib(m.peak_rss_kib)
                );
                if !std::ptr::eq(m, baseline) {
                    let verdict =
                        if speedup >= GOAL_SPEEDUP && memory > 1.0 { "met" } else { "missed" };
                    verdicts.push(format!(
                        "vs {name}: {speedup:.1}x the calls/s at 1/{memory:.1} of the memory; \
                         goal {GOAL_SPEEDUP}x at a fraction of the memory: {verdict}"
                    ));
                }
            }
            Err(problem) => {
                println!("| {name} | n/a | n/a | n/a | n/a |");
                verdicts.push(format!("{name}: no figures, {problem}"));
            }
        }
    }
    println!();
    for verdict in verdicts {
        println!("- {verdict}");
    }
    println!(
        "- {CALLS} timed sequential run calls per client after {WARMUP_CALLS} warm-up calls, \
         each client in its own process; peak RSS is that process's VmHWM"
    );
}
