//! Referrals (C4, C7): a person referred from one organization to another, or to a region
//! whose navigators route it to a local partner; with the need (service categories), the
//! urgency, the data categories shared and the survivor's consent that covers them. A referral
//! moves through a small workflow ([`ReferralStatus`]); each change is an event kept with who
//! and when, so the sender sees the whole loop closed with its outcome.
//!
//! SLA: a referral must be accepted (or declined) within a number of hours set per urgency
//! ([`SlaHours`], configurable per task force); past that, the sender and the region's
//! navigators are told once.

use crate::access::DataCategory;
use crate::ids::*;
use crate::structure::{code_enum, Valid};
use crate::validation::Invalid;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A referral's need is one or more service categories: the one default list (DOMAIN.md
/// "Services") that services delivered use too.
pub use crate::services::SERVICE_CATEGORIES;

/// The words of a service category code (the code itself when unknown).
pub fn service_words(code: &str) -> &str {
    SERVICE_CATEGORIES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, w)| w)
}

code_enum!(
    /// How soon the person needs the service.
    Urgency {
        Emergency = "emergency", "Emergency";
        Urgent = "urgent", "Urgent";
        Routine = "routine", "Routine";
    }
);

code_enum!(
    /// Where a referral stands.
    ReferralStatus {
        Sent = "sent", "Sent";
        Received = "received", "Received";
        Accepted = "accepted", "Accepted";
        Declined = "declined", "Declined";
        NeedsInfo = "needs_info", "Needs information";
        Completed = "completed", "Completed";
        Withdrawn = "withdrawn", "Withdrawn";
    }
);

impl ReferralStatus {
    /// Still waiting for the recipient to accept or decline (the SLA clock runs).
    pub fn awaiting_acceptance(self) -> bool {
        matches!(
            self,
            ReferralStatus::Sent | ReferralStatus::Received | ReferralStatus::NeedsInfo
        )
    }

    /// Not closed (completed or withdrawn).
    pub fn is_open(self) -> bool {
        !matches!(self, ReferralStatus::Completed | ReferralStatus::Withdrawn)
    }
}

code_enum!(
    /// How a completed referral ended, for the sender's closed loop and the dashboards.
    ReferralOutcome {
        ServicesProvided = "services_provided", "Services provided";
        ServicesStarted = "services_started", "Services started, ongoing";
        PersonDeclined = "person_declined", "The person chose not to continue";
        UnableToReach = "unable_to_reach", "Could not reach the person";
        ReferredOn = "referred_on", "Referred on to another provider";
    }
);

code_enum!(
    /// Something done to a referral, kept in its history.
    ReferralAction {
        Send = "send", "Sent";
        Route = "route", "Routed to a partner";
        Receive = "receive", "Marked received";
        Accept = "accept", "Accepted";
        Decline = "decline", "Declined";
        AskInfo = "ask_info", "Asked for more information";
        Answer = "answer", "Answered";
        Complete = "complete", "Completed";
        Withdraw = "withdraw", "Withdrawn";
        SlaBreach = "sla_breach", "Not accepted in time";
    }
);

/// How the principal stands to a referral: which actions its side may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Sender,
    Recipient,
    Navigator,
}

impl ReferralAction {
    /// The actions a member's side may take on a referral in `status` (the workflow; the
    /// policy is asked besides). `routed`: a recipient organization is set.
    pub fn allowed(side: Side, status: ReferralStatus, routed: bool, to_region: bool) -> Vec<Self> {
        use ReferralAction as A;
        use ReferralStatus as S;
        let mut out = Vec::new();
        match side {
            Side::Sender => {
                if status == S::NeedsInfo {
                    out.push(A::Answer);
                }
                if status.is_open() && status != S::Declined {
                    out.push(A::Withdraw);
                }
            }
            Side::Recipient if routed => match status {
                S::Sent => out.extend([A::Receive, A::Accept, A::Decline, A::AskInfo]),
                S::Received => out.extend([A::Accept, A::Decline, A::AskInfo]),
                S::NeedsInfo => out.extend([A::Accept, A::Decline]),
                S::Accepted => out.push(A::Complete),
                _ => {}
            },
            Side::Recipient => {}
            Side::Navigator => {
                if to_region && ((status == S::Sent && !routed) || status == S::Declined) {
                    out.push(A::Route);
                }
            }
        }
        out
    }

    /// The status an action leads to.
    pub fn leads_to(self, from: ReferralStatus) -> ReferralStatus {
        use ReferralAction as A;
        use ReferralStatus as S;
        match self {
            A::Send | A::Route => S::Sent,
            A::Receive | A::Answer => S::Received,
            A::Accept => S::Accepted,
            A::Decline => S::Declined,
            A::AskInfo => S::NeedsInfo,
            A::Complete => S::Completed,
            A::Withdraw => S::Withdrawn,
            A::SlaBreach => from,
        }
    }
}

