//! The JUnit XML report (`--junit FILE`) that CI systems show as test
//! results (GitLab, Jenkins, GitHub's test-report actions): a `<testsuite>`
//! per pipeline run, a `<testcase>` per step, a failed step as a
//! `<failure>` whose message is why it failed (its failed files, the last
//! error line of their logs) and whose body is the diagnosis as `run
//! --wait` prints it. It follows the Jenkins JUnit schema (the tests
//! validate it against `tests/fixtures/jenkins-junit-10.xsd`).
//!
//! Every text is masked and escaped as every other output's
//! ([`Output::terminal_safe`]: secrets masked, control characters written
//! `\u{1b}`), then escaped for XML, so that a character XML 1.0 does not
//! allow never reaches the file.

use std::fmt::Write as _;

use ei_api_ext::run::{Run, Step, StepState};
use ei_api_ext::wait::Outcome;

use crate::output::Output;
use crate::render::logs::step_diagnosis_lines;
use crate::render::outcome::{
    failed_step_line, headline, outcome_lines, step_logs, FollowedRun, PipelineEnd,
};
use crate::text;

/// The JUnit document for the pipelines' ends, each text made safe by
/// `output`.
pub fn junit_report(ends: &[PipelineEnd], output: &Output) -> String {
    let suites: Vec<Suite> = ends.iter().map(|end| Suite::of(end, output)).collect();
    let total = |count: fn(&Suite) -> usize| suites.iter().map(count).sum::<usize>();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"ei-pipeline\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        total(|suite| suite.cases.len()),
        total(|suite| suite.count(|verdict| matches!(verdict, Verdict::Failure { .. }))),
        total(|suite| suite.count(|verdict| matches!(verdict, Verdict::Error { .. }))),
    );
    for suite in &suites {
        suite.write(&mut xml);
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// One pipeline run as a test suite.
struct Suite {
    name: String,
    /// `(name, value)`: the pipeline, the run, the outcome.
    properties: Vec<(&'static str, String)>,
    /// The run's length, in seconds, when the server tells it.
    time: Option<f64>,
    /// When the run was created (its server's clock, UTC).
    timestamp: Option<String>,
    cases: Vec<Case>,
    /// What `run --wait` prints of it.
    system_out: String,
}

/// One step as a test case.
struct Case {
    name: String,
    classname: String,
    verdict: Verdict,
}

/// What became of a step.
enum Verdict {
    /// It succeeded.
    Pass,
    /// It failed, or the run was stopped while it ran.
    Failure { kind: &'static str, message: String, body: String },
    /// The outcome is not a verdict on it: the wait timed out, the run was
    /// replaced, its state is one this version does not know, the wait
    /// was interrupted or failed.
    Error { kind: &'static str, message: String },
    /// It never started.
    Skipped { message: String },
}

impl Suite {
    fn of(end: &PipelineEnd, output: &Output) -> Self {
        match end {
            PipelineEnd::Followed(followed) => Self::followed(followed, output),
            PipelineEnd::Unfinished { pipeline, run, outcome, message } => {
                let run_words = run.map(|run| format!(" run {}", run.get())).unwrap_or_default();
                let name = format!("pipeline {}{run_words}", pipeline.get());
                let mut properties = vec![("pipelineId", pipeline.get().to_string())];
                properties.extend(run.map(|run| ("runId", run.get().to_string())));
                properties.push(("outcome", (*outcome).to_owned()));
                let message = output.terminal_safe(message);
                Self {
                    name: name.clone(),
                    properties,
                    time: None,
                    timestamp: None,
                    cases: vec![Case {
                        name: "wait".to_owned(),
                        classname: name,
                        verdict: Verdict::Error { kind: outcome, message: message.clone() },
                    }],
                    system_out: message,
                }
            }
        }
    }

    fn followed(followed: &FollowedRun, output: &Output) -> Self {
        // A transformation's log may echo the project keys its step carries.
        let output = output.with_project_keys(followed.report.run.raw());
        let run = &followed.report.run;
        let name = format!("pipeline {} run {}", followed.pipeline.get(), run.id.get());
        let mut cases: Vec<Case> = run
            .steps
            .iter()
            .map(|step| Case {
                name: output.terminal_safe(&format!("{}. {}", step.number, text::name(&step.name))),
                classname: name.clone(),
                verdict: step_verdict(step, followed, &output),
            })
            .collect();
        let outcome = &followed.report.outcome;
        let told = cases
            .iter()
            .any(|case| !matches!(case.verdict, Verdict::Pass | Verdict::Skipped { .. }));
        if *outcome != Outcome::Succeeded && !told {
            // Nothing said on a step: the run itself carries the outcome.
            let message = output.terminal_safe(&headline(followed));
            let verdict = match outcome {
                Outcome::Failed => {
                    Verdict::Failure { kind: "failed", message, body: String::new() }
                }
                other => Verdict::Error { kind: other.name(), message },
            };
            cases.push(Case {
                name: format!("run {}", run.id.get()),
                classname: name.clone(),
                verdict,
            });
        }
        Self {
            properties: vec![
                ("pipelineId", followed.pipeline.get().to_string()),
                ("runId", run.id.get().to_string()),
                ("outcome", outcome.name().to_owned()),
            ],
            time: run.length().map(|length| length.as_secs_f64()),
            timestamp: Some(run.created.format("%Y-%m-%dT%H:%M:%S").to_string()),
            cases,
            system_out: output
                .terminal_safe(&outcome_lines(followed, output.redactor()).join("\n")),
            name,
        }
    }

    fn count(&self, which: fn(&Verdict) -> bool) -> usize {
        self.cases.iter().filter(|case| which(&case.verdict)).count()
    }

    fn write(&self, xml: &mut String) {
        let _ = write!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
            attribute(&self.name),
            self.cases.len(),
            self.count(|verdict| matches!(verdict, Verdict::Failure { .. })),
            self.count(|verdict| matches!(verdict, Verdict::Error { .. })),
            self.count(|verdict| matches!(verdict, Verdict::Skipped { .. })),
        );
        if let Some(time) = self.time {
            let _ = write!(xml, " time=\"{time:.3}\"");
        }
        if let Some(timestamp) = &self.timestamp {
            let _ = write!(xml, " timestamp=\"{}\"", attribute(timestamp));
        }
        xml.push_str(">\n    <properties>\n");
        for (name, value) in &self.properties {
            let _ =
                writeln!(xml, "      <property name=\"{name}\" value=\"{}\"/>", attribute(value));
        }
        xml.push_str("    </properties>\n");
        for case in &self.cases {
            case.write(xml);
        }
        let _ = writeln!(xml, "    <system-out>{}</system-out>", content(&self.system_out));
        xml.push_str("  </testsuite>\n");
    }
}

impl Case {
    fn write(&self, xml: &mut String) {
        let _ = write!(
            xml,
            "    <testcase name=\"{}\" classname=\"{}\"",
            attribute(&self.name),
            attribute(&self.classname)
        );
        match &self.verdict {
            Verdict::Pass => xml.push_str("/>\n"),
            Verdict::Failure { kind, message, body } => {
                let _ = writeln!(
                    xml,
                    ">\n      <failure type=\"{kind}\" message=\"{}\">{}</failure>\n    </testcase>",
                    attribute(message),
                    content(body)
                );
            }
            Verdict::Error { kind, message } => {
                let _ = writeln!(
                    xml,
                    ">\n      <error type=\"{}\" message=\"{}\"/>\n    </testcase>",
                    attribute(kind),
                    attribute(message)
                );
            }
            Verdict::Skipped { message } => {
                let _ = writeln!(
                    xml,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    attribute(message)
                );
            }
        }
    }
}

/// What became of `step` of a run followed to `followed`'s outcome.
fn step_verdict(step: &Step, followed: &FollowedRun, output: &Output) -> Verdict {
    let outcome = &followed.report.outcome;
    match step.state {
        StepState::Succeeded => Verdict::Pass,
        StepState::Failed => {
            let message = failed_step_line(followed, step, output.redactor());
            let body = step_logs(followed, step)
                .map(|logs| {
                    let run = followed.report.run.id;
                    step_diagnosis_lines(logs, followed.pipeline, run, output.redactor()).join("\n")
                })
                .unwrap_or_default();
            Verdict::Failure {
                kind: "failed",
                message: output.terminal_safe(&message),
                body: output.terminal_safe(&body),
            }
        }
        StepState::Running if *outcome == Outcome::Failed => Verdict::Failure {
            kind: "stopped",
            message: output.terminal_safe(&format!(
                "step {} \"{}\" was running when the run was stopped",
                step.number,
                text::name(&step.name)
            )),
            body: String::new(),
        },
        StepState::Running => Verdict::Error {
            kind: outcome.name(),
            message: output.terminal_safe(&headline(followed)),
        },
        StepState::Unrecognized => Verdict::Error {
            kind: "unrecognized",
            message: output.terminal_safe(&format!(
                "step {} \"{}\" is in a state this version does not know ({})",
                step.number,
                text::name(&step.name),
                text::name(step.status.as_deref().unwrap_or("no status"))
            )),
        },
        // A state a later version of the SDK adds, or a step that never began.
        _ => Verdict::Skipped { message: not_started(&followed.report.run) },
    }
}

/// Why a step that never began has no verdict.
fn not_started(run: &Run) -> String {
    if run.is_finished() {
        "it did not start: the run ended before it".to_owned()
    } else {
        "it had not started when the wait ended".to_owned()
    }
}

/// `text` as an attribute's value: escaped, its line breaks and tabs as
/// character references (so that they survive attribute normalization).
fn attribute(text: &str) -> String {
    escape(text, true)
}

/// `text` as an element's content: escaped.
fn content(text: &str) -> String {
    escape(text, false)
}

/// `text` with XML's markup characters escaped, and each character XML 1.0
/// does not allow (the C0 controls but tab and line breaks, U+FFFE and
/// U+FFFF) written `\u{..}` as the terminal-safe text writes them.
fn escape(text: &str, attribute: bool) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // A parser turns a raw \r into \n, and in an attribute any
            // line break or tab into a space: a reference keeps it.
            '\r' => escaped.push_str("&#13;"),
            '\n' | '\t' if attribute => {
                let _ = write!(escaped, "&#{};", u32::from(c));
            }
            c if is_xml_char(c) => escaped.push(c),
            c => {
                let _ = write!(escaped, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    escaped
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(content("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(attribute("a\nb\tc\rd"), "a&#10;b&#9;c&#13;d");
        assert_eq!(content("a\nb"), "a\nb");
        assert_eq!(content("\u{0}\u{1b}\u{fffe}\u{ffff}x"), "\\u{0}\\u{1b}\\u{fffe}\\u{ffff}x");
    }

    proptest! {
        #[test]
        fn whatever_the_text_its_escape_holds_only_xml_characters_and_no_markup(text in ".*") {
            for escaped in [content(&text), attribute(&text)] {
                prop_assert!(escaped.chars().all(is_xml_char), "{escaped:?}");
                prop_assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped:?}");
                // Every & starts a reference.
                for (at, _) in escaped.match_indices('&') {
                    let rest = &escaped[at..];
                    let known = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#13;", "&#10;", "&#9;"];
                    prop_assert!(known.iter().any(|reference| rest.starts_with(reference)), "{rest:?}");
                }
            }
        }
    }
}
