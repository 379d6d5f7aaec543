//! The JSON API of record linkage inside the product (`/api/v1/task-forces/{tf}/duplicates…`,
//! `…/victim-count`): possible duplicates with their explanation and review, and the
//! unduplicated victim count (small cells suppressed), through the same use cases, policy,
//! consent rules and audit as the pages. Registered by full path beside the nested API.

use crate::api::{if_match, with_etag, ErrorBody, JsonBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use taskforce_domain::cases::Person;
use taskforce_domain::duplicates::*;
use taskforce_domain::*;
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/task-forces/{tf}/duplicates", get(list))
        .route("/api/v1/task-forces/{tf}/duplicates/scan", post(scan))
        .route("/api/v1/task-forces/{tf}/duplicates/{id}", get(read))
        .route(
            "/api/v1/task-forces/{tf}/duplicates/{id}/decision",
            post(decide),
        )
        .route("/api/v1/task-forces/{tf}/victim-count", get(victim_count))
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Reviewed pairs too, not only those to review.
    all: Option<bool>,
}

/// A pair with its two records (both of which the caller may read).
#[derive(Serialize, ToSchema)]
pub struct DuplicateRecord {
    #[serde(rename = "match")]
    pub pair: PersonMatch,
    pub left: Person,
    pub right: Person,
    /// The actions open to the caller now (empty: read only).
    pub actions: Vec<MatchAction>,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateList {
    pub pairs: Vec<DuplicateRecord>,
}

#[derive(Serialize, ToSchema)]
pub struct ScanReport {
    /// Person records the caller's organization may read, compared with one another.
    pub compared: usize,
    /// Pairs at least as likely as the review threshold.
    pub found: usize,
    /// Of them, pairs not already under review.
    pub new: usize,
}

#[utoipa::path(get, path = "/api/v1/task-forces/{tf}/duplicates", tag = "duplicates",
    params(("tf" = String, Path, description = "Task force id"), ListParams),
    responses((status = 200, body = DuplicateList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
    Query(params): Query<ListParams>,
) -> Result<Json<DuplicateList>, ApiError> {
    let pairs = s
        .app
        .duplicates(&caller.actor, tf, params.all.unwrap_or(false))
        .await?;
    Ok(Json(DuplicateList {
        pairs: pairs
            .into_iter()
            .map(|p| DuplicateRecord {
                pair: p.pair,
                left: p.left,
                right: p.right,
                actions: Vec::new(),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/task-forces/{tf}/duplicates/scan", tag = "duplicates",
    params(("tf" = String, Path, description = "Task force id")),
    responses((status = 200, body = ScanReport), (status = 403, body = ErrorBody)))]
pub async fn scan(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
) -> Result<Json<ScanReport>, ApiError> {
    let r = s.app.find_duplicates(&caller.actor, tf).await?;
    Ok(Json(ScanReport {
        compared: r.compared,
        found: r.found,
        new: r.new,
    }))
}

#[utoipa::path(get, path = "/api/v1/task-forces/{tf}/duplicates/{id}", tag = "duplicates",
    params(("tf" = String, Path, description = "Task force id"), ("id" = String, Path, description = "Possible duplicate id")),
    responses((status = 200, body = DuplicateRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids((tf, id), _): Ids<(TaskForceId, PersonMatchId), ApiError>,
) -> Result<Response, ApiError> {
    let view = s.app.duplicate(&caller.actor, tf, id).await?;
    Ok(with_etag(
        view.pair.pair.version,
        Json(DuplicateRecord {
            pair: view.pair.pair,
            left: view.pair.left,
            right: view.pair.right,
            actions: view.actions,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/task-forces/{tf}/duplicates/{id}/decision", tag = "duplicates", request_body = MatchDecisionInput,
    params(("tf" = String, Path, description = "Task force id"), ("id" = String, Path, description = "Possible duplicate id"),
           ("If-Match" = String, Header, description = "The ETag of the version being changed")),
    responses((status = 200, body = PersonMatch), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn decide(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids((tf, id), _): Ids<(TaskForceId, PersonMatchId), ApiError>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<MatchDecisionInput>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers)?;
    let m = s
        .app
        .decide_duplicate(&caller.actor, tf, id, Some(version), input)
        .await?;
    Ok(with_etag(m.version, Json(m)))
}

#[utoipa::path(get, path = "/api/v1/task-forces/{tf}/victim-count", tag = "duplicates",
    params(("tf" = String, Path, description = "Task force id")),
    responses((status = 200, body = VictimCountReport, description = "Counts from 1 to 10 are shown as fewer than 11"),
              (status = 403, body = ErrorBody)))]
pub async fn victim_count(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
) -> Result<Json<VictimCountReport>, ApiError> {
    Ok(Json(s.app.victim_count(&caller.actor, tf).await?))
}
