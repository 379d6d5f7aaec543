//! The audit log's use cases: checking in pages, reading by whole days, and purging only what
//! is older than a year.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sqlx::Executor;
use std::path::PathBuf;
use std::sync::Arc;
use taskforce_app::audit::{record, AUDIT_PAGE};
use taskforce_app::{App, AppError, FixedClock};
use taskforce_domain::audit::{AuditActor, AuditRecord, BreakReason, Outcome};
use taskforce_store::{Create, DatabaseUrl, Store};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0)
        .single()
        .expect("time")
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// A migrated SQLite database in its own folder, removed when dropped.
struct Scratch {
    dir: PathBuf,
    app: App,
    clock: Arc<FixedClock>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn scratch(name: &str) -> Scratch {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "taskforce_app_{name}_{}_{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = DatabaseUrl::Sqlite(dir.join("test.db"));
    let store = Store::open(&url, Create::IfMissing).await.expect("open");
    store.migrate().await.expect("migrate");
    let clock = Arc::new(FixedClock::new(now()));
    let app = App::new(store, clock.clone(), [7; 32]);
    Scratch { dir, app, clock }
}

fn entry(at: DateTime<Utc>, n: usize) -> AuditRecord {
    AuditRecord::new(
        &AuditActor::cli("test"),
        at,
        "member.read",
        Outcome::Allowed,
    )
    .on("member", n)
    .with_detail(format!("entry {n}"))
}

async fn append_at(app: &App, times: &[DateTime<Utc>]) {
    let mut tx = app.store().begin().await.expect("begin");
    for (n, at) in times.iter().enumerate() {
        record(&mut tx, entry(*at, n)).await.expect("record");
    }
    tx.commit().await.expect("commit");
}

fn refused_field(err: AppError) -> String {
    match err {
        AppError::Invalid(invalid) => invalid
            .errors
            .iter()
            .map(|e| e.field.clone())
            .collect::<Vec<_>>()
            .join(","),
        other => panic!("expected a refusal, got {other}"),
    }
}

#[tokio::test]
async fn the_check_reads_in_pages_and_names_a_break_past_the_first_page() {
    let s = scratch("pages").await;
    let empty = s.app.verify_audit().await.expect("verify").expect("intact");
    assert_eq!(
        (empty.entries, empty.first_seq, empty.last_seq),
        (0, None, None)
    );

    let total = AUDIT_PAGE as usize + 50;
    let times: Vec<_> = (0..total)
        .map(|i| now() - Duration::seconds(i as i64))
        .collect();
    append_at(&s.app, &times).await;
    let whole = s.app.verify_audit().await.expect("verify").expect("intact");
    assert_eq!(
        (whole.entries, whole.first_seq, whole.last_seq),
        (total as u64, Some(1), Some(total as u64))
    );
    assert_eq!(whole.last_hash.len(), 64);

    // A break in the second page is found there: the link is carried across pages.
    let seq = AUDIT_PAGE as u64 + 20;
    let mut conn = s.app.store().conn().await.expect("conn");
    conn.execute(format!("UPDATE audit_log SET detail = 'edited' WHERE seq = {seq}").as_str())
        .await
        .expect("tamper");
    drop(conn);
    let broken = s
        .app
        .verify_audit()
        .await
        .expect("verify")
        .expect_err("broken");
    assert_eq!((broken.seq, broken.reason), (seq, BreakReason::Altered));
}

#[tokio::test]
async fn entries_are_read_by_whole_days_inclusive() {
    let s = scratch("days").await;
    let at = |d: u32, h: u32, m: u32, sec: u32| {
        Utc.with_ymd_and_hms(2026, 3, d, h, m, sec)
            .single()
            .expect("time")
    };
    append_at(
        &s.app,
        &[
            at(1, 0, 0, 0),
            at(1, 23, 59, 59),
            at(2, 0, 0, 0),
            at(3, 12, 0, 0),
        ],
    )
    .await;
    let seqs = |entries: Vec<taskforce_domain::audit::StoredAuditEntry>| {
        entries.iter().map(|e| e.seq).collect::<Vec<_>>()
    };
    assert_eq!(
        seqs(
            s.app
                .audit_entries(date("2026-03-01"), date("2026-03-01"))
                .await
                .expect("read")
        ),
        vec![1, 2]
    );
    assert_eq!(
        seqs(
            s.app
                .audit_entries(date("2026-03-02"), date("2026-03-03"))
                .await
                .expect("read")
        ),
        vec![3, 4]
    );
    assert_eq!(
        seqs(
            s.app
                .audit_entries_page(date("2026-03-01"), date("2026-03-31"), 1, 2)
                .await
                .expect("page")
        ),
        vec![2, 3]
    );
    let err = s
        .app
        .audit_entries(date("2026-03-02"), date("2026-03-01"))
        .await
        .expect_err("refused");
    assert_eq!(refused_field(err), "to");
}

#[tokio::test]
async fn records_are_kept_at_least_a_year() {
    let s = scratch("purge").await;
    let old = now() - Duration::days(400);
    append_at(
        &s.app,
        &[
            old,
            old + Duration::days(1),
            now() - Duration::days(300),
            now(),
        ],
    )
    .await;
    let actor = AuditActor::cli("test");
    let today = now().date_naive();

    // 364 days ago is refused (today the limit is one calendar year back, 2025-03-04) ...
    let err = s
        .app
        .purge_audit(today - Duration::days(364), &actor)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("at least one year"), "{err}");
    assert_eq!(refused_field(err), "before");
    assert_eq!(s.app.audit_purge_limit(), date("2025-03-04"));
    // ... nothing changed.
    assert_eq!(
        s.app
            .verify_audit()
            .await
            .expect("verify")
            .expect("intact")
            .entries,
        4
    );

