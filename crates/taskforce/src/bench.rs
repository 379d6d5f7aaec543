//! `taskforce bench cases`: builds (or reuses) a synthetic database of a million cases and a
//! million notes and prints what ENGINEERING.md's targets ask for, each against a baseline
//! measured in the same run:
//!
//! - full-text search through `App::search` (visibility applied, audited as in production) as
//!   an investigator and as an advocate, over classes of random queries: p50 / p95 / p99;
//! - the case page with 64 concurrent clients over HTTP, and a bare axum handler that reads one
//!   row of the same database with the same clients: p50 / p95 / p99 and requests per second.
//!
//! The load uses `App::bench_load` (sealed, indexed, but many rows per transaction and no audit
//! entry per row: for benchmarks only). The bench databases are sealed under a fixed benchmark
//! master key, so a loaded database can be measured again with `--reuse`; they hold nothing real.

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::time::{Duration, Instant};
use taskforce_app::bench_load::{rare_word, COMMON_WORDS, RARE_WORDS};
use taskforce_app::cases::SearchQuery;
use taskforce_app::{demo, Actor, App, FixedClock, Keyring, MasterKey};
use taskforce_domain::cases::CaseKind;
use taskforce_domain::structure::{OrganizationKind, Role};
use taskforce_domain::{CaseId, TaskForceId};
use taskforce_store::{DatabaseUrl, Store};
use tokio::net::TcpStream;

#[derive(Subcommand)]
pub(crate) enum BenchCommand {
    /// Load a synthetic caseload, then measure search and the case page against baselines.
    Cases(CasesArgs),
    /// Load planned operations, then time one event-deconfliction check against them.
    Operations(crate::bench_operations::OperationsArgs),
}

