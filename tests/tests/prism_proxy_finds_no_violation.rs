//! The fake Studio behind `prism proxy --errors`: every operation, with every
//! kind of credential the client offers, through a whole run lifecycle (run,
//! get while running, get once finished, a failed run, stop, list), each run
//! diagnosed on the way (its steps' files in every selection, the status and
//! logs of their jobs), and 404s.
//! Prism judges each request and each of the fake's real answers against the
//! corrected document, and with `--errors` it turns a violation into an
//! error answer carrying `sl-violations`: there must be none, and the client
//! must decode every answer.
//!
//! `cargo xtask conformance` starts the fake Studio (the `fake_studio_server`
//! example, whose pipelines this test knows), starts Prism in front of it,
//! runs this test with the Prism URL in `EI_PRISM_URL`, reads Prism's log for
//! violations too, and stops both. Run on its own, without that variable,
//! the test fails and says so.
//!
//! The vendor's refusals (a 200 with `success: false` and no other
//! property, which the document does not declare) are not provoked here:
//! each run starts on an idle pipeline and each stop meets a running one.

use ei_api::types::{
    GenericApiResponse, GetOrganizationJobsLogsLogLevel, OrganizationUpdatePipelineBody,
};
use ei_api::{Client, RequestContext};
use ei_conformance_tests::credentials::{offered_schemes, secret_for, MakeCredential};
use ei_conformance_tests::document::Document;
use std::fmt::Debug;
use std::time::{Duration, Instant};

/// The variable `cargo xtask conformance` passes Prism's URL in.
const PRISM_URL: &str = "EI_PRISM_URL";

/// The path segment of the one request meant to break the rules.
const CANARY: &str = "conformance-canary";

/// Prism's response header listing the violations it found.
const VIOLATIONS_HEADER: &str = "sl-violations";

/// The fake's pipelines (see `examples/fake_studio_server.rs`).
const ORGANIZATION: i64 = 1;
const SUCCEEDS: i64 = 1;
const NO_COUNTS: i64 = 2;
/// Its second step fails, on 4 of its 10 files.
const FAILS: i64 = 3;
const LONG: i64 = 4;
const UNKNOWN: i64 = 99;
/// The project a step of [`SUCCEEDS`] imports into.
const PROJECT: i64 = 1;

/// How many files a page of a transformation job lists: all of a step's.
const FILES_PER_PAGE: i64 = 100;

/// The longest the short pipelines may take to end.
const RUN_ENDS_WITHIN: Duration = Duration::from_secs(15);

fn prism_url() -> String {
    std::env::var(PRISM_URL).unwrap_or_else(|_| {
        panic!(
            "{PRISM_URL} is not set. This test needs Stoplight Prism proxying to the fake \
             Studio: run `cargo xtask conformance`, which starts both, runs this test \
             against them and stops them"
        )
    })
}

type Answer<T> = Result<ei_api::ResponseValue<T>, ei_api::Error<GenericApiResponse>>;

/// Calls through Prism with one credential and collects what is wrong.
struct Driver {
    scheme: String,
    client: Client,
    context: RequestContext,
    problems: Vec<String>,
    exchanges: usize,
}

impl Driver {
    fn new(url: &str, scheme: &str, make: MakeCredential) -> Driver {
        let context = RequestContext::new(make(&secret_for(scheme)).expect("a credential"));
        let client = Client::new_with_client(url, reqwest::Client::new(), context.clone());
        Driver { scheme: scheme.to_owned(), client, context, problems: Vec::new(), exchanges: 0 }
    }

    /// Checks an answer: no violation, the status `expected`, decoded; and
    /// returns the decoded success body.
    fn judge<T: Debug>(&mut self, what: &str, answer: Answer<T>, expected: u16) -> Option<T> {
        self.exchanges += 1;
        let name = format!("{what} with {}", self.scheme);
        let Some(head) = self.context.take_response_head() else {
            self.problems.push(format!("{name}: no response ({answer:?})"));
            return None;
        };
        if let Some(violations) = head.headers.get(VIOLATIONS_HEADER) {
            self.problems.push(format!("{name}: Prism reports {violations:?}"));
        }
        if head.status.as_u16() != expected {
            self.problems.push(format!("{name}: expected {expected}, got {answer:?}"));
            return None;
        }
        match answer {
            Ok(value) if (200..300).contains(&expected) => Some(value.into_inner()),
            Err(ei_api::Error::ErrorResponse(_)) if !(200..300).contains(&expected) => None,
            other => {
                self.problems.push(format!("{name}: not decoded as expected: {other:?}"));
                None
            }
        }
    }

