//! Security keys and passkeys (WebAuthn) as a second factor, beside the authenticator app.
//!
//! Each ceremony has two halves. `start_…` makes a challenge for the browser and keeps the
//! server's half (the WebAuthn library's state) in the database, keyed by the session, so that
//! whichever instance receives the answer can check it. `finish_…` takes that state (once: a
//! replayed answer finds nothing), checks the browser's answer, and writes the outcome and its
//! audit entry in one transaction. Every success and failure is audited.
//!
//! The library makes the challenges from the operating system's randomness and reads no clock
//! that matters here: ceremony lifetimes are measured with the application's [`Clock`](crate::Clock).

use crate::actor::Actor;
use crate::identity::{account_actor, recovery_code, sha256_hex};
use crate::{App, AppError, Result};
use std::sync::Arc;
use taskforce_domain::access::Principal;
use taskforce_domain::audit::Outcome;
use taskforce_domain::identity::{Account, Session};
use taskforce_domain::passkeys::{
    key_name, CeremonyKind, PendingCeremony, SecurityKey, CEREMONY_LIFETIME,
};
use taskforce_domain::Invalid;
use taskforce_store::{identity as identity_db, passkeys as db, Tx};
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

/// What the audit log says for every ceremony.
const DETAIL: &str = "security key";

/// The site that keys are registered to: its id (the host name) and the origin browsers must
/// report (scheme, host and port of the address people open).
pub struct RelyingParty {
    webauthn: Webauthn,
    id: String,
    origin: String,
}

impl std::fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelyingParty")
            .field("id", &self.id)
            .field("origin", &self.origin)
            .finish()
    }
}

impl RelyingParty {
    /// From the address people open Taskforce at, e.g. `https://taskforce.example.gov` or
    /// `http://localhost:8080`. Browsers refuse security keys on a bare IP address, so the
    /// address must name a host.
    pub fn new(public_url: &str) -> Result<Self> {
        let refuse = |why: &str| AppError::Invalid(Invalid::one("public_url", why));
        let url = Url::parse(public_url.trim()).map_err(|_| {
            refuse(
                "is not an address such as https://taskforce.example.gov or http://localhost:8080",
            )
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(refuse(
                "must start with https:// (or http:// for localhost)",
            ));
        }
        let Some(host) = url.domain() else {
            return Err(refuse(
                "must name a host, not an IP address: browsers refuse security keys on IP addresses (use localhost on this computer)",
            ));
        };
        if url.scheme() == "http" && host != "localhost" && !host.ends_with(".localhost") {
            return Err(refuse(
                "must use https:// unless the host is localhost: browsers offer security keys only to secure sites",
            ));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(refuse(
                "must be the site's root address, with no path (such as https://taskforce.example.gov)",
            ));
        }
        let id = host.to_owned();
        let webauthn = WebauthnBuilder::new(&id, &url)
            .and_then(|b| b.rp_name("Taskforce").build())
            .map_err(|e| refuse(&format!("cannot be used for security keys ({e})")))?;
        let origin = url.origin().ascii_serialization();
        Ok(Self {
            webauthn,
            id,
            origin,
        })
    }

    /// The relying party id: the host name keys are bound to.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The origin browsers must report, e.g. `https://taskforce.example.gov`.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// base64url without padding (how WebAuthn writes credential ids).
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("{what}: {e}"))
}

fn credential_of(key: &SecurityKey) -> Result<Passkey> {
    serde_json::from_str(&key.credential).map_err(|e| internal("stored security key", e))
}

/// The answer could not be used; nothing changed but the audit log.
fn refused(message: &str) -> AppError {
    AppError::Invalid(Invalid::one("credential", message))
}

const START_AGAIN: &str =
    "the security key took too long to answer, or the page was opened elsewhere; try again";

impl App {
    /// The same application, offering security keys and passkeys for this site.
    pub fn with_relying_party(mut self, relying_party: RelyingParty) -> Self {
        self.relying_party = Some(Arc::new(relying_party));
        self
    }

    /// Where security keys are registered, when they are offered at all.
    pub fn relying_party(&self) -> Option<&RelyingParty> {
        self.relying_party.as_deref()
    }

    fn webauthn(&self) -> Result<&Webauthn> {
        self.relying_party
            .as_deref()
            .map(|rp| &rp.webauthn)
            .ok_or_else(|| {
                AppError::Forbidden(
                    "Security keys are not available on this server: its operator has not set its public address (--public-url)."
                        .into(),
                )
            })
    }

