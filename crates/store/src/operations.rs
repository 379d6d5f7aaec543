//! Planned operations and their conflicts (C5, event deconfliction).
//!
//! The deconfliction check's prefilter is [`candidates`]: other agencies' operations, not
//! exempted, whose centre lies in the bounding box of every point within reach and whose start
//! falls in the window of starts that can share an instant with the new operation — per class
//! of window length (`WINDOW_CLASSES_HOURS`), so that the few long operations do not widen the
//! window of the many short ones. Each class is one range of the `operations_check` index
//! (task force, class, start in whole seconds, then latitude, longitude and end, all integers),
//! and only the columns of the exact test are read. The app runs the exact test on what it gets
//! and reads the whole record ([`get_many`], with the agency's and commander's names) of the
//! few that pass.

use crate::bench::Param;
use crate::structure::check_updated;
use crate::values::{opt_ts, ts, RowExt};
use crate::{Backend, Result, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use std::sync::LazyLock;
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
    sqlx::query("INSERT INTO operations (id, task_force_id, agency_id, kind, title, place, lat_e6, lon_e6, radius_m, starts_at, ends_at, commander_id, contact_phone, planned_by, exempt_at, exempt_by, exemption_reason, created_at, version, starts_s, ends_s, window_class) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)")
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
        .bind(op.starts_at.timestamp())
        .bind(op.ends_at.timestamp())
        .bind(op.window_class() as i64)
        .execute(conn)
        .await?;
    Ok(())
}

