//! Everything printed goes through here, with the caller's secrets and the
//! API's masked ([`ei_api_ext::redact`]): JSON documents on stdout, text
//! lines on stdout and stderr, diagnostic log lines on stderr. Nothing else
//! in the crate may write to stdout or stderr (the crate denies `print!`,
//! `eprint!` and `std::io::stdout`/`stderr` outside this module).
//!
//! An [`Output`] is made once, from the command line, and handed to what
//! prints: the secrets it masks are a value, not global state.
//!
//! This is also the last defence for the terminal: a character that could
//! drive it (an escape sequence, a carriage return, a bidirectional
//! override) is written escaped on every line, and as a JSON escape in JSON
//! documents, whatever the code that built the text forgot.
//!
//! Diagnostic log lines (`--verbose`, `RUST_LOG`) come here too, through
//! [`LogWriter`]: on stderr, never stdout, one event per line, masked,
//! escaped and bounded like everything else. With `--log-format json` on,
//! every line on stderr is a JSON object (progress, notes and errors too), so
//! that a collector of structured logs reads all of it.
//!
//! With `--quiet`, notes (progress, what is being done) are left out;
//! errors and results are not. With colour on for a stream
//! ([`crate::paint`]), the states and failures of its text lines are
//! painted after masking and escaping; JSON never is.
//!
//! Write errors (a closed pipe, `ei-pipeline list | head -1`) are ignored:
//! the output is lost either way, and the exit code still tells the result.

#![allow(clippy::disallowed_methods)]

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use ei_api_ext::models::OrganizationPipelineRun;
use ei_api_ext::redact::Redactor;
use ei_api_ext::untrusted::{for_display, for_display_keeping_lines, is_hazardous};
use serde_json::{json, Value};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::MakeWriter;

use crate::paint::{self, ColorWhen};
use crate::text;

/// Where everything is printed, and which secrets are masked. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Output {
    redactor: Arc<Redactor>,
    /// How diagnostic log lines are written on stderr, when they are.
    log: Option<LogLines>,
    clock: SinceStart,
    /// `--quiet`: notes are left out.
    quiet: bool,
    /// Which streams' text lines are painted.
    colors: Colors,
}

impl Output {
    /// Output that masks what `redactor` masks.
    pub fn new(redactor: Redactor) -> Self {
        Self {
            redactor: Arc::new(redactor),
            log: None,
            clock: SinceStart(Instant::now()),
            quiet: false,
            colors: Colors::default(),
        }
    }

    /// This output, leaving notes out when `quiet` (`--quiet`).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Whether notes are left out (`--quiet`): only errors and results are
    /// shown, and nothing is drawn live.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// This output, painting the text lines of the streams `colors` names.
    pub fn colored(mut self, colors: Colors) -> Self {
        self.colors = colors;
        self
    }

    /// This output, knowing that diagnostic log lines written as `lines`
    /// share stderr (so nothing may redraw it, and with JSON lines every
    /// other line on stderr is JSON too).
    pub fn with_log(mut self, lines: LogLines) -> Self {
        self.log = Some(lines);
        self
    }

    /// The clock every line on stderr is timed by.
    pub fn clock(&self) -> SinceStart {
        self.clock
    }

    /// This output, masking the project keys `run`'s steps carry too (which
    /// a transformation's log may echo).
    pub fn with_project_keys(&self, run: &OrganizationPipelineRun) -> Self {
        let redactor = (*self.redactor).clone().with_project_keys(run);
        Self { redactor: Arc::new(redactor), ..self.clone() }
    }

    /// What this output masks.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// How diagnostic log lines are written on stderr, when they are (so
    /// nothing may redraw it).
    pub fn log_lines(&self) -> Option<LogLines> {
        self.log
    }

