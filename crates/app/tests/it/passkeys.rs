//! Security keys as a second factor, with a software authenticator answering as a browser and
//! a key would: enrolling one instead of an authenticator app, signing in with it, replayed and
//! stale answers, the lockout, the member's own keys and an administrator's reset. Every
//! ceremony's outcome is in the audit log.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use taskforce_app::identity::NextStep;
use taskforce_app::{Actor, App, AppError, FixedClock, RelyingParty};
use taskforce_domain::access::Principal;
use taskforce_domain::audit::Outcome;
use taskforce_domain::identity::{SecuritySettings, Session};
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::{Create, DatabaseUrl, Store};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

const ORIGIN: &str = "http://localhost:8080";
const PASSWORD: &str = "lantern orchard velvet quarry";
const EMAIL: &str = "rosa.delgado@agency.gov";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0)
        .single()
        .expect("time")
}

struct Scratch {
    dir: PathBuf,
    app: App,
    clock: Arc<FixedClock>,
    tf: TaskForceId,
    member: MemberId,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A task force with one investigator who has an account and no second factor yet.
async fn scratch(name: &str, relying_party: bool) -> Scratch {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "taskforce_app_passkeys_{name}_{}_{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = DatabaseUrl::Sqlite(dir.join("test.db"));
    let store = Store::open(&url, Create::IfMissing).await.expect("open");
    store.migrate().await.expect("migrate");
    let clock = Arc::new(FixedClock::new(now()));
    let mut app = App::new(store, clock.clone(), [9; 32]).with_settings(SecuritySettings {
        lockout_after: 3,
        ..SecuritySettings::default()
    });
    if relying_party {
        app = app.with_relying_party(RelyingParty::new(ORIGIN).expect("relying party"));
    }
    let system = Actor::System("test");
    let tf = app
        .create_task_force(
            &system,
            TaskForceInput {
                name: "Western New York Task Force".into(),
                state: "NY".into(),
                counties: vec!["36029".into()],
                population_served: None,
                description: String::new(),
            },
        )
        .await
        .expect("task force");
    let org = app
        .create_organization(
            &system,
            tf.id,
            OrganizationInput {
                name: "Buffalo Police Department".into(),
                kind: OrganizationKind::LocalLawEnforcement,
                region_id: None,
                address: String::new(),
                phone: String::new(),
                email: String::new(),
                website: String::new(),
                co_located: false,
                active: true,
            },
        )
        .await
        .expect("organization");
    let member = app
        .create_member(
            &system,
            tf.id,
            MemberInput {
                name: "Rosa Delgado".into(),
                email: EMAIL.into(),
                phone: String::new(),
                title: String::new(),
                active: true,
                memberships: vec![Membership {
                    organization_id: org.id,
                    roles: vec![Role::Investigator],
                }],
            },
        )
        .await
        .expect("member");
    app.create_account(&system, tf.id, member.id, PASSWORD, None)
        .await
        .expect("account");
    Scratch {
        dir,
        app,
        clock,
        tf: tf.id,
        member: member.id,
    }
}

/// Signs in with the password; the session still owes its second factor.
async fn sign_in(s: &Scratch, expected: NextStep) -> (Session, Principal) {
    let signed = s
        .app
        .sign_in(EMAIL, PASSWORD, "192.0.2.7")
        .await
        .expect("password");
    assert_eq!(signed.next, expected);
    let (session, principal) = s
        .app
        .session(&signed.token, "192.0.2.7")
        .await
        .expect("session")
        .expect("alive");
    assert!(!session.strong);
    (session, principal)
}

/// The session as it is stored now.
async fn reread(s: &Scratch, session: &Session) -> Option<Session> {
    let mut conn = s.app.store().conn().await.expect("conn");
    taskforce_store::identity::session(&mut conn, &session.id_hash)
        .await
        .expect("read")
}

fn origin() -> Url {
    Url::parse(ORIGIN).expect("url")
}

type Key = WebauthnAuthenticator<SoftPasskey>;

fn new_key() -> Key {
    // `true`: the key says it verified its user (a PIN or a fingerprint), as passkeys must.
    WebauthnAuthenticator::new(SoftPasskey::new(true))
}

async fn register(
    s: &Scratch,
    key: &mut Key,
    session: &Session,
    p: &Principal,
    name: &str,
) -> Vec<String> {
    let options = s
        .app
        .start_key_registration(session, p, name)
        .await
        .expect("start");
    let options: CreationChallengeResponse = serde_json::from_str(&options).expect("options");
    let answer = key.do_registration(origin(), options).expect("key answers");
    s.app
        .finish_key_registration(session, p, &serde_json::to_string(&answer).expect("json"))
        .await
        .expect("registered")
}

async fn assertion(s: &Scratch, key: &mut Key, session: &Session) -> String {
    let options = s
        .app
        .start_key_authentication(session)
        .await
        .expect("start");
    let options: RequestChallengeResponse = serde_json::from_str(&options).expect("options");
    let answer = key
        .do_authentication(origin(), options)
        .expect("key answers");
    serde_json::to_string(&answer).expect("json")
}

/// (action, outcome, detail) of every audit entry about second factors and lockouts.
async fn factor_audit(s: &Scratch) -> Vec<(String, Outcome, String)> {
    let mut conn = s.app.store().conn().await.expect("conn");
    taskforce_store::audit::entries_after(&mut conn, 0, 10_000)
        .await
        .expect("entries")
        .into_iter()
        .map(|row| row.expect("readable").record)
        .filter(|r| r.action.starts_with("second_factor.") || r.action == "account.lockout")
        .map(|r| (r.action, r.outcome, r.detail))
        .collect()
}

fn refused_message(err: AppError, field: &str) -> String {
    match err {
        AppError::Invalid(invalid) => invalid
            .message_for(field)
            .unwrap_or_else(|| panic!("no message for {field}: {invalid}"))
            .to_owned(),
        other => panic!("expected a refusal of {field}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_member_enrols_a_key_instead_of_an_app_and_signs_in_with_it() {
    let s = scratch("enrol", true).await;
    let mut key = new_key();

    // First sign-in: no second factor yet; a key is enrolled instead of an app.
    let (session, principal) = sign_in(&s, NextStep::Enrol).await;
    let codes = register(&s, &mut key, &session, &principal, "").await;
    assert_eq!(
        codes.len(),
        10,
        "recovery codes, since the account had none"
    );
    assert!(reread(&s, &session).await.expect("kept").strong);
    let account = s
        .app
        .account_by_email(EMAIL)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.security_keys, 1);
    assert_eq!(account.second_factor_label(), Some("Security key"));
    assert!(account.totp_secret.is_none());
    let keys = s.app.security_keys(&principal).await.expect("keys");
    assert_eq!(keys[0].name, "Security key");
    assert_eq!(keys[0].last_used_at, None);
    let registered = keys[0].credential.clone();

    // Signing in again asks for the second factor, and the key gives it.
    let (session, principal) = sign_in(&s, NextStep::SecondFactor).await;
    let answer = assertion(&s, &mut key, &session).await;
    s.clock.advance(Duration::minutes(2));
    s.app
        .finish_key_authentication(&session, &principal, &answer)
        .await
        .expect("accepted");
    assert!(reread(&s, &session).await.expect("kept").strong);
    let keys = s.app.security_keys(&principal).await.expect("keys");
    assert_eq!(keys[0].last_used_at, Some(now() + Duration::minutes(2)));
    assert_ne!(
        keys[0].credential, registered,
        "the key's signature counter is kept, to notice a cloned key"
    );

    // The same answer again finds no challenge waiting: a replay is refused.
    let err = s
        .app
        .finish_key_authentication(&session, &principal, &answer)
        .await
        .expect_err("replay");
    assert!(refused_message(err, "credential").contains("try again"));

    // Without an app, a recovery code still works.
    let (session, _) = sign_in(&s, NextStep::SecondFactor).await;
    s.app
        .verify_second_factor(&session, &codes[0], "192.0.2.7")
        .await
        .expect("recovery code");
    assert!(reread(&s, &session).await.expect("kept").strong);

    assert_eq!(
        factor_audit(&s).await,
        vec![
            (
                "second_factor.enrol".into(),
                Outcome::Success,
                "security key".into()
            ),
            (
                "second_factor.success".into(),
                Outcome::Success,
                "security key".into()
            ),
            (
                "second_factor.failure".into(),
                Outcome::Failure,
                "security key: no challenge waiting".into()
            ),
            (
                "second_factor.success".into(),
                Outcome::Success,
                "recovery code".into()
            ),
        ]
    );
}

#[tokio::test]
async fn wrong_and_late_answers_are_refused_counted_and_lock_the_account() {
    let s = scratch("refusals", true).await;
    let mut key = new_key();
    let (session, principal) = sign_in(&s, NextStep::Enrol).await;
    register(&s, &mut key, &session, &principal, "Blue key").await;

    // A session that has not given its second factor cannot add a key to an enrolled account.
    let (session, principal) = sign_in(&s, NextStep::SecondFactor).await;
    let err = s
        .app
        .start_key_registration(&session, &principal, "Attacker's key")
        .await
        .expect_err("not before the second factor");
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");

    // An answer to an earlier challenge is not an answer to this one.
    let stale = assertion(&s, &mut key, &session).await;
    let _fresh = assertion(&s, &mut key, &session).await;
    let err = s
        .app
        .finish_key_authentication(&session, &principal, &stale)
        .await
        .expect_err("old challenge");
    assert!(refused_message(err, "credential").contains("not accepted"));

    // Garbage is refused the same way.
    let _ = assertion(&s, &mut key, &session).await;
    let err = s
        .app
        .finish_key_authentication(&session, &principal, "{\"not\": \"a credential\"}")
        .await
        .expect_err("garbage");
    assert!(refused_message(err, "credential").contains("not accepted"));
    assert!(!reread(&s, &session).await.expect("kept").strong);

    // An answer after five minutes is too late (and the ceremony is gone).
    let late = assertion(&s, &mut key, &session).await;
    s.clock.advance(Duration::minutes(5));
    let err = s
        .app
        .finish_key_authentication(&session, &principal, &late)
        .await
        .expect_err("too late");
    assert!(refused_message(err, "credential").contains("took too long"));

    // The third wrong answer in a row locks the account and ends the session.
    let _ = assertion(&s, &mut key, &session).await;
    let err = s
        .app
        .finish_key_authentication(&session, &principal, "{}")
        .await
        .expect_err("third");
    assert!(matches!(err, AppError::Invalid(_)));
    assert_eq!(reread(&s, &session).await, None, "signed out");
    let account = s
        .app
        .account_by_email(EMAIL)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.failed_attempts, 3);
    assert!(account.locked_until.is_some());

    let audit = factor_audit(&s).await;
    let failures: Vec<&str> = audit
        .iter()
        .filter(|(a, _, _)| a == "second_factor.failure")
        .map(|(_, _, d)| d.as_str())
        .collect();
    assert_eq!(failures.len(), 4, "{audit:?}");
    assert!(
        failures[0].starts_with("security key: not verified"),
        "{failures:?}"
    );
    assert!(failures[0].ends_with("(1 in a row)"));
    assert!(failures[1].starts_with("security key: unreadable answer"));
    assert_eq!(failures[2], "security key: no challenge waiting");
    assert!(failures[3].ends_with("(3 in a row)"));
    assert_eq!(
        audit.last().map(|(a, o, _)| (a.as_str(), *o)),
        Some(("account.lockout", Outcome::Success))
    );
}

#[tokio::test]
async fn a_member_keeps_their_keys_and_an_administrator_resets_them() {
    let s = scratch("manage", true).await;
    let mut first = new_key();
    let mut second = new_key();
    let (session, principal) = sign_in(&s, NextStep::Enrol).await;
    register(&s, &mut first, &session, &principal, "Blue key").await;
    let session = reread(&s, &session).await.expect("kept");
    assert!(session.strong);
    let principal = Principal {
        strong: true,
        ..principal
    };

    // The only second factor cannot be removed.
    let only = s.app.security_keys(&principal).await.expect("keys")[0].id;
    let err = s
        .app
        .remove_security_key(&principal, only)
        .await
        .expect_err("last one");
    assert!(refused_message(err, "security_key").contains("only second factor"));

    // A strong session adds another; the account has recovery codes, so none are made.
    s.clock.advance(Duration::minutes(1));
    let codes = register(&s, &mut second, &session, &principal, " Backup key ").await;
    assert!(codes.is_empty());
    let names: Vec<String> = s
        .app
        .security_keys(&principal)
        .await
        .expect("keys")
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(names, vec!["Blue key", "Backup key"]);

    // The same key twice is refused by the browser's exclusion list; a key of another account
    // cannot be stolen: its credential id is unique (checked in the store suite).
    s.app
        .remove_security_key(&principal, only)
        .await
        .expect("removed");
    assert!(matches!(
        s.app.remove_security_key(&principal, only).await,
        Err(AppError::NotFound)
    ));

    // Signing in with the removed key no longer works; the other does.
    let (pending, p) = sign_in(&s, NextStep::SecondFactor).await;
    let options = s
        .app
        .start_key_authentication(&pending)
        .await
        .expect("start");
    let options: RequestChallengeResponse = serde_json::from_str(&options).expect("options");
    assert!(
        first.do_authentication(origin(), options).is_err(),
        "the removed key is not asked for"
    );
    let answer = assertion(&s, &mut second, &pending).await;
    s.app
        .finish_key_authentication(&pending, &p, &answer)
        .await
        .expect("the other key");

    // An administrator's reset removes every key: the next sign-in enrols again.
    s.app
        .reset_second_factor(&Actor::System("test"), s.tf, s.member)
        .await
        .expect("reset");
    let account = s
        .app
        .account_by_email(EMAIL)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.security_keys, 0);
    assert!(!account.has_second_factor());
    let (session, principal) = sign_in(&s, NextStep::Enrol).await;
    let codes = register(&s, &mut first, &session, &principal, "").await;
    assert_eq!(codes.len(), 10, "the reset took the recovery codes too");

    let audit = factor_audit(&s).await;
    assert!(audit.contains(&(
        "second_factor.remove".into(),
        Outcome::Success,
        "security key: Blue key".into()
    )));
}

#[tokio::test]
async fn without_a_public_address_keys_are_not_offered() {
    let s = scratch("off", false).await;
    assert!(s.app.relying_party().is_none());
    let (session, principal) = sign_in(&s, NextStep::Enrol).await;
    let err = s
        .app
        .start_key_registration(&session, &principal, "")
        .await
        .expect_err("not offered");
    assert!(matches!(err, AppError::Forbidden(m) if m.contains("--public-url")));
}
