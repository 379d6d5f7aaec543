//! Opening a database: URL parsing, creation on request, connection settings, migrations and
//! the schema-version guard; transactions.

use crate::{Result, StoreError};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection as _, Executor, Row};
use std::path::{Path, PathBuf};
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// A database location, checked before anything is opened or created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` (relative to the working directory) or `sqlite:///absolute/path`.
    Sqlite(PathBuf),
    /// `postgres://user@host:port/database` (or `postgresql://…`), with the database name apart.
    Postgres { url: String, database: String },
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(StoreError::Url(
                    "database: a SQLite URL needs a file path, e.g. sqlite://data/taskforce.db"
                        .into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let after_scheme = text
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or_default();
            let database = after_scheme
                .split_once('/')
                .map(|(_, rest)| rest.split('?').next().unwrap_or_default())
                .unwrap_or_default();
            if database.is_empty() {
                return Err(StoreError::Url(
                    "database: a PostgreSQL URL needs a database name, e.g. postgres://user@127.0.0.1:5432/taskforce".into(),
                ));
            }
            if !database
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(StoreError::Url(format!(
                    "database: the database name {database:?} may hold only letters, digits, '_' and '-'"
                )));
            }
            return Ok(Self::Postgres {
                url: text.to_owned(),
                database: database.to_owned(),
            });
        }
        let scheme = text.split("://").next().unwrap_or(text);
        Err(StoreError::Url(format!(
            "database: {scheme:?} is not a supported database URL; use sqlite://PATH or postgres://USER@HOST:PORT/NAME"
        )))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The URL with any password replaced, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres { url, .. } => redact_password(url),
        }
    }

    pub(crate) fn connect_url(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}?mode=rw", path.display()),
            Self::Postgres { url, .. } => url.clone(),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Whether opening a database may create it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Create the SQLite file or the PostgreSQL database if it does not exist.
    IfMissing,
    /// Refuse a database that does not exist (a mistyped URL must not create an empty one).
    Never,
}

