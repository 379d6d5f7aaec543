//! Target deconfliction (C5): the blind pointer index (keyed tokens only, never a raw or
//! normalised identifier), the owning agencies' "do not disclose" flags and the hits between
//! two agencies' persons.

use crate::structure::check_updated;
use crate::values::{flag, opt_ts, ts, RowExt};
use crate::{Result, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::deconfliction::*;
use taskforce_domain::*;

/// One pointer: who holds the identifier behind `token` (hex of the token's 128-bit prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pointer {
    pub token: String,
    pub kind: MatchKind,
    pub person_id: PersonId,
    pub organization_id: OrganizationId,
    pub case_id: CaseId,
    pub created_by: Option<MemberId>,
}

/// A pointer found by a check, with the holder's "do not disclose" flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub pointer: Pointer,
    pub do_not_disclose: bool,
}

/// Records pointers (a token already held for the same person, kind and agency is kept as it is).
pub async fn insert_pointers(
    tx: &mut Tx,
    tf: TaskForceId,
    pointers: &[Pointer],
    now: DateTime<Utc>,
) -> Result<()> {
    let now = ts(now);
    for p in pointers {
        sqlx::query("INSERT INTO deconfliction_pointers (task_force_id, token, person_id, kind, organization_id, case_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (task_force_id, token, person_id, kind, organization_id) DO NOTHING")
            .bind(tf.to_string())
            .bind(&p.token)
            .bind(p.person_id.to_string())
            .bind(p.kind.code())
            .bind(p.organization_id.to_string())
            .bind(p.case_id.to_string())
            .bind(p.created_by.map(|m| m.to_string()))
            .bind(&now)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Removes pointers of `person` held for `organization` (an old name or date of birth, a
/// removed identifier, an agency that no longer holds the person): they stop matching at once.
pub async fn delete_pointers(
    tx: &mut Tx,
    tf: TaskForceId,
    person: PersonId,
    organization: OrganizationId,
    stale: &[(String, MatchKind)],
) -> Result<()> {
    for (token, kind) in stale {
        sqlx::query("DELETE FROM deconfliction_pointers WHERE task_force_id = $1 AND token = $2 AND person_id = $3 AND kind = $4 AND organization_id = $5")
            .bind(tf.to_string())
            .bind(token)
            .bind(person.to_string())
            .bind(kind.code())
            .bind(organization.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// How many pointers the task force's index holds.
pub async fn pointer_count(conn: &mut AnyConnection, tf: TaskForceId) -> Result<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM deconfliction_pointers WHERE task_force_id = $1")
            .bind(tf.to_string())
            .fetch_one(&mut *conn)
            .await?;
    row.int("n")
}

fn pointer_from(row: &AnyRow) -> Result<Pointer> {
    Ok(Pointer {
        token: row.text("token")?,
        kind: row.code("kind", MatchKind::from_code)?,
        person_id: PersonId(row.uuid("person_id")?),
        organization_id: OrganizationId(row.uuid("organization_id")?),
        case_id: CaseId(row.uuid("case_id")?),
        created_by: row.opt_uuid("created_by")?.map(MemberId),
    })
}

/// The pointers of one person, for every agency that holds them (what was already checked).
pub async fn pointers_of(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
) -> Result<Vec<Pointer>> {
    let rows = sqlx::query("SELECT token, kind, person_id, organization_id, case_id, created_by FROM deconfliction_pointers WHERE task_force_id = $1 AND person_id = $2 ORDER BY organization_id, token, kind")
        .bind(tf.to_string())
        .bind(person.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(pointer_from).collect()
}

/// The statement of [`lookup`] for `tokens` tokens ($1 task force, $2 the checking agency, then
/// the tokens).
pub fn lookup_sql(tokens: usize) -> String {
    let list: Vec<String> = (0..tokens).map(|i| format!("${}", i + 3)).collect();
    format!(
        "SELECT p.token, p.kind, p.person_id, p.organization_id, p.case_id, p.created_by, COALESCE(t.do_not_disclose, 0) AS do_not_disclose FROM deconfliction_pointers p LEFT JOIN deconfliction_targets t ON t.task_force_id = p.task_force_id AND t.person_id = p.person_id WHERE p.task_force_id = $1 AND p.organization_id <> $2 AND p.token IN ({}) ORDER BY p.token, p.person_id, p.kind",
        list.join(", ")
    )
}

/// The check: every pointer of another organization than `except` that holds one of `tokens`,
/// with the "do not disclose" flag of its person. One index seek per token (the primary key
/// starts with task force and token).
pub async fn lookup(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    tokens: &[String],
    except: OrganizationId,
) -> Result<Vec<Found>> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let sql = lookup_sql(tokens.len());
    let mut q = sqlx::query(&sql)
        .bind(tf.to_string())
        .bind(except.to_string());
    for t in tokens {
        q = q.bind(t.clone());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Found {
                pointer: pointer_from(r)?,
                do_not_disclose: r.flag("do_not_disclose")?,
            })
        })
        .collect()
}

/// Benchmarks only: the database's plan for [`lookup`] of `tokens`.
pub async fn explain_lookup(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    tf: TaskForceId,
    tokens: &[String],
    except: OrganizationId,
) -> Result<Vec<String>> {
    use crate::bench::Param;
    let mut params = vec![Param::Text(tf.to_string()), Param::Text(except.to_string())];
    params.extend(tokens.iter().map(|t| Param::Text(t.clone())));
    crate::bench::explain(conn, backend, &lookup_sql(tokens.len()), &params).await
}

/// Whether the owning agency marked `person` "do not disclose".
pub async fn do_not_disclose(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
) -> Result<bool> {
    let row = sqlx::query("SELECT do_not_disclose FROM deconfliction_targets WHERE task_force_id = $1 AND person_id = $2")
        .bind(tf.to_string())
        .bind(person.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => r.flag("do_not_disclose"),
        None => Ok(false),
    }
}

pub async fn set_do_not_disclose(
    tx: &mut Tx,
    tf: TaskForceId,
    person: PersonId,
    value: bool,
    by: Option<MemberId>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("INSERT INTO deconfliction_targets (task_force_id, person_id, do_not_disclose, set_by, set_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (task_force_id, person_id) DO UPDATE SET do_not_disclose = excluded.do_not_disclose, set_by = excluded.set_by, set_at = excluded.set_at")
        .bind(tf.to_string())
        .bind(person.to_string())
        .bind(flag(value))
        .bind(by.map(|m| m.to_string()))
        .bind(ts(now))
        .execute(tx.conn())
        .await?;
    Ok(())
}

// -- hits --------------------------------------------------------------------------------------

const SIDE_COLUMNS: [&str; 9] = [
    "organization_id",
    "case_id",
    "person_id",
    "contact_id",
    "hold",
    "acknowledged_at",
    "acknowledged_by",
    "contacted_at",
    "contacted_by",
];

fn columns() -> String {
    let mut cols = vec![
        "id".to_owned(),
        "task_force_id".to_owned(),
        "matched".to_owned(),
    ];
    for side in ["a", "b"] {
        cols.extend(SIDE_COLUMNS.iter().map(|c| format!("{side}_{c}")));
    }
    cols.push("created_at".to_owned());
    cols.push("version".to_owned());
    cols.join(", ")
}

fn side_from(row: &AnyRow, s: &str) -> Result<HitSide> {
    let c = |name: &str| format!("{s}_{name}");
    Ok(HitSide {
        organization_id: OrganizationId(row.uuid(&c("organization_id"))?),
        case_id: CaseId(row.uuid(&c("case_id"))?),
        person_id: PersonId(row.uuid(&c("person_id"))?),
        contact_id: row.opt_uuid(&c("contact_id"))?.map(MemberId),
        hold: row.code(&c("hold"), Hold::from_code)?,
        acknowledged_at: row.opt_time(&c("acknowledged_at"))?,
        acknowledged_by: row.opt_uuid(&c("acknowledged_by"))?.map(MemberId),
        contacted_at: row.opt_time(&c("contacted_at"))?,
        contacted_by: row.opt_uuid(&c("contacted_by"))?.map(MemberId),
    })
}

fn hit_from(row: &AnyRow) -> Result<Hit> {
    Ok(Hit {
        id: DeconflictionHitId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        matched: row.code("matched", MatchKind::from_code)?,
        sides: [side_from(row, "a")?, side_from(row, "b")?],
        created_at: row.time("created_at")?,
        version: row.int("version")?,
    })
}

/// Whether a hit between these two sides (person and agency, [`pair_key`]) is already recorded.
pub async fn pair_recorded(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    pair_key: &str,
) -> Result<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM deconfliction_hits WHERE task_force_id = $1 AND pair_key = $2",
    )
    .bind(tf.to_string())
    .bind(pair_key)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.int("n")? > 0)
}

