//! Cases, persons and their identifiers (capability C3): investigations, service cases and
//! prosecutions linked to one another, the people in them, notes with sensitivity labels,
//! tasks, a timeline, attachments, charges, court events, sentences and immigration relief.
//!
//! Lists that a task force may edit (the typology, state statutes) ship as defaults here and are
//! extended as data; the codes that the policy and the reports depend on are enums.

use crate::access::{DataCategory, Label, ResourceKind};
use crate::ids::*;
use crate::structure::{code_enum, max_len, optional_date, OrganizationKind, Valid, LONG_TEXT};
use crate::validation::Invalid;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

code_enum!(
    /// The three kinds of case, each held by the kind of partner whose work it records.
    CaseKind {
        Investigation = "investigation", "Investigation";
        ServiceCase = "service_case", "Service case";
        Prosecution = "prosecution", "Prosecution";
    }
);

impl CaseKind {
    /// The kind of record the access policy knows this case as.
    pub fn resource_kind(self) -> ResourceKind {
        match self {
            Self::Investigation => ResourceKind::Investigation,
            Self::ServiceCase => ResourceKind::ServiceCase,
            Self::Prosecution => ResourceKind::Prosecution,
        }
    }

    /// ACCESS-MODEL.md defaults: investigations law-enforcement sensitive, service cases
    /// victim-confidential, prosecutions the prosecutor's office.
    pub fn default_label(self) -> Label {
        match self {
            Self::Investigation => Label::LawEnforcementSensitive,
            Self::ServiceCase => Label::VictimConfidential,
            Self::Prosecution => Label::Organization,
        }
    }

    /// The prefix of the case's reference number.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Investigation => "INV",
            Self::ServiceCase => "SVC",
            Self::Prosecution => "PRS",
        }
    }

    /// Whether an organization of `kind` holds cases of this kind.
    pub fn held_by(self, kind: OrganizationKind) -> bool {
        match self {
            Self::Investigation => kind.is_law_enforcement(),
            Self::ServiceCase => kind == OrganizationKind::VictimServiceProvider,
            Self::Prosecution => matches!(
                kind,
                OrganizationKind::FederalProsecutor | OrganizationKind::StateProsecutor
            ),
        }
    }

    pub fn holder_words(self) -> &'static str {
        match self {
            Self::Investigation => "a law enforcement agency",
            Self::ServiceCase => "a victim service provider",
            Self::Prosecution => "a prosecutor's office",
        }
    }
}

code_enum!(
    /// Where a case stands (HTCDS `cas_Status`, with an intake stage before it is worked).
    CaseStatus {
        Open = "open", "Open";
        Active = "active", "Active";
        FollowUp = "follow_up", "Follow-up";
        Closed = "closed", "Closed";
        ClosedReferred = "closed_referred", "Closed, referred on";
    }
);

impl CaseStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Closed | Self::ClosedReferred)
    }

    /// The workflow: forward through active and follow-up to closed; a closed case may be
    /// reopened (to active), never silently back to open.
    pub fn may_become(self, next: CaseStatus) -> bool {
        use CaseStatus::*;
        self == next
            || matches!(
                (self, next),
                (Open, Active | FollowUp | Closed | ClosedReferred)
                    | (Active, FollowUp | Closed | ClosedReferred)
                    | (FollowUp, Active | Closed | ClosedReferred)
                    | (Closed | ClosedReferred, Active)
            )
    }
}

code_enum!(
    TraffickingType {
        Sex = "sex", "Sex trafficking";
        Labor = "labor", "Labor trafficking";
        Both = "both", "Sex and labor trafficking";
        Unknown = "unknown", "Not yet known";
    }
);

code_enum!(
    /// A person's part in a case.
    PersonRole {
        Victim = "victim", "Survivor / person who was trafficked";
        Suspect = "suspect", "Suspect";
        Witness = "witness", "Witness";
        Other = "other", "Other";
    }
);

code_enum!(
    /// HTCDS `prs_Gender`.
    Gender {
        Feminine = "feminine", "Woman / feminine";
        Masculine = "masculine", "Man / masculine";
        TransgenderFeminine = "transgender_feminine", "Transgender woman";
        TransgenderMasculine = "transgender_masculine", "Transgender man";
        NonConforming = "non_conforming", "Non-binary / gender non-conforming";
        NonSpecifiedUnknown = "unknown", "Not specified";
    }
);

code_enum!(
    Sex {
        Female = "female", "Female";
        Male = "male", "Male";
        Intersex = "intersex", "Intersex";
        Unknown = "unknown", "Not recorded";
    }
);

code_enum!(
    /// HTCDS `vic_TraffickingStatus`: possible and confirmed victims are kept apart.
    TraffickingStatus {
        Possible = "possible", "Possible victim of trafficking";
        Confirmed = "confirmed", "Confirmed victim of trafficking";
        NotTrafficked = "not_trafficked", "Not a victim of trafficking";
    }
);

code_enum!(
    /// HTCDS `per_RoleInProcess`.
    PerpetratorRole {
        Recruiter = "recruiter", "Recruiter or intermediary";
        Transporter = "transporter", "Transporter";
        Exploiter = "exploiter", "Exploiter";
        Smuggler = "smuggler", "Smuggler";
        Kidnapper = "kidnapper", "Kidnapper";
        Buyer = "buyer", "Buyer of commercial sex";
        Other = "other", "Other";
    }
);

code_enum!(
    /// The kinds of identifier kept on a person; target deconfliction reads them.
    IdentifierKind {
        Alias = "alias", "Name or alias";
        Phone = "phone", "Phone";
        Email = "email", "E-mail";
        Address = "address", "Address";
        Vehicle = "vehicle", "Vehicle";
        Social = "social", "Social media handle";
        Business = "business", "Associated business";
    }
);

