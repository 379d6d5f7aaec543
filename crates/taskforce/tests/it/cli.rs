//! The command line itself: help, version, and addresses it refuses to listen on.

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
        "only loopback addresses are accepted",
        "127.0.0.1:8080",
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
        "loopback only",
        "Port 0 picks a free port",
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

#[test]
fn serve_refuses_an_address_reachable_from_other_computers_before_opening_the_database() {
    let dir = TempDir::new().expect("temp dir");
    // The database does not exist: had `serve` opened it first, the error would be about it.
    let database = format!("sqlite://{}/taskforce.db", dir.path().display());
    for listen in ["0.0.0.0:0", "10.0.0.1:80", "[::]:8080"] {
        let refused = run(
            dir.path(),
            &["serve", "--database", &database, "--listen", listen],
        )
        .failed();
        assert!(
            refused.stderr.contains("is reachable from other computers"),
            "{listen}: {}",
            refused.stderr
        );
        assert!(
            refused
                .stderr
                .contains("serves only this computer (use 127.0.0.1 or [::1])"),
            "{listen}: {}",
            refused.stderr
        );
        assert!(
            !refused.stderr.contains("no database"),
            "{}",
            refused.stderr
        );
    }
    // Through the environment too.
    let refused = taskforce(dir.path())
        .args(["serve", "--database", &database])
        .env("TASKFORCE_LISTEN", "0.0.0.0:8080")
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is reachable from other computers"));

    let not_an_address = run(dir.path(), &["serve", "--listen", "localhost"]).failed();
    assert!(
        not_an_address
            .stderr
            .contains("\"localhost\" is not an address such as 127.0.0.1:8080"),
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
fn demo_refuses_an_address_reachable_from_other_computers_before_creating_the_database() {
    let dir = TempDir::new().expect("temp dir");
    let database = format!("sqlite://{}/demo.db", dir.path().display());
    let refused = run(
        dir.path(),
        &["demo", "--database", &database, "--listen", "10.0.0.1:80"],
    )
    .failed();
    assert!(
        refused
            .stderr
            .contains("10.0.0.1:80 is reachable from other computers"),
        "{}",
        refused.stderr
    );
    // Neither the named database nor the default data/ folder was created.
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
    let refused = run(dir.path(), &["demo", "--listen", "0.0.0.0:8080"]).failed();
    assert!(refused.stderr.contains("is reachable from other computers"));
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}
