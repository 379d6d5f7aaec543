//! Target deconfliction (C5): when two agencies hold the same person or identifier on their
//! investigations, both are told "possible overlap — contact NAME, AGENCY, PHONE" and the kind
//! of identifier that matched, and nothing else. A target the owning agency marked "do not
//! disclose" alerts only that agency's supervisors, who decide whether the overlap is disclosed.
//!
//! These are the pure rules: what a hit is, who may see it, which actions a side may take.

use crate::ids::*;
use crate::structure::code_enum;
use crate::validation::Invalid;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_enum!(
    /// What matched between the two agencies' records (the only detail a hit carries).
    MatchKind {
        NameAndBirthDate = "name_dob", "Name and date of birth";
        SimilarNameAndBirthDate = "name_dob_sounds", "Similar-sounding name and date of birth";
        Phone = "phone", "Phone number";
        Email = "email", "E-mail address";
        Address = "address", "Address";
        Vehicle = "vehicle", "Vehicle";
        Social = "social", "Social media account";
        Business = "business", "Associated business";
    }
);

code_enum!(
    /// Whether one side of a hit holds it back (the target is marked "do not disclose").
    Hold {
        Open = "none", "Disclosed to both agencies";
        Pending = "pending", "Waiting for your supervisor's decision";
        Disclosed = "disclosed", "Disclosed by the supervisor";
        Withheld = "withheld", "Not disclosed (supervisor's decision)";
    }
);

code_enum!(
    /// What a member does about a hit.
    HitAction {
        Acknowledge = "acknowledge", "Acknowledge";
        Contacted = "contacted", "Record that we made contact";
        Disclose = "disclose", "Disclose the overlap to the other agency";
        Withhold = "withhold", "Do not disclose";
    }
);

/// One agency's side of a hit: its record (never shown to the other side), whom to contact, and
/// what it did about the hit.
#[derive(Clone, Debug, PartialEq)]
pub struct HitSide {
    pub organization_id: OrganizationId,
    pub case_id: CaseId,
    pub person_id: PersonId,
    /// The member the other agency is told to contact (the case's lead, else who entered it).
    pub contact_id: Option<MemberId>,
    pub hold: Hold,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<MemberId>,
    pub contacted_at: Option<DateTime<Utc>>,
    pub contacted_by: Option<MemberId>,
}

/// An overlap between two agencies' persons. Side `a` entered the identifier that matched;
/// side `b` held it already.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub id: DeconflictionHitId,
    pub task_force_id: TaskForceId,
    pub matched: MatchKind,
    pub sides: [HitSide; 2],
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// The one key of a pair of sides (either order), so a pair is recorded once. A side is a
/// person as one agency holds them: the same person on two agencies' investigations is a pair
/// (both work the same target), and a third agency that takes them up makes new pairs.
pub fn pair_key(a: (PersonId, OrganizationId), b: (PersonId, OrganizationId)) -> String {
    let (a, b) = (format!("{}/{}", a.0, a.1), format!("{}/{}", b.0, b.1));
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("{low}|{high}")
}

impl Hit {
    /// The key of the hit's pair of sides ([`pair_key`]).
    pub fn pair_key(&self) -> String {
        let [a, b] = &self.sides;
        pair_key(
            (a.person_id, a.organization_id),
            (b.person_id, b.organization_id),
        )
    }

    /// Both agencies know of the overlap: no side holds it back.
    pub fn is_open(&self) -> bool {
        self.sides
            .iter()
            .all(|s| matches!(s.hold, Hold::Open | Hold::Disclosed))
    }

    /// The side of `organization` (0 or 1), if it is a party.
    pub fn side_of(&self, organization: OrganizationId) -> Option<usize> {
        self.sides
            .iter()
            .position(|s| s.organization_id == organization)
    }

    /// Whether a member of `organization` (a supervisor or not) may know of the hit: once it is
    /// open, both agencies; before, only the supervisors of a side that holds it back.
    pub fn seen_by(&self, organization: OrganizationId, supervisor: bool) -> bool {
        self.side_of(organization)
            .is_some_and(|i| self.is_open() || (supervisor && self.sides[i].hold != Hold::Open))
    }

    /// The organizations that may know of the hit now: the owner first, then the others.
    pub fn parties(&self) -> Vec<OrganizationId> {
        self.sides
            .iter()
            .filter(|s| self.is_open() || s.hold != Hold::Open)
            .map(|s| s.organization_id)
            .collect()
    }

    /// Whether side `side` may take `action` now, and if not, why (in words).
    pub fn may_act(&self, side: usize, action: HitAction, supervisor: bool) -> Result<(), Invalid> {
        let s = &self.sides[side];
        let refuse = |why: &str| Err(Invalid::one("action", why));
        match action {
            HitAction::Acknowledge if s.acknowledged_at.is_some() => {
                refuse("this alert is already acknowledged")
            }
            HitAction::Contacted if s.contacted_at.is_some() => {
                refuse("contact is already recorded")
            }
            HitAction::Acknowledge | HitAction::Contacted if !self.is_open() => {
                refuse("the overlap has not been disclosed to the other agency")
            }
            HitAction::Acknowledge | HitAction::Contacted => Ok(()),
            HitAction::Disclose | HitAction::Withhold if !supervisor => {
                refuse("only a supervisor of the agency that marked the target decides")
            }
            HitAction::Disclose | HitAction::Withhold
                if !matches!(s.hold, Hold::Pending | Hold::Withheld) =>
            {
                refuse("there is no decision to take on this alert")
            }
            HitAction::Withhold if s.hold == Hold::Withheld => {
                refuse("the overlap is already withheld")
            }
            HitAction::Disclose | HitAction::Withhold => Ok(()),
        }
    }
}

