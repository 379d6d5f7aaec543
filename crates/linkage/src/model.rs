//! The Fellegi-Sunter model: for each field and level, m (how often a true match shows that
//! level) and u (how often two unrelated records do), trained without labels: u first from
//! random pairs, then m, u and the share of matches by expectation maximisation over the
//! candidate pairs (whose non-matches agree more often than random pairs do: holding u at its
//! random-pair value makes EM call every candidate a match on large files).

use crate::compare::{gamma_level, Field, Gamma};
use rustc_hash::FxHashMap;

/// Smallest probability a level may have, so that no single field can decide a pair alone.
const FLOOR: f64 = 1e-6;

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub fields: Vec<Field>,
    /// `m[field][level]`; level 0 (missing) is unused.
    pub m: Vec<Vec<f64>>,
    /// `u[field][level]`.
    pub u: Vec<Vec<f64>>,
    /// Prior probability that a candidate pair is the same entity.
    pub prior: f64,
    pub training: Training,
}

/// How training went.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Training {
    pub random_pairs: u64,
    pub em_iterations: u32,
    pub em_converged: bool,
    /// Share of candidate pairs that EM judged matches.
    pub candidate_match_share: f64,
    /// Expected number of matching pairs among the candidates.
    pub expected_matches: f64,
}

/// A field's part in one pair's score.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldWeight {
    pub field: Field,
    pub level: &'static str,
    /// log2(m / u) for the level, with the value-frequency adjustment where one applies.
    pub weight: f64,
}

impl Model {
    /// Starting m: agreement more likely the closer the level.
    fn initial_m(fields: &[Field]) -> Vec<Vec<f64>> {
        fields
            .iter()
            .map(|f| {
                let n = f.levels().len();
                let raw: Vec<f64> = (0..n)
                    .map(|l| if l == 0 { 0.0 } else { 2f64.powi(2 * l as i32) })
                    .collect();
                let total: f64 = raw.iter().sum();
                raw.iter().map(|v| v / total).collect()
            })
            .collect()
    }

    /// u from the comparison vectors of pairs drawn at random (almost all non-matches).
    pub fn estimate_u(fields: &[Field], random_gammas: &[Gamma]) -> Vec<Vec<f64>> {
        fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let n = f.levels().len();
                let mut counts = vec![0f64; n];
                for &g in random_gammas {
                    counts[gamma_level(g, i).min(n - 1)] += 1.0;
                }
                normalise_levels(&counts, 0.5)
            })
            .collect()
    }

    /// Trains m (and u too when `free_u`, starting from the given u) and the share of matches
    /// by EM over the candidates' comparison vectors. `total_pairs` is the number of all
    /// possible pairs.
    pub fn train(
        fields: Vec<Field>,
        u: Vec<Vec<f64>>,
        candidates: &[Gamma],
        total_pairs: f64,
        random_pairs: u64,
        free_u: bool,
    ) -> Model {
        let mut counts: FxHashMap<Gamma, f64> = FxHashMap::default();
        for &g in candidates {
            *counts.entry(g).or_default() += 1.0;
        }
        let patterns: Vec<(Gamma, f64)> = counts.into_iter().collect();
        let mut m = Self::initial_m(&fields);
        let mut u = u;
        let mut lambda = 0.1f64;
        let n: f64 = patterns.iter().map(|p| p.1).sum();
        let mut iterations = 0;
        let mut converged = false;
        if n > 0.0 {
            for it in 1..=200 {
                iterations = it;
                let mut m_new: Vec<Vec<f64>> =
                    fields.iter().map(|f| vec![0.0; f.levels().len()]).collect();
                let mut u_new = m_new.clone();
                let mut matched = 0.0;
                for &(g, c) in &patterns {
                    let p = posterior(&fields, &m, &u, lambda, g);
                    matched += p * c;
                    for (i, f) in fields.iter().enumerate() {
                        let l = gamma_level(g, i).min(f.levels().len() - 1);
                        m_new[i][l] += p * c;
                        u_new[i][l] += (1.0 - p) * c;
                    }
                }
                let m_new: Vec<Vec<f64>> =
                    m_new.iter().map(|c| normalise_levels(c, 1e-3)).collect();
                if free_u {
                    u = u_new.iter().map(|c| normalise_levels(c, 1e-3)).collect();
                }
                let lambda_new = (matched / n).clamp(1e-9, 1.0 - 1e-9);
                let change = m
                    .iter()
                    .flatten()
                    .zip(m_new.iter().flatten())
                    .map(|(a, b)| (a - b).abs())
                    .fold((lambda - lambda_new).abs(), f64::max);
                m = m_new;
                lambda = lambda_new;
                if change < 1e-6 {
                    converged = true;
                    break;
                }
            }
        }
        let expected_matches = lambda * n;
        let prior = if free_u {
            lambda
        } else if total_pairs > 0.0 {
            (expected_matches / total_pairs).clamp(1e-12, 0.5)
        } else {
            0.5
        };
        Model {
            fields,
            m,
            u,
            prior,
            training: Training {
                random_pairs,
                em_iterations: iterations,
                em_converged: converged,
                candidate_match_share: lambda,
                expected_matches,
            },
        }
    }

    /// log2(m / u) of one level of field `i` (0 for a missing value).
    pub fn level_weight(&self, i: usize, level: usize) -> f64 {
        if level == 0 {
            return 0.0;
        }
        (self.m[i][level] / self.u[i][level]).log2()
    }

    /// The weight of the prior: log2(prior / (1 - prior)).
    pub fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// A match weight's probability under the model's prior.
    pub fn probability(&self, match_weight: f64) -> f64 {
        probability_from_weight(match_weight + self.prior_weight())
    }

    /// The index of the top (exact) level of field `i`.
    pub fn top_level(&self, i: usize) -> usize {
        self.fields[i].levels().len() - 1
    }
}

