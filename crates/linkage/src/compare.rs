//! Person records, their normalised form, and the comparison levels of each field.
//!
//! A comparison turns a pair of values into a level: `0` when either side is missing (the
//! field says nothing about the pair), `1` when they disagree, and higher levels for closer
//! agreement. Levels are mutually exclusive: the first that holds, best first, is the pair's.

use crate::normalize::{self, DateAgreement, PartialDate};

/// A person as the caller has it. Empty strings are unknown values. The caller keeps ids:
/// records are addressed by their position.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonRecord {
    pub given_name: String,
    pub surname: String,
    pub dob: String,
    pub street_number: String,
    pub address_1: String,
    pub address_2: String,
    pub city: String,
    pub postcode: String,
    pub state: String,
    pub phone: String,
    pub ssn: String,
    pub email: String,
}

/// The fields compared, in the order of a pair's comparison vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    GivenName,
    Surname,
    Dob,
    StreetNumber,
    Address1,
    Address2,
    /// Postcode, city and state together: they go together (a postcode lies in one city and
    /// state), so weighing them as three independent fields would count one fact three times.
    Place,
    Phone,
    Ssn,
    Email,
}

pub const FIELDS: [Field; 10] = [
    Field::GivenName,
    Field::Surname,
    Field::Dob,
    Field::StreetNumber,
    Field::Address1,
    Field::Address2,
    Field::Place,
    Field::Phone,
    Field::Ssn,
    Field::Email,
];

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::GivenName => "given_name",
            Field::Surname => "surname",
            Field::Dob => "dob",
            Field::StreetNumber => "street_number",
            Field::Address1 => "address_1",
            Field::Address2 => "address_2",
            Field::Place => "place",
            Field::Phone => "phone",
            Field::Ssn => "ssn",
            Field::Email => "email",
        }
    }

    /// Names of the levels, index = level (`0` missing, `1` different, then closer agreement).
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::GivenName | Field::Surname => &[
                "missing",
                "different",
                "same sound",
                "jaro-winkler >= 0.80",
                "jaro-winkler >= 0.92",
                "nickname or transliteration",
                "exact",
            ],
            Field::Dob => &[
                "missing",
                "different",
                "year within one",
                "same year",
                "same year and month",
                "one typo",
                "day and month swapped",
                "exact",
            ],
            Field::Address1 => &[
                "missing",
                "different",
                "jaro-winkler >= 0.80",
                "jaro-winkler >= 0.92",
                "exact",
            ],
            Field::Address2 => &["missing", "different", "jaro-winkler >= 0.90", "exact"],
            Field::StreetNumber => &["missing", "different", "one edit", "exact"],
            Field::Place => &[
                "missing",
                "different",
                "same state only",
                "similar city or postcode",
                "same city or postcode",
                "same postcode and city",
            ],
            Field::Ssn | Field::Phone => {
                &["missing", "different", "two edits", "one edit", "exact"]
            }
            Field::Email => &[
                "missing",
                "different",
                "jaro-winkler >= 0.90",
                "same mailbox name",
                "exact",
            ],
        }
    }

    /// Whether exact agreement on this field is weighed by how common the value is (two
    /// records both "Smith" say less than two records both "Zelinski").
    pub fn frequency_adjusted(self) -> bool {
        matches!(
            self,
            Field::GivenName | Field::Surname | Field::StreetNumber
        )
    }
}

/// A record with every field normalised once, ready for blocking and comparison.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    pub given: Box<str>,
    pub given_key: Box<str>,
    pub given_sound: Box<str>,
    pub surname: Box<str>,
    pub surname_key: Box<str>,
    pub surname_sound: Box<str>,
    pub dob: PartialDate,
    pub street_number: Box<str>,
    pub address_1: Box<str>,
    pub address_2: Box<str>,
    pub city: Box<str>,
    pub postcode: Box<str>,
    pub state: Box<str>,
    pub phone: Box<str>,
    pub ssn: Box<str>,
    pub email: Box<str>,
}

fn b(s: String) -> Box<str> {
    s.into_boxed_str()
}

