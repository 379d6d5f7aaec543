//! HTTP tests of Taskforce: the real router, driven request by request, over a real SQLite
//! database in a temporary folder (the demo network, or an empty one).

// Test code: a failed expectation is the test failing (helpers outside #[test] functions
// are not covered by clippy.toml's allow-*-in-tests).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod api;
mod forms;
mod harness;
mod pages;
mod service;