    /// Checks that the state the fake should be in holds.
    fn expect(&mut self, holds: bool, what: &str) {
        if !holds {
            self.problems.push(format!("with {}: not as meant: {what}", self.scheme));
        }
    }

    async fn get(&mut self, pipeline: i64) -> Option<ei_api::types::OrganizationPipeline> {
        let answer = self
            .client
            .get_organization_pipeline()
            .organization_id(ORGANIZATION)
            .pipeline_id(pipeline)
            .send()
            .await;
        self.judge(&format!("get pipeline {pipeline}"), answer, 200).map(|body| body.pipeline)
    }

    async fn run(&mut self, pipeline: i64, ignore_last_successful_run: Option<bool>) {
        let mut request = self
            .client
            .run_organization_pipeline()
            .organization_id(ORGANIZATION)
            .pipeline_id(pipeline);
        if let Some(flag) = ignore_last_successful_run {
            request = request.ignore_last_successful_run(flag);
        }
        let answer = request.send().await;
        let body = self.judge(&format!("run pipeline {pipeline}"), answer, 200);
        self.expect(body.is_some_and(|body| body.success), "the run starts");
    }

    async fn stop(&mut self, pipeline: i64) {
        let answer = self
            .client
            .stop_organization_pipeline()
            .organization_id(ORGANIZATION)
            .pipeline_id(pipeline)
            .send()
            .await;
        let body = self.judge(&format!("stop pipeline {pipeline}"), answer, 200);
        self.expect(body.is_some_and(|body| body.success), "the run stops");
    }

    async fn list(&mut self, project: Option<i64>) -> usize {
        let mut request = self.client.list_organization_pipelines().organization_id(ORGANIZATION);
        if let Some(project) = project {
            request = request.project_id(project);
        }
        let answer = request.send().await;
        let body = self.judge(&format!("list (project {project:?})"), answer, 200);
        body.map_or(0, |body| body.pipelines.len())
    }

    /// A page of a step's transformation job's files.
    async fn transformation_job(
        &mut self,
        step_job: i64,
        selection: Option<&str>,
    ) -> Option<ei_api::types::OrganizationCreateProjectWithFiles> {
        let mut request = self
            .client
            .get_organization_create_project_status()
            .organization_id(ORGANIZATION)
            .create_project_id(step_job)
            .transform_limit(FILES_PER_PAGE)
            .transform_offset(0);
        if let Some(selection) = selection {
            request = request.selection(selection);
        }
        let answer = request.send().await;
        let what = format!("transformation job {step_job} ({selection:?})");
        self.judge(&what, answer, 200).and_then(|body| body.status)
    }

    /// The status and logs of `job`: every line, and the last two warnings or worse.
    async fn job(&mut self, job: i64) -> Option<ei_api::types::Job> {
        let answer =
            self.client.get_organization_job_status().organization_id(ORGANIZATION).job_id(job);
        let status = self.judge(&format!("job {job}"), answer.send().await, 200);
        let logs =
            self.client.get_organization_jobs_logs().organization_id(ORGANIZATION).job_id(job);
        let all = self.judge(&format!("logs of job {job}"), logs.send().await, 200);
        self.expect(all.is_some_and(|all| !all.stdout.is_empty()), "a job logs its start");
        let warnings = self
            .client
            .get_organization_jobs_logs()
            .organization_id(ORGANIZATION)
            .job_id(job)
            .limit(2)
            .log_level(GetOrganizationJobsLogsLogLevel::Warn)
            .send()
            .await;
        self.judge(&format!("warnings of job {job}"), warnings, 200);
        status.map(|status| status.job)
    }

    /// Reads the transformation job of each of `steps` in every selection,
    /// and the status and logs of every job it lists; returns the jobs of
    /// the failed files.
    async fn diagnose(&mut self, steps: &[i64]) -> Vec<ei_api::types::Job> {
        let mut failed = Vec::new();
        for &step in steps {
            for selection in [None, Some("created"), Some("in-progress")] {
                self.transformation_job(step, selection).await;
            }
            let Some(job) = self.transformation_job(step, Some("failed")).await else { continue };
            for file in &job.files {
                if let Some(id) = file.transformation_job_id {
                    failed.extend(self.job(id).await);
                }
            }
            if let Some(upload) = job.upload_job_id {
                self.job(upload).await;
            }
        }
        failed
    }

