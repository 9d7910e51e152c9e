//! Our SDK against the vendor's official clients (Python `edgeimpulse-api`,
//! Node.js `edge-impulse-api`), each making the same N sequential run calls
//! in a process of its own against the same fixed-answer server.
//!
//! usage: vendor_compare [--network]
//! - without arguments, on loopback: the clients' own costs are all there is
//!   to measure (goal: at least 3x their calls per second at less memory);
//! - with `--network`, the server holds each answer
//!   [`NETWORK_ROUND_TRIP`] as a real network would, so a call costs the
//!   round trip plus the client's own work (goal: at least their calls per
//!   second).
//!
//! Each client reports its calls per second and its own peak RSS (`VmHWM`
//! from `/proc/self/status`, read at the end of the run); the server counts
//! the requests each client sent per call. The vendor clients are found
//! through `EI_BENCH_PYTHON` (a Python with `edgeimpulse-api` installed) and
//! `EI_BENCH_NODE_PATH` (a `node_modules` holding `edge-impulse-api`);
//! `cargo xtask bench` installs both. A client that is missing or fails is
//! reported as such, with no figures.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ei_bench::{mib, FixedServer, API_KEY, NETWORK_ROUND_TRIP, ORGANIZATION_ID, PIPELINE_ID};

/// How one comparison is run and judged.
struct Setting {
    /// How long the server holds each answer; `None` on plain loopback.
    hold: Option<Duration>,
    /// Timed sequential run calls per client.
    calls: u32,
    /// Calls before timing (imports, connection, JIT).
    warmup_calls: u32,
    /// Our calls per second should be at least this multiple of theirs.
    goal_speedup: f64,
    /// Whether the goal also asks for less peak memory than theirs.
    goal_less_memory: bool,
}

impl Setting {
    fn goal(&self) -> String {
        let memory = if self.goal_less_memory { " at a fraction of the memory" } else { "" };
        format!("{}x their calls/s{memory}", self.goal_speedup)
    }
}

/// On loopback a call costs only the client's own work.
const LOOPBACK: Setting = Setting {
    hold: None,
    // About a second per vendor client at its loopback rate: enough for a
    // steady rate, cheap in wall time.
    calls: 2_000,
    warmup_calls: 100,
    goal_speedup: 3.0,
    goal_less_memory: true,
};

/// With the server holding each answer as long as a network round trip.
const NETWORK: Setting = Setting {
    hold: Some(NETWORK_ROUND_TRIP),
    // 300 calls at 20 to 21 ms take about 6.3 s per client (about 20 s for
    // the three), and their mean averages out the timer's rounding of each
    // hold (up to 1 ms; a standard deviation of about 0.3 ms per call, about
    // 0.02 ms over 300 calls), well under the tenths of a millisecond by
    // which the clients' own costs differ on loopback.
    calls: 300,
    // The imports, the connection and the JIT's first pass; at 20 ms a call
    // more warm-up would only add wall time.
    warmup_calls: 20,
    // The goal: at least as fast as the vendor's clients.
    goal_speedup: 1.0,
    goal_less_memory: false,
};

/// What one client reported, and what the server counted.
struct Measured {
    calls_per_sec: f64,
    peak_rss_kib: u64,
    requests_per_call: f64,
}

/// The two figures a client prints: calls per second and peak RSS in KiB.
fn parse(stdout: &str) -> Option<(f64, u64)> {
    let field = |name: &str| {
        stdout.split_whitespace().find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
    };
    Some((field("calls_per_sec")?.parse().ok()?, field("peak_rss_kib")?.parse().ok()?))
}

fn run(mut command: Command, server: &FixedServer, setting: &Setting) -> Result<Measured, String> {
    let args = [
        server.base_url().to_owned(),
        API_KEY.to_owned(),
        ORGANIZATION_ID.to_string(),
        PIPELINE_ID.to_string(),
        setting.calls.to_string(),
        setting.warmup_calls.to_string(),
    ];
    let before = server.requests();
    let output = command.args(args).output().map_err(|error| format!("cannot start: {error}"))?;
    let requests = server.requests() - before;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or("").to_owned();
        return Err(format!("failed ({}): {last}", output.status));
    }
    let (calls_per_sec, peak_rss_kib) =
        parse(&stdout).ok_or_else(|| format!("unreadable output: {stdout}"))?;
    let requests_per_call = requests as f64 / f64::from(setting.calls + setting.warmup_calls);
    Ok(Measured { calls_per_sec, peak_rss_kib, requests_per_call })
}

fn vendor_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor")
}

/// The setting the command line asks for.
fn setting() -> &'static Setting {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => &LOOPBACK,
        [flag] if flag == "--network" => &NETWORK,
        _ => {
            eprintln!("usage: vendor_compare [--network]");
            std::process::exit(2);
        }
    }
}

fn main() {
    let setting = setting();
    let server = FixedServer::spawn(setting.hold);

    let ours = std::env::current_exe().expect("own path").with_file_name("sdk_sequential");
    let mut clients: Vec<(String, Result<Measured, String>)> = Vec::new();
    clients.push(("ei-api-ext (Rust, this SDK)".into(), run(Command::new(ours), &server, setting)));

    let python = match std::env::var("EI_BENCH_PYTHON") {
        Ok(python) => {
            let mut command = Command::new(python);
            command.arg(vendor_dir().join("driver.py"));
            run(command, &server, setting)
        }
        Err(_) => Err("not installed (EI_BENCH_PYTHON unset)".into()),
    };
    clients.push(("edgeimpulse-api 1.96.3 (Python)".into(), python));

    let node = match std::env::var("EI_BENCH_NODE_PATH") {
        Ok(node_path) => {
            let mut command = Command::new("node");
            command.env("NODE_PATH", node_path).arg(vendor_dir().join("driver.js"));
            run(command, &server, setting)
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
        "| client | calls/s | ours / theirs calls/s | requests per call | peak RSS MiB | \
         theirs / ours peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let mut verdicts = Vec::new();
    for (name, measured) in &clients {
        match measured {
            Ok(m) => {
                let speedup = base_rate / m.calls_per_sec;
                let memory = m.peak_rss_kib as f64 / base_rss;
                println!(
                    "| {name} | {:.1} | {speedup:.2}x | {:.2} | {} | {memory:.1}x |",
                    m.calls_per_sec,
                    m.requests_per_call,
                    mib(m.peak_rss_kib)
                );
                if !std::ptr::eq(m, baseline) {
                    let met = speedup >= setting.goal_speedup
                        && (memory > 1.0 || !setting.goal_less_memory);
                    verdicts.push(format!(
                        "vs {name}: {speedup:.2}x the calls/s at 1/{memory:.1} of the memory; \
                         goal {}: {}",
                        setting.goal(),
                        if met { "met" } else { "missed" }
                    ));
                }
            }
            Err(problem) => {
                println!("| {name} | n/a | n/a | n/a | n/a | n/a |");
                verdicts.push(format!("{name}: no figures, {problem}"));
            }
        }
    }
    println!();
    for verdict in verdicts {
        println!("- {verdict}");
    }
    let held = setting.hold.map_or_else(String::new, |hold| {
        format!(", the server holding each answer {} ms", hold.as_millis())
    });
    println!(
        "- {} timed sequential run calls per client after {} warm-up calls, each client in its \
         own process{held}; peak RSS is that process's VmHWM; requests per call counts every \
         request the server answered, warm-up included",
        setting.calls, setting.warmup_calls
    );
}
