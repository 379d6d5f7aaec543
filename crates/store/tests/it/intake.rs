//! Intake on both backends: tips round trip sealed texts, stay in their task force, number
//! themselves, change state optimistically; nonces refuse replays; settings and screenings.

use crate::harness::*;
use crate::structure::{id, now, organization, task_force};
use chrono::Duration;
use taskforce_domain::access::Label;
use taskforce_domain::intake::*;
use taskforce_domain::screening::{Answer, Screening, ScreeningResult};
use taskforce_domain::structure::OrganizationKind;
use taskforce_domain::*;
use taskforce_store::intake::{self as db, IntakeSettings, NewTip, TipFilter, TipState};
use taskforce_store::{Store, StoreError};

async fn add_tip(
    store: &Store,
    tf: TaskForceId,
    org: OrganizationId,
    n: u128,
    receipt: Option<&str>,
) -> TipId {
    let counties = vec!["38017".to_owned()];
    let fields = TipInput {
        narrative: "ignored: the store takes the sealed text".into(),
        county_fips: "38017".into(),
        place: "Fargo".into(),
        minors_possible: true,
        ..Default::default()
    }
    .validate(&TipContext {
        counties: &counties,
        typology: &[],
        today: now().date_naive(),
    })
    .expect("valid");
    let tip = TipId(id(n));
    let mut tx = store.begin().await.expect("begin");
    let reference = db::next_reference(&mut tx, tf, now())
        .await
        .expect("reference");
    db::insert_tip(
        &mut tx,
        tf,
        &NewTip {
            id: tip,
            reference: &reference,
            routed_organization_id: org,
            source: TipSource::PublicForm,
            submitted_by_member_id: None,
            submitted_by_organization_id: None,
            received_at: now(),
            fields: &fields,
            narrative_enc: "k1:sealed-narrative",
            contact_enc: "",
            receipt_hash: receipt,
        },
        now(),
    )
    .await
    .expect("insert tip");
    tx.commit().await.expect("commit");
    tip
}

#[tokio::test]
async fn tips_round_trip_sealed_and_stay_in_their_task_force() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "ND", &["38017"]).await;
        let other_tf = task_force(&store, 2, "ND", &["38017"]).await;
        let org = organization(
            &store,
            tf,
            10,
            "Fargo PD",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;
        let first = add_tip(&store, tf, org, 100, Some("hash-1")).await;
        let second = add_tip(&store, tf, org, 101, None).await;
        let mut conn = store.conn().await.expect("conn");
        let row = db::tip(&mut conn, tf, first)
            .await
            .expect("read")
            .expect("found");
        assert_eq!(row.narrative_enc, "k1:sealed-narrative");
        assert_eq!(row.tip.reference, "TIP-2026-0001");
        assert_eq!(row.tip.status, TipStatus::New);
        assert_eq!(row.tip.label, Label::Organization);
        assert!(row.tip.minors_possible && !row.tip.has_contact);
        assert_eq!(
            row.tip.narrative, "",
            "the record never carries plaintext from the store"
        );
        let next = db::tip(&mut conn, tf, second)
            .await
            .expect("read")
            .expect("found");
        assert_eq!(next.tip.reference, "TIP-2026-0002");
        // Another task force sees nothing of it.
        assert!(db::tip(&mut conn, other_tf, first)
            .await
            .expect("read")
            .is_none());
        assert!(db::tips(&mut conn, other_tf, TipFilter::RoutedTo(org), 10)
            .await
            .expect("list")
            .is_empty());
        // A receipt code finds its tip.
        let found = db::tip_by_receipt(&mut conn, "hash-1")
            .await
            .expect("read")
            .expect("found");
        assert_eq!(found.tip.id, first);
        assert!(db::tip_by_receipt(&mut conn, "hash-2")
            .await
            .expect("read")
            .is_none());
        let queue = db::tips(&mut conn, tf, TipFilter::Queue(org), 10)
            .await
            .expect("queue");
        assert_eq!(queue.len(), 2);
        drop(conn);

        // Triage changes state optimistically.
        let mut state = TipState::of(&row.tip);
        state.status = TipStatus::Closed;
        state.close_reason = Some(CloseReason::NoIndicators);
        let mut tx = store.begin().await.expect("begin");
        db::set_tip_state(&mut tx, tf, first, row.tip.version, &state, now())
            .await
            .expect("closed");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        let stale = db::set_tip_state(&mut tx, tf, first, row.tip.version, &state, now()).await;
        assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
        let gone = db::set_tip_state(&mut tx, other_tf, first, 2, &state, now()).await;
        assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
        drop(tx);
        let mut conn = store.conn().await.expect("conn");
        let queue = db::tips(&mut conn, tf, TipFilter::Queue(org), 10)
            .await
            .expect("queue");
        assert_eq!(queue.len(), 1);
        let closed = db::tip(&mut conn, tf, first)
            .await
            .expect("read")
            .expect("found");
        assert_eq!(closed.tip.close_reason, Some(CloseReason::NoIndicators));
        assert_eq!(closed.tip.version, 2);
        drop(conn);

        // Additions keep their order and a merge's texts can be taken back.
        let mut tx = store.begin().await.expect("begin");
        for (n, source) in [(1u128, "receipt"), (2, "merge")] {
            db::insert_addition(
                &mut tx,
                tf,
                id(200 + n),
                &db::AdditionRow {
                    tip_id: second,
                    source: source.into(),
                    from_tip_id: (source == "merge").then_some(first),
                    text_enc: format!("k1:added-{n}"),
                    added_at: now() + Duration::minutes(n as i64),
                },
            )
            .await
            .expect("addition");
        }
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let added = db::additions(&mut conn, tf, second)
            .await
            .expect("additions");
        assert_eq!(
            added
                .iter()
                .map(|a| a.text_enc.as_str())
                .collect::<Vec<_>>(),
            ["k1:added-1", "k1:added-2"]
        );
        assert!(db::additions(&mut conn, other_tf, second)
            .await
            .expect("none")
            .is_empty());
        drop(conn);
        let mut tx = store.begin().await.expect("begin");
        db::delete_merge_additions(&mut tx, tf, second, first)
            .await
            .expect("unmerge");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            db::additions(&mut conn, tf, second)
                .await
                .expect("additions")
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn a_tip_form_nonce_is_used_once_and_the_secret_is_made_once() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "ND", &["38017"]).await;
        let mut tx = store.begin().await.expect("begin");
        assert!(db::use_form_nonce(&mut tx, tf, "n1", now())
            .await
            .expect("first"));
        assert!(!db::use_form_nonce(&mut tx, tf, "n1", now())
            .await
            .expect("replay"));
        let secret = db::form_secret(&mut tx, "tip-form", "aaaa", now())
            .await
            .expect("made");
        assert_eq!(secret, "aaaa");
        let again = db::form_secret(&mut tx, "tip-form", "bbbb", now())
            .await
            .expect("kept");
        assert_eq!(again, "aaaa");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(
            db::purge_form_nonces(&mut tx, now() + Duration::days(1))
                .await
                .expect("purge"),
            1
        );
        assert!(db::use_form_nonce(&mut tx, tf, "n1", now())
            .await
            .expect("after purge"));
        tx.commit().await.expect("commit");
    })
    .await;
}

