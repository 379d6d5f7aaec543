//! Task force structure (capability C1): task forces, regions, organizations, members with roles,
//! memoranda of understanding and funding awards.
//!
//! Each record has an `…Input` type: what a person or an API client submits. `validate` turns it
//! into a [`Valid`] input (trimmed, normalised, checked) or names every field that is wrong.
//! The store only accepts `Valid` inputs, so unchecked data cannot reach the database.

use crate::ids::*;
use crate::reference;
use crate::validation::Invalid;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// An input that passed validation. Only this crate can make one.
#[derive(Clone, Debug, PartialEq)]
pub struct Valid<T>(pub(crate) T);

impl<T> Valid<T> {
    pub fn get(&self) -> &T {
        &self.0
    }
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Valid<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable code stored in the database and used by the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            /// The words shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code.trim() { $($code => Some($name::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

code_enum!(
    /// The kinds of partner organization in an ECM task force (DOMAIN.md).
    OrganizationKind {
        FederalLawEnforcement = "federal_law_enforcement", "Federal law enforcement";
        StateLawEnforcement = "state_law_enforcement", "State law enforcement";
        LocalLawEnforcement = "local_law_enforcement", "Local law enforcement";
        FederalProsecutor = "federal_prosecutor", "Federal prosecutor";
        StateProsecutor = "state_prosecutor", "State or local prosecutor";
        VictimServiceProvider = "victim_service_provider", "Victim service provider";
        CommunityPartner = "community_partner", "Community partner";
        GovernmentAgency = "government_agency", "Government agency";
        TechnicalAssistanceProvider = "technical_assistance_provider", "Technical-assistance provider";
    }
);

impl OrganizationKind {
    pub fn is_law_enforcement(self) -> bool {
        matches!(
            self,
            Self::FederalLawEnforcement | Self::StateLawEnforcement | Self::LocalLawEnforcement
        )
    }
}

code_enum!(
    /// The roles a member may hold in an organization (PRODUCT.md, ACCESS-MODEL.md).
    Role {
        Administrator = "administrator", "Administrator";
        Coordinator = "coordinator", "Coordinator";
        Supervisor = "supervisor", "Supervisor";
        Investigator = "investigator", "Investigator";
        Prosecutor = "prosecutor", "Prosecutor";
        Advocate = "advocate", "Advocate / case manager";
        Navigator = "navigator", "Navigator";
        Analyst = "analyst", "Analyst";
        CommunityPartner = "community_partner", "Community partner";
        Auditor = "auditor", "Auditor";
        NetworkStaff = "network_staff", "Network staff";
    }
);

code_enum!(
    /// Where an MOU stands in its life, as recorded (whether it is in force also depends on its dates).
    MouStatus {
        Draft = "draft", "Draft";
        Signed = "signed", "Signed";
        Terminated = "terminated", "Terminated";
    }
);

/// What an MOU means on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MouStanding {
    Draft,
    NotYetInForce,
    InForce,
    Expired,
    Terminated,
}

impl MouStanding {
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::NotYetInForce => "Signed, not yet in force",
            Self::InForce => "In force",
            Self::Expired => "Expired",
            Self::Terminated => "Terminated",
        }
    }
}

fn max_len() -> usize {
    200
}
const LONG_TEXT: usize = 4000;

/// Parses an optional `YYYY-MM-DD` date; records an error naming the field.
fn optional_date(invalid: &mut Invalid, field: &str, value: &Option<String>) -> Option<NaiveDate> {
    let text = value.as_deref().map(str::trim).unwrap_or("");
    if text.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            invalid.add(field, "must be a date written YYYY-MM-DD");
            None
        }
    }
}

fn required_date(invalid: &mut Invalid, field: &str, value: &Option<String>) -> Option<NaiveDate> {
    if value.as_deref().map(str::trim).unwrap_or("").is_empty() {
        invalid.add(field, "is required");
        return None;
    }
    optional_date(invalid, field, value)
}

fn date_text(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}

// ---------------------------------------------------------------------------------------------
// Task forces