code_enum!(
    TaskStatus {
        Open = "open", "Open";
        Done = "done", "Done";
        Cancelled = "cancelled", "Cancelled";
    }
);

code_enum!(
    /// Where a charge stands (DOMAIN.md: which charges, at what stage).
    ChargeStage {
        Charged = "charged", "Charged";
        Amended = "amended", "Amended";
        Dismissed = "dismissed", "Dismissed";
        Pleaded = "pleaded", "Pleaded";
        Convicted = "convicted", "Convicted";
        Acquitted = "acquitted", "Acquitted";
    }
);

code_enum!(
    CourtEventKind {
        InitialAppearance = "initial_appearance", "Initial appearance";
        Indictment = "indictment", "Indictment";
        Arraignment = "arraignment", "Arraignment";
        Hearing = "hearing", "Hearing";
        PleaHearing = "plea_hearing", "Plea hearing";
        Trial = "trial", "Trial";
        Sentencing = "sentencing", "Sentencing";
        Other = "other", "Other";
    }
);

code_enum!(
    /// Immigration relief that law enforcement takes part in (DOMAIN.md).
    ReliefKind {
        ContinuedPresence = "continued_presence", "Continued Presence";
        TVisaDeclaration = "t_visa_declaration", "T visa declaration (I-914 Supplement B)";
        UVisaCertification = "u_visa_certification", "U visa certification (I-918 Supplement B)";
    }
);

code_enum!(
    ReliefOutcome {
        Pending = "pending", "Pending";
        Granted = "granted", "Granted / signed";
        Denied = "denied", "Denied / declined";
        Withdrawn = "withdrawn", "Withdrawn";
    }
);

/// The Polaris typology (DOMAIN.md): the default list; a task force renames or retires entries
/// as data.
pub const DEFAULT_TYPOLOGY: [(u8, &str); 25] = [
    (1, "Escort Services"),
    (2, "Illicit Massage, Health & Beauty"),
    (3, "Outdoor Solicitation"),
    (4, "Residential"),
    (5, "Domestic Work"),
    (6, "Bars, Strip Clubs & Cantinas"),
    (7, "Pornography"),
    (8, "Traveling Sales Crews"),
    (9, "Restaurants & Food Service"),
    (10, "Peddling & Begging"),
    (11, "Agriculture & Animal Husbandry"),
    (12, "Personal Sexual Servitude"),
    (13, "Health & Beauty Services"),
    (14, "Construction"),
    (15, "Hotels & Hospitality"),
    (16, "Landscaping"),
    (17, "Illicit Activities"),
    (18, "Arts & Entertainment"),
    (19, "Commercial Cleaning"),
    (20, "Factories & Manufacturing"),
    (21, "Remote Interactive Sexual Acts"),
    (22, "Carnivals"),
    (23, "Forestry & Logging"),
    (24, "Health Care"),
    (25, "Recreational Facilities"),
];

/// The federal trafficking statutes (DOMAIN.md); state statutes are added per task force.
pub const FEDERAL_STATUTES: [(&str, &str); 7] = [
    ("18 U.S.C. 1581", "Peonage"),
    ("18 U.S.C. 1584", "Involuntary servitude"),
    ("18 U.S.C. 1589", "Forced labor"),
    (
        "18 U.S.C. 1590",
        "Trafficking with respect to peonage, slavery, involuntary servitude or forced labor",
    ),
    (
        "18 U.S.C. 1591",
        "Sex trafficking of children or by force, fraud, or coercion",
    ),
    ("18 U.S.C. 1592", "Document servitude"),
    ("18 U.S.C. 1594", "Attempt and conspiracy"),
];

/// HTCDS-aligned victim context lists (codes and words).
pub const RECRUITMENT_METHODS: &[(&str, &str)] = &[
    ("job_offer", "False job offer"),
    (
        "intimate_partner",
        "Intimate partner or marriage proposition",
    ),
    ("family", "Family member"),
    ("online", "Online contact"),
    ("abduction", "Abduction"),
    ("migration_help", "Offer of help to migrate"),
    ("other", "Other"),
];
pub const MEANS_OF_CONTROL: &[(&str, &str)] = &[
    ("debt_bondage", "Debt bondage"),
    ("documents_withheld", "Documents withheld"),
    ("threats", "Threats to the person or family"),
    ("physical_violence", "Physical violence"),
    ("sexual_violence", "Sexual violence"),
    ("isolation", "Isolation or confinement"),
    ("substances", "Substances given or withheld"),
    ("wages_withheld", "Wages withheld"),
    ("immigration_threats", "Threats about immigration status"),
    ("emotional_abuse", "Emotional abuse"),
    ("other", "Other"),
];
pub const EXPLOITATION_TYPES: &[(&str, &str)] = &[
    ("sexual_exploitation", "Sexual exploitation"),
    ("forced_labour", "Forced labor"),
    ("child_labour", "Child labor"),
    ("domestic_servitude", "Domestic servitude"),
    ("forced_marriage", "Forced marriage"),
    ("forced_begging", "Forced begging"),
    ("forced_criminality", "Forced criminal activity"),
    ("other", "Other"),
];
pub const VULNERABILITIES: &[(&str, &str)] = &[
    ("migration_status", "Immigration status"),
    ("substance_use", "Substance use"),
    ("housing_instability", "Housing instability"),
    ("runaway_homeless_youth", "Runaway or homeless youth"),
    ("child_welfare", "Child welfare involvement"),
    ("disability", "Disability"),
    ("mental_health", "Mental health"),
    ("economic_hardship", "Economic hardship"),
    ("language", "Language barrier"),
    ("other", "Other"),
];

