//! Possible duplicate person records and unduplicated victim counts (C5, C9; issue 6 part 4).
//!
//! A possible duplicate is a pair of person records the linkage engine scored as likely the same
//! person, with each field's part in the score, kept for a reviewer to confirm, reject or merge.
//! A merge is reversible: it records which record survives and which is merged away, moves and
//! deletes nothing, and an unmerge puts everything back as it was.
//!
//! The unduplicated victim count is an aggregate: how many people the task force's records are
//! about once the same person entered by several partners is counted once. Its cells under
//! [`SMALL_CELL`] are shown as "fewer than" (ACCESS-MODEL.md: aggregates shown outside the owning
//! organization suppress cells under 11), and it never names anyone.

use crate::ids::*;
use crate::structure::code_enum;
use crate::validation::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Cells of an aggregate below this are shown as "fewer than" it (ACCESS-MODEL.md).
pub const SMALL_CELL: u64 = 11;

/// Pairs at least this likely the same person are offered for review.
pub const REVIEW_THRESHOLD: f64 = 0.5;

/// Records at least this likely the same person are counted once (the engine's default: nine
/// times likelier the same person than not).
pub const COUNT_THRESHOLD: f64 = 0.9;

code_enum!(
    /// Where the review of a possible duplicate stands.
    MatchStatus {
        Open = "open", "To review";
        Confirmed = "confirmed", "Confirmed: the same person";
        Rejected = "rejected", "Rejected: different people";
        Merged = "merged", "Merged";
    }
);

code_enum!(
    /// What a reviewer does with a possible duplicate.
    MatchAction {
        Confirm = "confirm", "Confirm: the same person";
        Reject = "reject", "Reject: different people";
        Merge = "merge", "Merge the two records";
        Unmerge = "unmerge", "Undo the merge";
        Reopen = "reopen", "Back to review";
    }
);

/// One field's part in a pair's score: how the two records compare on it and the weight that
/// adds (log2 of how much likelier that comparison is for the same person than for two
/// people). Never the values themselves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldAgreement {
    /// The engine's field name (`given_name`, `surname`, `dob`, `phone`, …).
    pub field: String,
    /// How the two values compare (`exact`, `nickname or transliteration`, `different`, …).
    pub level: String,
    pub weight: f64,
}

impl FieldAgreement {
    /// The field in people's words.
    pub fn field_label(&self) -> &str {
        match self.field.as_str() {
            "given_name" => "Given name",
            "surname" => "Family name",
            "dob" => "Date of birth",
            "street_number" => "Street number",
            "address_1" => "Address",
            "address_2" => "Address (second line)",
            "place" => "City, state and postcode",
            "phone" => "Phone",
            "ssn" => "Social security number",
            "email" => "E-mail",
            other => other,
        }
    }

    /// Whether this field speaks for the same person (a positive weight).
    pub fn agrees(&self) -> bool {
        self.weight > 0.0
    }
}

/// A possible duplicate and its review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonMatch {
    pub id: PersonMatchId,
    pub task_force_id: TaskForceId,
    /// The two records, in a fixed order (the smaller id first).
    pub left_person_id: PersonId,
    pub right_person_id: PersonId,
    /// The pair's match probability under the model trained when it was found (0 to 1).
    pub match_probability: f64,
    /// The sum of the fields' weights.
    pub match_weight: f64,
    pub fields: Vec<FieldAgreement>,
    pub status: MatchStatus,
    /// For a merge: the record that stays; the other is merged away into it.
    pub survivor_person_id: Option<PersonId>,
    /// For a merge: the status to go back to when it is undone.
    pub status_before_merge: Option<MatchStatus>,
    pub found_by: MemberId,
    pub found_at: DateTime<Utc>,
    pub decided_by: Option<MemberId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl PersonMatch {
    pub fn persons(&self) -> [PersonId; 2] {
        [self.left_person_id, self.right_person_id]
    }

    /// The record merged away, while merged.
    pub fn merged_away(&self) -> Option<PersonId> {
        let survivor = self.survivor_person_id?;
        (self.status == MatchStatus::Merged).then(|| {
            if survivor == self.left_person_id {
                self.right_person_id
            } else {
                self.left_person_id
            }
        })
    }

    /// The actions open from where the review stands.
    pub fn actions(&self) -> Vec<MatchAction> {
        use MatchAction::*;
        match self.status {
            MatchStatus::Open => vec![Confirm, Reject, Merge],
            MatchStatus::Confirmed => vec![Merge, Reject, Reopen],
            MatchStatus::Rejected => vec![Confirm, Reopen],
            MatchStatus::Merged => vec![Unmerge],
        }
    }
}

