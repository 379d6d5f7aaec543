//! Readers of the public files in the layouts people download (shared/DATA-FORMATS.md), one row
//! at a time. Header names are matched case-insensitively, codes are kept as text, withheld
//! values are kept apart from zeros, and every row is either kept (as one record per county),
//! skipped for a stated reason that is not an error (another state, a denied application, an
//! industry not assessed) or rejected with the line and the reason. Nothing here panics on any
//! input: every index is checked, every number parsed fallibly.

use super::geo;
use super::measure as m;
use super::{industry_at_level, industry_of, naics_digits, Record, Source, COUNTY_CONTEXT};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What became of one row.
#[derive(Clone, Debug, PartialEq)]
pub enum RowOutcome {
    /// Kept: one record per county; `unresolved` names the parts of a county cell that matched
    /// no county (the row is kept for the counties that did).
    Keep {
        records: Vec<Record>,
        unresolved: Vec<String>,
    },
    /// Not an error, not assessed (the reason says why).
    Skip(&'static str),
    /// Refused: the reason names the column and what was wrong.
    Reject(String),
}

/// The column names of each source, in the variants the files use.
struct Wanted {
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

const fn col(name: &'static str, aliases: &'static [&'static str], required: bool) -> Wanted {
    Wanted {
        name,
        aliases,
        required,
    }
}

const CBP: &[Wanted] = &[
    col("fipstate", &[], true),
    col("fipscty", &[], true),
    col("naics", &[], true),
    col("emp", &[], true),
    col("emp_nf", &[], false),
    col("empflag", &[], false),
    col("ap", &[], false),
    col("est", &[], true),
    col("n<5", &["n1_4"], false),
    col("n5_9", &[], false),
    col("n10_19", &[], false),
    col("n20_49", &[], false),
    col("n50_99", &[], false),
    col("n100_249", &[], false),
    col("n250_499", &[], false),
    col("n500_999", &[], false),
    col("n1000", &[], false),
];

const NASS: &[Wanted] = &[
    col("geo level", &[], true),
    col("state ansi", &[], true),
    col("county ansi", &[], true),
    col("county", &[], false),
    col("commodity", &[], true),
    col("data item", &[], true),
    col("domain", &[], false),
    col("domain category", &[], false),
    col("value", &[], true),
    col("year", &[], false),
];

const H2: &[Wanted] = &[
    col("case_number", &["case_no"], true),
    col("case_status", &[], true),
    col("employer_name", &[], true),
    col("naics_code", &[], true),
    col(
        "total_workers_h2a_certified",
        &["nbr_workers_certified", "total_workers_certified"],
        true,
    ),
    col("worksite_state", &[], true),
    col("worksite_county", &[], true),
    col("worksite_city", &[], false),
    col("worksite_postal_code", &[], false),
    col("type_of_housing", &[], false),
    col("total_occupancy", &[], false),
];

const WHD: &[Wanted] = &[
    col("case_id", &[], true),
    col("trade_nm", &[], false),
    col("legal_name", &[], false),
    col("cty_nm", &[], true),
    col("st_cd", &[], true),
    col("zip_cd", &[], true),
    col("naic_cd", &[], true),
    col("case_violtn_cnt", &[], true),
    col("cmp_assd_cnt", &["cmp_assd"], false),
    col("bw_atp_amt", &[], true),
    col("ee_atp_cnt", &[], false),
    col("flsa_repeat_violator", &[], false),
    col("mspa_violtn_cnt", &[], false),
    col("flsa_cl_violtn_cnt", &[], false),
    col("flsa_cl_minor_cnt", &[], false),
    col("h2a_violtn_cnt", &[], false),
    col("h2b_violtn_cnt", &[], false),
];

fn wanted(source: Source) -> &'static [Wanted] {
    match source {
        Source::Cbp => CBP,
        Source::Nass => NASS,
        Source::H2a | Source::H2b => H2,
        Source::Whd => WHD,
    }
}

/// Reads the rows of one file of one source, given its header.
#[derive(Clone, Debug)]
pub struct Parser {
    source: Source,
    /// Column index of each wanted name (by the wanted name).
    columns: BTreeMap<&'static str, usize>,
    /// The task force's counties: rows elsewhere are skipped.
    jurisdiction: Vec<String>,
    /// The state codes of the jurisdiction.
    states: Vec<String>,
}

impl Parser {
    /// Matches the header's names (case-insensitively, trimmed, a byte-order mark ignored) to
    /// the columns the source needs; names every required column that is missing.
    pub fn new(source: Source, header: &[&str], jurisdiction: &[String]) -> Result<Self, String> {
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let mut columns = BTreeMap::new();
        let mut missing = Vec::new();
        for w in wanted(source) {
            let found = std::iter::once(w.name)
                .chain(w.aliases.iter().copied())
                .find_map(|n| names.iter().position(|h| h == n));
            match found {
                Some(i) => {
                    columns.insert(w.name, i);
                }
                None if w.required => missing.push(w.name),
                None => {}
            }
        }
        if !missing.is_empty() {
            return Err(format!(
                "this is not a {} file: the header lacks {}",
                source.label(),
                missing.join(", ")
            ));
        }
        let mut states: Vec<String> = jurisdiction
            .iter()
            .filter_map(|f| crate::reference::county(f).map(|c| c.state_code.clone()))
            .collect();
        states.sort();
        states.dedup();
        Ok(Self {
            source,
            columns,
            jurisdiction: jurisdiction.to_vec(),
            states,
        })
    }

