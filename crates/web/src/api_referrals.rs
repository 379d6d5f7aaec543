//! The JSON API of referrals (`/api/v1/referrals…`) and the navigators' dashboard and SLA hours
//! (`/api/v1/task-forces/{tf}/referrals/…`), through the same use cases, policy and audit as the
//! pages. Registered by full path beside the nested API.

use crate::api::{created, with_etag, ErrorBody, JsonBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids};
use crate::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use taskforce_app::cases::Shown;
use taskforce_app::referrals::{ReferralSummary, Tab};
use taskforce_domain::referrals::*;
use taskforce_domain::*;
use utoipa::{IntoParams, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/referrals", get(list).post(create))
        .route("/api/v1/referrals/{id}", get(read))
        .route("/api/v1/referrals/{id}/actions", post(act))
        .route(
            "/api/v1/task-forces/{tf}/referrals/dashboard",
            get(dashboard),
        )
        .route(
            "/api/v1/task-forces/{tf}/referrals/sla",
            get(sla).put(set_sla),
        )
}

/// The caller's task force (a token acts in its member's).
fn task_force_of(caller: &ApiCaller) -> Result<TaskForceId, ApiError> {
    caller
        .actor
        .principal()
        .map(|p| p.task_force_id)
        .ok_or(ApiError(crate::error::Problem::NotFound))
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// inbox (to the caller's organization), outbox (sent by it), queue (the regions the caller
    /// navigates); inbox when absent.
    tab: Option<String>,
    /// Closed referrals too.
    all: Option<bool>,
}

