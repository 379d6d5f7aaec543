//! Encryption at rest. Narratives, notes and attachments are sealed with AES-256-GCM under the
//! holding organization's data key; data keys are stored only wrapped (AES-256-GCM) by a master
//! key that lives outside the database (a key file or the environment). Rotation re-wraps the
//! data keys under a new master key while servers holding both keys keep working.
//!
//! Sealed text: `v1.<data key id>.<base64url(nonce | ciphertext | tag)>`, with the task force
//! and the key id as associated data, so a value moved to another tenant or key fails to open.

use crate::{App, AppError, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use taskforce_domain::*;
use taskforce_store::keys::{self as db, DataKeyRow};
use taskforce_store::{Connection, Tx};

/// A master key: 32 bytes, named by a fingerprint that reveals nothing of it.
pub struct MasterKey {
    id: String,
    key: LessSafeKey,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self> {
        let mut hasher = Sha256::new();
        hasher.update(b"taskforce master key id\0");
        hasher.update(bytes);
        let id = hex::encode(&hasher.finalize()[..8]);
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| AppError::Internal("cannot use the master key".into()))?;
        Ok(Self {
            id,
            key: LessSafeKey::new(key),
        })
    }

    /// A key written as 64 hexadecimal digits or 43-44 characters of base64.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 {
            hex::decode(text).map_err(|_| "the key is not hexadecimal".to_owned())?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .or_else(|_| B64.decode(text.trim_end_matches('=')))
                .map_err(|_| {
                    "a master key is 32 bytes written as 64 hexadecimal digits or in base64"
                        .to_owned()
                })?
        };
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
            "a master key is 32 bytes (64 hexadecimal digits); make one with `taskforce keys generate`"
                .to_owned()
        })?;
        Self::from_bytes(&bytes).map_err(|e| e.to_string())
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The master keys a process holds: the current one wraps new data keys; previous ones still
/// open keys not yet re-wrapped (during a rotation).
#[derive(Debug)]
pub struct Keyring {
    current: MasterKey,
    previous: Vec<MasterKey>,
}

impl Keyring {
    pub fn new(current: MasterKey, previous: Vec<MasterKey>) -> Self {
        Self { current, previous }
    }

    pub fn current(&self) -> &MasterKey {
        &self.current
    }

    fn by_id(&self, id: &str) -> Option<&MasterKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
    }
}

/// Data keys already unwrapped, by id.
#[derive(Default)]
pub(crate) struct KeyCache(RwLock<HashMap<String, Arc<[u8; 32]>>>);

const DATA: &str = "data";
const SEARCH: &str = "search";
/// The blind index of target deconfliction has its own key, never the search key.
const DECONFLICTION: &str = "deconfliction";

fn seal_with(
    key: &LessSafeKey,
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
    plain: &[u8],
) -> Result<Vec<u8>> {
    let mut buf = plain.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut buf,
    )
    .map_err(|_| AppError::Internal("encryption failed".into()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&buf);
    Ok(out)
}

fn open_with(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(AppError::Internal("a sealed value is too short".into()));
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce)
        .map_err(|_| AppError::Internal("a sealed value has a bad nonce".into()))?;
    let mut buf = body.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .map_err(|_| {
            AppError::Internal("a sealed value did not open: wrong key or altered data".into())
        })?;
    Ok(plain.to_vec())
}

fn wrap_aad(row: &DataKeyRow) -> String {
    format!(
        "taskforce data key|{}|{}|{}|{}",
        row.task_force_id,
        row.organization_id
            .map(|o| o.to_string())
            .unwrap_or_default(),
        row.purpose,
        row.id
    )
}

fn aes(bytes: &[u8; 32]) -> Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| AppError::Internal("cannot use a data key".into()))
}

impl App {
    fn keyring(&self) -> Result<&Keyring> {
        self.keyring.as_deref().ok_or_else(|| {
            AppError::Internal(
                "no master key is configured (--master-key-file or TASKFORCE_MASTER_KEY); sensitive text cannot be stored or read".into(),
            )
        })
    }