/// A referral as kept. `details` is the sender's note (sealed at rest); for a community
/// partner's referral it describes the person, who has no record.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Referral {
    pub id: ReferralId,
    pub task_force_id: TaskForceId,
    /// The person referred (none for a community partner's referral).
    pub person_id: Option<PersonId>,
    pub sender_organization_id: OrganizationId,
    pub sender_member_id: MemberId,
    /// The region whose navigators route it (a referral to a region).
    pub region_id: Option<RegionId>,
    /// The organization that receives it (set at once, or when a navigator routes it).
    pub recipient_organization_id: Option<OrganizationId>,
    /// Service category codes.
    pub needs: Vec<String>,
    pub urgency: Urgency,
    /// The data categories shared with the recipient.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub categories: Vec<DataCategory>,
    /// The consent that covers it (recorded by the person's holder).
    pub consent_id: Option<ConsentId>,
    /// For a community partner's referral: the sender attests that the person agreed.
    pub attested: bool,
    pub status: ReferralStatus,
    /// Why it was declined, or what information is needed (the latest).
    pub status_reason: String,
    pub outcome: Option<ReferralOutcome>,
    pub outcome_note: String,
    pub sent_at: DateTime<Utc>,
    /// When it must be accepted or declined by (SLA).
    pub due_at: DateTime<Utc>,
    pub breach_notified_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl Referral {
    /// Past its SLA at `now` and still not accepted or declined.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.awaiting_acceptance() && self.due_at <= now
    }

    /// Hours since it was sent (its age), at `now`.
    pub fn age_hours(&self, now: DateTime<Utc>) -> i64 {
        (now - self.sent_at).num_hours().max(0)
    }
}

/// One change in a referral's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralEvent {
    pub at: DateTime<Utc>,
    /// None for the system (an SLA breach).
    pub member_id: Option<MemberId>,
    pub member_name: String,
    pub organization_id: Option<OrganizationId>,
    pub action: ReferralAction,
    pub status: ReferralStatus,
    /// The reason, question, answer or outcome note given (sealed at rest when the person's).
    pub detail: String,
}

/// Hours to acceptance by urgency, per task force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaHours {
    pub emergency: i64,
    pub urgent: i64,
    pub routine: i64,
}

impl Default for SlaHours {
    fn default() -> Self {
        Self {
            emergency: 4,
            urgent: 24,
            routine: 72,
        }
    }
}

impl SlaHours {
    pub fn hours(&self, urgency: Urgency) -> i64 {
        match urgency {
            Urgency::Emergency => self.emergency,
            Urgency::Urgent => self.urgent,
            Urgency::Routine => self.routine,
        }
    }

    pub fn due(&self, urgency: Urgency, sent: DateTime<Utc>) -> DateTime<Utc> {
        sent + Duration::hours(self.hours(urgency))
    }

    /// Each between 1 hour and 30 days, emergency no longer than urgent, urgent no longer than
    /// routine.
    pub fn validate(self) -> Result<Valid<Self>, Invalid> {
        let mut invalid = Invalid::default();
        for (field, hours) in [
            ("emergency", self.emergency),
            ("urgent", self.urgent),
            ("routine", self.routine),
        ] {
            if !(1..=720).contains(&hours) {
                invalid.add(field, "must be between 1 and 720 hours");
            }
        }
        if invalid.is_empty() && self.emergency > self.urgent {
            invalid.add("emergency", "must not be longer than urgent");
        }
        if invalid.is_empty() && self.urgent > self.routine {
            invalid.add("urgent", "must not be longer than routine");
        }
        invalid.finish(Valid(self))
    }
}

/// What a member submits to send a referral (form or API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferralInput {
    /// The person referred (a person the sender's organization holds); empty for a community
    /// partner's referral.
    #[serde(default)]
    pub person_id: String,
    /// `organization` or `region`.
    #[serde(default)]
    pub to: String,
    /// The recipient organization's id (to an organization).
    #[serde(default)]
    pub organization_id: String,
    /// The region's id (to a region).
    #[serde(default)]
    pub region_id: String,
    /// Service category codes (see SERVICE_CATEGORIES).
    #[serde(default)]
    pub needs: Vec<String>,
    /// emergency, urgent, routine.
    #[serde(default)]
    pub urgency: String,
    /// Data categories shared: identity, contact, narrative, services, immigration.
    #[serde(default)]
    pub categories: Vec<String>,
    /// What the recipient should know (for a community partner's referral: who the person is
    /// and how to reach them, as the person agreed).
    #[serde(default)]
    pub details: String,
    /// A community partner attests that the person agreed to be referred.
    #[serde(default)]
    pub attested: bool,
}

/// Where a referral goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Organization(OrganizationId),
    Region(RegionId),
}

