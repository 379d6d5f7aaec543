//! The `taskforce` command: serve, demo, migrate, audit.
//!
//! This is the composition root: it reads configuration, opens the store, gives the app its
//! clock and entropy, and starts the web server. It holds no business rule.

mod audit;
mod bench;
mod bench_operations;
mod keys;
mod linkage;
mod threat;
mod tips;
mod users;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rand::RngCore;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use taskforce_app::{demo, App, Mailer, RelyingParty, SystemClock};
use taskforce_domain::identity::SecuritySettings;
use taskforce_store::{DatabaseUrl, Store};
use taskforce_web::WebConfig;

/// Taskforce: the workspace of a multidisciplinary human-trafficking task force.
#[derive(Parser)]
#[command(name = "taskforce", version, about, long_about = None)]
struct Cli {
    /// Log format on standard error.
    #[arg(long, value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the JSON API.
    Serve(ServeArgs),
    /// Create (or reuse) the demo network of four task forces and serve it.
    Demo(DemoArgs),
    /// Create the database if needed and bring its schema up to date.
    Migrate(DatabaseArgs),
    /// Add, disable and list sign-in accounts.
    User {
        #[command(subcommand)]
        command: users::UserCommand,
    },
    /// Personal access tokens for the API.
    Token {
        #[command(subcommand)]
        command: users::TokenCommand,
    },
    /// Master keys for encryption at rest: generate, rotate, status.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Tips: import hotline exports (CSV).
    Tips {
        #[command(subcommand)]
        command: tips::TipsCommand,
    },
    /// Check, export or purge the tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Benchmarks that print figures (synthetic data; not for a production database).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Threat assessment: import public data (CBP, NASS, H-2A, H-2B, WHD); benchmark the import.
    Threat {
        #[command(subcommand)]
        command: threat::ThreatCommand,
    },
    /// Find duplicate and matching person records in CSV files; deconfliction benchmarks.
    Linkage {
        #[command(subcommand)]
        command: linkage::LinkageCommand,
    },
}

#[derive(Args)]
pub(crate) struct DatabaseArgs {
    /// sqlite://PATH or postgres://USER@HOST:PORT/NAME [default: sqlite://data/taskforce.db]
    #[arg(long, env = "TASKFORCE_DATABASE")]
    pub(crate) database: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    #[command(flatten)]
    keys: keys::KeyArgs,
    #[command(flatten)]
    web: WebArgs,
}

#[derive(Args)]
struct WebArgs {
    /// Address to listen on (e.g. 0.0.0.0:8443 behind a firewall). Port 0 picks a free port.
    #[arg(long, env = "TASKFORCE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// PEM certificate chain: serve HTTPS (TLS 1.2+, rustls) instead of plain HTTP.
    #[arg(long, env = "TASKFORCE_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate.
    #[arg(long, env = "TASKFORCE_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve /healthz and /metrics on this separate address only (e.g. an internal interface).
    #[arg(long, env = "TASKFORCE_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// Where notification e-mail goes: smtp://USER:PASS@HOST:587?tls=required, smtps://…, or
    /// file:///FOLDER (one .eml file per message). Without it, e-mail waits in the outbox.
    #[arg(long, env = "TASKFORCE_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender of notification e-mail.
    #[arg(
        long,
        env = "TASKFORCE_MAIL_FROM",
        default_value = "Taskforce <taskforce@localhost>"
    )]
    mail_from: String,
    /// Seconds between runs of the background work (consent-expiry notices, overdue referrals,
    /// the e-mail outbox).
    #[arg(long, env = "TASKFORCE_WORK_EVERY", default_value_t = 60)]
    work_every: u64,
    /// The system-use notice shown before sign-in.
    #[arg(long, env = "TASKFORCE_BANNER")]
    banner: Option<String>,
    /// Failed sign-ins in a row that lock an account.
    #[arg(long, env = "TASKFORCE_LOCKOUT_ATTEMPTS", default_value_t = 5)]
    lockout_attempts: i64,
    /// Minutes an account stays locked.
    #[arg(long, env = "TASKFORCE_LOCKOUT_MINUTES", default_value_t = 10)]
    lockout_minutes: i64,
    /// The address people open Taskforce at (e.g. https://taskforce.example.gov); security keys
    /// and passkeys are bound to its host name. [default: http://localhost:PORT when listening
    /// on loopback; elsewhere security keys are not offered until this is set]
    #[arg(long, env = "TASKFORCE_PUBLIC_URL")]
    public_url: Option<String>,
}

