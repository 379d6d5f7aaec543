//! Identity: sign-in accounts, sessions, personal access tokens, and the rules about them
//! (password policy, lockout, session lifetimes) as pure functions.

use crate::ids::*;
use crate::validation::Invalid;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// The security settings of an installation, each with a safe default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecuritySettings {
    /// Failed sign-ins in a row that lock an account.
    pub lockout_after: i64,
    pub lockout_for: Duration,
    pub idle_timeout: Duration,
    pub absolute_lifetime: Duration,
    /// The system-use notice shown before sign-in.
    pub banner: String,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            lockout_after: 5,
            lockout_for: Duration::minutes(10),
            idle_timeout: Duration::minutes(30),
            absolute_lifetime: Duration::hours(12),
            banner: "This system holds criminal-justice and victim-service information. Use is limited to \
                     authorized members of the task force for its work, and is monitored and recorded. \
                     Unauthorized use may be unlawful."
                .into(),
        }
    }
}

/// A member's sign-in account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub member_id: MemberId,
    pub task_force_id: TaskForceId,
    pub email: String,
    pub password_hash: String,
    pub password_changed_at: DateTime<Utc>,
    pub must_change_password: bool,
    pub failed_attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// A temporary account stops working at this moment.
    pub expires_at: Option<DateTime<Utc>>,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_enrolled_at: Option<DateTime<Utc>>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// How many security keys / passkeys the account has (counted by the store when it reads
    /// the account; the keys themselves are in [`crate::passkeys`]).
    pub security_keys: i64,
}

/// Why an account may not sign in now (told to the person only as a generic refusal, except a
/// lockout, whose end they are told).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    Disabled,
    Expired,
    Locked(DateTime<Utc>),
}

impl Account {
    pub fn closed(&self, now: DateTime<Utc>) -> Option<Closed> {
        if self.disabled_at.is_some() {
            Some(Closed::Disabled)
        } else if self.expires_at.is_some_and(|end| end <= now) {
            Some(Closed::Expired)
        } else {
            self.locked_until
                .filter(|until| *until > now)
                .map(Closed::Locked)
        }
    }

    /// An authenticator app or at least one security key.
    pub fn has_second_factor(&self) -> bool {
        self.totp_secret.is_some() || self.security_keys > 0
    }

    /// The second factors set up, in words (`None` when there is none yet).
    pub fn second_factor_label(&self) -> Option<&'static str> {
        match (self.totp_secret.is_some(), self.security_keys > 0) {
            (true, true) => Some("Authenticator app and security key"),
            (true, false) => Some("Authenticator app"),
            (false, true) => Some("Security key"),
            (false, false) => None,
        }
    }
}

/// After a failed password: how many failures now, and until when the account is locked.
pub fn after_failure(
    account: &Account,
    settings: &SecuritySettings,
    now: DateTime<Utc>,
) -> (i64, Option<DateTime<Utc>>) {
    // A lock that has run out starts the count again.
    let previous = if account.locked_until.is_some_and(|until| until <= now) {
        0
    } else {
        account.failed_attempts
    };
    let attempts = previous + 1;
    if attempts >= settings.lockout_after {
        (attempts, Some(now + settings.lockout_for))
    } else {
        (attempts, None)
    }
}

/// A signed-in browser session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub member_id: MemberId,
    pub task_force_id: TaskForceId,
    pub organization_id: OrganizationId,
    /// The second factor was given in this session.
    pub strong: bool,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub source: String,
}

impl Session {
    /// Whether the session is still alive at `now` (idle timeout and absolute lifetime).
    pub fn alive(&self, settings: &SecuritySettings, now: DateTime<Utc>) -> bool {
        now < self.last_seen_at + settings.idle_timeout
            && now < self.created_at + settings.absolute_lifetime
    }
}

/// The end of the day written `YYYY-MM-DD` (UTC): a temporary account works through that day.
pub fn end_of_day(field: &str, text: &str) -> Result<DateTime<Utc>, Invalid> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|d| d.and_utc())
        .ok_or_else(|| Invalid::one(field, "must be a date written YYYY-MM-DD"))
}

