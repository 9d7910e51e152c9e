//! The fake's HTTP server: a [`LoopbackServer`] that hands each request to
//! the [`Api`] and writes its reply (or, by a fault, closes the connection
//! without one).

use crate::answer::{Answer, Reply};
use crate::api::{self, Api};
use crate::fault::Outcome;
use crate::loopback::LoopbackServer;
use crate::payload::PayloadBody;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::{Request, Response, StatusCode};
use std::fmt;
use std::io;
use std::sync::Arc;

/// Starts serving `api` on `port` of 127.0.0.1 (0: an ephemeral port).
///
/// # Errors
///
/// If the port cannot be bound (taken, or reserved to another user).
///
/// # Panics
///
/// Outside a tokio runtime.
pub(crate) async fn start(api: Arc<Api>, port: u16) -> io::Result<LoopbackServer> {
    LoopbackServer::start(port, move |request| {
        let api = Arc::clone(&api);
        async move { respond(&api, request).await }
    })
    .await
}

/// The error that makes hyper close a connection without writing a response.
#[derive(Debug)]
struct CloseWithoutAnswer;

impl fmt::Display for CloseWithoutAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fault closes the connection without an answer")
    }
}

impl std::error::Error for CloseWithoutAnswer {}

/// The largest request body the fake reads (a pipeline definition is a few
/// KiB); a larger one is refused with 413.
const MAX_REQUEST_BODY_BYTES: usize = 1 << 20;

async fn respond(
    api: &Api,
    request: Request<Incoming>,
) -> Result<Response<PayloadBody>, CloseWithoutAnswer> {
    let (head, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY_BYTES).collect().await {
        Ok(body) => body.to_bytes(),
        Err(error) => {
            let message = format!("Cannot read the request body: {error}");
            return Ok(response(Answer::failure(StatusCode::PAYLOAD_TOO_LARGE, message).into()));
        }
    };
    let outcome = api
        .handle(api::Request {
            method: &head.method,
            path: head.uri.path(),
            query: head.uri.query(),
            headers: &head.headers,
            body: &body,
        })
        .await;
    match outcome {
        Outcome::Send(reply) => Ok(response(reply)),
        Outcome::Close => Err(CloseWithoutAnswer),
    }
}

fn response(reply: Reply) -> Response<PayloadBody> {
    let mut response = Response::new(reply.payload.into_body());
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.extend(reply.headers);
    headers.insert(CONTENT_TYPE, reply.content_type);
    response
}