/// A checked referral, ready for the consent check.
#[derive(Clone, Debug, PartialEq)]
pub struct NewReferral {
    pub person_id: Option<PersonId>,
    pub destination: Destination,
    pub needs: Vec<String>,
    pub urgency: Urgency,
    pub categories: Vec<DataCategory>,
    pub details: String,
    pub attested: bool,
}

/// What validation checks against: the task force's organizations and regions, and whether
/// the sender keeps person records (a community partner does not).
pub struct ReferralContext<'a> {
    pub organizations: &'a [OrganizationId],
    pub regions: &'a [RegionId],
    pub sender: OrganizationId,
    pub community_partner: bool,
}

impl ReferralInput {
    pub fn validate(self, cx: &ReferralContext<'_>) -> Result<Valid<NewReferral>, Invalid> {
        let mut invalid = Invalid::default();
        let person_id = if cx.community_partner {
            if !self.person_id.trim().is_empty() {
                invalid.add(
                    "person_id",
                    "a community partner refers without a person record; describe the person in the details",
                );
            }
            if !self.attested {
                invalid.add(
                    "attested",
                    "confirm that the person agreed to be referred and to what is shared",
                );
            }
            None
        } else {
            match self.person_id.trim().parse::<PersonId>() {
                Ok(p) => Some(p),
                Err(_) => {
                    invalid.add("person_id", "choose the person to refer");
                    None
                }
            }
        };
        let destination = match self.to.trim() {
            "organization" => match self.organization_id.trim().parse::<OrganizationId>() {
                Ok(o) if o == cx.sender => {
                    invalid.add("organization_id", "is your own organization");
                    None
                }
                Ok(o) if cx.organizations.contains(&o) => Some(Destination::Organization(o)),
                _ => {
                    invalid.add(
                        "organization_id",
                        "choose an organization of this task force",
                    );
                    None
                }
            },
            "region" => match self.region_id.trim().parse::<RegionId>() {
                Ok(r) if cx.regions.contains(&r) => Some(Destination::Region(r)),
                _ => {
                    invalid.add("region_id", "choose a region of this task force");
                    None
                }
            },
            _ => {
                invalid.add("to", "choose an organization or a region");
                None
            }
        };
        let mut needs = Vec::new();
        for (i, n) in self.needs.iter().enumerate() {
            let n = n.trim();
            if SERVICE_CATEGORIES.iter().any(|(c, _)| *c == n) {
                if !needs.iter().any(|x: &String| x == n) {
                    needs.push(n.to_owned());
                }
            } else {
                invalid.add(format!("needs[{i}]"), "is not a service category");
            }
        }
        if self.needs.is_empty() {
            invalid.add("needs", "choose at least one service the person needs");
        }
        let urgency = Urgency::from_code(&self.urgency);
        if urgency.is_none() {
            invalid.add("urgency", "choose emergency, urgent or routine");
        }
        let mut categories = Vec::new();
        for (i, c) in self.categories.iter().enumerate() {
            match DataCategory::from_code(c) {
                Some(DataCategory::Counting) | None => invalid.add(
                    format!("categories[{i}]"),
                    "is not one of identity, contact, narrative, services, immigration",
                ),
                Some(cat) if !categories.contains(&cat) => categories.push(cat),
                Some(_) => {}
            }
        }
        categories.sort();
        if person_id.is_some() && !categories.contains(&DataCategory::Identity) {
            invalid.add(
                "categories",
                "a referral shares at least who the person is (identity)",
            );
        }
        let details = if cx.community_partner {
            invalid.required_text("details", &self.details, 4000)
        } else {
            invalid.optional_text("details", &self.details, 4000)
        };
        invalid.finish(Valid(NewReferral {
            person_id,
            destination: destination.unwrap_or(Destination::Organization(cx.sender)),
            needs,
            urgency: urgency.unwrap_or(Urgency::Routine),
            categories,
            details,
            attested: self.attested,
        }))
    }
}

/// An action on a referral (form or API): what, and the words it needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReferralActionInput {
    /// route, receive, accept, decline, ask_info, answer, complete, withdraw.
    #[serde(default)]
    pub action: String,
    /// The partner organization a navigator routes to.
    #[serde(default)]
    pub organization_id: String,
    /// The reason (decline, withdraw), the question (ask_info), the answer, or the outcome note.
    #[serde(default)]
    pub note: String,
    /// How it ended (complete): services_provided, services_started, person_declined,
    /// unable_to_reach, referred_on.
    #[serde(default)]
    pub outcome: String,
    /// The version of the referral being changed.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A checked action.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedAction {
    pub action: ReferralAction,
    pub organization: Option<OrganizationId>,
    pub note: String,
    pub outcome: Option<ReferralOutcome>,
    pub version: i64,
}

