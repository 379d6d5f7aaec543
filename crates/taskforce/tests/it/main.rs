//! Tests of the `taskforce` program as people run it: the built binary, its exit status and
//! messages, and the server it starts, reached over real HTTP.

// Test code: a failed expectation is the test failing (helpers outside #[test] functions
// are not covered by clippy.toml's allow-*-in-tests).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod audit;
mod benches;
mod cli;
mod database;
mod demo;
mod determinism;
mod harness;
mod linkage;
mod users;
