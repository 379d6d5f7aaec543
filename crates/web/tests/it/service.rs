//! What operators and clients rely on around the pages: the OpenAPI description, health,
//! metrics, security headers and static files.

use crate::harness::*;
use axum::http::{Method, StatusCode};
use std::collections::BTreeSet;

/// The routes `api.rs` (nested under /api/v1) and every `api_*.rs` (full paths) declare, as
/// (METHOD, path), read from their source so that a route added without being described fails
/// this test.
fn declared_api_routes() -> BTreeSet<(String, String)> {
    let mut out = routes_in(
        between(
            include_str!("../../src/api.rs"),
            "pub fn routes()",
            ".fallback(",
        )
        .expect("fn routes in api.rs"),
        "/api/v1",
    );
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).expect("the web crate's src") {
        let path = entry.expect("a file").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("api_") && name.ends_with(".rs") {
            let text = std::fs::read_to_string(&path).expect("readable source");
            out.extend(routes_in(
                between(&text, "pub fn routes()", "\n}").expect("fn routes in an api_ file"),
                "",
            ));
        }
    }
    out
}

fn routes_in(routes_fn: &str, prefix: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for call in routes_fn.split(".route(").skip(1) {
        let path = between(call, "\"", "\"").expect("a route path");
        // The method router: everything after the path up to the call's closing parenthesis.
        let rest = &call[call.find(',').expect("a method router")..];
        for method in ["get", "post", "put", "patch", "delete"] {
            let called = rest.match_indices(&format!("{method}(")).any(|(i, _)| {
                i == 0
                    || !rest.as_bytes()[i - 1].is_ascii_alphanumeric()
                        && rest.as_bytes()[i - 1] != b'_'
                        && rest.as_bytes()[i - 1] != b':'
            });
            if called {
                out.insert((method.to_uppercase(), format!("{prefix}{path}")));
            }
        }
    }
    out
}

#[tokio::test]
async fn openapi_describes_every_route_the_api_serves() {
    let site = Site::demo().await;
    let reply = site.get("/api/openapi.json").await.expect(StatusCode::OK);
    assert!(reply.header("content-type").starts_with("application/json"));
    let doc = reply.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert_eq!(doc["info"]["title"], "Taskforce API");

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let declared = declared_api_routes();
    // The source parser finds at least the routes that were there when this was written
    // (12 structure paths with 2 methods each, 11 case routes, 7 intake routes).
    assert!(declared.len() >= 42, "{declared:?}");
    assert_eq!(documented, declared);

    // Every schema a path refers to is defined.
    let text = reply.body.clone();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for reference in text.split("\"$ref\": \"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(
            schemas.contains_key(name),
            "{name} is referred to but not defined"
        );
    }

    // And every documented operation is served by the router (not the API's 404 fallback, not 405).
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let ids = [
        (
            "regions",
            site.app.regions(&SYSTEM, tf).await.expect("r")[0]
                .id
                .to_string(),
        ),
        (
            "organizations",
            site.app.organizations(&SYSTEM, tf).await.expect("o")[0]
                .id
                .to_string(),
        ),
        (
            "members",
            site.app.members(&SYSTEM, tf).await.expect("m")[0]
                .id
                .to_string(),
        ),
        (
            "mous",
            site.app.mous(&SYSTEM, tf).await.expect("m")[0]
                .id
                .to_string(),
        ),
        (
            "awards",
            site.app.awards(&SYSTEM, tf).await.expect("a")[0]
                .id
                .to_string(),
        ),
    ];
    // Structure routes answer the coordinator; case, intake and duplicates routes are probed role by role
    // against their records in routes.rs.
    for (method, path) in documented.iter().filter(|(_, p)| {
        p.starts_with("/api/v1/task-forces")
            && !["/tips", "/screening", "/duplicates", "/victim-count"]
                .iter()
                .any(|part| p.contains(part))
    }) {
        let section = path.split('/').nth(5).unwrap_or_default();
        let id = ids
            .iter()
            .find(|(s, _)| *s == section)
            .map_or("", |(_, id)| id.as_str());
        let uri = path.replace("{tf}", &tf.to_string()).replace("{id}", id);
        let method: Method = method.parse().expect("a method");
        let body = (method != Method::GET).then_some("{}");
        let reply = site.api(method.clone(), &uri, body, &[]).await;
        let expected = if method == Method::GET {
            StatusCode::OK
        } else {
            // An empty object lacks required fields: refused by the handler, so it was routed.
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(reply.status, expected, "{method} {uri}: {}", reply.body);
    }
}

