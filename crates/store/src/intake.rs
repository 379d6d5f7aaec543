//! Intake: tips, their later additions, the task force's intake settings (routing, screening
//! instrument), the public form's secret and used nonces, and completed screenings.
//!
//! Sealed values (`*_enc`) come in and go out as the opaque strings the app's encryption made;
//! this module never sees a narrative in plaintext.

use crate::values::{date, flag, ts, RowExt};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Datelike, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use taskforce_domain::access::Label;
use taskforce_domain::cases::TraffickingType;
use taskforce_domain::intake::*;
use taskforce_domain::screening::{Screening, ScreeningResult};
use taskforce_domain::structure::Valid;
use taskforce_domain::*;
use uuid::Uuid;

/// A tip as stored: the record (its `narrative` and `contact` empty) and its sealed texts.
#[derive(Clone, Debug, PartialEq)]
pub struct TipRow {
    pub tip: Tip,
    pub narrative_enc: String,
    pub contact_enc: String,
}

/// A new tip: who sent it, where it goes, and its sealed texts.
pub struct NewTip<'a> {
    pub id: TipId,
    pub reference: &'a str,
    pub routed_organization_id: OrganizationId,
    pub source: TipSource,
    pub submitted_by_member_id: Option<MemberId>,
    pub submitted_by_organization_id: Option<OrganizationId>,
    pub received_at: DateTime<Utc>,
    pub fields: &'a Valid<TipFields>,
    pub narrative_enc: &'a str,
    pub contact_enc: &'a str,
    pub receipt_hash: Option<&'a str>,
}

/// Where a tip stands in triage (what the triage actions change).
#[derive(Clone, Debug, PartialEq)]
pub struct TipState {
    pub status: TipStatus,
    pub assigned_member_id: Option<MemberId>,
    pub merged_into: Option<TipId>,
    pub case_id: Option<CaseId>,
    pub close_reason: Option<CloseReason>,
    pub close_note: String,
}

impl TipState {
    pub fn of(tip: &Tip) -> Self {
        Self {
            status: tip.status,
            assigned_member_id: tip.assigned_member_id,
            merged_into: tip.merged_into,
            case_id: tip.case_id,
            close_reason: tip.close_reason,
            close_note: tip.close_note.clone(),
        }
    }
}

/// A text added to a tip, sealed.
#[derive(Clone, Debug, PartialEq)]
pub struct AdditionRow {
    pub tip_id: TipId,
    pub source: String,
    pub from_tip_id: Option<TipId>,
    pub text_enc: String,
    pub added_at: DateTime<Utc>,
}

/// A task force's intake settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntakeSettings {
    pub intake_organization_id: Option<OrganizationId>,
    /// The instrument's JSON; `None`: the shipped default.
    pub instrument: Option<String>,
    pub version: i64,
}

fn tip_from(row: &AnyRow) -> Result<TipRow> {
    let typology = row
        .opt_int("typology")?
        .map(u8::try_from)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("typology: {e}")))?;
    let contact_enc = row.text("contact_enc")?;
    Ok(TipRow {
        tip: Tip {
            id: TipId(row.uuid("id")?),
            task_force_id: TaskForceId(row.uuid("task_force_id")?),
            reference: row.text("reference")?,
            routed_organization_id: OrganizationId(row.uuid("routed_organization_id")?),
            label: row.code("label", Label::from_code)?,
            source: row.code("source", TipSource::from_code)?,
            status: row.code("status", TipStatus::from_code)?,
            submitted_by_member_id: row.opt_uuid("submitted_by_member_id")?.map(MemberId),
            submitted_by_organization_id: row
                .opt_uuid("submitted_by_organization_id")?
                .map(OrganizationId),
            received_at: row.time("received_at")?,
            language: row.code("language", Language::from_code)?,
            place: row.text("place")?,
            county_fips: row.text("county_fips")?,
            occurred: row.text("occurred")?,
            occurred_on: row.opt_date("occurred_on")?,
            trafficking_type: row.code("trafficking_type", TraffickingType::from_code)?,
            naics: row.text("naics")?,
            typology,
            minors_possible: row.flag("minors_possible")?,
            narrative: String::new(),
            contact: String::new(),
            has_contact: !contact_enc.is_empty(),
            assigned_member_id: row.opt_uuid("assigned_member_id")?.map(MemberId),
            merged_into: row.opt_uuid("merged_into_tip_id")?.map(TipId),
            case_id: row.opt_uuid("case_id")?.map(CaseId),
            close_reason: row
                .opt_text("close_reason")?
                .map(|c| {
                    CloseReason::from_code(&c)
                        .ok_or_else(|| StoreError::Corrupt(format!("close_reason: {c:?}")))
                })
                .transpose()?,
            close_note: row.text("close_note")?,
            external_reference: row.text("external_reference")?,
            version: row.int("version")?,
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
        },
        narrative_enc: row.text("narrative_enc")?,
        contact_enc,
    })
}

