//! Services delivered to survivors and their service plans, the one shared interview record of
//! a survivor, and case reviews (multidisciplinary team meetings) — issue 5, parts 4 to 6.
//!
//! Services and plan goals belong to a person and are held by the organization that records
//! them (victim-confidential when it is a victim service provider, data category `services`).
//! The interview record is one per person, held by the organization that interviewed,
//! victim-confidential, data category `narrative`. A case review is task-force metadata (title,
//! date, place, attendees); each case on its agenda is shown only as that case's own policy
//! allows, and so is each decision and action item about it.

use crate::access::Label;
use crate::ids::*;
use crate::structure::{code_enum, OrganizationKind, Valid};
use crate::validation::Invalid;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The default service categories (DOMAIN.md "Services"), as (code, words). A task force renames,
/// retires or adds categories as data (`service_categories`); this list is what it starts with.
/// Canonical for the product: referrals' needs use the same codes.
pub const SERVICE_CATEGORIES: &[(&str, &str)] = &[
    ("case_management", "Case management"),
    ("emergency_housing", "Emergency housing"),
    ("transitional_housing", "Transitional housing"),
    ("long_term_housing", "Long-term housing"),
    ("medical", "Medical care"),
    ("dental", "Dental care"),
    ("mental_health", "Mental health"),
    ("substance_use_treatment", "Substance use treatment"),
    ("criminal_justice_advocacy", "Criminal justice advocacy"),
    ("civil_legal", "Civil legal services"),
    ("immigration_legal", "Immigration legal services"),
    ("interpretation", "Interpretation and translation"),
    ("transportation", "Transportation"),
    ("education", "Education"),
    ("employment", "Employment and job training"),
    ("life_skills", "Life skills"),
    ("child_care", "Child care"),
    ("personal_items", "Personal items"),
    ("financial_assistance", "Financial assistance"),
    ("public_benefits", "Public benefits assistance"),
    ("family_reunification", "Family reunification"),
    ("repatriation", "Repatriation"),
    ("safety_planning", "Safety planning"),
];

/// One category of a task force's list: code, words, and whether it is offered for new records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceCategory {
    pub code: String,
    pub words: String,
    pub active: bool,
}

/// The words of a category code in `list` (the code itself for one no longer listed).
pub fn category_words(list: &[ServiceCategory], code: &str) -> String {
    list.iter()
        .find(|c| c.code == code)
        .map(|c| c.words.clone())
        .unwrap_or_else(|| code.to_owned())
}

/// The label of a service, plan goal or interview recorded by an organization of `kind`:
/// victim-confidential for a victim service provider, else its own organization's.
pub fn label_for(kind: OrganizationKind) -> Label {
    if kind == OrganizationKind::VictimServiceProvider {
        Label::VictimConfidential
    } else {
        Label::Organization
    }
}

code_enum!(
    /// How a service turned out.
    ServiceOutcome {
        Ongoing = "ongoing", "Ongoing";
        Completed = "completed", "Completed";
        PartlyMet = "partly_met", "Partly met";
        Declined = "declined", "Declined by the survivor";
        ReferredElsewhere = "referred_elsewhere", "Referred elsewhere";
        Unavailable = "unavailable", "Not available";
    }
);

code_enum!(
    /// Where a goal of a service plan stands.
    GoalStatus {
        Open = "open", "Open";
        InProgress = "in_progress", "In progress";
        Met = "met", "Met";
        NoLongerWanted = "no_longer_wanted", "No longer wanted by the survivor";
    }
);

