//! Faults: misbehaviour scripted per operation and per call, and what each
//! one does to the call's answer (and to its effect).

use crate::answer::{Answer, DateHeader, Reply};
use crate::distort;
use crate::payload::Payload;
use ei_api::Operation;
use hyper::header::{HeaderValue, LOCATION, RETRY_AFTER};
use hyper::StatusCode;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// The body a [`Fault::malformed_json`] answer carries: what a JavaScript
/// server writes when it prints an object instead of serializing it.
const MALFORMED_JSON: &str = "{success: true, error: undefined}";

/// Which calls of an operation a fault applies to, counted from the moment
/// it is injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// Only the n-th call from now on (1-based: `Nth(1)` is the next call).
    Nth(usize),
    /// Each of the next n calls.
    Next(usize),
    /// Every call that arrives within this long from now (tokio time).
    For(Duration),
    /// Every call from now on.
    Always,
}

/// A way for the studio to misbehave on a call, for [`FakeStudio::inject`](crate::FakeStudio::inject).
///
/// Faults that answer in place of the operation ([`status`](Fault::status),
/// [`success_false`](Fault::success_false), [`close_before_answer`](Fault::close_before_answer),
/// [`malformed_json`](Fault::malformed_json)) leave the studio's state alone;
/// the others let the operation take effect (a run starts, a run stops).
///
/// ```
/// use ei_fake_studio::Fault;
///
/// let bad_gateway = Fault::status(502).body("text/html", "<html><h1>502 Bad Gateway</h1></html>");
/// let throttled = Fault::status(429).retry_after("5");
/// # drop((bad_gateway, throttled));
/// ```
#[derive(Clone, Debug)]
pub struct Fault {
    kind: Kind,
    /// A body (and its content type) replacing the answer's.
    body: Option<(HeaderValue, Vec<u8>)>,
    /// A `Retry-After` header for the answer.
    retry_after: Option<HeaderValue>,
}

#[derive(Clone, Debug)]
enum Kind {
    Status(StatusCode),
    Delay(Duration),
    CloseBeforeAnswer,
    CloseAfterAction,
    MalformedJson,
    TruncatedJson,
    SuccessFalse(String),
    UnlistedEnumValues,
    UnknownProperties,
    Nulls,
    Redirect(StatusCode, HeaderValue),
    EndlessBody,
    DeclaredBody(u64),
    Drip(Duration),
    HostileText,
    Undated,
    SkewedDate(i64),
}

impl Fault {
    fn new(kind: Kind) -> Self {
        Self { kind, body: None, retry_after: None }
    }

    /// Answers with HTTP status `code` and `{"success":false,"error":"..."}`
    /// (change the body with [`Fault::body`]); the call has no effect.
    ///
    /// # Panics
    ///
    /// If `code` is not a valid HTTP status (100 to 999).
    pub fn status(code: u16) -> Fault {
        let status = StatusCode::from_u16(code).expect("an HTTP status code, 100 to 999");
        Self::new(Kind::Status(status))
    }

    /// Replaces the body of the answer this fault gives (e.g. a 502 with an
    /// HTML page from a proxy).
    ///
    /// # Panics
    ///
    /// If `content_type` cannot be a header value.
    pub fn body(mut self, content_type: &str, body: impl Into<String>) -> Fault {
        let content_type = HeaderValue::from_str(content_type).expect("a valid Content-Type");
        self.body = Some((content_type, body.into().into_bytes()));
        self
    }

    /// Adds a `Retry-After` header to the answer this fault gives: seconds
    /// (`"5"`) or an HTTP date.
    ///
    /// # Panics
    ///
    /// If `value` cannot be a header value.
    pub fn retry_after(mut self, value: impl Into<String>) -> Fault {
        let value = HeaderValue::try_from(value.into()).expect("a valid Retry-After value");
        self.retry_after = Some(value);
        self
    }

    /// Answers normally after a delay (tokio time). The call takes effect at
    /// once; only the answer is late, as when a server is slow to reply.
    pub fn delay(delay: Duration) -> Fault {
        Self::new(Kind::Delay(delay))
    }

    /// Closes the connection without answering; the call has no effect. A
    /// client sees the connection end before a response (an incomplete
    /// message).
    pub fn close_before_answer() -> Fault {
        Self::new(Kind::CloseBeforeAnswer)
    }

    /// Lets the call take effect (a run is created, a run is stopped), then
    /// closes the connection without answering: the lost answer a client must
    /// not blindly retry.
    pub fn close_after_action() -> Fault {
        Self::new(Kind::CloseAfterAction)
    }

    /// Answers 200 with a JSON content type and a body that is not JSON; the
    /// call has no effect (something before the API answered).
    pub fn malformed_json() -> Fault {
        Self::new(Kind::MalformedJson)
    }

    /// Lets the call take effect, then answers 200 with the first half of the
    /// normal body (a complete HTTP message whose JSON ends early).
    pub fn truncated_json() -> Fault {
        Self::new(Kind::TruncatedJson)
    }