    // 366 days ago: the two older entries go, the purge itself is recorded, the rest verifies.
    let purged = s
        .app
        .purge_audit(today - Duration::days(366), &actor)
        .await
        .expect("purged");
    assert_eq!((purged.removed, purged.anchor.seq), (2, 3));
    let after = s.app.verify_audit().await.expect("verify").expect("intact");
    assert_eq!(
        (after.entries, after.first_seq, after.last_seq),
        (3, Some(3), Some(5))
    );
    let all = s
        .app
        .audit_entries(date("2000-01-01"), today)
        .await
        .expect("read");
    let last = all.last().expect("purge entry");
    assert_eq!(
        (
            last.seq,
            last.record.action.as_str(),
            last.record.actor_email.as_str()
        ),
        (5, "audit.purge", "cli")
    );
    assert!(
        last.record.detail.contains("removed 2 entries"),
        "{}",
        last.record.detail
    );

    // A year later the same day is allowed, and only what is older than it goes.
    s.clock.advance(Duration::days(365));
    let purged = s.app.purge_audit(today, &actor).await.expect("purged");
    assert_eq!((purged.removed, purged.anchor.seq), (1, 4));
    assert!(s.app.verify_audit().await.expect("verify").is_ok());
}

#[tokio::test]
async fn a_broken_log_is_not_purged() {
    let s = scratch("broken").await;
    let old = now() - Duration::days(400);
    append_at(&s.app, &[old, old, now()]).await;
    let mut conn = s.app.store().conn().await.expect("conn");
    conn.execute("UPDATE audit_log SET detail = 'edited' WHERE seq = 1")
        .await
        .expect("tamper");
    drop(conn);
    let err = s
        .app
        .purge_audit(
            now().date_naive() - Duration::days(366),
            &AuditActor::cli("test"),
        )
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("broken at entry 1"), "{err}");
    let broken = s
        .app
        .verify_audit()
        .await
        .expect("verify")
        .expect_err("still broken");
    assert_eq!(broken.seq, 1);
}
