//! The benchmark's bulk loader, FOR BENCHMARKS ONLY (`taskforce bench cases`): a million
//! synthetic cases with a note each in minutes. Each case's summary and each note is sealed
//! with its holder's real data key and each note indexed with the task force's real keyed
//! tokens, exactly as the use cases do; but rows go in thousands per transaction and without an
//! audit entry each, which no real write may do. Nothing that serves people calls it.

use crate::{App, AppError, Result};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use taskforce_domain::access::Label;
use taskforce_domain::cases::{CaseKind, CaseStatus, TraffickingType};
use taskforce_domain::search::terms;
use taskforce_domain::*;
use taskforce_store::bench::{self as db, BulkCase, BulkDoc, BulkNote};
use taskforce_store::structure as org_db;

/// Words common in casework: every note holds three of them (each is in about one note in ten).
pub const COMMON_WORDS: [&str; 32] = [
    "interview",
    "wages",
    "passport",
    "housing",
    "interpreter",
    "motel",
    "farm",
    "debt",
    "shelter",
    "phone",
    "vehicle",
    "apartment",
    "recruiter",
    "visa",
    "advocate",
    "payment",
    "schedule",
    "threats",
    "transport",
    "employer",
    "cash",
    "online",
    "advertisement",
    "hotel",
    "restaurant",
    "salon",
    "crew",
    "contract",
    "documents",
    "safety",
    "counseling",
    "school",
];

/// How many rare words there are: every note holds eleven (each is in about one note in 370).
pub const RARE_WORDS: usize = 4096;

/// The `i`-th rare word (`i < RARE_WORDS`): three syllables, such as "bafeki"; the stand-in for
/// names, places and plates, which a search usually looks for.
pub fn rare_word(i: usize) -> String {
    const CONSONANTS: [&str; 16] = [
        "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh",
    ];
    const VOWELS: [&str; 5] = ["a", "e", "i", "o", "u"];
    let mut word = String::new();
    for digit in [i / 256 % 16, i / 16 % 16, i % 16] {
        word.push_str(CONSONANTS[digit]);
        word.push_str(VOWELS[(digit * 3 + i / 4096) % 5]);
    }
    word
}

/// How the bulk loader spreads its cases: per ten cases, five investigations, three service
/// cases and two prosecutions, each held in turn by the task force's organizations of that kind.
fn kind_of(i: usize) -> CaseKind {
    match i % 10 {
        0..=4 => CaseKind::Investigation,
        5..=7 => CaseKind::ServiceCase,
        _ => CaseKind::Prosecution,
    }
}

