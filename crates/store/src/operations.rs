//! Planned operations and their conflicts (C5, event deconfliction).
//!
//! The deconfliction check's prefilter is [`candidates`]: other agencies' operations, not
//! exempted, whose start falls in the window of starts that can share an instant with the new
//! operation (no operation is longer than `MAX_WINDOW_HOURS`) and whose centre lies in the
//! bounding box of every point within reach — all on the columns of `operations_window`, so
//! the database reads a narrow slice of the index. The app runs the exact test on what it gets.

use crate::structure::check_updated;
use crate::values::{opt_ts, ts, RowExt};
use crate::{Backend, Result, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::operations::*;
use taskforce_domain::*;

const SELECT: &str = "SELECT o.id, o.task_force_id, o.agency_id, COALESCE(g.name, '') AS agency_name, o.kind, o.title, o.place, o.lat_e6, o.lon_e6, o.radius_m, o.starts_at, o.ends_at, o.commander_id, COALESCE(m.name, '') AS commander_name, o.contact_phone, o.planned_by, o.exempt_at, o.exempt_by, o.exemption_reason, o.created_at, o.version FROM operations o LEFT JOIN organizations g ON g.task_force_id = o.task_force_id AND g.id = o.agency_id LEFT JOIN members m ON m.task_force_id = o.task_force_id AND m.id = o.commander_id";

fn from_row(row: &AnyRow) -> Result<Operation> {
    Ok(Operation {
        id: OperationId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        agency_id: OrganizationId(row.uuid("agency_id")?),
        agency_name: row.text("agency_name")?,
        kind: row.code("kind", OperationKind::from_code)?,
        title: row.text("title")?,
        place: row.text("place")?,
        latitude: from_e6(row.int("lat_e6")?),
        longitude: from_e6(row.int("lon_e6")?),
        radius_m: row.int("radius_m")?,
        starts_at: row.time("starts_at")?,
        ends_at: row.time("ends_at")?,
        commander_id: MemberId(row.uuid("commander_id")?),
        commander_name: row.text("commander_name")?,
        contact_phone: row.text("contact_phone")?,
        planned_by: MemberId(row.uuid("planned_by")?),
        exempt_at: row.opt_time("exempt_at")?,
        exempt_by: row.opt_uuid("exempt_by")?.map(MemberId),
        exemption_reason: row.text("exemption_reason")?,
        created_at: row.time("created_at")?,
        version: row.int("version")?,
    })
}

/// Serialises deconfliction checks in a task force, so two operations planned at the same
/// moment on two instances cannot both miss each other. SQLite's `BEGIN IMMEDIATE` already
/// holds the write lock; PostgreSQL takes a transaction-scoped advisory lock on the task force.
pub async fn lock_for_check(tx: &mut Tx, tf: TaskForceId) -> Result<()> {
    if tx.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7305, hashtext($1)) IS NULL AS locked")
            .bind(tf.to_string())
            .fetch_one(tx.conn())
            .await?;
    }
    Ok(())
}

pub async fn insert(tx: &mut Tx, op: &Operation) -> Result<()> {
    insert_on(tx.conn(), op).await
}

async fn insert_on(conn: &mut AnyConnection, op: &Operation) -> Result<()> {
    sqlx::query("INSERT INTO operations (id, task_force_id, agency_id, kind, title, place, lat_e6, lon_e6, radius_m, starts_at, ends_at, commander_id, contact_phone, planned_by, exempt_at, exempt_by, exemption_reason, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)")
        .bind(op.id.to_string())
        .bind(op.task_force_id.to_string())
        .bind(op.agency_id.to_string())
        .bind(op.kind.code())
        .bind(&op.title)
        .bind(&op.place)
        .bind(op.lat_e6())
        .bind(op.lon_e6())
        .bind(op.radius_m)
        .bind(ts(op.starts_at))
        .bind(ts(op.ends_at))
        .bind(op.commander_id.to_string())
        .bind(&op.contact_phone)
        .bind(op.planned_by.to_string())
        .bind(opt_ts(op.exempt_at))
        .bind(op.exempt_by.map(|m| m.to_string()))
        .bind(&op.exemption_reason)
        .bind(ts(op.created_at))
        .bind(op.version)
        .execute(conn)
        .await?;
    Ok(())
}

