//! What the tests share: a reqwest client for the fake, and a check of a
//! JSON answer against the corrected document.

use ei_fake_studio::FakeStudio;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};
use std::sync::OnceLock;

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
            .header("x-api-key", &self.api_key)
    }

    /// Sends `request` and reads the answer as JSON.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("the studio answers");
        let status = response.status();
        let content_type = response.headers()["content-type"].clone();
        assert_eq!(content_type, "application/json");
        Answer { status, body: response.json().await.expect("a JSON body") }
    }

    pub async fn run(&self, organization: i64, pipeline: i64) -> Answer {
        let path = format!("/api/organizations/{organization}/pipelines/{pipeline}/run");
        self.send(self.request(Method::POST, &path)).await
    }

    pub async fn get(&self, organization: i64, pipeline: i64) -> Answer {
        let path = format!("/api/organizations/{organization}/pipelines/{pipeline}");
        self.send(self.request(Method::GET, &path)).await
    }

    pub async fn stop(&self, organization: i64, pipeline: i64) -> Answer {
        let path = format!("/api/organizations/{organization}/pipelines/{pipeline}/stop");
        self.send(self.request(Method::POST, &path)).await
    }

    pub async fn list(&self, organization: i64) -> Answer {
        let path = format!("/api/organizations/{organization}/pipelines");
        self.send(self.request(Method::GET, &path)).await
    }

    /// A step's transformation job with the files `query` asks for (after `?`).
    pub async fn transformation_job(&self, organization: i64, id: i64, query: &str) -> Answer {
        let path = format!("/api/organizations/{organization}/create-project/{id}?{query}");
        self.send(self.request(Method::GET, &path)).await
    }

    pub async fn job_status(&self, organization: i64, job: i64) -> Answer {
        let path = format!("/api/organizations/{organization}/jobs/{job}/status");
        self.send(self.request(Method::GET, &path)).await
    }

    /// A job's logs, with `query` (after `?`).
    pub async fn job_logs(&self, organization: i64, job: i64, query: &str) -> Answer {
        let path = format!("/api/organizations/{organization}/jobs/{job}/stdout?{query}");
        self.send(self.request(Method::GET, &path)).await
    }

    /// The default pipeline's `pipeline` object.
    pub async fn pipeline(&self) -> Value {
        let answer = self.get(1, 1).await;
        assert_eq!(answer.status, StatusCode::OK);
        answer.body["pipeline"].clone()
    }
}

/// The path of a pipeline's operation, after `/v1`.
pub fn pipeline_path(organization: i64, pipeline: i64, action: &str) -> String {
    format!("/api/organizations/{organization}/pipelines/{pipeline}{action}")
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

/// How `value` departs from the schema `schema_name` of the corrected
/// document: missing required properties, wrong types, dates that are not
/// RFC 3339 with milliseconds, enum values the document does not list, and
/// properties it does not define. Empty when it conforms.
pub fn nonconformities(value: &Value, schema_name: &str) -> Vec<String> {
    let mut found = Vec::new();
    let schema = &schemas()[schema_name];
    check(value, schema, "$", &mut found);
    found
}

fn schemas() -> &'static Map<String, Value> {
    static SCHEMAS: OnceLock<Map<String, Value>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let document: Value = serde_json::from_str(ei_api::CORRECTED_OPENAPI_JSON).unwrap();
        document["components"]["schemas"].as_object().unwrap().clone()
    })
}

fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            resolve(&schemas()[reference.trim_start_matches("#/components/schemas/")])
        }
        None => schema,
    }
}

fn check(value: &Value, schema: &Value, at: &str, found: &mut Vec<String>) {
    let schema = resolve(schema);
    if value.is_null() {
        if schema["nullable"] != true {
            found.push(format!("{at}: null where the document allows none"));
        }
        return;
    }
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        if schema.get("properties").is_none() && parts.len() == 1 {
            return check(value, &parts[0], at, found);
        }
    }
    if let Some(Value::Array(known)) = schema.get("x-ei-known-values") {
        if !known.contains(value) {
            found.push(format!("{at}: {value} is not a listed value"));
        }
    }
    let kind = schema.get("type").and_then(Value::as_str);
    let properties = properties(schema);
    match (kind, value) {
        (Some("string"), Value::String(text)) => {
            if schema["format"] == "date-time" && !is_rfc3339_with_milliseconds(text) {
                found.push(format!("{at}: {text:?} is not RFC 3339 with milliseconds"));
            }
        }
        (Some("integer"), Value::Number(number)) if number.is_i64() => {}
        (Some("number"), Value::Number(_)) => {}
        (Some("boolean"), Value::Bool(_)) => {}
        (Some("array"), Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                check(item, &schema["items"], &format!("{at}[{index}]"), found);
            }
        }
        (Some("object") | None, Value::Object(object)) if !properties.is_empty() => {
            for name in required(schema) {
                if !object.contains_key(&name) {
                    found.push(format!("{at}: required property {name} is missing"));
                }
            }
            for (name, item) in object {
                match properties.iter().find(|(property, _)| property == name) {
                    Some((_, property_schema)) => {
                        check(item, property_schema, &format!("{at}.{name}"), found)
                    }
                    None => found.push(format!("{at}: property {name} is not in the document")),
                }
            }
        }
        (Some("object"), Value::Object(object)) => {
            if let Some(values) = schema.get("additionalProperties") {
                for (name, item) in object {
                    check(item, values, &format!("{at}.{name}"), found);
                }
            }
        }
        _ => found.push(format!("{at}: {value} is not of type {kind:?}")),
    }
}

fn properties(schema: &Value) -> Vec<(String, Value)> {
    let mut all = Vec::new();
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        all.extend(properties(resolve(part)));
    }
    if let Some(Value::Object(own)) = schema.get("properties") {
        all.extend(own.iter().map(|(name, schema)| (name.clone(), schema.clone())));
    }
    all
}

fn required(schema: &Value) -> Vec<String> {
    let mut all = Vec::new();
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        all.extend(required(resolve(part)));
    }
    let own = schema.get("required").and_then(Value::as_array).into_iter().flatten();
    all.extend(own.map(|name| name.as_str().unwrap().to_owned()));
    all
}

/// `2024-06-03T08:00:00.000Z`: RFC 3339, UTC, exactly three fractional digits.
pub fn is_rfc3339_with_milliseconds(text: &str) -> bool {
    let milliseconds = text.rsplit_once('.').map(|(_, fraction)| fraction);
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
        && milliseconds.is_some_and(|fraction| fraction.len() == "123Z".len())
}
