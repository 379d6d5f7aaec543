//! Security keys and passkeys (WebAuthn) as a second factor: the stored credential of an
//! account, and the ceremony a session has started and not yet finished.
//!
//! The credential itself (public key, signature counter) is opaque here: it is the JSON the
//! WebAuthn library writes and reads, kept whole so that nothing is lost between versions.

use crate::ids::*;
use crate::validation::Invalid;
use chrono::{DateTime, Duration, Utc};

/// How long a started ceremony may wait for the browser's answer.
pub const CEREMONY_LIFETIME: Duration = Duration::minutes(5);

/// The longest name a member may give a key.
pub const KEY_NAME_MAX: usize = 100;

/// A security key or passkey registered to an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityKey {
    pub id: uuid::Uuid,
    pub member_id: MemberId,
    pub task_force_id: TaskForceId,
    /// The WebAuthn credential id, base64url without padding; unique in the installation.
    pub credential_id: String,
    /// The credential as the WebAuthn library serialises it (JSON).
    pub credential: String,
    /// The member's name for the key ("Blue YubiKey", "Work laptop").
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a started ceremony is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyKind {
    /// Adding a key to the account.
    Register,
    /// Proving the second factor with a registered key.
    Authenticate,
}

impl CeremonyKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Authenticate => "authenticate",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "register" => Some(Self::Register),
            "authenticate" => Some(Self::Authenticate),
            _ => None,
        }
    }
}

/// A ceremony a session started: the server's half of the challenge, kept in the database
/// between the start and finish requests (which any instance may answer). One per session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingCeremony {
    pub session_id_hash: String,
    pub member_id: MemberId,
    pub kind: CeremonyKind,
    /// The WebAuthn library's ceremony state (JSON).
    pub state: String,
    /// The name the new key will get (registration only).
    pub key_name: String,
    pub created_at: DateTime<Utc>,
}

impl PendingCeremony {
    /// Whether the browser's answer comes too late to be accepted.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.created_at + CEREMONY_LIFETIME || now < self.created_at - Duration::minutes(1)
    }
}

/// The name a new key gets: the member's (trimmed, at most [`KEY_NAME_MAX`] characters) or, when
/// blank, "Security key" numbered after the keys the account already has.
pub fn key_name(given: &str, existing: usize) -> Result<String, Invalid> {
    let name = given.trim();
    if name.is_empty() {
        return Ok(if existing == 0 {
            "Security key".to_owned()
        } else {
            format!("Security key {}", existing + 1)
        });
    }
    if name.chars().count() > KEY_NAME_MAX {
        return Err(Invalid::one(
            "name",
            format!("must be at most {KEY_NAME_MAX} characters long"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::one("name", "must not contain control characters"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ceremonies_expire_after_five_minutes() {
        let start = Utc
            .with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
            .single()
            .expect("time");
        let c = PendingCeremony {
            session_id_hash: "h".into(),
            member_id: MemberId(uuid::Uuid::from_u128(1)),
            kind: CeremonyKind::Authenticate,
            state: "{}".into(),
            key_name: String::new(),
            created_at: start,
        };
        assert!(!c.expired(start));
        assert!(!c.expired(start + Duration::seconds(299)));
        assert!(c.expired(start + Duration::minutes(5)));
        assert!(c.expired(start - Duration::minutes(2)), "a clock set back");
    }

    #[test]
    fn key_names() {
        assert_eq!(key_name("  Blue key ", 0), Ok("Blue key".into()));
        assert_eq!(key_name("", 0), Ok("Security key".into()));
        assert_eq!(key_name(" ", 2), Ok("Security key 3".into()));
        assert!(key_name(&"x".repeat(101), 0).is_err());
        assert!(key_name("bad\u{7}", 0).is_err());
        for kind in [CeremonyKind::Register, CeremonyKind::Authenticate] {
            assert_eq!(CeremonyKind::from_code(kind.code()), Some(kind));
        }
    }
}
