//! Signing in and out, the second factor, and the member's own account page.

use crate::auth::{
    self, clear_session_cookie, session_cookie, PendingForm, PendingViewer, SignedForm, Viewer,
};
use crate::error::PageError;
use crate::forms::FormData;
use crate::view::*;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use taskforce_app::identity::NextStep;
use taskforce_app::AppError;
use taskforce_domain::identity::TokenScope;
use taskforce_domain::OrganizationId;

type PageResult = Result<Response, PageError>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route(
            "/sign-in/second-factor",
            get(second_factor_page).post(second_factor),
        )
        .route("/sign-out", post(sign_out))
        .route("/sign-out/everywhere", post(sign_out_everywhere))
        .route("/account", get(account))
        .route("/account/password", post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/organization", post(switch_organization))
}

/// Only same-site paths are followed after sign-in (no open redirect).
pub(super) fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

async fn sign_in_page(State(s): State<AppState>, Query(q): Query<Next>) -> PageResult {
    let page = SignInPage {
        chrome: Chrome::default(),
        banner: s.app.settings().banner.clone(),
        email: String::new(),
        next: safe_next(q.next.as_deref().unwrap_or("/")),
        error: None,
    };
    Ok(render(&page))
}

async fn sign_in(State(s): State<AppState>, parts: Parts, body: Bytes) -> PageResult {
    let form = FormData::parse(&body);
    let next = safe_next(&form.text("next"));
    let source = auth::source(&parts);
    if let Some(ip) = auth::client_ip(&parts) {
        if !s.limits.allow(ip) {
            let page = SignInPage {
                chrome: Chrome::default(),
                banner: s.app.settings().banner.clone(),
                email: form.text("email"),
                next,
                error: Some(
                    "Too many sign-in attempts from this computer. Wait a minute and try again."
                        .into(),
                ),
            };
            return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response());
        }
    }
    match s
        .app
        .sign_in(&form.text("email"), &form.text("password"), &source)
        .await
    {
        Ok(signed) => {
            let to = match signed.next {
                NextStep::Enrol | NextStep::SecondFactor => {
                    format!("/sign-in/second-factor?next={}", encode(&next))
                }
            };
            let mut response = Redirect::to(&to).into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&signed.token, s.tls));
            Ok(response)
        }
        Err(AppError::Unauthenticated(message)) => {
            let page = SignInPage {
                chrome: Chrome::default(),
                banner: s.app.settings().banner.clone(),
                email: form.text("email"),
                next,
                error: Some(message),
            };
            Ok((StatusCode::UNAUTHORIZED, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The origin security keys are bound to, or empty when they are not offered.
fn key_origin(s: &AppState) -> String {
    s.app
        .relying_party()
        .map(|rp| rp.origin().to_owned())
        .unwrap_or_default()
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub(super) async fn second_factor_form(
    s: &AppState,
    viewer: &PendingViewer,
    next: &str,
    error: Option<String>,
) -> Result<SecondFactorPage, PageError> {
    let account = s.app.account_by_email(&viewer.principal.email).await?;
    let enrolled = account.as_ref().is_some_and(|a| a.has_second_factor());
    let app_codes = account.as_ref().is_some_and(|a| a.totp_secret.is_some());
    let keys_offered = s.app.relying_party().is_some();
    let enrol = if enrolled {
        None
    } else {
        let e = s.app.begin_totp_enrolment(&viewer.session).await?;
        Some(Enrolment {
            qr_svg: e.qr_svg,
            secret: e.secret_base32,
        })
    };
    Ok(SecondFactorPage {
        chrome: Chrome::default(),
        title: if !enrolled {
            "Set up your second factor"
        } else if app_codes {
            "Enter your code"
        } else {
            "Use your security key"
        },
        action: format!("/sign-in/second-factor?next={}", encode(next)),
        csrf: viewer.session.csrf_token.clone(),
        email: viewer.principal.email.clone(),
        enrol,
        error,
        next: next.to_owned(),
        app_codes,
        key_enrol: keys_offered && !enrolled,
        key_sign_in: keys_offered && account.as_ref().is_some_and(|a| a.security_keys > 0),
        key_error: None,
        key_origin: key_origin(s),
    })
}

async fn second_factor_page(
    State(s): State<AppState>,
    Query(q): Query<Next>,
    viewer: PendingViewer,
) -> PageResult {
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    if viewer.principal.strong {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(render(&second_factor_form(&s, &viewer, &next, None).await?))
}

async fn second_factor(
    State(s): State<AppState>,
    Query(q): Query<Next>,
    PendingForm { viewer, form }: PendingForm,
) -> PageResult {
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    let account = s.app.account_by_email(&viewer.principal.email).await?;
    let enrolled = account.as_ref().is_some_and(|a| a.has_second_factor());
    let code = form.text("code");
    let result = if enrolled {
        s.app
            .verify_second_factor(&viewer.session, &code, &viewer.principal.source)
            .await
            .map(|()| None)
    } else {
        s.app
            .confirm_totp_enrolment(&viewer.session, &code, &viewer.principal.source)
            .await
            .map(Some)
    };
    match result {
        Ok(None) => Ok(Redirect::to(&next).into_response()),
        Ok(Some(codes)) => Ok(render(&RecoveryCodesPage {
            chrome: Chrome::default(),
            codes,
            next,
            factor: "authenticator app",
        })),
        Err(AppError::Invalid(invalid)) => {
            let message = invalid
                .message_for("code")
                .unwrap_or("that code was not right")
                .to_owned();
            let page = second_factor_form(&s, &viewer, &next, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn sign_out(
    State(s): State<AppState>,
    PendingForm { viewer, .. }: PendingForm,
) -> PageResult {
    s.app.sign_out(&viewer.session, &viewer.principal).await?;
    let mut response = Redirect::to("/sign-in").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_session_cookie());
    Ok(response)
}

async fn sign_out_everywhere(
    State(s): State<AppState>,
    SignedForm { viewer, .. }: SignedForm,
) -> PageResult {
    s.app.sign_out_everywhere(&viewer.principal).await?;
    let mut response = Redirect::to("/sign-in").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_session_cookie());
    Ok(response)
}

pub(super) async fn account_page(
    s: &AppState,
    v: &Viewer,
    new_token: Option<String>,
    password_error: Option<String>,
    token_error: Option<String>,
) -> Result<AccountPage, PageError> {
    let organizations = s.app.memberships_of(&v.principal).await?;
    let roles = organizations
        .iter()
        .find(|o| o.0 == v.principal.organization_id)
        .map(|o| o.2.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    let tokens = s
        .app
        .tokens(&v.principal)
        .await?
        .into_iter()
        .map(|t| {
            let usable = t.usable(v.now);
            TokenRow {
                id: t.id.to_string(),
                name: t.name.clone(),
                prefix: t.prefix.clone(),
                scope: if t.scope == TokenScope::Read {
                    "Read only"
                } else {
                    "Read and write"
                },
                expires: t
                    .expires_at
                    .map_or_else(|| "Never".to_owned(), |e| e.format("%Y-%m-%d").to_string()),
                status: if t.revoked_at.is_some() {
                    "Revoked"
                } else if usable {
                    "Active"
                } else {
                    "Expired"
                },
                revocable: t.revoked_at.is_none(),
            }
        })
        .collect();
    let security_keys = s
        .app
        .security_keys(&v.principal)
        .await?
        .into_iter()
        .map(|k| SecurityKeyRow {
            id: k.id.to_string(),
            name: k.name,
            added: k.created_at.format("%Y-%m-%d").to_string(),
            last_used: k.last_used_at.map_or_else(
                || "Never".to_owned(),
                |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
            ),
        })
        .collect();
    Ok(AccountPage {
        chrome: Chrome::new(
            v,
            vec![Cell::link("Task forces", "/"), Cell::text("Your account")],
            None,
        ),
        csrf: v.session.csrf_token.clone(),
        name: v.principal.name.clone(),
        email: v.principal.email.clone(),
        organization: v.principal.organization_name.clone(),
        roles,
        organizations: organizations
            .into_iter()
            .map(|o| (o.0.to_string(), o.1, o.0 == v.principal.organization_id))
            .collect(),
        tokens,
        new_token,
        password_error,
        token_error,
        security_keys,
        can_add_key: s.app.relying_party().is_some(),
        key_error: None,
        key_origin: key_origin(s),
    })
}

async fn account(State(s): State<AppState>, v: Viewer) -> PageResult {
    Ok(render(&account_page(&s, &v, None, None, None).await?))
}

async fn change_password(
    State(s): State<AppState>,
    SignedForm { viewer, form }: SignedForm,
) -> PageResult {
    match s
        .app
        .change_password(
            &viewer.principal,
            &form.text("current_password"),
            &form.text("new_password"),
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/account?saved=1").into_response()),
        Err(AppError::Invalid(invalid)) => {
            let page = account_page(&s, &viewer, None, Some(invalid.to_string()), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn create_token(
    State(s): State<AppState>,
    SignedForm { viewer, form }: SignedForm,
) -> PageResult {
    let scope = TokenScope::from_code(&form.text("scope"));
    let days = form.text("expires_in_days");
    let days = if days.trim().is_empty() {
        Ok(None)
    } else {
        days.trim().parse::<i64>().map(Some)
    };
    let result = match (scope, days) {
        (Some(scope), Ok(days)) => {
            s.app
                .create_token(
                    &viewer.actor,
                    &viewer.principal,
                    &form.text("name"),
                    scope,
                    days,
                )
                .await
        }
        (None, _) => Err(AppError::Invalid(taskforce_domain::Invalid::one(
            "scope",
            "choose read or write",
        ))),
        (_, Err(_)) => Err(AppError::Invalid(taskforce_domain::Invalid::one(
            "expires_in_days",
            "must be a whole number of days",
        ))),
    };
    match result {
        Ok((_, secret)) => Ok(render(
            &account_page(&s, &viewer, Some(secret), None, None).await?,
        )),
        Err(AppError::Invalid(invalid)) => {
            let page = account_page(&s, &viewer, None, None, Some(invalid.to_string())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn revoke_token(
    State(s): State<AppState>,
    crate::error::Ids(id, _): crate::error::Ids<uuid::Uuid>,
    SignedForm { viewer, .. }: SignedForm,
) -> PageResult {
    s.app.revoke_token(&viewer.principal, id).await?;
    Ok(Redirect::to("/account#tokens").into_response())
}

async fn switch_organization(
    State(s): State<AppState>,
    SignedForm { viewer, form }: SignedForm,
) -> PageResult {
    let organization: OrganizationId = form.text("organization_id").parse().map_err(|_| {
        PageError::from(taskforce_domain::Invalid::one(
            "organization_id",
            "is not one of your organizations",
        ))
    })?;
    s.app
        .switch_organization(&viewer.session, &viewer.principal, organization)
        .await?;
    Ok(Redirect::to("/account?saved=1").into_response())
}