/// A date of birth or event date that may be known only to the year or month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl PartialDate {
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let parts: Vec<&str> = text.trim().split('-').collect();
        let number = |s: &str, len: usize| {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        let year = number(parts.first()?, 4)? as i32;
        if !(1900..=2100).contains(&year) {
            return None;
        }
        match parts.len() {
            1 => Some(Self {
                year,
                month: None,
                day: None,
            }),
            2 => {
                let month = number(parts[1], 2).filter(|m| (1..=12).contains(m))?;
                Some(Self {
                    year,
                    month: Some(month),
                    day: None,
                })
            }
            3 => {
                let month = number(parts[1], 2)?;
                let day = number(parts[2], 2)?;
                NaiveDate::from_ymd_opt(year, month, day)?;
                Some(Self {
                    year,
                    month: Some(month),
                    day: Some(day),
                })
            }
            _ => None,
        }
    }

    /// Whether the person was under 18 on `on`; `None` when the date is too vague to say.
    pub fn minor_on(&self, on: NaiveDate) -> Option<bool> {
        let age_years = on.year() - self.year;
        match (self.month, self.day) {
            (Some(m), Some(d)) => {
                let birthday_passed = (on.month(), on.day()) >= (m, d);
                Some(age_years - i32::from(!birthday_passed) < 18)
            }
            _ if age_years > 18 => Some(false),
            _ if age_years < 18 => Some(true),
            _ => None,
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => write!(f, "{:04}-{m:02}", self.year),
            _ => write!(f, "{:04}", self.year),
        }
    }
}

fn optional_partial_date(invalid: &mut Invalid, field: &str, value: &str) -> Option<PartialDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = PartialDate::parse(value);
    if parsed.is_none() {
        invalid.add(
            field,
            "must be a date written YYYY-MM-DD, or YYYY-MM or YYYY when only part is known",
        );
    }
    parsed
}

fn codes_from(
    invalid: &mut Invalid,
    field: &str,
    values: &[String],
    allowed: &[(&str, &str)],
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if !allowed.iter().any(|(code, _)| *code == value) {
            invalid.add(
                format!("{field}[{i}]"),
                format!("{value:?} is not on the list"),
            );
        } else if !out.iter().any(|v| v == value) {
            out.push(value.to_owned());
        }
    }
    out
}

/// The words for a code of one of the lists above.
pub fn words_for<'a>(list: &'a [(&'a str, &'a str)], code: &'a str) -> &'a str {
    list.iter()
        .find(|(c, _)| *c == code)
        .map(|(_, w)| *w)
        .unwrap_or(code)
}

/// A NAICS code: 2 to 6 digits (sector to national industry).
fn optional_naics(invalid: &mut Invalid, field: &str, value: &str) -> String {
    let value = value.trim();
    if !value.is_empty()
        && (!(2..=6).contains(&value.len()) || !value.bytes().all(|b| b.is_ascii_digit()))
    {
        invalid.add(
            field,
            "must be a NAICS code of 2 to 6 digits, such as 112120",
        );
    }
    value.to_owned()
}

// ---------------------------------------------------------------------------------------------
// Cases

/// A case as stored. Its narrative summary is kept encrypted; `summary` is the plaintext the
/// reader was allowed to see (empty when the reader may not).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: CaseId,
    pub task_force_id: TaskForceId,
    pub kind: CaseKind,
    /// `INV-2026-0001`: unique in the task force.
    pub reference: String,
    pub title: String,
    pub owner_organization_id: OrganizationId,
    pub label: Label,
    pub status: CaseStatus,
    pub trafficking_type: TraffickingType,
    pub typology: Option<u8>,
    pub naics: String,
    pub county_fips: String,
    pub minors_involved: bool,
    pub summary: String,
    pub lead_member_id: Option<MemberId>,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub recruitment_place: String,
    pub recruitment_on: Option<PartialDate>,
    pub transit_place: String,
    pub exploitation_place: String,
    pub exploitation_from: Option<PartialDate>,
    pub exploitation_to: Option<PartialDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CaseInput {
    pub kind: Option<CaseKind>,
    pub title: String,
    /// Defaults to the kind's label (ACCESS-MODEL.md).
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub status: Option<CaseStatus>,
    #[serde(default)]
    pub trafficking_type: Option<TraffickingType>,
    #[serde(default)]
    pub typology: Option<u8>,
    #[serde(default)]
    pub naics: String,
    #[serde(default)]
    pub county_fips: String,
    #[serde(default)]
    pub minors_involved: bool,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub lead_member_id: Option<MemberId>,
    #[serde(default)]
    pub opened_on: Option<String>,
    #[serde(default)]
    pub closed_on: Option<String>,
    #[serde(default)]
    pub recruitment_place: String,
    #[serde(default)]
    pub recruitment_on: String,
    #[serde(default)]
    pub transit_place: String,
    #[serde(default)]
    pub exploitation_place: String,
    #[serde(default)]
    pub exploitation_from: String,
    #[serde(default)]
    pub exploitation_to: String,
}

/// What a case is checked against.
pub struct CaseContext<'a> {
    pub owner_kind: OrganizationKind,
    pub counties: &'a [String],
    /// Typology numbers in use in the task force.
    pub typology: &'a [u8],
    /// Members of the owning organization (a case's lead is one of them).
    pub owner_members: &'a [MemberId],
    /// The stored status, when updating.
    pub current_status: Option<CaseStatus>,
    pub today: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaseFields {
    pub kind: CaseKind,
    pub title: String,
    pub label: Label,
    pub status: CaseStatus,
    pub trafficking_type: TraffickingType,
    pub typology: Option<u8>,
    pub naics: String,
    pub county_fips: String,
    pub minors_involved: bool,
    pub summary: String,
    pub lead_member_id: Option<MemberId>,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub recruitment_place: String,
    pub recruitment_on: Option<PartialDate>,
    pub transit_place: String,
    pub exploitation_place: String,
    pub exploitation_from: Option<PartialDate>,
    pub exploitation_to: Option<PartialDate>,
}

