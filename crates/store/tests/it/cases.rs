//! Cases on both backends: the visibility rule inside list and search queries agrees with the
//! access policy row by row, counts included; references, links and persons round-trip.

use crate::harness::*;
use crate::structure::{id, now, organization, task_force};
use taskforce_domain::access::*;
use taskforce_domain::cases::*;
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::cases::{self as db, CaseFilter, NewCase};
use taskforce_store::search::{self as index, SearchEntry, SearchFilter};
use taskforce_store::{structure as structure_db, Store};

async fn member(
    store: &Store,
    tf: TaskForceId,
    org: OrganizationId,
    n: u128,
    role: Role,
) -> MemberId {
    let member = MemberId(id(n));
    let input = MemberInput {
        name: format!("Member {n}"),
        email: format!("m{n}@agency.gov"),
        memberships: vec![Membership {
            organization_id: org,
            roles: vec![role],
        }],
        ..Default::default()
    }
    .validate(&[org])
    .expect("valid");
    let mut tx = store.begin().await.expect("begin");
    structure_db::insert_member(&mut tx, tf, member, &input, now())
        .await
        .expect("member");
    tx.commit().await.expect("commit");
    member
}

struct Seeded {
    case: Case,
}

async fn case(
    store: &Store,
    tf: TaskForceId,
    n: u128,
    kind: CaseKind,
    owner: OrganizationId,
    label: Label,
    word: &str,
) -> Seeded {
    let fields = CaseInput {
        kind: Some(kind),
        title: format!("Case {n} {word}"),
        label: Some(label.code().into()),
        ..Default::default()
    }
    .validate(&CaseContext {
        // Any kind of organization that holds this kind of case.
        owner_kind: match kind {
            CaseKind::Investigation => OrganizationKind::LocalLawEnforcement,
            CaseKind::ServiceCase => OrganizationKind::VictimServiceProvider,
            CaseKind::Prosecution => OrganizationKind::StateProsecutor,
        },
        counties: &[],
        typology: &[],
        owner_members: &[],
        current_status: None,
        today: now().date_naive(),
    })
    .expect("valid case");
    let id = CaseId(id(n));
    let mut tx = store.begin().await.expect("begin");
    let reference = db::next_reference(&mut tx, tf, kind.prefix())
        .await
        .expect("reference");
    db::insert_case(
        &mut tx,
        tf,
        &NewCase {
            id,
            reference: &reference,
            owner,
            fields: &fields,
            summary_enc: "",
            created_by: None,
        },
        now(),
    )
    .await
    .expect("insert case");
    let row = db::case(tx.conn(), tf, id)
        .await
        .expect("read")
        .expect("found");
    // The store indexes whatever terms it is given: plain words stand in for the app's tokens.
    index::put(
        &mut tx,
        &SearchEntry {
            doc_id: id.to_string(),
            task_force_id: tf,
            doc_kind: "case",
            resource_kind: kind.resource_kind(),
            case_id: Some(id),
            owner_organization_id: owner,
            label,
            status: "open".into(),
            trafficking_type: "unknown".into(),
            occurred_on: now().date_naive(),
            text: String::new(),
            category: (kind == CaseKind::ServiceCase)
                .then_some(taskforce_domain::access::DataCategory::Services),
            person_id: None,
        },
        &format!("common {word}"),
    )
    .await
    .expect("index");
    tx.commit().await.expect("commit");
    Seeded { case: row.case }
}

fn principal(
    tf: TaskForceId,
    member: MemberId,
    org: OrganizationId,
    kind: OrganizationKind,
    role: Role,
) -> Principal {
    Principal {
        member_id: member,
        name: "x".into(),
        email: "x@agency.gov".into(),
        task_force_id: tf,
        organization_id: org,
        organization_name: "x".into(),
        organization_kind: kind,
        roles: vec![role],
        strong: true,
        source: "test".into(),
    }
}

