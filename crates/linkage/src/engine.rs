//! Deduplication and linkage end to end: normalise, block, compare, train, score, cluster.

use crate::blocking::{self, BlockingReport, BlockingRule};
use crate::cluster;
use crate::compare::{gamma, gamma_level, Field, Gamma, PersonRecord, Prepared, FIELDS};
use crate::model::{FieldWeight, Frequencies, Model};
use rayon::prelude::*;

/// The match probability above which a pair is reported (and joins its records into one
/// entity) unless the caller chooses another. At 0.9 a reported pair is nine times likelier
/// the same person than not under the trained model.
pub const DEFAULT_THRESHOLD: f64 = 0.9;

/// Settings of a run. `Settings::default()` is what the command line uses.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Report pairs whose match probability is at least this.
    pub threshold: f64,
    pub rules: &'static [BlockingRule],
    /// Blocks of more records than this are skipped (counted in the report).
    pub max_block: usize,
    /// Random pairs drawn to estimate u.
    pub random_pairs: usize,
    /// Candidate pairs EM is trained on (a deterministic sample when there are more).
    pub em_sample: usize,
    /// Seed of the random-pair sampler (runs are reproducible).
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            threshold: DEFAULT_THRESHOLD,
            rules: blocking::PERSON_RULES,
            max_block: 500,
            random_pairs: 1_000_000,
            em_sample: 2_000_000,
            seed: 0x5EED_1234,
        }
    }
}

/// Told where a long run is, for a progress bar. Called from several threads.
pub trait Progress: Sync {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
}

/// Reports nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// A pair judged the same entity. `left`/`right` are positions in the input (in a
/// deduplication both are positions in the one input, `left < right`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredPair {
    pub left: u32,
    pub right: u32,
    /// Sum of the fields' log2 Bayes factors (the evidence, without the prior).
    pub match_weight: f64,
    pub match_probability: f64,
}

/// The outcome of a run.
#[derive(Debug)]
pub struct Linkage {
    pub pairs: Vec<ScoredPair>,
    pub model: Model,
    pub blocking: BlockingReport,
    pub candidate_pairs: u64,
    scorer: Scorer,
}

impl Linkage {
    /// Each field's part in a pair's match weight; the parts sum to the pair's match weight.
    pub fn explain(&self, left: &Prepared, right: &Prepared) -> Vec<FieldWeight> {
        self.scorer.explain(&self.model, left, right)
    }

    /// The match weight of any pair (for a pair not among `pairs`, too).
    pub fn weight(&self, left: &Prepared, right: &Prepared) -> f64 {
        self.scorer
            .weight(&self.model, gamma(&self.model.fields, left, right), left)
    }
}

#[derive(Debug)]
struct Scorer {
    /// `weights[field][level]`
    weights: Vec<Vec<f64>>,
    /// Value frequencies of the fields with frequency adjustment (None elsewhere).
    frequencies: Vec<Option<Frequencies>>,
}

