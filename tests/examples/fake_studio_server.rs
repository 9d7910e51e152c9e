//! A fake Studio for `cargo xtask conformance`'s `prism-proxy` stage: it
//! starts [`FakeStudio`] on a free port of 127.0.0.1 with the pipelines the
//! `prism_proxy_finds_no_violation` test drives, accepting the suite's test
//! credential of every kind, writes its base URL (`http://127.0.0.1:PORT/v1`)
//! to the file named by its one argument, and serves until it is killed.
//!
//! `cargo run -p ei-conformance-tests --example fake_studio_server -- url.txt`

use ei_conformance_tests::credentials::secret_for;
use ei_fake_studio::{FakeStudio, PipelineSpec, StepSpec};
use std::time::Duration;

/// The organization the pipelines belong to.
const ORGANIZATION: i64 = 1;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url_file = std::env::args_os().nth(1).expect("usage: fake_studio_server URL_FILE");
    let step = |name: &str, millis: u64, files: u32| {
        StepSpec::new(name).duration(Duration::from_millis(millis)).files(files)
    };
    let studio = FakeStudio::builder()
        .api_key(secret_for("ApiKeyAuthentication"))
        .jwt(secret_for("JWTAuthentication"))
        .jwt(secret_for("JWTHttpHeaderAuthentication"))
        .pipeline(
            PipelineSpec::new(ORGANIZATION, 1, "Succeeds")
                .step(step("Fetch", 400, 10))
                .step(step("Import", 600, 20).project_id(1).project_keys("ei_0123", "hmac_4567")),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, 2, "No counts")
                .step(step("Fetch", 400, 10))
                .step(step("Label", 400, 10))
                .without_progress_counts(),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, 3, "Fails")
                .step(step("Fetch", 300, 10))
                .step(step("Break", 300, 10).failing_files(4))
                .step(step("Never", 300, 10)),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, 4, "Long")
                .step(step("Fetch", 300, 10))
                .step(step("Wait", 600_000, 10).project_id(2)),
        )
        .start()
        .await;
    // Write then rename, so that a reader never sees half a URL.
    let partial = std::path::PathBuf::from(format!("{}.partial", url_file.to_string_lossy()));
    std::fs::write(&partial, studio.base_url()).expect("the URL file can be written");
    std::fs::rename(&partial, &url_file).expect("the URL file can be renamed");
    eprintln!("fake Studio serving at {}", studio.base_url());
    std::future::pending::<()>().await;
}