/// A referral in a list, with the person's name when the caller may read it.
#[derive(Serialize, ToSchema)]
pub struct ListedReferral {
    pub referral: Referral,
    /// Null: withheld from the caller (or no person record: a community partner's referral).
    pub person: Option<String>,
    pub overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralList {
    pub referrals: Vec<ListedReferral>,
}

fn listed(s: ReferralSummary) -> ListedReferral {
    ListedReferral {
        person: match (&s.person, s.referral.person_id) {
            (Shown::Yes(name), Some(_)) => Some(name.clone()),
            _ => None,
        },
        overdue: s.overdue,
        referral: s.referral,
    }
}

#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals", params(ListParams),
    responses((status = 200, body = ReferralList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    caller: ApiCaller,
    Query(params): Query<ListParams>,
) -> Result<Json<ReferralList>, ApiError> {
    let tab = match params.tab.as_deref() {
        None => Tab::Inbox,
        Some(code) => Tab::from_code(code).ok_or_else(|| {
            ApiError(crate::error::Problem::Invalid(Invalid::one(
                "tab",
                "must be inbox, outbox or queue",
            )))
        })?,
    };
    let tf = task_force_of(&caller)?;
    let items = s
        .app
        .referrals(&caller.actor, tf, tab, !params.all.unwrap_or(false))
        .await?;
    Ok(Json(ReferralList {
        referrals: items.into_iter().map(listed).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/referrals", tag = "referrals", request_body = ReferralInput,
    responses((status = 201, body = Referral), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody,
        description = "Refused, each field named; `consent` when no consent of the survivor in force covers the recipient and categories")))]
pub async fn create(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<ReferralInput>,
) -> Result<Response, ApiError> {
    let tf = task_force_of(&caller)?;
    let r = s.app.send_referral(&caller.actor, tf, input).await?;
    Ok(created(
        r.version,
        format!("/api/v1/referrals/{}", r.id),
        Json(r),
    ))
}

/// A referral as the caller may see it, with its history and what they may do now.
#[derive(Serialize, ToSchema)]
pub struct ReferralRecord {
    pub referral: Referral,
    pub person: Option<String>,
    /// The sender's note; null when withheld (the survivor's consent no longer covers the caller).
    pub details: Option<String>,
    pub history: Vec<ReferralEvent>,
    /// Action codes the caller may take now.
    pub actions: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "referrals",
    params(("id" = String, Path, description = "Referral id")),
    responses((status = 200, body = ReferralRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<ReferralId, ApiError>,
) -> Result<Response, ApiError> {
    let tf = task_force_of(&caller)?;
    let view = s.app.referral(&caller.actor, tf, id).await?;
    let version = view.summary.referral.version;
    let details = match view.details {
        Shown::Yes(text) => Some(text),
        Shown::Withheld { .. } => None,
    };
    let actions = view.actions.iter().map(|a| a.code().to_owned()).collect();
    let listed = listed(view.summary);
    Ok(with_etag(
        version,
        Json(ReferralRecord {
            referral: listed.referral,
            person: listed.person,
            details,
            history: view.events,
            actions,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/referrals/{id}/actions", tag = "referrals", request_body = ReferralActionInput,
    params(("id" = String, Path, description = "Referral id")),
    responses((status = 200, body = Referral), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 412, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<ReferralId, ApiError>,
    JsonBody(input): JsonBody<ReferralActionInput>,
) -> Result<Response, ApiError> {
    let tf = task_force_of(&caller)?;
    let r = s.app.act_on_referral(&caller.actor, tf, id, input).await?;
    Ok(with_etag(r.version, Json(r)))
}

/// One region's referral counts (metadata only).
#[derive(Serialize, ToSchema)]
pub struct RegionCounts {
    /// Null: referrals sent to an organization directly.
    pub region_id: Option<RegionId>,
    pub name: String,
    pub total: i64,
    pub open: i64,
    pub oldest_open_hours: Option<i64>,
    pub breached: i64,
    pub by_status: BTreeMap<String, i64>,
    pub outcomes: BTreeMap<String, i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Dashboard {
    pub regions: Vec<RegionCounts>,
    pub sla: SlaHours,
}

#[utoipa::path(get, path = "/api/v1/task-forces/{tf}/referrals/dashboard", tag = "referrals",
    params(("tf" = String, Path, description = "Task force id")),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
pub async fn dashboard(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
) -> Result<Json<Dashboard>, ApiError> {
    let stats = s.app.referral_dashboard(&caller.actor, tf).await?;
    let sla = s.app.referral_sla(tf).await?;
    Ok(Json(Dashboard {
        regions: stats
            .into_iter()
            .map(|g| RegionCounts {
                region_id: g.region_id,
                name: g.name,
                total: g.total,
                open: g.open,
                oldest_open_hours: g.oldest_open_hours,
                breached: g.breached,
                by_status: g
                    .by_status
                    .iter()
                    .map(|(st, n)| (st.code().to_owned(), *n))
                    .collect(),
                outcomes: g
                    .outcomes
                    .iter()
                    .map(|(o, n)| (o.code().to_owned(), *n))
                    .collect(),
            })
            .collect(),
        sla,
    }))
}

#[utoipa::path(get, path = "/api/v1/task-forces/{tf}/referrals/sla", tag = "referrals",
    params(("tf" = String, Path, description = "Task force id")),
    responses((status = 200, body = SlaHours), (status = 403, body = ErrorBody)))]
pub async fn sla(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
) -> Result<Json<SlaHours>, ApiError> {
    // The deadlines are part of the task force's configuration: whoever reads it reads them.
    s.app.task_force(&caller.actor, tf).await?;
    Ok(Json(s.app.referral_sla(tf).await?))
}

#[utoipa::path(put, path = "/api/v1/task-forces/{tf}/referrals/sla", tag = "referrals", request_body = SlaHours,
    params(("tf" = String, Path, description = "Task force id")),
    responses((status = 200, body = SlaHours), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_sla(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(tf, _): Ids<TaskForceId, ApiError>,
    JsonBody(input): JsonBody<SlaHours>,
) -> Result<Json<SlaHours>, ApiError> {
    Ok(Json(
        s.app.set_referral_sla(&caller.actor, tf, input).await?,
    ))
}
