//! The scoring model: industry x county cells, indicators as data, scores that decompose.
//!
//! An [`Indicator`] is a row: a name, the measures it adds up over (numerator) and divides by
//! (denominator), a [`Normaliser`] and a weight. Adding an indicator (the task force's own tips
//! and cases by industry, say, once they are fed in as a measure) is adding a row to a model,
//! not writing code. A cell's score is the weighted mean of its normalised indicator values,
//! times 100: each indicator's contribution is `weight x normalised / sum of weights x 100`, and
//! the contributions add up to the score.

use super::measure as m;
use super::{industry_by_code, COUNTY_CONTEXT};
use crate::validation::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How an indicator's raw values are brought to 0..1 across the cells of an assessment.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Normaliser {
    /// (v - min) / (max - min).
    MinMax,
    /// The same on ln(1 + v): for counts where a few large values would flatten the rest.
    LogMinMax,
    /// v / cap, at most 1: for rates with a meaningful ceiling.
    Cap { cap: f64 },
}

impl Normaliser {
    pub fn describe(self) -> String {
        match self {
            Normaliser::MinMax => "scaled between the lowest and highest cell".into(),
            Normaliser::LogMinMax => {
                "scaled between the lowest and highest cell, on a logarithmic scale".into()
            }
            Normaliser::Cap { cap } => format!("divided by {cap}, at most 1"),
        }
    }
}

/// One indicator of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Stable name (`visa_share`).
    pub name: String,
    /// Words shown to people.
    pub label: String,
    /// Why it signals vulnerability, in a sentence.
    pub why: String,
    /// Measures added up for the value.
    pub numerator: Vec<String>,
    /// Measures added up to divide by (empty: the value is the numerator itself). A cell where
    /// they add up to zero or are missing has no value for this indicator.
    pub denominator: Vec<String>,
    pub normaliser: Normaliser,
    /// 0 to 10; 0 switches the indicator off.
    pub weight: f64,
}

fn indicator(
    name: &str,
    label: &str,
    why: &str,
    numerator: &[&str],
    denominator: &[&str],
    normaliser: Normaliser,
    weight: f64,
) -> Indicator {
    Indicator {
        name: name.into(),
        label: label.into(),
        why: why.into(),
        numerator: numerator.iter().map(|s| (*s).to_owned()).collect(),
        denominator: denominator.iter().map(|s| (*s).to_owned()).collect(),
        normaliser,
        weight,
    }
}

/// The default model's indicators and weights.
pub fn default_indicators() -> Vec<Indicator> {
    use Normaliser::*;
    vec![
        indicator("workforce", "Workers in the industry",
            "More workers, more people who could be exploited and more places to reach them.",
            &[m::WORKERS], &[], LogMinMax, 1.0),
        indicator("workforce_share", "Share of the county's workers",
            "An industry that dominates a county's work gives workers fewer ways out.",
            &[m::WORKERS], &[m::COUNTY_WORKERS], MinMax, 1.0),
        indicator("visa_share", "Temporary visa workers per worker",
            "Workers on H-2A and H-2B visas are tied to one employer and often in debt to recruiters.",
            &[m::VISA_CERTIFIED], &[m::WORKERS], Cap { cap: 1.0 }, 1.5),
        indicator("year_round_uncovered", "Year-round workers outside visa programs",
            "Year-round work (dairy) cannot use the seasonal H-2A program, so it relies on workers without its wage, housing and transport protections, often undocumented.",
            &[m::YEAR_ROUND_UNCOVERED], &[], LogMinMax, 2.0),
        indicator("employer_housing", "Workers in employer-provided housing",
            "Housing that the employer controls can isolate workers and be used as leverage.",
            &[m::EMPLOYER_HOUSING], &[m::WORKERS], Cap { cap: 1.0 }, 1.0),
        indicator("violations_per_worker", "Labor-law violations per worker",
            "Wage and hour violations are a common precursor and companion of labor trafficking.",
            &[m::VIOLATIONS], &[m::WORKERS], MinMax, 1.5),
        indicator("back_wages_per_worker", "Back wages owed per worker ($)",
            "Unpaid wages are the core of labor exploitation.",
            &[m::BACK_WAGES], &[m::WORKERS], MinMax, 1.5),
        indicator("child_labor", "Child-labor violations and minors employed",
            "Children at work in violation of the law are at risk of exploitation.",
            &[m::CHILD_LABOR, m::MINORS], &[], LogMinMax, 2.0),
        indicator("mspa", "Migrant and seasonal farmworker protection violations",
            "MSPA violations concern housing, transport, disclosure and pay of migrant farmworkers.",
            &[m::MSPA_VIOLATIONS, m::VISA_PROGRAM_VIOLATIONS], &[], LogMinMax, 1.5),
        indicator("repeat_willful", "Cases against repeat or willful violators",
            "Employers who violate again, or knowingly, are those least deterred.",
            &[m::REPEAT_WILLFUL], &[], LogMinMax, 2.0),
    ]
}

