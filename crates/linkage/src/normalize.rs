//! Normalisation of identifiers: the same person, phone or plate written two ways becomes one
//! value. Every function here is total: any string in, a value (possibly empty) out, no panic.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower case, accents removed, punctuation turned into single spaces, trimmed.
/// `"  O'Brien-Nguyễn "` becomes `"o brien nguyen"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if matches!(c, '\'' | '’' | '`') {
            // O'Brien and OBrien are one name.
        } else if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for l in c.to_lowercase() {
                out.push(l);
            }
        } else {
            pending_space = true;
        }
    };
    if s.is_ascii() {
        for c in s.chars() {
            push(c, &mut out);
        }
    } else {
        for c in s.nfkd() {
            if is_combining_mark(c) {
                continue;
            }
            match c {
                // Letters that Unicode does not decompose into a base letter and a mark.
                'đ' | 'Đ' => push('d', &mut out),
                'ø' | 'Ø' => push('o', &mut out),
                'ł' | 'Ł' => push('l', &mut out),
                'ß' => {
                    push('s', &mut out);
                    push('s', &mut out)
                }
                'æ' | 'Æ' => {
                    push('a', &mut out);
                    push('e', &mut out)
                }
                'œ' | 'Œ' => {
                    push('o', &mut out);
                    push('e', &mut out)
                }
                'ı' => push('i', &mut out),
                c => push(c, &mut out),
            }
        }
    }
    out
}

/// [`fold`] without the spaces: `"Mc Donald"` and `"McDonald"` agree.
pub fn fold_compact(s: &str) -> String {
    let mut f = fold(s);
    f.retain(|c| c != ' ');
    f
}

/// Only the ASCII digits of `s`.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A table read from a data file: `key: value, value, ...` lines, `#` comments, folded.
pub(crate) fn groups(text: &str) -> Vec<(String, Vec<String>)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (head, rest) = l.split_once(':')?;
            let variants = rest
                .split(',')
                .map(fold_compact)
                .filter(|v| !v.is_empty())
                .collect();
            Some((fold_compact(head), variants))
        })
        .collect()
}

/// variant -> canonical. A variant keeps the first group that names it; a group whose
/// canonical spelling is itself a variant of an earlier group joins that group.
fn build_map(text: &str) -> FxHashMap<String, String> {
    let mut map: FxHashMap<String, String> = FxHashMap::default();
    for (head, variants) in groups(text) {
        let canonical = map.get(&head).cloned().unwrap_or_else(|| head.clone());
        map.entry(head).or_insert_with(|| canonical.clone());
        for v in variants {
            map.entry(v).or_insert_with(|| canonical.clone());
        }
    }
    map
}

fn nicknames() -> &'static FxHashMap<String, String> {
    static MAP: OnceLock<FxHashMap<String, String>> = OnceLock::new();
    MAP.get_or_init(|| build_map(include_str!("../data/nicknames.txt")))
}

fn transliterations() -> &'static FxHashMap<String, String> {
    static MAP: OnceLock<FxHashMap<String, String>> = OnceLock::new();
    MAP.get_or_init(|| build_map(include_str!("../data/transliterations.txt")))
}

fn street_words() -> &'static FxHashMap<String, String> {
    static MAP: OnceLock<FxHashMap<String, String>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = FxHashMap::default();
        for (full, abbrevs) in groups(include_str!("../data/street_words.txt")) {
            for a in abbrevs {
                map.entry(a).or_insert_with(|| full.clone());
            }
        }
        map
    })
}

fn business_suffixes() -> &'static Vec<String> {
    static LIST: OnceLock<Vec<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/business_suffixes.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(fold)
            .collect()
    })
}

/// The canonical spelling of one folded, compact name token across transliterations
/// (`mohamed` -> `muhammad`, `chang` -> `zhang`, `rhee` -> `li`).
pub fn transliteration_key(token: &str) -> &str {
    transliterations()
        .get(token)
        .map(String::as_str)
        .unwrap_or(token)
}

