//! An adversarial review, through the SDK: a careless caller and a hostile
//! server (or proxy) against the promises of the README. Each test here
//! failed when it was written (the finding it proves is named above it) and
//! pins what the promise says should happen.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use ei_api_ext::diagnose::DiagnosisOptions;
use ei_api_ext::run::Run;
use ei_api_ext::wait::{Outcome, WaitOptions};
use ei_api_ext::{Client, ErrorKind, RetryPolicy};
use ei_fake_studio::{FakeStudio, Fault, Operation, PipelineSpec, StepSpec, When};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

const SECOND: Duration = Duration::from_secs(1);
const HOUR: Duration = Duration::from_secs(3_600);
const DAY: Duration = Duration::from_secs(86_400);

/// An API key shaped like a real one (`ei_` and 64 hexadecimal digits), as
/// a server might quote it back.
const QUOTED_KEY: &str = "ei_5e0c1f2a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e";

// --- A hostile proxy in front of the fake Studio -------------------------

/// What the proxy does with one request.
#[derive(Clone, Copy, Debug)]
enum Act {
    /// Pass it on, and the answer back with its `Date` moved by this many
    /// seconds (negative: into the past).
    Forward { date_shift_secs: i64 },
    /// Close the connection without passing the request on: it never
    /// reaches the server.
    DropBeforeServer,
    /// Pass it on, then close the connection instead of answering: the
    /// request takes effect and its answer is lost.
    DropAnswer,
}

/// One request as the proxy read it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
}

/// A plain-HTTP proxy on loopback in front of `upstream`, deciding per
/// request (numbered from 1 per method) what to do.
struct Proxy {
    base_url: String,
}

type Decide = dyn Fn(&Seen, usize) -> Act + Send + Sync;

impl Proxy {
    async fn start(
        upstream: &FakeStudio,
        decide: impl Fn(&Seen, usize) -> Act + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let upstream = format!("http://{}", upstream.address());
        let decide: Arc<Decide> = Arc::new(decide);
        let counts: Arc<Mutex<std::collections::HashMap<String, usize>>> = Arc::default();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((connection, _)) = listener.accept().await else { return };
                let (decide, counts, http, upstream) =
                    (Arc::clone(&decide), Arc::clone(&counts), http.clone(), upstream.clone());
                tokio::spawn(async move {
                    let _ = serve(connection, &*decide, &counts, &http, &upstream).await;
                });
            }
        });
        Self { base_url }
    }
}

/// Reads one request from `connection`: its head and its body.
async fn read_request(connection: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let read = connection.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let read = connection.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some((head, body))
}

async fn serve(
    mut connection: TcpStream,
    decide: &Decide,
    counts: &Mutex<std::collections::HashMap<String, usize>>,
    http: &reqwest::Client,
    upstream: &str,
) -> Option<()> {
    let (head, body) = read_request(&mut connection).await?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let seen =
        Seen { method: request_line.next()?.to_owned(), path: request_line.next()?.to_owned() };
    let number = {
        let mut counts = counts.lock().unwrap();
        let count = counts.entry(seen.method.clone()).or_default();
        *count += 1;
        *count
    };
    let act = decide(&seen, number);
    if let Act::DropBeforeServer = act {
        return Some(());
    }
    let method = reqwest::Method::from_bytes(seen.method.as_bytes()).ok()?;
    let mut request = http.request(method, format!("{upstream}{}", seen.path)).body(body);
    for (name, value) in lines.filter_map(|line| line.split_once(':')) {
        let name = name.trim().to_ascii_lowercase();
        if !["host", "content-length", "connection"].contains(&name.as_str()) {
            request = request.header(name, value.trim());
        }
    }
    let answer = request.send().await.ok()?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.ok()?;
    let Act::Forward { date_shift_secs } = act else { return Some(()) };
    let mut out =
        format!("HTTP/1.1 {} {}\r\n", status.as_u16(), status.canonical_reason().unwrap_or(""));
    for (name, value) in &headers {
        let lower = name.as_str();
        if ["content-length", "transfer-encoding", "connection", "date"].contains(&lower) {
            continue;
        }
        out.push_str(&format!("{lower}: {}\r\n", value.to_str().unwrap_or("")));
    }
    if let Some(date) = headers.get("date").and_then(|date| date.to_str().ok()) {
        let date = httpdate::parse_http_date(date).ok()?;
        let shift = Duration::from_secs(date_shift_secs.unsigned_abs());
        let moved = if date_shift_secs >= 0 { date + shift } else { date.checked_sub(shift)? };
        out.push_str(&format!("date: {}\r\n", httpdate::fmt_http_date(moved)));
    }
    out.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", bytes.len()));
    connection.write_all(out.as_bytes()).await.ok()?;
    connection.write_all(&bytes).await.ok()?;
    connection.shutdown().await.ok()
}

fn client_of(base_url: &str) -> Client {
    Client::builder().api_key(KEY).base_url(base_url).build().expect("a valid configuration")
}

