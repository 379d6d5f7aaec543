//! Record linkage inside the product, through real HTTP on both backends: a victim service
//! provider's client is matched against other organizations' records only while a live consent
//! covers counting (no consent, a consent for another category or organization, an expired or
//! a revoked one: never); possible duplicates are offered only among records the reviewer may
//! read; merges are reversible (search and counts come back exactly); every decision is checked
//! and audited, and roles without the permission are refused.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use chrono::Duration;
use taskforce_app::cases::SearchQuery;
use taskforce_app::{Actor, Clock};
use taskforce_domain::cases::*;
use taskforce_domain::consent::ConsentInput;
use taskforce_domain::identity::TokenScope;
use taskforce_domain::structure::Role;
use taskforce_domain::*;

/// Twelve survivors law enforcement recorded, unlike each other and anyone else here.
const OTHERS: &[(&str, &str, &str)] = &[
    ("Abigail", "Thornbury", "1971-01-05"),
    ("Bartholomew", "Quisling", "1975-02-11"),
    ("Cordelia", "Vanterpool", "1979-03-17"),
    ("Desmond", "Okonkwo", "1983-04-23"),
    ("Evangeline", "Przybylski", "1987-05-29"),
    ("Fitzgerald", "Nakamura", "1991-06-02"),
    ("Genevieve", "Oyelaran", "1995-07-08"),
    ("Horatio", "Lindqvist", "1999-08-14"),
    ("Isadora", "Kowalczyk", "2003-09-20"),
    ("Jedidiah", "Abernathy", "1968-10-26"),
    ("Kassandra", "Mwangi", "1972-11-30"),
    ("Leopold", "Haverkamp", "1976-12-04"),
];

struct People {
    tf: TaskForceId,
    investigator: Actor,
    advocate: Actor,
    coordinator_email: String,
    coordinator_org: OrganizationId,
    /// The survivor as the provider recorded them.
    client: PersonId,
}

fn actor(p: taskforce_domain::access::Principal) -> Actor {
    Actor::Member(p)
}

async fn victim(
    site: &Site,
    who: &Actor,
    tf: TaskForceId,
    case: CaseId,
    (given, family, dob): (&str, &str, &str),
    phone: Option<&str>,
) -> PersonId {
    let person = site
        .app
        .add_person(
            who,
            tf,
            case,
            PersonRole::Victim,
            PersonInput {
                given_name: given.into(),
                family_name: family.into(),
                date_of_birth: dob.into(),
                trafficking_status: Some(TraffickingStatus::Possible),
                ..Default::default()
            },
        )
        .await
        .expect("a victim");
    if let Some(phone) = phone {
        site.app
            .add_identifier(
                who,
                tf,
                person.id,
                IdentifierInput {
                    kind: Some(IdentifierKind::Phone),
                    value: phone.into(),
                },
            )
            .await
            .expect("a phone");
    }
    person.id
}

