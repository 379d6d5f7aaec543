//! Use cases of services, service plans and the shared interview record (issue 5, parts 4-5).
//!
//! Each service, plan goal and interview is held by the organization that recorded it and
//! labelled for it (victim-confidential for a victim service provider). Every read asks the
//! policy with that holder, label and data category and with the consents the holder recorded
//! for the person, at the moment of the read: a consent that ends or is revoked cuts access at
//! once. What a reader may not see is `Shown::Withheld` (label and reason, never content).

use crate::actor::Actor;
use crate::cases::Shown;
use crate::{App, AppError, Result};
use std::collections::HashMap;
use taskforce_domain::access::{Action, ConsentScope, DataCategory, Label, Resource, ResourceKind};
use taskforce_domain::services::*;
use taskforce_domain::*;
use taskforce_store::cases::PersonRow;
use taskforce_store::services::{self as db, InterviewRow};
use taskforce_store::{consent as consent_db, structure as org_db, Connection};

/// A person's services and service plan, cut to what the reader may see.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ServicesView {
    pub person_id: PersonId,
    pub person_name: String,
    pub services: Vec<Shown<Service>>,
    pub goals: Vec<Shown<ServiceGoal>>,
    pub categories: Vec<ServiceCategory>,
    /// Organization names by id, for the holders shown.
    pub holders: HashMap<OrganizationId, String>,
    /// Whether the reader may record services and goals for this person.
    pub may_record: bool,
}

/// A person's interview record as far as the reader may see it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct InterviewView {
    pub person_id: PersonId,
    pub person_name: String,
    /// `None`: no interview recorded yet.
    pub interview: Option<Shown<Interview>>,
    pub holder_name: String,
    /// Whether the reader may record it (none yet) or change it (their organization holds it).
    pub may_record: bool,
}