    fn unwrap_key(&self, row: &DataKeyRow) -> Result<Arc<[u8; 32]>> {
        if let Some(key) = self
            .key_cache
            .0
            .read()
            .ok()
            .and_then(|c| c.get(&row.id).cloned())
        {
            return Ok(key);
        }
        let master = self.keyring()?.by_id(&row.master_key_id).ok_or_else(|| {
            AppError::Internal(format!(
                "data key {} is wrapped by master key {}, which this server does not hold",
                row.id, row.master_key_id
            ))
        })?;
        let wrapped = B64
            .decode(&row.wrapped)
            .map_err(|_| AppError::Internal("a wrapped data key is not base64".into()))?;
        let plain = open_with(&master.key, wrap_aad(row).as_bytes(), &wrapped)?;
        let bytes: [u8; 32] = plain
            .try_into()
            .map_err(|_| AppError::Internal("a data key has the wrong length".into()))?;
        let key = Arc::new(bytes);
        if let Ok(mut cache) = self.key_cache.0.write() {
            cache.insert(row.id.clone(), key.clone());
        }
        Ok(key)
    }

    /// The data key of `organization` (or the task force's, with `None`) for `purpose`, made and
    /// wrapped on first use inside `tx`.
    async fn data_key(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        organization: Option<OrganizationId>,
        purpose: &str,
    ) -> Result<(String, Arc<[u8; 32]>)> {
        if let Some(row) = db::find(tx.conn(), tf, organization, purpose).await? {
            return Ok((row.id.clone(), self.unwrap_key(&row)?));
        }
        let master = self.keyring()?.current();
        let mut bytes = [0u8; 32];
        self.fill_random(&mut bytes);
        let mut row = DataKeyRow {
            id: self.new_id().to_string(),
            task_force_id: tf,
            organization_id: organization,
            purpose: purpose.to_owned(),
            wrapped: String::new(),
            master_key_id: master.id.clone(),
            created_at: self.clock().now(),
        };
        let mut nonce = [0u8; NONCE_LEN];
        self.fill_random(&mut nonce);
        row.wrapped = B64.encode(seal_with(
            &master.key,
            nonce,
            wrap_aad(&row).as_bytes(),
            &bytes,
        )?);
        db::insert(tx, &row).await?;
        let key = Arc::new(bytes);
        if let Ok(mut cache) = self.key_cache.0.write() {
            cache.insert(row.id.clone(), key.clone());
        }
        Ok((row.id, key))
    }

    /// Encrypts `plaintext` under the data key of organization `org` (made on first use).
    pub(crate) async fn seal(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        org: OrganizationId,
        plaintext: &str,
    ) -> Result<String> {
        self.seal_bytes(tx, tf, org, plaintext.as_bytes()).await
    }

    pub(crate) async fn seal_bytes(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        org: OrganizationId,
        plain: &[u8],
    ) -> Result<String> {
        if plain.is_empty() {
            return Ok(String::new());
        }
        let (key_id, key) = self.data_key(tx, tf, Some(org), DATA).await?;
        let mut nonce = [0u8; NONCE_LEN];
        self.fill_random(&mut nonce);
        let aad = format!("{tf}|{key_id}");
        let sealed = seal_with(&aes(&key)?, nonce, aad.as_bytes(), plain)?;
        Ok(format!("v1.{key_id}.{}", B64.encode(sealed)))
    }

    /// Decrypts a value written by [`App::seal`].
    pub(crate) async fn unseal(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        sealed: &str,
    ) -> Result<String> {
        let bytes = self.unseal_bytes(conn, tf, sealed).await?;
        String::from_utf8(bytes).map_err(|_| AppError::Internal("sealed text is not UTF-8".into()))
    }

