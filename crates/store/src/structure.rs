//! Task force structure: task forces, regions, organizations, members, MOUs, funding awards.
//!
//! Reads take any connection; writes take a [`Tx`]. Every function but the task-force directory
//! itself is scoped by a [`TaskForceId`].

use crate::values::{date, flag, ts, RowExt};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use taskforce_domain::structure::*;
use taskforce_domain::*;

/// After an `UPDATE … WHERE id = … AND version = …`: no row changed means the record is gone
/// (NotFound) or was changed meanwhile (Conflict).
pub(crate) async fn check_updated(
    conn: &mut AnyConnection,
    rows: u64,
    table: &'static str,
    tf: Option<TaskForceId>,
    id: uuid::Uuid,
) -> Result<()> {
    if rows == 1 {
        return Ok(());
    }
    let sql = match tf {
        Some(_) => {
            format!("SELECT COUNT(*) AS n FROM {table} WHERE id = $1 AND task_force_id = $2")
        }
        None => format!("SELECT COUNT(*) AS n FROM {table} WHERE id = $1"),
    };
    let mut query = sqlx::query(&sql).bind(id.to_string());
    if let Some(tf) = tf {
        query = query.bind(tf.to_string());
    }
    let exists: i64 = query.fetch_one(&mut *conn).await?.try_get("n")?;
    Err(if exists == 0 {
        StoreError::NotFound
    } else {
        StoreError::Conflict
    })
}

// ---------------------------------------------------------------------------------------------
// Task forces

