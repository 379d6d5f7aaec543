//! Notifications (C7): members' inboxes and the e-mail outbox. The outbox is claimed by a worker
//! with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite: one process, and `BEGIN IMMEDIATE`
//! serialises writers), so two instances never send the same message twice.

use crate::values::{ts, RowExt};
use crate::{Backend, Result, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::notifications::*;
use taskforce_domain::*;

const SELECT: &str = "SELECT id, task_force_id, member_id, kind, subject, body, link, created_at, read_at FROM notifications";

fn from_row(row: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: NotificationId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        member_id: MemberId(row.uuid("member_id")?),
        kind: row.code("kind", NotificationKind::from_code)?,
        subject: row.text("subject")?,
        body: row.text("body")?,
        link: row.text("link")?,
        created_at: row.time("created_at")?,
        read_at: row.opt_time("read_at")?,
    })
}

/// Adds a notification to its member's inbox and, when `email` is given, an outbox message.
pub async fn insert(tx: &mut Tx, n: &Notification, email: Option<(OutboxId, &str)>) -> Result<()> {
    sqlx::query("INSERT INTO notifications (id, task_force_id, member_id, kind, subject, body, link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(n.id.to_string())
        .bind(n.task_force_id.to_string())
        .bind(n.member_id.to_string())
        .bind(n.kind.code())
        .bind(&n.subject)
        .bind(&n.body)
        .bind(&n.link)
        .bind(ts(n.created_at))
        .execute(tx.conn())
        .await?;
    if let Some((id, address)) = email {
        sqlx::query("INSERT INTO notification_outbox (id, task_force_id, notification_id, to_address, subject, body, state, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
            .bind(id.to_string())
            .bind(n.task_force_id.to_string())
            .bind(n.id.to_string())
            .bind(address)
            .bind(&n.subject)
            .bind(format!("{}\n\n{}", n.body, n.link))
            .bind(OutboxState::Pending.code())
            .bind(ts(n.created_at))
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// A member's notifications, newest first.
pub async fn inbox(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    member: MemberId,
    unread_only: bool,
    limit: i64,
) -> Result<Vec<Notification>> {
    let unread = if unread_only {
        " AND read_at IS NULL"
    } else {
        ""
    };
    sqlx::query(&format!(
        "{SELECT} WHERE task_force_id = $1 AND member_id = $2{unread} ORDER BY created_at DESC, id DESC LIMIT $3"
    ))
    .bind(tf.to_string())
    .bind(member.to_string())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

pub async fn unread_count(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    member: MemberId,
) -> Result<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE task_force_id = $1 AND member_id = $2 AND read_at IS NULL")
        .bind(tf.to_string())
        .bind(member.to_string())
        .fetch_one(&mut *conn)
        .await?
        .int("n")
}

pub async fn get(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    id: NotificationId,
) -> Result<Option<Notification>> {
    sqlx::query(&format!("{SELECT} WHERE task_force_id = $1 AND id = $2"))
        .bind(tf.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Marks one of the member's notifications read (all of them when `id` is `None`).
pub async fn mark_read(
    tx: &mut Tx,
    tf: TaskForceId,
    member: MemberId,
    id: Option<NotificationId>,
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query("UPDATE notifications SET read_at = $1 WHERE task_force_id = $2 AND member_id = $3 AND read_at IS NULL AND ($4 = '' OR id = $4)")
        .bind(ts(at))
        .bind(tf.to_string())
        .bind(member.to_string())
        .bind(id.map(|i| i.to_string()).unwrap_or_default())
        .execute(tx.conn())
        .await?
        .rows_affected())
}

const OUTBOX_SELECT: &str = "SELECT id, task_force_id, notification_id, to_address, subject, body, state, attempts, next_attempt_at, last_error, created_at, sent_at FROM notification_outbox";

fn outbox_from(row: &AnyRow) -> Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: OutboxId(row.uuid("id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        notification_id: NotificationId(row.uuid("notification_id")?),
        to_address: row.text("to_address")?,
        subject: row.text("subject")?,
        body: row.text("body")?,
        state: row.code("state", OutboxState::from_code)?,
        attempts: row.int("attempts")?,
        next_attempt_at: row.time("next_attempt_at")?,
        last_error: row.text("last_error")?,
        created_at: row.time("created_at")?,
        sent_at: row.opt_time("sent_at")?,
    })
}

/// Claims up to `limit` messages due at `now` and pushes their next attempt `lease` ahead, so
/// another worker does not take them while this one sends; the caller marks each sent or
/// failed afterwards.
pub async fn claim_due(
    tx: &mut Tx,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<OutboxMessage>> {
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let due: Vec<OutboxMessage> = sqlx::query(&format!(
        "{OUTBOX_SELECT} WHERE state = $1 AND next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $3{lock}"
    ))
    .bind(OutboxState::Pending.code())
    .bind(ts(now))
    .bind(limit)
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(outbox_from)
    .collect::<Result<_>>()?;
    for m in &due {
        sqlx::query("UPDATE notification_outbox SET next_attempt_at = $1 WHERE id = $2")
            .bind(ts(now + lease))
            .bind(m.id.to_string())
            .execute(tx.conn())
            .await?;
    }
    Ok(due)
}

/// Records one attempt's result: sent, or failed with when to try again (or given up).
pub async fn record_attempt(
    tx: &mut Tx,
    id: OutboxId,
    now: DateTime<Utc>,
    error: Option<&str>,
) -> Result<()> {
    match error {
        None => {
            sqlx::query("UPDATE notification_outbox SET state = $1, sent_at = $2, attempts = attempts + 1, last_error = '' WHERE id = $3")
                .bind(OutboxState::Sent.code())
                .bind(ts(now))
                .bind(id.to_string())
                .execute(tx.conn())
                .await?;
        }
        Some(error) => {
            let attempts = sqlx::query("SELECT attempts FROM notification_outbox WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(tx.conn())
                .await?
                .int("attempts")?
                + 1;
            let state = if attempts >= MAX_ATTEMPTS {
                OutboxState::Failed
            } else {
                OutboxState::Pending
            };
            sqlx::query("UPDATE notification_outbox SET state = $1, attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $5")
                .bind(state.code())
                .bind(attempts)
                .bind(error)
                .bind(ts(now + retry_after(attempts)))
                .bind(id.to_string())
                .execute(tx.conn())
                .await?;
        }
    }
    Ok(())
}
