//! Use cases of case reviews: multidisciplinary team meetings (issue 5, part 6).
//!
//! The meeting's own metadata (title, date, place, attendees) is task-force wide. Each case on
//! its agenda is shown to each participant only as that case's own policy allows
//! (`Shown::Withheld` otherwise, with the label and reason and no reference or title), and so
//! are the decision recorded about it (sealed under the key of the organization that holds the
//! case) and its action items, which are the case's own tasks made through `add_task` (so the
//! one who makes them must be allowed to update the case, and the assignee is notified).

use crate::actor::Actor;
use crate::cases::{case_category, Held, Shown};
use crate::{App, AppError, Result};
use taskforce_domain::access::{decide, Action, Principal, Resource, ResourceKind};
use taskforce_domain::cases::{CaseKind, CaseStatus, CaseTask, TaskInput};
use taskforce_domain::notifications::{NotificationDraft, NotificationKind};
use taskforce_domain::services::*;
use taskforce_domain::*;
use taskforce_store::cases as case_db;
use taskforce_store::services as db;
use taskforce_store::structure as org_db;
use taskforce_store::Tx;

/// A case on the agenda, as far as the reader may see it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AgendaEntry {
    pub item_id: ReviewItemId,
    pub position: i64,
    pub case: Shown<AgendaCase>,
}

/// What a reader who may read the case sees of it on the agenda.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AgendaCase {
    pub case_id: CaseId,
    pub reference: String,
    pub title: String,
    pub kind: CaseKind,
    pub status: CaseStatus,
    pub holder_name: String,
    pub decision: String,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The tasks made from this item's action items.
    pub actions: Vec<CaseTask>,
    /// Whether the reader may make action items (tasks) on this case.
    pub may_update_case: bool,
}

/// A case review with its agenda, cut to what the reader may see.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReviewView {
    pub review: CaseReview,
    pub agenda: Vec<AgendaEntry>,
    /// Whether the reader may change the meeting (agenda, attendance, decisions).
    pub may_update: bool,
    /// Members who may be assigned tasks, by name (for the action-item form).
    pub members: Vec<(MemberId, String)>,
}