/// What a member asks to do about a hit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HitActionInput {
    /// `acknowledge`, `contacted`, `disclose` or `withhold`.
    #[serde(default)]
    pub action: String,
}

impl HitActionInput {
    pub fn validate(&self) -> Result<HitAction, Invalid> {
        if self.action.trim().is_empty() {
            return Err(Invalid::one("action", "is required"));
        }
        HitAction::from_code(&self.action).ok_or_else(|| {
            Invalid::one(
                "action",
                "must be one of acknowledge, contacted, disclose, withhold",
            )
        })
    }
}

/// The owning agency's choice for one target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DoNotDiscloseInput {
    /// True: a hit on this person alerts only your agency's supervisors, who decide.
    #[serde(default)]
    pub do_not_disclose: Option<bool>,
}

impl DoNotDiscloseInput {
    pub fn validate(&self) -> Result<bool, Invalid> {
        self.do_not_disclose
            .ok_or_else(|| Invalid::one("do_not_disclose", "is required: yes or no"))
    }
}

/// Whom the other agency is told to contact.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub name: String,
    pub agency: String,
    /// A phone number, else an e-mail address.
    pub phone: String,
}

impl Contact {
    /// "contact NAME, AGENCY, PHONE": the whole of what a hit tells the other agency.
    pub fn line(&self) -> String {
        format!("{}, {}, {}", self.name, self.agency, self.phone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn side(org: u128, hold: Hold) -> HitSide {
        HitSide {
            organization_id: OrganizationId(Uuid::from_u128(org)),
            case_id: CaseId(Uuid::from_u128(org + 10)),
            person_id: PersonId(Uuid::from_u128(org + 20)),
            contact_id: None,
            hold,
            acknowledged_at: None,
            acknowledged_by: None,
            contacted_at: None,
            contacted_by: None,
        }
    }

    fn hit(a: Hold, b: Hold) -> Hit {
        Hit {
            id: DeconflictionHitId(Uuid::from_u128(99)),
            task_force_id: TaskForceId(Uuid::from_u128(98)),
            matched: MatchKind::Phone,
            sides: [side(1, a), side(2, b)],
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn an_open_hit_is_seen_by_both_agencies_and_no_one_else() {
        let h = hit(Hold::Open, Hold::Open);
        let org = |n| OrganizationId(Uuid::from_u128(n));
        assert!(h.seen_by(org(1), false) && h.seen_by(org(2), false));
        assert!(!h.seen_by(org(3), true));
        assert_eq!(h.parties(), vec![org(1), org(2)]);
    }

    #[test]
    fn a_held_back_hit_is_seen_only_by_the_holding_agencys_supervisors() {
        let org = |n| OrganizationId(Uuid::from_u128(n));
        for hold in [Hold::Pending, Hold::Withheld] {
            let h = hit(Hold::Open, hold);
            assert!(!h.is_open());
            assert!(!h.seen_by(org(1), true), "the other agency learns nothing");
            assert!(
                !h.seen_by(org(2), false),
                "investigators wait for the decision"
            );
            assert!(h.seen_by(org(2), true));
            assert_eq!(h.parties(), vec![org(2)]);
        }
        let h = hit(Hold::Open, Hold::Disclosed);
        assert!(h.is_open() && h.seen_by(org(1), false));
    }

    #[test]
    fn only_the_holding_supervisor_decides_and_only_open_hits_are_worked() {
        let h = hit(Hold::Open, Hold::Pending);
        assert!(h.may_act(1, HitAction::Disclose, true).is_ok());
        assert!(h.may_act(1, HitAction::Withhold, true).is_ok());
        assert!(h.may_act(1, HitAction::Disclose, false).is_err());
        assert!(h.may_act(0, HitAction::Disclose, true).is_err());
        assert!(h.may_act(1, HitAction::Acknowledge, true).is_err());
        let mut h = hit(Hold::Open, Hold::Open);
        assert!(h.may_act(0, HitAction::Acknowledge, false).is_ok());
        h.sides[0].acknowledged_at = Some(h.created_at);
        let e = h.may_act(0, HitAction::Acknowledge, false).unwrap_err();
        assert_eq!(e.errors[0].field, "action");
        assert!(h.may_act(0, HitAction::Contacted, false).is_ok());
    }

    #[test]
    fn inputs_name_their_field() {
        let e = HitActionInput::default().validate().unwrap_err();
        assert_eq!(e.errors[0].field, "action");
        let e = HitActionInput {
            action: "shred".into(),
        }
        .validate()
        .unwrap_err();
        assert!(e.errors[0].message.contains("acknowledge"));
        assert_eq!(
            HitActionInput {
                action: "contacted".into()
            }
            .validate(),
            Ok(HitAction::Contacted)
        );
        let e = DoNotDiscloseInput::default().validate().unwrap_err();
        assert_eq!(e.errors[0].field, "do_not_disclose");
        let side = |p: u128, o: u128| {
            (
                PersonId(Uuid::from_u128(p)),
                OrganizationId(Uuid::from_u128(o)),
            )
        };
        assert_eq!(
            pair_key(side(2, 7), side(1, 8)),
            pair_key(side(1, 8), side(2, 7))
        );
        // The same person held by two agencies is a pair; a third agency makes another.
        assert_ne!(
            pair_key(side(1, 7), side(1, 8)),
            pair_key(side(1, 7), side(1, 9))
        );
        assert_eq!(
            pair_key(side(1, 8), side(1, 7)),
            format!(
                "{}/{}|{}/{}",
                Uuid::from_u128(1),
                Uuid::from_u128(7),
                Uuid::from_u128(1),
                Uuid::from_u128(8)
            )
        );
    }
}