    /// The member's security keys, oldest first.
    pub async fn security_keys(&self, principal: &Principal) -> Result<Vec<SecurityKey>> {
        let mut conn = self.store().conn().await?;
        Ok(db::keys_of(&mut conn, principal.task_force_id, principal.member_id).await?)
    }

    async fn ceremony_account(&self, tx: &mut Tx, session: &Session) -> Result<Account> {
        identity_db::account(tx.conn(), session.member_id)
            .await?
            .filter(|a| a.task_force_id == session.task_force_id)
            .ok_or(AppError::NotFound)
    }

    /// Keeps the server's half of a ceremony for the session, forgetting abandoned ones.
    async fn keep_ceremony(
        &self,
        tx: &mut Tx,
        session: &Session,
        kind: CeremonyKind,
        state: String,
        key_name: String,
    ) -> Result<()> {
        let now = self.clock().now();
        db::delete_stale_ceremonies(tx, now - CEREMONY_LIFETIME).await?;
        db::put_ceremony(
            tx,
            &PendingCeremony {
                session_id_hash: session.id_hash.clone(),
                member_id: session.member_id,
                kind,
                state,
                key_name,
                created_at: now,
            },
        )
        .await?;
        Ok(())
    }

    /// Takes the session's ceremony of this kind, if one is waiting and still fresh.
    async fn take_ceremony(
        &self,
        tx: &mut Tx,
        session: &Session,
        kind: CeremonyKind,
    ) -> Result<Option<PendingCeremony>> {
        let now = self.clock().now();
        Ok(db::take_ceremony(tx, &session.id_hash)
            .await?
            .filter(|c| c.kind == kind && c.member_id == session.member_id && !c.expired(now)))
    }

    // -- registration ---------------------------------------------------------------------------

    /// Starts adding a security key: to enrol one instead of an authenticator app (a session
    /// that has not given a second factor, of an account that has none), or to add another from
    /// a session that has. Returns the options for `navigator.credentials.create()` as JSON.
    pub async fn start_key_registration(
        &self,
        session: &Session,
        principal: &Principal,
        name: &str,
    ) -> Result<String> {
        let webauthn = self.webauthn()?;
        let mut tx = self.store().begin().await?;
        let account = self.ceremony_account(&mut tx, session).await?;
        if !session.strong && account.has_second_factor() {
            return Err(AppError::Forbidden(
                "Confirm it is you with your second factor before adding a security key.".into(),
            ));
        }
        let keys = db::keys_of(tx.conn(), account.task_force_id, account.member_id).await?;
        let name = key_name(name, keys.len())?;
        let exclude = keys
            .iter()
            .map(|k| credential_of(k).map(|p| p.cred_id().clone()))
            .collect::<Result<Vec<_>>>()?;
        let (options, state) = webauthn
            .start_passkey_registration(
                account.member_id.0,
                &account.email,
                &principal.name,
                Some(exclude),
            )
            .map_err(|e| internal("security key registration", e))?;
        let state = serde_json::to_string(&state).map_err(|e| internal("ceremony state", e))?;
        self.keep_ceremony(&mut tx, session, CeremonyKind::Register, state, name)
            .await?;
        tx.commit().await?;
        serde_json::to_string(&options).map_err(|e| internal("registration options", e))
    }

