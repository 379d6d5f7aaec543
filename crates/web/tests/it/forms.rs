//! Submitting the HTML forms: what is saved, what is refused and how the refusal is shown.

use crate::harness::*;
use axum::http::StatusCode;
use taskforce_domain::structure::OrganizationKind;

/// The `version` hidden field of an edit form.
fn version_field(reply: &Reply) -> String {
    between(&reply.body, "name=\"version\" value=\"", "\"")
        .expect("the edit form carries the record's version")
        .to_owned()
}

#[tokio::test]
async fn creating_an_organization_through_the_form() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let before = site
        .app
        .organizations(&SYSTEM, tf)
        .await
        .expect("orgs")
        .len();
    let region = site
        .app
        .regions(&SYSTEM, tf)
        .await
        .expect("regions")
        .into_iter()
        .find(|r| r.name == "Northwest")
        .expect("Northwest");

    let created = site
        .post_form(
            &format!("/task-forces/{tf}/organizations"),
            &[
                ("name", "Minot Family Justice Center"),
                ("kind", "victim_service_provider"),
                ("region_id", &region.id.to_string()),
                ("address", "1 Main St, Minot"),
                ("phone", "(701) 555-0142"),
                ("email", "help@minot-fjc.example"),
                ("website", "https://minot-fjc.example"),
                ("co_located", "yes"),
                ("active", "yes"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let location = created.header("location").to_owned();
    let prefix = format!("/task-forces/{tf}/organizations/");
    assert!(
        location.starts_with(&prefix) && location.ends_with("?saved=1"),
        "{location}"
    );

    let page = site.get(&location).await.expect(StatusCode::OK);
    assert_eq!(page.h1(), "Minot Family Justice Center");
    assert!(page.body.contains("Saved."));
    assert!(page.body.contains("Victim service provider"));
    assert!(page.body.contains(">Northwest</a>"), "its region is linked");
    assert!(page.body.contains("help@minot-fjc.example"));
    assert!(
        page.body
            .contains("Works from the task force&#x27;s shared office")
            || page
                .body
                .contains("Works from the task force&#39;s shared office")
    );

    let organizations = site.app.organizations(&SYSTEM, tf).await.expect("orgs");
    assert_eq!(organizations.len(), before + 1);
    let saved = organizations
        .iter()
        .find(|o| o.name == "Minot Family Justice Center")
        .expect("saved");
    assert_eq!(saved.kind, OrganizationKind::VictimServiceProvider);
    assert_eq!(saved.region_id, Some(region.id));
    assert!(saved.co_located && saved.active);
    assert_eq!(location, format!("{prefix}{}?saved=1", saved.id));

    let list = site
        .get(&format!("/task-forces/{tf}/organizations"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(list.table_rows(), before + 1);
    assert!(list
        .first_column()
        .contains(&"Minot Family Justice Center".to_owned()));
}

#[tokio::test]
async fn a_refused_organization_form_names_each_field_and_saves_nothing() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let path = format!("/task-forces/{tf}/organizations");
    let before = site.app.organizations(&SYSTEM, tf).await.expect("orgs");

    // Empty name and a mistyped e-mail: both are shown beside their fields and in the summary,
    // and what was typed is kept.
    let refused = site
        .post_form(
            &path,
            &[
                ("name", "   "),
                ("kind", "community_partner"),
                ("email", "not-an-address"),
                ("phone", "555"),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.h1(), "Add an organization");
    assert_eq!(refused.field_error("name").as_deref(), Some("is required"));
    assert_eq!(
        refused.field_error("email").as_deref(),
        Some("must be an e-mail address such as name@agency.gov")
    );
    assert_eq!(
        refused.field_error("phone").as_deref(),
        Some("must be a phone number (7 to 15 digits)")
    );
    assert_eq!(
        refused.summary(),
        vec![
            "Name: is required",
            "Phone: must be a phone number (7 to 15 digits)",
            "E-mail: must be an e-mail address such as name@agency.gov",
        ]
    );
    assert!(refused.body.contains("Please check these 3 fields"));
    assert!(refused.body.contains("value=\"not-an-address\""));
    assert!(refused.body.contains("aria-invalid=\"true\""));

    // A kind that is not one of the choices offered.
    let refused = site
        .post_form(&path, &[("name", "Somebody"), ("kind", "secret_police")])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_error("kind").as_deref(),
        Some("is not one of the choices offered")
    );
    assert_eq!(
        refused.summary(),
        vec!["Kind of organization: is not one of the choices offered"]
    );
    assert!(refused.body.contains("value=\"Somebody\""));

    // A region that cannot be one of the choices, and one that is not this task force's.
    let refused = site
        .post_form(
            &path,
            &[
                ("name", "Somebody"),
                ("kind", "community_partner"),
                ("region_id", "not-a-region"),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_error("region_id").as_deref(),
        Some("is not one of the choices offered")
    );
    let refused = site
        .post_form(
            &path,
            &[
                ("name", "Somebody"),
                ("kind", "community_partner"),
                ("region_id", "0190b2a4-0000-7000-8000-000000000001"),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_error("region_id").as_deref(),
        Some("must be a region of this task force")
    );

    let after = site.app.organizations(&SYSTEM, tf).await.expect("orgs");
    assert_eq!(after, before, "a refused form changes nothing");
    let list = site.get(&path).await.expect(StatusCode::OK);
    assert_eq!(list.table_rows(), before.len());
}

#[tokio::test]
async fn an_edit_based_on_a_stale_version_is_refused() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let org = site.app.organizations(&SYSTEM, tf).await.expect("orgs")[0].clone();
    let edit_path = format!("/task-forces/{tf}/organizations/{}/edit", org.id);

    // Two people open the edit form.
    let first = site.get(&edit_path).await.expect(StatusCode::OK);
    let second = site.get(&edit_path).await.expect(StatusCode::OK);
    assert_eq!(version_field(&first), "1");
    assert_eq!(version_field(&second), "1");

    // The first saves.
    let saved = site
        .post_form(
            &edit_path,
            &[
                ("name", "ND Bureau of Criminal Investigation"),
                ("kind", "state_law_enforcement"),
                ("email", "bci@nd.example"),
                ("active", "yes"),
                ("version", &version_field(&first)),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(
        saved.header("location"),
        format!("/task-forces/{tf}/organizations/{}?saved=1", org.id)
    );

    // The second, still on version 1, is told and nothing of theirs is written.
    let refused = site
        .post_form(
            &edit_path,
            &[
                ("name", "Overwritten"),
                ("kind", "state_law_enforcement"),
                ("active", "yes"),
                ("version", &version_field(&second)),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let text = unescape(&refused.body);
    assert!(
        text.contains("this record was changed by someone else after you opened it"),
        "{text}"
    );
    assert_eq!(refused.summary().len(), 1);

    let now = site
        .app
        .organization(&SYSTEM, tf, org.id)
        .await
        .expect("org");
    assert_eq!(now.name, "ND Bureau of Criminal Investigation");
    assert_eq!(now.email, "bci@nd.example");
    assert_eq!(now.version, 2);
    let page = site
        .get(&format!("/task-forces/{tf}/organizations/{}", org.id))
        .await
        .expect(StatusCode::OK);
    assert_eq!(page.h1(), "ND Bureau of Criminal Investigation");

    // A form without its version is refused too (never saved blind).
    let refused = site
        .post_form(
            &edit_path,
            &[("name", "Blind"), ("kind", "state_law_enforcement")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&refused.body).contains("the form is missing the record's version"));
    assert_eq!(
        site.app
            .organization(&SYSTEM, tf, org.id)
            .await
            .expect("org")
            .name,
        "ND Bureau of Criminal Investigation"
    );
}

#[tokio::test]
async fn a_region_cannot_claim_a_county_of_another_region_or_outside_the_task_force() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let regions = site.app.regions(&SYSTEM, tf).await.expect("regions");
    let northwest = regions
        .iter()
        .find(|r| r.name == "Northwest")
        .expect("Northwest")
        .clone();
    let badlands = regions
        .iter()
        .find(|r| r.name == "Badlands")
        .expect("Badlands")
        .clone();
    let claimed = &northwest.counties[0];

    // A new region claiming a county of Northwest.
    let refused = site
        .post_form(
            &format!("/task-forces/{tf}/regions"),
            &[("name", "Oil Patch"), ("counties", claimed)],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let error = refused
        .field_error("counties")
        .expect("error beside counties");
    assert!(
        error.ends_with("already belongs to the region Northwest"),
        "{error}"
    );
    assert_eq!(refused.summary(), vec![format!("Counties: {error}")]);

    // A county of New York is not the task force's.
    let refused = site
        .post_form(
            &format!("/task-forces/{tf}/regions"),
            &[("name", "Oil Patch"), ("counties", "36029")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_error("counties").as_deref(),
        Some("\"36029\" is not a county of this task force")
    );

    // Badlands, edited to take one of Northwest's counties besides its own.
    let mut fields: Vec<(&str, &str)> = vec![("name", "Badlands")];
    for county in &badlands.counties {
        fields.push(("counties", county));
    }
    fields.push(("counties", claimed));
    let navigator = badlands.navigators[0].to_string();
    fields.push(("navigators", &navigator));
    let version = badlands.version.to_string();
    fields.push(("version", &version));
    let refused = site
        .post_form(
            &format!("/task-forces/{tf}/regions/{}/edit", badlands.id),
            &fields,
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .field_error("counties")
        .expect("error beside counties")
        .ends_with("already belongs to the region Northwest"));

    assert_eq!(
        site.app.regions(&SYSTEM, tf).await.expect("regions"),
        regions
    );

    // Renaming Badlands with its own counties is fine.
    fields.retain(|(name, value)| !(*name == "counties" && *value == claimed.as_str()));
    fields[0] = ("name", "Badlands and Missouri Slope");
    site.post_form(
        &format!("/task-forces/{tf}/regions/{}/edit", badlands.id),
        &fields,
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let renamed = site
        .app
        .region(&SYSTEM, tf, badlands.id)
        .await
        .expect("region");
    assert_eq!(renamed.name, "Badlands and Missouri Slope");
    assert_eq!(renamed.counties, badlands.counties);
    assert_eq!(renamed.version, badlands.version + 1);
}