/// The canonical form of a given name: folded, nickname expanded (`bill` -> `william`),
/// transliteration variants joined (`aleksandr` -> `alexander` or its group's key).
pub fn given_name_key(name: &str) -> String {
    let f = fold_compact(name);
    let formal = nicknames().get(&f).map(String::as_str).unwrap_or(&f);
    transliteration_key(formal).to_owned()
}

/// The canonical form of a surname: folded and transliteration variants joined.
pub fn surname_key(name: &str) -> String {
    let f = fold_compact(name);
    transliteration_key(&f).to_owned()
}

/// Name tokens in a canonical order, so that `"Nguyen Van An"` and `"An Van Nguyen"` agree.
pub fn name_order_key(full_name: &str) -> String {
    let mut tokens: Vec<String> = fold(full_name)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| {
            transliteration_key(nicknames().get(t).map(String::as_str).unwrap_or(t)).to_owned()
        })
        .collect();
    tokens.sort_unstable();
    tokens.join(" ")
}

/// Double Metaphone primary code of a folded name (empty for an empty name).
pub fn phonetic(name: &str) -> String {
    static DM: OnceLock<rphonetic::DoubleMetaphone> = OnceLock::new();
    let f = fold_compact(name);
    if f.is_empty() || !f.is_ascii() {
        return f;
    }
    let dm = DM.get_or_init(|| rphonetic::DoubleMetaphone::new(Some(6)));
    dm.double_metaphone(&f).primary()
}

/// A date of birth, possibly partial (a year only, or a year and month).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PartialDate {
    pub year: Option<u16>,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl PartialDate {
    pub fn is_empty(&self) -> bool {
        self.year.is_none() && self.month.is_none() && self.day.is_none()
    }

    pub fn is_full(&self) -> bool {
        self.year.is_some() && self.month.is_some() && self.day.is_some()
    }

    /// `YYYYMMDD` with `0` for unknown parts (a compact comparable form).
    /// [`compact`](Self::compact) as its eight decimal digits, without allocating.
    pub fn digits(&self) -> [u8; 8] {
        let mut v = self.compact();
        let mut out = [b'0'; 8];
        for d in out.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        out
    }

    pub fn compact(&self) -> u32 {
        u32::from(self.year.unwrap_or(0)) * 10_000
            + u32::from(self.month.unwrap_or(0)) * 100
            + u32::from(self.day.unwrap_or(0))
    }
}

fn plausible(year: u32, month: u32, day: u32) -> bool {
    (1000..=2999).contains(&year) && (month <= 12) && (day <= 31)
}

fn date_from(year: u32, month: u32, day: u32) -> PartialDate {
    let ok = |v: u32, max: u32| (1..=max).contains(&v).then_some(v);
    PartialDate {
        year: u16::try_from(year).ok(),
        month: ok(month, 12).and_then(|m| u8::try_from(m).ok()),
        day: ok(day, 31).and_then(|d| u8::try_from(d).ok()),
    }
}

