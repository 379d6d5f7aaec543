//! Target deconfliction through the real router: two agencies' investigations that hold the
//! same identifier are told whom to contact and what kind of identifier matched, and nothing
//! else, on the page, in the API and in the notification; a target marked "do not disclose"
//! alerts only its own agency's supervisors, who decide; every hit, read and action is audited.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use taskforce_app::Actor;
use taskforce_domain::cases::*;
use taskforce_domain::notifications::NotificationKind;
use taskforce_domain::structure::{Member, Role};
use taskforce_domain::*;

const BCI: &str = "North Dakota Bureau of Criminal Investigation";
const FARGO: &str = "Fargo Police Department";
const FBI: &str = "FBI Minneapolis, Bismarck Resident Agency";

/// One agency's people: a supervisor (who also investigates) and an investigator only.
struct Agency {
    supervisor: Member,
    investigator: Member,
}

async fn agency(site: &Site, name: &str) -> Agency {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let org = site
        .app
        .organizations(&SYSTEM, tf)
        .await
        .expect("organizations")
        .into_iter()
        .find(|o| o.name == name)
        .expect("the agency");
    let members = site.app.members(&SYSTEM, tf).await.expect("members");
    let holding = |only: &[Role]| {
        members
            .iter()
            .find(|m| {
                m.memberships.len() == 1
                    && m.memberships[0].organization_id == org.id
                    && m.memberships[0].roles == only
            })
            .cloned()
            .expect("a member")
    };
    Agency {
        supervisor: holding(&[Role::Supervisor, Role::Investigator]),
        investigator: holding(&[Role::Investigator]),
    }
}

async fn actor(site: &Site, member: &Member) -> Actor {
    Actor::Member(site.principal(&member.email).await)
}

/// An investigation of the member's agency with one person on it; returns (case, person).
async fn target(
    site: &Site,
    who: &Actor,
    title: &str,
    given: &str,
    family: &str,
    dob: &str,
) -> (Case, Person) {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let case = site
        .app
        .create_case(
            who,
            tf,
            CaseInput {
                title: title.into(),
                summary: format!("{title}: the informant's account of the motel"),
                ..Default::default()
            },
        )
        .await
        .expect("an investigation");
    let person = site
        .app
        .add_person(
            who,
            tf,
            case.id,
            PersonRole::Suspect,
            PersonInput {
                given_name: given.into(),
                family_name: family.into(),
                date_of_birth: dob.into(),
                ..Default::default()
            },
        )
        .await
        .expect("a target");
    (case, person)
}

async fn identifier(site: &Site, who: &Actor, person: PersonId, kind: IdentifierKind, value: &str) {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    site.app
        .add_identifier(
            who,
            tf,
            person,
            IdentifierInput {
                kind: Some(kind),
                value: value.into(),
            },
        )
        .await
        .expect("an identifier");
}

/// The member's deconfliction notifications (bodies).
async fn alerts(site: &Site, member: &Member) -> Vec<String> {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    site.app
        .inbox(&actor(site, member).await, tf, false)
        .await
        .expect("inbox")
        .into_iter()
        .filter(|n| n.kind == NotificationKind::DeconflictionHit)
        .map(|n| format!("{} | {} | {}", n.subject, n.body, n.link))
        .collect()
}

fn contact_line(member: &Member, agency: &str) -> String {
    let phone = if member.phone.trim().is_empty() {
        member.email.clone()
    } else {
        member.phone.clone()
    };
    format!("{}, {agency}, {phone}", member.name)
}

