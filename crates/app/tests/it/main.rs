//! Use cases on a real (temporary SQLite) database with a fixed clock.

// Test code: a failed expectation is the test failing (helpers outside #[test] functions
// are not covered by clippy.toml's allow-*-in-tests).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod audit;
mod demo_caseload;
mod encryption;
mod passkeys;
