//! [`Follow`]: one value that is both the wait's outcome (a future) and its
//! progress events (a stream), where polling either drives the wait, so no
//! way of consuming it can hang.
//!
//! The wait itself is a boxed future shared by both sides. Whichever side is
//! polled polls it, with a waker that wakes both sides, so a side that stops
//! being polled (events dropped, outcome not yet awaited) never strands the
//! other. Events wait in a bounded queue until read; nobody reading costs
//! nothing once the events side is dropped.

use std::collections::VecDeque;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use crate::error::Error;
use crate::wait::outcome::WaitReport;
use crate::wait::progress::ProgressEvent;

/// The most events held for a reader that is behind: far more than a run
/// produces between two reads (a few per step), and a bound on memory
/// whatever the server's runs look like. Past it the oldest are dropped and
/// the reader is told how many ([`ProgressEvent::Skipped`]).
pub(crate) const EVENT_QUEUE_CAPACITY: usize = 1_024;

/// The wait being driven.
type WaitFuture = Pin<Box<dyn Future<Output = Result<WaitReport, Error>> + Send>>;

/// Where the wait's events go until they are read.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    events: VecDeque<ProgressEvent>,
    /// Events dropped because the queue was full, not yet reported.
    skipped: u64,
    /// Whether anyone may still read (false once the events side is dropped).
    closed: bool,
}

impl EventQueue {
    /// Queues `event`, unless nobody will read it. New counts of a step
    /// replace its counts not yet read: only the latest matter.
    pub(crate) fn push(&mut self, event: ProgressEvent) {
        if self.closed {
            return;
        }
        if let (
            Some(ProgressEvent::StepProgress { index: queued, .. }),
            ProgressEvent::StepProgress { index, .. },
        ) = (self.events.back(), &event)
        {
            if queued == index {
                self.events.pop_back();
            }
        }
        if self.events.len() == EVENT_QUEUE_CAPACITY {
            self.events.pop_front();
            self.skipped += 1;
        }
        self.events.push_back(event);
    }

    fn pop(&mut self) -> Option<ProgressEvent> {
        if self.skipped > 0 {
            let events = std::mem::take(&mut self.skipped);
            return Some(ProgressEvent::Skipped { events });
        }
        self.events.pop_front()
    }
}

/// Wakes whoever is waiting on either side.
#[derive(Debug, Default)]
struct Wakers {
    events: Mutex<Option<Waker>>,
    outcome: Mutex<Option<Waker>>,
}

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        for slot in [&self.events, &self.outcome] {
            if let Some(waker) = lock(slot).as_ref() {
                waker.wake_by_ref();
            }
        }
    }
}

/// The wait and its result, shared by both sides.
struct Driver {
    wait: Option<WaitFuture>,
    result: Option<Result<WaitReport, Error>>,
}

struct Shared {
    driver: Mutex<Driver>,
    queue: Arc<Mutex<EventQueue>>,
    wakers: Arc<Wakers>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Polls the wait, if it is not over; true once it is.
    fn drive(&self) -> bool {
        let mut driver = lock(&self.driver);
        let Some(wait) = driver.wait.as_mut() else { return true };
        let waker = Waker::from(Arc::clone(&self.wakers));
        match wait.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(result) => {
                driver.wait = None;
                driver.result = Some(result);
                drop(driver);
                // The other side may be waiting for this.
                self.wakers.wake_by_ref();
                true
            }
            Poll::Pending => false,
        }
    }
}

/// A run being followed to its outcome, from
/// [`RunRequest::follow`](crate::RunRequest::follow) or
/// [`PipelineHandle::follow`](crate::PipelineHandle::follow).
///
/// Await it for the outcome; read it as a [`Stream`](futures_core::Stream)
/// of [`ProgressEvent`]s (with [`Follow::next`]); or [`Follow::split`] it to
/// do both at once from different places. Polling either drives the wait, so
/// every way completes:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let studio = ei_fake_studio::FakeStudio::start().await;
/// use std::time::Duration;
/// use ei_api_ext::wait::WaitOptions;
/// use ei_api_ext::{Client, OrganizationId, PipelineId};
///
/// let client = Client::builder()
///     .api_key(ei_fake_studio::FakeStudio::DEFAULT_API_KEY)
///     .base_url(studio.base_url())
///     .build()?;
/// let pipeline = client.pipeline(OrganizationId::new(1), PipelineId::new(1));
/// let options = || WaitOptions::timeout(Duration::from_secs(3600));
///
/// // Only the outcome.
/// let report = pipeline.run().follow(options()).await?;
/// println!("run {} ended {}", report.run().id, report.outcome.name());
///
/// // The events, then the outcome.
/// let mut follow = pipeline.run().follow(options());
/// while let Some(event) = follow.next().await {
///     println!("{event:?}");
/// }
/// let report = follow.await?;
///
/// // Both at once, from two tasks.
/// let (mut events, outcome) = pipeline.run().follow(options()).split();
/// let printer = tokio::spawn(async move {
///     while let Some(event) = events.next().await {
///         println!("{event:?}");
///     }
/// });
/// let report = outcome.await?;
/// printer.await?;
///
/// // Re-attaching to a run by its id, e.g. after a restart.
/// let again = pipeline.follow(report.run_id(), options()).await?;
/// assert_eq!(again.run().id, report.run().id);
/// # Ok(())
/// # }
/// ```
///
/// Dropping it (both halves) stops following and never the run.
#[must_use = "a Follow does nothing until it is awaited or its events are read"]
pub struct Follow {
    events: FollowEvents,
    outcome: FollowOutcome,
}

