//! A real router over a real database (SQLite in a temporary folder, or a fresh PostgreSQL
//! database when `TASKFORCE_TEST_POSTGRES` names a server), members who sign in through the real
//! HTTP flow (password, then an authenticator code computed from the app's clock), and small
//! readers of what the router answers (status, headers, HTML pieces, JSON).

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::TimeZone;
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use taskforce_app::{demo, Actor, App, FixedClock, RelyingParty};
use taskforce_domain::access::Principal;
use taskforce_domain::identity::TokenScope;
use taskforce_domain::structure::{
    Member, MemberInput, Membership, OrganizationInput, OrganizationKind, Role, TaskForceInput,
};
use taskforce_domain::{OrganizationId, TaskForceId};
use taskforce_store::audit::AuditRow;
use taskforce_store::{Create, DatabaseUrl, Store};
use taskforce_web::WebConfig;
use tempfile::TempDir;
use tower::ServiceExt;

pub const NORTH_DAKOTA: &str = "North Dakota Human Trafficking Task Force";
pub const COOK_COUNTY: &str = "Cook County Human Trafficking Task Force";

/// The operator's side door: reads and setup done as the system, not through the policy.
pub const SYSTEM: Actor = Actor::System("test");

/// The password of the network-staff member of [`Site::empty`].
pub const BOOTSTRAP_PASSWORD: &str = "juniper-sextant-harbour-quill";
pub const BOOTSTRAP_EMAIL: &str = "avery.staff@tta.example";

