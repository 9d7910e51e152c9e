//! The GitHub Actions reports (`--github-reports`): a Markdown job summary
//! (a section per pipeline run: its outcome, a table of its steps, and for
//! a failed run why) and an `::error` workflow command per failed step,
//! which GitHub shows as annotations of the job.
//!
//! Every text is masked and escaped as every other output's
//! ([`Output::terminal_safe`]: secrets masked, control characters written
//! `\u{1b}`), then escaped for its medium: in Markdown each ASCII
//! punctuation character is backslash-escaped (so that no server text
//! makes a table cell, a link, an HTML tag or a heading), and multi-line
//! text is an indented code block (where nothing is markup); in a workflow
//! command `%`, `\r` and `\n` are percent-encoded, and in its properties
//! `:` and `,` too, so that a command is one line and nothing in it ends
//! its properties or starts another command.

use std::fmt::Write as _;

use ei_api_ext::run::StepState;
use ei_api_ext::wait::Outcome;

use crate::output::Output;
use crate::render::logs::diagnosis_lines;
use crate::render::outcome::{failed_step_line, headline, FollowedRun, PipelineEnd};
use crate::render::run::step_summary;
use crate::text;

/// The job summary of the pipelines' ends, in Markdown, each text made
/// safe by `output`.
pub fn job_summary(ends: &[PipelineEnd], output: &Output) -> String {
    let mut markdown = String::new();
    for end in ends {
        match end {
            PipelineEnd::Followed(followed) => followed_summary(followed, output, &mut markdown),
            PipelineEnd::Unfinished { pipeline, run, outcome, message } => {
                let run = run.map(|run| format!(" run {}", run.get())).unwrap_or_default();
                let title = format!("pipeline {}{run}: {outcome}", pipeline.get());
                let _ = writeln!(markdown, "### {}\n", markdown_text(&title));
                markdown.push_str(&code_block(&output.terminal_safe(message)));
            }
        }
    }
    markdown
}

/// A followed run's section: its outcome, its steps, and why it failed.
fn followed_summary(followed: &FollowedRun, output: &Output, markdown: &mut String) {
    // A transformation's log may echo the project keys its step carries.
    let output = output.with_project_keys(followed.report.run.raw());
    let run = &followed.report.run;
    let title = format!(
        "pipeline {} run {}: {}",
        followed.pipeline.get(),
        run.id.get(),
        followed.report.outcome.name()
    );
    let _ = writeln!(markdown, "### {}\n", markdown_text(&title));
    let _ = writeln!(markdown, "{}\n", markdown_text(&output.terminal_safe(&headline(followed))));
    if !run.steps.is_empty() {
        markdown.push_str("| Step | State |\n| --- | --- |\n");
        for step in &run.steps {
            let name = format!("{}. {}", step.number, text::name(&step.name));
            let _ = writeln!(
                markdown,
                "| {} | {} |",
                markdown_text(&output.terminal_safe(&name)),
                markdown_text(&output.terminal_safe(&step_summary(step)))
            );
        }
        markdown.push('\n');
    }
    if let Some(diagnosis) = &followed.diagnosis {
        let lines = diagnosis_lines(diagnosis, followed.pipeline, output.redactor());
        if !lines.is_empty() {
            markdown.push_str(&code_block(&output.terminal_safe(&lines.join("\n"))));
        }
    }
}

/// One `::error` workflow command per failed step of the pipelines' ends,
/// or, for a run that did not succeed with no failed step (it timed out,
/// was stopped, or the wait was interrupted or failed), one for the run.
pub fn error_annotations(ends: &[PipelineEnd], output: &Output) -> Vec<String> {
    let mut commands = Vec::new();
    for end in ends {
        match end {
            PipelineEnd::Followed(followed) => {
                let output = output.with_project_keys(followed.report.run.raw());
                let run = &followed.report.run;
                let title = format!("pipeline {} run {}", followed.pipeline.get(), run.id.get());
                let failed: Vec<String> = run
                    .steps
                    .iter()
                    .filter(|step| step.state == StepState::Failed)
                    .map(|step| failed_step_line(followed, step, output.redactor()))
                    .collect();
                if !failed.is_empty() {
                    commands.extend(
                        failed
                            .iter()
                            .map(|line| error_command(&title, &output.terminal_safe(line))),
                    );
                } else if followed.report.outcome != Outcome::Succeeded {
                    let line = output.terminal_safe(&headline(followed));
                    commands.push(error_command(&title, &line));
                }
            }
            PipelineEnd::Unfinished { pipeline, run, outcome, message } => {
                let run = run.map(|run| format!(" run {}", run.get())).unwrap_or_default();
                let title = format!("pipeline {}{run}", pipeline.get());
                let message = format!("{outcome}: {message}");
                commands.push(error_command(&title, &output.terminal_safe(&message)));
            }
        }
    }
    commands
}