/// A reviewer's decision as typed (form or JSON).
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MatchDecisionInput {
    /// `confirm`, `reject`, `merge`, `unmerge` or `reopen`.
    #[serde(default)]
    pub action: Option<String>,
    /// For `merge`: the id of the record that stays (one of the pair).
    #[serde(default)]
    pub survivor_person_id: Option<String>,
}

/// A decision that may be applied to the match it was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatchDecision {
    pub action: MatchAction,
    /// For a merge: the record that stays and the one merged away.
    pub survivor: Option<PersonId>,
    pub merged: Option<PersonId>,
}

impl MatchDecisionInput {
    /// Checks the decision against where `m`'s review stands, naming each problem.
    pub fn validate(&self, m: &PersonMatch) -> Result<MatchDecision, Invalid> {
        let mut invalid = Invalid::default();
        let action = match self.action.as_deref().map(str::trim) {
            None | Some("") => {
                invalid.add("action", "is required");
                None
            }
            Some(code) => match MatchAction::from_code(code) {
                Some(a) => Some(a),
                None => {
                    invalid.add("action", "is not one of the choices offered");
                    None
                }
            },
        };
        if let Some(a) = action {
            if !m.actions().contains(&a) {
                invalid.add(
                    "action",
                    format!(
                        "cannot be done to a pair whose review is \"{}\"",
                        m.status.label()
                    ),
                );
            }
        }
        let survivor_text = self
            .survivor_person_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut survivor = None;
        match (action, survivor_text) {
            (Some(MatchAction::Merge), None) => {
                invalid.add(
                    "survivor_person_id",
                    "choose which of the two records stays",
                );
            }
            (Some(MatchAction::Merge), Some(text)) => {
                match text.parse::<uuid::Uuid>().ok().map(PersonId) {
                    Some(p) if m.persons().contains(&p) => survivor = Some(p),
                    _ => invalid.add("survivor_person_id", "is not one of the two records"),
                }
            }
            (Some(_), Some(_)) => {
                invalid.add("survivor_person_id", "is only given for a merge");
            }
            _ => {}
        }
        if !invalid.is_empty() {
            return Err(invalid);
        }
        let action = action.ok_or_else(|| Invalid::one("action", "is required"))?;
        let merged = survivor.map(|s| {
            if s == m.left_person_id {
                m.right_person_id
            } else {
                m.left_person_id
            }
        });
        Ok(MatchDecision {
            action,
            survivor,
            merged,
        })
    }
}

/// The status a match moves to under a decision.
pub fn status_after(m: &PersonMatch, action: MatchAction) -> MatchStatus {
    match action {
        MatchAction::Confirm => MatchStatus::Confirmed,
        MatchAction::Reject => MatchStatus::Rejected,
        MatchAction::Merge => MatchStatus::Merged,
        MatchAction::Reopen => MatchStatus::Open,
        MatchAction::Unmerge => m.status_before_merge.unwrap_or(MatchStatus::Confirmed),
    }
}

/// A count as it may be shown: the number, or "fewer than [`SMALL_CELL`]" (zero is shown: it
/// reveals nobody).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum CountCell {
    Exact {
        count: u64,
    },
    FewerThan {
        limit: u64,
    },
    /// Not small itself, but shown it would give away a small cell beside it (the two add up
    /// to a total that is shown): complementary suppression.
    Withheld,
}