/// A task force: the tenant. Everything else belongs to exactly one.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskForce {
    pub id: TaskForceId,
    pub name: String,
    /// USPS code of the state the task force works in.
    pub state: String,
    /// FIPS codes of the counties in its jurisdiction.
    pub counties: Vec<String>,
    pub population_served: Option<i64>,
    pub description: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What is submitted to create or change a task force.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TaskForceInput {
    pub name: String,
    /// USPS code, e.g. `NY`.
    pub state: String,
    /// Five-digit county FIPS codes, all in `state`.
    #[serde(default)]
    pub counties: Vec<String>,
    #[serde(default)]
    pub population_served: Option<i64>,
    #[serde(default)]
    pub description: String,
}

impl TaskForceInput {
    pub fn validate(self) -> Result<Valid<Self>, Invalid> {
        let mut invalid = Invalid::default();
        let name = invalid.required_text("name", &self.name, max_len());
        let state = match reference::state(&self.state) {
            Some(state) => state.code.clone(),
            None => {
                invalid.add("state", "must be a U.S. state or territory code such as NY");
                String::new()
            }
        };
        let mut counties = BTreeSet::new();
        for (i, fips) in self.counties.iter().enumerate() {
            let field = format!("counties[{i}]");
            match reference::county(fips) {
                Some(county) if state.is_empty() || county.state_code == state => {
                    counties.insert(county.fips.clone());
                }
                Some(county) => invalid.add(field, format!("{} is not in {}", county.name, state)),
                None => invalid.add(
                    field,
                    format!("{:?} is not a county FIPS code", fips.trim()),
                ),
            }
        }
        if let Some(population) = self.population_served {
            if !(0..=400_000_000).contains(&population) {
                invalid.add("population_served", "must be between 0 and 400,000,000");
            }
        }
        let description = invalid.optional_text("description", &self.description, LONG_TEXT);
        invalid.finish(Valid(Self {
            name,
            state,
            counties: counties.into_iter().collect(),
            population_served: self.population_served,
            description,
        }))
    }
}

