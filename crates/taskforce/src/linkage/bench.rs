//! `taskforce linkage bench-deconfliction`: target deconfliction against a blind index of
//! millions of identifiers, and event deconfliction against many planned operations, each
//! beside a baseline measured in the same run. Prints figures; asserts nothing about time.

use anyhow::{bail, Result};
use clap::Args;
use rayon::prelude::*;
use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use taskforce_linkage::blind::{BlindKey, Identifier, PointerIndex};
use taskforce_linkage::events::{EventIndex, PlannedOperation};

#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Identifiers in the blind index.
    #[arg(long, default_value_t = 10_000_000)]
    identifiers: usize,
    /// Planned operations in the event index.
    #[arg(long, default_value_t = 100_000)]
    operations: usize,
    /// Queries timed against each index.
    #[arg(long, default_value_t = 20_000)]
    queries: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also measure the in-product check on this database's pointer table (an empty database,
    /// loaded by this run; with --reuse, one a previous run loaded):
    /// `sqlite://target/bench/deconfliction.db`, `postgres://…/taskforce_bench_deconfliction`.
    #[arg(long)]
    database: Vec<String>,
    /// Measure the pointers an earlier run loaded into each --database, without loading.
    #[arg(long)]
    reuse: bool,
}

pub(super) struct Rng(pub(super) u64);
impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The `i`-th synthetic identifier as someone would type it: phones, e-mails and plates.
pub(super) fn raw_identifier(i: u64) -> (u8, String, String) {
    let h = Rng(i).next();
    match i % 3 {
        0 => (
            0,
            format!(
                "({}{:02}) {}{:02}-{:04}",
                2 + h % 8,
                (h >> 8) % 100,
                2 + (h >> 16) % 8,
                (h >> 24) % 100,
                i / 3 % 10_000
            ),
            String::new(),
        ),
        1 => (1, format!("person{i}@example.org"), String::new()),
        _ => (
            2,
            ["NY", "CA", "TX", "FL"][(h % 4) as usize].to_owned(),
            format!("{:X}", i * 7919),
        ),
    }
}

pub(super) fn identifier(raw: &(u8, String, String)) -> Option<Identifier> {
    match raw.0 {
        0 => Identifier::phone(&raw.1),
        1 => Identifier::email(&raw.1),
        _ => Identifier::plate(&raw.1, &raw.2),
    }
}

pub(super) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort_unstable();
    println!(
        "{name:<58} median {:>9.1} us   p99 {:>9.1} us   ({} queries)",
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        times.len()
    );
}

