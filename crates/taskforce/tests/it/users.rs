//! The operator's commands for accounts and tokens, and how `serve` is reached: a separate
//! address for health and metrics, and HTTPS with the operator's certificate.

use crate::harness::*;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use taskforce_app::identity::NextStep;
use taskforce_app::{Actor, App, AppError, SystemClock};
use taskforce_domain::structure::{
    MemberInput, Membership, OrganizationInput, OrganizationKind, Role, TaskForceInput,
};
use taskforce_store::{Create, DatabaseUrl, Store};
use tempfile::TempDir;

const TASK_FORCE: &str = "Red River Valley Task Force";
const POLICE: &str = "Fargo Police Department";
const SHELTER: &str = "Youthworks North Dakota";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn open_app(path: &Path) -> App {
    let store = Store::open(&DatabaseUrl::Sqlite(path.to_owned()), Create::IfMissing)
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    // A seed of its own each time: sessions opened by two apps must not share a token.
    let mut seed = [0u8; 32];
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    seed[..16].copy_from_slice(&nanos.to_le_bytes());
    App::new(store, Arc::new(SystemClock), seed)
}

/// A database with one task force of two organizations (no accounts yet); its URL.
fn structure(dir: &Path) -> String {
    let path = dir.join("taskforce.db");
    runtime().block_on(async {
        let app = open_app(&path).await;
        let system = Actor::System("test");
        let tf = app
            .create_task_force(
                &system,
                TaskForceInput {
                    name: TASK_FORCE.into(),
                    state: "ND".into(),
                    counties: vec!["38017".into()],
                    population_served: None,
                    description: String::new(),
                },
            )
            .await
            .expect("task force");
        for (name, kind) in [
            (POLICE, OrganizationKind::LocalLawEnforcement),
            (SHELTER, OrganizationKind::VictimServiceProvider),
        ] {
            app.create_organization(
                &system,
                tf.id,
                OrganizationInput {
                    name: name.into(),
                    kind,
                    region_id: None,
                    address: String::new(),
                    phone: String::new(),
                    email: String::new(),
                    website: String::new(),
                    co_located: false,
                    active: true,
                },
            )
            .await
            .expect("organization");
        }
        app.store().close().await;
    });
    format!("sqlite://{}", path.display())
}

/// Signs in in-process with a password: where the sign-in goes next, or the refusal.
fn sign_in(dir: &Path, email: &str, password: &str) -> Result<NextStep, AppError> {
    runtime().block_on(async {
        let app = open_app(&dir.join("taskforce.db")).await;
        let result = app.sign_in(email, password, "test").await.map(|s| s.next);
        app.store().close().await;
        result
    })
}

fn add_user(dir: &Path, url: &str, email: &str, organization: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "user",
        "add",
        "--database",
        url,
        "--email",
        email,
        "--name",
        "Dana Fisher",
        "--task-force",
        TASK_FORCE,
        "--organization",
        organization,
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

#[test]
fn user_add_prints_a_password_once_and_the_account_signs_in() {
    let dir = TempDir::new().expect("temp dir");
    let url = structure(dir.path());

    let added = add_user(
        dir.path(),
        &url,
        "Dana.Fisher@Fargo.example",
        POLICE,
        &["--role", "administrator"],
    )
    .succeeded();
    assert!(
        added.stdout.contains(&format!(
            "added dana.fisher@fargo.example to {TASK_FORCE} ({POLICE}) as administrator"
        )),
        "{}",
        added.stdout
    );
    let password = added
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("initial password (shown once): "))
        .expect("the generated password")
        .to_owned();
    assert!(password.len() >= 20, "{password}");
    assert_eq!(
        added.stdout.matches(&password).count(),
        1,
        "printed once: {}",
        added.stdout
    );
    assert!(matches!(
        sign_in(dir.path(), "dana.fisher@fargo.example", &password),
        Ok(NextStep::Enrol)
    ));
    assert!(sign_in(dir.path(), "dana.fisher@fargo.example", "not the password").is_err());

    // With a password of the operator's choosing, nothing is printed for it; a weak one is
    // refused by name.
    let chosen = "copper lantern meadow violin";
    let added = add_user(
        dir.path(),
        &url,
        "sam.ortiz@fargo.example",
        POLICE,
        &["--role", "investigator", "--password", chosen],
    )
    .succeeded();
    assert!(
        !added.stdout.contains("initial password"),
        "{}",
        added.stdout
    );
    let signed = sign_in(dir.path(), "sam.ortiz@fargo.example", chosen);
    assert!(matches!(signed, Ok(NextStep::Enrol)), "{signed:?}");
    let weak = add_user(
        dir.path(),
        &url,
        "lee.weak@fargo.example",
        POLICE,
        &["--role", "investigator", "--password", "short"],
    )
    .failed();
    assert!(
        weak.stderr
            .contains("password: must be at least 12 characters long"),
        "{}",
        weak.stderr
    );
    let unknown = add_user(
        dir.path(),
        &url,
        "lee.unknown@fargo.example",
        "No Such Office",
        &["--role", "investigator"],
    )
    .failed();
    assert!(
        unknown
            .stderr
            .contains("organization: Red River Valley Task Force has no organization named \"No Such Office\""),
        "{}",
        unknown.stderr
    );
}

