//! The store conformance suite: every test runs against SQLite, and against PostgreSQL when
//! `TASKFORCE_TEST_POSTGRES` holds a server URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).
//! Each test gets a fresh database, dropped afterwards.

mod harness;
mod open;
mod structure;
