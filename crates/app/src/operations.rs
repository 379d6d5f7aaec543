//! Use cases of event deconfliction (C5): plan an operation (the check runs in the same
//! transaction, and every conflict found tells both commanders at once), list and read the
//! agency's operations and conflicts, acknowledge a conflict, exempt an operation.
//!
//! An operation is law-enforcement sensitive and held by its agency. A conflict is a
//! `Deconfliction` record held by the agency planned first and granted to the other, and what
//! each side sees of the other operation is cut to [`OtherOperation`]: who to call and when —
//! never its name, place description, case or targets.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use chrono::{DateTime, Duration, Utc};
use taskforce_domain::access::{Action, Grant, Grantee, Label, Resource, ResourceKind};
use taskforce_domain::audit::Outcome;
use taskforce_domain::notifications::{NotificationDraft, NotificationKind};
use taskforce_domain::operations::*;
use taskforce_domain::structure::Role;
use taskforce_domain::*;
use taskforce_store::{operations as db, structure as org_db, Connection};

/// Operations that ended longer ago than this drop off the agency's list and map.
pub const SHOWN_AFTER_END_DAYS: i64 = 365;

/// What one side of a conflict sees of the other operation.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OtherOperation {
    pub agency_name: String,
    pub commander_name: String,
    pub contact_phone: String,
    pub kind: OperationKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A conflict as one party sees it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ConflictView {
    pub id: OperationConflictId,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    /// The viewer's own operation in the conflict.
    pub own_operation_id: OperationId,
    pub own_title: String,
    pub own_latitude: f64,
    pub own_longitude: f64,
    pub own_radius_m: i64,
    pub other: OtherOperation,
    pub overlap: Overlap,
    /// When the viewer's agency acknowledged it, and who did.
    pub acknowledged_by_you: Option<DateTime<Utc>>,
    pub acknowledged_by_you_name: String,
    /// When the other agency acknowledged it.
    pub acknowledged_by_them: Option<DateTime<Utc>>,
    /// Whether the viewer may acknowledge it now.
    pub may_acknowledge: bool,
}

/// The agency's operations and the conflicts it is a party to.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OperationsOverview {
    pub operations: Vec<Operation>,
    pub conflicts: Vec<ConflictView>,
}

/// One operation with its conflicts.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OperationView {
    pub operation: Operation,
    pub conflicts: Vec<ConflictView>,
    /// Whether the viewer may exempt it (a supervisor of the agency, while not exempt).
    pub may_exempt: bool,
}

/// What planning an operation did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlannedOperation {
    pub operation: Operation,
    /// The conflicts its planning raised (both commanders were told).
    pub conflicts: Vec<ConflictView>,
}

fn operation_resource(op: &Operation) -> Resource<'static> {
    Resource {
        owner: Some(op.agency_id),
        label: Label::LawEnforcementSensitive,
        ..Resource::in_task_force(ResourceKind::Operation, op.task_force_id)
    }
}

/// A conflict is held by the agency planned first and granted to the other.
fn conflict_grants(c: &OperationConflict) -> [Grant; 1] {
    [Grant {
        to: Grantee::Organization(c.agency_b),
        until: None,
    }]
}

fn conflict_resource<'a>(c: &OperationConflict, grants: &'a [Grant]) -> Resource<'a> {
    Resource {
        owner: Some(c.agency_a),
        label: Label::LawEnforcementSensitive,
        grants,
        ..Resource::in_task_force(ResourceKind::Deconfliction, c.task_force_id)
    }
}

fn member_only(actor: &Actor) -> Result<&taskforce_domain::access::Principal> {
    actor.principal().ok_or_else(|| {
        AppError::Forbidden("Operations are planned and seen by members of an agency.".into())
    })
}

impl App {
    /// The supervisors of an agency who may command its operations.
    async fn commanders(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        agency: OrganizationId,
    ) -> Result<Vec<Commander>> {
        Ok(org_db::members(conn, tf)
            .await?
            .into_iter()
            .filter(|m| {
                m.active
                    && m.memberships
                        .iter()
                        .any(|s| s.organization_id == agency && s.roles.contains(&Role::Supervisor))
            })
            .map(|m| Commander {
                id: m.id,
                name: m.name,
                phone: m.phone,
            })
            .collect())
    }