pub(crate) async fn run(args: BenchArgs) -> Result<ExitCode> {
    if args.identifiers == 0 || args.operations == 0 || args.queries == 0 {
        bail!("--identifiers, --operations and --queries must be at least 1");
    }
    let key = BlindKey::new(&[0x42u8; 32])?;
    println!("Target deconfliction: blind index (HMAC-SHA256 tokens, pointers only)");
    let started = Instant::now();
    let n = args.identifiers as u64;
    let tokens: Vec<_> = (0..n)
        .into_par_iter()
        .filter_map(|i| identifier(&raw_identifier(i)).map(|id| (key.token(&id), i)))
        .collect();
    let tokenised = started.elapsed();
    let mut index: PointerIndex<u64> = PointerIndex::with_capacity(tokens.len());
    for (t, i) in &tokens {
        // pointer: agency in the high bits, the record in the low ones
        index.insert(t, ((i % 40) << 40) | i);
    }
    drop(tokens);
    println!(
        "  built: {} identifiers ({} tokens) in {:.1} s (tokens {:.1} s)",
        index.len(),
        index.tokens(),
        started.elapsed().as_secs_f64(),
        tokenised.as_secs_f64()
    );
    let mut rng = Rng(args.seed);
    let mut times = Vec::with_capacity(args.queries);
    let mut hits = 0usize;
    for q in 0..args.queries {
        // Half the queries ask for an identifier someone holds, half for one nobody does.
        let i = if q % 2 == 0 {
            rng.next() % n
        } else {
            n + rng.next() % n
        };
        let raw = raw_identifier(i);
        let t0 = Instant::now();
        let found = identifier(&raw)
            .map(|id| index.others(&u64::MAX, &[key.token(&id)]))
            .unwrap_or_default();
        times.push(t0.elapsed());
        hits += usize::from(!found.is_empty());
    }
    report("  check (normalise + HMAC + lookup), blind index", times);
    println!("  ({hits} of {} checks found a holder)", args.queries);

    // Baseline: a plain map of normalised values (what a blind index must not be), on a
    // tenth of the identifiers.
    let base_n = (n / 10).max(1);
    let plain_values: HashMap<String, u64> = (0..base_n)
        .map(|i| {
            let r = raw_identifier(i);
            (format!("{}{}", r.1, r.2), i)
        })
        .collect();
    let mut times = Vec::with_capacity(args.queries);
    for q in 0..args.queries {
        let i = if q % 2 == 0 {
            rng.next() % base_n
        } else {
            n + rng.next() % n
        };
        let r = raw_identifier(i);
        let t0 = Instant::now();
        let found = plain_values.contains_key(&format!("{}{}", r.1, r.2));
        times.push(t0.elapsed());
        std::hint::black_box(found);
    }
    report(
        &format!("  baseline: plain HashMap of raw values ({base_n} entries)"),
        times,
    );
    drop(plain_values);
    drop(index);
    for database in &args.database {
        super::bench_store::measure(
            database,
            &key,
            args.identifiers,
            args.queries,
            args.seed,
            args.reuse,
        )
        .await?;
    }

    println!("Event deconfliction: planned operations (R-tree over space and time)");
    let hour = 3600i64;
    let cities: Vec<(f64, f64)> = (0..200)
        .map(|_| (30.0 + rng.unit() * 15.0, -120.0 + rng.unit() * 45.0))
        .collect();
    let make_op = |rng: &mut Rng| -> Result<PlannedOperation> {
        let (clat, clon) = cities[(rng.next() % cities.len() as u64) as usize];
        let start = (rng.unit() * 365.0 * 24.0) as i64 * hour;
        Ok(PlannedOperation::new(
            clat + (rng.unit() - 0.5) * 0.4,
            clon + (rng.unit() - 0.5) * 0.4,
            50.0 + rng.unit() * 3000.0,
            start,
            start + hour * (1 + (rng.next() % 12) as i64),
        )?)
    };
    let started = Instant::now();
    let mut ops = Vec::with_capacity(args.operations);
    for i in 0..args.operations {
        ops.push((make_op(&mut rng)?, i as u64));
    }
    let events = EventIndex::new(ops);
    println!(
        "  built: {} operations in {:.2} s",
        events.len(),
        started.elapsed().as_secs_f64()
    );
    let queries: Vec<PlannedOperation> = (0..args.queries)
        .map(|_| make_op(&mut rng))
        .collect::<Result<_>>()?;
    let mut times = Vec::with_capacity(queries.len());
    let mut conflicts = 0usize;
    for q in &queries {
        let t0 = Instant::now();
        let found = events.conflicts(q, None);
        times.push(t0.elapsed());
        conflicts += found.len();
    }
    report("  check one operation, R-tree", times);
    println!(
        "  ({conflicts} conflicts found, {:.2} per check)",
        conflicts as f64 / queries.len() as f64
    );
    let scan_queries = queries.len().min(500);
    let mut times = Vec::with_capacity(scan_queries);
    let mut disagreements = 0;
    for q in &queries[..scan_queries] {
        let t0 = Instant::now();
        let found = events.conflicts_by_scan(q, None);
        times.push(t0.elapsed());
        if found.len() != events.conflicts(q, None).len() {
            disagreements += 1;
        }
    }
    report("  baseline: linear scan of every operation", times);
    if disagreements > 0 {
        bail!("the index and the scan disagreed on {disagreements} checks");
    }
    println!("  index and scan agreed on all {scan_queries} baseline checks");
    Ok(ExitCode::SUCCESS)
}