/// Checks a model's indicators: names unique, weights 0 to 10 and not all 0, measures named.
pub fn validate_indicators(indicators: &[Indicator]) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    if indicators.is_empty() {
        invalid.add("indicators", "a model needs at least one indicator");
    }
    for (i, ind) in indicators.iter().enumerate() {
        let field = format!("weight_{}", ind.name);
        if !(ind.weight.is_finite() && (0.0..=10.0).contains(&ind.weight)) {
            invalid.add(field, "must be a number from 0 to 10");
        }
        if ind.name.trim().is_empty() || ind.numerator.is_empty() {
            invalid.add(
                format!("indicators[{i}]"),
                "needs a name and at least one measure",
            );
        }
        if indicators[..i].iter().any(|o| o.name == ind.name) {
            invalid.add(format!("indicators[{i}]"), "the name is used twice");
        }
        if let Normaliser::Cap { cap } = ind.normaliser {
            if !(cap.is_finite() && cap > 0.0) {
                invalid.add(format!("indicators[{i}]"), "the cap must be above 0");
            }
        }
    }
    if invalid.is_empty() && indicators.iter().all(|i| i.weight == 0.0) {
        invalid.add("weights", "at least one weight must be above 0");
    }
    invalid.finish(())
}

/// The measures of one industry in one county, added up over its records, with the derived
/// measures and a note of how each was derived.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Cell {
    pub industry: String,
    pub fips: String,
    pub measures: BTreeMap<String, f64>,
    /// Measures whose value a publisher withheld in at least one record.
    pub withheld: Vec<String>,
    /// How derived measures were obtained, by measure.
    pub derivations: BTreeMap<String, String>,
}

/// One stored record as the aggregation needs it.
pub struct Fact<'a> {
    pub industry: &'a str,
    pub fips: &'a str,
    pub measures: &'a BTreeMap<String, f64>,
    pub withheld: &'a [String],
}