#[derive(Args)]
struct DemoArgs {
    /// sqlite://PATH or postgres://USER@HOST:PORT/NAME; created if it does not exist.
    #[arg(long, default_value = "sqlite://data/demo.db")]
    database: String,
    #[command(flatten)]
    keys: keys::KeyArgs,
    #[command(flatten)]
    web: WebArgs,
}

const DEFAULT_DATABASE: &str = "sqlite://data/taskforce.db";

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TASKFORCE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Audit { command } => audit::run(command).await,
        Command::Bench { command } => bench::run(command).await,
        Command::Threat { command } => threat::run(command).await,
        Command::Linkage { command } => linkage::run(command).await,
        Command::User { command } => users::run_user(command).await,
        Command::Token { command } => users::run_token(command).await,
        Command::Keys { command } => keys::run(command).await,
        Command::Tips { command } => tips::run(command).await,
        Command::Migrate(args) => {
            let (url, _) = database_url(args.database.as_deref())?;
            let store = Store::open(&url, taskforce_store::Create::IfMissing).await?;
            store.migrate().await?;
            println!(
                "{} is at schema version {}",
                url.redacted(),
                store.schema_version().await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let web = web_options(&args.web)?;
            let (url, is_default) = database_url(args.db.database.as_deref())?;
            // An explicit URL must name an existing database: a typo must not create an empty one.
            let create = if is_default {
                taskforce_store::Create::IfMissing
            } else {
                taskforce_store::Create::Never
            };
            let store = Store::open(&url, create).await?;
            store.migrate().await?;
            let default_key = is_default.then(|| PathBuf::from("data/taskforce.key"));
            let mut app = App::new(store, Arc::new(SystemClock), entropy())
                .with_settings(web.settings.clone());
            match keys::keyring(&args.keys, default_key.as_deref())? {
                Some(keyring) => app = app.with_keyring(keyring),
                None => tracing::warn!("no master key configured (--master-key-file or TASKFORCE_MASTER_KEY): notes, narratives and attachments can be neither stored nor read"),
            }
            serve(app, &web, "Taskforce").await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let web = web_options(&args.web)?;
            let url = DatabaseUrl::parse(&args.database)?;
            ensure_parent_dir(&url, args.database == "sqlite://data/demo.db")?;
            let store = Store::open(&url, taskforce_store::Create::IfMissing).await?;
            store.migrate().await?;
            let default_key = match &url {
                DatabaseUrl::Sqlite(path) => path.with_extension("key"),
                _ => PathBuf::from("data/demo.key"),
            };
            let keyring = || {
                keys::keyring(&args.keys, Some(&default_key))?
                    .context("the demo needs a master key")
            };
            let seeding = demo::demo_app(store.clone()).with_keyring(keyring()?);
            match demo::existing_demo(&seeding).await? {
                None => {
                    eprintln!("Creating the demo network in {} ...", url.redacted());
                    let started = std::time::Instant::now();
                    let summary = demo::seed(&seeding).await?;
                    eprintln!(
                        "Demo caseload: {} cases, {} persons, {} notes (built in {:.1} s)",
                        summary.caseload.cases,
                        summary.caseload.persons,
                        summary.caseload.notes,
                        started.elapsed().as_secs_f64()
                    );
                }
                Some(true) => eprintln!("Using the demo network already in {}", url.redacted()),
                Some(false) => bail!(
                    "{} already holds data that is not the demo; the demo needs an empty database of its own (choose another with --database)",
                    url.redacted()
                ),
            }
            print_demo_users(&seeding).await?;
            let mut settings = web.settings.clone();
            if args.web.banner.is_none() {
                settings.banner = format!(
                    "DEMONSTRATION SYSTEM: every person and case here is invented. {}",
                    settings.banner
                );
            }
            let app = App::new(store, Arc::new(SystemClock), entropy())
                .with_settings(settings)
                .with_keyring(keyring()?);
            serve(app, &web, "Taskforce demo").await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The database URL to use, and whether it is the built-in default.
pub(crate) fn database_url(given: Option<&str>) -> Result<(DatabaseUrl, bool)> {
    let is_default = given.is_none();
    let url = DatabaseUrl::parse(given.unwrap_or(DEFAULT_DATABASE))?;
    ensure_parent_dir(&url, is_default)?;
    Ok((url, is_default))
}

/// The default location lives under `data/`, made on first use; a folder the user named must exist.
fn ensure_parent_dir(url: &DatabaseUrl, is_default: bool) -> Result<()> {
    if let (DatabaseUrl::Sqlite(path), true) = (url, is_default) {
        if let Some(parent) = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty() && !Path::exists(p))
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
    }
    Ok(())
}

/// Checked web options: where to listen, TLS, the separate telemetry address, security settings.
struct WebOptions {
    listen: SocketAddr,
    tls: Option<(PathBuf, PathBuf)>,
    metrics_listen: Option<SocketAddr>,
    settings: SecuritySettings,
    /// Checked already (see [`relying_party`]).
    public_url: Option<String>,
    mailer: Option<Arc<Mailer>>,
    work_every: std::time::Duration,
}

fn address(flag: &str, text: &str) -> Result<SocketAddr> {
    text.parse()
        .with_context(|| format!("{flag}: {text:?} is not an address such as 127.0.0.1:8080"))
}

fn web_options(args: &WebArgs) -> Result<WebOptions> {
    let listen = address("listen", &args.listen)?;
    let metrics_listen = args
        .metrics_listen
        .as_deref()
        .map(|m| address("metrics-listen", m))
        .transpose()?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            for (flag, path) in [("tls-cert", cert), ("tls-key", key)] {
                if !path.is_file() {
                    bail!("{flag}: {} is not a readable file", path.display());
                }
            }
            Some((cert.clone(), key.clone()))
        }
        _ => None,
    };
    if !(1..=100).contains(&args.lockout_attempts) {
        bail!("lockout-attempts: must be between 1 and 100");
    }
    if !(1..=24 * 60).contains(&args.lockout_minutes) {
        bail!("lockout-minutes: must be between 1 and 1440");
    }
    let mut settings = SecuritySettings {
        lockout_after: args.lockout_attempts,
        lockout_for: chrono::Duration::minutes(args.lockout_minutes),
        ..SecuritySettings::default()
    };
    if let Some(banner) = &args.banner {
        if banner.trim().is_empty() {
            bail!("banner: must not be empty");
        }
        settings.banner = banner.trim().to_owned();
    }
    let public_url = args.public_url.as_deref().map(str::trim).map(str::to_owned);
    if let Some(url) = &public_url {
        relying_party(url)?;
    }
    let mailer = args
        .smtp_url
        .as_deref()
        .map(|url| Mailer::from_url(url, &args.mail_from).map(Arc::new))
        .transpose()
        .map_err(|e| anyhow::anyhow!(e))?;
    if !(1..=3600).contains(&args.work_every) {
        bail!("work-every: must be between 1 and 3600 seconds");
    }
    Ok(WebOptions {
        listen,
        tls,
        metrics_listen,
        settings,
        public_url,
        mailer,
        work_every: std::time::Duration::from_secs(args.work_every),
    })
}

