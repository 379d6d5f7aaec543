//! `taskforce demo`: the demo network, served over real HTTP, on SQLite and on PostgreSQL.

use crate::harness::*;
use std::io::Write;
use tempfile::TempDir;

const DEMO_TASK_FORCES: [&str; 4] = [
    "Western New York Human Trafficking Task Force",
    "North Dakota Human Trafficking Task Force",
    "Cook County Human Trafficking Task Force",
    "Palm Beach County Human Trafficking Task Force",
];

/// What a running demo serves: its directory of task forces, from the API.
struct Served {
    /// `/api/v1/task-forces`, as served to a network-staff member's token.
    task_forces: serde_json::Value,
}

/// The demo member the banner names for `role` in `task_force`.
fn demo_user(banner: &[String], task_force: &str, role: &str) -> String {
    let at = banner
        .iter()
        .position(|l| l.trim() == task_force)
        .unwrap_or_else(|| panic!("{task_force} is not in the banner:\n{}", banner.join("\n")));
    banner[at + 1..]
        .iter()
        .take_while(|l| l.starts_with("    "))
        .find(|l| l.trim_start().starts_with(role))
        .and_then(|l| between(l, "<", ">"))
        .unwrap_or_else(|| panic!("no {role} of {task_force} in the banner"))
        .to_owned()
}

/// A read token of the member, made with `taskforce token create`.
fn token_for(dir: &std::path::Path, database: &str, email: &str) -> String {
    let made = run(
        dir,
        &[
            "token",
            "create",
            "--database",
            database,
            "--user",
            email,
            "--scope",
            "read",
        ],
    )
    .succeeded();
    made.stdout.trim().to_owned()
}

fn check_demo(server: &Server, token: &str) -> Served {
    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));

    // Everything but the sign-in page needs a member.
    let home = server.get("/");
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), Some("/sign-in?next=%2F"));
    let sign_in = server.get("/sign-in");
    assert_eq!(sign_in.status, 200);
    assert!(sign_in
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/html")));
    assert!(sign_in
        .header("content-security-policy")
        .is_some_and(|c| c.contains("frame-ancestors 'none'")));
    assert!(
        sign_in
            .body
            .contains("DEMONSTRATION SYSTEM: every person and case here is invented."),
        "the demo says so before sign-in"
    );
    assert_eq!(server.get("/api/v1/task-forces").status, 401);

    let bearer = format!("Bearer {token}");
    let api = http_request(
        &server.addr,
        "GET",
        "/api/v1/task-forces",
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(api.status, 200, "{}", api.body);
    let task_forces = api.json();
    let mut names: Vec<&str> = task_forces
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    names.sort_unstable();
    let mut expected = DEMO_TASK_FORCES.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected, "network staff see the whole network");
    Served { task_forces }
}

/// North Dakota's regions page, for a member signed in over HTTP.
fn check_regions(browser: &Browser, task_forces: &serde_json::Value) {
    let nd = task_forces
        .as_array()
        .and_then(|all| all.iter().find(|t| t["name"] == DEMO_TASK_FORCES[1]))
        .expect("North Dakota");
    let page = browser.get(&format!(
        "/task-forces/{}/regions",
        nd["id"].as_str().unwrap_or("")
    ));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h1>Regions</h1>"));
    assert_eq!(
        page.body.matches("<tr><td>").count(),
        8,
        "North Dakota's regions"
    );
    assert!(page.body.contains(">Badlands</a>"));
}

fn ids(task_forces: &serde_json::Value) -> Vec<String> {
    task_forces
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn demo_serves_the_network_and_reuses_it_on_the_next_start() {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}/d.db", dir.path().display());
    let args = [
        "demo",
        "--database",
        url.as_str(),
        "--listen",
        "127.0.0.1:0",
    ];

    let first = Server::start(dir.path(), &args);
    assert!(first.banner.iter().any(|l| l.starts_with("Demo users")));
    assert!(first.banner.iter().any(|l| l.contains("Navigator")));
    assert!(
        first.banner.iter().any(|l| l
            == &format!(
                "Every demo account's password is: {}",
                taskforce_app::demo::DEMO_PASSWORD
            )),
        "{}",
        first.banner.join("\n")
    );
    assert!(first
        .banner
        .last()
        .is_some_and(|l| l.starts_with("Taskforce demo listening on http://127.0.0.1:")));
    let staff = demo_user(&first.banner, DEMO_TASK_FORCES[1], "Network staff");
    let token = token_for(dir.path(), &url, &staff);
    let served_first = check_demo(&first, &token);
    // A member signs in over HTTP (enrolling an authenticator) and works.
    let admin = demo_user(&first.banner, DEMO_TASK_FORCES[1], "Administrator");
    let browser = Browser::sign_in(
        &first.addr,
        &admin,
        taskforce_app::demo::DEMO_PASSWORD,
        None,
    );
    check_regions(&browser, &served_first.task_forces);
    let secret = browser
        .secret
        .clone()
        .expect("enrolled at the first sign-in");
    assert!(
        first
            .stderr()
            .contains(&format!("Creating the demo network in {url}")),
        "{}",
        first.stderr()
    );
    let status = first.stop();
    assert!(status.success(), "stopped cleanly: {status}");

    let second = Server::start(dir.path(), &args);
    // The token and the authenticator of the first run still work.
    let served_second = check_demo(&second, &token);
    let browser = Browser::sign_in(
        &second.addr,
        &admin,
        taskforce_app::demo::DEMO_PASSWORD,
        Some(&secret),
    );
    assert!(browser.secret.is_none(), "no second enrolment");
    check_regions(&browser, &served_second.task_forces);
    let stderr = second.stderr();
    assert!(
        stderr.contains(&format!("Using the demo network already in {url}")),
        "{stderr}"
    );
    assert!(!stderr.contains("Creating the demo network"), "{stderr}");
    assert_eq!(
        ids(&served_second.task_forces),
        ids(&served_first.task_forces)
    );
    assert_eq!(served_second.task_forces, served_first.task_forces);
    drop(second);
}

