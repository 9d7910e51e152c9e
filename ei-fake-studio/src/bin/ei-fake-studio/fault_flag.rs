//! `--fault OPERATION=FAULT[@WHEN]`: which calls of an operation misbehave,
//! and how. One table each for the operations, the faults and the calls
//! picked drives both the parsing and `--help`.

use crate::duration;
use ei_fake_studio::{Fault, Operation, When};
use std::ops::RangeInclusive;

/// A fault to inject as the studio starts, read from one `--fault`.
#[derive(Clone, Debug)]
pub struct FaultFlag {
    /// The flag's value as given, to show back.
    pub text: String,
    /// The operation whose calls misbehave.
    pub operation: Operation,
    /// Which of its calls.
    pub when: When,
    /// How.
    pub fault: Fault,
}

/// The operations, by the name `--fault` gives them.
pub static OPERATIONS: [(&str, Operation); 11] = [
    ("run", Operation::Run),
    ("get", Operation::Get),
    ("stop", Operation::Stop),
    ("list", Operation::List),
    ("create", Operation::Create),
    ("update", Operation::Update),
    ("delete", Operation::Delete),
    ("list-archived", Operation::ListArchived),
    ("transformation-job-status", Operation::TransformationJobStatus),
    ("job-status", Operation::JobStatus),
    ("job-logs", Operation::JobLogs),
];

/// One way to misbehave: its name, what follows the name, what it does, and
/// how to make it from what follows the name (after its `:`, if any).
pub struct FaultKind {
    /// The name, as in `status`.
    pub name: &'static str,
    /// The argument's syntax after the name (`:CODE`), or "" for none.
    pub argument: &'static str,
    /// What it does, for `--help`.
    pub summary: &'static str,
    /// Makes the fault from its argument.
    make: fn(Option<&str>) -> Result<Fault, String>,
}

/// The HTTP statuses a `status` fault may answer with.
const STATUSES: RangeInclusive<u16> = 100..=999;

/// The HTTP statuses a `redirect` fault may answer with.
const REDIRECT_STATUSES: RangeInclusive<u16> = 300..=399;

/// The refusal a `success-false` fault gives when no message is given.
const DEFAULT_REFUSAL: &str = "Refused (a fault injected into ei-fake-studio)";

