//! Use cases of survivors' consent (C4). Only the organization that holds a person's record
//! records or revokes their consent; the policy reads it at the moment of every access
//! (`access::decide` through `Held` and `PersonHeld`, and `store::visibility` in lists and
//! search), so a revocation or an expiry cuts access at once, with nothing to recompute.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use chrono::Duration;
use taskforce_domain::access::{Action, Label, Resource, ResourceKind};
use taskforce_domain::consent::*;
use taskforce_domain::notifications::{NotificationDraft, NotificationKind};
use taskforce_domain::*;
use taskforce_store::cases::{self as case_db, PersonRow};
use taskforce_store::{consent as db, structure as org_db, Connection};

/// A person's consents as their holder sees them, with where each stands now.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConsentView {
    pub consent: Consent,
    pub state: ConsentState,
    /// Recipient organizations' names, in the order of `consent.recipients`.
    pub recipient_names: Vec<String>,
}

impl App {
    /// The consent record of a person as a resource: kept by the person's holder only.
    pub(crate) fn consent_resource(row: &PersonRow) -> Resource<'static> {
        Resource {
            owner: Some(row.person.owner_organization_id),
            label: Label::Organization,
            ..Resource::in_task_force(ResourceKind::Consent, row.person.task_force_id)
        }
    }

    async fn consent_person(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        person: PersonId,
        action: Action,
    ) -> Result<PersonRow> {
        let row = case_db::person(conn, tf, person)
            .await?
            .ok_or(AppError::NotFound)?;
        self.authorize(
            actor,
            action,
            &Self::consent_resource(&row),
            &person.to_string(),
        )
        .await?;
        Ok(row)
    }

    /// Records a consent (or a disclosure under a legal mandate) for a person the actor's
    /// organization holds.
    pub async fn record_consent(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        input: ConsentInput,
    ) -> Result<Consent> {
        let mut conn = self.store().conn().await?;
        let row = self
            .consent_person(actor, &mut conn, tf, person, Action::Create)
            .await?;
        let holder = row.person.owner_organization_id;
        let organizations: Vec<OrganizationId> = org_db::organizations(&mut conn, tf)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        let max_days = db::max_days(&mut conn, tf).await?;
        drop(conn);
        let now = self.clock().now();
        let new = input
            .validate(&ConsentContext {
                organizations: &organizations,
                holder,
                max_days,
                now,
            })?
            .into_inner();
        let recorded_by = actor.principal().map(|p| p.member_id).ok_or_else(|| {
            AppError::Forbidden("A consent is recorded by a member of the holder.".into())
        })?;
        let consent = Consent {
            id: ConsentId(self.new_id()),
            task_force_id: tf,
            person_id: person,
            holder_organization_id: holder,
            recipients: new.recipients,
            roles: new.roles,
            categories: new.categories,
            purpose: new.purpose,
            method: new.method,
            legal_basis: new.legal_basis,
            recorded_by,
            recorded_by_name: actor
                .principal()
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            valid_from: new.valid_from,
            valid_until: new.valid_until,
            revoked_at: None,
            revoked_by: None,
            revocation_reason: String::new(),
            created_at: now,
            version: 1,
        };
        let mut tx = self.store().begin().await?;
        db::insert(&mut tx, &consent).await?;
        let categories: Vec<&str> = consent.categories.iter().map(|c| c.code()).collect();
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Consent,
            "create",
            &consent.id.to_string(),
            &format!(
                "person {person}; {} to {} organization(s); {} until {}",
                categories.join(","),
                consent.recipients.len(),
                consent.method.code(),
                consent.valid_until.format("%Y-%m-%d %H:%M UTC"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(consent)
    }

    /// Revokes a consent at once: from this moment it opens nothing.
    pub async fn revoke_consent(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: ConsentId,
        version: i64,
        reason: &str,
    ) -> Result<Consent> {
        // The role first, so that a caller who may revoke no consent learns nothing of ids.
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::Consent, tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let consent = db::get(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.consent_person(actor, &mut conn, tf, consent.person_id, Action::Update)
            .await?;
        drop(conn);
        let reason = check_revocation(reason)?;
        if consent.revoked_at.is_some() {
            return Err(AppError::Invalid(Invalid::one(
                "consent",
                "was already revoked",
            )));
        }
        let by = actor.principal().map(|p| p.member_id).ok_or_else(|| {
            AppError::Forbidden("A consent is revoked by a member of the holder.".into())
        })?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        db::revoke(&mut tx, tf, id, version, now, by, &reason).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Consent,
            "update",
            &id.to_string(),
            &format!("revoked: {reason}"),
        )
        .await?;
        tx.commit().await?;
        let mut conn = self.store().conn().await?;
        db::get(&mut conn, tf, id).await?.ok_or(AppError::NotFound)
    }

    /// A person's consents (all of them, with their state), for their holder.
    pub async fn consents_of(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
    ) -> Result<Vec<ConsentView>> {
        let mut conn = self.store().conn().await?;
        let row = self
            .consent_person(actor, &mut conn, tf, person, Action::List)
            .await?;
        let names: std::collections::HashMap<OrganizationId, String> =
            org_db::organizations(&mut conn, tf)
                .await?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
        let consents = db::of_person(
            &mut conn,
            tf,
            person,
            Some(row.person.owner_organization_id),
        )
        .await?;
        drop(conn);
        // Who may share a survivor's information with whom is itself read under audit.
        let mut tx = self.store().begin().await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Consent,
            "list",
            &person.to_string(),
            &format!("{} consent(s)", consents.len()),
        )
        .await?;
        tx.commit().await?;
        let now = self.clock().now();
        Ok(consents
            .into_iter()
            .map(|consent| ConsentView {
                state: consent.state(now),
                recipient_names: consent
                    .recipients
                    .iter()
                    .map(|o| names.get(o).cloned().unwrap_or_default())
                    .collect(),
                consent,
            })
            .collect())
    }

    /// The task force's longest consent, in days.
    pub async fn consent_max_days(&self, tf: TaskForceId) -> Result<i64> {
        let mut conn = self.store().conn().await?;
        Ok(db::max_days(&mut conn, tf).await?)
    }

    /// Sets the task force's longest consent (the coordinator, as task force configuration).
    pub async fn set_consent_max_days(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        days: i64,
    ) -> Result<()> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::TaskForce, tf),
            &tf.to_string(),
        )
        .await?;
        if !(1..=3 * 365).contains(&days) {
            return Err(AppError::Invalid(Invalid::one(
                "max_days",
                "must be between 1 and 1095 days",
            )));
        }
        let mut tx = self.store().begin().await?;
        db::set_max_days(&mut tx, tf, days, self.clock().now()).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::TaskForce,
            "update",
            &tf.to_string(),
            &format!("consent maximum {days} days"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tells each consent's recorder, once, that it ends within [`EXPIRING_NOTICE_DAYS`].
    /// Returns how many were told.
    pub async fn notice_expiring_consents(&self) -> Result<usize> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let due = db::claim_expiring(
            &mut tx,
            now,
            now + Duration::days(EXPIRING_NOTICE_DAYS),
            200,
        )
        .await?;
        for consent in &due {
            self.notify(
                &mut tx,
                consent.task_force_id,
                consent.recorded_by,
                NotificationDraft {
                    kind: NotificationKind::ConsentExpiring,
                    subject: "A consent you recorded ends soon".into(),
                    body: format!(
                        "A survivor's consent to share ends on {}. Ask them whether they wish to renew it; services never depend on it.",
                        consent.valid_until.format("%Y-%m-%d")
                    ),
                    link: format!("/persons/{}#consents", consent.person_id),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}
