//! Text the server controls (names, messages, log lines), made safe to show
//! a person: a terminal must never receive the server's control characters,
//! and no single text may flood a screen or a log line.
//!
//! The models keep the text exactly as sent; only what is *shown* goes
//! through here (this crate's error messages do, and so does every human
//! output of `ei-pipeline`).

use std::borrow::Cow;
use std::fmt::Write as _;

/// How text cut for display goes on where it was cut: `… (12 more characters)`.
pub(crate) const CUT_MARK: &str = "… (";

/// Whether `c` could change what a terminal shows beyond printing itself:
/// C0 and C1 controls and DEL (escape sequences, carriage return, bell,
/// NUL, ...), bidirectional overrides and isolates that reorder what
/// follows, and invisible separators and joiners that hide text.
pub fn is_hazardous(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `text` with every [hazardous](is_hazardous) character written as a
/// visible escape (`\u{1b}`), cut once what is shown reaches `max_chars`
/// characters (escapes counted as written), with a note of how many of the
/// text's characters were left out. Borrowed when nothing needed changing.
///
/// ```
/// use ei_api_ext::untrusted::for_display;
///
/// assert_eq!(for_display("Nightly import", 80), "Nightly import");
/// assert_eq!(for_display("\u{1b}[2Jgone\r", 80), "\\u{1b}[2Jgone\\u{d}");
/// assert_eq!(for_display("abcdef", 3), "abc… (3 more characters)");
/// ```
pub fn for_display(text: &str, max_chars: usize) -> Cow<'_, str> {
    escape(text, max_chars, false)
}

/// Like [`for_display`], but line breaks (`\n`) are kept: for text made of
/// lines the program wrote itself, as a last defence before a terminal.
pub fn for_display_keeping_lines(text: &str, max_chars: usize) -> Cow<'_, str> {
    escape(text, max_chars, true)
}

fn escape(text: &str, max_chars: usize, keep_newlines: bool) -> Cow<'_, str> {
    let safe = |c: char| !is_hazardous(c) || (keep_newlines && c == '\n');
    let needs_cut = text.len() > max_chars && text.chars().nth(max_chars).is_some();
    if !needs_cut && text.chars().all(safe) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len().min(max_chars.saturating_mul(4)) + 16);
    let mut shown_chars = 0;
    let mut chars = text.chars();
    for c in chars.by_ref() {
        let start = shown.len();
        if safe(c) {
            shown.push(c);
        } else {
            let _ = write!(shown, "\\u{{{:x}}}", u32::from(c));
        }
        let added = shown.len() - start;
        // An escape is ASCII, so its bytes are its characters.
        let added_chars = if safe(c) { 1 } else { added };
        if shown_chars + added_chars > max_chars {
            shown.truncate(start);
            let left_out = 1 + chars.count();
            let plural = if left_out == 1 { "" } else { "s" };
            let _ = write!(shown, "{CUT_MARK}{left_out} more character{plural})");
            break;
        }
        shown_chars += added_chars;
    }
    Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_and_reordering_character_is_escaped() {
        let hostile = "\u{1b}]0;title\u{7}\u{9b}31m\r\u{0}\u{7f}\u{202e}\u{2066}\u{200b}\t\n";
        let shown = for_display(hostile, 1000);
        assert!(shown.chars().all(|c| !is_hazardous(c)), "{shown:?}");
        assert!(
            shown.contains("\\u{1b}") && shown.contains("\\u{202e}") && shown.contains("\\u{a}")
        );
        let kept = for_display_keeping_lines("a\nb\u{1b}", 100);
        assert_eq!(kept, "a\nb\\u{1b}");
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        let text = "Import into project — données 数据 🚀";
        assert!(matches!(for_display(text, 100), Cow::Borrowed(_)));
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(70_000);
        let shown = for_display(&long, 80);
        assert!(shown.starts_with(&"é".repeat(80)));
        assert!(shown.ends_with("… (69920 more characters)"), "{shown}");
        assert_eq!(for_display("abc", 3), "abc");
        assert_eq!(for_display("abcd", 3), "abc… (1 more character)");
        let escapes = "\u{200b}".repeat(1_000);
        let shown = for_display(&escapes, 300);
        assert!(shown.chars().count() < 330, "{shown}");
        assert!(shown.ends_with("… (963 more characters)"), "{shown}");
    }
}
