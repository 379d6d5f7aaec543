//! Possible duplicate person records and their review, and what the unduplicated victim count
//! reads (issue 6 part 4). A pair is stored once (the smaller person id first); a merge is a
//! state of its pair, so no person row is ever changed or deleted by one.

use crate::cases::{person_from, PersonRow};
use crate::structure::check_updated;
use crate::values::{opt_ts, ts, RowExt};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::cases::{IdentifierKind, TraffickingStatus};
use taskforce_domain::duplicates::*;
use taskforce_domain::*;

fn number(row: &AnyRow, column: &str) -> Result<f64> {
    let text = row.text(column)?;
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn from_row(row: &AnyRow) -> Result<PersonMatch> {
    let fields: Vec<FieldAgreement> = serde_json::from_str(&row.text("fields")?)
        .map_err(|e| StoreError::Corrupt(format!("fields: {e}")))?;
    Ok(PersonMatch {
        id: PersonMatchId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        left_person_id: PersonId(row.uuid("left_person_id")?),
        right_person_id: PersonId(row.uuid("right_person_id")?),
        match_probability: number(row, "match_probability")?,
        match_weight: number(row, "match_weight")?,
        fields,
        status: row.code("status", MatchStatus::from_code)?,
        survivor_person_id: row.opt_uuid("survivor_person_id")?.map(PersonId),
        status_before_merge: row
            .opt_text("status_before_merge")?
            .map(|t| {
                MatchStatus::from_code(&t).ok_or_else(|| {
                    StoreError::Corrupt(format!("status_before_merge: unknown code {t:?}"))
                })
            })
            .transpose()?,
        found_by: MemberId(row.uuid("found_by")?),
        found_at: row.time("found_at")?,
        decided_by: row.opt_uuid("decided_by")?.map(MemberId),
        decided_at: row.opt_time("decided_at")?,
        version: row.int("version")?,
    })
}

/// Stores a newly found pair unless the same two records are already a pair (whatever its
/// review says: a rejected pair is not offered again). Answers whether it was stored.
pub async fn insert_match(tx: &mut Tx, m: &PersonMatch) -> Result<bool> {
    let fields = serde_json::to_string(&m.fields)
        .map_err(|e| StoreError::Corrupt(format!("fields: {e}")))?;
    let rows = sqlx::query("INSERT INTO person_matches (id, task_force_id, left_person_id, right_person_id, match_probability, match_weight, fields, status, found_by, found_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) ON CONFLICT (task_force_id, left_person_id, right_person_id) DO NOTHING")
        .bind(m.id.to_string())
        .bind(m.task_force_id.to_string())
        .bind(m.left_person_id.to_string())
        .bind(m.right_person_id.to_string())
        .bind(format!("{:.6}", m.match_probability))
        .bind(format!("{:.4}", m.match_weight))
        .bind(fields)
        .bind(m.status.code())
        .bind(m.found_by.to_string())
        .bind(ts(m.found_at))
        .execute(tx.conn())
        .await?
        .rows_affected();
    Ok(rows == 1)
}

/// Every pair of the task force, likeliest first.
pub async fn matches(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<PersonMatch>> {
    let mut out: Vec<PersonMatch> =
        sqlx::query("SELECT * FROM person_matches WHERE task_force_id = $1 ORDER BY found_at, id")
            .bind(tf.to_string())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(from_row)
            .collect::<Result<_>>()?;
    out.sort_by(|a, b| b.match_probability.total_cmp(&a.match_probability));
    Ok(out)
}

pub async fn get(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: PersonMatchId,
) -> Result<Option<PersonMatch>> {
    sqlx::query("SELECT * FROM person_matches WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The pairs about one person.
pub async fn of_person(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
) -> Result<Vec<PersonMatch>> {
    sqlx::query("SELECT * FROM person_matches WHERE task_force_id = $1 AND (left_person_id = $2 OR right_person_id = $2) ORDER BY found_at, id")
        .bind(tf.to_string())
        .bind(person.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Moves a pair's review on (optimistic on `version`).
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    tx: &mut Tx,
    tf: TaskForceId,
    id: PersonMatchId,
    version: i64,
    status: MatchStatus,
    survivor: Option<PersonId>,
    before_merge: Option<MatchStatus>,
    by: MemberId,
    at: DateTime<Utc>,
) -> Result<()> {
    let rows = sqlx::query("UPDATE person_matches SET status = $1, survivor_person_id = $2, status_before_merge = $3, decided_by = $4, decided_at = $5, version = version + 1 WHERE task_force_id = $6 AND id = $7 AND version = $8")
        .bind(status.code())
        .bind(survivor.map(|p| p.to_string()))
        .bind(before_merge.map(MatchStatus::code))
        .bind(by.to_string())
        .bind(opt_ts(Some(at)))
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(version)
        .execute(tx.conn())
        .await?
        .rows_affected();
    check_updated(tx.conn(), rows, "person_matches", Some(tf), id.0).await
}

/// Every person of the task force with their home case.
pub async fn persons(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<PersonRow>> {
    sqlx::query("SELECT * FROM persons WHERE task_force_id = $1 ORDER BY id")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(PersonRow {
                person: person_from(row)?,
                home_case_id: CaseId(row.uuid("home_case_id")?),
            })
        })
        .collect()
}

/// The ids of the persons recorded as a victim on some case and not found not to be one.
pub async fn victim_ids(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<PersonId>> {
    sqlx::query("SELECT DISTINCT p.id FROM persons p JOIN case_persons cp ON cp.task_force_id = p.task_force_id AND cp.person_id = p.id WHERE p.task_force_id = $1 AND cp.role = 'victim' AND (p.trafficking_status IS NULL OR p.trafficking_status <> $2) ORDER BY p.id")
        .bind(tf.to_string())
        .bind(TraffickingStatus::NotTrafficked.code())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok(PersonId(row.uuid("id")?)))
        .collect()
}

/// Each person's identifiers of the kinds linkage compares (phone, e-mail, address), as typed.
pub async fn linkage_identifiers(
    conn: &mut AnyConnection,
    tf: TaskForceId,
) -> Result<Vec<(PersonId, IdentifierKind, String)>> {
    sqlx::query("SELECT person_id, kind, value FROM person_identifiers WHERE task_force_id = $1 AND kind IN ('phone', 'email', 'address') ORDER BY person_id, entered_at, id")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok((
                PersonId(row.uuid("person_id")?),
                row.code("kind", IdentifierKind::from_code)?,
                row.text("value")?,
            ))
        })
        .collect()
}

/// Takes a record out of the search index (a record merged away is found as its survivor).
pub async fn unindex(tx: &mut Tx, tf: TaskForceId, doc_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM search_docs WHERE task_force_id = $1 AND doc_id = $2")
        .bind(tf.to_string())
        .bind(doc_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}
