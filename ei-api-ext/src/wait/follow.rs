//! [`Follow`]: one value that is both the wait's outcome (a future) and its
//! progress events (a stream).
//!
//! The wait runs as a task of its own, spawned when either side is first
//! polled and aborted when both are dropped, so no way of consuming it can
//! hang: reading only the events, awaiting only the outcome, or both from
//! two tasks. Events wait for their reader in a bounded queue that drops the
//! oldest when full (and says how many), so the final events are kept.

use std::collections::VecDeque;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::error::Error;
use crate::wait::outcome::WaitReport;
use crate::wait::progress::ProgressEvent;

/// The most events held for a reader that is behind: far more than a run
/// produces between two reads (a few per step), and a bound on memory
/// whatever the server's runs look like. Past it the oldest are dropped and
/// the reader is told how many ([`ProgressEvent::Skipped`]).
const EVENT_QUEUE_CAPACITY: usize = 1_024;

/// The wait being followed.
type WaitFuture = Pin<Box<dyn Future<Output = Result<WaitReport, Error>> + Send>>;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Events on their way from the wait to the reader.
#[derive(Debug, Default)]
struct EventQueue {
    events: VecDeque<ProgressEvent>,
    /// Events dropped because the queue was full, not yet reported.
    skipped: u64,
    /// Whether nobody will read (the events side was dropped).
    closed: bool,
    /// Whether the wait is over: no event will come.
    ended: bool,
    /// The reader waiting for the next event, woken when it comes.
    reader: Option<Waker>,
}