    pub fn source(&self) -> Source {
        self.source
    }

    fn get<'a>(&self, fields: &[&'a str], name: &str) -> &'a str {
        self.columns
            .get(name)
            .and_then(|i| fields.get(*i))
            .map_or("", |v| v.trim())
    }

    fn in_jurisdiction(&self, fips: &str) -> bool {
        self.jurisdiction.iter().any(|f| f == fips)
    }

    /// Reads one data row (`line` is its line in the file).
    pub fn row(&self, line: u64, fields: &[&str]) -> RowOutcome {
        if fields.iter().all(|f| f.trim().is_empty()) {
            return RowOutcome::Skip("blank line");
        }
        match self.source {
            Source::Cbp => self.cbp(line, fields),
            Source::Nass => self.nass(line, fields),
            Source::H2a | Source::H2b => self.h2(line, fields),
            Source::Whd => self.whd(line, fields),
        }
    }

    fn cbp(&self, line: u64, fields: &[&str]) -> RowOutcome {
        let state = self.get(fields, "fipstate");
        let county = self.get(fields, "fipscty");
        if state.len() != 2
            || county.len() != 3
            || !state
                .chars()
                .chain(county.chars())
                .all(|c| c.is_ascii_digit())
        {
            return RowOutcome::Reject(format!(
                "fipstate {state:?} and fipscty {county:?} are not a 2 + 3 digit county code"
            ));
        }
        if county == "999" {
            return RowOutcome::Skip("statewide, not in a county");
        }
        let fips = format!("{state}{county}");
        if !self.in_jurisdiction(&fips) {
            return RowOutcome::Skip("outside the task force's counties");
        }
        let naics = self.get(fields, "naics");
        let industry = if naics.chars().all(|c| c == '-') && !naics.is_empty() {
            COUNTY_CONTEXT
        } else {
            match industry_at_level(naics) {
                Some(i) => i.code,
                None => return RowOutcome::Skip("industry not assessed"),
            }
        };
        let mut measures = BTreeMap::new();
        let mut withheld = Vec::new();
        let mut note = String::new();
        let est = match number(self.get(fields, "est")) {
            Ok(Value::Number(v)) => v,
            Ok(_) => 0.0,
            Err(e) => return RowOutcome::Reject(format!("est: {e}")),
        };
        let emp = match number(self.get(fields, "emp")) {
            Ok(Value::Number(v)) => Some(v),
            Ok(_) => None,
            Err(e) => return RowOutcome::Reject(format!("emp: {e}")),
        };
        let flag = self.get(fields, "emp_nf").to_uppercase();
        let empflag = self.get(fields, "empflag").to_uppercase();
        let suppressed = matches!(flag.as_str(), "D" | "S") || !empflag.is_empty();
        let employees_name = if industry == COUNTY_CONTEXT {
            m::COUNTY_EMPLOYEES
        } else {
            m::EMPLOYEES
        };
        match (emp, suppressed) {
            (Some(v), false) => {
                measures.insert(employees_name.to_owned(), v);
                if matches!(flag.as_str(), "J") {
                    note = "employment has noise of 5% or more (flag J)".into();
                }
            }
            _ => {
                // Withheld: estimate from the establishments' size classes (midpoints), or from
                // the range the old EMPFLAG letter gives.
                let estimate =
                    empflag_midpoint(&empflag).or_else(|| self.size_class_estimate(fields));
                withheld.push(employees_name.to_owned());
                if let Some(v) = estimate {
                    measures.insert(employees_name.to_owned(), v);
                    note = if empflag.is_empty() {
                        "employment withheld; estimated from establishment size classes".into()
                    } else {
                        format!(
                            "employment withheld; estimated from employment-size flag {empflag}"
                        )
                    };
                } else {
                    note = "employment withheld".into();
                }
            }
        }
        if industry != COUNTY_CONTEXT {
            measures.insert(m::ESTABLISHMENTS.to_owned(), est);
            // Payroll is withheld with employment (written as 0).
            if !suppressed {
                if let Ok(Value::Number(v)) = number(self.get(fields, "ap")) {
                    measures.insert(m::PAYROLL.to_owned(), v);
                }
            }
        }
        RowOutcome::Keep {
            records: vec![Record {
                line,
                part: 0,
                industry: industry.to_owned(),
                fips,
                naics: naics.to_owned(),
                label: if industry == COUNTY_CONTEXT {
                    "All industries".into()
                } else {
                    format!("{est} establishments")
                },
                measures,
                withheld,
                note,
            }],
            unresolved: Vec::new(),
        }
    }

    fn size_class_estimate(&self, fields: &[&str]) -> Option<f64> {
        const BANDS: &[(&str, f64)] = &[
            ("n<5", 2.5),
            ("n5_9", 7.0),
            ("n10_19", 14.5),
            ("n20_49", 34.5),
            ("n50_99", 74.5),
            ("n100_249", 174.5),
            ("n250_499", 374.5),
            ("n500_999", 749.5),
            ("n1000", 1500.0),
        ];
        let mut total = 0.0;
        let mut any = false;
        for (name, midpoint) in BANDS {
            if let Ok(Value::Number(n)) = number(self.get(fields, name)) {
                total += n * midpoint;
                any = true;
            }
        }
        any.then_some(total)
    }

    fn nass(&self, line: u64, fields: &[&str]) -> RowOutcome {
        if !self.get(fields, "geo level").eq_ignore_ascii_case("county") {
            return RowOutcome::Skip("not a county figure");
        }
        let state = self.get(fields, "state ansi");
        let county = self.get(fields, "county ansi");
        if county.is_empty() {
            return RowOutcome::Skip("combined counties, not one county");
        }
        let (Some(state), Some(county)) = (pad_digits(state, 2), pad_digits(county, 3)) else {
            return RowOutcome::Reject(format!(
                "State ANSI {state:?} and County ANSI {county:?} are not a county code"
            ));
        };
        let fips = format!("{state}{county}");
        if !self.in_jurisdiction(&fips) {
            return RowOutcome::Skip("outside the task force's counties");
        }
        let item = self.get(fields, "data item").to_uppercase();
        let commodity = self.get(fields, "commodity").to_uppercase();
        let domain_category = self.get(fields, "domain category").to_uppercase();
        // A NAICS classification in the domain ("NAICS CLASSIFICATION: (112120)") names the
        // industry; otherwise the figure is for all farms, or for milk cows.
        let classified = domain_category
            .split_once("NAICS CLASSIFICATION: (")
            .and_then(|(_, rest)| rest.split(')').next())
            .map(naics_digits);
        let is_operations = item.contains("OPERATIONS");
        let is_labor =
            commodity == "LABOR" && item.contains("HIRED") && item.contains("NUMBER OF WORKERS");
        let dairy = item.starts_with("CATTLE, COWS, MILK") || commodity == "MILK";
        let (industry, naics, measure) = match (&classified, is_labor, is_operations) {
            (Some(code), true, _) => match industry_of(code) {
                Some(i) => (i.code, code.clone(), m::HIRED_WORKERS),
                None => return RowOutcome::Skip("industry not assessed"),
            },
            (Some(code), false, true) => match industry_of(code) {
                Some(i) => (i.code, code.clone(), m::FARM_OPERATIONS),
                None => return RowOutcome::Skip("industry not assessed"),
            },
            (None, true, _)
                if domain_category.is_empty()
                    || domain_category.contains("NOT SPECIFIED")
                    || self.get(fields, "domain").eq_ignore_ascii_case("total") =>
            {
                (COUNTY_CONTEXT, "11".to_owned(), m::COUNTY_HIRED_WORKERS)
            }
            (None, false, true) if dairy && item.contains("INVENTORY") => {
                ("112120", "112120".to_owned(), m::FARM_OPERATIONS)
            }
            (None, false, true)
                if item.starts_with("FARM OPERATIONS")
                    && (domain_category.is_empty()
                        || self.get(fields, "domain").eq_ignore_ascii_case("total")) =>
            {
                (COUNTY_CONTEXT, "11".to_owned(), m::COUNTY_FARM_OPERATIONS)
            }
            _ => return RowOutcome::Skip("data item not used by the assessment"),
        };
        let mut measures = BTreeMap::new();
        let mut withheld = Vec::new();
        let mut note = String::new();
        match number(self.get(fields, "value")) {
            Ok(Value::Number(v)) => {
                measures.insert(measure.to_owned(), v);
            }
            Ok(Value::LessThanHalf) => {
                measures.insert(measure.to_owned(), 0.0);
                note = "(Z): less than half the unit".into();
            }
            Ok(Value::Withheld) | Ok(Value::Empty) => {
                withheld.push(measure.to_owned());
                note = "(D): withheld to avoid disclosing individual operations".into();
            }
            Err(e) => return RowOutcome::Reject(format!("Value: {e}")),
        }
        let year = self.get(fields, "year");
        RowOutcome::Keep {
            records: vec![Record {
                line,
                part: 0,
                industry: industry.to_owned(),
                fips,
                naics,
                label: if year.is_empty() {
                    item
                } else {
                    format!("{item} ({year})")
                },
                measures,
                withheld,
                note,
            }],
            unresolved: Vec::new(),
        }
    }

    fn h2(&self, line: u64, fields: &[&str]) -> RowOutcome {
        let status = self.get(fields, "case_status").to_lowercase();
        if !status.contains("certification") || status.contains("denied") {
            return RowOutcome::Skip("not certified (withdrawn or denied)");
        }
        let Some(state) = geo::state_code(self.get(fields, "worksite_state")) else {
            return RowOutcome::Reject(format!(
                "WORKSITE_STATE {:?} is not a U.S. state",
                self.get(fields, "worksite_state")
            ));
        };
        if !self.states.contains(&state) {
            return RowOutcome::Skip("outside the task force's counties");
        }
        let naics = self.get(fields, "naics_code");
        let Some(industry) = industry_of(naics) else {
            return RowOutcome::Skip("industry not assessed");
        };
        let certified = match number(self.get(fields, "total_workers_h2a_certified")) {
            Ok(Value::Number(v)) => v,
            Ok(_) => 0.0,
            Err(e) => return RowOutcome::Reject(format!("workers certified: {e}")),
        };
        let cell = self.get(fields, "worksite_county");
        let mut counties = Vec::new();
        let mut unresolved = Vec::new();
        for part in geo::split_counties(cell) {
            match geo::county_by_name(&state, &part) {
                Some(fips) if !counties.contains(&fips) => counties.push(fips),
                Some(_) => {}
                None => unresolved.push(part),
            }
        }
        if counties.is_empty() && cell.is_empty() {
            if let Some(fips) = geo::county_by_zip(self.get(fields, "worksite_postal_code")) {
                counties.push(fips);
            }
        }
        if counties.is_empty() {
            return RowOutcome::Reject(if cell.is_empty() {
                "WORKSITE_COUNTY is empty and WORKSITE_POSTAL_CODE names no known ZIP code".into()
            } else {
                format!("WORKSITE_COUNTY {cell:?}: no county of {state} by that name")
            });
        }
        // H-2A employers must house their workers: the occupancy of the housing listed, or the
        // workers certified when the occupancy is not given.
        let has_housing = !self.get(fields, "type_of_housing").is_empty();
        let housed = match number(self.get(fields, "total_occupancy")) {
            Ok(Value::Number(v)) if has_housing => v,
            _ if has_housing => certified,
            _ => 0.0,
        };
        let share = 1.0 / counties.len() as f64;
        let certified_name = if self.source == Source::H2a {
            m::H2A_CERTIFIED
        } else {
            m::H2B_CERTIFIED
        };
        let note = if counties.len() > 1 {
            format!("workers split evenly across {} counties", counties.len())
        } else {
            String::new()
        };
        let employer = self.get(fields, "employer_name");
        let case = self.get(fields, "case_number");
        let records = counties
            .iter()
            .enumerate()
            .filter(|(_, fips)| self.in_jurisdiction(fips))
            .map(|(part, fips)| {
                let mut measures = BTreeMap::new();
                measures.insert(certified_name.to_owned(), certified * share);
                if self.source == Source::H2a && housed > 0.0 {
                    measures.insert(m::EMPLOYER_HOUSING.to_owned(), housed * share);
                }
                Record {
                    line,
                    part: u32::try_from(part).unwrap_or(u32::MAX),
                    industry: industry.code.to_owned(),
                    fips: fips.clone(),
                    naics: naics.to_owned(),
                    label: format!("{employer} ({case})"),
                    measures,
                    withheld: Vec::new(),
                    note: note.clone(),
                }
            })
            .collect::<Vec<_>>();
        if records.is_empty() {
            return RowOutcome::Skip("outside the task force's counties");
        }
        RowOutcome::Keep {
            records,
            unresolved,
        }
    }

    fn whd(&self, line: u64, fields: &[&str]) -> RowOutcome {
        let state = self.get(fields, "st_cd");
        match geo::state_code(state) {
            Some(code) if self.states.contains(&code) => {}
            Some(_) => return RowOutcome::Skip("outside the task force's counties"),
            None => return RowOutcome::Reject(format!("st_cd {state:?} is not a U.S. state")),
        }
        let naics = self.get(fields, "naic_cd");
        let Some(industry) = industry_of(naics) else {
            return RowOutcome::Skip("industry not assessed");
        };
        let fips = match geo::county_by_place(
            state,
            self.get(fields, "cty_nm"),
            self.get(fields, "zip_cd"),
        ) {
            Ok(fips) => fips,
            Err(reason) => return RowOutcome::Reject(reason),
        };
        if !self.in_jurisdiction(&fips) {
            return RowOutcome::Skip("outside the task force's counties");
        }
        let mut measures = BTreeMap::new();
        measures.insert(m::WHD_CASES.to_owned(), 1.0);
        let counts: &[(&str, &str)] = &[
            ("case_violtn_cnt", m::VIOLATIONS),
            ("bw_atp_amt", m::BACK_WAGES),
            ("ee_atp_cnt", m::EMPLOYEES_OWED),
            ("cmp_assd_cnt", m::PENALTIES),
            ("flsa_cl_violtn_cnt", m::CHILD_LABOR),
            ("flsa_cl_minor_cnt", m::MINORS),
            ("mspa_violtn_cnt", m::MSPA_VIOLATIONS),
            ("h2a_violtn_cnt", m::VISA_PROGRAM_VIOLATIONS),
            ("h2b_violtn_cnt", m::VISA_PROGRAM_VIOLATIONS),
        ];
        for (column, measure) in counts {
            let text = self.get(fields, column);
            match number(text) {
                Ok(Value::Number(v)) => {
                    if v < 0.0 {
                        return RowOutcome::Reject(format!("{column}: {text:?} is negative"));
                    }
                    *measures.entry((*measure).to_owned()).or_insert(0.0) += v;
                }
                Ok(_) => {}
                Err(e) => return RowOutcome::Reject(format!("{column}: {e}")),
            }
        }
        let repeat = self.get(fields, "flsa_repeat_violator").to_uppercase();
        if matches!(repeat.as_str(), "R" | "W" | "RW" | "WR") {
            measures.insert(m::REPEAT_WILLFUL.to_owned(), 1.0);
        }
        let name = [self.get(fields, "trade_nm"), self.get(fields, "legal_name")]
            .into_iter()
            .find(|n| !n.is_empty())
            .unwrap_or("(employer not named)");
        RowOutcome::Keep {
            records: vec![Record {
                line,
                part: 0,
                industry: industry.code.to_owned(),
                fips,
                naics: naics.to_owned(),
                label: format!("{name} (case {})", self.get(fields, "case_id")),
                measures,
                withheld: Vec::new(),
                note: match repeat.as_str() {
                    "R" => "repeat violator".into(),
                    "W" => "willful violator".into(),
                    "RW" | "WR" => "repeat and willful violator".into(),
                    _ => String::new(),
                },
            }],
            unresolved: Vec::new(),
        }
    }
}

