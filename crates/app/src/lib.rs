//! Use cases of Taskforce.
//!
//! Each use case validates its input with the domain, reads what it needs and writes through the
//! store in one transaction. Time and randomness come from the [`App`]'s [`Clock`] and seeded
//! random source, never from the system directly, so tests and the demo control them.
//!
//! Architecture invariant: nothing here knows about HTTP, HTML or the command line, and nothing
//! here writes SQL.

mod actor;
pub mod audit;
mod audit_access;
pub mod bench_load;
pub mod cases;
mod clock;
pub mod consent;
mod crypto;
pub mod deconfliction;
pub mod demo;
pub mod demo_cases;
mod demo_deconfliction;
mod demo_duplicates;
pub mod demo_operations;
mod demo_referrals;
pub mod demo_services;
pub mod duplicates;
mod error;
pub mod identity;
pub mod intake;
pub mod notifications;
pub mod operations;
pub mod passkeys;
pub mod referrals;
pub mod reviews;
mod search_kinds;
pub mod services;
pub mod structure;
pub mod threat;

pub use actor::Actor;
pub use audit::AuditVerification;
pub use clock::{Clock, FixedClock, SystemClock};
pub use crypto::{Keyring, MasterKey};
pub use error::AppError;
pub use notifications::Mailer;
pub use passkeys::RelyingParty;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::sync::{Arc, Mutex};
use taskforce_domain::identity::SecuritySettings;
use taskforce_store::Store;
use uuid::Uuid;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The application: the store, the clock and the random source that every use case shares.
#[derive(Clone)]
pub struct App {
    store: Store,
    clock: Arc<dyn Clock>,
    rng: Arc<Mutex<ChaCha20Rng>>,
    settings: Arc<SecuritySettings>,
    /// Where security keys and passkeys are registered (`None`: not offered).
    relying_party: Option<Arc<RelyingParty>>,
    /// The master keys (`None`: sensitive text can be neither stored nor read).
    keyring: Option<Arc<Keyring>>,
    key_cache: Arc<crypto::KeyCache>,
}

impl App {
    /// `seed` makes ids reproducible (the demo, tests); production passes entropy from the OS.
    pub fn new(store: Store, clock: Arc<dyn Clock>, seed: [u8; 32]) -> Self {
        Self {
            store,
            clock,
            rng: Arc::new(Mutex::new(ChaCha20Rng::from_seed(seed))),
            settings: Arc::new(SecuritySettings::default()),
            relying_party: None,
            keyring: None,
            key_cache: Arc::default(),
        }
    }

    /// The same application holding these master keys.
    pub fn with_keyring(mut self, keyring: Keyring) -> Self {
        self.keyring = Some(Arc::new(keyring));
        self.key_cache = Arc::default();
        self
    }

    /// Whether a master key is configured.
    pub fn has_keyring(&self) -> bool {
        self.keyring.is_some()
    }

    /// The same application with other security settings (lockout, timeouts, banner).
    pub fn with_settings(mut self, settings: SecuritySettings) -> Self {
        self.settings = Arc::new(settings);
        self
    }

    pub fn settings(&self) -> &SecuritySettings {
        &self.settings
    }

    /// Fills `buf` from the application's random source.
    pub fn fill_random(&self, buf: &mut [u8]) {
        match self.rng.lock() {
            Ok(mut rng) => rng.fill_bytes(buf),
            Err(poisoned) => poisoned.into_inner().fill_bytes(buf),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// A new time-ordered id (UUID v7) from the clock and the random source.
    pub fn new_id(&self) -> Uuid {
        let mut bytes = [0u8; 10];
        self.fill_random(&mut bytes);
        let millis = u64::try_from(self.clock.now().timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }

    /// Whether the database answers.
    pub async fn healthy(&self) -> bool {
        self.store.ping().await.is_ok()
    }
}
