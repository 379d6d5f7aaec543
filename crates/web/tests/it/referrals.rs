//! Referrals over HTTP: a survivor's consent is needed and checked at each step, a navigator
//! routes to a covered partner only, the recipient accepts and completes, the sender sees the
//! outcome; revocation and expiry cut the recipient off at once; an SLA breach is told once.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use taskforce_app::{Actor, Clock};
use taskforce_domain::access::Principal;
use taskforce_domain::cases::{CaseInput, CaseKind, PersonInput, PersonRole};
use taskforce_domain::consent::ConsentInput;
use taskforce_domain::identity::TokenScope;
use taskforce_domain::notifications::NotificationKind;
use taskforce_domain::structure::{Member, Role};
use taskforce_domain::*;

/// North Dakota's people for a referral: an advocate of Youthworks (the sender, who holds the
/// survivor's record), an advocate of CAWS North Dakota (the partner), an investigator, the
/// coordinator, and the navigator of a region.
struct Cast {
    tf: TaskForceId,
    sender: Member,
    partner: Member,
    partner_org: OrganizationId,
    agency_org: OrganizationId,
    investigator: Member,
    coordinator: Member,
    navigator: Member,
    region: RegionId,
}

async fn staff_of(site: &Site, tf: TaskForceId, domain: &str, role: Role) -> Member {
    site.app
        .members(&SYSTEM, tf)
        .await
        .expect("members")
        .into_iter()
        .filter(|m| m.email.ends_with(domain) && m.holds(role) && m.memberships.len() == 1)
        .min_by_key(|m| m.memberships[0].roles.len())
        .unwrap_or_else(|| panic!("no {role:?} at {domain}"))
}

async fn cast(site: &Site) -> Cast {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let sender = staff_of(site, tf, "youthworks.demo", Role::Advocate).await;
    let partner = staff_of(site, tf, "cawsnd.demo", Role::Advocate).await;
    let investigator = staff_of(site, tf, "nd-bci.demo", Role::Investigator).await;
    let coordinator = site.member_for_role(NORTH_DAKOTA, Role::Coordinator).await;
    let navigator = site.member_for_role(NORTH_DAKOTA, Role::Navigator).await;
    let region = site
        .app
        .regions(&SYSTEM, tf)
        .await
        .expect("regions")
        .into_iter()
        .find(|g| g.navigators.contains(&navigator.id))
        .expect("the navigator's region")
        .id;
    Cast {
        tf,
        partner_org: partner.memberships[0].organization_id,
        agency_org: investigator.memberships[0].organization_id,
        sender,
        partner,
        investigator,
        coordinator,
        navigator,
        region,
    }
}