    /// Prints `document` on stdout as one pretty JSON document, with every
    /// secret masked and every hazardous character a JSON escape; an error
    /// (printing nothing) when it cannot be encoded, which is a bug.
    pub fn print_json(&self, document: &impl serde::Serialize) -> Result<(), serde_json::Error> {
        let mut document = serde_json::to_value(document)?;
        self.redactor.json(&mut document);
        let text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "null".to_owned());
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", json_escaped(&text));
        let _ = stdout.flush();
        Ok(())
    }

    /// Prints a line of text on stdout.
    pub fn line(&self, text: &str) {
        let line = self.terminal_safe(text);
        let line = if self.colors.stdout { paint::states(&line) } else { Cow::Borrowed(&*line) };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }

    /// Prints `text` on stdout as it is: text this program generated from
    /// its own definitions (a completion script, the man page), which holds
    /// no server text and no secret, and whose tabs and escapes are its own.
    pub fn print_generated(&self, text: &[u8]) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text);
        let _ = stdout.flush();
    }

    /// Prints an error on stderr.
    pub fn error_line(&self, text: &str) {
        self.stderr_line("ERROR", text);
    }

    /// Prints a note (progress, what is being done) on stderr, unless
    /// `--quiet`.
    pub fn note_line(&self, text: &str) {
        if !self.quiet {
            self.stderr_line("INFO", text);
        }
    }

    /// Prints on stderr how a wait ended when stdout has nothing to say it
    /// (Ctrl-C): shown even with `--quiet`.
    pub fn end_line(&self, text: &str) {
        self.stderr_line("INFO", text);
    }

    /// Prints a GitHub Actions workflow command (`::error ...`) on stderr,
    /// where the runner reads them as it does on stdout (which `--json`
    /// keeps for its one document), escaped as every line is; `false`, and
    /// nothing printed, when every line on stderr is a JSON object.
    pub fn workflow_command(&self, command: &str) -> bool {
        if self.log == Some(LogLines::Json) {
            return false;
        }
        // Ours is the one line that may start with `::`.
        let line = match command.strip_prefix("::") {
            Some(body) => format!("::{}", self.terminal_safe(body)),
            None => self.terminal_safe(command),
        };
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{line}");
        let _ = stderr.flush();
        true
    }

    /// Prints [`Self::stderr_text`] on stderr.
    fn stderr_line(&self, level: &str, text: &str) {
        let line = self.stderr_text(level, text);
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{line}");
        let _ = stderr.flush();
    }

    /// `text` as a line on stderr: as it reads, or with JSON log lines on,
    /// one JSON object shaped like theirs, at `level`.
    fn stderr_text(&self, level: &str, text: &str) -> String {
        match self.log {
            Some(LogLines::Json) => {
                let message = json_message(&self.redactor.text(text));
                json_line(&json!({
                    "timestamp": self.clock.words(),
                    "level": level,
                    "fields": { "message": message },
                    "target": env!("CARGO_CRATE_NAME"),
                }))
            }
            Some(LogLines::Text) | None => self.painted_for_stderr(&self.terminal_safe(text)),
        }
    }

    /// `line` (masked and escaped already) painted when stderr has colour.
    pub fn painted_for_stderr(&self, line: &str) -> String {
        if self.colors.stderr {
            paint::states(line).into_owned()
        } else {
            line.to_owned()
        }
    }

    /// `text` with its secrets masked and its hazardous characters escaped
    /// (its own line breaks kept).
    pub fn terminal_safe(&self, text: &str) -> String {
        let shown = for_display_keeping_lines(&self.redactor.text(text), usize::MAX).into_owned();
        text::without_workflow_commands(&shown).into_owned()
    }

    /// Where the tracing subscriber writes `lines`.
    pub fn log_writer(&self, lines: LogLines) -> LogWriter {
        LogWriter { lines, redactor: Arc::clone(&self.redactor) }
    }
}

/// Which streams get colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Colors {
    /// stdout: outcomes, `status`, `list`.
    pub stdout: bool,
    /// stderr: progress lines and errors (never JSON log lines).
    pub stderr: bool,
}

impl Colors {
    /// The streams `when` colours, each decided on its own: a terminal on
    /// stderr and a pipe on stdout colour only stderr.
    pub fn choose(when: ColorWhen) -> Self {
        let colors = match when {
            ColorWhen::Always => Self { stdout: true, stderr: true },
            ColorWhen::Never => return Self::default(),
            ColorWhen::Auto => {
                Self { stdout: auto(&std::io::stdout()), stderr: auto(&std::io::stderr()) }
            }
        };
        if colors == Self::default() {
            return colors;
        }
        // A Windows console shows SGR sequences only once asked to (a no-op
        // elsewhere); with `auto`, one that refuses gets no colour.
        let refused = anstyle_query::windows::enable_ansi_colors() == Some(false);
        if refused && when == ColorWhen::Auto {
            return Self::default();
        }
        colors
    }
}

/// Whether `stream` gets colour with `--color auto`: anstream's reading of
/// `NO_COLOR`, `CLICOLOR_FORCE`, `CLICOLOR`, `TERM` and whether it is a
/// terminal (the conventions of no-color.org and bixense.com/clicolors).
fn auto<S: anstream::stream::RawStream + IsTerminal>(stream: &S) -> bool {
    // The global choice is never set here, so this is `Auto` resolved.
    anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never
}