/// Reads a date of birth: `YYYYMMDD`, `YYYY-MM-DD`, `YYYY/MM/DD`, `MM/DD/YYYY` (U.S. order;
/// `DD/MM/YYYY` when the first part cannot be a month), `YYYY-MM`, `YYYY`. Missing or zero
/// parts stay unknown; what cannot be read is an empty date.
pub fn parse_dob(s: &str) -> PartialDate {
    let s = s.trim();
    let parts: Vec<&str> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let num = |p: &str| p.parse::<u32>().ok();
    match parts.as_slice() {
        [one] if one.len() == 8 => {
            let (y, m, d) = (num(&one[..4]), num(&one[4..6]), num(&one[6..]));
            match (y, m, d) {
                (Some(y), Some(m), Some(d)) if plausible(y, m, d) => date_from(y, m, d),
                _ => PartialDate::default(),
            }
        }
        [one] if one.len() == 6 => match (num(&one[..4]), num(&one[4..])) {
            (Some(y), Some(m)) if plausible(y, m, 0) => date_from(y, m, 0),
            _ => PartialDate::default(),
        },
        [one] if one.len() == 4 => match num(one) {
            Some(y) if plausible(y, 0, 0) => date_from(y, 0, 0),
            _ => PartialDate::default(),
        },
        [a, b] if a.len() == 4 => match (num(a), num(b)) {
            (Some(y), Some(m)) if plausible(y, m, 0) => date_from(y, m, 0),
            _ => PartialDate::default(),
        },
        [a, b] if b.len() == 4 => match (num(a), num(b)) {
            (Some(m), Some(y)) if plausible(y, m, 0) => date_from(y, m, 0),
            _ => PartialDate::default(),
        },
        [a, b, c] if a.len() == 4 => match (num(a), num(b), num(c)) {
            (Some(y), Some(m), Some(d)) if plausible(y, m, d) => date_from(y, m, d),
            _ => PartialDate::default(),
        },
        [a, b, c] if c.len() == 4 => match (num(a), num(b), num(c)) {
            (Some(m), Some(d), Some(y)) if m > 12 && plausible(y, d, m) => date_from(y, d, m),
            (Some(m), Some(d), Some(y)) if plausible(y, m, d) => date_from(y, m, d),
            _ => PartialDate::default(),
        },
        _ => PartialDate::default(),
    }
}

/// How two dates of birth agree, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateAgreement {
    /// Either side unknown.
    Missing,
    Exact,
    /// Day and month exchanged (a U.S. and a European writer).
    DayMonthSwapped,
    /// One digit wrong or two adjacent digits exchanged in `YYYYMMDD`.
    OneTypo,
    /// Same year and month; the day differs or one side lacks it.
    YearMonth,
    /// Same year; one side partial or month differs.
    Year,
    /// Years at most one apart, nothing else in common.
    NearYear,
    Different,
}

pub fn compare_dates(a: &PartialDate, b: &PartialDate) -> DateAgreement {
    let (Some(ya), Some(yb)) = (a.year, b.year) else {
        return DateAgreement::Missing;
    };
    if a == b && a.is_full() {
        return DateAgreement::Exact;
    }
    if a.is_full() && b.is_full() {
        if ya == yb && a.day == b.month && a.month == b.day {
            return DateAgreement::DayMonthSwapped;
        }
        if crate::compare::damerau_at_most_one(&a.digits(), &b.digits()) {
            return DateAgreement::OneTypo;
        }
    }
    if ya == yb {
        return match (a.month, b.month) {
            (Some(ma), Some(mb)) if ma == mb => DateAgreement::YearMonth,
            (Some(_), Some(_)) => DateAgreement::Year,
            _ => DateAgreement::Year,
        };
    }
    if ya.abs_diff(yb) <= 1 {
        return DateAgreement::NearYear;
    }
    DateAgreement::Different
}

/// A phone number in E.164 (`+12025550143`), reading national numbers as U.S. ones by
/// default. `None` when it is not a phone number.
pub fn phone_e164(s: &str) -> Option<String> {
    phone_e164_in(s, phonenumber::country::Id::US)
}

