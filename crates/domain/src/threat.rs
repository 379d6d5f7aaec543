//! Threat assessment (capability C6): which local industries are vulnerable to labor and sex
//! trafficking, county by county, and why.
//!
//! - [`industries`]: the industries assessed, as data: NAICS prefixes, the Polaris typology types
//!   they correspond to, whether their work is year-round.
//! - [`import`]: readers of the public files in their real layouts (Census CBP, USDA NASS Quick
//!   Stats, DOL OFLC H-2A / H-2B disclosure, DOL WHD enforcement), one row at a time.
//! - [`geo`]: placing a row in a county: free-text county names (with typos, several per cell),
//!   ZIP codes and cities, from reference data shipped with the program.
//! - [`score`]: the scoring model. An indicator is data (name, measures, normaliser, weight);
//!   every score decomposes into its indicators' contributions.
//!
//! Everything here is pure: no I/O, no clock.

pub mod geo;
pub mod import;
pub mod plan;
pub mod score;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The public datasets the assessment reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Census County Business Patterns: establishments and employees by industry and county.
    Cbp,
    /// USDA NASS Quick Stats: farm operations and hired farm labor by county.
    Nass,
    /// DOL OFLC H-2A (temporary agricultural worker) disclosure data.
    H2a,
    /// DOL OFLC H-2B (temporary non-agricultural worker) disclosure data.
    H2b,
    /// DOL Wage and Hour Division enforcement cases.
    Whd,
}

impl Source {
    pub const ALL: &'static [Source] = &[
        Source::Cbp,
        Source::Nass,
        Source::H2a,
        Source::H2b,
        Source::Whd,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Source::Cbp => "cbp",
            Source::Nass => "nass",
            Source::H2a => "h2a",
            Source::H2b => "h2b",
            Source::Whd => "whd",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.code().eq_ignore_ascii_case(code.trim()))
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Cbp => "Census County Business Patterns",
            Source::Nass => "USDA NASS Quick Stats (farms and hired farm labor)",
            Source::H2a => "DOL H-2A temporary agricultural visa certifications",
            Source::H2b => "DOL H-2B temporary non-agricultural visa certifications",
            Source::Whd => "DOL Wage and Hour Division enforcement cases",
        }
    }
}

/// An industry the assessment scores, with its crosswalk to the Polaris typology.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Industry {
    /// The industry's NAICS code (its shortest prefix), used as its id: `112120`, `722`.
    pub code: &'static str,
    pub label: &'static str,
    /// NAICS prefixes that belong to it (a six-digit code belongs to the industry with the
    /// longest matching prefix).
    pub naics: &'static [&'static str],
    /// Polaris typology type numbers (1-25, DOMAIN.md).
    pub typology: &'static [u8],
    /// Farm work that goes on all year (dairy, livestock), which the seasonal H-2A program does
    /// not cover: its workers have neither the program's protections nor, often, papers.
    pub year_round: bool,
    /// Partners a task force usually engages for outreach in this industry.
    pub partners: &'static str,
}

const fn industry(
    code: &'static str,
    label: &'static str,
    naics: &'static [&'static str],
    typology: &'static [u8],
    year_round: bool,
    partners: &'static str,
) -> Industry {
    Industry {
        code,
        label,
        naics,
        typology,
        year_round,
        partners,
    }
}

