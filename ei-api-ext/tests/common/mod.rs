//! What the tests share: a fake Studio with a known pipeline and a client for it.
#![allow(dead_code)]

use std::time::Duration;

use ei_api_ext::{Client, OrganizationId, PipelineHandle, PipelineId, RetryPolicy};
use ei_fake_studio::{FakeStudio, FakeStudioBuilder, PipelineSpec, StepSpec};

pub const KEY: &str = "ei_test_key_0123456789";
pub const ORG: OrganizationId = OrganizationId::new(3);
pub const PIPELINE: PipelineId = PipelineId::new(9);
pub const FAILING: PipelineId = PipelineId::new(10);
pub const NO_PROGRESS: PipelineId = PipelineId::new(11);

/// A studio with three pipelines in organization 3: 9 succeeds in 60 s,
/// 10 fails at its second step, 11 reports no file counts.
pub async fn studio() -> FakeStudio {
    studio_builder().start().await
}

/// The builder of [`studio`], to add credentials or pipelines.
pub fn studio_builder() -> FakeStudioBuilder {
    FakeStudio::builder()
        .api_key(KEY)
        .pipeline(
            PipelineSpec::new(ORG.get(), PIPELINE.get(), "Import")
                .step(StepSpec::new("Fetch").duration(Duration::from_secs(20)).files(40))
                .step(StepSpec::new("Clean").duration(Duration::from_secs(40)).files(40)),
        )
        .pipeline(
            PipelineSpec::new(ORG.get(), FAILING.get(), "Broken")
                .step(StepSpec::new("Fetch").duration(Duration::from_secs(10)).files(10))
                .step(StepSpec::new("Explode").duration(Duration::from_secs(10)).files(10).fails())
                .step(StepSpec::new("Never").duration(Duration::from_secs(10)).files(10)),
        )
        .pipeline(
            PipelineSpec::new(ORG.get(), NO_PROGRESS.get(), "Quiet")
                .step(StepSpec::new("Work").duration(Duration::from_secs(30)).files(10))
                .without_progress_counts(),
        )
}

pub fn client(studio: &FakeStudio, policy: RetryPolicy) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(studio.base_url())
        .attempt_timeout(Duration::from_secs(5))
        .retry_policy(policy)
        .build()
        .expect("a valid configuration")
}

pub fn pipeline(studio: &FakeStudio, id: PipelineId) -> PipelineHandle {
    client(studio, RetryPolicy::default()).pipeline(ORG, id)
}
