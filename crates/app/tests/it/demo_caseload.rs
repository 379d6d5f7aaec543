//! The demo caseload: realistic enough to show the product (all three kinds of case linked about
//! the same people, the whole typology, minors and adults), and built through the policy, so an
//! advocate's confidential record stays closed to law enforcement in the demo as in real use.

use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use taskforce_app::cases::Shown;
use taskforce_app::{demo, Actor, AppError, Keyring, MasterKey};
use taskforce_domain::access::Label;
use taskforce_domain::cases::{CaseKind, TraffickingType, DEFAULT_TYPOLOGY};
use taskforce_domain::*;
use taskforce_store::{Create, DatabaseUrl, Store};

#[tokio::test]
async fn the_demo_caseload_links_all_three_kinds_covers_the_typology_and_keeps_advocates_notes_closed(
) {
    let dir = std::env::temp_dir().join(format!(
        "taskforce_app_demo_caseload_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("demo.db");
    let store = Store::open(&DatabaseUrl::Sqlite(path.clone()), Create::IfMissing)
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let keyring = Keyring::new(MasterKey::from_bytes(&[9; 32]).expect("key"), vec![]);
    let app = demo::demo_app_with_keyring(store, keyring);
    let started = std::time::Instant::now();
    let summary = demo::seed(&app).await.expect("seed");
    eprintln!(
        "demo with caseload built in {:.1} s: {:?}",
        started.elapsed().as_secs_f64(),
        summary.caseload
    );

    let mut db = connect(&path).await;
    let cases = sqlx::query(
        "SELECT id, task_force_id, kind, typology, trafficking_type, minors_involved, lead_member_id FROM cases",
    )
    .fetch_all(&mut db)
    .await
    .expect("cases");
    let links: BTreeSet<(String, String)> = sqlx::query("SELECT case_a, case_b FROM case_links")
        .fetch_all(&mut db)
        .await
        .expect("links")
        .iter()
        .map(|r| (r.get::<String, _>("case_a"), r.get::<String, _>("case_b")))
        .collect();
    let linked = |a: &str, b: &str| {
        links.contains(&(a.to_owned(), b.to_owned()))
            || links.contains(&(b.to_owned(), a.to_owned()))
    };
    let kind_of: BTreeMap<String, String> = cases
        .iter()
        .map(|r| (r.get::<String, _>("id"), r.get::<String, _>("kind")))
        .collect();

    // Every task force holds hundreds of cases over the whole typology, sex and labor, minors
    // and adults, and the three kinds linked about the same people.
    assert_eq!(summary.task_forces.len(), 4);
    for tf in &summary.task_forces {
        let tf_id = tf.id.to_string();
        let mine: Vec<_> = cases
            .iter()
            .filter(|r| r.get::<String, _>("task_force_id") == tf_id)
            .collect();
        assert!(mine.len() >= 150, "{}: {} cases", tf.name, mine.len());
        let types: BTreeSet<(i64, String)> = mine
            .iter()
            .map(|r| {
                (
                    r.get::<Option<i64>, _>("typology").unwrap_or(0),
                    r.get::<String, _>("trafficking_type"),
                )
            })
            .collect();
        for (number, name) in DEFAULT_TYPOLOGY {
            assert!(
                types.iter().any(|(n, _)| *n == i64::from(number)),
                "{}: no case of type {number} {name}",
                tf.name
            );
        }
        for kind in [
            TraffickingType::Sex,
            TraffickingType::Labor,
            TraffickingType::Both,
        ] {
            assert!(
                types.iter().any(|(_, t)| t == kind.code()),
                "{}: no {kind:?} case",
                tf.name
            );
        }
        let minors: BTreeSet<i64> = mine
            .iter()
            .map(|r| r.get::<i64, _>("minors_involved"))
            .collect();
        assert_eq!(
            minors,
            BTreeSet::from([0, 1]),
            "{}: minors and adults",
            tf.name
        );
        let of_kind = |kind: CaseKind| {
            mine.iter()
                .filter(move |r| r.get::<String, _>("kind") == kind.code())
                .map(|r| r.get::<String, _>("id"))
        };
        let triangles = of_kind(CaseKind::Investigation)
            .filter(|i| {
                of_kind(CaseKind::ServiceCase).any(|s| {
                    linked(i, &s)
                        && of_kind(CaseKind::Prosecution).any(|p| linked(i, &p) && linked(&s, &p))
                })
            })
            .count();
        assert!(
            triangles >= 3,
            "{}: {triangles} matters with all three kinds linked",
            tf.name
        );
    }

    // An investigator opens their investigation and sees the linked service case withheld; the
    // service case itself is refused; its advocate reads the notes the investigator may not.
    let tf = &summary.task_forces[0];
    let investigation = cases
        .iter()
        .find(|r| {
            let id = r.get::<String, _>("id");
            r.get::<String, _>("task_force_id") == tf.id.to_string()
                && r.get::<String, _>("kind") == "investigation"
                && kind_of
                    .iter()
                    .any(|(other, kind)| kind == "service_case" && linked(&id, other))
        })
        .expect("an investigation linked to a service case");
    let system = Actor::System("test");
    let members = app.members(&system, tf.id).await.expect("members");
    let lead = |row: &sqlx::any::AnyRow| {
        let lead: String = row.get("lead_member_id");
        let member = members
            .iter()
            .find(|m| m.id.to_string() == lead)
            .expect("the case's lead is a member");
        member.email.clone()
    };
    let investigator = Actor::Member(
        app.principal_for_email(&lead(investigation), "test")
            .await
            .expect("investigator"),
    );
    let investigation_id = CaseId(investigation.get::<String, _>("id").parse().expect("id"));
    let view = app
        .case_view(&investigator, tf.id, investigation_id)
        .await
        .expect("the investigator opens their investigation");
    let service_link = view
        .links
        .iter()
        .find(|l| l.kind == CaseKind::ServiceCase)
        .expect("the linked service case is listed");
    assert!(
        matches!(
            service_link.case,
            Shown::Withheld {
                label: Label::VictimConfidential,
                ..
            }
        ),
        "{:?}",
        service_link.case
    );
    assert!(view
        .notes
        .iter()
        .all(|n| matches!(n, Shown::Yes(note) if !note.body.is_empty())));
    let refused = app
        .case_view(&investigator, tf.id, service_link.id)
        .await
        .expect_err("a service case is closed to law enforcement without consent");
    assert!(matches!(refused, AppError::Forbidden(_)), "{refused:?}");

    let service_row = cases
        .iter()
        .find(|r| r.get::<String, _>("id") == service_link.id.to_string())
        .expect("service case row");
    let advocate = Actor::Member(
        app.principal_for_email(&lead(service_row), "test")
            .await
            .expect("advocate"),
    );
    let service = app
        .case_view(&advocate, tf.id, service_link.id)
        .await
        .expect("the advocate opens their service case");
    assert!(!service.notes.is_empty());
    for note in &service.notes {
        match note {
            Shown::Yes(note) => {
                assert_eq!(note.label, Label::VictimConfidential);
                assert!(!note.body.is_empty(), "the advocate reads the note");
            }
            other => panic!("the advocate's own note is withheld: {other:?}"),
        }
    }
    let investigation_link = service
        .links
        .iter()
        .find(|l| l.id == investigation_id)
        .expect("the investigation is listed on the service case");
    assert!(matches!(
        investigation_link.case,
        Shown::Withheld {
            label: Label::LawEnforcementSensitive,
            ..
        }
    ));

    // On a prosecution an advocate's office is on the team of, the prosecutor's
    // law-enforcement-sensitive note shows as withheld to the advocate, the rest is readable.
    let prosecution = sqlx::query(
        "SELECT c.id, t.organization_id FROM cases c \
         JOIN case_notes n ON n.case_id = c.id AND n.label = 'law_enforcement_sensitive' \
         JOIN case_team t ON t.case_id = c.id \
         JOIN organizations o ON o.id = t.organization_id AND o.kind = 'victim_service_provider' \
         WHERE c.kind = 'prosecution' AND c.task_force_id = $1 LIMIT 1",
    )
    .bind(tf.id.to_string())
    .fetch_one(&mut db)
    .await
    .expect("a prosecution with a law-enforcement-sensitive note and a provider on its team");
    let provider: String = prosecution.get("organization_id");
    let advocate_there = members
        .iter()
        .find(|m| {
            m.memberships.iter().any(|s| {
                s.organization_id.to_string() == provider
                    && s.roles
                        .contains(&taskforce_domain::structure::Role::Advocate)
            })
        })
        .expect("an advocate of the provider");
    let advocate_there = Actor::Member(
        app.principal_for_email(&advocate_there.email, "test")
            .await
            .expect("principal"),
    );
    let prosecution_id = CaseId(prosecution.get::<String, _>("id").parse().expect("id"));
    let seen = app
        .case_view(&advocate_there, tf.id, prosecution_id)
        .await
        .expect("the advocate's provider is on the prosecution's team");
    assert!(seen.notes.iter().any(|n| matches!(
        n,
        Shown::Withheld {
            label: Label::LawEnforcementSensitive,
            ..
        }
    )));
    assert!(seen
        .notes
        .iter()
        .any(|n| matches!(n, Shown::Yes(note) if note.label == Label::Organization)));
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A plain connection to the test's database, to see what the demo wrote.
async fn connect(path: &std::path::Path) -> sqlx::AnyConnection {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect")
}
