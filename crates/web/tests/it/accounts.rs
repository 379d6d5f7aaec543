//! A member's own password, and the administrator's work on accounts: disabling, enabling,
//! resetting a second factor, temporary accounts, and the access review.

use crate::harness::*;
use axum::http::StatusCode;
use chrono::Duration;
use taskforce_domain::structure::{MemberInput, Membership, Role};

/// The error shown above the password form.
fn password_error(reply: &Reply) -> String {
    let at = reply
        .body
        .find("id=\"password\"")
        .expect("the password section");
    between(
        &reply.body[at..],
        "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><p>",
        "</p>",
    )
    .map(unescape)
    .unwrap_or_else(|| panic!("no password error in:\n{}", reply.body))
}

#[tokio::test]
async fn changing_ones_password() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    let email = member.email.clone();
    let current = Site::password_of(&email);
    let session = Caller::Session(site.sign_in_as(&email).await);
    // The longest word of the name, as the rules see it.
    let name_word = member
        .name
        .split_whitespace()
        .max_by_key(|w| w.len())
        .expect("a name")
        .to_lowercase();
    assert!(name_word.len() >= 4, "{}", member.name);
    let with_name = format!("{name_word}-orchard-velvet-9");

    for (new, expected) in [
        ("short", "new_password: must be at least 12 characters long"),
        ("password1234", "new_password: is too easy to guess"),
        (
            with_name.as_str(),
            "new_password: must not contain your name or e-mail address",
        ),
        (
            current,
            "new_password: must differ from your last 10 passwords",
        ),
    ] {
        let refused = site
            .post_form_as(
                &session,
                "/account/password",
                &[("current_password", current), ("new_password", new)],
            )
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        let error = password_error(&refused);
        assert!(error.starts_with(expected), "{new:?}: {error}");
    }
    let refused = site
        .post_form_as(
            &session,
            "/account/password",
            &[
                ("current_password", "not my password at all"),
                ("new_password", "velvet quarry lantern harbour"),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        password_error(&refused),
        "current_password: is not your current password"
    );
    // Nothing of that changed the password.
    site.sign_in_with(&email, current).await;
    let session = Caller::Session(site.sign_in_as(&email).await);

    let changed = site
        .post_form_as(
            &session,
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", "velvet quarry lantern harbour"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(changed.header("location"), "/account?saved=1");
    let old = site
        .post_raw(
            &Caller::Anonymous,
            "/sign-in",
            &[("email", &email), ("password", current)],
        )
        .await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "the old password is refused"
    );
    let fresh = site
        .sign_in_with(&email, "velvet quarry lantern harbour")
        .await;
    site.get_as(&Caller::Session(fresh), "/")
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn an_administrator_disables_enables_and_resets_an_account() {
    let site = Site::demo().await;
    let admin = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let admin = Caller::Session(site.sign_in_as(&admin.email).await);
    let target = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let email = target.email.clone();
    let theirs = Caller::Session(site.sign_in_as(&email).await);
    let old_secret = site.secret_of(&email).expect("enrolled");

    let list = site
        .get_as(&admin, "/admin/accounts")
        .await
        .expect(StatusCode::OK);
    assert_eq!(list.h1(), "Accounts");
    let disable = format!("/admin/accounts/{}/disable", target.id);
    assert!(list.body.contains(&format!("action=\"{disable}\"")));

    // Disabled: their session ends and they cannot sign in.
    let done = site
        .post_form_as(&admin, &disable, &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(done.header("location"), "/admin/accounts");
    site.get_as(&theirs, "/").await.expect_sign_in();
    let refused = site
        .post_raw(
            &Caller::Anonymous,
            "/sign-in",
            &[("email", &email), ("password", Site::password_of(&email))],
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(unescape(&refused.body)
        .contains("That e-mail address and password do not match an active account."));
    let list = site
        .get_as(&admin, "/admin/accounts")
        .await
        .expect(StatusCode::OK);
    assert!(list
        .body
        .contains(&format!("action=\"/admin/accounts/{}/enable\"", target.id)));

    // Enabled again: they sign in with their authenticator.
    site.post_form_as(
        &admin,
        &format!("/admin/accounts/{}/enable", target.id),
        &[],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let theirs = Caller::Session(site.sign_in_as(&email).await);
    site.get_as(&theirs, "/").await.expect(StatusCode::OK);

    // Second factor reset: signed out, and the next sign-in sets up a new authenticator.
    site.post_form_as(
        &admin,
        &format!("/admin/accounts/{}/reset-second-factor", target.id),
        &[],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    site.get_as(&theirs, "/").await.expect_sign_in();
    site.forget_secret(&email);
    let pending = site.password_step(&email, Site::password_of(&email)).await;
    let page = site
        .get_as(&Caller::Session(pending.clone()), "/sign-in/second-factor")
        .await
        .expect(StatusCode::OK);
    assert_eq!(page.h1(), "Set up your second factor");
    let new_secret = site.secret_of(&email).expect("a new secret");
    assert_ne!(new_secret, old_secret);
    let codes = site.second_factor_step(&pending).await;
    assert_eq!(codes.len(), 10, "enrolled again");
}

#[tokio::test]
async fn a_temporary_account_stops_working_after_its_date() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let admin = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let admin = Caller::Session(site.sign_in_as(&admin.email).await);
    let organization = site.app.organizations(&SYSTEM, tf).await.expect("orgs")[0].id;
    let visitor = site
        .app
        .create_member(
            &SYSTEM,
            tf,
            MemberInput {
                name: "Visiting Examiner".into(),
                email: "visiting.examiner@nd-bci.demo".into(),
                active: true,
                memberships: vec![Membership {
                    organization_id: organization,
                    roles: vec![Role::Analyst],
                }],
                ..Default::default()
            },
        )
        .await
        .expect("a member without an account");
    let password = "saffron tundra mosaic kettle";

    let list = site
        .get_as(&admin, "/admin/accounts")
        .await
        .expect(StatusCode::OK);
    let create = format!("/admin/accounts/{}/create", visitor.id);
    assert!(list.body.contains(&format!("action=\"{create}\"")));
    // A weak password is refused and no account is made.
    site.post_form_as(
        &admin,
        &create,
        &[("password", "short"), ("expires_on", "")],
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(site
        .app
        .account_by_email(&visitor.email)
        .await
        .expect("read")
        .is_none());
    // The demo's clock reads 2026-01-12: the account works through the 13th.
    site.post_form_as(
        &admin,
        &create,
        &[("password", password), ("expires_on", "2026-01-13")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let list = site
        .get_as(&admin, "/admin/accounts")
        .await
        .expect(StatusCode::OK);
    assert!(list.body.contains("Active (temporary, until 2026-01-13)"));

    let session = Caller::Session(site.sign_in_with(&visitor.email, password).await);
    site.get_as(&session, "/").await.expect(StatusCode::OK);
    // Late on the 13th it still works…
    site.clock
        .advance(Duration::hours(32) + Duration::minutes(50));
    let session = Caller::Session(site.sign_in_with(&visitor.email, password).await);
    site.get_as(&session, "/").await.expect(StatusCode::OK);
    // …and twenty minutes later, on the 14th, neither the session nor a sign-in does.
    site.clock.advance(Duration::minutes(20));
    site.get_as(&session, "/").await.expect_sign_in();
    let refused = site
        .post_raw(
            &Caller::Anonymous,
            "/sign-in",
            &[("email", &visitor.email), ("password", password)],
        )
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(unescape(&refused.body)
        .contains("That e-mail address and password do not match an active account."));
}

#[tokio::test]
async fn the_access_review_is_for_administrators_and_auditors() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let members = site.app.members(&SYSTEM, tf).await.expect("members");
    for role in [Role::Administrator, Role::Auditor] {
        let member = site.member_for_role(NORTH_DAKOTA, role).await;
        let caller = Caller::Session(site.sign_in_as(&member.email).await);
        let page = site
            .get_as(&caller, "/admin/access-review")
            .await
            .expect(StatusCode::OK);
        assert_eq!(page.h1(), "Access review", "{role:?}");
        for m in &members {
            assert!(
                page.body.contains(&m.email),
                "{role:?}: {} is missing",
                m.email
            );
        }
        let csv = site
            .get_as(&caller, "/admin/access-review.csv")
            .await
            .expect(StatusCode::OK);
        assert!(csv.header("content-type").starts_with("text/csv"));
        assert!(csv
            .header("content-disposition")
            .contains("access-review.csv"));
        let mut lines = csv.body.lines();
        assert_eq!(
            lines.next(),
            Some("member,email,organizations_and_roles,account,second_factor,last_sign_in")
        );
        assert_eq!(lines.count(), members.len(), "{role:?}: one row per member");
        // The signed-in member's own row says when they signed in.
        let own = csv
            .body
            .lines()
            .find(|l| l.contains(&member.email))
            .expect("their own row");
        assert!(own.contains("\"2026-01-12 15:00 UTC\""), "{own}");
        assert!(own.contains("\"Authenticator app\""), "{own}");
    }
    let investigator = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let investigator = Caller::Session(site.sign_in_as(&investigator.email).await);
    for path in [
        "/admin/access-review",
        "/admin/access-review.csv",
        "/admin/accounts",
    ] {
        let refused = site
            .get_as(&investigator, path)
            .await
            .expect(StatusCode::FORBIDDEN);
        assert_eq!(refused.h1(), "Not available to you", "{path}");
        assert!(!refused.body.contains(&members[0].email), "{path}");
    }
}

#[tokio::test]
async fn an_administrator_sets_and_lifts_an_accounts_end_date() {
    let site = Site::demo().await;
    let admin = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let admin = Caller::Session(site.sign_in_as(&admin.email).await);
    let analyst = site.member_for_role(NORTH_DAKOTA, Role::Analyst).await;
    let expiry = format!("/admin/accounts/{}/expiry", analyst.id);

    // Neither a date nor "permanent": refused, nothing changes.
    let refused = site
        .post_form_as(&admin, &expiry, &[("expires_on", "")])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&refused.body).contains("expires_on: choose the last day the account works"));
    site.post_form_as(&admin, &expiry, &[("expires_on", "13/01/2026")])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let account = site
        .app
        .account_by_email(&analyst.email)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.expires_at, None);

    // The demo clock reads 2026-01-12: until the 13th, then permanent again.
    site.post_form_as(&admin, &expiry, &[("expires_on", "2026-01-13")])
        .await
        .expect(StatusCode::SEE_OTHER);
    let list = site
        .get_as(&admin, "/admin/accounts")
        .await
        .expect(StatusCode::OK);
    assert!(list.body.contains("Active (temporary, until 2026-01-13)"));
    assert!(list.body.contains("Make permanent"));
    let working = Caller::Session(site.sign_in_as(&analyst.email).await);
    site.get_as(&working, "/").await.expect(StatusCode::OK);
    site.clock.advance(Duration::days(2));
    site.get_as(&working, "/").await.expect_sign_in();
    // Two days on, the administrator signs in afresh and lifts the end date.
    let admin = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let admin = Caller::Session(site.sign_in_as(&admin.email).await);
    site.post_form_as(&admin, &expiry, &[("permanent", "yes")])
        .await
        .expect(StatusCode::SEE_OTHER);
    let account = site
        .app
        .account_by_email(&analyst.email)
        .await
        .expect("read")
        .expect("account");
    assert_eq!(account.expires_at, None, "permanent again");
    let after = site.audit_after(0).await;
    let changes: Vec<&str> = after
        .iter()
        .filter(|e| e.record.action == "account.expiry")
        .map(|e| e.record.detail.as_str())
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes[0].starts_with("until 2026-01-13T23:59:59"),
        "{changes:?}"
    );
    assert_eq!(changes[1], "permanent");
}
