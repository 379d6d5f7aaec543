//! Survivors' consent to share (C4; ACCESS-MODEL.md "Consent"). A consent is kept per person by
//! the organization that recorded it (the holder): to which organizations (optionally narrowed
//! to roles in them), for which data categories, for what purpose, how it was given, from when
//! and until when. It is time-limited: every consent has an end, no later than the task force's
//! maximum, and can be revoked at any moment. A court order or a statutory mandate is recorded
//! the same way, with its legal basis, never as an override switch.
//!
//! Receipt of services is never conditional on consent; the pages say so where consent is asked.

use crate::access::{ConsentScope, DataCategory};
use crate::ids::*;
use crate::structure::{code_enum, Role, Valid};
use crate::validation::Invalid;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The longest a consent may run when the task force has not set its own maximum.
pub const DEFAULT_MAX_DAYS: i64 = 365;
/// How long a consent runs when the form leaves its end empty.
pub const DEFAULT_DAYS: i64 = 180;
/// How long before its end a consent's recorder is told it is expiring.
pub const EXPIRING_NOTICE_DAYS: i64 = 14;

code_enum!(
    /// How a consent was given (or the legal basis of a disclosure without one).
    ConsentMethod {
        Written = "written", "Written and signed on paper";
        SignedElectronically = "signed_electronically", "Signed electronically";
        VerbalThenSigned = "verbal_then_signed", "Given verbally, to be signed";
        CourtOrder = "court_order", "Court order (disclosure without consent)";
        StatutoryMandate = "statutory_mandate", "Statutory mandate (disclosure without consent)";
    }
);

impl ConsentMethod {
    /// A disclosure required by law rather than given by the survivor: it needs a legal basis.
    pub fn is_mandate(self) -> bool {
        matches!(
            self,
            ConsentMethod::CourtOrder | ConsentMethod::StatutoryMandate
        )
    }
}

/// A consent as kept.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Consent {
    pub id: ConsentId,
    pub task_force_id: TaskForceId,
    pub person_id: PersonId,
    /// The organization that recorded it and holds the person's record.
    pub holder_organization_id: OrganizationId,
    pub recipients: Vec<OrganizationId>,
    /// Empty: every member of the recipients.
    pub roles: Vec<Role>,
    pub categories: Vec<DataCategory>,
    pub purpose: String,
    pub method: ConsentMethod,
    /// The order or statute, for a disclosure under a legal mandate.
    pub legal_basis: String,
    pub recorded_by: MemberId,
    pub recorded_by_name: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<MemberId>,
    pub revocation_reason: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// Where a consent stands at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    NotYetValid,
    InForce,
    Expired,
    Revoked,
}

impl ConsentState {
    pub fn words(self) -> &'static str {
        match self {
            ConsentState::NotYetValid => "Not yet in force",
            ConsentState::InForce => "In force",
            ConsentState::Expired => "Expired",
            ConsentState::Revoked => "Revoked",
        }
    }
}

impl Consent {
    pub fn scope(&self) -> ConsentScope {
        ConsentScope {
            person: self.person_id,
            recipients: self.recipients.clone(),
            roles: self.roles.clone(),
            categories: self.categories.clone(),
            valid_from: self.valid_from,
            valid_until: Some(self.valid_until),
            revoked_at: self.revoked_at,
        }
    }

    pub fn state(&self, now: DateTime<Utc>) -> ConsentState {
        if self.revoked_at.is_some_and(|r| r <= now) {
            ConsentState::Revoked
        } else if now < self.valid_from {
            ConsentState::NotYetValid
        } else if self.valid_until <= now {
            ConsentState::Expired
        } else {
            ConsentState::InForce
        }
    }

    /// Whether it covers `recipient` for every one of `categories` at `now` (a referral's
    /// check: the recipient organization as a whole, so a consent narrowed to roles does not
    /// cover a referral to the organization).
    pub fn covers_all(
        &self,
        recipient: OrganizationId,
        categories: &[DataCategory],
        now: DateTime<Utc>,
    ) -> bool {
        self.scope().live(now)
            && self.roles.is_empty()
            && self.recipients.contains(&recipient)
            && categories.iter().all(|c| self.categories.contains(c))
    }
}

/// What a person submits to record a consent (form or API).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// Organization ids.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// Role codes; empty for every member of the recipients.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Data category codes: identity, contact, narrative, services, immigration, counting.
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub purpose: String,
    /// written, signed_electronically, verbal_then_signed, court_order, statutory_mandate.
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub legal_basis: String,
    /// First day in force (YYYY-MM-DD); today when empty.
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Last day in force (YYYY-MM-DD); 180 days on when empty.
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A checked consent, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewConsent {
    pub recipients: Vec<OrganizationId>,
    pub roles: Vec<Role>,
    pub categories: Vec<DataCategory>,
    pub purpose: String,
    pub method: ConsentMethod,
    pub legal_basis: String,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
}

/// What validation needs to know: who may receive, the holder, the longest allowed, today.
pub struct ConsentContext<'a> {
    /// The task force's organizations (recipients must be among them).
    pub organizations: &'a [OrganizationId],
    pub holder: OrganizationId,
    pub max_days: i64,
    pub now: DateTime<Utc>,
}

