//! Cases, persons and their parts. Every function is scoped by a [`TaskForceId`]; lists take a
//! [`Visibility`] and filter inside the query. Encrypted columns (`*_enc`) cross this layer as
//! the sealed text the app made; the store never sees their plaintext.

use crate::structure::check_updated;
use crate::values::{date, flag, ts, RowExt};
use crate::visibility::{visible, Columns, Query};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::access::{Label, Visibility};
use taskforce_domain::cases::*;
use taskforce_domain::structure::Valid;
use taskforce_domain::*;

fn partial(row: &AnyRow, column: &str) -> Result<Option<PartialDate>> {
    row.opt_text(column)?
        .map(|t| {
            PartialDate::parse(&t)
                .ok_or_else(|| StoreError::Corrupt(format!("{column}: {t:?} is not a date")))
        })
        .transpose()
}

fn list(text: String) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------------------
// Cases

/// A case as stored, with its sealed summary.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseRow {
    pub case: Case,
    pub summary_enc: String,
}

fn case_from(row: &AnyRow) -> Result<CaseRow> {
    Ok(CaseRow {
        case: Case {
            id: CaseId(row.uuid("id")?),
            task_force_id: TaskForceId(row.uuid("task_force_id")?),
            kind: row.code("kind", CaseKind::from_code)?,
            reference: row.text("reference")?,
            title: row.text("title")?,
            owner_organization_id: OrganizationId(row.uuid("owner_organization_id")?),
            label: row.code("label", Label::from_code)?,
            status: row.code("status", CaseStatus::from_code)?,
            trafficking_type: row.code("trafficking_type", TraffickingType::from_code)?,
            typology: row.opt_int("typology")?.and_then(|n| u8::try_from(n).ok()),
            naics: row.text("naics")?,
            county_fips: row.text("county_fips")?,
            minors_involved: row.flag("minors_involved")?,
            summary: String::new(),
            lead_member_id: row.opt_uuid("lead_member_id")?.map(MemberId),
            opened_on: row.date("opened_on")?,
            closed_on: row.opt_date("closed_on")?,
            recruitment_place: row.text("recruitment_place")?,
            recruitment_on: partial(row, "recruitment_on")?,
            transit_place: row.text("transit_place")?,
            exploitation_place: row.text("exploitation_place")?,
            exploitation_from: partial(row, "exploitation_from")?,
            exploitation_to: partial(row, "exploitation_to")?,
            version: row.int("version")?,
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
        },
        summary_enc: row.text("summary_enc")?,
    })
}

/// The next reference number for `prefix` (`INV-2026`): `INV-2026-0001`, …
pub async fn next_reference(tx: &mut Tx, tf: TaskForceId, prefix: &str) -> Result<String> {
    let n = sqlx::query("INSERT INTO case_counters (task_force_id, prefix, last) VALUES ($1, $2, 1) ON CONFLICT (task_force_id, prefix) DO UPDATE SET last = case_counters.last + 1 RETURNING last")
        .bind(tf.to_string())
        .bind(prefix)
        .fetch_one(tx.conn())
        .await?
        .int("last")?;
    Ok(format!("{prefix}-{n:04}"))
}

pub struct NewCase<'a> {
    pub id: CaseId,
    pub reference: &'a str,
    pub owner: OrganizationId,
    pub fields: &'a Valid<CaseFields>,
    pub summary_enc: &'a str,
    pub created_by: Option<MemberId>,
}

