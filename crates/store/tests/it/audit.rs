//! The audit log on both backends: entries commit and roll back with their transaction, the
//! chain verifies, and an edited, deleted or reordered row is found; purging keeps the rest
//! verifiable.

use crate::harness::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::Executor;
use taskforce_domain::audit::*;
use taskforce_domain::*;
use taskforce_store::audit::{self as log, AuditRow};
use taskforce_store::Store;
use uuid::Uuid;

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 9, 30, 0)
        .single()
        .expect("time")
        + Duration::days(n)
}

fn record(n: i64) -> AuditRecord {
    let actor = AuditActor {
        task_force_id: Some(TaskForceId(Uuid::from_u128(1))),
        member_id: Some(MemberId(Uuid::from_u128(2))),
        email: "auditor@agency.gov".into(),
        organization_id: Some(OrganizationId(Uuid::from_u128(3))),
        source: "192.0.2.10".into(),
    };
    // Nanoseconds and a NUL: what is stored is the storable form, and it must still verify.
    AuditRecord::new(
        &actor,
        day(n) + Duration::nanoseconds(123_456_789),
        "member.read",
        Outcome::Allowed,
    )
    .on("member", Uuid::from_u128(100 + n as u128))
    .with_detail(format!("read {n} ünïcode, \"quoted\", nul:\0"))
}

async fn append_committed(
    store: &Store,
    records: impl IntoIterator<Item = AuditRecord>,
) -> Vec<u64> {
    let mut seqs = Vec::new();
    for record in records {
        let mut tx = store.begin().await.expect("begin");
        seqs.push(log::append(&mut tx, &record).await.expect("append"));
        tx.commit().await.expect("commit");
    }
    seqs
}

/// The whole check, as the application does it: from the anchor, in pages, up to the head.
async fn check(store: &Store) -> Result<u64, BrokenChain> {
    let mut conn = store.conn().await.expect("conn");
    let head = log::head(&mut conn).await.expect("head");
    let mut verifier = ChainVerifier::new(head.anchor.clone());
    let mut after = 0;
    loop {
        let page = log::entries_after(&mut conn, after, 2).await.expect("page");
        let Some(last) = page.last() else { break };
        after = match last {
            Ok(entry) => entry.seq,
            Err(unreadable) => unreadable.seq,
        };
        for row in page {
            match row {
                Ok(entry) => verifier.check(&entry)?,
                Err(unreadable) => return Err(verifier.unreadable(&unreadable)),
            }
        }
    }
    verifier.finish(&head)?;
    Ok(verifier.entries())
}

async fn all_entries(store: &Store) -> Vec<StoredAuditEntry> {
    let mut conn = store.conn().await.expect("conn");
    log::entries_after(&mut conn, 0, 1000)
        .await
        .expect("entries")
        .into_iter()
        .map(|row: AuditRow| row.expect("readable"))
        .collect()
}

async fn raw(store: &Store, sql: &str) {
    let mut conn = store.conn().await.expect("conn");
    conn.execute(sql).await.expect(sql);
}

