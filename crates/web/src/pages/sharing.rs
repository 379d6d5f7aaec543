//! Pages of victim-centred sharing (C4, C7): a person's consents to share, kept by the
//! organization that holds their record, and each member's own inbox of notifications.

use super::structure::{crumbs, form_page, FormSpec};
use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::forms::FormData;
use crate::view::*;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use taskforce_app::consent::ConsentView;
use taskforce_app::AppError;
use taskforce_domain::access::DataCategory;
use taskforce_domain::consent::*;
use taskforce_domain::notifications::Notification;
use taskforce_domain::structure::Role;
use taskforce_domain::*;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons/{id}/consents", get(consents).post(record))
        .route("/persons/{id}/consents/{consent}/revoke", post(revoke))
        .route(
            "/task-forces/{tf}/consent-settings",
            get(settings).post(save_settings),
        )
        .route("/inbox", get(inbox))
        .route("/inbox/read", post(read_all))
        .route("/inbox/{id}/read", post(read_one))
}

// -- consents ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "consents.html")]
struct ConsentsPage {
    chrome: Chrome,
    csrf: String,
    person_id: String,
    person_name: String,
    consents: Vec<ConsentLine>,
    /// The form to record one (`None`: the viewer may not).
    form: Option<FormPage>,
    max_days: i64,
}

struct ConsentLine {
    id: String,
    version: i64,
    state: &'static str,
    live: bool,
    recipients: String,
    roles: String,
    categories: Vec<&'static str>,
    purpose: String,
    method: &'static str,
    legal_basis: String,
    period: String,
    recorded: String,
    revocation: String,
}

fn line(v: ConsentView) -> ConsentLine {
    let c = &v.consent;
    ConsentLine {
        id: c.id.to_string(),
        version: c.version,
        state: v.state.words(),
        live: matches!(v.state, ConsentState::InForce | ConsentState::NotYetValid),
        recipients: v.recipient_names.join(", "),
        roles: if c.roles.is_empty() {
            "Everyone in those organizations".into()
        } else {
            c.roles
                .iter()
                .map(|r| r.label())
                .collect::<Vec<_>>()
                .join(", ")
        },
        categories: c.categories.iter().map(|c| c.words()).collect(),
        purpose: c.purpose.clone(),
        method: c.method.label(),
        legal_basis: c.legal_basis.clone(),
        period: format!(
            "{} to {} (last day)",
            c.valid_from.format("%Y-%m-%d"),
            (c.valid_until - chrono::Duration::seconds(1)).format("%Y-%m-%d")
        ),
        recorded: format!(
            "by {} on {}",
            c.recorded_by_name,
            c.created_at.format("%Y-%m-%d")
        ),
        revocation: match c.revoked_at {
            Some(at) => format!(
                "Revoked on {}: {}",
                at.format("%Y-%m-%d"),
                c.revocation_reason
            ),
            None => String::new(),
        },
    }
}

fn consent_fields(
    form: &FormData,
    organizations: &[(String, String)],
    holder: OrganizationId,
) -> Vec<Field> {
    let recipients: Vec<(String, String)> = organizations
        .iter()
        .filter(|(id, _)| *id != holder.to_string())
        .cloned()
        .collect();
    vec![
        Field::new("recipients", "Who may receive it", "checkboxes", "")
            .required()
            .options(recipients)
            .values(form.all("recipients")),
        Field::new("categories", "What may be shared", "checkboxes", "")
            .required()
            .options(
                DataCategory::ALL
                    .iter()
                    .map(|c| (c.code().to_owned(), c.words().to_owned()))
                    .collect(),
            )
            .values(form.all("categories")),
        Field::new("roles", "Only these roles (optional)", "checkboxes", "")
            .hint("Leave empty to let everyone in the chosen organizations read it.")
            .options(
                [
                    Role::Investigator,
                    Role::Prosecutor,
                    Role::Advocate,
                    Role::Supervisor,
                    Role::Navigator,
                ]
                .iter()
                .map(|r| (r.code().to_owned(), r.label().to_owned()))
                .collect(),
            )
            .values(form.all("roles")),
        Field::new("purpose", "Purpose", "text", form.text("purpose"))
            .required()
            .hint("In the survivor's words where possible, e.g. \"referral for housing\"."),
        Field::new("method", "How it was given", "select", form.text("method"))
            .required()
            .options(
                std::iter::once((String::new(), "Choose…".to_owned()))
                    .chain(
                        ConsentMethod::ALL
                            .iter()
                            .map(|m| (m.code().to_owned(), m.label().to_owned())),
                    )
                    .collect(),
            ),
        Field::new(
            "legal_basis",
            "Legal basis",
            "text",
            form.text("legal_basis"),
        )
        .hint("Only for a disclosure under a court order or a statute: name it."),
        Field::new("valid_from", "First day", "date", form.text("valid_from"))
            .hint("Today when left empty."),
        Field::new("valid_until", "Last day", "date", form.text("valid_until"))
            .hint("Consent is time-limited: 180 days on when left empty."),
    ]
}