impl Scorer {
    fn new(model: &Model, records: &[&[Prepared]]) -> Self {
        let weights = model
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (0..f.levels().len())
                    .map(|l| model.level_weight(i, l))
                    .collect()
            })
            .collect();
        let frequencies = model
            .fields
            .iter()
            .map(|&f| {
                f.frequency_adjusted().then(|| {
                    Frequencies::from_values(
                        records
                            .iter()
                            .flat_map(|rs| rs.iter())
                            .filter_map(|p| p.value(f)),
                    )
                })
            })
            .collect();
        Scorer {
            weights,
            frequencies,
        }
    }

    /// The frequency adjustment of exact agreement on field `i` when the value is `value`: a
    /// common value counts for less, a rare one for more (u taken as the value's share instead
    /// of the field's average).
    fn adjustment(&self, model: &Model, i: usize, value: Option<&str>) -> f64 {
        let (Some(freq), Some(value)) = (&self.frequencies[i], value) else {
            return 0.0;
        };
        match freq.share(value) {
            Some(share) => {
                let u_avg = model.u[i][model.top_level(i)];
                // Bounded so that one very rare value cannot outweigh everything else.
                (u_avg / share.max(1e-6)).log2().clamp(-6.0, 6.0)
            }
            None => 0.0,
        }
    }

    /// Weight of field `i` at `level`, with `adjust` giving the frequency adjustment when the
    /// level is exact agreement.
    fn field_weight_with(
        &self,
        model: &Model,
        i: usize,
        level: usize,
        adjust: impl FnOnce() -> f64,
    ) -> f64 {
        let base = self.weights[i][level];
        if level != model.top_level(i) {
            return base;
        }
        base + adjust()
    }

    /// Weight of field `i` at `level` for a pair whose left record is `l`.
    fn field_weight(&self, model: &Model, i: usize, level: usize, l: &Prepared) -> f64 {
        self.field_weight_with(model, i, level, || {
            self.adjustment(model, i, l.value(model.fields[i]))
        })
    }

    fn weight(&self, model: &Model, g: Gamma, l: &Prepared) -> f64 {
        (0..model.fields.len())
            .map(|i| self.field_weight(model, i, gamma_level(g, i), l))
            .sum()
    }

    /// Every record's frequency adjustments, field by field (`None` for a field without), so
    /// that scoring many pairs looks each value up once rather than once per pair.
    fn adjustments(&self, model: &Model, records: &[Prepared]) -> Vec<Option<Vec<f64>>> {
        (0..model.fields.len())
            .map(|i| {
                self.frequencies[i].as_ref().map(|_| {
                    records
                        .par_iter()
                        .map(|p| self.adjustment(model, i, p.value(model.fields[i])))
                        .collect()
                })
            })
            .collect()
    }

    /// [`Self::weight`] with the left record's adjustments looked up already.
    fn weight_of(
        &self,
        model: &Model,
        g: Gamma,
        adjustments: &[Option<Vec<f64>>],
        left: usize,
    ) -> f64 {
        (0..model.fields.len())
            .map(|i| {
                self.field_weight_with(model, i, gamma_level(g, i), || {
                    adjustments[i].as_ref().map_or(0.0, |a| a[left])
                })
            })
            .sum()
    }

    fn explain(&self, model: &Model, l: &Prepared, r: &Prepared) -> Vec<FieldWeight> {
        let g = gamma(&model.fields, l, r);
        model
            .fields
            .iter()
            .enumerate()
            .map(|(i, &field)| {
                let level = gamma_level(g, i);
                FieldWeight {
                    field,
                    level: field.levels()[level.min(field.levels().len() - 1)],
                    weight: self.field_weight(model, i, level, l),
                }
            })
            .collect()
    }
}

/// splitmix64: reproducible pseudo-random numbers for sampling.
struct SplitMix(u64);
impl SplitMix {
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
}

/// Fields that some record on each side has: the others cannot tell anything.
fn present_fields(sides: &[&[Prepared]]) -> Vec<Field> {
    FIELDS
        .iter()
        .copied()
        .filter(|&f| sides.iter().all(|side| side.par_iter().any(|p| p.has(f))))
        .collect()
}

pub fn prepare(records: &[PersonRecord], progress: &dyn Progress) -> Vec<Prepared> {
    progress.stage("normalising", records.len() as u64);
    records
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            progress.advance(chunk.len() as u64);
            chunk.iter().map(Prepared::new)
        })
        .collect()
}

/// Finds the records in one list that are the same entity.
pub fn dedupe(records: &[Prepared], settings: &Settings, progress: &dyn Progress) -> Linkage {
    progress.stage("blocking", records.len() as u64);
    let (pairs, report) = blocking::dedupe_pairs(settings.rules, records, settings.max_block);
    progress.advance(records.len() as u64);
    let n = records.len();
    let total_pairs = n as f64 * (n.saturating_sub(1)) as f64 / 2.0;
    let mut rng = SplitMix(settings.seed);
    let random: Vec<(usize, usize)> = if n < 2 {
        Vec::new()
    } else {
        (0..settings.random_pairs)
            .map(|_| {
                let i = rng.below(n);
                let mut j = rng.below(n - 1);
                if j >= i {
                    j += 1;
                }
                (i, j)
            })
            .collect()
    };
    run(
        records,
        records,
        pairs,
        report,
        &random,
        total_pairs,
        settings,
        progress,
    )
}