/// Labels a case of `kind` may carry: its default, or a stricter one the holder chooses.
pub fn labels_for(kind: CaseKind) -> &'static [Label] {
    match kind {
        CaseKind::Investigation => &[
            Label::LawEnforcementSensitive,
            Label::Organization,
            Label::Restricted,
        ],
        CaseKind::ServiceCase => &[Label::VictimConfidential, Label::Restricted],
        CaseKind::Prosecution => &[
            Label::Organization,
            Label::LawEnforcementSensitive,
            Label::Restricted,
        ],
    }
}

impl CaseInput {
    pub fn validate(self, context: &CaseContext<'_>) -> Result<Valid<CaseFields>, Invalid> {
        let mut invalid = Invalid::default();
        let kind = match self.kind {
            Some(kind) => kind,
            None => {
                invalid.add("kind", "is required");
                CaseKind::Investigation
            }
        };
        if self.kind.is_some() && !kind.held_by(context.owner_kind) {
            invalid.add(
                "kind",
                format!(
                    "{} cases are held by {}; your organization is: {}",
                    kind.label(),
                    kind.holder_words(),
                    context.owner_kind.label().to_lowercase()
                ),
            );
        }
        let title = invalid.required_text("title", &self.title, max_len());
        let label = match self
            .label
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => kind.default_label(),
            Some(code) => match Label::from_code(code) {
                Some(label) if labels_for(kind).contains(&label) => label,
                _ => {
                    invalid.add(
                        "label",
                        format!(
                            "{} cases may be labelled: {}",
                            kind.label(),
                            labels_for(kind)
                                .iter()
                                .map(|l| l.words())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    kind.default_label()
                }
            },
        };
        let status = self.status.unwrap_or(CaseStatus::Open);
        if let Some(current) = context.current_status {
            if !current.may_become(status) {
                invalid.add(
                    "status",
                    format!(
                        "a case that is {} cannot become {}",
                        current.label().to_lowercase(),
                        status.label().to_lowercase()
                    ),
                );
            }
        }
        if let Some(number) = self.typology {
            if !context.typology.contains(&number) {
                invalid.add("typology", "must be a type of the task force's typology");
            }
        }
        let naics = optional_naics(&mut invalid, "naics", &self.naics);
        let county_fips = self.county_fips.trim().to_owned();
        if !county_fips.is_empty() && !context.counties.contains(&county_fips) {
            invalid.add("county_fips", "must be a county of this task force");
        }
        let summary = invalid.optional_text("summary", &self.summary, 20_000);
        if let Some(lead) = self.lead_member_id {
            if !context.owner_members.contains(&lead) {
                invalid.add(
                    "lead_member_id",
                    "must be a member of the organization that holds the case",
                );
            }
        }
        let opened_on =
            optional_date(&mut invalid, "opened_on", &self.opened_on).unwrap_or(context.today);
        if opened_on > context.today {
            invalid.add("opened_on", "must not be in the future");
        }
        let mut closed_on = optional_date(&mut invalid, "closed_on", &self.closed_on);
        if status.is_closed() {
            closed_on = closed_on.or(Some(context.today));
        } else if closed_on.is_some() {
            invalid.add("closed_on", "is set only when the case is closed");
        }
        if closed_on.is_some_and(|closed| closed < opened_on) {
            invalid.add("closed_on", "must not be before the case was opened");
        }
        let recruitment_place =
            invalid.optional_text("recruitment_place", &self.recruitment_place, max_len());
        let recruitment_on =
            optional_partial_date(&mut invalid, "recruitment_on", &self.recruitment_on);
        let transit_place = invalid.optional_text("transit_place", &self.transit_place, max_len());
        let exploitation_place =
            invalid.optional_text("exploitation_place", &self.exploitation_place, max_len());
        let exploitation_from =
            optional_partial_date(&mut invalid, "exploitation_from", &self.exploitation_from);
        let exploitation_to =
            optional_partial_date(&mut invalid, "exploitation_to", &self.exploitation_to);
        if let (Some(from), Some(to)) = (exploitation_from, exploitation_to) {
            if to.year < from.year {
                invalid.add("exploitation_to", "must not be before exploitation began");
            }
        }
        invalid.finish(Valid(CaseFields {
            kind,
            title,
            label,
            status,
            trafficking_type: self.trafficking_type.unwrap_or(TraffickingType::Unknown),
            typology: self.typology,
            naics,
            county_fips,
            minors_involved: self.minors_involved,
            summary,
            lead_member_id: self.lead_member_id,
            opened_on,
            closed_on,
            recruitment_place,
            recruitment_on,
            transit_place,
            exploitation_place,
            exploitation_from,
            exploitation_to,
        }))
    }
}

/// A case on a list: what the reader may see of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseSummary {
    pub id: CaseId,
    pub kind: CaseKind,
    pub reference: String,
    pub title: String,
    pub owner_organization_id: OrganizationId,
    pub owner_organization_name: String,
    pub label: Label,
    pub status: CaseStatus,
    pub trafficking_type: TraffickingType,
    pub opened_on: NaiveDate,
}

/// A team grant: another organization or one member given access to a case until a date.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamGrant {
    pub id: GrantId,
    pub organization_id: Option<OrganizationId>,
    pub member_id: Option<MemberId>,
    pub until: Option<NaiveDate>,
    pub granted_by: MemberId,
    pub granted_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TeamGrantInput {
    #[serde(default)]
    pub organization_id: Option<OrganizationId>,
    #[serde(default)]
    pub member_id: Option<MemberId>,
    #[serde(default)]
    pub until: Option<String>,
}

