//! Sign-in, second factors, sessions, passwords, personal access tokens and account
//! administration.

use crate::actor::Actor;
use crate::{App, AppError, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use taskforce_domain::access::{Action, Principal, Resource, ResourceKind};
use taskforce_domain::audit::{AuditActor, Outcome};
use taskforce_domain::identity::*;
use taskforce_domain::structure::{Member, Role};
use taskforce_domain::*;
use taskforce_store::{identity as db, structure as structure_db, Connection};
use totp_rs::{Algorithm, TOTP};

/// The message for any refused sign-in that must not reveal whether the account exists.
const REFUSED: &str = "That e-mail address and password do not match an active account.";

/// Where a new session goes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// No second factor yet: enrol one now.
    Enrol,
    /// Enter the code from the authenticator app (or a recovery code).
    SecondFactor,
}

/// A session just opened by a correct password. `token` goes into the cookie; only its hash is stored.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub next: NextStep,
}

/// What the person needs to add the account to an authenticator app.
#[derive(Debug)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

/// One row of the access-review report.
#[derive(Clone, Debug)]
pub struct AccessReviewRow {
    pub member: Member,
    pub account: Option<Account>,
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl App {
    pub(crate) fn random_hex(&self, bytes: usize) -> String {
        let mut buf = vec![0u8; bytes];
        self.fill_random(&mut buf);
        hex::encode(buf)
    }

    /// Argon2id with the library's recommended parameters (OWASP: m=19 MiB, t=2, p=1).
    pub fn hash_password(&self, password: &str) -> Result<String> {
        let mut salt = [0u8; 16];
        self.fill_random(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    fn password_matches(hash: &str, password: &str) -> bool {
        PasswordHash::new(hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    }

    /// The principal a session acts as, or `None` when its member no longer holds roles there.
    async fn principal_of(
        &self,
        conn: &mut Connection,
        session: &Session,
        source: &str,
    ) -> Result<Option<Principal>> {
        let Some(member) =
            structure_db::member(conn, session.task_force_id, session.member_id).await?
        else {
            return Ok(None);
        };
        let Some(membership) = member
            .memberships
            .iter()
            .find(|m| m.organization_id == session.organization_id)
        else {
            return Ok(None);
        };
        let Some(organization) =
            structure_db::organization(conn, session.task_force_id, session.organization_id)
                .await?
        else {
            return Ok(None);
        };
        Ok(Some(Principal {
            member_id: member.id,
            name: member.name.clone(),
            email: member.email.clone(),
            task_force_id: session.task_force_id,
            organization_id: organization.id,
            organization_name: organization.name.clone(),
            organization_kind: organization.kind,
            roles: membership.roles.clone(),
            strong: session.strong,
            source: source.to_owned(),
        }))
    }

    // -- signing in -----------------------------------------------------------------------------

    /// Checks the password. Five failures in a row lock the account (settings); every attempt is
    /// audited. A refusal never says whether the e-mail address exists.
    pub async fn sign_in(&self, email: &str, password: &str, source: &str) -> Result<SignedIn> {
        let now = self.clock().now();
        let email = email.trim().to_lowercase();
        let mut tx = self.store().begin().await?;
        let account = db::account_by_email(tx.conn(), &email).await?;
        let Some(account) = account else {
            // Spend the same time as a real check, so timing does not reveal unknown addresses.
            let _ = Self::password_matches(dummy_hash(), password);
            let who = AuditActor {
                email: email.clone(),
                source: source.to_owned(),
                ..AuditActor::default()
            };
            self.audit(
                &mut tx,
                &who,
                "sign_in.failure",
                "account",
                "",
                Outcome::Failure,
                "unknown e-mail address",
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::Unauthenticated(REFUSED.into()));
        };
        let actor = account_actor(&account, source);
        let id = account.member_id.to_string();
        if let Some(closed) = account.closed(now) {
            let (detail, message) = match closed {
                Closed::Disabled => ("account disabled", REFUSED.to_owned()),
                Closed::Expired => ("temporary account expired", REFUSED.to_owned()),
                Closed::Locked(until) => (
                    "account locked",
                    format!(
                        "Too many attempts. This account is locked until {} UTC; try again then.",
                        until.format("%H:%M")
                    ),
                ),
            };
            self.audit(
                &mut tx,
                &actor,
                "sign_in.failure",
                "account",
                &id,
                Outcome::Failure,
                detail,
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::Unauthenticated(message));
        }
        if !Self::password_matches(&account.password_hash, password) {
            let (attempts, locked) = after_failure(&account, self.settings(), now);
            db::record_failed_sign_in(&mut tx, account.member_id, attempts, locked).await?;
            self.audit(
                &mut tx,
                &actor,
                "sign_in.failure",
                "account",
                &id,
                Outcome::Failure,
                &format!("wrong password ({attempts} in a row)"),
            )
            .await?;
            if let Some(until) = locked {
                self.audit(
                    &mut tx,
                    &actor,
                    "account.lockout",
                    "account",
                    &id,
                    Outcome::Success,
                    &format!("locked until {}", until.to_rfc3339()),
                )
                .await?;
            }
            tx.commit().await?;
            return Err(AppError::Unauthenticated(REFUSED.into()));
        }
        // The member must still hold a role somewhere.
        let member =
            structure_db::member(tx.conn(), account.task_force_id, account.member_id).await?;
        let Some(organization) = member
            .as_ref()
            .filter(|m| m.active)
            .and_then(|m| m.primary_membership())
            .map(|m| m.organization_id)
        else {
            self.audit(
                &mut tx,
                &actor,
                "sign_in.failure",
                "account",
                &id,
                Outcome::Failure,
                "no active membership",
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::Unauthenticated(REFUSED.into()));
        };
        db::record_sign_in(&mut tx, account.member_id, now).await?;
        // One concurrent session unless the task force allows more: the oldest ones end.
        let allowed = db::max_sessions(tx.conn(), account.task_force_id).await?;
        let existing = db::sessions_of(tx.conn(), account.member_id).await?;
        let surplus = (existing.len() as i64 + 1 - allowed).max(0) as usize;
        for old in existing.iter().take(surplus) {
            db::delete_session(tx.conn(), &old.id_hash).await?;
        }
        let token = self.random_hex(32);
        let session = Session {
            id_hash: sha256_hex(&token),
            member_id: account.member_id,
            task_force_id: account.task_force_id,
            organization_id: organization,
            strong: false,
            csrf_token: self.random_hex(32),
            created_at: now,
            last_seen_at: now,
            source: source.to_owned(),
        };
        db::insert_session(&mut tx, &session).await?;
        self.audit(
            &mut tx,
            &actor,
            "sign_in.success",
            "account",
            &id,
            Outcome::Success,
            "password accepted",
        )
        .await?;
        tx.commit().await?;
        let next = if account.has_second_factor() {
            NextStep::SecondFactor
        } else {
            NextStep::Enrol
        };
        Ok(SignedIn { token, next })
    }

    /// The live session behind a cookie value and the principal it acts as. Ends (and forgets)
    /// a session past its idle timeout or absolute lifetime.
    pub async fn session(&self, token: &str, source: &str) -> Result<Option<(Session, Principal)>> {
        let now = self.clock().now();
        let mut conn = self.store().conn().await?;
        let Some(session) = db::session(&mut conn, &sha256_hex(token)).await? else {
            return Ok(None);
        };
        let account = db::account(&mut conn, session.member_id).await?;
        let open = account
            .as_ref()
            .is_some_and(|a| a.closed(now).is_none_or(|c| matches!(c, Closed::Locked(_))));
        if !session.alive(self.settings(), now) || !open {
            db::delete_session(&mut conn, &session.id_hash).await?;
            return Ok(None);
        }
        let Some(principal) = self.principal_of(&mut conn, &session, source).await? else {
            db::delete_session(&mut conn, &session.id_hash).await?;
            return Ok(None);
        };
        // Record activity at most once a minute: fewer writes, same timeout to the minute.
        if now - session.last_seen_at >= Duration::minutes(1) {
            db::touch_session(&mut conn, &session.id_hash, now).await?;
        }
        Ok(Some((session, principal)))
    }

    pub async fn sign_out(&self, session: &Session, principal: &Principal) -> Result<()> {
        let mut tx = self.store().begin().await?;
        db::delete_session(tx.conn(), &session.id_hash).await?;
        let actor = Actor::Member(principal.clone()).audit_actor();
        self.audit(
            &mut tx,
            &actor,
            "sign_out",
            "account",
            &principal.member_id.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of the member, this one included.
    pub async fn sign_out_everywhere(&self, principal: &Principal) -> Result<u64> {
        let mut tx = self.store().begin().await?;
        let ended = db::delete_sessions_of(&mut tx, principal.member_id).await?;
        let actor = Actor::Member(principal.clone()).audit_actor();
        self.audit(
            &mut tx,
            &actor,
            "sign_out.everywhere",
            "account",
            &principal.member_id.to_string(),
            Outcome::Success,
            &format!("{ended} sessions"),
        )
        .await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Acts in another of the member's organizations from now on.
    pub async fn switch_organization(
        &self,
        session: &Session,
        principal: &Principal,
        organization: OrganizationId,
    ) -> Result<()> {
        let mut tx = self.store().begin().await?;
        let member = structure_db::member(tx.conn(), principal.task_force_id, principal.member_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !member
            .memberships
            .iter()
            .any(|m| m.organization_id == organization)
        {
            return Err(
                Invalid::one("organization_id", "you hold no role in that organization").into(),
            );
        }
        db::set_session_organization(&mut tx, &session.id_hash, organization).await?;
        let actor = Actor::Member(principal.clone()).audit_actor();
        self.audit(
            &mut tx,
            &actor,
            "session.switch_organization",
            "organization",
            &organization.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -- second factor --------------------------------------------------------------------------

    fn totp(secret_base32: &str, email: &str) -> Result<TOTP> {
        let secret = totp_rs::Secret::Encoded(secret_base32.to_owned())
            .to_bytes()
            .map_err(|e| AppError::Internal(format!("totp secret: {e:?}")))?;
        // otpauth account names may not hold ':'.
        TOTP::new(
            Algorithm::SHA1,
            6,
            1,
            30,
            secret,
            Some("Taskforce".into()),
            email.replace(':', "_"),
        )
        .map_err(|e| AppError::Internal(format!("totp: {e}")))
    }

    fn code_matches(&self, secret_base32: &str, email: &str, code: &str) -> Result<bool> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let now = u64::try_from(self.clock().now().timestamp()).unwrap_or(0);
        Ok(code.len() == 6 && Self::totp(secret_base32, email)?.check(&code, now))
    }

    /// Starts TOTP enrolment for the session's member: a secret, not yet in force until confirmed.
    pub async fn begin_totp_enrolment(&self, session: &Session) -> Result<TotpEnrolment> {
        let mut tx = self.store().begin().await?;
        let account = db::account(tx.conn(), session.member_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if account.has_second_factor() {
            return Err(AppError::Forbidden(
                "A second factor is already set up for this account.".into(),
            ));
        }
        // Showing the page again keeps the secret the person may already have added to their app.
        let secret_base32 = match account.totp_pending_secret.clone() {
            Some(pending) => pending,
            None => {
                let mut secret = [0u8; 20];
                self.fill_random(&mut secret);
                let secret_base32 = totp_rs::Secret::Raw(secret.to_vec())
                    .to_encoded()
                    .to_string();
                db::set_totp_pending(&mut tx, session.member_id, Some(&secret_base32)).await?;
                secret_base32
            }
        };
        tx.commit().await?;
        let totp = Self::totp(&secret_base32, &account.email)?;
        let otpauth_url = totp.get_url();
        let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
            .map(|code| {
                code.render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(200, 200)
                    .quiet_zone(true)
                    .build()
            })
            .map_err(|e| AppError::Internal(format!("qr: {e}")))?;
        Ok(TotpEnrolment {
            secret_base32,
            otpauth_url,
            qr_svg,
        })
    }

    /// Confirms enrolment with a code from the app; returns ten one-time recovery codes, shown once.
    pub async fn confirm_totp_enrolment(
        &self,
        session: &Session,
        code: &str,
        source: &str,
    ) -> Result<Vec<String>> {
        let mut tx = self.store().begin().await?;
        let account = db::account(tx.conn(), session.member_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let Some(pending) = account.totp_pending_secret.clone() else {
            return Err(Invalid::one(
                "code",
                "start the set-up again: no authenticator is waiting to be confirmed",
            )
            .into());
        };
        let actor = account_actor(&account, source);
        let id = account.member_id.to_string();
        if !self.code_matches(&pending, &account.email, code)? {
            self.audit(
                &mut tx,
                &actor,
                "second_factor.enrol",
                "account",
                &id,
                Outcome::Failure,
                "wrong code",
            )
            .await?;
            tx.commit().await?;
            return Err(Invalid::one(
                "code",
                "that code is not the one the app shows now; check the app and try again",
            )
            .into());
        }
        let codes: Vec<String> = (0..10)
            .map(|_| recovery_code(&self.random_hex(5)))
            .collect();
        let hashes: Vec<String> = codes.iter().map(|c| sha256_hex(c)).collect();
        db::confirm_totp(
            &mut tx,
            account.member_id,
            &pending,
            &hashes,
            self.clock().now(),
        )
        .await?;
        db::strengthen_session(&mut tx, &session.id_hash).await?;
        self.audit(
            &mut tx,
            &actor,
            "second_factor.enrol",
            "account",
            &id,
            Outcome::Success,
            "authenticator app",
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Checks a code from the authenticator app, or a one-time recovery code, for this session.
    pub async fn verify_second_factor(
        &self,
        session: &Session,
        code: &str,
        source: &str,
    ) -> Result<()> {
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let account = db::account(tx.conn(), session.member_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let actor = account_actor(&account, source);
        let id = account.member_id.to_string();
        if !account.has_second_factor() {
            return Err(Invalid::one("code", "no second factor is set up yet").into());
        }
        let trimmed = code.trim().to_lowercase();
        // An account with security keys only has recovery codes, but no app codes, to type.
        let ok = if trimmed.contains('-') {
            db::use_recovery_code(&mut tx, account.member_id, &sha256_hex(&trimmed), now).await?
        } else if let Some(secret) = account.totp_secret.as_deref() {
            self.code_matches(secret, &account.email, &trimmed)?
        } else {
            false
        };
        if !ok {
            self.second_factor_failed(&mut tx, &account, session, &actor, "wrong code")
                .await?;
            tx.commit().await?;
            return Err(Invalid::one(
                "code",
                "that code was not right; check the app (or use an unused recovery code)",
            )
            .into());
        }
        db::record_sign_in(&mut tx, account.member_id, now).await?;
        db::strengthen_session(&mut tx, &session.id_hash).await?;
        let how = if trimmed.contains('-') {
            "recovery code"
        } else {
            "authenticator app"
        };
        self.audit(
            &mut tx,
            &actor,
            "second_factor.success",
            "account",
            &id,
            Outcome::Success,
            how,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A failed second factor counts like a wrong password: it is audited, and the lockout
    /// threshold ends the session too.
    pub(crate) async fn second_factor_failed(
        &self,
        tx: &mut taskforce_store::Tx,
        account: &Account,
        session: &Session,
        actor: &AuditActor,
        why: &str,
    ) -> Result<()> {
        let now = self.clock().now();
        let id = account.member_id.to_string();
        let (attempts, locked) = after_failure(account, self.settings(), now);
        db::record_failed_sign_in(tx, account.member_id, attempts, locked).await?;
        self.audit(
            tx,
            actor,
            "second_factor.failure",
            "account",
            &id,
            Outcome::Failure,
            &format!("{why} ({attempts} in a row)"),
        )
        .await?;
        if locked.is_some() {
            db::delete_session(tx.conn(), &session.id_hash).await?;
            self.audit(
                tx,
                actor,
                "account.lockout",
                "account",
                &id,
                Outcome::Success,
                "too many failed second factors",
            )
            .await?;
        }
        Ok(())
    }

    // -- passwords ------------------------------------------------------------------------------

    /// Changes the member's own password: the current one must be right, the new one must meet
    /// the rules and differ from the last 10.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> Result<()> {
        let mut tx = self.store().begin().await?;
        let account = db::account(tx.conn(), principal.member_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let actor = Actor::Member(principal.clone()).audit_actor();
        let id = principal.member_id.to_string();
        if !Self::password_matches(&account.password_hash, current) {
            self.audit(
                &mut tx,
                &actor,
                "password.change",
                "account",
                &id,
                Outcome::Failure,
                "current password wrong",
            )
            .await?;
            tx.commit().await?;
            return Err(Invalid::one("current_password", "is not your current password").into());
        }
        self.check_password_choice(tx.conn(), &account, &principal.name, new)
            .await?;
        let hash = self.hash_password(new)?;
        db::set_password(
            &mut tx,
            principal.member_id,
            &hash,
            false,
            self.clock().now(),
        )
        .await?;
        self.audit(
            &mut tx,
            &actor,
            "password.change",
            "account",
            &id,
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn check_password_choice(
        &self,
        conn: &mut Connection,
        account: &Account,
        name: &str,
        new: &str,
    ) -> Result<()> {
        check_new_password("new_password", new, &account.email, name)?;
        let history = db::password_history(conn, account.member_id, 10).await?;
        if history.iter().any(|old| Self::password_matches(old, new)) {
            return Err(
                Invalid::one("new_password", "must differ from your last 10 passwords").into(),
            );
        }
        Ok(())
    }

    // -- accounts (administration) --------------------------------------------------------------

    /// Gives a member a sign-in account with an initial password (which must meet the rules).
    /// `expires_at` makes it a temporary account.
    pub async fn create_account(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        member: MemberId,
        password: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Account> {
        // Refuse before spending Argon2's time on someone who may not create accounts.
        self.authorize(
            actor,
            Action::Create,
            &Resource::in_task_force(ResourceKind::Account, tf),
            &member.to_string(),
        )
        .await?;
        let hash = self.hash_password(password)?;
        self.create_account_with_hash(actor, tf, member, password, &hash, expires_at)
            .await
    }

    /// As [`App::create_account`], with the hash made already (the demo hashes its one
    /// password once for all of its accounts).
    pub async fn create_account_with_hash(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        member_id: MemberId,
        password: &str,
        hash: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Account> {
        self.authorize(
            actor,
            Action::Create,
            &Resource::in_task_force(ResourceKind::Account, tf),
            &member_id.to_string(),
        )
        .await?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let member = structure_db::member(tx.conn(), tf, member_id)
            .await?
            .ok_or(AppError::NotFound)?;
        check_new_password("password", password, &member.email, &member.name)?;
        if expires_at.is_some_and(|end| end <= now) {
            return Err(Invalid::one("expires_at", "must be in the future").into());
        }
        let account = Account {
            member_id,
            task_force_id: tf,
            email: member.email.clone(),
            password_hash: hash.to_owned(),
            password_changed_at: now,
            must_change_password: false,
            failed_attempts: 0,
            locked_until: None,
            disabled_at: None,
            expires_at,
            totp_secret: None,
            totp_pending_secret: None,
            totp_enrolled_at: None,
            last_sign_in_at: None,
            created_at: now,
            security_keys: 0,
        };
        db::insert_account(&mut tx, &account).await?;
        let detail = expires_at.map_or_else(String::new, |e| {
            format!("temporary until {}", e.to_rfc3339())
        });
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "account.create",
            "account",
            &member_id.to_string(),
            Outcome::Success,
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(account)
    }

    async fn account_change(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        member: MemberId,
    ) -> Result<(taskforce_store::Tx, Account)> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::Account, tf),
            &member.to_string(),
        )
        .await?;
        let mut tx = self.store().begin().await?;
        let account = db::account(tx.conn(), member)
            .await?
            .filter(|a| a.task_force_id == tf)
            .ok_or(AppError::NotFound)?;
        Ok((tx, account))
    }

    /// Disables (and signs out) or re-enables an account.
    pub async fn set_account_disabled(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        member: MemberId,
        disabled: bool,
    ) -> Result<()> {
        let (mut tx, _) = self.account_change(actor, tf, member).await?;
        let now = self.clock().now();
        db::set_disabled(&mut tx, member, disabled.then_some(now)).await?;
        if disabled {
            db::delete_sessions_of(&mut tx, member).await?;
        }
        let action = if disabled {
            "account.disable"
        } else {
            "account.enable"
        };
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            action,
            "account",
            &member.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the member's second factor; they enrol a new one at their next sign-in.
    pub async fn reset_second_factor(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        member: MemberId,
    ) -> Result<()> {
        let (mut tx, _) = self.account_change(actor, tf, member).await?;
        db::clear_second_factor(&mut tx, member).await?;
        db::delete_sessions_of(&mut tx, member).await?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "second_factor.reset",
            "account",
            &member.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes an account temporary (working through the day given) or permanent.
    pub async fn set_account_expiry(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        member: MemberId,
        input: &AccountExpiryInput,
    ) -> Result<()> {
        let (mut tx, _) = self.account_change(actor, tf, member).await?;
        let expires_at = input.validate(self.clock().now())?;
        db::set_expiry(&mut tx, member, expires_at).await?;
        let detail = expires_at.map_or_else(
            || "permanent".to_owned(),
            |e| format!("until {}", e.to_rfc3339()),
        );
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "account.expiry",
            "account",
            &member.to_string(),
            Outcome::Success,
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The access-review report: every member, their roles, their account's state.
    pub async fn access_review(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<AccessReviewRow>> {
        self.access_review_as(actor, tf, Action::Read).await
    }

    /// The access-review report for download (the policy's `export`), recorded as such.
    pub async fn export_access_review(
        &self,
        actor: &Actor,
        tf: TaskForceId,
    ) -> Result<Vec<AccessReviewRow>> {
        self.access_review_as(actor, tf, Action::Export).await
    }

    async fn access_review_as(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        action: Action,
    ) -> Result<Vec<AccessReviewRow>> {
        self.authorize(
            actor,
            action,
            &Resource::in_task_force(ResourceKind::AccessReview, tf),
            "",
        )
        .await?;
        let mut tx = self.store().begin().await?;
        let members = structure_db::members(tx.conn(), tf).await?;
        let accounts = db::accounts(tx.conn(), tf).await?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            &format!("access_review.{}", action.code()),
            "access_review",
            &tf.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(members
            .into_iter()
            .map(|member| {
                let account = accounts.iter().find(|a| a.member_id == member.id).cloned();
                AccessReviewRow { member, account }
            })
            .collect())
    }

    /// How many sessions a member of the task force may hold at once.
    pub async fn session_limit(&self, actor: &Actor, tf: TaskForceId) -> Result<i64> {
        self.authorize(
            actor,
            Action::Read,
            &Resource::in_task_force(ResourceKind::Account, tf),
            "",
        )
        .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::max_sessions(&mut conn, tf).await?)
    }

    /// Lets members of the task force hold up to `n` sessions at once (1 by default; at most 5).
    pub async fn set_session_limit(
        &self,
        actor: &Actor,
        tf: TaskForceId,
        n: Option<i64>,
    ) -> Result<()> {
        self.authorize(
            actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::Account, tf),
            &tf.to_string(),
        )
        .await?;
        let n = match n {
            Some(n) if (1..=5).contains(&n) => n,
            Some(_) => return Err(Invalid::one("max_sessions", "must be between 1 and 5").into()),
            None => return Err(Invalid::one("max_sessions", "is required").into()),
        };
        let mut tx = self.store().begin().await?;
        db::set_max_sessions(&mut tx, tf, n).await?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "task_force.session_limit",
            "task_force",
            &tf.to_string(),
            Outcome::Success,
            &format!("{n} sessions per member"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every account (the command line's `user list`).
    pub async fn all_accounts(&self) -> Result<Vec<Account>> {
        let mut conn = self.store().conn().await?;
        Ok(db::all_accounts(&mut conn).await?)
    }

    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        let mut conn = self.store().conn().await?;
        Ok(db::account_by_email(&mut conn, email).await?)
    }

    // -- personal access tokens -----------------------------------------------------------------

    /// Creates a token for the principal; the secret is returned once and only its hash is kept.
    pub async fn create_token(
        &self,
        actor: &Actor,
        owner: &Principal,
        name: &str,
        scope: TokenScope,
        days: Option<i64>,
    ) -> Result<(ApiToken, String)> {
        let resource = Resource {
            owner_member: Some(owner.member_id),
            ..Resource::in_task_force(ResourceKind::ApiToken, owner.task_force_id)
        };
        self.authorize(actor, Action::Create, &resource, "").await?;
        let mut invalid = Invalid::default();
        let name = invalid.required_text("name", name, 100);
        if days.is_some_and(|d| !(1..=366).contains(&d)) {
            invalid.add("expires_in_days", "must be between 1 and 366 days");
        }
        invalid.finish(())?;
        let now = self.clock().now();
        let secret = format!("tf_{}", self.random_hex(24));
        let token = ApiToken {
            id: self.new_id(),
            member_id: owner.member_id,
            task_force_id: owner.task_force_id,
            organization_id: owner.organization_id,
            name,
            prefix: secret.chars().take(10).collect(),
            scope,
            created_at: now,
            expires_at: days.map(|d| now + Duration::days(d)),
            revoked_at: None,
            last_used_at: None,
        };
        let mut tx = self.store().begin().await?;
        db::insert_token(&mut tx, &token, &sha256_hex(&secret)).await?;
        self.audit(
            &mut tx,
            &actor.audit_actor(),
            "api_token.create",
            "api_token",
            &token.id.to_string(),
            Outcome::Success,
            scope.code(),
        )
        .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    /// The member's own tokens: asked of the policy like everything else.
    async fn authorize_own_tokens(
        &self,
        principal: &Principal,
        action: Action,
        id: &str,
    ) -> Result<()> {
        let resource = Resource {
            owner_member: Some(principal.member_id),
            ..Resource::in_task_force(ResourceKind::ApiToken, principal.task_force_id)
        };
        self.authorize(&Actor::Member(principal.clone()), action, &resource, id)
            .await
    }

    pub async fn tokens(&self, principal: &Principal) -> Result<Vec<ApiToken>> {
        self.authorize_own_tokens(principal, Action::List, "")
            .await?;
        let mut conn = self.store().conn().await?;
        Ok(db::tokens_of(&mut conn, principal.member_id).await?)
    }

    pub async fn revoke_token(&self, principal: &Principal, id: uuid::Uuid) -> Result<()> {
        self.authorize_own_tokens(principal, Action::Delete, &id.to_string())
            .await?;
        let actor = Actor::Member(principal.clone()).audit_actor();
        let mut tx = self.store().begin().await?;
        db::revoke_token(&mut tx, principal.member_id, id, self.clock().now()).await?;
        self.audit(
            &mut tx,
            &actor,
            "api_token.revoke",
            "api_token",
            &id.to_string(),
            Outcome::Success,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The principal behind an API token and what the token may do; `None` for an unknown,
    /// expired or revoked token or a closed account.
    pub async fn authenticate_token(
        &self,
        secret: &str,
        source: &str,
    ) -> Result<Option<(Principal, TokenScope)>> {
        let now = self.clock().now();
        let mut conn = self.store().conn().await?;
        let Some(token) = db::token_by_hash(&mut conn, &sha256_hex(secret.trim())).await? else {
            return Ok(None);
        };
        let account = db::account(&mut conn, token.member_id).await?;
        if !token.usable(now) || account.as_ref().is_none_or(|a| a.closed(now).is_some()) {
            return Ok(None);
        }
        let session = Session {
            id_hash: String::new(),
            member_id: token.member_id,
            task_force_id: token.task_force_id,
            organization_id: token.organization_id,
            // A token is made in a session that passed its second factor.
            strong: true,
            csrf_token: String::new(),
            created_at: token.created_at,
            last_seen_at: now,
            source: source.to_owned(),
        };
        let Some(principal) = self.principal_of(&mut conn, &session, source).await? else {
            return Ok(None);
        };
        if token
            .last_used_at
            .is_none_or(|t| now - t >= Duration::minutes(1))
        {
            db::touch_token(&mut conn, token.id, now).await?;
        }
        Ok(Some((principal, token.scope)))
    }

    /// The principal of an account's member, acting in their first organization (for the
    /// operator's command line, e.g. `token create --user`).
    pub async fn principal_for_email(&self, email: &str, source: &str) -> Result<Principal> {
        let mut conn = self.store().conn().await?;
        let account = db::account_by_email(&mut conn, email)
            .await?
            .ok_or(AppError::NotFound)?;
        let member = structure_db::member(&mut conn, account.task_force_id, account.member_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let organization = member
            .primary_membership()
            .map(|m| m.organization_id)
            .ok_or(AppError::NotFound)?;
        let session = Session {
            id_hash: String::new(),
            member_id: member.id,
            task_force_id: account.task_force_id,
            organization_id: organization,
            strong: true,
            csrf_token: String::new(),
            created_at: self.clock().now(),
            last_seen_at: self.clock().now(),
            source: source.to_owned(),
        };
        self.principal_of(&mut conn, &session, source)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Members who hold a role, for sign-in choices (the organizations a member may act in).
    pub async fn memberships_of(
        &self,
        principal: &Principal,
    ) -> Result<Vec<(OrganizationId, String, Vec<Role>)>> {
        let mut conn = self.store().conn().await?;
        let member = structure_db::member(&mut conn, principal.task_force_id, principal.member_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let organizations = structure_db::organizations(&mut conn, principal.task_force_id).await?;
        Ok(member
            .memberships
            .iter()
            .filter_map(|m| {
                organizations
                    .iter()
                    .find(|o| o.id == m.organization_id)
                    .map(|o| (o.id, o.name.clone(), m.roles.clone()))
            })
            .collect())
    }
}

/// The audit actor of an account before it has a principal (sign-in, second factor).
pub(crate) fn account_actor(account: &Account, source: &str) -> AuditActor {
    AuditActor {
        task_force_id: Some(account.task_force_id),
        member_id: Some(account.member_id),
        email: account.email.clone(),
        organization_id: None,
        source: source.to_owned(),
    }
}

/// `xxxxx-xxxxx` from ten hex characters.
pub(crate) fn recovery_code(hex10: &str) -> String {
    format!("{}-{}", &hex10[..5], &hex10[5..10])
}

/// An Argon2id hash (made once) to check against when the e-mail is unknown, so that an unknown
/// address costs as much time as a known one.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        SaltString::encode_b64(b"taskforce-dummy-salt")
            .ok()
            .and_then(|salt| {
                Argon2::default()
                    .hash_password(b"not a password anyone has", &salt)
                    .map(|h| h.to_string())
                    .ok()
            })
            .unwrap_or_default()
    })
}
