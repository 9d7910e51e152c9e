//! Text for a person: what the server sent, and paths, made safe to show (its control
//! characters escaped, a long text cut, so that it can neither take over a
//! terminal nor break the layout), counts and durations. `--json` keeps the
//! server's texts whole.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use ei_api_ext::untrusted::for_display;

/// How much of a name (a pipeline's, a step's, a status) is shown: longer
/// ones are cut, so that one name cannot push a table off the screen.
pub const NAME_SHOWN_CHARS: usize = 80;
/// How much of a message from the server (a start error) is shown.
pub const MESSAGE_SHOWN_CHARS: usize = 300;

/// How much of a path (one the user gave, or a profile names) is shown.
pub const PATH_SHOWN_CHARS: usize = 1000;

/// `text` with nothing a CI runner would take for a workflow command: GitHub
/// Actions reads a line that starts (after blanks) with `::` as a command
/// (`::add-mask::`, `::stop-commands::`, `::error::`) and `##[` anywhere in a
/// line as the older form, on stdout and stderr alike. A file name or a log
/// line from the server could so hide our annotations or forge its own; the
/// first colon of such a start and the second `#` of `##[` are written as
/// the escapes `\u{3a}` and `\u{23}`, as other hazardous characters are.
pub fn without_workflow_commands(text: &str) -> Cow<'_, str> {
    let starts_a_command = |line: &str| line.trim_start().starts_with("::");
    if !text.contains("##[") && !text.split('\n').any(starts_a_command) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            let line = line.replace("##[", "#\\u{23}[");
            if starts_a_command(&line) {
                let blanks = line.len() - line.trim_start().len();
                format!("{}\\u{{3a}}{}", &line[..blanks], &line[blanks + 1..])
            } else {
                line
            }
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// A path, safe to show: its control characters escaped (a file name may
/// hold any), cut after [`PATH_SHOWN_CHARS`] characters.
pub fn path(path: &Path) -> String {
    for_display(&path.display().to_string(), PATH_SHOWN_CHARS).into_owned()
}

/// A name from the server, safe to show: escaped, and cut after
/// [`NAME_SHOWN_CHARS`] characters.
pub fn name(text: &str) -> Cow<'_, str> {
    for_display(text, NAME_SHOWN_CHARS)
}

/// A message from the server, safe to show: escaped, and cut after
/// [`MESSAGE_SHOWN_CHARS`] characters.
pub fn message(text: &str) -> Cow<'_, str> {
    for_display(text, MESSAGE_SHOWN_CHARS)
}

/// `1 step`, `3 steps`; a count from the server shown as it came, even a
/// negative one.
pub fn count(n: impl std::fmt::Display, noun: &str) -> String {
    let n = n.to_string();
    if n == "1" {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A duration as a person reads it: `3.2s`, `15m 3s`.
pub fn duration(duration: Duration) -> String {
    if duration < Duration::from_secs(60) {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        humantime::format_duration(Duration::from_secs(duration.as_secs())).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_can_be_taken_for_a_workflow_command() {
        let hostile = "::stop-commands::x\n  ::add-mask::k\nok ##[error]forged\nkept :: here";
        let shown = without_workflow_commands(hostile);
        assert_eq!(
            shown,
            "\\u{3a}:stop-commands::x\n  \\u{3a}:add-mask::k\nok #\\u{23}[error]forged\nkept :: here"
        );
        for line in shown.lines() {
            assert!(!line.trim_start().starts_with("::") && !line.contains("##["), "{line}");
        }
        assert!(matches!(without_workflow_commands("a: b :: c"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_count_is_shown_as_it_came() {
        assert_eq!(count(1_usize, "step"), "1 step");
        assert_eq!(count(0_i64, "file"), "0 files");
        // A negative count from a hostile server is not wrapped to a huge one.
        assert_eq!(count(-3_i64, "file"), "-3 files");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(Duration::from_millis(10_940)), "10.9s");
        assert_eq!(duration(Duration::from_millis(903_400)), "15m 3s");
    }
}
