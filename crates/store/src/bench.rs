//! Bulk writes FOR BENCHMARKS ONLY (`taskforce bench`): many rows per statement and per
//! transaction, with no audit entry per row, so a database of a million cases can be built in
//! minutes. Nothing that serves people calls these: real writes go through the use cases, one
//! audited transaction each. The rows are the same rows the use cases write (sealed text and
//! keyed tokens made by the app), so reads and search measure what production reads.

use crate::values::{ts, RowExt};
use crate::{Result, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AnyConnection;
use taskforce_domain::access::Label;
use taskforce_domain::cases::{CaseKind, CaseStatus, TraffickingType};
use taskforce_domain::*;

/// Rows per INSERT statement (SQLite allows 32,766 parameters, PostgreSQL 65,535).
const ROWS_PER_STATEMENT: usize = 500;

/// A case as the bulk loader writes it (the columns a case page and a list read).
#[derive(Clone, Debug)]
pub struct BulkCase {
    pub id: CaseId,
    pub kind: CaseKind,
    pub reference: String,
    pub title: String,
    pub owner: OrganizationId,
    pub label: Label,
    pub status: CaseStatus,
    pub trafficking_type: TraffickingType,
    pub typology: Option<u8>,
    pub summary_enc: String,
    pub opened_on: NaiveDate,
}

#[derive(Clone, Debug)]
pub struct BulkNote {
    pub id: NoteId,
    pub case_id: CaseId,
    pub label: Label,
    pub body_enc: String,
    pub author: MemberId,
    pub created_at: DateTime<Utc>,
}

/// A search entry with its keyed tokens (space-separated), made by the app.
#[derive(Clone, Debug)]
pub struct BulkDoc {
    pub doc_id: String,
    pub doc_kind: &'static str,
    pub resource_kind: &'static str,
    pub case_id: CaseId,
    pub owner: OrganizationId,
    pub label: Label,
    pub status: &'static str,
    pub trafficking_type: &'static str,
    pub occurred_on: NaiveDate,
    pub tokens: String,
}

fn values(rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}"));
        }
        sql.push(')');
    }
    sql
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub async fn insert_cases(
    tx: &mut Tx,
    tf: TaskForceId,
    rows: &[BulkCase],
    now: DateTime<Utc>,
) -> Result<()> {
    let tf = tf.to_string();
    let now = ts(now);
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO cases (id, task_force_id, kind, reference, title, owner_organization_id, label, status, trafficking_type, typology, summary_enc, opened_on, created_at, updated_at) VALUES {}",
            values(chunk.len(), 14)
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q
                .bind(c.id.to_string())
                .bind(tf.clone())
                .bind(c.kind.code())
                .bind(c.reference.clone())
                .bind(c.title.clone())
                .bind(c.owner.to_string())
                .bind(c.label.code())
                .bind(c.status.code())
                .bind(c.trafficking_type.code())
                .bind(c.typology.map(i64::from))
                .bind(c.summary_enc.clone())
                .bind(day(c.opened_on))
                .bind(now.clone())
                .bind(now.clone());
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

pub async fn insert_notes(tx: &mut Tx, tf: TaskForceId, rows: &[BulkNote]) -> Result<()> {
    let tf = tf.to_string();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO case_notes (id, task_force_id, case_id, label, body_enc, author_member_id, created_at) VALUES {}",
            values(chunk.len(), 7)
        );
        let mut q = sqlx::query(&sql);
        for n in chunk {
            q = q
                .bind(n.id.to_string())
                .bind(tf.clone())
                .bind(n.case_id.to_string())
                .bind(n.label.code())
                .bind(n.body_enc.clone())
                .bind(n.author.to_string())
                .bind(ts(n.created_at));
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

pub async fn insert_docs(tx: &mut Tx, tf: TaskForceId, rows: &[BulkDoc]) -> Result<()> {
    let tf = tf.to_string();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO search_docs (doc_id, task_force_id, doc_kind, resource_kind, case_id, owner_organization_id, label, status, trafficking_type, occurred_on, terms) VALUES {}",
            values(chunk.len(), 11)
        );
        let mut q = sqlx::query(&sql);
        for d in chunk {
            q = q
                .bind(d.doc_id.clone())
                .bind(tf.clone())
                .bind(d.doc_kind)
                .bind(d.resource_kind)
                .bind(d.case_id.to_string())
                .bind(d.owner.to_string())
                .bind(d.label.code())
                .bind(d.status)
                .bind(d.trafficking_type)
                .bind(day(d.occurred_on))
                .bind(d.tokens.clone());
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Brings the planner's statistics up to date after a bulk load.
pub async fn analyze(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    Ok(())
}

/// How many cases and notes a task force holds.
pub async fn counts(conn: &mut AnyConnection, tf: TaskForceId) -> Result<(i64, i64)> {
    let cases = sqlx::query("SELECT COUNT(*) AS n FROM cases WHERE task_force_id = $1")
        .bind(tf.to_string())
        .fetch_one(&mut *conn)
        .await?
        .int("n")?;
    let notes = sqlx::query("SELECT COUNT(*) AS n FROM case_notes WHERE task_force_id = $1")
        .bind(tf.to_string())
        .fetch_one(&mut *conn)
        .await?
        .int("n")?;
    Ok((cases, notes))
}

/// The ids of a task force's cases held by `owner` (to pick pages to open), up to `limit`.
pub async fn case_ids_of(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    owner: OrganizationId,
    kind: CaseKind,
    limit: i64,
) -> Result<Vec<CaseId>> {
    sqlx::query(
        "SELECT id FROM cases WHERE task_force_id = $1 AND owner_organization_id = $2 AND kind = $3 ORDER BY id LIMIT $4",
    )
    .bind(tf.to_string())
    .bind(owner.to_string())
    .bind(kind.code())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| Ok(CaseId(row.uuid("id")?)))
    .collect()
}

/// The baseline of the case-page benchmark: one row by primary key, nothing else.
pub async fn case_title(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: CaseId,
) -> Result<Option<String>> {
    sqlx::query("SELECT title FROM cases WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.text("title"))
        .transpose()
}
