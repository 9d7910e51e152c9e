//! Masking secrets, in text and in JSON: the values of the API's secret
//! properties (`projectApiKey`, `projectHmacKey`), anything shaped like an
//! Edge Impulse API key (`ei_` and 32 or more hex digits), and the secrets a
//! caller names (its own key, a run's project keys). The
//! one redaction of this crate and of `ei-pipeline`; a [`Redactor`] holds
//! the caller's secrets, so there is no global state.
//!
//! Text cut for display ([`crate::untrusted::for_display`]) may end in the
//! start of a secret; the start of a named secret (four or more characters)
//! or of a key-shaped word, just before the cut, is masked too.
//!
//! ```
//! use ei_api_ext::redact::Redactor;
//!
//! let redactor = Redactor::new().with_secret("my-own-jwt-token");
//! let shown = redactor.text(
//!     r#"{"projectApiKey": "abc"} ei_0123456789abcdef0123456789abcdef and my-own-jwt-token"#,
//! );
//! assert_eq!(shown, r#"{"projectApiKey": "<redacted>"} <redacted> and <redacted>"#);
//! ```

use std::borrow::Cow;
use std::fmt;

use ei_api::types::OrganizationPipelineRun;
use serde_json::Value;

use crate::untrusted::CUT_MARK;

/// What stands in place of a secret.
pub const MASK: &str = "<redacted>";

/// Named secrets shorter than this are not masked: replacing every `a` of
/// a one-letter test key would mangle the text and protect nothing.
const MIN_SECRET_LEN: usize = 6;

/// How much of a body an error message quotes: enough to recognise an HTML
/// error page or a truncated document, not enough to flood a log.
const EXCERPT_CHARS: usize = 120;

/// The start of every Edge Impulse API key.
const KEY_PREFIX: &str = "ei_";
/// The fewest hex digits after the prefix in a word taken for a key (Studio's
/// keys have 64): other `ei_` words (`ei_api_ext`, `ei_0123`) are names.
const MIN_KEY_DIGITS: usize = 32;

/// The shortest start of a named secret masked just before a cut: shorter
/// ones tell nothing (every JWT starts `eyJ`), and would mask ordinary words.
const MIN_PARTIAL_LEN: usize = 4;

/// Masks secrets in text and JSON; see the [module documentation](self).
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor").field("secrets", &self.secrets.len()).finish()
    }
}

impl Redactor {
    /// A redactor of the API's secrets, with no secret of the caller's.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also masks `secret` wherever it appears (unless it is shorter than
    /// six characters).
    pub fn with_secret(mut self, secret: impl Into<String>) -> Self {
        let secret = secret.into();
        if secret.len() >= MIN_SECRET_LEN && !self.secrets.contains(&secret) {
            self.secrets.push(secret);
        }
        self
    }

    /// Also masks the project keys `run`'s steps carry, which a step's name
    /// or a transformation's log may echo.
    pub fn with_project_keys(self, run: &OrganizationPipelineRun) -> Self {
        let keys =
            run.steps.iter().flat_map(|step| [&step.project_api_key, &step.project_hmac_key]);
        keys.flatten().fold(self, |redactor, key| redactor.with_secret(key.expose()))
    }

