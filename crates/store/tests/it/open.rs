//! Opening databases: creation only on request, clear refusals, the schema-version guard.

use crate::harness::*;
use sqlx::Executor;
use taskforce_store::{Backend, Create, DatabaseUrl, Store, StoreError};

#[tokio::test]
async fn migrations_apply_once_and_set_the_schema_version() {
    each_backend(|db| async move {
        let store = db.store().await;
        let version = store.schema_version().await.expect("version");
        assert!(version >= 1, "{}: schema version {version}", db.label());
        store.migrate().await.expect("second migrate is a no-op");
        store.check_schema().await.expect("schema is current");
        assert_eq!(store.schema_version().await.expect("version"), version);
        store.ping().await.expect("ping");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_database_written_by_a_newer_version_is_refused() {
    each_backend(|db| async move {
        let store = db.store().await;
        let mut conn = store.conn().await.expect("conn");
        let sql = match store.backend() {
            Backend::Sqlite => {
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES (999999, 'from the future', TRUE, X'00', 0)"
            }
            Backend::Postgres => {
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES (999999, 'from the future', TRUE, '\\x00'::bytea, 0)"
            }
        };
        conn.execute(sql)
            .await
        .expect("pretend a newer program migrated");
        drop(conn);
        let err = store.migrate().await.expect_err("newer schema");
        assert!(matches!(err, StoreError::SchemaTooNew { found: 999999, .. }), "{err}");
        assert!(err.to_string().contains("newer version of Taskforce"), "{err}");
        assert!(store.check_schema().await.is_err());
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_empty_database_is_too_old_until_migrated() {
    each_backend(|db| async move {
        let store = Store::open(db.url(), Create::IfMissing)
            .await
            .expect("open");
        let err = store.check_schema().await.expect_err("not migrated");
        assert!(err.to_string().contains("taskforce migrate"), "{err}");
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_missing_sqlite_file_is_not_created_unless_asked() {
    let dir = std::env::temp_dir().join(format!("tf_open_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("typo.db");
    let err = Store::open(&DatabaseUrl::Sqlite(path.clone()), Create::Never)
        .await
        .expect_err("missing");
    assert!(err.to_string().contains("there is no database at"), "{err}");
    assert!(!path.exists(), "nothing may be created");

    let nested = dir.join("no-such-folder").join("x.db");
    let err = Store::open(&DatabaseUrl::Sqlite(nested.clone()), Create::IfMissing)
        .await
        .expect_err("no folder");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!nested.exists());

    let store = Store::open(&DatabaseUrl::Sqlite(path.clone()), Create::IfMissing)
        .await
        .expect("create");
    store.close().await;
    assert!(path.exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_full_sync_and_foreign_keys() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    let mut conn = store.conn().await.expect("conn");
    use sqlx::Row;
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .expect("q")
        .get(0);
    let sync: i64 = sqlx::query("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .expect("q")
        .get(0);
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .expect("q")
        .get(0);
    assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
    drop(conn);
    store.close().await;
    db.drop_database().await;
}

#[tokio::test]
async fn a_missing_postgres_database_is_not_created_unless_asked() {
    let Some(server) = postgres_server() else {
        eprintln!("TASKFORCE_TEST_POSTGRES is not set: PostgreSQL part not run");
        return;
    };
    let db = TestDb::postgres(&server);
    let err = Store::open(db.url(), Create::Never)
        .await
        .expect_err("missing database");
    assert!(err.to_string().contains("does not exist"), "{err}");
    // Still missing: opening with Never created nothing.
    let err = Store::open(db.url(), Create::Never)
        .await
        .expect_err("still missing");
    assert!(matches!(err, StoreError::Unreachable(_)), "{err}");
    let store = Store::open(db.url(), Create::IfMissing)
        .await
        .expect("created");
    store.close().await;
    db.drop_database().await;
}

#[tokio::test]
async fn an_unreachable_server_fails_with_a_clear_message() {
    let url = DatabaseUrl::parse("postgres://postgres@127.0.0.1:1/taskforce").expect("url");
    let err = Store::open(&url, Create::IfMissing)
        .await
        .expect_err("nothing listens on port 1");
    assert!(
        err.to_string().starts_with("could not reach the database"),
        "{err}"
    );
}
