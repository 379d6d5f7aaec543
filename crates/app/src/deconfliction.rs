//! Target deconfliction (C5). Every identifier written on a person of an investigation (and the
//! person's name with a full date of birth) becomes keyed tokens under the task force's
//! deconfliction key (never the search key) and is checked at once, in the writing transaction,
//! against the pointers of every other agency. A hit tells both agencies "possible overlap —
//! contact NAME, AGENCY, PHONE" and the kind of identifier that matched, nothing else. A target
//! its agency marked "do not disclose" alerts only that agency's supervisors, who decide.
//!
//! Who is alerted on each side: the case's lead investigator (else the member who entered the
//! record) and the agency's supervisors. Whom the other side is told to contact: the same lead
//! investigator (else who entered it, else the agency's first supervisor).
//!
//! Names are compared on tokens only: the exact key (name tokens with nicknames and
//! transliterations joined, any order, plus the full date of birth) and a sounds-like key
//! (Double Metaphone of each name token, plus the full date of birth). The pointer table holds
//! neither names nor dates, so a Fellegi-Sunter score over raw values, which would need them, is
//! not computed here; the linkage engine scores persons where values may be compared (C5 record
//! linkage).

use crate::actor::Actor;
use crate::{App, AppError, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use taskforce_domain::access::{
    Action, DataCategory, Grant, Grantee, Label, Resource, ResourceKind,
};
use taskforce_domain::audit::Outcome;
use taskforce_domain::cases::{Case, CaseKind, Identifier, IdentifierKind, Person};
use taskforce_domain::deconfliction::*;
use taskforce_domain::notifications::{NotificationDraft, NotificationKind};
use taskforce_domain::structure::Role;
use taskforce_domain::*;
use taskforce_linkage::blind::Identifier as Blind;
use taskforce_store::deconfliction::{self as db, Pointer};
use taskforce_store::{cases as case_db, structure as org_db, Connection, Tx};

/// The blind identifiers of a person and their identifiers, each with what it matches as.
fn blind_identifiers(person: &Person, identifiers: &[Identifier]) -> Vec<(MatchKind, Blind)> {
    let mut out = Vec::new();
    let dob = person
        .date_of_birth
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut names = vec![format!("{} {}", person.given_name, person.family_name)];
    for i in identifiers {
        if i.kind == IdentifierKind::Alias {
            names.push(i.value.clone());
        }
    }
    for name in &names {
        if let Some(b) = Blind::person(name, &dob) {
            out.push((MatchKind::NameAndBirthDate, b));
        }
        if let Some(b) = Blind::person_sounds(name, &dob) {
            out.push((MatchKind::SimilarNameAndBirthDate, b));
        }
    }
    for i in identifiers {
        let value = i.value.trim();
        let found = match i.kind {
            IdentifierKind::Alias => None,
            IdentifierKind::Phone => Blind::phone(value).map(|b| (MatchKind::Phone, b)),
            IdentifierKind::Email => Blind::email(value).map(|b| (MatchKind::Email, b)),
            IdentifierKind::Address => Blind::address(value).map(|b| (MatchKind::Address, b)),
            IdentifierKind::Business => Blind::business(value).map(|b| (MatchKind::Business, b)),
            IdentifierKind::Vehicle => {
                // "NY ABC1234": a state and a plate; anything else (a VIN, a plate without its
                // state) is compared as written.
                let (state, plate) = match value.split_once(char::is_whitespace) {
                    Some((s, p)) if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) => {
                        (s, p)
                    }
                    _ => ("any", value),
                };
                Blind::plate(state, plate).map(|b| (MatchKind::Vehicle, b))
            }
            IdentifierKind::Social => {
                // "instagram @name", "instagram:name" or a profile address; a bare handle is
                // compared across platforms.
                let (platform, handle) = if value.contains("://") {
                    (
                        value
                            .split("://")
                            .nth(1)
                            .and_then(|r| r.split('/').next())
                            .map(|h| h.trim_start_matches("www.").split('.').next().unwrap_or(""))
                            .unwrap_or(""),
                        value,
                    )
                } else {
                    match value.split_once([':', ' ']) {
                        Some((p, h)) if !h.trim().is_empty() => (p, h.trim()),
                        _ => ("any", value),
                    }
                };
                Blind::online_account(platform, handle).map(|b| (MatchKind::Social, b))
            }
        };
        out.extend(found);
    }
    out
}

