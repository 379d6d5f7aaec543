//! Event deconfliction through the pages and the API: two agencies plan overlapping operations,
//! both commanders are told at once, each sees only who to call, both acknowledge; a commander
//! exempts an operation with a reason; bad plans are refused field by field; nobody outside the
//! agency reads an operation.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use taskforce_domain::notifications::NotificationKind;
use taskforce_domain::structure::{Member, OrganizationKind, Role};

/// A member of `org` holding `role` (and the organization's name).
struct Officer {
    member: Member,
    session: Session,
    organization: String,
}

/// The supervisor and a plain investigator of the first two law enforcement agencies of North
/// Dakota.
async fn officers(site: &Site) -> [Officer; 4] {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let orgs: Vec<_> = site
        .app
        .organizations(&SYSTEM, tf)
        .await
        .expect("organizations")
        .into_iter()
        .filter(|o| {
            matches!(
                o.kind,
                OrganizationKind::StateLawEnforcement
                    | OrganizationKind::FederalLawEnforcement
                    | OrganizationKind::LocalLawEnforcement
            )
        })
        .take(2)
        .collect();
    let members = site.app.members(&SYSTEM, tf).await.expect("members");
    let mut out = Vec::new();
    for org in &orgs {
        for supervisor in [true, false] {
            let member = members
                .iter()
                .find(|m| {
                    m.memberships.len() == 1
                        && m.memberships.iter().any(|s| {
                            s.organization_id == org.id
                                && s.roles.contains(&Role::Supervisor) == supervisor
                                && s.roles.contains(&Role::Investigator)
                        })
                })
                .expect("a demo officer")
                .clone();
            let session = site.sign_in_as(&member.email).await;
            out.push(Officer {
                member,
                session,
                organization: org.name.clone(),
            });
        }
    }
    out.try_into().unwrap_or_else(|_| panic!("four officers"))
}

fn plan<'a>(
    title: &'a str,
    lat: &'a str,
    start: &'a str,
    end: &'a str,
    commander: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("kind", "raid"),
        ("title", title),
        ("place", "Secret address of the plan"),
        ("latitude", lat),
        ("longitude", "-100.7837"),
        ("radius_m", "300"),
        ("starts_at", start),
        ("ends_at", end),
        ("commander", commander),
        ("contact_phone", "701-555-0142"),
    ]
}