#[test]
fn user_list_has_one_row_per_membership_and_user_disable_closes_the_account() {
    let dir = TempDir::new().expect("temp dir");
    let url = structure(dir.path());
    add_user(
        dir.path(),
        &url,
        "dana.fisher@fargo.example",
        POLICE,
        &["--role", "supervisor", "--role", "investigator"],
    )
    .succeeded();
    // A member of the shelter, without an account, is given one and a role at the police too.
    runtime().block_on(async {
        let app = open_app(&dir.path().join("taskforce.db")).await;
        let system = Actor::System("test");
        let tf = app.task_forces(&system).await.expect("tfs")[0].id;
        let shelter = app
            .organizations(&system, tf)
            .await
            .expect("orgs")
            .into_iter()
            .find(|o| o.name == SHELTER)
            .expect("the shelter");
        app.create_member(
            &system,
            tf,
            MemberInput {
                name: "Kim Park".into(),
                email: "kim.park@youthworks.example".into(),
                active: true,
                memberships: vec![Membership {
                    organization_id: shelter.id,
                    roles: vec![Role::Advocate],
                }],
                ..Default::default()
            },
        )
        .await
        .expect("member");
        app.store().close().await;
    });
    add_user(
        dir.path(),
        &url,
        "kim.park@youthworks.example",
        POLICE,
        &[
            "--role",
            "analyst",
            "--password",
            "copper lantern meadow violin",
        ],
    )
    .succeeded();

    let list = run(dir.path(), &["user", "list", "--database", &url]).succeeded();
    let mut lines = list.stdout.lines();
    assert_eq!(
        lines.next(),
        Some("email,task force,organization,organization kind,roles")
    );
    // Roles in a stable order, to compare.
    let mut rows: Vec<String> = lines
        .map(|line| {
            let (rest, roles) = line.rsplit_once(',').expect("five fields");
            let mut roles: Vec<&str> = roles.split(' ').collect();
            roles.sort_unstable();
            format!("{rest},{}", roles.join(" "))
        })
        .collect();
    rows.sort_unstable();
    let mut expected = vec![
        format!("dana.fisher@fargo.example,{TASK_FORCE},{POLICE},local_law_enforcement,investigator supervisor"),
        format!("kim.park@youthworks.example,{TASK_FORCE},{POLICE},local_law_enforcement,analyst"),
        format!("kim.park@youthworks.example,{TASK_FORCE},{SHELTER},victim_service_provider,advocate"),
    ];
    expected.sort_unstable();
    assert_eq!(rows, expected, "{}", list.stdout);

    let disabled = run(
        dir.path(),
        &[
            "user",
            "disable",
            "--database",
            &url,
            "--email",
            "Kim.Park@youthworks.example",
        ],
    )
    .succeeded();
    assert!(
        disabled
            .stdout
            .contains("disabled kim.park@youthworks.example and ended its sessions"),
        "{}",
        disabled.stdout
    );
    assert!(matches!(
        sign_in(
            dir.path(),
            "kim.park@youthworks.example",
            "copper lantern meadow violin"
        ),
        Err(AppError::Unauthenticated(_))
    ));
    let unknown = run(
        dir.path(),
        &[
            "user",
            "disable",
            "--database",
            &url,
            "--email",
            "nobody@fargo.example",
        ],
    )
    .failed();
    assert!(
        unknown
            .stderr
            .contains("email: no account signs in as \"nobody@fargo.example\""),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_read_token_from_the_command_line_reads_the_api_and_cannot_write() {
    let dir = TempDir::new().expect("temp dir");
    let url = structure(dir.path());
    add_user(
        dir.path(),
        &url,
        "dana.fisher@fargo.example",
        POLICE,
        &[
            "--role",
            "coordinator",
            "--password",
            "copper lantern meadow violin",
        ],
    )
    .succeeded();
    let made = run(
        dir.path(),
        &[
            "token",
            "create",
            "--database",
            &url,
            "--user",
            "dana.fisher@fargo.example",
            "--scope",
            "read",
            "--expires",
            "30",
        ],
    )
    .succeeded();
    let token = made.stdout.trim().to_owned();
    assert!(
        token.starts_with("tf_") && !token.contains(char::is_whitespace),
        "{token}"
    );
    assert!(made.stderr.contains("(read), expires "), "{}", made.stderr);

    let server = Server::start(
        dir.path(),
        &["serve", "--database", &url, "--listen", "127.0.0.1:0"],
    );
    let bearer = format!("Bearer {token}");
    let listed = http_request(
        &server.addr,
        "GET",
        "/api/v1/task-forces",
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(listed.status, 200, "{}", listed.body);
    let task_forces = listed.json();
    assert_eq!(task_forces[0]["name"], TASK_FORCE);
    let id = task_forces[0]["id"].as_str().expect("an id");
    let change = r#"{"name": "Renamed", "state": "ND", "counties": ["38017"]}"#;
    let refused = http_request(
        &server.addr,
        "PUT",
        &format!("/api/v1/task-forces/{id}"),
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
            ("If-Match", "\"1\""),
        ],
        Some(change),
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.json()["error"], "forbidden");
    let again = http_request(
        &server.addr,
        "GET",
        &format!("/api/v1/task-forces/{id}"),
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(again.json()["name"], TASK_FORCE, "unchanged");
    drop(server);

    for (args, expected) in [
        (
            vec!["--user", "nobody@fargo.example", "--scope", "read"],
            "user: no active account signs in as \"nobody@fargo.example\"",
        ),
        (
            vec![
                "--user",
                "dana.fisher@fargo.example",
                "--scope",
                "read",
                "--expires",
                "0",
            ],
            "expires_in_days: must be between 1 and 366 days",
        ),
    ] {
        let mut all = vec!["token", "create", "--database", url.as_str()];
        all.extend(args);
        let refused = run(dir.path(), &all).failed();
        assert!(refused.stderr.contains(expected), "{}", refused.stderr);
    }
}

#[test]
fn health_and_metrics_can_have_an_address_of_their_own() {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}/taskforce.db", dir.path().display());
    run(dir.path(), &["migrate", "--database", &url]).succeeded();
    let server = Server::start(
        dir.path(),
        &[
            "serve",
            "--database",
            &url,
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
        ],
    );
    let metrics_addr = server
        .metrics_addr
        .clone()
        .unwrap_or_else(|| panic!("no metrics address in {:?}", server.banner));
    assert_ne!(metrics_addr, server.addr);
    let health = http_get(&metrics_addr, "/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    let metrics = http_get(&metrics_addr, "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/plain")));
    // Not on the main address, which serves the application only.
    assert_eq!(server.get("/healthz").status, 404);
    assert_eq!(server.get("/metrics").status, 404);
    assert_eq!(server.get("/sign-in").status, 200);
    // Nor does the telemetry address serve the application.
    assert_eq!(http_get(&metrics_addr, "/sign-in").status, 404);
    drop(server);
}

/// `curl -sk` (which exists where these tests run), with the response headers on standard
/// output before the body.
fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sk", "-D", "-", "--max-time", "30"])
        .args(args)
        .output()
        .expect("run curl");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn serves_https_with_the_given_certificate() {
    let dir = TempDir::new().expect("temp dir");
    let made = Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
        ])
        .output();
    let Ok(made) = made else {
        eprintln!("serves_https_with_the_given_certificate: SKIPPED, `openssl` is not installed");
        return;
    };
    assert!(
        made.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let url = structure(dir.path());
    add_user(
        dir.path(),
        &url,
        "dana.fisher@fargo.example",
        POLICE,
        &[
            "--role",
            "investigator",
            "--password",
            "copper lantern meadow violin",
        ],
    )
    .succeeded();
    let cert = dir.path().join("c.pem").display().to_string();
    let key = dir.path().join("k.pem").display().to_string();
    let server = Server::start(
        dir.path(),
        &[
            "serve",
            "--database",
            &url,
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ],
    );
    assert_eq!(server.scheme, "https", "{:?}", server.banner);
    let base = format!("https://{}", server.addr);

    let health = curl(&[&format!("{base}/healthz")]).to_lowercase();
    assert!(health.starts_with("http/"), "{health}");
    assert!(
        health.lines().next().is_some_and(|l| l.contains(" 200")),
        "{health}"
    );
    assert!(
        health.contains("strict-transport-security: max-age="),
        "{health}"
    );
    assert!(health.ends_with("ok\n"), "{health}");

    // The session cookie is Secure over TLS.
    let signed = curl(&[
        "-o",
        "/dev/null",
        "--data-urlencode",
        "email=dana.fisher@fargo.example",
        "--data-urlencode",
        "password=copper lantern meadow violin",
        &format!("{base}/sign-in"),
    ]);
    let cookie = signed
        .lines()
        .find(|l| {
            l.to_lowercase()
                .starts_with("set-cookie: taskforce_session=")
        })
        .unwrap_or_else(|| panic!("no session cookie in:\n{signed}"));
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(signed.to_lowercase().contains("strict-transport-security"));
    drop(server);
}