/// An administrator's change to when an account stops working.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountExpiryInput {
    /// The last day the account works, `YYYY-MM-DD`.
    pub expires_on: String,
    /// Make the account permanent instead.
    pub permanent: bool,
}

impl AccountExpiryInput {
    /// The new end (`None`: permanent), or why not. A day already past is refused: disabling is
    /// the way to stop an account now.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Invalid> {
        if self.permanent {
            return Ok(None);
        }
        if self.expires_on.trim().is_empty() {
            return Err(Invalid::one(
                "expires_on",
                "choose the last day the account works, or make it permanent",
            ));
        }
        let end = end_of_day("expires_on", &self.expires_on)?;
        if end <= now {
            return Err(Invalid::one(
                "expires_on",
                "must be today or later (to stop an account now, disable it)",
            ));
        }
        Ok(Some(end))
    }
}

/// What a personal access token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Lists, reads and exports.
    Read,
    /// Everything the member may do.
    Write,
}

impl TokenScope {
    pub fn code(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }
}

/// A personal access token, as stored (the secret itself is never stored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: uuid::Uuid,
    pub member_id: MemberId,
    pub task_force_id: TaskForceId,
    pub organization_id: OrganizationId,
    pub name: String,
    /// The first characters of the token, to recognise it in a list.
    pub prefix: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|end| now < end)
    }
}

