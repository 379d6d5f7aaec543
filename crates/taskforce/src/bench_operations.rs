//! `taskforce bench operations`: event deconfliction against many planned operations kept in
//! the database, as the product checks them (several `serve` instances share one database, so
//! the check reads it). The timed path is the planning transaction's: begin, the task force's
//! check lock (`store::operations::lock_for_check`), then `App::deconflict` — the prefilter in
//! SQL (`store::operations::candidates`: a bounding box and, per class of window length, a
//! window of start times, on the `operations_check` index), the exact great-circle and
//! time-window test in Rust, and the whole records of the operations that pass — then roll
//! back. Printed beside it, measured in the same run on the same operations: the in-memory
//! R-tree of `taskforce-linkage` (`events.rs`), which must find the same conflicts, and the
//! baseline the box and the classes save: the same statement on the same index, with every
//! class read over the longest window (14 days of starts) and no box. `--reuse` measures a database a previous run
//! loaded (the operations are generated again from the same seed for the R-tree).

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration as Span, Utc};
use clap::Args;
use std::time::{Duration, Instant};
use taskforce_app::{demo, Actor, App};
use taskforce_domain::operations::{Footprint, Operation, OperationKind};
use taskforce_domain::structure::Role;
use taskforce_domain::*;
use taskforce_linkage::events::{EventIndex, PlannedOperation};
use taskforce_store::{DatabaseUrl, Store};

#[derive(Args)]
pub(crate) struct OperationsArgs {
    /// Database to measure; repeat the flag to measure several in one run (e.g. SQLite, then
    /// --database postgres://postgres@127.0.0.1:5432/taskforce_bench_ops).
    #[arg(long = "database", default_value = "sqlite://data/bench-operations.db")]
    databases: Vec<String>,
    /// Planned operations to load (spread over a year and North Dakota's 200 towns).
    #[arg(long, default_value_t = 100_000)]
    operations: usize,
    /// Deconfliction checks to time.
    #[arg(long, default_value_t = 1_000)]
    queries: usize,
    /// Measure a database an earlier run loaded with the same --operations, without loading.
    #[arg(long)]
    reuse: bool,
}

/// A small deterministic generator (xorshift), so each run loads the same operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Plan {
    lat: f64,
    lon: f64,
    radius_m: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

fn plans(rng: &mut Rng, towns: &[(f64, f64)], epoch: DateTime<Utc>, n: usize) -> Vec<Plan> {
    (0..n)
        .map(|_| {
            let (lat, lon) = towns[(rng.next() % towns.len() as u64) as usize];
            let start = epoch + Span::minutes((rng.unit() * 365.0 * 24.0 * 60.0) as i64);
            Plan {
                lat: ((lat + (rng.unit() - 0.5) * 0.2) * 1e6).round() / 1e6,
                lon: ((lon + (rng.unit() - 0.5) * 0.2) * 1e6).round() / 1e6,
                radius_m: 50 + (rng.unit() * 3000.0) as i64,
                starts_at: start,
                ends_at: start + Span::hours(1 + (rng.next() % 12) as i64),
            }
        })
        .collect()
}

