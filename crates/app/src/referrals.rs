//! Use cases of referrals (C4) and the navigators' network (C7).
//!
//! A referral is a record of kind `Referral` labelled `organization`: held by the sender's
//! organization, granted to the recipient organization and to each navigator of the region it
//! was sent to (the sender member is its `owner_member`, so a community partner sees the ones
//! they sent). Who the person is stays behind the person policy: every page asks
//! [`App::person_resource`] with the survivor's consents at the moment of access, so an expired
//! or revoked consent closes the person (and the sender's note) to the recipient at once.
//! Sending needs a live consent from the person's holder that covers the recipient organization
//! and every shared category ([`Consent::covers_all`]); a navigator may route only to a partner
//! such a consent covers. Each change is an event in the referral's history, audited, and told
//! to the other side by notification (texts carry no name and no narrative).

use crate::actor::Actor;
use crate::cases::Shown;
use crate::{App, AppError, Result};
use std::collections::HashMap;
use taskforce_domain::access::{
    Action, DataCategory, Grant, Grantee, Label, Resource, ResourceKind,
};
use taskforce_domain::audit::Outcome;
use taskforce_domain::consent::Consent;
use taskforce_domain::notifications::{NotificationDraft, NotificationKind};
use taskforce_domain::referrals::*;
use taskforce_domain::structure::{Member, Organization, OrganizationKind, Region, Role};
use taskforce_domain::*;
use taskforce_store::cases as case_db;
use taskforce_store::referrals::{self as db, CountRow, ReferralBox, ReferralRow};
use taskforce_store::{consent as consent_db, structure as org_db, Connection, Tx};

/// Which list of referrals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    /// Referrals routed to the member's organization.
    Inbox,
    /// Referrals the member's organization sent.
    Outbox,
    /// Referrals sent to the regions the member navigates.
    Queue,
}

impl Tab {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "inbox" => Some(Tab::Inbox),
            "outbox" => Some(Tab::Outbox),
            "queue" => Some(Tab::Queue),
            _ => None,
        }
    }
}

/// One referral in a list: its metadata, and who the person is as far as the reader may see.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReferralSummary {
    pub referral: Referral,
    pub person: Shown<String>,
    pub sender: String,
    pub recipient: String,
    pub region: String,
    pub overdue: bool,
}

/// A referral's page: metadata, the person and the note as far as the reader may see them,
/// the history, and what the reader may do now.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReferralView {
    pub summary: ReferralSummary,
    pub details: Shown<String>,
    pub events: Vec<ReferralEvent>,
    pub sides: Vec<Side>,
    pub actions: Vec<ReferralAction>,
    /// For a navigator routing it: each partner organization, and whether the survivor's
    /// consent covers it (with the reason when not).
    pub partners: Vec<PartnerChoice>,
}

/// A partner a navigator may route to, or may not (and why).
#[derive(Clone, Debug, serde::Serialize)]
pub struct PartnerChoice {
    pub organization: Organization,
    /// In the referral's region.
    pub local: bool,
    /// `None`: covered; else why not.
    pub not_covered: Option<String>,
}

/// Counts of one region (or of referrals sent to an organization directly): metadata only.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RegionStats {
    pub region_id: Option<RegionId>,
    pub name: String,
    pub total: i64,
    pub open: i64,
    pub by_status: Vec<(ReferralStatus, i64)>,
    /// Hours since the oldest open referral was sent.
    pub oldest_open_hours: Option<i64>,
    /// Referrals that went past their SLA.
    pub breached: i64,
    pub outcomes: Vec<(ReferralOutcome, i64)>,
}

/// A navigator's region: its open queue, local partners and counts.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NavigatorRegion {
    pub region: Region,
    pub queue: Vec<ReferralSummary>,
    pub partners: Vec<Organization>,
    pub stats: RegionStats,
}

/// What the sender may choose from when referring.
#[derive(Clone, Debug)]
pub struct ReferralChoices {
    pub organizations: Vec<Organization>,
    pub regions: Vec<Region>,
    /// The person's name, when a person is referred.
    pub person: Option<String>,
    /// Organizations a live consent of the person covers (for the form's hint).
    pub covered: Vec<OrganizationId>,
}

/// The referral's holder and grants as the policy sees them.
fn grants_of(r: &Referral, region: Option<&Region>) -> Vec<Grant> {
    let mut grants: Vec<Grant> = r
        .recipient_organization_id
        .map(|o| Grant {
            to: Grantee::Organization(o),
            until: None,
        })
        .into_iter()
        .collect();
    if let Some(region) = region {
        grants.extend(region.navigators.iter().map(|m| Grant {
            to: Grantee::Member(*m),
            until: None,
        }));
    }
    grants
}

