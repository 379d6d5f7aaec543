//! The HTML pages a task force works in: each one answers with its title and its records.

use crate::harness::*;
use axum::http::StatusCode;
use std::collections::BTreeSet;
use taskforce_domain::reference;
use taskforce_domain::structure::Role;

fn sorted(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut items: Vec<String> = items.into_iter().collect();
    items.sort();
    items
}

#[tokio::test]
async fn home_lists_every_task_force_of_the_network() {
    let site = Site::demo().await;
    // The whole network is listed to network staff; a member of a task force sees their own
    // (tested in tenancy.rs).
    let staff = site.member_for_role(NORTH_DAKOTA, Role::NetworkStaff).await;
    let staff = Caller::Session(site.sign_in_as(&staff.email).await);
    let home = site.get_as(&staff, "/").await.expect(StatusCode::OK);
    assert_eq!(home.h1(), "Task forces");
    assert!(home.header("content-type").starts_with("text/html"));
    for t in site.app.task_forces(&SYSTEM).await.expect("task forces") {
        let link = format!("<a href=\"/task-forces/{}\">", t.id);
        assert!(home.body.contains(&link), "no link to {}", t.name);
        assert!(
            unescape(&home.body).contains(&t.name),
            "{} is not on the home page",
            t.name
        );
    }
    assert!(home.body.contains("North Dakota · 53 counties"));
}

#[tokio::test]
async fn task_force_page_shows_its_facts_and_section_counts() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let page = site
        .get(&format!("/task-forces/{tf}"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(page.h1(), NORTH_DAKOTA);
    assert!(page.body.contains("<dd>780,000</dd>"), "population served");
    // Every county of the state is named, and the section counts are those of the database.
    let mut counties: Vec<String> = reference::counties_of("ND")
        .iter()
        .map(|c| c.name.clone())
        .collect();
    counties.sort();
    assert_eq!(counties.len(), 53);
    assert!(page.body.contains(&format!(
        "<dt>Counties</dt><dd>{}</dd>",
        counties.join(", ")
    )));
    let organizations = site
        .app
        .organizations(&SYSTEM, tf)
        .await
        .expect("orgs")
        .len();
    let members = site.app.members(&SYSTEM, tf).await.expect("members").len();
    for (section, count) in [
        ("regions", 8),
        ("organizations", organizations),
        ("members", members),
        ("mous", 3),
        ("awards", 2),
    ] {
        let expected = format!("/task-forces/{tf}/{section}\">");
        let at = page
            .body
            .find(&expected)
            .unwrap_or_else(|| panic!("no link to {section}"));
        let count_text = between(&page.body[at..], "<span class=\"count\">", "</span>")
            .expect("a count beside the section");
        assert_eq!(count_text, count.to_string(), "count of {section}");
    }
}

#[tokio::test]
async fn region_pages_list_show_create_and_edit() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let base = format!("/task-forces/{tf}/regions");

    let list = site.get(&base).await.expect(StatusCode::OK);
    assert_eq!(list.h1(), "Regions");
    assert_eq!(list.table_rows(), 8, "North Dakota has eight regions");
    let regions = site.app.regions(&SYSTEM, tf).await.expect("regions");
    assert_eq!(
        sorted(list.first_column()),
        sorted(regions.iter().map(|r| r.name.clone()))
    );

    let badlands = regions
        .iter()
        .find(|r| r.name == "Badlands")
        .expect("the Badlands region");
    let record = site
        .get(&format!("{base}/{}", badlands.id))
        .await
        .expect(StatusCode::OK);
    assert_eq!(record.h1(), "Badlands");
    for fips in &badlands.counties {
        let county = reference::county(fips).expect("a known county");
        assert!(
            record.body.contains(&county.name),
            "{} is not listed",
            county.name
        );
    }

    let new = site
        .get(&format!("{base}/new"))
        .await
        .expect(StatusCode::OK);
    assert_eq!(new.h1(), "Add a region");
    assert_eq!(
        new.body.matches("name=\"counties\"").count(),
        53,
        "every county of the task force is offered"
    );

    let edit = site
        .get(&format!("{base}/{}/edit", badlands.id))
        .await
        .expect(StatusCode::OK);
    assert_eq!(edit.h1(), "Edit Badlands");
    for fips in &badlands.counties {
        assert!(
            edit.body
                .contains(&format!("name=\"counties\" value=\"{fips}\" checked")),
            "{fips} is not ticked"
        );
    }
    assert_eq!(
        edit.body.matches(" checked>").count(),
        badlands.counties.len() + badlands.navigators.len()
    );
}