impl EventQueue {
    /// Queues `event`, unless nobody will read it. New counts of a step
    /// replace its counts not yet read: only the latest matter.
    fn push(&mut self, event: ProgressEvent) {
        if self.closed {
            return;
        }
        if let (
            Some(ProgressEvent::StepProgress { step: queued }),
            ProgressEvent::StepProgress { step },
        ) = (self.events.back(), &event)
        {
            if queued.number == step.number {
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

/// Where a wait sends its events.
#[derive(Clone, Debug)]
pub(crate) struct EventSink {
    queue: Arc<Mutex<EventQueue>>,
}

impl EventSink {
    /// Queues `event` for the reader, if there is one.
    pub(crate) fn send(&self, event: ProgressEvent) {
        let mut queue = lock(&self.queue);
        queue.push(event);
        wake(&mut queue);
    }

    /// Says the wait is over.
    fn end(&self) {
        let mut queue = lock(&self.queue);
        queue.ended = true;
        wake(&mut queue);
    }
}

/// Wakes the reader waiting on `queue`, if one is.
fn wake(queue: &mut EventQueue) {
    if let Some(reader) = queue.reader.take() {
        reader.wake();
    }
}

/// The wait: not started yet, or running as a task.
enum Task {
    Waiting(WaitFuture, tracing::Span),
    Running(JoinHandle<Result<WaitReport, Error>>),
    /// Its result was taken.
    Over,
}

/// The wait's task, shared by both sides; dropping the last side aborts it.
struct Driver {
    task: Mutex<Task>,
}

impl Driver {
    /// Spawns the wait, if it is not running yet.
    fn start(&self) {
        let mut task = lock(&self.task);
        if let Task::Waiting(..) = &*task {
            let Task::Waiting(wait, span) = std::mem::replace(&mut *task, Task::Over) else {
                return;
            };
            *task = Task::Running(tokio::spawn(wait.instrument(span)));
        }
    }

    fn poll_outcome(&self, cx: &mut Context<'_>) -> Poll<Result<WaitReport, Error>> {
        self.start();
        let mut task = lock(&self.task);
        let Task::Running(handle) = &mut *task else {
            // Taken already: a FollowOutcome is polled after it returned.
            return Poll::Pending;
        };
        let joined = std::task::ready!(Pin::new(handle).poll(cx));
        *task = Task::Over;
        Poll::Ready(match joined {
            Ok(result) => result,
            // The wait panicked: the bug surfaces here, as if awaited inline.
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => panic!("the wait's task was cancelled: its runtime shut down"),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Task::Running(handle) = &*lock(&self.task) {
            handle.abort();
        }
    }
}

/// A run being followed to its outcome, from
/// [`RunRequest::follow`](crate::RunRequest::follow),
/// [`PipelineHandle::follow`](crate::PipelineHandle::follow) or
/// [`PipelineHandle::follow_latest`](crate::PipelineHandle::follow_latest).
///
/// Await it for the outcome; read it as a [`Stream`](futures_core::Stream)
/// of [`ProgressEvent`]s (with [`Follow::next`]); or [`Follow::split`] it to
/// do both at once from different places. The wait runs as a task of its
/// own from the first poll of either side (so a tokio runtime must be
/// running), and every way completes:
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
/// println!("run {} ended {}", report.run.id, report.outcome.name());
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
/// let again = pipeline.follow(report.run.id, options()).await?;
/// assert_eq!(again.run.id, report.run.id);
/// # Ok(())
/// # }
/// ```
///
/// Dropping it (both halves) stops following and never the run.
#[must_use = "a Follow does nothing until it is awaited or its events are read"]
#[derive(Debug)]
pub struct Follow {
    events: FollowEvents,
    outcome: FollowOutcome,
}

/// The events half of a [`Follow`]: a [`Stream`](futures_core::Stream) of
/// [`ProgressEvent`]s that ends when the wait does. Dropping it stops the
/// events from being kept; the wait goes on for the outcome half.
pub struct FollowEvents {
    queue: Arc<Mutex<EventQueue>>,
    driver: Arc<Driver>,
}

/// The outcome half of a [`Follow`]: a future of the wait's outcome.
#[must_use = "the outcome half does nothing until it is awaited"]
pub struct FollowOutcome {
    driver: Arc<Driver>,
}

impl Follow {
    /// Follows `wait`, which sends its events to the sink it is given.
    pub(crate) fn new<W>(wait: impl FnOnce(EventSink) -> W) -> Self
    where
        W: Future<Output = Result<WaitReport, Error>> + Send + 'static,
    {
        let queue = Arc::new(Mutex::new(EventQueue::default()));
        let sink = EventSink { queue: Arc::clone(&queue) };
        let wait = wait(sink.clone());
        let wait: WaitFuture = Box::pin(async move {
            let result = wait.await;
            sink.end();
            result
        });
        let task = Task::Waiting(wait, tracing::Span::current());
        let driver = Arc::new(Driver { task: Mutex::new(task) });
        Self {
            events: FollowEvents { queue, driver: Arc::clone(&driver) },
            outcome: FollowOutcome { driver },
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
        self.driver.start();
        let mut queue = lock(&self.queue);
        if let Some(event) = queue.pop() {
            return Poll::Ready(Some(event));
        }
        if queue.ended {
            return Poll::Ready(None);
        }
        queue.reader = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for FollowEvents {
    fn drop(&mut self) {
        let mut queue = lock(&self.queue);
        queue.closed = true;
        queue.events.clear();
        queue.reader = None;
    }
}

impl futures_core::Stream for FollowEvents {
    type Item = ProgressEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ProgressEvent>> {
        self.get_mut().poll_event(cx)
    }
}

impl futures_core::Stream for Follow {
    type Item = ProgressEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ProgressEvent>> {
        self.get_mut().events.poll_event(cx)
    }
}

impl Future for FollowOutcome {
    type Output = Result<WaitReport, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.driver.poll_outcome(cx)
    }
}

impl IntoFuture for Follow {
    type Output = Result<WaitReport, Error>;
    type IntoFuture = FollowOutcome;

    /// The outcome; events not read are dropped.
    fn into_future(self) -> FollowOutcome {
        self.outcome
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
    use crate::run::RunState;

    fn finished(run: i64) -> ProgressEvent {
        ProgressEvent::RunFinished { run: RunId::new(run), state: RunState::Succeeded }
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_says_how_many() {
        let mut queue = EventQueue::default();
        for run in 0..(EVENT_QUEUE_CAPACITY as i64 + 3) {
            queue.push(finished(run));
        }
        assert_eq!(queue.pop(), Some(ProgressEvent::Skipped { events: 3 }));
        assert_eq!(queue.pop(), Some(finished(3)));
        assert_eq!(queue.events.len(), EVENT_QUEUE_CAPACITY - 1);
        assert_eq!(queue.events.back(), Some(&finished(EVENT_QUEUE_CAPACITY as i64 + 2)));
    }

    #[test]
    fn a_closed_queue_keeps_nothing() {
        let mut queue = EventQueue { closed: true, ..EventQueue::default() };
        queue.push(finished(1));
        assert_eq!(queue.pop(), None);
    }
}
