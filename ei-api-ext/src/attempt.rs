//! One attempt of one call: a fresh request context, the generated client's
//! request, and the answer turned into a value or a typed [`Error`].

use std::future::Future;
use std::time::SystemTime;

use ei_api::types::GenericApiResponse;
use ei_api::{AnswerTooLarge, ApiResponse, ResponseHead, ResponseValue, ServerFailure};
use reqwest::header::{LOCATION, RETRY_AFTER};
use reqwest::StatusCode;
use tracing::Instrument;

use crate::client::Client;
use crate::config::{ConfigError, Setting, SettingSource};
use crate::error::{CallTarget, Error, ErrorKind, TransportKind};
use crate::redact::excerpt;
use crate::retry::parse_retry_after;

/// What the generated client returns for an operation.
pub(crate) type RawResult<T> = Result<ResponseValue<T>, ei_api::Error<GenericApiResponse>>;

impl Client {
    /// Makes attempt number `attempt` of `target` with `request`, which is
    /// given a generated client of its own (so the response head it records
    /// belongs to this attempt alone).
    pub(crate) async fn attempt<T, F, Fut>(
        &self,
        target: CallTarget,
        request: &mut F,
        attempt: u32,
    ) -> Result<T, Error>
    where
        T: ApiResponse,
        F: FnMut(ei_api::Client) -> Fut,
        Fut: Future<Output = RawResult<T>>,
    {
        let context = self.new_context();
        let raw =
            ei_api::Client::new_with_client(self.base_url(), self.http().clone(), context.clone());
        let span = tracing::debug_span!("ei.attempt", attempt, status = tracing::field::Empty);
        let result = request(raw).instrument(span.clone()).await;
        let head = context.response_head();
        if let Some(head) = &head {
            span.record("status", head.status.as_u16());
        }
        let outcome = into_result(result, head.as_ref(), target);
        if let Err(error) = &outcome {
            tracing::debug!(parent: &span, %error, "attempt failed");
        }
        outcome
    }
}

fn into_result<T: ApiResponse>(
    result: RawResult<T>,
    head: Option<&ResponseHead>,
    target: CallTarget,
) -> Result<T, Error> {
    let error = match result {
        Ok(value) => {
            let status = value.status();
            let body = value.into_inner();
            return match ServerFailure::from_body(&body) {
                None => Ok(body),
                Some(failure) => Err(Error::new(
                    target,
                    ErrorKind::ApiRefused { status, message: failure.message },
                )),
            };
        }
        Err(error) => error,
    };
    Err(Error::new(target, classify(error, head)))
}

fn classify(error: ei_api::Error<GenericApiResponse>, head: Option<&ResponseHead>) -> ErrorKind {
    use ei_api::Error as Raw;
    let status = head.map(|head| head.status);
    match error {
        Raw::CommunicationError(source) | Raw::ResponseBodyError(source) => {
            match AnswerTooLarge::find_in(&source) {
                Some(too_large) => ErrorKind::InvalidResponse {
                    status,
                    excerpt: excerpt(too_large.first_bytes()),
                    problem: too_large.to_string(),
                },
                None => transport(source),
            }
        }
        Raw::InvalidUpgrade(source) => transport(source),
        Raw::ErrorResponse(value) => {
            let status = value.status();
            let retry_after = retry_after(value.headers());
            answered(status, retry_after, value.into_inner().error)
        }
        Raw::InvalidResponsePayload(bytes, decode_error) => {
            let failure = serde_json::from_slice::<GenericApiResponse>(&bytes)
                .ok()
                .and_then(|body| ServerFailure::from_body(&body));
            let retry_after = head.and_then(|head| retry_after(&head.headers));
            match (failure, status) {
                (Some(failure), status) => {
                    answered(status.unwrap_or(StatusCode::OK), retry_after, failure.message)
                }
                (None, Some(StatusCode::TOO_MANY_REQUESTS)) => {
                    ErrorKind::RateLimited { retry_after, message: None }
                }
                (None, status) => ErrorKind::InvalidResponse {
                    status,
                    excerpt: excerpt(&bytes),
                    problem: decode_error.to_string(),
                },
            }
        }
        Raw::UnexpectedResponse(response) => ErrorKind::InvalidResponse {
            status: Some(response.status()),
            excerpt: String::new(),
            problem: if response.status().is_redirection() {
                redirect_words(&response)
            } else {
                "the document describes no such status".to_owned()
            },
        },
        // A request the generated client refused to build, or a hook error:
        // a fault in how the call was made, which no retry can mend.
        Raw::InvalidRequest(problem) | Raw::Custom(problem) => ErrorKind::Configuration(
            ConfigError::new(Setting::Request, SettingSource::Builder, problem),
        ),
    }
}

/// A server answer that says the call failed, by its status.
fn answered(
    status: StatusCode,
    retry_after: Option<std::time::Duration>,
    message: Option<String>,
) -> ErrorKind {
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            ErrorKind::Unauthorized { status, message }
        }
        StatusCode::NOT_FOUND => ErrorKind::NotFound { message },
        StatusCode::TOO_MANY_REQUESTS => ErrorKind::RateLimited { retry_after, message },
        _ => ErrorKind::ApiRefused { status, message },
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<std::time::Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// What a redirect tried: the API never redirects, and the client never
/// follows one (it would carry the credential along). Names the origin the
/// `Location` points to, never its path or query.
fn redirect_words(response: &reqwest::Response) -> String {
    let location = response.headers().get(LOCATION).and_then(|value| value.to_str().ok());
    let target = location.and_then(|location| response.url().join(location).ok());
    match target {
        Some(target) => format!(
            "the server redirected to {}, which the API never does; the redirect was not followed",
            target.origin().ascii_serialization()
        ),
        None => "the server redirected (to no usable location), which the API never does; the \
                 redirect was not followed"
            .to_owned(),
    }
}

fn transport(source: reqwest::Error) -> ErrorKind {
    let kind = if source.is_connect() {
        TransportKind::Connect
    } else if source.is_timeout() {
        TransportKind::Timeout
    } else {
        TransportKind::ConnectionLost
    };
    ErrorKind::Transport { kind, source }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Operation;
    use crate::ids::OrganizationId;

    #[test]
    fn a_request_that_could_not_be_built_is_not_retried() {
        let target = CallTarget {
            operation: Operation::List,
            organization: OrganizationId::new(1),
            pipeline: None,
        };
        let kind = classify(ei_api::Error::InvalidRequest("projectId: not a number".into()), None);
        assert!(matches!(kind, ErrorKind::Configuration(_)), "{kind:?}");
        assert!(!Error::new(target, kind).is_retryable());
    }
}
