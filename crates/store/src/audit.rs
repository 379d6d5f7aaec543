//! The audit log: appending hash-chained entries inside the caller's transaction, reading them
//! back in `seq` order (in pages, for checks over millions of entries), and purging entries past
//! retention while keeping the rest verifiable.
//!
//! The log spans task forces (a failed sign-in belongs to none), so its reads are not scoped by a
//! task force here; who may read it is decided above the store.
//!
//! `audit_head` (one row) records the last entry written and where the chain starts. [`append`]
//! locks it, so entries are numbered one writer at a time: on PostgreSQL with
//! `SELECT … FOR UPDATE`, on SQLite by the write lock every [`Tx`] takes at `BEGIN IMMEDIATE`. The
//! lock is held until the caller's transaction ends, so append as the last step of a use case,
//! just before commit.

use crate::values::RowExt;
use crate::{Backend, Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::audit::{
    canonical_time, chain_hash, Anchor, AuditHead, AuditRecord, Outcome, StoredAuditEntry,
    UnreadableEntry,
};
use taskforce_domain::{MemberId, OrganizationId, TaskForceId};

/// One stored row: an entry, or a row that can no longer be read as one (an edit outside
/// Taskforce), for the check to report.
pub type AuditRow = std::result::Result<StoredAuditEntry, UnreadableEntry>;

const COLUMNS: &str =
    "seq, at, task_force_id, actor_member_id, actor_email, organization_id, action, \
                       object_kind, object_id, outcome, source, detail, prev_hash, hash";

fn to_db(seq: u64) -> Result<i64> {
    i64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq} is out of range")))
}

fn from_db(column: &str, value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column}: {value} is negative")))
}

/// Reads the head. With `lock`, on PostgreSQL the row stays locked until the transaction ends.
async fn read_head(conn: &mut AnyConnection, lock: Option<Backend>) -> Result<AuditHead> {
    let sql = match lock {
        Some(Backend::Postgres) => {
            "SELECT last_seq, last_hash, anchor_seq, anchor_prev_hash FROM audit_head WHERE id = 1 FOR UPDATE"
        }
        // SQLite: the transaction already holds the database's write lock (BEGIN IMMEDIATE).
        Some(Backend::Sqlite) | None => {
            "SELECT last_seq, last_hash, anchor_seq, anchor_prev_hash FROM audit_head WHERE id = 1"
        }
    };
    let row = sqlx::query(sql)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::Corrupt("audit_head: the row is missing".into()))?;
    Ok(AuditHead {
        last_seq: from_db("audit_head.last_seq", row.int("last_seq")?)?,
        last_hash: row.text("last_hash")?,
        anchor: Anchor {
            seq: from_db("audit_head.anchor_seq", row.int("anchor_seq")?)?,
            prev_hash: row.text("anchor_prev_hash")?,
        },
    })
}

/// Appends `record` as the next entry, inside the caller's transaction: it commits or rolls back
/// with the act it records. Answers the entry's `seq`.
///
/// The record is stored in its [`AuditRecord::storable`] form (microsecond time, no NUL), which
/// is also what is hashed.
pub async fn append(tx: &mut Tx, record: &AuditRecord) -> Result<u64> {
    let backend = tx.backend();
    let head = read_head(tx.conn(), Some(backend)).await?;
    let record = record.clone().storable();
    let seq = head.last_seq.saturating_add(1);
    let hash = chain_hash(&head.last_hash, seq, &record);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, task_force_id, actor_member_id, actor_email, organization_id, action,
                                object_kind, object_id, outcome, source, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(to_db(seq)?)
    .bind(canonical_time(record.at))
    .bind(record.task_force_id.map(|id| id.to_string()))
    .bind(record.actor_member_id.map(|id| id.to_string()))
    .bind(&record.actor_email)
    .bind(record.organization_id.map(|id| id.to_string()))
    .bind(&record.action)
    .bind(&record.object_kind)
    .bind(&record.object_id)
    .bind(record.outcome.code())
    .bind(&record.source)
    .bind(&record.detail)
    .bind(&head.last_hash)
    .bind(&hash)
    .execute(tx.conn())
    .await?;
    sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
        .bind(to_db(seq)?)
        .bind(&hash)
        .execute(tx.conn())
        .await?;
    Ok(seq)
}

/// The head: the last entry written and where the chain starts.
pub async fn head(conn: &mut AnyConnection) -> Result<AuditHead> {
    read_head(conn, None).await
}

/// Where the chain starts: the first kept `seq` and the `prev_hash` it carries.
pub async fn anchor(conn: &mut AnyConnection) -> Result<Anchor> {
    Ok(read_head(conn, None).await?.anchor)
}

fn entry_from(row: &AnyRow) -> Result<AuditRow> {
    let seq = row.int("seq")?;
    let Ok(seq) = u64::try_from(seq) else {
        return Ok(Err(UnreadableEntry {
            seq: 0,
            problem: format!("seq: {seq} is negative"),
        }));
    };
    let read = || -> Result<StoredAuditEntry> {
        Ok(StoredAuditEntry {
            seq,
            record: AuditRecord {
                at: row.time("at")?,
                task_force_id: row.opt_uuid("task_force_id")?.map(TaskForceId),
                actor_member_id: row.opt_uuid("actor_member_id")?.map(MemberId),
                actor_email: row.text("actor_email")?,
                organization_id: row.opt_uuid("organization_id")?.map(OrganizationId),
                action: row.text("action")?,
                object_kind: row.text("object_kind")?,
                object_id: row.text("object_id")?,
                outcome: row.code("outcome", Outcome::from_code)?,
                source: row.text("source")?,
                detail: row.text("detail")?,
            },
            prev_hash: row.text("prev_hash")?,
            hash: row.text("hash")?,
        })
    };
    Ok(match read() {
        Ok(entry) => Ok(entry),
        Err(StoreError::Corrupt(problem)) => Err(UnreadableEntry { seq, problem }),
        Err(other) => return Err(other),
    })
}

