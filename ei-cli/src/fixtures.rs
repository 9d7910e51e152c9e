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

/// A step as [`run_model`] builds it: `(name, status, done, succeeded, total)`.
pub(crate) type StepOf<'a> = (&'a str, &'a str, i64, i64, i64);

/// A run model of the seed's shape with these steps; finished when `finished`.
pub(crate) fn run_model(id: i64, finished: bool, steps: &[StepOf<'_>]) -> ei_api_ext::run::Run {
    use serde_json::json;
    let mut run = seed_run();
    let template = run["steps"][0].clone();
    run["id"] = json!(id);
    run["finished"] = if finished { json!("2023-11-07T05:41:56Z") } else { json!(null) };
    run["steps"] = steps
        .iter()
        .map(|&(name, status, done, succeeded, total)| {
            let mut step = template.clone();
            step["name"] = json!(name);
            let job = &mut step["transformationJob"];
            job["status"] = json!(status);
            job["transformJobStatus"] = json!(status);
            job["uploadJobStatus"] = json!(if status == "failed" { "waiting" } else { status });
            job["inProgress"] = json!(status == "started");
            let summary = &mut job["transformationSummary"];
            summary["finishedCount"] = json!(done);
            summary["succeededCount"] = json!(succeeded);
            summary["totalFileCount"] = json!(total);
            step
        })
        .collect();
    ei_api_ext::run::Run::new(serde_json::from_value(run).expect("a run"))
}
