use super::*;
use chrono::TimeZone;
use std::collections::BTreeSet;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
        .single()
        .expect("time")
}

const TF: TaskForceId = TaskForceId(Uuid::from_u128(1));
const OTHER_TF: TaskForceId = TaskForceId(Uuid::from_u128(2));
const ORG: OrganizationId = OrganizationId(Uuid::from_u128(10));
const OTHER_ORG: OrganizationId = OrganizationId(Uuid::from_u128(11));

fn principal(roles: &[Role], kind: OrganizationKind) -> Principal {
    Principal {
        member_id: MemberId(Uuid::from_u128(100)),
        name: "Test".into(),
        email: "t@x.gov".into(),
        task_force_id: TF,
        organization_id: ORG,
        organization_name: "Agency".into(),
        organization_kind: kind,
        roles: roles.to_vec(),
        strong: true,
        source: String::new(),
    }
}

/// The expected table, read from access/expected.txt.
fn expected() -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    for line in include_str!("expected.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(kind), Some(action)) = (words.next(), words.next()) else {
            panic!("bad line {line:?}")
        };
        assert!(
            ResourceKind::ALL.iter().any(|k| k.code() == kind),
            "unknown kind {kind}"
        );
        assert!(
            Action::ALL.iter().any(|a| a.code() == action),
            "unknown action {action}"
        );
        for role in words {
            assert!(
                Role::ALL.iter().any(|r| r.code() == role),
                "unknown role {role}"
            );
            out.insert((kind.to_owned(), action.to_owned(), role.to_owned()));
        }
    }
    out
}

