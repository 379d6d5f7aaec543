//! The tamper-evident audit log: what an audit record says, its canonical byte encoding, the hash
//! chain that links the records, and the check that proves the chain is whole.
//!
//! Every entry carries a sequence number `seq` (1, 2, 3, … with no gaps), the hash of the entry
//! before it (`prev_hash`) and its own hash:
//!
//! ```text
//! hash(seq) = hex(SHA-256( len(prev_hash) ‖ prev_hash ‖ seq ‖ encode(record) ))
//! ```
//!
//! where `prev_hash` is the previous entry's hash as lowercase hex text (64 zeros before entry 1),
//! `seq` is eight bytes big-endian and `encode` is [`AuditRecord::encode`]. Editing any field of an
//! entry changes its hash; deleting an entry leaves a gap in `seq`; moving or re-linking an entry
//! breaks the `prev_hash` link. [`verify`] and [`ChainVerifier`] find the first such break.
//!
//! When old entries are purged, the chain starts at an [`Anchor`]: the first kept `seq` and the
//! `prev_hash` it was written with, so the rest still verifies.

use crate::ids::{MemberId, OrganizationId, TaskForceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The hash "before" the first entry: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Tags the encoding, so that a future change of layout can never be mistaken for this one.
const ENCODING_TAG: &[u8] = b"taskforce.audit.v1";

/// The one text form of an audit timestamp: UTC, microseconds, fixed width. It is what is hashed
/// and what is stored, so a timestamp read back from the database hashes the same.
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// How an audited act ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The access policy allowed the act.
    Allowed,
    /// The access policy refused the act.
    Denied,
    /// The act (a sign-in, a write, an export) was carried out.
    Success,
    /// The act was attempted and failed (a wrong password, a refused input).
    Failure,
}

impl Outcome {
    pub const ALL: &'static [Outcome] = &[
        Outcome::Allowed,
        Outcome::Denied,
        Outcome::Success,
        Outcome::Failure,
    ];

    /// The stable code stored in the database, hashed, and exported.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|o| o.code() == code)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Who did an audited act, as far as it is known (a failed sign-in knows only the email typed,
/// or nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditActor {
    pub task_force_id: Option<TaskForceId>,
    pub member_id: Option<MemberId>,
    /// The email the person signed in with (or typed); empty when anonymous.
    pub email: String,
    pub organization_id: Option<OrganizationId>,
    /// Where the request came from: the client address, or `cli` for the command line.
    pub source: String,
}

impl AuditActor {
    /// The command line, run by someone with access to the server and its database.
    pub fn cli(source: impl Into<String>) -> Self {
        Self {
            email: "cli".into(),
            source: source.into(),
            ..Self::default()
        }
    }
}

/// One audited act: who, when, what, on which object, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    pub task_force_id: Option<TaskForceId>,
    pub actor_member_id: Option<MemberId>,
    /// Empty for an anonymous actor.
    pub actor_email: String,
    pub organization_id: Option<OrganizationId>,
    /// A dotted code: `sign_in.success`, `sign_in.failure`, `organization.create`, `member.read`,
    /// `audit.export`, …
    pub action: String,
    /// What kind of object was acted on (`organization`, `member`, `audit_log`), or empty.
    pub object_kind: String,
    /// Which one, or empty.
    pub object_id: String,
    pub outcome: Outcome,
    /// The client address (or `cli`).
    pub source: String,
    /// Free text that helps a reader: the fields changed, the reason for a refusal.
    pub detail: String,
}

impl AuditRecord {
    /// A record of `action` by `actor` at `at`, with no object and no detail yet.
    pub fn new(actor: &AuditActor, at: DateTime<Utc>, action: &str, outcome: Outcome) -> Self {
        Self {
            at,
            task_force_id: actor.task_force_id,
            actor_member_id: actor.member_id,
            actor_email: actor.email.clone(),
            organization_id: actor.organization_id,
            action: action.to_owned(),
            object_kind: String::new(),
            object_id: String::new(),
            outcome,
            source: actor.source.clone(),
            detail: String::new(),
        }
    }

