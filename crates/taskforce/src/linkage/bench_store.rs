//! `taskforce linkage bench-deconfliction --database URL`: the in-product check, measured on
//! the real pointer table of a real database (SQLite or PostgreSQL) holding millions of keyed
//! tokens: normalise the identifier, HMAC it, then the store's lookup
//! (`store::deconfliction::lookup`, the very query a case write runs in `App::check_target`)
//! for holders in other agencies. Prints median and p99 beside the in-memory figure the same
//! run printed first, and the database's plan for the lookup. Prints figures; asserts nothing
//! about time.
//!
//! Loading: the pointers (real HMAC-SHA256 tokens of the synthetic identifiers, spread over
//! the persons of every other agency's investigation) are written in one transaction by
//! `store::bench::load_pointers`, the benchmark-only bulk path (COPY on PostgreSQL; prepared
//! multi-row INSERTs on SQLite; indexes built after the load). `--reuse` measures a database a
//! previous run loaded, so a rerun costs the check, not the load.

use super::bench::{identifier, percentile, raw_identifier, Rng};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use taskforce_app::{demo, Actor, App, FixedClock, Keyring, MasterKey};
use taskforce_domain::cases::{CaseInput, CaseKind, PersonInput, PersonRole};
use taskforce_domain::deconfliction::MatchKind;
use taskforce_domain::*;
use taskforce_linkage::blind::BlindKey;
use taskforce_store::deconfliction::{self as db, Pointer};
use taskforce_store::{DatabaseUrl, Store};

const MASTER_KEY: [u8; 32] = *b"taskforce deconfliction bench!!!";
const SEED: [u8; 32] = *b"taskforce deconfliction bench 01";
/// Pointers handed to the loader at a time.
const CHUNK: usize = 50_000;
/// Persons each holding agency's investigation holds the pointers of.
const PERSONS_PER_AGENCY: usize = 200;

/// One loaded pointer before it is written: the token's 128-bit prefix, its kind, and whose it
/// is (the holder's index times PERSONS_PER_AGENCY plus the person's).
type Loaded = (u128, MatchKind, usize);