/// The password rules: at least 12 characters, not guessable (zxcvbn score 3 or more, which
/// also refuses common and breached passwords from its lists), not the e-mail address or the
/// person's name. Reuse of the last 10 is checked by the caller, which holds the history.
pub fn check_new_password(
    field: &str,
    password: &str,
    email: &str,
    name: &str,
) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    if password.chars().count() < 12 {
        invalid.add(field, "must be at least 12 characters long");
    } else if password.chars().count() > 256 {
        invalid.add(field, "must be at most 256 characters long");
    } else {
        let lower = password.to_lowercase();
        let local = email.split('@').next().unwrap_or_default().to_lowercase();
        let own_words: Vec<String> = local
            .split(['.', '_', '-', '+'])
            .chain(name.split_whitespace())
            .map(str::to_lowercase)
            .filter(|w| w.chars().count() >= 4)
            .collect();
        if lower == email.to_lowercase() || (!local.is_empty() && lower == local) {
            invalid.add(field, "must not be your e-mail address or user name");
        } else if own_words.iter().any(|w| lower.contains(w.as_str())) {
            invalid.add(field, "must not contain your name or e-mail address");
        } else {
            let inputs: Vec<&str> = [email, name]
                .into_iter()
                .chain(name.split_whitespace())
                .collect();
            let score = zxcvbn::zxcvbn(password, &inputs).score();
            if (score as u8) < 3 {
                invalid.add(
                    field,
                    "is too easy to guess (it is common, appears in breached-password lists, or is built from your name); \
                     a few unrelated words make a strong one",
                );
            }
        }
    }
    invalid.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
            .single()
            .expect("time")
    }

    fn account() -> Account {
        Account {
            member_id: MemberId(Uuid::from_u128(1)),
            task_force_id: TaskForceId(Uuid::from_u128(2)),
            email: "rosa.delgado@agency.gov".into(),
            password_hash: String::new(),
            password_changed_at: now(),
            must_change_password: false,
            failed_attempts: 0,
            locked_until: None,
            disabled_at: None,
            expires_at: None,
            totp_secret: None,
            totp_pending_secret: None,
            totp_enrolled_at: None,
            last_sign_in_at: None,
            created_at: now(),
            security_keys: 0,
        }
    }

    #[test]
    fn five_failures_lock_for_ten_minutes_then_the_count_restarts() {
        let settings = SecuritySettings::default();
        let mut a = account();
        for expected in 1..=4 {
            let (attempts, locked) = after_failure(&a, &settings, now());
            assert_eq!((attempts, locked), (expected, None));
            a.failed_attempts = attempts;
        }
        let (attempts, locked) = after_failure(&a, &settings, now());
        assert_eq!((attempts, locked), (5, Some(now() + Duration::minutes(10))));
        a.failed_attempts = attempts;
        a.locked_until = locked;
        assert_eq!(
            a.closed(now() + Duration::minutes(9)),
            Some(Closed::Locked(now() + Duration::minutes(10)))
        );
        assert_eq!(a.closed(now() + Duration::minutes(10)), None);
        let (attempts, locked) = after_failure(&a, &settings, now() + Duration::minutes(11));
        assert_eq!((attempts, locked), (1, None));
    }

    #[test]
    fn an_app_or_a_security_key_is_a_second_factor() {
        let mut a = account();
        assert!(!a.has_second_factor());
        assert_eq!(a.second_factor_label(), None);
        a.security_keys = 1;
        assert!(a.has_second_factor());
        assert_eq!(a.second_factor_label(), Some("Security key"));
        a.totp_secret = Some("SECRET".into());
        assert_eq!(
            a.second_factor_label(),
            Some("Authenticator app and security key")
        );
        a.security_keys = 0;
        assert_eq!(a.second_factor_label(), Some("Authenticator app"));
    }

    #[test]
    fn disabled_and_expired_accounts_are_closed() {
        let mut a = account();
        a.expires_at = Some(now());
        assert_eq!(a.closed(now() - Duration::seconds(1)), None);
        assert_eq!(a.closed(now()), Some(Closed::Expired));
        a.disabled_at = Some(now());
        assert_eq!(a.closed(now() - Duration::days(1)), Some(Closed::Disabled));
    }

    #[test]
    fn sessions_end_after_30_idle_minutes_or_12_hours() {
        let settings = SecuritySettings::default();
        let s = Session {
            id_hash: String::new(),
            member_id: MemberId(Uuid::from_u128(1)),
            task_force_id: TaskForceId(Uuid::from_u128(2)),
            organization_id: OrganizationId(Uuid::from_u128(3)),
            strong: true,
            csrf_token: String::new(),
            created_at: now(),
            last_seen_at: now(),
            source: String::new(),
        };
        assert!(s.alive(&settings, now() + Duration::minutes(29)));
        assert!(!s.alive(&settings, now() + Duration::minutes(30)));
        let busy = Session {
            last_seen_at: now() + Duration::hours(11) + Duration::minutes(50),
            ..s
        };
        assert!(busy.alive(
            &settings,
            now() + Duration::hours(11) + Duration::minutes(59)
        ));
        assert!(!busy.alive(&settings, now() + Duration::hours(12)));
    }

    #[test]
    fn account_end_dates() {
        let input = |on: &str, permanent| AccountExpiryInput {
            expires_on: on.into(),
            permanent,
        };
        assert_eq!(input("", true).validate(now()), Ok(None));
        assert_eq!(
            input("2026-06-02", false).validate(now()),
            Ok(Some(
                now() + Duration::hours(35) + Duration::minutes(59) + Duration::seconds(59)
            ))
        );
        assert!(
            input("2026-06-01", false).validate(now()).is_ok(),
            "through the end of today"
        );
        for (text, message) in [
            ("", "choose the last day"),
            ("06/02/2026", "must be a date written YYYY-MM-DD"),
            ("2026-05-31", "must be today or later"),
        ] {
            let err = input(text, false).validate(now()).expect_err(text);
            assert!(
                err.message_for("expires_on")
                    .is_some_and(|m| m.starts_with(message)),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn password_rules() {
        let check = |p: &str| {
            check_new_password("new_password", p, "rosa.delgado@agency.gov", "Rosa Delgado")
        };
        assert!(check("short").is_err());
        assert!(check("password1234").is_err(), "common");
        assert!(check("rosa.delgado@agency.gov").is_err(), "the e-mail");
        assert!(check("RosaDelgado2026").is_err(), "built from the name");
        assert!(check("qwertyuiop123").is_err(), "keyboard walk");
        assert!(check("lantern orchard velvet quarry").is_ok());
        let err = check("short").expect_err("short");
        assert_eq!(
            err.message_for("new_password"),
            Some("must be at least 12 characters long")
        );
    }
}
