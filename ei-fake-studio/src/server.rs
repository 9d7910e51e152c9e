//! The HTTP/1.1 server: accepts connections on a port of 127.0.0.1 (an
//! ephemeral one unless told), hands each request to the [`Api`], and shuts
//! down gracefully when its [`Server`] handle is dropped.

use crate::answer::Reply;
use crate::api::{self, Api};
use crate::fault::Outcome;
use crate::payload::PayloadBody;
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long to wait before accepting again after accepting failed (e.g. out
/// of file descriptors): long enough not to spin, short enough to go unnoticed.
const ACCEPT_RETRY_DELAY: Duration = Duration::from_millis(10);

/// A running server. Dropping it stops accepting connections and closes each
/// open one once its request in flight, if any, is answered.
#[derive(Debug)]
pub(crate) struct Server {
    address: SocketAddr,
    /// Dropping the sender is the signal to stop (it needs no runtime, so a
    /// server can be dropped anywhere).
    _stop: watch::Sender<()>,
}

impl Server {
    /// Starts serving `api` on `port` of 127.0.0.1 (0: an ephemeral port).
    ///
    /// # Errors
    ///
    /// If the port cannot be bound (taken, or reserved to another user).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub(crate) async fn start(api: Arc<Api>, port: u16) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = watch::channel(());
        tokio::spawn(accept(listener, api, stopped));
        Ok(Self { address, _stop: stop })
    }

    /// Where the server listens.
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }
}

async fn accept(listener: TcpListener, api: Arc<Api>, mut stopped: watch::Receiver<()>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve(stream, Arc::clone(&api), stopped.clone()));
                }
                Err(_) => tokio::time::sleep(ACCEPT_RETRY_DELAY).await,
            },
            _ = stopped.changed() => return,
        }
    }
}

/// Serves one connection until the client closes it, a fault closes it, or
/// the server stops.
async fn serve(stream: TcpStream, api: Arc<Api>, mut stopped: watch::Receiver<()>) {
    let service = service_fn(move |request| {
        let api = Arc::clone(&api);
        async move { respond(&api, request).await }
    });
    // Every answer is dated by the studio's clock (or, by a fault, not at all).
    let connection = http1::Builder::new()
        .auto_date_header(false)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    // A connection's error (a fault closing it, a client going away) ends
    // only that connection: there is no one to report it to.
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopped.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// The error that makes hyper close a connection without writing a response.
#[derive(Debug)]
struct CloseWithoutAnswer;

impl fmt::Display for CloseWithoutAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fault closes the connection without an answer")
    }
}

impl std::error::Error for CloseWithoutAnswer {}

async fn respond(
    api: &Api,
    request: Request<Incoming>,
) -> Result<Response<PayloadBody>, CloseWithoutAnswer> {
    let uri = request.uri();
    let outcome = api
        .handle(api::Request {
            method: request.method(),
            path: uri.path(),
            query: uri.query(),
            headers: request.headers(),
        })
        .await;
    match outcome {
        Outcome::Send(reply) => Ok(response(reply)),
        Outcome::Close => Err(CloseWithoutAnswer),
    }
}

fn response(reply: Reply) -> Response<PayloadBody> {
    let mut response = Response::new(reply.payload.into_body());
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.extend(reply.headers);
    headers.insert(CONTENT_TYPE, reply.content_type);
    response
}