/// `::error title=TITLE::MESSAGE`, each escaped for a workflow command.
fn error_command(title: &str, message: &str) -> String {
    format!("::error title={}::{}", command_property(title), command_data(message))
}

/// `text` as a workflow command's message: `%`, `\r` and `\n`
/// percent-encoded, as GitHub's runner decodes them.
fn command_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// `text` as a workflow command property's value: as a message, and `:`
/// and `,` percent-encoded (they end a property).
fn command_property(text: &str) -> String {
    command_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The characters that can make markup in a line of GitHub Markdown whose
/// start is ours: code, emphasis, strikethrough, links and images, HTML,
/// entities, headings, table cells, emoji (`:+1:`), autolinks (`www.`,
/// `https:`, `a@b.c`), mentions and math. The rest of ASCII punctuation
/// means nothing there, and reads better unescaped.
const MARKDOWN_SPECIAL: &str = "\\`*_[]<>()#!|~&:@.$";

/// `text` as Markdown inline text that reads as it is written: each of
/// [`MARKDOWN_SPECIAL`] backslash-escaped (CommonMark allows it of any
/// ASCII punctuation, and GitHub's tables take `\|` as a literal bar),
/// line breaks as spaces.
fn markdown_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 4);
    for c in text.chars() {
        match c {
            '\n' | '\r' => escaped.push(' '),
            c if MARKDOWN_SPECIAL.contains(c) => {
                escaped.push('\\');
                escaped.push(c);
            }
            c => escaped.push(c),
        }
    }
    escaped
}

