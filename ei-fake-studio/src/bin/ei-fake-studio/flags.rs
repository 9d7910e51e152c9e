//! The command line: the flags, what each means, and `--help`.

use crate::duration;
use crate::fault_flag::{self, FaultFlag, FAULTS, MODIFIERS, OPERATIONS, WHENS};
use crate::samples::{self, DEFAULT_SHAPE, SHAPES};
use ei_fake_studio::{FakeStudio, ProgressShape};
use std::ffi::OsString;
use std::fmt::{self, Write};
use std::time::Duration;

/// What to do.
#[derive(Debug)]
pub enum Command {
    /// Serve the samples until stopped.
    Serve(Options),
    /// Print `--help`.
    Help,
}

/// How to serve.
#[derive(Debug)]
pub struct Options {
    /// The port of 127.0.0.1 (0: a free one).
    pub port: u16,
    /// The API key the studio accepts.
    pub api_key: String,
    /// How far the pipeline view lags the writes.
    pub view_lag: Duration,
    /// How pipeline 1's counts move.
    pub shape: ProgressShape,
    /// The faults to inject, in the order given.
    pub faults: Vec<FaultFlag>,
}

/// A command line that cannot be followed, and why.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The flags, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flag {
    Port,
    ApiKey,
    ViewLag,
    Shape,
    Fault,
}

/// Every flag that takes a value: its name, its value's name and what it
/// does, as `--help` lists them.
const FLAGS: [(Flag, &str, &str, &str); 5] = [
    (
        Flag::Port,
        "--port",
        "N",
        "the port of 127.0.0.1 to listen on; 0 picks a free one [default: 0]",
    ),
    (
        Flag::ApiKey,
        "--api-key",
        "KEY",
        "the API key to accept, printable ASCII [default: the fake's test key]",
    ),
    (
        Flag::ViewLag,
        "--view-lag",
        "DURATION",
        "make the pipeline view lag the writes, as a replica does [default: 0s]",
    ),
    (Flag::Shape, "--shape", "SHAPE", "how pipeline 1's file counts move [default: steady]"),
    (
        Flag::Fault,
        "--fault",
        "OPERATION=FAULT[@WHEN]",
        "make some calls misbehave (repeatable; see below)",
    ),
];

/// Where `--help` starts its descriptions: past the widest thing it
/// describes, `--fault OPERATION=FAULT[@WHEN]`.
const HELP_COLUMN: usize = 31;

/// Reads the command line (without the program's name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let mut port = None;
    let mut api_key = None;
    let mut view_lag = None;
    let mut shape = None;
    let mut faults = Vec::new();
    while let Some(arg) = args.next() {
        let arg = text(arg)?;
        if arg == "--help" || arg == "-h" {
            return Ok(Command::Help);
        }
        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let &(flag, name, _, _) = FLAGS
            .iter()
            .find(|(_, known, _, _)| *known == name)
            .ok_or_else(|| UsageError(format!("unknown argument `{arg}`")))?;
        let value = match inline_value {
            Some(value) => value,
            None => text(args.next().ok_or_else(|| UsageError(format!("{name} needs a value")))?)?,
        };
        let invalid = |error: String| UsageError(format!("{name} {value}: {error}"));
        match flag {
            Flag::Port => once(
                &mut port,
                name,
                value.parse().map_err(|_| invalid("not a port, 0 to 65535".to_owned()))?,
            )?,
            Flag::ApiKey => once(&mut api_key, name, api_key_value(&value).map_err(invalid)?)?,
            Flag::ViewLag => once(&mut view_lag, name, duration::parse(&value).map_err(invalid)?)?,
            Flag::Shape => {
                let named = samples::shape_named(&value)
                    .ok_or_else(|| invalid(format!("not a shape (one of {})", shape_names())))?;
                once(&mut shape, name, named)?;
            }
            Flag::Fault => faults.push(fault_flag::parse(&value).map_err(invalid)?),
        }
    }
    Ok(Command::Serve(Options {
        port: port.unwrap_or(0),
        api_key: api_key.unwrap_or_else(|| FakeStudio::DEFAULT_API_KEY.to_owned()),
        view_lag: view_lag.unwrap_or(Duration::ZERO),
        shape: shape.unwrap_or(DEFAULT_SHAPE),
        faults,
    }))
}