impl ReferralActionInput {
    pub fn validate(self) -> Result<CheckedAction, Invalid> {
        use ReferralAction as A;
        let mut invalid = Invalid::default();
        let action = ReferralAction::from_code(&self.action)
            .filter(|a| !matches!(a, A::Send | A::SlaBreach));
        if action.is_none() {
            invalid.add("action", "is not an action on a referral");
        }
        let version = self.version;
        if version.is_none() {
            invalid.add(
                "version",
                "the form is missing the referral's version; reload the page and try again",
            );
        }
        let mut organization = None;
        let mut outcome = None;
        let note = match action {
            Some(A::Decline) | Some(A::Withdraw) => invalid.required_text("note", &self.note, 2000),
            Some(A::AskInfo) | Some(A::Answer) => invalid.required_text("note", &self.note, 2000),
            _ => invalid.optional_text("note", &self.note, 2000),
        };
        match action {
            Some(A::Route) => match self.organization_id.trim().parse::<OrganizationId>() {
                Ok(o) => organization = Some(o),
                Err(_) => invalid.add("organization_id", "choose the partner to route it to"),
            },
            Some(A::Complete) => {
                outcome = ReferralOutcome::from_code(&self.outcome);
                if outcome.is_none() {
                    invalid.add("outcome", "say how the referral ended");
                }
            }
            _ => {}
        }
        invalid.finish(CheckedAction {
            action: action.unwrap_or(A::Receive),
            organization,
            note,
            outcome,
            version: version.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(n: u128) -> OrganizationId {
        OrganizationId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn a_referral_names_each_bad_field() {
        let orgs = [org(1), org(2)];
        let regions = [RegionId(uuid::Uuid::from_u128(9))];
        let cx = ReferralContext {
            organizations: &orgs,
            regions: &regions,
            sender: org(1),
            community_partner: false,
        };
        let ok = ReferralInput {
            person_id: uuid::Uuid::from_u128(5).to_string(),
            to: "region".into(),
            region_id: regions[0].to_string(),
            needs: vec!["emergency_housing".into(), "medical".into()],
            urgency: "urgent".into(),
            categories: vec!["identity".into(), "contact".into()],
            ..Default::default()
        }
        .validate(&cx)
        .expect("valid");
        assert_eq!(ok.destination, Destination::Region(regions[0]));
        let err = ReferralInput {
            to: "organization".into(),
            organization_id: org(1).to_string(),
            needs: vec!["spa day".into()],
            urgency: "soon".into(),
            categories: vec!["counting".into()],
            ..Default::default()
        }
        .validate(&cx)
        .unwrap_err();
        for field in [
            "person_id",
            "organization_id",
            "needs[0]",
            "urgency",
            "categories[0]",
        ] {
            assert!(err.message_for(field).is_some(), "{field}: {err:?}");
        }
        let partner = ReferralContext {
            community_partner: true,
            ..cx
        };
        let err = ReferralInput {
            to: "region".into(),
            region_id: regions[0].to_string(),
            needs: vec!["medical".into()],
            urgency: "routine".into(),
            ..Default::default()
        }
        .validate(&partner)
        .unwrap_err();
        assert!(err.message_for("attested").is_some());
        assert!(err.message_for("details").is_some());
    }

    #[test]
    fn the_workflow_gives_each_side_its_actions() {
        use ReferralAction as A;
        use ReferralStatus as S;
        assert_eq!(
            A::allowed(Side::Navigator, S::Sent, false, true),
            vec![A::Route]
        );
        assert!(A::allowed(Side::Navigator, S::Sent, true, true).is_empty());
        assert!(A::allowed(Side::Recipient, S::Sent, false, true).is_empty());
        assert!(A::allowed(Side::Recipient, S::Received, true, false).contains(&A::Accept));
        assert_eq!(
            A::allowed(Side::Recipient, S::Accepted, true, false),
            vec![A::Complete]
        );
        assert!(A::allowed(Side::Recipient, S::Completed, true, false).is_empty());
        assert_eq!(
            A::allowed(Side::Sender, S::NeedsInfo, true, false),
            vec![A::Answer, A::Withdraw]
        );
        assert!(A::allowed(Side::Sender, S::Completed, true, false).is_empty());
        assert_eq!(A::Answer.leads_to(S::NeedsInfo), S::Received);
    }

    #[test]
    fn sla_hours_are_checked_and_give_the_due_time() {
        let sla = SlaHours::default();
        let at: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().unwrap();
        assert_eq!(sla.due(Urgency::Emergency, at), at + Duration::hours(4));
        let err = SlaHours {
            emergency: 48,
            urgent: 24,
            routine: 0,
        }
        .validate()
        .unwrap_err();
        assert!(err.message_for("routine").is_some());
        assert!(SlaHours {
            emergency: 48,
            urgent: 24,
            routine: 72
        }
        .validate()
        .is_err());
    }
}