/// The address security keys are bound to: the one given, or `http(s)://localhost:PORT` when
/// listening on loopback; `None` otherwise.
fn public_url(given: Option<&str>, tls: bool, local: SocketAddr) -> Option<String> {
    match given {
        Some(url) => Some(url.to_owned()),
        None if local.ip().is_loopback() => {
            let scheme = if tls { "https" } else { "http" };
            Some(format!("{scheme}://localhost:{}", local.port()))
        }
        None => None,
    }
}

fn relying_party(url: &str) -> Result<RelyingParty> {
    RelyingParty::new(url).map_err(|e| match e {
        taskforce_app::AppError::Invalid(invalid) => anyhow::anyhow!(
            "public-url: {url:?} {}",
            invalid
                .message_for("public_url")
                .unwrap_or("cannot be used")
        ),
        other => anyhow::anyhow!("public-url: {url:?}: {other}"),
    })
}

/// Offers security keys for the address people open: `--public-url`, or on loopback
/// `http(s)://localhost:PORT` (browsers refuse security keys on an IP address such as
/// 127.0.0.1). Elsewhere, without `--public-url`, they are not offered.
fn with_relying_party(app: App, web: &WebOptions, local: SocketAddr) -> Result<App> {
    let Some(url) = public_url(web.public_url.as_deref(), web.tls.is_some(), local) else {
        tracing::warn!("security keys and passkeys are not offered: set --public-url (TASKFORCE_PUBLIC_URL) to the address people open");
        return Ok(app);
    };
    let rp = relying_party(&url)?;
    tracing::info!(
        origin = rp.origin(),
        "security keys and passkeys work at {}",
        rp.origin()
    );
    Ok(app.with_relying_party(rp))
}

pub(crate) fn entropy() -> [u8; 32] {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    seed
}