/// A hit as one of its parties sees it: the kind of identifier, whom to contact at the other
/// agency, and what the reader's own agency did about it. Nothing of the other agency's case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HitView {
    pub id: DeconflictionHitId,
    pub matched: MatchKind,
    /// `open`, `awaiting_decision` (your supervisors decide), or `withheld`.
    pub state: &'static str,
    /// Whom to contact at the other agency.
    pub contact: Contact,
    /// The reader's own case that matched (theirs to open).
    pub your_case_id: CaseId,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub contacted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// What the reader may do now.
    pub actions: Vec<HitAction>,
}

/// A person's standing in deconfliction, for their agency.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetView {
    pub person_id: PersonId,
    pub home_case_id: CaseId,
    /// Whether the person is on an investigation (only those are checked).
    pub checked: bool,
    pub do_not_disclose: bool,
    /// How many keyed tokens the index holds for them.
    pub tokens: usize,
    /// For their holding agency: how many hits on them were already disclosed to another
    /// agency. Marking them "do not disclose" holds new hits only; what was told stays told.
    pub already_disclosed: Option<usize>,
    pub may_update: bool,
}

fn is_supervisor(actor: &Actor) -> bool {
    match actor {
        Actor::System(_) => true,
        Actor::Member(p) => p.holds(Role::Supervisor),
    }
}

impl App {
    fn hit_grants(hit: &Hit) -> Vec<Grant> {
        hit.parties()
            .iter()
            .skip(1)
            .map(|org| Grant {
                to: Grantee::Organization(*org),
                until: None,
            })
            .collect()
    }

