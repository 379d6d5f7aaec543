//! Data keys: each organization's key (and the task force's search key), stored only wrapped
//! by a master key that never reaches the database.

use crate::values::{ts, RowExt};
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataKeyRow {
    pub id: String,
    pub task_force_id: TaskForceId,
    pub organization_id: Option<OrganizationId>,
    pub purpose: String,
    /// The key encrypted under the master key `master_key_id`.
    pub wrapped: String,
    pub master_key_id: String,
    pub created_at: DateTime<Utc>,
}

fn from_row(row: &AnyRow) -> Result<DataKeyRow> {
    Ok(DataKeyRow {
        id: row.text("id")?,
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        organization_id: row.opt_uuid("organization_id")?.map(OrganizationId),
        purpose: row.text("purpose")?,
        wrapped: row.text("wrapped")?,
        master_key_id: row.text("master_key_id")?,
        created_at: row.time("created_at")?,
    })
}

/// The key of one organization (or, with `None`, of the task force) for `purpose`.
pub async fn find(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    organization: Option<OrganizationId>,
    purpose: &str,
) -> Result<Option<DataKeyRow>> {
    let row = match organization {
        Some(org) => sqlx::query(
            "SELECT * FROM data_keys WHERE task_force_id = $1 AND organization_id = $2 AND purpose = $3",
        )
        .bind(tf.to_string())
        .bind(org.to_string())
        .bind(purpose)
        .fetch_optional(&mut *conn)
        .await?,
        None => sqlx::query(
            "SELECT * FROM data_keys WHERE task_force_id = $1 AND organization_id IS NULL AND purpose = $2",
        )
        .bind(tf.to_string())
        .bind(purpose)
        .fetch_optional(&mut *conn)
        .await?,
    };
    row.as_ref().map(from_row).transpose()
}

pub async fn by_id(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: &str,
) -> Result<Option<DataKeyRow>> {
    sqlx::query("SELECT * FROM data_keys WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn insert(tx: &mut Tx, key: &DataKeyRow) -> Result<()> {
    sqlx::query("INSERT INTO data_keys (id, task_force_id, organization_id, purpose, wrapped, master_key_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&key.id)
        .bind(key.task_force_id.to_string())
        .bind(key.organization_id.map(|o| o.to_string()))
        .bind(&key.purpose)
        .bind(&key.wrapped)
        .bind(&key.master_key_id)
        .bind(ts(key.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Keys not yet wrapped by master key `master_key_id`, a page at a time (for rotation).
pub async fn wrapped_by_other(
    conn: &mut AnyConnection,
    master_key_id: &str,
    limit: i64,
) -> Result<Vec<DataKeyRow>> {
    sqlx::query("SELECT * FROM data_keys WHERE master_key_id <> $1 ORDER BY id LIMIT $2")
        .bind(master_key_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Replaces a key's wrapping, if it is still wrapped as read (another rotation may have won).
pub async fn rewrap(
    tx: &mut Tx,
    key: &DataKeyRow,
    wrapped: &str,
    master_key_id: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query("UPDATE data_keys SET wrapped = $1, master_key_id = $2, rewrapped_at = $3 WHERE id = $4 AND master_key_id = $5")
        .bind(wrapped)
        .bind(master_key_id)
        .bind(ts(now))
        .bind(&key.id)
        .bind(&key.master_key_id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// How many keys each master key wraps.
pub async fn count_by_master(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    sqlx::query("SELECT master_key_id, COUNT(*) AS n FROM data_keys GROUP BY master_key_id ORDER BY master_key_id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok((row.text("master_key_id")?, row.int("n")?)))
        .collect()
}