/// The next reference of the year, `TIP-2026-0001`, counted per task force.
pub async fn next_reference(tx: &mut Tx, tf: TaskForceId, now: DateTime<Utc>) -> Result<String> {
    let prefix = format!("TIP-{}", now.year());
    let done = sqlx::query(
        "UPDATE case_counters SET last = last + 1 WHERE task_force_id = $1 AND prefix = $2",
    )
    .bind(tf.to_string())
    .bind(&prefix)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        sqlx::query("INSERT INTO case_counters (task_force_id, prefix, last) VALUES ($1, $2, 1)")
            .bind(tf.to_string())
            .bind(&prefix)
            .execute(tx.conn())
            .await?;
    }
    let last: i64 =
        sqlx::query("SELECT last FROM case_counters WHERE task_force_id = $1 AND prefix = $2")
            .bind(tf.to_string())
            .bind(&prefix)
            .fetch_one(tx.conn())
            .await?
            .try_get("last")?;
    Ok(format!("{prefix}-{last:04}"))
}

pub async fn insert_tip(
    tx: &mut Tx,
    tf: TaskForceId,
    new: &NewTip<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let f = new.fields.get();
    sqlx::query(
        "INSERT INTO tips (id, task_force_id, reference, routed_organization_id, label, source, status,
            submitted_by_member_id, submitted_by_organization_id, received_at, language, place,
            county_fips, occurred, occurred_on, trafficking_type, naics, typology, minors_possible,
            narrative_enc, contact_enc, receipt_hash, external_reference, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            $19, $20, $21, $22, $23, 1, $24, $24)",
    )
    .bind(new.id.to_string())
    .bind(tf.to_string())
    .bind(new.reference)
    .bind(new.routed_organization_id.to_string())
    .bind(TIP_LABEL.code())
    .bind(new.source.code())
    .bind(TipStatus::New.code())
    .bind(new.submitted_by_member_id.map(|m| m.to_string()))
    .bind(new.submitted_by_organization_id.map(|o| o.to_string()))
    .bind(ts(new.received_at))
    .bind(f.language.code())
    .bind(&f.place)
    .bind(&f.county_fips)
    .bind(&f.occurred)
    .bind(date(f.occurred_on))
    .bind(f.trafficking_type.code())
    .bind(&f.naics)
    .bind(f.typology.map(i64::from))
    .bind(flag(f.minors_possible))
    .bind(new.narrative_enc)
    .bind(new.contact_enc)
    .bind(new.receipt_hash)
    .bind(&f.external_reference)
    .bind(ts(now))
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "reference"))?;
    Ok(())
}

pub async fn tip(conn: &mut AnyConnection, tf: TaskForceId, id: TipId) -> Result<Option<TipRow>> {
    sqlx::query("SELECT * FROM tips WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(tip_from)
        .transpose()
}

/// The tip a receipt code belongs to (receipt codes are unique across the installation).
pub async fn tip_by_receipt(
    conn: &mut AnyConnection,
    receipt_hash: &str,
) -> Result<Option<TipRow>> {
    sqlx::query("SELECT * FROM tips WHERE receipt_hash = $1")
        .bind(receipt_hash)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(tip_from)
        .transpose()
}

/// Which tips a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipFilter {
    /// Routed to the organization, still waiting for a decision (new, in review).
    Queue(OrganizationId),
    /// Routed to the organization, any status.
    RoutedTo(OrganizationId),
    /// Submitted by the member.
    SubmittedBy(MemberId),
}

/// Tips of the task force, oldest received first for a queue, newest first otherwise.
pub async fn tips(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    filter: TipFilter,
    limit: u32,
) -> Result<Vec<TipRow>> {
    let (sql, who) = match filter {
        TipFilter::Queue(org) => (
            "SELECT * FROM tips WHERE task_force_id = $1 AND routed_organization_id = $2
             AND status IN ('new', 'in_review') ORDER BY received_at, id LIMIT $3",
            org.to_string(),
        ),
        TipFilter::RoutedTo(org) => (
            "SELECT * FROM tips WHERE task_force_id = $1 AND routed_organization_id = $2
             ORDER BY received_at DESC, id LIMIT $3",
            org.to_string(),
        ),
        TipFilter::SubmittedBy(member) => (
            "SELECT * FROM tips WHERE task_force_id = $1 AND submitted_by_member_id = $2
             ORDER BY received_at DESC, id LIMIT $3",
            member.to_string(),
        ),
    };
    sqlx::query(sql)
        .bind(tf.to_string())
        .bind(who)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(tip_from)
        .collect()
}