#[tokio::test]
async fn lists_and_search_show_exactly_what_the_policy_allows() {
    each_backend(|db| async move {
        let store = db.store().await;
        let tf = task_force(&store, 1, "NY", &["36121"]).await;
        let other_tf = task_force(&store, 2, "NY", &["36029"]).await;
        use OrganizationKind as O;
        let police = organization(&store, tf, 10, "County Sheriff", O::LocalLawEnforcement).await;
        let feds = organization(&store, tf, 11, "HSI Buffalo", O::FederalLawEnforcement).await;
        let shelter = organization(&store, tf, 12, "Safe Harbor", O::VictimServiceProvider).await;
        let da = organization(&store, tf, 13, "District Attorney", O::StateProsecutor).await;
        let church = organization(&store, tf, 14, "Faith Partners", O::CommunityPartner).await;
        let elsewhere =
            organization(&store, other_tf, 15, "Elsewhere PD", O::LocalLawEnforcement).await;
        let detective = member(&store, tf, police, 20, Role::Investigator).await;
        let agent = member(&store, tf, feds, 21, Role::Investigator).await;
        let advocate = member(&store, tf, shelter, 22, Role::Advocate).await;
        let prosecutor = member(&store, tf, da, 23, Role::Prosecutor).await;
        let partner = member(&store, tf, church, 24, Role::CommunityPartner).await;
        let outsider = member(&store, other_tf, elsewhere, 25, Role::Investigator).await;

        let mut cases = vec![
            case(
                &store,
                tf,
                100,
                CaseKind::Investigation,
                police,
                Label::LawEnforcementSensitive,
                "dairy",
            )
            .await,
            case(
                &store,
                tf,
                101,
                CaseKind::Investigation,
                feds,
                Label::LawEnforcementSensitive,
                "orchard",
            )
            .await,
            case(
                &store,
                tf,
                102,
                CaseKind::ServiceCase,
                shelter,
                Label::VictimConfidential,
                "shelter",
            )
            .await,
            case(
                &store,
                tf,
                103,
                CaseKind::Prosecution,
                da,
                Label::Organization,
                "indictment",
            )
            .await,
            case(
                &store,
                tf,
                104,
                CaseKind::Investigation,
                police,
                Label::Restricted,
                "informant",
            )
            .await,
            case(
                &store,
                tf,
                105,
                CaseKind::Investigation,
                feds,
                Label::Organization,
                "motel",
            )
            .await,
            case(
                &store,
                other_tf,
                106,
                CaseKind::Investigation,
                elsewhere,
                Label::Organization,
                "elsewhere",
            )
            .await,
        ];
        assert_eq!(cases[0].case.reference, "INV-0001");
        assert_eq!(cases[1].case.reference, "INV-0002");
        assert_eq!(
            cases[6].case.reference, "INV-0001",
            "counters are per task force"
        );
        // Team grants: the DA on the sheriff's investigation; the detective named on the
        // restricted one; the agent's grant on the feds' motel case expired yesterday
        // for the sheriff.
        let mut tx = store.begin().await.expect("begin");
        for (case, org, member, until) in [
            (&cases[0], Some(da), None, None),
            (&cases[4], None, Some(detective), None),
            (
                &cases[5],
                Some(police),
                None,
                Some(now().date_naive().pred_opt().unwrap()),
            ),
            (&cases[0], Some(shelter), None, None),
        ] {
            db::insert_grant(
                &mut tx,
                tf,
                case.case.id,
                &TeamGrant {
                    id: GrantId(uuid::Uuid::now_v7()),
                    organization_id: org,
                    member_id: member,
                    until,
                    granted_by: detective,
                    granted_at: now(),
                },
            )
            .await
            .expect("grant");
        }
        tx.commit().await.expect("commit");
        // The policy's view of each case, with its grants as the app builds them.
        let mut grants_of = Vec::new();
        let mut conn = store.conn().await.expect("conn");
        for c in &cases {
            let team = db::team(&mut conn, c.case.task_force_id, c.case.id)
                .await
                .expect("team");
            grants_of.push(
                team.iter()
                    .map(|g| Grant {
                        to: match (g.organization_id, g.member_id) {
                            (Some(o), _) => Grantee::Organization(o),
                            (None, Some(m)) => Grantee::Member(m),
                            _ => unreachable!(),
                        },
                        until: g.until.map(grant_end),
                    })
                    .collect::<Vec<_>>(),
            );
        }
        cases.sort_by_key(|c| c.case.id);
        let people = [
            principal(
                tf,
                detective,
                police,
                O::LocalLawEnforcement,
                Role::Investigator,
            ),
            principal(
                tf,
                agent,
                feds,
                O::FederalLawEnforcement,
                Role::Investigator,
            ),
            principal(
                tf,
                advocate,
                shelter,
                O::VictimServiceProvider,
                Role::Advocate,
            ),
            principal(tf, prosecutor, da, O::StateProsecutor, Role::Prosecutor),
            principal(
                tf,
                partner,
                church,
                O::CommunityPartner,
                Role::CommunityPartner,
            ),
            principal(
                other_tf,
                outsider,
                elsewhere,
                O::LocalLawEnforcement,
                Role::Investigator,
            ),
        ];
        for p in &people {
            let expected: Vec<CaseId> = cases
                .iter()
                .zip(&grants_of)
                .filter(|(c, grants)| {
                    let resource = Resource {
                        kind: c.case.kind.resource_kind(),
                        task_force_id: Some(c.case.task_force_id),
                        owner: Some(c.case.owner_organization_id),
                        owner_member: None,
                        label: c.case.label,
                        category: None,
                        grants,
                        consents: &[],
                        subjects: &[],
                    };
                    decide(p, Action::List, &resource, now()).allowed
                })
                .map(|(c, _)| c.case.id)
                .collect();
            let Some(v) = Visibility::of(
                p,
                Action::List,
                &[
                    ResourceKind::Investigation,
                    ResourceKind::ServiceCase,
                    ResourceKind::Prosecution,
                ],
                now(),
            ) else {
                assert!(
                    expected.is_empty(),
                    "{}: no visibility but the policy allows {expected:?}",
                    p.name
                );
                continue;
            };
            let (listed, total) = db::list_cases(&mut conn, &v, &CaseFilter::default(), 100, 0)
                .await
                .expect("list");
            let mut listed: Vec<CaseId> = listed.into_iter().map(|c| c.id).collect();
            listed.sort();
            assert_eq!(
                listed, expected,
                "{:?} of {:?}: list",
                p.roles, p.organization_kind
            );
            assert_eq!(total, expected.len() as i64, "count obeys visibility");
            // Every case shares the word "common": search finds exactly the visible ones.
            let (hits, total) = index::search(
                &mut conn,
                &v,
                &["common".into()],
                &SearchFilter::default(),
                100,
            )
            .await
            .expect("search");
            let mut found: Vec<CaseId> = hits.into_iter().filter_map(|h| h.case_id).collect();
            found.sort();
            assert_eq!(found, expected, "{:?}: search", p.roles);
            assert_eq!(
                total,
                expected.len() as i64,
                "search count obeys visibility"
            );
        }
        // Concretely: the advocate never finds the investigations' words, even as a count.
        let adv = Visibility::of(
            &people[2],
            Action::Read,
            &[
                ResourceKind::Investigation,
                ResourceKind::ServiceCase,
                ResourceKind::Prosecution,
            ],
            now(),
        )
        .expect("advocate reads");
        let (_, n) = index::search(
            &mut conn,
            &adv,
            &["dairy".into()],
            &SearchFilter::default(),
            10,
        )
        .await
        .expect("search");
        assert_eq!(
            n, 0,
            "law-enforcement sensitive stays hidden from the provider despite the team grant"
        );
        let det = Visibility::of(
            &people[0],
            Action::Read,
            &[
                ResourceKind::Investigation,
                ResourceKind::ServiceCase,
                ResourceKind::Prosecution,
            ],
            now(),
        )
        .expect("detective reads");
        let (_, n) = index::search(
            &mut conn,
            &det,
            &["shelter".into()],
            &SearchFilter::default(),
            10,
        )
        .await
        .expect("search");
        assert_eq!(n, 0, "victim-confidential stays with the provider");
        let (_, n) = index::search(
            &mut conn,
            &det,
            &["informant".into()],
            &SearchFilter::default(),
            10,
        )
        .await
        .expect("search");
        assert_eq!(n, 1, "the named detective finds the restricted case");
        drop(conn);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn links_persons_and_filters_round_trip() {
    each_backend(|db| async move {
        let store = db.store().await;
        let tf = task_force(&store, 1, "NY", &["36121"]).await;
        let police = organization(
            &store,
            tf,
            10,
            "County Sheriff",
            OrganizationKind::LocalLawEnforcement,
        )
        .await;
        let detective = member(&store, tf, police, 20, Role::Investigator).await;
        let a = case(
            &store,
            tf,
            100,
            CaseKind::Investigation,
            police,
            Label::LawEnforcementSensitive,
            "a",
        )
        .await;
        let b = case(
            &store,
            tf,
            101,
            CaseKind::Investigation,
            police,
            Label::LawEnforcementSensitive,
            "b",
        )
        .await;
        let mut tx = store.begin().await.expect("begin");
        db::insert_link(&mut tx, tf, b.case.id, a.case.id, detective, now())
            .await
            .expect("link");
        let person = PersonInput {
            given_name: "Rosa".into(),
            family_name: "Example".into(),
            date_of_birth: "1990-04".into(),
            means_of_control: vec!["debt_bondage".into()],
            ..Default::default()
        }
        .validate(now().date_naive())
        .expect("valid");
        let pid = PersonId(id(300));
        db::insert_person(&mut tx, tf, pid, &a.case, &person, now())
            .await
            .expect("person");
        db::add_case_person(&mut tx, tf, a.case.id, pid, PersonRole::Victim, now())
            .await
            .expect("part");
        tx.commit().await.expect("commit");
        // A second link of the same pair, either way round, is refused.
        let mut tx = store.begin().await.expect("begin");
        assert!(
            db::insert_link(&mut tx, tf, a.case.id, b.case.id, detective, now())
                .await
                .is_err()
        );
        drop(tx);
        let mut conn = store.conn().await.expect("conn");
        let links = db::linked_cases(&mut conn, tf, a.case.id)
            .await
            .expect("links");
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].1.case.id, b.case.id);
        let links = db::linked_cases(&mut conn, tf, b.case.id)
            .await
            .expect("links");
        assert_eq!(links[0].1.case.id, a.case.id);
        let people = db::case_persons(&mut conn, tf, a.case.id)
            .await
            .expect("persons");
        assert_eq!(people.len(), 1);
        let p = &people[0].1.person;
        assert_eq!(
            p.date_of_birth.map(|d| d.to_string()).as_deref(),
            Some("1990-04")
        );
        assert_eq!(p.means_of_control, vec!["debt_bondage".to_owned()]);
        assert_eq!(
            p.label,
            Label::LawEnforcementSensitive,
            "a person takes the label of their case"
        );
        let v = Visibility::of(
            &principal(
                tf,
                detective,
                police,
                OrganizationKind::LocalLawEnforcement,
                Role::Investigator,
            ),
            Action::List,
            &[ResourceKind::Investigation],
            now(),
        )
        .expect("visibility");
        let (found, total) = db::list_cases(
            &mut conn,
            &v,
            &CaseFilter {
                text: Some("case 101".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .expect("list");
        assert_eq!((found.len(), total), (1, 1));
        assert_eq!(found[0].id, b.case.id);
        drop(conn);
        store.close().await;
    })
    .await;
}

/// A consent as the holder records it, for the SQL form of the rule to read.
#[allow(clippy::too_many_arguments)]
async fn consent(
    store: &Store,
    tf: TaskForceId,
    n: u128,
    person: PersonId,
    holder: OrganizationId,
    recorded_by: MemberId,
    recipients: &[OrganizationId],
    roles: &[Role],
    categories: &[DataCategory],
    days: (i64, i64),
    revoked: bool,
) {
    use taskforce_domain::consent::{Consent, ConsentMethod};
    let day = chrono::Duration::days(1);
    let c = Consent {
        id: ConsentId(id(n)),
        task_force_id: tf,
        person_id: person,
        holder_organization_id: holder,
        recipients: recipients.to_vec(),
        roles: roles.to_vec(),
        categories: categories.to_vec(),
        purpose: "test".into(),
        method: ConsentMethod::Written,
        legal_basis: String::new(),
        recorded_by,
        recorded_by_name: String::new(),
        valid_from: now() + day * days.0 as i32,
        valid_until: now() + day * days.1 as i32,
        revoked_at: None,
        revoked_by: None,
        revocation_reason: String::new(),
        created_at: now(),
        version: 1,
    };
    let mut tx = store.begin().await.expect("begin");
    taskforce_store::consent::insert(&mut tx, &c)
        .await
        .expect("consent");
    if revoked {
        taskforce_store::consent::revoke(
            &mut tx,
            tf,
            c.id,
            1,
            now() - chrono::Duration::hours(1),
            recorded_by,
            "asked to stop",
        )
        .await
        .expect("revoke");
    }
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn consents_open_victim_confidential_rows_in_sql_exactly_as_the_policy_does() {
    each_backend(|db| async move {
        let store = db.store().await;
        let tf = task_force(&store, 1, "NY", &["36121"]).await;
        use OrganizationKind as O;
        let police = organization(&store, tf, 10, "County Sheriff", O::LocalLawEnforcement).await;
        let shelter = organization(&store, tf, 12, "Safe Harbor", O::VictimServiceProvider).await;
        let other_shelter =
            organization(&store, tf, 16, "Another Shelter", O::VictimServiceProvider).await;
        let da = organization(&store, tf, 13, "District Attorney", O::StateProsecutor).await;
        let detective = member(&store, tf, police, 20, Role::Investigator).await;
        let advocate = member(&store, tf, shelter, 22, Role::Advocate).await;
        let other_advocate = member(&store, tf, other_shelter, 26, Role::Advocate).await;
        let prosecutor = member(&store, tf, da, 23, Role::Prosecutor).await;
        use DataCategory as D;
        // Each service case and the consents of the persons on it, as (persons, consents):
        // a consent is (recipients, roles, categories, (from, until) in days, revoked, holder).
        type Spec = (
            &'static [OrganizationId],
            &'static [Role],
            &'static [DataCategory],
            (i64, i64),
            bool,
            bool,
        );
        let live: (i64, i64) = (-1, 10);
        let specs: Vec<(usize, Vec<(usize, Spec)>)> = vec![
            // One person, live consent for services to the sheriff.
            (
                1,
                vec![(
                    0,
                    (&[], &[], &[D::Services, D::Identity], live, false, true),
                )],
            ),
            // Expired yesterday.
            (
                1,
                vec![(
                    0,
                    (
                        &[],
                        &[],
                        &[D::Services, D::Identity],
                        (-10, -1),
                        false,
                        true,
                    ),
                )],
            ),
            // Not yet in force.
            (
                1,
                vec![(
                    0,
                    (&[], &[], &[D::Services, D::Identity], (1, 10), false, true),
                )],
            ),
            // Revoked an hour ago.
            (
                1,
                vec![(0, (&[], &[], &[D::Services, D::Identity], live, true, true))],
            ),
            // Two persons, one consented.
            (
                2,
                vec![(
                    0,
                    (&[], &[], &[D::Services, D::Identity], live, false, true),
                )],
            ),
            // Two persons, both consented.
            (
                2,
                vec![
                    (0, (&[], &[], &[D::Services], live, false, true)),
                    (1, (&[], &[], &[D::Services], live, false, true)),
                ],
            ),
            // Narrowed to prosecutors.
            (
                1,
                vec![(
                    0,
                    (
                        &[],
                        &[Role::Prosecutor],
                        &[D::Services, D::Identity],
                        live,
                        false,
                        true,
                    ),
                )],
            ),
            // Another category only.
            (1, vec![(0, (&[], &[], &[D::Narrative], live, false, true))]),
            // Recorded by an organization that does not hold the record.
            (
                1,
                vec![(
                    0,
                    (&[], &[], &[D::Services, D::Identity], live, false, false),
                )],
            ),
            // No persons at all.
            (0, vec![]),
        ];
        let mut n = 300u128;
        let mut rows = Vec::new();
        for (i, (persons, consents)) in specs.iter().enumerate() {
            let seeded = case(
                &store,
                tf,
                200 + i as u128,
                CaseKind::ServiceCase,
                shelter,
                Label::VictimConfidential,
                "consented",
            )
            .await;
            let mut ids = Vec::new();
            for _ in 0..*persons {
                n += 1;
                let pid = PersonId(id(n));
                let fields = PersonInput {
                    given_name: format!("Person {n}"),
                    ..Default::default()
                }
                .validate(now().date_naive())
                .expect("valid person");
                let mut tx = store.begin().await.expect("begin");
                db::insert_person(&mut tx, tf, pid, &seeded.case, &fields, now())
                    .await
                    .expect("person");
                db::add_case_person(&mut tx, tf, seeded.case.id, pid, PersonRole::Victim, now())
                    .await
                    .expect("on case");
                index::put(
                    &mut tx,
                    &SearchEntry {
                        doc_id: pid.to_string(),
                        task_force_id: tf,
                        doc_kind: "person",
                        resource_kind: ResourceKind::Person,
                        case_id: Some(seeded.case.id),
                        owner_organization_id: shelter,
                        label: Label::VictimConfidential,
                        status: String::new(),
                        trafficking_type: String::new(),
                        occurred_on: now().date_naive(),
                        text: String::new(),
                        category: Some(D::Identity),
                        person_id: Some(pid),
                    },
                    "consented",
                )
                .await
                .expect("index person");
                tx.commit().await.expect("commit");
                ids.push(pid);
            }
            for (who, (_, roles, categories, days, revoked, by_holder)) in consents {
                n += 1;
                let (holder, recorder) = if *by_holder {
                    (shelter, advocate)
                } else {
                    (other_shelter, other_advocate)
                };
                consent(
                    &store,
                    tf,
                    n,
                    ids[*who],
                    holder,
                    recorder,
                    &[police, da],
                    roles,
                    categories,
                    *days,
                    *revoked,
                )
                .await;
            }
            rows.push((seeded.case, ids));
        }
        let readers = [
            principal(
                tf,
                detective,
                police,
                O::LocalLawEnforcement,
                Role::Investigator,
            ),
            principal(tf, prosecutor, da, O::StateProsecutor, Role::Prosecutor),
            principal(
                tf,
                advocate,
                shelter,
                O::VictimServiceProvider,
                Role::Advocate,
            ),
            principal(
                tf,
                other_advocate,
                other_shelter,
                O::VictimServiceProvider,
                Role::Advocate,
            ),
        ];
        let mut conn = store.conn().await.expect("conn");
        for p in &readers {
            // What the policy allows, with the consents the app loads for each record.
            let mut expected_cases = Vec::new();
            let mut expected_persons = Vec::new();
            for (case, persons) in &rows {
                let scopes = taskforce_store::consent::scopes(&mut conn, tf, shelter, persons)
                    .await
                    .expect("scopes");
                let resource = Resource {
                    kind: ResourceKind::ServiceCase,
                    task_force_id: Some(tf),
                    owner: Some(shelter),
                    owner_member: None,
                    label: case.label,
                    category: Some(D::Services),
                    grants: &[],
                    consents: &scopes,
                    subjects: persons,
                };
                if decide(p, Action::List, &resource, now()).allowed {
                    expected_cases.push(case.id);
                }
                for person in persons {
                    let own = taskforce_store::consent::scopes(&mut conn, tf, shelter, &[*person])
                        .await
                        .expect("scopes");
                    let resource = Resource {
                        kind: ResourceKind::Person,
                        category: Some(D::Identity),
                        consents: &own,
                        subjects: &[],
                        ..resource.clone()
                    };
                    if decide(p, Action::Read, &resource, now()).allowed {
                        expected_persons.push(person.to_string());
                    }
                }
            }
            expected_cases.sort();
            expected_persons.sort();
            let v = Visibility::of(
                p,
                Action::List,
                &[ResourceKind::ServiceCase, ResourceKind::Person],
                now(),
            )
            .expect("visibility");
            let (listed, total) = db::list_cases(&mut conn, &v, &CaseFilter::default(), 100, 0)
                .await
                .expect("list");
            let mut listed: Vec<CaseId> = listed.into_iter().map(|c| c.id).collect();
            listed.sort();
            assert_eq!(listed, expected_cases, "{:?}: list", p.roles);
            assert_eq!(total, expected_cases.len() as i64);
            let (hits, _) = index::search(
                &mut conn,
                &v,
                &["consented".into()],
                &SearchFilter::default(),
                500,
            )
            .await
            .expect("search");
            let mut found_cases: Vec<CaseId> = hits
                .iter()
                .filter(|h| h.doc_kind == "case")
                .filter_map(|h| h.case_id)
                .collect();
            found_cases.sort();
            let mut found_persons: Vec<String> = hits
                .iter()
                .filter(|h| h.doc_kind == "person")
                .map(|h| h.doc_id.clone())
                .collect();
            found_persons.sort();
            assert_eq!(found_cases, expected_cases, "{:?}: search cases", p.roles);
            assert_eq!(
                found_persons, expected_persons,
                "{:?}: search persons",
                p.roles
            );
        }
        // Concretely, for the sheriff's detective: the live one, and both-consented.
        let detective_sees: Vec<usize> = {
            let v = Visibility::of(
                &readers[0],
                Action::List,
                &[ResourceKind::ServiceCase],
                now(),
            )
            .expect("visibility");
            let (listed, _) = db::list_cases(&mut conn, &v, &CaseFilter::default(), 100, 0)
                .await
                .expect("list");
            let mut out: Vec<usize> = listed
                .iter()
                .filter_map(|c| rows.iter().position(|(r, _)| r.id == c.id))
                .collect();
            out.sort();
            out
        };
        assert_eq!(detective_sees, vec![0, 5]);
        drop(conn);
        store.close().await;
    })
    .await;
}
