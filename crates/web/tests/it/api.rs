//! The JSON API: reads with ETags, creates, guarded updates, and errors that name the field.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use taskforce_domain::identity::TokenScope;
use taskforce_domain::structure::Role;

const UNKNOWN: &str = "0190b2a4-0000-7000-8000-000000000001";

fn first_field(reply: &Reply) -> (String, String) {
    let body = reply.json();
    let field = &body["fields"][0];
    (
        field["field"].as_str().unwrap_or_default().to_owned(),
        field["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn lists_and_records_answer_with_etags() {
    let site = Site::demo().await;
    // The directory of the whole network, as network staff see it.
    let staff = site.member_for_role(NORTH_DAKOTA, Role::NetworkStaff).await;
    let staff = site.token_for(&staff.email, TokenScope::Read).await;
    let list = site
        .api_as(&staff, Method::GET, "/api/v1/task-forces", None, &[])
        .await
        .expect(StatusCode::OK);
    assert!(list.header("content-type").starts_with("application/json"));
    let task_forces = list.json();
    let names: Vec<&str> = task_forces
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names.len(), 4);
    assert!(names.contains(&NORTH_DAKOTA));

    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let one = site
        .api(Method::GET, &format!("/api/v1/task-forces/{tf}"), None, &[])
        .await
        .expect(StatusCode::OK);
    assert_eq!(one.header("etag"), "\"1\"");
    let body = one.json();
    assert_eq!(body["name"], NORTH_DAKOTA);
    assert_eq!(body["counties"].as_array().map(Vec::len), Some(53));

    let regions = site
        .api(
            Method::GET,
            &format!("/api/v1/task-forces/{tf}/regions"),
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK)
        .json();
    let regions = regions.as_array().expect("an array");
    assert_eq!(regions.len(), 8);
    let id = regions[0]["id"].as_str().expect("an id");
    let region = site
        .api(
            Method::GET,
            &format!("/api/v1/task-forces/{tf}/regions/{id}"),
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        region.header("etag"),
        format!("\"{}\"", regions[0]["version"])
    );
    assert_eq!(region.json(), regions[0]);
}

#[tokio::test]
async fn create_then_update_with_if_match() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let collection = format!("/api/v1/task-forces/{tf}/organizations");

    let created = site
        .api(
            Method::POST,
            &collection,
            Some(r#"{"name": "Bismarck Shelter", "kind": "victim_service_provider", "email": "info@shelter.example"}"#),
            &[],
        )
        .await
        .expect(StatusCode::CREATED);
    let body = created.json();
    let id = body["id"].as_str().expect("an id").to_owned();
    let location = format!("{collection}/{id}");
    assert_eq!(created.header("location"), location);
    assert_eq!(created.header("etag"), "\"1\"");
    assert_eq!(body["version"], 1);
    assert_eq!(body["active"], true, "active unless said otherwise");
    assert_eq!(body["task_force_id"], tf.to_string());

    let fetched = site
        .api(Method::GET, &location, None, &[])
        .await
        .expect(StatusCode::OK);
    assert_eq!(fetched.json(), body);

    let change =
        json!({"name": "Bismarck Shelter and Outreach", "kind": "victim_service_provider"})
            .to_string();

    // No If-Match: the client is told to send the version it read.
    let refused = site
        .api(Method::PUT, &location, Some(&change), &[])
        .await
        .expect(StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(refused.json()["error"], "version_required");

    // An If-Match that is not an ETag.
    let refused = site
        .api(
            Method::PUT,
            &location,
            Some(&change),
            &[("if-match", "yesterday")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(first_field(&refused).0, "If-Match");

    // The right version: saved, version and ETag move on.
    let updated = site
        .api(
            Method::PUT,
            &location,
            Some(&change),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(updated.header("etag"), "\"2\"");
    let after = updated.json();
    assert_eq!(after["version"], 2);
    assert_eq!(after["name"], "Bismarck Shelter and Outreach");
    assert_eq!(after["id"], id.as_str());

    // A stale version: 412, and the record keeps the change that won.
    let stale = json!({"name": "Lost update", "kind": "community_partner"}).to_string();
    let refused = site
        .api(
            Method::PUT,
            &location,
            Some(&stale),
            &[("if-match", "\"1\"")],
        )
        .await
        .expect(StatusCode::PRECONDITION_FAILED);
    assert_eq!(refused.json()["error"], "conflict");
    let now = site
        .api(Method::GET, &location, None, &[])
        .await
        .expect(StatusCode::OK);
    assert_eq!(now.json(), after);
    assert_eq!(now.header("etag"), "\"2\"");
}

#[tokio::test]
async fn a_body_that_does_not_fit_is_refused_naming_the_field() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let organizations = format!("/api/v1/task-forces/{tf}/organizations");
    let before = site.app.organizations(&SYSTEM, tf).await.expect("orgs");

    let cases: &[(&str, &str, &str)] = &[
        (
            r#"{"name": 5, "kind": "community_partner"}"#,
            "name",
            "invalid type",
        ),
        (r#"{"kind": "community_partner"}"#, "name", "is required"),
        (
            r#"{"name": "A", "kind": "community_partner", "colour": "red"}"#,
            "colour",
            "is not a field of this record",
        ),
        (r#"{"name": "A", "kind": "#, "body", "is not valid JSON"),
        (
            r#"{"name": "A", "kind": "secret_police"}"#,
            "kind",
            "unknown variant",
        ),
        (
            r#"{"name": "", "kind": "community_partner", "email": "nope"}"#,
            "name",
            "is required",
        ),
        (
            r#"{"name": "A", "kind": "community_partner", "region_id": "0190b2a4-0000-7000-8000-000000000001"}"#,
            "region_id",
            "must be a region of this task force",
        ),
    ];
    for (body, field, message) in cases {
        let refused = site
            .api(Method::POST, &organizations, Some(body), &[])
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"], "invalid", "{body}");
        let (got_field, got_message) = first_field(&refused);
        assert_eq!(got_field, *field, "{body} -> {}", refused.body);
        assert!(
            got_message.contains(message),
            "{body}: {got_message:?} should say {message:?}"
        );
    }

    // Every field refused by the domain is listed, not only the first.
    let refused = site
        .api(
            Method::POST,
            &organizations,
            Some(r#"{"name": "", "kind": "community_partner", "email": "nope"}"#),
            &[],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = refused.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(fields, vec!["name", "email"]);

    // A nested field is named by its path.
    let members = format!("/api/v1/task-forces/{tf}/members");
    let org = before[0].id;
    let body = json!({
        "name": "Pat Doe", "email": "pat@example.org",
        "memberships": [{"organization_id": org, "roles": ["advocate", "wizard"]}]
    })
    .to_string();
    let refused = site
        .api(Method::POST, &members, Some(&body), &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(first_field(&refused).0, "memberships[0].roles[1]");
    let body = json!({
        "name": "Pat Doe", "email": "pat@example.org",
        "memberships": [{"organization_id": org, "roles": [], "since": "2020"}]
    })
    .to_string();
    let refused = site
        .api(Method::POST, &members, Some(&body), &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        first_field(&refused),
        (
            "memberships[0].since".to_owned(),
            "is not a field of this record".to_owned()
        )
    );
    let body = json!({
        "name": "Pat Doe", "email": "pat@example.org",
        "memberships": [{"organization_id": org, "roles": []}, {"roles": ["advocate"]}]
    })
    .to_string();
    let refused = site
        .api(Method::POST, &members, Some(&body), &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        first_field(&refused),
        (
            "memberships[1].organization_id".to_owned(),
            "is required".to_owned()
        )
    );
    let body = json!({"name": "Pat Doe", "email": "pat@example.org", "extra": 1}).to_string();
    let refused = site
        .api(Method::POST, &members, Some(&body), &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        first_field(&refused),
        (
            "extra".to_owned(),
            "is not a field of this record".to_owned()
        )
    );

    assert_eq!(
        site.app.organizations(&SYSTEM, tf).await.expect("orgs"),
        before
    );
}

#[tokio::test]
async fn malformed_unknown_and_foreign_ids() {
    let site = Site::demo().await;
    let nd = site.task_force_id(NORTH_DAKOTA).await;
    let cook = site.task_force_id(COOK_COUNTY).await;

    let bad_tf = site
        .api(Method::GET, "/api/v1/task-forces/xyz/members", None, &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_tf
        .header("content-type")
        .starts_with("application/json"));
    assert_eq!(
        first_field(&bad_tf),
        ("tf".to_owned(), "is not a valid identifier".to_owned())
    );
    let bad_id = site
        .api(
            Method::GET,
            &format!("/api/v1/task-forces/{nd}/awards/xyz"),
            None,
            &[],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(first_field(&bad_id).0, "id");
    let bad_single = site
        .api(Method::GET, "/api/v1/task-forces/xyz", None, &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(first_field(&bad_single).0, "tf");

    // An unknown task force is looked for only by network staff, who may read every one; a
    // member of a task force is refused any other (tenancy.rs).
    let staff = site.member_for_role(NORTH_DAKOTA, Role::NetworkStaff).await;
    let staff = site.token_for(&staff.email, TokenScope::Read).await;
    let coordinator = Caller::Token(site.token(&site.default_email).await);
    for (caller, path) in [
        (&staff, format!("/api/v1/task-forces/{UNKNOWN}")),
        (
            &staff,
            format!("/api/v1/task-forces/{UNKNOWN}/organizations"),
        ),
        (
            &coordinator,
            format!("/api/v1/task-forces/{nd}/members/{UNKNOWN}"),
        ),
        (&coordinator, "/api/v1/no-such-thing".to_owned()),
        (&coordinator, "/api/v2/task-forces".to_owned()),
    ] {
        let missing = site
            .api_as(caller, Method::GET, &path, None, &[])
            .await
            .expect(StatusCode::NOT_FOUND);
        assert!(
            missing
                .header("content-type")
                .starts_with("application/json"),
            "{path}"
        );
        assert_eq!(missing.json()["error"], "not_found", "{path}");
    }

    // A record of North Dakota asked for under Cook County's address, by Cook County's
    // coordinator, does not exist there.
    let cook_coordinator = site.member_for_role(COOK_COUNTY, Role::Coordinator).await;
    let cook_coordinator = Caller::Token(site.token(&cook_coordinator.email).await);
    let member = site.app.members(&SYSTEM, nd).await.expect("members")[0].clone();
    let mou = site.app.mous(&SYSTEM, nd).await.expect("mous")[0].clone();
    for path in [
        format!("/api/v1/task-forces/{cook}/members/{}", member.id),
        format!("/api/v1/task-forces/{cook}/mous/{}", mou.id),
    ] {
        site.api_as(&cook_coordinator, Method::GET, &path, None, &[])
            .await
            .expect(StatusCode::NOT_FOUND);
    }
    // Nor changed through it, even with the right version.
    let org = site.app.organizations(&SYSTEM, nd).await.expect("orgs")[0].clone();
    let change = json!({"name": "Taken", "kind": "community_partner"}).to_string();
    let refused = site
        .api_as(
            &cook_coordinator,
            Method::PUT,
            &format!("/api/v1/task-forces/{cook}/organizations/{}", org.id),
            Some(&change),
            &[("if-match", &format!("\"{}\"", org.version))],
        )
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(refused.json()["error"], "not_found");
    assert_eq!(
        site.app
            .organization(&SYSTEM, nd, org.id)
            .await
            .expect("org"),
        org
    );
    assert_eq!(
        site.app
            .member(&SYSTEM, nd, member.id)
            .await
            .expect("member"),
        member
    );
}

#[tokio::test]
async fn region_counties_are_checked_through_the_api() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let regions = format!("/api/v1/task-forces/{tf}/regions");
    let northwest = site
        .app
        .regions(&SYSTEM, tf)
        .await
        .expect("regions")
        .into_iter()
        .find(|r| r.name == "Northwest")
        .expect("Northwest");
    let body = json!({"name": "Oil Patch", "counties": [northwest.counties[0]]}).to_string();
    let refused = site
        .api(Method::POST, &regions, Some(&body), &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let (field, message) = first_field(&refused);
    assert_eq!(field, "counties[0]");
    assert!(
        message.ends_with("already belongs to the region Northwest"),
        "{message}"
    );

    let body = json!({"name": "Oil Patch", "counties": ["12099"]}).to_string();
    let refused = site
        .api(Method::POST, &regions, Some(&body), &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        first_field(&refused),
        (
            "counties[0]".to_owned(),
            "\"12099\" is not a county of this task force".to_owned()
        )
    );
    assert_eq!(
        site.app.regions(&SYSTEM, tf).await.expect("regions").len(),
        8
    );
}

#[tokio::test]
async fn a_task_force_created_through_the_api_is_on_the_home_page() {
    let site = Site::empty().await;
    let body = json!({
        "name": "Gulf Coast Task Force", "state": "FL",
        "counties": ["12033", "12113"], "population_served": 500000
    })
    .to_string();
    let created = site
        .api(Method::POST, "/api/v1/task-forces", Some(&body), &[])
        .await
        .expect(StatusCode::CREATED);
    let json: Value = created.json();
    let id = json["id"].as_str().expect("id");
    assert_eq!(
        created.header("location"),
        format!("/api/v1/task-forces/{id}")
    );
    assert_eq!(
        json["created_at"], "2026-03-02T09:30:00Z",
        "the app's clock"
    );
    let home = site.get("/").await.expect(StatusCode::OK);
    assert!(home.body.contains("Gulf Coast Task Force"));
    assert!(home.body.contains(&format!("/task-forces/{id}")));
}
