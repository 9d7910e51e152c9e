//! Everything printed goes through here: JSON documents with the API's
//! secrets redacted, and text lines with the caller's own key scrubbed.
//! Nothing else in the crate may write to stdout or stderr (the crate denies
//! `print!`, `eprint!` and `std::io::stdout`/`stderr` outside this module).
//!
//! This is also the last defence for the terminal: a character that could
//! drive it (an escape sequence, a carriage return, a bidirectional
//! override) is written escaped on every line, and as a JSON escape in JSON
//! documents, whatever the code that built the text forgot.
//!
//! Write errors (a closed pipe, `ei-pipeline list | head -1`) are ignored:
//! the output is lost either way, and the exit code still tells the result.

#![allow(clippy::disallowed_methods)]

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::sync::RwLock;

use ei_api_ext::untrusted::{for_display_keeping_lines, is_hazardous};
use serde_json::Value;

/// What stands in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not scrubbed from text: replacing every
/// `a` of a one-letter test key would mangle the output and protect nothing.
const MIN_SCRUBBED_LEN: usize = 6;

/// The caller's secrets (the API key), scrubbed from everything printed.
static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Scrubs `secret` from everything printed from now on.
pub fn register_secret(secret: &str) {
    if secret.len() < MIN_SCRUBBED_LEN {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !secrets.iter().any(|known| known == secret) {
        secrets.push(secret.to_owned());
    }
}

/// `text` with every registered secret replaced by [`REDACTED`].
pub fn scrub(text: &str) -> String {
    let secrets = SECRETS.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    secrets.iter().fold(text.to_owned(), |text, secret| text.replace(secret.as_str(), REDACTED))
}

/// Replaces, at any depth, the value of every property named in
/// [`ei_api::SecretString::PROPERTY_NAMES`] (`projectApiKey`,
/// `projectHmacKey`) with [`REDACTED`], and scrubs registered secrets from
/// every string.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (name, property) in object.iter_mut() {
                if ei_api::SecretString::PROPERTY_NAMES.contains(&name.as_str()) {
                    if !property.is_null() {
                        *property = Value::String(REDACTED.to_owned());
                    }
                } else {
                    redact(property);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::String(text) => {
            let scrubbed = scrub(text);
            if scrubbed != *text {
                *text = scrubbed;
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `model` as a JSON value, redacted.
pub fn to_redacted_json<T: serde::Serialize>(model: &T) -> Result<Value, crate::exit::Failure> {
    let mut value = serde_json::to_value(model).map_err(|error| {
        crate::exit::Failure::internal(format!("could not encode the answer as JSON: {error}"))
    })?;
    redact(&mut value);
    Ok(value)
}

/// Prints `document` on stdout as one pretty JSON document, redacted (again:
/// printing is the last chance to catch a secret).
pub fn print_json(document: &Value) {
    let mut document = document.clone();
    redact(&mut document);
    let text = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "null".to_owned());
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", json_escaped(&scrub(&text)));
    let _ = stdout.flush();
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

/// Prints a line of text on stdout.
pub fn line(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", terminal_safe(text));
    let _ = stdout.flush();
}

/// Prints a line of text on stderr.
pub fn error_line(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{}", terminal_safe(text));
    let _ = stderr.flush();
}

/// `text` scrubbed of secrets and with its hazardous characters escaped
/// (its own line breaks kept).
pub(crate) fn terminal_safe(text: &str) -> String {
    for_display_keeping_lines(&scrub(text), usize::MAX).into_owned()
}

/// Whether stderr is a terminal a person is watching.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_properties_are_redacted_at_any_depth() {
        let mut value = json!({
            "pipeline": {
                "steps": [
                    {"name": "a", "projectApiKey": "ei_abc", "projectHmacKey": "hmac"},
                    {"name": "b", "projectApiKey": null}
                ],
                "currentRun": {"steps": [{"projectHmacKey": "hmac2"}]}
            }
        });
        redact(&mut value);
        let text = value.to_string();
        assert!(!text.contains("ei_abc") && !text.contains("\"hmac"), "{text}");
        assert_eq!(value["pipeline"]["steps"][0]["name"], "a");
        assert_eq!(value["pipeline"]["steps"][0]["projectApiKey"], REDACTED);
        assert_eq!(value["pipeline"]["steps"][1]["projectApiKey"], Value::Null);
        assert_eq!(value["pipeline"]["currentRun"]["steps"][0]["projectHmacKey"], REDACTED);
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
    fn lines_keep_their_breaks_and_lose_their_hazards() {
        assert_eq!(terminal_safe("a\n\u{1b}]0;x\u{7}b"), "a\n\\u{1b}]0;x\\u{7}b");
    }

    #[test]
    fn registered_secrets_are_scrubbed_from_text_and_json() {
        register_secret("ei_unit_test_secret_key");
        register_secret("k");
        assert_eq!(scrub("key ei_unit_test_secret_key!"), "key <redacted>!");
        assert_eq!(scrub("keep k"), "keep k");
        let mut value = json!({"error": "bad key ei_unit_test_secret_key"});
        redact(&mut value);
        assert_eq!(value["error"], "bad key <redacted>");
    }
}
