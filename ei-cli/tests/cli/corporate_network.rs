//! Behind a corporate network: the binary through a local HTTPS front
//! (certificates from a certificate authority made in the test) and a local
//! CONNECT proxy, in front of the fake Studio. A certificate the client does
//! not accept and a proxy that refuses its credentials each end at once
//! (one connection, no retry) with the cause named, a hint, exit 2 and no
//! secret shown; a trusted private CA (`SSL_CERT_FILE`, `SSL_CERT_DIR`) and
//! a proxy with the right credentials work, and the proxy sees only the
//! `CONNECT` and encrypted bytes, never the API key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

use crate::harness::{run, Outcome, Studio, API_KEY};
use crate::untrusted_answers::jwt_cli;

/// The variables that steer the HTTP stack's proxy and trust store; removed
/// from every child so that the developer's own never change a test.
const NETWORK_VARS: [&str; 10] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// The proxy's user and password: distinctive, so that a leak is found.
const PROXY_USER: &str = "ci-runner";
const PROXY_PASSWORD: &str = "pr0xy-pa55word-e1e1e1";

/// How much of what a client sends through the proxy it keeps to look at.
const RELAYED_KEPT: usize = 64 * 1024;

/// The certificate's exit code, the failure class that is not retried.
const NETWORK_SETUP_EXIT: i32 = 2;

/// A certificate authority made for one test.
struct Authority {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Authority {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a CA key");
        let certificate = params.self_signed(&key).expect("a CA certificate");
        Self { pem: certificate.pem(), issuer: Issuer::new(params, key) }
    }

