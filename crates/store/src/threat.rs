//! The threat assessment's tables: datasets and their rows, model versions, focus industries,
//! outreach plans and activities. Every function is scoped by a [`TaskForceId`].

use crate::values::{ts, RowExt};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use taskforce_domain::structure::Valid;
use taskforce_domain::threat::import::ImportReport;
use taskforce_domain::threat::plan::*;
use taskforce_domain::threat::score::Indicator;
use taskforce_domain::threat::{Record, Source};
use taskforce_domain::*;

#[derive(Serialize, Deserialize)]
struct Stored {
    m: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    w: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    n: String,
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("encode: {e}")))
}

fn from_json<T: for<'de> Deserialize<'de>>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

// -- datasets -----------------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)] // the dataset's own columns
pub async fn insert_dataset(
    tx: &mut Tx,
    tf: TaskForceId,
    id: ThreatDatasetId,
    source: Source,
    file_name: &str,
    sha256: &str,
    report: &ImportReport,
    now: DateTime<Utc>,
    by: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO threat_datasets (id, task_force_id, source, file_name, sha256, records, report, imported_at, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(source.code())
    .bind(file_name)
    .bind(sha256)
    .bind(i64::try_from(report.records).unwrap_or(i64::MAX))
    .bind(json(report)?)
    .bind(ts(now))
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records the count of records once they are all in (the dataset row comes first, for the
/// rows' foreign key).
pub async fn finish_dataset(
    tx: &mut Tx,
    tf: TaskForceId,
    id: ThreatDatasetId,
    report: &ImportReport,
) -> Result<()> {
    sqlx::query(
        "UPDATE threat_datasets SET records = $1, report = $2 WHERE id = $3 AND task_force_id = $4",
    )
    .bind(i64::try_from(report.records).unwrap_or(i64::MAX))
    .bind(json(report)?)
    .bind(id.to_string())
    .bind(tf.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records the SHA-256 of the file, known once it has been read to the end.
pub async fn set_dataset_hash(
    tx: &mut Tx,
    tf: TaskForceId,
    id: ThreatDatasetId,
    sha256: &str,
) -> Result<()> {
    sqlx::query("UPDATE threat_datasets SET sha256 = $1 WHERE id = $2 AND task_force_id = $3")
        .bind(sha256)
        .bind(id.to_string())
        .bind(tf.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Rows per INSERT statement (9 parameters each; well under both backends' limits).
const BATCH: usize = 200;

/// Appends records to a dataset, many rows per statement.
pub async fn insert_records(
    tx: &mut Tx,
    tf: TaskForceId,
    dataset: ThreatDatasetId,
    records: &[Record],
) -> Result<()> {
    let tf = tf.to_string();
    let dataset = dataset.to_string();
    for chunk in records.chunks(BATCH) {
        let mut sql = String::from(
            "INSERT INTO threat_rows (task_force_id, dataset_id, line, part, industry, fips, naics, label, measures) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 9;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9
            ));
        }
        let mut query = sqlx::query(&sql);
        for r in chunk {
            let stored = Stored {
                m: r.measures.clone(),
                w: r.withheld.clone(),
                n: r.note.clone(),
            };
            query = query
                .bind(tf.clone())
                .bind(dataset.clone())
                .bind(i64::try_from(r.line).unwrap_or(i64::MAX))
                .bind(i64::from(r.part))
                .bind(r.industry.clone())
                .bind(r.fips.clone())
                .bind(r.naics.clone())
                .bind(r.label.clone())
                .bind(json(&stored)?);
        }
        query.execute(tx.conn()).await?;
    }
    Ok(())
}

fn dataset_from(row: &AnyRow) -> Result<Dataset> {
    Ok(Dataset {
        id: ThreatDatasetId(row.uuid("id")?),
        source: row.code("source", Source::from_code)?,
        file_name: row.text("file_name")?,
        sha256: row.text("sha256")?,
        records: row.int("records")?,
        report: from_json("report", &row.text("report")?)?,
        imported_at: row.time("imported_at")?,
        imported_by: row.text("imported_by")?,
    })
}

/// Every import of the task force, newest first.
pub async fn datasets(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<Dataset>> {
    sqlx::query(
        "SELECT * FROM threat_datasets WHERE task_force_id = $1 ORDER BY imported_at DESC, id DESC",
    )
    .bind(tf.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(dataset_from)
    .collect()
}

/// The newest dataset of each source: the snapshot a new model version is computed on.
pub async fn latest_datasets(
    conn: &mut AnyConnection,
    tf: TaskForceId,
) -> Result<Vec<ThreatDatasetId>> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for d in datasets(conn, tf).await? {
        if !seen.contains(&d.source) {
            seen.push(d.source);
            out.push(d.id);
        }
    }
    Ok(out)
}

/// A stored record with the source it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRecord {
    pub source: Source,
    pub dataset_id: ThreatDatasetId,
    pub record: Record,
}

fn record_from(row: &AnyRow) -> Result<SourceRecord> {
    let stored: Stored = from_json("measures", &row.text("measures")?)?;
    Ok(SourceRecord {
        source: row.code("source", Source::from_code)?,
        dataset_id: ThreatDatasetId(row.uuid("dataset_id")?),
        record: Record {
            line: u64::try_from(row.int("line")?).unwrap_or(0),
            part: u32::try_from(row.int("part")?).unwrap_or(0),
            industry: row.text("industry")?,
            fips: row.text("fips")?,
            naics: row.text("naics")?,
            label: row.text("label")?,
            measures: stored.m,
            withheld: stored.w,
            note: stored.n,
        },
    })
}

fn in_list(first: usize, n: usize) -> String {
    (0..n)
        .map(|i| format!("${}", first + i))
        .collect::<Vec<_>>()
        .join(",")
}

/// The records of the given datasets; with `cell`, only those of one industry in one county
/// and that county's context rows.
pub async fn records(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    datasets: &[ThreatDatasetId],
    cell: Option<(&str, &str)>,
) -> Result<Vec<SourceRecord>> {
    if datasets.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = format!(
        "SELECT r.*, d.source FROM threat_rows r JOIN threat_datasets d ON d.id = r.dataset_id AND d.task_force_id = r.task_force_id
         WHERE r.task_force_id = $1 AND r.dataset_id IN ({})",
        in_list(2, datasets.len())
    );
    let next = 2 + datasets.len();
    if cell.is_some() {
        sql.push_str(&format!(
            " AND r.fips = ${} AND (r.industry = ${} OR r.industry = '{}')",
            next + 1,
            next,
            taskforce_domain::threat::COUNTY_CONTEXT
        ));
    }
    sql.push_str(" ORDER BY d.source, r.dataset_id, r.line, r.part");
    let mut query = sqlx::query(&sql).bind(tf.to_string());
    for d in datasets {
        query = query.bind(d.to_string());
    }
    if let Some((industry, fips)) = cell {
        query = query.bind(industry.to_owned()).bind(fips.to_owned());
    }
    query
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(record_from)
        .collect()
}

// -- models -------------------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)] // the version's own columns
pub async fn insert_model(
    tx: &mut Tx,
    tf: TaskForceId,
    id: ThreatModelId,
    note: &str,
    indicators: &[Indicator],
    datasets: &[ThreatDatasetId],
    now: DateTime<Utc>,
    by: &str,
) -> Result<i64> {
    let next: i64 = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM threat_models WHERE task_force_id = $1",
    )
    .bind(tf.to_string())
    .fetch_one(tx.conn())
    .await?
    .int("v")?;
    sqlx::query(
        "INSERT INTO threat_models (id, task_force_id, version, note, indicators, datasets, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(next)
    .bind(note)
    .bind(json(&indicators)?)
    .bind(json(&datasets)?)
    .bind(ts(now))
    .bind(by)
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "version"))?;
    Ok(next)
}

fn model_from(row: &AnyRow) -> Result<Model> {
    Ok(Model {
        id: ThreatModelId(row.uuid("id")?),
        version: row.int("version")?,
        note: row.text("note")?,
        indicators: from_json("indicators", &row.text("indicators")?)?,
        datasets: from_json("datasets", &row.text("datasets")?)?,
        created_at: row.time("created_at")?,
        created_by: row.text("created_by")?,
    })
}

/// Every saved model version, newest first.
pub async fn models(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<Model>> {
    sqlx::query("SELECT * FROM threat_models WHERE task_force_id = $1 ORDER BY version DESC")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(model_from)
        .collect()
}

pub async fn model(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    version: i64,
) -> Result<Option<Model>> {
    sqlx::query("SELECT * FROM threat_models WHERE task_force_id = $1 AND version = $2")
        .bind(tf.to_string())
        .bind(version)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(model_from)
        .transpose()
}

// -- focus industries ---------------------------------------------------------------------------

pub async fn set_focus(
    tx: &mut Tx,
    tf: TaskForceId,
    industry: &str,
    focus: bool,
    note: &str,
    now: DateTime<Utc>,
    by: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM threat_focus WHERE task_force_id = $1 AND industry = $2")
        .bind(tf.to_string())
        .bind(industry)
        .execute(tx.conn())
        .await?;
    if focus {
        sqlx::query(
            "INSERT INTO threat_focus (task_force_id, industry, note, marked_at, marked_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tf.to_string())
        .bind(industry)
        .bind(note)
        .bind(ts(now))
        .bind(by)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

pub async fn focus(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<Focus>> {
    sqlx::query("SELECT * FROM threat_focus WHERE task_force_id = $1 ORDER BY industry")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(Focus {
                industry: row.text("industry")?,
                note: row.text("note")?,
                marked_at: row.time("marked_at")?,
                marked_by: row.text("marked_by")?,
            })
        })
        .collect()
}

// -- outreach plans -----------------------------------------------------------------------------

pub async fn insert_plan(
    tx: &mut Tx,
    tf: TaskForceId,
    id: OutreachPlanId,
    plan: &Valid<PlanContent>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outreach_plans (id, task_force_id, industry, fips, title, goal, partners, status, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(&plan.industry)
    .bind(&plan.fips)
    .bind(&plan.title)
    .bind(&plan.goal)
    .bind(plan.partners.join("\n"))
    .bind(plan.status.code())
    .bind(ts(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn update_plan(
    tx: &mut Tx,
    tf: TaskForceId,
    id: OutreachPlanId,
    version: i64,
    plan: &Valid<PlanContent>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE outreach_plans SET industry = $1, fips = $2, title = $3, goal = $4, partners = $5, status = $6,
                version = version + 1, updated_at = $7
         WHERE id = $8 AND task_force_id = $9 AND version = $10",
    )
    .bind(&plan.industry)
    .bind(&plan.fips)
    .bind(&plan.title)
    .bind(&plan.goal)
    .bind(plan.partners.join("\n"))
    .bind(plan.status.code())
    .bind(ts(now))
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    match plan_by_id(tx.conn(), tf, id).await? {
        None => Err(StoreError::NotFound),
        Some(_) => Err(StoreError::Conflict),
    }
}

fn plan_from(row: &AnyRow) -> Result<OutreachPlan> {
    Ok(OutreachPlan {
        id: OutreachPlanId(row.uuid("id")?),
        industry: row.text("industry")?,
        fips: row.text("fips")?,
        title: row.text("title")?,
        goal: row.text("goal")?,
        partners: row
            .text("partners")?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        status: row.code("status", PlanStatus::from_code)?,
        version: row.int("version")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub async fn plans(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<OutreachPlan>> {
    sqlx::query(
        "SELECT * FROM outreach_plans WHERE task_force_id = $1 ORDER BY created_at DESC, id",
    )
    .bind(tf.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(plan_from)
    .collect()
}

pub async fn plan_by_id(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: OutreachPlanId,
) -> Result<Option<OutreachPlan>> {
    sqlx::query("SELECT * FROM outreach_plans WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(plan_from)
        .transpose()
}

pub async fn insert_activity(
    tx: &mut Tx,
    tf: TaskForceId,
    plan: OutreachPlanId,
    id: OutreachActivityId,
    activity: &Valid<ActivityContent>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outreach_activities (id, task_force_id, plan_id, happened_on, kind, description, contacts, people_trained, tips_received, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(plan.to_string())
    .bind(activity.happened_on.format("%Y-%m-%d").to_string())
    .bind(activity.kind.code())
    .bind(&activity.description)
    .bind(activity.contacts)
    .bind(activity.people_trained)
    .bind(activity.tips_received)
    .bind(ts(now))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn activities(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    plan: OutreachPlanId,
) -> Result<Vec<OutreachActivity>> {
    sqlx::query(
        "SELECT * FROM outreach_activities WHERE task_force_id = $1 AND plan_id = $2 ORDER BY happened_on, created_at, id",
    )
    .bind(tf.to_string())
    .bind(plan.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(OutreachActivity {
            id: OutreachActivityId(row.uuid("id")?),
            plan_id: OutreachPlanId(row.uuid("plan_id")?),
            happened_on: row.date("happened_on")?,
            kind: row.code("kind", ActivityKind::from_code)?,
            description: row.text("description")?,
            contacts: row.int("contacts")?,
            people_trained: row.int("people_trained")?,
            tips_received: row.int("tips_received")?,
        })
    })
    .collect()
}
