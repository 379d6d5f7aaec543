//! Use cases of cases, persons and their parts (C3). Every read of a case, person or attachment
//! and every write is audited in its own transaction with the act; every one asks the policy
//! with the record's own label, holder, team and category. Sensitive text is sealed before it
//! reaches the store and indexed only as keyed tokens.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use taskforce_domain::access::{
    decide, grant_end, Action, ConsentScope, DataCategory, Grant, Grantee, Label, Resource,
    ResourceKind, Visibility,
};
use taskforce_domain::audit::Outcome;
use taskforce_domain::cases::*;
use taskforce_domain::search::{snippet, terms, SnippetPart};
use taskforce_domain::structure::Organization;
use taskforce_domain::*;
use taskforce_store::cases::{self as db, CaseFilter, CaseRow, NewCase, PersonRow};
use taskforce_store::search::{self as index, SearchEntry, SearchFilter};
use taskforce_store::{consent as consent_db, structure as org_db, Connection, Tx};

/// A case as the policy sees it.
pub(crate) struct Held {
    pub(crate) row: CaseRow,
    grants: Vec<Grant>,
    team: Vec<TeamGrant>,
    /// For a victim service provider's case: the persons on it, and the consents it recorded
    /// for them (each person's consent is needed to open the case's records to others).
    subjects: Vec<PersonId>,
    consents: Vec<ConsentScope>,
}

impl Held {
    pub(crate) fn resource(&self, category: Option<DataCategory>) -> Resource<'_> {
        self.resource_as(self.row.case.label, category)
    }

    /// The case's holder and team with another label (a note's, an attachment's).
    fn resource_as(&self, label: Label, category: Option<DataCategory>) -> Resource<'_> {
        let case = &self.row.case;
        Resource {
            kind: case.kind.resource_kind(),
            task_force_id: Some(case.task_force_id),
            owner: Some(case.owner_organization_id),
            owner_member: None,
            label,
            category,
            grants: &self.grants,
            consents: &self.consents,
            subjects: &self.subjects,
        }
    }
}

/// A person as the policy sees them: their home case's team, and the consents their holder
/// recorded for them.
pub(crate) struct PersonHeld {
    grants: Vec<Grant>,
    consents: Vec<ConsentScope>,
}

fn grants_of(team: &[TeamGrant]) -> Vec<Grant> {
    team.iter()
        .filter_map(|g| {
            let to = match (g.organization_id, g.member_id) {
                (Some(org), _) => Grantee::Organization(org),
                (None, Some(member)) => Grantee::Member(member),
                (None, None) => return None,
            };
            Some(Grant {
                to,
                until: g.until.map(grant_end),
            })
        })
        .collect()
}

/// A one-field change's version and code, each named when missing or unknown.
fn version_and_code<T>(
    version: Option<i64>,
    code: Option<Option<T>>,
    field: &str,
) -> Result<(i64, T)> {
    let mut invalid = Invalid::default();
    if version.is_none() {
        invalid.add(
            "version",
            "the form is missing the record's version; reload the page and try again",
        );
    }
    match &code {
        None => invalid.add(field, "is required"),
        Some(None) => invalid.add(field, "is not one of the choices offered"),
        Some(Some(_)) => {}
    }
    match (version, code) {
        (Some(version), Some(Some(code))) => Ok((version, code)),
        _ => Err(AppError::Invalid(invalid)),
    }
}

/// The category of a case's own record, for consent on a service case.
pub(crate) fn case_category(kind: CaseKind) -> Option<DataCategory> {
    (kind == CaseKind::ServiceCase).then_some(DataCategory::Services)
}

/// What a reader sees of one part of a case: the part, or the fact that one exists that they
/// may not read (its label only, never its content).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "access")]
pub enum Shown<T> {
    #[serde(rename = "visible")]
    Yes(T),
    #[serde(rename = "withheld")]
    Withheld { label: Label, reason: &'static str },
}

/// A person on a case, as far as the reader may see them.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PersonOnCase {
    pub role: PersonRole,
    pub person: Shown<Person>,
    pub person_id: PersonId,
}

/// A linked case, as far as the reader may see it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LinkedCase {
    pub id: CaseId,
    pub kind: CaseKind,
    pub case: Shown<CaseSummary>,
}

/// The whole picture of a case at a glance, cut to what the reader may see.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CaseView {
    pub case: Case,
    pub owner: Organization,
    pub team: Vec<TeamGrant>,
    pub persons: Vec<PersonOnCase>,
    pub notes: Vec<Shown<Note>>,
    pub tasks: Vec<CaseTask>,
    pub timeline: Vec<TimelineEntry>,
    pub links: Vec<LinkedCase>,
    pub attachments: Vec<Shown<Attachment>>,
    pub charges: Vec<Charge>,
    pub court_events: Vec<CourtEvent>,
    pub sentences: Vec<Sentence>,
    pub relief: Vec<ReliefRequest>,
    /// What the reader may do here.
    pub may_update: bool,
    pub may_share: bool,
}

/// A person's record with their identifiers and the cases they are on.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PersonView {
    pub person: Person,
    pub home_case_id: CaseId,
    pub identifiers: Vec<Identifier>,
    pub may_update: bool,
    /// Whether the reader's organization keeps this person's consents (their holder).
    pub may_keep_consent: bool,
}

/// One search result: what it is, where it leads, and its words around the match.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SearchResult {
    pub doc_kind: String,
    pub title: String,
    pub case_id: Option<CaseId>,
    pub link: String,
    pub label: Label,
    pub status: String,
    pub occurred_on: chrono::NaiveDate,
    pub snippet: Vec<SnippetPart>,
}

#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    pub text: String,
    pub filter: SearchFilter,
}

pub const CASE_KINDS: &[ResourceKind] = &[
    ResourceKind::Investigation,
    ResourceKind::ServiceCase,
    ResourceKind::Prosecution,
];

impl App {
    fn member_of(actor: &Actor) -> Option<MemberId> {
        actor.principal().map(|p| p.member_id)
    }

    pub(crate) async fn held(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        id: CaseId,
    ) -> Result<Held> {
        let row = db::case(conn, tf, id).await?.ok_or(AppError::NotFound)?;
        self.held_row(conn, tf, row).await
    }

    /// A case row with what the policy needs of it: its team, and for a victim service
    /// provider's case the consents of the persons on it.
    async fn held_row(&self, conn: &mut Connection, tf: TaskForceId, row: CaseRow) -> Result<Held> {
        let id = row.case.id;
        let team = db::team(conn, tf, id).await?;
        let (subjects, consents) = if row.case.kind == CaseKind::ServiceCase
            || row.case.label == Label::VictimConfidential
        {
            let subjects = db::case_person_ids(conn, tf, id).await?;
            let consents =
                consent_db::scopes(conn, tf, row.case.owner_organization_id, &subjects).await?;
            (subjects, consents)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Held {
            grants: grants_of(&team),
            row,
            team,
            subjects,
            consents,
        })
    }