    pub(crate) async fn unseal_bytes(
        &self,
        conn: &mut Connection,
        tf: TaskForceId,
        sealed: &str,
    ) -> Result<Vec<u8>> {
        if sealed.is_empty() {
            return Ok(Vec::new());
        }
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(AppError::Internal(
                "a sealed value has an unknown format".into(),
            ));
        };
        let row = db::by_id(conn, tf, key_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("data key {key_id} is missing")))?;
        let key = self.unwrap_key(&row)?;
        let body = B64
            .decode(body)
            .map_err(|_| AppError::Internal("a sealed value is not base64".into()))?;
        open_with(&aes(&key)?, format!("{tf}|{key_id}").as_bytes(), &body)
    }

    /// The keyed tokens of `terms` for the task force's search index: the same word gives the
    /// same token, and the index never holds the word.
    pub(crate) async fn search_tokens(
        &self,
        tx_or_conn: &mut Connection,
        tf: TaskForceId,
        terms: &[String],
    ) -> Result<Vec<String>> {
        let Some(row) = db::find(tx_or_conn, tf, None, SEARCH).await? else {
            // No key yet means nothing was ever indexed: no word can match.
            return Ok(terms.iter().map(|_| "t0".to_owned()).collect());
        };
        let key = self.unwrap_key(&row)?;
        Ok(tokens_with(&key, terms))
    }

    pub(crate) async fn index_tokens(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        terms: &[String],
    ) -> Result<Vec<String>> {
        let (_, key) = self.data_key(tx, tf, None, SEARCH).await?;
        Ok(tokens_with(&key, terms))
    }

    /// Re-wraps every data key not yet under the current master key, a page per transaction,
    /// so servers keep working throughout. Returns how many were re-wrapped.
    pub async fn rotate_keys(&self) -> Result<u64> {
        let keyring = self.keyring()?;
        let current = keyring.current();
        let mut done = 0;
        loop {
            let mut tx = self.store().begin().await?;
            let page = db::wrapped_by_other(tx.conn(), &current.id, 500).await?;
            if page.is_empty() {
                tx.commit().await?;
                return Ok(done);
            }
            for row in &page {
                let key = self.unwrap_key(row)?;
                let mut nonce = [0u8; NONCE_LEN];
                self.fill_random(&mut nonce);
                let wrapped = B64.encode(seal_with(
                    &current.key,
                    nonce,
                    wrap_aad(row).as_bytes(),
                    key.as_ref(),
                )?);
                if db::rewrap(&mut tx, row, &wrapped, &current.id, self.clock().now()).await? {
                    done += 1;
                }
            }
            self.audit(
                &mut tx,
                &crate::Actor::System("keys rotate").audit_actor(),
                "keys.rotate",
                "data_key",
                &current.id,
                taskforce_domain::audit::Outcome::Success,
                &format!("{} data keys re-wrapped", page.len()),
            )
            .await?;
            tx.commit().await?;
        }
    }

    /// How many data keys each master key wraps.
    pub async fn key_status(&self) -> Result<Vec<(String, i64)>> {
        let mut conn = self.store().conn().await?;
        Ok(db::count_by_master(&mut conn).await?)
    }
}

fn tokens_with(key: &[u8; 32], terms: &[String]) -> Vec<String> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    terms
        .iter()
        .map(|term| {
            let tag = hmac::sign(&key, term.as_bytes());
            // 80 bits: collisions are negligible at any realistic vocabulary size.
            format!("t{}", hex::encode(&tag.as_ref()[..10]))
        })
        .collect()
}

/// One organization's data key held open for many seals in a row: the benchmark bulk loader's
/// (see [`App::bench_load`]); it writes exactly what [`App::seal`] writes.
pub(crate) struct Sealer {
    key_id: String,
    key: LessSafeKey,
    aad: String,
}

/// The task force's search key held open for many records in a row (the bulk loader's).
pub(crate) struct Tokenizer(hmac::Key);

impl Tokenizer {
    pub(crate) fn tokens(&self, terms: &[String]) -> Vec<String> {
        terms
            .iter()
            .map(|term| {
                let tag = hmac::sign(&self.0, term.as_bytes());
                format!("t{}", hex::encode(&tag.as_ref()[..10]))
            })
            .collect()
    }
}

impl App {
    pub(crate) async fn sealer(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
        org: OrganizationId,
    ) -> Result<Sealer> {
        let (key_id, key) = self.data_key(tx, tf, Some(org), DATA).await?;
        Ok(Sealer {
            aad: format!("{tf}|{key_id}"),
            key: aes(&key)?,
            key_id,
        })
    }

    pub(crate) fn seal_for_bench(&self, sealer: &Sealer, plain: &[u8]) -> Result<String> {
        if plain.is_empty() {
            return Ok(String::new());
        }
        let mut nonce = [0u8; NONCE_LEN];
        self.fill_random(&mut nonce);
        let sealed = seal_with(&sealer.key, nonce, sealer.aad.as_bytes(), plain)?;
        Ok(format!("v1.{}.{}", sealer.key_id, B64.encode(sealed)))
    }

    /// The task force's deconfliction key (made on first use): the HMAC key of the pointer
    /// index, separate from the search key so neither index can be matched against the other.
    pub(crate) async fn deconfliction_key(
        &self,
        tx: &mut Tx,
        tf: TaskForceId,
    ) -> Result<taskforce_linkage::blind::BlindKey> {
        let (_, key) = self.data_key(tx, tf, None, DECONFLICTION).await?;
        taskforce_linkage::blind::BlindKey::new(key.as_ref())
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    pub(crate) async fn tokenizer(&self, tx: &mut Tx, tf: TaskForceId) -> Result<Tokenizer> {
        let (_, key) = self.data_key(tx, tf, None, SEARCH).await?;
        Ok(Tokenizer(hmac::Key::new(hmac::HMAC_SHA256, key.as_ref())))
    }
}
