//! What the client puts on the wire: a server on loopback (the fake
//! Studio's [`LoopbackServer`]) that records every request exactly as it
//! arrives (method, raw request target, headers, body) and answers with
//! whatever it was told to.

use ei_fake_studio::loopback::LoopbackServer;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};

/// A request as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, as sent.
    pub method: String,
    /// The request target: the path and the raw query string, undecoded.
    pub target: String,
    /// The headers in arrival order, names lower case.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty when there was none).
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The path part of the target, undecoded.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The raw query string, if the target has one.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, query)| query)
    }

    /// Every value of header `name`.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// The answer the server gives every request.
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    body: Vec<u8>,
}

#[derive(Debug, Default)]
struct Shared {
    recorded: Vec<RecordedRequest>,
    answer: Option<Answer>,
}

/// A recording server. It stops when dropped.
#[derive(Debug)]
pub struct Recorder {
    base_url: String,
    shared: Arc<Mutex<Shared>>,
    _server: LoopbackServer,
}

impl Recorder {
    /// Starts a server on a free loopback port. It answers `200 {}` until
    /// told otherwise.
    pub async fn start() -> Recorder {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let recording = Arc::clone(&shared);
        let server =
            LoopbackServer::start(0, move |request| record(request, Arc::clone(&recording)))
                .await
                .expect("bind a loopback port");
        let base_url = format!("http://{}", server.address());
        Recorder { base_url, shared, _server: server }
    }

    /// The URL to point a client at.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Answers every later request with `status` and the JSON `body`.
    pub fn answer(&self, status: u16, body: &serde_json::Value) {
        let body = serde_json::to_vec(body).expect("JSON serializes");
        self.lock().answer = Some(Answer { status, body });
    }

    /// The requests recorded since the last call, oldest first.
    pub fn take(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut self.lock().recorded)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn record(
    request: Request<Incoming>,
    shared: Arc<Mutex<Shared>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (head, body) = request.into_parts();
    let body = body.collect().await.map(|body| body.to_bytes().to_vec()).unwrap_or_default();
    let recorded = RecordedRequest {
        method: head.method.to_string(),
        target: head.uri.path_and_query().map(ToString::to_string).unwrap_or_default(),
        headers: head
            .headers
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect(),
        body,
    };
    let answer = {
        let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.recorded.push(recorded);
        shared.answer.clone().unwrap_or(Answer { status: 200, body: b"{}".to_vec() })
    };
    let response = Response::builder()
        .status(answer.status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(answer.body)))
        .expect("a valid response");
    Ok(response)
}