/// A checked team grant: one organization or one member, until a day (inclusive).
pub type TeamGrantFields = (Option<OrganizationId>, Option<MemberId>, Option<NaiveDate>);

impl TeamGrantInput {
    pub fn validate(
        self,
        organizations: &[OrganizationId],
        members: &[MemberId],
        today: NaiveDate,
    ) -> Result<Valid<TeamGrantFields>, Invalid> {
        let mut invalid = Invalid::default();
        match (self.organization_id, self.member_id) {
            (Some(_), Some(_)) | (None, None) => {
                invalid.add("organization_id", "choose one organization or one member")
            }
            (Some(org), None) if !organizations.contains(&org) => invalid.add(
                "organization_id",
                "must be an organization of this task force",
            ),
            (None, Some(member)) if !members.contains(&member) => {
                invalid.add("member_id", "must be a member of this task force")
            }
            _ => {}
        }
        let until = optional_date(&mut invalid, "until", &self.until);
        if until.is_some_and(|u| u < today) {
            invalid.add("until", "must not be in the past");
        }
        invalid.finish(Valid((self.organization_id, self.member_id, until)))
    }
}

// ---------------------------------------------------------------------------------------------
// Persons

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub id: PersonId,
    pub task_force_id: TaskForceId,
    pub owner_organization_id: OrganizationId,
    /// The label of the case the person was first entered on (a survivor in a service case is
    /// victim-confidential).
    pub label: Label,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<PartialDate>,
    pub sex: Sex,
    pub gender: Gender,
    /// ISO 3166-1 alpha-2 country codes.
    pub nationality: Vec<String>,
    pub languages: Vec<String>,
    pub trafficking_status: Option<TraffickingStatus>,
    pub recruitment: Vec<String>,
    pub means_of_control: Vec<String>,
    pub exploitation_types: Vec<String>,
    pub exploitation_naics: String,
    pub vulnerabilities: Vec<String>,
    pub perpetrator_role: Option<PerpetratorRole>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Person {
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.given_name, self.family_name);
        let name = name.trim();
        if name.is_empty() {
            "Name not recorded".to_owned()
        } else {
            name.to_owned()
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub date_of_birth: String,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default)]
    pub gender: Option<Gender>,
    #[serde(default)]
    pub nationality: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub trafficking_status: Option<TraffickingStatus>,
    #[serde(default)]
    pub recruitment: Vec<String>,
    #[serde(default)]
    pub means_of_control: Vec<String>,
    #[serde(default)]
    pub exploitation_types: Vec<String>,
    #[serde(default)]
    pub exploitation_naics: String,
    #[serde(default)]
    pub vulnerabilities: Vec<String>,
    #[serde(default)]
    pub perpetrator_role: Option<PerpetratorRole>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PersonFields {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<PartialDate>,
    pub sex: Sex,
    pub gender: Gender,
    pub nationality: Vec<String>,
    pub languages: Vec<String>,
    pub trafficking_status: Option<TraffickingStatus>,
    pub recruitment: Vec<String>,
    pub means_of_control: Vec<String>,
    pub exploitation_types: Vec<String>,
    pub exploitation_naics: String,
    pub vulnerabilities: Vec<String>,
    pub perpetrator_role: Option<PerpetratorRole>,
}

impl PersonInput {
    pub fn validate(self, today: NaiveDate) -> Result<Valid<PersonFields>, Invalid> {
        let mut invalid = Invalid::default();
        let given_name = invalid.optional_text("given_name", &self.given_name, max_len());
        let family_name = invalid.optional_text("family_name", &self.family_name, max_len());
        let date_of_birth =
            optional_partial_date(&mut invalid, "date_of_birth", &self.date_of_birth);
        if date_of_birth.is_some_and(|d| d.year > today.year()) {
            invalid.add("date_of_birth", "must not be in the future");
        }
        let mut nationality = Vec::new();
        for (i, code) in self.nationality.iter().enumerate() {
            let code = code.trim().to_ascii_uppercase();
            if code.is_empty() {
                continue;
            }
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                invalid.add(
                    format!("nationality[{i}]"),
                    "must be a two-letter country code (ISO 3166), such as MX",
                );
            } else if !nationality.contains(&code) {
                nationality.push(code);
            }
        }
        let mut languages = Vec::new();
        for (i, language) in self.languages.iter().enumerate() {
            let language = invalid.optional_text(&format!("languages[{i}]"), language, 60);
            if !language.is_empty() && !languages.contains(&language) {
                languages.push(language);
            }
        }
        let recruitment = codes_from(
            &mut invalid,
            "recruitment",
            &self.recruitment,
            RECRUITMENT_METHODS,
        );
        let means_of_control = codes_from(
            &mut invalid,
            "means_of_control",
            &self.means_of_control,
            MEANS_OF_CONTROL,
        );
        let exploitation_types = codes_from(
            &mut invalid,
            "exploitation_types",
            &self.exploitation_types,
            EXPLOITATION_TYPES,
        );
        let vulnerabilities = codes_from(
            &mut invalid,
            "vulnerabilities",
            &self.vulnerabilities,
            VULNERABILITIES,
        );
        let exploitation_naics =
            optional_naics(&mut invalid, "exploitation_naics", &self.exploitation_naics);
        invalid.finish(Valid(PersonFields {
            given_name,
            family_name,
            date_of_birth,
            sex: self.sex.unwrap_or(Sex::Unknown),
            gender: self.gender.unwrap_or(Gender::NonSpecifiedUnknown),
            nationality,
            languages,
            trafficking_status: self.trafficking_status,
            recruitment,
            means_of_control,
            exploitation_types,
            exploitation_naics,
            vulnerabilities,
            perpetrator_role: self.perpetrator_role,
        }))
    }
}