    /// A server certificate for `names` (IP addresses or DNS names), and
    /// its key; with `expired`, valid only in 2020.
    fn server(&self, names: &[&str], expired: bool) -> Served {
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("server params");
        params.distinguished_name.push(DnType::CommonName, "ei-cli test server");
        if expired {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().expect("a server key");
        let certificate = params.signed_by(&key, &self.issuer).expect("a server certificate");
        Served {
            chain: vec![certificate.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }

    /// Writes the CA certificate (PEM) into `dir` as `name`; returns its path.
    fn write_pem(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, &self.pem).expect("writes the CA");
        path
    }
}

/// A certificate chain and key a server presents.
struct Served {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// What the proxy saw.
#[derive(Default)]
struct ProxyLog {
    /// Each connection's request head, as received.
    heads: Vec<String>,
    /// The start of what clients sent through the tunnels.
    relayed: Vec<u8>,
}

/// How the proxy treats a `CONNECT`.
#[derive(Clone, Copy)]
enum ProxyMode {
    /// Opens the tunnel for anyone.
    Open,
    /// Opens it only with `Proxy-Authorization: Basic` for [`PROXY_USER`]
    /// and [`PROXY_PASSWORD`]; 407 otherwise.
    Credentials,
    /// Answers 502 (an upstream it cannot reach).
    Failing,
}

/// The HTTPS front, the proxy and a fake Studio behind them, each on a
/// loopback port, served by a runtime of their own.
struct Network {
    studio: Studio,
    runtime: tokio::runtime::Runtime,
    /// A folder for this test's CA files.
    dir: PathBuf,
}

impl Network {
    fn new(test: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let dir = std::env::temp_dir()
            .join(format!("ei-cli-corporate-network-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        Self { studio: Studio::quick(), runtime, dir }
    }

    fn studio_address(&self) -> SocketAddr {
        let base_url = self.studio.base_url();
        let authority = base_url.trim_start_matches("http://").trim_end_matches("/v1");
        authority.parse().expect("the studio's address")
    }

    /// An HTTPS front presenting `served`, relaying to the studio; returns
    /// its address and how many connections it accepted.
    fn tls_front(&self, served: Served) -> (SocketAddr, Arc<AtomicUsize>) {
        let provider = Arc::new(aws_lc_rs::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(served.chain, served.key)
            .expect("a server config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let studio = self.studio_address();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&accepted);
        let listener = self.runtime.block_on(TcpListener::bind("127.0.0.1:0")).expect("binds");
        let address = listener.local_addr().expect("an address");
        self.runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that rejects the certificate ends the handshake.
                    let Ok(mut tls) = acceptor.accept(stream).await else { return };
                    let Ok(mut upstream) = TcpStream::connect(studio).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                });
            }
        });
        (address, accepted)
    }

    /// A CONNECT proxy; returns its address and what it saw.
    fn proxy(&self, mode: ProxyMode) -> (SocketAddr, Arc<Mutex<ProxyLog>>) {
        let log = Arc::new(Mutex::new(ProxyLog::default()));
        let seen = Arc::clone(&log);
        let listener = self.runtime.block_on(TcpListener::bind("127.0.0.1:0")).expect("binds");
        let address = listener.local_addr().expect("an address");
        self.runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(tunnel(stream, mode, Arc::clone(&seen)));
            }
        });
        (address, log)
    }

    /// The binary for the studio behind `front` (https), with the network
    /// variables cleared.
    fn cli(&self, front: SocketAddr) -> Command {
        let mut command = self.studio.cli();
        for variable in NETWORK_VARS {
            command.env_remove(variable);
        }
        command.env("EI_API_ENDPOINT", format!("https://{front}/v1"));
        command
    }

    /// The binary trusting only `authority`, through `SSL_CERT_FILE`.
    fn cli_trusting(&self, front: SocketAddr, authority: &Authority) -> Command {
        let mut command = self.cli(front);
        command.env("SSL_CERT_FILE", authority.write_pem(&self.dir, "trusted.pem"));
        command
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Serves one proxy connection: reads the `CONNECT`, and opens the tunnel,
/// refuses it (407) or fails it (502) as `mode` says.
async fn tunnel(mut client: TcpStream, mode: ProxyMode, log: Arc<Mutex<ProxyLog>>) {
    let Some(head) = read_head(&mut client).await else { return };
    log.lock().unwrap().heads.push(head.clone());
    let target =
        head.strip_prefix("CONNECT ").and_then(|rest| rest.split(' ').next()).map(str::to_owned);
    let authorized = head.lines().any(|line| {
        line.to_ascii_lowercase().starts_with("proxy-authorization:")
            && line.split_once(':').map(|(_, value)| value.trim())
                == Some(&format!("Basic {}", base64(&format!("{PROXY_USER}:{PROXY_PASSWORD}"))))
    });
    let refusal = match (mode, target.as_deref()) {
        (_, None) => "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
        (ProxyMode::Failing, _) => "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n",
        (ProxyMode::Credentials, _) if !authorized => {
            "HTTP/1.1 407 Proxy Authentication Required\r\n\
             proxy-authenticate: Basic realm=\"corporate\"\r\ncontent-length: 0\r\n\r\n"
        }
        _ => "",
    };
    if !refusal.is_empty() {
        let _ = client.write_all(refusal.as_bytes()).await;
        return;
    }
    let Ok(mut upstream) = TcpStream::connect(target.expect("a target")).await else { return };
    if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_err() {
        return;
    }
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_upstream, mut to_upstream) = upstream.split();
    let upward = async {
        let mut buffer = [0u8; 8192];
        while let Ok(read) = from_client.read(&mut buffer).await {
            if read == 0 {
                break;
            }
            {
                let mut log = log.lock().unwrap();
                let room = RELAYED_KEPT.saturating_sub(log.relayed.len());
                log.relayed.extend_from_slice(&buffer[..read.min(room)]);
            }
            if to_upstream.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        let _ = to_upstream.shutdown().await;
    };
    let downward = async {
        let _ = tokio::io::copy(&mut from_upstream, &mut to_client).await;
        let _ = to_client.shutdown().await;
    };
    tokio::join!(upward, downward);
}

/// A request head (up to its blank line, at most 8 KiB), as text.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

/// Standard base64 with padding, for a `Basic` credential.
fn base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut encoded = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |bits, (i, byte)| bits | u32::from(*byte) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                encoded.push(char::from(ALPHABET[(bits >> (18 - 6 * i) & 63) as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    encoded
}

/// The `-vv` lines that report a failed attempt.
fn failed_attempts(outcome: &Outcome) -> Vec<&str> {
    outcome.stderr.lines().filter(|line| line.contains("attempt failed")).collect()
}

/// Asserts that the failure was reported once, naming `cause` in the
/// error, in its one `-vv` attempt line, and `hint` in the hint.
#[track_caller]
fn assert_not_retried(outcome: &Outcome, cause: &str, hint: &str) {
    let attempts = failed_attempts(outcome);
    assert_eq!(attempts.len(), 1, "one attempt:\n{}", outcome.stderr);
    assert!(attempts[0].contains(cause), "the attempt names {cause:?}:\n{}", outcome.stderr);
    assert!(!outcome.stderr.contains("retrying"), "{}", outcome.stderr);
    let error = outcome.stderr.lines().find(|line| line.starts_with("error: "));
    assert!(error.is_some_and(|line| line.contains(cause)), "{}", outcome.stderr);
    let hint_line = outcome.stderr.lines().find(|line| line.trim_start().starts_with("hint: "));
    assert!(hint_line.is_some_and(|line| line.contains(hint)), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("check the base URL"), "{}", outcome.stderr);
    outcome.assert_hides(API_KEY);
}

#[test]
fn a_private_ca_trusted_through_ssl_cert_file_or_ssl_cert_dir_works() {
    let network = Network::new("trusted");
    let authority = Authority::new("corporate CA");
    let (front, accepted) = network.tls_front(authority.server(&["127.0.0.1"], false));
    let outcome = run(network.cli_trusting(front, &authority), &["list", "--json"]).expect_code(0);
    assert!(outcome.json().is_array() || outcome.json().is_object(), "{}", outcome.stdout);
    assert!(accepted.load(Ordering::SeqCst) >= 1);
    assert!(network.studio.requests_received() >= 1, "the request reached the studio");

    let certificates = network.dir.join("certs");
    std::fs::create_dir_all(&certificates).expect("a folder");
    authority.write_pem(&certificates, "corporate-ca.pem");
    let mut command = network.cli(front);
    command.env("SSL_CERT_DIR", &certificates);
    run(command, &["list"]).expect_code(0);
}

#[test]
fn a_certificate_from_an_unknown_ca_is_named_hinted_and_not_retried() {
    let network = Network::new("untrusted");
    let intercepting = Authority::new("TLS-inspecting proxy CA");
    let trusted = Authority::new("some other CA");
    let (front, accepted) = network.tls_front(intercepting.server(&["127.0.0.1"], false));
    let outcome = run(network.cli_trusting(front, &trusted), &["-vv", "status", "1"])
        .expect_code(NETWORK_SETUP_EXIT);
    assert_not_retried(&outcome, "certificate is not trusted", "SSL_CERT_FILE");
    assert!(outcome.stderr.contains("SSL_CERT_DIR"), "{}", outcome.stderr);
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "one connection, no retry");
    assert_eq!(network.studio.requests_received(), 0);
}

#[test]
fn a_self_signed_certificate_is_an_unknown_issuer() {
    let network = Network::new("self-signed");
    let key = KeyPair::generate().expect("a key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    let certificate = params.self_signed(&key).expect("a certificate");
    let served = Served {
        chain: vec![certificate.der().clone()],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    };
    let (front, accepted) = network.tls_front(served);
    let trusted = Authority::new("the CA in use");
    let outcome = run(network.cli_trusting(front, &trusted), &["-vv", "list"])
        .expect_code(NETWORK_SETUP_EXIT);
    assert_not_retried(&outcome, "certificate is not trusted", "SSL_CERT_FILE");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn a_certificate_for_another_host_says_so() {
    let network = Network::new("wrong-host");
    let authority = Authority::new("corporate CA");
    let (front, accepted) = network.tls_front(authority.server(&["elsewhere.example"], false));
    let outcome = run(network.cli_trusting(front, &authority), &["-vv", "status", "1"])
        .expect_code(NETWORK_SETUP_EXIT);
    assert_not_retried(&outcome, "certificate is for another host", "another host");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn an_expired_certificate_says_so() {
    let network = Network::new("expired");
    let authority = Authority::new("corporate CA");
    let (front, accepted) = network.tls_front(authority.server(&["127.0.0.1"], true));
    let outcome = run(network.cli_trusting(front, &authority), &["-vv", "status", "1"])
        .expect_code(NETWORK_SETUP_EXIT);
    assert_not_retried(&outcome, "certificate has expired", "renew it");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn https_through_a_proxy_with_credentials_works_and_the_proxy_sees_only_tls() {
    let network = Network::new("proxy-credentials");
    let authority = Authority::new("corporate CA");
    let (front, _) = network.tls_front(authority.server(&["127.0.0.1"], false));
    let (proxy, log) = network.proxy(ProxyMode::Credentials);
    let mut command = network.cli_trusting(front, &authority);
    command.env("HTTPS_PROXY", format!("http://{PROXY_USER}:{PROXY_PASSWORD}@{proxy}"));
    let outcome = run(command, &["-vvv", "run", "1", "--wait", "--timeout", "30s"]).expect_code(0);
    outcome.assert_hides(PROXY_PASSWORD);
    outcome.assert_hides(API_KEY);
    let log = log.lock().unwrap();
    assert!(!log.heads.is_empty(), "the binary went through the proxy");
    for head in &log.heads {
        assert!(head.starts_with(&format!("CONNECT {front} HTTP/1.1\r\n")), "{head}");
        assert!(!head.contains(API_KEY), "the CONNECT carries no API key: {head}");
    }
    // Every tunnel starts with a TLS handshake record (content type 22,
    // version 3.x): what the proxy relays is encrypted.
    assert!(log.relayed.starts_with(&[0x16, 0x03]), "{:?}", &log.relayed[..8]);
    let relayed = String::from_utf8_lossy(&log.relayed);
    assert!(!relayed.contains(API_KEY), "the relayed bytes carry no API key in clear");
    assert!(!relayed.contains("x-api-key"), "nor any request header");
    assert!(network.studio.requests_received() >= 2, "the calls reached the studio");
}

#[test]
fn https_through_a_proxy_without_credentials_works() {
    let network = Network::new("proxy-open");
    let authority = Authority::new("corporate CA");
    let (front, _) = network.tls_front(authority.server(&["127.0.0.1"], false));
    let (proxy, log) = network.proxy(ProxyMode::Open);
    let mut command = network.cli_trusting(front, &authority);
    command.env("https_proxy", format!("http://{proxy}"));
    run(command, &["list"]).expect_code(0);
    assert_eq!(log.lock().unwrap().heads.len(), 1, "one tunnel for the one call");
}

#[test]
fn no_proxy_naming_the_host_bypasses_the_proxy() {
    let network = Network::new("no-proxy");
    let authority = Authority::new("corporate CA");
    let (front, accepted) = network.tls_front(authority.server(&["127.0.0.1"], false));
    let (proxy, log) = network.proxy(ProxyMode::Failing);
    let mut command = network.cli_trusting(front, &authority);
    command.env("HTTPS_PROXY", format!("http://{proxy}")).env("NO_PROXY", "localhost,127.0.0.1");
    run(command, &["list"]).expect_code(0);
    assert!(log.lock().unwrap().heads.is_empty(), "the proxy saw no connection");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "the front was reached directly");
}

#[test]
fn a_proxy_refusing_its_credentials_is_named_hinted_and_not_retried() {
    let network = Network::new("proxy-407");
    let authority = Authority::new("corporate CA");
    let (front, accepted) = network.tls_front(authority.server(&["127.0.0.1"], false));
    let (proxy, log) = network.proxy(ProxyMode::Credentials);
    for credentials in ["", "ci-runner:wr0ng-pa55word-e1e1e1@"] {
        let before = log.lock().unwrap().heads.len();
        let mut command = network.cli_trusting(front, &authority);
        command.env("HTTPS_PROXY", format!("http://{credentials}{proxy}"));
        let outcome = run(command, &["-vvv", "status", "1"]).expect_code(NETWORK_SETUP_EXIT);
        assert_not_retried(&outcome, "proxy asked for credentials", "HTTPS_PROXY");
        outcome.assert_hides("wr0ng-pa55word-e1e1e1");
        assert_eq!(log.lock().unwrap().heads.len(), before + 1, "one CONNECT, no retry");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "nothing got past the proxy");
}

#[test]
fn a_failing_proxy_is_named_and_retried_without_the_base_url_hint() {
    let network = Network::new("proxy-502");
    let authority = Authority::new("corporate CA");
    let (front, _) = network.tls_front(authority.server(&["127.0.0.1"], false));
    let (proxy, log) = network.proxy(ProxyMode::Failing);
    let mut command = network.cli_trusting(front, &authority);
    command.env("HTTPS_PROXY", format!("http://{proxy}"));
    let outcome = run(command, &["-vv", "status", "1"]).expect_code(4);
    let attempts = failed_attempts(&outcome);
    assert!(attempts.len() > 1, "retried:\n{}", outcome.stderr);
    for attempt in &attempts {
        assert!(attempt.contains("proxy could not be reached"), "{attempt}");
    }
    assert_eq!(log.lock().unwrap().heads.len(), attempts.len(), "one CONNECT an attempt");
    assert!(outcome.stderr.contains("hint: check the proxy in HTTPS_PROXY"), "{}", outcome.stderr);
    assert!(!outcome.stderr.contains("check the base URL"), "{}", outcome.stderr);
}

#[test]
fn a_plain_http_base_url_never_goes_through_the_proxy() {
    let network = Network::new("plain-http");
    let (proxy, log) = network.proxy(ProxyMode::Open);
    // Every credential and transport, and a base URL with blanks around it
    // (the same URL to the parser, so it must be to the proxy rule too).
    let mut spaced = network.studio.cli();
    spaced.env("EI_API_ENDPOINT", format!(" {} ", network.studio.base_url()));
    let commands = [
        network.studio.cli(),
        jwt_cli(&network.studio, false),
        jwt_cli(&network.studio, true),
        spaced,
    ];
    for mut command in commands {
        for variable in NETWORK_VARS {
            command.env_remove(variable);
        }
        for variable in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
            command.env(variable, format!("http://{PROXY_USER}:{PROXY_PASSWORD}@{proxy}"));
        }
        run(command, &["list"]).expect_code(0);
    }
    assert!(log.lock().unwrap().heads.is_empty(), "the proxy saw no connection");
    assert!(network.studio.requests_received() >= 1, "the studio was reached directly");
}

#[test]
fn a_refused_connection_keeps_the_base_url_hint_and_names_the_cause() {
    let network = Network::new("refused");
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("an address")
    };
    let mut command = network.cli(closed);
    command.env("EI_API_ENDPOINT", format!("http://{closed}/v1"));
    let outcome = run(command, &["-vv", "status", "1"]).expect_code(4);
    let attempts = failed_attempts(&outcome);
    assert!(attempts.len() > 1, "retried:\n{}", outcome.stderr);
    assert!(attempts.iter().all(|line| line.contains("connection refused")), "{attempts:#?}");
    assert!(outcome.stderr.contains("hint: check the base URL"), "{}", outcome.stderr);
}

#[test]
fn the_test_base64_is_standard() {
    assert_eq!(base64("Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    assert_eq!(base64("ab"), "YWI=");
    assert_eq!(base64("abc"), "YWJj");
}

#[test]
fn https_to_a_server_that_speaks_no_tls_is_a_handshake_failure_not_retried() {
    let network = Network::new("no-tls");
    let outcome = run(network.cli(network.studio_address()), &["-vv", "status", "1"])
        .expect_code(NETWORK_SETUP_EXIT);
    assert_not_retried(&outcome, "the TLS handshake failed", "http rather than https");
    assert_eq!(network.studio.requests_received(), 0, "no request was read as HTTP");
}

#[test]
fn an_ssl_cert_file_without_certificates_is_a_usage_error_naming_it() {
    let network = Network::new("no-certificates");
    let authority = Authority::new("corporate CA");
    let (front, accepted) = network.tls_front(authority.server(&["127.0.0.1"], false));
    let not_pem = network.dir.join("not-a-certificate.txt");
    std::fs::write(&not_pem, "not a certificate").expect("writes");
    let missing = network.dir.join("missing.pem");
    for file in [&not_pem, &missing] {
        let mut command = network.cli(front);
        command.env("SSL_CERT_FILE", file);
        let outcome = run(command, &["status", "1"]).expect_code(2);
        assert!(outcome.stderr.contains("No CA certificates were loaded"), "{}", outcome.stderr);
        assert!(outcome.stderr.contains("hint: SSL_CERT_FILE is set"), "{}", outcome.stderr);
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "found before connecting");
}

#[test]
fn a_proxy_setting_the_http_stack_would_ignore_is_a_usage_error_before_any_connection() {
    // Unread, these went direct and failed (or worked) without the proxy:
    // a bad URL, a SOCKS proxy (not built in), a port out of range.
    let network = Network::new("unusable-proxy");
    let authority = Authority::new("corporate CA");
    let (front, accepted) = network.tls_front(authority.server(&["127.0.0.1"], false));
    for (variable, value, why) in [
        ("HTTPS_PROXY", format!("http://{PROXY_USER}:{PROXY_PASSWORD} @proxy:3128"), "not a URL"),
        ("https_proxy", format!("socks5://{PROXY_USER}:{PROXY_PASSWORD}@proxy:1080"), "SOCKS"),
        ("ALL_PROXY", format!("http://{PROXY_USER}:{PROXY_PASSWORD}@proxy:99999"), "port"),
    ] {
        let mut command = network.cli(front);
        command.env(variable, &value);
        let outcome = run(command, &["status", "1"]).expect_code(2);
        assert!(
            outcome.stderr.contains(&format!("invalid proxy ({variable})")),
            "{}",
            outcome.stderr
        );
        assert!(outcome.stderr.contains(why), "{}", outcome.stderr);
        assert!(!outcome.stderr.contains(PROXY_PASSWORD), "{}", outcome.stderr);
        assert!(!outcome.stderr.contains(PROXY_USER), "{}", outcome.stderr);
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "found before connecting");
}