/// The events half of a [`Follow`]: a [`Stream`](futures_core::Stream) of
/// [`ProgressEvent`]s that ends when the wait does. Reading it drives the
/// wait; dropping it stops the events from being kept.
pub struct FollowEvents {
    shared: Arc<Shared>,
}

/// The outcome half of a [`Follow`]: a future of the wait's outcome.
/// Awaiting it drives the wait.
#[must_use = "the outcome half does nothing until it is awaited"]
pub struct FollowOutcome {
    shared: Arc<Shared>,
}

impl Follow {
    /// Follows `wait`, whose events go to `queue`.
    pub(crate) fn new(
        queue: Arc<Mutex<EventQueue>>,
        wait: impl Future<Output = Result<WaitReport, Error>> + Send + 'static,
    ) -> Self {
        let shared = Arc::new(Shared {
            driver: Mutex::new(Driver { wait: Some(Box::pin(wait)), result: None }),
            queue,
            wakers: Arc::default(),
        });
        Self {
            events: FollowEvents { shared: Arc::clone(&shared) },
            outcome: FollowOutcome { shared },
        }
    }

    /// The next event, or `None` once the wait is over and every event read.
    pub async fn next(&mut self) -> Option<ProgressEvent> {
        self.events.next().await
    }

    /// The two halves, to read the events and await the outcome at once.
    pub fn split(self) -> (FollowEvents, FollowOutcome) {
        (self.events, self.outcome)
    }
}

impl FollowEvents {
    /// The next event, or `None` once the wait is over and every event read.
    pub async fn next(&mut self) -> Option<ProgressEvent> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<ProgressEvent>> {
        let shared = &self.shared;
        *lock(&shared.wakers.events) = Some(cx.waker().clone());
        let over = shared.drive();
        match lock(&shared.queue).pop() {
            Some(event) => Poll::Ready(Some(event)),
            None if over => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

impl Drop for FollowEvents {
    fn drop(&mut self) {
        let mut queue = lock(&self.shared.queue);
        queue.closed = true;
        queue.events.clear();
        *lock(&self.shared.wakers.events) = None;
    }
}

impl futures_core::Stream for FollowEvents {
    type Item = ProgressEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ProgressEvent>> {
        self.poll_event(cx)
    }
}

impl futures_core::Stream for Follow {
    type Item = ProgressEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ProgressEvent>> {
        self.events.poll_event(cx)
    }
}

impl Future for FollowOutcome {
    type Output = Result<WaitReport, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let shared = &self.shared;
        *lock(&shared.wakers.outcome) = Some(cx.waker().clone());
        shared.drive();
        match lock(&shared.driver).result.take() {
            Some(result) => Poll::Ready(result),
            None => Poll::Pending,
        }
    }
}

impl IntoFuture for Follow {
    type Output = Result<WaitReport, Error>;
    type IntoFuture = FollowOutcome;

    /// The outcome; events not read by then are dropped.
    fn into_future(self) -> FollowOutcome {
        self.outcome
    }
}

impl std::fmt::Debug for Follow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follow").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for FollowEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowEvents").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for FollowOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowOutcome").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RunId;

    fn started(run: i64) -> ProgressEvent {
        ProgressEvent::RunFinished { run: RunId::new(run) }
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_says_how_many() {
        let mut queue = EventQueue::default();
        for run in 0..(EVENT_QUEUE_CAPACITY as i64 + 3) {
            queue.push(started(run));
        }
        assert_eq!(queue.pop(), Some(ProgressEvent::Skipped { events: 3 }));
        assert_eq!(queue.pop(), Some(started(3)));
        assert_eq!(queue.events.len(), EVENT_QUEUE_CAPACITY - 1);
    }

    #[test]
    fn new_counts_replace_the_unread_counts_of_their_step() {
        let mut queue = EventQueue::default();
        let progress = |index, files_done| ProgressEvent::StepProgress {
            index,
            name: "Fetch".to_owned(),
            files_done,
            files_total: 10,
        };
        queue.push(progress(0, 1));
        queue.push(progress(0, 2));
        queue.push(progress(1, 1));
        queue.push(progress(1, 5));
        assert_eq!(queue.pop(), Some(progress(0, 2)));
        assert_eq!(queue.pop(), Some(progress(1, 5)));
        assert_eq!(queue.pop(), None);
    }

    #[test]
    fn a_closed_queue_keeps_nothing() {
        let mut queue = EventQueue { closed: true, ..EventQueue::default() };
        queue.push(started(1));
        assert_eq!(queue.pop(), None);
    }
}
