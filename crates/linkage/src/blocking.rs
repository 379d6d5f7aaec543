//! Blocking: which pairs are compared at all. Each rule gives a record a key (or none); records
//! that share a key under any rule form candidate pairs. A pair found by several rules is kept
//! once: rule k emits a pair only when no earlier rule already holds it.

use crate::compare::Prepared;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};

/// One block of a rule: (key, record index) pairs sharing a key.
type Block<'a> = &'a [(u64, u32)];

/// A blocking rule: a name and the key it gives a record (`None`: the record is not blocked by
/// this rule, e.g. its value is missing), and optionally a block limit of its own below the
/// run's.
#[derive(Clone, Copy)]
pub struct BlockingRule {
    pub name: &'static str,
    pub key: fn(&Prepared) -> Option<u64>,
    /// Blocks larger than this are skipped under this rule (`None`: the run's limit).
    pub max_block: Option<usize>,
}

impl BlockingRule {
    const fn new(name: &'static str, key: fn(&Prepared) -> Option<u64>) -> Self {
        BlockingRule {
            name,
            key,
            max_block: None,
        }
    }

    const fn at_most(self, max_block: usize) -> Self {
        BlockingRule {
            max_block: Some(max_block),
            ..self
        }
    }

    fn limit(&self, run_limit: usize) -> usize {
        self.max_block.map_or(run_limit, |m| m.min(run_limit))
    }
}

impl std::fmt::Debug for BlockingRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

fn hash<T: Hash + ?Sized>(rule: u8, parts: &T) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    rule.hash(&mut h);
    parts.hash(&mut h);
    // 0 is reserved for "no key".
    h.finish().max(1)
}

fn nonempty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn initial(s: &str) -> Option<char> {
    s.chars().next()
}

fn initials(p: &Prepared) -> (Option<char>, Option<char>) {
    (initial(&p.given_key), initial(&p.surname_key))
}

/// The two names' keys in a fixed order, so that exchanged given name and surname agree.
fn names(p: &Prepared) -> Option<(&str, &str)> {
    let (g, s) = (nonempty(&p.given_key)?, nonempty(&p.surname_key)?);
    Some(if g <= s { (g, s) } else { (s, g) })
}

/// Records sharing both names, in blocks of at most this many under the names alone: a
/// name that common says little by itself (its weight is lowered for being common), so its
/// true pairs are those that also agree on a date of birth, a place, a phone or an e-mail,
/// which the rules that add those find in much smaller blocks.
const NAME_BLOCK: usize = 50;