/// A person's part in a case.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CasePerson {
    pub case_id: CaseId,
    pub person_id: PersonId,
    pub role: PersonRole,
    pub added_at: DateTime<Utc>,
}

/// An identifier kept on a person, with who entered it and when.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identifier {
    pub id: IdentifierId,
    pub person_id: PersonId,
    pub kind: IdentifierKind,
    /// As entered (normalised where the kind has a standard form, such as E.164 phones).
    pub value: String,
    /// The comparison form (lower case, no punctuation) deconfliction and linkage read.
    pub normalized: String,
    pub entered_by: MemberId,
    pub entered_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentifierInput {
    pub kind: Option<IdentifierKind>,
    pub value: String,
}

/// Normalises a phone number to E.164; numbers without a country code are read as U.S. numbers.
pub fn phone_e164(value: &str) -> Option<String> {
    let value = value.trim();
    let plus = value.starts_with('+') || value.starts_with("00");
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed {
        return None;
    }
    let mut digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if value.starts_with("00") {
        digits.drain(..2);
    }
    let e164 = if plus {
        digits
    } else if digits.len() == 10 {
        format!("1{digits}")
    } else if digits.len() == 11 && digits.starts_with('1') {
        digits
    } else {
        return None;
    };
    let valid = (8..=15).contains(&e164.len())
        && !e164.starts_with('0')
        && !(e164.starts_with('1') && e164.len() != 11);
    valid.then(|| format!("+{e164}"))
}

/// The comparison form of an identifier: lower case, letters and digits only (spaces between
/// words), and for phones the E.164 digits.
pub fn normalize_identifier(kind: IdentifierKind, value: &str) -> String {
    match kind {
        IdentifierKind::Phone => phone_e164(value).unwrap_or_default(),
        IdentifierKind::Email => value.trim().to_lowercase(),
        IdentifierKind::Social => value.trim().trim_start_matches('@').to_lowercase(),
        IdentifierKind::Vehicle => value
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_uppercase(),
        _ => value
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

impl IdentifierInput {
    pub fn validate(self) -> Result<Valid<(IdentifierKind, String, String)>, Invalid> {
        let mut invalid = Invalid::default();
        let Some(kind) = self.kind else {
            return Err(Invalid::one("kind", "is required"));
        };
        let mut value = invalid.required_text("value", &self.value, max_len());
        match kind {
            IdentifierKind::Phone if !value.is_empty() => match phone_e164(&value) {
                Some(e164) => value = e164,
                None => invalid.add(
                    "value",
                    "must be a phone number; write numbers outside the U.S. with + and the country code",
                ),
            },
            IdentifierKind::Email
                if !value.is_empty() && !crate::validation::is_plausible_email(&value) =>
            {
                invalid.add("value", "must be an e-mail address such as name@example.org");
            }
            IdentifierKind::Vehicle
                if !value.is_empty() && !value.chars().any(|c| c.is_ascii_alphanumeric()) =>
            {
                invalid.add("value", "must hold a plate, such as NY ABC1234, or a VIN");
            }
            _ => {}
        }
        let normalized = normalize_identifier(kind, &value);
        if normalized.is_empty() && !value.is_empty() && invalid.is_empty() {
            invalid.add("value", "must contain letters or digits");
        }
        invalid.finish(Valid((kind, value, normalized)))
    }
}

// ---------------------------------------------------------------------------------------------
// Notes, tasks, timeline, links, attachments

/// A note on a case. Its body is encrypted at rest; readers who may not see its label see that
/// a note exists, never its words.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: NoteId,
    pub case_id: CaseId,
    pub label: Label,
    pub body: String,
    pub author_member_id: MemberId,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// Defaults to the case's label.
    #[serde(default)]
    pub label: Option<String>,
    pub body: String,
}

/// The labels a note on a case of `kind` held by `owner_kind` may carry.
pub fn note_labels(kind: CaseKind) -> Vec<Label> {
    let mut labels = labels_for(kind).to_vec();
    labels.push(Label::TaskForce);
    labels
}

impl NoteInput {
    pub fn validate(self, case: &Case) -> Result<Valid<(Label, String)>, Invalid> {
        let mut invalid = Invalid::default();
        let body = invalid.required_text("body", &self.body, 20_000);
        let label = match self
            .label
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => case.label,
            Some(code) => match Label::from_code(code) {
                Some(label) if note_labels(case.kind).contains(&label) => label,
                _ => {
                    invalid.add("label", "is not a label a note on this case may carry");
                    case.label
                }
            },
        };
        invalid.finish(Valid((label, body)))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseTask {
    pub id: CaseTaskId,
    pub case_id: CaseId,
    pub title: String,
    pub due_on: Option<NaiveDate>,
    pub assignee_member_id: Option<MemberId>,
    pub status: TaskStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    pub title: String,
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub assignee_member_id: Option<MemberId>,
    #[serde(default)]
    pub status: Option<TaskStatus>,
}

/// A checked task: title, due date, assignee, status.
pub type TaskFields = (String, Option<NaiveDate>, Option<MemberId>, TaskStatus);

impl TaskInput {
    /// `members`: who may be assigned (members of the holding organization and the team).
    pub fn validate(self, members: &[MemberId]) -> Result<Valid<TaskFields>, Invalid> {
        let mut invalid = Invalid::default();
        let title = invalid.required_text("title", &self.title, max_len());
        let due_on = optional_date(&mut invalid, "due_on", &self.due_on);
        if let Some(member) = self.assignee_member_id {
            if !members.contains(&member) {
                invalid.add(
                    "assignee_member_id",
                    "must be a member of the organization that holds the case or of its team",
                );
            }
        }
        invalid.finish(Valid((
            title,
            due_on,
            self.assignee_member_id,
            self.status.unwrap_or(TaskStatus::Open),
        )))
    }
}

/// An entry of a case's timeline: recorded by people, or written when something happens.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub id: TimelineEntryId,
    pub case_id: CaseId,
    pub occurred_on: NaiveDate,
    pub description: String,
    pub recorded_by: Option<MemberId>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimelineInput {
    pub occurred_on: Option<String>,
    pub description: String,
}

impl TimelineInput {
    pub fn validate(self, today: NaiveDate) -> Result<Valid<(NaiveDate, String)>, Invalid> {
        let mut invalid = Invalid::default();
        let occurred_on =
            crate::structure::required_date(&mut invalid, "occurred_on", &self.occurred_on);
        if occurred_on.is_some_and(|d| d > today) {
            invalid.add(
                "occurred_on",
                "must not be in the future; plan it as a task",
            );
        }
        let description = invalid.required_text("description", &self.description, LONG_TEXT);
        invalid.finish(Valid((occurred_on.unwrap_or(today), description)))
    }
}

/// Two cases linked (an investigation and the service case and prosecution about the same
/// people). Links are symmetric; each side sees the other only as far as it may.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseLink {
    pub case_id: CaseId,
    pub other_case_id: CaseId,
    pub linked_by: MemberId,
    pub linked_at: DateTime<Utc>,
}

/// An attachment's metadata; the content is stored encrypted and read separately.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: AttachmentId,
    pub case_id: CaseId,
    pub label: Label,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: MemberId,
    pub uploaded_at: DateTime<Utc>,
}