impl App {
    fn review_resource(tf: TaskForceId) -> Resource<'static> {
        Resource::in_task_force(ResourceKind::CaseReview, tf)
    }

    /// The task force's case reviews, latest first, with their number of agenda cases.
    pub async fn case_reviews(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<(CaseReview, i64)>> {
        self.authorize(
            actor,
            Action::List,
            &Self::review_resource(tf),
            "case_reviews",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::reviews(&mut conn, tf).await?)
    }

    /// Active members of the task force (whom a review may list as attendees).
    pub async fn review_members(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<(MemberId, String)>> {
        self.authorize(
            actor,
            Action::List,
            &Self::review_resource(tf),
            "case_reviews",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        Ok(org_db::members(&mut conn, tf)
            .await?
            .into_iter()
            .filter(|m| m.active)
            .map(|m| (m.id, m.name))
            .collect())
    }

    /// Schedules (or records) a case review; each attendee is told of it, without its content.
    pub async fn create_case_review(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: CaseReviewInput,
    ) -> Result<CaseReview> {
        self.authorize(actor, Action::Create, &Self::review_resource(tf), "new")
            .await?;
        let creator = actor
            .principal()
            .map(|p| p.member_id)
            .ok_or_else(|| AppError::Forbidden("A case review is scheduled by a member.".into()))?;
        let mut conn = self.store().conn().await?;
        let members: Vec<(MemberId, String)> = org_db::members(&mut conn, tf)
            .await?
            .into_iter()
            .filter(|m| m.active)
            .map(|m| (m.id, m.name))
            .collect();
        drop(conn);
        let ids: Vec<MemberId> = members.iter().map(|(id, _)| *id).collect();
        let new = input.validate(&ids)?.into_inner();
        let review = CaseReview {
            id: CaseReviewId(self.new_id()),
            task_force_id: tf,
            title: new.title,
            held_on: new.held_on,
            starts_at: new.starts_at,
            place: new.place,
            attendees: new
                .attendees
                .iter()
                .map(|(m, attended)| Attendee {
                    member_id: *m,
                    name: members
                        .iter()
                        .find(|(id, _)| id == m)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default(),
                    attended: *attended,
                })
                .collect(),
            created_by: creator,
            created_at: self.clock().now(),
            version: 1,
        };
        let mut tx = self.store().begin().await?;
        db::insert_review(&mut tx, &review).await?;
        for a in review.attendees.iter().filter(|a| a.member_id != creator) {
            self.notify(
                &mut tx,
                tf,
                a.member_id,
                NotificationDraft {
                    kind: NotificationKind::CaseReview,
                    subject: "You are listed for a case review".into(),
                    body: format!(
                        "A case review on {} lists you as an attendee. Open it to see the agenda you may read.",
                        review.held_on.format("%Y-%m-%d")
                    ),
                    link: format!("/reviews/{}", review.id),
                },
            )
            .await?;
        }
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::CaseReview,
            "create",
            &review.id.to_string(),
            &format!(
                "{} on {}; {} attendee(s)",
                review.title,
                review.held_on,
                review.attendees.len()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(review)
    }

    /// Records who attended (the meeting's own metadata).
    pub async fn set_review_attendance(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: CaseReviewId,
        version: Option<i64>,
        attended: &[String],
    ) -> Result<CaseReview> {
        self.authorize(
            actor,
            Action::Update,
            &Self::review_resource(tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let review = db::review(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(conn);
        let mut invalid = Invalid::default();
        if version.is_none() {
            invalid.add(
                "version",
                "the form is missing the record's version; reload the page and try again",
            );
        }
        let mut present = Vec::new();
        for text in attended {
            match text
                .trim()
                .parse::<uuid::Uuid>()
                .ok()
                .map(MemberId)
                .filter(|m| review.attendees.iter().any(|a| a.member_id == *m))
            {
                Some(m) => present.push(m),
                None => invalid.add("attended", "must be among the attendees"),
            }
        }
        let Some(version) = version.filter(|_| invalid.is_empty()) else {
            return Err(AppError::Invalid(invalid));
        };
        let mut tx = self.store().begin().await?;
        db::set_attendance(&mut tx, tf, id, version, &present).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::CaseReview,
            "update",
            &id.to_string(),
            &format!("{} attended", present.len()),
        )
        .await?;
        tx.commit().await?;
        let mut conn = self.store().conn().await?;
        db::review(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// A case review with its agenda: each case, decision and action item shown only to those
    /// the case's own policy lets read it. The read is audited.
    pub async fn case_review(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: CaseReviewId,
    ) -> Result<ReviewView> {
        self.authorize(
            actor,
            Action::Read,
            &Self::review_resource(tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let review = db::review(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut agenda = Vec::new();
        let mut shown_cases = Vec::new();
        for row in db::items(&mut conn, tf, id).await? {
            let held = self.held(&mut conn, tf, row.item.case_id).await?;
            let c = &held.row.case;
            let resource = held.resource(case_category(c.kind));
            let case = match self.decision(actor, Action::Read, &resource) {
                Ok(()) => {
                    shown_cases.push(c.id.to_string());
                    let holder_name = org_db::organization(&mut conn, tf, c.owner_organization_id)
                        .await?
                        .map(|o| o.name)
                        .unwrap_or_default();
                    let task_ids = db::action_tasks(&mut conn, tf, row.item.id).await?;
                    let actions = case_db::tasks(&mut conn, tf, c.id)
                        .await?
                        .into_iter()
                        .filter(|t| task_ids.contains(&t.id))
                        .collect();
                    Shown::Yes(AgendaCase {
                        case_id: c.id,
                        reference: c.reference.clone(),
                        title: c.title.clone(),
                        kind: c.kind,
                        status: c.status,
                        holder_name,
                        decision: self.unseal(&mut conn, tf, &row.decision_enc).await?,
                        decided_at: row.item.decided_at,
                        actions,
                        may_update_case: self.may(actor, Action::Update, &resource),
                    })
                }
                Err(reason) => Shown::Withheld {
                    label: c.label,
                    reason,
                },
            };
            agenda.push(AgendaEntry {
                item_id: row.item.id,
                position: row.item.position,
                case,
            });
        }
        let may_update = self.may(actor, Action::Update, &Self::review_resource(tf));
        let members = if may_update {
            org_db::members(&mut conn, tf)
                .await?
                .into_iter()
                .filter(|m| m.active)
                .map(|m| (m.id, m.name))
                .collect()
        } else {
            Vec::new()
        };
        drop(conn);
        self.audit_read(
            actor,
            ResourceKind::CaseReview,
            &id.to_string(),
            &format!("cases shown: {}", shown_cases.join(",")),
        )
        .await?;
        Ok(ReviewView {
            review,
            agenda,
            may_update,
            members,
        })
    }

    /// Puts a case on the agenda by its reference. Only a case the actor may read can be added,
    /// and a reference they may not read is answered as one that does not exist.
    pub async fn add_review_case(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: CaseReviewId,
        reference: &str,
    ) -> Result<ReviewItem> {
        self.authorize(
            actor,
            Action::Update,
            &Self::review_resource(tf),
            &id.to_string(),
        )
        .await?;
        let adder = actor.principal().map(|p| p.member_id).ok_or_else(|| {
            AppError::Forbidden("A case is put on the agenda by a member.".into())
        })?;
        let mut conn = self.store().conn().await?;
        db::review(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(AppError::Invalid(Invalid::one(
                "case_reference",
                "is required",
            )));
        }
        let unknown = || {
            AppError::Invalid(Invalid::one(
                "case_reference",
                "is not the reference of a case you may read",
            ))
        };
        let case = case_db::case_by_reference(&mut conn, tf, reference)
            .await?
            .ok_or_else(unknown)?;
        let held = self.held(&mut conn, tf, case).await?;
        if !self.may(
            actor,
            Action::Read,
            &held.resource(case_category(held.row.case.kind)),
        ) {
            return Err(unknown());
        }
        drop(conn);
        let item = ReviewItem {
            id: ReviewItemId(self.new_id()),
            review_id: id,
            case_id: case,
            position: 0,
            decision: String::new(),
            decided_at: None,
            added_by: adder,
            created_at: self.clock().now(),
        };
        let mut tx = self.store().begin().await?;
        db::insert_item(&mut tx, tf, &item).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::CaseReview,
            "update",
            &id.to_string(),
            &format!("case {case} on the agenda"),
        )
        .await?;
        tx.commit().await?;
        Ok(item)
    }

    async fn review_item(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        review: CaseReviewId,
        item: Option<ReviewItemId>,
    ) -> Result<db::ItemRow> {
        self.authorize(
            actor,
            Action::Update,
            &Self::review_resource(tf),
            &review.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        db::review(&mut conn, tf, review)
            .await?
            .ok_or(AppError::NotFound)?;
        let item = item.ok_or_else(|| {
            AppError::Invalid(Invalid::one("item", "choose a case on the agenda"))
        })?;
        db::item(&mut conn, tf, item)
            .await?
            .filter(|row| row.item.review_id == review)
            .ok_or(AppError::NotFound)
    }

    /// Records the decision taken about an agenda case. The one who records it must be allowed
    /// to read the case; the text is sealed under the key of the organization holding the case.
    pub async fn record_review_decision(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        review: CaseReviewId,
        item: Option<ReviewItemId>,
        text: &str,
    ) -> Result<()> {
        let row = self.review_item(actor, tf, review, item).await?;
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, row.item.case_id, Action::Read)
            .await?;
        drop(conn);
        let decision = check_decision(text)?;
        let mut tx = self.store().begin().await?;
        let sealed = self
            .seal(&mut tx, tf, held.row.case.owner_organization_id, &decision)
            .await?;
        db::set_decision(&mut tx, tf, row.item.id, &sealed, self.clock().now()).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::CaseReview,
            "update",
            &review.to_string(),
            &format!("decision on case {}", row.item.case_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes an action item of an agenda case: a task on the case, through the task use case
    /// (the actor must be allowed to update the case; the assignee is notified).
    pub async fn add_review_action(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        review: CaseReviewId,
        item: Option<ReviewItemId>,
        input: TaskInput,
    ) -> Result<CaseTask> {
        let row = self.review_item(actor, tf, review, item).await?;
        self.add_task_from(actor, tf, row.item.case_id, input, Some(row.item.id))
            .await
    }

    /// Whether `member`, acting in any of their organizations, may read the case (so that a
    /// notification names the case only to those who may read it).
    async fn member_reads_case(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        member: MemberId,
        held: &Held,
    ) -> Result<bool> {
        let Some(m) = org_db::member(tx.conn(), tf, member).await? else {
            return Ok(false);
        };
        let resource = held.resource(case_category(held.row.case.kind));
        for membership in &m.memberships {
            let Some(org) = org_db::organization(tx.conn(), tf, membership.organization_id).await?
            else {
                continue;
            };
            let principal = Principal {
                member_id: m.id,
                name: m.name.clone(),
                email: m.email.clone(),
                task_force_id: tf,
                organization_id: org.id,
                organization_name: org.name,
                organization_kind: org.kind,
                roles: membership.roles.clone(),
                strong: true,
                source: String::new(),
            };
            if decide(&principal, Action::Read, &resource, self.clock().now()).allowed {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Tells `assignee` a task on the case was assigned to them (C7). The text names the case's
    /// reference only when they may read the case, and carries nothing else of it.
    pub(crate) async fn notify_task_assigned(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        tf: TaskForceId,
        held: &Held,
        assignee: MemberId,
    ) -> Result<()> {
        if actor.principal().is_some_and(|p| p.member_id == assignee) {
            return Ok(());
        }
        let case = &held.row.case;
        let body = if self.member_reads_case(tx, tf, assignee, held).await? {
            format!("A task was assigned to you on case {}.", case.reference)
        } else {
            "A task was assigned to you. Open the link to see it.".to_owned()
        };
        self.notify(
            tx,
            tf,
            assignee,
            NotificationDraft {
                kind: NotificationKind::TaskAssigned,
                subject: "A task was assigned to you".into(),
                body,
                link: format!("/cases/{}", case.id),
            },
        )
        .await?;
        Ok(())
    }
}
