//! One attempt of one call: a fresh request context, the generated client's
//! request, and the answer turned into a value or a typed [`Error`].

use std::future::Future;
use std::time::{Duration, SystemTime};

use ei_api::types::GenericApiResponse;
use ei_api::{AnswerTooLarge, ApiResponse, ResponseHead, ResponseValue, ServerFailure};
use http::header::{DATE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, StatusCode};
use tokio::time::Instant;
use tracing::Instrument;

use super::retry::parse_retry_after;
use super::transport::transport_failure;
use super::Caller;
use crate::error::{CallTarget, ConfigError, Error, ErrorKind, Setting, SettingSource};
use crate::redact::{excerpt, Redactor};

/// What the generated client returns for an operation.
pub(crate) type RawResult<T> = Result<ResponseValue<T>, ei_api::Error<GenericApiResponse>>;

/// A successful answer, with its `Date` header (the server's clock).
#[derive(Debug)]
pub(crate) struct Answered<T> {
    /// The decoded body.
    pub(crate) value: T,
    /// The server's `Date` header, when it sent one (read when needed).
    pub(crate) date: Option<HeaderValue>,
    /// When the answer arrived (the local monotonic clock).
    pub(crate) received: Instant,
}

impl<T> Answered<T> {
    /// The server's clock when it answered (whole seconds), if it said.
    pub(crate) fn server_date(&self) -> Option<SystemTime> {
        httpdate::parse_http_date(self.date.as_ref()?.to_str().ok()?).ok()
    }
}

/// Makes attempt number `attempt` of `target` with `request`, which is
/// given a generated client of its own (so the response head it records
/// belongs to this attempt alone).
pub(super) async fn send<T, F, Fut>(
    caller: &Caller,
    target: CallTarget,
    request: &mut F,
    attempt: u32,
) -> Result<Answered<T>, Error>
where
    T: ApiResponse,
    F: FnMut(ei_api::Client) -> Fut,
    Fut: Future<Output = RawResult<T>>,
{
    let context = caller.context.fresh();
    let raw =
        ei_api::Client::new_with_client(&caller.base_url, caller.http.clone(), context.clone());
    let span = tracing::debug_span!("ei.attempt", attempt, status = tracing::field::Empty);
    let result = request(raw).instrument(span.clone()).await;
    let received = Instant::now();
    let head = context.take_response_head();
    if let Some(head) = &head {
        span.record("status", head.status.as_u16());
    }
    let outcome = into_result(result, head.as_ref(), target).map(|value| Answered {
        value,
        date: head.and_then(|head| head.headers.get(DATE).cloned()),
        received,
    });
    match &outcome {
        Ok(_) => tracing::debug!(parent: &span, "attempt succeeded"),
        Err(error) => tracing::debug!(parent: &span, %error, "attempt failed"),
    }
    outcome
}

fn into_result<T: ApiResponse>(
    result: RawResult<T>,
    head: Option<&ResponseHead>,
    target: CallTarget,
) -> Result<T, Error> {
    let retry_after = head.and_then(|head| retry_after(head.headers.get(RETRY_AFTER)?));
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
    Err(Error::new(target, classify(error, head, retry_after)).with_retry_after(retry_after))
}

/// What went wrong, by the status first: an answer that is not a success
/// is judged by its status whatever its body, and the body only adds the
/// server's words when it has them.
fn classify(
    error: ei_api::Error<GenericApiResponse>,
    head: Option<&ResponseHead>,
    retry_after: Option<Duration>,
) -> ErrorKind {
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
                None => transport_failure(source),
            }
        }
        Raw::InvalidUpgrade(source) => transport_failure(source),
        Raw::ErrorResponse(value) => {
            let status = value.status();
            answered(status, retry_after, value.into_inner().error)
        }
        Raw::InvalidResponsePayload(bytes, decode_error) => {
            let failure = serde_json::from_slice::<GenericApiResponse>(&bytes)
                .ok()
                .and_then(|body| ServerFailure::from_body(&body));
            match (status, failure) {
                // A refusal is a refusal whatever its body (an HTML page
                // from a proxy included).
                (Some(status), failure) if status.is_client_error() => {
                    answered(status, retry_after, failure.and_then(|failure| failure.message))
                }
                (status, Some(failure)) => {
                    answered(status.unwrap_or(StatusCode::OK), retry_after, failure.message)
                }
                // serde quotes the value it could not read: mask it too.
                (status, None) => ErrorKind::InvalidResponse {
                    status,
                    excerpt: excerpt(&bytes),
                    problem: Redactor::new().text(&decode_error.to_string()).into_owned(),
                },
            }
        }
        Raw::UnexpectedResponse(response) if response.status().is_redirection() => {
            ErrorKind::InvalidResponse {
                status: Some(response.status()),
                excerpt: String::new(),
                problem: describe_redirect(&response),
            }
        }
        Raw::UnexpectedResponse(response) if !response.status().is_success() => {
            answered(response.status(), retry_after, None)
        }
        Raw::UnexpectedResponse(response) => ErrorKind::InvalidResponse {
            status: Some(response.status()),
            excerpt: String::new(),
            problem: "the document describes no such status".to_owned(),
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
    retry_after: Option<Duration>,
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

fn retry_after(value: &HeaderValue) -> Option<Duration> {
    parse_retry_after(value.to_str().ok()?, SystemTime::now())
}

/// What a redirect tried: the API never redirects, and the client never
/// follows one (it would carry the credential along). Names the origin the
/// `Location` points to, never its path or query.
fn describe_redirect(response: &reqwest::Response) -> String {
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
        let error = ei_api::Error::InvalidRequest("projectId: not a number".into());
        let kind = classify(error, None, None);
        assert!(matches!(kind, ErrorKind::Configuration(_)), "{kind:?}");
        assert!(!Error::new(target, kind).is_retryable());
    }
}
