//! A cap on the bytes read from one answer, enforced while the body streams
//! in, so that an endless or enormous answer costs a bounded amount of
//! memory however it is framed (`Content-Length` or chunked).

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::error::Error as StdError;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The most bytes of one answer read by default: the largest answer of
/// these operations (an organization's pipelines with their runs) is well
/// under a megabyte, so 8 MiB leaves room to grow and still bounds memory.
pub const DEFAULT_MAX_ANSWER_BYTES: u64 = 8 << 20;

/// How many of an oversized answer's first bytes are kept, to show what it
/// was: enough to recognise an HTML page or a JSON document.
const KEPT_PREFIX_BYTES: usize = 256;

/// An answer longer than the limit: the read stopped at the limit (or before
/// it started, when `Content-Length` declared more).
#[derive(Clone, Debug)]
pub struct AnswerTooLarge {
    limit: u64,
    declared: Option<u64>,
    first_bytes: Bytes,
}

impl AnswerTooLarge {
    /// The limit that was exceeded, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The length the answer declared in `Content-Length`, if it did.
    pub fn declared(&self) -> Option<u64> {
        self.declared
    }

    /// The first bytes of the answer (at most a few hundred), for an excerpt.
    pub fn first_bytes(&self) -> &[u8] {
        &self.first_bytes
    }

    /// The `AnswerTooLarge` in `error`'s chain of sources, if any.
    pub fn find_in<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a AnswerTooLarge> {
        let mut current = Some(error);
        while let Some(error) = current {
            if let Some(found) = error.downcast_ref::<AnswerTooLarge>() {
                return Some(found);
            }
            current = error.source();
        }
        None
    }
}

impl fmt::Display for AnswerTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the answer is larger than the limit of {} bytes", self.limit)?;
        match self.declared {
            Some(declared) => write!(f, " (its Content-Length declares {declared} bytes)"),
            None => f.write_str(" (the read stopped there)"),
        }
    }
}

impl StdError for AnswerTooLarge {}

/// A response body that fails with [`AnswerTooLarge`] once more than `limit`
/// bytes have arrived, or at once when `Content-Length` declares more.
#[derive(Debug)]
pub(crate) struct CappedBody<B> {
    inner: B,
    limit: u64,
    declared: Option<u64>,
    read: u64,
    first_bytes: Vec<u8>,
    failed: bool,
}

impl<B> CappedBody<B> {
    /// Caps `inner` at `limit` bytes; `declared` is its `Content-Length`.
    pub(crate) fn new(inner: B, limit: u64, declared: Option<u64>) -> Self {
        Self { inner, limit, declared, read: 0, first_bytes: Vec::new(), failed: false }
    }

    fn too_large(&mut self) -> AnswerTooLarge {
        self.failed = true;
        AnswerTooLarge {
            limit: self.limit,
            declared: self.declared,
            first_bytes: Bytes::from(std::mem::take(&mut self.first_bytes)),
        }
    }
}

impl<B> Body for CappedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn StdError + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error.into()))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        if let Some(data) = frame.data_ref() {
            let keep = KEPT_PREFIX_BYTES.saturating_sub(self.first_bytes.len()).min(data.len());
            let kept = data.slice(..keep);
            self.first_bytes.extend_from_slice(&kept);
            self.read = self.read.saturating_add(data.len() as u64);
            let declared_too_much = self.declared.is_some_and(|declared| declared > self.limit);
            if self.read > self.limit || declared_too_much {
                return Poll::Ready(Some(Err(Box::new(self.too_large()))));
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// `response` with its body capped at `limit` bytes. An answer whose
/// `Content-Length` is within the limit is left as it is: the HTTP stack
/// reads exactly that many bytes of it (and the client decompresses
/// nothing), so the limit already holds.
pub(crate) fn cap(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let declared = response.content_length();
    if declared.is_some_and(|declared| declared <= limit) {
        return response;
    }
    let url = response.url().clone();
    let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let capped = reqwest::Body::wrap(CappedBody::new(body, limit, declared));
    // Keep the URL (reqwest reads it from an extension only its builder sets).
    let shell = {
        use reqwest::ResponseBuilderExt;
        http::Response::builder().url(url).body(()).unwrap_or_default()
    };
    let mut capped = shell.map(|()| capped);
    *capped.status_mut() = parts.status;
    *capped.version_mut() = parts.version;
    *capped.headers_mut() = parts.headers;
    capped.extensions_mut().extend(parts.extensions);
    reqwest::Response::from(capped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn read_capped(
        body: &'static [u8],
        limit: u64,
        declared: Option<u64>,
    ) -> Result<Bytes, String> {
        let capped =
            CappedBody::new(http_body_util::Full::new(Bytes::from_static(body)), limit, declared);
        capped.collect().await.map(|collected| collected.to_bytes()).map_err(|error| {
            let found = error.downcast_ref::<AnswerTooLarge>().expect("an AnswerTooLarge");
            format!("{found} first {:?}", String::from_utf8_lossy(found.first_bytes()))
        })
    }

    #[tokio::test]
    async fn answers_within_the_limit_pass_whole() {
        assert_eq!(read_capped(b"{\"success\":true}", 16, Some(16)).await.unwrap().len(), 16);
    }

    #[tokio::test]
    async fn a_longer_answer_fails_with_its_first_bytes() {
        let error = read_capped(b"0123456789abcdef!", 16, None).await.unwrap_err();
        assert_eq!(
            error,
            "the answer is larger than the limit of 16 bytes (the read stopped there) first \
             \"0123456789abcdef!\""
        );
    }

    #[tokio::test]
    async fn a_declared_length_over_the_limit_fails_at_the_first_frame() {
        let error = read_capped(b"{}", 16, Some(1 << 30)).await.unwrap_err();
        assert!(error.contains("declares 1073741824 bytes"), "{error}");
    }
}