/// Whether `result` is a task that panicked, with the panic's message.
fn panic_message(result: &Result<impl Sized, tokio::task::JoinError>) -> Option<String> {
    match result {
        Err(error) if error.is_panic() => Some(error.to_string()),
        _ => None,
    }
}

// --- Finding 1: Instant + Duration overflows on a careless caller's "no limit" --------

#[tokio::test(start_paused = true)]
async fn a_wait_with_the_longest_timeout_follows_the_run_instead_of_panicking() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let followed =
        tokio::spawn(async move { handle.run().follow(WaitOptions::timeout(Duration::MAX)).await })
            .await;
    assert_eq!(panic_message(&followed), None, "the wait panicked");
    let report = followed.unwrap().expect("the run is followed");
    assert!(report.succeeded(), "{report:?}");
}

#[tokio::test(start_paused = true)]
async fn a_retry_policy_without_a_time_limit_retries_instead_of_panicking() {
    let studio = studio().await;
    studio.inject(Operation::Get, When::Nth(1), Fault::status(503));
    let client = client(&studio, RetryPolicy::default().with_max_elapsed(Duration::MAX));
    let handle = client.pipeline(ORG, PIPELINE);
    let read = tokio::spawn(async move { handle.get().await }).await;
    assert_eq!(panic_message(&read), None, "the call panicked");
    read.unwrap().expect("the 503 is retried and the second read succeeds");
}

#[tokio::test(start_paused = true)]
async fn a_servers_endless_retry_after_gives_up_instead_of_panicking() {
    let studio = studio().await;
    let endless = u64::MAX.to_string();
    studio.inject(Operation::Get, When::Always, Fault::status(429).retry_after(endless));
    let policy = RetryPolicy::default().with_max_retry_after(Duration::MAX);
    let handle = client(&studio, policy).pipeline(ORG, PIPELINE);
    let read = tokio::spawn(async move { handle.get().await }).await;
    assert_eq!(panic_message(&read), None, "the call panicked");
    let error = read.unwrap().expect_err("the server never stops throttling");
    assert!(matches!(error.kind(), ErrorKind::RateLimited { .. }), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn an_endless_view_lag_grace_still_adopts_the_run_a_lost_answer_started() {
    let studio = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::close_after_action());
    let client = Client::builder()
        .api_key(KEY)
        .base_url(studio.base_url())
        .view_lag_grace(Duration::MAX)
        .build()
        .unwrap();
    let handle = client.pipeline(ORG, PIPELINE);
    let sent = tokio::spawn(async move { handle.run().send().await }).await;
    assert_eq!(panic_message(&sent), None, "the run call panicked");
    sent.unwrap().expect("the run that appeared is adopted");
    assert_eq!(studio.runs_started(ORG.get(), PIPELINE.get()), 1);
}

#[tokio::test(start_paused = true)]
async fn a_diagnosis_without_a_time_limit_explains_instead_of_panicking() {
    let studio = studio().await;
    let handle = pipeline(&studio, FAILING);
    let report = handle.run().follow(WaitOptions::timeout(HOUR)).await.unwrap();
    assert_eq!(report.outcome, Outcome::Failed, "{report:?}");
    let run = report.run;
    let options = DiagnosisOptions::default().deadline(Duration::MAX);
    let diagnosed = tokio::spawn(async move { handle.diagnose(&run, options).await }).await;
    assert_eq!(panic_message(&diagnosed), None, "the diagnosis panicked");
    assert_eq!(diagnosed.unwrap().steps.len(), 1, "the failed step is explained");
}

#[tokio::test(start_paused = true)]
async fn a_schedule_that_never_polls_again_waits_for_the_deadline_instead_of_panicking() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    let options = WaitOptions::timeout(30 * SECOND).schedule(|_, _: &Run| Duration::MAX);
    let followed = tokio::spawn(async move { handle.run().follow(options).await }).await;
    assert_eq!(panic_message(&followed), None, "the wait panicked");
    let report = followed.unwrap().expect("the deadline ends the wait");
    assert!(matches!(report.outcome, Outcome::TimedOut { .. }), "{report:?}");
}

// --- Finding 2: the run call is not cut off at the wait's deadline --------------------

#[tokio::test(start_paused = true)]
async fn a_stalled_run_answer_ends_the_wait_at_its_deadline() {
    let studio = studio().await;
    studio.inject(Operation::Run, When::Nth(1), Fault::delay(HOUR));
    // The client's defaults: a 30 s attempt timeout.
    let client = Client::builder().api_key(KEY).base_url(studio.base_url()).build().unwrap();
    let deadline = 5 * SECOND;
    let started = Instant::now();
    let result = client.pipeline(ORG, PIPELINE).run().follow(WaitOptions::timeout(deadline)).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed <= deadline + Duration::from_millis(100),
        "the wait ended {elapsed:?} after it began, past its {deadline:?} deadline: {result:?}"
    );
}

// --- Finding 3: a server clock far behind makes the run call adopt an old run ----------

