//! Synthetic person records with known duplicates, for benchmarks: the same person entered
//! several times with the errors case files show (typos, nicknames, transliterations, names
//! exchanged, partial or mistyped dates, moves, new phones). Deterministic for a seed.

use crate::compare::PersonRecord;

/// A synthetic record and the entity it belongs to (the ground truth).
#[derive(Clone, Debug)]
pub struct SynthPerson {
    pub entity: u64,
    pub record: PersonRecord,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 > 1.0 - p
    }
    /// An index in `0..n`, lower ones likelier (weights 1/sqrt(i+1)).
    fn skewed(&mut self, n: usize) -> usize {
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        // Inverse of the cumulative of 1/sqrt(i): proportional to sqrt.
        ((x * x) * n as f64) as usize % n.max(1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const GIVEN: &[&str] = &[
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "christopher",
    "nancy",
    "daniel",
    "lisa",
    "matthew",
    "margaret",
    "anthony",
    "sandra",
    "donald",
    "ashley",
    "steven",
    "kimberly",
    "andrew",
    "emily",
    "joshua",
    "donna",
    "kenneth",
    "michelle",
    "kevin",
    "dorothy",
    "brian",
    "carol",
    "george",
    "amanda",
    "edward",
    "melissa",
    "ronald",
    "deborah",
    "timothy",
    "stephanie",
    "jason",
    "rebecca",
    "jeffrey",
    "laura",
    "ryan",
    "helen",
    "jacob",
    "sharon",
    "gary",
    "cynthia",
    "nicholas",
    "kathleen",
    "eric",
    "amy",
    "stephen",
    "shirley",
    "jonathan",
    "angela",
    "larry",
    "anna",
    "maria",
    "jose",
    "juan",
    "luis",
    "carlos",
    "jesus",
    "guadalupe",
    "rosa",
    "ana",
    "miguel",
    "muhammad",
    "ahmad",
    "fatima",
    "aisha",
    "omar",
    "yusuf",
    "hassan",
    "ibrahim",
    "mustafa",
    "wei",
    "jing",
    "li",
    "ming",
    "hui",
    "xin",
    "ying",
    "lan",
    "jun",
    "hong",
    "min",
    "ji",
    "seo",
    "hyun",
    "soo",
    "young",
    "anh",
    "linh",
    "thanh",
    "minh",
    "huong",
    "tuan",
    "mai",
    "hoa",
    "aleksandr",
    "sergei",
    "dmitri",
    "olga",
    "tatiana",
    "natalia",
    "yuri",
    "ivan",
    "svetlana",
    "ekaterina",
    "nikolai",
    "andrei",
    "yelena",
    "mikhail",
    "alexandra",
    "samuel",
    "samantha",
    "benjamin",
    "catherine",
    "victoria",
    "frederick",
    "rosalind",
    "esperanza",
    "valentina",
    "camila",
    "sofia",
    "mateo",
    "santiago",
    "isabella",
    "gabriela",
    "diego",
    "alejandro",
];

const SURNAMES: &[&str] = &[
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "zhang",
    "wang",
    "li",
    "chen",
    "liu",
    "huang",
    "zhou",
    "wu",
    "xu",
    "zhao",
    "lin",
    "yang",
    "kim",
    "park",
    "choi",
    "jung",
    "kang",
    "cho",
    "yoon",
    "tran",
    "pham",
    "huynh",
    "hoang",
    "vu",
    "phan",
    "ivanov",
    "petrov",
    "smirnov",
    "kuznetsov",
    "popov",
    "sokolov",
    "volkov",
    "morozov",
    "novikov",
    "kovalenko",
    "shevchenko",
    "bondarenko",
    "hussein",
    "hassan",
    "khalil",
    "mansour",
    "haddad",
    "nasser",
    "abboud",
    "saleh",
    "khoury",
    "aziz",
    "rahman",
    "begum",
    "akter",
    "islam",
    "hossain",
];

const SYLLABLES: &[&str] = &[
    "ka", "ren", "do", "mi", "sto", "vel", "ar", "bi", "lon", "ter", "quin", "ma", "shaw", "ber",
    "ton", "fi", "gal", "hor", "ley", "wick", "ston", "ash", "mor", "dale", "bra", "cot", "en",
    "ford", "gre", "ham", "ing", "jor", "kel", "lan", "nor", "pen", "ros", "sel", "tal", "ul",
    "van", "win", "yar", "zel",
];

const STREET_TYPES: &[&str] = &[
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "drive",
    "dr",
    "lane",
    "ln",
    "court",
    "ct",
    "boulevard",
    "blvd",
    "place",
    "way",
];

const STATES: &[&str] = &[
    "NY", "CA", "TX", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "NJ", "VA", "WA", "AZ", "MA", "TN",
    "IN", "MO", "MD", "WI", "CO", "MN", "SC", "AL", "LA", "KY", "OR", "OK", "CT", "ND",
];

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn syllable_word(rng: &mut Rng, parts: usize) -> String {
    (0..parts).map(|_| rng.pick(SYLLABLES)).collect()
}

/// A surname: a common one, or (for the long tail) one built from syllables.
fn surname(rng: &mut Rng) -> String {
    if rng.chance(0.55) {
        SURNAMES[rng.skewed(SURNAMES.len())].to_owned()
    } else {
        let n = 2 + rng.below(2);
        syllable_word(rng, n)
    }
}

fn given(rng: &mut Rng) -> String {
    if rng.chance(0.8) {
        GIVEN[rng.skewed(GIVEN.len())].to_owned()
    } else {
        syllable_word(rng, 2)
    }
}

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 2 {
        return s.to_owned();
    }
    let i = rng.below(c.len() - 1);
    match rng.below(4) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, (b'a' + rng.below(26) as u8) as char),
        2 => c[i] = (b'a' + rng.below(26) as u8) as char,
        _ => c.swap(i, i + 1),
    }
    c.into_iter().collect()
}

