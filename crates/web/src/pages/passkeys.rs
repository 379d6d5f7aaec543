//! Security keys and passkeys: the two halves of each WebAuthn ceremony, and the member's own
//! keys on their account page.
//!
//! The browser's script (`static/passkeys.js`) asks a `…/start` endpoint for the challenge
//! (JSON, with the page's CSRF token in `X-CSRF-Token`), lets the browser talk to the key, and
//! then submits the page's ordinary form with the key's answer to `…/finish`, which answers
//! with a page as any form does (recovery codes, the next page, or the form with the error).

use super::session::{account_page, safe_next, second_factor_form};
use crate::auth::{same, PendingForm, PendingViewer, SignedForm};
use crate::error::{ApiError, Ids, PageError, Problem};
use crate::view::{render, Chrome, RecoveryCodesPage};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use taskforce_app::AppError;

type PageResult = Result<Response, PageError>;

/// Where a member's keys are listed.
const ACCOUNT_KEYS: &str = "/account#security-keys";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/security-keys/register/start", post(register_start))
        .route("/security-keys/register/finish", post(register_finish))
        .route(
            "/security-keys/authenticate/start",
            post(authenticate_start),
        )
        .route(
            "/security-keys/authenticate/finish",
            post(authenticate_finish),
        )
        .route("/account/security-keys/{id}/remove", post(remove))
}

/// The header that carries the page's CSRF token on a script's request.
const CSRF_HEADER: &str = "x-csrf-token";

/// A script's request in a session (which may still owe its second factor), its CSRF token
/// checked as a form's is. Refusals are JSON, for the script to show.
struct CeremonyRequest {
    viewer: PendingViewer,
    body: Bytes,
}

impl FromRequest<AppState> for CeremonyRequest {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(viewer) = PendingViewer::from_request_parts(&mut parts, state).await else {
            return Err(ApiError(Problem::Unauthenticated(
                "Your session has ended. Reload the page and sign in again.".into(),
            ))
            .into_response());
        };
        let token = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !same(token, &viewer.session.csrf_token) {
            return Err(ApiError(Problem::Forbidden(
                "This page has expired or the request did not come from this site. Reload the page and try again."
                    .into(),
            ))
            .into_response());
        }
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| {
                ApiError(Problem::Invalid(taskforce_domain::Invalid::one(
                    "body",
                    "could not be read",
                )))
                .into_response()
            })?;
        Ok(Self { viewer, body })
    }
}

/// The options for the browser, as the app made them (JSON text), never cached.
fn options(json: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        json,
    )
        .into_response()
}

#[derive(Deserialize, Default)]
struct RegisterStart {
    #[serde(default)]
    name: String,
}

async fn register_start(
    State(s): State<AppState>,
    CeremonyRequest { viewer, body }: CeremonyRequest,
) -> Result<Response, ApiError> {
    let input: RegisterStart = if body.iter().all(u8::is_ascii_whitespace) {
        RegisterStart::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            ApiError(Problem::Invalid(taskforce_domain::Invalid::one(
                "body",
                "must be JSON such as {\"name\": \"Blue key\"}",
            )))
        })?
    };
    let json = s
        .app
        .start_key_registration(&viewer.session, &viewer.principal, &input.name)
        .await?;
    Ok(options(json))
}

async fn authenticate_start(
    State(s): State<AppState>,
    CeremonyRequest { viewer, .. }: CeremonyRequest,
) -> Result<Response, ApiError> {
    if viewer.principal.strong {
        return Err(ApiError(Problem::Invalid(taskforce_domain::Invalid::one(
            "credential",
            "you have given your second factor already; reload the page",
        ))));
    }
    Ok(options(
        s.app.start_key_authentication(&viewer.session).await?,
    ))
}

/// The first message of a refusal, as a sentence.
fn sentence(invalid: &taskforce_domain::Invalid) -> String {
    let message = invalid
        .errors
        .first()
        .map_or("that did not work; try again", |e| e.message.as_str());
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}

async fn register_finish(
    State(s): State<AppState>,
    PendingForm { viewer, form }: PendingForm,
) -> PageResult {
    let was_strong = viewer.principal.strong;
    let next = if was_strong {
        ACCOUNT_KEYS.to_owned()
    } else {
        safe_next(&form.text("next"))
    };
    match s
        .app
        .finish_key_registration(&viewer.session, &viewer.principal, &form.text("credential"))
        .await
    {
        Ok(codes) if codes.is_empty() => Ok(Redirect::to(&next).into_response()),
        Ok(codes) => Ok(render(&RecoveryCodesPage {
            chrome: Chrome::default(),
            codes,
            next,
            factor: "security key",
        })),
        Err(AppError::Invalid(invalid)) if was_strong => {
            let viewer = crate::auth::Viewer {
                actor: taskforce_app::Actor::Member(viewer.principal.clone()),
                now: s.app.clock().now(),
                session: viewer.session,
                principal: viewer.principal,
            };
            let mut page = account_page(&s, &viewer, None, None, None).await?;
            page.key_error = Some(sentence(&invalid));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            let mut page = second_factor_form(&s, &viewer, &next, None).await?;
            page.key_error = Some(sentence(&invalid));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn authenticate_finish(
    State(s): State<AppState>,
    PendingForm { viewer, form }: PendingForm,
) -> PageResult {
    let next = safe_next(&form.text("next"));
    if viewer.principal.strong {
        return Ok(Redirect::to(&next).into_response());
    }
    match s
        .app
        .finish_key_authentication(&viewer.session, &viewer.principal, &form.text("credential"))
        .await
    {
        Ok(()) => Ok(Redirect::to(&next).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let mut page = second_factor_form(&s, &viewer, &next, None).await?;
            page.key_error = Some(sentence(&invalid));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn remove(
    State(s): State<AppState>,
    Ids(id, _): Ids<uuid::Uuid>,
    SignedForm { viewer, .. }: SignedForm,
) -> PageResult {
    match s.app.remove_security_key(&viewer.principal, id).await {
        Ok(()) => Ok(Redirect::to(ACCOUNT_KEYS).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let mut page = account_page(&s, &viewer, None, None, None).await?;
            page.key_error = Some(sentence(&invalid));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
