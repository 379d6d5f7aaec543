//! Sessions on the app's clock: the idle timeout and the absolute lifetime, one session per
//! member, signing out (here and everywhere), and the lockout after wrong passwords or codes.

use crate::harness::*;
use axum::http::StatusCode;
use chrono::Duration;
use taskforce_domain::structure::Role;

/// The message of any refused sign-in that must not tell whether the account exists.
const REFUSED: &str = "That e-mail address and password do not match an active account.";

/// The error shown on the sign-in page.
fn sign_in_error(reply: &Reply) -> String {
    between(&reply.body, "<h2>Not signed in</h2><p>", "</p>")
        .map(unescape)
        .unwrap_or_else(|| panic!("no sign-in error in:\n{}", reply.body))
}

async fn sign_in_form(site: &Site, email: &str, password: &str) -> Reply {
    site.post_raw(
        &Caller::Anonymous,
        "/sign-in",
        &[("email", email), ("password", password), ("next", "/")],
    )
    .await
}

#[tokio::test]
async fn thirty_idle_minutes_end_a_session_and_the_cookie_is_cleared() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let session = site.sign_in_as(&member.email).await;
    let caller = Caller::Session(session.clone());
    site.get_as(&caller, "/account")
        .await
        .expect(StatusCode::OK);

    site.clock.advance(Duration::minutes(31));
    let ended = site.get_as(&caller, "/account").await.expect_sign_in();
    assert_eq!(ended.header("location"), "/sign-in?next=%2Faccount");
    let cleared = ended.set_cookie().expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(site
        .app
        .session(&session.cookie, "test")
        .await
        .expect("read")
        .is_none());
}

#[tokio::test]
async fn activity_keeps_a_session_alive_until_its_twelve_hours_are_up() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    let caller = Caller::Session(site.sign_in_as(&member.email).await);
    // A request every 29 minutes: never idle for 30.
    let mut elapsed = Duration::zero();
    while elapsed + Duration::minutes(29) < Duration::hours(12) {
        site.clock.advance(Duration::minutes(29));
        elapsed += Duration::minutes(29);
        let reply = site.get_as(&caller, "/").await;
        assert_eq!(reply.status, StatusCode::OK, "after {elapsed}");
    }
    assert_eq!(elapsed, Duration::minutes(24 * 29));
    // The next one is 29 minutes after the last, but past the twelve hours.
    site.clock.advance(Duration::minutes(29));
    site.get_as(&caller, "/").await.expect_sign_in();
}

#[tokio::test]
async fn a_second_sign_in_ends_the_first_session() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Prosecutor).await;
    let first = Caller::Session(site.sign_in_as(&member.email).await);
    site.get_as(&first, "/").await.expect(StatusCode::OK);
    let second = Caller::Session(site.sign_in_as(&member.email).await);
    site.get_as(&first, "/").await.expect_sign_in();
    site.get_as(&second, "/").await.expect(StatusCode::OK);
}

