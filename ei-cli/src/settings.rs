//! The settings `ei-pipeline` reads beyond the SDK's own (`EI_API_KEY`,
//! `EI_JWT`, `EI_JWT_TRANSPORT`, `EI_API_ENDPOINT`).

use std::time::Duration;

/// The environment variable holding the organization's id.
pub const ENV_ORGANIZATION_ID: &str = "EI_ORGANIZATION_ID";

/// The environment variable GitHub Actions sets to `true` on its runners.
pub const ENV_GITHUB_ACTIONS: &str = "GITHUB_ACTIONS";

/// The environment variable naming the file GitHub Actions shows as the
/// step's job summary (Markdown, appended to).
pub const ENV_GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";

/// How long `run --wait` waits when `--timeout` is not given: longer than a
/// typical pipeline takes, short enough that a stuck run does not hold a CI
/// job for a day.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);
