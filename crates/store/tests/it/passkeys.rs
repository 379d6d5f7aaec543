//! Security keys and WebAuthn ceremonies on both backends: keys round trip and are counted on
//! the account, a credential belongs to one account only, every read and write is scoped to
//! the member and task force, a ceremony answers once and goes with its session, and an
//! administrator's reset removes the keys.

use crate::harness::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use taskforce_domain::identity::{Account, Session};
use taskforce_domain::passkeys::*;
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::{identity, passkeys as db, structure, Store, StoreError};
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
        .single()
        .expect("time")
}

/// A task force with one organization and a member with an account; returns their ids.
async fn member_with_account(
    store: &Store,
    n: u128,
    email: &str,
) -> (TaskForceId, OrganizationId, MemberId) {
    let tf = TaskForceId(id(n));
    let org = OrganizationId(id(n + 1));
    let member = MemberId(id(n + 2));
    let mut tx = store.begin().await.expect("begin");
    let input = TaskForceInput {
        name: format!("Task force {n}"),
        state: "NY".into(),
        counties: vec!["36029".into()],
        population_served: None,
        description: String::new(),
    }
    .validate()
    .expect("valid");
    structure::insert_task_force(&mut tx, tf, &input, now())
        .await
        .expect("task force");
    let input = OrganizationInput {
        name: format!("Agency {n}"),
        kind: OrganizationKind::LocalLawEnforcement,
        region_id: None,
        address: String::new(),
        phone: String::new(),
        email: String::new(),
        website: String::new(),
        co_located: false,
        active: true,
    }
    .validate(&[])
    .expect("valid");
    structure::insert_organization(&mut tx, tf, org, &input, now())
        .await
        .expect("organization");
    let input = MemberInput {
        name: "Rosa Delgado".into(),
        email: email.into(),
        phone: String::new(),
        title: String::new(),
        active: true,
        memberships: vec![Membership {
            organization_id: org,
            roles: vec![Role::Investigator],
        }],
    }
    .validate(&[org])
    .expect("valid");
    structure::insert_member(&mut tx, tf, member, &input, now())
        .await
        .expect("member");
    let account = Account {
        member_id: member,
        task_force_id: tf,
        email: email.into(),
        password_hash: "$argon2id$not-checked-here".into(),
        password_changed_at: now(),
        must_change_password: false,
        failed_attempts: 0,
        locked_until: None,
        disabled_at: None,
        expires_at: None,
        totp_secret: None,
        totp_pending_secret: None,
        totp_enrolled_at: None,
        last_sign_in_at: None,
        created_at: now(),
        security_keys: 0,
    };
    identity::insert_account(&mut tx, &account)
        .await
        .expect("account");
    tx.commit().await.expect("commit");
    (tf, org, member)
}

async fn session(
    store: &Store,
    hash: &str,
    tf: TaskForceId,
    org: OrganizationId,
    member: MemberId,
) {
    let mut tx = store.begin().await.expect("begin");
    identity::insert_session(
        &mut tx,
        &Session {
            id_hash: hash.into(),
            member_id: member,
            task_force_id: tf,
            organization_id: org,
            strong: false,
            csrf_token: "csrf".into(),
            created_at: now(),
            last_seen_at: now(),
            source: "127.0.0.1".into(),
        },
    )
    .await
    .expect("session");
    tx.commit().await.expect("commit");
}

