//! Referrals (C4, C7), their history and the task force's SLA hours. Sealed columns (`*_enc`)
//! cross this layer as opaque text. Lists are cut by the side the reader stands on (sender,
//! recipient, the regions they navigate) in SQL, the same sides the policy's grants name.

use crate::structure::check_updated;
use crate::values::{opt_ts, ts, RowExt};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::access::DataCategory;
use taskforce_domain::referrals::*;
use taskforce_domain::*;

/// A referral with its sealed texts.
#[derive(Clone, Debug)]
pub struct ReferralRow {
    /// `status_reason` and `outcome_note` are empty here: they are sealed below.
    pub referral: Referral,
    pub details_enc: String,
    pub status_reason_enc: String,
    pub outcome_note_enc: String,
}

/// An event with its sealed detail.
#[derive(Clone, Debug)]
pub struct EventRow {
    /// `detail` is empty here: it is sealed below.
    pub event: ReferralEvent,
    pub detail_enc: String,
}

/// Which referrals a list holds: the side the reader stands on.
#[derive(Clone, Debug)]
pub enum ReferralBox {
    /// Sent by an organization.
    Outbox(OrganizationId),
    /// Sent by one member (a community partner sees only their own).
    OutboxOf(MemberId),
    /// Routed to an organization.
    Inbox(OrganizationId),
    /// Sent to any of these regions.
    Regions(Vec<RegionId>),
    /// Every referral of the task force (metadata for the coordinator's dashboard).
    All,
}

const COLUMNS: &str = "id, task_force_id, person_id, sender_organization_id, sender_member_id, region_id, recipient_organization_id, needs, urgency, categories, consent_id, attested, details_enc, status, status_reason_enc, outcome, outcome_note_enc, sent_at, due_at, breach_notified_at, closed_at, version, updated_at";

