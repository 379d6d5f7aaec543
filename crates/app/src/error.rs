use taskforce_domain::Invalid;
use taskforce_store::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum AppError {
    /// The input was refused; each field error says which field and why. Nothing changed.
    #[error("{0}")]
    Invalid(Invalid),
    #[error("not found")]
    NotFound,
    /// The policy refused; the message says why in words a person understands.
    #[error("{0}")]
    Forbidden(String),
    /// Sign-in or a second factor was refused; the message is safe to show.
    #[error("{0}")]
    Unauthenticated(String),
    /// The record changed since the person opened it; their change was not applied.
    #[error("this record was changed by someone else after you opened it; reload it and make your change again")]
    Conflict,
    #[error(transparent)]
    Store(StoreError),
    /// A failure below the use case that is not the store's (hashing, encoding); logged, never shown.
    #[error("{0}")]
    Internal(String),
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        Self::Invalid(invalid)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict => Self::Conflict,
            StoreError::Duplicate { field: "counties" } => Self::Invalid(Invalid::one(
                "counties",
                "a county that belongs to a region cannot be removed, and a county can belong to only one region",
            )),
            StoreError::Duplicate { field } => {
                Self::Invalid(Invalid::one(field, "is already used by another record of this task force"))
            }
            other => Self::Store(other),
        }
    }
}
