//! The JSON API of target deconfliction (`/api/v1/deconfliction…`): the caller's agency's
//! alerts, one alert, its actions, and a person's "do not disclose" setting, through the same
//! use cases, policy and audit as the pages. An alert carries the contact at the other agency
//! and the kind of identifier that matched, nothing else. Registered by full path.

use crate::api::{ErrorBody, JsonBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids};
use crate::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use taskforce_app::deconfliction::{HitView, TargetView};
use taskforce_domain::deconfliction::{Contact, DoNotDiscloseInput, HitActionInput};
use taskforce_domain::*;
use utoipa::ToSchema;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/deconfliction", get(list))
        .route("/api/v1/deconfliction/{id}", get(read))
        .route("/api/v1/deconfliction/{id}/actions", post(act))
        .route(
            "/api/v1/persons/{id}/do-not-disclose",
            post(set_do_not_disclose),
        )
}

/// The caller's task force (a token always acts as a member).
fn tf(caller: &ApiCaller) -> TaskForceId {
    caller
        .actor
        .principal()
        .map_or(TaskForceId(uuid::Uuid::nil()), |p| p.task_force_id)
}

/// One alert: whom to contact, what kind of identifier matched, and the caller's agency's own
/// acknowledgement and contact.
#[derive(Serialize, ToSchema)]
pub struct Alert {
    #[schema(value_type = String)]
    pub id: DeconflictionHitId,
    /// `name_dob`, `name_dob_sounds`, `phone`, `email`, `address`, `vehicle`, `social`, `business`.
    pub matched: String,
    /// The same in words.
    pub matched_words: String,
    /// `open`, `awaiting_decision` (the caller's supervisors decide) or `withheld`.
    pub state: String,
    pub contact: Contact,
    /// The caller's own case that matched.
    #[schema(value_type = String)]
    pub your_case_id: CaseId,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub contacted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// What the caller may do now (`acknowledge`, `contacted`, `disclose`, `withhold`).
    pub actions: Vec<String>,
}

impl From<HitView> for Alert {
    fn from(h: HitView) -> Self {
        Self {
            id: h.id,
            matched: h.matched.code().to_owned(),
            matched_words: h.matched.label().to_owned(),
            state: h.state.to_owned(),
            contact: h.contact,
            your_case_id: h.your_case_id,
            acknowledged_at: h.acknowledged_at,
            contacted_at: h.contacted_at,
            created_at: h.created_at,
            actions: h.actions.iter().map(|a| a.code().to_owned()).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Target {
    #[schema(value_type = String)]
    pub person_id: PersonId,
    /// Whether the person is on an investigation (only those are checked).
    pub checked: bool,
    pub do_not_disclose: bool,
    /// Keyed tokens the index holds for the person (never their values).
    pub tokens: usize,
    /// For the person's holding agency: hits on them already disclosed to another agency
    /// (marking them "do not disclose" holds new hits only).
    pub already_disclosed: Option<usize>,
}

impl From<TargetView> for Target {
    fn from(t: TargetView) -> Self {
        Self {
            person_id: t.person_id,
            checked: t.checked,
            do_not_disclose: t.do_not_disclose,
            tokens: t.tokens,
            already_disclosed: t.already_disclosed,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/deconfliction", tag = "deconfliction",
    responses((status = 200, body = [Alert]), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let tf = tf(&caller);
    let hits = s.app.deconfliction_hits(&caller.actor, tf).await?;
    Ok(Json(hits.into_iter().map(Alert::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/deconfliction/{id}", tag = "deconfliction",
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = Alert), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<DeconflictionHitId, ApiError>,
) -> Result<Json<Alert>, ApiError> {
    let tf = tf(&caller);
    let hit = s.app.deconfliction_hit(&caller.actor, tf, id).await?;
    Ok(Json(hit.into()))
}

#[utoipa::path(post, path = "/api/v1/deconfliction/{id}/actions", tag = "deconfliction", request_body = HitActionInput,
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = Alert), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<DeconflictionHitId, ApiError>,
    JsonBody(input): JsonBody<HitActionInput>,
) -> Result<Json<Alert>, ApiError> {
    let tf = tf(&caller);
    let hit = s.app.act_on_hit(&caller.actor, tf, id, input).await?;
    Ok(Json(hit.into()))
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/do-not-disclose", tag = "deconfliction", request_body = DoNotDiscloseInput,
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, body = Target), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn set_do_not_disclose(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
    JsonBody(input): JsonBody<DoNotDiscloseInput>,
) -> Result<Json<Target>, ApiError> {
    let tf = tf(&caller);
    let target = s
        .app
        .set_do_not_disclose(&caller.actor, tf, id, input)
        .await?;
    Ok(Json(target.into()))
}