/// [`phone_e164`] with another default region for numbers written without a country code.
pub fn phone_e164_in(s: &str, region: phonenumber::country::Id) -> Option<String> {
    let d = digits(s);
    let international = s.trim_start().starts_with('+') || s.trim_start().starts_with("00");
    // The common North American cases, without the general parser (a fast path for bulk data).
    if region == phonenumber::country::Id::US && !international {
        let national = match d.len() {
            10 => Some(d.as_str()),
            11 if d.starts_with('1') => Some(&d[1..]),
            _ => None,
        };
        if let Some(n) = national {
            let b = n.as_bytes();
            if (b'2'..=b'9').contains(&b[0]) && (b'2'..=b'9').contains(&b[3]) {
                return Some(format!("+1{n}"));
            }
        }
    }
    if d.len() < 4 || d.len() > 17 {
        return None;
    }
    let text = if s.trim_start().starts_with("00") {
        format!("+{}", &d[2..])
    } else {
        s.to_owned()
    };
    let number = phonenumber::parse(Some(region), text).ok()?;
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// An e-mail address compared as its provider delivers it: lower case; for Gmail the dots in
/// the local part and any `+tag` removed (`googlemail.com` is `gmail.com`); for other providers
/// that deliver `+tag` addresses to the same mailbox, the tag removed.
pub fn email(s: &str) -> String {
    let s = s.trim().to_lowercase();
    let Some((local, domain)) = s.rsplit_once('@') else {
        return s;
    };
    let domain = match domain {
        "googlemail.com" => "gmail.com",
        d => d,
    };
    let plus_providers = [
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "me.com",
        "protonmail.com",
        "proton.me",
        "fastmail.com",
    ];
    let mut local = local.to_owned();
    if plus_providers.contains(&domain) {
        if let Some(i) = local.find('+') {
            local.truncate(i);
        }
    }
    if domain == "gmail.com" {
        local.retain(|c| c != '.');
    }
    format!("{local}@{domain}")
}

/// A street address with its words spelled out (`12 N. Main St., Apt 4` ->
/// `12 north main street apartment 4`).
pub fn address(s: &str) -> String {
    let words = street_words();
    fold(s)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| words.get(t).map(String::as_str).unwrap_or(t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A vehicle plate with its state: `("ca", "7-abc 1O1")` -> `"CA:7ABC101"`. Letters O and I
/// become digits 0 and 1, the confusions of people reading plates.
pub fn plate(state: &str, plate: &str) -> String {
    let state = fold_compact(state).to_uppercase();
    let plate: String = fold_compact(plate)
        .to_uppercase()
        .chars()
        .map(|c| match c {
            'O' | 'Q' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    format!("{state}:{plate}")
}

/// An online account: `("Instagram", "@Some.User")` -> `"instagram:some.user"`; a profile
/// address (`https://www.instagram.com/some.user/`) is reduced to its handle.
pub fn social_handle(platform: &str, handle: &str) -> String {
    let platform = match fold_compact(platform).as_str() {
        "x" | "twitter" | "xcom" | "twittercom" => "twitter".to_owned(),
        "fb" | "facebook" | "facebookcom" => "facebook".to_owned(),
        "ig" | "insta" | "instagram" | "instagramcom" => "instagram".to_owned(),
        "tiktok" | "tiktokcom" => "tiktok".to_owned(),
        "snap" | "snapchat" => "snapchat".to_owned(),
        p => p.to_owned(),
    };
    let mut h = handle.trim().to_lowercase();
    if let Some(i) = h.find("://") {
        h = h[i + 3..].to_owned();
    }
    if h.contains('/') {
        // host/handle/...: the first path segment is the handle.
        h = h.split('/').nth(1).map(str::to_owned).unwrap_or_default();
    }
    let h = h.trim_start_matches('@').trim().to_owned();
    format!("{platform}:{h}")
}

/// A business name without legal-form words: `"The Golden Lotus Spa, LLC"` ->
/// `"golden lotus spa"`.
pub fn business_name(s: &str) -> String {
    let folded = fold(&s.replace('&', " and "));
    let mut tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    let suffixes = business_suffixes();
    // Single-word suffixes anywhere at the end, and "l l c" style spelled-out ones.
    loop {
        let before = tokens.len();
        for suffix in suffixes {
            let words: Vec<&str> = suffix.split(' ').collect();
            if tokens.len() > words.len() && tokens.ends_with(&words) {
                tokens.truncate(tokens.len() - words.len());
            }
        }
        if tokens.len() == before {
            break;
        }
    }
    if tokens.len() > 1 && tokens[0] == "the" {
        tokens.remove(0);
    }
    tokens.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_case_accents_and_punctuation() {
        assert_eq!(fold("  José  MARÍA-Nguyễn "), "jose maria nguyen");
        assert_eq!(fold("O'Brien"), "obrien");
        assert_eq!(fold("Łukasz Østergård"), "lukasz ostergard");
        assert_eq!(fold_compact("Mc Donald"), "mcdonald");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn nicknames_reach_the_formal_name() {
        assert_eq!(given_name_key("Bill"), "william");
        assert_eq!(given_name_key("WILLIAM"), "william");
        assert_eq!(given_name_key("Peggy"), "margaret");
        assert_eq!(given_name_key("bob"), given_name_key("Robert"));
        assert_ne!(given_name_key("bob"), given_name_key("william"));
    }

    #[test]
    fn transliteration_variants_share_a_key() {
        for v in ["Mohammed", "Muhammad", "Mohamed", "MOHAMMAD"] {
            assert_eq!(given_name_key(v), "muhammad", "{v}");
        }
        assert_eq!(surname_key("Nguyễn"), surname_key("Nguyen"));
        assert_eq!(surname_key("Chang"), surname_key("Zhang"));
        assert_eq!(surname_key("Lee"), surname_key("Yi"));
        assert_eq!(surname_key("Rhee"), surname_key("Lee"));
        assert_eq!(given_name_key("Aleksandr"), given_name_key("Alexander"));
        assert_eq!(given_name_key("José"), given_name_key("Jose"));
        assert_eq!(given_name_key("Sergey"), given_name_key("Sergei"));
        assert_ne!(surname_key("Zhang"), surname_key("Wang"));
    }

    #[test]
    fn name_order_does_not_matter() {
        assert_eq!(
            name_order_key("Nguyen Van An"),
            name_order_key("an van NGUYỄN")
        );
        assert_eq!(
            name_order_key("Smith, Bill"),
            name_order_key("William Smith")
        );
    }

    #[test]
    fn phonetic_codes_agree_on_sound_alikes() {
        assert_eq!(phonetic("Smith"), phonetic("Smyth"));
        assert_eq!(phonetic("Katherine"), phonetic("Catherine"));
        assert_eq!(phonetic(""), "");
    }

    #[test]
    fn dates_of_birth_full_and_partial() {
        let full = |y, m, d| PartialDate {
            year: Some(y),
            month: Some(m),
            day: Some(d),
        };
        assert_eq!(parse_dob("19850412"), full(1985, 4, 12));
        assert_eq!(parse_dob("1985-04-12"), full(1985, 4, 12));
        assert_eq!(parse_dob("04/12/1985"), full(1985, 4, 12));
        // A first part that cannot be a month is a day (European order).
        assert_eq!(parse_dob("25/12/1985"), full(1985, 12, 25));
        assert_eq!(
            parse_dob("1985"),
            PartialDate {
                year: Some(1985),
                month: None,
                day: None
            }
        );
        assert_eq!(
            parse_dob("1985-04"),
            PartialDate {
                year: Some(1985),
                month: Some(4),
                day: None
            }
        );
        assert!(parse_dob("").is_empty());
        assert!(parse_dob("not a date").is_empty());
        assert!(parse_dob("19851399").is_empty());
    }

    #[test]
    fn date_agreement_levels() {
        let d = parse_dob;
        assert_eq!(
            compare_dates(&d("19850412"), &d("19850412")),
            DateAgreement::Exact
        );
        assert_eq!(
            compare_dates(&d("1985-04-12"), &d("1985-12-04")),
            DateAgreement::DayMonthSwapped
        );
        assert_eq!(
            compare_dates(&d("19850412"), &d("19850413")),
            DateAgreement::OneTypo
        );
        assert_eq!(
            compare_dates(&d("19850412"), &d("19580412")),
            DateAgreement::OneTypo
        );
        assert_eq!(
            compare_dates(&d("19850412"), &d("1985-04")),
            DateAgreement::YearMonth
        );
        assert_eq!(
            compare_dates(&d("19850412"), &d("1985")),
            DateAgreement::Year
        );
        assert_eq!(
            compare_dates(&d("19850412"), &d("19860901")),
            DateAgreement::NearYear
        );
        assert_eq!(
            compare_dates(&d("19850412"), &d("19700101")),
            DateAgreement::Different
        );
        assert_eq!(
            compare_dates(&d(""), &d("19700101")),
            DateAgreement::Missing
        );
    }

    #[test]
    fn phones_become_e164() {
        let want = Some("+12025550143".to_owned());
        assert_eq!(phone_e164("(202) 555-0143"), want);
        assert_eq!(phone_e164("202.555.0143"), want);
        assert_eq!(phone_e164("1-202-555-0143"), want);
        assert_eq!(phone_e164("+1 202 555 0143"), want);
        assert_eq!(
            phone_e164("+44 20 7946 0958"),
            Some("+442079460958".to_owned())
        );
        assert_eq!(
            phone_e164("0044 20 7946 0958"),
            Some("+442079460958".to_owned())
        );
        assert_eq!(phone_e164("call me"), None);
        assert_eq!(phone_e164(""), None);
    }

    #[test]
    fn emails_as_delivered() {
        assert_eq!(email(" J.Smith+ads@GoogleMail.com "), "jsmith@gmail.com");
        assert_eq!(email("j.smith@example.org"), "j.smith@example.org");
        assert_eq!(email("a+b@outlook.com"), "a@outlook.com");
        assert_eq!(email("nonsense"), "nonsense");
    }

    #[test]
    fn addresses_spell_out_abbreviations() {
        assert_eq!(
            address("12 N. Main St., Apt 4"),
            "12 north main street apartment 4"
        );
        assert_eq!(
            address("12 North Main Street Apartment 4"),
            "12 north main street apartment 4"
        );
        assert_eq!(address("5 Ocean Blvd"), address("5 ocean boulevard"));
    }

    #[test]
    fn plates_with_state_and_reading_confusions() {
        assert_eq!(plate("ca", "7-abc 1O1"), "CA:7ABC101");
        assert_eq!(plate("CA", "7ABC101"), plate("Ca", "7AbC IOI"));
        assert_ne!(plate("CA", "7ABC101"), plate("NV", "7ABC101"));
    }

    #[test]
    fn social_handles() {
        assert_eq!(
            social_handle("Instagram", "@Some.User"),
            "instagram:some.user"
        );
        assert_eq!(
            social_handle("IG", "https://www.instagram.com/some.user/"),
            "instagram:some.user"
        );
        assert_eq!(social_handle("X", "@abc"), social_handle("twitter", "ABC"));
    }

    #[test]
    fn business_names_without_legal_forms() {
        assert_eq!(
            business_name("The Golden Lotus Spa, LLC"),
            "golden lotus spa"
        );
        assert_eq!(business_name("Golden Lotus Spa Inc."), "golden lotus spa");
        assert_eq!(business_name("GOLDEN LOTUS SPA L.L.C."), "golden lotus spa");
        assert_eq!(business_name("Smith & Sons Co"), "smith and sons");
        assert_eq!(business_name("LLC"), "llc");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn normalisers_take_any_string(s in any::<String>(), t in any::<String>()) {
            let _ = fold(&s);
            let _ = given_name_key(&s);
            let _ = surname_key(&s);
            let _ = name_order_key(&s);
            let _ = phonetic(&s);
            let d = parse_dob(&s);
            let _ = compare_dates(&d, &parse_dob(&t));
            let _ = phone_e164(&s);
            let _ = email(&s);
            let _ = address(&s);
            let _ = plate(&s, &t);
            let _ = social_handle(&s, &t);
            let _ = business_name(&s);
        }

        #[test]
        fn fold_is_idempotent(s in any::<String>()) {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
        }

        #[test]
        fn dates_in_any_layout(y in 1900u16..2030, m in 1u8..=12, d in 1u8..=28) {
            let want = PartialDate { year: Some(y), month: Some(m), day: Some(d) };
            prop_assert_eq!(parse_dob(&format!("{y:04}{m:02}{d:02}")), want);
            prop_assert_eq!(parse_dob(&format!("{y:04}-{m:02}-{d:02}")), want);
            prop_assert_eq!(parse_dob(&format!("{m}/{d}/{y}")), want);
        }
    }
}
