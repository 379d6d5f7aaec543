//! The JSON API of services and service plans, the shared interview record and case reviews
//! (`/api/v1/persons/{id}/services|goals|interview`, `/api/v1/reviews`): the same use cases,
//! policy and audit as the pages. Withheld parts say only their label and reason.

use crate::api::{created, if_match, with_etag, ErrorBody, JsonBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids};
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use taskforce_domain::cases::TaskInput;
use taskforce_domain::services::*;
use taskforce_domain::*;
use utoipa::ToSchema;

/// Registered by full path (merged beside the nested `/api/v1` structure routes).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/persons/{id}/services",
            get(services).post(record_service),
        )
        .route("/api/v1/persons/{id}/goals", post(add_goal))
        .route(
            "/api/v1/persons/{id}/interview",
            get(interview).put(record_interview),
        )
        .route("/api/v1/reviews", get(reviews).post(create_review))
        .route("/api/v1/reviews/{id}", get(review))
        .route("/api/v1/reviews/{id}/agenda", post(add_agenda_case))
        .route("/api/v1/reviews/{id}/decisions", post(record_decision))
        .route("/api/v1/reviews/{id}/actions", post(add_action))
}

fn tf(caller: &ApiCaller) -> TaskForceId {
    caller
        .actor
        .principal()
        .map_or(TaskForceId(uuid::Uuid::nil()), |p| p.task_force_id)
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/services", tag = "services",
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "The person's services and service plan; each entry either `visible` or `withheld` with its label and reason"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn services(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
) -> Result<Response, ApiError> {
    let view = s.app.services_of(&caller.actor, tf(&caller), id).await?;
    Ok(Json(view).into_response())
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/services", tag = "services", request_body = ServiceInput,
    params(("id" = String, Path, description = "Person id")),
    responses((status = 201, body = Service), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_service(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
    JsonBody(input): JsonBody<ServiceInput>,
) -> Result<Response, ApiError> {
    let service = s
        .app
        .record_service(&caller.actor, tf(&caller), id, input)
        .await?;
    Ok(created(
        service.version,
        format!("/api/v1/persons/{id}/services"),
        Json(service),
    ))
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/goals", tag = "services", request_body = GoalInput,
    params(("id" = String, Path, description = "Person id")),
    responses((status = 201, body = ServiceGoal), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_goal(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
    JsonBody(input): JsonBody<GoalInput>,
) -> Result<Response, ApiError> {
    let goal = s
        .app
        .add_service_goal(&caller.actor, tf(&caller), id, input)
        .await?;
    Ok(created(
        goal.version,
        format!("/api/v1/persons/{id}/services"),
        Json(goal),
    ))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}/interview", tag = "services",
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "The person's interview record: absent, `visible`, or `withheld` with its label and reason"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn interview(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
) -> Result<Response, ApiError> {
    let view = s.app.interview_of(&caller.actor, tf(&caller), id).await?;
    Ok(Json(view).into_response())
}

#[utoipa::path(put, path = "/api/v1/persons/{id}/interview", tag = "services", request_body = InterviewInput,
    params(("id" = String, Path, description = "Person id"),
        ("If-Match" = Option<String>, Header, description = "The record's version, to change an existing record")),
    responses((status = 201, body = Interview), (status = 200, body = Interview), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_interview(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<InterviewInput>,
) -> Result<Response, ApiError> {
    let version = if headers.contains_key(header::IF_MATCH) {
        Some(if_match(&headers)?)
    } else {
        None
    };
    let interview = s
        .app
        .record_interview(&caller.actor, tf(&caller), id, version, input)
        .await?;
    Ok(match version {
        None => created(
            interview.version,
            format!("/api/v1/persons/{id}/interview"),
            Json(interview),
        ),
        Some(_) => with_etag(interview.version, Json(interview)),
    })
}

#[utoipa::path(get, path = "/api/v1/reviews", tag = "reviews",
    responses((status = 200, description = "The task force's case reviews, latest first"), (status = 403, body = ErrorBody)))]
pub async fn reviews(State(s): State<AppState>, caller: ApiCaller) -> Result<Response, ApiError> {
    let list: Vec<CaseReview> = s
        .app
        .case_reviews(&caller.actor, tf(&caller))
        .await?
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    Ok(Json(list).into_response())
}

#[utoipa::path(post, path = "/api/v1/reviews", tag = "reviews", request_body = CaseReviewInput,
    responses((status = 201, body = CaseReview), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_review(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<CaseReviewInput>,
) -> Result<Response, ApiError> {
    let review = s
        .app
        .create_case_review(&caller.actor, tf(&caller), input)
        .await?;
    Ok(created(
        review.version,
        format!("/api/v1/reviews/{}", review.id),
        Json(review),
    ))
}

#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "reviews",
    params(("id" = String, Path, description = "Case review id")),
    responses((status = 200, description = "The review with its agenda; each case `visible` or `withheld` as its own policy decides"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn review(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseReviewId, ApiError>,
) -> Result<Response, ApiError> {
    let view = s.app.case_review(&caller.actor, tf(&caller), id).await?;
    Ok(with_etag(view.review.version, Json(view)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaInput {
    /// The reference of a case the caller may read.
    #[serde(default)]
    pub case_reference: String,
}

#[utoipa::path(post, path = "/api/v1/reviews/{id}/agenda", tag = "reviews", request_body = AgendaInput,
    params(("id" = String, Path, description = "Case review id")),
    responses((status = 201, description = "The case is on the agenda"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_agenda_case(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseReviewId, ApiError>,
    JsonBody(input): JsonBody<AgendaInput>,
) -> Result<Response, ApiError> {
    let item = s
        .app
        .add_review_case(&caller.actor, tf(&caller), id, &input.case_reference)
        .await?;
    Ok(created(
        1,
        format!("/api/v1/reviews/{id}"),
        Json(serde_json::json!({ "item_id": item.id, "case_id": item.case_id })),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// The agenda item (`item_id` of the review's agenda).
    #[serde(default)]
    pub item_id: Option<ReviewItemId>,
    #[serde(default)]
    pub decision: String,
}

#[utoipa::path(post, path = "/api/v1/reviews/{id}/decisions", tag = "reviews", request_body = DecisionInput,
    params(("id" = String, Path, description = "Case review id")),
    responses((status = 204, description = "Recorded"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_decision(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseReviewId, ApiError>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> Result<Response, ApiError> {
    s.app
        .record_review_decision(
            &caller.actor,
            tf(&caller),
            id,
            input.item_id,
            &input.decision,
        )
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// The agenda item whose case gets the task.
    #[serde(default)]
    pub item_id: Option<ReviewItemId>,
    #[serde(default)]
    pub title: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub assignee_member_id: Option<MemberId>,
}

#[utoipa::path(post, path = "/api/v1/reviews/{id}/actions", tag = "reviews", request_body = ActionInput,
    params(("id" = String, Path, description = "Case review id")),
    responses((status = 201, description = "The task made on the case"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_action(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseReviewId, ApiError>,
    JsonBody(input): JsonBody<ActionInput>,
) -> Result<Response, ApiError> {
    let task = s
        .app
        .add_review_action(
            &caller.actor,
            tf(&caller),
            id,
            input.item_id,
            TaskInput {
                title: input.title,
                due_on: input.due_on,
                assignee_member_id: input.assignee_member_id,
                status: None,
            },
        )
        .await?;
    Ok(created(
        task.version,
        format!("/api/v1/cases/{}", task.case_id),
        Json(task),
    ))
}
