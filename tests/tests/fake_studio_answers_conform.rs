//! The fake Studio's answers conform to the corrected document: a fake
//! Studio is driven (on a paused clock) through every state it can be in,
//! each run diagnosed on the way (its steps' files in every selection, and
//! the status and logs of every job they list), and each raw answer
//! (fetched with reqwest, not the generated client) must be
//! `application/json` and valid for the schema the document declares for
//! its operation and status (`200`, or the `4XX`/`5XX` `GenericApiResponse`),
//! judged by the suite's own [`Judge`].
//!
//! One answer the document does not declare is judged otherwise: the
//! vendor's refusal (to run a running pipeline or one with a start error,
//! to stop one that is not running), a 200 with `success: false` and
//! without the operation's other required properties, is judged as a
//! `GenericApiResponse` (see `ei_api::failure`).
//!
//! Faults that break the document on purpose (broken JSON, closed
//! connections, foreign bodies) are left out, but the answers with unknown
//! properties or `null`s must conform too: the corrected document allows
//! `null` on optional properties and does not forbid unknown ones.
//!
//! Until faults are injected, each answer must also be as the vendor's
//! server writes it, which the document allows but does not require: no
//! property the document does not define, no value an open enum does not
//! list, and every date RFC 3339 in UTC with milliseconds
//! ([`unlike_the_vendor`]).

use ei_api::schema::{visit_objects, Additional, SCHEMA_REF_PREFIX};
use ei_api::Credentials;
use ei_conformance_tests::credentials::OFFERED;
use ei_conformance_tests::document::{DeclaredOperation, Document, StatusKey};
use ei_conformance_tests::json_schema::Judge;
use ei_conformance_tests::served::declared_for;
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

const ORGANIZATION: i64 = 7;
/// Three steps (1 s, 2 s, 1 s); the second carries project keys.
const SUCCEEDS: i64 = 1;
/// Its second step fails, on 4 of its 10 files.
const FAILS: i64 = 2;
/// Stopped in the middle of a run.
const STOPPED: i64 = 3;
/// Cannot start.
const START_ERROR: i64 = 4;
/// Reports no progress counts.
const NO_COUNTS: i64 = 5;
/// A step without files, then a step that fails whole.
const STEP_FAILS: i64 = 6;
/// Its one step's upload fails.
const UPLOAD_FAILS: i64 = 7;
/// Every pipeline of the organization.
const PIPELINES: &[i64] =
    &[SUCCEEDS, FAILS, STOPPED, START_ERROR, NO_COUNTS, STEP_FAILS, UPLOAD_FAILS];
/// The project the steps of [`SUCCEEDS`] import into.
const PROJECT: i64 = 42;

/// What `document` declares for `operation`.
fn declared(document: &Document, operation: Operation) -> DeclaredOperation {
    let id = operation.operation_id();
    let declared = document.operations().into_iter().find(|candidate| candidate.id == id);
    declared.unwrap_or_else(|| panic!("the document has no operation {id}"))
}

/// Whether a raw answer to `operation` conforms to the document: JSON, and
/// valid for the schema the document declares for `status`. Returns the
/// body and that schema.
fn conforms(
    document: &Document,
    operation: &DeclaredOperation,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(Value, Value), Vec<String>> {
    let media = content_type.unwrap_or("(none)");
    let essence = media.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(vec![format!("Content-Type is {media}, not application/json")]);
    }
    let Some(key) = declared_for(operation, status) else {
        return Err(vec![format!("the document declares no response for {status}")]);
    };
    let declared = operation.responses.iter().find(|response| response.status == key);
    let Some(schema) = declared.and_then(|response| response.json_schema.as_ref()) else {
        return Err(vec![format!("the document declares no JSON body for {key}")]);
    };
    let body: Value = serde_json::from_slice(body).map_err(|error| {
        vec![format!("the body is not JSON ({error}): {}", String::from_utf8_lossy(body))]
    })?;
    // The vendor refuses with `success: false` in a 200 whose other required
    // properties are missing (ei_api::failure); the document does not declare
    // that answer, so it is judged as what it is, a `GenericApiResponse`.
    let refusal = json!({ "$ref": format!("{SCHEMA_REF_PREFIX}GenericApiResponse") });
    let schema = if key == StatusKey::Code(200) && body["success"] == false {
        refusal
    } else {
        schema.clone()
    };
    match Judge::new(document, &schema).verdict(&body) {
        Ok(()) => Ok((body, schema)),
        Err(reasons) => Err(reasons.into_iter().map(|reason| format!("{key}: {reason}")).collect()),
    }
}

