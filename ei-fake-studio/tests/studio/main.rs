//! The fake Studio's behaviour, observed over HTTP with a reqwest client.

mod authentication;
mod definitions;
mod diagnosis;
mod faults;
mod generated_client;
mod hostile;
mod lifecycle;
mod listening;
mod observability;
mod paused_clock;
mod replica;
mod support;
