//! The command line itself: help, version, and the settings it refuses before touching a
//! database.

use crate::harness::*;
use tempfile::TempDir;

#[test]
fn help_names_and_describes_every_command() {
    let dir = TempDir::new().expect("temp dir");
    let help = run(dir.path(), &["--help"]).succeeded();
    for text in [
        "Usage: taskforce",
        "serve",
        "Serve the web pages and the JSON API",
        "demo",
        "Create (or reuse) the demo network of four task forces and serve it",
        "migrate",
        "Create the database if needed and bring its schema up to date",
        "--log-format",
    ] {
        assert!(
            help.stdout.contains(text),
            "--help lacks {text:?}:\n{}",
            help.stdout
        );
    }

    let serve = run(dir.path(), &["serve", "--help"]).succeeded();
    for text in [
        "Serve the web pages and the JSON API",
        "--database",
        "sqlite://data/taskforce.db",
        "--listen",
        "0.0.0.0:8443 behind a firewall",
        "127.0.0.1:8080",
        "--tls-cert",
        "--tls-key",
        "--metrics-listen",
        "--lockout-attempts",
    ] {
        assert!(
            serve.stdout.contains(text),
            "serve --help lacks {text:?}:\n{}",
            serve.stdout
        );
    }

    let demo = run(dir.path(), &["demo", "--help"]).succeeded();
    for text in [
        "demo network of four task forces",
        "--database",
        "sqlite://data/demo.db",
        "created if it does not exist",
        "--listen",
        "Port 0 picks a free port",
        "--tls-cert",
    ] {
        assert!(
            demo.stdout.contains(text),
            "demo --help lacks {text:?}:\n{}",
            demo.stdout
        );
    }

    let migrate = run(dir.path(), &["migrate", "--help"]).succeeded();
    for text in [
        "bring its schema up to date",
        "--database",
        "postgres://USER@HOST:PORT/NAME",
    ] {
        assert!(
            migrate.stdout.contains(text),
            "migrate --help lacks {text:?}:\n{}",
            migrate.stdout
        );
    }
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "help touches nothing"
    );
}

#[test]
fn version_and_unknown_commands() {
    let dir = TempDir::new().expect("temp dir");
    let version = run(dir.path(), &["--version"]).succeeded();
    assert_eq!(
        version.stdout.trim(),
        format!("taskforce {}", env!("CARGO_PKG_VERSION"))
    );
    let unknown = run(dir.path(), &["serv"]).failed();
    assert!(
        unknown.stderr.contains("unrecognized subcommand 'serv'"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("serve"),
        "suggests the right one: {}",
        unknown.stderr
    );
    let nothing = run(dir.path(), &[]).failed();
    assert!(
        nothing.stderr.contains("Usage: taskforce"),
        "{}",
        nothing.stderr
    );
}

/// A bad setting is refused by name before the database is opened or created.
fn refused_before_the_database(args: &[&str], expected: &str) {
    let dir = TempDir::new().expect("temp dir");
    // The database does not exist: had the command opened it first, the error would be about it.
    let database = format!("sqlite://{}/taskforce.db", dir.path().display());
    for command in ["serve", "demo"] {
        let mut all = vec![command, "--database", &database, "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let refused = run(dir.path(), &all).failed();
        assert!(
            refused.stderr.contains(expected),
            "{command} {args:?}: {}",
            refused.stderr
        );
        assert!(
            !refused.stderr.contains("no database"),
            "{}",
            refused.stderr
        );
        assert_eq!(
            files_in(dir.path()),
            Vec::<String>::new(),
            "{command} {args:?} created nothing"
        );
    }
}

#[test]
fn a_certificate_needs_its_key_and_both_must_be_files() {
    refused_before_the_database(
        &["--tls-cert", "cert.pem"],
        "the following required arguments were not provided",
    );
    refused_before_the_database(&["--tls-cert", "cert.pem"], "--tls-key <TLS_KEY>");
    refused_before_the_database(&["--tls-key", "key.pem"], "--tls-cert <TLS_CERT>");
    refused_before_the_database(
        &[
            "--tls-cert",
            "/no/such/cert.pem",
            "--tls-key",
            "/no/such/key.pem",
        ],
        "tls-cert: /no/such/cert.pem is not a readable file",
    );
    let dir = TempDir::new().expect("temp dir");
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "not really a certificate").expect("write");
    let cert = cert.display().to_string();
    refused_before_the_database(
        &["--tls-cert", &cert, "--tls-key", "/no/such/key.pem"],
        "tls-key: /no/such/key.pem is not a readable file",
    );
}

#[test]
fn lockout_and_addresses_are_checked_by_name() {
    refused_before_the_database(
        &["--lockout-attempts", "0"],
        "lockout-attempts: must be between 1 and 100",
    );
    refused_before_the_database(
        &["--lockout-minutes", "0"],
        "lockout-minutes: must be between 1 and 1440",
    );
    refused_before_the_database(
        &["--metrics-listen", "metrics.internal"],
        "metrics-listen: \"metrics.internal\" is not an address such as 127.0.0.1:8080",
    );
    // Through the environment too.
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite://{}/taskforce.db", dir.path().display());
    let refused = taskforce(dir.path())
        .args(["serve", "--database", &database])
        .env("TASKFORCE_LOCKOUT_ATTEMPTS", "0")
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("lockout-attempts: must be between 1 and 100"));

    let not_an_address = run(dir.path(), &["serve", "--listen", "localhost"]).failed();
    assert!(
        not_an_address
            .stderr
            .contains("listen: \"localhost\" is not an address such as 127.0.0.1:8080"),
        "{}",
        not_an_address.stderr
    );
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "nothing was created"
    );
}

