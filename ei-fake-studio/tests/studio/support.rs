//! What the tests share: a reqwest client for the fake, and readers of its
//! runs. (Whether its answers conform to the corrected document is the
//! conformance suite's to judge: `tests/tests/fake_studio_answers_conform.rs`.)

use ei_fake_studio::{FakeStudio, Operation};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A client of one studio that sends an API key (the default one unless told).
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
}

/// An answer read as JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Client {
    pub fn new(studio: &FakeStudio) -> Self {
        Self::with_api_key(studio, FakeStudio::DEFAULT_API_KEY)
    }

    pub fn with_api_key(studio: &FakeStudio, api_key: &str) -> Self {
        let base_url = studio.base_url().to_owned();
        Self { http: reqwest::Client::new(), base_url, api_key: api_key.to_owned() }
    }

    /// A request to `path` (after `/v1`), with the client's API key.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base_url))
            .header(ei_api::API_KEY_HEADER, &self.api_key)
    }

    /// Sends `request` and reads the answer as JSON.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the studio answers");
        let status = response.status();
        let content_type = response.headers()["content-type"].clone();
        assert_eq!(content_type, "application/json");
        Answer { status, body: response.json().await.expect("a JSON body") }
    }

    /// Calls `operation` on the path with `ids`, and `query` (after `?`) if
    /// it is not empty.
    pub async fn call<const IDS: usize>(
        &self,
        operation: Operation,
        ids: [i64; IDS],
        query: &str,
    ) -> Answer {
        let mut path = operation.path(ids);
        if !query.is_empty() {
            path = format!("{path}?{query}");
        }
        self.send(self.request(operation.method(), &path)).await
    }

    pub async fn run(&self, organization: i64, pipeline: i64) -> Answer {
        self.call(Operation::Run, [organization, pipeline], "").await
    }

    pub async fn get(&self, organization: i64, pipeline: i64) -> Answer {
        self.call(Operation::Get, [organization, pipeline], "").await
    }

    pub async fn stop(&self, organization: i64, pipeline: i64) -> Answer {
        self.call(Operation::Stop, [organization, pipeline], "").await
    }

    pub async fn list(&self, organization: i64) -> Answer {
        self.call(Operation::List, [organization], "").await
    }

    /// A step's transformation job with the files `query` asks for (after `?`).
    pub async fn transformation_job(&self, organization: i64, id: i64, query: &str) -> Answer {
        self.call(Operation::TransformationJobStatus, [organization, id], query).await
    }

    pub async fn job_status(&self, organization: i64, job: i64) -> Answer {
        self.call(Operation::JobStatus, [organization, job], "").await
    }

    /// A job's logs, with `query` (after `?`).
    pub async fn job_logs(&self, organization: i64, job: i64, query: &str) -> Answer {
        self.call(Operation::JobLogs, [organization, job], query).await
    }

    /// The default pipeline's `pipeline` object.
    pub async fn pipeline(&self) -> Value {
        let answer = self.get(1, 1).await;
        assert_eq!(answer.status, StatusCode::OK);
        answer.body["pipeline"].clone()
    }
}

/// The status of each step's job in `run`.
pub fn statuses(run: &Value) -> Vec<String> {
    steps(run).iter().map(|step| job(step)["status"].as_str().unwrap().to_owned()).collect()
}

pub fn steps(run: &Value) -> &Vec<Value> {
    run["steps"].as_array().expect("a run has steps")
}

pub fn job(step: &Value) -> &Value {
    &step["transformationJob"]
}