pub async fn insert_case(
    tx: &mut Tx,
    tf: TaskForceId,
    new: &NewCase<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let f = new.fields;
    sqlx::query("INSERT INTO cases (id, task_force_id, kind, reference, title, owner_organization_id, label, status, trafficking_type, typology, naics, county_fips, minors_involved, summary_enc, lead_member_id, opened_on, closed_on, recruitment_place, recruitment_on, transit_place, exploitation_place, exploitation_from, exploitation_to, created_by, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, 1, $25, $25)")
        .bind(new.id.to_string())
        .bind(tf.to_string())
        .bind(f.kind.code())
        .bind(new.reference)
        .bind(&f.title)
        .bind(new.owner.to_string())
        .bind(f.label.code())
        .bind(f.status.code())
        .bind(f.trafficking_type.code())
        .bind(f.typology.map(i64::from))
        .bind(&f.naics)
        .bind(&f.county_fips)
        .bind(flag(f.minors_involved))
        .bind(new.summary_enc)
        .bind(f.lead_member_id.map(|m| m.to_string()))
        .bind(day(f.opened_on))
        .bind(date(f.closed_on))
        .bind(&f.recruitment_place)
        .bind(f.recruitment_on.map(|d| d.to_string()))
        .bind(&f.transit_place)
        .bind(&f.exploitation_place)
        .bind(f.exploitation_from.map(|d| d.to_string()))
        .bind(f.exploitation_to.map(|d| d.to_string()))
        .bind(new.created_by.map(|m| m.to_string()))
        .bind(ts(now))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Updates a case if it is still at `version`; its kind and holder never change.
pub async fn update_case(
    tx: &mut Tx,
    tf: TaskForceId,
    id: CaseId,
    version: i64,
    f: &Valid<CaseFields>,
    summary_enc: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let rows = sqlx::query("UPDATE cases SET title = $1, label = $2, status = $3, trafficking_type = $4, typology = $5, naics = $6, county_fips = $7, minors_involved = $8, summary_enc = $9, lead_member_id = $10, opened_on = $11, closed_on = $12, recruitment_place = $13, recruitment_on = $14, transit_place = $15, exploitation_place = $16, exploitation_from = $17, exploitation_to = $18, version = version + 1, updated_at = $19 WHERE task_force_id = $20 AND id = $21 AND version = $22")
        .bind(&f.title)
        .bind(f.label.code())
        .bind(f.status.code())
        .bind(f.trafficking_type.code())
        .bind(f.typology.map(i64::from))
        .bind(&f.naics)
        .bind(&f.county_fips)
        .bind(flag(f.minors_involved))
        .bind(summary_enc)
        .bind(f.lead_member_id.map(|m| m.to_string()))
        .bind(day(f.opened_on))
        .bind(date(f.closed_on))
        .bind(&f.recruitment_place)
        .bind(f.recruitment_on.map(|d| d.to_string()))
        .bind(&f.transit_place)
        .bind(&f.exploitation_place)
        .bind(f.exploitation_from.map(|d| d.to_string()))
        .bind(f.exploitation_to.map(|d| d.to_string()))
        .bind(ts(now))
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(version)
        .execute(tx.conn())
        .await?
        .rows_affected();
    check_updated(tx.conn(), rows, "cases", Some(tf), id.0).await
}

pub async fn case(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: CaseId,
) -> Result<Option<CaseRow>> {
    sqlx::query("SELECT * FROM cases WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(case_from)
        .transpose()
}

/// The id of the case with this reference, if any (for linking by a reference a partner gave).
pub async fn case_by_reference(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    reference: &str,
) -> Result<Option<CaseId>> {
    sqlx::query("SELECT id FROM cases WHERE task_force_id = $1 AND reference = $2")
        .bind(tf.to_string())
        .bind(reference.to_uppercase())
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| row.uuid("id").map(CaseId))
        .transpose()
}

#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub kind: Option<CaseKind>,
    pub status: Option<CaseStatus>,
    pub trafficking_type: Option<TraffickingType>,
    pub organization: Option<OrganizationId>,
    /// Cases whose reference or title contains this text.
    pub text: Option<String>,
}