impl App {
    /// A record about a person, held by `holder` with `label`, of `category`, opened to other
    /// organizations by the consents `consents` (the holder's, for this person).
    fn person_part<'a>(
        kind: ResourceKind,
        tf: TaskForceId,
        holder: OrganizationId,
        label: Label,
        category: DataCategory,
        consents: &'a [ConsentScope],
    ) -> Resource<'a> {
        Resource {
            owner: Some(holder),
            label,
            category: Some(category),
            consents,
            ..Resource::in_task_force(kind, tf)
        }
    }

    /// The person, once the actor may read who they are (audited) and their role may `action`
    /// records of `kind`.
    async fn person_for_part(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        person: PersonId,
        kind: ResourceKind,
        action: Action,
    ) -> Result<PersonRow> {
        let (row, _) = self
            .person_for(actor, conn, tf, person, Action::Read)
            .await?;
        self.authorize(
            actor,
            action,
            &Resource::in_task_force(kind, tf),
            &person.to_string(),
        )
        .await?;
        Ok(row)
    }

    /// The holder (the actor's organization) and the label a new record of theirs takes.
    fn recorder(actor: &Actor) -> Result<(OrganizationId, Label, MemberId)> {
        let p = actor.principal().ok_or_else(|| {
            AppError::Forbidden("Services and interviews are recorded by a member.".into())
        })?;
        Ok((
            p.organization_id,
            label_for(p.organization_kind),
            p.member_id,
        ))
    }

    /// Consents recorded for `person` by each holder in `holders`.
    async fn consents_by_holder(
        conn: &mut Connection,
        tf: TaskForceId,
        person: PersonId,
        holders: Vec<OrganizationId>,
    ) -> Result<HashMap<OrganizationId, Vec<ConsentScope>>> {
        let mut out = HashMap::new();
        for holder in holders {
            if let std::collections::hash_map::Entry::Vacant(e) = out.entry(holder) {
                e.insert(consent_db::scopes(conn, tf, holder, &[person]).await?);
            }
        }
        Ok(out)
    }

    /// The task force's service categories (defaults with its changes).
    pub async fn service_categories(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<ServiceCategory>> {
        self.authorize(
            actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::CaseReference, tf),
            "service_categories",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::categories(&mut conn, tf).await?)
    }

    /// Renames, retires or adds a service category (the coordinator, as reference data).
    pub async fn set_service_category(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        code: &str,
        words: &str,
        active: bool,
    ) -> Result<ServiceCategory> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::CaseReference, tf),
            "service_categories",
        )
        .await?;
        let mut invalid = Invalid::default();
        let code = code.trim().to_lowercase();
        if code.is_empty()
            || code.len() > 60
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            invalid.add(
                "code",
                "must be 1 to 60 lowercase letters, digits or underscores",
            );
        }
        let words = invalid.required_text("words", words, 200);
        invalid.finish(())?;
        let category = ServiceCategory {
            code,
            words,
            active,
        };
        let mut tx = self.store().begin().await?;
        db::set_category(&mut tx, tf, &category).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::CaseReference,
            "update",
            &format!("service category {}", category.code),
            &format!(
                "{} ({})",
                category.words,
                if active { "offered" } else { "retired" }
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(category)
    }

    // -- services and the service plan ------------------------------------------------------

    /// A person's services and plan goals, each shown as far as its own policy allows; the read
    /// is audited.
    pub async fn services_of(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
    ) -> Result<ServicesView> {
        let mut conn = self.store().conn().await?;
        let row = self
            .person_for_part(
                actor,
                &mut conn,
                tf,
                person,
                ResourceKind::Service,
                Action::List,
            )
            .await?;
        let services = db::services_of(&mut conn, tf, person).await?;
        let goals = db::goals_of(&mut conn, tf, person).await?;
        let mut holder_ids: Vec<OrganizationId> = Vec::new();
        for s in &services {
            holder_ids.push(s.holder_organization_id);
        }
        for g in &goals {
            holder_ids.push(g.holder_organization_id);
        }
        let consents = Self::consents_by_holder(&mut conn, tf, person, holder_ids).await?;
        let shown = |holder: OrganizationId, label: Label| {
            let scopes = consents.get(&holder).map(Vec::as_slice).unwrap_or(&[]);
            self.decision(
                actor,
                Action::Read,
                &Self::person_part(
                    ResourceKind::Service,
                    tf,
                    holder,
                    label,
                    DataCategory::Services,
                    scopes,
                ),
            )
        };
        let services: Vec<Shown<Service>> = services
            .into_iter()
            .map(|s| match shown(s.holder_organization_id, s.label) {
                Ok(()) => Shown::Yes(s),
                Err(reason) => Shown::Withheld {
                    label: s.label,
                    reason,
                },
            })
            .collect();
        let goals: Vec<Shown<ServiceGoal>> = goals
            .into_iter()
            .map(|g| match shown(g.holder_organization_id, g.label) {
                Ok(()) => Shown::Yes(g),
                Err(reason) => Shown::Withheld {
                    label: g.label,
                    reason,
                },
            })
            .collect();
        let holders = org_db::organizations(&mut conn, tf)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let may_record = match Self::recorder(actor) {
            Ok((org, label, _)) => self.may(
                actor,
                Action::Create,
                &Self::person_part(
                    ResourceKind::Service,
                    tf,
                    org,
                    label,
                    DataCategory::Services,
                    &[],
                ),
            ),
            Err(_) => false,
        };
        let view = ServicesView {
            person_id: person,
            person_name: row.person.display_name(),
            services,
            goals,
            categories: db::categories(&mut conn, tf).await?,
            holders,
            may_record,
        };
        drop(conn);
        self.audit_read(
            actor,
            ResourceKind::Service,
            &person.to_string(),
            "services and service plan of the person",
        )
        .await?;
        Ok(view)
    }

    /// Records a service delivered to a person, held by the actor's organization.
    pub async fn record_service(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        input: ServiceInput,
    ) -> Result<Service> {
        let mut conn = self.store().conn().await?;
        self.person_for_part(
            actor,
            &mut conn,
            tf,
            person,
            ResourceKind::Service,
            Action::Create,
        )
        .await?;
        let categories = db::categories(&mut conn, tf).await?;
        drop(conn);
        let (holder, label, member) = Self::recorder(actor)?;
        let new = input.validate(&categories)?.into_inner();
        let service = Service {
            id: ServiceId(self.new_id()),
            task_force_id: tf,
            person_id: person,
            holder_organization_id: holder,
            label,
            category: new.category,
            started_on: new.started_on,
            ended_on: new.ended_on,
            provider: new.provider,
            units: new.units,
            unit: new.unit,
            amount_cents: new.amount_cents,
            outcome: new.outcome,
            recorded_by: member,
            created_at: self.clock().now(),
            version: 1,
        };
        let mut tx = self.store().begin().await?;
        db::insert_service(&mut tx, &service).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Service,
            "create",
            &service.id.to_string(),
            &format!("person {person}; {}", service.category),
        )
        .await?;
        tx.commit().await?;
        Ok(service)
    }

    /// Adds a goal to a person's service plan, held by the actor's organization.
    pub async fn add_service_goal(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        input: GoalInput,
    ) -> Result<ServiceGoal> {
        let mut conn = self.store().conn().await?;
        self.person_for_part(
            actor,
            &mut conn,
            tf,
            person,
            ResourceKind::Service,
            Action::Create,
        )
        .await?;
        let categories = db::categories(&mut conn, tf).await?;
        drop(conn);
        let (holder, label, member) = Self::recorder(actor)?;
        let (goal, category, target_on, status) = input.validate(&categories)?.into_inner();
        let goal = ServiceGoal {
            id: ServiceGoalId(self.new_id()),
            task_force_id: tf,
            person_id: person,
            holder_organization_id: holder,
            label,
            category,
            goal,
            target_on,
            status,
            recorded_by: member,
            created_at: self.clock().now(),
            version: 1,
        };
        let mut tx = self.store().begin().await?;
        db::insert_goal(&mut tx, &goal).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Service,
            "create",
            &goal.id.to_string(),
            &format!("person {person}; service plan goal"),
        )
        .await?;
        tx.commit().await?;
        Ok(goal)
    }

    /// Moves a plan goal to another status (its holder only: the policy with its own label).
    pub async fn set_goal_status(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        id: ServiceGoalId,
        version: Option<i64>,
        status: &str,
    ) -> Result<()> {
        let mut conn = self.store().conn().await?;
        self.person_for_part(
            actor,
            &mut conn,
            tf,
            person,
            ResourceKind::Service,
            Action::Update,
        )
        .await?;
        let goal = db::goal(&mut conn, tf, id)
            .await?
            .filter(|g| g.person_id == person)
            .ok_or(AppError::NotFound)?;
        let scopes =
            consent_db::scopes(&mut conn, tf, goal.holder_organization_id, &[person]).await?;
        drop(conn);
        let resource = Self::person_part(
            ResourceKind::Service,
            tf,
            goal.holder_organization_id,
            goal.label,
            DataCategory::Services,
            &scopes,
        );
        self.authorize(actor, Action::Update, &resource, &id.to_string())
            .await?;
        if actor
            .principal()
            .is_some_and(|p| p.organization_id != goal.holder_organization_id)
        {
            return Err(AppError::Forbidden(
                "Only the organization that set this goal changes it.".into(),
            ));
        }
        let mut invalid = Invalid::default();
        if version.is_none() {
            invalid.add(
                "version",
                "the form is missing the record's version; reload the page and try again",
            );
        }
        let status = GoalStatus::from_code(status);
        if status.is_none() {
            invalid.add("status", "is not one of the choices offered");
        }
        let (Some(version), Some(status)) = (version, status) else {
            return Err(AppError::Invalid(invalid));
        };
        let mut tx = self.store().begin().await?;
        db::set_goal_status(&mut tx, tf, id, version, status).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Service,
            "update",
            &id.to_string(),
            &format!("service plan goal now {}", status.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -- the interview record ---------------------------------------------------------------

    /// The person's interview record, shown only to its holder and to organizations a live
    /// consent covers for the narrative; the read is audited.
    pub async fn interview_of(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
    ) -> Result<InterviewView> {
        let mut conn = self.store().conn().await?;
        let row = self
            .person_for_part(
                actor,
                &mut conn,
                tf,
                person,
                ResourceKind::Interview,
                Action::Read,
            )
            .await?;
        let stored = db::interview_of_person(&mut conn, tf, person).await?;
        let (interview, holder_name, may_record, read) = match stored {
            None => {
                let may = match Self::recorder(actor) {
                    Ok((org, label, _)) => self.may(
                        actor,
                        Action::Create,
                        &Self::person_part(
                            ResourceKind::Interview,
                            tf,
                            org,
                            label,
                            DataCategory::Narrative,
                            &[],
                        ),
                    ),
                    Err(_) => false,
                };
                (None, String::new(), may, false)
            }
            Some(stored) => {
                let i = &stored.interview;
                let scopes =
                    consent_db::scopes(&mut conn, tf, i.holder_organization_id, &[person]).await?;
                let resource = Self::person_part(
                    ResourceKind::Interview,
                    tf,
                    i.holder_organization_id,
                    i.label,
                    DataCategory::Narrative,
                    &scopes,
                );
                match self.decision(actor, Action::Read, &resource) {
                    Ok(()) => {
                        let holder = org_db::organization(&mut conn, tf, i.holder_organization_id)
                            .await?
                            .map(|o| o.name)
                            .unwrap_or_default();
                        let may_update = self.may(actor, Action::Update, &resource)
                            && actor
                                .principal()
                                .is_some_and(|p| p.organization_id == i.holder_organization_id);
                        let open = self.open_interview(&mut conn, tf, stored).await?;
                        (Some(Shown::Yes(open)), holder, may_update, true)
                    }
                    Err(reason) => (
                        Some(Shown::Withheld {
                            label: i.label,
                            reason,
                        }),
                        String::new(),
                        false,
                        false,
                    ),
                }
            }
        };
        drop(conn);
        if read {
            self.audit_read(
                actor,
                ResourceKind::Interview,
                &person.to_string(),
                "interview record of the person",
            )
            .await?;
        }
        Ok(InterviewView {
            person_id: person,
            person_name: row.person.display_name(),
            interview,
            holder_name,
            may_record,
        })
    }

    async fn open_interview(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        stored: InterviewRow,
    ) -> Result<Interview> {
        let mut i = stored.interview;
        i.place = self.unseal(conn, tf, &stored.place_enc).await?;
        i.recording_reference = self
            .unseal(conn, tf, &stored.recording_reference_enc)
            .await?;
        i.notes = self.unseal(conn, tf, &stored.notes_enc).await?;
        Ok(i)
    }

    /// Records the person's one interview record, or changes it (`version` given; the holder
    /// only). A second record for the same person is refused: the survivor is not interviewed
    /// again for the same facts.
    pub async fn record_interview(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        version: Option<i64>,
        input: InterviewInput,
    ) -> Result<Interview> {
        let mut conn = self.store().conn().await?;
        let existing = db::interview_of_person(&mut conn, tf, person).await?;
        let action = if existing.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        self.person_for_part(
            actor,
            &mut conn,
            tf,
            person,
            ResourceKind::Interview,
            action,
        )
        .await?;
        let (org, label, member) = Self::recorder(actor)?;
        let (holder, label) = match &existing {
            Some(stored) => {
                let i = &stored.interview;
                let scopes =
                    consent_db::scopes(&mut conn, tf, i.holder_organization_id, &[person]).await?;
                let resource = Self::person_part(
                    ResourceKind::Interview,
                    tf,
                    i.holder_organization_id,
                    i.label,
                    DataCategory::Narrative,
                    &scopes,
                );
                self.authorize(actor, Action::Update, &resource, &i.id.to_string())
                    .await?;
                if i.holder_organization_id != org {
                    return Err(AppError::Forbidden(
                        "Only the organization that recorded the interview changes it.".into(),
                    ));
                }
                if version.is_none() {
                    return Err(AppError::Invalid(Invalid::one(
                        "interview",
                        "is already recorded for this person; open it to change it rather than interviewing again",
                    )));
                }
                (i.holder_organization_id, i.label)
            }
            None => {
                self.authorize(
                    actor,
                    Action::Create,
                    &Self::person_part(
                        ResourceKind::Interview,
                        tf,
                        org,
                        label,
                        DataCategory::Narrative,
                        &[],
                    ),
                    &person.to_string(),
                )
                .await?;
                (org, label)
            }
        };
        drop(conn);
        let now = self.clock().now();
        let new = input.validate(now.date_naive())?.into_inner();
        let mut tx = self.store().begin().await?;
        let mut row = InterviewRow {
            interview: Interview {
                id: existing
                    .as_ref()
                    .map(|e| e.interview.id)
                    .unwrap_or_else(|| InterviewId(self.new_id())),
                task_force_id: tf,
                person_id: person,
                holder_organization_id: holder,
                label,
                interviewed_by: new.interviewed_by,
                interviewed_on: new.interviewed_on,
                place: String::new(),
                language: new.language,
                interpreter: new.interpreter,
                recording_reference: String::new(),
                notes: String::new(),
                recorded_by: existing
                    .as_ref()
                    .map(|e| e.interview.recorded_by)
                    .unwrap_or(member),
                created_at: existing
                    .as_ref()
                    .map(|e| e.interview.created_at)
                    .unwrap_or(now),
                updated_at: now,
                version: version.unwrap_or(1),
            },
            place_enc: self.seal(&mut tx, tf, holder, &new.place).await?,
            recording_reference_enc: self
                .seal(&mut tx, tf, holder, &new.recording_reference)
                .await?,
            notes_enc: self.seal(&mut tx, tf, holder, &new.notes).await?,
        };
        let verb = if existing.is_some() {
            db::update_interview(&mut tx, &row).await?;
            row.interview.version += 1;
            "update"
        } else {
            db::insert_interview(&mut tx, &row).await?;
            "create"
        };
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Interview,
            verb,
            &row.interview.id.to_string(),
            &format!("person {person}"),
        )
        .await?;
        tx.commit().await?;
        row.interview.place = new.place;
        row.interview.recording_reference = new.recording_reference;
        row.interview.notes = new.notes;
        Ok(row.interview)
    }
}