/// Every fault, in the order `--help` lists them.
pub static FAULTS: [FaultKind; 16] = [
    FaultKind {
        name: "status",
        argument: ":CODE",
        summary: "answer HTTP CODE (100-999) with {\"success\":false,...}; the call has no effect",
        make: |argument| Ok(Fault::status(status(required(argument, "CODE")?, STATUSES)?)),
    },
    FaultKind {
        name: "delay",
        argument: ":DURATION",
        summary: "answer normally, DURATION late; the call takes effect at once",
        make: |argument| Ok(Fault::delay(duration::parse(required(argument, "DURATION")?)?)),
    },
    FaultKind {
        name: "close-before-answer",
        argument: "",
        summary: "close the connection without answering; the call has no effect",
        make: |argument| bare(argument, Fault::close_before_answer()),
    },
    FaultKind {
        name: "close-after-action",
        argument: "",
        summary: "let the call take effect, then close without answering (a lost answer)",
        make: |argument| bare(argument, Fault::close_after_action()),
    },
    FaultKind {
        name: "malformed-json",
        argument: "",
        summary: "answer 200 with a body that is not JSON; the call has no effect",
        make: |argument| bare(argument, Fault::malformed_json()),
    },
    FaultKind {
        name: "truncated-json",
        argument: "",
        summary: "let the call take effect, then answer 200 with half of its body",
        make: |argument| bare(argument, Fault::truncated_json()),
    },
    FaultKind {
        name: "success-false",
        argument: "[:MESSAGE]",
        summary: "answer 200 with {\"success\":false,\"error\":MESSAGE}; the call has no effect",
        make: |argument| Ok(Fault::success_false(argument.unwrap_or(DEFAULT_REFUSAL))),
    },
    FaultKind {
        name: "unlisted-enum-values",
        argument: "",
        summary: "the normal answer, with enum values the document does not list",
        make: |argument| bare(argument, Fault::unlisted_enum_values()),
    },
    FaultKind {
        name: "unknown-properties",
        argument: "",
        summary: "the normal answer, with a property the document does not define in each object",
        make: |argument| bare(argument, Fault::unknown_properties()),
    },
    FaultKind {
        name: "nulls",
        argument: "",
        summary: "the normal answer, with null for every optional property it leaves out",
        make: |argument| bare(argument, Fault::nulls()),
    },
    FaultKind {
        name: "redirect",
        argument: ":CODE:LOCATION",
        summary: "answer a redirect (CODE 300-399) to LOCATION; the call has no effect",
        make: |argument| {
            let argument = required(argument, "CODE:LOCATION")?;
            let (code, location) = argument
                .split_once(':')
                .ok_or_else(|| format!("`{argument}` is not CODE:LOCATION"))?;
            Ok(Fault::redirect(
                status(code, REDIRECT_STATUSES)?,
                header_value(location, "LOCATION")?,
            ))
        },
    },
    FaultKind {
        name: "endless-body",
        argument: "",
        summary: "answer 200 with a body that never ends; the call has no effect",
        make: |argument| bare(argument, Fault::endless_body()),
    },
    FaultKind {
        name: "declared-body",
        argument: ":BYTES",
        summary: "answer 200 with a Content-Length of BYTES and that much filler; no effect",
        make: |argument| {
            let bytes = required(argument, "BYTES")?;
            let bytes = bytes.parse().map_err(|_| format!("`{bytes}` is not a number of bytes"))?;
            Ok(Fault::declared_body(bytes))
        },
    },
    FaultKind {
        name: "drip",
        argument: ":DURATION",
        summary: "let the call take effect, then send its answer a byte every DURATION",
        make: |argument| Ok(Fault::drip(duration::parse(required(argument, "DURATION")?)?)),
    },
    FaultKind {
        name: "hostile-text",
        argument: "",
        summary: "the normal answer, with escapes, controls and huge names in every text",
        make: |argument| bare(argument, Fault::hostile_text()),
    },
    FaultKind {
        name: "undated",
        argument: "",
        summary: "the normal answer, without its Date header",
        make: |argument| bare(argument, Fault::undated()),
    },
];

/// Something that may follow a fault, after a comma: its name, what follows
/// the name, what it does, and how to apply it.
pub struct ModifierKind {
    /// The name, as in `retry-after`.
    pub name: &'static str,
    /// The value's syntax after the name (`=VALUE`).
    pub argument: &'static str,
    /// What it does, for `--help`.
    pub summary: &'static str,
    /// Applies it, with the value after its `=`, to a fault.
    apply: fn(Fault, &str) -> Result<Fault, String>,
}

/// Every modifier. A comma starts one only when its name and `=` follow the
/// comma, so that values may hold commas (an HTTP date does).
pub static MODIFIERS: [ModifierKind; 2] = [
    ModifierKind {
        name: "retry-after",
        argument: "=VALUE",
        summary: "add a Retry-After header: seconds (5) or an HTTP date",
        apply: |fault, value| Ok(fault.retry_after(header_value(value, "retry-after")?)),
    },
    ModifierKind {
        name: "body",
        argument: "=TYPE:TEXT",
        summary: "replace the answer's body with TEXT, of content type TYPE",
        apply: |fault, body| {
            let (content_type, text) =
                body.split_once(':').ok_or_else(|| format!("body `{body}` is not TYPE:TEXT"))?;
            Ok(fault.body(header_value(content_type, "the body's TYPE")?, text))
        },
    },
];

/// One way to pick calls: its name, what follows the name, what it picks,
/// and how to make it from what follows the name.
pub struct WhenKind {
    /// The name, as in `nth`.
    pub name: &'static str,
    /// The argument's syntax after the name (`:N`), or "" for none.
    pub argument: &'static str,
    /// The calls it picks, for `--help`.
    pub summary: &'static str,
    /// Makes the pick from its argument.
    make: fn(Option<&str>) -> Result<When, String>,
}

