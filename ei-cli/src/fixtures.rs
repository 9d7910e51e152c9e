//! What the unit tests build runs from: the vendor's own example of a run
//! answer (the seed), kept in this crate's `tests/fixtures` so that the
//! published package's tests have it too.

/// The seed example of a run answer (`RunOrganizationPipelineResponse`).
const SEED_RUN_RESPONSE: &str = include_str!("../tests/fixtures/seed-run-response.json");

/// The seed's `pipelineRun`, as JSON to shape.
pub(crate) fn seed_run() -> serde_json::Value {
    let seed: serde_json::Value = serde_json::from_str(SEED_RUN_RESPONSE).expect("JSON");
    seed["pipelineRun"].clone()
}
