//! The bytes a reply sends: a complete body, or one of the hostile streams a
//! fault asks for (an endless body, a huge declared one, one dripped byte by
//! byte). Every stream is produced lazily, so the fake's own memory stays
//! small whatever it claims to send.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Sleep;

/// How much filler one frame of a generated stream carries: large enough to
/// send a gigabyte quickly on loopback, small enough to cost nothing to hold.
const FILLER_CHUNK_BYTES: usize = 64 * 1024;

/// What generated streams are made of: the start of a JSON string that never
/// ends, so that a client which buffers until the document is complete keeps
/// buffering.
const FILLER_BYTE: u8 = b'A';

/// What a generated stream starts with: a JSON answer whose `error` string
/// is still open.
const FILLER_PREFIX: &[u8] = br#"{"success":false,"error":""#;

/// The bytes of a reply.
#[derive(Clone, Debug)]
pub(crate) enum Payload {
    /// These bytes, with their length declared.
    Complete(Vec<u8>),
    /// Filler without end, chunked (no `Content-Length`).
    Endless,
    /// Filler of exactly this many bytes, declared in `Content-Length`.
    Declared(u64),
    /// These bytes, one at a time, each after `interval` (tokio time).
    Dripped {
        /// The bytes to send.
        bytes: Vec<u8>,
        /// The pause before each byte.
        interval: Duration,
    },
}

impl Payload {
    /// The `http_body::Body` that sends these bytes.
    pub(crate) fn into_body(self) -> PayloadBody {
        let state = match self {
            Payload::Complete(bytes) => State::Complete(Some(Bytes::from(bytes))),
            Payload::Endless => State::Filler { sent: 0, length: None },
            Payload::Declared(length) => State::Filler { sent: 0, length: Some(length) },
            Payload::Dripped { bytes, interval } => {
                State::Dripped { bytes: Bytes::from(bytes), interval, sleep: None }
            }
        };
        PayloadBody { state }
    }
}

/// A [`Payload`] being sent.
#[derive(Debug)]
pub(crate) struct PayloadBody {
    state: State,
}

#[derive(Debug)]
enum State {
    Complete(Option<Bytes>),
    Filler { sent: u64, length: Option<u64> },
    Dripped { bytes: Bytes, interval: Duration, sleep: Option<Pin<Box<Sleep>>> },
}

/// The `len` bytes of generated filler that start at offset `sent`.
fn filler(sent: u64, len: usize) -> Bytes {
    let mut chunk = Vec::with_capacity(len);
    let prefix_left =
        usize::try_from(sent).ok().and_then(|sent| FILLER_PREFIX.get(sent..)).unwrap_or_default();
    chunk.extend_from_slice(&prefix_left[..prefix_left.len().min(len)]);
    chunk.resize(len, FILLER_BYTE);
    Bytes::from(chunk)
}

impl Body for PayloadBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.state {
            State::Complete(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
            State::Filler { sent, length } => {
                let left = length.map_or(u64::MAX, |length| length - *sent);
                if left == 0 {
                    return Poll::Ready(None);
                }
                let len = usize::try_from(left)
                    .map_or(FILLER_CHUNK_BYTES, |left| left.min(FILLER_CHUNK_BYTES));
                let chunk = filler(*sent, len);
                *sent += chunk.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            State::Dripped { bytes, interval, sleep } => {
                if bytes.is_empty() {
                    return Poll::Ready(None);
                }
                let pause = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*interval)));
                if pause.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *sleep = None;
                Poll::Ready(Some(Ok(Frame::data(bytes.split_to(1)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.state {
            State::Complete(bytes) => bytes.is_none(),
            State::Filler { sent, length } => length.is_some_and(|length| *sent >= length),
            State::Dripped { bytes, .. } => bytes.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.state {
            State::Complete(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |bytes| bytes.len() as u64))
            }
            State::Filler { sent, length: Some(length) } => SizeHint::with_exact(length - sent),
            State::Filler { length: None, .. } => SizeHint::default(),
            State::Dripped { bytes, .. } => SizeHint::with_exact(bytes.len() as u64),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_starts_with_an_open_json_string_and_continues_it() {
        let first = filler(0, 40);
        assert!(first.starts_with(FILLER_PREFIX));
        assert!(first[FILLER_PREFIX.len()..].iter().all(|byte| *byte == FILLER_BYTE));
        let later = filler(FILLER_PREFIX.len() as u64, 10);
        assert_eq!(&later[..], &[FILLER_BYTE; 10]);
        assert_eq!(filler(3, 2), Bytes::from_static(&FILLER_PREFIX[3..5]));
    }
}