impl Prepared {
    pub fn new(r: &PersonRecord) -> Self {
        let given = normalize::fold_compact(&r.given_name);
        let surname = normalize::fold_compact(&r.surname);
        Prepared {
            given_key: b(normalize::given_name_key(&given)),
            given_sound: b(normalize::phonetic(&given)),
            given: b(given),
            surname_key: b(normalize::surname_key(&surname)),
            surname_sound: b(normalize::phonetic(&surname)),
            surname: b(surname),
            dob: normalize::parse_dob(&r.dob),
            street_number: b(normalize::fold_compact(&r.street_number)),
            address_1: b(normalize::address(&r.address_1)),
            address_2: b(normalize::address(&r.address_2)),
            city: b(normalize::fold(&r.city)),
            postcode: b(normalize::fold_compact(&r.postcode)),
            state: b(normalize::fold_compact(&r.state)),
            phone: b(normalize::phone_e164(&r.phone).unwrap_or_default()),
            ssn: b(normalize::digits(&r.ssn)),
            email: b(if r.email.trim().is_empty() {
                String::new()
            } else {
                normalize::email(&r.email)
            }),
        }
    }

    /// The normalised value of a field, for frequency tables (`None` for the date).
    pub fn value(&self, field: Field) -> Option<&str> {
        Some(match field {
            Field::GivenName => &self.given,
            Field::Surname => &self.surname,
            Field::Dob => return None,
            Field::StreetNumber => &self.street_number,
            Field::Address1 => &self.address_1,
            Field::Address2 => &self.address_2,
            Field::Place => return None,
            Field::Phone => &self.phone,
            Field::Ssn => &self.ssn,
            Field::Email => &self.email,
        })
    }

    pub fn has(&self, field: Field) -> bool {
        match field {
            Field::Dob => !self.dob.is_empty(),
            Field::Place => {
                !self.postcode.is_empty() || !self.city.is_empty() || !self.state.is_empty()
            }
            f => self.value(f).is_some_and(|v| !v.is_empty()),
        }
    }
}

/// Whether two byte strings are at most one edit apart (insert, delete, substitute, or swap
/// of two adjacent bytes), without allocating.
pub fn damerau_at_most_one(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if la == lb {
        // substitution, or adjacent transposition
        if a[p + 1..] == b[p + 1..] {
            return true;
        }
        return p + 1 < la && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..];
    }
    let (long, short) = if la > lb { (a, b) } else { (b, a) };
    long[p + 1..] == short[p..]
}

/// A lower bound on the Damerau-Levenshtein distance from the bytes' counts: an insertion or
/// deletion changes them by one, a substitution by two, a transposition not at all. Bytes are
/// counted by their low four bits (digits and `+` apart), which can only lower the bound.
fn count_bound(a: &[u8], b: &[u8]) -> usize {
    let mut counts = [0i16; 16];
    for &c in a {
        counts[usize::from(c & 15)] += 1;
    }
    for &c in b {
        counts[usize::from(c & 15)] -= 1;
    }
    let l1: usize = counts.iter().map(|c| usize::from(c.unsigned_abs())).sum();
    l1.div_ceil(2)
}

fn edits_at_most(a: &str, b: &str, max: usize) -> bool {
    if max <= 1 {
        return damerau_at_most_one(a.as_bytes(), b.as_bytes());
    }
    a.len().abs_diff(b.len()) <= max
        && count_bound(a.as_bytes(), b.as_bytes()) <= max
        && strsim::damerau_levenshtein(a, b) <= max
}

/// Bits `lo..hi` of a word (`lo < hi <= 64`).
fn bits(lo: usize, hi: usize) -> u64 {
    let below_hi = if hi >= 64 { u64::MAX } else { (1u64 << hi) - 1 };
    below_hi & !((1u64 << lo) - 1)
}

