use super::*;
use uuid::Uuid;

fn org(n: u128) -> OrganizationId {
    OrganizationId(Uuid::from_u128(n))
}

fn task_force() -> TaskForce {
    TaskForce {
        id: TaskForceId(Uuid::from_u128(1)),
        name: "Test".into(),
        state: "ND".into(),
        counties: vec!["38015".into(), "38017".into(), "38035".into()],
        population_served: None,
        description: String::new(),
        version: 1,
        created_at: DateTime::default(),
        updated_at: DateTime::default(),
    }
}

#[test]
fn task_force_input_is_normalised() {
    let input = TaskForceInput {
        name: "  North Dakota Human Trafficking Task Force ".into(),
        state: "nd".into(),
        counties: vec!["38017".into(), "38015".into(), "38017".into()],
        population_served: Some(779_000),
        description: String::new(),
    };
    let valid = input.validate().expect("valid");
    assert_eq!(valid.name, "North Dakota Human Trafficking Task Force");
    assert_eq!(valid.state, "ND");
    assert_eq!(valid.counties, vec!["38015", "38017"]);
}

#[test]
fn task_force_input_names_each_bad_field() {
    let input = TaskForceInput {
        name: " ".into(),
        state: "ZZ".into(),
        counties: vec!["99999".into()],
        population_served: Some(-4),
        description: String::new(),
    };
    let invalid = input.validate().expect_err("invalid");
    assert_eq!(invalid.message_for("name"), Some("is required"));
    assert!(invalid.message_for("state").is_some());
    assert!(invalid.message_for("counties[0]").is_some());
    assert!(invalid.message_for("population_served").is_some());

    let other_state = TaskForceInput {
        name: "x".into(),
        state: "NY".into(),
        counties: vec!["17031".into()],
        ..Default::default()
    };
    let invalid = other_state
        .validate()
        .expect_err("Cook County is not in New York");
    assert_eq!(
        invalid.message_for("counties[0]"),
        Some("Cook is not in NY")
    );
}

#[test]
fn region_counties_must_be_the_task_forces_and_unclaimed() {
    let tf = task_force();
    let navigator = MemberId(Uuid::from_u128(9));
    let context = RegionContext {
        task_force: &tf,
        counties_elsewhere: vec![("38035".into(), "Northeast".into())],
        navigators: [navigator].into_iter().collect(),
    };
    let ok = RegionInput {
        name: "West".into(),
        counties: vec!["38015".into()],
        navigators: vec![navigator],
    };
    assert!(ok.validate(&context).is_ok());
    let bad = RegionInput {
        name: "West".into(),
        counties: vec!["36029".into(), "38035".into()],
        navigators: vec![MemberId(Uuid::from_u128(10))],
    };
    let invalid = bad.validate(&context).expect_err("invalid");
    assert!(invalid.message_for("counties[0]").is_some());
    assert!(invalid
        .message_for("counties[1]")
        .unwrap_or_default()
        .contains("Northeast"));
    assert!(invalid.message_for("navigators[0]").is_some());
}

#[test]
fn member_needs_an_organization_and_role() {
    let input = MemberInput {
        name: "A".into(),
        email: "A@X.GOV".into(),
        ..Default::default()
    };
    let invalid = input
        .clone()
        .validate(&[org(1)])
        .expect_err("no membership");
    assert!(invalid.message_for("memberships").is_some());
    let input = MemberInput {
        memberships: vec![
            Membership {
                organization_id: org(1),
                roles: vec![Role::Investigator, Role::Supervisor, Role::Investigator],
            },
            Membership {
                organization_id: org(2),
                roles: vec![],
            },
        ],
        ..input
    };
    let invalid = input
        .clone()
        .validate(&[org(1)])
        .expect_err("unknown org and no role");
    assert!(invalid
        .message_for("memberships[1].organization_id")
        .is_some());
    assert!(invalid.message_for("memberships[1].roles").is_some());
    let valid = MemberInput {
        memberships: input.memberships[..1].to_vec(),
        ..input
    }
    .validate(&[org(1)])
    .expect("ok");
    assert_eq!(valid.email, "a@x.gov");
    assert_eq!(
        valid.memberships[0].roles,
        vec![Role::Supervisor, Role::Investigator]
    );
}

#[test]
fn mou_rules_and_standing() {
    let orgs = [org(1), org(2), org(3)];
    let draft = MouInput {
        title: "Information sharing".into(),
        parties: vec![org(1)],
        status: MouStatus::Signed,
        signed_on: None,
        effective_on: Some("2025-01-01".into()),
        expires_on: Some("2024-12-31".into()),
        summary: String::new(),
    };
    let invalid = draft.clone().validate(&orgs).expect_err("invalid");
    assert!(invalid.message_for("parties").is_some());
    assert_eq!(invalid.message_for("signed_on"), Some("is required"));
    assert!(invalid.message_for("expires_on").is_some());
    let bad_date = MouInput {
        signed_on: Some("12/01/2024".into()),
        ..draft.clone()
    };
    assert_eq!(
        bad_date
            .validate(&orgs)
            .expect_err("bad")
            .message_for("signed_on"),
        Some("must be a date written YYYY-MM-DD")
    );

    let ok = MouInput {
        parties: vec![org(2), org(1)],
        signed_on: Some("2024-12-01".into()),
        expires_on: Some("2027-12-31".into()),
        ..draft
    }
    .validate(&orgs)
    .expect("valid")
    .into_inner();
    let mou = Mou {
        id: MouId(Uuid::from_u128(5)),
        task_force_id: TaskForceId(Uuid::from_u128(1)),
        title: ok.title,
        parties: ok.parties,
        status: ok.status,
        signed_on: ok.signed_on,
        effective_on: ok.effective_on,
        expires_on: ok.expires_on,
        summary: ok.summary,
        version: 1,
        created_at: DateTime::default(),
        updated_at: DateTime::default(),
    };
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    assert_eq!(mou.standing(day("2024-12-15")), MouStanding::NotYetInForce);
    assert_eq!(mou.standing(day("2026-06-01")), MouStanding::InForce);
    assert_eq!(mou.standing(day("2028-01-01")), MouStanding::Expired);
    let ended = Mou {
        status: MouStatus::Terminated,
        ..mou
    };
    assert_eq!(ended.standing(day("2026-06-01")), MouStanding::Terminated);
}

#[test]
fn award_checks_amount_dates_and_recipient() {
    let input = FundingAwardInput {
        funder: "Bureau of Justice Assistance".into(),
        award_number: "15PBJA-24-GG-00001-HT".into(),
        recipient_id: Some(org(7)),
        amount: Some(0),
        starts_on: Some("2024-10-01".into()),
        ends_on: Some("2024-09-30".into()),
    };
    let invalid = input.clone().validate(&[org(1)]).expect_err("invalid");
    assert!(invalid.message_for("recipient_id").is_some());
    assert!(invalid.message_for("amount").is_some());
    assert!(invalid.message_for("ends_on").is_some());
    let ok = FundingAwardInput {
        recipient_id: Some(org(1)),
        amount: Some(850_000),
        ends_on: Some("2027-09-30".into()),
        ..input
    };
    assert_eq!(ok.validate(&[org(1)]).expect("valid").amount, 850_000);
}

#[test]
fn codes_round_trip() {
    for kind in OrganizationKind::ALL {
        assert_eq!(OrganizationKind::from_code(kind.code()), Some(*kind));
    }
    for role in Role::ALL {
        assert_eq!(Role::from_code(role.code()), Some(*role));
    }
    assert_eq!(Role::from_code("sheriff"), None);
}
