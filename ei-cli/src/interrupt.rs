//! Ctrl-C while waiting: noticed, so that the wait can end politely
//! (print the run id and how to check it again) instead of dying silently.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

type Signal = Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>;

/// Listens for Ctrl-C (`tokio::signal::ctrl_c`) from [`Interrupt::listen`] on.
pub struct Interrupt {
    state: State,
}

enum State {
    /// Listening.
    Listening(Signal),
    /// Ctrl-C was pressed.
    Received,
    /// No handler could be installed: Ctrl-C keeps its default effect.
    Unavailable,
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Listening(_) => "listening",
            State::Received => "received",
            State::Unavailable => "unavailable",
        };
        f.debug_struct("Interrupt").field("state", &state).finish()
    }
}

impl Interrupt {
    /// Installs the handler now (`ctrl_c` installs it on its first poll, so
    /// it is polled once here), so that a Ctrl-C from this point on is seen.
    pub async fn listen() -> Self {
        let mut signal: Signal = Box::pin(tokio::signal::ctrl_c());
        let first = poll_fn(|cx| Poll::Ready(signal.as_mut().poll(cx))).await;
        let state = match first {
            Poll::Pending => State::Listening(signal),
            Poll::Ready(Ok(())) => State::Received,
            Poll::Ready(Err(_)) => State::Unavailable,
        };
        Self { state }
    }

    /// Completes when Ctrl-C is pressed; never, if no handler could be installed.
    pub async fn received(&mut self) {
        if let State::Listening(signal) = &mut self.state {
            self.state = match signal.as_mut().await {
                Ok(()) => State::Received,
                Err(_) => State::Unavailable,
            };
        }
        match self.state {
            State::Received => {}
            _ => std::future::pending().await,
        }
    }
}