fn resource<'a>(r: &Referral, grants: &'a [Grant]) -> Resource<'a> {
    Resource {
        owner: Some(r.sender_organization_id),
        owner_member: Some(r.sender_member_id),
        label: Label::Organization,
        grants,
        ..Resource::in_task_force(ResourceKind::Referral, r.task_force_id)
    }
}

fn sides_of(actor: &Actor, r: &Referral, region: Option<&Region>) -> Vec<Side> {
    let Some(p) = actor.principal() else {
        return Vec::new();
    };
    let mut sides = Vec::new();
    if p.organization_id == r.sender_organization_id
        && (!p.holds(Role::CommunityPartner) || p.member_id == r.sender_member_id)
    {
        sides.push(Side::Sender);
    }
    if r.recipient_organization_id == Some(p.organization_id) {
        sides.push(Side::Recipient);
    }
    if p.holds(Role::Navigator) && region.is_some_and(|g| g.navigators.contains(&p.member_id)) {
        sides.push(Side::Navigator);
    }
    sides
}

/// The side an action belongs to.
fn side_of(action: ReferralAction) -> Side {
    match action {
        ReferralAction::Route => Side::Navigator,
        ReferralAction::Answer | ReferralAction::Withdraw | ReferralAction::Send => Side::Sender,
        _ => Side::Recipient,
    }
}

fn category_words(categories: &[DataCategory]) -> String {
    categories
        .iter()
        .map(|c| c.code())
        .collect::<Vec<_>>()
        .join(", ")
}

