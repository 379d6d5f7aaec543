//! `taskforce audit …`: check the audit log's hash chain, export entries by date, purge entries
//! past retention. Export and purge are themselves recorded in the log.

use crate::DatabaseArgs;
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use taskforce_app::audit::AUDIT_PAGE;
use taskforce_app::{App, AppError, SystemClock};
use taskforce_domain::audit::{canonical_time, AuditActor, AuditRecord, Outcome, StoredAuditEntry};
use taskforce_store::{Create, DatabaseUrl, Store};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check that no entry of the audit log was edited, deleted or reordered. Exits 1 when the
    /// chain is broken, naming the first bad entry.
    Verify(DatabaseArgs),
    /// Write the entries of a date range (inclusive, UTC) as JSON lines or CSV. The export is
    /// itself recorded in the audit log.
    Export(ExportArgs),
    /// Delete the entries written before a date at least one year ago; the rest still verifies.
    /// The purge is itself recorded in the audit log.
    Purge(PurgeArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// First day to export, YYYY-MM-DD (UTC, inclusive).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: NaiveDate,
    /// Last day to export, YYYY-MM-DD (UTC, inclusive).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: NaiveDate,
    /// jsonl (one JSON object a line) or csv (with a header line).
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// File to write (created; an existing file is not overwritten) [default: standard output].
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Jsonl,
    Csv,
}

impl ExportFormat {
    fn name(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Csv => "csv",
        }
    }
}

#[derive(Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// Delete the entries written before this day, YYYY-MM-DD (UTC); at least one year ago.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    before: NaiveDate,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-31"))
}

pub async fn run(command: AuditCommand) -> Result<ExitCode> {
    match command {
        AuditCommand::Verify(db) => verify(db).await,
        AuditCommand::Export(args) => export(args).await,
        AuditCommand::Purge(args) => purge(args).await,
    }
}

/// Opens an existing, current database: these commands never create or migrate one.
async fn open(db: &DatabaseArgs) -> Result<App> {
    let url = DatabaseUrl::parse(db.database.as_deref().unwrap_or(crate::DEFAULT_DATABASE))?;
    let store = Store::open(&url, Create::Never).await?;
    store.check_schema().await?;
    Ok(App::new(store, Arc::new(SystemClock), crate::entropy()))
}

/// Who runs the command: the command line, with the operating-system account when it is known
/// (as the environment tells it: a hint for the reader, not proof).
fn cli_actor() -> AuditActor {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    AuditActor::cli(match user {
        Some(user) => format!("cli (os user {user})"),
        None => "cli".to_owned(),
    })
}

