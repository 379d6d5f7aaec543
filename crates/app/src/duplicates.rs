//! Possible duplicates and unduplicated victim counts (C5, C9; issue 6 part 4), always within
//! the access and consent rules.
//!
//! - Possible duplicates: a reviewer's organization compares only the person records it may
//!   read (the policy, record by record, as on the person page), so a pair never shows anyone a
//!   record they could not open. Each pair keeps its field-by-field explanation (levels and
//!   weights, never values). Confirm, reject, merge and unmerge are audited; a merge changes no
//!   person row: the record merged away leaves the search index and is counted as its
//!   survivor, and an unmerge puts it back exactly.
//! - The unduplicated victim count: every victim record of the task force is counted, but two
//!   records are compared only when they are held by the same organization or both may meet
//!   other organizations' records: records that are not victim-confidential, and a victim
//!   service provider's clients whose live consent covers counting for the organization (and
//!   role) of the member asking for the count (ACCESS-MODEL.md: hashing or encoding does not
//!   make disclosure lawful; only the consented "counting" category opens a record to
//!   linkage). Uncovered clients are deduplicated within their own provider only, and the
//!   report says how many people were counted that way.
//!
//! The engine is trained without labels on the records compared plus a fixed synthetic
//! reference population ([`BACKGROUND`] records from `linkage::synth`), which keeps m and u
//! stable on a small caseload; synthetic records are compared only with each other and never
//! reported.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use std::collections::{BTreeSet, HashMap, HashSet};
use taskforce_domain::access::{Action, DataCategory, Label, Resource, ResourceKind};
use taskforce_domain::cases::{IdentifierKind, Person, TraffickingStatus};
use taskforce_domain::duplicates::*;
use taskforce_domain::*;
use taskforce_linkage::{Linkage, PersonRecord, Prepared, Quiet, Settings};
use taskforce_store::cases::{self as case_db, PersonRow};
use taskforce_store::{consent as consent_db, duplicates as db, Connection};

/// Synthetic people trained alongside the task force's records.
pub const BACKGROUND: usize = 2000;
const BACKGROUND_SEED: u64 = 0x7A5F_0DCE;

/// A pair as a reviewer sees it in the list: both records, which they may read.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DuplicatePair {
    #[serde(rename = "match")]
    pub pair: PersonMatch,
    pub left: Person,
    pub right: Person,
}

/// One pair with what the reviewer may do to it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DuplicateView {
    #[serde(flatten)]
    pub pair: DuplicatePair,
    pub left_case_id: CaseId,
    pub right_case_id: CaseId,
    /// The actions open now that the reviewer may take (empty: read only).
    pub actions: Vec<MatchAction>,
}

/// What a scan for possible duplicates did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ScanResult {
    /// Person records the reviewer may read, compared with one another.
    pub compared: usize,
    /// Pairs above the review threshold.
    pub found: usize,
    /// Of them, pairs not already under review.
    pub new: usize,
}