/// The largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The file types accepted, recognised by their content (never by the name the browser sent).
pub fn attachment_type(content: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| content.starts_with(magic);
    if starts(b"%PDF-") {
        Some("application/pdf")
    } else if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if content.len() > 12 && starts(b"RIFF") && &content[8..12] == b"WEBP" {
        Some("image/webp")
    } else if !content.is_empty()
        && std::str::from_utf8(content).is_ok_and(|text| {
            !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        })
    {
        Some("text/plain")
    } else {
        None
    }
}

/// Checks an upload: a name, a size within the limit and a type recognised by content.
pub fn check_attachment(
    file_name: &str,
    content: &[u8],
    label: Option<&str>,
    case: &Case,
) -> Result<Valid<(String, &'static str, Label)>, Invalid> {
    let mut invalid = Invalid::default();
    let name: String = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let name = invalid.required_text("file", name.trim(), max_len());
    let media_type = if content.is_empty() {
        invalid.add("file", "is empty");
        ""
    } else if content.len() > MAX_ATTACHMENT_BYTES {
        invalid.add("file", "is larger than 10 MB");
        ""
    } else {
        attachment_type(content).unwrap_or_else(|| {
            invalid.add(
                "file",
                "must be a PDF, PNG, JPEG, GIF or WebP image, or plain text",
            );
            ""
        })
    };
    let label = match label.map(str::trim).filter(|s| !s.is_empty()) {
        None => case.label,
        Some(code) => match Label::from_code(code) {
            Some(label) if note_labels(case.kind).contains(&label) => label,
            _ => {
                invalid.add(
                    "label",
                    "is not a label an attachment on this case may carry",
                );
                case.label
            }
        },
    };
    invalid.finish(Valid((name, media_type, label)))
}