    /// The case, once the policy lets the actor `action` it as a whole (a denial is audited).
    pub(crate) async fn held_for(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        case: CaseId,
        action: Action,
    ) -> Result<Held> {
        let held = self.held(conn, tf, case).await?;
        self.authorize(
            actor,
            action,
            &held.resource(case_category(held.row.case.kind)),
            &case.to_string(),
        )
        .await?;
        Ok(held)
    }

    /// Whether the actor may `action` the resource, without auditing (for display).
    pub(crate) fn may(&self, actor: &Actor, action: Action, resource: &Resource<'_>) -> bool {
        match actor {
            Actor::System(_) => true,
            Actor::Member(p) => decide(p, action, resource, self.clock().now()).allowed,
        }
    }

    pub(crate) async fn write_audit(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        kind: ResourceKind,
        action: &str,
        id: &str,
        detail: &str,
    ) -> Result<()> {
        self.audit(
            tx,
            &actor.audit_actor(),
            &format!("{}.{action}", kind.code()),
            kind.code(),
            id,
            Outcome::Success,
            detail,
        )
        .await
    }

    /// Audits a look (a read the policy allowed) in a transaction of its own.
    pub(crate) async fn audit_read(
        &self,
        actor: &Actor,
        kind: ResourceKind,
        id: &str,
        detail: &str,
    ) -> Result<()> {
        let mut tx = self.store().begin().await?;
        self.write_audit(&mut tx, actor, kind, "read", id, detail)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn index_case(&self, tx: &mut Tx, case: &Case) -> Result<()> {
        let text = format!("{} {} {}", case.reference, case.title, case.summary);
        self.index_record(
            tx,
            &SearchEntry {
                doc_id: case.id.to_string(),
                task_force_id: case.task_force_id,
                doc_kind: "case",
                resource_kind: case.kind.resource_kind(),
                case_id: Some(case.id),
                owner_organization_id: case.owner_organization_id,
                label: case.label,
                status: case.status.code().to_owned(),
                trafficking_type: case.trafficking_type.code().to_owned(),
                occurred_on: case.opened_on,
                text,
                category: case_category(case.kind),
                person_id: None,
            },
        )
        .await
    }

    /// Writes or replaces the search entry of one record (its words become keyed tokens).
    pub(crate) async fn index_record(&self, tx: &mut Tx, entry: &SearchEntry) -> Result<()> {
        let tokens = self
            .index_tokens(tx, entry.task_force_id, &terms(&entry.text))
            .await?;
        index::put(tx, entry, &tokens.join(" ")).await?;
        Ok(())
    }

    // -- cases ----------------------------------------------------------------------------------

    /// Opens a case held by the actor's organization.
    pub async fn create_case(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: CaseInput,
    ) -> Result<Case> {
        let owner = actor
            .principal()
            .map(|p| p.organization_id)
            .ok_or_else(|| AppError::Internal("a case needs a holding organization".into()))?;
        self.create_case_for(actor, tf, owner, input).await
    }

    /// Opens a case held by `owner` (the actor's organization, or any for the system).
    pub async fn create_case_for(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        owner: OrganizationId,
        input: CaseInput,
    ) -> Result<Case> {
        if let Some(p) = actor.principal() {
            if p.organization_id != owner {
                return Err(AppError::Forbidden(
                    "Cases are opened for the organization you act in.".into(),
                ));
            }
        }
        // Without a kind, the kind the holder works (an agency's investigation, a provider's
        // service case, an office's prosecution).
        let mut conn = self.store().conn().await?;
        let holder = org_db::organization(&mut conn, tf, owner)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(conn);
        let Some(kind) = input.kind.or_else(|| {
            CaseKind::ALL
                .iter()
                .copied()
                .find(|k| k.held_by(holder.kind))
        }) else {
            return Err(AppError::Forbidden(
                "Your organization does not hold cases: investigations are held by law enforcement, service cases by victim service providers, prosecutions by prosecutors' offices.".into(),
            ));
        };
        let input = CaseInput {
            kind: Some(kind),
            ..input
        };
        self.authorize(
            actor,
            Action::Create,
            &Resource {
                kind: kind.resource_kind(),
                task_force_id: Some(tf),
                owner: Some(owner),
                owner_member: None,
                label: Label::TaskForce,
                category: None,
                grants: &[],
                consents: &[],
                subjects: &[],
            },
            "new",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let fields = self.case_fields(&mut conn, tf, owner, None, input).await?;
        drop(conn);
        let now = self.clock().now();
        let id = CaseId(self.new_id());
        let mut tx = self.store().begin().await?;
        let prefix = format!("{}-{}", fields.kind.prefix(), fields.opened_on.format("%Y"));
        let reference = db::next_reference(&mut tx, tf, &prefix).await?;
        let summary_enc = self.seal(&mut tx, tf, owner, &fields.summary).await?;
        db::insert_case(
            &mut tx,
            tf,
            &NewCase {
                id,
                reference: &reference,
                owner,
                fields: &fields,
                summary_enc: &summary_enc,
                created_by: Self::member_of(actor),
            },
            now,
        )
        .await?;
        if fields.label == Label::Restricted {
            if let Some(member) = Self::member_of(actor) {
                db::insert_grant(
                    &mut tx,
                    tf,
                    id,
                    &TeamGrant {
                        id: GrantId(self.new_id()),
                        organization_id: None,
                        member_id: Some(member),
                        until: None,
                        granted_by: member,
                        granted_at: now,
                    },
                )
                .await?;
            }
        }
        self.timeline_entry(
            &mut tx,
            tf,
            id,
            fields.opened_on,
            &format!("{} opened", fields.kind.label()),
            Self::member_of(actor),
        )
        .await?;
        let row = db::case(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut case = row.case;
        case.summary = fields.summary.clone();
        self.index_case(&mut tx, &case).await?;
        self.write_audit(
            &mut tx,
            actor,
            kind.resource_kind(),
            "create",
            &id.to_string(),
            &reference,
        )
        .await?;
        tx.commit().await?;
        Ok(case)
    }

    async fn case_fields(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        owner: OrganizationId,
        current: Option<&Case>,
        mut input: CaseInput,
    ) -> Result<taskforce_domain::structure::Valid<CaseFields>> {
        let task_force = org_db::task_force(conn, tf)
            .await?
            .ok_or(AppError::NotFound)?;
        let organization = org_db::organization(conn, tf, owner)
            .await?
            .ok_or(AppError::NotFound)?;
        let typology: Vec<u8> = db::typology(conn, tf)
            .await?
            .into_iter()
            .filter(|(_, _, active)| *active)
            .map(|(n, _, _)| n)
            .collect();
        let members: Vec<MemberId> = org_db::members(conn, tf)
            .await?
            .into_iter()
            .filter(|m| m.memberships.iter().any(|s| s.organization_id == owner))
            .map(|m| m.id)
            .collect();
        if let Some(case) = current {
            input.kind = Some(case.kind);
        }
        Ok(input.validate(&CaseContext {
            owner_kind: organization.kind,
            counties: &task_force.counties,
            typology: &typology,
            owner_members: &members,
            current_status: current.map(|c| c.status),
            today: self.clock().now().date_naive(),
        })?)
    }

    pub async fn update_case(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: CaseId,
        version: i64,
        input: CaseInput,
    ) -> Result<Case> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, id, Action::Update)
            .await?;
        let current = &held.row.case;
        let fields = self
            .case_fields(
                &mut conn,
                tf,
                current.owner_organization_id,
                Some(current),
                input,
            )
            .await?;
        drop(conn);
        let mut tx = self.store().begin().await?;
        let summary_enc = self
            .seal(&mut tx, tf, current.owner_organization_id, &fields.summary)
            .await?;
        db::update_case(
            &mut tx,
            tf,
            id,
            version,
            &fields,
            &summary_enc,
            self.clock().now(),
        )
        .await?;
        if fields.status != current.status {
            self.timeline_entry(
                &mut tx,
                tf,
                id,
                self.clock().now().date_naive(),
                &format!(
                    "Status changed from {} to {}",
                    current.status.label().to_lowercase(),
                    fields.status.label().to_lowercase()
                ),
                Self::member_of(actor),
            )
            .await?;
        }
        let mut case = db::case(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?
            .case;
        case.summary = fields.summary.clone();
        self.index_case(&mut tx, &case).await?;
        index::update_case_entries(
            &mut tx,
            tf,
            id,
            case.status.code(),
            case.trafficking_type.code(),
        )
        .await?;
        self.write_audit(
            &mut tx,
            actor,
            case.kind.resource_kind(),
            "update",
            &id.to_string(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(case)
    }

    /// The cases the actor may see, filtered, newest first, with the total.
    pub async fn cases(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        filter: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<CaseSummary>, i64)> {
        let Actor::Member(p) = actor else {
            return Err(AppError::Forbidden("Lists are shown to members.".into()));
        };
        let Some(visibility) = Visibility::of(p, Action::List, CASE_KINDS, self.clock().now())
        else {
            self.authorize(
                actor,
                Action::List,
                &Resource::in_task_force(ResourceKind::Investigation, tf),
                "cases",
            )
            .await?;
            return Ok((Vec::new(), 0));
        };
        if visibility.task_force_id != tf {
            return Err(AppError::Forbidden(
                "This belongs to another task force.".into(),
            ));
        }
        let mut conn = self.store().conn().await?;
        Ok(db::list_cases(&mut conn, &visibility, filter, limit, offset).await?)
    }

    /// The whole picture of a case, as far as the actor may see it; the read is audited.
    pub async fn case_view(&self, actor: &Actor, tf: TaskForceId, id: CaseId) -> Result<CaseView> {
        let mut conn = self.store().conn().await?;
        let held = self.held(&mut conn, tf, id).await?;
        let kind = held.row.case.kind;
        self.authorize(
            actor,
            Action::Read,
            &held.resource(case_category(kind)),
            &id.to_string(),
        )
        .await?;
        let mut case = held.row.case.clone();
        case.summary = self.unseal(&mut conn, tf, &held.row.summary_enc).await?;
        let owner = org_db::organization(&mut conn, tf, case.owner_organization_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let persons = self.persons_shown(actor, &mut conn, tf, id).await?;
        let mut notes = Vec::new();
        for row in db::notes(&mut conn, tf, id).await? {
            let resource = held.resource_as(row.note.label, Some(DataCategory::Narrative));
            notes.push(match self.decision(actor, Action::Read, &resource) {
                Ok(()) => {
                    let mut note = row.note;
                    note.body = self.unseal(&mut conn, tf, &row.body_enc).await?;
                    Shown::Yes(note)
                }
                Err(reason) => Shown::Withheld {
                    label: row.note.label,
                    reason,
                },
            });
        }
        let attachments = db::attachments(&mut conn, tf, id)
            .await?
            .into_iter()
            .map(|a| {
                let resource = held.resource_as(a.label, Some(DataCategory::Narrative));
                match self.decision(actor, Action::Read, &resource) {
                    Ok(()) => Shown::Yes(a),
                    Err(reason) => Shown::Withheld {
                        label: a.label,
                        reason,
                    },
                }
            })
            .collect();
        let mut links = Vec::new();
        for (_, other) in db::linked_cases(&mut conn, tf, id).await? {
            let other_held = self.held_row(&mut conn, tf, other).await?;
            let c = &other_held.row.case;
            let shown = match self.decision(
                actor,
                Action::Read,
                &other_held.resource(case_category(c.kind)),
            ) {
                Ok(()) => {
                    let owner_name = org_db::organization(&mut conn, tf, c.owner_organization_id)
                        .await?
                        .map(|o| o.name)
                        .unwrap_or_default();
                    Shown::Yes(CaseSummary {
                        id: c.id,
                        kind: c.kind,
                        reference: c.reference.clone(),
                        title: c.title.clone(),
                        owner_organization_id: c.owner_organization_id,
                        owner_organization_name: owner_name,
                        label: c.label,
                        status: c.status,
                        trafficking_type: c.trafficking_type,
                        opened_on: c.opened_on,
                    })
                }
                Err(reason) => Shown::Withheld {
                    label: c.label,
                    reason,
                },
            };
            links.push(LinkedCase {
                id: c.id,
                kind: c.kind,
                case: shown,
            });
        }
        let relief_allowed = self
            .decision(
                actor,
                Action::Read,
                &held.resource(Some(DataCategory::Immigration)),
            )
            .is_ok();
        let view = CaseView {
            may_update: self.may(actor, Action::Update, &held.resource(case_category(kind))),
            may_share: self.may(actor, Action::Share, &held.resource(case_category(kind))),
            tasks: db::tasks(&mut conn, tf, id).await?,
            timeline: db::timeline(&mut conn, tf, id).await?,
            charges: db::charges(&mut conn, tf, id).await?,
            court_events: db::court_events(&mut conn, tf, id).await?,
            sentences: db::sentences(&mut conn, tf, id).await?,
            relief: if relief_allowed {
                db::relief_requests(&mut conn, tf, id).await?
            } else {
                Vec::new()
            },
            team: held.team.clone(),
            case,
            owner,
            persons,
            notes,
            links,
            attachments,
        };
        drop(conn);
        self.audit_read(actor, kind.resource_kind(), &id.to_string(), "")
            .await?;
        Ok(view)
    }

    /// The policy's answer without auditing, for deciding what a page shows.
    pub(crate) fn decision(
        &self,
        actor: &Actor,
        action: Action,
        resource: &Resource<'_>,
    ) -> std::result::Result<(), &'static str> {
        match actor {
            Actor::System(_) => Ok(()),
            Actor::Member(p) => {
                let d = decide(p, action, resource, self.clock().now());
                if d.allowed {
                    Ok(())
                } else {
                    Err(d.reason)
                }
            }
        }
    }

    pub(crate) async fn person_held(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        row: &PersonRow,
    ) -> Result<PersonHeld> {
        let grants = grants_of(&db::team(conn, tf, row.home_case_id).await?);
        let consents = if row.person.label == Label::VictimConfidential {
            consent_db::scopes(conn, tf, row.person.owner_organization_id, &[row.person.id]).await?
        } else {
            Vec::new()
        };
        Ok(PersonHeld { grants, consents })
    }

    /// The person, once the policy lets the actor `action` who they are (a denial is audited).
    pub(crate) async fn person_for(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        id: PersonId,
        action: Action,
    ) -> Result<(PersonRow, PersonHeld)> {
        let row = db::person(conn, tf, id).await?.ok_or(AppError::NotFound)?;
        let held = self.person_held(conn, tf, &row).await?;
        self.authorize(
            actor,
            action,
            &Self::person_resource(&row, &held, DataCategory::Identity),
            &id.to_string(),
        )
        .await?;
        Ok((row, held))
    }

    /// The person as a resource of `category` (identity for their record; contact, narrative,
    /// services or immigration for the parts kept about them).
    pub(crate) fn person_resource<'a>(
        row: &PersonRow,
        held: &'a PersonHeld,
        category: DataCategory,
    ) -> Resource<'a> {
        Resource {
            kind: ResourceKind::Person,
            task_force_id: Some(row.person.task_force_id),
            owner: Some(row.person.owner_organization_id),
            owner_member: None,
            label: row.person.label,
            category: Some(category),
            grants: &held.grants,
            consents: &held.consents,
            subjects: &[],
        }
    }

    async fn persons_shown(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        case: CaseId,
    ) -> Result<Vec<PersonOnCase>> {
        let mut out = Vec::new();
        for (part, row) in db::case_persons(conn, tf, case).await? {
            let held_p = self.person_held(conn, tf, &row).await?;
            let resource = Self::person_resource(&row, &held_p, DataCategory::Identity);
            out.push(PersonOnCase {
                role: part.role,
                person_id: row.person.id,
                person: match self.decision(actor, Action::Read, &resource) {
                    Ok(()) => Shown::Yes(row.person),
                    Err(reason) => Shown::Withheld {
                        label: row.person.label,
                        reason,
                    },
                },
            });
        }
        Ok(out)
    }

    // -- team and links -------------------------------------------------------------------------

    pub async fn grant_team(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: TeamGrantInput,
    ) -> Result<TeamGrant> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Share)
            .await?;
        let organizations: Vec<OrganizationId> = org_db::organizations(&mut conn, tf)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        let members: Vec<MemberId> = org_db::members(&mut conn, tf)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let valid = input.validate(&organizations, &members, self.clock().now().date_naive())?;
        let (organization_id, member_id, until) = valid.into_inner();
        drop(conn);
        let by = Self::member_of(actor)
            .ok_or_else(|| AppError::Forbidden("Team grants are made by members.".into()))?;
        let grant = TeamGrant {
            id: GrantId(self.new_id()),
            organization_id,
            member_id,
            until,
            granted_by: by,
            granted_at: self.clock().now(),
        };
        let mut tx = self.store().begin().await?;
        db::insert_grant(&mut tx, tf, case, &grant).await?;
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "share",
            &case.to_string(),
            &format!("team grant {}", grant.id),
        )
        .await?;
        tx.commit().await?;
        Ok(grant)
    }

    pub async fn revoke_team_grant(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        grant: GrantId,
    ) -> Result<()> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Share)
            .await?;
        drop(conn);
        let mut tx = self.store().begin().await?;
        db::delete_grant(&mut tx, tf, case, grant).await?;
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "share",
            &case.to_string(),
            &format!("team grant {grant} revoked"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Links a case to another given by its reference (as a partner would tell it).
    pub async fn link_by_reference(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        reference: &str,
    ) -> Result<()> {
        let mut conn = self.store().conn().await?;
        let other = db::case_by_reference(&mut conn, tf, reference.trim()).await?;
        drop(conn);
        match other {
            Some(other) => self.link_cases(actor, tf, case, other).await,
            // The same refusal as a case the actor may not link.
            None => {
                self.link_cases(actor, tf, case, CaseId(uuid::Uuid::nil()))
                    .await
            }
        }
    }

    /// Links two cases: the actor works one and may open the other, or is on its team.
    pub async fn link_cases(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        other: CaseId,
    ) -> Result<()> {
        if case == other {
            return Err(AppError::Invalid(Invalid::one(
                "other_case_id",
                "a case cannot be linked to itself",
            )));
        }
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        // The other case may be linked by whoever may open it, or by an organization its holder
        // put on its team (an agency coordinating with a provider it cannot show the case to).
        // Anything else gets the same answer, so a reference reveals nothing.
        let refused = || {
            AppError::Invalid(Invalid::one(
                "other_case_id",
                "is not a case you may link: you can link a case you may open, or one whose holder put your organization on its team",
            ))
        };
        let other_held = self
            .held(&mut conn, tf, other)
            .await
            .map_err(|_| refused())?;
        let readable = self
            .decision(
                actor,
                Action::Read,
                &other_held.resource(case_category(other_held.row.case.kind)),
            )
            .is_ok();
        let today = self.clock().now().date_naive();
        let teamed = actor.principal().is_some_and(|p| {
            other_held.team.iter().any(|g| {
                g.organization_id == Some(p.organization_id) && g.until.is_none_or(|u| u >= today)
            })
        });
        if !(readable || teamed || matches!(actor, Actor::System(_))) {
            return Err(refused());
        }
        drop(conn);
        let by = Self::member_of(actor).unwrap_or(MemberId(uuid::Uuid::nil()));
        let mut tx = self.store().begin().await?;
        db::insert_link(&mut tx, tf, case, other, by, self.clock().now()).await?;
        let today = self.clock().now().date_naive();
        self.timeline_entry(
            &mut tx,
            tf,
            case,
            today,
            &format!("Linked to {}", other_held.row.case.reference),
            Self::member_of(actor),
        )
        .await?;
        self.timeline_entry(
            &mut tx,
            tf,
            other,
            today,
            &format!("Linked to {}", held.row.case.reference),
            Self::member_of(actor),
        )
        .await?;
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "update",
            &case.to_string(),
            &format!("linked to {other}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -- persons --------------------------------------------------------------------------------

    /// Records a new person on a case; they share the case's holder, label and team.
    pub async fn add_person(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        role: PersonRole,
        input: PersonInput,
    ) -> Result<Person> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        self.authorize(
            actor,
            Action::Create,
            &Resource {
                kind: ResourceKind::Person,
                ..held.resource(Some(DataCategory::Identity))
            },
            "new",
        )
        .await?;
        drop(conn);
        let fields = input.validate(self.clock().now().date_naive())?;
        let now = self.clock().now();
        let id = PersonId(self.new_id());
        let mut tx = self.store().begin().await?;
        db::insert_person(&mut tx, tf, id, &held.row.case, &fields, now).await?;
        db::add_case_person(&mut tx, tf, case, id, role, now).await?;
        let row = db::person(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.index_person(&mut tx, &row, &[]).await?;
        self.check_target(&mut tx, actor, tf, id).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Person,
            "create",
            &id.to_string(),
            &format!("{} on case {case}", role.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(row.person)
    }

    /// Puts a person already recorded on another case on this one too (on an investigation,
    /// checked in target deconfliction for the case's agency, as a new person would be).
    pub async fn add_existing_person(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        person: PersonId,
        role: PersonRole,
    ) -> Result<()> {
        let mut conn = self.store().conn().await?;
        self.held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        self.person_for(actor, &mut conn, tf, person, Action::Read)
            .await?;
        drop(conn);
        let mut tx = self.store().begin().await?;
        db::add_case_person(&mut tx, tf, case, person, role, self.clock().now()).await?;
        // On an investigation, the person becomes this agency's target too: the same check as
        // for a person added new.
        self.check_target(&mut tx, actor, tf, person).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Person,
            "update",
            &person.to_string(),
            &format!("{} on case {case}", role.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn index_person(
        &self,
        tx: &mut Tx,
        row: &PersonRow,
        identifiers: &[Identifier],
    ) -> Result<()> {
        let p = &row.person;
        let mut text = format!("{} {}", p.given_name, p.family_name);
        for identifier in identifiers {
            text.push(' ');
            text.push_str(&identifier.value);
        }
        self.index_record(
            tx,
            &SearchEntry {
                doc_id: p.id.to_string(),
                task_force_id: p.task_force_id,
                doc_kind: "person",
                resource_kind: ResourceKind::Person,
                case_id: Some(row.home_case_id),
                owner_organization_id: p.owner_organization_id,
                label: p.label,
                status: String::new(),
                trafficking_type: String::new(),
                occurred_on: p.created_at.date_naive(),
                text,
                category: Some(DataCategory::Identity),
                person_id: Some(p.id),
            },
        )
        .await
    }

    /// A person with their identifiers; the read is audited.
    pub async fn person_view(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: PersonId,
    ) -> Result<PersonView> {
        let mut conn = self.store().conn().await?;
        let row = db::person(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let held_p = self.person_held(&mut conn, tf, &row).await?;
        let resource = Self::person_resource(&row, &held_p, DataCategory::Identity);
        self.authorize(actor, Action::Read, &resource, &id.to_string())
            .await?;
        // Phones, e-mails and addresses are contact details: a consent that opens who the
        // person is does not open how to reach them unless it also covers contact.
        let contact = self.may(
            actor,
            Action::Read,
            &Self::person_resource(&row, &held_p, DataCategory::Contact),
        );
        let identifiers = db::identifiers(&mut conn, tf, id)
            .await?
            .into_iter()
            .filter(|i| {
                contact
                    || !matches!(
                        i.kind,
                        IdentifierKind::Phone | IdentifierKind::Email | IdentifierKind::Address
                    )
            })
            .collect();
        let may_update = self.may(actor, Action::Update, &resource);
        let may_keep_consent = self.may(actor, Action::Create, &Self::consent_resource(&row));
        drop(conn);
        self.audit_read(actor, ResourceKind::Person, &id.to_string(), "")
            .await?;
        Ok(PersonView {
            person: row.person,
            home_case_id: row.home_case_id,
            identifiers,
            may_update,
            may_keep_consent,
        })
    }

    pub async fn update_person(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: PersonId,
        version: i64,
        input: PersonInput,
    ) -> Result<Person> {
        let mut conn = self.store().conn().await?;
        self.person_for(actor, &mut conn, tf, id, Action::Update)
            .await?;
        let identifiers = db::identifiers(&mut conn, tf, id).await?;
        drop(conn);
        let fields = input.validate(self.clock().now().date_naive())?;
        let mut tx = self.store().begin().await?;
        db::update_person(&mut tx, tf, id, version, &fields, self.clock().now()).await?;
        let row = db::person(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.index_person(&mut tx, &row, &identifiers).await?;
        self.check_target(&mut tx, actor, tf, row.person.id).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Person,
            "update",
            &id.to_string(),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(row.person)
    }

    /// Adds an identifier to a person, recording who entered it and when.
    pub async fn add_identifier(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        input: IdentifierInput,
    ) -> Result<Identifier> {
        let mut conn = self.store().conn().await?;
        let (row, _) = self
            .person_for(actor, &mut conn, tf, person, Action::Update)
            .await?;
        let mut identifiers = db::identifiers(&mut conn, tf, person).await?;
        drop(conn);
        let (kind, value, normalized) = input.validate()?.into_inner();
        let by = Self::member_of(actor)
            .ok_or_else(|| AppError::Forbidden("Identifiers are entered by members.".into()))?;
        let identifier = Identifier {
            id: IdentifierId(self.new_id()),
            person_id: person,
            kind,
            value,
            normalized,
            entered_by: by,
            entered_at: self.clock().now(),
        };
        let mut tx = self.store().begin().await?;
        db::insert_identifier(&mut tx, tf, &identifier).await?;
        identifiers.push(identifier.clone());
        self.index_person(&mut tx, &row, &identifiers).await?;
        self.check_target(&mut tx, actor, tf, row.person.id).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Person,
            "update",
            &person.to_string(),
            &format!("identifier {} added", kind.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(identifier)
    }

    /// Removes an identifier from a person (entered in error, or no longer theirs): their
    /// search entry and deconfliction pointers are rebuilt in the same transaction, so the
    /// value stops matching at once. Audited.
    pub async fn remove_identifier(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        person: PersonId,
        identifier: IdentifierId,
    ) -> Result<()> {
        let mut conn = self.store().conn().await?;
        let (row, _) = self
            .person_for(actor, &mut conn, tf, person, Action::Update)
            .await?;
        drop(conn);
        let mut tx = self.store().begin().await?;
        let removed = db::delete_identifier(&mut tx, tf, person, identifier)
            .await?
            .ok_or(AppError::NotFound)?;
        let identifiers = db::identifiers(tx.conn(), tf, person).await?;
        self.index_person(&mut tx, &row, &identifiers).await?;
        self.check_target(&mut tx, actor, tf, person).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Person,
            "update",
            &person.to_string(),
            &format!("identifier {} removed", removed.kind.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -- notes, tasks, timeline, attachments ----------------------------------------------------

    pub async fn add_note(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: NoteInput,
    ) -> Result<Note> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        drop(conn);
        let (label, body) = input.validate(&held.row.case)?.into_inner();
        let (author, author_name) = match actor {
            Actor::Member(p) => (p.member_id, p.name.clone()),
            Actor::System(_) => {
                return Err(AppError::Forbidden("Notes are written by members.".into()))
            }
        };
        let note = Note {
            id: NoteId(self.new_id()),
            case_id: case,
            label,
            body,
            author_member_id: author,
            author_name,
            created_at: self.clock().now(),
        };
        let owner = held.row.case.owner_organization_id;
        let mut tx = self.store().begin().await?;
        let body_enc = self.seal(&mut tx, tf, owner, &note.body).await?;
        db::insert_note(&mut tx, tf, &note, &body_enc).await?;
        if label == Label::Restricted {
            self.name_on_case(&mut tx, tf, &held, author).await?;
        }
        self.index_record(
            &mut tx,
            &SearchEntry {
                doc_id: note.id.to_string(),
                task_force_id: tf,
                doc_kind: "note",
                resource_kind: held.row.case.kind.resource_kind(),
                case_id: Some(case),
                owner_organization_id: owner,
                label,
                status: held.row.case.status.code().to_owned(),
                trafficking_type: held.row.case.trafficking_type.code().to_owned(),
                occurred_on: note.created_at.date_naive(),
                text: note.body.clone(),
                category: Some(DataCategory::Narrative),
                person_id: None,
            },
        )
        .await?;
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "update",
            &case.to_string(),
            &format!("note {} ({})", note.id, label.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(note)
    }

    /// Names the author of a restricted part on the case's team, so they can read what they
    /// wrote (a restricted record is read by named members only).
    async fn name_on_case(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        held: &Held,
        member: MemberId,
    ) -> Result<()> {
        if held
            .team
            .iter()
            .any(|g| g.member_id == Some(member) && g.until.is_none())
        {
            return Ok(());
        }
        db::insert_grant(
            tx,
            tf,
            held.row.case.id,
            &TeamGrant {
                id: GrantId(self.new_id()),
                organization_id: None,
                member_id: Some(member),
                until: None,
                granted_by: member,
                granted_at: self.clock().now(),
            },
        )
        .await?;
        Ok(())
    }

    /// Members who may be given a case's tasks: the holder's members and the team's.
    async fn assignable(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        held: &Held,
    ) -> Result<Vec<MemberId>> {
        let team_orgs: Vec<OrganizationId> =
            held.team.iter().filter_map(|g| g.organization_id).collect();
        let team_members: Vec<MemberId> = held.team.iter().filter_map(|g| g.member_id).collect();
        Ok(org_db::members(conn, tf)
            .await?
            .into_iter()
            .filter(|m| {
                team_members.contains(&m.id)
                    || m.memberships.iter().any(|s| {
                        s.organization_id == held.row.case.owner_organization_id
                            || team_orgs.contains(&s.organization_id)
                    })
            })
            .map(|m| m.id)
            .collect())
    }

    pub async fn add_task(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: TaskInput,
    ) -> Result<CaseTask> {
        self.add_task_from(actor, tf, case, input, None).await
    }

    /// Adds a task; `from_item`: the case review agenda item it is an action item of.
    pub(crate) async fn add_task_from(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: TaskInput,
        from_item: Option<ReviewItemId>,
    ) -> Result<CaseTask> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        let members = self.assignable(&mut conn, tf, &held).await?;
        drop(conn);
        let (title, due_on, assignee, status) = input.validate(&members)?.into_inner();
        let task = CaseTask {
            id: CaseTaskId(self.new_id()),
            case_id: case,
            title,
            due_on,
            assignee_member_id: assignee,
            status,
            version: 1,
            created_at: self.clock().now(),
        };
        let mut tx = self.store().begin().await?;
        db::insert_task(&mut tx, tf, &task).await?;
        if let Some(item) = from_item {
            taskforce_store::services::insert_action(&mut tx, tf, item, task.id).await?;
        }
        if let Some(assignee) = task.assignee_member_id {
            self.notify_task_assigned(&mut tx, actor, tf, &held, assignee)
                .await?;
        }
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "update",
            &case.to_string(),
            &format!("task {} added", task.id),
        )
        .await?;
        tx.commit().await?;
        Ok(task)
    }

    pub async fn update_task(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        id: CaseTaskId,
        version: i64,
        input: TaskInput,
    ) -> Result<CaseTask> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        let existing = db::task(&mut conn, tf, id)
            .await?
            .filter(|t| t.case_id == case)
            .ok_or(AppError::NotFound)?;
        let members = self.assignable(&mut conn, tf, &held).await?;
        drop(conn);
        let (title, due_on, assignee, status) = input.validate(&members)?.into_inner();
        let existing_assignee = existing.assignee_member_id;
        let task = CaseTask {
            title,
            due_on,
            assignee_member_id: assignee,
            status,
            version,
            ..existing
        };
        let mut tx = self.store().begin().await?;
        db::update_task(&mut tx, tf, &task).await?;
        if let Some(assignee) = assignee.filter(|a| Some(*a) != existing_assignee) {
            self.notify_task_assigned(&mut tx, actor, tf, &held, assignee)
                .await?;
        }
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "update",
            &case.to_string(),
            &format!("task {id} now {}", status.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(CaseTask {
            version: version + 1,
            ..task
        })
    }

    async fn timeline_entry(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        case: CaseId,
        on: chrono::NaiveDate,
        description: &str,
        by: Option<MemberId>,
    ) -> Result<()> {
        db::insert_timeline(
            tx,
            tf,
            &TimelineEntry {
                id: TimelineEntryId(self.new_id()),
                case_id: case,
                occurred_on: on,
                description: description.to_owned(),
                recorded_by: by,
                recorded_at: self.clock().now(),
            },
        )
        .await?;
        Ok(())
    }

    pub async fn add_timeline_entry(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: TimelineInput,
    ) -> Result<()> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        drop(conn);
        let (on, description) = input
            .validate(self.clock().now().date_naive())?
            .into_inner();
        let mut tx = self.store().begin().await?;
        self.timeline_entry(&mut tx, tf, case, on, &description, Self::member_of(actor))
            .await?;
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "update",
            &case.to_string(),
            "timeline entry",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores an attachment encrypted, after checking its size and its type by content.
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        file_name: &str,
        content: &[u8],
        label: Option<&str>,
    ) -> Result<Attachment> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        drop(conn);
        let (name, media_type, label) =
            check_attachment(file_name, content, label, &held.row.case)?.into_inner();
        let by = Self::member_of(actor)
            .ok_or_else(|| AppError::Forbidden("Attachments are added by members.".into()))?;
        let attachment = Attachment {
            id: AttachmentId(self.new_id()),
            case_id: case,
            label,
            file_name: name,
            media_type: media_type.to_owned(),
            size_bytes: i64::try_from(content.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(content)),
            uploaded_by: by,
            uploaded_at: self.clock().now(),
        };
        let mut tx = self.store().begin().await?;
        let sealed = self
            .seal_bytes(&mut tx, tf, held.row.case.owner_organization_id, content)
            .await?;
        db::insert_attachment(&mut tx, tf, &attachment, &sealed).await?;
        if label == Label::Restricted {
            self.name_on_case(&mut tx, tf, &held, by).await?;
        }
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "update",
            &case.to_string(),
            &format!("attachment {} added", attachment.id),
        )
        .await?;
        tx.commit().await?;
        Ok(attachment)
    }

    /// An attachment's content; the read is audited.
    pub async fn attachment_content(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        id: AttachmentId,
    ) -> Result<(Attachment, Vec<u8>)> {
        let mut conn = self.store().conn().await?;
        let held = self
            .held_for(actor, &mut conn, tf, case, Action::Read)
            .await?;
        let (attachment, sealed) = db::attachment(&mut conn, tf, id)
            .await?
            .filter(|(a, _)| a.case_id == case)
            .ok_or(AppError::NotFound)?;
        self.authorize(
            actor,
            Action::Read,
            &held.resource_as(attachment.label, Some(DataCategory::Narrative)),
            &id.to_string(),
        )
        .await?;
        let content = self.unseal_bytes(&mut conn, tf, &sealed).await?;
        drop(conn);
        self.audit_read(
            actor,
            held.row.case.kind.resource_kind(),
            &case.to_string(),
            &format!("attachment {id}"),
        )
        .await?;
        Ok((attachment, content))
    }

    /// Moves a task to `status`, keeping its other fields. The case is checked first, then the
    /// task, then the form: an unknown task is not found whatever the form says.
    pub async fn set_task_status(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        id: CaseTaskId,
        version: Option<i64>,
        status: Option<Option<TaskStatus>>,
    ) -> Result<CaseTask> {
        let mut conn = self.store().conn().await?;
        self.held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        let current = db::task(&mut conn, tf, id)
            .await?
            .filter(|t| t.case_id == case)
            .ok_or(AppError::NotFound)?;
        drop(conn);
        let (version, status) = version_and_code(version, status, "status")?;
        let input = TaskInput {
            title: current.title,
            due_on: current.due_on.map(|d| d.format("%Y-%m-%d").to_string()),
            assignee_member_id: current.assignee_member_id,
            status: Some(status),
        };
        self.update_task(actor, tf, case, id, version, input).await
    }

    // -- prosecution and relief -----------------------------------------------------------------

    async fn prosecution(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        case: CaseId,
    ) -> Result<Held> {
        let held = self.held(conn, tf, case).await?;
        self.authorize(
            actor,
            Action::Update,
            &held.resource(None),
            &case.to_string(),
        )
        .await?;
        if held.row.case.kind != CaseKind::Prosecution {
            return Err(AppError::Invalid(Invalid::one(
                "case",
                "charges, court events and sentences are recorded on a prosecution",
            )));
        }
        Ok(held)
    }

    async fn people_in_role(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        case: CaseId,
        role: PersonRole,
    ) -> Result<Vec<PersonId>> {
        Ok(db::case_persons(conn, tf, case)
            .await?
            .into_iter()
            .filter(|(part, _)| part.role == role)
            .map(|(part, _)| part.person_id)
            .collect())
    }

    pub async fn add_charge(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: ChargeInput,
    ) -> Result<Charge> {
        let mut conn = self.store().conn().await?;
        self.prosecution(actor, &mut conn, tf, case).await?;
        let defendants = self
            .people_in_role(&mut conn, tf, case, PersonRole::Suspect)
            .await?;
        let statutes: Vec<String> = db::statutes(&mut conn, tf)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        drop(conn);
        let mut charge = input
            .validate(&defendants, &statutes, self.clock().now().date_naive())?
            .into_inner();
        charge.id = ChargeId(self.new_id());
        charge.case_id = case;
        let mut tx = self.store().begin().await?;
        db::insert_charge(&mut tx, tf, &charge).await?;
        self.timeline_entry(
            &mut tx,
            tf,
            case,
            charge.stage_on,
            &format!(
                "{}: {} ({} count(s))",
                charge.stage.label(),
                charge.statute,
                charge.counts
            ),
            Self::member_of(actor),
        )
        .await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Prosecution,
            "update",
            &case.to_string(),
            &format!("charge {} {}", charge.statute, charge.stage.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(charge)
    }

    /// Moves a charge to a new stage (amended, dismissed, pleaded, convicted, acquitted).
    pub async fn update_charge(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        id: ChargeId,
        version: i64,
        input: ChargeInput,
    ) -> Result<Charge> {
        let mut conn = self.store().conn().await?;
        self.prosecution(actor, &mut conn, tf, case).await?;
        let defendants = self
            .people_in_role(&mut conn, tf, case, PersonRole::Suspect)
            .await?;
        let statutes: Vec<String> = db::statutes(&mut conn, tf)
            .await?
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        let existing = db::charges(&mut conn, tf, case)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(AppError::NotFound)?;
        drop(conn);
        let valid = input
            .validate(&defendants, &statutes, self.clock().now().date_naive())?
            .into_inner();
        let charge = Charge {
            statute: valid.statute,
            counts: valid.counts,
            stage: valid.stage,
            stage_on: valid.stage_on,
            version,
            ..existing
        };
        let mut tx = self.store().begin().await?;
        db::update_charge(&mut tx, tf, &charge).await?;
        self.timeline_entry(
            &mut tx,
            tf,
            case,
            charge.stage_on,
            &format!("{}: {}", charge.stage.label(), charge.statute),
            Self::member_of(actor),
        )
        .await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Prosecution,
            "update",
            &case.to_string(),
            &format!("charge {id} {}", charge.stage.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(Charge {
            version: version + 1,
            ..charge
        })
    }

    /// Moves a charge to `stage` today, keeping its defendant, statute and counts.
    pub async fn set_charge_stage(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        id: ChargeId,
        version: Option<i64>,
        stage: Option<Option<ChargeStage>>,
    ) -> Result<Charge> {
        let mut conn = self.store().conn().await?;
        self.held_for(actor, &mut conn, tf, case, Action::Update)
            .await?;
        let current = db::charges(&mut conn, tf, case)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(AppError::NotFound)?;
        drop(conn);
        let (version, stage) = version_and_code(version, stage, "stage")?;
        let input = ChargeInput {
            defendant_person_id: Some(current.defendant_person_id),
            statute: current.statute,
            counts: Some(current.counts),
            stage: Some(stage),
            stage_on: None,
        };
        self.update_charge(actor, tf, case, id, version, input)
            .await
    }

    pub async fn add_court_event(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: CourtEventInput,
    ) -> Result<CourtEvent> {
        let mut conn = self.store().conn().await?;
        self.prosecution(actor, &mut conn, tf, case).await?;
        drop(conn);
        let (kind, on, court, outcome) = input.validate()?.into_inner();
        let event = CourtEvent {
            id: CourtEventId(self.new_id()),
            case_id: case,
            kind,
            on,
            court,
            outcome,
        };
        let mut tx = self.store().begin().await?;
        db::insert_court_event(&mut tx, tf, &event).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Prosecution,
            "update",
            &case.to_string(),
            &format!("court event {}", kind.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(event)
    }

    pub async fn add_sentence(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: SentenceInput,
    ) -> Result<Sentence> {
        let mut conn = self.store().conn().await?;
        self.prosecution(actor, &mut conn, tf, case).await?;
        let convicted: Vec<PersonId> = db::charges(&mut conn, tf, case)
            .await?
            .into_iter()
            .filter(|c| matches!(c.stage, ChargeStage::Convicted | ChargeStage::Pleaded))
            .map(|c| c.defendant_person_id)
            .collect();
        drop(conn);
        let mut sentence = input
            .validate(&convicted, self.clock().now().date_naive())?
            .into_inner();
        sentence.id = SentenceId(self.new_id());
        sentence.case_id = case;
        let mut tx = self.store().begin().await?;
        db::insert_sentence(&mut tx, tf, &sentence).await?;
        self.timeline_entry(
            &mut tx,
            tf,
            case,
            sentence.imposed_on,
            "Sentence imposed",
            Self::member_of(actor),
        )
        .await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::Prosecution,
            "update",
            &case.to_string(),
            "sentence",
        )
        .await?;
        tx.commit().await?;
        Ok(sentence)
    }

    /// Records an immigration relief request for a survivor on the case.
    pub async fn add_relief(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        case: CaseId,
        input: ReliefInput,
    ) -> Result<ReliefRequest> {
        let mut conn = self.store().conn().await?;
        let held = self.held(&mut conn, tf, case).await?;
        self.authorize(
            actor,
            Action::Update,
            &held.resource(Some(DataCategory::Immigration)),
            &case.to_string(),
        )
        .await?;
        let survivors = self
            .people_in_role(&mut conn, tf, case, PersonRole::Victim)
            .await?;
        drop(conn);
        let mut relief = input
            .validate(&survivors, self.clock().now().date_naive())?
            .into_inner();
        relief.id = ReliefId(self.new_id());
        relief.case_id = case;
        let mut tx = self.store().begin().await?;
        db::insert_relief(&mut tx, tf, &relief).await?;
        self.write_audit(
            &mut tx,
            actor,
            held.row.case.kind.resource_kind(),
            "update",
            &case.to_string(),
            &format!("relief {}", relief.kind.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(relief)
    }

    // -- reference lists ------------------------------------------------------------------------

    pub async fn typology(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<(u8, String, bool)>> {
        self.authorize(
            actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::CaseReference, tf),
            "typology",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::typology(&mut conn, tf).await?)
    }

    /// Renames or retires a typology entry (or adds a local one, numbered above 25).
    pub async fn set_typology(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        number: u8,
        name: &str,
        active: bool,
    ) -> Result<()> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::CaseReference, tf),
            "typology",
        )
        .await?;
        let mut invalid = Invalid::default();
        let name = invalid.required_text("name", name, 200);
        if number == 0 {
            invalid.add("number", "must be 1 or more");
        }
        invalid.finish(())?;
        let mut tx = self.store().begin().await?;
        db::set_typology(&mut tx, tf, number, &name, active).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::CaseReference,
            "update",
            &format!("typology {number}"),
            &name,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn statutes(&self, actor: &Actor, tf: TaskForceId) -> Result<Vec<(String, String)>> {
        self.authorize(
            actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::CaseReference, tf),
            "statutes",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::statutes(&mut conn, tf).await?)
    }

    pub async fn add_statute(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        citation: &str,
        title: &str,
    ) -> Result<()> {
        self.authorize(
            actor,
            Action::Create,
            &Resource::in_task_force(ResourceKind::CaseReference, tf),
            "statutes",
        )
        .await?;
        let mut invalid = Invalid::default();
        let citation = invalid.required_text("citation", citation, 100);
        let title = invalid.required_text("title", title, 200);
        if FEDERAL_STATUTES.iter().any(|(c, _)| *c == citation) {
            invalid.add(
                "citation",
                "is a federal statute, which is already on the list",
            );
        }
        invalid.finish(())?;
        let mut tx = self.store().begin().await?;
        db::insert_statute(&mut tx, tf, &citation, &title).await?;
        self.write_audit(
            &mut tx,
            actor,
            ResourceKind::CaseReference,
            "create",
            &citation,
            &title,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -- search ---------------------------------------------------------------------------------

    /// Full-text search over what the actor may see: visibility is part of the query, so hits,
    /// counts and snippets all obey it. The search is audited (its words are not).
    pub async fn search(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        query: &SearchQuery,
        limit: i64,
    ) -> Result<(Vec<SearchResult>, i64)> {
        let visibility = self.search_visibility(actor, tf).await?;
        let words = terms(&query.text);
        if words.is_empty() {
            return Err(AppError::Invalid(Invalid::one(
                "q",
                "type at least one word of two or more letters",
            )));
        }
        let mut conn = self.store().conn().await?;
        let tokens = self.search_tokens(&mut conn, tf, &words).await?;
        let (hits, total) =
            index::search(&mut conn, &visibility, &tokens, &query.filter, limit).await?;
        let mut results = Vec::with_capacity(hits.len());
        for hit in hits {
            let (title, text, link) = self.hit_text(&mut conn, tf, &hit).await?;
            results.push(SearchResult {
                snippet: snippet(&text, &words, 160),
                doc_kind: hit.doc_kind,
                title,
                case_id: hit.case_id,
                link,
                label: hit.label,
                status: hit.status,
                occurred_on: hit.occurred_on,
            });
        }
        drop(conn);
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "search",
            "search",
            &tf.to_string(),
            Outcome::Success,
            &format!("{total} results"),
        )
        .await?;
        tx.commit().await?;
        Ok((results, total))
    }

    /// What the actor may search; a role that reads no case records is refused (and audited).
    pub async fn search_visibility(&self, actor: &Actor, tf: TaskForceId) -> Result<Visibility> {
        let Actor::Member(p) = actor else {
            return Err(AppError::Forbidden("Search is for members.".into()));
        };
        let mut kinds = CASE_KINDS.to_vec();
        kinds.push(ResourceKind::Person);
        kinds.extend(crate::search_kinds::EXTRA);
        match Visibility::of(p, Action::Read, &kinds, self.clock().now()) {
            Some(v) if v.task_force_id == tf => Ok(v),
            Some(_) => Err(AppError::Forbidden(
                "This belongs to another task force.".into(),
            )),
            None => {
                self.authorize(
                    actor,
                    Action::Read,
                    &Resource::in_task_force(ResourceKind::Investigation, tf),
                    "search",
                )
                .await?;
                Err(AppError::Forbidden(
                    "Your role does not include searching case records.".into(),
                ))
            }
        }
    }

    /// The title, text and address of a hit the query already cleared for this reader.
    async fn hit_text(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        hit: &index::SearchHit,
    ) -> Result<(String, String, String)> {
        let parse = |s: &str| {
            s.parse::<uuid::Uuid>()
                .map_err(|_| AppError::Internal("a search entry has a bad id".into()))
        };
        Ok(match hit.doc_kind.as_str() {
            "case" => {
                let row = db::case(conn, tf, CaseId(parse(&hit.doc_id)?))
                    .await?
                    .ok_or(AppError::NotFound)?;
                let summary = self.unseal(conn, tf, &row.summary_enc).await?;
                (
                    format!("{} · {}", row.case.reference, row.case.title),
                    format!("{} {}", row.case.title, summary),
                    format!("/cases/{}", row.case.id),
                )
            }
            "person" => {
                let row = db::person(conn, tf, PersonId(parse(&hit.doc_id)?))
                    .await?
                    .ok_or(AppError::NotFound)?;
                let identifiers = db::identifiers(conn, tf, row.person.id).await?;
                let text = std::iter::once(row.person.display_name())
                    .chain(identifiers.into_iter().map(|i| i.value))
                    .collect::<Vec<_>>()
                    .join(" · ");
                (
                    row.person.display_name(),
                    text,
                    format!("/persons/{}", row.person.id),
                )
            }
            "note" => {
                let case = hit
                    .case_id
                    .ok_or_else(|| AppError::Internal("a note entry has no case".into()))?;
                let note_id = parse(&hit.doc_id)?;
                let row = db::note(conn, tf, NoteId(note_id))
                    .await?
                    .filter(|n| n.note.case_id == case)
                    .ok_or(AppError::NotFound)?;
                let body = self.unseal(conn, tf, &row.body_enc).await?;
                let reference = db::case(conn, tf, case)
                    .await?
                    .map(|c| c.case.reference)
                    .unwrap_or_default();
                (
                    format!("Note on {reference}"),
                    body,
                    format!("/cases/{case}#note-{note_id}"),
                )
            }
            other => crate::search_kinds::hit_text(self, conn, tf, other, hit).await?,
        })
    }
}