/// A value cell of a public file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    /// `(D)`, `(S)`, `(NA)`, `N`: withheld or not available.
    Withheld,
    /// `(Z)`: less than half the unit shown.
    LessThanHalf,
    Empty,
}

/// Reads `1,234`, `$1,234.50`, `12`, `(D)`, `(Z)`, `N`, ``.
pub fn number(text: &str) -> Result<Value, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Value::Empty);
    }
    if ["(D)", "(S)", "(NA)", "(X)", "N", "D", "S"]
        .iter()
        .any(|flag| text.eq_ignore_ascii_case(flag))
    {
        return Ok(Value::Withheld);
    }
    if text.eq_ignore_ascii_case("(Z)") {
        return Ok(Value::LessThanHalf);
    }
    let parsed = if text.contains([',', '$']) {
        text.chars()
            .filter(|c| *c != ',' && *c != '$')
            .collect::<String>()
            .parse::<f64>()
    } else {
        text.parse::<f64>()
    };
    match parsed {
        Ok(v) if v.is_finite() => Ok(Value::Number(v)),
        _ => Err(format!("{:?} is not a number", truncate(text, 40))),
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn pad_digits(text: &str, width: usize) -> Option<String> {
    (!text.is_empty() && text.len() <= width && text.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{text:0>width$}"))
}

/// The employment range of an old CBP `EMPFLAG` letter, as its midpoint.
fn empflag_midpoint(flag: &str) -> Option<f64> {
    Some(match flag {
        "A" => 10.0,
        "B" => 60.0,
        "C" => 175.0,
        "E" => 375.0,
        "F" => 750.0,
        "G" => 1750.0,
        "H" => 3750.0,
        "I" => 7500.0,
        "J" => 17500.0,
        "K" => 37500.0,
        "L" => 75000.0,
        "M" => 100000.0,
        _ => return None,
    })
}

/// What an import did, for the person who ran it (and the audit log).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub source: String,
    pub file_name: String,
    /// Data lines read (the header not counted).
    pub lines: u64,
    /// Rows kept (a row naming several counties counts once).
    pub kept: u64,
    /// Records stored (one per county).
    pub records: u64,
    /// Rows skipped, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Every rejected row: line and reason (the first [`ImportReport::LIMIT`]; `rejected_total`
    /// counts all).
    pub rejected: Vec<(u64, String)>,
    pub rejected_total: u64,
    /// County names that did not resolve, with their line (the row kept its other counties).
    pub unresolved: Vec<(u64, String)>,
    pub unresolved_total: u64,
    pub dry_run: bool,
}

impl ImportReport {
    /// How many rejected rows and unresolved names the report lists one by one.
    pub const LIMIT: usize = 10_000;

    pub fn new(source: Source, file_name: &str, dry_run: bool) -> Self {
        Self {
            source: source.code().to_owned(),
            file_name: file_name.to_owned(),
            dry_run,
            ..Self::default()
        }
    }

    /// Counts one row's outcome; returns its records to store.
    pub fn count(&mut self, line: u64, outcome: RowOutcome) -> Vec<Record> {
        self.lines += 1;
        match outcome {
            RowOutcome::Keep {
                records,
                unresolved,
            } => {
                self.kept += 1;
                self.records += records.len() as u64;
                for name in unresolved {
                    self.unresolved_total += 1;
                    if self.unresolved.len() < Self::LIMIT {
                        self.unresolved.push((line, name));
                    }
                }
                records
            }
            RowOutcome::Skip(reason) => {
                *self.skipped.entry(reason.to_owned()).or_insert(0) += 1;
                Vec::new()
            }
            RowOutcome::Reject(reason) => {
                self.reject(line, reason);
                Vec::new()
            }
        }
    }

    pub fn reject(&mut self, line: u64, reason: String) {
        self.rejected_total += 1;
        if self.rejected.len() < Self::LIMIT {
            self.rejected.push((line, reason));
        }
    }

    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// One paragraph for people: what was kept, skipped and refused.
    pub fn summary(&self) -> String {
        format!(
            "{} data lines read: {} rows kept as {} county records, {} skipped, {} rejected{}{}.",
            self.lines,
            self.kept,
            self.records,
            self.skipped_total(),
            self.rejected_total,
            if self.unresolved_total > 0 {
                format!(", {} county names not resolved", self.unresolved_total)
            } else {
                String::new()
            },
            if self.dry_run {
                "; dry run, nothing was saved"
            } else {
                ""
            }
        )
    }
}