    /// Answers 200 with `{"success":false,"error":message}`, the vendor's way
    /// of refusing; the call has no effect.
    pub fn success_false(message: &str) -> Fault {
        Self::new(Kind::SuccessFalse(message.to_owned()))
    }

    /// The normal answer, with enum values the document does not list:
    /// `category` `"holdout"`, `uploadType` `"archive"`, `operatesOn`
    /// `"cluster"`, `whenToEmail` `"weekly"` wherever the answer has them
    /// (job statuses stay readable).
    pub fn unlisted_enum_values() -> Fault {
        Self::new(Kind::UnlistedEnumValues)
    }

    /// The normal answer, with a property the document does not define added
    /// to every object it describes (the response, the pipeline, the run, each
    /// step, each job, each summary).
    pub fn unknown_properties() -> Fault {
        Self::new(Kind::UnknownProperties)
    }

    /// The normal answer, with `null` for every optional property it leaves
    /// out, as a JavaScript server writes unset properties.
    pub fn nulls() -> Fault {
        Self::new(Kind::Nulls)
    }

    /// Answers with a redirect (`status`, e.g. 301, 302, 307 or 308) to
    /// `location`, and an empty body; the call has no effect. The API never
    /// redirects: this is a proxy or an attacker trying to send the client,
    /// and its credentials, elsewhere.
    ///
    /// # Panics
    ///
    /// If `status` is not a 3xx status, or `location` cannot be a header value.
    pub fn redirect(status: u16, location: &str) -> Fault {
        let status = StatusCode::from_u16(status)
            .ok()
            .filter(StatusCode::is_redirection)
            .expect("a redirect status, 300 to 399");
        let location = HeaderValue::from_str(location).expect("a valid Location");
        Self::new(Kind::Redirect(status, location))
    }

    /// Answers 200 with a JSON content type and a chunked body that never
    /// ends (the start of a JSON string, then filler); the call has no
    /// effect. The fake produces it lazily, so only the client's memory is
    /// at risk.
    pub fn endless_body() -> Fault {
        Self::new(Kind::EndlessBody)
    }

    /// Answers 200 with a `Content-Length` of `bytes` and that many bytes of
    /// filler (the start of a JSON string that never closes); the call has
    /// no effect. `Fault::declared_body(1 << 30)` is a 1 GiB answer.
    pub fn declared_body(bytes: u64) -> Fault {
        Self::new(Kind::DeclaredBody(bytes))
    }

    /// Lets the call take effect and sends its normal answer one byte at a
    /// time, each after `interval` (tokio time): a server, or a proxy, that
    /// keeps a connection alive with a trickle.
    pub fn drip(interval: Duration) -> Fault {
        Self::new(Kind::Drip(interval))
    }

    /// Lets the call take effect and answers normally, but without the
    /// `Date` header every other answer carries (a server with no clock).
    pub fn undated() -> Fault {
        Self::new(Kind::Undated)
    }

    /// Lets the call take effect and answers normally, with a `Date` header
    /// from a clock `seconds` ahead of the studio's (behind when negative):
    /// a server whose clock is wrong.
    pub fn skewed_date(seconds: i64) -> Fault {
        Self::new(Kind::SkewedDate(seconds))
    }

    /// The normal answer, with every text the server controls made hostile:
    /// each string property (names, descriptions, messages; not dates or
    /// enum values) gets terminal escape sequences, a carriage return, a
    /// bell, a NUL and a right-to-left override around its value, and every
    /// `name` becomes longer than 65,536 characters.
    pub fn hostile_text() -> Fault {
        Self::new(Kind::HostileText)
    }
}

/// What becomes of a call.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Send this.
    Send(Reply),
    /// Close the connection without answering.
    Close,
}

