//! The run model in words and in JSON: every output of a command is built
//! here from the SDK's types, so that a step reads the same in `status`,
//! in the progress lines, under an outcome and in `logs`, and the JSON is
//! the SDK's types as they serialize. Nothing here reads the network.

pub mod definition;
pub mod github;
pub mod junit;
pub mod logs;
pub mod outcome;
pub mod progress;
pub mod run;