#[tokio::test]
async fn signing_out_clears_the_cookie_and_ends_the_session() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Analyst).await;
    let session = site.sign_in_as(&member.email).await;
    let caller = Caller::Session(session.clone());
    let out = site
        .post_form_as(&caller, "/sign-out", &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), "/sign-in");
    let cleared = out.set_cookie().expect("a cookie");
    assert!(cleared.starts_with("taskforce_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(site
        .app
        .session(&session.cookie, "test")
        .await
        .expect("read")
        .is_none());
    site.get_as(&caller, "/").await.expect_sign_in();
    // The sign-in page answers again.
    let page = site
        .get_as(&Caller::Anonymous, "/sign-in")
        .await
        .expect(StatusCode::OK);
    assert_eq!(page.h1(), "Sign in");
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_member() {
    let site = Site::demo().await;
    // The administrator lets members hold two sessions at once (and the form refuses nonsense).
    let admin = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let admin = Caller::Session(site.sign_in_as(&admin.email).await);
    let refused = site
        .post_form_as(&admin, "/admin/session-limit", &[("max_sessions", "9")])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("max_sessions: must be between 1 and 5"),
        "{}",
        refused.body
    );
    site.post_form_as(&admin, "/admin/session-limit", &[("max_sessions", "2")])
        .await
        .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&admin, "/admin/accounts")
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains(
        r#"name="max_sessions" type="number" inputmode="numeric" min="1" max="5" value="2""#
    ));
    let member = site.member_for_role(NORTH_DAKOTA, Role::Navigator).await;
    // A second apart each, so that "the oldest" is unambiguous on the test's fixed clock.
    let one = Caller::Session(site.sign_in_as(&member.email).await);
    site.clock.advance(Duration::seconds(1));
    let two = Caller::Session(site.sign_in_as(&member.email).await);
    site.get_as(&one, "/").await.expect(StatusCode::OK);
    site.get_as(&two, "/").await.expect(StatusCode::OK);
    // A third ends the oldest.
    site.clock.advance(Duration::seconds(1));
    let three = Caller::Session(site.sign_in_as(&member.email).await);
    site.get_as(&one, "/").await.expect_sign_in();
    site.get_as(&two, "/").await.expect(StatusCode::OK);

    let out = site
        .post_form_as(&three, "/sign-out/everywhere", &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(out.header("location"), "/sign-in");
    assert!(out.set_cookie().is_some_and(|c| c.contains("Max-Age=0")));
    site.get_as(&two, "/").await.expect_sign_in();
    site.get_as(&three, "/").await.expect_sign_in();
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_ten_minutes() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Supervisor).await;
    let email = member.email.as_str();

    // An unknown address and a wrong password are refused in the same words.
    let unknown = sign_in_form(&site, "nobody.here@nd-bci.demo", "whatever it is")
        .await
        .expect(StatusCode::UNAUTHORIZED);
    let wrong = sign_in_form(&site, email, "not the password")
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in_error(&unknown), REFUSED);
    assert_eq!(sign_in_error(&wrong), REFUSED);
    assert!(unknown.set_cookie().is_none() && wrong.set_cookie().is_none());
    // What was typed is kept, the password is not.
    assert!(wrong.body.contains(&format!("value=\"{email}\"")));
    assert!(!wrong.body.contains("not the password"));

    for _ in 2..=5 {
        let refused = sign_in_form(&site, email, "not the password")
            .await
            .expect(StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in_error(&refused), REFUSED);
    }
    // Locked: even the right password is refused, with the end of the lock.
    let locked = sign_in_form(&site, email, Site::password_of(email))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in_error(&locked),
        "Too many attempts. This account is locked until 15:10 UTC; try again then."
    );
    assert!(locked.set_cookie().is_none());

    site.clock.advance(Duration::minutes(9));
    sign_in_form(&site, email, Site::password_of(email))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    site.clock.advance(Duration::minutes(1));
    let session = site.sign_in_as(email).await;
    site.get_as(&Caller::Session(session), "/")
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn wrong_authenticator_codes_count_towards_the_lockout() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Auditor).await;
    let email = member.email.clone();
    // Enrolled at a first sign-in, then signed out.
    let first = site.sign_in_as(&email).await;
    site.post_form_as(&Caller::Session(first), "/sign-out", &[])
        .await
        .expect(StatusCode::SEE_OTHER);

    let pending = site.password_step(&email, Site::password_of(&email)).await;
    let caller = Caller::Session(pending.clone());
    let right: u32 = site.totp_code(&email).parse().expect("digits");
    let wrong = format!("{:06}", (right + 500_000) % 1_000_000);
    for attempt in 1..=5 {
        let refused = site
            .post_form_as(&caller, "/sign-in/second-factor", &[("code", &wrong)])
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            unescape(&refused.body).contains("that code was not right"),
            "attempt {attempt}"
        );
    }
    // The fifth wrong code locked the account and ended the half-open session.
    site.get_as(&caller, "/sign-in/second-factor")
        .await
        .expect_sign_in();
    let locked = sign_in_form(&site, &email, Site::password_of(&email))
        .await
        .expect(StatusCode::UNAUTHORIZED);
    assert!(sign_in_error(&locked).starts_with("Too many attempts. This account is locked until"));

    site.clock.advance(Duration::minutes(10));
    let session = site.sign_in_as(&email).await;
    site.get_as(&Caller::Session(session), "/")
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let site = Site::demo().await;
    let member = site
        .member_for_role(NORTH_DAKOTA, Role::CommunityPartner)
        .await;
    let email = member.email.clone();
    let pending = site.password_step(&email, Site::password_of(&email)).await;
    let codes = site.second_factor_step(&pending).await;
    assert_eq!(codes.len(), 10, "ten recovery codes at enrolment");

    for (round, expected) in [
        (1, StatusCode::SEE_OTHER),
        (2, StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let pending = site.password_step(&email, Site::password_of(&email)).await;
        let reply = site
            .post_form_as(
                &Caller::Session(pending),
                "/sign-in/second-factor?next=%2Faccount",
                &[("code", &codes[0])],
            )
            .await;
        assert_eq!(
            reply.status, expected,
            "use {round} of the same recovery code"
        );
        if expected == StatusCode::SEE_OTHER {
            assert_eq!(reply.header("location"), "/account");
        }
    }
}
