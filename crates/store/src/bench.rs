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

// -- target deconfliction: a pointer table of millions -------------------------------------------

/// Rows per INSERT statement of [`load_pointers`] on SQLite (7 parameters a row).
const POINTER_ROWS_PER_STATEMENT: usize = 1_000;

/// FOR BENCHMARKS ONLY (`taskforce linkage bench-deconfliction --database`): loads millions of
/// pointers into a task force's pointer table in ONE transaction, through a connection of its
/// own with the backend's bulk path, so a table of 10 million real HMAC tokens is built in
/// minutes rather than hours. Nothing that serves people calls this: the product writes
/// pointers one person at a time through [`crate::deconfliction::insert_pointers`], inside the
/// use case's transaction.
///
/// `chunks` yields the pointers (in token order, so the primary key grows at its end); every
/// pointer here is written with the same `now`. The table's secondary indexes (and, on
/// PostgreSQL, its foreign keys) are dropped inside the transaction and built again from their
/// own definitions before it commits, as both databases' manuals advise for a bulk load: the
/// foreign keys are checked again when they are added back, so a load that breaks one commits
/// nothing.
/// - SQLite: `synchronous = OFF` and a large page cache on this connection only (a crash
///   during the load may lose the load, nothing else), foreign keys checked row by row,
///   prepared multi-row INSERTs;
/// - PostgreSQL: `COPY … FROM STDIN` (the driver's `copy_in_raw`, not reachable through the
///   Any driver, hence the native connection).
///
/// Answers how many pointers were written.
pub async fn load_pointers<I>(
    url: &crate::DatabaseUrl,
    tf: TaskForceId,
    chunks: I,
    now: DateTime<Utc>,
) -> Result<u64>
where
    I: Iterator<Item = Vec<crate::deconfliction::Pointer>>,
{
    match url.backend() {
        crate::Backend::Sqlite => load_pointers_sqlite(url, tf, chunks, now).await,
        crate::Backend::Postgres => load_pointers_postgres(url, tf, chunks, now).await,
    }
}

async fn load_pointers_sqlite<I>(
    url: &crate::DatabaseUrl,
    tf: TaskForceId,
    chunks: I,
    now: DateTime<Utc>,
) -> Result<u64>
where
    I: Iterator<Item = Vec<crate::deconfliction::Pointer>>,
{
    use sqlx::{ConnectOptions, Connection, Executor, Row};
    // A load's statements are long and slow by design: not logged as slow.
    let mut conn = url
        .connect_url()
        .parse::<sqlx::sqlite::SqliteConnectOptions>()?
        .disable_statement_logging()
        .connect()
        .await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    conn.execute("PRAGMA busy_timeout = 60000").await?;
    conn.execute("PRAGMA synchronous = OFF").await?;
    conn.execute("PRAGMA cache_size = -524288").await?;
    conn.execute("PRAGMA temp_store = MEMORY").await?;
    conn.execute("BEGIN IMMEDIATE").await?;
    let indexes: Vec<(String, String)> = sqlx::query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deconfliction_pointers' AND sql IS NOT NULL")
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("sql")?)))
        .collect::<std::result::Result<_, sqlx::Error>>()?;
    for (name, _) in &indexes {
        conn.execute(format!("DROP INDEX \"{name}\"").as_str())
            .await?;
    }
    let tf = tf.to_string();
    let now = ts(now);
    let mut written = 0u64;
    // Anonymous `?` parameters: SQLite finds a numbered one's name by a linear search, which
    // made binding a long statement's parameters quadratic.
    let statement = |rows: usize| {
        let mut sql = String::from("INSERT INTO deconfliction_pointers (task_force_id, created_at, token, person_id, kind, organization_id, case_id) VALUES ");
        for r in 0..rows {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, ?)");
        }
        sql
    };
    let full = statement(POINTER_ROWS_PER_STATEMENT);
    for chunk in chunks {
        for rows in chunk.chunks(POINTER_ROWS_PER_STATEMENT) {
            let partial;
            let sql = if rows.len() == POINTER_ROWS_PER_STATEMENT {
                &full
            } else {
                partial = statement(rows.len());
                &partial
            };
            let mut q = sqlx::query(sql);
            for p in rows {
                q = q
                    .bind(&tf)
                    .bind(&now)
                    .bind(p.token.as_str())
                    .bind(p.person_id.to_string())
                    .bind(p.kind.code())
                    .bind(p.organization_id.to_string())
                    .bind(p.case_id.to_string());
            }
            written += q.execute(&mut conn).await?.rows_affected();
        }
    }
    for (_, sql) in &indexes {
        conn.execute(sql.as_str()).await?;
    }
    conn.execute("COMMIT").await?;
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    conn.close().await?;
    Ok(written)
}