fn day(field: &str, value: Option<&str>, invalid: &mut Invalid) -> Option<NaiveDate> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            invalid.add(field, "must be a date written YYYY-MM-DD");
            None
        }
    }
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

impl ConsentInput {
    pub fn validate(self, cx: &ConsentContext<'_>) -> Result<Valid<NewConsent>, Invalid> {
        let mut invalid = Invalid::default();
        let mut recipients = Vec::new();
        for (i, r) in self.recipients.iter().enumerate() {
            match r.trim().parse::<OrganizationId>() {
                Ok(org) if org == cx.holder => invalid.add(
                    format!("recipients[{i}]"),
                    "is the organization that holds the record; it needs no consent",
                ),
                Ok(org) if cx.organizations.contains(&org) => {
                    if !recipients.contains(&org) {
                        recipients.push(org);
                    }
                }
                _ => invalid.add(
                    format!("recipients[{i}]"),
                    "is not an organization of this task force",
                ),
            }
        }
        if self.recipients.is_empty() {
            invalid.add("recipients", "name at least one organization");
        }
        let mut roles = Vec::new();
        for (i, r) in self.roles.iter().enumerate() {
            match Role::from_code(r) {
                Some(role) if !roles.contains(&role) => roles.push(role),
                Some(_) => {}
                None => invalid.add(format!("roles[{i}]"), "is not a role"),
            }
        }
        let mut categories = Vec::new();
        for (i, c) in self.categories.iter().enumerate() {
            match DataCategory::from_code(c) {
                Some(cat) if !categories.contains(&cat) => categories.push(cat),
                Some(_) => {}
                None => invalid.add(
                    format!("categories[{i}]"),
                    "is not one of identity, contact, narrative, services, immigration, counting",
                ),
            }
        }
        if self.categories.is_empty() {
            invalid.add("categories", "choose at least one kind of information");
        }
        categories.sort();
        let purpose = invalid.required_text("purpose", &self.purpose, 500);
        let method = match ConsentMethod::from_code(&self.method) {
            Some(m) => Some(m),
            None => {
                invalid.add("method", "say how the consent was given");
                None
            }
        };
        let legal_basis = invalid.optional_text("legal_basis", &self.legal_basis, 500);
        if method.is_some_and(ConsentMethod::is_mandate) && legal_basis.is_empty() {
            invalid.add(
                "legal_basis",
                "name the court order or statute that requires this disclosure",
            );
        }
        let today = cx.now.date_naive();
        let from = day("valid_from", self.valid_from.as_deref(), &mut invalid).unwrap_or(today);
        let until = day("valid_until", self.valid_until.as_deref(), &mut invalid)
            .unwrap_or(from + Duration::days(DEFAULT_DAYS));
        if until < from {
            invalid.add("valid_until", "must not be before the first day");
        } else if (until - from).num_days() >= cx.max_days {
            invalid.add(
                "valid_until",
                format!(
                    "consent is time-limited: at most {} days in this task force",
                    cx.max_days
                ),
            );
        }
        if until < today {
            invalid.add("valid_until", "is already past");
        }
        let valid_from = if from == today {
            cx.now
        } else {
            start_of(from)
        };
        // In force to the end of its last day.
        let valid_until = start_of(until + Duration::days(1));
        let method = method.unwrap_or(ConsentMethod::Written);
        invalid.finish(Valid(NewConsent {
            recipients,
            roles,
            categories,
            purpose,
            method,
            legal_basis,
            valid_from,
            valid_until,
        }))
    }
}

/// Why a consent is revoked (required, so the record says what happened).
pub fn check_revocation(reason: &str) -> Result<String, Invalid> {
    let mut invalid = Invalid::default();
    let reason = invalid.required_text("reason", reason, 500);
    invalid.finish(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(orgs: &[OrganizationId], holder: OrganizationId) -> ConsentContext<'_> {
        ConsentContext {
            organizations: orgs,
            holder,
            max_days: 365,
            now: "2026-03-01T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn a_consent_is_time_limited_and_names_each_bad_field() {
        let holder = OrganizationId(uuid::Uuid::from_u128(1));
        let other = OrganizationId(uuid::Uuid::from_u128(2));
        let orgs = [holder, other];
        let ok = ConsentInput {
            recipients: vec![other.to_string()],
            categories: vec!["identity".into(), "narrative".into()],
            purpose: "Referral for housing".into(),
            method: "written".into(),
            ..Default::default()
        }
        .validate(&cx(&orgs, holder))
        .unwrap();
        assert_eq!(
            (ok.valid_until - ok.valid_from).num_days(),
            DEFAULT_DAYS,
            "180 days by default"
        );
        let err = ConsentInput {
            recipients: vec![holder.to_string(), "nope".into()],
            categories: vec!["everything".into()],
            method: "court_order".into(),
            valid_from: Some("2026-03-01".into()),
            valid_until: Some("2027-06-01".into()),
            ..Default::default()
        }
        .validate(&cx(&orgs, holder))
        .unwrap_err();
        for field in [
            "recipients[0]",
            "recipients[1]",
            "categories[0]",
            "purpose",
            "legal_basis",
            "valid_until",
        ] {
            assert!(err.message_for(field).is_some(), "{field}: {err:?}");
        }
    }
}