/// A service delivered to a person.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    pub id: ServiceId,
    pub task_force_id: TaskForceId,
    pub person_id: PersonId,
    /// The organization that recorded it (the holder).
    pub holder_organization_id: OrganizationId,
    pub label: Label,
    pub category: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// Who delivered it (the holder itself, or a named partner).
    pub provider: String,
    pub units: Option<i64>,
    /// What a unit is (nights, sessions, rides).
    pub unit: String,
    /// An amount spent, in cents.
    pub amount_cents: Option<i64>,
    pub outcome: ServiceOutcome,
    pub recorded_by: MemberId,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// What a person submits to record a service (form or API); every field as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    /// A category code of the task force's list.
    #[serde(default)]
    pub category: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub started_on: String,
    #[serde(default)]
    pub ended_on: String,
    #[serde(default)]
    pub provider: String,
    /// A whole number.
    #[serde(default)]
    pub units: String,
    #[serde(default)]
    pub unit: String,
    /// Dollars, as 125 or 125.50.
    #[serde(default)]
    pub amount: String,
    /// ongoing, completed, partly_met, declined, referred_elsewhere, unavailable.
    #[serde(default)]
    pub outcome: String,
}

/// A checked service, before it has an id and a holder.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceContent {
    pub category: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub provider: String,
    pub units: Option<i64>,
    pub unit: String,
    pub amount_cents: Option<i64>,
    pub outcome: ServiceOutcome,
}

fn required_date(invalid: &mut Invalid, field: &str, text: &str) -> NaiveDate {
    let text = text.trim();
    if text.is_empty() {
        invalid.add(field, "is required");
        return NaiveDate::default();
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|_| {
        invalid.add(field, "must be a date written YYYY-MM-DD");
        NaiveDate::default()
    })
}

fn optional_date(invalid: &mut Invalid, field: &str, text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            invalid.add(field, "must be a date written YYYY-MM-DD");
            None
        }
    }
}

fn category(invalid: &mut Invalid, text: &str, categories: &[ServiceCategory]) -> String {
    let code = text.trim();
    if code.is_empty() {
        invalid.add("category", "is required");
    } else if !categories.iter().any(|c| c.active && c.code == code) {
        invalid.add(
            "category",
            "is not one of the task force's service categories",
        );
    }
    code.to_owned()
}

/// Dollars and cents ("125", "125.5", "1,250.00") as cents.
pub fn parse_amount(text: &str) -> Option<i64> {
    let text: String = text.trim().trim_start_matches('$').replace(',', "");
    let (whole, cents) = match text.split_once('.') {
        Some((w, c)) if !c.is_empty() && c.len() <= 2 && c.chars().all(|d| d.is_ascii_digit()) => (
            w,
            if c.len() == 1 {
                format!("{c}0")
            } else {
                c.to_owned()
            },
        ),
        Some(_) => return None,
        None => (text.as_str(), "00".to_owned()),
    };
    if whole.is_empty() || !whole.chars().all(|d| d.is_ascii_digit()) || whole.len() > 9 {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 100 + cents.parse::<i64>().ok()?)
}

/// Cents as dollars for people ("$1,250.00").
// `usize::is_multiple_of` needs Rust 1.87; the workspace supports 1.85.
#[allow(clippy::manual_is_multiple_of)]
pub fn dollars(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("${grouped}.{:02}", cents % 100)
}

impl ServiceInput {
    /// `categories`: the task force's list (only active ones may be chosen).
    pub fn validate(
        &self,
        categories: &[ServiceCategory],
    ) -> Result<Valid<ServiceContent>, Invalid> {
        let mut invalid = Invalid::default();
        let category = category(&mut invalid, &self.category, categories);
        let started_on = required_date(&mut invalid, "started_on", &self.started_on);
        let ended_on = optional_date(&mut invalid, "ended_on", &self.ended_on);
        if ended_on.is_some_and(|end| end < started_on) {
            invalid.add("ended_on", "must not be before the start");
        }
        let provider = invalid.required_text("provider", &self.provider, 200);
        let units = match self.units.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) if (0..=100_000).contains(&n) => Some(n),
                _ => {
                    invalid.add("units", "must be a whole number from 0 to 100,000");
                    None
                }
            },
        };
        let unit = invalid.optional_text("unit", &self.unit, 60);
        if units.is_some() && unit.is_empty() {
            invalid.add("unit", "say what a unit is (nights, sessions, rides)");
        }
        let amount_cents = match self.amount.trim() {
            "" => None,
            text => match parse_amount(text) {
                Some(c) => Some(c),
                None => {
                    invalid.add(
                        "amount",
                        "must be an amount in dollars, such as 125 or 125.50",
                    );
                    None
                }
            },
        };
        let outcome = match self.outcome.trim() {
            "" => ServiceOutcome::Ongoing,
            code => ServiceOutcome::from_code(code).unwrap_or_else(|| {
                invalid.add("outcome", "is not one of the choices offered");
                ServiceOutcome::Ongoing
            }),
        };
        invalid.finish(Valid(ServiceContent {
            category,
            started_on,
            ended_on,
            provider,
            units,
            unit,
            amount_cents,
            outcome,
        }))
    }
}