/// PostgreSQL is tested when `TASKFORCE_TEST_POSTGRES` names a server (as `.ci/run` does); the
/// demo on SQLite runs either way, and the served directories must be identical, ids included.
#[test]
fn demo_on_postgres_when_configured() {
    let dir = TempDir::new().expect("temp dir");
    let sqlite_url = format!("sqlite://{}/d.db", dir.path().display());
    let on_sqlite = {
        let server = Server::start(
            dir.path(),
            &["demo", "--database", &sqlite_url, "--listen", "127.0.0.1:0"],
        );
        let staff = demo_user(&server.banner, DEMO_TASK_FORCES[1], "Network staff");
        check_demo(&server, &token_for(dir.path(), &sqlite_url, &staff)).task_forces
    };

    let Some(server_url) = std::env::var("TASKFORCE_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())
    else {
        // Written past the test harness's capture, so that it is seen even when the test passes.
        let _ = writeln!(
            std::io::stderr(),
            "demo_on_postgres_when_configured: PostgreSQL was NOT tested (TASKFORCE_TEST_POSTGRES is not set); only SQLite was"
        );
        return;
    };

    let postgres = Postgres::new(&server_url);

    // `serve` with a database that does not exist refuses, and creates none.
    let missing = unique_name("tf_missing");
    let refused = run(
        dir.path(),
        &[
            "serve",
            "--database",
            &postgres.url_of(&missing),
            "--listen",
            "127.0.0.1:0",
        ],
    )
    .failed();
    assert!(
        refused.stderr.contains("the database does not exist"),
        "{}",
        refused.stderr
    );
    assert!(!postgres.exists(&missing), "serve created {missing}");

    // `demo` creates its database and serves the same network as on SQLite.
    let name = unique_name("tf_demo");
    let guard = postgres.dropping(&name);
    assert!(!postgres.exists(&name));
    let url = postgres.url_of(&name);
    let server = Server::start(
        dir.path(),
        &["demo", "--database", &url, "--listen", "127.0.0.1:0"],
    );
    assert!(postgres.exists(&name), "demo created {name}");
    assert!(
        server
            .stderr()
            .contains("Creating the demo network in postgres://"),
        "{}",
        server.stderr()
    );
    let staff = demo_user(&server.banner, DEMO_TASK_FORCES[1], "Network staff");
    let on_postgres = check_demo(&server, &token_for(dir.path(), &url, &staff)).task_forces;
    assert_eq!(on_postgres, on_sqlite, "the same network on both backends");
    drop(server);

    drop(guard);
    assert!(!postgres.exists(&name), "{name} was dropped");
}

/// A PostgreSQL server reached through sqlx (so that no `psql` client is needed).
struct Postgres {
    server: String,
    runtime: tokio::runtime::Runtime,
}

impl Postgres {
    fn new(server: &str) -> Self {
        sqlx::any::install_default_drivers();
        Self {
            server: server.to_owned(),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
        }
    }

    /// The server's URL with `database` in place of its database name.
    fn url_of(&self, database: &str) -> String {
        let (base, query) = match self.server.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (self.server.as_str(), None),
        };
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let host = base[scheme_end..]
            .find('/')
            .map_or(base, |i| &base[..scheme_end + i]);
        match query {
            Some(q) => format!("{host}/{database}?{q}"),
            None => format!("{host}/{database}"),
        }
    }

    fn exists(&self, database: &str) -> bool {
        use sqlx::{Connection, Row};
        self.runtime.block_on(async {
            let mut conn = sqlx::AnyConnection::connect(&self.server)
                .await
                .expect("connect to the PostgreSQL server");
            let row = sqlx::query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
                .bind(database)
                .fetch_one(&mut conn)
                .await
                .expect("query pg_database");
            let n: i64 = row.try_get("n").expect("a count");
            let _ = conn.close().await;
            n == 1
        })
    }

    fn drop_database(&self, database: &str) -> Result<(), sqlx::Error> {
        use sqlx::{Connection, Executor};
        self.runtime.block_on(async {
            let mut conn = sqlx::AnyConnection::connect(&self.server).await?;
            conn.execute(format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)").as_str())
                .await?;
            conn.close().await
        })
    }

    /// Drops `database` when the guard goes, even if the test failed on the way.
    fn dropping<'a>(&'a self, database: &str) -> DropDatabase<'a> {
        DropDatabase {
            postgres: self,
            name: database.to_owned(),
        }
    }
}

struct DropDatabase<'a> {
    postgres: &'a Postgres,
    name: String,
}

impl Drop for DropDatabase<'_> {
    fn drop(&mut self) {
        // Never panics here: a panic while a failed test unwinds would abort the whole run.
        if let Err(e) = self.postgres.drop_database(&self.name) {
            let _ = writeln!(std::io::stderr(), "could not drop {}: {e}", self.name);
        }
    }
}
