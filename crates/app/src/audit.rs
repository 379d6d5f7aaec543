//! Use cases of the audit log: recording an entry within a use case's own transaction, checking
//! the whole chain, reading entries by date, and purging entries past the retention period.
//!
//! Who may read the log, and the rule that every access to it is itself recorded, are decided
//! by the callers of these functions (the access policy is wired in above them).

use crate::{App, AppError, Result};
use chrono::{DateTime, Months, NaiveDate, NaiveTime, Utc};
use taskforce_domain::audit::{
    AuditActor, AuditRecord, BrokenChain, ChainVerifier, Outcome, StoredAuditEntry,
};
use taskforce_domain::Invalid;
use taskforce_store::audit::{self as db, Purged};
use taskforce_store::{StoreError, Tx};

/// Entries read per query when checking or exporting the log: memory stays bounded whatever
/// its length.
pub const AUDIT_PAGE: u32 = 10_000;

/// Audit records are kept at least this long; [`App::purge_audit`] refuses anything younger.
pub const AUDIT_RETENTION_MONTHS: u32 = 12;

/// Appends `record` to the audit log inside the caller's transaction, so it commits or rolls
/// back with the act it records. Call it as the last step before commit: on PostgreSQL it holds
/// the log's head row locked until the transaction ends. Answers the entry's number.
pub async fn record(tx: &mut Tx, record: AuditRecord) -> Result<u64> {
    Ok(db::append(tx, &record).await?)
}

/// A whole chain: how many entries were checked, and which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditVerification {
    pub entries: u64,
    /// The first entry kept (`None` when the log holds no entries).
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// The hash of the last entry: written down elsewhere, it lets a later check prove that the
    /// log was not rewritten from that point back.
    pub last_hash: String,
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// `[from, to]` in whole days (UTC) as the instants `[start of from, start of the day after to)`.
pub(crate) fn day_range(from: NaiveDate, to: NaiveDate) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    if to < from {
        return Err(Invalid::one("to", format!("{to} is before from ({from})")).into());
    }
    let after = to
        .succ_opt()
        .ok_or_else(|| Invalid::one("to", format!("{to} is too far in the future")))?;
    Ok((start_of(from), start_of(after)))
}

impl App {
    /// Records `record` in a transaction of its own (for acts that write nothing else, such as
    /// an export). Answers the entry's number.
    pub async fn record_audit(&self, record: AuditRecord) -> Result<u64> {
        let mut tx = self.store().begin().await?;
        let seq = self::record(&mut tx, record).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Checks the whole log, from its anchor to its head, in pages of [`AUDIT_PAGE`] entries, on
    /// one consistent snapshot (appends and purges meanwhile do not disturb it). Answers the
    /// entries checked, or the first entry where the chain breaks and why.
    pub async fn verify_audit(
        &self,
    ) -> Result<std::result::Result<AuditVerification, BrokenChain>> {
        let mut snapshot = self.store().begin_snapshot().await?;
        let head = db::head(snapshot.conn()).await?;
        let mut verifier = ChainVerifier::new(head.anchor.clone());
        let mut after = 0;
        let broken = 'pages: loop {
            let page = db::entries_after(snapshot.conn(), after, AUDIT_PAGE).await?;
            let Some(last) = page.last() else {
                break 'pages verifier.finish(&head).err();
            };
            after = match last {
                Ok(entry) => entry.seq,
                Err(unreadable) => unreadable.seq,
            };
            for row in &page {
                let checked = match row {
                    Ok(entry) => verifier.check(entry),
                    Err(unreadable) => Err(verifier.unreadable(unreadable)),
                };
                if let Err(broken) = checked {
                    break 'pages Some(broken);
                }
            }
        };
        snapshot.rollback().await?;
        Ok(match broken {
            Some(broken) => Err(broken),
            None => Ok(AuditVerification {
                entries: verifier.entries(),
                first_seq: verifier.first_seq(),
                last_seq: verifier.last_seq(),
                last_hash: verifier.last_hash().to_owned(),
            }),
        })
    }

    /// The entries written from the start of `from` to the end of `to` (whole days, UTC), in
    /// order. Refuses `to` before `from`, naming `to`.
    pub async fn audit_entries(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<StoredAuditEntry>> {
        let (start, end) = day_range(from, to)?;
        let mut conn = self.store().conn().await?;
        Ok(db::entries_between(&mut conn, start, end).await?)
    }

    /// A page of [`App::audit_entries`]: up to `limit` entries numbered after `after`, for
    /// exports of any size with bounded memory. Start with `after` = 0 and continue from the last
    /// entry's `seq` until a page comes back empty.
    pub async fn audit_entries_page(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredAuditEntry>> {
        let (start, end) = day_range(from, to)?;
        let mut conn = self.store().conn().await?;
        Ok(db::entries_between_after(&mut conn, start, end, after, limit).await?)
    }

    /// The latest `before` date [`App::purge_audit`] accepts today: records are kept at least
    /// [`AUDIT_RETENTION_MONTHS`] months.
    pub fn audit_purge_limit(&self) -> NaiveDate {
        let today = self.clock().now().date_naive();
        today
            .checked_sub_months(Months::new(AUDIT_RETENTION_MONTHS))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Deletes the entries written before the start of `before` (UTC) and records the purge, by
    /// `actor`, in the same transaction. Refuses (`before`) a date less than a year ago, and
    /// refuses to purge a log whose chain is broken (the purge would hide the break).
    pub async fn purge_audit(&self, before: NaiveDate, actor: &AuditActor) -> Result<Purged> {
        let limit = self.audit_purge_limit();
        if before > limit {
            return Err(Invalid::one(
                "before",
                format!(
                    "audit records are kept for at least one year; the latest date allowed today is {limit}"
                ),
            )
            .into());
        }
        if let Err(broken) = self.verify_audit().await? {
            return Err(AppError::Store(StoreError::Corrupt(format!(
                "the audit log is broken at {broken}; nothing was purged"
            ))));
        }
        let mut tx = self.store().begin().await?;
        let purged = db::purge_before(&mut tx, start_of(before)).await?;
        let entry = AuditRecord::new(actor, self.clock().now(), "audit.purge", Outcome::Success)
            .on("audit_log", "")
            .with_detail(format!(
                "removed {} entries written before {before}; the log now starts at entry {}",
                purged.removed, purged.anchor.seq
            ));
        self::record(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(purged)
    }
}