/// Every way to pick calls, in the order `--help` lists them.
pub static WHENS: [WhenKind; 4] = [
    WhenKind {
        name: "nth",
        argument: ":N",
        summary: "only the N-th call from the start (nth:1 is the first)",
        make: |argument| Ok(When::Nth(count(required(argument, "N")?)?)),
    },
    WhenKind {
        name: "next",
        argument: ":N",
        summary: "each of the first N calls",
        make: |argument| Ok(When::Next(count(required(argument, "N")?)?)),
    },
    WhenKind {
        name: "for",
        argument: ":DURATION",
        summary: "every call within DURATION of the start",
        make: |argument| Ok(When::For(duration::parse(required(argument, "DURATION")?)?)),
    },
    WhenKind {
        name: "always",
        argument: "",
        summary: "every call (when @WHEN is left out)",
        make: |argument| match argument {
            None => Ok(When::Always),
            Some(argument) => Err(format!("`always` takes no argument, got `{argument}`")),
        },
    },
];

/// Reads `OPERATION=FAULT[,MODIFIER]...[@WHEN]`, or says why it is wrong.
pub fn parse(text: &str) -> Result<FaultFlag, String> {
    let (operation, rest) = text
        .split_once('=')
        .ok_or("expected OPERATION=FAULT[@WHEN], as in get=status:503@nth:3")?;
    let operation = OPERATIONS
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|&(_, operation)| operation)
        .ok_or_else(|| {
            format!(
                "unknown OPERATION `{operation}` (one of {})",
                names(OPERATIONS.iter().map(|(name, _)| *name))
            )
        })?;
    let (fault, when) = match rest.rsplit_once('@') {
        Some((fault, when)) => (fault, parse_when(when)?),
        None => (rest, When::Always),
    };
    let (kind, modifiers) = split_modifiers(fault);
    let fault =
        modifiers.into_iter().try_fold(parse_fault(kind)?, |fault, (modifier, value)| {
            (modifier.apply)(fault, value).map_err(|error| format!("{}: {error}", modifier.name))
        })?;
    Ok(FaultFlag { text: text.to_owned(), operation, when, fault })
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    let (name, argument) = split_argument(text);
    let kind = FAULTS.iter().find(|kind| kind.name == name).ok_or_else(|| {
        format!("unknown FAULT `{name}` (one of {})", names(FAULTS.iter().map(|kind| kind.name)))
    })?;
    (kind.make)(argument).map_err(|error| format!("{name}: {error}"))
}

fn parse_when(text: &str) -> Result<When, String> {
    let (name, argument) = split_argument(text);
    let kind = WHENS.iter().find(|kind| kind.name == name).ok_or_else(|| {
        format!("unknown WHEN `{name}` (one of {})", names(WHENS.iter().map(|kind| kind.name)))
    })?;
    (kind.make)(argument).map_err(|error| format!("{name}: {error}"))
}

/// `FAULT,MODIFIER...` as the fault and its modifiers, each with its value,
/// in the order given: a comma splits only where a modifier's name and `=`
/// follow it.
fn split_modifiers(text: &str) -> (&str, Vec<(&'static ModifierKind, &str)>) {
    let mut modifiers = Vec::new();
    let mut end = text.len();
    for (comma, _) in text.rmatch_indices(',') {
        let after = &text[comma + 1..end];
        let named = MODIFIERS.iter().find_map(|modifier| {
            let value = after.strip_prefix(modifier.name)?.strip_prefix('=')?;
            Some((modifier, value))
        });
        if let Some(modifier) = named {
            modifiers.push(modifier);
            end = comma;
        }
    }
    modifiers.reverse();
    (&text[..end], modifiers)
}

/// `name:argument` as the name and the argument, or the name alone.
fn split_argument(text: &str) -> (&str, Option<&str>) {
    match text.split_once(':') {
        Some((name, argument)) => (name, Some(argument)),
        None => (text, None),
    }
}

fn required<'a>(argument: Option<&'a str>, what: &str) -> Result<&'a str, String> {
    argument.filter(|argument| !argument.is_empty()).ok_or_else(|| format!("{what} is missing"))
}