/// Benchmarks only: many operations in one transaction, in multi-row statements.
pub async fn insert_many(tx: &mut Tx, ops: &[Operation]) -> Result<()> {
    for chunk in ops.chunks(200) {
        let mut sql = String::from("INSERT INTO operations (id, task_force_id, agency_id, kind, title, place, lat_e6, lon_e6, radius_m, starts_at, ends_at, commander_id, contact_phone, planned_by, exemption_reason, created_at, version) VALUES ");
        for (i, _) in chunk.iter().enumerate() {
            let b = i * 16;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(
                &(1..=16)
                    .map(|k| format!("${}", b + k))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            sql.push_str(", 1)");
        }
        let mut q = sqlx::query(&sql);
        for op in chunk {
            q = q
                .bind(op.id.to_string())
                .bind(op.task_force_id.to_string())
                .bind(op.agency_id.to_string())
                .bind(op.kind.code())
                .bind(op.title.clone())
                .bind(op.place.clone())
                .bind(op.lat_e6())
                .bind(op.lon_e6())
                .bind(op.radius_m)
                .bind(ts(op.starts_at))
                .bind(ts(op.ends_at))
                .bind(op.commander_id.to_string())
                .bind(op.contact_phone.clone())
                .bind(op.planned_by.to_string())
                .bind(op.exemption_reason.clone())
                .bind(ts(op.created_at));
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: OperationId,
) -> Result<Option<Operation>> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE o.task_force_id = $1 AND o.id = $2"
    ))
    .bind(tf.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// An agency's operations, soonest first (those ended more than `since` ago left out).
pub async fn of_agency(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    agency: OrganizationId,
    ended_after: DateTime<Utc>,
) -> Result<Vec<Operation>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE o.task_force_id = $1 AND o.agency_id = $2 AND o.ends_at > $3 ORDER BY o.starts_at, o.id LIMIT 500"
    ))
    .bind(tf.to_string())
    .bind(agency.to_string())
    .bind(ts(ended_after))
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The deconfliction prefilter: other agencies' operations, not exempted, that may overlap.
pub async fn candidates(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    agency: OrganizationId,
    b: &SearchBox,
) -> Result<Vec<Operation>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE o.task_force_id = $1 AND o.starts_at > $2 AND o.starts_at < $3 AND o.lat_e6 BETWEEN $4 AND $5 AND o.lon_e6 BETWEEN $6 AND $7 AND o.ends_at > $8 AND o.exempt_at IS NULL AND o.agency_id <> $9"
    ))
    .bind(tf.to_string())
    .bind(ts(b.starts_after))
    .bind(ts(b.starts_before))
    .bind(b.lat_min_e6)
    .bind(b.lat_max_e6)
    .bind(b.lon_min_e6)
    .bind(b.lon_max_e6)
    .bind(ts(b.ends_after))
    .bind(agency.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Records a commander's exemption.
pub async fn exempt(
    tx: &mut Tx,
    tf: TaskForceId,
    id: OperationId,
    version: i64,
    at: DateTime<Utc>,
    by: MemberId,
    reason: &str,
) -> Result<()> {
    let done = sqlx::query("UPDATE operations SET exempt_at = $1, exempt_by = $2, exemption_reason = $3, version = version + 1 WHERE task_force_id = $4 AND id = $5 AND version = $6")
        .bind(ts(at))
        .bind(by.to_string())
        .bind(reason)
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(version)
        .execute(tx.conn())
        .await?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "operations",
        Some(tf),
        id.0,
    )
    .await
}

// -- conflicts -----------------------------------------------------------------------------------

const SELECT_CONFLICT: &str = "SELECT id, task_force_id, operation_a, operation_b, agency_a, agency_b, distance_m, overlap_start, overlap_end, created_at, acknowledged_a_at, acknowledged_a_by, acknowledged_b_at, acknowledged_b_by, version FROM operation_conflicts";

