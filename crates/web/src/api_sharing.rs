//! The JSON API of survivors' consents and of the caller's own notifications
//! (`/api/v1/persons/{id}/consents`, `/api/v1/consents/{id}/revoke`, `/api/v1/notifications`):
//! the same use cases, policy and audit as the pages.

use crate::api::{created, if_match, JsonBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use taskforce_domain::consent::ConsentInput;
use taskforce_domain::*;
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/persons/{id}/consents",
            get(consents).post(record_consent),
        )
        .route("/api/v1/consents/{id}/revoke", post(revoke_consent))
        .route("/api/v1/notifications", get(notifications))
        .route("/api/v1/notifications/{id}/read", post(mark_read))
}

fn tf(caller: &ApiCaller) -> TaskForceId {
    caller
        .actor
        .principal()
        .map_or(TaskForceId(uuid::Uuid::nil()), |p| p.task_force_id)
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/consents", tag = "sharing",
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "The person's consents, each with its state now"),
        (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn consents(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
) -> Result<Response, ApiError> {
    let list = s.app.consents_of(&caller.actor, tf(&caller), id).await?;
    Ok(Json(list).into_response())
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/consents", tag = "sharing", request_body = ConsentInput,
    params(("id" = String, Path, description = "Person id")),
    responses((status = 201, description = "The consent as recorded"),
        (status = 403, body = crate::api::ErrorBody), (status = 422, body = crate::api::ErrorBody)))]
pub async fn record_consent(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
    JsonBody(input): JsonBody<ConsentInput>,
) -> Result<Response, ApiError> {
    let consent = s
        .app
        .record_consent(&caller.actor, tf(&caller), id, input)
        .await?;
    Ok(created(
        consent.version,
        format!("/api/v1/persons/{id}/consents"),
        Json(consent),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// Why the consent is revoked (required).
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/consents/{id}/revoke", tag = "sharing", request_body = Revocation,
    params(("id" = String, Path, description = "Consent id"),
        ("If-Match" = String, Header, description = "The consent's version, as its ETag")),
    responses((status = 200, description = "The revoked consent"),
        (status = 403, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody),
        (status = 422, body = crate::api::ErrorBody)))]
pub async fn revoke_consent(
    State(s): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    Ids(id, _): Ids<ConsentId, ApiError>,
    JsonBody(body): JsonBody<Revocation>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers)?;
    let consent = s
        .app
        .revoke_consent(&caller.actor, tf(&caller), id, version, &body.reason)
        .await?;
    Ok(Json(consent).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct InboxParams {
    /// Only those not yet read.
    unread: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "sharing", params(InboxParams),
    responses((status = 200, description = "The caller's own notifications, newest first")))]
pub async fn notifications(
    State(s): State<AppState>,
    caller: ApiCaller,
    Query(p): Query<InboxParams>,
) -> Result<Response, ApiError> {
    let list = s
        .app
        .inbox(&caller.actor, tf(&caller), p.unread.unwrap_or(false))
        .await?;
    Ok(Json(list).into_response())
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "sharing",
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 204, description = "Marked read"), (status = 404, body = crate::api::ErrorBody)))]
pub async fn mark_read(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<NotificationId, ApiError>,
) -> Result<Response, ApiError> {
    s.app
        .mark_notifications_read(&caller.actor, tf(&caller), Some(id))
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
