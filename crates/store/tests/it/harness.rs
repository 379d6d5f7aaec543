use sqlx::{AnyConnection, Connection, Executor};
use std::future::Future;
use std::path::PathBuf;
use taskforce_store::{Create, DatabaseUrl, Store};

/// The PostgreSQL server to test against, if configured. In CI it must be: `.ci/run` sets it.
pub fn postgres_server() -> Option<String> {
    std::env::var("TASKFORCE_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// A fresh, empty database on one backend.
pub enum TestDb {
    Sqlite {
        dir: PathBuf,
        url: DatabaseUrl,
    },
    Postgres {
        server: String,
        name: String,
        url: DatabaseUrl,
    },
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(unique("taskforce_store_test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.join("test.db"));
        Self::Sqlite { dir, url }
    }

    pub fn postgres(server: &str) -> Self {
        let name = unique("tf_test");
        let url = DatabaseUrl::parse(&replace_database(server, &name)).expect("postgres url");
        Self::Postgres {
            server: server.to_owned(),
            name,
            url,
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }

    /// Opens (creating) and migrates the database.
    pub async fn store(&self) -> Store {
        let store = Store::open(self.url(), Create::IfMissing)
            .await
            .expect("open");
        store.migrate().await.expect("migrate");
        store
    }

    pub async fn drop_database(self) {
        match self {
            Self::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Self::Postgres { server, name, .. } => {
                sqlx::any::install_default_drivers();
                let mut conn = AnyConnection::connect(&server)
                    .await
                    .expect("connect to server");
                conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
                    .await
                    .expect("drop database");
            }
        }
    }
}

pub fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = base[scheme_end..]
        .find('/')
        .map_or(base, |i| &base[..scheme_end + i]);
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}

/// Runs `test` on a fresh database of each configured backend, dropping it afterwards even
/// when the test fails.
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut dbs = vec![TestDb::sqlite()];
    if let Some(server) = postgres_server() {
        dbs.push(TestDb::postgres(&server));
    }
    for db in dbs {
        let label = db.label();
        let cleanup = match &db {
            TestDb::Sqlite { dir, url } => TestDb::Sqlite {
                dir: dir.clone(),
                url: url.clone(),
            },
            TestDb::Postgres { server, name, url } => TestDb::Postgres {
                server: server.clone(),
                name: name.clone(),
                url: url.clone(),
            },
        };
        let outcome = tokio::spawn(test(db)).await;
        cleanup.drop_database().await;
        if let Err(failure) = outcome {
            eprintln!("failed on {label}");
            std::panic::resume_unwind(failure.into_panic());
        }
    }
}
