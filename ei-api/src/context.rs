//! The per-call context progenitor hands to the hooks: it authenticates the
//! request and records the head of the response.
//!
//! progenitor's `ClientHooks` must be implemented in the crate of the
//! generated `Client` (the orphan rule), which is why this lives here.

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::{header::HeaderMap, StatusCode};
use std::sync::{Arc, Mutex, PoisonError};

use crate::answer_limit::{self, DEFAULT_MAX_ANSWER_BYTES};
use crate::{Client, Credentials};

/// What the generated client carries for its hooks: the credentials, and a
/// slot for the head of the response it receives.
///
/// The head is what a caller needs when the body cannot be decoded (an HTML
/// 502 still has a status) or when headers matter (`Retry-After` on a 429).
/// Clones share the slot, so give each call its own context (it is cheap) to
/// read the head of that call.
#[derive(Clone, Debug)]
pub struct RequestContext {
    credentials: Credentials,
    max_answer_bytes: u64,
    response_head: Arc<Mutex<Option<ResponseHead>>>,
}

/// The status and headers of a response.
#[derive(Clone, Debug)]
pub struct ResponseHead {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
}

impl RequestContext {
    /// A context that authenticates with `credentials`.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
            response_head: Arc::default(),
        }
    }

    /// Reads at most `bytes` of each answer (default:
    /// [`DEFAULT_MAX_ANSWER_BYTES`]); a longer one fails the call with an
    /// [`AnswerTooLarge`](crate::AnswerTooLarge) among the error's sources.
    pub fn with_max_answer_bytes(mut self, bytes: u64) -> Self {
        self.max_answer_bytes = bytes;
        self
    }

    /// A context with the same settings and an empty response-head slot of
    /// its own (a clone shares the slot).
    pub fn fresh(&self) -> Self {
        Self { response_head: Arc::default(), ..self.clone() }
    }

    /// The credentials every request carries.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Takes the head of the latest response received through this context,
    /// if one arrived (the slot is empty afterwards: no copy is made).
    pub fn take_response_head(&self) -> Option<ResponseHead> {
        self.response_head.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl ClientHooks<RequestContext> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let credentials = &self.inner.credentials;
        request.headers_mut().insert(credentials.header_name(), credentials.header_value().clone());
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        Ok(answer_limit::cap(response, self.inner.max_answer_bytes))
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        if let Ok(response) = result {
            let head =
                ResponseHead { status: response.status(), headers: response.headers().clone() };
            *self.inner.response_head.lock().unwrap_or_else(PoisonError::into_inner) = Some(head);
        }
        Ok(())
    }
}