/// P(match) for a total log2 odds.
pub fn probability_from_weight(log2_odds: f64) -> f64 {
    1.0 / (1.0 + (-log2_odds).exp2())
}

fn normalise_levels(counts: &[f64], pseudo: f64) -> Vec<f64> {
    let total: f64 = counts.iter().skip(1).map(|c| c + pseudo).sum();
    counts
        .iter()
        .enumerate()
        .map(|(l, c)| {
            if l == 0 || total <= 0.0 {
                0.0
            } else {
                ((c + pseudo) / total).max(FLOOR)
            }
        })
        .collect()
}

fn posterior(fields: &[Field], m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64, g: Gamma) -> f64 {
    let mut log_bf = 0.0;
    for (i, f) in fields.iter().enumerate() {
        let l = gamma_level(g, i).min(f.levels().len() - 1);
        if l > 0 {
            log_bf += (m[i][l] / u[i][l]).ln();
        }
    }
    let log_odds = log_bf + (lambda / (1.0 - lambda)).ln();
    1.0 / (1.0 + (-log_odds).exp())
}

/// How often each value of a field occurs, for value-frequency adjustments of exact agreement.
#[derive(Clone, Debug, Default)]
pub struct Frequencies {
    counts: FxHashMap<Box<str>, u32>,
    total: u64,
}

impl Frequencies {
    pub fn from_values<'a>(values: impl Iterator<Item = &'a str>) -> Self {
        let mut f = Frequencies::default();
        for v in values.filter(|v| !v.is_empty()) {
            *f.counts.entry(v.into()).or_default() += 1;
            f.total += 1;
        }
        f
    }

    /// The share of records holding `value` (the chance a random record agrees with it).
    pub fn share(&self, value: &str) -> Option<f64> {
        let c = *self.counts.get(value)?;
        (self.total > 0).then(|| f64::from(c) / self.total as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Field, FIELDS};

    /// A tiny deterministic generator (the tests must not depend on OS randomness).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
        fn pick(&mut self, probs: &[f64]) -> usize {
            let mut x = self.next();
            for (i, p) in probs.iter().enumerate() {
                if x < *p {
                    return i;
                }
                x -= p;
            }
            probs.len() - 1
        }
    }

    /// Three binary-ish fields with known m and u; EM must find them without labels.
    #[test]
    fn em_recovers_known_parameters_without_labels() {
        let fields = vec![Field::Address2; 4];
        // level 1 = different, 2 = exact
        let m_true = [0.9, 0.85, 0.95, 0.8];
        let u_true = [0.05, 0.1, 0.02, 0.2];
        let lambda_true = 0.3;
        let mut rng = Rng(7);
        let sample = |rng: &mut Rng, matched: bool| -> Gamma {
            (0..4).fold(0u64, |g, i| {
                let p = if matched { m_true[i] } else { u_true[i] };
                let level = if rng.next() < p { 2 } else { 1 };
                g | (level << (4 * i))
            })
        };
        let candidates: Vec<Gamma> = (0..200_000)
            .map(|_| {
                let matched = rng.next() < lambda_true;
                sample(&mut rng, matched)
            })
            .collect();
        let random: Vec<Gamma> = (0..200_000).map(|_| sample(&mut rng, false)).collect();
        let u = Model::estimate_u(&fields, &random);
        let model = Model::train(fields, u, &candidates, 1e9, 200_000, true);
        assert!(model.training.em_converged);
        assert!(
            (model.training.candidate_match_share - lambda_true).abs() < 0.01,
            "{}",
            model.training.candidate_match_share
        );
        for i in 0..4 {
            assert!(
                (model.m[i][2] - m_true[i]).abs() < 0.02,
                "m[{i}] = {}",
                model.m[i][2]
            );
            assert!(
                (model.u[i][2] - u_true[i]).abs() < 0.01,
                "u[{i}] = {}",
                model.u[i][2]
            );
        }
        let _ = FIELDS;
        let _ = Rng::pick;
    }

    #[test]
    fn probabilities_follow_weights() {
        assert!((probability_from_weight(0.0) - 0.5).abs() < 1e-12);
        assert!(probability_from_weight(10.0) > 0.999);
        assert!(probability_from_weight(-10.0) < 0.001);
    }

    #[test]
    fn frequencies() {
        let f = Frequencies::from_values(["a", "a", "b", ""].into_iter());
        assert_eq!(f.share("a"), Some(2.0 / 3.0));
        assert_eq!(f.share("c"), None);
    }
}
