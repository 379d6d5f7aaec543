//! The one access policy: who may do what to which record.
//!
//! [`decide`] is a pure function of the principal, the action, the resource (its kind, task
//! force, owner, label, team grants and the consents that cover it) and the moment of access.
//! Every page, API route, export, search, report and notification asks it. The role permissions
//! it reads are one table kept as data ([`ROLE_PERMISSIONS`]); `access/expected.txt` is the
//! independent statement of the default table (ACCESS-MODEL.md) that the matrix test checks
//! every role x kind x action against.

use crate::ids::*;
use crate::structure::{OrganizationKind, Role};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Something a principal does to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    List,
    Read,
    Create,
    Update,
    Delete,
    Export,
    Share,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::List,
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Export,
        Action::Share,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::List => "list",
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Export => "export",
            Action::Share => "share",
        }
    }
}

/// The kinds of record the policy knows. Each new kind of record is added here, to
/// [`ROLE_PERMISSIONS`] and to `access/expected.txt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    TaskForce,
    Region,
    Organization,
    Member,
    Mou,
    FundingAward,
    /// Sign-in accounts: enable, disable, reset a second factor, temporary accounts.
    Account,
    /// The access-review report (who holds which roles, last sign-in, factors).
    AccessReview,
    AuditLog,
    /// A member's own personal access tokens.
    ApiToken,
    /// Law enforcement's cases (default label law-enforcement sensitive).
    Investigation,
    /// A victim service provider's cases (default label victim-confidential).
    ServiceCase,
    /// A prosecutor's office's cases (default label organization).
    Prosecution,
    /// People recorded on cases; they carry the label of the case that holds them.
    Person,
    /// The task force's editable case reference lists: typology, state statutes.
    CaseReference,
    /// Tips (public form, partners, hotline imports), labelled for the organization they are
    /// routed to; a community partner sees the status of the tips they submitted.
    Tip,
    /// Completed victim-identification screenings (victim-confidential when a victim service
    /// provider screened).
    Screening,
    /// The task force's screening instrument (questions, weights, thresholds) and intake routing.
    ScreeningInstrument,
    /// Public data imported for the threat assessment (CBP, NASS, H-2A/H-2B, WHD) and the
    /// rows behind each score.
    ThreatData,
    /// Threat-assessment models (weights over a data snapshot) and the assessment they give:
    /// public data and aggregates only.
    ThreatModel,
    /// Outreach plans made from a finding, their activities, and the focus industries.
    OutreachPlan,
    /// A survivor's consent to share (or a disclosure under a legal mandate), kept by the
    /// organization that recorded it.
    Consent,
    /// A referral of a person to another organization or to a region's navigators: seen by the
    /// sender, the recipient and the region's navigators; a community partner sees their own.
    Referral,
    /// Referral metadata across a region or the task force (need, urgency, ages, status,
    /// outcomes; never who the person is): the navigators' and coordinator's dashboards.
    ReferralReport,
    /// Services delivered to a person and their service plan (victim-confidential when a victim
    /// service provider holds them).
    Service,
    /// The one shared interview record of a survivor; partners read it only under consent.
    Interview,
    /// Case reviews (multidisciplinary team meetings): agenda, attendance, decisions, action
    /// items. Each case on the agenda is still shown only as its own policy allows.
    CaseReview,
    /// A member's own notifications (in-app inbox).
    Notification,
    /// Planned operations for event deconfliction (law-enforcement sensitive).
    Operation,
    /// Deconfliction pointers: target hits and operation conflicts between two agencies,
    /// each seen by both parties and carrying only who to contact.
    Deconfliction,
    /// Possible duplicate person records and their review (confirm, reject, merge).
    PersonMatch,
    /// Unduplicated victim counts for reports (aggregates; matching only under consent).
    VictimCount,
}