/// How `body`, valid for `schema`, departs from what the vendor's server
/// sends: properties the document does not define (where an object does
/// not say what others may be), values an open enum does not list, and
/// dates not written as the vendor writes them ([`is_vendor_date`]).
fn unlike_the_vendor(document: &Document, schema: &Value, mut body: Value) -> Vec<String> {
    let mut reasons = Vec::new();
    visit_objects(document, schema, &mut body, &mut |object, view| {
        if !matches!(view.additional, Additional::Schema(_)) {
            let unknown = object.keys().filter(|name| !view.properties.contains_key(name.as_str()));
            reasons.extend(unknown.map(|name| format!("property {name} is not in the document")));
        }
        for property in view.property_views(document) {
            let Some(value) = object.get(property.name).filter(|value| !value.is_null()) else {
                continue;
            };
            if property.view.known_values.is_some_and(|known| !known.contains(value)) {
                reasons.push(format!("{}: {value} is not a listed value", property.name));
            }
            let date = property.view.format == Some("date-time");
            if date && !value.as_str().is_some_and(is_vendor_date) {
                reasons.push(format!(
                    "{}: {value} is not written as the vendor writes dates",
                    property.name
                ));
            }
        }
    });
    reasons
}

/// Whether `text` is a date as the vendor's (JavaScript) server writes one:
/// RFC 3339, in UTC, with exactly three fractional digits
/// (`2024-06-03T08:00:00.000Z`).
fn is_vendor_date(text: &str) -> bool {
    let fraction = text.strip_suffix('Z').and_then(|rest| rest.rsplit_once('.'));
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
        && fraction.is_some_and(|(_, digits)| {
            digits.len() == MILLISECOND_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())
        })
}

/// The fractional digits of a date written to the millisecond.
const MILLISECOND_DIGITS: usize = 3;

/// A raw request with one credential (or none), sent to the fake.
#[derive(Clone, Debug)]
struct Credential(Option<(HeaderName, HeaderValue)>);

impl Credential {
    fn of(credentials: &Credentials) -> Credential {
        Credential(Some((credentials.header_name(), credentials.header_value().clone())))
    }

    fn none() -> Credential {
        Credential(None)
    }
}

/// Sends raw requests to the fake and judges every answer.
struct Checker<'a> {
    document: &'static Document,
    studio: &'a FakeStudio,
    http: reqwest::Client,
    credential: Credential,
    problems: Vec<String>,
    /// Whether answers must also be as the vendor writes them
    /// ([`unlike_the_vendor`]): until faults are injected.
    vendor_like: bool,
    /// (operation id, status) of each answer judged.
    seen: BTreeSet<(String, u16)>,
    judged: usize,
}

