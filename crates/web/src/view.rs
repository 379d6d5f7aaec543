//! Page structs (one per screen shape) and the pieces they are built from.

use askama::Template;
use axum::http::{header, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use taskforce_domain::Invalid;

/// Renders a template; a template error becomes a plain 500 (templates are compiled, so this is
/// a bug, never user input).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side.",
            )
                .into_response()
        }
    }
}

/// One CSV field, always quoted; a leading `=`, `+`, `-` or `@` is neutralised so that a
/// spreadsheet opening the file never runs it as a formula.
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A piece of text, linked or not.
#[derive(Clone, Debug)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: None,
        }
    }
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: Some(href.into()),
        }
    }
}

/// One labelled row of a record page; several cells are shown as a list.
pub struct Row {
    pub label: &'static str,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn new(label: &'static str, cells: Vec<Cell>) -> Self {
        Self { label, cells }
    }
    pub fn text(label: &'static str, text: impl Into<String>) -> Self {
        let text = text.into();
        Self {
            label,
            cells: if text.is_empty() {
                Vec::new()
            } else {
                vec![Cell::text(text)]
            },
        }
    }
}

/// What every page shows around its content: where you are, a notice, who is signed in.
#[derive(Default)]
pub struct Chrome {
    pub crumbs: Vec<Cell>,
    pub notice: Option<String>,
    pub viewer: Option<ViewerBar>,
}

/// The signed-in member, in the page header.
pub struct ViewerBar {
    pub name: String,
    pub organization: String,
    pub csrf: String,
    pub accounts: bool,
    pub access_review: bool,
    pub audit: bool,
    /// Case records and search (any kind of case the roles may list).
    pub cases: bool,
    /// Referrals (inbox, outbox, region queue).
    pub referrals: bool,
    /// The navigator's regions (navigators and the coordinator).
    pub navigator: bool,
    /// Case reviews (multidisciplinary team meetings).
    pub reviews: bool,
    /// Target deconfliction alerts.
    pub deconfliction: bool,
    /// Planned operations and deconfliction.
    pub operations: bool,
}

