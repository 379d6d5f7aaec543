//! Typed identifiers. Every id is a UUID (version 7: time-ordered, so indexes stay compact),
//! wrapped so that an organization id can never be passed where a member id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

id_type!(
    /// A task force: the tenant that every other row belongs to.
    TaskForceId,
    /// A region of a (statewide) task force, served by navigators.
    RegionId,
    /// A partner organization of a task force.
    OrganizationId,
    /// A member: a person who works in one or more partner organizations.
    MemberId,
    /// A memorandum of understanding between partner organizations.
    MouId,
    /// A funding award (grant) that supports a task force.
    AwardId,
    /// A case: an investigation, a service case or a prosecution.
    CaseId,
    /// A person recorded on one or more cases.
    PersonId,
    /// A team grant on a case.
    GrantId,
    /// An identifier (alias, phone, e-mail, address, vehicle, handle, business) of a person.
    IdentifierId,
    /// A note on a case.
    NoteId,
    /// A task on a case.
    CaseTaskId,
    /// An entry of a case's timeline.
    TimelineEntryId,
    /// An attachment on a case.
    AttachmentId,
    /// A charge on a prosecution.
    ChargeId,
    /// A court event on a prosecution.
    CourtEventId,
    /// A sentence imposed on a defendant.
    SentenceId,
    /// An immigration relief request.
    ReliefId,
    /// A tip (public, partner or hotline).
    TipId,
    /// A completed screening.
    ScreeningId,
    /// One import of a public file for the threat assessment.
    ThreatDatasetId,
    /// A saved version of a threat-assessment model.
    ThreatModelId,
    /// An outreach plan made from a threat-assessment finding.
    OutreachPlanId,
    /// An activity of an outreach plan.
    OutreachActivityId,
    /// A survivor's consent to share (or a disclosure under a legal mandate).
    ConsentId,
    /// A notification in a member's inbox.
    NotificationId,
    /// A message waiting in (or sent from) the e-mail outbox.
    OutboxId,
    /// A referral of a person from one organization to another (or to a region).
    ReferralId,
    /// One service delivered to a person.
    ServiceId,
    /// A goal of a person's service plan.
    ServiceGoalId,
    /// The shared interview record of a survivor.
    InterviewId,
    /// A case review (multidisciplinary team meeting).
    CaseReviewId,
    /// A case on a case review's agenda.
    ReviewItemId,
    /// A planned operation (event deconfliction).
    OperationId,
    /// A conflict between two planned operations.
    OperationConflictId,
    /// A target-deconfliction hit between two agencies' identifiers.
    DeconflictionHitId,
    /// A possible duplicate pair of person records, and its review.
    PersonMatchId,
);