/// Adds up records into industry x county cells and derives the measures indicators use:
/// `workers` (employees plus hired farm workers; for a farm industry without its own count, the
/// county's hired farm workers times its share of the county's farm operations),
/// `county_workers`, `visa_certified` (H-2A plus H-2B) and `year_round_uncovered` (for
/// year-round industries, workers beyond the H-2A workers certified).
pub fn cell_measures<'a>(facts: impl IntoIterator<Item = Fact<'a>>) -> Vec<Cell> {
    let mut cells: BTreeMap<(String, String), Cell> = BTreeMap::new();
    let mut context: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for fact in facts {
        if fact.industry == COUNTY_CONTEXT {
            let sums = context.entry(fact.fips.to_owned()).or_default();
            for (k, v) in fact.measures {
                *sums.entry(k.clone()).or_insert(0.0) += v;
            }
            continue;
        }
        let cell = cells
            .entry((fact.industry.to_owned(), fact.fips.to_owned()))
            .or_insert_with(|| Cell {
                industry: fact.industry.to_owned(),
                fips: fact.fips.to_owned(),
                ..Cell::default()
            });
        for (k, v) in fact.measures {
            *cell.measures.entry(k.clone()).or_insert(0.0) += v;
        }
        for w in fact.withheld {
            if !cell.withheld.contains(w) {
                cell.withheld.push(w.clone());
            }
        }
    }
    for cell in cells.values_mut() {
        let ctx = context.get(&cell.fips);
        let get = |map: &BTreeMap<String, f64>, k: &str| map.get(k).copied();
        let employees = get(&cell.measures, m::EMPLOYEES).unwrap_or(0.0);
        let mut hired = get(&cell.measures, m::HIRED_WORKERS);
        if hired.is_none() && cell.industry.starts_with("11") {
            let ops = get(&cell.measures, m::FARM_OPERATIONS);
            let county_ops = ctx.and_then(|c| get(c, m::COUNTY_FARM_OPERATIONS));
            let county_hired = ctx.and_then(|c| get(c, m::COUNTY_HIRED_WORKERS));
            if let (Some(ops), Some(county_ops), Some(county_hired)) =
                (ops, county_ops, county_hired)
            {
                if county_ops > 0.0 {
                    let estimate = county_hired * (ops / county_ops).min(1.0);
                    hired = Some(estimate);
                    cell.derivations.insert(
                        m::HIRED_WORKERS.to_owned(),
                        format!(
                            "estimated: the county's {county_hired} hired farm workers x this industry's {ops} of {county_ops} farm operations"
                        ),
                    );
                    cell.measures.insert(m::HIRED_WORKERS.to_owned(), estimate);
                }
            }
        }
        // Temporary visa workers are workers of the industry too: where no count of workers is
        // published (crops, whose hired labor NASS gives only for all farms), they are the floor.
        let h2a = get(&cell.measures, m::H2A_CERTIFIED).unwrap_or(0.0);
        let h2b = get(&cell.measures, m::H2B_CERTIFIED).unwrap_or(0.0);
        let workers = (employees + hired.unwrap_or(0.0)).max(h2a + h2b);
        if workers > 0.0 || hired.is_some() {
            cell.measures.insert(m::WORKERS.to_owned(), workers);
            cell.derivations.insert(
                m::WORKERS.to_owned(),
                "employees (County Business Patterns) + hired farm workers (NASS), at least the temporary visa workers certified".into(),
            );
        }
        let county_workers = ctx.map(|c| {
            get(c, m::COUNTY_EMPLOYEES).unwrap_or(0.0)
                + get(c, m::COUNTY_HIRED_WORKERS).unwrap_or(0.0)
        });
        if let Some(cw) = county_workers.filter(|v| *v > 0.0) {
            cell.measures.insert(m::COUNTY_WORKERS.to_owned(), cw);
            cell.derivations.insert(
                m::COUNTY_WORKERS.to_owned(),
                "all employees in the county (County Business Patterns) + all hired farm workers (NASS)".into(),
            );
        }
        cell.measures
            .insert(m::VISA_CERTIFIED.to_owned(), h2a + h2b);
        let year_round = industry_by_code(&cell.industry).is_some_and(|i| i.year_round);
        let uncovered = if year_round {
            (workers - h2a).max(0.0)
        } else {
            0.0
        };
        cell.measures
            .insert(m::YEAR_ROUND_UNCOVERED.to_owned(), uncovered);
        cell.derivations.insert(
            m::YEAR_ROUND_UNCOVERED.to_owned(),
            if year_round {
                "year-round industry: workers minus H-2A workers certified".into()
            } else {
                "seasonal industry: 0".into()
            },
        );
    }
    cells.into_values().collect()
}

/// One indicator's part in a cell's score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Part {
    pub indicator: String,
    pub label: String,
    /// The raw value (`None`: no data, e.g. nothing to divide by).
    pub value: Option<f64>,
    /// 0..1.
    pub normalised: f64,
    pub weight: f64,
    /// Points of the score (0..100 in all).
    pub contribution: f64,
}

