//! Services and service plans, the shared interview record and case reviews (issue 5, parts
//! 4-6). Sealed columns (`*_enc`) cross this layer as opaque text; the app seals and unseals.

use crate::structure::check_updated;
use crate::values::{date, flag, opt_ts, ts, RowExt};
use crate::{Result, StoreError, Tx};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::access::Label;
use taskforce_domain::services::*;
use taskforce_domain::*;

fn label(row: &AnyRow) -> Result<Label> {
    row.code("label", Label::from_code)
}

// -- categories -----------------------------------------------------------------------------

/// The task force's service categories: the defaults with its own changes, then its additions.
pub async fn categories(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<ServiceCategory>> {
    let rows = sqlx::query(
        "SELECT code, words, active FROM service_categories WHERE task_force_id = $1 ORDER BY code",
    )
    .bind(tf.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<ServiceCategory> = SERVICE_CATEGORIES
        .iter()
        .map(|(code, words)| ServiceCategory {
            code: (*code).to_owned(),
            words: (*words).to_owned(),
            active: true,
        })
        .collect();
    for row in rows {
        let entry = ServiceCategory {
            code: row.text("code")?,
            words: row.text("words")?,
            active: row.flag("active")?,
        };
        match out.iter_mut().find(|c| c.code == entry.code) {
            Some(existing) => *existing = entry,
            None => out.push(entry),
        }
    }
    Ok(out)
}

pub async fn set_category(tx: &mut Tx, tf: TaskForceId, category: &ServiceCategory) -> Result<()> {
    sqlx::query("DELETE FROM service_categories WHERE task_force_id = $1 AND code = $2")
        .bind(tf.to_string())
        .bind(&category.code)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO service_categories (task_force_id, code, words, active) VALUES ($1, $2, $3, $4)",
    )
    .bind(tf.to_string())
    .bind(&category.code)
    .bind(&category.words)
    .bind(flag(category.active))
    .execute(tx.conn())
    .await?;
    Ok(())
}

// -- services and goals ---------------------------------------------------------------------

fn service_of(row: &AnyRow) -> Result<Service> {
    Ok(Service {
        id: ServiceId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        person_id: PersonId(row.uuid("person_id")?),
        holder_organization_id: OrganizationId(row.uuid("holder_organization_id")?),
        label: label(row)?,
        category: row.text("category")?,
        started_on: row.date("started_on")?,
        ended_on: row.opt_date("ended_on")?,
        provider: row.text("provider")?,
        units: row.opt_int("units")?,
        unit: row.text("unit")?,
        amount_cents: row.opt_int("amount_cents")?,
        outcome: row.code("outcome", ServiceOutcome::from_code)?,
        recorded_by: MemberId(row.uuid("recorded_by")?),
        created_at: row.time("created_at")?,
        version: row.int("version")?,
    })
}

pub async fn insert_service(tx: &mut Tx, s: &Service) -> Result<()> {
    sqlx::query("INSERT INTO services (id, task_force_id, person_id, holder_organization_id, label, category, started_on, ended_on, provider, units, unit, amount_cents, outcome, recorded_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1)")
        .bind(s.id.to_string())
        .bind(s.task_force_id.to_string())
        .bind(s.person_id.to_string())
        .bind(s.holder_organization_id.to_string())
        .bind(s.label.code())
        .bind(&s.category)
        .bind(date(Some(s.started_on)))
        .bind(date(s.ended_on))
        .bind(&s.provider)
        .bind(s.units)
        .bind(&s.unit)
        .bind(s.amount_cents)
        .bind(s.outcome.code())
        .bind(s.recorded_by.to_string())
        .bind(ts(s.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A person's services, every holder's (the app shows each only as the policy allows), newest
/// first.
pub async fn services_of(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
) -> Result<Vec<Service>> {
    sqlx::query("SELECT * FROM services WHERE task_force_id = $1 AND person_id = $2 ORDER BY started_on DESC, created_at DESC, id")
        .bind(tf.to_string())
        .bind(person.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(service_of)
        .collect()
}

fn goal_of(row: &AnyRow) -> Result<ServiceGoal> {
    Ok(ServiceGoal {
        id: ServiceGoalId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        person_id: PersonId(row.uuid("person_id")?),
        holder_organization_id: OrganizationId(row.uuid("holder_organization_id")?),
        label: label(row)?,
        category: row.opt_text("category")?,
        goal: row.text("goal")?,
        target_on: row.opt_date("target_on")?,
        status: row.code("status", GoalStatus::from_code)?,
        recorded_by: MemberId(row.uuid("recorded_by")?),
        created_at: row.time("created_at")?,
        version: row.int("version")?,
    })
}

pub async fn insert_goal(tx: &mut Tx, g: &ServiceGoal) -> Result<()> {
    sqlx::query("INSERT INTO service_goals (id, task_force_id, person_id, holder_organization_id, label, category, goal, target_on, status, recorded_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)")
        .bind(g.id.to_string())
        .bind(g.task_force_id.to_string())
        .bind(g.person_id.to_string())
        .bind(g.holder_organization_id.to_string())
        .bind(g.label.code())
        .bind(g.category.clone())
        .bind(&g.goal)
        .bind(date(g.target_on))
        .bind(g.status.code())
        .bind(g.recorded_by.to_string())
        .bind(ts(g.created_at))
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn goal(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: ServiceGoalId,
) -> Result<Option<ServiceGoal>> {
    sqlx::query("SELECT * FROM service_goals WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(goal_of)
        .transpose()
}

pub async fn goals_of(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
) -> Result<Vec<ServiceGoal>> {
    sqlx::query("SELECT * FROM service_goals WHERE task_force_id = $1 AND person_id = $2 ORDER BY created_at, id")
        .bind(tf.to_string())
        .bind(person.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(goal_of)
        .collect()
}

/// Moves a goal to `status` (optimistic: refused when the goal changed since `version`).
pub async fn set_goal_status(
    tx: &mut Tx,
    tf: TaskForceId,
    id: ServiceGoalId,
    version: i64,
    status: GoalStatus,
) -> Result<()> {
    let done = sqlx::query("UPDATE service_goals SET status = $1, version = version + 1 WHERE task_force_id = $2 AND id = $3 AND version = $4")
        .bind(status.code())
        .bind(tf.to_string())
        .bind(id.to_string())
        .bind(version)
        .execute(tx.conn())
        .await?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "service_goals",
        Some(tf),
        id.0,
    )
    .await
}

// -- the interview record -------------------------------------------------------------------

/// An interview as stored: its sealed columns still sealed.
#[derive(Clone, Debug)]
pub struct InterviewRow {
    /// `place`, `recording_reference` and `notes` are empty here; see the `_enc` fields.
    pub interview: Interview,
    pub place_enc: String,
    pub recording_reference_enc: String,
    pub notes_enc: String,
}

fn interview_of(row: &AnyRow) -> Result<InterviewRow> {
    Ok(InterviewRow {
        interview: Interview {
            id: InterviewId(row.uuid("id")?),
            task_force_id: TaskForceId(row.uuid("task_force_id")?),
            person_id: PersonId(row.uuid("person_id")?),
            holder_organization_id: OrganizationId(row.uuid("holder_organization_id")?),
            label: label(row)?,
            interviewed_by: row.text("interviewed_by")?,
            interviewed_on: row.date("interviewed_on")?,
            place: String::new(),
            language: row.text("language")?,
            interpreter: row.text("interpreter")?,
            recording_reference: String::new(),
            notes: String::new(),
            recorded_by: MemberId(row.uuid("recorded_by")?),
            created_at: row.time("created_at")?,
            updated_at: row.time("updated_at")?,
            version: row.int("version")?,
        },
        place_enc: row.text("place_enc")?,
        recording_reference_enc: row.text("recording_reference_enc")?,
        notes_enc: row.text("notes_enc")?,
    })
}

pub async fn interview_of_person(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    person: PersonId,
) -> Result<Option<InterviewRow>> {
    sqlx::query("SELECT * FROM interviews WHERE task_force_id = $1 AND person_id = $2")
        .bind(tf.to_string())
        .bind(person.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(interview_of)
        .transpose()
}

/// Records a person's interview; a second one for the same person is refused (`Duplicate`).
pub async fn insert_interview(tx: &mut Tx, row: &InterviewRow) -> Result<()> {
    let i = &row.interview;
    sqlx::query("INSERT INTO interviews (id, task_force_id, person_id, holder_organization_id, label, interviewed_by, interviewed_on, place_enc, language, interpreter, recording_reference_enc, notes_enc, recorded_by, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1)")
        .bind(i.id.to_string())
        .bind(i.task_force_id.to_string())
        .bind(i.person_id.to_string())
        .bind(i.holder_organization_id.to_string())
        .bind(i.label.code())
        .bind(&i.interviewed_by)
        .bind(date(Some(i.interviewed_on)))
        .bind(&row.place_enc)
        .bind(&i.language)
        .bind(&i.interpreter)
        .bind(&row.recording_reference_enc)
        .bind(&row.notes_enc)
        .bind(i.recorded_by.to_string())
        .bind(ts(i.created_at))
        .bind(ts(i.updated_at))
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique(e, "interview"))?;
    Ok(())
}

/// Replaces an interview's content (optimistic on `interview.version`).
pub async fn update_interview(tx: &mut Tx, row: &InterviewRow) -> Result<()> {
    let i = &row.interview;
    let done = sqlx::query("UPDATE interviews SET interviewed_by = $1, interviewed_on = $2, place_enc = $3, language = $4, interpreter = $5, recording_reference_enc = $6, notes_enc = $7, updated_at = $8, version = version + 1 WHERE task_force_id = $9 AND id = $10 AND version = $11")
        .bind(&i.interviewed_by)
        .bind(date(Some(i.interviewed_on)))
        .bind(&row.place_enc)
        .bind(&i.language)
        .bind(&i.interpreter)
        .bind(&row.recording_reference_enc)
        .bind(&row.notes_enc)
        .bind(ts(i.updated_at))
        .bind(i.task_force_id.to_string())
        .bind(i.id.to_string())
        .bind(i.version)
        .execute(tx.conn())
        .await?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "interviews",
        Some(i.task_force_id),
        i.id.0,
    )
    .await
}

// -- case reviews ---------------------------------------------------------------------------

async fn attendees(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    review: CaseReviewId,
) -> Result<Vec<Attendee>> {
    sqlx::query("SELECT a.member_id, a.attended, COALESCE(m.name, '') AS name FROM case_review_attendees a LEFT JOIN members m ON m.task_force_id = a.task_force_id AND m.id = a.member_id WHERE a.task_force_id = $1 AND a.review_id = $2 ORDER BY name, a.member_id")
        .bind(tf.to_string())
        .bind(review.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok(Attendee {
                member_id: MemberId(row.uuid("member_id")?),
                name: row.text("name")?,
                attended: row.flag("attended")?,
            })
        })
        .collect()
}

fn review_of(row: &AnyRow, attendees: Vec<Attendee>) -> Result<CaseReview> {
    Ok(CaseReview {
        id: CaseReviewId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        title: row.text("title")?,
        held_on: row.date("held_on")?,
        starts_at: row.text("starts_at")?,
        place: row.text("place")?,
        attendees,
        created_by: MemberId(row.uuid("created_by")?),
        created_at: row.time("created_at")?,
        version: row.int("version")?,
    })
}

pub async fn insert_review(tx: &mut Tx, r: &CaseReview) -> Result<()> {
    let tf = r.task_force_id.to_string();
    sqlx::query("INSERT INTO case_reviews (id, task_force_id, title, held_on, starts_at, place, created_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)")
        .bind(r.id.to_string())
        .bind(&tf)
        .bind(&r.title)
        .bind(date(Some(r.held_on)))
        .bind(&r.starts_at)
        .bind(&r.place)
        .bind(r.created_by.to_string())
        .bind(ts(r.created_at))
        .execute(tx.conn())
        .await?;
    for a in &r.attendees {
        sqlx::query("INSERT INTO case_review_attendees (task_force_id, review_id, member_id, attended) VALUES ($1, $2, $3, $4)")
            .bind(&tf)
            .bind(r.id.to_string())
            .bind(a.member_id.to_string())
            .bind(flag(a.attended))
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Records who attended (each listed attendee's flag), optimistic on the review's version.
pub async fn set_attendance(
    tx: &mut Tx,
    tf: TaskForceId,
    review: CaseReviewId,
    version: i64,
    attended: &[MemberId],
) -> Result<()> {
    let done = sqlx::query("UPDATE case_reviews SET version = version + 1 WHERE task_force_id = $1 AND id = $2 AND version = $3")
        .bind(tf.to_string())
        .bind(review.to_string())
        .bind(version)
        .execute(tx.conn())
        .await?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "case_reviews",
        Some(tf),
        review.0,
    )
    .await?;
    for a in attendees(tx.conn(), tf, review).await? {
        sqlx::query("UPDATE case_review_attendees SET attended = $1 WHERE task_force_id = $2 AND review_id = $3 AND member_id = $4")
            .bind(flag(attended.contains(&a.member_id)))
            .bind(tf.to_string())
            .bind(review.to_string())
            .bind(a.member_id.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

pub async fn review(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: CaseReviewId,
) -> Result<Option<CaseReview>> {
    let Some(row) = sqlx::query("SELECT * FROM case_reviews WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let people = attendees(conn, tf, id).await?;
    review_of(&row, people).map(Some)
}

/// The task force's case reviews, latest first, each with its number of agenda cases.
pub async fn reviews(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<(CaseReview, i64)>> {
    let rows = sqlx::query("SELECT r.*, (SELECT COUNT(*) FROM case_review_items i WHERE i.task_force_id = r.task_force_id AND i.review_id = r.id) AS items FROM case_reviews r WHERE r.task_force_id = $1 ORDER BY r.held_on DESC, r.starts_at DESC, r.id")
        .bind(tf.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let id = CaseReviewId(row.uuid("id")?);
        let people = attendees(conn, tf, id).await?;
        out.push((review_of(row, people)?, row.int("items")?));
    }
    Ok(out)
}

/// An agenda item as stored: its decision still sealed.
#[derive(Clone, Debug)]
pub struct ItemRow {
    /// `decision` is empty here; see `decision_enc`.
    pub item: ReviewItem,
    pub decision_enc: String,
}

fn item_of(row: &AnyRow) -> Result<ItemRow> {
    Ok(ItemRow {
        item: ReviewItem {
            id: ReviewItemId(row.uuid("id")?),
            review_id: CaseReviewId(row.uuid("review_id")?),
            case_id: CaseId(row.uuid("case_id")?),
            position: row.int("position")?,
            decision: String::new(),
            decided_at: row.opt_time("decided_at")?,
            added_by: MemberId(row.uuid("added_by")?),
            created_at: row.time("created_at")?,
        },
        decision_enc: row.text("decision_enc")?,
    })
}

/// Puts a case on the agenda, last; the same case twice is refused (`Duplicate`).
pub async fn insert_item(tx: &mut Tx, tf: TaskForceId, item: &ReviewItem) -> Result<()> {
    sqlx::query("INSERT INTO case_review_items (id, task_force_id, review_id, case_id, position, added_by, created_at) VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM case_review_items WHERE task_force_id = $2 AND review_id = $3), $5, $6)")
        .bind(item.id.to_string())
        .bind(tf.to_string())
        .bind(item.review_id.to_string())
        .bind(item.case_id.to_string())
        .bind(item.added_by.to_string())
        .bind(ts(item.created_at))
        .execute(tx.conn())
        .await
        .map_err(|e| StoreError::unique(e, "case_reference"))?;
    Ok(())
}

pub async fn items(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    review: CaseReviewId,
) -> Result<Vec<ItemRow>> {
    sqlx::query("SELECT * FROM case_review_items WHERE task_force_id = $1 AND review_id = $2 ORDER BY position, id")
        .bind(tf.to_string())
        .bind(review.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(item_of)
        .collect()
}

pub async fn item(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: ReviewItemId,
) -> Result<Option<ItemRow>> {
    sqlx::query("SELECT * FROM case_review_items WHERE task_force_id = $1 AND id = $2")
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(item_of)
        .transpose()
}

pub async fn set_decision(
    tx: &mut Tx,
    tf: TaskForceId,
    id: ReviewItemId,
    decision_enc: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE case_review_items SET decision_enc = $1, decided_at = $2 WHERE task_force_id = $3 AND id = $4",
    )
    .bind(decision_enc)
    .bind(opt_ts(Some(at)))
    .bind(tf.to_string())
    .bind(id.to_string())
    .execute(tx.conn())
    .await?;
    check_updated(
        tx.conn(),
        done.rows_affected(),
        "case_review_items",
        Some(tf),
        id.0,
    )
    .await
}

pub async fn insert_action(
    tx: &mut Tx,
    tf: TaskForceId,
    item: ReviewItemId,
    task: CaseTaskId,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_review_actions (task_force_id, item_id, task_id) VALUES ($1, $2, $3)",
    )
    .bind(tf.to_string())
    .bind(item.to_string())
    .bind(task.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The tasks made from an agenda item's action items.
pub async fn action_tasks(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    item: ReviewItemId,
) -> Result<Vec<CaseTaskId>> {
    sqlx::query("SELECT task_id FROM case_review_actions WHERE task_force_id = $1 AND item_id = $2")
        .bind(tf.to_string())
        .bind(item.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok(CaseTaskId(row.uuid("task_id")?)))
        .collect()
}
