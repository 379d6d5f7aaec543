//! Use cases of identification and intake (C2): the public tip form and receipt codes, partner
//! tips, hotline imports, triage (assign, merge, close, reopen, open a case) and screenings.
//!
//! Routing: a public or imported tip goes to the task force's intake organization (set by the
//! coordinator), else to its lead law enforcement agency (the earliest-added active law
//! enforcement organization); see `taskforce_domain::intake::intake_organization`. A partner's
//! tip is routed the same way and records the submitting member and organization.
//!
//! Narratives, contact details and added texts are sealed under the routed-to organization's data
//! key before they are written; the search index gets keyed tokens of their words.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use ring::hmac;
use taskforce_domain::access::{
    decide, Action, DataCategory, Label, Resource, ResourceKind, Visibility,
};
use taskforce_domain::audit::{AuditActor, Outcome};
use taskforce_domain::cases::{Case, CaseInput, CaseKind};
use taskforce_domain::intake::*;
use taskforce_domain::screening::{self, Instrument, Screening, ScreeningInput};
use taskforce_domain::structure::{Organization, OrganizationKind};
use taskforce_domain::*;
use taskforce_store::intake::{
    self as db, AdditionRow, IntakeSettings, NewTip, TipFilter, TipRow, TipState,
};
use taskforce_store::search::SearchEntry;
use taskforce_store::{structure as structure_db, Connection, Tx};

/// A public form submitted sooner than this after it was served is refused (people take longer).
pub const FORM_MIN_SECONDS: i64 = 3;
/// A public form older than this is refused (reload it).
pub const FORM_MAX_SECONDS: i64 = 6 * 60 * 60;
const FORM_SECRET: &str = "tip-form";

/// What the public form needs to show itself.
#[derive(Clone, Debug)]
pub struct PublicTipForm {
    pub task_force_id: TaskForceId,
    pub task_force_name: String,
    pub counties: Vec<String>,
    /// False when the task force has no organization to route tips to.
    pub accepting: bool,
    /// The signed, time-stamped token the form carries back.
    pub token: String,
}

/// What the spam checks read from a submitted public form.
#[derive(Clone, Debug, Default)]
pub struct FormCheck {
    pub token: String,
    /// The hidden field people never fill in.
    pub honeypot: String,
}

/// A triage queue or a partner's own submissions.
#[derive(Clone, Debug)]
pub struct TipList {
    /// False: the reader sees only the tips they submitted, by status.
    pub triage: bool,
    pub tips: Vec<Tip>,
}

/// One tip as the reader may see it, with what was added to it and its screenings.
#[derive(Clone, Debug)]
pub struct TipView {
    pub tip: Tip,
    /// False: status only (the partner who submitted it).
    pub content: bool,
    pub additions: Vec<TipAddition>,
    pub screenings: Vec<Screening>,
    pub may_update: bool,
}

/// The outcome of an import (or its dry run).
#[derive(Clone, Debug, PartialEq)]
pub struct ImportReport {
    pub accepted: usize,
    pub problems: Vec<RowProblem>,
    /// True when the tips were written (no problem, not a dry run).
    pub committed: bool,
}

/// The instrument in use and where it came from.
#[derive(Clone, Debug)]
pub struct InstrumentView {
    pub instrument: Instrument,
    pub json: String,
    pub is_default: bool,
    pub intake_organization_id: Option<OrganizationId>,
    /// Where public tips go now (after the fallback rule).
    pub routed_to: Option<OrganizationId>,
    pub version: i64,
}

fn public_actor(tf: TaskForceId, source: &str) -> AuditActor {
    AuditActor {
        task_force_id: Some(tf),
        source: source.to_owned(),
        ..AuditActor::default()
    }
}

fn tip_resource(tip: &Tip) -> Resource<'static> {
    Resource {
        kind: ResourceKind::Tip,
        task_force_id: Some(tip.task_force_id),
        owner: Some(tip.routed_organization_id),
        owner_member: tip.submitted_by_member_id,
        label: tip.label,
        category: Some(DataCategory::Narrative),
        grants: &[],
        consents: &[],
        subjects: &[],
    }
}

fn screening_resource(s: &Screening) -> Resource<'static> {
    Resource {
        kind: ResourceKind::Screening,
        task_force_id: Some(s.task_force_id),
        owner: Some(s.owner_organization_id),
        owner_member: None,
        label: s.label,
        category: Some(DataCategory::Identity),
        grants: &[],
        consents: &[],
        subjects: &[],
    }
}

fn form_refused(message: &str) -> AppError {
    AppError::Invalid(Invalid::one("form", message))
}

impl App {
    // -- helpers --------------------------------------------------------------------------------