/// Like [`dedupe`], but only the pairs `allowed(i, j)` (`i < j`) are ever compared: in
/// blocking, in the random pairs that estimate u and in training. The caller states what may be
/// compared (for the product, which records the policy and the survivors' consents let meet);
/// a pair it refuses is not looked at, not merely left out of the answer.
pub fn dedupe_where(
    records: &[Prepared],
    allowed: &(dyn Fn(u32, u32) -> bool + Sync),
    settings: &Settings,
    progress: &dyn Progress,
) -> Linkage {
    progress.stage("blocking", records.len() as u64);
    let (mut pairs, report) = blocking::dedupe_pairs(settings.rules, records, settings.max_block);
    pairs.retain(|&(i, j)| allowed(i, j));
    progress.advance(records.len() as u64);
    let n = records.len();
    let mut rng = SplitMix(settings.seed);
    let mut random: Vec<(usize, usize)> = Vec::new();
    if n >= 2 {
        // Drawn among the allowed pairs only; a few tries per wanted pair bound the work when
        // few pairs are allowed.
        for _ in 0..settings.random_pairs.saturating_mul(4) {
            if random.len() >= settings.random_pairs {
                break;
            }
            let i = rng.below(n);
            let mut j = rng.below(n - 1);
            if j >= i {
                j += 1;
            }
            let (a, b) = (i.min(j), i.max(j));
            if allowed(a as u32, b as u32) {
                random.push((a, b));
            }
        }
    }
    let total_pairs = n as f64 * (n.saturating_sub(1)) as f64 / 2.0;
    run(
        records,
        records,
        pairs,
        report,
        &random,
        total_pairs,
        settings,
        progress,
    )
}

/// Finds the pairs of a record in `left` and one in `right` that are the same entity.
pub fn link(
    left: &[Prepared],
    right: &[Prepared],
    settings: &Settings,
    progress: &dyn Progress,
) -> Linkage {
    progress.stage("blocking", (left.len() + right.len()) as u64);
    let (pairs, report) = blocking::link_pairs(settings.rules, left, right, settings.max_block);
    progress.advance((left.len() + right.len()) as u64);
    let total_pairs = left.len() as f64 * right.len() as f64;
    let mut rng = SplitMix(settings.seed);
    let random: Vec<(usize, usize)> = if left.is_empty() || right.is_empty() {
        Vec::new()
    } else {
        (0..settings.random_pairs)
            .map(|_| (rng.below(left.len()), rng.below(right.len())))
            .collect()
    };
    run(
        left,
        right,
        pairs,
        report,
        &random,
        total_pairs,
        settings,
        progress,
    )
}