    /// A hit as the policy sees it: held by its first party, granted to the other while both
    /// know of it; while a side holds it back, held by that side alone.
    fn hit_resource<'a>(hit: &Hit, grants: &'a [Grant]) -> Resource<'a> {
        Resource {
            kind: ResourceKind::Deconfliction,
            task_force_id: Some(hit.task_force_id),
            owner: hit.parties().first().copied(),
            owner_member: None,
            label: Label::Organization,
            category: None,
            grants,
            consents: &[],
            subjects: &[],
        }
    }

    /// Lets the actor `action` the hit (the policy, then: a held-back hit is its supervisors'
    /// only); a denial is audited.
    async fn hit_for(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        id: DeconflictionHitId,
        action: Action,
    ) -> Result<Hit> {
        self.authorize(
            actor,
            action,
            &Resource::in_task_force(ResourceKind::Deconfliction, tf),
            &id.to_string(),
        )
        .await?;
        let hit = db::hit(conn, tf, id).await?.ok_or(AppError::NotFound)?;
        let grants = Self::hit_grants(&hit);
        self.authorize(
            actor,
            action,
            &Self::hit_resource(&hit, &grants),
            &id.to_string(),
        )
        .await?;
        if let Actor::Member(p) = actor {
            if !hit.seen_by(p.organization_id, p.holds(Role::Supervisor)) {
                return Err(self
                    .refuse_hit(
                        actor,
                        id,
                        action,
                        "Only your agency's supervisors see this alert until they decide.",
                    )
                    .await);
            }
        }
        Ok(hit)
    }

    /// Records a refusal that the hit's own rules make (a held-back hit, a decision only a
    /// supervisor takes) in the audit log, in its own transaction as the policy's refusals are,
    /// and returns it.
    async fn refuse_hit(
        &self,
        actor: &Actor,
        id: DeconflictionHitId,
        action: Action,
        reason: &str,
    ) -> AppError {
        let logged = async {
            let mut tx = self.store().begin().await?;
            self.audit(
                &mut tx,
                &actor.audit_actor(),
                &format!("{}.{}", ResourceKind::Deconfliction.code(), action.code()),
                ResourceKind::Deconfliction.code(),
                &id.to_string(),
                Outcome::Denied,
                reason,
            )
            .await?;
            tx.commit().await?;
            Ok::<(), AppError>(())
        };
        match logged.await {
            Ok(()) => AppError::Forbidden(reason.to_owned()),
            Err(e) => e,
        }
    }

    /// The active members of `org` holding `role`.
    async fn members_in_role(
        conn: &mut Connection,
        tf: TaskForceId,
        org: OrganizationId,
        role: Role,
    ) -> Result<Vec<taskforce_domain::structure::Member>> {
        Ok(org_db::members(conn, tf)
            .await?
            .into_iter()
            .filter(|m| {
                m.active
                    && m.memberships
                        .iter()
                        .any(|ms| ms.organization_id == org && ms.roles.contains(&role))
            })
            .collect())
    }

    /// Whom the other agency is told to contact for `side`.
    async fn contact(conn: &mut Connection, tf: TaskForceId, side: &HitSide) -> Result<Contact> {
        let agency = org_db::organization(conn, tf, side.organization_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let mut member = match side.contact_id {
            Some(id) => org_db::member(conn, tf, id).await?.filter(|m| m.active),
            None => None,
        };
        if member.is_none() {
            member = Self::members_in_role(conn, tf, side.organization_id, Role::Supervisor)
                .await?
                .into_iter()
                .next();
        }
        Ok(match member {
            Some(m) => Contact {
                name: m.name,
                agency,
                phone: if m.phone.trim().is_empty() {
                    m.email
                } else {
                    m.phone
                },
            },
            None => Contact {
                name: "The duty supervisor".into(),
                agency,
                phone: "through the task force coordinator".into(),
            },
        })
    }

    /// Alerts the parties who may know of the hit now: on an open hit both sides' contacts and
    /// supervisors; on a held-back side its supervisors only. Texts carry the other side's
    /// contact and the kind of identifier, nothing else.
    async fn alert(&self, tx: &mut Tx, tf: TaskForceId, hit: &Hit) -> Result<()> {
        for i in 0..2 {
            let side = &hit.sides[i];
            let other = Self::contact(tx.conn(), tf, &hit.sides[1 - i]).await?;
            let matched = hit.matched.label().to_lowercase();
            let (mut recipients, body) = if hit.is_open() {
                let mut r: Vec<MemberId> = side.contact_id.into_iter().collect();
                r.extend(
                    Self::members_in_role(tx.conn(), tf, side.organization_id, Role::Supervisor)
                        .await?
                        .iter()
                        .map(|m| m.id),
                );
                (
                    r,
                    format!(
                        "Possible overlap — contact {}. Matched on: {matched}.",
                        other.line()
                    ),
                )
            } else if side.hold == Hold::Pending {
                (
                    Self::members_in_role(tx.conn(), tf, side.organization_id, Role::Supervisor)
                        .await?
                        .iter()
                        .map(|m| m.id)
                        .collect(),
                    format!(
                        "Possible overlap on a target your agency marked do not disclose. The other agency has not been told; decide whether to disclose (then contact {}). Matched on: {matched}.",
                        other.line()
                    ),
                )
            } else {
                continue;
            };
            // Only members of the side's own agency (a lead from elsewhere could not open it).
            let mut members = Vec::new();
            for m in recipients.drain(..) {
                if members.contains(&m) {
                    continue;
                }
                let belongs = org_db::member(tx.conn(), tf, m).await?.is_some_and(|x| {
                    x.active
                        && x.memberships
                            .iter()
                            .any(|ms| ms.organization_id == side.organization_id)
                });
                if belongs {
                    members.push(m);
                }
            }
            for m in members {
                self.notify(
                    tx,
                    tf,
                    m,
                    NotificationDraft {
                        kind: NotificationKind::DeconflictionHit,
                        subject: "Possible overlap".into(),
                        body: body.clone(),
                        link: format!("/deconfliction/{}", hit.id),
                    },
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Brings the pointer index in line with a person as now recorded and checks what is new,
    /// inside the caller's transaction (called by every case use case that writes a person, an
    /// identifier, or puts a person on a case). Each agency that holds the person on one of its
    /// investigations holds their tokens: pointers no longer derived from the record (an old
    /// name or date of birth, a removed identifier, an agency that no longer holds them) are
    /// removed, so they stop matching at once; new ones are written and looked up among every
    /// other agency's pointers. Each new overlap is recorded, audited and alerted.
    ///
    /// A victim service provider's client (a `victim-confidential` person) is indexed for no
    /// agency but their holder, which never runs investigations: a consent lets an agency read
    /// the record, but a pointer would outlive the consent (ACCESS-MODEL.md: nothing but a live
    /// consent opens such a record, not hashing or encoding for matching).
    pub(crate) async fn check_target(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
    ) -> Result<()> {
        let row = case_db::person(tx.conn(), tf, person)
            .await?
            .ok_or(AppError::NotFound)?;
        let person = &row.person;
        // The agencies that hold the person on an investigation, each with its first such case.
        let mut holders: Vec<Case> = Vec::new();
        for case in case_db::investigations_of_person(tx.conn(), tf, person.id).await? {
            let confidential_elsewhere = person.label == Label::VictimConfidential
                && case.owner_organization_id != person.owner_organization_id;
            if !confidential_elsewhere
                && !holders
                    .iter()
                    .any(|c| c.owner_organization_id == case.owner_organization_id)
            {
                holders.push(case);
            }
        }
        let held = db::pointers_of(tx.conn(), tf, person.id).await?;
        let wanted: Vec<(String, MatchKind)> = if holders.is_empty() {
            Vec::new()
        } else {
            let identifiers = case_db::identifiers(tx.conn(), tf, person.id).await?;
            let key = self.deconfliction_key(tx, tf).await?;
            let mut wanted: Vec<(String, MatchKind)> = blind_identifiers(person, &identifiers)
                .iter()
                .map(|(kind, b)| (key.token(b).prefix_hex(), *kind))
                .collect();
            wanted.sort();
            wanted.dedup();
            wanted
        };
        // Stale pointers first: of agencies that no longer hold the person, and of values the
        // record no longer has.
        let mut agencies: Vec<OrganizationId> = held.iter().map(|p| p.organization_id).collect();
        agencies.sort_by_key(ToString::to_string);
        agencies.dedup();
        for org in agencies {
            let holds = holders.iter().any(|c| c.owner_organization_id == org);
            let stale: Vec<(String, MatchKind)> = held
                .iter()
                .filter(|p| p.organization_id == org)
                .map(|p| (p.token.clone(), p.kind))
                .filter(|t| !holds || !wanted.contains(t))
                .collect();
            db::delete_pointers(tx, tf, person.id, org, &stale).await?;
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let by = actor.principal().map(|p| p.member_id);
        let now = self.clock().now();
        let dnd = db::do_not_disclose(tx.conn(), tf, person.id).await?;
        for case in &holders {
            let org = case.owner_organization_id;
            let new: Vec<Pointer> = wanted
                .iter()
                .filter(|(token, kind)| {
                    !held
                        .iter()
                        .any(|p| p.organization_id == org && p.token == *token && p.kind == *kind)
                })
                .map(|(token, kind)| Pointer {
                    token: token.clone(),
                    kind: *kind,
                    person_id: person.id,
                    organization_id: org,
                    case_id: case.id,
                    created_by: by,
                })
                .collect();
            if new.is_empty() {
                continue;
            }
            db::insert_pointers(tx, tf, &new, now).await?;
            let tokens: Vec<String> = new.iter().map(|p| p.token.clone()).collect();
            let found = db::lookup(tx.conn(), tf, &tokens, org).await?;
            // "Do not disclose" holds the side of the agency that holds the person's record.
            let mine_held = dnd && org == person.owner_organization_id;
            self.record_hits(tx, actor, tf, person.id, case, by, mine_held, found, now)
                .await?;
        }
        Ok(())
    }

    /// Records, audits and alerts one hit per other side (person and agency) found by a check,
    /// on the strongest kind that matched, unless the pair is already recorded.
    #[allow(clippy::too_many_arguments)] // the checked side, as `check_target` knows it
    async fn record_hits(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        case: &Case,
        by: Option<MemberId>,
        mine_held: bool,
        mut found: Vec<db::Found>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        found.sort_by(|x, y| {
            let key = |f: &db::Found| {
                (
                    f.pointer.person_id.to_string(),
                    f.pointer.organization_id.to_string(),
                    f.pointer.kind,
                )
            };
            key(x).cmp(&key(y))
        });
        found.dedup_by(|x, y| {
            x.pointer.person_id == y.pointer.person_id
                && x.pointer.organization_id == y.pointer.organization_id
        });
        for f in found {
            let key = pair_key(
                (person, case.owner_organization_id),
                (f.pointer.person_id, f.pointer.organization_id),
            );
            if db::pair_recorded(tx.conn(), tf, &key).await? {
                continue;
            }
            let theirs = case_db::case(tx.conn(), tf, f.pointer.case_id)
                .await?
                .map(|r| r.case);
            let their_holder = case_db::person(tx.conn(), tf, f.pointer.person_id)
                .await?
                .map(|r| r.person.owner_organization_id);
            let theirs_held = f.do_not_disclose && their_holder == Some(f.pointer.organization_id);
            let hold = |dnd: bool| if dnd { Hold::Pending } else { Hold::Open };
            let side = |org, case_id, person_id, contact_id, hold| HitSide {
                organization_id: org,
                case_id,
                person_id,
                contact_id,
                hold,
                acknowledged_at: None,
                acknowledged_by: None,
                contacted_at: None,
                contacted_by: None,
            };
            let hit = Hit {
                id: DeconflictionHitId(self.new_id()),
                task_force_id: tf,
                matched: f.pointer.kind,
                sides: [
                    side(
                        case.owner_organization_id,
                        case.id,
                        person,
                        case.lead_member_id.or(by),
                        hold(mine_held),
                    ),
                    side(
                        f.pointer.organization_id,
                        f.pointer.case_id,
                        f.pointer.person_id,
                        theirs
                            .and_then(|c| c.lead_member_id)
                            .or(f.pointer.created_by),
                        hold(theirs_held),
                    ),
                ],
                created_at: now,
                version: 1,
            };
            db::insert_hit(tx, &hit).await?;
            self.alert(tx, tf, &hit).await?;
            self.write_audit(
                tx,
                actor,
                ResourceKind::Deconfliction,
                "create",
                &hit.id.to_string(),
                &format!(
                    "possible overlap on {} between {} and {}{}",
                    hit.matched.code(),
                    hit.sides[0].organization_id,
                    hit.sides[1].organization_id,
                    if hit.is_open() {
                        ""
                    } else {
                        " (held back: do not disclose)"
                    }
                ),
            )
            .await?;
        }
        Ok(())
    }

    async fn hit_view(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        hit: &Hit,
    ) -> Result<HitView> {
        let org = actor.principal().map(|p| p.organization_id);
        let side = org.and_then(|o| hit.side_of(o)).unwrap_or(0);
        let mine = &hit.sides[side];
        let state = if hit.is_open() {
            "open"
        } else if hit.sides.iter().any(|s| s.hold == Hold::Pending) {
            "awaiting_decision"
        } else {
            "withheld"
        };
        let supervisor = is_supervisor(actor);
        let grants = Self::hit_grants(hit);
        let may_update = self.may(actor, Action::Update, &Self::hit_resource(hit, &grants));
        let actions = HitAction::ALL
            .iter()
            .copied()
            .filter(|a| may_update && hit.may_act(side, *a, supervisor).is_ok())
            .collect();
        Ok(HitView {
            id: hit.id,
            matched: hit.matched,
            state,
            contact: Self::contact(conn, tf, &hit.sides[1 - side]).await?,
            your_case_id: mine.case_id,
            acknowledged_at: mine.acknowledged_at,
            contacted_at: mine.contacted_at,
            created_at: hit.created_at,
            actions,
        })
    }

    /// The deconfliction alerts of the actor's agency, newest first (a held-back one only for
    /// its supervisors). The list is audited.
    pub async fn deconfliction_hits(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<HitView>> {
        self.authorize(
            actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::Deconfliction, tf),
            "hits",
        )
        .await?;
        let Some(p) = actor.principal() else {
            return Ok(Vec::new());
        };
        let mut conn = self.store().conn().await?;
        let mut out = Vec::new();
        for hit in db::hits_of(&mut conn, tf, p.organization_id, 500).await? {
            let grants = Self::hit_grants(&hit);
            if hit.seen_by(p.organization_id, p.holds(Role::Supervisor))
                && self.may(actor, Action::Read, &Self::hit_resource(&hit, &grants))
            {
                out.push(self.hit_view(actor, &mut conn, tf, &hit).await?);
            }
        }
        drop(conn);
        let mut tx = self.store().begin().await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Deconfliction,
            "list",
            "hits",
            &format!("{} alerts", out.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// One alert; the read is audited.
    pub async fn deconfliction_hit(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: DeconflictionHitId,
    ) -> Result<HitView> {
        let mut conn = self.store().conn().await?;
        let hit = self.hit_for(actor, &mut conn, tf, id, Action::Read).await?;
        let view = self.hit_view(actor, &mut conn, tf, &hit).await?;
        drop(conn);
        self.audit_read(actor, ResourceKind::Deconfliction, &id.to_string(), "")
            .await?;
        Ok(view)
    }

    /// Acknowledges an alert, records that the agencies made contact, or (a supervisor of the
    /// agency that holds it back) discloses or withholds it. Audited; disclosing sends the
    /// mutual alert once no side holds the hit back.
    pub async fn act_on_hit(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: DeconflictionHitId,
        input: HitActionInput,
    ) -> Result<HitView> {
        let mut conn = self.store().conn().await?;
        let hit = self
            .hit_for(actor, &mut conn, tf, id, Action::Update)
            .await?;
        drop(conn);
        let action = input.validate()?;
        let Some(p) = actor.principal() else {
            return Err(AppError::Forbidden(
                "Alerts are worked by members of the agencies involved.".into(),
            ));
        };
        let side = hit.side_of(p.organization_id).ok_or(AppError::NotFound)?;
        let supervisor = p.holds(Role::Supervisor);
        if matches!(action, HitAction::Disclose | HitAction::Withhold) && !supervisor {
            return Err(self
                .refuse_hit(
                    actor,
                    id,
                    Action::Update,
                    "Only a supervisor of the agency that marked the target decides whether to disclose.",
                )
                .await);
        }
        hit.may_act(side, action, supervisor)?;
        let now = self.clock().now();
        let mut new = hit.sides[side].clone();
        match action {
            HitAction::Acknowledge => {
                new.acknowledged_at = Some(now);
                new.acknowledged_by = Some(p.member_id);
            }
            HitAction::Contacted => {
                new.contacted_at = Some(now);
                new.contacted_by = Some(p.member_id);
                if new.acknowledged_at.is_none() {
                    new.acknowledged_at = Some(now);
                    new.acknowledged_by = Some(p.member_id);
                }
            }
            HitAction::Disclose => new.hold = Hold::Disclosed,
            HitAction::Withhold => new.hold = Hold::Withheld,
        }
        let mut tx = self.store().begin().await?;
        db::update_side(&mut tx, tf, &hit, side, &new).await?;
        let mut after = hit.clone();
        after.sides[side] = new;
        after.version += 1;
        if action == HitAction::Disclose && after.is_open() {
            self.alert(&mut tx, tf, &after).await?;
        }
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Deconfliction,
            "update",
            &id.to_string(),
            action.code(),
        )
        .await?;
        let view = self.hit_view(actor, tx.conn(), tf, &after).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A person's standing in deconfliction (their agency's flag and how many tokens are
    /// indexed); the read is audited.
    pub async fn deconfliction_target(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
    ) -> Result<TargetView> {
        let mut conn = self.store().conn().await?;
        let (row, held) = self
            .person_for(actor, &mut conn, tf, person, Action::Read)
            .await?;
        let resource = Self::person_resource(&row, &held, DataCategory::Identity);
        let home = case_db::case(&mut conn, tf, row.home_case_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let holder = row.person.owner_organization_id;
        let already_disclosed = if actor
            .principal()
            .is_none_or(|p| p.organization_id == holder)
        {
            let hits = db::hits_of_side(&mut conn, tf, person, holder).await?;
            Some(hits.iter().filter(|h| h.is_open()).count())
        } else {
            None
        };
        let view = TargetView {
            person_id: person,
            home_case_id: row.home_case_id,
            checked: home.case.kind == CaseKind::Investigation
                || !case_db::investigations_of_person(&mut conn, tf, person)
                    .await?
                    .is_empty(),
            do_not_disclose: db::do_not_disclose(&mut conn, tf, person).await?,
            tokens: db::pointers_of(&mut conn, tf, person).await?.len(),
            already_disclosed,
            may_update: self.may(actor, Action::Update, &resource),
        };
        drop(conn);
        self.audit_read(
            actor,
            ResourceKind::Person,
            &person.to_string(),
            "deconfliction",
        )
        .await?;
        Ok(view)
    }

    /// Marks a person of the actor's agency's investigation "do not disclose" (or clears it):
    /// from then on a hit on them alerts only the agency's supervisors, who decide.
    ///
    /// Marking after hits were disclosed: what was told cannot be taken back, so those hits
    /// stay open (both agencies keep the alert and its contact; the page tells the supervisor
    /// how many there are, and the audit entry records it), while every new hit on the person
    /// — a new agency, or a new identifier that links them to another person — is held for the
    /// supervisors. A pair already told is not told again, so no new alert goes out about it.
    /// Clearing the mark leaves hits already held pending until a supervisor decides. Audited.
    pub async fn set_do_not_disclose(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        input: DoNotDiscloseInput,
    ) -> Result<TargetView> {
        let mut conn = self.store().conn().await?;
        let (row, _) = self
            .person_for(actor, &mut conn, tf, person, Action::Update)
            .await?;
        let home = case_db::case(&mut conn, tf, row.home_case_id)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(conn);
        let value = input.validate()?;
        if home.case.kind != CaseKind::Investigation {
            return Err(AppError::Invalid(Invalid::one(
                "do_not_disclose",
                "only persons on an investigation are checked for deconfliction",
            )));
        }
        let mut tx = self.store().begin().await?;
        db::set_do_not_disclose(
            &mut tx,
            tf,
            person,
            value,
            actor.principal().map(|p| p.member_id),
            self.clock().now(),
        )
        .await?;
        let told = db::hits_of_side(tx.conn(), tf, person, row.person.owner_organization_id)
            .await?
            .iter()
            .filter(|h| h.is_open())
            .count();
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Person,
            "update",
            &person.to_string(),
            &if value {
                format!(
                    "deconfliction: do not disclose ({told} hits already disclosed stay disclosed)"
                )
            } else {
                "deconfliction: disclose hits".to_owned()
            },
        )
        .await?;
        tx.commit().await?;
        self.deconfliction_target(actor, tf, person).await
    }
}
