//! What depending on `ei-api-ext` costs a program's build, for `cargo xtask
//! bench`: a small program that runs, follows and diagnoses a pipeline
//! through the SDK, against a bare one making a single POST with reqwest
//! (json, rustls), serde_json and tokio, both in one temporary workspace
//! with this workspace's `Cargo.lock`. Each is built cold (`--release`, a
//! fresh target directory of its own), one after the other in the same
//! run: wall-clock build time, crates compiled, stripped binary size.

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The SDK program: run a pipeline, follow it, diagnose it if it failed.
const SDK_PROGRAM: &str = r#"use ei_api_ext::diagnose::DiagnosisOptions;
use ei_api_ext::wait::{Outcome, WaitOptions};
use ei_api_ext::{Client, OrganizationId, PipelineId};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let pipeline = client.pipeline(OrganizationId::new(1), PipelineId::new(1));
    let report = pipeline.run().follow(WaitOptions::timeout(Duration::from_secs(3600))).await?;
    if report.outcome == Outcome::Failed {
        for step in pipeline.diagnose(&report.run, DiagnosisOptions::default()).await.steps {
            println!("step {}: {:?}", step.step.number, step.step.files);
        }
    }
    Ok(())
}
"#;

/// The bare program: one POST, its JSON answer printed.
const BARE_PROGRAM: &str = r#"#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("EI_API_ENDPOINT")?;
    let key = std::env::var("EI_API_KEY")?;
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/organizations/1/pipelines/1/run"))
        .header("x-api-key", key)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!("{answer}");
    Ok(())
}
"#;

/// One program's build.
struct Built {
    seconds: f64,
    crates: usize,
    stripped_bytes: u64,
}

/// The markdown section: a row per program and their ratios.
pub fn section(root: &Path) -> Result<String> {
    let scratch = root.join("target").join("build-cost");
    let _ = std::fs::remove_dir_all(&scratch);
    let sdk = root.join("ei-api-ext");
    write(
        &scratch.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"sdk\", \"bare\"]\n",
    )?;
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock"))?;
    write(
        &scratch.join("sdk/Cargo.toml"),
        &format!(
            "[package]\nname = \"sdk\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [dependencies]\nei-api-ext = {{ path = {:?} }}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n",
            sdk.display().to_string()
        ),
    )?;
    write(&scratch.join("sdk/src/main.rs"), SDK_PROGRAM)?;
    write(
        &scratch.join("bare/Cargo.toml"),
        "[package]\nname = \"bare\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\n\
         reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"rustls\"] }\n\
         serde_json = \"1\"\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
    )?;
    write(&scratch.join("bare/src/main.rs"), BARE_PROGRAM)?;

    let bare = build(&scratch, "bare")?;
    let sdk = build(&scratch, "sdk")?;
    let mut out = String::from(
        "| program | cold release build | crates compiled | stripped binary |\n|---|---:|---:|---:|\n",
    );
    for (name, built) in [
        ("bare reqwest + serde_json + tokio (baseline)", &bare),
        ("ei-api-ext: run, follow, diagnose", &sdk),
    ] {
        writeln!(
            out,
            "| {name} | {:.1} s | {} | {:.2} MiB |",
            built.seconds,
            built.crates,
            built.stripped_bytes as f64 / (1024.0 * 1024.0)
        )?;
    }
    let ratio = |a: f64, b: f64| a / b;
    let time = ratio(sdk.seconds, bare.seconds);
    let crates = ratio(sdk.crates as f64, bare.crates as f64);
    let size = ratio(sdk.stripped_bytes as f64, bare.stripped_bytes as f64);
    let verdict = |value: f64, goal: f64| if value <= goal { "met" } else { "missed" };
    writeln!(out, "\nRatios (ei-api-ext / baseline):\n")?;
    writeln!(out, "- build time {time:.2}x (goal at most 1.25x: {})", verdict(time, 1.25))?;
    writeln!(
        out,
        "- crates compiled {crates:.2}x (goal at most 1.25x: {})",
        verdict(crates, 1.25)
    )?;
    writeln!(out, "- stripped size {size:.2}x (goal at most 1.2x: {})", verdict(size, 1.2))?;
    Ok(out)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::create_dir_all(path.parent().expect("a file in a directory"))?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Builds `package` of the workspace at `scratch` cold, in a target
/// directory of its own, stripped.
fn build(scratch: &Path, package: &str) -> Result<Built> {
    let target = scratch.join(format!("target-{package}"));
    eprintln!("xtask bench: cold release build of the {package} program");
    let started = Instant::now();
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(scratch)
        .args(["build", "--release", "-p", package])
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .env_remove("RUSTC_WRAPPER")
        .output()
        .context("could not start cargo build")?;
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("building the {package} program failed:\n{log}");
    }
    let crates = log.lines().filter(|line| line.trim_start().starts_with("Compiling ")).count();
    let stripped_bytes = std::fs::metadata(target.join("release").join(package))?.len();
    Ok(Built { seconds, crates, stripped_bytes })
}