fn needs_words(needs: &[String]) -> String {
    needs
        .iter()
        .map(|n| service_words(n).to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Members of `org` who work referrals (roles that may update them).
fn referral_workers(members: &[Member], org: OrganizationId) -> Vec<MemberId> {
    members
        .iter()
        .filter(|m| m.active)
        .filter(|m| {
            m.memberships.iter().any(|ms| {
                ms.organization_id == org
                    && ms.roles.iter().any(|r| {
                        matches!(
                            r,
                            Role::Advocate
                                | Role::Supervisor
                                | Role::Investigator
                                | Role::Prosecutor
                        )
                    })
            })
        })
        .map(|m| m.id)
        .collect()
}

/// Why a consent does not cover `org` for `categories` (the consents are the holder's).
fn coverage(
    consents: &[Consent],
    org: OrganizationId,
    categories: &[DataCategory],
    now: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<ConsentId, String> {
    if let Some(c) = consents.iter().find(|c| c.covers_all(org, categories, now)) {
        return Ok(c.id);
    }
    let live: Vec<&Consent> = consents.iter().filter(|c| c.scope().live(now)).collect();
    Err(if live.is_empty() {
        "no consent of the survivor is in force (none recorded, or each expired or was revoked)"
            .to_owned()
    } else if !live.iter().any(|c| c.recipients.contains(&org)) {
        "the survivor's consent does not name this organization".to_owned()
    } else {
        format!(
            "the survivor's consent to this organization does not cover all of: {}",
            category_words(categories)
        )
    })
}

impl App {
    async fn referral_region(&self, conn: &mut Connection, r: &Referral) -> Result<Option<Region>> {
        match r.region_id {
            Some(id) => Ok(org_db::region(conn, r.task_force_id, id).await?),
            None => Ok(None),
        }
    }

    /// Records a refusal the workflow (not the role table) makes, and returns it.
    async fn refuse(&self, actor: &Actor, id: ReferralId, action: &str, reason: &str) -> AppError {
        let mut tx = match self.store().begin().await {
            Ok(tx) => tx,
            Err(e) => return e.into(),
        };
        let logged = self
            .audit(
                &mut tx,
                &actor.audit_actor(),
                &format!("referral.{action}"),
                ResourceKind::Referral.code(),
                &id.to_string(),
                Outcome::Denied,
                reason,
            )
            .await;
        if let Err(e) = logged {
            return e;
        }
        if let Err(e) = tx.commit().await {
            return e.into();
        }
        AppError::Forbidden(reason.to_owned())
    }

    async fn tell(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        members: &[MemberId],
        draft: &NotificationDraft,
    ) -> Result<()> {
        let mut told = Vec::new();
        for m in members {
            if !told.contains(m) {
                told.push(*m);
                self.notify(tx, tf, *m, draft.clone()).await?;
            }
        }
        Ok(())
    }

    /// What a sender may choose from (organizations, regions), and the person's name.
    pub async fn referral_choices(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: Option<PersonId>,
    ) -> Result<ReferralChoices> {
        self.authorize(
            actor,
            Action::Create,
            &Resource::in_task_force(ResourceKind::Referral, tf),
            "new",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let organizations: Vec<Organization> = org_db::organizations(&mut conn, tf)
            .await?
            .into_iter()
            .filter(|o| o.active && Some(o.id) != actor.principal().map(|p| p.organization_id))
            .collect();
        let regions = org_db::regions(&mut conn, tf).await?;
        let now = self.clock().now();
        let (name, covered) = match person {
            Some(id) => {
                let row = case_db::person(&mut conn, tf, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let held = self.person_held(&mut conn, tf, &row).await?;
                self.authorize(
                    actor,
                    Action::Read,
                    &Self::person_resource(&row, &held, DataCategory::Identity),
                    &id.to_string(),
                )
                .await?;
                let consents = consent_db::of_person(
                    &mut conn,
                    tf,
                    id,
                    Some(row.person.owner_organization_id),
                )
                .await?;
                let covered = organizations
                    .iter()
                    .filter(|o| {
                        consents
                            .iter()
                            .any(|c| c.covers_all(o.id, &[DataCategory::Identity], now))
                    })
                    .map(|o| o.id)
                    .collect();
                (Some(row.person.display_name()), covered)
            }
            None => (None, Vec::new()),
        };
        Ok(ReferralChoices {
            organizations,
            regions,
            person: name,
            covered,
        })
    }

    /// Sends a referral. A referral about a person needs a live consent, recorded by the
    /// person's holder (the sender), covering the recipient (for a region: some partner) and
    /// every shared category; without one it is refused, saying so.
    pub async fn send_referral(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: ReferralInput,
    ) -> Result<Referral> {
        self.authorize(
            actor,
            Action::Create,
            &Resource::in_task_force(ResourceKind::Referral, tf),
            "new",
        )
        .await?;
        let p = actor
            .principal()
            .ok_or_else(|| AppError::Forbidden("A referral is sent by a member.".into()))?
            .clone();
        let mut conn = self.store().conn().await?;
        let organizations = org_db::organizations(&mut conn, tf).await?;
        let org_ids: Vec<OrganizationId> = organizations
            .iter()
            .filter(|o| o.active)
            .map(|o| o.id)
            .collect();
        let regions = org_db::regions(&mut conn, tf).await?;
        let region_ids: Vec<RegionId> = regions.iter().map(|r| r.id).collect();
        let new = input
            .validate(&ReferralContext {
                organizations: &org_ids,
                regions: &region_ids,
                sender: p.organization_id,
                community_partner: p.organization_kind == OrganizationKind::CommunityPartner,
            })?
            .into_inner();
        let now = self.clock().now();
        let mut consent_id = None;
        if let Some(person) = new.person_id {
            let row = case_db::person(&mut conn, tf, person)
                .await?
                .ok_or(AppError::NotFound)?;
            if row.person.owner_organization_id != p.organization_id {
                drop(conn);
                return Err(self
                    .refuse(
                        actor,
                        ReferralId(uuid::Uuid::nil()),
                        "create",
                        "You can refer only a person your organization holds.",
                    )
                    .await);
            }
            let consents =
                consent_db::of_person(&mut conn, tf, person, Some(p.organization_id)).await?;
            let found = match new.destination {
                Destination::Organization(org) => coverage(&consents, org, &new.categories, now)
                    .map_err(|why| {
                        let name = organizations
                            .iter()
                            .find(|o| o.id == org)
                            .map_or("", |o| o.name.as_str());
                        format!("cannot be sent to {name}: {why}. Record the survivor's consent first.")
                    }),
                Destination::Region(_) => org_ids
                    .iter()
                    .filter(|o| **o != p.organization_id)
                    .find_map(|o| coverage(&consents, *o, &new.categories, now).ok())
                    .ok_or_else(|| {
                        format!(
                            "cannot be sent: no consent of the survivor in force covers any partner for {}. Record the survivor's consent first.",
                            category_words(&new.categories)
                        )
                    }),
            };
            match found {
                Ok(id) => consent_id = Some(id),
                Err(why) => return Err(AppError::Invalid(Invalid::one("consent", why))),
            }
        }
        let sla = db::sla(&mut conn, tf).await?;
        let members = org_db::members(&mut conn, tf).await?;
        drop(conn);
        let (region_id, recipient) = match new.destination {
            Destination::Organization(o) => (None, Some(o)),
            Destination::Region(r) => (Some(r), None),
        };
        let referral = Referral {
            id: ReferralId(self.new_id()),
            task_force_id: tf,
            person_id: new.person_id,
            sender_organization_id: p.organization_id,
            sender_member_id: p.member_id,
            region_id,
            recipient_organization_id: recipient,
            needs: new.needs,
            urgency: new.urgency,
            categories: new.categories,
            consent_id,
            attested: new.attested,
            status: ReferralStatus::Sent,
            status_reason: String::new(),
            outcome: None,
            outcome_note: String::new(),
            sent_at: now,
            due_at: sla.due(new.urgency, now),
            breach_notified_at: None,
            closed_at: None,
            version: 1,
            updated_at: now,
        };
        let mut tx = self.store().begin().await?;
        let details = self
            .seal(&mut tx, tf, p.organization_id, &new.details)
            .await?;
        db::insert(&mut tx, &referral, &details).await?;
        db::insert_event(
            &mut tx,
            tf,
            referral.id,
            self.new_id(),
            now,
            Some(p.member_id),
            Some(p.organization_id),
            ReferralAction::Send,
            ReferralStatus::Sent,
            "",
        )
        .await?;
        let (to, subject) = match (recipient, region_id) {
            (Some(org), _) => (
                referral_workers(&members, org),
                "A new referral for your organization".to_owned(),
            ),
            (None, Some(r)) => (
                regions
                    .iter()
                    .find(|g| g.id == r)
                    .map(|g| g.navigators.clone())
                    .unwrap_or_default(),
                "A new referral is waiting in your region's queue".to_owned(),
            ),
            (None, None) => (Vec::new(), String::new()),
        };
        self.tell(
            &mut tx,
            tf,
            &to,
            &NotificationDraft {
                kind: NotificationKind::ReferralReceived,
                subject,
                body: format!(
                    "Urgency: {}. Needs: {}. Open the referral to see what the survivor agreed to share.",
                    referral.urgency.label(),
                    needs_words(&referral.needs)
                ),
                link: format!("/referrals/{}", referral.id),
            },
        )
        .await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Referral,
            "create",
            &referral.id.to_string(),
            &format!(
                "{} {}; needs {}; shares {}; consent {}",
                match (recipient, region_id) {
                    (Some(o), _) => format!("to organization {o}"),
                    (None, Some(r)) => format!("to region {r}"),
                    _ => String::new(),
                },
                referral.urgency.code(),
                referral.needs.join(","),
                category_words(&referral.categories),
                consent_id.map_or("none (community partner's attestation)".to_owned(), |c| c
                    .to_string()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(referral)
    }

    async fn summary(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        row: &ReferralRow,
        names: &HashMap<uuid::Uuid, String>,
    ) -> Result<ReferralSummary> {
        let r = &row.referral;
        let person = match r.person_id {
            None => Shown::Yes("Described in the community partner's note".to_owned()),
            Some(id) => match case_db::person(conn, r.task_force_id, id).await? {
                None => Shown::Withheld {
                    label: Label::Organization,
                    reason: "The person's record is gone.",
                },
                Some(prow) => {
                    let held = self.person_held(conn, r.task_force_id, &prow).await?;
                    let res = Self::person_resource(&prow, &held, DataCategory::Identity);
                    match actor {
                        Actor::System(_) => Shown::Yes(prow.person.display_name()),
                        Actor::Member(p) => {
                            let d = taskforce_domain::access::decide(
                                p,
                                Action::Read,
                                &res,
                                self.clock().now(),
                            );
                            if d.allowed {
                                Shown::Yes(prow.person.display_name())
                            } else {
                                Shown::Withheld {
                                    label: prow.person.label,
                                    reason: d.reason,
                                }
                            }
                        }
                    }
                }
            },
        };
        let name =
            |id: Option<uuid::Uuid>| id.and_then(|i| names.get(&i).cloned()).unwrap_or_default();
        Ok(ReferralSummary {
            person,
            sender: name(Some(r.sender_organization_id.0)),
            recipient: name(r.recipient_organization_id.map(|o| o.0)),
            region: name(r.region_id.map(|g| g.0)),
            overdue: r.overdue(self.clock().now()),
            referral: r.clone(),
        })
    }

    async fn names(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
    ) -> Result<HashMap<uuid::Uuid, String>> {
        let mut names: HashMap<uuid::Uuid, String> = org_db::organizations(conn, tf)
            .await?
            .into_iter()
            .map(|o| (o.id.0, o.name))
            .collect();
        names.extend(
            org_db::regions(conn, tf)
                .await?
                .into_iter()
                .map(|g| (g.id.0, g.name)),
        );
        Ok(names)
    }

    /// The regions `actor` navigates.
    async fn navigated(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<Region>> {
        let Some(p) = actor.principal() else {
            return Ok(Vec::new());
        };
        if !p.holds(Role::Navigator) {
            return Ok(Vec::new());
        }
        Ok(org_db::regions(conn, tf)
            .await?
            .into_iter()
            .filter(|g| g.navigators.contains(&p.member_id))
            .collect())
    }

    /// A list of referrals: the organization's inbox or outbox, or the queue of the regions the
    /// member navigates (each cut in SQL to that side, the sides the policy grants).
    pub async fn referrals(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        tab: Tab,
        open_only: bool,
    ) -> Result<Vec<ReferralSummary>> {
        self.authorize(
            actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::Referral, tf),
            "referrals",
        )
        .await?;
        let Some(p) = actor.principal() else {
            return Ok(Vec::new());
        };
        let mut conn = self.store().conn().await?;
        let which = match tab {
            Tab::Inbox => ReferralBox::Inbox(p.organization_id),
            Tab::Outbox if p.holds(Role::CommunityPartner) && p.roles.len() == 1 => {
                ReferralBox::OutboxOf(p.member_id)
            }
            Tab::Outbox => ReferralBox::Outbox(p.organization_id),
            Tab::Queue => ReferralBox::Regions(
                self.navigated(&mut conn, actor, tf)
                    .await?
                    .iter()
                    .map(|g| g.id)
                    .collect(),
            ),
        };
        let rows = db::list(&mut conn, tf, &which, open_only, 500).await?;
        let names = self.names(&mut conn, tf).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            out.push(self.summary(actor, &mut conn, row, &names).await?);
        }
        Ok(out)
    }

    /// One referral as the reader may see it, with its history and what they may do (the read
    /// is audited).
    pub async fn referral(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: ReferralId,
    ) -> Result<ReferralView> {
        self.authorize(
            actor,
            Action::Read,
            &Resource::in_task_force(ResourceKind::Referral, tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let row = db::get(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let r = row.referral.clone();
        let region = self.referral_region(&mut conn, &r).await?;
        let grants = grants_of(&r, region.as_ref());
        self.authorize(actor, Action::Read, &resource(&r, &grants), &id.to_string())
            .await?;
        let now = self.clock().now();
        let sides = sides_of(actor, &r, region.as_ref());
        let may_update = self.may(actor, Action::Update, &resource(&r, &grants));
        let actions: Vec<ReferralAction> = if may_update {
            let mut all = Vec::new();
            for side in &sides {
                for a in ReferralAction::allowed(
                    *side,
                    r.status,
                    r.recipient_organization_id.is_some(),
                    r.region_id.is_some(),
                ) {
                    if !all.contains(&a) {
                        all.push(a);
                    }
                }
            }
            all
        } else {
            Vec::new()
        };
        // The sender's note: the sender always; the recipient and navigators while the
        // survivor's consent covers their organization (re-checked now); a community partner's
        // note (no person record) to those who route and receive it.
        let consents = match r.person_id {
            Some(person) => {
                consent_db::of_person(&mut conn, tf, person, Some(r.sender_organization_id)).await?
            }
            None => Vec::new(),
        };
        let reader_org = actor.principal().map(|p| p.organization_id);
        let note_open = matches!(actor, Actor::System(_))
            || sides.contains(&Side::Sender)
            || r.person_id.is_none()
            || reader_org.is_some_and(|o| coverage(&consents, o, &r.categories, now).is_ok());
        let details = if note_open {
            Shown::Yes(self.unseal(&mut conn, tf, &row.details_enc).await?)
        } else {
            Shown::Withheld {
                label: Label::VictimConfidential,
                reason: "Shared only while the survivor's consent covers your organization.",
            }
        };
        let mut events = Vec::new();
        for e in db::events(&mut conn, tf, id).await? {
            let mut event = e.event;
            event.detail = if note_open || e.detail_enc.is_empty() {
                self.unseal(&mut conn, tf, &e.detail_enc).await?
            } else {
                "(withheld)".to_owned()
            };
            events.push(event);
        }
        let names = self.names(&mut conn, tf).await?;
        let mut summary = self.summary(actor, &mut conn, &row, &names).await?;
        if note_open {
            summary.referral.status_reason =
                self.unseal(&mut conn, tf, &row.status_reason_enc).await?;
            summary.referral.outcome_note =
                self.unseal(&mut conn, tf, &row.outcome_note_enc).await?;
        }
        let partners = if actions.contains(&ReferralAction::Route) {
            let mut partners: Vec<PartnerChoice> = org_db::organizations(&mut conn, tf)
                .await?
                .into_iter()
                .filter(|o| {
                    o.active
                        && o.id != r.sender_organization_id
                        && o.kind != OrganizationKind::CommunityPartner
                })
                .map(|o| PartnerChoice {
                    local: o.region_id.is_some() && o.region_id == r.region_id,
                    not_covered: match r.person_id {
                        Some(_) => coverage(&consents, o.id, &r.categories, now).err(),
                        None => None,
                    },
                    organization: o,
                })
                .collect();
            partners.sort_by_key(|c| {
                (
                    !c.local,
                    c.not_covered.is_some(),
                    c.organization.name.clone(),
                )
            });
            partners
        } else {
            Vec::new()
        };
        drop(conn);
        self.audit_read(actor, ResourceKind::Referral, &id.to_string(), "")
            .await?;
        Ok(ReferralView {
            summary,
            details,
            events,
            sides,
            actions,
            partners,
        })
    }

    /// Does one action on a referral: route (navigator), receive, accept, decline, ask for
    /// information, complete (recipient), answer, withdraw (sender). Each is audited, kept in
    /// the history and told to the other side.
    pub async fn act_on_referral(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: ReferralId,
        input: ReferralActionInput,
    ) -> Result<Referral> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::Referral, tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let row = db::get(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let before = row.referral.clone();
        let region = self.referral_region(&mut conn, &before).await?;
        let grants = grants_of(&before, region.as_ref());
        self.authorize(
            actor,
            Action::Update,
            &resource(&before, &grants),
            &id.to_string(),
        )
        .await?;
        let checked = input.validate()?;
        let sides = sides_of(actor, &before, region.as_ref());
        let needed = side_of(checked.action);
        if !sides.contains(&needed) && !matches!(actor, Actor::System(_)) {
            drop(conn);
            let who = match needed {
                Side::Navigator => "Only the region's navigators route a referral.",
                Side::Sender => "Only the organization that sent the referral may do this.",
                Side::Recipient => "Only the organization the referral was sent to may do this.",
            };
            return Err(self.refuse(actor, id, checked.action.code(), who).await);
        }
        let possible = ReferralAction::allowed(
            needed,
            before.status,
            before.recipient_organization_id.is_some(),
            before.region_id.is_some(),
        );
        if !possible.contains(&checked.action) {
            return Err(AppError::Invalid(Invalid::one(
                "action",
                format!(
                    "cannot be done while the referral is {}",
                    before.status.label().to_lowercase()
                ),
            )));
        }
        if checked.version != before.version {
            return Err(AppError::Conflict);
        }
        let now = self.clock().now();
        let mut after = before.clone();
        after.status = checked.action.leads_to(before.status);
        after.updated_at = now;
        let mut reason_enc = row.status_reason_enc.clone();
        let mut outcome_note_enc = row.outcome_note_enc.clone();
        let members = org_db::members(&mut conn, tf).await?;
        if checked.action == ReferralAction::Route {
            let org = checked
                .organization
                .unwrap_or(before.sender_organization_id);
            let target = org_db::organization(&mut conn, tf, org).await?;
            let Some(target) = target.filter(|o| o.active && o.id != before.sender_organization_id)
            else {
                return Err(AppError::Invalid(Invalid::one(
                    "organization_id",
                    "choose an active partner organization of this task force other than the sender",
                )));
            };
            if let Some(person) = before.person_id {
                let consents = consent_db::of_person(
                    &mut conn,
                    tf,
                    person,
                    Some(before.sender_organization_id),
                )
                .await?;
                match coverage(&consents, target.id, &before.categories, now) {
                    Ok(consent) => after.consent_id = Some(consent),
                    Err(why) => {
                        return Err(AppError::Invalid(Invalid::one(
                            "organization_id",
                            format!("{} is not covered: {why}", target.name),
                        )))
                    }
                }
            }
            after.recipient_organization_id = Some(target.id);
        }
        drop(conn);
        let p = actor.principal();
        let mut tx = self.store().begin().await?;
        let note_enc = self
            .seal(&mut tx, tf, before.sender_organization_id, &checked.note)
            .await?;
        match checked.action {
            ReferralAction::Decline | ReferralAction::AskInfo => reason_enc = note_enc.clone(),
            ReferralAction::Answer | ReferralAction::Route => reason_enc = String::new(),
            ReferralAction::Complete => {
                after.outcome = checked.outcome;
                outcome_note_enc = note_enc.clone();
            }
            ReferralAction::Withdraw => reason_enc = note_enc.clone(),
            _ => {}
        }
        if !after.status.is_open() {
            after.closed_at = Some(now);
        }
        db::update(
            &mut tx,
            &after,
            before.version,
            &reason_enc,
            &outcome_note_enc,
        )
        .await?;
        after.version = before.version + 1;
        db::insert_event(
            &mut tx,
            tf,
            id,
            self.new_id(),
            now,
            p.map(|p| p.member_id),
            p.map(|p| p.organization_id),
            checked.action,
            after.status,
            &note_enc,
        )
        .await?;
        // Tell the other side: the sender of every change by others; the recipient of a
        // routing and of an answer or withdrawal.
        let link = format!("/referrals/{id}");
        let update = |subject: String| NotificationDraft {
            kind: NotificationKind::ReferralUpdated,
            subject,
            body: format!(
                "A referral ({}; needs: {}) is now {}. Open it to see the details.",
                after.urgency.label(),
                needs_words(&after.needs),
                after.status.label().to_lowercase()
            ),
            link: link.clone(),
        };
        let me = p.map(|p| p.member_id);
        if needed != Side::Sender && me != Some(before.sender_member_id) {
            self.tell(
                &mut tx,
                tf,
                &[before.sender_member_id],
                &update(format!(
                    "Your referral was {}",
                    checked.action.label().to_lowercase()
                )),
            )
            .await?;
        }
        if let Some(recipient) = after.recipient_organization_id {
            let to: Vec<MemberId> = referral_workers(&members, recipient)
                .into_iter()
                .filter(|m| Some(*m) != me)
                .collect();
            match checked.action {
                ReferralAction::Route => {
                    self.tell(
                        &mut tx,
                        tf,
                        &to,
                        &NotificationDraft {
                            kind: NotificationKind::ReferralReceived,
                            subject: "A navigator routed a referral to your organization".into(),
                            body: format!(
                                "Urgency: {}. Needs: {}. Open the referral to see what the survivor agreed to share.",
                                after.urgency.label(),
                                needs_words(&after.needs)
                            ),
                            link: link.clone(),
                        },
                    )
                    .await?
                }
                ReferralAction::Answer | ReferralAction::Withdraw => {
                    self.tell(
                        &mut tx,
                        tf,
                        &to,
                        &update(format!(
                            "A referral to your organization was {}",
                            checked.action.label().to_lowercase()
                        )),
                    )
                    .await?
                }
                _ => {}
            }
        }
        if checked.action == ReferralAction::Decline {
            if let Some(region) = &region {
                let to: Vec<MemberId> = region
                    .navigators
                    .iter()
                    .copied()
                    .filter(|m| Some(*m) != me)
                    .collect();
                self.tell(
                    &mut tx,
                    tf,
                    &to,
                    &update("A referral in your region was declined".into()),
                )
                .await?;
            }
        }
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Referral,
            "update",
            &id.to_string(),
            &format!(
                "{}: {} -> {}{}",
                checked.action.code(),
                before.status.code(),
                after.status.code(),
                match (
                    checked.action,
                    after.recipient_organization_id,
                    after.outcome
                ) {
                    (ReferralAction::Route, Some(o), _) => format!(" to organization {o}"),
                    (ReferralAction::Complete, _, Some(outcome)) =>
                        format!(" ({})", outcome.code()),
                    _ => String::new(),
                }
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Tells the sender and the region's navigators, once, of each referral not accepted or
    /// declined within its SLA. Returns how many breaches were told. Safe to run from several
    /// instances at once: each breach is claimed by one.
    pub async fn fire_sla_breaches(&self) -> Result<usize> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let due = db::claim_breaches(&mut tx, now, 200).await?;
        for row in &due {
            let r = &row.referral;
            let region = match r.region_id {
                Some(g) => org_db::region(tx.conn(), r.task_force_id, g).await?,
                None => None,
            };
            let mut to = vec![r.sender_member_id];
            if let Some(region) = &region {
                to.extend(region.navigators.iter().copied());
            }
            db::insert_event(
                &mut tx,
                r.task_force_id,
                r.id,
                self.new_id(),
                now,
                None,
                None,
                ReferralAction::SlaBreach,
                r.status,
                "",
            )
            .await?;
            self.tell(
                &mut tx,
                r.task_force_id,
                &to,
                &NotificationDraft {
                    kind: NotificationKind::SlaBreach,
                    subject: "A referral was not accepted in time".into(),
                    body: format!(
                        "A {} referral sent {} is still {} past its deadline of {}.",
                        r.urgency.label().to_lowercase(),
                        r.sent_at.format("%Y-%m-%d %H:%M UTC"),
                        r.status.label().to_lowercase(),
                        r.due_at.format("%Y-%m-%d %H:%M UTC"),
                    ),
                    link: format!("/referrals/{}", r.id),
                },
            )
            .await?;
            self.audit(
                &mut tx,
                &Actor::System("sla").audit_actor(),
                "referral.sla_breach",
                ResourceKind::Referral.code(),
                &r.id.to_string(),
                Outcome::Success,
                &format!("due {}", r.due_at.format("%Y-%m-%d %H:%M UTC")),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }

    /// The task force's SLA hours.
    pub async fn referral_sla(&self, tf: TaskForceId) -> Result<SlaHours> {
        let mut conn = self.store().conn().await?;
        Ok(db::sla(&mut conn, tf).await?)
    }

    /// Sets the SLA hours (task force configuration: the coordinator). New referrals take them;
    /// referrals already sent keep their deadline.
    pub async fn set_referral_sla(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        hours: SlaHours,
    ) -> Result<SlaHours> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::TaskForce, tf),
            &tf.to_string(),
        )
        .await?;
        let hours = hours.validate()?.into_inner();
        let mut tx = self.store().begin().await?;
        db::set_sla(&mut tx, tf, hours, self.clock().now()).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::TaskForce,
            "update",
            &tf.to_string(),
            &format!(
                "referral SLA hours: emergency {}, urgent {}, routine {}",
                hours.emergency, hours.urgent, hours.routine
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(hours)
    }

    fn stats(&self, rows: &[CountRow], region: Option<RegionId>, name: String) -> RegionStats {
        let now = self.clock().now();
        let mut s = RegionStats {
            region_id: region,
            name,
            ..Default::default()
        };
        let mut oldest: Option<chrono::DateTime<chrono::Utc>> = None;
        for row in rows.iter().filter(|r| r.region_id == region) {
            s.total += row.count;
            s.breached += row.breached;
            match s.by_status.iter_mut().find(|(st, _)| *st == row.status) {
                Some((_, n)) => *n += row.count,
                None => s.by_status.push((row.status, row.count)),
            }
            if row.status.is_open() {
                s.open += row.count;
                oldest = Some(oldest.map_or(row.oldest_sent_at, |o| o.min(row.oldest_sent_at)));
            }
            if let Some(outcome) = row.outcome {
                match s.outcomes.iter_mut().find(|(o, _)| *o == outcome) {
                    Some((_, n)) => *n += row.count,
                    None => s.outcomes.push((outcome, row.count)),
                }
            }
        }
        s.by_status
            .sort_by_key(|(st, _)| ReferralStatus::ALL.iter().position(|x| x == st));
        s.outcomes
            .sort_by_key(|(o, _)| ReferralOutcome::ALL.iter().position(|x| x == o));
        s.oldest_open_hours = oldest.map(|o| (now - o).num_hours().max(0));
        s
    }

    /// The statewide view across regions (and referrals sent to an organization directly):
    /// metadata only, for the coordinator and navigators (`ReferralReport`).
    pub async fn referral_dashboard(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<RegionStats>> {
        self.authorize(
            actor,
            Action::Read,
            &Resource::in_task_force(ResourceKind::ReferralReport, tf),
            "dashboard",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let rows = db::counts(&mut conn, tf, None, self.clock().now()).await?;
        let regions = org_db::regions(&mut conn, tf).await?;
        let mut out: Vec<RegionStats> = regions
            .iter()
            .map(|g| self.stats(&rows, Some(g.id), g.name.clone()))
            .collect();
        out.push(self.stats(&rows, None, "Sent to an organization directly".into()));
        Ok(out)
    }

    /// The navigator's regions: each one's open queue, local partners and counts (a
    /// coordinator, who navigates none, sees every region's).
    pub async fn navigator_regions(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<NavigatorRegion>> {
        self.authorize(
            actor,
            Action::Read,
            &Resource::in_task_force(ResourceKind::ReferralReport, tf),
            "navigator",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let navigated = self.navigated(&mut conn, actor, tf).await?;
        let coordinator = actor
            .principal()
            .is_some_and(|p| p.holds(Role::Coordinator));
        let regions = if navigated.is_empty() && coordinator {
            org_db::regions(&mut conn, tf).await?
        } else {
            navigated
        };
        let ids: Vec<RegionId> = regions.iter().map(|g| g.id).collect();
        let rows = db::counts(&mut conn, tf, Some(&ids), self.clock().now()).await?;
        let organizations = org_db::organizations(&mut conn, tf).await?;
        let names = self.names(&mut conn, tf).await?;
        let mut out = Vec::new();
        for region in regions {
            let queue_rows = db::list(
                &mut conn,
                tf,
                &ReferralBox::Regions(vec![region.id]),
                true,
                200,
            )
            .await?;
            let mut queue = Vec::new();
            for row in &queue_rows {
                let mut s = self.summary(actor, &mut conn, row, &names).await?;
                // The queue is metadata: who the person is shows on the referral's page, as the
                // person policy allows.
                if let Shown::Yes(_) = s.person {
                    if actor.principal().is_some_and(|p| !p.holds(Role::Navigator)) {
                        s.person = Shown::Withheld {
                            label: Label::Organization,
                            reason: "Dashboards show referral metadata only.",
                        };
                    }
                }
                queue.push(s);
            }
            out.push(NavigatorRegion {
                stats: self.stats(&rows, Some(region.id), region.name.clone()),
                partners: organizations
                    .iter()
                    .filter(|o| o.active && o.region_id == Some(region.id))
                    .cloned()
                    .collect(),
                queue,
                region,
            });
        }
        Ok(out)
    }
}