/// A goal of a person's service plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceGoal {
    pub id: ServiceGoalId,
    pub task_force_id: TaskForceId,
    pub person_id: PersonId,
    pub holder_organization_id: OrganizationId,
    pub label: Label,
    /// The category it is about, when one fits.
    pub category: Option<String>,
    pub goal: String,
    pub target_on: Option<NaiveDate>,
    pub status: GoalStatus,
    pub recorded_by: MemberId,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GoalInput {
    #[serde(default)]
    pub goal: String,
    /// A category code, or empty.
    #[serde(default)]
    pub category: String,
    /// YYYY-MM-DD, or empty.
    #[serde(default)]
    pub target_on: String,
    /// open, in_progress, met, no_longer_wanted (open when empty).
    #[serde(default)]
    pub status: String,
}

/// A checked goal: text, category, target date, status.
pub type GoalContent = (String, Option<String>, Option<NaiveDate>, GoalStatus);

impl GoalInput {
    pub fn validate(&self, categories: &[ServiceCategory]) -> Result<Valid<GoalContent>, Invalid> {
        let mut invalid = Invalid::default();
        let goal = invalid.required_text("goal", &self.goal, 1000);
        let category = match self.category.trim() {
            "" => None,
            _ => Some(category(&mut invalid, &self.category, categories)),
        };
        let target_on = optional_date(&mut invalid, "target_on", &self.target_on);
        let status = match self.status.trim() {
            "" => GoalStatus::Open,
            code => GoalStatus::from_code(code).unwrap_or_else(|| {
                invalid.add("status", "is not one of the choices offered");
                GoalStatus::Open
            }),
        };
        invalid.finish(Valid((goal, category, target_on, status)))
    }
}

/// The one shared interview record of a survivor. `place`, `recording_reference` and `notes`
/// are sealed at rest under the holder's data key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interview {
    pub id: InterviewId,
    pub task_force_id: TaskForceId,
    pub person_id: PersonId,
    /// The organization that interviewed (the holder).
    pub holder_organization_id: OrganizationId,
    pub label: Label,
    /// Who interviewed (names, as the interviewers wish to be recorded).
    pub interviewed_by: String,
    pub interviewed_on: NaiveDate,
    pub place: String,
    pub language: String,
    /// The interpreter (name, or empty when none was needed).
    pub interpreter: String,
    /// Where the recording is kept (evidence number, file reference), never the recording.
    pub recording_reference: String,
    pub notes: String,
    pub recorded_by: MemberId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InterviewInput {
    #[serde(default)]
    pub interviewed_by: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub interviewed_on: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub interpreter: String,
    #[serde(default)]
    pub recording_reference: String,
    #[serde(default)]
    pub notes: String,
}

/// A checked interview: the fields of [`Interview`] people type.
#[derive(Clone, Debug, PartialEq)]
pub struct InterviewContent {
    pub interviewed_by: String,
    pub interviewed_on: NaiveDate,
    pub place: String,
    pub language: String,
    pub interpreter: String,
    pub recording_reference: String,
    pub notes: String,
}