pub(crate) async fn measure(
    database: &str,
    key: &BlindKey,
    identifiers: usize,
    queries: usize,
    seed: u64,
    reuse: bool,
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
    let [checking, holding @ ..] = agencies.as_slice() else {
        bail!("the benchmark needs two law enforcement agencies");
    };
    if holding.is_empty() {
        bail!("the benchmark needs two law enforcement agencies");
    }

    let mut conn = store.conn().await?;
    let held = db::pointer_count(&mut conn, tf).await?;
    drop(conn);
    let n = identifiers as u64;
    match (held, reuse) {
        (0, true) => bail!(
            "{} holds no pointers to reuse: run once without --reuse to load them",
            url.redacted()
        ),
        (0, false) => {
            load(&app, &url, tf, holding, key, n).await?;
        }
        (_, false) => bail!(
            "{} already holds {held} pointers: pass --reuse to measure them again, or give an empty database",
            url.redacted()
        ),
        (held, true) => {
            // Not every synthetic identifier normalises (a few phones are not valid numbers),
            // so a load of n identifiers holds a little fewer than n pointers.
            let held = u64::try_from(held)?;
            if held > n || held < n / 2 {
                bail!(
                    "{} holds {held} pointers, a load of another --identifiers than {identifiers}",
                    url.redacted()
                );
            }
            println!("  reusing {held} pointers loaded by an earlier run");
        }
    }

    let mut conn = store.conn().await?;
    let token_of = |i: u64| identifier(&raw_identifier(i)).map(|id| key.token(&id).prefix_hex());
    // The plans: one token that is held, and a person's six.
    let mut rng = Rng(seed ^ 0x5eed);
    let held_token = (0..100)
        .find_map(|_| token_of(rng.next() % n))
        .context("no identifier normalises")?;
    for (what, tokens) in [
        ("one token", vec![held_token.clone()]),
        ("a person's tokens", person_tokens(&token_of, n, &mut rng)),
    ] {
        println!("  plan of the lookup ({what}):");
        for line in db::explain_lookup(&mut conn, store.backend(), tf, &tokens, checking.id).await?
        {
            println!("    {line}");
        }
    }

    // Warm the connection, its statement cache and the upper levels of the index, as a
    // running server's would be.
    for _ in 0..1_000 {
        if let Some(t) = token_of(rng.next() % (2 * n)) {
            db::lookup(&mut conn, tf, &[t], checking.id).await?;
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

    // A person's check as a case write makes it: six tokens in one statement.
    let mut times = Vec::with_capacity(queries / 4);
    for _ in 0..(queries / 4).max(1) {
        let tokens = person_tokens(&token_of, n, &mut rng);
        let t0 = Instant::now();
        db::lookup(&mut conn, tf, &tokens, checking.id).await?;
        times.push(t0.elapsed());
    }
    times.sort_unstable();
    println!(
        "{:<58} median {:>9.1} us   p99 {:>9.1} us   ({} queries)",
        "  a person's check: 6 tokens in one lookup (HMAC before)",
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        times.len()
    );
    Ok(())
}

/// Six tokens as one person's write brings them: three held by someone, three by no one.
fn person_tokens(token_of: &impl Fn(u64) -> Option<String>, n: u64, rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::with_capacity(6);
    while out.len() < 6 {
        let i = if out.len() < 3 {
            rng.next() % n
        } else {
            n + rng.next() % n
        };
        out.extend(token_of(i));
    }
    out
}

/// Makes the holding agencies' investigations and persons, then loads the pointers of `n`
/// synthetic identifiers (real HMAC tokens under the benchmark's key), spread over them.
async fn load(
    app: &App,
    url: &DatabaseUrl,
    tf: TaskForceId,
    holding: &[taskforce_domain::structure::Organization],
    key: &BlindKey,
    n: u64,
) -> Result<()> {
    let system = Actor::System("bench");
    let mut holders: Vec<(OrganizationId, CaseId, Vec<PersonId>)> = Vec::new();
    for agency in holding {
        let case = app
            .create_case_for(
                &system,
                tf,
                agency.id,
                CaseInput {
                    kind: Some(CaseKind::Investigation),
                    title: "Benchmark holder".into(),
                    ..Default::default()
                },
            )
            .await?;
        let mut persons = Vec::with_capacity(PERSONS_PER_AGENCY);
        for _ in 0..PERSONS_PER_AGENCY {
            persons.push(
                app.add_person(
                    &system,
                    tf,
                    case.id,
                    PersonRole::Suspect,
                    PersonInput::default(),
                )
                .await?
                .id,
            );
        }
        holders.push((agency.id, case.id, persons));
    }
    let started = Instant::now();
    let h = holders.len() as u64;
    let mut rows: Vec<Loaded> = (0..n)
        .into_par_iter()
        .filter_map(|i| {
            let raw = raw_identifier(i);
            let kind = match raw.0 {
                0 => MatchKind::Phone,
                1 => MatchKind::Email,
                _ => MatchKind::Vehicle,
            };
            let token = key.token(&identifier(&raw)?);
            let mut prefix = [0u8; 16];
            prefix.copy_from_slice(&token.0[..16]);
            // Identifier i belongs to holder i mod h, to one of its persons in turn.
            let whose = (i % h) * PERSONS_PER_AGENCY as u64 + (i / h) % PERSONS_PER_AGENCY as u64;
            Some((u128::from_be_bytes(prefix), kind, whose as usize))
        })
        .collect();
    // In key order (the table's primary key starts with the token); a synthetic identifier
    // drawn twice for the same person is one pointer, as the product's insert makes it.
    rows.par_sort_unstable_by_key(|r| (r.0, r.2));
    rows.dedup_by_key(|r| (r.0, r.2));
    println!(
        "  loading {} pointers over {} persons of {} agencies in one transaction (tokens made in {:.1} s) ...",
        rows.len(),
        holders.len() * PERSONS_PER_AGENCY,
        holders.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let mut last = Instant::now();
    let total = rows.len();
    let chunks = rows.chunks(CHUNK).enumerate().map(|(c, chunk)| {
        if last.elapsed() >= Duration::from_secs(30) {
            last = Instant::now();
            eprintln!(
                "    {} of {total} pointers sent in {:.0} s",
                c * CHUNK,
                started.elapsed().as_secs_f64()
            );
        }
        chunk
            .iter()
            .map(|&(token, kind, whose)| {
                let (org, case, persons) = &holders[whose / PERSONS_PER_AGENCY];
                let person = persons[whose % PERSONS_PER_AGENCY];
                Pointer {
                    token: format!("{token:032x}"),
                    kind,
                    person_id: person,
                    organization_id: *org,
                    case_id: *case,
                    created_by: None,
                }
            })
            .collect::<Vec<_>>()
    });
    let written =
        taskforce_store::bench::load_pointers(url, tf, chunks, demo::demo_epoch()).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  loaded: {written} pointers in {seconds:.1} s ({:.0} a second, indexes and keys included)",
        written as f64 / seconds.max(1e-9)
    );
    Ok(())
}
