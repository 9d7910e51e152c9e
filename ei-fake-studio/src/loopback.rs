//! A loopback HTTP/1.1 server: it accepts connections on a port of
//! 127.0.0.1, answers each request with a [`Handler`], and shuts down
//! gracefully when its [`LoopbackServer`] handle is dropped. The fake Studio
//! serves with it; with the `test-support` feature, so can tests and
//! benchmarks that need a server of their own.

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::error::Error;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long to wait before accepting again after accepting failed (e.g. out
/// of file descriptors): long enough not to spin, short enough to go unnoticed.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(10);

/// An error, boxed as hyper takes it.
type BoxError = Box<dyn Error + Send + Sync>;

/// What answers a server's requests: any `Fn(Request<Incoming>)` returning a
/// future of a response, or of the error that closes the connection without
/// one.
pub trait Handler: Send + Sync + 'static {
    /// The answer's body.
    type Payload: Body<Data: Send, Error: Into<BoxError>> + Send + 'static;
    /// Why the connection closes without an answer.
    type Failure: Into<BoxError>;
    /// The answer to come.
    type Answer: Future<Output = Result<Response<Self::Payload>, Self::Failure>> + Send + 'static;

    /// The answer to `request`.
    fn answer(&self, request: Request<Incoming>) -> Self::Answer;
}

impl<Function, Answer, Payload, Failure> Handler for Function
where
    Function: Fn(Request<Incoming>) -> Answer + Send + Sync + 'static,
    Answer: Future<Output = Result<Response<Payload>, Failure>> + Send + 'static,
    Payload: Body<Data: Send, Error: Into<BoxError>> + Send + 'static,
    Failure: Into<BoxError>,
{
    type Payload = Payload;
    type Failure = Failure;
    type Answer = Answer;

    fn answer(&self, request: Request<Incoming>) -> Answer {
        self(request)
    }
}

/// A running server. Dropping it stops accepting connections and closes each
/// open one once its request in flight, if any, is answered.
#[derive(Debug)]
pub struct LoopbackServer {
    address: SocketAddr,
    /// Dropping the sender is the signal to stop (it needs no runtime, so a
    /// server can be dropped anywhere).
    _stop: watch::Sender<()>,
}

impl LoopbackServer {
    /// Starts serving on `port` of 127.0.0.1 (0: an ephemeral port),
    /// answering each request with `handler`. Answers have no `Date` header
    /// unless the handler adds one.
    ///
    /// # Errors
    ///
    /// If the port cannot be bound (taken, or reserved to another user).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn start(port: u16, handler: impl Handler) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = watch::channel(());
        tokio::spawn(accept(listener, Arc::new(handler), stopped));
        Ok(Self { address, _stop: stop })
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

async fn accept(
    listener: TcpListener,
    handler: Arc<impl Handler>,
    mut stopped: watch::Receiver<()>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve(stream, Arc::clone(&handler), stopped.clone()));
                }
                Err(_) => tokio::time::sleep(ACCEPT_RETRY_DELAY).await,
            },
            _ = stopped.changed() => return,
        }
    }
}

/// Serves one connection until the client closes it, the handler fails, or
/// the server stops.
async fn serve(stream: TcpStream, handler: Arc<impl Handler>, mut stopped: watch::Receiver<()>) {
    let service = service_fn(move |request| handler.answer(request));
    let connection = http1::Builder::new()
        .auto_date_header(false)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    // A connection's error (the handler closing it, a client going away)
    // ends only that connection: there is no one to report it to.
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopped.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
