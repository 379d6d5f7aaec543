//! Pure types and rules of Taskforce.
//!
//! Architecture invariant: this crate does no I/O, spawns nothing and knows nothing of SQL, HTTP
//! or async runtimes. Everything here is a value and a function over values, so it is tested
//! without a database and reused by every layer above it.

pub mod access;
pub mod audit;
pub mod cases;
pub mod consent;
pub mod deconfliction;
pub mod duplicates;
pub mod identity;
pub mod ids;
pub mod intake;
pub mod notifications;
pub mod operations;
pub mod passkeys;
pub mod reference;
pub mod referrals;
pub mod screening;
pub mod search;
pub mod services;
pub mod structure;
pub mod threat;
pub mod validation;

pub use ids::*;
pub use validation::{FieldError, Invalid};
