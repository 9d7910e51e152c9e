//! Body excerpts for error messages, short and with secrets masked.

/// How much of a body an error message quotes: enough to recognise an HTML
/// error page or a truncated document, not enough to flood a log.
const EXCERPT_CHARS: usize = 120;
/// What stands in place of a secret.
const MASK: &str = "<redacted>";

/// The start of `body` as text, with the values of secret properties and
/// anything shaped like an Edge Impulse API key masked.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let masked = mask_api_keys(&mask_secret_properties(&text));
    let mut excerpt: String = masked.chars().take(EXCERPT_CHARS).collect();
    if masked.chars().nth(EXCERPT_CHARS).is_some() {
        excerpt.push('…');
    }
    excerpt
}

/// Masks the string value after each `"projectApiKey"` / `"projectHmacKey"`.
fn mask_secret_properties(text: &str) -> String {
    let mut out = text.to_owned();
    for name in ei_api::SecretString::PROPERTY_NAMES {
        let key = format!("\"{name}\"");
        let mut from = 0;
        while let Some(found) = out[from..].find(&key) {
            let after_key = from + found + key.len();
            let rest = &out[after_key..];
            let Some(open) = rest.find('"') else { break };
            if !rest[..open].trim().trim_start_matches(':').trim().is_empty() {
                from = after_key;
                continue;
            }
            let value_start = after_key + open + 1;
            let value_end =
                out[value_start..].find('"').map_or(out.len(), |close| value_start + close);
            out.replace_range(value_start..value_end, MASK);
            from = value_start + MASK.len();
        }
    }
    out
}

/// Masks words that start with `ei_` and are long enough to be a key.
fn mask_api_keys(text: &str) -> String {
    const KEY_PREFIX: &str = "ei_";
    /// Shorter `ei_` words are names, not keys.
    const MIN_KEY_LEN: usize = 16;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(KEY_PREFIX) {
        out.push_str(&rest[..start]);
        let word_len = rest[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len() - start);
        let word = &rest[start..start + word_len];
        out.push_str(if word.len() >= MIN_KEY_LEN { MASK } else { word });
        rest = &rest[start + word_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_properties_and_keys() {
        let body =
            br#"{"projectApiKey": "abc", "projectHmacKey":"def", "note": "ei_0123456789abcdef0"}"#;
        let shown = excerpt(body);
        assert!(!shown.contains("abc") && !shown.contains("def"), "{shown}");
        assert!(!shown.contains("0123456789abcdef0"), "{shown}");
        assert!(shown.contains("note"));
    }

    #[test]
    fn is_short() {
        let body = "<html>".repeat(100);
        let shown = excerpt(body.as_bytes());
        assert_eq!(shown.chars().count(), EXCERPT_CHARS + 1);
    }
}
