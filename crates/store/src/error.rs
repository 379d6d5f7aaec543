use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The database URL cannot be used; the message says why and what would work.
    #[error("{0}")]
    Url(String),
    #[error("could not reach the database: {0}")]
    Unreachable(String),
    #[error(
        "the database was written by a newer version of Taskforce (schema version {found}, this program knows up to {known}); upgrade Taskforce before using this database"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the database has not been set up yet (schema version {found}, this program needs {known}); run `taskforce migrate` first")]
    SchemaTooOld { found: i64, known: i64 },
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("not found")]
    NotFound,
    /// Someone else changed the record since it was read (optimistic concurrency).
    #[error("the record was changed by someone else since it was opened")]
    Conflict,
    /// A value that must be unique is already used; `field` names the input field.
    #[error("{field} is already in use")]
    Duplicate { field: &'static str },
    /// A stored value could not be understood (a bug or a tampered database, never user input).
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Maps a unique-constraint violation to [`StoreError::Duplicate`] naming `field`.
    pub(crate) fn unique(err: sqlx::Error, field: &'static str) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Duplicate { field },
            _ => Self::Database(err),
        }
    }
}
