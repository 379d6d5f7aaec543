//! Accounts, sessions, second factors and tokens on both backends.

use crate::harness::*;
use crate::structure::{id, now, organization, task_force};
use chrono::Duration;
use taskforce_domain::identity::*;
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::{identity as db, structure as structure_db, Store, StoreError};

async fn member_with_account(
    store: &Store,
    tf: TaskForceId,
    org: OrganizationId,
    n: u128,
    email: &str,
) -> MemberId {
    let member = MemberId(id(n));
    let input = MemberInput {
        name: format!("Member {n}"),
        email: email.into(),
        memberships: vec![Membership {
            organization_id: org,
            roles: vec![Role::Investigator],
        }],
        ..Default::default()
    }
    .validate(&[org])
    .expect("valid");
    let mut tx = store.begin().await.expect("begin");
    structure_db::insert_member(&mut tx, tf, member, &input, now())
        .await
        .expect("member");
    db::insert_account(&mut tx, &account(tf, member, email))
        .await
        .expect("account");
    tx.commit().await.expect("commit");
    member
}

fn account(tf: TaskForceId, member: MemberId, email: &str) -> Account {
    Account {
        member_id: member,
        task_force_id: tf,
        email: email.into(),
        password_hash: "$argon2id$first".into(),
        password_changed_at: now(),
        must_change_password: false,
        failed_attempts: 0,
        locked_until: None,
        disabled_at: None,
        expires_at: Some(now() + Duration::days(30)),
        totp_secret: None,
        totp_pending_secret: None,
        totp_enrolled_at: None,
        last_sign_in_at: None,
        created_at: now(),
        security_keys: 0,
    }
}

