//! Reference data shipped with the program (never fetched from the network): U.S. states and
//! counties with their Census FIPS codes, generated from the vendored `us-atlas` files by
//! `scripts/gen-reference.mjs`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

/// A state, the District of Columbia or a territory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Two-digit FIPS code, e.g. `36`.
    pub fips: String,
    /// USPS code, e.g. `NY`.
    pub code: String,
    pub name: String,
}

/// A county (or county equivalent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct County {
    /// Five-digit FIPS code, e.g. `36029` (Erie County, New York).
    pub fips: String,
    /// USPS code of its state.
    pub state_code: String,
    pub name: String,
}

struct Reference {
    states: Vec<State>,
    counties: BTreeMap<String, County>,
}

static REFERENCE: LazyLock<Reference> = LazyLock::new(|| {
    let states = rows(include_str!("../reference/states.csv"))
        .filter_map(|r| match r.as_slice() {
            [fips, code, name, ..] => Some(State {
                fips: fips.clone(),
                code: code.clone(),
                name: name.clone(),
            }),
            _ => None,
        })
        .collect();
    let counties = rows(include_str!("../reference/counties.csv"))
        .filter_map(|r| match r.as_slice() {
            [fips, _state_fips, state_code, _state_name, name, ..] => Some((
                fips.clone(),
                County {
                    fips: fips.clone(),
                    state_code: state_code.clone(),
                    name: name.clone(),
                },
            )),
            _ => None,
        })
        .collect();
    Reference { states, counties }
});

/// Data rows of a small CSV file (header skipped), with double-quoted fields understood.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<String>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(split_csv_line)
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// All states and territories, ordered by name.
pub fn states() -> Vec<&'static State> {
    let mut all: Vec<&State> = REFERENCE.states.iter().collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// The state with this USPS code (case-insensitive).
pub fn state(code: &str) -> Option<&'static State> {
    REFERENCE
        .states
        .iter()
        .find(|s| s.code.eq_ignore_ascii_case(code.trim()))
}

/// The county with this five-digit FIPS code.
pub fn county(fips: &str) -> Option<&'static County> {
    REFERENCE.counties.get(fips.trim())
}

/// The counties of one state, ordered by name.
pub fn counties_of(state_code: &str) -> Vec<&'static County> {
    let mut all: Vec<&County> = REFERENCE
        .counties
        .values()
        .filter(|c| c.state_code.eq_ignore_ascii_case(state_code))
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_states_and_counties() {
        assert_eq!(state("ny").map(|s| s.name.as_str()), Some("New York"));
        assert_eq!(state("ND").map(|s| s.fips.as_str()), Some("38"));
        assert!(state("XX").is_none());
        let erie = county("36029").expect("Erie County, NY");
        assert_eq!(
            (erie.name.as_str(), erie.state_code.as_str()),
            ("Erie", "NY")
        );
        assert_eq!(county("17031").map(|c| c.name.as_str()), Some("Cook"));
        assert_eq!(counties_of("ND").len(), 53);
        assert!(states().len() >= 51);
    }

    #[test]
    fn csv_lines_with_quotes() {
        assert_eq!(
            split_csv_line(r#"a,"b, c","d""e""#),
            vec!["a", "b, c", "d\"e"]
        );
    }
}
