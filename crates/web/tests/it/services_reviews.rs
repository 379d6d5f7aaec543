//! Services, the service plan and the interview record of a survivor, and case reviews: what a
//! partner sees only under a live consent (cut at once by expiry and revocation, on the clock
//! the test moves), and a meeting whose agenda shows each case only to those who may read it.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use taskforce_app::Actor;
use taskforce_domain::cases::{CaseInput, CaseKind, PersonInput, PersonRole};
use taskforce_domain::consent::ConsentInput;
use taskforce_domain::identity::TokenScope;
use taskforce_domain::notifications::NotificationKind;
use taskforce_domain::services::*;
use taskforce_domain::structure::Role;
use taskforce_domain::*;

struct Survivor {
    person: PersonId,
    advocate: Actor,
    advocate_email: String,
    investigator_email: String,
    investigator_org: OrganizationId,
}

/// A service case of North Dakota's victim service provider with one survivor, a service, a
/// plan goal and the interview record, all recorded by the provider's advocate.
async fn survivor(site: &Site) -> Survivor {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let advocate_email = site
        .member_for_role(NORTH_DAKOTA, Role::Advocate)
        .await
        .email;
    let advocate = Actor::Member(site.principal(&advocate_email).await);
    let investigator_email = site
        .member_for_role(NORTH_DAKOTA, Role::Investigator)
        .await
        .email;
    let investigator_org = site.principal(&investigator_email).await.organization_id;
    let case = site
        .app
        .create_case(
            &advocate,
            tf,
            CaseInput {
                kind: Some(CaseKind::ServiceCase),
                title: "Services for a survivor".into(),
                summary: "Shelter and legal help".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a service case");
    let person = site
        .app
        .add_person(
            &advocate,
            tf,
            case.id,
            PersonRole::Victim,
            PersonInput {
                given_name: "Marisol".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a survivor")
        .id;
    site.app
        .record_service(
            &advocate,
            tf,
            person,
            ServiceInput {
                category: "emergency_housing".into(),
                started_on: "2026-01-05".into(),
                provider: "Red River Shelter".into(),
                units: "14".into(),
                unit: "nights".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a service");
    site.app
        .add_service_goal(
            &advocate,
            tf,
            person,
            GoalInput {
                goal: "Stable housing of her own".into(),
                category: "long_term_housing".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a goal");
    let today = site.app.clock().now().date_naive().to_string();
    site.app
        .record_interview(
            &advocate,
            tf,
            person,
            None,
            InterviewInput {
                interviewed_by: "Advocate and a forensic interviewer".into(),
                interviewed_on: today,
                place: "Child advocacy centre, room 2".into(),
                language: "Spanish".into(),
                interpreter: "Certified court interpreter".into(),
                recording_reference: "CAC-2026-0042".into(),
                notes: "Covered recruitment through a job advert".into(),
            },
        )
        .await
        .expect("the interview record");
    Survivor {
        person,
        advocate,
        advocate_email,
        investigator_email,
        investigator_org,
    }
}

async fn consent(site: &Site, s: &Survivor, categories: &[&str], until_days: i64) -> ConsentId {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let until = site.app.clock().now().date_naive() + chrono::Duration::days(until_days);
    site.app
        .record_consent(
            &s.advocate,
            tf,
            s.person,
            ConsentInput {
                recipients: vec![s.investigator_org.to_string()],
                categories: categories.iter().map(|c| (*c).to_owned()).collect(),
                purpose: "Coordinate with the investigating agency".into(),
                method: "written".into(),
                valid_until: Some(until.to_string()),
                ..Default::default()
            },
        )
        .await
        .expect("a consent")
        .id
}

#[tokio::test]
async fn services_and_the_interview_open_to_a_partner_only_while_a_consent_covers_them() {
    let site = Site::demo().await;
    let s = survivor(&site).await;
    let investigator = Caller::Session(site.sign_in_as(&s.investigator_email).await);
    let token = site
        .token_for(&s.investigator_email, TokenScope::Read)
        .await;
    let services = format!("/persons/{}/services", s.person);
    let interview = format!("/persons/{}/interview", s.person);
    let api_services = format!("/api/v1{services}");
    let api_interview = format!("/api/v1{interview}");

    // The holder sees everything it recorded.
    let advocate = Caller::Session(site.sign_in_as(&s.advocate_email).await);
    let page = site
        .get_as(&advocate, &services)
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Red River Shelter"));
    assert!(page.body.contains("Stable housing of her own"));
    let page = site
        .get_as(&advocate, &interview)
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("CAC-2026-0042"));

    // Without consent, the investigator may not even see who the survivor is.
    site.get_as(&investigator, &services)
        .await
        .expect(StatusCode::FORBIDDEN);
    site.get_as(&investigator, &interview)
        .await
        .expect(StatusCode::FORBIDDEN);
    site.api_as(&token, Method::GET, &api_services, None, &[])
        .await
        .expect(StatusCode::FORBIDDEN);

    // Identity for 90 days; services and the story for 10.
    let identity = consent(&site, &s, &["identity"], 90).await;
    consent(&site, &s, &["services", "narrative"], 10).await;
    let page = site
        .get_as(&investigator, &services)
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Red River Shelter"));
    assert!(page.body.contains("14 nights"));
    assert!(
        !page.body.contains("Record a service"),
        "not the holder's to record"
    );
    let page = site
        .get_as(&investigator, &interview)
        .await
        .expect(StatusCode::OK);
    assert!(page
        .body
        .contains("Covered recruitment through a job advert"));
    assert!(page.body.contains("Certified court interpreter"));
    let json = site
        .api_as(&token, Method::GET, &api_interview, None, &[])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(json["interview"]["access"], "visible");
    assert_eq!(json["interview"]["recording_reference"], "CAC-2026-0042");

    // The services consent ends: the same reads withhold the content at once.
    site.clock.advance(chrono::Duration::days(11));
    // (Sessions end when idle for 30 minutes: sign in again on the later day.)
    let investigator = Caller::Session(site.sign_in_as(&s.investigator_email).await);
    let advocate = Caller::Session(site.sign_in_as(&s.advocate_email).await);
    let page = site
        .get_as(&investigator, &services)
        .await
        .expect(StatusCode::OK);
    assert!(!page.body.contains("Red River Shelter"));
    assert!(!page.body.contains("Stable housing"));
    assert!(page.body.contains("Withheld (Victim-confidential)"));
    assert!(page.body.contains("shared only with the survivor"));
    let page = site
        .get_as(&investigator, &interview)
        .await
        .expect(StatusCode::OK);
    assert!(!page.body.contains("job advert"));
    assert!(!page.body.contains("CAC-2026-0042"));
    assert!(page.body.contains("An interview record exists"));
    let token = site
        .token_for(&s.investigator_email, TokenScope::Read)
        .await;
    let json = site
        .api_as(&token, Method::GET, &api_services, None, &[])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(json["services"][0]["access"], "withheld");
    assert!(json["services"][0]["provider"].is_null());
    let json = site
        .api_as(&token, Method::GET, &api_interview, None, &[])
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(json["interview"]["access"], "withheld");
    assert!(json["interview"]["notes"].is_null());

    // The identity consent is revoked: nothing about the person opens any more.
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    site.app
        .revoke_consent(&s.advocate, tf, identity, 1, "The survivor asked")
        .await
        .expect("revoked");
    site.get_as(&investigator, &services)
        .await
        .expect(StatusCode::FORBIDDEN);
    site.get_as(&investigator, &interview)
        .await
        .expect(StatusCode::FORBIDDEN);
    site.api_as(&token, Method::GET, &api_interview, None, &[])
        .await
        .expect(StatusCode::FORBIDDEN);

    // The holder still sees all of it.
    let page = site
        .get_as(&advocate, &services)
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Red River Shelter"));
}

#[tokio::test]
async fn services_are_recorded_by_the_holder_and_bad_input_changes_nothing() {
    let site = Site::demo().await;
    let s = survivor(&site).await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let advocate = Caller::Session(site.sign_in_as(&s.advocate_email).await);
    let path = format!("/persons/{}/services", s.person);

    // Every bad field is named, and nothing is recorded.
    let refused = site
        .post_form_as(
            &advocate,
            &path,
            &[
                ("category", "spa"),
                ("started_on", "2026-02-30"),
                ("provider", ""),
                ("units", "many"),
            ],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["category", "started_on", "provider", "units"] {
        assert!(refused.field_error(field).is_some(), "{field}");
    }
    let before = site
        .app
        .services_of(&s.advocate, tf, s.person)
        .await
        .expect("read");
    assert_eq!(before.services.len(), 1);

    let seq = site.audit_head().await;
    site.post_form_as(
        &advocate,
        &path,
        &[
            ("category", "civil_legal"),
            ("started_on", "2026-01-10"),
            ("ended_on", "2026-02-10"),
            ("provider", "Legal Aid of the Plains"),
            ("amount", "350"),
            ("outcome", "completed"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    assert!(site
        .audit_after(seq)
        .await
        .iter()
        .any(|e| e.record.action == "service.create"));
    let page = site.get_as(&advocate, &path).await.expect(StatusCode::OK);
    assert!(page.body.contains("Legal Aid of the Plains"));
    assert!(page.body.contains("$350.00"));

    // The API answers the same way.
    let token = site.token_for(&s.advocate_email, TokenScope::Write).await;
    let reply = site
        .api_as(
            &token,
            Method::POST,
            &format!("/api/v1/persons/{}/goals", s.person),
            Some(r#"{"goal": "Return to school", "category": "education", "target_on": "2026-09-01"}"#),
            &[],
        )
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(reply.json()["label"], "victim_confidential");

    // A second interview record for the same survivor is refused: change the one there is.
    let reply = site
        .api_as(
            &token,
            Method::PUT,
            &format!("/api/v1/persons/{}/interview", s.person),
            Some(r#"{"interviewed_by": "Someone else", "interviewed_on": "2026-01-02", "language": "English"}"#),
            &[],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["fields"][0]["field"], "interview");

    // An investigator may not record services (their role does not include it).
    let investigator = Caller::Session(site.sign_in_as(&s.investigator_email).await);
    site.post_form_as(&investigator, &path, &[("category", "medical")])
        .await
        .expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_case_review_shows_each_case_only_to_those_who_may_read_it_and_makes_tasks() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let investigator_email = site
        .member_for_role(NORTH_DAKOTA, Role::Investigator)
        .await
        .email;
    let principal = site.principal(&investigator_email).await;
    let investigator_actor = Actor::Member(principal.clone());
    let advocate = site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    // A colleague in the investigator's agency, who will be given the task.
    let colleague = site
        .app
        .members(&SYSTEM, tf)
        .await
        .expect("members")
        .into_iter()
        .find(|m| {
            m.id != principal.member_id
                && m.memberships
                    .iter()
                    .any(|s| s.organization_id == principal.organization_id)
        })
        .expect("a colleague in the agency");
    let case = site
        .app
        .create_case(
            &investigator_actor,
            tf,
            CaseInput {
                kind: Some(CaseKind::Investigation),
                title: "Labor camp on the county road".into(),
                summary: "Workers kept in trailers".into(),
                ..Default::default()
            },
        )
        .await
        .expect("an investigation");

    let investigator = Caller::Session(site.sign_in_as(&investigator_email).await);
    let created = site
        .post_form_as(
            &investigator,
            "/reviews",
            &[
                ("title", "March case review"),
                ("held_on", "2026-03-10"),
                ("starts_at", "09:30"),
                ("place", "County building, room 4"),
                ("attendees", &principal.member_id.to_string()),
                ("attendees", &advocate.id.to_string()),
            ],
        )
        .await
        .expect(StatusCode::SEE_OTHER);
    let review = created
        .header("location")
        .trim_start_matches("/reviews/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let review_id: CaseReviewId = review.parse().expect("a review id");
    let advocate_actor = Actor::Member(site.principal(&advocate.email).await);
    let inbox = site
        .app
        .inbox(&advocate_actor, tf, true)
        .await
        .expect("inbox");
    assert!(inbox
        .iter()
        .any(|n| n.kind == NotificationKind::CaseReview && !n.body.contains("March")));

    // The coordinator runs meetings but reads no case: a reference they may not read is
    // answered as unknown.
    let coordinator = Caller::Session(site.default_session().await);
    let refused = site
        .post_form_as(
            &coordinator,
            &format!("/reviews/{review}/agenda"),
            &[("case_reference", &case.reference)],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .field_error("case_reference")
        .is_some_and(|e| e.contains("you may read")));

    site.post_form_as(
        &investigator,
        &format!("/reviews/{review}/agenda"),
        &[("case_reference", &case.reference)],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let view = site
        .app
        .case_review(&investigator_actor, tf, review_id)
        .await
        .expect("the review");
    let item = view.agenda[0].item_id.to_string();
    site.post_form_as(
        &investigator,
        &format!("/reviews/{review}/decisions"),
        &[
            ("item", &item),
            ("decision", "Refer the workers to legal aid"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    site.post_form_as(
        &investigator,
        &format!("/reviews/{review}/actions"),
        &[
            ("action_item", &item),
            ("title", "Ask the labor department for payroll"),
            ("due_on", "2026-03-20"),
            ("assignee_member_id", &colleague.id.to_string()),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);

    // The action item is a task on the case, and its assignee was told, naming only the case.
    let case_view = site
        .app
        .case_view(&investigator_actor, tf, case.id)
        .await
        .expect("the case");
    assert!(case_view
        .tasks
        .iter()
        .any(|t| t.title == "Ask the labor department for payroll"
            && t.assignee_member_id == Some(colleague.id)));
    let colleague_actor = Actor::Member(site.principal(&colleague.email).await);
    let told = site
        .app
        .inbox(&colleague_actor, tf, true)
        .await
        .expect("inbox");
    let note = told
        .iter()
        .find(|n| n.kind == NotificationKind::TaskAssigned)
        .expect("the assignee was told");
    assert_eq!(
        note.body,
        format!("A task was assigned to you on case {}.", case.reference)
    );
    assert!(!note.body.contains("payroll") && !note.subject.contains("payroll"));

    // The investigator sees the case, the decision and the action item.
    let page = site
        .get_as(&investigator, &format!("/reviews/{review}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Labor camp on the county road"));
    assert!(page.body.contains("Refer the workers to legal aid"));
    assert!(page.body.contains("Ask the labor department for payroll"));

    // The advocate attends the same meeting and sees that a case is there, nothing of it.
    let advocate_caller = Caller::Session(site.sign_in_as(&advocate.email).await);
    let page = site
        .get_as(&advocate_caller, &format!("/reviews/{review}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("March case review"));
    assert!(page.body.contains("Withheld"));
    for secret in [
        "Labor camp",
        case.reference.as_str(),
        "legal aid",
        "payroll",
    ] {
        assert!(
            !page.body.contains(secret),
            "{secret} leaked to the advocate"
        );
    }
    let token = site.token_for(&advocate.email, TokenScope::Read).await;
    let json = site
        .api_as(
            &token,
            Method::GET,
            &format!("/api/v1/reviews/{review}"),
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(json["agenda"][0]["case"]["access"], "withheld");
    assert!(json["agenda"][0]["case"]["decision"].is_null());

    // The advocate may not record a decision on a case they cannot read (audited denial).
    let seq = site.audit_head().await;
    site.post_form_as(
        &advocate_caller,
        &format!("/reviews/{review}/decisions"),
        &[("item", &item), ("decision", "Close it")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    assert!(!site.audit_after(seq).await.is_empty());

    // Roles without case reviews are refused; a navigator reads meetings but changes none.
    let analyst = site.member_for_role(NORTH_DAKOTA, Role::Analyst).await;
    let analyst = Caller::Session(site.sign_in_as(&analyst.email).await);
    site.get_as(&analyst, "/reviews")
        .await
        .expect(StatusCode::FORBIDDEN);
    let navigator = site.member_for_role(NORTH_DAKOTA, Role::Navigator).await;
    let navigator = Caller::Session(site.sign_in_as(&navigator.email).await);
    site.get_as(&navigator, &format!("/reviews/{review}"))
        .await
        .expect(StatusCode::OK);
    site.post_form_as(
        &navigator,
        &format!("/reviews/{review}/agenda"),
        &[("case_reference", &case.reference)],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
}