/// Counts of tips by status, for the whole task force (numbers only).
pub async fn tip_count(conn: &mut AnyConnection, tf: TaskForceId) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM tips WHERE task_force_id = $1")
            .bind(tf.to_string())
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?,
    )
}

/// Changes where a tip stands, if it is still at `version`.
pub async fn set_tip_state(
    tx: &mut Tx,
    tf: TaskForceId,
    id: TipId,
    version: i64,
    state: &TipState,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE tips SET status = $1, assigned_member_id = $2, merged_into_tip_id = $3, case_id = $4,
            close_reason = $5, close_note = $6, version = version + 1, updated_at = $7
         WHERE task_force_id = $8 AND id = $9 AND version = $10",
    )
    .bind(state.status.code())
    .bind(state.assigned_member_id.map(|m| m.to_string()))
    .bind(state.merged_into.map(|t| t.to_string()))
    .bind(state.case_id.map(|c| c.to_string()))
    .bind(state.close_reason.map(|r| r.code()))
    .bind(&state.close_note)
    .bind(ts(now))
    .bind(tf.to_string())
    .bind(id.to_string())
    .bind(version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let exists: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM tips WHERE task_force_id = $1 AND id = $2")
            .bind(tf.to_string())
            .bind(id.to_string())
            .fetch_one(tx.conn())
            .await?
            .try_get("n")?;
    Err(if exists == 0 {
        StoreError::NotFound
    } else {
        StoreError::Conflict
    })
}