/// The linkage record of a person (names, date of birth, first phone, e-mail and address).
fn record_of(p: &Person, ids: &HashMap<PersonId, Vec<(IdentifierKind, String)>>) -> PersonRecord {
    let first = |kind: IdentifierKind| {
        ids.get(&p.id)
            .and_then(|list| list.iter().find(|(k, _)| *k == kind))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    PersonRecord {
        given_name: p.given_name.clone(),
        surname: p.family_name.clone(),
        dob: p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        address_1: first(IdentifierKind::Address),
        phone: first(IdentifierKind::Phone),
        email: first(IdentifierKind::Email),
        ..PersonRecord::default()
    }
}

/// Runs the engine over `records` plus the synthetic reference population, comparing only the
/// pairs `allowed` lets meet. Answers the run and the prepared records (real ones first).
fn link(
    records: &[PersonRecord],
    allowed: &(dyn Fn(u32, u32) -> bool + Sync),
) -> (Linkage, Vec<Prepared>) {
    let n = records.len() as u32;
    let mut all: Vec<PersonRecord> = records.to_vec();
    all.extend(
        taskforce_linkage::synth::people(BACKGROUND, BACKGROUND_SEED)
            .into_iter()
            .map(|p| p.record),
    );
    let prepared = taskforce_linkage::prepare(&all, &Quiet);
    let settings = Settings {
        threshold: REVIEW_THRESHOLD.min(COUNT_THRESHOLD),
        random_pairs: 100_000,
        ..Settings::default()
    };
    let allowed_all = |i: u32, j: u32| match (i < n, j < n) {
        (true, true) => allowed(i, j),
        (false, false) => true,
        _ => false,
    };
    let linkage = taskforce_linkage::dedupe_where(&prepared, &allowed_all, &settings, &Quiet);
    (linkage, prepared)
}

impl App {
    fn matches_resource(tf: TaskForceId) -> Resource<'static> {
        Resource::in_task_force(ResourceKind::PersonMatch, tf)
    }

    /// Whether the actor may `action` this person's identity (reading both records of a pair).
    async fn may_person(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        row: &PersonRow,
        action: Action,
    ) -> Result<bool> {
        let held = self.person_held(conn, tf, row).await?;
        Ok(self.may(
            actor,
            action,
            &Self::person_resource(row, &held, DataCategory::Identity),
        ))
    }

    /// Asks the policy for one record of a pair (a denial is audited).
    async fn authorize_person(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        row: &PersonRow,
        action: Action,
    ) -> Result<()> {
        let held = self.person_held(conn, tf, row).await?;
        self.authorize(
            actor,
            action,
            &Self::person_resource(row, &held, DataCategory::Identity),
            &row.person.id.to_string(),
        )
        .await
    }

    /// Merged-away records and their survivors.
    fn merged_away(matches: &[PersonMatch]) -> HashMap<PersonId, PersonId> {
        matches
            .iter()
            .filter_map(|m| Some((m.merged_away()?, m.survivor_person_id?)))
            .collect()
    }

    /// Compares the person records the actor may read and stores the likely duplicates for
    /// review (a pair already under review, or already decided, is not offered again).
    pub async fn find_duplicates(&self, actor: &Actor, tf: TaskForceId) -> Result<ScanResult> {
        self.authorize(actor, Action::Update, &Self::matches_resource(tf), "scan")
            .await?;
        let found_by = actor.principal().map(|p| p.member_id).ok_or_else(|| {
            AppError::Forbidden("Possible duplicates are looked for by a member.".into())
        })?;
        let mut conn = self.store().conn().await?;
        let merged = Self::merged_away(&db::matches(&mut conn, tf).await?);
        let mut readable = Vec::new();
        for row in db::persons(&mut conn, tf).await? {
            if merged.contains_key(&row.person.id) {
                continue;
            }
            if self
                .may_person(actor, &mut conn, tf, &row, Action::Read)
                .await?
            {
                readable.push(row);
            }
        }
        let mut ids: HashMap<PersonId, Vec<(IdentifierKind, String)>> = HashMap::new();
        for (person, kind, value) in db::linkage_identifiers(&mut conn, tf).await? {
            ids.entry(person).or_default().push((kind, value));
        }
        drop(conn);
        let records: Vec<PersonRecord> = readable
            .iter()
            .map(|r| record_of(&r.person, &ids))
            .collect();
        let (linkage, prepared) = link(&records, &|_, _| true);
        let n = records.len() as u32;
        let now = self.clock().now();
        let mut found = Vec::new();
        for pair in linkage
            .pairs
            .iter()
            .filter(|p| p.left < n && p.right < n && p.match_probability >= REVIEW_THRESHOLD)
        {
            let (a, b) = (
                &readable[pair.left as usize].person,
                &readable[pair.right as usize].person,
            );
            let (l, r, pl, pr) = if a.id.0 <= b.id.0 {
                (a, b, pair.left, pair.right)
            } else {
                (b, a, pair.right, pair.left)
            };
            let fields = linkage
                .explain(&prepared[pl as usize], &prepared[pr as usize])
                .into_iter()
                .map(|f| FieldAgreement {
                    field: f.field.name().to_owned(),
                    level: f.level.to_owned(),
                    weight: (f.weight * 100.0).round() / 100.0,
                })
                .collect();
            found.push(PersonMatch {
                id: PersonMatchId(self.new_id()),
                task_force_id: tf,
                left_person_id: l.id,
                right_person_id: r.id,
                match_probability: pair.match_probability,
                match_weight: pair.match_weight,
                fields,
                status: MatchStatus::Open,
                survivor_person_id: None,
                status_before_merge: None,
                found_by,
                found_at: now,
                decided_by: None,
                decided_at: None,
                version: 1,
            });
        }
        let mut tx = self.store().begin().await?;
        let mut new = 0;
        for m in &found {
            if db::insert_match(&mut tx, m).await? {
                new += 1;
            }
        }
        let result = ScanResult {
            compared: records.len(),
            found: found.len(),
            new,
        };
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::PersonMatch,
            "create",
            &tf.to_string(),
            &format!(
                "compared {} readable person records; {} likely pairs, {} new",
                result.compared, result.found, result.new
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(result)
    }

    /// The pairs whose two records the actor may read, likeliest first; the read is audited.
    pub async fn duplicates(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        all: bool,
    ) -> Result<Vec<DuplicatePair>> {
        self.authorize(actor, Action::List, &Self::matches_resource(tf), "list")
            .await?;
        let mut conn = self.store().conn().await?;
        let mut out = Vec::new();
        for m in db::matches(&mut conn, tf).await? {
            if !all && m.status != MatchStatus::Open {
                continue;
            }
            if let Some(pair) = self.readable_pair(actor, &mut conn, tf, m).await? {
                out.push(pair);
            }
        }
        drop(conn);
        let mut tx = self.store().begin().await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::PersonMatch,
            "list",
            &tf.to_string(),
            &format!("{} pairs", out.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The pair with its two records when the actor may read both (else `None`).
    async fn readable_pair(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        m: PersonMatch,
    ) -> Result<Option<DuplicatePair>> {
        let (Some(left), Some(right)) = (
            case_db::person(conn, tf, m.left_person_id).await?,
            case_db::person(conn, tf, m.right_person_id).await?,
        ) else {
            return Ok(None);
        };
        if self
            .may_person(actor, conn, tf, &left, Action::Read)
            .await?
            && self
                .may_person(actor, conn, tf, &right, Action::Read)
                .await?
        {
            Ok(Some(DuplicatePair {
                pair: m,
                left: left.person,
                right: right.person,
            }))
        } else {
            Ok(None)
        }
    }

    /// A pair, its explanation and the actions open to the actor; the read is audited.
    pub async fn duplicate(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: PersonMatchId,
    ) -> Result<DuplicateView> {
        self.authorize(
            actor,
            Action::Read,
            &Self::matches_resource(tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let m = db::get(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (left, right) = self.pair_rows(&mut conn, tf, &m).await?;
        self.authorize_person(actor, &mut conn, tf, &left, Action::Read)
            .await?;
        self.authorize_person(actor, &mut conn, tf, &right, Action::Read)
            .await?;
        let may_decide = self.may(actor, Action::Update, &Self::matches_resource(tf))
            && self
                .may_person(actor, &mut conn, tf, &left, Action::Update)
                .await?
            && self
                .may_person(actor, &mut conn, tf, &right, Action::Update)
                .await?;
        drop(conn);
        self.audit_read(actor, ResourceKind::PersonMatch, &id.to_string(), "")
            .await?;
        Ok(DuplicateView {
            actions: if may_decide { m.actions() } else { Vec::new() },
            left_case_id: left.home_case_id,
            right_case_id: right.home_case_id,
            pair: DuplicatePair {
                pair: m,
                left: left.person,
                right: right.person,
            },
        })
    }

    async fn pair_rows(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        m: &PersonMatch,
    ) -> Result<(PersonRow, PersonRow)> {
        let left = case_db::person(conn, tf, m.left_person_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let right = case_db::person(conn, tf, m.right_person_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((left, right))
    }

    /// Confirms, rejects, merges, unmerges or reopens a pair. The reviewer must be allowed to
    /// change both records; a merge takes the record merged away out of the search index (it is
    /// found and counted as its survivor), an unmerge puts it back as it was.
    pub async fn decide_duplicate(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: PersonMatchId,
        version: Option<i64>,
        input: MatchDecisionInput,
    ) -> Result<PersonMatch> {
        self.authorize(
            actor,
            Action::Update,
            &Self::matches_resource(tf),
            &id.to_string(),
        )
        .await?;
        let by = actor.principal().map(|p| p.member_id).ok_or_else(|| {
            AppError::Forbidden("A possible duplicate is reviewed by a member.".into())
        })?;
        let mut conn = self.store().conn().await?;
        let m = db::get(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (left, right) = self.pair_rows(&mut conn, tf, &m).await?;
        self.authorize_person(actor, &mut conn, tf, &left, Action::Update)
            .await?;
        self.authorize_person(actor, &mut conn, tf, &right, Action::Update)
            .await?;
        let checked = input.validate(&m);
        let (decision, version) = match (checked, version) {
            (Ok(d), Some(v)) => (d, v),
            (checked, version) => {
                let mut invalid = checked.err().unwrap_or_default();
                if version.is_none() {
                    invalid.add(
                        "version",
                        "the form is missing the record's version; reload the page and try again",
                    );
                }
                return Err(AppError::Invalid(invalid));
            }
        };
        if decision.action == MatchAction::Merge {
            // A record is merged away into one survivor at a time, and a survivor is not itself
            // merged away: merges stay one step, so each undoes on its own.
            let merged = Self::merged_away(&db::matches(&mut conn, tf).await?);
            let mut invalid = Invalid::default();
            if decision.merged.is_some_and(|p| merged.contains_key(&p)) {
                invalid.add(
                    "survivor_person_id",
                    "the other record is already merged into another one; undo that merge first",
                );
            }
            if decision.survivor.is_some_and(|p| merged.contains_key(&p)) {
                invalid.add(
                    "survivor_person_id",
                    "this record is already merged into another one; choose the other",
                );
            }
            if decision
                .merged
                .is_some_and(|p| merged.values().any(|s| *s == p))
            {
                invalid.add(
                    "survivor_person_id",
                    "the record to merge away has others merged into it; keep it as the survivor",
                );
            }
            if !invalid.is_empty() {
                return Err(AppError::Invalid(invalid));
            }
        }
        let identifiers = match decision.action {
            MatchAction::Unmerge => match m.merged_away() {
                Some(p) => case_db::identifiers(&mut conn, tf, p).await?,
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        drop(conn);
        let status = status_after(&m, decision.action);
        let (survivor, before) = match decision.action {
            MatchAction::Merge => (decision.survivor, Some(m.status)),
            _ => (None, None),
        };
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        match decision.action {
            MatchAction::Merge => {
                if let Some(gone) = decision.merged {
                    db::unindex(&mut tx, tf, &gone.to_string()).await?;
                }
            }
            MatchAction::Unmerge => {
                if let Some(back) = m.merged_away() {
                    let row = if back == left.person.id {
                        &left
                    } else {
                        &right
                    };
                    self.index_person(&mut tx, row, &identifiers).await?;
                }
            }
            _ => {}
        }
        db::decide(&mut tx, tf, id, version, status, survivor, before, by, now).await?;
        let detail = match (decision.action, decision.survivor, decision.merged) {
            (MatchAction::Merge, Some(s), Some(g)) => format!("merge: {g} into {s}"),
            (MatchAction::Unmerge, _, _) => format!(
                "unmerge: {} restored",
                m.merged_away().map(|p| p.to_string()).unwrap_or_default()
            ),
            (a, _, _) => a.code().to_owned(),
        };
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::PersonMatch,
            "update",
            &id.to_string(),
            &detail,
        )
        .await?;
        tx.commit().await?;
        let mut conn = self.store().conn().await?;
        db::get(&mut conn, tf, id).await?.ok_or(AppError::NotFound)
    }

    /// The reviewable pairs about one person (for their page), when the actor reviews pairs;
    /// nothing is audited beyond the person page's own read.
    pub async fn duplicates_of_person(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
    ) -> Result<Vec<DuplicatePair>> {
        if !self.may(actor, Action::List, &Self::matches_resource(tf)) {
            return Ok(Vec::new());
        }
        let mut conn = self.store().conn().await?;
        let mut out = Vec::new();
        for m in db::of_person(&mut conn, tf, person).await? {
            if m.status == MatchStatus::Rejected {
                continue;
            }
            if let Some(pair) = self.readable_pair(actor, &mut conn, tf, m).await? {
                out.push(pair);
            }
        }
        Ok(out)
    }

    // -- unduplicated victim count ---------------------------------------------------------------

    /// The unduplicated victim count as it may be shown (small cells suppressed); audited.
    pub async fn victim_count(&self, actor: &Actor, tf: TaskForceId) -> Result<VictimCountReport> {
        self.counted(actor, tf, Action::Read, "read").await
    }

    /// The same count for export (CSV); the export is audited as such.
    pub async fn export_victim_count(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<VictimCountReport> {
        self.counted(actor, tf, Action::Export, "export").await
    }

    async fn counted(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        action: Action,
        verb: &str,
    ) -> Result<VictimCountReport> {
        self.authorize(
            actor,
            action,
            &Resource::in_task_force(ResourceKind::VictimCount, tf),
            &tf.to_string(),
        )
        .await?;
        let tally = self.victim_tally(actor, tf).await?;
        let now = self.clock().now();
        let report = VictimCountReport::from_tally(tf, now, &tally);
        let mut tx = self.store().begin().await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::VictimCount,
            verb,
            &tf.to_string(),
            &format!(
                "{} people from {} records; {} counted within their provider only",
                report.people, report.records, report.counted_within_provider_only
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The count before suppression. Consent is read at this moment: a consent revoked or
    /// expired a second ago no longer lets its record meet another organization's.
    async fn victim_tally(&self, actor: &Actor, tf: TaskForceId) -> Result<VictimTally> {
        let now = self.clock().now();
        let mut conn = self.store().conn().await?;
        let victims: HashSet<PersonId> = db::victim_ids(&mut conn, tf).await?.into_iter().collect();
        let rows: Vec<PersonRow> = db::persons(&mut conn, tf)
            .await?
            .into_iter()
            .filter(|r| victims.contains(&r.person.id))
            .collect();
        // Whether each record may meet other organizations' records.
        let mut open = Vec::with_capacity(rows.len());
        for row in &rows {
            let p = &row.person;
            let covered = if p.label != Label::VictimConfidential {
                true
            } else {
                match actor.principal() {
                    // The count is made for its reader: the consent must cover the reader's
                    // organization (and role, where narrowed) for counting.
                    Some(principal) => {
                        consent_db::scopes(&mut conn, tf, p.owner_organization_id, &[p.id])
                            .await?
                            .iter()
                            .any(|c| c.covers(principal, DataCategory::Counting, now))
                    }
                    None => false,
                }
            };
            open.push(covered);
        }
        let mut ids: HashMap<PersonId, Vec<(IdentifierKind, String)>> = HashMap::new();
        for (person, kind, value) in db::linkage_identifiers(&mut conn, tf).await? {
            if victims.contains(&person) {
                ids.entry(person).or_default().push((kind, value));
            }
        }
        let reviewed = db::matches(&mut conn, tf).await?;
        drop(conn);

        let index: HashMap<PersonId, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.person.id, i))
            .collect();
        let holder: Vec<OrganizationId> = rows
            .iter()
            .map(|r| r.person.owner_organization_id)
            .collect();
        let allowed = |i: u32, j: u32| {
            let (i, j) = (i as usize, j as usize);
            holder[i] == holder[j] || (open[i] && open[j])
        };
        let records: Vec<PersonRecord> = rows.iter().map(|r| record_of(&r.person, &ids)).collect();
        let (linkage, _) = link(&records, &allowed);
        let n = rows.len() as u32;
        let mut rejected: BTreeSet<(usize, usize)> = BTreeSet::new();
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for m in &reviewed {
            let (Some(&a), Some(&b)) =
                (index.get(&m.left_person_id), index.get(&m.right_person_id))
            else {
                continue;
            };
            let key = (a.min(b), a.max(b));
            match m.status {
                MatchStatus::Rejected => {
                    rejected.insert(key);
                }
                // A reviewer's confirmation or merge joins the two, within the same rule.
                MatchStatus::Confirmed | MatchStatus::Merged
                    if allowed(key.0 as u32, key.1 as u32) =>
                {
                    edges.push((key.0 as u32, key.1 as u32));
                }
                _ => {}
            }
        }
        edges.extend(
            linkage
                .pairs
                .iter()
                .filter(|p| p.left < n && p.right < n && p.match_probability >= COUNT_THRESHOLD)
                .map(|p| (p.left.min(p.right), p.left.max(p.right)))
                .filter(|(a, b)| !rejected.contains(&(*a as usize, *b as usize))),
        );
        let cluster = taskforce_linkage::cluster::components(rows.len(), edges.into_iter());
        let mut people: HashMap<u32, (bool, bool)> = HashMap::new();
        for (i, c) in cluster.iter().enumerate() {
            let entry = people.entry(*c).or_default();
            entry.0 |= rows[i].person.trafficking_status == Some(TraffickingStatus::Confirmed);
            entry.1 |= !open[i];
        }
        Ok(VictimTally {
            records: rows.len() as u64,
            people: people.len() as u64,
            confirmed: people.values().filter(|(c, _)| *c).count() as u64,
            matched_across: people.values().filter(|(_, closed)| !closed).count() as u64,
            provider_only: people.values().filter(|(_, closed)| *closed).count() as u64,
            provider_only_records: open.iter().filter(|o| !**o).count() as u64,
        })
    }
}
