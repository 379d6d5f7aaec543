//! Personal access tokens: made on the account page, shown once, read-only or not, and refused
//! once expired, revoked, or their account is disabled.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::json;
use taskforce_domain::identity::TokenScope;
use taskforce_domain::structure::Role;

async fn directory(site: &Site, caller: &Caller) -> Reply {
    site.api_as(caller, Method::GET, "/api/v1/task-forces", None, &[])
        .await
}

fn expect_unauthenticated(reply: Reply) {
    let reply = reply.expect(StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"], "unauthenticated");
}

#[tokio::test]
async fn a_token_made_on_the_account_page_works_until_it_is_revoked() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let session = Caller::Session(site.sign_in_as(&member.email).await);

    let made = site
        .post_form_as(
            &session,
            "/account/tokens",
            &[
                ("name", "nightly export"),
                ("scope", "read"),
                ("expires_in_days", "30"),
            ],
        )
        .await
        .expect(StatusCode::OK);
    let secret = between(&made.body, "id=\"new-token\">", "</code>")
        .expect("the new token, shown once")
        .to_owned();
    assert!(secret.starts_with("tf_"), "{secret}");
    let token = Caller::Token(secret.clone());
    let listed = directory(&site, &token).await.expect(StatusCode::OK).json();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "its own task force"
    );

    // Shown once: the account page lists it by name and prefix, never in full.
    let page = site
        .get_as(&session, "/account")
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("nightly export"));
    assert!(page.body.contains(&secret[..10]));
    assert!(!page.body.contains(&secret));
    assert!(page.body.contains("Read only") && page.body.contains("Active"));

    let id = between(&page.body, "action=\"/account/tokens/", "/revoke\"")
        .expect("a revoke button")
        .to_owned();
    site.post_form_as(&session, &format!("/account/tokens/{id}/revoke"), &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    expect_unauthenticated(directory(&site, &token).await);
    let page = site
        .get_as(&session, "/account")
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Revoked"));

    // A member cannot revoke someone else's token.
    let other = site.member_for_role(NORTH_DAKOTA, Role::Prosecutor).await;
    let theirs = site.new_token(&other.email, TokenScope::Read, None).await;
    let their_id = site
        .app
        .tokens(&site.principal(&other.email).await)
        .await
        .expect("tokens")[0]
        .id;
    site.post_form_as(&session, &format!("/account/tokens/{their_id}/revoke"), &[])
        .await
        .expect(StatusCode::NOT_FOUND);
    directory(&site, &Caller::Token(theirs))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_token_stops_working_when_it_expires() {
    let site = Site::demo().await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Analyst).await;
    let token = Caller::Token(
        site.new_token(&member.email, TokenScope::Read, Some(1))
            .await,
    );
    directory(&site, &token).await.expect(StatusCode::OK);
    site.clock
        .advance(Duration::hours(23) + Duration::minutes(59));
    directory(&site, &token).await.expect(StatusCode::OK);
    site.clock.advance(Duration::minutes(1));
    expect_unauthenticated(directory(&site, &token).await);

    // Nor does a token nobody made, or no token at all.
    expect_unauthenticated(directory(&site, &Caller::Token("tf_0123456789abcdef".into())).await);
    expect_unauthenticated(directory(&site, &Caller::Anonymous).await);
}

#[tokio::test]
async fn a_read_token_cannot_write() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let coordinator = site.default_email.clone();
    let read = site.token_for(&coordinator, TokenScope::Read).await;
    let write = site.token_for(&coordinator, TokenScope::Write).await;
    let before = site.app.organizations(&SYSTEM, tf).await.expect("orgs");
    let body = json!({"name": "Bismarck Shelter", "kind": "victim_service_provider"}).to_string();
    let collection = format!("/api/v1/task-forces/{tf}/organizations");

    let refused = site
        .api_as(&read, Method::POST, &collection, Some(&body), &[])
        .await
        .expect(StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"], "forbidden");
    assert!(refused.json()["message"]
        .as_str()
        .is_some_and(|m| m.contains("this token may only read")));
    let org = &before[0];
    site.api_as(
        &read,
        Method::PUT,
        &format!("{collection}/{}", org.id),
        Some(&json!({"name": "Renamed", "kind": "community_partner"}).to_string()),
        &[("if-match", &format!("\"{}\"", org.version))],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    assert_eq!(
        site.app.organizations(&SYSTEM, tf).await.expect("orgs"),
        before
    );

    // It reads; the same member's write token writes.
    site.api_as(&read, Method::GET, &collection, None, &[])
        .await
        .expect(StatusCode::OK);
    site.api_as(&write, Method::POST, &collection, Some(&body), &[])
        .await
        .expect(StatusCode::CREATED);
}

#[tokio::test]
async fn a_disabled_accounts_token_stops_working() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let member = site.member_for_role(NORTH_DAKOTA, Role::Navigator).await;
    let token = site.token_for(&member.email, TokenScope::Write).await;
    directory(&site, &token).await.expect(StatusCode::OK);

    let admin = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let admin = Caller::Session(site.sign_in_as(&admin.email).await);
    site.post_form_as(
        &admin,
        &format!("/admin/accounts/{}/disable", member.id),
        &[],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    expect_unauthenticated(directory(&site, &token).await);
    let account = site
        .app
        .account_by_email(&member.email)
        .await
        .expect("read")
        .expect("the account");
    assert!(account.disabled_at.is_some() && account.task_force_id == tf);
}
