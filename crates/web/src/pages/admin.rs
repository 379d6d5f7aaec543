//! Administration: accounts (create, disable, enable, reset a second factor, temporary
//! accounts) and the access-review report.

use crate::auth::{SignedForm, Viewer};
use crate::error::{Ids, PageError};
use crate::view::*;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use taskforce_app::identity::AccessReviewRow;
use taskforce_app::AppError;
use taskforce_domain::access::{Action, Resource, ResourceKind};
use taskforce_domain::identity::{end_of_day, AccountExpiryInput};
use taskforce_domain::{Invalid, MemberId};

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(accounts))
        .route("/admin/accounts/{member}/create", post(create_account))
        .route("/admin/accounts/{member}/disable", post(disable))
        .route("/admin/accounts/{member}/enable", post(enable))
        .route(
            "/admin/accounts/{member}/reset-second-factor",
            post(reset_second_factor),
        )
        .route("/admin/accounts/{member}/expiry", post(set_expiry))
        .route("/admin/session-limit", post(set_session_limit))
        .route("/admin/access-review", get(access_review))
        .route("/admin/access-review.csv", get(access_review_csv))
}

fn when(t: Option<chrono::DateTime<Utc>>) -> String {
    t.map_or_else(
        || "Never".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn roles_text(
    row: &AccessReviewRow,
    organizations: &[(taskforce_domain::OrganizationId, String)],
) -> String {
    row.member
        .memberships
        .iter()
        .map(|m| {
            let org = organizations
                .iter()
                .find(|o| o.0 == m.organization_id)
                .map_or("?", |o| o.1.as_str());
            format!(
                "{org}: {}",
                m.roles
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn account_state(row: &AccessReviewRow, now: chrono::DateTime<Utc>) -> String {
    match &row.account {
        None => "No account".into(),
        Some(a) => match a.closed(now) {
            Some(taskforce_domain::identity::Closed::Disabled) => "Disabled".into(),
            Some(taskforce_domain::identity::Closed::Expired) => "Expired".into(),
            Some(taskforce_domain::identity::Closed::Locked(until)) => {
                format!("Locked until {}", until.format("%H:%M UTC"))
            }
            None => match a.expires_at {
                Some(end) => format!("Active (temporary, until {})", end.format("%Y-%m-%d")),
                None => "Active".into(),
            },
        },
    }
}

async fn accounts_page(
    s: &AppState,
    v: &Viewer,
    error: Option<String>,
) -> Result<Response, PageError> {
    // The account list is the access review seen by an administrator.
    let rows = s
        .app
        .access_review(&v.actor, v.principal.task_force_id)
        .await?;
    let rows = rows
        .iter()
        .map(|r| AccountRow {
            member_id: r.member.id.to_string(),
            name: r.member.name.clone(),
            email: r.member.email.clone(),
            status: account_state(r, v.now),
            factor: r
                .account
                .as_ref()
                .and_then(|a| a.second_factor_label())
                .unwrap_or("None yet"),
            last_sign_in: when(r.account.as_ref().and_then(|a| a.last_sign_in_at)),
            has_account: r.account.is_some(),
            has_factor: r.account.as_ref().is_some_and(|a| a.has_second_factor()),
            disabled: r.account.as_ref().is_some_and(|a| a.disabled_at.is_some()),
            temporary: r.account.as_ref().is_some_and(|a| a.expires_at.is_some()),
        })
        .collect();
    let page = AccountsPage {
        chrome: Chrome::new(
            v,
            vec![Cell::link("Task forces", "/"), Cell::text("Accounts")],
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        max_sessions: s
            .app
            .session_limit(&v.actor, v.principal.task_force_id)
            .await?,
        rows,
        error: error.clone(),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&page)).into_response())
}

async fn accounts(State(s): State<AppState>, v: Viewer) -> PageResult {
    // The list is built from the access review, which auditors may read too; the page itself
    // (with its disable, enable and reset buttons) is the administrator's.
    s.app
        .authorize(
            &v.actor,
            Action::List,
            &Resource::in_task_force(ResourceKind::Account, v.principal.task_force_id),
            "",
        )
        .await?;
    accounts_page(&s, &v, None).await
}

/// The outcome of an account action: back to the list, or the list with the reason.
async fn after(s: &AppState, v: &Viewer, result: Result<(), AppError>) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to("/admin/accounts").into_response()),
        Err(AppError::Invalid(invalid)) => accounts_page(s, v, Some(invalid.to_string())).await,
        Err(other) => Err(other.into()),
    }
}

async fn create_account(
    State(s): State<AppState>,
    Ids(member, _): Ids<MemberId>,
    SignedForm { viewer, form }: SignedForm,
) -> PageResult {
    let expires = form.text("expires_on");
    let expires_at = if expires.trim().is_empty() {
        Ok(None)
    } else {
        end_of_day("expires_on", &expires).map(Some)
    };
    let result = match expires_at {
        Ok(expires_at) => s
            .app
            .create_account(
                &viewer.actor,
                viewer.principal.task_force_id,
                member,
                &form.text("password"),
                expires_at,
            )
            .await
            .map(|_| ()),
        Err(invalid) => Err(AppError::Invalid(invalid)),
    };
    after(&s, &viewer, result).await
}

/// Makes an existing account temporary (until `expires_on`) or permanent (`permanent=yes`).
async fn set_expiry(
    State(s): State<AppState>,
    Ids(member, _): Ids<MemberId>,
    SignedForm { viewer, form }: SignedForm,
) -> PageResult {
    let input = AccountExpiryInput {
        expires_on: form.text("expires_on"),
        permanent: form.flag("permanent"),
    };
    let result = s
        .app
        .set_account_expiry(
            &viewer.actor,
            viewer.principal.task_force_id,
            member,
            &input,
        )
        .await;
    after(&s, &viewer, result).await
}

async fn disable(
    State(s): State<AppState>,
    Ids(member, _): Ids<MemberId>,
    SignedForm { viewer, .. }: SignedForm,
) -> PageResult {
    let result = s
        .app
        .set_account_disabled(&viewer.actor, viewer.principal.task_force_id, member, true)
        .await;
    after(&s, &viewer, result).await
}

async fn enable(
    State(s): State<AppState>,
    Ids(member, _): Ids<MemberId>,
    SignedForm { viewer, .. }: SignedForm,
) -> PageResult {
    let result = s
        .app
        .set_account_disabled(&viewer.actor, viewer.principal.task_force_id, member, false)
        .await;
    after(&s, &viewer, result).await
}

async fn reset_second_factor(
    State(s): State<AppState>,
    Ids(member, _): Ids<MemberId>,
    SignedForm { viewer, .. }: SignedForm,
) -> PageResult {
    let result = s
        .app
        .reset_second_factor(&viewer.actor, viewer.principal.task_force_id, member)
        .await;
    after(&s, &viewer, result).await
}

async fn review_rows(
    s: &AppState,
    v: &Viewer,
    export: bool,
) -> Result<Vec<(String, String, String, String, String, String)>, PageError> {
    let tf = v.principal.task_force_id;
    let rows = if export {
        s.app.export_access_review(&v.actor, tf).await?
    } else {
        s.app.access_review(&v.actor, tf).await?
    };
    let organizations: Vec<_> = s
        .app
        .organizations(&v.actor, v.principal.task_force_id)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.member.name.clone(),
                r.member.email.clone(),
                roles_text(r, &organizations),
                account_state(r, v.now),
                r.account
                    .as_ref()
                    .and_then(|a| a.second_factor_label())
                    .unwrap_or("None")
                    .into(),
                when(r.account.as_ref().and_then(|a| a.last_sign_in_at)),
            )
        })
        .collect())
}