impl<'a> Checker<'a> {
    fn new(studio: &'a FakeStudio, credential: Credential) -> Checker<'a> {
        Checker {
            document: Document::get(),
            studio,
            http: reqwest::Client::new(),
            credential,
            problems: Vec::new(),
            vendor_like: true,
            seen: BTreeSet::new(),
            judged: 0,
        }
    }

    /// Sends `operation` to `path_and_query` (below `/v1`), judges the
    /// answer, checks its status is `expected` and returns its body.
    async fn call(
        &mut self,
        what: &str,
        operation: Operation,
        path_and_query: &str,
        expected: u16,
    ) -> Value {
        self.call_with(what, operation, path_and_query, None, expected).await
    }

    /// [`call`](Self::call), with `body` as the request's JSON body.
    async fn call_with(
        &mut self,
        what: &str,
        operation: Operation,
        path_and_query: &str,
        body: Option<&Value>,
        expected: u16,
    ) -> Value {
        let id = operation.operation_id();
        let declared = declared(self.document, operation);
        let url = format!("{}{path_and_query}", self.studio.base_url());
        let mut request =
            self.http.request(declared.method.parse().expect("an HTTP method"), url.as_str());
        if let Some((name, value)) = &self.credential.0 {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap_or_else(|error| panic!("{what}: {error}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.unwrap_or_else(|error| panic!("{what}: {error}"));
        let name = format!("{what} ({} {path_and_query} → {status})", declared.method);
        if status != expected {
            self.problems.push(format!("{name}: expected status {expected}"));
        }
        let reasons =
            match conforms(self.document, &declared, status, content_type.as_deref(), &body) {
                Ok((body, schema)) if self.vendor_like => {
                    unlike_the_vendor(self.document, &schema, body)
                }
                Ok(_) => Vec::new(),
                Err(reasons) => reasons,
            };
        if !reasons.is_empty() {
            self.problems.push(format!("{name}:\n  {}", reasons.join("\n  ")));
        }
        self.judged += 1;
        self.seen.insert((id.to_owned(), status));
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    }

    /// Records a problem unless `holds`: the state the fake was meant to be in.
    fn expect(&mut self, holds: bool, what: &str) {
        if !holds {
            self.problems.push(format!("the fake was not in the state meant: {what}"));
        }
    }

    /// Reads the transformation job of each step in `steps` with each
    /// selection and a page past the first file, then the status and logs
    /// of every job it lists; returns those jobs' ids.
    async fn diagnose(&mut self, what: &str, steps: &[i64]) -> Vec<i64> {
        let mut jobs = BTreeSet::new();
        for &step in steps {
            for query in [
                "transformLimit=100&transformOffset=0",
                "transformLimit=100&transformOffset=0&selection=all",
                "transformLimit=100&transformOffset=0&selection=created",
                "transformLimit=100&transformOffset=0&selection=in-progress",
                "transformLimit=100&transformOffset=0&selection=failed",
                "transformLimit=4&transformOffset=1&selection=all",
            ] {
                let path = transformation_job(step, query);
                let body = self.call(what, Operation::TransformationJobStatus, &path, 200).await;
                let files = body["status"]["files"].as_array().cloned().unwrap_or_default();
                jobs.extend(files.iter().filter_map(|file| file["transformationJobId"].as_i64()));
                jobs.extend(body["status"]["uploadJobId"].as_i64());
            }
        }
        for &job in &jobs {
            self.call(what, Operation::JobStatus, &path_to(Operation::JobStatus, job), 200).await;
            for query in ["", "?limit=2", "?logLevel=warn", "?limit=0&logLevel=debug"] {
                let path = format!("{}{query}", path_to(Operation::JobLogs, job));
                self.call(what, Operation::JobLogs, &path, 200).await;
            }
        }
        jobs.into_iter().collect()
    }

    fn finish(self) -> (usize, BTreeSet<(String, u16)>) {
        assert!(
            self.problems.is_empty(),
            "{} of {} answers do not conform:\n{}",
            self.problems.len(),
            self.judged,
            self.problems.join("\n")
        );
        (self.judged, self.seen)
    }
}

/// The path of `operation` for `id` (a pipeline, a transformation job or a
/// job) of the organization.
fn path_to(operation: Operation, id: i64) -> String {
    operation.path([ORGANIZATION, id])
}

/// The path of a transformation job with `query`.
fn transformation_job(id: i64, query: &str) -> String {
    format!("{}?{query}", path_to(Operation::TransformationJobStatus, id))
}

/// The transformation job ids of a run's steps.
fn step_jobs(run: &Value) -> Vec<i64> {
    let steps = run["steps"].as_array().cloned().unwrap_or_default();
    steps.iter().filter_map(|step| step["transformationJob"]["id"].as_i64()).collect()
}

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

async fn studio() -> FakeStudio {
    let step = |name: &str, seconds: f64, files: u32| {
        StepSpec::new(name).duration(secs(seconds)).files(files)
    };
    FakeStudio::builder()
        .api_key(FakeStudio::DEFAULT_API_KEY)
        .jwt("ei_conformance_jwt")
        .pipeline(
            PipelineSpec::new(ORGANIZATION, SUCCEEDS, "Nightly import")
                .step(step("Fetch", 1.0, 10))
                .step(
                    step("Label", 2.0, 20).project_id(PROJECT).project_keys("ei_0123", "hmac_4567"),
                )
                .step(step("Import", 1.0, 18).project_id(PROJECT)),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, FAILS, "Fails")
                .step(step("Fetch", 1.0, 10))
                .step(step("Break", 1.0, 10).failing_files(4))
                .step(step("Never", 1.0, 10)),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, STOPPED, "Stopped")
                .step(step("Fetch", 1.0, 10))
                .step(step("Long", 60.0, 10)),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, START_ERROR, "Cannot start")
                .step(step("Fetch", 1.0, 10))
                .start_error("Transformation block 12 does not exist"),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, NO_COUNTS, "No counts")
                .step(step("Fetch", 1.0, 10))
                .step(step("Label", 1.0, 10))
                .without_progress_counts(),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, STEP_FAILS, "Step fails")
                .step(step("Empty", 1.0, 0))
                .step(step("Break", 1.0, 10).fails()),
        )
        .pipeline(
            PipelineSpec::new(ORGANIZATION, UPLOAD_FAILS, "Upload fails")
                .step(step("Upload", 2.0, 10).upload_fails()),
        )
        .start()
        .await
}