impl Chrome {
    pub fn new(viewer: &crate::auth::Viewer, crumbs: Vec<Cell>, notice: Option<String>) -> Self {
        use taskforce_domain::access::{decide, Action, Resource, ResourceKind};
        let p = &viewer.principal;
        let may = |kind, action| {
            decide(
                p,
                action,
                &Resource::in_task_force(kind, p.task_force_id),
                viewer.now,
            )
            .allowed
        };
        Self {
            crumbs,
            notice,
            viewer: Some(ViewerBar {
                name: p.name.clone(),
                organization: p.organization_name.clone(),
                csrf: viewer.session.csrf_token.clone(),
                accounts: may(ResourceKind::Account, Action::List),
                access_review: may(ResourceKind::AccessReview, Action::Read),
                audit: may(ResourceKind::AuditLog, Action::List),
                cases: [
                    ResourceKind::Investigation,
                    ResourceKind::ServiceCase,
                    ResourceKind::Prosecution,
                ]
                .into_iter()
                .any(|k| may(k, Action::List)),
                referrals: may(ResourceKind::Referral, Action::List),
                navigator: may(ResourceKind::ReferralReport, Action::Read),
                reviews: may(ResourceKind::CaseReview, Action::List),
                deconfliction: may(ResourceKind::Deconfliction, Action::List),
                operations: may(ResourceKind::Operation, Action::List),
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub can_create: bool,
    pub task_forces: Vec<TaskForceCard>,
}

pub struct TaskForceCard {
    pub id: String,
    pub name: String,
    pub state_name: String,
    pub county_count: usize,
    pub population: Option<String>,
}

#[derive(Template)]
#[template(path = "task_force.html")]
pub struct TaskForcePage {
    pub chrome: Chrome,
    pub can_edit: bool,
    pub id: String,
    pub name: String,
    pub description: String,
    pub state_name: String,
    pub population: String,
    pub counties: String,
    pub sections: Vec<Section>,
    /// The viewer's role reads the threat assessment (a link to it is shown).
    pub threat: bool,
    /// The viewer reviews possible duplicates / reads the unduplicated victim count.
    pub duplicates: bool,
    pub victim_count: bool,
}

pub struct Section {
    pub text: &'static str,
    pub href: String,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "table.html")]
pub struct TablePage {
    pub chrome: Chrome,
    pub title: String,
    pub intro: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    pub empty: &'static str,
    pub new: Option<Cell>,
}

#[derive(Template)]
#[template(path = "detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub title: String,
    pub rows: Vec<Row>,
    pub edit: Option<Cell>,
}

/// One input of a form.
pub struct Field {
    pub name: String,
    pub label: String,
    /// `text`, `email`, `tel`, `url`, `number`, `date`, `textarea`, `select`, `checkbox`, `checkboxes`.
    pub kind: &'static str,
    pub value: String,
    pub values: Vec<String>,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub hint: String,
    pub error: Option<String>,
    /// For a select that reloads another field when changed: (URL to get, id of the field to replace).
    pub htmx: Option<(String, String)>,
}

impl Field {
    pub fn new(
        name: impl Into<String>,
        label: impl Into<String>,
        kind: &'static str,
        value: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            label: label.into(),
            kind,
            value: value.into(),
            values: Vec::new(),
            options: Vec::new(),
            required: false,
            hint: String::new(),
            error: None,
            htmx: None,
        }
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }
    pub fn options(mut self, options: Vec<(String, String)>) -> Self {
        self.options = options;
        self
    }
    pub fn values(mut self, values: Vec<String>) -> Self {
        self.values = values;
        self
    }
    pub fn checked(name: &str, label: &str, on: bool) -> Self {
        Self::new(name, label, "checkbox", if on { "yes" } else { "" })
    }
    /// Whether `option` is among the checked values (for `checkboxes`).
    pub fn has(&self, option: &str) -> bool {
        self.values.iter().any(|v| v == option)
    }
}

/// An entry of the error summary at the top of a refused form.
pub struct Problem {
    pub anchor: String,
    pub label: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub title: String,
    pub action: String,
    pub cancel: String,
    pub submit: &'static str,
    pub version: Option<i64>,
    pub fields: Vec<Field>,
    pub problems: Vec<Problem>,
}

impl FormPage {
    /// Puts each error beside its field (the field named, or the group it belongs to) and in the
    /// summary; errors for fields the form does not show are summarised at the first field.
    pub fn with_errors(mut self, invalid: &Invalid) -> Self {
        for error in &invalid.errors {
            let base = field_base(&error.field);
            let index = self
                .fields
                .iter()
                .position(|f| f.name == error.field || f.name == base)
                .or_else(|| {
                    self.fields
                        .iter()
                        .position(|f| f.name.starts_with(&error.field))
                })
                .unwrap_or(0);
            let Some(field) = self.fields.get_mut(index) else {
                continue;
            };
            field.error = Some(match field.error.take() {
                Some(previous) => format!("{previous}; {}", error.message),
                None => error.message.clone(),
            });
            self.problems.push(Problem {
                anchor: format!("field-{}", field.name),
                label: field.label.clone(),
                message: error.message.clone(),
            });
        }
        self
    }
}

/// `counties[3]` → `counties`: errors about one item of a list belong to the list's field.
fn field_base(name: &str) -> &str {
    match name.rfind('[') {
        Some(i) if name.ends_with(']') => &name[..i],
        _ => name,
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
    pub back: String,
    pub back_text: String,
}

impl ErrorPage {
    pub fn new(title: &str, message: String) -> Self {
        Self {
            chrome: Chrome::default(),
            title: title.to_owned(),
            message,
            back: "/".into(),
            back_text: "Go to the list of task forces".into(),
        }
    }
}

/// The placeholder templates put where the request's CSP nonce goes (`<script nonce=…>`).
pub const NONCE_PLACEHOLDER: &str = "__CSP_NONCE__";

/// Security headers on every response, with a fresh CSP nonce per request written into the
/// page's script tags; HSTS when the server speaks TLS.
pub async fn security_headers(
    request: Request<axum::body::Body>,
    next: Next,
    tls: bool,
) -> Response {
    let mut nonce_bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce_bytes);
    let nonce = hex::encode(nonce_bytes);
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let mut response = if is_html {
        let (mut parts, body) = response.into_parts();
        match axum::body::to_bytes(body, 16 * 1024 * 1024).await {
            Ok(bytes) => {
                let html = String::from_utf8_lossy(&bytes).replace(NONCE_PLACEHOLDER, &nonce);
                parts.headers.remove(header::CONTENT_LENGTH);
                Response::from_parts(parts, axum::body::Body::from(html))
            }
            Err(_) => {
                return (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.",
                )
                    .into_response()
            }
        }
    } else {
        response
    };
    let headers = response.headers_mut();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub chrome: Chrome,
    pub banner: String,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
}

pub struct Enrolment {
    pub qr_svg: String,
    pub secret: String,
}

#[derive(Template)]
#[template(path = "second_factor.html")]
pub struct SecondFactorPage {
    pub chrome: Chrome,
    pub title: &'static str,
    pub action: String,
    pub csrf: String,
    pub email: String,
    pub enrol: Option<Enrolment>,
    pub error: Option<String>,
    /// Where to go once the second factor is given.
    pub next: String,
    /// The account has an authenticator app (its codes are asked for).
    pub app_codes: bool,
    /// Offer enrolling a security key instead of the app.
    pub key_enrol: bool,
    /// Offer signing in with a registered security key.
    pub key_sign_in: bool,
    /// Why the security key did not work, if it did not.
    pub key_error: Option<String>,
    /// The only origin where keys work (the page's script says so elsewhere).
    pub key_origin: String,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub chrome: Chrome,
    pub codes: Vec<String>,
    pub next: String,
    /// What was set up: "authenticator app", "security key".
    pub factor: &'static str,
}

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scope: &'static str,
    pub expires: String,
    pub status: &'static str,
    pub revocable: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub name: String,
    pub email: String,
    pub organization: String,
    pub roles: String,
    /// (id, name, is the acting one)
    pub organizations: Vec<(String, String, bool)>,
    pub tokens: Vec<TokenRow>,
    pub new_token: Option<String>,
    pub password_error: Option<String>,
    pub token_error: Option<String>,
    pub security_keys: Vec<SecurityKeyRow>,
    /// Security keys are offered on this server.
    pub can_add_key: bool,
    pub key_error: Option<String>,
    /// The only origin where keys work (the page's script says so elsewhere).
    pub key_origin: String,
}

/// One of the member's security keys, on their account page.
pub struct SecurityKeyRow {
    pub id: String,
    pub name: String,
    pub added: String,
    pub last_used: String,
}

pub struct AccountRow {
    pub member_id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub factor: &'static str,
    pub last_sign_in: String,
    pub has_account: bool,
    pub has_factor: bool,
    pub disabled: bool,
    /// The account stops working at a set date.
    pub temporary: bool,
}

#[derive(Template)]
#[template(path = "accounts.html")]
pub struct AccountsPage {
    pub chrome: Chrome,
    pub csrf: String,
    /// Sessions a member may hold at once.
    pub max_sessions: i64,
    pub rows: Vec<AccountRow>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "access_review.html")]
pub struct AccessReviewPage {
    pub chrome: Chrome,
    /// member, e-mail, organizations and roles, account, second factor, last sign-in
    pub rows: Vec<(String, String, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub task_force: String,
    pub from: String,
    pub to: String,
    /// seq, time, actor, source, action, object, outcome, detail
    #[allow(clippy::type_complexity)]
    pub entries: Vec<(
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    )>,
    pub more: bool,
    pub verification: Option<String>,
}
