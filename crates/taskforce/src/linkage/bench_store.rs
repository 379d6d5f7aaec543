//! `taskforce linkage bench-deconfliction --database URL`: the in-product check, measured on
//! the real pointer table of a real database (SQLite or PostgreSQL) holding millions of keyed
//! tokens: normalise the identifier, HMAC it, then the store's lookup (`deconfliction::lookup`,
//! the query a case write runs) for holders in other agencies. Prints median and p99 beside the
//! in-memory figure of the same run. Prints figures; asserts nothing about time.

use super::bench::{identifier, percentile, raw_identifier, Rng};
use anyhow::{bail, Context, Result};
use std::sync::Arc;
use std::time::{Duration, Instant};
use taskforce_app::{demo, Actor, App, FixedClock, Keyring, MasterKey};
use taskforce_domain::cases::{CaseInput, CaseKind, PersonInput, PersonRole};
use taskforce_domain::deconfliction::MatchKind;
use taskforce_linkage::blind::BlindKey;
use taskforce_store::deconfliction::{self as db, Pointer};
use taskforce_store::{DatabaseUrl, Store};

const MASTER_KEY: [u8; 32] = *b"taskforce deconfliction bench!!!";
const SEED: [u8; 32] = *b"taskforce deconfliction bench 01";
/// Pointers written per transaction while loading.
const BATCH: usize = 50_000;

pub(crate) async fn measure(
    database: &str,
    key: &BlindKey,
    identifiers: usize,
    queries: usize,
    seed: u64,
) -> Result<()> {
    let url = DatabaseUrl::parse(database)?;
    if let DatabaseUrl::Sqlite(ref path) = url {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
    }
    println!(
        "Target deconfliction in the product: the store's pointer table, {}",
        url.redacted()
    );
    let store = Store::open(&url, taskforce_store::Create::IfMissing).await?;
    store.migrate().await?;
    let network = demo::demo_app(store.clone());
    match demo::existing_demo(&network).await? {
        None => {
            demo::seed_network(&network).await?;
        }
        Some(true) => {}
        Some(false) => bail!(
            "{} holds data that is not a benchmark's; give the benchmark an empty database",
            url.redacted()
        ),
    }
    let app = App::new(
        store.clone(),
        Arc::new(FixedClock::new(demo::demo_epoch())),
        SEED,
    )
    .with_keyring(Keyring::new(
        MasterKey::from_bytes(&MASTER_KEY).map_err(|e| anyhow::anyhow!("{e}"))?,
        vec![],
    ));
    let system = Actor::System("bench");
    let mut task_forces = app.task_forces(&system).await?;
    task_forces.sort_by(|a, b| a.name.cmp(&b.name));
    let tf = task_forces.first().map(|t| t.id).context("no task force")?;
    let agencies: Vec<_> = app
        .organizations(&system, tf)
        .await?
        .into_iter()
        .filter(|o| o.kind.is_law_enforcement())
        .collect();
    let [checking, holding, ..] = agencies.as_slice() else {
        bail!("the benchmark needs two law enforcement agencies");
    };

    let mut conn = store.conn().await?;
    let held = db::pointer_count(&mut conn, tf).await?;
    drop(conn);
    let n = identifiers as u64;
    let load_seconds = if held == 0 {
        // The holding agency's investigation and target the pointers lead to.
        let case = app
            .create_case_for(
                &system,
                tf,
                holding.id,
                CaseInput {
                    kind: Some(CaseKind::Investigation),
                    title: "Benchmark holder".into(),
                    ..Default::default()
                },
            )
            .await?;
        let person = app
            .add_person(
                &system,
                tf,
                case.id,
                PersonRole::Suspect,
                PersonInput::default(),
            )
            .await?;
        println!("  loading {identifiers} pointers, {BATCH} per transaction ...");
        let started = Instant::now();
        let mut rows: Vec<(String, MatchKind)> = (0..n)
            .filter_map(|i| {
                let raw = raw_identifier(i);
                let kind = match raw.0 {
                    0 => MatchKind::Phone,
                    1 => MatchKind::Email,
                    _ => MatchKind::Vehicle,
                };
                identifier(&raw).map(|id| (key.token(&id).prefix_hex(), kind))
            })
            .collect();
        // In key order, as an index build would: the table's primary key starts with the token.
        rows.sort_unstable();
        let mut last = Instant::now();
        for (done, chunk) in rows.chunks(BATCH).enumerate() {
            let pointers: Vec<Pointer> = chunk
                .iter()
                .map(|(token, kind)| Pointer {
                    token: token.clone(),
                    kind: *kind,
                    person_id: person.id,
                    organization_id: holding.id,
                    case_id: case.id,
                    created_by: None,
                })
                .collect();
            let mut tx = store.begin().await?;
            db::bulk_insert_pointers(&mut tx, tf, &pointers, demo::demo_epoch()).await?;
            tx.commit().await?;
            if last.elapsed() >= Duration::from_secs(15) {
                last = Instant::now();
                eprintln!(
                    "    {} pointers in {:.0} s",
                    (done + 1) * BATCH,
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Some(started.elapsed().as_secs_f64())
    } else if held < i64::try_from(identifiers).unwrap_or(i64::MAX) {
        bail!(
            "{} holds {held} pointers, fewer than --identifiers {identifiers}: remove it and run again",
            url.redacted()
        );
    } else {
        None
    };
    let mut conn = store.conn().await?;
    let held = db::pointer_count(&mut conn, tf).await?;
    match load_seconds {
        Some(s) => println!("  loaded: {held} pointers in {s:.1} s"),
        None => println!("  reusing {held} pointers already loaded"),
    }
    // Warm the connection and the statement cache, as a running server would be.
    let mut rng = Rng(seed ^ 0x5eed);
    for _ in 0..200 {
        let raw = raw_identifier(rng.next() % n);
        if let Some(id) = identifier(&raw) {
            db::lookup(&mut conn, tf, &[key.token(&id).prefix_hex()], checking.id).await?;
        }
    }
    let mut times = Vec::with_capacity(queries);
    let mut hits = 0usize;
    for q in 0..queries {
        // Half the checks are of an identifier another agency holds, half of one nobody does.
        let i = if q % 2 == 0 {
            rng.next() % n
        } else {
            n + rng.next() % n
        };
        let raw = raw_identifier(i);
        let t0 = Instant::now();
        let found = match identifier(&raw) {
            Some(id) => db::lookup(&mut conn, tf, &[key.token(&id).prefix_hex()], checking.id)
                .await?
                .len(),
            None => 0,
        };
        times.push(t0.elapsed());
        hits += usize::from(found > 0);
    }
    times.sort_unstable();
    println!(
        "{:<58} median {:>9.1} us   p99 {:>9.1} us   ({} queries)",
        "  check (normalise + HMAC + store lookup), pointer table",
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        times.len()
    );
    println!("  ({hits} of {queries} checks found a holder in another agency)");
    Ok(())
}