/// Jaro-Winkler similarity. Normalised values are nearly always short ASCII: those are
/// compared with bit masks, without allocating (each byte of `a` finds its partner in `b`'s
/// window by a mask of where that byte occurs in `b`); anything else goes to `strsim`.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > 64 || y.len() > 64 {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() && y.is_empty() {
        return 1.0;
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let window = (x.len().max(y.len()) / 2).saturating_sub(1);
    // Positions of each byte in y, by the byte's low six bits (bytes sharing them are told
    // apart below).
    let mut at = [0u64; 64];
    for (j, &d) in y.iter().enumerate() {
        at[usize::from(d & 63)] |= 1 << j;
    }
    let mut y_used = 0u64;
    let mut x_used = 0u64;
    let mut matches = 0usize;
    for (i, &c) in x.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(y.len());
        if lo >= hi {
            continue;
        }
        let mut candidates = at[usize::from(c & 63)] & bits(lo, hi) & !y_used;
        while candidates != 0 {
            let j = candidates.trailing_zeros() as usize;
            if y[j] == c {
                y_used |= 1 << j;
                x_used |= 1 << i;
                matches += 1;
                break;
            }
            candidates &= candidates - 1;
        }
    }
    if matches == 0 {
        return 0.0;
    }
    // Matched bytes in order on both sides: a transposition is a place where they differ.
    let mut transpositions = 0usize;
    let (mut xs, mut ys) = (x_used, y_used);
    while xs != 0 {
        let (i, j) = (xs.trailing_zeros() as usize, ys.trailing_zeros() as usize);
        if x[i] != y[j] {
            transpositions += 1;
        }
        xs &= xs - 1;
        ys &= ys - 1;
    }
    let m = matches as f64;
    let jaro =
        (m / x.len() as f64 + m / y.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

fn name_level(a: &str, a_key: &str, a_sound: &str, b: &str, b_key: &str, b_sound: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    if a == b {
        return 6;
    }
    if a_key == b_key {
        return 5;
    }
    let jw = jaro_winkler(a, b);
    if jw >= 0.92 {
        4
    } else if jw >= 0.80 {
        3
    } else if !a_sound.is_empty() && a_sound == b_sound {
        2
    } else {
        1
    }
}

fn text_level(a: &str, b: &str) -> u8 {
    if a.is_empty() || b.is_empty() {
        0
    } else if a == b {
        4
    } else {
        let jw = jaro_winkler(a, b);
        if jw >= 0.92 {
            3
        } else if jw >= 0.80 {
            2
        } else {
            1
        }
    }
}

fn code_level(a: &str, b: &str, two_edit_level: bool) -> u8 {
    let top = if two_edit_level { 4 } else { 3 };
    if a.is_empty() || b.is_empty() {
        0
    } else if a == b {
        top
    } else if damerau_at_most_one(a.as_bytes(), b.as_bytes()) {
        top - 1
    } else if two_edit_level && edits_at_most(a, b, 2) {
        2
    } else {
        1
    }
}

/// Whether the right record's given name and surname look exchanged relative to the left's:
/// the crosswise names agree clearly better than the direct ones (typos allowed, and one of
/// the two may be missing or different, as when "Weller, Ebony" was entered as "Flynn Weller").
fn names_swapped(l: &Prepared, r: &Prepared) -> bool {
    if l.given.is_empty() && l.surname.is_empty() || r.given.is_empty() && r.surname.is_empty() {
        return false;
    }
    if l.given_key == r.given_key || l.surname_key == r.surname_key {
        return false;
    }
    // Cheap test first: an exchange keeps at least one crosswise initial.
    let first = |s: &str| s.bytes().next();
    if first(&l.given) != first(&r.surname) && first(&l.surname) != first(&r.given) {
        return false;
    }
    let sim = |a: &str, b: &str| {
        if a.is_empty() || b.is_empty() {
            0.0
        } else {
            jaro_winkler(a, b)
        }
    };
    let (given_surname, surname_given) = (sim(&l.given, &r.surname), sim(&l.surname, &r.given));
    if given_surname.max(surname_given) < 0.9 {
        return false;
    }
    let direct = sim(&l.given, &r.given) + sim(&l.surname, &r.surname);
    given_surname + surname_given > direct + 0.3
}

fn place_level(l: &Prepared, r: &Prepared) -> u8 {
    let both = |a: &str, b: &str| !a.is_empty() && !b.is_empty();
    let (has_pc, has_city, has_state) = (
        both(&l.postcode, &r.postcode),
        both(&l.city, &r.city),
        both(&l.state, &r.state),
    );
    if !has_pc && !has_city && !has_state {
        return 0;
    }
    let pc = has_pc.then(|| code_level(&l.postcode, &r.postcode, false));
    let city = has_city.then(|| text_level(&l.city, &r.city));
    let (pc_exact, city_exact) = (pc == Some(3), city == Some(4));
    if pc_exact && city_exact {
        5
    } else if pc_exact || city_exact {
        4
    } else if pc == Some(2) || city == Some(3) {
        3
    } else if has_state && l.state == r.state {
        2
    } else {
        1
    }
}

/// The levels of the given name and the surname. Exchanged names compare crosswise: the same
/// person entered surname first.
fn name_levels(l: &Prepared, r: &Prepared) -> (u8, u8) {
    let swapped = names_swapped(l, r);
    let (rg, rgk, rgs, rs, rsk, rss) = if swapped {
        (
            &r.surname,
            &r.surname_key,
            &r.surname_sound,
            &r.given,
            &r.given_key,
            &r.given_sound,
        )
    } else {
        (
            &r.given,
            &r.given_key,
            &r.given_sound,
            &r.surname,
            &r.surname_key,
            &r.surname_sound,
        )
    };
    (
        name_level(&l.given, &l.given_key, &l.given_sound, rg, rgk, rgs),
        name_level(&l.surname, &l.surname_key, &l.surname_sound, rs, rsk, rss),
    )
}

/// The comparison level of one field for a pair.
pub fn level(field: Field, l: &Prepared, r: &Prepared) -> u8 {
    match field {
        Field::GivenName => name_levels(l, r).0,
        Field::Surname => name_levels(l, r).1,
        Field::Dob => match normalize::compare_dates(&l.dob, &r.dob) {
            DateAgreement::Missing => 0,
            DateAgreement::Different => 1,
            DateAgreement::NearYear => 2,
            DateAgreement::Year => 3,
            DateAgreement::YearMonth => 4,
            DateAgreement::OneTypo => 5,
            DateAgreement::DayMonthSwapped => 6,
            DateAgreement::Exact => 7,
        },
        // The first and second address lines are often exchanged: the better of the direct
        // and the crosswise comparison counts.
        Field::Address1 => {
            let direct = text_level(&l.address_1, &r.address_1);
            if direct >= 3 || l.address_2.is_empty() && r.address_2.is_empty() {
                direct
            } else {
                direct
                    .max(text_level(&l.address_1, &r.address_2).min(3))
                    .max(text_level(&l.address_2, &r.address_1).min(3))
            }
        }
        Field::Place => place_level(l, r),
        Field::Address2 => {
            let direct = text_level(&l.address_2, &r.address_2);
            let level = if direct >= 3 || l.address_2.is_empty() && r.address_2.is_empty() {
                direct
            } else {
                direct
                    .max(text_level(&l.address_2, &r.address_1).min(3))
                    .max(text_level(&l.address_1, &r.address_2).min(3))
            };
            match level {
                4 => 3,
                3 => 2,
                0 => 0,
                _ => 1,
            }
        }
        Field::StreetNumber => code_level(&l.street_number, &r.street_number, false),
        Field::Ssn => code_level(&l.ssn, &r.ssn, true),
        Field::Phone => code_level(&l.phone, &r.phone, true),
        Field::Email => {
            if l.email.is_empty() || r.email.is_empty() {
                0
            } else if l.email == r.email {
                4
            } else if l.email.split('@').next() == r.email.split('@').next() {
                3
            } else if jaro_winkler(&l.email, &r.email) >= 0.90 {
                2
            } else {
                1
            }
        }
    }
}

/// Up to 16 fields' levels, four bits each: the comparison vector of a pair.
pub type Gamma = u64;

pub fn gamma(fields: &[Field], l: &Prepared, r: &Prepared) -> Gamma {
    // Both names come from one comparison (whether they are exchanged is decided once).
    let mut names = None;
    fields.iter().enumerate().fold(0u64, |g, (i, &f)| {
        let level = match f {
            Field::GivenName => names.get_or_insert_with(|| name_levels(l, r)).0,
            Field::Surname => names.get_or_insert_with(|| name_levels(l, r)).1,
            f => level(f, l, r),
        };
        g | (u64::from(level & 0xF) << (4 * i))
    })
}

pub fn gamma_level(g: Gamma, i: usize) -> usize {
    ((g >> (4 * i)) & 0xF) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(given: &str, surname: &str, dob: &str) -> Prepared {
        Prepared::new(&PersonRecord {
            given_name: given.into(),
            surname: surname.into(),
            dob: dob.into(),
            ..PersonRecord::default()
        })
    }

    #[test]
    fn jaro_winkler_agrees_with_strsim() {
        let words = [
            "",
            "a",
            "martha",
            "marhta",
            "dwayne",
            "duane",
            "dixon",
            "dicksonx",
            "william",
            "willaim",
            "wellington street",
            "kinross farm",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "nguyễn",
            "nguyen",
        ];
        for a in words {
            for b in words {
                let (ours, theirs) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert!(
                    (ours - theirs).abs() < 1e-12,
                    "{a:?} {b:?}: {ours} vs {theirs}"
                );
            }
        }
    }

    #[test]
    fn jaro_winkler_agrees_with_strsim_on_many_strings() {
        // Bytes that share their low six bits ('p' and '0', 'a' and '!', '@' and NUL-free
        // others) must still be told apart.
        let alphabet = b"ap0!q1@. -abcdexyz";
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let mut word = |max: u64| -> String {
                let n = (next() % max) as usize;
                (0..n)
                    .map(|_| alphabet[(next() % alphabet.len() as u64) as usize] as char)
                    .collect()
            };
            let (a, b) = (word(20), word(70));
            let (ours, theirs) = (jaro_winkler(&a, &b), strsim::jaro_winkler(&a, &b));
            assert!(
                (ours - theirs).abs() < 1e-12,
                "{a:?} {b:?}: {ours} vs {theirs}"
            );
            let mutated: String = a.chars().rev().chain(b.chars().take(3)).collect();
            let (ours, theirs) = (
                jaro_winkler(&a, &mutated),
                strsim::jaro_winkler(&a, &mutated),
            );
            assert!((ours - theirs).abs() < 1e-12, "{a:?} {mutated:?}");
        }
    }

    #[test]
    fn two_edits_agrees_with_the_full_distance() {
        let words = [
            "",
            "+12025550143",
            "+12025550134",
            "+12025550100",
            "+12025551043",
            "+1202555014",
            "+120255501433",
            "123456789",
            "123456798",
            "213465789",
            "987654321",
            "12345",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    edits_at_most(a, b, 2),
                    strsim::damerau_levenshtein(a, b) <= 2,
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn one_edit() {
        assert!(damerau_at_most_one(b"abcd", b"abcd"));
        assert!(damerau_at_most_one(b"abcd", b"abed"));
        assert!(damerau_at_most_one(b"abcd", b"bacd"));
        assert!(damerau_at_most_one(b"abcd", b"abc"));
        assert!(damerau_at_most_one(b"abcd", b"xabcd"));
        assert!(!damerau_at_most_one(b"abcd", b"badc"));
        assert!(!damerau_at_most_one(b"abcd", b"ab"));
        assert!(damerau_at_most_one(b"", b"a"));
    }

    #[test]
    fn name_levels() {
        let a = person("William", "Smith", "");
        let lvl = |b: &Prepared| (level(Field::GivenName, &a, b), level(Field::Surname, &a, b));
        assert_eq!(lvl(&person("william", "SMITH", "")), (6, 6));
        assert_eq!(lvl(&person("Bill", "Smyth", "")).0, 5);
        assert_eq!(lvl(&person("Willaim", "Smith", "")).0, 4);
        assert_eq!(lvl(&person("", "Smith", "")).0, 0);
        assert_eq!(lvl(&person("Zoe", "Jones", "")), (1, 1));
        // Exchanged given name and surname still agree.
        assert_eq!(lvl(&person("Smith", "William", "")), (6, 6));
    }

    #[test]
    fn levels_are_within_their_names() {
        let a = person("Ann", "Lee", "19800101");
        let b = person("Anne", "Yi", "1980");
        for f in FIELDS {
            assert!(usize::from(level(f, &a, &b)) < f.levels().len(), "{f:?}");
        }
        let g = gamma(&FIELDS, &a, &b);
        assert_eq!(gamma_level(g, 1), 5);
        assert_eq!(gamma_level(g, 2), 3);
    }
}