fn text(arg: OsString) -> Result<String, UsageError> {
    arg.into_string()
        .map_err(|arg| UsageError(format!("`{}` is not valid UTF-8", arg.to_string_lossy())))
}

/// Sets a flag that may be given once.
fn once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), UsageError> {
    if slot.replace(value).is_some() {
        return Err(UsageError(format!("{name} is given twice")));
    }
    Ok(())
}

/// An API key a client can send in a header: printable ASCII, no spaces.
fn api_key_value(key: &str) -> Result<String, String> {
    if key.is_empty() || !key.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err("an API key is printable ASCII without spaces".to_owned());
    }
    Ok(key.to_owned())
}

fn shape_names() -> String {
    SHAPES.iter().map(|(name, _, _)| *name).collect::<Vec<_>>().join(", ")
}

/// What `--help` prints.
pub fn help() -> String {
    let mut help = String::from(
        "ei-fake-studio: a fake Edge Impulse Studio on 127.0.0.1 that serves sample pipelines\n\
         until stopped (Ctrl-C, SIGINT or SIGTERM), printing its base URL, API key, organization\n\
         and pipelines, and the environment variables that point ei-pipeline at it.\n\n\
         Usage: ei-fake-studio [OPTIONS]\n\nOptions:\n",
    );
    for (_, name, value, summary) in FLAGS {
        let _ = writeln!(help, "  {:<HELP_COLUMN$} {summary}", format!("{name} {value}"));
    }
    let _ = writeln!(help, "  {:<HELP_COLUMN$} print this help", "-h, --help");
    let _ = writeln!(
        help,
        "\nRuns move on the real clock. Only 127.0.0.1 is bound: the fake speaks plain HTTP and \
         accepts a well-known key.\n\nDURATION: a whole number and a unit, {} (250ms, 2s, 5m; at most a week).\n\nSHAPE:",
        duration::UNITS.iter().map(|(unit, _)| *unit).collect::<Vec<_>>().join(", ")
    );
    for (name, _, looks) in &SHAPES {
        let _ = writeln!(help, "  {name:<HELP_COLUMN$} {looks}");
    }
    let _ = writeln!(
        help,
        "\n--fault OPERATION=FAULT[,MODIFIER]...[@WHEN]\n\
         Faults apply to the calls of OPERATION that WHEN picks, counted from the start; when several\n\
         pick a call, the last given applies. A call counts whatever its credentials.\n\nOPERATION: {}",
        OPERATIONS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(help, "\nFAULT:");
    write_syntax_rows(
        &mut help,
        FAULTS.iter().map(|kind| (kind.name, kind.argument, kind.summary)),
    );
    let _ = writeln!(help, "\nMODIFIER (after a comma; values may hold commas):");
    write_syntax_rows(
        &mut help,
        MODIFIERS.iter().map(|modifier| (modifier.name, modifier.argument, modifier.summary)),
    );
    let _ = writeln!(
        help,
        "\nWHEN (after the last @; give one when FAULT holds an @) [default: always]:"
    );
    write_syntax_rows(&mut help, WHENS.iter().map(|kind| (kind.name, kind.argument, kind.summary)));
    help.push_str(
        "\nExamples:\n\
         \x20 ei-fake-studio --port 8080\n\
         \x20 ei-fake-studio --fault get=status:503@nth:3 --fault run=close-after-action@next:1\n\
         \x20 ei-fake-studio --shape stalling --view-lag 2s --fault list=hostile-text\n\
         \x20 ei-fake-studio --fault get=status:429,retry-after=5@next:2 --fault get=drip:5ms@always\n",
    );
    help
}

/// Writes one help line per syntax form: its name and argument, then what it does.
fn write_syntax_rows<'a>(
    help: &mut String,
    rows: impl Iterator<Item = (&'a str, &'a str, &'a str)>,
) {
    for (name, argument, summary) in rows {
        let _ = writeln!(help, "  {:<HELP_COLUMN$} {summary}", format!("{name}{argument}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ei_fake_studio::{Operation, When};

    fn serve(args: &[&str]) -> Result<Options, UsageError> {
        match parse(args.iter().map(OsString::from))? {
            Command::Serve(options) => Ok(options),
            Command::Help => panic!("{args:?} asked for help"),
        }
    }

    fn error(args: &[&str]) -> String {
        serve(args).expect_err("a usage error").to_string()
    }

    #[test]
    fn no_flags_serve_the_defaults_on_a_free_port() {
        let options = serve(&[]).unwrap();
        assert_eq!(options.port, 0);
        assert_eq!(options.api_key, FakeStudio::DEFAULT_API_KEY);
        assert_eq!(options.view_lag, Duration::ZERO);
        assert_eq!(options.shape, ProgressShape::Steady);
        assert!(options.faults.is_empty());
    }

    #[test]
    fn every_flag_is_read_with_a_space_or_an_equals_sign() {
        let options = serve(&[
            "--port",
            "8080",
            "--api-key=ei_mine",
            "--view-lag",
            "2s",
            "--shape=batched",
            "--fault",
            "get=status:503@nth:3",
            "--fault=run=close-after-action@next:1",
        ])
        .unwrap();
        assert_eq!(options.port, 8080);
        assert_eq!(options.api_key, "ei_mine");
        assert_eq!(options.view_lag, Duration::from_secs(2));
        assert_eq!(options.shape, ProgressShape::Batched);
        let faults: Vec<_> =
            options.faults.iter().map(|f| (f.operation, f.when, f.text.as_str())).collect();
        assert_eq!(
            faults,
            [
                (Operation::Get, When::Nth(3), "get=status:503@nth:3"),
                (Operation::Run, When::Next(1), "run=close-after-action@next:1"),
            ]
        );
    }

    #[test]
    fn help_wins_and_lists_every_shape_operation_fault_modifier_and_when() {
        assert!(matches!(parse(["--port", "1", "--help"].map(OsString::from)), Ok(Command::Help)));
        assert!(matches!(parse(["-h"].map(OsString::from)), Ok(Command::Help)));
        let help = help();
        let names = SHAPES
            .iter()
            .map(|(name, _, _)| *name)
            .chain(OPERATIONS.iter().map(|(name, _)| *name))
            .chain(FAULTS.iter().map(|kind| kind.name))
            .chain(MODIFIERS.iter().map(|kind| kind.name))
            .chain(WHENS.iter().map(|kind| kind.name))
            .chain(FLAGS.iter().map(|(_, name, _, _)| *name));
        for name in names {
            assert!(help.contains(name), "--help does not mention {name}");
        }
    }

    #[test]
    fn bad_flags_say_what_is_wrong() {
        let cases: [(&[&str], &str); 14] = [
            (&["--prot", "8080"], "unknown argument `--prot`"),
            (&["8080"], "unknown argument `8080`"),
            (&["--port"], "--port needs a value"),
            (&["--port", "http"], "--port http: not a port, 0 to 65535"),
            (&["--port", "65536"], "--port 65536: not a port"),
            (&["--port", "-1"], "--port -1: not a port"),
            (&["--port", "1", "--port", "2"], "--port is given twice"),
            (&["--api-key", ""], "--api-key : an API key is printable ASCII without spaces"),
            (&["--api-key", "two words"], "an API key is printable ASCII"),
            (&["--view-lag", "2"], "--view-lag 2: `2` is not a duration"),
            (&["--shape", "wobbly"], "--shape wobbly: not a shape (one of steady, queued,"),
            (
                &["--fault", "get=status:600x"],
                "--fault get=status:600x: status: `600x` is not an HTTP status",
            ),
            (&["--fault", "get=nulls@nth:0"], "nth: `0` is not a number of calls"),
            (&["--fault"], "--fault needs a value"),
        ];
        for (args, expected) in cases {
            let error = error(args);
            assert!(error.contains(expected), "{args:?}: {error:?} does not say {expected:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_argument_that_is_not_utf8_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let arg = OsString::from_vec(vec![b'-', b'-', 0xff]);
        let error = parse([arg]).expect_err("not UTF-8").to_string();
        assert!(error.contains("is not valid UTF-8"), "{error}");
    }
}