impl InterviewInput {
    /// `today`: an interview is not recorded before it happened.
    pub fn validate(&self, today: NaiveDate) -> Result<Valid<InterviewContent>, Invalid> {
        let mut invalid = Invalid::default();
        let interviewed_by = invalid.required_text("interviewed_by", &self.interviewed_by, 300);
        let interviewed_on = required_date(&mut invalid, "interviewed_on", &self.interviewed_on);
        if interviewed_on > today {
            invalid.add("interviewed_on", "must not be in the future");
        }
        let place = invalid.optional_text("place", &self.place, 300);
        let language = invalid.required_text("language", &self.language, 100);
        let interpreter = invalid.optional_text("interpreter", &self.interpreter, 200);
        let recording_reference =
            invalid.optional_text("recording_reference", &self.recording_reference, 300);
        let notes = invalid.optional_text("notes", &self.notes, 20_000);
        invalid.finish(Valid(InterviewContent {
            interviewed_by,
            interviewed_on,
            place,
            language,
            interpreter,
            recording_reference,
            notes,
        }))
    }
}

/// A case review: a multidisciplinary team meeting. Its own metadata is task-force wide.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseReview {
    pub id: CaseReviewId,
    pub task_force_id: TaskForceId,
    pub title: String,
    pub held_on: NaiveDate,
    /// HH:MM, or empty.
    pub starts_at: String,
    pub place: String,
    /// Members expected or present, with whether they attended (known once it was held).
    pub attendees: Vec<Attendee>,
    pub created_by: MemberId,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendee {
    pub member_id: MemberId,
    pub name: String,
    pub attended: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseReviewInput {
    #[serde(default)]
    pub title: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub held_on: String,
    /// HH:MM, or empty.
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub place: String,
    /// Member ids of the task force.
    #[serde(default)]
    pub attendees: Vec<String>,
    /// Of the attendees, those who were there (member ids).
    #[serde(default)]
    pub attended: Vec<String>,
}

/// A checked case review: title, date, time, place, attendees with attendance.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseReviewContent {
    pub title: String,
    pub held_on: NaiveDate,
    pub starts_at: String,
    pub place: String,
    pub attendees: Vec<(MemberId, bool)>,
}

impl CaseReviewInput {
    /// `members`: the task force's active members, who may be invited.
    pub fn validate(&self, members: &[MemberId]) -> Result<Valid<CaseReviewContent>, Invalid> {
        let mut invalid = Invalid::default();
        let title = invalid.required_text("title", &self.title, 200);
        let held_on = required_date(&mut invalid, "held_on", &self.held_on);
        let starts_at = self.starts_at.trim().to_owned();
        if !starts_at.is_empty() && chrono::NaiveTime::parse_from_str(&starts_at, "%H:%M").is_err()
        {
            invalid.add("starts_at", "must be a time written HH:MM (24-hour clock)");
        }
        let place = invalid.optional_text("place", &self.place, 300);
        let parse = |text: &String| text.trim().parse::<uuid::Uuid>().ok().map(MemberId);
        let mut attendees: Vec<(MemberId, bool)> = Vec::new();
        for text in &self.attendees {
            match parse(text).filter(|m| members.contains(m)) {
                Some(m) if !attendees.iter().any(|(a, _)| *a == m) => attendees.push((m, false)),
                Some(_) => {}
                None => invalid.add("attendees", "must be members of the task force"),
            }
        }
        for text in &self.attended {
            match parse(text).and_then(|m| attendees.iter_mut().find(|(a, _)| *a == m)) {
                Some(entry) => entry.1 = true,
                None => invalid.add("attended", "must be among the attendees"),
            }
        }
        invalid.finish(Valid(CaseReviewContent {
            title,
            held_on,
            starts_at,
            place,
            attendees,
        }))
    }
}

/// One case on a review's agenda, with the decision recorded about it (sealed under the key of
/// the organization that holds the case) and the tasks made from its action items.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewItem {
    pub id: ReviewItemId,
    pub review_id: CaseReviewId,
    pub case_id: CaseId,
    pub position: i64,
    pub decision: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub added_by: MemberId,
    pub created_at: DateTime<Utc>,
}