/// Benchmarks only: many operations in one transaction, in multi-row statements.
pub async fn insert_many(tx: &mut Tx, ops: &[Operation]) -> Result<()> {
    for chunk in ops.chunks(200) {
        let mut sql = String::from("INSERT INTO operations (id, task_force_id, agency_id, kind, title, place, lat_e6, lon_e6, radius_m, starts_at, ends_at, commander_id, contact_phone, planned_by, exemption_reason, created_at, starts_s, ends_s, window_class, version) VALUES ");
        for (i, _) in chunk.iter().enumerate() {
            let b = i * 19;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(
                &(1..=19)
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
                .bind(ts(op.created_at))
                .bind(op.starts_at.timestamp())
                .bind(op.ends_at.timestamp())
                .bind(op.window_class() as i64);
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

/// What the prefilter reads of an operation: what the exact test needs, and who holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: OperationId,
    pub agency_id: OrganizationId,
    pub footprint: Footprint,
}

/// Seconds of slack around the prefilter's bounds. The seconds columns were filled from the
/// RFC 3339 text (SQLite's `strftime('%s')` rounds to the nearest second); with the slack a
/// rounded value can only let a row through to the exact test, never keep one out.
const SLACK_S: i64 = 2;

/// One range of `operations_check` per class of window length; `$2 + class` is the class's
/// earliest start.
static CANDIDATES: LazyLock<String> = LazyLock::new(|| {
    let n = WINDOW_CLASSES_HOURS.len();
    let p = |k: usize| format!("${}", n + 1 + k);
    (0..n)
        .map(|class| {
            format!(
                "SELECT id, agency_id, lat_e6, lon_e6, radius_m, starts_at, ends_at FROM operations WHERE task_force_id = $1 AND window_class = {class} AND starts_s > ${} AND starts_s < {} AND lat_e6 BETWEEN {} AND {} AND lon_e6 BETWEEN {} AND {} AND ends_s > {} AND exempt_at IS NULL AND agency_id <> {}",
                class + 2,
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6),
                p(7),
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
});

/// The parameters of [`CANDIDATES`], in order.
fn candidate_params(tf: TaskForceId, agency: OrganizationId, b: &SearchBox) -> Vec<Param> {
    let mut params = vec![Param::Text(tf.to_string())];
    for class in 0..WINDOW_CLASSES_HOURS.len() {
        params.push(Param::Int(b.starts_after_in(class).timestamp() - SLACK_S));
    }
    params.extend([
        Param::Int(b.starts_before.timestamp() + 1 + SLACK_S),
        Param::Int(b.lat_min_e6),
        Param::Int(b.lat_max_e6),
        Param::Int(b.lon_min_e6),
        Param::Int(b.lon_max_e6),
        Param::Int(b.ends_after.timestamp() - SLACK_S),
        Param::Text(agency.to_string()),
    ]);
    params
}

/// The deconfliction prefilter: other agencies' operations, not exempted, that may overlap
/// (a superset of those that do; the caller runs the exact test).
pub async fn candidates(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    agency: OrganizationId,
    b: &SearchBox,
) -> Result<Vec<Candidate>> {
    fetch_candidates(conn, &candidate_params(tf, agency, b)).await
}

async fn fetch_candidates(conn: &mut AnyConnection, params: &[Param]) -> Result<Vec<Candidate>> {
    let mut q = sqlx::query(CANDIDATES.as_str());
    for p in params {
        q = match p {
            Param::Text(t) => q.bind(t.as_str()),
            Param::Int(n) => q.bind(*n),
        };
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter()
        .map(|row| {
            Ok(Candidate {
                id: OperationId(row.uuid("id")?),
                agency_id: OrganizationId(row.uuid("agency_id")?),
                footprint: Footprint {
                    latitude: from_e6(row.int("lat_e6")?),
                    longitude: from_e6(row.int("lon_e6")?),
                    radius_m: row.int("radius_m")?,
                    starts_at: row.time("starts_at")?,
                    ends_at: row.time("ends_at")?,
                },
            })
        })
        .collect()
}

/// Benchmarks only (the baseline the box and the classes save): the same statement on the same
/// index, every class bounded by the longest window and the box opened to the whole globe, as
/// the prefilter was before it read per class.
pub async fn candidates_without_box(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    agency: OrganizationId,
    b: &SearchBox,
) -> Result<Vec<Candidate>> {
    let mut params = candidate_params(tf, agency, b);
    let widest = b.starts_after.timestamp() - SLACK_S;
    // $1 task force, then each class's earliest start, the latest start, the box.
    let n = WINDOW_CLASSES_HOURS.len();
    for (i, p) in params.iter_mut().enumerate() {
        if (1..=n).contains(&i) {
            *p = Param::Int(widest);
        } else if i == n + 2 || i == n + 4 {
            *p = Param::Int(-180_000_001);
        } else if i == n + 3 || i == n + 5 {
            *p = Param::Int(180_000_001);
        }
    }
    fetch_candidates(conn, &params).await
}

/// Whole records of the given operations (those that passed the exact test).
pub async fn get_many(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    ids: &[OperationId],
) -> Result<Vec<Operation>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "{SELECT} WHERE o.task_force_id = $1 AND o.id IN ({})",
        list.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(tf.to_string());
    for id in ids {
        q = q.bind(id.to_string());
    }
    q.fetch_all(conn).await?.iter().map(from_row).collect()
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

/// Benchmarks only: the database's plan for the prefilter of a check of `b`.
pub async fn explain_candidates(
    conn: &mut AnyConnection,
    backend: Backend,
    tf: TaskForceId,
    agency: OrganizationId,
    b: &SearchBox,
) -> Result<Vec<String>> {
    crate::bench::explain(conn, backend, &CANDIDATES, &candidate_params(tf, agency, b)).await
}

/// Benchmarks only: how many operations the task force holds (a reused database is checked).
pub async fn count_in(conn: &mut AnyConnection, tf: TaskForceId) -> Result<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM operations WHERE task_force_id = $1")
        .bind(tf.to_string())
        .fetch_one(conn)
        .await?
        .int("n")
}

/// Benchmarks only: fresh planner statistics for the operations table after a bulk load.
pub async fn analyze(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("ANALYZE operations").execute(conn).await?;
    Ok(())
}
