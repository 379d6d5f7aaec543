//! The JSON API under `/api/v1`, described by OpenAPI at `/api/openapi.json`.
//!
//! Reads answer with an `ETag` holding the record's version; updates must send it back in
//! `If-Match`, so that a change made meanwhile by someone else is never silently overwritten
//! (`412`). Bad bodies get `422` with one entry per field.

use crate::auth::ApiCaller;
use crate::error::{ApiError, Ids, Problem};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Serialize;
use taskforce_domain::structure::*;
use taskforce_domain::*;
use utoipa::{OpenApi, ToSchema};

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// `not_found`, `invalid`, `conflict`, `version_required` or `internal`.
    pub error: String,
    pub message: String,
    /// For `invalid`: each refused field and why.
    pub fields: Vec<FieldError>,
}

/// A JSON body, refused with field-named errors when it does not fit the expected shape.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError(Problem::Invalid(Invalid::one("body", "could not be read"))))?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(&mut deserializer) {
            Ok(value) => Ok(Self(value)),
            Err(err) => Err(ApiError(Problem::Invalid(json_error(&err)))),
        }
    }
}

/// Names the field a JSON error is about, in words.
fn json_error(err: &serde_path_to_error::Error<serde_json::Error>) -> Invalid {
    let path = err.path().to_string();
    let inner = err.inner().to_string();
    let detail = inner.split(" at line ").next().unwrap_or(&inner).to_owned();
    let quoted = |text: &str| text.split('`').nth(1).map(str::to_owned);
    let (field, message) = if let Some(rest) = detail.strip_prefix("missing field ") {
        // The path is that of the record missing the field (`memberships[1]`), `.` at the top.
        let field = match quoted(rest) {
            Some(name) if path == "." => name,
            Some(name) => format!("{path}.{name}"),
            None => path.clone(),
        };
        (field, "is required".to_owned())
    } else if detail.starts_with("unknown field ") {
        let name = quoted(&detail).unwrap_or_default();
        // The path already ends with the unknown key (`memberships[0].since`); only at the top
        // level can it be empty.
        let field = if path == "." {
            name
        } else if path == name || path.ends_with(&format!(".{name}")) {
            path.clone()
        } else {
            format!("{path}.{name}")
        };
        (field, "is not a field of this record".to_owned())
    } else if err.inner().is_syntax() || err.inner().is_eof() {
        ("body".to_owned(), format!("is not valid JSON ({detail})"))
    } else {
        (
            if path == "." {
                "body".to_owned()
            } else {
                path.clone()
            },
            detail,
        )
    };
    Invalid::one(field, message)
}

pub(crate) fn with_etag(version: i64, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

pub(crate) fn created(version: i64, location: String, body: impl IntoResponse) -> Response {
    let mut response = with_etag(version, body);
    *response.status_mut() = StatusCode::CREATED;
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The version an update is based on, from `If-Match: "N"`.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Err(ApiError(Problem::VersionRequired));
    };
    let text = value
        .to_str()
        .unwrap_or_default()
        .trim()
        .trim_start_matches("W/")
        .trim_matches('"');
    text.parse().map_err(|_| {
        ApiError(Problem::Invalid(Invalid::one(
            "If-Match",
            "must be the ETag of the record, e.g. \"3\"",
        )))
    })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/task-forces",
            get(task_forces::list).post(task_forces::create),
        )
        .route(
            "/task-forces/{tf}",
            get(task_forces::get).put(task_forces::update),
        )
        .route(
            "/task-forces/{tf}/regions",
            get(regions::list).post(regions::create),
        )
        .route(
            "/task-forces/{tf}/regions/{id}",
            get(regions::get).put(regions::update),
        )
        .route(
            "/task-forces/{tf}/organizations",
            get(organizations::list).post(organizations::create),
        )
        .route(
            "/task-forces/{tf}/organizations/{id}",
            get(organizations::get).put(organizations::update),
        )
        .route(
            "/task-forces/{tf}/members",
            get(members::list).post(members::create),
        )
        .route(
            "/task-forces/{tf}/members/{id}",
            get(members::get).put(members::update),
        )
        .route("/task-forces/{tf}/mous", get(mous::list).post(mous::create))
        .route(
            "/task-forces/{tf}/mous/{id}",
            get(mous::get).put(mous::update),
        )
        .route(
            "/task-forces/{tf}/awards",
            get(awards::list).post(awards::create),
        )
        .route(
            "/task-forces/{tf}/awards/{id}",
            get(awards::get).put(awards::update),
        )
        .fallback(|| async { ApiError(Problem::NotFound) })
}

mod task_forces {
    use super::*;

