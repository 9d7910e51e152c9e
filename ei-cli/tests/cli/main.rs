//! End-to-end tests: the real `ei-pipeline` binary, as a child process,
//! against an `ei-fake-studio` running in the test process on the real clock.

mod adversary;
mod demo;
mod diagnosis;
mod failures;
mod golden;
mod harness;
mod hostile;
mod interrupt;
mod logging;
mod read;
mod review2;
mod run;
mod secrets;
mod wait;
