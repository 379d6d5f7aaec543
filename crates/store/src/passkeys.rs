//! Security keys and passkeys (WebAuthn): the credentials of each account and the ceremony a
//! session has started. Every read and write of a key names the member and the task force.

use crate::values::{ts, RowExt};
use crate::{Result, StoreError, Tx};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use taskforce_domain::passkeys::*;
use taskforce_domain::*;

fn key_from(row: &AnyRow) -> Result<SecurityKey> {
    Ok(SecurityKey {
        id: row.uuid("id")?,
        member_id: MemberId(row.uuid("member_id")?),
        task_force_id: TaskForceId(row.uuid("task_force_id")?),
        credential_id: row.text("credential_id")?,
        credential: row.text("credential")?,
        name: row.text("name")?,
        created_at: row.time("created_at")?,
        last_used_at: row.opt_time("last_used_at")?,
    })
}

/// Registers a key; a credential id already registered (to anyone) is `Duplicate { field: "credential" }`.
pub async fn insert_key(tx: &mut Tx, key: &SecurityKey) -> Result<()> {
    sqlx::query(
        "INSERT INTO security_keys (id, member_id, task_force_id, credential_id, credential, name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(key.id.to_string())
    .bind(key.member_id.to_string())
    .bind(key.task_force_id.to_string())
    .bind(&key.credential_id)
    .bind(&key.credential)
    .bind(&key.name)
    .bind(ts(key.created_at))
    .execute(tx.conn())
    .await
    .map_err(|e| StoreError::unique(e, "credential"))?;
    Ok(())
}

/// A member's keys, oldest first.
pub async fn keys_of(
    conn: &mut AnyConnection,
    tf: TaskForceId,
    member: MemberId,
) -> Result<Vec<SecurityKey>> {
    sqlx::query(
        "SELECT * FROM security_keys WHERE task_force_id = $1 AND member_id = $2 ORDER BY created_at, id",
    )
    .bind(tf.to_string())
    .bind(member.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(key_from)
    .collect()
}

/// Records a use of a key: when, and the credential as it stands after it (signature counter).
pub async fn record_key_use(
    tx: &mut Tx,
    tf: TaskForceId,
    member: MemberId,
    credential_id: &str,
    credential: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE security_keys SET credential = $1, last_used_at = $2
         WHERE task_force_id = $3 AND member_id = $4 AND credential_id = $5",
    )
    .bind(credential)
    .bind(ts(now))
    .bind(tf.to_string())
    .bind(member.to_string())
    .bind(credential_id)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Removes one of a member's keys and returns it; `NotFound` when the member has no such key.
pub async fn delete_key(
    tx: &mut Tx,
    tf: TaskForceId,
    member: MemberId,
    id: uuid::Uuid,
) -> Result<SecurityKey> {
    let key = sqlx::query(
        "SELECT * FROM security_keys WHERE task_force_id = $1 AND member_id = $2 AND id = $3",
    )
    .bind(tf.to_string())
    .bind(member.to_string())
    .bind(id.to_string())
    .fetch_optional(tx.conn())
    .await?
    .as_ref()
    .map(key_from)
    .transpose()?
    .ok_or(StoreError::NotFound)?;
    sqlx::query(
        "DELETE FROM security_keys WHERE task_force_id = $1 AND member_id = $2 AND id = $3",
    )
    .bind(tf.to_string())
    .bind(member.to_string())
    .bind(id.to_string())
    .execute(tx.conn())
    .await?;
    Ok(key)
}

/// Removes every key of a member and any ceremony they started (an administrator's reset);
/// returns how many keys there were.
pub async fn delete_keys_of(tx: &mut Tx, member: MemberId) -> Result<u64> {
    sqlx::query("DELETE FROM webauthn_ceremonies WHERE member_id = $1")
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    let done = sqlx::query("DELETE FROM security_keys WHERE member_id = $1")
        .bind(member.to_string())
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

// -- ceremonies -------------------------------------------------------------------------------

fn ceremony_from(row: &AnyRow) -> Result<PendingCeremony> {
    Ok(PendingCeremony {
        session_id_hash: row.text("session_id_hash")?,
        member_id: MemberId(row.uuid("member_id")?),
        kind: row.code("kind", CeremonyKind::from_code)?,
        state: row.text("state")?,
        key_name: row.text("key_name")?,
        created_at: row.time("created_at")?,
    })
}

/// Keeps a session's ceremony, replacing one it started before (one at a time per session).
pub async fn put_ceremony(tx: &mut Tx, ceremony: &PendingCeremony) -> Result<()> {
    sqlx::query("DELETE FROM webauthn_ceremonies WHERE session_id_hash = $1")
        .bind(&ceremony.session_id_hash)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO webauthn_ceremonies (session_id_hash, member_id, kind, state, key_name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&ceremony.session_id_hash)
    .bind(ceremony.member_id.to_string())
    .bind(ceremony.kind.code())
    .bind(&ceremony.state)
    .bind(&ceremony.key_name)
    .bind(ts(ceremony.created_at))
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Takes (reads and forgets) the ceremony a session started: each challenge answers once.
pub async fn take_ceremony(tx: &mut Tx, session_id_hash: &str) -> Result<Option<PendingCeremony>> {
    let ceremony = sqlx::query("SELECT * FROM webauthn_ceremonies WHERE session_id_hash = $1")
        .bind(session_id_hash)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(ceremony_from)
        .transpose()?;
    if ceremony.is_some() {
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE session_id_hash = $1")
            .bind(session_id_hash)
            .execute(tx.conn())
            .await?;
    }
    Ok(ceremony)
}

/// Forgets ceremonies started before `before` whose answer never came.
pub async fn delete_stale_ceremonies(tx: &mut Tx, before: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM webauthn_ceremonies WHERE created_at < $1")
        .bind(ts(before))
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected())
}

// -- recovery codes ---------------------------------------------------------------------------

/// Replaces a member's recovery codes (used and unused) with fresh ones, given as hashes.
pub async fn replace_recovery_codes(
    tx: &mut Tx,
    member: MemberId,
    recovery_hashes: &[String],
) -> Result<()> {
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