/// The cases `v` may see, newest first, a page at a time, with the total.
pub async fn list_cases(
    conn: &mut AnyConnection,
    v: &Visibility,
    filter: &CaseFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CaseSummary>, i64)> {
    let mut q = Query::default();
    let visible = visible(
        &mut q,
        v,
        &Columns {
            task_force: "c.task_force_id",
            kind: "c.kind",
            owner: "c.owner_organization_id",
            label: "c.label",
            case: "c.id",
            category: "(CASE WHEN c.kind = 'service_case' THEN 'services' END)",
            person: "NULL",
        },
    );
    let mut filters = String::new();
    if let Some(kind) = filter.kind {
        filters.push_str(&format!(" AND c.kind = {}", q.bind(kind.code())));
    }
    if let Some(status) = filter.status {
        filters.push_str(&format!(" AND c.status = {}", q.bind(status.code())));
    }
    if let Some(t) = filter.trafficking_type {
        filters.push_str(&format!(" AND c.trafficking_type = {}", q.bind(t.code())));
    }
    if let Some(org) = filter.organization {
        filters.push_str(&format!(
            " AND c.owner_organization_id = {}",
            q.bind(org.to_string())
        ));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let pattern = format!(
            "%{}%",
            text.trim().to_lowercase().replace(['\\', '%', '_'], "")
        );
        let p = q.bind(pattern);
        filters.push_str(&format!(
            " AND (LOWER(c.reference) LIKE {p} OR LOWER(c.title) LIKE {p})"
        ));
    }
    let from_where = format!(
        " FROM cases c JOIN organizations o ON o.task_force_id = c.task_force_id AND o.id = c.owner_organization_id WHERE {visible}{filters}"
    );
    q.sql = format!("SELECT COUNT(*) AS n{from_where}");
    let total = q.build().fetch_one(&mut *conn).await?.int("n")?;
    q.sql = format!(
        "SELECT c.id, c.kind, c.reference, c.title, c.owner_organization_id, o.name AS owner_name, c.label, c.status, c.trafficking_type, c.opened_on{from_where} ORDER BY c.opened_on DESC, c.id DESC LIMIT {} OFFSET {}",
        limit.clamp(1, 500),
        offset.max(0)
    );
    let rows = q.build().fetch_all(&mut *conn).await?;
    let cases = rows
        .iter()
        .map(|row| {
            Ok(CaseSummary {
                id: CaseId(row.uuid("id")?),
                kind: row.code("kind", CaseKind::from_code)?,
                reference: row.text("reference")?,
                title: row.text("title")?,
                owner_organization_id: OrganizationId(row.uuid("owner_organization_id")?),
                owner_organization_name: row.text("owner_name")?,
                label: row.code("label", Label::from_code)?,
                status: row.code("status", CaseStatus::from_code)?,
                trafficking_type: row.code("trafficking_type", TraffickingType::from_code)?,
                opened_on: row.date("opened_on")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((cases, total))
}

// -- team ---------------------------------------------------------------------------------------

pub async fn team(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<TeamGrant>> {
    sqlx::query(
        "SELECT * FROM case_team WHERE task_force_id = $1 AND case_id = $2 ORDER BY granted_at, id",
    )
    .bind(tf.to_string())
    .bind(case.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(TeamGrant {
            id: GrantId(row.uuid("id")?),
            organization_id: row.opt_uuid("organization_id")?.map(OrganizationId),
            member_id: row.opt_uuid("member_id")?.map(MemberId),
            until: row.opt_date("until")?,
            granted_by: MemberId(row.uuid("granted_by")?),
            granted_at: row.time("granted_at")?,
        })
    })
    .collect()
}

pub async fn insert_grant(
    tx: &mut Tx,
    tf: TaskForceId,
    case: CaseId,
    grant: &TeamGrant,
) -> Result<()> {
    sqlx::query("INSERT INTO case_team (id, task_force_id, case_id, organization_id, member_id, until, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(grant.id.to_string())
        .bind(tf.to_string())
        .bind(case.to_string())
        .bind(grant.organization_id.map(|o| o.to_string()))
        .bind(grant.member_id.map(|m| m.to_string()))
        .bind(date(grant.until))
        .bind(grant.granted_by.to_string())
        .bind(ts(grant.granted_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn delete_grant(tx: &mut Tx, tf: TaskForceId, case: CaseId, id: GrantId) -> Result<()> {
    let rows =
        sqlx::query("DELETE FROM case_team WHERE task_force_id = $1 AND case_id = $2 AND id = $3")
            .bind(tf.to_string())
            .bind(case.to_string())
            .bind(id.to_string())
            .execute(tx.conn())
            .await?
            .rows_affected();
    if rows == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// -- links --------------------------------------------------------------------------------------

pub async fn insert_link(
    tx: &mut Tx,
    tf: TaskForceId,
    a: CaseId,
    b: CaseId,
    by: MemberId,
    now: DateTime<Utc>,
) -> Result<()> {
    let (a, b) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    sqlx::query("INSERT INTO case_links (task_force_id, case_a, case_b, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(tf.to_string())
        .bind(a.to_string())
        .bind(b.to_string())
        .bind(by.to_string())
        .bind(ts(now))
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique(e, "other_case_id"))?;
    Ok(())
}

/// The cases linked to `case`, as stored rows (the app decides what each reader sees of them).
pub async fn linked_cases(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<(CaseLink, CaseRow)>> {
    let rows = sqlx::query("SELECT c.*, l.linked_by, l.linked_at FROM case_links l JOIN cases c ON c.task_force_id = l.task_force_id AND c.id = CASE WHEN l.case_a = $2 THEN l.case_b ELSE l.case_a END WHERE l.task_force_id = $1 AND (l.case_a = $2 OR l.case_b = $2) ORDER BY c.opened_on, c.id")
        .bind(tf.to_string())
        .bind(case.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let other = case_from(row)?;
            Ok((
                CaseLink {
                    case_id: case,
                    other_case_id: other.case.id,
                    linked_by: MemberId(row.uuid("linked_by")?),
                    linked_at: row.time("linked_at")?,
                },
                other,
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Persons

pub(crate) fn person_from(row: &AnyRow) -> Result<Person> {
    Ok(Person {
        id: PersonId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        owner_organization_id: OrganizationId(row.uuid("owner_organization_id")?),
        label: row.code("label", Label::from_code)?,
        given_name: row.text("given_name")?,
        family_name: row.text("family_name")?,
        date_of_birth: partial(row, "date_of_birth")?,
        sex: row.code("sex", Sex::from_code)?,
        gender: row.code("gender", Gender::from_code)?,
        nationality: list(row.text("nationality")?),
        languages: list(row.text("languages")?),
        trafficking_status: row
            .opt_text("trafficking_status")?
            .and_then(|c| TraffickingStatus::from_code(&c)),
        recruitment: list(row.text("recruitment")?),
        means_of_control: list(row.text("means_of_control")?),
        exploitation_types: list(row.text("exploitation_types")?),
        exploitation_naics: row.text("exploitation_naics")?,
        vulnerabilities: list(row.text("vulnerabilities")?),
        perpetrator_role: row
            .opt_text("perpetrator_role")?
            .and_then(|c| PerpetratorRole::from_code(&c)),
        version: row.int("version")?,
        created_at: row.time("created_at")?,
        updated_at: row.time("updated_at")?,
    })
}

/// A person and the case that holds them (whose label and team they share).
#[derive(Clone, Debug, PartialEq)]
pub struct PersonRow {
    pub person: Person,
    pub home_case_id: CaseId,
}

pub async fn insert_person(
    tx: &mut Tx,
    tf: TaskForceId,
    id: PersonId,
    home_case: &Case,
    f: &Valid<PersonFields>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("INSERT INTO persons (id, task_force_id, owner_organization_id, label, home_case_id, given_name, family_name, date_of_birth, sex, gender, nationality, languages, trafficking_status, recruitment, means_of_control, exploitation_types, exploitation_naics, vulnerabilities, perpetrator_role, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1, $20, $20)")
        .bind(id.to_string())
        .bind(tf.to_string())
        .bind(home_case.owner_organization_id.to_string())
        .bind(home_case.label.code())
        .bind(home_case.id.to_string())
        .bind(&f.given_name)
        .bind(&f.family_name)
        .bind(f.date_of_birth.map(|d| d.to_string()))
        .bind(f.sex.code())
        .bind(f.gender.code())
        .bind(f.nationality.join(","))
        .bind(f.languages.join(","))
        .bind(f.trafficking_status.map(|s| s.code()))
        .bind(f.recruitment.join(","))
        .bind(f.means_of_control.join(","))
        .bind(f.exploitation_types.join(","))
        .bind(&f.exploitation_naics)
        .bind(f.vulnerabilities.join(","))
        .bind(f.perpetrator_role.map(|r| r.code()))
        .bind(ts(now))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn update_person(
    tx: &mut Tx,
    tf: TaskForceId,
    id: PersonId,
    version: i64,
    f: &Valid<PersonFields>,
    now: DateTime<Utc>,
) -> Result<()> {
    let rows = sqlx::query("UPDATE persons SET given_name = $1, family_name = $2, date_of_birth = $3, sex = $4, gender = $5, nationality = $6, languages = $7, trafficking_status = $8, recruitment = $9, means_of_control = $10, exploitation_types = $11, exploitation_naics = $12, vulnerabilities = $13, perpetrator_role = $14, version = version + 1, updated_at = $15 WHERE task_force_id = $16 AND id = $17 AND version = $18")
        .bind(&f.given_name)
        .bind(&f.family_name)
        .bind(f.date_of_birth.map(|d| d.to_string()))
        .bind(f.sex.code())
        .bind(f.gender.code())
        .bind(f.nationality.join(","))
        .bind(f.languages.join(","))
        .bind(f.trafficking_status.map(|s| s.code()))
        .bind(f.recruitment.join(","))
        .bind(f.means_of_control.join(","))
        .bind(f.exploitation_types.join(","))
        .bind(&f.exploitation_naics)
        .bind(f.vulnerabilities.join(","))
        .bind(f.perpetrator_role.map(|r| r.code()))
        .bind(ts(now))
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(version)
        .execute(tx.conn())
        .await?
        .rows_affected();
    check_updated(tx.conn(), rows, "persons", Some(tf), id.0).await
}

pub async fn person(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: PersonId,
) -> Result<Option<PersonRow>> {
    sqlx::query("SELECT * FROM persons WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(|row| {
            Ok(PersonRow {
                person: person_from(row)?,
                home_case_id: CaseId(row.uuid("home_case_id")?),
            })
        })
        .transpose()
}

pub async fn add_case_person(
    tx: &mut Tx,
    tf: TaskForceId,
    case: CaseId,
    person: PersonId,
    role: PersonRole,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("INSERT INTO case_persons (task_force_id, case_id, person_id, role, added_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(tf.to_string())
        .bind(case.to_string())
        .bind(person.to_string())
        .bind(role.code())
        .bind(ts(now))
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique(e, "person_id"))?;
    Ok(())
}

/// The ids of the people on a case.
pub async fn case_person_ids(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<PersonId>> {
    sqlx::query("SELECT person_id FROM case_persons WHERE task_force_id = $1 AND case_id = $2 ORDER BY person_id")
        .bind(tf.to_string())
        .bind(case.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok(PersonId(row.uuid("person_id")?)))
        .collect()
}

/// The investigations a person is on (their home case first if it is one, then in the order
/// they were added): each holding agency checks them in target deconfliction.
pub async fn investigations_of_person(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
) -> Result<Vec<Case>> {
    sqlx::query("SELECT c.* FROM case_persons cp JOIN cases c ON c.task_force_id = cp.task_force_id AND c.id = cp.case_id JOIN persons p ON p.task_force_id = cp.task_force_id AND p.id = cp.person_id WHERE cp.task_force_id = $1 AND cp.person_id = $2 AND c.kind = 'investigation' ORDER BY CASE WHEN c.id = p.home_case_id THEN 0 ELSE 1 END, cp.added_at, c.id")
        .bind(tf.to_string())
        .bind(person.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok(case_from(row)?.case))
        .collect()
}

/// Removes one identifier of a person and answers it; `None` when the person has no such
/// identifier.
pub async fn delete_identifier(
    tx: &mut Tx,
    tf: TaskForceId,
    person: PersonId,
    id: IdentifierId,
) -> Result<Option<Identifier>> {
    let found = identifiers(tx.conn(), tf, person)
        .await?
        .into_iter()
        .find(|i| i.id == id);
    if found.is_some() {
        sqlx::query(
            "DELETE FROM person_identifiers WHERE task_force_id = $1 AND person_id = $2 AND id = $3",
        )
        .bind(tf.to_string())
        .bind(person.to_string())
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    }
    Ok(found)
}

/// The people on a case with their parts, and each person's home case.
pub async fn case_persons(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<(CasePerson, PersonRow)>> {
    sqlx::query("SELECT p.*, cp.role, cp.added_at FROM case_persons cp JOIN persons p ON p.task_force_id = cp.task_force_id AND p.id = cp.person_id WHERE cp.task_force_id = $1 AND cp.case_id = $2 ORDER BY cp.added_at, p.id")
        .bind(tf.to_string())
        .bind(case.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            let person = person_from(row)?;
            Ok((
                CasePerson {
                    case_id: case,
                    person_id: person.id,
                    role: row.code("role", PersonRole::from_code)?,
                    added_at: row.time("added_at")?,
                },
                PersonRow {
                    person,
                    home_case_id: CaseId(row.uuid("home_case_id")?),
                },
            ))
        })
        .collect()
}

pub async fn insert_identifier(
    tx: &mut Tx,
    tf: TaskForceId,
    identifier: &Identifier,
) -> Result<()> {
    sqlx::query("INSERT INTO person_identifiers (id, task_force_id, person_id, kind, value, normalized, entered_by, entered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(identifier.id.to_string())
        .bind(tf.to_string())
        .bind(identifier.person_id.to_string())
        .bind(identifier.kind.code())
        .bind(&identifier.value)
        .bind(&identifier.normalized)
        .bind(identifier.entered_by.to_string())
        .bind(ts(identifier.entered_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn identifiers(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
) -> Result<Vec<Identifier>> {
    sqlx::query("SELECT * FROM person_identifiers WHERE task_force_id = $1 AND person_id = $2 ORDER BY kind, entered_at, id")
        .bind(tf.to_string())
        .bind(person.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(Identifier {
                id: IdentifierId(row.uuid("id")?),
                person_id: person,
                kind: row.code("kind", IdentifierKind::from_code)?,
                value: row.text("value")?,
                normalized: row.text("normalized")?,
                entered_by: MemberId(row.uuid("entered_by")?),
                entered_at: row.time("entered_at")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Notes, tasks, timeline, attachments

/// A note as stored: its body sealed.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteRow {
    pub note: Note,
    pub body_enc: String,
}

pub async fn insert_note(tx: &mut Tx, tf: TaskForceId, note: &Note, body_enc: &str) -> Result<()> {
    sqlx::query("INSERT INTO case_notes (id, task_force_id, case_id, label, body_enc, author_member_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(note.id.to_string())
        .bind(tf.to_string())
        .bind(note.case_id.to_string())
        .bind(note.label.code())
        .bind(body_enc)
        .bind(note.author_member_id.to_string())
        .bind(ts(note.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

const NOTE_SELECT: &str = "SELECT n.*, m.name AS author_name FROM case_notes n JOIN members m ON m.task_force_id = n.task_force_id AND m.id = n.author_member_id";

fn note_from(row: &AnyRow) -> Result<NoteRow> {
    Ok(NoteRow {
        note: Note {
            id: NoteId(row.uuid("id")?),
            case_id: CaseId(row.uuid("case_id")?),
            label: row.code("label", Label::from_code)?,
            body: String::new(),
            author_member_id: MemberId(row.uuid("author_member_id")?),
            author_name: row.text("author_name")?,
            created_at: row.time("created_at")?,
        },
        body_enc: row.text("body_enc")?,
    })
}

/// A case's notes, newest first, sealed.
pub async fn notes(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<NoteRow>> {
    sqlx::query(&format!(
        "{NOTE_SELECT} WHERE n.task_force_id = $1 AND n.case_id = $2 ORDER BY n.created_at DESC, n.id DESC"
    ))
    .bind(tf.to_string())
    .bind(case.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(note_from)
    .collect()
}

/// One note, sealed (a search hit).
pub async fn note(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: NoteId,
) -> Result<Option<NoteRow>> {
    sqlx::query(&format!(
        "{NOTE_SELECT} WHERE n.task_force_id = $1 AND n.id = $2"
    ))
    .bind(tf.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(note_from)
    .transpose()
}

pub async fn insert_task(tx: &mut Tx, tf: TaskForceId, task: &CaseTask) -> Result<()> {
    sqlx::query("INSERT INTO case_tasks (id, task_force_id, case_id, title, due_on, assignee_member_id, status, version, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)")
        .bind(task.id.to_string())
        .bind(tf.to_string())
        .bind(task.case_id.to_string())
        .bind(&task.title)
        .bind(date(task.due_on))
        .bind(task.assignee_member_id.map(|m| m.to_string()))
        .bind(task.status.code())
        .bind(ts(task.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn update_task(tx: &mut Tx, tf: TaskForceId, task: &CaseTask) -> Result<()> {
    let rows = sqlx::query("UPDATE case_tasks SET title = $1, due_on = $2, assignee_member_id = $3, status = $4, version = version + 1 WHERE task_force_id = $5 AND case_id = $6 AND id = $7 AND version = $8")
        .bind(&task.title)
        .bind(date(task.due_on))
        .bind(task.assignee_member_id.map(|m| m.to_string()))
        .bind(task.status.code())
        .bind(tf.to_string())
        .bind(task.case_id.to_string())
        .bind(task.id.to_string())
        .bind(task.version)
        .execute(tx.conn())
        .await?
        .rows_affected();
    check_updated(tx.conn(), rows, "case_tasks", Some(tf), task.id.0).await
}

fn task_from(row: &AnyRow) -> Result<CaseTask> {
    Ok(CaseTask {
        id: CaseTaskId(row.uuid("id")?),
        case_id: CaseId(row.uuid("case_id")?),
        title: row.text("title")?,
        due_on: row.opt_date("due_on")?,
        assignee_member_id: row.opt_uuid("assignee_member_id")?.map(MemberId),
        status: row.code("status", TaskStatus::from_code)?,
        version: row.int("version")?,
        created_at: row.time("created_at")?,
    })
}

pub async fn tasks(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<CaseTask>> {
    sqlx::query("SELECT * FROM case_tasks WHERE task_force_id = $1 AND case_id = $2 ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, due_on, created_at, id")
        .bind(tf.to_string())
        .bind(case.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(task_from)
        .collect()
}

pub async fn task(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: CaseTaskId,
) -> Result<Option<CaseTask>> {
    sqlx::query("SELECT * FROM case_tasks WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(task_from)
        .transpose()
}

pub async fn insert_timeline(tx: &mut Tx, tf: TaskForceId, entry: &TimelineEntry) -> Result<()> {
    sqlx::query("INSERT INTO case_timeline (id, task_force_id, case_id, occurred_on, description, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(entry.id.to_string())
        .bind(tf.to_string())
        .bind(entry.case_id.to_string())
        .bind(day(entry.occurred_on))
        .bind(&entry.description)
        .bind(entry.recorded_by.map(|m| m.to_string()))
        .bind(ts(entry.recorded_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn timeline(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<TimelineEntry>> {
    sqlx::query("SELECT * FROM case_timeline WHERE task_force_id = $1 AND case_id = $2 ORDER BY occurred_on DESC, recorded_at DESC, id")
        .bind(tf.to_string())
        .bind(case.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(TimelineEntry {
                id: TimelineEntryId(row.uuid("id")?),
                case_id: case,
                occurred_on: row.date("occurred_on")?,
                description: row.text("description")?,
                recorded_by: row.opt_uuid("recorded_by")?.map(MemberId),
                recorded_at: row.time("recorded_at")?,
            })
        })
        .collect()
}

fn attachment_from(row: &AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        id: AttachmentId(row.uuid("id")?),
        case_id: CaseId(row.uuid("case_id")?),
        label: row.code("label", Label::from_code)?,
        file_name: row.text("file_name")?,
        media_type: row.text("media_type")?,
        size_bytes: row.int("size_bytes")?,
        sha256: row.text("sha256")?,
        uploaded_by: MemberId(row.uuid("uploaded_by")?),
        uploaded_at: row.time("uploaded_at")?,
    })
}

pub async fn insert_attachment(
    tx: &mut Tx,
    tf: TaskForceId,
    a: &Attachment,
    content_enc: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO attachments (id, task_force_id, case_id, label, file_name, media_type, size_bytes, sha256, content_enc, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(a.id.to_string())
        .bind(tf.to_string())
        .bind(a.case_id.to_string())
        .bind(a.label.code())
        .bind(&a.file_name)
        .bind(&a.media_type)
        .bind(a.size_bytes)
        .bind(&a.sha256)
        .bind(content_enc)
        .bind(a.uploaded_by.to_string())
        .bind(ts(a.uploaded_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn attachments(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<Attachment>> {
    sqlx::query("SELECT id, case_id, label, file_name, media_type, size_bytes, sha256, uploaded_by, uploaded_at FROM attachments WHERE task_force_id = $1 AND case_id = $2 ORDER BY uploaded_at DESC, id")
        .bind(tf.to_string())
        .bind(case.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(attachment_from)
        .collect()
}

/// One attachment with its sealed content.
pub async fn attachment(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: AttachmentId,
) -> Result<Option<(Attachment, String)>> {
    sqlx::query("SELECT * FROM attachments WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(|row| Ok((attachment_from(row)?, row.text("content_enc")?)))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// Prosecution and relief

pub async fn insert_charge(tx: &mut Tx, tf: TaskForceId, c: &Charge) -> Result<()> {
    sqlx::query("INSERT INTO charges (id, task_force_id, case_id, defendant_person_id, statute, counts, stage, stage_on, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)")
        .bind(c.id.to_string())
        .bind(tf.to_string())
        .bind(c.case_id.to_string())
        .bind(c.defendant_person_id.to_string())
        .bind(&c.statute)
        .bind(c.counts)
        .bind(c.stage.code())
        .bind(day(c.stage_on))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn update_charge(tx: &mut Tx, tf: TaskForceId, c: &Charge) -> Result<()> {
    let rows = sqlx::query("UPDATE charges SET statute = $1, counts = $2, stage = $3, stage_on = $4, version = version + 1 WHERE task_force_id = $5 AND case_id = $6 AND id = $7 AND version = $8")
        .bind(&c.statute)
        .bind(c.counts)
        .bind(c.stage.code())
        .bind(day(c.stage_on))
        .bind(tf.to_string())
        .bind(c.case_id.to_string())
        .bind(c.id.to_string())
        .bind(c.version)
        .execute(tx.conn())
        .await?
        .rows_affected();
    check_updated(tx.conn(), rows, "charges", Some(tf), c.id.0).await
}

pub async fn charges(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<Charge>> {
    sqlx::query(
        "SELECT * FROM charges WHERE task_force_id = $1 AND case_id = $2 ORDER BY stage_on, id",
    )
    .bind(tf.to_string())
    .bind(case.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Charge {
            id: ChargeId(row.uuid("id")?),
            case_id: case,
            defendant_person_id: PersonId(row.uuid("defendant_person_id")?),
            statute: row.text("statute")?,
            counts: row.int("counts")?,
            stage: row.code("stage", ChargeStage::from_code)?,
            stage_on: row.date("stage_on")?,
            version: row.int("version")?,
        })
    })
    .collect()
}

pub async fn insert_court_event(tx: &mut Tx, tf: TaskForceId, e: &CourtEvent) -> Result<()> {
    sqlx::query("INSERT INTO court_events (id, task_force_id, case_id, kind, on_date, court, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(e.id.to_string())
        .bind(tf.to_string())
        .bind(e.case_id.to_string())
        .bind(e.kind.code())
        .bind(day(e.on))
        .bind(&e.court)
        .bind(&e.outcome)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn court_events(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<CourtEvent>> {
    sqlx::query(
        "SELECT * FROM court_events WHERE task_force_id = $1 AND case_id = $2 ORDER BY on_date, id",
    )
    .bind(tf.to_string())
    .bind(case.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(CourtEvent {
            id: CourtEventId(row.uuid("id")?),
            case_id: case,
            kind: row.code("kind", CourtEventKind::from_code)?,
            on: row.date("on_date")?,
            court: row.text("court")?,
            outcome: row.text("outcome")?,
        })
    })
    .collect()
}

pub async fn insert_sentence(tx: &mut Tx, tf: TaskForceId, s: &Sentence) -> Result<()> {
    sqlx::query("INSERT INTO sentences (id, task_force_id, case_id, defendant_person_id, imposed_on, custody_months, supervised_release_months, restitution_cents, fine_cents, notes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(s.id.to_string())
        .bind(tf.to_string())
        .bind(s.case_id.to_string())
        .bind(s.defendant_person_id.to_string())
        .bind(day(s.imposed_on))
        .bind(s.custody_months)
        .bind(s.supervised_release_months)
        .bind(s.restitution_cents)
        .bind(s.fine_cents)
        .bind(&s.notes)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn sentences(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<Sentence>> {
    sqlx::query(
        "SELECT * FROM sentences WHERE task_force_id = $1 AND case_id = $2 ORDER BY imposed_on, id",
    )
    .bind(tf.to_string())
    .bind(case.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Sentence {
            id: SentenceId(row.uuid("id")?),
            case_id: case,
            defendant_person_id: PersonId(row.uuid("defendant_person_id")?),
            imposed_on: row.date("imposed_on")?,
            custody_months: row.int("custody_months")?,
            supervised_release_months: row.int("supervised_release_months")?,
            restitution_cents: row.int("restitution_cents")?,
            fine_cents: row.int("fine_cents")?,
            notes: row.text("notes")?,
        })
    })
    .collect()
}

pub async fn insert_relief(tx: &mut Tx, tf: TaskForceId, r: &ReliefRequest) -> Result<()> {
    sqlx::query("INSERT INTO relief_requests (id, task_force_id, case_id, person_id, kind, requested_on, decided_on, outcome, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)")
        .bind(r.id.to_string())
        .bind(tf.to_string())
        .bind(r.case_id.to_string())
        .bind(r.person_id.to_string())
        .bind(r.kind.code())
        .bind(day(r.requested_on))
        .bind(date(r.decided_on))
        .bind(r.outcome.code())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn relief_requests(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    case: CaseId,
) -> Result<Vec<ReliefRequest>> {
    sqlx::query("SELECT * FROM relief_requests WHERE task_force_id = $1 AND case_id = $2 ORDER BY requested_on, id")
        .bind(tf.to_string())
        .bind(case.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(ReliefRequest {
                id: ReliefId(row.uuid("id")?),
                case_id: case,
                person_id: PersonId(row.uuid("person_id")?),
                kind: row.code("kind", ReliefKind::from_code)?,
                requested_on: row.date("requested_on")?,
                decided_on: row.opt_date("decided_on")?,
                outcome: row.code("outcome", ReliefOutcome::from_code)?,
                version: row.int("version")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reference lists

/// The task force's typology: the defaults with its renames, and whether each is in use.
pub async fn typology(
    conn: &mut AnyConnection,
    tf: TaskForceId,
) -> Result<Vec<(u8, String, bool)>> {
    let changes =
        sqlx::query("SELECT number, name, active FROM case_typology WHERE task_force_id = $1")
            .bind(tf.to_string())
            .fetch_all(&mut *conn)
            .await?;
    let mut out: Vec<(u8, String, bool)> = DEFAULT_TYPOLOGY
        .iter()
        .map(|(n, name)| (*n, (*name).to_owned(), true))
        .collect();
    for row in changes {
        let number = u8::try_from(row.int("number")?).unwrap_or(0);
        let entry = (number, row.text("name")?, row.flag("active")?);
        match out.iter_mut().find(|(n, _, _)| *n == number) {
            Some(existing) => *existing = entry,
            None => out.push(entry),
        }
    }
    out.sort_by_key(|(n, _, _)| *n);
    Ok(out)
}

pub async fn set_typology(
    tx: &mut Tx,
    tf: TaskForceId,
    number: u8,
    name: &str,
    active: bool,
) -> Result<()> {
    sqlx::query("DELETE FROM case_typology WHERE task_force_id = $1 AND number = $2")
        .bind(tf.to_string())
        .bind(i64::from(number))
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO case_typology (task_force_id, number, name, active) VALUES ($1, $2, $3, $4)",
    )
    .bind(tf.to_string())
    .bind(i64::from(number))
    .bind(name)
    .bind(flag(active))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Federal statutes, then the task force's own, as (citation, title).
pub async fn statutes(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = FEDERAL_STATUTES
        .iter()
        .map(|(c, t)| ((*c).to_owned(), (*t).to_owned()))
        .collect();
    for row in sqlx::query(
        "SELECT citation, title FROM case_statutes WHERE task_force_id = $1 ORDER BY citation",
    )
    .bind(tf.to_string())
    .fetch_all(&mut *conn)
    .await?
    {
        out.push((row.text("citation")?, row.text("title")?));
    }
    Ok(out)
}

pub async fn insert_statute(
    tx: &mut Tx,
    tf: TaskForceId,
    citation: &str,
    title: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO case_statutes (task_force_id, citation, title, trafficking) VALUES ($1, $2, $3, 1)")
        .bind(tf.to_string())
        .bind(citation)
        .bind(title)
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique(e, "citation"))?;
    Ok(())
}