/// The default rules for person records. Each is narrow enough that a block stays small on a
/// million records, and together they catch pairs with errors in any one or two fields.
pub const PERSON_RULES: &[BlockingRule] = &[
    BlockingRule::new("given name and surname (either order)", |p| {
        Some(hash(1, &names(p)?))
    })
    .at_most(NAME_BLOCK),
    BlockingRule::new("both names and year of birth", |p| {
        Some(hash(14, &(names(p)?, p.dob.year?)))
    }),
    BlockingRule::new("both names and day and month of birth", |p| {
        Some(hash(15, &(names(p)?, p.dob.month?, p.dob.day?)))
    }),
    BlockingRule::new("both names and postcode", |p| {
        Some(hash(16, &(names(p)?, nonempty(&p.postcode)?)))
    }),
    BlockingRule::new("both names and city", |p| {
        Some(hash(17, &(names(p)?, nonempty(&p.city)?)))
    }),
    // Initials in order, so that exchanged given name and surname still share the key.
    BlockingRule::new(
        "date of birth and the earlier initial of the two names",
        |p| {
            let (a, b) = initials(p);
            p.dob
                .is_full()
                .then(|| hash(2, &(p.dob.compact(), a.min(b))))
        },
    ),
    BlockingRule::new(
        "date of birth and the later initial of the two names",
        |p| {
            let (a, b) = initials(p);
            p.dob
                .is_full()
                .then(|| hash(3, &(p.dob.compact(), a.max(b))))
        },
    ),
    // Either name's initial alone too: a changed surname (marriage) or a missing given name
    // leaves the other, where the earlier and later initials of the two would differ.
    BlockingRule::new("date of birth and the given name's initial", |p| {
        let g = initial(&p.given_key)?;
        p.dob.is_full().then(|| hash(18, &(p.dob.compact(), g)))
    }),
    BlockingRule::new("date of birth and the surname's initial", |p| {
        let s = initial(&p.surname_key)?;
        p.dob.is_full().then(|| hash(19, &(p.dob.compact(), s)))
    }),
    BlockingRule::new("social security number", |p| {
        (p.ssn.len() >= 4).then(|| hash(4, &*p.ssn))
    }),
    BlockingRule::new("first five digits of the social security number", |p| {
        (p.ssn.len() >= 7).then(|| hash(12, &p.ssn[..5]))
    }),
    BlockingRule::new(
        "last four digits of the social security number and state",
        |p| (p.ssn.len() >= 7).then(|| hash(13, &(&p.ssn[p.ssn.len() - 4..], &*p.state))),
    ),
    // The same digits in any order: two digits exchanged in the middle of the number, which
    // the two rules above both miss.
    BlockingRule::new("the social security number's digits in any order", |p| {
        (p.ssn.len() >= 7).then(|| {
            let mut digits = p.ssn.as_bytes().to_vec();
            digits.sort_unstable();
            hash(20, &digits)
        })
    })
    .at_most(NAME_BLOCK),
    BlockingRule::new("postcode and street number", |p| {
        Some(hash(
            5,
            &(nonempty(&p.postcode)?, nonempty(&p.street_number)?),
        ))
    }),
    BlockingRule::new("postcode and surname sound", |p| {
        Some(hash(
            6,
            &(nonempty(&p.postcode)?, nonempty(&p.surname_sound)?),
        ))
    }),
    BlockingRule::new(
        "the two names' sounds (either order) and year of birth",
        |p| {
            let (g, s) = (nonempty(&p.given_sound)?, nonempty(&p.surname_sound)?);
            Some(hash(7, &(g.min(s), g.max(s), p.dob.year?)))
        },
    ),
    BlockingRule::new("street address and street number", |p| {
        Some(hash(
            8,
            &(nonempty(&p.address_1)?, nonempty(&p.street_number)?),
        ))
    }),
    BlockingRule::new("phone", |p| Some(hash(9, nonempty(&p.phone)?))),
    BlockingRule::new("e-mail", |p| Some(hash(10, nonempty(&p.email)?))),
    BlockingRule::new("surname and year and month of birth", |p| {
        Some(hash(
            11,
            &(nonempty(&p.surname_key)?, p.dob.year?, p.dob.month?),
        ))
    }),
];

/// What blocking found, rule by rule.
#[derive(Clone, Debug, Default)]
pub struct BlockingReport {
    /// (rule name, new pairs it added)
    pub pairs_by_rule: Vec<(&'static str, u64)>,
    /// Blocks skipped because they held more than the block limit (their pairs may still be
    /// found by other rules).
    pub oversized_blocks: u64,
}

/// Every record's key under every rule, record by record (`keys[record * rules + rule]`, 0
/// for none), so that the test "does an earlier rule already hold this pair" reads one record's
/// keys from one place.
struct Keys {
    rules: usize,
    keys: Vec<u64>,
}

impl Keys {
    fn new(rules: &[BlockingRule], records: &[Prepared]) -> Self {
        let keys = records
            .par_iter()
            .flat_map_iter(|p| rules.iter().map(move |rule| (rule.key)(p).unwrap_or(0)))
            .collect();
        Keys {
            rules: rules.len(),
            keys,
        }
    }

    fn of(&self, record: u32) -> &[u64] {
        let at = record as usize * self.rules;
        &self.keys[at..at + self.rules]
    }

    /// Sorted `(key, record)` of the records that have a key under `rule`.
    fn sorted(&self, rule: usize) -> Vec<(u64, u32)> {
        let mut v: Vec<(u64, u32)> = self
            .keys
            .iter()
            .skip(rule)
            .step_by(self.rules)
            .enumerate()
            .filter(|(_, &k)| k != 0)
            .map(|(i, &k)| (k, i as u32))
            .collect();
        v.par_sort_unstable();
        v
    }

