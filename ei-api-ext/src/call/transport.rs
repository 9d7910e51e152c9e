//! What a transport failure was: the cause found in the HTTP stack's error
//! chain (reqwest, hyper-util, rustls, the operating system), by the types
//! it holds wherever they can be named.

use std::error::Error as StdError;
use std::io;

use crate::error::{ErrorKind, TransportKind};

/// The error of a request that got no answer, with its cause named.
pub(super) fn transport_failure(source: reqwest::Error) -> ErrorKind {
    ErrorKind::Transport { kind: cause(&source), source: Box::new(source) }
}

/// What `error` says went wrong, the most telling cause first: a proxy's
/// failure (whatever beneath it: a proxy that cannot be resolved is the
/// proxy's problem, not the base URL's), then the certificate or TLS
/// handshake, then how connecting failed, then a timeout.
fn cause(error: &reqwest::Error) -> TransportKind {
    if let Some(kind) = chain(error).find_map(proxy_failure) {
        return kind;
    }
    if let Some(kind) = tls_failure(error) {
        return kind;
    }
    if error.is_dns() {
        return TransportKind::NameNotResolved;
    }
    let connecting = error.is_connect();
    if error.is_timeout() {
        return if connecting { TransportKind::ConnectTimeout } else { TransportKind::Timeout };
    }
    let io_kind =
        chain(error).find_map(|cause| cause.downcast_ref::<io::Error>().map(io::Error::kind));
    match (connecting, io_kind) {
        (true, Some(io::ErrorKind::ConnectionRefused)) => TransportKind::ConnectionRefused,
        (
            true,
            Some(
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof,
            ),
        ) => TransportKind::ConnectionReset,
        (true, _) => TransportKind::Connect,
        (false, _) => TransportKind::ConnectionLost,
    }
}

/// `error` and its causes, innermost last. Unlike [`StdError::source`],
/// it goes into an [`io::Error`] that wraps another error (as tokio-rustls
/// wraps rustls's), whose `source` would skip it.
fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&cause: &&'a (dyn StdError + 'static)| {
        match cause.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => cause.source(),
        }
    })
}

/// The prefix of every error of hyper-util's CONNECT tunnel, whose type
/// (`TunnelError`) it does not export: its words are the only handle. The
/// tests through a real proxy (ei-cli's `corporate_network`) fail if they
/// change.
const TUNNEL_ERROR: &str = "tunnel error: ";
/// The tunnel's words for an answer 407 to its `CONNECT`.
const TUNNEL_PROXY_AUTH: &str = "proxy authorization required";

/// The proxy's failure, if `cause` is the CONNECT tunnel's error.
fn proxy_failure(cause: &(dyn StdError + 'static)) -> Option<TransportKind> {
    let text = cause.to_string();
    let problem = text.strip_prefix(TUNNEL_ERROR)?;
    Some(if problem.starts_with(TUNNEL_PROXY_AUTH) {
        TransportKind::ProxyAuthentication
    } else {
        TransportKind::Proxy
    })
}

/// The certificate's or the TLS handshake's failure, if rustls reported one.
#[cfg(feature = "rustls")]
fn tls_failure(error: &reqwest::Error) -> Option<TransportKind> {
    use crate::error::CertificateProblem;
    use rustls::{CertificateError, Error as Tls};
    let tls = chain(error).find_map(|cause| cause.downcast_ref::<Tls>())?;
    let Tls::InvalidCertificate(problem) = tls else { return Some(TransportKind::Tls) };
    Some(TransportKind::Certificate(match problem {
        CertificateError::UnknownIssuer => CertificateProblem::UnknownIssuer,
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            CertificateProblem::WrongHost
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            CertificateProblem::Expired
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            CertificateProblem::NotYetValid
        }
        CertificateError::Revoked => CertificateProblem::Revoked,
        _ => CertificateProblem::Invalid,
    }))
}

/// Without TLS there is no certificate to fail.
#[cfg(not(feature = "rustls"))]
fn tls_failure(_: &reqwest::Error) -> Option<TransportKind> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Words(&'static str);

    impl std::fmt::Display for Words {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Words {}

    #[test]
    fn the_tunnels_407_is_told_from_its_other_failures() {
        let refused = Words("tunnel error: proxy authorization required");
        assert_eq!(proxy_failure(&refused), Some(TransportKind::ProxyAuthentication));
        let failed = Words("tunnel error: unsuccessful");
        assert_eq!(proxy_failure(&failed), Some(TransportKind::Proxy));
        assert_eq!(proxy_failure(&Words("dns error")), None);
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn the_chain_goes_into_an_io_error_that_wraps_another() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = io::Error::new(io::ErrorKind::InvalidData, tls);
        let found = chain(&wrapped).find_map(|cause| cause.downcast_ref::<rustls::Error>());
        assert!(found.is_some(), "std's source() alone would skip it");
    }
}