/// The outcome of a call subject to `fault`, where `act` performs the
/// operation and gives its normal answer.
pub(crate) async fn answer(fault: Option<Fault>, act: impl FnOnce() -> Answer) -> Outcome {
    let Some(fault) = fault else { return Outcome::Send(act().into()) };
    let mut reply = match fault.kind {
        Kind::Status(status) => {
            let reason = status.canonical_reason().unwrap_or("Injected fault");
            let message =
                format!("{} {reason} (a fault injected into ei-fake-studio)", status.as_u16());
            Answer::failure(status, message).into()
        }
        Kind::SuccessFalse(message) => Answer::failure(StatusCode::OK, message).into(),
        Kind::CloseBeforeAnswer => return Outcome::Close,
        Kind::MalformedJson => Reply::json(StatusCode::OK, MALFORMED_JSON.into()),
        Kind::Delay(delay) => {
            // The action happens at once and only the answer is late, so a
            // client that gives up waiting has still caused the action.
            let answer = act();
            tokio::time::sleep(delay).await;
            answer.into()
        }
        Kind::CloseAfterAction => {
            act();
            return Outcome::Close;
        }
        Kind::TruncatedJson => {
            let answer = act();
            let mut body = answer.encode();
            body.truncate(body.len() / 2);
            Reply::json(answer.status, body)
        }
        Kind::UnlistedEnumValues => distorted(act(), distort::unlisted_enum_values),
        Kind::UnknownProperties => distorted(act(), distort::unknown_properties),
        Kind::Nulls => distorted(act(), distort::nulls),
        Kind::HostileText => distorted(act(), distort::hostile_text),
        Kind::Undated => {
            let mut reply: Reply = act().into();
            reply.date = DateHeader::Absent;
            reply
        }
        Kind::SkewedDate(seconds) => {
            let mut reply: Reply = act().into();
            reply.date = DateHeader::Skewed(seconds);
            reply
        }
        Kind::Redirect(status, location) => {
            let mut reply = Reply::json(status, Vec::new());
            reply.headers.insert(LOCATION, location);
            reply
        }
        Kind::EndlessBody => {
            with_payload(Reply::json(StatusCode::OK, Vec::new()), Payload::Endless)
        }
        Kind::DeclaredBody(bytes) => {
            with_payload(Reply::json(StatusCode::OK, Vec::new()), Payload::Declared(bytes))
        }
        Kind::Drip(interval) => {
            let answer = act();
            let bytes = answer.encode();
            with_payload(
                Reply::json(answer.status, Vec::new()),
                Payload::Dripped { bytes, interval },
            )
        }
    };
    if let Some((content_type, body)) = fault.body {
        reply.content_type = content_type;
        reply.payload = Payload::Complete(body);
    }
    if let Some(retry_after) = fault.retry_after {
        reply.headers.insert(RETRY_AFTER, retry_after);
    }
    Outcome::Send(reply)
}

fn with_payload(mut reply: Reply, payload: Payload) -> Reply {
    reply.payload = payload;
    reply
}

fn distorted(mut answer: Answer, distort: fn(&mut Answer)) -> Reply {
    distort(&mut answer);
    answer.into()
}

/// Which faults apply to which calls.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    /// How many calls of each operation arrived.
    calls: HashMap<Operation, usize>,
    /// The faults injected, oldest first.
    injected: Vec<Injected>,
}

#[derive(Debug)]
struct Injected {
    operation: Operation,
    calls: Calls,
    fault: Fault,
}

/// The calls a fault applies to, by their number (the first call of an
/// operation is number 1) or their arrival.
#[derive(Clone, Copy, Debug)]
enum Calls {
    Numbered { first: usize, last: usize },
    Until(Instant),
    All,
}

impl Schedule {
    /// Applies `fault` to the calls of `operation` that `when` picks.
    ///
    /// # Panics
    ///
    /// On `When::Nth(0)` (calls are counted from 1).
    pub(crate) fn inject(&mut self, operation: Operation, when: When, fault: Fault, now: Instant) {
        let made = self.calls.get(&operation).copied().unwrap_or(0);
        let calls = match when {
            When::Nth(n) => {
                assert!(n >= 1, "When::Nth counts calls from 1");
                Calls::Numbered { first: made + n, last: made + n }
            }
            When::Next(n) => Calls::Numbered { first: made + 1, last: made + n },
            When::For(duration) => Calls::Until(now + duration),
            When::Always => Calls::All,
        };
        self.injected.push(Injected { operation, calls, fault });
    }

    /// Counts a call of `operation` arriving at `now` and returns the fault
    /// for it: the most recently injected one that applies.
    pub(crate) fn call(&mut self, operation: Operation, now: Instant) -> Option<Fault> {
        let count = self.calls.entry(operation).or_default();
        *count += 1;
        let number = *count;
        let applies = |injected: &&Injected| {
            injected.operation == operation
                && match injected.calls {
                    Calls::Numbered { first, last } => (first..=last).contains(&number),
                    Calls::Until(end) => now < end,
                    Calls::All => true,
                }
        };
        self.injected.iter().rev().find(applies).map(|injected| injected.fault.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picked(schedule: &mut Schedule, now: Instant) -> Option<String> {
        schedule.call(Operation::Get, now).map(|fault| format!("{:?}", fault.kind))
    }

    #[test]
    fn calls_are_counted_from_the_injection_and_the_latest_fault_wins() {
        let now = Instant::now();
        let mut schedule = Schedule::default();
        assert_eq!(picked(&mut schedule, now), None);
        schedule.inject(Operation::Get, When::Next(2), Fault::nulls(), now);
        schedule.inject(Operation::Get, When::Nth(2), Fault::status(503), now);
        schedule.inject(Operation::Run, When::Always, Fault::malformed_json(), now);
        assert_eq!(picked(&mut schedule, now).as_deref(), Some("Nulls"));
        assert_eq!(picked(&mut schedule, now).as_deref(), Some("Status(503)"));
        assert_eq!(picked(&mut schedule, now), None);
    }

    #[test]
    fn a_fault_for_a_while_ends() {
        let now = Instant::now();
        let mut schedule = Schedule::default();
        schedule.inject(Operation::List, When::For(Duration::from_secs(5)), Fault::nulls(), now);
        assert!(schedule.call(Operation::List, now + Duration::from_secs(4)).is_some());
        assert!(schedule.call(Operation::List, now + Duration::from_secs(5)).is_none());
    }
}