fn key(n: u128, tf: TaskForceId, member: MemberId, credential_id: &str) -> SecurityKey {
    SecurityKey {
        id: id(100 + n),
        member_id: member,
        task_force_id: tf,
        credential_id: credential_id.into(),
        credential: format!(r#"{{"cred":{{"counter":{n}}}}}"#),
        name: format!("Key {n} – ünïcode"),
        created_at: now() + Duration::seconds(n as i64),
        last_used_at: None,
    }
}

async fn count_on_account(store: &Store, member: MemberId) -> i64 {
    let mut conn = store.conn().await.expect("conn");
    identity::account(&mut conn, member)
        .await
        .expect("read")
        .expect("account")
        .security_keys
}

#[tokio::test]
async fn keys_round_trip_are_counted_and_belong_to_one_account() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let (tf, _, rosa) = member_with_account(&store, 1, "rosa@agency.gov").await;
        let (tf2, _, other) = member_with_account(&store, 10, "other@agency.gov").await;
        assert_eq!(count_on_account(&store, rosa).await, 0);

        let first = key(1, tf, rosa, "Y3JlZC0x");
        let second = key(2, tf, rosa, "Y3JlZC0y");
        let mut tx = store.begin().await.expect("begin");
        db::insert_key(&mut tx, &second).await.expect("insert");
        db::insert_key(&mut tx, &first).await.expect("insert");
        tx.commit().await.expect("commit");

        let mut conn = store.conn().await.expect("conn");
        let keys = db::keys_of(&mut conn, tf, rosa).await.expect("keys");
        assert_eq!(keys, vec![first.clone(), second.clone()], "oldest first");
        let account = identity::account_by_email(&mut conn, "ROSA@agency.gov")
            .await
            .expect("read")
            .expect("account");
        assert_eq!(account.security_keys, 2);
        assert!(
            account.has_second_factor(),
            "keys alone are a second factor"
        );
        let listed = identity::accounts(&mut conn, tf).await.expect("accounts");
        assert_eq!(listed[0].security_keys, 2);
        let all = identity::all_accounts(&mut conn).await.expect("all");
        assert_eq!(
            all.iter().map(|a| a.security_keys).collect::<Vec<_>>(),
            vec![0, 2],
            "other@ has none, rosa@ two"
        );
        drop(conn);

        // A credential id belongs to one account in the whole installation.
        let mut tx = store.begin().await.expect("begin");
        let stolen = SecurityKey {
            id: id(300),
            ..key(3, tf2, other, "Y3JlZC0x")
        };
        assert!(matches!(
            db::insert_key(&mut tx, &stolen).await,
            Err(StoreError::Duplicate {
                field: "credential"
            })
        ));
        drop(tx);

        // Scoped by task force and member: the other member sees, uses and removes nothing.
        let mut conn = store.conn().await.expect("conn");
        assert!(db::keys_of(&mut conn, tf2, rosa)
            .await
            .expect("keys")
            .is_empty());
        assert!(db::keys_of(&mut conn, tf, other)
            .await
            .expect("keys")
            .is_empty());
        drop(conn);
        let mut tx = store.begin().await.expect("begin");
        assert!(matches!(
            db::record_key_use(&mut tx, tf2, other, "Y3JlZC0x", "{}", now()).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db::delete_key(&mut tx, tf2, rosa, first.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            db::delete_key(&mut tx, tf, other, first.id).await,
            Err(StoreError::NotFound)
        ));
        drop(tx);

        // A use updates the credential (its counter) and when it was last used.
        let used = now() + Duration::hours(1);
        let mut tx = store.begin().await.expect("begin");
        db::record_key_use(
            &mut tx,
            tf,
            rosa,
            "Y3JlZC0y",
            r#"{"cred":{"counter":7}}"#,
            used,
        )
        .await
        .expect("use");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let keys = db::keys_of(&mut conn, tf, rosa).await.expect("keys");
        assert_eq!(keys[1].credential, r#"{"cred":{"counter":7}}"#);
        assert_eq!(keys[1].last_used_at, Some(used));
        assert_eq!(keys[0].last_used_at, None);
        drop(conn);

        // Removing one returns it; rolled back, nothing changes.
        let mut tx = store.begin().await.expect("begin");
        let removed = db::delete_key(&mut tx, tf, rosa, first.id)
            .await
            .expect("delete");
        assert_eq!(removed, first);
        tx.rollback().await.expect("rollback");
        assert_eq!(count_on_account(&store, rosa).await, 2);
        let mut tx = store.begin().await.expect("begin");
        db::delete_key(&mut tx, tf, rosa, first.id)
            .await
            .expect("delete");
        tx.commit().await.expect("commit");
        assert_eq!(count_on_account(&store, rosa).await, 1);

        // An administrator's reset removes the keys with the authenticator app.
        let mut tx = store.begin().await.expect("begin");
        identity::clear_second_factor(&mut tx, rosa)
            .await
            .expect("reset");
        tx.commit().await.expect("commit");
        assert_eq!(count_on_account(&store, rosa).await, 0);
        let mut conn = store.conn().await.expect("conn");
        assert!(db::keys_of(&mut conn, tf, rosa)
            .await
            .expect("keys")
            .is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_ceremony_answers_once_and_goes_with_its_session() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let (tf, org, rosa) = member_with_account(&store, 1, "rosa@agency.gov").await;
        session(&store, "session-a", tf, org, rosa).await;
        session(&store, "session-b", tf, org, rosa).await;
        let ceremony = |hash: &str, kind, minutes: i64| PendingCeremony {
            session_id_hash: hash.into(),
            member_id: rosa,
            kind,
            state: format!(r#"{{"challenge":"{hash}-{minutes}"}}"#),
            key_name: if kind == CeremonyKind::Register {
                "Blue key".into()
            } else {
                String::new()
            },
            created_at: now() + Duration::minutes(minutes),
        };

        // A second start replaces the first: one ceremony per session.
        let mut tx = store.begin().await.expect("begin");
        db::put_ceremony(&mut tx, &ceremony("session-a", CeremonyKind::Register, 0))
            .await
            .expect("put");
        db::put_ceremony(
            &mut tx,
            &ceremony("session-a", CeremonyKind::Authenticate, 1),
        )
        .await
        .expect("put again");
        db::put_ceremony(&mut tx, &ceremony("session-b", CeremonyKind::Register, 2))
            .await
            .expect("put b");
        tx.commit().await.expect("commit");

        let mut tx = store.begin().await.expect("begin");
        let taken = db::take_ceremony(&mut tx, "session-a").await.expect("take");
        assert_eq!(
            taken,
            Some(ceremony("session-a", CeremonyKind::Authenticate, 1))
        );
        assert_eq!(
            db::take_ceremony(&mut tx, "session-a").await.expect("take"),
            None,
            "taken once"
        );
        tx.commit().await.expect("commit");

        // Taking in a transaction that rolls back leaves the ceremony in place.
        let mut tx = store.begin().await.expect("begin");
        assert!(db::take_ceremony(&mut tx, "session-b")
            .await
            .expect("take")
            .is_some());
        tx.rollback().await.expect("rollback");

        // Signing out (the session's row going) takes its ceremony along.
        let mut conn = store.conn().await.expect("conn");
        identity::delete_session(&mut conn, "session-b")
            .await
            .expect("sign out");
        drop(conn);
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(
            db::take_ceremony(&mut tx, "session-b").await.expect("take"),
            None
        );
        tx.commit().await.expect("commit");

        // Stale ceremonies are swept; recent ones stay.
        session(&store, "session-c", tf, org, rosa).await;
        let mut tx = store.begin().await.expect("begin");
        db::put_ceremony(&mut tx, &ceremony("session-a", CeremonyKind::Register, 0))
            .await
            .expect("put");
        db::put_ceremony(&mut tx, &ceremony("session-c", CeremonyKind::Register, 10))
            .await
            .expect("put");
        assert_eq!(
            db::delete_stale_ceremonies(&mut tx, now() + Duration::minutes(5))
                .await
                .expect("sweep"),
            1
        );
        assert!(db::take_ceremony(&mut tx, "session-c")
            .await
            .expect("take")
            .is_some());
        tx.commit().await.expect("commit");

        // An administrator's reset forgets ceremonies too.
        let mut tx = store.begin().await.expect("begin");
        db::put_ceremony(&mut tx, &ceremony("session-a", CeremonyKind::Register, 0))
            .await
            .expect("put");
        identity::clear_second_factor(&mut tx, rosa)
            .await
            .expect("reset");
        assert_eq!(
            db::take_ceremony(&mut tx, "session-a").await.expect("take"),
            None
        );
        tx.commit().await.expect("commit");
    })
    .await;
}

#[tokio::test]
async fn recovery_codes_are_replaced_whole() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let (_, _, rosa) = member_with_account(&store, 1, "rosa@agency.gov").await;
        let mut tx = store.begin().await.expect("begin");
        db::replace_recovery_codes(&mut tx, rosa, &["a".into(), "b".into()])
            .await
            .expect("codes");
        assert!(identity::use_recovery_code(&mut tx, rosa, "a", now())
            .await
            .expect("use"));
        db::replace_recovery_codes(&mut tx, rosa, &["c".into(), "d".into(), "e".into()])
            .await
            .expect("codes again");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            identity::unused_recovery_codes(&mut conn, rosa)
                .await
                .expect("count"),
            3
        );
        drop(conn);
        let mut tx = store.begin().await.expect("begin");
        assert!(
            !identity::use_recovery_code(&mut tx, rosa, "b", now())
                .await
                .expect("use"),
            "old codes are gone"
        );
        tx.commit().await.expect("commit");
    })
    .await;
}