#[tokio::test]
async fn health_and_metrics() {
    let site = Site::demo().await;
    let health = site.get("/healthz").await.expect(StatusCode::OK);
    assert_eq!(health.body, "ok\n");

    site.get("/").await.expect(StatusCode::OK);
    let metrics = site.get("/metrics").await.expect(StatusCode::OK);
    assert!(metrics.header("content-type").starts_with("text/plain"));
    let line = metrics
        .body
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total{")
                && l.contains("route=\"/\"")
                && l.contains("method=\"GET\"")
                && l.contains("status=\"200\"")
        })
        .unwrap_or_else(|| panic!("no count of GET / in:\n{}", metrics.body));
    let count: f64 = line
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(count >= 1.0);
    assert!(metrics.body.contains("http_request_duration_seconds"));
    assert!(metrics.body.contains("db_pool_connections"));
}

#[tokio::test]
async fn requests_are_counted_by_route_not_by_address() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    site.get(&format!("/task-forces/{tf}/mous"))
        .await
        .expect(StatusCode::OK);
    let metrics = site.get("/metrics").await.expect(StatusCode::OK);
    assert!(
        metrics.body.contains("route=\"/task-forces/{tf}/mous\""),
        "{}",
        metrics.body
    );
    assert!(
        !metrics.body.contains(&tf.to_string()),
        "ids must not become metric labels"
    );
}

#[tokio::test]
async fn security_headers_on_pages_api_errors_and_files() {
    let site = Site::demo().await;
    let tf = site.task_force_id(NORTH_DAKOTA).await;
    let replies = [
        site.get("/").await.expect(StatusCode::OK),
        site.get(&format!("/task-forces/{tf}/regions"))
            .await
            .expect(StatusCode::OK),
        site.get("/nowhere").await.expect(StatusCode::NOT_FOUND),
        site.get("/task-forces/x")
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY),
        site.api(Method::GET, "/api/v1/task-forces", None, &[])
            .await
            .expect(StatusCode::OK),
        site.api(Method::GET, "/api/v1/task-forces/x", None, &[])
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY),
        site.api(Method::POST, "/api/v1/task-forces", Some("[]"), &[])
            .await
            .expect(StatusCode::UNPROCESSABLE_ENTITY),
        site.get("/api/openapi.json").await.expect(StatusCode::OK),
        site.get("/static/app.css").await.expect(StatusCode::OK),
        site.get("/healthz").await.expect(StatusCode::OK),
    ];
    for reply in &replies {
        let csp = reply.header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(reply.header("x-content-type-options"), "nosniff");
        assert_eq!(reply.header("referrer-policy"), "no-referrer");
        assert_eq!(reply.header("x-frame-options"), "DENY");
    }
    // Pages and API answers are not cached; static files may be.
    assert_eq!(replies[0].header("cache-control"), "no-store");
    assert_eq!(replies[4].header("cache-control"), "no-store");
    assert!(replies[8].header("cache-control").starts_with("public"));
}

#[tokio::test]
async fn static_files_are_served_with_their_type() {
    let site = Site::empty().await;
    let css = site.get("/static/app.css").await.expect(StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    assert_eq!(css.bytes, include_bytes!("../../static/app.css"));

    let htmx = site
        .get("/static/vendor/htmx.min.js")
        .await
        .expect(StatusCode::OK);
    let kind = htmx.header("content-type");
    assert!(
        kind == "text/javascript" || kind == "application/javascript",
        "{kind}"
    );
    assert_eq!(
        htmx.bytes,
        include_bytes!("../../static/vendor/htmx.min.js")
    );

    // Every page refers to these two files by the path they are served at.
    let home = site.get("/").await.expect(StatusCode::OK);
    assert!(home.body.contains("href=\"/static/app.css\""));
    assert!(home.body.contains("src=\"/static/vendor/htmx.min.js\""));

    site.get("/static/missing.js")
        .await
        .expect(StatusCode::NOT_FOUND);
    site.get("/static/../Cargo.toml")
        .await
        .expect(StatusCode::NOT_FOUND);
}
