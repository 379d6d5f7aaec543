//! The threat assessment's use cases on a real database: importing files in every layout
//! (both header generations, withheld values, noise flags, multi-county cells, names that do
//! not resolve) with the exact records stored and rows rejected; all-or-nothing imports; no
//! panic on random bytes; scores that decompose; and the demo's western New York assessment.

use chrono::{TimeZone, Utc};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use taskforce_app::{demo, Actor, App, AppError, FixedClock};
use taskforce_domain::structure::TaskForceInput;
use taskforce_domain::threat::import::ImportReport;
use taskforce_domain::threat::Source;
use taskforce_domain::*;
use taskforce_store::{threat as db, Create, DatabaseUrl, Store};

const SYSTEM: Actor = Actor::System("test");

struct Scratch {
    dir: PathBuf,
    app: App,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn scratch(name: &str) -> Scratch {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "taskforce_threat_{name}_{}_{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Store::open(&DatabaseUrl::Sqlite(dir.join("test.db")), Create::IfMissing)
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0)
            .single()
            .expect("time"),
    ));
    Scratch {
        dir,
        app: App::new(store, clock, [9; 32]),
    }
}

async fn wny(app: &App) -> TaskForceId {
    app.create_task_force(
        &SYSTEM,
        TaskForceInput {
            name: "Western New York".into(),
            state: "NY".into(),
            counties: [
                "36029", "36037", "36063", "36073", "36121", "36123", "36069",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            population_served: None,
            description: String::new(),
        },
    )
    .await
    .expect("task force")
    .id
}

async fn import(app: &App, tf: TaskForceId, source: Source, text: &str) -> ImportReport {
    app.import_threat_data(
        &SYSTEM,
        tf,
        source,
        "test.csv",
        text.as_bytes(),
        false,
        &mut |_| {},
    )
    .await
    .expect("import")
}

fn sorted(mut lines: Vec<&str>) -> Vec<String> {
    lines.sort_unstable();
    lines.into_iter().map(str::to_owned).collect()
}

/// Every stored record as `line.part industry fips measure=value...`.
async fn stored(app: &App, tf: TaskForceId) -> Vec<String> {
    let mut conn = app.store().conn().await.expect("conn");
    let ids: Vec<ThreatDatasetId> = db::datasets(&mut conn, tf)
        .await
        .expect("datasets")
        .iter()
        .map(|d| d.id)
        .collect();
    let mut out: Vec<String> = db::records(&mut conn, tf, &ids, None)
        .await
        .expect("records")
        .into_iter()
        .map(|r| {
            let r = r.record;
            let mut words = vec![
                format!("{}.{}", r.line, r.part),
                r.industry.clone(),
                r.fips.clone(),
            ];
            words.extend(r.measures.iter().map(|(k, v)| format!("{k}={v}")));
            if !r.withheld.is_empty() {
                words.push(format!("withheld={}", r.withheld.join("+")));
            }
            words.join(" ")
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn cbp_files_of_both_generations_store_exactly_their_county_rows() {
    let s = scratch("cbp").await;
    let tf = wny(&s.app).await;
    // Up to 2016: upper case, EMPFLAG ranges, N1_4.
    let old = "FIPSTATE,FIPSCTY,NAICS,EMPFLAG,EMP_NF,EMP,QP1_NF,QP1,AP_NF,AP,EST,N1_4,N5_9,N10_19,N20_49,N50_99,N100_249,N250_499,N500_999,N1000,N1000_1,N1000_2,N1000_3,N1000_4,CENSTATE,CENCTY
\"36\",\"037\",\"------\",\"\",\"G\",\"18000\",\"G\",\"1\",\"G\",\"1\",\"1500\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"21\",\"037\"
\"36\",\"037\",\"722///\",\"\",\"G\",\"1200\",\"G\",\"1\",\"G\",\"1\",\"80\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"21\",\"037\"
\"36\",\"037\",\"721///\",\"B\",\"\",\"0\",\"\",\"0\",\"\",\"0\",\"6\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"21\",\"037\"
\"36\",\"037\",\"7225//\",\"\",\"G\",\"1100\",\"G\",\"1\",\"G\",\"1\",\"70\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"21\",\"037\"
\"36\",\"999\",\"722///\",\"\",\"G\",\"10\",\"G\",\"1\",\"G\",\"1\",\"2\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"21\",\"999\"
\"36\",\"37\",\"722///\",\"\",\"G\",\"10\",\"G\",\"1\",\"G\",\"1\",\"2\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"21\",\"037\"
";
    let report = import(&s.app, tf, Source::Cbp, old).await;
    assert_eq!(
        report.rejected,
        vec![(
            7,
            "fipstate \"36\" and fipscty \"37\" are not a 2 + 3 digit county code".to_owned()
        )]
    );
    assert_eq!(report.skipped.get("industry not assessed"), Some(&1));
    assert_eq!(report.skipped.get("statewide, not in a county"), Some(&1));
    // 2017 onward: lower case, noise flags, D withheld with size classes, N bands.
    let new = "fipstate,fipscty,naics,emp_nf,emp,qp1_nf,qp1,ap_nf,ap,est,n<5,n5_9,n10_19,n20_49,n50_99,n100_249,n250_499,n500_999,n1000,n1000_1,n1000_2,n1000_3,n1000_4
\"36\",\"121\",\"3116//\",\"D\",\"0\",\"D\",\"0\",\"D\",\"0\",\"2\",\"1\",\"1\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"N\",\"N\",\"N\",\"N\"
\"36\",\"121\",\"23----\",\"J\",\"450\",\"G\",\"1\",\"G\",\"9000\",\"40\",\"N\",\"N\",\"N\",\"N\",\"N\",\"N\",\"N\",\"N\",\"N\",\"N\",\"N\",\"N\",\"N\"
\"17\",\"031\",\"722///\",\"G\",\"99999\",\"G\",\"1\",\"G\",\"1\",\"5000\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",\"N\",\"N\",\"N\",\"N\"
";
    let report = import(&s.app, tf, Source::Cbp, new).await;
    assert!(report.rejected.is_empty());
    assert_eq!(
        report.skipped.get("outside the task force's counties"),
        Some(&1)
    );
    // Both imports are kept as datasets; each file's rows as they were read.
    assert_eq!(
        stored(&s.app, tf).await,
        sorted(vec![
            "3.0 23 36121 annual_payroll=9000 employees=450 establishments=40",
            "2.0 3116 36121 employees=9.5 establishments=2 withheld=employees",
            "2.0 _county 36037 county_employees=18000",
            "3.0 722 36037 annual_payroll=1 employees=1200 establishments=80",
            "4.0 721 36037 employees=60 establishments=6 withheld=employees",
        ])
    );
}

#[tokio::test]
async fn nass_h2a_h2b_and_whd_files_store_their_rows_and_report_the_rest() {
    let s = scratch("layouts").await;
    let tf = wny(&s.app).await;
    let nass = "Program,Year,Period,Week Ending,Geo Level,State,State ANSI,Ag District,Ag District Code,County,County ANSI,Zip Code,Region,watershed_code,Watershed,Commodity,Data Item,Domain,Domain Category,Value,CV (%)
CENSUS,2022,YEAR,,COUNTY,NEW YORK,36,WESTERN,10,WYOMING,121,,,00000000,,FARM OPERATIONS,FARM OPERATIONS - NUMBER OF OPERATIONS,TOTAL,NOT SPECIFIED,620,
CENSUS,2022,YEAR,,COUNTY,NEW YORK,36,WESTERN,10,WYOMING,121,,,00000000,,CATTLE,\"CATTLE, COWS, MILK - OPERATIONS WITH INVENTORY\",TOTAL,NOT SPECIFIED,110,
CENSUS,2022,YEAR,,COUNTY,NEW YORK,36,WESTERN,10,WYOMING,121,,,00000000,,LABOR,\"LABOR, HIRED - NUMBER OF WORKERS\",TOTAL,NOT SPECIFIED,\"2,100\",12.1
CENSUS,2022,YEAR,,COUNTY,NEW YORK,36,WESTERN,10,YATES,123,,,00000000,,CATTLE,\"CATTLE, COWS, MILK - OPERATIONS WITH INVENTORY\",TOTAL,NOT SPECIFIED,(D),
CENSUS,2022,YEAR,,COUNTY,NEW YORK,36,WESTERN,10,YATES,123,,,00000000,,LABOR,\"LABOR, HIRED - NUMBER OF WORKERS\",NAICS CLASSIFICATION,NAICS CLASSIFICATION: (112120),(Z),
CENSUS,2022,YEAR,,STATE,NEW YORK,36,,,,,,,00000000,,LABOR,\"LABOR, HIRED - NUMBER OF WORKERS\",TOTAL,NOT SPECIFIED,\"55,000\",
CENSUS,2022,YEAR,,COUNTY,NEW YORK,36,WESTERN,10,OTHER (COMBINED) COUNTIES,,,,00000000,,LABOR,\"LABOR, HIRED - NUMBER OF WORKERS\",TOTAL,NOT SPECIFIED,(D),
CENSUS,2022,YEAR,,COUNTY,NEW YORK,36,WESTERN,10,GENESEE,037,,,00000000,,LABOR,\"LABOR, HIRED - NUMBER OF WORKERS\",TOTAL,NOT SPECIFIED,many,
";
    let report = import(&s.app, tf, Source::Nass, nass).await;
    assert_eq!(
        report.rejected,
        vec![(9, "Value: \"many\" is not a number".to_owned())]
    );
    assert_eq!(report.kept, 5);
    // H-2A before FY2020: CASE_NO, NBR_WORKERS_CERTIFIED; worksite cells with several
    // counties, a typo, "COUNTY", and a name that is no county.
    let h2a = "CASE_NO,CASE_STATUS,EMPLOYER_NAME,EMPLOYER_ADDRESS1,NAICS_CODE,NBR_WORKERS_REQUESTED,NBR_WORKERS_CERTIFIED,JOB_START_DATE,JOB_END_DATE,BASIC_RATE_OF_PAY,BASIC_UNIT_OF_PAY,WORKSITE_CITY,WORKSITE_STATE,WORKSITE_POSTAL_CODE,WORKSITE_COUNTY,TYPE_OF_HOUSING,TOTAL_OCCUPANCY
H-300-19001,Determination Issued - Certification,Ridge Fruit,1 Rd,111331,30,30,2019-04-01,2019-11-01,13.25,Hour,Albion,NY,14411,\"Genesee, Wyoming & Orleans\",Employer-provided,30
H-300-19002,Determination Issued - Partial Certification (Expired),Hill Dairy,2 Rd,112120,3,2,2019-01-01,2019-12-01,13.25,Hour,Warsaw,NY,14569,WYOMNG COUNTY,,
H-300-19003,Determination Issued - Certification,Shore Farm,3 Rd,111219,12,12,2019-04-01,2019-11-01,13.25,Hour,Eden,NY,14057,Erie AND Lake Shore,Motel,10
H-300-19004,Determination Issued - Certification,Nowhere Farm,4 Rd,111219,5,5,2019-04-01,2019-11-01,13.25,Hour,X,NY,14000,Atlantis,,
H-300-19005,Withdrawn,Gone Farm,5 Rd,111219,5,0,2019-04-01,2019-11-01,13.25,Hour,X,NY,14000,Erie,,
H-300-19006,Determination Issued - Certification,Valley Farm,6 Rd,111219,9,9,2019-04-01,2019-11-01,13.25,Hour,Fresno,CA,93721,Fresno,,
";
    let report = import(&s.app, tf, Source::H2a, h2a).await;
    assert_eq!(
        report.rejected,
        vec![(
            5,
            "WORKSITE_COUNTY \"Atlantis\": no county of NY by that name".to_owned()
        )]
    );
    assert_eq!(report.unresolved, vec![(4, "LAKE SHORE".to_owned())]);
    assert_eq!(
        report.skipped.get("not certified (withdrawn or denied)"),
        Some(&1)
    );
    assert_eq!(
        report.skipped.get("outside the task force's counties"),
        Some(&1)
    );
    // H-2B (FY2020+ names).
    let h2b = "CASE_NUMBER,CASE_STATUS,EMPLOYER_NAME,NAICS_CODE,TOTAL_WORKERS_REQUESTED,TOTAL_WORKERS_CERTIFIED,BASIC_WAGE_RATE_FROM,BASIC_WAGE_RATE_TO,WORKSITE_CITY,WORKSITE_STATE,WORKSITE_POSTAL_CODE,WORKSITE_COUNTY
H-400-24001,Determination Issued - Certification,Green Lawns,561730,20,20,17.5,19,Buffalo,NY,14202,
H-400-24002,Determination Issued - Certification,Falls Inn,721110,10,ten,17.5,19,Niagara Falls,NY,14301,Niagara
";
    let report = import(&s.app, tf, Source::H2b, h2b).await;
    assert_eq!(
        report.rejected,
        vec![(3, "workers certified: \"ten\" is not a number".to_owned())]
    );
    // WHD: cmp_assd instead of cmp_assd_cnt; ZIP, ZIP+4, city only; a city no table places;
    // a state that is none; a negative amount.
    let whd = "case_id,trade_nm,legal_name,street_addr_1_txt,cty_nm,st_cd,zip_cd,naic_cd,naics_code_description,case_violtn_cnt,cmp_assd,ee_violtd_cnt,bw_atp_amt,ee_atp_cnt,flsa_repeat_violator,mspa_violtn_cnt,flsa_cl_violtn_cnt,flsa_cl_minor_cnt,h2a_violtn_cnt,h2b_violtn_cnt
1001,Hill Dairy,Hill Dairy LLC,2 Rd,Warsaw,NY,14569-1234,112120,Dairy,12,5000,8,\"54,000.00\",8,RW,2,1,1,0,0
1002,,Batavia Diner Inc,3 St,Batavia,NY,,722511,Restaurants,3,0,2,900.5,2,,0,0,0,0,0
1003,Hamlet Farm,,4 Rd,Dutch Hollow,NY,,111219,Vegetables,1,0,1,10,1,,0,0,0,0,0
1004,Odd,,5 Rd,Buffalo,XY,14202,722511,Restaurants,1,0,1,10,1,,0,0,0,0,0
1005,Minus,,6 Rd,Buffalo,NY,14202,722511,Restaurants,1,0,1,-10,1,,0,0,0,0,0
1006,Chicago Grill,,7 St,Chicago,IL,60601,722511,Restaurants,1,0,1,10,1,,0,0,0,0,0
1007,Law Firm,,8 St,Buffalo,NY,14202,541110,Lawyers,1,0,1,10,1,,0,0,0,0,0
";
    let report = import(&s.app, tf, Source::Whd, whd).await;
    assert_eq!(
        report.rejected,
        vec![
            (
                4,
                "could not place city \"Dutch Hollow\", NY (ZIP \"\") in one county".to_owned()
            ),
            (5, "st_cd \"XY\" is not a U.S. state".to_owned()),
            (6, "bw_atp_amt: \"-10\" is negative".to_owned()),
        ]
    );
    assert_eq!(report.skipped.get("industry not assessed"), Some(&1));
    assert_eq!(
        report.skipped.get("outside the task force's counties"),
        Some(&1)
    );
    assert_eq!(
        stored(&s.app, tf).await,
        sorted(vec![
            "2.0 111 36037 employer_housing=10 h2a_certified=10",
            "2.0 112120 36121 back_wages=54000 child_labor=1 employees_owed=8 minors=1 mspa_violations=2 penalties=5000 repeat_willful=1 violations=12 visa_program_violations=0 whd_cases=1",
            "2.0 561730 36029 h2b_certified=20",
            "2.0 _county 36121 county_farm_operations=620",
            "2.1 111 36121 employer_housing=10 h2a_certified=10",
            "2.2 111 36073 employer_housing=10 h2a_certified=10",
            "3.0 112120 36121 farm_operations=110",
            "3.0 112120 36121 h2a_certified=2",
            "3.0 722 36037 back_wages=900.5 child_labor=0 employees_owed=2 minors=0 mspa_violations=0 penalties=0 violations=3 visa_program_violations=0 whd_cases=1",
            "4.0 111 36029 employer_housing=10 h2a_certified=12",
            "4.0 _county 36121 county_hired_workers=2100",
            "5.0 112120 36123 withheld=farm_operations",
            "6.0 112120 36123 hired_workers=0",
        ])
    );
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_a_dry_run_saves_nothing() {
    let s = scratch("atomic").await;
    let tf = wny(&s.app).await;
    let header = "case_id,cty_nm,st_cd,zip_cd,naic_cd,case_violtn_cnt,bw_atp_amt\n";
    let mut text = header.to_owned();
    for i in 0..5000 {
        text.push_str(&format!("{i},Batavia,NY,14020,722511,1,10\n"));
    }
    // A file that cannot be read to the end: the rows already written are rolled back.
    struct Failing(std::io::Cursor<Vec<u8>>);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.position() > 60_000 {
                return Err(std::io::Error::other("disk unplugged"));
            }
            let n = buf.len().min(4096);
            self.0.read(&mut buf[..n])
        }
    }
    let failed = s
        .app
        .import_threat_data(
            &SYSTEM,
            tf,
            Source::Whd,
            "whd.csv",
            Failing(std::io::Cursor::new(text.clone().into_bytes())),
            false,
            &mut |_| {},
        )
        .await;
    assert!(
        matches!(failed, Err(AppError::Invalid(ref i)) if i.to_string().contains("disk unplugged")),
        "{failed:?}"
    );
    assert!(stored(&s.app, tf).await.is_empty());
    assert!(s
        .app
        .threat_datasets(&SYSTEM, tf)
        .await
        .expect("datasets")
        .is_empty());
    // A dry run reads everything and saves nothing.
    let report = s
        .app
        .import_threat_data(
            &SYSTEM,
            tf,
            Source::Whd,
            "whd.csv",
            text.as_bytes(),
            true,
            &mut |_| {},
        )
        .await
        .expect("dry run");
    assert_eq!((report.kept, report.dry_run), (5000, true));
    assert!(s
        .app
        .threat_datasets(&SYSTEM, tf)
        .await
        .expect("datasets")
        .is_empty());
    // A file that is not of the layout is refused whole, naming what is missing.
    let wrong = s
        .app
        .import_threat_data(
            &SYSTEM,
            tf,
            Source::Cbp,
            "x.csv",
            text.as_bytes(),
            false,
            &mut |_| {},
        )
        .await;
    assert!(
        matches!(wrong, Err(AppError::Invalid(ref i)) if i.message_for("file").is_some_and(|m| m.contains("fipstate")))
    );
    // Then the real import: 5000 rows in one dataset.
    let report = import(&s.app, tf, Source::Whd, &text).await;
    assert_eq!(report.records, 5000);
    assert_eq!(stored(&s.app, tf).await.len(), 5000);
}

#[tokio::test]
async fn random_bytes_never_panic_an_import() {
    let s = scratch("fuzz").await;
    let tf = wny(&s.app).await;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet: &[u8] =
        b"0123456789,,,\"\"\n\r\t;(D)(Z)NYERIE -/&\xff\xfe\x00AND14020112120722511";
    let headers = [
        "fipstate,fipscty,naics,emp_nf,emp,est\n",
        "Geo Level,State ANSI,County ANSI,Commodity,Data Item,Value\n",
        "CASE_NUMBER,CASE_STATUS,EMPLOYER_NAME,NAICS_CODE,TOTAL_WORKERS_H2A_CERTIFIED,WORKSITE_STATE,WORKSITE_COUNTY\n",
        "case_id,cty_nm,st_cd,zip_cd,naic_cd,case_violtn_cnt,bw_atp_amt\n",
        "",
    ];
    for round in 0..200u64 {
        let mut bytes: Vec<u8> = headers[(round % headers.len() as u64) as usize]
            .as_bytes()
            .to_vec();
        let len = (next() % 2000) as usize;
        bytes.extend((0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]));
        for source in Source::ALL {
            let outcome = s
                .app
                .import_threat_data(
                    &SYSTEM,
                    tf,
                    *source,
                    "fuzz.csv",
                    bytes.as_slice(),
                    true,
                    &mut |_| {},
                )
                .await;
            assert!(
                matches!(outcome, Ok(_) | Err(AppError::Invalid(_))),
                "{outcome:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_demo_assessment_puts_dairy_at_the_top_for_reasons_it_shows() {
    let s = scratch("demo").await;
    let app = demo::demo_app(s.app.store().clone());
    demo::seed(&app).await.expect("demo");
    let tf = app
        .task_forces(&SYSTEM)
        .await
        .expect("task forces")
        .into_iter()
        .find(|t| t.name.starts_with("Western New York"))
        .expect("western New York")
        .id;
    let models = app.threat_models(&SYSTEM, tf).await.expect("models");
    assert_eq!(models.len(), 2);
    let a = app
        .threat_assessment(&SYSTEM, tf, Some(1))
        .await
        .expect("version 1");
    for c in a.scored.iter().take(8) {
        let reasons: Vec<String> = c
            .top_parts(3)
            .iter()
            .map(|p| format!("{} {:.1}", p.indicator, p.contribution))
            .collect();
        eprintln!(
            "{:>2}. {:<7} {} {:5.1}  {}",
            c.rank,
            c.industry,
            c.fips,
            c.score,
            reasons.join(", ")
        );
    }
    let top: Vec<&str> = a
        .scored
        .iter()
        .take(3)
        .map(|c| c.industry.as_str())
        .collect();
    assert!(
        top.contains(&"112120"),
        "dairy among the top three: {top:?}"
    );
    let dairy = a
        .scored
        .iter()
        .find(|c| c.industry == "112120")
        .expect("dairy");
    let reasons: Vec<&str> = dairy
        .top_parts(3)
        .iter()
        .map(|p| p.indicator.as_str())
        .collect();
    assert!(reasons.contains(&"year_round_uncovered"), "{reasons:?}");
    // Recompute the score from what the explanation shows.
    let e = app
        .threat_explanation(&SYSTEM, tf, Some(1), &dairy.industry, &dairy.fips)
        .await
        .expect("explanation");
    let total: f64 = e.indicators.iter().map(|i| i.weight).sum();
    let recomputed: f64 = e
        .scored
        .parts
        .iter()
        .map(|p| p.weight * p.normalised / total * 100.0)
        .sum();
    assert!((recomputed - e.scored.score).abs() < 1e-9);
    assert!(!e.records.is_empty(), "the source rows behind the score");
    assert!(e.records.iter().any(|r| r.source == Source::Whd));
    // Weighing only the temporary-visa share ranks a crop (H-2A) cell first instead.
    let weights: BTreeMap<String, f64> = a
        .indicators
        .iter()
        .map(|i| {
            (
                i.name.clone(),
                if i.name == "visa_share" { 1.0 } else { 0.0 },
            )
        })
        .collect();
    let saved = app
        .save_threat_model(&SYSTEM, tf, "visa share only", &weights)
        .await
        .expect("save");
    let b = app
        .threat_assessment(&SYSTEM, tf, Some(saved.version))
        .await
        .expect("new version");
    assert_ne!(b.scored[0].industry, "112120");
    assert!(
        ["111", "1151", "561730", "721", "713", "1133"].contains(&b.scored[0].industry.as_str()),
        "{}",
        b.scored[0].industry
    );
    // The earlier version is reproduced unchanged.
    let again = app
        .threat_assessment(&SYSTEM, tf, Some(1))
        .await
        .expect("version 1 again");
    assert_eq!(again.scored, a.scored);
    // Weights outside 0..10 are refused, naming the indicator.
    let bad: BTreeMap<String, f64> = [("workforce".to_owned(), 11.0)].into();
    let refused = app.save_threat_model(&SYSTEM, tf, "", &bad).await;
    assert!(
        matches!(refused, Err(AppError::Invalid(ref i)) if i.message_for("weight_workforce").is_some())
    );
}
