use super::geo::*;
use super::import::*;
use super::score::*;
use super::*;

fn wny() -> Vec<String> {
    [
        "36029", "36037", "36051", "36063", "36073", "36121", "36123", "36069", "36117",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn fields(line: &str) -> Vec<&str> {
    line.split(',').collect()
}

#[test]
fn counties_resolve_by_name_with_typos_and_lists() {
    assert_eq!(county_by_name("NY", "Genesee").as_deref(), Some("36037"));
    assert_eq!(
        county_by_name("NY", "GENESEE COUNTY").as_deref(),
        Some("36037")
    );
    assert_eq!(
        county_by_name("New York", "Wyomng").as_deref(),
        Some("36121")
    );
    assert_eq!(
        county_by_name("NY", "St. Lawrence Co.").as_deref(),
        Some("36089")
    );
    assert_eq!(
        county_by_name("LA", "Orleans Parish").as_deref(),
        Some("22071")
    );
    assert_eq!(county_by_name("NY", "Atlantis"), None);
    assert_eq!(county_by_name("XX", "Erie"), None);
    assert_eq!(
        split_counties("Genesee, Wyoming & Orleans"),
        vec!["GENESEE", "WYOMING", "ORLEANS"]
    );
    assert_eq!(
        split_counties("ERIE AND NIAGARA COUNTIES"),
        vec!["ERIE", "NIAGARA COUNTIES"]
    );
    assert_eq!(split_counties("Yates/Ontario"), vec!["YATES", "ONTARIO"]);
}

#[test]
fn places_resolve_by_zip_then_city() {
    assert_eq!(county_by_zip("14020").as_deref(), Some("36037"));
    assert_eq!(county_by_zip("14020-1234").as_deref(), Some("36037"));
    // A lost leading zero: 01001 (Agawam, MA) written as 1001.
    assert_eq!(county_by_zip("1001").as_deref(), Some("25013"));
    assert_eq!(county_by_place("NY", "Batavia", "").as_deref(), Ok("36037"));
    assert!(county_by_place("NY", "Nowhere Special", "").is_err());
    assert!(county_by_place("ZZ", "Batavia", "14020").is_err());
}

#[test]
fn cbp_rows_of_both_header_generations() {
    let new = Parser::new(
        Source::Cbp,
        &fields("fipstate,fipscty,naics,emp_nf,emp,qp1_nf,qp1,ap_nf,ap,est,n<5,n5_9,n10_19,n20_49,n50_99,n100_249,n250_499,n500_999,n1000,n1000_1,n1000_2,n1000_3,n1000_4"),
        &wny(),
    )
    .expect("2017+ header");
    let RowOutcome::Keep { records, .. } = new.row(
        2,
        &fields("36,029,722///,G,41000,G,100,G,900000,1800,700,400,300,200,100,50,40,10,0,0,0,0,0"),
    ) else {
        panic!("kept")
    };
    assert_eq!(records[0].industry, "722");
    assert_eq!(records[0].fips, "36029");
    assert_eq!(records[0].measures[measure::EMPLOYEES], 41000.0);
    // Withheld (D): estimated from size classes, marked withheld.
    let RowOutcome::Keep { records, .. } = new.row(
        3,
        &fields("36,037,3116//,D,0,D,0,D,0,3,1,1,1,0,0,0,0,0,0,N,N,N,N"),
    ) else {
        panic!("kept")
    };
    assert_eq!(records[0].withheld, vec![measure::EMPLOYEES.to_owned()]);
    assert_eq!(records[0].measures[measure::EMPLOYEES], 2.5 + 7.0 + 14.5);
    assert_eq!(
        new.row(
            4,
            &fields("36,999,722///,G,5,G,1,G,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0")
        ),
        RowOutcome::Skip("statewide, not in a county")
    );
    assert_eq!(
        new.row(
            5,
            &fields("17,031,722///,G,5,G,1,G,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0")
        ),
        RowOutcome::Skip("outside the task force's counties")
    );
    assert!(
        matches!(new.row(6, &fields("36,029,722///,G,lots,G,1,G,1,1,1,0,0,0,0,0,0,0,0,0,0,0,0")), RowOutcome::Reject(r) if r.starts_with("emp:"))
    );

    let old = Parser::new(
        Source::Cbp,
        &fields("FIPSTATE,FIPSCTY,NAICS,EMPFLAG,EMP_NF,EMP,QP1_NF,QP1,AP_NF,AP,EST,N1_4,N5_9,N10_19,N20_49,N50_99,N100_249,N250_499,N500_999,N1000,N1000_1,N1000_2,N1000_3,N1000_4,CENSTATE,CENCTY"),
        &wny(),
    )
    .expect("up-to-2016 header");
    let RowOutcome::Keep { records, .. } = old.row(
        2,
        &fields("36,063,------,,G,80000,G,1,G,1,5000,1,1,1,1,1,1,1,1,1,1,1,1,1,21,063"),
    ) else {
        panic!("kept")
    };
    assert_eq!(records[0].industry, COUNTY_CONTEXT);
    assert_eq!(records[0].measures[measure::COUNTY_EMPLOYEES], 80000.0);
    let RowOutcome::Keep { records, .. } = old.row(
        3,
        &fields("36,063,721///,B,,0,,0,,0,12,5,4,3,0,0,0,0,0,0,0,0,0,0,21,063"),
    ) else {
        panic!("kept")
    };
    assert_eq!(records[0].measures[measure::EMPLOYEES], 60.0);
    assert!(Parser::new(Source::Cbp, &fields("a,b,c"), &wny()).is_err());
}

#[test]
fn every_source_survives_random_rows() {
    // Fuzz-style: random cells (numbers, flags, junk, unicode, empty) under every header; the
    // parser must answer, never panic.
    let headers: &[(Source, &str)] = &[
        (Source::Cbp, "fipstate,fipscty,naics,emp_nf,emp,ap,est,n<5,n5_9"),
        (Source::Nass, "Geo Level,State ANSI,County ANSI,Commodity,Data Item,Domain,Domain Category,Value"),
        (Source::H2a, "CASE_NUMBER,CASE_STATUS,EMPLOYER_NAME,NAICS_CODE,TOTAL_WORKERS_H2A_CERTIFIED,WORKSITE_STATE,WORKSITE_COUNTY,TYPE_OF_HOUSING,TOTAL_OCCUPANCY"),
        (Source::Whd, "case_id,cty_nm,st_cd,zip_cd,naic_cd,case_violtn_cnt,bw_atp_amt,flsa_repeat_violator"),
    ];
    let cells = [
        "",
        "36",
        "029",
        "037",
        "112120",
        "------",
        "(D)",
        "(Z)",
        "1,234",
        "-5",
        "NaN",
        "inf",
        "1e400",
        "Determination Issued - Certification",
        "COUNTY",
        "Erie & Niagara",
        "NY",
        "COUNTY",
        "LABOR",
        "LABOR, HIRED - NUMBER OF WORKERS",
        "\u{feff}",
        "é\u{0}",
        "99999999999999999999",
        "14020",
        "Batavia",
        "RW",
        "/",
        ",,,",
        "NAICS CLASSIFICATION: (",
        "NAICS CLASSIFICATION: (112120)",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (source, header) in headers {
        let parser = Parser::new(*source, &fields(header), &wny()).expect("header");
        for line in 0..3000u64 {
            let n = (next() % 12) as usize;
            let row: Vec<&str> = (0..n)
                .map(|_| cells[(next() % cells.len() as u64) as usize])
                .collect();
            let _ = parser.row(line, &row);
        }
    }
    for junk in ["", "\u{0}", "((((", "(D", "$", ",", "1,2,3"] {
        let _ = number(junk);
    }
}

fn cell(industry: &str, fips: &str, measures: &[(&str, f64)]) -> Cell {
    Cell {
        industry: industry.into(),
        fips: fips.into(),
        measures: measures
            .iter()
            .map(|(k, v)| ((*k).to_owned(), *v))
            .collect(),
        ..Cell::default()
    }
}

#[test]
fn a_score_is_the_sum_of_its_shown_contributions() {
    let indicators = default_indicators();
    let cells = vec![
        cell(
            "112120",
            "36037",
            &[
                (measure::WORKERS, 900.0),
                (measure::YEAR_ROUND_UNCOVERED, 880.0),
                (measure::VIOLATIONS, 12.0),
                (measure::COUNTY_WORKERS, 20000.0),
                (measure::VISA_CERTIFIED, 20.0),
            ],
        ),
        cell(
            "722",
            "36037",
            &[
                (measure::WORKERS, 1500.0),
                (measure::YEAR_ROUND_UNCOVERED, 1500.0),
                (measure::VIOLATIONS, 3.0),
                (measure::COUNTY_WORKERS, 20000.0),
                (measure::VISA_CERTIFIED, 0.0),
            ],
        ),
        cell(
            "111",
            "36121",
            &[
                (measure::WORKERS, 300.0),
                (measure::VISA_CERTIFIED, 250.0),
                (measure::EMPLOYER_HOUSING, 250.0),
                (measure::MSPA_VIOLATIONS, 4.0),
                (measure::COUNTY_WORKERS, 9000.0),
            ],
        ),
    ];
    let scored = score(&indicators, &cells);
    let total_weight: f64 = indicators.iter().map(|i| i.weight).sum();
    for s in &scored {
        // Recompute from what the explanation shows: normalised values and weights.
        let recomputed: f64 = s
            .parts
            .iter()
            .map(|p| p.weight * p.normalised / total_weight * 100.0)
            .sum();
        assert!(
            (recomputed - s.score).abs() < 1e-9,
            "{} {}",
            s.industry,
            s.fips
        );
        let contributions: f64 = s.parts.iter().map(|p| p.contribution).sum();
        assert!((contributions - s.score).abs() < 1e-9);
        assert!((0.0..=100.0).contains(&s.score));
    }
    // Ranks are 1.. in score order.
    assert_eq!(
        scored.iter().map(|s| s.rank).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(scored.windows(2).all(|w| w[0].score >= w[1].score));

    // Weighting only the visa share puts the crop cell (most visa workers per worker) first;
    // weighting only violations per worker puts dairy first.
    let only = |name: &str| -> Vec<Indicator> {
        default_indicators()
            .into_iter()
            .map(|mut i| {
                i.weight = if i.name == name { 1.0 } else { 0.0 };
                i
            })
            .collect()
    };
    assert_eq!(score(&only("visa_share"), &cells)[0].industry, "111");
    assert_eq!(
        score(&only("violations_per_worker"), &cells)[0].industry,
        "112120"
    );
    assert!(validate_indicators(&only("visa_share")).is_ok());
    let mut off = default_indicators();
    off.iter_mut().for_each(|i| i.weight = 0.0);
    assert!(validate_indicators(&off).is_err());
    off[0].weight = 11.0;
    assert!(validate_indicators(&off).is_err());
}

#[test]
fn dairy_workers_are_estimated_from_the_county_when_not_counted_directly() {
    let ops: BTreeMap<String, f64> = [(measure::FARM_OPERATIONS.to_owned(), 50.0)].into();
    let ctx: BTreeMap<String, f64> = [
        (measure::COUNTY_FARM_OPERATIONS.to_owned(), 500.0),
        (measure::COUNTY_HIRED_WORKERS.to_owned(), 2000.0),
        (measure::COUNTY_EMPLOYEES.to_owned(), 18000.0),
    ]
    .into();
    let h2a: BTreeMap<String, f64> = [(measure::H2A_CERTIFIED.to_owned(), 10.0)].into();
    let cells = cell_measures([
        score::Fact {
            industry: "112120",
            fips: "36037",
            measures: &ops,
            withheld: &[],
        },
        score::Fact {
            industry: COUNTY_CONTEXT,
            fips: "36037",
            measures: &ctx,
            withheld: &[],
        },
        score::Fact {
            industry: "112120",
            fips: "36037",
            measures: &h2a,
            withheld: &[],
        },
    ]);
    assert_eq!(cells.len(), 1);
    let c = &cells[0];
    assert_eq!(c.measures[measure::HIRED_WORKERS], 200.0);
    assert_eq!(c.measures[measure::WORKERS], 200.0);
    assert_eq!(c.measures[measure::COUNTY_WORKERS], 20000.0);
    assert_eq!(c.measures[measure::YEAR_ROUND_UNCOVERED], 190.0);
    assert!(c.derivations[measure::HIRED_WORKERS].contains("estimated"));
}

#[test]
fn industries_cross_to_the_typology() {
    assert_eq!(industry_of("112120").map(|i| i.code), Some("112120"));
    assert_eq!(industry_of("112111").map(|i| i.code), Some("1121"));
    assert_eq!(industry_of("722511").map(|i| i.code), Some("722"));
    assert_eq!(industry_of("541110"), None);
    assert_eq!(industry_at_level("722///").map(|i| i.code), Some("722"));
    assert_eq!(industry_at_level("7225//"), None);
    for i in INDUSTRIES {
        assert!(
            i.typology.iter().all(|t| typology(*t).is_some()),
            "{}",
            i.code
        );
    }
    assert_eq!(typology(11), Some("Agriculture & Animal Husbandry"));
    assert_eq!(TYPOLOGY.len(), 25);
}