    /// A skipped block's records count as unkeyed under its rule: later rules then keep the
    /// pairs they find in it rather than leave them to a rule that never compared them.
    fn forget(&mut self, rule: usize, block: Block<'_>) {
        for &(_, i) in block {
            self.keys[i as usize * self.rules + rule] = 0;
        }
    }
}

/// Whether a rule before `rule` already puts `i` (of the left keys) and `j` (of the right)
/// in one block.
fn held_by_earlier(left: &Keys, right: &Keys, rule: usize, i: u32, j: u32) -> bool {
    let (a, b) = (left.of(i), right.of(j));
    a[..rule]
        .iter()
        .zip(&b[..rule])
        .any(|(&k, &l)| k != 0 && k == l)
}

fn groups(sorted: &[(u64, u32)]) -> Vec<&[(u64, u32)]> {
    sorted.chunk_by(|a, b| a.0 == b.0).collect()
}

/// Candidate pairs `(i, j)` with `i < j` within one set of records.
pub fn dedupe_pairs(
    rules: &[BlockingRule],
    records: &[Prepared],
    max_block: usize,
) -> (Vec<(u32, u32)>, BlockingReport) {
    let mut keys = Keys::new(rules, records);
    let mut report = BlockingReport::default();
    let mut all = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        let limit = rule.limit(max_block);
        let sorted = keys.sorted(r);
        let (blocks, oversized): (Vec<Block<'_>>, Vec<Block<'_>>) = groups(&sorted)
            .into_iter()
            .filter(|b| b.len() > 1)
            .partition(|b| b.len() <= limit);
        report.oversized_blocks += oversized.len() as u64;
        for block in oversized {
            keys.forget(r, block);
        }
        let keys = &keys;
        let pairs: Vec<(u32, u32)> = blocks
            .par_iter()
            .flat_map_iter(|block| {
                block.iter().enumerate().flat_map(move |(a, &(_, i))| {
                    block[a + 1..].iter().filter_map(move |&(_, j)| {
                        let (i, j) = (i.min(j), i.max(j));
                        (!held_by_earlier(keys, keys, r, i, j)).then_some((i, j))
                    })
                })
            })
            .collect();
        report.pairs_by_rule.push((rule.name, pairs.len() as u64));
        all.extend(pairs);
    }
    (all, report)
}