    #[utoipa::path(get, path = "/api/v1/task-forces", tag = "task forces",
        responses((status = 200, description = "The directory of task forces", body = Vec<TaskForce>)))]
    pub async fn list(
        State(s): State<AppState>,
        caller: ApiCaller,
    ) -> Result<Json<Vec<TaskForce>>, ApiError> {
        Ok(Json(s.app.task_forces(&caller.actor).await?))
    }

    #[utoipa::path(get, path = "/api/v1/task-forces/{tf}", tag = "task forces",
        params(("tf" = String, Path, description = "Task force id")),
        responses((status = 200, body = TaskForce), (status = 404, body = ErrorBody)))]
    pub async fn get(
        State(s): State<AppState>,
        caller: ApiCaller,
        Ids(tf, _): Ids<TaskForceId, ApiError>,
    ) -> Result<Response, ApiError> {
        let t = s.app.task_force(&caller.actor, tf).await?;
        Ok(with_etag(t.version, Json(t)))
    }

    #[utoipa::path(post, path = "/api/v1/task-forces", tag = "task forces", request_body = TaskForceInput,
        responses((status = 201, body = TaskForce), (status = 422, body = ErrorBody)))]
    pub async fn create(
        State(s): State<AppState>,
        caller: ApiCaller,
        JsonBody(input): JsonBody<TaskForceInput>,
    ) -> Result<Response, ApiError> {
        let t = s.app.create_task_force(&caller.actor, input).await?;
        Ok(created(
            t.version,
            format!("/api/v1/task-forces/{}", t.id),
            Json(t),
        ))
    }

    #[utoipa::path(put, path = "/api/v1/task-forces/{tf}", tag = "task forces", request_body = TaskForceInput,
        params(("tf" = String, Path, description = "Task force id"),
               ("If-Match" = String, Header, description = "The ETag of the version being changed")),
        responses((status = 200, body = TaskForce), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody),
                  (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
    pub async fn update(
        State(s): State<AppState>,
        caller: ApiCaller,
        Ids(tf, _): Ids<TaskForceId, ApiError>,
        headers: HeaderMap,
        JsonBody(input): JsonBody<TaskForceInput>,
    ) -> Result<Response, ApiError> {
        let version = if_match(&headers)?;
        let t = s
            .app
            .update_task_force(&caller.actor, tf, version, input)
            .await?;
        Ok(with_etag(t.version, Json(t)))
    }
}

/// The four operations of a record kind that lives inside a task force.
macro_rules! section {
    ($module:ident, $tag:literal, $collection:literal, $item:literal, $Id:ty, $Entity:ty, $Input:ty,
     $list:ident, $get:ident, $create:ident, $update:ident) => {
        mod $module {
            use super::*;

            #[utoipa::path(get, path = $collection, tag = $tag,
                params(("tf" = String, Path, description = "Task force id")),
                responses((status = 200, body = Vec<$Entity>), (status = 404, body = ErrorBody)))]
            pub async fn list(State(s): State<AppState>,
        caller: ApiCaller, Ids(tf, _): Ids<TaskForceId, ApiError>) -> Result<Json<Vec<$Entity>>, ApiError> {
                Ok(Json(s.app.$list(&caller.actor, tf).await?))
            }

            #[utoipa::path(get, path = $item, tag = $tag,
                params(("tf" = String, Path, description = "Task force id"), ("id" = String, Path, description = "Record id")),
                responses((status = 200, body = $Entity), (status = 404, body = ErrorBody)))]
            pub async fn get(State(s): State<AppState>,
        caller: ApiCaller, Ids((tf, id), _): Ids<(TaskForceId, $Id), ApiError>) -> Result<Response, ApiError> {
                let record = s.app.$get(&caller.actor, tf, id).await?;
                Ok(with_etag(record.version, Json(record)))
            }

            #[utoipa::path(post, path = $collection, tag = $tag, request_body = $Input,
                params(("tf" = String, Path, description = "Task force id")),
                responses((status = 201, body = $Entity), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
            pub async fn create(
                State(s): State<AppState>,
        caller: ApiCaller,
                Ids(tf, _): Ids<TaskForceId, ApiError>,
                JsonBody(input): JsonBody<$Input>,
            ) -> Result<Response, ApiError> {
                let record = s.app.$create(&caller.actor, tf, input).await?;
                let location = format!("{}/{}", $collection.replace("{tf}", &tf.to_string()), record.id);
                Ok(created(record.version, location, Json(record)))
            }

            #[utoipa::path(put, path = $item, tag = $tag, request_body = $Input,
                params(("tf" = String, Path, description = "Task force id"), ("id" = String, Path, description = "Record id"),
                       ("If-Match" = String, Header, description = "The ETag of the version being changed")),
                responses((status = 200, body = $Entity), (status = 404, body = ErrorBody), (status = 412, body = ErrorBody),
                          (status = 422, body = ErrorBody), (status = 428, body = ErrorBody)))]
            pub async fn update(
                State(s): State<AppState>,
        caller: ApiCaller,
                Ids((tf, id), _): Ids<(TaskForceId, $Id), ApiError>,
                headers: HeaderMap,
                JsonBody(input): JsonBody<$Input>,
            ) -> Result<Response, ApiError> {
                let version = if_match(&headers)?;
                let record = s.app.$update(&caller.actor, tf, id, version, input).await?;
                Ok(with_etag(record.version, Json(record)))
            }
        }
    };
}