#[derive(Args)]
pub(crate) struct CasesArgs {
    /// Database to measure; repeat the flag to measure several in one run (e.g. SQLite, then
    /// --database postgres://postgres@127.0.0.1:5432/taskforce_bench).
    #[arg(long = "database", default_value = "sqlite://data/bench.db")]
    databases: Vec<String>,
    /// Cases to load, one note each.
    #[arg(long, default_value_t = 1_000_000)]
    cases: usize,
    /// Cases per load transaction.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,
    /// Measure a database a previous run loaded (otherwise a non-empty database is refused).
    #[arg(long)]
    reuse: bool,
    /// Search queries per class of query and per searcher.
    #[arg(long, default_value_t = 100)]
    queries: usize,
    /// Concurrent clients of the case-page measure.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds each case-page measure runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

/// The fixed master key of benchmark databases (they hold only synthetic data).
const BENCH_MASTER_KEY: [u8; 32] = *b"taskforce benchmark master key!!";
const BENCH_SEED: [u8; 32] = *b"taskforce benchmark app seed 001";

pub(crate) async fn run(command: BenchCommand) -> Result<std::process::ExitCode> {
    let args = match command {
        BenchCommand::Cases(args) => args,
        BenchCommand::Operations(args) => return crate::bench_operations::run(args).await,
    };
    let mut reports = Vec::new();
    for database in &args.databases {
        let report = measure(&args, database)
            .await
            .with_context(|| format!("bench on {database}"))?;
        reports.push(report);
    }
    println!();
    println!("== summary ==");
    println!(
        "{:<10} {:>9} {:>9} {:>8} | {:>26} | {:>26} | {:>31} | {:>31} | {:>5}",
        "backend",
        "cases",
        "notes",
        "load s",
        "search p50/p95/p99 ms inv",
        "search p50/p95/p99 ms adv",
        "case page p50/p95/p99 ms, req/s",
        "bare row p50/p95/p99 ms, req/s",
        "ratio"
    );
    for r in &reports {
        println!(
            "{:<10} {:>9} {:>9} {:>8} | {:>26} | {:>26} | {:>31} | {:>31} | {:>5.2}",
            r.backend,
            r.cases,
            r.notes,
            r.load_seconds
                .map_or("reused".to_owned(), |s| format!("{s:.0}")),
            r.search_investigator.triple(),
            r.search_advocate.triple(),
            format!("{}, {:.0}", r.page.triple(), r.page.per_second),
            format!("{}, {:.0}", r.bare.triple(), r.bare.per_second),
            r.page.per_second / r.bare.per_second.max(f64::MIN_POSITIVE),
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}

struct Report {
    backend: &'static str,
    cases: i64,
    notes: i64,
    load_seconds: Option<f64>,
    search_investigator: Latencies,
    search_advocate: Latencies,
    page: Latencies,
    bare: Latencies,
}

#[derive(Clone, Default)]
struct Latencies {
    samples: Vec<Duration>,
    per_second: f64,
}

impl Latencies {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort();
        if sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1].as_secs_f64() * 1000.0
    }

    fn triple(&self) -> String {
        format!(
            "{:.1} / {:.1} / {:.1}",
            self.percentile(0.50),
            self.percentile(0.95),
            self.percentile(0.99)
        )
    }
}

async fn measure(args: &CasesArgs, database: &str) -> Result<Report> {
    let url = DatabaseUrl::parse(database)?;
    let backend = match url {
        DatabaseUrl::Sqlite(ref path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            "SQLite"
        }
        _ => "PostgreSQL",
    };
    println!("== {backend}: {} ==", url.redacted());
    let store = Store::open(&url, taskforce_store::Create::IfMissing).await?;
    store.migrate().await?;
    // The demo network (task forces, organizations, members, accounts) without its caseload.
    let network = demo::demo_app(store.clone());
    let existing = demo::existing_demo(&network).await?;
    match existing {
        None => {
            demo::seed_network(&network).await?;
        }
        Some(true) if args.reuse => {}
        Some(true) => bail!(
            "{} already holds a benchmark database: pass --reuse to measure it again, or remove it",
            url.redacted()
        ),
        Some(false) => bail!(
            "{} holds data that is not a benchmark's; give the benchmark an empty database",
            url.redacted()
        ),
    }
    let keyring = Keyring::new(
        MasterKey::from_bytes(&BENCH_MASTER_KEY).map_err(|e| anyhow::anyhow!("{e}"))?,
        vec![],
    );
    let app = App::new(
        store.clone(),
        Arc::new(FixedClock::new(demo::demo_epoch())),
        BENCH_SEED,
    )
    .with_keyring(keyring);
    let system = Actor::System("bench");
    let mut task_forces = app.task_forces(&system).await?;
    task_forces.sort_by(|a, b| a.name.cmp(&b.name));
    let tf = task_forces
        .first()
        .map(|t| t.id)
        .context("the benchmark database has no task force")?;

    let mut conn = store.conn().await?;
    let (mut cases, mut notes) = taskforce_store::bench::counts(&mut conn, tf).await?;
    drop(conn);
    let mut load_seconds = None;
    if cases == 0 {
        println!(
            "loading {} cases with a note each, {} per transaction ...",
            args.cases, args.batch
        );
        let started = Instant::now();
        let mut last = Instant::now();
        let mut progress = |done: usize| {
            if last.elapsed() >= Duration::from_secs(15) || done == args.cases {
                last = Instant::now();
                let seconds = started.elapsed().as_secs_f64();
                eprintln!(
                    "  {done} cases in {seconds:.0} s ({:.0} cases/s)",
                    done as f64 / seconds.max(0.001)
                );
            }
        };
        app.bench_load(tf, args.cases, args.batch, &mut progress)
            .await?;
        let seconds = started.elapsed().as_secs_f64();
        load_seconds = Some(seconds);
        let mut conn = store.conn().await?;
        (cases, notes) = taskforce_store::bench::counts(&mut conn, tf).await?;
        println!("loaded {cases} cases and {notes} notes in {seconds:.1} s");
    } else {
        println!("reusing {cases} cases and {notes} notes already loaded");
    }

    let investigator =
        member_acting_as(&app, tf, Role::Investigator, |k| k.is_law_enforcement()).await?;
    let advocate = member_acting_as(&app, tf, Role::Advocate, |k| {
        k == OrganizationKind::VictimServiceProvider
    })
    .await?;

    println!(
        "search: App::search, 20 hits a page, {} queries per class and searcher",
        args.queries
    );
    println!(
        "  {:<14} {:<22} {:>6} {:>9} {:>8} {:>8} {:>8}",
        "searcher", "query", "n", "avg hits", "p50 ms", "p95 ms", "p99 ms"
    );
    let mut search_investigator = Latencies::default();
    let mut search_advocate = Latencies::default();
    for (who, actor, all) in [
        ("investigator", &investigator, &mut search_investigator),
        ("advocate", &advocate, &mut search_advocate),
    ] {
        let mut rng = ChaCha8Rng::from_seed(BENCH_SEED);
        for class in QueryClass::ALL {
            let mut latencies = Latencies::default();
            let mut hits = 0i64;
            for _ in 0..args.queries {
                let text = class.query(&mut rng);
                let started = Instant::now();
                let (_, total) = app
                    .search(
                        actor,
                        tf,
                        &SearchQuery {
                            text,
                            ..SearchQuery::default()
                        },
                        20,
                    )
                    .await?;
                latencies.samples.push(started.elapsed());
                hits += total;
            }
            println!(
                "  {:<14} {:<22} {:>6} {:>9.0} {:>8.1} {:>8.1} {:>8.1}",
                who,
                class.name(),
                latencies.samples.len(),
                hits as f64 / args.queries.max(1) as f64,
                latencies.percentile(0.50),
                latencies.percentile(0.95),
                latencies.percentile(0.99)
            );
            all.samples.extend(latencies.samples);
        }
        println!(
            "  {:<14} {:<22} {:>6} {:>9} {:>8.1} {:>8.1} {:>8.1}",
            who,
            "all classes",
            all.samples.len(),
            "",
            all.percentile(0.50),
            all.percentile(0.95),
            all.percentile(0.99)
        );
    }

    let (page, bare) = measure_pages(args, &app, tf, &investigator).await?;
    println!(
        "case page: an investigator's token, {} clients, {} s each, over HTTP on 127.0.0.1",
        args.clients, args.seconds
    );
    println!(
        "  {:<44} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "handler", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms"
    );
    for (name, l) in [
        ("case (real router, GET /api/v1/cases/{id})", &page),
        ("bare axum handler reading one row", &bare),
    ] {
        println!(
            "  {:<44} {:>9} {:>8.0} {:>8.1} {:>8.1} {:>8.1}",
            name,
            l.samples.len(),
            l.per_second,
            l.percentile(0.50),
            l.percentile(0.95),
            l.percentile(0.99)
        );
    }
    println!(
        "  throughput of the case page / the bare handler: {:.2}",
        page.per_second / bare.per_second.max(f64::MIN_POSITIVE)
    );
    Ok(Report {
        backend,
        cases,
        notes,
        load_seconds,
        search_investigator,
        search_advocate,
        page,
        bare,
    })
}

/// A member holding `role` in one organization of the wanted kind, as the principal they act as.
async fn member_acting_as(
    app: &App,
    tf: TaskForceId,
    role: Role,
    kind: impl Fn(OrganizationKind) -> bool,
) -> Result<Actor> {
    let system = Actor::System("bench");
    let organizations = app.organizations(&system, tf).await?;
    let members = app.members(&system, tf).await?;
    for member in &members {
        let [membership] = member.memberships.as_slice() else {
            continue;
        };
        let fits = membership.roles == [role]
            && organizations
                .iter()
                .any(|o| o.id == membership.organization_id && kind(o.kind));
        if fits {
            let principal = app.principal_for_email(&member.email, "bench").await?;
            return Ok(Actor::Member(principal));
        }
    }
    bail!("no member holds the role {} alone", role.label())
}

#[derive(Clone, Copy)]
enum QueryClass {
    OneRare,
    TwoRare,
    CommonAndRare,
    OneCommon,
}

impl QueryClass {
    const ALL: [QueryClass; 4] = [
        Self::OneRare,
        Self::TwoRare,
        Self::CommonAndRare,
        Self::OneCommon,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::OneRare => "one rare word",
            Self::TwoRare => "two rare words",
            Self::CommonAndRare => "common + rare word",
            Self::OneCommon => "one common word",
        }
    }