    /// Finishes adding a security key with the browser's answer (the JSON of the new
    /// credential). A session that had not given its second factor has now: it is marked so.
    /// Returns fresh one-time recovery codes when the account had no unused ones (shown once),
    /// otherwise none.
    pub async fn finish_key_registration(
        &self,
        session: &Session,
        principal: &Principal,
        credential: &str,
    ) -> Result<Vec<String>> {
        let webauthn = self.webauthn()?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let account = self.ceremony_account(&mut tx, session).await?;
        let actor = if session.strong {
            Actor::Member(principal.clone()).audit_actor()
        } else {
            account_actor(&account, &principal.source)
        };
        let id = account.member_id.to_string();
        let ceremony = self
            .take_ceremony(&mut tx, session, CeremonyKind::Register)
            .await?;
        let outcome: std::result::Result<(PendingCeremony, Passkey), (String, AppError)> =
            match ceremony {
                None => Err(("no registration waiting".into(), refused(START_AGAIN))),
                Some(_) if !session.strong && account.has_second_factor() => Err((
                    "a second factor is already set up".into(),
                    AppError::Forbidden(
                        "Confirm it is you with your second factor before adding a security key."
                            .into(),
                    ),
                )),
                Some(ceremony) => {
                    let state: PasskeyRegistration = serde_json::from_str(&ceremony.state)
                        .map_err(|e| internal("ceremony state", e))?;
                    match serde_json::from_str::<RegisterPublicKeyCredential>(credential) {
                        Err(_) => Err((
                            "unreadable answer".into(),
                            refused("the browser's answer could not be read; try again"),
                        )),
                        Ok(answer) => match webauthn.finish_passkey_registration(&answer, &state) {
                            Ok(passkey) => Ok((ceremony, passkey)),
                            Err(e) => Err((
                                format!("not verified ({e})"),
                                refused(
                                    "the security key's answer could not be verified; try again",
                                ),
                            )),
                        },
                    }
                }
            };
        let (ceremony, passkey) = match outcome {
            Ok(done) => done,
            Err((why, error)) => {
                self.audit(
                    &mut tx,
                    &actor,
                    "second_factor.enrol",
                    "account",
                    &id,
                    Outcome::Failure,
                    &format!("{DETAIL}: {why}"),
                )
                .await?;
                tx.commit().await?;
                return Err(error);
            }
        };
        let key = SecurityKey {
            id: self.new_id(),
            member_id: account.member_id,
            task_force_id: account.task_force_id,
            credential_id: base64url(passkey.cred_id().as_ref()),
            credential: serde_json::to_string(&passkey).map_err(|e| internal("security key", e))?,
            name: ceremony.key_name.clone(),
            created_at: now,
            last_used_at: None,
        };
        match db::insert_key(&mut tx, &key).await {
            Ok(()) => {}
            Err(taskforce_store::StoreError::Duplicate { .. }) => {
                // The key is registered already (to this account or another): say so, change nothing.
                drop(tx);
                let mut tx = self.store().begin().await?;
                self.audit(
                    &mut tx,
                    &actor,
                    "second_factor.enrol",
                    "account",
                    &id,
                    Outcome::Failure,
                    &format!("{DETAIL}: already registered"),
                )
                .await?;
                tx.commit().await?;
                return Err(refused(
                    "this security key is registered already; use another one",
                ));
            }
            Err(other) => return Err(other.into()),
        }
        if !session.strong {
            identity_db::strengthen_session(&mut tx, &session.id_hash).await?;
            // An authenticator app half set up is not needed any more.
            if account.totp_secret.is_none() {
                identity_db::set_totp_pending(&mut tx, account.member_id, None).await?;
            }
        }
        let codes = if identity_db::unused_recovery_codes(tx.conn(), account.member_id).await? == 0
        {
            let codes: Vec<String> = (0..10)
                .map(|_| recovery_code(&self.random_hex(5)))
                .collect();
            let hashes: Vec<String> = codes.iter().map(|c| sha256_hex(c)).collect();
            db::replace_recovery_codes(&mut tx, account.member_id, &hashes).await?;
            codes
        } else {
            Vec::new()
        };
        self.audit(
            &mut tx,
            &actor,
            "second_factor.enrol",
            "account",
            &id,
            Outcome::Success,
            DETAIL,
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    // -- authentication -------------------------------------------------------------------------

    /// Starts proving the second factor with one of the account's keys. Returns the options for
    /// `navigator.credentials.get()` as JSON.
    pub async fn start_key_authentication(&self, session: &Session) -> Result<String> {
        let webauthn = self.webauthn()?;
        let mut tx = self.store().begin().await?;
        let account = self.ceremony_account(&mut tx, session).await?;
        let keys = db::keys_of(tx.conn(), account.task_force_id, account.member_id).await?;
        if keys.is_empty() {
            return Err(refused("no security key is registered to this account"));
        }
        let credentials = keys.iter().map(credential_of).collect::<Result<Vec<_>>>()?;
        let (options, state) = webauthn
            .start_passkey_authentication(&credentials)
            .map_err(|e| internal("security key authentication", e))?;
        let state = serde_json::to_string(&state).map_err(|e| internal("ceremony state", e))?;
        self.keep_ceremony(
            &mut tx,
            session,
            CeremonyKind::Authenticate,
            state,
            String::new(),
        )
        .await?;
        tx.commit().await?;
        serde_json::to_string(&options).map_err(|e| internal("authentication options", e))
    }

    /// Checks the browser's answer (the JSON of the assertion) against the started ceremony. On
    /// success the session has given its second factor. A wrong answer counts as a failed
    /// attempt towards the lockout, as a wrong code does.
    pub async fn finish_key_authentication(
        &self,
        session: &Session,
        principal: &Principal,
        credential: &str,
    ) -> Result<()> {
        let webauthn = self.webauthn()?;
        let now = self.clock().now();
        let mut tx = self.store().begin().await?;
        let account = self.ceremony_account(&mut tx, session).await?;
        let actor = account_actor(&account, &principal.source);
        let id = account.member_id.to_string();
        let Some(ceremony) = self
            .take_ceremony(&mut tx, session, CeremonyKind::Authenticate)
            .await?
        else {
            self.audit(
                &mut tx,
                &actor,
                "second_factor.failure",
                "account",
                &id,
                Outcome::Failure,
                &format!("{DETAIL}: no challenge waiting"),
            )
            .await?;
            tx.commit().await?;
            return Err(refused(START_AGAIN));
        };
        let state: PasskeyAuthentication =
            serde_json::from_str(&ceremony.state).map_err(|e| internal("ceremony state", e))?;
        let keys = db::keys_of(tx.conn(), account.task_force_id, account.member_id).await?;
        let verified = serde_json::from_str::<PublicKeyCredential>(credential)
            .map_err(|_| "unreadable answer".to_owned())
            .and_then(|answer| {
                webauthn
                    .finish_passkey_authentication(&answer, &state)
                    .map_err(|e| format!("not verified ({e})"))
            })
            .and_then(|result| {
                // The key may have been removed since the challenge was made.
                keys.iter()
                    .find_map(|k| {
                        let mut passkey = credential_of(k).ok()?;
                        passkey.update_credential(&result).map(|_| (k, passkey))
                    })
                    .ok_or_else(|| "key no longer registered".to_owned())
            });
        let (key, passkey) = match verified {
            Ok(found) => found,
            Err(why) => {
                self.second_factor_failed(
                    &mut tx,
                    &account,
                    session,
                    &actor,
                    &format!("{DETAIL}: {why}"),
                )
                .await?;
                tx.commit().await?;
                return Err(refused(
                    "that security key was not accepted; try again with a key registered to this account",
                ));
            }
        };
        let stored = serde_json::to_string(&passkey).map_err(|e| internal("security key", e))?;
        db::record_key_use(
            &mut tx,
            account.task_force_id,
            account.member_id,
            &key.credential_id,
            &stored,
            now,
        )
        .await?;
        identity_db::record_sign_in(&mut tx, account.member_id, now).await?;
        identity_db::strengthen_session(&mut tx, &session.id_hash).await?;
        self.audit(
            &mut tx,
            &actor,
            "second_factor.success",
            "account",
            &id,
            Outcome::Success,
            DETAIL,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -- the member's own keys ------------------------------------------------------------------

    /// Removes one of the member's keys. The last second factor cannot be removed this way (an
    /// administrator's reset can): add an authenticator app or another key first.
    pub async fn remove_security_key(&self, principal: &Principal, id: uuid::Uuid) -> Result<()> {
        let actor = Actor::Member(principal.clone()).audit_actor();
        let mut tx = self.store().begin().await?;
        let account = identity_db::account(tx.conn(), principal.member_id)
            .await?
            .filter(|a| a.task_force_id == principal.task_force_id)
            .ok_or(AppError::NotFound)?;
        let keys = db::keys_of(tx.conn(), principal.task_force_id, principal.member_id).await?;
        if !keys.iter().any(|k| k.id == id) {
            return Err(AppError::NotFound);
        }
        if account.totp_secret.is_none() && keys.len() == 1 {
            return Err(Invalid::one(
                "security_key",
                "this is your only second factor, so it cannot be removed; add another security key first",
            )
            .into());
        }
        let key = db::delete_key(&mut tx, principal.task_force_id, principal.member_id, id).await?;
        self.audit(
            &mut tx,
            &actor,
            "second_factor.remove",
            "security_key",
            &id.to_string(),
            Outcome::Success,
            &format!("{DETAIL}: {}", key.name),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff, 0xfe]), "-__-");
    }

    #[test]
    fn the_public_url_names_a_host_and_is_secure_unless_local() {
        let rp = RelyingParty::new("http://localhost:8080").expect("localhost");
        assert_eq!(
            (rp.id(), rp.origin()),
            ("localhost", "http://localhost:8080")
        );
        let rp = RelyingParty::new("https://taskforce.example.gov/").expect("https");
        assert_eq!(
            (rp.id(), rp.origin()),
            ("taskforce.example.gov", "https://taskforce.example.gov")
        );
        for bad in [
            "http://127.0.0.1:8080",
            "https://[::1]:8443",
            "http://taskforce.example.gov",
            "https://taskforce.example.gov/app",
            "ftp://localhost",
            "localhost:8080",
        ] {
            let err = RelyingParty::new(bad).expect_err(bad);
            assert!(
                matches!(&err, AppError::Invalid(i) if i.message_for("public_url").is_some()),
                "{bad}: {err:?}"
            );
        }
    }
}