    /// The object acted on.
    pub fn on(mut self, kind: &str, id: impl fmt::Display) -> Self {
        self.object_kind = kind.to_owned();
        self.object_id = id.to_string();
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// The record as every backend can store it unchanged: PostgreSQL text cannot hold NUL, so
    /// NUL characters become U+FFFD, and the timestamp keeps microseconds (what is stored). The
    /// store hashes and writes this form, so what is read back hashes the same.
    pub fn storable(mut self) -> Self {
        for text in [
            &mut self.actor_email,
            &mut self.action,
            &mut self.object_kind,
            &mut self.object_id,
            &mut self.source,
            &mut self.detail,
        ] {
            if text.contains('\0') {
                *text = text.replace('\0', "\u{FFFD}");
            }
        }
        let nanos = self.at.timestamp_subsec_nanos();
        self.at -= chrono::Duration::nanoseconds(i64::from(nanos % 1_000));
        self
    }

    /// The canonical, unambiguous bytes of the record: a version tag, then every field in a fixed
    /// order, each as its length (8 bytes, big-endian) followed by its UTF-8 bytes. Ids are their
    /// hyphenated lowercase text, or empty when absent (an id is never empty text); the timestamp
    /// is [`canonical_time`]; the outcome is its code.
    pub fn encode(&self) -> Vec<u8> {
        let id = |id: Option<String>| id.unwrap_or_default();
        let fields: [String; 11] = [
            canonical_time(self.at),
            id(self.task_force_id.map(|i| i.to_string())),
            id(self.actor_member_id.map(|i| i.to_string())),
            self.actor_email.clone(),
            id(self.organization_id.map(|i| i.to_string())),
            self.action.clone(),
            self.object_kind.clone(),
            self.object_id.clone(),
            self.outcome.code().to_owned(),
            self.source.clone(),
            self.detail.clone(),
        ];
        let mut out = Vec::with_capacity(64 + fields.iter().map(|f| f.len() + 8).sum::<usize>());
        put(&mut out, ENCODING_TAG);
        for field in &fields {
            put(&mut out, field.as_bytes());
        }
        out
    }
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The hash of entry `seq` holding `record`, chained to the hash of the entry before it:
/// `hex(SHA-256(len(prev) ‖ prev ‖ seq as 8 bytes big-endian ‖ record.encode()))`, lowercase.
pub fn chain_hash(prev_hash_hex: &str, seq: u64, record: &AuditRecord) -> String {
    let mut hasher = Sha256::new();
    let mut prev = Vec::with_capacity(8 + prev_hash_hex.len());
    put(&mut prev, prev_hash_hex.as_bytes());
    hasher.update(&prev);
    hasher.update(seq.to_be_bytes());
    hasher.update(record.encode());
    hex::encode(hasher.finalize())
}

/// An entry as stored: its place in the chain, the record, and the two hashes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAuditEntry {
    pub seq: u64,
    pub record: AuditRecord,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain starts: the first `seq` expected and the `prev_hash` it must carry. The
/// genesis anchor is entry 1 after 64 zeros; purging old entries moves the anchor forward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: u64,
    pub prev_hash: String,
}

impl Anchor {
    pub fn genesis() -> Self {
        Self {
            seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl Default for Anchor {
    fn default() -> Self {
        Self::genesis()
    }
}

/// What the log records about itself: the last entry written and where the chain starts. It
/// lets a check notice entries cut off the end, which the chain alone cannot show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    /// The last `seq` written (`anchor.seq - 1` when nothing has been written since the anchor).
    pub last_seq: u64,
    /// Its hash (the anchor's `prev_hash` when nothing has been written since the anchor).
    pub last_hash: String,
    pub anchor: Anchor,
}

/// An entry whose stored values cannot be read as a record (an id that is not an id, an unknown
/// outcome, a timestamp that is not one): only an edit outside Taskforce makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnreadableEntry {
    pub seq: u64,
    pub problem: String,
}

/// Why the chain is broken at an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakReason {
    /// The entry's contents do not hash to its stored hash: a field was edited.
    Altered,
    /// The entry's stored values cannot even be read.
    Unreadable { problem: String },
    /// The entry is gone: the log jumps over it to entry `next`.
    Missing { next: u64 },
    /// The entry is gone from the end: the log stops before the last entry its head records.
    Truncated { recorded_last: u64 },
    /// An entry numbered lower than expected (`found`) came where this one was due.
    OutOfOrder { found: u64 },
    /// The entry's `prev_hash` is not the hash of the entry before it: entries were swapped,
    /// moved or re-linked.
    Relinked,
    /// The entry is not the last one the head records (its hash differs from the head's).
    HeadMismatch,
    /// The entry exists but the head says the log ends before it: written outside Taskforce.
    Unrecorded { recorded_last: u64 },
}

impl BreakReason {
    /// A short stable code: `altered`, `unreadable`, `missing`, `truncated`, `out_of_order`,
    /// `relinked`, `head_mismatch`, `unrecorded`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Altered => "altered",
            Self::Unreadable { .. } => "unreadable",
            Self::Missing { .. } => "missing",
            Self::Truncated { .. } => "truncated",
            Self::OutOfOrder { .. } => "out_of_order",
            Self::Relinked => "relinked",
            Self::HeadMismatch => "head_mismatch",
            Self::Unrecorded { .. } => "unrecorded",
        }
    }
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Altered => f.write_str("altered (its contents no longer match its hash)"),
            Self::Unreadable { problem } => write!(f, "altered (it can no longer be read: {problem})"),
            Self::Missing { next } => write!(f, "missing (the next entry present is {next})"),
            Self::Truncated { recorded_last } => write!(
                f,
                "missing (the log ends before it, but records entries up to {recorded_last})"
            ),
            Self::OutOfOrder { found } => {
                write!(f, "out of order (entry {found} stands where this one belongs)")
            }
            Self::Relinked => f.write_str(
                "out of order or relinked (its previous hash is not the hash of the entry before it)",
            ),
            Self::HeadMismatch => {
                f.write_str("altered (it is not the last entry the log recorded writing)")
            }
            Self::Unrecorded { recorded_last } => write!(
                f,
                "added outside Taskforce (the log records entries only up to {recorded_last})"
            ),
        }
    }
}