    fn query(self, rng: &mut ChaCha8Rng) -> String {
        let rare = |rng: &mut ChaCha8Rng| rare_word(rng.gen_range(0..RARE_WORDS));
        let common = |rng: &mut ChaCha8Rng| {
            COMMON_WORDS
                .choose(rng)
                .copied()
                .unwrap_or("interview")
                .to_owned()
        };
        match self {
            Self::OneRare => rare(rng),
            Self::TwoRare => format!("{} {}", rare(rng), rare(rng)),
            Self::CommonAndRare => format!("{} {}", common(rng), rare(rng)),
            Self::OneCommon => common(rng),
        }
    }
}

struct PageState {
    app: App,
    tf: TaskForceId,
}

/// Where a measure sends its requests.
#[derive(Clone)]
struct Target {
    address: std::net::SocketAddr,
    prefix: &'static str,
    authorization: Option<String>,
}

/// Serves the case page and the bare handler on 127.0.0.1 and drives each with the clients.
async fn measure_pages(
    args: &CasesArgs,
    app: &App,
    tf: TaskForceId,
    investigator: &Actor,
) -> Result<(Latencies, Latencies)> {
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use axum::routing::get;

    let Some(organization) = investigator.principal().map(|p| p.organization_id) else {
        bail!("the case page is read by a member");
    };
    let mut conn = app.store().conn().await?;
    let ids = taskforce_store::bench::case_ids_of(
        &mut conn,
        tf,
        organization,
        CaseKind::Investigation,
        20_000,
    )
    .await?;
    drop(conn);
    if ids.is_empty() {
        bail!("the investigator's agency holds no case to open");
    }
    // The case as the product serves it: the real router (token check, policy, the whole view
    // of the case with its summary and notes decrypted, the audit entry of the read, JSON), at
    // the API's address. The HTML page /cases/{id} reads the same view but needs a session that
    // passed a second factor, which a benchmark client cannot enrol.
    let system = Actor::System("bench");
    let Some(owner) = investigator.principal() else {
        bail!("the case page is read by a member");
    };
    let (_, secret) = app
        .create_token(
            &system,
            owner,
            "benchmark",
            taskforce_domain::identity::TokenScope::Read,
            None,
        )
        .await?;
    let bearer = format!("Bearer {secret}");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let product_address = listener.local_addr()?;
    let product = tokio::spawn(taskforce_web::serve(
        listener,
        app.clone(),
        taskforce_web::WebConfig::default(),
    ));
    // The baseline: a bare axum handler reading one row by its key, from the same pool.
    async fn bare_row(State(s): State<Arc<PageState>>, Path(id): Path<uuid::Uuid>) -> Response {
        let Ok(mut conn) = s.app.store().conn().await else {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        };
        match taskforce_store::bench::case_title(&mut conn, s.tf, CaseId(id)).await {
            Ok(Some(title)) => (
                [("content-type", "application/json")],
                serde_json::json!({ "title": title }).to_string(),
            )
                .into_response(),
            Ok(None) => StatusCode::NOT_FOUND.into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
    let state = Arc::new(PageState {
        app: app.clone(),
        tf,
    });
    let router = axum::Router::new()
        .route("/bare/{id}", get(bare_row))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_address = listener.local_addr()?;
    let bare_server = tokio::spawn(async move { axum::serve(listener, router).await });
    let ids = Arc::new(ids);
    // Warm both paths, then measure each with the same clients and the same case ids.
    let page_at = Target {
        address: product_address,
        prefix: "/api/v1/cases/",
        authorization: Some(bearer),
    };
    let bare_at = Target {
        address: bare_address,
        prefix: "/bare/",
        authorization: None,
    };
    drive(&page_at, &ids, args.clients, Duration::from_secs(1)).await?;
    drive(&bare_at, &ids, args.clients, Duration::from_secs(1)).await?;
    let seconds = Duration::from_secs(args.seconds.max(1));
    let page = drive(&page_at, &ids, args.clients, seconds).await?;
    let bare = drive(&bare_at, &ids, args.clients, seconds).await?;
    product.abort();
    bare_server.abort();
    Ok((page, bare))
}

/// `clients` connections, each asking for random cases one after another for `length`.
async fn drive(
    target: &Target,
    ids: &Arc<Vec<CaseId>>,
    clients: usize,
    length: Duration,
) -> Result<Latencies> {
    let started = Instant::now();
    let mut handles = Vec::new();
    for client in 0..clients {
        let ids = ids.clone();
        let target = target.clone();
        handles.push(tokio::spawn(async move {
            let mut rng = ChaCha8Rng::seed_from_u64(client as u64);
            let mut stream = HttpClient::connect(target.address).await?;
            let prefix = target.prefix;
            let mut samples = Vec::new();
            while started.elapsed() < length {
                let id = ids.choose(&mut rng).copied().context("no ids")?;
                let at = Instant::now();
                let status = stream
                    .get(&format!("{prefix}{id}"), target.authorization.as_deref())
                    .await?;
                if status != 200 {
                    bail!("GET {prefix}{id} answered {status}");
                }
                samples.push(at.elapsed());
            }
            anyhow::Ok(samples)
        }));
    }
    let mut all = Latencies::default();
    for handle in handles {
        all.samples.extend(handle.await??);
    }
    all.per_second = all.samples.len() as f64 / started.elapsed().as_secs_f64();
    Ok(all)
}

/// A minimal HTTP/1.1 keep-alive client (GET, Content-Length bodies): enough for the
/// benchmark, and no client library in the build.
struct HttpClient {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl HttpClient {
    async fn connect(address: std::net::SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buffer: Vec::with_capacity(64 * 1024),
        })
    }

    async fn get(&mut self, path: &str, authorization: Option<&str>) -> Result<u16> {
        let request = match authorization {
            Some(a) => format!("GET {path} HTTP/1.1\r\nhost: bench\r\nauthorization: {a}\r\n\r\n"),
            None => format!("GET {path} HTTP/1.1\r\nhost: bench\r\n\r\n"),
        };
        let mut out = request.as_bytes();
        while !out.is_empty() {
            self.stream.writable().await?;
            match self.stream.try_write(out) {
                Ok(n) => out = &out[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.into()),
            }
        }
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .context("a response without a status")?;
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .context("a response without content-length")?;
                if self.buffer.len() >= end + 4 + length {
                    self.buffer.drain(..end + 4 + length);
                    return Ok(status);
                }
            }
            self.stream.readable().await?;
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.try_read(&mut chunk) {
                Ok(0) => bail!("the server closed the connection"),
                Ok(n) => self.buffer.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
