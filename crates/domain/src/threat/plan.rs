//! What the assessment's records are once stored: datasets, model versions, focus industries,
//! and the outreach plans (with their activities) that turn a finding into action.

use super::import::ImportReport;
use super::score::Indicator;
use super::{industry_by_code, Source};
use crate::ids::*;
use crate::structure::Valid;
use crate::validation::Invalid;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One import of one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dataset {
    pub id: ThreatDatasetId,
    pub source: Source,
    pub file_name: String,
    pub sha256: String,
    pub records: i64,
    pub report: ImportReport,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

/// A saved model version: the indicators with their weights, and the datasets it scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Model {
    pub id: ThreatModelId,
    pub version: i64,
    pub note: String,
    pub indicators: Vec<Indicator>,
    pub datasets: Vec<ThreatDatasetId>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// An industry the task force has chosen to focus on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Focus {
    pub industry: String,
    pub note: String,
    pub marked_at: DateTime<Utc>,
    pub marked_by: String,
}

/// Where an outreach plan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Planned,
    Active,
    Completed,
}

impl PlanStatus {
    pub const ALL: &'static [PlanStatus] = &[
        PlanStatus::Planned,
        PlanStatus::Active,
        PlanStatus::Completed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            PlanStatus::Planned => "planned",
            PlanStatus::Active => "active",
            PlanStatus::Completed => "completed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::Planned => "Planned",
            PlanStatus::Active => "Under way",
            PlanStatus::Completed => "Completed",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code.trim())
    }
}

/// An outreach plan made from a finding (an industry in a county).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutreachPlan {
    pub id: OutreachPlanId,
    pub industry: String,
    pub fips: String,
    pub title: String,
    pub goal: String,
    pub partners: Vec<String>,
    pub status: PlanStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What is submitted to create or change an outreach plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutreachPlanInput {
    pub industry: String,
    pub fips: String,
    pub title: String,
    #[serde(default)]
    pub goal: String,
    /// Partners to engage, one per line.
    #[serde(default)]
    pub partners: String,
    #[serde(default)]
    pub status: Option<String>,
}

/// The validated content of a plan.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanContent {
    pub industry: String,
    pub fips: String,
    pub title: String,
    pub goal: String,
    pub partners: Vec<String>,
    pub status: PlanStatus,
}

impl OutreachPlanInput {
    /// Checks the plan against the task force's counties.
    pub fn validate(&self, counties: &[String]) -> Result<Valid<PlanContent>, Invalid> {
        let mut invalid = Invalid::default();
        let industry = self.industry.trim().to_owned();
        if industry_by_code(&industry).is_none() {
            invalid.add(
                "industry",
                "choose one of the industries the assessment scores",
            );
        }
        let fips = self.fips.trim().to_owned();
        if !counties.contains(&fips) {
            invalid.add("fips", "choose one of the task force's counties");
        }
        let title = invalid.required_text("title", &self.title, 200);
        let goal = invalid.optional_text("goal", &self.goal, 4000);
        let partners_text = invalid.optional_text("partners", &self.partners, 4000);
        let partners: Vec<String> = partners_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => PlanStatus::Planned,
            Some(code) => PlanStatus::from_code(code).unwrap_or_else(|| {
                invalid.add("status", "must be planned, active or completed");
                PlanStatus::Planned
            }),
        };
        invalid.finish(Valid(PlanContent {
            industry,
            fips,
            title,
            goal,
            partners,
            status,
        }))
    }
}

/// Kinds of outreach activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Meeting,
    Training,
    SiteVisit,
    AwarenessEvent,
    MaterialsDistributed,
    Other,
}

impl ActivityKind {
    pub const ALL: &'static [ActivityKind] = &[
        ActivityKind::Meeting,
        ActivityKind::Training,
        ActivityKind::SiteVisit,
        ActivityKind::AwarenessEvent,
        ActivityKind::MaterialsDistributed,
        ActivityKind::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::Meeting => "meeting",
            ActivityKind::Training => "training",
            ActivityKind::SiteVisit => "site_visit",
            ActivityKind::AwarenessEvent => "awareness_event",
            ActivityKind::MaterialsDistributed => "materials_distributed",
            ActivityKind::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Meeting => "Meeting with a partner",
            ActivityKind::Training => "Training",
            ActivityKind::SiteVisit => "Site visit",
            ActivityKind::AwarenessEvent => "Awareness event",
            ActivityKind::MaterialsDistributed => "Materials distributed",
            ActivityKind::Other => "Other",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code.trim())
    }
}

/// Something done under a plan, and what it produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutreachActivity {
    pub id: OutreachActivityId,
    pub plan_id: OutreachPlanId,
    pub happened_on: NaiveDate,
    pub kind: ActivityKind,
    pub description: String,
    pub contacts: i64,
    pub people_trained: i64,
    pub tips_received: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutreachActivityInput {
    pub happened_on: String,
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contacts: String,
    #[serde(default)]
    pub people_trained: String,
    #[serde(default)]
    pub tips_received: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ActivityContent {
    pub happened_on: NaiveDate,
    pub kind: ActivityKind,
    pub description: String,
    pub contacts: i64,
    pub people_trained: i64,
    pub tips_received: i64,
}

fn count(invalid: &mut Invalid, field: &str, text: &str) -> i64 {
    let text = text.trim();
    if text.is_empty() {
        return 0;
    }
    match text.parse::<i64>() {
        Ok(n) if (0..=1_000_000).contains(&n) => n,
        _ => {
            invalid.add(field, "must be a whole number from 0 to 1,000,000");
            0
        }
    }
}

impl OutreachActivityInput {
    pub fn validate(&self) -> Result<Valid<ActivityContent>, Invalid> {
        let mut invalid = Invalid::default();
        let happened_on = match NaiveDate::parse_from_str(self.happened_on.trim(), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                invalid.add("happened_on", "must be a date written YYYY-MM-DD");
                NaiveDate::default()
            }
        };
        let kind = ActivityKind::from_code(&self.kind).unwrap_or_else(|| {
            invalid.add("kind", "choose what kind of activity it was");
            ActivityKind::Other
        });
        let description = invalid.optional_text("description", &self.description, 4000);
        let contacts = count(&mut invalid, "contacts", &self.contacts);
        let people_trained = count(&mut invalid, "people_trained", &self.people_trained);
        let tips_received = count(&mut invalid, "tips_received", &self.tips_received);
        invalid.finish(Valid(ActivityContent {
            happened_on,
            kind,
            description,
            contacts,
            people_trained,
            tips_received,
        }))
    }
}