#[test]
fn every_role_kind_and_action_matches_the_default_table() {
    let expected = expected();
    let mut mismatches = Vec::new();
    let mut allowed = 0;
    for role in Role::ALL {
        for kind in ResourceKind::ALL {
            for action in Action::ALL {
                let p = principal(&[*role], OrganizationKind::LocalLawEnforcement);
                let resource = Resource::in_task_force(*kind, TF);
                let got = decide(&p, *action, &resource, now()).allowed;
                let want = expected.contains(&(
                    kind.code().to_owned(),
                    action.code().to_owned(),
                    role.code().to_owned(),
                ));
                allowed += usize::from(got);
                if got != want {
                    mismatches.push(format!(
                        "{} {} {}: policy says {got}, table says {want}",
                        role.code(),
                        kind.code(),
                        action.code()
                    ));
                }
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // The table is not all-deny or all-allow.
    assert_eq!(allowed, expected.len());
    assert!(
        allowed > 50 && allowed < Role::ALL.len() * ResourceKind::ALL.len() * Action::ALL.len() / 2
    );
}

#[test]
fn another_task_force_is_closed_except_to_the_network_directory() {
    for role in Role::ALL {
        for kind in ResourceKind::ALL {
            for action in Action::ALL {
                let p = principal(&[*role], OrganizationKind::LocalLawEnforcement);
                let resource = Resource::in_task_force(*kind, OTHER_TF);
                let decision = decide(&p, *action, &resource, now());
                let network = *role == Role::NetworkStaff
                    && matches!(
                        kind,
                        ResourceKind::TaskForce
                            | ResourceKind::Organization
                            | ResourceKind::FundingAward
                    )
                    && decide(&p, *action, &Resource::in_task_force(*kind, TF), now()).allowed;
                assert_eq!(
                    decision.allowed, network,
                    "{role:?} {kind:?} {action:?}: {}",
                    decision.reason
                );
            }
        }
    }
}

#[test]
fn nothing_without_the_second_factor() {
    let mut p = principal(Role::ALL, OrganizationKind::LocalLawEnforcement);
    p.strong = false;
    for kind in ResourceKind::ALL {
        for action in Action::ALL {
            let d = decide(&p, *action, &Resource::in_task_force(*kind, TF), now());
            assert!(!d.allowed);
            assert!(d.reason.contains("second factor"));
        }
    }
}

fn labelled(label: Label, owner: OrganizationId) -> Resource<'static> {
    Resource {
        label,
        owner: Some(owner),
        ..Resource::in_task_force(ResourceKind::Organization, TF)
    }
}

#[test]
fn organization_label_needs_ownership_or_a_live_grant() {
    let p = principal(&[Role::Investigator], OrganizationKind::LocalLawEnforcement);
    assert!(decide(&p, Action::Read, &labelled(Label::Organization, ORG), now()).allowed);
    assert!(
        !decide(
            &p,
            Action::Read,
            &labelled(Label::Organization, OTHER_ORG),
            now()
        )
        .allowed
    );
    let live = [Grant {
        to: Grantee::Organization(ORG),
        until: Some(now() + chrono::Duration::days(1)),
    }];
    let ended = [Grant {
        to: Grantee::Organization(ORG),
        until: Some(now()),
    }];
    let with = |grants| Resource {
        grants,
        ..labelled(Label::Organization, OTHER_ORG)
    };
    assert!(decide(&p, Action::Read, &with(&live), now()).allowed);
    assert!(
        !decide(&p, Action::Read, &with(&ended), now()).allowed,
        "a grant ends at its end date"
    );
}

#[test]
fn law_enforcement_sensitive_never_reaches_victim_services_or_community_partners() {
    let grants = [Grant {
        to: Grantee::Organization(ORG),
        until: None,
    }];
    let record = Resource {
        grants: &grants,
        ..labelled(Label::LawEnforcementSensitive, OTHER_ORG)
    };
    let investigator = principal(&[Role::Investigator], OrganizationKind::StateLawEnforcement);
    assert!(
        decide(&investigator, Action::Read, &record, now()).allowed,
        "granted agency"
    );
    for kind in [
        OrganizationKind::VictimServiceProvider,
        OrganizationKind::CommunityPartner,
    ] {
        let p = principal(&[Role::Advocate, Role::Supervisor], kind);
        let d = decide(&p, Action::Read, &record, now());
        assert!(!d.allowed, "{kind:?} even with a grant");
        assert!(d.reason.starts_with("Law-enforcement sensitive"));
    }
    let ungranted = principal(
        &[Role::Investigator],
        OrganizationKind::FederalLawEnforcement,
    );
    let other = Resource {
        grants: &[],
        ..labelled(Label::LawEnforcementSensitive, OTHER_ORG)
    };
    assert!(!decide(&ungranted, Action::Read, &other, now()).allowed);
}

#[test]
fn victim_confidential_opens_only_under_a_live_covering_consent() {
    let consent = |recipients: Vec<OrganizationId>,
                   categories: Vec<DataCategory>,
                   until: Option<i64>,
                   revoked: Option<i64>| ConsentScope {
        person: PersonId(uuid::Uuid::from_u128(77)),
        recipients,
        roles: vec![],
        categories,
        valid_from: now() - chrono::Duration::days(30),
        valid_until: until.map(|d| now() + chrono::Duration::days(d)),
        revoked_at: revoked.map(|d| now() + chrono::Duration::days(d)),
    };
    let investigator = principal(
        &[Role::Investigator, Role::Supervisor],
        OrganizationKind::FederalLawEnforcement,
    );
    let check = |consents: &[ConsentScope], category| {
        let record = Resource {
            consents,
            category: Some(category),
            ..labelled(Label::VictimConfidential, OTHER_ORG)
        };
        decide(&investigator, Action::Read, &record, now())
    };
    let denied = check(&[], DataCategory::Narrative);
    assert!(!denied.allowed);
    assert_eq!(
        denied.reason,
        "Held by a victim service provider; shared only with the survivor's consent."
    );
    assert!(
        check(
            &[consent(
                vec![ORG],
                vec![DataCategory::Narrative],
                Some(10),
                None
            )],
            DataCategory::Narrative
        )
        .allowed
    );
    assert!(
        !check(
            &[consent(
                vec![ORG],
                vec![DataCategory::Identity],
                Some(10),
                None
            )],
            DataCategory::Narrative
        )
        .allowed,
        "other category"
    );
    assert!(
        !check(
            &[consent(
                vec![OTHER_ORG],
                vec![DataCategory::Narrative],
                None,
                None
            )],
            DataCategory::Narrative
        )
        .allowed,
        "other recipient"
    );
    assert!(
        !check(
            &[consent(
                vec![ORG],
                vec![DataCategory::Narrative],
                Some(0),
                None
            )],
            DataCategory::Narrative
        )
        .allowed,
        "expired now"
    );
    assert!(
        !check(
            &[consent(
                vec![ORG],
                vec![DataCategory::Narrative],
                None,
                Some(-1)
            )],
            DataCategory::Narrative
        )
        .allowed,
        "revoked"
    );
    // A team grant or any role is no substitute for consent.
    let grants = [Grant {
        to: Grantee::Organization(ORG),
        until: None,
    }];
    let admin = principal(Role::ALL, OrganizationKind::LocalLawEnforcement);
    let record = Resource {
        grants: &grants,
        category: Some(DataCategory::Narrative),
        ..labelled(Label::VictimConfidential, OTHER_ORG)
    };
    assert!(!decide(&admin, Action::Read, &record, now()).allowed);
    // The holding provider reads its own records.
    let advocate = principal(&[Role::Advocate], OrganizationKind::VictimServiceProvider);
    assert!(
        decide(
            &advocate,
            Action::Read,
            &labelled(Label::VictimConfidential, ORG),
            now()
        )
        .allowed
    );
}

#[test]
fn restricted_records_open_to_named_members_only() {
    let p = principal(
        &[Role::Investigator, Role::Supervisor],
        OrganizationKind::LocalLawEnforcement,
    );
    assert!(
        !decide(&p, Action::Read, &labelled(Label::Restricted, ORG), now()).allowed,
        "own org is not enough"
    );
    let named = [Grant {
        to: Grantee::Member(p.member_id),
        until: None,
    }];
    let record = Resource {
        grants: &named,
        ..labelled(Label::Restricted, ORG)
    };
    assert!(decide(&p, Action::Read, &record, now()).allowed);
}

#[test]
fn tokens_are_their_owners_own() {
    let p = principal(&[Role::Investigator], OrganizationKind::LocalLawEnforcement);
    let mine = Resource {
        owner_member: Some(p.member_id),
        ..Resource::in_task_force(ResourceKind::ApiToken, TF)
    };
    let theirs = Resource {
        owner_member: Some(MemberId(Uuid::from_u128(999))),
        ..mine.clone()
    };
    assert!(decide(&p, Action::Delete, &mine, now()).allowed);
    assert!(!decide(&p, Action::Delete, &theirs, now()).allowed);
}

#[test]
fn tips_are_held_by_the_organization_they_are_routed_to() {
    let partner_member = MemberId(Uuid::from_u128(100));
    let tip = |owner_member| Resource {
        owner: Some(OTHER_ORG),
        owner_member,
        label: Label::Organization,
        ..Resource::in_task_force(ResourceKind::Tip, TF)
    };
    // An investigator of another agency may not read a tip routed elsewhere…
    let investigator = principal(&[Role::Investigator], OrganizationKind::LocalLawEnforcement);
    assert!(!decide(&investigator, Action::Read, &tip(None), now()).allowed);
    // …the routed-to agency's investigator may.
    let routed = Principal {
        organization_id: OTHER_ORG,
        ..investigator.clone()
    };
    assert!(decide(&routed, Action::Read, &tip(None), now()).allowed);
    assert!(decide(&routed, Action::Update, &tip(None), now()).allowed);
    // A community partner sees the tips they submitted, never another partner's.
    let partner = principal(
        &[Role::CommunityPartner],
        OrganizationKind::CommunityPartner,
    );
    assert!(decide(&partner, Action::Read, &tip(Some(partner_member)), now()).allowed);
    let other = MemberId(Uuid::from_u128(101));
    assert!(!decide(&partner, Action::Read, &tip(Some(other)), now()).allowed);
    assert!(!decide(&partner, Action::Update, &tip(Some(partner_member)), now()).allowed);
    // The coordinator sees no tip content.
    let coordinator = principal(&[Role::Coordinator], OrganizationKind::LocalLawEnforcement);
    assert!(!decide(&coordinator, Action::Read, &tip(None), now()).allowed);
    assert!(
        !decide(
            &coordinator,
            Action::List,
            &Resource::in_task_force(ResourceKind::Tip, TF),
            now()
        )
        .allowed
    );
}

#[test]
fn a_victim_service_providers_screening_is_confidential() {
    let screening = Resource {
        owner: Some(OTHER_ORG),
        label: Label::VictimConfidential,
        category: Some(DataCategory::Identity),
        ..Resource::in_task_force(ResourceKind::Screening, TF)
    };
    let investigator = principal(&[Role::Investigator], OrganizationKind::LocalLawEnforcement);
    assert!(!decide(&investigator, Action::Read, &screening, now()).allowed);
    let advocate = Principal {
        organization_id: OTHER_ORG,
        ..principal(&[Role::Advocate], OrganizationKind::VictimServiceProvider)
    };
    assert!(decide(&advocate, Action::Read, &screening, now()).allowed);
}

#[test]
fn a_consent_narrowed_to_roles_and_a_record_about_several_people_need_each_consent() {
    let (ana, ben) = (PersonId(Uuid::from_u128(1)), PersonId(Uuid::from_u128(2)));
    let scope = |person, roles: Vec<Role>| ConsentScope {
        person,
        recipients: vec![ORG],
        roles,
        categories: vec![DataCategory::Services],
        valid_from: now() - chrono::Duration::days(1),
        valid_until: Some(now() + chrono::Duration::days(1)),
        revoked_at: None,
    };
    let prosecutor = principal(&[Role::Prosecutor], OrganizationKind::StateProsecutor);
    let read = |consents: &[ConsentScope], subjects: &[PersonId]| {
        let record = Resource {
            consents,
            subjects,
            category: Some(DataCategory::Services),
            ..labelled(Label::VictimConfidential, OTHER_ORG)
        };
        decide(&prosecutor, Action::Read, &record, now()).allowed
    };
    assert!(read(&[scope(ana, vec![Role::Prosecutor])], &[ana]));
    assert!(
        !read(&[scope(ana, vec![Role::Investigator])], &[ana]),
        "narrowed to another role"
    );
    assert!(
        !read(&[scope(ana, vec![])], &[ana, ben]),
        "one of two people consented"
    );
    assert!(read(&[scope(ana, vec![]), scope(ben, vec![])], &[ana, ben]));
    assert!(
        !read(&[scope(ben, vec![])], &[ana]),
        "another person's consent"
    );
}