#[test]
fn serve_listens_on_any_address_it_is_given() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite://{}/taskforce.db", dir.path().display());
    run(dir.path(), &["migrate", "--database", &database]).succeeded();
    let server = Server::start(
        dir.path(),
        &["serve", "--database", &database, "--listen", "0.0.0.0:0"],
    );
    let port = server
        .addr
        .strip_prefix("0.0.0.0:")
        .unwrap_or_else(|| panic!("listening on {}", server.addr));
    let health = http_get(&format!("127.0.0.1:{port}"), "/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    assert!(
        server
            .stderr()
            .contains("serving WITHOUT TLS on a network address"),
        "{}",
        server.stderr()
    );
    drop(server);
}

#[test]
fn keys_generate_prints_a_fresh_key_each_time_and_rotate_needs_one() {
    let dir = TempDir::new().expect("temp dir");
    let first = run(dir.path(), &["keys", "generate"]).succeeded();
    let second = run(dir.path(), &["keys", "generate"]).succeeded();
    let key = first.stdout.trim();
    assert_eq!(key.len(), 64, "{key}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(key, second.stdout.trim(), "each key is random");
    // Rotation without a key says which flag gives one, and touches nothing.
    let database = format!("sqlite://{}", dir.path().join("k.db").display());
    run(dir.path(), &["migrate", "--database", &database]).succeeded();
    let refused = run(dir.path(), &["keys", "rotate", "--database", &database]).failed();
    assert!(
        refused.stderr.contains("--master-key-file"),
        "{}",
        refused.stderr
    );
    let bad = dir.path().join("bad.key");
    std::fs::write(&bad, "not a key").expect("write");
    let refused = run(
        dir.path(),
        &[
            "keys",
            "rotate",
            "--database",
            &database,
            "--master-key-file",
            &bad.display().to_string(),
        ],
    )
    .failed();
    assert!(
        refused.stderr.contains("bad.key"),
        "names the file: {}",
        refused.stderr
    );
    let good = dir.path().join("good.key");
    std::fs::write(&good, key).expect("write");
    let done = run(
        dir.path(),
        &[
            "keys",
            "rotate",
            "--database",
            &database,
            "--master-key-file",
            &good.display().to_string(),
        ],
    )
    .succeeded();
    assert!(
        done.stdout.contains("0 data keys re-wrapped"),
        "{}",
        done.stdout
    );
}