#[tokio::test]
async fn entries_commit_and_roll_back_with_their_transaction() {
    each_backend(|db| async move {
        let store = db.store().await;
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            log::head(&mut conn).await.expect("head"),
            AuditHead {
                last_seq: 0,
                last_hash: GENESIS_HASH.into(),
                anchor: Anchor::genesis()
            }
        );
        drop(conn);
        assert_eq!(check(&store).await, Ok(0), "an empty log is whole");

        assert_eq!(
            append_committed(&store, (0..3).map(record)).await,
            vec![1, 2, 3]
        );

        // The act failed: its entry goes with it, and the next entry takes the same number.
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(log::append(&mut tx, &record(10)).await.expect("append"), 4);
        tx.rollback().await.expect("rollback");
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(log::append(&mut tx, &record(11)).await.expect("append"), 4);
        drop(tx); // dropped without commit: rolled back too
                  // Two entries in one transaction.
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(log::append(&mut tx, &record(3)).await.expect("append"), 4);
        assert_eq!(log::append(&mut tx, &record(4)).await.expect("append"), 5);
        tx.commit().await.expect("commit");

        let entries = all_entries(&store).await;
        assert_eq!(
            entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        assert_eq!(entries[0].prev_hash, GENESIS_HASH);
        assert_eq!(entries[1].prev_hash, entries[0].hash);
        // What was stored is the storable form of what was given, and reads back equal.
        assert_eq!(entries[2].record, record(2).storable());
        assert!(entries[2].record.detail.ends_with("nul:\u{FFFD}"));
        assert_eq!(verify(entries.clone(), Anchor::genesis()), Ok(5));
        assert_eq!(check(&store).await, Ok(5));
        let mut conn = store.conn().await.expect("conn");
        let head = log::head(&mut conn).await.expect("head");
        assert_eq!(
            (head.last_seq, head.last_hash),
            (5, entries[4].hash.clone())
        );

        // By time: [from, to), in seq order.
        let between = log::entries_between(&mut conn, day(1), day(3))
            .await
            .expect("between");
        assert_eq!(
            between.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![2, 3]
        );
        let page = log::entries_between_after(&mut conn, day(0), day(9), 2, 2)
            .await
            .expect("page");
        assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4]);
        drop(conn);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_writers_get_one_gapless_chain() {
    each_backend(|db| async move {
        let store = db.store().await;
        let writers = (0..8).map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..5 {
                    let mut tx = store.begin().await.expect("begin");
                    log::append(&mut tx, &record(w * 10 + i))
                        .await
                        .expect("append");
                    tx.commit().await.expect("commit");
                }
            })
        });
        for writer in writers.collect::<Vec<_>>() {
            writer.await.expect("writer");
        }
        assert_eq!(check(&store).await, Ok(40));
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_edited_row_is_altered() {
    each_backend(|db| async move {
        let store = db.store().await;
        append_committed(&store, (0..5).map(record)).await;
        raw(&store, "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3").await;
        let broken = check(&store).await.expect_err("broken");
        assert_eq!((broken.seq, broken.reason), (3, BreakReason::Altered));

        // An edit that makes the row unreadable is named too.
        raw(&store, "UPDATE audit_log SET outcome = 'hacked' WHERE seq = 2").await;
        let broken = check(&store).await.expect_err("broken");
        assert_eq!(broken.seq, 2);
        assert!(matches!(&broken.reason, BreakReason::Unreadable { problem } if problem.contains("hacked")), "{broken}");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_deleted_row_is_missing() {
    each_backend(|db| async move {
        let store = db.store().await;
        append_committed(&store, (0..5).map(record)).await;
        raw(&store, "DELETE FROM audit_log WHERE seq = 3").await;
        let broken = check(&store).await.expect_err("broken");
        assert_eq!(
            (broken.seq, broken.reason),
            (3, BreakReason::Missing { next: 4 })
        );
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_deleted_last_row_is_found_by_the_head() {
    each_backend(|db| async move {
        let store = db.store().await;
        append_committed(&store, (0..5).map(record)).await;
        raw(&store, "DELETE FROM audit_log WHERE seq = 5").await;
        let broken = check(&store).await.expect_err("broken");
        assert_eq!(
            (broken.seq, broken.reason),
            (5, BreakReason::Truncated { recorded_last: 5 })
        );
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn swapped_rows_are_out_of_order() {
    each_backend(|db| async move {
        let store = db.store().await;
        append_committed(&store, (0..5).map(record)).await;
        raw(&store, "UPDATE audit_log SET seq = 1000 WHERE seq = 2").await;
        raw(&store, "UPDATE audit_log SET seq = 2 WHERE seq = 3").await;
        raw(&store, "UPDATE audit_log SET seq = 3 WHERE seq = 1000").await;
        let broken = check(&store).await.expect_err("broken");
        assert_eq!((broken.seq, broken.reason), (2, BreakReason::Relinked));
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn purging_keeps_the_rest_verifiable() {
    each_backend(|db| async move {
        let store = db.store().await;
        append_committed(&store, (0..6).map(record)).await;
        let before = all_entries(&store).await;

        // Nothing is older than the first entry.
        let mut tx = store.begin().await.expect("begin");
        let purged = log::purge_before(&mut tx, day(0)).await.expect("purge");
        tx.commit().await.expect("commit");
        assert_eq!(
            purged,
            log::Purged {
                removed: 0,
                anchor: Anchor::genesis()
            }
        );

        // A purge that is rolled back deletes nothing.
        let mut tx = store.begin().await.expect("begin");
        log::purge_before(&mut tx, day(3)).await.expect("purge");
        tx.rollback().await.expect("rollback");
        assert_eq!(all_entries(&store).await.len(), 6);

        let mut tx = store.begin().await.expect("begin");
        let purged = log::purge_before(&mut tx, day(3)).await.expect("purge");
        tx.commit().await.expect("commit");
        let anchor = Anchor {
            seq: 4,
            prev_hash: before[3].prev_hash.clone(),
        };
        assert_eq!(
            purged,
            log::Purged {
                removed: 3,
                anchor: anchor.clone()
            }
        );
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(log::anchor(&mut conn).await.expect("anchor"), anchor);
        drop(conn);
        let kept = all_entries(&store).await;
        assert_eq!(kept, before[3..].to_vec());
        assert_eq!(verify(kept, anchor.clone()), Ok(3));
        assert_eq!(check(&store).await, Ok(3));
        // The genesis anchor no longer fits what is left.
        assert!(verify(all_entries(&store).await, Anchor::genesis()).is_err());

        // The chain goes on from where it was.
        assert_eq!(append_committed(&store, [record(7)]).await, vec![7]);
        assert_eq!(check(&store).await, Ok(4));
        // Tampering after a purge is still found.
        raw(
            &store,
            "UPDATE audit_log SET actor_email = 'someone@else.org' WHERE seq = 4",
        )
        .await;
        assert_eq!(check(&store).await.expect_err("broken").seq, 4);
        raw(
            &store,
            "UPDATE audit_log SET actor_email = 'auditor@agency.gov' WHERE seq = 4",
        )
        .await;
        assert_eq!(check(&store).await, Ok(4));

        // Everything older: the anchor moves past the last entry and new entries chain to it.
        let mut tx = store.begin().await.expect("begin");
        let purged = log::purge_before(&mut tx, day(30)).await.expect("purge");
        tx.commit().await.expect("commit");
        let last = before_last_hash(&store).await;
        assert_eq!(purged.removed, 4);
        assert_eq!(
            purged.anchor,
            Anchor {
                seq: 8,
                prev_hash: last
            }
        );
        assert_eq!(check(&store).await, Ok(0));
        assert_eq!(append_committed(&store, [record(31)]).await, vec![8]);
        assert_eq!(check(&store).await, Ok(1));
        store.close().await;
    })
    .await;
}

async fn before_last_hash(store: &Store) -> String {
    let mut conn = store.conn().await.expect("conn");
    log::head(&mut conn).await.expect("head").last_hash
}

#[tokio::test]
async fn a_purge_refuses_to_anchor_on_a_broken_link() {
    each_backend(|db| async move {
        let store = db.store().await;
        append_committed(&store, (0..5).map(record)).await;
        // Entry 3 re-linked: anchoring there would bless the forgery.
        raw(&store, "UPDATE audit_log SET prev_hash = '0000000000000000000000000000000000000000000000000000000000000000' WHERE seq = 3").await;
        let mut tx = store.begin().await.expect("begin");
        let err = log::purge_before(&mut tx, day(2)).await.expect_err("refused");
        drop(tx);
        assert!(err.to_string().contains("nothing was purged"), "{err}");
        assert_eq!(all_entries(&store).await.len(), 5);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_auditor_reads_only_their_task_force_in_the_days_asked() {
    each_backend(|db| async move {
        let store = db.store().await;
        let other = |n: i64| {
            let mut r = record(n);
            r.task_force_id = Some(TaskForceId(Uuid::from_u128(9)));
            r
        };
        append_committed(
            &store,
            [
                record(0),
                other(0),
                record(1),
                record(2),
                other(2),
                record(5),
            ],
        )
        .await;
        let mut conn = store.conn().await.expect("conn");
        let tf = TaskForceId(Uuid::from_u128(1));
        let got = log::task_force_entries_between(
            &mut conn,
            tf,
            day(1) - Duration::hours(12),
            day(3),
            100,
        )
        .await
        .expect("read");
        let seqs: Vec<u64> = got.iter().map(|e| e.seq).collect();
        assert_eq!(
            seqs,
            vec![3, 4],
            "days 1 and 2 of task force 1 only, in order"
        );
        assert!(got.iter().all(|e| e.record.task_force_id == Some(tf)));
        let limited =
            log::task_force_entries_between(&mut conn, tf, day(0) - Duration::days(1), day(9), 2)
                .await
                .expect("read");
        assert_eq!(
            limited.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![1, 3]
        );
        drop(conn);
        store.close().await;
    })
    .await;
}
