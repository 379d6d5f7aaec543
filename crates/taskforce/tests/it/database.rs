//! Which database the program opens, creates or refuses.

use crate::harness::*;
use std::sync::Arc;
use taskforce_app::{Actor, App, FixedClock};
use taskforce_domain::structure::TaskForceInput;
use taskforce_store::{Create, DatabaseUrl, Store};
use tempfile::TempDir;

fn schema_version(stdout: &str) -> i64 {
    stdout
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no schema version in {stdout:?}"))
}

#[test]
fn migrate_creates_and_brings_a_sqlite_database_up_to_date() {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}/x.db", dir.path().display());
    let first = run(dir.path(), &["migrate", "--database", &url]).succeeded();
    assert!(
        first
            .stdout
            .starts_with(&format!("{url} is at schema version ")),
        "{}",
        first.stdout
    );
    let version = schema_version(&first.stdout);
    assert!(version >= 1, "{}", first.stdout);
    assert!(dir.path().join("x.db").is_file());

    // Again: nothing to do, same version.
    let second = run(dir.path(), &["migrate", "--database", &url]).succeeded();
    assert_eq!(schema_version(&second.stdout), version);

    // The database is usable by `serve`: an empty directory of task forces.
    let server = Server::start(
        dir.path(),
        &["serve", "--database", &url, "--listen", "127.0.0.1:0"],
    );
    assert!(server
        .banner
        .iter()
        .any(|l| l.starts_with("Taskforce listening on http://127.0.0.1:")));
    // Nobody has an account yet: every page but sign-in sends there.
    let home = server.get("/");
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), Some("/sign-in?next=%2F"));
    let sign_in = server.get("/sign-in");
    assert_eq!(sign_in.status, 200);
    assert!(sign_in.body.contains("<h1>Sign in</h1>"));
    let status = server.stop();
    assert!(status.success(), "a stopped server exits cleanly: {status}");
}

#[test]
fn migrate_refuses_a_mistyped_url_or_a_missing_folder_and_creates_nothing() {
    let dir = TempDir::new().expect("temp dir");

    let typo = run(
        dir.path(),
        &[
            "migrate",
            "--database",
            &format!("sqlit://{}/x.db", dir.path().display()),
        ],
    )
    .failed();
    assert!(
        typo.stderr
            .contains("\"sqlit\" is not a supported database URL; use sqlite://PATH or postgres://USER@HOST:PORT/NAME"),
        "{}",
        typo.stderr
    );

    let missing_folder = dir.path().join("no-such-folder");
    let refused = run(
        dir.path(),
        &[
            "migrate",
            "--database",
            &format!("sqlite://{}/x.db", missing_folder.display()),
        ],
    )
    .failed();
    assert!(
        refused.stderr.contains(&format!(
            "the folder {} does not exist",
            missing_folder.display()
        )),
        "{}",
        refused.stderr
    );

    let empty_path = run(dir.path(), &["migrate", "--database", "sqlite://"]).failed();
    assert!(
        empty_path.stderr.contains("a SQLite URL needs a file path"),
        "{}",
        empty_path.stderr
    );

    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "nothing was created"
    );
}

#[test]
fn serve_refuses_a_named_database_that_does_not_exist() {
    let dir = TempDir::new().expect("temp dir");
    let missing = dir.path().join("missing.db");
    let refused = run(
        dir.path(),
        &[
            "serve",
            "--database",
            &format!("sqlite://{}", missing.display()),
            "--listen",
            "127.0.0.1:0",
        ],
    )
    .failed();
    assert!(
        refused
            .stderr
            .contains(&format!("there is no database at {}", missing.display())),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("taskforce migrate --database"),
        "says how to make one"
    );
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "no empty database was made"
    );

    // The same through TASKFORCE_DATABASE.
    let refused = taskforce(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "TASKFORCE_DATABASE",
            format!("sqlite://{}", missing.display()),
        )
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("there is no database at"));
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[test]
fn serve_without_a_database_uses_the_default_under_data() {
    let dir = TempDir::new().expect("temp dir");
    let server = Server::start(dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
    assert!(dir.path().join("data/taskforce.db").is_file());
    assert_eq!(server.get("/healthz").status, 200);
    drop(server);
}

#[test]
fn demo_refuses_a_database_that_holds_other_data() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("real.db");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let real = runtime.block_on(async {
        let store = Store::open(&DatabaseUrl::Sqlite(path.clone()), Create::IfMissing)
            .await
            .expect("open");
        store.migrate().await.expect("migrate");
        let app = App::new(
            store.clone(),
            Arc::new(FixedClock::new(taskforce_app::demo::demo_epoch())),
            [3u8; 32],
        );
        let created = app
            .create_task_force(
                &Actor::System("test"),
                TaskForceInput {
                    name: "Real Task Force".into(),
                    state: "ND".into(),
                    counties: vec!["38015".into()],
                    population_served: None,
                    description: String::new(),
                },
            )
            .await
            .expect("create");
        store.close().await;
        created
    });

    let url = format!("sqlite://{}", path.display());
    let refused = run(
        dir.path(),
        &["demo", "--database", &url, "--listen", "127.0.0.1:0"],
    )
    .failed();
    assert!(
        refused.stderr.contains(
            "already holds data that is not the demo; the demo needs an empty database of its own"
        ),
        "{}",
        refused.stderr
    );

    let left = runtime.block_on(async {
        let store = Store::open(&DatabaseUrl::Sqlite(path.clone()), Create::Never)
            .await
            .expect("open");
        let app = App::new(store, Arc::new(taskforce_app::SystemClock), [0u8; 32]);
        app.task_forces(&Actor::System("test")).await.expect("list")
    });
    assert_eq!(left, vec![real], "the demo left the real data alone");
}