fn id_of(location: &str) -> String {
    location
        .trim_start_matches("/operations/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn overlapping_operations_of_two_agencies_alert_both_commanders_who_each_acknowledge() {
    let site = Site::demo().await;
    let [a_boss, a_officer, b_boss, b_officer] = officers(&site).await;
    let a = Caller::Session(a_boss.session.clone());
    let b = Caller::Session(b_boss.session.clone());
    let a_id = a_boss.member.id.to_string();
    let b_id = b_boss.member.id.to_string();

    // The demo clock stands at 2026-01-12 15:00 UTC.
    let first = site
        .post_form_as(
            &a,
            "/operations",
            &plan(
                "Nightjar",
                "46.8083",
                "2026-01-20T06:00",
                "2026-01-20T10:00",
                &a_id,
            ),
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(
        first.header("location").ends_with("?saved=0"),
        "no conflict yet"
    );
    let first_id = id_of(first.header("location"));

    // The same agency overlapping itself is not a conflict.
    site.post_form_as(
        &Caller::Session(a_officer.session.clone()),
        "/operations",
        &plan(
            "Nightjar backup",
            "46.8085",
            "2026-01-20T07:00",
            "2026-01-20T08:00",
            &a_id,
        ),
    )
    .await
    .expect(StatusCode::SEE_OTHER);

    let before = site.audit_head().await;
    let second = site
        .post_form_as(
            &b,
            "/operations",
            &plan(
                "Kestrel",
                "46.8093",
                "2026-01-20T09:00",
                "2026-01-20T12:00",
                &b_id,
            ),
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(
        second.header("location").ends_with("?saved=1"),
        "one conflict"
    );
    let second_id = id_of(second.header("location"));
    let audit = site.audit_after(before).await;
    let actions: Vec<&str> = audit.iter().map(|e| e.record.action.as_str()).collect();
    assert_eq!(actions, ["operation.create", "deconfliction.create"]);

    // Both commanders were told at once, with nothing about the other operation.
    for boss in [&a_boss, &b_boss] {
        let principal = site.principal_of(&boss.session).await;
        let inbox = site
            .app
            .inbox(
                &taskforce_app::Actor::Member(principal.clone()),
                principal.task_force_id,
                true,
            )
            .await
            .expect("inbox");
        let alerts: Vec<_> = inbox
            .iter()
            .filter(|n| n.kind == NotificationKind::OperationConflict)
            .collect();
        assert_eq!(alerts.len(), 1, "{} is told once", boss.member.name);
        let text = format!("{} {}", alerts[0].subject, alerts[0].body);
        for secret in ["Nightjar", "Kestrel", "Secret address", "46.80"] {
            assert!(!text.contains(secret), "{text}");
        }
    }

    // Each side sees the other's agency, commander and phone, type and window; never its
    // name or place.
    for (me, other, other_title) in [
        (&a_boss, &b_boss, "Kestrel"),
        (&b_boss, &a_boss, "Nightjar"),
    ] {
        let caller = Caller::Session(me.session.clone());
        let page = site
            .get_as(&caller, "/operations")
            .await
            .expect(StatusCode::OK);
        assert!(
            page.body.contains(&other.organization),
            "{}",
            me.organization
        );
        assert!(page.body.contains(&other.member.name));
        assert!(page.body.contains("701-555-0142"));
        assert!(page.body.contains("Awaiting your acknowledgement"));
        assert!(
            !page.body.contains(other_title),
            "the other operation's name is withheld"
        );
        let map = site
            .get_as(&caller, "/operations/map.json")
            .await
            .expect(StatusCode::OK);
        let json = map.json();
        let features = json["features"].as_array().expect("features");
        let conflicts: Vec<_> = features
            .iter()
            .filter(|f| f["properties"]["layer"] == "conflict")
            .collect();
        assert_eq!(conflicts.len(), 1);
        assert!(features
            .iter()
            .any(|f| f["properties"]["layer"] == "county"));
        assert!(!map.body.contains(other_title));
        assert!(!map.body.contains("Secret address"));
    }
    site.get_as(&a, "/operations/map")
        .await
        .expect(StatusCode::OK);

    // An investigator who is not the commander does not settle it for the agency.
    let a_token = site
        .token_for(
            &a_boss.member.email,
            taskforce_domain::identity::TokenScope::Read,
        )
        .await;
    let listing = site
        .api_as(&a_token, Method::GET, "/api/v1/operations", None, &[])
        .await
        .expect(StatusCode::OK);
    let conflict = listing.json()["conflicts"][0]["id"]
        .as_str()
        .expect("a conflict id")
        .to_owned();
    let ack = format!("/operations/conflicts/{conflict}/acknowledge");
    let before = site.audit_head().await;
    site.post_form_as(&Caller::Session(a_officer.session.clone()), &ack, &[])
        .await
        .expect(StatusCode::FORBIDDEN);
    let audit = site.audit_after(before).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].record.action, "deconfliction.update");
    assert_eq!(
        audit[0].record.outcome,
        taskforce_domain::audit::Outcome::Denied
    );
    // The commander does, once.
    let done = site
        .post_form_as(&a, &ack, &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert_eq!(
        done.header("location"),
        format!("/operations/{first_id}?saved=acknowledged")
    );
    site.post_form_as(&a, &ack, &[])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let page = site
        .get_as(&a, &format!("/operations/{first_id}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains(&format!("by {}", a_boss.member.name)));
    assert!(page.body.contains("Not yet acknowledged"));

    // The other commander acknowledges through the API.
    let b_token = site
        .token_for(
            &b_boss.member.email,
            taskforce_domain::identity::TokenScope::Write,
        )
        .await;
    let reply = site
        .api_as(
            &b_token,
            Method::POST,
            &format!("/api/v1/operation-conflicts/{conflict}/acknowledge"),
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK);
    let view = reply.json();
    assert!(view["acknowledged_by_you"].is_string());
    assert!(view["acknowledged_by_them"].is_string());
    assert_eq!(view["own_operation_id"], second_id.as_str());
    assert_eq!(view["other"]["commander_name"], a_boss.member.name.as_str());
    assert!(view["other"].get("title").is_none());

    // The other agency's investigator cannot open agency A's operation.
    site.get_as(
        &Caller::Session(b_officer.session.clone()),
        &format!("/operations/{first_id}"),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_commander_exempts_an_operation_with_a_reason_and_it_is_checked_no_more() {
    let site = Site::demo().await;
    let [a_boss, a_officer, b_boss, _] = officers(&site).await;
    let a = Caller::Session(a_boss.session.clone());
    let a_id = a_boss.member.id.to_string();
    let first = site
        .post_form_as(
            &a,
            "/operations",
            &plan(
                "Heron",
                "46.8083",
                "2026-02-01T06:00",
                "2026-02-01T10:00",
                &a_id,
            ),
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let id = id_of(first.header("location"));
    let exempt = format!("/operations/{id}/exempt");

    // Investigators may not; a commander must say why.
    site.post_form_as(
        &Caller::Session(a_officer.session.clone()),
        &exempt,
        &[("reason", "Because")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let refused = site
        .post_form_as(&a, &exempt, &[("reason", "  ")])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("is required"));
    let before = site.audit_head().await;
    site.post_form_as(
        &a,
        &exempt,
        &[("reason", "An informant's safety depends on no one knowing")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let audit = site.audit_after(before).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].record.action, "operation.share");
    assert!(audit[0].record.detail.contains("informant"));
    let page = site
        .get_as(&a, &format!("/operations/{id}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Exempt from deconfliction since"));
    site.post_form_as(&a, &exempt, &[("reason", "Again")])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);

    // Another agency's overlapping plan raises no conflict now.
    let b_id = b_boss.member.id.to_string();
    let second = site
        .post_form_as(
            &Caller::Session(b_boss.session.clone()),
            "/operations",
            &plan(
                "Egret",
                "46.8084",
                "2026-02-01T07:00",
                "2026-02-01T08:00",
                &b_id,
            ),
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(second.header("location").ends_with("?saved=0"));
}

#[tokio::test]
async fn a_plan_is_refused_field_by_field_and_nothing_is_written() {
    let site = Site::demo().await;
    let [a_boss, _, b_boss, _] = officers(&site).await;
    let a = Caller::Session(a_boss.session.clone());
    let before = site.audit_head().await;
    let reply = site
        .post_form_as(
            &a,
            "/operations",
            &[
                ("kind", "picnic"),
                ("title", ""),
                ("latitude", "95"),
                ("longitude", "west"),
                ("radius_m", "0"),
                ("starts_at", "2026-01-20T10:00"),
                ("ends_at", "2026-01-20T09:00"),
                // Another agency's supervisor cannot command this agency's operation.
                ("commander", &b_boss.member.id.to_string()),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    for field in [
        "kind",
        "title",
        "latitude",
        "longitude",
        "radius_m",
        "ends_at",
        "commander",
    ] {
        assert!(
            reply.field_error(field).is_some(),
            "{field}: {}",
            reply.body
        );
    }
    assert_eq!(site.audit_head().await, before, "nothing was written");
    // The API names the same fields.
    let token = site
        .token_for(
            &a_boss.member.email,
            taskforce_domain::identity::TokenScope::Write,
        )
        .await;
    let reply = site
        .api_as(
            &token,
            Method::POST,
            "/api/v1/operations",
            Some(r#"{"kind": "raid", "title": "X", "latitude": 46.8, "longitude": -100.7, "radius_m": 100000, "starts_at": "2026-01-20T10:00", "ends_at": "2026-01-20T11:00", "commander": ""}"#),
            &[],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = reply.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["radius_m", "commander"]);
    let empty = site
        .api_as(&token, Method::GET, "/api/v1/operations", None, &[])
        .await
        .expect(StatusCode::OK);
    assert_eq!(empty.json()["operations"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn only_the_planning_agency_reads_an_operation() {
    let site = Site::demo().await;
    let [a_boss, _, _, _] = officers(&site).await;
    let a = Caller::Session(a_boss.session.clone());
    let a_id = a_boss.member.id.to_string();
    let planned = site
        .post_form_as(
            &a,
            "/operations",
            &plan(
                "Plover",
                "46.9",
                "2026-03-01T06:00",
                "2026-03-01T10:00",
                &a_id,
            ),
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let path = format!("/operations/{}", id_of(planned.header("location")));
    let before = site.audit_head().await;
    site.get_as(&a, &path).await.expect(StatusCode::OK);
    let audit = site.audit_after(before).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].record.action, "operation.read");
    for role in [
        Role::Investigator,
        Role::Advocate,
        Role::Coordinator,
        Role::Prosecutor,
    ] {
        let member = site.member_for_role(NORTH_DAKOTA, role).await;
        if member
            .memberships
            .iter()
            .any(|m| m.roles.contains(&Role::Supervisor))
        {
            continue;
        }
        let principal = site.principal(&member.email).await;
        if principal.organization_name == a_boss.organization {
            continue;
        }
        let caller = Caller::Session(site.sign_in_as(&member.email).await);
        let before = site.audit_head().await;
        site.get_as(&caller, &path)
            .await
            .expect(StatusCode::FORBIDDEN);
        let audit = site.audit_after(before).await;
        assert!(
            audit
                .iter()
                .any(|e| e.record.outcome == taskforce_domain::audit::Outcome::Denied),
            "{role:?}'s refusal is audited"
        );
        let list = site.get_as(&caller, "/operations").await;
        if list.status == StatusCode::OK {
            assert!(!list.body.contains("Plover"));
        }
    }
}

#[tokio::test]
async fn operations_of_every_window_length_are_found_and_only_when_they_overlap() {
    // The check reads, per class of window length (up to 6 hours, a day, 4 days, 14 days),
    // the operations that started within that class's longest window: a long surveillance
    // planned first is found by a short raid in its last days, as is each shorter class, and
    // one that ended before the raid starts is not.
    let site = Site::demo().await;
    let [a_boss, _, b_boss, _] = officers(&site).await;
    let a = Caller::Session(a_boss.session.clone());
    let b = Caller::Session(b_boss.session.clone());
    let a_id = a_boss.member.id.to_string();
    let b_id = b_boss.member.id.to_string();
    // Agency A: one operation of each class, all over the same town, all still running on
    // 2026-02-14 at 06:00 but one, which ended at 05:00.
    for (title, start, end) in [
        ("Thirteen days", "2026-02-01T07:00", "2026-02-14T07:00"),
        ("Three days", "2026-02-11T07:00", "2026-02-14T07:00"),
        ("Twenty hours", "2026-02-13T11:00", "2026-02-14T07:00"),
        ("Five hours", "2026-02-14T02:00", "2026-02-14T07:00"),
        ("Ended before", "2026-02-14T00:00", "2026-02-14T05:00"),
    ] {
        let planned = site
            .post_form_as(
                &a,
                "/operations",
                &plan(title, "46.8083", start, end, &a_id),
            )
            .await
            .expect(StatusCode::SEE_OTHER);
        assert!(planned.header("location").ends_with("?saved=0"), "{title}");
    }
    // Agency B: a one-hour raid at 06:00, 500 m away: four conflicts.
    let raid = site
        .post_form_as(
            &b,
            "/operations",
            &plan(
                "Dawn raid",
                "46.8128",
                "2026-02-14T06:00",
                "2026-02-14T07:00",
                &b_id,
            ),
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(
        raid.header("location").ends_with("?saved=4"),
        "{}",
        raid.header("location")
    );
    // Far away (200 km east), at the same time: none.
    let far = site
        .post_form_as(
            &b,
            "/operations",
            &[
                ("kind", "raid"),
                ("title", "Elsewhere"),
                ("place", ""),
                ("latitude", "46.8083"),
                ("longitude", "-98.1"),
                ("radius_m", "300"),
                ("starts_at", "2026-02-14T06:00"),
                ("ends_at", "2026-02-14T07:00"),
                ("commander", b_id.as_str()),
                ("contact_phone", "701-555-0142"),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(far.header("location").ends_with("?saved=0"));
}