impl CountCell {
    pub fn of(count: u64) -> Self {
        if count == 0 || count >= SMALL_CELL {
            CountCell::Exact { count }
        } else {
            CountCell::FewerThan { limit: SMALL_CELL }
        }
    }
}

impl std::fmt::Display for CountCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CountCell::Exact { count } => write!(f, "{count}"),
            CountCell::FewerThan { limit } => write!(f, "fewer than {limit}"),
            CountCell::Withheld => f.write_str("withheld (it would reveal a small count)"),
        }
    }
}

/// Two counts that add up to a total which is shown: when exactly one is small, the other is
/// withheld too, or the small one would be the total minus the other.
fn parts_of_a_total(a: u64, b: u64) -> (CountCell, CountCell) {
    match (CountCell::of(a), CountCell::of(b)) {
        (small @ CountCell::FewerThan { .. }, CountCell::Exact { .. }) => {
            (small, CountCell::Withheld)
        }
        (CountCell::Exact { .. }, small @ CountCell::FewerThan { .. }) => {
            (CountCell::Withheld, small)
        }
        cells => cells,
    }
}

/// What the count is made of before suppression (the use case builds it; only
/// [`VictimCountReport`] leaves the app).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VictimTally {
    /// Victim records in the task force's cases.
    pub records: u64,
    /// People once duplicates are counted once.
    pub people: u64,
    /// Of them, people any record of whom says "confirmed victim".
    pub confirmed: u64,
    /// People counted across organizations (records that may meet other organizations').
    pub matched_across: u64,
    /// People counted within their own victim service provider only (no covering consent).
    pub provider_only: u64,
    /// Records held by victim service providers without a live consent that covers counting.
    pub provider_only_records: u64,
}

/// The unduplicated victim count as shown and exported: small cells suppressed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VictimCountReport {
    pub task_force_id: TaskForceId,
    pub generated_at: DateTime<Utc>,
    pub records: CountCell,
    pub people: CountCell,
    pub confirmed: CountCell,
    /// People who are possible victims (no record of them says confirmed).
    pub possible: CountCell,
    pub matched_across_organizations: CountCell,
    /// People counted within their victim service provider only, because no live consent
    /// covering counting lets their record meet other organizations' records.
    pub counted_within_provider_only: CountCell,
    /// The match probability at which two records are counted as one person.
    pub threshold: f64,
}