#[allow(clippy::too_many_arguments)]
fn run(
    left: &[Prepared],
    right: &[Prepared],
    pairs: Vec<(u32, u32)>,
    blocking: BlockingReport,
    random: &[(usize, usize)],
    total_pairs: f64,
    settings: &Settings,
    progress: &dyn Progress,
) -> Linkage {
    let same = std::ptr::eq(left, right);
    let sides: Vec<&[Prepared]> = if same { vec![left] } else { vec![left, right] };
    let fields = present_fields(&sides);

    progress.stage("estimating u from random pairs", random.len() as u64);
    let random_gammas: Vec<Gamma> = random
        .par_iter()
        .map(|&(i, j)| gamma(&fields, &left[i], &right[j]))
        .collect();
    progress.advance(random.len() as u64);
    let u = Model::estimate_u(&fields, &random_gammas);
    drop(random_gammas);

    // Each candidate pair is compared once; training and scoring read the vectors.
    progress.stage("comparing candidate pairs", pairs.len() as u64);
    let gammas: Vec<Gamma> = pairs
        .par_chunks(65_536)
        .flat_map_iter(|chunk| {
            progress.advance(chunk.len() as u64);
            let fields = &fields;
            chunk
                .iter()
                .map(move |&(i, j)| gamma(fields, &left[i as usize], &right[j as usize]))
        })
        .collect();

    progress.stage("training by expectation maximisation", 1);
    let step = gammas.len().div_ceil(settings.em_sample.max(1)).max(1);
    let sample: Vec<Gamma> = gammas.iter().step_by(step).copied().collect();
    let mut model = Model::train(fields, u, &sample, total_pairs, random.len() as u64, true);
    // The sample stands for all candidates.
    model.training.expected_matches *= step as f64;
    // u was refined on the candidates, so the weights compare a match with a candidate
    // non-match: the prior is the share of matches among the candidates.
    model.prior = model
        .training
        .candidate_match_share
        .clamp(1e-12, 1.0 - 1e-9);
    drop(sample);
    progress.advance(1);

    let scorer = Scorer::new(&model, &sides);
    progress.stage("scoring", pairs.len() as u64);
    let adjustments = scorer.adjustments(&model, left);
    let candidate_pairs = pairs.len() as u64;
    let mut scored: Vec<ScoredPair> = pairs
        .par_chunks(65_536)
        .zip(gammas.par_chunks(65_536))
        .flat_map_iter(|(chunk, gchunk)| {
            progress.advance(chunk.len() as u64);
            let (model, scorer, adjustments) = (&model, &scorer, &adjustments);
            chunk.iter().zip(gchunk).filter_map(move |(&(i, j), &g)| {
                let w = scorer.weight_of(model, g, adjustments, i as usize);
                let p = model.probability(w);
                (p >= settings.threshold).then_some(ScoredPair {
                    left: i,
                    right: j,
                    match_weight: w,
                    match_probability: p,
                })
            })
        })
        .collect();
    drop(gammas);
    drop(pairs);
    scored.par_sort_unstable_by_key(|p| (p.left, p.right));
    Linkage {
        pairs: scored,
        model,
        blocking,
        candidate_pairs,
        scorer,
    }
}

