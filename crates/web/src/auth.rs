//! Who is asking: the session behind the cookie (pages) or the personal access token behind
//! `Authorization: Bearer` (API), CSRF checks on every state-changing form, and rate limits on
//! the doors that answer without a session.

use crate::error::{ApiError, PageError, Problem};
use crate::forms::FormData;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};
use taskforce_app::Actor;
use taskforce_domain::access::Principal;
use taskforce_domain::identity::{Session, TokenScope};

pub const SESSION_COOKIE: &str = "taskforce_session";

/// The client's address as the server saw it.
pub fn source(parts: &Parts) -> String {
    client_ip(parts).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The session token from the cookie header, if any.
pub fn session_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

/// The cookie that carries a session: not readable by scripts, sent only to this site, `Secure`
/// when served over TLS.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("taskforce_session=; Path=/; Max-Age=0"))
}

pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("taskforce_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Where a person is sent to sign in, coming back to `next` afterwards.
fn to_sign_in(parts: &Parts) -> Response {
    let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/sign-in?next={next}")).into_response()
}

/// A signed-in member who completed the second factor: every page but sign-in needs one.
pub struct Viewer {
    pub session: Session,
    pub principal: Principal,
    pub actor: Actor,
    /// The application's time when the request arrived.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let pending = PendingViewer::from_request_parts(parts, state).await?;
        if !pending.principal.strong {
            return Err(Redirect::to("/sign-in/second-factor").into_response());
        }
        let actor = Actor::Member(pending.principal.clone());
        let now = state.app.clock().now();
        Ok(Self {
            session: pending.session,
            principal: pending.principal,
            actor,
            now,
        })
    }
}

/// A session that may still owe its second factor (the second-factor pages themselves).
pub struct PendingViewer {
    pub session: Session,
    pub principal: Principal,
}

impl FromRequestParts<AppState> for PendingViewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = session_token(parts) else {
            return Err(to_sign_in(parts));
        };
        match state.app.session(&token, &source(parts)).await {
            Ok(Some((session, principal))) => Ok(Self { session, principal }),
            Ok(None) => {
                let mut response = to_sign_in(parts);
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, clear_session_cookie());
                Err(response)
            }
            Err(e) => Err(PageError::from(e).into_response()),
        }
    }
}

/// Compares in time that does not depend on where the strings differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A submitted form of a signed-in member, its CSRF token checked.
pub struct SignedForm {
    pub viewer: Viewer,
    pub form: FormData,
}

impl FromRequest<AppState> for SignedForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let form = read_form(parts, body, state, &viewer.session).await?;
        Ok(Self { viewer, form })
    }
}

/// A submitted form of a session that may still owe its second factor, its CSRF token checked.
pub struct PendingForm {
    pub viewer: PendingViewer,
    pub form: FormData,
}

impl FromRequest<AppState> for PendingForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let viewer = PendingViewer::from_request_parts(&mut parts, state).await?;
        let form = read_form(parts, body, state, &viewer.session).await?;
        Ok(Self { viewer, form })
    }
}

async fn read_form(
    parts: Parts,
    body: axum::body::Body,
    state: &AppState,
    session: &Session,
) -> Result<FormData, Response> {
    let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(|_| {
            PageError(Problem::Invalid(taskforce_domain::Invalid::one(
                "body",
                "could not be read",
            )))
            .into_response()
        })?;
    let form = FormData::parse(&bytes);
    if !same(&form.text("csrf"), &session.csrf_token) {
        return Err(PageError(Problem::Forbidden(
            "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
        ))
        .into_response());
    }
    Ok(form)
}

/// An API caller: the member behind a personal access token.
pub struct ApiCaller {
    pub actor: Actor,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = bearer else {
            return Err(ApiError(Problem::Unauthenticated(
                "send a personal access token: Authorization: Bearer <token> (create one on your account page)".into(),
            )));
        };
        let Some((principal, scope)) = state.app.authenticate_token(token, &source(parts)).await?
        else {
            return Err(ApiError(Problem::Unauthenticated(
                "the token is unknown, expired or revoked".into(),
            )));
        };
        let reads = matches!(parts.method, Method::GET | Method::HEAD);
        if scope == TokenScope::Read && !reads {
            return Err(ApiError(Problem::Forbidden(
                "this token may only read; create a write token to make changes".into(),
            )));
        }
        Ok(Self {
            actor: Actor::Member(principal),
        })
    }
}

/// Anyone with a live session (second factor done) or a usable token.
pub struct Caller;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return ApiCaller::from_request_parts(parts, state)
                .await
                .map(|_| Caller);
        }
        match session_token(parts) {
            Some(token) => match state.app.session(&token, &source(parts)).await? {
                Some((_, principal)) if principal.strong => Ok(Caller),
                _ => Err(ApiError(Problem::Unauthenticated(
                    "sign in, or send a personal access token".into(),
                ))),
            },
            None => Err(ApiError(Problem::Unauthenticated(
                "sign in, or send a personal access token".into(),
            ))),
        }
    }
}
