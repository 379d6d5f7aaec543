//! The JSON API of cases, persons and search (`/api/v1/cases`, `/api/v1/persons`,
//! `/api/v1/search`): the same use cases, policy and audit as the pages. A case read answers
//! with the whole picture cut to what the caller may see; withheld parts say only their label.

use crate::api::{created, if_match, with_etag, ErrorBody, JsonBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use taskforce_app::cases::SearchQuery;
use taskforce_domain::cases::*;
use taskforce_domain::*;
use taskforce_store::cases::CaseFilter;
use taskforce_store::search::SearchFilter;
use utoipa::{IntoParams, ToSchema};

/// Registered by full path (merged beside the nested `/api/v1` structure routes).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", get(list).post(create))
        .route("/api/v1/cases/{id}", get(read).put(update))
        .route("/api/v1/cases/{id}/notes", post(add_note))
        .route("/api/v1/cases/{id}/persons", post(add_person))
        .route("/api/v1/cases/{id}/links", post(link))
        .route("/api/v1/cases/{id}/charges", post(add_charge))
        .route("/api/v1/persons/{id}", get(person))
        .route("/api/v1/persons/{id}/identifiers", post(add_identifier))
        .route(
            "/api/v1/persons/{id}/identifiers/{identifier}",
            delete(remove_identifier),
        )
        .route("/api/v1/search", get(search))
}

/// The caller's task force (a token always acts as a member).
fn tf(caller: &ApiCaller) -> TaskForceId {
    caller
        .actor
        .principal()
        .map_or(TaskForceId(uuid::Uuid::nil()), |p| p.task_force_id)
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// `investigation`, `service_case` or `prosecution`.
    kind: Option<String>,
    status: Option<String>,
    trafficking_type: Option<String>,
    /// Text in the reference or title.
    q: Option<String>,
    /// At most 500; 50 when not given.
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub cases: Vec<CaseSummary>,
    /// All the cases the caller may see that match, not only this page.
    pub total: i64,
}

fn code<T>(
    value: &Option<String>,
    field: &str,
    from: fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => from(v).map(Some).ok_or_else(|| {
            ApiError::from(taskforce_app::AppError::Invalid(Invalid::one(
                field,
                "is not one of the allowed values",
            )))
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListParams),
    responses((status = 200, body = CaseList)))]
pub async fn list(
    State(s): State<AppState>,
    caller: ApiCaller,
    Query(p): Query<ListParams>,
) -> Result<Json<CaseList>, ApiError> {
    let filter = CaseFilter {
        kind: code(&p.kind, "kind", CaseKind::from_code)?,
        status: code(&p.status, "status", CaseStatus::from_code)?,
        trafficking_type: code(
            &p.trafficking_type,
            "trafficking_type",
            TraffickingType::from_code,
        )?,
        organization: None,
        text: p.q,
    };
    let (cases, total) = s
        .app
        .cases(
            &caller.actor,
            tf(&caller),
            &filter,
            p.limit.unwrap_or(50),
            p.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(CaseList { cases, total }))
}

#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseInput,
    responses((status = 201, body = Case), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<CaseInput>,
) -> Result<Response, ApiError> {
    let case = s.app.create_case(&caller.actor, tf(&caller), input).await?;
    Ok(created(
        case.version,
        format!("/api/v1/cases/{}", case.id),
        Json(case),
    ))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "The case with its people, notes, tasks, timeline, links, files, charges and team; parts the caller may not see are marked withheld with their label only"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseId, ApiError>,
) -> Result<Response, ApiError> {
    let view = s.app.case_view(&caller.actor, tf(&caller), id).await?;
    Ok(with_etag(view.case.version, Json(view)))
}