/// Entities of a deduplication: `cluster[i]` is the smallest position of a record in record
/// `i`'s entity (a record alone is its own entity).
pub fn clusters(n: usize, pairs: &[ScoredPair]) -> Vec<u32> {
    cluster::components(n, pairs.iter().map(|p| (p.left, p.right)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;
    use std::collections::HashSet;

    #[test]
    fn dedupe_where_never_pairs_what_the_caller_refuses() {
        let (records, _) = synthetic(2000, 11);
        let settings = Settings {
            random_pairs: 50_000,
            ..Settings::default()
        };
        let all = dedupe(&records, &settings, &Quiet);
        assert!(!all.pairs.is_empty());
        // Records in two halves that may not meet: no pair across, the pairs within stay.
        let half = (records.len() / 2) as u32;
        let same_half = |i: u32, j: u32| (i < half) == (j < half);
        let split = dedupe_where(&records, &same_half, &settings, &Quiet);
        assert!(split.pairs.iter().all(|p| same_half(p.left, p.right)));
        let within = all
            .pairs
            .iter()
            .filter(|p| same_half(p.left, p.right))
            .count();
        assert!(
            split.pairs.len() * 10 >= within * 9,
            "{} of {within}",
            split.pairs.len()
        );
    }

    fn synthetic(n: usize, seed: u64) -> (Vec<Prepared>, Vec<u64>) {
        let people = synth::people(n, seed);
        let records: Vec<PersonRecord> = people.iter().map(|p| p.record.clone()).collect();
        (
            prepare(&records, &Quiet),
            people.iter().map(|p| p.entity).collect(),
        )
    }

    #[test]
    fn dedupe_without_labels_finds_the_true_pairs() {
        let (records, entity) = synthetic(4000, 21);
        let result = dedupe(&records, &Settings::default(), &Quiet);
        assert!(result.model.training.em_converged);
        let truth: HashSet<(u32, u32)> = (0..records.len() as u32)
            .flat_map(|i| (i + 1..records.len() as u32).map(move |j| (i, j)))
            .filter(|&(i, j)| entity[i as usize] == entity[j as usize])
            .collect();
        let found: HashSet<(u32, u32)> = result.pairs.iter().map(|p| (p.left, p.right)).collect();
        let tp = found.intersection(&truth).count() as f64;
        let f1 = 2.0 * tp / (found.len() + truth.len()) as f64;
        assert!(f1 > 0.93, "F1 {f1}");
        // The trained model says exact agreement is evidence for, disagreement against.
        let given = result
            .model
            .fields
            .iter()
            .position(|&f| f == Field::GivenName)
            .unwrap();
        let (exact, different) = (
            result.model.level_weight(given, 6),
            result.model.level_weight(given, 1),
        );
        assert!(
            exact > different + 3.0,
            "exact {exact}, different {different}"
        );
        assert!(different < 0.0, "different {different}");
        // EM's estimate of the number of matches is of the order of the truth it never saw (it
        // runs high here: near-misses in a small town count as part matches).
        let ratio = result.model.training.expected_matches / truth.len() as f64;
        assert!(
            (0.8..2.5).contains(&ratio),
            "expected matches / true pairs = {ratio}"
        );
    }

    #[test]
    fn explanations_sum_to_the_match_weight() {
        let (records, _) = synthetic(2000, 8);
        let result = dedupe(&records, &Settings::default(), &Quiet);
        assert!(!result.pairs.is_empty());
        for p in &result.pairs {
            let (l, r) = (&records[p.left as usize], &records[p.right as usize]);
            let parts = result.explain(l, r);
            assert_eq!(parts.len(), result.model.fields.len());
            let sum: f64 = parts.iter().map(|w| w.weight).sum();
            assert!(
                (sum - p.match_weight).abs() < 1e-9,
                "{sum} vs {}",
                p.match_weight
            );
            assert!((result.weight(l, r) - p.match_weight).abs() < 1e-9);
            assert!((result.model.probability(p.match_weight) - p.match_probability).abs() < 1e-12);
            assert!(p.match_probability >= DEFAULT_THRESHOLD);
            // A missing value says nothing.
            for w in &parts {
                if w.level == "missing" {
                    assert_eq!(w.weight, 0.0);
                }
            }
        }
    }

    #[test]
    fn link_finds_each_right_record_its_left_match() {
        let people = synth::people(3000, 13);
        let mut seen = HashSet::new();
        let (mut left, mut right, mut le, mut re) = (vec![], vec![], vec![], vec![]);
        for p in &people {
            if seen.insert(p.entity) {
                left.push(p.record.clone());
                le.push(p.entity);
            } else {
                right.push(p.record.clone());
                re.push(p.entity);
            }
        }
        let (l, r) = (prepare(&left, &Quiet), prepare(&right, &Quiet));
        let result = link(&l, &r, &Settings::default(), &Quiet);
        let correct = result
            .pairs
            .iter()
            .filter(|p| le[p.left as usize] == re[p.right as usize])
            .count();
        assert!(
            correct as f64 > 0.9 * right.len() as f64,
            "{correct} of {}",
            right.len()
        );
        assert!(correct as f64 > 0.97 * result.pairs.len() as f64);
    }

    #[test]
    fn clusters_join_matched_pairs() {
        let pair = |left, right| ScoredPair {
            left,
            right,
            match_weight: 20.0,
            match_probability: 0.99,
        };
        assert_eq!(clusters(5, &[pair(3, 4), pair(0, 3)]), vec![0, 1, 2, 0, 0]);
    }

    #[test]
    fn tiny_inputs_do_not_fail() {
        let (records, _) = synthetic(1, 1);
        assert!(dedupe(&records, &Settings::default(), &Quiet)
            .pairs
            .is_empty());
        assert!(dedupe(&[], &Settings::default(), &Quiet).pairs.is_empty());
        assert!(link(&records, &[], &Settings::default(), &Quiet)
            .pairs
            .is_empty());
    }
}
