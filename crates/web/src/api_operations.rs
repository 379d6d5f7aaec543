//! The JSON API of event deconfliction (`/api/v1/operations`, `/api/v1/operation-conflicts`):
//! plan an operation (deconflicted as it is saved), the agency's operations and conflicts, one
//! operation, exempt it, acknowledge a conflict — the same use cases, policy and audit as the
//! pages. Registered by full path beside the nested API.

use crate::api::{created, with_etag, ErrorBody, JsonBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids};
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use taskforce_domain::operations::OperationInput;
use taskforce_domain::*;
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/operations", get(list).post(create))
        .route("/api/v1/operations/{id}", get(read))
        .route("/api/v1/operations/{id}/exempt", post(exempt))
        .route(
            "/api/v1/operation-conflicts/{id}/acknowledge",
            post(acknowledge),
        )
}

/// The caller's task force (a token always acts as a member).
fn tf(caller: &ApiCaller) -> TaskForceId {
    caller
        .actor
        .principal()
        .map_or(TaskForceId(uuid::Uuid::nil()), |p| p.task_force_id)
}

#[utoipa::path(get, path = "/api/v1/operations", tag = "deconfliction",
    responses((status = 200, description = "The caller's agency's operations and the conflicts it is a party to; of another agency's operation a conflict carries only its agency, commander, phone, type and time window"),
              (status = 403, body = ErrorBody)))]
pub async fn list(State(s): State<AppState>, caller: ApiCaller) -> Result<Response, ApiError> {
    let overview = s.app.operations(&caller.actor, tf(&caller)).await?;
    Ok(axum::response::IntoResponse::into_response(Json(overview)))
}

#[utoipa::path(post, path = "/api/v1/operations", tag = "deconfliction", request_body = OperationInput,
    responses((status = 201, description = "The planned operation and the conflicts its planning raised (both commanders were notified)"),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<OperationInput>,
) -> Result<Response, ApiError> {
    let planned = s
        .app
        .plan_operation(&caller.actor, tf(&caller), input)
        .await?;
    Ok(created(
        planned.operation.version,
        format!("/api/v1/operations/{}", planned.operation.id),
        Json(planned),
    ))
}

#[utoipa::path(get, path = "/api/v1/operations/{id}", tag = "deconfliction",
    params(("id" = String, Path, description = "Operation id")),
    responses((status = 200, description = "The operation with its conflicts"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<OperationId, ApiError>,
) -> Result<Response, ApiError> {
    let view = s.app.operation(&caller.actor, tf(&caller), id).await?;
    Ok(with_etag(view.operation.version, Json(view)))
}

/// A commander's reason to exempt an operation from deconfliction.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/operations/{id}/exempt", tag = "deconfliction", request_body = Exemption,
    params(("id" = String, Path, description = "Operation id")),
    responses((status = 200, body = taskforce_domain::operations::Operation),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn exempt(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<OperationId, ApiError>,
    JsonBody(input): JsonBody<Exemption>,
) -> Result<Response, ApiError> {
    let op = s
        .app
        .exempt_operation(&caller.actor, tf(&caller), id, &input.reason)
        .await?;
    Ok(with_etag(op.version, Json(op)))
}

#[utoipa::path(post, path = "/api/v1/operation-conflicts/{id}/acknowledge", tag = "deconfliction",
    params(("id" = String, Path, description = "Conflict id")),
    responses((status = 200, description = "The conflict as the caller's side sees it, acknowledged"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn acknowledge(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<OperationConflictId, ApiError>,
) -> Result<Response, ApiError> {
    let view = s
        .app
        .acknowledge_conflict(&caller.actor, tf(&caller), id)
        .await?;
    Ok(with_etag(view.version, Json(view)))
}
