//! Encryption at rest, on the real database files: a phrase written into a victim-confidential
//! note, a case summary and an attachment appears nowhere in the SQLite file, its write-ahead
//! log or a PostgreSQL dump, not even word by word in the search index; it reads back for its
//! holder; rotation re-wraps the keys so only the new master key is needed.

use chrono::{TimeZone, Utc};
use std::sync::Arc;
use taskforce_app::{Actor, App, FixedClock, Keyring, MasterKey};
use taskforce_domain::access::Principal;
use taskforce_domain::cases::*;
use taskforce_domain::structure::*;
use taskforce_domain::*;
use taskforce_store::{Create, DatabaseUrl, Store};

const SYSTEM: Actor = Actor::System("test");
const PHRASE: &str = "Quillfeather Marmoset crossed at Tijuana";

fn keyring(byte: u8) -> Keyring {
    Keyring::new(MasterKey::from_bytes(&[byte; 32]).expect("key"), Vec::new())
}

fn app_on(store: Store, keys: Keyring) -> App {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 4, 12, 0, 0)
            .single()
            .expect("time"),
    ));
    App::new(store, clock, [9; 32]).with_keyring(keys)
}

/// A task force with a victim service provider and a police department, an advocate and a
/// detective; returns the two as actors.
async fn network(app: &App) -> (TaskForceId, Actor, Actor) {
    let tf = app
        .create_task_force(
            &SYSTEM,
            TaskForceInput {
                name: "Test TF".into(),
                state: "NY".into(),
                counties: vec!["36121".into()],
                population_served: None,
                description: String::new(),
            },
        )
        .await
        .expect("tf")
        .id;
    let org = |name: &str, kind| OrganizationInput {
        name: name.into(),
        kind,
        region_id: None,
        address: String::new(),
        phone: String::new(),
        email: String::new(),
        website: String::new(),
        co_located: false,
        active: true,
    };
    let shelter = app
        .create_organization(
            &SYSTEM,
            tf,
            org("Safe Harbor", OrganizationKind::VictimServiceProvider),
        )
        .await
        .expect("shelter");
    let police = app
        .create_organization(
            &SYSTEM,
            tf,
            org("County Police", OrganizationKind::LocalLawEnforcement),
        )
        .await
        .expect("police");
    let mut actors = Vec::new();
    for (name, o, role) in [
        ("Ana Advocate", &shelter, Role::Advocate),
        ("Dee Detective", &police, Role::Investigator),
    ] {
        let m = app
            .create_member(
                &SYSTEM,
                tf,
                MemberInput {
                    name: name.into(),
                    email: format!(
                        "{}@example.org",
                        name.split(' ').next().unwrap_or("x").to_lowercase()
                    ),
                    active: true,
                    memberships: vec![Membership {
                        organization_id: o.id,
                        roles: vec![role],
                    }],
                    ..Default::default()
                },
            )
            .await
            .expect("member");
        actors.push(Actor::Member(Principal {
            member_id: m.id,
            name: m.name.clone(),
            email: m.email.clone(),
            task_force_id: tf,
            organization_id: o.id,
            organization_name: o.name.clone(),
            organization_kind: o.kind,
            roles: vec![role],
            strong: true,
            source: "test".into(),
        }));
    }
    let detective = actors.pop().expect("detective");
    let advocate = actors.pop().expect("advocate");
    (tf, advocate, detective)
}

/// Writes the phrase where encryption must hide it; returns the case.
async fn write_secrets(app: &App, tf: TaskForceId, advocate: &Actor) -> Case {
    let case = app
        .create_case(
            advocate,
            tf,
            CaseInput {
                kind: Some(CaseKind::ServiceCase),
                title: "Support plan".into(),
                summary: format!("Summary: {PHRASE}."),
                ..Default::default()
            },
        )
        .await
        .expect("service case");
    app.add_note(
        advocate,
        tf,
        case.id,
        NoteInput {
            label: Some("victim_confidential".into()),
            body: format!("She said: {PHRASE}."),
        },
    )
    .await
    .expect("note");
    app.add_attachment(
        advocate,
        tf,
        case.id,
        "statement.txt",
        format!("Statement: {PHRASE}\n").as_bytes(),
        None,
    )
    .await
    .expect("attachment");
    case
}

fn assert_hidden(haystack: &[u8], what: &str) {
    for needle in [
        PHRASE,
        "Quillfeather",
        "Marmoset",
        "quillfeather",
        "marmoset",
    ] {
        assert!(
            !haystack
                .windows(needle.len())
                .any(|w| w == needle.as_bytes()),
            "{needle:?} found in {what}"
        );
    }
}

