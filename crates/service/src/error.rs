//! Typed errors of the use cases; the api crate maps them to HTTP in one place.

use mstream_db::DbError;
use mstream_kernel::FieldErrors;

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is invalid (400 with field messages).
    #[error("validation failed: {0}")]
    Validation(FieldErrors),
    /// No credentials, but the operation needs a signed-in caller (401).
    #[error("authentication required")]
    Unauthenticated,
    /// The presented token is unknown or revoked (401).
    #[error("invalid token")]
    InvalidToken,
    /// The caller may not do this (403).
    #[error("permission denied")]
    Forbidden,
    /// The entity does not exist (404).
    #[error("not found")]
    NotFound,
    /// The page lies past the end (404 `Invalid page.`).
    #[error("invalid page")]
    InvalidPage,
    /// The upload passed the size limit in bytes (413).
    #[error("upload larger than {0} bytes")]
    TooLarge(u64),
    /// The database cannot be reached (503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A referenced row vanished between the checks and the write (another
    /// request deleted it meanwhile): the client's 400. Use cases that know
    /// which field referred to it say so instead
    /// ([`crate::catalog::recheck_references`]).
    #[error("a referenced row vanished: {0}")]
    ReferenceGone(String),
    /// Anything else; logged, never shown (500).
    /// A resumable upload's offset is not the one the request assumed.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Another request is writing to the same resumable upload.
    #[error("locked by another request")]
    Locked,
    /// The resumable upload expired.
    #[error("gone")]
    Gone,
    /// The bytes do not have the checksum the client sent.
    #[error("checksum mismatch")]
    ChecksumMismatch,
    #[error("internal error: {0}")]
    Internal(String),
}

/// Results of the use cases.
pub type ServiceResult<T> = Result<T, ServiceError>;

impl From<DbError> for ServiceError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::NotFound => ServiceError::NotFound,
            DbError::Unavailable(why) | DbError::Busy(why) => ServiceError::Unavailable(why),
            DbError::ForeignKey(why) => ServiceError::ReferenceGone(why),
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        ServiceError::Validation(errors)
    }
}

impl ServiceError {
    /// A single-field validation error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Validation(FieldErrors::single(field, message))
    }
}

/// Turns a unique violation on `repo`'s table into DRF's field message;
/// other errors pass through.
pub fn unique_to_field(error: DbError, repo: &mstream_db::tables::Repo) -> ServiceError {
    match repo.unique_field(&error) {
        Some(field) => ServiceError::field(field, repo.resource().unique_message(field)),
        None => error.into(),
    }
}

/// Maps a query-string problem to the service error.
pub fn query_error(error: mstream_kernel::query::QueryError) -> ServiceError {
    use mstream_kernel::query::QueryError;
    match error {
        QueryError::Fields(errors) => ServiceError::Validation(errors),
        QueryError::InvalidPage => ServiceError::InvalidPage,
    }
}