fn readable(row: AuditRow) -> Result<StoredAuditEntry> {
    row.map_err(|u| {
        StoreError::Corrupt(format!(
            "audit entry {}: {} (run `taskforce audit verify`)",
            u.seq, u.problem
        ))
    })
}

/// Up to `limit` rows with `seq` greater than `after`, in `seq` order: the pages of a check over
/// the whole log. Rows that cannot be read come back as [`UnreadableEntry`] for the check to
/// report.
pub async fn entries_after(
    conn: &mut AnyConnection,
    after: u64,
    limit: u32,
) -> Result<Vec<AuditRow>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    sqlx::query(&sql)
        .bind(to_db(after)?)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(entry_from)
        .collect()
}

/// The entries written from `from` (inclusive) to `to` (exclusive), in `seq` order.
pub async fn entries_between(
    conn: &mut AnyConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StoredAuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE at >= $1 AND at < $2 ORDER BY seq");
    sqlx::query(&sql)
        .bind(canonical_time(from))
        .bind(canonical_time(to))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| entry_from(row).and_then(readable))
        .collect()
}

/// One task force's entries written from `from` (inclusive) to `to` (exclusive), in `seq`
/// order, at most `limit` (the auditors' view; answered from the task-force index).
pub async fn task_force_entries_between(
    conn: &mut AnyConnection,
    task_force: TaskForceId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<StoredAuditEntry>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE task_force_id = $1 AND at >= $2 AND at < $3 ORDER BY seq LIMIT $4"
    );
    sqlx::query(&sql)
        .bind(task_force.to_string())
        .bind(canonical_time(from))
        .bind(canonical_time(to))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| entry_from(row).and_then(readable))
        .collect()
}

/// A page of [`entries_between`]: up to `limit` entries with `seq` greater than `after`, for
/// exports of any size with bounded memory.
pub async fn entries_between_after(
    conn: &mut AnyConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: u64,
    limit: u32,
) -> Result<Vec<StoredAuditEntry>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE at >= $1 AND at < $2 AND seq > $3 ORDER BY seq LIMIT $4"
    );
    sqlx::query(&sql)
        .bind(canonical_time(from))
        .bind(canonical_time(to))
        .bind(to_db(after)?)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| entry_from(row).and_then(readable))
        .collect()
}

/// What a purge did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purged {
    /// Entries deleted.
    pub removed: u64,
    /// Where the chain starts now.
    pub anchor: Anchor,
}

/// Deletes the entries written before `cutoff` and moves the anchor to the first one kept, so the
/// rest still verifies. Only a prefix of the chain is ever deleted: everything from the first
/// entry (by `seq`) written at or after `cutoff` is kept, even an entry after it whose clock
/// read earlier. When every entry is older, the anchor moves past the last one, to where the
/// next entry will be written.
///
/// Refuses (and deletes nothing) when the first kept entry is not linked to the entry before it,
/// since moving the anchor there would hide the break.
pub async fn purge_before(tx: &mut Tx, cutoff: DateTime<Utc>) -> Result<Purged> {
    let backend = tx.backend();
    let head = read_head(tx.conn(), Some(backend)).await?;
    let first_kept = sqlx::query("SELECT MIN(seq) AS first FROM audit_log WHERE at >= $1")
        .bind(canonical_time(cutoff))
        .fetch_one(tx.conn())
        .await?
        .opt_int("first")?;
    let (anchor_seq, anchor_prev_hash) = match first_kept {
        Some(first) => {
            let prev_hash = sqlx::query("SELECT prev_hash FROM audit_log WHERE seq = $1")
                .bind(first)
                .fetch_one(tx.conn())
                .await?
                .text("prev_hash")?;
            (from_db("audit_log.seq", first)?, prev_hash)
        }
        None => (head.last_seq.saturating_add(1), head.last_hash.clone()),
    };
    if anchor_seq <= head.anchor.seq {
        return Ok(Purged {
            removed: 0,
            anchor: head.anchor,
        });
    }
    let last_removed = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(to_db(anchor_seq - 1)?)
        .fetch_optional(tx.conn())
        .await?
        .map(|row| row.text("hash"))
        .transpose()?;
    if last_removed.as_deref() != Some(anchor_prev_hash.as_str()) {
        return Err(StoreError::Corrupt(format!(
            "audit entry {anchor_seq} is not linked to entry {} before it; nothing was purged (run `taskforce audit verify`)",
            anchor_seq - 1
        )));
    }
    let removed = sqlx::query("DELETE FROM audit_log WHERE seq < $1")
        .bind(to_db(anchor_seq)?)
        .execute(tx.conn())
        .await?
        .rows_affected();
    sqlx::query("UPDATE audit_head SET anchor_seq = $1, anchor_prev_hash = $2 WHERE id = 1")
        .bind(to_db(anchor_seq)?)
        .bind(&anchor_prev_hash)
        .execute(tx.conn())
        .await?;
    Ok(Purged {
        removed,
        anchor: Anchor {
            seq: anchor_seq,
            prev_hash: anchor_prev_hash,
        },
    })
}