async fn reads_back(app: &App, tf: TaskForceId, case: &Case, advocate: &Actor, detective: &Actor) {
    let view = app
        .case_view(advocate, tf, case.id)
        .await
        .expect("the holder reads");
    assert!(view.case.summary.contains(PHRASE));
    match &view.notes[0] {
        taskforce_app::cases::Shown::Yes(note) => assert!(note.body.contains(PHRASE)),
        other => panic!("the holder sees the note: {other:?}"),
    }
    let attachment = match &view.attachments[0] {
        taskforce_app::cases::Shown::Yes(a) => a.id,
        other => panic!("the holder sees the file: {other:?}"),
    };
    let (_, content) = app
        .attachment_content(advocate, tf, case.id, attachment)
        .await
        .expect("file");
    assert_eq!(content, format!("Statement: {PHRASE}\n").as_bytes());
    // The keyed index finds the word for the holder, and nothing for law enforcement.
    let query = taskforce_app::cases::SearchQuery {
        text: "marmoset".into(),
        ..Default::default()
    };
    let (hits, total) = app.search(advocate, tf, &query, 10).await.expect("search");
    assert_eq!(
        total, 2,
        "the summary and the note (files are not indexed): {hits:?}"
    );
    assert!(hits
        .iter()
        .any(|h| h.snippet.iter().any(|p| p.hit && p.text == "Marmoset")));
    let (hits, total) = app.search(detective, tf, &query, 10).await.expect("search");
    assert_eq!((hits.len(), total), (0, 0), "not even a count leaks");
    assert!(
        app.case_view(detective, tf, case.id).await.is_err(),
        "victim-confidential"
    );
}

#[tokio::test]
async fn sensitive_text_is_not_in_the_sqlite_files() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.db");
    let store = Store::open(&DatabaseUrl::Sqlite(path.clone()), Create::IfMissing)
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let app = app_on(store.clone(), keyring(1));
    let (tf, advocate, detective) = network(&app).await;
    let case = write_secrets(&app, tf, &advocate).await;
    // Before a checkpoint the writes sit in the write-ahead log; after it, in the main file.
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir.path()).expect("list") {
        let p = entry.expect("entry").path();
        files.push((p.display().to_string(), std::fs::read(&p).expect("read")));
    }
    assert!(
        files.iter().any(|(name, _)| name.ends_with("-wal")),
        "WAL mode: {:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, bytes) in &files {
        assert_hidden(bytes, name);
    }
    reads_back(&app, tf, &case, &advocate, &detective).await;
    let mut conn = store.conn().await.expect("conn");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *conn)
        .await
        .expect("checkpoint");
    drop(conn);
    store.close().await;
    let bytes = std::fs::read(&path).expect("read db");
    assert!(bytes.len() > 4096);
    assert_hidden(&bytes, "the database file after checkpoint");
}

#[tokio::test]
async fn sensitive_text_is_not_in_a_postgres_dump() {
    let Some(server) = std::env::var("TASKFORCE_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        // CI sets the variable (and fails without PostgreSQL); a laptop without it runs SQLite only.
        return;
    };
    let name = format!(
        "tf_enc_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros())
            .unwrap_or(0)
    );
    let base = server
        .rsplit_once('/')
        .map_or(server.as_str(), |(b, _)| b)
        .to_owned();
    let url = format!("{base}/{name}");
    let store = Store::open(&DatabaseUrl::parse(&url).expect("url"), Create::IfMissing)
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let app = app_on(store.clone(), keyring(1));
    let (tf, advocate, detective) = network(&app).await;
    let case = write_secrets(&app, tf, &advocate).await;
    reads_back(&app, tf, &case, &advocate, &detective).await;
    store.close().await;
    let dump = std::process::Command::new("pg_dump")
        .arg(&url)
        .output()
        .expect("pg_dump runs");
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(
        dump.stdout.len() > 1000 && String::from_utf8_lossy(&dump.stdout).contains("Support plan"),
        "the dump holds the data"
    );
    assert_hidden(&dump.stdout, "pg_dump");
    let _ = std::process::Command::new("dropdb")
        .args(["--if-exists", "-h", "127.0.0.1", "-U", "postgres", &name])
        .status();
}

#[tokio::test]
async fn rotation_rewraps_keys_so_only_the_new_master_key_is_needed() {
    let dir = tempfile::tempdir().expect("dir");
    let url = DatabaseUrl::Sqlite(dir.path().join("t.db"));
    let store = Store::open(&url, Create::IfMissing).await.expect("open");
    store.migrate().await.expect("migrate");
    let old = app_on(store.clone(), keyring(1));
    let (tf, advocate, detective) = network(&old).await;
    let case = write_secrets(&old, tf, &advocate).await;
    // A server holding only a new key cannot open what the old key wraps.
    let new_only = app_on(store.clone(), keyring(2));
    assert!(new_only.case_view(&advocate, tf, case.id).await.is_err());
    // During rotation servers hold both; afterwards the new key alone suffices.
    let both = app_on(
        store.clone(),
        Keyring::new(
            MasterKey::from_bytes(&[2; 32]).expect("key"),
            vec![MasterKey::from_bytes(&[1; 32]).expect("key")],
        ),
    );
    reads_back(&both, tf, &case, &advocate, &detective).await;
    let rewrapped = both.rotate_keys().await.expect("rotate");
    assert_eq!(rewrapped, 2, "the provider's data key and the search key");
    assert_eq!(
        both.rotate_keys().await.expect("again"),
        0,
        "nothing left to re-wrap"
    );
    let after = app_on(store.clone(), keyring(2));
    reads_back(&after, tf, &case, &advocate, &detective).await;
    let old_again = app_on(store.clone(), keyring(1));
    assert!(
        old_again.case_view(&advocate, tf, case.id).await.is_err(),
        "the old key opens nothing now"
    );
    let status = after.key_status().await.expect("status");
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].1, 2);
}