/// The PostgreSQL server to test against, if configured (`.ci/run` sets it).
pub fn postgres_server() -> Option<String> {
    std::env::var("TASKFORCE_TEST_POSTGRES")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// Where a site's data lives; removed when the site is dropped.
enum Db {
    Sqlite(#[allow(dead_code)] TempDir),
    Postgres { server: String, name: String },
}

impl Drop for Db {
    fn drop(&mut self) {
        let Db::Postgres { server, name } = self else {
            return;
        };
        let (server, name) = (server.clone(), name.clone());
        // Dropped inside a test's runtime: do the async work on a thread of its own. Never
        // panics (a panic while a failed test unwinds would abort the run).
        let done = std::thread::spawn(move || {
            use sqlx::{Connection, Executor};
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                sqlx::any::install_default_drivers();
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&server).await {
                    let _ = conn
                        .execute(
                            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str(),
                        )
                        .await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = done.join();
    }
}

fn unique(prefix: &str) -> String {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The server's URL with `database` in place of its database name.
fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = base[scheme_end..]
        .find('/')
        .map_or(base, |i| &base[..scheme_end + i]);
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}

async fn open_store() -> (Store, Db) {
    let (url, db) = match postgres_server() {
        Some(server) => {
            let name = unique("tf_web");
            let url = DatabaseUrl::parse(&replace_database(&server, &name)).expect("postgres url");
            (url, Db::Postgres { server, name })
        }
        None => {
            let dir = TempDir::new().expect("temp dir");
            (
                DatabaseUrl::Sqlite(dir.path().join("taskforce.db")),
                Db::Sqlite(dir),
            )
        }
    };
    let store = Store::open(&url, Create::IfMissing)
        .await
        .expect("open the database");
    store.migrate().await.expect("migrate");
    (store, db)
}

/// A browser session: the cookie's value and the form token that goes with it.
#[derive(Clone, Debug)]
pub struct Session {
    pub email: String,
    pub cookie: String,
    pub csrf: String,
}

/// Who sends a request.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    Session(Session),
    /// A personal access token, sent as `Authorization: Bearer`.
    Token(String),
}

impl From<&Session> for Caller {
    fn from(session: &Session) -> Self {
        Caller::Session(session.clone())
    }
}

/// The whole web application on its own database, with a clock the test moves.
pub struct Site {
    pub app: App,
    pub clock: Arc<FixedClock>,
    router: Router,
    /// Pages act as this member unless told otherwise; the API uses their write token.
    pub default_email: String,
    /// Each member's authenticator secret, once enrolled.
    secrets: Mutex<HashMap<String, String>>,
    /// The latest session of each member signed in here (a new sign-in ends the previous one).
    sessions: Mutex<HashMap<String, Session>>,
    /// A write token per member, made on first use.
    tokens: Mutex<HashMap<String, String>>,
    /// The organization a member acts in here, when not the one a sign-in starts in.
    acting: Mutex<HashMap<String, OrganizationId>>,
    _db: Db,
}

impl Site {
    fn new(app: App, clock: Arc<FixedClock>, db: Db, default_email: String) -> Self {
        Self {
            router: taskforce_web::router(app.clone()),
            app,
            clock,
            default_email,
            secrets: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            acting: Mutex::new(HashMap::new()),
            _db: db,
        }
    }

    /// The demo network (four task forces, every member with an account), seeded through the
    /// use cases, on a clock the test can move. Pages act as North Dakota's coordinator.
    pub async fn demo() -> Self {
        let (store, db) = open_store().await;
        let clock = Arc::new(FixedClock::new(demo::demo_epoch()));
        let app = App::new(store, clock.clone(), demo::DEMO_SEED)
            .with_relying_party(
                RelyingParty::new("http://localhost:8080").expect("a relying party"),
            )
            .with_keyring(test_keyring());
        demo::seed_network(&app)
            .await
            .expect("seed the demo network");
        let mut site = Self::new(app, clock, db, String::new());
        site.default_email = site
            .member_for_role(NORTH_DAKOTA, Role::Coordinator)
            .await
            .email;
        site
    }

    /// A database with no task force of the demo: only a network office (one task force, its
    /// technical-assistance provider and one network-staff member with an account, who may set
    /// up task forces), on a fixed clock. Pages act as that member.
    pub async fn empty() -> Self {
        let (store, db) = open_store().await;
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 30, 0)
            .single()
            .expect("a valid instant");
        let clock = Arc::new(FixedClock::new(at));
        let app = App::new(store, clock.clone(), [7u8; 32]).with_keyring(test_keyring());
        let office = app
            .create_task_force(
                &SYSTEM,
                TaskForceInput {
                    name: "Network Office".into(),
                    state: "DC".into(),
                    counties: Vec::new(),
                    population_served: None,
                    description: String::new(),
                },
            )
            .await
            .expect("the network office");
        let tta = app
            .create_organization(
                &SYSTEM,
                office.id,
                OrganizationInput {
                    name: "National TTA Center".into(),
                    kind: OrganizationKind::TechnicalAssistanceProvider,
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
            .expect("the TTA provider");
        let staff = app
            .create_member(
                &SYSTEM,
                office.id,
                MemberInput {
                    name: "Avery Staff".into(),
                    email: BOOTSTRAP_EMAIL.into(),
                    active: true,
                    memberships: vec![Membership {
                        organization_id: tta.id,
                        roles: vec![Role::NetworkStaff],
                    }],
                    ..Default::default()
                },
            )
            .await
            .expect("the network-staff member");
        app.create_account(&SYSTEM, office.id, staff.id, BOOTSTRAP_PASSWORD, None)
            .await
            .expect("an account");
        Self::new(app, clock, db, BOOTSTRAP_EMAIL.into())
    }

    /// Serves the same application with another web configuration (TLS, limits).
    pub fn reconfigure(&mut self, config: WebConfig) {
        self.router = taskforce_web::router_with(self.app.clone(), config);
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

    /// A request as `caller`: its cookie or its token.
    /// A multipart form (file uploads) as `caller`: text fields, then one file.
    pub async fn post_multipart_as(
        &self,
        caller: &Caller,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Reply {
        let boundary = "----taskforce-test-boundary";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        let (name, file_name, content) = file;
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            Self::request(caller, Method::POST, path)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .expect("a valid request"),
        )
        .await
    }

    fn request(caller: &Caller, method: Method, path: &str) -> axum::http::request::Builder {
        let request = Request::builder().method(method).uri(path);
        match caller {
            Caller::Anonymous => request,
            Caller::Session(s) => {
                request.header(header::COOKIE, format!("taskforce_session={}", s.cookie))
            }
            Caller::Token(t) => request.header(header::AUTHORIZATION, format!("Bearer {t}")),
        }
    }

    // -- as the default member ------------------------------------------------------------------

    /// The default member's session (signed in on first use).
    pub async fn default_session(&self) -> Session {
        self.session(&self.default_email.clone()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        let caller = Caller::Session(self.default_session().await);
        self.get_as(&caller, path).await
    }

    /// Submits an HTML form (`application/x-www-form-urlencoded`), fields in order, with the
    /// session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let caller = Caller::Session(self.default_session().await);
        self.post_form_as(&caller, path, fields).await
    }

    /// A JSON API call with the default member's write token; `headers` are added as given.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let token = self.token(&self.default_email.clone()).await;
        self.api_as(&Caller::Token(token), method, path, body, headers)
            .await
    }

    // -- as anyone ------------------------------------------------------------------------------

    pub async fn get_as(&self, caller: &Caller, path: &str) -> Reply {
        self.send(
            Self::request(caller, Method::GET, path)
                .body(Body::empty())
                .expect("a valid request"),
        )
        .await
    }

    /// A form as `caller`; a session's CSRF token is added unless the fields carry one.
    pub async fn post_form_as(
        &self,
        caller: &Caller,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if let Caller::Session(s) = caller {
            if !fields.iter().any(|(name, _)| *name == "csrf") {
                all.insert(0, ("csrf", s.csrf.as_str()));
            }
        }
        self.post_raw(caller, path, &all).await
    }

    /// A form as `caller`, exactly as given (no CSRF token added).
    pub async fn post_raw(&self, caller: &Caller, path: &str, fields: &[(&str, &str)]) -> Reply {
        self.send(
            Self::request(caller, Method::POST, path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form_body(fields)))
                .expect("a valid request"),
        )
        .await
    }

    pub async fn api_as(
        &self,
        caller: &Caller,
        method: Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Self::request(caller, method, path);
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

    // -- signing in -----------------------------------------------------------------------------

    /// The password of `email` (the demo's, or the network office's).
    pub fn password_of(email: &str) -> &'static str {
        if email == BOOTSTRAP_EMAIL {
            BOOTSTRAP_PASSWORD
        } else {
            demo::DEMO_PASSWORD
        }
    }

    /// The member's latest session here, signing in when there is none yet.
    pub async fn session(&self, email: &str) -> Session {
        let cached = self.sessions.lock().expect("lock").get(email).cloned();
        match cached {
            Some(session) => session,
            None => self.sign_in_as(email).await,
        }
    }

    /// Signs `email` in through the pages: password, then the second factor (enrolling an
    /// authenticator at the first sign-in). Ends the member's previous session.
    pub async fn sign_in_as(&self, email: &str) -> Session {
        let session = self.sign_in_with(email, Self::password_of(email)).await;
        let acting = self.acting.lock().expect("lock").get(email).copied();
        if let Some(organization) = acting {
            if self.principal_of(&session).await.organization_id != organization {
                self.post_form_as(
                    &Caller::Session(session.clone()),
                    "/account/organization",
                    &[("organization_id", &organization.to_string())],
                )
                .await
                .expect(StatusCode::SEE_OTHER);
            }
        }
        self.sessions
            .lock()
            .expect("lock")
            .insert(email.to_owned(), session.clone());
        session
    }

    /// Signs in with a given password (after a change of password, for instance).
    pub async fn sign_in_with(&self, email: &str, password: &str) -> Session {
        let pending = self.password_step(email, password).await;
        self.second_factor_step(&pending).await;
        pending
    }

    /// The first step only: a session that still owes its second factor.
    pub async fn password_step(&self, email: &str, password: &str) -> Session {
        let reply = self
            .post_raw(
                &Caller::Anonymous,
                "/sign-in",
                &[("email", email), ("password", password), ("next", "/")],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "{email} could not sign in: {}",
            reply.body
        );
        assert_eq!(reply.header("location"), "/sign-in/second-factor?next=%2F");
        let cookie = reply.session_cookie().expect("a session cookie");
        let mut session = Session {
            email: email.to_owned(),
            cookie,
            csrf: String::new(),
        };
        let page = self
            .get_as(&Caller::Session(session.clone()), "/sign-in/second-factor")
            .await
            .expect(StatusCode::OK);
        session.csrf = csrf_of(&page);
        if let Some(secret) = between(&page.body, "id=\"totp-secret\">", "</code>") {
            self.secrets
                .lock()
                .expect("lock")
                .insert(email.to_owned(), secret.trim().to_owned());
        }
        session
    }

    /// Gives the authenticator code for a session that owes it; answers the recovery codes
    /// when this was the enrolment.
    pub async fn second_factor_step(&self, pending: &Session) -> Vec<String> {
        let code = self.totp_code(&pending.email);
        let reply = self
            .post_form_as(
                &Caller::Session(pending.clone()),
                "/sign-in/second-factor?next=%2F",
                &[("code", &code)],
            )
            .await;
        match reply.status {
            StatusCode::OK => {
                let list = between(&reply.body, "id=\"recovery-codes\">", "</ul>")
                    .expect("recovery codes after enrolment");
                list.split("<code>")
                    .skip(1)
                    .filter_map(|c| c.split("</code>").next())
                    .map(str::to_owned)
                    .collect()
            }
            StatusCode::SEE_OTHER => {
                assert_eq!(reply.header("location"), "/");
                Vec::new()
            }
            other => panic!(
                "the second factor of {} was refused ({other}): {}",
                pending.email, reply.body
            ),
        }
    }

    /// The member's authenticator secret, once they enrolled here.
    pub fn secret_of(&self, email: &str) -> Option<String> {
        self.secrets.lock().expect("lock").get(email).cloned()
    }

    /// Forgets the member's authenticator (after an administrator reset it).
    pub fn forget_secret(&self, email: &str) {
        self.secrets.lock().expect("lock").remove(email);
    }

    /// The code the member's authenticator app shows at the app's time.
    pub fn totp_code(&self, email: &str) -> String {
        let secret = self
            .secret_of(email)
            .unwrap_or_else(|| panic!("{email} has no authenticator here"));
        totp_at(&secret, email, self.app.clock().now())
    }

    // -- members and tokens ---------------------------------------------------------------------

    pub async fn task_force_id(&self, name: &str) -> TaskForceId {
        self.app
            .task_forces(&SYSTEM)
            .await
            .expect("list task forces")
            .into_iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no task force named {name}"))
            .id
    }

    /// A member of the task force who holds `role`: one who holds only that role where the demo
    /// has one, else the one with the fewest other roles. From now on they act here in the
    /// organization where they hold it (switching to it after each sign-in when needed).
    pub async fn member_for_role(&self, task_force: &str, role: Role) -> Member {
        let tf = self.task_force_id(task_force).await;
        let members = self.app.members(&SYSTEM, tf).await.expect("members");
        let (member, organization) = members
            .into_iter()
            .filter_map(|m| {
                let held = m.memberships.iter().find(|x| x.roles.contains(&role))?;
                let others: usize = m.memberships.iter().map(|x| x.roles.len()).sum::<usize>() - 1;
                Some(((held.roles.len(), others), held.organization_id, m))
            })
            .min_by_key(|(rank, _, m)| (*rank, m.email.clone()))
            .map(|(_, organization, m)| (m, organization))
            .unwrap_or_else(|| panic!("{task_force} has no member holding {role:?}"));
        self.acting
            .lock()
            .expect("lock")
            .insert(member.email.clone(), organization);
        member
    }

    /// The principal behind a session.
    pub async fn principal_of(&self, session: &Session) -> Principal {
        self.app
            .session(&session.cookie, "test")
            .await
            .expect("read the session")
            .unwrap_or_else(|| panic!("the session of {} has ended", session.email))
            .1
    }

    /// The principal a member acts as here (second factor done): in the organization chosen by
    /// [`Site::member_for_role`], else the one a sign-in starts in.
    pub async fn principal(&self, email: &str) -> Principal {
        let first = self
            .app
            .principal_for_email(email, "test")
            .await
            .unwrap_or_else(|e| panic!("no principal for {email}: {e}"));
        let acting = self.acting.lock().expect("lock").get(email).copied();
        let Some(organization) = acting.filter(|o| *o != first.organization_id) else {
            return first;
        };
        let tf = first.task_force_id;
        let member = self
            .app
            .member(&SYSTEM, tf, first.member_id)
            .await
            .expect("the member");
        let org = self
            .app
            .organization(&SYSTEM, tf, organization)
            .await
            .expect("the organization");
        Principal {
            organization_id: org.id,
            organization_name: org.name,
            organization_kind: org.kind,
            roles: member
                .memberships
                .iter()
                .find(|m| m.organization_id == organization)
                .map(|m| m.roles.clone())
                .unwrap_or_default(),
            ..first
        }
    }

    /// A new personal access token of the member.
    pub async fn new_token(&self, email: &str, scope: TokenScope, days: Option<i64>) -> String {
        let owner = self.principal(email).await;
        let (_, secret) = self
            .app
            .create_token(&Actor::Member(owner.clone()), &owner, "test", scope, days)
            .await
            .expect("create a token");
        secret
    }

    /// The member's write token (made on first use).
    pub async fn token(&self, email: &str) -> String {
        let cached = self.tokens.lock().expect("lock").get(email).cloned();
        match cached {
            Some(token) => token,
            None => {
                let token = self.new_token(email, TokenScope::Write, None).await;
                self.tokens
                    .lock()
                    .expect("lock")
                    .insert(email.to_owned(), token.clone());
                token
            }
        }
    }

    /// A token of the member's, by scope: `Caller::Token`.
    pub async fn token_for(&self, email: &str, scope: TokenScope) -> Caller {
        match scope {
            TokenScope::Write => Caller::Token(self.token(email).await),
            TokenScope::Read => Caller::Token(self.new_token(email, scope, None).await),
        }
    }

    // -- the audit log --------------------------------------------------------------------------

    /// The `seq` of the last audit entry written so far.
    pub async fn audit_head(&self) -> u64 {
        let mut conn = self.app.store().conn().await.expect("a connection");
        taskforce_store::audit::head(&mut conn)
            .await
            .expect("the audit head")
            .last_seq
    }

    /// The audit entries written after `seq`.
    pub async fn audit_after(&self, seq: u64) -> Vec<taskforce_domain::audit::StoredAuditEntry> {
        let mut conn = self.app.store().conn().await.expect("a connection");
        let rows: Vec<AuditRow> = taskforce_store::audit::entries_after(&mut conn, seq, 10_000)
            .await
            .expect("audit entries");
        rows.into_iter()
            .map(|row| row.expect("a readable entry"))
            .collect()
    }
}

/// The code an authenticator app shows for `secret` at `at`.
pub fn totp_at(secret: &str, email: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("a base32 secret");
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Taskforce".into()),
        email.to_owned(),
    )
    .expect("a TOTP");
    totp.generate(u64::try_from(at.timestamp()).expect("after 1970"))
}

/// The hidden CSRF field of a page's first form.
pub fn csrf_of(reply: &Reply) -> String {
    between(&reply.body, "name=\"csrf\" value=\"", "\"")
        .unwrap_or_else(|| panic!("no csrf field in:\n{}", reply.body))
        .to_owned()
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

    /// The `Set-Cookie` header of the session cookie, if any.
    pub fn set_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("taskforce_session="))
            .map(str::to_owned)
    }

    /// The session cookie's value, when the answer sets one.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie()
            .and_then(|c| {
                c.strip_prefix("taskforce_session=")
                    .and_then(|rest| rest.split(';').next())
                    .map(str::to_owned)
            })
            .filter(|v| !v.is_empty())
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

    /// Asserts a redirect to the sign-in page (the session is gone or was never there).
    pub fn expect_sign_in(self) -> Self {
        assert_eq!(
            self.status,
            StatusCode::SEE_OTHER,
            "expected a redirect to sign in; body:\n{}",
            self.body
        );
        assert!(
            self.header("location").starts_with("/sign-in?next="),
            "{}",
            self.header("location")
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

/// A master key for tests (encryption at rest needs one).
pub fn test_keyring() -> taskforce_app::Keyring {
    taskforce_app::Keyring::new(
        taskforce_app::MasterKey::from_bytes(&[42u8; 32]).expect("a master key"),
        Vec::new(),
    )
}