impl ResourceKind {
    pub const ALL: &'static [ResourceKind] = &[
        ResourceKind::TaskForce,
        ResourceKind::Region,
        ResourceKind::Organization,
        ResourceKind::Member,
        ResourceKind::Mou,
        ResourceKind::FundingAward,
        ResourceKind::Account,
        ResourceKind::AccessReview,
        ResourceKind::AuditLog,
        ResourceKind::ApiToken,
        ResourceKind::Investigation,
        ResourceKind::ServiceCase,
        ResourceKind::Prosecution,
        ResourceKind::Person,
        ResourceKind::CaseReference,
        ResourceKind::Tip,
        ResourceKind::Screening,
        ResourceKind::ScreeningInstrument,
        ResourceKind::ThreatData,
        ResourceKind::ThreatModel,
        ResourceKind::OutreachPlan,
        ResourceKind::Consent,
        ResourceKind::Referral,
        ResourceKind::ReferralReport,
        ResourceKind::Service,
        ResourceKind::Interview,
        ResourceKind::CaseReview,
        ResourceKind::Notification,
        ResourceKind::Operation,
        ResourceKind::Deconfliction,
        ResourceKind::PersonMatch,
        ResourceKind::VictimCount,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ResourceKind::TaskForce => "task_force",
            ResourceKind::Region => "region",
            ResourceKind::Organization => "organization",
            ResourceKind::Member => "member",
            ResourceKind::Mou => "mou",
            ResourceKind::FundingAward => "funding_award",
            ResourceKind::Account => "account",
            ResourceKind::AccessReview => "access_review",
            ResourceKind::AuditLog => "audit_log",
            ResourceKind::ApiToken => "api_token",
            ResourceKind::Investigation => "investigation",
            ResourceKind::ServiceCase => "service_case",
            ResourceKind::Prosecution => "prosecution",
            ResourceKind::Person => "person",
            ResourceKind::CaseReference => "case_reference",
            ResourceKind::Tip => "tip",
            ResourceKind::Screening => "screening",
            ResourceKind::ScreeningInstrument => "screening_instrument",
            ResourceKind::ThreatData => "threat_data",
            ResourceKind::ThreatModel => "threat_model",
            ResourceKind::OutreachPlan => "outreach_plan",
            ResourceKind::Consent => "consent",
            ResourceKind::Referral => "referral",
            ResourceKind::ReferralReport => "referral_report",
            ResourceKind::Service => "service",
            ResourceKind::Interview => "interview",
            ResourceKind::CaseReview => "case_review",
            ResourceKind::Notification => "notification",
            ResourceKind::Operation => "operation",
            ResourceKind::Deconfliction => "deconfliction",
            ResourceKind::PersonMatch => "person_match",
            ResourceKind::VictimCount => "victim_count",
        }
    }
}

/// Who may see a record's content (ACCESS-MODEL.md "Resources and labels").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Any member of the task force whose role reads that kind.
    TaskForce,
    /// The owning organization and its team.
    Organization,
    /// The owning agency and the team members it granted; never a victim service provider or
    /// community partner.
    LawEnforcementSensitive,
    /// The owning victim service provider; anyone else only under a live consent.
    VictimConfidential,
    /// Named members only.
    Restricted,
}

impl Label {
    pub const ALL: &'static [Label] = &[
        Label::TaskForce,
        Label::Organization,
        Label::LawEnforcementSensitive,
        Label::VictimConfidential,
        Label::Restricted,
    ];

    /// The stable code stored in the database and used by the API.
    pub fn code(self) -> &'static str {
        match self {
            Label::TaskForce => "task_force",
            Label::Organization => "organization",
            Label::LawEnforcementSensitive => "law_enforcement_sensitive",
            Label::VictimConfidential => "victim_confidential",
            Label::Restricted => "restricted",
        }
    }

    pub fn from_code(code: &str) -> Option<Label> {
        Label::ALL.iter().copied().find(|l| l.code() == code.trim())
    }

    /// The words shown to people.
    pub fn words(self) -> &'static str {
        match self {
            Label::TaskForce => "Whole task force",
            Label::Organization => "Holding organization and team",
            Label::LawEnforcementSensitive => "Law-enforcement sensitive",
            Label::VictimConfidential => "Victim-confidential",
            Label::Restricted => "Restricted to named members",
        }
    }
}

/// The data categories a survivor's consent is scoped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    Identity,
    Contact,
    Narrative,
    Services,
    Immigration,
    Counting,
}

impl DataCategory {
    pub const ALL: &'static [DataCategory] = &[
        DataCategory::Identity,
        DataCategory::Contact,
        DataCategory::Narrative,
        DataCategory::Services,
        DataCategory::Immigration,
        DataCategory::Counting,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DataCategory::Identity => "identity",
            DataCategory::Contact => "contact",
            DataCategory::Narrative => "narrative",
            DataCategory::Services => "services",
            DataCategory::Immigration => "immigration",
            DataCategory::Counting => "counting",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.code() == code.trim())
    }

    /// What the category covers, in the words a survivor is told.
    pub fn words(self) -> &'static str {
        match self {
            DataCategory::Identity => "Identity (name, date of birth, identifiers)",
            DataCategory::Contact => "Contact details",
            DataCategory::Narrative => "Their story (notes and interview)",
            DataCategory::Services => "Services and service plan",
            DataCategory::Immigration => "Immigration matters",
            DataCategory::Counting => "Counting in reports (matching to avoid double counting)",
        }
    }
}

