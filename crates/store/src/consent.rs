//! Consents (C4): kept per person by the organization that recorded them, with one
//! `consent_scope` row per recipient and category for the access rule's SQL form.

use crate::structure::check_updated;
use crate::values::{opt_ts, ts, RowExt};
use crate::visibility::Query;
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::access::{ConsentScope, DataCategory};
use taskforce_domain::consent::*;
use taskforce_domain::structure::Role;
use taskforce_domain::*;

fn codes<T>(column: &str, text: &str, from: fn(&str) -> Option<T>) -> Result<Vec<T>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|c| {
            from(c).ok_or_else(|| StoreError::Corrupt(format!("{column}: unknown code {c:?}")))
        })
        .collect()
}

const SELECT: &str = "SELECT c.id, c.task_force_id, c.person_id, c.holder_organization_id, c.roles, c.categories, c.purpose, c.method, c.legal_basis, c.recorded_by, COALESCE(m.name, '') AS recorded_by_name, c.valid_from, c.valid_until, c.revoked_at, c.revoked_by, c.revocation_reason, c.created_at, c.version FROM consents c LEFT JOIN members m ON m.task_force_id = c.task_force_id AND m.id = c.recorded_by";

fn from_row(row: &AnyRow, recipients: Vec<OrganizationId>) -> Result<Consent> {
    Ok(Consent {
        id: ConsentId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        person_id: PersonId(row.uuid("person_id")?),
        holder_organization_id: OrganizationId(row.uuid("holder_organization_id")?),
        recipients,
        roles: codes("roles", &row.text("roles")?, Role::from_code)?,
        categories: codes(
            "categories",
            &row.text("categories")?,
            DataCategory::from_code,
        )?,
        purpose: row.text("purpose")?,
        method: row.code("method", ConsentMethod::from_code)?,
        legal_basis: row.text("legal_basis")?,
        recorded_by: MemberId(row.uuid("recorded_by")?),
        recorded_by_name: row.text("recorded_by_name")?,
        valid_from: row.time("valid_from")?,
        valid_until: row.time("valid_until")?,
        revoked_at: row.opt_time("revoked_at")?,
        revoked_by: row.opt_uuid("revoked_by")?.map(MemberId),
        revocation_reason: row.text("revocation_reason")?,
        created_at: row.time("created_at")?,
        version: row.int("version")?,
    })
}

/// The consents of `rows` with their recipients, read in one query for all of them.
async fn with_recipients(conn: &mut AnyConnection, rows: Vec<AnyRow>) -> Result<Vec<Consent>> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let mut q = Query::default();
    let tf = q.bind(first.text("task_force_id")?);
    let mut ids = Vec::with_capacity(rows.len());
    for row in &rows {
        ids.push(q.bind(row.text("id")?));
    }
    q.sql = format!(
        "SELECT DISTINCT consent_id, organization_id FROM consent_scope WHERE task_force_id = {tf} AND consent_id IN ({}) ORDER BY consent_id, organization_id",
        ids.join(", ")
    );
    let mut recipients: std::collections::HashMap<String, Vec<OrganizationId>> =
        std::collections::HashMap::new();
    for r in q.build().fetch_all(&mut *conn).await? {
        recipients
            .entry(r.text("consent_id")?)
            .or_default()
            .push(OrganizationId(r.uuid("organization_id")?));
    }
    rows.iter()
        .map(|row| from_row(row, recipients.remove(&row.text("id")?).unwrap_or_default()))
        .collect()
}

fn join<T: Copy>(items: &[T], code: fn(T) -> &'static str) -> String {
    items.iter().map(|i| code(*i)).collect::<Vec<_>>().join(",")
}

pub async fn insert(tx: &mut Tx, consent: &Consent) -> Result<()> {
    let tf = consent.task_force_id.to_string();
    sqlx::query("INSERT INTO consents (id, task_force_id, person_id, holder_organization_id, roles, categories, purpose, method, legal_basis, recorded_by, valid_from, valid_until, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)")
        .bind(consent.id.to_string())
        .bind(&tf)
        .bind(consent.person_id.to_string())
        .bind(consent.holder_organization_id.to_string())
        .bind(join(&consent.roles, Role::code))
        .bind(join(&consent.categories, DataCategory::code))
        .bind(&consent.purpose)
        .bind(consent.method.code())
        .bind(&consent.legal_basis)
        .bind(consent.recorded_by.to_string())
        .bind(ts(consent.valid_from))
        .bind(ts(consent.valid_until))
        .bind(ts(consent.created_at))
        .execute(tx.conn())
        .await?;
    for org in &consent.recipients {
        for category in &consent.categories {
            sqlx::query("INSERT INTO consent_scope (task_force_id, consent_id, person_id, organization_id, category) VALUES ($1, $2, $3, $4, $5)")
                .bind(&tf)
                .bind(consent.id.to_string())
                .bind(consent.person_id.to_string())
                .bind(org.to_string())
                .bind(category.code())
                .execute(tx.conn())
                .await?;
        }
    }
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: ConsentId,
) -> Result<Option<Consent>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE c.task_force_id = $1 AND c.id = $2"
    ))
    .bind(tf.to_string())
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    Ok(with_recipients(conn, rows).await?.pop())
}