/// The check of a decision's text.
pub fn check_decision(text: &str) -> Result<String, Invalid> {
    let mut invalid = Invalid::default();
    let decision = invalid.required_text("decision", text, 10_000);
    invalid.finish(decision)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<ServiceCategory> {
        SERVICE_CATEGORIES
            .iter()
            .map(|(c, w)| ServiceCategory {
                code: (*c).into(),
                words: (*w).into(),
                active: true,
            })
            .collect()
    }

    #[test]
    fn a_service_names_every_bad_field() {
        let input = ServiceInput {
            category: "spa".into(),
            started_on: "2026-13-01".into(),
            ended_on: "yesterday".into(),
            provider: String::new(),
            units: "-3".into(),
            unit: String::new(),
            amount: "12.345".into(),
            outcome: "maybe".into(),
        };
        let invalid = input.validate(&defaults()).expect_err("refused");
        for field in [
            "category",
            "started_on",
            "ended_on",
            "provider",
            "units",
            "amount",
            "outcome",
        ] {
            assert!(invalid.message_for(field).is_some(), "{field}: {invalid:?}");
        }
    }

    #[test]
    fn a_good_service_is_kept_as_typed() {
        let input = ServiceInput {
            category: "emergency_housing".into(),
            started_on: "2026-03-01".into(),
            ended_on: "2026-03-15".into(),
            provider: "Red River Shelter".into(),
            units: "14".into(),
            unit: "nights".into(),
            amount: "1,250.5".into(),
            outcome: "completed".into(),
        };
        let s = input.validate(&defaults()).expect("valid").into_inner();
        assert_eq!(s.units, Some(14));
        assert_eq!(s.amount_cents, Some(125_050));
        assert_eq!(dollars(125_050), "$1,250.50");
        assert_eq!(s.outcome, ServiceOutcome::Completed);
        let ended_before = ServiceInput {
            ended_on: "2026-02-01".into(),
            ..input
        };
        let invalid = ended_before.validate(&defaults()).expect_err("refused");
        assert!(invalid.message_for("ended_on").is_some());
    }

    #[test]
    fn a_retired_category_is_not_offered() {
        let mut list = defaults();
        list[0].active = false;
        let input = ServiceInput {
            category: list[0].code.clone(),
            started_on: "2026-03-01".into(),
            provider: "Us".into(),
            ..Default::default()
        };
        assert!(input.validate(&list).is_err());
    }

    #[test]
    fn an_interview_is_not_in_the_future_and_names_its_fields() {
        let today = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
        let invalid = InterviewInput {
            interviewed_on: "2026-05-02".into(),
            ..Default::default()
        }
        .validate(today)
        .expect_err("refused");
        for field in ["interviewed_by", "interviewed_on", "language"] {
            assert!(invalid.message_for(field).is_some(), "{field}");
        }
    }

    #[test]
    fn a_review_takes_only_the_task_forces_members() {
        let member = MemberId(uuid::Uuid::from_u128(7));
        let input = CaseReviewInput {
            title: "March case review".into(),
            held_on: "2026-03-10".into(),
            starts_at: "25:00".into(),
            attendees: vec![member.to_string(), "not-an-id".into()],
            attended: vec![member.to_string()],
            ..Default::default()
        };
        let invalid = input.validate(&[member]).expect_err("refused");
        assert!(invalid.message_for("starts_at").is_some());
        assert!(invalid.message_for("attendees").is_some());
        let good = CaseReviewInput {
            starts_at: "09:30".into(),
            attendees: vec![member.to_string()],
            ..input
        };
        let ok = good.validate(&[member]).expect("valid").into_inner();
        assert_eq!(ok.attendees, vec![(member, true)]);
    }

    #[test]
    fn categories_are_the_domain_defaults() {
        assert_eq!(SERVICE_CATEGORIES.len(), 23);
        let mut codes: Vec<_> = SERVICE_CATEGORIES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), SERVICE_CATEGORIES.len());
    }
}