/// The time since the command started, as every timed line on stderr shows
/// it (`1.167069560s`): the diagnostic log's timer, and the JSON lines'.
#[derive(Clone, Copy, Debug)]
pub struct SinceStart(Instant);

impl SinceStart {
    fn words(self) -> String {
        let elapsed = self.0.elapsed();
        format!("{}.{:09}s", elapsed.as_secs(), elapsed.subsec_nanos())
    }
}

impl FormatTime for SinceStart {
    fn format_time(&self, writer: &mut Writer<'_>) -> std::fmt::Result {
        writer.write_str(&self.words())
    }
}

/// Writes `contents` to the file at `path` whole or not at all: into a new
/// temporary file beside it, then renamed over it, so that a reader (a CI
/// system collecting a report) never sees half of it.
pub fn write_file_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(directory)?;
    file.write_all(contents.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(path).map(drop).map_err(|error| error.error)
}

/// Appends `contents` to the file at `path`, created if missing (as GitHub
/// Actions' job summary file is written: each step of a job adds to it).
pub fn append_to_file(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().append(true).create(true).open(path)?;
    file.write_all(contents.as_bytes())?;
    file.flush()
}

/// Whether stderr is a terminal a person is watching.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// JSON text with every hazardous character that serde_json writes as is
/// (DEL, C1 controls, bidirectional overrides, separators) written
/// as a `\uXXXX` escape instead: the same document, safe on a terminal.
/// Such characters can only stand inside strings, where the escape means
/// the same character.
fn json_escaped(json: &str) -> Cow<'_, str> {
    // serde_json escapes C0 controls inside strings, so a raw line break is
    // one of pretty printing's own; it leaves DEL, C1 and the rest as they are.
    let needs_escape = |c: char| is_hazardous(c) && c != '\n';
    if !json.chars().any(needs_escape) {
        return Cow::Borrowed(json);
    }
    let mut escaped = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) {
            // Every hazardous character is in the Basic Multilingual Plane.
            let _ = write!(escaped, "\\u{:04x}", u32::from(c));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// The longest diagnostic log line written, in characters: a retry with its
/// error and the spans around it takes a few hundred, and a CI log viewer
/// still shows this many on one screen.
pub const LOG_LINE_MAX_CHARS: usize = 2_000;

/// Room kept at the end of a cut text line for the note saying how much was
/// cut: `… (N more characters)` is at most 40 characters, N being at most
/// the 20 digits of `usize::MAX`.
const CUT_NOTE_CHARS: usize = 40;

/// The most characters the message of the command's own JSON lines on
/// stderr takes once JSON-escaped, cut to fit rather than left out: the
/// cut's note adds at most [`CUT_NOTE_CHARS`], and the rest of the object
/// takes under 100, so the line stays within [`LOG_LINE_MAX_CHARS`].
const JSON_MESSAGE_MAX_CHARS: usize = LOG_LINE_MAX_CHARS - 100 - CUT_NOTE_CHARS;

/// `text` as the message of a JSON line: its characters as they are (a line
/// break stays a line break, which JSON writes `\n`; a hazardous character
/// becomes a JSON escape when the line is written), cut where its escaped
/// form would pass [`JSON_MESSAGE_MAX_CHARS`].
fn json_message(text: &str) -> String {
    let escaped_len = |c: char| match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if is_hazardous(c) => 6,
        _ => 1,
    };
    let mut length = 0;
    for (at, c) in text.char_indices() {
        length += escaped_len(c);
        if length > JSON_MESSAGE_MAX_CHARS {
            let left_out = text[at..].chars().count();
            let plural = if left_out == 1 { "" } else { "s" };
            return format!("{}… ({left_out} more character{plural})", &text[..at]);
        }
    }
    text.to_owned()
}

/// How long a string property of a JSON log line (its `timestamp`, `level`
/// and `target`) may be to be kept when the line itself is too long: ours
/// are under 50 characters.
const KEPT_PROPERTY_MAX_CHARS: usize = 100;

/// The properties of a JSON log line kept when the line is too long.
const KEPT_WHEN_TOO_LONG: [&str; 3] = ["timestamp", "level", "target"];

/// How a [`LogWriter`] writes each event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLines {
    /// Text: hazardous characters escaped as `\u{1b}`, a line that is too
    /// long cut with a note.
    Text,
    /// One JSON object per line: hazardous characters as JSON escapes, a line
    /// that is too long replaced by a short object saying so.
    Json,
}