/// Candidate pairs `(i, j)` with `i` in `left` and `j` in `right`.
pub fn link_pairs(
    rules: &[BlockingRule],
    left: &[Prepared],
    right: &[Prepared],
    max_block: usize,
) -> (Vec<(u32, u32)>, BlockingReport) {
    let (mut kl, mut kr) = (Keys::new(rules, left), Keys::new(rules, right));
    let mut report = BlockingReport::default();
    let mut all = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        // A block of the two sides is as much work as a single block of `limit` records.
        let limit = rule.limit(max_block);
        let most_pairs = limit * limit / 2;
        let (sl, sr) = (kl.sorted(r), kr.sorted(r));
        let right_blocks: rustc_hash::FxHashMap<u64, &[(u64, u32)]> =
            groups(&sr).into_iter().map(|b| (b[0].0, b)).collect();
        let (joined, oversized): (Vec<(Block<'_>, Block<'_>)>, Vec<_>) = groups(&sl)
            .into_iter()
            .filter_map(|lb| right_blocks.get(&lb[0].0).map(|rb| (lb, *rb)))
            .partition(|(a, b)| a.len() * b.len() <= most_pairs);
        report.oversized_blocks += oversized.len() as u64;
        for (lb, rb) in oversized {
            kl.forget(r, lb);
            kr.forget(r, rb);
        }
        let (kl, kr) = (&kl, &kr);
        let pairs: Vec<(u32, u32)> = joined
            .par_iter()
            .flat_map_iter(|&(lb, rb)| {
                lb.iter().flat_map(move |&(_, i)| {
                    rb.iter().filter_map(move |&(_, j)| {
                        (!held_by_earlier(kl, kr, r, i, j)).then_some((i, j))
                    })
                })
            })
            .collect();
        report.pairs_by_rule.push((rule.name, pairs.len() as u64));
        all.extend(pairs);
    }
    (all, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::PersonRecord;

    fn p(given: &str, surname: &str, dob: &str, postcode: &str) -> Prepared {
        Prepared::new(&PersonRecord {
            given_name: given.into(),
            surname: surname.into(),
            dob: dob.into(),
            postcode: postcode.into(),
            ..PersonRecord::default()
        })
    }

    #[test]
    fn union_of_rules_without_duplicates() {
        let records = vec![
            p("Ann", "Lee", "19800101", "2000"),
            p("Ann", "Lee", "19800101", "2000"), // shares several keys with 0
            p("Lee", "Ann", "", ""),             // names exchanged
            p("Bob", "Ray", "19800101", "3000"), // same dob, other initials
            p("Anne", "Leigh", "19800101", ""),  // dob and initials
        ];
        let (mut pairs, report) = dedupe_pairs(PERSON_RULES, &records, 1000);
        let n = pairs.len();
        pairs.sort_unstable();
        pairs.dedup();
        assert_eq!(pairs.len(), n, "a pair came from two rules");
        assert!(pairs.contains(&(0, 1)));
        assert!(pairs.contains(&(0, 2)));
        assert!(pairs.contains(&(1, 2)));
        assert!(pairs.contains(&(0, 4)));
        assert!(!pairs.iter().any(|&(i, j)| i == 3 || j == 3));
        assert_eq!(report.pairs_by_rule.len(), PERSON_RULES.len());
        assert_eq!(
            report.pairs_by_rule.iter().map(|r| r.1).sum::<u64>(),
            n as u64
        );
    }

    #[test]
    fn link_pairs_cross_the_two_sides_only() {
        let left = vec![
            p("Ann", "Lee", "19800101", "2000"),
            p("Ann", "Lee", "19800101", "2000"),
        ];
        let right = vec![p("Ann", "Lee", "19800101", "2000")];
        let (mut pairs, _) = link_pairs(PERSON_RULES, &left, &right, 1000);
        pairs.sort_unstable();
        assert_eq!(pairs, vec![(0, 0), (1, 0)]);
    }

    fn pairs_of(records: &[Prepared]) -> Vec<(u32, u32)> {
        let (mut pairs, _) = dedupe_pairs(PERSON_RULES, records, 500);
        pairs.sort_unstable();
        pairs
    }

    #[test]
    fn a_common_name_is_paired_only_with_more_in_common() {
        // 60 people named Ann Lee: more than the names alone may block. Those born the same
        // year, or living at the same postcode, still meet; the others do not.
        let mut records: Vec<Prepared> = (0..60)
            .map(|i| {
                let dob = format!("{}{:02}{:02}", 1900 + i, i % 12 + 1, i % 28 + 1);
                p("Ann", "Lee", &dob, &format!("{}", 1000 + i))
            })
            .collect();
        records.push(p("Ann", "Lee", "19050607", "9999")); // 5: same year
        records.push(p("Ann", "Lee", "18000101", "1007")); // 7: same postcode
        let pairs = pairs_of(&records);
        assert!(pairs.contains(&(5, 60)));
        assert!(pairs.contains(&(7, 61)));
        assert!(!pairs.contains(&(1, 2)));
    }

    #[test]
    fn a_skipped_block_leaves_its_pairs_to_later_rules() {
        // 600 records share a postcode and street number (a block over the limit); two of
        // them share an e-mail too, a later rule, and must still be paired.
        let mut records: Vec<Prepared> = (0..600)
            .map(|i| {
                Prepared::new(&PersonRecord {
                    given_name: format!("g{i}"),
                    surname: format!("s{i}"),
                    street_number: "1".into(),
                    postcode: "2000".into(),
                    ..PersonRecord::default()
                })
            })
            .collect();
        records[3].email = "x@example.org".into();
        records[400].email = "x@example.org".into();
        let (pairs, report) = dedupe_pairs(PERSON_RULES, &records, 500);
        assert_eq!(pairs, vec![(3, 400)]);
        assert!(report.oversized_blocks >= 1);
    }

    #[test]
    fn a_changed_surname_or_a_missing_given_name_still_meets() {
        let records = vec![
            p("Jack", "Bridgland", "19930210", ""),
            p("Jack", "Shepherd", "19930210", ""), // surname changed
            p("", "Bendyk", "19100310", ""),
            p("Oliver", "Bendyk", "19100310", ""), // given name missing on one side
        ];
        let pairs = pairs_of(&records);
        assert!(pairs.contains(&(0, 1)));
        assert!(pairs.contains(&(2, 3)));
    }

    #[test]
    fn exchanged_digits_in_the_middle_of_a_number_still_meet() {
        let ssn = |ssn: &str| {
            Prepared::new(&PersonRecord {
                given_name: "a".into(),
                ssn: ssn.into(),
                ..PersonRecord::default()
            })
        };
        // The first five digits and the last four both differ.
        let records = vec![ssn("4137877"), ssn("4137787")];
        assert_eq!(pairs_of(&records), vec![(0, 1)]);
    }

    #[test]
    fn oversized_blocks_are_skipped_and_counted() {
        let records: Vec<Prepared> = (0..10).map(|_| p("Ann", "Lee", "", "")).collect();
        let (pairs, report) = dedupe_pairs(PERSON_RULES, &records, 5);
        assert!(pairs.is_empty());
        assert!(report.oversized_blocks >= 1);
    }
}
