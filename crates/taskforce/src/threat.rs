//! `taskforce threat`: import public files for the threat assessment, and the import benchmark.

use crate::DatabaseArgs;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::RngCore;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use taskforce_app::{Actor, App, AppError, SystemClock};
use taskforce_domain::structure::TaskForceInput;
use taskforce_domain::threat::import::ImportReport;
use taskforce_domain::threat::Source;
use taskforce_store::{Create, DatabaseUrl, Store};

const CLI: Actor = Actor::System("cli");

#[derive(Subcommand)]
pub enum ThreatCommand {
    /// Import a public file (CBP, NASS, H-2A, H-2B or WHD layout) as a new dataset; prints every
    /// rejected row with its line and reason. Nothing is saved unless the whole file is read.
    Import(ImportArgs),
    /// Measure the import of a generated WHD-layout file (default one million rows) against a
    /// plain CSV parse of the same file, in one run.
    BenchImport(BenchArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// The task force's name or id.
    #[arg(long)]
    task_force: String,
    /// cbp, nass, h2a, h2b or whd.
    #[arg(long)]
    source: String,
    /// Read and report without saving anything.
    #[arg(long)]
    dry_run: bool,
    /// The file (CSV).
    file: PathBuf,
}

#[derive(Args)]
pub struct BenchArgs {
    /// Rows of the generated file.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Folder for the generated file and the benchmark's SQLite database (removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
}

async fn open(db: &DatabaseArgs) -> Result<App> {
    let (url, is_default) = crate::database_url(db.database.as_deref())?;
    let create = if is_default {
        Create::IfMissing
    } else {
        Create::Never
    };
    let store = Store::open(&url, create).await?;
    store.migrate().await?;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    Ok(App::new(store, Arc::new(SystemClock), seed))
}

fn bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

pub async fn run(command: ThreatCommand) -> Result<ExitCode> {
    match command {
        ThreatCommand::Import(args) => import(args).await,
        ThreatCommand::BenchImport(args) => bench(args).await,
    }
}

fn print_report(report: &ImportReport) {
    println!("{}", report.summary());
    for (reason, n) in &report.skipped {
        println!("skipped: {reason}: {n}");
    }
    for (line, reason) in &report.rejected {
        println!("rejected: line {line}: {reason}");
    }
    if report.rejected_total > report.rejected.len() as u64 {
        println!(
            "rejected: {} more not listed",
            report.rejected_total - report.rejected.len() as u64
        );
    }
    for (line, name) in &report.unresolved {
        println!("unresolved county: line {line}: {name}");
    }
}

async fn import(args: ImportArgs) -> Result<ExitCode> {
    let Some(source) = Source::from_code(&args.source) else {
        bail!(
            "source: {:?} is not one of cbp, nass, h2a, h2b, whd",
            args.source
        );
    };
    let app = open(&args.db).await?;
    let tf = app
        .task_forces(&CLI)
        .await?
        .into_iter()
        .find(|t| {
            t.name.eq_ignore_ascii_case(args.task_force.trim())
                || t.id.to_string() == args.task_force.trim()
        })
        .with_context(|| format!("task-force: no task force is named {:?}", args.task_force))?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let bar = bar(len);
    let progress_bar = bar.clone();
    let result = app
        .import_threat_data(
            &CLI,
            tf.id,
            source,
            &name,
            std::io::BufReader::with_capacity(1 << 20, file),
            args.dry_run,
            &mut move |n| progress_bar.set_position(n),
        )
        .await;
    bar.finish_and_clear();
    match result {
        Ok(report) => {
            print_report(&report);
            Ok(ExitCode::SUCCESS)
        }
        Err(AppError::Invalid(invalid)) => {
            eprintln!("error: nothing was imported: {invalid}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

/// Western New York ZIP codes and the industries the generated rows cycle through.
const ZIPS: &[(&str, &str)] = &[
    ("Batavia", "14020"),
    ("Warsaw", "14569"),
    ("Geneseo", "14454"),
    ("Buffalo", "14202"),
    ("Rochester", "14604"),
    ("Albion", "14411"),
    ("Lockport", "14094"),
    ("Penn Yan", "14527"),
];
const NAICS: &[&str] = &[
    "112120", "722511", "111331", "561730", "236118", "721110", "812113",
];

/// Peak resident memory of this process (Linux), in MiB.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn bench(args: BenchArgs) -> Result<ExitCode> {
    let dir = args
        .dir
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("taskforce-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = bench_in(&dir, args.rows).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn bench_in(dir: &std::path::Path, rows: u64) -> Result<ExitCode> {
    // 1. The file, in the WHD layout's leading columns.
    let path = dir.join("whd_whisard.csv");
    let started = Instant::now();
    {
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        writeln!(out, "case_id,trade_nm,legal_name,street_addr_1_txt,cty_nm,st_cd,zip_cd,naic_cd,naics_code_description,case_violtn_cnt,cmp_assd_cnt,ee_violtd_cnt,bw_atp_amt,ee_atp_cnt,findings_start_date,findings_end_date,flsa_violtn_cnt,flsa_repeat_violator,flsa_bw_atp_amt,flsa_ee_atp_cnt,mspa_violtn_cnt,mspa_bw_atp_amt,flsa_cl_violtn_cnt,flsa_cl_minor_cnt,h2a_violtn_cnt,h2b_violtn_cnt,ld_dt")?;
        for i in 0..rows {
            let (city, zip) = ZIPS[(i % ZIPS.len() as u64) as usize];
            let naics = NAICS[(i / 3 % NAICS.len() as u64) as usize];
            let repeat = if i % 17 == 0 { "R" } else { "" };
            writeln!(
                out,
                "{},Employer {i},Employer {i} LLC,{} Main St,{city},NY,{zip},{naics},Industry,{},{},{},{}.50,{},2021-01-01,2023-01-01,{},{repeat},{}.50,{},{},0,{},{},0,0,2024-06-30 00:00:00",
                1_000_000 + i,
                i % 1000,
                i % 7,
                i % 5,
                i % 20,
                (i * 37) % 50_000,
                i % 20,
                i % 7,
                (i * 37) % 50_000,
                i % 20,
                i % 3,
                i % 4,
                i % 2,
            )?;
        }
        out.flush()?;
    }
    let bytes = std::fs::metadata(&path)?.len();
    eprintln!(
        "generated {rows} rows ({:.1} MiB) in {:.1} s",
        bytes as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );

    // 2. Baseline: a plain CSV parse of the same file (every record read, nothing else).
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::with_capacity(
            1 << 20,
            std::fs::File::open(&path)?,
        ));
    let mut record = csv::ByteRecord::new();
    let mut parsed = 0u64;
    while reader.read_byte_record(&mut record)? {
        parsed += 1;
    }
    let baseline = started.elapsed().as_secs_f64();

    // 3. The importer: a fresh SQLite database with a task force of western New York counties.
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.join("bench.db").display()))?;
    let store = Store::open(&url, Create::IfMissing).await?;
    store.migrate().await?;
    let app = App::new(store, Arc::new(SystemClock), [7u8; 32]);
    let bench = Actor::System("bench");
    let tf = app
        .create_task_force(
            &bench,
            TaskForceInput {
                name: "Benchmark task force".into(),
                state: "NY".into(),
                counties: [
                    "36029", "36037", "36051", "36055", "36063", "36073", "36121", "36123",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
                population_served: None,
                description: String::new(),
            },
        )
        .await?;
    let mut timings = Vec::new();
    let mut last = ImportReport::default();
    for dry_run in [true, false] {
        let bar = bar(bytes);
        let progress_bar = bar.clone();
        let started = Instant::now();
        last = app
            .import_threat_data(
                &bench,
                tf.id,
                Source::Whd,
                "whd_whisard.csv",
                std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?),
                dry_run,
                &mut move |n| progress_bar.set_position(n),
            )
            .await?;
        bar.finish_and_clear();
        timings.push(started.elapsed().as_secs_f64());
    }
    let (dry, full) = (timings[0], timings[1]);
    println!(
        "threat import benchmark: {rows} WHD-layout rows, {:.1} MiB",
        bytes as f64 / 1048576.0
    );
    println!(
        "  baseline, plain CSV parse:       {baseline:>7.2} s  ({:>9.0} rows/s, {parsed} records)",
        rows as f64 / baseline
    );
    println!(
        "  import, dry run (parse+resolve): {dry:>7.2} s  ({:>9.0} rows/s)",
        rows as f64 / dry
    );
    println!("  import into SQLite (one tx):     {full:>7.2} s  ({:>9.0} rows/s, {} records stored, {} rejected)", rows as f64 / full, last.records, last.rejected_total);
    println!(
        "  import / baseline:               {:>7.1}x",
        full / baseline
    );
    if let Some(peak) = peak_memory_mib() {
        println!("  peak memory of the process:      {peak:>7.0} MiB");
    }
    println!(
        "  target: under 60 s -> {}",
        if full < 60.0 { "met" } else { "NOT met" }
    );
    Ok(ExitCode::SUCCESS)
}