    /// `text` with every secret masked: the caller's, the string value after
    /// each secret property's name, and every word shaped like an API key,
    /// whole or (just before a cut) in part. Borrowed when there was none.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut shown = Cow::Borrowed(text);
        for secret in &self.secrets {
            if shown.contains(secret.as_str()) {
                shown = Cow::Owned(shown.replace(secret.as_str(), MASK));
            }
        }
        if shown.contains(CUT_MARK) {
            if let Some(masked) = self.mask_cut_secrets(&shown) {
                shown = Cow::Owned(masked);
            }
        }
        if ei_api::SecretString::PROPERTY_NAMES.iter().any(|name| shown.contains(name)) {
            shown = Cow::Owned(mask_secret_properties(&shown));
        }
        if shown.contains(KEY_PREFIX) {
            if let Cow::Owned(masked) = mask_api_keys(&shown) {
                shown = Cow::Owned(masked);
            }
        }
        shown
    }

    /// `text` with the start of a secret masked wherever it stands just
    /// before a cut; `None` when there is none.
    fn mask_cut_secrets(&self, text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut masked = false;
        while let Some(at) = rest.find(CUT_MARK) {
            let before = &rest[..at];
            let partial = self.partial_secret_len(before);
            out.push_str(&before[..before.len() - partial]);
            if partial > 0 {
                out.push_str(MASK);
                masked = true;
            }
            out.push_str(CUT_MARK);
            rest = &rest[at + CUT_MARK.len()..];
        }
        out.push_str(rest);
        masked.then_some(out)
    }

    /// How many bytes at the end of `before` are the start of a named secret
    /// (at least [`MIN_PARTIAL_LEN`]) or a key-shaped word (`ei_` and hex
    /// digits); 0 when none is.
    fn partial_secret_len(&self, before: &str) -> usize {
        let named = self.secrets.iter().filter_map(|secret| {
            (MIN_PARTIAL_LEN..secret.len())
                .rev()
                .find(|&len| secret.is_char_boundary(len) && before.ends_with(&secret[..len]))
        });
        let word_start = before
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(0, |(at, c)| at + c.len_utf8());
        let word = &before[word_start..];
        let key_shaped = word.strip_prefix(KEY_PREFIX).is_some_and(|digits| {
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit())
        });
        named.chain(key_shaped.then_some(word.len())).max().unwrap_or(0)
    }

    /// Masks, at any depth of `value`, the value of every secret property
    /// (a `null` stays `null`) and every secret in a string.
    pub fn json(&self, value: &mut Value) {
        match value {
            Value::Object(object) => {
                for (name, property) in object.iter_mut() {
                    if ei_api::SecretString::PROPERTY_NAMES.contains(&name.as_str()) {
                        if !property.is_null() {
                            *property = Value::String(MASK.to_owned());
                        }
                    } else {
                        self.json(property);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.json(item)),
            Value::String(text) => {
                if let Cow::Owned(masked) = self.text(text) {
                    *text = masked;
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// How much of a body is read to make an excerpt: room for the excerpt and
/// for a secret property's value that starts inside it, while a huge body
/// costs nothing more.
const EXCERPT_SOURCE_BYTES: usize = 4 * 1024;

/// The start of `body` as text, with its secrets masked, for an error message.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let source = &body[..body.len().min(EXCERPT_SOURCE_BYTES)];
    let text = String::from_utf8_lossy(source);
    let masked = Redactor::new().text(&text).into_owned();
    let mut excerpt: String = masked.chars().take(EXCERPT_CHARS).collect();
    if masked.chars().nth(EXCERPT_CHARS).is_some() || source.len() < body.len() {
        excerpt.push('…');
    }
    excerpt
}

/// Masks the string value after each `"projectApiKey"` / `"projectHmacKey"`,
/// in one pass over the text (a hostile answer may hold millions of them).
fn mask_secret_properties(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(quote) = rest.find('"') {
        out.push_str(&rest[..quote]);
        rest = &rest[quote..];
        let value = ei_api::SecretString::PROPERTY_NAMES.iter().find_map(|name| {
            let after_name = rest.strip_prefix('"')?.strip_prefix(name)?.strip_prefix('"')?;
            let after_colon = after_name.trim_start().strip_prefix(':')?.trim_start();
            let value = after_colon.strip_prefix('"')?;
            Some((rest.len() - value.len(), value))
        });
        match value {
            Some((value_start, value)) => {
                out.push_str(&rest[..value_start]);
                out.push_str(MASK);
                // The value runs to the next quote (or the end, if cut off).
                rest = value.find('"').map_or("", |close| &value[close..]);
                if let Some(close) = rest.strip_prefix('"') {
                    out.push('"');
                    rest = close;
                }
            }
            None => {
                out.push('"');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Masks words shaped like an API key: `ei_` and at least 32 hex digits.
fn mask_api_keys(text: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut masked = false;
    while let Some(start) = rest.find(KEY_PREFIX) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        let digits = &word[KEY_PREFIX.len()..];
        if digits.len() >= MIN_KEY_DIGITS && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.push_str(MASK);
            masked = true;
        } else {
            out.push_str(word);
        }
        rest = &rest[start + word_len..];
    }
    if !masked {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secret_properties_and_keys() {
        let body =
            br#"{"projectApiKey": "abc", "projectHmacKey":"def", "note": "ei_0123456789abcdef0123456789abcdef"}"#;
        let shown = excerpt(body);
        assert!(!shown.contains("abc") && !shown.contains("def"), "{shown}");
        assert!(!shown.contains("0123456789abcdef0"), "{shown}");
        assert!(shown.contains("note"));
    }

    #[test]
    fn the_start_of_a_secret_just_before_a_cut_is_masked() {
        use crate::untrusted::for_display;
        let jwt = "eyJhbGciOiJIUzI1NiJ9.e30.a_signature_of_the_token";
        let redactor = Redactor::new().with_secret(jwt);
        let cut = for_display(&format!("{} {jwt} tail", "p".repeat(40)), 70).into_owned();
        let shown = redactor.text(&cut);
        assert!(!shown.contains("eyJhbGciOiJIUzI1NiJ9"), "{shown}");
        assert!(shown.contains("<redacted>… ("), "{shown}");
        let key = format!("ei_{}", "0a".repeat(32));
        let cut = for_display(&format!("step {key}"), 30).into_owned();
        let shown = Redactor::new().text(&cut);
        assert!(shown.starts_with("step <redacted>… ("), "{shown}");
        // Ordinary words before a cut, and a secret's start elsewhere, stay.
        let cut = for_display(&format!("{} eyJhbGci plain words", "p".repeat(40)), 50).into_owned();
        assert_eq!(redactor.text(&cut), cut);
        assert_eq!(
            redactor.text("eyJhbGci… (3 more characters)"),
            "<redacted>… (3 more characters)"
        );
        assert_eq!(redactor.text("eyJ… (3 more characters)"), "eyJ… (3 more characters)");
    }

    #[test]
    fn a_runs_project_keys_are_masked() {
        let run: OrganizationPipelineRun = serde_json::from_value(json!({
            "id": 1, "created": "2024-06-03T08:00:00Z",
            "steps": [{"name": "Import", "projectApiKey": "project_key_0001", "projectHmacKey": "hmac_key_0001"}]
        }))
        .expect("a run");
        let redactor = Redactor::new().with_project_keys(&run);
        assert_eq!(
            redactor.text("project_key_0001 and hmac_key_0001"),
            "<redacted> and <redacted>"
        );
    }

    #[test]
    fn a_body_full_of_secret_properties_is_masked_in_one_pass() {
        // Quadratic masking took minutes on this (one pass now; the SDK's
        // test `an_unreadable_answer_full_of_secret_properties_ends_the_wait_at_its_deadline`
        // bounds the time of a 7 MiB answer's).
        let body = r#""projectApiKey":"","#.repeat(400_000);
        let masked = Redactor::new().text(&body);
        assert_eq!(masked.matches(MASK).count(), 400_000);
        assert!(mask_secret_properties(r#"{"projectApiKey" : "k", "x": "projectApiKey"}"#)
            .contains(r#""projectApiKey" : "<redacted>", "x": "projectApiKey""#));
        assert_eq!(
            mask_secret_properties(r#"{"projectHmacKey":"cut"#),
            r#"{"projectHmacKey":"<redacted>"#
        );
    }

    #[test]
    fn only_words_shaped_like_a_key_are_masked() {
        let key = format!("ei_{}", "a1".repeat(16));
        assert_eq!(mask_api_keys(&format!("key={key}.")), "key=<redacted>.");
        // One digit short, or not all hex: a name, kept.
        for name in [&key[..key.len() - 1], "ei_pipeline_demo_of_the_default_step_names"] {
            assert!(matches!(mask_api_keys(name), Cow::Borrowed(_)), "{name}");
        }
    }

    #[test]
    fn an_excerpt_is_short() {
        let body = "<html>".repeat(100);
        let shown = excerpt(body.as_bytes());
        assert_eq!(shown.chars().count(), EXCERPT_CHARS + 1);
    }

    #[test]
    fn named_secrets_and_short_names_are_told_apart() {
        let redactor = Redactor::new().with_secret("caller-secret").with_secret("k");
        assert_eq!(redactor.text("use caller-secret, keep k"), "use <redacted>, keep k");
        assert!(matches!(redactor.text("ei_api_ext is a name"), Cow::Borrowed(_)));
        assert!(!format!("{redactor:?}").contains("caller-secret"));
    }

    #[test]
    fn json_is_redacted_at_any_depth() {
        let redactor = Redactor::new().with_secret("caller-secret");
        let mut value = json!({
            "pipeline": {
                "steps": [
                    {"name": "a", "projectApiKey": "ei_abc", "projectHmacKey": "hmac"},
                    {"name": "b", "projectApiKey": null}
                ],
                "currentRun": {"steps": [{"projectHmacKey": "hmac2"}]}
            },
            "error": "bad key caller-secret",
            "log": ["echo ei_0123456789abcdef0123456789abcdef"]
        });
        redactor.json(&mut value);
        let text = value.to_string();
        assert!(!text.contains("ei_abc") && !text.contains("\"hmac"), "{text}");
        assert_eq!(value["pipeline"]["steps"][0]["name"], "a");
        assert_eq!(value["pipeline"]["steps"][0]["projectApiKey"], MASK);
        assert_eq!(value["pipeline"]["steps"][1]["projectApiKey"], Value::Null);
        assert_eq!(value["pipeline"]["currentRun"]["steps"][0]["projectHmacKey"], MASK);
        assert_eq!(value["error"], "bad key <redacted>");
        assert_eq!(value["log"][0], "echo <redacted>");
    }
}