/// The industries assessed (a crosswalk from NAICS to the 25 Polaris types). Adding an industry
/// is a row here.
pub const INDUSTRIES: &[Industry] = &[
    industry("112120", "Dairy cattle and milk production", &["112120"], &[11], true,
        "Dairy cooperatives; Cornell Cooperative Extension dairy team; migrant health clinics; Mexican and Guatemalan consulates; farmworker advocates"),
    industry("1121", "Beef cattle ranching and feedlots", &["1121"], &[11], true,
        "Cattle producer associations; extension offices; rural health clinics"),
    industry("112", "Other animal production (poultry, hogs, aquaculture)", &["112"], &[11], true,
        "Poultry and hog growers' associations; extension offices; migrant health clinics"),
    industry("111", "Crop production (fruit, vegetables, greenhouse, nursery)", &["111"], &[11], false,
        "Grower associations; extension offices; migrant health clinics; farmworker advocates; consulates"),
    industry("1151", "Farm labor contractors and support for crop production", &["1151"], &[11], false,
        "Farm labor contractor registration office; farmworker legal services; consulates"),
    industry("1133", "Logging", &["1133", "1153"], &[23], false,
        "Forest products associations; state forestry agency; H-2B employers' associations"),
    industry("23", "Construction", &["23"], &[14], false,
        "Building trades councils; worker centers; OSHA area office"),
    industry("3116", "Meat and poultry processing", &["3116"], &[20], false,
        "Processing plant unions; occupational health clinics; consulates"),
    industry("31", "Manufacturing (other)", &["31", "32", "33"], &[20], false,
        "Manufacturers' associations; staffing agency regulators; worker centers"),
    industry("561720", "Janitorial and commercial cleaning", &["561720"], &[19], false,
        "Building-service unions; property managers; worker centers"),
    industry("561730", "Landscaping services", &["561730"], &[16], false,
        "Landscaping trade associations; H-2B employers' associations; consulates"),
    industry("721", "Hotels and accommodation", &["721"], &[15, 1], false,
        "Hotel and lodging association; hospitality unions; tourism bureau"),
    industry("722", "Restaurants and food service", &["722"], &[9, 6], false,
        "Restaurant association; food-service worker centers; health department inspectors"),
    industry("8121", "Personal care (nail salons, massage, beauty)", &["8121"], &[13, 2], false,
        "State cosmetology and massage licensing boards; community health workers"),
    industry("621610", "Home health care", &["621610"], &[24, 5], false,
        "Home-care agencies; health-care worker unions; aging services"),
    industry("623", "Nursing and residential care", &["623"], &[24], false,
        "Nursing-home associations; long-term care ombudsman"),
    industry("713", "Amusement, carnivals and recreation", &["713"], &[22, 25], false,
        "Fair and carnival associations; county fair boards; H-2B employers' associations"),
    industry("814", "Private households (domestic work)", &["814"], &[5], false,
        "Domestic workers' alliance; consulates; faith communities"),
];

/// The Polaris typology (2017), numbered as in DOMAIN.md.
pub const TYPOLOGY: &[&str] = &[
    "Escort Services",
    "Illicit Massage, Health & Beauty",
    "Outdoor Solicitation",
    "Residential",
    "Domestic Work",
    "Bars, Strip Clubs & Cantinas",
    "Pornography",
    "Traveling Sales Crews",
    "Restaurants & Food Service",
    "Peddling & Begging",
    "Agriculture & Animal Husbandry",
    "Personal Sexual Servitude",
    "Health & Beauty Services",
    "Construction",
    "Hotels & Hospitality",
    "Landscaping",
    "Illicit Activities",
    "Arts & Entertainment",
    "Commercial Cleaning",
    "Factories & Manufacturing",
    "Remote Interactive Sexual Acts",
    "Carnivals",
    "Forestry & Logging",
    "Health Care",
    "Recreational Facilities",
];

/// The typology type with this number (1-25).
pub fn typology(number: u8) -> Option<&'static str> {
    TYPOLOGY.get(usize::from(number).checked_sub(1)?).copied()
}

/// The industry with this code.
pub fn industry_by_code(code: &str) -> Option<&'static Industry> {
    INDUSTRIES.iter().find(|i| i.code == code.trim())
}

/// The NAICS digits of a code as the files write it: `1121//` and `11----` become `1121`, `11`;
/// `31-33` becomes `31`.
pub fn naics_digits(code: &str) -> String {
    code.trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// The industry a (detailed) NAICS code belongs to: the one with the longest matching prefix.
pub fn industry_of(naics: &str) -> Option<&'static Industry> {
    let digits = naics_digits(naics);
    if digits.len() < 2 {
        return None;
    }
    INDUSTRIES
        .iter()
        .flat_map(|i| i.naics.iter().map(move |p| (i, *p)))
        .filter(|(_, prefix)| digits.starts_with(prefix))
        .max_by_key(|(_, prefix)| prefix.len())
        .map(|(i, _)| i)
}

