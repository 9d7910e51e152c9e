//! The `ei-pipeline` binary (release, beside this one) against a hostile
//! server: each misbehaviour of the fake Studio, with the exit code, the
//! wall time and the CLI's peak RSS, next to the same command against a
//! polite server as the baseline.
//!
//! The child's peak RSS is its `VmHWM`, read from `/proc/PID/status` every
//! few milliseconds until it exits (the high-water mark only grows, so the
//! last reading is the peak up to that moment).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ei_bench::{mib, KIB_PER_MIB};
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};

/// How often the child's `VmHWM` is read.
const SAMPLE_EVERY: Duration = Duration::from_millis(2);
/// The goal: memory bounded by the answer cap, not by what the server sends.
const GOAL_PEAK_RSS_MIB: f64 = 64.0;
/// The organization of the sample pipeline.
const ORG: i64 = 1;

/// One row: a misbehaviour, the command it meets, and the exit it must end with.
struct Case {
    what: &'static str,
    args: &'static [&'static str],
    expected_exit: i32,
    fault: Option<(Operation, Fault)>,
}

fn cases(other_origin: &str) -> Vec<Case> {
    let redirect = |status, to: &str| Fault::redirect(status, to);
    vec![
        Case {
            what: "polite server (baseline)",
            args: &["status", "1"],
            expected_exit: 0,
            fault: None,
        },
        Case {
            what: "302 to another port (`run`)",
            args: &["run", "1"],
            expected_exit: 4,
            fault: Some((Operation::Run, redirect(302, &format!("{other_origin}/v1/steal")))),
        },
        Case {
            what: "307 to another host (`status`)",
            args: &["status", "1"],
            expected_exit: 4,
            fault: Some((Operation::Get, redirect(307, "https://evil.example/v1/steal"))),
        },
        Case {
            what: "308 to plain http (`stop`)",
            args: &["stop", "1"],
            expected_exit: 4,
            fault: Some((Operation::Stop, redirect(308, "http://203.0.113.7/v1/steal"))),
        },
        Case {
            what: "endless chunked body (`status`)",
            args: &["status", "1"],
            expected_exit: 4,
            fault: Some((Operation::Get, Fault::endless_body())),
        },
        Case {
            what: "1 GiB Content-Length, sent (`list`)",
            args: &["list"],
            expected_exit: 4,
            fault: Some((Operation::List, Fault::declared_body(1 << 30))),
        },
        Case {
            what: "answer dripped 1 byte / ms (`status`)",
            args: &["status", "1"],
            expected_exit: 0,
            fault: Some((Operation::Get, Fault::drip(Duration::from_millis(1)))),
        },
        Case {
            what: "hostile text, 70,000-character names (`list`)",
            args: &["list"],
            expected_exit: 0,
            fault: Some((Operation::List, Fault::hostile_text())),
        },
        Case {
            what: "hostile text while following a run (`run --wait`)",
            args: &["run", "1", "--wait", "--timeout", "60s"],
            expected_exit: 0,
            fault: Some((Operation::Get, Fault::hostile_text())),
        },
    ]
}

/// A run of the child: its exit code, wall time and peak RSS in KiB.
struct Measured {
    code: i32,
    wall: Duration,
    peak_kib: u64,
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn measure(mut command: Command) -> Measured {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ei-pipeline starts (build it with `cargo build --release -p ei-cli`)");
    let mut stderr = child.stderr.take().expect("piped");
    let drain = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
    });
    let mut peak_kib = 0;
    let status = loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    let wall = started.elapsed();
    let _ = drain.join();
    Measured { code: status.code().unwrap_or(-1), wall, peak_kib }
}

fn main() {
    let binary = std::env::current_exe().expect("this binary's path").with_file_name("ei-pipeline");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let pipeline = PipelineSpec::new(ORG, 1, "Nightly import")
        .step(StepSpec::new("Fetch").duration(Duration::from_millis(500)).files(20))
        .step(StepSpec::new("Clean").duration(Duration::from_millis(500)).files(20));
    let other = runtime.block_on(FakeStudio::start());
    let other_origin = other.base_url().trim_end_matches("/v1").to_owned();

    println!(
        "| misbehaviour | command | exit (expected) | wall time | peak RSS | RSS / baseline |"
    );
    println!("|---|---|---|---:|---:|---:|");
    let mut baseline_kib = None;
    let mut worst_mib: f64 = 0.0;
    let mut all_exits_right = true;
    for case in cases(&other_origin) {
        let studio = runtime.block_on(FakeStudio::builder().pipeline(pipeline.clone()).start());
        if let Some((operation, fault)) = case.fault {
            let _guard = runtime.enter();
            studio.inject(operation, When::Always, fault);
        }
        let mut command = Command::new(&binary);
        command
            .args(case.args)
            .env("EI_API_KEY", FakeStudio::DEFAULT_API_KEY)
            .env("EI_API_ENDPOINT", studio.base_url())
            .env("EI_ORGANIZATION_ID", ORG.to_string())
            .env_remove("EI_JWT");
        let measured = measure(command);
        let baseline = *baseline_kib.get_or_insert(measured.peak_kib);
        worst_mib = worst_mib.max(measured.peak_kib as f64 / KIB_PER_MIB);
        all_exits_right &= measured.code == case.expected_exit;
        println!(
            "| {} | `ei-pipeline {}` | {} ({}) | {:.2} s | {} MiB | {:.2}x |",
            case.what,
            case.args.join(" "),
            measured.code,
            case.expected_exit,
            measured.wall.as_secs_f64(),
            mib(measured.peak_kib),
            measured.peak_kib as f64 / baseline.max(1) as f64,
        );
        let _guard = runtime.enter();
        drop(studio);
    }
    assert_eq!(other.requests().len(), 0, "a redirect was followed to the other origin");
    println!();
    println!("- no request reached the other origin: met");
    let exits = if all_exits_right { "met" } else { "missed" };
    println!("- every case ends with its documented exit code: {exits}");
    let memory = if worst_mib < GOAL_PEAK_RSS_MIB { "met" } else { "missed" };
    println!("- peak RSS under {GOAL_PEAK_RSS_MIB} MiB in every case (worst {worst_mib:.1} MiB): {memory}");
    let _guard = runtime.enter();
    drop(other);
}
