//! The signals that stop the fake: Ctrl-C (SIGINT) and, on Unix, SIGTERM.

use std::io;

/// Listens for a request to stop, from [`Shutdown::listen`] on: a signal
/// that arrives before [`Shutdown::requested`] is awaited is not lost.
#[derive(Debug)]
pub struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Installs the handlers now, so that the default action (ending the
    /// process with the signal's status) no longer applies.
    ///
    /// # Errors
    ///
    /// If a handler cannot be installed.
    pub fn listen() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Waits for a request to stop.
    pub async fn requested(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            // Without a handler Ctrl-C ends the process, which stops the fake too.
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