#[tokio::test]
async fn organization_member_mou_and_award_pages_answer_with_their_titles() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let base = format!("/task-forces/{tf}");

    let organizations = site.app.organizations(&SYSTEM, tf).await.expect("orgs");
    let members = site.app.members(&SYSTEM, tf).await.expect("members");
    let mous = site.app.mous(&SYSTEM, tf).await.expect("mous");
    let awards = site.app.awards(&SYSTEM, tf).await.expect("awards");

    struct Section {
        path: &'static str,
        title: &'static str,
        new_title: &'static str,
        names: Vec<String>,
        first: (String, String, String),
    }
    let sections = [
        Section {
            path: "organizations",
            title: "Organizations",
            new_title: "Add an organization",
            names: organizations.iter().map(|o| o.name.clone()).collect(),
            first: (
                organizations[0].id.to_string(),
                organizations[0].name.clone(),
                format!("Edit {}", organizations[0].name),
            ),
        },
        Section {
            path: "members",
            title: "Members",
            new_title: "Add a member",
            names: members.iter().map(|m| m.name.clone()).collect(),
            first: (
                members[0].id.to_string(),
                members[0].name.clone(),
                format!("Edit {}", members[0].name),
            ),
        },
        Section {
            path: "mous",
            title: "MOUs",
            new_title: "Record an MOU",
            names: mous.iter().map(|m| m.title.clone()).collect(),
            first: (
                mous[0].id.to_string(),
                mous[0].title.clone(),
                format!("Edit {}", mous[0].title),
            ),
        },
        Section {
            path: "awards",
            title: "Funding awards",
            new_title: "Record an award",
            names: awards.iter().map(|a| a.award_number.clone()).collect(),
            first: (
                awards[0].id.to_string(),
                format!("Award {}", awards[0].award_number),
                format!("Edit award {}", awards[0].award_number),
            ),
        },
    ];
    assert_eq!(organizations.len(), 11);
    assert_eq!(mous.len(), 3);
    assert_eq!(awards.len(), 2);

    for s in sections {
        let list = site
            .get(&format!("{base}/{}", s.path))
            .await
            .expect(StatusCode::OK);
        assert_eq!(list.h1(), s.title);
        assert_eq!(list.table_rows(), s.names.len(), "rows of {}", s.path);
        assert_eq!(sorted(list.first_column()), sorted(s.names.clone()));

        let (id, record_title, edit_title) = s.first;
        let record = site
            .get(&format!("{base}/{}/{id}", s.path))
            .await
            .expect(StatusCode::OK);
        assert_eq!(record.h1(), record_title);
        assert!(record
            .body
            .contains(&format!("href=\"{base}/{}/{id}/edit\"", s.path)));

        let new = site
            .get(&format!("{base}/{}/new", s.path))
            .await
            .expect(StatusCode::OK);
        assert_eq!(new.h1(), s.new_title);
        assert!(new.body.contains(&format!("action=\"{base}/{}\"", s.path)));
        assert!(!new.body.contains("name=\"version\""));

        let edit = site
            .get(&format!("{base}/{}/{id}/edit", s.path))
            .await
            .expect(StatusCode::OK);
        assert_eq!(edit.h1(), edit_title);
        assert!(edit.body.contains("name=\"version\" value=\"1\""));
    }
}

#[tokio::test]
async fn a_member_in_two_organizations_shows_both() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let members = site.app.members(&SYSTEM, tf).await.expect("members");
    let coordinator = members
        .iter()
        .find(|m| m.memberships.len() == 2)
        .expect("the demo's coordinator works in two organizations");
    let page = site
        .get(&format!("/task-forces/{tf}/members/{}", coordinator.id))
        .await
        .expect(StatusCode::OK);
    let text = unescape(&page.body);
    assert!(text.contains("North Dakota Bureau of Criminal Investigation: Coordinator"));
    assert!(text.contains("Youthworks North Dakota: Analyst"));
}

#[tokio::test]
async fn set_up_page_and_county_choices_for_a_state() {
    let site = Site::empty().await;
    let new = site.get("/task-forces/new").await.expect(StatusCode::OK);
    assert_eq!(new.h1(), "Set up a task force");
    assert!(new.body.contains("hx-get=\"/task-forces/county-choices\""));

    let nd = site
        .get("/task-forces/county-choices?state=ND")
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        nd.body
            .matches("type=\"checkbox\" name=\"counties\"")
            .count(),
        53
    );
    assert!(nd.body.contains("value=\"38015\"> Burleigh"));
    assert!(!nd.body.contains("<html"), "a fragment, not a page");

    let none = site
        .get("/task-forces/county-choices?state=")
        .await
        .expect(StatusCode::OK);
    assert_eq!(none.body.matches("type=\"checkbox\"").count(), 0);
    assert!(none.body.contains("Choose the state first"));
}