/// A person's consents recorded by `holder` (every consent when `holder` is `None`), newest
/// first, revoked and expired ones included (the record keeps them).
pub async fn of_person(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
    holder: Option<OrganizationId>,
) -> Result<Vec<Consent>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE c.task_force_id = $1 AND c.person_id = $2 AND ($3 = '' OR c.holder_organization_id = $3) ORDER BY c.created_at DESC, c.id DESC"
    ))
    .bind(tf.to_string())
    .bind(person.to_string())
    .bind(holder.map(|h| h.to_string()).unwrap_or_default())
    .fetch_all(&mut *conn)
    .await?;
    with_recipients(conn, rows).await
}

/// The scopes of the consents `holder` recorded for any of `persons` (for the policy), read in
/// two queries whatever the number of persons: this runs on every read of a provider's record.
pub async fn scopes(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    holder: OrganizationId,
    persons: &[PersonId],
) -> Result<Vec<ConsentScope>> {
    if persons.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Query::default();
    let tf = q.bind(tf.to_string());
    let holder = q.bind(holder.to_string());
    let ids: Vec<String> = persons.iter().map(|p| q.bind(p.to_string())).collect();
    q.sql = format!(
        "{SELECT} WHERE c.task_force_id = {tf} AND c.holder_organization_id = {holder} AND c.person_id IN ({}) ORDER BY c.created_at DESC, c.id DESC",
        ids.join(", ")
    );
    let rows = q.build().fetch_all(&mut *conn).await?;
    Ok(with_recipients(conn, rows)
        .await?
        .iter()
        .map(Consent::scope)
        .collect())
}

/// Revokes a consent (optimistic on `version`); it stops covering anyone from `at`.
pub async fn revoke(
    tx: &mut Tx,
    tf: TaskForceId,
    id: ConsentId,
    version: i64,
    at: DateTime<Utc>,
    by: MemberId,
    reason: &str,
) -> Result<()> {
    let done = sqlx::query("UPDATE consents SET revoked_at = $1, revoked_by = $2, revocation_reason = $3, version = version + 1 WHERE task_force_id = $4 AND id = $5 AND version = $6 AND revoked_at IS NULL")
        .bind(ts(at))
        .bind(by.to_string())
        .bind(reason)
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(version)
        .execute(tx.conn())
        .await?
        .rows_affected();
    check_updated(tx.conn(), done, "consents", Some(tf), id.0).await
}

/// The task force's longest consent, in days.
pub async fn max_days(conn: &mut AnyConnection, tf: TaskForceId) -> Result<i64> {
    let row = sqlx::query("SELECT max_days FROM consent_settings WHERE task_force_id = $1")
        .bind(tf.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| r.int("max_days"))
        .transpose()
        .map(|d| d.unwrap_or(DEFAULT_MAX_DAYS))
}

pub async fn set_max_days(
    tx: &mut Tx,
    tf: TaskForceId,
    days: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("INSERT INTO consent_settings (task_force_id, max_days, updated_at) VALUES ($1, $2, $3) ON CONFLICT (task_force_id) DO UPDATE SET max_days = excluded.max_days, updated_at = excluded.updated_at")
        .bind(tf.to_string())
        .bind(days)
        .bind(ts(at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Claims live, unrevoked consents ending before `before` whose recorder has not yet been told,
/// marking them told in the same transaction (so each notice is sent once, by one worker).
pub async fn claim_expiring(
    tx: &mut Tx,
    now: DateTime<Utc>,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Consent>> {
    let lock = match tx.backend() {
        crate::Backend::Postgres => " FOR UPDATE OF c SKIP LOCKED",
        crate::Backend::Sqlite => "",
    };
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE c.expiry_noticed_at IS NULL AND c.revoked_at IS NULL AND c.valid_until > $1 AND c.valid_until <= $2 ORDER BY c.valid_until LIMIT $3{lock}"
    ))
    .bind(ts(now))
    .bind(ts(before))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    let consents = with_recipients(tx.conn(), rows).await?;
    for c in &consents {
        sqlx::query(
            "UPDATE consents SET expiry_noticed_at = $1 WHERE task_force_id = $2 AND id = $3",
        )
        .bind(opt_ts(Some(now)))
        .bind(c.task_force_id.to_string())
        .bind(c.id.to_string())
        .execute(tx.conn())
        .await?;
    }
    Ok(consents)
}