    async fn tip_context_data(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
    ) -> Result<(Vec<String>, Vec<u8>)> {
        let task_force = structure_db::task_force(conn, tf)
            .await?
            .ok_or(AppError::NotFound)?;
        let typology = taskforce_store::cases::typology(conn, tf)
            .await?
            .into_iter()
            .filter(|(_, _, active)| *active)
            .map(|(n, _, _)| n)
            .collect();
        Ok((task_force.counties, typology))
    }

    async fn routed_organization(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
    ) -> Result<Option<OrganizationId>> {
        let settings = db::intake_settings(conn, tf).await?;
        let organizations = structure_db::organizations(conn, tf).await?;
        Ok(intake_organization(
            settings.intake_organization_id,
            &organizations,
        ))
    }

    async fn index_tip(&self, tx: &mut Tx, tip: &Tip, narrative: &str) -> Result<()> {
        self.index_record(
            tx,
            &SearchEntry {
                doc_id: tip.id.to_string(),
                task_force_id: tip.task_force_id,
                doc_kind: "tip",
                resource_kind: ResourceKind::Tip,
                case_id: tip.case_id,
                owner_organization_id: tip.routed_organization_id,
                label: tip.label,
                status: tip.status.code().to_owned(),
                trafficking_type: tip.trafficking_type.code().to_owned(),
                occurred_on: tip
                    .occurred_on
                    .unwrap_or_else(|| tip.received_at.date_naive()),
                text: format!("{} {} {}", tip.reference, tip.place, narrative),
                category: None,
                person_id: None,
            },
        )
        .await
    }

