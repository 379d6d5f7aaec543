//! Accounts, password history, recovery codes, sessions and personal access tokens.

use crate::values::{flag, opt_ts, ts, RowExt};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::identity::*;
use taskforce_domain::*;

// -- accounts ---------------------------------------------------------------------------------

/// An account row with the number of its security keys.
const ACCOUNT: &str = "SELECT accounts.*, (SELECT COUNT(*) FROM security_keys k WHERE k.member_id = accounts.member_id) AS security_keys FROM accounts";

fn account_from(row: &AnyRow) -> Result<Account> {
    Ok(Account {
        member_id: MemberId(row.uuid("member_id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        email: row.text("email")?,
        password_hash: row.text("password_hash")?,
        password_changed_at: row.time("password_changed_at")?,
        must_change_password: row.flag("must_change_password")?,
        failed_attempts: row.int("failed_attempts")?,
        locked_until: row.opt_time("locked_until")?,
        disabled_at: row.opt_time("disabled_at")?,
        expires_at: row.opt_time("expires_at")?,
        totp_secret: row.opt_text("totp_secret")?,
        totp_pending_secret: row.opt_text("totp_pending_secret")?,
        totp_enrolled_at: row.opt_time("totp_enrolled_at")?,
        last_sign_in_at: row.opt_time("last_sign_in_at")?,
        created_at: row.time("created_at")?,
        security_keys: row.int("security_keys")?,
    })
}

/// The account with this sign-in e-mail (compared case-insensitively).
pub async fn account_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<Account>> {
    sqlx::query(&format!("{ACCOUNT} WHERE email = $1"))
        .bind(email.trim().to_lowercase())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(account_from)
        .transpose()
}

pub async fn account(conn: &mut AnyConnection, member: MemberId) -> Result<Option<Account>> {
    sqlx::query(&format!("{ACCOUNT} WHERE member_id = $1"))
        .bind(member.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(account_from)
        .transpose()
}

pub async fn accounts(conn: &mut AnyConnection, tf: TaskForceId) -> Result<Vec<Account>> {
    sqlx::query(&format!(
        "{ACCOUNT} WHERE task_force_id = $1 ORDER BY email"
    ))
    .bind(tf.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(account_from)
    .collect()
}

/// Every account of the installation (for the command line's `user list`).
pub async fn all_accounts(conn: &mut AnyConnection) -> Result<Vec<Account>> {
    sqlx::query(&format!("{ACCOUNT} ORDER BY email"))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(account_from)
        .collect()
}

pub async fn insert_account(tx: &mut Tx, account: &Account) -> Result<()> {
    sqlx::query(
        "INSERT INTO accounts (member_id, task_force_id, email, password_hash, password_changed_at, must_change_password,
                               failed_attempts, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
    )
    .bind(account.member_id.to_string())
    .bind(account.task_force_id.to_string())
    .bind(account.email.to_lowercase())
    .bind(&account.password_hash)
    .bind(ts(account.password_changed_at))
    .bind(flag(account.must_change_password))
    .bind(opt_ts(account.expires_at))
    .bind(ts(account.created_at))
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "email"))?;
    push_password_history(
        tx,
        account.member_id,
        &account.password_hash,
        account.password_changed_at,
    )
    .await
}

async fn push_password_history(
    tx: &mut Tx,
    member: MemberId,
    hash: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO password_history (member_id, password_hash, set_at) VALUES ($1, $2, $3)",
    )
    .bind(member.to_string())
    .bind(hash)
    .bind(ts(at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The last `limit` password hashes of a member, newest first.
pub async fn password_history(
    conn: &mut AnyConnection,
    member: MemberId,
    limit: i64,
) -> Result<Vec<String>> {
    sqlx::query("SELECT password_hash FROM password_history WHERE member_id = $1 ORDER BY set_at DESC LIMIT $2")
        .bind(member.to_string())
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.text("password_hash"))
        .collect()
}

pub async fn set_password(
    tx: &mut Tx,
    member: MemberId,
    hash: &str,
    must_change: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET password_hash = $1, password_changed_at = $2, must_change_password = $3 WHERE member_id = $4")
        .bind(hash)
        .bind(ts(now))
        .bind(flag(must_change))
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    push_password_history(tx, member, hash, now).await
}

pub async fn record_failed_sign_in(
    tx: &mut Tx,
    member: MemberId,
    attempts: i64,
    locked_until: Option<DateTime<Utc>>,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET failed_attempts = $1, locked_until = $2 WHERE member_id = $3")
        .bind(attempts)
        .bind(opt_ts(locked_until))
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn record_sign_in(tx: &mut Tx, member: MemberId, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE accounts SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = $1 WHERE member_id = $2")
        .bind(ts(now))
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_disabled(tx: &mut Tx, member: MemberId, at: Option<DateTime<Utc>>) -> Result<()> {
    sqlx::query("UPDATE accounts SET disabled_at = $1, failed_attempts = 0, locked_until = NULL WHERE member_id = $2")
        .bind(opt_ts(at))
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_expiry(tx: &mut Tx, member: MemberId, at: Option<DateTime<Utc>>) -> Result<()> {
    sqlx::query("UPDATE accounts SET expires_at = $1 WHERE member_id = $2")
        .bind(opt_ts(at))
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_totp_pending(tx: &mut Tx, member: MemberId, secret: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE accounts SET totp_pending_secret = $1 WHERE member_id = $2")
        .bind(secret)
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Makes the pending secret the account's second factor, with fresh recovery codes.
pub async fn confirm_totp(
    tx: &mut Tx,
    member: MemberId,
    secret: &str,
    recovery_hashes: &[String],
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE accounts SET totp_secret = $1, totp_pending_secret = NULL, totp_enrolled_at = $2 WHERE member_id = $3")
        .bind(secret)
        .bind(ts(now))
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE member_id = $1")
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    for hash in recovery_hashes {
        sqlx::query("INSERT INTO recovery_codes (member_id, code_hash) VALUES ($1, $2)")
            .bind(member.to_string())
            .bind(hash)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Removes the second factors, security keys included (an administrator's reset); the member
/// enrols again at next sign-in.
pub async fn clear_second_factor(tx: &mut Tx, member: MemberId) -> Result<()> {
    crate::passkeys::delete_keys_of(tx, member).await?;
    sqlx::query("UPDATE accounts SET totp_secret = NULL, totp_pending_secret = NULL, totp_enrolled_at = NULL WHERE member_id = $1")
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE member_id = $1")
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Spends an unused recovery code; `false` when it is unknown or already used.
pub async fn use_recovery_code(
    tx: &mut Tx,
    member: MemberId,
    code_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE member_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(ts(now))
        .bind(member.to_string())
        .bind(code_hash)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unused_recovery_codes(conn: &mut AnyConnection, member: MemberId) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM recovery_codes WHERE member_id = $1 AND used_at IS NULL",
    )
    .bind(member.to_string())
    .fetch_one(&mut *conn)
    .await?;
    row.int("n")
}

// -- sessions ---------------------------------------------------------------------------------

fn session_from(row: &AnyRow) -> Result<Session> {
    Ok(Session {
        id_hash: row.text("id_hash")?,
        member_id: MemberId(row.uuid("member_id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        organization_id: OrganizationId(row.uuid("organization_id")?),
        strong: row.flag("strong")?,
        csrf_token: row.text("csrf_token")?,
        created_at: row.time("created_at")?,
        last_seen_at: row.time("last_seen_at")?,
        source: row.text("source")?,
    })
}

pub async fn insert_session(tx: &mut Tx, session: &Session) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, member_id, task_force_id, organization_id, strong, csrf_token, created_at, last_seen_at, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&session.id_hash)
    .bind(session.member_id.to_string())
    .bind(session.task_force_id.to_string())
    .bind(session.organization_id.to_string())
    .bind(flag(session.strong))
    .bind(&session.csrf_token)
    .bind(ts(session.created_at))
    .bind(ts(session.last_seen_at))
    .bind(&session.source)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn session(conn: &mut AnyConnection, id_hash: &str) -> Result<Option<Session>> {
    sqlx::query("SELECT * FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(session_from)
        .transpose()
}

/// A member's sessions, oldest first.
pub async fn sessions_of(conn: &mut AnyConnection, member: MemberId) -> Result<Vec<Session>> {
    sqlx::query("SELECT * FROM sessions WHERE member_id = $1 ORDER BY created_at, id_hash")
        .bind(member.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(session_from)
        .collect()
}

pub async fn touch_session(
    conn: &mut AnyConnection,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(ts(now))
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn strengthen_session(tx: &mut Tx, id_hash: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET strong = 1 WHERE id_hash = $1")
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_session_organization(
    tx: &mut Tx,
    id_hash: &str,
    organization: OrganizationId,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET organization_id = $1 WHERE id_hash = $2")
        .bind(organization.to_string())
        .bind(id_hash)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &mut AnyConnection, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends every session of a member; returns how many there were.
pub async fn delete_sessions_of(tx: &mut Tx, member: MemberId) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE member_id = $1")
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

// -- personal access tokens -------------------------------------------------------------------

fn token_from(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.uuid("id")?,
        member_id: MemberId(row.uuid("member_id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        organization_id: OrganizationId(row.uuid("organization_id")?),
        name: row.text("name")?,
        prefix: row.text("prefix")?,
        scope: row.code("scope", TokenScope::from_code)?,
        created_at: row.time("created_at")?,
        expires_at: row.opt_time("expires_at")?,
        revoked_at: row.opt_time("revoked_at")?,
        last_used_at: row.opt_time("last_used_at")?,
    })
}

pub async fn insert_token(tx: &mut Tx, token: &ApiToken, token_hash: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, member_id, task_force_id, organization_id, name, prefix, token_hash, scope, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(token.id.to_string())
    .bind(token.member_id.to_string())
    .bind(token.task_force_id.to_string())
    .bind(token.organization_id.to_string())
    .bind(&token.name)
    .bind(&token.prefix)
    .bind(token_hash)
    .bind(token.scope.code())
    .bind(ts(token.created_at))
    .bind(opt_ts(token.expires_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn token_by_hash(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<ApiToken>> {
    sqlx::query("SELECT * FROM api_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(token_from)
        .transpose()
}

pub async fn tokens_of(conn: &mut AnyConnection, member: MemberId) -> Result<Vec<ApiToken>> {
    sqlx::query("SELECT * FROM api_tokens WHERE member_id = $1 ORDER BY created_at DESC")
        .bind(member.to_string())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(token_from)
        .collect()
}

pub async fn revoke_token(
    tx: &mut Tx,
    member: MemberId,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE member_id = $2 AND id = $3 AND revoked_at IS NULL")
        .bind(ts(now))
        .bind(member.to_string())
        .bind(id.to_string())
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

pub async fn touch_token(
    conn: &mut AnyConnection,
    id: uuid::Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(ts(now))
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets the most sessions a member of this task force may hold at once.
pub async fn set_max_sessions(tx: &mut Tx, tf: TaskForceId, n: i64) -> Result<()> {
    let done = sqlx::query("UPDATE task_forces SET max_sessions = $1 WHERE id = $2")
        .bind(n)
        .bind(tf.to_string())
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// The most sessions a member of this task force may hold at once.
pub async fn max_sessions(conn: &mut AnyConnection, tf: TaskForceId) -> Result<i64> {
    let row = sqlx::query("SELECT max_sessions FROM task_forces WHERE id = $1")
        .bind(tf.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .map(|r| r.int("max_sessions"))
        .transpose()?
        .unwrap_or(1)
        .max(1))
}
