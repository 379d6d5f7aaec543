use super::*;

fn context(counties: &[String]) -> TipContext<'_> {
    TipContext {
        counties,
        typology: &[1, 2, 3],
        today: NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
    }
}

#[test]
fn a_tip_needs_a_narrative_and_names_each_bad_field() {
    let counties = vec!["38017".to_owned()];
    let err = TipInput {
        narrative: "  ".into(),
        county_fips: "99999".into(),
        occurred_on: "2030-01-01".into(),
        naics: "11a".into(),
        typology: Some(40),
        ..Default::default()
    }
    .validate(&context(&counties))
    .expect_err("refused");
    for field in [
        "narrative",
        "county_fips",
        "occurred_on",
        "naics",
        "typology",
    ] {
        assert!(err.message_for(field).is_some(), "{field}: {err}");
    }
    let ok = TipInput {
        narrative: "Workers at a farm are kept in a locked trailer.".into(),
        county_fips: "38017".into(),
        ..Default::default()
    }
    .validate(&context(&counties))
    .expect("valid");
    assert_eq!(ok.trafficking_type, TraffickingType::Unknown);
    assert_eq!(ok.language, Language::English);
}

#[test]
fn receipt_codes_are_grouped_and_hash_the_same_however_typed() {
    let bytes: Vec<u8> = (0u8..=255).collect();
    let code = receipt_code(&bytes).expect("a code");
    assert_eq!(code.len(), RECEIPT_LEN + 3);
    assert_eq!(code.matches('-').count(), 3);
    let hash = receipt_hash(&code).expect("hash");
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(receipt_hash(&typed), Some(hash));
    assert_eq!(receipt_hash("too-short"), None);
    assert_eq!(receipt_hash("0000-0000-0000-0000"), None);
    // Too few usable bytes: no code rather than a short one.
    assert_eq!(receipt_code(&[250; 40]), None);
}

#[test]
fn a_mapping_names_unknown_fields_and_needs_a_narrative() {
    let err = ImportMapping::parse(&["Notes=narrative".into(), "Town=city".into(), "bad".into()])
        .expect_err("refused");
    assert!(err.message_for("map[1]").is_some());
    assert!(err.message_for("map[2]").is_some());
    let err = ImportMapping::parse(&["Town=place".into()]).expect_err("refused");
    assert!(err.message_for("map").is_some());
}

#[test]
fn an_import_names_every_bad_row_by_line_and_field() {
    let counties = vec!["38017".to_owned()];
    let mapping = ImportMapping::parse(&[
        "Summary=narrative".into(),
        "Date=received_at".into(),
        "County=county".into(),
        "Type=trafficking_type".into(),
        "Minors=minors".into(),
    ])
    .expect("mapping");
    let file = "Summary,Date,County,Type,Minors\n\
                Men sleep at the restaurant,2026-05-01,Cass,labor,no\n\
                ,2026-05-02,38017,sex,yes\n\
                \"A \"\"massage\"\" business, open all night\",May 3,Nowhere,trafficking,maybe\n";
    let check = check_import(file.as_bytes(), &mapping, &context(&counties));
    assert_eq!(check.rows.len(), 1);
    assert_eq!(check.rows[0].tip.county_fips, "38017");
    assert_eq!(check.rows[0].line, 2);
    let named: Vec<(u64, &str)> = check
        .problems
        .iter()
        .map(|p| (p.line, p.field.as_str()))
        .collect();
    assert_eq!(
        named,
        vec![
            (3, "narrative"),
            (4, "received_at"),
            (4, "county"),
            (4, "trafficking_type"),
            (4, "minors"),
        ]
    );

    let missing = ImportMapping::parse(&["Text=narrative".into()]).expect("mapping");
    let check = check_import(file.as_bytes(), &missing, &context(&counties));
    assert_eq!(check.problems[0].line, 1);
    assert!(check.problems[0].reason.contains("no column"));
}