/// Nothing of the other agency's records: names, date of birth, identifier value, case title,
/// narrative, case and person ids.
fn assert_reveals_nothing(what: &str, text: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} reveals {secret:?}:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_hit_reveals_nothing_but_the_contact_and_the_kind_of_identifier() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let bci = agency(&site, BCI).await;
    let fargo = agency(&site, FARGO).await;
    let fbi = agency(&site, FBI).await;
    let bci_actor = actor(&site, &bci.investigator).await;
    let fargo_actor = actor(&site, &fargo.investigator).await;

    let (bci_case, bci_person) = target(
        &site,
        &bci_actor,
        "Operation Larkspur",
        "Maribel",
        "Quintanilla",
        "1987-06-21",
    )
    .await;
    identifier(
        &site,
        &bci_actor,
        bci_person.id,
        IdentifierKind::Phone,
        "701-555-0142",
    )
    .await;
    assert!(
        alerts(&site, &bci.investigator).await.is_empty(),
        "no one else holds it yet"
    );

    let (fargo_case, fargo_person) = target(
        &site,
        &fargo_actor,
        "Northgate massage parlor",
        "Dmitri",
        "Volkonsky",
        "1979-01-30",
    )
    .await;
    let head = site.audit_head().await;
    identifier(
        &site,
        &fargo_actor,
        fargo_person.id,
        IdentifierKind::Phone,
        "(701) 555 0142",
    )
    .await;

    // Both agencies' case owners and supervisors are told, each of the other's contact.
    let secrets: Vec<String> = [
        "Maribel",
        "Quintanilla",
        "1987",
        "Dmitri",
        "Volkonsky",
        "1979",
        "701-555-0142",
        "5550142",
        "Larkspur",
        "Northgate",
        "informant",
        &bci_case.reference,
        &fargo_case.reference,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        bci_case.id.to_string(),
        fargo_case.id.to_string(),
        bci_person.id.to_string(),
        fargo_person.id.to_string(),
    ])
    .collect();
    for (member, other) in [
        (&bci.investigator, contact_line(&fargo.investigator, FARGO)),
        (&bci.supervisor, contact_line(&fargo.investigator, FARGO)),
        (&fargo.investigator, contact_line(&bci.investigator, BCI)),
        (&fargo.supervisor, contact_line(&bci.investigator, BCI)),
    ] {
        let got = alerts(&site, member).await;
        assert_eq!(got.len(), 1, "{} is alerted once: {got:?}", member.email);
        assert!(
            got[0].starts_with(&format!(
                "Possible overlap | Possible overlap — contact {other}. Matched on: phone number. | /deconfliction/"
            )),
            "{got:?}"
        );
        assert_reveals_nothing("the notification", &got[0], &secrets);
    }
    assert!(alerts(&site, &fbi.investigator).await.is_empty());
    assert!(alerts(&site, &fbi.supervisor).await.is_empty());

    // The hit is audited, naming only the kind and the two agencies.
    let entries = site.audit_after(head).await;
    let created: Vec<_> = entries
        .iter()
        .filter(|e| e.record.action == "deconfliction.create")
        .collect();
    assert_eq!(created.len(), 1);
    assert!(created[0].record.detail.contains("phone"));
    assert_reveals_nothing("the audit entry", &created[0].record.detail, &secrets);

    // The page: the contact, the kind, the reader's own case; nothing of the other's.
    let link = alerts(&site, &fargo.investigator).await[0]
        .rsplit(" | ")
        .next()
        .expect("a link")
        .to_owned();
    let hit_id = link.trim_start_matches("/deconfliction/").to_owned();
    let fargo_session = Caller::Session(site.sign_in_as(&fargo.investigator.email).await);
    let list = site
        .get_as(&fargo_session, "/deconfliction")
        .await
        .expect(StatusCode::OK);
    assert!(list.body.contains(&hit_id));
    let page = site
        .get_as(&fargo_session, &link)
        .await
        .expect(StatusCode::OK);
    assert_eq!(page.h1(), "Possible overlap");
    let body = unescape(&page.body);
    assert!(
        body.contains(&contact_line(&bci.investigator, BCI)),
        "{body}"
    );
    assert!(body.contains("Phone number"));
    assert!(
        body.contains(&format!("/cases/{}", fargo_case.id)),
        "the reader's own case"
    );
    let theirs: Vec<String> = [
        "Maribel",
        "Quintanilla",
        "1987",
        "Larkspur",
        "informant",
        "5550142",
        &bci_case.reference,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([bci_case.id.to_string(), bci_person.id.to_string()])
    .collect();
    assert_reveals_nothing("the alert page", &body, &theirs);
    assert_reveals_nothing("the alert list", &unescape(&list.body), &theirs);

    // The API: the same, and only these fields.
    let bci_token = site
        .token_for(
            &bci.investigator.email,
            taskforce_domain::identity::TokenScope::Write,
        )
        .await;
    let listed = site
        .api_as(&bci_token, Method::GET, "/api/v1/deconfliction", None, &[])
        .await
        .expect(StatusCode::OK)
        .json();
    let alert = &listed[0];
    let mut keys: Vec<&str> = alert
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "acknowledged_at",
            "actions",
            "contact",
            "contacted_at",
            "created_at",
            "id",
            "matched",
            "matched_words",
            "state",
            "your_case_id"
        ]
    );
    assert_eq!(alert["matched"], "phone");
    assert_eq!(alert["state"], "open");
    assert_eq!(alert["contact"]["name"], fargo.investigator.name.as_str());
    assert_eq!(alert["contact"]["agency"], FARGO);
    assert_eq!(alert["your_case_id"], bci_case.id.to_string());
    let text = alert.to_string();
    assert_reveals_nothing(
        "the API",
        &text,
        &[
            fargo_case.id.to_string(),
            fargo_person.id.to_string(),
            fargo_case.reference.clone(),
            "Dmitri".into(),
            "Volkonsky".into(),
            "Northgate".into(),
            "5550142".into(),
        ],
    );

    // A third agency sees nothing of it.
    let fbi_session = Caller::Session(site.sign_in_as(&fbi.investigator.email).await);
    site.get_as(&fbi_session, &link)
        .await
        .expect(StatusCode::FORBIDDEN);
    let fbi_list = site
        .get_as(&fbi_session, "/deconfliction")
        .await
        .expect(StatusCode::OK);
    assert!(!fbi_list.body.contains(&hit_id));
    let fbi_token = site
        .token_for(
            &fbi.investigator.email,
            taskforce_domain::identity::TokenScope::Write,
        )
        .await;
    site.api_as(
        &fbi_token,
        Method::GET,
        &format!("/api/v1/deconfliction/{hit_id}"),
        None,
        &[],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    // Nor may a role without deconfliction (a prosecutor), whatever the agency.
    let prosecutor = site.member_for_role(NORTH_DAKOTA, Role::Prosecutor).await;
    let prosecutor = Caller::Session(site.sign_in_as(&prosecutor.email).await);
    site.get_as(&prosecutor, "/deconfliction")
        .await
        .expect(StatusCode::FORBIDDEN);
    site.post_form_as(
        &prosecutor,
        &format!("{link}/actions"),
        &[("action", "acknowledge")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);

    // Acknowledging and recording contact are kept and audited; a repeat is refused by name.
    let head = site.audit_head().await;
    site.post_form_as(
        &fargo_session,
        &format!("{link}/actions"),
        &[("action", "acknowledge")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let again = site
        .api_as(
            &site
                .token_for(
                    &fargo.investigator.email,
                    taskforce_domain::identity::TokenScope::Write,
                )
                .await,
            Method::POST,
            &format!("/api/v1/deconfliction/{hit_id}/actions"),
            Some(r#"{"action": "acknowledge"}"#),
            &[],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("action"), "{}", again.body);
    let done = site
        .api_as(
            &bci_token,
            Method::POST,
            &format!("/api/v1/deconfliction/{hit_id}/actions"),
            Some(r#"{"action": "contacted"}"#),
            &[],
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert!(done["contacted_at"].is_string() && done["acknowledged_at"].is_string());
    let entries = site.audit_after(head).await;
    let updates: Vec<&str> = entries
        .iter()
        .filter(|e| e.record.action == "deconfliction.update")
        .map(|e| e.record.detail.as_str())
        .collect();
    assert_eq!(updates, ["acknowledge", "contacted"]);
    let page = site
        .get_as(&fargo_session, &link)
        .await
        .expect(StatusCode::OK);
    assert!(
        !page.body.contains("value=\"acknowledge\""),
        "acknowledged once"
    );
    let _ = tf;
}

#[tokio::test]
async fn a_do_not_disclose_target_alerts_only_its_own_supervisor() {
    let site = Site::demo().await;
    let bci = agency(&site, BCI).await;
    let fargo = agency(&site, FARGO).await;
    let bci_actor = actor(&site, &bci.investigator).await;
    let fargo_actor = actor(&site, &fargo.investigator).await;

    // BCI's undercover target, marked "do not disclose" by its supervisor through the page.
    let (_, bci_person) = target(
        &site,
        &bci_actor,
        "Undercover: Prairie Wind",
        "Anatoly",
        "Serebrenik",
        "1975-11-02",
    )
    .await;
    identifier(
        &site,
        &bci_actor,
        bci_person.id,
        IdentifierKind::Vehicle,
        "ND 7ABC101",
    )
    .await;
    let bci_supervisor = Caller::Session(site.sign_in_as(&bci.supervisor.email).await);
    let form = format!("/persons/{}/deconfliction", bci_person.id);
    let refused = site.post_form_as(&bci_supervisor, &form, &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the choice is required"
    );
    site.post_form_as(&bci_supervisor, &form, &[("do_not_disclose", "yes")])
        .await
        .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&bci_supervisor, &form)
        .await
        .expect(StatusCode::OK);
    assert!(unescape(&page.body).contains("Yes: a hit alerts only your agency's supervisors"));
    // Another agency may not set it.
    let fargo_token = site
        .token_for(
            &fargo.investigator.email,
            taskforce_domain::identity::TokenScope::Write,
        )
        .await;
    site.api_as(
        &fargo_token,
        Method::POST,
        &format!("/api/v1/persons/{}/do-not-disclose", bci_person.id),
        Some(r#"{"do_not_disclose": false}"#),
        &[],
    )
    .await
    .expect(StatusCode::FORBIDDEN);

    // Fargo enters the same plate on its own investigation.
    let (_, fargo_person) = target(
        &site,
        &fargo_actor,
        "Stolen vehicle ring",
        "Kelsey",
        "Brandt",
        "1990-02-03",
    )
    .await;
    identifier(
        &site,
        &fargo_actor,
        fargo_person.id,
        IdentifierKind::Vehicle,
        "nd 7-abc-1o1",
    )
    .await;

    // Only BCI's supervisor is alerted; Fargo learns nothing, BCI's investigator waits.
    let supervisor_alerts = alerts(&site, &bci.supervisor).await;
    assert_eq!(supervisor_alerts.len(), 1, "{supervisor_alerts:?}");
    assert!(supervisor_alerts[0].contains("marked do not disclose"));
    assert!(supervisor_alerts[0].contains("Matched on: vehicle."));
    for member in [&bci.investigator, &fargo.investigator, &fargo.supervisor] {
        assert!(
            alerts(&site, member).await.is_empty(),
            "{} is not told",
            member.email
        );
    }
    let link = supervisor_alerts[0]
        .rsplit(" | ")
        .next()
        .expect("a link")
        .to_owned();
    let hit_id = link.trim_start_matches("/deconfliction/").to_owned();
    let fargo_session = Caller::Session(site.sign_in_as(&fargo.investigator.email).await);
    let fargo_list = site
        .get_as(&fargo_session, "/deconfliction")
        .await
        .expect(StatusCode::OK);
    assert!(!fargo_list.body.contains(&hit_id));
    site.get_as(&fargo_session, &link)
        .await
        .expect(StatusCode::FORBIDDEN);
    let listed = site
        .api_as(
            &fargo_token,
            Method::GET,
            "/api/v1/deconfliction",
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(listed.as_array().map(Vec::len), Some(0));
    let bci_investigator = Caller::Session(site.sign_in_as(&bci.investigator.email).await);
    site.get_as(&bci_investigator, &link)
        .await
        .expect(StatusCode::FORBIDDEN);
    site.post_form_as(
        &bci_investigator,
        &format!("{link}/actions"),
        &[("action", "disclose")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);

    // The supervisor decides: first not to disclose (recorded, audited; Fargo still knows nothing)…
    let page = site
        .get_as(&bci_supervisor, &link)
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("value=\"disclose\"") && page.body.contains("value=\"withhold\""));
    let head = site.audit_head().await;
    site.post_form_as(
        &bci_supervisor,
        &format!("{link}/actions"),
        &[("action", "withhold")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let page = site
        .get_as(&bci_supervisor, &link)
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Not disclosed"));
    assert!(alerts(&site, &fargo.investigator).await.is_empty());
    site.get_as(&fargo_session, &link)
        .await
        .expect(StatusCode::FORBIDDEN);
    // …then to disclose: now both agencies get the usual alert.
    site.post_form_as(
        &bci_supervisor,
        &format!("{link}/actions"),
        &[("action", "disclose")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let told = alerts(&site, &fargo.investigator).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains(&format!("contact {}", contact_line(&bci.investigator, BCI))),
        "{told:?}"
    );
    assert!(!told[0].contains("Serebrenik") && !told[0].contains("7ABC101"));
    site.get_as(&fargo_session, &link)
        .await
        .expect(StatusCode::OK);
    site.get_as(&bci_investigator, &link)
        .await
        .expect(StatusCode::OK);
    let decisions: Vec<String> = site
        .audit_after(head)
        .await
        .iter()
        .filter(|e| e.record.action == "deconfliction.update")
        .map(|e| e.record.detail.clone())
        .collect();
    assert_eq!(decisions, ["withhold", "disclose"]);
}

#[tokio::test]
async fn names_are_matched_on_keyed_tokens_and_victim_service_records_never_enter_the_index() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let bci = agency(&site, BCI).await;
    let fargo = agency(&site, FARGO).await;
    let bci_actor = actor(&site, &bci.investigator).await;
    let fargo_actor = actor(&site, &fargo.investigator).await;
    let (_, john) = target(&site, &bci_actor, "Case one", "John", "Smith", "1980-04-12").await;
    target(
        &site,
        &fargo_actor,
        "Case two",
        "Jon",
        "Smyth",
        "1980-04-12",
    )
    .await;
    let got = alerts(&site, &fargo.investigator).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("Matched on: similar-sounding name and date of birth."),
        "{got:?}"
    );
    // A different day of birth is another person.
    target(
        &site,
        &fargo_actor,
        "Case three",
        "John",
        "Smith",
        "1980-04-13",
    )
    .await;
    assert_eq!(alerts(&site, &fargo.investigator).await.len(), 1);

    // The index holds tokens only.
    let mut conn = site.app.store().conn().await.expect("conn");
    let pointers = taskforce_store::deconfliction::pointers_of(&mut conn, tf, john.id)
        .await
        .expect("pointers");
    assert_eq!(pointers.len(), 2, "exact and sounds-like name keys");
    for p in &pointers {
        assert_eq!(p.token.len(), 32);
        assert!(p.token.chars().all(|c| c.is_ascii_hexdigit()));
    }
    drop(conn);

    // A survivor on a provider's service case is never indexed, so never matched.
    let advocate = site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    let advocate = actor(&site, &advocate).await;
    let (_, survivor) = target(
        &site,
        &advocate,
        "Housing support",
        "John",
        "Smith",
        "1980-04-12",
    )
    .await;
    let mut conn = site.app.store().conn().await.expect("conn");
    assert!(
        taskforce_store::deconfliction::pointers_of(&mut conn, tf, survivor.id)
            .await
            .expect("pointers")
            .is_empty()
    );
    drop(conn);
    assert_eq!(
        alerts(&site, &bci.investigator).await.len(),
        1,
        "only the Fargo hit"
    );
}

/// The keyed tokens the index holds for a person, for each agency.
async fn pointers(site: &Site, person: PersonId) -> Vec<taskforce_store::deconfliction::Pointer> {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let mut conn = site.app.store().conn().await.expect("conn");
    taskforce_store::deconfliction::pointers_of(&mut conn, tf, person)
        .await
        .expect("pointers")
}

fn denied(entries: &[taskforce_domain::audit::StoredAuditEntry], action: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|e| {
            e.record.action == action
                && e.record.outcome == taskforce_domain::audit::Outcome::Denied
        })
        .map(|e| e.record.detail.clone())
        .collect()
}

#[tokio::test]
async fn a_changed_name_or_a_removed_identifier_stops_matching_at_once() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let bci = agency(&site, BCI).await;
    let fargo = agency(&site, FARGO).await;
    let bci_actor = actor(&site, &bci.investigator).await;
    let fargo_actor = actor(&site, &fargo.investigator).await;
    let (_, bci_person) = target(
        &site,
        &bci_actor,
        "Operation Bluestem",
        "Maribel",
        "Quintanilla",
        "1987-06-21",
    )
    .await;
    identifier(
        &site,
        &bci_actor,
        bci_person.id,
        IdentifierKind::Phone,
        "701-555-0177",
    )
    .await;
    assert_eq!(
        pointers(&site, bci_person.id).await.len(),
        3,
        "name twice, phone"
    );

    // BCI learns the name was an alias of someone else: the record now says who it is.
    let corrected = site
        .app
        .update_person(
            &bci_actor,
            tf,
            bci_person.id,
            bci_person.version,
            PersonInput {
                given_name: "Marisol".into(),
                family_name: "Quintero".into(),
                date_of_birth: "1987-06-21".into(),
                ..Default::default()
            },
        )
        .await
        .expect("corrected");
    assert_eq!(
        pointers(&site, bci_person.id).await.len(),
        3,
        "the old name's tokens are replaced, not added to"
    );
    // The phone was entered in error: removed through the API (another agency may not).
    let phone = site
        .app
        .person_view(&bci_actor, tf, bci_person.id)
        .await
        .expect("the person")
        .identifiers
        .into_iter()
        .find(|i| i.kind == IdentifierKind::Phone)
        .expect("the phone");
    let path = format!("/api/v1/persons/{}/identifiers/{}", bci_person.id, phone.id);
    let fargo_token = site
        .token_for(
            &fargo.investigator.email,
            taskforce_domain::identity::TokenScope::Write,
        )
        .await;
    let head = site.audit_head().await;
    site.api_as(&fargo_token, Method::DELETE, &path, None, &[])
        .await
        .expect(StatusCode::FORBIDDEN);
    assert_eq!(
        denied(&site.audit_after(head).await, "person.update").len(),
        1
    );
    assert_eq!(
        pointers(&site, bci_person.id).await.len(),
        3,
        "nothing changed"
    );
    let bci_token = site
        .token_for(
            &bci.investigator.email,
            taskforce_domain::identity::TokenScope::Write,
        )
        .await;
    let head = site.audit_head().await;
    site.api_as(&bci_token, Method::DELETE, &path, None, &[])
        .await
        .expect(StatusCode::NO_CONTENT);
    let removed: Vec<String> = site
        .audit_after(head)
        .await
        .iter()
        .filter(|e| e.record.action == "person.update")
        .map(|e| e.record.detail.clone())
        .collect();
    assert_eq!(removed, ["identifier phone removed"]);
    site.api_as(&bci_token, Method::DELETE, &path, None, &[])
        .await
        .expect(StatusCode::NOT_FOUND);
    let left = pointers(&site, bci_person.id).await;
    assert_eq!(left.len(), 2, "the phone's token is gone: {left:?}");
    assert!(left
        .iter()
        .all(|p| p.kind != taskforce_domain::deconfliction::MatchKind::Phone));

    // Fargo enters the old name and the removed phone: nothing matches any more.
    let (_, fargo_person) = target(
        &site,
        &fargo_actor,
        "Northgate",
        "Maribel",
        "Quintanilla",
        "1987-06-21",
    )
    .await;
    identifier(
        &site,
        &fargo_actor,
        fargo_person.id,
        IdentifierKind::Phone,
        "(701) 555-0177",
    )
    .await;
    assert!(alerts(&site, &fargo.investigator).await.is_empty());
    assert!(alerts(&site, &bci.investigator).await.is_empty());
    // The record as it stands now still matches.
    target(
        &site,
        &fargo_actor,
        "Northgate two",
        "Marisol",
        "Quintero",
        "1987-06-21",
    )
    .await;
    let told = alerts(&site, &bci.investigator).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].contains("Matched on: name and date of birth."),
        "{told:?}"
    );
    let _ = corrected;
}

#[tokio::test]
async fn adding_an_existing_person_to_an_investigation_runs_the_same_check() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let bci = agency(&site, BCI).await;
    let fargo = agency(&site, FARGO).await;
    let fbi = agency(&site, FBI).await;
    let bci_actor = actor(&site, &bci.investigator).await;
    let fargo_actor = actor(&site, &fargo.investigator).await;
    let fbi_actor = actor(&site, &fbi.investigator).await;
    let (bci_case, person) = target(
        &site,
        &bci_actor,
        "Operation Coneflower",
        "Teodor",
        "Vasilescu",
        "1969-09-09",
    )
    .await;
    identifier(
        &site,
        &bci_actor,
        person.id,
        IdentifierKind::Email,
        "tv@example.net",
    )
    .await;
    // BCI's supervisor puts Fargo on the case's team, so Fargo may read the person.
    site.app
        .grant_team(
            &actor(&site, &bci.supervisor).await,
            tf,
            bci_case.id,
            TeamGrantInput {
                organization_id: Some(fargo.investigator.memberships[0].organization_id),
                member_id: None,
                until: None,
            },
        )
        .await
        .expect("a team grant");
    let fargo_case = site
        .app
        .create_case(
            &fargo_actor,
            tf,
            CaseInput {
                title: "Fargo's own investigation".into(),
                ..Default::default()
            },
        )
        .await
        .expect("an investigation");
    let fbi_case = site
        .app
        .create_case(
            &fbi_actor,
            tf,
            CaseInput {
                title: "FBI's own investigation".into(),
                ..Default::default()
            },
        )
        .await
        .expect("an investigation");

    // The FBI may not read BCI's target, so may not add them: refused, nothing indexed.
    let fbi_session = Caller::Session(site.sign_in_as(&fbi.investigator.email).await);
    let person_id = person.id.to_string();
    let form = [("role", "suspect"), ("person_id", person_id.as_str())];
    site.post_form_as(
        &fbi_session,
        &format!("/cases/{}/add/existing-person", fbi_case.id),
        &form,
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let fbi_org = fbi.investigator.memberships[0].organization_id;
    assert!(pointers(&site, person.id)
        .await
        .iter()
        .all(|p| p.organization_id != fbi_org));
    assert!(alerts(&site, &fbi.investigator).await.is_empty());

    // Fargo adds them to its own investigation, through the page: both agencies are told, as
    // when a new person matches.
    let fargo_session = Caller::Session(site.sign_in_as(&fargo.investigator.email).await);
    let head = site.audit_head().await;
    site.post_form_as(
        &fargo_session,
        &format!("/cases/{}/add/existing-person", fargo_case.id),
        &form,
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let fargo_org = fargo.investigator.memberships[0].organization_id;
    let held = pointers(&site, person.id).await;
    assert_eq!(
        held.iter()
            .filter(|p| p.organization_id == fargo_org)
            .count(),
        3,
        "Fargo's pointers: name twice, e-mail"
    );
    assert!(held
        .iter()
        .filter(|p| p.organization_id == fargo_org)
        .all(|p| p.case_id == fargo_case.id));
    for (member, other) in [
        (&bci.investigator, contact_line(&fargo.investigator, FARGO)),
        (&fargo.investigator, contact_line(&bci.investigator, BCI)),
    ] {
        let got = alerts(&site, member).await;
        assert_eq!(got.len(), 1, "{} is alerted once: {got:?}", member.email);
        assert!(got[0].contains(&format!("contact {other}")), "{got:?}");
        assert!(!got[0].contains("Vasilescu") && !got[0].contains("tv@example"));
    }
    let created = site
        .audit_after(head)
        .await
        .iter()
        .filter(|e| e.record.action == "deconfliction.create")
        .count();
    assert_eq!(created, 1);
    // A later identifier on the person refreshes both agencies' pointers and tells no one twice.
    identifier(
        &site,
        &bci_actor,
        person.id,
        IdentifierKind::Phone,
        "701-555-0199",
    )
    .await;
    let held = pointers(&site, person.id).await;
    assert_eq!(
        held.len(),
        8,
        "both agencies hold the four tokens: {held:?}"
    );
    assert_eq!(alerts(&site, &bci.investigator).await.len(), 1);
    assert_eq!(alerts(&site, &fargo.investigator).await.len(), 1);
}

#[tokio::test]
async fn refusals_on_a_held_back_hit_are_audited_and_marking_after_disclosure_holds_new_hits() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let bci = agency(&site, BCI).await;
    let fargo = agency(&site, FARGO).await;
    let fbi = agency(&site, FBI).await;
    let bci_actor = actor(&site, &bci.investigator).await;
    let fargo_actor = actor(&site, &fargo.investigator).await;
    let fbi_actor = actor(&site, &fbi.investigator).await;

    // BCI's target and Fargo's share a plate: an open hit, both told.
    let (_, bci_person) = target(
        &site,
        &bci_actor,
        "Operation Sweetgrass",
        "Ilse",
        "Marquardt",
        "1981-03-14",
    )
    .await;
    identifier(
        &site,
        &bci_actor,
        bci_person.id,
        IdentifierKind::Vehicle,
        "ND 9XYZ321",
    )
    .await;
    identifier(
        &site,
        &bci_actor,
        bci_person.id,
        IdentifierKind::Email,
        "im@example.org",
    )
    .await;
    let (_, fargo_person) = target(
        &site,
        &fargo_actor,
        "Truck stop",
        "Ronan",
        "Achterberg",
        "1977-07-07",
    )
    .await;
    identifier(
        &site,
        &fargo_actor,
        fargo_person.id,
        IdentifierKind::Vehicle,
        "ND 9XYZ321",
    )
    .await;
    assert_eq!(alerts(&site, &fargo.investigator).await.len(), 1);
    let open_link = alerts(&site, &bci.investigator).await[0]
        .rsplit(" | ")
        .next()
        .expect("a link")
        .to_owned();

    // A member who is not a supervisor may not decide on it: refused and audited.
    let bci_investigator = Caller::Session(site.sign_in_as(&bci.investigator.email).await);
    let head = site.audit_head().await;
    site.post_form_as(
        &bci_investigator,
        &format!("{open_link}/actions"),
        &[("action", "withhold")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    assert_eq!(
        denied(&site.audit_after(head).await, "deconfliction.update").len(),
        1
    );

    // Then BCI's supervisor marks the target "do not disclose": the page says what was
    // already told (it cannot be taken back), and the audit entry records it.
    let bci_supervisor = Caller::Session(site.sign_in_as(&bci.supervisor.email).await);
    let form = format!("/persons/{}/deconfliction", bci_person.id);
    let head = site.audit_head().await;
    site.post_form_as(&bci_supervisor, &form, &[("do_not_disclose", "yes")])
        .await
        .expect(StatusCode::SEE_OTHER);
    let marked: Vec<String> = site
        .audit_after(head)
        .await
        .iter()
        .filter(|e| e.record.action == "person.update")
        .map(|e| e.record.detail.clone())
        .collect();
    assert_eq!(
        marked,
        ["deconfliction: do not disclose (1 hits already disclosed stay disclosed)"]
    );
    let page = site
        .get_as(&bci_supervisor, &form)
        .await
        .expect(StatusCode::OK);
    assert!(
        unescape(&page.body)
            .contains("1 earlier alert(s) about this person went to another agency"),
        "{}",
        page.body
    );
    // The alert already told stays with Fargo.
    let fargo_session = Caller::Session(site.sign_in_as(&fargo.investigator.email).await);
    site.get_as(&fargo_session, &open_link)
        .await
        .expect(StatusCode::OK);

    // New hits are held: the FBI enters the plate on its own target.
    let (_, fbi_person) = target(
        &site,
        &fbi_actor,
        "Interstate",
        "Pavel",
        "Dragomir",
        "1990-10-10",
    )
    .await;
    identifier(
        &site,
        &fbi_actor,
        fbi_person.id,
        IdentifierKind::Vehicle,
        "nd 9xyz321",
    )
    .await;
    let supervisor_alerts = alerts(&site, &bci.supervisor).await;
    let held: Vec<&String> = supervisor_alerts
        .iter()
        .filter(|a| a.contains("marked do not disclose"))
        .collect();
    assert_eq!(held.len(), 1, "{supervisor_alerts:?}");
    assert_eq!(
        alerts(&site, &bci.investigator).await.len(),
        1,
        "the investigator waits for the decision"
    );
    // The FBI learns nothing of BCI; it is told of Fargo, which did not hold its target back.
    let fbi_told = alerts(&site, &fbi.investigator).await;
    assert_eq!(fbi_told.len(), 1, "{fbi_told:?}");
    assert!(
        fbi_told[0].contains(FARGO) && !fbi_told[0].contains(BCI),
        "{fbi_told:?}"
    );
    // A new identifier linking the two already told makes no new alert.
    identifier(
        &site,
        &fargo_actor,
        fargo_person.id,
        IdentifierKind::Email,
        "IM@example.org",
    )
    .await;
    assert_eq!(
        alerts(&site, &fargo.investigator).await.len(),
        2,
        "the plate and the FBI"
    );
    assert_eq!(alerts(&site, &bci.investigator).await.len(), 1);

    // A non-supervisor's look at the held hit, and an attempt to disclose it, are refused and
    // audited as denied.
    let held_link = held[0].rsplit(" | ").next().expect("a link").to_owned();
    let head = site.audit_head().await;
    site.get_as(&bci_investigator, &held_link)
        .await
        .expect(StatusCode::FORBIDDEN);
    site.post_form_as(
        &bci_investigator,
        &format!("{held_link}/actions"),
        &[("action", "disclose")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let entries = site.audit_after(head).await;
    assert_eq!(denied(&entries, "deconfliction.read").len(), 1);
    assert_eq!(denied(&entries, "deconfliction.update").len(), 1);
    // The supervisor may; the FBI then hears of BCI.
    site.post_form_as(
        &bci_supervisor,
        &format!("{held_link}/actions"),
        &[("action", "disclose")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let fbi_told = alerts(&site, &fbi.investigator).await;
    assert_eq!(fbi_told.len(), 2, "{fbi_told:?}");
    let _ = tf;
}

#[tokio::test]
async fn a_providers_client_added_to_an_investigation_under_consent_is_not_indexed() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let bci = agency(&site, BCI).await;
    let bci_actor = actor(&site, &bci.investigator).await;
    let bci_org = bci.investigator.memberships[0].organization_id;
    // BCI's target, and a survivor of the same name and birth date on a provider's case.
    target(
        &site,
        &bci_actor,
        "Operation Prairie Rose",
        "Lucia",
        "Ferreira",
        "1992-02-29",
    )
    .await;
    let advocate = site.member_for_role(NORTH_DAKOTA, Role::Advocate).await;
    let advocate = actor(&site, &advocate).await;
    let (_, survivor) = target(
        &site,
        &advocate,
        "Shelter and legal aid",
        "Lucia",
        "Ferreira",
        "1992-02-29",
    )
    .await;
    let bci_case = site
        .app
        .create_case(
            &bci_actor,
            tf,
            CaseInput {
                title: "The survivor's trafficker".into(),
                ..Default::default()
            },
        )
        .await
        .expect("an investigation");
    let add = || {
        site.app
            .add_existing_person(&bci_actor, tf, bci_case.id, survivor.id, PersonRole::Victim)
    };
    // Without the survivor's consent the agency may not even read the record.
    assert!(matches!(
        add().await,
        Err(taskforce_app::AppError::Forbidden(_))
    ));
    // With it, the agency may put them on its investigation; the record still never enters the
    // index (a pointer would outlive the consent), so no one is alerted.
    site.app
        .record_consent(
            &advocate,
            tf,
            survivor.id,
            taskforce_domain::consent::ConsentInput {
                recipients: vec![bci_org.to_string()],
                categories: vec!["identity".into(), "contact".into()],
                purpose: "Testimony in the prosecution of her trafficker".into(),
                method: "written".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a consent");
    add().await.expect("added under consent");
    assert!(pointers(&site, survivor.id).await.is_empty());
    assert!(alerts(&site, &bci.investigator).await.is_empty());
}