/// The connection pool and what kind of database is behind it.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens the database. With [`Create::Never`], a missing database is an error and nothing is
    /// created; the caller decides (the `migrate` and `demo` commands create, `serve` does not).
    pub async fn open(url: &DatabaseUrl, create: Create) -> Result<Self> {
        sqlx::any::install_default_drivers();
        match url {
            DatabaseUrl::Sqlite(path) => prepare_sqlite_file(path, create)?,
            DatabaseUrl::Postgres {
                url: server_url,
                database,
            } => {
                if create == Create::IfMissing {
                    create_postgres_database(server_url, database).await?;
                }
            }
        }
        let backend = url.backend();
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Durability first: WAL with a full fsync at each commit; references checked;
                        // wait for a writer rather than failing at once.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            });
        let pool = options
            .connect(&url.connect_url())
            .await
            .map_err(|e| unreachable(url, e))?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the embedded migrations of this backend. Refuses a database whose schema is newer
    /// than this program.
    pub async fn migrate(&self) -> Result<()> {
        self.refuse_newer_schema().await?;
        self.backend.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Checks that the schema is exactly the one this program was built for.
    pub async fn check_schema(&self) -> Result<()> {
        self.refuse_newer_schema().await?;
        let found = self.schema_version().await?;
        let known = latest_version(self.backend);
        if found < known {
            return Err(StoreError::SchemaTooOld { found, known });
        }
        Ok(())
    }

    async fn refuse_newer_schema(&self) -> Result<()> {
        let found = self.schema_version().await?;
        let known = latest_version(self.backend);
        if found > known {
            return Err(StoreError::SchemaTooNew { found, known });
        }
        Ok(())
    }

    /// The highest migration applied to the database, 0 for an empty one.
    pub async fn schema_version(&self) -> Result<i64> {
        let table_exists = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            Backend::Postgres => "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'",
        };
        let row: AnyRow = sqlx::query(table_exists).fetch_one(&self.pool).await?;
        if row.try_get::<i64, _>("n")? == 0 {
            return Ok(0);
        }
        let row: AnyRow = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) AS v FROM _sqlx_migrations WHERE success = TRUE",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("v")?)
    }

    /// Answers when the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A connection for reads.
    pub async fn conn(&self) -> Result<PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a write transaction. SQLite takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// concurrent writers wait for each other instead of failing half-way.
    pub async fn begin(&self) -> Result<Tx> {
        let mut conn = self.pool.acquire().await?;
        let begin = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        conn.execute(begin).await?;
        Ok(Tx {
            conn: Some(conn),
            backend: self.backend,
        })
    }

    /// Starts a read-only transaction that sees one consistent state of the database for all
    /// its reads, however long it runs (a check or an export read in pages). Writers are not
    /// blocked. Finish it with [`Tx::rollback`].
    pub async fn begin_snapshot(&self) -> Result<Tx> {
        let mut conn = self.pool.acquire().await?;
        let begin = match self.backend {
            // A deferred transaction keeps the WAL snapshot of its first read until it ends.
            Backend::Sqlite => "BEGIN DEFERRED",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        conn.execute(begin).await?;
        Ok(Tx {
            conn: Some(conn),
            backend: self.backend,
        })
    }

    /// Pool size and idle connections, for metrics.
    pub fn pool_state(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn latest_version(backend: Backend) -> i64 {
    backend
        .migrator()
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

fn prepare_sqlite_file(path: &Path, create: Create) -> Result<()> {
    if path.exists() {
        if path.is_dir() {
            return Err(StoreError::Url(format!(
                "database: {} is a directory, not a database file",
                path.display()
            )));
        }
        return Ok(());
    }
    if create == Create::Never {
        return Err(StoreError::Url(format!(
            "database: there is no database at {}; check the path, or create one with `taskforce migrate --database sqlite://{}`",
            path.display(),
            path.display()
        )));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(StoreError::Url(format!(
            "database: the folder {} does not exist; create it first or choose another path",
            parent.display()
        )));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| StoreError::Url(format!("database: cannot create {}: {e}", path.display())))?;
    Ok(())
}

/// Creates the PostgreSQL database if it does not exist, through the server's `postgres` database.
async fn create_postgres_database(url: &str, database: &str) -> Result<()> {
    let maintenance = replace_database(url, "postgres");
    let mut conn = AnyConnection::connect(&maintenance)
        .await
        .map_err(|e| StoreError::Unreachable(format!("{}: {e}", redact_password(url))))?;
    let exists: i64 = sqlx::query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
        .bind(database)
        .fetch_one(&mut conn)
        .await?
        .try_get("n")?;
    if exists == 0 {
        // The name was checked by DatabaseUrl::parse (letters, digits, '_', '-'), and is quoted.
        let statement = format!("CREATE DATABASE \"{database}\"");
        if let Err(e) = conn.execute(statement.as_str()).await {
            // Another process may have created it at the same moment.
            let duplicate = e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| c == "42P04");
            if !duplicate {
                return Err(e.into());
            }
        }
    }
    conn.close().await.ok();
    Ok(())
}

/// `url` with its database name replaced.
pub(crate) fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}

fn unreachable(url: &DatabaseUrl, e: sqlx::Error) -> StoreError {
    let detail = match &e {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000") => {
            "the database does not exist; create it with `taskforce migrate`".to_owned()
        }
        other => other.to_string(),
    };
    StoreError::Unreachable(format!("{}: {detail}", url.redacted()))
}

/// A write transaction. Commit it to keep the changes; dropping it without commit discards them.
pub struct Tx {
    conn: Option<PoolConnection<Any>>,
    backend: Backend,
}

impl Tx {
    /// The kind of database, for the few statements whose dialects differ (row locks).
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        // The connection is only taken by commit/rollback, which consume the Tx.
        match self.conn.as_mut() {
            Some(conn) => conn,
            None => unreachable_state(),
        }
    }

    pub async fn commit(mut self) -> Result<()> {
        if let Some(mut conn) = self.conn.take() {
            conn.execute("COMMIT").await?;
        }
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<()> {
        if let Some(mut conn) = self.conn.take() {
            conn.execute("ROLLBACK").await?;
        }
        Ok(())
    }
}

#[allow(clippy::panic)]
fn unreachable_state() -> ! {
    panic!("transaction used after commit or rollback")
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Never return a connection to the pool in the middle of a transaction: closing it
            // makes the database roll the transaction back.
            drop(conn.detach());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").ok(),
            Some(DatabaseUrl::Sqlite("data/x.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").ok(),
            Some(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        let pg = DatabaseUrl::parse("postgres://u:secret@127.0.0.1:5432/demo_x").expect("pg");
        assert_eq!(pg.redacted(), "postgres://u:***@127.0.0.1:5432/demo_x");
        for bad in [
            "sqlit://x.db",
            "mysql://h/db",
            "x.db",
            "sqlite://",
            "postgres://h:5432",
            "postgres://h/a;drop",
        ] {
            let err = DatabaseUrl::parse(bad).expect_err(bad).to_string();
            assert!(err.starts_with("database:"), "{bad}: {err}");
        }
    }

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            replace_database("postgres://u@h:5432/app?sslmode=disable", "postgres"),
            "postgres://u@h:5432/postgres?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h:5432", "t1"),
            "postgres://u@h:5432/t1"
        );
    }
}
