//! Record linkage and deconfliction for Taskforce.
//!
//! - [`normalize`]: identifiers written two ways become one value (names with nicknames and
//!   transliterations, dates of birth full or partial, phones in E.164, e-mails, addresses,
//!   plates, online accounts, business names);
//! - [`engine`]: deduplication and linkage of person records with Fellegi-Sunter scoring, its
//!   m and u trained without labels ([`model`]), blocking rules ([`blocking`]) and clustering
//!   ([`cluster`]); every pair's weight is explained field by field;
//! - [`blind`]: a keyed blind index for target deconfliction that holds no raw value;
//! - [`events`]: event deconfliction of planned operations in space and time;
//! - [`synth`]: synthetic person records with known duplicates, for benchmarks.
//!
//! Pure: no I/O, no clock, no async. The caller decides which records may be compared: this
//! crate compares what it is given.

#![forbid(unsafe_code)]

pub mod blind;
pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod engine;
pub mod events;
pub mod model;
pub mod normalize;
pub mod synth;

pub use compare::{Field, PersonRecord, Prepared};
pub use engine::{
    dedupe, dedupe_where, link, prepare, Linkage, Progress, Quiet, ScoredPair, Settings,
    DEFAULT_THRESHOLD,
};