section!(
    regions,
    "regions",
    "/api/v1/task-forces/{tf}/regions",
    "/api/v1/task-forces/{tf}/regions/{id}",
    RegionId,
    Region,
    RegionInput,
    regions,
    region,
    create_region,
    update_region
);
section!(
    organizations,
    "organizations",
    "/api/v1/task-forces/{tf}/organizations",
    "/api/v1/task-forces/{tf}/organizations/{id}",
    OrganizationId,
    Organization,
    OrganizationInput,
    organizations,
    organization,
    create_organization,
    update_organization
);
section!(
    members,
    "members",
    "/api/v1/task-forces/{tf}/members",
    "/api/v1/task-forces/{tf}/members/{id}",
    MemberId,
    Member,
    MemberInput,
    members,
    member,
    create_member,
    update_member
);
section!(
    mous,
    "MOUs",
    "/api/v1/task-forces/{tf}/mous",
    "/api/v1/task-forces/{tf}/mous/{id}",
    MouId,
    Mou,
    MouInput,
    mous,
    mou,
    create_mou,
    update_mou
);
section!(
    awards,
    "funding awards",
    "/api/v1/task-forces/{tf}/awards",
    "/api/v1/task-forces/{tf}/awards/{id}",
    AwardId,
    FundingAward,
    FundingAwardInput,
    awards,
    award,
    create_award,
    update_award
);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Taskforce API",
        version = "1",
        description = "Task force structure (task forces, regions, organizations, members, MOUs, funding awards) and cases (investigations, service cases, prosecutions, persons, notes, charges, search)."
    ),
    paths(
        task_forces::list,
        task_forces::get,
        task_forces::create,
        task_forces::update,
        regions::list,
        regions::get,
        regions::create,
        regions::update,
        organizations::list,
        organizations::get,
        organizations::create,
        organizations::update,
        members::list,
        members::get,
        members::create,
        members::update,
        mous::list,
        mous::get,
        mous::create,
        mous::update,
        awards::list,
        awards::get,
        awards::create,
        awards::update,
        crate::api_cases::list,
        crate::api_cases::create,
        crate::api_cases::read,
        crate::api_cases::update,
        crate::api_cases::add_note,
        crate::api_cases::add_person,
        crate::api_cases::link,
        crate::api_cases::add_charge,
        crate::api_cases::person,
        crate::api_cases::add_identifier,
        crate::api_cases::remove_identifier,
        crate::api_cases::search,
        crate::api_sharing::consents,
        crate::api_sharing::record_consent,
        crate::api_sharing::revoke_consent,
        crate::api_sharing::notifications,
        crate::api_sharing::mark_read,
        crate::api_intake::list,
        crate::api_intake::create,
        crate::api_intake::read,
        crate::api_intake::triage,
        crate::api_intake::screen,
        crate::api_intake::instrument,
        crate::api_intake::set_instrument,
        crate::api_referrals::list,
        crate::api_referrals::create,
        crate::api_referrals::read,
        crate::api_referrals::act,
        crate::api_referrals::dashboard,
        crate::api_referrals::sla,
        crate::api_referrals::set_sla,
        crate::api_services::services,
        crate::api_services::record_service,
        crate::api_services::add_goal,
        crate::api_services::interview,
        crate::api_services::record_interview,
        crate::api_services::reviews,
        crate::api_services::create_review,
        crate::api_services::review,
        crate::api_services::add_agenda_case,
        crate::api_services::record_decision,
        crate::api_services::add_action,
        crate::api_deconfliction::list,
        crate::api_deconfliction::read,
        crate::api_deconfliction::act,
        crate::api_deconfliction::set_do_not_disclose,
        crate::api_operations::list,
        crate::api_operations::create,
        crate::api_operations::read,
        crate::api_operations::exempt,
        crate::api_operations::acknowledge,
        crate::api_duplicates::list,
        crate::api_duplicates::scan,
        crate::api_duplicates::read,
        crate::api_duplicates::decide,
        crate::api_duplicates::victim_count,
    ),
    components(schemas(ErrorBody, FieldError))
)]
struct ApiDoc;

/// The OpenAPI document as JSON text.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into())
}

/// The API description, for members signed in or holding a token.
pub async fn openapi(_caller: crate::auth::Caller) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}