/// `text` as an indented code block, followed by a blank line: each line
/// indented by four spaces, where Markdown shows everything as written
/// (no fence to close, no markup), whatever the text holds.
fn code_block(text: &str) -> String {
    let mut block = String::with_capacity(text.len() + 16);
    for line in text.split(['\n', '\r']) {
        let _ = writeln!(block, "    {line}");
    }
    block.push('\n');
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What GitHub's runner decodes of a command's data or property.
    fn decoded(text: &str) -> String {
        text.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    }

    #[test]
    fn workflow_command_text_is_percent_encoded() {
        assert_eq!(command_data("100% \r\n::set-output x"), "100%25 %0D%0A::set-output x");
        assert_eq!(command_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(
            error_command("p: 1, r", "x\n::add-mask::y"),
            "::error title=p%3A 1%2C r::x%0A::add-mask::y"
        );
    }

    #[test]
    fn markdown_punctuation_is_escaped_and_lines_joined() {
        assert_eq!(markdown_text("| a | [l](u) <b>"), "\\| a \\| \\[l\\]\\(u\\) \\<b\\>");
        assert_eq!(markdown_text("# h\n* x_y `c`"), "\\# h \\* x\\_y \\`c\\`");
        assert_eq!(
            markdown_text("www.x.io, a@b.c :+1: 1/2 $x$"),
            "www\\.x\\.io, a\\@b\\.c \\:+1\\: 1/2 \\$x\\$"
        );
        assert_eq!(code_block("a\n```\nb"), "    a\n    ```\n    b\n\n");
    }

    proptest! {
        #[test]
        fn whatever_the_text_an_error_command_is_one_line_that_decodes_back(
            title in "(?s).*", message in "(?s).*"
        ) {
            let command = error_command(&title, &message);
            prop_assert!(!command.contains(['\n', '\r']), "{command:?}");
            let rest = command.strip_prefix("::error title=").expect("the command");
            let (property, data) = rest.split_once("::").expect("the properties end");
            prop_assert!(!property.contains([':', ',']), "{property:?}");
            prop_assert_eq!(decoded(property), title);
            prop_assert_eq!(decoded(data), message);
        }

        #[test]
        fn whatever_the_text_its_markdown_holds_no_markup(text in "(?s).*") {
            let escaped = markdown_text(&text);
            prop_assert!(!escaped.contains(['\n', '\r']), "{escaped:?}");
            // Each special character is escaped, and stands for itself.
            let mut chars = escaped.chars();
            let mut read = String::new();
            while let Some(c) = chars.next() {
                if MARKDOWN_SPECIAL.contains(c) {
                    prop_assert_eq!(c, '\\', "{:?}", escaped);
                    let next = chars.next().expect("an escaped character");
                    prop_assert!(MARKDOWN_SPECIAL.contains(next), "{:?}", escaped);
                    read.push(next);
                } else {
                    read.push(c);
                }
            }
            prop_assert_eq!(read, text.replace(['\n', '\r'], " "));
        }

        #[test]
        fn whatever_the_text_its_code_block_lines_are_indented(text in "(?s).*") {
            for line in code_block(&text).lines().filter(|line| !line.is_empty()) {
                prop_assert!(line.starts_with("    "), "{line:?}");
            }
        }

        /// A Markdown parser with GitHub's extensions reads, wherever the
        /// summary puts a server text (terminal-safe: no control character),
        /// only that text: in a heading, a paragraph, a table's cells and a
        /// code block, with no link, HTML, emphasis or extra cell.
        #[test]
        fn a_markdown_parser_reads_each_escaped_text_back_as_plain_text(
            text in PRINTABLE, lines in proptest::collection::vec(PRINTABLE, 1..4)
        ) {
            // As a step's cell reads: a number, then the server's text.
            let text = format!("1. {text}");
            let inline = markdown_text(&text);
            let lines = lines.join("\n");
            let document = format!(
                "### {inline}\n\n{inline}\n\n| Step | State |\n| --- | --- |\n| {inline} | {inline} |\n\n{}",
                code_block(&lines)
            );
            let (texts, code, cells) = parsed(&document)?;
            let trimmed = text.trim_end_matches(' ');
            prop_assert_eq!(texts.len(), 6, "{:?}: {:?}", document, texts);
            for read in &texts[..2] {
                prop_assert_eq!(read.trim_end_matches(' '), trimmed, "{:?}", document);
            }
            prop_assert_eq!(&texts[2..4], ["Step", "State"]);
            for read in &texts[4..] {
                prop_assert_eq!(read.trim_end_matches(' '), trimmed, "{:?}", document);
            }
            prop_assert_eq!(cells, 4);
            // A code block's blank first and last lines are not its text.
            let unpadded = |text: &str| {
                let lines: Vec<&str> = text.split('\n').collect();
                let blank = |line: &&str| line.chars().all(|c| c == ' ');
                let first = lines.iter().position(|line| !blank(line)).unwrap_or(lines.len());
                let last = lines.iter().rposition(|line| !blank(line)).map_or(first, |at| at + 1);
                lines[first..last.max(first)].join("\n")
            };
            prop_assert_eq!(unpadded(&code), unpadded(&lines));
        }
    }

    /// Text as a server may send it, once terminal-safe (no control
    /// character), half of its characters printable ASCII, so that
    /// Markdown's punctuation is frequent.
    const PRINTABLE: &str = "([ -~]|[^\\p{Cc}]){0,60}";

    /// The texts of each heading, paragraph and table cell of `document`
    /// (as GitHub's Markdown reads it), its code block's text and how many
    /// table cells it has; an error on any other markup.
    fn parsed(document: &str) -> Result<(Vec<String>, String, usize), TestCaseError> {
        use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_MATH
            | Options::ENABLE_GFM;
        let (mut texts, mut code, mut cells, mut in_code) = (Vec::new(), String::new(), 0, false);
        for event in Parser::new_ext(document, options) {
            match event {
                Event::Start(Tag::CodeBlock(_)) => in_code = true,
                Event::End(TagEnd::CodeBlock) => in_code = false,
                Event::Start(Tag::TableCell) => {
                    cells += 1;
                    texts.push(String::new());
                }
                Event::Start(Tag::Heading { .. } | Tag::Paragraph) => texts.push(String::new()),
                Event::Start(Tag::Table(_) | Tag::TableHead | Tag::TableRow) | Event::End(_) => {}
                Event::Text(text) if in_code => code.push_str(&text),
                Event::Text(text) => {
                    texts
                        .last_mut()
                        .ok_or_else(|| TestCaseError::fail("a loose text"))?
                        .push_str(&text);
                }
                other => return Err(TestCaseError::fail(format!("markup: {other:?}"))),
            }
        }
        Ok((texts, code, cells))
    }
}