/// The first place where the chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("entry {seq}: {reason}")]
pub struct BrokenChain {
    /// The first bad entry (for a gap, the first missing one).
    pub seq: u64,
    pub reason: BreakReason,
}

/// Checks entries one at a time, in `seq` order, so that millions of them can be verified in
/// pages with bounded memory. [`verify`] is the same check over an iterator.
#[derive(Clone, Debug)]
pub struct ChainVerifier {
    expected_seq: u64,
    prev_hash: String,
    first_seq: Option<u64>,
    entries: u64,
}

impl ChainVerifier {
    pub fn new(anchor: Anchor) -> Self {
        Self {
            expected_seq: anchor.seq,
            prev_hash: anchor.prev_hash,
            first_seq: None,
            entries: 0,
        }
    }

    /// Where the next entry must stand, and what its `seq` must be.
    fn check_place(&self, seq: u64) -> Result<(), BrokenChain> {
        if seq > self.expected_seq {
            return Err(BrokenChain {
                seq: self.expected_seq,
                reason: BreakReason::Missing { next: seq },
            });
        }
        if seq < self.expected_seq {
            return Err(BrokenChain {
                seq: self.expected_seq,
                reason: BreakReason::OutOfOrder { found: seq },
            });
        }
        Ok(())
    }

    /// Checks the next entry: its place, its link to the entry before it, and its own hash.
    pub fn check(&mut self, entry: &StoredAuditEntry) -> Result<(), BrokenChain> {
        self.check_place(entry.seq)?;
        if entry.prev_hash != self.prev_hash {
            return Err(BrokenChain {
                seq: entry.seq,
                reason: BreakReason::Relinked,
            });
        }
        if chain_hash(&entry.prev_hash, entry.seq, &entry.record) != entry.hash {
            return Err(BrokenChain {
                seq: entry.seq,
                reason: BreakReason::Altered,
            });
        }
        self.first_seq.get_or_insert(entry.seq);
        self.entries += 1;
        self.expected_seq = entry.seq.saturating_add(1);
        self.prev_hash.clone_from(&entry.hash);
        Ok(())
    }

    /// The next stored row could not be read as an entry: the break is there (or earlier, when
    /// it does not stand where the next entry belongs).
    pub fn unreadable(&self, entry: &UnreadableEntry) -> BrokenChain {
        match self.check_place(entry.seq) {
            Err(broken) => broken,
            Ok(()) => BrokenChain {
                seq: entry.seq,
                reason: BreakReason::Unreadable {
                    problem: entry.problem.clone(),
                },
            },
        }
    }

    /// After the last entry: checks that the log ends where its head says it does.
    pub fn finish(&self, head: &AuditHead) -> Result<(), BrokenChain> {
        let last = self.expected_seq.saturating_sub(1);
        if last < head.last_seq {
            return Err(BrokenChain {
                seq: self.expected_seq,
                reason: BreakReason::Truncated {
                    recorded_last: head.last_seq,
                },
            });
        }
        if last > head.last_seq {
            return Err(BrokenChain {
                seq: head.last_seq.saturating_add(1),
                reason: BreakReason::Unrecorded {
                    recorded_last: head.last_seq,
                },
            });
        }
        if self.prev_hash != head.last_hash {
            return Err(BrokenChain {
                seq: last,
                reason: BreakReason::HeadMismatch,
            });
        }
        Ok(())
    }

    /// Entries verified so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    pub fn first_seq(&self) -> Option<u64> {
        self.first_seq
    }

    pub fn last_seq(&self) -> Option<u64> {
        self.first_seq.map(|_| self.expected_seq.saturating_sub(1))
    }

    /// The hash of the last entry verified (the anchor's `prev_hash` before any).
    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }
}

/// Verifies entries given in `seq` order from `anchor` on, and answers how many there were, or
/// the first entry where the chain breaks and why.
pub fn verify(
    entries: impl IntoIterator<Item = StoredAuditEntry>,
    anchor: Anchor,
) -> Result<u64, BrokenChain> {
    let mut verifier = ChainVerifier::new(anchor);
    for entry in entries {
        verifier.check(&entry)?;
    }
    Ok(verifier.entries())
}

#[cfg(test)]
mod tests;