/// The industry whose own prefix is exactly this code (for summary files such as CBP, which
/// repeat every level of the NAICS tree: only the level an industry is defined at is counted,
/// so that no worker is counted twice).
pub fn industry_at_level(naics: &str) -> Option<&'static Industry> {
    let digits = naics_digits(naics);
    INDUSTRIES
        .iter()
        .find(|i| i.naics.first().is_some_and(|p| *p == digits))
}

/// Where a stored row belongs: an industry's code, or [`COUNTY_CONTEXT`] for county-wide
/// figures (all industries, all farms) that indicators divide by.
pub const COUNTY_CONTEXT: &str = "_county";

/// Names of the measures rows carry. Indicators are written over these names.
pub mod measure {
    /// CBP: establishments.
    pub const ESTABLISHMENTS: &str = "establishments";
    /// CBP: employees (mid-March).
    pub const EMPLOYEES: &str = "employees";
    /// CBP: annual payroll ($1,000s).
    pub const PAYROLL: &str = "annual_payroll";
    /// NASS: farm operations.
    pub const FARM_OPERATIONS: &str = "farm_operations";
    /// NASS: hired farm workers.
    pub const HIRED_WORKERS: &str = "hired_workers";
    /// H-2A / H-2B: workers certified.
    pub const H2A_CERTIFIED: &str = "h2a_certified";
    pub const H2B_CERTIFIED: &str = "h2b_certified";
    /// H-2A: workers in housing the employer provides.
    pub const EMPLOYER_HOUSING: &str = "employer_housing";
    /// WHD: cases, violations, back wages, employees owed back wages, penalties.
    pub const WHD_CASES: &str = "whd_cases";
    pub const VIOLATIONS: &str = "violations";
    pub const BACK_WAGES: &str = "back_wages";
    pub const EMPLOYEES_OWED: &str = "employees_owed";
    pub const PENALTIES: &str = "penalties";
    /// WHD: child-labor violations and minors employed in violation.
    pub const CHILD_LABOR: &str = "child_labor";
    pub const MINORS: &str = "minors";
    /// WHD: Migrant and Seasonal Agricultural Worker Protection Act violations.
    pub const MSPA_VIOLATIONS: &str = "mspa_violations";
    /// WHD: H-2A and H-2B program violations.
    pub const VISA_PROGRAM_VIOLATIONS: &str = "visa_program_violations";
    /// WHD: cases against repeat or willful violators.
    pub const REPEAT_WILLFUL: &str = "repeat_willful";
    /// County context: employees of all industries (CBP), all farm operations and hired farm
    /// workers (NASS).
    pub const COUNTY_EMPLOYEES: &str = "county_employees";
    pub const COUNTY_FARM_OPERATIONS: &str = "county_farm_operations";
    pub const COUNTY_HIRED_WORKERS: &str = "county_hired_workers";
    /// Derived for each cell (see `score::cell_measures`).
    pub const WORKERS: &str = "workers";
    pub const COUNTY_WORKERS: &str = "county_workers";
    pub const YEAR_ROUND_UNCOVERED: &str = "year_round_uncovered";
    pub const VISA_CERTIFIED: &str = "visa_certified";
}

/// One row of a public file as the assessment keeps it (a row naming several counties becomes
/// one record per county).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The line of the file it came from (1 = the header).
    pub line: u64,
    /// Which county of a multi-county row (0 for the first or only one).
    pub part: u32,
    /// Industry code, or [`COUNTY_CONTEXT`].
    pub industry: String,
    /// Five-digit county FIPS code.
    pub fips: String,
    /// The NAICS code as the file wrote it (kept as text).
    pub naics: String,
    /// What the row is, in words: an employer's name, a data item.
    pub label: String,
    pub measures: BTreeMap<String, f64>,
    /// Measures the publisher withheld (`(D)`, noise flag D or S): not counted as zero.
    pub withheld: Vec<String>,
    /// How a value was derived (estimated from size classes, split across counties...).
    pub note: String,
}

#[cfg(test)]
mod tests;