/// A variant from the nickname or transliteration tables, when the name has one.
fn variant(rng: &mut Rng, name: &str, table: &[(String, Vec<String>)]) -> Option<String> {
    let group = table
        .iter()
        .find(|(head, vs)| head == name || vs.iter().any(|v| v == name))?;
    let mut all: Vec<&String> = std::iter::once(&group.0).chain(group.1.iter()).collect();
    all.retain(|v| *v != name && !v.contains(' '));
    (!all.is_empty()).then(|| all[rng.below(all.len())].clone())
}

struct Place {
    city: String,
    state: &'static str,
    zip: String,
}

struct Person {
    given: String,
    surname: String,
    year: u32,
    month: u32,
    day: u32,
    number: u32,
    street: String,
    place: usize,
    phone: String,
    email: String,
}

fn new_person(rng: &mut Rng, places: &[Place]) -> Person {
    let given = given(rng);
    let surname = surname(rng);
    let phone = format!(
        "{}{:02}{}{:06}",
        2 + rng.below(8),
        rng.below(100),
        2 + rng.below(8),
        rng.below(1_000_000)
    );
    let email = format!(
        "{}.{}{}@{}",
        given,
        surname,
        rng.below(100),
        ["gmail.com", "yahoo.com", "outlook.com", "example.org"][rng.below(4)]
    );
    Person {
        year: 1940 + rng.below(66) as u32,
        month: 1 + rng.below(12) as u32,
        day: 1 + rng.below(28) as u32,
        number: 1 + rng.below(9999) as u32,
        street: format!(
            "{} {}",
            capitalise(&syllable_word(rng, 2)),
            rng.pick(STREET_TYPES)
        ),
        place: rng.below(places.len()),
        given,
        surname,
        phone,
        email,
    }
}

