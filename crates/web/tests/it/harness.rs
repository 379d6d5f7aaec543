//! A real router over a real SQLite database in a temporary folder, and small readers of what it
//! answers (status, headers, HTML pieces, JSON).

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::TimeZone;
use http_body_util::BodyExt;
use std::sync::Arc;
use taskforce_app::{demo, App, FixedClock};
use taskforce_domain::TaskForceId;
use taskforce_store::{Create, DatabaseUrl, Store};
use tempfile::TempDir;
use tower::ServiceExt;

pub const NORTH_DAKOTA: &str = "North Dakota Human Trafficking Task Force";
pub const COOK_COUNTY: &str = "Cook County Human Trafficking Task Force";

/// The whole web application on its own database.
pub struct Site {
    pub app: App,
    router: Router,
    _dir: TempDir,
}

async fn open_store(dir: &TempDir) -> Store {
    let url = DatabaseUrl::Sqlite(dir.path().join("taskforce.db"));
    let store = Store::open(&url, Create::IfMissing)
        .await
        .expect("open the SQLite database");
    store.migrate().await.expect("migrate");
    store
}

impl Site {
    /// The demo network (four task forces), seeded through the use cases.
    pub async fn demo() -> Self {
        let dir = TempDir::new().expect("temp dir");
        let store = open_store(&dir).await;
        let app = demo::demo_app(store);
        demo::seed(&app).await.expect("seed the demo network");
        Self {
            router: taskforce_web::router(app.clone()),
            app,
            _dir: dir,
        }
    }

    /// An empty database, with a fixed clock.
    pub async fn empty() -> Self {
        let dir = TempDir::new().expect("temp dir");
        let store = open_store(&dir).await;
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 30, 0)
            .single()
            .expect("a valid instant");
        let app = App::new(store, Arc::new(FixedClock::new(at)), [7u8; 32]);
        Self {
            router: taskforce_web::router(app.clone()),
            app,
            _dir: dir,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router always answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read the body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(
            Request::get(path)
                .body(Body::empty())
                .expect("a valid request"),
        )
        .await
    }

    /// Submits an HTML form (`application/x-www-form-urlencoded`), fields in order.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form_body(fields);
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("a valid request"),
        )
        .await
    }

    /// A JSON API call; `headers` are added as given.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_owned()));
        self.send(request.body(body).expect("a valid request"))
            .await
    }

    pub async fn task_force_id(&self, name: &str) -> TaskForceId {
        self.app
            .task_forces()
            .await
            .expect("list task forces")
            .into_iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no task force named {name}"))
            .id
    }
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        out.append_pair(name, value);
    }
    out.finish()
}

/// What the router answered.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("a text header"))
            .unwrap_or_else(|| panic!("no {name} header; headers: {:?}", self.headers))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The text of the page's `<h1>`.
    pub fn h1(&self) -> String {
        between(&self.body, "<h1>", "</h1>")
            .map(unescape)
            .unwrap_or_else(|| panic!("no <h1> in:\n{}", self.body))
    }

    /// Asserts the status, showing the body when it is not the expected one.
    pub fn expect(self, status: StatusCode) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body:\n{}",
            self.body
        );
        self
    }

    /// The error shown beside a form field (`<p class="error" id="error-NAME">`).
    pub fn field_error(&self, field: &str) -> Option<String> {
        let open = format!("<p class=\"error\" id=\"error-{field}\">");
        between(&self.body, &open, "</p>").map(unescape)
    }

    /// The entries of the error summary at the top of a refused form.
    pub fn summary(&self) -> Vec<String> {
        let Some(summary) = between(&self.body, "<div class=\"error-summary\"", "</div>") else {
            return Vec::new();
        };
        summary
            .split("<li>")
            .skip(1)
            .filter_map(|item| between(item, "\">", "</a>"))
            .map(unescape)
            .collect()
    }

    /// The number of data rows of the page's table.
    pub fn table_rows(&self) -> usize {
        between(&self.body, "<tbody>", "</tbody>").map_or(0, |t| t.matches("<tr>").count())
    }

    /// The link texts of the first column of the page's table.
    pub fn first_column(&self) -> Vec<String> {
        let Some(body) = between(&self.body, "<tbody>", "</tbody>") else {
            return Vec::new();
        };
        body.split("<tr><td>")
            .skip(1)
            .filter_map(|row| {
                let cell = row.split("</td>").next()?;
                Some(match between(cell, "\">", "</a>") {
                    Some(text) => unescape(text),
                    None => unescape(cell),
                })
            })
            .collect()
    }
}

pub fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// HTML text as a person reads it.
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
        .trim()
        .to_owned()
}