impl From<&TaskForce> for TaskForceInput {
    fn from(t: &TaskForce) -> Self {
        Self {
            name: t.name.clone(),
            state: t.state.clone(),
            counties: t.counties.clone(),
            population_served: t.population_served,
            description: t.description.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Regions

/// A region of a task force (the statewide navigator model): a set of its counties, served by
/// one or more navigators.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub id: RegionId,
    pub task_force_id: TaskForceId,
    pub name: String,
    pub counties: Vec<String>,
    pub navigators: Vec<MemberId>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegionInput {
    pub name: String,
    /// County FIPS codes; each must be in the task force's jurisdiction and in no other region.
    #[serde(default)]
    pub counties: Vec<String>,
    /// Members who hold the navigator role in the task force.
    #[serde(default)]
    pub navigators: Vec<MemberId>,
}

/// What a region is checked against: its task force and the rest of the structure.
pub struct RegionContext<'a> {
    pub task_force: &'a TaskForce,
    /// Counties already in other regions, with that region's name.
    pub counties_elsewhere: Vec<(String, String)>,
    /// Members of the task force who hold the navigator role.
    pub navigators: BTreeSet<MemberId>,
}

impl RegionInput {
    pub fn validate(self, context: &RegionContext<'_>) -> Result<Valid<Self>, Invalid> {
        let mut invalid = Invalid::default();
        let name = invalid.required_text("name", &self.name, max_len());
        let mut counties = BTreeSet::new();
        for (i, fips) in self.counties.iter().enumerate() {
            let field = format!("counties[{i}]");
            let fips = fips.trim();
            if !context.task_force.counties.iter().any(|c| c == fips) {
                invalid.add(
                    field,
                    format!("{fips:?} is not a county of this task force"),
                );
            } else if let Some((_, other)) =
                context.counties_elsewhere.iter().find(|(c, _)| c == fips)
            {
                let county = reference::county(fips).map_or(fips, |c| c.name.as_str());
                invalid.add(
                    field,
                    format!("{county} already belongs to the region {other}"),
                );
            } else {
                counties.insert(fips.to_owned());
            }
        }
        let mut navigators = BTreeSet::new();
        for (i, member) in self.navigators.iter().enumerate() {
            if context.navigators.contains(member) {
                navigators.insert(*member);
            } else {
                invalid.add(
                    format!("navigators[{i}]"),
                    "must be a member who holds the navigator role",
                );
            }
        }
        invalid.finish(Valid(Self {
            name,
            counties: counties.into_iter().collect(),
            navigators: navigators.into_iter().collect(),
        }))
    }
}

impl From<&Region> for RegionInput {
    fn from(r: &Region) -> Self {
        Self {
            name: r.name.clone(),
            counties: r.counties.clone(),
            navigators: r.navigators.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Organizations

/// A partner organization of a task force.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organization {
    pub id: OrganizationId,
    pub task_force_id: TaskForceId,
    pub name: String,
    pub kind: OrganizationKind,
    pub region_id: Option<RegionId>,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    /// Works from the task force's shared office (the co-located team model).
    pub co_located: bool,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    pub name: String,
    pub kind: OrganizationKind,
    #[serde(default)]
    pub region_id: Option<RegionId>,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub co_located: bool,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl OrganizationInput {
    /// `regions` are the task force's regions; a region outside them is refused.
    pub fn validate(self, regions: &[RegionId]) -> Result<Valid<Self>, Invalid> {
        let mut invalid = Invalid::default();
        let name = invalid.required_text("name", &self.name, max_len());
        if let Some(region) = self.region_id {
            if !regions.contains(&region) {
                invalid.add("region_id", "must be a region of this task force");
            }
        }
        let address = invalid.optional_text("address", &self.address, 500);
        let phone = invalid.optional_phone("phone", &self.phone);
        let email = invalid.optional_email("email", &self.email);
        let website = invalid.optional_text("website", &self.website, 500);
        let has_scheme = website.starts_with("https://") || website.starts_with("http://");
        if !(website.is_empty() || has_scheme) {
            invalid.add("website", "must start with https:// or http://");
        }
        invalid.finish(Valid(Self {
            name,
            address,
            phone,
            email,
            website,
            ..self
        }))
    }
}

impl From<&Organization> for OrganizationInput {
    fn from(o: &Organization) -> Self {
        Self {
            name: o.name.clone(),
            kind: o.kind,
            region_id: o.region_id,
            address: o.address.clone(),
            phone: o.phone.clone(),
            email: o.email.clone(),
            website: o.website.clone(),
            co_located: o.co_located,
            active: o.active,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Members

/// A person who works in one or more partner organizations of a task force.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub id: MemberId,
    pub task_force_id: TaskForceId,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
    pub active: bool,
    pub memberships: Vec<Membership>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Member {
    /// The membership a member acts in when they sign in (they may switch afterwards): the one
    /// holding their highest role in [`Role::ALL`] order, then the lowest organization id, so
    /// the choice never depends on storage order.
    pub fn primary_membership(&self) -> Option<&Membership> {
        let rank = |m: &Membership| {
            m.roles
                .iter()
                .filter_map(|r| Role::ALL.iter().position(|x| x == r))
                .min()
                .unwrap_or(usize::MAX)
        };
        self.memberships
            .iter()
            .min_by_key(|m| (rank(m), m.organization_id))
    }

    pub fn holds(&self, role: Role) -> bool {
        self.memberships.iter().any(|m| m.roles.contains(&role))
    }
}

/// The roles a member holds in one organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Membership {
    pub organization_id: OrganizationId,
    pub roles: Vec<Role>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub title: String,
    #[serde(default = "yes")]
    pub active: bool,
    /// At least one organization with at least one role.
    #[serde(default)]
    pub memberships: Vec<Membership>,
}

impl MemberInput {
    /// `organizations` are the task force's organizations.
    pub fn validate(self, organizations: &[OrganizationId]) -> Result<Valid<Self>, Invalid> {
        let mut invalid = Invalid::default();
        let name = invalid.required_text("name", &self.name, max_len());
        let email = self.email.trim().to_lowercase();
        if email.is_empty() {
            invalid.add("email", "is required");
        } else {
            invalid.optional_email("email", &email);
        }
        let phone = invalid.optional_phone("phone", &self.phone);
        let title = invalid.optional_text("title", &self.title, max_len());
        if self.memberships.is_empty() {
            invalid.add(
                "memberships",
                "must name at least one organization and role",
            );
        }
        let mut seen = BTreeSet::new();
        let mut memberships = Vec::new();
        for (i, m) in self.memberships.into_iter().enumerate() {
            if !organizations.contains(&m.organization_id) {
                invalid.add(
                    format!("memberships[{i}].organization_id"),
                    "must be an organization of this task force",
                );
            } else if !seen.insert(m.organization_id) {
                invalid.add(
                    format!("memberships[{i}].organization_id"),
                    "is listed twice",
                );
            }
            let roles: BTreeSet<Role> = m.roles.into_iter().collect();
            if roles.is_empty() {
                invalid.add(
                    format!("memberships[{i}].roles"),
                    "must hold at least one role",
                );
            }
            memberships.push(Membership {
                organization_id: m.organization_id,
                roles: roles.into_iter().collect(),
            });
        }
        invalid.finish(Valid(Self {
            name,
            email,
            phone,
            title,
            active: self.active,
            memberships,
        }))
    }
}

impl From<&Member> for MemberInput {
    fn from(m: &Member) -> Self {
        Self {
            name: m.name.clone(),
            email: m.email.clone(),
            phone: m.phone.clone(),
            title: m.title.clone(),
            active: m.active,
            memberships: m.memberships.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// MOUs

/// A memorandum of understanding between two or more partner organizations.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mou {
    pub id: MouId,
    pub task_force_id: TaskForceId,
    pub title: String,
    pub parties: Vec<OrganizationId>,
    pub status: MouStatus,
    pub signed_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub summary: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Mou {
    /// What the MOU means on `today`.
    pub fn standing(&self, today: NaiveDate) -> MouStanding {
        match self.status {
            MouStatus::Draft => MouStanding::Draft,
            MouStatus::Terminated => MouStanding::Terminated,
            MouStatus::Signed => {
                if self.expires_on.is_some_and(|end| end < today) {
                    MouStanding::Expired
                } else if self.effective_on.is_some_and(|start| start > today) {
                    MouStanding::NotYetInForce
                } else {
                    MouStanding::InForce
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MouInput {
    pub title: String,
    /// Two or more organizations of the task force.
    pub parties: Vec<OrganizationId>,
    pub status: MouStatus,
    /// `YYYY-MM-DD`; required once signed.
    #[serde(default)]
    pub signed_on: Option<String>,
    #[serde(default)]
    pub effective_on: Option<String>,
    #[serde(default)]
    pub expires_on: Option<String>,
    #[serde(default)]
    pub summary: String,
}

/// A checked MOU input with its dates parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct MouFields {
    pub title: String,
    pub parties: Vec<OrganizationId>,
    pub status: MouStatus,
    pub signed_on: Option<NaiveDate>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub summary: String,
}

impl MouInput {
    pub fn validate(self, organizations: &[OrganizationId]) -> Result<Valid<MouFields>, Invalid> {
        let mut invalid = Invalid::default();
        let title = invalid.required_text("title", &self.title, max_len());
        let mut parties = BTreeSet::new();
        for (i, party) in self.parties.iter().enumerate() {
            if !organizations.contains(party) {
                invalid.add(
                    format!("parties[{i}]"),
                    "must be an organization of this task force",
                );
            } else if !parties.insert(*party) {
                invalid.add(format!("parties[{i}]"), "is listed twice");
            }
        }
        if self.parties.len() < 2 {
            invalid.add("parties", "an MOU needs at least two partner organizations");
        }
        let signed_on = if self.status == MouStatus::Draft {
            optional_date(&mut invalid, "signed_on", &self.signed_on)
        } else {
            required_date(&mut invalid, "signed_on", &self.signed_on)
        };
        let effective_on = optional_date(&mut invalid, "effective_on", &self.effective_on);
        let expires_on = optional_date(&mut invalid, "expires_on", &self.expires_on);
        if let (Some(start), Some(end)) = (effective_on.or(signed_on), expires_on) {
            if end <= start {
                invalid.add("expires_on", "must be after the date the MOU takes effect");
            }
        }
        let summary = invalid.optional_text("summary", &self.summary, LONG_TEXT);
        let parties = self
            .parties
            .iter()
            .copied()
            .filter(|p| parties.contains(p))
            .collect::<BTreeSet<_>>();
        invalid.finish(Valid(MouFields {
            title,
            parties: parties.into_iter().collect(),
            status: self.status,
            signed_on,
            effective_on,
            expires_on,
            summary,
        }))
    }
}

impl From<&Mou> for MouInput {
    fn from(m: &Mou) -> Self {
        Self {
            title: m.title.clone(),
            parties: m.parties.clone(),
            status: m.status,
            signed_on: date_text(m.signed_on),
            effective_on: date_text(m.effective_on),
            expires_on: date_text(m.expires_on),
            summary: m.summary.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Funding awards

/// A grant award that funds a task force partner (e.g. BJA or OVC, about $800,000-$900,000
/// over three years).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundingAward {
    pub id: AwardId,
    pub task_force_id: TaskForceId,
    /// Who made the award, e.g. "Bureau of Justice Assistance".
    pub funder: String,
    pub award_number: String,
    pub recipient_id: OrganizationId,
    /// Whole U.S. dollars.
    pub amount: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FundingAwardInput {
    pub funder: String,
    pub award_number: String,
    pub recipient_id: Option<OrganizationId>,
    /// Whole U.S. dollars.
    pub amount: Option<i64>,
    /// `YYYY-MM-DD`.
    pub starts_on: Option<String>,
    /// `YYYY-MM-DD`.
    pub ends_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FundingAwardFields {
    pub funder: String,
    pub award_number: String,
    pub recipient_id: OrganizationId,
    pub amount: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl FundingAwardInput {
    pub fn validate(
        self,
        organizations: &[OrganizationId],
    ) -> Result<Valid<FundingAwardFields>, Invalid> {
        let mut invalid = Invalid::default();
        let funder = invalid.required_text("funder", &self.funder, max_len());
        let award_number = invalid.required_text("award_number", &self.award_number, 100);
        let recipient_id = match self.recipient_id {
            Some(org) if organizations.contains(&org) => Some(org),
            Some(_) => {
                invalid.add("recipient_id", "must be an organization of this task force");
                None
            }
            None => {
                invalid.add("recipient_id", "is required");
                None
            }
        };
        let amount = match self.amount {
            Some(amount) if (1..=1_000_000_000).contains(&amount) => Some(amount),
            Some(_) => {
                invalid.add("amount", "must be between $1 and $1,000,000,000");
                None
            }
            None => {
                invalid.add("amount", "is required");
                None
            }
        };
        let starts_on = required_date(&mut invalid, "starts_on", &self.starts_on);
        let ends_on = required_date(&mut invalid, "ends_on", &self.ends_on);
        if let (Some(start), Some(end)) = (starts_on, ends_on) {
            if end <= start {
                invalid.add("ends_on", "must be after the start date");
            }
        }
        match (recipient_id, amount, starts_on, ends_on) {
            (Some(recipient_id), Some(amount), Some(starts_on), Some(ends_on))
                if invalid.is_empty() =>
            {
                Ok(Valid(FundingAwardFields {
                    funder,
                    award_number,
                    recipient_id,
                    amount,
                    starts_on,
                    ends_on,
                }))
            }
            _ => Err(invalid),
        }
    }
}

impl From<&FundingAward> for FundingAwardInput {
    fn from(a: &FundingAward) -> Self {
        Self {
            funder: a.funder.clone(),
            award_number: a.award_number.clone(),
            recipient_id: Some(a.recipient_id),
            amount: Some(a.amount),
            starts_on: date_text(Some(a.starts_on)),
            ends_on: date_text(Some(a.ends_on)),
        }
    }
}

#[cfg(test)]
mod tests;