impl App {
    /// FOR BENCHMARKS ONLY: writes `cases` synthetic cases (one note each) into task force `tf`,
    /// `batch` cases per transaction, calling `progress` with the count written so far. The
    /// summaries and notes are sealed and the notes indexed as by [`App::add_note`]; there is no
    /// audit entry per row. Deterministic for a given App seed.
    pub async fn bench_load(
        &self,
        tf: TaskForceId,
        cases: usize,
        batch: usize,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<()> {
        let mut conn = self.store().conn().await?;
        let organizations = org_db::organizations(&mut conn, tf).await?;
        let members = org_db::members(&mut conn, tf).await?;
        drop(conn);
        let mut holders: HashMap<CaseKind, Vec<(OrganizationId, Vec<MemberId>)>> = HashMap::new();
        for kind in [
            CaseKind::Investigation,
            CaseKind::ServiceCase,
            CaseKind::Prosecution,
        ] {
            let held: Vec<_> = organizations
                .iter()
                .filter(|o| kind.held_by(o.kind))
                .map(|o| {
                    let staff: Vec<MemberId> = members
                        .iter()
                        .filter(|m| m.memberships.iter().any(|s| s.organization_id == o.id))
                        .map(|m| m.id)
                        .collect();
                    (o.id, staff)
                })
                .filter(|(_, staff)| !staff.is_empty())
                .collect();
            if held.is_empty() {
                return Err(AppError::Internal(format!(
                    "the benchmark needs an organization that holds a {}",
                    kind.label().to_lowercase()
                )));
            }
            holders.insert(kind, held);
        }
        let mut text_rng = ChaCha8Rng::from_seed(*b"taskforce benchmark caseload 001");
        let now = self.clock().now();
        let today = now.date_naive();
        let base_millis = u64::try_from(now.timestamp_millis()).unwrap_or(0);
        // Time-ordered ids, one millisecond apart, so the primary keys grow as a real database's.
        let first_millis = base_millis.saturating_sub(u64::try_from(cases).unwrap_or(0) * 2);
        let id_at = |app: &App, millis: u64| {
            let mut bytes = [0u8; 10];
            app.fill_random(&mut bytes);
            uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
        };
        let mut written = 0;
        while written < cases {
            let end = (written + batch.max(1)).min(cases);
            let mut tx = self.store().begin().await?;
            let tokenizer = self.tokenizer(&mut tx, tf).await?;
            let mut sealers = HashMap::new();
            for held in holders.values() {
                for (org, _) in held {
                    sealers.insert(*org, self.sealer(&mut tx, tf, *org).await?);
                }
            }
            let mut case_rows = Vec::with_capacity(end - written);
            let mut note_rows = Vec::with_capacity(end - written);
            let mut doc_rows = Vec::with_capacity(end - written);
            for i in written..end {
                let kind = kind_of(i);
                let held = &holders[&kind];
                let (owner, staff) = &held[(i / 10) % held.len()];
                let sealer = sealers
                    .get(owner)
                    .ok_or_else(|| AppError::Internal("no data key".into()))?;
                let typology: u8 = text_rng.gen_range(1..=25);
                let trafficking_type = *[
                    TraffickingType::Sex,
                    TraffickingType::Labor,
                    TraffickingType::Labor,
                    TraffickingType::Both,
                ]
                .choose(&mut text_rng)
                .unwrap_or(&TraffickingType::Labor);
                let status = *[
                    CaseStatus::Open,
                    CaseStatus::Active,
                    CaseStatus::Active,
                    CaseStatus::FollowUp,
                    CaseStatus::Closed,
                ]
                .choose(&mut text_rng)
                .unwrap_or(&CaseStatus::Active);
                let opened_on =
                    today - chrono::Duration::days(i64::try_from(i % 1500).unwrap_or(0));
                let mut words: Vec<String> = COMMON_WORDS
                    .choose_multiple(&mut text_rng, 3)
                    .map(|w| (*w).to_owned())
                    .collect();
                words.extend((0..11).map(|_| rare_word(text_rng.gen_range(0..RARE_WORDS))));
                words.shuffle(&mut text_rng);
                let body = words.join(" ");
                let summary = format!(
                    "Synthetic benchmark case {i}: {} {} {}.",
                    words[0], words[1], words[2]
                );
                let case_id = CaseId(id_at(
                    self,
                    first_millis + 2 * u64::try_from(i).unwrap_or(0),
                ));
                case_rows.push(BulkCase {
                    id: case_id,
                    kind,
                    reference: format!("{}-B{i:07}", kind.prefix()),
                    title: format!("Benchmark {} {i}", kind.label().to_lowercase()),
                    owner: *owner,
                    label: kind.default_label(),
                    status,
                    trafficking_type,
                    typology: Some(typology),
                    summary_enc: self.seal_for_bench(sealer, summary.as_bytes())?,
                    opened_on,
                });
                // Investigations' notes are mostly the agency's own; one in twenty-five is shared
                // with the task force (a deconfliction pointer).
                let label = match kind {
                    CaseKind::Investigation if i % 50 == 0 => Label::TaskForce,
                    other => other.default_label(),
                };
                let note_id = NoteId(id_at(
                    self,
                    first_millis + 2 * u64::try_from(i).unwrap_or(0) + 1,
                ));
                let created_at = now - chrono::Duration::days(i64::try_from(i % 1400).unwrap_or(0));
                note_rows.push(BulkNote {
                    id: note_id,
                    case_id,
                    label,
                    body_enc: self.seal_for_bench(sealer, body.as_bytes())?,
                    author: staff[i % staff.len()],
                    created_at,
                });
                doc_rows.push(BulkDoc {
                    doc_id: note_id.to_string(),
                    doc_kind: "note",
                    resource_kind: kind.resource_kind().code(),
                    case_id,
                    owner: *owner,
                    label,
                    status: status.code(),
                    trafficking_type: trafficking_type.code(),
                    occurred_on: created_at.date_naive(),
                    tokens: tokenizer.tokens(&terms(&body)).join(" "),
                });
            }
            db::insert_cases(&mut tx, tf, &case_rows, now).await?;
            db::insert_notes(&mut tx, tf, &note_rows).await?;
            db::insert_docs(&mut tx, tf, &doc_rows).await?;
            tx.commit().await?;
            written = end;
            progress(written);
        }
        let mut conn = self.store().conn().await?;
        db::analyze(&mut conn).await?;
        Ok(())
    }
}
