//! Master keys: where the server finds them, and `taskforce keys generate|rotate|status`.
//!
//! The master key wraps each organization's data key (the database holds only wrapped keys).
//! It comes from `--master-key-file` / `TASKFORCE_MASTER_KEY_FILE`, or from the
//! `TASKFORCE_MASTER_KEY` variable; with the built-in default database, a key file is made
//! beside it on first start. Rotation: start every server with the new key and
//! `--previous-master-key-file OLD`, run `taskforce keys rotate`, then drop the old key.

use crate::DatabaseArgs;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use rand::RngCore;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use taskforce_app::{App, Keyring, MasterKey, SystemClock};
use taskforce_store::Store;

#[derive(Args, Clone, Default)]
pub(crate) struct KeyArgs {
    /// File holding the master key (64 hexadecimal digits; make one with `taskforce keys generate`).
    #[arg(long, env = "TASKFORCE_MASTER_KEY_FILE")]
    pub(crate) master_key_file: Option<PathBuf>,
    /// A previous master key still accepted while `keys rotate` re-wraps data keys (repeatable).
    #[arg(long)]
    pub(crate) previous_master_key_file: Vec<PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Print a new random master key.
    Generate,
    /// Re-wrap every data key under the current master key (servers keep running).
    Rotate {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        keys: KeyArgs,
    },
    /// How many data keys each master key wraps.
    Status {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(flatten)]
        keys: KeyArgs,
    },
}

fn read_key(path: &Path) -> Result<MasterKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("master key file {}: cannot read it", path.display()))?;
    MasterKey::parse(&text).map_err(|e| anyhow::anyhow!("master key file {}: {e}", path.display()))
}

fn new_key_text() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a new key file readable by its owner only; refuses to overwrite one.
fn create_key_file(path: &Path) -> Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create master key file {}", path.display()))?;
    writeln!(file, "{}", new_key_text())?;
    Ok(())
}

/// The keyring from flags and environment; `default_file` is used (made on first use) when none
/// is given. `None`: no key configured, so sensitive text can be neither stored nor read.
pub(crate) fn keyring(args: &KeyArgs, default_file: Option<&Path>) -> Result<Option<Keyring>> {
    let current = if let Some(path) = &args.master_key_file {
        Some(read_key(path)?)
    } else if let Ok(text) = std::env::var("TASKFORCE_MASTER_KEY") {
        Some(MasterKey::parse(&text).map_err(|e| anyhow::anyhow!("TASKFORCE_MASTER_KEY: {e}"))?)
    } else if let Some(path) = default_file {
        if !path.exists() {
            create_key_file(path)?;
            tracing::warn!(file = %path.display(), "made a new master key file; back it up apart from the database: without it, notes, narratives and attachments cannot be read");
        }
        Some(read_key(path)?)
    } else {
        None
    };
    let Some(current) = current else {
        if !args.previous_master_key_file.is_empty() {
            bail!("--previous-master-key-file needs a current key (--master-key-file)");
        }
        return Ok(None);
    };
    let previous = args
        .previous_master_key_file
        .iter()
        .map(|p| read_key(p))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Keyring::new(current, previous)))
}

pub(crate) async fn run(command: KeysCommand) -> Result<ExitCode> {
    match command {
        KeysCommand::Generate => {
            println!("{}", new_key_text());
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Rotate { db, keys } => {
            let app = open(&db, &keys).await?;
            let done = app.rotate_keys().await?;
            println!("{done} data keys re-wrapped under the current master key");
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Status { db, keys } => {
            let app = open(&db, &keys).await?;
            for (id, n) in app.key_status().await? {
                println!("master key {id}: {n} data keys");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn open(db: &DatabaseArgs, keys: &KeyArgs) -> Result<App> {
    let (url, _) = crate::database_url(db.database.as_deref())?;
    let store = Store::open(&url, taskforce_store::Create::Never).await?;
    store.check_schema().await?;
    let Some(keyring) = keyring(keys, None)? else {
        bail!("give the master key: --master-key-file FILE or TASKFORCE_MASTER_KEY");
    };
    Ok(App::new(store, Arc::new(SystemClock), crate::entropy()).with_keyring(keyring))
}