// ---------------------------------------------------------------------------------------------
// Prosecution: charges, court events, sentences; immigration relief

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Charge {
    pub id: ChargeId,
    pub case_id: CaseId,
    pub defendant_person_id: PersonId,
    pub statute: String,
    pub counts: i64,
    pub stage: ChargeStage,
    pub stage_on: NaiveDate,
    pub version: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChargeInput {
    pub defendant_person_id: Option<PersonId>,
    pub statute: String,
    #[serde(default)]
    pub counts: Option<i64>,
    #[serde(default)]
    pub stage: Option<ChargeStage>,
    #[serde(default)]
    pub stage_on: Option<String>,
}

impl ChargeInput {
    /// `defendants`: the suspects on the prosecution; `statutes`: federal and the task force's.
    pub fn validate(
        self,
        defendants: &[PersonId],
        statutes: &[String],
        today: NaiveDate,
    ) -> Result<Valid<Charge>, Invalid> {
        let mut invalid = Invalid::default();
        match self.defendant_person_id {
            None => invalid.add("defendant_person_id", "is required"),
            Some(p) if !defendants.contains(&p) => invalid.add(
                "defendant_person_id",
                "must be a person on this prosecution in the role of suspect",
            ),
            _ => {}
        }
        let statute = self.statute.trim().to_owned();
        if statute.is_empty() {
            invalid.add("statute", "is required");
        } else if !statutes.contains(&statute) {
            invalid.add(
                "statute",
                "must be a federal trafficking statute or one of the task force's state statutes",
            );
        }
        let counts = self.counts.unwrap_or(1);
        if !(1..=999).contains(&counts) {
            invalid.add("counts", "must be between 1 and 999");
        }
        let stage_on = optional_date(&mut invalid, "stage_on", &self.stage_on).unwrap_or(today);
        if stage_on > today {
            invalid.add("stage_on", "must not be in the future");
        }
        invalid.finish(Valid(Charge {
            id: ChargeId(uuid::Uuid::nil()),
            case_id: CaseId(uuid::Uuid::nil()),
            defendant_person_id: self
                .defendant_person_id
                .unwrap_or(PersonId(uuid::Uuid::nil())),
            statute,
            counts,
            stage: self.stage.unwrap_or(ChargeStage::Charged),
            stage_on,
            version: 1,
        }))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourtEvent {
    pub id: CourtEventId,
    pub case_id: CaseId,
    pub kind: CourtEventKind,
    pub on: NaiveDate,
    pub court: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CourtEventInput {
    pub kind: Option<CourtEventKind>,
    pub on: Option<String>,
    #[serde(default)]
    pub court: String,
    #[serde(default)]
    pub outcome: String,
}

impl CourtEventInput {
    pub fn validate(self) -> Result<Valid<(CourtEventKind, NaiveDate, String, String)>, Invalid> {
        let mut invalid = Invalid::default();
        if self.kind.is_none() {
            invalid.add("kind", "is required");
        }
        let on = crate::structure::required_date(&mut invalid, "on", &self.on);
        let court = invalid.optional_text("court", &self.court, max_len());
        let outcome = invalid.optional_text("outcome", &self.outcome, LONG_TEXT);
        match (self.kind, on) {
            (Some(kind), Some(on)) => invalid.finish(Valid((kind, on, court, outcome))),
            _ => Err(invalid),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sentence {
    pub id: SentenceId,
    pub case_id: CaseId,
    pub defendant_person_id: PersonId,
    pub imposed_on: NaiveDate,
    pub custody_months: i64,
    pub supervised_release_months: i64,
    pub restitution_cents: i64,
    pub fine_cents: i64,
    pub notes: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SentenceInput {
    pub defendant_person_id: Option<PersonId>,
    pub imposed_on: Option<String>,
    #[serde(default)]
    pub custody_months: i64,
    #[serde(default)]
    pub supervised_release_months: i64,
    #[serde(default)]
    pub restitution_cents: i64,
    #[serde(default)]
    pub fine_cents: i64,
    #[serde(default)]
    pub notes: String,
}

impl SentenceInput {
    /// `convicted`: defendants with a conviction or plea on this prosecution.
    pub fn validate(
        self,
        convicted: &[PersonId],
        today: NaiveDate,
    ) -> Result<Valid<Sentence>, Invalid> {
        let mut invalid = Invalid::default();
        match self.defendant_person_id {
            None => invalid.add("defendant_person_id", "is required"),
            Some(p) if !convicted.contains(&p) => invalid.add(
                "defendant_person_id",
                "must be a defendant with a conviction or a plea on this prosecution",
            ),
            _ => {}
        }
        let imposed_on =
            crate::structure::required_date(&mut invalid, "imposed_on", &self.imposed_on);
        if imposed_on.is_some_and(|d| d > today) {
            invalid.add("imposed_on", "must not be in the future");
        }
        for (field, value) in [
            ("custody_months", self.custody_months),
            ("supervised_release_months", self.supervised_release_months),
            ("restitution_cents", self.restitution_cents),
            ("fine_cents", self.fine_cents),
        ] {
            if value < 0 {
                invalid.add(field, "must not be negative");
            }
        }
        let notes = invalid.optional_text("notes", &self.notes, LONG_TEXT);
        invalid.finish(Valid(Sentence {
            id: SentenceId(uuid::Uuid::nil()),
            case_id: CaseId(uuid::Uuid::nil()),
            defendant_person_id: self
                .defendant_person_id
                .unwrap_or(PersonId(uuid::Uuid::nil())),
            imposed_on: imposed_on.unwrap_or(today),
            custody_months: self.custody_months,
            supervised_release_months: self.supervised_release_months,
            restitution_cents: self.restitution_cents,
            fine_cents: self.fine_cents,
            notes,
        }))
    }
}

/// An immigration relief request for a survivor (Continued Presence, T and U visa forms).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReliefRequest {
    pub id: ReliefId,
    pub case_id: CaseId,
    pub person_id: PersonId,
    pub kind: ReliefKind,
    pub requested_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub outcome: ReliefOutcome,
    pub version: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReliefInput {
    pub person_id: Option<PersonId>,
    pub kind: Option<ReliefKind>,
    pub requested_on: Option<String>,
    #[serde(default)]
    pub decided_on: Option<String>,
    #[serde(default)]
    pub outcome: Option<ReliefOutcome>,
}

impl ReliefInput {
    /// `survivors`: the victims on the case.
    pub fn validate(
        self,
        survivors: &[PersonId],
        today: NaiveDate,
    ) -> Result<Valid<ReliefRequest>, Invalid> {
        let mut invalid = Invalid::default();
        match self.person_id {
            None => invalid.add("person_id", "is required"),
            Some(p) if !survivors.contains(&p) => {
                invalid.add("person_id", "must be a survivor on this case")
            }
            _ => {}
        }
        if self.kind.is_none() {
            invalid.add("kind", "is required");
        }
        let requested_on =
            crate::structure::required_date(&mut invalid, "requested_on", &self.requested_on);
        let decided_on = optional_date(&mut invalid, "decided_on", &self.decided_on);
        let outcome = self.outcome.unwrap_or(ReliefOutcome::Pending);
        if outcome == ReliefOutcome::Pending && decided_on.is_some() {
            invalid.add("decided_on", "is set only when there is an outcome");
        }
        if let (Some(req), Some(dec)) = (requested_on, decided_on) {
            if dec < req {
                invalid.add("decided_on", "must not be before the request");
            }
        }
        if requested_on.is_some_and(|d| d > today) || decided_on.is_some_and(|d| d > today) {
            invalid.add("requested_on", "dates must not be in the future");
        }
        invalid.finish(Valid(ReliefRequest {
            id: ReliefId(uuid::Uuid::nil()),
            case_id: CaseId(uuid::Uuid::nil()),
            person_id: self.person_id.unwrap_or(PersonId(uuid::Uuid::nil())),
            kind: self.kind.unwrap_or(ReliefKind::ContinuedPresence),
            requested_on: requested_on.unwrap_or(today),
            decided_on,
            outcome,
            version: 1,
        }))
    }
}

/// The data category of a part of a case, for the consent check on victim-confidential records.
pub fn category_of_notes() -> DataCategory {
    DataCategory::Narrative
}

#[cfg(test)]
mod tests;
