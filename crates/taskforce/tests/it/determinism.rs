//! The demo network is the same wherever it is built: same seed, same clock, same ids.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use taskforce_app::demo;
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
    let get = |path: String| {
        let router = router.clone();
        async move {
            let response = router
                .oneshot(Request::get(&path).body(Body::empty()).expect("request"))
                .await
                .expect("an answer");
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            (path, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    let mut out = vec![get("/api/v1/task-forces".to_owned()).await];
    for tf in app.task_forces().await.expect("task forces") {
        for section in ["regions", "organizations", "members", "mous", "awards"] {
            out.push(get(format!("/api/v1/task-forces/{}/{section}", tf.id)).await);
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