async fn load_pointers_postgres<I>(
    url: &crate::DatabaseUrl,
    tf: TaskForceId,
    chunks: I,
    now: DateTime<Utc>,
) -> Result<u64>
where
    I: Iterator<Item = Vec<crate::deconfliction::Pointer>>,
{
    use sqlx::{ConnectOptions, Connection, Executor, Row};
    use std::fmt::Write;
    let mut conn = url
        .connect_url()
        .parse::<sqlx::postgres::PgConnectOptions>()?
        .disable_statement_logging()
        .connect()
        .await?;
    conn.execute("BEGIN").await?;
    conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
        .await?;
    let foreign_keys: Vec<(String, String)> = sqlx::query("SELECT conname::text AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'deconfliction_pointers'::regclass AND contype = 'f' ORDER BY conname")
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("def")?)))
        .collect::<std::result::Result<_, sqlx::Error>>()?;
    let indexes: Vec<(String, String)> = sqlx::query("SELECT indexname::text AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'deconfliction_pointers' AND indexname <> 'deconfliction_pointers_pkey' ORDER BY indexname")
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("def")?)))
        .collect::<std::result::Result<_, sqlx::Error>>()?;
    for (name, _) in &foreign_keys {
        conn.execute(
            format!("ALTER TABLE deconfliction_pointers DROP CONSTRAINT \"{name}\"").as_str(),
        )
        .await?;
    }
    for (name, _) in &indexes {
        conn.execute(format!("DROP INDEX \"{name}\"").as_str())
            .await?;
    }
    let tf = tf.to_string();
    let now = ts(now);
    let mut copy = conn
        .copy_in_raw("COPY deconfliction_pointers (task_force_id, token, person_id, kind, organization_id, case_id, created_by, created_at) FROM STDIN")
        .await?;
    let mut buffer = String::with_capacity(8 << 20);
    for chunk in chunks {
        for p in &chunk {
            // Text format: tab-separated, \N for NULL. Tokens are hex, ids UUIDs, kinds codes:
            // nothing to escape.
            let _ = writeln!(
                buffer,
                "{tf}\t{}\t{}\t{}\t{}\t{}\t{}\t{now}",
                p.token,
                p.person_id,
                p.kind.code(),
                p.organization_id,
                p.case_id,
                p.created_by
                    .map_or_else(|| "\\N".to_owned(), |m| m.to_string()),
            );
        }
        if buffer.len() >= 4 << 20 {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_bytes()).await?;
    }
    let written = copy.finish().await?;
    for (_, def) in &indexes {
        conn.execute(def.as_str()).await?;
    }
    for (name, def) in &foreign_keys {
        conn.execute(
            format!("ALTER TABLE deconfliction_pointers ADD CONSTRAINT \"{name}\" {def}").as_str(),
        )
        .await?;
    }
    conn.execute("COMMIT").await?;
    conn.execute("ANALYZE deconfliction_pointers").await?;
    conn.close().await?;
    Ok(written)
}

/// A parameter of a statement shown by [`explain`].
#[derive(Clone, Debug)]
pub enum Param {
    Text(String),
    Int(i64),
}

/// FOR BENCHMARKS ONLY: the database's plan for `sql` with `params`, one line per step:
/// SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)` (run once).
pub async fn explain(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    sql: &str,
    params: &[Param],
) -> Result<Vec<String>> {
    let explained = match backend {
        crate::Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        crate::Backend::Postgres => format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"),
    };
    let mut q = sqlx::query(&explained);
    for p in params {
        q = match p {
            Param::Text(t) => q.bind(t.as_str()),
            Param::Int(n) => q.bind(*n),
        };
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| match backend {
            crate::Backend::Sqlite => r.text("detail"),
            crate::Backend::Postgres => r.text("QUERY PLAN"),
        })
        .collect()
}