/// Access granted on a record to another organization or to one member (a case team).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub to: Grantee,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grantee {
    Organization(OrganizationId),
    Member(MemberId),
}

/// A survivor's consent as the policy needs it: whose it is, to which organizations (and, when
/// narrowed, to which roles in them), for which data categories, and when it is live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentScope {
    pub person: PersonId,
    pub recipients: Vec<OrganizationId>,
    /// Empty: every member of a recipient organization; else only members holding one of these.
    pub roles: Vec<Role>,
    pub categories: Vec<DataCategory>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ConsentScope {
    /// Live at `now` (from its start, before its end and its revocation).
    pub fn live(&self, now: DateTime<Utc>) -> bool {
        self.valid_from <= now
            && self.valid_until.is_none_or(|end| now < end)
            && self.revoked_at.is_none_or(|revoked| now < revoked)
    }

    /// Live at `now` and covering `principal` (organization and role) for `category`.
    pub fn covers(
        &self,
        principal: &Principal,
        category: DataCategory,
        now: DateTime<Utc>,
    ) -> bool {
        self.live(now)
            && self.recipients.contains(&principal.organization_id)
            && (self.roles.is_empty() || self.roles.iter().any(|r| principal.holds(*r)))
            && self.categories.contains(&category)
    }
}

/// Who is acting: a member, in one of their organizations, in one task force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub member_id: MemberId,
    pub name: String,
    pub email: String,
    pub task_force_id: TaskForceId,
    pub organization_id: OrganizationId,
    pub organization_name: String,
    pub organization_kind: OrganizationKind,
    /// The roles held in the acting organization.
    pub roles: Vec<Role>,
    /// Whether the session completed its second factor.
    pub strong: bool,
    /// Where the request came from (the client address), for the audit log.
    pub source: String,
}

impl Principal {
    pub fn holds(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A record as the policy sees it.
#[derive(Clone, Debug)]
pub struct Resource<'a> {
    pub kind: ResourceKind,
    /// `None` for network-level records and for a list or a new record not yet owned.
    pub task_force_id: Option<TaskForceId>,
    pub owner: Option<OrganizationId>,
    /// For a member's own records (their tokens): whose they are.
    pub owner_member: Option<MemberId>,
    pub label: Label,
    /// The data category of the content (for consent checks).
    pub category: Option<DataCategory>,
    pub grants: &'a [Grant],
    /// The survivors' consents that may open a victim-confidential record.
    pub consents: &'a [ConsentScope],
    /// The persons the record is about, each of whose consent it needs (empty: any consent
    /// passed in `consents` will do, as for a record about one person).
    pub subjects: &'a [PersonId],
}

impl<'a> Resource<'a> {
    /// A record of `kind` in task force `tf`, readable task-force-wide.
    pub fn in_task_force(kind: ResourceKind, tf: TaskForceId) -> Self {
        Self {
            kind,
            task_force_id: Some(tf),
            owner: None,
            owner_member: None,
            label: Label::TaskForce,
            category: None,
            grants: &[],
            consents: &[],
            subjects: &[],
        }
    }
}

/// The answer, with a reason a person understands (never revealing what is behind a denial).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub reason: &'static str,
}

impl Decision {
    const fn allow(reason: &'static str) -> Self {
        Self {
            allowed: true,
            reason,
        }
    }
    const fn deny(reason: &'static str) -> Self {
        Self {
            allowed: false,
            reason,
        }
    }
}

/// How far a role's permission reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Records of the principal's own task force.
    TaskForce,
    /// Records of any task force (the network directory).
    Network,
    /// Records the principal owns (their own tokens).
    Own,
}

/// One row of the role table: `role` may do `actions` to `kind`, within `reach`.
pub struct Permission {
    pub role: Role,
    pub kind: ResourceKind,
    pub actions: &'static [Action],
    pub reach: Reach,
}

