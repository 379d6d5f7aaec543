//! The `taskforce` command: serve, demo, migrate.
//!
//! This is the composition root: it reads configuration, opens the store, gives the app its
//! clock and entropy, and starts the web server. It holds no business rule.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use rand::RngCore;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use taskforce_app::{demo, App, SystemClock};
use taskforce_store::{DatabaseUrl, Store};

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
}

#[derive(Args)]
struct DatabaseArgs {
    /// sqlite://PATH or postgres://USER@HOST:PORT/NAME [default: sqlite://data/taskforce.db]
    #[arg(long, env = "TASKFORCE_DATABASE")]
    database: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    db: DatabaseArgs,
    /// Address to listen on. Until sign-in exists, only loopback addresses are accepted.
    #[arg(long, env = "TASKFORCE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
}

#[derive(Args)]
struct DemoArgs {
    /// sqlite://PATH or postgres://USER@HOST:PORT/NAME; created if it does not exist.
    #[arg(long, default_value = "sqlite://data/demo.db")]
    database: String,
    /// Address to listen on (loopback only). Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
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
        Ok(()) => ExitCode::SUCCESS,
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

async fn run(command: Command) -> Result<()> {
    match command {
        Command::Migrate(args) => {
            let (url, _) = database_url(args.database.as_deref())?;
            let store = Store::open(&url, taskforce_store::Create::IfMissing).await?;
            store.migrate().await?;
            println!(
                "{} is at schema version {}",
                url.redacted(),
                store.schema_version().await?
            );
            Ok(())
        }
        Command::Serve(args) => {
            let listen = loopback_address(&args.listen)?;
            let (url, is_default) = database_url(args.db.database.as_deref())?;
            // An explicit URL must name an existing database: a typo must not create an empty one.
            let create = if is_default {
                taskforce_store::Create::IfMissing
            } else {
                taskforce_store::Create::Never
            };
            let store = Store::open(&url, create).await?;
            store.migrate().await?;
            let app = App::new(store, Arc::new(SystemClock), entropy());
            serve(app, listen, "Taskforce").await
        }
        Command::Demo(args) => {
            let listen = loopback_address(&args.listen)?;
            let url = DatabaseUrl::parse(&args.database)?;
            ensure_parent_dir(&url, args.database == "sqlite://data/demo.db")?;
            let store = Store::open(&url, taskforce_store::Create::IfMissing).await?;
            store.migrate().await?;
            let seeding = demo::demo_app(store.clone());
            match demo::existing_demo(&seeding).await? {
                None => {
                    eprintln!("Creating the demo network in {} ...", url.redacted());
                    demo::seed(&seeding).await?;
                }
                Some(true) => eprintln!("Using the demo network already in {}", url.redacted()),
                Some(false) => bail!(
                    "{} already holds data that is not the demo; the demo needs an empty database of its own (choose another with --database)",
                    url.redacted()
                ),
            }
            print_demo_users(&seeding).await?;
            let app = App::new(store, Arc::new(SystemClock), entropy());
            serve(app, listen, "Taskforce demo").await
        }
    }
}

/// The database URL to use, and whether it is the built-in default.
fn database_url(given: Option<&str>) -> Result<(DatabaseUrl, bool)> {
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

fn loopback_address(listen: &str) -> Result<SocketAddr> {
    let addr: SocketAddr = listen
        .parse()
        .with_context(|| format!("listen: {listen:?} is not an address such as 127.0.0.1:8080"))?;
    if !addr.ip().is_loopback() {
        bail!(
            "listen: {addr} is reachable from other computers; until sign-in is in place Taskforce serves only this computer (use 127.0.0.1 or [::1])"
        );
    }
    Ok(addr)
}

fn entropy() -> [u8; 32] {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    seed
}

async fn serve(app: App, listen: SocketAddr, what: &str) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listen: cannot listen on {listen}"))?;
    let local = listener.local_addr()?;
    println!("{what} listening on http://{local}");
    tracing::info!(address = %local, "serving without TLS on loopback");
    taskforce_web::serve(listener, app).await?;
    Ok(())
}

async fn print_demo_users(app: &App) -> Result<()> {
    println!("Demo users (each task force has one for every role; the full list is on its Members page):");
    for tf in app.task_forces().await? {
        println!("  {}", tf.name);
        let members = app.members(tf.id).await?;
        let mut shown = std::collections::BTreeSet::new();
        for member in &members {
            for role in member.memberships.iter().flat_map(|m| m.roles.iter()) {
                if shown.insert(*role) {
                    println!(
                        "    {:<26} {} <{}>",
                        role.label(),
                        member.name,
                        member.email
                    );
                }
            }
        }
    }
    Ok(())
}