/// Where the tracing subscriber writes ([`Output::log_writer`]): stderr,
/// one line per event, with its secrets masked, hazardous characters
/// escaped and each line at most [`LOG_LINE_MAX_CHARS`] long.
#[derive(Debug)]
pub struct LogWriter {
    lines: LogLines,
    redactor: Arc<Redactor>,
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LogEvent;

    fn make_writer(&'a self) -> LogEvent {
        LogEvent { lines: self.lines, redactor: Arc::clone(&self.redactor), formatted: Vec::new() }
    }
}

/// One event as the subscriber formats it, held until it is complete and
/// written as one safe line when dropped.
#[derive(Debug)]
pub struct LogEvent {
    lines: LogLines,
    redactor: Arc<Redactor>,
    formatted: Vec<u8>,
}

impl Write for LogEvent {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.formatted.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogEvent {
    fn drop(&mut self) {
        if self.formatted.is_empty() {
            return;
        }
        let event = String::from_utf8_lossy(&self.formatted);
        let line = log_line(self.lines, &self.redactor, &event);
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{line}");
        let _ = stderr.flush();
    }
}

/// The safe line for one formatted `event` (its final line break dropped;
/// any other is escaped, so that an event is always one line).
fn log_line(lines: LogLines, redactor: &Redactor, event: &str) -> String {
    let event = event.strip_suffix('\n').unwrap_or(event);
    match lines {
        LogLines::Text => {
            let masked = redactor.text(event);
            let shown = for_display(&masked, LOG_LINE_MAX_CHARS - CUT_NOTE_CHARS);
            text::without_workflow_commands(&shown).into_owned()
        }
        LogLines::Json => json_log_line(redactor, event),
    }
}

/// A JSON log line, redacted and escaped, or a short object saying it was
/// left out: never invalid JSON.
fn json_log_line(redactor: &Redactor, event: &str) -> String {
    let Ok(mut value) = serde_json::from_str::<Value>(event) else {
        return left_out(&Value::Null, "a log line that was not JSON was left out".to_owned());
    };
    redactor.json(&mut value);
    json_line(&value)
}

/// `value` (its secrets masked already) as one JSON line, escaped, or a
/// short object saying it was left out when it is too long.
fn json_line(value: &Value) -> String {
    let line = json_escaped(&value.to_string()).into_owned();
    let chars = line.chars().count();
    if chars <= LOG_LINE_MAX_CHARS {
        return line;
    }
    left_out(
        value,
        format!("a log line of {chars} characters was left out: the limit is {LOG_LINE_MAX_CHARS}"),
    )
}

/// A short JSON log line carrying `message`, with the `timestamp`, `level`
/// and `target` of `event` when it has short ones.
fn left_out(event: &Value, message: String) -> String {
    let mut line = serde_json::Map::new();
    for name in KEPT_WHEN_TOO_LONG {
        if let Some(Value::String(text)) = event.get(name) {
            if text.chars().count() <= KEPT_PROPERTY_MAX_CHARS {
                line.insert(name.to_owned(), json!(for_display(text, KEPT_PROPERTY_MAX_CHARS)));
            }
        }
    }
    line.insert("fields".to_owned(), json!({ "message": message }));
    Value::Object(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ei_api_ext::redact::MASK;
    use serde_json::json;

    fn redactor(secret: &str) -> Redactor {
        Redactor::new().with_secret(secret)
    }

    #[test]
    fn json_stays_the_same_document_with_hazards_escaped() {
        let value = json!({"name": "\u{1b}[2J\u{9b}31m\u{7f}\u{202e}abc\u{2028}\r"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let escaped = json_escaped(&text);
        assert!(!escaped.chars().any(|c| is_hazardous(c) && c != '\n'), "{escaped}");
        assert_eq!(serde_json::from_str::<Value>(&escaped).unwrap(), value);
    }

    #[test]
    fn lines_keep_their_breaks_and_lose_their_hazards_and_secrets() {
        let output = Output::new(redactor("caller-secret"));
        assert_eq!(output.terminal_safe("a\n\u{1b}]0;x\u{7}b"), "a\n\\u{1b}]0;x\\u{7}b");
        assert_eq!(output.terminal_safe("key caller-secret"), "key <redacted>");
        let mut run = crate::fixtures::seed_run();
        run["steps"][0]["projectApiKey"] = json!("project-key-9");
        let more = output.with_project_keys(&serde_json::from_value(run).expect("a run"));
        assert_eq!(more.terminal_safe("project-key-9 caller-secret"), "<redacted> <redacted>");
    }

    #[test]
    fn the_commands_own_json_lines_are_cut_to_fit_never_left_out() {
        let output = Output::new(redactor("caller-secret")).with_log(LogLines::Json);
        for text in [
            "\\".repeat(5_000),
            "\"".repeat(5_000),
            "\u{1b}".repeat(5_000),
            format!("{}caller-secret", "é".repeat(3_000)),
        ] {
            let line = output.stderr_text("ERROR", &text);
            assert!(line.chars().count() <= LOG_LINE_MAX_CHARS, "{} characters", line.len());
            let event: Value = serde_json::from_str(&line).expect("one JSON object");
            let message = event["fields"]["message"].as_str().expect("the message");
            assert!(message.contains("more characters)"), "cut, not left out: {message:.80}");
            assert_eq!(
                (&event["level"], &event["target"]),
                (&json!("ERROR"), &json!("ei_pipeline"))
            );
        }
        let line = output.stderr_text("INFO", "key caller-secret\u{1b}[2J");
        assert!(line.contains("key <redacted>") && !line.contains('\u{1b}'), "{line}");
        // A line break is a JSON escape, which a log collector shows as a break.
        let line = output.stderr_text("ERROR", "error: no such pipeline\n  hint: check it");
        assert!(!line.contains("\\u{"), "{line}");
        let event: Value = serde_json::from_str(&line).expect("one JSON object");
        assert_eq!(event["fields"]["message"], "error: no such pipeline\n  hint: check it");
    }

    #[test]
    fn a_text_log_line_is_one_line_scrubbed_escaped_and_bounded() {
        let redactor = redactor("ei_unit_test_log_secret_key");
        let event = "DEBUG x: failed error=key ei_unit_test_log_secret_key\n\u{1b}[2J\r\u{202e}\n";
        let line = log_line(LogLines::Text, &redactor, event);
        assert_eq!(line, "DEBUG x: failed error=key <redacted>\\u{a}\\u{1b}[2J\\u{d}\\u{202e}");

        let long = format!("INFO x: {}\n", "é".repeat(100_000));
        let line = log_line(LogLines::Text, &redactor, &long);
        assert!(line.chars().count() <= LOG_LINE_MAX_CHARS, "{} chars", line.chars().count());
        assert!(line.ends_with(" more characters)"), "the cut is noted");
    }

    #[test]
    fn a_json_log_line_stays_valid_json_scrubbed_and_escaped() {
        let redactor = redactor("unit_test_json_log_secret");
        let event = json!({
            "level": "INFO",
            "fields": {
                "message": "retrying",
                "error": "bad key unit_test_json_log_secret \u{1b}]0;x\u{7} \u{9b}\u{202e}\n",
                "projectApiKey": "ei_project_key",
            },
        });
        let line = log_line(LogLines::Json, &redactor, &format!("{event}\n"));
        assert!(!line.contains('\n') && !line.chars().any(is_hazardous), "{line:?}");
        let parsed: Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(
            parsed["fields"]["error"],
            "bad key <redacted> \u{1b}]0;x\u{7} \u{9b}\u{202e}\n"
        );
        assert_eq!(parsed["fields"]["projectApiKey"], MASK);
    }

    #[test]
    fn an_over_long_json_log_line_becomes_a_short_object_saying_so() {
        let event = json!({
            "timestamp": "   1.5s",
            "level": "DEBUG",
            "target": "ei_api_ext::attempt",
            "fields": {"message": "attempt failed", "error": "\u{7}".repeat(100_000)},
        });
        let redactor = Redactor::new();
        let line = log_line(LogLines::Json, &redactor, &format!("{event}\n"));
        assert!(line.chars().count() <= LOG_LINE_MAX_CHARS, "{} chars", line.chars().count());
        let parsed: Value = serde_json::from_str(&line).expect("valid JSON");
        assert_eq!(parsed["level"], "DEBUG");
        assert_eq!(parsed["timestamp"], "   1.5s");
        assert_eq!(parsed["target"], "ei_api_ext::attempt");
        let message = parsed["fields"]["message"].as_str().expect("a message");
        assert!(message.starts_with("a log line of 600"), "{message}");
        assert!(message.ends_with("was left out: the limit is 2000"), "{message}");

        let broken = log_line(LogLines::Json, &redactor, "{\"level\": \"INFO\", \"fields\": \n");
        let parsed: Value = serde_json::from_str(&broken).expect("valid JSON");
        assert_eq!(parsed["fields"]["message"], "a log line that was not JSON was left out");
    }
}