const fn p(role: Role, kind: ResourceKind, actions: &'static [Action], reach: Reach) -> Permission {
    Permission {
        role,
        kind,
        actions,
        reach,
    }
}

use Action::*;
use ResourceKind as K;
use Role as R;

const READ: &[Action] = &[List, Read];
const WRITE: &[Action] = &[List, Read, Create, Update];
/// Working a case: everything but deleting it (cases are closed, never deleted) and sharing
/// (team grants), which [`Share`] covers for the holder.
const CASE_WORK: &[Action] = &[List, Read, Create, Update, Share];

/// The default role table (ACCESS-MODEL.md). Roles not named for a kind may do nothing to it.
pub const ROLE_PERMISSIONS: &[Permission] = &[
    // Task force structure is labelled task-force: every role reads it; the coordinator writes
    // it, the administrator keeps members and roles; network staff see the network directory.
    p(
        R::Coordinator,
        K::TaskForce,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(
        R::Administrator,
        K::TaskForce,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(R::Supervisor, K::TaskForce, READ, Reach::TaskForce),
    p(R::Investigator, K::TaskForce, READ, Reach::TaskForce),
    p(R::Prosecutor, K::TaskForce, READ, Reach::TaskForce),
    p(R::Advocate, K::TaskForce, READ, Reach::TaskForce),
    p(R::Navigator, K::TaskForce, READ, Reach::TaskForce),
    p(R::Analyst, K::TaskForce, READ, Reach::TaskForce),
    p(R::CommunityPartner, K::TaskForce, READ, Reach::TaskForce),
    p(R::Auditor, K::TaskForce, READ, Reach::TaskForce),
    p(
        R::NetworkStaff,
        K::TaskForce,
        &[List, Read, Create],
        Reach::Network,
    ),
    p(R::Coordinator, K::Region, WRITE, Reach::TaskForce),
    p(R::Administrator, K::Region, READ, Reach::TaskForce),
    p(R::Supervisor, K::Region, READ, Reach::TaskForce),
    p(R::Investigator, K::Region, READ, Reach::TaskForce),
    p(R::Prosecutor, K::Region, READ, Reach::TaskForce),
    p(R::Advocate, K::Region, READ, Reach::TaskForce),
    p(R::Navigator, K::Region, READ, Reach::TaskForce),
    p(R::Analyst, K::Region, READ, Reach::TaskForce),
    p(R::CommunityPartner, K::Region, READ, Reach::TaskForce),
    p(R::Auditor, K::Region, READ, Reach::TaskForce),
    p(R::Coordinator, K::Organization, WRITE, Reach::TaskForce),
    p(R::Administrator, K::Organization, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::Organization, READ, Reach::TaskForce),
    p(R::Investigator, K::Organization, READ, Reach::TaskForce),
    p(R::Prosecutor, K::Organization, READ, Reach::TaskForce),
    p(R::Advocate, K::Organization, READ, Reach::TaskForce),
    p(R::Navigator, K::Organization, READ, Reach::TaskForce),
    p(R::Analyst, K::Organization, READ, Reach::TaskForce),
    p(R::CommunityPartner, K::Organization, READ, Reach::TaskForce),
    p(R::Auditor, K::Organization, READ, Reach::TaskForce),
    p(R::NetworkStaff, K::Organization, READ, Reach::Network),
    p(R::Coordinator, K::Member, WRITE, Reach::TaskForce),
    p(R::Administrator, K::Member, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::Member, READ, Reach::TaskForce),
    p(R::Investigator, K::Member, READ, Reach::TaskForce),
    p(R::Prosecutor, K::Member, READ, Reach::TaskForce),
    p(R::Advocate, K::Member, READ, Reach::TaskForce),
    p(R::Navigator, K::Member, READ, Reach::TaskForce),
    p(R::Analyst, K::Member, READ, Reach::TaskForce),
    p(R::Auditor, K::Member, READ, Reach::TaskForce),
    p(R::Coordinator, K::Mou, WRITE, Reach::TaskForce),
    p(R::Administrator, K::Mou, READ, Reach::TaskForce),
    p(R::Supervisor, K::Mou, READ, Reach::TaskForce),
    p(R::Investigator, K::Mou, READ, Reach::TaskForce),
    p(R::Prosecutor, K::Mou, READ, Reach::TaskForce),
    p(R::Advocate, K::Mou, READ, Reach::TaskForce),
    p(R::Navigator, K::Mou, READ, Reach::TaskForce),
    p(R::Analyst, K::Mou, READ, Reach::TaskForce),
    p(R::Auditor, K::Mou, READ, Reach::TaskForce),
    p(R::Coordinator, K::FundingAward, WRITE, Reach::TaskForce),
    p(R::Administrator, K::FundingAward, READ, Reach::TaskForce),
    p(R::Supervisor, K::FundingAward, READ, Reach::TaskForce),
    p(R::Analyst, K::FundingAward, READ, Reach::TaskForce),
    p(R::Auditor, K::FundingAward, READ, Reach::TaskForce),
    p(R::NetworkStaff, K::FundingAward, READ, Reach::Network),
    // Administration is separated from content and from the audit trail.
    p(R::Administrator, K::Account, WRITE, Reach::TaskForce),
    p(
        R::Administrator,
        K::AccessReview,
        &[Read, Export],
        Reach::TaskForce,
    ),
    p(
        R::Auditor,
        K::AccessReview,
        &[Read, Export],
        Reach::TaskForce,
    ),
    p(
        R::Auditor,
        K::AuditLog,
        &[List, Read, Export],
        Reach::TaskForce,
    ),
    // Case content: each discipline works its own kind of case and reads the others' only as
    // far as the record's label allows (team grants, consent). Coordinators, analysts,
    // navigators, administrators and auditors see no case content by virtue of the role.
    p(
        R::Investigator,
        K::Investigation,
        CASE_WORK,
        Reach::TaskForce,
    ),
    p(R::Supervisor, K::Investigation, CASE_WORK, Reach::TaskForce),
    p(R::Prosecutor, K::Investigation, READ, Reach::TaskForce),
    p(R::Advocate, K::ServiceCase, CASE_WORK, Reach::TaskForce),
    p(R::Supervisor, K::ServiceCase, CASE_WORK, Reach::TaskForce),
    p(R::Investigator, K::ServiceCase, READ, Reach::TaskForce),
    p(R::Prosecutor, K::ServiceCase, READ, Reach::TaskForce),
    p(R::Prosecutor, K::Prosecution, CASE_WORK, Reach::TaskForce),
    p(R::Supervisor, K::Prosecution, CASE_WORK, Reach::TaskForce),
    p(R::Investigator, K::Prosecution, READ, Reach::TaskForce),
    p(R::Advocate, K::Prosecution, READ, Reach::TaskForce),
    p(R::Investigator, K::Person, CASE_WORK, Reach::TaskForce),
    p(R::Prosecutor, K::Person, CASE_WORK, Reach::TaskForce),
    p(R::Advocate, K::Person, CASE_WORK, Reach::TaskForce),
    p(R::Supervisor, K::Person, CASE_WORK, Reach::TaskForce),
    p(R::Coordinator, K::CaseReference, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::CaseReference, READ, Reach::TaskForce),
    p(R::Investigator, K::CaseReference, READ, Reach::TaskForce),
    p(R::Prosecutor, K::CaseReference, READ, Reach::TaskForce),
    p(R::Advocate, K::CaseReference, READ, Reach::TaskForce),
    p(R::Analyst, K::CaseReference, READ, Reach::TaskForce),
    // Intake (C2). Tips are labelled for the organization they are routed to: its
    // investigators, supervisors and advocates triage them. Community partners submit tips and
    // see their own submissions (status only). The coordinator keeps the instrument and the
    // routing, and sees no tip content by virtue of the role.
    p(R::Investigator, K::Tip, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::Tip, WRITE, Reach::TaskForce),
    p(R::Advocate, K::Tip, WRITE, Reach::TaskForce),
    p(
        R::CommunityPartner,
        K::Tip,
        &[List, Read, Create],
        Reach::Own,
    ),
    p(R::Investigator, K::Screening, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::Screening, WRITE, Reach::TaskForce),
    p(R::Advocate, K::Screening, WRITE, Reach::TaskForce),
    p(R::Prosecutor, K::Screening, READ, Reach::TaskForce),
    p(
        R::Coordinator,
        K::ScreeningInstrument,
        WRITE,
        Reach::TaskForce,
    ),
    p(
        R::Supervisor,
        K::ScreeningInstrument,
        READ,
        Reach::TaskForce,
    ),
    p(
        R::Investigator,
        K::ScreeningInstrument,
        READ,
        Reach::TaskForce,
    ),
    p(
        R::Prosecutor,
        K::ScreeningInstrument,
        READ,
        Reach::TaskForce,
    ),
    p(R::Advocate, K::ScreeningInstrument, READ, Reach::TaskForce),
    // The threat assessment holds only public data and aggregates. The analyst imports the
    // data and keeps the models; the partners who act on it read it; the coordinator, who
    // turns findings into outreach, writes the outreach plans and the focus industries.
    // Community partners, administrators, auditors and network staff have no part in it.
    p(
        R::Analyst,
        K::ThreatData,
        &[List, Read, Create, Export],
        Reach::TaskForce,
    ),
    p(R::Coordinator, K::ThreatData, READ, Reach::TaskForce),
    p(R::Supervisor, K::ThreatData, READ, Reach::TaskForce),
    p(R::Investigator, K::ThreatData, READ, Reach::TaskForce),
    p(R::Prosecutor, K::ThreatData, READ, Reach::TaskForce),
    p(R::Advocate, K::ThreatData, READ, Reach::TaskForce),
    p(R::Navigator, K::ThreatData, READ, Reach::TaskForce),
    p(
        R::Analyst,
        K::ThreatModel,
        &[List, Read, Create, Update, Export],
        Reach::TaskForce,
    ),
    p(
        R::Coordinator,
        K::ThreatModel,
        &[List, Read, Export],
        Reach::TaskForce,
    ),
    p(
        R::Supervisor,
        K::ThreatModel,
        &[List, Read, Export],
        Reach::TaskForce,
    ),
    p(R::Investigator, K::ThreatModel, READ, Reach::TaskForce),
    p(R::Prosecutor, K::ThreatModel, READ, Reach::TaskForce),
    p(R::Advocate, K::ThreatModel, READ, Reach::TaskForce),
    p(R::Navigator, K::ThreatModel, READ, Reach::TaskForce),
    p(R::Coordinator, K::OutreachPlan, WRITE, Reach::TaskForce),
    p(R::Analyst, K::OutreachPlan, READ, Reach::TaskForce),
    p(R::Supervisor, K::OutreachPlan, READ, Reach::TaskForce),
    p(R::Investigator, K::OutreachPlan, READ, Reach::TaskForce),
    p(R::Prosecutor, K::OutreachPlan, READ, Reach::TaskForce),
    p(R::Advocate, K::OutreachPlan, READ, Reach::TaskForce),
    p(R::Navigator, K::OutreachPlan, READ, Reach::TaskForce),
    // Sharing (C4, C7). Consents are kept by the organization that recorded them. Referrals are
    // seen by their sender, their recipient and the region's navigators (team grants on the
    // referral); a community partner sees the status of their own. Navigators and the
    // coordinator see referral metadata across their region or the task force, never who the
    // person is.
    p(R::Advocate, K::Consent, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::Consent, WRITE, Reach::TaskForce),
    p(R::Investigator, K::Consent, WRITE, Reach::TaskForce),
    p(R::Prosecutor, K::Consent, WRITE, Reach::TaskForce),
    p(R::Advocate, K::Referral, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::Referral, WRITE, Reach::TaskForce),
    p(R::Investigator, K::Referral, WRITE, Reach::TaskForce),
    p(R::Prosecutor, K::Referral, WRITE, Reach::TaskForce),
    p(
        R::Navigator,
        K::Referral,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(
        R::CommunityPartner,
        K::Referral,
        &[List, Read, Create],
        Reach::Own,
    ),
    p(
        R::Navigator,
        K::ReferralReport,
        &[List, Read, Export],
        Reach::TaskForce,
    ),
    p(
        R::Coordinator,
        K::ReferralReport,
        &[List, Read, Export],
        Reach::TaskForce,
    ),
    p(R::Advocate, K::Service, CASE_WORK, Reach::TaskForce),
    p(R::Supervisor, K::Service, CASE_WORK, Reach::TaskForce),
    p(R::Investigator, K::Service, READ, Reach::TaskForce),
    p(R::Prosecutor, K::Service, READ, Reach::TaskForce),
    p(R::Advocate, K::Interview, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::Interview, WRITE, Reach::TaskForce),
    p(R::Investigator, K::Interview, WRITE, Reach::TaskForce),
    p(R::Prosecutor, K::Interview, WRITE, Reach::TaskForce),
    p(R::Coordinator, K::CaseReview, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::CaseReview, WRITE, Reach::TaskForce),
    p(R::Investigator, K::CaseReview, WRITE, Reach::TaskForce),
    p(R::Prosecutor, K::CaseReview, WRITE, Reach::TaskForce),
    p(R::Advocate, K::CaseReview, WRITE, Reach::TaskForce),
    p(R::Navigator, K::CaseReview, READ, Reach::TaskForce),
    // Deconfliction (C5): law enforcement plans operations and works the pointers; the
    // supervisor (the commander) also exempts operations and decides on do-not-disclose hits.
    p(R::Investigator, K::Operation, WRITE, Reach::TaskForce),
    p(R::Supervisor, K::Operation, CASE_WORK, Reach::TaskForce),
    p(
        R::Investigator,
        K::Deconfliction,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(
        R::Supervisor,
        K::Deconfliction,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(
        R::Investigator,
        K::PersonMatch,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(
        R::Prosecutor,
        K::PersonMatch,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(
        R::Advocate,
        K::PersonMatch,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(
        R::Supervisor,
        K::PersonMatch,
        &[List, Read, Update],
        Reach::TaskForce,
    ),
    p(
        R::Coordinator,
        K::VictimCount,
        &[Read, Export],
        Reach::TaskForce,
    ),
    p(
        R::Analyst,
        K::VictimCount,
        &[Read, Export],
        Reach::TaskForce,
    ),
    p(R::Supervisor, K::VictimCount, &[Read], Reach::TaskForce),
];

/// Every member may keep their own API tokens, whatever their role.
const OWN_TOKENS: &[Action] = &[List, Read, Create, Delete];
/// Every member reads their own notifications and marks them read.
const OWN_INBOX: &[Action] = &[List, Read, Update];

/// The permission rows of one role for one kind (the table, plus own tokens for every role).
pub fn permissions(role: Role, kind: ResourceKind) -> impl Iterator<Item = Permission> {
    let table = ROLE_PERMISSIONS
        .iter()
        .filter(move |perm| perm.role == role && perm.kind == kind)
        .map(|perm| Permission {
            role: perm.role,
            kind: perm.kind,
            actions: perm.actions,
            reach: perm.reach,
        });
    let own = match kind {
        K::ApiToken => Some(p(role, kind, OWN_TOKENS, Reach::Own)),
        K::Notification => Some(p(role, kind, OWN_INBOX, Reach::Own)),
        _ => None,
    };
    table.chain(own)
}

/// Decides whether `principal` may do `action` to `resource` at `now`.
pub fn decide(
    principal: &Principal,
    action: Action,
    resource: &Resource<'_>,
    now: DateTime<Utc>,
) -> Decision {
    if !principal.strong {
        return Decision::deny("Finish signing in with your second factor first.");
    }
    let reach = principal
        .roles
        .iter()
        .flat_map(|role| permissions(*role, resource.kind))
        .filter(|perm| perm.actions.contains(&action))
        .map(|perm| perm.reach)
        .fold(None, |best, reach| match (best, reach) {
            (_, Reach::Network) | (Some(Reach::Network), _) => Some(Reach::Network),
            (_, Reach::TaskForce) | (Some(Reach::TaskForce), _) => Some(Reach::TaskForce),
            _ => Some(Reach::Own),
        });
    let Some(reach) = reach else {
        return Decision::deny(
            "Your role does not include this. Ask your task force coordinator if you need it.",
        );
    };
    match (reach, resource.task_force_id) {
        (Reach::Network, _) | (_, None) => {}
        (_, Some(tf)) if tf == principal.task_force_id => {}
        _ => return Decision::deny("This belongs to another task force."),
    }
    if reach == Reach::Own {
        match resource.owner_member {
            Some(member) if member != principal.member_id => {
                return Decision::deny("This belongs to someone else.");
            }
            // What the principal submitted themselves (a partner's own tip): theirs to see,
            // whichever organization holds it now.
            Some(_) => return Decision::allow("You submitted this."),
            None => {}
        }
    }
    label_allows(principal, resource, now)
}

fn granted(principal: &Principal, grants: &[Grant], now: DateTime<Utc>) -> bool {
    grants.iter().any(|g| {
        g.until.is_none_or(|end| now < end)
            && match g.to {
                Grantee::Organization(org) => org == principal.organization_id,
                Grantee::Member(member) => member == principal.member_id,
            }
    })
}

fn label_allows(principal: &Principal, resource: &Resource<'_>, now: DateTime<Utc>) -> Decision {
    let own = resource
        .owner
        .is_none_or(|owner| owner == principal.organization_id);
    match resource.label {
        Label::TaskForce => Decision::allow("Shared with the whole task force."),
        Label::Organization if own || granted(principal, resource.grants, now) => {
            Decision::allow("Your organization holds this record or is on its team.")
        }
        Label::Organization => {
            Decision::deny("Held by another organization and shared only with its team.")
        }
        Label::LawEnforcementSensitive => {
            let excluded = matches!(
                principal.organization_kind,
                OrganizationKind::VictimServiceProvider | OrganizationKind::CommunityPartner
            );
            if excluded {
                Decision::deny("Law-enforcement sensitive: shown only to the agency that holds it and those it grants.")
            } else if own || granted(principal, resource.grants, now) {
                Decision::allow("Your agency holds this record or was granted it.")
            } else {
                Decision::deny("Law-enforcement sensitive: shown only to the agency that holds it and those it grants.")
            }
        }
        Label::VictimConfidential => {
            let consented = resource.category.is_some_and(|c| {
                let covered = |person: Option<PersonId>| {
                    resource.consents.iter().any(|consent| {
                        person.is_none_or(|p| consent.person == p)
                            && consent.covers(principal, c, now)
                    })
                };
                if resource.subjects.is_empty() {
                    covered(None)
                } else {
                    resource.subjects.iter().all(|p| covered(Some(*p)))
                }
            });
            if resource.owner == Some(principal.organization_id) {
                Decision::allow(
                    "Your organization is the victim service provider that holds this record.",
                )
            } else if consented {
                Decision::allow("Shared under the survivor's consent.")
            } else {
                Decision::deny(
                    "Held by a victim service provider; shared only with the survivor's consent.",
                )
            }
        }
        Label::Restricted => {
            let named = resource.grants.iter().any(|g| {
                g.until.is_none_or(|end| now < end) && g.to == Grantee::Member(principal.member_id)
            });
            if named {
                Decision::allow("You are named on this restricted record.")
            } else {
                Decision::deny("Restricted to named members.")
            }
        }
    }
}

/// What a principal may see of records of some kinds, as data a query can apply inside the
/// database (lists and search): the same rules as [`decide`] and [`label_allows`], stated for a
/// set of rows rather than one. The store turns it into SQL; the conformance suite checks the
/// two agree row by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visibility {
    pub task_force_id: TaskForceId,
    pub organization_id: OrganizationId,
    pub member_id: MemberId,
    /// Kinds whose `action` the principal's roles allow in their task force.
    pub kinds: Vec<ResourceKind>,
    /// Victim service providers and community partners never see law-enforcement-sensitive rows.
    pub law_enforcement_excluded: bool,
    /// Team grants run to the end of their last day: a grant is live while `until >= today`.
    pub today: chrono::NaiveDate,
    /// The moment of access, at which a consent must be live.
    pub now: DateTime<Utc>,
    /// The principal's roles in the acting organization (a consent may name roles).
    pub roles: Vec<Role>,
}

impl Visibility {
    /// `None` when the principal may not `action` any of `kinds` (or has not finished signing in).
    pub fn of(
        principal: &Principal,
        action: Action,
        kinds: &[ResourceKind],
        now: DateTime<Utc>,
    ) -> Option<Self> {
        if !principal.strong {
            return None;
        }
        let kinds: Vec<ResourceKind> = kinds
            .iter()
            .copied()
            .filter(|kind| {
                principal.roles.iter().any(|role| {
                    permissions(*role, *kind)
                        .any(|perm| perm.actions.contains(&action) && perm.reach != Reach::Own)
                })
            })
            .collect();
        (!kinds.is_empty()).then(|| Self {
            task_force_id: principal.task_force_id,
            organization_id: principal.organization_id,
            member_id: principal.member_id,
            kinds,
            law_enforcement_excluded: matches!(
                principal.organization_kind,
                OrganizationKind::VictimServiceProvider | OrganizationKind::CommunityPartner
            ),
            today: now.date_naive(),
            now,
            roles: principal.roles.clone(),
        })
    }
}

/// A team grant's last day as the moment it stops (the start of the next day, UTC).
pub fn grant_end(until: chrono::NaiveDate) -> DateTime<Utc> {
    until
        .succ_opt()
        .unwrap_or(until)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
}

#[cfg(test)]
mod tests;
