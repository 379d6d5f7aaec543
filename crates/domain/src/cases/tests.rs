use super::*;
use crate::structure::OrganizationKind;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn context(owner_kind: OrganizationKind) -> CaseContext<'static> {
    CaseContext {
        owner_kind,
        counties: &[],
        typology: &[1, 11],
        owner_members: &[],
        current_status: None,
        today: day(2026, 1, 12),
    }
}

#[test]
fn partial_dates_parse_year_month_or_day() {
    assert_eq!(PartialDate::parse("1990").unwrap().to_string(), "1990");
    assert_eq!(
        PartialDate::parse("1990-04").unwrap().to_string(),
        "1990-04"
    );
    assert_eq!(
        PartialDate::parse("1990-04-30").unwrap().to_string(),
        "1990-04-30"
    );
    for bad in [
        "",
        "90",
        "1990-13",
        "1990-02-30",
        "1990-4-1",
        "abcd",
        "1990-04-30-1",
        "1800",
    ] {
        assert_eq!(PartialDate::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn minority_is_known_only_when_the_date_says_so() {
    let on = day(2026, 1, 12);
    assert_eq!(
        PartialDate::parse("2008-01-12").unwrap().minor_on(on),
        Some(false)
    );
    assert_eq!(
        PartialDate::parse("2008-01-13").unwrap().minor_on(on),
        Some(true)
    );
    assert_eq!(PartialDate::parse("2008").unwrap().minor_on(on), None);
    assert_eq!(
        PartialDate::parse("2000").unwrap().minor_on(on),
        Some(false)
    );
    assert_eq!(
        PartialDate::parse("2012-05").unwrap().minor_on(on),
        Some(true)
    );
}

#[test]
fn a_case_kind_is_held_by_its_discipline() {
    let input = CaseInput {
        kind: Some(CaseKind::ServiceCase),
        title: "Support for R.".into(),
        ..Default::default()
    };
    let err = input
        .clone()
        .validate(&context(OrganizationKind::LocalLawEnforcement))
        .unwrap_err();
    assert!(err
        .message_for("kind")
        .unwrap()
        .contains("victim service provider"));
    let ok = input
        .validate(&context(OrganizationKind::VictimServiceProvider))
        .unwrap();
    assert_eq!(ok.label, Label::VictimConfidential);
    assert_eq!(ok.status, CaseStatus::Open);
}

#[test]
fn a_service_case_cannot_be_opened_to_the_task_force() {
    let err = CaseInput {
        kind: Some(CaseKind::ServiceCase),
        title: "x".into(),
        label: Some("task_force".into()),
        ..Default::default()
    }
    .validate(&context(OrganizationKind::VictimServiceProvider))
    .unwrap_err();
    assert!(err.message_for("label").is_some());
}

#[test]
fn bad_case_fields_are_each_named() {
    let err = CaseInput {
        kind: Some(CaseKind::Investigation),
        title: " ".into(),
        typology: Some(30),
        naics: "11a".into(),
        opened_on: Some("2027-01-01".into()),
        exploitation_from: "2020-13".into(),
        ..Default::default()
    }
    .validate(&context(OrganizationKind::FederalLawEnforcement))
    .unwrap_err();
    for field in [
        "title",
        "typology",
        "naics",
        "opened_on",
        "exploitation_from",
    ] {
        assert!(err.message_for(field).is_some(), "{field}: {err}");
    }
}

#[test]
fn the_status_workflow_moves_forward_and_reopens() {
    use CaseStatus::*;
    assert!(Open.may_become(Active));
    assert!(Active.may_become(Closed));
    assert!(Closed.may_become(Active));
    assert!(!Closed.may_become(Open));
    assert!(!Active.may_become(Open));
}

#[test]
fn phones_are_normalised_to_e164() {
    assert_eq!(
        phone_e164("(716) 555-0142").as_deref(),
        Some("+17165550142")
    );
    assert_eq!(
        phone_e164("1-716-555-0142").as_deref(),
        Some("+17165550142")
    );
    assert_eq!(
        phone_e164("+52 55 1234 5678").as_deref(),
        Some("+525512345678")
    );
    assert_eq!(
        phone_e164("0052 55 1234 5678").as_deref(),
        Some("+525512345678")
    );
    assert_eq!(phone_e164("555-0142"), None);
    assert_eq!(phone_e164("call me"), None);
}

#[test]
fn identifiers_keep_a_comparison_form() {
    let ok = IdentifierInput {
        kind: Some(IdentifierKind::Vehicle),
        value: "ny abc-1234".into(),
    }
    .validate()
    .unwrap();
    assert_eq!(ok.2, "NYABC1234");
    let ok = IdentifierInput {
        kind: Some(IdentifierKind::Social),
        value: "@Rosa.M".into(),
    }
    .validate()
    .unwrap();
    assert_eq!(ok.2, "rosa.m");
    let err = IdentifierInput {
        kind: Some(IdentifierKind::Phone),
        value: "12".into(),
    }
    .validate()
    .unwrap_err();
    assert!(err.message_for("value").is_some());
}

#[test]
fn attachments_are_typed_by_content_not_name() {
    assert_eq!(attachment_type(b"%PDF-1.7 ..."), Some("application/pdf"));
    assert_eq!(
        attachment_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
        Some("image/jpeg")
    );
    assert_eq!(attachment_type(b"plain words\n"), Some("text/plain"));
    assert_eq!(attachment_type(&[0x4D, 0x5A, 0x90, 0x00]), None);
}

#[test]
fn person_lists_take_only_known_codes() {
    let err = PersonInput {
        means_of_control: vec!["debt_bondage".into(), "magic".into()],
        nationality: vec!["mex".into()],
        date_of_birth: "2030".into(),
        ..Default::default()
    }
    .validate(day(2026, 1, 12))
    .unwrap_err();
    assert!(err.message_for("means_of_control[1]").is_some());
    assert!(err.message_for("nationality[0]").is_some());
    assert!(err.message_for("date_of_birth").is_some());
}
