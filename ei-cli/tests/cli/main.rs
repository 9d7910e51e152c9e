//! End-to-end tests: the real `ei-pipeline` binary, as a child process,
//! against an `ei-fake-studio` running in the test process on the real clock.

mod adversary;
mod adversary_output;
mod agreement;
mod demo;
mod diagnosis;
mod failures;
mod golden;
mod harness;
mod hostile;
mod interrupt;
mod json_lines;
mod junit;
mod junit_schema;
mod logging;
mod read;
mod run;
mod secrets;
mod wait;