#[tokio::test]
async fn setting_up_a_task_force_through_the_form() {
    let site = Site::empty().await;
    let created = site
        .post_form(
            "/task-forces/new",
            &[
                ("name", "Red River Valley Task Force"),
                ("state", "ND"),
                ("counties", "38017"),
                ("counties", "38035"),
                ("population_served", "250,000"),
                ("description", "Fargo and Grand Forks."),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let location = created.header("location").to_owned();
    let page = site.get(&location).await.expect(StatusCode::OK);
    assert_eq!(page.h1(), "Red River Valley Task Force");
    assert!(page.body.contains("Saved."));
    assert!(page.body.contains("<dd>Cass, Grand Forks</dd>"));
    assert!(page.body.contains("<dd>250,000</dd>"));

    // A county of another state is refused beside the counties field; nothing is created.
    let refused = site
        .post_form(
            "/task-forces/new",
            &[("name", "Mixed"), ("state", "ND"), ("counties", "36029")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_error("counties").as_deref(),
        Some("Erie is not in ND")
    );
    // The new task force beside the network office of the empty site.
    assert_eq!(site.app.task_forces(&SYSTEM).await.expect("list").len(), 2);
}

#[tokio::test]
async fn malformed_and_unknown_addresses_get_an_error_page() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;

    let bad_tf = site
        .get("/task-forces/not-an-id/organizations")
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_tf.header("content-type").starts_with("text/html"));
    assert_eq!(bad_tf.h1(), "Please check the address");
    assert!(
        unescape(&bad_tf.body).contains("tf: is not a valid identifier"),
        "{}",
        bad_tf.body
    );

    let bad_id = site
        .get(&format!("/task-forces/{tf}/members/12345"))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_id.h1(), "Please check the address");
    assert!(
        unescape(&bad_id.body).contains("id: is not a valid identifier"),
        "{}",
        bad_id.body
    );

    let unknown = "0190b2a4-0000-7000-8000-000000000001";
    // A task force other than the member's own is refused before anyone looks for it, so the
    // answer does not tell whether it exists.
    for path in [
        format!("/task-forces/{unknown}"),
        format!("/task-forces/{unknown}/regions"),
    ] {
        let page = site.get(&path).await.expect(StatusCode::FORBIDDEN);
        assert_eq!(page.h1(), "Not available to you", "{path}");
        assert!(unescape(&page.body).contains("This belongs to another task force."));
    }
    // Network staff, who may read every task force, are told it is not there.
    let staff = site.member_for_role(NORTH_DAKOTA, Role::NetworkStaff).await;
    let staff = Caller::Session(site.sign_in_as(&staff.email).await);
    let page = site
        .get_as(&staff, &format!("/task-forces/{unknown}"))
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(page.h1(), "Page not found");
    for path in [
        format!("/task-forces/{tf}/organizations/{unknown}"),
        format!("/task-forces/{tf}/mous/{unknown}/edit"),
        "/no/such/page".to_owned(),
    ] {
        let page = site.get(&path).await.expect(StatusCode::NOT_FOUND);
        assert!(
            page.header("content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(page.h1(), "Page not found", "{path}");
        assert!(page.body.contains("href=\"/\""), "a way back from {path}");
    }
}

#[tokio::test]
async fn a_record_is_not_reachable_under_another_task_force() {
    let site = Site::demo().await;
    let nd = site.task_force_id(NORTH_DAKOTA).await;
    let cook = site.task_force_id(COOK_COUNTY).await;
    // Cook County's coordinator, who may read and change Cook County's records, asks for North
    // Dakota's under Cook County's address.
    let coordinator = site.member_for_role(COOK_COUNTY, Role::Coordinator).await;
    let site = As {
        site: &site,
        caller: Caller::Session(site.sign_in_as(&coordinator.email).await),
    };
    let org = site.app.organizations(&SYSTEM, nd).await.expect("orgs")[0].clone();
    let member = site.app.members(&SYSTEM, nd).await.expect("members")[0].clone();
    let region = site.app.regions(&SYSTEM, nd).await.expect("regions")[0].clone();

    for path in [
        format!("/task-forces/{cook}/organizations/{}", org.id),
        format!("/task-forces/{cook}/organizations/{}/edit", org.id),
        format!("/task-forces/{cook}/members/{}", member.id),
        format!("/task-forces/{cook}/regions/{}", region.id),
    ] {
        site.get(&path).await.expect(StatusCode::NOT_FOUND);
    }
    // Nor changed through it.
    site.post_form(
        &format!("/task-forces/{cook}/organizations/{}/edit", org.id),
        &[
            ("name", "Taken over"),
            ("kind", "community_partner"),
            ("version", &org.version.to_string()),
        ],
    )
    .await
    .expect(StatusCode::NOT_FOUND);
    let unchanged = site
        .app
        .organization(&SYSTEM, nd, org.id)
        .await
        .expect("org");
    assert_eq!(unchanged, org);

    let cook_list = site
        .get(&format!("/task-forces/{cook}/organizations"))
        .await
        .expect(StatusCode::OK);
    let names: BTreeSet<String> = cook_list.first_column().into_iter().collect();
    assert!(!names.contains(&org.name));
}

/// A site seen by one caller.
struct As<'a> {
    site: &'a Site,
    caller: Caller,
}

impl As<'_> {
    async fn get(&self, path: &str) -> Reply {
        self.site.get_as(&self.caller, path).await
    }
    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.site.post_form_as(&self.caller, path, fields).await
    }
}

impl std::ops::Deref for As<'_> {
    type Target = Site;
    fn deref(&self) -> &Site {
        self.site
    }
}
