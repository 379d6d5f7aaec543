//! The demo network is the same wherever it is built: same seed, same clock, same ids.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use taskforce_app::{demo, Actor};
use taskforce_domain::identity::TokenScope;
use taskforce_domain::structure::Role;
use taskforce_store::{Create, DatabaseUrl, Store};
use tempfile::TempDir;
use tower::ServiceExt;

/// Seeds the demo into a fresh SQLite database in `dir` and returns what the API serves: the
/// directory of task forces, then every section of every task force, as JSON text.
async fn seeded(dir: &TempDir) -> Vec<(String, String)> {
    let url = DatabaseUrl::Sqlite(dir.path().join("demo.db"));
    let store = Store::open(&url, Create::IfMissing).await.expect("open");
    store.migrate().await.expect("migrate");
    let app = demo::demo_app(store);
    demo::seed(&app).await.expect("seed");
    let router = taskforce_web::router(app.clone());
    // Read tokens: of a network-staff member for the directory, of each task force's
    // administrator for its sections.
    let system = Actor::System("test");
    let task_forces = app.task_forces(&system).await.expect("task forces");
    let mut readers = Vec::new();
    for tf in &task_forces {
        let members = app.members(&system, tf.id).await.expect("members");
        for role in [Role::NetworkStaff, Role::Administrator] {
            let member = members.iter().find(|m| m.holds(role)).expect("a member");
            let owner = app
                .principal_for_email(&member.email, "test")
                .await
                .expect("a principal");
            let (_, secret) = app
                .create_token(&system, &owner, "determinism", TokenScope::Read, None)
                .await
                .expect("a token");
            readers.push((tf.id, role, secret));
        }
    }
    let token = |tf, role| {
        readers
            .iter()
            .find(|(t, r, _)| *t == tf && *r == role)
            .map(|(_, _, secret)| format!("Bearer {secret}"))
            .expect("a token")
    };
    let get = |path: String, bearer: String| {
        let router = router.clone();
        async move {
            let request = Request::get(&path)
                .header("authorization", bearer)
                .body(Body::empty())
                .expect("request");
            let response = router.oneshot(request).await.expect("an answer");
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            (path, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    let mut out = vec![
        get(
            "/api/v1/task-forces".to_owned(),
            token(task_forces[0].id, Role::NetworkStaff),
        )
        .await,
    ];
    for tf in &task_forces {
        for section in ["regions", "organizations", "members", "mous", "awards"] {
            let path = format!("/api/v1/task-forces/{}/{section}", tf.id);
            out.push(get(path, token(tf.id, Role::Administrator)).await);
        }
    }
    out
}

#[tokio::test]
async fn the_demo_network_is_identical_in_two_fresh_databases() {
    let (a, b) = (
        TempDir::new().expect("temp dir"),
        TempDir::new().expect("temp dir"),
    );
    let first = seeded(&a).await;
    let second = seeded(&b).await;

    let directory: serde_json::Value = serde_json::from_str(&first[0].1).expect("JSON");
    assert_eq!(directory.as_array().map(Vec::len), Some(4));
    assert_eq!(first.len(), 1 + 4 * 5);
    for ((path, one), (_, other)) in first.iter().zip(&second) {
        // Only the statewide task force (North Dakota) is divided into regions.
        if !path.ends_with("/regions") {
            assert!(one.len() > 2, "{path} is empty: {one}");
        }
        assert_eq!(one, other, "{path} differs between two seedings");
    }
    let regions = first
        .iter()
        .filter(|(p, body)| p.ends_with("/regions") && body.len() > 2);
    assert_eq!(regions.count(), 1);
}