#[tokio::test]
async fn accounts_round_trip_with_failures_locks_and_history() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "NY", &["36029"]).await;
        let org = organization(
            &store,
            tf,
            10,
            "Erie County Sheriff's Office",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;
        let member = member_with_account(&store, tf, org, 20, "Rosa.Delgado@Erie.gov").await;

        let mut conn = store.conn().await.expect("conn");
        let stored = db::account_by_email(&mut conn, "  rosa.delgado@erie.GOV ")
            .await
            .expect("read")
            .expect("found");
        assert_eq!(
            stored.email, "rosa.delgado@erie.gov",
            "stored and looked up in lower case"
        );
        assert_eq!(stored.expires_at, Some(now() + Duration::days(30)));
        assert_eq!(db::accounts(&mut conn, tf).await.expect("list").len(), 1);
        drop(conn);

        // The sign-in name is unique across the installation, not just the task force.
        let other_tf = task_force(&store, 2, "IL", &["17031"]).await;
        let other_org = organization(
            &store,
            other_tf,
            11,
            "Chicago Police Department",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;
        let other_member = MemberId(id(21));
        let input = MemberInput {
            name: "Twin".into(),
            email: "rosa.delgado@erie.gov".into(),
            memberships: vec![Membership {
                organization_id: other_org,
                roles: vec![Role::Analyst],
            }],
            ..Default::default()
        }
        .validate(&[other_org])
        .expect("valid");
        let mut tx = store.begin().await.expect("begin");
        structure_db::insert_member(&mut tx, other_tf, other_member, &input, now())
            .await
            .expect("member");
        let err = db::insert_account(
            &mut tx,
            &account(other_tf, other_member, "rosa.delgado@erie.gov"),
        )
        .await
        .expect_err("duplicate");
        assert!(
            matches!(err, StoreError::Duplicate { field: "email" }),
            "{err}"
        );
        drop(tx);

        let mut tx = store.begin().await.expect("begin");
        db::record_failed_sign_in(&mut tx, member, 5, Some(now() + Duration::minutes(10)))
            .await
            .expect("fail");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let locked = db::account(&mut conn, member)
            .await
            .expect("read")
            .expect("found");
        assert_eq!(
            (locked.failed_attempts, locked.locked_until),
            (5, Some(now() + Duration::minutes(10)))
        );
        drop(conn);
        let mut tx = store.begin().await.expect("begin");
        db::record_sign_in(&mut tx, member, now() + Duration::minutes(11))
            .await
            .expect("sign in");
        for n in 0..11 {
            db::set_password(
                &mut tx,
                member,
                &format!("$argon2id$h{n}"),
                false,
                now() + Duration::seconds(n + 1),
            )
            .await
            .expect("set");
        }
        db::set_disabled(&mut tx, member, Some(now()))
            .await
            .expect("disable");
        db::set_expiry(&mut tx, member, None)
            .await
            .expect("permanent");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let a = db::account(&mut conn, member)
            .await
            .expect("read")
            .expect("found");
        assert_eq!((a.failed_attempts, a.locked_until), (0, None));
        assert_eq!(a.last_sign_in_at, Some(now() + Duration::minutes(11)));
        assert_eq!(
            (a.password_hash.as_str(), a.disabled_at, a.expires_at),
            ("$argon2id$h10", Some(now()), None)
        );
        let history = db::password_history(&mut conn, member, 10)
            .await
            .expect("history");
        assert_eq!(history.len(), 10);
        assert_eq!(history[0], "$argon2id$h10", "newest first");
        assert!(
            !history.contains(&"$argon2id$first".to_owned()),
            "only the last ten"
        );
        drop(conn);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn second_factor_and_recovery_codes() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "FL", &["12099"]).await;
        let org = organization(
            &store,
            tf,
            10,
            "Place of Hope",
            OrganizationKind::VictimServiceProvider,
        )
        .await;
        let member = member_with_account(&store, tf, org, 20, "advocate@hope.org").await;
        let mut tx = store.begin().await.expect("begin");
        db::set_totp_pending(&mut tx, member, Some("PENDINGSECRET"))
            .await
            .expect("pending");
        db::confirm_totp(
            &mut tx,
            member,
            "PENDINGSECRET",
            &["h1".into(), "h2".into()],
            now(),
        )
        .await
        .expect("confirm");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let a = db::account(&mut conn, member)
            .await
            .expect("read")
            .expect("found");
        assert_eq!(
            (a.totp_secret.as_deref(), a.totp_pending_secret.as_deref()),
            (Some("PENDINGSECRET"), None)
        );
        assert_eq!(
            db::unused_recovery_codes(&mut conn, member)
                .await
                .expect("count"),
            2
        );
        drop(conn);

        let mut tx = store.begin().await.expect("begin");
        assert!(db::use_recovery_code(&mut tx, member, "h1", now())
            .await
            .expect("use"));
        assert!(
            !db::use_recovery_code(&mut tx, member, "h1", now())
                .await
                .expect("again"),
            "a code works once"
        );
        assert!(!db::use_recovery_code(&mut tx, member, "nope", now())
            .await
            .expect("unknown"));
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            db::unused_recovery_codes(&mut conn, member)
                .await
                .expect("count"),
            1
        );
        drop(conn);

        let mut tx = store.begin().await.expect("begin");
        db::clear_second_factor(&mut tx, member)
            .await
            .expect("reset");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let a = db::account(&mut conn, member)
            .await
            .expect("read")
            .expect("found");
        assert!(a.totp_secret.is_none() && a.totp_enrolled_at.is_none());
        assert_eq!(
            db::unused_recovery_codes(&mut conn, member)
                .await
                .expect("count"),
            0
        );
        drop(conn);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn sessions_and_tokens_round_trip() {
    each_backend(|tdb| async move {
        let store = tdb.store().await;
        let tf = task_force(&store, 1, "ND", &["38017"]).await;
        let org = organization(
            &store,
            tf,
            10,
            "Fargo Police Department",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;
        let other_org = organization(
            &store,
            tf,
            11,
            "Youthworks",
            OrganizationKind::VictimServiceProvider,
        )
        .await;
        let member = member_with_account(&store, tf, org, 20, "investigator@fargo.gov").await;
        let session = |hash: &str, minutes: i64| Session {
            id_hash: hash.into(),
            member_id: member,
            task_force_id: tf,
            organization_id: org,
            strong: false,
            csrf_token: format!("csrf-{hash}"),
            created_at: now() + Duration::minutes(minutes),
            last_seen_at: now() + Duration::minutes(minutes),
            source: "127.0.0.1".into(),
        };
        let mut tx = store.begin().await.expect("begin");
        db::insert_session(&mut tx, &session("b", 1))
            .await
            .expect("insert");
        db::insert_session(&mut tx, &session("a", 0))
            .await
            .expect("insert");
        db::strengthen_session(&mut tx, "a").await.expect("strong");
        db::set_session_organization(&mut tx, "a", other_org)
            .await
            .expect("switch");
        tx.commit().await.expect("commit");

        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            db::max_sessions(&mut conn, tf).await.expect("max"),
            1,
            "one session by default"
        );
        drop(conn);
        let mut tx = store.begin().await.expect("begin");
        db::set_max_sessions(&mut tx, tf, 3)
            .await
            .expect("allow three");
        let err = db::set_max_sessions(&mut tx, TaskForceId(id(99)), 3)
            .await
            .expect_err("no such task force");
        assert!(matches!(err, StoreError::NotFound), "{err}");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(db::max_sessions(&mut conn, tf).await.expect("max"), 3);
        let sessions = db::sessions_of(&mut conn, member).await.expect("list");
        assert_eq!(
            sessions
                .iter()
                .map(|s| s.id_hash.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "b"],
            "oldest first"
        );
        db::touch_session(&mut conn, "a", now() + Duration::minutes(5))
            .await
            .expect("touch");
        let a = db::session(&mut conn, "a")
            .await
            .expect("read")
            .expect("found");
        assert!(a.strong);
        assert_eq!(
            (a.organization_id, a.last_seen_at, a.csrf_token.as_str()),
            (other_org, now() + Duration::minutes(5), "csrf-a")
        );
        db::delete_session(&mut conn, "a").await.expect("delete");
        assert!(db::session(&mut conn, "a").await.expect("read").is_none());
        drop(conn);
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(
            db::delete_sessions_of(&mut tx, member)
                .await
                .expect("delete all"),
            1
        );
        tx.commit().await.expect("commit");

        let token = ApiToken {
            id: id(30),
            member_id: member,
            task_force_id: tf,
            organization_id: org,
            name: "nightly export".into(),
            prefix: "tf_0123456".into(),
            scope: TokenScope::Read,
            created_at: now(),
            expires_at: Some(now() + Duration::days(30)),
            revoked_at: None,
            last_used_at: None,
        };
        let mut tx = store.begin().await.expect("begin");
        db::insert_token(&mut tx, &token, "hash-of-secret")
            .await
            .expect("token");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        assert_eq!(
            db::token_by_hash(&mut conn, "hash-of-secret")
                .await
                .expect("read"),
            Some(token.clone())
        );
        assert!(db::token_by_hash(&mut conn, "other")
            .await
            .expect("read")
            .is_none());
        db::touch_token(&mut conn, token.id, now() + Duration::hours(1))
            .await
            .expect("touch");
        drop(conn);
        let mut tx = store.begin().await.expect("begin");
        db::revoke_token(&mut tx, member, token.id, now() + Duration::hours(2))
            .await
            .expect("revoke");
        let err = db::revoke_token(&mut tx, member, token.id, now())
            .await
            .expect_err("twice");
        assert!(matches!(err, StoreError::NotFound), "{err}");
        tx.commit().await.expect("commit");
        let mut conn = store.conn().await.expect("conn");
        let stored = db::tokens_of(&mut conn, member).await.expect("list");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].revoked_at, Some(now() + Duration::hours(2)));
        assert_eq!(stored[0].last_used_at, Some(now() + Duration::hours(1)));
        assert!(!stored[0].usable(now() + Duration::hours(3)));
        drop(conn);
        store.close().await;
    })
    .await;
}