/// The same survivor recorded by law enforcement and by a victim service provider, with twelve
/// other survivors law enforcement recorded.
async fn people(site: &Site) -> People {
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let investigator = actor(
        site.principal(
            &site
                .member_for_role(NORTH_DAKOTA, Role::Investigator)
                .await
                .email,
        )
        .await,
    );
    let advocate = actor(
        site.principal(
            &site
                .member_for_role(NORTH_DAKOTA, Role::Advocate)
                .await
                .email,
        )
        .await,
    );
    let coordinator_email = site
        .member_for_role(NORTH_DAKOTA, Role::Coordinator)
        .await
        .email;
    let coordinator_principal = site.principal(&coordinator_email).await;
    let coordinator_org = coordinator_principal.organization_id;
    let investigation = site
        .app
        .create_case(
            &investigator,
            tf,
            CaseInput {
                kind: Some(CaseKind::Investigation),
                title: "Motel operation".into(),
                ..Default::default()
            },
        )
        .await
        .expect("an investigation");
    for other in OTHERS {
        victim(site, &investigator, tf, investigation.id, *other, None).await;
    }
    let same = ("Esperanza", "Villalobos", "1993-08-17");
    victim(
        site,
        &investigator,
        tf,
        investigation.id,
        same,
        Some("+17015550199"),
    )
    .await;
    let service = site
        .app
        .create_case(
            &advocate,
            tf,
            CaseInput {
                kind: Some(CaseKind::ServiceCase),
                title: "Housing and safety plan".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a service case");
    let client = victim(site, &advocate, tf, service.id, same, Some("+17015550199")).await;
    People {
        tf,
        investigator,
        advocate,
        coordinator_email,
        coordinator_org,
        client,
    }
}

fn counting_consent(
    to: OrganizationId,
    categories: &[&str],
    until: Option<String>,
) -> ConsentInput {
    ConsentInput {
        recipients: vec![to.to_string()],
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        purpose: "Counted once in the task force's report".into(),
        method: "written".into(),
        valid_until: until,
        ..Default::default()
    }
}

/// The count as the coordinator reads it through the API.
async fn count(site: &Site, caller: &Caller, tf: TaskForceId) -> serde_json::Value {
    site.api_as(
        caller,
        Method::GET,
        &format!("/api/v1/task-forces/{tf}/victim-count"),
        None,
        &[],
    )
    .await
    .expect(StatusCode::OK)
    .json()
}

fn shown(v: &serde_json::Value) -> String {
    match v["shown"].as_str() {
        Some("exact") => v["count"].to_string(),
        Some("withheld") => "withheld".into(),
        _ => format!("fewer than {}", v["limit"]),
    }
}

#[tokio::test]
async fn a_providers_client_is_matched_across_organizations_only_under_a_live_counting_consent() {
    let site = Site::demo().await;
    let p = people(&site).await;
    let tf = p.tf;
    let coordinator = site.token_for(&p.coordinator_email, TokenScope::Read).await;

    // No consent: the provider's client and law enforcement's record are two people.
    let c = count(&site, &coordinator, tf).await;
    assert_eq!(shown(&c["records"]), "14");
    assert_eq!(shown(&c["people"]), "14", "{c}");
    assert_eq!(shown(&c["counted_within_provider_only"]), "fewer than 11");
    // 14 people less the number matched across would give the small number away.
    assert_eq!(shown(&c["matched_across_organizations"]), "withheld");

    // No pair across is offered either: neither side may read the other's record.
    for who in [&p.investigator, &p.advocate] {
        site.app.find_duplicates(who, tf).await.expect("a scan");
        let pairs = site.app.duplicates(who, tf, true).await.expect("pairs");
        assert!(
            pairs
                .iter()
                .all(|d| d.left.owner_organization_id == d.right.owner_organization_id),
            "a pair across organizations was offered"
        );
        assert!(pairs
            .iter()
            .all(|d| d.left.id != p.client && d.right.id != p.client
                || d.left.owner_organization_id == d.right.owner_organization_id));
    }

    // A consent for another category, or to another organization, does not open counting.
    let elsewhere = site
        .app
        .organizations(&SYSTEM, tf)
        .await
        .expect("orgs")
        .into_iter()
        .find(|o| {
            o.id != p.coordinator_org
                && Some(o.id) != p.advocate.principal().map(|x| x.organization_id)
        })
        .expect("another organization");
    site.app
        .record_consent(
            &p.advocate,
            tf,
            p.client,
            counting_consent(p.coordinator_org, &["identity"], None),
        )
        .await
        .expect("an identity consent");
    site.app
        .record_consent(
            &p.advocate,
            tf,
            p.client,
            counting_consent(elsewhere.id, &["counting"], None),
        )
        .await
        .expect("a consent to another organization");
    assert_eq!(shown(&count(&site, &coordinator, tf).await["people"]), "14");

    // A live counting consent to the coordinator's organization: one person.
    let today = site.clock.now().date_naive();
    let until = (today + Duration::days(10)).format("%Y-%m-%d").to_string();
    let expiring = site
        .app
        .record_consent(
            &p.advocate,
            tf,
            p.client,
            counting_consent(p.coordinator_org, &["counting"], Some(until)),
        )
        .await
        .expect("a counting consent");
    let c = count(&site, &coordinator, tf).await;
    assert_eq!(shown(&c["people"]), "13", "{c}");
    assert_eq!(shown(&c["counted_within_provider_only"]), "0");
    assert_eq!(shown(&c["matched_across_organizations"]), "13");

    // Expired: two people again (the clock moves past its last day).
    site.clock.advance(Duration::days(12));
    assert_eq!(shown(&count(&site, &coordinator, tf).await["people"]), "14");
    assert!(expiring.valid_until < site.clock.now());

    // A new consent, then revoked: one person, then two again at once.
    let consent = site
        .app
        .record_consent(
            &p.advocate,
            tf,
            p.client,
            counting_consent(p.coordinator_org, &["counting"], None),
        )
        .await
        .expect("a new counting consent");
    assert_eq!(shown(&count(&site, &coordinator, tf).await["people"]), "13");
    site.app
        .revoke_consent(
            &p.advocate,
            tf,
            consent.id,
            consent.version,
            "Asked to withdraw",
        )
        .await
        .expect("revoked");
    assert_eq!(shown(&count(&site, &coordinator, tf).await["people"]), "14");

    // The count is audited, and the coordinator's own read carries no name.
    let page = site
        .get_as(
            &Caller::Session(site.sign_in_as(&p.coordinator_email).await),
            &format!("/task-forces/{tf}/victim-count"),
        )
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Unduplicated victim count"));
    assert!(!page.body.contains("Villalobos") && !page.body.contains("Esperanza"));
    let head = site.audit_head().await;
    let csv = site
        .get_as(
            &Caller::Session(site.sign_in_as(&p.coordinator_email).await),
            &format!("/task-forces/{tf}/victim-count.csv"),
        )
        .await
        .expect(StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.body.contains("\"People (unduplicated)\",\"14\""),
        "{}",
        csv.body
    );
    assert!(
        site.audit_after(head)
            .await
            .iter()
            .any(|e| e.record.action == "victim_count.export"),
        "the export is audited"
    );

    // Roles without the count are refused, and the refusal is audited.
    let investigator_token = site
        .token_for(
            &site
                .member_for_role(NORTH_DAKOTA, Role::Investigator)
                .await
                .email,
            TokenScope::Read,
        )
        .await;
    site.api_as(
        &investigator_token,
        Method::GET,
        &format!("/api/v1/task-forces/{tf}/victim-count"),
        None,
        &[],
    )
    .await
    .expect(StatusCode::FORBIDDEN);
}

/// The search results' titles and links for `text`, as `who` sees them.
async fn search(site: &Site, who: &Actor, tf: TaskForceId, text: &str) -> Vec<(String, String)> {
    let (hits, _) = site
        .app
        .search(
            who,
            tf,
            &SearchQuery {
                text: text.into(),
                ..Default::default()
            },
            50,
        )
        .await
        .expect("search");
    hits.into_iter().map(|h| (h.title, h.link)).collect()
}

#[tokio::test]
async fn possible_duplicates_are_explained_and_a_merge_is_undone_exactly() {
    let site = Site::demo().await;
    let p = people(&site).await;
    let tf = p.tf;
    let investigator_email = site
        .member_for_role(NORTH_DAKOTA, Role::Investigator)
        .await
        .email;
    let investigator = Caller::Session(site.sign_in_as(&investigator_email).await);
    let case = site
        .app
        .create_case(
            &p.investigator,
            tf,
            CaseInput {
                kind: Some(CaseKind::Investigation),
                title: "Hotline follow-up".into(),
                ..Default::default()
            },
        )
        .await
        .expect("a case");
    let first = victim(
        &site,
        &p.investigator,
        tf,
        case.id,
        ("Guadalupe", "Hernández", "1996-02-14"),
        Some("+17015550141"),
    )
    .await;
    let second = victim(
        &site,
        &p.investigator,
        tf,
        case.id,
        ("Lupe", "Hernandez", "1996-02-14"),
        Some("+17015550141"),
    )
    .await;

    // The scan (a page form) finds the pair among what the investigator may read.
    let reply = site
        .post_form_as(&investigator, &format!("/task-forces/{tf}/duplicates"), &[])
        .await
        .expect(StatusCode::SEE_OTHER);
    assert!(
        reply.header("location").contains("new=1"),
        "{}",
        reply.header("location")
    );
    let pairs = site
        .app
        .duplicates(&p.investigator, tf, false)
        .await
        .expect("pairs");
    assert_eq!(pairs.len(), 1, "one pair to review");
    let pair = &pairs[0].pair;
    assert_eq!(
        {
            let mut ids = vec![pair.left_person_id, pair.right_person_id];
            ids.sort_by_key(|i| i.0);
            ids
        },
        {
            let mut ids = vec![first, second];
            ids.sort_by_key(|i| i.0);
            ids
        }
    );
    assert!(pair.match_probability >= 0.9, "{pair:?}");
    let sum: f64 = pair.fields.iter().map(|f| f.weight).sum();
    assert!(
        (sum - pair.match_weight).abs() < 0.1,
        "the fields' weights add up to the match weight"
    );
    let list = site
        .get_as(&investigator, &format!("/task-forces/{tf}/duplicates"))
        .await
        .expect(StatusCode::OK);
    assert!(list.body.contains("Hernández") && list.body.contains("Lupe"));
    let page = site
        .get_as(
            &investigator,
            &format!("/task-forces/{tf}/duplicates/{}", pair.id),
        )
        .await
        .expect(StatusCode::OK);
    assert!(page.body.contains("Why they may be the same person"));
    assert!(page.body.contains("Date of birth") && page.body.contains("exact"));
    // A second scan offers nothing new.
    assert_eq!(
        site.app
            .find_duplicates(&p.investigator, tf)
            .await
            .expect("scan")
            .new,
        0
    );

    // The advocate may not read law enforcement's records: the pair is neither listed nor opened.
    assert!(site
        .app
        .duplicates(&p.advocate, tf, true)
        .await
        .expect("pairs")
        .is_empty());
    let advocate = Caller::Session(
        site.sign_in_as(
            &site
                .member_for_role(NORTH_DAKOTA, Role::Advocate)
                .await
                .email,
        )
        .await,
    );
    site.get_as(
        &advocate,
        &format!("/task-forces/{tf}/duplicates/{}", pair.id),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    // The coordinator reviews no duplicates.
    let coordinator = Caller::Session(site.sign_in_as(&p.coordinator_email).await);
    site.get_as(&coordinator, &format!("/task-forces/{tf}/duplicates"))
        .await
        .expect(StatusCode::FORBIDDEN);
    site.post_form_as(
        &coordinator,
        &format!("/task-forces/{tf}/duplicates/{}/decision", pair.id),
        &[("action", "confirm"), ("version", "1")],
    )
    .await
    .expect(StatusCode::FORBIDDEN);

    // Bad input: every problem named, nothing changed.
    let decide = format!("/task-forces/{tf}/duplicates/{}/decision", pair.id);
    let bad = site
        .post_form_as(
            &investigator,
            &decide,
            &[("action", "merge"), ("version", "1")],
        )
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("choose which of the two records stays"));
    site.post_form_as(
        &investigator,
        &decide,
        &[
            ("action", "merge"),
            ("survivor_person_id", &p.client.to_string()),
            ("version", "1"),
        ],
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    site.post_form_as(
        &investigator,
        &decide,
        &[("action", "unmerge"), ("version", "1")],
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    site.post_form_as(
        &investigator,
        &decide,
        &[("action", "shred"), ("version", "1")],
    )
    .await
    .expect(StatusCode::UNPROCESSABLE_ENTITY);
    site.post_form_as(&investigator, &decide, &[("action", "confirm")])
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        site.app
            .duplicates(&p.investigator, tf, false)
            .await
            .expect("pairs")[0]
            .pair
            .version,
        1
    );

    // Before: both records in search, both counted (15 records, 15 people).
    let supervisor_email = site
        .member_for_role(NORTH_DAKOTA, Role::Supervisor)
        .await
        .email;
    let supervisor = Caller::Session(site.sign_in_as(&supervisor_email).await);
    let mut before = search(&site, &p.investigator, tf, "Hernandez").await;
    before.sort();
    assert_eq!(before.len(), 2, "{before:?}");
    let count_page = |body: &str| body.contains("<th scope=\"row\">People (unduplicated)</th><td>");
    let counted_before = site
        .get_as(&supervisor, &format!("/task-forces/{tf}/victim-count"))
        .await
        .expect(StatusCode::OK)
        .body;
    assert!(count_page(&counted_before));

    // Merge the second into the first.
    let audit = site.audit_head().await;
    site.post_form_as(
        &investigator,
        &decide,
        &[
            ("action", "merge"),
            ("survivor_person_id", &first.to_string()),
            ("version", "1"),
        ],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let during = search(&site, &p.investigator, tf, "Hernandez").await;
    assert_eq!(during.len(), 1, "{during:?}");
    assert!(during[0].1.contains(&first.to_string()));
    let person_page = site
        .get_as(&investigator, &format!("/persons/{second}"))
        .await
        .expect(StatusCode::OK);
    assert!(
        person_page.body.contains("Merged into"),
        "the merged record points to the one that stays"
    );
    let merged = site
        .app
        .duplicate(&p.investigator, tf, pair.id)
        .await
        .expect("the pair");
    assert_eq!(merged.pair.pair.merged_away(), Some(second));

    // Unmerge: everything as it was.
    site.post_form_as(
        &investigator,
        &decide,
        &[("action", "unmerge"), ("version", "2")],
    )
    .await
    .expect(StatusCode::SEE_OTHER);
    let mut after = search(&site, &p.investigator, tf, "Hernandez").await;
    after.sort();
    assert_eq!(after, before, "search is restored exactly");
    let back = site
        .app
        .duplicate(&p.investigator, tf, pair.id)
        .await
        .expect("the pair");
    assert_eq!(
        back.pair.pair.status,
        taskforce_domain::duplicates::MatchStatus::Open
    );
    assert_eq!(back.pair.pair.survivor_person_id, None);
    let counted_after = site
        .get_as(&supervisor, &format!("/task-forces/{tf}/victim-count"))
        .await
        .expect(StatusCode::OK)
        .body;
    let cells = |body: &str| {
        body.split("<tbody>")
            .nth(1)
            .and_then(|b| b.split("</tbody>").next())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        cells(&counted_after),
        cells(&counted_before),
        "counts are restored exactly"
    );
    let actions: Vec<String> = site
        .audit_after(audit)
        .await
        .into_iter()
        .map(|e| format!("{} {}", e.record.action, e.record.detail))
        .collect();
    assert!(
        actions
            .iter()
            .any(|a| a.starts_with("person_match.update merge:")),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|a| a.starts_with("person_match.update unmerge:")),
        "{actions:?}"
    );

    // Through the API: read with its ETag, confirm with If-Match; a stale version is refused.
    let token = site.token_for(&investigator_email, TokenScope::Write).await;
    let one = site
        .api_as(
            &token,
            Method::GET,
            &format!("/api/v1/task-forces/{tf}/duplicates/{}", pair.id),
            None,
            &[],
        )
        .await
        .expect(StatusCode::OK);
    let etag = one.header("etag").to_owned();
    assert!(one.json()["match"]["fields"]
        .as_array()
        .is_some_and(|f| !f.is_empty()));
    let path = format!("/api/v1/task-forces/{tf}/duplicates/{}/decision", pair.id);
    site.api_as(
        &token,
        Method::POST,
        &path,
        Some(r#"{"action": "confirm"}"#),
        &[("if-match", "\"1\"")],
    )
    .await
    .expect(StatusCode::PRECONDITION_FAILED);
    let confirmed = site
        .api_as(
            &token,
            Method::POST,
            &path,
            Some(r#"{"action": "confirm"}"#),
            &[("if-match", &etag)],
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(confirmed.json()["status"], "confirmed");
}