/// One entry of a person, with errors when it is not the first.
fn entry(
    rng: &mut Rng,
    p: &Person,
    places: &[Place],
    noisy: bool,
    tables: &Tables,
) -> PersonRecord {
    let mut given = p.given.clone();
    let mut surname = p.surname.clone();
    let (mut year, mut month, mut day) = (p.year, p.month, p.day);
    let mut number = p.number;
    let mut street = p.street.clone();
    let mut place = p.place;
    let mut phone = p.phone.clone();
    let mut email = p.email.clone();
    let mut dob_layout = 0;
    if noisy {
        if rng.chance(0.12) {
            if let Some(v) = variant(rng, &given, &tables.nicknames) {
                given = v;
            }
        }
        if rng.chance(0.10) {
            if let Some(v) = variant(rng, &given, &tables.transliterations) {
                given = v;
            }
        }
        if rng.chance(0.10) {
            if let Some(v) = variant(rng, &surname, &tables.transliterations) {
                surname = v;
            }
        }
        if rng.chance(0.15) {
            given = typo(rng, &given);
        }
        if rng.chance(0.15) {
            surname = typo(rng, &surname);
        }
        if rng.chance(0.04) {
            std::mem::swap(&mut given, &mut surname);
        }
        if rng.chance(0.05) {
            std::mem::swap(&mut month, &mut day);
        } else if rng.chance(0.06) {
            day = 1 + (day + rng.below(3) as u32) % 28;
        } else if rng.chance(0.04) {
            year = year + 1 - 2 * (rng.below(2) as u32);
        }
        dob_layout = match rng.below(20) {
            0 => 3, // year only
            1 => 4, // missing
            2..=6 => 1,
            7..=9 => 2,
            _ => 0,
        };
        if rng.chance(0.15) {
            // moved
            number = 1 + rng.below(9999) as u32;
            street = format!(
                "{} {}",
                capitalise(&syllable_word(rng, 2)),
                rng.pick(STREET_TYPES)
            );
            place = rng.below(places.len());
        } else if rng.chance(0.08) {
            number = number.saturating_add(1 + rng.below(9) as u32);
        }
        if rng.chance(0.2) {
            phone = format!(
                "{}{:02}{}{:06}",
                2 + rng.below(8),
                rng.below(100),
                2 + rng.below(8),
                rng.below(1_000_000)
            );
        } else if rng.chance(0.1) {
            phone.clear();
        }
        if rng.chance(0.3) {
            email.clear();
        } else if rng.chance(0.1) {
            email = email.to_uppercase();
        }
    }
    let dob = match dob_layout {
        1 => format!("{month:02}/{day:02}/{year}"),
        2 => format!("{year}{month:02}{day:02}"),
        3 => format!("{year}"),
        4 => String::new(),
        _ => format!("{year}-{month:02}-{day:02}"),
    };
    let phone = if phone.len() == 10 && rng.chance(0.5) {
        format!("({}) {}-{}", &phone[..3], &phone[3..6], &phone[6..])
    } else {
        phone
    };
    let pl = &places[place];
    PersonRecord {
        given_name: capitalise(&given),
        surname: capitalise(&surname),
        dob,
        street_number: number.to_string(),
        address_1: street,
        address_2: String::new(),
        city: pl.city.clone(),
        postcode: pl.zip.clone(),
        state: pl.state.to_owned(),
        phone,
        ssn: String::new(),
        email,
    }
}

struct Tables {
    nicknames: Vec<(String, Vec<String>)>,
    transliterations: Vec<(String, Vec<String>)>,
}

/// `n` records of about `n / 1.8` people: half appear once, the others two to five times.
/// Records come in shuffled order.
pub fn people(n: usize, seed: u64) -> Vec<SynthPerson> {
    let mut rng = Rng(seed ^ 0xD1B5_4A32_D192_ED03);
    let tables = Tables {
        nicknames: crate::normalize::groups(include_str!("../data/nicknames.txt")),
        transliterations: crate::normalize::groups(include_str!("../data/transliterations.txt")),
    };
    let places: Vec<Place> = (0..(n / 300).clamp(20, 5000))
        .map(|_| Place {
            city: {
                let parts = 2 + rng.below(2);
                capitalise(&syllable_word(&mut rng, parts))
            },
            state: rng.pick(STATES),
            zip: format!("{:05}", 1000 + rng.below(98_000)),
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    let mut entity = 0u64;
    while out.len() < n {
        let person = new_person(&mut rng, &places);
        let copies = match rng.below(20) {
            0..=9 => 1,
            10..=14 => 2,
            15..=17 => 3,
            18 => 4,
            _ => 5,
        };
        for c in 0..copies {
            if out.len() == n {
                break;
            }
            out.push(SynthPerson {
                entity,
                record: entry(&mut rng, &person, &places, c > 0, &tables),
            });
        }
        entity += 1;
    }
    // Fisher-Yates
    for i in (1..out.len()).rev() {
        let j = rng.below(i + 1);
        out.swap(i, j);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_with_duplicates() {
        let a = people(2_000, 3);
        let b = people(2_000, 3);
        assert_eq!(a.len(), 2_000);
        assert!(a
            .iter()
            .zip(&b)
            .all(|(x, y)| x.record == y.record && x.entity == y.entity));
        let mut entities: Vec<u64> = a.iter().map(|p| p.entity).collect();
        entities.sort_unstable();
        entities.dedup();
        assert!(
            entities.len() < 1_600 && entities.len() > 800,
            "{}",
            entities.len()
        );
        assert_ne!(people(100, 4)[0].record, a[0].record);
    }
}
