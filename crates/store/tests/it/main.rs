//! The store conformance suite: every test runs against SQLite, and against PostgreSQL when
//! `TASKFORCE_TEST_POSTGRES` holds a server URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).
//! Each test gets a fresh database, dropped afterwards.

// Test code: a failed expectation is the test failing (helpers outside #[test] functions
// are not covered by clippy.toml's allow-*-in-tests).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod audit;
mod cases;
mod harness;
mod identity;
mod intake;
mod open;
mod passkeys;
mod structure;
mod threat;
