//! Persistence of Taskforce.
//!
//! One API over two backends: SQLite (the embedded default) and PostgreSQL (for networks). SQL is
//! written once where the dialects agree (most of it: `$N` parameters, TEXT and BIGINT columns)
//! and branched on [`Backend`] only where they truly differ. Migrations are embedded per backend.
//!
//! Architecture invariants:
//! - Nothing outside this crate writes SQL.
//! - Every function that touches a task force's rows takes its [`TaskForceId`] and puts it in the
//!   `WHERE` clause; there is no unscoped read of tenant data.
//! - Writes take a [`Tx`]: a use case's changes commit together or not at all.

pub mod audit;
pub mod bench;
pub mod cases;
mod connect;
pub mod consent;
pub mod deconfliction;
pub mod duplicates;
mod error;
pub mod identity;
pub mod intake;
pub mod keys;
pub mod notifications;
pub mod operations;
pub mod passkeys;
pub mod referrals;
pub mod search;
pub mod services;
pub mod structure;
pub mod threat;
mod values;
mod visibility;

pub use connect::{Backend, Create, DatabaseUrl, Store, Tx};
pub use error::StoreError;
pub use sqlx::AnyConnection as Connection;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
