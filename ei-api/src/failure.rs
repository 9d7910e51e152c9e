//! Reading the server's failure text, wherever the server put it.
//!
//! Every body extends `GenericApiResponse` (`success`, `error`), and the
//! server reports a failure either with a non-2xx status or with
//! `success: false` in a 200, in which case the operation's other required
//! properties may be missing and the typed decode fails.

use crate::types::{
    EntityCreatedResponse, GenericApiResponse, GetJobResponse, GetOrganizationPipelinesResponse,
    ListOrganizationPipelinesResponse, LogStdoutResponse, OrganizationCreateProjectStatusResponse,
    RunOrganizationPipelineResponse,
};
use crate::Error;

/// A failure the server reported in a `GenericApiResponse` body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerFailure {
    /// The server's `error` text, when it sent one.
    pub message: Option<String>,
}

impl ServerFailure {
    /// The failure the server reported, if `error` carries one: a declared
    /// error response, or a 2xx body with `success: false` that did not
    /// decode as the operation's success type.
    pub fn from_error(error: &Error<GenericApiResponse>) -> Option<Self> {
        match error {
            Error::ErrorResponse(body) => Some(Self { message: body.error.clone() }),
            Error::InvalidResponsePayload(bytes, _) => {
                let body: GenericApiResponse = serde_json::from_slice(bytes).ok()?;
                Self::from_body(&body)
            }
            _ => None,
        }
    }

    /// The failure in a body that decoded, if it says `success: false`.
    pub fn from_body(body: &impl ApiResponse) -> Option<Self> {
        (!body.success()).then(|| Self { message: body.error().map(str::to_owned) })
    }
}

/// A response body that extends `GenericApiResponse`.
pub trait ApiResponse {
    /// Whether the operation succeeded.
    fn success(&self) -> bool;
    /// The server's error text (set if `success` is false).
    fn error(&self) -> Option<&str>;
}

macro_rules! api_response {
    ($($body:ty),*) => {$(
        impl ApiResponse for $body {
            fn success(&self) -> bool {
                self.success
            }
            fn error(&self) -> Option<&str> {
                self.error.as_deref()
            }
        }
    )*};
}

api_response!(
    GenericApiResponse,
    EntityCreatedResponse,
    RunOrganizationPipelineResponse,
    GetOrganizationPipelinesResponse,
    ListOrganizationPipelinesResponse,
    OrganizationCreateProjectStatusResponse,
    GetJobResponse,
    LogStdoutResponse
);