/// A definition the fake accepts, every property set, with project keys.
fn definition(name: &str) -> Value {
    json!({
        "name": name,
        "description": "Defined by the conformance suite",
        "intervalStr": "1d",
        "steps": [
            { "name": "Fetch", "transformationBlockId": 12, "category": "training",
              "parameters": { "bucket": "raw" }, "outputDatasetPathRule": "no-subfolders" },
            { "name": "Import", "uploadType": "project", "projectId": PROJECT,
              "projectApiKey": "ei_0123", "projectHmacKey": "hmac_4567" }
        ],
        "dataset": "raw",
        "projectId": PROJECT,
        "emailRecipientUids": [3],
        "notificationWebhook": "https://example.com/hook",
        "whenToEmail": "on_new_data"
    })
}

fn pipeline_of(body: &Value) -> &Value {
    &body["pipeline"]
}

#[tokio::test(start_paused = true)]
async fn every_answer_of_the_fake_studio_conforms_to_the_document() {
    let studio = studio().await;
    let key = Credentials::api_key(FakeStudio::DEFAULT_API_KEY).expect("a key");
    let mut check = Checker::new(&studio, Credential::of(&key));
    use Operation::{
        Create, Delete, Get, JobLogs, JobStatus, List, ListArchived, Run, Stop,
        TransformationJobStatus, Update,
    };

    // No run yet.
    for &id in PIPELINES {
        let body = check.call("before any run", Get, &path_to(Get, id), 200).await;
        check.expect(pipeline_of(&body).get("lastRun").is_none(), "no run yet");
    }
    let body = check.call("stop before any run", Stop, &path_to(Stop, SUCCEEDS), 200).await;
    check.expect(body["success"] == false, "stopping nothing is refused");

    // A run that succeeds, watched in each step.
    let start = tokio::time::Instant::now();
    let body = check.call("run", Run, &path_to(Run, SUCCEEDS), 200).await;
    check.expect(body["success"] == true, "the run starts");
    let body = check
        .call(
            "run while running",
            Run,
            &format!("{}?ignoreLastSuccessfulRun=true", path_to(Run, SUCCEEDS)),
            200,
        )
        .await;
    check.expect(body["success"] == false, "a concurrent run is refused");
    for (at, step) in [(0.5, 0), (1.5, 1), (2.9, 1), (3.5, 2)] {
        tokio::time::sleep_until(start + secs(at)).await;
        let body =
            check.call(&format!("step {step} running"), Get, &path_to(Get, SUCCEEDS), 200).await;
        let current = &pipeline_of(&body)["currentRun"];
        check.expect(
            current["steps"][step]["transformationJob"]["status"] == "started",
            "a step runs",
        );
        let body = check
            .call("list while running", List, &Operation::List.path([ORGANIZATION]), 200)
            .await;
        check.expect(
            body["pipelines"].as_array().is_some_and(|all| all.len() == PIPELINES.len()),
            "every pipeline",
        );
    }
    tokio::time::sleep_until(start + secs(4.5)).await;
    let body = check.call("finished, succeeded", Get, &path_to(Get, SUCCEEDS), 200).await;
    check.expect(pipeline_of(&body).get("currentRun").is_none(), "the run is over");
    check.expect(
        pipeline_of(&body)["lastRun"]["steps"][2]["transformationJob"]["status"] == "finished",
        "the run succeeded",
    );
    let body = check.call("stop after the run", Stop, &path_to(Stop, SUCCEEDS), 200).await;
    check.expect(body["success"] == false, "stopping a finished run is refused");
    check
        .call(
            "run again",
            Run,
            &format!("{}?ignoreLastSuccessfulRun=false", path_to(Run, SUCCEEDS)),
            200,
        )
        .await;

    // A run that fails.
    check.call("run a failing pipeline", Run, &path_to(Run, FAILS), 200).await;
    tokio::time::sleep(secs(1.5)).await;
    let body = check.call("failing step running", Get, &path_to(Get, FAILS), 200).await;
    let failing_steps = step_jobs(&pipeline_of(&body)["currentRun"]);
    check.diagnose("failing step running", &failing_steps).await;
    tokio::time::sleep(secs(5.0)).await;
    let body = check.call("finished, failed", Get, &path_to(Get, FAILS), 200).await;
    check.expect(
        pipeline_of(&body)["lastRun"]["steps"][1]["transformationJob"]["status"] == "failed",
        "the run failed",
    );
    let failed_jobs = check.diagnose("finished, failed", &failing_steps).await;
    let failed = transformation_job(
        failing_steps[1],
        "transformLimit=10&transformOffset=0&selection=failed",
    );
    let body = check.call("the failed files", TransformationJobStatus, &failed, 200).await;
    check.expect(body["status"]["fileCountForFilter"] == 4, "four failed files");
    let failed_file_job = body["status"]["files"][0]["transformationJobId"].as_i64().unwrap_or(0);
    check.expect(failed_jobs.contains(&failed_file_job), "the failed file's job is diagnosed");

    // A step that fails whole after one without files, and an upload that fails.
    for id in [STEP_FAILS, UPLOAD_FAILS] {
        check.call("run to fail", Run, &path_to(Run, id), 200).await;
    }
    tokio::time::sleep(secs(1.5)).await;
    for id in [STEP_FAILS, UPLOAD_FAILS] {
        let body = check.call("running, to fail", Get, &path_to(Get, id), 200).await;
        check.diagnose("running, to fail", &step_jobs(&pipeline_of(&body)["currentRun"])).await;
    }
    tokio::time::sleep(secs(2.0)).await;
    let body = check.call("a step failed", Get, &path_to(Get, STEP_FAILS), 200).await;
    let last_run = &pipeline_of(&body)["lastRun"];
    check.expect(last_run["steps"][1]["transformationJob"]["status"] == "failed", "a step failed");
    check.diagnose("a step failed", &step_jobs(last_run)).await;
    let body = check.call("the upload failed", Get, &path_to(Get, UPLOAD_FAILS), 200).await;
    let job = &pipeline_of(&body)["lastRun"]["steps"][0]["transformationJob"];
    check.expect(
        job["status"] == "failed" && job["transformJobStatus"] == "finished",
        "the upload failed after every file was transformed",
    );
    check.diagnose("the upload failed", &step_jobs(&pipeline_of(&body)["lastRun"])).await;

    // A run that is stopped.
    check.call("run to stop", Run, &path_to(Run, STOPPED), 200).await;
    tokio::time::sleep(secs(2.0)).await;
    let body = check.call("stop", Stop, &path_to(Stop, STOPPED), 200).await;
    check.expect(body["success"] == true, "the run stops");
    let body = check.call("stopped", Get, &path_to(Get, STOPPED), 200).await;
    check.expect(pipeline_of(&body).get("currentRun").is_none(), "the stopped run is over");
    check.diagnose("stopped", &step_jobs(&pipeline_of(&body)["lastRun"])).await;

    // A start error.
    let body = check.call("start error", Run, &path_to(Run, START_ERROR), 200).await;
    check.expect(body["success"] == false, "a pipeline with a start error does not run");
    check.call("with a start error", Get, &path_to(Get, START_ERROR), 200).await;

    // No progress counts.
    check.call("run without counts", Run, &path_to(Run, NO_COUNTS), 200).await;
    tokio::time::sleep(secs(0.5)).await;
    let body = check.call("running without counts", Get, &path_to(Get, NO_COUNTS), 200).await;
    check.diagnose("running without counts", &step_jobs(&pipeline_of(&body)["currentRun"])).await;
    tokio::time::sleep(secs(5.0)).await;
    check.call("finished without counts", Get, &path_to(Get, NO_COUNTS), 200).await;

    // Lists.
    let all = &Operation::List.path([ORGANIZATION]);
    check.call("list", List, all, 200).await;
    let body =
        check.call("list by project", List, &format!("{all}?projectId={PROJECT}"), 200).await;
    check.expect(body["pipelines"].as_array().is_some_and(|some| some.len() == 1), "one pipeline");
    let body =
        check.call("list by another project", List, &format!("{all}?projectId=9"), 200).await;
    check.expect(body["pipelines"].as_array().is_some_and(Vec::is_empty), "no pipeline");

    // Definitions: create, read, update (archive), list archived, delete.
    let create = &Operation::Create.path([ORGANIZATION]);
    let archived = &Operation::ListArchived.path([ORGANIZATION]);
    let body = check.call_with("create", Create, create, Some(&definition("Made")), 200).await;
    let made = body["id"].as_i64().unwrap_or_default();
    check.expect(body["success"] == true && made > 0, "a pipeline is created");
    let body = check.call("created", Get, &path_to(Get, made), 200).await;
    check.expect(pipeline_of(&body)["intervalStr"] == "1d", "the definition is held");
    let mut archive = definition("Made");
    archive["archived"] = json!(true);
    check.call_with("archive", Update, &path_to(Update, made), Some(&archive), 200).await;
    let body = check.call("list archived", ListArchived, archived, 200).await;
    check.expect(body["pipelines"].as_array().is_some_and(|a| a.len() == 1), "one archived");
    let by_project = format!("{archived}?projectId={PROJECT}");
    check.call("list archived by project", ListArchived, &by_project, 200).await;
    check.call("delete", Delete, &path_to(Delete, made), 200).await;
    check.call("deleted", Get, &path_to(Get, made), 404).await;

    // 400 and 404.
    check.call("bad pipeline id", Get, "/api/organizations/7/pipelines/abc", 400).await;
    check.call("bad organization id", List, "/api/organizations/x/pipelines", 400).await;
    check.call("bad projectId", List, &format!("{all}?projectId=one"), 400).await;
    check
        .call(
            "bad flag",
            Run,
            &format!("{}?ignoreLastSuccessfulRun=maybe", path_to(Run, SUCCEEDS)),
            400,
        )
        .await;
    check
        .call(
            "too big an id",
            Stop,
            "/api/organizations/7/pipelines/99999999999999999999/stop",
            400,
        )
        .await;
    check.call("unknown pipeline", Get, &path_to(Get, 99), 404).await;
    check.call("unknown pipeline run", Run, &path_to(Run, 99), 404).await;
    check.call("unknown pipeline stop", Stop, &path_to(Stop, 99), 404).await;
    check.call("unknown organization", List, &Operation::List.path([99]), 404).await;
    let mut unlisted = definition("Unlisted");
    unlisted["whenToEmail"] = json!("sometimes");
    check.call_with("no definition", Create, create, Some(&json!({})), 400).await;
    check
        .call_with("unlisted value", Update, &path_to(Update, SUCCEEDS), Some(&unlisted), 400)
        .await;
    check.call("bad pipeline id", Delete, "/api/organizations/7/pipelines/x", 400).await;
    check.call("bad projectId", ListArchived, &format!("{archived}?projectId=one"), 400).await;
    let known = definition("Unknown");
    let elsewhere = Operation::Create.path([99]);
    check.call_with("unknown organization", Create, &elsewhere, Some(&known), 404).await;
    check.call_with("unknown pipeline", Update, &path_to(Update, 99), Some(&known), 404).await;
    check.call("unknown pipeline", Delete, &path_to(Delete, 99), 404).await;
    check
        .call("unknown organization", ListArchived, &Operation::ListArchived.path([99]), 404)
        .await;
    let page = "transformLimit=10&transformOffset=0";
    let diagnosis_refusals: Vec<(&str, Operation, String, u16)> = vec![
        (
            "bad createProjectId",
            TransformationJobStatus,
            "/api/organizations/7/create-project/abc?transformLimit=1&transformOffset=0".into(),
            400,
        ),
        (
            "no transformLimit",
            TransformationJobStatus,
            transformation_job(failing_steps[1], "transformOffset=0"),
            400,
        ),
        (
            "bad transformLimit",
            TransformationJobStatus,
            transformation_job(failing_steps[1], "transformLimit=x&transformOffset=0"),
            400,
        ),
        (
            "bad selection",
            TransformationJobStatus,
            transformation_job(failing_steps[1], &format!("{page}&selection=some")),
            400,
        ),
        ("unknown transformation job", TransformationJobStatus, transformation_job(99, page), 404),
        ("bad jobId", JobStatus, "/api/organizations/7/jobs/abc/status".into(), 400),
        ("unknown job", JobStatus, path_to(JobStatus, 99), 404),
        (
            "bad logLevel",
            JobLogs,
            format!("{}?logLevel=loud", path_to(JobLogs, failed_file_job)),
            400,
        ),
        ("bad limit", JobLogs, format!("{}?limit=-1", path_to(JobLogs, failed_file_job)), 400),
        ("unknown job's logs", JobLogs, path_to(JobLogs, 99), 404),
    ];
    for (what, operation, path, status) in diagnosis_refusals {
        check.call(what, operation, &path, status).await;
    }

    // Faults that keep to the document: unknown properties, unlisted enum
    // values, nulls, HTTP errors.
    check.vendor_like = false;
    let faults: Vec<(&str, Fault, u16)> = vec![
        ("unknown properties", Fault::unknown_properties(), 200),
        ("unlisted enum values", Fault::unlisted_enum_values(), 200),
        ("nulls", Fault::nulls(), 200),
        ("429", Fault::status(429).retry_after("5"), 429),
        ("500", Fault::status(500), 500),
        ("503", Fault::status(503), 503),
        ("vendor refusal", Fault::success_false("Not now"), 200),
        ("delay", Fault::delay(secs(3.0)), 200),
    ];
    for (name, fault, status) in faults {
        check.call(&format!("{name}, no run"), Get, &path_to(Get, SUCCEEDS), 200).await;
        for (operation, path) in [
            (Run, path_to(Run, SUCCEEDS)),
            (Get, path_to(Get, SUCCEEDS)),
            (List, all.to_owned()),
            (Get, path_to(Get, NO_COUNTS)),
            (Stop, path_to(Stop, SUCCEEDS)),
            (Get, path_to(Get, SUCCEEDS)),
            (TransformationJobStatus, transformation_job(failing_steps[1], page)),
            (JobStatus, path_to(JobStatus, failed_file_job)),
            (JobLogs, path_to(JobLogs, failed_file_job)),
        ] {
            studio.inject(operation, When::Nth(1), fault.clone());
            check.call(&format!("{name} ({operation:?})"), operation, &path, status).await;
        }
        let made = check.call_with("to fault", Create, create, Some(&definition("F")), 200).await;
        let made = made["id"].as_i64().unwrap_or_default();
        let made_definition = definition("Faulted");
        for (operation, path, body) in [
            (Create, create.to_owned(), Some(&made_definition)),
            (Update, path_to(Update, made), Some(&made_definition)),
            (ListArchived, archived.to_owned(), None),
            (Delete, path_to(Delete, made), None),
        ] {
            studio.inject(operation, When::Nth(1), fault.clone());
            let what = format!("{name} ({operation:?})");
            check.call_with(&what, operation, &path, body, status).await;
        }
        // Let any run started end.
        tokio::time::sleep(secs(10.0)).await;
    }
    // Nulls and unknown properties while a run is in progress, with counts and project keys.
    studio.start_run(ORGANIZATION, SUCCEEDS).expect("a run starts");
    tokio::time::sleep(secs(1.5)).await;
    for (name, fault) in
        [("nulls", Fault::nulls()), ("unknown properties", Fault::unknown_properties())]
    {
        studio.inject(Get, When::Nth(1), fault.clone());
        check.call(&format!("{name} while running"), Get, &path_to(Get, SUCCEEDS), 200).await;
        studio.inject(List, When::Nth(1), fault);
        check.call(&format!("{name} in a list while running"), List, all, 200).await;
    }
    let (judged, seen) = check.finish();

    // 401, for each operation, with no credential and with a wrong one.
    let wrong = Credentials::api_key("ei_not_the_key").expect("a key");
    for credential in [Credential::none(), Credential::of(&wrong)] {
        let mut check = Checker::new(&studio, credential);
        check.call("no credential", Run, &path_to(Run, SUCCEEDS), 401).await;
        check.call("no credential", Get, &path_to(Get, SUCCEEDS), 401).await;
        check.call("no credential", Stop, &path_to(Stop, SUCCEEDS), 401).await;
        check.call("no credential", List, all, 401).await;
        check.call_with("no credential", Create, create, Some(&definition("No")), 401).await;
        check.call("no credential", Update, &path_to(Update, SUCCEEDS), 401).await;
        check.call("no credential", Delete, &path_to(Delete, SUCCEEDS), 401).await;
        check.call("no credential", ListArchived, archived, 401).await;
        let path = transformation_job(failing_steps[1], page);
        check.call("no credential", TransformationJobStatus, &path, 401).await;
        check.call("no credential", JobStatus, &path_to(JobStatus, failed_file_job), 401).await;
        check.call("no credential", JobLogs, &path_to(JobLogs, failed_file_job), 401).await;
        check.finish();
    }
    // Every kind of credential the client offers is accepted, and answered alike.
    for make in OFFERED {
        let secret = if make("probe").is_ok_and(|c| c.scheme_name() == "ApiKeyAuthentication") {
            FakeStudio::DEFAULT_API_KEY
        } else {
            "ei_conformance_jwt"
        };
        let credentials = make(secret).expect("a credential");
        let mut check = Checker::new(&studio, Credential::of(&credentials));
        let kind = credentials.scheme_name();
        check.call(kind, Get, &path_to(Get, SUCCEEDS), 200).await;
        check.call(kind, List, all, 200).await;
        check.call(kind, ListArchived, archived, 200).await;
        check.call(kind, Stop, &path_to(Stop, SUCCEEDS), 200).await;
        check.call(kind, Run, &path_to(Run, SUCCEEDS), 200).await;
        let path = transformation_job(failing_steps[1], page);
        check.call(kind, TransformationJobStatus, &path, 200).await;
        check.call(kind, JobStatus, &path_to(JobStatus, failed_file_job), 200).await;
        check.call(kind, JobLogs, &path_to(JobLogs, failed_file_job), 200).await;
        check.finish();
    }

    for operation in Operation::ALL {
        let id = operation.operation_id();
        for status in [200, 400, 404, 429, 500, 503] {
            assert!(seen.contains(&(id.to_owned(), status)), "no {status} answer of {id} judged");
        }
    }
    assert!(judged >= 90, "only {judged} answers judged");
}