async fn access_review(State(s): State<AppState>, v: Viewer) -> PageResult {
    let rows = review_rows(&s, &v, false).await?;
    let page = AccessReviewPage {
        chrome: Chrome::new(
            &v,
            vec![Cell::link("Task forces", "/"), Cell::text("Access review")],
            None,
        ),
        rows,
    };
    Ok(render(&page))
}

async fn access_review_csv(State(s): State<AppState>, v: Viewer) -> PageResult {
    let rows = review_rows(&s, &v, true).await?;
    let mut out =
        String::from("member,email,organizations_and_roles,account,second_factor,last_sign_in\n");
    for r in rows {
        let fields = [r.0, r.1, r.2, r.3, r.4, r.5];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"access-review.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

async fn set_session_limit(
    State(s): State<AppState>,
    SignedForm { viewer, form }: SignedForm,
) -> PageResult {
    let text = form.text("max_sessions");
    let result = match text.trim() {
        "" => {
            s.app
                .set_session_limit(&viewer.actor, viewer.principal.task_force_id, None)
                .await
        }
        t => match t.parse::<i64>() {
            Ok(n) => {
                s.app
                    .set_session_limit(&viewer.actor, viewer.principal.task_force_id, Some(n))
                    .await
            }
            Err(_) => Err(AppError::Invalid(Invalid::one(
                "max_sessions",
                "must be a whole number",
            ))),
        },
    };
    after(&s, &viewer, result).await
}
