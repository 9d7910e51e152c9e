//! Colour on a terminal: when to colour (`--color`; [`crate::output`]
//! decides it per stream, reading `NO_COLOR` and `CLICOLOR_FORCE` through
//! anstream), and the states and failures of a line painted with SGR
//! sequences.
//!
//! Painting comes last, on text already masked and escaped
//! ([`crate::output`] calls it): server text can hold no escape of its own
//! by then, so every escape sequence on the terminal is one of ours. A
//! state word the server put in a name (a step called `failed`) is painted
//! too: colour never changes the text, so a name can change a colour at
//! most.

use std::borrow::Cow;

use anstyle::{AnsiColor, Effects, Style};

/// When to colour, as `--color` says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set and not empty (or CLICOLOR=0, or TERM=dumb);
    /// CLICOLOR_FORCE set and not empty colours a pipe too.
    #[default]
    Auto,
    /// Always, even into a pipe or a file (NO_COLOR too is overridden).
    Always,
    /// Never.
    Never,
}

/// The words painted, and how: the states of runs and steps, and the ends
/// of a wait that are not a success.
const STATE_STYLES: [(&str, Style); 7] = [
    ("succeeded", Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)))),
    ("failed", FAILURE),
    ("running", Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)))),
    ("waiting", Style::new().effects(Effects::DIMMED)),
    ("unrecognized", WARNING),
    ("timed out", WARNING),
    ("interrupted", WARNING),
];

/// How a failure is painted: bold red.
const FAILURE: Style =
    Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red))).effects(Effects::BOLD);

/// How an end that is neither success nor failure is painted: yellow.
const WARNING: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

/// What starts an error's line, painted as a failure.
const ERROR_PREFIX: &str = "error:";

/// `line` (masked and escaped already) with each state word (a whole word)
/// and a leading `error:` painted.
pub fn states(line: &str) -> Cow<'_, str> {
    let mut painted = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < line.len() {
        let rest = &line[at..];
        let starts_word = !line[..at].chars().next_back().is_some_and(is_word_char);
        let found = starts_word
            .then(|| {
                STATE_STYLES.iter().find(|(word, _)| {
                    rest.starts_with(word) && !rest[word.len()..].starts_with(is_word_char)
                })
            })
            .flatten()
            .map(|(word, style)| (*word, *style))
            .or_else(|| {
                (at == 0 && rest.starts_with(ERROR_PREFIX)).then_some((ERROR_PREFIX, FAILURE))
            });
        match found {
            Some((word, style)) => {
                painted.push_str(&line[copied..at]);
                painted.push_str(&format!("{}{word}{}", style.render(), style.render_reset()));
                at += word.len();
                copied = at;
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if copied == 0 {
        return Cow::Borrowed(line);
    }
    painted.push_str(&line[copied..]);
    Cow::Owned(painted)
}

/// Whether `c` continues a word (so `unfailed` and `failed_files` hold no
/// state word).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREEN: &str = "\u{1b}[32m";
    const RED_BOLD: &str = "\u{1b}[1m\u{1b}[31m";
    const RESET: &str = "\u{1b}[0m";

    #[test]
    fn states_are_painted_as_whole_words_and_nothing_else_changes() {
        assert_eq!(states("run 7 succeeded in 3s"), format!("run 7 {GREEN}succeeded{RESET} in 3s"));
        assert_eq!(
            states("  2. Clean  failed, 50/50 files, 3 failed"),
            format!("  2. Clean  {RED_BOLD}failed{RESET}, 50/50 files, 3 {RED_BOLD}failed{RESET}")
        );
        for plain in ["unfailed failed_files re-running", "nothing here", "", "é failedé"] {
            assert_eq!(states(plain), plain, "{plain}");
        }
        let painted = states("error: no such pipeline; the run is not failed-over");
        assert_eq!(
            painted,
            format!("{RED_BOLD}error:{RESET} no such pipeline; the run is not failed-over")
        );
        assert_eq!(states("an error: later"), "an error: later");
    }

    #[test]
    fn painting_never_changes_the_text_it_paints() {
        let line = "step 1/2 «failed» timed out, waiting: running unrecognized (x) interrupted";
        let painted = states(line);
        let unpainted = anstream::adapter::strip_str(&painted).to_string();
        assert_eq!(unpainted, line);
        assert_eq!(painted.matches('\u{1b}').count(), 6 * 2 + 1, "{painted:?}");
    }
}