/// A scored cell.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scored {
    pub industry: String,
    pub fips: String,
    /// 0..100.
    pub score: f64,
    pub parts: Vec<Part>,
    /// 1 = the highest score of the assessment.
    pub rank: usize,
}

impl Scored {
    /// The indicators that contribute most, largest first.
    pub fn top_parts(&self, n: usize) -> Vec<&Part> {
        let mut parts: Vec<&Part> = self.parts.iter().filter(|p| p.contribution > 0.0).collect();
        parts.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
        parts.truncate(n);
        parts
    }
}

fn sum(measures: &BTreeMap<String, f64>, names: &[String]) -> Option<f64> {
    let values: Vec<f64> = names
        .iter()
        .filter_map(|n| measures.get(n).copied())
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

/// The raw value of one indicator for one cell.
pub fn raw_value(indicator: &Indicator, cell: &Cell) -> Option<f64> {
    let numerator = sum(&cell.measures, &indicator.numerator).unwrap_or(0.0);
    if indicator.denominator.is_empty() {
        return Some(numerator);
    }
    match sum(&cell.measures, &indicator.denominator) {
        Some(d) if d > 0.0 => Some(numerator / d),
        _ => None,
    }
}

/// Scores every cell; ranked by score, highest first (ties by industry and county code).
pub fn score(indicators: &[Indicator], cells: &[Cell]) -> Vec<Scored> {
    let total_weight: f64 = indicators.iter().map(|i| i.weight.max(0.0)).sum();
    let raw: Vec<Vec<Option<f64>>> = cells
        .iter()
        .map(|c| indicators.iter().map(|i| raw_value(i, c)).collect())
        .collect();
    let transform = |n: Normaliser, v: f64| match n {
        Normaliser::LogMinMax => v.max(0.0).ln_1p(),
        _ => v,
    };
    let ranges: Vec<(f64, f64)> = indicators
        .iter()
        .enumerate()
        .map(|(k, ind)| {
            raw.iter()
                .filter_map(|row| row.get(k).copied().flatten())
                .map(|v| transform(ind.normaliser, v))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect();
    let mut scored: Vec<Scored> = cells
        .iter()
        .zip(&raw)
        .map(|(cell, values)| {
            let parts: Vec<Part> = indicators
                .iter()
                .zip(values)
                .zip(&ranges)
                .map(|((ind, value), (lo, hi))| {
                    let normalised = value.map_or(0.0, |v| {
                        normalise(ind.normaliser, transform(ind.normaliser, v), *lo, *hi)
                    });
                    let weight = ind.weight.max(0.0);
                    let contribution = if total_weight > 0.0 {
                        weight * normalised / total_weight * 100.0
                    } else {
                        0.0
                    };
                    Part {
                        indicator: ind.name.clone(),
                        label: ind.label.clone(),
                        value: *value,
                        normalised,
                        weight,
                        contribution,
                    }
                })
                .collect();
            Scored {
                industry: cell.industry.clone(),
                fips: cell.fips.clone(),
                score: parts.iter().map(|p| p.contribution).sum(),
                parts,
                rank: 0,
            }
        })
        .collect();
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.industry.cmp(&b.industry))
            .then_with(|| a.fips.cmp(&b.fips))
    });
    for (i, s) in scored.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    scored
}

fn normalise(n: Normaliser, v: f64, lo: f64, hi: f64) -> f64 {
    let out = match n {
        Normaliser::Cap { cap } if cap > 0.0 => v / cap,
        Normaliser::Cap { .. } => 0.0,
        Normaliser::MinMax | Normaliser::LogMinMax => {
            if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
                if v > 0.0 {
                    1.0
                } else {
                    0.0
                }
            } else {
                (v - lo) / (hi - lo)
            }
        }
    };
    if out.is_finite() {
        out.clamp(0.0, 1.0)
    } else {
        0.0
    }
}