    /// The supervisors the actor's agency may name as commander (the planning form's choices).
    pub async fn operation_commanders(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<Commander>> {
        let p = member_only(actor)?;
        let mut conn = self.store().conn().await?;
        self.commanders(&mut conn, tf, p.organization_id).await
    }

    /// Plans an operation for the actor's agency and deconflicts it against every other
    /// agency's operations, in one transaction: each conflict is recorded and both commanders
    /// are notified at once.
    pub async fn plan_operation(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: OperationInput,
    ) -> Result<PlannedOperation> {
        let p = member_only(actor)?;
        let agency = p.organization_id;
        self.authorize(
            actor,
            Action::Create,
            &Resource {
                owner: Some(agency),
                label: Label::LawEnforcementSensitive,
                ..Resource::in_task_force(ResourceKind::Operation, tf)
            },
            "new",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let commanders = self.commanders(&mut conn, tf, agency).await?;
        drop(conn);
        let now = self.clock().now();
        let new = input
            .validate(&OperationContext {
                commanders: &commanders,
                now,
            })?
            .into_inner();
        let operation = Operation {
            id: OperationId(self.new_id()),
            task_force_id: tf,
            agency_id: agency,
            agency_name: p.organization_name.clone(),
            kind: new.kind,
            title: new.title,
            place: new.place,
            latitude: new.latitude,
            longitude: new.longitude,
            radius_m: new.radius_m,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            commander_id: new.commander_id,
            commander_name: commanders
                .iter()
                .find(|c| c.id == new.commander_id)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            contact_phone: new.contact_phone,
            planned_by: p.member_id,
            exempt_at: None,
            exempt_by: None,
            exemption_reason: String::new(),
            created_at: now,
            version: 1,
        };
        let mut tx = self.store().begin().await?;
        db::lock_for_check(&mut tx, tf).await?;
        let found = Self::deconflict(tx.conn(), tf, agency, &operation.footprint()).await?;
        db::insert(&mut tx, &operation).await?;
        let mut conflicts = Vec::with_capacity(found.len());
        for (other, overlap) in &found {
            let conflict = OperationConflict {
                id: OperationConflictId(self.new_id()),
                task_force_id: tf,
                operation_a: other.id,
                operation_b: operation.id,
                agency_a: other.agency_id,
                agency_b: agency,
                overlap: *overlap,
                created_at: now,
                acknowledged_a: None,
                acknowledged_b: None,
                version: 1,
            };
            db::insert_conflict(&mut tx, &conflict).await?;
            for (commander, own) in [
                (other.commander_id, other),
                (operation.commander_id, &operation),
            ] {
                self.notify(
                    &mut tx,
                    tf,
                    commander,
                    NotificationDraft {
                        kind: NotificationKind::OperationConflict,
                        subject: "Operation conflict: call the other agency before you go".into(),
                        body: format!(
                            "A planned {} of your agency ({} to {} UTC) overlaps in place and time with another agency's operation. Call their commander before it goes ahead, then acknowledge the conflict.",
                            own.kind.label().to_lowercase(),
                            own.starts_at.format("%Y-%m-%d %H:%M"),
                            own.ends_at.format("%Y-%m-%d %H:%M"),
                        ),
                        link: format!("/operations/{}", own.id),
                    },
                )
                .await?;
            }
            conflicts.push(self.conflict_view(p, &conflict, &operation, other));
        }
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Operation,
            "create",
            &operation.id.to_string(),
            &format!(
                "{} {}..{} radius {} m; {} conflict(s)",
                operation.kind.code(),
                operation.starts_at.format("%Y-%m-%dT%H:%MZ"),
                operation.ends_at.format("%Y-%m-%dT%H:%MZ"),
                operation.radius_m,
                conflicts.len()
            ),
        )
        .await?;
        for (c, (other, _)) in conflicts.iter().zip(&found) {
            self.write_audit(
                &mut tx,
                actor,
                ResourceKind::Deconfliction,
                "create",
                &c.id.to_string(),
                &format!(
                    "operation {} conflicts with operation {} of organization {}; {} m apart",
                    operation.id, other.id, other.agency_id, c.overlap.distance_m
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(PlannedOperation {
            operation,
            conflicts,
        })
    }

    /// The check of event deconfliction: other agencies' operations, not exempted, that overlap
    /// `footprint` in place and time, with how. The prefilter runs in SQL (a box and a window of
    /// starts per class of window length), the exact test here, and only the operations that
    /// pass it are read whole. Called inside the planning transaction, after
    /// `operations::lock_for_check`; public for the benchmark, which times this path.
    pub async fn deconflict(
        conn: &mut Connection,
        tf: TaskForceId,
        agency: OrganizationId,
        footprint: &Footprint,
    ) -> Result<Vec<(Operation, Overlap)>> {
        let passed: Vec<(OperationId, Overlap)> =
            db::candidates(conn, tf, agency, &footprint.search_box())
                .await?
                .into_iter()
                .filter_map(|c| Some((c.id, c.footprint.overlap(footprint)?)))
                .collect();
        let ids: Vec<OperationId> = passed.iter().map(|(id, _)| *id).collect();
        let mut whole = db::get_many(conn, tf, &ids).await?;
        Ok(passed
            .into_iter()
            .filter_map(|(id, overlap)| {
                let at = whole.iter().position(|o| o.id == id)?;
                Some((whole.swap_remove(at), overlap))
            })
            .collect())
    }

    /// A conflict cut to what `viewer`'s side may see (`own` is their operation).
    fn conflict_view(
        &self,
        viewer: &taskforce_domain::access::Principal,
        c: &OperationConflict,
        own: &Operation,
        other: &Operation,
    ) -> ConflictView {
        let side = c.side_of(viewer.organization_id).unwrap_or(Side::A);
        let mine = c.acknowledged(side);
        let theirs = c.acknowledged(side.other());
        ConflictView {
            id: c.id,
            version: c.version,
            created_at: c.created_at,
            own_operation_id: own.id,
            own_title: own.title.clone(),
            own_latitude: own.latitude,
            own_longitude: own.longitude,
            own_radius_m: own.radius_m,
            other: OtherOperation {
                agency_name: other.agency_name.clone(),
                commander_name: other.commander_name.clone(),
                contact_phone: other.contact_phone.clone(),
                kind: other.kind,
                starts_at: other.starts_at,
                ends_at: other.ends_at,
            },
            overlap: c.overlap,
            acknowledged_by_you: mine.map(|(at, _)| at),
            acknowledged_by_you_name: String::new(),
            acknowledged_by_them: theirs.map(|(at, _)| at),
            may_acknowledge: mine.is_none()
                && may_acknowledge(
                    viewer.member_id,
                    viewer.holds(Role::Supervisor),
                    own.commander_id,
                )
                && self.may(
                    &Actor::Member(viewer.clone()),
                    Action::Update,
                    &conflict_resource(c, &conflict_grants(c)),
                ),
        }
    }

    /// Builds the viewer's view of conflicts (their side's operation and the other's).
    async fn conflict_views(
        &self,
        conn: &mut Connection,
        viewer: &taskforce_domain::access::Principal,
        conflicts: &[OperationConflict],
    ) -> Result<Vec<ConflictView>> {
        let members: std::collections::HashMap<MemberId, String> =
            org_db::members(conn, viewer.task_force_id)
                .await?
                .into_iter()
                .map(|m| (m.id, m.name))
                .collect();
        let mut out = Vec::with_capacity(conflicts.len());
        for c in conflicts {
            let Some(side) = c.side_of(viewer.organization_id) else {
                continue;
            };
            let grants = conflict_grants(c);
            if !self.may(
                &Actor::Member(viewer.clone()),
                Action::Read,
                &conflict_resource(c, &grants),
            ) {
                continue;
            }
            let tf = c.task_force_id;
            let own = db::get(conn, tf, c.operation_of(side)).await?;
            let other = db::get(conn, tf, c.operation_of(side.other())).await?;
            let (Some(own), Some(other)) = (own, other) else {
                continue;
            };
            let mut view = self.conflict_view(viewer, c, &own, &other);
            if let Some((_, by)) = c.acknowledged(side) {
                view.acknowledged_by_you_name = members.get(&by).cloned().unwrap_or_default();
            }
            out.push(view);
        }
        Ok(out)
    }

    /// The actor's agency's operations (those not long over) and the conflicts it is a party
    /// to. The read is audited.
    pub async fn operations(&self, actor: &Actor, tf: TaskForceId) -> Result<OperationsOverview> {
        self.authorize(
            actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::Operation, tf),
            "operations",
        )
        .await?;
        let p = member_only(actor)?;
        let now = self.clock().now();
        let mut conn = self.store().conn().await?;
        let operations = db::of_agency(
            &mut conn,
            tf,
            p.organization_id,
            now - Duration::days(SHOWN_AFTER_END_DAYS),
        )
        .await?;
        let conflicts = if self.may(
            actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::Deconfliction, tf),
        ) {
            let rows = db::conflicts_of_agency(&mut conn, tf, p.organization_id).await?;
            self.conflict_views(&mut conn, p, &rows).await?
        } else {
            Vec::new()
        };
        drop(conn);
        let mut tx = self.store().begin().await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Operation,
            "list",
            &p.organization_id.to_string(),
            &format!(
                "{} operation(s), {} conflict(s)",
                operations.len(),
                conflicts.len()
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(OperationsOverview {
            operations,
            conflicts,
        })
    }

    async fn readable_operation(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        id: OperationId,
        action: Action,
    ) -> Result<Operation> {
        self.authorize(
            actor,
            action,
            &Resource::in_task_force(ResourceKind::Operation, tf),
            &id.to_string(),
        )
        .await?;
        let op = db::get(conn, tf, id).await?.ok_or(AppError::NotFound)?;
        self.authorize(actor, action, &operation_resource(&op), &id.to_string())
            .await?;
        Ok(op)
    }

    /// One operation of the actor's agency with its conflicts. The read is audited.
    pub async fn operation(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: OperationId,
    ) -> Result<OperationView> {
        let mut conn = self.store().conn().await?;
        let operation = self
            .readable_operation(actor, &mut conn, tf, id, Action::Read)
            .await?;
        let p = member_only(actor)?;
        let rows = db::conflicts_of_operation(&mut conn, tf, id).await?;
        let conflicts = self.conflict_views(&mut conn, p, &rows).await?;
        drop(conn);
        let may_exempt = operation.exempt_at.is_none()
            && self.may(actor, Action::Share, &operation_resource(&operation));
        self.audit_read(actor, ResourceKind::Operation, &id.to_string(), "")
            .await?;
        Ok(OperationView {
            operation,
            conflicts,
            may_exempt,
        })
    }

    /// A commander exempts their operation from deconfliction, with a reason: from now on no
    /// other agency's planning is checked against it (conflicts already raised stay).
    pub async fn exempt_operation(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: OperationId,
        reason: &str,
    ) -> Result<Operation> {
        let mut conn = self.store().conn().await?;
        let op = self
            .readable_operation(actor, &mut conn, tf, id, Action::Share)
            .await?;
        drop(conn);
        let p = member_only(actor)?;
        let reason = check_exemption_reason(reason)?;
        if op.exempt_at.is_some() {
            return Err(AppError::Invalid(Invalid::one(
                "operation",
                "is already exempt from deconfliction",
            )));
        }
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        db::exempt(&mut tx, tf, id, op.version, now, p.member_id, &reason).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Operation,
            "share",
            &id.to_string(),
            &format!("exempted from deconfliction: {reason}"),
        )
        .await?;
        tx.commit().await?;
        let mut conn = self.store().conn().await?;
        db::get(&mut conn, tf, id).await?.ok_or(AppError::NotFound)
    }

    /// The actor's agency acknowledges a conflict: its commander (or another supervisor of the
    /// agency) has been in touch with the other agency.
    pub async fn acknowledge_conflict(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: OperationConflictId,
    ) -> Result<ConflictView> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::Deconfliction, tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let conflict = db::conflict(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let grants = conflict_grants(&conflict);
        self.authorize(
            actor,
            Action::Update,
            &conflict_resource(&conflict, &grants),
            &id.to_string(),
        )
        .await?;
        let p = member_only(actor)?;
        let side = conflict
            .side_of(p.organization_id)
            .ok_or(AppError::NotFound)?;
        let own = db::get(&mut conn, tf, conflict.operation_of(side))
            .await?
            .ok_or(AppError::NotFound)?;
        drop(conn);
        if !may_acknowledge(p.member_id, p.holds(Role::Supervisor), own.commander_id) {
            let reason = "Only the operation's commander or a supervisor of your agency acknowledges a conflict.";
            let mut tx = self.store().begin().await?;
            self.audit(
                &mut tx,
                &actor.audit_actor(),
                "deconfliction.update",
                ResourceKind::Deconfliction.code(),
                &id.to_string(),
                Outcome::Denied,
                reason,
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::Forbidden(reason.into()));
        }
        if conflict.acknowledged(side).is_some() {
            return Err(AppError::Invalid(Invalid::one(
                "conflict",
                "was already acknowledged by your agency",
            )));
        }
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        db::acknowledge(&mut tx, tf, id, conflict.version, side, now, p.member_id).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Deconfliction,
            "update",
            &id.to_string(),
            &format!("acknowledged for operation {}", own.id),
        )
        .await?;
        tx.commit().await?;
        let mut conn = self.store().conn().await?;
        let conflict = db::conflict(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.conflict_views(&mut conn, p, std::slice::from_ref(&conflict))
            .await?
            .pop()
            .ok_or(AppError::NotFound)
    }
}
