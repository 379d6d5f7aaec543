//! `taskforce tips import`: hotline tip exports (CSV) into a task force, checked whole first.
//!
//! Every row is checked before any is written; a file with a bad row imports nothing and each
//! problem is printed with its line, field and reason. `--dry-run` checks only. Imported tips
//! are routed like public tips (the task force's intake organization) and their narratives are
//! sealed, so the master key is needed.

use crate::keys::{keyring, KeyArgs};
use crate::DatabaseArgs;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use taskforce_app::{Actor, App, AppError, SystemClock};
use taskforce_domain::intake::ImportMapping;
use taskforce_domain::TaskForceId;
use taskforce_store::Store;

#[derive(Subcommand)]
pub(crate) enum TipsCommand {
    /// Import a hotline export (CSV with a header row); nothing is imported if any row is bad.
    Import(ImportArgs),
}

#[derive(Args)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    #[command(flatten)]
    keys: KeyArgs,
    /// The task force the tips are for (its id).
    #[arg(long)]
    task_force: String,
    /// A column of the file and the tip field it holds, e.g. --map "Call Summary=narrative"
    /// (repeatable). Fields: narrative, received_at, place, county, occurred, occurred_on,
    /// trafficking_type, naics, minors, contact, external_reference.
    #[arg(long = "map", required = true)]
    map: Vec<String>,
    /// Check every row and report, importing nothing.
    #[arg(long)]
    dry_run: bool,
    /// The CSV file.
    file: PathBuf,
}

const ACTOR: Actor = Actor::System("cli tips import");

pub(crate) async fn run(command: TipsCommand) -> Result<ExitCode> {
    match command {
        TipsCommand::Import(args) => import(args).await,
    }
}

async fn import(args: ImportArgs) -> Result<ExitCode> {
    let tf: TaskForceId = args.task_force.trim().parse().map_err(|_| {
        anyhow::anyhow!("--task-force: {:?} is not a task force id", args.task_force)
    })?;
    let mapping = match ImportMapping::parse(&args.map) {
        Ok(mapping) => mapping,
        Err(invalid) => {
            for e in &invalid.errors {
                eprintln!("--map ({}): {}", e.field, e.message);
            }
            return Ok(ExitCode::from(2));
        }
    };
    let data = std::fs::read(&args.file)
        .with_context(|| format!("{}: cannot read the file", args.file.display()))?;
    let (url, _) = crate::database_url(args.db.database.as_deref())?;
    let store = Store::open(&url, taskforce_store::Create::Never).await?;
    store.check_schema().await?;
    let Some(keyring) = keyring(&args.keys, None)? else {
        bail!("give the master key (--master-key-file FILE or TASKFORCE_MASTER_KEY): tip narratives are stored encrypted");
    };
    let app = App::new(store, Arc::new(SystemClock), crate::entropy()).with_keyring(keyring);
    let report = match app
        .import_tips(&ACTOR, tf, &data, &mapping, args.dry_run)
        .await
    {
        Ok(report) => report,
        Err(AppError::NotFound) => bail!("--task-force: no task force {tf}"),
        Err(AppError::Invalid(invalid)) => {
            for e in &invalid.errors {
                eprintln!("{}: {}", e.field, e.message);
            }
            return Ok(ExitCode::from(2));
        }
        Err(other) => return Err(other.into()),
    };
    for p in &report.problems {
        eprintln!(
            "{}: line {}: {}: {}",
            args.file.display(),
            p.line,
            p.field,
            p.reason
        );
    }
    if !report.problems.is_empty() {
        eprintln!(
            "{} problem(s); nothing was imported ({} rows were fine).",
            report.problems.len(),
            report.accepted
        );
        return Ok(ExitCode::from(2));
    }
    if report.committed {
        println!("imported {} tips", report.accepted);
    } else {
        println!(
            "{} rows are ready to import (dry run: nothing imported)",
            report.accepted
        );
    }
    Ok(ExitCode::SUCCESS)
}