/// A fault that takes no argument, if none was given.
fn bare(argument: Option<&str>, fault: Fault) -> Result<Fault, String> {
    match argument {
        None => Ok(fault),
        Some(argument) => Err(format!("takes no argument, got `{argument}`")),
    }
}

fn status(text: &str, allowed: RangeInclusive<u16>) -> Result<u16, String> {
    text.parse().ok().filter(|code| allowed.contains(code)).ok_or_else(|| {
        format!("`{text}` is not an HTTP status from {} to {}", allowed.start(), allowed.end())
    })
}

/// A count of calls, from 1.
fn count(text: &str) -> Result<usize, String> {
    text.parse()
        .ok()
        .filter(|count| *count >= 1)
        .ok_or_else(|| format!("`{text}` is not a number of calls (1 or more)"))
}

/// `text` if it can be sent as an HTTP header's value: printable ASCII and
/// spaces (stricter than HTTP, so that nothing odd reaches the wire).
fn header_value<'a>(text: &'a str, what: &str) -> Result<&'a str, String> {
    let printable = text.bytes().all(|byte| byte == b' ' || byte.is_ascii_graphic());
    if text.is_empty() || !printable {
        return Err(format!("{what} `{text}` is not printable ASCII"));
    }
    Ok(text)
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The fault a flag makes, to compare (a fault shows everything it does
    /// in its `Debug`).
    fn fault_of(text: &str) -> String {
        let flag = parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
        format!("{:?}", flag.fault)
    }

    fn same(fault: Fault) -> String {
        format!("{fault:?}")
    }

    fn error_of(text: &str) -> String {
        parse(text).map(|flag| format!("{flag:?}")).expect_err(text)
    }

    #[test]
    fn every_operation_is_named() {
        for (name, operation) in OPERATIONS {
            assert_eq!(parse(&format!("{name}=nulls")).unwrap().operation, operation);
        }
        for operation in Operation::ALL {
            assert!(OPERATIONS.iter().any(|(_, named)| named == operation), "{operation:?}");
        }
        assert!(error_of("fetch=nulls").contains("unknown OPERATION `fetch`"));
    }

    #[test]
    fn every_fault_is_read_with_its_argument() {
        let second = Duration::from_secs(1);
        let cases = [
            ("get=status:503", Fault::status(503)),
            ("get=delay:2s", Fault::delay(2 * second)),
            ("get=close-before-answer", Fault::close_before_answer()),
            ("run=close-after-action", Fault::close_after_action()),
            ("get=malformed-json", Fault::malformed_json()),
            ("get=truncated-json", Fault::truncated_json()),
            ("run=success-false:Quota exceeded", Fault::success_false("Quota exceeded")),
            ("run=success-false", Fault::success_false(DEFAULT_REFUSAL)),
            ("get=unlisted-enum-values", Fault::unlisted_enum_values()),
            ("get=unknown-properties", Fault::unknown_properties()),
            ("get=nulls", Fault::nulls()),
            (
                "get=redirect:307:http://elsewhere.example/v1",
                Fault::redirect(307, "http://elsewhere.example/v1"),
            ),
            ("get=endless-body", Fault::endless_body()),
            ("get=declared-body:1073741824", Fault::declared_body(1 << 30)),
            ("get=drip:5ms", Fault::drip(Duration::from_millis(5))),
            ("list=hostile-text", Fault::hostile_text()),
            ("get=undated", Fault::undated()),
        ];
        for kind in &FAULTS {
            let named = |(text, _): &&(&str, Fault)| {
                split_argument(text.split_once('=').unwrap().1).0 == kind.name
            };
            assert!(cases.iter().any(|case| named(&case)), "no case for {}", kind.name);
        }
        for (text, fault) in cases {
            assert_eq!(fault_of(text), same(fault), "{text}");
        }
    }

    #[test]
    fn modifiers_add_a_retry_after_and_a_body_whose_values_may_hold_commas_and_ats() {
        assert_eq!(
            fault_of("get=status:429,retry-after=5@next:2"),
            same(Fault::status(429).retry_after("5"))
        );
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(
            fault_of(&format!(
                "get=status:502,body=text/html:<h1>Bad, bad gateway</h1>,retry-after={date}"
            )),
            same(
                Fault::status(502).body("text/html", "<h1>Bad, bad gateway</h1>").retry_after(date)
            )
        );
        // The last `@` starts WHEN: text with an `@` is followed by one.
        assert_eq!(
            fault_of("get=success-false:write to ops@example.com, please@nth:1"),
            same(Fault::success_false("write to ops@example.com, please"))
        );
    }

    #[test]
    fn every_when_is_read() {
        let when = |text: &str| parse(text).unwrap().when;
        assert_eq!(when("get=status:503@nth:3"), When::Nth(3));
        assert_eq!(when("run=close-after-action@next:1"), When::Next(1));
        assert_eq!(when("get=nulls@for:30s"), When::For(Duration::from_secs(30)));
        assert_eq!(when("get=drip:5ms@always"), When::Always);
        assert_eq!(when("list=hostile-text"), When::Always);
        for kind in &WHENS {
            let text = format!(
                "get=nulls@{}{}",
                kind.name,
                kind.argument.replace("DURATION", "2s").replace("N", "2")
            );
            assert!(parse(&text).is_ok(), "{text}");
        }
    }

    #[test]
    fn bad_flags_say_what_is_wrong() {
        let cases = [
            ("get", "expected OPERATION=FAULT[@WHEN]"),
            ("get=", "unknown FAULT ``"),
            ("get=teapot", "unknown FAULT `teapot`"),
            ("get=status", "status: CODE is missing"),
            ("get=status:", "status: CODE is missing"),
            ("get=status:99", "`99` is not an HTTP status from 100 to 999"),
            ("get=status:1000", "`1000` is not an HTTP status"),
            ("get=status:abc", "`abc` is not an HTTP status"),
            ("get=delay:2", "`2` is not a duration"),
            ("get=delay:9999h", "longer than"),
            ("get=nulls:yes", "nulls: takes no argument, got `yes`"),
            ("get=redirect:302", "`302` is not CODE:LOCATION"),
            ("get=redirect:200:http://x.example/", "`200` is not an HTTP status from 300 to 399"),
            ("get=redirect:302:", "LOCATION `` is not printable ASCII"),
            ("get=redirect:302:http://x.example/\u{7}", "is not printable ASCII"),
            ("get=declared-body:-1", "`-1` is not a number of bytes"),
            ("get=drip", "drip: DURATION is missing"),
            ("get=nulls@nth:0", "`0` is not a number of calls (1 or more)"),
            ("get=nulls@next:0", "`0` is not a number of calls"),
            ("get=nulls@nth", "nth: N is missing"),
            ("get=nulls@for:ever", "`ever` is not a duration"),
            ("get=nulls@always:1", "`always` takes no argument"),
            ("get=nulls@sometimes", "unknown WHEN `sometimes`"),
            ("get=nulls@", "unknown WHEN ``"),
            ("get=nulls,retry-after=\u{e9}", "retry-after: retry-after `\u{e9}` is not printable"),
            ("get=nulls,retry-after=", "retry-after `` is not printable ASCII"),
            ("get=nulls,body=no type", "body: body `no type` is not TYPE:TEXT"),
            (
                "get=nulls,body=text/pl\u{e9}in:x",
                "the body's TYPE `text/pl\u{e9}in` is not printable",
            ),
            ("get=nulls,gzip", "unknown FAULT `nulls,gzip`"),
            ("get=status:503,gzip", "`503,gzip` is not an HTTP status"),
        ];
        for (text, expected) in cases {
            let error = error_of(text);
            assert!(error.contains(expected), "{text}: {error:?} does not say {expected:?}");
        }
    }
}