fn split(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn from_row(row: &AnyRow) -> Result<ReferralRow> {
    let categories = split(&row.text("categories")?)
        .iter()
        .map(|c| {
            DataCategory::from_code(c)
                .ok_or_else(|| StoreError::Corrupt(format!("categories: unknown code {c:?}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let outcome = match row.opt_text("outcome")? {
        Some(code) if !code.is_empty() => Some(
            ReferralOutcome::from_code(&code)
                .ok_or_else(|| StoreError::Corrupt(format!("outcome: unknown code {code:?}")))?,
        ),
        _ => None,
    };
    Ok(ReferralRow {
        referral: Referral {
            id: ReferralId(row.uuid("id")?),
            task_force_id: TaskForceId(row.uuid("task_force_id")?),
            person_id: row.opt_uuid("person_id")?.map(PersonId),
            sender_organization_id: OrganizationId(row.uuid("sender_organization_id")?),
            sender_member_id: MemberId(row.uuid("sender_member_id")?),
            region_id: row.opt_uuid("region_id")?.map(RegionId),
            recipient_organization_id: row
                .opt_uuid("recipient_organization_id")?
                .map(OrganizationId),
            needs: split(&row.text("needs")?),
            urgency: row.code("urgency", Urgency::from_code)?,
            categories,
            consent_id: row.opt_uuid("consent_id")?.map(ConsentId),
            attested: row.flag("attested")?,
            status: row.code("status", ReferralStatus::from_code)?,
            status_reason: String::new(),
            outcome,
            outcome_note: String::new(),
            sent_at: row.time("sent_at")?,
            due_at: row.time("due_at")?,
            breach_notified_at: row.opt_time("breach_notified_at")?,
            closed_at: row.opt_time("closed_at")?,
            version: row.int("version")?,
            updated_at: row.time("updated_at")?,
        },
        details_enc: row.opt_text("details_enc")?.unwrap_or_default(),
        status_reason_enc: row.opt_text("status_reason_enc")?.unwrap_or_default(),
        outcome_note_enc: row.opt_text("outcome_note_enc")?.unwrap_or_default(),
    })
}

fn categories_text(categories: &[DataCategory]) -> String {
    categories
        .iter()
        .map(|c| c.code())
        .collect::<Vec<_>>()
        .join(",")
}

fn opt_id(id: Option<impl ToString>) -> Option<String> {
    id.map(|i| i.to_string())
}

/// Writes a new referral (version 1).
pub async fn insert(tx: &mut Tx, r: &Referral, details_enc: &str) -> Result<()> {
    sqlx::query(&format!("INSERT INTO referrals ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL, NULL, $15, $16, NULL, NULL, 1, $17)"))
        .bind(r.id.to_string())
        .bind(r.task_force_id.to_string())
        .bind(opt_id(r.person_id))
        .bind(r.sender_organization_id.to_string())
        .bind(r.sender_member_id.to_string())
        .bind(opt_id(r.region_id))
        .bind(opt_id(r.recipient_organization_id))
        .bind(r.needs.join(","))
        .bind(r.urgency.code())
        .bind(categories_text(&r.categories))
        .bind(opt_id(r.consent_id))
        .bind(i64::from(r.attested))
        .bind(details_enc)
        .bind(r.status.code())
        .bind(ts(r.sent_at))
        .bind(ts(r.due_at))
        .bind(ts(r.updated_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: ReferralId,
) -> Result<Option<ReferralRow>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM referrals WHERE task_force_id = $1 AND id = $2"
    ))
    .bind(tf.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The referrals of one box, newest first; `open_only` leaves out completed and withdrawn ones.
pub async fn list(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    which: &ReferralBox,
    open_only: bool,
    limit: i64,
) -> Result<Vec<ReferralRow>> {
    let mut q = crate::visibility::Query::default();
    let tfp = q.bind(tf.to_string());
    let side = match which {
        ReferralBox::Outbox(org) => format!("sender_organization_id = {}", q.bind(org.to_string())),
        ReferralBox::OutboxOf(member) => {
            format!("sender_member_id = {}", q.bind(member.to_string()))
        }
        ReferralBox::Inbox(org) => {
            format!("recipient_organization_id = {}", q.bind(org.to_string()))
        }
        ReferralBox::Regions(regions) if regions.is_empty() => "1 = 0".to_owned(),
        ReferralBox::Regions(regions) => {
            let params: Vec<String> = regions.iter().map(|r| q.bind(r.to_string())).collect();
            format!("region_id IN ({})", params.join(", "))
        }
        ReferralBox::All => "1 = 1".to_owned(),
    };
    let open = if open_only {
        " AND status NOT IN ('completed', 'withdrawn')"
    } else {
        ""
    };
    q.sql = format!(
        "SELECT {COLUMNS} FROM referrals WHERE task_force_id = {tfp} AND {side}{open} ORDER BY sent_at DESC, id DESC LIMIT {limit}"
    );
    let rows = q.build().fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}

/// Writes a referral's new state (optimistic on `expected_version`).
pub async fn update(
    tx: &mut Tx,
    r: &Referral,
    expected_version: i64,
    status_reason_enc: &str,
    outcome_note_enc: &str,
) -> Result<()> {
    let done = sqlx::query("UPDATE referrals SET recipient_organization_id = $1, consent_id = $2, status = $3, status_reason_enc = $4, outcome = $5, outcome_note_enc = $6, closed_at = $7, updated_at = $8, version = version + 1 WHERE task_force_id = $9 AND id = $10 AND version = $11")
        .bind(opt_id(r.recipient_organization_id))
        .bind(opt_id(r.consent_id))
        .bind(r.status.code())
        .bind(status_reason_enc)
        .bind(r.outcome.map(|o| o.code()))
        .bind(outcome_note_enc)
        .bind(opt_ts(r.closed_at))
        .bind(ts(r.updated_at))
        .bind(r.task_force_id.to_string())
        .bind(r.id.to_string())
        .bind(expected_version)
        .execute(tx.conn())
        .await?
        .rows_affected();
    check_updated(tx.conn(), done, "referrals", Some(r.task_force_id), r.id.0).await
}

/// Appends one event to a referral's history.
#[allow(clippy::too_many_arguments)] // the event's own fields
pub async fn insert_event(
    tx: &mut Tx,
    tf: TaskForceId,
    referral: ReferralId,
    id: uuid::Uuid,
    at: DateTime<Utc>,
    member: Option<MemberId>,
    organization: Option<OrganizationId>,
    action: ReferralAction,
    status: ReferralStatus,
    detail_enc: &str,
) -> Result<()> {
    // Events in the order they were written (several may share a moment).
    sqlx::query("INSERT INTO referral_events (id, task_force_id, referral_id, seq, at, member_id, organization_id, action, status, detail_enc) SELECT $1, $2, $3, COALESCE(MAX(seq), 0) + 1, $4, $5, $6, $7, $8, $9 FROM referral_events WHERE task_force_id = $2 AND referral_id = $3")
        .bind(id.to_string())
        .bind(tf.to_string())
        .bind(referral.to_string())
        .bind(ts(at))
        .bind(opt_id(member))
        .bind(opt_id(organization))
        .bind(action.code())
        .bind(status.code())
        .bind(detail_enc)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A referral's history, oldest first, with the names of who acted.
pub async fn events(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    referral: ReferralId,
) -> Result<Vec<EventRow>> {
    let rows = sqlx::query("SELECT e.at, e.member_id, COALESCE(m.name, '') AS member_name, e.organization_id, e.action, e.status, e.detail_enc FROM referral_events e LEFT JOIN members m ON m.task_force_id = e.task_force_id AND m.id = e.member_id WHERE e.task_force_id = $1 AND e.referral_id = $2 ORDER BY e.seq")
        .bind(tf.to_string())
        .bind(referral.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(EventRow {
                event: ReferralEvent {
                    at: row.time("at")?,
                    member_id: row.opt_uuid("member_id")?.map(MemberId),
                    member_name: row.text("member_name")?,
                    organization_id: row.opt_uuid("organization_id")?.map(OrganizationId),
                    action: row.code("action", ReferralAction::from_code)?,
                    status: row.code("status", ReferralStatus::from_code)?,
                    detail: String::new(),
                },
                detail_enc: row.opt_text("detail_enc")?.unwrap_or_default(),
            })
        })
        .collect()
}

/// The task force's SLA hours (the defaults when it set none).
pub async fn sla(conn: &mut AnyConnection, tf: TaskForceId) -> Result<SlaHours> {
    let row = sqlx::query("SELECT emergency_hours, urgent_hours, routine_hours FROM referral_sla WHERE task_force_id = $1")
        .bind(tf.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => Ok(SlaHours {
            emergency: r.int("emergency_hours")?,
            urgent: r.int("urgent_hours")?,
            routine: r.int("routine_hours")?,
        }),
        None => Ok(SlaHours::default()),
    }
}

pub async fn set_sla(
    tx: &mut Tx,
    tf: TaskForceId,
    hours: SlaHours,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("INSERT INTO referral_sla (task_force_id, emergency_hours, urgent_hours, routine_hours, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (task_force_id) DO UPDATE SET emergency_hours = excluded.emergency_hours, urgent_hours = excluded.urgent_hours, routine_hours = excluded.routine_hours, updated_at = excluded.updated_at")
        .bind(tf.to_string())
        .bind(hours.emergency)
        .bind(hours.urgent)
        .bind(hours.routine)
        .bind(ts(at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Claims referrals past their SLA that nobody was told of yet, marking them told in the same
/// transaction: each breach is claimed once, by one worker (PostgreSQL skips rows another
/// worker holds).
pub async fn claim_breaches(
    tx: &mut Tx,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ReferralRow>> {
    let lock = match tx.backend() {
        crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM referrals WHERE breach_notified_at IS NULL AND status IN ('sent', 'received', 'needs_info') AND due_at <= $1 ORDER BY due_at LIMIT $2{lock}"
    ))
    .bind(ts(now))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut r = from_row(row)?;
        let done = sqlx::query("UPDATE referrals SET breach_notified_at = $1 WHERE task_force_id = $2 AND id = $3 AND breach_notified_at IS NULL")
            .bind(ts(now))
            .bind(r.referral.task_force_id.to_string())
            .bind(r.referral.id.to_string())
            .execute(tx.conn())
            .await?
            .rows_affected();
        if done == 1 {
            r.referral.breach_notified_at = Some(now);
            out.push(r);
        }
    }
    Ok(out)
}

/// One group of the dashboard's counts: referrals of a region (none: sent to an organization
/// directly) in one status, with one outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct CountRow {
    pub region_id: Option<RegionId>,
    pub status: ReferralStatus,
    pub outcome: Option<ReferralOutcome>,
    pub count: i64,
    /// Of these, how many went past their SLA (told or now overdue).
    pub breached: i64,
    pub oldest_sent_at: DateTime<Utc>,
}

/// Referral counts by region, status and outcome (metadata only: no person, no text).
pub async fn counts(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    regions: Option<&[RegionId]>,
    now: DateTime<Utc>,
) -> Result<Vec<CountRow>> {
    let mut q = crate::visibility::Query::default();
    let tfp = q.bind(tf.to_string());
    let nowp = q.bind(ts(now));
    let filter = match regions {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_owned(),
        Some(regions) => {
            let params: Vec<String> = regions.iter().map(|r| q.bind(r.to_string())).collect();
            format!(" AND region_id IN ({})", params.join(", "))
        }
    };
    q.sql = format!(
        "SELECT region_id, status, outcome, COUNT(*) AS n, \
         SUM(CASE WHEN breach_notified_at IS NOT NULL OR (status IN ('sent', 'received', 'needs_info') AND due_at <= {nowp}) THEN 1 ELSE 0 END) AS breached, \
         MIN(sent_at) AS oldest FROM referrals WHERE task_force_id = {tfp}{filter} \
         GROUP BY region_id, status, outcome"
    );
    let rows = q.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let outcome = match row.opt_text("outcome")? {
                Some(code) if !code.is_empty() => ReferralOutcome::from_code(&code),
                _ => None,
            };
            Ok(CountRow {
                region_id: row.opt_uuid("region_id")?.map(RegionId),
                status: row.code("status", ReferralStatus::from_code)?,
                outcome,
                count: row.int("n")?,
                breached: row.opt_int("breached")?.unwrap_or(0),
                oldest_sent_at: row.time("oldest")?,
            })
        })
        .collect()
}