fn task_force_from(row: &AnyRow, counties: Vec<String>) -> Result<TaskForce> {
    Ok(TaskForce {
        id: TaskForceId(row.uuid("id")?),
        name: row.text("name")?,
        state: row.text("state")?,
        counties,
        population_served: row.opt_int("population_served")?,
        description: row.text("description")?,
        version: row.int("version")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// The directory of task forces, by name.
pub async fn list_task_forces(conn: &mut AnyConnection) -> Result<Vec<TaskForce>> {
    let mut counties: HashMap<String, Vec<String>> = HashMap::new();
    for row in sqlx::query("SELECT task_force_id, fips FROM task_force_counties ORDER BY fips")
        .fetch_all(&mut *conn)
        .await?
    {
        counties
            .entry(row.text("task_force_id")?)
            .or_default()
            .push(row.text("fips")?);
    }
    let rows = sqlx::query("SELECT * FROM task_forces ORDER BY name, id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let id = row.text("id")?;
            task_force_from(row, counties.remove(&id).unwrap_or_default())
        })
        .collect()
}

pub async fn task_force(conn: &mut AnyConnection, id: TaskForceId) -> Result<Option<TaskForce>> {
    let Some(row) = sqlx::query("SELECT * FROM task_forces WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let counties =
        sqlx::query("SELECT fips FROM task_force_counties WHERE task_force_id = $1 ORDER BY fips")
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.text("fips"))
            .collect::<Result<Vec<_>>>()?;
    task_force_from(&row, counties).map(Some)
}

pub async fn insert_task_force(
    tx: &mut Tx,
    id: TaskForceId,
    input: &Valid<TaskForceInput>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO task_forces (id, name, state, population_served, description, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
    )
    .bind(id.to_string())
    .bind(&input.name)
    .bind(&input.state)
    .bind(input.population_served)
    .bind(&input.description)
    .bind(ts(now))
    .execute(tx.conn())
    .await?;
    replace_task_force_counties(tx, id, &input.counties).await
}

pub async fn update_task_force(
    tx: &mut Tx,
    id: TaskForceId,
    version: i64,
    input: &Valid<TaskForceInput>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE task_forces SET name = $1, state = $2, population_served = $3, description = $4,
                version = version + 1, updated_at = $5
         WHERE id = $6 AND version = $7",
    )
    .bind(&input.name)
    .bind(&input.state)
    .bind(input.population_served)
    .bind(&input.description)
    .bind(ts(now))
    .bind(id.to_string())
    .bind(version)
    .execute(tx.conn())
    .await?;
    check_updated(tx.conn(), done.rows_affected(), "task_forces", None, id.0).await?;
    replace_task_force_counties(tx, id, &input.counties).await
}

async fn replace_task_force_counties(
    tx: &mut Tx,
    id: TaskForceId,
    counties: &[String],
) -> Result<()> {
    let existing: Vec<String> =
        sqlx::query("SELECT fips FROM task_force_counties WHERE task_force_id = $1")
            .bind(id.to_string())
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|r| r.text("fips"))
            .collect::<Result<_>>()?;
    for fips in existing.iter().filter(|f| !counties.contains(f)) {
        // A county still assigned to a region cannot leave the jurisdiction (foreign key).
        sqlx::query("DELETE FROM task_force_counties WHERE task_force_id = $1 AND fips = $2")
            .bind(id.to_string())
            .bind(fips)
            .execute(tx.conn())
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StoreError::Duplicate { field: "counties" }
                }
                _ => StoreError::Database(e),
            })?;
    }
    for fips in counties.iter().filter(|f| !existing.contains(f)) {
        sqlx::query("INSERT INTO task_force_counties (task_force_id, fips) VALUES ($1, $2)")
            .bind(id.to_string())
            .bind(fips)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Regions

async fn region_children(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    region: Option<RegionId>,
) -> Result<(HashMap<String, Vec<String>>, HashMap<String, Vec<MemberId>>)> {
    let filter = if region.is_some() {
        " AND region_id = $2"
    } else {
        ""
    };
    let bind_region = region.map(|r| r.to_string()).unwrap_or_default();
    let mut counties: HashMap<String, Vec<String>> = HashMap::new();
    let sql = format!("SELECT region_id, fips FROM region_counties WHERE task_force_id = $1{filter} ORDER BY fips");
    let mut query = sqlx::query(&sql).bind(tf.to_string());
    if region.is_some() {
        query = query.bind(&bind_region);
    }
    for row in query.fetch_all(&mut *conn).await? {
        counties
            .entry(row.text("region_id")?)
            .or_default()
            .push(row.text("fips")?);
    }
    let mut navigators: HashMap<String, Vec<MemberId>> = HashMap::new();
    let sql = format!("SELECT region_id, member_id FROM region_navigators WHERE task_force_id = $1{filter} ORDER BY member_id");
    let mut query = sqlx::query(&sql).bind(tf.to_string());
    if region.is_some() {
        query = query.bind(&bind_region);
    }
    for row in query.fetch_all(&mut *conn).await? {
        navigators
            .entry(row.text("region_id")?)
            .or_default()
            .push(MemberId(row.uuid("member_id")?));
    }
    Ok((counties, navigators))
}

fn region_from(row: &AnyRow, counties: Vec<String>, navigators: Vec<MemberId>) -> Result<Region> {
    Ok(Region {
        id: RegionId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        name: row.text("name")?,
        counties,
        navigators,
        version: row.int("version")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub async fn regions(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<Region>> {
    let (mut counties, mut navigators) = region_children(conn, tf, None).await?;
    let rows = sqlx::query("SELECT * FROM regions WHERE task_force_id = $1 ORDER BY name")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let id = row.text("id")?;
            region_from(
                row,
                counties.remove(&id).unwrap_or_default(),
                navigators.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

pub async fn region(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: RegionId,
) -> Result<Option<Region>> {
    let Some(row) = sqlx::query("SELECT * FROM regions WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let (mut counties, mut navigators) = region_children(conn, tf, Some(id)).await?;
    let key = id.to_string();
    region_from(
        &row,
        counties.remove(&key).unwrap_or_default(),
        navigators.remove(&key).unwrap_or_default(),
    )
    .map(Some)
}

pub async fn insert_region(
    tx: &mut Tx,
    tf: TaskForceId,
    id: RegionId,
    input: &Valid<RegionInput>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("INSERT INTO regions (id, task_force_id, name, version, created_at, updated_at) VALUES ($1, $2, $3, 1, $4, $4)")
        .bind(id.to_string())
        .bind(tf.to_string())
        .bind(&input.name)
        .bind(ts(now))
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique(e, "name"))?;
    replace_region_children(tx, tf, id, input).await
}

pub async fn update_region(
    tx: &mut Tx,
    tf: TaskForceId,
    id: RegionId,
    version: i64,
    input: &Valid<RegionInput>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE regions SET name = $1, version = version + 1, updated_at = $2
         WHERE task_force_id = $3 AND id = $4 AND version = $5",
    )
    .bind(&input.name)
    .bind(ts(now))
    .bind(tf.to_string())
    .bind(id.to_string())
    .bind(version)
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "name"))?;
    check_updated(tx.conn(), done.rows_affected(), "regions", Some(tf), id.0).await?;
    replace_region_children(tx, tf, id, input).await
}

async fn replace_region_children(
    tx: &mut Tx,
    tf: TaskForceId,
    id: RegionId,
    input: &RegionInput,
) -> Result<()> {
    for table in ["region_counties", "region_navigators"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE task_force_id = $1 AND region_id = $2"
        ))
        .bind(tf.to_string())
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    }
    for fips in &input.counties {
        sqlx::query(
            "INSERT INTO region_counties (task_force_id, region_id, fips) VALUES ($1, $2, $3)",
        )
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(fips)
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique(e, "counties"))?;
    }
    for member in &input.navigators {
        sqlx::query("INSERT INTO region_navigators (task_force_id, region_id, member_id) VALUES ($1, $2, $3)")
            .bind(tf.to_string())
            .bind(id.to_string())
            .bind(member.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Organizations

fn organization_from(row: &AnyRow) -> Result<Organization> {
    Ok(Organization {
        id: OrganizationId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        name: row.text("name")?,
        kind: row.code("kind", OrganizationKind::from_code)?,
        region_id: row.opt_uuid("region_id")?.map(RegionId),
        address: row.text("address")?,
        phone: row.text("phone")?,
        email: row.text("email")?,
        website: row.text("website")?,
        co_located: row.flag("co_located")?,
        active: row.flag("active")?,
        version: row.int("version")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub async fn organizations(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<Organization>> {
    sqlx::query("SELECT * FROM organizations WHERE task_force_id = $1 ORDER BY name")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(organization_from)
        .collect()
}

pub async fn organization(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: OrganizationId,
) -> Result<Option<Organization>> {
    sqlx::query("SELECT * FROM organizations WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(organization_from)
        .transpose()
}

pub async fn insert_organization(
    tx: &mut Tx,
    tf: TaskForceId,
    id: OrganizationId,
    input: &Valid<OrganizationInput>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO organizations (id, task_force_id, name, kind, region_id, address, phone, email, website,
                                    co_located, active, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(&input.name)
    .bind(input.kind.code())
    .bind(input.region_id.map(|r| r.to_string()))
    .bind(&input.address)
    .bind(&input.phone)
    .bind(&input.email)
    .bind(&input.website)
    .bind(flag(input.co_located))
    .bind(flag(input.active))
    .bind(ts(now))
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "name"))?;
    Ok(())
}

pub async fn update_organization(
    tx: &mut Tx,
    tf: TaskForceId,
    id: OrganizationId,
    version: i64,
    input: &Valid<OrganizationInput>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE organizations SET name = $1, kind = $2, region_id = $3, address = $4, phone = $5, email = $6,
                website = $7, co_located = $8, active = $9, version = version + 1, updated_at = $10
         WHERE task_force_id = $11 AND id = $12 AND version = $13",
    )
    .bind(&input.name)
    .bind(input.kind.code())
    .bind(input.region_id.map(|r| r.to_string()))
    .bind(&input.address)
    .bind(&input.phone)
    .bind(&input.email)
    .bind(&input.website)
    .bind(flag(input.co_located))
    .bind(flag(input.active))
    .bind(ts(now))
    .bind(tf.to_string())
    .bind(id.to_string())
    .bind(version)
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "name"))?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "organizations",
        Some(tf),
        id.0,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Members

async fn memberships(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    member: Option<MemberId>,
) -> Result<HashMap<String, Vec<Membership>>> {
    let sql = if member.is_some() {
        "SELECT member_id, organization_id, role FROM member_roles WHERE task_force_id = $1 AND member_id = $2
         ORDER BY member_id, organization_id, role"
    } else {
        "SELECT member_id, organization_id, role FROM member_roles WHERE task_force_id = $1
         ORDER BY member_id, organization_id, role"
    };
    let mut query = sqlx::query(sql).bind(tf.to_string());
    if let Some(member) = member {
        query = query.bind(member.to_string());
    }
    let mut out: HashMap<String, Vec<Membership>> = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        let list = out.entry(row.text("member_id")?).or_default();
        let organization_id = OrganizationId(row.uuid("organization_id")?);
        let role = row.code("role", Role::from_code)?;
        match list.last_mut() {
            Some(last) if last.organization_id == organization_id => last.roles.push(role),
            _ => list.push(Membership {
                organization_id,
                roles: vec![role],
            }),
        }
    }
    for list in out.values_mut() {
        for m in list.iter_mut() {
            m.roles.sort();
        }
    }
    Ok(out)
}

fn member_from(row: &AnyRow, memberships: Vec<Membership>) -> Result<Member> {
    Ok(Member {
        id: MemberId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        name: row.text("name")?,
        email: row.text("email")?,
        phone: row.text("phone")?,
        title: row.text("title")?,
        active: row.flag("active")?,
        memberships,
        version: row.int("version")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub async fn members(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<Member>> {
    let mut roles = memberships(conn, tf, None).await?;
    sqlx::query("SELECT * FROM members WHERE task_force_id = $1 ORDER BY name, id")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| member_from(row, roles.remove(&row.text("id")?).unwrap_or_default()))
        .collect()
}

pub async fn member(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: MemberId,
) -> Result<Option<Member>> {
    let Some(row) = sqlx::query("SELECT * FROM members WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut roles = memberships(conn, tf, Some(id)).await?;
    member_from(&row, roles.remove(&id.to_string()).unwrap_or_default()).map(Some)
}

pub async fn insert_member(
    tx: &mut Tx,
    tf: TaskForceId,
    id: MemberId,
    input: &Valid<MemberInput>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO members (id, task_force_id, name, email, phone, title, active, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(&input.name)
    .bind(&input.email)
    .bind(&input.phone)
    .bind(&input.title)
    .bind(flag(input.active))
    .bind(ts(now))
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "email"))?;
    replace_member_roles(tx, tf, id, &input.memberships).await
}

pub async fn update_member(
    tx: &mut Tx,
    tf: TaskForceId,
    id: MemberId,
    version: i64,
    input: &Valid<MemberInput>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE members SET name = $1, email = $2, phone = $3, title = $4, active = $5,
                version = version + 1, updated_at = $6
         WHERE task_force_id = $7 AND id = $8 AND version = $9",
    )
    .bind(&input.name)
    .bind(&input.email)
    .bind(&input.phone)
    .bind(&input.title)
    .bind(flag(input.active))
    .bind(ts(now))
    .bind(tf.to_string())
    .bind(id.to_string())
    .bind(version)
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "email"))?;
    check_updated(tx.conn(), done.rows_affected(), "members", Some(tf), id.0).await?;
    replace_member_roles(tx, tf, id, &input.memberships).await
}

async fn replace_member_roles(
    tx: &mut Tx,
    tf: TaskForceId,
    id: MemberId,
    memberships: &[Membership],
) -> Result<()> {
    sqlx::query("DELETE FROM member_roles WHERE task_force_id = $1 AND member_id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    for m in memberships {
        for role in &m.roles {
            sqlx::query("INSERT INTO member_roles (task_force_id, member_id, organization_id, role) VALUES ($1, $2, $3, $4)")
                .bind(tf.to_string())
                .bind(id.to_string())
                .bind(m.organization_id.to_string())
                .bind(role.code())
                .execute(tx.conn())
                .await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// MOUs

async fn mou_parties(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    mou: Option<MouId>,
) -> Result<HashMap<String, Vec<OrganizationId>>> {
    let sql = if mou.is_some() {
        "SELECT p.mou_id, p.organization_id FROM mou_parties p JOIN organizations o
           ON o.task_force_id = p.task_force_id AND o.id = p.organization_id
         WHERE p.task_force_id = $1 AND p.mou_id = $2 ORDER BY o.name"
    } else {
        "SELECT p.mou_id, p.organization_id FROM mou_parties p JOIN organizations o
           ON o.task_force_id = p.task_force_id AND o.id = p.organization_id
         WHERE p.task_force_id = $1 ORDER BY o.name"
    };
    let mut query = sqlx::query(sql).bind(tf.to_string());
    if let Some(mou) = mou {
        query = query.bind(mou.to_string());
    }
    let mut out: HashMap<String, Vec<OrganizationId>> = HashMap::new();
    for row in query.fetch_all(&mut *conn).await? {
        out.entry(row.text("mou_id")?)
            .or_default()
            .push(OrganizationId(row.uuid("organization_id")?));
    }
    Ok(out)
}

fn mou_from(row: &AnyRow, parties: Vec<OrganizationId>) -> Result<Mou> {
    Ok(Mou {
        id: MouId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        title: row.text("title")?,
        parties,
        status: row.code("status", MouStatus::from_code)?,
        signed_on: row.opt_date("signed_on")?,
        effective_on: row.opt_date("effective_on")?,
        expires_on: row.opt_date("expires_on")?,
        summary: row.text("summary")?,
        version: row.int("version")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub async fn mous(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<Mou>> {
    let mut parties = mou_parties(conn, tf, None).await?;
    sqlx::query("SELECT * FROM mous WHERE task_force_id = $1 ORDER BY title, id")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| mou_from(row, parties.remove(&row.text("id")?).unwrap_or_default()))
        .collect()
}

pub async fn mou(conn: &mut AnyConnection, tf: TaskForceId, id: MouId) -> Result<Option<Mou>> {
    let Some(row) = sqlx::query("SELECT * FROM mous WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut parties = mou_parties(conn, tf, Some(id)).await?;
    mou_from(&row, parties.remove(&id.to_string()).unwrap_or_default()).map(Some)
}

pub async fn insert_mou(
    tx: &mut Tx,
    tf: TaskForceId,
    id: MouId,
    input: &Valid<MouFields>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO mous (id, task_force_id, title, status, signed_on, effective_on, expires_on, summary,
                           version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(&input.title)
    .bind(input.status.code())
    .bind(date(input.signed_on))
    .bind(date(input.effective_on))
    .bind(date(input.expires_on))
    .bind(&input.summary)
    .bind(ts(now))
    .execute(tx.conn())
    .await?;
    replace_mou_parties(tx, tf, id, &input.parties).await
}

pub async fn update_mou(
    tx: &mut Tx,
    tf: TaskForceId,
    id: MouId,
    version: i64,
    input: &Valid<MouFields>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE mous SET title = $1, status = $2, signed_on = $3, effective_on = $4, expires_on = $5, summary = $6,
                version = version + 1, updated_at = $7
         WHERE task_force_id = $8 AND id = $9 AND version = $10",
    )
    .bind(&input.title)
    .bind(input.status.code())
    .bind(date(input.signed_on))
    .bind(date(input.effective_on))
    .bind(date(input.expires_on))
    .bind(&input.summary)
    .bind(ts(now))
    .bind(tf.to_string())
    .bind(id.to_string())
    .bind(version)
    .execute(tx.conn())
    .await?;
    check_updated(tx.conn(), done.rows_affected(), "mous", Some(tf), id.0).await?;
    replace_mou_parties(tx, tf, id, &input.parties).await
}

async fn replace_mou_parties(
    tx: &mut Tx,
    tf: TaskForceId,
    id: MouId,
    parties: &[OrganizationId],
) -> Result<()> {
    sqlx::query("DELETE FROM mou_parties WHERE task_force_id = $1 AND mou_id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    for party in parties {
        sqlx::query(
            "INSERT INTO mou_parties (task_force_id, mou_id, organization_id) VALUES ($1, $2, $3)",
        )
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(party.to_string())
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Funding awards

fn award_from(row: &AnyRow) -> Result<FundingAward> {
    Ok(FundingAward {
        id: AwardId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        funder: row.text("funder")?,
        award_number: row.text("award_number")?,
        recipient_id: OrganizationId(row.uuid("recipient_id")?),
        amount: row.int("amount")?,
        starts_on: row.date("starts_on")?,
        ends_on: row.date("ends_on")?,
        version: row.int("version")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

pub async fn awards(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<FundingAward>> {
    sqlx::query("SELECT * FROM funding_awards WHERE task_force_id = $1 ORDER BY starts_on DESC, award_number")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(award_from)
        .collect()
}

pub async fn award(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: AwardId,
) -> Result<Option<FundingAward>> {
    sqlx::query("SELECT * FROM funding_awards WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(award_from)
        .transpose()
}

pub async fn insert_award(
    tx: &mut Tx,
    tf: TaskForceId,
    id: AwardId,
    input: &Valid<FundingAwardFields>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO funding_awards (id, task_force_id, funder, award_number, recipient_id, amount, starts_on, ends_on,
                                     version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)",
    )
    .bind(id.to_string())
    .bind(tf.to_string())
    .bind(&input.funder)
    .bind(&input.award_number)
    .bind(input.recipient_id.to_string())
    .bind(input.amount)
    .bind(date(Some(input.starts_on)))
    .bind(date(Some(input.ends_on)))
    .bind(ts(now))
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "award_number"))?;
    Ok(())
}

pub async fn update_award(
    tx: &mut Tx,
    tf: TaskForceId,
    id: AwardId,
    version: i64,
    input: &Valid<FundingAwardFields>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE funding_awards SET funder = $1, award_number = $2, recipient_id = $3, amount = $4, starts_on = $5,
                ends_on = $6, version = version + 1, updated_at = $7
         WHERE task_force_id = $8 AND id = $9 AND version = $10",
    )
    .bind(&input.funder)
    .bind(&input.award_number)
    .bind(input.recipient_id.to_string())
    .bind(input.amount)
    .bind(date(Some(input.starts_on)))
    .bind(date(Some(input.ends_on)))
    .bind(ts(now))
    .bind(tf.to_string())
    .bind(id.to_string())
    .bind(version)
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "award_number"))?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "funding_awards",
        Some(tf),
        id.0,
    )
    .await
}

/// How many of each structure record a task force has, for its overview.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub regions: i64,
    pub organizations: i64,
    pub members: i64,
    pub mous: i64,
    pub awards: i64,
}

pub async fn counts(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Counts> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM regions WHERE task_force_id = $1) AS regions,
                (SELECT COUNT(*) FROM organizations WHERE task_force_id = $1) AS organizations,
                (SELECT COUNT(*) FROM members WHERE task_force_id = $1) AS members,
                (SELECT COUNT(*) FROM mous WHERE task_force_id = $1) AS mous,
                (SELECT COUNT(*) FROM funding_awards WHERE task_force_id = $1) AS awards",
    )
    .bind(tf.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(Counts {
        regions: row.int("regions")?,
        organizations: row.int("organizations")?,
        members: row.int("members")?,
        mous: row.int("mous")?,
        awards: row.int("awards")?,
    })
}