fn ack(row: &AnyRow, at: &str, by: &str) -> Result<Option<(DateTime<Utc>, MemberId)>> {
    Ok(match (row.opt_time(at)?, row.opt_uuid(by)?) {
        (Some(at), Some(by)) => Some((at, MemberId(by))),
        _ => None,
    })
}

fn conflict_from_row(row: &AnyRow) -> Result<OperationConflict> {
    Ok(OperationConflict {
        id: OperationConflictId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        operation_a: OperationId(row.uuid("operation_a")?),
        operation_b: OperationId(row.uuid("operation_b")?),
        agency_a: OrganizationId(row.uuid("agency_a")?),
        agency_b: OrganizationId(row.uuid("agency_b")?),
        overlap: Overlap {
            distance_m: row.int("distance_m")?,
            starts_at: row.time("overlap_start")?,
            ends_at: row.time("overlap_end")?,
        },
        created_at: row.time("created_at")?,
        acknowledged_a: ack(row, "acknowledged_a_at", "acknowledged_a_by")?,
        acknowledged_b: ack(row, "acknowledged_b_at", "acknowledged_b_by")?,
        version: row.int("version")?,
    })
}

pub async fn insert_conflict(tx: &mut Tx, c: &OperationConflict) -> Result<()> {
    sqlx::query("INSERT INTO operation_conflicts (id, task_force_id, operation_a, operation_b, agency_a, agency_b, distance_m, overlap_start, overlap_end, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)")
        .bind(c.id.to_string())
        .bind(c.task_force_id.to_string())
        .bind(c.operation_a.to_string())
        .bind(c.operation_b.to_string())
        .bind(c.agency_a.to_string())
        .bind(c.agency_b.to_string())
        .bind(c.overlap.distance_m)
        .bind(ts(c.overlap.starts_at))
        .bind(ts(c.overlap.ends_at))
        .bind(ts(c.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn conflict(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: OperationConflictId,
) -> Result<Option<OperationConflict>> {
    let row = sqlx::query(&format!(
        "{SELECT_CONFLICT} WHERE task_force_id = $1 AND id = $2"
    ))
    .bind(tf.to_string())
    .bind(id.to_string())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(conflict_from_row).transpose()
}

/// The conflicts an agency is a party to, newest first.
pub async fn conflicts_of_agency(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    agency: OrganizationId,
) -> Result<Vec<OperationConflict>> {
    let rows = sqlx::query(&format!(
        "{SELECT_CONFLICT} WHERE task_force_id = $1 AND (agency_a = $2 OR agency_b = $2) ORDER BY created_at DESC, id DESC LIMIT 500"
    ))
    .bind(tf.to_string())
    .bind(agency.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(conflict_from_row).collect()
}

/// The conflicts one operation is in.
pub async fn conflicts_of_operation(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: OperationId,
) -> Result<Vec<OperationConflict>> {
    let rows = sqlx::query(&format!(
        "{SELECT_CONFLICT} WHERE task_force_id = $1 AND (operation_a = $2 OR operation_b = $2) ORDER BY created_at DESC, id DESC"
    ))
    .bind(tf.to_string())
    .bind(id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(conflict_from_row).collect()
}

/// Records one side's acknowledgement (refused as a conflict when someone changed the row).
pub async fn acknowledge(
    tx: &mut Tx,
    tf: TaskForceId,
    id: OperationConflictId,
    version: i64,
    side: Side,
    at: DateTime<Utc>,
    by: MemberId,
) -> Result<()> {
    let column = side.code();
    let done = sqlx::query(&format!("UPDATE operation_conflicts SET acknowledged_{column}_at = $1, acknowledged_{column}_by = $2, version = version + 1 WHERE task_force_id = $3 AND id = $4 AND version = $5 AND acknowledged_{column}_at IS NULL"))
        .bind(ts(at))
        .bind(by.to_string())
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(version)
        .execute(tx.conn())
        .await?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "operation_conflicts",
        Some(tf),
        id.0,
    )
    .await
}

/// Benchmarks only: fresh planner statistics for the operations table after a bulk load.
pub async fn analyze(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("ANALYZE operations").execute(conn).await?;
    Ok(())
}