#[tokio::test(start_paused = true)]
async fn a_server_clock_far_behind_never_adopts_a_run_started_long_before() {
    let studio = studio().await;
    let theirs = studio.start_run(ORG.get(), PIPELINE.get()).unwrap();
    tokio::time::sleep(2 * 60 * SECOND).await;
    assert!(studio.run_finished_at(theirs).is_some(), "their one-minute run is over");
    // The first run call never reaches the server (nothing starts); every
    // answer's Date is a day behind.
    let proxy = Proxy::start(&studio, |seen, number| match (seen.method.as_str(), number) {
        ("POST", 1) => Act::DropBeforeServer,
        _ => Act::Forward { date_shift_secs: -(DAY.as_secs() as i64) },
    })
    .await;
    let result = client_of(&proxy.base_url).pipeline(ORG, PIPELINE).run().send().await;
    match result {
        Ok(run) => assert_ne!(run.id, theirs, "adopted a run started two minutes before the call"),
        Err(error) => {
            assert!(matches!(error.kind(), ErrorKind::RunOutcomeUnknown { .. }), "{error:?}")
        }
    }
}

// --- Finding 4: a Date seconds ahead of `created` starts a second run or refuses falsely

#[tokio::test(start_paused = true)]
async fn a_server_clock_seconds_ahead_neither_starts_a_second_run_nor_refuses_falsely() {
    let mut problems = Vec::new();
    for accept in [false, true] {
        let spec = PipelineSpec::new(ORG.get(), PIPELINE.get(), "Import")
            .step(StepSpec::new("Fetch").duration(60 * SECOND).files(40));
        let spec = if accept { spec.accept_runs_while_running() } else { spec };
        let studio = FakeStudio::builder().api_key(KEY).pipeline(spec).start().await;
        let proxy = Proxy::start(&studio, |seen, number| match (seen.method.as_str(), number) {
            ("POST", 1) => Act::DropAnswer,
            _ => Act::Forward { date_shift_secs: 2 },
        })
        .await;
        let result = client_of(&proxy.base_url).pipeline(ORG, PIPELINE).run().send().await;
        let runs = studio.runs_started(ORG.get(), PIPELINE.get());
        let settled = match &result {
            Ok(_) => runs == 1,
            Err(error) => matches!(error.kind(), ErrorKind::RunOutcomeUnknown { .. }) && runs == 1,
        };
        if !settled {
            problems.push(format!("accept {accept}: {runs} runs started, {result:?}"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

// --- Finding 5: secrets in Debug and in error messages ---------------------------------

#[tokio::test(start_paused = true)]
async fn a_key_the_server_quotes_never_reaches_debug_output() {
    let studio = studio().await;
    let body = format!(r#"{{"success":false,"error":"the API key {QUOTED_KEY} is not valid"}}"#);
    studio.inject(Operation::Get, When::Always, Fault::status(401).body("application/json", body));
    let error = pipeline(&studio, PIPELINE).get().await.unwrap_err();
    assert!(!error.to_string().contains(QUOTED_KEY), "Display masks it: {error}");
    let debug = format!("{error:?}");
    assert!(!debug.contains(QUOTED_KEY), "Debug shows the key: {debug}");
}

#[tokio::test(start_paused = true)]
async fn a_key_in_an_unreadable_answer_never_reaches_the_error_message() {
    let studio = studio().await;
    let body = format!(r#"{{"success":true,"pipeline":{{"id":"{QUOTED_KEY}"}}}}"#);
    studio.inject(Operation::Get, When::Always, Fault::status(200).body("application/json", body));
    let error = client(&studio, RetryPolicy::none()).pipeline(ORG, PIPELINE).get().await;
    let error = error.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::InvalidResponse { .. }), "{error:?}");
    let message = error.to_string();
    assert!(!message.contains(QUOTED_KEY), "the message shows the key: {message}");
}

// --- Finding 6: masking an unreadable answer takes quadratic time ----------------------

/// An answer that is not the document's, within the 8 MiB limit, made of
/// many empty secret properties: masking each copies the rest of the text.
fn masked_many_times() -> String {
    let unit = r#""projectApiKey":"","#;
    let mut body = String::from("{");
    while body.len() + unit.len() < 7 << 20 {
        body.push_str(unit);
    }
    body
}

#[tokio::test]
async fn an_unreadable_answer_full_of_secret_properties_ends_the_wait_at_its_deadline() {
    let studio = studio().await;
    let handle = pipeline(&studio, PIPELINE);
    handle.run().send().await.unwrap();
    studio.inject(
        Operation::Get,
        When::Always,
        Fault::status(200).body("application/json", masked_many_times()),
    );
    let deadline = 2 * SECOND;
    let started = std::time::Instant::now();
    let result = handle.follow_latest(WaitOptions::timeout(deadline)).await;
    let elapsed = started.elapsed();
    // Generous: five times the deadline, for a slow, shared machine (the
    // masking took 41 s of a debug build on the 2-core review machine).
    assert!(elapsed < 5 * deadline, "a {deadline:?} wait took {elapsed:?}: {result:?}");
}
