//! The JSON API of intake (`/api/v1/task-forces/{tf}/tips`, `…/screenings`,
//! `…/screening-instrument`): partner tips and their status, triage, screenings and the
//! instrument, through the same use cases, policy and audit as the pages. Registered by full
//! path beside the nested API.

use crate::api::{created, if_match, with_etag, ErrorBody, JsonBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use taskforce_domain::intake::{Tip, TipAddition, TipInput, TriageInput};
use taskforce_domain::screening::{Instrument, Screening, ScreeningInput};
use taskforce_domain::*;
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/task-forces/{tf}/tips", get(list).post(create))
        .route("/api/v1/task-forces/{tf}/tips/{id}", get(read))
        .route("/api/v1/task-forces/{tf}/tips/{id}/triage", post(triage))
        .route("/api/v1/task-forces/{tf}/screenings", post(screen))
        .route(
            "/api/v1/task-forces/{tf}/screening-instrument",
            get(instrument).put(set_instrument),
        )
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// Every tip routed to the caller's organization, not only the open ones.
    all: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct TipList {
    /// False: the caller sees only the tips they submitted (status only).
    pub triage: bool,
    pub tips: Vec<Tip>,
}

#[derive(Serialize, ToSchema)]
pub struct TipRecord {
    pub tip: Tip,
    /// False: status only (the partner who submitted it).
    pub content: bool,
    pub additions: Vec<TipAddition>,
    pub screenings: Vec<Screening>,
}

#[derive(Serialize, ToSchema)]
pub struct InstrumentRecord {
    pub instrument: Instrument,
    pub is_default: bool,
    pub intake_organization_id: Option<OrganizationId>,
    /// Where public and imported tips go now.
    pub routed_to: Option<OrganizationId>,
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentUpdate {
    /// The instrument; absent or null: the shipped default.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub instrument: Option<serde_json::Value>,
    /// The organization public tips are routed to; absent: the lead law enforcement agency.
    #[serde(default)]
    pub intake_organization_id: Option<OrganizationId>,
}

#[utoipa::path(get, path = "/api/v1/task-forces/{tf}/tips", tag = "intake",
    params(("tf" = String, Path, description = "Task force id"), ListParams),
    responses((status = 200, body = TipList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
    Query(params): Query<ListParams>,
) -> Result<Json<TipList>, ApiError> {
    let list = s
        .app
        .tips(&caller.actor, tf, params.all.unwrap_or(false))
        .await?;
    Ok(Json(TipList {
        triage: list.triage,
        tips: list.tips,
    }))
}

#[utoipa::path(post, path = "/api/v1/task-forces/{tf}/tips", tag = "intake", request_body = TipInput,
    params(("tf" = String, Path, description = "Task force id")),
    responses((status = 201, body = Tip), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
    JsonBody(input): JsonBody<TipInput>,
) -> Result<Response, ApiError> {
    let tip = s.app.submit_partner_tip(&caller.actor, tf, input).await?;
    Ok(created(
        tip.version,
        format!("/api/v1/task-forces/{tf}/tips/{}", tip.id),
        Json(tip),
    ))
}

#[utoipa::path(get, path = "/api/v1/task-forces/{tf}/tips/{id}", tag = "intake",
    params(("tf" = String, Path, description = "Task force id"), ("id" = String, Path, description = "Tip id")),
    responses((status = 200, body = TipRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids((tf, id), _): Ids<(TaskForceId, TipId), ApiError>,
) -> Result<Response, ApiError> {
    let view = s.app.tip(&caller.actor, tf, id).await?;
    Ok(with_etag(
        view.tip.version,
        Json(TipRecord {
            tip: view.tip,
            content: view.content,
            additions: view.additions,
            screenings: view.screenings,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/task-forces/{tf}/tips/{id}/triage", tag = "intake", request_body = TriageInput,
    params(("tf" = String, Path, description = "Task force id"), ("id" = String, Path, description = "Tip id"),
           ("If-Match" = String, Header, description = "The ETag of the version being changed")),
    responses((status = 200, body = Tip), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn triage(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids((tf, id), _): Ids<(TaskForceId, TipId), ApiError>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<TriageInput>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers)?;
    let tip = s
        .app
        .triage_tip(&caller.actor, tf, id, version, input)
        .await?;
    Ok(with_etag(tip.version, Json(tip)))
}

#[utoipa::path(post, path = "/api/v1/task-forces/{tf}/screenings", tag = "intake", request_body = ScreeningInput,
    params(("tf" = String, Path, description = "Task force id")),
    responses((status = 201, body = Screening, description = "Scored; the result suggests, it never decides"),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn screen(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
    JsonBody(input): JsonBody<ScreeningInput>,
) -> Result<Response, ApiError> {
    let stored = s.app.record_screening(&caller.actor, tf, input).await?;
    let mut response = Json(stored).into_response();
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

fn instrument_record(view: taskforce_app::intake::InstrumentView) -> Response {
    with_etag(
        view.version,
        Json(InstrumentRecord {
            instrument: view.instrument,
            is_default: view.is_default,
            intake_organization_id: view.intake_organization_id,
            routed_to: view.routed_to,
            version: view.version,
        }),
    )
}

#[utoipa::path(get, path = "/api/v1/task-forces/{tf}/screening-instrument", tag = "intake",
    params(("tf" = String, Path, description = "Task force id")),
    responses((status = 200, body = InstrumentRecord), (status = 403, body = ErrorBody)))]
pub async fn instrument(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
) -> Result<Response, ApiError> {
    Ok(instrument_record(
        s.app.screening_instrument(&caller.actor, tf).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/task-forces/{tf}/screening-instrument", tag = "intake", request_body = InstrumentUpdate,
    params(("tf" = String, Path, description = "Task force id"),
           ("If-Match" = String, Header, description = "The ETag of the version being changed (\"0\" before the first change)")),
    responses((status = 200, body = InstrumentRecord), (status = 403, body = ErrorBody), (status = 412, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn set_instrument(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<InstrumentUpdate>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers)?;
    let json = input.instrument.map(|v| v.to_string());
    let view = s
        .app
        .set_intake_settings(
            &caller.actor,
            tf,
            version,
            json.as_deref(),
            input.intake_organization_id,
        )
        .await?;
    Ok(instrument_record(view))
}