/// Marks a tip touched (an addition arrived), so open pages see a new version.
pub async fn touch_tip(tx: &mut Tx, tf: TaskForceId, id: TipId, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE tips SET version = version + 1, updated_at = $1 WHERE task_force_id = $2 AND id = $3")
        .bind(ts(now))
        .bind(tf.to_string())
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn insert_addition(
    tx: &mut Tx,
    tf: TaskForceId,
    id: Uuid,
    addition: &AdditionRow,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO tip_additions (id, task_force_id, tip_id, source, from_tip_id, text_enc, added_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(addition.tip_id.to_string())
    .bind(&addition.source)
    .bind(addition.from_tip_id.map(|t| t.to_string()))
    .bind(&addition.text_enc)
    .bind(ts(addition.added_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn additions(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    tip: TipId,
) -> Result<Vec<AdditionRow>> {
    sqlx::query(
        "SELECT * FROM tip_additions WHERE task_force_id = $1 AND tip_id = $2 ORDER BY added_at, id",
    )
    .bind(tf.to_string())
    .bind(tip.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(AdditionRow {
            tip_id: TipId(row.uuid("tip_id")?),
            source: row.text("source")?,
            from_tip_id: row.opt_uuid("from_tip_id")?.map(TipId),
            text_enc: row.text("text_enc")?,
            added_at: row.time("added_at")?,
        })
    })
    .collect()
}

/// Removes the texts a merge copied from `from` into `into` (undoing the merge).
pub async fn delete_merge_additions(
    tx: &mut Tx,
    tf: TaskForceId,
    into: TipId,
    from: TipId,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM tip_additions WHERE task_force_id = $1 AND tip_id = $2 AND from_tip_id = $3 AND source = 'merge'",
    )
    .bind(tf.to_string())
    .bind(into.to_string())
    .bind(from.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The public form

/// Records a form's nonce as used; `false` when it was used before (a replayed form).
pub async fn use_form_nonce(
    tx: &mut Tx,
    tf: TaskForceId,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let used: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tip_form_nonces WHERE nonce = $1")
        .bind(nonce)
        .fetch_one(tx.conn())
        .await?
        .try_get("n")?;
    if used > 0 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO tip_form_nonces (nonce, task_force_id, used_at) VALUES ($1, $2, $3)")
        .bind(nonce)
        .bind(tf.to_string())
        .bind(ts(now))
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique(e, "form"))?;
    Ok(true)
}

/// Forgets nonces used before `before` (their forms have expired anyway).
pub async fn purge_form_nonces(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM tip_form_nonces WHERE used_at < $1")
            .bind(ts(before))
            .execute(tx.conn())
            .await?
            .rows_affected(),
    )
}

/// The installation's secret named `name`, made from `candidate` on first use.
pub async fn form_secret(
    tx: &mut Tx,
    name: &str,
    candidate: &str,
    now: DateTime<Utc>,
) -> Result<String> {
    let found = sqlx::query("SELECT secret FROM form_secrets WHERE name = $1")
        .bind(name)
        .fetch_optional(tx.conn())
        .await?;
    if let Some(row) = found {
        return row.text("secret");
    }
    sqlx::query("INSERT INTO form_secrets (name, secret, created_at) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(candidate)
        .bind(ts(now))
        .execute(tx.conn())
        .await?;
    Ok(candidate.to_owned())
}

/// The secret, if it was made (reading a form needs no write).
pub async fn existing_form_secret(conn: &mut AnyConnection, name: &str) -> Result<Option<String>> {
    sqlx::query("SELECT secret FROM form_secrets WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.text("secret"))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Settings: routing and the instrument

pub async fn intake_settings(conn: &mut AnyConnection, tf: TaskForceId) -> Result<IntakeSettings> {
    let row = sqlx::query("SELECT * FROM intake_settings WHERE task_force_id = $1")
        .bind(tf.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(IntakeSettings::default());
    };
    Ok(IntakeSettings {
        intake_organization_id: row.opt_uuid("intake_organization_id")?.map(OrganizationId),
        instrument: row.opt_text("instrument")?,
        version: row.int("version")?,
    })
}

/// Writes the settings if they are still at `version` (0: none were written yet).
pub async fn put_intake_settings(
    tx: &mut Tx,
    tf: TaskForceId,
    version: i64,
    settings: &IntakeSettings,
    now: DateTime<Utc>,
) -> Result<()> {
    if version == 0 {
        sqlx::query(
            "INSERT INTO intake_settings (task_force_id, intake_organization_id, instrument, version, updated_at)
             VALUES ($1, $2, $3, 1, $4)",
        )
        .bind(tf.to_string())
        .bind(settings.intake_organization_id.map(|o| o.to_string()))
        .bind(settings.instrument.as_deref())
        .bind(ts(now))
        .execute(tx.conn())
        .await
        .map_err(|e| match StoreError::unique(e, "version") {
            StoreError::Duplicate { .. } => StoreError::Conflict,
            other => other,
        })?;
        return Ok(());
    }
    let done = sqlx::query(
        "UPDATE intake_settings SET intake_organization_id = $1, instrument = $2, version = version + 1,
            updated_at = $3 WHERE task_force_id = $4 AND version = $5",
    )
    .bind(settings.intake_organization_id.map(|o| o.to_string()))
    .bind(settings.instrument.as_deref())
    .bind(ts(now))
    .bind(tf.to_string())
    .bind(version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict)
    }
}

// ---------------------------------------------------------------------------------------------
// Screenings

fn screening_from(row: &AnyRow) -> Result<Screening> {
    let answers = serde_json::from_str(&row.text("answers")?)
        .map_err(|e| StoreError::Corrupt(format!("answers: {e}")))?;
    let result: ScreeningResult = serde_json::from_str(&row.text("result")?)
        .map_err(|e| StoreError::Corrupt(format!("result: {e}")))?;
    Ok(Screening {
        id: ScreeningId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        owner_organization_id: OrganizationId(row.uuid("owner_organization_id")?),
        label: row.code("label", Label::from_code)?,
        person_id: row.opt_uuid("person_id")?.map(PersonId),
        tip_id: row.opt_uuid("tip_id")?.map(TipId),
        case_id: row.opt_uuid("case_id")?.map(CaseId),
        language: row.code("language", Language::from_code)?,
        moved_from_abroad: row.flag("moved_from_abroad")?,
        answers,
        result,
        instrument_name: row.text("instrument_name")?,
        screened_by: row.opt_uuid("screened_by")?.map(MemberId),
        screened_at: row.time("screened_at")?,
    })
}

pub async fn insert_screening(tx: &mut Tx, s: &Screening) -> Result<()> {
    let answers =
        serde_json::to_string(&s.answers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let result =
        serde_json::to_string(&s.result).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO screenings (id, task_force_id, owner_organization_id, label, person_id, tip_id,
            case_id, language, moved_from_abroad, answers, result, instrument_name, screened_by, screened_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(s.id.to_string())
    .bind(s.task_force_id.to_string())
    .bind(s.owner_organization_id.to_string())
    .bind(s.label.code())
    .bind(s.person_id.map(|p| p.to_string()))
    .bind(s.tip_id.map(|t| t.to_string()))
    .bind(s.case_id.map(|c| c.to_string()))
    .bind(s.language.code())
    .bind(flag(s.moved_from_abroad))
    .bind(answers)
    .bind(result)
    .bind(&s.instrument_name)
    .bind(s.screened_by.map(|m| m.to_string()))
    .bind(ts(s.screened_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn screening(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: ScreeningId,
) -> Result<Option<Screening>> {
    sqlx::query("SELECT * FROM screenings WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(screening_from)
        .transpose()
}

/// Screenings kept with a tip, newest first.
pub async fn screenings_of_tip(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    tip: TipId,
) -> Result<Vec<Screening>> {
    sqlx::query("SELECT * FROM screenings WHERE task_force_id = $1 AND tip_id = $2 ORDER BY screened_at DESC, id")
        .bind(tf.to_string())
        .bind(tip.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(screening_from)
        .collect()
}