#[tokio::test]
async fn intake_settings_and_screenings_round_trip() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "ND", &["38017"]).await;
        let org = organization(
            &store,
            tf,
            10,
            "Fargo PD",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            db::intake_settings(&mut conn, tf).await.expect("none"),
            IntakeSettings::default()
        );
        drop(conn);
        let settings = IntakeSettings {
            intake_organization_id: Some(org),
            instrument: Some("{}".into()),
            version: 0,
        };
        let mut tx = store.begin().await.expect("begin");
        db::put_intake_settings(&mut tx, tf, 0, &settings, now())
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        let stale = db::put_intake_settings(&mut tx, tf, 0, &settings, now()).await;
        assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
        drop(tx);
        let mut tx = store.begin().await.expect("begin");
        db::put_intake_settings(
            &mut tx,
            tf,
            1,
            &IntakeSettings {
                instrument: None,
                ..settings.clone()
            },
            now(),
        )
        .await
        .expect("update");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let stored = db::intake_settings(&mut conn, tf).await.expect("read");
        assert_eq!(stored.version, 2);
        assert_eq!(stored.intake_organization_id, Some(org));
        assert_eq!(stored.instrument, None);
        drop(conn);

        let tip = add_tip(&store, tf, org, 100, None).await;
        let screening = Screening {
            id: ScreeningId(id(300)),
            task_force_id: tf,
            owner_organization_id: org,
            label: Label::Organization,
            person_id: None,
            tip_id: Some(tip),
            case_id: None,
            language: Language::Spanish,
            moved_from_abroad: true,
            answers: [
                ("q07".to_owned(), Answer::Yes),
                ("q08".to_owned(), Answer::Declined),
            ]
            .into(),
            result: ScreeningResult {
                sex_score: 0,
                labor_score: 2,
                sex_threshold: 6,
                labor_threshold: 6,
                unsure_or_declined: 1,
                indicated: None,
                suggestions: vec!["keep the door open".into()],
            },
            instrument_name: "Default".into(),
            screened_by: None,
            screened_at: now(),
        };
        let mut tx = store.begin().await.expect("begin");
        db::insert_screening(&mut tx, &screening)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            db::screening(&mut conn, tf, screening.id)
                .await
                .expect("read"),
            Some(screening.clone())
        );
        assert_eq!(
            db::screenings_of_tip(&mut conn, tf, tip)
                .await
                .expect("list"),
            vec![screening]
        );
    })
    .await;
}
