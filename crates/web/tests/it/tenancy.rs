//! Forms need their CSRF token, and a member of one task force sees and changes nothing of
//! another's.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use serde_json::json;
use taskforce_domain::structure::Role;

const FORM_EXPIRED: &str =
    "This form has expired or did not come from this site. Go back, reload the page and try again.";

#[tokio::test]
async fn a_form_without_the_right_csrf_token_is_refused_and_changes_nothing() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let coordinator = Caller::Session(site.default_session().await);
    let path = format!("/task-forces/{tf}/organizations");
    let before = site.app.organizations(&SYSTEM, tf).await.expect("orgs");
    let fields = [
        ("name", "Minot Shelter"),
        ("kind", "victim_service_provider"),
    ];

    // Another member's token is as wrong as a made-up one.
    let other = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let other = site.sign_in_as(&other.email).await;
    let missing = site.post_raw(&coordinator, &path, &fields).await;
    let mut wrong_fields = fields.to_vec();
    wrong_fields.push(("csrf", "0000"));
    let wrong = site.post_raw(&coordinator, &path, &wrong_fields).await;
    let mut theirs_fields = fields.to_vec();
    theirs_fields.push(("csrf", other.csrf.as_str()));
    let theirs = site.post_raw(&coordinator, &path, &theirs_fields).await;
    for reply in [missing, wrong, theirs] {
        let reply = reply.expect(StatusCode::FORBIDDEN);
        assert!(unescape(&reply.body).contains(FORM_EXPIRED));
    }
    assert_eq!(
        site.app.organizations(&SYSTEM, tf).await.expect("orgs"),
        before
    );

    // With it, the same form is saved.
    site.post_form_as(&coordinator, &path, &fields)
        .await
        .expect(StatusCode::SEE_OTHER);

    // Signing out, changing a password and the second factor need it too.
    site.post_raw(&coordinator, "/sign-out", &[])
        .await
        .expect(StatusCode::FORBIDDEN);
    site.get_as(&coordinator, "/").await.expect(StatusCode::OK);
    site.post_raw(
        &coordinator,
        "/account/password",
        &[
            ("current_password", Site::password_of(&site.default_email)),
            ("new_password", "velvet quarry lantern harbour"),
        ],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let investigator = site.member_for_role(NORTH_DAKOTA, Role::Investigator).await;
    let pending = site
        .password_step(&investigator.email, Site::password_of(&investigator.email))
        .await;
    let code = site.totp_code(&investigator.email);
    site.post_raw(
        &Caller::Session(pending.clone()),
        "/sign-in/second-factor",
        &[("code", code.as_str())],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let (_, principal) = site
        .app
        .session(&pending.cookie, "test")
        .await
        .expect("read")
        .expect("still pending");
    assert!(
        !principal.strong,
        "the code was not taken without the form's token"
    );
    // The password did not change either.
    site.sign_in_with(&site.default_email, Site::password_of(&site.default_email))
        .await;
}

#[tokio::test]
async fn a_member_of_one_task_force_sees_and_changes_nothing_of_another() {
    let site = Site::demo().await;
    let nd = site.task_force_id(NORTH_DAKOTA).await;
    let cook = site.task_force_id(COOK_COUNTY).await;
    let cook_members = site.app.members(&SYSTEM, cook).await.expect("members");
    let cook_orgs = site.app.organizations(&SYSTEM, cook).await.expect("orgs");
    let cook_region_count = site.app.regions(&SYSTEM, cook).await.expect("r").len();
    let coordinator = Caller::Session(site.default_session().await);
    let shows_cook = |body: &str| {
        let text = unescape(body);
        text.contains(COOK_COUNTY)
            || cook_members.iter().any(|m| text.contains(&m.email))
            || cook_orgs.iter().any(|o| text.contains(&o.name))
    };

    // The home page lists only the member's own task force.
    let home = site.get_as(&coordinator, "/").await.expect(StatusCode::OK);
    assert!(home.body.contains(&format!("/task-forces/{nd}\"")));
    assert!(!shows_cook(&home.body));

    for path in [
        format!("/task-forces/{cook}"),
        format!("/task-forces/{cook}/members"),
        format!("/task-forces/{cook}/members/{}", cook_members[0].id),
        format!("/task-forces/{cook}/organizations"),
        format!("/task-forces/{cook}/organizations/{}/edit", cook_orgs[0].id),
        format!("/task-forces/{cook}/mous"),
        format!("/task-forces/{cook}/awards/new"),
    ] {
        let refused = site
            .get_as(&coordinator, &path)
            .await
            .expect(StatusCode::FORBIDDEN);
        assert!(!shows_cook(&refused.body), "{path} shows Cook County");
        assert!(unescape(&refused.body).contains("This belongs to another task force."));
    }
    site.post_form_as(
        &coordinator,
        &format!("/task-forces/{cook}/regions"),
        &[("name", "Taken over")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    site.post_form_as(
        &coordinator,
        &format!("/task-forces/{cook}/organizations/{}/edit", cook_orgs[0].id),
        &[
            ("name", "Taken over"),
            ("kind", "community_partner"),
            ("version", &cook_orgs[0].version.to_string()),
        ],
    )
    .await
    .expect(StatusCode::FORBIDDEN);

    // The same through the API.
    let token = Caller::Token(site.token(&site.default_email).await);
    let listed = site
        .api_as(&token, Method::GET, "/api/v1/task-forces", None, &[])
        .await
        .expect(StatusCode::OK)
        .json();
    let ids: Vec<&str> = listed
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids, vec![nd.to_string().as_str()]);
    for path in [
        format!("/api/v1/task-forces/{cook}"),
        format!("/api/v1/task-forces/{cook}/members"),
        format!(
            "/api/v1/task-forces/{cook}/organizations/{}",
            cook_orgs[0].id
        ),
    ] {
        let refused = site
            .api_as(&token, Method::GET, &path, None, &[])
            .await
            .expect(StatusCode::FORBIDDEN);
        assert_eq!(refused.json()["error"], "forbidden");
        assert!(!shows_cook(&refused.body), "{path}");
    }
    site.api_as(
        &token,
        Method::POST,
        &format!("/api/v1/task-forces/{cook}/regions"),
        Some(&json!({"name": "Taken over"}).to_string()),
        &[],
    )
    .await
    .expect(StatusCode::FORBIDDEN);

    // An administrator of North Dakota cannot touch a Cook County account.
    let admin = site
        .member_for_role(NORTH_DAKOTA, Role::Administrator)
        .await;
    let admin = Caller::Session(site.sign_in_as(&admin.email).await);
    let accounts = site
        .get_as(&admin, "/admin/accounts")
        .await
        .expect(StatusCode::OK);
    assert!(!shows_cook(&accounts.body));
    let cook_member = &cook_members[0];
    let refused = site
        .post_form_as(
            &admin,
            &format!("/admin/accounts/{}/disable", cook_member.id),
            &[],
        )
        .await;
    assert!(
        matches!(
            refused.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ),
        "{}",
        refused.status
    );
    let account = site
        .app
        .account_by_email(&cook_member.email)
        .await
        .expect("read")
        .expect("an account");
    assert!(account.disabled_at.is_none());

    // Nothing of Cook County changed.
    assert_eq!(
        site.app.organizations(&SYSTEM, cook).await.expect("o"),
        cook_orgs
    );
    assert_eq!(
        site.app.members(&SYSTEM, cook).await.expect("m"),
        cook_members
    );
    assert_eq!(
        site.app.regions(&SYSTEM, cook).await.expect("r").len(),
        cook_region_count
    );
}
