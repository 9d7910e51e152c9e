//! End-to-end tests: the real `ei-pipeline` binary, as a child process,
//! against an `ei-fake-studio` running in the test process on the real clock.

mod agreement;
mod color;
mod completions;
mod corporate_network;
mod deadlines;
mod definitions;
mod demo;
mod diagnosis;
mod failures;
mod github;
mod golden;
mod harness;
mod interrupt;
mod json_lines;
mod json_stderr;
mod junit;
mod junit_schema;
mod logging;
// Key files' modes, /dev/zero and FIFOs are Unix's.
#[cfg(unix)]
mod profiles;
mod quiet;
mod read;
mod run;
mod secrets;
mod several;
mod untrusted_answers;
mod wait;
