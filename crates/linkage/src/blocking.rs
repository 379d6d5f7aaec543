//! Blocking: which pairs are compared at all. Each rule gives a record a key (or none); records
//! that share a key under any rule form candidate pairs. A pair found by several rules is kept
//! once: rule k emits a pair only when no earlier rule already holds it.

use crate::compare::Prepared;
use rayon::prelude::*;
use std::hash::{Hash, Hasher};

/// One block of a rule: (key, record index) pairs sharing a key.
type Block<'a> = &'a [(u64, u32)];

/// A blocking rule: a name and the key it gives a record (`None`: the record is not blocked by
/// this rule, e.g. its value is missing).
#[derive(Clone, Copy)]
pub struct BlockingRule {
    pub name: &'static str,
    pub key: fn(&Prepared) -> Option<u64>,
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

/// The default rules for person records. Each is narrow enough that a block stays small on a
/// million records, and together they catch pairs with errors in any one or two fields.
pub const PERSON_RULES: &[BlockingRule] = &[
    BlockingRule {
        name: "given name and surname (either order)",
        key: |p| {
            let (g, s) = (nonempty(&p.given_key)?, nonempty(&p.surname_key)?);
            Some(hash(1, &if g <= s { (g, s) } else { (s, g) }))
        },
    },
    // Initials in order, so that exchanged given name and surname still share the key.
    BlockingRule {
        name: "date of birth and the earlier initial of the two names",
        key: |p| {
            let (a, b) = initials(p);
            p.dob
                .is_full()
                .then(|| hash(2, &(p.dob.compact(), a.min(b))))
        },
    },
    BlockingRule {
        name: "date of birth and the later initial of the two names",
        key: |p| {
            let (a, b) = initials(p);
            p.dob
                .is_full()
                .then(|| hash(3, &(p.dob.compact(), a.max(b))))
        },
    },
    BlockingRule {
        name: "social security number",
        key: |p| (p.ssn.len() >= 4).then(|| hash(4, &*p.ssn)),
    },
    BlockingRule {
        name: "first five digits of the social security number",
        key: |p| (p.ssn.len() >= 7).then(|| hash(12, &p.ssn[..5])),
    },
    BlockingRule {
        name: "last four digits of the social security number and state",
        key: |p| (p.ssn.len() >= 7).then(|| hash(13, &(&p.ssn[p.ssn.len() - 4..], &*p.state))),
    },
    BlockingRule {
        name: "postcode and street number",
        key: |p| {
            Some(hash(
                5,
                &(nonempty(&p.postcode)?, nonempty(&p.street_number)?),
            ))
        },
    },
    BlockingRule {
        name: "postcode and surname sound",
        key: |p| {
            Some(hash(
                6,
                &(nonempty(&p.postcode)?, nonempty(&p.surname_sound)?),
            ))
        },
    },
    BlockingRule {
        name: "the two names' sounds (either order) and year of birth",
        key: |p| {
            let (g, s) = (nonempty(&p.given_sound)?, nonempty(&p.surname_sound)?);
            Some(hash(7, &(g.min(s), g.max(s), p.dob.year?)))
        },
    },
    BlockingRule {
        name: "street address and street number",
        key: |p| {
            Some(hash(
                8,
                &(nonempty(&p.address_1)?, nonempty(&p.street_number)?),
            ))
        },
    },
    BlockingRule {
        name: "phone",
        key: |p| Some(hash(9, nonempty(&p.phone)?)),
    },
    BlockingRule {
        name: "e-mail",
        key: |p| Some(hash(10, nonempty(&p.email)?)),
    },
    BlockingRule {
        name: "surname and year and month of birth",
        key: |p| {
            Some(hash(
                11,
                &(nonempty(&p.surname_key)?, p.dob.year?, p.dob.month?),
            ))
        },
    },
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

/// Records' keys: `keys[rule][record]`, 0 for none.
fn keys(rules: &[BlockingRule], records: &[Prepared]) -> Vec<Vec<u64>> {
    rules
        .iter()
        .map(|rule| {
            records
                .par_iter()
                .map(|p| (rule.key)(p).unwrap_or(0))
                .collect()
        })
        .collect()
}

fn held_by_earlier(
    keys_l: &[Vec<u64>],
    keys_r: &[Vec<u64>],
    rule: usize,
    i: usize,
    j: usize,
) -> bool {
    (0..rule).any(|r| {
        let k = keys_l[r][i];
        k != 0 && k == keys_r[r][j]
    })
}

/// Sorted `(key, index)` for the records that have a key under `rule`.
fn sorted_keys(keys: &[u64]) -> Vec<(u64, u32)> {
    let mut v: Vec<(u64, u32)> = keys
        .iter()
        .enumerate()
        .filter(|(_, &k)| k != 0)
        .map(|(i, &k)| (k, i as u32))
        .collect();
    v.par_sort_unstable();
    v
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
    let keys = keys(rules, records);
    let mut report = BlockingReport::default();
    let mut all = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        let sorted = sorted_keys(&keys[r]);
        let blocks = groups(&sorted);
        report.oversized_blocks += blocks.iter().filter(|b| b.len() > max_block).count() as u64;
        let pairs: Vec<(u32, u32)> = blocks
            .par_iter()
            .filter(|b| b.len() > 1 && b.len() <= max_block)
            .flat_map_iter(|block| {
                let keys = &keys;
                block.iter().enumerate().flat_map(move |(a, &(_, i))| {
                    block[a + 1..].iter().filter_map(move |&(_, j)| {
                        let (i, j) = (i.min(j), i.max(j));
                        (!held_by_earlier(keys, keys, r, i as usize, j as usize)).then_some((i, j))
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
    let (kl, kr) = (keys(rules, left), keys(rules, right));
    let mut report = BlockingReport::default();
    let mut all = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        let (sl, sr) = (sorted_keys(&kl[r]), sorted_keys(&kr[r]));
        let right_blocks: rustc_hash::FxHashMap<u64, &[(u64, u32)]> =
            groups(&sr).into_iter().map(|b| (b[0].0, b)).collect();
        let left_blocks = groups(&sl);
        let joined: Vec<(Block<'_>, Block<'_>)> = left_blocks
            .into_iter()
            .filter_map(|lb| right_blocks.get(&lb[0].0).map(|rb| (lb, *rb)))
            .collect();
        report.oversized_blocks += joined
            .iter()
            .filter(|(a, b)| a.len() * b.len() > max_block * max_block / 2)
            .count() as u64;
        let pairs: Vec<(u32, u32)> = joined
            .par_iter()
            .filter(|(a, b)| a.len() * b.len() <= max_block * max_block / 2)
            .flat_map_iter(|&(lb, rb)| {
                let (kl, kr) = (&kl, &kr);
                lb.iter().flat_map(move |&(_, i)| {
                    rb.iter().filter_map(move |&(_, j)| {
                        (!held_by_earlier(kl, kr, r, i as usize, j as usize)).then_some((i, j))
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

    #[test]
    fn oversized_blocks_are_skipped_and_counted() {
        let records: Vec<Prepared> = (0..10).map(|_| p("Ann", "Lee", "", "")).collect();
        let (pairs, report) = dedupe_pairs(PERSON_RULES, &records, 5);
        assert!(pairs.is_empty());
        assert!(report.oversized_blocks >= 1);
    }
}