/// The hits `person` is a side of, as held by `organization` (whether those already told the
/// other agency is the caller's to read).
pub async fn hits_of_side(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
    organization: OrganizationId,
) -> Result<Vec<Hit>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM deconfliction_hits WHERE task_force_id = $1 AND ((a_person_id = $2 AND a_organization_id = $3) OR (b_person_id = $2 AND b_organization_id = $3)) ORDER BY created_at, id",
        columns()
    ))
    .bind(tf.to_string())
    .bind(person.to_string())
    .bind(organization.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(hit_from).collect()
}

pub async fn insert_hit(tx: &mut Tx, hit: &Hit) -> Result<()> {
    let names = columns();
    let n = names.split(", ").count();
    let params: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO deconfliction_hits ({names}, pair_key) VALUES ({}, ${})",
        params.join(", "),
        n + 1
    );
    let mut q = sqlx::query(&sql)
        .bind(hit.id.to_string())
        .bind(hit.task_force_id.to_string())
        .bind(hit.matched.code());
    for s in &hit.sides {
        q = q
            .bind(s.organization_id.to_string())
            .bind(s.case_id.to_string())
            .bind(s.person_id.to_string())
            .bind(s.contact_id.map(|m| m.to_string()))
            .bind(s.hold.code())
            .bind(opt_ts(s.acknowledged_at))
            .bind(s.acknowledged_by.map(|m| m.to_string()))
            .bind(opt_ts(s.contacted_at))
            .bind(s.contacted_by.map(|m| m.to_string()));
    }
    q.bind(ts(hit.created_at))
        .bind(hit.version)
        .bind(hit.pair_key())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn hit(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: DeconflictionHitId,
) -> Result<Option<Hit>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM deconfliction_hits WHERE task_force_id = $1 AND id = $2",
        columns()
    ))
    .bind(tf.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(hit_from).transpose()
}