#[utoipa::path(put, path = "/api/v1/cases/{id}", tag = "cases", request_body = CaseInput,
    params(("id" = String, Path, description = "Case id"), ("If-Match" = String, Header, description = "The ETag of the version being changed")),
    responses((status = 200, body = Case), (status = 403, body = ErrorBody), (status = 412, body = ErrorBody), (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseId, ApiError>,
    headers: HeaderMap,
    JsonBody(input): JsonBody<CaseInput>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers)?;
    let case = s
        .app
        .update_case(&caller.actor, tf(&caller), id, version, input)
        .await?;
    Ok(with_etag(case.version, Json(case)))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", request_body = NoteInput,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = Note), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseId, ApiError>,
    JsonBody(input): JsonBody<NoteInput>,
) -> Result<Response, ApiError> {
    let note = s
        .app
        .add_note(&caller.actor, tf(&caller), id, input)
        .await?;
    Ok(created(
        1,
        format!("/api/v1/cases/{id}#note-{}", note.id),
        Json(note),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCasePerson {
    pub role: PersonRole,
    pub person: PersonInput,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/persons", tag = "cases", request_body = NewCasePerson,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 201, body = Person), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_person(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseId, ApiError>,
    JsonBody(input): JsonBody<NewCasePerson>,
) -> Result<Response, ApiError> {
    let person = s
        .app
        .add_person(&caller.actor, tf(&caller), id, input.role, input.person)
        .await?;
    Ok(created(
        person.version,
        format!("/api/v1/persons/{}", person.id),
        Json(person),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    pub other_case_id: CaseId,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/links", tag = "cases", request_body = LinkInput,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 204, description = "Linked"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseId, ApiError>,
    JsonBody(input): JsonBody<LinkInput>,
) -> Result<axum::http::StatusCode, ApiError> {
    s.app
        .link_cases(&caller.actor, tf(&caller), id, input.other_case_id)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/charges", tag = "cases", request_body = ChargeInput,
    params(("id" = String, Path, description = "Prosecution id")),
    responses((status = 201, body = Charge), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_charge(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<CaseId, ApiError>,
    JsonBody(input): JsonBody<ChargeInput>,
) -> Result<Response, ApiError> {
    let charge = s
        .app
        .add_charge(&caller.actor, tf(&caller), id, input)
        .await?;
    Ok(created(
        charge.version,
        format!("/api/v1/cases/{id}"),
        Json(charge),
    ))
}

#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "cases",
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "The person with identifiers"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
) -> Result<Response, ApiError> {
    let view = s.app.person_view(&caller.actor, tf(&caller), id).await?;
    Ok(with_etag(view.person.version, Json(view)))
}

#[utoipa::path(post, path = "/api/v1/persons/{id}/identifiers", tag = "cases", request_body = IdentifierInput,
    params(("id" = String, Path, description = "Person id")),
    responses((status = 201, body = Identifier), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_identifier(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids(id, _): Ids<PersonId, ApiError>,
    JsonBody(input): JsonBody<IdentifierInput>,
) -> Result<Response, ApiError> {
    let identifier = s
        .app
        .add_identifier(&caller.actor, tf(&caller), id, input)
        .await?;
    Ok(created(
        1,
        format!("/api/v1/persons/{id}"),
        Json(identifier),
    ))
}

#[utoipa::path(delete, path = "/api/v1/persons/{id}/identifiers/{identifier}", tag = "cases",
    params(("id" = String, Path, description = "Person id"), ("identifier" = String, Path, description = "Identifier id")),
    responses((status = 204, description = "Removed: the value no longer matches in search or deconfliction"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_identifier(
    State(s): State<AppState>,
    caller: ApiCaller,
    Ids((id, identifier), _): Ids<(PersonId, IdentifierId), ApiError>,
) -> Result<Response, ApiError> {
    s.app
        .remove_identifier(&caller.actor, tf(&caller), id, identifier)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// The words to find (all of them).
    q: Option<String>,
    /// `case`, `person`, `note` or `tip`.
    kind: Option<String>,
    status: Option<String>,
    trafficking_type: Option<String>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "cases", params(SearchParams),
    responses((status = 200, description = "Results the caller may see, with snippets and the total"), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(s): State<AppState>,
    caller: ApiCaller,
    Query(p): Query<SearchParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let filter = SearchFilter {
        doc_kinds: match p.kind.as_deref() {
            None | Some("") => Vec::new(),
            Some("case") => vec!["case"],
            Some("person") => vec!["person"],
            Some("note") => vec!["note"],
            Some("tip") => vec!["tip"],
            Some(_) => {
                return Err(taskforce_app::AppError::Invalid(Invalid::one(
                    "kind",
                    "must be case, person, note or tip",
                ))
                .into())
            }
        },
        status: p.status.filter(|s| !s.is_empty()),
        trafficking_type: p.trafficking_type.filter(|s| !s.is_empty()),
        organization: None,
        from: p.from,
        to: p.to,
    };
    let (results, total) = s
        .app
        .search(
            &caller.actor,
            tf(&caller),
            &SearchQuery {
                text: p.q.unwrap_or_default(),
                filter,
            },
            p.limit.unwrap_or(50),
        )
        .await?;
    Ok(Json(
        serde_json::json!({ "results": results, "total": total }),
    ))
}