impl VictimCountReport {
    /// Small cells are suppressed, and so is the other part of a total whose one part is
    /// small (people = confirmed + possible = matched across + within a provider only).
    pub fn from_tally(tf: TaskForceId, at: DateTime<Utc>, t: &VictimTally) -> Self {
        let (confirmed, possible) =
            parts_of_a_total(t.confirmed, t.people.saturating_sub(t.confirmed));
        let (across, within) = parts_of_a_total(t.matched_across, t.provider_only);
        Self {
            task_force_id: tf,
            generated_at: at,
            records: CountCell::of(t.records),
            people: CountCell::of(t.people),
            confirmed,
            possible,
            matched_across_organizations: across,
            counted_within_provider_only: within,
            threshold: COUNT_THRESHOLD,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn pair() -> PersonMatch {
        PersonMatch {
            id: PersonMatchId(uuid::Uuid::from_u128(1)),
            task_force_id: TaskForceId(uuid::Uuid::from_u128(2)),
            left_person_id: PersonId(uuid::Uuid::from_u128(3)),
            right_person_id: PersonId(uuid::Uuid::from_u128(4)),
            match_probability: 0.97,
            match_weight: 12.0,
            fields: Vec::new(),
            status: MatchStatus::Open,
            survivor_person_id: None,
            status_before_merge: None,
            found_by: MemberId(uuid::Uuid::from_u128(5)),
            found_at: Utc
                .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            decided_by: None,
            decided_at: None,
            version: 1,
        }
    }

    fn input(action: &str, survivor: Option<String>) -> MatchDecisionInput {
        MatchDecisionInput {
            action: Some(action.into()),
            survivor_person_id: survivor,
        }
    }

    #[test]
    fn a_merge_names_one_of_the_two_records_as_survivor() {
        let m = pair();
        let ok = input("merge", Some(m.right_person_id.to_string()))
            .validate(&m)
            .expect("valid");
        assert_eq!(ok.survivor, Some(m.right_person_id));
        assert_eq!(ok.merged, Some(m.left_person_id));
        let e = input("merge", None).validate(&m).expect_err("no survivor");
        assert_eq!(e.errors[0].field, "survivor_person_id");
        let e = input("merge", Some(uuid::Uuid::from_u128(9).to_string()))
            .validate(&m)
            .expect_err("a stranger");
        assert_eq!(e.errors[0].message, "is not one of the two records");
        let e = input("confirm", Some(m.left_person_id.to_string()))
            .validate(&m)
            .expect_err("survivor on a confirm");
        assert_eq!(e.errors[0].field, "survivor_person_id");
    }

    #[test]
    fn decisions_follow_the_review_and_unmerge_returns_to_before() {
        let mut m = pair();
        let e = MatchDecisionInput::default()
            .validate(&m)
            .expect_err("nothing chosen");
        assert_eq!(e.errors[0].field, "action");
        assert!(input("explode", None).validate(&m).is_err());
        assert!(
            input("unmerge", None).validate(&m).is_err(),
            "nothing merged"
        );
        m.status = MatchStatus::Rejected;
        assert!(input("merge", Some(m.left_person_id.to_string()))
            .validate(&m)
            .is_err());
        m.status = MatchStatus::Merged;
        m.survivor_person_id = Some(m.left_person_id);
        m.status_before_merge = Some(MatchStatus::Confirmed);
        assert_eq!(m.merged_away(), Some(m.right_person_id));
        assert_eq!(
            status_after(&m, MatchAction::Unmerge),
            MatchStatus::Confirmed
        );
    }

    #[test]
    fn a_small_part_of_a_shown_total_cannot_be_worked_out() {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let tally = VictimTally {
            records: 60,
            people: 50,
            confirmed: 4,
            matched_across: 45,
            provider_only: 5,
            provider_only_records: 5,
        };
        let r = VictimCountReport::from_tally(TaskForceId(uuid::Uuid::from_u128(1)), at, &tally);
        assert_eq!(r.people, CountCell::Exact { count: 50 });
        // 50 - 46 possible would give away the 4 confirmed; 50 - 45 the 5 within a provider.
        assert_eq!(r.confirmed, CountCell::FewerThan { limit: SMALL_CELL });
        assert_eq!(r.possible, CountCell::Withheld);
        assert_eq!(
            r.counted_within_provider_only,
            CountCell::FewerThan { limit: SMALL_CELL }
        );
        assert_eq!(r.matched_across_organizations, CountCell::Withheld);
        // Both parts large, or both small: nothing more to hide.
        let r = VictimCountReport::from_tally(
            TaskForceId(uuid::Uuid::from_u128(1)),
            at,
            &VictimTally {
                people: 40,
                confirmed: 20,
                matched_across: 0,
                provider_only: 40,
                ..tally
            },
        );
        assert_eq!(r.possible, CountCell::Exact { count: 20 });
        assert_eq!(
            r.matched_across_organizations,
            CountCell::Exact { count: 0 }
        );
        assert_eq!(
            r.counted_within_provider_only,
            CountCell::Exact { count: 40 }
        );
    }

    #[test]
    fn small_cells_are_suppressed_and_zero_is_not() {
        assert_eq!(CountCell::of(0).to_string(), "0");
        assert_eq!(CountCell::of(1).to_string(), "fewer than 11");
        assert_eq!(CountCell::of(10).to_string(), "fewer than 11");
        assert_eq!(CountCell::of(11).to_string(), "11");
    }
}