/// The hits `organization` is a party to, newest first (the caller applies who of it may see
/// each: a held-back hit is its supervisors' only).
pub async fn hits_of(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    organization: OrganizationId,
    limit: i64,
) -> Result<Vec<Hit>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM deconfliction_hits WHERE task_force_id = $1 AND (a_organization_id = $2 OR b_organization_id = $2) ORDER BY created_at DESC, id DESC LIMIT $3",
        columns()
    ))
    .bind(tf.to_string())
    .bind(organization.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(hit_from).collect()
}

/// Writes one side's state (hold, acknowledgement, contact) if the hit is still at `version`.
pub async fn update_side(
    tx: &mut Tx,
    tf: TaskForceId,
    hit: &Hit,
    side: usize,
    new: &HitSide,
) -> Result<()> {
    let s = if side == 0 { "a" } else { "b" };
    let done = sqlx::query(&format!(
        "UPDATE deconfliction_hits SET {s}_hold = $1, {s}_acknowledged_at = $2, {s}_acknowledged_by = $3, {s}_contacted_at = $4, {s}_contacted_by = $5, version = version + 1 WHERE task_force_id = $6 AND id = $7 AND version = $8"
    ))
    .bind(new.hold.code())
    .bind(opt_ts(new.acknowledged_at))
    .bind(new.acknowledged_by.map(|m| m.to_string()))
    .bind(opt_ts(new.contacted_at))
    .bind(new.contacted_by.map(|m| m.to_string()))
    .bind(tf.to_string())
    .bind(hit.id.to_string())
    .bind(hit.version)
    .execute(tx.conn())
    .await?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "deconfliction_hits",
        Some(tf),
        hit.id.0,
    )
    .await
}