    /// The transformation job ids of the steps of a run.
    fn step_jobs(run: Option<&ei_api::types::OrganizationPipelineRun>) -> Vec<i64> {
        let steps = run.map(|run| run.steps.as_slice()).unwrap_or_default();
        steps.iter().filter_map(|step| step.transformation_job.as_ref().map(|job| job.id)).collect()
    }

    /// Waits (polling through Prism) until `pipeline` has no current run.
    async fn until_over(&mut self, pipeline: i64) -> Option<ei_api::types::OrganizationPipeline> {
        let deadline = Instant::now() + RUN_ENDS_WITHIN;
        loop {
            let state = self.get(pipeline).await;
            if state.as_ref().is_none_or(|state| state.current_run.is_none()) {
                return state;
            }
            if Instant::now() > deadline {
                self.problems.push(format!("pipeline {pipeline}: the run did not end"));
                return None;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The statuses of the jobs of the last run of `state`.
    fn last_jobs(state: Option<&ei_api::types::OrganizationPipeline>) -> Vec<String> {
        state
            .and_then(|state| state.last_run.as_ref())
            .map(|run| {
                run.steps
                    .iter()
                    .map(|step| {
                        step.transformation_job
                            .as_ref()
                            .map_or("none".to_owned(), |job| job.status.as_str().to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A definition's lifecycle: create, read, archive, list archived,
    /// delete; a refused definition and unknown pipelines.
    async fn definitions(&mut self) {
        let definition = |archived: bool| -> OrganizationUpdatePipelineBody {
            serde_json::from_value(serde_json::json!({
                "name": "Defined through Prism", "description": "", "intervalStr": "1d",
                "steps": [{ "name": "Import", "projectId": PROJECT, "uploadType": "project",
                            "projectApiKey": "ei_prism_0123", "parameters": { "rate": "16000" } }],
                "emailRecipientUids": [], "whenToEmail": "never", "archived": archived
            }))
            .expect("a definition")
        };
        let create = self.client.create_organization_pipeline().organization_id(ORGANIZATION);
        let answer = create.body(definition(false)).send().await;
        let created = self.judge("create a pipeline", answer, 200).map(|body| body.id);
        let Some(id) = created else { return };
        self.get(id).await;
        let update = self.client.update_organization_pipeline().organization_id(ORGANIZATION);
        let answer = update.pipeline_id(id).body(definition(true)).send().await;
        self.judge("archive a pipeline", answer, 200);
        let archived =
            self.client.list_archived_organization_pipelines().organization_id(ORGANIZATION);
        let body = self.judge("list archived", archived.send().await, 200);
        self.expect(body.is_some_and(|body| body.pipelines.len() == 1), "one archived pipeline");
        let delete = self.client.delete_organization_pipeline().organization_id(ORGANIZATION);
        self.judge("delete a pipeline", delete.pipeline_id(id).send().await, 200);
        let delete = self.client.delete_organization_pipeline().organization_id(ORGANIZATION);
        self.judge("delete an unknown pipeline", delete.pipeline_id(UNKNOWN).send().await, 404);
        let update = self.client.update_organization_pipeline().organization_id(ORGANIZATION);
        let answer = update.pipeline_id(UNKNOWN).body(definition(false)).send().await;
        self.judge("update an unknown pipeline", answer, 404);
    }

    /// The whole lifecycle, and 404s.
    async fn drive(&mut self) {
        let all = self.list(None).await;
        self.expect(all == 4, "four pipelines");
        let attached = self.list(Some(PROJECT)).await;
        self.expect(attached == 1, "one pipeline attached to the project");
        self.list(Some(1_000)).await;
        for pipeline in [SUCCEEDS, NO_COUNTS, FAILS, LONG] {
            self.get(pipeline).await;
        }

        self.run(SUCCEEDS, Some(true)).await;
        self.run(NO_COUNTS, None).await;
        self.run(FAILS, Some(false)).await;
        self.run(LONG, None).await;
        for pipeline in [SUCCEEDS, NO_COUNTS, FAILS, LONG] {
            let state = self.get(pipeline).await;
            self.expect(
                state.is_some_and(|state| state.current_run.is_some()),
                "a run in progress",
            );
        }
        self.list(None).await;
        self.list(Some(PROJECT)).await;
        let running = self.get(FAILS).await;
        let failing_steps = Self::step_jobs(running.as_ref().and_then(|p| p.current_run.as_ref()));
        self.diagnose(&failing_steps).await;
        tokio::time::sleep(Duration::from_millis(450)).await;
        for pipeline in [SUCCEEDS, NO_COUNTS, FAILS, LONG] {
            self.get(pipeline).await;
        }
        self.stop(LONG).await;
        let stopped = self.get(LONG).await;
        let stopped_steps = Self::step_jobs(stopped.as_ref().and_then(|p| p.last_run.as_ref()));
        self.expect(stopped.is_some_and(|state| state.current_run.is_none()), "the run stopped");
        self.diagnose(&stopped_steps).await;

        let succeeded = self.until_over(SUCCEEDS).await;
        let jobs = Self::last_jobs(succeeded.as_ref());
        self.expect(jobs.iter().all(|job| job == "finished") && !jobs.is_empty(), "succeeded");
        self.until_over(NO_COUNTS).await;
        let failed = self.until_over(FAILS).await;
        let jobs = Self::last_jobs(failed.as_ref());
        self.expect(jobs.get(1).is_some_and(|job| job == "failed"), "the second step failed");
        let failed_files = self.diagnose(&failing_steps).await;
        self.expect(failed_files.len() == 4, "four files failed");
        self.expect(
            failed_files.iter().all(|job| job.finished_successful == Some(false)),
            "a failed file's job did not finish successfully",
        );
        self.list(None).await;

        self.definitions().await;

        let answer = self
            .client
            .get_organization_pipeline()
            .organization_id(ORGANIZATION)
            .pipeline_id(UNKNOWN)
            .send()
            .await;
        self.judge("get an unknown pipeline", answer, 404);
        let answer = self
            .client
            .run_organization_pipeline()
            .organization_id(ORGANIZATION)
            .pipeline_id(UNKNOWN)
            .send()
            .await;
        self.judge("run an unknown pipeline", answer, 404);
        let answer = self
            .client
            .stop_organization_pipeline()
            .organization_id(ORGANIZATION)
            .pipeline_id(UNKNOWN)
            .send()
            .await;
        self.judge("stop an unknown pipeline", answer, 404);
        let answer =
            self.client.list_organization_pipelines().organization_id(UNKNOWN).send().await;
        self.judge("list an unknown organization", answer, 404);
        let answer = self
            .client
            .get_organization_create_project_status()
            .organization_id(ORGANIZATION)
            .create_project_id(UNKNOWN)
            .transform_limit(FILES_PER_PAGE)
            .transform_offset(0)
            .send()
            .await;
        self.judge("an unknown transformation job", answer, 404);
        let answer = self
            .client
            .get_organization_job_status()
            .organization_id(ORGANIZATION)
            .job_id(UNKNOWN)
            .send()
            .await;
        self.judge("an unknown job", answer, 404);
        let answer = self
            .client
            .get_organization_jobs_logs()
            .organization_id(ORGANIZATION)
            .job_id(UNKNOWN)
            .send()
            .await;
        self.judge("an unknown job's logs", answer, 404);
    }
}

#[tokio::test]
#[ignore = "needs Stoplight Prism and the fake Studio: run `cargo xtask conformance`"]
async fn prism_finds_no_violation_in_the_fake_studios_answers() {
    let url = prism_url();
    let document = Document::get();

    // Proof that the server at the URL validates: a request without a
    // credential and with a path value of the wrong type is refused.
    let canary = reqwest::Client::new()
        .get(format!("{url}/api/organizations/{CANARY}/pipelines"))
        .send()
        .await
        .expect("the server at EI_PRISM_URL answers");
    assert!(
        matches!(canary.status().as_u16(), 401 | 422),
        "a request without credentials got {}: is the server at {url} Prism validating the \
         corrected document?",
        canary.status()
    );

    let schemes = offered_schemes(document);
    assert!(schemes.len() >= 3, "the client offers fewer credential kinds than expected");
    let mut problems = Vec::new();
    let mut exchanges = 0;
    for (scheme, make) in &schemes {
        let mut driver = Driver::new(&url, scheme, *make);
        driver.drive().await;
        exchanges += driver.exchanges;
        problems.extend(driver.problems);
    }
    assert!(
        problems.is_empty(),
        "{} problems in {exchanges} exchanges:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!("{exchanges} exchanges through Prism, none with a violation");
}
