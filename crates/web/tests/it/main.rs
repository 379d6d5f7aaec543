//! HTTP tests of Taskforce: the real router, driven request by request, over a real database
//! (SQLite in a temporary folder, or PostgreSQL when `TASKFORCE_TEST_POSTGRES` names a server)
//! holding the demo network or an empty one, with members who sign in as people do.

// Test code: a failed expectation is the test failing (helpers outside #[test] functions
// are not covered by clippy.toml's allow-*-in-tests).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod accounts;
mod api;
mod audit_trail;
mod cases;
mod consent;
mod deconfliction;
mod duplicates;
mod forms;
mod harness;
mod headers;
mod intake;
mod operations;
mod pages;
mod referrals;
mod routes;
mod service;
mod services_reviews;
mod sessions;
mod tenancy;
mod threat;
mod tokens;