async fn consents_page(
    s: &AppState,
    v: &Viewer,
    person: PersonId,
    form: &FormData,
    invalid: Option<&Invalid>,
) -> Result<ConsentsPage, PageError> {
    let tf = v.principal.task_force_id;
    let view = s.app.person_view(&v.actor, tf, person).await?;
    let list = s.app.consents_of(&v.actor, tf, person).await?;
    let may = view.may_keep_consent;
    let organizations: Vec<(String, String)> = s
        .app
        .organizations(&v.actor, tf)
        .await?
        .into_iter()
        .filter(|o| o.active)
        .map(|o| (o.id.to_string(), o.name))
        .collect();
    let name = view.person.display_name();
    let href = format!("/persons/{person}/consents");
    let form = may.then(|| {
        let page = FormPage {
            chrome: Chrome::default(),
            csrf: v.session.csrf_token.clone(),
            title: "Record a consent".into(),
            action: href.clone(),
            cancel: format!("/persons/{person}"),
            submit: "Record consent",
            version: None,
            fields: consent_fields(form, &organizations, view.person.owner_organization_id),
            problems: Vec::new(),
        };
        match invalid {
            Some(invalid) => page.with_errors(invalid),
            None => page,
        }
    });
    Ok(ConsentsPage {
        chrome: Chrome::new(
            v,
            crumbs(
                None,
                vec![
                    Cell::link(name.clone(), format!("/persons/{person}")),
                    Cell::text("Consent to share"),
                ],
            ),
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        person_id: person.to_string(),
        person_name: name,
        consents: list.into_iter().map(line).collect(),
        form,
        max_days: s.app.consent_max_days(tf).await?,
    })
}

#[derive(Deserialize, Default)]
struct Notice {
    saved: Option<String>,
    revoked: Option<String>,
}

async fn consents(
    State(s): State<AppState>,
    v: Viewer,
    Ids(id, _): Ids<PersonId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    let mut page = consents_page(&s, &v, id, &FormData::parse(b""), None).await?;
    page.chrome.notice = if notice.saved.is_some() {
        Some("Consent recorded.".into())
    } else if notice.revoked.is_some() {
        Some("Consent revoked. It opens nothing from now on.".into())
    } else {
        None
    };
    Ok(render(&page))
}

async fn record(
    State(s): State<AppState>,
    Ids(id, _): Ids<PersonId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let input = ConsentInput {
        recipients: form.all("recipients"),
        roles: form.all("roles"),
        categories: form.all("categories"),
        purpose: form.text("purpose"),
        method: form.text("method"),
        legal_basis: form.text("legal_basis"),
        valid_from: Some(form.text("valid_from")),
        valid_until: Some(form.text("valid_until")),
    };
    match s
        .app
        .record_consent(&v.actor, v.principal.task_force_id, id, input)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}/consents?saved=1")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let page = consents_page(&s, &v, id, &form, Some(&invalid)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn revoke(
    State(s): State<AppState>,
    Ids((person, consent), _): Ids<(PersonId, ConsentId)>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    let mut invalid = Invalid::default();
    let version = form.version(&mut invalid);
    let result = match version {
        Some(version) if invalid.is_empty() => {
            s.app
                .revoke_consent(
                    &v.actor,
                    v.principal.task_force_id,
                    consent,
                    version,
                    &form.text("reason"),
                )
                .await
        }
        _ => Err(AppError::Invalid(invalid)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{person}/consents?revoked=1")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let mut page = consents_page(&s, &v, person, &FormData::parse(b""), None).await?;
            page.chrome.notice = Some(format!(
                "The consent was not revoked: {}",
                invalid
                    .errors
                    .iter()
                    .map(|e| format!("{} {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Conflict) => {
            let mut page = consents_page(&s, &v, person, &FormData::parse(b""), None).await?;
            page.chrome.notice = Some(AppError::Conflict.to_string());
            Ok((StatusCode::CONFLICT, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

// -- the task force's consent settings -------------------------------------------------------

fn settings_form(v: &Viewer, tf: TaskForceId, days: String) -> FormPage {
    let mut page = form_page(
        v,
        FormSpec {
            task_force: None,
            section: None,
            title: "Consent settings".into(),
            action: format!("/task-forces/{tf}/consent-settings"),
            cancel: format!("/task-forces/{tf}"),
            version: None,
            fields: vec![Field::new(
                "max_days",
                "Longest a consent may run (days)",
                "number",
                days,
            )
            .required()
            .hint("Consent is time-limited: every consent has an end no later than this many days after it starts (1 to 1095).")],
        },
    );
    page.submit = "Save";
    page
}

/// The settings are shown to, and read from, those who may change the task force (the
/// coordinator, the administrator); the use case asks again.
async fn may_configure(s: &AppState, v: &Viewer, tf: TaskForceId) -> Result<(), PageError> {
    use taskforce_domain::access::{Action, Resource, ResourceKind};
    s.app
        .authorize(
            &v.actor,
            Action::Update,
            &Resource::in_task_force(ResourceKind::TaskForce, tf),
            "consent-settings",
        )
        .await?;
    Ok(())
}

async fn settings(
    State(s): State<AppState>,
    v: Viewer,
    Ids(tf, _): Ids<TaskForceId>,
    Query(notice): Query<Notice>,
) -> PageResult {
    may_configure(&s, &v, tf).await?;
    let days = s.app.consent_max_days(tf).await?;
    let mut page = settings_form(&v, tf, days.to_string());
    page.chrome.notice = notice.saved.map(|_| "Saved.".to_owned());
    Ok(render(&page))
}

async fn save_settings(
    State(s): State<AppState>,
    Ids(tf, _): Ids<TaskForceId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    may_configure(&s, &v, tf).await?;
    let mut invalid = Invalid::default();
    let days = form.optional_int("max_days", &mut invalid);
    let result = match days {
        Some(days) if invalid.is_empty() => s.app.set_consent_max_days(&v.actor, tf, days).await,
        None if invalid.is_empty() => {
            Err(AppError::Invalid(Invalid::one("max_days", "is required")))
        }
        _ => Err(AppError::Invalid(invalid)),
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/task-forces/{tf}/consent-settings?saved=1")).into_response(),
        ),
        Err(AppError::Invalid(invalid)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&settings_form(&v, tf, form.text("max_days")).with_errors(&invalid)),
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

// -- inbox ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    csrf: String,
    notifications: Vec<InboxLine>,
    unread: usize,
}

struct InboxLine {
    id: String,
    kind: &'static str,
    subject: String,
    body: String,
    link: String,
    when: String,
    unread: bool,
}

fn inbox_line(n: Notification) -> InboxLine {
    InboxLine {
        id: n.id.to_string(),
        kind: n.kind.label(),
        subject: n.subject,
        body: n.body,
        // Only paths inside the product are followed.
        link: if n.link.starts_with('/') && !n.link.starts_with("//") {
            n.link
        } else {
            String::new()
        },
        when: n.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        unread: n.read_at.is_none(),
    }
}

async fn inbox(State(s): State<AppState>, v: Viewer) -> PageResult {
    let list = s
        .app
        .inbox(&v.actor, v.principal.task_force_id, false)
        .await?;
    let notifications: Vec<InboxLine> = list.into_iter().map(inbox_line).collect();
    Ok(render(&InboxPage {
        chrome: Chrome::new(&v, crumbs(None, vec![Cell::text("Inbox")]), None),
        csrf: v.session.csrf_token.clone(),
        unread: notifications.iter().filter(|n| n.unread).count(),
        notifications,
    }))
}

async fn read_one(
    State(s): State<AppState>,
    Ids(id, _): Ids<NotificationId>,
    SignedForm { viewer: v, form }: SignedForm,
) -> PageResult {
    s.app
        .mark_notifications_read(&v.actor, v.principal.task_force_id, Some(id))
        .await?;
    // Opening a notification marks it read and follows its link (a path in the product).
    let next = form.text("next");
    let next = if next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/inbox".into()
    };
    Ok(Redirect::to(&next).into_response())
}

async fn read_all(
    State(s): State<AppState>,
    SignedForm { viewer: v, .. }: SignedForm,
) -> PageResult {
    s.app
        .mark_notifications_read(&v.actor, v.principal.task_force_id, None)
        .await?;
    Ok(Redirect::to("/inbox").into_response())
}