/// Runs the background work every `web.work_every` until the process ends. Every step claims
/// its rows in the database, so several instances can run it side by side.
fn spawn_background_work(app: &App, web: &WebOptions) {
    let app = app.clone();
    let mailer = web.mailer.clone();
    let every = web.work_every;
    if mailer.is_none() {
        tracing::info!("no --smtp-url: notification e-mail waits in the outbox");
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = app.run_due_work(mailer.as_deref()).await {
                tracing::error!(error = %e, "background work failed; it runs again shortly");
            }
        }
    });
}

async fn serve(app: App, web: &WebOptions, what: &str) -> Result<()> {
    spawn_background_work(&app, web);
    let config = WebConfig {
        tls: web.tls.is_some(),
        telemetry: web.metrics_listen.is_none(),
        ..WebConfig::default()
    };
    if let Some(metrics) = web.metrics_listen {
        let listener = tokio::net::TcpListener::bind(metrics)
            .await
            .with_context(|| format!("metrics-listen: cannot listen on {metrics}"))?;
        println!("health and metrics on http://{}", listener.local_addr()?);
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = taskforce_web::serve_telemetry(listener, app).await {
                tracing::error!(error = %e, "metrics listener stopped");
            }
        });
    }
    match &web.tls {
        None => {
            let listener = tokio::net::TcpListener::bind(web.listen)
                .await
                .with_context(|| format!("listen: cannot listen on {}", web.listen))?;
            let local = listener.local_addr()?;
            let app = with_relying_party(app, web, local)?;
            println!("{what} listening on http://{local}");
            if local.ip().is_loopback() {
                tracing::info!(address = %local, "serving plain HTTP on loopback (no TLS)");
            } else {
                tracing::warn!(address = %local, "serving WITHOUT TLS on a network address: put a TLS proxy in front or give --tls-cert and --tls-key");
            }
            taskforce_web::serve(listener, app, config).await?;
        }
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .with_context(|| {
                    format!(
                        "tls-cert / tls-key: cannot load {} and {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            let std_listener = std::net::TcpListener::bind(web.listen)
                .with_context(|| format!("listen: cannot listen on {}", web.listen))?;
            std_listener.set_nonblocking(true)?;
            let local = std_listener.local_addr()?;
            let app = with_relying_party(app, web, local)?;
            println!("{what} listening on https://{local}");
            tracing::info!(address = %local, "serving HTTPS (rustls)");
            let handle = axum_server::Handle::new();
            let shutdown = handle.clone();
            tokio::spawn(async move {
                taskforce_web::shutdown_signal().await;
                shutdown.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            let router = taskforce_web::router_with(app, config);
            axum_server::from_tcp_rustls(std_listener, tls)
                .handle(handle)
                .serve(router.into_make_service_with_connect_info::<SocketAddr>())
                .await?;
        }
    }
    Ok(())
}

async fn print_demo_users(app: &App) -> Result<()> {
    println!("Demo users (each task force has one for every role; the full list is on its Members page):");
    let demo = taskforce_app::Actor::System("demo");
    println!("Every demo account's password is: {}", demo::DEMO_PASSWORD);
    println!("At first sign-in each enrols an authenticator app (any TOTP app, or `oathtool --totp -b KEY` with the key shown), or a security key or passkey (open the demo at http://localhost:PORT for those).");
    for tf in app.task_forces(&demo).await? {
        println!("  {}", tf.name);
        let members = app.members(&demo, tf.id).await?;
        for role in taskforce_domain::structure::Role::ALL {
            if let Some(member) = members.iter().find(|m| m.holds(*role)) {
                println!(
                    "    {:<26} {} <{}>",
                    role.label(),
                    member.name,
                    member.email
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("address")
    }

    #[test]
    fn security_keys_are_bound_to_localhost_on_loopback_and_to_the_public_url_elsewhere() {
        assert_eq!(
            public_url(None, false, addr("127.0.0.1:40123")).as_deref(),
            Some("http://localhost:40123"),
            "browsers refuse an IP address, so loopback is named localhost"
        );
        assert_eq!(
            public_url(None, true, addr("[::1]:8443")).as_deref(),
            Some("https://localhost:8443")
        );
        assert_eq!(public_url(None, false, addr("0.0.0.0:8080")), None);
        assert_eq!(
            public_url(
                Some("https://taskforce.example.gov"),
                false,
                addr("0.0.0.0:8080")
            )
            .as_deref(),
            Some("https://taskforce.example.gov")
        );
        assert!(relying_party("http://localhost:40123").is_ok());
        let err = relying_party("http://192.0.2.10:8080").expect_err("an IP address");
        assert!(err.to_string().starts_with("public-url:"), "{err}");
        assert!(err.to_string().contains("not an IP address"), "{err}");
    }
}