/// A survivor on a Youthworks service case.
async fn survivor(site: &Site, c: &Cast, given: &str) -> PersonId {
    let org = c.sender.memberships[0].organization_id;
    let case = site
        .app
        .create_case_for(
            &SYSTEM,
            c.tf,
            org,
            CaseInput {
                kind: Some(CaseKind::ServiceCase),
                title: format!("Services for {given}"),
                ..Default::default()
            },
        )
        .await
        .expect("a service case");
    site.app
        .add_person(
            &SYSTEM,
            c.tf,
            case.id,
            PersonRole::Victim,
            PersonInput {
                given_name: given.into(),
                family_name: "Example".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a survivor")
        .id
}

async fn actor(site: &Site, m: &Member) -> (Actor, Principal) {
    let p = site.principal(&m.email).await;
    (Actor::Member(p.clone()), p)
}

/// The survivor's consent, recorded by the sender's advocate.
async fn consent(
    site: &Site,
    c: &Cast,
    person: PersonId,
    to: OrganizationId,
    categories: &[&str],
    until: Option<&str>,
) -> taskforce_domain::consent::Consent {
    let (advocate, _) = actor(site, &c.sender).await;
    site.app
        .record_consent(
            &advocate,
            c.tf,
            person,
            ConsentInput {
                recipients: vec![to.to_string()],
                categories: categories.iter().map(|s| (*s).to_owned()).collect(),
                purpose: "Referral for services".into(),
                method: "written".into(),
                valid_until: until.map(str::to_owned),
                ..Default::default()
            },
        )
        .await
        .expect("a consent")
}

async fn send(site: &Site, who: &Member, body: serde_json::Value) -> Reply {
    let caller = site.token_for(&who.email, TokenScope::Write).await;
    site.api_as(
        &caller,
        Method::POST,
        "/api/v1/referrals",
        Some(&body.to_string()),
        &[],
    )
    .await
}

async fn act(site: &Site, who: &Member, id: &str, body: serde_json::Value) -> Reply {
    let caller = site.token_for(&who.email, TokenScope::Write).await;
    site.api_as(
        &caller,
        Method::POST,
        &format!("/api/v1/referrals/{id}/actions"),
        Some(&body.to_string()),
        &[],
    )
    .await
}

async fn read(site: &Site, who: &Member, id: &str) -> Reply {
    let caller = site.token_for(&who.email, TokenScope::Write).await;
    site.api_as(
        &caller,
        Method::GET,
        &format!("/api/v1/referrals/{id}"),
        None,
        &[],
    )
    .await
}

/// The message of an API refusal about `name` (empty when none).
fn field_of(reply: &Reply, name: &str) -> String {
    reply.json()["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["field"] == name)
        .map(|f| f["message"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

async fn person_page(site: &Site, who: &Member, person: PersonId) -> StatusCode {
    let caller = site.token_for(&who.email, TokenScope::Read).await;
    site.api_as(
        &caller,
        Method::GET,
        &format!("/api/v1/persons/{person}"),
        None,
        &[],
    )
    .await
    .status
}

#[tokio::test]
async fn a_referral_without_a_covering_consent_is_refused_with_a_clear_reason() {
    let site = Site::demo().await;
    let c = cast(&site).await;
    let person = survivor(&site, &c, "Ana").await;
    let to_partner = |categories: &[&str]| {
        serde_json::json!({
            "person_id": person.to_string(), "to": "organization",
            "organization_id": c.partner_org.to_string(), "needs": ["emergency_housing"],
            "urgency": "urgent", "categories": categories,
        })
    };
    // No consent at all.
    let refused = send(&site, &c.sender, to_partner(&["identity"])).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let why = field_of(&refused, "consent");
    assert!(
        why.contains("no consent of the survivor is in force")
            && why.contains("Record the survivor's consent first"),
        "{why}"
    );
    // A consent naming another organization.
    consent(&site, &c, person, c.agency_org, &["identity"], None).await;
    let refused = send(&site, &c.sender, to_partner(&["identity"])).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_of(&refused, "consent").contains("does not name this organization"));
    // A consent to the partner that does not cover every category shared.
    consent(&site, &c, person, c.partner_org, &["identity"], None).await;
    let refused = send(&site, &c.sender, to_partner(&["identity", "narrative"])).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_of(&refused, "consent").contains("does not cover all of: identity, narrative"));
    // Nothing was sent.
    let caller = site.token_for(&c.sender.email, TokenScope::Read).await;
    let outbox = site
        .api_as(
            &caller,
            Method::GET,
            "/api/v1/referrals?tab=outbox&all=true",
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(outbox.json()["referrals"].as_array().map(Vec::len), Some(0));
    // What the consent covers goes through.
    send(&site, &c.sender, to_partner(&["identity"]))
        .await
        .expect(StatusCode::CREATED);
    // Only the person's holder refers them: the partner may not, even with the id.
    let refused = send(
        &site,
        &c.partner,
        serde_json::json!({
            "person_id": person.to_string(), "to": "organization",
            "organization_id": c.agency_org.to_string(), "needs": ["medical"],
            "urgency": "routine", "categories": ["identity"],
        }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // Bad input: every field named.
    let refused = send(
        &site,
        &c.sender,
        serde_json::json!({"to": "somewhere", "needs": ["spa"]}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["person_id", "to", "needs[0]", "urgency"] {
        assert!(
            !field_of(&refused, field).is_empty(),
            "{field}: {}",
            refused.body
        );
    }
}

#[tokio::test]
async fn a_navigator_routes_to_a_covered_partner_who_accepts_and_completes_and_the_sender_sees_the_outcome(
) {
    let site = Site::demo().await;
    let c = cast(&site).await;
    let person = survivor(&site, &c, "Lucia").await;
    consent(
        &site,
        &c,
        person,
        c.partner_org,
        &["identity", "contact", "services"],
        None,
    )
    .await;
    let seq = site.audit_head().await;
    let sent = send(&site, &c.sender, serde_json::json!({
        "person_id": person.to_string(), "to": "region", "region_id": c.region.to_string(),
        "needs": ["emergency_housing", "mental_health"], "urgency": "urgent",
        "categories": ["identity", "contact"], "details": "Prefers a female advocate; speaks Spanish.",
    }))
    .await
    .expect(StatusCode::CREATED);
    let id = sent.json()["id"].as_str().expect("an id").to_owned();

    // Who may not see it: an investigator of another agency, the coordinator (dashboards only).
    read(&site, &c.investigator, &id)
        .await
        .expect(StatusCode::FORBIDDEN);
    read(&site, &c.coordinator, &id)
        .await
        .expect(StatusCode::FORBIDDEN);
    // The partner, before it is routed there, may not either.
    read(&site, &c.partner, &id)
        .await
        .expect(StatusCode::FORBIDDEN);

    // The navigator sees it in the region's queue, with the partners the consent covers.
    let nav = Caller::Session(site.sign_in_as(&c.navigator.email).await);
    let queue = site
        .get_as(&nav, "/referrals?tab=queue")
        .await
        .expect(StatusCode::OK);
    assert!(queue.body.contains(&format!("/referrals/{id}")));
    let page = site
        .get_as(&nav, &format!("/referrals/{id}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Route to this partner"));
    assert!(
        page.body.contains("not covered:") && page.body.contains("does not name this organization"),
        "a partner the consent does not cover is shown with the reason"
    );
    site.get_as(&nav, "/navigator").await.expect(StatusCode::OK);
    // Routing to a partner the consent does not cover is refused, naming why.
    let refused = act(
        &site,
        &c.navigator,
        &id,
        serde_json::json!({
            "action": "route", "organization_id": c.agency_org.to_string(), "version": 1
        }),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(field_of(&refused, "organization_id").contains("not covered"));
    // Only a navigator routes: the sender may not.
    act(
        &site,
        &c.sender,
        &id,
        serde_json::json!({
            "action": "route", "organization_id": c.partner_org.to_string(), "version": 1
        }),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    act(
        &site,
        &c.navigator,
        &id,
        serde_json::json!({
            "action": "route", "organization_id": c.partner_org.to_string(), "version": 1
        }),
    )
    .await
    .expect(StatusCode::OK);

    // The partner: in its inbox, the person open under the consent, accepts and completes.
    let caller = site.token_for(&c.partner.email, TokenScope::Read).await;
    let inbox = site
        .api_as(
            &caller,
            Method::GET,
            "/api/v1/referrals?tab=inbox",
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(inbox.json()["referrals"][0]["referral"]["id"], id.as_str());
    assert_eq!(inbox.json()["referrals"][0]["person"], "Lucia Example");
    assert_eq!(person_page(&site, &c.partner, person).await, StatusCode::OK);
    let seen = read(&site, &c.partner, &id).await.expect(StatusCode::OK);
    assert_eq!(
        seen.json()["details"],
        "Prefers a female advocate; speaks Spanish."
    );
    // The recipient may not withdraw the sender's referral.
    act(
        &site,
        &c.partner,
        &id,
        serde_json::json!({"action": "withdraw", "note": "no", "version": 2}),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    // A stale version changes nothing.
    act(
        &site,
        &c.partner,
        &id,
        serde_json::json!({"action": "accept", "version": 1}),
    )
    .await
    .expect(StatusCode::PRECONDITION_FAILED);
    act(
        &site,
        &c.partner,
        &id,
        serde_json::json!({"action": "accept", "version": 2}),
    )
    .await
    .expect(StatusCode::OK);
    // Completing needs an outcome.
    let refused = act(
        &site,
        &c.partner,
        &id,
        serde_json::json!({"action": "complete", "version": 3}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!field_of(&refused, "outcome").is_empty());
    act(&site, &c.partner, &id, serde_json::json!({
        "action": "complete", "outcome": "services_provided", "note": "Housed the same day.", "version": 3
    }))
    .await
    .expect(StatusCode::OK);

    // The sender sees the outcome and the whole history.
    let closed = read(&site, &c.sender, &id).await.expect(StatusCode::OK);
    let json = closed.json();
    assert_eq!(json["referral"]["status"], "completed");
    assert_eq!(json["referral"]["outcome"], "services_provided");
    assert_eq!(json["referral"]["outcome_note"], "Housed the same day.");
    let history: Vec<&str> = json["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(history, ["send", "route", "accept", "complete"]);
    let sender = Caller::Session(site.sign_in_as(&c.sender.email).await);
    let page = site
        .get_as(&sender, &format!("/referrals/{id}"))
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Services provided"));
    // Told at each step, with no name in the text.
    let (sender_actor, _) = actor(&site, &c.sender).await;
    let told = site
        .app
        .inbox(&sender_actor, c.tf, false)
        .await
        .expect("inbox");
    assert!(
        told.iter()
            .filter(|n| n.kind == NotificationKind::ReferralUpdated)
            .count()
            >= 2
    );
    assert!(told
        .iter()
        .all(|n| !n.body.contains("Lucia") && !n.subject.contains("Lucia")));
    let (partner_actor, _) = actor(&site, &c.partner).await;
    let told = site
        .app
        .inbox(&partner_actor, c.tf, false)
        .await
        .expect("inbox");
    assert!(told
        .iter()
        .any(|n| n.kind == NotificationKind::ReferralReceived
            && n.link == format!("/referrals/{id}")));
    // Every change audited.
    let actions: Vec<String> = site
        .audit_after(seq)
        .await
        .iter()
        .map(|e| e.record.action.clone())
        .collect();
    assert!(
        actions.iter().filter(|a| *a == "referral.update").count() >= 3,
        "{actions:?}"
    );
    assert!(actions.iter().any(|a| a == "referral.create"));
    // The coordinator sees counts only.
    let coord = site.token_for(&c.coordinator.email, TokenScope::Read).await;
    let board = site
        .api_as(
            &coord,
            Method::GET,
            &format!("/api/v1/task-forces/{}/referrals/dashboard", c.tf),
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK);
    assert!(!board.body.contains("Lucia"));
    let region = board.json()["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .find(|g| g["region_id"] == c.region.to_string().as_str())
        .cloned()
        .expect("the region");
    assert_eq!(region["total"], 1);
    assert_eq!(region["outcomes"]["services_provided"], 1);
    // An investigator sees no dashboard.
    let inv = site
        .token_for(&c.investigator.email, TokenScope::Read)
        .await;
    site.api_as(
        &inv,
        Method::GET,
        &format!("/api/v1/task-forces/{}/referrals/dashboard", c.tf),
        None,
        &[],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn revoking_or_outliving_the_consent_cuts_the_recipient_off_the_person_at_once() {
    let site = Site::demo().await;
    let c = cast(&site).await;
    let person = survivor(&site, &c, "Oksana").await;
    let given = consent(
        &site,
        &c,
        person,
        c.partner_org,
        &["identity", "narrative"],
        None,
    )
    .await;
    let sent = send(&site, &c.sender, serde_json::json!({
        "person_id": person.to_string(), "to": "organization", "organization_id": c.partner_org.to_string(),
        "needs": ["immigration_legal"], "urgency": "routine", "categories": ["identity", "narrative"],
        "details": "Has a hearing next month.",
    }))
    .await
    .expect(StatusCode::CREATED);
    let id = sent.json()["id"].as_str().expect("an id").to_owned();
    assert_eq!(person_page(&site, &c.partner, person).await, StatusCode::OK);
    assert_eq!(
        read(&site, &c.partner, &id).await.json()["person"],
        "Oksana Example"
    );

    let (advocate, _) = actor(&site, &c.sender).await;
    site.app
        .revoke_consent(
            &advocate,
            c.tf,
            given.id,
            given.version,
            "The survivor asked to stop sharing.",
        )
        .await
        .expect("revoked");
    // At once: the person, their name on the referral and the sender's note are closed.
    assert_eq!(
        person_page(&site, &c.partner, person).await,
        StatusCode::FORBIDDEN
    );
    let after = read(&site, &c.partner, &id).await.expect(StatusCode::OK);
    assert!(after.json()["person"].is_null(), "{}", after.body);
    assert!(after.json()["details"].is_null(), "{}", after.body);
    assert!(!after.body.contains("Oksana") && !after.body.contains("hearing"));
    // The sender still sees everything.
    assert_eq!(
        read(&site, &c.sender, &id).await.json()["details"],
        "Has a hearing next month."
    );

    // Expiry: a consent to its last day, then a day later.
    let other = survivor(&site, &c, "Mateo").await;
    let today = site.clock.now().date_naive();
    let last = (today + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    consent(&site, &c, other, c.partner_org, &["identity"], Some(&last)).await;
    send(&site, &c.sender, serde_json::json!({
        "person_id": other.to_string(), "to": "organization", "organization_id": c.partner_org.to_string(),
        "needs": ["medical"], "urgency": "routine", "categories": ["identity"],
    }))
    .await
    .expect(StatusCode::CREATED);
    assert_eq!(person_page(&site, &c.partner, other).await, StatusCode::OK);
    site.clock.advance(chrono::Duration::days(3));
    assert_eq!(
        person_page(&site, &c.partner, other).await,
        StatusCode::FORBIDDEN
    );
}

async fn breaches(
    site: &Site,
    tf: TaskForceId,
    m: &Member,
) -> Vec<taskforce_domain::notifications::Notification> {
    let (a, _) = actor(site, m).await;
    site.app
        .inbox(&a, tf, false)
        .await
        .expect("inbox")
        .into_iter()
        .filter(|n| n.kind == NotificationKind::SlaBreach)
        .collect()
}

#[tokio::test]
async fn an_sla_breach_is_told_once_to_the_sender_and_the_navigator() {
    let site = Site::demo().await;
    let c = cast(&site).await;
    let person = survivor(&site, &c, "Esperanza").await;
    consent(&site, &c, person, c.partner_org, &["identity"], None).await;
    let body = |urgency: &str| {
        serde_json::json!({
            "person_id": person.to_string(), "to": "region", "region_id": c.region.to_string(),
            "needs": ["safety_planning"], "urgency": urgency, "categories": ["identity"],
        })
    };
    let emergency = send(&site, &c.sender, body("emergency"))
        .await
        .expect(StatusCode::CREATED);
    let routine = send(&site, &c.sender, body("routine"))
        .await
        .expect(StatusCode::CREATED);
    let emergency = emergency.json()["id"].as_str().expect("id").to_owned();
    // Accepted in time: the routine one never breaches.
    let routine = routine.json()["id"].as_str().expect("id").to_owned();
    act(
        &site,
        &c.navigator,
        &routine,
        serde_json::json!({
            "action": "route", "organization_id": c.partner_org.to_string(), "version": 1
        }),
    )
    .await
    .expect(StatusCode::OK);
    act(
        &site,
        &c.partner,
        &routine,
        serde_json::json!({"action": "accept", "version": 2}),
    )
    .await
    .expect(StatusCode::OK);

    site.clock.advance(chrono::Duration::hours(3));
    assert_eq!(
        site.app.fire_sla_breaches().await.expect("run"),
        0,
        "not due yet (4 hours)"
    );
    site.clock.advance(chrono::Duration::hours(2));
    assert_eq!(site.app.fire_sla_breaches().await.expect("run"), 1);
    assert_eq!(
        site.app.fire_sla_breaches().await.expect("run"),
        0,
        "told once"
    );
    site.app.run_due_work(None).await.expect("due work");
    site.clock.advance(chrono::Duration::days(10));
    site.app.run_due_work(None).await.expect("due work");

    let to_sender = breaches(&site, c.tf, &c.sender).await;
    assert_eq!(to_sender.len(), 1);
    assert_eq!(to_sender[0].link, format!("/referrals/{emergency}"));
    assert!(!to_sender[0].body.contains("Esperanza"));
    assert_eq!(breaches(&site, c.tf, &c.navigator).await.len(), 1);
    let history = read(&site, &c.sender, &emergency).await.json()["history"].clone();
    assert_eq!(history[1]["action"], "sla_breach");
    // The page and the dashboard show it overdue.
    let nav = Caller::Session(site.sign_in_as(&c.navigator.email).await);
    let page = site.get_as(&nav, "/navigator").await.expect(StatusCode::OK);
    assert!(page.body.contains("(overdue)"));
}

#[tokio::test]
async fn a_community_partner_refers_with_an_attestation_and_sees_only_their_own() {
    let site = Site::demo().await;
    let c = cast(&site).await;
    let partner = site
        .member_for_role(NORTH_DAKOTA, Role::CommunityPartner)
        .await;
    let refused = send(&site, &partner, serde_json::json!({
        "to": "region", "region_id": c.region.to_string(), "needs": ["medical"], "urgency": "urgent",
    }))
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["attested", "details"] {
        assert!(!field_of(&refused, field).is_empty(), "{field}");
    }
    let sent = send(&site, &partner, serde_json::json!({
        "to": "region", "region_id": c.region.to_string(), "needs": ["medical"], "urgency": "urgent",
        "details": "A farmworker with an injured hand; reach her through the clinic.", "attested": true,
    }))
    .await
    .expect(StatusCode::CREATED);
    let id = sent.json()["id"].as_str().expect("id").to_owned();
    read(&site, &partner, &id).await.expect(StatusCode::OK);
    // The navigator may route it to any partner: nobody's record is shared.
    let page = read(&site, &c.navigator, &id).await.expect(StatusCode::OK);
    assert!(page.json()["actions"].to_string().contains("route"));
    // A community partner may not act on a referral.
    act(
        &site,
        &partner,
        &id,
        serde_json::json!({"action": "withdraw", "note": "x", "version": 1}),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    // Pages: the form and its errors.
    let session = Caller::Session(site.sign_in_as(&partner.email).await);
    site.get_as(&session, "/referrals/new")
        .await
        .expect(StatusCode::OK);
    let refused = site
        .post_form_as(&session, "/referrals", &[("to", "region")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.field_error("needs").is_some());
    let list = site
        .get_as(&session, "/referrals")
        .await
        .expect(StatusCode::OK);
    assert!(list.body.contains(&format!("/referrals/{id}")));
}
