//! The deconfliction benchmarks as someone reruns them: a first run loads an empty database
//! and measures it, a plain second run refuses the loaded database rather than mixing loads,
//! `--reuse` measures it again without loading, and each prints the database's plan for the
//! product's query. Small sizes (the figures themselves are for the release build). SQLite
//! always; PostgreSQL too when `TASKFORCE_TEST_POSTGRES` holds a server URL.

use crate::harness::*;
use sqlx::{AnyConnection, Connection, Executor};
use tempfile::TempDir;

async fn drop_database(server: &str, name: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(server).await.expect("server");
    conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
        .await
        .expect("drop");
}

fn target_bench(dir: &std::path::Path, database: &str, reuse: bool) -> Run {
    let mut args = vec![
        "linkage",
        "bench-deconfliction",
        "--identifiers",
        "3000",
        "--operations",
        "500",
        "--queries",
        "100",
        "--database",
        database,
    ];
    if reuse {
        args.push("--reuse");
    }
    run(dir, &args)
}

fn target_bench_loads_once_and_reuses(dir: &std::path::Path, database: &str, sqlite: bool) {
    let first = target_bench(dir, database, false).succeeded();
    for text in [
        "loaded: 3000 pointers",
        "plan of the lookup (one token)",
        "plan of the lookup (a person's tokens)",
        "store lookup), pointer table",
        "a person's check: 6 tokens",
        "blind index",
    ] {
        assert!(
            first.stdout.contains(text),
            "{text:?} missing:\n{}",
            first.stdout
        );
    }
    if sqlite {
        // One seek of the primary key per token: no scan of the pointer table.
        let plan: Vec<&str> = first
            .stdout
            .lines()
            .skip_while(|l| !l.contains("plan of the lookup (one token)"))
            .skip(1)
            .take_while(|l| l.starts_with("    "))
            .collect();
        assert!(
            plan.iter()
                .any(|l| l.contains("SEARCH p USING PRIMARY KEY (task_force_id=? AND token=?)")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|l| l.contains("SCAN p")), "{plan:?}");
    }
    let refused = target_bench(dir, database, false).failed();
    assert!(
        refused
            .stderr
            .contains("already holds 3000 pointers: pass --reuse"),
        "{}",
        refused.stderr
    );
    let again = target_bench(dir, database, true).succeeded();
    assert!(
        again
            .stdout
            .contains("reusing 3000 pointers loaded by an earlier run"),
        "{}",
        again.stdout
    );
    assert!(!again.stdout.contains("loaded:"));
    assert!(again.stdout.contains("store lookup), pointer table"));
}

#[test]
fn the_target_deconfliction_benchmark_loads_once_and_reuses_on_sqlite() {
    let dir = TempDir::new().unwrap();
    let db = format!("sqlite://{}", dir.path().join("pointers.db").display());
    target_bench_loads_once_and_reuses(dir.path(), &db, true);
}

#[tokio::test]
async fn the_target_deconfliction_benchmark_loads_once_and_reuses_on_postgres() {
    let Some(server) = postgres_server() else {
        return;
    };
    let dir = TempDir::new().unwrap();
    let name = unique_name("tf_bench_pointers");
    let url = with_database(&server, &name);
    let outcome = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || target_bench_loads_once_and_reuses(&dir, &url, false)
    })
    .await;
    drop_database(&server, &name).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

fn operations_bench(dir: &std::path::Path, database: &str, reuse: bool) -> Run {
    let mut args = vec![
        "bench",
        "operations",
        "--operations",
        "3000",
        "--queries",
        "60",
        "--database",
        database,
    ];
    if reuse {
        args.push("--reuse");
    }
    run(dir, &args)
}

fn operations_bench_loads_once_and_reuses(dir: &std::path::Path, database: &str, sqlite: bool) {
    let first = operations_bench(dir, database, false).succeeded();
    for text in [
        "loaded 3000 operations",
        "plan of the prefilter (one check)",
        "check one operation (the planning transaction's path)",
        "of which the SQL prefilter alone",
        "baseline: same index, 14 days of starts, no box",
        "in-memory R-tree",
        "the database check and the R-tree agreed on all 60 checks",
    ] {
        assert!(
            first.stdout.contains(text),
            "{text:?} missing:\n{}",
            first.stdout
        );
    }
    if sqlite {
        // Each class of window length is one range of the operations_check index.
        let plan = first.stdout.clone();
        assert_eq!(
            plan.matches("USING INDEX operations_check (task_force_id=? AND window_class=? AND starts_s>? AND starts_s<?)")
                .count(),
            4,
            "{plan}"
        );
        assert!(!plan.contains("SCAN o"), "{plan}");
    }
    let refused = operations_bench(dir, database, false).failed();
    assert!(refused.stderr.contains("--reuse"), "{}", refused.stderr);
    let again = operations_bench(dir, database, true).succeeded();
    assert!(
        again
            .stdout
            .contains("reusing 3000 operations loaded by an earlier run"),
        "{}",
        again.stdout
    );
    assert!(again
        .stdout
        .contains("the database check and the R-tree agreed on all 60 checks"));
}

#[test]
fn the_operations_benchmark_loads_once_and_reuses_on_sqlite() {
    let dir = TempDir::new().unwrap();
    let db = format!("sqlite://{}", dir.path().join("operations.db").display());
    operations_bench_loads_once_and_reuses(dir.path(), &db, true);
}

#[tokio::test]
async fn the_operations_benchmark_loads_once_and_reuses_on_postgres() {
    let Some(server) = postgres_server() else {
        return;
    };
    let dir = TempDir::new().unwrap();
    let name = unique_name("tf_bench_operations");
    let url = with_database(&server, &name);
    let outcome = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || operations_bench_loads_once_and_reuses(&dir, &url, false)
    })
    .await;
    drop_database(&server, &name).await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}