fn percentile(samples: &[Duration], p: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

fn line(name: &str, samples: &[Duration], found: usize, what: &str) {
    println!(
        "  {name:<58} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms   ({:.2} {what} a check)",
        percentile(samples, 0.50),
        percentile(samples, 0.99),
        percentile(samples, 1.0),
        found as f64 / samples.len().max(1) as f64,
    );
}

pub(crate) async fn run(args: OperationsArgs) -> Result<std::process::ExitCode> {
    for database in &args.databases {
        measure(&args, database)
            .await
            .with_context(|| format!("bench on {database}"))?;
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn measure(args: &OperationsArgs, database: &str) -> Result<()> {
    let url = DatabaseUrl::parse(database)?;
    if let DatabaseUrl::Sqlite(ref path) = url {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
    }
    println!("== {} ==", url.redacted());
    let store = Store::open(&url, taskforce_store::Create::IfMissing).await?;
    store.migrate().await?;
    let app = demo::demo_app(store.clone());
    let reusing = match demo::existing_demo(&app).await? {
        None => {
            demo::seed_network(&app).await?;
            false
        }
        Some(true) if args.reuse => true,
        _ => bail!(
            "{} is not empty: give the benchmark an empty database, or --reuse one it loaded",
            url.redacted()
        ),
    };
    let system = Actor::System("bench");
    let tf = app
        .task_forces(&system)
        .await?
        .into_iter()
        .find(|t| t.state == "ND")
        .context("the demo network has no North Dakota task force")?;
    let organizations = app.organizations(&system, tf.id).await?;
    let members = app.members(&system, tf.id).await?;
    // The agencies of the task force, each with the supervisor who commands its operations.
    let agencies: Vec<(OrganizationId, MemberId)> = organizations
        .iter()
        .filter(|o| o.kind.is_law_enforcement())
        .filter_map(|o| {
            members
                .iter()
                .find(|m| {
                    m.memberships
                        .iter()
                        .any(|s| s.organization_id == o.id && s.roles.contains(&Role::Supervisor))
                })
                .map(|m| (o.id, m.id))
        })
        .collect();
    if agencies.len() < 2 {
        bail!("the task force needs two agencies with a supervisor");
    }

    let mut rng = Rng(0x5eed_0f0b_e5a7_10ff);
    let towns: Vec<(f64, f64)> = (0..200)
        .map(|_| (46.0 + rng.unit() * 3.0, -104.0 + rng.unit() * 7.0))
        .collect();
    let epoch = demo::demo_epoch();
    let loaded = plans(&mut rng, &towns, epoch, args.operations);
    let mut conn = store.conn().await?;
    let held = taskforce_store::operations::count_in(&mut conn, tf.id).await?;
    drop(conn);
    if reusing {
        if held != i64::try_from(args.operations)? {
            bail!(
                "{} holds {held} operations, not --operations {}: give the benchmark an empty database",
                url.redacted(),
                args.operations
            );
        }
        println!("  reusing {held} operations loaded by an earlier run");
    } else {
        let started = Instant::now();
        let mut batch = Vec::with_capacity(10_000);
        for (i, p) in loaded.iter().enumerate() {
            let (agency, commander) = agencies[i % agencies.len()];
            batch.push(Operation {
                id: OperationId(uuid::Uuid::now_v7()),
                task_force_id: tf.id,
                agency_id: agency,
                agency_name: String::new(),
                kind: OperationKind::ALL[i % OperationKind::ALL.len()],
                title: format!("Bench operation {i}"),
                place: String::new(),
                latitude: p.lat,
                longitude: p.lon,
                radius_m: p.radius_m,
                starts_at: p.starts_at,
                ends_at: p.ends_at,
                commander_id: commander,
                commander_name: String::new(),
                contact_phone: "555-0100".into(),
                planned_by: commander,
                exempt_at: None,
                exempt_by: None,
                exemption_reason: String::new(),
                created_at: epoch,
                version: 1,
            });
            if batch.len() == 10_000 || i + 1 == loaded.len() {
                let mut tx = store.begin().await?;
                taskforce_store::operations::insert_many(&mut tx, &batch).await?;
                tx.commit().await?;
                batch.clear();
            }
        }
        println!(
            "  loaded {} operations of {} agencies in {:.1} s",
            loaded.len(),
            agencies.len(),
            started.elapsed().as_secs_f64()
        );
        let mut conn = store.conn().await?;
        taskforce_store::operations::analyze(&mut conn).await?;
    }

    let queries = plans(&mut rng, &towns, epoch, args.queries);
    let footprint = |q: &Plan| Footprint {
        latitude: q.lat,
        longitude: q.lon,
        radius_m: q.radius_m,
        starts_at: q.starts_at,
        ends_at: q.ends_at,
    };
    // The product's check, as planning runs it. Agency: the first one's view.
    let me = agencies[0].0;
    if let Some(q) = queries.first() {
        let mut conn = store.conn().await?;
        println!("  plan of the prefilter (one check):");
        for line in taskforce_store::operations::explain_candidates(
            &mut conn,
            store.backend(),
            tf.id,
            me,
            &footprint(q).search_box(),
        )
        .await?
        {
            println!("    {line}");
        }
    }
    // Warm the connections and their statement caches, as a running server's would be.
    for q in queries.iter().take(50) {
        let mut tx = store.begin().await?;
        taskforce_store::operations::lock_for_check(&mut tx, tf.id).await?;
        App::deconflict(tx.conn(), tf.id, me, &footprint(q)).await?;
        tx.rollback().await?;
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut found = 0usize;
    let mut answers = Vec::with_capacity(queries.len());
    for q in &queries {
        let f = footprint(q);
        let t0 = Instant::now();
        let mut tx = store.begin().await?;
        taskforce_store::operations::lock_for_check(&mut tx, tf.id).await?;
        let conflicts = App::deconflict(tx.conn(), tf.id, me, &f).await?;
        tx.rollback().await?;
        times.push(t0.elapsed());
        found += conflicts.len();
        answers.push(conflicts.len());
    }
    line(
        "check one operation (the planning transaction's path)",
        &times,
        found,
        "conflicts",
    );
    // What the prefilter alone lets through, and costs.
    let mut conn = store.conn().await?;
    let mut prefilter = Vec::with_capacity(queries.len());
    let mut prefiltered = 0usize;
    for q in &queries {
        let b = footprint(q).search_box();
        let t0 = Instant::now();
        let rows = taskforce_store::operations::candidates(&mut conn, tf.id, me, &b).await?;
        prefilter.push(t0.elapsed());
        prefiltered += rows.len();
    }
    line(
        "  of which the SQL prefilter alone",
        &prefilter,
        prefiltered,
        "rows",
    );

    // Baseline: the same statement and index, every class read over the longest window (14
    // days of starts) and no box: what the box and the classes save.
    let mut wide = Vec::with_capacity(queries.len().min(200));
    let mut wide_found = 0;
    for (q, expected) in queries.iter().zip(&answers).take(200) {
        let f = footprint(q);
        let t0 = Instant::now();
        let rows = taskforce_store::operations::candidates_without_box(
            &mut conn,
            tf.id,
            me,
            &f.search_box(),
        )
        .await?;
        let hits = rows
            .iter()
            .filter(|o| o.footprint.overlap(&f).is_some())
            .count();
        wide.push(t0.elapsed());
        if hits != *expected {
            bail!("the check and the baseline disagreed: {expected} conflicts against {hits}");
        }
        wide_found += hits;
    }
    line(
        "baseline: same index, 14 days of starts, no box (200 checks)",
        &wide,
        wide_found,
        "conflicts",
    );
    drop(conn);
    // The in-memory R-tree over the same operations (other agencies' only, as the SQL asks).
    let secs = |t: DateTime<Utc>| t.timestamp();
    let index = EventIndex::new(
        loaded
            .iter()
            .enumerate()
            .filter(|(i, _)| agencies[i % agencies.len()].0 != me)
            .map(|(i, p)| {
                Ok((
                    PlannedOperation::new(
                        p.lat,
                        p.lon,
                        p.radius_m as f64,
                        secs(p.starts_at),
                        secs(p.ends_at),
                    )?,
                    i,
                ))
            })
            .collect::<Result<Vec<_>>>()?,
    );
    let mut tree = Vec::with_capacity(queries.len());
    let mut tree_found = 0;
    let mut disagreements = 0;
    for (q, expected) in queries.iter().zip(&answers) {
        let op = PlannedOperation::new(
            q.lat,
            q.lon,
            q.radius_m as f64,
            secs(q.starts_at),
            secs(q.ends_at),
        )?;
        let t0 = Instant::now();
        let hits = index.conflicts(&op, None).len();
        tree.push(t0.elapsed());
        tree_found += hits;
        if hits != *expected {
            disagreements += 1;
        }
    }
    line(
        "in-memory R-tree (taskforce-linkage events.rs)",
        &tree,
        tree_found,
        "conflicts",
    );
    if disagreements > 0 {
        bail!("the database check and the R-tree disagreed on {disagreements} checks");
    }
    println!(
        "  the database check and the R-tree agreed on all {} checks",
        queries.len()
    );
    Ok(())
}
