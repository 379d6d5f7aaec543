//! `taskforce audit …` as an operator runs it: verify, export (itself recorded), purge within
//! retention only, and a tampered row named by verify. SQLite always; PostgreSQL too when
//! `TASKFORCE_TEST_POSTGRES` holds a server URL.

use crate::harness::*;
use sqlx::{AnyConnection, Connection, Executor};
use std::path::Path;
use taskforce_store::DatabaseUrl;
use tempfile::TempDir;

async fn tamper(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let connect = match DatabaseUrl::parse(url).expect("url") {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres { url, .. } => url,
    };
    let mut conn = AnyConnection::connect(&connect).await.expect("connect");
    conn.execute(sql).await.expect(sql);
    conn.close().await.ok();
}

async fn the_audit_commands_work_on(dir: &Path, url: &str) {
    run(dir, &["migrate", "--database", url]).succeeded();
    let empty = run(dir, &["audit", "verify", "--database", url]).succeeded();
    assert!(
        empty.stdout.starts_with("audit log intact: 0 entries\n"),
        "{}",
        empty.stdout
    );

    // Each export is recorded before it is written, so it appears in its own output.
    let file = dir.join("audit.jsonl");
    let file_arg = file.display().to_string();
    let exported = run(
        dir,
        &[
            "audit",
            "export",
            "--database",
            url,
            "--from",
            "2000-01-01",
            "--to",
            "2999-12-31",
            "--format",
            "jsonl",
            "--output",
            &file_arg,
        ],
    )
    .succeeded();
    assert!(exported.stdout.is_empty(), "{}", exported.stdout);
    assert!(
        exported
            .stderr
            .contains("exported 1 audit entry (seq 1..1)"),
        "{}",
        exported.stderr
    );
    let text = std::fs::read_to_string(&file).expect("export file");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(lines[0]["action"], "audit.export");
    assert_eq!(lines[0]["actor_email"], "cli");
    assert_eq!(lines[0]["outcome"], "success");
    assert_eq!(lines[0]["task_force_id"], serde_json::Value::Null);
    assert_eq!(lines[0]["prev_hash"], "0".repeat(64));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the export is readable by its owner only");
    }
    // An existing file is not overwritten.
    let again = run(
        dir,
        &[
            "audit",
            "export",
            "--database",
            url,
            "--from",
            "2000-01-01",
            "--to",
            "2999-12-31",
            "--format",
            "jsonl",
            "--output",
            &file_arg,
        ],
    )
    .failed();
    assert!(
        again.stderr.contains("--output:") && again.stderr.contains("already exists"),
        "{}",
        again.stderr
    );

    let csv = run(
        dir,
        &[
            "audit",
            "export",
            "--database",
            url,
            "--from",
            "2000-01-01",
            "--to",
            "2999-12-31",
            "--format",
            "csv",
        ],
    )
    .succeeded();
    let mut rows = csv.stdout.lines();
    assert_eq!(
        rows.next(),
        Some("seq,at,task_force_id,actor_member_id,actor_email,organization_id,action,object_kind,object_id,outcome,source,detail,prev_hash,hash")
    );
    // The refused second export and this one: the refusal changed nothing, this one is entry 2.
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), 2, "{}", csv.stdout);
    assert!(rows[1].starts_with("2,"), "{}", rows[1]);
    assert!(
        rows[1].contains(",audit.export,audit_log,,success,"),
        "{}",
        rows[1]
    );

    // A range in the past holds nothing, but its export is still recorded.
    let old = run(
        dir,
        &[
            "audit",
            "export",
            "--database",
            url,
            "--from",
            "2001-01-01",
            "--to",
            "2001-01-31",
            "--format",
            "csv",
        ],
    )
    .succeeded();
    assert_eq!(old.stdout.lines().count(), 1, "{}", old.stdout);

    // Bad dates are refused naming the flag; nothing is recorded.
    let bad = run(
        dir,
        &[
            "audit",
            "export",
            "--database",
            url,
            "--from",
            "2026-13-01",
            "--to",
            "2026-12-31",
            "--format",
            "csv",
        ],
    )
    .failed();
    assert!(bad.stderr.contains("--from"), "{}", bad.stderr);
    assert!(bad.stderr.contains("YYYY-MM-DD"), "{}", bad.stderr);
    let reversed = run(
        dir,
        &[
            "audit",
            "export",
            "--database",
            url,
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-01",
            "--format",
            "jsonl",
        ],
    )
    .failed();
    assert!(
        reversed
            .stderr
            .contains("--to: 2026-03-01 is before --from (2026-03-02)"),
        "{}",
        reversed.stderr
    );

    // A purge within the year is refused, naming the flag.
    let recent = run(
        dir,
        &[
            "audit",
            "purge",
            "--database",
            url,
            "--before",
            "2999-01-01",
        ],
    )
    .failed();
    assert!(
        recent
            .stderr
            .contains("--before: audit records are kept for at least one year"),
        "{}",
        recent.stderr
    );
    // An old cutoff removes nothing here, and is itself recorded.
    let purged = run(
        dir,
        &[
            "audit",
            "purge",
            "--database",
            url,
            "--before",
            "2001-01-01",
        ],
    )
    .succeeded();
    assert!(
        purged.stdout.contains(
            "purged 0 audit entries written before 2001-01-01; the log now starts at entry 1"
        ),
        "{}",
        purged.stdout
    );

    let intact = run(dir, &["audit", "verify", "--database", url]).succeeded();
    assert!(
        intact
            .stdout
            .starts_with("audit log intact: 4 entries (seq 1..4)\n"),
        "{}",
        intact.stdout
    );

    // Someone edits a row behind Taskforce's back.
    tamper(
        url,
        "UPDATE audit_log SET detail = 'nothing to see' WHERE seq = 2",
    )
    .await;
    let broken = run(dir, &["audit", "verify", "--database", url]);
    assert_eq!(
        broken.status.code(),
        Some(1),
        "{}{}",
        broken.stdout,
        broken.stderr
    );
    assert_eq!(
        broken.stdout.trim(),
        "audit log broken at entry 2: altered (its contents no longer match its hash)"
    );
    // ... and a broken log cannot be purged.
    let refused = run(
        dir,
        &[
            "audit",
            "purge",
            "--database",
            url,
            "--before",
            "2001-01-01",
        ],
    )
    .failed();
    assert!(
        refused.stderr.contains("audit log broken at entry 2: altered (its contents no longer match its hash); nothing was purged"),
        "{}",
        refused.stderr
    );

    // A deleted row.
    tamper(url, "DELETE FROM audit_log WHERE seq = 2").await;
    let gap = run(dir, &["audit", "verify", "--database", url]);
    assert_eq!(gap.status.code(), Some(1));
    assert_eq!(
        gap.stdout.trim(),
        "audit log broken at entry 2: missing (the next entry present is 3)"
    );
}

#[tokio::test]
async fn audit_commands_on_sqlite() {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}/audit.db", dir.path().display());
    the_audit_commands_work_on(dir.path(), &url).await;

    // A missing database is named, not created.
    let missing = format!("sqlite://{}/none.db", dir.path().display());
    let refused = run(dir.path(), &["audit", "verify", "--database", &missing]).failed();
    assert!(
        refused.stderr.contains("there is no database at"),
        "{}",
        refused.stderr
    );
    assert!(!dir.path().join("none.db").exists());
}

#[tokio::test]
async fn audit_commands_on_postgres() {
    let Some(server) = postgres_server() else {
        return;
    };
    let dir = TempDir::new().expect("temp dir");
    let name = unique_name("tf_cli_audit");
    let url = with_database(&server, &name);
    let outcome = tokio::spawn({
        let dir = dir.path().to_owned();
        let url = url.clone();
        async move { the_audit_commands_work_on(&dir, &url).await }
    })
    .await;
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(&server).await.expect("server");
    conn.execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
        .await
        .expect("drop");
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}