#[tokio::test(start_paused = true)]
async fn the_check_refuses_answers_that_break_the_document() {
    let document = Document::get();
    let get = &declared(document, Operation::Get);
    let json = Some("application/json");
    let good = br#"{"success":false,"error":"Pipeline not found"}"#;
    conforms(document, get, 404, json, good).expect("a GenericApiResponse conforms");
    for (status, content_type, body) in [
        (404, json, &br#"{"success":"no","error":"Pipeline not found"}"#[..]),
        (404, json, br#"{"error":"Pipeline not found"}"#),
        (503, json, br#"{"success":false,"error":17}"#),
        (200, json, br#"{"success":true}"#),
        (200, json, br#"{"success":false,"error":false}"#),
        (200, json, br#"{"success":true,"pipeline":{"id":"one"}}"#),
        (404, Some("text/html"), good),
        (404, None, good),
        (404, json, b"{success: false}"),
    ] {
        assert!(
            conforms(document, get, status, content_type, body).is_err(),
            "{status} {content_type:?} {} was accepted",
            String::from_utf8_lossy(body)
        );
    }

    // And a real answer of the fake that breaks the document on purpose is caught.
    let studio = studio().await;
    let key = Credentials::api_key(FakeStudio::DEFAULT_API_KEY).expect("a key");
    for (fault, status, caught) in [
        (Fault::malformed_json(), 200, "not JSON"),
        (Fault::status(502).body("text/html", "<h1>502</h1>"), 502, "Content-Type"),
        (Fault::unknown_properties().body("application/json", r#"{"success":1}"#), 200, "success"),
    ] {
        studio.inject(Operation::Get, When::Nth(1), fault);
        let mut check = Checker::new(&studio, Credential::of(&key));
        check
            .call("broken on purpose", Operation::Get, &path_to(Operation::Get, SUCCEEDS), status)
            .await;
        assert!(
            check.problems.len() == 1 && check.problems[0].contains(caught),
            "a broken answer was not caught as it should be: {:?}",
            check.problems
        );
    }
}

#[tokio::test(start_paused = true)]
async fn answers_unlike_the_vendors_are_told_apart_though_they_conform() {
    let document = Document::get();
    let get = declared(document, Operation::Get);
    let schema = get
        .responses
        .into_iter()
        .find(|response| response.status == StatusKey::Code(200))
        .and_then(|ok| ok.json_schema)
        .expect("the document declares the pipeline's 200 answer");
    let studio = studio().await;
    studio.start_run(ORGANIZATION, SUCCEEDS).expect("a run starts");
    let key = Credentials::api_key(FakeStudio::DEFAULT_API_KEY).expect("a key");
    let mut check = Checker::new(&studio, Credential::of(&key));
    check.vendor_like = false;

    let plain = check.call("plain", Operation::Get, &path_to(Operation::Get, SUCCEEDS), 200).await;
    assert_eq!(unlike_the_vendor(document, &schema, plain.clone()), Vec::<String>::new());
    for (fault, reason) in [
        (Fault::unknown_properties(), "fakeStudioExtension is not in the document"),
        (Fault::unlisted_enum_values(), "is not a listed value"),
    ] {
        studio.inject(Operation::Get, When::Nth(1), fault);
        let body =
            check.call("distorted", Operation::Get, &path_to(Operation::Get, SUCCEEDS), 200).await;
        let reasons = unlike_the_vendor(document, &schema, body);
        assert!(!reasons.is_empty() && reasons.iter().all(|r| r.contains(reason)), "{reasons:#?}");
    }
    for date in ["2024-06-03T08:00:00Z", "2024-06-03T08:00:00.000+00:00", "2024-06-03T08:00:00.0Z"]
    {
        let mut body = plain.clone();
        body["pipeline"]["created"] = json!(date);
        let reasons = unlike_the_vendor(document, &schema, body);
        assert!(reasons.len() == 1 && reasons[0].starts_with("created: "), "{date}: {reasons:?}");
    }
    // Each of them conforms to the document all the same.
    check.finish();
}