/// An application refusal, told with the command's flags (`--before: …`).
fn refused(err: AppError) -> anyhow::Error {
    match err {
        AppError::Invalid(invalid) => anyhow::anyhow!(invalid
            .errors
            .iter()
            .map(|e| format!("--{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")),
        other => other.into(),
    }
}

async fn verify(db: DatabaseArgs) -> Result<ExitCode> {
    let app = open(&db).await?;
    let outcome = app.verify_audit().await?;
    app.store().close().await;
    match outcome {
        Ok(whole) => {
            match (whole.first_seq, whole.last_seq) {
                (Some(first), Some(last)) => println!(
                    "audit log intact: {} entries (seq {first}..{last})",
                    whole.entries
                ),
                _ => println!("audit log intact: {} entries", whole.entries),
            }
            println!("last hash: {}", whole.last_hash);
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            println!(
                "audit log broken at entry {}: {}",
                broken.seq, broken.reason
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Creates the export file readable by its owner only (it names people and addresses); never
/// overwrites one.
fn create_output(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
            "--output: {} already exists; choose another file or remove it first",
            path.display()
        ),
        _ => anyhow::anyhow!("--output: cannot create {}: {e}", path.display()),
    })
}

async fn export(args: ExportArgs) -> Result<ExitCode> {
    if args.to < args.from {
        bail!("--to: {} is before --from ({})", args.to, args.from);
    }
    let (mut out, target): (Box<dyn Write>, String) = match &args.output {
        Some(path) => (
            Box::new(std::io::BufWriter::new(create_output(path)?)),
            path.display().to_string(),
        ),
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            "standard output".to_owned(),
        ),
    };
    let app = open(&args.db).await?;
    // Recorded (and committed) before any entry is written out: an export that cannot be
    // recorded does not happen.
    let record = AuditRecord::new(
        &cli_actor(),
        app.clock().now(),
        "audit.export",
        Outcome::Success,
    )
    .on("audit_log", "")
    .with_detail(format!(
        "entries from {} to {} (inclusive, UTC) as {} to {target}",
        args.from,
        args.to,
        args.format.name(),
    ));
    app.record_audit(record).await.map_err(refused)?;

    if let ExportFormat::Csv = args.format {
        writeln!(out, "{}", CSV_HEADER.join(","))?;
    }
    let (mut count, mut first, mut after) = (0_u64, None, 0_u64);
    loop {
        let page = app
            .audit_entries_page(args.from, args.to, after, AUDIT_PAGE)
            .await
            .map_err(refused)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for entry in &page {
            first.get_or_insert(entry.seq);
            match args.format {
                ExportFormat::Jsonl => writeln!(out, "{}", json_line(entry))?,
                ExportFormat::Csv => writeln!(out, "{}", csv_line(entry))?,
            }
            count += 1;
        }
    }
    out.flush()
        .with_context(|| format!("cannot write to {target}"))?;
    drop(out);
    app.store().close().await;
    match first {
        Some(first) => eprintln!(
            "exported {} (seq {first}..{after}) to {target}",
            entries(count)
        ),
        None => eprintln!("exported {} to {target}", entries(0)),
    }
    Ok(ExitCode::SUCCESS)
}

fn entries(n: u64) -> String {
    match n {
        1 => "1 audit entry".to_owned(),
        n => format!("{n} audit entries"),
    }
}

const CSV_HEADER: [&str; 14] = [
    "seq",
    "at",
    "task_force_id",
    "actor_member_id",
    "actor_email",
    "organization_id",
    "action",
    "object_kind",
    "object_id",
    "outcome",
    "source",
    "detail",
    "prev_hash",
    "hash",
];

/// The columns of an entry in export order (the header's); absent ids are empty.
fn columns(entry: &StoredAuditEntry) -> [String; 14] {
    let r = &entry.record;
    let id = |id: Option<String>| id.unwrap_or_default();
    [
        entry.seq.to_string(),
        canonical_time(r.at),
        id(r.task_force_id.map(|i| i.to_string())),
        id(r.actor_member_id.map(|i| i.to_string())),
        r.actor_email.clone(),
        id(r.organization_id.map(|i| i.to_string())),
        r.action.clone(),
        r.object_kind.clone(),
        r.object_id.clone(),
        r.outcome.code().to_owned(),
        r.source.clone(),
        r.detail.clone(),
        entry.prev_hash.clone(),
        entry.hash.clone(),
    ]
}

/// One JSON object, its keys in the header's order; absent ids are `null`, `seq` a number.
fn json_line(entry: &StoredAuditEntry) -> String {
    let fields = CSV_HEADER
        .iter()
        .zip(columns(entry))
        .map(|(name, value)| {
            let value = match *name {
                "seq" => serde_json::Value::from(entry.seq),
                "task_force_id" | "actor_member_id" | "organization_id" if value.is_empty() => {
                    serde_json::Value::Null
                }
                _ => serde_json::Value::String(value),
            };
            format!("{}:{value}", serde_json::Value::from(*name))
        })
        .collect::<Vec<_>>();
    format!("{{{}}}", fields.join(","))
}

/// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. Values
/// are written exactly as recorded (they are evidence), so a spreadsheet should open the file
/// as text.
fn csv_line(entry: &StoredAuditEntry) -> String {
    columns(entry)
        .iter()
        .map(|field| {
            if field.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", field.replace('"', "\"\""))
            } else {
                field.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

async fn purge(args: PurgeArgs) -> Result<ExitCode> {
    let app = open(&args.db).await?;
    // The purge checks the chain itself; checking first tells a broken log in plain words.
    if let Err(broken) = app.verify_audit().await? {
        bail!(
            "audit log broken at entry {}: {}; nothing was purged",
            broken.seq,
            broken.reason
        );
    }
    let purged = app
        .purge_audit(args.before, &cli_actor())
        .await
        .map_err(refused)?;
    app.store().close().await;
    println!(
        "purged {} written before {}; the log now starts at entry {}",
        entries(purged.removed),
        args.before,
        purged.anchor.seq
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn entry(detail: &str) -> StoredAuditEntry {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
            .single()
            .expect("time");
        StoredAuditEntry {
            seq: 7,
            record: AuditRecord::new(
                &AuditActor::cli("cli"),
                at,
                "audit.export",
                Outcome::Success,
            )
            .with_detail(detail),
            prev_hash: "a".repeat(64),
            hash: "b".repeat(64),
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let line = csv_line(&entry("from \"a\", to b\nnext"));
        assert_eq!(
            line,
            format!(
                "7,2026-03-04T05:06:07.000000Z,,,cli,,audit.export,,,success,cli,\"from \"\"a\"\", to b\nnext\",{},{}",
                "a".repeat(64),
                "b".repeat(64)
            )
        );
        assert_eq!(
            csv_line(&entry("plain")).split(',').count(),
            CSV_HEADER.len()
        );
    }

    #[test]
    fn json_lines_are_one_object_with_nulls_for_absent_ids() {
        let line = json_line(&entry("two\nlines"));
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(value["seq"], 7);
        assert_eq!(value["task_force_id"], serde_json::Value::Null);
        assert_eq!(value["detail"], "two\nlines");
        assert_eq!(value["at"], "2026-03-04T05:06:07.000000Z");
        assert_eq!(value.as_object().map(|o| o.len()), Some(CSV_HEADER.len()));
        assert!(line.starts_with("{\"seq\":7,\"at\":"), "{line}");
    }

    #[test]
    fn dates_are_read_strictly() {
        assert_eq!(
            parse_date("2026-03-31"),
            Ok(NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"))
        );
        for bad in ["2026-13-01", "31/03/2026", "yesterday", ""] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }
}