    /// Writes one new tip (sealed, indexed) inside `tx`; the caller audits and commits.
    #[allow(clippy::too_many_arguments)] // the tip's provenance, named at each call site
    async fn write_tip(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        routed: OrganizationId,
        source: TipSource,
        submitted_by: Option<(MemberId, OrganizationId)>,
        received_at: chrono::DateTime<chrono::Utc>,
        fields: &structure_valid::ValidTip,
        receipt_hash: Option<&str>,
    ) -> Result<Tip> {
        let id = TipId(self.new_id());
        let now = self.clock().now();
        let reference = db::next_reference(tx, tf, received_at.max(now)).await?;
        let narrative_enc = self.seal(tx, tf, routed, &fields.narrative).await?;
        let contact_enc = self.seal(tx, tf, routed, &fields.contact).await?;
        db::insert_tip(
            tx,
            tf,
            &NewTip {
                id,
                reference: &reference,
                routed_organization_id: routed,
                source,
                submitted_by_member_id: submitted_by.map(|(m, _)| m),
                submitted_by_organization_id: submitted_by.map(|(_, o)| o),
                received_at,
                fields,
                narrative_enc: &narrative_enc,
                contact_enc: &contact_enc,
                receipt_hash,
            },
            now,
        )
        .await?;
        let row = db::tip(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.index_tip(tx, &row.tip, &fields.narrative).await?;
        Ok(row.tip)
    }

    async fn audit_tip(
        &self,
        tx: &mut Tx,
        actor: &AuditActor,
        action: &str,
        id: &str,
        detail: &str,
    ) -> Result<()> {
        self.audit(
            tx,
            actor,
            &format!("tip.{action}"),
            "tip",
            id,
            Outcome::Success,
            detail,
        )
        .await
    }

    // -- the public form ------------------------------------------------------------------------

    /// The task forces that take tips online, for the public chooser: (id, name).
    pub async fn tip_task_forces(&self) -> Result<Vec<(TaskForceId, String)>> {
        let mut conn = self.store().conn().await?;
        let mut out = Vec::new();
        for tf in structure_db::list_task_forces(&mut conn).await? {
            if self.routed_organization(&mut conn, tf.id).await?.is_some() {
                out.push((tf.id, tf.name));
            }
        }
        Ok(out)
    }

    async fn form_key(&self, tx: &mut Tx) -> Result<hmac::Key> {
        let mut candidate = [0u8; 32];
        self.fill_random(&mut candidate);
        let secret =
            db::form_secret(tx, FORM_SECRET, &hex::encode(candidate), self.clock().now()).await?;
        let bytes = hex::decode(secret)
            .map_err(|_| AppError::Internal("the form secret is not hex".into()))?;
        Ok(hmac::Key::new(hmac::HMAC_SHA256, &bytes))
    }

    /// The public form of a task force, with a fresh signed token (anyone may ask).
    pub async fn public_tip_form(&self, tf: TaskForceId) -> Result<PublicTipForm> {
        let mut tx = self.store().begin().await?;
        let task_force = structure_db::task_force(tx.conn(), tf)
            .await?
            .ok_or(AppError::NotFound)?;
        let accepting = self.routed_organization(tx.conn(), tf).await?.is_some();
        let key = self.form_key(&mut tx).await?;
        tx.commit().await?;
        let mut nonce = [0u8; 16];
        self.fill_random(&mut nonce);
        let body = format!(
            "{tf}.{}.{}",
            self.clock().now().timestamp(),
            hex::encode(nonce)
        );
        let tag = hmac::sign(&key, body.as_bytes());
        Ok(PublicTipForm {
            task_force_id: tf,
            task_force_name: task_force.name,
            counties: task_force.counties,
            accepting,
            token: format!("{body}.{}", hex::encode(tag.as_ref())),
        })
    }

    /// Checks the spam defences of a public form inside `tx` (recording its nonce as used).
    async fn check_form(&self, tx: &mut Tx, tf: TaskForceId, check: &FormCheck) -> Result<()> {
        if !check.honeypot.trim().is_empty() {
            return Err(form_refused(
                "This form could not be accepted. Please reload the page and try again.",
            ));
        }
        let parts: Vec<&str> = check.token.trim().split('.').collect();
        let [form_tf, issued, nonce, tag] = parts.as_slice() else {
            return Err(form_refused(
                "This form could not be accepted. Please reload the page and try again.",
            ));
        };
        let key = self.form_key(tx).await?;
        let body = format!("{form_tf}.{issued}.{nonce}");
        let signed = hex::decode(tag)
            .ok()
            .is_some_and(|tag| hmac::verify(&key, body.as_bytes(), &tag).is_ok());
        if !signed || *form_tf != tf.to_string() {
            return Err(form_refused(
                "This form could not be accepted. Please reload the page and try again.",
            ));
        }
        let issued: i64 = issued.parse().map_err(|_| {
            form_refused("This form could not be accepted. Please reload the page and try again.")
        })?;
        let age = self.clock().now().timestamp() - issued;
        if age < FORM_MIN_SECONDS {
            return Err(form_refused(
                "That was sent very quickly, so we could not be sure a person sent it. Please wait a moment and send it again.",
            ));
        }
        if age > FORM_MAX_SECONDS {
            return Err(form_refused(
                "This page was open for a long time, so it expired for your safety. Please copy what you wrote, reload the page and send it again.",
            ));
        }
        if !db::use_form_nonce(tx, tf, nonce, self.clock().now()).await? {
            return Err(form_refused(
                "This form was already sent. If you want to add something, use your receipt code.",
            ));
        }
        Ok(())
    }

    /// Takes a tip from the public form (no sign-in). Returns the receipt code, shown once: only
    /// its hash is kept.
    pub async fn submit_public_tip(
        &self,
        tf: TaskForceId,
        input: TipInput,
        check: &FormCheck,
        source: &str,
    ) -> Result<(Tip, String)> {
        let mut conn = self.store().conn().await?;
        let (counties, typology) = self.tip_context_data(&mut conn, tf).await?;
        let routed = self
            .routed_organization(&mut conn, tf)
            .await?
            .ok_or_else(|| form_refused("This task force cannot take tips online yet. Please call the number on this page."))?;
        drop(conn);
        let fields = input.validate(&TipContext {
            counties: &counties,
            typology: &typology,
            today: self.clock().now().date_naive(),
        })?;
        let mut tx = self.store().begin().await?;
        self.check_form(&mut tx, tf, check).await?;
        let mut random = [0u8; 48];
        self.fill_random(&mut random);
        let code =
            receipt_code(&random).ok_or_else(|| AppError::Internal("no receipt code".into()))?;
        let hash = receipt_hash(&code).ok_or_else(|| AppError::Internal("receipt hash".into()))?;
        let tip = self
            .write_tip(
                &mut tx,
                tf,
                routed,
                TipSource::PublicForm,
                None,
                self.clock().now(),
                &fields,
                Some(&hash),
            )
            .await?;
        self.audit_tip(
            &mut tx,
            &public_actor(tf, source),
            "create",
            &tip.id.to_string(),
            "public form",
        )
        .await?;
        tx.commit().await?;
        Ok((tip, code))
    }

    /// Adds text to the tip a receipt code belongs to. Shows nothing of the tip back; an unknown
    /// code is refused in words that do not say whether such a tip exists elsewhere.
    pub async fn add_to_tip_by_receipt(&self, code: &str, text: &str, source: &str) -> Result<()> {
        let mut invalid = Invalid::default();
        let hash = receipt_hash(code);
        if hash.is_none() {
            invalid.add(
                "code",
                "is the 16-character code you were given, such as ABCD-EFGH-JKMN-PQRS",
            );
        }
        let text = match validate_addition(text) {
            Ok(text) => text,
            Err(more) => {
                invalid.errors.extend(more.errors);
                String::new()
            }
        };
        let hash = invalid.finish(hash)?.unwrap_or_default();
        let mut tx = self.store().begin().await?;
        let Some(row) = db::tip_by_receipt(tx.conn(), &hash).await? else {
            return Err(Invalid::one(
                "code",
                "We could not find a tip with this code. Please check it and try again.",
            )
            .into());
        };
        let tip = row.tip;
        let tf = tip.task_force_id;
        let text_enc = self
            .seal(&mut tx, tf, tip.routed_organization_id, &text)
            .await?;
        let now = self.clock().now();
        db::insert_addition(
            &mut tx,
            tf,
            self.new_id(),
            &AdditionRow {
                tip_id: tip.id,
                source: "receipt".into(),
                from_tip_id: None,
                text_enc,
                added_at: now,
            },
        )
        .await?;
        db::touch_tip(&mut tx, tf, tip.id, now).await?;
        self.audit_tip(
            &mut tx,
            &public_actor(tf, source),
            "add",
            &tip.id.to_string(),
            "receipt code",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -- members' tips --------------------------------------------------------------------------

    /// A tip from a signed-in member (a community partner, an agency): routed like a public
    /// tip, with the submitting member and organization recorded.
    pub async fn submit_partner_tip(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: TipInput,
    ) -> Result<Tip> {
        self.authorize(
            actor,
            Action::Create,
            &Resource::in_task_force(ResourceKind::Tip, tf),
            "new",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let (counties, typology) = self.tip_context_data(&mut conn, tf).await?;
        let routed = self.routed_organization(&mut conn, tf).await?.ok_or_else(|| {
            AppError::Invalid(Invalid::one(
                "form",
                "this task force has no organization to route tips to; ask the coordinator to name one",
            ))
        })?;
        drop(conn);
        let fields = input.validate(&TipContext {
            counties: &counties,
            typology: &typology,
            today: self.clock().now().date_naive(),
        })?;
        let submitted_by = actor.principal().map(|p| (p.member_id, p.organization_id));
        let mut tx = self.store().begin().await?;
        let tip = self
            .write_tip(
                &mut tx,
                tf,
                routed,
                TipSource::Partner,
                submitted_by,
                self.clock().now(),
                &fields,
                None,
            )
            .await?;
        self.audit_tip(
            &mut tx,
            &actor.audit_actor(),
            "create",
            &tip.id.to_string(),
            "partner",
        )
        .await?;
        tx.commit().await?;
        Ok(tip)
    }

    /// The triage queue of the actor's organization (open tips, oldest first; `all`: every
    /// tip routed to it, newest first), or, for a community partner, the tips they submitted.
    pub async fn tips(&self, actor: &Actor, tf: TaskForceId, all: bool) -> Result<TipList> {
        self.authorize(
            actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::Tip, tf),
            "",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let (filter, triage) = match actor {
            Actor::System(_) => {
                return Err(AppError::Forbidden("Lists of tips are for members.".into()))
            }
            Actor::Member(p) => {
                if Visibility::of(p, Action::List, &[ResourceKind::Tip], self.clock().now())
                    .is_some()
                {
                    let org = p.organization_id;
                    (
                        if all {
                            TipFilter::RoutedTo(org)
                        } else {
                            TipFilter::Queue(org)
                        },
                        true,
                    )
                } else {
                    (TipFilter::SubmittedBy(p.member_id), false)
                }
            }
        };
        let rows = db::tips(&mut conn, tf, filter, 500).await?;
        drop(conn);
        let mut tx = self.store().begin().await?;
        self.audit_tip(
            &mut tx,
            &actor.audit_actor(),
            "list",
            "",
            &format!("{} tips", rows.len()),
        )
        .await?;
        tx.commit().await?;
        Ok(TipList {
            triage,
            tips: rows.into_iter().map(|r| r.tip).collect(),
        })
    }

    async fn readable_tip(
        &self,
        actor: &Actor,
        conn: &mut Connection,
        tf: TaskForceId,
        id: TipId,
    ) -> Result<TipRow> {
        self.authorize(
            actor,
            Action::Read,
            &Resource::in_task_force(ResourceKind::Tip, tf),
            &id.to_string(),
        )
        .await?;
        let row = db::tip(conn, tf, id).await?.ok_or(AppError::NotFound)?;
        self.authorize(
            actor,
            Action::Read,
            &tip_resource(&row.tip),
            &id.to_string(),
        )
        .await?;
        Ok(row)
    }

    /// Whether the actor reads tips as triage (their content) rather than as the submitter.
    fn triages(&self, actor: &Actor) -> bool {
        match actor {
            Actor::System(_) => true,
            Actor::Member(p) => {
                Visibility::of(p, Action::Read, &[ResourceKind::Tip], self.clock().now()).is_some()
            }
        }
    }

    /// One tip. The holding organization's readers see its text (unsealed, and the read is
    /// audited); the partner who submitted it sees its status only.
    pub async fn tip(&self, actor: &Actor, tf: TaskForceId, id: TipId) -> Result<TipView> {
        // Asked before the transaction: a denial writes its own audit entry.
        let mut conn = self.store().conn().await?;
        let row = self.readable_tip(actor, &mut conn, tf, id).await?;
        drop(conn);
        let mut tx = self.store().begin().await?;
        let content = self.triages(actor);
        let mut tip = row.tip;
        let mut additions = Vec::new();
        let mut screenings = Vec::new();
        if content {
            tip.narrative = self.unseal(tx.conn(), tf, &row.narrative_enc).await?;
            tip.contact = self.unseal(tx.conn(), tf, &row.contact_enc).await?;
            for a in db::additions(tx.conn(), tf, id).await? {
                additions.push(TipAddition {
                    tip_id: a.tip_id,
                    added_at: a.added_at,
                    source: a.source,
                    text: self.unseal(tx.conn(), tf, &a.text_enc).await?,
                });
            }
            let now = self.clock().now();
            screenings = db::screenings_of_tip(tx.conn(), tf, id)
                .await?
                .into_iter()
                .filter(|s| match actor {
                    Actor::System(_) => true,
                    Actor::Member(p) => {
                        decide(p, Action::Read, &screening_resource(s), now).allowed
                    }
                })
                .collect();
        }
        let may_update = match actor {
            Actor::System(_) => true,
            Actor::Member(p) => {
                decide(p, Action::Update, &tip_resource(&tip), self.clock().now()).allowed
            }
        };
        self.audit_tip(
            &mut tx,
            &actor.audit_actor(),
            "read",
            &id.to_string(),
            if content { "content" } else { "status" },
        )
        .await?;
        tx.commit().await?;
        Ok(TipView {
            tip,
            content,
            additions,
            screenings,
            may_update,
        })
    }

    /// Asks the policy about changing a tip; called before a transaction begins (a denial is
    /// audited in a transaction of its own).
    async fn updatable_tip(&self, actor: &Actor, tf: TaskForceId, id: TipId) -> Result<TipRow> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::Tip, tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let row = db::tip(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(conn);
        self.authorize(
            actor,
            Action::Update,
            &tip_resource(&row.tip),
            &id.to_string(),
        )
        .await?;
        Ok(row)
    }

    async fn reindex(&self, tx: &mut Tx, tf: TaskForceId, id: TipId) -> Result<Tip> {
        let row = db::tip(tx.conn(), tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let narrative = self.unseal(tx.conn(), tf, &row.narrative_enc).await?;
        self.index_tip(tx, &row.tip, &narrative).await?;
        Ok(row.tip)
    }

    /// Assigns, closes or reopens a tip (reopening a merged tip undoes the merge).
    pub async fn triage_tip(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: TipId,
        version: i64,
        input: TriageInput,
    ) -> Result<Tip> {
        let row = self.updatable_tip(actor, tf, id).await?;
        let mut tx = self.store().begin().await?;
        let tip = &row.tip;
        let mut state = TipState::of(tip);
        let (action, detail) = match input {
            TriageInput::Assign { member_id } => {
                if let Some(member) = member_id {
                    let members = structure_db::members(tx.conn(), tf).await?;
                    let ok = members.iter().any(|m| {
                        m.id == member
                            && m.active
                            && m.memberships
                                .iter()
                                .any(|ms| ms.organization_id == tip.routed_organization_id)
                    });
                    if !ok {
                        return Err(Invalid::one(
                            "member_id",
                            "must be an active member of the organization the tip is routed to",
                        )
                        .into());
                    }
                }
                if !tip.status.is_open() {
                    return Err(Invalid::one(
                        "member_id",
                        "only a new or in-review tip is assigned; reopen it first",
                    )
                    .into());
                }
                state.assigned_member_id = member_id;
                if member_id.is_some() {
                    state.status = TipStatus::InReview;
                }
                (
                    "assign",
                    member_id
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "unassigned".into()),
                )
            }
            TriageInput::Close { reason, note } => {
                let mut invalid = Invalid::default();
                if reason.is_none() {
                    invalid.add("reason", "choose why the tip is closed");
                }
                let note = invalid.optional_text("note", &note, 2_000);
                if !tip.status.is_open() {
                    invalid.add("reason", "only a new or in-review tip is closed");
                }
                invalid.finish(())?;
                state.status = TipStatus::Closed;
                state.close_reason = reason;
                state.close_note = note;
                (
                    "close",
                    reason.map(|r| r.code().to_owned()).unwrap_or_default(),
                )
            }
            TriageInput::Reopen => {
                match tip.status {
                    TipStatus::Closed => {}
                    TipStatus::Merged => {
                        if let Some(into) = tip.merged_into {
                            db::delete_merge_additions(&mut tx, tf, into, id).await?;
                            db::touch_tip(&mut tx, tf, into, self.clock().now()).await?;
                            self.reindex(&mut tx, tf, into).await?;
                        }
                    }
                    _ => {
                        return Err(Invalid::one(
                            "status",
                            "only a closed or merged tip is reopened",
                        )
                        .into())
                    }
                }
                state.status = TipStatus::InReview;
                state.merged_into = None;
                state.close_reason = None;
                state.close_note = String::new();
                ("reopen", tip.status.code().to_owned())
            }
        };
        db::set_tip_state(&mut tx, tf, id, version, &state, self.clock().now()).await?;
        let updated = self.reindex(&mut tx, tf, id).await?;
        self.audit_tip(
            &mut tx,
            &actor.audit_actor(),
            action,
            &id.to_string(),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Merges tip `id` into tip `into` (a duplicate): `into` keeps its own text and gains `id`'s
    /// as an addition; `id` is marked merged. Reopening `id` undoes it.
    pub async fn merge_tip(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: TipId,
        version: i64,
        into: TipId,
    ) -> Result<Tip> {
        let from = self.updatable_tip(actor, tf, id).await?;
        if into == id {
            return Err(Invalid::one("into", "a tip cannot be merged into itself").into());
        }
        let target = match self.updatable_tip(actor, tf, into).await {
            Err(AppError::NotFound) => {
                return Err(Invalid::one("into", "is not a tip of this task force").into())
            }
            other => other?,
        };
        let mut tx = self.store().begin().await?;
        let mut invalid = Invalid::default();
        if target.tip.routed_organization_id != from.tip.routed_organization_id {
            invalid.add("into", "both tips must be routed to the same organization");
        }
        if target.tip.status == TipStatus::Merged {
            invalid.add(
                "into",
                "that tip was itself merged; merge into the tip it was merged into",
            );
        }
        if !from.tip.status.is_open() {
            invalid.add("into", "only a new or in-review tip is merged");
        }
        invalid.finish(())?;
        let now = self.clock().now();
        // Same holder, same task force: the sealed text is valid where it is copied.
        let mut texts = vec![from.narrative_enc.clone()];
        texts.extend(
            db::additions(tx.conn(), tf, id)
                .await?
                .into_iter()
                .map(|a| a.text_enc),
        );
        for text_enc in texts {
            db::insert_addition(
                &mut tx,
                tf,
                self.new_id(),
                &AdditionRow {
                    tip_id: into,
                    source: "merge".into(),
                    from_tip_id: Some(id),
                    text_enc,
                    added_at: now,
                },
            )
            .await?;
        }
        db::touch_tip(&mut tx, tf, into, now).await?;
        let mut state = TipState::of(&from.tip);
        state.status = TipStatus::Merged;
        state.merged_into = Some(into);
        db::set_tip_state(&mut tx, tf, id, version, &state, now).await?;
        let merged = self.reindex(&mut tx, tf, id).await?;
        self.reindex(&mut tx, tf, into).await?;
        self.audit_tip(
            &mut tx,
            &actor.audit_actor(),
            "merge",
            &id.to_string(),
            &format!("into {into}"),
        )
        .await?;
        tx.commit().await?;
        Ok(merged)
    }

    /// Opens a case from a tip, held by the actor's organization (which must hold the tip), and
    /// links the tip to it. The case's summary starts as the tip's text unless one is given.
    pub async fn open_case_from_tip(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: TipId,
        version: i64,
        mut input: CaseInput,
    ) -> Result<(Tip, Case)> {
        let mut conn = self.store().conn().await?;
        let row = self.readable_tip(actor, &mut conn, tf, id).await?;
        let p = actor
            .principal()
            .ok_or_else(|| AppError::Forbidden("Cases are opened by members.".into()))?;
        self.authorize(
            actor,
            Action::Update,
            &tip_resource(&row.tip),
            &id.to_string(),
        )
        .await?;
        if !row.tip.status.is_open() {
            return Err(Invalid::one("tip", "only a new or in-review tip opens a case").into());
        }
        if input.kind.is_none() {
            input.kind = [
                CaseKind::Investigation,
                CaseKind::ServiceCase,
                CaseKind::Prosecution,
            ]
            .into_iter()
            .find(|k| k.held_by(p.organization_kind));
        }
        if input.title.trim().is_empty() {
            input.title = format!("From tip {}", row.tip.reference);
        }
        if input.summary.trim().is_empty() {
            input.summary = self.unseal(&mut conn, tf, &row.narrative_enc).await?;
        }
        if input.trafficking_type.is_none() {
            input.trafficking_type = Some(row.tip.trafficking_type);
        }
        if input.naics.is_empty() {
            input.naics = row.tip.naics.clone();
        }
        if input.county_fips.is_empty() {
            input.county_fips = row.tip.county_fips.clone();
        }
        input.minors_involved |= row.tip.minors_possible;
        drop(conn);
        // The case is made by its own use case (its checks, sealing and audit); the link follows
        // in a second transaction, refused if the tip changed meanwhile.
        let case = self.create_case(actor, tf, input).await?;
        let mut tx = self.store().begin().await?;
        let mut state = TipState::of(&row.tip);
        state.status = TipStatus::CaseOpened;
        state.case_id = Some(case.id);
        db::set_tip_state(&mut tx, tf, id, version, &state, self.clock().now()).await?;
        let tip = self.reindex(&mut tx, tf, id).await?;
        self.audit_tip(
            &mut tx,
            &actor.audit_actor(),
            "open_case",
            &id.to_string(),
            &case.id.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok((tip, case))
    }

    // -- hotline imports ------------------------------------------------------------------------

    /// Imports a hotline export: every row is checked first; if any is bad, nothing is written
    /// and every problem is reported (line, field, reason). `dry_run` checks only.
    pub async fn import_tips(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        data: &[u8],
        mapping: &ImportMapping,
        dry_run: bool,
    ) -> Result<ImportReport> {
        self.authorize(
            actor,
            Action::Create,
            &Resource::in_task_force(ResourceKind::Tip, tf),
            "import",
        )
        .await?;
        if let Actor::Member(p) = actor {
            if Visibility::of(p, Action::Create, &[ResourceKind::Tip], self.clock().now()).is_none()
            {
                return Err(AppError::Forbidden(
                    "Imports are for the organizations that triage tips.".into(),
                ));
            }
        }
        let mut conn = self.store().conn().await?;
        let (counties, typology) = self.tip_context_data(&mut conn, tf).await?;
        let routed = self.routed_organization(&mut conn, tf).await?;
        drop(conn);
        let check = check_import(
            data,
            mapping,
            &TipContext {
                counties: &counties,
                typology: &typology,
                today: self.clock().now().date_naive(),
            },
        );
        let Some(routed) = routed else {
            return Err(Invalid::one(
                "task_force",
                "this task force has no organization to route tips to",
            )
            .into());
        };
        let accepted = check.rows.len();
        if !check.problems.is_empty() || dry_run {
            return Ok(ImportReport {
                accepted,
                problems: check.problems,
                committed: false,
            });
        }
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        for row in &check.rows {
            self.write_tip(
                &mut tx,
                tf,
                routed,
                TipSource::HotlineImport,
                None,
                row.received_at.unwrap_or(now),
                &row.tip,
                None,
            )
            .await?;
        }
        self.audit_tip(
            &mut tx,
            &actor.audit_actor(),
            "import",
            "",
            &format!("{accepted} tips"),
        )
        .await?;
        tx.commit().await?;
        Ok(ImportReport {
            accepted,
            problems: Vec::new(),
            committed: true,
        })
    }

    // -- the instrument and routing -------------------------------------------------------------

    async fn instrument_of(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
    ) -> Result<(Instrument, String, IntakeSettings)> {
        let settings = db::intake_settings(conn, tf).await?;
        let json = settings
            .instrument
            .clone()
            .unwrap_or_else(|| screening::DEFAULT_INSTRUMENT_JSON.to_owned());
        let instrument = Instrument::parse(&json)
            .map_err(|e| AppError::Internal(format!("the stored instrument is not valid: {e}")))?
            .into_inner();
        Ok((instrument, json, settings))
    }

    /// The task force's screening instrument (the shipped default until the coordinator edits it)
    /// and where public tips are routed.
    pub async fn screening_instrument(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<InstrumentView> {
        self.authorize(
            actor,
            Action::Read,
            &Resource::in_task_force(ResourceKind::ScreeningInstrument, tf),
            "",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        structure_db::task_force(&mut conn, tf)
            .await?
            .ok_or(AppError::NotFound)?;
        let (instrument, json, settings) = self.instrument_of(&mut conn, tf).await?;
        let routed_to = self.routed_organization(&mut conn, tf).await?;
        Ok(InstrumentView {
            instrument,
            json,
            is_default: settings.instrument.is_none(),
            intake_organization_id: settings.intake_organization_id,
            routed_to,
            version: settings.version,
        })
    }

    /// Replaces the instrument (`None`: back to the shipped default) and the intake organization.
    pub async fn set_intake_settings(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        version: i64,
        instrument_json: Option<&str>,
        intake_organization_id: Option<OrganizationId>,
    ) -> Result<InstrumentView> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::ScreeningInstrument, tf),
            "",
        )
        .await?;
        let mut invalid = Invalid::default();
        let instrument = match instrument_json.map(str::trim).filter(|j| !j.is_empty()) {
            None => None,
            Some(json) => match Instrument::parse(json) {
                Ok(_) => Some(json.to_owned()),
                Err(e) => {
                    invalid.errors.extend(e.errors);
                    None
                }
            },
        };
        let mut tx = self.store().begin().await?;
        let organizations: Vec<Organization> = structure_db::organizations(tx.conn(), tf).await?;
        if let Some(org) = intake_organization_id {
            if !organizations.iter().any(|o| {
                o.id == org && o.active && o.kind != OrganizationKind::TechnicalAssistanceProvider
            }) {
                invalid.add(
                    "intake_organization_id",
                    "must be an active organization of this task force",
                );
            }
        }
        invalid.finish(())?;
        db::put_intake_settings(
            &mut tx,
            tf,
            version,
            &IntakeSettings {
                intake_organization_id,
                instrument,
                version,
            },
            self.clock().now(),
        )
        .await?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "screening_instrument.update",
            "screening_instrument",
            &tf.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        self.screening_instrument(actor, tf).await
    }

    // -- screenings -----------------------------------------------------------------------------

    /// Records a completed screening with the task force's instrument. Its result suggests next
    /// steps; it never decides. Kept victim-confidential when a victim service provider screens.
    pub async fn record_screening(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        input: ScreeningInput,
    ) -> Result<Screening> {
        let p = actor
            .principal()
            .ok_or_else(|| AppError::Forbidden("Screenings are recorded by members.".into()))?
            .clone();
        self.authorize(
            actor,
            Action::Create,
            &Resource::in_task_force(ResourceKind::Screening, tf),
            "new",
        )
        .await?;
        if let Some(tip) = input.tip_id {
            let mut conn = self.store().conn().await?;
            let row = db::tip(&mut conn, tf, tip).await?.ok_or_else(|| {
                AppError::Invalid(Invalid::one("tip_id", "is not a tip of this task force"))
            })?;
            drop(conn);
            self.authorize(
                actor,
                Action::Read,
                &tip_resource(&row.tip),
                &tip.to_string(),
            )
            .await?;
        }
        let mut tx = self.store().begin().await?;
        let (instrument, _, _) = self.instrument_of(tx.conn(), tf).await?;
        let result = screening::score(&instrument, &input)?;
        let label = if p.organization_kind == OrganizationKind::VictimServiceProvider {
            Label::VictimConfidential
        } else {
            Label::Organization
        };
        let stored = Screening {
            id: ScreeningId(self.new_id()),
            task_force_id: tf,
            owner_organization_id: p.organization_id,
            label,
            person_id: input.person_id,
            tip_id: input.tip_id,
            case_id: input.case_id,
            language: input.language.unwrap_or(Language::English),
            moved_from_abroad: input.moved_from_abroad,
            answers: input.answers,
            result,
            instrument_name: instrument.name,
            screened_by: Some(p.member_id),
            screened_at: self.clock().now(),
        };
        db::insert_screening(&mut tx, &stored)
            .await
            .map_err(|e| match e {
                taskforce_store::StoreError::Database(_) => AppError::Invalid(Invalid::one(
                    "person_id",
                    "the person, tip or case must be one of this task force",
                )),
                other => other.into(),
            })?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "screening.create",
            "screening",
            &stored.id.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// One screening, if the reader may see it (audited).
    pub async fn screening(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        id: ScreeningId,
    ) -> Result<Screening> {
        self.authorize(
            actor,
            Action::Read,
            &Resource::in_task_force(ResourceKind::Screening, tf),
            &id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        let s = db::screening(&mut conn, tf, id)
            .await?
            .ok_or(AppError::NotFound)?;
        drop(conn);
        self.authorize(
            actor,
            Action::Read,
            &screening_resource(&s),
            &id.to_string(),
        )
        .await?;
        let mut tx = self.store().begin().await?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "screening.read",
            "screening",
            &id.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Members of the organization a tip is routed to (the people it may be assigned to).
    pub async fn tip_assignees(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        tip: &Tip,
    ) -> Result<Vec<(MemberId, String)>> {
        self.authorize(
            actor,
            Action::Update,
            &tip_resource(tip),
            &tip.id.to_string(),
        )
        .await?;
        let mut conn = self.store().conn().await?;
        Ok(structure_db::members(&mut conn, tf)
            .await?
            .into_iter()
            .filter(|m| m.active)
            .filter(|m| {
                m.memberships
                    .iter()
                    .any(|ms| ms.organization_id == tip.routed_organization_id)
            })
            .map(|m| (m.id, m.name))
            .collect())
    }
}

mod structure_valid {
    pub type ValidTip = taskforce_domain::structure::Valid<taskforce_domain::intake::TipFields>;
}
