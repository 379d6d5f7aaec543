//! What goes wrong, and how each kind of failure is told to a person (HTML) or a program (JSON).

use crate::view::{render, ErrorPage};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use taskforce_app::AppError;
use taskforce_domain::Invalid;

/// A failure of a request, before it is told in HTML or JSON.
#[derive(Debug)]
pub enum Problem {
    NotFound,
    /// The access policy refused; the reason is safe to show (it reveals nothing behind it).
    Forbidden(String),
    /// No valid session or token (API), or a refused sign-in.
    Unauthenticated(String),
    Invalid(Invalid),
    Conflict,
    /// An API update came without `If-Match`.
    VersionRequired,
    /// The store or something below failed; logged, never shown.
    Internal(String),
}

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound => Self::NotFound,
            AppError::Forbidden(reason) => Self::Forbidden(reason),
            AppError::Unauthenticated(message) => Self::Unauthenticated(message),
            AppError::Internal(detail) => Self::Internal(detail),
            AppError::Invalid(invalid) => Self::Invalid(invalid),
            AppError::Conflict => Self::Conflict,
            AppError::Store(e) => Self::Internal(e.to_string()),
        }
    }
}

impl From<Invalid> for Problem {
    fn from(invalid: Invalid) -> Self {
        Self::Invalid(invalid)
    }
}

impl Problem {
    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict => StatusCode::PRECONDITION_FAILED,
            Self::VersionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            Self::NotFound => "There is nothing at this address. It may have been moved, or the link may be mistyped.".into(),
            Self::Invalid(invalid) => invalid.to_string(),
            Self::Forbidden(reason) => format!("This is not available to you. {reason}"),
            Self::Unauthenticated(message) => message.clone(),
            Self::Conflict => AppError::Conflict.to_string(),
            Self::VersionRequired => {
                "send the version you read in an If-Match header (the ETag of the GET response), so that nobody's change is lost".into()
            }
            Self::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "Something went wrong on our side and nothing was changed. Please try again; if it keeps happening, tell your administrator.".into()
            }
        }
    }
}

/// A failure told as an HTML page with a way back.
#[derive(Debug)]
pub struct PageError(pub Problem);

impl<E: Into<Problem>> From<E> for PageError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let title = match self.0 {
            Problem::NotFound => "Page not found",
            Problem::Forbidden(_) => "Not available to you",
            Problem::Unauthenticated(_) => "Please sign in",
            Problem::Invalid(_) => "Please check the address",
            Problem::Conflict => "Changed by someone else",
            Problem::VersionRequired => "Please reload",
            Problem::Internal(_) => "Something went wrong",
        };
        let page = ErrorPage::new(title, self.0.message());
        (status, render(&page)).into_response()
    }
}

/// A failure told as JSON: `{"error": "...", "message": "...", "fields": [{"field", "message"}]}`.
#[derive(Debug)]
pub struct ApiError(pub Problem);

impl<E: Into<Problem>> From<E> for ApiError {
    fn from(err: E) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let code = match &self.0 {
            Problem::NotFound => "not_found",
            Problem::Forbidden(_) => "forbidden",
            Problem::Unauthenticated(_) => "unauthenticated",
            Problem::Invalid(_) => "invalid",
            Problem::Conflict => "conflict",
            Problem::VersionRequired => "version_required",
            Problem::Internal(_) => "internal",
        };
        let fields = match &self.0 {
            Problem::Invalid(invalid) => invalid.errors.clone(),
            _ => Vec::new(),
        };
        let body = crate::api::ErrorBody {
            error: code.to_owned(),
            message: self.0.message(),
            fields,
        };
        (status, Json(body)).into_response()
    }
}

/// Path parameters with a clear error when one is malformed (which parameter, why), told as
/// `R` (HTML or JSON).
pub struct Ids<T, R = PageError>(pub T, pub PhantomData<R>);

impl<S, T, R> FromRequestParts<S> for Ids<T, R>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
    R: From<Problem> + IntoResponse,
{
    type Rejection = R;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value, PhantomData)),
            Err(rejection) => {
                use axum::extract::path::ErrorKind;
                use axum::extract::rejection::PathRejection;
                let field = match &rejection {
                    PathRejection::FailedToDeserializePathParams(e) => match e.kind() {
                        ErrorKind::ParseErrorAtKey { key, .. }
                        | ErrorKind::DeserializeError { key, .. }
                        | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                        _ => "path".to_owned(),
                    },
                    _ => "path".to_owned(),
                };
                Err(R::from(Problem::Invalid(Invalid::one(
                    field,
                    "is not a valid identifier",
                ))))
            }
        }
    }
}

pub async fn not_found_page(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(Problem::NotFound).into_response()
    } else {
        PageError(Problem::NotFound).into_response()
    }
}
